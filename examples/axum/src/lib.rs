//! The scim-rs example server: a SCIM 2.0 service provider mounted in
//! axum, on a store chosen at start.
//!
//! Run it with `cargo run --release -p scim-axum-example` (SCIM is then
//! served at `http://127.0.0.1:8080/scim/v2`); `--help` lists the flags.
//! The library half ([`app`], [`open_store`], [`Options`]) is what the
//! binary and the HTTP tests share.
//!
//! Beside SCIM it serves two JIT demo endpoints, protected by the same
//! bearer token (the tenant comes from the token): `POST /jit/login` with
//! `{"claims": {...}}` (the verified claims a SAML or OIDC callback would
//! pass) and `POST /jit/reap` with `{"idleDays": N, "dryRun": bool}`. See
//! `docs/jit.md`.

use anyhow::{bail, Context};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use scim_core::jit::{
    provenance, Claims, GroupSync, Jit, JitConfig, Outcome, ProvisioningPolicy, TracingSink,
};
use scim_core::server::{BearerTokens, ScimServer, ServerConfig, SCIM_JSON};
use scim_core::store::ResourceStore;
use scim_core::{Compat, Registry, ScimError};
use serde_json::{json, Value};
use std::sync::Arc;

/// Command-line options; each flag can also come from the environment.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "scim-axum-example",
    about = "A SCIM 2.0 service provider on axum"
)]
pub struct Options {
    /// Address to listen on.
    #[arg(long, env = "SCIM_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Where resources are stored: `sqlite:PATH` (a SQLite file, created
    /// on first run; the default is `sqlite:scim.db` in the working
    /// directory), `postgres://user:pass@host/db` (or `postgresql://`),
    /// `redis://host:port` (or `rediss://`), or `memory` (lost on exit).
    #[arg(long, env = "SCIM_STORE", default_value = "sqlite:scim.db")]
    pub store: String,
    /// The bearer token clients must send. When absent, a random token is
    /// made and printed once at start.
    #[arg(long, env = "SCIM_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// The tenant the token's requests belong to.
    #[arg(long, env = "SCIM_TENANT", default_value = "default")]
    pub tenant: String,
    /// How the tenant's users are provisioned: `scim-only`, `jit-only` or
    /// `hybrid`.
    #[arg(long, env = "SCIM_PROVISIONING", default_value = "hybrid", value_parser = parse_policy)]
    pub provisioning: ProvisioningPolicy,
    /// The compatibility profile for the tenant: `standard`, `entra`
    /// (Microsoft Entra ID) or `okta`. See docs/compat.md.
    #[arg(long, env = "SCIM_COMPAT", default_value = "standard", value_parser = parse_compat)]
    pub compat: Compat,
    /// The public base URL of the SCIM API, used in `meta.location` and
    /// `Location` (for a server behind a TLS proxy:
    /// `https://scim.example.com/scim/v2`). Default: built from each
    /// request's Host header.
    #[arg(long, env = "SCIM_BASE_URL")]
    pub base_url: Option<String>,
}

fn parse_compat(s: &str) -> Result<Compat, String> {
    Compat::by_name(s).ok_or_else(|| format!("{s:?} is not one of standard, entra, okta"))
}

fn parse_policy(s: &str) -> Result<ProvisioningPolicy, String> {
    ProvisioningPolicy::parse(s)
        .ok_or_else(|| format!("{s:?} is not one of scim-only, jit-only, hybrid"))
}

