#!/usr/bin/env bash
# Runs the independent SCIM conformance checkers (scim2-tester through
# scim2-cli, and scim-sanity) against the example server on every store:
# memory, a scratch SQLite file, PostgreSQL and Redis (each run in a fresh
# tenant, so reruns start clean). Exits non-zero when a checker fails.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-checkers
if [ ! -x "$venv/bin/scim2" ] || [ ! -x "$venv/bin/scim-sanity" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet scim2-tester==0.5.2 scim2-cli==0.6.0 scim-sanity==0.7.4
fi

cargo build --release -p scim-axum-example
bin="${CARGO_TARGET_DIR:-target}/release/scim-axum-example"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

stores=(
  "memory"
  "sqlite:$scratch/checkers.db"
  "${SCIM_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
  "${SCIM_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
)

status=0
port=18080
for store in "${stores[@]}"; do
  port=$((port + 1))
  token="checker-$(date +%s%N)"
  tenant="checkers-$(date +%s%N)"
  label="${store%%://*}"; label="${label%%:*}"
  SCIM_ADDR="127.0.0.1:$port" SCIM_STORE="$store" SCIM_TOKEN="$token" SCIM_TENANT="$tenant" \
    "$bin" >"$scratch/server-$label.log" 2>&1 &
  pid=$!
  up=0
  for _ in $(seq 1 100); do
    if curl -fsS -H "Authorization: Bearer $token" \
        "http://127.0.0.1:$port/scim/v2/ServiceProviderConfig" >/dev/null 2>&1; then
      up=1; break
    fi
    sleep 0.2
  done
  url="http://127.0.0.1:$port/scim/v2"
  if [ $up = 0 ]; then
    echo "--- $label: the server did not start"; cat "$scratch/server-$label.log"; status=1
  else
    echo "--- scim2-tester on $label"
    if "$venv/bin/scim2" -u "$url" -h "Authorization: Bearer $token" test >"$scratch/scim2-$label.log" 2>&1; then
      echo "ok: $(grep -c '^SUCCESS' "$scratch/scim2-$label.log") checks succeeded"
    else
      # scim2-tester PATCHes every extension as a whole and expects the
      # value it sent back; our provenance extension is entirely readOnly
      # (server-managed, RFC 7643 §7), so those checks cannot pass against
      # any server that honours readOnly. Every other failure counts.
      others=$(awk '/^(ERROR|CRITICAL)/{getline d; print $0 " " d}' "$scratch/scim2-$label.log" \
        | grep -v 'urn:scim-rs:params:scim:schemas:extension:provenance:2.0' || true)
      if [ -n "$others" ]; then
        grep -A3 -E '^(ERROR|CRITICAL)' "$scratch/scim2-$label.log" | head -80
        status=1
      else
        echo "ok: $(grep -c '^SUCCESS' "$scratch/scim2-$label.log") checks succeeded;" \
          "$(grep -c -E '^(ERROR|CRITICAL)' "$scratch/scim2-$label.log") whole-extension PATCH checks on the readOnly provenance extension are the checker's limitation"
      fi
    fi
    echo "--- scim-sanity on $label"
    "$venv/bin/scim-sanity" probe "$url" --token "$token" --i-accept-side-effects >"$scratch/sanity-$label.log" 2>&1 \
      && tail -n 4 "$scratch/sanity-$label.log" \
      || { grep -B1 -A3 -E 'FAIL|ERROR' "$scratch/sanity-$label.log" | head -60; status=1; }
  fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
exit $status
