//! Projection: RFC 7644 §3.4.2.5 `attributes` / `excludedAttributes` and
//! the RFC 7643 `returned` characteristic.

#![allow(clippy::unwrap_used)]

use crate::resource::{enterprise_user, group};
use scim_core::projection::Projection;
use scim_core::schema::{AttrType, Attribute, ResourceType, Returned, SchemaBuilder};
use scim_core::{Registry, ScimType};
use scim_filter::parse_attr_list;
use serde_json::{json, Value};

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn project(attributes: &str, excluded: &str, resource: &Value) -> Value {
    let reg = Registry::with_builtins();
    let view = reg.view("User").unwrap();
    let list = |s: &str| {
        if s.is_empty() {
            Vec::new()
        } else {
            parse_attr_list(s).unwrap()
        }
    };
    let p = Projection::new(&view, &list(attributes), &list(excluded)).unwrap();
    p.apply(resource)
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort();
    k
}

#[test]
fn default_drops_never_and_keeps_the_rest() {
    let user = enterprise_user();
    let reg = Registry::with_builtins();
    let view = reg.view("User").unwrap();
    let out = Projection::default_for(&view).apply(&user);
    let mut want = user.clone();
    want.as_object_mut().unwrap().remove("password");
    assert_eq!(out, want);
    // No parameters is the same as default_for.
    assert_eq!(project("", "", &user), want);
}

#[test]
fn attributes_returns_named_plus_always() {
    let out = project("userName", "", &enterprise_user());
    assert_eq!(keys(&out), vec!["id", "schemas", "userName"]);
}

#[test]
fn attributes_with_sub_attributes() {
    let out = project("name.givenName,emails.value", "", &enterprise_user());
    assert_eq!(
        out,
        json!({
            "schemas": enterprise_user()["schemas"],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "name": {"givenName": "Barbara"},
            "emails": [{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}]
        })
    );
}

#[test]
fn attribute_names_are_case_insensitive_and_may_carry_the_core_urn() {
    let out = project(
        "USERNAME,urn:ietf:params:scim:schemas:core:2.0:User:name.FamilyName",
        "",
        &enterprise_user(),
    );
    assert_eq!(out["userName"], "bjensen@example.com");
    assert_eq!(out["name"], json!({"familyName": "Jensen"}));
}

#[test]
fn extension_urn_means_the_whole_extension() {
    let user = enterprise_user();
    let out = project(ENT, "", &user);
    assert_eq!(keys(&out), vec!["id", "schemas", ENT]);
    assert_eq!(out[ENT], user[ENT]);
    let out = project(&format!("{ENT}:manager.value,{ENT}:department"), "", &user);
    assert_eq!(
        out[ENT],
        json!({"department": "Tour Operations", "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}})
    );
}

#[test]
fn never_is_never_returned_even_when_named() {
    let out = project("password,userName", "", &enterprise_user());
    assert!(out.get("password").is_none());
    assert_eq!(out["userName"], "bjensen@example.com");
}

#[test]
fn meta_is_returned_by_default_but_only_when_named_under_attributes() {
    let user = enterprise_user();
    assert!(project("userName", "", &user).get("meta").is_none());
    let out = project("meta.lastModified", "", &user);
    assert_eq!(out["meta"], json!({"lastModified": "2011-05-13T04:42:34Z"}));
}

#[test]
fn excluded_attributes() {
    let user = enterprise_user();
    let out = project("", "emails,name.familyName,groups.display", &user);
    assert!(out.get("emails").is_none());
    assert!(out.get("password").is_none());
    assert_eq!(out["name"]["givenName"], "Barbara");
    assert!(out["name"].get("familyName").is_none());
    assert!(out["groups"][0].get("display").is_none());
    assert_eq!(
        out["groups"][0]["value"],
        "e9e30dba-f08f-4109-8486-d5c6a331660a"
    );
    assert_eq!(out[ENT], user[ENT]);
    // Excluding the extension URN drops the whole extension.
    assert!(project("", ENT, &user).get(ENT).is_none());
}

#[test]
fn always_cannot_be_excluded() {
    let out = project("", "id,schemas", &enterprise_user());
    assert_eq!(out["id"], "2819c223-7f76-453a-919d-413861904646");
    assert!(out.get("schemas").is_some());
}

#[test]
fn both_lists_select_then_exclude() {
    let out = project("name,emails", "name.familyName", &enterprise_user());
    assert_eq!(keys(&out), vec!["emails", "id", "name", "schemas"]);
    assert!(out["name"].get("familyName").is_none());
    assert_eq!(out["name"]["givenName"], "Barbara");
}

#[test]
fn unknown_attribute_is_invalid_value() {
    let reg = Registry::with_builtins();
    let view = reg.view("User").unwrap();
    for list in [
        "shoeSize",
        "name.shoeSize",
        "urn:example:nothing:2.0:User:userName",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:shoeSize",
    ] {
        let paths = parse_attr_list(list).unwrap();
        let e = Projection::new(&view, &paths, &[]).unwrap_err();
        assert_eq!(e.scim_type(), Some(ScimType::InvalidValue), "{list}");
        let e = Projection::new(&view, &[], &paths).unwrap_err();
        assert_eq!(e.scim_type(), Some(ScimType::InvalidValue), "{list}");
    }
}

#[test]
fn request_attributes_only_when_named() {
    let mut reg = Registry::new();
    reg.add_schema(
        SchemaBuilder::new("urn:example:core:1.0:Device")
            .attribute(Attribute::new("label", AttrType::String))
            .attribute(
                Attribute::new("secretHint", AttrType::String).with_returned(Returned::Request),
            )
            .build()
            .unwrap(),
    )
    .unwrap();
    reg.add_resource_type(ResourceType::new(
        "Device",
        "/Devices",
        "urn:example:core:1.0:Device",
    ))
    .unwrap();
    let view = reg.view("Device").unwrap();
    let device = json!({"schemas": ["urn:example:core:1.0:Device"], "id": "d", "label": "L", "secretHint": "H"});
    let default = Projection::default_for(&view).apply(&device);
    assert!(default.get("secretHint").is_none());
    assert_eq!(default["label"], "L");
    let named = Projection::new(&view, &parse_attr_list("secretHint").unwrap(), &[])
        .unwrap()
        .apply(&device);
    assert_eq!(
        named,
        json!({"schemas": ["urn:example:core:1.0:Device"], "id": "d", "secretHint": "H"})
    );
    // Naming the whole core schema still leaves request attributes out.
    let whole = Projection::new(
        &view,
        &parse_attr_list("urn:example:core:1.0:Device").unwrap(),
        &[],
    )
    .unwrap()
    .apply(&device);
    assert!(whole.get("secretHint").is_none());
    assert_eq!(whole["label"], "L");
}

#[test]
fn group_members_sub_attribute() {
    let reg = Registry::with_builtins();
    let view = reg.view("Group").unwrap();
    let p = Projection::new(&view, &parse_attr_list("members.value").unwrap(), &[]).unwrap();
    let out = p.apply(&group());
    assert_eq!(
        out["members"],
        json!([{"value": "2819c223-7f76-453a-919d-413861904646"}, {"value": "902c246b-6245-4190-8e05-00816be7344a"}])
    );
    assert!(out.get("displayName").is_none());
}

#[test]
fn empty_results_are_omitted() {
    let mut user = enterprise_user();
    user["name"] = json!({"formatted": "B"});
    let out = project("name.givenName", "", &user);
    assert!(out.get("name").is_none());
}
