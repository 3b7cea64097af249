//! List queries: parameter and SearchRequest parsing, validation against
//! the schema, paging, sorting, cursors, and the ListResponse body.

#![allow(clippy::unwrap_used, clippy::type_complexity)]

use scim_core::query::{
    execute, ListPage, ListQuery, ListRequest, ListResponse, PagingMode, QueryLimits,
};
use scim_core::schema::ResourceSchema;
use scim_core::{Registry, ScimError, ScimType};
use scim_filter::SortOrder;
use serde_json::{json, Value};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(Registry::with_builtins)
}

fn users() -> ResourceSchema<'static> {
    registry().view("User").unwrap()
}

fn groups() -> ResourceSchema<'static> {
    registry().view("Group").unwrap()
}

fn pairs(params: &[(&str, &str)]) -> Result<ListRequest, ScimError> {
    ListRequest::from_query_pairs(params.iter().copied())
}

fn build(params: &[(&str, &str)]) -> Result<(ListQuery, PagingMode), ScimError> {
    pairs(params)?.to_list_query(&users(), &QueryLimits::default())
}

fn kind<T: std::fmt::Debug>(r: Result<T, ScimError>) -> (u16, Option<ScimType>) {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => (e.status(), e.scim_type()),
    }
}

// ---------------------------------------------------------------- parsing

#[test]
fn query_parameters_case_insensitive_names() {
    let r = pairs(&[
        ("FILTER", "userName eq \"bjensen\""),
        ("sortby", "userName"),
        ("SortOrder", "Descending"),
        ("STARTINDEX", "3"),
        ("Count", "7"),
        ("attributes", "userName, name.familyName"),
        ("excludedattributes", "emails"),
        ("unknownParam", "ignored"),
    ])
    .unwrap();
    assert_eq!(r.filter.as_deref(), Some("userName eq \"bjensen\""));
    assert_eq!(r.sort_by.as_deref(), Some("userName"));
    assert_eq!(r.sort_order, Some(SortOrder::Descending));
    assert_eq!((r.start_index, r.count), (Some(3), Some(7)));
    assert_eq!(r.attributes, ["userName", "name.familyName"]);
    assert_eq!(r.excluded_attributes, ["emails"]);
    assert!(!r.is_cursor_mode());
}

#[test]
fn raw_query_string_is_decoded() {
    let r = ListRequest::from_query(
        "?filter=userName%20eq%20%22bj%C3%A9nsen%22+and+active+eq+true&count=2&cursor",
    )
    .unwrap();
    assert_eq!(
        r.filter.as_deref(),
        Some("userName eq \"bjénsen\" and active eq true")
    );
    assert_eq!(r.count, Some(2));
    assert_eq!(
        r.cursor.as_deref(),
        Some(""),
        "a bare `cursor` asks for the first page"
    );
    assert_eq!(
        kind(ListRequest::from_query("filter=%zz")),
        (400, Some(ScimType::InvalidValue))
    );
}

#[test]
fn shape_errors_have_the_right_keyword() {
    let cases: &[(&[(&str, &str)], ScimType)] = &[
        (&[("startIndex", "one")], ScimType::InvalidValue),
        (&[("startIndex", "1.5")], ScimType::InvalidValue),
        (&[("count", "ten")], ScimType::InvalidValue),
        (&[("count", "")], ScimType::InvalidValue),
        (&[("sortOrder", "up")], ScimType::InvalidValue),
        (&[("count", "1"), ("COUNT", "2")], ScimType::InvalidValue),
        (
            &[("filter", "a pr"), ("filter", "b pr")],
            ScimType::InvalidValue,
        ),
        // In cursor mode a bad count is RFC 9865's invalidCount.
        (&[("cursor", ""), ("count", "ten")], ScimType::InvalidCount),
        (&[("count", "x"), ("cursor", "")], ScimType::InvalidCount),
    ];
    for (params, want) in cases {
        assert_eq!(kind(pairs(params)), (400, Some(*want)), "{params:?}");
    }
}

/// RFC 7644 §3.4.3, Figure 5.
#[test]
fn search_request_rfc_example() {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "attributes": ["displayName", "userName"],
        "filter": "displayName sw \"smith\"",
        "startIndex": 1,
        "count": 10
    });
    let r = ListRequest::from_search_request(&body).unwrap();
    assert_eq!(r.attributes, ["displayName", "userName"]);
    assert_eq!(r.filter.as_deref(), Some("displayName sw \"smith\""));
    assert_eq!((r.start_index, r.count), (Some(1), Some(10)));
    let (q, paging) = r.to_list_query(&users(), &QueryLimits::default()).unwrap();
    assert_eq!((q.start_index, q.count), (1, 10));
    assert_eq!(paging, PagingMode::Index);
}

