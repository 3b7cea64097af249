//! Parsing a BulkRequest body (RFC 7644 §3.7).

use super::refs::{collect_references, reference, resolve_path, resolve_references};
use super::BulkLimits;
use crate::error::{Result, ScimError};
use crate::schema::BULK_REQUEST_SCHEMA;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;

/// The HTTP method of one bulk operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BulkMethod {
    /// Create a resource at a resource-type endpoint.
    Post,
    /// Replace a resource.
    Put,
    /// Modify a resource (RFC 7644 §3.5.2).
    Patch,
    /// Delete a resource.
    Delete,
}

impl BulkMethod {
    /// The method name as it appears on the wire (`POST`).
    pub fn as_str(self) -> &'static str {
        match self {
            BulkMethod::Post => "POST",
            BulkMethod::Put => "PUT",
            BulkMethod::Patch => "PATCH",
            BulkMethod::Delete => "DELETE",
        }
    }

    /// Parses a method name, case-insensitively.
    pub fn parse(s: &str) -> Option<Self> {
        [
            BulkMethod::Post,
            BulkMethod::Put,
            BulkMethod::Patch,
            BulkMethod::Delete,
        ]
        .into_iter()
        .find(|m| m.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for BulkMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An operation's `path`: a resource-type endpoint (`/Users`) for POST, an
/// endpoint and a resource id (`/Users/2819c223...`, or
/// `/Users/bulkId:qwerty`) for the other methods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkPath {
    endpoint: String,
    id: Option<String>,
}

impl BulkPath {
    /// The resource-type endpoint, with its leading slash (`/Users`).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The resource id segment as sent, which may be a `bulkId:` reference.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The bulkId the id segment refers to, when it is a reference.
    pub fn bulk_id_reference(&self) -> Option<&str> {
        self.id.as_deref().and_then(reference)
    }

    fn parse(path: &str, method: BulkMethod) -> Result<Self> {
        let bad = |why: &str| {
            ScimError::invalid_value(format!(
                "operation path {path:?} is not valid for {method}: {why}"
            ))
        };
        let Some(rest) = path.strip_prefix('/') else {
            return Err(bad("it must start with '/'"));
        };
        if path.contains(['?', '#']) {
            return Err(bad("it must not carry a query or fragment"));
        }
        let mut segments = rest.split('/');
        let endpoint = segments.next().unwrap_or_default();
        let id = segments.next();
        if segments.next().is_some() || endpoint.is_empty() || id == Some("") {
            return Err(bad(if method == BulkMethod::Post {
                "expected a resource endpoint such as /Users"
            } else {
                "expected a resource such as /Users/{id}"
            }));
        }
        match (method, id) {
            (BulkMethod::Post, Some(_)) => Err(bad(
                "POST must name a resource endpoint such as /Users, not a resource",
            )),
            (BulkMethod::Put | BulkMethod::Patch | BulkMethod::Delete, None) => {
                Err(bad("expected a resource such as /Users/{id}"))
            }
            _ => Ok(BulkPath {
                endpoint: format!("/{endpoint}"),
                id: id.map(str::to_owned),
            }),
        }
    }
}

impl fmt::Display for BulkPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.endpoint)?;
        if let Some(id) = &self.id {
            write!(f, "/{id}")?;
        }
        Ok(())
    }
}

/// One well-formed operation of a BulkRequest.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkOperation {
    method: BulkMethod,
    bulk_id: Option<String>,
    path: BulkPath,
    version: Option<String>,
    data: Option<Value>,
    references: Vec<String>,
}

impl BulkOperation {
    /// The method.
    pub fn method(&self) -> BulkMethod {
        self.method
    }

    /// The client's `bulkId` for this operation (always present for POST).
    pub fn bulk_id(&self) -> Option<&str> {
        self.bulk_id.as_deref()
    }

    /// The path as sent (references not yet resolved).
    pub fn path(&self) -> &BulkPath {
        &self.path
    }

    /// The `version` to send as `If-Match`, if any (ignored for POST).
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The body (`None` for DELETE; always an object otherwise).
    pub fn data(&self) -> Option<&Value> {
        self.data.as_ref()
    }

    /// Every bulkId this operation refers to, in its path or anywhere in its
    /// data, in first-seen order without duplicates.
    pub fn references(&self) -> &[String] {
        &self.references
    }

