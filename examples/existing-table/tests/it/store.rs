//! The store directly: the kit's filter and sort cases on the part of its
//! data the tables hold, against `scim_core::query::execute` over the same
//! data; what the tables cannot hold, refused; races.

use scim_core::query::execute;
use scim_core::store::{ResourceStore, StoreError};
use scim_existing_table_example::{TableStore, UnmappedAttributes};
use scim_store_testkit::data::{group, id_of, next_version, query, user, user_with, users};
use scim_store_testkit::{filter_dataset, FILTER_CASES};
use serde_json::{json, Value};
use std::sync::Arc;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// The kit's filter dataset as the tables hold it: without nickName,
/// userType and the Enterprise extension, with the primary (else first)
/// email only, as the work address, and times in UTC.
fn table_dataset() -> Vec<Value> {
    filter_dataset()
        .into_iter()
        .map(|mut u| {
            let obj = u.as_object_mut().unwrap();
            for key in ["nickName", "userType", ENTERPRISE] {
                obj.remove(key);
            }
            if let Some(Value::Array(emails)) = obj.get("emails").cloned() {
                let chosen = emails
                    .iter()
                    .find(|e| e["primary"] == json!(true))
                    .or(emails.first())
                    .unwrap();
                obj.insert(
                    "emails".into(),
                    json!([{"value": chosen["value"], "type": "work", "primary": true}]),
                );
            }
            u
        })
        .collect()
}

/// Whether a filter names an attribute the tables lack.
fn names_unmapped(filter: &str) -> bool {
    ["nickName", "userType", "employeeNumber"]
        .iter()
        .any(|a| filter.contains(a))
}

