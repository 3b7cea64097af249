//! The whole HTTP service: a short sequence of requests against one
//! `ScimServer` over a `MemoryStore`.
//!
//! Requests are built from `arbitrary` data, biased toward what a real
//! client sends: the SCIM endpoints, ids and ETags of resources created
//! earlier in the same input, user, group, PATCH, search and bulk bodies
//! made from a small vocabulary (with userNames that collide
//! case-insensitively), and raw bytes anywhere a string goes.
//!
//! Checked: no panic; every status is a real HTTP status; every error
//! (anything but 2xx and 304) carries an RFC 7644 §3.12 body whose `status`
//! is the HTTP status as a string; every non-empty body is SCIM JSON that
//! parses; 204 and 304 have no body; no resource is answered with its
//! `password`; no tenant is answered another tenant's resource. After the
//! sequence, every stored resource passes `prepare_replace` over itself
//! and carries the `meta.version` of its content, and userNames are unique
//! case-insensitively within each tenant.
#![no_main]

mod common;

use bytes::Bytes;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use scim_core::query::ListQuery;
use scim_core::resource::{prepare_replace, version_of};
use scim_core::server::{BearerTokens, PasswordHook, ScimServer, ServerConfig};
use scim_core::store::ResourceStore;
use scim_core::{Compat, ScimError};
use scim_store_memory::MemoryStore;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

const BASE: &str = "/scim/v2";
const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const TENANTS: [&str; 2] = ["acme", "globex"];

/// Names that collide case-insensitively, and a few that do not.
const NAMES: [&str; 10] = [
    "bjensen", "BJensen", "BJENSEN", "alice", "Alice", "bob", "ÄBC", "äbc", "ΑΣ", "ασ",
];
const ATTR_PATHS: [&str; 16] = [
    "userName",
    "name.givenName",
    "name",
    "displayName",
    "emails",
    "emails[type eq \"work\"]",
    "emails[type eq \"work\"].value",
    "phoneNumbers",
    "active",
    "members",
    "members[value eq \"x\"]",
    "externalId",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "meta.created",
    "password",
];

/// Passwords are "hashed" cheaply: argon2 would dominate every run.
struct CheapPasswords;

impl PasswordHook for CheapPasswords {
    fn store(&self, _: &str, _: &str, clear: &str) -> Result<Option<String>, ScimError> {
        Ok(Some(format!("hashed:{}", clear.len())))
    }
}

/// Whether to print each request and response (`SCIM_FUZZ_TRACE=1`, for
/// reading what a corpus exercises).
fn trace() -> bool {
    static T: OnceLock<bool> = OnceLock::new();
    *T.get_or_init(|| std::env::var_os("SCIM_FUZZ_TRACE").is_some())
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a tokio runtime")
    })
}

#[derive(Arbitrary, Debug, Clone)]
struct Input {
    /// The first tenant's compatibility profile.
    compat: u8,
    requests: Vec<Req>,
}

#[derive(Arbitrary, Debug, Clone)]
struct Req {
    action: Action,
    query: Vec<QuerySel>,
    /// Mostly the first tenant; sometimes the second, no credentials, or
    /// bad ones.
    auth: u8,
    headers: Vec<HeaderSel>,
}

/// What a client means to do; `Free` mixes any method, path and body.
#[derive(Arbitrary, Debug, Clone)]
enum Action {
    CreateUser(UserSel),
    CreateGroup(GroupSel),
    Get(Endpoint, IdSel),
    List(Endpoint),
    Replace(Endpoint, IdSel, BodySel),
    Patch(Endpoint, IdSel, Vec<PatchOpSel>),
    Delete(Endpoint, IdSel),
    Search(Option<Endpoint>, Vec<QuerySel>),
    Bulk(Option<u8>, Vec<BulkOpSel>),
    Free(MethodSel, PathSel, BodySel),
}

#[derive(Arbitrary, Debug, Clone)]
enum MethodSel {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Other(String),
}

