//! `bulkId:` references (RFC 7644 §3.7.2): finding them in an operation's
//! data and path, and replacing them with the ids the POSTs created.
//!
//! A reference is a whole JSON string `bulkId:<id>`, at any depth (a Group's
//! `members[].value`, an enterprise `manager.value`, a PATCH operation's
//! `value`), or a whole path segment (`/Users/bulkId:qwerty`). A string
//! that merely contains the text (a PATCH filter such as
//! `members[value eq "bulkId:x"]`) is not a reference. The walks use an
//! explicit stack, so nesting depth cannot exhaust the call stack.

use crate::error::ScimError;
use serde_json::Value;
use std::collections::HashMap;

/// The literal that marks a reference: `bulkId:qwerty` refers to the
/// operation whose `bulkId` is `qwerty`.
pub const BULK_ID_PREFIX: &str = "bulkId:";

/// A `bulkId:` reference with no created id to substitute: the POST that
/// declares it failed, was skipped, or does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bulkId:{bulk_id} does not name a resource created by this bulk request")]
pub struct UnresolvedBulkId {
    /// The referenced bulkId, without the `bulkId:` prefix.
    pub bulk_id: String,
}

impl From<UnresolvedBulkId> for ScimError {
    /// 409: the reference cannot be resolved (the status RFC 7644 §3.7.1
    /// uses for references it cannot resolve).
    fn from(e: UnresolvedBulkId) -> Self {
        ScimError::conflict(format!(
            "bulkId:{} cannot be resolved: the operation that declares it did not create a resource",
            e.bulk_id
        ))
    }
}

/// The bulkId a string refers to, if the whole string is a reference.
pub(crate) fn reference(s: &str) -> Option<&str> {
    s.strip_prefix(BULK_ID_PREFIX)
}

/// Every bulkId referenced in `value`, in first-seen order, without
/// duplicates; appended to `out`.
pub(crate) fn collect_references(value: &Value, out: &mut Vec<String>) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => {
                if let Some(id) = reference(s) {
                    if !out.iter().any(|seen| seen == id) {
                        out.push(id.to_owned());
                    }
                }
            }
            // Reversed so the stack pops children in document order.
            Value::Array(items) => stack.extend(items.iter().rev()),
            Value::Object(map) => {
                let start = stack.len();
                stack.extend(map.values());
                stack[start..].reverse();
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// A copy of `value` with every `bulkId:x` string replaced by `ids[x]`.
///
/// Fails with the first reference `ids` has no entry for; convert the error
/// into a [`ScimError`] (409) with `?`.
pub fn resolve_references(
    value: &Value,
    ids: &HashMap<String, String>,
) -> Result<Value, UnresolvedBulkId> {
    let mut out = value.clone();
    resolve_references_in_place(&mut out, ids)?;
    Ok(out)
}

/// Replaces every `bulkId:x` string in `value` with `ids[x]`, in place.
///
/// On error `value` may be partly rewritten; callers that need the original
/// should use [`resolve_references`].
pub fn resolve_references_in_place(
    value: &mut Value,
    ids: &HashMap<String, String>,
) -> Result<(), UnresolvedBulkId> {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => {
                if let Some(id) = reference(s) {
                    match ids.get(id) {
                        Some(created) => *s = created.clone(),
                        None => {
                            return Err(UnresolvedBulkId {
                                bulk_id: id.to_owned(),
                            })
                        }
                    }
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(map) => stack.extend(map.values_mut()),
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
    Ok(())
}

/// `path` with each `bulkId:x` segment replaced by `ids[x]`:
/// `/Users/bulkId:qwerty` becomes `/Users/92b7...`.
pub fn resolve_path(path: &str, ids: &HashMap<String, String>) -> Result<String, UnresolvedBulkId> {
    let mut out = String::with_capacity(path.len());
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        match reference(segment) {
            Some(id) => match ids.get(id) {
                Some(created) => out.push_str(created),
                None => {
                    return Err(UnresolvedBulkId {
                        bulk_id: id.to_owned(),
                    })
                }
            },
            None => out.push_str(segment),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn ids(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn collects_in_document_order_without_duplicates() {
        // Object keys iterate in the map's order (sorted unless serde_json's
        // preserve_order is on), so the keys here sort in document order.
        let v = json!({
            "a_members": [{"value": "bulkId:b"}, {"value": "bulkId:a"}, {"value": "bulkId:b"}],
            "b_manager": {"value": "bulkId:c"},
            "c_note": "contains bulkId:z but is not one",
        });
        let mut out = Vec::new();
        collect_references(&v, &mut out);
        assert_eq!(out, ["b", "a", "c"]);
    }

    #[test]
    fn prefix_is_case_sensitive_and_must_start_the_string() {
        let mut out = Vec::new();
        collect_references(&json!(["BULKID:a", " bulkId:b", "bulkid:c"]), &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn resolves_every_occurrence_and_leaves_the_rest() {
        let v = json!({"a": ["bulkId:x", {"b": "bulkId:x"}], "c": "bulkId", "n": 1});
        let r = resolve_references(&v, &ids(&[("x", "42")])).unwrap();
        assert_eq!(r, json!({"a": ["42", {"b": "42"}], "c": "bulkId", "n": 1}));
    }

    #[test]
    fn unresolved_reference_names_the_bulk_id() {
        let err = resolve_references(&json!({"v": "bulkId:nope"}), &ids(&[])).unwrap_err();
        assert_eq!(err.bulk_id, "nope");
        let scim: ScimError = err.into();
        assert_eq!(scim.status(), 409);
        assert!(scim.detail().contains("bulkId:nope"));
    }

    #[test]
    fn paths_resolve_by_segment() {
        let ids = ids(&[("q", "92b7")]);
        assert_eq!(
            resolve_path("/Users/bulkId:q", &ids).unwrap(),
            "/Users/92b7"
        );
        assert_eq!(resolve_path("/Users/abc", &ids).unwrap(), "/Users/abc");
        assert_eq!(
            resolve_path("/Users/bulkId:r", &ids).unwrap_err().bulk_id,
            "r"
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let mut v = json!("bulkId:x");
        for _ in 0..100_000 {
            v = Value::Array(vec![v]);
        }
        let mut out = Vec::new();
        collect_references(&v, &mut out);
        assert_eq!(out, ["x"]);
        resolve_references_in_place(&mut v, &ids(&[("x", "1")])).unwrap();
        // Dropping a deeply nested Value recurses inside serde_json; unwind it
        // by hand so the test measures our walk, not serde_json's Drop.
        let mut cur = v;
        while let Value::Array(mut items) = cur {
            cur = items.pop().unwrap_or(Value::Null);
        }
        assert_eq!(cur, json!("1"));
    }
}
