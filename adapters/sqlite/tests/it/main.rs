//! The SQLite store against the whole adapter contract, each test on a
//! fresh database file in a temporary directory; plus the query plans of
//! the lookup indexes and the differential test.
#![allow(clippy::unwrap_used)]

use scim_core::store::ResourceStore;
use scim_store_sqlite::SqliteStore;
use std::path::PathBuf;
use std::sync::Arc;

/// A fresh directory under the system temp dir.
fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scim-sqlite-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A store on a new database file (created by `connect`).
pub async fn fresh_store() -> SqliteStore {
    let path = temp_dir().join("scim.db");
    SqliteStore::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap()
}

scim_store_testkit::contract_tests!(Arc::new(fresh_store().await));

/// `connect` creates the file, and connecting again keeps the data and
/// runs no migration twice.
#[tokio::test]
async fn file_is_created_and_reopened() {
    let path = temp_dir().join("nested.db");
    let url = format!("sqlite:{}", path.display());
    let users = scim_store_testkit::data::users();
    let u = scim_store_testkit::data::user("kept");
    {
        let store = SqliteStore::connect(&url).await.unwrap();
        assert!(path.exists());
        store.create("t", &users, u.clone()).await.unwrap();
        store.pool().close().await;
    }
    let store = SqliteStore::connect(&url).await.unwrap();
    let got = store
        .get("t", &users, scim_store_testkit::data::id_of(&u))
        .await
        .unwrap();
    assert_eq!(got, Some(u));
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM scim_migrations")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(n, 2);
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
}

/// The whole contract on an in-memory database (one connection).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_memory_database_passes_the_contract() {
    let store: scim_store_testkit::Store =
        Arc::new(SqliteStore::connect("sqlite::memory:").await.unwrap());
    scim_store_testkit::run_all(&store, "mem").await;
}

/// `userName eq` (any case) and `externalId eq` are index lookups.
#[tokio::test]
async fn lookups_use_the_expression_indexes() {
    let store = fresh_store().await;
    let users = scim_store_testkit::data::users();
    for i in 0..200 {
        let u = scim_store_testkit::data::user_with(
            &format!("user{i}"),
            serde_json::json!({"externalId": format!("ext-{i}")}),
        );
        store.create("t", &users, u).await.unwrap();
    }
    sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();
    for (filter, index) in [
        (r#"userName eq "USER7""#, "scim_idx_user_name"),
        (r#"externalId eq "ext-7""#, "scim_idx_external_id"),
    ] {
        let f = scim_filter::parse_filter(filter).unwrap();
        let (sql, params) = scim_filter::sql::compile_filter(
            &f,
            &users,
            &scim_filter::sql::SqliteJson::new("doc"),
            1,
        )
        .unwrap();
        let sql = format!(
            "EXPLAIN QUERY PLAN SELECT doc FROM scim_resources WHERE tenant = 't' AND rtype = 'User' AND ({sql})"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for p in params {
            if let scim_filter::sql::SqlValue::Text(s) = p {
                q = q.bind(s);
            }
        }
        let rows = q.fetch_all(store.pool()).await.unwrap();
        let plan: Vec<String> = rows
            .iter()
            .map(|r| sqlx::Row::get::<String, _>(r, 3))
            .collect();
        assert!(plan.iter().any(|p| p.contains(index)), "{filter}: {plan:?}");
        let page = store
            .list(
                "t",
                &users,
                &scim_store_testkit::data::query(&users, &[("filter", filter)]),
            )
            .await
            .unwrap();
        assert_eq!(page.total_results, 1, "{filter}");
    }
}
