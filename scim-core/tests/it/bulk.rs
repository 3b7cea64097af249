//! The bulk engine against RFC 7644 §3.7's examples, its limits, ordering,
//! reference substitution and malformed input.

#![allow(clippy::unwrap_used)]

use scim_core::bulk::{
    resolve_references, BulkLimits, BulkMethod, BulkOperationResult, BulkPlan, BulkRequest,
    BulkResponseBuilder, PlanStep,
};
use scim_core::{ScimError, ScimType};
use serde_json::{json, Value};
use std::collections::HashMap;

const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const BASE: &str = "https://example.com/v2";

fn bulk(ops: Value) -> Value {
    json!({"schemas": [BULK_REQUEST], "Operations": ops})
}

/// Parses with both constructors and checks they agree.
fn parse_with(body: &Value, limits: &BulkLimits) -> Result<BulkRequest, ScimError> {
    let borrowed = BulkRequest::from_json(body, limits);
    let owned = BulkRequest::from_value(body.clone(), limits);
    assert_eq!(
        borrowed, owned,
        "from_json and from_value disagree on {body}"
    );
    borrowed
}

fn parse(body: &Value) -> BulkRequest {
    parse_with(body, &BulkLimits::default()).unwrap()
}

fn parse_err(body: &Value) -> ScimError {
    parse_with(body, &BulkLimits::default()).unwrap_err()
}

/// The step for request index `i`.
fn step(plan: &BulkPlan, i: usize) -> &PlanStep {
    plan.steps().iter().find(|s| s.index() == i).unwrap()
}

fn rejection(plan: &BulkPlan, i: usize) -> &ScimError {
    match step(plan, i) {
        PlanStep::Reject { error, .. } => error,
        other => panic!("operation {i} should be rejected, got {other:?}"),
    }
}

/// What one executed operation received: (request index, resolved id,
/// resolved data).
type Seen = Vec<(usize, Option<String>, Option<Value>)>;

/// A stand-in for the server: runs the plan against an in-memory map,
/// creating ids `id-<index>`; `fail` lists request indexes whose handler
/// fails with 400 invalidSyntax. Returns the response and what each executed
/// operation received after substitution.
fn run(request: &BulkRequest, fail: &[usize]) -> (Value, Seen) {
    let plan = request.plan();
    let mut response = BulkResponseBuilder::new(request);
    let mut seen = Vec::new();
    for step in plan.steps() {
        if response.is_stopped() {
            break;
        }
        let index = step.index();
        let result = match step {
            PlanStep::Reject { error, .. } => BulkOperationResult::failure(error.clone()),
            PlanStep::Execute(_) => {
                let op = request.operation(index).unwrap();
                match op.resolve(response.created_ids()) {
                    Err(e) => BulkOperationResult::failure(e),
                    Ok(resolved) => {
                        seen.push((index, resolved.id.clone(), resolved.data.clone()));
                        if fail.contains(&index) {
                            BulkOperationResult::failure(ScimError::invalid_syntax(
                                "Request is unparsable, syntactically incorrect, or violates schema.",
                            ))
                        } else {
                            let id = resolved.id.clone().unwrap_or(format!("id-{index}"));
                            let location = format!("{BASE}{}/{id}", resolved.endpoint);
                            match resolved.method {
                                BulkMethod::Post => BulkOperationResult::success(201)
                                    .with_location(location)
                                    .with_version(format!("W/\"v{index}\""))
                                    .with_id(id),
                                BulkMethod::Put | BulkMethod::Patch => {
                                    BulkOperationResult::success(200)
                                        .with_location(location)
                                        .with_version(format!("W/\"v{index}\""))
                                }
                                BulkMethod::Delete => {
                                    BulkOperationResult::success(204).with_location(location)
                                }
                            }
                        }
                    }
                }
            }
        };
        response.record(index, result);
    }
    (response.to_json(), seen)
}

fn statuses(response: &Value) -> Vec<&str> {
    response["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect()
}

// ---- RFC 7644 §3.7.3: POST, PUT, PATCH and DELETE in one request ----

fn rfc_mixed_request(fail_on_errors: Option<u64>) -> Value {
    let mut body = bulk(json!([
        {
            "method": "POST",
            "path": "/Users",
            "bulkId": "qwerty",
            "data": {"schemas": [USER], "userName": "Alice"}
        },
        {
            "method": "PUT",
            "path": "/Users/b7c14771-226c-4d05-8860-134711653041",
            "version": "W/\"3694e05e9dff591\"",
            "data": {
                "schemas": [USER],
                "id": "b7c14771-226c-4d05-8860-134711653041",
                "userName": "Bob"
            }
        },
        {
            "method": "PATCH",
            "path": "/Users/5d8d29d3-342c-4b5f-8683-a3cb6763ffcc",
            "version": "W/\"edac3253e2c0ef2\"",
            "data": {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                    {"op": "remove", "path": "nickName"},
                    {"op": "replace", "path": "userName", "value": "Dave"}
                ]
            }
        },
        {
            "method": "DELETE",
            "path": "/Users/e9025315-6bea-44e1-899c-1e07454e468b",
            "version": "W/\"0ee8add0a938e1a\""
        }
    ]));
    if let Some(n) = fail_on_errors {
        body["failOnErrors"] = json!(n);
    }
    body
}

