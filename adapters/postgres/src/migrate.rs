//! Embedded migrations: plain SQL, run in order on connect, each in its own
//! transaction under an advisory lock and recorded in `scim_migrations`.
//!
//! Index expressions are not written by hand: they come from the SQL
//! compiler's expression functions applied to the built-in schema, so they
//! are exactly the expressions compiled filters contain (Postgres uses an
//! expression index only for a textually equal expression).

use crate::hints::{elements_key_expr, elements_text_expr};
use crate::Error;
use scim_core::Registry;
use scim_filter::sql::PostgresJsonb;
use scim_filter::sql::SqlError;
use scim_filter::{AttrPath, SchemaFacts};
use sqlx::{AssertSqlSafe, PgPool};

/// One migration: its number, what it does, its statements.
struct Migration {
    version: i32,
    description: &'static str,
    statements: Vec<String>,
    /// Applied only when the `pg_trgm` operator classes are visible; left
    /// pending (and tried again on the next connect) otherwise.
    needs_trgm: bool,
}

fn path(name: &str, sub: Option<&str>) -> AttrPath {
    AttrPath {
        urn: None,
        name: name.to_owned(),
        sub_attr: sub.map(str::to_owned),
    }
}

/// The lookup-index expressions: (`index name`, expression).
pub(crate) fn lookup_expressions(
    dialect: &PostgresJsonb,
    users: &impl SchemaFacts,
) -> Result<Vec<(&'static str, String)>, Error> {
    Ok(vec![
        ("scim_idx_id", dialect.text_expr(&path("id", None), users)?),
        (
            "scim_idx_external_id",
            dialect.text_expr(&path("externalId", None), users)?,
        ),
        (
            "scim_idx_user_name",
            dialect.text_expr(&path("userName", None), users)?,
        ),
    ])
}

fn migrations() -> Result<Vec<Migration>, Error> {
    let registry = Registry::with_builtins();
    let users = registry
        .view("User")
        .ok_or_else(|| Error::Database(sqlx::Error::Protocol("no built-in User type".into())))?;
    let groups = registry
        .view("Group")
        .ok_or_else(|| Error::Database(sqlx::Error::Protocol("no built-in Group type".into())))?;
    let d = PostgresJsonb::new("doc");
    let mut lookups: Vec<String> = lookup_expressions(&d, &users)?
        .into_iter()
        .map(|(name, expr)| {
            format!("CREATE INDEX IF NOT EXISTS {name} ON scim_resources (tenant, rtype, ({expr}))")
        })
        .collect();
    lookups.push(
        "CREATE INDEX IF NOT EXISTS scim_idx_members ON scim_resources \
         USING gin ((doc->'members') jsonb_path_ops) WITH (fastupdate = off)"
            .to_owned(),
    );
    let members_value = path("members", Some("value"));
    let emails_value = path("emails", Some("value"));
    let elements = vec![
        format!(
            "CREATE INDEX IF NOT EXISTS scim_idx_members_value ON scim_resources \
             USING gin (({}) jsonb_path_ops) WITH (fastupdate = off)",
            elements_key_expr(&members_value, &groups).ok_or(Error::Index(
                SqlError::NotIndexable {
                    path: "members.value".into()
                }
            ))?
        ),
        format!(
            "CREATE INDEX IF NOT EXISTS scim_idx_emails_value ON scim_resources \
             USING gin (({}) jsonb_path_ops) WITH (fastupdate = off)",
            elements_key_expr(&emails_value, &users).ok_or(Error::Index(
                SqlError::NotIndexable {
                    path: "emails.value".into()
                }
            ))?
        ),
    ];
    let trigram = vec![
        format!(
            "CREATE INDEX IF NOT EXISTS scim_trgm_user_name ON scim_resources \
             USING gin (({}) gin_trgm_ops) WITH (fastupdate = off)",
            d.text_expr(&path("userName", None), &users)?
        ),
        format!(
            "CREATE INDEX IF NOT EXISTS scim_trgm_emails_value ON scim_resources \
             USING gin (({}) gin_trgm_ops) WITH (fastupdate = off)",
            elements_text_expr(&emails_value, &users).ok_or(Error::Index(
                SqlError::NotIndexable {
                    path: "emails.value".into()
                }
            ))?
        ),
    ];
    Ok(vec![
        Migration {
            version: 1,
            description: "resources and unique-value tables",
            statements: vec![
                "CREATE TABLE IF NOT EXISTS scim_resources (\
                 tenant text NOT NULL, rtype text NOT NULL, id text NOT NULL, \
                 seq bigint GENERATED ALWAYS AS IDENTITY, \
                 version text NOT NULL, doc jsonb NOT NULL, \
                 PRIMARY KEY (tenant, rtype, id))"
                    .to_owned(),
                "CREATE INDEX IF NOT EXISTS scim_resources_seq ON scim_resources (tenant, rtype, seq)"
                    .to_owned(),
                "CREATE TABLE IF NOT EXISTS scim_unique (\
                 tenant text NOT NULL, rtype text NOT NULL, attr text NOT NULL, \
                 value text NOT NULL, id text NOT NULL, \
                 PRIMARY KEY (tenant, rtype, attr, value))"
                    .to_owned(),
                "CREATE INDEX IF NOT EXISTS scim_unique_owner ON scim_unique (tenant, rtype, id)"
                    .to_owned(),
            ],
            needs_trgm: false,
        },
        Migration {
            version: 2,
            description: "lookup indexes: id, externalId, userName, members",
            statements: lookups,
            needs_trgm: false,
        },
        Migration {
            version: 3,
            description: "GIN indexes over multi-valued values: members.value, emails.value",
            statements: elements,
            needs_trgm: false,
        },
        Migration {
            version: 4,
            description: "trigram indexes for co/sw/ew: userName, emails.value",
            statements: trigram,
            needs_trgm: true,
        },
        Migration {
            version: 5,
            description: "GIN indexes without a pending list",
            statements: vec![
                // Lookups must not scan a pending list of recent writes
                // (it made a members lookup 6x slower after 20,000
                // inserts); flush what an older index holds.
                "SELECT gin_clean_pending_list(c.oid) FROM pg_class c \
                 WHERE c.relnamespace = CAST(current_schema() AS regnamespace) \
                 AND c.relname IN ('scim_idx_members', 'scim_idx_members_value', 'scim_idx_emails_value', \
                 'scim_trgm_user_name', 'scim_trgm_emails_value')"
                    .to_owned(),
            ]
            .into_iter()
            .chain(
                [
                    "scim_idx_members",
                    "scim_idx_members_value",
                    "scim_idx_emails_value",
                    "scim_trgm_user_name",
                    "scim_trgm_emails_value",
                ]
                .iter()
                .map(|i| format!("ALTER INDEX IF EXISTS {i} SET (fastupdate = off)")),
            )
            .collect(),
            needs_trgm: false,
        },
    ])
}

