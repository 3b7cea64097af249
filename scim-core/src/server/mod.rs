//! The framework-agnostic SCIM service provider: `http::Request` in,
//! `http::Response` out.
//!
//! [`ScimServer::handle`] authenticates, routes and enforces limits, then
//! hands each request to the protocol engines (validation, PATCH, queries,
//! bulk) and the [`ResourceStore`]. Framework integrations only move bytes:
//! see the axum and actix-web examples, or the `tower` feature's
//! [`ScimService`].

mod auth;
mod bulk;
mod discovery;
mod meta;
mod password;
mod resources;
mod response;
#[cfg(feature = "tower")]
mod service;

pub use auth::{AllowAll, Authenticator, BearerTokens, Principal};
pub use password::{Argon2Passwords, PasswordHook};
pub use response::SCIM_JSON;
#[cfg(feature = "tower")]
pub use service::ScimService;

use crate::bulk::BulkLimits;
use crate::jit::{Channel, EventSink, PolicyMap, ProvisioningEvent, ProvisioningPolicy};
use crate::query::QueryLimits;
use crate::schema::Registry;
use crate::store::ResourceStore;
use crate::{Compat, ScimError};
use bytes::Bytes;
use http::{Method, Request, Response};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// How the server behaves: paths, limits, compatibility.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The path prefix SCIM is served under (`/scim/v2`); stripped from
    /// request paths when present. Empty when the framework strips it.
    pub base_path: String,
    /// The absolute base URL used in `meta.location` and `Location`
    /// (`https://example.com/scim/v2`). When `None`, it is built from the
    /// request's `Host` header, `http` scheme and `base_path`.
    pub base_url: Option<String>,
    /// The largest request body accepted (413 past it). Default 1 MiB.
    pub max_body_bytes: usize,
    /// Filter and page limits.
    pub query: QueryLimits,
    /// Bulk limits.
    pub bulk: BulkLimits,
    /// The compatibility profile for tenants without one of their own.
    pub compat: Compat,
    /// How often a PATCH without `If-Match` retries its compare-and-swap
    /// before answering 409.
    pub patch_retries: usize,
    /// `documentationUri` in ServiceProviderConfig.
    pub documentation_uri: Option<String>,
    /// Whether a group member must be an existing User or Group of the
    /// tenant (400 invalidValue otherwise). Off by default: RFC 7644 does
    /// not require it and identity providers may send members they are
    /// about to create; known members get `type` and `$ref` either way, and
    /// a member id never reaches another tenant's data.
    pub reject_unknown_members: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            base_path: "/scim/v2".into(),
            base_url: None,
            max_body_bytes: 1 << 20,
            query: QueryLimits::default(),
            bulk: BulkLimits::default(),
            compat: Compat::standard(),
            patch_retries: 64,
            documentation_uri: None,
            reject_unknown_members: false,
        }
    }
}

impl ServerConfig {
    /// Sets the path prefix.
    pub fn with_base_path(mut self, base_path: impl Into<String>) -> Self {
        self.base_path = base_path.into().trim_end_matches('/').to_owned();
        self
    }

    /// Sets the absolute base URL.
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into().trim_end_matches('/').to_owned());
        self
    }

    /// Sets the request body limit.
    pub fn with_max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// Sets the default compatibility profile.
    pub fn with_compat(mut self, compat: Compat) -> Self {
        self.compat = compat;
        self
    }

    /// Requires group members to be existing resources of the tenant.
    pub fn with_reject_unknown_members(mut self, on: bool) -> Self {
        self.reject_unknown_members = on;
        self
    }

    /// Sets the query limits.
    pub fn with_query_limits(mut self, limits: QueryLimits) -> Self {
        self.query = limits;
        self
    }

    /// Sets the bulk limits.
    pub fn with_bulk_limits(mut self, limits: BulkLimits) -> Self {
        self.bulk = limits;
        self
    }
}

/// A SCIM service provider over a store. Cheap to clone (shared state).
#[derive(Clone)]
pub struct ScimServer {
    inner: Arc<Inner>,
}

/// A registry with what the server derives from it once.
pub(crate) struct SchemaSet {
    pub registry: Registry,
    /// The projection of requests without `attributes` or
    /// `excludedAttributes`, per resource type (lower-cased name), compiled
    /// once.
    pub default_projections: HashMap<String, Arc<crate::projection::Projection>>,
}