#[derive(Arbitrary, Debug, Clone)]
enum Endpoint {
    Users,
    Groups,
    Other(String),
}

#[derive(Arbitrary, Debug, Clone)]
enum PathSel {
    Collection(Endpoint),
    Resource(Endpoint, IdSel),
    Search(Option<Endpoint>),
    Bulk,
    ServiceProviderConfig,
    Schemas(Option<String>),
    ResourceTypes(Option<String>),
    Raw(String),
    /// Outside the base path.
    Unprefixed(String),
}

#[derive(Arbitrary, Debug, Clone)]
enum IdSel {
    Known(u8),
    Raw(String),
}

#[derive(Arbitrary, Debug, Clone)]
enum QuerySel {
    Filter(FilterSel),
    Attributes(u8),
    ExcludedAttributes(u8),
    StartIndex(i32),
    Count(i32),
    SortBy(u8, bool),
    Cursor(String),
    Raw(String, String),
}

#[derive(Arbitrary, Debug, Clone)]
enum FilterSel {
    UserNameEq(u8),
    MemberEq(IdSel),
    Present(u8),
    Raw(String),
}

#[derive(Arbitrary, Debug, Clone)]
enum HeaderSel {
    ContentType(u8),
    Accept(u8),
    IfMatch(u8),
    IfNoneMatch(u8),
    Host(String),
    Raw(String, String),
}

#[derive(Arbitrary, Debug, Clone)]
enum BodySel {
    Empty,
    Raw(Vec<u8>),
    User(UserSel),
    Group(GroupSel),
    Patch(Vec<PatchOpSel>),
    Search(Vec<QuerySel>),
    Bulk(Option<u8>, Vec<BulkOpSel>),
}

#[derive(Arbitrary, Debug, Clone)]
struct UserSel {
    name: u8,
    display: Option<JsonSel>,
    password: Option<String>,
    emails: Vec<(JsonSel, u8, bool)>,
    manager: Option<IdSel>,
    extra: Option<(String, JsonSel)>,
}

#[derive(Arbitrary, Debug, Clone)]
struct GroupSel {
    name: u8,
    members: Vec<IdSel>,
    extra: Option<(String, JsonSel)>,
}

#[derive(Arbitrary, Debug, Clone)]
struct PatchOpSel {
    op: u8,
    path: Option<PathChoice>,
    value: Option<JsonSel>,
}

#[derive(Arbitrary, Debug, Clone)]
enum PathChoice {
    Known(u8),
    Raw(String),
}

#[derive(Arbitrary, Debug, Clone)]
enum JsonSel {
    Name(u8),
    Id(IdSel),
    BulkRef(u8),
    Str(String),
    Bool(bool),
    Num(i64),
    Null,
    Array(Vec<JsonSel>),
    Object(Vec<(String, JsonSel)>),
    User(Box<UserSel>),
    Raw(String),
}

#[derive(Arbitrary, Debug, Clone)]
struct BulkOpSel {
    method: u8,
    endpoint: bool,
    bulk_id: Option<u8>,
    id: Option<IdSel>,
    body: Option<BodySel>,
    version: Option<u8>,
}

/// What earlier responses revealed: ids and ETags.
#[derive(Default)]
struct Seen {
    ids: Vec<String>,
    /// The tenant each id was answered to first.
    owners: HashMap<String, usize>,
    etags: Vec<String>,
}

impl Seen {
    fn id(&self, sel: &IdSel) -> String {
        match sel {
            IdSel::Known(i) if !self.ids.is_empty() => {
                self.ids[usize::from(*i) % self.ids.len()].clone()
            }
            IdSel::Known(i) => format!("missing-{i}"),
            IdSel::Raw(s) => s.clone(),
        }
    }

    fn etag(&self, i: u8) -> String {
        match i {
            0 => "*".into(),
            1 => "W/\"0000000000000000\"".into(),
            _ if !self.etags.is_empty() => self.etags[usize::from(i) % self.etags.len()].clone(),
            _ => "W/\"1\"".into(),
        }
    }
}

