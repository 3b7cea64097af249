//! `list` paths the contract does not single out: scans in many small
//! batches and index lookups, each checked against the reference
//! executor over the same data; `member_of` on a folded index.

use crate::redis_store;
use scim_core::query::{execute, ListPage};
use scim_core::store::ResourceStore;
use scim_store_redis::RedisStore;
use scim_store_testkit::data::{fresh_tenant, group, groups, id_of, query, user, users};
use scim_store_testkit::{filter_dataset, FILTER_CASES};
use serde_json::{json, Value};

fn names(p: &ListPage) -> Vec<String> {
    p.resources
        .iter()
        .map(|r| {
            r["userName"]
                .as_str()
                .or(r["displayName"].as_str())
                .unwrap_or("?")
                .to_owned()
        })
        .collect()
}

async fn seed(store: &RedisStore, tenant: &str, data: &[Value]) {
    for r in data {
        let schema = if r.get("members").is_some() {
            groups()
        } else {
            users()
        };
        store.create(tenant, &schema, r.clone()).await.unwrap();
    }
}

/// Asserts the store and the reference agree on `params` over `data`.
async fn agree(
    store: &RedisStore,
    tenant: &str,
    data: &[Value],
    group_type: bool,
    params: &[(&str, &str)],
) {
    let schema = if group_type { groups() } else { users() };
    let q = query(&schema, params);
    let got = store.list(tenant, &schema, &q).await.unwrap();
    let want = execute(&schema, data.iter(), &q).unwrap();
    assert_eq!(
        (names(&got), got.total_results),
        (names(&want), want.total_results),
        "{params:?}"
    );
    assert_eq!(got, want, "{params:?}: whole resources");
}

/// Every filter case, sorted and unsorted, on several pages, with a batch
/// size of 3 so each scan crosses many batch edges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scans_in_small_batches_match_the_reference() {
    let Some(store) = redis_store().await else {
        return;
    };
    let store = store.with_batch_size(3);
    let tenant = fresh_tenant("batches");
    let mut data = filter_dataset();
    data.extend((0..14).map(|i| user(&format!("extra-{i:02}"))));
    seed(&store, &tenant, &data).await;
    for (filter, _) in FILTER_CASES {
        for (start, count) in [("1", "1000"), ("2", "3"), ("5", "2"), ("30", "5")] {
            agree(
                &store,
                &tenant,
                &data,
                false,
                &[("filter", filter), ("startIndex", start), ("count", count)],
            )
            .await;
            agree(
                &store,
                &tenant,
                &data,
                false,
                &[
                    ("filter", filter),
                    ("sortBy", "name.familyName"),
                    ("sortOrder", "descending"),
                    ("startIndex", start),
                    ("count", count),
                ],
            )
            .await;
        }
    }
    for (start, count) in [("1", "7"), ("4", "5"), ("19", "5"), ("1", "0")] {
        agree(
            &store,
            &tenant,
            &data,
            false,
            &[("startIndex", start), ("count", count)],
        )
        .await;
        agree(
            &store,
            &tenant,
            &data,
            false,
            &[
                ("sortBy", "userName"),
                ("startIndex", start),
                ("count", count),
            ],
        )
        .await;
    }
    store.purge_tenant(&tenant).await.unwrap();
}

