//! Resource endpoints: create, read, replace, patch, delete, list and
//! search, plus the group-membership rules that span resource types.

use super::{meta, parse_body, response, Ctx, ScimServer};
use crate::jit::{changed_attributes, provenance, Operation, ProvisioningEvent, Source};
use crate::patch::{apply_patch_owned, PatchRequest};
use crate::projection::Projection;
use crate::query::{ListPage, ListRequest, ListResponse};
use crate::resource::{prepare_create, prepare_replace};
use crate::schema::{Mutability, ResourceSchema};
use crate::store::StoreError;
use crate::{Result, ScimError};
use bytes::Bytes;
use http::Response;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// The resource type whose `members` make up group membership.
const GROUP_TYPE: &str = "Group";

/// What a write computed from the resource it read: the resource to
/// store, and the one it replaces, `previous`. The checks after the
/// computation (password hashing, the membership check, `meta` stamping)
/// read only the members of `previous` that [`checked_members`] keeps, so
/// a write may hand over just those.
struct Write {
    next: Value,
    previous: Value,
}

/// The members of a resource that the checks after a write read: `id`
/// and `meta` (stamping and the version), `password` (an unchanged one is
/// not hashed again), `members` (members already there are not checked
/// again) and the provenance object (kept by a SCIM write).
fn checked_members(view: &ResourceSchema<'_>, resource: &Value) -> Value {
    let names = ["id", "meta", "password", "members"]
        .into_iter()
        .chain(provenance::urn_of(view));
    let kept: Map<String, Value> = names
        .filter_map(|name| Some((name.to_owned(), resource.get(name)?.clone())))
        .collect();
    Value::Object(kept)
}

