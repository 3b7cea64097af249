//! The dialect-independent walk: resolves paths and checks literals exactly
//! as the evaluator does (same [`CompileError`]s), then asks the dialect
//! for each expression.
//!
//! SQL's three-valued logic is kept away from the result: a leaf may be
//! NULL where the value is absent, which a `WHERE`, `AND` and `OR` treat as
//! false, so every negation is written `NOT COALESCE(x, FALSE)`.

use std::borrow::Cow;

use serde_json::Number;

use super::{AttrRef, Dialect, OrdOp, SqlError, SqlWriter, TextOp};
use crate::ast::{AttrPath, CompValue, CompareOp, Filter};
use crate::eval::{parse_date_time, CompileError};
use crate::schema::{AttrFacts, AttrType, SchemaFacts};

/// The value-filter scope: the complex attribute whose elements the inner
/// filter runs on.
pub(crate) struct Scope<'a> {
    ext: Option<&'a str>,
    facts: &'a AttrFacts,
    path: &'a AttrPath,
}

/// A resolved path. Borrows where it can and spells the path for error
/// messages only when one is raised, so compiling allocates little.
struct Resolved<'a> {
    ext: Option<Cow<'a, str>>,
    /// The top-level attribute's facts.
    top: Cow<'a, AttrFacts>,
    /// The index of the sub-attribute in `top`, when the path has one.
    sub: Option<usize>,
    /// Whether values are read from elements (inside a value filter on a
    /// multi-valued attribute).
    in_element: bool,
    /// The path as written, and the value filter it sits in.
    path: &'a AttrPath,
    scope: Option<&'a AttrPath>,
    /// Whether `.value` was implied (`emails co "x"`).
    implied_value: bool,
}

impl Resolved<'_> {
    fn leaf(&self) -> &AttrFacts {
        match self.sub {
            Some(i) => &self.top.sub_attributes[i],
            None => &self.top,
        }
    }

    /// The path as the filter wrote it, as the evaluator's errors spell it.
    fn text(&self) -> String {
        let mut t = match self.scope {
            Some(outer) => format!("{}.{}", outer, self.path.name),
            None => self.path.to_string(),
        };
        if self.implied_value {
            t.push('.');
            t.push_str(&self.leaf().name);
        }
        t
    }
}

fn sub_index(facts: &AttrFacts, name: &str) -> Option<usize> {
    facts
        .sub_attributes
        .iter()
        .position(|a| a.name.eq_ignore_ascii_case(name))
}

fn resolve<'a, S: SchemaFacts>(
    schema: &'a S,
    path: &'a AttrPath,
    scope: Option<&Scope<'a>>,
) -> Result<Resolved<'a>, SqlError> {
    if let Some(scope) = scope {
        if path.urn.is_some() || path.sub_attr.is_some() {
            return Err(CompileError::InvalidValueFilterPath {
                attribute: scope.path.to_string(),
                path: path.to_string(),
            }
            .into());
        }
        let sub = sub_index(scope.facts, &path.name).ok_or_else(|| {
            CompileError::UnknownSubAttribute {
                attribute: scope.path.to_string(),
                sub_attribute: path.name.clone(),
            }
        })?;
        return Ok(Resolved {
            ext: scope.ext.map(Cow::Borrowed),
            top: Cow::Borrowed(scope.facts),
            sub: Some(sub),
            in_element: scope.facts.multi_valued,
            path,
            scope: Some(scope.path),
            implied_value: false,
        });
    }
    let Some(top) = schema.resolve(path.urn.as_deref(), &path.name) else {
        return Err(CompileError::UnknownAttribute {
            path: path.to_string(),
        }
        .into());
    };
    let sub = match &path.sub_attr {
        None => None,
        Some(sub_name) => match sub_index(&top.facts, sub_name) {
            Some(i) => Some(i),
            None => {
                return Err(CompileError::UnknownSubAttribute {
                    attribute: path.name.clone(),
                    sub_attribute: sub_name.clone(),
                }
                .into())
            }
        },
    };
    Ok(Resolved {
        ext: top.extension,
        top: top.facts,
        sub,
        in_element: false,
        path,
        scope: None,
        implied_value: false,
    })
}