#[test]
fn rfc_mixed_request_parses_every_field() {
    let req = parse(&rfc_mixed_request(Some(1)));
    assert_eq!(req.fail_on_errors(), Some(1));
    assert_eq!(req.len(), 4);

    let post = req.operation(0).unwrap();
    assert_eq!(post.method(), BulkMethod::Post);
    assert_eq!(post.bulk_id(), Some("qwerty"));
    assert_eq!(post.path().endpoint(), "/Users");
    assert_eq!(post.path().id(), None);
    assert_eq!(post.data().unwrap()["userName"], "Alice");

    let put = req.operation(1).unwrap();
    assert_eq!(put.method(), BulkMethod::Put);
    assert_eq!(
        put.path().id(),
        Some("b7c14771-226c-4d05-8860-134711653041")
    );
    assert_eq!(put.version(), Some("W/\"3694e05e9dff591\""));

    let patch = req.operation(2).unwrap();
    assert_eq!(patch.method(), BulkMethod::Patch);
    assert_eq!(patch.data().unwrap()["Operations"][1]["value"], "Dave");

    let delete = req.operation(3).unwrap();
    assert_eq!(delete.method(), BulkMethod::Delete);
    assert_eq!(delete.data(), None);
    assert_eq!(delete.version(), Some("W/\"0ee8add0a938e1a\""));

    // No references: request order.
    assert_eq!(req.plan().order().collect::<Vec<_>>(), [0, 1, 2, 3]);
}

#[test]
fn rfc_mixed_request_response_has_the_rfc_shape() {
    let req = parse(&rfc_mixed_request(Some(1)));
    let (response, _) = run(&req, &[]);
    assert_eq!(
        response,
        json!({
            "schemas": [BULK_RESPONSE],
            "Operations": [
                {
                    "location": "https://example.com/v2/Users/id-0",
                    "method": "POST",
                    "bulkId": "qwerty",
                    "version": "W/\"v0\"",
                    "status": "201"
                },
                {
                    "location": "https://example.com/v2/Users/b7c14771-226c-4d05-8860-134711653041",
                    "method": "PUT",
                    "version": "W/\"v1\"",
                    "status": "200"
                },
                {
                    "location": "https://example.com/v2/Users/5d8d29d3-342c-4b5f-8683-a3cb6763ffcc",
                    "method": "PATCH",
                    "version": "W/\"v2\"",
                    "status": "200"
                },
                {
                    "location": "https://example.com/v2/Users/e9025315-6bea-44e1-899c-1e07454e468b",
                    "method": "DELETE",
                    "status": "204"
                }
            ]
        })
    );
}

// ---- RFC 7644 §3.7.3: failOnErrors ----

#[test]
fn rfc_fail_on_errors_1_stops_after_the_failed_post() {
    let req = parse(&rfc_mixed_request(Some(1)));
    let (response, seen) = run(&req, &[0]);
    // The RFC's example: the POST fails, processing stops, and only that
    // result is returned, with the error body and no location.
    assert_eq!(
        response,
        json!({
            "schemas": [BULK_RESPONSE],
            "Operations": [{
                "method": "POST",
                "bulkId": "qwerty",
                "status": "400",
                "response": {
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                    "scimType": "invalidSyntax",
                    "detail": "Request is unparsable, syntactically incorrect, or violates schema.",
                    "status": "400"
                }
            }]
        })
    );
    assert_eq!(seen.len(), 1, "nothing ran after the stop");
}

#[test]
fn without_fail_on_errors_every_operation_runs() {
    let req = parse(&rfc_mixed_request(None));
    let (response, seen) = run(&req, &[0, 2]);
    assert_eq!(statuses(&response), ["400", "200", "400", "204"]);
    assert_eq!(seen.len(), 4);
}

#[test]
fn fail_on_errors_counts_to_n_then_omits_the_rest() {
    let ops: Vec<Value> = (0..6)
        .map(|i| json!({"method": "DELETE", "path": format!("/Users/u{i}")}))
        .collect();
    let mut body = bulk(Value::Array(ops));
    body["failOnErrors"] = json!(2);
    let req = parse(&body);
    let (response, seen) = run(&req, &[1, 3, 4]);
    // Errors at 1 and 3 reach the limit; 4 and 5 never run.
    assert_eq!(statuses(&response), ["204", "400", "204", "400"]);
    assert_eq!(seen.len(), 4);
}

#[test]
fn plan_rejections_count_against_fail_on_errors() {
    let mut body = bulk(json!([
        {"method": "PATCH", "path": "/Users/bulkId:ghost", "data": {"Operations": []}},
        {"method": "DELETE", "path": "/Users/a"}
    ]));
    body["failOnErrors"] = json!(1);
    let (response, seen) = run(&parse(&body), &[]);
    assert_eq!(statuses(&response), ["409"]);
    assert!(seen.is_empty());
}

