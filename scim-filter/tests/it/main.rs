//! Integration tests for scim-filter.

#![allow(clippy::unwrap_used)]

mod eval;
mod parse;
mod roundtrip;
mod sql;
