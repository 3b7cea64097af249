//! [`TableStore`]: the `ResourceStore` over the application's tables.

use crate::rows::{normalize_time, GroupRow, Member, Meta, UnmappedAttributes, UserRow};
use crate::schema::{group_mapping, schema_sql, user_mapping};
use async_trait::async_trait;
use scim_core::query::{ListPage, ListQuery};
use scim_core::resource::{format_time, set_version};
use scim_core::schema::ResourceSchema;
use scim_core::store::{ResourceStore, StoreError};
use scim_core::ScimError;
use scim_filter::sql::{ColumnMapping, Flavor, SqlBuilder, SqlError, SqlValue};
use serde_json::Value;
use sqlx::any::{AnyArguments, AnyPoolOptions, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, AnyPool, AssertSqlSafe, Row};
use std::collections::HashMap;
use std::sync::Once;
use time::OffsetDateTime;

/// Which of the two resource types a call is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    User,
    Group,
}

impl Kind {
    fn of(schema: &ResourceSchema<'_>) -> Result<Kind, StoreError> {
        let name = &schema.resource_type.name;
        if name.eq_ignore_ascii_case("User") {
            Ok(Kind::User)
        } else if name.eq_ignore_ascii_case("Group") {
            Ok(Kind::Group)
        } else {
            Err(StoreError::Query(ScimError::not_implemented(format!(
                "this service stores Users and Groups only, not {name}"
            ))))
        }
    }

    /// The table and its alias in mapped SQL.
    fn table(self) -> &'static str {
        match self {
            Kind::User => "users u",
            Kind::Group => "groups g",
        }
    }

    fn alias(self) -> &'static str {
        match self {
            Kind::User => "u",
            Kind::Group => "g",
        }
    }
}

/// A SCIM [`ResourceStore`] over an application's own `users`, `groups`
/// and `group_members` tables, in SQLite or Postgres.
///
/// Each SCIM attribute lives in a column (see [`user_mapping`] and
/// [`group_mapping`]); filters and `sortBy` are compiled onto those
/// columns with scim-filter's [`ColumnMapping`], so a list query is one
/// indexed SQL statement (plus a count), never a scan in Rust. A filter
/// on an attribute no column holds is 400 invalidFilter, a sort on one
/// 400 invalidValue; writes of such attributes follow
/// [`UnmappedAttributes`].
///
/// Uniqueness is the `users_user_name_key` unique index on
/// `(tenant, lower(user_name))`; replace and delete are compare-and-swap
/// on the `version` column inside a transaction (`SELECT ... FOR UPDATE`
/// on Postgres, `BEGIN IMMEDIATE` on SQLite).
///
/// The store talks to the database through sqlx's `Any` driver so that
/// one implementation serves both databases; every statement is built at
/// run time with bound parameters (placeholders from the mapping's
/// flavour), and only columns of types `Any` can decode are selected
/// (booleans as integers, Postgres times as text).
#[derive(Debug, Clone)]
pub struct TableStore {
    pool: AnyPool,
    flavor: Flavor,
    users: ColumnMapping,
    groups: ColumnMapping,
    user_columns: String,
    group_columns: String,
    base_url: Option<String>,
    unmapped: UnmappedAttributes,
}

/// Registers sqlx's SQLite and Postgres drivers for `Any` (once).
pub fn install_drivers() {
    static ONCE: Once = Once::new();
    ONCE.call_once(sqlx::any::install_default_drivers);
}

/// The flavour of a database URL (`sqlite:...`, `postgres://...`,
/// `postgresql://...`), if it is one of the two.
pub fn flavor_of(url: &str) -> Option<Flavor> {
    let lower = url.get(..11).unwrap_or(url).to_ascii_lowercase();
    if lower.starts_with("sqlite:") {
        Some(Flavor::Sqlite)
    } else if lower.starts_with("postgres://") || lower.starts_with("postgresql:") {
        Some(Flavor::Postgres)
    } else {
        None
    }
}