#[test]
fn fail_on_errors_must_be_a_positive_integer() {
    for bad in [json!(0), json!(-1), json!(1.5), json!("1"), json!(true)] {
        let mut body = rfc_mixed_request(None);
        body["failOnErrors"] = bad.clone();
        let err = parse_err(&body);
        assert_eq!(err.status(), 400, "{bad}");
        assert_eq!(err.scim_type(), Some(ScimType::InvalidValue), "{bad}");
    }
    let mut body = rfc_mixed_request(None);
    body["failOnErrors"] = Value::Null;
    assert_eq!(parse(&body).fail_on_errors(), None);
}

// ---- RFC 7644 §3.7.2: bulkId temporary identifiers ----

#[test]
fn rfc_group_members_reference_a_user_bulk_id() {
    let req = parse(&bulk(json!([
        {
            "method": "POST",
            "path": "/Users",
            "bulkId": "qwerty",
            "data": {"schemas": [USER], "userName": "Alice"}
        },
        {
            "method": "POST",
            "path": "/Groups",
            "bulkId": "ytrewq",
            "data": {
                "schemas": [GROUP],
                "displayName": "Tour Guides",
                "members": [{"type": "User", "value": "bulkId:qwerty"}]
            }
        }
    ])));
    assert_eq!(req.operation(1).unwrap().references(), ["qwerty"]);
    let (response, seen) = run(&req, &[]);
    assert_eq!(statuses(&response), ["201", "201"]);
    let group_data = seen[1].2.as_ref().unwrap();
    assert_eq!(group_data["members"][0]["value"], "id-0");
    assert_eq!(group_data["members"][0]["type"], "User");
    assert_eq!(
        response["Operations"][1]["location"],
        "https://example.com/v2/Groups/id-1"
    );
}

#[test]
fn rfc_enterprise_manager_references_a_bulk_id() {
    let req = parse(&bulk(json!([
        {
            "method": "POST",
            "path": "/Users",
            "bulkId": "qwerty",
            "data": {"schemas": [USER], "userName": "Alice"}
        },
        {
            "method": "POST",
            "path": "/Users",
            "bulkId": "ytrewq",
            "data": {
                "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                "userName": "Bob",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                    "employeeNumber": "11250",
                    "manager": {"value": "bulkId:qwerty"}
                }
            }
        }
    ])));
    let (_, seen) = run(&req, &[]);
    let bob = seen[1].2.as_ref().unwrap();
    assert_eq!(
        bob["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]["value"],
        "id-0"
    );
}

#[test]
fn a_forward_reference_runs_the_post_first_and_answers_in_request_order() {
    let req = parse(&bulk(json!([
        {"method": "POST", "path": "/Groups", "bulkId": "g",
         "data": {"displayName": "G", "members": [{"value": "bulkId:u"}]}},
        {"method": "DELETE", "path": "/Users/x"},
        {"method": "POST", "path": "/Users", "bulkId": "u", "data": {"userName": "u"}}
    ])));
    let plan = req.plan();
    assert_eq!(plan.order().collect::<Vec<_>>(), [1, 2, 0]);
    let (response, seen) = run(&req, &[]);
    assert_eq!(seen[2].2.as_ref().unwrap()["members"][0]["value"], "id-2");
    let methods: Vec<&str> = response["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["bulkId"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(methods, ["g", "-", "u"], "results are in request order");
}

#[test]
fn ordering_is_stable_and_only_moves_what_must_move() {
    // 0 needs 3; 1 needs 0; 2 is independent; 3 needs nothing.
    let req = parse(&bulk(json!([
        {"method": "POST", "path": "/Groups", "bulkId": "a", "data": {"m": "bulkId:d"}},
        {"method": "PATCH", "path": "/Groups/bulkId:a", "data": {"Operations": []}},
        {"method": "POST", "path": "/Users", "bulkId": "c", "data": {}},
        {"method": "POST", "path": "/Users", "bulkId": "d", "data": {}}
    ])));
    assert_eq!(req.plan().order().collect::<Vec<_>>(), [2, 3, 0, 1]);
}

#[test]
fn a_chain_given_backwards_runs_forwards() {
    let n = 50;
    let ops: Vec<Value> = (0..n)
        .map(|i| {
            let mut data = json!({"userName": format!("u{i}")});
            if i + 1 < n {
                data["manager"] = json!({"value": format!("bulkId:b{}", i + 1)});
            }
            json!({"method": "POST", "path": "/Users", "bulkId": format!("b{i}"), "data": data})
        })
        .collect();
    let req = parse(&bulk(Value::Array(ops)));
    let order: Vec<usize> = req.plan().order().collect();
    assert_eq!(order, (0..n).rev().collect::<Vec<_>>());
    let (response, _) = run(&req, &[]);
    assert!(statuses(&response).iter().all(|s| *s == "201"));
}

#[test]
fn path_references_resolve_for_put_patch_and_delete() {
    let req = parse(&bulk(json!([
        {"method": "POST", "path": "/Users", "bulkId": "q", "data": {"userName": "a"}},
        {"method": "PUT", "path": "/Users/bulkId:q", "data": {"userName": "b"}},
        {"method": "PATCH", "path": "/Users/bulkId:q", "data": {"Operations": []}},
        {"method": "DELETE", "path": "/Users/bulkId:q"}
    ])));
    let (response, seen) = run(&req, &[]);
    assert_eq!(statuses(&response), ["201", "200", "200", "204"]);
    for (_, id, _) in &seen[1..] {
        assert_eq!(id.as_deref(), Some("id-0"));
    }
    assert_eq!(
        response["Operations"][3]["location"],
        "https://example.com/v2/Users/id-0"
    );
}

#[test]
fn substitution_reaches_deep_inside_patch_values() {
    let req = parse(&bulk(json!([
        {"method": "POST", "path": "/Users", "bulkId": "alice", "data": {"userName": "alice"}},
        {"method": "POST", "path": "/Users", "bulkId": "bob", "data": {"userName": "bob"}},
        {"method": "PATCH", "path": "/Groups/g1", "data": {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "add", "path": "members", "value": [
                    {"value": "bulkId:alice"},
                    {"value": "bulkId:bob", "display": "bulkId:bob"}
                ]},
                {"op": "replace", "value": {"x": {"y": [[{"z": "bulkId:alice"}]]}}},
                {"op": "remove", "path": "members[value eq \"bulkId:alice\"]"}
            ]
        }}
    ])));
    assert_eq!(req.operation(2).unwrap().references(), ["alice", "bob"]);
    let (_, seen) = run(&req, &[]);
    let ops = &seen[2].2.as_ref().unwrap()["Operations"];
    assert_eq!(ops[0]["value"][0]["value"], "id-0");
    assert_eq!(ops[0]["value"][1]["value"], "id-1");
    assert_eq!(ops[0]["value"][1]["display"], "id-1");
    assert_eq!(ops[1]["value"]["x"]["y"][0][0]["z"], "id-0");
    // Only whole-string references are substituted; a filter is left alone.
    assert_eq!(ops[2]["path"], "members[value eq \"bulkId:alice\"]");
}

