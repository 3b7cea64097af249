//! The SQL compiler against real engines: the generated SQL runs on an
//! in-memory SQLite and on Postgres, and selects exactly the resources the
//! in-memory evaluator matches; literals only ever travel as parameters.
//!
//! Postgres: `SCIM_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); skipped with a message when
//! unreachable, unless `SCIM_REQUIRE_SERVICES=1`.

use scim_filter::sql::{Dialect, PostgresJsonb, SqlBuilder, SqlValue, SqliteJson};
use scim_filter::testing::TestSchema;
use scim_filter::{parse_attr_path, parse_filter, CompiledFilter, SortKey, SortOrder};
use serde_json::{json, Value};

const EXT: &str = "urn:example:params:scim:schemas:extension:test:2.0:User";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// A small, deliberately awkward population.
fn users() -> Vec<Value> {
    vec![
        json!({"id": "u1", "userName": "Bjensen@Example.com", "title": "Tour Guide",
            "name": {"familyName": "Jensen", "givenName": "Barbara"}, "active": true,
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                       {"value": "babs@jensen.org", "type": "home"}],
            "meta": {"created": "2011-05-13T04:42:34Z", "lastModified": "2011-05-13T04:42:34.123456789Z", "version": "W/\"1\""},
            ENT: {"employeeNumber": "701984", "manager": {"value": "m1"}},
            EXT: {"loginCount": 5, "score": 2.5, "lastLogin": "2024-01-01T10:00:00+02:00", "badge": "Gold"}}),
        json!({"id": "u2", "userName": "alice", "title": "",
            "name": {"familyName": "O'Malley", "givenName": ""}, "active": false,
            "emails": [{"value": "alice@work.example", "type": "home"},
                       {"value": "x@work.example", "type": "work"}],
            "meta": {"created": "2011-05-13T06:42:34+02:00"},
            EXT: {"loginCount": 12, "score": 2, "lastLogin": "2024-01-01T08:00:00.5Z", "badge": "gold"}}),
        json!({"id": "u3", "userName": "50%_off\\deal", "nickName": "'; DROP TABLE resources; --",
            "emails": [], "phoneNumbers": [{"value": "+1 555", "type": "work"}],
            "meta": {"created": "2012-02-29T23:59:59.999Z"},
            EXT: {"loginCount": -1, "score": 1e3, "lastLogin": "not a date"}}),
        json!({"id": "u4", "userName": "zoë", "displayName": "Zoë 🌍",
            "emails": [{"value": "", "type": "work"}, {"type": "other"}],
            "active": null, "name": {},
            "meta": {"created": "2011-02-30T00:00:00Z"},
            EXT: {"loginCount": 9_007_199_254_740_993_i64, "lastLogin": "2024-01-01T08:00:00.50Z"}}),
        json!({"id": "u5", "userName": "bob", "externalId": "EXT-5",
            "emails": [{"value": "Bob@Example.com", "primary": true, "type": "work"}],
            "x509Certificates": [{"value": "TUlJRA=="}],
            "meta": {"created": "2011-05-13T04:42:34.000Z"},
            ENT: {"manager": {"value": ""}},
            EXT: {"score": 2.50, "lastLogin": "2024-01-01t08:00:00z"}}),
        json!({"id": "u6", "userName": "carol", "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "title": "tour guide", "ims": [{"value": "c@im", "type": "aim"}],
            "meta": {"created": "1999-12-31T23:59:59-05:00"},
            EXT: {"loginCount": 5.0, "score": -0.5, "badge": "*gold?[x]"}}),
        json!({"id": "u7", "userName": "dave"}),
    ]
}

