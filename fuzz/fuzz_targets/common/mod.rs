//! Fixtures shared by the scim-core fuzz targets.
#![allow(dead_code)]

use scim_core::{Compat, Registry};
use serde_json::{json, Value};
use std::sync::OnceLock;

/// The built-in registry (User with the Enterprise User extension, Group).
pub fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(Registry::with_builtins)
}

/// A compatibility profile picked by a byte: the three named profiles and
/// the lenient mode that drops undefined attributes.
pub fn compat(byte: u8) -> Compat {
    match byte % 4 {
        0 => Compat::standard(),
        1 => Compat::entra(),
        2 => Compat::okta(),
        _ => Compat::standard().with_drop_undefined_attributes(true),
    }
}

/// The JSON document in `data`, if it is one. Deeply nested input is
/// serde_json's to refuse (its recursion limit), not ours.
pub fn json(data: &[u8]) -> Option<Value> {
    serde_json::from_slice(data).ok()
}

pub const BABS: &str = "2819c223-7f76-453a-919d-413861904646";
pub const JAMES: &str = "08e1d05d-121c-4561-8b96-473d93df9210";

/// The RFC 7643 §8.3 enterprise user (the §8.2 full user, certificate
/// shortened, with the enterprise extension), as stored: built from the
/// shared fixtures, without the writeOnly `password` a store never holds
/// in clear.
pub fn full_user() -> Value {
    const USER: &str = include_str!("../../../scim-core/tests/fixtures/rfc7643/full-user.json");
    const EXT: &str =
        include_str!("../../../scim-core/tests/fixtures/rfc7643/enterprise-extension.json");
    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let mut user: Value = serde_json::from_str(USER).unwrap_or_default();
    let ext: Value = serde_json::from_str(EXT).unwrap_or_default();
    if let Value::Object(obj) = &mut user {
        obj.remove("password");
        obj.insert(ENTERPRISE.into(), ext);
        if let Some(Value::Array(schemas)) = obj.get_mut("schemas") {
            schemas.push(Value::String(ENTERPRISE.into()));
        }
    }
    debug_assert_eq!(user["id"], BABS);
    user
}

/// A group with two members, as stored.
pub fn group() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Tour Guides",
        "members": [
            {"value": BABS, "$ref": format!("https://example.com/v2/Users/{BABS}"), "display": "Babs Jensen", "type": "User"},
            {"value": JAMES, "$ref": format!("https://example.com/v2/Users/{JAMES}"), "display": "James Smith", "type": "User"}
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