/// Runs every pending migration.
pub(crate) async fn run(pool: &PgPool) -> Result<(), Error> {
    // The bookkeeping table is created under the same lock the
    // migrations take: `CREATE TABLE IF NOT EXISTS` alone is not safe
    // against a concurrent creator (the loser fails on the catalog).
    let mut tx = pool.begin().await?;
    lock(&mut tx).await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS scim_migrations (\
         version integer PRIMARY KEY, description text NOT NULL, \
         applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let applied: Vec<i32> = sqlx::query_scalar("SELECT version FROM scim_migrations")
        .fetch_all(pool)
        .await?;
    let pending: Vec<Migration> = migrations()?
        .into_iter()
        .filter(|m| !applied.contains(&m.version))
        .collect();
    if pending.is_empty() {
        return Ok(());
    }
    let trgm = if pending.iter().any(|m| m.needs_trgm) {
        ensure_trgm(pool).await
    } else {
        false
    };
    for m in pending {
        if m.needs_trgm && !trgm {
            continue;
        }
        let mut tx = pool.begin().await?;
        // One migrator per schema at a time; the others wait, then see
        // the migration recorded and skip it.
        lock(&mut tx).await?;
        let done: Option<i32> =
            sqlx::query_scalar("SELECT version FROM scim_migrations WHERE version = $1")
                .bind(m.version)
                .fetch_optional(&mut *tx)
                .await?;
        if done.is_some() {
            continue;
        }
        for stmt in m.statements {
            sqlx::query(AssertSqlSafe(stmt)).execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO scim_migrations (version, description) VALUES ($1, $2)")
            .bind(m.version)
            .bind(m.description)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Takes the per-schema migration lock until `tx` ends.
async fn lock(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.scim_migrations'))")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Creates `pg_trgm` if it can (in `public`, so that dropping a test
/// schema never drops it) and says whether its operator classes are
/// visible now.
async fn ensure_trgm(pool: &PgPool) -> bool {
    let visible = || async {
        sqlx::query_scalar::<_, bool>(
            "SELECT EXISTS (SELECT 1 FROM pg_opclass WHERE opcname = 'gin_trgm_ops' AND pg_opclass_is_visible(oid))",
        )
        .fetch_one(pool)
        .await
        .unwrap_or(false)
    };
    if visible().await {
        return true;
    }
    // Failure (no permission, extension not installed on the server, a
    // concurrent creator) is fine: the trigram indexes wait.
    let _ = sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        .execute(pool)
        .await;
    visible().await
}
