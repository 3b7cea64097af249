//! HTTP tests against the example app, driven in-process (no sockets).
#![allow(clippy::unwrap_used, clippy::new_without_default, missing_docs)]

mod bulk;
mod crud;
mod discovery;
mod errors;
mod groups;
mod idp;
mod jit;
mod lists;
mod patch;
mod security;

use axum::body::Body;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;

pub const TOKEN: &str = "test-token";

/// An app over a fresh memory store.
pub struct App {
    router: axum::Router,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl App {
    pub fn new() -> Self {
        let store = Arc::new(scim_store_memory::MemoryStore::new());
        let server = scim_axum_example::server(store, TOKEN, "t1");
        App {
            router: scim_axum_example::app(server),
        }
    }

    pub fn from_router(router: axum::Router) -> Self {
        App { router }
    }

    pub fn with_config(config: scim_core::server::ServerConfig) -> Self {
        let server = scim_core::server::ScimServer::new(
            scim_core::Registry::with_builtins(),
            Arc::new(scim_store_memory::MemoryStore::new()),
            Arc::new(scim_core::server::BearerTokens::new().with_token(TOKEN, "t1")),
            config,
        );
        App {
            router: scim_axum_example::app(server),
        }
    }

    pub async fn raw(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        self.call_with(method, path, body, &[]).await
    }

    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        self.call_as(TOKEN, method, path, body, headers).await
    }

    pub async fn call_as(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut b = Request::builder()
            .method(method)
            .uri(format!("/scim/v2{path}"))
            .header("authorization", format!("Bearer {token}"))
            .header("host", "scim.example.com");
        if body.is_some() {
            b = b.header("content-type", "application/scim+json");
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let body = body
            .map(|v| Body::from(v.to_string()))
            .unwrap_or_else(Body::empty);
        self.raw(b.body(body).unwrap()).await
    }

    pub async fn create_user(&self, user_name: &str) -> Value {
        let r = self
            .call(
                "POST",
                "/Users",
                Some(json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": user_name,
                    "name": {"givenName": "Given", "familyName": user_name},
                    "emails": [{"value": format!("{user_name}@example.com"), "type": "work", "primary": true}],
                    "active": true,
                })),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body
    }

    pub async fn create_group(&self, name: &str, members: &[&str]) -> Value {
        let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
        let r = self
            .call(
                "POST",
                "/Groups",
                Some(json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "displayName": name,
                    "members": members,
                })),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body
    }
}

/// Asserts an RFC 7644 §3.12 error body with the given status and keyword.
pub fn assert_error(r: &Reply, status: u16, scim_type: Option<&str>) {
    assert_eq!(r.status.as_u16(), status, "{}", r.body);
    assert_eq!(
        r.body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error",
        "{}",
        r.body
    );
    assert_eq!(r.body["status"], status.to_string(), "{}", r.body);
    if let Some(t) = scim_type {
        assert_eq!(r.body["scimType"], t, "{}", r.body);
    }
    assert_eq!(r.header("content-type"), Some("application/scim+json"));
}

pub fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}