#[test]
fn resolve_references_is_a_pure_function() {
    let ids: HashMap<String, String> = [("a".to_owned(), "1".to_owned())].into();
    let v = json!({"members": [{"value": "bulkId:a"}]});
    assert_eq!(
        resolve_references(&v, &ids).unwrap(),
        json!({"members": [{"value": "1"}]})
    );
    assert_eq!(v["members"][0]["value"], "bulkId:a", "input untouched");
    assert_eq!(
        resolve_references(&json!(["bulkId:b"]), &ids)
            .unwrap_err()
            .bulk_id,
        "b"
    );
}

#[test]
fn dependents_of_a_failed_post_fail_with_409_naming_the_bulk_id() {
    let req = parse(&bulk(json!([
        {"method": "POST", "path": "/Users", "bulkId": "qwerty", "data": {"userName": "Alice"}},
        {"method": "POST", "path": "/Groups", "bulkId": "ytrewq",
         "data": {"displayName": "T", "members": [{"value": "bulkId:qwerty"}]}},
        {"method": "PATCH", "path": "/Groups/bulkId:ytrewq", "data": {"Operations": []}}
    ])));
    let (response, seen) = run(&req, &[0]);
    assert_eq!(statuses(&response), ["400", "409", "409"]);
    assert_eq!(seen.len(), 1, "the dependents never reached a handler");
    let detail = response["Operations"][1]["response"]["detail"]
        .as_str()
        .unwrap();
    assert!(detail.contains("bulkId:qwerty"), "{detail}");
    let detail = response["Operations"][2]["response"]["detail"]
        .as_str()
        .unwrap();
    assert!(detail.contains("bulkId:ytrewq"), "{detail}");
    assert_eq!(response["Operations"][1]["response"]["status"], "409");
}

#[test]
fn unknown_bulk_ids_are_rejected_up_front() {
    let req = parse(&bulk(json!([
        {"method": "POST", "path": "/Groups", "bulkId": "g",
         "data": {"displayName": "G", "members": [{"value": "bulkId:nobody"}]}},
        {"method": "DELETE", "path": "/Users/bulkId:nothing"},
        {"method": "PATCH", "path": "/Groups/bulkId:g", "data": {"Operations": []}},
        // A bulkId on a non-POST declares nothing that can be referenced.
        {"method": "PUT", "path": "/Users/x", "bulkId": "put", "data": {}},
        {"method": "DELETE", "path": "/Users/bulkId:put"}
    ])));
    let plan = req.plan();
    let e = rejection(&plan, 0);
    assert_eq!(e.status(), 409);
    assert!(e.detail().contains("bulkId:nobody"), "{}", e.detail());
    assert!(rejection(&plan, 1).detail().contains("bulkId:nothing"));
    // 2 depends on the rejected POST g.
    let e = rejection(&plan, 2);
    assert_eq!(e.status(), 409);
    assert!(e.detail().contains("bulkId:g"), "{}", e.detail());
    assert_eq!(step(&plan, 3), &PlanStep::Execute(3));
    assert!(rejection(&plan, 4).detail().contains("bulkId:put"));
}

