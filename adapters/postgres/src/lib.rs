//! scim-store-postgres: a PostgreSQL [`ResourceStore`] over JSONB
//! documents.
//!
//! For services that already run PostgreSQL: the store creates and
//! migrates its own two tables on connect (in a Postgres schema of its own
//! if you like), pushes filters, sorting and paging down to SQL, enforces
//! uniqueness atomically per tenant, and keeps every statement
//! tenant-local so the tables can be distributed with Citus.
//!
//! # Quick start
//!
//! This example needs a running PostgreSQL server, so it is only compiled
//! here (`no_run`); the crate's tests run the same calls against the
//! server in `SCIM_TEST_POSTGRES_URL`.
//!
//! ```no_run
//! use scim_core::server::{BearerTokens, ScimServer, ServerConfig};
//! use scim_core::Registry;
//! use scim_store_postgres::{PostgresOptions, PostgresStore};
//! use std::sync::Arc;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let store = PostgresStore::connect("postgres://postgres@localhost/app").await?;
//!     // or with pool settings, and the tables in a schema of their own:
//!     let store = PostgresStore::connect_with(
//!         PostgresOptions::new("postgres://postgres@localhost/app")
//!             .with_schema("scim")
//!             .with_pool_options(sqlx::postgres::PgPoolOptions::new().max_connections(20)),
//!     )
//!     .await?;
//!
//!     let server = ScimServer::new(
//!         Registry::with_builtins(),
//!         Arc::new(store),
//!         Arc::new(BearerTokens::new().with_token("s3cret", "acme")),
//!         ServerConfig::default(),
//!     );
//!     // Mount `server` in the application's HTTP stack (see scim-core).
//!     # let _ = server;
//!     Ok(())
//! }
//! ```
//!
//! # How it works
//!
//! Every resource of every tenant and type is one row of one table:
//!
//! ```sql
//! scim_resources (tenant text, rtype text, id text,
//!                 seq bigint GENERATED ALWAYS AS IDENTITY,  -- creation order
//!                 version text,                             -- meta.version
//!                 doc jsonb,                                -- the whole resource
//!                 PRIMARY KEY (tenant, rtype, id))
//! ```
//!
//! - **Filters, sorting and paging** are compiled by
//!   [`scim_filter::sql::PostgresJsonb`] into one statement with every
//!   literal bound as a parameter; unsorted lists come back in creation
//!   order (`seq`), sorted ones use `seq` as the tie-breaker.
//! - **Uniqueness** (every attribute whose uniqueness is `server` or
//!   `global`, `id` excepted, which is the primary key) is one general
//!   mechanism: a side table `scim_unique (tenant, rtype, attr, value, id,
//!   PRIMARY KEY (tenant, rtype, attr, value))` holding each unique value,
//!   lower-cased unless the attribute is caseExact. A create or replace
//!   writes the document and claims its values in one transaction with
//!   `INSERT ... ON CONFLICT DO NOTHING`; a value another resource holds
//!   makes the transaction roll back with [`StoreError::Uniqueness`]. The
//!   primary key makes it atomic: of two concurrent claims, the second
//!   waits for the first to commit and then finds the conflict. The rule
//!   follows the schema, so a custom type's unique attribute needs no DDL.
//! - **Compare-and-swap**: `UPDATE ... WHERE tenant = $1 AND rtype = $2 AND
//!   id = $3 AND version = $4`; when no row changed, a second look tells
//!   [`StoreError::NotFound`] from [`StoreError::VersionMismatch`].
//! - **Indexes** are built from the compiler's own expression functions
//!   ([`PostgresJsonb::text_expr`], and for arrays [`elements_key_expr`] and
//!   [`elements_text_expr`], which also write the pre-tests that let a
//!   filter on an array use them), so the expression a filter
//!   compiles to and the expression indexed are the same text: `userName
//!   eq` (`lower(doc->>'userName')`), `externalId eq`, `id eq` are B-tree
//!   lookups after `(tenant, rtype)`; `members[value eq ...]` and `emails
//!   eq` use GIN indexes over the lower-cased values of the array; when
//!   the `pg_trgm` extension can be created, trigram GIN indexes serve
//!   `co`/`sw`/`ew` on `userName` and `emails.value`. GIN indexes are
//!   built with `fastupdate = off`: a pending list of recent writes would
//!   make every lookup scan it.
//! - **Migrations** are plain SQL run in order on connect, each in a
//!   transaction under an advisory lock, recorded in `scim_migrations`, so
//!   connecting again (or from many processes at once) is harmless.
//! - **Schemas**: [`PostgresOptions::with_schema`] puts the tables in a
//!   Postgres schema of their own (created if missing; `search_path` is
//!   set on every pooled connection), which is how the tests isolate runs.
//!
//! # Distributed Postgres (Citus)
//!
//! The layout is ready to be distributed by tenant: `tenant` leads every
//! primary key and unique constraint (`scim_resources`, `scim_unique`) and
//! every B-tree index, and every statement this store sends names one
//! tenant in its `WHERE` clause, so each runs on one shard. To distribute,
//! run `SELECT create_distributed_table('scim_resources', 'tenant')` and
//! `SELECT create_distributed_table('scim_unique', 'tenant', colocate_with
//! => 'scim_resources')` once after the first connect; the create and
//! replace transactions then touch one tenant's colocated shards only,
//! so uniqueness stays atomic per tenant (which is the scope SCIM asks
//! for). `seq` is an identity column; on Citus it is unique per shard
//! only, which is all ordering needs within a tenant.