impl SchemaSet {
    fn new(registry: Registry) -> Self {
        let default_projections = registry
            .resource_types()
            .iter()
            .filter_map(|rt| {
                let view = registry.view(&rt.name)?;
                Some((
                    rt.name.to_ascii_lowercase(),
                    Arc::new(crate::projection::Projection::default_for(&view)),
                ))
            })
            .collect();
        SchemaSet {
            registry,
            default_projections,
        }
    }
}

struct Inner {
    schemas: Arc<SchemaSet>,
    /// Tenants with resource types of their own.
    tenant_schemas: RwLock<HashMap<String, Arc<SchemaSet>>>,
    store: Arc<dyn ResourceStore>,
    auth: Arc<dyn Authenticator>,
    config: ServerConfig,
    tenant_compat: RwLock<HashMap<String, Compat>>,
    passwords: RwLock<Arc<dyn PasswordHook>>,
    /// Per-tenant provisioning policies, shared with JIT.
    policies: Arc<PolicyMap>,
    /// Where provisioning events go.
    events: RwLock<Option<Arc<dyn EventSink>>>,
}

impl std::fmt::Debug for ScimServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimServer")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// Everything a handler knows about the request beyond its body.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub principal: Principal,
    /// The tenant's schemas and resource types.
    pub schemas: Arc<SchemaSet>,
    /// How writes of this request are reported (scim, or bulk inside
    /// POST /Bulk).
    pub channel: Channel,
    pub compat: Compat,
    /// Absolute base URL, no trailing slash.
    pub base_url: String,
    pub query: Vec<(String, String)>,
    pub headers: http::HeaderMap,
}

