//! Identity-provider interoperability: replays the request sequences that
//! Microsoft Entra ID and Okta send (the JSON fixtures in
//! `tests/fixtures/`) against the example server, on every store that is
//! available.
//!
//! Stores: memory always; SQLite in a temporary file; Postgres at
//! `SCIM_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`)
//! and Redis at `SCIM_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`) when
//! [`scim_axum_example::open_store`] supports them and the server answers.
//! A missing service skips with a message, unless `SCIM_REQUIRE_SERVICES=1`,
//! when it fails. Every fixture runs in a tenant of its own with a fresh
//! name, so reruns on a persistent store start clean.
//!
//! # Fixture format
//!
//! A fixture is an object: `name`, `idp`, `profile` (the compatibility
//! profile of its tenant: `standard`, `entra` or `okta`), `sources` (the
//! vendor pages the sequence follows) and `steps`, run in order. A step:
//!
//! ```text
//! {
//!   "name": "what the identity provider is doing",
//!   "method": "PATCH", "path": "/Users/${userId}",
//!   "query": {"filter": "userName eq \"x\""},      (optional, values are text)
//!   "headers": {"user-agent": "..."},                (optional)
//!   "body": {...},                                   (optional; null = none)
//!   "profile": "standard",                           (optional: run this step
//!                                                     under another profile)
//!   "todo": "why this fails for now",                (optional: expected to
//!                                                     fail until fixed)
//!   "expect": {
//!     "status": 200,
//!     "fields": {"/json/pointer": expected value},
//!     "absent": ["/json/pointer"],
//!     "lengths": {"/json/pointer": array length},
//!     "lacks": {"/json/pointer": [values the array must not hold]}
//!   },
//!   "capture": {"userId": "/id"}
//! }
//! ```
//!
//! `${name}` in any string (paths, query values, bodies, expectations) is
//! replaced by a value captured by an earlier step. An object
//! `{"$generate": {"count": N, "start": S, "template": T}}` anywhere in a
//! body or expectation becomes an array of N copies of T with `${i}`
//! replaced by S, S+1, ... (large group-membership patches).

use super::*;
use scim_core::server::ScimServer;
use scim_core::store::ResourceStore;
use scim_core::Compat;
use serde_json::Map;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

const FIXTURE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

struct Fixture {
    file: String,
    name: String,
    profile: Compat,
    steps: Vec<Step>,
}

struct Step {
    name: String,
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<Value>,
    profile: Option<Compat>,
    todo: Option<String>,
    status: u16,
    fields: Vec<(String, Value)>,
    absent: Vec<String>,
    lengths: Vec<(String, usize)>,
    lacks: Vec<(String, Vec<Value>)>,
    capture: Vec<(String, String)>,
}

fn profile(name: &str) -> Result<Compat, String> {
    Compat::by_name(name).ok_or_else(|| format!("unknown profile {name:?}"))
}

fn text_map(v: Option<&Value>, what: &str) -> Result<Vec<(String, String)>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                other => Err(format!("{what}.{k} must be a string, got {other}")),
            })
            .collect(),
        Some(other) => Err(format!("{what} must be an object, got {other}")),
    }
}

