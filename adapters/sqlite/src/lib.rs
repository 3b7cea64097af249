//! scim-store-sqlite: a SQLite [`ResourceStore`], the zero-setup embedded
//! default.
//!
//! One file next to the application (or `sqlite::memory:`), created and
//! migrated on connect; no server to run. It keeps the same guarantees
//! as the server-backed stores: atomic per-tenant uniqueness,
//! compare-and-swap writes, filters and sorting pushed down to SQL.
//!
//! # Quick start
//!
//! Open the store and hand it to a
//! [`ScimServer`](scim_core::server::ScimServer); here it is also used
//! directly, to show that `userName` is unique per tenant,
//! case-insensitively, and that filters run in SQL:
//!
//! ```
//! use scim_core::query::ListQuery;
//! use scim_core::server::{BearerTokens, ScimServer, ServerConfig};
//! use scim_core::store::ResourceStore;
//! use scim_core::Registry;
//! use scim_store_sqlite::SqliteStore;
//! use serde_json::json;
//! use std::sync::Arc;
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // A file path (`sqlite:scim.db`) in production.
//!     let store = SqliteStore::connect("sqlite::memory:").await?;
//!     let server = ScimServer::new(
//!         Registry::with_builtins(),
//!         Arc::new(store.clone()), // clones share the pool
//!         Arc::new(BearerTokens::new().with_token("s3cret", "acme")),
//!         ServerConfig::default(),
//!     );
//!
//!     let registry = server.registry();
//!     let users = registry.view("User").ok_or("no User type")?;
//!     let user = json!({"id": "1", "userName": "bjensen", "meta": {"version": "W/\"1\""}});
//!     store.create("acme", &users, user).await?;
//!     let taken = json!({"id": "2", "userName": "BJENSEN", "meta": {"version": "W/\"1\""}});
//!     assert!(store.create("acme", &users, taken).await.is_err());
//!
//!     let filter = scim_filter::parse_filter(r#"userName sw "BJ""#)?;
//!     let page = store.list("acme", &users, &ListQuery::all(10).with_filter(filter)).await?;
//!     assert_eq!(page.resources[0]["id"], "1");
//!     Ok(())
//! }
//! ```
//!
//! # How it works
//!
//! One database file (created on first run) holds every tenant and type:
//!
//! ```sql
//! scim_resources (seq INTEGER PRIMARY KEY AUTOINCREMENT,   -- creation order
//!                 tenant TEXT, rtype TEXT, id TEXT,
//!                 version TEXT,                           -- meta.version
//!                 doc TEXT,                               -- the resource, JSON
//!                 UNIQUE (tenant, rtype, id))
//! scim_unique    (tenant, rtype, attr, value, id,
//!                 PRIMARY KEY (tenant, rtype, attr, value))
//! ```
//!
//! - **Filters, sorting and paging** compile through
//!   [`scim_filter::sql::SqliteJson`] (JSON1 functions, every literal a
//!   bound parameter). Expression indexes on `(tenant, rtype, <expr>)`
//!   for `id`, `externalId` and `lower(userName)` use the expressions the
//!   compiler writes, so `eq` on them is an index lookup.
//! - **Uniqueness**: each unique attribute's values (uniqueness `server`
//!   or `global`; lower-cased unless caseExact) are rows of
//!   `scim_unique`, claimed in the same transaction as the document; a
//!   taken value rolls the transaction back with
//!   [`StoreError::Uniqueness`]. The rule comes from the schema, so custom
//!   types need no DDL.
//! - **Writers**: SQLite allows one writer at a time. Writes of one store
//!   are serialised in-process (an async mutex) and run in `BEGIN
//!   IMMEDIATE` transactions, which take the write lock up front, so a
//!   transaction never fails half-way on a lock upgrade; other processes
//!   sharing the file wait up to the busy timeout (5 s). WAL journaling
//!   lets readers run alongside the writer.
//! - **Compare-and-swap**: `UPDATE ... WHERE ... AND version = ?`; when no
//!   row changed, a second look tells [`StoreError::NotFound`] from
//!   [`StoreError::VersionMismatch`].
//! - **Migrations**: plain SQL run in order on connect, recorded in
//!   `scim_migrations`, each in a `BEGIN IMMEDIATE` transaction.
//!
//! Documents are stored as the exact JSON text handed in, so `get`
//! returns what `create` stored. SQLite's `lower()` folds ASCII only, so
//! case-insensitive *filters* treat non-ASCII letters case-exactly (see
//! [`scim_filter::sql`]); uniqueness folds case per character with
//! [`scim_filter::fold_case`], the fold `eq` filters use in memory.

use async_trait::async_trait;
use scim_core::query::{ListPage, ListQuery};
use scim_core::schema::ResourceSchema;
use scim_core::store::{
    stored_id, stored_version, unique_attrs, unique_values, ResourceStore, StoreError,
};
use scim_filter::sql::{SqlBuilder, SqlValue, SqliteJson};
use serde_json::Value;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Row, Sqlite};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Why connecting or migrating failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database refused or failed (or the URL is malformed).
    #[error("sqlite: {0}")]
    Database(#[from] sqlx::Error),
}

