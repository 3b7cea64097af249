//! The canonical text form of the syntax tree.
//!
//! Operators and keywords are lower case, strings are JSON-escaped,
//! numbers print as serde_json prints them, and parentheses appear only
//! where the tree needs them: `and` binds tighter than `or`, and both are
//! left-associative, so a right operand of the same operator (or an `or`
//! under an `and`) is the only thing that gets parenthesised. Parsing the
//! output gives back an equal tree.

use std::fmt::{self, Display, Formatter};

use crate::ast::{AttrPath, CompValue, CompareOp, Filter, PatchPath, SortOrder, ValuePath};

impl Display for AttrPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            f.write_str(urn)?;
            f.write_str(":")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub_attr {
            f.write_str(".")?;
            f.write_str(sub)?;
        }
        Ok(())
    }
}

impl Display for CompareOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Display for CompValue {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Str(s) => {
                let quoted = serde_json::to_string(s).map_err(|_| fmt::Error)?;
                f.write_str(&quoted)
            }
            CompValue::Num(n) => Display::fmt(n, f),
            CompValue::Bool(true) => f.write_str("true"),
            CompValue::Bool(false) => f.write_str("false"),
            CompValue::Null => f.write_str("null"),
        }
    }
}

impl Display for ValuePath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.attr, self.filter)
    }
}

/// Writes `filter`, in parentheses when `parens` is set.
fn operand(f: &mut Formatter<'_>, filter: &Filter, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({filter})")
    } else {
        Display::fmt(filter, f)
    }
}

impl Display for Filter {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Present(path) => write!(f, "{path} pr"),
            Filter::Compare(path, op, value) => write!(f, "{path} {op} {value}"),
            Filter::ValuePath(vp) => Display::fmt(vp, f),
            Filter::And(left, right) => {
                operand(f, left, matches!(**left, Filter::Or(..)))?;
                f.write_str(" and ")?;
                operand(
                    f,
                    right,
                    matches!(**right, Filter::And(..) | Filter::Or(..)),
                )
            }
            Filter::Or(left, right) => {
                operand(f, left, false)?;
                f.write_str(" or ")?;
                operand(f, right, matches!(**right, Filter::Or(..)))
            }
            Filter::Not(inner) => write!(f, "not ({inner})"),
        }
    }
}

impl Display for PatchPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.value_filter {
            None => Display::fmt(&self.attr, f),
            Some(filter) => {
                if let Some(urn) = &self.attr.urn {
                    write!(f, "{urn}:")?;
                }
                write!(f, "{}[{filter}]", self.attr.name)?;
                if let Some(sub) = &self.attr.sub_attr {
                    write!(f, ".{sub}")?;
                }
                Ok(())
            }
        }
    }
}

impl Display for SortOrder {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SortOrder::Ascending => "ascending",
            SortOrder::Descending => "descending",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::CompValue;

    fn eq(name: &str) -> Filter {
        Filter::compare(AttrPath::new(name), CompareOp::Eq, CompValue::Bool(true))
    }

    #[test]
    fn parentheses_only_where_the_tree_needs_them() {
        let (a, b, c) = (eq("a"), eq("b"), eq("c"));
        let cases = [
            (
                Filter::and(Filter::and(a.clone(), b.clone()), c.clone()),
                "a eq true and b eq true and c eq true",
            ),
            (
                Filter::and(a.clone(), Filter::and(b.clone(), c.clone())),
                "a eq true and (b eq true and c eq true)",
            ),
            (
                Filter::or(a.clone(), Filter::and(b.clone(), c.clone())),
                "a eq true or b eq true and c eq true",
            ),
            (
                Filter::and(Filter::or(a.clone(), b.clone()), c.clone()),
                "(a eq true or b eq true) and c eq true",
            ),
            (
                Filter::or(a.clone(), Filter::or(b.clone(), c.clone())),
                "a eq true or (b eq true or c eq true)",
            ),
            (
                Filter::or(Filter::and(a.clone(), b.clone()), c.clone()),
                "a eq true and b eq true or c eq true",
            ),
            (Filter::not(a.clone()), "not (a eq true)"),
        ];
        for (filter, text) in cases {
            assert_eq!(filter.to_string(), text);
        }
    }

    #[test]
    fn paths_print_urn_name_filter_and_sub_attribute() {
        let urn = "urn:ietf:params:scim:schemas:core:2.0:Group";
        let attr = AttrPath::new("members").with_urn(urn).with_sub_attr("$ref");
        assert_eq!(attr.to_string(), format!("{urn}:members.$ref"));
        let path = PatchPath {
            attr: attr.clone(),
            value_filter: Some(Box::new(eq("value"))),
        };
        assert_eq!(
            path.to_string(),
            format!("{urn}:members[value eq true].$ref")
        );
        let plain = PatchPath {
            attr,
            value_filter: None,
        };
        assert_eq!(plain.to_string(), format!("{urn}:members.$ref"));
        assert_eq!(SortOrder::Descending.to_string(), "descending");
        assert_eq!(SortOrder::default().to_string(), "ascending");
    }

    #[test]
    fn values_print_as_json() {
        let cases = [
            (CompValue::Num(serde_json::Number::from(-7)), "-7"),
            (
                CompValue::Num(serde_json::Number::from_f64(2.5).unwrap_or(0.into())),
                "2.5",
            ),
            (CompValue::Bool(false), "false"),
            (CompValue::Null, "null"),
        ];
        for (value, text) in cases {
            assert_eq!(value.to_string(), text);
        }
    }

    #[test]
    fn strings_are_json_escaped() {
        let v = CompValue::Str("a\"b\\c\n\u{1}é".into());
        assert_eq!(v.to_string(), r#""a\"b\\c\n\u0001é""#);
    }
}