impl TableStore {
    /// Connects to `url` (`sqlite:PATH?mode=rwc` or `postgres://...`) and
    /// creates the tables when they are missing ([`TableStore::create_schema`]).
    pub async fn connect(url: &str) -> Result<TableStore, sqlx::Error> {
        install_drivers();
        let flavor = flavor_of(url).ok_or_else(|| {
            sqlx::Error::Configuration("expected a sqlite: or postgres:// URL".into())
        })?;
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .connect(url)
            .await?;
        let store = TableStore::new(pool, flavor);
        store.create_schema().await?;
        Ok(store)
    }

    /// A store over an open pool (connected to a database of `flavor`),
    /// whose tables exist or are created with [`TableStore::create_schema`].
    pub fn new(pool: AnyPool, flavor: Flavor) -> TableStore {
        let ts = |col: &str| match flavor {
            Flavor::Sqlite => col.to_owned(),
            Flavor::Postgres => {
                format!("to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
            }
        };
        let user_columns = format!(
            "u.id, u.user_name, u.given_name, u.family_name, u.display_name, u.title, u.email, \
             CAST(u.active AS INTEGER) AS active, u.external_id, {} AS created_at, \
             {} AS updated_at, u.version",
            ts("u.created_at"),
            ts("u.updated_at")
        );
        let group_columns = format!(
            "g.id, g.display_name, g.external_id, {} AS created_at, {} AS updated_at, g.version",
            ts("g.created_at"),
            ts("g.updated_at")
        );
        TableStore {
            pool,
            flavor,
            users: user_mapping(flavor),
            groups: group_mapping(flavor),
            user_columns,
            group_columns,
            base_url: None,
            unmapped: UnmappedAttributes::default(),
        }
    }

    /// Returns this store writing `meta.location` as
    /// `{base_url}/Users/{id}` (or `/Groups/`): the same base URL the
    /// server is configured with. Without one, `meta.location` is left out.
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> TableStore {
        self.base_url = Some(base_url.into().trim_end_matches('/').to_owned());
        self
    }

    /// Returns this store handling attributes without a column by `policy`.
    pub fn with_unmapped(mut self, policy: UnmappedAttributes) -> TableStore {
        self.unmapped = policy;
        self
    }

    /// The pool, for the application's own queries.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The SQL flavour the store writes.
    pub fn flavor(&self) -> Flavor {
        self.flavor
    }

    /// Creates the tables and indexes when missing (and, on SQLite,
    /// switches the file to WAL so readers do not wait for writers).
    pub async fn create_schema(&self) -> Result<(), sqlx::Error> {
        if self.flavor == Flavor::Sqlite {
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&self.pool)
                .await?;
        }
        for statement in schema_sql(self.flavor) {
            sqlx::query(AssertSqlSafe(*statement))
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// A statement for this store's flavour (mapped filters go through
    /// [`Sql::new`] with the resource type's mapping).
    fn sql(&self) -> Sql<'_> {
        Sql::new(&self.users, self.flavor)
    }

    fn mapping(&self, kind: Kind) -> &ColumnMapping {
        match kind {
            Kind::User => &self.users,
            Kind::Group => &self.groups,
        }
    }

    fn base(&self) -> Option<&str> {
        self.base_url.as_deref()
    }

    async fn begin(&self) -> Result<sqlx::Transaction<'static, Any>, StoreError> {
        let tx = match self.flavor {
            // Take the write lock up front: a deferred transaction that
            // reads, then writes, fails with SQLITE_BUSY under contention
            // instead of waiting.
            Flavor::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Flavor::Postgres => self.pool.begin().await,
        };
        tx.map_err(unavailable)
    }

    async fn conn(&self) -> Result<sqlx::pool::PoolConnection<Any>, StoreError> {
        self.pool.acquire().await.map_err(unavailable)
    }

