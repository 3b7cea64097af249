//! Built-in schemas (RFC 7643 §8.7), schema loading and validation, the
//! registry, and the discovery documents.

#![allow(clippy::unwrap_used)]

use scim_core::discovery::{resource_type_document, schema_document, ServiceProviderConfig};
use scim_core::schema::{
    AttrType, Attribute, Mutability, ResourceType, Returned, Schema, SchemaBuilder, Uniqueness,
    ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA,
    SERVICE_PROVIDER_CONFIG_SCHEMA, USER_SCHEMA,
};
use scim_core::{Registry, ScimType};
use serde_json::{json, Value};

const BASE: &str = "https://example.com/v2";

fn doc(urn: &str) -> Value {
    let reg = Registry::with_builtins();
    schema_document(reg.schema(urn).unwrap(), BASE)
}

/// The serialised definition of `attr` (or `attr.sub`) in a schema document.
fn served(urn: &str, attr: &str, sub: Option<&str>) -> Value {
    let d = doc(urn);
    let find = |list: &Value, name: &str| -> Value {
        list.as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .unwrap_or_else(|| panic!("{name} not found"))
            .clone()
    };
    let a = find(&d["attributes"], attr);
    match sub {
        Some(s) => find(&a["subAttributes"], s),
        None => a,
    }
}

#[test]
fn user_attribute_characteristics_as_served() {
    assert_eq!(
        served(USER_SCHEMA, "userName", None),
        json!({
            "name": "userName",
            "type": "string",
            "multiValued": false,
            "description": "Unique identifier for the User, typically used by the user to directly authenticate to the service provider. Each User MUST include a non-empty userName value.  This identifier MUST be unique across the service provider's entire set of Users. REQUIRED.",
            "required": true,
            "caseExact": false,
            "mutability": "readWrite",
            "returned": "default",
            "uniqueness": "server"
        })
    );
    let password = served(USER_SCHEMA, "password", None);
    assert_eq!(password["mutability"], "writeOnly");
    assert_eq!(password["returned"], "never");
    let groups = served(USER_SCHEMA, "groups", None);
    assert_eq!(groups["mutability"], "readOnly");
    assert_eq!(groups["multiValued"], true);
    assert_eq!(
        served(USER_SCHEMA, "groups", Some("$ref"))["referenceTypes"],
        json!(["User", "Group"])
    );
    let email_value = served(USER_SCHEMA, "emails", Some("value"));
    assert_eq!(email_value["caseExact"], false);
    assert_eq!(email_value["type"], "string");
    assert_eq!(
        served(USER_SCHEMA, "emails", Some("type"))["canonicalValues"],
        json!(["work", "home", "other"])
    );
    assert_eq!(
        served(USER_SCHEMA, "phoneNumbers", Some("type"))["canonicalValues"],
        json!(["work", "home", "mobile", "fax", "pager", "other"])
    );
    assert_eq!(
        served(USER_SCHEMA, "profileUrl", None)["referenceTypes"],
        json!(["external"])
    );
    assert_eq!(
        served(USER_SCHEMA, "x509Certificates", Some("value"))["type"],
        "binary"
    );
    assert_eq!(served(USER_SCHEMA, "active", None)["type"], "boolean");
}

#[test]
fn user_attributes_in_rfc_order() {
    let names: Vec<String> = doc(USER_SCHEMA)["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "userName",
            "name",
            "displayName",
            "nickName",
            "profileUrl",
            "title",
            "userType",
            "preferredLanguage",
            "locale",
            "timezone",
            "active",
            "password",
            "emails",
            "phoneNumbers",
            "ims",
            "photos",
            "addresses",
            "groups",
            "entitlements",
            "roles",
            "x509Certificates"
        ]
    );
}

