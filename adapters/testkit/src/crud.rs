//! Create, get, replace, delete; not-found cases; compare-and-swap;
//! uniqueness; tenant isolation.

use crate::data::{group, groups, id_of, new_id, next_version, user, user_with, users, version_of};
use crate::Store;
use scim_core::query::ListQuery;
use scim_core::store::StoreError;
use serde_json::{json, Value};

fn describe<T: std::fmt::Debug>(r: &Result<T, StoreError>) -> String {
    match r {
        Ok(v) => format!("Ok({v:?})"),
        Err(e) => format!("Err({e:?})"),
    }
}

async fn create_ok(store: &Store, tenant: &str, r: Value) -> Value {
    let schema = if r["schemas"][0]
        .as_str()
        .is_some_and(|s| s.ends_with(":Group"))
    {
        groups()
    } else {
        users()
    };
    match store.create(tenant, &schema, r.clone()).await {
        Ok(v) => v,
        Err(e) => panic!("create of {r} in tenant {tenant} failed: {e:?}"),
    }
}

pub(crate) async fn seed(store: &Store, tenant: &str, resources: &[Value]) {
    for r in resources {
        create_ok(store, tenant, r.clone()).await;
    }
}

/// A created resource comes back from `get` exactly as it was handed in,
/// and `create` returns it too.
pub async fn create_get_round_trip(store: &Store, tenant: &str) {
    let u = user_with(
        "bjensen",
        json!({
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
            "active": true,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701"},
        }),
    );
    let created = create_ok(store, tenant, u.clone()).await;
    assert_eq!(
        created, u,
        "create must return the stored resource unchanged"
    );
    let got = store.get(tenant, &users(), id_of(&u)).await;
    assert!(
        matches!(&got, Ok(Some(v)) if *v == u),
        "get after create must return the resource unchanged; got {}",
        describe(&got)
    );
    let g = group("Admins", &[id_of(&u)]);
    create_ok(store, tenant, g.clone()).await;
    let got = store.get(tenant, &groups(), id_of(&g)).await;
    assert!(
        matches!(&got, Ok(Some(v)) if *v == g),
        "group round trip; got {}",
        describe(&got)
    );
}

/// `get` of an unknown id is `Ok(None)`; `replace` and `delete` of one
/// are `NotFound`; a deleted resource is gone and its id stays free.
pub async fn not_found(store: &Store, tenant: &str) {
    let missing = new_id();
    let got = store.get(tenant, &users(), &missing).await;
    assert!(
        matches!(got, Ok(None)),
        "get of an unknown id must be Ok(None); got {}",
        describe(&got)
    );
    let r = store
        .replace(tenant, &users(), &missing, None, user("ghost"))
        .await;
    assert!(
        matches!(&r, Err(StoreError::NotFound { id }) if *id == missing),
        "replace of an unknown id must be NotFound; got {}",
        describe(&r)
    );
    let r = store.delete(tenant, &users(), &missing, None).await;
    assert!(
        matches!(&r, Err(StoreError::NotFound { .. })),
        "delete of an unknown id must be NotFound; got {}",
        describe(&r)
    );
    let u = create_ok(store, tenant, user("short-lived")).await;
    let r = store.delete(tenant, &users(), id_of(&u), None).await;
    assert!(
        r.is_ok(),
        "delete of an existing resource; got {}",
        describe(&r)
    );
    let got = store.get(tenant, &users(), id_of(&u)).await;
    assert!(
        matches!(got, Ok(None)),
        "get after delete must be Ok(None); got {}",
        describe(&got)
    );
    let r = store.delete(tenant, &users(), id_of(&u), None).await;
    assert!(
        matches!(&r, Err(StoreError::NotFound { .. })),
        "second delete must be NotFound; got {}",
        describe(&r)
    );
    let page = store.list(tenant, &users(), &ListQuery::all(100)).await;
    assert!(
        matches!(&page, Ok(p) if p.total_results == 0 && p.resources.is_empty()),
        "list after delete must be empty; got {}",
        describe(&page)
    );
    // A deleted user's userName is free again.
    create_ok(store, tenant, user("short-lived")).await;
}

