//! The table store on SQLite (always) and Postgres (at
//! `SCIM_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/test`,
//! each test in a schema of its own; skipped with a message when
//! unreachable, unless `SCIM_REQUIRE_SERVICES=1`):
//!
//! - `contract`: the adapter-contract behaviours the tables can hold;
//! - `store`: the kit's filter and sort cases, differentially against
//!   the in-memory reference, on the part of its data the tables hold;
//!   refusals of what they cannot hold;
//! - `http`: the SCIM HTTP API through `ScimServer`.
#![allow(clippy::unwrap_used)]

mod contract;
mod http;
mod store;

use scim_existing_table_example::{install_drivers, TableStore};
use scim_filter::sql::Flavor;
use sqlx::any::AnyPoolOptions;
use sqlx::AssertSqlSafe;
use std::path::PathBuf;
use std::time::Duration;

/// The base URL the stores write into `meta.location` (the kit's).
pub const BASE: &str = "https://example.com/v2";

/// A SQLite file that is removed when dropped.
pub struct TempDb(pub PathBuf);

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A store on a fresh SQLite file (WAL, several connections, as the
/// example server runs it), and the guard that removes the file.
pub async fn sqlite_store() -> (TableStore, TempDb) {
    let path =
        std::env::temp_dir().join(format!("scim-table-{}.db", uuid::Uuid::new_v4().simple()));
    let store = TableStore::connect(&format!("sqlite:{}?mode=rwc", path.display()))
        .await
        .unwrap()
        .with_base_url(BASE);
    (store, TempDb(path))
}

/// The Postgres server the tests use.
pub fn postgres_url() -> String {
    std::env::var("SCIM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A store in a fresh Postgres schema, or `None` (after a message) when
/// the server is unreachable and services are not required.
pub async fn postgres_store() -> Option<TableStore> {
    install_drivers();
    let url = postgres_url();
    let schema = format!("table_{}", uuid::Uuid::new_v4().simple());
    let made = async {
        let admin = AnyPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect(&url)
            .await?;
        // The name is ours (hex digits), not input.
        sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&admin)
            .await?;
        admin.close().await;
        let set_path = format!("SET search_path TO {schema}");
        let pool = AnyPoolOptions::new()
            .max_connections(5)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                let set_path = set_path.clone();
                Box::pin(async move {
                    sqlx::query(AssertSqlSafe(set_path)).execute(conn).await?;
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        let store = TableStore::new(pool, Flavor::Postgres).with_base_url(BASE);
        store.create_schema().await?;
        Ok::<_, sqlx::Error>(store)
    };
    match made.await {
        Ok(store) => Some(store),
        Err(e) => {
            assert!(
                std::env::var("SCIM_REQUIRE_SERVICES").as_deref() != Ok("1"),
                "Postgres unreachable at {url} and SCIM_REQUIRE_SERVICES=1: {e}"
            );
            eprintln!("skipped: Postgres unreachable at {url}: {e}");
            None
        }
    }
}
