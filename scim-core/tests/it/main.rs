//! scim-core integration tests: one binary, one module per area.

mod bulk;
mod patch;
mod projection;
mod query;
mod resource;
mod schema;