#[test]
fn search_request_members() {
    let body = json!({
        "sortBy": "userName",
        "SORTORDER": "descending",
        "excludedAttributes": "emails,title",
        "count": "5",
        "cursor": "",
        "filter": null,
    });
    let r = ListRequest::from_search_request(&body).unwrap();
    assert_eq!(r.sort_order, Some(SortOrder::Descending));
    assert_eq!(r.excluded_attributes, ["emails", "title"]);
    assert_eq!(r.count, Some(5));
    assert!(r.is_cursor_mode());
    assert_eq!(r.filter, None);
}

#[test]
fn search_request_errors() {
    let cases = [
        (json!([]), ScimType::InvalidSyntax),
        (json!("filter"), ScimType::InvalidSyntax),
        (
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}),
            ScimType::InvalidSyntax,
        ),
        (
            json!({"schemas": "urn:ietf:params:scim:api:messages:2.0:SearchRequest"}),
            ScimType::InvalidSyntax,
        ),
        (json!({"filter": 3}), ScimType::InvalidSyntax),
        (json!({"attributes": [1]}), ScimType::InvalidSyntax),
        (json!({"attributes": {"a": 1}}), ScimType::InvalidSyntax),
        (json!({"startIndex": "x"}), ScimType::InvalidValue),
        (json!({"count": 2.5}), ScimType::InvalidValue),
        (json!({"count": true}), ScimType::InvalidValue),
        (json!({"cursor": "", "count": -1}), ScimType::InvalidValue),
        (json!({"sortOrder": "sideways"}), ScimType::InvalidValue),
    ];
    for (body, want) in cases {
        let r = ListRequest::from_search_request(&body)
            .and_then(|r| r.to_list_query(&users(), &QueryLimits::default()));
        let got = kind(r);
        // A negative count in cursor mode parses (it is an integer) and is
        // then refused as invalidCount.
        let want = if body.get("cursor").is_some() {
            ScimType::InvalidCount
        } else {
            want
        };
        assert_eq!(got, (400, Some(want)), "{body}");
    }
    // The schema URN is matched case-insensitively; absent schemas are
    // accepted.
    let ok = json!({"schemas": ["URN:IETF:PARAMS:SCIM:API:MESSAGES:2.0:SEARCHREQUEST"]});
    assert!(ListRequest::from_search_request(&ok).is_ok());
    assert!(ListRequest::from_search_request(&json!({})).is_ok());
}

// ------------------------------------------------------------- validation

#[test]
fn filter_errors_are_invalid_filter() {
    let long = format!("userName eq \"{}\"", "x".repeat(9000));
    let deep = format!("{}userName pr{}", "(".repeat(70), ")".repeat(70));
    for f in [
        "userName eq",
        "userName xx \"a\"",
        "(userName pr",
        "",
        "noSuchAttribute eq \"x\"",
        "name.noSuchSub pr",
        "urn:example:unknown:2.0:User:userName pr",
        "active gt true",
        long.as_str(),
        deep.as_str(),
    ] {
        assert_eq!(
            kind(build(&[("filter", f)])),
            (400, Some(ScimType::InvalidFilter)),
            "{f:.60}"
        );
    }
    let e = build(&[("filter", "userName eq")]).unwrap_err();
    assert!(
        e.detail().contains("offset"),
        "the parse error text is passed on: {}",
        e.detail()
    );
}

#[test]
fn filter_limits_are_configurable() {
    let limits = QueryLimits::default()
        .with_max_filter_len(20)
        .with_max_filter_depth(1);
    let check = |f: &str| {
        pairs(&[("filter", f)])
            .unwrap()
            .to_list_query(&users(), &limits)
            .map(|_| ())
    };
    assert!(check("userName pr").is_ok());
    assert!(check("(userName pr)").is_ok());
    assert_eq!(
        kind(check("((userName pr))")),
        (400, Some(ScimType::InvalidFilter))
    );
    assert_eq!(
        kind(check("userName eq \"abcdefghij\"")),
        (400, Some(ScimType::InvalidFilter))
    );
}

