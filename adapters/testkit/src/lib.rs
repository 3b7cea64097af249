//! scim-store-testkit: the [`ResourceStore`] contract, one check per
//! behaviour.
//!
//! Every store adapter (memory, SQLite, Postgres, Redis, and yours, if you
//! write a store over your own tables) is held to the same rules:
//! create/get round trips, uniqueness per tenant under the attribute's
//! case rule (also under concurrent creates), compare-and-swap on
//! `meta.version`, tenant isolation, group membership lookups, and
//! filters, sorting and paging that select exactly what the in-memory
//! reference ([`scim_core::query::execute`]) selects.
//!
//! Each check is a `pub async fn(&Store, tenant)` that works only inside
//! the tenant it is given (and tenants named after it, such as
//! `{tenant}-b`) and panics with a message naming the broken rule.
//!
//! # Quick start
//!
//! Run one behaviour, or all of them with [`run_all`], against a store.
//! Here it is the memory store; the concurrency checks need a
//! multi-threaded runtime to really race.
//!
//! ```
//! use scim_store_memory::MemoryStore;
//! use scim_store_testkit::{data, run_all, uniqueness, Store};
//! use std::sync::Arc;
//!
//! #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! async fn main() {
//!     let store: Store = Arc::new(MemoryStore::new());
//!     // One behaviour, in a fresh tenant of its own.
//!     uniqueness(&store, &data::fresh_tenant("uniqueness")).await;
//!     // Every behaviour, each in a fresh tenant named after the prefix.
//!     run_all(&store, "quickstart").await;
//! }
//! ```
//!
//! In an adapter's test binary, one line turns the whole contract into
//! tests:
//!
//! ```ignore
//! // adapters/yours/tests/it/main.rs (the expansion holds #[tokio::test]
//! // functions, which only a test binary runs: hence `ignore` here)
//! scim_store_testkit::contract_tests!(std::sync::Arc::new(YourStore::connect().await));
//! ```
//!
//! which expands to one `#[tokio::test]` per behaviour (multi-threaded, so
//! the concurrency checks really race), each in a fresh tenant. For a
//! backend that may be missing (a server URL from the environment), give
//! an expression of type `Option<Store>` after `optional:`; `None` skips.
//!
//! Resources handed to the store are complete (id, schemas, meta with
//! `W/"n"` versions): the [`data`] helpers build them.
//!
//! The filter, sort and paging checks compare the store's answers with
//! hand-written expectations and with [`scim_core::query::execute`] over
//! the same data, so an adapter that pushes queries down to its backend is
//! held to the in-memory reference semantics.

pub mod data;

mod concurrency;
mod crud;
mod list;

pub use concurrency::{concurrent_read_modify_write, concurrent_unique_creates};
pub use crud::{
    compare_and_swap, create_get_round_trip, group_membership, not_found, replace_round_trip,
    tenant_isolation, uniqueness, uniqueness_on_replace,
};
pub use list::{filter_dataset, filter_operators, paging, sorting, FILTER_CASES};

pub use scim_core::store::ResourceStore;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A shared store, as the checks take it (the concurrency checks hand it
/// to spawned tasks).
pub type Store = Arc<dyn ResourceStore>;

/// A boxed check future.
pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// One behaviour of the contract.
#[derive(Clone, Copy)]
pub struct Behaviour {
    /// Its name (the test function's name).
    pub name: &'static str,
    /// Runs the check against a store in a tenant.
    pub run: for<'a> fn(&'a Store, &'a str) -> CheckFuture<'a>,
}

impl std::fmt::Debug for Behaviour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Behaviour")
            .field("name", &self.name)
            .finish()
    }
}

/// Expands to one `#[tokio::test]` per behaviour; see the crate docs. The
/// expression is evaluated (inside an async test, so it may `.await`) once
/// per test.
#[macro_export]
macro_rules! contract_tests {
    (optional: $make:expr) => {
        $crate::__behaviour_list!(__contract_tests!((optional $make)));
    };
    ($make:expr) => {
        $crate::__behaviour_list!(__contract_tests!((required $make)));
    };
}

/// The one list of behaviours: calls `$callback!(args; names...)`.
#[doc(hidden)]
#[macro_export]
macro_rules! __behaviour_list {
    ($callback:ident ! ($($args:tt)*)) => {
        $crate::$callback!($($args)*;
            create_get_round_trip,
            not_found,
            replace_round_trip,
            uniqueness,
            uniqueness_on_replace,
            compare_and_swap,
            tenant_isolation,
            group_membership,
            filter_operators,
            sorting,
            paging,
            concurrent_unique_creates,
            concurrent_read_modify_write
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __behaviours_const {
    (; $($name:ident),*) => {
        /// Every behaviour of the contract, in the order [`run_all`] runs
        /// them.
        pub const BEHAVIOURS: &[Behaviour] = &[
            $(Behaviour {
                name: stringify!($name),
                run: |store, tenant| Box::pin($name(store, tenant)),
            }),*
        ];
    };
}

__behaviour_list!(__behaviours_const!());

#[doc(hidden)]
#[macro_export]
macro_rules! __contract_tests {
    ($make:tt; $($name:ident),*) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(store) = $crate::__contract_tests!(@store $make) {
                    let tenant = $crate::data::fresh_tenant(stringify!($name));
                    $crate::$name(&store, &tenant).await;
                }
            }
        )*
    };
    (@store (optional $make:expr)) => {{
        let store: ::std::option::Option<$crate::Store> = $make;
        if store.is_none() {
            eprintln!("skipped: no backend for this adapter's contract tests");
        }
        store
    }};
    (@store (required $make:expr)) => {{
        let store: $crate::Store = $make;
        ::std::option::Option::Some(store)
    }};
}

/// Runs every behaviour against `store`, each in a fresh tenant named
/// after `tenant_prefix` and the behaviour. Panics at the first violation.
/// Needs a multi-threaded Tokio runtime for the concurrency checks to race.
pub async fn run_all(store: &Store, tenant_prefix: &str) {
    for b in BEHAVIOURS {
        let tenant = data::fresh_tenant(&format!("{tenant_prefix}-{}", b.name));
        (b.run)(store, &tenant).await;
    }
}
