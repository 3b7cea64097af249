//! `list`: every filter operator pushed down, sorting and paging, each
//! checked against hand-written expectations and against
//! [`scim_core::query::execute`] over the same data.

use crate::crud::seed;
use crate::data::{query, user, user_with, users};
use crate::Store;
use scim_core::query::{execute, ListPage, ListQuery};
use serde_json::{json, Value};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Six users covering every attribute type the filter cases touch:
/// strings under both case rules, multi-valued complex `emails` with
/// `primary`, booleans (and an absent one), dateTimes in several offsets,
/// an extension attribute, and empty values.
pub fn filter_dataset() -> Vec<Value> {
    vec![
        user_with(
            "bjensen",
            json!({
                "name": {"givenName": "Barbara", "familyName": "Jensen"},
                "emails": [
                    {"value": "bjensen@example.com", "type": "work", "primary": true},
                    {"value": "babs@jensen.org", "type": "home"}
                ],
                "active": true,
                "title": "Tour Guide",
                "nickName": "Babs",
                "externalId": "EXT-1",
                "meta": {"lastModified": "2024-01-10T10:00:00Z"},
                ENTERPRISE: {"employeeNumber": "701"},
            }),
        ),
        user_with(
            "JSmith",
            json!({
                "name": {"givenName": "John", "familyName": "Smith"},
                "emails": [{"value": "john@example.org", "type": "work"}],
                "active": false,
                "title": "Engineer",
                "externalId": "ext-1",
                "meta": {"lastModified": "2024-03-01T00:00:00+02:00"},
                ENTERPRISE: {"employeeNumber": "702"},
            }),
        ),
        user_with(
            "alice",
            json!({
                "name": {"familyName": "Adams"},
                "active": true,
                "userType": "Employee",
                "externalId": "EXT-3",
                "meta": {"lastModified": "2023-12-31T23:59:59Z"},
            }),
        ),
        user_with(
            "Zed",
            json!({
                "emails": [{"value": "ZED@EXAMPLE.COM", "type": "work"}],
                "title": "",
                "nickName": "z",
                "meta": {"lastModified": "2024-06-15T12:00:00Z"},
            }),
        ),
        user_with(
            "mike",
            json!({
                "name": {"givenName": "Mike", "familyName": "jensen"},
                "emails": [
                    {"value": "m@example.com", "type": "other", "primary": true},
                    {"value": "mike@work.example.com", "type": "work"}
                ],
                "active": false,
                "title": "engineer",
                "meta": {"lastModified": "2024-01-10T10:00:00.5Z"},
            }),
        ),
        user_with(
            "o'brien",
            json!({
                "name": {"givenName": "Pat", "familyName": "O'Brien"},
                "active": true,
                "meta": {"lastModified": "2024-02-01T00:00:00-05:00"},
            }),
        ),
    ]
}

