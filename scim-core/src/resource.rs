//! Resource validation and `meta`: what a create or replace body must look
//! like before it is stored (RFC 7643 §2, §3; RFC 7644 §3.3, §3.5.1).
//!
//! The entry points:
//!
//! - [`validate_value`] checks and normalises one attribute's value against
//!   its definition (used by PATCH for each operation's value);
//!   [`validate_value_at`] and [`validate_element`] do the same for a
//!   sub-attribute alone and for one element of a multi-valued attribute.
//! - [`prepare_create`] and [`prepare_replace`] turn a POST or PUT body into
//!   the normalised resource to store (without `id` and `meta` on create).
//! - [`new_meta`], [`touch_meta`], [`set_version`] and [`version_of`] build
//!   `meta` and its weak ETag.
//!
//! Normalisation means: attribute names take the schema's spelling
//! (`USERNAME` becomes `userName`), string booleans become booleans where
//! the [`Compat`] profile allows them, single values for multi-valued
//! attributes become one-element arrays, and unassigned values (`null`,
//! `[]`, `{}`) disappear. RFC 7643 §2.5 makes those three equivalent to
//! absence, so [`validate_value`] answers [`Value::Null`] for all of them
//! and callers remove the attribute.
//!
//! Every failure is a [`ScimError`]: a body that is not an object or a
//! malformed `schemas` is 400 `invalidSyntax`; wrong types, missing
//! required values, undefined attributes, unknown schema URNs and
//! canonical-value violations are 400 `invalidValue`; changing an immutable
//! attribute is 400 `mutability`.

use crate::compat::Compat;
use crate::error::{Result, ScimError};
use crate::schema::{AttrType, Attribute, Mutability, ResourceSchema, Schema};
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// How a validation pass treats what it finds, beyond the [`Compat`]
/// profile.
#[derive(Clone, Copy)]
struct Pass<'c> {
    compat: &'c Compat,
    /// Drop readOnly sub-attributes from the input (create and replace:
    /// RFC 7644 §3.3 says clients' values for them are ignored).
    drop_read_only: bool,
}

/// Checks and normalises one attribute's value against its definition.
///
/// `value` is the whole value of the attribute: an array for a
/// multi-valued attribute (a single value is wrapped when
/// [`Compat::single_value_as_array`] is on), anything else for a
/// single-valued one. Returns the normalised value, or [`Value::Null`] when
/// the value is unassigned (`null`, an empty array, an object with no
/// assigned sub-attribute): the caller removes the attribute then.
///
/// Checks: the JSON type matches the attribute type (`dateTime` must be
/// RFC 3339, `binary` base64, `integer` without a fraction); complex values
/// are objects whose sub-attribute names are matched case-insensitively
/// and renamed to the schema's spelling, undefined sub-attributes rejected
/// (or dropped under [`Compat::drop_undefined_attributes`]); at most one
/// element of a multi-valued attribute has `primary: true`;
/// `canonicalValues` are enforced only when
/// [`Attribute::canonical_values_enforced`] is set.
///
/// It does not check mutability or required sub-attributes: a PATCH value
/// may legitimately be partial, and what may be written depends on the
/// operation. [`prepare_create`] and [`prepare_replace`] add those checks.
pub fn validate_value(attr: &Attribute, value: Value, compat: &Compat) -> Result<Value> {
    let pass = Pass {
        compat,
        drop_read_only: false,
    };
    check_attribute(attr, None, value, pass)
}

/// Validates a value at a path inside an attribute: with `sub` `None` this
/// is [`validate_value`] on `attr`; with `Some(sub)` it validates a value
/// for the sub-attribute `sub` of the complex attribute `attr` alone (the
/// PATCH path `name.givenName` or `emails[type eq "work"].value`).
///
/// `sub` must be one of `attr`'s sub-attributes (compared by name,
/// case-insensitively); otherwise the answer is 400 invalidPath. Error
/// details name the attribute as `attr.sub`.
pub fn validate_value_at(
    attr: &Attribute,
    sub: Option<&Attribute>,
    value: Value,
    compat: &Compat,
) -> Result<Value> {
    let pass = Pass {
        compat,
        drop_read_only: false,
    };
    match sub {
        None => check_attribute(attr, None, value, pass),
        Some(sub) => {
            if attr.sub_attribute(&sub.name).is_none() {
                return Err(ScimError::invalid_path(format!(
                    "{} has no sub-attribute {}",
                    attr.name, sub.name
                )));
            }
            check_attribute(sub, Some(&attr.name), value, pass)
        }
    }
}

