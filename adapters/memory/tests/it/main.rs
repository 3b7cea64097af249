//! The memory store against the whole adapter contract, plus checks of
//! what only the memory store promises.
#![allow(clippy::unwrap_used)]

use scim_store_memory::MemoryStore;
use std::sync::Arc;

scim_store_testkit::contract_tests!(Arc::new(MemoryStore::new()));

/// `run_all` in one go, on one store shared by every behaviour: tenants
/// keep the behaviours apart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_all_on_one_store() {
    let store: scim_store_testkit::Store = Arc::new(MemoryStore::new());
    scim_store_testkit::run_all(&store, "all").await;
}

/// Uniqueness comes from the schema, not from a list of names: a unique,
/// caseExact extension attribute conflicts only on an exact match.
#[tokio::test]
async fn unique_extension_attribute_follows_its_case_rule() {
    use scim_core::schema::{AttrType, Attribute, Schema, Uniqueness};
    use scim_core::store::{ResourceStore, StoreError};
    use serde_json::json;

    const URN: &str = "urn:example:params:scim:schemas:extension:badge:2.0:User";
    let mut registry = scim_core::Registry::with_builtins();
    let mut badge = Attribute::new("badge", AttrType::String);
    badge.uniqueness = Uniqueness::Server;
    badge.case_exact = true;
    registry
        .add_schema(Schema {
            id: URN.into(),
            name: None,
            description: None,
            attributes: vec![badge],
        })
        .unwrap();
    registry.add_extension("User", URN, false).unwrap();
    let users = registry.view("User").unwrap();
    let store = MemoryStore::new();
    let with_badge = |name: &str, b: &str| {
        let mut u = scim_store_testkit::data::user(name);
        u[URN] = json!({ "badge": b });
        u
    };
    store
        .create("t", &users, with_badge("a", "X-1"))
        .await
        .unwrap();
    let r = store.create("t", &users, with_badge("b", "X-1")).await;
    assert!(
        matches!(&r, Err(StoreError::Uniqueness { attribute }) if attribute == "badge"),
        "{r:?}"
    );
    store
        .create("t", &users, with_badge("c", "x-1"))
        .await
        .unwrap();
    // Data stored before the attribute became unique is indexed on first
    // use: a store that saw users without the extension still checks.
    let plain = scim_core::Registry::with_builtins();
    let other = MemoryStore::new();
    other
        .create("t", &plain.view("User").unwrap(), with_badge("d", "Y"))
        .await
        .unwrap();
    let r = other.create("t", &users, with_badge("e", "Y")).await;
    assert!(matches!(r, Err(StoreError::Uniqueness { .. })), "{r:?}");
}
