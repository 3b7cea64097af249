//! Differential test: random filters over random user and group
//! populations select the same ids in the reference evaluator
//! (`scim_core::query::execute`), in SQLite and in Postgres (Postgres
//! skipped when unreachable, unless `SCIM_REQUIRE_SERVICES=1`).
//!
//! Fixed seed; 64 populations with 8 filters each by default, more with
//! `SCIM_DIFF_CASES=<populations>`. Case variants change ASCII letters
//! only: SQLite's `lower()` folds ASCII only, a documented limitation of
//! the SQLite dialect.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use scim_core::query::{execute, ListQuery, ListRequest, QueryLimits};
use scim_core::schema::ResourceSchema;
use scim_core::store::ResourceStore;
use scim_store_testkit::data::{group, groups, user, users};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Filters compared, filters the schema rejected, comparisons with a
/// non-empty and not-everything answer.
static COMPARED: AtomicUsize = AtomicUsize::new(0);
static REJECTED: AtomicUsize = AtomicUsize::new(0);
static SELECTIVE: AtomicUsize = AtomicUsize::new(0);

const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

const WORDS: &[&str] = &[
    "alice",
    "Alice",
    "al",
    "ice",
    "bob",
    "o'brien",
    "zoë",
    "Zoë",
    "50%_off",
    "x\\y",
    "q\"t",
    "",
    "engineer",
    "Engineer",
    "tour guide",
    "a*b",
    "[x]?",
    "work",
    "Home",
    "e",
];
const EMAILS: &[&str] = &[
    "alice@example.com",
    "BOB@Example.COM",
    "x@work.example",
    "zoë@ex.org",
    "",
    "50%@x",
];
const LITERALS: &[&str] = &[
    "example",
    "EXAMPLE.com",
    "@",
    "%",
    "_",
    "\\",
    "\"",
    "alice@example.com",
    "x@work.example",
    "com",
    "work",
    "home",
];
const TYPES: &[&str] = &["work", "Work", "home", "other", ""];
const DATES: &[&str] = &[
    "2024-01-10T10:00:00Z",
    "2024-01-10T12:00:00+02:00",
    "2024-01-10T10:00:00.5Z",
    "2024-01-10T05:00:00-05:00",
    "2023-12-31T23:59:59Z",
    "2024-01-10T10:00:00.000Z",
    "2024-06-15T12:00:00+05:30",
];
const MEMBERS: &[&str] = &["ABC-1", "abc-1", "m-2", "M-2x"];

/// ASCII case variants: as is, upper, lower, alternating.
fn variant(s: &str, v: u8) -> String {
    match v % 4 {
        0 => s.to_owned(),
        1 => s.to_ascii_uppercase(),
        2 => s.to_ascii_lowercase(),
        _ => s
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i % 2 == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect(),
    }
}

fn pick(pool: &'static [&'static str]) -> impl Strategy<Value = String> {
    (proptest::sample::select(pool), any::<u8>()).prop_map(|(s, v)| variant(s, v))
}

fn literal() -> impl Strategy<Value = String> {
    prop_oneof![pick(WORDS), pick(EMAILS), pick(LITERALS)]
}

fn user_strategy() -> impl Strategy<Value = Value> {
    let emails = proptest::collection::vec(
        (
            pick(EMAILS),
            proptest::option::of(pick(TYPES)),
            proptest::option::of(any::<bool>()),
        ),
        0..3,
    );
    (
        (pick(WORDS), 0u8..3),
        proptest::option::of(pick(WORDS)),
        proptest::option::of(pick(WORDS)),
        proptest::option::of(pick(WORDS)),
        proptest::option::of(pick(WORDS)),
        (
            proptest::option::of(pick(WORDS)),
            proptest::option::of(pick(WORDS)),
        ),
        proptest::option::of(any::<bool>()),
        emails,
        proptest::sample::select(DATES),
        proptest::option::of(pick(WORDS)),
    )
        .prop_map(
            |((name, n), display, title, nick, ext, (family, given), active, emails, date, emp)| {
                let mut u = user(&format!(
                    "{name}{}",
                    if n == 0 { String::new() } else { n.to_string() }
                ));
                let set = |u: &mut Value, k: &str, v: Option<String>| {
                    if let Some(v) = v {
                        u[k] = json!(v);
                    }
                };
                set(&mut u, "displayName", display);
                set(&mut u, "title", title);
                set(&mut u, "nickName", nick);
                set(&mut u, "externalId", ext);
                if family.is_some() || given.is_some() {
                    u["name"] = json!({});
                    set(&mut u["name"], "familyName", family);
                    set(&mut u["name"], "givenName", given);
                }
                if let Some(a) = active {
                    u["active"] = json!(a);
                }
                if !emails.is_empty() {
                    u["emails"] = Value::Array(
                        emails
                            .into_iter()
                            .map(|(value, ty, primary)| {
                                let mut e = json!({ "value": value });
                                if let Some(t) = ty {
                                    e["type"] = json!(t);
                                }
                                if let Some(p) = primary {
                                    e["primary"] = json!(p);
                                }
                                e
                            })
                            .collect(),
                    );
                }
                u["meta"]["lastModified"] = json!(date);
                if let Some(emp) = emp {
                    u[ENT] = json!({ "employeeNumber": emp });
                }
                u
            },
        )
}