impl Ctx {
    /// The first query parameter of that name (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A request header as text.
    pub fn header(&self, name: http::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl ScimServer {
    /// A server over `registry` and `store`, authenticating with `auth`.
    pub fn new(
        registry: Registry,
        store: Arc<dyn ResourceStore>,
        auth: Arc<dyn Authenticator>,
        config: ServerConfig,
    ) -> Self {
        ScimServer {
            inner: Arc::new(Inner {
                passwords: RwLock::new(Arc::new(Argon2Passwords::new())),
                schemas: Arc::new(SchemaSet::new(registry)),
                tenant_schemas: RwLock::new(HashMap::new()),
                store,
                auth,
                config,
                tenant_compat: RwLock::new(HashMap::new()),
                policies: Arc::new(PolicyMap::default()),
                events: RwLock::new(None),
            }),
        }
    }

    /// Sets what happens to passwords clients write (argon2id hashing by
    /// default). Applies to every clone of this server.
    pub fn with_password_hook(self, hook: Arc<dyn PasswordHook>) -> Self {
        if let Ok(mut h) = self.inner.passwords.write() {
            *h = hook;
        }
        self
    }

    pub(crate) fn password_hook(&self) -> Option<Arc<dyn PasswordHook>> {
        self.inner.passwords.read().ok().map(|h| h.clone())
    }

    /// The registry this server serves to tenants without one of their
    /// own.
    pub fn registry(&self) -> &Registry {
        &self.inner.schemas.registry
    }

    /// Gives one tenant a registry of its own (custom resource types and
    /// extensions only that tenant sees, on /Schemas and /ResourceTypes as
    /// everywhere else).
    pub fn set_tenant_registry(&self, tenant: impl Into<String>, registry: Registry) {
        if let Ok(mut map) = self.inner.tenant_schemas.write() {
            map.insert(tenant.into(), Arc::new(SchemaSet::new(registry)));
        }
    }

    /// The registry a tenant sees.
    pub fn registry_for(&self, tenant: &str) -> Registry {
        self.schemas_for(tenant).registry.clone()
    }

    pub(crate) fn schemas_for(&self, tenant: &str) -> Arc<SchemaSet> {
        self.inner
            .tenant_schemas
            .read()
            .ok()
            .and_then(|m| m.get(tenant).cloned())
            .unwrap_or_else(|| self.inner.schemas.clone())
    }

    /// The store this server writes to.
    pub fn store(&self) -> &Arc<dyn ResourceStore> {
        &self.inner.store
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// Selects a compatibility profile for one tenant.
    pub fn set_tenant_compat(&self, tenant: impl Into<String>, compat: Compat) {
        if let Ok(mut map) = self.inner.tenant_compat.write() {
            map.insert(tenant.into(), compat);
        }
    }

    /// The compatibility profile in force for a tenant.
    pub fn compat_for(&self, tenant: &str) -> Compat {
        self.inner
            .tenant_compat
            .read()
            .ok()
            .and_then(|m| m.get(tenant).cloned())
            .unwrap_or_else(|| self.inner.config.compat.clone())
    }

    /// Authenticates a request the way SCIM requests are (for endpoints an
    /// application adds beside SCIM, such as a JIT login hook).
    pub fn authenticate(&self, request: &http::request::Parts) -> Result<Principal, ScimError> {
        self.inner.auth.authenticate(request)
    }

    /// Sends a provisioning event for every write to `sink`.
    pub fn with_event_sink(self, sink: Arc<dyn EventSink>) -> Self {
        self.set_event_sink(sink);
        self
    }

    /// Sends a provisioning event for every write to `sink` from now on.
    pub fn set_event_sink(&self, sink: Arc<dyn EventSink>) {
        if let Ok(mut s) = self.inner.events.write() {
            *s = Some(sink);
        }
    }

    /// The event sink, if one is set.
    pub fn event_sink(&self) -> Option<Arc<dyn EventSink>> {
        self.inner.events.read().ok().and_then(|s| s.clone())
    }

    pub(crate) fn emit(&self, event: ProvisioningEvent) {
        if let Some(sink) = self.event_sink() {
            sink.record(&event);
        }
    }

    /// Sets one tenant's provisioning policy (shared with a JIT
    /// provisioner built by [`crate::jit::Jit::for_server`]).
    pub fn set_tenant_policy(&self, tenant: impl Into<String>, policy: ProvisioningPolicy) {
        self.inner.policies.set(tenant, policy);
    }

    /// The per-tenant provisioning policies.
    pub fn policies(&self) -> Arc<PolicyMap> {
        self.inner.policies.clone()
    }

    /// 403 when the tenant's policy refuses SCIM writes (`JitOnly`).
    fn check_writable(&self, ctx: &Ctx) -> Result<(), ScimError> {
        if self
            .inner
            .policies
            .get(&ctx.principal.tenant)
            .allows_scim_writes()
        {
            Ok(())
        } else {
            Err(ScimError::forbidden(
                "this tenant is provisioned just-in-time from SSO logins (policy jit-only): \
                 SCIM writes are refused",
            ))
        }
    }

    /// Answers one request. Never panics on any input; every failure is an
    /// RFC 7644 §3.12 error response.
    pub async fn handle(&self, request: Request<Bytes>) -> Response<Bytes> {
        let (parts, body) = request.into_parts();
        match self.route(parts, body).await {
            Ok(res) => res,
            Err(e) => response::error(&e),
        }
    }

    async fn route(
        &self,
        parts: http::request::Parts,
        body: Bytes,
    ) -> Result<Response<Bytes>, ScimError> {
        let principal = self.inner.auth.authenticate(&parts)?;
        if body.len() > self.inner.config.max_body_bytes {
            return Err(ScimError::payload_too_large(format!(
                "request body of {} bytes exceeds the limit of {} bytes",
                body.len(),
                self.inner.config.max_body_bytes
            )));
        }
        let path = parts.uri.path();
        let rel = strip_base(path, &self.inner.config.base_path);
        let segments: Vec<String> = rel
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect();
        let query = parts
            .uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        let compat = self.compat_for(&principal.tenant);
        let ctx = Ctx {
            schemas: self.schemas_for(&principal.tenant),
            base_url: self.base_url(&parts),
            principal,
            channel: Channel::Scim,
            compat,
            query,
            headers: parts.headers,
        };
        let method = parts.method;
        if matches!(method, Method::POST | Method::PUT | Method::PATCH) {
            check_content_type(&ctx)?;
        }
        check_accept(&ctx)?;
        let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
        match seg.as_slice() {
            ["ServiceProviderConfig"] => self.discovery_get(&method, &ctx, discovery::Doc::Config),
            ["Schemas"] => self.discovery_get(&method, &ctx, discovery::Doc::Schemas),
            ["Schemas", urn] => self.discovery_get(&method, &ctx, discovery::Doc::Schema(urn)),
            ["ResourceTypes"] => self.discovery_get(&method, &ctx, discovery::Doc::ResourceTypes),
            ["ResourceTypes", name] => {
                self.discovery_get(&method, &ctx, discovery::Doc::ResourceType(name))
            }
            ["Bulk"] => match method {
                Method::POST => {
                    self.check_writable(&ctx)?;
                    self.bulk(&ctx, &body).await
                }
                _ => Err(not_allowed(&method, "/Bulk")),
            },
            [".search"] => match method {
                Method::POST => self.search_root(&ctx, &body).await,
                _ => Err(not_allowed(&method, "/.search")),
            },
            ["Me", ..] => Err(ScimError::not_implemented("/Me is not supported")),
            [endpoint, rest @ ..] => {
                let Some(rt) = ctx.schemas.registry.resource_type_at(endpoint) else {
                    return Err(ScimError::not_found(format!("no endpoint /{endpoint}")));
                };
                let rt_name = rt.name.clone();
                if matches!(
                    (rest, &method),
                    ([], &Method::POST) | ([_], &Method::PUT | &Method::PATCH | &Method::DELETE)
                ) {
                    self.check_writable(&ctx)?;
                }
                match (rest, &method) {
                    ([], &Method::GET) => self.list(&ctx, &rt_name).await,
                    ([], &Method::POST) => self.create(&ctx, &rt_name, &body).await,
                    ([".search"], &Method::POST) => self.search(&ctx, &rt_name, &body).await,
                    ([id], &Method::GET) => self.get(&ctx, &rt_name, id).await,
                    ([id], &Method::PUT) => self.replace(&ctx, &rt_name, id, &body).await,
                    ([id], &Method::PATCH) => self.patch(&ctx, &rt_name, id, &body).await,
                    ([id], &Method::DELETE) => self.delete(&ctx, &rt_name, id).await,
                    ([] | [_], m) => Err(not_allowed(m, &format!("/{endpoint}"))),
                    _ => Err(ScimError::not_found(format!("no such path {path}"))),
                }
            }
            [] => Err(ScimError::not_found(format!("no such path {path}"))),
        }
    }

    fn base_url(&self, parts: &http::request::Parts) -> String {
        if let Some(url) = &self.inner.config.base_url {
            return url.clone();
        }
        let host = parts
            .headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| h.bytes().all(|b| b.is_ascii_graphic()))
            .or_else(|| parts.uri.authority().map(|a| a.as_str()))
            .unwrap_or("localhost");
        let scheme = parts.uri.scheme_str().unwrap_or("http");
        format!("{scheme}://{host}{}", self.inner.config.base_path)
    }
}

fn not_allowed(method: &Method, path: &str) -> ScimError {
    ScimError::method_not_allowed(format!("{method} is not allowed on {path}"))
}

fn strip_base<'a>(path: &'a str, base: &str) -> &'a str {
    if base.is_empty() {
        return path;
    }
    match path.strip_prefix(base) {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
        _ => path,
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn check_content_type(ctx: &Ctx) -> Result<(), ScimError> {
    let Some(ct) = ctx.header(http::header::CONTENT_TYPE) else {
        return Ok(());
    };
    let mime = ct.split(';').next().unwrap_or("").trim();
    if mime.eq_ignore_ascii_case(SCIM_JSON) || mime.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(ScimError::new(
            415,
            None,
            format!("unsupported media type {mime:?}: send application/scim+json"),
        ))
    }
}

fn check_accept(ctx: &Ctx) -> Result<(), ScimError> {
    let Some(accept) = ctx.header(http::header::ACCEPT) else {
        return Ok(());
    };
    let ok = accept.split(',').any(|t| {
        let mime = t.split(';').next().unwrap_or("").trim();
        mime.is_empty()
            || mime == "*/*"
            || mime.eq_ignore_ascii_case("application/*")
            || mime.eq_ignore_ascii_case(SCIM_JSON)
            || mime.eq_ignore_ascii_case("application/json")
    });
    if ok {
        Ok(())
    } else {
        Err(ScimError::new(
            406,
            None,
            format!("cannot answer in {accept:?}: only application/scim+json"),
        ))
    }
}

/// Parses a request body as a JSON value (400 invalidSyntax otherwise).
pub(crate) fn parse_body(body: &[u8]) -> Result<serde_json::Value, ScimError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ScimError::invalid_syntax("the request body is empty"));
    }
    serde_json::from_slice(body)
        .map_err(|e| ScimError::invalid_syntax(format!("the request body is not valid JSON: {e}")))
}
