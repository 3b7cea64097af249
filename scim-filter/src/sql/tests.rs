//! Unit tests of the SQL compiler: whole SQL strings per dialect, escaping,
//! placeholder numbering, hostile input and errors. `tests/it/sql.rs` runs
//! the SQL on SQLite and Postgres against the evaluator.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::parse_filter;
use crate::schema::ResolvedAttr;
use crate::testing::TestSchema;

fn compile<D: Dialect + ?Sized>(
    f: &str,
    d: &D,
    first: usize,
) -> Result<(String, Vec<SqlValue>), SqlError> {
    compile_filter(&parse_filter(f).unwrap(), &TestSchema::user(), d, first)
}

fn pg(f: &str) -> (String, Vec<SqlValue>) {
    compile(f, &PostgresJsonb::new("doc"), 1).unwrap()
}

fn lite(f: &str) -> (String, Vec<SqlValue>) {
    compile(f, &SqliteJson::new("doc"), 1).unwrap()
}

fn text(s: &str) -> SqlValue {
    SqlValue::Text(s.to_owned())
}

#[test]
fn postgres_sql_for_representative_filters() {
    let elems = "jsonb_array_elements(CASE WHEN jsonb_typeof(doc->'emails') = 'array' THEN doc->'emails' END) AS e(v)";
    let cases: Vec<(&str, String, Vec<SqlValue>)> = vec![
        (
            r#"userName eq "bjensen""#,
            "lower(doc->>'userName') = lower($1)".into(),
            vec![text("bjensen")],
        ),
        (
            r#"externalId eq "X" and title sw "Tour""#,
            "doc->>'externalId' = $1 AND lower(doc->>'title') LIKE lower($2) ESCAPE '\\'".into(),
            vec![text("X"), text("Tour%")],
        ),
        (
            r#"title pr and (userName gt "a" or id lt "b")"#,
            "jsonb_path_exists(doc->'title', 'strict $.** ? (@.type() == \"number\" || @.type() == \"boolean\" || @.type() == \"string\" && @ != \"\")') \
             AND (lower(doc->>'userName') COLLATE \"C\" > lower($1) OR doc->>'id' COLLATE \"C\" < $2)".into(),
            vec![text("a"), text("b")],
        ),
        (
            r#"emails[type eq "work" and value co "x"]"#,
            format!("EXISTS (SELECT 1 FROM {elems} WHERE jsonb_typeof(e.v) = 'object' AND lower(e.v->>'type') = lower($1) AND lower(e.v->>'value') LIKE lower($2) ESCAPE '\\')"),
            vec![text("work"), text("%x%")],
        ),
        (
            r#"emails.type ne "work""#,
            format!("NOT COALESCE(EXISTS (SELECT 1 FROM {elems} WHERE lower(e.v->>'type') = lower($1)), FALSE)"),
            vec![text("work")],
        ),
        (
            r#"emails co "@example.com""#,
            format!("EXISTS (SELECT 1 FROM {elems} WHERE lower(e.v->>'value') LIKE lower($1) ESCAPE '\\')"),
            vec![text("%@example.com%")],
        ),
        (
            r#"not (active eq true)"#,
            "NOT COALESCE(doc->'active' = to_jsonb(CAST($1 AS boolean)), FALSE)".into(),
            vec![SqlValue::Bool(true)],
        ),
        (
            r#"urn:example:params:scim:schemas:extension:test:2.0:User:score lt 2.5"#,
            "CASE WHEN jsonb_typeof(doc->'urn:example:params:scim:schemas:extension:test:2.0:User'->'score') = 'number' \
             THEN CAST(doc->'urn:example:params:scim:schemas:extension:test:2.0:User'->>'score' AS numeric) END < CAST($1 AS numeric)".into(),
            vec![text("2.5")],
        ),
        (
            r#"title eq null"#,
            "NOT COALESCE(jsonb_path_exists(doc->'title', 'strict $.** ? (@.type() == \"number\" || @.type() == \"boolean\" || @.type() == \"string\" && @ != \"\")'), FALSE)".into(),
            vec![],
        ),
    ];
    for (filter, sql, params) in cases {
        assert_eq!(pg(filter), (sql, params), "{filter}");
    }
}

