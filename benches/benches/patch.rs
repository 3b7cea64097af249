//! The PATCH engine: a six-operation request as identity providers send
//! it, applied to the RFC 7643 §8.2 full user.
//!
//! Run with
//! `cargo bench -p scim-benches --bench patch -- --warm-up-time 1 --measurement-time 3`.
//! Budget: 3 µs median per application, atomicity included
//! (`patch/six_ops_full_user`: what a server does per PATCH, on a user it
//! just read and owns, `apply_patch_in_place`, which records the inverse
//! of each change, with the values it displaced, so that a failure can be
//! undone).
//! For comparison: `patch/six_ops_full_user_copy` is `apply_patch`, which
//! copies the whole user first; `patch/clone_full_user` is that copy
//! alone; `patch/six_ops_full_user_owned` is `apply_patch_owned`, which
//! copies nothing and is not atomic for the caller.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use scim_core::patch::{apply_patch, apply_patch_in_place, apply_patch_owned, PatchRequest};
use scim_core::{Compat, Registry};
use serde_json::{json, Value};

/// The RFC 7643 §8.3 user (the §8.2 full user with the Enterprise User
/// extension) as stored, changed in code where the bench needs it.
fn full_user() -> Value {
    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let mut u: Value = parse(include_str!(
        "../../scim-core/tests/fixtures/rfc7643/full-user.json"
    ));
    u["schemas"] = json!(["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE]);
    u[ENTERPRISE] = parse(include_str!(
        "../../scim-core/tests/fixtures/rfc7643/enterprise-extension.json"
    ));
    u["meta"]["version"] = json!("W/\"3694e05e9dff591\"");
    if let Some(o) = u.as_object_mut() {
        // A store never holds the cleartext password of the RFC's example.
        o.remove("password");
    }
    // A fax number for the request to remove: the RFC's user has none, and
    // removing through a filter that matches nothing is 400 noTarget.
    if let Some(phones) = u["phoneNumbers"].as_array_mut() {
        phones.push(json!({"value": "555-555-6666", "type": "fax"}));
    }
    // The fixture's certificate is its first line; the RFC's is about 17
    // times that, and the copy `apply_patch` makes should cost as much.
    let certificate = "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx".repeat(17);
    u["x509Certificates"] = json!([{ "value": certificate }]);
    u
}

/// Parses a fixture that is known to be JSON.
fn parse(text: &str) -> Value {
    match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => panic!("fixture is not JSON: {e}"),
    }
}

fn six_operations() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "Replace", "path": "active", "value": false},
            {"op": "Replace", "path": "name.familyName", "value": "Jensen-Smith"},
            {"op": "Add", "path": "emails", "value": [{"value": "babs@example.org", "type": "other"}]},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "barbara@example.com"},
            {"op": "Remove", "path": "phoneNumbers[type eq \"fax\"]"},
            {"op": "Add", "value": {"title": "Senior Tour Guide", "nickName": "Barbie"}}
        ]
    })
}

fn bench_patch(c: &mut Criterion) {
    let registry = Registry::with_builtins();
    let Some(users) = registry.view("User") else {
        panic!("the built-in registry has no User resource type");
    };
    let compat = Compat::entra();
    let user = full_user();
    let request = match PatchRequest::from_json(&six_operations(), &compat) {
        Ok(r) => r,
        Err(e) => panic!("the bench request does not parse: {e}"),
    };
    if let Err(e) = apply_patch_in_place(&users, &mut user.clone(), &request, &compat) {
        panic!("the bench request does not apply: {e}");
    }

    // The results are dropped outside the timed region
    // (`iter_with_large_drop`, `iter_batched`): the figures are the copies
    // plus the six operations, not the deallocation of the patched user
    // afterwards. `iter_batched` makes the user to patch in its untimed
    // setup, as a server's store read does.
    let mut group = c.benchmark_group("patch");
    group.bench_function("clone_full_user", |b| {
        b.iter_with_large_drop(|| black_box(&user).clone())
    });
    group.bench_function("six_ops_full_user", |b| {
        b.iter_batched(
            || user.clone(),
            |mut u| {
                let r = apply_patch_in_place(&users, &mut u, black_box(&request), &compat);
                (r, u)
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("six_ops_full_user_copy", |b| {
        b.iter_with_large_drop(|| {
            apply_patch(&users, black_box(&user), black_box(&request), &compat)
        })
    });
    group.bench_function("six_ops_full_user_owned", |b| {
        b.iter_batched(
            || user.clone(),
            |u| apply_patch_owned(&users, u, black_box(&request), &compat),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("six_ops_full_user_with_drop", |b| {
        b.iter(|| apply_patch(&users, black_box(&user), black_box(&request), &compat))
    });
    group.bench_function("parse_six_ops", |b| {
        let body = six_operations();
        b.iter_with_large_drop(|| PatchRequest::from_json(black_box(&body), &compat))
    });
    group.finish();
}

criterion_group!(benches, bench_patch);
criterion_main!(benches);