/// `replace` stores the new document: `get` and `list` see it.
pub async fn replace_round_trip(store: &Store, tenant: &str) {
    let u = create_ok(store, tenant, user("before")).await;
    let mut changed = next_version(u.clone());
    changed["userName"] = json!("after");
    changed["title"] = json!("Engineer");
    let r = store
        .replace(tenant, &users(), id_of(&u), None, changed.clone())
        .await;
    assert!(
        matches!(&r, Ok(v) if *v == changed),
        "replace must return the new resource; got {}",
        describe(&r)
    );
    let got = store.get(tenant, &users(), id_of(&u)).await;
    assert!(
        matches!(&got, Ok(Some(v)) if *v == changed),
        "get after replace; got {}",
        describe(&got)
    );
    let page = store.list(tenant, &users(), &ListQuery::all(100)).await;
    assert!(
        matches!(&page, Ok(p) if p.total_results == 1 && p.resources == vec![changed.clone()]),
        "list after replace must hold only the new document; got {}",
        describe(&page)
    );
}

/// userName is unique per tenant under its case rule (caseExact false):
/// `BJensen` and `bjensen` conflict; the loser changes nothing; externalId
/// (uniqueness none) may repeat; one userName in two tenants is fine.
pub async fn uniqueness(store: &Store, tenant: &str) {
    let first = create_ok(
        store,
        tenant,
        user_with("BJensen", json!({"externalId": "E1"})),
    )
    .await;
    for taken in ["BJensen", "bjensen", "BJENSEN"] {
        let r = store.create(tenant, &users(), user(taken)).await;
        assert!(
            matches!(&r, Err(StoreError::Uniqueness { attribute }) if attribute.eq_ignore_ascii_case("userName")),
            "create of userName {taken:?} after \"BJensen\" must fail with Uniqueness(userName); got {}",
            describe(&r)
        );
    }
    let page = store.list(tenant, &users(), &ListQuery::all(100)).await;
    assert!(
        matches!(&page, Ok(p) if p.total_results == 1),
        "a refused create must store nothing; got {}",
        describe(&page)
    );
    // externalId is not unique (and is caseExact, so this is even equal).
    create_ok(
        store,
        tenant,
        user_with("other", json!({"externalId": "E1"})),
    )
    .await;
    // Same userName in another tenant.
    let other_tenant = format!("{tenant}-b");
    create_ok(store, &other_tenant, user("BJensen")).await;
    // A duplicate id is refused too.
    let mut dup = user("someone-else");
    dup["id"] = json!(id_of(&first));
    let r = store.create(tenant, &users(), dup).await;
    assert!(
        r.is_err(),
        "create with an id already in use must fail; got {}",
        describe(&r)
    );
    // Group displayName is not unique.
    create_ok(store, tenant, group("Team", &[])).await;
    create_ok(store, tenant, group("Team", &[])).await;
}

/// Uniqueness holds on replace: renaming to a taken userName (in any case)
/// fails and changes nothing; keeping one's own userName (even recased) is
/// fine; a renamed user's old userName is free again.
pub async fn uniqueness_on_replace(store: &Store, tenant: &str) {
    let a = create_ok(store, tenant, user("alice")).await;
    let b = create_ok(store, tenant, user("bob")).await;
    let mut steal = next_version(b.clone());
    steal["userName"] = json!("ALICE");
    let r = store
        .replace(tenant, &users(), id_of(&b), None, steal)
        .await;
    assert!(
        matches!(&r, Err(StoreError::Uniqueness { attribute }) if attribute.eq_ignore_ascii_case("userName")),
        "renaming bob to ALICE must fail with Uniqueness(userName); got {}",
        describe(&r)
    );
    let got = store.get(tenant, &users(), id_of(&b)).await;
    assert!(
        matches!(&got, Ok(Some(v)) if *v == b),
        "a refused replace must change nothing; got {}",
        describe(&got)
    );
    let mut recase = next_version(a.clone());
    recase["userName"] = json!("Alice");
    let r = store
        .replace(tenant, &users(), id_of(&a), None, recase)
        .await;
    assert!(
        r.is_ok(),
        "re-casing one's own userName must succeed; got {}",
        describe(&r)
    );
    let mut rename = next_version(b.clone());
    rename["userName"] = json!("robert");
    let r = store
        .replace(tenant, &users(), id_of(&b), None, rename)
        .await;
    assert!(
        r.is_ok(),
        "renaming to a free userName; got {}",
        describe(&r)
    );
    create_ok(store, tenant, user("bob")).await;
    let r = store.create(tenant, &users(), user("Robert")).await;
    assert!(
        matches!(r, Err(StoreError::Uniqueness { .. })),
        "the new userName must be taken after a rename; got {}",
        describe(&r)
    );
}

