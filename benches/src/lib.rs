//! Shared fixtures for the scim-rs criterion benches.
