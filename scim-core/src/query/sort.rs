//! Schema-aware sorting (RFC 7644 §3.4.2.3).
//!
//! A `sortBy` path is resolved once against the schema into a [`SortSpec`];
//! each resource then yields at most one value to sort by:
//!
//! - a multi-valued attribute sorts by its `primary` value, else its first;
//!   for a complex one, by the named sub-attribute, else `value`;
//! - values compare as filters compare them ([`scim_filter::sort_key_cmp`]):
//!   strings under the attribute's `caseExact` rule, dateTimes as instants,
//!   numbers numerically, `false` before `true`;
//! - a resource with no value (absent, `null`, empty string or array, as
//!   for `pr`) sorts last ascending and first descending.

use crate::error::{Result, ScimError};
use scim_filter::{sort_key_cmp, AttrFacts, AttrPath, AttrType, SchemaFacts, SortOrder};
use serde_json::Value;
use std::cmp::Ordering;

/// A resolved `sortBy` path.
#[derive(Debug, Clone)]
pub(crate) struct SortSpec {
    /// The extension URN key the attribute lives under, if any.
    extension: Option<String>,
    /// The top-level attribute name as the schema spells it.
    name: String,
    multi_valued: bool,
    /// The sub-attribute to read inside a complex value, if any.
    sub: Option<String>,
    /// The facts of the compared value.
    leaf: AttrFacts,
}

impl SortSpec {
    /// Resolves `path`; an unknown attribute, or a complex attribute with no
    /// sub-attribute named and no `value` to fall back on, is
    /// 400 invalidValue.
    pub fn resolve(path: &AttrPath, schema: &impl SchemaFacts) -> Result<SortSpec> {
        let unknown = || {
            ScimError::invalid_value(format!("sortBy names an unknown attribute {}", show(path)))
        };
        let resolved = schema
            .resolve(path.urn.as_deref(), &path.name)
            .ok_or_else(unknown)?;
        let top = resolved.facts;
        let leaf: AttrFacts = match (&path.sub_attr, top.ty) {
            (Some(sub), AttrType::Complex) => top.sub_attribute(sub).ok_or_else(unknown)?.clone(),
            (Some(_), _) => return Err(unknown()),
            (None, AttrType::Complex) => top
                .sub_attribute("value")
                .ok_or_else(|| {
                    ScimError::invalid_value(format!(
                        "sortBy {} is a complex attribute; name one of its sub-attributes",
                        show(path)
                    ))
                })?
                .clone(),
            (None, _) => top.clone().into_owned(),
        };
        if leaf.ty == AttrType::Complex {
            return Err(ScimError::invalid_value(format!(
                "sortBy {} is a complex attribute",
                show(path)
            )));
        }
        Ok(SortSpec {
            extension: resolved.extension.map(|e| e.into_owned()),
            sub: (top.ty == AttrType::Complex).then(|| leaf.name.clone()),
            multi_valued: top.multi_valued,
            name: top.name.clone(),
            leaf,
        })
    }

    /// The canonical text of the resolved path (for cursor fingerprints).
    pub fn canonical(&self) -> String {
        let mut s = String::new();
        if let Some(e) = &self.extension {
            s.push_str(&e.to_ascii_lowercase());
            s.push(':');
        }
        s.push_str(&self.name.to_ascii_lowercase());
        if let Some(sub) = &self.sub {
            s.push('.');
            s.push_str(&sub.to_ascii_lowercase());
        }
        s
    }

    /// The value `resource` sorts by, `None` when it has none.
    pub fn key<'v>(&self, resource: &'v Value) -> Option<&'v Value> {
        let holder = match &self.extension {
            Some(urn) => member(resource, urn)?,
            None => resource,
        };
        let mut v = member(holder, &self.name)?;
        if self.multi_valued || v.is_array() {
            let items = v.as_array()?;
            v = items
                .iter()
                .find(|e| member(e, "primary").and_then(Value::as_bool) == Some(true))
                .or_else(|| items.first())?;
        }
        if let Some(sub) = &self.sub {
            v = member(v, sub)?;
        }
        match v {
            Value::Null => None,
            Value::String(s) if s.is_empty() => None,
            Value::Array(a) if a.is_empty() => None,
            Value::Object(o) if o.is_empty() => None,
            v => Some(v),
        }
    }

    /// Compares two keys in `order`: ascending puts absent keys last, and
    /// descending is its exact reverse (absent first).
    pub fn compare(&self, a: Option<&Value>, b: Option<&Value>, order: SortOrder) -> Ordering {
        let asc = sort_key_cmp(&self.leaf, a, b);
        match order {
            SortOrder::Ascending => asc,
            SortOrder::Descending => asc.reverse(),
        }
    }
}