#[test]
fn sort_by_errors_are_invalid_value() {
    for s in [
        "noSuch",
        "name",
        "name.noSuch",
        "userName.x",
        "user name",
        "",
    ] {
        assert_eq!(
            kind(build(&[("sortBy", s)])),
            (400, Some(ScimType::InvalidValue)),
            "sortBy={s:?}"
        );
    }
    for s in [
        "userName",
        "USERNAME",
        "name.familyName",
        "emails",
        "emails.value",
        "meta.lastModified",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    ] {
        assert!(build(&[("sortBy", s)]).is_ok(), "sortBy={s}");
    }
}

#[test]
fn index_paging_clamps() {
    let cases: &[(&[(&str, &str)], (usize, usize))] = &[
        (&[], (1, 100)),
        (&[("startIndex", "0")], (1, 100)),
        (&[("startIndex", "-5")], (1, 100)),
        (&[("startIndex", "7")], (7, 100)),
        (&[("count", "0")], (1, 0)),
        (&[("count", "-3")], (1, 0)),
        (&[("count", "1000")], (1, 1000)),
        (&[("count", "1001")], (1, 1000)),
        (&[("count", "99999999999999999999")], (1, 1000)),
    ];
    for (params, want) in cases {
        let (q, mode) = build(params).unwrap();
        assert_eq!((q.start_index, q.count), *want, "{params:?}");
        assert_eq!(mode, PagingMode::Index);
    }
    let limits = QueryLimits::default()
        .with_default_page_size(10)
        .with_max_page_size(20);
    let (q, _) = pairs(&[])
        .unwrap()
        .to_list_query(&users(), &limits)
        .unwrap();
    assert_eq!(q.count, 10);
    let (q, _) = pairs(&[("count", "50")])
        .unwrap()
        .to_list_query(&users(), &limits)
        .unwrap();
    assert_eq!(q.count, 20);
}

#[test]
fn cursor_paging_errors() {
    let cases: &[(&[(&str, &str)], ScimType)] = &[
        (
            &[("cursor", ""), ("startIndex", "1")],
            ScimType::InvalidValue,
        ),
        (&[("cursor", ""), ("count", "1001")], ScimType::InvalidCount),
        (&[("cursor", ""), ("count", "-1")], ScimType::InvalidCount),
        (&[("cursor", "not-a-cursor")], ScimType::InvalidCursor),
        (&[("cursor", "00")], ScimType::InvalidCursor),
    ];
    for (params, want) in cases {
        assert_eq!(kind(build(params)), (400, Some(*want)), "{params:?}");
    }
    let (q, mode) = build(&[("cursor", ""), ("count", "1000")]).unwrap();
    assert_eq!((q.start_index, q.count), (1, 1000));
    assert!(matches!(mode, PagingMode::Cursor(_)));
}

// -------------------------------------------------------------- executing

fn people() -> Vec<Value> {
    vec![
        json!({"id": "1", "userName": "carol", "externalId": "b", "title": "Eng",
               "emails": [{"value": "z@x.com"}, {"value": "c@x.com", "primary": true}],
               "meta": {"lastModified": "2024-05-01T00:00:00Z"}}),
        json!({"id": "2", "userName": "Alice", "externalId": "B",
               "emails": [{"value": "a@x.com"}],
               "meta": {"lastModified": "2024-05-01T01:00:00+02:00"}}),
        json!({"id": "3", "userName": "bob", "externalId": "a", "title": "eng",
               "meta": {"lastModified": "2024-04-30T23:30:00Z"}}),
        json!({"id": "4", "userName": "dave", "title": "Boss",
               "emails": [{"value": "d@x.com"}, {"value": "b@x.com"}]}),
        json!({"id": "5", "userName": "Eve", "externalId": "A", "title": ""}),
    ]
}

fn ids(page: &ListPage) -> Vec<&str> {
    page.resources
        .iter()
        .map(|r| r["id"].as_str().unwrap_or("?"))
        .collect()
}

fn run(params: &[(&str, &str)]) -> ListPage {
    let (q, _) = build(params).unwrap();
    execute(&users(), people().iter(), &q).unwrap()
}

