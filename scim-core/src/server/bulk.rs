//! POST /Bulk: runs a planned bulk request through the ordinary resource
//! operations, so every rule (validation, uniqueness, CAS, membership)
//! applies to bulk exactly as to single requests.

use super::{meta, response, Ctx, ScimServer};
use crate::bulk::{BulkMethod, BulkOperationResult, BulkRequest, BulkResponseBuilder, PlanStep};
use crate::jit::Channel;
use crate::{Result, ScimError};
use bytes::Bytes;
use http::Response;

impl ScimServer {
    pub(crate) async fn bulk(&self, ctx: &Ctx, body: &Bytes) -> Result<Response<Bytes>> {
        let limits = &self.inner.config.bulk;
        limits.check_payload(body.len())?;
        let request = BulkRequest::from_value(super::parse_body(body)?, limits)?;
        // Writes inside a bulk request are reported on the bulk channel.
        let ctx = &Ctx {
            channel: Channel::Bulk,
            ..ctx.clone()
        };
        let plan = request.plan();
        let mut results = BulkResponseBuilder::new(&request).with_base_url(ctx.base_url.clone());
        for step in plan.steps() {
            if results.is_stopped() {
                break;
            }
            let (index, result) = match step {
                PlanStep::Reject { index, error } => {
                    (*index, BulkOperationResult::failure(error.clone()))
                }
                PlanStep::Execute(index) => {
                    let result = match request.operation(*index) {
                        Some(op) => match op.resolve(results.created_ids()) {
                            Ok(resolved) => {
                                self.bulk_one(
                                    ctx,
                                    resolved.method,
                                    resolved.endpoint,
                                    resolved.id.as_deref(),
                                    resolved.version,
                                    resolved.data,
                                )
                                .await
                            }
                            Err(e) => BulkOperationResult::failure(e),
                        },
                        None => BulkOperationResult::failure(ScimError::invalid_value(
                            "malformed operation",
                        )),
                    };
                    (*index, result)
                }
            };
            results.record(index, result);
        }
        Ok(response::json(200, &results.to_json()))
    }

    async fn bulk_one(
        &self,
        ctx: &Ctx,
        method: BulkMethod,
        endpoint: &str,
        id: Option<&str>,
        version: Option<&str>,
        data: Option<serde_json::Value>,
    ) -> BulkOperationResult {
        let Some(rt) = ctx.schemas.registry.resource_type_at(endpoint) else {
            return BulkOperationResult::failure(ScimError::not_found(format!(
                "no endpoint {endpoint}"
            )));
        };
        let rt = rt.name.clone();
        let data = data.unwrap_or(serde_json::Value::Null);
        let outcome = match (method, id) {
            (BulkMethod::Post, _) => self.op_create(ctx, &rt, data).await.map(|r| (201, Some(r))),
            (BulkMethod::Put, Some(id)) => self
                .op_replace(ctx, &rt, id, data, version)
                .await
                .map(|r| (200, Some(r))),
            (BulkMethod::Patch, Some(id)) => self
                .op_patch(ctx, &rt, id, data, version)
                .await
                .map(|r| (200, Some(r))),
            (BulkMethod::Delete, Some(id)) => self
                .op_delete(ctx, &rt, id, version)
                .await
                .map(|()| (204, None)),
            (_, None) => Err(ScimError::invalid_value(
                "the operation's path needs a resource id",
            )),
        };
        match outcome {
            Ok((status, resource)) => {
                let mut r = BulkOperationResult::success(status);
                if let Some(resource) = resource {
                    if let Some(v) = meta::version(&resource) {
                        r = r.with_version(v);
                    }
                    if let Some(l) = resource["meta"]["location"].as_str() {
                        r = r.with_location(l);
                    }
                    if let Some(id) = resource["id"].as_str() {
                        r = r.with_id(id);
                    }
                }
                r
            }
            Err(e) => BulkOperationResult::failure(e),
        }
    }
}