fn parse_step(v: &Value) -> Result<Step, String> {
    let o = v.as_object().ok_or("a step must be an object")?;
    let s = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
    let name = s("name").ok_or("a step needs a name")?;
    let ctx = |e: String| format!("step {name:?}: {e}");
    let method = s("method").ok_or_else(|| ctx("needs a method".into()))?;
    let path = s("path").ok_or_else(|| ctx("needs a path".into()))?;
    if !path.starts_with('/') {
        return Err(ctx(format!("path {path:?} must start with /")));
    }
    let expect = o
        .get("expect")
        .and_then(Value::as_object)
        .ok_or_else(|| ctx("needs an expect object".into()))?;
    let status = expect
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|n| u16::try_from(n).ok())
        .ok_or_else(|| ctx("expect.status must be an HTTP status".into()))?;
    let fields = match expect.get("fields") {
        None => Vec::new(),
        Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Some(_) => return Err(ctx("expect.fields must be an object".into())),
    };
    let absent = match expect.get("absent") {
        None => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|p| p.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| ctx("expect.absent must be an array of pointers".into()))?,
        Some(_) => return Err(ctx("expect.absent must be an array".into())),
    };
    let lengths = match expect.get("lengths") {
        None => Vec::new(),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                v.as_u64()
                    .map(|n| (k.clone(), n as usize))
                    .ok_or_else(|| ctx(format!("expect.lengths.{k} must be a count")))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(ctx("expect.lengths must be an object".into())),
    };
    let lacks = match expect.get("lacks") {
        None => Vec::new(),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                v.as_array()
                    .map(|a| (k.clone(), a.clone()))
                    .ok_or_else(|| ctx(format!("expect.lacks.{k} must be an array")))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(ctx("expect.lacks must be an object".into())),
    };
    for p in fields
        .iter()
        .map(|(p, _)| p)
        .chain(&absent)
        .chain(lengths.iter().map(|(p, _)| p))
        .chain(lacks.iter().map(|(p, _)| p))
    {
        if !p.is_empty() && !p.starts_with('/') {
            return Err(ctx(format!("{p:?} is not a JSON pointer")));
        }
    }
    Ok(Step {
        method: method.to_ascii_uppercase(),
        path,
        query: text_map(o.get("query"), "query").map_err(ctx)?,
        headers: text_map(o.get("headers"), "headers").map_err(ctx)?,
        body: o.get("body").filter(|b| !b.is_null()).cloned(),
        profile: s("profile").map(|p| profile(&p)).transpose().map_err(ctx)?,
        todo: s("todo"),
        status,
        fields,
        absent,
        lengths,
        lacks,
        capture: text_map(o.get("capture"), "capture").map_err(ctx)?,
        name,
    })
}

fn parse_fixture(file: &str, v: &Value) -> Result<Fixture, String> {
    let o = v.as_object().ok_or("a fixture must be an object")?;
    let name = o
        .get("name")
        .and_then(Value::as_str)
        .ok_or("a fixture needs a name")?
        .to_owned();
    let profile = profile(
        o.get("profile")
            .and_then(Value::as_str)
            .ok_or("a fixture needs a profile")?,
    )?;
    let steps = o
        .get("steps")
        .and_then(Value::as_array)
        .ok_or("a fixture needs steps")?
        .iter()
        .map(parse_step)
        .collect::<Result<Vec<_>, _>>()?;
    // Every variable is captured before it is used.
    let mut known: Vec<&str> = Vec::new();
    for step in &steps {
        let mut used = Vec::new();
        vars_in_str(&step.path, &mut used);
        for (_, v) in &step.query {
            vars_in_str(v, &mut used);
        }
        if let Some(b) = &step.body {
            vars_in(b, &mut used);
        }
        for (_, v) in &step.fields {
            vars_in(v, &mut used);
        }
        if let Some(missing) = used
            .iter()
            .find(|u| *u != "i" && !known.contains(&u.as_str()))
        {
            return Err(format!(
                "step {:?} uses ${{{missing}}} before any step captures it",
                step.name
            ));
        }
        known.extend(step.capture.iter().map(|(k, _)| k.as_str()));
    }
    Ok(Fixture {
        file: file.to_owned(),
        name,
        profile,
        steps,
    })
}

fn load_fixtures() -> Vec<Fixture> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(FIXTURE_DIR)
        .unwrap_or_else(|e| panic!("cannot read {FIXTURE_DIR}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let file = p.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(p).unwrap();
            let v: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{file} is not valid JSON: {e}"));
            parse_fixture(&file, &v).unwrap_or_else(|e| panic!("{file}: {e}"))
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Substitution and generators
// ---------------------------------------------------------------------------

fn vars_in_str(s: &str, out: &mut Vec<String>) {
    let mut rest = s;
    while let Some(at) = rest.find("${") {
        let Some(end) = rest[at..].find('}') else {
            return;
        };
        out.push(rest[at + 2..at + end].to_owned());
        rest = &rest[at + end + 1..];
    }
}

fn vars_in(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => vars_in_str(s, out),
        Value::Array(a) => a.iter().for_each(|e| vars_in(e, out)),
        Value::Object(o) => o.iter().for_each(|(k, e)| {
            vars_in_str(k, out);
            vars_in(e, out);
        }),
        _ => {}
    }
}

/// Replaces every `${name}` in `s`; an unknown name is an error.
fn subst_str(s: &str, vars: &HashMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let end = rest[at..]
            .find('}')
            .ok_or_else(|| format!("unclosed ${{ in {s:?}"))?;
        let name = &rest[at + 2..at + end];
        let v = vars
            .get(name)
            .ok_or_else(|| format!("${{{name}}} was not captured (an earlier step failed?)"))?;
        out.push_str(v);
        rest = &rest[at + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn subst(v: &Value, vars: &HashMap<String, String>) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => Value::String(subst_str(s, vars)?),
        Value::Array(a) => {
            Value::Array(a.iter().map(|e| subst(e, vars)).collect::<Result<_, _>>()?)
        }
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, e)| Ok((subst_str(k, vars)?, subst(e, vars)?)))
                .collect::<Result<Map<_, _>, String>>()?,
        ),
        other => other.clone(),
    })
}