/// Filters the indexes answer, alone and combined, agree with the
/// reference: case rules, paging and sorting included.
#[tokio::test]
async fn index_lookups_match_the_reference() {
    let Some(store) = redis_store().await else {
        return;
    };
    let tenant = fresh_tenant("lookups");
    let mut users_data = filter_dataset();
    users_data.push(user("extra"));
    seed(&store, &tenant, &users_data).await;
    let ids: Vec<String> = users_data.iter().map(|u| id_of(u).to_owned()).collect();
    let id0 = ids[0].clone();
    let id1 = ids[1].clone();
    let user_filters = [
        r#"userName eq "bjensen""#.to_owned(),
        r#"userName eq "BJENSEN""#.to_owned(),
        r#"userName eq "jsmith" or userName eq "ZED""#.to_owned(),
        r#"userName eq "alice" and active eq false"#.to_owned(),
        r#"externalId eq "EXT-1""#.to_owned(),
        r#"externalId eq "ext-1""#.to_owned(),
        r#"externalId eq "Ext-1""#.to_owned(),
        r#"externalId eq "EXT-1" or externalId eq "ext-1""#.to_owned(),
        format!(r#"id eq "{id0}""#),
        format!(r#"id eq "{}""#, id0.to_uppercase()),
        format!(r#"id eq "{id0}" or id eq "{id1}" or id eq "missing""#),
        format!(r#"id eq "{id1}" and userName eq "jsmith""#),
        format!(r#"id eq "{id1}" and userName eq "bjensen""#),
    ];
    for f in &user_filters {
        agree(&store, &tenant, &users_data, false, &[("filter", f)]).await;
        agree(
            &store,
            &tenant,
            &users_data,
            false,
            &[
                ("filter", f),
                ("sortBy", "userName"),
                ("sortOrder", "descending"),
            ],
        )
        .await;
        agree(
            &store,
            &tenant,
            &users_data,
            false,
            &[("filter", f), ("startIndex", "2"), ("count", "1")],
        )
        .await;
    }
    let groups_data = vec![
        group("G1", &[&id0, &id1]),
        group("G2", &[&id1]),
        group("G3", &[&id0.to_uppercase()]),
        group("G4", &[]),
    ];
    seed(&store, &tenant, &groups_data).await;
    let group_filters = [
        format!(r#"members[value eq "{id0}"]"#),
        format!(r#"members.value eq "{id1}""#),
        format!(r#"members[value eq "{id0}"] and members[value eq "{id1}"]"#),
        format!(r#"members[value eq "{id0}" or value eq "{id1}"]"#),
        format!(r#"members.value eq "{id1}" and displayName eq "G2""#),
        r#"members.value eq "nobody""#.to_owned(),
    ];
    for f in &group_filters {
        agree(&store, &tenant, &groups_data, true, &[("filter", f)]).await;
        agree(
            &store,
            &tenant,
            &groups_data,
            true,
            &[
                ("filter", f),
                ("sortBy", "displayName"),
                ("sortOrder", "descending"),
            ],
        )
        .await;
    }
    store.purge_tenant(&tenant).await.unwrap();
}

/// The members index is folded, but `member_of` compares ids exactly, and
/// keeps creation order.
#[tokio::test]
async fn member_of_is_exact_over_a_folded_index() {
    let Some(store) = redis_store().await else {
        return;
    };
    let tenant = fresh_tenant("member-of");
    let g1 = group("upper", &["Abc"]);
    let g2 = group("lower", &["abc"]);
    let g3 = group("both", &["abc", "ABC"]);
    seed(&store, &tenant, &[g1, g2, g3]).await;
    let r = store.member_of(&tenant, &groups(), "abc").await.unwrap();
    let got: Vec<&str> = r
        .iter()
        .map(|g| g["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(got, ["lower", "both"]);
    let r = store.member_of(&tenant, &groups(), "ABC").await.unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["displayName"], json!("both"));
    store.purge_tenant(&tenant).await.unwrap();
}

/// A filter or `sortBy` the schema rejects is a 400 query error on every
/// list path (index lookup, scan, sort-only scan).
#[tokio::test]
async fn invalid_filters_and_sorts_are_query_errors() {
    use scim_core::query::ListQuery;
    use scim_core::store::StoreError;
    let Some(store) = redis_store().await else {
        return;
    };
    let tenant = fresh_tenant("invalid-query");
    let schema = users();
    seed(&store, &tenant, &[user("bjensen")]).await;
    let filter = |f: &str| Some(scim_filter::parse_filter(f).unwrap());
    let sort = |p: &str| Some(scim_filter::parse_attr_path(p).unwrap());
    let cases = [
        // Unknown attribute, alone (scan) and beside an indexed term.
        (filter("nickname2 eq \"x\""), None),
        (filter("userName eq \"bjensen\" and nickname2 pr"), None),
        // An ordering comparison on a boolean.
        (filter("active gt true"), None),
        // Unknown sortBy, with and without a filter.
        (None, sort("nickname2")),
        (filter("userName pr"), sort("nickname2")),
    ];
    for (filter, sort_by) in cases {
        let q = ListQuery {
            filter,
            sort_by,
            ..ListQuery::default()
        };
        let r = store.list(&tenant, &schema, &q).await;
        match r {
            Err(StoreError::Query(e)) => assert_eq!(e.status(), 400, "{q:?}: {e}"),
            other => panic!("{q:?}: {other:?}"),
        }
    }
    store.purge_tenant(&tenant).await.unwrap();
}

/// A scan reads ids in windows of creation numbers sized from the
/// counter and the set's size. Deleting most resources unevenly leaves
/// windows with many ids (read in several batches), few, or none; every
/// filter, sorted or not and on several pages, still agrees with the
/// reference.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scans_over_uneven_gaps_match_the_reference() {
    let Some(store) = redis_store().await else {
        return;
    };
    let store = store.with_batch_size(3);
    let tenant = fresh_tenant("gaps");
    let mut data = filter_dataset();
    data.extend((0..40).map(|i| user(&format!("gap-{i:02}"))));
    seed(&store, &tenant, &data).await;
    // Keep the dataset and the first ten extras; of the rest, every 7th.
    let first_extra = data.len() - 40;
    let mut kept = Vec::new();
    for (i, r) in data.iter().enumerate() {
        let extra = i.checked_sub(first_extra);
        if extra.is_some_and(|e| e >= 10 && e % 7 != 0) {
            store
                .delete(&tenant, &users(), id_of(r), None)
                .await
                .unwrap();
        } else {
            kept.push(r.clone());
        }
    }
    for (filter, _) in FILTER_CASES {
        for (start, count) in [("1", "1000"), ("3", "4")] {
            agree(
                &store,
                &tenant,
                &kept,
                false,
                &[("filter", filter), ("startIndex", start), ("count", count)],
            )
            .await;
        }
    }
    for params in [
        &[("sortBy", "userName")][..],
        &[("filter", r#"userName sw "gap-""#)][..],
        &[("filter", r#"userName sw "gap-""#), ("startIndex", "5")][..],
        &[("filter", r#"userName ew "5""#), ("sortBy", "userName")][..],
    ] {
        agree(&store, &tenant, &kept, false, params).await;
    }
    store.purge_tenant(&tenant).await.unwrap();
}

/// A raw connection to the test server, for changing data behind the
/// store's back.
async fn raw_connection() -> redis::aio::MultiplexedConnection {
    let url = std::env::var("SCIM_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_owned());
    redis::Client::open(url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// Scan windows split creation numbers, but a score between two of them
/// (which `create` never writes) still falls in exactly one window: the
/// resource is read once, in its place in the order.
#[tokio::test]
async fn a_score_between_creation_numbers_is_read_once() {
    let Some(store) = redis_store().await else {
        return;
    };
    let store = store.with_batch_size(3);
    let tenant = fresh_tenant("odd-score");
    let data: Vec<Value> = (0..7).map(|i| user(&format!("odd-{i}"))).collect();
    seed(&store, &tenant, &data).await;
    // Windows are (-inf, 3], (3, 6], (6, +inf); 3.5 is in the second.
    let order = format!("{}:{{{tenant}}}:User:order", store.prefix());
    let _: usize = redis::cmd("ZADD")
        .arg(&order)
        .arg("XX")
        .arg(3.5)
        .arg(id_of(&data[0]))
        .query_async(&mut raw_connection().await)
        .await
        .unwrap();
    let moved: Vec<Value> = [1, 2, 0, 3, 4, 5, 6]
        .iter()
        .map(|&i| data[i].clone())
        .collect();
    for params in [
        &[("filter", r#"userName sw "odd-""#)][..],
        &[
            ("filter", r#"userName sw "odd-""#),
            ("startIndex", "3"),
            ("count", "2"),
        ][..],
    ] {
        agree(&store, &tenant, &moved, false, params).await;
    }
    store.purge_tenant(&tenant).await.unwrap();
}

/// A resource whose document is gone while its id is still listed (it was
/// deleted between the scan listing ids and reading documents) is left
/// out of the page and of `totalResults`, sorted or not.
#[tokio::test]
async fn a_document_gone_between_listing_and_reading_is_left_out() {
    let Some(store) = redis_store().await else {
        return;
    };
    let store = store.with_batch_size(2);
    let tenant = fresh_tenant("gone");
    let data: Vec<Value> = (0..7).map(|i| user(&format!("gone-{i}"))).collect();
    seed(&store, &tenant, &data).await;
    // Remove two documents behind the store's back: the order set still
    // lists them, as it would for a scan that listed them a moment before
    // they were deleted.
    let mut conn = raw_connection().await;
    let prefix = store.prefix().to_owned();
    for gone in [&data[1], &data[4]] {
        let key = format!("{prefix}:{{{tenant}}}:User:r:{}", id_of(gone));
        let removed: usize = redis::cmd("DEL")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(removed, 1, "{key}");
    }
    let kept: Vec<Value> = [0, 2, 3, 5, 6].iter().map(|&i| data[i].clone()).collect();
    for params in [
        &[("filter", r#"userName sw "gone-""#)][..],
        &[("filter", r#"userName sw "gone-""#), ("count", "2")][..],
        &[("filter", r#"userName sw "gone-""#), ("startIndex", "4")][..],
        &[("sortBy", "userName"), ("sortOrder", "descending")][..],
        &[("filter", "userName pr"), ("sortBy", "userName")][..],
    ] {
        agree(&store, &tenant, &kept, false, params).await;
    }
    store.purge_tenant(&tenant).await.unwrap();
}
