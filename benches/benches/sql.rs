//! The SQL compiler: each RFC 7644 §3.4.2.2 example filter, parsed once,
//! compiled to SQL text plus parameters for the Postgres JSONB dialect.
//!
//! Run with
//! `cargo bench -p scim-benches --bench sql -- --warm-up-time 1 --measurement-time 3`.
//! Budget: median under 2 µs per filter.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use scim_filter::sql::{compile_filter, PostgresJsonb, SqliteJson};
use scim_filter::testing::TestSchema;
use scim_filter::{parse_filter, Filter};

/// The example filters of RFC 7644 §3.4.2.2, in the RFC's order.
const RFC_FILTERS: &[&str] = &[
    r#"userName eq "bjensen""#,
    r#"name.familyName co "O'Malley""#,
    r#"userName sw "J""#,
    r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
    r#"title pr"#,
    r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
    r#"title pr and userType eq "Employee""#,
    r#"title pr or userType eq "Intern""#,
    r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
    r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType eq "Employee" and (emails.type eq "work")"#,
    r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
    r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
];

fn filters() -> Vec<(usize, Filter)> {
    RFC_FILTERS
        .iter()
        .enumerate()
        .map(|(i, f)| match parse_filter(f) {
            Ok(filter) => (i + 1, filter),
            Err(e) => panic!("RFC example {f} does not parse: {e}"),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let schema = TestSchema::user();
    let pg = PostgresJsonb::new("doc");
    let lite = SqliteJson::new("doc");
    let mut group = c.benchmark_group("sql_postgres");
    for (n, filter) in filters() {
        group.bench_function(format!("rfc_example_{n:02}"), |b| {
            b.iter(|| compile_filter(black_box(&filter), &schema, &pg, 1))
        });
    }
    group.finish();
    // The same against scim-core's registry, what a server compiles with:
    // its facts are cached when schemas are registered and lent per path.
    let registry = scim_core::Registry::with_builtins();
    let Some(users) = registry.view("User") else {
        panic!("the built-in registry has no User resource type");
    };
    let all = filters();
    let mut group = c.benchmark_group("sql_postgres_registry");
    group.bench_function("rfc_example_17", |b| {
        let (_, largest) = &all[all.len() - 1];
        b.iter(|| compile_filter(black_box(largest), &users, &pg, 1))
    });
    group.bench_function("all_rfc_examples", |b| {
        b.iter(|| {
            for (_, filter) in &all {
                let _ = black_box(compile_filter(black_box(filter), &users, &pg, 1));
            }
        })
    });
    group.finish();
    c.bench_function("sql_sqlite/all_rfc_examples", |b| {
        b.iter(|| {
            for (_, filter) in &all {
                let _ = black_box(compile_filter(black_box(filter), &schema, &lite, 1));
            }
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
