//! The application's tables (as SQL), the column mapping the filter
//! compiler uses over them, and the SCIM registry narrowed to what they
//! hold.

use scim_core::schema::{GROUP_SCHEMA, USER_SCHEMA};
use scim_core::Registry;
use scim_filter::sql::{ColumnMapping, ColumnType, Flavor};

/// The application's schema on SQLite, one statement per element.
///
/// `seq` gives creation order (SCIM's order for unsorted lists); the
/// unique index on `(tenant, lower(user_name))` is SCIM's userName
/// uniqueness under its case rule (caseExact false), enforced by the
/// database so two racing creates cannot both win. SQLite's `lower()`
/// folds ASCII letters only. Times are RFC 3339 text in UTC.
pub const SQLITE_SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS users (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant TEXT NOT NULL,
        id TEXT NOT NULL,
        user_name TEXT NOT NULL,
        given_name TEXT,
        family_name TEXT,
        display_name TEXT,
        title TEXT,
        email TEXT,
        active BOOLEAN,
        external_id TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version TEXT NOT NULL,
        UNIQUE (tenant, id)
    )",
    "CREATE UNIQUE INDEX IF NOT EXISTS users_user_name_key ON users (tenant, lower(user_name))",
    "CREATE INDEX IF NOT EXISTS users_email ON users (tenant, lower(email))",
    "CREATE TABLE IF NOT EXISTS groups (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant TEXT NOT NULL,
        id TEXT NOT NULL,
        display_name TEXT NOT NULL,
        external_id TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version TEXT NOT NULL,
        UNIQUE (tenant, id)
    )",
    "CREATE TABLE IF NOT EXISTS group_members (
        tenant TEXT NOT NULL,
        group_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        PRIMARY KEY (tenant, group_id, user_id),
        FOREIGN KEY (tenant, group_id) REFERENCES groups (tenant, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant, user_id) REFERENCES users (tenant, id) ON DELETE CASCADE
    )",
    "CREATE INDEX IF NOT EXISTS group_members_user ON group_members (tenant, user_id)",
];

/// The same schema on Postgres: identity `seq`, `timestamptz` times.
pub const POSTGRES_SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS users (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant TEXT NOT NULL,
        id TEXT NOT NULL,
        user_name TEXT NOT NULL,
        given_name TEXT,
        family_name TEXT,
        display_name TEXT,
        title TEXT,
        email TEXT,
        active BOOLEAN,
        external_id TEXT,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        version TEXT NOT NULL,
        UNIQUE (tenant, id)
    )",
    "CREATE UNIQUE INDEX IF NOT EXISTS users_user_name_key ON users (tenant, lower(user_name))",
    "CREATE INDEX IF NOT EXISTS users_email ON users (tenant, lower(email))",
    "CREATE TABLE IF NOT EXISTS groups (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant TEXT NOT NULL,
        id TEXT NOT NULL,
        display_name TEXT NOT NULL,
        external_id TEXT,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        version TEXT NOT NULL,
        UNIQUE (tenant, id)
    )",
    "CREATE TABLE IF NOT EXISTS group_members (
        tenant TEXT NOT NULL,
        group_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        PRIMARY KEY (tenant, group_id, user_id),
        FOREIGN KEY (tenant, group_id) REFERENCES groups (tenant, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant, user_id) REFERENCES users (tenant, id) ON DELETE CASCADE
    )",
    "CREATE INDEX IF NOT EXISTS group_members_user ON group_members (tenant, user_id)",
];

/// The schema statements for a flavour.
pub fn schema_sql(flavor: Flavor) -> &'static [&'static str] {
    match flavor {
        Flavor::Postgres => POSTGRES_SCHEMA,
        Flavor::Sqlite => SQLITE_SCHEMA,
    }
}

/// How filters and `sortBy` on Users become SQL over `users u`.
///
/// `emails` is multi-valued in SCIM but one column here, so its "child
/// table" is the user's own row (`users e`, joined on the key) with the
/// constant type `work` and `primary` true. `groups` reads
/// `group_members` joined to `groups`. Paths missing here (nickName,
/// `meta.location`, extensions, ...) make a filter 400 invalidFilter.
pub fn user_mapping(flavor: Flavor) -> ColumnMapping {
    let truth = match flavor {
        Flavor::Postgres => "TRUE",
        Flavor::Sqlite => "1",
    };
    ColumnMapping::new(flavor)
        .with_column("id", "u.id", ColumnType::Text)
        .with_column("externalId", "u.external_id", ColumnType::Text)
        .with_column("userName", "u.user_name", ColumnType::Text)
        .with_column("name.givenName", "u.given_name", ColumnType::Text)
        .with_column("name.familyName", "u.family_name", ColumnType::Text)
        .with_column("displayName", "u.display_name", ColumnType::Text)
        .with_column("title", "u.title", ColumnType::Text)
        .with_column("active", "u.active", ColumnType::Boolean)
        .with_child(
            "emails",
            "users e",
            "e.tenant = u.tenant AND e.id = u.id AND e.email IS NOT NULL AND e.email <> ''",
        )
        .with_column("emails.value", "e.email", ColumnType::Text)
        .with_column("emails.type", "'work'", ColumnType::Text)
        .with_column("emails.primary", truth, ColumnType::Boolean)
        .with_child(
            "groups",
            "group_members gm JOIN groups gg ON gg.tenant = gm.tenant AND gg.id = gm.group_id",
            "gm.tenant = u.tenant AND gm.user_id = u.id",
        )
        .with_column("groups.value", "gm.group_id", ColumnType::Text)
        .with_column("groups.display", "gg.display_name", ColumnType::Text)
        .with_column("groups.type", "'direct'", ColumnType::Text)
        .with_column("meta.resourceType", "'User'", ColumnType::Text)
        .with_column("meta.created", "u.created_at", ColumnType::Timestamp)
        .with_column("meta.lastModified", "u.updated_at", ColumnType::Timestamp)
        .with_column("meta.version", "u.version", ColumnType::Text)
}

