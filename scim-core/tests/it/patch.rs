//! The PATCH engine (RFC 7644 §3.5.2): the RFC's examples, one test per
//! error rule, the identity-provider shapes, and property tests.

#![allow(clippy::unwrap_used)]

use std::sync::OnceLock;

use proptest::prelude::*;
use scim_core::patch::{
    apply_patch, apply_patch_in_place, apply_patch_owned, PatchOp, PatchRequest,
};
use scim_core::schema::{
    AttrType, Attribute, ResourceSchema, SchemaBuilder, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA,
    PATCH_OP_SCHEMA, USER_SCHEMA,
};
use scim_core::{Compat, Registry, ScimError, ScimType};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------
// Fixtures

/// The built-in registry (User with the Enterprise User extension, Group).
fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(Registry::with_builtins)
}

/// The RFC 7643 §8.3 full user with the Enterprise User extension (the
/// certificate shortened), as stored: without the cleartext `password` of
/// the RFC's example, which a store never holds.
fn full_user() -> Value {
    let mut u = crate::resource::enterprise_user();
    if let Some(o) = u.as_object_mut() {
        o.remove("password");
    }
    u
}

fn small_user() -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "userName": "bjensen",
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}]
    })
}

const BABS: &str = "2819c223-7f76-453a-919d-413861904646";
const JAMES: &str = "08e1d05d-121c-4561-8b96-473d93df9210";
const JOHN: &str = "902c246b-6245-4190-8e05-00816be7344a";

fn group() -> Value {
    json!({
        "schemas": [GROUP_SCHEMA],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Tour Guides",
        "members": [
            {"value": BABS, "$ref": format!("https://example.com/v2/Users/{BABS}"), "display": "Babs Jensen"},
            {"value": JAMES, "$ref": format!("https://example.com/v2/Users/{JAMES}"), "display": "James Smith"}
        ]
    })
}

fn body(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops})
}

fn run_with(view: &str, resource: &Value, ops: Value, compat: &Compat) -> Result<Value, ScimError> {
    let request = PatchRequest::from_json(&body(ops), compat)?;
    let schema = registry().view(view).unwrap();
    apply_patch(&schema, resource, &request, compat)
}

fn user_patch(resource: &Value, ops: Value) -> Result<Value, ScimError> {
    run_with("User", resource, ops, &Compat::standard())
}

fn group_patch(resource: &Value, ops: Value) -> Result<Value, ScimError> {
    run_with("Group", resource, ops, &Compat::standard())
}

fn scim_type(r: Result<Value, ScimError>) -> ScimType {
    let e = r.expect_err("the PATCH should fail");
    assert_eq!(e.status(), 400, "{e}");
    e.scim_type().unwrap()
}

fn member_ids(g: &Value) -> Vec<&str> {
    g["members"]
        .as_array()
        .map(|a| a.iter().map(|m| m["value"].as_str().unwrap()).collect())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Parsing the body

#[test]
fn parses_ops_paths_and_values() {
    let r = PatchRequest::from_json(
        &body(json!([
            {"op": "add", "path": "members", "value": [{"value": BABS}]},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "x@y"},
            {"op": "REMOVE", "path": "name.familyName"}
        ])),
        &Compat::standard(),
    )
    .unwrap();
    let ops: Vec<_> = r.operations.iter().map(|o| o.op).collect();
    assert_eq!(ops, [PatchOp::Add, PatchOp::Replace, PatchOp::Remove]);
    let p = r.operations[1].path.as_ref().unwrap();
    assert_eq!(p.attr.name, "emails");
    assert_eq!(p.attr.sub_attr.as_deref(), Some("value"));
    assert!(p.value_filter.is_some());
    assert_eq!(r.operations[2].value, None);
}

#[test]
fn operations_key_matches_in_any_case() {
    let b =
        json!({"schemas": [PATCH_OP_SCHEMA], "operations": [{"op": "remove", "path": "title"}]});
    assert_eq!(
        PatchRequest::from_json(&b, &Compat::standard())
            .unwrap()
            .operations
            .len(),
        1
    );
}

#[test]
fn body_errors_are_invalid_syntax() {
    let c = Compat::standard();
    let cases = [
        json!([]),
        json!({"Operations": [{"op": "remove", "path": "title"}]}),
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "Operations": [{"op": "remove", "path": "title"}]}),
        json!({"schemas": [PATCH_OP_SCHEMA]}),
        json!({"schemas": [PATCH_OP_SCHEMA], "Operations": []}),
        json!({"schemas": [PATCH_OP_SCHEMA], "Operations": {"op": "add"}}),
        json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ["add"]}),
        json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"path": "title", "value": "x"}]}),
        json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"op": "move", "path": "title"}]}),
        json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"op": 1, "path": "title"}]}),
    ];
    for b in cases {
        let e = PatchRequest::from_json(&b, &c).unwrap_err();
        assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax), "{b}: {e}");
    }
}

#[test]
fn op_case_is_strict_without_op_any_case() {
    let mut c = Compat::standard();
    c.op_any_case = false;
    let b = body(json!([{"op": "Replace", "path": "title", "value": "x"}]));
    let e = PatchRequest::from_json(&b, &c).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
    let b = body(json!([{"op": "replace", "path": "title", "value": "x"}]));
    assert!(PatchRequest::from_json(&b, &c).is_ok());
}

#[test]
fn operation_errors_at_parse_time() {
    let c = Compat::standard();
    let cases = [
        (
            json!({"op": "add", "path": "title"}),
            ScimType::InvalidValue,
        ),
        (
            json!({"op": "replace", "path": "title"}),
            ScimType::InvalidValue,
        ),
        (
            json!({"op": "add", "path": "title", "value": null}),
            ScimType::InvalidValue,
        ),
        (
            json!({"op": "add", "value": "not an object"}),
            ScimType::InvalidValue,
        ),
        (json!({"op": "remove"}), ScimType::NoTarget),
        (
            json!({"op": "remove", "value": {"title": "x"}}),
            ScimType::NoTarget,
        ),
        (
            json!({"op": "remove", "path": "emails[type eq"}),
            ScimType::InvalidPath,
        ),
        (json!({"op": "remove", "path": 7}), ScimType::InvalidPath),
    ];
    for (op, want) in cases {
        let e = PatchRequest::from_json(&body(json!([op.clone()])), &c).unwrap_err();
        assert_eq!(e.scim_type(), Some(want), "{op}: {e}");
        assert!(e.detail().starts_with("Operations[0]"), "{e}");
    }
}

// ---------------------------------------------------------------------------
// RFC 7644 §3.5.2.1 add

#[test]
fn rfc_add_member_to_group() {
    let out = group_patch(
        &group(),
        json!([{
            "op": "add",
            "path": "members",
            "value": [{
                "display": "John Smith",
                "$ref": format!("https://example.com/v2/Users/{JOHN}"),
                "value": JOHN
            }]
        }]),
    )
    .unwrap();
    assert_eq!(member_ids(&out), [BABS, JAMES, JOHN]);
    assert_eq!(out["members"][2]["display"], "John Smith");
}

