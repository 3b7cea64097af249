//! Data helpers: complete resources (id, schemas, meta with version) ready
//! to hand to a store, and the schema views the checks use.

use scim_core::query::{ListQuery, ListRequest, QueryLimits};
use scim_core::schema::{AttrType, Attribute, ResourceSchema, GROUP_SCHEMA, USER_SCHEMA};
use scim_core::Registry;
use serde_json::{json, Value};
use std::sync::OnceLock;

/// The registry the kit works with: the built-in User (with the
/// Enterprise extension) and Group types, plus any RFC 7643 attribute the
/// checks use that the built-ins do not (yet) define, with its RFC
/// characteristics.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(build_registry)
}

fn build_registry() -> Registry {
    let builtins = Registry::with_builtins();
    let mut registry = Registry::new();
    for schema in builtins.schemas() {
        let mut schema = schema.clone();
        let wanted = match schema.id.as_str() {
            USER_SCHEMA => user_attributes(),
            GROUP_SCHEMA => group_attributes(),
            _ => Vec::new(),
        };
        for attr in wanted {
            if schema.attribute(&attr.name).is_none() {
                schema.attributes.push(attr);
            }
        }
        // Registering clones of the built-ins into an empty registry
        // cannot collide.
        let _ = registry.add_schema(schema);
    }
    for rt in builtins.resource_types() {
        let _ = registry.add_resource_type(rt.clone());
    }
    registry
}

fn attr(name: &str, ty: AttrType) -> Attribute {
    Attribute::new(name, ty)
}

fn multi_complex(name: &str, subs: Vec<Attribute>) -> Attribute {
    let mut a = Attribute::new(name, AttrType::Complex);
    a.multi_valued = true;
    a.sub_attributes = subs;
    a
}

fn user_attributes() -> Vec<Attribute> {
    let mut name = attr("name", AttrType::Complex);
    name.sub_attributes = ["formatted", "familyName", "givenName", "middleName"]
        .iter()
        .map(|n| attr(n, AttrType::String))
        .collect();
    let emails = multi_complex(
        "emails",
        vec![
            attr("value", AttrType::String),
            attr("display", AttrType::String),
            attr("type", AttrType::String),
            attr("primary", AttrType::Boolean),
        ],
    );
    vec![
        name,
        attr("displayName", AttrType::String),
        attr("nickName", AttrType::String),
        attr("title", AttrType::String),
        attr("userType", AttrType::String),
        attr("active", AttrType::Boolean),
        emails,
    ]
}

fn group_attributes() -> Vec<Attribute> {
    let mut value = attr("value", AttrType::String);
    value.case_exact = true;
    let mut members = multi_complex(
        "members",
        vec![
            value,
            attr("display", AttrType::String),
            attr("type", AttrType::String),
        ],
    );
    members.sub_attributes.push({
        let mut r = attr("$ref", AttrType::Reference);
        r.case_exact = true;
        r
    });
    vec![members]
}

/// The User type's schema view.
///
/// # Panics
/// If the built-in registry has no User type (a scim-core bug).
pub fn users() -> ResourceSchema<'static> {
    #[allow(clippy::expect_used)]
    registry()
        .view("User")
        .expect("the built-in registry has a User type")
}

/// The Group type's schema view.
///
/// # Panics
/// If the built-in registry has no Group type (a scim-core bug).
pub fn groups() -> ResourceSchema<'static> {
    #[allow(clippy::expect_used)]
    registry()
        .view("Group")
        .expect("the built-in registry has a Group type")
}

/// A fresh, unique id.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A tenant name no other test uses: `prefix` and a random suffix, so runs
/// against a persistent backend never meet old data.
pub fn fresh_tenant(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

fn meta(resource_type: &str, id: &str) -> Value {
    json!({
        "resourceType": resource_type,
        "created": "2024-01-01T00:00:00Z",
        "lastModified": "2024-01-01T00:00:00Z",
        "location": format!("https://example.com/v2/{resource_type}s/{id}"),
        "version": "W/\"1\"",
    })
}

/// A complete User with a fresh id, the given `userName` and version
/// `W/"1"`.
pub fn user(user_name: &str) -> Value {
    let id = new_id();
    json!({
        "schemas": [USER_SCHEMA],
        "id": id,
        "userName": user_name,
        "meta": meta("User", &id),
    })
}

/// A complete User with more attributes merged in (top-level members of
/// `extra` replace the user's; `meta` members merge into `meta`).
pub fn user_with(user_name: &str, extra: Value) -> Value {
    let mut u = user(user_name);
    merge(&mut u, extra);
    u
}

fn merge(target: &mut Value, extra: Value) {
    let (Some(t), Value::Object(extra)) = (target.as_object_mut(), extra) else {
        return;
    };
    for (k, v) in extra {
        match (t.get_mut(&k), v) {
            (Some(existing @ Value::Object(_)), v @ Value::Object(_)) if k == "meta" => {
                merge(existing, v)
            }
            (_, v) => {
                t.insert(k, v);
            }
        }
    }
}

/// A complete Group with a fresh id and the given members (ids of users).
pub fn group(display_name: &str, member_ids: &[&str]) -> Value {
    let id = new_id();
    let members: Vec<Value> = member_ids.iter().map(|m| json!({"value": m})).collect();
    json!({
        "schemas": [GROUP_SCHEMA],
        "id": id,
        "displayName": display_name,
        "members": members,
        "meta": meta("Group", &id),
    })
}

/// The resource's `id` (empty when it has none).
pub fn id_of(resource: &Value) -> &str {
    resource["id"].as_str().unwrap_or("")
}

/// The resource's `meta.version` (empty when it has none).
pub fn version_of(resource: &Value) -> &str {
    resource["meta"]["version"].as_str().unwrap_or("")
}

/// The resource with its version moved on: `W/"n"` becomes `W/"n+1"`
/// (any other version becomes `W/"2"`).
pub fn next_version(mut resource: Value) -> Value {
    let n: u64 = version_of(&resource)
        .strip_prefix("W/\"")
        .and_then(|s| s.strip_suffix('"'))
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    resource["meta"]["version"] = json!(format!("W/\"{}\"", n + 1));
    resource
}

/// A [`ListQuery`] built the way the server builds one, from GET
/// parameters, against `schema` with the default limits.
///
/// # Panics
/// If the parameters are rejected: the kit only builds valid queries.
pub fn query(schema: &ResourceSchema<'_>, params: &[(&str, &str)]) -> ListQuery {
    let built = ListRequest::from_query_pairs(params.iter().copied())
        .and_then(|r| r.to_list_query(schema, &QueryLimits::default()));
    match built {
        Ok((q, _)) => q,
        Err(e) => panic!("the kit built an invalid query {params:?}: {e}"),
    }
}
