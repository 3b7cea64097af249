//! Resource validation: RFC 7643 §8 examples, one test per rule.

#![allow(clippy::unwrap_used)]

use scim_core::resource::{
    new_meta, prepare_create, prepare_replace, set_version, touch_meta, validate_element,
    validate_value, validate_value_at, version_of,
};
use scim_core::schema::{
    AttrType, Attribute, Mutability, ResourceType, SchemaBuilder, ENTERPRISE_USER_SCHEMA,
    USER_SCHEMA,
};
use scim_core::{Compat, Registry, ScimType};
use serde_json::{json, Value};

const ENT: &str = ENTERPRISE_USER_SCHEMA;

/// RFC 7643 §8.1.
pub fn minimal_user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "userName": "bjensen@example.com",
        "meta": {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34Z",
            "version": "W/\"3694e05e9dff590\"",
            "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"
        }
    })
}

/// RFC 7643 §8.2 (the certificate shortened to its first line).
pub fn full_user() -> Value {
    serde_json::from_str(include_str!("../fixtures/rfc7643/full-user.json")).unwrap()
}

/// The RFC 7643 §8.3 Enterprise User extension object.
pub fn enterprise_extension() -> Value {
    serde_json::from_str(include_str!(
        "../fixtures/rfc7643/enterprise-extension.json"
    ))
    .unwrap()
}

/// RFC 7643 §8.3: the full user with the Enterprise User extension.
pub fn enterprise_user() -> Value {
    let mut u = full_user();
    u["schemas"] = json!([USER_SCHEMA, ENT]);
    u[ENT] = enterprise_extension();
    u
}

/// RFC 7643 §8.4.
pub fn group() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Tour Guides",
        "members": [
            {
                "value": "2819c223-7f76-453a-919d-413861904646",
                "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
                "display": "Babs Jensen"
            },
            {
                "value": "902c246b-6245-4190-8e05-00816be7344a",
                "$ref": "https://example.com/v2/Users/902c246b-6245-4190-8e05-00816be7344a",
                "display": "Mandy Pepperidge"
            }
        ],
        "meta": {
            "resourceType": "Group",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34Z",
            "version": "W/\"3694e05e9dff592\"",
            "location": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a"
        }
    })
}

fn strict() -> Compat {
    Compat::standard()
}

fn lenient() -> Compat {
    Compat::standard().with_drop_undefined_attributes(true)
}

fn create(body: Value) -> Result<Value, scim_core::ScimError> {
    let reg = Registry::with_builtins();
    let view = reg.view("User").unwrap();
    prepare_create(&view, body, &strict())
}

fn create_err(body: Value) -> ScimType {
    let e = create(body).expect_err("should be rejected");
    assert_eq!(e.status(), 400, "{e}");
    e.scim_type().unwrap()
}

fn user_attr(name: &str) -> Attribute {
    let reg = Registry::with_builtins();
    let view = reg.view("User").unwrap();
    view.resolve(None, name).unwrap().attribute.clone()
}

// --- RFC examples ----------------------------------------------------------

#[test]
fn rfc_8_1_minimal_user_validates() {
    let out = create(minimal_user()).unwrap();
    assert_eq!(
        out,
        json!({"schemas": [USER_SCHEMA], "userName": "bjensen@example.com"})
    );
}

#[test]
fn rfc_8_2_full_user_validates_and_read_only_is_dropped() {
    let out = create(full_user()).unwrap();
    let mut want = full_user();
    let obj = want.as_object_mut().unwrap();
    obj.remove("id");
    obj.remove("meta");
    obj.remove("groups");
    assert_eq!(out, want);
}

#[test]
fn rfc_8_3_enterprise_user_validates() {
    let out = create(enterprise_user()).unwrap();
    assert_eq!(out["schemas"], json!([USER_SCHEMA, ENT]));
    assert_eq!(out[ENT]["employeeNumber"], "701984");
    // manager.displayName is readOnly: dropped from input.
    assert_eq!(
        out[ENT]["manager"],
        json!({
            "value": "26118915-6090-4610-87e4-49d8ca9f808d",
            "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d"
        })
    );
}

#[test]
fn rfc_8_4_group_validates() {
    let reg = Registry::with_builtins();
    let view = reg.view("Group").unwrap();
    let out = prepare_create(&view, group(), &strict()).unwrap();
    let mut want = group();
    want.as_object_mut().unwrap().remove("id");
    want.as_object_mut().unwrap().remove("meta");
    assert_eq!(out, want);
}

