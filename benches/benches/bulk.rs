//! The bulk engine: parse and plan a full 1000-operation request.
//!
//! Run with
//! `cargo bench -p scim-benches --bench bulk -- --warm-up-time 1 --measurement-time 3`.
//!
//! The request is the shape identity providers send: 800 user POSTs, then
//! 200 group POSTs whose members reference five of those users each by
//! `bulkId`. A second case lists the groups first, so the plan has to move
//! every user ahead of its group.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use scim_core::bulk::{BulkLimits, BulkRequest};
use serde_json::{json, Value};

const USERS: usize = 800;
const GROUPS: usize = 200;
const MEMBERS: usize = 5;

fn user(i: usize) -> Value {
    json!({
        "method": "POST",
        "path": "/Users",
        "bulkId": format!("u{i}"),
        "data": {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": format!("user{i}@example.com"),
            "name": {"givenName": "Given", "familyName": format!("Family{i}")},
            "emails": [{"value": format!("user{i}@example.com"), "type": "work", "primary": true}],
            "active": true
        }
    })
}

fn group(g: usize) -> Value {
    let members: Vec<Value> = (0..MEMBERS)
        .map(|k| json!({"type": "User", "value": format!("bulkId:u{}", (g * MEMBERS + k) % USERS)}))
        .collect();
    json!({
        "method": "POST",
        "path": "/Groups",
        "bulkId": format!("g{g}"),
        "data": {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": format!("Group {g}"),
            "members": members
        }
    })
}

fn request(groups_first: bool) -> Value {
    let users = (0..USERS).map(user);
    let groups = (0..GROUPS).map(group);
    let ops: Vec<Value> = if groups_first {
        groups.chain(users).collect()
    } else {
        users.chain(groups).collect()
    };
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": ops
    })
}

fn bench(c: &mut Criterion) {
    let limits = BulkLimits::default();
    let mut group = c.benchmark_group("bulk");
    group.throughput(Throughput::Elements((USERS + GROUPS) as u64));
    for (name, groups_first) in [
        ("parse_plan_1000_in_order", false),
        ("parse_plan_1000_reordered", true),
    ] {
        let body = request(groups_first);
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        assert!(limits.check_payload(bytes.len()).is_ok(), "fits 1 MiB");
        group.bench_function(name, |b| {
            b.iter(|| {
                let req = BulkRequest::from_json(black_box(&body), &limits);
                let plan = req.map(|r| r.plan());
                black_box(plan)
            })
        });
    }
    // The phases apart: parsing by value (no data copies), and planning a
    // request already parsed.
    let body = request(true);
    group.bench_function("from_value_1000", |b| {
        b.iter_batched(
            || body.clone(),
            |body| black_box(BulkRequest::from_value(body, &limits)),
            BatchSize::LargeInput,
        )
    });
    if let Ok(parsed) = BulkRequest::from_json(&body, &limits) {
        group.bench_function("plan_only_1000_reordered", |b| {
            b.iter(|| black_box(black_box(&parsed).plan()))
        });
    }
    // From bytes, as the server sees it: JSON parse included, and the
    // parsed body handed over by value.
    let bytes = serde_json::to_vec(&request(false)).unwrap_or_default();
    group.bench_function("bytes_to_plan_1000", |b| {
        b.iter(|| {
            let body: Value = serde_json::from_slice(black_box(&bytes)).unwrap_or(Value::Null);
            let plan = BulkRequest::from_value(body, &limits).map(|r| r.plan());
            black_box(plan)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