#[test]
fn sorting_rules() {
    let cases: &[(&str, &str, &[&str])] = &[
        // caseExact false: case ignored.
        ("userName", "ascending", &["2", "3", "1", "4", "5"]),
        ("userName", "descending", &["5", "4", "1", "3", "2"]),
        // caseExact true (externalId): upper case before lower case;
        // absent last ascending, first descending.
        ("externalId", "ascending", &["5", "2", "3", "1", "4"]),
        ("externalId", "descending", &["4", "1", "3", "2", "5"]),
        // Ties ("Eng"/"eng") keep input order both ways; "" is absent.
        ("title", "ascending", &["4", "1", "3", "2", "5"]),
        ("title", "descending", &["2", "5", "1", "3", "4"]),
        // Multi-valued: primary value, else the first.
        ("emails", "ascending", &["2", "1", "4", "3", "5"]),
        ("emails.value", "descending", &["3", "5", "4", "1", "2"]),
        // dateTime as instants: 01:00+02:00 is 23:00Z the day before.
        ("meta.lastModified", "ascending", &["2", "3", "1", "4", "5"]),
    ];
    for (by, order, want) in cases {
        let page = run(&[("sortBy", by), ("sortOrder", order)]);
        assert_eq!(ids(&page), *want, "sortBy={by} {order}");
    }
    // sortOrder without sortBy changes nothing; no sortBy keeps input order.
    assert_eq!(
        ids(&run(&[("sortOrder", "descending")])),
        ["1", "2", "3", "4", "5"]
    );
}

#[test]
fn paging_edge_cases() {
    let cases: &[(&[(&str, &str)], &[&str])] = &[
        (&[("count", "2")], &["1", "2"]),
        (&[("startIndex", "2"), ("count", "2")], &["2", "3"]),
        (&[("startIndex", "4"), ("count", "10")], &["4", "5"]),
        (&[("startIndex", "5")], &["5"]),
        (&[("startIndex", "6")], &[]),
        (&[("startIndex", "1000000")], &[]),
        (&[("count", "0")], &[]),
        (&[("count", "-1")], &[]),
        (&[("startIndex", "-1"), ("count", "1")], &["1"]),
        (
            &[("sortBy", "userName"), ("startIndex", "2"), ("count", "2")],
            &["3", "1"],
        ),
    ];
    for (params, want) in cases {
        let page = run(params);
        assert_eq!(ids(&page), *want, "{params:?}");
        assert_eq!(page.total_results, 5, "{params:?}");
    }
    let page = run(&[("filter", "title pr"), ("count", "1"), ("startIndex", "2")]);
    assert_eq!((ids(&page), page.total_results), (vec!["3"], 3));
}

/// A resource held with its packed form, as the memory store holds it.
struct Packed {
    value: Value,
    packed: scim_filter::PackedValue,
}

impl scim_core::query::Candidate for Packed {
    fn value(&self) -> &Value {
        &self.value
    }
    fn packed(&self) -> Option<&scim_filter::PackedValue> {
        Some(&self.packed)
    }
}

/// Filtering keeps exactly the matches wherever they stand (first, last,
/// none, all), sorted or not, over plain and packed resources (whose scan
/// prefetches the next resource while testing the current one).
#[test]
fn execute_keeps_exactly_the_matches() {
    let packed: Vec<Packed> = people()
        .into_iter()
        .map(|value| Packed {
            packed: scim_filter::PackedValue::new(&value),
            value,
        })
        .collect();
    let cases: &[(&str, &[&str])] = &[
        ("id eq \"1\"", &["1"]),
        ("id eq \"5\"", &["5"]),
        ("id eq \"1\" or id eq \"5\"", &["1", "5"]),
        ("userName eq \"nobody\"", &[]),
        ("userName pr", &["1", "2", "3", "4", "5"]),
        ("title pr", &["1", "3", "4"]),
    ];
    for (filter, want) in cases {
        for sort in [None, Some("id")] {
            let mut params = vec![("filter", *filter)];
            params.extend(sort.map(|by| ("sortBy", by)));
            let (q, _) = build(&params).unwrap();
            let plain = execute(&users(), people().iter(), &q).unwrap();
            let from_packed = execute(&users(), packed.iter(), &q).unwrap();
            for page in [&plain, &from_packed] {
                assert_eq!(ids(page), *want, "{filter} sorted by {sort:?}");
                assert_eq!(page.total_results, want.len(), "{filter}");
            }
        }
    }
}

#[test]
fn execute_rejects_what_the_schema_does_not_define() {
    let q = ListQuery::all(10).with_filter(scim_filter::parse_filter("nope pr").unwrap());
    let e = execute(&users(), people().iter(), &q).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidFilter));
    let q = ListQuery::all(10).with_sort(scim_filter::AttrPath::new("nope"), SortOrder::Ascending);
    let e = execute(&users(), people().iter(), &q).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
}