/// Validates one element of a multi-valued attribute (a PATCH value that
/// replaces `emails[type eq "work"]`): the element's type is checked as for
/// a single value of `attr`, ignoring `attr.multi_valued`. Returns
/// [`Value::Null`] for an unassigned element.
pub fn validate_element(attr: &Attribute, value: Value, compat: &Compat) -> Result<Value> {
    let pass = Pass {
        compat,
        drop_read_only: false,
    };
    check_single(attr, None, value, pass)
}

/// The name used in error details: `parent.name` or `name`.
fn label(attr: &Attribute, parent: Option<&str>) -> String {
    match parent {
        Some(p) => format!("{p}.{}", attr.name),
        None => attr.name.clone(),
    }
}

fn check_attribute(
    attr: &Attribute,
    parent: Option<&str>,
    value: Value,
    pass: Pass<'_>,
) -> Result<Value> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    if !attr.multi_valued {
        if value.is_array() {
            return Err(ScimError::invalid_value(format!(
                "{} is single-valued; got an array",
                label(attr, parent)
            )));
        }
        return check_single(attr, parent, value, pass);
    }
    let items = match value {
        Value::Array(items) => items,
        single if pass.compat.single_value_as_array => vec![single],
        _ => {
            return Err(ScimError::invalid_value(format!(
                "{} is multi-valued; expected an array",
                label(attr, parent)
            )))
        }
    };
    let mut items = items;
    let mut primaries = 0usize;
    // In place: validated values replace the input ones, unassigned ones
    // are removed afterwards.
    for item in items.iter_mut() {
        if item.is_array() {
            return Err(ScimError::invalid_value(format!(
                "{} holds a nested array",
                label(attr, parent)
            )));
        }
        let v = check_single(attr, parent, std::mem::take(item), pass)?;
        if v.get("primary").and_then(Value::as_bool) == Some(true) {
            primaries += 1;
            if primaries > 1 {
                return Err(ScimError::invalid_value(format!(
                    "{}: at most one value may have primary true",
                    label(attr, parent)
                )));
            }
        }
        *item = v;
    }
    items.retain(|v| !v.is_null());
    if items.is_empty() {
        return Ok(Value::Null);
    }
    Ok(Value::Array(items))
}