#[test]
fn sqlite_sql_for_representative_filters() {
    let each = "json_each(doc, '$.\"emails\"') AS e WHERE json_type(doc, '$.\"emails\"') = 'array'";
    let sub = |s: &str| {
        format!("json_extract(CASE WHEN e.type = 'object' THEN e.value END, '$.\"{s}\"')")
    };
    let cases: Vec<(&str, String, Vec<SqlValue>)> = vec![
        (
            r#"userName eq "bjensen""#,
            "lower(json_extract(doc, '$.\"userName\"')) = lower(?)".into(),
            vec![text("bjensen")],
        ),
        (
            r#"emails[type eq "work" and value co "x"]"#,
            format!(
                "EXISTS (SELECT 1 FROM {each} AND (e.type = 'object' AND lower({}) = lower(?) AND lower({}) LIKE lower(?) ESCAPE '\\'))",
                sub("type"),
                sub("value")
            ),
            vec![text("work"), text("%x%")],
        ),
        (
            r#"urn:example:params:scim:schemas:extension:test:2.0:User:badge co "a*b""#,
            "json_extract(doc, '$.\"urn:example:params:scim:schemas:extension:test:2.0:User\".\"badge\"') GLOB ?".into(),
            vec![text("*a[*]b*")],
        ),
        (
            r#"active eq false or name.familyName ew "sen""#,
            "CASE json_type(doc, '$.\"active\"') WHEN 'true' THEN 1 WHEN 'false' THEN 0 END = ? \
             OR lower(json_extract(doc, '$.\"name\".\"familyName\"')) LIKE lower(?) ESCAPE '\\'".into(),
            vec![SqlValue::Bool(false), text("%sen")],
        ),
        (
            r#"urn:example:params:scim:schemas:extension:test:2.0:User:loginCount ge 5"#,
            "CASE WHEN json_type(doc, '$.\"urn:example:params:scim:schemas:extension:test:2.0:User\".\"loginCount\"') IN ('integer', 'real') \
             THEN json_extract(doc, '$.\"urn:example:params:scim:schemas:extension:test:2.0:User\".\"loginCount\"') END >= ?".into(),
            vec![SqlValue::Int(5)],
        ),
    ];
    for (filter, sql, params) in cases {
        assert_eq!(lite(filter), (sql, params), "{filter}");
    }
}