    /// This operation with every `bulkId:` reference replaced by the id
    /// `ids` maps it to; 409 naming the bulkId when one has no created id.
    pub fn resolve(&self, ids: &HashMap<String, String>) -> Result<ResolvedOperation<'_>> {
        let id = match self.path.id() {
            Some(id) if reference(id).is_some() => Some(resolve_path(id, ids)?),
            Some(id) => Some(id.to_owned()),
            None => None,
        };
        let data = match &self.data {
            Some(d) if self.references.is_empty() => Some(d.clone()),
            Some(d) => Some(resolve_references(d, ids)?),
            None => None,
        };
        Ok(ResolvedOperation {
            method: self.method,
            endpoint: self.path.endpoint(),
            id,
            version: self.version(),
            data,
        })
    }
}

/// An operation ready for the per-resource handlers: no `bulkId:` left.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ResolvedOperation<'a> {
    /// The method.
    pub method: BulkMethod,
    /// The resource-type endpoint (`/Users`).
    pub endpoint: &'a str,
    /// The resource id (`None` for POST).
    pub id: Option<String>,
    /// The expected version (`If-Match`).
    pub version: Option<&'a str>,
    /// The body (`None` for DELETE).
    pub data: Option<Value>,
}

/// An operation that could not be parsed. It fails on its own; the rest of
/// the request still runs.
#[derive(Debug, Clone, PartialEq)]
pub struct InvalidOperation {
    /// The `method` as sent, when it was a string (echoed in the response).
    pub method: Option<String>,
    /// The `bulkId` as sent, when it was a string (echoed in the response).
    pub bulk_id: Option<String>,
    /// Why the operation is invalid.
    pub error: ScimError,
}

/// A parsed BulkRequest.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkRequest {
    fail_on_errors: Option<usize>,
    operations: Vec<std::result::Result<BulkOperation, InvalidOperation>>,
}

/// `map[name]`, with the attribute name matched case-insensitively (an
/// exact match wins).
fn get_ci<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// The key [`get_ci`] would read.
fn key_ci(map: &Map<String, Value>, name: &str) -> Option<String> {
    if map.contains_key(name) {
        return Some(name.to_owned());
    }
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

impl BulkRequest {
    /// Parses a BulkRequest body.
    ///
    /// The whole request fails when the body is not a BulkRequest: not an
    /// object, no `schemas` with the BulkRequest URN, or no `Operations`
    /// array (400 `invalidSyntax`); `failOnErrors` not an integer >= 1
    /// (400 `invalidValue`); more than `limits.max_operations` operations
    /// (413). A malformed operation becomes an [`InvalidOperation`]
    /// answered on its own. The payload size is the caller's to check
    /// first, with [`BulkLimits::check_payload`].
    pub fn from_json(body: &Value, limits: &BulkLimits) -> Result<BulkRequest> {
        let Value::Object(map) = body else {
            return Err(ScimError::invalid_syntax(
                "a bulk request body must be a JSON object",
            ));
        };
        let has_schema = match get_ci(map, "schemas") {
            Some(Value::Array(schemas)) => schemas.iter().any(|s| {
                s.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(BULK_REQUEST_SCHEMA))
            }),
            _ => false,
        };
        if !has_schema {
            return Err(ScimError::invalid_syntax(format!(
                "a bulk request must list {BULK_REQUEST_SCHEMA} in \"schemas\""
            )));
        }
        let fail_on_errors = match get_ci(map, "failOnErrors") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_u64() {
                Some(n) if n >= 1 => Some(usize::try_from(n).unwrap_or(usize::MAX)),
                _ => {
                    return Err(ScimError::invalid_value(format!(
                        "\"failOnErrors\" must be an integer of at least 1, not {v}"
                    )))
                }
            },
        };
        let ops = match get_ci(map, "Operations") {
            Some(Value::Array(ops)) => ops,
            Some(_) => {
                return Err(ScimError::invalid_syntax(
                    "\"Operations\" must be an array of operations",
                ))
            }
            None => {
                return Err(ScimError::invalid_syntax(
                    "a bulk request must carry an \"Operations\" array",
                ))
            }
        };
        limits.check_operations(ops.len())?;
        let operations = ops
            .iter()
            .map(|raw| {
                let mut op = parse_operation(raw)?;
                if op.method != BulkMethod::Delete {
                    op.data = raw.as_object().and_then(|m| get_ci(m, "data")).cloned();
                }
                Ok(op)
            })
            .collect();
        Ok(BulkRequest::new(fail_on_errors, operations))
    }

    /// [`BulkRequest::from_json`] taking the body by value, so each
    /// operation's `data` is moved rather than copied.
    pub fn from_value(mut body: Value, limits: &BulkLimits) -> Result<BulkRequest> {
        // Take the operations out, then run the whole-request checks on what
        // is left (an empty Operations array), so both constructors answer
        // a malformed request identically.
        let ops = match &mut body {
            Value::Object(map) => match key_ci(map, "Operations").and_then(|k| map.get_mut(&k)) {
                Some(Value::Array(ops)) => std::mem::take(ops),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        let fail_on_errors = BulkRequest::from_json(&body, limits)?.fail_on_errors;
        limits.check_operations(ops.len())?;
        let operations = ops
            .into_iter()
            .map(|mut raw| {
                let mut op = parse_operation(&raw)?;
                if op.method != BulkMethod::Delete {
                    if let Value::Object(map) = &mut raw {
                        op.data = key_ci(map, "data").and_then(|k| map.remove(&k));
                    }
                }
                Ok(op)
            })
            .collect();
        Ok(BulkRequest::new(fail_on_errors, operations))
    }

    fn new(
        fail_on_errors: Option<usize>,
        mut operations: Vec<std::result::Result<BulkOperation, InvalidOperation>>,
    ) -> BulkRequest {
        reject_duplicate_bulk_ids(&mut operations);
        BulkRequest {
            fail_on_errors,
            operations,
        }
    }

    /// `failOnErrors`: how many errors the client accepts before the
    /// remaining operations are skipped; `None` runs them all.
    pub fn fail_on_errors(&self) -> Option<usize> {
        self.fail_on_errors
    }

    /// Every operation in request order, each parsed or invalid.
    pub fn operations(&self) -> &[std::result::Result<BulkOperation, InvalidOperation>] {
        &self.operations
    }

    /// The well-formed operation at `index` (its position in the request).
    pub fn operation(&self, index: usize) -> Option<&BulkOperation> {
        self.operations.get(index).and_then(|op| op.as_ref().ok())
    }

    /// The number of operations.
    pub fn len(&self) -> usize {
        self.operations.len()
    }

    /// Whether the request has no operations.
    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }
}