#[test]
fn rfc_add_without_path() {
    let out = user_patch(
        &small_user(),
        json!([{
            "op": "add",
            "value": {
                "emails": [{"value": "babs@jensen.org", "type": "home"}],
                "nickname": "Babs"
            }
        }]),
    )
    .unwrap();
    assert_eq!(out["nickName"], "Babs");
    assert!(out.get("nickname").is_none());
    assert_eq!(
        out["emails"],
        json!([
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ])
    );
}

#[test]
fn add_of_a_value_already_there_changes_nothing() {
    let g = group();
    let out = group_patch(
        &g,
        json!([{"op": "add", "path": "members", "value": [{"value": BABS}]}]),
    )
    .unwrap();
    assert_eq!(out, g);
}

#[test]
fn add_to_single_valued_attribute_replaces_it() {
    let out = user_patch(
        &full_user(),
        json!([{"op": "add", "path": "title", "value": "Boss"}]),
    )
    .unwrap();
    assert_eq!(out["title"], "Boss");
}

#[test]
fn add_complex_merges_sub_attributes() {
    let out = user_patch(
        &full_user(),
        json!([{"op": "add", "path": "name", "value": {"givenName": "Babs", "familyName": null}}]),
    )
    .unwrap();
    assert_eq!(out["name"]["givenName"], "Babs");
    assert_eq!(out["name"]["familyName"], "Jensen");
    assert_eq!(out["name"]["middleName"], "Jane");
}

// ---------------------------------------------------------------------------
// RFC 7644 §3.5.2.2 remove

#[test]
fn rfc_remove_single_member() {
    let out = group_patch(
        &group(),
        json!([{"op": "remove", "path": format!("members[value eq \"{BABS}\"]")}]),
    )
    .unwrap();
    assert_eq!(member_ids(&out), [JAMES]);
}

#[test]
fn rfc_remove_all_members() {
    let out = group_patch(&group(), json!([{"op": "remove", "path": "members"}])).unwrap();
    assert!(out.get("members").is_none());
    assert_eq!(out["displayName"], "Tour Guides");
}

#[test]
fn rfc_remove_by_compound_filter() {
    let mut u = small_user();
    u["emails"]
        .as_array_mut()
        .unwrap()
        .push(json!({"value": "b@example.org", "type": "work"}));
    let out = user_patch(
        &u,
        json!([{"op": "remove", "path": "emails[type eq \"work\" and value ew \"example.com\"]"}]),
    )
    .unwrap();
    assert_eq!(
        out["emails"],
        json!([{"value": "b@example.org", "type": "work"}])
    );
}

#[test]
fn rfc_remove_all_members_and_add_new_ones() {
    let out = group_patch(
        &group(),
        json!([
            {"op": "remove", "path": "members"},
            {"op": "add", "path": "members", "value": [
                {"display": "James Smith", "$ref": format!("https://example.com/v2/Users/{JAMES}"), "value": JAMES},
                {"display": "John Smith", "$ref": format!("https://example.com/v2/Users/{JOHN}"), "value": JOHN}
            ]}
        ]),
    )
    .unwrap();
    assert_eq!(member_ids(&out), [JAMES, JOHN]);
}

#[test]
fn remove_members_by_value_list() {
    let mut g = group();
    g["members"]
        .as_array_mut()
        .unwrap()
        .push(json!({"value": JOHN, "display": "John Smith"}));
    let out = group_patch(
        &g,
        json!([{"op": "remove", "path": "members", "value": [{"value": BABS}, {"value": JOHN}, {"value": "absent"}]}]),
    )
    .unwrap();
    assert_eq!(member_ids(&out), [JAMES]);
    let out = group_patch(
        &g,
        json!([{"op": "remove", "path": "members", "value": [{"value": BABS}, {"value": JAMES}, {"value": JOHN}]}]),
    )
    .unwrap();
    assert!(out.get("members").is_none());
}

#[test]
fn remove_sub_attribute_and_emptied_complex() {
    let out = user_patch(
        &full_user(),
        json!([{"op": "remove", "path": "name.middleName"}]),
    )
    .unwrap();
    assert!(out["name"].get("middleName").is_none());
    assert_eq!(out["name"]["givenName"], "Barbara");
    let u = json!({"schemas": [USER_SCHEMA], "userName": "b", "name": {"givenName": "B"}});
    let out = user_patch(&u, json!([{"op": "remove", "path": "name.givenName"}])).unwrap();
    assert!(out.get("name").is_none());
}

#[test]
fn remove_sub_attribute_through_filter() {
    let out = user_patch(
        &full_user(),
        json!([{"op": "remove", "path": "addresses[type eq \"work\"].formatted"}]),
    )
    .unwrap();
    assert!(out["addresses"][0].get("formatted").is_none());
    assert_eq!(out["addresses"][0]["locality"], "Hollywood");
    assert!(out["addresses"][1].get("formatted").is_some());
}

#[test]
fn remove_of_an_absent_attribute_succeeds() {
    let u = small_user();
    assert_eq!(
        user_patch(&u, json!([{"op": "remove", "path": "title"}])).unwrap(),
        u
    );
}

// ---------------------------------------------------------------------------
// RFC 7644 §3.5.2.3 replace

#[test]
fn rfc_replace_members() {
    let out = group_patch(
        &group(),
        json!([{"op": "replace", "path": "members", "value": [
            {"display": "John Smith", "$ref": format!("https://example.com/v2/Users/{JOHN}"), "value": JOHN}
        ]}]),
    )
    .unwrap();
    assert_eq!(member_ids(&out), [JOHN]);
}

#[test]
fn rfc_replace_work_address() {
    let value = json!({
        "type": "work",
        "streetAddress": "911 Universal City Plaza",
        "locality": "Hollywood",
        "region": "CA",
        "postalCode": "91608",
        "country": "US",
        "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US",
        "primary": true
    });
    let out = user_patch(
        &full_user(),
        json!([{"op": "replace", "path": "addresses[type eq \"work\"]", "value": value}]),
    )
    .unwrap();
    assert_eq!(out["addresses"][0], value);
    assert_eq!(out["addresses"][1]["type"], "home");
}

#[test]
fn rfc_replace_work_street_address() {
    let out = user_patch(
        &full_user(),
        json!([{"op": "replace", "path": "addresses[type eq \"work\"].streetAddress", "value": "1010 Broadway Ave"}]),
    )
    .unwrap();
    assert_eq!(out["addresses"][0]["streetAddress"], "1010 Broadway Ave");
    assert_eq!(out["addresses"][0]["locality"], "Hollywood");
    assert_eq!(out["addresses"][1]["streetAddress"], "456 Hollywood Blvd");
}

