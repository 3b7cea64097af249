//! The Postgres store on a table of 1,000,000 users: indexed lists
//! (`userName eq`, `externalId eq`, `members[value eq]`), a trigram `co`
//! on `emails.value`, the store's list against the same query written by
//! hand, and create throughput against raw INSERTs.
//!
//! Run with
//! `cargo bench -p scim-benches --bench postgres -- --warm-up-time 1 --measurement-time 3`
//! against `SCIM_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); without a server the bench
//! says so and does nothing. `SCIM_BENCH_USERS` sets the table size
//! (default 1,000,000).
//!
//! The data lives in the Postgres schema `scim_bench` and is reused across
//! runs: it is loaded (server-side, `INSERT ... SELECT` over
//! `generate_series`, indexes dropped during the load and rebuilt by the
//! store's migrations) only when the user count differs. Every run prints
//! the `EXPLAIN` of each list once, and times creating 10,000 users
//! through the store against raw single-row INSERTs of the same documents.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use scim_core::query::{ListQuery, ListRequest, QueryLimits};
use scim_core::schema::ResourceSchema;
use scim_core::store::ResourceStore;
use scim_core::Registry;
use scim_store_postgres::{PostgresOptions, PostgresStore};
use serde_json::{json, Value};
use sqlx::postgres::PgPoolOptions;

const SCHEMA: &str = "scim_bench";
const TENANT: &str = "bench";
const CREATES: usize = 10_000;

fn url() -> String {
    std::env::var("SCIM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn users_wanted() -> i64 {
    std::env::var("SCIM_BENCH_USERS")
        .ok()
        .and_then(|s| s.replace('_', "").parse().ok())
        .unwrap_or(1_000_000)
}

async fn connect() -> Option<PostgresStore> {
    let options = PostgresOptions::new(url())
        .with_schema(SCHEMA)
        .with_pool_options(
            PgPoolOptions::new()
                .max_connections(4)
                .acquire_timeout(Duration::from_secs(3)),
        );
    match PostgresStore::connect_with(options).await {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("postgres bench skipped: {e}");
            None
        }
    }
}

async fn exec(store: &PostgresStore, sql: &str) {
    if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(store.pool())
        .await
    {
        panic!("{sql}: {e}");
    }
}

/// Loads `n` users (and `n / 100` groups of five members) unless the
/// schema holds exactly that many already; returns the store to use
/// (reconnected after a load, so the migrations rebuild the indexes).
async fn ensure_data(store: PostgresStore, n: i64) -> PostgresStore {
    let have: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM scim_resources WHERE tenant = $1 AND rtype = 'User'",
    )
    .bind(TENANT)
    .fetch_one(store.pool())
    .await
    .unwrap_or(-1);
    if have == n {
        return store;
    }
    eprintln!("loading {n} users into schema {SCHEMA} (once; reused by later runs)...");
    let t = Instant::now();
    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() \
         AND tablename = 'scim_resources' AND (indexname LIKE 'scim\\_idx\\_%' OR indexname LIKE 'scim\\_trgm\\_%')",
    )
    .fetch_all(store.pool())
    .await
    .unwrap_or_default();
    for i in indexes {
        exec(&store, &format!("DROP INDEX IF EXISTS {i}")).await;
    }
    exec(&store, "DELETE FROM scim_migrations WHERE version >= 2").await;
    exec(&store, "TRUNCATE scim_resources, scim_unique").await;
    let chunk = 100_000;
    let mut from = 1;
    while from <= n {
        let to = (from + chunk - 1).min(n);
        exec(
            &store,
            &format!(
                "INSERT INTO scim_resources (tenant, rtype, id, version, doc) \
                 SELECT '{TENANT}', 'User', 'u' || i, 'W/\"1\"', jsonb_build_object(\
                   'schemas', jsonb_build_array('urn:ietf:params:scim:schemas:core:2.0:User'), \
                   'id', 'u' || i, 'userName', 'user' || i, 'externalId', 'ext-' || i, \
                   'name', jsonb_build_object('givenName', 'Given', 'familyName', 'Family' || (i % 1000)), \
                   'title', 'Engineer', 'active', i % 3 <> 0, \
                   'emails', jsonb_build_array(jsonb_build_object('value', 'user' || i || '@example.com', 'type', 'work', 'primary', true)), \
                   'meta', jsonb_build_object('resourceType', 'User', 'created', '2024-01-01T00:00:00Z', \
                     'lastModified', '2024-01-01T00:00:00Z', 'version', 'W/\"1\"')) \
                 FROM generate_series({from}, {to}) AS i"
            ),
        )
        .await;
        exec(
            &store,
            &format!(
                "INSERT INTO scim_unique (tenant, rtype, attr, value, id) \
                 SELECT '{TENANT}', 'User', 'username', 'suser' || i, 'u' || i FROM generate_series({from}, {to}) AS i"
            ),
        )
        .await;
        from = to + 1;
    }
    exec(
        &store,
        &format!(
            "INSERT INTO scim_resources (tenant, rtype, id, version, doc) \
             SELECT '{TENANT}', 'Group', 'g' || i, 'W/\"1\"', jsonb_build_object(\
               'schemas', jsonb_build_array('urn:ietf:params:scim:schemas:core:2.0:Group'), \
               'id', 'g' || i, 'displayName', 'Group ' || i, \
               'members', (SELECT jsonb_agg(jsonb_build_object('value', 'u' || (i * 5 + k))) FROM generate_series(0, 4) AS k), \
               'meta', jsonb_build_object('resourceType', 'Group', 'version', 'W/\"1\"')) \
             FROM generate_series(1, {}) AS i",
            (n / 100).max(1)
        ),
    )
    .await;
    eprintln!("  rows in {:.1?}; building indexes...", t.elapsed());
    store.pool().close().await;
    let store = match connect().await {
        Some(s) => s,
        None => panic!("reconnect after load failed"),
    };
    exec(&store, "ANALYZE scim_resources").await;
    exec(&store, "ANALYZE scim_unique").await;
    eprintln!("  loaded in {:.1?}", t.elapsed());
    store
}

