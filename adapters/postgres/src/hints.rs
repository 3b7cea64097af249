//! Index conditions for multi-valued attributes.
//!
//! The SQL compiler writes a test on "some element of `members`" as
//! `EXISTS (SELECT 1 FROM jsonb_array_elements(...) ...)`, which no index
//! can serve. For each top-level conjunct of a filter that compares a
//! string of a multi-valued attribute with `eq`, `co`, `sw` or `ew`, this
//! module adds a condition the exact test implies and a GIN index can
//! answer, over one expression per attribute: the array of its values
//! (`jsonb_path_query_array(doc->'members', '$[*]."value"')`), lower-cased.
//!
//! - `eq`: `CAST(lower(CAST(values AS text)) AS jsonb) @> CAST(lower($n) AS
//!   jsonb)` with `$n` = `["literal"]`, served by a `jsonb_path_ops` GIN
//!   index on [`elements_key_expr`]. Lower-casing JSON text lower-cases
//!   its strings (escapes are written in lower case), so the test holds
//!   for either case rule (an exact match is also a case-insensitive one).
//! - `co`/`sw`/`ew`: `lower(CAST(values AS text)) LIKE lower($n)` with the
//!   pattern `%lit%`, `%"lit%` or `%lit"%`, served by a trigram index on
//!   [`elements_text_expr`]; only when the literal has no character JSON
//!   escapes (`"`, `\`, controls), which would not appear verbatim.
//!
//! Each hint is implied by the conjunct it comes from, so adding it
//! (with `AND`) never changes which rows match; the index expressions and
//! the hints are built by the same functions below, so they are always
//! textually equal, which Postgres needs to use an expression index.

use scim_filter::sql::{escape_like, SqlBuilder, SqlValue};
use scim_filter::{AttrFacts, AttrPath, AttrType, CompValue, CompareOp, Filter, SchemaFacts};

/// A name may be written into SQL text (the compiler's own rule).
fn safe(name: &str) -> Option<&str> {
    let ok = !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'.' | b':' | b'/' | b'-')
        });
    ok.then_some(name)
}

/// `jsonb_path_query_array(doc->'ext'->'attr', '$[*]."sub"')`.
fn values_array(ext: Option<&str>, attr: &str, sub: Option<&str>) -> Option<String> {
    let mut s = String::from("jsonb_path_query_array(doc");
    for k in [ext, Some(attr)].into_iter().flatten() {
        s.push_str("->'");
        s.push_str(safe(k)?);
        s.push('\'');
    }
    s.push_str(", '$[*]");
    if let Some(sub) = sub {
        s.push_str(".\"");
        s.push_str(safe(sub)?);
        s.push('"');
    }
    s.push_str("')");
    Some(s)
}

fn key_expr(arr: &str) -> String {
    format!("CAST(lower(CAST({arr} AS text)) AS jsonb)")
}

fn text_expr(arr: &str) -> String {
    format!("lower(CAST({arr} AS text))")
}

/// A multi-valued string (sub-)attribute, resolved: where its values are.
struct Target {
    ext: Option<String>,
    attr: String,
    sub: Option<String>,
}

impl Target {
    fn array(&self) -> Option<String> {
        values_array(self.ext.as_deref(), &self.attr, self.sub.as_deref())
    }
}

fn is_string(f: &AttrFacts) -> bool {
    matches!(f.ty, AttrType::String | AttrType::Reference)
}

/// Resolves `path` to a multi-valued string attribute or a string
/// sub-attribute of a multi-valued complex one (`emails` alone means
/// `emails.value`).
fn resolve(path: &AttrPath, schema: &impl SchemaFacts) -> Option<Target> {
    let top = schema.resolve(path.urn.as_deref(), &path.name)?;
    if !top.facts.multi_valued {
        return None;
    }
    let sub = match (&path.sub_attr, top.facts.ty) {
        (Some(sub), AttrType::Complex) => Some(top.facts.sub_attribute(sub)?),
        (None, AttrType::Complex) => Some(top.facts.sub_attribute("value")?),
        (Some(_), _) => return None,
        (None, _) => None,
    };
    if !is_string(sub.unwrap_or(&top.facts)) {
        return None;
    }
    Some(Target {
        ext: top.extension.as_deref().map(str::to_owned),
        sub: sub.map(|s| s.name.clone()),
        attr: top.facts.name.clone(),
    })
}

/// The expression of `eq` hints on `path`, for a `jsonb_path_ops` GIN
/// index; `None` unless `path` is a multi-valued string (sub-)attribute.
pub fn elements_key_expr(path: &AttrPath, schema: &impl SchemaFacts) -> Option<String> {
    Some(key_expr(&resolve(path, schema)?.array()?))
}

/// The expression of `co`/`sw`/`ew` hints on `path`, for a `gin_trgm_ops`
/// index; `None` unless `path` is a multi-valued string (sub-)attribute.
pub fn elements_text_expr(path: &AttrPath, schema: &impl SchemaFacts) -> Option<String> {
    Some(text_expr(&resolve(path, schema)?.array()?))
}

