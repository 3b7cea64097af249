//! Provenance: where each account came from and who manages it now, kept
//! in an extension schema of ours so it is stored, filtered and served
//! (`/Schemas`) like any other attribute.
//!
//! Every attribute is readOnly: SCIM clients cannot set it (validation
//! drops it from their input); the server stamps it on SCIM creates and
//! SCIM replaces, JIT on JIT creates and logins.

use super::events::{Channel, Source};
use crate::resource::format_time;
use crate::schema::{AttrType, Attribute, Mutability, Registry, ResourceSchema, Schema};
use crate::Result;
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// The provenance extension of Users.
pub const USER_PROVENANCE_URN: &str =
    "urn:scim-rs:params:scim:schemas:extension:provenance:2.0:User";
/// The provenance extension of Groups (JIT-created groups are JIT-managed).
pub const GROUP_PROVENANCE_URN: &str =
    "urn:scim-rs:params:scim:schemas:extension:provenance:2.0:Group";

/// The prefix both provenance URNs share.
const PREFIX: &str = "urn:scim-rs:params:scim:schemas:extension:provenance:2.0:";

/// `source`, `createdBy`, `created`, `lastLogin`, `managedBy`.
pub mod attr {
    /// Where the account came from: `scim` or `jit`.
    pub const SOURCE: &str = "source";
    /// The channel that created it: `scim`, `bulk` or `jit`.
    pub const CREATED_BY: &str = "createdBy";
    /// When it was created.
    pub const CREATED: &str = "created";
    /// When its user last logged in through JIT.
    pub const LAST_LOGIN: &str = "lastLogin";
    /// Who manages its attributes now: `scim` or `jit`.
    pub const MANAGED_BY: &str = "managedBy";
}

fn read_only(a: Attribute) -> Attribute {
    a.with_mutability(Mutability::ReadOnly)
}

/// The provenance schema under `urn` (one of the two URNs above).
pub fn schema(urn: &str, resource: &str) -> Schema {
    let string = |name: &str, desc: &str, values: &[&str]| {
        read_only(
            Attribute::new(name, AttrType::String)
                .with_description(desc)
                .with_canonical_values(values.iter().copied()),
        )
    };
    Schema {
        id: urn.to_owned(),
        name: Some(format!("{resource}Provenance")),
        description: Some(format!(
            "Where the {} came from and who manages it (scim-rs)",
            resource.to_ascii_lowercase()
        )),
        attributes: vec![
            string(
                attr::SOURCE,
                "How the resource was first provisioned: scim or jit.",
                &["scim", "jit"],
            ),
            string(
                attr::CREATED_BY,
                "The channel that created it: scim, bulk or jit.",
                &["scim", "bulk", "jit"],
            ),
            read_only(
                Attribute::new(attr::CREATED, AttrType::DateTime)
                    .with_description("When it was created."),
            ),
            read_only(
                Attribute::new(attr::LAST_LOGIN, AttrType::DateTime)
                    .with_description("When its user last signed in through SSO (JIT)."),
            ),
            string(
                attr::MANAGED_BY,
                "Who manages its attributes now: scim or jit. The first SCIM PUT or \
                 PATCH of a JIT-made resource sets scim.",
                &["scim", "jit"],
            ),
        ],
    }
}

/// Registers the provenance schemas and adds them (optional) to the User
/// and Group resource types present in `registry`. Idempotent.
pub fn register(registry: &mut Registry) -> Result<()> {
    for (urn, rt) in [
        (USER_PROVENANCE_URN, "User"),
        (GROUP_PROVENANCE_URN, "Group"),
    ] {
        if registry.resource_type(rt).is_none() {
            continue;
        }
        if registry.schema(urn).is_none() {
            registry.add_schema(schema(urn, rt))?;
        }
        registry.add_extension(rt, urn, false)?;
    }
    Ok(())
}

/// The provenance extension URN of a resource type, if it carries one.
pub fn urn_of<'a>(view: &ResourceSchema<'a>) -> Option<&'a str> {
    view.extensions
        .iter()
        .map(|(s, _)| s.id.as_str())
        .find(|id| id.len() > PREFIX.len() && id[..PREFIX.len()].eq_ignore_ascii_case(PREFIX))
}

/// The provenance object of a stored resource, if any.
pub fn of<'v>(view: &ResourceSchema<'_>, resource: &'v Value) -> Option<&'v Map<String, Value>> {
    resource.get(urn_of(view)?)?.as_object()
}

fn field<'v>(view: &ResourceSchema<'_>, resource: &'v Value, name: &str) -> Option<&'v str> {
    of(view, resource)?.get(name)?.as_str()
}

/// Who manages a resource. Resources without provenance (stored before it
/// was registered, or made by other means) count as SCIM-managed: the safe
/// reading, since JIT then never changes them.
pub fn managed_by(view: &ResourceSchema<'_>, resource: &Value) -> Source {
    field(view, resource, attr::MANAGED_BY)
        .and_then(Source::parse)
        .unwrap_or(Source::Scim)
}

/// Where a resource came from, when recorded.
pub fn source(view: &ResourceSchema<'_>, resource: &Value) -> Option<Source> {
    field(view, resource, attr::SOURCE).and_then(Source::parse)
}