#[test]
fn group_and_enterprise_characteristics() {
    for sub in ["value", "$ref", "type"] {
        assert_eq!(
            served(GROUP_SCHEMA, "members", Some(sub))["mutability"],
            "immutable",
            "{sub}"
        );
    }
    assert_eq!(served(GROUP_SCHEMA, "displayName", None)["required"], true);
    let manager = served(ENTERPRISE_USER_SCHEMA, "manager", None);
    assert_eq!(manager["type"], "complex");
    assert_eq!(
        served(ENTERPRISE_USER_SCHEMA, "manager", Some("displayName"))["mutability"],
        "readOnly"
    );
    assert_eq!(
        served(ENTERPRISE_USER_SCHEMA, "manager", Some("$ref"))["referenceTypes"],
        json!(["User"])
    );
    let names: Vec<&str> = vec![
        "employeeNumber",
        "costCenter",
        "organization",
        "division",
        "department",
        "manager",
    ];
    let d = doc(ENTERPRISE_USER_SCHEMA);
    let got: Vec<&str> = d["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(got, names);
}

#[test]
fn common_attributes() {
    let reg = Registry::with_builtins();
    let view = reg.view("User").unwrap();
    let id = view.resolve(None, "id").unwrap().attribute;
    assert_eq!(id.returned, Returned::Always);
    assert_eq!(id.mutability, Mutability::ReadOnly);
    assert!(id.case_exact);
    assert!(
        view.resolve(None, "externalId")
            .unwrap()
            .attribute
            .case_exact
    );
    let meta = view.resolve(None, "meta").unwrap().attribute;
    assert_eq!(meta.mutability, Mutability::ReadOnly);
    assert_eq!(
        meta.sub_attribute("created").unwrap().ty,
        AttrType::DateTime
    );
    assert!(meta.sub_attribute("version").unwrap().case_exact);
}

#[test]
fn registry_serves_service_provider_schemas() {
    let reg = Registry::with_builtins();
    let urns: Vec<&str> = reg.schemas().iter().map(|s| s.id.as_str()).collect();
    for urn in [
        USER_SCHEMA,
        GROUP_SCHEMA,
        ENTERPRISE_USER_SCHEMA,
        SERVICE_PROVIDER_CONFIG_SCHEMA,
        RESOURCE_TYPE_SCHEMA,
        SCHEMA_SCHEMA,
    ] {
        assert!(urns.contains(&urn), "{urn}");
    }
    assert_eq!(
        served(
            SERVICE_PROVIDER_CONFIG_SCHEMA,
            "bulk",
            Some("maxOperations")
        )["type"],
        "integer"
    );
    assert_eq!(
        served(SERVICE_PROVIDER_CONFIG_SCHEMA, "patch", None)["mutability"],
        "readOnly"
    );
    assert_eq!(
        served(RESOURCE_TYPE_SCHEMA, "schemaExtensions", None)["multiValued"],
        true
    );
    let attrs = served(SCHEMA_SCHEMA, "attributes", None);
    assert!(attrs["subAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["name"] == "subAttributes"));
}

#[test]
fn schema_document_and_round_trip() {
    let d = doc(USER_SCHEMA);
    assert_eq!(d["schemas"], json!([SCHEMA_SCHEMA]));
    assert_eq!(d["id"], USER_SCHEMA);
    assert_eq!(d["name"], "User");
    assert_eq!(d["meta"]["resourceType"], "Schema");
    assert_eq!(
        d["meta"]["location"],
        format!("{BASE}/Schemas/{USER_SCHEMA}")
    );
    // A served document loads back to the same schema.
    let reg = Registry::with_builtins();
    for urn in [USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA] {
        let back = Schema::from_json(&doc(urn)).unwrap();
        assert_eq!(&back, reg.schema(urn).unwrap(), "{urn}");
    }
}

#[test]
fn resource_type_document_for_user() {
    let reg = Registry::with_builtins();
    let d = resource_type_document(
        reg.resource_type("User").unwrap(),
        "https://example.com/v2/",
    );
    assert_eq!(
        d,
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "User Account",
            "schema": USER_SCHEMA,
            "schemaExtensions": [{"schema": ENTERPRISE_USER_SCHEMA, "required": false}],
            "meta": {"resourceType": "ResourceType", "location": "https://example.com/v2/ResourceTypes/User"}
        })
    );
}

#[test]
fn service_provider_config_document() {
    let spc = ServiceProviderConfig {
        documentation_uri: Some("https://example.com/help/scim.html".into()),
        patch_supported: true,
        bulk_supported: true,
        bulk_max_operations: 1000,
        bulk_max_payload_size: 1_048_576,
        filter_supported: true,
        filter_max_results: 200,
        etag_supported: true,
        pagination_cursor: true,
        default_page_size: 100,
        max_page_size: 200,
        cursor_timeout: Some(3600),
        ..ServiceProviderConfig::default()
    };
    let d = spc.to_json(BASE);
    assert_eq!(d["schemas"], json!([SERVICE_PROVIDER_CONFIG_SCHEMA]));
    assert_eq!(d["documentationUri"], "https://example.com/help/scim.html");
    assert_eq!(d["patch"], json!({"supported": true}));
    assert_eq!(
        d["bulk"],
        json!({"supported": true, "maxOperations": 1000, "maxPayloadSize": 1_048_576})
    );
    assert_eq!(d["filter"], json!({"supported": true, "maxResults": 200}));
    assert_eq!(d["changePassword"], json!({"supported": false}));
    assert_eq!(d["sort"], json!({"supported": false}));
    assert_eq!(d["etag"], json!({"supported": true}));
    assert_eq!(
        d["pagination"],
        json!({"cursor": true, "index": true, "defaultPageSize": 100, "maxPageSize": 200, "cursorTimeout": 3600})
    );
    assert_eq!(d["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert_eq!(
        d["meta"]["location"],
        format!("{BASE}/ServiceProviderConfig")
    );
}

#[test]
fn load_rfc_7643_section_7_document() {
    let doc = json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": "urn:example:params:scim:schemas:extension:acme:2.0:User",
        "name": "AcmeUser",
        "attributes": [
            {"name": "badge", "type": "string", "multiValued": false, "required": true,
             "caseExact": true, "mutability": "immutable", "returned": "default", "uniqueness": "server"},
            {"name": "sites", "type": "complex", "multiValued": true, "subAttributes": [
                {"name": "value", "type": "reference", "referenceTypes": ["external"]},
                {"name": "since", "type": "dateTime"}
            ]}
        ]
    });
    let s = Schema::from_json(&doc).unwrap();
    let badge = s.attribute("BADGE").unwrap();
    assert!(badge.required && badge.case_exact);
    assert_eq!(badge.mutability, Mutability::Immutable);
    assert_eq!(badge.uniqueness, Uniqueness::Server);
    let sites = s.attribute("sites").unwrap();
    assert!(sites.multi_valued);
    assert_eq!(sites.sub_attribute("since").unwrap().ty, AttrType::DateTime);
    // Defaults for omitted characteristics.
    assert_eq!(sites.mutability, Mutability::ReadWrite);
    assert_eq!(sites.returned, Returned::Default);
    // Registered as an extension of User and usable.
    let mut reg = Registry::with_builtins();
    reg.add_schema(s).unwrap();
    reg.add_extension(
        "User",
        "urn:example:params:scim:schemas:extension:acme:2.0:User",
        false,
    )
    .unwrap();
    let view = reg.view("User").unwrap();
    assert!(view
        .resolve(
            Some("urn:example:params:scim:schemas:extension:acme:2.0:User"),
            "badge"
        )
        .is_some());
}