// ---- RFC 7644 §3.7.1: circular references ----

#[test]
fn rfc_circular_groups_are_rejected_with_409() {
    let req = parse(&bulk(json!([
        {
            "method": "POST",
            "path": "/Groups",
            "bulkId": "qwerty",
            "data": {
                "schemas": [GROUP],
                "displayName": "Group A",
                "members": [{"type": "Group", "value": "bulkId:ytrewq"}]
            }
        },
        {
            "method": "POST",
            "path": "/Groups",
            "bulkId": "ytrewq",
            "data": {
                "schemas": [GROUP],
                "displayName": "Group B",
                "members": [{"type": "Group", "value": "bulkId:qwerty"}]
            }
        }
    ])));
    let plan = req.plan();
    for i in 0..2 {
        let e = rejection(&plan, i);
        assert_eq!(e.status(), 409);
        assert!(e.detail().contains("circular"), "{}", e.detail());
    }
    let (response, seen) = run(&req, &[]);
    assert!(seen.is_empty(), "nothing on a cycle touches the store");
    assert_eq!(statuses(&response), ["409", "409"]);
    assert_eq!(response["Operations"][0]["bulkId"], "qwerty");
    assert!(response["Operations"][0].get("location").is_none());
}

#[test]
fn a_self_reference_is_a_cycle_and_dependents_of_cycles_fail_but_the_rest_runs() {
    let req = parse(&bulk(json!([
        {"method": "POST", "path": "/Groups", "bulkId": "self",
         "data": {"members": [{"value": "bulkId:self"}]}},
        {"method": "POST", "path": "/Groups", "bulkId": "a", "data": {"m": "bulkId:b"}},
        {"method": "POST", "path": "/Groups", "bulkId": "b", "data": {"m": "bulkId:c"}},
        {"method": "POST", "path": "/Groups", "bulkId": "c", "data": {"m": "bulkId:a"}},
        {"method": "PATCH", "path": "/Groups/bulkId:a", "data": {"Operations": []}},
        {"method": "POST", "path": "/Users", "bulkId": "ok", "data": {"userName": "ok"}}
    ])));
    let plan = req.plan();
    for i in 0..4 {
        assert!(rejection(&plan, i).detail().contains("circular"), "op {i}");
    }
    let e = rejection(&plan, 4);
    assert!(
        !e.detail().contains("circular") && e.detail().contains("bulkId:a"),
        "{}",
        e.detail()
    );
    assert_eq!(step(&plan, 5), &PlanStep::Execute(5));
    // Rejections keep their request position in the order.
    assert_eq!(plan.order().collect::<Vec<_>>(), [0, 1, 2, 3, 4, 5]);
}

// ---- RFC 7644 §3.7.4: limits ----

fn deletes(n: usize) -> Value {
    bulk(Value::Array(
        (0..n)
            .map(|i| json!({"method": "DELETE", "path": format!("/Users/{i}")}))
            .collect(),
    ))
}

#[test]
fn max_operations_at_the_bound_passes_and_one_past_is_413() {
    let limits = BulkLimits::default().with_max_operations(10);
    assert_eq!(parse_with(&deletes(10), &limits).unwrap().len(), 10);
    let err = parse_with(&deletes(11), &limits).unwrap_err();
    assert_eq!(err.status(), 413);
    assert!(
        err.detail().contains("maxOperations is 10"),
        "{}",
        err.detail()
    );
}

#[test]
fn default_max_operations_is_1000() {
    assert_eq!(parse(&deletes(1000)).len(), 1000);
    assert_eq!(parse_err(&deletes(1001)).status(), 413);
}

#[test]
fn payload_check_at_the_bound_and_one_past() {
    let body = serde_json::to_vec(&rfc_mixed_request(None)).unwrap();
    let exact = BulkLimits::default().with_max_payload_size(body.len());
    assert!(exact.check_payload(body.len()).is_ok());
    let err = exact.check_payload(body.len() + 1).unwrap_err();
    assert_eq!(err.status(), 413);
    assert!(err
        .detail()
        .contains(&format!("maxPayloadSize is {} bytes", body.len())));
    assert!(BulkLimits::default().check_payload(1_048_576).is_ok());
    assert_eq!(
        BulkLimits::default()
            .check_payload(1_048_577)
            .unwrap_err()
            .status(),
        413
    );
}

// ---- Malformed requests and operations ----

#[test]
fn bodies_that_are_not_bulk_requests_fail_whole() {
    let cases = [
        (json!([]), ScimType::InvalidSyntax),
        (json!("x"), ScimType::InvalidSyntax),
        (json!({"Operations": []}), ScimType::InvalidSyntax),
        (
            json!({"schemas": "x", "Operations": []}),
            ScimType::InvalidSyntax,
        ),
        (
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []}),
            ScimType::InvalidSyntax,
        ),
        (json!({"schemas": [BULK_REQUEST]}), ScimType::InvalidSyntax),
        (
            json!({"schemas": [BULK_REQUEST], "Operations": {}}),
            ScimType::InvalidSyntax,
        ),
    ];
    for (body, scim_type) in cases {
        let err = parse_err(&body);
        assert_eq!(err.status(), 400, "{body}");
        assert_eq!(err.scim_type(), Some(scim_type), "{body}");
    }
}

