//! JSON helpers for the engine: case-insensitive member access, pruning of
//! unassigned values, matching of values and elements, and the `primary`
//! flag. They read, or change values not yet in the resource; changes to
//! the resource go through the undo log's handles (`undo.rs`).

use serde_json::{Map, Value};

/// A member by name: the exact spelling first, then any case.
pub(super) fn get<'m>(map: &'m Map<String, Value>, name: &str) -> Option<&'m Value> {
    map.get(name)
        .or_else(|| map.get(other_spelling(map, name)?.as_str()))
}

/// The key spelled differently from `name` but equal ignoring ASCII case
/// (attribute names and URNs are ASCII). Only keys of the same length are
/// compared, so a miss costs one length check per key.
pub(super) fn other_spelling<'m>(map: &'m Map<String, Value>, name: &str) -> Option<&'m String> {
    map.keys()
        .find(|k| k.len() == name.len() && k.as_str() != name && k.eq_ignore_ascii_case(name))
}

/// Sets a member, replacing any spelling of it.
pub(super) fn set(map: &mut Map<String, Value>, name: &str, value: Value) {
    if !map.contains_key(name) {
        if let Some(key) = other_spelling(map, name).cloned() {
            map.remove(&key);
        }
    }
    map.insert(name.to_owned(), value);
}

/// Whether a value counts as unassigned (RFC 7643 §2.5): null, an empty
/// array or an empty object.
pub(super) fn is_unassigned(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Removes nulls, empty arrays and empty objects, inside out. Returns
/// whether the value itself is now unassigned.
pub(super) fn prune(v: &mut Value) -> bool {
    match v {
        Value::Array(a) => {
            if a.iter().any(needs_prune) {
                a.retain_mut(|e| !prune(e));
            }
            a.is_empty()
        }
        Value::Object(o) => {
            if o.values().any(needs_prune) {
                o.retain(|_, e| !prune(e));
            }
            o.is_empty()
        }
        Value::Null => true,
        _ => false,
    }
}

/// Whether pruning would change `v` or remove it: checked first so that
/// clean values (the common case) are not rebuilt.
pub(super) fn needs_prune(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty() || a.iter().any(needs_prune),
        Value::Object(o) => o.is_empty() || o.values().any(needs_prune),
        _ => false,
    }
}

/// Whether `existing` already holds `new`: equal simple values, or an
/// element with every sub-attribute `new` gives, equal.
pub(super) fn holds(existing: &Value, new: &Value) -> bool {
    match (existing, new) {
        (Value::Object(e), Value::Object(n)) => n.iter().all(|(k, v)| get(e, k) == Some(v)),
        _ => existing == new,
    }
}

/// Whether `removal` (one item of a `remove` operation's value) designates
/// `element`: by `value` when the item gives one, else by every
/// sub-attribute it gives.
pub(super) fn designates(removal: &Value, element: &Value) -> bool {
    match (removal, element) {
        (Value::Object(r), Value::Object(_)) => match get(r, "value") {
            Some(v) => element_value(element) == Some(v),
            None => holds(element, removal),
        },
        (Value::String(_), Value::Object(_)) => element_value(element) == Some(removal),
        _ => removal == element,
    }
}

fn element_value(e: &Value) -> Option<&Value> {
    e.as_object().and_then(|o| get(o, "value"))
}

/// Whether an element has `primary: true`.
pub(super) fn is_primary(e: &Value) -> bool {
    e.as_object()
        .and_then(|o| get(o, "primary"))
        .is_some_and(|p| p == &Value::Bool(true))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn prune_removes_nulls_and_empties_inside_out() {
        let mut v =
            json!({"a": null, "b": [], "c": {"d": {}}, "e": [null, {"f": null}, 1], "g": 0});
        assert!(!prune(&mut v));
        assert_eq!(v, json!({"e": [1], "g": 0}));
        let mut v = json!({"a": [null]});
        assert!(prune(&mut v));
    }

    #[test]
    fn holds_is_subset_equality_for_objects() {
        let e = json!({"value": "a", "type": "work", "primary": true});
        assert!(holds(&e, &json!({"value": "a", "type": "work"})));
        assert!(!holds(&e, &json!({"value": "a", "type": "home"})));
        assert!(holds(&json!("x"), &json!("x")));
        assert!(!holds(&json!("x"), &json!("y")));
    }

    #[test]
    fn designates_by_value_when_given() {
        let e = json!({"value": "id1", "display": "Babs"});
        assert!(designates(&json!({"value": "id1"}), &e));
        assert!(designates(&json!({"value": "id1", "display": "other"}), &e));
        assert!(!designates(&json!({"value": "id2"}), &e));
        assert!(designates(&json!("id1"), &e));
        assert!(designates(&json!({"display": "Babs"}), &e));
    }

    #[test]
    fn set_replaces_every_spelling_with_the_schemas() {
        let mut m = json!({"NickName": "x"}).as_object().unwrap().clone();
        set(&mut m, "nickName", json!("y"));
        assert_eq!(Value::Object(m), json!({"nickName": "y"}));
    }
}