/// Filters whose SQL must agree with the evaluator.
const FILTERS: &[&str] = &[
    r#"userName eq "bjensen@example.com""#,
    r#"userName eq "BOB""#,
    r#"userName ne "bob""#,
    r#"userName co "%_""#,
    r#"userName co "\\""#,
    r#"userName sw "B""#,
    r#"userName ew ".COM""#,
    r#"userName gt "b""#,
    r#"userName le "bob""#,
    r#"userName co """#,
    r#"nickName eq "'; DROP TABLE resources; --""#,
    r#"displayName co "🌍""#,
    r#"title pr"#,
    r#"not (title pr)"#,
    r#"title eq null"#,
    r#"title ne null"#,
    r#"title eq "tour guide""#,
    r#"title ne "tour guide""#,
    r#"name pr"#,
    r#"name.givenName pr"#,
    r#"name.familyName eq "o'malley""#,
    r#"emails pr"#,
    r#"emails eq null"#,
    r#"emails.value pr"#,
    r#"emails co "work""#,
    r#"emails.type eq "work""#,
    r#"emails.type ne "work""#,
    r#"emails[type eq "work" and value co "x"]"#,
    r#"emails[type eq "work" and not (value pr)]"#,
    r#"emails[type eq "home"] and emails[type eq "work"]"#,
    r#"emails[primary eq true]"#,
    r#"emails[not (primary eq true)]"#,
    r#"phoneNumbers[type eq "work"] or ims.type eq "aim""#,
    r#"schemas eq "urn:ietf:params:scim:schemas:core:2.0:User""#,
    r#"x509Certificates eq "TUlJRA==""#,
    r#"x509Certificates eq "tuljra==""#,
    r#"externalId eq "ext-5""#,
    r#"externalId eq "EXT-5""#,
    r#"active eq true"#,
    r#"active eq false"#,
    r#"active ne true"#,
    r#"active pr"#,
    r#"meta.created gt "2011-05-13T04:42:34Z""#,
    r#"meta.created eq "2011-05-13T04:42:34Z""#,
    r#"meta.created ge "2011-05-13T05:42:34+01:00""#,
    r#"meta.created lt "2000-01-01T00:00:00Z""#,
    r#"meta.created ne "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified gt "2011-05-13T04:42:34.123456788Z""#,
    r#"meta.lastModified eq "2011-05-13T04:42:34.123456789Z""#,
    r#"meta.version eq "W/\"1\"""#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "m1""#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value pr]"#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value pr"#,
    r#"urn:example:params:scim:schemas:extension:test:2.0:User:loginCount ge 5"#,
    r#"urn:example:params:scim:schemas:extension:test:2.0:User:loginCount eq 5"#,
    r#"urn:example:params:scim:schemas:extension:test:2.0:User:loginCount gt 9007199254740992"#,
    r#"urn:example:params:scim:schemas:extension:test:2.0:User:loginCount ne 5"#,
    r#"urn:example:params:scim:schemas:extension:test:2.0:User:score eq 2.5"#,
    r#"urn:example:params:scim:schemas:extension:test:2.0:User:score lt 2.25"#,
    r#"urn:example:params:scim:schemas:extension:test:2.0:User:score gt 100"#,
    r#"urn:example:params:scim:schemas:extension:test:2.0:User:lastLogin eq "2024-01-01T08:00:00.5Z""#,
    r#"urn:example:params:scim:schemas:extension:test:2.0:User:lastLogin ge "2024-01-01T08:00:00Z""#,
    r#"urn:example:params:scim:schemas:extension:test:2.0:User:lastLogin lt "2025-01-01T00:00:00Z""#,
    r#"urn:example:params:scim:schemas:extension:test:2.0:User:lastLogin pr"#,
    r#"urn:example:params:scim:schemas:extension:test:2.0:User:badge eq "Gold""#,
    r#"urn:example:params:scim:schemas:extension:test:2.0:User:badge co "ol""#,
    r#"urn:example:params:scim:schemas:extension:test:2.0:User:badge sw "*""#,
    r#"urn:example:params:scim:schemas:extension:test:2.0:User:badge co "?[x]""#,
    r#"urn:example:params:scim:schemas:extension:test:2.0:User:badge ew "OLD""#,
    r#"userName pr and not (emails.value pr)"#,
    r#"not (userName eq "alice" or active eq true)"#,
    r#"title pr and (userName sw "a" or userName sw "b")"#,
];

/// [`FILTERS`] and combinations of them under `and`, `or` and `not`, so
/// that NULLs from absent values meet every connective.
fn all_filters() -> Vec<String> {
    let n = FILTERS.len();
    let mut all: Vec<String> = FILTERS.iter().map(|f| (*f).to_owned()).collect();
    for (i, a) in FILTERS.iter().enumerate() {
        let b = FILTERS[(i * 7 + 3) % n];
        let c = FILTERS[(i * 11 + 5) % n];
        all.push(format!("({a}) and not ({b})"));
        all.push(format!("not ({a}) or ({b}) and ({c})"));
        all.push(format!("not (({a}) or not ({c}))"));
    }
    all
}