fn list_query(schema: &ResourceSchema<'_>, filter: &str) -> ListQuery {
    match ListRequest::from_query_pairs([("filter", filter)])
        .and_then(|r| r.to_list_query(schema, &QueryLimits::default()))
    {
        Ok((q, _)) => q,
        Err(e) => panic!("{filter}: {e}"),
    }
}

fn new_user(tag: &str, i: usize) -> Value {
    let id = format!("{tag}-{i:08}");
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": id,
        "userName": format!("{tag}{i:06}"),
        "externalId": format!("ext-{tag}-{i}"),
        "name": {"givenName": "Given", "familyName": "Family"},
        "title": "Engineer",
        "emails": [{"value": format!("{tag}{i:06}@example.com"), "type": "work", "primary": true}],
        "active": true,
        "meta": {"resourceType": "User", "created": "2024-01-01T00:00:00Z",
                 "lastModified": "2024-01-01T00:00:00Z", "version": "W/\"1\""},
    })
}

fn postgres(c: &mut Criterion) {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => panic!("runtime: {e}"),
    };
    let Some(store) = rt.block_on(connect()) else {
        return;
    };
    let n = users_wanted();
    let store = rt.block_on(ensure_data(store, n));
    let registry = Registry::with_builtins();
    let (Some(users), Some(groups)) = (registry.view("User"), registry.view("Group")) else {
        panic!("built-in types missing");
    };

    // Create throughput: the store against raw INSERTs of the same rows.
    let creates: Vec<Value> = (0..CREATES).map(|i| new_user("c", i)).collect();
    let tenant = format!("create-{}", std::process::id());
    let t = Instant::now();
    for u in &creates {
        if let Err(e) = rt.block_on(store.create(&tenant, &users, u.clone())) {
            panic!("create: {e:?}");
        }
    }
    let store_rate = CREATES as f64 / t.elapsed().as_secs_f64();
    let raw_tenant = format!("{tenant}-raw");
    let t = Instant::now();
    for u in &creates {
        let r = rt.block_on(
            sqlx::query(
                "INSERT INTO scim_resources (tenant, rtype, id, version, doc) VALUES ($1, $2, $3, $4, CAST($5 AS jsonb))",
            )
            .bind(&raw_tenant)
            .bind("User")
            .bind(u["id"].as_str().unwrap_or(""))
            .bind("W/\"1\"")
            .bind(u.to_string())
            .execute(store.pool()),
        );
        if let Err(e) = r {
            panic!("raw insert: {e}");
        }
    }
    let raw_rate = CREATES as f64 / t.elapsed().as_secs_f64();
    println!(
        "create {CREATES} users one at a time: store {store_rate:.0} users/s, raw INSERT {raw_rate:.0} rows/s, raw/store {:.2}",
        raw_rate / store_rate
    );
    for t in [&tenant, &raw_tenant] {
        for table in ["scim_resources", "scim_unique"] {
            let _ = rt.block_on(
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM {table} WHERE tenant = $1"
                )))
                .bind(t)
                .execute(store.pool()),
            );
        }
    }

    let k = (n / 2).max(1);
    let lists: Vec<(&str, &ResourceSchema<'_>, String)> = vec![
        ("userName eq", &users, format!("userName eq \"USER{k}\"")),
        (
            "externalId eq",
            &users,
            format!("externalId eq \"ext-{k}\""),
        ),
        (
            "members[value eq]",
            &groups,
            format!("members[value eq \"u{}\"]", (n / 200).max(5) * 5),
        ),
        ("emails co", &users, format!("emails co \"r{k}@exa\"")),
    ];
    for (name, schema, filter) in &lists {
        let q = list_query(schema, filter);
        let plan = rt
            .block_on(store.explain_list(TENANT, schema, &q))
            .unwrap_or_else(|e| format!("EXPLAIN failed: {e:?}"));
        let hits = rt
            .block_on(store.list(TENANT, schema, &q))
            .map(|p| p.total_results)
            .unwrap_or(0);
        println!("EXPLAIN {name} ({filter}; {hits} hit):\n{plan}\n");
    }

    let mut group = c.benchmark_group(format!("postgres_{n}_users"));
    for (name, schema, filter) in &lists {
        let q = list_query(schema, filter);
        group.bench_function(format!("list {name}"), |b| {
            b.iter(|| {
                let page = rt.block_on(store.list(TENANT, schema, &q));
                black_box(page.map(|p| p.total_results).unwrap_or(0))
            })
        });
    }
    // The same lookup written by hand: the statement an application
    // would write for "the user with this userName", parsing the JSON.
    let name = format!("user{k}");
    group.bench_function("hand-written SQL userName eq", |b| {
        b.iter(|| {
            let docs: Vec<String> = rt
                .block_on(
                    sqlx::query_scalar(
                        "SELECT CAST(doc AS text) FROM scim_resources \
                         WHERE tenant = $1 AND rtype = 'User' AND lower(doc->>'userName') = lower($2)",
                    )
                    .bind(TENANT)
                    .bind(&name)
                    .fetch_all(store.pool()),
                )
                .unwrap_or_default();
            let parsed: Vec<Value> = docs
                .iter()
                .filter_map(|d| serde_json::from_str(d).ok())
                .collect();
            black_box(parsed.len())
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);
    targets = postgres
}
criterion_main!(benches);