fn op(ops: &'static [&'static str]) -> impl Strategy<Value = String> {
    pick(ops)
}

/// A path, with its name's case varied and, for core attributes,
/// sometimes the schema URN in front.
fn path(p: &'static str, urn: bool) -> impl Strategy<Value = String> {
    (any::<u8>(), any::<bool>()).prop_map(move |(v, with_urn)| {
        let name = variant(p, v);
        if urn && with_urn {
            format!("{CORE}:{name}")
        } else {
            name
        }
    })
}

fn string_path() -> impl Strategy<Value = String> {
    prop_oneof![
        path("userName", true),
        path("displayName", true),
        path("title", false),
        path("nickName", false),
        path("externalId", false),
        path("name.familyName", true),
        path("name.givenName", false),
        path("emails.value", true),
        path("emails.type", false),
        path("emails", false),
        Just(format!("{ENT}:employeeNumber")),
        Just(format!("{}:EMPLOYEENUMBER", ENT.to_ascii_uppercase())),
    ]
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn user_leaf() -> BoxedStrategy<String> {
    let strings = (
        string_path(),
        op(&["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]),
        literal(),
    )
        .prop_map(|(p, o, l)| format!("{p} {o} {}", quoted(&l)));
    let bools = (
        prop_oneof![path("active", true), path("emails.primary", false)],
        op(&["eq", "ne"]),
        pick(&["true", "false"]),
    )
        .prop_map(|(p, o, l)| format!("{p} {o} {l}"));
    let dates = (
        path("meta.lastModified", false),
        op(&["eq", "ne", "gt", "ge", "lt", "le"]),
        proptest::sample::select(DATES),
    )
        .prop_map(|(p, o, l)| format!("{p} {o} {}", quoted(l)));
    let present = prop_oneof![
        string_path(),
        path("active", false),
        path("name", false),
        path("emails", false),
        path("meta.lastModified", false),
    ]
    .prop_map(|p| format!("{p} pr"));
    let nulls = (string_path(), op(&["eq", "ne"]), pick(&["null"]))
        .prop_map(|(p, o, l)| format!("{p} {o} {l}"));
    let inner_leaf = prop_oneof![
        (
            prop_oneof![path("value", false), path("type", false)],
            op(&["eq", "ne", "co", "sw", "ew", "gt", "le"]),
            literal()
        )
            .prop_map(|(p, o, l)| format!("{p} {o} {}", quoted(&l))),
        (pick(&["true", "false"])).prop_map(|b| format!("primary eq {b}")),
        path("value", false).prop_map(|p| format!("{p} pr")),
    ];
    let inner = inner_leaf.prop_recursive(2, 4, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} or {b})")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    });
    let value_filter = (path("emails", false), inner).prop_map(|(p, f)| format!("{p}[{f}]"));
    prop_oneof![
        4 => strings,
        2 => bools,
        2 => dates,
        2 => present,
        1 => nulls,
        2 => value_filter,
    ]
    .boxed()
}

fn group_leaf() -> BoxedStrategy<String> {
    prop_oneof![
        (
            prop_oneof![
                path("displayName", false),
                path("members.value", false),
                path("members", false)
            ],
            op(&["eq", "ne", "co", "sw", "ew", "gt", "lt"]),
            prop_oneof![pick(MEMBERS), pick(WORDS)],
        )
            .prop_map(|(p, o, l)| format!("{p} {o} {}", quoted(&l))),
        (pick(MEMBERS), op(&["eq", "co", "sw"]))
            .prop_map(|(m, o)| format!("members[value {o} {}]", quoted(&m))),
        path("members", false).prop_map(|p| format!("{p} pr")),
    ]
    .boxed()
}

fn combine(leaf: BoxedStrategy<String>) -> impl Strategy<Value = String> {
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone(), op(&["and", "or"]))
                .prop_map(|(a, b, o)| format!("({a}) {o} ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    })
}

/// One case: users, groups (members drawn from the users' ids and a few
/// fixed values), user filters and group filters.
type Case = (
    Vec<Value>,
    Vec<(String, Vec<usize>, Vec<String>)>,
    Vec<String>,
    Vec<String>,
);

fn case_strategy() -> impl Strategy<Value = Case> {
    (
        proptest::collection::vec(user_strategy(), 3..12),
        proptest::collection::vec(
            (
                pick(WORDS),
                proptest::collection::vec(0usize..12, 0..4),
                proptest::collection::vec(pick(MEMBERS), 0..2),
            ),
            0..5,
        ),
        proptest::collection::vec(combine(user_leaf()), 6),
        proptest::collection::vec(combine(group_leaf()), 2),
    )
}

fn ids(resources: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = resources
        .iter()
        .map(|r| r["id"].as_str().unwrap_or("").to_owned())
        .collect();
    v.sort();
    v
}

async fn check(
    stores: &[(&str, &dyn ResourceStore)],
    tenant: &str,
    schema: &ResourceSchema<'_>,
    data: &[Value],
    filter: &str,
) -> Result<(), TestCaseError> {
    let Ok(request) = ListRequest::from_query_pairs([("filter", filter), ("count", "1000")]) else {
        return Ok(());
    };
    let q: ListQuery = match request.to_list_query(schema, &QueryLimits::default()) {
        Ok((q, _)) => q,
        // Rejected by the schema (e.g. `gt` on a boolean): nothing to
        // compare.
        Err(_) => {
            REJECTED.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
    };
    let want = match execute(schema, data.iter(), &q) {
        Ok(p) => ids(&p.resources),
        Err(_) => {
            REJECTED.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
    };
    COMPARED.fetch_add(1, Ordering::Relaxed);
    if !want.is_empty() && want.len() < data.len() {
        SELECTIVE.fetch_add(1, Ordering::Relaxed);
    }
    for (name, store) in stores {
        let got = store
            .list(tenant, schema, &q)
            .await
            .map_err(|e| TestCaseError::fail(format!("{name} failed on {filter}: {e:?}")))?;
        let got = ids(&got.resources);
        if got != want {
            let pick = |ids: &[String]| -> Vec<Value> {
                data.iter()
                    .filter(|r| ids.iter().any(|i| r["id"].as_str() == Some(i.as_str())))
                    .cloned()
                    .collect()
            };
            let only_store: Vec<String> =
                got.iter().filter(|i| !want.contains(i)).cloned().collect();
            let only_eval: Vec<String> =
                want.iter().filter(|i| !got.contains(i)).cloned().collect();
            return Err(TestCaseError::fail(format!(
                "{name} disagrees with the evaluator on `{filter}`\n  only {name}: {}\n  only evaluator: {}",
                serde_json::to_string(&pick(&only_store)).unwrap_or_default(),
                serde_json::to_string(&pick(&only_eval)).unwrap_or_default(),
            )));
        }
    }
    Ok(())
}

#[test]
fn sql_stores_select_what_the_evaluator_selects() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sqlite_path =
        std::env::temp_dir().join(format!("scim-diff-{}.db", uuid::Uuid::new_v4().simple()));
    let (lite, pg) = rt.block_on(async {
        let lite =
            scim_store_sqlite::SqliteStore::connect(&format!("sqlite:{}", sqlite_path.display()))
                .await
                .unwrap();
        (lite, crate::fresh_store().await)
    });
    let mut stores: Vec<(&str, &dyn ResourceStore)> = vec![("SQLite", &lite)];
    if let Some(pg) = &pg {
        stores.push(("Postgres", pg));
    }
    let cases: u32 = std::env::var("SCIM_DIFF_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64);
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]));
    let users_schema = users();
    let groups_schema = groups();
    let result = runner.run(
        &case_strategy(),
        |(population, group_specs, user_filters, group_filters)| {
            rt.block_on(async {
                let tenant = scim_store_testkit::data::fresh_tenant("diff");
                let mut seen = std::collections::HashSet::new();
                let mut loaded = Vec::new();
                for u in population {
                    let key = u["userName"].as_str().unwrap_or("").to_lowercase();
                    if key.is_empty() || !seen.insert(key) {
                        continue;
                    }
                    for (name, s) in &stores {
                        s.create(&tenant, &users_schema, u.clone())
                            .await
                            .map_err(|e| TestCaseError::fail(format!("{name} create: {e:?}")))?;
                    }
                    loaded.push(u);
                }
                let mut group_docs = Vec::new();
                for (name, picks, extra) in group_specs {
                    let mut members: Vec<String> = picks
                        .iter()
                        .filter_map(|i| {
                            loaded
                                .get(*i)
                                .and_then(|u| u["id"].as_str())
                                .map(str::to_owned)
                        })
                        .collect();
                    members.extend(extra);
                    let refs: Vec<&str> = members.iter().map(String::as_str).collect();
                    let g = group(&name, &refs);
                    for (store_name, s) in &stores {
                        s.create(&tenant, &groups_schema, g.clone())
                            .await
                            .map_err(|e| {
                                TestCaseError::fail(format!("{store_name} create group: {e:?}"))
                            })?;
                    }
                    group_docs.push(g);
                }
                for f in &user_filters {
                    check(&stores, &tenant, &users_schema, &loaded, f).await?;
                }
                for f in &group_filters {
                    check(&stores, &tenant, &groups_schema, &group_docs, f).await?;
                }
                Ok(())
            })
        },
    );
    let _ = std::fs::remove_file(&sqlite_path);
    if let Err(e) = result {
        panic!("{e}");
    }
    let (compared, rejected, selective) = (
        COMPARED.load(Ordering::Relaxed),
        REJECTED.load(Ordering::Relaxed),
        SELECTIVE.load(Ordering::Relaxed),
    );
    eprintln!(
        "compared {compared} filters on {} ({rejected} rejected by the schema, {selective} selecting some but not all)",
        stores.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(" and ")
    );
    assert!(
        compared >= cases as usize * 4 && selective * 4 >= compared,
        "the generator must produce mostly valid, selective filters"
    );
}
