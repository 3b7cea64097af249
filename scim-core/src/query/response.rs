//! [`ListResponse`]: the RFC 7644 §3.4.2 ListResponse body.

use super::cursor::Cursor;
use super::{ListPage, ListQuery, PagingMode};
use crate::projection::Projection;
use crate::schema::LIST_RESPONSE_SCHEMA;
use serde_json::{json, Map, Value};

/// A ListResponse, ready to serialise with [`ListResponse::to_json`].
#[derive(Debug, Clone, PartialEq)]
pub struct ListResponse {
    /// How many resources match in all.
    pub total_results: usize,
    /// The 1-based index of the first resource on this page.
    pub start_index: usize,
    /// The resources on this page (projected, once
    /// [`ListResponse::map_resources`] has run).
    pub resources: Vec<Value>,
    /// Whether the page is described by cursors rather than `startIndex`.
    pub cursor_mode: bool,
    /// In cursor mode, the cursor of the next page, if there is one.
    pub next_cursor: Option<String>,
    /// In cursor mode, the cursor of the previous page, if there is one.
    pub previous_cursor: Option<String>,
}

impl ListResponse {
    /// The response for `page`, the answer to `query`, in `paging` mode.
    ///
    /// In cursor mode `nextCursor` is set when resources remain after this
    /// page and `previousCursor` when this page does not start at the
    /// first resource; a page of `count` 0 has neither (it cannot move).
    pub fn new(page: ListPage, query: &ListQuery, paging: &PagingMode) -> Self {
        let start_index = query.start_index.max(1);
        let offset = start_index - 1;
        let mut response = ListResponse {
            total_results: page.total_results,
            start_index,
            cursor_mode: false,
            next_cursor: None,
            previous_cursor: None,
            resources: page.resources,
        };
        if let PagingMode::Cursor(c) = paging {
            response.cursor_mode = true;
            let mint = |offset: usize| {
                Cursor {
                    offset: u64::try_from(offset).unwrap_or(u64::MAX),
                    issued_at: c.issued_at,
                    fingerprint: c.fingerprint,
                }
                .encode()
            };
            if query.count > 0 {
                let next = offset.saturating_add(response.resources.len());
                if !response.resources.is_empty() && next < response.total_results {
                    response.next_cursor = Some(mint(next));
                }
                if offset > 0 {
                    let prev = offset
                        .saturating_sub(query.count)
                        .min(response.total_results.saturating_sub(query.count));
                    response.previous_cursor = Some(mint(prev));
                }
            }
        }
        response
    }

    /// Applies `f` to every resource (the projection of `attributes` and
    /// `excludedAttributes`).
    pub fn map_resources(mut self, mut f: impl FnMut(Value) -> Value) -> Self {
        self.resources = self.resources.into_iter().map(&mut f).collect();
        self
    }

    /// Projects every resource (see [`ListRequest::projection`]).
    ///
    /// [`ListRequest::projection`]: super::ListRequest::projection
    pub fn project(self, projection: &Projection) -> Self {
        self.map_resources(|r| projection.apply(&r))
    }

    /// The JSON body: `schemas`, `totalResults`, `itemsPerPage`, then
    /// `startIndex` (index mode) or `nextCursor`/`previousCursor` (cursor
    /// mode), then `Resources`.
    pub fn to_json(&self) -> Value {
        let mut body = Map::new();
        body.insert("schemas".into(), json!([LIST_RESPONSE_SCHEMA]));
        body.insert("totalResults".into(), json!(self.total_results));
        body.insert("itemsPerPage".into(), json!(self.resources.len()));
        if self.cursor_mode {
            if let Some(c) = &self.next_cursor {
                body.insert("nextCursor".into(), json!(c));
            }
            if let Some(c) = &self.previous_cursor {
                body.insert("previousCursor".into(), json!(c));
            }
        } else {
            body.insert("startIndex".into(), json!(self.start_index));
        }
        body.insert("Resources".into(), Value::Array(self.resources.clone()));
        Value::Object(body)
    }
}