/// Opens the store a `--store` value names: `memory`, `sqlite:PATH`
/// (migrated on open), `postgres://...` or `postgresql://...` (migrated
/// on connect), or `redis://...`.
pub async fn open_store(spec: &str) -> anyhow::Result<Arc<dyn ResourceStore>> {
    if spec.eq_ignore_ascii_case("memory") {
        return Ok(Arc::new(scim_store_memory::MemoryStore::new()));
    }
    let lower = spec.to_ascii_lowercase();
    if lower.starts_with("sqlite:") {
        let store = scim_store_sqlite::SqliteStore::connect(spec)
            .await
            .map_err(|e| anyhow::anyhow!("cannot open {spec}: {e}"))?;
        return Ok(Arc::new(store));
    }
    if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        let store = scim_store_postgres::PostgresStore::connect(spec)
            .await
            // The URL may hold a password: name only the failure.
            .map_err(|e| anyhow::anyhow!("cannot connect to Postgres: {e}"))?;
        return Ok(Arc::new(store));
    }
    if lower.starts_with("redis://") || lower.starts_with("rediss://") {
        let store = scim_store_redis::RedisStore::connect(spec)
            .await
            // The URL may hold a password: name only the failure.
            .map_err(|e| anyhow::anyhow!("cannot connect to Redis: {e}"))?;
        return Ok(Arc::new(store));
    }
    bail!(
        "unsupported --store {spec:?}: expected memory, sqlite:PATH, postgres://... or redis://..."
    )
}

/// The registry the example serves: the built-in schemas plus the
/// provenance extension on Users and Groups.
pub fn registry() -> Registry {
    let mut registry = Registry::with_builtins();
    // The built-in registry has User and Group, so this cannot fail; if it
    // did, the server would simply run without provenance.
    let _ = provenance::register(&mut registry);
    registry
}

/// The SCIM server for a store and token; provisioning events are logged
/// with [`TracingSink`].
pub fn server(store: Arc<dyn ResourceStore>, token: &str, tenant: &str) -> ScimServer {
    server_with(store, token, tenant, ServerConfig::default())
}

/// [`server`] with a configuration of its own.
pub fn server_with(
    store: Arc<dyn ResourceStore>,
    token: &str,
    tenant: &str,
    config: ServerConfig,
) -> ScimServer {
    let auth = BearerTokens::new().with_token(token, tenant);
    ScimServer::new(registry(), store, Arc::new(auth), config)
        .with_event_sink(Arc::new(TracingSink))
}

/// The JIT provisioner the example uses beside `server`: default OIDC and
/// SAML mappings, matched by userName, groups from the groups claim
/// (created when missing).
pub fn jit(server: &ScimServer) -> Result<Jit, ScimError> {
    Jit::for_server(
        server,
        JitConfig::default().with_groups(GroupSync {
            create_missing: true,
        }),
    )
}

/// The axum application: SCIM under `/scim/v2`, the JIT demo endpoints
/// under `/jit`. Set the server's policies and event sink before calling:
/// the JIT provisioner takes them from the server here.
pub fn app(server: ScimServer) -> Router {
    let base = server.config().base_path.clone();
    let router = Router::new().nest_service(&base, server.clone().into_service());
    match jit(&server) {
        Ok(jit) => {
            let state = JitState {
                server,
                jit: Arc::new(jit),
            };
            router.merge(
                Router::new()
                    .route("/jit/login", post(jit_login))
                    .route("/jit/reap", post(jit_reap))
                    .with_state(state),
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "JIT endpoints disabled");
            router
        }
    }
}

#[derive(Clone)]
struct JitState {
    server: ScimServer,
    jit: Arc<Jit>,
}

/// An RFC 7644 §3.12 error response, with extra members merged in.
fn error_response(e: &ScimError, extra: Value) -> Response {
    let mut body = e.to_json();
    if let (Value::Object(b), Value::Object(x)) = (&mut body, extra) {
        b.extend(x);
    }
    json_response(e.status(), &body)
}

fn json_response(status: u16, body: &Value) -> Response {
    let status = axum::http::StatusCode::from_u16(status)
        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(axum::http::header::CONTENT_TYPE, SCIM_JSON)],
        body.to_string(),
    )
        .into_response()
}

/// The tenant of the request's token, then its JSON body (an object of at
/// most the server's body limit).
async fn read_request(
    state: &JitState,
    request: axum::extract::Request,
) -> Result<(String, serde_json::Map<String, Value>), ScimError> {
    let (parts, body) = request.into_parts();
    let principal = state.server.authenticate(&parts)?;
    let limit = state.server.config().max_body_bytes;
    let body = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ScimError::payload_too_large(format!(
            "the request body exceeds the limit of {limit} bytes"
        ))
    })?;
    match serde_json::from_slice(&body) {
        Ok(Value::Object(obj)) => Ok((principal.tenant, obj)),
        Ok(_) => Err(ScimError::invalid_syntax(
            "the request body must be a JSON object",
        )),
        Err(e) => Err(ScimError::invalid_syntax(format!(
            "the request body is not valid JSON: {e}"
        ))),
    }
}