// --- body and schemas ---------------------------------------------------------

#[test]
fn body_must_be_an_object() {
    for body in [json!([]), json!("x"), json!(null), json!(1)] {
        assert_eq!(create_err(body), ScimType::InvalidSyntax);
    }
}

#[test]
fn schemas_rules() {
    // (schemas value, expected error)
    let cases: Vec<(Value, ScimType)> = vec![
        (
            json!("urn:ietf:params:scim:schemas:core:2.0:User"),
            ScimType::InvalidSyntax,
        ),
        (json!([1]), ScimType::InvalidSyntax),
        (json!([ENT]), ScimType::InvalidValue),
        (
            json!([USER_SCHEMA, "urn:example:unknown"]),
            ScimType::InvalidValue,
        ),
        (
            json!(["urn:ietf:params:scim:schemas:core:2.0:Group"]),
            ScimType::InvalidValue,
        ),
        (json!([]), ScimType::InvalidValue),
    ];
    for (schemas, want) in cases {
        let got = create_err(json!({"schemas": schemas, "userName": "a"}));
        assert_eq!(got, want, "schemas {schemas}");
    }
    assert_eq!(create_err(json!({"userName": "a"})), ScimType::InvalidValue);
}

#[test]
fn schemas_normalised_deduplicated_and_missing_extension_added() {
    let out = create(json!({
        "schemas": ["URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER", USER_SCHEMA],
        "userName": "a",
        ENT: {"department": "Tours"}
    }))
    .unwrap();
    assert_eq!(out["schemas"], json!([USER_SCHEMA, ENT]));
    assert_eq!(out[ENT], json!({"department": "Tours"}));
}

#[test]
fn extension_key_matched_case_insensitively() {
    let out = create(json!({
        "schemas": [USER_SCHEMA, ENT],
        "userName": "a",
        ENT.to_uppercase(): {"Department": "Tours"}
    }))
    .unwrap();
    assert_eq!(out[ENT], json!({"department": "Tours"}));
}

#[test]
fn required_extension_must_be_present() {
    let mut reg = Registry::with_builtins();
    reg.add_schema(
        SchemaBuilder::new("urn:example:ext:1.0:Device")
            .attribute(Attribute::new("serial", AttrType::String).with_required(true))
            .build()
            .unwrap(),
    )
    .unwrap();
    reg.add_schema(
        SchemaBuilder::new("urn:example:core:1.0:Thing")
            .attribute(Attribute::new("label", AttrType::String))
            .build()
            .unwrap(),
    )
    .unwrap();
    reg.add_resource_type(
        ResourceType::new("Thing", "/Things", "urn:example:core:1.0:Thing")
            .with_extension("urn:example:ext:1.0:Device", true),
    )
    .unwrap();
    let view = reg.view("Thing").unwrap();
    let e = prepare_create(
        &view,
        json!({"schemas": ["urn:example:core:1.0:Thing"], "label": "x"}),
        &strict(),
    )
    .unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
    assert!(e.detail().contains("urn:example:ext:1.0:Device"), "{e}");
    // Present, but without its required attribute.
    let e = prepare_create(
        &view,
        json!({"schemas": ["urn:example:core:1.0:Thing"], "urn:example:ext:1.0:Device": {"x": 1}}),
        &lenient(),
    )
    .unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
    let ok = prepare_create(
        &view,
        json!({"schemas": ["urn:example:core:1.0:Thing"], "urn:example:ext:1.0:Device:serial": "S1"}),
        &strict(),
    )
    .unwrap();
    assert_eq!(
        ok,
        json!({
            "schemas": ["urn:example:core:1.0:Thing", "urn:example:ext:1.0:Device"],
            "urn:example:ext:1.0:Device": {"serial": "S1"}
        })
    );
}

// --- names --------------------------------------------------------------------

#[test]
fn names_are_case_insensitive_and_normalised() {
    let out = create(json!({
        "SCHEMAS": [USER_SCHEMA],
        "USERNAME": "bjensen",
        "Name": {"GIVENNAME": "Barbara", "familyname": "Jensen"},
        "Emails": [{"VALUE": "b@example.com", "Primary": true}],
        "ExternalID": "x1"
    }))
    .unwrap();
    assert_eq!(
        out,
        json!({
            "schemas": [USER_SCHEMA],
            "userName": "bjensen",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "b@example.com", "primary": true}],
            "externalId": "x1"
        })
    );
}