#[test]
fn attribute_names_and_the_urn_are_case_insensitive() {
    let req = parse(&json!({
        "SCHEMAS": [BULK_REQUEST.to_uppercase()],
        "failonerrors": 3,
        "operations": [{"METHOD": "delete", "PATH": "/Users/a", "Version": "W/\"1\""}]
    }));
    assert_eq!(req.fail_on_errors(), Some(3));
    let op = req.operation(0).unwrap();
    assert_eq!(op.method(), BulkMethod::Delete);
    assert_eq!(op.version(), Some("W/\"1\""));

    // An exact-case key wins over a differently-cased duplicate.
    let req = parse(&json!({
        "schemas": [BULK_REQUEST],
        "operations": [{"method": "DELETE", "path": "/Users/a"}],
        "Operations": [
            {"method": "DELETE", "path": "/Users/b"},
            {"method": "DELETE", "path": "/Users/c"}
        ]
    }));
    assert_eq!(req.len(), 2);
}

#[test]
fn an_empty_operations_array_is_an_empty_response() {
    let req = parse(&bulk(json!([])));
    assert!(req.is_empty());
    let (response, _) = run(&req, &[]);
    assert_eq!(
        response,
        json!({"schemas": [BULK_RESPONSE], "Operations": []})
    );
}

#[test]
fn malformed_operations_fail_alone_with_the_right_error() {
    let cases: Vec<(Value, ScimType, &str)> = vec![
        (json!("DELETE /Users/1"), ScimType::InvalidSyntax, "object"),
        (
            json!({"path": "/Users/1"}),
            ScimType::InvalidValue,
            "method",
        ),
        (
            json!({"method": "GET", "path": "/Users/1"}),
            ScimType::InvalidValue,
            "GET",
        ),
        (
            json!({"method": 1, "path": "/Users/1"}),
            ScimType::InvalidValue,
            "method",
        ),
        (
            json!({"method": "POST", "path": "/Users", "data": {}}),
            ScimType::InvalidValue,
            "bulkId",
        ),
        (
            json!({"method": "POST", "path": "/Users", "bulkId": "", "data": {}}),
            ScimType::InvalidValue,
            "bulkId",
        ),
        (
            json!({"method": "POST", "path": "/Users", "bulkId": 7, "data": {}}),
            ScimType::InvalidValue,
            "bulkId",
        ),
        (
            json!({"method": "POST", "bulkId": "p", "data": {}}),
            ScimType::InvalidValue,
            "path",
        ),
        (
            json!({"method": "POST", "path": "/Users/1", "bulkId": "p", "data": {}}),
            ScimType::InvalidValue,
            "POST",
        ),
        (
            json!({"method": "PUT", "path": "/Users", "data": {}}),
            ScimType::InvalidValue,
            "/Users/{id}",
        ),
        (
            json!({"method": "DELETE", "path": "Users/1"}),
            ScimType::InvalidValue,
            "'/'",
        ),
        (
            json!({"method": "PUT", "path": "/Users/1"}),
            ScimType::InvalidValue,
            "data",
        ),
        (
            json!({"method": "PATCH", "path": "/Users/1", "data": []}),
            ScimType::InvalidValue,
            "data",
        ),
        (
            json!({"method": "POST", "path": "/Users", "bulkId": "p", "data": "x"}),
            ScimType::InvalidValue,
            "data",
        ),
        (
            json!({"method": "PUT", "path": "/Users/1", "version": 3, "data": {}}),
            ScimType::InvalidValue,
            "version",
        ),
    ];
    let ops: Vec<Value> = cases.iter().map(|(op, _, _)| op.clone()).collect();
    let mut all = ops.clone();
    all.push(json!({"method": "DELETE", "path": "/Users/fine"}));
    let req = parse(&bulk(Value::Array(all)));
    let plan = req.plan();
    for (i, (op, scim_type, needle)) in cases.iter().enumerate() {
        let e = rejection(&plan, i);
        assert_eq!(e.status(), 400, "{op}");
        assert_eq!(e.scim_type(), Some(*scim_type), "{op}: {}", e.detail());
        assert!(e.detail().contains(needle), "{op}: {}", e.detail());
    }
    assert_eq!(step(&plan, cases.len()), &PlanStep::Execute(cases.len()));

    // The response echoes what it can of each malformed operation.
    let (response, _) = run(&req, &[]);
    let results = response["Operations"].as_array().unwrap();
    assert_eq!(results.len(), cases.len() + 1);
    assert!(results[0].get("method").is_none());
    assert_eq!(results[2]["method"], "GET");
    assert_eq!(results[7]["bulkId"], "p");
    assert_eq!(results[2]["response"]["scimType"], "invalidValue");
}