// ------------------------------------------------------- responses, cursors

#[test]
fn index_mode_response() {
    let (q, paging) = build(&[("startIndex", "2"), ("count", "2")]).unwrap();
    let page = execute(&users(), people().iter(), &q).unwrap();
    let body = ListResponse::new(page, &q, &paging).to_json();
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );
    assert_eq!(body["totalResults"], 5);
    assert_eq!(body["itemsPerPage"], 2);
    assert_eq!(body["startIndex"], 2);
    assert_eq!(body["Resources"].as_array().map(Vec::len), Some(2));
    assert!(body.get("nextCursor").is_none());
}

#[test]
fn empty_response_has_empty_resources() {
    let (q, paging) = build(&[("filter", "userName eq \"nobody\"")]).unwrap();
    let page = execute(&users(), people().iter(), &q).unwrap();
    let body = ListResponse::new(page, &q, &paging).to_json();
    assert_eq!(body["totalResults"], 0);
    assert_eq!(body["itemsPerPage"], 0);
    assert_eq!(body["Resources"], json!([]));
}

#[test]
fn projection_applies_to_every_resource() {
    let req = pairs(&[("attributes", "userName")]).unwrap();
    let (q, paging) = req
        .to_list_query(&users(), &QueryLimits::default())
        .unwrap();
    let projection = req.projection(&users()).unwrap();
    let page = execute(&users(), people().iter(), &q).unwrap();
    let body = ListResponse::new(page, &q, &paging)
        .project(&projection)
        .to_json();
    for r in body["Resources"].as_array().unwrap() {
        assert!(r.get("userName").is_some() && r.get("id").is_some(), "{r}");
        assert!(r.get("title").is_none() && r.get("emails").is_none(), "{r}");
    }
    let bad = pairs(&[("attributes", "nope")])
        .unwrap()
        .projection(&users());
    assert_eq!(kind(bad), (400, Some(ScimType::InvalidValue)));
}

struct Client {
    params: Vec<(String, String)>,
    now: SystemTime,
    limits: QueryLimits,
    schema: ResourceSchema<'static>,
}

impl Client {
    fn new(params: &[(&str, &str)]) -> Self {
        Client {
            params: params
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            now: SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
            limits: QueryLimits::default(),
            schema: users(),
        }
    }

    /// One request with `cursor`: the body, or the error.
    fn page(&self, cursor: &str) -> Result<Value, ScimError> {
        let mut params: Vec<(&str, &str)> = self
            .params
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        params.push(("cursor", cursor));
        let (q, paging) = pairs(&params)?.to_list_query_at(&self.schema, &self.limits, self.now)?;
        let page = execute(&self.schema, people().iter(), &q)?;
        Ok(ListResponse::new(page, &q, &paging).to_json())
    }
}