#[test]
fn same_name_twice_in_different_case_is_rejected() {
    assert_eq!(
        create_err(json!({"schemas": [USER_SCHEMA], "userName": "a", "USERNAME": "b"})),
        ScimType::InvalidValue
    );
}

#[test]
fn urn_qualified_keys_are_folded() {
    let out = create(json!({
        "schemas": [USER_SCHEMA],
        "urn:ietf:params:scim:schemas:core:2.0:User:userName": "bjensen",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "701984",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value": "m-1",
        ENT: {"department": "Tours"}
    }))
    .unwrap();
    assert_eq!(
        out,
        json!({
            "schemas": [USER_SCHEMA, ENT],
            "userName": "bjensen",
            ENT: {"employeeNumber": "701984", "department": "Tours", "manager": {"value": "m-1"}}
        })
    );
}

#[test]
fn undefined_attributes_strict_and_lenient() {
    let body = json!({
        "schemas": [USER_SCHEMA],
        "userName": "a",
        "favouriteColour": "green",
        "name": {"givenName": "B", "nickname2": "x"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:shoeSize": "9"
    });
    let reg = Registry::with_builtins();
    let view = reg.view("User").unwrap();
    let e = prepare_create(&view, body.clone(), &strict()).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
    let out = prepare_create(&view, body, &lenient()).unwrap();
    assert_eq!(
        out,
        json!({"schemas": [USER_SCHEMA], "userName": "a", "name": {"givenName": "B"}})
    );
    // Each undefined piece alone is rejected in strict mode.
    for extra in [
        json!({"favouriteColour": "green"}),
        json!({"name": {"nickname2": "x"}}),
        json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:shoeSize": "9"}),
        json!({ENT: {"shoeSize": "9"}}),
        json!({"emails": [{"value": "a@b", "label": "x"}]}),
    ] {
        let mut b = json!({"schemas": [USER_SCHEMA, ENT], "userName": "a"});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        assert_eq!(create_err(b), ScimType::InvalidValue, "{extra}");
    }
}

// --- required, readOnly, unassigned -----------------------------------------

#[test]
fn missing_required_attribute() {
    let e = create(json!({"schemas": [USER_SCHEMA], "displayName": "x"})).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
    assert!(e.detail().contains("userName"), "{e}");
    // null counts as missing.
    assert_eq!(
        create_err(json!({"schemas": [USER_SCHEMA], "userName": null})),
        ScimType::InvalidValue
    );
    let reg = Registry::with_builtins();
    let view = reg.view("Group").unwrap();
    let e = prepare_create(
        &view,
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"]}),
        &strict(),
    )
    .unwrap_err();
    assert!(e.detail().contains("displayName"), "{e}");
}

#[test]
fn read_only_input_is_ignored() {
    let out = create(json!({
        "schemas": [USER_SCHEMA],
        "id": "client-chosen",
        "userName": "a",
        "meta": {"created": "not even a date"},
        "groups": [{"value": "g1"}],
        ENT: {"manager": {"value": "m", "displayName": "Boss"}}
    }))
    .unwrap();
    assert_eq!(
        out,
        json!({"schemas": [USER_SCHEMA, ENT], "userName": "a", ENT: {"manager": {"value": "m"}}})
    );
}

#[test]
fn nulls_and_empty_values_are_removed() {
    let out = create(json!({
        "schemas": [USER_SCHEMA],
        "userName": "a",
        "displayName": null,
        "emails": [],
        "phoneNumbers": [null],
        "name": {"givenName": null},
        "addresses": [{}]
    }))
    .unwrap();
    assert_eq!(out, json!({"schemas": [USER_SCHEMA], "userName": "a"}));
}

// --- validate_value -------------------------------------------------------------

#[test]
fn wrong_types_are_invalid_value() {
    // (attribute, value)
    let cases = [
        ("userName", json!(5)),
        ("userName", json!(["a"])),
        ("active", json!("yes")),
        ("active", json!(1)),
        ("name", json!("Barbara")),
        ("name", json!({"givenName": 5})),
        ("emails", json!([{"value": true}])),
        ("emails", json!([["a"]])),
        ("x509Certificates", json!([{"value": "not base64!"}])),
        ("profileUrl", json!({"href": "x"})),
    ];
    for (name, value) in cases {
        let e = validate_value(&user_attr(name), value.clone(), &strict())
            .expect_err(&format!("{name} = {value}"));
        assert_eq!(
            e.scim_type(),
            Some(ScimType::InvalidValue),
            "{name} = {value}"
        );
    }
}

#[test]
fn scalar_types() {
    let int = Attribute::new("n", AttrType::Integer);
    let dec = Attribute::new("d", AttrType::Decimal);
    let dt = Attribute::new("t", AttrType::DateTime);
    let c = strict();
    assert_eq!(validate_value(&int, json!(42), &c).unwrap(), json!(42));
    assert_eq!(validate_value(&int, json!(-1), &c).unwrap(), json!(-1));
    assert!(validate_value(&int, json!(1.5), &c).is_err());
    assert!(validate_value(&int, json!("1"), &c).is_err());
    assert_eq!(validate_value(&dec, json!(1.5), &c).unwrap(), json!(1.5));
    assert_eq!(validate_value(&dec, json!(2), &c).unwrap(), json!(2));
    assert!(validate_value(&dec, json!("1.5"), &c).is_err());
    for ok in [
        "2011-05-13T04:42:34Z",
        "2011-05-13T04:42:34.123+02:00",
        "2011-05-13T04:42:34-07:00",
    ] {
        assert_eq!(validate_value(&dt, json!(ok), &c).unwrap(), json!(ok));
    }
    for bad in [
        "2011-05-13",
        "yesterday",
        "2011-13-13T04:42:34Z",
        "2011-05-13 04:42:34",
    ] {
        assert!(validate_value(&dt, json!(bad), &c).is_err(), "{bad}");
    }
}

#[test]
fn string_booleans_follow_compat() {
    let active = user_attr("active");
    for (s, b) in [("True", true), ("false", false), ("TRUE", true)] {
        assert_eq!(
            validate_value(&active, json!(s), &strict()).unwrap(),
            json!(b)
        );
    }
    let mut no = Compat::standard();
    no.string_booleans = false;
    assert!(validate_value(&active, json!("True"), &no).is_err());
    // Nested booleans too.
    let emails = user_attr("emails");
    assert_eq!(
        validate_value(
            &emails,
            json!([{"value": "a@b", "primary": "True"}]),
            &strict()
        )
        .unwrap(),
        json!([{"value": "a@b", "primary": true}])
    );
}

#[test]
fn single_value_for_multi_valued_follows_compat() {
    let emails = user_attr("emails");
    assert_eq!(
        validate_value(&emails, json!({"value": "a@b"}), &strict()).unwrap(),
        json!([{"value": "a@b"}])
    );
    let mut no = Compat::standard();
    no.single_value_as_array = false;
    let e = validate_value(&emails, json!({"value": "a@b"}), &no).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
}

#[test]
fn bare_value_for_complex_follows_compat() {
    let reg = Registry::with_builtins();
    let view = reg.view("User").unwrap();
    let manager = view.resolve(Some(ENT), "manager").unwrap().attribute;
    assert_eq!(
        validate_value(manager, json!("m-1"), &Compat::entra()).unwrap(),
        json!({"value": "m-1"})
    );
    assert!(validate_value(manager, json!("m-1"), &strict()).is_err());
    // `name` has no `value` sub-attribute: never accepted bare.
    assert!(validate_value(&user_attr("name"), json!("B"), &Compat::entra()).is_err());
}

#[test]
fn at_most_one_primary() {
    let emails = user_attr("emails");
    let e = validate_value(
        &emails,
        json!([{"value": "a@b", "primary": true}, {"value": "c@d", "primary": true}]),
        &strict(),
    )
    .unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
    assert!(e.detail().contains("primary"), "{e}");
    assert!(validate_value(
        &emails,
        json!([{"value": "a@b", "primary": true}, {"value": "c@d", "primary": false}]),
        &strict()
    )
    .is_ok());
    // Through prepare_create too.
    assert_eq!(
        create_err(json!({
            "schemas": [USER_SCHEMA],
            "userName": "a",
            "phoneNumbers": [{"value": "1", "primary": true}, {"value": "2", "primary": "true"}]
        })),
        ScimType::InvalidValue
    );
}

#[test]
fn canonical_values_enforced_only_when_asked() {
    let loose = Attribute::new("kind", AttrType::String).with_canonical_values(["a", "b"]);
    assert_eq!(
        validate_value(&loose, json!("z"), &strict()).unwrap(),
        json!("z")
    );
    let tight = loose.clone().with_canonical_values_enforced(true);
    assert_eq!(
        validate_value(&tight, json!("A"), &strict()).unwrap(),
        json!("a")
    );
    let e = validate_value(&tight, json!("z"), &strict()).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
    let exact = tight.with_case_exact(true);
    assert!(validate_value(&exact, json!("A"), &strict()).is_err());
    // The built-in emails.type is advertised, not enforced.
    assert!(validate_value(
        &user_attr("emails"),
        json!([{"value": "a@b", "type": "holiday"}]),
        &strict()
    )
    .is_ok());
}

#[test]
fn null_is_unassigned() {
    for name in ["userName", "emails", "name", "active"] {
        assert_eq!(
            validate_value(&user_attr(name), Value::Null, &strict()).unwrap(),
            Value::Null
        );
    }
    assert_eq!(
        validate_value(&user_attr("emails"), json!([]), &strict()).unwrap(),
        Value::Null
    );
}

#[test]
fn validate_value_at_sub_attribute_and_element() {
    let name = user_attr("name");
    let given = name.sub_attribute("givenName").unwrap().clone();
    assert_eq!(
        validate_value_at(&name, Some(&given), json!("B"), &strict()).unwrap(),
        json!("B")
    );
    let e = validate_value_at(&name, Some(&given), json!(1), &strict()).unwrap_err();
    assert!(e.detail().contains("name.givenName"), "{e}");
    let stranger = Attribute::new("shoe", AttrType::String);
    let e = validate_value_at(&name, Some(&stranger), json!("x"), &strict()).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidPath));
    let emails = user_attr("emails");
    assert_eq!(
        validate_element(&emails, json!({"VALUE": "a@b"}), &strict()).unwrap(),
        json!({"value": "a@b"})
    );
    assert!(validate_element(&emails, json!([{"value": "a@b"}]), &strict()).is_err());
}