fn type_error(attr: &Attribute, parent: Option<&str>, want: &str, got: &Value) -> ScimError {
    let got = match got {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    ScimError::invalid_value(format!("{} must be {want}; got {got}", label(attr, parent)))
}

fn check_single(
    attr: &Attribute,
    parent: Option<&str>,
    value: Value,
    pass: Pass<'_>,
) -> Result<Value> {
    match attr.ty {
        AttrType::String => match value {
            Value::String(s) => check_canonical(attr, parent, s).map(Value::String),
            Value::Null => Ok(Value::Null),
            other => Err(type_error(attr, parent, "a string", &other)),
        },
        AttrType::Reference => match value {
            Value::String(s) => Ok(Value::String(s)),
            Value::Null => Ok(Value::Null),
            other => Err(type_error(attr, parent, "a reference (string)", &other)),
        },
        AttrType::Boolean => match value {
            Value::Bool(b) => Ok(Value::Bool(b)),
            Value::String(s) if pass.compat.string_booleans => {
                if s.eq_ignore_ascii_case("true") {
                    Ok(Value::Bool(true))
                } else if s.eq_ignore_ascii_case("false") {
                    Ok(Value::Bool(false))
                } else {
                    Err(ScimError::invalid_value(format!(
                        "{} must be a boolean; got the string {s:?}",
                        label(attr, parent)
                    )))
                }
            }
            Value::Null => Ok(Value::Null),
            other => Err(type_error(attr, parent, "a boolean", &other)),
        },
        AttrType::Integer => match value {
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(Value::Number(n)),
            Value::Null => Ok(Value::Null),
            other => Err(type_error(attr, parent, "an integer", &other)),
        },
        AttrType::Decimal => match value {
            Value::Number(n) => Ok(Value::Number(n)),
            Value::Null => Ok(Value::Null),
            other => Err(type_error(attr, parent, "a decimal number", &other)),
        },
        AttrType::DateTime => match value {
            Value::String(s) => {
                if OffsetDateTime::parse(&s, &Rfc3339).is_err() {
                    return Err(ScimError::invalid_value(format!(
                        "{} must be an RFC 3339 dateTime; got {s:?}",
                        label(attr, parent)
                    )));
                }
                Ok(Value::String(s))
            }
            Value::Null => Ok(Value::Null),
            other => Err(type_error(attr, parent, "a dateTime string", &other)),
        },
        AttrType::Binary => match value {
            Value::String(s) => {
                if !is_base64(&s) {
                    return Err(ScimError::invalid_value(format!(
                        "{} must be base64-encoded binary",
                        label(attr, parent)
                    )));
                }
                Ok(Value::String(s))
            }
            Value::Null => Ok(Value::Null),
            other => Err(type_error(attr, parent, "a base64 string", &other)),
        },
        AttrType::Complex => match value {
            Value::Object(obj) => check_complex(attr, parent, obj, pass),
            Value::String(s)
                if pass.compat.bare_value_for_complex && attr.sub_attribute("value").is_some() =>
            {
                let mut obj = Map::new();
                obj.insert("value".to_owned(), Value::String(s));
                check_complex(attr, parent, obj, pass)
            }
            Value::Null => Ok(Value::Null),
            other => Err(type_error(attr, parent, "an object", &other)),
        },
    }
}

/// Enforces `canonicalValues` when the attribute asks for it, answering
/// the canonical spelling (case-insensitive match unless `caseExact`).
fn check_canonical(attr: &Attribute, parent: Option<&str>, s: String) -> Result<String> {
    if !attr.canonical_values_enforced || attr.canonical_values.is_empty() {
        return Ok(s);
    }
    let found = attr.canonical_values.iter().find(|c| {
        if attr.case_exact {
            **c == s
        } else {
            c.eq_ignore_ascii_case(&s)
        }
    });
    match found {
        Some(c) if *c == s => Ok(s),
        Some(c) => Ok(c.clone()),
        None => Err(ScimError::invalid_value(format!(
            "{} must be one of {}; got {s:?}",
            label(attr, parent),
            attr.canonical_values.join(", ")
        ))),
    }
}

fn check_complex(
    attr: &Attribute,
    parent: Option<&str>,
    mut obj: Map<String, Value>,
    pass: Pass<'_>,
) -> Result<Value> {
    // The common case: every key is already spelled as the schema spells
    // it and nothing is dropped, so values are checked in place and the
    // map is kept.
    let in_place = obj.keys().all(|k| {
        attr.sub_attributes
            .iter()
            .any(|s| s.name == *k && !(pass.drop_read_only && s.mutability == Mutability::ReadOnly))
    });
    // Error details name the attribute and the sub-attribute; deeper
    // nesting (only the built-in Schema schema has it) names the last two.
    let here = Some(attr.name.as_str());
    if in_place {
        for (key, v) in obj.iter_mut() {
            if let Some(sub) = attr.sub_attributes.iter().find(|s| s.name == *key) {
                *v = check_attribute(sub, here, std::mem::take(v), pass)?;
            }
        }
        obj.retain(|_, v| !v.is_null());
        if obj.is_empty() {
            return Ok(Value::Null);
        }
        return Ok(Value::Object(obj));
    }
    let mut out = Map::new();
    for (key, v) in obj {
        let Some(sub) = attr.sub_attribute(&key) else {
            if pass.compat.drop_undefined_attributes {
                continue;
            }
            return Err(ScimError::invalid_value(format!(
                "{} has no sub-attribute {key:?}",
                label(attr, parent)
            )));
        };
        if pass.drop_read_only && sub.mutability == Mutability::ReadOnly {
            continue;
        }
        let v = check_attribute(sub, here, v, pass)?;
        if v.is_null() {
            continue;
        }
        if out.contains_key(&sub.name) {
            return Err(ScimError::invalid_value(format!(
                "{}.{} is given twice (names are case-insensitive)",
                label(attr, parent),
                sub.name
            )));
        }
        let key = if key == sub.name {
            key
        } else {
            sub.name.clone()
        };
        out.insert(key, v);
    }
    if out.is_empty() {
        return Ok(Value::Null);
    }
    Ok(Value::Object(out))
}

/// Whether `s` is base64 (RFC 4648 §4, standard alphabet; padding
/// optional, whitespace not allowed).
fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    let pad = s.len() - body.len();
    if pad > 2 {
        return false;
    }
    if !body
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    {
        return false;
    }
    if pad > 0 && s.len() % 4 != 0 {
        return false;
    }
    body.len() % 4 != 1
}

// ---------------------------------------------------------------------------
// Create and replace
// ---------------------------------------------------------------------------

