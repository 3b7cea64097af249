//! [`PatchRequest`]: the RFC 7644 §3.5.2 body, parsed once.

use scim_filter::PatchPath;
use serde_json::{Map, Value};

use crate::compat::Compat;
use crate::error::{Result, ScimError};
use crate::schema::PATCH_OP_SCHEMA;

/// The operation of one PATCH step (RFC 7644 §3.5.2 `op`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchOp {
    /// `add` (§3.5.2.1).
    Add,
    /// `remove` (§3.5.2.2).
    Remove,
    /// `replace` (§3.5.2.3).
    Replace,
}

impl PatchOp {
    /// The keyword as RFC 7644 spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            PatchOp::Add => "add",
            PatchOp::Remove => "remove",
            PatchOp::Replace => "replace",
        }
    }

    fn parse(s: &str, any_case: bool) -> Option<PatchOp> {
        [PatchOp::Add, PatchOp::Remove, PatchOp::Replace]
            .into_iter()
            .find(|op| {
                if any_case {
                    op.as_str().eq_ignore_ascii_case(s)
                } else {
                    op.as_str() == s
                }
            })
    }
}

impl std::fmt::Display for PatchOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One operation of a PATCH request.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// What to do.
    pub op: PatchOp,
    /// Where; `None` targets the resource itself (not allowed for
    /// `remove`).
    pub path: Option<PatchPath>,
    /// The value; always present for `add` and `replace`, optional for
    /// `remove` (a list of values to remove from a multi-valued attribute).
    pub value: Option<Value>,
}

/// A parsed RFC 7644 §3.5.2 PATCH body: its operations, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRequest {
    /// The operations, applied in order.
    pub operations: Vec<PatchOperation>,
}

impl PatchRequest {
    /// Parses a PATCH body.
    ///
    /// Fails with 400 invalidSyntax when the body is not an object, its
    /// `schemas` does not list the PatchOp URN, `Operations` (any case) is
    /// missing, empty or not an array of objects, or an `op` is not one of
    /// `add`, `remove`, `replace` (in any case when
    /// [`Compat::op_any_case`]); 400 invalidPath when a `path` is not a
    /// string or does not parse; 400 invalidValue when `add` or `replace`
    /// has no `value` (or `add` has `null`); 400 noTarget when `remove`
    /// has no `path`.
    pub fn from_json(body: &Value, compat: &Compat) -> Result<PatchRequest> {
        let body = body
            .as_object()
            .ok_or_else(|| ScimError::invalid_syntax("a PATCH body must be a JSON object"))?;
        let lists_patch_op = member(body, "schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| {
                s.iter().any(|u| {
                    u.as_str()
                        .is_some_and(|u| u.eq_ignore_ascii_case(PATCH_OP_SCHEMA))
                })
            });
        if !lists_patch_op {
            return Err(ScimError::invalid_syntax(format!(
                "a PATCH body's schemas must contain {PATCH_OP_SCHEMA}"
            )));
        }
        let ops = member(body, "Operations")
            .ok_or_else(|| ScimError::invalid_syntax("a PATCH body must have Operations"))?
            .as_array()
            .ok_or_else(|| ScimError::invalid_syntax("Operations must be an array"))?;
        if ops.is_empty() {
            return Err(ScimError::invalid_syntax(
                "Operations must hold at least one operation",
            ));
        }
        let operations = ops
            .iter()
            .enumerate()
            .map(|(i, op)| PatchOperation::from_json(op, compat).map_err(|e| at_operation(e, i)))
            .collect::<Result<Vec<_>>>()?;
        Ok(PatchRequest { operations })
    }
}

impl PatchOperation {
    /// Parses one element of `Operations`; see [`PatchRequest::from_json`].
    pub fn from_json(op: &Value, compat: &Compat) -> Result<PatchOperation> {
        let op = op
            .as_object()
            .ok_or_else(|| ScimError::invalid_syntax("an operation must be a JSON object"))?;
        let name = member(op, "op")
            .ok_or_else(|| ScimError::invalid_syntax("an operation must have op"))?
            .as_str()
            .ok_or_else(|| ScimError::invalid_syntax("op must be a string"))?;
        let kind = PatchOp::parse(name, compat.op_any_case).ok_or_else(|| {
            ScimError::invalid_syntax(format!(
                "op {name:?} is not one of \"add\", \"remove\", \"replace\""
            ))
        })?;
        let path = match member(op, "path") {
            None | Some(Value::Null) => None,
            Some(Value::String(p)) => Some(super::target::parse_path(p)?),
            Some(_) => return Err(ScimError::invalid_path("path must be a string")),
        };
        let value = member(op, "value").cloned();
        match kind {
            PatchOp::Add | PatchOp::Replace => match &value {
                None => return Err(ScimError::invalid_value(format!("{kind} needs a value"))),
                Some(Value::Null) if kind == PatchOp::Add => {
                    return Err(ScimError::invalid_value("add needs a non-null value"))
                }
                Some(v) if path.is_none() && !v.is_object() => {
                    return Err(ScimError::invalid_value(format!(
                        "{kind} without a path needs an object of attributes as its value"
                    )))
                }
                _ => {}
            },
            PatchOp::Remove => {
                if path.is_none() {
                    return Err(ScimError::no_target("remove needs a path"));
                }
            }
        }
        Ok(PatchOperation {
            op: kind,
            path,
            value,
        })
    }
}

/// A member of a JSON object by name: exact spelling first, then any case.
fn member<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// Prefixes an error's detail with the operation's index.
fn at_operation(e: ScimError, index: usize) -> ScimError {
    ScimError::new(
        e.status(),
        e.scim_type(),
        format!("Operations[{index}]: {}", e.detail()),
    )
}
