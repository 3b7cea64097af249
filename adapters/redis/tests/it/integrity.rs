//! `check_integrity`: clean after every contract behaviour and after racing
//! writers, and it does find what a broken keyspace holds.

use crate::redis_store;
use scim_core::store::ResourceStore;
use scim_store_redis::RedisStore;
use scim_store_testkit::data::{fresh_tenant, group, groups, id_of, user_with, users};
use scim_store_testkit::{Store, BEHAVIOURS};
use serde_json::json;
use std::sync::Arc;

/// Asserts the keyspace of `tenant` is consistent for Users and Groups.
async fn assert_consistent(store: &RedisStore, tenant: &str, after: &str) {
    for schema in [users(), groups()] {
        let problems = store.check_integrity(tenant, &schema).await.unwrap();
        assert!(
            problems.is_empty(),
            "after {after}, tenant {tenant} ({}): {problems:#?}",
            schema.resource_type.name
        );
    }
}

/// Runs every contract behaviour (concurrently, each in its own tenant),
/// then checks that each left a keyspace whose indexes match its
/// documents exactly, and purges it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_behaviour_leaves_a_consistent_keyspace() {
    let Some(store) = redis_store().await else {
        return;
    };
    let shared: Store = Arc::new(store.clone());
    let runs = BEHAVIOURS.iter().map(|b| {
        let shared = shared.clone();
        async move {
            let tenant = fresh_tenant(&format!("integrity-{}", b.name));
            (b.run)(&shared, &tenant).await;
            (b.name, tenant)
        }
    });
    let done = futures::future::join_all(runs).await;
    assert_eq!(done.len(), BEHAVIOURS.len());
    for (name, tenant) in done {
        // Behaviours may also use tenants named after theirs.
        for t in [
            tenant.clone(),
            format!("{tenant}-b"),
            format!("{tenant}-other"),
        ] {
            assert_consistent(&store, &t, name).await;
            store.purge_tenant(&t).await.unwrap();
        }
    }
}

/// A tiny deterministic generator, so a failing interleaving's inputs can
/// be replayed from its seed.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Eight writers race creates, renames (onto each other's userNames),
/// externalId and membership changes and deletes over a small pool of
/// names; whatever wins, every index entry must match a document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_writers_keep_indexes_consistent() {
    let Some(store) = redis_store().await else {
        return;
    };
    let tenant = fresh_tenant("race");
    let names = ["ann", "ANN", "bob", "Bob", "cy", "dee"];
    let mut ids = Vec::new();
    for n in ["seed-1", "seed-2", "seed-3"] {
        let u = store
            .create(&tenant, &users(), user_with(n, json!({"externalId": "X"})))
            .await
            .unwrap();
        ids.push(id_of(&u).to_owned());
    }
    let g = store
        .create(&tenant, &groups(), group("G", &[&ids[0]]))
        .await
        .unwrap();
    let gid = id_of(&g).to_owned();
    let tasks: Vec<_> = (0..8u64)
        .map(|seed| {
            let store = store.clone();
            let tenant = tenant.clone();
            let ids = ids.clone();
            let gid = gid.clone();
            tokio::spawn(async move {
                let mut rng = XorShift(seed * 7919 + 1);
                let mut mine = Vec::new();
                for _ in 0..40 {
                    let name = names[rng.below(names.len())];
                    let ext = format!("E{}", rng.below(3));
                    match rng.below(5) {
                        0 => {
                            let u = user_with(name, json!({"externalId": ext}));
                            if store.create(&tenant, &users(), u.clone()).await.is_ok() {
                                mine.push(id_of(&u).to_owned());
                            }
                        }
                        1 | 2 => {
                            let pool: Vec<&String> = ids.iter().chain(mine.iter()).collect();
                            let id = pool[rng.below(pool.len())].clone();
                            let mut u = user_with(name, json!({"externalId": ext}));
                            u["id"] = json!(id);
                            let _ = store.replace(&tenant, &users(), &id, None, u).await;
                        }
                        3 => {
                            let members: Vec<&str> =
                                ids.iter().take(rng.below(4)).map(String::as_str).collect();
                            let mut g = group("G", &members);
                            g["id"] = json!(gid);
                            let _ = store.replace(&tenant, &groups(), &gid, None, g).await;
                        }
                        _ => {
                            if !mine.is_empty() {
                                let id = mine.swap_remove(rng.below(mine.len()));
                                let _ = store.delete(&tenant, &users(), &id, None).await;
                            }
                        }
                    }
                }
            })
        })
        .collect();
    for t in futures::future::join_all(tasks).await {
        t.unwrap();
    }
    assert_consistent(&store, &tenant, "racing writers").await;
    store.purge_tenant(&tenant).await.unwrap();
}

/// Breaks the keyspace by hand in each way the check names, and expects
/// each to be reported.
#[tokio::test]
async fn check_integrity_reports_orphans_and_gaps() {
    let Some(store) = redis_store().await else {
        return;
    };
    let tenant = fresh_tenant("broken");
    let u = store
        .create(
            &tenant,
            &users(),
            user_with("Carol", json!({"externalId": "C-1"})),
        )
        .await
        .unwrap();
    let id = id_of(&u).to_owned();
    assert_consistent(&store, &tenant, "one create").await;

    let mut c = raw_conn().await;
    let base = format!("scimtest:{{{tenant}}}:User:");
    // A unique entry for a value nobody holds, naming a missing resource.
    raw(
        &mut c,
        &["SET", &format!("{base}u:username:sghost"), "nobody"],
    )
    .await;
    // The real userName entry removed.
    raw(&mut c, &["DEL", &format!("{base}u:username:scarol")]).await;
    // The user dropped from its externalId set; a ghost added to another.
    raw(&mut c, &["SREM", &format!("{base}x:externalid:c-1"), &id]).await;
    raw(
        &mut c,
        &["SADD", &format!("{base}x:externalid:zz"), "ghost"],
    )
    .await;
    // A ghost in the creation order, and a stray key.
    raw(&mut c, &["ZADD", &format!("{base}order"), "99", "ghost"]).await;
    raw(&mut c, &["SET", &format!("{base}junk"), "1"]).await;

    let problems = store.check_integrity(&tenant, &users()).await.unwrap();
    let text = problems.join("\n");
    for needle in [
        "u:username:sghost names nobody",
        "u:username:scarol is missing",
        "missing from scimtest",
        "x:externalid:zz lists ghost",
        "creation order lists ghost",
        "below the highest score",
        "unexpected key",
    ] {
        assert!(
            text.contains(needle),
            "expected a problem mentioning {needle:?}; got:\n{text}"
        );
    }
    assert_eq!(problems.len(), 7, "{text}");
    store.purge_tenant(&tenant).await.unwrap();
    let problems = store.check_integrity(&tenant, &users()).await.unwrap();
    assert!(
        problems.is_empty(),
        "a purged tenant is empty: {problems:?}"
    );
}

/// Runs one raw command on the test server.
pub async fn raw(c: &mut redis::aio::MultiplexedConnection, args: &[&str]) -> redis::Value {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query_async(c).await.unwrap()
}

/// A plain connection to the test server, for poking at keys.
pub async fn raw_conn() -> redis::aio::MultiplexedConnection {
    let url = std::env::var("SCIM_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let client = redis::Client::open(url.as_deref().unwrap_or("redis://127.0.0.1:6379")).unwrap();
    client.get_multiplexed_async_connection().await.unwrap()
}