mod hints;
mod migrate;

pub use hints::{elements_key_expr, elements_text_expr};

use async_trait::async_trait;
use scim_core::query::{ListPage, ListQuery};
use scim_core::schema::ResourceSchema;
use scim_core::store::{
    stored_id, stored_version, unique_attrs, unique_values, ResourceStore, StoreError,
};
use scim_filter::sql::{PostgresJsonb, SqlBuilder, SqlError, SqlValue};
use serde_json::Value;
use sqlx::postgres::{PgArguments, PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Postgres, Row};

pub use sqlx::postgres::PgPool as Pool;

/// Why connecting or migrating failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database refused or failed.
    #[error("postgres: {0}")]
    Database(#[from] sqlx::Error),
    /// A schema name other than ASCII letters, digits and `_` (starting
    /// with a letter or `_`, at most 63 bytes).
    #[error("invalid Postgres schema name {0:?}")]
    InvalidSchemaName(String),
    /// The lookup indexes could not be derived from the built-in schema
    /// (a scim-core or scim-filter bug).
    #[error("cannot build the index expressions: {0}")]
    Index(#[from] SqlError),
}

/// How to connect: the URL, an optional Postgres schema, pool settings.
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    url: String,
    schema: Option<String>,
    pool: PgPoolOptions,
}

impl PostgresOptions {
    /// Options for `url` (`postgres://user:pass@host:5432/db`), default
    /// pool settings (10 connections), the connection's default schema.
    pub fn new(url: impl Into<String>) -> Self {
        PostgresOptions {
            url: url.into(),
            schema: None,
            pool: PgPoolOptions::new().max_connections(10),
        }
    }

    /// Keeps the tables in the Postgres schema `name` (created if missing;
    /// every pooled connection gets `search_path = name, public`).
    pub fn with_schema(mut self, name: impl Into<String>) -> Self {
        self.schema = Some(name.into());
        self
    }

    /// Uses these pool settings (size, timeouts, ...). An `after_connect`
    /// set here is replaced when a schema is configured.
    pub fn with_pool_options(mut self, pool: PgPoolOptions) -> Self {
        self.pool = pool;
        self
    }
}

/// A [`ResourceStore`] in PostgreSQL. Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    dialect: PostgresJsonb,
}

