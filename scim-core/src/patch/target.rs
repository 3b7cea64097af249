//! Resolving a [`PatchPath`] against a resource type's schema: which
//! attribute, which sub-attribute, and which elements.

use scim_filter::{
    CompValue, CompareOp, CompiledFilter, Filter, PatchPath, ResolvedAttr, SchemaFacts,
};
use serde_json::{Map, Value};

use crate::error::{Result, ScimError};
use crate::schema::{AttrType, Attribute, ResourceSchema, Schema};

/// Parses a PATCH path; any failure is 400 invalidPath.
pub(super) fn parse_path(text: &str) -> Result<PatchPath> {
    scim_filter::parse_path(text)
        .map_err(|e| ScimError::invalid_path(format!("path {text:?} does not parse: {e}")))
}

/// What a path designates.
pub(super) enum Target<'s, 'p> {
    /// A whole extension object (`urn:...:enterprise:2.0:User`).
    Extension(&'s Schema),
    /// An attribute, possibly a sub-attribute, possibly filtered.
    Attr(AttrTarget<'s, 'p>),
}

/// An attribute target.
pub(super) struct AttrTarget<'s, 'p> {
    /// The extension holding the attribute; `None` for the top level.
    pub ext: Option<&'s Schema>,
    /// The top-level attribute.
    pub attr: &'s Attribute,
    /// The sub-attribute, if the path names one.
    pub sub: Option<&'s Attribute>,
    /// The value filter, if the path has one.
    pub filter: Option<ElementFilter<'p>>,
}

/// Resolves a parsed path. Unknown attributes and sub-attributes, a
/// sub-attribute of a simple attribute, and a value filter on anything but
/// a multi-valued complex attribute are 400 invalidPath.
pub(super) fn resolve<'s, 'p>(
    schema: &ResourceSchema<'s>,
    path: &'p PatchPath,
) -> Result<Target<'s, 'p>> {
    let ap = &path.attr;
    if let (Some(urn), None, None) = (&ap.urn, &ap.sub_attr, &path.value_filter) {
        if let Some(ext) = schema
            .extensions
            .iter()
            .map(|(s, _)| *s)
            .find(|s| is_urn_colon_name(&s.id, urn, &ap.name))
        {
            return Ok(Target::Extension(ext));
        }
    }
    let loc = schema
        .resolve(ap.urn.as_deref(), &ap.name)
        .ok_or_else(|| ScimError::invalid_path(format!("no attribute {}", ap)))?;
    let attr = loc.attribute;
    let sub = match &ap.sub_attr {
        None => None,
        Some(name) => {
            if attr.ty != AttrType::Complex {
                return Err(ScimError::invalid_path(format!(
                    "{} is not complex and has no sub-attribute {name}",
                    attr.name
                )));
            }
            Some(attr.sub_attribute(name).ok_or_else(|| {
                ScimError::invalid_path(format!("{} has no sub-attribute {name}", attr.name))
            })?)
        }
    };
    let filter = match &path.value_filter {
        None => None,
        Some(f) => {
            if !attr.multi_valued || attr.ty != AttrType::Complex {
                return Err(ScimError::invalid_path(format!(
                    "a value filter needs a multi-valued complex attribute; {} is not one",
                    attr.name
                )));
            }
            let compiled = CompiledFilter::compile(f, &ElementFacts(attr)).map_err(|e| {
                ScimError::invalid_path(format!("the filter on {}: {e}", attr.name))
            })?;
            Some(ElementFilter { compiled, ast: f })
        }
    };
    Ok(Target::Attr(AttrTarget {
        ext: loc.extension,
        attr,
        sub,
        filter,
    }))
}

/// Whether `id` is `urn:name`, case-insensitively, without allocating.
fn is_urn_colon_name(id: &str, urn: &str, name: &str) -> bool {
    id.len() == urn.len() + 1 + name.len()
        && id.is_char_boundary(urn.len())
        && id.is_char_boundary(urn.len() + 1)
        && id[..urn.len()].eq_ignore_ascii_case(urn)
        && id.as_bytes()[urn.len()] == b':'
        && id[urn.len() + 1..].eq_ignore_ascii_case(name)
}

/// The schema facts inside a value filter: names are sub-attributes of
/// the filtered attribute, and each element is the context object.
struct ElementFacts<'a>(&'a Attribute);

impl SchemaFacts for ElementFacts<'_> {
    fn resolve(&self, urn: Option<&str>, name: &str) -> Option<ResolvedAttr<'_>> {
        if urn.is_some() {
            return None;
        }
        let sub = self.0.sub_attribute(name)?;
        Some(ResolvedAttr {
            extension: None,
            facts: std::borrow::Cow::Owned(sub.facts()),
        })
    }
}

/// A value filter compiled once for one operation.
pub(super) struct ElementFilter<'p> {
    compiled: CompiledFilter,
    ast: &'p Filter,
}

impl ElementFilter<'_> {
    /// Whether an element of the attribute matches.
    pub fn matches(&self, element: &Value) -> bool {
        element.is_object() && self.compiled.matches(element)
    }

    /// The element the filter's `eq` terms describe (`type eq "work" and
    /// primary eq true` gives `{"type": "work", "primary": true}`), or
    /// `None` when the filter is not made only of `eq` terms joined by
    /// `and`, or the element built would not match it.
    pub fn new_element(&self, attr: &Attribute) -> Option<Map<String, Value>> {
        let mut out = Map::new();
        if !fill(self.ast, attr, &mut out) {
            return None;
        }
        let candidate = Value::Object(out);
        if !self.compiled.matches(&candidate) {
            return None;
        }
        match candidate {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }
}

fn fill(f: &Filter, attr: &Attribute, out: &mut Map<String, Value>) -> bool {
    match f {
        Filter::And(a, b) => fill(a, attr, out) && fill(b, attr, out),
        Filter::Compare(p, CompareOp::Eq, lit) if p.urn.is_none() && p.sub_attr.is_none() => {
            let Some(sub) = attr.sub_attribute(&p.name) else {
                return false;
            };
            let v = match lit {
                CompValue::Str(s) => Value::String(s.clone()),
                CompValue::Num(n) => Value::Number(n.clone()),
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Null => return false,
            };
            out.insert(sub.name.clone(), v);
            true
        }
        _ => false,
    }
}