/// Validates a POST body and returns the normalised resource to store,
/// without `id` and `meta` (the caller assigns them).
///
/// - The body must be an object (else 400 invalidSyntax).
/// - `schemas` must be an array of strings (else invalidSyntax), must list
///   the core schema, and may list only the core schema and this type's
///   extensions (else invalidValue). An extension whose object is present
///   but whose URN is missing from `schemas` is tolerated: the URN is
///   added. URNs take the registry's spelling and duplicates are removed.
/// - Attribute names are matched case-insensitively and take the schema's
///   spelling; URN-qualified top-level keys
///   (`"urn:...:enterprise:2.0:User:employeeNumber"`) are folded into the
///   extension's object (or the top level for the core schema's URN).
/// - readOnly attributes and sub-attributes (`id`, `meta`, `groups`,
///   `manager.displayName`) are dropped: RFC 7644 §3.3 says the provider
///   ignores them.
/// - Undefined attributes are 400 invalidValue, or dropped under
///   [`Compat::drop_undefined_attributes`].
/// - Required attributes (except readOnly ones) must be present, required
///   sub-attributes of present complex values too, and required
///   extensions must be present.
/// - Unassigned values (`null`, `[]`, `{}`) are removed.
pub fn prepare_create(schema: &ResourceSchema<'_>, body: Value, compat: &Compat) -> Result<Value> {
    let pass = Pass {
        compat,
        drop_read_only: true,
    };
    let resource = normalise_body(schema, body, pass)?;
    check_required(schema, &resource)?;
    Ok(resource)
}

/// Validates a PUT body against the resource it replaces and returns the
/// normalised resource to store.
///
/// Everything [`prepare_create`] checks, plus:
///
/// - readOnly attributes keep the values of `existing` (`id`, `meta`,
///   `groups`, and readOnly sub-attributes of single-valued complex
///   attributes such as the enterprise `manager.displayName`);
/// - writeOnly attributes (`password`) absent from the body keep their
///   stored value: a client can never read them back, so it cannot echo
///   them in a full replacement;
/// - an immutable attribute that is set in `existing` may not change
///   (400 mutability); absent from the body it keeps its value. Immutable
///   sub-attributes of multi-valued attributes (the Group `members`) are
///   not compared: their values may be added and removed, and elements
///   have no identity to compare by;
/// - `id` in the body, if present, must equal the existing `id`
///   (400 mutability otherwise); it is not taken from the body either way.
pub fn prepare_replace(
    schema: &ResourceSchema<'_>,
    existing: &Value,
    body: Value,
    compat: &Compat,
) -> Result<Value> {
    if let (Some(body_id), Some(existing_id)) = (
        body.as_object().and_then(|o| find_key(o, "id")),
        existing.get("id"),
    ) {
        if !body_id.is_null() && body_id != existing_id {
            return Err(ScimError::mutability(
                "id does not match the resource being replaced",
            ));
        }
    }
    let pass = Pass {
        compat,
        drop_read_only: true,
    };
    let mut resource = normalise_body(schema, body, pass)?;
    carry_over(schema, existing, &mut resource)?;
    check_required(schema, &resource)?;
    Ok(resource)
}

fn find_key<'v>(obj: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// Where a top-level key of a body belongs.
enum Target<'a> {
    /// A core or common attribute.
    Core(&'a Attribute),
    /// An extension's object (index into the type's extensions).
    Extension(usize),
    /// An attribute of an extension given as `urn:...:name`; `sub` is the
    /// `.sub` part of `urn:...:name.sub`.
    Qualified {
        ext: Option<usize>,
        attr: &'a Attribute,
        sub: Option<&'a Attribute>,
    },
    /// Not defined by any schema of the type.
    Unknown,
}

fn classify<'a>(schema: &ResourceSchema<'a>, key: &str) -> Target<'a> {
    if let Some(loc) = schema.resolve(None, key) {
        return Target::Core(loc.attribute);
    }
    if let Some(i) = extension_index(schema, key) {
        return Target::Extension(i);
    }
    if key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) {
        if let Some((urn, rest)) = key.rsplit_once(':') {
            let (name, sub) = match rest.split_once('.') {
                Some((n, s)) => (n, Some(s)),
                None => (rest, None),
            };
            if let Some(loc) = schema.resolve(Some(urn), name) {
                let sub = match sub {
                    Some(s) => match loc.attribute.sub_attribute(s) {
                        Some(sa) => Some(sa),
                        None => return Target::Unknown,
                    },
                    None => None,
                };
                return Target::Qualified {
                    ext: loc.extension.and_then(|e| extension_index(schema, &e.id)),
                    attr: loc.attribute,
                    sub,
                };
            }
        }
    }
    Target::Unknown
}

fn extension_index(schema: &ResourceSchema<'_>, urn: &str) -> Option<usize> {
    schema
        .extensions
        .iter()
        .position(|(s, _)| s.id.eq_ignore_ascii_case(urn))
}