impl ScimServer {
    pub(crate) fn view<'c>(&self, ctx: &'c Ctx, rt: &str) -> Result<ResourceSchema<'c>> {
        ctx.schemas.registry.view(rt).ok_or_else(|| {
            ScimError::internal(format!("resource type {rt} is not fully registered"))
        })
    }

    /// The query limits for this request, with the filter extensions the
    /// tenant's compatibility profile allows.
    fn query_limits(&self, ctx: &Ctx) -> crate::query::QueryLimits {
        let mut limits = self.inner.config.query.clone();
        limits.value_path_sub_attr = ctx.compat.value_path_sub_attr_filters;
        limits
    }

    fn location(ctx: &Ctx, view: &ResourceSchema<'_>, id: &str) -> String {
        format!(
            "{}/{}/{}",
            ctx.base_url,
            view.resource_type.endpoint.trim_start_matches('/'),
            id
        )
    }

    /// The projection the request's `attributes`/`excludedAttributes`
    /// ask for.
    fn projection(&self, ctx: &Ctx, view: &ResourceSchema<'_>) -> Result<Arc<Projection>> {
        if ctx.param("attributes").is_none() && ctx.param("excludedAttributes").is_none() {
            if let Some(p) = Self::default_projection(ctx, view) {
                return Ok(p);
            }
        }
        let parse = |name: &str| -> Result<Vec<scim_filter::AttrPath>> {
            match ctx.param(name) {
                Some(list) => scim_filter::parse_attr_list(list)
                    .map_err(|e| ScimError::invalid_value(format!("{name}: {e}"))),
                None => Ok(Vec::new()),
            }
        };
        Projection::new(view, &parse("attributes")?, &parse("excludedAttributes")?).map(Arc::new)
    }

    fn default_projection(ctx: &Ctx, view: &ResourceSchema<'_>) -> Option<Arc<Projection>> {
        ctx.schemas
            .default_projections
            .get(&view.resource_type.name.to_ascii_lowercase())
            .cloned()
    }

    /// A resource as it is answered: derived attributes filled in, then
    /// projected.
    async fn present(
        &self,
        ctx: &Ctx,
        view: &ResourceSchema<'_>,
        mut resource: Value,
        projection: &Projection,
    ) -> Result<Value> {
        self.fill_groups(ctx, view, &mut resource).await?;
        Ok(projection.apply(&resource))
    }

    /// Fills a resource's readOnly `groups` from the groups that list it.
    async fn fill_groups(
        &self,
        ctx: &Ctx,
        view: &ResourceSchema<'_>,
        resource: &mut Value,
    ) -> Result<()> {
        let Some(loc) = view.resolve(None, "groups") else {
            return Ok(());
        };
        if loc.attribute.mutability != Mutability::ReadOnly {
            return Ok(());
        }
        let Some(group_view) = ctx.schemas.registry.view(GROUP_TYPE) else {
            return Ok(());
        };
        let Some(id) = resource
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            return Ok(());
        };
        let groups = self
            .inner
            .store
            .member_of(&ctx.principal.tenant, &group_view, &id)
            .await?;
        let refs: Vec<Value> = groups
            .iter()
            .filter_map(|g| {
                let gid = g.get("id")?.as_str()?;
                let mut r = json!({
                    "value": gid,
                    "$ref": Self::location(ctx, &group_view, gid),
                    "type": "direct",
                });
                if let Some(d) = g.get("displayName") {
                    r["display"] = d.clone();
                }
                Some(r)
            })
            .collect();
        if let Value::Object(obj) = resource {
            if refs.is_empty() {
                obj.remove(&loc.attribute.name);
            } else {
                obj.insert(loc.attribute.name.clone(), Value::Array(refs));
            }
        }
        Ok(())
    }

    /// Hands a newly written password to the password hook, so it is never
    /// stored in clear.
    fn secure_password(
        &self,
        ctx: &Ctx,
        view: &ResourceSchema<'_>,
        resource: &mut Value,
        previous: Option<&Value>,
    ) -> Result<()> {
        let hook = self
            .password_hook()
            .ok_or_else(|| ScimError::internal("password hook unavailable"))?;
        super::password::secure(
            &*hook,
            &ctx.principal.tenant,
            &view.resource_type.name,
            resource,
            previous,
        )
    }

    /// Checks the `members` a write adds: each must be an existing
    /// resource of this tenant; fills in `type` and `$ref`.
    async fn check_members(
        &self,
        ctx: &Ctx,
        view: &ResourceSchema<'_>,
        resource: &mut Value,
        previous: Option<&Value>,
    ) -> Result<()> {
        if !view.resource_type.name.eq_ignore_ascii_case(GROUP_TYPE) {
            return Ok(());
        }
        let old: std::collections::HashSet<&str> = previous
            .and_then(|p| p.get("members"))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|m| m.get("value")?.as_str()).collect())
            .unwrap_or_default();
        let Some(Value::Array(members)) = resource.get_mut("members") else {
            return Ok(());
        };
        let mut seen = std::collections::HashSet::new();
        members.retain(|m| {
            // Duplicate member values collapse to one.
            m.get("value")
                .and_then(Value::as_str)
                .map(|v| seen.insert(v.to_owned()))
                .unwrap_or(true)
        });
        for m in members.iter_mut() {
            let Some(value) = m.get("value").and_then(Value::as_str).map(str::to_owned) else {
                return Err(ScimError::invalid_value(
                    "every member needs a value (the member's id)",
                ));
            };
            if old.contains(value.as_str()) {
                // Checked when it was added; members are never re-read.
                continue;
            }
            let mut found = None;
            for rt in ["User", GROUP_TYPE] {
                if let Some(v) = ctx.schemas.registry.view(rt) {
                    if self
                        .inner
                        .store
                        .get(&ctx.principal.tenant, &v, &value)
                        .await?
                        .is_some()
                    {
                        found = Some((rt, Self::location(ctx, &v, &value)));
                        break;
                    }
                }
            }
            let Some((rt, location)) = found else {
                if self.inner.config.reject_unknown_members {
                    return Err(ScimError::invalid_value(format!(
                        "member {value} is not an existing User or Group"
                    )));
                }
                continue;
            };
            if let Value::Object(obj) = m {
                obj.insert("type".into(), Value::String(rt.to_owned()));
                obj.insert("$ref".into(), Value::String(location));
            }
        }
        Ok(())
    }

    // ---- operations shared by the HTTP handlers and bulk ----

    /// Creates a resource from a request body; returns it as stored.
    pub(crate) async fn op_create(&self, ctx: &Ctx, rt: &str, body: Value) -> Result<Value> {
        let view = self.view(ctx, rt)?;
        let mut resource = prepare_create(&view, body, &ctx.compat)?;
        self.secure_password(ctx, &view, &mut resource, None)?;
        self.check_members(ctx, &view, &mut resource, None).await?;
        // Provenance is readOnly, so validation dropped any client input
        // for it; stamp it after.
        provenance::stamp_created(
            &view,
            &mut resource,
            Source::Scim,
            ctx.channel,
            time::OffsetDateTime::now_utc(),
        );
        let id = uuid::Uuid::new_v4().to_string();
        let location = Self::location(ctx, &view, &id);
        meta::stamp_new(&mut resource, &id, &view.resource_type.name, location);
        let stored = self
            .inner
            .store
            .create(&ctx.principal.tenant, &view, resource)
            .await?;
        self.record(ctx, &view, &id, Operation::Create, &Value::Null, &stored);
        Ok(stored)
    }

    /// Emits the event of a write that turned `before` into `after`;
    /// nothing when the write changed nothing.
    fn record(
        &self,
        ctx: &Ctx,
        view: &ResourceSchema<'_>,
        id: &str,
        operation: Operation,
        before: &Value,
        after: &Value,
    ) {
        if self.event_sink().is_none() {
            return;
        }
        let changed = changed_attributes(before, after);
        if changed.is_empty() && operation != Operation::Delete {
            return;
        }
        self.emit(
            ProvisioningEvent::new(
                ctx.principal.tenant.clone(),
                view.resource_type.name.clone(),
                id,
                operation,
                ctx.channel,
                ctx.principal.actor.clone(),
            )
            .with_changed(changed),
        );
    }

    async fn load(&self, ctx: &Ctx, view: &ResourceSchema<'_>, id: &str) -> Result<Value> {
        self.inner
            .store
            .get(&ctx.principal.tenant, view, id)
            .await?
            .ok_or_else(|| ScimError::not_found(format!("Resource {id} not found")))
    }

    fn check_if_match(if_match: Option<&str>, current: &Value) -> Result<()> {
        if let Some(want) = if_match {
            let have = meta::version(current).unwrap_or("");
            if !meta::etag_matches(want, have) {
                return Err(ScimError::precondition_failed(format!(
                    "If-Match {want} does not match the current version {have}"
                )));
            }
        }
        Ok(())
    }

    /// Replaces a resource (PUT). Without `if_match`, retries on a
    /// concurrent change, last writer wins.
    pub(crate) async fn op_replace(
        &self,
        ctx: &Ctx,
        rt: &str,
        id: &str,
        body: Value,
        if_match: Option<&str>,
    ) -> Result<Value> {
        let view = self.view(ctx, rt)?;
        let (stored, before) = self
            .write_loop(ctx, &view, id, if_match, |current| {
                let mut next = prepare_replace(&view, &current, body.clone(), &ctx.compat)?;
                // A SCIM write adopts a JIT-made account.
                provenance::adopt(&view, &current, &mut next);
                Ok(Write {
                    next,
                    previous: current,
                })
            })
            .await?;
        self.record(ctx, &view, id, Operation::Replace, &before, &stored);
        Ok(stored)
    }

    /// Applies a PATCH request body.
    pub(crate) async fn op_patch(
        &self,
        ctx: &Ctx,
        rt: &str,
        id: &str,
        body: Value,
        if_match: Option<&str>,
    ) -> Result<Value> {
        let view = self.view(ctx, rt)?;
        let request = PatchRequest::from_json(&body, &ctx.compat)?;
        let keep = self.event_sink().is_some();
        let (stored, before) = self
            .write_loop(ctx, &view, id, if_match, |current| {
                // The resource just read is patched without a copy: on
                // error it is dropped, and the stored one is unchanged.
                // Of the old resource the checks after the write need a
                // few members, unless an event lists the changes.
                let previous = if keep {
                    current.clone()
                } else {
                    checked_members(&view, &current)
                };
                let mut next = apply_patch_owned(&view, current, &request, &ctx.compat)?;
                // A SCIM write adopts a JIT-made account.
                provenance::adopt(&view, &previous, &mut next);
                Ok(Write { next, previous })
            })
            .await?;
        self.record(ctx, &view, id, Operation::Patch, &before, &stored);
        Ok(stored)
    }

    /// Read, compute, compare-and-swap; on a concurrent change retry, unless
    /// the client pinned a version with If-Match. `compute` gets the
    /// resource as read. Returns the stored resource and the `previous`
    /// that `compute` returned for the attempt that was stored.
    async fn write_loop(
        &self,
        ctx: &Ctx,
        view: &ResourceSchema<'_>,
        id: &str,
        if_match: Option<&str>,
        mut compute: impl FnMut(Value) -> Result<Write>,
    ) -> Result<(Value, Value)> {
        let retries = self.inner.config.patch_retries.max(1);
        for attempt in 0..retries {
            let current = self.load(ctx, view, id).await?;
            Self::check_if_match(if_match, &current)?;
            let Write { mut next, previous } = compute(current)?;
            self.secure_password(ctx, view, &mut next, Some(&previous))?;
            self.check_members(ctx, view, &mut next, Some(&previous))
                .await?;
            meta::stamp_update(&mut next, &previous);
            if meta::version(&next) == meta::version(&previous) {
                // Equal versions are equal content, and `stamp_update`
                // kept `meta` as it was: `next` is the stored resource.
                return Ok((next, previous));
            }
            let expected = meta::version(&previous).map(str::to_owned);
            match self
                .inner
                .store
                .replace(&ctx.principal.tenant, view, id, expected.as_deref(), next)
                .await
            {
                Ok(stored) => return Ok((stored, previous)),
                Err(StoreError::VersionMismatch { .. }) if if_match.is_none() => {
                    if attempt > 4 {
                        tokio_free_yield().await;
                    }
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(ScimError::conflict(
            "the resource kept changing concurrently; retry the request",
        ))
    }

    /// Deletes a resource and removes it from every group that lists it.
    pub(crate) async fn op_delete(
        &self,
        ctx: &Ctx,
        rt: &str,
        id: &str,
        if_match: Option<&str>,
    ) -> Result<()> {
        let view = self.view(ctx, rt)?;
        let retries = self.inner.config.patch_retries.max(1);
        let mut deleted = false;
        for _ in 0..retries {
            let current = self.load(ctx, &view, id).await?;
            Self::check_if_match(if_match, &current)?;
            let expected = meta::version(&current).map(str::to_owned);
            match self
                .inner
                .store
                .delete(&ctx.principal.tenant, &view, id, expected.as_deref())
                .await
            {
                Ok(()) => {
                    deleted = true;
                    break;
                }
                // Changed between our read and the delete: without If-Match
                // the delete still wins, so read again and retry.
                Err(StoreError::VersionMismatch { .. }) if if_match.is_none() => continue,
                Err(e) => return Err(e.into()),
            }
        }
        if !deleted {
            return Err(ScimError::conflict(
                "the resource kept changing concurrently; retry the request",
            ));
        }
        self.record(
            ctx,
            &view,
            id,
            Operation::Delete,
            &Value::Null,
            &Value::Null,
        );
        self.remove_from_groups(ctx, id).await
    }

    async fn remove_from_groups(&self, ctx: &Ctx, member_id: &str) -> Result<()> {
        let Some(group_view) = ctx.schemas.registry.view(GROUP_TYPE) else {
            return Ok(());
        };
        let groups = self
            .inner
            .store
            .member_of(&ctx.principal.tenant, &group_view, member_id)
            .await?;
        for g in groups {
            let Some(gid) = g.get("id").and_then(Value::as_str) else {
                continue;
            };
            let result = self
                .write_loop(ctx, &group_view, gid, None, |current| {
                    let mut next = current.clone();
                    if let Some(Value::Array(members)) = next.get_mut("members") {
                        members
                            .retain(|m| m.get("value").and_then(Value::as_str) != Some(member_id));
                        if members.is_empty() {
                            if let Value::Object(obj) = &mut next {
                                obj.remove("members");
                            }
                        }
                    }
                    Ok(Write {
                        next,
                        previous: current,
                    })
                })
                .await;
            match result {
                Ok(_) => {}
                // The group went away meanwhile: nothing to clean.
                Err(e) if e.status() == 404 => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    // ---- HTTP handlers ----

    pub(crate) async fn create(
        &self,
        ctx: &Ctx,
        rt: &str,
        body: &Bytes,
    ) -> Result<Response<Bytes>> {
        let body = parse_body(body)?;
        let view = self.view(ctx, rt)?;
        let projection = self.projection(ctx, &view)?;
        let stored = self.op_create(ctx, rt, body).await?;
        self.answer(ctx, &view, stored, &projection, 201).await
    }

    /// A resource answer: derived attributes, projection, and the `ETag`
    /// and `Location` headers of the stored resource.
    async fn answer(
        &self,
        ctx: &Ctx,
        view: &ResourceSchema<'_>,
        stored: Value,
        projection: &Projection,
        status: u16,
    ) -> Result<Response<Bytes>> {
        let headers_from = json!({"meta": stored.get("meta").cloned().unwrap_or(Value::Null)});
        let out = self.present(ctx, view, stored, projection).await?;
        Ok(response::with_resource_headers(
            response::json(status, &out),
            &headers_from,
        ))
    }

    pub(crate) async fn get(&self, ctx: &Ctx, rt: &str, id: &str) -> Result<Response<Bytes>> {
        let view = self.view(ctx, rt)?;
        let projection = self.projection(ctx, &view)?;
        let stored = self.load(ctx, &view, id).await?;
        if let (Some(inm), Some(v)) = (
            ctx.header(http::header::IF_NONE_MATCH),
            meta::version(&stored),
        ) {
            if meta::etag_matches(inm, v) {
                return Ok(response::with_resource_headers(
                    response::empty(304),
                    &stored,
                ));
            }
        }
        self.answer(ctx, &view, stored, &projection, 200).await
    }

    pub(crate) async fn replace(
        &self,
        ctx: &Ctx,
        rt: &str,
        id: &str,
        body: &Bytes,
    ) -> Result<Response<Bytes>> {
        let body = parse_body(body)?;
        let view = self.view(ctx, rt)?;
        let projection = self.projection(ctx, &view)?;
        let if_match = ctx.header(http::header::IF_MATCH).map(str::to_owned);
        let stored = self
            .op_replace(ctx, rt, id, body, if_match.as_deref())
            .await?;
        self.answer(ctx, &view, stored, &projection, 200).await
    }

    pub(crate) async fn patch(
        &self,
        ctx: &Ctx,
        rt: &str,
        id: &str,
        body: &Bytes,
    ) -> Result<Response<Bytes>> {
        let body = parse_body(body)?;
        let view = self.view(ctx, rt)?;
        let projection = self.projection(ctx, &view)?;
        let if_match = ctx.header(http::header::IF_MATCH).map(str::to_owned);
        let stored = self
            .op_patch(ctx, rt, id, body, if_match.as_deref())
            .await?;
        self.answer(ctx, &view, stored, &projection, 200).await
    }

    pub(crate) async fn delete(&self, ctx: &Ctx, rt: &str, id: &str) -> Result<Response<Bytes>> {
        let if_match = ctx.header(http::header::IF_MATCH).map(str::to_owned);
        self.op_delete(ctx, rt, id, if_match.as_deref()).await?;
        Ok(response::empty(204))
    }

    pub(crate) async fn list(&self, ctx: &Ctx, rt: &str) -> Result<Response<Bytes>> {
        let request =
            ListRequest::from_query_pairs(ctx.query.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        self.run_list(ctx, rt, request).await
    }

    pub(crate) async fn search(
        &self,
        ctx: &Ctx,
        rt: &str,
        body: &Bytes,
    ) -> Result<Response<Bytes>> {
        let request = ListRequest::from_search_request(&parse_body(body)?)?;
        self.run_list(ctx, rt, request).await
    }

    async fn run_list(&self, ctx: &Ctx, rt: &str, request: ListRequest) -> Result<Response<Bytes>> {
        let view = self.view(ctx, rt)?;
        let (query, paging) = request.to_list_query(&view, &self.query_limits(ctx))?;
        let projection = match Self::default_projection(ctx, &view) {
            Some(p) if request.attributes.is_empty() && request.excluded_attributes.is_empty() => p,
            _ => Arc::new(request.projection(&view)?),
        };
        let page = self
            .inner
            .store
            .list(&ctx.principal.tenant, &view, &query)
            .await?;
        let mut resources = Vec::with_capacity(page.resources.len());
        for r in page.resources {
            resources.push(self.present(ctx, &view, r, &projection).await?);
        }
        let page = ListPage {
            resources,
            total_results: page.total_results,
        };
        Ok(response::json(
            200,
            &ListResponse::new(page, &query, &paging).to_json(),
        ))
    }

    /// POST /.search: the filter runs over every resource type; types the
    /// filter cannot apply to (it names attributes they lack) are skipped.
    pub(crate) async fn search_root(&self, ctx: &Ctx, body: &Bytes) -> Result<Response<Bytes>> {
        let request = ListRequest::from_search_request(&parse_body(body)?)?;
        let mut all = Vec::new();
        let mut first_err = None;
        let mut any_ok = false;
        let types: Vec<String> = ctx
            .schemas
            .registry
            .resource_types()
            .iter()
            .map(|t| t.name.clone())
            .collect();
        let mut total = 0;
        let mut window = None;
        for rt in &types {
            let view = self.view(ctx, rt)?;
            let (mut query, paging) = match request.to_list_query(&view, &self.query_limits(ctx)) {
                Ok(q) => q,
                Err(e) => {
                    first_err.get_or_insert(e);
                    continue;
                }
            };
            any_ok = true;
            let projection = tolerant_projection(&request, &view)?;
            let (start, count) = (query.start_index, query.count);
            window.get_or_insert((paging, query.clone()));
            // Fetch everything that could fall in the window, then cut once
            // across all types.
            query.start_index = 1;
            query.count = start
                .saturating_sub(1)
                .saturating_add(count)
                .saturating_sub(all.len());
            let page = self
                .inner
                .store
                .list(&ctx.principal.tenant, &view, &query)
                .await?;
            total += page.total_results;
            for r in page.resources {
                all.push(self.present(ctx, &view, r, &projection).await?);
            }
        }
        if !any_ok {
            return Err(
                first_err.unwrap_or_else(|| ScimError::invalid_filter("no resource type matches"))
            );
        }
        let Some((paging, query)) = window else {
            return Err(ScimError::invalid_filter("no resource type matches"));
        };
        let skip = query.start_index.saturating_sub(1);
        let resources: Vec<Value> = all.into_iter().skip(skip).take(query.count).collect();
        let page = ListPage {
            resources,
            total_results: total,
        };
        Ok(response::json(
            200,
            &ListResponse::new(page, &query, &paging).to_json(),
        ))
    }
}

/// The projection of a root search for one resource type: attribute names
/// the type does not have are dropped rather than refused, since the
/// request spans types.
fn tolerant_projection(request: &ListRequest, view: &ResourceSchema<'_>) -> Result<Projection> {
    let known = |text: &String| {
        scim_filter::parse_attr_path(text).is_ok_and(|p| {
            p.as_schema_urn()
                .is_some_and(|urn| view.schema_urns().any(|u| u.eq_ignore_ascii_case(&urn)))
                || view.resolve(p.urn.as_deref(), &p.name).is_some()
        })
    };
    let mut r = request.clone();
    r.attributes.retain(known);
    r.excluded_attributes.retain(known);
    if r.attributes.is_empty() && !request.attributes.is_empty() {
        // Asked only for attributes this type lacks: answer the minimum.
        r.attributes.push("id".into());
    }
    r.projection(view)
}

/// Lets other tasks run between CAS retries without depending on a runtime.
async fn tokio_free_yield() {
    struct YieldOnce(bool);
    impl std::future::Future for YieldOnce {
        type Output = ();
        fn poll(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            if self.0 {
                std::task::Poll::Ready(())
            } else {
                self.0 = true;
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            }
        }
    }
    YieldOnce(false).await
}