    /// Checks the stored version of a row (locking it on Postgres):
    /// NotFound when there is none, VersionMismatch when it is not
    /// `expected`.
    async fn check_version(
        &self,
        conn: &mut AnyConnection,
        kind: Kind,
        tenant: &str,
        id: &str,
        expected: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut s = self.sql();
        s.sql("SELECT version FROM ")
            .sql(kind.table())
            .sql(" WHERE ")
            .sql(kind.alias())
            .sql(".tenant = ")
            .text(tenant)
            .sql(" AND ")
            .sql(kind.alias())
            .sql(".id = ")
            .text(id);
        if self.flavor == Flavor::Postgres {
            s.sql(" FOR UPDATE");
        }
        let row = s
            .query()
            .fetch_optional(&mut *conn)
            .await
            .map_err(unavailable)?;
        let Some(row) = row else {
            return Err(StoreError::NotFound { id: id.to_owned() });
        };
        let current: String = row.try_get("version").map_err(unavailable)?;
        match expected {
            Some(e) if e != current => Err(StoreError::VersionMismatch {
                expected: e.to_owned(),
                current,
            }),
            _ => Ok(()),
        }
    }

    // ---- users ----

    fn user_from_row(&self, row: &AnyRow) -> Result<UserRow, StoreError> {
        let text = |c: &str| row.try_get::<Option<String>, _>(c).map_err(unavailable);
        let active: Option<i64> = row.try_get("active").map_err(unavailable)?;
        Ok(UserRow {
            id: row.try_get("id").map_err(unavailable)?,
            user_name: row.try_get("user_name").map_err(unavailable)?,
            given_name: text("given_name")?,
            family_name: text("family_name")?,
            display_name: text("display_name")?,
            title: text("title")?,
            email: text("email")?,
            active: active.map(|a| a != 0),
            external_id: text("external_id")?,
            meta: self.meta_from_row(row)?,
        })
    }

    fn meta_from_row(&self, row: &AnyRow) -> Result<Meta, StoreError> {
        let created: String = row.try_get("created_at").map_err(unavailable)?;
        let updated: String = row.try_get("updated_at").map_err(unavailable)?;
        Ok(Meta {
            created: normalize_time(&created, "created_at")?,
            last_modified: normalize_time(&updated, "updated_at")?,
            version: row.try_get("version").map_err(unavailable)?,
        })
    }

    async fn get_user(
        &self,
        conn: &mut AnyConnection,
        tenant: &str,
        id: &str,
    ) -> Result<Option<Value>, StoreError> {
        let mut s = self.sql();
        s.sql("SELECT ")
            .sql(&self.user_columns)
            .sql(" FROM users u WHERE u.tenant = ")
            .text(tenant)
            .sql(" AND u.id = ")
            .text(id);
        let row = s
            .query()
            .fetch_optional(&mut *conn)
            .await
            .map_err(unavailable)?;
        row.map(|r| Ok(self.user_from_row(&r)?.to_resource(self.base())))
            .transpose()
    }

    fn push_user_values(&self, s: &mut Sql<'_>, row: &UserRow) {
        s.text(&row.user_name)
            .sql(", ")
            .opt_text(row.given_name.as_deref())
            .sql(", ")
            .opt_text(row.family_name.as_deref())
            .sql(", ")
            .opt_text(row.display_name.as_deref())
            .sql(", ")
            .opt_text(row.title.as_deref())
            .sql(", ")
            .opt_text(row.email.as_deref())
            .sql(", ")
            .opt_bool(row.active)
            .sql(", ")
            .opt_text(row.external_id.as_deref())
            .sql(", ")
            .time(&row.meta.created)
            .sql(", ")
            .time(&row.meta.last_modified)
            .sql(", ")
            .text(&row.meta.version);
    }