/// Parses and normalises `schemas`.
fn normalise_schemas<'a>(
    schema: &ResourceSchema<'a>,
    value: Value,
    compat: &Compat,
) -> Result<Vec<&'a str>> {
    let Value::Array(items) = value else {
        return Err(ScimError::invalid_syntax(
            "schemas must be an array of schema URNs",
        ));
    };
    let mut urns: Vec<&'a str> = Vec::with_capacity(items.len());
    for item in &items {
        let Value::String(s) = item else {
            return Err(ScimError::invalid_syntax(
                "schemas must be an array of schema URNs",
            ));
        };
        let Some(urn) = schema.schema_urns().find(|u| u.eq_ignore_ascii_case(s)) else {
            if compat.ignore_unknown_schema_urns {
                continue;
            }
            return Err(ScimError::invalid_value(format!(
                "schema {s} is not a schema of resource type {}",
                schema.resource_type.name
            )));
        };
        if !urns.contains(&urn) {
            urns.push(urn);
        }
    }
    if !urns.contains(&schema.core.id.as_str()) {
        return Err(ScimError::invalid_value(format!(
            "schemas must list the core schema {}",
            schema.core.id
        )));
    }
    Ok(urns)
}

fn undefined(key: &str, pass: Pass<'_>) -> Result<()> {
    if pass.compat.drop_undefined_attributes {
        Ok(())
    } else {
        Err(ScimError::invalid_value(format!(
            "attribute {key:?} is not defined for this resource type"
        )))
    }
}

fn duplicate(name: &str) -> ScimError {
    ScimError::invalid_value(format!(
        "attribute {name} is given twice (names are case-insensitive)"
    ))
}

/// Validates `value` for `attr` and inserts it into `out` under the
/// schema's spelling, unless it is readOnly or unassigned.
fn put_attribute(
    out: &mut Map<String, Value>,
    attr: &Attribute,
    key: Option<String>,
    value: Value,
    pass: Pass<'_>,
) -> Result<()> {
    if attr.mutability == Mutability::ReadOnly {
        return Ok(());
    }
    let v = check_attribute(attr, None, value, pass)?;
    if v.is_null() {
        return Ok(());
    }
    if out.contains_key(&attr.name) {
        return Err(duplicate(&attr.name));
    }
    let key = match key {
        Some(k) if k == attr.name => k,
        _ => attr.name.clone(),
    };
    out.insert(key, v);
    Ok(())
}

/// Merges `attr.sub = value` (from a `urn:...:attr.sub` key) into `out`.
fn put_sub_attribute(
    out: &mut Map<String, Value>,
    attr: &Attribute,
    sub: &Attribute,
    value: Value,
    pass: Pass<'_>,
) -> Result<()> {
    if attr.multi_valued {
        return Err(ScimError::invalid_value(format!(
            "{}.{} cannot be set outside its multi-valued parent",
            attr.name, sub.name
        )));
    }
    if attr.mutability == Mutability::ReadOnly || sub.mutability == Mutability::ReadOnly {
        return Ok(());
    }
    let v = check_attribute(sub, Some(&attr.name), value, pass)?;
    if v.is_null() {
        return Ok(());
    }
    let slot = out
        .entry(attr.name.clone())
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(obj) = slot else {
        return Err(duplicate(&attr.name));
    };
    if obj.contains_key(&sub.name) {
        return Err(duplicate(&format!("{}.{}", attr.name, sub.name)));
    }
    obj.insert(sub.name.clone(), v);
    Ok(())
}

fn normalise_extension(
    ext: &Schema,
    value: Value,
    out: &mut Map<String, Value>,
    pass: Pass<'_>,
) -> Result<()> {
    let Value::Object(obj) = value else {
        if value.is_null() {
            return Ok(());
        }
        return Err(ScimError::invalid_value(format!(
            "extension {} must be an object",
            ext.id
        )));
    };
    for (key, v) in obj {
        match ext.attribute(&key) {
            Some(attr) => put_attribute(out, attr, Some(key), v, pass)?,
            None => undefined(&format!("{}:{key}", ext.id), pass)?,
        }
    }
    Ok(())
}

