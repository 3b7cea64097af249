//! Type-aware ordering of stored values, shared by filters (`gt`, `lt`, ...)
//! and by sorting (`sortBy`, which scim-core implements).

use std::cmp::Ordering;

use serde_json::{Number, Value};

use super::{is_present, member, parse_date_time, text, CompileError, Compiler, Path};
use crate::ast::AttrPath;
use crate::schema::{AttrFacts, AttrType, SchemaFacts};

/// A `sortBy` attribute (RFC 7644 §3.4.2.3) resolved against a schema:
/// picks each resource's sort value and orders resources by it.
///
/// ```
/// # #[cfg(feature = "testing")] {
/// use scim_filter::{parse_attr_path, SortKey};
/// use scim_filter::testing::TestSchema;
/// use serde_json::json;
///
/// let key = SortKey::compile(&parse_attr_path("emails").unwrap(), &TestSchema::user()).unwrap();
/// let mut users = vec![
///     json!({"emails": [{"value": "z@x"}, {"value": "B@x", "primary": true}]}),
///     json!({"id": "no e-mail"}),
///     json!({"emails": [{"value": "a@x"}]}),
/// ];
/// users.sort_by(|a, b| key.cmp(a, b));
/// assert_eq!(users[0]["emails"][0]["value"], "a@x");
/// assert_eq!(users[1]["emails"][1]["value"], "B@x");
/// assert_eq!(users[2]["id"], "no e-mail");
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SortKey {
    path: Path,
    facts: AttrFacts,
}

impl SortKey {
    /// Resolves `path`. The rules are the filter's: the attribute must
    /// exist, and a complex attribute without a sub-attribute sorts by its
    /// `value` sub-attribute (an error when it has none).
    pub fn compile(path: &AttrPath, schema: &impl SchemaFacts) -> Result<Self, CompileError> {
        let resolved = Compiler { schema }.resolve(path, None)?;
        let (mut path, mut facts) = (resolved.path, resolved.leaf);
        if facts.ty == AttrType::Complex {
            let value = match (&path.sub, facts.sub_attribute("value")) {
                (None, Some(value)) => value.clone(),
                _ => {
                    return Err(CompileError::ComplexComparison {
                        attribute: resolved.text,
                    })
                }
            };
            path.sub = Some(value.name.as_str().into());
            facts = value;
        }
        Ok(SortKey { path, facts })
    }

    /// The facts of the attribute values are compared as.
    pub fn facts(&self) -> &AttrFacts {
        &self.facts
    }

    /// The value `resource` sorts by: for a multi-valued attribute the
    /// element marked `"primary": true`, else the first; `None` when that
    /// is absent, null or empty.
    pub fn value<'a>(&self, resource: &'a Value) -> Option<&'a Value> {
        let mut obj = resource.as_object()?;
        if let Some(ext) = &self.path.ext {
            obj = member(obj, ext.as_str())?.as_object()?;
        }
        let mut value = pick(member(obj, self.path.name.as_str())?)?;
        if let Some(sub) = &self.path.sub {
            value = pick(member(value.as_object()?, sub.as_str())?)?;
        }
        Some(value).filter(|v| is_present(v))
    }

    /// Orders two resources by their sort values, ascending, with
    /// [`sort_key_cmp`]'s rules (absent last). Reverse it for
    /// `descending`.
    pub fn cmp(&self, a: &Value, b: &Value) -> Ordering {
        sort_key_cmp(&self.facts, self.value(a), self.value(b))
    }
}

/// The primary element of an array, else its first; a lone value itself.
fn pick(value: &Value) -> Option<&Value> {
    match value {
        Value::Array(items) => items
            .iter()
            .find(|e| {
                e.as_object()
                    .and_then(|o| member(o, "primary"))
                    .and_then(Value::as_bool)
                    == Some(true)
            })
            .or_else(|| items.first()),
        other => Some(other),
    }
}

/// Compares two stored values of the attribute `facts` describes, the way
/// filters compare them: strings and references under the attribute's
/// `caseExact` rule by code point, numbers numerically, dateTimes as
/// instants, booleans with `false` first, binary by its base64 text. A
/// complex attribute compares its `value` sub-attribute, if it has one.
///
/// Returns `None` when either value is not a valid value of the type (a
/// number for a string attribute, an unparsable dateTime, null) or the
/// type cannot be ordered (complex without `value`).
pub fn compare_values(facts: &AttrFacts, a: &Value, b: &Value) -> Option<Ordering> {
    match facts.ty {
        AttrType::String | AttrType::Reference => {
            Some(text::cmp_str(a.as_str()?, b.as_str()?, facts.case_exact))
        }
        AttrType::Binary => Some(a.as_str()?.cmp(b.as_str()?)),
        AttrType::Boolean => Some(a.as_bool()?.cmp(&b.as_bool()?)),
        AttrType::Integer | AttrType::Decimal => match (a, b) {
            (Value::Number(x), Value::Number(y)) => Some(cmp_numbers(x, y)),
            _ => None,
        },
        AttrType::DateTime => {
            Some(parse_date_time(a.as_str()?)?.cmp(&parse_date_time(b.as_str()?)?))
        }
        AttrType::Complex => {
            let value = facts.sub_attribute("value")?;
            let a = member(a.as_object()?, &value.name)?;
            let b = member(b.as_object()?, &value.name)?;
            compare_values(value, a, b)
        }
    }
}