fn parse_operation(raw: &Value) -> std::result::Result<BulkOperation, InvalidOperation> {
    let Value::Object(map) = raw else {
        return Err(InvalidOperation {
            method: None,
            bulk_id: None,
            error: ScimError::invalid_syntax("each bulk operation must be a JSON object"),
        });
    };
    let raw_method = get_ci(map, "method").and_then(Value::as_str);
    let raw_bulk_id = get_ci(map, "bulkId").and_then(Value::as_str);
    let invalid = |error: ScimError| InvalidOperation {
        method: raw_method.map(str::to_owned),
        bulk_id: raw_bulk_id.map(str::to_owned),
        error,
    };

    let method = match get_ci(map, "method") {
        None | Some(Value::Null) => {
            return Err(invalid(ScimError::invalid_value(
                "the operation has no \"method\"",
            )))
        }
        Some(Value::String(s)) => BulkMethod::parse(s).ok_or_else(|| {
            invalid(ScimError::invalid_value(format!(
                "method {s:?} is not one of POST, PUT, PATCH, DELETE"
            )))
        })?,
        Some(other) => {
            return Err(invalid(ScimError::invalid_value(format!(
                "\"method\" must be a string, not {other}"
            ))))
        }
    };

    let bulk_id = match get_ci(map, "bulkId") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(other) => {
            return Err(invalid(ScimError::invalid_value(format!(
                "\"bulkId\" must be a non-empty string, not {other}"
            ))))
        }
    };
    if method == BulkMethod::Post && bulk_id.is_none() {
        return Err(invalid(ScimError::invalid_value(
            "a POST operation must carry a \"bulkId\"",
        )));
    }

    let path = match get_ci(map, "path") {
        Some(Value::String(p)) => BulkPath::parse(p, method).map_err(invalid)?,
        None | Some(Value::Null) => {
            return Err(invalid(ScimError::invalid_value(
                "the operation has no \"path\"",
            )))
        }
        Some(other) => {
            return Err(invalid(ScimError::invalid_value(format!(
                "\"path\" must be a string, not {other}"
            ))))
        }
    };

    let version = match get_ci(map, "version") {
        None | Some(Value::Null) => None,
        Some(Value::String(v)) => Some(v.clone()),
        Some(other) => {
            return Err(invalid(ScimError::invalid_value(format!(
                "\"version\" must be a string, not {other}"
            ))))
        }
    };

    let data = match (method, get_ci(map, "data")) {
        // A DELETE has no body; any "data" is ignored, references included.
        (BulkMethod::Delete, _) => None,
        // The caller attaches the object itself, cloned or moved.
        (_, Some(Value::Object(_))) => None,
        (_, None | Some(Value::Null)) => {
            return Err(invalid(ScimError::invalid_value(format!(
                "a {method} operation must carry \"data\""
            ))))
        }
        (_, Some(other)) => {
            return Err(invalid(ScimError::invalid_value(format!(
                "\"data\" must be a JSON object, not {}",
                json_kind(other)
            ))))
        }
    };

    let mut references = Vec::new();
    if let Some(id) = path.bulk_id_reference() {
        references.push(id.to_owned());
    }
    if method != BulkMethod::Delete {
        if let Some(d) = get_ci(map, "data") {
            collect_references(d, &mut references);
        }
    }

    Ok(BulkOperation {
        method,
        bulk_id,
        path,
        version,
        data,
        references,
    })
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// RFC 7644 §3.7: a bulkId is "unique within a bulk request". Every
/// operation declaring a bulkId that another operation also declares is
/// invalid: a reference to it would be ambiguous.
fn reject_duplicate_bulk_ids(ops: &mut [std::result::Result<BulkOperation, InvalidOperation>]) {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for op in ops.iter() {
        let id = match op {
            Ok(op) => op.bulk_id.as_deref(),
            Err(inv) => inv.bulk_id.as_deref(),
        };
        if let Some(id) = id {
            *count.entry(id).or_default() += 1;
        }
    }
    let dups: Vec<String> = count
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(id, _)| id.to_owned())
        .collect();
    if dups.is_empty() {
        return;
    }
    for op in ops.iter_mut() {
        let Ok(valid) = op else { continue };
        let Some(id) = valid.bulk_id.as_deref() else {
            continue;
        };
        if dups.iter().any(|d| d == id) {
            let error = ScimError::invalid_value(format!(
                "bulkId {id:?} is declared by more than one operation; bulkIds must be unique within a bulk request"
            ));
            *op = Err(InvalidOperation {
                method: Some(valid.method.as_str().to_owned()),
                bulk_id: valid.bulk_id.clone(),
                error,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn methods_parse_case_insensitively() {
        assert_eq!(BulkMethod::parse("post"), Some(BulkMethod::Post));
        assert_eq!(BulkMethod::parse("Patch"), Some(BulkMethod::Patch));
        assert_eq!(BulkMethod::parse("GET"), None);
    }

    #[test]
    fn path_shapes_per_method() {
        let ok = [
            ("/Users", BulkMethod::Post, "/Users", None),
            ("/Users/abc", BulkMethod::Put, "/Users", Some("abc")),
            (
                "/Groups/bulkId:q",
                BulkMethod::Patch,
                "/Groups",
                Some("bulkId:q"),
            ),
        ];
        for (p, m, endpoint, id) in ok {
            let path = BulkPath::parse(p, m).unwrap();
            assert_eq!(path.endpoint(), endpoint, "{p}");
            assert_eq!(path.id(), id, "{p}");
            assert_eq!(path.to_string(), p);
        }
        let bad = [
            ("Users", BulkMethod::Post),
            ("/", BulkMethod::Post),
            ("/Users/abc", BulkMethod::Post),
            ("/Users", BulkMethod::Delete),
            ("/Users/", BulkMethod::Put),
            ("/Users/a/b", BulkMethod::Patch),
            ("//a", BulkMethod::Patch),
            ("/Users?x=1", BulkMethod::Post),
        ];
        for (p, m) in bad {
            let err = BulkPath::parse(p, m).unwrap_err();
            assert_eq!(err.status(), 400, "{p}");
            assert_eq!(err.scim_type(), Some(crate::ScimType::InvalidValue), "{p}");
        }
    }
}
