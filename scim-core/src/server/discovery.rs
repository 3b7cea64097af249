//! The discovery endpoints (RFC 7644 §4): /ServiceProviderConfig,
//! /Schemas and /ResourceTypes. Read-only; they reflect the registry and
//! the server's real configuration.

use super::{response, Ctx, ScimServer};
use crate::discovery::{resource_type_document, schema_document, ServiceProviderConfig};
use crate::schema::LIST_RESPONSE_SCHEMA;
use crate::{Result, ScimError};
use bytes::Bytes;
use http::{Method, Response};
use serde_json::{json, Value};

/// Which discovery document a request asks for.
pub(crate) enum Doc<'a> {
    Config,
    Schemas,
    Schema(&'a str),
    ResourceTypes,
    ResourceType(&'a str),
}

fn list_response(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": resources.len(),
        "itemsPerPage": resources.len(),
        "startIndex": 1,
        "Resources": resources,
    })
}

impl ScimServer {
    /// The ServiceProviderConfig this server really implements.
    pub fn service_provider_config(&self) -> ServiceProviderConfig {
        let c = &self.inner.config;
        ServiceProviderConfig {
            documentation_uri: c.documentation_uri.clone(),
            patch_supported: true,
            bulk_supported: true,
            bulk_max_operations: c.bulk.max_operations,
            bulk_max_payload_size: c.bulk.max_payload_size,
            filter_supported: true,
            filter_max_results: c.query.max_page_size,
            change_password_supported: false,
            sort_supported: true,
            etag_supported: true,
            pagination_cursor: true,
            pagination_index: true,
            default_page_size: c.query.default_page_size,
            max_page_size: c.query.max_page_size,
            cursor_timeout: Some(c.query.cursor_lifetime.as_secs()),
            ..ServiceProviderConfig::default()
        }
    }

    pub(crate) fn discovery_get(
        &self,
        method: &Method,
        ctx: &Ctx,
        doc: Doc<'_>,
    ) -> Result<Response<Bytes>> {
        if method != Method::GET {
            return Err(ScimError::method_not_allowed(format!(
                "{method} is not allowed on discovery endpoints"
            )));
        }
        if ctx.param("filter").is_some() {
            return Err(ScimError::forbidden(
                "discovery endpoints do not support filtering (RFC 7644 §4)",
            ));
        }
        let base = &ctx.base_url;
        let registry = &ctx.schemas.registry;
        let body = match doc {
            Doc::Config => self.service_provider_config().to_json(base),
            Doc::Schemas => list_response(
                registry
                    .schemas()
                    .iter()
                    .map(|s| schema_document(s, base))
                    .collect(),
            ),
            Doc::Schema(urn) => {
                let s = registry
                    .schema(urn)
                    .ok_or_else(|| ScimError::not_found(format!("no schema {urn}")))?;
                schema_document(s, base)
            }
            Doc::ResourceTypes => list_response(
                registry
                    .resource_types()
                    .iter()
                    .map(|rt| resource_type_document(rt, base))
                    .collect(),
            ),
            Doc::ResourceType(name) => {
                let rt = registry
                    .resource_type(name)
                    .ok_or_else(|| ScimError::not_found(format!("no resource type {name}")))?;
                resource_type_document(rt, base)
            }
        };
        Ok(response::json(200, &body))
    }
}
