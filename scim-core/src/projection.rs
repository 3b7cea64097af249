//! [`Projection`]: which attributes of a resource a response carries
//! (RFC 7644 §3.4.2.5 `attributes` / `excludedAttributes`, and the
//! RFC 7643 §7 `returned` characteristic).
//!
//! A projection is compiled once per request from the schema and the two
//! parameter lists, then applied to each resource without resolving names
//! again.
//!
//! The rules, in order:
//!
//! - `schemas` is always returned, and so is every attribute (and
//!   sub-attribute) whose `returned` is `always` (`id`).
//! - `returned: never` (`password`) is never returned, even when named.
//! - Without parameters ([`Projection::default_for`]), attributes whose
//!   `returned` is `default` are returned; `request` ones are not.
//! - With `attributes`, only the named attributes come back (plus the
//!   `always` ones). Naming a complex attribute (`name`) returns its
//!   `default` sub-attributes; naming a sub-attribute (`name.givenName`,
//!   `emails.value`) returns only that one (plus `always` ones). A
//!   `request` attribute or sub-attribute comes back only when named
//!   itself. A bare schema URN
//!   (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`) names
//!   every attribute of that schema. `meta` is `returned: default`, so it
//!   is left out unless named.
//! - With `excludedAttributes`, the default set minus the named
//!   attributes or sub-attributes; `always` ones cannot be excluded.
//! - RFC 7644 expects one list or the other. When a request gives both,
//!   `attributes` selects and `excludedAttributes` then removes from that
//!   selection: the narrowest reading, and the one that never returns
//!   something the client excluded.
//! - A name the schema does not define, in either list, is
//!   400 invalidValue: consistent with filters and PATCH paths, where an
//!   unknown attribute is never silently ignored.
//! - Keys of a stored resource that no schema defines are kept by the
//!   default and `excludedAttributes` projections (nothing asked to remove
//!   them) and dropped under `attributes`.
//! - Complex values left with no sub-attribute, and multi-valued
//!   attributes left with no element, are omitted.

use crate::error::{Result, ScimError};
use crate::schema::{Attribute, ResourceSchema, Returned};
use scim_filter::AttrPath;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// What to keep of one attribute's value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Keep {
    /// The whole value.
    All,
    /// Only these sub-attributes (schema spelling) of each complex value.
    Subs(Box<[Box<str>]>),
}

/// The rules for one object: the resource's top level, or an extension's
/// object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct ObjectRules {
    /// Kept attributes, by schema spelling. Attributes of the schema that
    /// are absent here are dropped.
    kept: HashMap<Box<str>, Keep>,
    /// Every attribute name the schema defines for this object, so that
    /// unknown keys can be told from dropped ones.
    defined: Vec<Box<str>>,
}

impl ObjectRules {
    /// The rule for a key: `Ok(Some)` keep, `Ok(None)` drop, `Err(())`
    /// not defined by the schema.
    fn rule(&self, key: &str) -> std::result::Result<Option<&Keep>, ()> {
        if let Some(k) = self.kept.get(key) {
            return Ok(Some(k));
        }
        match self.defined.iter().find(|d| d.eq_ignore_ascii_case(key)) {
            // Stored resources use the schema's spelling; this is the rare
            // case of a store that does not.
            Some(d) if **d != *key => Ok(self.kept.get(d)),
            Some(_) => Ok(None),
            None => Err(()),
        }
    }
}

/// A compiled `attributes`/`excludedAttributes` selection for one
/// resource type. Build with [`Projection::new`] or
/// [`Projection::default_for`], apply with [`Projection::apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Projection {
    core: ObjectRules,
    /// Per extension: its URN (registry spelling) and its rules; `None`
    /// when nothing of it is returned.
    extensions: Vec<(Box<str>, Option<ObjectRules>)>,
    keep_unknown: bool,
}

/// Which names a parameter list selected, per scope (index 0 is the core
/// schema with the common attributes; `i + 1` is extension `i`).
#[derive(Default)]
struct Selection {
    /// Whole scopes named by a bare schema URN.
    scopes: Vec<bool>,
    /// Per scope, per attribute: named whole, and named sub-attributes.
    attrs: Vec<Vec<(bool, Vec<bool>)>>,
}

impl Selection {
    fn new(scopes: &[Vec<&Attribute>]) -> Self {
        Selection {
            scopes: vec![false; scopes.len()],
            attrs: scopes
                .iter()
                .map(|attrs| {
                    attrs
                        .iter()
                        .map(|a| (false, vec![false; a.sub_attributes.len()]))
                        .collect()
                })
                .collect(),
        }
    }

    fn whole(&self, scope: usize, attr: usize) -> bool {
        self.scopes[scope] || self.attrs[scope][attr].0
    }

    fn any_sub(&self, scope: usize, attr: usize) -> bool {
        self.attrs[scope][attr].1.iter().any(|b| *b)
    }