#[test]
fn rfc_replace_without_path() {
    let out = user_patch(
        &full_user(),
        json!([{
            "op": "replace",
            "value": {
                "emails": [
                    {"value": "bjensen@example.com", "type": "work", "primary": true},
                    {"value": "babs@jensen.org", "type": "home"}
                ],
                "nickname": "Babs",
                "userName": "babs"
            }
        }]),
    )
    .unwrap();
    assert_eq!(out["userName"], "babs");
    assert_eq!(out["emails"].as_array().unwrap().len(), 2);
    let out = user_patch(
        &full_user(),
        json!([{"op": "replace", "value": {"emails": [{"value": "new@example.com"}]}}]),
    )
    .unwrap();
    assert_eq!(out["emails"], json!([{"value": "new@example.com"}]));
}

#[test]
fn replace_complex_keeps_unnamed_sub_attributes() {
    let out = user_patch(
        &full_user(),
        json!([{"op": "replace", "value": {"name": {"familyName": "Smith"}}}]),
    )
    .unwrap();
    assert_eq!(out["name"]["familyName"], "Smith");
    assert_eq!(out["name"]["givenName"], "Barbara");
}

#[test]
fn replace_sub_attribute() {
    let out = user_patch(
        &full_user(),
        json!([{"op": "replace", "path": "name.familyName", "value": "Smith"}]),
    )
    .unwrap();
    assert_eq!(out["name"]["familyName"], "Smith");
    let u = small_user();
    let out = user_patch(
        &u,
        json!([{"op": "replace", "path": "name.familyName", "value": "Smith"}]),
    )
    .unwrap();
    assert_eq!(out["name"], json!({"familyName": "Smith"}));
}

#[test]
fn replace_sub_attribute_of_every_element() {
    let out = user_patch(
        &full_user(),
        json!([{"op": "replace", "path": "phoneNumbers.type", "value": "other"}]),
    )
    .unwrap();
    for p in out["phoneNumbers"].as_array().unwrap() {
        assert_eq!(p["type"], "other");
    }
}

#[test]
fn replace_of_absent_attribute_adds_it() {
    let out = user_patch(
        &small_user(),
        json!([{"op": "replace", "path": "title", "value": "Guide"}]),
    )
    .unwrap();
    assert_eq!(out["title"], "Guide");
}

#[test]
fn replace_with_null_or_empty_unassigns() {
    let out = user_patch(
        &full_user(),
        json!([{"op": "replace", "path": "title", "value": null}]),
    )
    .unwrap();
    assert!(out.get("title").is_none());
    let out = user_patch(
        &full_user(),
        json!([{"op": "replace", "path": "ims", "value": []}]),
    )
    .unwrap();
    assert!(out.get("ims").is_none());
    let out = user_patch(
        &full_user(),
        json!([{"op": "replace", "value": {"nickName": null}}]),
    )
    .unwrap();
    assert!(out.get("nickName").is_none());
}

// ---------------------------------------------------------------------------
// Value paths that select nothing

#[test]
fn add_through_empty_value_path_creates_the_element() {
    let u = json!({"schemas": [USER_SCHEMA], "userName": "b", "emails": [{"value": "h@x", "type": "home"}]});
    let out = user_patch(
        &u,
        json!([{"op": "add", "path": "emails[type eq \"work\"].value", "value": "w@x"}]),
    )
    .unwrap();
    assert_eq!(
        out["emails"],
        json!([{"value": "h@x", "type": "home"}, {"value": "w@x", "type": "work"}])
    );
    let out = user_patch(
        &json!({"schemas": [USER_SCHEMA], "userName": "b"}),
        json!([{"op": "add", "path": "emails[type eq \"work\" and primary eq true]", "value": {"value": "w@x"}}]),
    )
    .unwrap();
    assert_eq!(
        out["emails"],
        json!([{"value": "w@x", "type": "work", "primary": true}])
    );
}

#[test]
fn add_through_unfillable_value_path_is_no_target() {
    let u = small_user();
    for path in [
        "emails[type eq \"home\" or type eq \"other\"].value",
        "emails[type sw \"ho\"].value",
        "emails[not (type eq \"work\")].value",
        "emails[type eq \"home\" and type eq \"other\"].value",
    ] {
        let r = user_patch(&u, json!([{"op": "add", "path": path, "value": "x@y"}]));
        assert_eq!(scim_type(r), ScimType::NoTarget, "{path}");
    }
}

#[test]
fn replace_through_empty_value_path_is_no_target() {
    let r = user_patch(
        &small_user(),
        json!([{"op": "replace", "path": "emails[type eq \"home\"].value", "value": "h@x"}]),
    );
    assert_eq!(scim_type(r), ScimType::NoTarget);
    let r = user_patch(
        &json!({"schemas": [USER_SCHEMA], "userName": "b"}),
        json!([{"op": "replace", "path": "addresses[type eq \"work\"]", "value": {"locality": "X"}}]),
    );
    assert_eq!(scim_type(r), ScimType::NoTarget);
}

#[test]
fn entra_replace_through_empty_value_path_adds() {
    let out = run_with(
        "User",
        &small_user(),
        json!([{"op": "Replace", "path": "emails[type eq \"home\"].value", "value": "h@x"}]),
        &Compat::entra(),
    )
    .unwrap();
    assert_eq!(out["emails"][1], json!({"value": "h@x", "type": "home"}));
}

#[test]
fn remove_through_empty_value_path_is_no_target() {
    let r = group_patch(
        &group(),
        json!([{"op": "remove", "path": "members[value eq \"nobody\"]"}]),
    );
    assert_eq!(scim_type(r), ScimType::NoTarget);
    let r = user_patch(
        &small_user(),
        json!([{"op": "remove", "path": "phoneNumbers[type eq \"fax\"]"}]),
    );
    assert_eq!(scim_type(r), ScimType::NoTarget);
}

// ---------------------------------------------------------------------------
// primary

#[test]
fn setting_primary_clears_the_others() {
    let out = user_patch(
        &full_user(),
        json!([{"op": "add", "path": "emails", "value": [{"value": "new@x", "type": "other", "primary": true}]}]),
    )
    .unwrap();
    let primaries: Vec<_> = out["emails"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["primary"] == true)
        .map(|e| e["value"].as_str().unwrap())
        .collect();
    assert_eq!(primaries, ["new@x"]);
    assert_eq!(out["emails"][0]["primary"], false);
    let out = user_patch(
        &full_user(),
        json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true}]),
    )
    .unwrap();
    assert_eq!(out["emails"][0]["primary"], false);
    assert_eq!(out["emails"][1]["primary"], true);
}

#[test]
fn two_primaries_are_invalid_value() {
    let r = user_patch(
        &full_user(),
        json!([{"op": "replace", "path": "emails", "value": [
            {"value": "a@x", "primary": true}, {"value": "b@x", "primary": true}
        ]}]),
    );
    assert_eq!(scim_type(r), ScimType::InvalidValue);
    let r = user_patch(
        &full_user(),
        json!([{"op": "replace", "path": "emails.primary", "value": true}]),
    );
    assert_eq!(scim_type(r), ScimType::InvalidValue);
}

