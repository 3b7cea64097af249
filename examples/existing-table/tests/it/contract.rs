//! The adapter contract, for the behaviours the tables can hold.
//!
//! Skipped, because their fixtures hold what the tables do not:
//!
//! - `create_get_round_trip`: the Enterprise extension's employeeNumber
//!   (no column; the store answers 400 invalidValue, tested in `store`).
//! - `filter_operators`, `sorting`: users with two emails, nickName,
//!   userType and employeeNumber. `store` runs the same filter and sort
//!   cases on the part of that data the tables hold, against the same
//!   reference, and checks the rest are refused with invalidFilter.
//! - `concurrent_read_modify_write`: appends 50 emails to one user (the
//!   table holds one); `store` runs the same race appending to `title`.

use scim_store_testkit::Store;
use std::sync::Arc;

macro_rules! behaviours {
    ($backend:ident, $make:expr; $($name:ident),* $(,)?) => {
        mod $backend {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    // The guard (a SQLite file's) lives as long as the test.
                    let (store, _guard): (Option<Store>, Option<crate::TempDb>) = $make;
                    if let Some(store) = store {
                        let tenant = scim_store_testkit::data::fresh_tenant(stringify!($name));
                        scim_store_testkit::$name(&store, &tenant).await;
                    }
                }
            )*
        }
    };
}

behaviours!(sqlite, {
    let (store, db) = crate::sqlite_store().await;
    (Some(Arc::new(store) as Store), Some(db))
};
    not_found,
    replace_round_trip,
    uniqueness,
    uniqueness_on_replace,
    compare_and_swap,
    tenant_isolation,
    group_membership,
    paging,
    concurrent_unique_creates,
);

behaviours!(postgres, (crate::postgres_store().await.map(|s| Arc::new(s) as Store), None);
    not_found,
    replace_round_trip,
    uniqueness,
    uniqueness_on_replace,
    compare_and_swap,
    tenant_isolation,
    group_membership,
    paging,
    concurrent_unique_creates,
);