/// Expands `{"$generate": {...}}` objects, then substitutes variables.
fn expand(v: &Value, vars: &HashMap<String, String>) -> Result<Value, String> {
    subst(&generate(v)?, vars)
}

fn generate(v: &Value) -> Result<Value, String> {
    Ok(match v {
        Value::Object(o) if o.len() == 1 && o.contains_key("$generate") => {
            let g = &o["$generate"];
            let count = g["count"].as_u64().ok_or("$generate needs a count")?;
            let start = g.get("start").and_then(Value::as_u64).unwrap_or(0);
            let template = generate(g.get("template").ok_or("$generate needs a template")?)?;
            let mut vars = HashMap::new();
            let mut out = Vec::with_capacity(count as usize);
            for i in start..start + count {
                vars.insert("i".to_owned(), format!("{i:04}"));
                out.push(subst_only(&template, &vars));
            }
            Value::Array(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(generate).collect::<Result<_, _>>()?),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, e)| Ok((k.clone(), generate(e)?)))
                .collect::<Result<Map<_, _>, String>>()?,
        ),
        other => other.clone(),
    })
}

/// Substitutes the given variables, leaving other `${...}` for later.
fn subst_only(v: &Value, vars: &HashMap<String, String>) -> Value {
    let s = |t: &str| {
        vars.iter().fold(t.to_owned(), |acc, (k, v)| {
            acc.replace(&format!("${{{k}}}"), v)
        })
    };
    match v {
        Value::String(t) => Value::String(s(t)),
        Value::Array(a) => Value::Array(a.iter().map(|e| subst_only(e, vars)).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, e)| (s(k), subst_only(e, vars))).collect())
        }
        other => other.clone(),
    }
}

/// Percent-encodes a query component (RFC 3986 unreserved kept).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------

/// One fixture's tenant on one store.
struct Run {
    router: axum::Router,
    server: ScimServer,
    tenant: String,
    profile: Compat,
    vars: HashMap<String, String>,
}

impl Run {
    fn new(store: Arc<dyn ResourceStore>, fixture: &Fixture) -> Self {
        let tenant = format!("idp-{}-{}", fixture.name, uuid::Uuid::new_v4().simple());
        let server = scim_axum_example::server(store, TOKEN, &tenant);
        server.set_tenant_compat(tenant.clone(), fixture.profile.clone());
        Run {
            router: scim_axum_example::app(server.clone()),
            server,
            tenant,
            profile: fixture.profile.clone(),
            vars: HashMap::new(),
        }
    }