/// Writes `filter` as a boolean expression.
pub(crate) fn filter<D: Dialect + ?Sized, S: SchemaFacts>(
    d: &D,
    s: &S,
    w: &mut SqlWriter,
    f: &Filter,
    scope: Option<&Scope<'_>>,
) -> Result<(), SqlError> {
    match f {
        Filter::And(a, b) => {
            operand(d, s, w, a, scope, false)?;
            w.push_sql(" AND ");
            operand(d, s, w, b, scope, false)
        }
        Filter::Or(a, b) => {
            operand(d, s, w, a, scope, true)?;
            w.push_sql(" OR ");
            operand(d, s, w, b, scope, true)
        }
        Filter::Not(inner) => {
            w.push_sql("NOT COALESCE(");
            filter(d, s, w, inner, scope)?;
            w.push_sql(", FALSE)");
            Ok(())
        }
        Filter::Present(path) => {
            let r = resolve(s, path, scope)?;
            present(d, w, &r)
        }
        Filter::Compare(path, op, value) => {
            let r = resolve(s, path, scope)?;
            compare(d, w, r, *op, value)
        }
        Filter::ValuePath(vp) => {
            if let Some(outer) = scope {
                return Err(CompileError::NestedValueFilter {
                    attribute: format!("{}.{}", outer.path, vp.attr),
                }
                .into());
            }
            let r = resolve(s, &vp.attr, None)?;
            if vp.attr.sub_attr.is_some() || r.top.ty != AttrType::Complex {
                return Err(CompileError::NotComplex {
                    attribute: r.text(),
                    ty: r.leaf().ty.as_str(),
                }
                .into());
            }
            let name = super::check_name(&r.top.name)?;
            let ext = r.ext.as_deref().map(super::check_name).transpose()?;
            let inner_scope = Scope {
                ext,
                facts: &r.top,
                path: &vp.attr,
            };
            let multi = r.top.multi_valued;
            let mut body = |w: &mut SqlWriter| -> Result<(), SqlError> {
                let obj = AttrRef {
                    extension: ext,
                    attribute: name,
                    sub_attribute: None,
                    element: multi,
                };
                if d.write_is_object(w, &obj)? {
                    w.push_sql(" AND ");
                }
                operand(d, s, w, &vp.filter, Some(&inner_scope), false)
            };
            if multi {
                let top = AttrRef {
                    extension: ext,
                    attribute: name,
                    sub_attribute: None,
                    element: false,
                };
                d.write_elements_exists(w, &top, &mut body)
            } else {
                w.push_sql("(");
                body(w)?;
                w.push_sql(")");
                Ok(())
            }
        }
    }
}

/// Writes an operand of `AND` (`in_or` false) or `OR`, parenthesised when
/// SQL precedence would otherwise regroup it.
fn operand<D: Dialect + ?Sized, S: SchemaFacts>(
    d: &D,
    s: &S,
    w: &mut SqlWriter,
    f: &Filter,
    scope: Option<&Scope<'_>>,
    in_or: bool,
) -> Result<(), SqlError> {
    let paren = matches!(f, Filter::Or(..)) && !in_or;
    if paren {
        w.push_sql("(");
    }
    filter(d, s, w, f, scope)?;
    if paren {
        w.push_sql(")");
    }
    Ok(())
}