    async fn create_user(&self, tenant: &str, resource: &Value) -> Result<Value, StoreError> {
        let row = UserRow::from_resource(id_in(resource)?, resource, self.unmapped)?;
        let mut s = self.sql();
        s.sql(
            "INSERT INTO users (tenant, id, user_name, given_name, family_name, display_name, \
             title, email, active, external_id, created_at, updated_at, version) VALUES (",
        )
        .text(tenant)
        .sql(", ")
        .text(&row.id)
        .sql(", ");
        self.push_user_values(&mut s, &row);
        s.sql(")");
        s.query().execute(&self.pool).await.map_err(write_error)?;
        Ok(row.to_resource(self.base()))
    }

    async fn replace_user(
        &self,
        tenant: &str,
        id: &str,
        expected: Option<&str>,
        resource: &Value,
    ) -> Result<Value, StoreError> {
        let row = UserRow::from_resource(id, resource, self.unmapped)?;
        let mut tx = self.begin().await?;
        self.check_version(&mut tx, Kind::User, tenant, id, expected)
            .await?;
        let mut s = self.sql();
        s.sql(
            "UPDATE users SET (user_name, given_name, family_name, display_name, title, email, \
             active, external_id, created_at, updated_at, version) = (",
        );
        self.push_user_values(&mut s, &row);
        s.sql(") WHERE tenant = ")
            .text(tenant)
            .sql(" AND id = ")
            .text(id);
        s.query().execute(&mut *tx).await.map_err(write_error)?;
        tx.commit().await.map_err(unavailable)?;
        Ok(row.to_resource(self.base()))
    }

    /// Deletes a user and its memberships; each group it leaves gets a new
    /// version and lastModified, since its `members` changed.
    async fn delete_user(
        &self,
        tenant: &str,
        id: &str,
        expected: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        self.check_version(&mut tx, Kind::User, tenant, id, expected)
            .await?;
        let mut s = self.sql();
        s.sql("SELECT group_id FROM group_members WHERE tenant = ")
            .text(tenant)
            .sql(" AND user_id = ")
            .text(id);
        let left: Vec<String> = s
            .query()
            .fetch_all(&mut *tx)
            .await
            .map_err(unavailable)?
            .iter()
            .map(|r| r.try_get("group_id"))
            .collect::<Result<_, _>>()
            .map_err(unavailable)?;
        // The foreign key cascades too; deleting explicitly keeps this
        // right on a SQLite connection with foreign keys off.
        let mut s = self.sql();
        s.sql("DELETE FROM group_members WHERE tenant = ")
            .text(tenant)
            .sql(" AND user_id = ")
            .text(id);
        s.query().execute(&mut *tx).await.map_err(unavailable)?;
        let mut s = self.sql();
        s.sql("DELETE FROM users WHERE tenant = ")
            .text(tenant)
            .sql(" AND id = ")
            .text(id);
        s.query().execute(&mut *tx).await.map_err(unavailable)?;
        let now = now_text();
        for gid in left {
            let Some(mut group) = self.get_group(&mut tx, tenant, &gid).await? else {
                continue;
            };
            set_version(&mut group);
            let version = group["meta"]["version"].as_str().unwrap_or("").to_owned();
            let mut s = self.sql();
            s.sql("UPDATE groups SET version = ")
                .text(&version)
                .sql(", updated_at = ")
                .time(&now)
                .sql(" WHERE tenant = ")
                .text(tenant)
                .sql(" AND id = ")
                .text(&gid);
            s.query().execute(&mut *tx).await.map_err(unavailable)?;
        }
        tx.commit().await.map_err(unavailable)
    }

    // ---- groups ----

    fn group_from_row(&self, row: &AnyRow) -> Result<GroupRow, StoreError> {
        Ok(GroupRow {
            id: row.try_get("id").map_err(unavailable)?,
            display_name: row.try_get("display_name").map_err(unavailable)?,
            external_id: row.try_get("external_id").map_err(unavailable)?,
            meta: self.meta_from_row(row)?,
        })
    }