#[test]
fn duplicate_bulk_ids_invalidate_every_declarer_and_their_dependents() {
    let req = parse(&bulk(json!([
        {"method": "POST", "path": "/Users", "bulkId": "dup", "data": {"userName": "a"}},
        {"method": "POST", "path": "/Users", "bulkId": "dup", "data": {"userName": "b"}},
        {"method": "PATCH", "path": "/Users/bulkId:dup", "data": {"Operations": []}},
        {"method": "POST", "path": "/Users", "bulkId": "solo", "data": {"userName": "c"}}
    ])));
    let plan = req.plan();
    for i in 0..2 {
        let e = rejection(&plan, i);
        assert_eq!(
            (e.status(), e.scim_type()),
            (400, Some(ScimType::InvalidValue))
        );
        assert!(e.detail().contains("dup"));
    }
    assert_eq!(rejection(&plan, 2).status(), 409);
    assert_eq!(step(&plan, 3), &PlanStep::Execute(3));
}

#[test]
fn delete_data_is_ignored_references_included() {
    let req = parse(&bulk(json!([
        {"method": "DELETE", "path": "/Users/1", "data": {"x": "bulkId:ghost"}}
    ])));
    let op = req.operation(0).unwrap();
    assert!(op.data().is_none() && op.references().is_empty());
    assert_eq!(req.plan().steps(), [PlanStep::Execute(0)]);
}

// ---- BulkResponseBuilder ----

#[test]
fn builder_tracks_created_ids_only_for_successful_posts() {
    let req = parse(&bulk(json!([
        {"method": "POST", "path": "/Users", "bulkId": "a", "data": {}},
        {"method": "POST", "path": "/Users", "bulkId": "b", "data": {}},
        {"method": "PUT", "path": "/Users/x", "bulkId": "c", "data": {}}
    ])));
    let mut b = BulkResponseBuilder::new(&req);
    assert!(b.record(0, BulkOperationResult::success(201).with_id("1")));
    assert!(b.record(
        1,
        BulkOperationResult::failure(ScimError::uniqueness("taken")).with_id("2")
    ));
    assert!(b.record(2, BulkOperationResult::success(200).with_id("3")));
    assert_eq!(b.created_ids().len(), 1);
    assert_eq!(b.created_ids()["a"], "1");
    assert_eq!(b.error_count(), 1);
    // Out-of-range indexes are ignored, not a panic.
    assert!(b.record(99, BulkOperationResult::success(200)));
    let body = b.to_json();
    assert_eq!(body["Operations"].as_array().unwrap().len(), 3);
    assert_eq!(body["Operations"][1]["response"]["scimType"], "uniqueness");
    assert_eq!(body["Operations"][1]["status"], "409");
}

#[test]
fn a_status_only_failure_still_carries_a_response_body() {
    let req = parse(&bulk(json!([{"method": "DELETE", "path": "/Users/1"}])));
    let mut b = BulkResponseBuilder::new(&req);
    b.record(
        0,
        BulkOperationResult::success(404).with_location(format!("{BASE}/Users/1")),
    );
    let body = b.to_json();
    assert_eq!(body["Operations"][0]["status"], "404");
    assert_eq!(body["Operations"][0]["response"]["status"], "404");
    assert_eq!(b.error_count(), 1);
}

#[test]
fn with_base_url_fills_locations_for_everything_but_posts() {
    let req = parse(&bulk(json!([
        {"method": "POST", "path": "/Users", "bulkId": "q", "data": {}},
        {"method": "POST", "path": "/Users", "bulkId": "f", "data": {}},
        {"method": "PATCH", "path": "/Users/bulkId:q", "data": {"Operations": []}},
        {"method": "PUT", "path": "/Users/bulkId:f", "data": {}},
        {"method": "DELETE", "path": "/Groups/g1"},
        {"method": "DELETE", "path": "/Groups/g2"}
    ])));
    let mut b = BulkResponseBuilder::new(&req).with_base_url(format!("{BASE}/"));
    b.record(0, BulkOperationResult::success(201).with_id("id-q"));
    b.record(
        1,
        BulkOperationResult::failure(ScimError::uniqueness("taken")),
    );
    b.record(2, BulkOperationResult::success(200));
    b.record(
        3,
        BulkOperationResult::failure(ScimError::conflict("bulkId:f")),
    );
    b.record(
        4,
        BulkOperationResult::failure(ScimError::not_found("gone")),
    );
    b.record(
        5,
        BulkOperationResult::success(204).with_location("https://elsewhere/x"),
    );
    let ops = b.to_json()["Operations"].clone();
    // A POST's location is the server's to give (there is no id to guess).
    assert!(ops[0].get("location").is_none());
    assert!(ops[1].get("location").is_none());
    assert_eq!(ops[2]["location"], "https://example.com/v2/Users/id-q");
    // bulkId:f never resolved, so there is no resource to point at.
    assert!(ops[3].get("location").is_none());
    assert_eq!(ops[4]["location"], "https://example.com/v2/Groups/g1");
    assert_eq!(
        ops[5]["location"], "https://elsewhere/x",
        "a given location wins"
    );
}