fn normalise_body(schema: &ResourceSchema<'_>, body: Value, pass: Pass<'_>) -> Result<Value> {
    let Value::Object(obj) = body else {
        return Err(ScimError::invalid_syntax(
            "the request body must be a JSON object",
        ));
    };
    let mut urns: Option<Vec<&str>> = None;
    let mut out = Map::new();
    // Extension objects, in the order of the resource type's extensions.
    let mut ext_out: Vec<Option<Map<String, Value>>> = vec![None; schema.extensions.len()];
    for (key, value) in obj {
        if key.eq_ignore_ascii_case("schemas") {
            if urns.is_some() {
                return Err(ScimError::invalid_syntax("schemas is given twice"));
            }
            urns = Some(normalise_schemas(schema, value, pass.compat)?);
            continue;
        }
        match classify(schema, &key) {
            Target::Core(attr) => put_attribute(&mut out, attr, Some(key), value, pass)?,
            Target::Extension(i) => {
                let (ext, _) = schema.extensions[i];
                let slot = ext_out[i].get_or_insert_with(Map::new);
                normalise_extension(ext, value, slot, pass)?;
            }
            Target::Qualified { ext, attr, sub } => {
                let slot = match ext {
                    Some(i) => ext_out[i].get_or_insert_with(Map::new),
                    None => &mut out,
                };
                match sub {
                    Some(sub) => put_sub_attribute(slot, attr, sub, value, pass)?,
                    None => put_attribute(slot, attr, None, value, pass)?,
                }
            }
            Target::Unknown => undefined(&key, pass)?,
        }
    }
    let Some(mut urns) = urns else {
        return Err(ScimError::invalid_value(
            "schemas is required and must list the core schema",
        ));
    };
    for ((ext, _), slot) in schema.extensions.iter().zip(ext_out) {
        match slot {
            Some(m) if !m.is_empty() => {
                if !urns.contains(&ext.id.as_str()) {
                    urns.push(&ext.id);
                }
                out.insert(ext.id.clone(), Value::Object(m));
            }
            // An extension listed in `schemas` without attributes stays
            // listed: the client says the resource carries it.
            _ => {}
        }
    }
    out.insert(
        "schemas".to_owned(),
        Value::Array(
            urns.into_iter()
                .map(|u| Value::String(u.to_owned()))
                .collect(),
        ),
    );
    Ok(Value::Object(out))
}

fn missing(name: &str) -> ScimError {
    ScimError::invalid_value(format!("required attribute {name} is missing"))
}

/// Required attributes of `attrs` present in `obj`, and required
/// sub-attributes of present complex values.
fn check_required_in(attrs: &[Attribute], obj: &Map<String, Value>, prefix: &str) -> Result<()> {
    for attr in attrs {
        let value = obj.get(&attr.name);
        if attr.required && attr.mutability != Mutability::ReadOnly && value.is_none() {
            return Err(missing(&format!("{prefix}{}", attr.name)));
        }
        let Some(value) = value else { continue };
        if attr.ty != AttrType::Complex {
            continue;
        }
        let is_required = |s: &&Attribute| s.required && s.mutability != Mutability::ReadOnly;
        if !attr.sub_attributes.iter().any(|s| is_required(&s)) {
            continue;
        }
        let elements: &[Value] = match value {
            Value::Array(items) => items,
            single => std::slice::from_ref(single),
        };
        for element in elements {
            for sub in attr.sub_attributes.iter().filter(is_required) {
                if element.get(&sub.name).is_none() {
                    return Err(missing(&format!("{prefix}{}.{}", attr.name, sub.name)));
                }
            }
        }
    }
    Ok(())
}

fn check_required(schema: &ResourceSchema<'_>, resource: &Value) -> Result<()> {
    let Value::Object(obj) = resource else {
        return Ok(());
    };
    check_required_in(schema.common, obj, "")?;
    check_required_in(&schema.core.attributes, obj, "")?;
    for (ext, required) in &schema.extensions {
        match obj.get(&ext.id) {
            Some(Value::Object(ext_obj)) => {
                check_required_in(&ext.attributes, ext_obj, &format!("{}:", ext.id))?;
            }
            _ if *required => {
                return Err(ScimError::invalid_value(format!(
                    "the required extension {} is missing",
                    ext.id
                )));
            }
            _ => {
                // An absent optional extension with required attributes is
                // fine; one listed in `schemas` without attributes too.
            }
        }
    }
    Ok(())
}

/// Compares two values of an attribute, honouring `caseExact` for strings.
fn same_value(attr: &Attribute, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) if !attr.case_exact => x.eq_ignore_ascii_case(y),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, xv)| {
                    y.get(k).is_some_and(|yv| match attr.sub_attribute(k) {
                        Some(sub) => same_value(sub, xv, yv),
                        None => xv == yv,
                    })
                })
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(xv, yv)| same_value(attr, xv, yv))
        }
        _ => a == b,
    }
}