/// The recorded last login, when there is one and it parses.
pub fn last_login(view: &ResourceSchema<'_>, resource: &Value) -> Option<OffsetDateTime> {
    let text = field(view, resource, attr::LAST_LOGIN)?;
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// The provenance object of `resource` for writing, created (and its URN
/// listed in `schemas`) when missing.
fn slot<'v>(resource: &'v mut Value, urn: &str) -> Option<&'v mut Map<String, Value>> {
    let obj = resource.as_object_mut()?;
    match obj.get_mut("schemas") {
        Some(Value::Array(urns)) => {
            if !urns.iter().any(|u| u.as_str() == Some(urn)) {
                urns.push(Value::String(urn.to_owned()));
            }
        }
        _ => {
            obj.insert(
                "schemas".into(),
                Value::Array(vec![Value::String(urn.into())]),
            );
        }
    }
    let entry = obj
        .entry(urn.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    entry.as_object_mut()
}

/// Stamps a new resource's provenance: `source`, `createdBy`, `created`,
/// `managedBy` (= `source`). No-op when the type has no provenance
/// extension.
pub fn stamp_created(
    view: &ResourceSchema<'_>,
    resource: &mut Value,
    source: Source,
    channel: Channel,
    now: OffsetDateTime,
) {
    let Some(urn) = urn_of(view) else { return };
    let Some(p) = slot(resource, urn) else { return };
    p.clear();
    p.insert(attr::SOURCE.into(), source.as_str().into());
    p.insert(attr::CREATED_BY.into(), channel.as_str().into());
    p.insert(attr::CREATED.into(), format_time(now).into());
    p.insert(attr::MANAGED_BY.into(), source.as_str().into());
}

/// Records a login at `now`. No-op without a provenance extension.
pub fn stamp_login(view: &ResourceSchema<'_>, resource: &mut Value, now: OffsetDateTime) {
    let Some(urn) = urn_of(view) else { return };
    if let Some(p) = slot(resource, urn) {
        p.insert(attr::LAST_LOGIN.into(), format_time(now).into());
    }
}

/// The SCIM-write hook (PUT and PATCH): keeps the provenance `previous`
/// had (clients cannot change it) and marks the resource SCIM-managed,
/// which is how a SCIM client adopts a JIT-made account.
pub fn adopt(view: &ResourceSchema<'_>, previous: &Value, next: &mut Value) {
    let Some(urn) = urn_of(view) else { return };
    let kept = previous.get(urn).and_then(Value::as_object).cloned();
    let Some(p) = slot(next, urn) else { return };
    if let Some(kept) = kept {
        *p = kept;
    }
    p.insert(attr::MANAGED_BY.into(), Source::Scim.as_str().into());
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn registry() -> Registry {
        let mut r = Registry::with_builtins();
        register(&mut r).unwrap();
        register(&mut r).unwrap();
        r
    }

    #[test]
    fn registers_once_on_users_and_groups() {
        let r = registry();
        let users = r.view("User").unwrap();
        assert_eq!(urn_of(&users), Some(USER_PROVENANCE_URN));
        let groups = r.view("Group").unwrap();
        assert_eq!(urn_of(&groups), Some(GROUP_PROVENANCE_URN));
        let n = r
            .resource_type("User")
            .unwrap()
            .schema_extensions
            .iter()
            .filter(|e| e.schema == USER_PROVENANCE_URN)
            .count();
        assert_eq!(n, 1);
        assert!(r.schema(USER_PROVENANCE_URN).is_some());
    }

    #[test]
    fn clients_cannot_write_provenance() {
        let r = registry();
        let users = r.view("User").unwrap();
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", USER_PROVENANCE_URN],
            "userName": "a",
            USER_PROVENANCE_URN: {"source": "jit", "managedBy": "jit"}
        });
        let created =
            crate::resource::prepare_create(&users, body, &crate::Compat::standard()).unwrap();
        assert!(created.get(USER_PROVENANCE_URN).is_none(), "{created}");
    }

    #[test]
    fn adopt_keeps_history_and_sets_scim() {
        let r = registry();
        let users = r.view("User").unwrap();
        let mut prev =
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a"});
        let t = OffsetDateTime::UNIX_EPOCH;
        stamp_created(&users, &mut prev, Source::Jit, Channel::Jit, t);
        stamp_login(&users, &mut prev, t);
        assert_eq!(managed_by(&users, &prev), Source::Jit);
        assert_eq!(last_login(&users, &prev), Some(t));
        let mut next =
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "b"});
        adopt(&users, &prev, &mut next);
        assert_eq!(managed_by(&users, &next), Source::Scim);
        assert_eq!(source(&users, &next), Some(Source::Jit));
        assert_eq!(next[USER_PROVENANCE_URN]["createdBy"], "jit");
        assert!(next["schemas"]
            .as_array()
            .unwrap()
            .contains(&json!(USER_PROVENANCE_URN)));
    }

    #[test]
    fn no_provenance_reads_as_scim_managed() {
        let r = registry();
        let users = r.view("User").unwrap();
        assert_eq!(managed_by(&users, &json!({"userName": "x"})), Source::Scim);
    }
}