fn body_ids(body: &Value) -> Vec<String> {
    body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

fn cursor(body: &Value, which: &str) -> Option<String> {
    body.get(which).and_then(Value::as_str).map(str::to_owned)
}

#[test]
fn cursor_round_trip() {
    let c = Client::new(&[("sortBy", "userName"), ("count", "2")]);
    let p1 = c.page("").unwrap();
    assert_eq!(body_ids(&p1), ["2", "3"]);
    assert_eq!(p1["totalResults"], 5);
    assert!(
        p1.get("startIndex").is_none(),
        "cursor mode has no startIndex"
    );
    assert!(
        cursor(&p1, "previousCursor").is_none(),
        "the first page has no previous"
    );
    let p2 = c.page(&cursor(&p1, "nextCursor").unwrap()).unwrap();
    assert_eq!(body_ids(&p2), ["1", "4"]);
    let p3 = c.page(&cursor(&p2, "nextCursor").unwrap()).unwrap();
    assert_eq!(body_ids(&p3), ["5"]);
    assert!(
        cursor(&p3, "nextCursor").is_none(),
        "the last page has no next"
    );
    let back = c.page(&cursor(&p3, "previousCursor").unwrap()).unwrap();
    assert_eq!(body_ids(&back), ["1", "4"]);
    let back = c.page(&cursor(&back, "previousCursor").unwrap()).unwrap();
    assert_eq!(body_ids(&back), ["2", "3"]);
    // The count may change between pages.
    let c3 = Client::new(&[("sortBy", "userName"), ("count", "3")]);
    let p = c3.page(&cursor(&p1, "nextCursor").unwrap()).unwrap();
    assert_eq!(body_ids(&p), ["1", "4", "5"]);
}

#[test]
fn cursor_count_zero_and_filter() {
    let c = Client::new(&[("count", "0")]);
    let p = c.page("").unwrap();
    assert_eq!(p["totalResults"], 5);
    assert!(cursor(&p, "nextCursor").is_none() && cursor(&p, "previousCursor").is_none());
    let c = Client::new(&[("filter", "title pr"), ("count", "1")]);
    let mut seen = Vec::new();
    let mut next = Some(String::new());
    while let Some(token) = next {
        let p = c.page(&token).unwrap();
        seen.extend(body_ids(&p));
        next = cursor(&p, "nextCursor");
    }
    assert_eq!(seen, ["1", "3", "4"]);
}

#[test]
fn cursor_tampering_and_misuse() {
    let c = Client::new(&[
        ("filter", "userName pr"),
        ("sortBy", "userName"),
        ("count", "2"),
    ]);
    let next = cursor(&c.page("").unwrap(), "nextCursor").unwrap();
    assert!(c.page(&next).is_ok());
    // Every one-character edit is caught.
    for i in 0..next.len() {
        let mut t = next.clone().into_bytes();
        t[i] = if t[i] == b'f' { b'e' } else { b'f' };
        let t = String::from_utf8(t).unwrap();
        assert_eq!(
            kind(c.page(&t)),
            (400, Some(ScimType::InvalidCursor)),
            "edit at {i}"
        );
    }
    assert_eq!(
        kind(c.page(&next[..next.len() - 2])),
        (400, Some(ScimType::InvalidCursor))
    );
    // A cursor belongs to its filter, sort and resource type.
    let others = [
        Client::new(&[
            ("filter", "userName pr and title pr"),
            ("sortBy", "userName"),
            ("count", "2"),
        ]),
        Client::new(&[("filter", "userName pr"), ("count", "2")]),
        Client::new(&[
            ("filter", "userName pr"),
            ("sortBy", "title"),
            ("count", "2"),
        ]),
        Client::new(&[
            ("filter", "userName pr"),
            ("sortBy", "userName"),
            ("sortOrder", "descending"),
        ]),
    ];
    for other in &others {
        assert_eq!(
            kind(other.page(&next)),
            (400, Some(ScimType::InvalidCursor)),
            "{:?}",
            other.params
        );
    }
    // ... and its resource type: same (empty) filter and sort, other type.
    let user_next = cursor(
        &Client::new(&[("count", "2")]).page("").unwrap(),
        "nextCursor",
    )
    .unwrap();
    let mut on_groups = Client::new(&[("count", "2")]);
    on_groups.schema = groups();
    assert_eq!(
        kind(on_groups.page(&user_next)),
        (400, Some(ScimType::InvalidCursor))
    );
    // Spelling differences that do not change the query keep the cursor.
    let same = Client::new(&[
        ("filter", "userName  pr"),
        ("sortBy", "USERNAME"),
        ("sortOrder", "ASCENDING"),
    ]);
    assert!(same.page(&next).is_ok());
}

#[test]
fn cursor_expiry() {
    let mut c = Client::new(&[("count", "2")]);
    let next = cursor(&c.page("").unwrap(), "nextCursor").unwrap();
    let issued = c.now;
    c.now = issued + Duration::from_secs(600);
    assert!(c.page(&next).is_ok(), "valid for the whole lifetime");
    c.now = issued + Duration::from_secs(601);
    assert_eq!(kind(c.page(&next)), (400, Some(ScimType::ExpiredCursor)));
    c.limits = QueryLimits::default().with_cursor_lifetime(Duration::from_secs(3600));
    assert!(c.page(&next).is_ok(), "the lifetime is configurable");
    c.now = issued - Duration::from_secs(3600);
    assert_eq!(
        kind(c.page(&next)),
        (400, Some(ScimType::InvalidCursor)),
        "a cursor from the future is not ours"
    );
}

#[test]
fn error_bodies_carry_the_keyword() {
    let e = build(&[("filter", "userName eq")]).unwrap_err();
    let body = e.to_json();
    assert_eq!(body["status"], "400");
    assert_eq!(body["scimType"], "invalidFilter");
    let e = build(&[("cursor", "zz")]).unwrap_err();
    assert_eq!(e.to_json()["scimType"], "invalidCursor");
}