/// A total order of sort keys for `sortBy` (RFC 7644 §3.4.2.3), ascending.
///
/// `a` and `b` are the values the caller picked for two resources (for a
/// multi-valued attribute, the primary value or else the first); `None`
/// means the resource has no value. Valid values come first, ordered by
/// [`compare_values`]; then values that are not valid for the type (in no
/// particular order among themselves); then absent ones, so that an
/// ascending sort puts resources without the attribute last and reversing
/// it for `descending` puts them first, as the RFC asks. The order is
/// total, so it is safe for [`slice::sort_by`].
pub fn sort_key_cmp(facts: &AttrFacts, a: Option<&Value>, b: Option<&Value>) -> Ordering {
    // Null is absent, like `pr` says.
    let a = a.filter(|v| !v.is_null());
    let b = b.filter(|v| !v.is_null());
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) => match compare_values(facts, a, b) {
            Some(o) => o,
            None => {
                let valid = |v: &Value| compare_values(facts, v, v).is_some();
                // `true` (invalid) sorts after `false` (valid).
                (!valid(a)).cmp(&!valid(b))
            }
        },
    }
}

/// Compares two JSON numbers exactly: integers as integers, and an integer
/// against a float without the rounding a plain `as f64` would introduce
/// (which keeps the order total, as sorting needs).
pub(crate) fn cmp_numbers(a: &Number, b: &Number) -> Ordering {
    match (int(a), int(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(x), None) => cmp_int_float(x, float(b)),
        (None, Some(y)) => cmp_int_float(y, float(a)).reverse(),
        (None, None) => float(a).total_cmp(&float(b)),
    }
}

fn int(n: &Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

fn float(n: &Number) -> f64 {
    // Without serde_json's arbitrary_precision every number is an f64, an
    // i64 or a u64, so this is always Some.
    n.as_f64().unwrap_or(0.0)
}

fn cmp_int_float(i: i128, f: f64) -> Ordering {
    // Rounding to f64 is monotonic, so a strict result is exact; on a tie
    // `f` is integral and within range, so compare as integers.
    #[allow(clippy::cast_precision_loss)]
    let rounded = i as f64;
    match rounded.total_cmp(&f) {
        Ordering::Equal => {
            #[allow(clippy::cast_possible_truncation)]
            let f = f as i128;
            i.cmp(&f)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn facts(ty: AttrType, case_exact: bool) -> AttrFacts {
        AttrFacts {
            name: "x".into(),
            ty,
            case_exact,
            multi_valued: false,
            sub_attributes: vec![],
        }
    }

    fn num(v: Value) -> Number {
        match v {
            Value::Number(n) => n,
            _ => Number::from(0),
        }
    }

    #[test]
    fn numbers_compare_exactly_across_kinds() {
        let cases = [
            (json!(1), json!(2), Ordering::Less),
            (json!(2), json!(2.0), Ordering::Equal),
            (json!(2.5), json!(2), Ordering::Greater),
            (json!(-1), json!(u64::MAX), Ordering::Less),
            (
                json!(9_007_199_254_740_993_i64),
                json!(9_007_199_254_740_992.0),
                Ordering::Greater,
            ),
            (
                json!(9_007_199_254_740_992.0),
                json!(9_007_199_254_740_993_i64),
                Ordering::Less,
            ),
            (json!(-0.5), json!(0), Ordering::Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(
                cmp_numbers(&num(a.clone()), &num(b.clone())),
                want,
                "{a} vs {b}"
            );
        }
    }

    #[test]
    fn compare_values_by_type() {
        let s = facts(AttrType::String, false);
        assert_eq!(
            compare_values(&s, &json!("abc"), &json!("ABD")),
            Some(Ordering::Less)
        );
        let exact = facts(AttrType::String, true);
        assert_eq!(
            compare_values(&exact, &json!("abc"), &json!("ABD")),
            Some(Ordering::Greater)
        );
        let dt = facts(AttrType::DateTime, false);
        assert_eq!(
            compare_values(
                &dt,
                &json!("2020-01-01T10:00:00+02:00"),
                &json!("2020-01-01T09:00:00Z")
            ),
            Some(Ordering::Less)
        );
        assert_eq!(
            compare_values(&dt, &json!("yesterday"), &json!("2020-01-01T09:00:00Z")),
            None
        );
        let b = facts(AttrType::Boolean, false);
        assert_eq!(
            compare_values(&b, &json!(false), &json!(true)),
            Some(Ordering::Less)
        );
        assert_eq!(compare_values(&s, &json!(1), &json!("a")), None);
    }

    #[test]
    fn sort_key_puts_invalid_then_absent_last() {
        let s = facts(AttrType::String, false);
        let mut keys = [
            None,
            Some(json!("beta")),
            Some(json!(7)),
            Some(json!(null)),
            Some(json!("Alpha")),
        ];
        keys.sort_by(|a, b| sort_key_cmp(&s, a.as_ref(), b.as_ref()));
        assert_eq!(keys[0], Some(json!("Alpha")));
        assert_eq!(keys[1], Some(json!("beta")));
        assert_eq!(keys[2], Some(json!(7)));
        assert!(keys[3..]
            .iter()
            .all(|k| k.as_ref().is_none_or(Value::is_null)));
    }
}