#[test]
fn datetime_literals_become_utc_keys() {
    let (sql, params) = pg(r#"meta.created ge "2011-05-13T06:42:34.5000+02:00""#);
    assert!(sql.contains("AT TIME ZONE 'UTC'"), "{sql}");
    assert!(sql.ends_with("COLLATE \"C\" >= $1"), "{sql}");
    assert_eq!(params, vec![text("2011-05-13T04:42:34.5")]);
    let (sql, params) = lite(r#"meta.created lt "2011-05-13T04:42:34Z""#);
    assert!(sql.contains("strftime('%Y-%m-%dT%H:%M:%S'"), "{sql}");
    assert_eq!(params, vec![text("2011-05-13T04:42:34")]);
}

#[test]
fn like_and_glob_patterns_are_escaped() {
    assert_eq!(escape_like(r"50%_off\x"), r"50\%\_off\\x");
    assert_eq!(escape_like("plain"), "plain");
    let (_, params) = pg(r#"userName co "a%b_c\\d""#);
    assert_eq!(params, vec![text(r"%a\%b\_c\\d%")]);
    let (_, params) = pg(r#"userName sw "%""#);
    assert_eq!(params, vec![text(r"\%%")]);
    let (_, params) = pg(r#"userName ew "_""#);
    assert_eq!(params, vec![text(r"%\_")]);
    let (_, params) = lite(r#"id sw "[a]?*""#);
    assert_eq!(params, vec![text("[[]a][?][*]*")]);
}

#[test]
fn placeholders_continue_from_the_given_index() {
    let f = r#"userName eq "a" or (title co "b" and active eq true)"#;
    let (sql, params) = compile(f, &PostgresJsonb::new("doc"), 3).unwrap();
    assert_eq!(
        sql,
        "lower(doc->>'userName') = lower($3) OR lower(doc->>'title') LIKE lower($4) ESCAPE '\\' \
         AND doc->'active' = to_jsonb(CAST($5 AS boolean))"
    );
    assert_eq!(params.len(), 3);

    let d = PostgresJsonb::new("doc");
    let schema = TestSchema::user();
    let mut b = SqlBuilder::new(&d);
    b.push_sql("SELECT doc FROM resources WHERE tenant = ")
        .push_param(text("t1"))
        .push_sql(" AND rtype = ")
        .push_param(text("User"))
        .push_sql(" AND (");
    b.push_filter(&parse_filter(r#"userName eq "x""#).unwrap(), &schema)
        .unwrap();
    b.push_sql(")").push_limit_offset(Some(10), 20);
    assert_eq!(b.next_index(), 6);
    let (sql, params) = b.build();
    assert_eq!(
        sql,
        "SELECT doc FROM resources WHERE tenant = $1 AND rtype = $2 AND (lower(doc->>'userName') = lower($3)) LIMIT $4 OFFSET $5"
    );
    assert_eq!(
        params,
        vec![
            text("t1"),
            text("User"),
            text("x"),
            SqlValue::Int(10),
            SqlValue::Int(20)
        ]
    );

    let d = SqliteJson::new("doc");
    let mut b = SqlBuilder::new(&d);
    b.push_sql("SELECT doc FROM r").push_limit_offset(None, 5);
    assert_eq!(
        b.build(),
        (
            "SELECT doc FROM r LIMIT -1 OFFSET ?".to_owned(),
            vec![SqlValue::Int(5)]
        )
    );
}

/// Hostile literals end up as parameters, byte for byte, and never in the
/// SQL text.
#[test]
fn hostile_literals_only_ever_appear_as_parameters() {
    let hostile = [
        "'",
        "''",
        "'; DROP TABLE resources; --",
        "\" OR 1=1 --",
        "%",
        "_",
        "\\",
        "\\'",
        "$1",
        "?",
        "*[",
        "ünïcödé ✓ 🌍",
        "\u{0}nul",
        "a\nb",
    ];
    let dialects: [&dyn Dialect; 3] = [
        &PostgresJsonb::new("doc"),
        &SqliteJson::new("doc"),
        &ColumnMapping::new(Flavor::Postgres)
            .with_column("userName", "u.user_name", ColumnType::Text)
            .with_column("id", "u.id", ColumnType::Text),
    ];
    for lit in hostile {
        let json_lit = serde_json::to_string(lit).unwrap();
        for op in ["eq", "ne", "co", "sw", "ew", "gt"] {
            for attr in ["userName", "id"] {
                let filter = format!("{attr} {op} {json_lit}");
                for d in dialects {
                    let (sql, params) = compile(&filter, d, 1).unwrap();
                    for marker in ["DROP", "OR 1=1", "ünï", "nul", "a\nb"] {
                        assert!(!sql.contains(marker), "{filter}: {sql}");
                    }
                    assert_eq!(params.len(), 1, "{filter}");
                    let SqlValue::Text(p) = &params[0] else {
                        panic!("{filter}: {params:?}");
                    };
                    // The parameter carries the literal (escaped for LIKE
                    // or GLOB where the operator needs a pattern).
                    let unescaped = p
                        .replace("[*]", "*")
                        .replace("[?]", "?")
                        .replace("[[]", "[");
                    let unescaped: String = {
                        let mut out = String::new();
                        let mut chars = unescaped.chars();
                        while let Some(c) = chars.next() {
                            if c == '\\' && matches!(op, "co" | "sw" | "ew") && !p.contains("[") {
                                out.extend(chars.next());
                            } else {
                                out.push(c);
                            }
                        }
                        out
                    };
                    assert!(
                        unescaped.contains(lit) || p.contains(lit),
                        "{filter}: {p:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn errors_match_the_evaluator() {
    let d = PostgresJsonb::new("doc");
    for f in [
        r#"nope eq "x""#,
        r#"name.nope eq "x""#,
        r#"active gt true"#,
        r#"userName eq 5"#,
        r#"meta.created gt "yesterday""#,
        r#"title co null"#,
        r#"name eq "x""#,
        r#"userName[value eq "x"]"#,
        r#"urn:example:params:scim:schemas:extension:test:2.0:User:loginCount co 5"#,
    ] {
        let filter = parse_filter(f).unwrap();
        let ours = compile_filter(&filter, &TestSchema::user(), &d, 1).unwrap_err();
        let theirs = crate::CompiledFilter::compile(&filter, &TestSchema::user()).unwrap_err();
        assert_eq!(ours, SqlError::Filter(theirs), "{f}");
    }
    let nested = crate::Filter::value_path(
        crate::AttrPath::new("emails"),
        crate::Filter::value_path(
            crate::AttrPath::new("emails"),
            crate::Filter::Present(crate::AttrPath::new("value")),
        ),
    );
    assert!(matches!(
        compile_filter(&nested, &TestSchema::user(), &d, 1),
        Err(SqlError::Filter(CompileError::NestedValueFilter { .. }))
    ));
}

/// A schema that (wrongly) spells a name with a quote.
struct BadSchema;

impl SchemaFacts for BadSchema {
    fn resolve(&self, _urn: Option<&str>, name: &str) -> Option<ResolvedAttr<'_>> {
        Some(ResolvedAttr {
            extension: None,
            facts: std::borrow::Cow::Owned(AttrFacts {
                name: format!("{name}'--"),
                ty: AttrType::String,
                case_exact: false,
                multi_valued: false,
                sub_attributes: vec![],
            }),
        })
    }
}

#[test]
fn schema_names_that_need_quoting_are_refused() {
    let filter = parse_filter(r#"userName eq "x""#).unwrap();
    for d in [
        &PostgresJsonb::new("doc") as &dyn Dialect,
        &SqliteJson::new("doc"),
    ] {
        assert_eq!(
            compile_filter(&filter, &BadSchema, d, 1),
            Err(SqlError::UnsafeName {
                name: "userName'--".into()
            })
        );
    }
}

#[test]
fn index_expressions_are_the_compared_expressions() {
    let d = PostgresJsonb::new("doc");
    let schema = TestSchema::user();
    let path = |p: &str| crate::parse_attr_path(p).unwrap();
    assert_eq!(
        d.text_expr(&path("userName"), &schema).unwrap(),
        "lower(doc->>'userName')"
    );
    assert_eq!(
        d.text_expr(&path("externalId"), &schema).unwrap(),
        "doc->>'externalId'"
    );
    assert_eq!(
        d.text_expr(&path("name.familyName"), &schema).unwrap(),
        "lower(doc->'name'->>'familyName')"
    );
    assert!(matches!(
        d.text_expr(&path("emails.value"), &schema),
        Err(SqlError::NotIndexable { .. })
    ));
    let (sql, _) = pg(r#"userName eq "x""#);
    assert!(sql.starts_with(&d.text_expr(&path("userName"), &schema).unwrap()));
}

fn mapping(flavor: Flavor) -> ColumnMapping {
    ColumnMapping::new(flavor)
        .with_column("userName", "u.user_name", ColumnType::Text)
        .with_column("id", "u.id", ColumnType::Text)
        .with_column("active", "u.active", ColumnType::Boolean)
        .with_column("name.familyName", "u.last_name", ColumnType::Text)
        .with_column("meta.created", "u.created_at", ColumnType::Timestamp)
        .with_child("emails", "user_emails c", "c.user_id = u.id")
        .with_column("emails.value", "c.address", ColumnType::Text)
        .with_column("emails.type", "c.kind", ColumnType::Text)
        .with_column("emails.primary", "c.is_primary", ColumnType::Boolean)
}

#[test]
fn column_mapping_sql() {
    let pgm = mapping(Flavor::Postgres);
    let cases: Vec<(&str, &str, Vec<SqlValue>)> = vec![
        (
            r#"userName eq "bjensen" and active eq true"#,
            "lower(u.user_name) = lower($1) AND u.active = $2",
            vec![text("bjensen"), SqlValue::Bool(true)],
        ),
        (
            r#"emails[type eq "work" and value co "@x"]"#,
            "EXISTS (SELECT 1 FROM user_emails c WHERE c.user_id = u.id AND (lower(c.kind) = lower($1) AND lower(c.address) LIKE lower($2) ESCAPE '\\'))",
            vec![text("work"), text("%@x%")],
        ),
        (
            r#"emails.value ne "a@b""#,
            "NOT COALESCE(EXISTS (SELECT 1 FROM user_emails c WHERE c.user_id = u.id AND (lower(c.address) = lower($1))), FALSE)",
            vec![text("a@b")],
        ),
        (
            r#"meta.created gt "2011-05-13T06:42:34+02:00""#,
            "u.created_at > CAST($1 AS timestamptz)",
            vec![text("2011-05-13T04:42:34Z")],
        ),
        (
            r#"name pr or emails pr"#,
            "((u.last_name IS NOT NULL AND u.last_name <> '')) OR EXISTS (SELECT 1 FROM user_emails c WHERE c.user_id = u.id)",
            vec![],
        ),
    ];
    for (f, sql, params) in cases {
        assert_eq!(
            compile(f, &pgm, 1).unwrap(),
            (sql.to_owned(), params),
            "{f}"
        );
    }
    let (sql, params) = compile(r#"id co "a_b""#, &mapping(Flavor::Sqlite), 1).unwrap();
    assert_eq!((sql.as_str(), params), ("u.id GLOB ?", vec![text("*a_b*")]));
    assert_eq!(
        compile(r#"title eq "x""#, &pgm, 1),
        Err(SqlError::Unmapped {
            path: "title".into()
        })
    );
    assert_eq!(
        compile_sort(&crate::parse_attr_path("emails").unwrap(), SortOrder::Descending, &TestSchema::user(), &pgm).unwrap(),
        "(SELECT lower(NULLIF(c.address, '')) FROM user_emails c WHERE c.user_id = u.id ORDER BY CASE WHEN c.is_primary THEN 0 ELSE 1 END LIMIT 1) COLLATE \"C\" DESC NULLS FIRST"
    );
}

#[test]
fn sort_errors() {
    let d = PostgresJsonb::new("doc");
    let schema = TestSchema::user();
    for p in ["nope", "name", "userName.x"] {
        let path = crate::parse_attr_path(p).unwrap();
        assert!(
            matches!(
                compile_sort(&path, SortOrder::Ascending, &schema, &d),
                Err(SqlError::InvalidSort { .. })
            ),
            "{p}"
        );
    }
}

#[test]
fn datetime_keys_order_like_instants() {
    use time::format_description::well_known::Rfc3339;
    let key = |s: &str| datetime_key(&OffsetDateTime::parse(s, &Rfc3339).unwrap());
    assert_eq!(key("2011-05-13T06:42:34+02:00"), "2011-05-13T04:42:34");
    assert_eq!(key("2011-05-13T04:42:34.120Z"), "2011-05-13T04:42:34.12");
    assert_eq!(
        key("2011-05-13T04:42:34.000000001Z"),
        "2011-05-13T04:42:34.000000001"
    );
    let mut v = [
        "2011-05-13T04:42:34.5Z",
        "2011-05-13T04:42:34Z",
        "2011-05-13T04:42:34.45Z",
        "2011-05-13T04:42:35-00:01",
        "1999-12-31T23:59:59Z",
    ];
    let mut by_key = v;
    by_key.sort_by_key(|s| key(s));
    v.sort_by_key(|s| OffsetDateTime::parse(s, &Rfc3339).unwrap());
    assert_eq!(by_key, v);
}
