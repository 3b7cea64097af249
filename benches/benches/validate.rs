//! Resource validation: `prepare_create` of the RFC 7643 §8.2 full user as
//! a POST body. The body is cloned outside the measurement;
//! `validate/clone_only` shows what that clone costs.
//!
//! Run with
//! `cargo bench -p scim-benches --bench validate -- --warm-up-time 1 --measurement-time 3`.
//! Budget: 10 µs median.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use scim_core::resource::prepare_create;
use scim_core::{Compat, Registry};
use serde_json::{json, Value};

/// The RFC 7643 §8.2 full user as a create body: without what the server
/// assigns (`id`, `meta`) and the read-only `groups`. The certificate is a
/// base64 string of the RFC's order of length (the fixture keeps only its
/// first line).
fn full_user_body() -> Value {
    let mut u: Value = match serde_json::from_str(include_str!(
        "../../scim-core/tests/fixtures/rfc7643/full-user.json"
    )) {
        Ok(v) => v,
        Err(e) => panic!("fixture is not JSON: {e}"),
    };
    if let Some(o) = u.as_object_mut() {
        for assigned in ["id", "meta", "groups"] {
            o.remove(assigned);
        }
    }
    let certificate = "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx".repeat(17);
    u["x509Certificates"] = json!([{ "value": certificate }]);
    u
}

fn validate(c: &mut Criterion) {
    let registry = Registry::with_builtins();
    let Some(view) = registry.view("User") else {
        panic!("the built-in registry has a User resource type");
    };
    let compat = Compat::standard();
    let body = full_user_body();
    if let Err(e) = prepare_create(&view, body.clone(), &compat) {
        panic!("the RFC 7643 §8.2 user must validate: {e}");
    }
    let mut group = c.benchmark_group("validate");
    // The body is cloned in the (unmeasured) setup: prepare_create takes
    // it by value, as a server does with the body it just parsed.
    group.bench_function("prepare_create_full_user", |b| {
        b.iter_batched(
            || body.clone(),
            |body| prepare_create(black_box(&view), black_box(body), &compat),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("clone_only", |b| b.iter(|| black_box(body.clone())));
    group.finish();
}

criterion_group!(benches, validate);
criterion_main!(benches);