/// A [`ResourceStore`] in a SQLite database. Cheap to clone: clones share
/// the pool and the writer lock.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    writer: Arc<tokio::sync::Mutex<()>>,
    dialect: SqliteJson,
}

/// The lookup indexes: name and expression. The expressions are the ones
/// [`SqliteJson`] writes for `eq` on these attributes (a unit test holds
/// them to it), which SQLite needs to use an expression index.
const LOOKUPS: &[(&str, &str)] = &[
    ("scim_idx_id", "json_extract(doc, '$.\"id\"')"),
    (
        "scim_idx_external_id",
        "json_extract(doc, '$.\"externalId\"')",
    ),
    (
        "scim_idx_user_name",
        "lower(json_extract(doc, '$.\"userName\"'))",
    ),
];

fn migrations() -> Vec<(i64, &'static str, Vec<String>)> {
    vec![
        (
            1,
            "resources and unique-value tables",
            vec![
                "CREATE TABLE IF NOT EXISTS scim_resources (\
                 seq INTEGER PRIMARY KEY AUTOINCREMENT, \
                 tenant TEXT NOT NULL, rtype TEXT NOT NULL, id TEXT NOT NULL, \
                 version TEXT NOT NULL, doc TEXT NOT NULL, \
                 UNIQUE (tenant, rtype, id))"
                    .to_owned(),
                "CREATE TABLE IF NOT EXISTS scim_unique (\
                 tenant TEXT NOT NULL, rtype TEXT NOT NULL, attr TEXT NOT NULL, \
                 value TEXT NOT NULL, id TEXT NOT NULL, \
                 PRIMARY KEY (tenant, rtype, attr, value)) WITHOUT ROWID"
                    .to_owned(),
                "CREATE INDEX IF NOT EXISTS scim_unique_owner ON scim_unique (tenant, rtype, id)"
                    .to_owned(),
            ],
        ),
        (
            2,
            "lookup indexes: id, externalId, userName",
            LOOKUPS
                .iter()
                .map(|(name, expr)| {
                    format!(
                        "CREATE INDEX IF NOT EXISTS {name} ON scim_resources (tenant, rtype, {expr})"
                    )
                })
                .collect(),
        ),
    ]
}