/// `POST /jit/login {"claims": {...}}`: what an SSO callback would do with
/// verified claims. Answers `{"outcome", "changed"?, "user"}`; a denied
/// login is 403 with an error body carrying `outcome` and `reason`.
async fn jit_login(State(state): State<JitState>, request: axum::extract::Request) -> Response {
    let result = async {
        let (tenant, body) = read_request(&state, request).await?;
        let claims = body
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("claims"))
            .map(|(_, v)| v)
            .ok_or_else(|| ScimError::invalid_value("claims is required"))?;
        let claims = Claims::from_json(claims)?;
        state.jit.login(&tenant, &claims).await
    }
    .await;
    match result {
        Ok(r) => match r.outcome {
            Outcome::Denied { reason } => error_response(
                &ScimError::forbidden(format!("login denied: {reason}")),
                json!({"outcome": "denied", "reason": reason.code()}),
            ),
            outcome => {
                let mut out = json!({"outcome": outcome.as_str(), "user": r.user});
                if let Outcome::Updated { changed } = &outcome {
                    out["changed"] = json!(changed);
                }
                json_response(200, &out)
            }
        },
        Err(e) => error_response(&e, Value::Null),
    }
}

/// `POST /jit/reap {"idleDays": N, "dryRun": bool}`: deactivates (or with
/// `dryRun` lists) JIT-managed users idle for `idleDays`; answers
/// `{"users": [...]}`.
async fn jit_reap(State(state): State<JitState>, request: axum::extract::Request) -> Response {
    let result = async {
        let (tenant, body) = read_request(&state, request).await?;
        let get = |name: &str| {
            body.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        };
        let days = get("idleDays")
            .and_then(Value::as_u64)
            .ok_or_else(|| ScimError::invalid_value("idleDays must be a non-negative integer"))?;
        let secs = days
            .checked_mul(86_400)
            .filter(|s| *s <= 100 * 365 * 86_400)
            .ok_or_else(|| ScimError::invalid_value("idleDays is too large"))?;
        let dry_run = match get("dryRun") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(ScimError::invalid_value("dryRun must be a boolean")),
        };
        state
            .jit
            .reap(&tenant, std::time::Duration::from_secs(secs), dry_run)
            .await
    }
    .await;
    match result {
        Ok(users) => json_response(200, &json!({"users": users})),
        Err(e) => error_response(&e, Value::Null),
    }
}

/// Makes a random token for a server started without one.
pub fn random_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Runs the server until Ctrl-C or SIGTERM.
pub async fn run(options: Options) -> anyhow::Result<()> {
    let store = open_store(&options.store).await?;
    let token = match options.token.clone() {
        Some(t) if !t.is_empty() => t,
        _ => {
            let t = random_token();
            // Printed once, to the terminal only; never logged.
            println!("No --token given; clients must send: Authorization: Bearer {t}");
            t
        }
    };
    let mut config = ServerConfig::default();
    if let Some(url) = &options.base_url {
        config = config.with_base_url(url.clone());
    }
    let server = server_with(store, &token, &options.tenant, config);
    server.set_tenant_policy(options.tenant.clone(), options.provisioning);
    server.set_tenant_compat(options.tenant.clone(), options.compat.clone());
    let base = server.config().base_path.clone();
    let listener = tokio::net::TcpListener::bind(&options.addr)
        .await
        .with_context(|| format!("cannot listen on {}", options.addr))?;
    let local = listener.local_addr()?;
    tracing::info!(
        addr = %local,
        store = %options.store,
        provisioning = options.provisioning.as_str(),
        "SCIM server listening at http://{local}{base}"
    );
    axum::serve(listener, app(server))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("shut down");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
