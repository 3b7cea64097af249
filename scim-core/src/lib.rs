//! scim-core: the SCIM 2.0 protocol engine (RFC 7643 schema, RFC 7644
//! protocol, RFC 9865 cursor paging), for adding a SCIM service provider
//! to an existing service.
//!
//! A request flows one way. [`server::ScimServer`] authenticates it (an
//! [`server::Authenticator`] says which tenant it belongs to), routes it
//! and enforces the limits of [`server::ServerConfig`]; the engines, which
//! are pure synchronous code, validate ([`resource`]), patch ([`patch`]),
//! plan bulk requests ([`bulk`]), filter, sort and page ([`query`]) and
//! project ([`projection`]); the [`store::ResourceStore`], the only async
//! I/O boundary, keeps the resources. The store is an adapter crate
//! (`scim-store-memory`, `scim-store-sqlite`, `scim-store-postgres`,
//! `scim-store-redis`) or your own implementation of the trait. The server
//! takes `http::Request<Bytes>` and answers `http::Response<Bytes>`, so
//! it mounts in any framework; with the `tower` feature,
//! `ScimServer::into_service` makes it a `tower::Service` for axum and
//! hyper.
//!
//! # Quick start
//!
//! A server over the in-memory store, one tenant behind one bearer token,
//! answering a create and a filtered list:
//!
//! ```
//! use bytes::Bytes;
//! use scim_core::server::{BearerTokens, ScimServer, ServerConfig};
//! use scim_core::Registry;
//! use scim_store_memory::MemoryStore;
//! use serde_json::Value;
//! use std::sync::Arc;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = ScimServer::new(
//!     Registry::with_builtins(),                // User (+ enterprise extension), Group
//!     Arc::new(MemoryStore::new()),
//!     Arc::new(BearerTokens::new().with_token("s3cret", "acme")), // token -> tenant
//!     ServerConfig::default(),                  // served under /scim/v2
//! );
//!
//! let create = http::Request::post("/scim/v2/Users")
//!     .header("authorization", "Bearer s3cret")
//!     .header("content-type", "application/scim+json")
//!     .body(Bytes::from_static(
//!         br#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"}"#,
//!     ))?;
//! let list = http::Request::get("/scim/v2/Users?filter=userName%20eq%20%22BJENSEN%22")
//!     .header("authorization", "Bearer s3cret")
//!     .body(Bytes::new())?;
//!
//! let runtime = tokio::runtime::Builder::new_current_thread().build()?;
//! let (created, listed) = runtime.block_on(async {
//!     (server.handle(create).await, server.handle(list).await)
//! });
//! assert_eq!(created.status(), 201);
//! assert_eq!(listed.status(), 200);
//! let body: Value = serde_json::from_slice(listed.body())?;
//! assert_eq!(body["totalResults"], 1); // userName is not caseExact
//! # Ok(())
//! # }
//! ```
//!
//! The guide `docs/existing-service.md` in the repository covers mounting
//! the server in axum and actix-web, choosing a store, authentication,
//! per-tenant compatibility profiles and registries, limits, provisioning
//! events and passwords.
//!
//! # Map
//!
//! - [`schema`]: [`Registry`] of schemas and resource types, the built-in
//!   User, Group and EnterpriseUser, custom types and extensions;
//!   [`discovery`]: the `/Schemas`, `/ResourceTypes` and
//!   `/ServiceProviderConfig` documents.
//! - [`resource`], [`patch`], [`bulk`], [`query`], [`projection`]: the
//!   engines, usable on their own without a server.
//! - [`store`]: the [`store::ResourceStore`] trait adapters implement.
//! - [`server`]: the HTTP handler, [`server::Authenticator`]s, the
//!   [`server::PasswordHook`].
//! - [`jit`]: just-in-time provisioning from SSO logins and the per-tenant
//!   policy for running it beside SCIM (`docs/jit.md`).
//! - [`compat`]: the per-tenant [`Compat`] profiles that bend to what
//!   Microsoft Entra ID sends (`docs/compat.md`).
//! - [`error`]: [`ScimError`], one table from error to HTTP status and
//!   `scimType` (RFC 7644 §3.12).
//!
//! # Features
//!
//! - `tower`: `server::ScimService`, the server as a `tower::Service`.

pub mod bulk;
pub mod compat;
pub mod discovery;
pub mod error;
pub mod jit;
pub mod patch;
pub mod projection;
pub mod query;
pub mod resource;
pub mod schema;
pub mod server;
pub mod store;

pub use compat::Compat;
pub use error::{Result, ScimError, ScimType};
pub use schema::Registry;