/// How filters and `sortBy` on Groups become SQL over `groups g`;
/// `members` reads `group_members` joined to the member's user row.
pub fn group_mapping(flavor: Flavor) -> ColumnMapping {
    ColumnMapping::new(flavor)
        .with_column("id", "g.id", ColumnType::Text)
        .with_column("externalId", "g.external_id", ColumnType::Text)
        .with_column("displayName", "g.display_name", ColumnType::Text)
        .with_child(
            "members",
            "group_members m JOIN users mu ON mu.tenant = m.tenant AND mu.id = m.user_id",
            "m.tenant = g.tenant AND m.group_id = g.id",
        )
        .with_column("members.value", "m.user_id", ColumnType::Text)
        .with_column("members.display", "mu.display_name", ColumnType::Text)
        .with_column("members.type", "'User'", ColumnType::Text)
        .with_column("meta.resourceType", "'Group'", ColumnType::Text)
        .with_column("meta.created", "g.created_at", ColumnType::Timestamp)
        .with_column("meta.lastModified", "g.updated_at", ColumnType::Timestamp)
        .with_column("meta.version", "g.version", ColumnType::Text)
}

/// The User attributes (and sub-attributes) the tables hold.
const USER_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("userName", &[]),
    ("name", &["givenName", "familyName"]),
    ("displayName", &[]),
    ("title", &[]),
    ("active", &[]),
    ("emails", &["value", "type", "primary"]),
    ("groups", &["value", "$ref", "display", "type"]),
];

/// The Group attributes the tables hold (`display` and `$ref` of members
/// are derived from the member's row).
const GROUP_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("displayName", &[]),
    ("members", &["value", "$ref", "type", "display"]),
];

/// The built-in User and Group types narrowed to what the tables hold,
/// without the Enterprise extension: `/Schemas` then advertises exactly
/// what is stored, and the server refuses anything else (400
/// invalidValue) before the store sees it.
pub fn registry() -> Registry {
    let builtins = Registry::with_builtins();
    let mut registry = Registry::new();
    for schema in builtins.schemas() {
        let keep = match schema.id.as_str() {
            USER_SCHEMA => USER_ATTRIBUTES,
            GROUP_SCHEMA => GROUP_ATTRIBUTES,
            _ => continue,
        };
        let mut schema = schema.clone();
        schema.attributes.retain_mut(|a| {
            let Some((_, subs)) = keep.iter().find(|(n, _)| a.name == *n) else {
                return false;
            };
            if !subs.is_empty() {
                a.sub_attributes.retain(|s| subs.contains(&s.name.as_str()));
            }
            true
        });
        // Clones of the built-ins into an empty registry cannot collide.
        let _ = registry.add_schema(schema);
    }
    for rt in builtins.resource_types() {
        if rt.schema == USER_SCHEMA || rt.schema == GROUP_SCHEMA {
            let mut rt = rt.clone();
            rt.schema_extensions.clear();
            let _ = registry.add_resource_type(rt);
        }
    }
    registry
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use scim_filter::parse_filter;
    use scim_filter::sql::{compile_filter, SqlError};

    #[test]
    fn the_narrowed_registry_holds_exactly_the_mapped_attributes() {
        let r = registry();
        let users = r.view("User").unwrap();
        assert!(users.extensions.is_empty());
        assert!(users.resolve(None, "userName").is_some());
        assert!(users.resolve(None, "nickName").is_none());
        let name = users.resolve(None, "name").unwrap().attribute;
        let subs: Vec<&str> = name
            .sub_attributes
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(subs.len(), 2, "{subs:?}");
        assert!(r.view("Group").unwrap().resolve(None, "members").is_some());
        // Every attribute the registry keeps can be filtered on.
        for (path, flavor) in [
            ("userName", Flavor::Sqlite),
            ("name.givenName", Flavor::Postgres),
            ("emails.primary", Flavor::Sqlite),
            ("groups.display", Flavor::Postgres),
        ] {
            let f = parse_filter(&format!("{path} pr")).unwrap();
            compile_filter(&f, &users, &user_mapping(flavor), 1).unwrap();
        }
    }

    #[test]
    fn whole_sql_for_the_common_filters() {
        let users = Registry::with_builtins();
        let users = users.view("User").unwrap();
        let cases = [
            (
                Flavor::Postgres,
                r#"userName eq "bjensen""#,
                "lower(u.user_name) = lower($1)",
            ),
            (
                Flavor::Sqlite,
                r#"emails co "@example.com""#,
                "EXISTS (SELECT 1 FROM users e WHERE e.tenant = u.tenant AND e.id = u.id AND e.email IS NOT NULL AND e.email <> '' AND (lower(e.email) LIKE lower(?) ESCAPE '\\'))",
            ),
            (
                Flavor::Postgres,
                r#"name.familyName sw "J" and active eq true"#,
                "lower(u.family_name) LIKE lower($1) ESCAPE '\\' AND u.active = $2",
            ),
        ];
        for (flavor, f, sql) in cases {
            let (got, _) =
                compile_filter(&parse_filter(f).unwrap(), &users, &user_mapping(flavor), 1)
                    .unwrap();
            assert_eq!(got, sql, "{f}");
        }
        let f = parse_filter(r#"nickName eq "x""#).unwrap();
        assert_eq!(
            compile_filter(&f, &users, &user_mapping(Flavor::Sqlite), 1),
            Err(SqlError::Unmapped {
                path: "nickName".into()
            })
        );
    }
}
