//! Collecting operation results into a BulkResponse (RFC 7644 §3.7.3).

use super::request::{BulkMethod, BulkRequest};
use crate::error::ScimError;
use crate::schema::BULK_RESPONSE_SCHEMA;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// The outcome of one operation, as the server reports it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BulkOperationResult {
    /// The HTTP status of the operation (201, 200, 204, or the error's).
    pub status: u16,
    /// The resource's absolute URL. RFC 7644 §3.7 requires it in every
    /// result except a failed POST.
    pub location: Option<String>,
    /// The resource's version after the operation (its ETag).
    pub version: Option<String>,
    /// The error, for a failed operation; rendered as the result's
    /// `response`.
    pub error: Option<ScimError>,
    /// The id a successful POST created; later operations' `bulkId:`
    /// references to this POST resolve to it.
    pub id: Option<String>,
}

impl BulkOperationResult {
    /// A success with the given status (201 for POST, 200 for PUT and
    /// PATCH, 204 for DELETE).
    pub fn success(status: u16) -> Self {
        BulkOperationResult {
            status,
            location: None,
            version: None,
            error: None,
            id: None,
        }
    }

    /// A failure; the status is the error's.
    pub fn failure(error: ScimError) -> Self {
        BulkOperationResult {
            status: error.status(),
            location: None,
            version: None,
            error: Some(error),
            id: None,
        }
    }

    /// Sets the location.
    pub fn with_location(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// Sets the version.
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// Sets the created id.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Whether this result counts as an error against `failOnErrors`.
    pub fn is_error(&self) -> bool {
        self.error.is_some() || self.status >= 400
    }
}

/// What the builder keeps of each request operation to echo it back.
#[derive(Debug, Clone)]
struct Echo {
    method: Option<String>,
    bulk_id: Option<String>,
    is_post: bool,
    /// (endpoint, id segment as sent) for a well-formed non-POST.
    resource: Option<(String, String)>,
}

/// Collects results while the server runs a [`super::BulkPlan`], tracks the
/// ids POSTs create, stops after `failOnErrors` errors, and renders the
/// BulkResponse in request order.
#[derive(Debug, Clone)]
pub struct BulkResponseBuilder {
    echo: Vec<Echo>,
    results: Vec<Option<BulkOperationResult>>,
    ids: HashMap<String, String>,
    errors: usize,
    fail_on_errors: Option<usize>,
    base_url: Option<String>,
}

impl BulkResponseBuilder {
    /// A builder for `request`'s operations.
    pub fn new(request: &BulkRequest) -> Self {
        let echo = request
            .operations()
            .iter()
            .map(|op| match op {
                Ok(op) => Echo {
                    method: Some(op.method().as_str().to_owned()),
                    bulk_id: op.bulk_id().map(str::to_owned),
                    is_post: op.method() == BulkMethod::Post,
                    resource: op
                        .path()
                        .id()
                        .map(|id| (op.path().endpoint().to_owned(), id.to_owned())),
                },
                Err(inv) => Echo {
                    method: inv.method.clone(),
                    bulk_id: inv.bulk_id.clone(),
                    is_post: false,
                    resource: None,
                },
            })
            .collect::<Vec<_>>();
        BulkResponseBuilder {
            results: vec![None; echo.len()],
            echo,
            ids: HashMap::new(),
            errors: 0,
            fail_on_errors: request.fail_on_errors(),
            base_url: None,
        }
    }

    /// Fills in `location` for results that lack one: RFC 7644 §3.7
    /// requires it for every result but a failed POST, including
    /// operations the plan rejected. For a PUT, PATCH or DELETE it is
    /// `base_url` + the operation's path, with a `bulkId:` id replaced when
    /// its POST has succeeded (and left out when it has not: there is no
    /// resource to point at).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        let mut base = base_url.into();
        while base.ends_with('/') {
            base.pop();
        }
        self.base_url = Some(base);
        self
    }

    /// Records the result of the operation at request index `index`.
    ///
    /// A successful POST with an id makes its bulkId resolvable for the
    /// operations after it. Returns whether processing should go on: once
    /// `failOnErrors` errors are recorded it is `false` and the remaining
    /// operations must be skipped (they are left out of the response).
    /// Results recorded after that, or for an index the request does not
    /// have, are ignored.
    pub fn record(&mut self, index: usize, mut result: BulkOperationResult) -> bool {
        if self.is_stopped() {
            return false;
        }
        let Some(echo) = self.echo.get(index) else {
            return true;
        };
        if result.is_error() {
            self.errors += 1;
        } else if echo.is_post {
            if let (Some(bulk_id), Some(id)) = (&echo.bulk_id, &result.id) {
                self.ids.insert(bulk_id.clone(), id.clone());
            }
        }
        if result.location.is_none() {
            result.location = self.default_location(echo);
        }
        // A second result for the same operation replaces the first; its
        // error (if any) was already counted.
        if let Some(slot) = self.results.get_mut(index) {
            *slot = Some(result);
        }
        !self.is_stopped()
    }

    fn default_location(&self, echo: &Echo) -> Option<String> {
        let base = self.base_url.as_deref()?;
        let (endpoint, id) = echo.resource.as_ref()?;
        let id = match super::refs::reference(id) {
            Some(bulk_id) => self.ids.get(bulk_id)?,
            None => id,
        };
        Some(format!("{base}{endpoint}/{id}"))
    }

    /// Whether `failOnErrors` was reached, so the remaining operations
    /// must not run.
    pub fn is_stopped(&self) -> bool {
        self.fail_on_errors
            .is_some_and(|limit| self.errors >= limit)
    }

    /// How many errors were recorded.
    pub fn error_count(&self) -> usize {
        self.errors
    }

    /// bulkId -> created id, for every POST that succeeded so far: the map
    /// [`super::BulkOperation::resolve`] and [`super::resolve_references`]
    /// take.
    pub fn created_ids(&self) -> &HashMap<String, String> {
        &self.ids
    }

    /// The BulkResponse body: one entry per processed operation, in request
    /// order, with `method`, `bulkId`, `version`, `location`, `status` (a
    /// string) and, for failures, `response` (the RFC 7644 §3.12 error
    /// body).
    pub fn to_json(&self) -> Value {
        let operations: Vec<Value> = self
            .results
            .iter()
            .zip(&self.echo)
            .filter_map(|(result, echo)| result.as_ref().map(|r| entry(echo, r)))
            .collect();
        json!({
            "schemas": [BULK_RESPONSE_SCHEMA],
            "Operations": operations,
        })
    }
}

fn entry(echo: &Echo, r: &BulkOperationResult) -> Value {
    let mut m = Map::new();
    if let Some(loc) = &r.location {
        m.insert("location".into(), Value::String(loc.clone()));
    }
    if let Some(method) = &echo.method {
        m.insert("method".into(), Value::String(method.clone()));
    }
    if let Some(bulk_id) = &echo.bulk_id {
        m.insert("bulkId".into(), Value::String(bulk_id.clone()));
    }
    if let Some(version) = &r.version {
        m.insert("version".into(), Value::String(version.clone()));
    }
    m.insert("status".into(), Value::String(r.status.to_string()));
    match &r.error {
        Some(e) => {
            m.insert("response".into(), e.to_json());
        }
        None if r.status >= 400 => {
            // RFC 7644 §3.7: a non-2xx result MUST carry a response body.
            let e = ScimError::new(r.status, None, "the operation failed");
            m.insert("response".into(), e.to_json());
        }
        None => {}
    }
    Value::Object(m)
}
