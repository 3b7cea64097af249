//! scim-store-redis: a [`ResourceStore`](scim_core::store::ResourceStore)
//! on Redis, safe for Redis Cluster.
//!
//! For services that already run Redis: each resource is one JSON
//! document, uniqueness and compare-and-swap are single Lua scripts,
//! secondary indexes answer the lookups identity providers make
//! (`userName eq`, `externalId eq`, group members), and every key of a
//! tenant shares one hash tag, so the store also runs on Redis Cluster.
//!
//! # Quick start
//!
//! This example needs a running Redis server, so it is only compiled here
//! (`no_run`); the crate's tests run against the server in
//! `SCIM_TEST_REDIS_URL`.
//!
//! ```no_run
//! use scim_core::query::ListQuery;
//! use scim_core::server::{BearerTokens, ScimServer, ServerConfig};
//! use scim_core::store::ResourceStore;
//! use scim_core::Registry;
//! use scim_store_redis::RedisStore;
//! use serde_json::json;
//! use std::sync::Arc;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // Keys under `myapp:` rather than the default `scim:`.
//!     let store = RedisStore::connect("redis://127.0.0.1:6379").await?.with_prefix("myapp");
//!     let server = ScimServer::new(
//!         Registry::with_builtins(),
//!         Arc::new(store.clone()),
//!         Arc::new(BearerTokens::new().with_token("s3cret", "acme")),
//!         ServerConfig::default(),
//!     );
//!
//!     // Used directly: a create, then a lookup through the userName index.
//!     let registry = server.registry();
//!     let users = registry.view("User").ok_or("no User type")?;
//!     let user = json!({
//!         "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!         "id": "2819c223",
//!         "userName": "bjensen",
//!         "meta": {"version": "W/\"1\""},
//!     });
//!     store.create("acme", &users, user).await?;
//!     let filter = scim_filter::parse_filter(r#"userName eq "BJENSEN""#)?;
//!     let page = store.list("acme", &users, &ListQuery::all(10).with_filter(filter)).await?;
//!     assert_eq!(page.total_results, 1);
//!     Ok(())
//! }
//! ```
//!
//! # Key layout
//!
//! Every key of a tenant carries the tenant as its hash tag, so all of
//! them live in one Redis Cluster slot and one script may write several:
//!
//! ```text
//! <prefix>:{<tenant>}:<type>:r:<id>            string  the resource, as JSON
//! <prefix>:{<tenant>}:<type>:seq               string  creation counter
//! <prefix>:{<tenant>}:<type>:order             zset    id -> creation number
//! <prefix>:{<tenant>}:<type>:u:<attr>:<value>  string  unique index: value -> id
//! <prefix>:{<tenant>}:<type>:x:<attr>:<value>  set     lookup index: value -> ids
//! ```
//!
//! `<prefix>` is `scim` unless set with [`RedisStore::with_prefix`];
//! `<type>` is the resource type's name (`User`). The prefix, tenant, type,
//! id and values are percent-encoded (ASCII letters, digits and `-_.~@+`
//! stay as they are), so a `{`, `}` or `:` in any of them can neither move
//! the hash tag nor make two keys collide; the empty tenant is written
//! `{%}`. Unique index values are tagged with their JSON type (`s`, `n`,
//! `b`) and, for attributes that are not caseExact (`userName`), folded to
//! lower case: `scim:{acme}:User:u:username:sbjensen`. Lookup sets exist
//! for `externalId` and `members.value` (`x:externalid:...`,
//! `x:members.value:...`), with folded values.
//!
//! # How operations are answered
//!
//! - **create** is one Lua script: it refuses a taken id or unique value
//!   (`Uniqueness`), then writes the document, takes the next creation
//!   number and writes every index entry. Two concurrent creates of one
//!   `userName` give one success.
//! - **replace** and **delete** read the current document, check
//!   `expected_version` against its `meta.version` and run one script that
//!   re-checks the document is unchanged (else the store reads again),
//!   checks uniqueness, and swaps document and index entries together. So
//!   no crash or race can leave an index entry pointing at nothing, or a
//!   resource missing from its indexes ([`RedisStore::check_integrity`]
//!   verifies exactly that).
//! - **list** without filter and sort pages straight from the creation
//!   order set (`ZCARD` + `ZRANGE` + `MGET`). A filter with an indexed
//!   `eq` (`id`, `userName` and other unique attributes, `externalId`,
//!   `members.value` or `members[value eq ...]`, combined by `and`/`or`)
//!   is answered from the indexes, and only those candidates are loaded.
//!   Anything else reads every resource of the type in creation order:
//!   ids by windows of creation numbers (`ZRANGE ... BYSCORE`, about 1000
//!   ids each), documents by `MGET`, several windows in flight, each batch
//!   filtered as it arrives. A cheap test on each document's raw JSON
//!   (the member the filter compares, and the text its string value must
//!   show) skips parsing most non-matches. In all cases the final
//!   filter, sort and page are [`scim_core::query::execute`] (or the same
//!   compiled filter over packed documents), so results match the reference
//!   semantics exactly.
//! - **member_of** reads the `members.value` set, then keeps the groups
//!   whose member value equals the id exactly.
//!
//! # Cluster
//!
//! With the `cluster` feature, `RedisStore::connect_cluster` connects to a
//! Redis Cluster through any of its nodes; the same commands and scripts
//! run there.

mod conn;
mod index;
mod integrity;
mod keys;
mod plan;
mod prefilter;
mod scripts;
mod store;

pub use store::{RedisStore, DEFAULT_BATCH_SIZE, DEFAULT_PREFIX};