fn name(i: u8) -> &'static str {
    NAMES[usize::from(i) % NAMES.len()]
}

fn attr_path(i: u8) -> &'static str {
    ATTR_PATHS[usize::from(i) % ATTR_PATHS.len()]
}

/// Percent-encodes everything but unreserved characters (and `/` when
/// asked), so any string becomes a valid URI part.
fn encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:@".contains(&b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl JsonSel {
    fn build(&self, seen: &Seen, depth: usize) -> Value {
        if depth > 4 {
            return Value::Null;
        }
        match self {
            JsonSel::Name(i) => json!(name(*i)),
            JsonSel::Id(sel) => json!(seen.id(sel)),
            JsonSel::BulkRef(i) => json!(format!("bulkId:b{}", i % 4)),
            JsonSel::Str(s) => json!(s),
            JsonSel::Bool(b) => json!(b),
            JsonSel::Num(n) => json!(n),
            JsonSel::Null => Value::Null,
            JsonSel::Array(items) => {
                Value::Array(items.iter().map(|j| j.build(seen, depth + 1)).collect())
            }
            JsonSel::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.build(seen, depth + 1)))
                    .collect(),
            ),
            JsonSel::User(u) => u.build(seen, depth + 1),
            JsonSel::Raw(s) => serde_json::from_str(s).unwrap_or_else(|_| json!(s)),
        }
    }
}

impl UserSel {
    fn build(&self, seen: &Seen, depth: usize) -> Value {
        let mut u = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": name(self.name),
        });
        if let Some(d) = &self.display {
            u["displayName"] = d.build(seen, depth + 1);
        }
        if let Some(p) = &self.password {
            u["password"] = json!(p);
        }
        if !self.emails.is_empty() {
            u["emails"] = Value::Array(
                self.emails
                    .iter()
                    .map(|(v, t, primary)| {
                        json!({
                            "value": v.build(seen, depth + 1),
                            "type": (["work", "home", "other", "Work"][usize::from(*t) % 4]),
                            "primary": primary,
                        })
                    })
                    .collect(),
            );
        }
        if let Some(m) = &self.manager {
            u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] =
                json!({"manager": {"value": seen.id(m)}, "department": "Tours"});
        }
        if let (Some((k, v)), Value::Object(map)) = (&self.extra, &mut u) {
            map.insert(k.clone(), v.build(seen, depth + 1));
        }
        u
    }
}

impl GroupSel {
    fn build(&self, seen: &Seen) -> Value {
        let mut g = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": name(self.name),
        });
        if !self.members.is_empty() {
            g["members"] = Value::Array(
                self.members
                    .iter()
                    .map(|m| json!({"value": seen.id(m)}))
                    .collect(),
            );
        }
        if let (Some((k, v)), Value::Object(map)) = (&self.extra, &mut g) {
            map.insert(k.clone(), v.build(seen, 1));
        }
        g
    }
}

impl FilterSel {
    fn build(&self, seen: &Seen) -> String {
        match self {
            FilterSel::UserNameEq(i) => format!("userName eq \"{}\"", name(*i)),
            FilterSel::MemberEq(id) => format!("members[value eq \"{}\"]", seen.id(id)),
            FilterSel::Present(i) => format!("{} pr", attr_path(*i)),
            FilterSel::Raw(s) => s.clone(),
        }
    }
}

impl QuerySel {
    fn pair(&self, seen: &Seen) -> (String, String) {
        match self {
            QuerySel::Filter(f) => ("filter".into(), f.build(seen)),
            QuerySel::Attributes(i) => ("attributes".into(), attr_path(*i).into()),
            QuerySel::ExcludedAttributes(i) => ("excludedAttributes".into(), attr_path(*i).into()),
            QuerySel::StartIndex(n) => ("startIndex".into(), n.to_string()),
            QuerySel::Count(n) => ("count".into(), n.to_string()),
            QuerySel::SortBy(i, asc) => (
                "sortBy".into(),
                format!(
                    "{}&sortOrder={}",
                    attr_path(*i),
                    if *asc { "ascending" } else { "descending" }
                ),
            ),
            QuerySel::Cursor(s) => ("cursor".into(), s.clone()),
            QuerySel::Raw(k, v) => (k.clone(), v.clone()),
        }
    }
}

