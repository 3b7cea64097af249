//! Behaviour under concurrent writers: tasks on a multi-threaded runtime
//! hammer one store.

use crate::data::{id_of, next_version, user, users, version_of};
use crate::Store;
use scim_core::store::StoreError;
use serde_json::{json, Value};

/// 20 simultaneous creates of one userName (in different cases) give
/// exactly one success; the others fail with Uniqueness; one user is
/// stored.
pub async fn concurrent_unique_creates(store: &Store, tenant: &str) {
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            let tenant = tenant.to_owned();
            let name = if i % 2 == 0 { "racer" } else { "RACER" };
            tokio::spawn(async move { store.create(&tenant, &users(), user(name)).await })
        })
        .collect();
    let mut ok = 0;
    let mut conflicts = 0;
    for t in futures::future::join_all(tasks).await {
        match t {
            Ok(Ok(_)) => ok += 1,
            Ok(Err(StoreError::Uniqueness { .. })) => conflicts += 1,
            Ok(Err(e)) => panic!("a racing create failed with {e:?}, not Uniqueness"),
            Err(e) => panic!("a racing create panicked: {e}"),
        }
    }
    assert_eq!(
        (ok, conflicts),
        (1, 19),
        "20 racing creates of one userName: exactly one must win"
    );
    let q = scim_core::query::ListQuery::all(100);
    let page = store.list(tenant, &users(), &q).await;
    assert!(
        matches!(&page, Ok(p) if p.total_results == 1),
        "exactly one racer must be stored; got {page:?}"
    );
}

/// 50 simultaneous PATCH-style read-modify-writes (get, add one entry,
/// replace with the expected version, retry on VersionMismatch) lose no
/// update: all 50 entries are there and the version moved 50 times.
pub async fn concurrent_read_modify_write(store: &Store, tenant: &str) {
    let u = user_with_counter();
    let id = id_of(&u).to_owned();
    if let Err(e) = store.create(tenant, &users(), u).await {
        panic!("create failed: {e:?}");
    }
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let store = store.clone();
            let tenant = tenant.to_owned();
            let id = id.clone();
            tokio::spawn(async move {
                for attempt in 0.. {
                    assert!(
                        attempt < 10_000,
                        "writer {i} starved after {attempt} attempts"
                    );
                    let current = match store.get(&tenant, &users(), &id).await {
                        Ok(Some(r)) => r,
                        other => panic!("writer {i}: get failed: {other:?}"),
                    };
                    // Let the other writers read the same version before
                    // this one writes, so the writes really overlap even
                    // on a store whose calls never suspend.
                    tokio::task::yield_now().await;
                    let expected = version_of(&current).to_owned();
                    let mut next = next_version(current);
                    if let Some(list) = next["emails"].as_array_mut() {
                        list.push(json!({"value": format!("w{i}@example.com"), "type": "other"}));
                    }
                    match store
                        .replace(&tenant, &users(), &id, Some(&expected), next)
                        .await
                    {
                        Ok(_) => return,
                        Err(StoreError::VersionMismatch { .. }) => tokio::task::yield_now().await,
                        Err(e) => panic!("writer {i}: replace failed: {e:?}"),
                    }
                }
            })
        })
        .collect();
    for t in futures::future::join_all(tasks).await {
        if let Err(e) = t {
            panic!("a writer panicked: {e}");
        }
    }
    let last = match store.get(tenant, &users(), &id).await {
        Ok(Some(r)) => r,
        other => panic!("get after the writers failed: {other:?}"),
    };
    let mut written: Vec<String> = last["emails"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["value"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    written.sort();
    let mut expected: Vec<String> = (0..50).map(|i| format!("w{i}@example.com")).collect();
    expected.sort();
    assert_eq!(
        written, expected,
        "every one of 50 concurrent read-modify-writes must survive"
    );
    assert_eq!(
        version_of(&last),
        "W/\"51\"",
        "the version must have moved once per write"
    );
}

fn user_with_counter() -> Value {
    let mut u = user("rmw");
    u["emails"] = json!([]);
    u
}
