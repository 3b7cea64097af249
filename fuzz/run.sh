#!/usr/bin/env bash
# Usage: fuzz/run.sh [SECONDS] [TARGET...]
#
# Runs each TARGET (default: every target `cargo fuzz list` names) for
# SECONDS seconds (default 30), one after another, and prints executions
# per second per target. SECONDS is per target, so the total is SECONDS
# times the number of targets (CI: 6 targets x 30 s). Exits non-zero if
# any target finds a crash; the input is left in fuzz/artifacts/<target>/.
#
# The first run builds the fuzz crate (cargo fuzz run builds what it
# runs); later runs reuse fuzz/target.
#
# Works on stable Rust (`-s none`: no sanitizer; `-a`: debug assertions
# and overflow checks on). The growing corpus lives in
# fuzz/corpus/<target> (gitignored); the committed seeds in
# fuzz/seeds/<target> are read alongside it. Each target uses
# fuzz/<target>.dict if present, else patch.dict for create and http,
# else fuzz/filter.dict.
#
# To see what a corpus exercises, run a target binary over it with
# SCIM_FUZZ_TRACE=1: http prints each request and its response, patch
# each PATCH outcome, e.g.
#   SCIM_FUZZ_TRACE=1 target/x86_64-unknown-linux-gnu/release/http -runs=0 corpus/http
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-30}"
shift || true
case "$seconds" in
  ''|*[!0-9]*) echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac

if [ $# -gt 0 ]; then
  targets="$*"
else
  targets=$(cargo fuzz list)
fi
if [ -z "$targets" ]; then
  echo "no fuzz targets" >&2
  exit 1
fi

failed=()
summary=()
for target in $targets; do
  mkdir -p "corpus/$target" "seeds/$target"
  dict="filter.dict"
  case "$target" in
    # Resource bodies: the same attribute names and values as PATCH.
    create|http) dict="patch.dict" ;;
  esac
  [ -f "$target.dict" ] && dict="$target.dict"
  log=$(mktemp)
  echo "=== fuzzing $target for ${seconds}s"
  if cargo fuzz run -s none -a "$target" "corpus/$target" "seeds/$target" -- \
      -max_total_time="$seconds" -dict="$dict" -print_final_stats=1 \
      >"$log" 2>&1; then
    status=ok
  else
    status=CRASH
    failed+=("$target")
    tail -n 60 "$log"
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  summary+=("$(printf '%-24s %-6s %12s execs %10s execs/s' "$target" "$status" "${runs:-?}" "${rate:-?}")")
  rm -f "$log"
done

echo
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "crashes in: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
