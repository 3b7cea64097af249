//! What the Redis store promises beyond the contract: the key layout,
//! encoding of hostile names, prefixes, purging, bad stored data.

use crate::integrity::{raw, raw_conn};
use crate::redis_store;
use scim_core::query::ListQuery;
use scim_core::store::{ResourceStore, StoreError};
use scim_store_testkit::data::{fresh_tenant, group, groups, id_of, user, user_with, users};
use serde_json::json;

/// The documented layout, checked key by key after one create.
#[tokio::test]
async fn keys_follow_the_documented_layout() {
    let Some(store) = redis_store().await else {
        return;
    };
    let tenant = fresh_tenant("layout");
    let u = store
        .create(
            &tenant,
            &users(),
            user_with("BJensen", json!({"externalId": "Ext-9"})),
        )
        .await
        .unwrap();
    let id = id_of(&u);
    let g = store
        .create(&tenant, &groups(), group("G", &[id]))
        .await
        .unwrap();
    let mut c = raw_conn().await;
    let base = format!("scimtest:{{{tenant}}}");
    let doc = raw(&mut c, &["GET", &format!("{base}:User:r:{id}")]).await;
    let doc: String = redis::FromRedisValue::from_redis_value(doc).unwrap();
    assert_eq!(serde_json::from_str::<serde_json::Value>(&doc).unwrap(), u);
    let holder = raw(
        &mut c,
        &["GET", &format!("{base}:User:u:username:sbjensen")],
    )
    .await;
    assert_eq!(holder, redis::Value::BulkString(id.as_bytes().to_vec()));
    let ext = raw(
        &mut c,
        &["SISMEMBER", &format!("{base}:User:x:externalid:ext-9"), id],
    )
    .await;
    assert_eq!(ext, redis::Value::Int(1));
    let score = raw(&mut c, &["ZSCORE", &format!("{base}:User:order"), id]).await;
    assert!(
        !matches!(score, redis::Value::Nil),
        "the user has a creation number"
    );
    let member = raw(
        &mut c,
        &[
            "SISMEMBER",
            &format!("{base}:Group:x:members.value:{id}"),
            id_of(&g),
        ],
    )
    .await;
    assert_eq!(member, redis::Value::Int(1));
    // User: r, seq, order, u:username, x:externalid; Group: r, seq, order,
    // x:members.value.
    assert_eq!(store.purge_tenant(&tenant).await.unwrap(), 9);
}

/// Tenants and ids holding `{`, `}`, `:` and `%` (and the empty tenant)
/// neither break the hash tag nor meet each other.
#[tokio::test]
async fn hostile_tenant_names_and_ids_stay_apart() {
    let Some(store) = redis_store().await else {
        return;
    };
    let run = fresh_tenant("hostile");
    let tenants = [
        run.clone(),
        format!("{run}:a"),
        format!("{run}{{x}}"),
        format!("{run}}}"),
        format!("{run}%3A"),
        format!("{run}:a:User:r:"),
    ];
    for t in &tenants {
        let mut u = user("same-name");
        u["id"] = json!("id:{with}%colons");
        store.create(t, &users(), u).await.unwrap();
    }
    for t in &tenants {
        let page = store.list(t, &users(), &ListQuery::all(10)).await.unwrap();
        assert_eq!(page.total_results, 1, "tenant {t:?} sees only its own user");
        let got = store.get(t, &users(), "id:{with}%colons").await.unwrap();
        assert!(got.is_some(), "tenant {t:?}");
        let problems = store.check_integrity(t, &users()).await.unwrap();
        assert!(problems.is_empty(), "{t:?}: {problems:?}");
    }
    for t in &tenants {
        assert_eq!(
            store.purge_tenant(t).await.unwrap(),
            4,
            "tenant {t:?}: r, seq, order, u"
        );
    }
}

/// The empty tenant (single-tenant deployments) works and gets a hash tag
/// of its own, `{%}`.
#[tokio::test]
async fn the_empty_tenant_has_its_own_hash_tag() {
    let Some(store) = redis_store().await else {
        return;
    };
    let store = store.with_prefix(&fresh_tenant("empty-tenant-prefix"));
    let u = store.create("", &users(), user("solo")).await.unwrap();
    let mut c = raw_conn().await;
    let key = format!("{}:{{%}}:User:r:{}", store.prefix(), id_of(&u));
    assert_eq!(
        raw(&mut c, &["EXISTS", &key]).await,
        redis::Value::Int(1),
        "{key}"
    );
    assert_eq!(store.purge_tenant("").await.unwrap(), 4);
}

/// Two prefixes on one server are two stores.
#[tokio::test]
async fn prefixes_keep_stores_apart() {
    let Some(store) = redis_store().await else {
        return;
    };
    let tenant = fresh_tenant("prefix");
    let other = store.clone().with_prefix("scimtest-other{tag}");
    assert_eq!(
        other.prefix(),
        "scimtest-other%7Btag%7D",
        "a prefix cannot carry a hash tag"
    );
    store
        .create(&tenant, &users(), user("shared"))
        .await
        .unwrap();
    other
        .create(&tenant, &users(), user("shared"))
        .await
        .unwrap();
    let page = other
        .list(&tenant, &users(), &ListQuery::all(10))
        .await
        .unwrap();
    assert_eq!(page.total_results, 1);
    assert_eq!(store.purge_tenant(&tenant).await.unwrap(), 4);
    assert_eq!(other.purge_tenant(&tenant).await.unwrap(), 4);
}