// ---------------------------------------------------------------------------
// Extensions and schemas

const MANAGER_PATH: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";

#[test]
fn extension_attribute_by_path_updates_schemas() {
    let out = user_patch(
        &small_user(),
        json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "42"}]),
    )
    .unwrap();
    assert_eq!(out[ENTERPRISE_USER_SCHEMA]["employeeNumber"], "42");
    assert_eq!(out["schemas"], json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
    let back = user_patch(
        &out,
        json!([{"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"}]),
    )
    .unwrap();
    assert!(back.get(ENTERPRISE_USER_SCHEMA).is_none());
    assert_eq!(back["schemas"], json!([USER_SCHEMA]));
}

#[test]
fn extension_sub_attribute_path() {
    let out = user_patch(
        &full_user(),
        json!([{"op": "replace", "path": format!("{MANAGER_PATH}.value"), "value": "boss"}]),
    )
    .unwrap();
    assert_eq!(out[ENTERPRISE_USER_SCHEMA]["manager"]["value"], "boss");
    assert_eq!(
        out[ENTERPRISE_USER_SCHEMA]["manager"]["displayName"],
        "John Smith"
    );
}

#[test]
fn remove_whole_extension() {
    let out = user_patch(
        &full_user(),
        json!([{"op": "remove", "path": ENTERPRISE_USER_SCHEMA}]),
    )
    .unwrap();
    assert!(out.get(ENTERPRISE_USER_SCHEMA).is_none());
    assert_eq!(out["schemas"], json!([USER_SCHEMA]));
}

#[test]
fn no_path_keys_extension_urn_qualified_and_dotted() {
    let out = user_patch(
        &small_user(),
        json!([{"op": "replace", "value": {
            ENTERPRISE_USER_SCHEMA: {"Department": "Tours"},
            MANAGER_PATH: {"value": "boss"},
            "name.givenName": "Barbara",
            "urn:ietf:params:scim:schemas:core:2.0:User:title": "Guide"
        }}]),
    )
    .unwrap();
    assert_eq!(
        out[ENTERPRISE_USER_SCHEMA],
        json!({"department": "Tours", "manager": {"value": "boss"}})
    );
    assert_eq!(out["name"]["givenName"], "Barbara");
    assert_eq!(out["title"], "Guide");
    assert_eq!(out["schemas"], json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
}

#[test]
fn no_path_key_naming_the_core_schema_holds_core_attributes() {
    let out = user_patch(
        &small_user(),
        json!([{"op": "replace", "value": {USER_SCHEMA: {"displayName": "Babs", "name": {"givenName": "B"}}}}]),
    )
    .unwrap();
    assert_eq!(out["displayName"], "Babs");
    assert_eq!(out["name"]["givenName"], "B");
    let r = user_patch(
        &small_user(),
        json!([{"op": "replace", "value": {USER_SCHEMA: "x"}}]),
    );
    assert_eq!(scim_type(r), ScimType::InvalidValue);
}

#[test]
fn entra_shapes() {
    let entra = Compat::entra();
    let out = run_with(
        "User",
        &full_user(),
        json!([
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Add", "path": MANAGER_PATH, "value": "boss"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "w@x"},
            {"op": "Add", "value": {"displayName": "Babs J", "name.familyName": "J"}}
        ]),
        &entra,
    )
    .unwrap();
    assert_eq!(out["active"], false);
    assert_eq!(out[ENTERPRISE_USER_SCHEMA]["manager"]["value"], "boss");
    assert_eq!(out["emails"][0]["value"], "w@x");
    assert_eq!(out["displayName"], "Babs J");
    assert_eq!(out["name"]["familyName"], "J");
}

#[test]
fn names_are_case_insensitive_and_normalised() {
    let u = json!({"schemas": [USER_SCHEMA], "userName": "b", "NickName": "x"});
    let out = user_patch(
        &u,
        json!([
            {"op": "replace", "path": "NICKNAME", "value": "Babs"},
            {"op": "add", "path": "NAME.FAMILYNAME", "value": "Jensen"},
            {"op": "add", "path": "Emails", "value": [{"VALUE": "a@x", "Type": "work"}]}
        ]),
    )
    .unwrap();
    assert_eq!(
        out,
        json!({
            "schemas": [USER_SCHEMA],
            "userName": "b",
            "nickName": "Babs",
            "name": {"familyName": "Jensen"},
            "emails": [{"value": "a@x", "type": "work"}]
        })
    );
}

// ---------------------------------------------------------------------------
// Error rules, one test each

#[test]
fn unknown_attribute_in_path_is_invalid_path() {
    for path in [
        "nosuch",
        "name.nosuch",
        "title.sub",
        "emails[nosuch eq \"x\"]",
        "name[givenName eq \"x\"]",
        "title[value eq \"x\"]",
        "urn:example:unknown:1.0:User:title",
    ] {
        let r = user_patch(
            &full_user(),
            json!([{"op": "replace", "path": path, "value": "x"}]),
        );
        assert_eq!(scim_type(r), ScimType::InvalidPath, "{path}");
    }
}

#[test]
fn unknown_attribute_in_value_is_invalid_value_unless_dropped() {
    let r = user_patch(&full_user(), json!([{"op": "add", "value": {"nosuch": 1}}]));
    assert_eq!(scim_type(r), ScimType::InvalidValue);
    let lenient = Compat::standard().with_drop_undefined_attributes(true);
    let out = run_with(
        "User",
        &full_user(),
        json!([{"op": "add", "value": {"nosuch": 1, "title": "T"}}]),
        &lenient,
    )
    .unwrap();
    assert!(out.get("nosuch").is_none());
    assert_eq!(out["title"], "T");
}

#[test]
fn wrong_type_is_invalid_value() {
    for (path, value) in [
        ("active", json!(5)),
        ("title", json!(true)),
        ("name", json!("x")),
        ("emails[type eq \"work\"]", json!("x")),
        ("name.givenName", json!({"a": 1})),
    ] {
        let r = user_patch(
            &full_user(),
            json!([{"op": "replace", "path": path, "value": value}]),
        );
        assert_eq!(scim_type(r), ScimType::InvalidValue, "{path}");
    }
}

#[test]
fn read_only_attributes_are_mutability() {
    for op in [
        json!({"op": "replace", "path": "id", "value": "other"}),
        json!({"op": "add", "path": "groups", "value": [{"value": "g"}]}),
        json!({"op": "remove", "path": "groups"}),
        json!({"op": "replace", "path": "meta.version", "value": "W/\"1\""}),
        json!({"op": "remove", "path": "meta"}),
        json!({"op": "replace", "value": {"id": "other"}}),
        json!({"op": "replace", "path": format!("{MANAGER_PATH}.displayName"), "value": "X"}),
    ] {
        let r = user_patch(&full_user(), json!([op.clone()]));
        assert_eq!(scim_type(r), ScimType::Mutability, "{op}");
    }
}

#[test]
fn read_only_attribute_given_its_own_value_is_accepted() {
    let u = full_user();
    let out = user_patch(
        &u,
        json!([{"op": "replace", "value": {"id": u["id"], "title": "T"}}]),
    )
    .unwrap();
    assert_eq!(out["id"], u["id"]);
}

#[test]
fn immutable_values_are_mutability_once_set() {
    let r = group_patch(
        &group(),
        json!([{"op": "replace", "path": format!("members[value eq \"{BABS}\"].value"), "value": "other"}]),
    );
    assert_eq!(scim_type(r), ScimType::Mutability);
    // Writing the value it already has is not a change.
    assert!(group_patch(
        &group(),
        json!([{"op": "replace", "path": format!("members[value eq \"{BABS}\"].value"), "value": BABS}]),
    )
    .is_ok());
    // An immutable attribute may get its first value.
    let mut g = group();
    g["members"]
        .as_array_mut()
        .unwrap()
        .push(json!({"value": JOHN}));
    let out = group_patch(
        &g,
        json!([{"op": "add", "path": format!("members[value eq \"{JOHN}\"].type"), "value": "User"}]),
    )
    .unwrap();
    assert_eq!(out["members"][2], json!({"value": JOHN, "type": "User"}));
}

#[test]
fn removing_a_required_attribute_is_mutability() {
    for op in [
        json!({"op": "remove", "path": "userName"}),
        json!({"op": "replace", "path": "userName", "value": null}),
        json!({"op": "replace", "value": {"userName": null}}),
    ] {
        let r = user_patch(&full_user(), json!([op.clone()]));
        assert_eq!(scim_type(r), ScimType::Mutability, "{op}");
    }
    let r = group_patch(&group(), json!([{"op": "remove", "path": "displayName"}]));
    assert_eq!(scim_type(r), ScimType::Mutability);
}

#[test]
fn failure_in_a_later_operation_changes_nothing() {
    let u = full_user();
    let before = serde_json::to_string(&u).unwrap();
    let r = user_patch(
        &u,
        json!([
            {"op": "replace", "path": "title", "value": "Boss"},
            {"op": "remove", "path": "emails[type eq \"fax\"]"}
        ]),
    );
    let e = r.unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::NoTarget));
    assert!(e.detail().starts_with("Operations[1]"), "{e}");
    assert_eq!(serde_json::to_string(&u).unwrap(), before);
}