impl BodySel {
    fn build(&self, seen: &Seen, depth: usize) -> Vec<u8> {
        match self.value(seen, depth) {
            Some(v) => serde_json::to_vec(&v).unwrap_or_default(),
            None => match self {
                BodySel::Raw(bytes) => bytes.clone(),
                _ => Vec::new(),
            },
        }
    }

    fn value(&self, seen: &Seen, depth: usize) -> Option<Value> {
        Some(match self {
            BodySel::Empty | BodySel::Raw(_) => return None,
            BodySel::User(u) => u.build(seen, depth),
            BodySel::Group(g) => g.build(seen),
            BodySel::Patch(ops) => json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": ops.iter().take(8).map(|op| {
                    let mut o = json!({"op": (["add", "remove", "replace", "Replace", "ADD"][usize::from(op.op) % 5])});
                    match &op.path {
                        Some(PathChoice::Known(i)) => o["path"] = json!(attr_path(*i)),
                        Some(PathChoice::Raw(s)) => o["path"] = json!(s),
                        None => {}
                    }
                    if let Some(v) = &op.value {
                        o["value"] = v.build(seen, depth + 1);
                    }
                    o
                }).collect::<Vec<_>>(),
            }),
            BodySel::Search(params) => {
                let mut body =
                    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]});
                for p in params.iter().take(6) {
                    let (k, v) = p.pair(seen);
                    let v = match k.as_str() {
                        "startIndex" | "count" => {
                            v.parse::<i64>().map(Value::from).unwrap_or(json!(v))
                        }
                        "attributes" | "excludedAttributes" => json!([v]),
                        _ => json!(v),
                    };
                    body[k] = v;
                }
                body
            }
            BodySel::Bulk(fail_on_errors, ops) if depth == 0 => {
                let mut body = json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                    "Operations": ops.iter().take(8).map(|op| {
                        let method = ["POST", "PUT", "PATCH", "DELETE", "GET"][usize::from(op.method) % 5];
                        let endpoint = if op.endpoint { "/Users" } else { "/Groups" };
                        let path = match (&op.id, method) {
                            (_, "POST") | (None, _) => endpoint.to_string(),
                            (Some(IdSel::Known(i)), _) if i % 2 == 0 => format!("{endpoint}/bulkId:b{}", (i / 2) % 4),
                            (Some(id), _) => format!("{endpoint}/{}", seen.id(id)),
                        };
                        let mut o = json!({"method": method, "path": path});
                        if let Some(b) = op.bulk_id {
                            o["bulkId"] = json!(format!("b{}", b % 4));
                        }
                        if let Some(v) = op.version {
                            o["version"] = json!(seen.etag(v));
                        }
                        if let Some(d) = op.body.as_ref().and_then(|b| b.value(seen, depth + 1)) {
                            o["data"] = d;
                        }
                        o
                    }).collect::<Vec<_>>(),
                });
                if let Some(n) = fail_on_errors {
                    body["failOnErrors"] = json!(n);
                }
                body
            }
            BodySel::Bulk(..) => return None,
        })
    }
}

impl Req {
    /// The index in TENANTS of the tenant the credentials name.
    fn tenant(&self) -> Option<usize> {
        match self.auth % 16 {
            0..=10 => Some(0),
            11 | 12 => Some(1),
            _ => None,
        }
    }

