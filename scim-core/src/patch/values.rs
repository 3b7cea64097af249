//! JSON helpers for the engine: case-insensitive member access that writes
//! the schema's spelling, pruning of unassigned values, and the `primary`
//! rule.

use serde_json::{Map, Value};

/// A member by name: the exact spelling first, then any case.
pub(super) fn get<'m>(map: &'m Map<String, Value>, name: &str) -> Option<&'m Value> {
    map.get(name)
        .or_else(|| map.get(other_spelling(map, name)?.as_str()))
}

/// The key spelled differently from `name` but equal ignoring ASCII case
/// (attribute names and URNs are ASCII). Only keys of the same length are
/// compared, so a miss costs one length check per key.
fn other_spelling<'m>(map: &'m Map<String, Value>, name: &str) -> Option<&'m String> {
    map.keys()
        .find(|k| k.len() == name.len() && k.as_str() != name && k.eq_ignore_ascii_case(name))
}

/// A member by name for writing; a member spelled differently is renamed
/// to `name` (the schema's spelling) first.
pub(super) fn get_mut<'m>(map: &'m mut Map<String, Value>, name: &str) -> Option<&'m mut Value> {
    if !map.contains_key(name) {
        let key = other_spelling(map, name)?.clone();
        let v = map.remove(&key)?;
        map.insert(name.to_owned(), v);
    }
    map.get_mut(name)
}

/// Sets a member, replacing any spelling of it.
pub(super) fn set(map: &mut Map<String, Value>, name: &str, value: Value) {
    match get_mut(map, name) {
        Some(slot) => *slot = value,
        None => {
            map.insert(name.to_owned(), value);
        }
    }
}

/// Removes a member in any spelling.
pub(super) fn take(map: &mut Map<String, Value>, name: &str) -> Option<Value> {
    if let Some(v) = map.remove(name) {
        return Some(v);
    }
    let key = other_spelling(map, name)?.clone();
    map.remove(&key)
}

/// The member slot, inserted with `make()` when absent.
pub(super) fn slot<'m>(
    map: &'m mut Map<String, Value>,
    name: &str,
    make: impl FnOnce() -> Value,
) -> &'m mut Value {
    if get_mut(map, name).is_none() {
        map.insert(name.to_owned(), make());
    }
    #[allow(clippy::expect_used)]
    map.get_mut(name)
        .expect("the member was found (and renamed to name) or inserted above")
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

/// Sets `primary: false` on every element but `keep` that has
/// `primary: true`.
pub(super) fn clear_primary_except(arr: &mut [Value], keep: usize) {
    for (i, e) in arr.iter_mut().enumerate() {
        if i != keep && is_primary(e) {
            if let Some(o) = e.as_object_mut() {
                set(o, "primary", Value::Bool(false));
            }
        }
    }
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
    fn get_mut_renames_to_schema_spelling() {
        let mut m = json!({"NickName": "x"}).as_object().unwrap().clone();
        assert!(get_mut(&mut m, "nickName").is_some());
        assert_eq!(Value::Object(m), json!({"nickName": "x"}));
    }

    #[test]
    fn clear_primary_keeps_one() {
        let mut a = vec![
            json!({"primary": true}),
            json!({"primary": true}),
            json!({}),
        ];
        clear_primary_except(&mut a, 1);
        assert_eq!(
            a,
            vec![
                json!({"primary": false}),
                json!({"primary": true}),
                json!({})
            ]
        );
    }
}