fn compile_all(dialect: &impl Dialect) -> Vec<(String, Vec<SqlValue>, Vec<String>)> {
    let schema = TestSchema::user();
    let users = users();
    let compiled = all_filters()
        .iter()
        .map(|text| {
            let filter = parse_filter(text).unwrap();
            let compiled = CompiledFilter::compile(&filter, &schema).unwrap();
            let expected: Vec<String> = users
                .iter()
                .filter(|u| compiled.matches(u))
                .map(|u| u["id"].as_str().unwrap().to_owned())
                .collect();
            let mut b = SqlBuilder::new(dialect);
            b.push_sql("SELECT id FROM resources WHERE ");
            b.push_filter(&filter, &schema).unwrap();
            b.push_sql(" ORDER BY id");
            let (sql, params) = b.build();
            (sql, params, expected)
        })
        .collect::<Vec<_>>();
    // The table must discriminate: most filters select some users, not all.
    let some = compiled.iter().filter(|c| !c.2.is_empty()).count();
    let not_all = compiled.iter().filter(|c| c.2.len() < users.len()).count();
    assert!(some > compiled.len() / 2 && not_all > compiled.len() / 2);
    compiled
}

/// `sortBy`, `sortOrder` and the order the ids must come out in (ties,
/// such as the same instant at different offsets, broken by id): values
/// first, then values of the wrong type, then resources without one;
/// descending is the exact reverse of the groups.
const SORTS: &[(&str, SortOrder, &[&str])] = &[
    (
        "userName",
        SortOrder::Ascending,
        &["u3", "u2", "u1", "u5", "u6", "u7", "u4"],
    ),
    (
        "userName",
        SortOrder::Descending,
        &["u4", "u7", "u6", "u5", "u1", "u2", "u3"],
    ),
    (
        "title",
        SortOrder::Ascending,
        &["u1", "u6", "u2", "u3", "u4", "u5", "u7"],
    ),
    (
        "meta.created",
        SortOrder::Ascending,
        &["u6", "u1", "u2", "u5", "u3", "u4", "u7"],
    ),
    (
        "meta.created",
        SortOrder::Descending,
        &["u7", "u4", "u3", "u1", "u2", "u5", "u6"],
    ),
    (
        "emails",
        SortOrder::Ascending,
        &["u2", "u1", "u5", "u3", "u4", "u6", "u7"],
    ),
    (
        "emails.type",
        SortOrder::Ascending,
        &["u2", "u1", "u4", "u5", "u3", "u6", "u7"],
    ),
    (
        "urn:example:params:scim:schemas:extension:test:2.0:User:loginCount",
        SortOrder::Ascending,
        &["u3", "u1", "u6", "u2", "u4", "u5", "u7"],
    ),
    (
        "urn:example:params:scim:schemas:extension:test:2.0:User:lastLogin",
        SortOrder::Descending,
        &["u6", "u7", "u3", "u2", "u4", "u1", "u5"],
    ),
    (
        "active",
        SortOrder::Ascending,
        &["u2", "u1", "u3", "u4", "u5", "u6", "u7"],
    ),
];

