//! [`ResourceStore`]: the one async boundary between the protocol engine and
//! storage.
//!
//! A store keeps whole resources (JSON documents, already validated and
//! carrying `id` and `meta`), scoped by tenant and resource type. Protocol
//! rules (validation, PATCH, bulk, projection) stay in scim-core; an adapter
//! stores and queries, nothing more.
//!
//! The rules an adapter needs to enforce uniqueness (which attributes are
//! unique, how a value is normalised under its case rule) are here too:
//! [`unique_attrs`], [`UniqueAttr::values`] and [`unique_values`].

mod unique;

pub use unique::{unique_attrs, unique_values, UniqueAttr, UniqueValue};

use crate::query::{ListPage, ListQuery};
use crate::schema::ResourceSchema;
use crate::ScimError;
use async_trait::async_trait;
use serde_json::Value;

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No resource with that id (in that tenant and type).
    #[error("resource {id} not found")]
    NotFound {
        /// The id asked for.
        id: String,
    },
    /// A unique attribute's value is taken.
    #[error("{attribute} value is already taken")]
    Uniqueness {
        /// The attribute name, as the schema spells it.
        attribute: String,
    },
    /// The stored version is not the expected one.
    #[error("version mismatch: expected {expected}, current {current}")]
    VersionMismatch {
        /// The version the caller expected.
        expected: String,
        /// The version stored now.
        current: String,
    },
    /// The query cannot be answered (for example, a filter the adapter
    /// cannot push down); answered as 400 with the carried error.
    #[error("{0}")]
    Query(ScimError),
    /// The backend is unreachable or failed.
    #[error("backend unavailable: {0}")]
    Unavailable(String),
}

impl From<StoreError> for ScimError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { id } => ScimError::not_found(format!("Resource {id} not found")),
            StoreError::Uniqueness { attribute } => {
                ScimError::uniqueness(format!("{attribute} is already taken"))
            }
            StoreError::VersionMismatch { expected, current } => ScimError::precondition_failed(
                format!("version {expected} does not match the current version {current}"),
            ),
            StoreError::Query(e) => e,
            StoreError::Unavailable(detail) => {
                ScimError::unavailable(format!("storage unavailable: {detail}"))
            }
        }
    }
}

impl From<scim_filter::sql::SqlError> for StoreError {
    /// A filter or sort a SQL store could not compile: a bad sort is
    /// 400 invalidValue, anything else 400 invalidFilter.
    fn from(e: scim_filter::sql::SqlError) -> Self {
        match e {
            scim_filter::sql::SqlError::InvalidSort { .. } => {
                StoreError::Query(ScimError::invalid_value(e.to_string()))
            }
            other => StoreError::Query(ScimError::invalid_filter(other.to_string())),
        }
    }
}

/// The `id` of a resource handed to [`ResourceStore::create`]: a store
/// keys by it, so a missing or empty one is refused (400 invalidValue).
pub fn stored_id(resource: &Value) -> Result<&str, StoreError> {
    resource
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| StoreError::Query(ScimError::invalid_value("a stored resource needs an id")))
}

/// The `meta.version` a resource carries (`""` when it has none): the
/// opaque string stores compare for compare-and-swap.
pub fn stored_version(resource: &Value) -> &str {
    resource
        .get("meta")
        .and_then(|m| m.get("version"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Storage for SCIM resources, scoped by tenant.
///
/// Every method names the tenant and passes the resource type's schema
/// view, from which adapters learn the type's name, which attributes are
/// unique (and under which case rule), and how to compile filters.
///
/// Resources are JSON objects with `id`, `schemas` and `meta` (including
/// `meta.version`, the weak ETag the caller assigned). Versions are
/// compared as opaque strings.
#[async_trait]
pub trait ResourceStore: Send + Sync + 'static {
    /// Stores a new resource. Fails with [`StoreError::Uniqueness`] when a
    /// unique attribute (uniqueness `server` or `global`, compared under
    /// the attribute's caseExact rule) is taken in this tenant and type.
    /// Atomic: two concurrent creates of one userName give one success.
    async fn create(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        resource: Value,
    ) -> Result<Value, StoreError>;

    /// The resource with this id, if any.
    async fn get(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        id: &str,
    ) -> Result<Option<Value>, StoreError>;

    /// Replaces the resource with this id by `resource` (which carries its
    /// new `meta.version`). When `expected_version` is given, the stored
    /// version must equal it ([`StoreError::VersionMismatch`] otherwise):
    /// compare-and-swap. Uniqueness is checked as on create.
    async fn replace(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        id: &str,
        expected_version: Option<&str>,
        resource: Value,
    ) -> Result<Value, StoreError>;

    /// Deletes the resource with this id, compare-and-swap as `replace`.
    async fn delete(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        id: &str,
        expected_version: Option<&str>,
    ) -> Result<(), StoreError>;

    /// The resources matching `query.filter`, sorted, one page of them,
    /// and the total count.
    async fn list(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        query: &ListQuery,
    ) -> Result<ListPage, StoreError>;

    /// The resources of the given group type (`group_schema`) whose
    /// `members` contain an element with `value` equal to `member_id`:
    /// the reverse lookup behind a User's `groups`.
    async fn member_of(
        &self,
        tenant: &str,
        group_schema: &ResourceSchema<'_>,
        member_id: &str,
    ) -> Result<Vec<Value>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stored_id_needs_a_non_empty_string() {
        assert_eq!(stored_id(&json!({"id": "1"})), Ok("1"));
        for bad in [json!({}), json!({"id": ""}), json!({"id": 1}), json!("x")] {
            assert!(
                matches!(stored_id(&bad), Err(StoreError::Query(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn stored_version_is_meta_version_or_empty() {
        let v = json!({"meta": {"version": "W/\"1\""}});
        assert_eq!(stored_version(&v), "W/\"1\"");
        assert_eq!(stored_version(&json!({"meta": {}})), "");
        assert_eq!(stored_version(&json!({"meta": {"version": 1}})), "");
    }
}
