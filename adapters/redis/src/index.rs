//! Which index entries a resource has.
//!
//! Two kinds of index, both computed here from the resource and its
//! schema, and written by the same script as the resource:
//!
//! - **unique**: per attribute with uniqueness `server` or `global` (other
//!   than `id`, which is the resource key itself), one string key per
//!   value holding the owner's id. Which attributes and which normalised
//!   values are the protocol's rules, in [`scim_core::store`]
//!   ([`unique_values`]); the key is `u:<attribute key>:<value>`.
//! - **lookup**: sets of ids per folded value of `externalId` and of
//!   `members[].value` (folded with [`fold_case`]), which turn `externalId eq`, `members[value eq]`
//!   and the group reverse lookup into set reads. They are folded even
//!   where the attribute is case-exact, so one index serves both case
//!   rules; readers always re-check the resources they load.

use crate::keys::Keys;
use scim_core::store::{unique_values, UniqueAttr};
use scim_filter::fold_case;
use serde_json::Value;

/// The lookup index of `externalId`.
pub(crate) const EXTERNAL_ID: &str = "externalid";
/// The lookup index of `members[].value`.
pub(crate) const MEMBERS: &str = "members.value";

/// The index entries of one resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Entries {
    /// Unique index keys, each with the attribute name to report when
    /// another resource holds it.
    pub(crate) unique: Vec<(String, String)>,
    /// Lookup set keys.
    pub(crate) lookup: Vec<String>,
}

impl Entries {
    /// The entries of `resource` (of the type `keys` and `attrs` belong
    /// to), without repeats.
    pub(crate) fn of(keys: &Keys, attrs: &[UniqueAttr], resource: &Value) -> Entries {
        let unique = unique_values(attrs, resource)
            .into_iter()
            .map(|u| (keys.unique(&u.attr.key(), &u.value), u.attr.name.clone()))
            .collect();
        let mut lookup: Vec<String> = Vec::new();
        let mut add = |index: &str, v: &Value| {
            if let Some(s) = v.as_str().filter(|s| !s.is_empty()) {
                let key = keys.lookup(index, &fold_case(s));
                if !lookup.contains(&key) {
                    lookup.push(key);
                }
            }
        };
        if let Some(v) = member(resource, "externalId") {
            add(EXTERNAL_ID, v);
        }
        if let Some(Value::Array(members)) = member(resource, "members") {
            for m in members {
                if let Some(v) = member(m, "value") {
                    add(MEMBERS, v);
                }
            }
        }
        Entries { unique, lookup }
    }
}

/// A member of an object by name: exact spelling first, then
/// case-insensitively (attribute names are case-insensitive).
pub(crate) fn member<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    let obj = v.as_object()?;
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use scim_core::store::unique_attrs;
    use scim_core::Registry;
    use serde_json::json;

    fn entries(resource_type: &str, r: Value) -> Entries {
        let registry = Registry::with_builtins();
        let schema = registry.view(resource_type).unwrap();
        let keys = Keys::new("p", "t", resource_type);
        Entries::of(&keys, &unique_attrs(&schema), &r)
    }

    #[test]
    fn user_name_is_indexed_folded_and_id_is_not() {
        let e = entries("User", json!({"id": "1", "userName": "BJensen"}));
        assert_eq!(
            e.unique,
            vec![(
                "p:{t}:User:u:username:sbjensen".to_owned(),
                "userName".to_owned()
            )]
        );
        assert!(e.lookup.is_empty());
    }

    #[test]
    fn attribute_names_match_case_insensitively() {
        let e = entries("User", json!({"USERNAME": "x", "ExternalID": "E"}));
        assert_eq!(e.unique.len(), 1);
        assert_eq!(e.lookup, vec!["p:{t}:User:x:externalid:e".to_owned()]);
    }

    #[test]
    fn empty_and_absent_values_hold_nothing() {
        assert_eq!(entries("User", json!({"userName": ""})), Entries::default());
        assert_eq!(
            entries("User", json!({"externalId": ""})),
            Entries::default()
        );
        assert_eq!(entries("Group", json!({"members": []})), Entries::default());
    }

    #[test]
    fn members_are_indexed_once_per_value() {
        let e = entries(
            "Group",
            json!({"members": [{"value": "A"}, {"value": "a"}, {"value": "b"}, {"display": "x"}]}),
        );
        assert_eq!(
            e.lookup,
            vec![
                "p:{t}:Group:x:members.value:a".to_owned(),
                "p:{t}:Group:x:members.value:b".to_owned()
            ]
        );
    }
}
