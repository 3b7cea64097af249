//! The discovery documents (RFC 7643 §5, §6, §7; RFC 7644 §4): a schema
//! as served at `/Schemas/{urn}`, a resource type as served at
//! `/ResourceTypes/{name}`, and the `/ServiceProviderConfig` document,
//! with RFC 9865 `pagination`.
//!
//! `base_url` is the service provider's base URL without a trailing slash
//! (`https://example.com/scim/v2`); a trailing slash is tolerated.

use crate::schema::{
    ResourceType, Schema, RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA, SERVICE_PROVIDER_CONFIG_SCHEMA,
};
use serde_json::{json, Map, Value};

fn join(base_url: &str, rest: &str) -> String {
    format!(
        "{}/{}",
        base_url.trim_end_matches('/'),
        rest.trim_start_matches('/')
    )
}

/// A schema as RFC 7643 §7 serves it: `schemas`, `id`, `name`,
/// `description`, `attributes`, and `meta` with `resourceType: "Schema"`
/// and `location` `{base}/Schemas/{urn}`.
pub fn schema_document(schema: &Schema, base_url: &str) -> Value {
    let mut doc = match serde_json::to_value(schema) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    doc.insert("schemas".into(), json!([SCHEMA_SCHEMA]));
    doc.insert(
        "meta".into(),
        json!({
            "resourceType": "Schema",
            "location": join(base_url, &format!("Schemas/{}", schema.id)),
        }),
    );
    Value::Object(doc)
}

/// A resource type as RFC 7643 §6 serves it: `schemas`, `id`, `name`,
/// `description`, `endpoint`, `schema`, `schemaExtensions`, and `meta`
/// with `resourceType: "ResourceType"` and `location`
/// `{base}/ResourceTypes/{name}`.
pub fn resource_type_document(rt: &ResourceType, base_url: &str) -> Value {
    let mut doc = match serde_json::to_value(rt) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    doc.insert("schemas".into(), json!([RESOURCE_TYPE_SCHEMA]));
    doc.insert(
        "meta".into(),
        json!({
            "resourceType": "ResourceType",
            "location": join(base_url, &format!("ResourceTypes/{}", rt.id)),
        }),
    );
    Value::Object(doc)
}

/// One `authenticationSchemes` entry (RFC 7643 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticationScheme {
    /// `type`: `oauth`, `oauth2`, `oauthbearertoken`, `httpbasic` or
    /// `httpdigest`.
    pub ty: String,
    /// `name`, e.g. `OAuth Bearer Token`.
    pub name: String,
    /// `description`.
    pub description: String,
    /// `specUri`.
    pub spec_uri: Option<String>,
    /// `documentationUri`.
    pub documentation_uri: Option<String>,
    /// `primary`.
    pub primary: bool,
}

impl AuthenticationScheme {
    /// The OAuth 2.0 bearer token scheme (RFC 6750), marked primary.
    pub fn oauth_bearer_token() -> Self {
        AuthenticationScheme {
            ty: "oauthbearertoken".into(),
            name: "OAuth Bearer Token".into(),
            description: "Authentication scheme using the OAuth Bearer Token Standard".into(),
            spec_uri: Some("https://www.rfc-editor.org/info/rfc6750".into()),
            documentation_uri: None,
            primary: true,
        }
    }

    /// HTTP Basic authentication (RFC 7617).
    pub fn http_basic() -> Self {
        AuthenticationScheme {
            ty: "httpbasic".into(),
            name: "HTTP Basic".into(),
            description: "Authentication scheme using the HTTP Basic Standard".into(),
            spec_uri: Some("https://www.rfc-editor.org/info/rfc7617".into()),
            documentation_uri: None,
            primary: false,
        }
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), Value::String(self.ty.clone()));
        m.insert("name".into(), Value::String(self.name.clone()));
        m.insert(
            "description".into(),
            Value::String(self.description.clone()),
        );
        if let Some(u) = &self.spec_uri {
            m.insert("specUri".into(), Value::String(u.clone()));
        }
        if let Some(u) = &self.documentation_uri {
            m.insert("documentationUri".into(), Value::String(u.clone()));
        }
        m.insert("primary".into(), Value::Bool(self.primary));
        Value::Object(m)
    }
}