    /// The members of the given groups, by group id, in the users'
    /// creation order.
    async fn members_of(
        &self,
        conn: &mut AnyConnection,
        tenant: &str,
        group_ids: &[String],
    ) -> Result<HashMap<String, Vec<Member>>, StoreError> {
        let mut out: HashMap<String, Vec<Member>> = HashMap::new();
        for chunk in group_ids.chunks(500) {
            let mut s = self.sql();
            s.sql(
                "SELECT m.group_id, m.user_id, mu.display_name FROM group_members m \
                 JOIN users mu ON mu.tenant = m.tenant AND mu.id = m.user_id \
                 WHERE m.tenant = ",
            )
            .text(tenant)
            .sql(" AND m.group_id IN (");
            for (i, gid) in chunk.iter().enumerate() {
                if i > 0 {
                    s.sql(", ");
                }
                s.text(gid);
            }
            s.sql(") ORDER BY mu.seq");
            for row in s.query().fetch_all(&mut *conn).await.map_err(unavailable)? {
                let gid: String = row.try_get("group_id").map_err(unavailable)?;
                out.entry(gid).or_default().push(Member {
                    user_id: row.try_get("user_id").map_err(unavailable)?,
                    display: row.try_get("display_name").map_err(unavailable)?,
                });
            }
        }
        Ok(out)
    }

    /// Groups from their rows, members filled in.
    async fn groups_from_rows(
        &self,
        conn: &mut AnyConnection,
        tenant: &str,
        rows: &[AnyRow],
    ) -> Result<Vec<Value>, StoreError> {
        let groups: Vec<GroupRow> = rows
            .iter()
            .map(|r| self.group_from_row(r))
            .collect::<Result<_, _>>()?;
        let ids: Vec<String> = groups.iter().map(|g| g.id.clone()).collect();
        let mut members = self.members_of(conn, tenant, &ids).await?;
        Ok(groups
            .iter()
            .map(|g| {
                let m = members.remove(&g.id).unwrap_or_default();
                g.to_resource(&m, self.base())
            })
            .collect())
    }

    async fn get_group(
        &self,
        conn: &mut AnyConnection,
        tenant: &str,
        id: &str,
    ) -> Result<Option<Value>, StoreError> {
        let mut s = self.sql();
        s.sql("SELECT ")
            .sql(&self.group_columns)
            .sql(" FROM groups g WHERE g.tenant = ")
            .text(tenant)
            .sql(" AND g.id = ")
            .text(id);
        let rows = s.query().fetch_all(&mut *conn).await.map_err(unavailable)?;
        Ok(self
            .groups_from_rows(conn, tenant, &rows)
            .await?
            .into_iter()
            .next())
    }

    /// Replaces a group's members by `members`, each of which must be a
    /// user of the tenant (400 invalidValue otherwise).
    async fn write_members(
        &self,
        conn: &mut AnyConnection,
        tenant: &str,
        group_id: &str,
        members: &[String],
    ) -> Result<(), StoreError> {
        let mut s = self.sql();
        s.sql("DELETE FROM group_members WHERE tenant = ")
            .text(tenant)
            .sql(" AND group_id = ")
            .text(group_id);
        s.query().execute(&mut *conn).await.map_err(unavailable)?;
        for chunk in members.chunks(500) {
            let mut s = self.sql();
            s.sql("INSERT INTO group_members (tenant, group_id, user_id) SELECT u.tenant, ")
                .text(group_id)
                .sql(", u.id FROM users u WHERE u.tenant = ")
                .text(tenant)
                .sql(" AND u.id IN (");
            for (i, m) in chunk.iter().enumerate() {
                if i > 0 {
                    s.sql(", ");
                }
                s.text(m);
            }
            s.sql(")");
            let done = s
                .query()
                .execute(&mut *conn)
                .await
                .map_err(write_error)?
                .rows_affected();
            if usize::try_from(done).ok() != Some(chunk.len()) {
                return Err(self.missing_member(conn, tenant, chunk).await);
            }
        }
        Ok(())
    }