#[test]
fn idp_six_operation_request() {
    let mut u = full_user();
    u["phoneNumbers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"value": "555-555-6666", "type": "fax"}));
    let out = user_patch(
        &u,
        json!([
            {"op": "replace", "path": "active", "value": false},
            {"op": "replace", "path": "name.familyName", "value": "Jensen-Smith"},
            {"op": "add", "path": "emails", "value": [{"value": "babs@example.org", "type": "other"}]},
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "barbara@example.com"},
            {"op": "remove", "path": "phoneNumbers[type eq \"fax\"]"},
            {"op": "add", "value": {"title": "Senior Tour Guide", "nickName": "Barbie"}}
        ]),
    )
    .unwrap();
    assert_eq!(out["active"], false);
    assert_eq!(out["name"]["familyName"], "Jensen-Smith");
    assert_eq!(out["emails"].as_array().unwrap().len(), 3);
    assert_eq!(out["emails"][0]["value"], "barbara@example.com");
    assert_eq!(out["phoneNumbers"].as_array().unwrap().len(), 2);
    assert_eq!(out["title"], "Senior Tour Guide");
    assert_eq!(out["nickName"], "Barbie");
}

/// `apply_patch_in_place` on a copy of `resource`: the patched copy, or
/// the error after checking that the copy was left byte for byte as it
/// was.
fn in_place(resource: &Value, ops: Value) -> Result<Value, ScimError> {
    in_place_as(&registry().view("User").unwrap(), resource, ops)
}

/// [`in_place`] for a resource of the type `schema` describes.
fn in_place_as(
    schema: &ResourceSchema<'_>,
    resource: &Value,
    ops: Value,
) -> Result<Value, ScimError> {
    let compat = Compat::standard();
    let request = PatchRequest::from_json(&body(ops), &compat)?;
    let mut patched = resource.clone();
    match apply_patch_in_place(schema, &mut patched, &request, &compat) {
        Ok(()) => Ok(patched),
        Err(e) => {
            assert_eq!(&patched, resource);
            assert_eq!(
                serde_json::to_string(&patched).unwrap(),
                serde_json::to_string(resource).unwrap()
            );
            Err(e)
        }
    }
}

/// Renames a top-level key, as a store that is careless about case may
/// hold it.
fn respell(resource: &mut Value, from: &str, to: &str) {
    let o = resource.as_object_mut().unwrap();
    let v = o.remove(from).unwrap();
    o.insert(to.to_owned(), v);
}

#[test]
fn in_place_failure_after_several_changes_restores_the_resource() {
    let mut u = full_user();
    respell(&mut u, "userName", "USERNAME");
    respell(&mut u, "nickName", "nickname");
    u.as_object_mut().unwrap().remove("title");
    let changes = json!([
        {"op": "replace", "path": "userName", "value": "babs"},
        {"op": "replace", "path": "nickName", "value": "Barbie"},
        {"op": "add", "path": "title", "value": "Tour Guide"},
        {"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Sales"},
        {"op": "add", "value": {
            "displayName": "B. Jensen",
            "emails": [{"value": "b@example.org", "type": "other"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": "West"}
        }},
        {"op": "remove", "path": "name.givenName"}
    ]);
    // The changes apply, and change what the test says they change.
    let changed = in_place(&u, changes.clone()).unwrap();
    assert_eq!(changed["userName"], "babs");
    assert!(changed.get("USERNAME").is_none());
    assert_eq!(changed["nickName"], "Barbie");
    assert!(changed.get("nickname").is_none());
    assert_eq!(changed["title"], "Tour Guide");
    assert_eq!(changed[ENTERPRISE_USER_SCHEMA]["department"], "Sales");
    assert_eq!(changed[ENTERPRISE_USER_SCHEMA]["division"], "West");
    assert_eq!(changed["displayName"], "B. Jensen");
    assert!(changed["name"].get("givenName").is_none());
    // A last operation that fails undoes them all.
    let mut failing = changes.as_array().unwrap().clone();
    failing.push(json!({"op": "remove", "path": "emails[type eq \"fax\"]"}));
    let e = in_place(&u, Value::Array(failing)).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::NoTarget));
    assert!(e.detail().starts_with("Operations[6]"), "{e}");
}

