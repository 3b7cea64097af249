//! A SCIM server over an application's own `users`, `groups` and
//! `group_members` tables in a SQLite file.
//!
//! ```text
//! SCIM_TOKEN=secret cargo run -p scim-existing-table-example
//! curl -H 'Authorization: Bearer secret' \
//!   'http://127.0.0.1:8082/scim/v2/Users?filter=name.familyName%20sw%20%22J%22'
//! ```
//!
//! Environment: `SCIM_TOKEN` (the bearer token; a random one is printed
//! when unset), `SCIM_DB` (the SQLite file, default `existing-table.db`,
//! created with the schema and a few seed rows the first time),
//! `SCIM_ADDR` (default `127.0.0.1:8082`), `SCIM_TENANT` (default
//! `default`), `SCIM_BASE_URL` (default `http://{SCIM_ADDR}/scim/v2`).

use anyhow::Context;
use scim_core::server::{BearerTokens, ScimServer, ServerConfig};
use scim_existing_table_example::{registry, TableStore};
use sqlx::AssertSqlSafe;
use std::sync::Arc;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// Rows the application had before SCIM came along, written by its own
/// code (their versions are the application's, opaque to SCIM).
const SEED: &[&str] = &[
    "INSERT INTO users (tenant, id, user_name, given_name, family_name, display_name, title, email, \
     active, external_id, created_at, updated_at, version) VALUES \
     (?, 'u-1', 'bjensen', 'Barbara', 'Jensen', 'Barbara Jensen', 'Tour Guide', \
      'bjensen@example.com', 1, NULL, '2024-01-01T09:00:00Z', '2024-01-01T09:00:00Z', 'W/\"app-1\"'), \
     (?, 'u-2', 'jsmith', 'John', 'Smith', 'John Smith', NULL, 'john@example.org', 1, NULL, \
      '2024-01-02T09:00:00Z', '2024-01-02T09:00:00Z', 'W/\"app-1\"'), \
     (?, 'u-3', 'mjensen', 'Mike', 'Jensen', NULL, NULL, 'mike@example.com', 0, NULL, \
      '2024-01-03T09:00:00Z', '2024-01-03T09:00:00Z', 'W/\"app-1\"')",
    "INSERT INTO groups (tenant, id, display_name, external_id, created_at, updated_at, version) \
     VALUES (?, 'g-1', 'Tour Guides', NULL, '2024-01-04T09:00:00Z', '2024-01-04T09:00:00Z', 'W/\"app-1\"')",
    "INSERT INTO group_members (tenant, group_id, user_id) VALUES (?, 'g-1', 'u-1'), (?, 'g-1', 'u-3')",
];

async fn seed(store: &TableStore, tenant: &str) -> anyhow::Result<()> {
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(store.pool())
        .await?;
    if users > 0 {
        return Ok(());
    }
    for statement in SEED {
        let mut q = sqlx::query(AssertSqlSafe(*statement));
        for _ in 0..statement.matches('?').count() {
            q = q.bind(tenant);
        }
        q.execute(store.pool()).await?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = env_or("SCIM_ADDR", "127.0.0.1:8082");
    let db = env_or("SCIM_DB", "existing-table.db");
    let tenant = env_or("SCIM_TENANT", "default");
    let base_url = env_or("SCIM_BASE_URL", &format!("http://{addr}/scim/v2"));
    let token = match std::env::var("SCIM_TOKEN") {
        Ok(t) if !t.is_empty() => t,
        _ => {
            let t = uuid::Uuid::new_v4().simple().to_string();
            println!("SCIM_TOKEN is not set; this run's bearer token is {t}");
            t
        }
    };
    let store = TableStore::connect(&format!("sqlite:{db}?mode=rwc"))
        .await
        .with_context(|| format!("cannot open {db}"))?
        .with_base_url(&base_url);
    seed(&store, &tenant).await.context("seeding")?;
    let config = ServerConfig::default()
        .with_base_url(&base_url)
        // group_members holds users only: refuse other members up front.
        .with_reject_unknown_members(true);
    let auth = BearerTokens::new().with_token(token, tenant);
    let server = ScimServer::new(registry(), Arc::new(store), Arc::new(auth), config);
    let base_path = server.config().base_path.clone();
    let app = axum::Router::new().nest_service(&base_path, server.into_service());
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    println!("SCIM over the tables of {db} at {base_url}");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
