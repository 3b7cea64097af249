//! Unique attributes: which attributes of a resource type a store must
//! keep unique, and the normalised values a resource holds for each.
//!
//! These are protocol rules, so they live here and every adapter applies
//! them the same way (each with its own key or row encoding):
//!
//! - an attribute is unique when its `uniqueness` is `server` or `global`
//!   (RFC 7643 §2.4); `id` is left out, because every store keys resources
//!   by id and refuses a second one through that key;
//! - a string value is folded with [`scim_filter::fold_case`] unless the
//!   attribute is `caseExact`, so that two values collide exactly when an
//!   `eq` filter on the attribute would call them equal;
//! - an empty string holds nothing (it counts as absent), as do `null`,
//!   objects without a `value` and nested arrays;
//! - each element of a multi-valued attribute counts on its own, and a
//!   complex element counts by its `value` sub-attribute.
//!
//! Normalised values are tagged with their JSON type (`s` string,
//! `n` number, `b` boolean) so that `"1"` and `1` stay distinct. The
//! encoding is stable: stores persist it.

use crate::query::member;
use crate::schema::{ResourceSchema, Uniqueness};
use serde_json::Value;

/// A unique attribute of a resource type: where it lives and how its
/// values compare.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UniqueAttr {
    /// The URN of the schema extension it belongs to, as the schema
    /// spells it; `None` for a core (or common) attribute.
    pub extension: Option<String>,
    /// The attribute name as the schema spells it: the name to report in
    /// a uniqueness error.
    pub name: String,
    /// Whether values compare case-exactly.
    pub case_exact: bool,
}

impl UniqueAttr {
    /// A stable, case-insensitive name for this attribute, for use in
    /// storage keys: the lower-cased name, after the lower-cased extension
    /// URN and a `:` for an extension attribute (`username`,
    /// `urn:...:enterprise:2.0:user:employeenumber`). Renaming the case of
    /// an attribute in a schema keeps the key.
    pub fn key(&self) -> String {
        match &self.extension {
            Some(urn) => format!(
                "{}:{}",
                urn.to_ascii_lowercase(),
                self.name.to_ascii_lowercase()
            ),
            None => self.name.to_ascii_lowercase(),
        }
    }

    /// Whether this is the attribute `name` of the extension `extension`
    /// (`None`: a core attribute), names and URNs compared
    /// case-insensitively.
    pub fn is(&self, extension: Option<&str>, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
            && match (&self.extension, extension) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                (None, None) => true,
                _ => false,
            }
    }

    /// The normalised form of the string value `s` under this attribute's
    /// case rule, tagged as a string. The caller leaves out empty strings
    /// (they hold nothing).
    pub fn normalise_str(&self, s: &str) -> String {
        if self.case_exact {
            format!("s{s}")
        } else {
            format!("s{}", scim_filter::fold_case(s))
        }
    }

    /// The normalised values `resource` holds for this attribute, in
    /// document order, repeats included.
    pub fn values(&self, resource: &Value) -> Vec<String> {
        let holder = match &self.extension {
            Some(urn) => member(resource, urn),
            None => Some(resource),
        };
        let Some(v) = holder.and_then(|h| member(h, &self.name)) else {
            return Vec::new();
        };
        let scalars: Vec<&Value> = match v {
            Value::Array(items) => items
                .iter()
                .map(|e| {
                    if e.is_object() {
                        member(e, "value").unwrap_or(&Value::Null)
                    } else {
                        e
                    }
                })
                .collect(),
            other => vec![other],
        };
        scalars
            .into_iter()
            .filter_map(|v| match v {
                Value::String(s) if s.is_empty() => None,
                Value::String(s) => Some(self.normalise_str(s)),
                Value::Number(n) => Some(format!("n{n}")),
                Value::Bool(b) => Some(format!("b{b}")),
                _ => None,
            })
            .collect()
    }
}

/// The unique attributes of a resource type (core, common and extension
/// attributes whose uniqueness is `server` or `global`), `id` excepted.
pub fn unique_attrs(schema: &ResourceSchema<'_>) -> Vec<UniqueAttr> {
    let core = schema
        .common
        .iter()
        .chain(schema.core.attributes.iter())
        .map(|a| (None, a));
    let ext = schema
        .extensions
        .iter()
        .flat_map(|(s, _)| s.attributes.iter().map(move |a| (Some(s.id.as_str()), a)));
    core.chain(ext)
        .filter(|(_, a)| a.uniqueness != Uniqueness::None && !a.name.eq_ignore_ascii_case("id"))
        .map(|(e, a)| UniqueAttr {
            extension: e.map(str::to_owned),
            name: a.name.clone(),
            case_exact: a.case_exact,
        })
        .collect()
}

/// One normalised value a resource holds for a unique attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueValue<'a> {
    /// The attribute.
    pub attr: &'a UniqueAttr,
    /// The normalised value (see [`UniqueAttr::values`]).
    pub value: String,
}