/// Compare-and-swap on `meta.version`: replace and delete with a stale
/// version fail with VersionMismatch (carrying both versions) and change
/// nothing; with the current version or with none they succeed.
pub async fn compare_and_swap(store: &Store, tenant: &str) {
    let v1 = create_ok(store, tenant, user("cas")).await;
    let id = id_of(&v1).to_owned();
    let mut v2 = next_version(v1.clone());
    v2["title"] = json!("two");
    let r = store
        .replace(tenant, &users(), &id, Some("W/\"1\""), v2.clone())
        .await;
    assert!(
        r.is_ok(),
        "replace with the current version must succeed; got {}",
        describe(&r)
    );
    let mut stale = next_version(v1.clone());
    stale["title"] = json!("stale");
    let r = store
        .replace(tenant, &users(), &id, Some("W/\"1\""), stale)
        .await;
    assert!(
        matches!(&r, Err(StoreError::VersionMismatch { expected, current }) if expected == "W/\"1\"" && current == "W/\"2\""),
        "replace with a stale version must fail with VersionMismatch {{ expected: W/\"1\", current: W/\"2\" }}; got {}",
        describe(&r)
    );
    let got = store.get(tenant, &users(), &id).await;
    assert!(
        matches!(&got, Ok(Some(v)) if *v == v2),
        "a refused replace must change nothing; got {}",
        describe(&got)
    );
    // Versions are opaque and compared exactly.
    let r = store
        .replace(tenant, &users(), &id, Some("w/\"2\""), v2.clone())
        .await;
    assert!(
        matches!(r, Err(StoreError::VersionMismatch { .. })),
        "versions compare exactly; got {}",
        describe(&r)
    );
    let mut v3 = next_version(v2.clone());
    v3["title"] = json!("three");
    let r = store.replace(tenant, &users(), &id, None, v3.clone()).await;
    assert!(
        r.is_ok(),
        "replace without a version must succeed; got {}",
        describe(&r)
    );
    let r = store
        .delete(tenant, &users(), &id, Some(version_of(&v2)))
        .await;
    assert!(
        matches!(r, Err(StoreError::VersionMismatch { .. })),
        "delete with a stale version must fail with VersionMismatch; got {}",
        describe(&r)
    );
    assert!(
        matches!(store.get(tenant, &users(), &id).await, Ok(Some(_))),
        "a refused delete must keep the resource"
    );
    let r = store
        .delete(tenant, &users(), &id, Some(version_of(&v3)))
        .await;
    assert!(
        r.is_ok(),
        "delete with the current version must succeed; got {}",
        describe(&r)
    );
    let other = create_ok(store, tenant, user("cas-2")).await;
    let r = store.delete(tenant, &users(), id_of(&other), None).await;
    assert!(
        r.is_ok(),
        "delete without a version must succeed; got {}",
        describe(&r)
    );
}