/// Each filter with the userNames it must select (any order).
pub const FILTER_CASES: &[(&str, &[&str])] = &[
    (r#"userName eq "BJENSEN""#, &["bjensen"]),
    (r#"externalId eq "ext-1""#, &["JSmith"]),
    (r#"externalId eq "EXT-1""#, &["bjensen"]),
    (r#"externalId co "ext""#, &["JSmith"]),
    (
        r#"userName ne "bjensen""#,
        &["JSmith", "alice", "Zed", "mike", "o'brien"],
    ),
    (r#"name.familyName co "ENS""#, &["bjensen", "mike"]),
    (r#"userName sw "j""#, &["JSmith"]),
    (r#"userName ew "N""#, &["bjensen", "o'brien"]),
    ("title pr", &["bjensen", "JSmith", "mike"]),
    ("nickName pr", &["bjensen", "Zed"]),
    (r#"userName gt "m""#, &["Zed", "mike", "o'brien"]),
    (r#"userName le "bjensen""#, &["bjensen", "alice"]),
    (
        r#"meta.lastModified gt "2024-01-10T10:00:00Z""#,
        &["JSmith", "Zed", "mike", "o'brien"],
    ),
    (
        r#"meta.lastModified ge "2024-01-10T10:00:00Z""#,
        &["bjensen", "JSmith", "Zed", "mike", "o'brien"],
    ),
    (
        r#"meta.lastModified lt "2024-02-01T05:00:00Z""#,
        &["bjensen", "alice", "mike"],
    ),
    (
        r#"meta.lastModified le "2024-02-01T10:00:00+05:00""#,
        &["bjensen", "alice", "mike", "o'brien"],
    ),
    ("active eq true", &["bjensen", "alice", "o'brien"]),
    ("active eq false", &["JSmith", "mike"]),
    ("active ne true", &["JSmith", "Zed", "mike"]),
    (
        r#"emails[type eq "work" and value co "example.com"]"#,
        &["bjensen", "Zed", "mike"],
    ),
    ("emails[primary eq true]", &["bjensen", "mike"]),
    (r#"emails co "example.org""#, &["JSmith"]),
    (r#"emails.type eq "home""#, &["bjensen"]),
    ("not (emails pr)", &["alice", "o'brien"]),
    (r#"userName sw "b" or userName sw "Z""#, &["bjensen", "Zed"]),
    (r#"title pr and not (title eq "ENGINEER")"#, &["bjensen"]),
    (
        r#"name.familyName eq "jensen" and (active eq false or title co "guide")"#,
        &["bjensen", "mike"],
    ),
    (
        r#"(userName eq "alice" or userName eq "mike") and active eq true"#,
        &["alice"],
    ),
    (
        r#"name.givenName sw "J" or not (name pr)"#,
        &["JSmith", "Zed"],
    ),
    (r#"userType eq "employee""#, &["alice"]),
    (
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "702""#,
        &["JSmith"],
    ),
    (
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber pr",
        &["bjensen", "JSmith"],
    ),
    (
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "alice""#,
        &["alice"],
    ),
    (
        r#"meta.resourceType eq "User""#,
        &["bjensen", "JSmith", "alice", "Zed", "mike", "o'brien"],
    ),
    (r#"userName eq "nobody""#, &[]),
];

fn user_names(resources: &[Value]) -> Vec<String> {
    resources
        .iter()
        .map(|r| r["userName"].as_str().unwrap_or("<no userName>").to_owned())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The store's answer and the reference executor's answer to one query.
async fn both(store: &Store, tenant: &str, data: &[Value], q: &ListQuery) -> (ListPage, ListPage) {
    let schema = users();
    let got = match store.list(tenant, &schema, q).await {
        Ok(p) => p,
        Err(e) => panic!("list {q:?} failed: {e:?}"),
    };
    let want = match execute(&schema, data.iter(), q) {
        Ok(p) => p,
        Err(e) => panic!("the reference executor rejected {q:?}: {e}"),
    };
    (got, want)
}

/// Every comparison operator (eq ne co sw ew gt ge lt le pr), `and`, `or`,
/// `not`, value filters, URN-qualified paths, both case rules, dateTimes
/// across offsets and booleans, pushed down through `list`.
pub async fn filter_operators(store: &Store, tenant: &str) {
    let data = filter_dataset();
    seed(store, tenant, &data).await;
    for (filter, expected) in FILTER_CASES {
        let q = query(&users(), &[("filter", filter), ("count", "1000")]);
        let (got, want) = both(store, tenant, &data, &q).await;
        let expected = sorted(expected.iter().map(|s| (*s).to_owned()).collect());
        assert_eq!(
            sorted(user_names(&want.resources)),
            expected,
            "the reference executor disagrees with the expectation for filter {filter}"
        );
        assert_eq!(
            sorted(user_names(&got.resources)),
            expected,
            "store selected the wrong resources for filter {filter}"
        );
        assert_eq!(
            got.total_results,
            expected.len(),
            "totalResults for filter {filter}"
        );
    }
}

/// Sorting: ascending and descending on strings (caseExact false, so case
/// is ignored), on dateTimes across offsets, on a multi-valued attribute
/// (primary value, else first), and on a URN path; resources without the
/// value sort last ascending and first descending.
pub async fn sorting(store: &Store, tenant: &str) {
    let data = filter_dataset();
    seed(store, tenant, &data).await;
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "userName",
            "ascending",
            &["alice", "bjensen", "JSmith", "mike", "o'brien", "Zed"],
        ),
        (
            "userName",
            "descending",
            &["Zed", "o'brien", "mike", "JSmith", "bjensen", "alice"],
        ),
        (
            "meta.lastModified",
            "ascending",
            &["alice", "bjensen", "mike", "o'brien", "JSmith", "Zed"],
        ),
        (
            "meta.lastModified",
            "descending",
            &["Zed", "JSmith", "o'brien", "mike", "bjensen", "alice"],
        ),
        // Absent titles ("" counts as absent) last when ascending, in input
        // order; "Engineer" and "engineer" tie (input order kept).
        (
            "title",
            "ascending",
            &["JSmith", "mike", "bjensen", "alice", "Zed", "o'brien"],
        ),
        (
            "title",
            "descending",
            &["alice", "Zed", "o'brien", "bjensen", "JSmith", "mike"],
        ),
        // Primary email, else the first.
        (
            "emails",
            "ascending",
            &["bjensen", "JSmith", "mike", "Zed", "alice", "o'brien"],
        ),
        (
            "emails.value",
            "descending",
            &["alice", "o'brien", "Zed", "mike", "JSmith", "bjensen"],
        ),
        (
            "name.familyName",
            "ascending",
            &["alice", "bjensen", "mike", "o'brien", "JSmith", "Zed"],
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            "descending",
            &["alice", "Zed", "mike", "o'brien", "JSmith", "bjensen"],
        ),
    ];
    for (sort_by, order, expected) in cases {
        let q = query(&users(), &[("sortBy", sort_by), ("sortOrder", order)]);
        let (got, want) = both(store, tenant, &data, &q).await;
        assert_eq!(
            user_names(&want.resources),
            *expected,
            "the reference executor disagrees with the expectation for sortBy={sort_by} {order}"
        );
        assert_eq!(
            user_names(&got.resources),
            *expected,
            "store sorted wrongly for sortBy={sort_by} sortOrder={order}"
        );
    }
    // A filter and a sort together.
    let q = query(
        &users(),
        &[
            ("filter", "active pr"),
            ("sortBy", "userName"),
            ("sortOrder", "descending"),
        ],
    );
    let (got, _) = both(store, tenant, &data, &q).await;
    assert_eq!(
        user_names(&got.resources),
        ["o'brien", "mike", "JSmith", "bjensen", "alice"],
        "filter and sort together"
    );
}

/// Paging: pages of `count` from `startIndex` tile the whole result with
/// no gaps or repeats (with and without a sort), `totalResults` counts all
/// matches, `count` 0 returns only the total, and a start past the end is
/// an empty page.
pub async fn paging(store: &Store, tenant: &str) {
    let data: Vec<Value> = (0..23)
        .map(|i| user(&format!("page-user-{i:02}")))
        .collect();
    seed(store, tenant, &data).await;
    let all: Vec<String> = user_names(&data);
    // Unsorted: creation order.
    let q = ListQuery::all(1000);
    let (got, _) = both(store, tenant, &data, &q).await;
    assert_eq!(
        user_names(&got.resources),
        all,
        "an unsorted list must be in creation order"
    );
    for sort in [None, Some("descending")] {
        let mut seen = Vec::new();
        let mut start = 1;
        loop {
            let start_s = start.to_string();
            let mut params = vec![("startIndex", start_s.as_str()), ("count", "5")];
            if let Some(order) = sort {
                params.push(("sortBy", "userName"));
                params.push(("sortOrder", order));
            }
            let q = query(&users(), &params);
            let (got, want) = both(store, tenant, &data, &q).await;
            assert_eq!(
                got.total_results, 23,
                "totalResults on every page (startIndex {start})"
            );
            assert_eq!(
                user_names(&got.resources),
                user_names(&want.resources),
                "page at startIndex {start} (sort {sort:?})"
            );
            if got.resources.is_empty() {
                break;
            }
            assert!(got.resources.len() <= 5, "a page must not exceed count");
            seen.extend(user_names(&got.resources));
            start += 5;
        }
        let mut expected = all.clone();
        if sort.is_some() {
            expected.reverse();
        }
        assert_eq!(seen, expected, "pages must tile the result (sort {sort:?})");
    }
    let q = query(&users(), &[("count", "0")]);
    let (got, _) = both(store, tenant, &data, &q).await;
    assert!(
        got.resources.is_empty() && got.total_results == 23,
        "count 0 returns only totalResults; got {} resources, total {}",
        got.resources.len(),
        got.total_results
    );
    let q = query(&users(), &[("startIndex", "100"), ("count", "10")]);
    let (got, _) = both(store, tenant, &data, &q).await;
    assert!(
        got.resources.is_empty() && got.total_results == 23,
        "a start past the end is an empty page with the full total"
    );
    let q = query(&users(), &[("startIndex", "21"), ("count", "10")]);
    let (got, _) = both(store, tenant, &data, &q).await;
    assert_eq!(
        user_names(&got.resources),
        all[20..],
        "the last, partial page"
    );
    let q = query(
        &users(),
        &[
            ("filter", r#"userName ew "1""#),
            ("startIndex", "2"),
            ("count", "1"),
        ],
    );
    let (got, _) = both(store, tenant, &data, &q).await;
    assert_eq!(
        got.total_results, 3,
        "totalResults counts the filter's matches (01, 11, 21)"
    );
    assert_eq!(
        user_names(&got.resources),
        ["page-user-11"],
        "paging within a filter"
    );
}