fn valid_schema_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && name.len() <= 63
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl PostgresStore {
    /// Connects to `url` with default options and runs the migrations.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        Self::connect_with(PostgresOptions::new(url)).await
    }

    /// Connects with `options` and runs the migrations.
    pub async fn connect_with(options: PostgresOptions) -> Result<Self, Error> {
        let PostgresOptions { url, schema, pool } = options;
        let pool = match schema {
            None => pool.connect(&url).await?,
            Some(schema) => {
                if !valid_schema_name(&schema) {
                    return Err(Error::InvalidSchemaName(schema));
                }
                // The name was checked above: quoting it is enough.
                let set = format!("SET search_path TO \"{schema}\", public");
                let pool = pool
                    .after_connect(move |conn, _meta| {
                        let set = set.clone();
                        Box::pin(async move {
                            sqlx::query(AssertSqlSafe(set)).execute(&mut *conn).await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?;
                let create = format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"");
                if let Err(e) = sqlx::query(AssertSqlSafe(create)).execute(&pool).await {
                    // Concurrent creators race on the catalog; what matters
                    // is that the schema exists now.
                    let exists: Option<i32> =
                        sqlx::query_scalar("SELECT 1 FROM pg_namespace WHERE nspname = $1")
                            .bind(&schema)
                            .fetch_optional(&pool)
                            .await?;
                    if exists.is_none() {
                        return Err(e.into());
                    }
                }
                pool
            }
        };
        Self::from_pool(pool).await
    }

    /// Uses an existing pool (its connections' `search_path` decides the
    /// schema) and runs the migrations.
    pub async fn from_pool(pool: PgPool) -> Result<Self, Error> {
        migrate::run(&pool).await?;
        Ok(PostgresStore {
            pool,
            dialect: PostgresJsonb::new("doc"),
        })
    }

    /// The pool, for the application's own queries.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

fn unavailable(e: sqlx::Error) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

fn parse_doc(text: &str) -> Result<Value, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Unavailable(format!("stored document is not JSON: {e}")))
}

type PgQuery<'q> = sqlx::query::Query<'q, Postgres, PgArguments>;

fn bind_all(mut q: PgQuery<'_>, params: Vec<SqlValue>) -> PgQuery<'_> {
    for p in params {
        q = match p {
            SqlValue::Text(s) => q.bind(s),
            SqlValue::Int(i) => q.bind(i),
            SqlValue::Float(f) => q.bind(f),
            SqlValue::Bool(b) => q.bind(b),
        };
    }
    q
}

/// Claims the unique values of `resource` for `id`; `Err(Uniqueness)`
/// when another resource holds one. Values are claimed in sorted order so
/// that concurrent claimers lock rows in one order (no deadlocks).
async fn claim(
    tx: &mut sqlx::PgConnection,
    tenant: &str,
    rtype: &str,
    id: &str,
    schema: &ResourceSchema<'_>,
    resource: &Value,
) -> Result<(), StoreError> {
    let unique = unique_attrs(schema);
    // (`scim_unique.attr`, value, attribute name to report)
    let mut claims: Vec<(String, String, &str)> = unique_values(&unique, resource)
        .into_iter()
        .map(|u| (u.attr.key(), u.value, u.attr.name.as_str()))
        .collect();
    if claims.is_empty() {
        return Ok(());
    }
    claims.sort();
    let (attrs, values): (Vec<String>, Vec<String>) = claims
        .iter()
        .map(|(a, v, _)| (a.clone(), v.clone()))
        .unzip();
    let inserted: Vec<(String, String)> = sqlx::query_as(
        "INSERT INTO scim_unique (tenant, rtype, attr, value, id) \
         SELECT $1, $2, a, v, $3 FROM unnest(CAST($4 AS text[]), CAST($5 AS text[])) AS c(a, v) \
         ON CONFLICT DO NOTHING RETURNING attr, value",
    )
    .bind(tenant)
    .bind(rtype)
    .bind(id)
    .bind(&attrs)
    .bind(&values)
    .fetch_all(&mut *tx)
    .await
    .map_err(unavailable)?;
    if inserted.len() == claims.len() {
        return Ok(());
    }
    let taken = claims
        .iter()
        .find(|(a, v, _)| !inserted.iter().any(|(ia, iv)| ia == a && iv == v))
        .map(|(_, _, name)| (*name).to_owned())
        .unwrap_or_default();
    Err(StoreError::Uniqueness { attribute: taken })
}

/// After a conditional write changed no row: NotFound or VersionMismatch.
async fn missed(
    conn: &mut sqlx::PgConnection,
    tenant: &str,
    rtype: &str,
    id: &str,
    expected: Option<&str>,
) -> StoreError {
    let current: Result<Option<String>, _> = sqlx::query_scalar(
        "SELECT version FROM scim_resources WHERE tenant = $1 AND rtype = $2 AND id = $3",
    )
    .bind(tenant)
    .bind(rtype)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await;
    match (current, expected) {
        (Err(e), _) => unavailable(e),
        (Ok(Some(current)), Some(expected)) => StoreError::VersionMismatch {
            expected: expected.to_owned(),
            current,
        },
        _ => StoreError::NotFound { id: id.to_owned() },
    }
}

#[async_trait]
impl ResourceStore for PostgresStore {
    async fn create(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        resource: Value,
    ) -> Result<Value, StoreError> {
        let id = stored_id(&resource)?;
        let rtype = schema.resource_type.name.as_str();
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        let done = sqlx::query(
            "INSERT INTO scim_resources (tenant, rtype, id, version, doc) \
             VALUES ($1, $2, $3, $4, CAST($5 AS jsonb)) ON CONFLICT DO NOTHING",
        )
        .bind(tenant)
        .bind(rtype)
        .bind(id)
        .bind(stored_version(&resource))
        .bind(resource.to_string())
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Uniqueness {
                attribute: "id".into(),
            });
        }
        claim(&mut tx, tenant, rtype, id, schema, &resource).await?;
        tx.commit().await.map_err(unavailable)?;
        Ok(resource)
    }

    async fn get(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        id: &str,
    ) -> Result<Option<Value>, StoreError> {
        let doc: Option<String> = sqlx::query_scalar(
            "SELECT CAST(doc AS text) FROM scim_resources WHERE tenant = $1 AND rtype = $2 AND id = $3",
        )
        .bind(tenant)
        .bind(&schema.resource_type.name)
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        doc.as_deref().map(parse_doc).transpose()
    }

    async fn replace(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        id: &str,
        expected_version: Option<&str>,
        resource: Value,
    ) -> Result<Value, StoreError> {
        let rtype = schema.resource_type.name.as_str();
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        let done = sqlx::query(
            "UPDATE scim_resources SET doc = CAST($4 AS jsonb), version = $5 \
             WHERE tenant = $1 AND rtype = $2 AND id = $3 \
             AND (CAST($6 AS text) IS NULL OR version = $6)",
        )
        .bind(tenant)
        .bind(rtype)
        .bind(id)
        .bind(resource.to_string())
        .bind(stored_version(&resource))
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        if done.rows_affected() == 0 {
            return Err(missed(&mut tx, tenant, rtype, id, expected_version).await);
        }
        sqlx::query("DELETE FROM scim_unique WHERE tenant = $1 AND rtype = $2 AND id = $3")
            .bind(tenant)
            .bind(rtype)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        claim(&mut tx, tenant, rtype, id, schema, &resource).await?;
        tx.commit().await.map_err(unavailable)?;
        Ok(resource)
    }

    async fn delete(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        id: &str,
        expected_version: Option<&str>,
    ) -> Result<(), StoreError> {
        let rtype = schema.resource_type.name.as_str();
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        let done = sqlx::query(
            "DELETE FROM scim_resources WHERE tenant = $1 AND rtype = $2 AND id = $3 \
             AND (CAST($4 AS text) IS NULL OR version = $4)",
        )
        .bind(tenant)
        .bind(rtype)
        .bind(id)
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        if done.rows_affected() == 0 {
            return Err(missed(&mut tx, tenant, rtype, id, expected_version).await);
        }
        sqlx::query("DELETE FROM scim_unique WHERE tenant = $1 AND rtype = $2 AND id = $3")
            .bind(tenant)
            .bind(rtype)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)
    }

    async fn list(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        query: &ListQuery,
    ) -> Result<ListPage, StoreError> {
        let rtype = schema.resource_type.name.as_str();
        let (sql, params) = self.list_sql(tenant, rtype, schema, query, query.count > 0)?;
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), params)
            .fetch_all(&self.pool)
            .await
            .map_err(unavailable)?;
        if query.count == 0 {
            let total: i64 = rows
                .first()
                .map(|r| r.try_get(0))
                .transpose()
                .map_err(unavailable)?
                .unwrap_or(0);
            return Ok(ListPage {
                resources: Vec::new(),
                total_results: usize::try_from(total).unwrap_or(0),
            });
        }
        let mut total: i64 = 0;
        let mut resources = Vec::with_capacity(rows.len());
        for row in &rows {
            let doc: &str = row.try_get(0).map_err(unavailable)?;
            total = row.try_get(1).map_err(unavailable)?;
            resources.push(parse_doc(doc)?);
        }
        if rows.is_empty() && query.offset() > 0 {
            // A page past the end: the window count saw no row.
            let (sql, params) = self.list_sql(tenant, rtype, schema, query, false)?;
            total = bind_all(sqlx::query(AssertSqlSafe(sql)), params)
                .fetch_one(&self.pool)
                .await
                .map_err(unavailable)?
                .try_get(0)
                .map_err(unavailable)?;
        }
        Ok(ListPage {
            resources,
            total_results: usize::try_from(total).unwrap_or(0),
        })
    }

    async fn member_of(
        &self,
        tenant: &str,
        group_schema: &ResourceSchema<'_>,
        member_id: &str,
    ) -> Result<Vec<Value>, StoreError> {
        // Containment is exact (member ids compare case-exactly) and is
        // served by the GIN index on `doc->'members'`.
        let probe = serde_json::json!([{ "value": member_id }]).to_string();
        let docs: Vec<String> = sqlx::query_scalar(
            "SELECT CAST(doc AS text) FROM scim_resources \
             WHERE tenant = $1 AND rtype = $2 AND doc->'members' @> CAST($3 AS jsonb) ORDER BY seq",
        )
        .bind(tenant)
        .bind(&group_schema.resource_type.name)
        .bind(probe)
        .fetch_all(&self.pool)
        .await
        .map_err(unavailable)?;
        docs.iter().map(|d| parse_doc(d)).collect()
    }
}