    fn build(&self, seen: &Seen) -> Option<http::Request<Bytes>> {
        use http::Method;
        let endpoint = |e: &Endpoint| match e {
            Endpoint::Users => "Users".to_string(),
            Endpoint::Groups => "Groups".to_string(),
            Endpoint::Other(s) => encode(s, false),
        };
        let resource = |e: &Endpoint, id: &IdSel| {
            format!("{BASE}/{}/{}", endpoint(e), encode(&seen.id(id), false))
        };
        let (method, path, body) = match &self.action {
            Action::CreateUser(u) => (
                Method::POST,
                format!("{BASE}/Users"),
                BodySel::User(u.clone()).build(seen, 0),
            ),
            Action::CreateGroup(g) => (
                Method::POST,
                format!("{BASE}/Groups"),
                BodySel::Group(g.clone()).build(seen, 0),
            ),
            Action::Get(e, id) => (Method::GET, resource(e, id), Vec::new()),
            Action::List(e) => (Method::GET, format!("{BASE}/{}", endpoint(e)), Vec::new()),
            Action::Replace(e, id, b) => (Method::PUT, resource(e, id), b.build(seen, 0)),
            Action::Patch(e, id, ops) => (
                Method::PATCH,
                resource(e, id),
                BodySel::Patch(ops.clone()).build(seen, 0),
            ),
            Action::Delete(e, id) => (Method::DELETE, resource(e, id), Vec::new()),
            Action::Search(e, params) => (
                Method::POST,
                match e {
                    None => format!("{BASE}/.search"),
                    Some(e) => format!("{BASE}/{}/.search", endpoint(e)),
                },
                BodySel::Search(params.clone()).build(seen, 0),
            ),
            Action::Bulk(f, ops) => (
                Method::POST,
                format!("{BASE}/Bulk"),
                BodySel::Bulk(*f, ops.clone()).build(seen, 0),
            ),
            Action::Free(m, p, b) => {
                let method = match m {
                    MethodSel::Get => Method::GET,
                    MethodSel::Post => Method::POST,
                    MethodSel::Put => Method::PUT,
                    MethodSel::Patch => Method::PATCH,
                    MethodSel::Delete => Method::DELETE,
                    MethodSel::Head => Method::HEAD,
                    MethodSel::Other(m) => Method::from_bytes(m.as_bytes()).ok()?,
                };
                let path = match p {
                    PathSel::Collection(e) => format!("{BASE}/{}", endpoint(e)),
                    PathSel::Resource(e, id) => resource(e, id),
                    PathSel::Search(None) => format!("{BASE}/.search"),
                    PathSel::Search(Some(e)) => format!("{BASE}/{}/.search", endpoint(e)),
                    PathSel::Bulk => format!("{BASE}/Bulk"),
                    PathSel::ServiceProviderConfig => format!("{BASE}/ServiceProviderConfig"),
                    PathSel::Schemas(None) => format!("{BASE}/Schemas"),
                    PathSel::Schemas(Some(s)) => format!("{BASE}/Schemas/{}", encode(s, false)),
                    PathSel::ResourceTypes(None) => format!("{BASE}/ResourceTypes"),
                    PathSel::ResourceTypes(Some(s)) => {
                        format!("{BASE}/ResourceTypes/{}", encode(s, false))
                    }
                    PathSel::Raw(s) => format!("{BASE}/{}", encode(s, true)),
                    PathSel::Unprefixed(s) => format!("/{}", encode(s, true)),
                };
                (method, path, b.build(seen, 0))
            }
        };
        let query: Vec<String> = self
            .query
            .iter()
            .take(6)
            .map(|q| {
                let (k, v) = q.pair(seen);
                // sortBy carries its own `&sortOrder=`.
                match v.split_once("&sortOrder=") {
                    Some((a, b)) if k == "sortBy" => {
                        format!("sortBy={}&sortOrder={}", encode(a, false), encode(b, false))
                    }
                    _ => format!("{}={}", encode(&k, false), encode(&v, false)),
                }
            })
            .collect();
        let uri = if query.is_empty() {
            path
        } else {
            format!("{path}?{}", query.join("&"))
        };
        let mut builder = http::Request::builder().method(method).uri(uri);
        match self.auth % 16 {
            // Keep in step with `Req::tenant`.
            0..=10 => builder = builder.header("authorization", "Bearer token-acme"),
            11 | 12 => builder = builder.header("authorization", "Bearer token-globex"),
            13 => {}
            14 => builder = builder.header("authorization", "Basic dG9rZW4tYWNtZQ=="),
            _ => builder = builder.header("authorization", "Bearer token-acm"),
        }
        for h in self.headers.iter().take(4) {
            let (k, v) = match h {
                HeaderSel::ContentType(i) => (
                    "content-type",
                    [
                        "application/scim+json",
                        "application/json",
                        "text/plain",
                        "application/scim+json; charset=utf-8",
                        "",
                    ][usize::from(*i) % 5]
                        .to_string(),
                ),
                HeaderSel::Accept(i) => (
                    "accept",
                    [
                        "application/scim+json",
                        "*/*",
                        "text/html",
                        "application/json;q=0.5, text/plain",
                    ][usize::from(*i) % 4]
                        .to_string(),
                ),
                HeaderSel::IfMatch(i) => ("if-match", seen.etag(*i)),
                HeaderSel::IfNoneMatch(i) => ("if-none-match", seen.etag(*i)),
                HeaderSel::Host(h) => ("host", h.clone()),
                HeaderSel::Raw(k, v) => {
                    let Ok(name) = http::HeaderName::from_bytes(k.as_bytes()) else {
                        continue;
                    };
                    let Ok(value) = http::HeaderValue::from_str(v) else {
                        continue;
                    };
                    builder = builder.header(name, value);
                    continue;
                }
            };
            if let Ok(value) = http::HeaderValue::from_str(&v) {
                builder = builder.header(k, value);
            }
        }
        builder.body(Bytes::from(body)).ok()
    }
}