    fn sub(&self, scope: usize, attr: usize, sub: usize) -> bool {
        self.attrs[scope][attr].1[sub]
    }
}

/// The attributes of each scope, in schema order.
fn scopes<'a>(schema: &ResourceSchema<'a>) -> Vec<Vec<&'a Attribute>> {
    let mut out = Vec::with_capacity(1 + schema.extensions.len());
    out.push(
        schema
            .common
            .iter()
            .chain(schema.core.attributes.iter())
            .collect(),
    );
    for (ext, _) in &schema.extensions {
        out.push(ext.attributes.iter().collect());
    }
    out
}

fn select(
    schema: &ResourceSchema<'_>,
    scopes: &[Vec<&Attribute>],
    paths: &[AttrPath],
    param: &str,
) -> Result<Selection> {
    let mut sel = Selection::new(scopes);
    for path in paths {
        if path.urn.is_none()
            && path.sub_attr.is_none()
            && path.name.eq_ignore_ascii_case("schemas")
        {
            // Always returned; naming it is harmless.
            continue;
        }
        if let Some(urn) = path.as_schema_urn() {
            if schema.core.id.eq_ignore_ascii_case(&urn) {
                sel.scopes[0] = true;
                continue;
            }
            if let Some(i) = schema
                .extensions
                .iter()
                .position(|(s, _)| s.id.eq_ignore_ascii_case(&urn))
            {
                sel.scopes[i + 1] = true;
                continue;
            }
        }
        let unknown = || {
            ScimError::invalid_value(format!(
                "{param}: {} is not an attribute of {}",
                display_path(path),
                schema.resource_type.name
            ))
        };
        let loc = schema
            .resolve(path.urn.as_deref(), &path.name)
            .ok_or_else(unknown)?;
        let scope = match loc.extension {
            None => 0,
            Some(ext) => {
                1 + schema
                    .extensions
                    .iter()
                    .position(|(s, _)| std::ptr::eq(*s, ext))
                    .ok_or_else(unknown)?
            }
        };
        let attr = scopes[scope]
            .iter()
            .position(|a| std::ptr::eq(*a, loc.attribute))
            .ok_or_else(unknown)?;
        match &path.sub_attr {
            None => sel.attrs[scope][attr].0 = true,
            Some(sub) => {
                let i = loc
                    .attribute
                    .sub_attributes
                    .iter()
                    .position(|s| s.name.eq_ignore_ascii_case(sub))
                    .ok_or_else(unknown)?;
                sel.attrs[scope][attr].1[i] = true;
            }
        }
    }
    Ok(sel)
}

fn display_path(p: &AttrPath) -> String {
    let mut s = String::new();
    if let Some(urn) = &p.urn {
        s.push_str(urn);
        s.push(':');
    }
    s.push_str(&p.name);
    if let Some(sub) = &p.sub_attr {
        s.push('.');
        s.push_str(sub);
    }
    s
}

impl Projection {
    /// The projection for a request without `attributes` or
    /// `excludedAttributes`: `returned: never` and `returned: request`
    /// attributes are dropped.
    pub fn default_for(schema: &ResourceSchema<'_>) -> Projection {
        let scopes = scopes(schema);
        let empty = Selection::new(&scopes);
        Self::compile(schema, &scopes, None, &empty)
    }

    /// Compiles a projection from the parsed `attributes` and
    /// `excludedAttributes` lists (either may be empty). See the module
    /// documentation for the rules. Fails with 400 invalidValue when a
    /// list names an attribute the resource type does not define.
    pub fn new(
        schema: &ResourceSchema<'_>,
        attributes: &[AttrPath],
        excluded: &[AttrPath],
    ) -> Result<Projection> {
        let scopes = scopes(schema);
        let include = if attributes.is_empty() {
            None
        } else {
            Some(select(schema, &scopes, attributes, "attributes")?)
        };
        let exclude = select(schema, &scopes, excluded, "excludedAttributes")?;
        Ok(Self::compile(schema, &scopes, include.as_ref(), &exclude))
    }

    fn compile(
        schema: &ResourceSchema<'_>,
        scopes: &[Vec<&Attribute>],
        include: Option<&Selection>,
        exclude: &Selection,
    ) -> Projection {
        let mut rules: Vec<ObjectRules> = Vec::with_capacity(scopes.len());
        for (s, attrs) in scopes.iter().enumerate() {
            let mut r = ObjectRules::default();
            for (a, attr) in attrs.iter().enumerate() {
                r.defined.push(attr.name.as_str().into());
                if let Some(keep) = keep_for(attr, s, a, include, exclude) {
                    r.kept.insert(attr.name.as_str().into(), keep);
                }
            }
            rules.push(r);
        }
        let mut rules = rules.into_iter();
        let core = rules.next().unwrap_or_default();
        let extensions = schema
            .extensions
            .iter()
            .zip(rules)
            .map(|((ext, _), r)| {
                let r = if r.kept.is_empty() { None } else { Some(r) };
                (ext.id.as_str().into(), r)
            })
            .collect();
        Projection {
            core,
            extensions,
            keep_unknown: include.is_none(),
        }
    }