// --- replace --------------------------------------------------------------------

fn stored_user() -> Value {
    let mut u = enterprise_user();
    u.as_object_mut().unwrap().remove("password");
    u["password"] = json!("old-secret");
    u
}

#[test]
fn replace_keeps_read_only_and_write_only() {
    let reg = Registry::with_builtins();
    let view = reg.view("User").unwrap();
    let existing = stored_user();
    let body = json!({
        "schemas": [USER_SCHEMA, ENT],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "userName": "bjensen@example.com",
        "groups": [],
        "meta": {"version": "forged"},
        ENT: {"manager": {"value": "new-boss"}}
    });
    let out = prepare_replace(&view, &existing, body, &strict()).unwrap();
    assert_eq!(out["id"], existing["id"]);
    assert_eq!(out["meta"], existing["meta"]);
    assert_eq!(out["groups"], existing["groups"]);
    assert_eq!(out["password"], "old-secret");
    assert_eq!(
        out[ENT]["manager"],
        json!({"value": "new-boss", "displayName": "John Smith"})
    );
    // Omitted readWrite attributes are cleared by a replace.
    assert!(out.get("name").is_none());
    assert!(out[ENT].get("department").is_none());
}

#[test]
fn replace_rejects_other_id() {
    let reg = Registry::with_builtins();
    let view = reg.view("User").unwrap();
    let e = prepare_replace(
        &view,
        &stored_user(),
        json!({"schemas": [USER_SCHEMA], "id": "someone-else", "userName": "a"}),
        &strict(),
    )
    .unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::Mutability));
}

