//! Building HTTP responses: SCIM JSON bodies, errors, and the headers every
//! answer carries.

use crate::ScimError;
use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};
use serde_json::Value;

/// The SCIM media type.
pub const SCIM_JSON: &str = "application/scim+json";

/// A response with a SCIM JSON body.
pub fn json(status: u16, body: &Value) -> Response<Bytes> {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut res = Response::new(Bytes::from(bytes));
    *res.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    res
}

/// The RFC 7644 §3.12 error response for `e`.
pub fn error(e: &ScimError) -> Response<Bytes> {
    let mut res = json(e.status(), &e.to_json());
    if e.status() == 401 {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"SCIM\""),
        );
    }
    res
}

/// A response with no body.
pub fn empty(status: u16) -> Response<Bytes> {
    let mut res = Response::new(Bytes::new());
    *res.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::NO_CONTENT);
    res
}

/// Adds `ETag` and `Location` headers from a resource's `meta`.
pub fn with_resource_headers(mut res: Response<Bytes>, resource: &Value) -> Response<Bytes> {
    let meta = &resource["meta"];
    if let Some(v) = meta["version"]
        .as_str()
        .and_then(|v| HeaderValue::from_str(v).ok())
    {
        res.headers_mut().insert(header::ETAG, v);
    }
    if let Some(l) = meta["location"]
        .as_str()
        .and_then(|l| HeaderValue::from_str(l).ok())
    {
        res.headers_mut().insert(header::LOCATION, l);
    }
    res
}