    async fn send(&self, step: &Step) -> Result<(u16, Value), String> {
        let mut uri = format!("/scim/v2{}", subst_str(&step.path, &self.vars)?);
        for (i, (k, v)) in step.query.iter().enumerate() {
            uri.push(if i == 0 { '?' } else { '&' });
            uri.push_str(&encode(k));
            uri.push('=');
            uri.push_str(&encode(&subst_str(v, &self.vars)?));
        }
        let mut b = Request::builder()
            .method(step.method.as_str())
            .uri(uri)
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("host", "scim.example.com");
        let body = step
            .body
            .as_ref()
            .map(|b| expand(b, &self.vars))
            .transpose()?;
        if body.is_some()
            && !step
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            b = b.header("content-type", "application/scim+json");
        }
        for (k, v) in &step.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        let body = body
            .map(|v| Body::from(v.to_string()))
            .unwrap_or_else(Body::empty);
        let req = b.body(body).map_err(|e| format!("bad request: {e}"))?;
        let res = self
            .router
            .clone()
            .oneshot(req)
            .await
            .map_err(|e| format!("{e:?}"))?;
        let status = res.status().as_u16();
        let bytes = res
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("{e}"))?
            .to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Ok((status, body))
    }

    /// Runs one step: `Ok` when every expectation holds.
    async fn step(&mut self, step: &Step) -> Result<(), String> {
        if let Some(p) = &step.profile {
            self.server
                .set_tenant_compat(self.tenant.clone(), p.clone());
        }
        let sent = self.send(step).await;
        if step.profile.is_some() {
            self.server
                .set_tenant_compat(self.tenant.clone(), self.profile.clone());
        }
        let (status, body) = sent?;
        let mut problems = Vec::new();
        if status != step.status {
            problems.push(format!("status {status}, expected {}", step.status));
        }
        for (ptr, want) in &step.fields {
            let want = expand(want, &self.vars)?;
            match body.pointer(ptr) {
                Some(got) if *got == want => {}
                Some(got) => problems.push(format!("{ptr} is {got}, expected {want}")),
                None => problems.push(format!("{ptr} is missing, expected {want}")),
            }
        }
        for ptr in &step.absent {
            if let Some(got) = body.pointer(ptr) {
                problems.push(format!("{ptr} should be absent, is {got}"));
            }
        }
        for (ptr, n) in &step.lengths {
            match body.pointer(ptr).and_then(Value::as_array) {
                Some(a) if a.len() == *n => {}
                Some(a) => problems.push(format!("{ptr} has {} elements, expected {n}", a.len())),
                None => problems.push(format!("{ptr} is not an array, expected {n} elements")),
            }
        }
        for (ptr, unwanted) in &step.lacks {
            match body.pointer(ptr).and_then(Value::as_array) {
                Some(a) => {
                    for u in unwanted {
                        if a.contains(u) {
                            problems.push(format!("{ptr} holds {u}"));
                        }
                    }
                }
                None => problems.push(format!("{ptr} is not an array")),
            }
        }
        for (var, ptr) in &step.capture {
            match body.pointer(ptr) {
                Some(Value::String(s)) => {
                    self.vars.insert(var.clone(), s.clone());
                }
                Some(Value::Number(n)) => {
                    self.vars.insert(var.clone(), n.to_string());
                }
                _ => problems.push(format!("cannot capture {var} from {ptr}")),
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            let mut body_text = body.to_string();
            if body_text.len() > 600 {
                let mut cut = 600;
                while !body_text.is_char_boundary(cut) {
                    cut -= 1;
                }
                body_text.truncate(cut);
                body_text.push_str("...");
            }
            Err(format!("{}; body: {body_text}", problems.join("; ")))
        }
    }
}

/// Runs every fixture on one store; panics listing every failed step.
async fn replay_all(label: &str, store: Arc<dyn ResourceStore>) {
    let fixtures = load_fixtures();
    assert!(!fixtures.is_empty(), "no fixtures in {FIXTURE_DIR}");
    let mut failures = Vec::new();
    let mut steps = 0;
    for fixture in &fixtures {
        let mut run = Run::new(store.clone(), fixture);
        for step in &fixture.steps {
            steps += 1;
            let started = std::time::Instant::now();
            let outcome = run.step(step).await;
            let at = format!("[{label}] {} / {}", fixture.file, step.name);
            let took = started.elapsed();
            if took > Duration::from_millis(250) {
                eprintln!("{at}: slow step, {took:.2?}");
            }
            match (outcome, &step.todo) {
                (Ok(()), None) => {}
                (Err(e), None) => failures.push(format!("{at}: {e}")),
                (Err(e), Some(todo)) => eprintln!("{at}: expected failure (TODO: {todo}): {e}"),
                (Ok(()), Some(todo)) => eprintln!(
                    "{at}: PASSES NOW although marked TODO ({todo}); remove the todo marker"
                ),
            }
        }
    }
    eprintln!(
        "[{label}] {} fixtures, {steps} steps, {} failed",
        fixtures.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} fixture steps failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn services_required() -> bool {
    std::env::var("SCIM_REQUIRE_SERVICES").as_deref() == Ok("1")
}

/// Opens a service-backed store, or says why not and answers `None`: the
/// example cannot open that kind of store yet (always a skip), or the
/// service does not answer (a failure under `SCIM_REQUIRE_SERVICES=1`).
async fn service_store(kind: &str, spec: &str) -> Option<Arc<dyn ResourceStore>> {
    match tokio::time::timeout(Duration::from_secs(15), scim_axum_example::open_store(spec)).await {
        Ok(Ok(store)) => Some(store),
        Ok(Err(e)) if e.to_string().contains("unsupported") => {
            eprintln!("skipped: open_store does not support {kind} stores yet ({e})");
            None
        }
        Ok(Err(e)) => {
            assert!(
                !services_required(),
                "SCIM_REQUIRE_SERVICES=1 but {kind} fails: {e}"
            );
            eprintln!("skipped: {kind} unreachable: {e}");
            None
        }
        Err(_) => {
            assert!(
                !services_required(),
                "SCIM_REQUIRE_SERVICES=1 but {kind} does not answer"
            );
            eprintln!("skipped: {kind} does not answer");
            None
        }
    }
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

#[tokio::test]
async fn idp_fixtures_on_memory() {
    let store = scim_axum_example::open_store("memory").await.unwrap();
    replay_all("memory", store).await;
}

/// Removes the SQLite file and its journals when the test ends.
struct TempDb(PathBuf);

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(Path::new(&p));
        }
    }
}

