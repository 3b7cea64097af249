//! The filter and PATCH path parsers on the RFC 7644 examples.
//!
//! Run with
//! `cargo bench -p scim-benches --bench parse -- --warm-up-time 1 --measurement-time 3`.
//! Budget: the mean parse of an RFC 7644 §3.4.2.2 example filter under
//! 400 ns; `parse/rfc_filters` parses all of them in one iteration, so
//! divide its time by the element count (criterion prints the rate).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use scim_filter::{parse_filter, parse_path};

/// Every filter example in RFC 7644 §3.4.2.2.
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

/// The PATCH paths of RFC 7644 §3.5.2, by shape.
const PATCH_PATH_SETS: &[(&str, &[&str])] = &[
    ("attr_paths", &["members", "name.familyName"]),
    (
        "value_paths",
        &[
            r#"addresses[type eq "work"]"#,
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
        ],
    ),
    (
        "value_path_sub_attrs",
        &[r#"members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName"#],
    ),
    (
        "urn_paths",
        &[
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        ],
    ),
];

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(RFC_FILTERS.len() as u64));
    group.bench_function("rfc_filters", |b| {
        b.iter(|| {
            for text in RFC_FILTERS {
                // Dropping the tree is part of the cost a request pays.
                drop(black_box(parse_filter(black_box(text))));
            }
        })
    });
    for (name, paths) in PATCH_PATH_SETS {
        group.throughput(Throughput::Elements(paths.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| {
                for text in *paths {
                    drop(black_box(parse_path(black_box(text))));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
