//! The guides in `docs/` as doctests: each page is the documentation of
//! one item here, so `cargo test --doc` compiles and runs its Rust code
//! blocks exactly as a reader sees them (no hidden lines).

/// `docs/existing-service.md`.
#[doc = include_str!("../../existing-service.md")]
pub struct ExistingService;

/// `docs/identity-providers.md`.
#[doc = include_str!("../../identity-providers.md")]
pub struct IdentityProviders;

/// `docs/compat.md`.
#[doc = include_str!("../../compat.md")]
pub struct Compat;

/// `docs/jit.md`.
#[doc = include_str!("../../jit.md")]
pub struct Jit;
