//! The RFC 7644 §3.7 bulk engine: parse a BulkRequest, plan the order its
//! operations run in, substitute `bulkId:` references, and build the
//! BulkResponse.
//!
//! Everything here is pure: the server runs each planned operation through
//! its ordinary per-resource handlers and reports the outcome back. The
//! pipeline, one file per stage:
//!
//! 1. [`BulkRequest::from_json`] (or [`BulkRequest::from_value`], which
//!    moves each operation's data instead of copying it): the whole-request
//!    checks (schema URN, `Operations`, `failOnErrors`, the operation limit)
//!    fail the request; a malformed *operation* only fails that operation.
//!    The caller checks the body's size first with
//!    [`BulkLimits::check_payload`].
//! 2. [`BulkRequest::plan`]: the `bulkId` dependency graph and a stable
//!    topological execution order; operations that can never run (circular
//!    or unknown references, or depending on an operation that cannot run)
//!    are rejected up front.
//! 3. [`BulkOperation::resolve`] / [`resolve_references`]: replace each
//!    `bulkId:x` with the id the POST of `x` created.
//! 4. [`BulkResponseBuilder`]: collect results, count errors against
//!    `failOnErrors`, and render the response.
//!
//! # Decisions where RFC 7644 leaves a choice
//!
//! - **Circular references** (§3.7.1): the provider "MUST try to resolve
//!   circular cross-references between resources in a single bulk job but
//!   MAY stop after a failed attempt and instead return HTTP status code 409
//!   (Conflict)". We take the second branch: ordering is the attempt, and
//!   every operation on a cycle is answered 409 without touching the store.
//!   Creating first and patching afterwards would leave half-made resources
//!   behind whenever the second step fails.
//! - **Unknown and failed references**: the RFC names no status for a
//!   `bulkId:x` that no POST of the request defines, or whose POST failed.
//!   We answer 409 (no `scimType`) for both, the status §3.7.1 uses for a
//!   reference that cannot be resolved, with a detail naming the bulkId.
//! - **Malformed operations** fail alone (400 `invalidValue`, or
//!   `invalidSyntax` when the operation is not an object); only a body that is
//!   not a BulkRequest at all fails the whole request.
//! - **Response order**: results are listed in request order, whatever the
//!   execution order, so a client can pair them with its operations by
//!   position as in the RFC's examples. Operations skipped after
//!   `failOnErrors` was reached are omitted.
//!
//! # Example
//!
//! ```
//! use std::collections::HashMap;
//! use scim_core::bulk::{BulkLimits, BulkOperationResult, BulkRequest, BulkResponseBuilder, PlanStep};
//! use serde_json::json;
//!
//! let body = json!({
//!     "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
//!     "Operations": [
//!         {"method": "POST", "path": "/Groups", "bulkId": "g",
//!          "data": {"displayName": "Tour Guides", "members": [{"value": "bulkId:u"}]}},
//!         {"method": "POST", "path": "/Users", "bulkId": "u", "data": {"userName": "alice"}}
//!     ]
//! });
//! let request = BulkRequest::from_json(&body, &BulkLimits::default())?;
//! let plan = request.plan();
//! let mut response = BulkResponseBuilder::new(&request);
//! for step in plan.steps() {
//!     if response.is_stopped() {
//!         break;
//!     }
//!     let result = match step {
//!         PlanStep::Reject { error, .. } => BulkOperationResult::failure(error.clone()),
//!         PlanStep::Execute(index) => {
//!             let Some(op) = request.operation(*index) else { continue };
//!             match op.resolve(response.created_ids()) {
//!                 Err(error) => BulkOperationResult::failure(error),
//!                 // A real server hands `resolved` to its resource handlers here.
//!                 Ok(resolved) => {
//!                     let id = format!("id-{index}");
//!                     BulkOperationResult::success(201)
//!                         .with_location(format!("https://example.com/v2{}/{id}", resolved.endpoint))
//!                         .with_id(id)
//!                 }
//!             }
//!         }
//!     };
//!     response.record(step.index(), result);
//! }
//! let body = response.to_json();
//! // The user ran first; the group saw its id in place of `bulkId:u`.
//! assert_eq!(body["Operations"][1]["location"], "https://example.com/v2/Users/id-1");
//! # Ok::<(), scim_core::ScimError>(())
//! ```

mod plan;
mod refs;
mod request;
mod response;

pub use plan::{BulkPlan, PlanStep};
pub use refs::{
    resolve_path, resolve_references, resolve_references_in_place, UnresolvedBulkId, BULK_ID_PREFIX,
};
pub use request::{
    BulkMethod, BulkOperation, BulkPath, BulkRequest, InvalidOperation, ResolvedOperation,
};
pub use response::{BulkOperationResult, BulkResponseBuilder};

use crate::error::{Result, ScimError};

/// The limits RFC 7644 §3.7.4 asks every provider to define and advertise
/// in ServiceProviderConfig (`bulk.maxOperations`, `bulk.maxPayloadSize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkLimits {
    /// The most operations one BulkRequest may carry. Default 1000.
    pub max_operations: usize,
    /// The largest BulkRequest body in bytes. Default 1 MiB (1 048 576).
    pub max_payload_size: usize,
}

impl Default for BulkLimits {
    fn default() -> Self {
        BulkLimits {
            max_operations: 1000,
            max_payload_size: 1_048_576,
        }
    }
}

impl BulkLimits {
    /// Sets `max_operations`.
    pub fn with_max_operations(mut self, max_operations: usize) -> Self {
        self.max_operations = max_operations;
        self
    }

    /// Sets `max_payload_size`.
    pub fn with_max_payload_size(mut self, max_payload_size: usize) -> Self {
        self.max_payload_size = max_payload_size;
        self
    }

    /// Checks a body's size in bytes before it is parsed: past
    /// `max_payload_size` it is 413 (RFC 7644 §3.7.4), with a detail naming
    /// the limit.
    pub fn check_payload(&self, len: usize) -> Result<()> {
        if len > self.max_payload_size {
            return Err(ScimError::payload_too_large(format!(
                "the bulk request is {len} bytes; maxPayloadSize is {} bytes",
                self.max_payload_size
            )));
        }
        Ok(())
    }

    /// Checks an operation count: past `max_operations` it is 413
    /// (RFC 7644 §3.7.4), with a detail naming the limit.
    pub fn check_operations(&self, count: usize) -> Result<()> {
        if count > self.max_operations {
            return Err(ScimError::payload_too_large(format!(
                "the bulk request has {count} operations; maxOperations is {}",
                self.max_operations
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn payload_at_the_bound_passes_and_one_past_is_413() {
        let limits = BulkLimits::default().with_max_payload_size(100);
        assert!(limits.check_payload(100).is_ok());
        let err = limits.check_payload(101).unwrap_err();
        assert_eq!(err.status(), 413);
        assert!(err.detail().contains("100"), "{}", err.detail());
    }

    #[test]
    fn defaults_match_the_documented_values() {
        let limits = BulkLimits::default();
        assert_eq!(limits.max_operations, 1000);
        assert_eq!(limits.max_payload_size, 1 << 20);
    }
}