fn is_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite:scim.db`,
    /// `sqlite:///var/lib/scim.db`, `sqlite::memory:`), in WAL mode with a
    /// 5 s busy timeout, and runs the migrations. An in-memory database
    /// gets a single connection (each connection would see its own).
    pub async fn connect(url: &str) -> Result<Self, Error> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5));
        let max = if is_memory(url) { 1 } else { 8 };
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .connect_with(options)
            .await?;
        Self::from_pool(pool).await
    }

    /// Uses an existing pool and runs the migrations. For an in-memory
    /// database, the pool must have a single connection.
    pub async fn from_pool(pool: SqlitePool) -> Result<Self, Error> {
        let store = SqliteStore {
            pool,
            writer: Arc::new(tokio::sync::Mutex::new(())),
            dialect: SqliteJson::new("doc"),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The pool, for the application's own queries.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn migrate(&self) -> Result<(), Error> {
        let _w = self.writer.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS scim_migrations (\
             version INTEGER PRIMARY KEY, description TEXT NOT NULL, \
             applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        )
        .execute(&mut *tx)
        .await?;
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM scim_migrations")
            .fetch_all(&mut *tx)
            .await?;
        for (version, description, statements) in migrations() {
            if applied.contains(&version) {
                continue;
            }
            for stmt in statements {
                sqlx::query(AssertSqlSafe(stmt)).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO scim_migrations (version, description) VALUES (?, ?)")
                .bind(version)
                .bind(description)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

fn unavailable(e: sqlx::Error) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

fn parse_doc(text: &str) -> Result<Value, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Unavailable(format!("stored document is not JSON: {e}")))
}

type LiteQuery<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments>;

fn bind_all(mut q: LiteQuery<'_>, params: Vec<SqlValue>) -> LiteQuery<'_> {
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

/// Claims the unique values of `resource` for `id`.
async fn claim(
    tx: &mut sqlx::SqliteConnection,
    tenant: &str,
    rtype: &str,
    id: &str,
    schema: &ResourceSchema<'_>,
    resource: &Value,
) -> Result<(), StoreError> {
    let unique = unique_attrs(schema);
    for claim in unique_values(&unique, resource) {
        let done = sqlx::query(
            "INSERT INTO scim_unique (tenant, rtype, attr, value, id) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT DO NOTHING",
        )
        .bind(tenant)
        .bind(rtype)
        .bind(claim.attr.key())
        .bind(claim.value)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Uniqueness {
                attribute: claim.attr.name.clone(),
            });
        }
    }
    Ok(())
}

/// After a conditional write changed no row: NotFound or VersionMismatch.
async fn missed(
    conn: &mut sqlx::SqliteConnection,
    tenant: &str,
    rtype: &str,
    id: &str,
    expected: Option<&str>,
) -> StoreError {
    let current: Result<Option<String>, _> = sqlx::query_scalar(
        "SELECT version FROM scim_resources WHERE tenant = ? AND rtype = ? AND id = ?",
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

async fn release_unique(
    tx: &mut sqlx::SqliteConnection,
    tenant: &str,
    rtype: &str,
    id: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM scim_unique WHERE tenant = ? AND rtype = ? AND id = ?")
        .bind(tenant)
        .bind(rtype)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
    Ok(())
}

#[async_trait]
impl ResourceStore for SqliteStore {
    async fn create(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        resource: Value,
    ) -> Result<Value, StoreError> {
        let id = stored_id(&resource)?;
        let rtype = schema.resource_type.name.as_str();
        let _w = self.writer.lock().await;
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(unavailable)?;
        let done = sqlx::query(
            "INSERT INTO scim_resources (tenant, rtype, id, version, doc) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT DO NOTHING",
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
            "SELECT doc FROM scim_resources WHERE tenant = ? AND rtype = ? AND id = ?",
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
        let _w = self.writer.lock().await;
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(unavailable)?;
        let done = sqlx::query(
            "UPDATE scim_resources SET doc = ?, version = ? \
             WHERE tenant = ? AND rtype = ? AND id = ? AND (? IS NULL OR version = ?)",
        )
        .bind(resource.to_string())
        .bind(stored_version(&resource))
        .bind(tenant)
        .bind(rtype)
        .bind(id)
        .bind(expected_version)
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        if done.rows_affected() == 0 {
            return Err(missed(&mut tx, tenant, rtype, id, expected_version).await);
        }
        release_unique(&mut tx, tenant, rtype, id).await?;
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
        let _w = self.writer.lock().await;
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(unavailable)?;
        let done = sqlx::query(
            "DELETE FROM scim_resources WHERE tenant = ? AND rtype = ? AND id = ? \
             AND (? IS NULL OR version = ?)",
        )
        .bind(tenant)
        .bind(rtype)
        .bind(id)
        .bind(expected_version)
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        if done.rows_affected() == 0 {
            return Err(missed(&mut tx, tenant, rtype, id, expected_version).await);
        }
        release_unique(&mut tx, tenant, rtype, id).await?;
        tx.commit().await.map_err(unavailable)
    }

    async fn list(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        query: &ListQuery,
    ) -> Result<ListPage, StoreError> {
        let rtype = schema.resource_type.name.as_str();
        let page = query.count > 0;
        let (sql, params) = self.list_sql(tenant, rtype, schema, query, page)?;
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), params)
            .fetch_all(&self.pool)
            .await
            .map_err(unavailable)?;
        let mut total: i64 = 0;
        let mut resources = Vec::with_capacity(rows.len());
        if !page {
            total = rows
                .first()
                .map(|r| r.try_get(0))
                .transpose()
                .map_err(unavailable)?
                .unwrap_or(0);
        } else {
            for row in &rows {
                let doc: &str = row.try_get(0).map_err(unavailable)?;
                total = row.try_get(1).map_err(unavailable)?;
                resources.push(parse_doc(doc)?);
            }
            if rows.is_empty() && query.offset() > 0 {
                let (sql, params) = self.list_sql(tenant, rtype, schema, query, false)?;
                total = bind_all(sqlx::query(AssertSqlSafe(sql)), params)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(unavailable)?
                    .try_get(0)
                    .map_err(unavailable)?;
            }
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
        let docs: Vec<String> = sqlx::query_scalar(
            "SELECT doc FROM scim_resources WHERE tenant = ? AND rtype = ? \
             AND json_type(doc, '$.\"members\"') = 'array' \
             AND EXISTS (SELECT 1 FROM json_each(doc, '$.\"members\"') AS e \
                         WHERE e.type = 'object' AND json_extract(e.value, '$.\"value\"') = ?) \
             ORDER BY seq",
        )
        .bind(tenant)
        .bind(&group_schema.resource_type.name)
        .bind(member_id)
        .fetch_all(&self.pool)
        .await
        .map_err(unavailable)?;
        docs.iter().map(|d| parse_doc(d)).collect()
    }
}

impl SqliteStore {
    /// The list statement: with `page`, the page's documents and the total
    /// as a window count; without, only `count(*)`.
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
            "SELECT doc, count(*) OVER () FROM scim_resources WHERE tenant = "
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
    #![allow(clippy::unwrap_used)]
    use super::LOOKUPS;
    use scim_filter::sql::{compile_filter, SqliteJson};

    /// The indexed expressions are the ones the compiler writes, or the
    /// indexes would never be used.
    #[test]
    fn lookup_indexes_match_the_compiled_expressions() {
        let registry = scim_core::Registry::with_builtins();
        let users = registry.view("User").unwrap();
        for ((_, expr), filter) in
            LOOKUPS
                .iter()
                .zip([r#"id eq "x""#, r#"externalId eq "x""#, r#"userName eq "x""#])
        {
            let f = scim_filter::parse_filter(filter).unwrap();
            let (sql, _) = compile_filter(&f, &users, &SqliteJson::new("doc"), 1).unwrap();
            assert!(sql.starts_with(&format!("{expr} = ")), "{sql} vs {expr}");
        }
    }
}