#[test]
fn after_the_stop_records_are_refused() {
    let mut body = deletes(3);
    body["failOnErrors"] = json!(1);
    let req = parse(&body);
    let mut b = BulkResponseBuilder::new(&req);
    assert!(!b.record(0, BulkOperationResult::failure(ScimError::not_found("x"))));
    assert!(b.is_stopped());
    assert!(!b.record(1, BulkOperationResult::success(204)));
    assert_eq!(b.to_json()["Operations"].as_array().unwrap().len(), 1);
}

// ---- Laws of the plan, over random dependency graphs ----

mod laws {
    use super::*;
    use proptest::prelude::*;

    /// Up to 24 operations; each refers to up to 4 bulkIds among b0..b27,
    /// so some references are unknown, and some ops are PATCHes (which
    /// declare nothing) referring to their target through the path.
    fn graph() -> impl Strategy<Value = Vec<(bool, Vec<usize>)>> {
        prop::collection::vec(
            (
                prop::bool::weighted(0.8),
                prop::collection::vec(0usize..28, 0..4),
            ),
            1..24,
        )
    }

    fn body(g: &[(bool, Vec<usize>)]) -> Value {
        let ops: Vec<Value> = g
            .iter()
            .enumerate()
            .map(|(i, (is_post, refs))| {
                let members: Vec<Value> = refs
                    .iter()
                    .map(|r| json!({"value": format!("bulkId:b{r}")}))
                    .collect();
                if *is_post {
                    json!({"method": "POST", "path": "/Groups", "bulkId": format!("b{i}"),
                           "data": {"members": members}})
                } else {
                    json!({"method": "PATCH", "path": format!("/Groups/p{i}"),
                           "data": {"Operations": [{"op": "add", "path": "members", "value": members}]}})
                }
            })
            .collect();
        bulk(Value::Array(ops))
    }

    /// The edges, by brute force: i -> j when i refers to b{j} and j is a
    /// POST; `None` for a reference to no POST.
    fn edges(g: &[(bool, Vec<usize>)]) -> Vec<Vec<Option<usize>>> {
        g.iter()
            .map(|(_, refs)| {
                refs.iter()
                    .map(|&r| (r < g.len() && g[r].0).then_some(r))
                    .collect()
            })
            .collect()
    }

    /// Whether i must be rejected: it reaches an unknown reference or a
    /// node on a cycle (a node that reaches itself).
    fn must_reject(e: &[Vec<Option<usize>>]) -> Vec<bool> {
        let n = e.len();
        let reach: Vec<Vec<bool>> = (0..n)
            .map(|s| {
                let mut seen = vec![false; n];
                let mut stack: Vec<usize> = e[s].iter().flatten().copied().collect();
                while let Some(v) = stack.pop() {
                    if !std::mem::replace(&mut seen[v], true) {
                        stack.extend(e[v].iter().flatten().copied());
                    }
                }
                seen
            })
            .collect();
        let bad_here: Vec<bool> = (0..n)
            .map(|i| e[i].iter().any(Option::is_none) || reach[i][i])
            .collect();
        (0..n)
            .map(|i| bad_here[i] || (0..n).any(|j| reach[i][j] && bad_here[j]))
            .collect()
    }

    proptest! {
        #[test]
        fn plan_is_a_dependency_respecting_permutation(g in graph()) {
            let req = parse(&body(&g));
            let plan = req.plan();
            let order: Vec<usize> = plan.order().collect();
            let mut sorted = order.clone();
            sorted.sort_unstable();
            prop_assert_eq!(sorted, (0..g.len()).collect::<Vec<_>>());

            let e = edges(&g);
            let reject = must_reject(&e);
            let mut done = vec![false; g.len()];
            for step in plan.steps() {
                match step {
                    PlanStep::Execute(i) => {
                        prop_assert!(!reject[*i], "op {} should be rejected", i);
                        for j in e[*i].iter().flatten() {
                            prop_assert!(done[*j], "op {} ran before the POST {} it needs", i, j);
                        }
                        done[*i] = true;
                    }
                    PlanStep::Reject { index, error } => {
                        prop_assert!(reject[*index], "op {} should run: {}", index, error.detail());
                        prop_assert_eq!(error.status(), 409);
                    }
                }
            }
        }

        #[test]
        fn a_request_already_in_order_runs_as_written(g in graph()) {
            // Keep only references to earlier POSTs.
            let g: Vec<(bool, Vec<usize>)> = g
                .iter()
                .enumerate()
                .map(|(i, (p, refs))| {
                    (*p, refs.iter().copied().filter(|&r| r < i && g[r].0).collect())
                })
                .collect();
            let plan = parse(&body(&g)).plan();
            let expected: Vec<PlanStep> = (0..g.len()).map(PlanStep::Execute).collect();
            prop_assert_eq!(plan.steps(), &expected[..]);
        }
    }
}
