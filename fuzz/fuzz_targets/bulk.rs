//! BulkRequest bodies: parse, plan, resolve references, build the response.
//!
//! The first byte sets `maxOperations` (1..=64) and `failOnErrors` handling
//! is the body's; the rest is the body as JSON.
//!
//! Checked: no panic; `from_json` and `from_value` agree; the plan lists
//! every operation exactly once; invalid operations are rejected and
//! well-formed ones without references run; every operation that runs
//! comes after the POSTs it refers to, and (with every POST succeeding)
//! its references all resolve, leaving no `bulkId:` string behind; the
//! response lists one result per operation (fewer only after
//! `failOnErrors`), each failure with its RFC 7644 §3.12 error body.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use scim_core::bulk::{
    BulkLimits, BulkMethod, BulkOperationResult, BulkRequest, BulkResponseBuilder, PlanStep,
    BULK_ID_PREFIX,
};
use serde_json::Value;
use std::collections::HashMap;

/// Whether any string in `v` (at any depth) is a `bulkId:` reference.
fn has_reference(v: &Value) -> bool {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) if s.starts_with(BULK_ID_PREFIX) => return true,
            Value::Array(a) => stack.extend(a),
            Value::Object(m) => stack.extend(m.values()),
            _ => {}
        }
    }
    false
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let Some(body) = common::json(body) else {
        return;
    };
    let limits = BulkLimits::default().with_max_operations(usize::from(sel % 64) + 1);
    let parsed = BulkRequest::from_json(&body, &limits);
    let moved = BulkRequest::from_value(body.clone(), &limits);
    assert_eq!(parsed, moved, "from_json and from_value disagree");
    let Ok(request) = parsed else {
        return;
    };
    let ops = request.operations();
    let n = ops.len();
    let plan = request.plan();

    // A permutation of the request's operations.
    let mut position = vec![usize::MAX; n];
    for (pos, step) in plan.steps().iter().enumerate() {
        let i = step.index();
        assert!(i < n, "plan names operation {i} of {n}");
        assert_eq!(position[i], usize::MAX, "operation {i} planned twice");
        position[i] = pos;
    }
    assert_eq!(plan.steps().len(), n, "plan misses operations");

    // Which POST declares each bulkId (the first one; later duplicates are
    // invalid operations).
    let mut declared: HashMap<&str, usize> = HashMap::new();
    for (i, op) in ops.iter().enumerate() {
        if let Ok(op) = op {
            if op.method() == BulkMethod::Post {
                if let Some(id) = op.bulk_id() {
                    declared.entry(id).or_insert(i);
                }
            }
        }
    }

    for step in plan.steps() {
        let i = step.index();
        match (&ops[i], step) {
            (Err(_), PlanStep::Execute(_)) => panic!("invalid operation {i} is executed"),
            (Ok(op), PlanStep::Reject { error, .. }) if op.references().is_empty() => {
                panic!("operation {i} without references is rejected: {error}")
            }
            (Ok(op), PlanStep::Execute(_)) => {
                for r in op.references() {
                    let Some(&j) = declared.get(r.as_str()) else {
                        panic!("operation {i} runs with an undeclared bulkId:{r}");
                    };
                    assert!(
                        matches!(plan.steps()[position[j]], PlanStep::Execute(_)),
                        "operation {i} runs though {j}, which declares bulkId:{r}, is rejected"
                    );
                    assert!(
                        position[j] < position[i],
                        "operation {i} runs before {j}, which declares bulkId:{r}"
                    );
                }
            }
            _ => {}
        }
    }

    // Run the plan with every executed operation succeeding.
    let mut response = BulkResponseBuilder::new(&request).with_base_url("https://example.com/v2/");
    for step in plan.steps() {
        if response.is_stopped() {
            break;
        }
        let result = match step {
            PlanStep::Reject { error, .. } => BulkOperationResult::failure(error.clone()),
            PlanStep::Execute(i) => {
                let op = request
                    .operation(*i)
                    .expect("executed operations are valid");
                let resolved = match op.resolve(response.created_ids()) {
                    Ok(r) => r,
                    Err(e) => panic!("operation {i}'s references do not resolve: {e}"),
                };
                assert!(
                    !resolved.data.as_ref().is_some_and(has_reference),
                    "operation {i} keeps a bulkId: reference after resolution"
                );
                assert!(
                    !resolved
                        .id
                        .as_deref()
                        .is_some_and(|id| id.starts_with(BULK_ID_PREFIX)),
                    "operation {i} keeps a bulkId: reference in its path"
                );
                match op.method() {
                    BulkMethod::Post => BulkOperationResult::success(201)
                        .with_id(format!("id-{i}"))
                        .with_location(format!(
                            "https://example.com/v2{}/id-{i}",
                            resolved.endpoint
                        )),
                    BulkMethod::Delete => BulkOperationResult::success(204),
                    _ => BulkOperationResult::success(200),
                }
            }
        };
        response.record(step.index(), result);
    }
    let out = response.to_json();
    let results = out["Operations"].as_array().cloned().unwrap_or_default();
    for r in &results {
        let status = r["status"].as_str().unwrap_or_default();
        assert!(
            status.len() == 3 && status.bytes().all(|b| b.is_ascii_digit()),
            "result status {status:?}: {r}"
        );
        if !status.starts_with('2') {
            let err = &r["response"];
            assert_eq!(
                err["status"].as_str(),
                Some(status),
                "failure without its error body: {r}"
            );
            assert!(
                err["schemas"][0] == "urn:ietf:params:scim:api:messages:2.0:Error",
                "failure without the Error URN: {r}"
            );
        }
    }
    let listed = results.len();
    assert!(
        listed <= n,
        "response lists {listed} results for {n} operations"
    );
    if request.fail_on_errors().is_none() {
        assert_eq!(listed, n, "response misses results");
    }
});