#[test]
fn replace_rejects_immutable_change() {
    let mut reg = Registry::new();
    reg.add_schema(
        SchemaBuilder::new("urn:example:core:1.0:Badge")
            .attribute(Attribute::new("label", AttrType::String))
            .attribute(
                Attribute::new("serial", AttrType::String).with_mutability(Mutability::Immutable),
            )
            .build()
            .unwrap(),
    )
    .unwrap();
    reg.add_resource_type(ResourceType::new(
        "Badge",
        "/Badges",
        "urn:example:core:1.0:Badge",
    ))
    .unwrap();
    let view = reg.view("Badge").unwrap();
    let s = "urn:example:core:1.0:Badge";
    let existing = json!({"schemas": [s], "id": "1", "serial": "S1", "label": "a"});
    // Changed: rejected.
    let e = prepare_replace(
        &view,
        &existing,
        json!({"schemas": [s], "serial": "S2"}),
        &strict(),
    )
    .unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::Mutability));
    // Same value (case-insensitively, caseExact false): fine.
    let out = prepare_replace(
        &view,
        &existing,
        json!({"schemas": [s], "serial": "s1"}),
        &strict(),
    )
    .unwrap();
    assert_eq!(out["serial"], "s1");
    // Omitted: kept.
    let out = prepare_replace(
        &view,
        &existing,
        json!({"schemas": [s], "label": "b"}),
        &strict(),
    )
    .unwrap();
    assert_eq!(
        out,
        json!({"schemas": [s], "id": "1", "serial": "S1", "label": "b"})
    );
    // Not yet set: may be set.
    let unset = json!({"schemas": [s], "id": "1"});
    let out = prepare_replace(
        &view,
        &unset,
        json!({"schemas": [s], "serial": "S9"}),
        &strict(),
    )
    .unwrap();
    assert_eq!(out["serial"], "S9");
}