/// Each kind of change the engine makes is undone when a later operation
/// fails: every case's operations apply and change the user, and the same
/// operations followed by one that fails leave it byte for byte as it was.
#[test]
fn in_place_failure_undoes_each_kind_of_change() {
    let with = |mut u: Value, key: &str, v: Value| {
        u[key] = v;
        u
    };
    let without = |mut u: Value, key: &str| {
        u.as_object_mut().unwrap().remove(key);
        u
    };
    let mut respelled = full_user();
    respell(&mut respelled, "nickName", "NICKNAME");
    let one_attribute_extension = with(
        full_user(),
        ENTERPRISE_USER_SCHEMA,
        json!({"department": "Tours"}),
    );
    let ent = |attr: &str| format!("{ENTERPRISE_USER_SCHEMA}:{attr}");
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "a simple attribute replaced",
            full_user(),
            json!([{"op": "replace", "path": "active", "value": false}]),
        ),
        (
            "a member added",
            without(full_user(), "title"),
            json!([{"op": "add", "path": "title", "value": "Guide"}]),
        ),
        (
            "a member removed",
            full_user(),
            json!([{"op": "remove", "path": "nickName"}]),
        ),
        (
            "a member stored in another case renamed, then replaced",
            respelled.clone(),
            json!([{"op": "replace", "path": "nickName", "value": "Barbie"}]),
        ),
        (
            "a member stored in another case removed",
            respelled,
            json!([{"op": "remove", "path": "nickName"}]),
        ),
        (
            "a sub-attribute replaced",
            full_user(),
            json!([{"op": "replace", "path": "name.familyName", "value": "Smith"}]),
        ),
        (
            "a complex attribute created",
            without(full_user(), "name"),
            json!([{"op": "add", "path": "name.givenName", "value": "Barbara"}]),
        ),
        (
            "sub-attributes merged, one new",
            with(full_user(), "name", json!({"givenName": "Barbara"})),
            json!([{"op": "replace", "path": "name", "value": {"givenName": "Babs", "familyName": "Jensen"}}]),
        ),
        (
            "a sub-attribute removed, then the emptied attribute",
            with(full_user(), "name", json!({"givenName": "Barbara"})),
            json!([{"op": "remove", "path": "name.givenName"}]),
        ),
        (
            "an element appended",
            full_user(),
            json!([{"op": "add", "path": "emails", "value": [{"value": "n@example.org", "type": "other"}]}]),
        ),
        (
            "an element appended as primary: the others' primary cleared",
            full_user(),
            json!([{"op": "add", "path": "emails", "value": [{"value": "n@example.org", "primary": true}]}]),
        ),
        (
            "a whole multi-valued attribute replaced",
            full_user(),
            json!([{"op": "replace", "path": "emails", "value": [{"value": "n@example.org"}]}]),
        ),
        (
            "a single stored value made an array, then appended to",
            with(full_user(), "emails", json!({"value": "old@example.org"})),
            json!([{"op": "add", "path": "emails", "value": [{"value": "n@example.org"}]}]),
        ),
        (
            "an attribute created for an element",
            without(full_user(), "ims"),
            json!([{"op": "add", "path": "ims.value", "value": "aim2"}]),
        ),
        (
            "a sub-attribute of every element replaced",
            full_user(),
            json!([{"op": "replace", "path": "emails.type", "value": "other"}]),
        ),
        (
            "a sub-attribute of matching elements replaced",
            full_user(),
            json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "w@example.org"}]),
        ),
        (
            "matching elements merged into",
            full_user(),
            json!([{"op": "replace", "path": "addresses[type eq \"home\"]", "value": {"locality": "Malibu", "primary": true}}]),
        ),
        (
            "an element created from the filter",
            full_user(),
            json!([{"op": "add", "path": "phoneNumbers[type eq \"fax\"].value", "value": "555-555-6666"}]),
        ),
        (
            "elements removed through a filter",
            full_user(),
            json!([{"op": "remove", "path": "phoneNumbers[type eq \"work\"]"}]),
        ),
        (
            "a sub-attribute removed through a filter",
            full_user(),
            json!([{"op": "remove", "path": "emails[type eq \"work\"].primary"}]),
        ),
        (
            "a sub-attribute removed from every element, emptied elements dropped",
            full_user(),
            json!([{"op": "remove", "path": "x509Certificates.value"}]),
        ),
        (
            "elements removed by value",
            full_user(),
            json!([{"op": "remove", "path": "emails", "value": [{"value": "babs@jensen.org"}]}]),
        ),
        (
            "the last element removed, then the attribute",
            full_user(),
            json!([{"op": "remove", "path": "ims[type eq \"aim\"]"}]),
        ),
        (
            "an extension attribute replaced",
            full_user(),
            json!([{"op": "replace", "path": ent("department"), "value": "Sales"}]),
        ),
        (
            "an extension sub-attribute replaced",
            full_user(),
            json!([{"op": "replace", "path": ent("manager.value"), "value": "other"}]),
        ),
        (
            "the extension object created",
            small_user(),
            json!([{"op": "add", "path": ent("department"), "value": "Sales"}]),
        ),
        (
            "the extension object removed",
            full_user(),
            json!([{"op": "remove", "path": ENTERPRISE_USER_SCHEMA}]),
        ),
        (
            "the extension's last attribute removed",
            one_attribute_extension,
            json!([{"op": "remove", "path": ent("department")}]),
        ),
    ];
    for (what, user, ops) in cases {
        let changed = in_place(&user, ops.clone()).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_ne!(changed, user, "{what}: nothing changed");
        let mut failing = ops.as_array().unwrap().clone();
        failing.push(json!({"op": "add", "path": "id", "value": "other"}));
        let e = in_place(&user, Value::Array(failing)).unwrap_err();
        assert_eq!(e.scim_type(), Some(ScimType::Mutability), "{what}: {e}");
    }
}

/// The built-in registry with a second User extension, required: users
/// without it fail the last step, bringing `schemas` in line with the
/// extensions, after the first extension's entry in `schemas` changed.
fn registry_with_a_required_extension() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| {
        let mut reg = Registry::with_builtins();
        reg.add_schema(
            SchemaBuilder::new(BADGE_SCHEMA)
                .attribute(Attribute::new("number", AttrType::String))
                .build()
                .unwrap(),
        )
        .unwrap();
        reg.add_extension("User", BADGE_SCHEMA, true).unwrap();
        reg
    })
}

const BADGE_SCHEMA: &str = "urn:example:params:scim:schemas:extension:badge:2.0:User";