impl PostgresStore {
    /// The plan Postgres chooses for `list(tenant, schema, query)`'s page
    /// statement (`EXPLAIN` output, one line per row), with the query's
    /// parameters bound as `list` binds them: to check that a filter is
    /// served by an index.
    pub async fn explain_list(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        query: &ListQuery,
    ) -> Result<String, StoreError> {
        let rtype = schema.resource_type.name.as_str();
        let (sql, params) = self.list_sql(tenant, rtype, schema, query, true)?;
        let lines: Vec<String> =
            bind_all(sqlx::query(AssertSqlSafe(format!("EXPLAIN {sql}"))), params)
                .fetch_all(&self.pool)
                .await
                .map_err(unavailable)?
                .iter()
                .map(|r| r.try_get::<String, _>(0))
                .collect::<Result<_, _>>()
                .map_err(unavailable)?;
        Ok(lines.join("\n"))
    }

    /// The SQL text and parameters `list` sends for the page of `query`
    /// (`SELECT CAST(doc AS text), count(*) OVER () FROM scim_resources
    /// WHERE tenant = $1 AND rtype = $2 AND (filter) ORDER BY ... LIMIT
    /// ... OFFSET ...`).
    pub fn list_statement(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        query: &ListQuery,
    ) -> Result<(String, Vec<SqlValue>), StoreError> {
        self.list_sql(tenant, &schema.resource_type.name, schema, query, true)
    }