/// The response checks every answer must pass; learns ids and ETags.
fn check_response(res: &http::Response<Bytes>, tenant: Option<usize>, seen: &mut Seen, what: &str) {
    let status = res.status().as_u16();
    assert!((100..=599).contains(&status), "{what}: status {status}");
    let body = res.body();
    if status == 204 || status == 304 {
        assert!(body.is_empty(), "{what}: {status} with a body");
    }
    let json: Option<Value> = if body.is_empty() {
        None
    } else {
        let ct = res
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(ct.contains("json"), "{what}: body with content type {ct:?}");
        match serde_json::from_slice(body) {
            Ok(v) => Some(v),
            Err(e) => panic!("{what}: {status} body is not JSON: {e}: {body:?}"),
        }
    };
    if !(200..300).contains(&status) && status != 304 {
        let Some(err) = &json else {
            panic!("{what}: {status} without an error body");
        };
        assert!(
            err["schemas"]
                .as_array()
                .is_some_and(|s| s.iter().any(|u| u == ERROR_URN)),
            "{what}: {status} body lacks the Error URN: {err}"
        );
        assert_eq!(
            err["status"].as_str(),
            Some(status.to_string().as_str()),
            "{what}: error body status differs from HTTP status: {err}"
        );
    }
    if let Some(v) = &json {
        // A resource answered whole carries its version in ETag too.
        if let (Some(version), Some(etag)) = (
            v["meta"]["version"].as_str(),
            res.headers().get(http::header::ETAG),
        ) {
            assert_eq!(
                etag.to_str().ok(),
                Some(version),
                "{what}: ETag differs from meta.version"
            );
        }
        if let Some(resources) = v["Resources"].as_array() {
            assert_eq!(
                v["itemsPerPage"].as_u64(),
                Some(resources.len() as u64),
                "{what}: itemsPerPage differs from the resources listed"
            );
            if let Some(total) = v["totalResults"].as_u64() {
                assert!(
                    total >= resources.len() as u64,
                    "{what}: totalResults {total} below the {} listed",
                    resources.len()
                );
            }
        }
    }
    if let Some(etag) = res
        .headers()
        .get(http::header::ETAG)
        .and_then(|v| v.to_str().ok())
    {
        if !seen.etags.iter().any(|e| e == etag) {
            seen.etags.push(etag.to_owned());
        }
    }
    if let Some(v) = &json {
        let mut learn = |r: &Value| {
            // Discovery documents (schemas, resource types) have ids too,
            // the same for every tenant.
            let discovery = r["meta"]["resourceType"]
                .as_str()
                .is_some_and(|t| !matches!(t, "User" | "Group"));
            if let Some(id) = r["id"].as_str().filter(|_| !discovery) {
                if !seen.ids.iter().any(|i| i == id) {
                    seen.ids.push(id.to_owned());
                }
                if let Some(t) = tenant {
                    let owner = *seen.owners.entry(id.to_owned()).or_insert(t);
                    assert_eq!(
                        owner, t,
                        "{what}: {} answered a resource of {}: {r}",
                        TENANTS[t], TENANTS[owner]
                    );
                }
            }
        };
        learn(v);
        for r in v["Resources"].as_array().into_iter().flatten() {
            learn(r);
        }
        // `password` is writeOnly and returned "never" (RFC 7643 §4.1.1).
        for r in std::iter::once(v).chain(v["Resources"].as_array().into_iter().flatten()) {
            assert!(
                r.as_object()
                    .is_none_or(|o| !o.keys().any(|k| k.eq_ignore_ascii_case("password"))),
                "{what}: a password in the response: {r}"
            );
        }
        // Bulk results: a success's location names a resource of this
        // tenant (a failure's may name whatever id the client sent).
        for op in v["Operations"].as_array().into_iter().flatten() {
            let succeeded = op["status"].as_str().is_some_and(|s| s.starts_with('2'));
            if let Some(loc) = op["location"].as_str().filter(|_| succeeded) {
                if let Some((_, id)) = loc.rsplit_once('/') {
                    learn(&json!({"id": id}));
                }
            }
        }
    }
}