/// What a service provider supports (RFC 7643 §5), with RFC 9865
/// `pagination`. Build with [`Default`] (everything off, limits zero,
/// bearer-token authentication) and set the fields; serialise with
/// [`ServiceProviderConfig::to_json`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceProviderConfig {
    /// `documentationUri`.
    pub documentation_uri: Option<String>,
    /// `patch.supported`.
    pub patch_supported: bool,
    /// `bulk.supported`.
    pub bulk_supported: bool,
    /// `bulk.maxOperations`.
    pub bulk_max_operations: usize,
    /// `bulk.maxPayloadSize`, in bytes.
    pub bulk_max_payload_size: usize,
    /// `filter.supported`.
    pub filter_supported: bool,
    /// `filter.maxResults`.
    pub filter_max_results: usize,
    /// `changePassword.supported`.
    pub change_password_supported: bool,
    /// `sort.supported`.
    pub sort_supported: bool,
    /// `etag.supported`.
    pub etag_supported: bool,
    /// `authenticationSchemes`.
    pub authentication_schemes: Vec<AuthenticationScheme>,
    /// `pagination.cursor` (RFC 9865): cursor paging is supported.
    pub pagination_cursor: bool,
    /// `pagination.index` (RFC 9865): index paging is supported.
    pub pagination_index: bool,
    /// `pagination.defaultPaginationMethod` (RFC 9865), `cursor` or
    /// `index`; omitted when `None`.
    pub default_pagination_method: Option<String>,
    /// `pagination.defaultPageSize` (RFC 9865).
    pub default_page_size: usize,
    /// `pagination.maxPageSize` (RFC 9865).
    pub max_page_size: usize,
    /// `pagination.cursorTimeout` (RFC 9865), in seconds; omitted when
    /// `None`.
    pub cursor_timeout: Option<u64>,
}

impl Default for ServiceProviderConfig {
    fn default() -> Self {
        ServiceProviderConfig {
            documentation_uri: None,
            patch_supported: false,
            bulk_supported: false,
            bulk_max_operations: 0,
            bulk_max_payload_size: 0,
            filter_supported: false,
            filter_max_results: 0,
            change_password_supported: false,
            sort_supported: false,
            etag_supported: false,
            authentication_schemes: vec![AuthenticationScheme::oauth_bearer_token()],
            pagination_cursor: false,
            pagination_index: true,
            default_pagination_method: None,
            default_page_size: 0,
            max_page_size: 0,
            cursor_timeout: None,
        }
    }
}

impl ServiceProviderConfig {
    /// The RFC 7643 §5 document, with `meta.location`
    /// `{base}/ServiceProviderConfig`.
    pub fn to_json(&self, base_url: &str) -> Value {
        let mut pagination = Map::new();
        pagination.insert("cursor".into(), Value::Bool(self.pagination_cursor));
        pagination.insert("index".into(), Value::Bool(self.pagination_index));
        if let Some(m) = &self.default_pagination_method {
            pagination.insert("defaultPaginationMethod".into(), Value::String(m.clone()));
        }
        pagination.insert("defaultPageSize".into(), json!(self.default_page_size));
        pagination.insert("maxPageSize".into(), json!(self.max_page_size));
        if let Some(t) = self.cursor_timeout {
            pagination.insert("cursorTimeout".into(), json!(t));
        }
        let mut doc = json!({
            "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
            "patch": {"supported": self.patch_supported},
            "bulk": {
                "supported": self.bulk_supported,
                "maxOperations": self.bulk_max_operations,
                "maxPayloadSize": self.bulk_max_payload_size,
            },
            "filter": {
                "supported": self.filter_supported,
                "maxResults": self.filter_max_results,
            },
            "changePassword": {"supported": self.change_password_supported},
            "sort": {"supported": self.sort_supported},
            "etag": {"supported": self.etag_supported},
            "authenticationSchemes": self
                .authentication_schemes
                .iter()
                .map(AuthenticationScheme::to_json)
                .collect::<Vec<_>>(),
            "pagination": Value::Object(pagination),
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": join(base_url, "ServiceProviderConfig"),
            },
        });
        if let (Some(u), Value::Object(m)) = (&self.documentation_uri, &mut doc) {
            m.insert("documentationUri".into(), Value::String(u.clone()));
        }
        doc
    }
}