    /// The list statement: with `page`, the page's documents and the
    /// total as a window count; without, only `count(*)`.
    fn list_sql(
        &self,
        tenant: &str,
        rtype: &str,
        schema: &ResourceSchema<'_>,
        query: &ListQuery,
        page: bool,
    ) -> Result<(String, Vec<SqlValue>), StoreError> {
        let mut b = SqlBuilder::new(&self.dialect);
        b.push_sql(if page {
            "SELECT CAST(doc AS text), count(*) OVER () FROM scim_resources WHERE tenant = "
        } else {
            "SELECT count(*) FROM scim_resources WHERE tenant = "
        });
        b.push_param(SqlValue::Text(tenant.to_owned()));
        b.push_sql(" AND rtype = ");
        b.push_param(SqlValue::Text(rtype.to_owned()));
        if let Some(f) = &query.filter {
            b.push_sql(" AND (");
            b.push_filter(f, schema).map_err(StoreError::from)?;
            b.push_sql(")");
            hints::push_hints(&mut b, f, schema);
        }
        if page {
            match &query.sort_by {
                Some(path) => {
                    b.push_order_by(path, query.sort_order, schema)
                        .map_err(StoreError::from)?;
                    b.push_sql(", seq");
                }
                None => {
                    b.push_sql(" ORDER BY seq");
                }
            }
            let offset = u64::try_from(query.offset()).unwrap_or(u64::MAX);
            let count = u64::try_from(query.count).unwrap_or(u64::MAX);
            b.push_limit_offset(Some(count), offset);
        }
        Ok(b.build())
    }
}

#[cfg(test)]
mod tests {
    use super::valid_schema_name;

    #[test]
    fn schema_names_are_plain_identifiers() {
        for ok in ["scim", "test_1a2b", "_x", "S"] {
            assert!(valid_schema_name(ok), "{ok}");
        }
        for bad in ["", "1abc", "a-b", "a\"b", "a b", "ä", &"x".repeat(64)] {
            assert!(!valid_schema_name(bad), "{bad}");
        }
    }
}