#[test]
fn malformed_documents_are_invalid_syntax() {
    for bad in [
        json!("x"),
        json!({"name": "no id"}),
        json!({"id": "urn:x", "attributes": [{"name": "a", "type": "colour"}]}),
        json!({"id": "urn:x", "attributes": [{"name": "a", "type": "string", "mutability": "sometimes"}]}),
    ] {
        let e = Schema::from_json(&bad).unwrap_err();
        assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax), "{bad}");
    }
}

#[test]
fn schema_rules() {
    let s = |a: Attribute| Attribute::new("sub", AttrType::String).with_sub_attribute(a);
    let cases: Vec<(&str, Vec<Attribute>)> = vec![
        (
            "duplicate names",
            vec![
                Attribute::new("badge", AttrType::String),
                Attribute::new("Badge", AttrType::Integer),
            ],
        ),
        (
            "complex without sub-attributes",
            vec![Attribute::new("c", AttrType::Complex)],
        ),
        (
            "nested complex",
            vec![Attribute::new("c", AttrType::Complex).with_sub_attribute(
                Attribute::new("d", AttrType::Complex)
                    .with_sub_attribute(Attribute::new("e", AttrType::String)),
            )],
        ),
        (
            "duplicate sub-attribute names",
            vec![Attribute::new("c", AttrType::Complex)
                .with_sub_attribute(Attribute::new("v", AttrType::String))
                .with_sub_attribute(Attribute::new("V", AttrType::String))],
        ),
        (
            "sub-attributes on a string",
            vec![s(Attribute::new("x", AttrType::String))],
        ),
        ("bad name", vec![Attribute::new("1st", AttrType::String)]),
        (
            "bad name with space",
            vec![Attribute::new("a b", AttrType::String)],
        ),
        (
            "$ref at top level",
            vec![Attribute::new("$ref", AttrType::Reference)],
        ),
        ("reserved id", vec![Attribute::new("id", AttrType::String)]),
        (
            "reserved schemas",
            vec![Attribute::new("schemas", AttrType::String)],
        ),
        (
            "enforced without canonical values",
            vec![Attribute::new("k", AttrType::String).with_canonical_values_enforced(true)],
        ),
    ];
    for (what, attrs) in cases {
        let mut b = SchemaBuilder::new("urn:example:x:1.0:Thing");
        for a in attrs {
            b = b.attribute(a);
        }
        let e = b.build().expect_err(what);
        assert_eq!(e.scim_type(), Some(ScimType::InvalidValue), "{what}");
        assert_eq!(e.status(), 400);
    }
    // Sub-attributes may be called $ref.
    assert!(SchemaBuilder::new("urn:example:x:1.0:Thing")
        .attribute(
            Attribute::new("owner", AttrType::Complex)
                .with_sub_attribute(Attribute::new("$ref", AttrType::Reference))
        )
        .build()
        .is_ok());
    // The registry checks schemas it is given.
    let mut reg = Registry::new();
    let bad = Schema {
        id: "urn:example:x:1.0:Thing".into(),
        name: None,
        description: None,
        attributes: vec![Attribute::new("c", AttrType::Complex)],
    };
    assert!(reg.add_schema(bad).is_err());
    assert!(reg.schemas().is_empty());
}

#[test]
fn custom_resource_type_via_builders() {
    let mut reg = Registry::new();
    reg.add_schema(
        SchemaBuilder::new("urn:example:core:1.0:Device")
            .with_name("Device")
            .attribute(
                Attribute::new("serial", AttrType::String)
                    .with_required(true)
                    .with_case_exact(true),
            )
            .build()
            .unwrap(),
    )
    .unwrap();
    // Unregistered extension: refused.
    assert!(reg
        .add_resource_type(
            ResourceType::new("Device", "/Devices", "urn:example:core:1.0:Device")
                .with_extension("urn:example:missing", false)
        )
        .is_err());
    reg.add_resource_type(
        ResourceType::new("Device", "/Devices", "urn:example:core:1.0:Device")
            .with_description("A device"),
    )
    .unwrap();
    let view = reg.view("device").unwrap();
    assert!(view.resolve(None, "SERIAL").unwrap().attribute.case_exact);
    assert!(view.resolve(None, "id").is_some());
    assert_eq!(reg.resource_type_at("Devices").unwrap().name, "Device");
}