/// Every stored resource is valid, and userNames are unique
/// case-insensitively in each tenant (under the project's fold:
/// per-character lower case, as stores and filters compare).
async fn check_store(server: &ScimServer, store: &MemoryStore) {
    let registry = server.registry();
    for tenant in TENANTS {
        for type_name in ["User", "Group"] {
            let view = registry.view(type_name).expect("built-in type");
            let page = store
                .list(tenant, &view, &ListQuery::all(100_000))
                .await
                .expect("memory store lists");
            let mut names = HashSet::new();
            for r in &page.resources {
                if let Err(e) = prepare_replace(&view, r, r.clone(), &Compat::standard()) {
                    panic!("stored {type_name} in {tenant} is invalid: {e}\n{r}");
                }
                assert!(r["id"].is_string(), "stored without id: {r}");
                assert_eq!(
                    r["meta"]["version"].as_str(),
                    Some(version_of(r).as_str()),
                    "stored meta.version is not the version of the stored content: {r}"
                );
                if let Some(n) = r["userName"].as_str() {
                    assert!(
                        names.insert(scim_filter::fold_case(n)),
                        "userName {n:?} stored twice in {tenant}"
                    );
                }
            }
        }
    }
}

fuzz_target!(|input: Input| {
    let store = MemoryStore::new();
    let auth = BearerTokens::new()
        .with_token("token-acme", TENANTS[0])
        .with_token("token-globex", TENANTS[1]);
    let server = ScimServer::new(
        common::registry().clone(),
        Arc::new(store.clone()),
        Arc::new(auth),
        ServerConfig::default(),
    )
    .with_password_hook(Arc::new(CheapPasswords));
    server.set_tenant_compat(TENANTS[0], common::compat(input.compat));
    let mut seen = Seen::default();
    runtime().block_on(async {
        for (i, req) in input.requests.iter().take(8).enumerate() {
            let Some(request) = req.build(&seen) else {
                continue;
            };
            let what = format!("request {i} ({} {})", request.method(), request.uri());
            let res = server.handle(request).await;
            if trace() {
                eprintln!(
                    "{what} -> {} {}",
                    res.status(),
                    String::from_utf8_lossy(res.body())
                );
            }
            check_response(&res, req.tenant(), &mut seen, &what);
        }
        check_store(&server, &store).await;
    });
});
