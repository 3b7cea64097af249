//! List and `.search` queries (RFC 7644 §3.4.2, §3.4.3; RFC 9865 cursor
//! paging).
//!
//! The pipeline, one stage per file:
//!
//! 1. [`ListRequest`] (`request.rs`): what the client sent, from GET query
//!    parameters or a SearchRequest body, checked for shape only.
//! 2. [`ListRequest::to_list_query`]: the filter and `sortBy` validated
//!    against the resource type's schema, page size capped by
//!    [`QueryLimits`], a cursor decoded and checked (`cursor.rs`). The
//!    result is a [`ListQuery`] the store answers, and a [`PagingMode`]
//!    saying how to describe the page.
//! 3. The store answers with a [`ListPage`]; stores without a query
//!    language of their own use [`execute`] (`exec.rs`, sorting in
//!    `sort.rs`).
//! 4. [`ListResponse`] (`response.rs`) builds the RFC 7644 §3.4.2
//!    ListResponse body, with `nextCursor`/`previousCursor` in cursor mode.
//!
//! ```
//! use scim_core::query::{execute, ListRequest, ListResponse, QueryLimits};
//! use scim_core::Registry;
//! use serde_json::json;
//!
//! let registry = Registry::with_builtins();
//! let users = registry.view("User").unwrap();
//! let request = ListRequest::from_query_pairs([("sortBy", "userName"), ("count", "1")]).unwrap();
//! let (query, paging) = request.to_list_query(&users, &QueryLimits::default()).unwrap();
//! let data = [json!({"id": "2", "userName": "bob"}), json!({"id": "1", "userName": "alice"})];
//! let page = execute(&users, data.iter(), &query).unwrap();
//! let body = ListResponse::new(page, &query, &paging).to_json();
//! assert_eq!(body["totalResults"], 2);
//! assert_eq!(body["Resources"][0]["userName"], "alice");
//! ```

mod cursor;
mod exec;
mod request;
mod response;
mod sort;

pub use exec::{execute, Candidate};
pub use request::ListRequest;
pub use response::ListResponse;
pub use scim_filter::PackedValue;
pub(crate) use sort::member;

use scim_filter::{AttrPath, Filter, SortOrder};
use serde_json::Value;
use std::time::Duration;

/// The store-facing part of a list request: which resources, in which
/// order, which page. Projection (`attributes`) is applied by the caller.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListQuery {
    /// Only resources matching this filter.
    pub filter: Option<Filter>,
    /// Sort by this attribute; `None` keeps the store's stable order
    /// (creation order).
    pub sort_by: Option<AttrPath>,
    /// Sort direction.
    pub sort_order: SortOrder,
    /// 1-based index of the first result to return (`0` is read as `1`).
    pub start_index: usize,
    /// Maximum number of results to return (already capped by the
    /// configured maximum). `0` asks only for `totalResults`.
    pub count: usize,
}

impl ListQuery {
    /// A query for every resource, in store order, first page of `count`.
    pub fn all(count: usize) -> Self {
        ListQuery {
            start_index: 1,
            count,
            ..ListQuery::default()
        }
    }

    /// Returns this query with the given filter.
    pub fn with_filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Returns this query sorted by `path` in `order`.
    pub fn with_sort(mut self, path: AttrPath, order: SortOrder) -> Self {
        self.sort_by = Some(path);
        self.sort_order = order;
        self
    }

    /// Returns this query starting at the 1-based `start_index`.
    pub fn with_start_index(mut self, start_index: usize) -> Self {
        self.start_index = start_index;
        self
    }

    /// The 0-based offset of the first result.
    pub fn offset(&self) -> usize {
        self.start_index.saturating_sub(1)
    }
}

/// One page of results from a store.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListPage {
    /// The resources on this page, in order.
    pub resources: Vec<Value>,
    /// How many resources match the filter in all.
    pub total_results: usize,
}

/// The bounds a list request must stay within. Every one is configurable;
/// the page sizes are advertised in ServiceProviderConfig.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueryLimits {
    /// Page size when the request names no `count` (100).
    pub default_page_size: usize,
    /// Largest page served (1000). A larger index-mode `count` is capped
    /// (RFC 7644 lets a provider return fewer); in cursor mode it is
    /// 400 invalidCount (RFC 9865).
    pub max_page_size: usize,
    /// Longest filter accepted, in bytes (8192); longer is 400
    /// invalidFilter.
    pub max_filter_len: usize,
    /// Deepest filter nesting accepted (64): parentheses, `not (...)` and
    /// value filters each add a level (`and`/`or` chains do not; the
    /// parser builds them in a loop). Deeper is 400 invalidFilter.
    pub max_filter_depth: usize,
    /// How long a cursor stays valid after it was issued (10 minutes);
    /// older is 400 expiredCursor.
    pub cursor_lifetime: Duration,
    /// Whether filters may use the non-standard `attr[filter].sub op
    /// value` form (off; the server turns it on for tenants whose
    /// compatibility profile allows it, see
    /// [`crate::Compat::value_path_sub_attr_filters`]).
    pub value_path_sub_attr: bool,
}

impl Default for QueryLimits {
    fn default() -> Self {
        QueryLimits {
            default_page_size: 100,
            max_page_size: 1000,
            max_filter_len: scim_filter::ParseOptions::DEFAULT_MAX_LEN,
            max_filter_depth: scim_filter::ParseOptions::DEFAULT_MAX_DEPTH,
            cursor_lifetime: Duration::from_secs(600),
            value_path_sub_attr: false,
        }
    }
}

impl QueryLimits {
    /// Returns these limits with another default page size.
    pub fn with_default_page_size(mut self, n: usize) -> Self {
        self.default_page_size = n;
        self
    }

    /// Returns these limits with another maximum page size.
    pub fn with_max_page_size(mut self, n: usize) -> Self {
        self.max_page_size = n;
        self
    }

    /// Returns these limits with another maximum filter length (bytes).
    pub fn with_max_filter_len(mut self, n: usize) -> Self {
        self.max_filter_len = n;
        self
    }

    /// Returns these limits with another maximum filter depth.
    pub fn with_max_filter_depth(mut self, n: usize) -> Self {
        self.max_filter_depth = n;
        self
    }

    /// Returns these limits with another cursor lifetime.
    pub fn with_cursor_lifetime(mut self, d: Duration) -> Self {
        self.cursor_lifetime = d;
        self
    }
}

/// How the client pages through results, and so how the response
/// describes the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PagingMode {
    /// RFC 7644 index paging: the response carries `startIndex`.
    Index,
    /// RFC 9865 cursor paging: the response carries `nextCursor` and
    /// `previousCursor` instead of `startIndex`.
    Cursor(CursorPaging),
}

/// What is needed to mint the cursors of a cursor-mode response: the
/// query's fingerprint and the time the request was served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorPaging {
    pub(crate) fingerprint: u64,
    pub(crate) issued_at: u64,
}