    /// Projects one resource. Returns a new value; the input is not
    /// changed. Non-object input is returned as it is.
    pub fn apply(&self, resource: &Value) -> Value {
        let Value::Object(obj) = resource else {
            return resource.clone();
        };
        let mut out = Map::new();
        for (key, value) in obj {
            if key == "schemas" {
                out.insert(key.clone(), value.clone());
                continue;
            }
            match self.core.rule(key) {
                Ok(Some(keep)) => {
                    if let Some(v) = project_value(keep, value) {
                        out.insert(key.clone(), v);
                    }
                    continue;
                }
                Ok(None) => continue,
                Err(()) => {}
            }
            if let Some((_, rules)) = self
                .extensions
                .iter()
                .find(|(urn, _)| urn.eq_ignore_ascii_case(key))
            {
                if let (Some(rules), Value::Object(ext)) = (rules, value) {
                    let projected = project_object(rules, ext, self.keep_unknown);
                    if !projected.is_empty() {
                        out.insert(key.clone(), Value::Object(projected));
                    }
                }
                continue;
            }
            if key.eq_ignore_ascii_case("schemas") || self.keep_unknown {
                out.insert(key.clone(), value.clone());
            }
        }
        Value::Object(out)
    }
}

fn project_object(
    rules: &ObjectRules,
    obj: &Map<String, Value>,
    keep_unknown: bool,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in obj {
        match rules.rule(key) {
            Ok(Some(keep)) => {
                if let Some(v) = project_value(keep, value) {
                    out.insert(key.clone(), v);
                }
            }
            Ok(None) => {}
            Err(()) => {
                if keep_unknown {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
    }
    out
}

fn project_value(keep: &Keep, value: &Value) -> Option<Value> {
    match keep {
        Keep::All => Some(value.clone()),
        Keep::Subs(subs) => match value {
            Value::Object(obj) => {
                let m = project_subs(subs, obj);
                (!m.is_empty()).then_some(Value::Object(m))
            }
            Value::Array(items) => {
                let kept: Vec<Value> = items
                    .iter()
                    .filter_map(|item| match item {
                        Value::Object(obj) => {
                            let m = project_subs(subs, obj);
                            (!m.is_empty()).then_some(Value::Object(m))
                        }
                        other => Some(other.clone()),
                    })
                    .collect();
                (!kept.is_empty()).then_some(Value::Array(kept))
            }
            other => Some(other.clone()),
        },
    }
}

fn project_subs(subs: &[Box<str>], obj: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in obj {
        if subs.iter().any(|s| **s == **k || s.eq_ignore_ascii_case(k)) {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

/// Decides what to keep of attribute `a` of scope `s`.
fn keep_for(
    attr: &Attribute,
    s: usize,
    a: usize,
    include: Option<&Selection>,
    exclude: &Selection,
) -> Option<Keep> {
    let visible = match attr.returned {
        Returned::Never => false,
        Returned::Always => true,
        returned => {
            let base = match include {
                // A bare schema URN names the schema's attributes, but a
                // `request` attribute must be named itself.
                Some(inc) => {
                    inc.attrs[s][a].0
                        || inc.any_sub(s, a)
                        || (inc.scopes[s] && returned == Returned::Default)
                }
                None => returned == Returned::Default,
            };
            base && !exclude.whole(s, a)
        }
    };
    if !visible {
        return None;
    }
    if attr.sub_attributes.is_empty() {
        return Some(Keep::All);
    }
    let mut subs: Vec<Box<str>> = Vec::with_capacity(attr.sub_attributes.len());
    for (i, sub) in attr.sub_attributes.iter().enumerate() {
        let keep = match sub.returned {
            Returned::Never => false,
            Returned::Always => true,
            returned => {
                let base = match include {
                    Some(inc) if inc.any_sub(s, a) && !inc.whole(s, a) => inc.sub(s, a, i),
                    Some(inc) if inc.whole(s, a) => {
                        returned == Returned::Default || inc.sub(s, a, i)
                    }
                    // Not named (an `always` attribute) or no `attributes`.
                    _ => returned == Returned::Default,
                };
                base && !exclude.sub(s, a, i)
            }
        };
        if keep {
            subs.push(sub.name.as_str().into());
        }
    }
    if subs.len() == attr.sub_attributes.len() {
        Some(Keep::All)
    } else if subs.is_empty() {
        None
    } else {
        Some(Keep::Subs(subs.into_boxed_slice()))
    }
}