/// Writes `cond` on the value `r` names: directly, or as "some element"
/// for a multi-valued attribute read from the resource (unless `whole` and
/// the path names the attribute itself, which `pr` tests as a whole).
fn on_values(
    d: &(impl Dialect + ?Sized),
    w: &mut SqlWriter,
    r: &Resolved,
    whole: bool,
    cond: &mut dyn FnMut(&mut SqlWriter, &AttrRef<'_>) -> Result<(), SqlError>,
) -> Result<(), SqlError> {
    let ext = r.ext.as_deref().map(super::check_name).transpose()?;
    let name = super::check_name(&r.top.name)?;
    let sub = r
        .sub
        .map(|i| super::check_name(&r.top.sub_attributes[i].name))
        .transpose()?;
    if r.top.multi_valued && !r.in_element && !(whole && sub.is_none()) {
        let top = AttrRef {
            extension: ext,
            attribute: name,
            sub_attribute: None,
            element: false,
        };
        let elem = AttrRef {
            extension: ext,
            attribute: name,
            sub_attribute: sub,
            element: true,
        };
        return d.write_elements_exists(w, &top, &mut |w| cond(w, &elem));
    }
    let at = AttrRef {
        extension: ext,
        attribute: name,
        sub_attribute: sub,
        element: r.in_element,
    };
    cond(w, &at)
}

fn present(d: &(impl Dialect + ?Sized), w: &mut SqlWriter, r: &Resolved) -> Result<(), SqlError> {
    let leaf = r.leaf();
    on_values(d, w, r, true, &mut |w, at| d.write_present(w, at, leaf))
}

/// The test a comparison makes on one value.
enum Test<'a> {
    Text {
        op: TextOp,
        lit: &'a str,
        case_exact: bool,
    },
    Num(OrdOp, &'a Number),
    Bool(bool),
    DateTime(OrdOp, time::OffsetDateTime),
}

fn compare(
    d: &(impl Dialect + ?Sized),
    w: &mut SqlWriter,
    mut r: Resolved<'_>,
    op: CompareOp,
    value: &CompValue,
) -> Result<(), SqlError> {
    if let CompValue::Null = value {
        return match op {
            CompareOp::Eq => {
                w.push_sql("NOT COALESCE(");
                present(d, w, &r)?;
                w.push_sql(", FALSE)");
                Ok(())
            }
            CompareOp::Ne => present(d, w, &r),
            _ => Err(CompileError::NullComparison {
                attribute: r.text(),
                op: op.as_str(),
            }
            .into()),
        };
    }

    if r.leaf().ty == AttrType::Complex {
        match (r.sub, sub_index(&r.top, "value")) {
            (None, Some(v)) => {
                r.sub = Some(v);
                r.implied_value = true;
            }
            _ => {
                return Err(CompileError::ComplexComparison {
                    attribute: r.text(),
                }
                .into())
            }
        }
    }
    let leaf = r.leaf();
    let unsupported = || CompileError::OperatorNotSupported {
        attribute: r.text(),
        op: op.as_str(),
        ty: leaf.ty.as_str(),
    };
    let mismatch = || CompileError::LiteralMismatch {
        attribute: r.text(),
        op: op.as_str(),
        ty: leaf.ty.as_str(),
        literal: value.kind(),
    };
    let ord = match op {
        CompareOp::Eq | CompareOp::Ne => Some(OrdOp::Eq),
        CompareOp::Gt => Some(OrdOp::Gt),
        CompareOp::Ge => Some(OrdOp::Ge),
        CompareOp::Lt => Some(OrdOp::Lt),
        CompareOp::Le => Some(OrdOp::Le),
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => None,
    };
    let test = match leaf.ty {
        AttrType::String | AttrType::Reference | AttrType::Binary => {
            let binary = leaf.ty == AttrType::Binary;
            if binary && !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                return Err(unsupported().into());
            }
            let CompValue::Str(lit) = value else {
                return Err(mismatch().into());
            };
            let op = match op {
                CompareOp::Eq | CompareOp::Ne => TextOp::Eq,
                CompareOp::Co => TextOp::Co,
                CompareOp::Sw => TextOp::Sw,
                CompareOp::Ew => TextOp::Ew,
                CompareOp::Gt => TextOp::Ord(OrdOp::Gt),
                CompareOp::Ge => TextOp::Ord(OrdOp::Ge),
                CompareOp::Lt => TextOp::Ord(OrdOp::Lt),
                CompareOp::Le => TextOp::Ord(OrdOp::Le),
            };
            Test::Text {
                op,
                lit,
                case_exact: leaf.case_exact || binary,
            }
        }
        AttrType::Boolean => {
            if !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                return Err(unsupported().into());
            }
            let CompValue::Bool(b) = value else {
                return Err(mismatch().into());
            };
            Test::Bool(*b)
        }
        AttrType::Integer | AttrType::Decimal => {
            let Some(ord) = ord else {
                return Err(unsupported().into());
            };
            let CompValue::Num(n) = value else {
                return Err(mismatch().into());
            };
            Test::Num(ord, n)
        }
        AttrType::DateTime => {
            let Some(ord) = ord else {
                return Err(unsupported().into());
            };
            let CompValue::Str(s) = value else {
                return Err(mismatch().into());
            };
            let Some(lit) = parse_date_time(s) else {
                return Err(CompileError::InvalidDateTime {
                    attribute: r.text(),
                    literal: s.clone(),
                }
                .into());
            };
            Test::DateTime(ord, lit)
        }
        AttrType::Complex => {
            return Err(CompileError::ComplexComparison {
                attribute: r.text(),
            }
            .into())
        }
    };

    let negate = op == CompareOp::Ne;
    if negate {
        w.push_sql("NOT COALESCE(");
    }
    on_values(d, w, &r, false, &mut |w, at| match &test {
        Test::Text {
            op,
            lit,
            case_exact,
        } => d.write_text_compare(w, at, *op, lit, *case_exact),
        Test::Num(o, n) => d.write_number_compare(w, at, *o, n),
        Test::Bool(b) => d.write_bool_eq(w, at, *b),
        Test::DateTime(o, t) => d.write_datetime_compare(w, at, *o, t),
    })?;
    if negate {
        w.push_sql(", FALSE)");
    }
    Ok(())
}