fn sort_sql(dialect: &impl Dialect) -> Vec<(String, Vec<String>)> {
    let schema = TestSchema::user();
    SORTS
        .iter()
        .map(|(path, order, want)| {
            let mut b = SqlBuilder::new(dialect);
            b.push_sql("SELECT id FROM resources");
            b.push_order_by(&parse_attr_path(path).unwrap(), *order, &schema)
                .unwrap();
            b.push_sql(", id");
            let (sql, params) = b.build();
            assert!(params.is_empty());
            // The hand-written order is the evaluator's.
            let key = SortKey::compile(&parse_attr_path(path).unwrap(), &schema).unwrap();
            let mut users = users();
            users.sort_by(|a, b| {
                let by_key = key.cmp(a, b);
                let by_key = match order {
                    SortOrder::Ascending => by_key,
                    SortOrder::Descending => by_key.reverse(),
                };
                by_key.then_with(|| a["id"].as_str().cmp(&b["id"].as_str()))
            });
            let evaluated: Vec<&str> = users.iter().map(|u| u["id"].as_str().unwrap()).collect();
            assert_eq!(&evaluated, want, "{path} {order:?}");
            (sql, want.iter().map(|s| (*s).to_owned()).collect())
        })
        .collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn sqlite_selects_what_the_evaluator_matches() {
    use sqlx::sqlite::SqlitePoolOptions;
    runtime().block_on(async {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        sqlx::query("CREATE TABLE resources (id TEXT PRIMARY KEY, doc TEXT NOT NULL)")
            .execute(&pool)
            .await
            .unwrap();
        for u in users() {
            sqlx::query("INSERT INTO resources (id, doc) VALUES (?, ?)")
                .bind(u["id"].as_str().unwrap().to_owned())
                .bind(u.to_string())
                .execute(&pool)
                .await
                .unwrap();
        }
        let mut failures = Vec::new();
        for ((sql, params, expected), text) in compile_all(&SqliteJson::new("doc"))
            .into_iter()
            .zip(all_filters())
        {
            let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.clone()));
            for p in params {
                q = match p {
                    SqlValue::Text(s) => q.bind(s),
                    SqlValue::Int(i) => q.bind(i),
                    SqlValue::Float(f) => q.bind(f),
                    SqlValue::Bool(b) => q.bind(b),
                };
            }
            match q.fetch_all(&pool).await {
                Ok(got) if got == expected => {}
                Ok(got) => failures.push(format!(
                    "{text}: sql {got:?} evaluator {expected:?}\n  {sql}"
                )),
                Err(e) => failures.push(format!("{text}: {e}\n  {sql}")),
            }
        }
        for ((sql, want), (path, order, _)) in
            sort_sql(&SqliteJson::new("doc")).into_iter().zip(SORTS)
        {
            let got: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_all(&pool)
                .await
                .unwrap();
            if got != want {
                failures.push(format!(
                    "sort {path} {order:?}: got {got:?} want {want:?}\n  {sql}"
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    });
}

fn postgres_url() -> String {
    std::env::var("SCIM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

#[test]
fn postgres_selects_what_the_evaluator_matches() {
    use sqlx::postgres::PgPoolOptions;
    runtime().block_on(async {
        let pool = match PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(std::time::Duration::from_secs(3))
            .connect(&postgres_url())
            .await
        {
            Ok(p) => p,
            Err(e) => {
                assert!(
                    std::env::var("SCIM_REQUIRE_SERVICES").as_deref() != Ok("1"),
                    "Postgres unreachable and SCIM_REQUIRE_SERVICES=1: {e}"
                );
                eprintln!("skipping: Postgres unreachable at {}: {e}", postgres_url());
                return;
            }
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let schema = format!("sqltest_{}_{nanos}", std::process::id());
        for stmt in [
            format!("CREATE SCHEMA {schema}"),
            format!("SET search_path TO {schema}"),
            "CREATE TABLE resources (id text PRIMARY KEY, doc jsonb NOT NULL)".to_owned(),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(stmt))
                .execute(&pool)
                .await
                .unwrap();
        }
        for u in users() {
            sqlx::query("INSERT INTO resources (id, doc) VALUES ($1, CAST($2 AS jsonb))")
                .bind(u["id"].as_str().unwrap().to_owned())
                .bind(u.to_string())
                .execute(&pool)
                .await
                .unwrap();
        }
        let mut failures = Vec::new();
        for ((sql, params, expected), text) in compile_all(&PostgresJsonb::new("doc"))
            .into_iter()
            .zip(all_filters())
        {
            let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.clone()));
            for p in params {
                q = match p {
                    SqlValue::Text(s) => q.bind(s),
                    SqlValue::Int(i) => q.bind(i),
                    SqlValue::Float(f) => q.bind(f),
                    SqlValue::Bool(b) => q.bind(b),
                };
            }
            match q.fetch_all(&pool).await {
                Ok(got) if got == expected => {}
                Ok(got) => failures.push(format!(
                    "{text}: sql {got:?} evaluator {expected:?}\n  {sql}"
                )),
                Err(e) => failures.push(format!("{text}: {e}\n  {sql}")),
            }
        }
        for ((sql, want), (path, order, _)) in
            sort_sql(&PostgresJsonb::new("doc")).into_iter().zip(SORTS)
        {
            match sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_all(&pool)
                .await
            {
                Ok(got) if got == want => {}
                Ok(got) => failures.push(format!(
                    "sort {path} {order:?}: got {got:?} want {want:?}\n  {sql}"
                )),
                Err(e) => failures.push(format!("sort {path} {order:?}: {e}\n  {sql}")),
            }
        }
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
            .execute(&pool)
            .await
            .unwrap();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    });
}