#[tokio::test]
async fn idp_fixtures_on_sqlite() {
    let db =
        TempDb(std::env::temp_dir().join(format!("scim-idp-{}.db", uuid::Uuid::new_v4().simple())));
    let spec = format!("sqlite:{}", db.0.display());
    let Some(store) = service_store("SQLite", &spec).await else {
        return;
    };
    replay_all("sqlite", store).await;
}

#[tokio::test]
async fn idp_fixtures_on_postgres() {
    let url = env_or(
        "SCIM_TEST_POSTGRES_URL",
        "postgres://postgres@127.0.0.1:5432/test",
    );
    let Some(store) = service_store("Postgres", &url).await else {
        return;
    };
    replay_all("postgres", store).await;
}

#[tokio::test]
async fn idp_fixtures_on_redis() {
    let url = env_or("SCIM_TEST_REDIS_URL", "redis://127.0.0.1:6379");
    let Some(store) = service_store("Redis", &url).await else {
        return;
    };
    replay_all("redis", store).await;
}

// ---------------------------------------------------------------------------
// The harness itself
// ---------------------------------------------------------------------------

#[test]
fn every_fixture_parses_and_covers_both_idps() {
    let fixtures = load_fixtures();
    let profiles: Vec<&str> = fixtures.iter().map(|f| f.profile.profile).collect();
    assert!(profiles.contains(&"entra"), "{profiles:?}");
    assert!(profiles.contains(&"okta"), "{profiles:?}");
    // Some steps check that the standard profile refuses what entra allows.
    assert!(fixtures.iter().any(|f| f.steps.iter().any(|s| s
        .profile
        .as_ref()
        .is_some_and(|p| p.profile == "standard")
        && s.status == 400)));
}

#[test]
fn a_variable_used_before_capture_is_refused() {
    let v = json!({"name": "x", "profile": "okta", "steps": [
        {"name": "a", "method": "GET", "path": "/Users/${userId}", "expect": {"status": 200}},
    ]});
    let e = parse_fixture("x.json", &v).err().unwrap();
    assert!(e.contains("${userId}"), "{e}");
    let v = json!({"name": "x", "profile": "nope", "steps": []});
    assert!(parse_fixture("x.json", &v).is_err());
}

#[test]
fn generate_expands_templates_and_substitution_fails_on_unknown_names() {
    let vars = HashMap::from([("g".to_owned(), "G1".to_owned())]);
    let v = json!({"value": {"$generate": {"count": 3, "start": 8,
        "template": {"value": "m-${i}", "group": "${g}"}}}});
    assert_eq!(
        expand(&v, &vars).unwrap(),
        json!({"value": [
            {"value": "m-0008", "group": "G1"},
            {"value": "m-0009", "group": "G1"},
            {"value": "m-0010", "group": "G1"},
        ]})
    );
    assert!(expand(&json!("${nope}"), &vars).is_err());
    assert_eq!(encode("a b\"=&é"), "a%20b%22%3D%26%C3%A9");
}