/// Appends ` AND hint` for each top-level conjunct of `filter` a hint
/// can be derived from.
pub(crate) fn push_hints<D>(b: &mut SqlBuilder<'_, D>, filter: &Filter, schema: &impl SchemaFacts)
where
    D: scim_filter::sql::Dialect + ?Sized,
{
    match filter {
        Filter::And(l, r) => {
            push_hints(b, l, schema);
            push_hints(b, r, schema);
        }
        Filter::Compare(path, op, CompValue::Str(lit)) => {
            if let Some(t) = resolve(path, schema) {
                push_hint(b, &t, *op, lit);
            }
        }
        Filter::ValuePath(vp) if vp.attr.sub_attr.is_none() => {
            let Some(top) = schema.resolve(vp.attr.urn.as_deref(), &vp.attr.name) else {
                return;
            };
            if !top.facts.multi_valued || top.facts.ty != AttrType::Complex {
                return;
            }
            let mut conjuncts = Vec::new();
            inner(&vp.filter, &top.facts, &mut conjuncts);
            for (sub, op, lit) in conjuncts {
                let t = Target {
                    ext: top.extension.as_deref().map(str::to_owned),
                    attr: top.facts.name.clone(),
                    sub: Some(sub.to_owned()),
                };
                push_hint(b, &t, op, lit);
            }
        }
        _ => {}
    }
}

/// The conjuncts of a value filter that compare a string sub-attribute:
/// name, operator and literal of each. Every element the filter selects
/// satisfies all of them, so each may become a hint (the planner picks
/// the index it likes best, or combines them).
fn inner<'f>(f: &'f Filter, facts: &'f AttrFacts, out: &mut Vec<(&'f str, CompareOp, &'f str)>) {
    match f {
        Filter::And(l, r) => {
            inner(l, facts, out);
            inner(r, facts, out);
        }
        Filter::Compare(path, op, CompValue::Str(lit))
            if path.urn.is_none() && path.sub_attr.is_none() =>
        {
            if let Some(sub) = facts.sub_attribute(&path.name).filter(|s| is_string(s)) {
                out.push((sub.name.as_str(), *op, lit.as_str()));
            }
        }
        _ => {}
    }
}

fn push_hint<D>(b: &mut SqlBuilder<'_, D>, t: &Target, op: CompareOp, lit: &str)
where
    D: scim_filter::sql::Dialect + ?Sized,
{
    let Some(arr) = t.array() else {
        return;
    };
    match op {
        CompareOp::Eq => {
            let probe = serde_json::Value::Array(vec![serde_json::Value::String(lit.to_owned())]);
            b.push_sql(" AND ");
            b.push_sql(&key_expr(&arr));
            b.push_sql(" @> CAST(lower(");
            b.push_param(SqlValue::Text(probe.to_string()));
            b.push_sql(") AS jsonb)");
        }
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => {
            if lit.chars().any(|c| c == '"' || c == '\\' || c < ' ') {
                return;
            }
            let (pre, post) = match op {
                CompareOp::Sw => ("%\"", "%"),
                CompareOp::Ew => ("%", "\"%"),
                _ => ("%", "%"),
            };
            let pattern = format!("{pre}{}{post}", escape_like(lit));
            b.push_sql(" AND ");
            b.push_sql(&text_expr(&arr));
            b.push_sql(" LIKE lower(");
            b.push_param(SqlValue::Text(pattern));
            b.push_sql(") ESCAPE '\\'");
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use scim_filter::parse_filter;
    use scim_filter::sql::PostgresJsonb;

    fn hints(filter: &str) -> (String, Vec<SqlValue>) {
        let registry = scim_core::Registry::with_builtins();
        let (schema, f) = if filter.contains("members") {
            (
                registry.view("Group").unwrap(),
                parse_filter(filter).unwrap(),
            )
        } else {
            (
                registry.view("User").unwrap(),
                parse_filter(filter).unwrap(),
            )
        };
        let d = PostgresJsonb::new("doc");
        let mut b = SqlBuilder::new(&d);
        push_hints(&mut b, &f, &schema);
        b.build()
    }

    #[test]
    fn hints_for_top_level_conjuncts_only() {
        let (sql, params) = hints(r#"members[value eq "A1"]"#);
        assert_eq!(
            sql,
            " AND CAST(lower(CAST(jsonb_path_query_array(doc->'members', '$[*].\"value\"') AS text)) AS jsonb) @> CAST(lower($1) AS jsonb)"
        );
        assert_eq!(params, vec![SqlValue::Text(r#"["A1"]"#.into())]);
        let (sql, params) = hints(r#"emails co "x%y" and userName sw "a""#);
        assert_eq!(
            sql,
            " AND lower(CAST(jsonb_path_query_array(doc->'emails', '$[*].\"value\"') AS text)) LIKE lower($1) ESCAPE '\\'"
        );
        assert_eq!(params, vec![SqlValue::Text(r#"%x\%y%"#.into())]);
        let (_, params) = hints(r#"emails.value sw "b""#);
        assert_eq!(params, vec![SqlValue::Text("%\"b%".into())]);
        // Not implied by the whole filter, or not verbatim in JSON text.
        for none in [
            r#"emails co "x" or userName eq "a""#,
            r#"not (emails co "x")"#,
            r#"emails co "a\"b""#,
            r#"emails.value gt "x""#,
            r#"userName eq "x""#,
        ] {
            assert_eq!(hints(none).0, "", "{none}");
        }
    }

    #[test]
    fn index_expressions_are_the_hint_expressions() {
        let registry = scim_core::Registry::with_builtins();
        let groups = registry.view("Group").unwrap();
        let path = scim_filter::parse_attr_path("members.value").unwrap();
        let key = elements_key_expr(&path, &groups).unwrap();
        assert!(hints(r#"members[value eq "x"]"#).0.contains(&key));
        let users = registry.view("User").unwrap();
        let path = scim_filter::parse_attr_path("emails.value").unwrap();
        let text = elements_text_expr(&path, &users).unwrap();
        assert!(hints(r#"emails.value co "x""#).0.contains(&text));
        assert!(
            elements_key_expr(&scim_filter::parse_attr_path("userName").unwrap(), &users).is_none()
        );
    }
}