    /// The 400 for a member list naming a non-user.
    async fn missing_member(
        &self,
        conn: &mut AnyConnection,
        tenant: &str,
        members: &[String],
    ) -> StoreError {
        for m in members {
            if let Ok(None) = self.get_user(conn, tenant, m).await {
                return StoreError::Query(ScimError::invalid_value(format!(
                    "member {m} is not a user of this tenant: group_members holds users only"
                )));
            }
        }
        StoreError::Query(ScimError::invalid_value(
            "a member is not a user of this tenant",
        ))
    }

    fn push_group_values(s: &mut Sql<'_>, row: &GroupRow) {
        s.text(&row.display_name)
            .sql(", ")
            .opt_text(row.external_id.as_deref())
            .sql(", ")
            .time(&row.meta.created)
            .sql(", ")
            .time(&row.meta.last_modified)
            .sql(", ")
            .text(&row.meta.version);
    }

    async fn create_group(&self, tenant: &str, resource: &Value) -> Result<Value, StoreError> {
        let (row, members) = GroupRow::from_resource(id_in(resource)?, resource, self.unmapped)?;
        let mut tx = self.begin().await?;
        let mut s = self.sql();
        s.sql(
            "INSERT INTO groups (tenant, id, display_name, external_id, created_at, updated_at, \
             version) VALUES (",
        )
        .text(tenant)
        .sql(", ")
        .text(&row.id)
        .sql(", ");
        Self::push_group_values(&mut s, &row);
        s.sql(")");
        s.query().execute(&mut *tx).await.map_err(write_error)?;
        self.write_members(&mut tx, tenant, &row.id, &members)
            .await?;
        let stored = self.get_group(&mut tx, tenant, &row.id).await?;
        tx.commit().await.map_err(unavailable)?;
        stored.ok_or_else(|| StoreError::Unavailable("the new group vanished".into()))
    }

    async fn replace_group(
        &self,
        tenant: &str,
        id: &str,
        expected: Option<&str>,
        resource: &Value,
    ) -> Result<Value, StoreError> {
        let (row, members) = GroupRow::from_resource(id, resource, self.unmapped)?;
        let mut tx = self.begin().await?;
        self.check_version(&mut tx, Kind::Group, tenant, id, expected)
            .await?;
        let mut s = self.sql();
        s.sql("UPDATE groups SET (display_name, external_id, created_at, updated_at, version) = (");
        Self::push_group_values(&mut s, &row);
        s.sql(") WHERE tenant = ")
            .text(tenant)
            .sql(" AND id = ")
            .text(id);
        s.query().execute(&mut *tx).await.map_err(write_error)?;
        self.write_members(&mut tx, tenant, id, &members).await?;
        let stored = self.get_group(&mut tx, tenant, id).await?;
        tx.commit().await.map_err(unavailable)?;
        stored.ok_or_else(|| StoreError::NotFound { id: id.to_owned() })
    }

    async fn delete_group(
        &self,
        tenant: &str,
        id: &str,
        expected: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        self.check_version(&mut tx, Kind::Group, tenant, id, expected)
            .await?;
        for statement in [
            "DELETE FROM group_members WHERE tenant = ",
            "DELETE FROM groups WHERE tenant = ",
        ] {
            let mut s = self.sql();
            let key = if statement.contains("members") {
                " AND group_id = "
            } else {
                " AND id = "
            };
            s.sql(statement).text(tenant).sql(key).text(id);
            s.query().execute(&mut *tx).await.map_err(unavailable)?;
        }
        tx.commit().await.map_err(unavailable)
    }

    // ---- lists ----

    /// `FROM table WHERE tenant = ? [AND (filter)]`, the filter compiled
    /// onto the mapped columns.
    fn push_from_where(
        s: &mut Sql<'_>,
        kind: Kind,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        query: &ListQuery,
    ) -> Result<(), StoreError> {
        s.sql(" FROM ")
            .sql(kind.table())
            .sql(" WHERE ")
            .sql(kind.alias())
            .sql(".tenant = ")
            .text(tenant);
        if let Some(filter) = &query.filter {
            s.sql(" AND (");
            s.b.push_filter(filter, schema).map_err(filter_error)?;
            s.sql(")");
        }
        Ok(())
    }