fn show(path: &AttrPath) -> String {
    let mut s = String::new();
    if let Some(u) = &path.urn {
        s.push_str(u);
        s.push(':');
    }
    s.push_str(&path.name);
    if let Some(sub) = &path.sub_attr {
        s.push('.');
        s.push_str(sub);
    }
    s
}

/// A member of a JSON object by name: the exact spelling first, then
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
    use super::*;
    use serde_json::json;

    fn spec(ty: AttrType, case_exact: bool, multi_valued: bool) -> SortSpec {
        let leaf = AttrFacts {
            name: "x".into(),
            ty,
            case_exact,
            multi_valued,
            sub_attributes: vec![],
        };
        SortSpec {
            extension: None,
            name: "x".into(),
            multi_valued,
            sub: None,
            leaf,
        }
    }

    fn cmp(s: &SortSpec, a: Value, b: Value, order: SortOrder) -> Ordering {
        let (a, b) = (json!({ "x": a }), json!({ "x": b }));
        s.compare(s.key(&a), s.key(&b), order)
    }

    #[test]
    fn datetimes_compare_chronologically_across_offsets() {
        let s = spec(AttrType::DateTime, false, false);
        let o = cmp(
            &s,
            json!("2024-01-01T10:00:00+02:00"),
            json!("2024-01-01T09:00:00Z"),
            SortOrder::Ascending,
        );
        assert_eq!(o, Ordering::Less);
    }

    #[test]
    fn case_rule() {
        let ci = spec(AttrType::String, false, false);
        assert_eq!(
            cmp(&ci, json!("b"), json!("A"), SortOrder::Ascending),
            Ordering::Greater
        );
        assert_eq!(
            cmp(&ci, json!("a"), json!("A"), SortOrder::Ascending),
            Ordering::Equal
        );
        let ce = spec(AttrType::String, true, false);
        assert_eq!(
            cmp(&ce, json!("b"), json!("A"), SortOrder::Ascending),
            Ordering::Greater
        );
        assert_eq!(
            cmp(&ce, json!("a"), json!("A"), SortOrder::Ascending),
            Ordering::Greater
        );
    }

    #[test]
    fn absent_last_ascending_first_descending() {
        let s = spec(AttrType::String, false, false);
        for none in [json!(null), json!(""), json!([])] {
            assert_eq!(
                cmp(&s, json!("x"), none.clone(), SortOrder::Ascending),
                Ordering::Less
            );
            assert_eq!(
                cmp(&s, json!("x"), none, SortOrder::Descending),
                Ordering::Greater
            );
        }
        let missing = json!({});
        assert_eq!(
            s.compare(
                s.key(&json!({"x": "a"})),
                s.key(&missing),
                SortOrder::Ascending
            ),
            Ordering::Less
        );
    }

    #[test]
    fn multi_valued_primary_else_first() {
        let s = spec(AttrType::String, false, true);
        let r = json!({"x": ["b", "a"]});
        assert_eq!(s.key(&r), Some(&json!("b")));
        let mut c = spec(AttrType::String, false, true);
        c.sub = Some("value".into());
        let r = json!({"x": [{"value": "b"}, {"value": "a", "primary": true}]});
        assert_eq!(c.key(&r), Some(&json!("a")));
        let r = json!({"x": [{"value": "b"}, {"value": "a"}]});
        assert_eq!(c.key(&r), Some(&json!("b")));
    }

    #[test]
    fn numbers_numerically() {
        let s = spec(AttrType::Integer, false, false);
        assert_eq!(
            cmp(&s, json!(9), json!(10), SortOrder::Ascending),
            Ordering::Less
        );
    }
}