/// A document that is not JSON is an error, never a panic.
#[tokio::test]
async fn a_corrupt_document_is_an_error() {
    let Some(store) = redis_store().await else {
        return;
    };
    let tenant = fresh_tenant("corrupt");
    let u = store
        .create(&tenant, &users(), user("victim"))
        .await
        .unwrap();
    let mut c = raw_conn().await;
    let key = format!("scimtest:{{{tenant}}}:User:r:{}", id_of(&u));
    raw(&mut c, &["SET", &key, "{not json"]).await;
    let r = store.get(&tenant, &users(), id_of(&u)).await;
    assert!(matches!(r, Err(StoreError::Unavailable(_))), "{r:?}");
    let r = store.list(&tenant, &users(), &ListQuery::all(10)).await;
    assert!(matches!(r, Err(StoreError::Unavailable(_))), "{r:?}");
    let r = store
        .replace(&tenant, &users(), id_of(&u), None, u.clone())
        .await;
    assert!(matches!(r, Err(StoreError::Unavailable(_))), "{r:?}");
    store.purge_tenant(&tenant).await.unwrap();
}

/// A resource without an id is refused before anything is written.
#[tokio::test]
async fn a_resource_without_id_is_refused() {
    let Some(store) = redis_store().await else {
        return;
    };
    let tenant = fresh_tenant("no-id");
    let mut u = user("nobody");
    u.as_object_mut().unwrap().remove("id");
    let r = store.create(&tenant, &users(), u).await;
    assert!(matches!(r, Err(StoreError::Query(_))), "{r:?}");
    assert_eq!(store.purge_tenant(&tenant).await.unwrap(), 0);
}

/// Uniqueness comes from the schema: a unique, caseExact extension
/// attribute conflicts only on an exact match, and is reported by name.
#[tokio::test]
async fn unique_extension_attribute_follows_its_case_rule() {
    use scim_core::schema::{AttrType, Attribute, Schema, Uniqueness};
    let Some(store) = redis_store().await else {
        return;
    };
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
    let schema = registry.view("User").unwrap();
    let tenant = fresh_tenant("badge");
    let with_badge = |name: &str, b: &str| {
        let mut u = user(name);
        u[URN] = json!({ "badge": b });
        u
    };
    store
        .create(&tenant, &schema, with_badge("a", "X-1"))
        .await
        .unwrap();
    let r = store.create(&tenant, &schema, with_badge("b", "X-1")).await;
    assert!(
        matches!(&r, Err(StoreError::Uniqueness { attribute }) if attribute == "badge"),
        "{r:?}"
    );
    store
        .create(&tenant, &schema, with_badge("c", "x-1"))
        .await
        .unwrap();
    let f = scim_filter::parse_filter(&format!(r#"{URN}:badge eq "x-1""#)).unwrap();
    let page = store
        .list(&tenant, &schema, &ListQuery::all(10).with_filter(f))
        .await
        .unwrap();
    assert_eq!(
        page.total_results, 1,
        "an indexed lookup under the exact case rule"
    );
    assert_eq!(page.resources[0]["userName"], "c");
    assert!(store
        .check_integrity(&tenant, &schema)
        .await
        .unwrap()
        .is_empty());
    store.purge_tenant(&tenant).await.unwrap();
}

/// The store keeps working after the server drops its connection: the
/// connection manager reconnects.
#[tokio::test]
async fn reconnects_after_the_connection_is_killed() {
    let Some(probe) = redis_store().await else {
        return;
    };
    drop(probe);
    let url = std::env::var("SCIM_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let client = redis::Client::open(url.as_deref().unwrap_or("redis://127.0.0.1:6379")).unwrap();
    let mut manager = redis::aio::ConnectionManager::new(client).await.unwrap();
    let client_id: i64 = redis::cmd("CLIENT")
        .arg("ID")
        .query_async(&mut manager)
        .await
        .unwrap();
    let store = scim_store_redis::RedisStore::from_manager(manager).with_prefix("scimtest");
    let tenant = fresh_tenant("reconnect");
    let u = store
        .create(&tenant, &users(), user("phoenix"))
        .await
        .unwrap();
    // Kill exactly the store's connection.
    let mut c = raw_conn().await;
    raw(&mut c, &["CLIENT", "KILL", "ID", &client_id.to_string()]).await;
    let mut got = None;
    for _ in 0..50 {
        match store.get(&tenant, &users(), id_of(&u)).await {
            Ok(v) => {
                got = v;
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    assert_eq!(got, Some(u), "a get must succeed again after reconnecting");
    store.purge_tenant(&tenant).await.unwrap();
}