    async fn list_kind(
        &self,
        kind: Kind,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        query: &ListQuery,
    ) -> Result<ListPage, StoreError> {
        let mapping = self.mapping(kind);
        let alias = kind.alias();
        // The count.
        let mut s = Sql::new(mapping, self.flavor);
        s.sql("SELECT count(*) AS n");
        Self::push_from_where(&mut s, kind, tenant, schema, query)?;
        let mut conn = self.conn().await?;
        let total: i64 = s
            .query()
            .fetch_one(&mut *conn)
            .await
            .map_err(unavailable)?
            .try_get("n")
            .map_err(unavailable)?;
        let total = usize::try_from(total).unwrap_or(0);
        let offset = query.offset();
        if query.count == 0 || offset >= total {
            return Ok(ListPage {
                resources: Vec::new(),
                total_results: total,
            });
        }
        // The page.
        let mut s = Sql::new(mapping, self.flavor);
        s.sql("SELECT ").sql(match kind {
            Kind::User => &self.user_columns,
            Kind::Group => &self.group_columns,
        });
        Self::push_from_where(&mut s, kind, tenant, schema, query)?;
        match &query.sort_by {
            Some(path) => {
                s.b.push_order_by(path, query.sort_order, schema)
                    .map_err(sort_error)?;
                s.sql(", ");
            }
            None => {
                s.sql(" ORDER BY ");
            }
        }
        s.sql(alias).sql(".seq");
        s.b.push_limit_offset(Some(query.count as u64), offset as u64);
        let rows = s.query().fetch_all(&mut *conn).await.map_err(unavailable)?;
        let resources = match kind {
            Kind::User => rows
                .iter()
                .map(|r| Ok(self.user_from_row(r)?.to_resource(self.base())))
                .collect::<Result<_, StoreError>>()?,
            Kind::Group => self.groups_from_rows(&mut conn, tenant, &rows).await?,
        };
        Ok(ListPage {
            resources,
            total_results: total,
        })
    }
}

#[async_trait]
impl ResourceStore for TableStore {
    async fn create(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        resource: Value,
    ) -> Result<Value, StoreError> {
        match Kind::of(schema)? {
            Kind::User => self.create_user(tenant, &resource).await,
            Kind::Group => self.create_group(tenant, &resource).await,
        }
    }

    async fn get(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        id: &str,
    ) -> Result<Option<Value>, StoreError> {
        let kind = Kind::of(schema)?;
        let mut conn = self.conn().await?;
        match kind {
            Kind::User => self.get_user(&mut conn, tenant, id).await,
            Kind::Group => self.get_group(&mut conn, tenant, id).await,
        }
    }

    async fn replace(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        id: &str,
        expected_version: Option<&str>,
        resource: Value,
    ) -> Result<Value, StoreError> {
        match Kind::of(schema)? {
            Kind::User => {
                self.replace_user(tenant, id, expected_version, &resource)
                    .await
            }
            Kind::Group => {
                self.replace_group(tenant, id, expected_version, &resource)
                    .await
            }
        }
    }

    async fn delete(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        id: &str,
        expected_version: Option<&str>,
    ) -> Result<(), StoreError> {
        match Kind::of(schema)? {
            Kind::User => self.delete_user(tenant, id, expected_version).await,
            Kind::Group => self.delete_group(tenant, id, expected_version).await,
        }
    }

    async fn list(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        query: &ListQuery,
    ) -> Result<ListPage, StoreError> {
        let kind = Kind::of(schema)?;
        self.list_kind(kind, tenant, schema, query).await
    }