/// `schemas` changes (and an extension pruned while syncing it) are undone
/// when syncing fails.
#[test]
fn in_place_failure_while_syncing_undoes_schemas_changes() {
    let view = registry_with_a_required_extension().view("User").unwrap();
    let with = |mut u: Value, key: &str, v: Value| {
        u[key] = v;
        u
    };
    let ent = |attr: &str| format!("{ENTERPRISE_USER_SCHEMA}:{attr}");
    let title = json!({"op": "add", "path": "title", "value": "Guide"});
    // What the operations change, the stored user, the member they change
    // besides title, the operations.
    let cases: Vec<(&str, Value, &str, Value)> = vec![
        (
            "the extension's URN added to schemas",
            small_user(),
            "schemas",
            json!([title, {"op": "add", "path": ent("department"), "value": "Sales"}]),
        ),
        (
            "the extension's URN removed from schemas",
            full_user(),
            "schemas",
            json!([title, {"op": "remove", "path": ENTERPRISE_USER_SCHEMA}]),
        ),
        (
            "schemas created",
            {
                let mut u = small_user();
                u.as_object_mut().unwrap().remove("schemas");
                u
            },
            "schemas",
            json!([title, {"op": "add", "path": ent("department"), "value": "Sales"}]),
        ),
        (
            "a stored extension pruned",
            with(
                full_user(),
                ENTERPRISE_USER_SCHEMA,
                json!({"department": "Tours", "costCenter": null}),
            ),
            ENTERPRISE_USER_SCHEMA,
            json!([title, {"op": "replace", "path": ent("division"), "value": "West"}]),
        ),
        (
            "a stored extension pruned to nothing and removed",
            with(
                full_user(),
                ENTERPRISE_USER_SCHEMA,
                json!({"department": "Tours", "costCenter": null}),
            ),
            ENTERPRISE_USER_SCHEMA,
            json!([title, {"op": "remove", "path": ent("department")}]),
        ),
    ];
    for (what, user, member, ops) in cases {
        // With the required extension present (and listed), the
        // operations apply.
        let mut with_badge = with(user.clone(), BADGE_SCHEMA, json!({"number": "7"}));
        if let Some(schemas) = with_badge.get_mut("schemas").and_then(Value::as_array_mut) {
            schemas.push(json!(BADGE_SCHEMA));
        }
        let changed =
            in_place_as(&view, &with_badge, ops.clone()).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_ne!(changed.get(member), with_badge.get(member), "{what}");
        // Without it, syncing fails after changing schemas.
        let e = in_place_as(&view, &user, ops).unwrap_err();
        assert_eq!(e.scim_type(), Some(ScimType::Mutability), "{what}: {e}");
    }
}

#[test]
fn in_place_failure_restores_every_spelling_of_a_key() {
    let mut u = small_user();
    u["nickName"] = json!("Babs");
    u["NICKNAME"] = json!("BABS");
    let e = in_place(
        &u,
        json!([
            {"op": "replace", "path": "nickName", "value": "Barbie"},
            {"op": "remove", "path": "NickName"},
            {"op": "add", "path": "id", "value": "other"}
        ]),
    )
    .unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::Mutability));
}

#[test]
fn in_place_failure_after_removing_the_extension_restores_it() {
    let u = full_user();
    let e = in_place(
        &u,
        json!([
            {"op": "remove", "path": ENTERPRISE_USER_SCHEMA},
            {"op": "replace", "path": "name", "value": {"familyName": "Smith"}},
            {"op": "replace", "path": "emails[type eq \"fax\"].value", "value": "x@example.org"}
        ]),
    )
    .unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::NoTarget));
}

/// The last step, bringing `schemas` in line with the extensions, fails
/// after every operation succeeded.
#[test]
fn in_place_failure_when_syncing_schemas_restores_the_resource() {
    let mut u = small_user();
    u["Schemas"] = u.as_object_mut().unwrap().remove("schemas").unwrap();
    u["Schemas"] = json!(USER_SCHEMA);
    let e = in_place(
        &u,
        json!([
            {"op": "add", "path": "title", "value": "Guide"},
            {"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Sales"}
        ]),
    )
    .unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
}

#[test]
fn in_place_on_a_value_that_is_not_an_object_changes_nothing() {
    let schema = registry().view("User").unwrap();
    let compat = Compat::standard();
    let request = PatchRequest::from_json(
        &body(json!([{"op": "add", "path": "title", "value": "T"}])),
        &compat,
    )
    .unwrap();
    let mut v = json!(["not", "a", "resource"]);
    assert!(apply_patch_in_place(&schema, &mut v, &request, &compat).is_err());
    assert_eq!(v, json!(["not", "a", "resource"]));
}

// ---------------------------------------------------------------------------
// Properties

const PATHS: &[&str] = &[
    "title",
    "nickName",
    "active",
    "name",
    "name.familyName",
    "name.nosuch",
    "emails",
    "emails.type",
    "emails.primary",
    "emails[type eq \"work\"]",
    "emails[type eq \"work\"].value",
    "emails[type eq \"home\" or primary eq true].value",
    "emails[value co \"@\"].primary",
    "phoneNumbers[type eq \"fax\"]",
    "addresses[type eq \"work\"].streetAddress",
    "groups",
    "id",
    "meta.version",
    "userName",
    "x509Certificates",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    "nosuch",
    "emails[type eq",
];

fn values() -> Vec<Value> {
    vec![
        Value::Null,
        json!("x"),
        json!(""),
        json!(true),
        json!("False"),
        json!(3),
        json!([]),
        json!({}),
        json!({"familyName": "F", "givenName": null}),
        json!({"value": "v@x", "type": "work", "primary": true}),
        json!([{"value": "a@x", "type": "home"}, {"value": "b@x", "primary": true}]),
        json!([{"value": "a@x", "primary": true}, {"value": "b@x", "primary": true}]),
        json!({"department": "D", "manager": {"value": "m"}}),
        json!({"title": "T", "emails": [{"value": "n@x"}], "nosuch": 1}),
        json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": "V"}}),
    ]
}

fn arb_op() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["add", "replace", "remove", "Replace"]),
        prop::option::of(prop::sample::select(PATHS.to_vec())),
        prop::option::of(prop::sample::select(values())),
    )
        .prop_map(|(op, path, value)| {
            let mut o = json!({"op": op});
            if let Some(p) = path {
                o["path"] = json!(p);
            }
            if let Some(v) = value {
                o["value"] = v;
            }
            o
        })
}

fn arb_user() -> impl Strategy<Value = Value> {
    let full = full_user();
    let keys: Vec<String> = full.as_object().unwrap().keys().cloned().collect();
    prop::sample::subsequence(keys.clone(), 0..=keys.len()).prop_map(move |keep| {
        let mut u = serde_json::Map::new();
        for k in keep {
            u.insert(k.clone(), full[&k].clone());
        }
        let schemas = if u.contains_key(ENTERPRISE_USER_SCHEMA) {
            json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA])
        } else {
            json!([USER_SCHEMA])
        };
        u.insert("schemas".into(), schemas);
        Value::Object(u)
    })
}

/// [`arb_user`] as a store careless about case may hold it: some keys
/// spelled in upper or lower case, some in two spellings.
fn arb_stored_user() -> impl Strategy<Value = Value> {
    arb_respelled_user(0..4)
}

/// [`arb_user`] with `respellings` keys respelled as in [`arb_stored_user`].
fn arb_respelled_user(respellings: std::ops::Range<usize>) -> impl Strategy<Value = Value> {
    (
        arb_user(),
        prop::collection::vec((any::<prop::sample::Index>(), 0..3u8), respellings),
    )
        .prop_map(|(user, respellings)| {
            let mut u = user.as_object().unwrap().clone();
            for (i, how) in respellings {
                let keys: Vec<String> = u.keys().cloned().collect();
                let key = i.get(&keys);
                let value = u[key].clone();
                match how {
                    0 => {
                        u.remove(key);
                        u.insert(key.to_ascii_uppercase(), value);
                    }
                    1 => {
                        u.remove(key);
                        u.insert(key.to_ascii_lowercase(), value);
                    }
                    _ => {
                        u.entry(key.to_ascii_uppercase()).or_insert(value);
                    }
                }
            }
            Value::Object(u)
        })
}