/// Nothing crosses tenants or resource types: get, list, replace, delete
/// and member_of in another tenant see nothing, and a User id is not a
/// Group id.
pub async fn tenant_isolation(store: &Store, tenant: &str) {
    let other = format!("{tenant}-other");
    let u = create_ok(store, tenant, user("isolated")).await;
    let g = create_ok(store, tenant, group("G", &[id_of(&u)])).await;
    let id = id_of(&u);
    let got = store.get(&other, &users(), id).await;
    assert!(
        matches!(got, Ok(None)),
        "get from another tenant must be Ok(None); got {}",
        describe(&got)
    );
    let got = store.get(tenant, &groups(), id).await;
    assert!(
        matches!(got, Ok(None)),
        "a User id must not be found as a Group; got {}",
        describe(&got)
    );
    let page = store.list(&other, &users(), &ListQuery::all(100)).await;
    assert!(
        matches!(&page, Ok(p) if p.total_results == 0 && p.resources.is_empty()),
        "list in another tenant must be empty; got {}",
        describe(&page)
    );
    let page = store.list(tenant, &groups(), &ListQuery::all(100)).await;
    assert!(
        matches!(&page, Ok(p) if p.total_results == 1 && p.resources == vec![g.clone()]),
        "listing Groups must show only groups; got {}",
        describe(&page)
    );
    let r = store
        .replace(&other, &users(), id, None, next_version(u.clone()))
        .await;
    assert!(
        matches!(r, Err(StoreError::NotFound { .. })),
        "replace across tenants must be NotFound; got {}",
        describe(&r)
    );
    let r = store.delete(&other, &users(), id, None).await;
    assert!(
        matches!(r, Err(StoreError::NotFound { .. })),
        "delete across tenants must be NotFound; got {}",
        describe(&r)
    );
    let r = store.member_of(&other, &groups(), id).await;
    assert!(
        matches!(&r, Ok(v) if v.is_empty()),
        "member_of across tenants must be empty; got {}",
        describe(&r)
    );
    let got = store.get(tenant, &users(), id).await;
    assert!(
        matches!(&got, Ok(Some(v)) if *v == u),
        "the resource must be untouched; got {}",
        describe(&got)
    );
    // The same id may exist in two tenants.
    create_ok(store, &other, u.clone()).await;
}

/// `member_of` finds exactly the groups whose `members[].value` holds the
/// id, and follows replace and delete.
pub async fn group_membership(store: &Store, tenant: &str) {
    let a = create_ok(store, tenant, user("member-a")).await;
    let b = create_ok(store, tenant, user("member-b")).await;
    let (ida, idb) = (id_of(&a), id_of(&b));
    let g1 = create_ok(store, tenant, group("G1", &[ida, idb])).await;
    let g2 = create_ok(store, tenant, group("G2", &[idb])).await;
    create_ok(store, tenant, group("G3", &[])).await;
    let names = |r: &Result<Vec<Value>, StoreError>| -> Option<Vec<String>> {
        let mut n: Vec<String> = r
            .as_ref()
            .ok()?
            .iter()
            .map(|g| g["displayName"].as_str().unwrap_or("").to_owned())
            .collect();
        n.sort();
        Some(n)
    };
    let r = store.member_of(tenant, &groups(), ida).await;
    assert_eq!(
        names(&r),
        Some(vec!["G1".to_owned()]),
        "groups of member-a; got {}",
        describe(&r)
    );
    let r = store.member_of(tenant, &groups(), idb).await;
    assert_eq!(
        names(&r),
        Some(vec!["G1".to_owned(), "G2".to_owned()]),
        "groups of member-b; got {}",
        describe(&r)
    );
    let r = store.member_of(tenant, &groups(), &new_id()).await;
    assert_eq!(
        names(&r),
        Some(vec![]),
        "an id in no group; got {}",
        describe(&r)
    );
    // Ids are compared exactly.
    let r = store
        .member_of(tenant, &groups(), &ida.to_uppercase())
        .await;
    if ida.to_uppercase() != ida {
        assert_eq!(
            names(&r),
            Some(vec![]),
            "member ids are case-exact; got {}",
            describe(&r)
        );
    }
    let mut g1b = next_version(g1.clone());
    g1b["members"] = json!([{"value": idb}]);
    let r = store
        .replace(tenant, &groups(), id_of(&g1), None, g1b)
        .await;
    assert!(r.is_ok(), "replace of a group; got {}", describe(&r));
    let r = store.member_of(tenant, &groups(), ida).await;
    assert_eq!(
        names(&r),
        Some(vec![]),
        "member_of must follow a replace; got {}",
        describe(&r)
    );
    let r = store.delete(tenant, &groups(), id_of(&g2), None).await;
    assert!(r.is_ok(), "delete of a group; got {}", describe(&r));
    let r = store.member_of(tenant, &groups(), idb).await;
    assert_eq!(
        names(&r),
        Some(vec!["G1".to_owned()]),
        "member_of must follow a delete; got {}",
        describe(&r)
    );
}