/// PUT rules for one set of attributes (`attrs`) living in `old` and
/// `new` (the top level or one extension's object).
fn carry_over_in(
    attrs: &[Attribute],
    old: Option<&Map<String, Value>>,
    new: &mut Map<String, Value>,
    prefix: &str,
) -> Result<()> {
    for attr in attrs {
        let old_value = old.and_then(|o| o.get(&attr.name));
        match attr.mutability {
            Mutability::ReadOnly => {
                new.remove(&attr.name);
                if let Some(v) = old_value {
                    new.insert(attr.name.clone(), v.clone());
                }
            }
            Mutability::WriteOnly => {
                if let (None, Some(v)) = (new.get(&attr.name), old_value) {
                    new.insert(attr.name.clone(), v.clone());
                }
            }
            Mutability::Immutable => match (old_value, new.get(&attr.name)) {
                (Some(o), Some(n)) if !same_value(attr, o, n) => {
                    return Err(ScimError::mutability(format!(
                        "{prefix}{} is immutable and already set",
                        attr.name
                    )));
                }
                (Some(o), None) => {
                    new.insert(attr.name.clone(), o.clone());
                }
                _ => {}
            },
            Mutability::ReadWrite => {
                if attr.ty == AttrType::Complex && !attr.multi_valued {
                    carry_over_subs(attr, old_value, new, prefix)?;
                }
            }
        }
    }
    Ok(())
}

/// readOnly, writeOnly and immutable sub-attributes of a single-valued
/// complex attribute.
fn carry_over_subs(
    attr: &Attribute,
    old_value: Option<&Value>,
    new: &mut Map<String, Value>,
    prefix: &str,
) -> Result<()> {
    let old_obj = old_value.and_then(Value::as_object);
    let keeps = attr
        .sub_attributes
        .iter()
        .any(|s| s.mutability != Mutability::ReadWrite);
    if !keeps {
        return Ok(());
    }
    let Some(old_obj) = old_obj else {
        return Ok(());
    };
    let Some(Value::Object(new_obj)) = new.get_mut(&attr.name) else {
        // The whole complex value is being removed. Immutable
        // sub-attributes, once set, stay; readOnly ones describe the value
        // being removed (`manager.displayName`) and go with it.
        let mut kept = Map::new();
        for sub in &attr.sub_attributes {
            if sub.mutability == Mutability::Immutable {
                if let Some(v) = old_obj.get(&sub.name) {
                    kept.insert(sub.name.clone(), v.clone());
                }
            }
        }
        if !kept.is_empty() {
            new.insert(attr.name.clone(), Value::Object(kept));
        }
        return Ok(());
    };
    let label = format!("{prefix}{}", attr.name);
    carry_over_in(
        &attr.sub_attributes,
        Some(old_obj),
        new_obj,
        &format!("{label}."),
    )
}

