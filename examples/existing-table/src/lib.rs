//! SCIM over an application's own tables: a [`ResourceStore`] for an
//! existing `users` / `groups` / `group_members` schema, with filters
//! pushed down into its columns. No JSON documents are stored.
//!
//! Run the server with `SCIM_TOKEN=secret cargo run -p
//! scim-existing-table-example` (see `src/main.rs`); it serves SCIM at
//! `http://127.0.0.1:8082/scim/v2` over a SQLite file with a few seed
//! rows.
//!
//! # The tables
//!
//! [`SQLITE_SCHEMA`] and [`POSTGRES_SCHEMA`] are the application's schema:
//! `users(seq, tenant, id, user_name, given_name, family_name,
//! display_name, title, email, active, external_id, created_at,
//! updated_at, version)`, `groups(seq, tenant, id, display_name,
//! external_id, created_at, updated_at, version)` and
//! `group_members(tenant, group_id, user_id)` with foreign keys that
//! cascade. `tenant` scopes every row (SCIM tenants are the application's
//! organisations); `seq` is creation order.
//!
//! | SCIM | column |
//! |---|---|
//! | `id`, `externalId`, `userName`, `displayName`, `title`, `active` | `id`, `external_id`, `user_name`, `display_name`, `title`, `active` |
//! | `name.givenName`, `name.familyName` | `given_name`, `family_name` |
//! | `emails` | `email`, presented as `[{"value", "type": "work", "primary": true}]` |
//! | `meta.created`, `meta.lastModified`, `meta.version` | `created_at`, `updated_at`, `version` |
//! | `meta.resourceType`, `meta.location` | derived (see [`TableStore::with_base_url`]) |
//! | Group `displayName`, `externalId` | `groups.display_name`, `groups.external_id` |
//! | Group `members[].value` | `group_members.user_id`; `display` is the user's `display_name` |
//! | User `groups` | derived from `group_members` by the server |
//!
//! # Decisions
//!
//! - **Unmapped attributes are refused.** A write carrying an attribute,
//!   sub-attribute or value no column holds (nickName, `name.formatted`, a
//!   second email, a `home` email, the Enterprise extension, a member that
//!   is a group) fails with 400 invalidValue naming it, and nothing is
//!   stored: dropping it silently would let an identity provider believe
//!   the value was kept. [`UnmappedAttributes::Drop`] switches to keeping
//!   what fits. The example server also serves a [`registry`] narrowed to
//!   the mapped attributes, so `/Schemas` tells clients what is stored
//!   and the server refuses the rest before the store sees it.
//! - **Filters the columns cannot answer are refused**, with 400
//!   invalidFilter (a `sortBy` with 400 invalidValue), never answered
//!   over a partial mapping.
//! - **Uniqueness is the database's**: the unique index on
//!   `(tenant, lower(user_name))` is userName's case rule, so two racing
//!   creates cannot both win; the violation becomes 409 uniqueness.
//! - **Compare-and-swap on `version`**: replace and delete read the
//!   version in the same transaction as the write (`FOR UPDATE` on
//!   Postgres, `BEGIN IMMEDIATE` on SQLite). The application's own writes
//!   to these rows must set a new `version` (any new text) so SCIM clients
//!   holding an ETag see the change.
//! - **Deleting a user** deletes its memberships and gives each group it
//!   left a new version and lastModified.
//!
//! # Adapting this to your tables
//!
//! 1. Map the SCIM paths you support to your columns with a
//!    [`ColumnMapping`](scim_filter::sql::ColumnMapping), as
//!    [`user_mapping`] and [`group_mapping`] do: a column or any SQL
//!    expression per path (constants such as `'work'` are fine), a child
//!    table (`FROM` text and join condition) per multi-valued attribute.
//!    A single column standing for a multi-valued attribute, like `email`
//!    here, is a child "table" that is the row itself.
//! 2. Write the row <-> JSON conversion for the same attributes (here
//!    `rows.rs`), refusing what has no column.
//! 3. Give SCIM what it needs from your schema: a tenant (or pin one), a
//!    stable id, a creation order, a version column, and unique indexes
//!    under SCIM's case rules.
//! 4. Narrow the registry to what you map, as [`registry`] does.
//!
//! The store uses sqlx's `Any` driver so one implementation serves SQLite
//! and Postgres; an application on one database would use its pool type
//! directly.
//!
//! ```no_run
//! # async fn run() -> Result<(), sqlx::Error> {
//! use scim_existing_table_example::{TableStore, UnmappedAttributes};
//! let store = TableStore::connect("sqlite:app.db?mode=rwc")
//!     .await?
//!     .with_base_url("https://app.example.com/scim/v2")
//!     .with_unmapped(UnmappedAttributes::Reject);
//! # let _ = store;
//! # Ok(())
//! # }
//! ```
//!
//! [`ResourceStore`]: scim_core::store::ResourceStore

mod rows;
mod schema;
mod store;

pub use rows::UnmappedAttributes;
pub use schema::{
    group_mapping, registry, schema_sql, user_mapping, POSTGRES_SCHEMA, SQLITE_SCHEMA,
};
pub use store::{flavor_of, install_drivers, TableStore};
