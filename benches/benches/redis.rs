//! The Redis store against a local server: get by id, an indexed and a
//! scanning list over 100,000 users, and create throughput.
//!
//! Run with
//! `cargo bench -p scim-benches --bench redis -- --warm-up-time 1 --measurement-time 3`
//! against the server at `SCIM_TEST_REDIS_URL` (default
//! `redis://127.0.0.1:6379`); without one the bench says so and does
//! nothing. Compare with the server's own SET baseline:
//! `redis-benchmark -t set -n 100000 -q`.
//!
//! The 100,000 users are loaded through the store's own `create` (64 in
//! flight) under the `scimbench` prefix in a fresh tenant, and purged at
//! the end. The create figures (10,000 users, one at a time and 64 in
//! flight) are timed once and printed as users per second.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use futures::StreamExt;
use scim_core::query::ListQuery;
use scim_core::store::ResourceStore;
use scim_core::Registry;
use scim_store_redis::RedisStore;
use serde_json::{json, Value};

const USERS: usize = 100_000;
const CREATES: usize = 10_000;
const IN_FLIGHT: usize = 64;

const FAMILY: [&str; 8] = [
    "Adams", "Baker", "Jensen", "Smith", "Anders", "Lopez", "Olsen", "Zhou",
];
const TITLES: [&str; 5] = ["Engineer", "Manager", "Tour Guide", "Analyst", "Director"];

fn user(tag: &str, i: usize) -> Value {
    let id = format!("{tag}-{i:08}");
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": id,
        "userName": format!("{tag}{i:06}@example.com"),
        "externalId": format!("ext-{i}"),
        "name": {"givenName": "Given", "familyName": FAMILY[i % FAMILY.len()]},
        "title": TITLES[i % TITLES.len()],
        "emails": [{"value": format!("{tag}{i:06}@example.com"), "type": "work", "primary": true}],
        "active": !i.is_multiple_of(3),
        "meta": {
            "resourceType": "User",
            "created": "2024-01-01T00:00:00Z",
            "lastModified": "2024-01-01T00:00:00Z",
            "location": format!("https://example.com/v2/Users/{id}"),
            "version": "W/\"1\"",
        },
    })
}

/// The store, or `None` when no server answers within two seconds.
async fn connect() -> Option<RedisStore> {
    let url = std::env::var("SCIM_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_owned());
    match tokio::time::timeout(Duration::from_secs(2), RedisStore::connect(&url)).await {
        Ok(Ok(store)) => Some(store.with_prefix("scimbench")),
        Ok(Err(e)) => {
            eprintln!("redis bench skipped: {url}: {e}");
            None
        }
        Err(_) => {
            eprintln!("redis bench skipped: {url} does not answer");
            None
        }
    }
}

/// Creates `n` users tagged `tag` in `tenant`, `in_flight` at a time;
/// returns users per second.
async fn create_many(
    store: &RedisStore,
    tenant: &str,
    tag: &str,
    n: usize,
    in_flight: usize,
) -> f64 {
    let registry = Registry::with_builtins();
    let Some(users) = registry.view("User") else {
        panic!("the built-in registry has a User type");
    };
    let users = &users;
    let start = Instant::now();
    let done = futures::stream::iter(0..n)
        .map(|i| async move { store.create(tenant, users, user(tag, i)).await })
        .buffer_unordered(in_flight)
        .filter(|r| std::future::ready(r.is_ok()))
        .count()
        .await;
    assert_eq!(done, n, "every create must succeed");
    n as f64 / start.elapsed().as_secs_f64()
}

fn redis(c: &mut Criterion) {
    let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    else {
        eprintln!("redis bench skipped: no Tokio runtime");
        return;
    };
    let Some(store) = rt.block_on(connect()) else {
        return;
    };
    let run = format!("run{}", std::process::id());
    let tenant = format!("bench-{run}");
    let registry = Registry::with_builtins();
    let Some(users) = registry.view("User") else {
        return;
    };

    // Create throughput, in a tenant of its own.
    let creates = format!("{tenant}-creates");
    let serial = rt.block_on(create_many(&store, &creates, "serial", CREATES, 1));
    let parallel = rt.block_on(create_many(
        &store, &creates, "parallel", CREATES, IN_FLIGHT,
    ));
    println!("redis/create: {CREATES} users one at a time: {serial:.0} users/s");
    println!("redis/create: {CREATES} users {IN_FLIGHT} in flight: {parallel:.0} users/s");
    let _ = rt.block_on(store.purge_tenant(&creates));

    let start = Instant::now();
    rt.block_on(create_many(&store, &tenant, "user", USERS, IN_FLIGHT));
    println!(
        "redis/load: {USERS} users in {:.1} s",
        start.elapsed().as_secs_f64()
    );

    let mut g = c.benchmark_group("redis");
    let mut i = 0usize;
    g.bench_function("get_by_id", |b| {
        b.iter(|| {
            i = (i + 7919) % USERS;
            let id = format!("user-{i:08}");
            let got = rt.block_on(store.get(&tenant, &users, &id));
            assert!(matches!(got, Ok(Some(_))));
            black_box(got)
        })
    });

    let parse = |f: &str| match scim_filter::parse_filter(f) {
        Ok(f) => f,
        Err(e) => panic!("bench filter {f}: {e}"),
    };
    let by_name = ListQuery::all(100).with_filter(parse(r#"userName eq "USER050000@example.com""#));
    g.bench_function("list_userName_eq_100k", |b| {
        b.iter(|| {
            let page = rt.block_on(store.list(&tenant, &users, &by_name));
            assert!(matches!(&page, Ok(p) if p.total_results == 1));
            black_box(page)
        })
    });

    g.sample_size(10);
    for (name, filter, expected) in [
        (
            "list_title_co_100k",
            r#"title co "guide""#,
            USERS / TITLES.len(),
        ),
        (
            "list_familyName_sw_100k",
            r#"name.familyName sw "a""#,
            USERS / 4,
        ),
    ] {
        let q = ListQuery::all(100).with_filter(parse(filter));
        g.bench_function(name, |b| {
            b.iter(|| {
                let page = rt.block_on(store.list(&tenant, &users, &q));
                assert!(
                    matches!(&page, Ok(p) if p.total_results == expected),
                    "{name}"
                );
                black_box(page)
            })
        });
    }
    g.finish();
    let _ = rt.block_on(store.purge_tenant(&tenant));
}

criterion_group!(benches, redis);
criterion_main!(benches);