// --- meta -----------------------------------------------------------------------

#[test]
fn meta_and_versions() {
    let t0 = time::macros::datetime!(2024-01-02 03:04:05 UTC);
    let t1 = time::macros::datetime!(2024-02-03 04:05:06 UTC);
    let mut r = create(full_user()).unwrap();
    r["id"] = json!("abc");
    r["meta"] = new_meta("User", "https://example.com/v2/Users/abc", t0);
    assert_eq!(r["meta"]["created"], "2024-01-02T03:04:05Z");
    assert_eq!(r["meta"]["lastModified"], "2024-01-02T03:04:05Z");
    assert_eq!(r["meta"]["resourceType"], "User");
    set_version(&mut r);
    let v0 = r["meta"]["version"].as_str().unwrap().to_owned();
    assert!(v0.starts_with("W/\"") && v0.ends_with('"'), "{v0}");
    assert_eq!(v0, version_of(&r));
    // Touching without a change keeps the version, moves lastModified.
    touch_meta(&mut r, t1);
    assert_eq!(r["meta"]["version"], v0.as_str());
    assert_eq!(r["meta"]["lastModified"], "2024-02-03T04:05:06Z");
    assert_eq!(r["meta"]["created"], "2024-01-02T03:04:05Z");
    r["displayName"] = json!("Barbara");
    touch_meta(&mut r, t1);
    assert_ne!(r["meta"]["version"], v0.as_str());
}

// --- laws -------------------------------------------------------------------------

/// Re-spells every object key of `v` (but not `schemas` values or the
/// extension URN's case-sensitive parts) in upper or lower case, driven by
/// `flips`.
fn respell(v: &Value, flips: &[bool], i: &mut usize) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let flip = flips[*i % flips.len()];
                    *i += 1;
                    let k = if flip {
                        k.to_uppercase()
                    } else {
                        k.to_lowercase()
                    };
                    (k, respell(v, flips, i))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| respell(x, flips, i)).collect()),
        other => other.clone(),
    }
}

proptest::proptest! {
    /// Names are case-insensitive: any spelling of the RFC 7643 §8.3 user
    /// normalises to the same resource.
    #[test]
    fn any_spelling_normalises_to_the_same_resource(
        flips in proptest::collection::vec(proptest::bool::ANY, 1..64)
    ) {
        let canonical = create(enterprise_user()).unwrap();
        let mut i = 0;
        let body = respell(&enterprise_user(), &flips, &mut i);
        proptest::prop_assert_eq!(create(body).unwrap(), canonical);
    }

    /// Validation is idempotent: a prepared resource prepares to itself.
    #[test]
    fn prepare_create_is_idempotent(drop in proptest::collection::vec(proptest::bool::ANY, 30)) {
        let mut body = enterprise_user();
        let keys: Vec<String> = body.as_object().unwrap().keys().cloned().collect();
        for (k, d) in keys.iter().zip(&drop) {
            if *d && k != "schemas" && k != "userName" {
                body.as_object_mut().unwrap().remove(k);
            }
        }
        let once = create(body).unwrap();
        proptest::prop_assert_eq!(create(once.clone()).unwrap(), once);
    }
}

/// Regression (found by the `patch` fuzz target): a PUT that drops
/// `manager` left `{"displayName": ...}` behind, with no `value`, and the
/// enterprise URN in `schemas`.
#[test]
fn put_without_manager_removes_its_read_only_display_name_too() {
    let registry = scim_core::Registry::with_builtins();
    let view = registry.view("User").unwrap();
    let ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let existing = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ext],
        "id": "1", "userName": "bjensen",
        ext: {"manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}}
    });
    let body = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"
    });
    let out = scim_core::resource::prepare_replace(
        &view,
        &existing,
        body,
        &scim_core::Compat::standard(),
    )
    .unwrap();
    assert!(out.get(ext).is_none(), "{out}");
    assert!(
        !out["schemas"].as_array().unwrap().iter().any(|s| s == ext),
        "{out}"
    );
}