fn names(resources: &[Value]) -> Vec<String> {
    resources
        .iter()
        .map(|r| r["userName"].as_str().unwrap().to_owned())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

async fn seed(store: &TableStore, tenant: &str, data: &[Value]) {
    for u in data {
        store.create(tenant, &users(), u.clone()).await.unwrap();
    }
}

async fn filters_and_sorts_match_the_reference(store: TableStore) {
    let tenant = "differential";
    let data = table_dataset();
    seed(&store, tenant, &data).await;
    // Stored as written (times in UTC: compare what get returns).
    let mut stored = Vec::new();
    for u in &data {
        stored.push(
            store
                .get(tenant, &users(), id_of(u))
                .await
                .unwrap()
                .unwrap(),
        );
    }
    let mut pushed = 0;
    for (filter, _) in FILTER_CASES {
        let q = query(&users(), &[("filter", filter), ("count", "1000")]);
        let got = store.list(tenant, &users(), &q).await;
        if names_unmapped(filter) {
            match got {
                Err(StoreError::Query(e)) => {
                    assert_eq!(
                        e.scim_type().map(|t| t.as_str()),
                        Some("invalidFilter"),
                        "{filter}"
                    );
                    assert!(
                        e.detail().contains("not supported"),
                        "{filter}: {}",
                        e.detail()
                    );
                }
                other => panic!("{filter} must be refused, got {other:?}"),
            }
            continue;
        }
        let got = got.unwrap_or_else(|e| panic!("{filter}: {e:?}"));
        let want = execute(&users(), stored.iter(), &q).unwrap();
        assert_eq!(
            sorted(names(&got.resources)),
            sorted(names(&want.resources)),
            "{filter}"
        );
        assert_eq!(got.total_results, want.total_results, "{filter}");
        pushed += 1;
    }
    assert!(pushed >= 25, "only {pushed} filters were pushed down");
    for sort_by in [
        "userName",
        "title",
        "emails",
        "emails.value",
        "name.familyName",
        "meta.lastModified",
        "active",
        "externalId",
    ] {
        for order in ["ascending", "descending"] {
            let q = query(
                &users(),
                &[
                    ("sortBy", sort_by),
                    ("sortOrder", order),
                    ("filter", "userName pr"),
                ],
            );
            let got = store.list(tenant, &users(), &q).await.unwrap();
            let want = execute(&users(), stored.iter(), &q).unwrap();
            assert_eq!(
                names(&got.resources),
                names(&want.resources),
                "sortBy={sort_by} {order}"
            );
        }
    }
    let q = query(&users(), &[("sortBy", "nickName")]);
    match store.list(tenant, &users(), &q).await {
        Err(StoreError::Query(e)) => {
            assert_eq!(e.scim_type().map(|t| t.as_str()), Some("invalidValue"))
        }
        other => panic!("sorting by nickName must be refused, got {other:?}"),
    }
}

#[tokio::test]
async fn sqlite_filters_and_sorts_match_the_reference() {
    let (store, _db) = crate::sqlite_store().await;
    filters_and_sorts_match_the_reference(store).await;
}

#[tokio::test]
async fn postgres_filters_and_sorts_match_the_reference() {
    if let Some(store) = crate::postgres_store().await {
        filters_and_sorts_match_the_reference(store).await;
    }
}

async fn unmapped_writes(store: TableStore) {
    let tenant = "unmapped";
    let refused = [
        user_with("a", json!({"nickName": "A"})),
        user_with("b", json!({ENTERPRISE: {"employeeNumber": "7"}})),
        user_with(
            "c",
            json!({"emails": [{"value": "c@x", "type": "work"}, {"value": "c@y", "type": "home"}]}),
        ),
        user_with("d", json!({"name": {"givenName": "D", "middleName": "M"}})),
    ];
    for u in refused {
        match store.create(tenant, &users(), u.clone()).await {
            Err(StoreError::Query(e)) => {
                assert_eq!(
                    (e.status(), e.scim_type().map(|t| t.as_str())),
                    (400, Some("invalidValue")),
                    "{u}"
                );
            }
            other => panic!("{u} must be refused, got {other:?}"),
        }
    }
    let page = store
        .list(tenant, &users(), &query(&users(), &[]))
        .await
        .unwrap();
    assert_eq!(page.total_results, 0, "a refused write stores nothing");
    // A replace adding an unmapped attribute changes nothing either.
    let u = store.create(tenant, &users(), user("e")).await.unwrap();
    let mut more = next_version(u.clone());
    more["nickName"] = json!("E");
    assert!(store
        .replace(tenant, &users(), id_of(&u), None, more)
        .await
        .is_err());
    assert_eq!(
        store.get(tenant, &users(), id_of(&u)).await.unwrap(),
        Some(u)
    );
    // Under Drop the columns' part is stored.
    let dropping = store.clone().with_unmapped(UnmappedAttributes::Drop);
    let kept = dropping
        .create(
            tenant,
            &users(),
            user_with("f", json!({"nickName": "F", "title": "T"})),
        )
        .await
        .unwrap();
    assert_eq!(kept["title"], "T");
    assert!(kept.get("nickName").is_none());
    // A group member must be a user of the tenant.
    let g = group("G", &["no-such-user"]);
    match store
        .create(tenant, &scim_store_testkit::data::groups(), g)
        .await
    {
        Err(StoreError::Query(e)) => assert!(e.detail().contains("no-such-user"), "{}", e.detail()),
        other => panic!("a non-user member must be refused, got {other:?}"),
    }
    let page = store
        .list(
            tenant,
            &scim_store_testkit::data::groups(),
            &query(&scim_store_testkit::data::groups(), &[]),
        )
        .await
        .unwrap();
    assert_eq!(page.total_results, 0, "the refused group was rolled back");
}

#[tokio::test]
async fn sqlite_refuses_what_no_column_holds() {
    let (store, _db) = crate::sqlite_store().await;
    unmapped_writes(store).await;
}

#[tokio::test]
async fn postgres_refuses_what_no_column_holds() {
    if let Some(store) = crate::postgres_store().await {
        unmapped_writes(store).await;
    }
}

/// The kit's read-modify-write race, appending to `title` (the table has
/// one email): 30 writers, no lost update.
async fn racing_writers(store: TableStore) {
    let store = Arc::new(store);
    let tenant = "race";
    let u = store
        .create(tenant, &users(), user_with("rmw", json!({"title": ""})))
        .await
        .unwrap();
    let id = id_of(&u).to_owned();
    let tasks: Vec<_> = (0..30)
        .map(|i| {
            let store = store.clone();
            let id = id.clone();
            tokio::spawn(async move {
                loop {
                    let current = store.get(tenant, &users(), &id).await.unwrap().unwrap();
                    tokio::task::yield_now().await;
                    let expected = current["meta"]["version"].as_str().unwrap().to_owned();
                    let mut next = next_version(current.clone());
                    next["title"] = json!(format!("{}[{i}]", current["title"].as_str().unwrap()));
                    match store
                        .replace(tenant, &users(), &id, Some(&expected), next)
                        .await
                    {
                        Ok(_) => return,
                        Err(StoreError::VersionMismatch { .. }) => tokio::task::yield_now().await,
                        Err(e) => panic!("writer {i}: {e:?}"),
                    }
                }
            })
        })
        .collect();
    for t in futures::future::join_all(tasks).await {
        t.unwrap();
    }
    let last = store.get(tenant, &users(), &id).await.unwrap().unwrap();
    let title = last["title"].as_str().unwrap();
    for i in 0..30 {
        assert!(
            title.contains(&format!("[{i}]")),
            "writer {i} lost: {title}"
        );
    }
    assert_eq!(last["meta"]["version"], "W/\"31\"");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_racing_writers_lose_no_update() {
    let (store, _db) = crate::sqlite_store().await;
    racing_writers(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_racing_writers_lose_no_update() {
    if let Some(store) = crate::postgres_store().await {
        racing_writers(store).await;
    }
}

/// Deleting a user removes it from its groups, which get a new version.
async fn user_delete_leaves_groups(store: TableStore) {
    let tenant = "leave";
    let groups = scim_store_testkit::data::groups();
    let a = store.create(tenant, &users(), user("a")).await.unwrap();
    let b = store
        .create(
            tenant,
            &users(),
            user_with("b", json!({"displayName": "Bee"})),
        )
        .await
        .unwrap();
    let g = store
        .create(tenant, &groups, group("G", &[id_of(&a), id_of(&b)]))
        .await
        .unwrap();
    assert_eq!(
        g["members"],
        json!([{"value": id_of(&a)}, {"value": id_of(&b), "display": "Bee"}])
    );
    store
        .delete(tenant, &users(), id_of(&a), None)
        .await
        .unwrap();
    let after = store
        .get(tenant, &groups, id_of(&g))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        after["members"],
        json!([{"value": id_of(&b), "display": "Bee"}])
    );
    assert_ne!(after["meta"]["version"], g["meta"]["version"]);
    assert!(store
        .member_of(tenant, &groups, id_of(&a))
        .await
        .unwrap()
        .is_empty());
    // A stale If-Match on the group now fails.
    let r = store
        .delete(tenant, &groups, id_of(&g), g["meta"]["version"].as_str())
        .await;
    assert!(
        matches!(r, Err(StoreError::VersionMismatch { .. })),
        "{r:?}"
    );
}

#[tokio::test]
async fn sqlite_user_delete_leaves_groups() {
    let (store, _db) = crate::sqlite_store().await;
    user_delete_leaves_groups(store).await;
}

#[tokio::test]
async fn postgres_user_delete_leaves_groups() {
    if let Some(store) = crate::postgres_store().await {
        user_delete_leaves_groups(store).await;
    }
}