    async fn member_of(
        &self,
        tenant: &str,
        group_schema: &ResourceSchema<'_>,
        member_id: &str,
    ) -> Result<Vec<Value>, StoreError> {
        if Kind::of(group_schema)? != Kind::Group {
            return Ok(Vec::new());
        }
        let mut s = self.sql();
        s.sql("SELECT ")
            .sql(&self.group_columns)
            .sql(" FROM groups g WHERE g.tenant = ")
            .text(tenant)
            .sql(
                " AND EXISTS (SELECT 1 FROM group_members m WHERE m.tenant = g.tenant \
                 AND m.group_id = g.id AND m.user_id = ",
            )
            .text(member_id)
            .sql(") ORDER BY g.seq");
        let mut conn = self.conn().await?;
        let rows = s.query().fetch_all(&mut *conn).await.map_err(unavailable)?;
        self.groups_from_rows(&mut conn, tenant, &rows).await
    }
}

/// A statement being written: SQL text from this file, every value a
/// bound parameter with the flavour's placeholder.
struct Sql<'m> {
    b: SqlBuilder<'m, ColumnMapping>,
    flavor: Flavor,
}

impl<'m> Sql<'m> {
    fn new(mapping: &'m ColumnMapping, flavor: Flavor) -> Self {
        Sql {
            b: SqlBuilder::new(mapping),
            flavor,
        }
    }

    fn sql(&mut self, sql: &str) -> &mut Self {
        self.b.push_sql(sql);
        self
    }

    fn text(&mut self, value: &str) -> &mut Self {
        self.b.push_param(SqlValue::Text(value.to_owned()));
        self
    }

    fn opt_text(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.text(v),
            None => self.sql("NULL"),
        }
    }

    fn opt_bool(&mut self, value: Option<bool>) -> &mut Self {
        match value {
            Some(v) => {
                self.b.push_param(SqlValue::Bool(v));
                self
            }
            None => self.sql("NULL"),
        }
    }

    /// An RFC 3339 time into a time column.
    fn time(&mut self, value: &str) -> &mut Self {
        match self.flavor {
            Flavor::Sqlite => self.text(value),
            Flavor::Postgres => self.sql("CAST(").text(value).sql(" AS timestamptz)"),
        }
    }

    fn query(self) -> Query<'static, Any, AnyArguments> {
        let (sql, params) = self.b.build();
        let mut q = sqlx::query(AssertSqlSafe(sql));
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
}

fn id_in(resource: &Value) -> Result<&str, StoreError> {
    resource
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| StoreError::Query(ScimError::invalid_value("the resource has no id")))
}

fn now_text() -> String {
    let t = OffsetDateTime::now_utc();
    let t = t
        .replace_nanosecond(u32::from(t.millisecond()) * 1_000_000)
        .unwrap_or(t);
    format_time(t)
}

fn unavailable(e: sqlx::Error) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// A write's error: the userName index is Uniqueness(userName), any other
/// unique key (the resource id) Uniqueness(id), a member that is not a
/// user (a concurrent delete) 400 invalidValue.
fn write_error(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            let on_user_name = db.constraint().is_some_and(|c| c == "users_user_name_key")
                || db.message().contains("users_user_name_key");
            return StoreError::Uniqueness {
                attribute: if on_user_name { "userName" } else { "id" }.into(),
            };
        }
        if db.is_foreign_key_violation() {
            return StoreError::Query(ScimError::invalid_value(
                "a member is not a user of this tenant",
            ));
        }
    }
    unavailable(e)
}

fn filter_error(e: SqlError) -> StoreError {
    let detail = match e {
        SqlError::Unmapped { path } => {
            format!("filtering on `{path}` is not supported: no column holds it")
        }
        other => other.to_string(),
    };
    StoreError::Query(ScimError::invalid_filter(detail))
}

fn sort_error(e: SqlError) -> StoreError {
    let detail = match e {
        SqlError::Unmapped { path } => {
            format!("sorting by `{path}` is not supported: no column holds it")
        }
        other => other.to_string(),
    };
    StoreError::Query(ScimError::invalid_value(detail))
}