fn carry_over(schema: &ResourceSchema<'_>, existing: &Value, resource: &mut Value) -> Result<()> {
    let old = existing.as_object();
    let Value::Object(new) = resource else {
        return Ok(());
    };
    carry_over_in(schema.common, old, new, "")?;
    carry_over_in(&schema.core.attributes, old, new, "")?;
    for (ext, _) in &schema.extensions {
        let old_ext = old.and_then(|o| o.get(&ext.id)).and_then(Value::as_object);
        let mut new_ext = match new.remove(&ext.id) {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        carry_over_in(
            &ext.attributes,
            old_ext,
            &mut new_ext,
            &format!("{}:", ext.id),
        )?;
        if !new_ext.is_empty() {
            new.insert(ext.id.clone(), Value::Object(new_ext));
            if let Some(Value::Array(urns)) = new.get_mut("schemas") {
                if !urns.iter().any(|u| u.as_str() == Some(ext.id.as_str())) {
                    urns.push(Value::String(ext.id.clone()));
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// meta
// ---------------------------------------------------------------------------

/// Formats a time as RFC 3339 (the form `meta` uses).
pub fn format_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// A new resource's `meta`: `resourceType`, `created` and `lastModified`
/// (both `now`) and `location`. `version` is not set: it depends on the
/// content; call [`set_version`] once the resource is complete.
pub fn new_meta(resource_type: &str, location: &str, now: OffsetDateTime) -> Value {
    let now = format_time(now);
    let mut meta = Map::new();
    meta.insert(
        "resourceType".to_owned(),
        Value::String(resource_type.to_owned()),
    );
    meta.insert("created".to_owned(), Value::String(now.clone()));
    meta.insert("lastModified".to_owned(), Value::String(now));
    meta.insert("location".to_owned(), Value::String(location.to_owned()));
    Value::Object(meta)
}

/// Marks a resource as modified at `now`: sets `meta.lastModified` and
/// recomputes `meta.version` (creating `meta` if it is missing).
pub fn touch_meta(resource: &mut Value, now: OffsetDateTime) {
    let Value::Object(obj) = resource else { return };
    let meta = obj
        .entry("meta".to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(meta) = meta {
        meta.insert("lastModified".to_owned(), Value::String(format_time(now)));
    }
    set_version(resource);
}

/// Sets `meta.version` to [`version_of`] the resource.
pub fn set_version(resource: &mut Value) {
    let version = version_of(resource);
    let Value::Object(obj) = resource else { return };
    let meta = obj
        .entry("meta".to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(meta) = meta {
        meta.insert("version".to_owned(), Value::String(version));
    }
}

/// The weak ETag of a resource's content: `W/"<16 hex digits>"`, a 64-bit
/// FNV-1a hash of the canonical JSON (object keys sorted) of everything but
/// `meta`.
///
/// A content hash rather than a counter: equal content has an equal
/// version whichever replica computed it, an idempotent PUT keeps the
/// ETag, and the hash is stable across Rust versions and platforms (the
/// standard library's hasher is not), so versions stored by one build stay
/// valid for the next.
pub fn version_of(resource: &Value) -> String {
    let mut h = Fnv::new();
    match resource {
        Value::Object(obj) => {
            let mut keys: Vec<&String> = obj.keys().filter(|k| *k != "meta").collect();
            keys.sort();
            h.byte(b'{');
            for k in keys {
                h.str(k);
                if let Some(v) = obj.get(k) {
                    hash_value(&mut h, v);
                }
            }
            h.byte(b'}');
        }
        other => hash_value(&mut h, other),
    }
    format!("W/\"{:016x}\"", h.0)
}

/// 64-bit FNV-1a.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn byte(&mut self, b: u8) {
        self.0 ^= u64::from(b);
        self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
    }

    fn bytes(&mut self, bs: &[u8]) {
        for &b in bs {
            self.byte(b);
        }
    }

    /// A length-prefixed string, so `["ab","c"]` and `["a","bc"]` differ.
    fn str(&mut self, s: &str) {
        self.bytes(&(s.len() as u64).to_le_bytes());
        self.bytes(s.as_bytes());
    }
}

fn hash_value(h: &mut Fnv, v: &Value) {
    match v {
        Value::Null => h.byte(b'n'),
        Value::Bool(true) => h.byte(b't'),
        Value::Bool(false) => h.byte(b'f'),
        Value::Number(n) => {
            h.byte(b'#');
            h.str(&n.to_string());
        }
        Value::String(s) => {
            h.byte(b's');
            h.str(s);
        }
        Value::Array(items) => {
            h.byte(b'[');
            h.bytes(&(items.len() as u64).to_le_bytes());
            for item in items {
                hash_value(h, item);
            }
        }
        Value::Object(obj) => {
            h.byte(b'{');
            h.bytes(&(obj.len() as u64).to_le_bytes());
            let mut keys: Vec<&String> = obj.keys().collect();
            keys.sort();
            for k in keys {
                h.str(k);
                if let Some(v) = obj.get(k) {
                    hash_value(h, v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_check() {
        for ok in ["", "TWFu", "TWE=", "TQ==", "TWE", "TQ", "ab+/"] {
            assert!(is_base64(ok), "{ok}");
        }
        for bad in ["T", "TWFuT", "TW E=", "TQ===", "T*==", "TQ=A"] {
            assert!(!is_base64(bad), "{bad}");
        }
    }

    #[test]
    fn version_ignores_meta_and_key_order() {
        let a = serde_json::json!({"a": 1, "b": [1, 2], "meta": {"version": "x"}});
        let b = serde_json::json!({"b": [1, 2], "a": 1});
        let c = serde_json::json!({"b": [2, 1], "a": 1});
        assert_eq!(version_of(&a), version_of(&b));
        assert_ne!(version_of(&a), version_of(&c));
        assert!(version_of(&a).starts_with("W/\""));
    }

    /// Entra ID creates groups listing its own ADSCIM Group schema beside
    /// the core one; the entra profile must accept that, the standard one
    /// refuse it.
    #[test]
    #[allow(clippy::unwrap_used)]
    fn entra_group_create_listing_adscim_schema_is_refused() {
        let registry = crate::Registry::with_builtins();
        let groups = registry.view("Group").unwrap();
        let body = serde_json::json!({
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:Group",
                "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
            ],
            "externalId": "c6e8a0b2",
            "displayName": "Engineering",
            "meta": {"resourceType": "Group"}
        });
        let e = prepare_create(&groups, body.clone(), &Compat::standard()).unwrap_err();
        assert_eq!(e.status(), 400);
        assert_eq!(e.scim_type().map(|t| t.as_str()), Some("invalidValue"));
        let out = prepare_create(&groups, body, &Compat::entra()).unwrap();
        assert_eq!(
            out["schemas"],
            serde_json::json!(["urn:ietf:params:scim:schemas:core:2.0:Group"])
        );
        assert_eq!(out["displayName"], "Engineering");
        // Attributes under the unknown URN are still undefined attributes.
        let body = serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "urn:example:x"],
            "displayName": "Engineering",
            "urn:example:x": {"a": 1}
        });
        assert!(prepare_create(&groups, body, &Compat::entra()).is_err());
    }
}