/// Every normalised value `resource` holds for the attributes `attrs`,
/// each (attribute, value) pair once, in the order of `attrs` and then of
/// the document: what a store must claim for the resource.
pub fn unique_values<'a>(attrs: &'a [UniqueAttr], resource: &Value) -> Vec<UniqueValue<'a>> {
    let mut out: Vec<UniqueValue<'a>> = Vec::new();
    for attr in attrs {
        let start = out.len();
        for value in attr.values(resource) {
            if !out[start..].iter().any(|u| u.value == value) {
                out.push(UniqueValue { attr, value });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::Registry;
    use serde_json::json;

    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    fn attr(case_exact: bool) -> UniqueAttr {
        UniqueAttr {
            extension: None,
            name: "code".into(),
            case_exact,
        }
    }

    #[test]
    fn built_in_user_has_user_name_and_not_id() {
        let registry = Registry::with_builtins();
        let users = registry.view("User").unwrap();
        let attrs = unique_attrs(&users);
        assert_eq!(
            attrs,
            vec![UniqueAttr {
                extension: None,
                name: "userName".into(),
                case_exact: false,
            }]
        );
        assert_eq!(attrs[0].key(), "username");
        let groups = registry.view("Group").unwrap();
        assert!(unique_attrs(&groups).is_empty());
    }

    #[test]
    fn values_follow_the_case_rule() {
        // (caseExact, attribute value, normalised values)
        let cases: &[(bool, Value, &[&str])] = &[
            (false, json!("BJensen"), &["sbjensen"]),
            (true, json!("BJensen"), &["sBJensen"]),
            (false, json!(""), &[]),
            (false, json!(null), &[]),
            (false, json!({"value": "x"}), &[]),
            (false, json!(42), &["n42"]),
            (false, json!(true), &["btrue"]),
            (false, json!("1"), &["s1"]),
            (false, json!(["A", "b", ""]), &["sa", "sb"]),
            (
                false,
                json!([{"value": "X", "type": "work"}, {"type": "home"}, {"VALUE": "y"}]),
                &["sx", "sy"],
            ),
            (false, json!(["A", "a"]), &["sa", "sa"]),
            (false, json!([["nested"]]), &[]),
        ];
        for (case_exact, v, want) in cases {
            let got = attr(*case_exact).values(&json!({ "code": v }));
            assert_eq!(got, *want, "caseExact={case_exact} value={v}");
        }
    }

    #[test]
    fn names_and_urns_match_case_insensitively() {
        assert_eq!(attr(false).values(&json!({"CODE": "A"})), ["sa"]);
        let ext = UniqueAttr {
            extension: Some(ENTERPRISE.into()),
            name: "employeeNumber".into(),
            case_exact: true,
        };
        let r = json!({ ENTERPRISE.to_ascii_uppercase(): {"EmployeeNumber": "E1"} });
        assert_eq!(ext.values(&r), ["sE1"]);
        assert!(ext.values(&json!({"employeeNumber": "E1"})).is_empty());
        assert_eq!(
            ext.key(),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:employeenumber"
        );
        assert!(ext.is(Some(&ENTERPRISE.to_ascii_lowercase()), "EMPLOYEENUMBER"));
        assert!(!ext.is(None, "employeeNumber"));
        assert!(attr(false).is(None, "Code"));
        assert!(!attr(false).is(Some(ENTERPRISE), "code"));
    }

    #[test]
    fn the_fold_is_the_filter_fold() {
        // Per character, as `eq` filters compare: a final capital sigma
        // folds to σ (str::to_lowercase would give ς).
        assert_eq!(attr(false).normalise_str("ΟΔΟΣ"), "sοδοσ");
        assert_eq!(attr(false).normalise_str("\u{212A}elvin"), "skelvin");
        let registry = Registry::with_builtins();
        let users = registry.view("User").unwrap();
        let stored = json!({"userName": "ΟΔΟΣ"});
        for (literal, equal) in [("οδοσ", true), ("ΟΔΟΣ", true), ("οδος", false)] {
            let filter = scim_filter::parse_filter(&format!("userName eq {literal:?}")).unwrap();
            let compiled = scim_filter::CompiledFilter::compile(&filter, &users).unwrap();
            let held = attr(false).values(&json!({"code": "ΟΔΟΣ"}));
            let collide = held == [attr(false).normalise_str(literal)];
            assert_eq!(compiled.matches(&stored), equal, "{literal}");
            assert_eq!(collide, equal, "{literal}");
        }
    }

    #[test]
    fn unique_values_claim_each_value_once() {
        let attrs = [
            attr(false),
            UniqueAttr {
                extension: None,
                name: "other".into(),
                case_exact: true,
            },
        ];
        let r = json!({"code": ["A", "a", "B"], "other": ["a", "A", "a"]});
        let values = unique_values(&attrs, &r);
        let got: Vec<(&str, &str)> = values
            .iter()
            .map(|u| (u.attr.name.as_str(), u.value.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("code", "sa"),
                ("code", "sb"),
                ("other", "sa"),
                ("other", "sA")
            ]
        );
        assert!(unique_values(&attrs, &json!({"code": ""})).is_empty());
    }
}