fn no_unassigned(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Array(a) => !a.is_empty() && a.iter().all(no_unassigned),
        Value::Object(o) => !o.is_empty() && o.values().all(no_unassigned),
        _ => true,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_patches_never_panic_and_failures_change_nothing(
        user in arb_user(),
        ops in prop::collection::vec(arb_op(), 1..6),
        entra in any::<bool>(),
    ) {
        let compat = if entra { Compat::entra() } else { Compat::standard() };
        let before = serde_json::to_string(&user).unwrap();
        let Ok(request) = PatchRequest::from_json(&body(Value::Array(ops)), &compat) else {
            return Ok(());
        };
        let schema = registry().view("User").unwrap();
        let result = apply_patch(&schema, &user, &request, &compat);
        prop_assert_eq!(serde_json::to_string(&user).unwrap(), before.as_str());
        let mut patched = user.clone();
        let in_place = apply_patch_in_place(&schema, &mut patched, &request, &compat);
        match (&in_place, &result) {
            (Ok(()), Ok(out)) => prop_assert_eq!(&patched, out),
            (Err(e), Err(f)) => {
                prop_assert_eq!(e, f);
                prop_assert_eq!(&patched, &user);
                prop_assert_eq!(serde_json::to_string(&patched).unwrap(), before.as_str());
            }
            _ => prop_assert!(false, "in place: {:?}, copy: {:?}", in_place, result),
        }
        match result {
            Err(e) => prop_assert_eq!(e.status(), 400),
            Ok(out) => {
                // Nothing unassigned is left behind (the input had none).
                for (k, v) in out.as_object().unwrap() {
                    prop_assert!(no_unassigned(v), "{} is unassigned in {}", k, out);
                }
                // schemas lists the extension exactly when it is present.
                let listed = out["schemas"].as_array().unwrap().iter().any(|s| s == ENTERPRISE_USER_SCHEMA);
                prop_assert_eq!(listed, out.get(ENTERPRISE_USER_SCHEMA).is_some(), "{}", out);
                // At most one primary per multi-valued attribute.
                for (k, v) in out.as_object().unwrap() {
                    if let Some(a) = v.as_array() {
                        let n = a.iter().filter(|e| e["primary"] == true).count();
                        prop_assert!(n <= 1, "{} has {} primaries", k, n);
                    }
                }
            }
        }
    }

    #[test]
    fn owned_borrowed_and_in_place_application_agree(
        user in arb_user(),
        ops in prop::collection::vec(arb_op(), 1..4),
    ) {
        let compat = Compat::entra();
        let Ok(request) = PatchRequest::from_json(&body(Value::Array(ops)), &compat) else {
            return Ok(());
        };
        let schema = registry().view("User").unwrap();
        let borrowed = apply_patch(&schema, &user, &request, &compat);
        let owned = apply_patch_owned(&schema, user.clone(), &request, &compat);
        prop_assert_eq!(&borrowed, &owned);
        let mut patched = user.clone();
        let in_place = apply_patch_in_place(&schema, &mut patched, &request, &compat)
            .map(|()| patched);
        prop_assert_eq!(borrowed, in_place);
    }

    /// Keys stored in another case, or in two spellings, are put back as
    /// they were when a PATCH fails.
    #[test]
    fn in_place_failures_restore_keys_stored_in_any_case(
        user in arb_stored_user(),
        ops in prop::collection::vec(arb_op(), 1..6),
        entra in any::<bool>(),
    ) {
        let compat = if entra { Compat::entra() } else { Compat::standard() };
        let Ok(request) = PatchRequest::from_json(&body(Value::Array(ops)), &compat) else {
            return Ok(());
        };
        let schema = registry().view("User").unwrap();
        let copied = apply_patch(&schema, &user, &request, &compat);
        let mut patched = user.clone();
        match apply_patch_in_place(&schema, &mut patched, &request, &compat) {
            Ok(()) => prop_assert_eq!(Ok(patched), copied),
            Err(e) => {
                prop_assert_eq!(Err(e), copied);
                prop_assert_eq!(&patched, &user);
                prop_assert_eq!(
                    serde_json::to_string(&patched).unwrap(),
                    serde_json::to_string(&user).unwrap()
                );
            }
        }
    }

    /// Whatever the operations before it changed (appends, removals,
    /// renames, new members...), a failing last operation undoes it all.
    #[test]
    fn a_failing_last_operation_undoes_any_operations_before_it(
        // Many keys respelled, so that operations often rename one first.
        user in arb_respelled_user(4..12),
        ops in prop::collection::vec(arb_op(), 1..6),
        entra in any::<bool>(),
    ) {
        let compat = if entra { Compat::entra() } else { Compat::standard() };
        let mut ops = ops;
        ops.push(json!({"op": "add", "path": "id", "value": "other"}));
        let Ok(request) = PatchRequest::from_json(&body(Value::Array(ops)), &compat) else {
            return Ok(());
        };
        let schema = registry().view("User").unwrap();
        let mut patched = user.clone();
        let result = apply_patch_in_place(&schema, &mut patched, &request, &compat);
        prop_assert!(result.is_err());
        prop_assert_eq!(&patched, &user);
        prop_assert_eq!(
            serde_json::to_string(&patched).unwrap(),
            serde_json::to_string(&user).unwrap()
        );
    }

    #[test]
    fn patching_is_deterministic_and_pure(
        user in arb_user(),
        ops in prop::collection::vec(arb_op(), 1..4),
    ) {
        let compat = Compat::standard();
        let Ok(request) = PatchRequest::from_json(&body(Value::Array(ops)), &compat) else {
            return Ok(());
        };
        let schema = registry().view("User").unwrap();
        let a = apply_patch(&schema, &user, &request, &compat);
        let b = apply_patch(&schema, &user, &request, &compat);
        prop_assert_eq!(a, b);
    }
}

/// Regression: scim2-tester's whole-extension add carries `schemas` inside
/// the extension object; it was refused as an undefined attribute.
#[test]
fn whole_extension_value_with_schemas_inside_is_accepted() {
    let registry = scim_core::Registry::with_builtins();
    let view = registry.view("User").unwrap();
    let user = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "1", "userName": "bjensen"
    });
    let body = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "value": {"schemas": ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"], "employeeNumber": "42"}}]
    });
    let compat = scim_core::Compat::standard();
    let req = scim_core::patch::PatchRequest::from_json(&body, &compat).unwrap();
    let out = scim_core::patch::apply_patch(&view, &user, &req, &compat).unwrap();
    assert_eq!(
        out["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["employeeNumber"],
        "42"
    );
    assert!(out["schemas"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s == "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
}
