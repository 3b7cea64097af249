//! Rows <-> SCIM JSON: which attribute lives in which column, and what
//! happens to the attributes no column holds.

use scim_core::resource::format_time;
use scim_core::schema::{GROUP_SCHEMA, USER_SCHEMA};
use scim_core::store::StoreError;
use scim_core::ScimError;
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// What the store does with a written attribute (or sub-attribute, or
/// value) its tables cannot hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnmappedAttributes {
    /// Refuse the whole write with 400 invalidValue naming the attribute,
    /// and store nothing (the default). An identity provider then reports
    /// the failure instead of believing the value was kept.
    #[default]
    Reject,
    /// Store what the columns hold and drop the rest. Reads then differ
    /// from what was written, which clients comparing the two notice.
    Drop,
}

/// The `meta` members the tables keep (`resourceType` and `location` are
/// derived on read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Meta {
    /// `meta.created`, RFC 3339 in UTC.
    pub created: String,
    /// `meta.lastModified`, RFC 3339 in UTC.
    pub last_modified: String,
    /// `meta.version`, opaque.
    pub version: String,
}

/// One row of `users`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserRow {
    pub id: String,
    pub user_name: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub display_name: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub active: Option<bool>,
    pub external_id: Option<String>,
    pub meta: Meta,
}

/// One row of `groups`; its members are rows of `group_members`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupRow {
    pub id: String,
    pub display_name: String,
    pub external_id: Option<String>,
    pub meta: Meta,
}

/// A member as read back: the user's id and, when the user has one, its
/// display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    pub user_id: String,
    pub display: Option<String>,
}

fn invalid(detail: String) -> StoreError {
    StoreError::Query(ScimError::invalid_value(detail))
}

/// Applies the policy to one thing the tables cannot hold.
fn unmapped(policy: UnmappedAttributes, what: &str, why: &str) -> Result<(), StoreError> {
    match policy {
        UnmappedAttributes::Reject => Err(invalid(format!("{what} cannot be stored: {why}"))),
        UnmappedAttributes::Drop => Ok(()),
    }
}

fn opt_string(value: &Value, path: &str) -> Result<Option<String>, StoreError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(invalid(format!("{path} must be a string"))),
    }
}

/// Parses an RFC 3339 time and writes it back in UTC, the one form both
/// databases hand back (Postgres `timestamptz` keeps no offset).
pub(crate) fn normalize_time(text: &str, path: &str) -> Result<String, StoreError> {
    let t = OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|e| invalid(format!("{path} {text:?} is not an RFC 3339 time: {e}")))?;
    Ok(format_time(t.to_offset(UtcOffset::UTC)))
}

fn read_meta(obj: &Map<String, Value>) -> Result<Meta, StoreError> {
    let meta = obj
        .get("meta")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("the resource has no meta".to_owned()))?;
    let text = |key: &str| -> Result<Option<&str>, StoreError> {
        match meta.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(invalid(format!("meta.{key} must be a string"))),
        }
    };
    let created = text("created")?.ok_or_else(|| invalid("meta.created is missing".to_owned()))?;
    let created = normalize_time(created, "meta.created")?;
    let last_modified = match text("lastModified")? {
        Some(t) => normalize_time(t, "meta.lastModified")?,
        None => created.clone(),
    };
    let version = text("version")?
        .ok_or_else(|| invalid("meta.version is missing".to_owned()))?
        .to_owned();
    Ok(Meta {
        created,
        last_modified,
        version,
    })
}

/// The members every resource may carry that are not attributes of a
/// column: `schemas` (rewritten on read), `id` (the path's), `meta` (read
/// separately) and `groups` (readOnly, derived from `group_members`).
fn is_envelope(key: &str) -> bool {
    ["schemas", "id", "meta"]
        .iter()
        .any(|k| k.eq_ignore_ascii_case(key))
}

impl UserRow {
    /// The row a User resource becomes, or 400 invalidValue for what the
    /// table cannot hold (under [`UnmappedAttributes::Reject`]).
    pub(crate) fn from_resource(
        id: &str,
        resource: &Value,
        policy: UnmappedAttributes,
    ) -> Result<UserRow, StoreError> {
        let obj = resource
            .as_object()
            .ok_or_else(|| invalid("a User must be a JSON object".to_owned()))?;
        let mut row = UserRow {
            id: id.to_owned(),
            user_name: String::new(),
            given_name: None,
            family_name: None,
            display_name: None,
            title: None,
            email: None,
            active: None,
            external_id: None,
            meta: read_meta(obj)?,
        };
        let mut user_name = None;
        for (key, value) in obj {
            if is_envelope(key) || key.eq_ignore_ascii_case("groups") {
                continue;
            }
            match key.to_ascii_lowercase().as_str() {
                "username" => user_name = opt_string(value, "userName")?,
                "externalid" => row.external_id = opt_string(value, "externalId")?,
                "displayname" => row.display_name = opt_string(value, "displayName")?,
                "title" => row.title = opt_string(value, "title")?,
                "active" => {
                    row.active = match value {
                        Value::Null => None,
                        Value::Bool(b) => Some(*b),
                        _ => return Err(invalid("active must be a boolean".to_owned())),
                    }
                }
                "name" => read_name(&mut row, value, policy)?,
                "emails" => row.email = read_emails(value, policy)?,
                _ => unmapped(
                    policy,
                    &format!("attribute `{key}`"),
                    "the users table has no column for it",
                )?,
            }
        }
        row.user_name = user_name.ok_or_else(|| invalid("userName is required".to_owned()))?;
        Ok(row)
    }

    /// The User resource this row is.
    pub(crate) fn to_resource(&self, base_url: Option<&str>) -> Value {
        let mut obj = Map::new();
        obj.insert("schemas".into(), json!([USER_SCHEMA]));
        obj.insert("id".into(), json!(self.id));
        if let Some(v) = &self.external_id {
            obj.insert("externalId".into(), json!(v));
        }
        obj.insert("userName".into(), json!(self.user_name));
        let mut name = Map::new();
        if let Some(v) = &self.given_name {
            name.insert("givenName".into(), json!(v));
        }
        if let Some(v) = &self.family_name {
            name.insert("familyName".into(), json!(v));
        }
        if !name.is_empty() {
            obj.insert("name".into(), Value::Object(name));
        }
        if let Some(v) = &self.display_name {
            obj.insert("displayName".into(), json!(v));
        }
        if let Some(v) = &self.title {
            obj.insert("title".into(), json!(v));
        }
        if let Some(v) = self.active {
            obj.insert("active".into(), json!(v));
        }
        if let Some(v) = &self.email {
            obj.insert(
                "emails".into(),
                json!([{"value": v, "type": "work", "primary": true}]),
            );
        }
        obj.insert(
            "meta".into(),
            meta_json(&self.meta, "User", &self.id, base_url),
        );
        Value::Object(obj)
    }
}

fn read_name(
    row: &mut UserRow,
    value: &Value,
    policy: UnmappedAttributes,
) -> Result<(), StoreError> {
    let Some(name) = value.as_object() else {
        if value.is_null() {
            return Ok(());
        }
        return Err(invalid("name must be an object".to_owned()));
    };
    for (key, v) in name {
        match key.to_ascii_lowercase().as_str() {
            "givenname" => row.given_name = opt_string(v, "name.givenName")?,
            "familyname" => row.family_name = opt_string(v, "name.familyName")?,
            _ => unmapped(
                policy,
                &format!("attribute `name.{key}`"),
                "the users table keeps only given_name and family_name",
            )?,
        }
    }
    Ok(())
}

/// The one address the `email` column holds. It is the user's work
/// address and the primary one, so other types, `primary: false`,
/// `display` and further addresses are what the table cannot hold.
fn read_emails(value: &Value, policy: UnmappedAttributes) -> Result<Option<String>, StoreError> {
    let list = match value {
        Value::Null => return Ok(None),
        Value::Array(list) => list,
        _ => return Err(invalid("emails must be an array".to_owned())),
    };
    if list.len() > 1 {
        unmapped(
            policy,
            &format!("{} email addresses", list.len()),
            "the users table holds one (the work address)",
        )?;
    }
    // Under Drop, keep the primary address, else the first.
    let chosen = list
        .iter()
        .find(|e| e.get("primary") == Some(&Value::Bool(true)))
        .or_else(|| list.first());
    let Some(email) = chosen else {
        return Ok(None);
    };
    let obj = email
        .as_object()
        .ok_or_else(|| invalid("an emails element must be an object".to_owned()))?;
    let mut address = None;
    for (key, v) in obj {
        match key.to_ascii_lowercase().as_str() {
            "value" => address = opt_string(v, "emails.value")?,
            "type" => match v {
                Value::Null => {}
                Value::String(t) if t.eq_ignore_ascii_case("work") => {}
                _ => unmapped(
                    policy,
                    &format!("emails.type {v}"),
                    "the users table keeps only the work address",
                )?,
            },
            "primary" => match v {
                Value::Null | Value::Bool(true) => {}
                _ => unmapped(
                    policy,
                    &format!("emails.primary {v}"),
                    "the one stored address is the primary one",
                )?,
            },
            _ => unmapped(
                policy,
                &format!("attribute `emails.{key}`"),
                "the users table keeps only the address",
            )?,
        }
    }
    match address {
        Some(a) if !a.is_empty() => Ok(Some(a)),
        _ => Err(invalid("an email needs a non-empty value".to_owned())),
    }
}

impl GroupRow {
    /// The row a Group resource becomes and the ids of its members, or
    /// 400 invalidValue for what the tables cannot hold.
    pub(crate) fn from_resource(
        id: &str,
        resource: &Value,
        policy: UnmappedAttributes,
    ) -> Result<(GroupRow, Vec<String>), StoreError> {
        let obj = resource
            .as_object()
            .ok_or_else(|| invalid("a Group must be a JSON object".to_owned()))?;
        let meta = read_meta(obj)?;
        let mut display_name = None;
        let mut external_id = None;
        let mut members: Vec<String> = Vec::new();
        for (key, value) in obj {
            if is_envelope(key) {
                continue;
            }
            match key.to_ascii_lowercase().as_str() {
                "displayname" => display_name = opt_string(value, "displayName")?,
                "externalid" => external_id = opt_string(value, "externalId")?,
                "members" => read_members(value, policy, &mut members)?,
                _ => unmapped(
                    policy,
                    &format!("attribute `{key}`"),
                    "the groups table has no column for it",
                )?,
            }
        }
        let display_name =
            display_name.ok_or_else(|| invalid("displayName is required".to_owned()))?;
        Ok((
            GroupRow {
                id: id.to_owned(),
                display_name,
                external_id,
                meta,
            },
            members,
        ))
    }

    /// The Group resource this row and its members are.
    pub(crate) fn to_resource(&self, members: &[Member], base_url: Option<&str>) -> Value {
        let mut obj = Map::new();
        obj.insert("schemas".into(), json!([GROUP_SCHEMA]));
        obj.insert("id".into(), json!(self.id));
        if let Some(v) = &self.external_id {
            obj.insert("externalId".into(), json!(v));
        }
        obj.insert("displayName".into(), json!(self.display_name));
        if !members.is_empty() {
            let list: Vec<Value> = members
                .iter()
                .map(|m| match &m.display {
                    Some(d) => json!({"value": m.user_id, "display": d}),
                    None => json!({"value": m.user_id}),
                })
                .collect();
            obj.insert("members".into(), Value::Array(list));
        }
        obj.insert(
            "meta".into(),
            meta_json(&self.meta, "Group", &self.id, base_url),
        );
        Value::Object(obj)
    }
}

/// Member ids, in order, without repeats. `display` and `$ref` are
/// accepted and not stored: both follow from the member's user row.
fn read_members(
    value: &Value,
    policy: UnmappedAttributes,
    out: &mut Vec<String>,
) -> Result<(), StoreError> {
    let list = match value {
        Value::Null => return Ok(()),
        Value::Array(list) => list,
        _ => return Err(invalid("members must be an array".to_owned())),
    };
    for m in list {
        let obj = m
            .as_object()
            .ok_or_else(|| invalid("a members element must be an object".to_owned()))?;
        let mut id = None;
        let mut is_user = true;
        for (key, v) in obj {
            match key.to_ascii_lowercase().as_str() {
                "value" => id = opt_string(v, "members.value")?,
                "display" | "$ref" => {}
                "type" => match v {
                    Value::Null => {}
                    Value::String(t) if t.eq_ignore_ascii_case("User") => {}
                    _ => {
                        unmapped(
                            policy,
                            &format!("a member of type {v}"),
                            "group_members holds users only",
                        )?;
                        is_user = false;
                    }
                },
                _ => unmapped(
                    policy,
                    &format!("attribute `members.{key}`"),
                    "group_members keeps only the member's id",
                )?,
            }
        }
        let id = id.ok_or_else(|| invalid("every member needs a value".to_owned()))?;
        if is_user && !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(())
}

fn meta_json(meta: &Meta, resource_type: &str, id: &str, base_url: Option<&str>) -> Value {
    let mut obj = Map::new();
    obj.insert("resourceType".into(), json!(resource_type));
    obj.insert("created".into(), json!(meta.created));
    obj.insert("lastModified".into(), json!(meta.last_modified));
    if let Some(base) = base_url {
        obj.insert(
            "location".into(),
            json!(format!("{base}/{resource_type}s/{id}")),
        );
    }
    obj.insert("version".into(), json!(meta.version));
    Value::Object(obj)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn user(extra: Value) -> Value {
        let mut u = json!({
            "schemas": [USER_SCHEMA],
            "id": "1",
            "userName": "bjensen",
            "meta": {"created": "2024-01-01T00:00:00Z", "lastModified": "2024-01-02T00:00:00.5+01:00", "version": "W/\"1\""},
        });
        for (k, v) in extra.as_object().unwrap() {
            u[k] = v.clone();
        }
        u
    }

    fn reject(extra: Value) -> String {
        match UserRow::from_resource("1", &user(extra), UnmappedAttributes::Reject) {
            Err(StoreError::Query(e)) => {
                assert_eq!(e.status(), 400);
                assert_eq!(e.scim_type().map(|t| t.as_str()), Some("invalidValue"));
                e.detail().to_owned()
            }
            other => panic!("expected 400 invalidValue, got {other:?}"),
        }
    }

    #[test]
    fn every_mapped_attribute_round_trips() {
        let u = user(json!({
            "externalId": "E1",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "displayName": "Babs",
            "title": "Tour Guide",
            "active": false,
            "emails": [{"value": "b@example.com", "type": "work", "primary": true}],
            "meta": {"created": "2024-01-01T00:00:00Z", "lastModified": "2024-01-02T00:00:00.5Z",
                     "version": "W/\"1\"", "resourceType": "User",
                     "location": "https://x/v2/Users/1"},
        }));
        let row = UserRow::from_resource("1", &u, UnmappedAttributes::Reject).unwrap();
        assert_eq!(row.to_resource(Some("https://x/v2")), u);
    }

    #[test]
    fn times_are_kept_in_utc() {
        let row =
            UserRow::from_resource("1", &user(json!({})), UnmappedAttributes::Reject).unwrap();
        assert_eq!(row.meta.created, "2024-01-01T00:00:00Z");
        assert_eq!(row.meta.last_modified, "2024-01-01T23:00:00.5Z");
        assert!(
            reject(json!({"meta": {"created": "yesterday", "version": "v"}})).contains("RFC 3339")
        );
    }

    #[test]
    fn what_no_column_holds_is_refused_by_name() {
        let cases = [
            (json!({"nickName": "Babs"}), "nickName"),
            (json!({"name": {"formatted": "Ms. B"}}), "name.formatted"),
            (
                json!({"emails": [{"value": "a@x"}, {"value": "b@x"}]}),
                "2 email addresses",
            ),
            (
                json!({"emails": [{"value": "a@x", "type": "home"}]}),
                "emails.type",
            ),
            (
                json!({"emails": [{"value": "a@x", "primary": false}]}),
                "emails.primary",
            ),
            (
                json!({"emails": [{"value": "a@x", "display": "A"}]}),
                "emails.display",
            ),
            (
                json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "1"}}),
                "enterprise",
            ),
        ];
        for (extra, named) in cases {
            let detail = reject(extra.clone());
            assert!(detail.contains(named), "{extra}: {detail}");
        }
    }

    #[test]
    fn drop_keeps_what_fits() {
        let u = user(json!({
            "nickName": "Babs",
            "name": {"givenName": "B", "formatted": "B J"},
            "emails": [{"value": "home@x", "type": "home"}, {"value": "work@x", "type": "work", "primary": true}],
        }));
        let row = UserRow::from_resource("1", &u, UnmappedAttributes::Drop).unwrap();
        assert_eq!(row.given_name.as_deref(), Some("B"));
        assert_eq!(row.email.as_deref(), Some("work@x"));
    }

    #[test]
    fn wrong_types_are_refused_under_either_policy() {
        for policy in [UnmappedAttributes::Reject, UnmappedAttributes::Drop] {
            for extra in [
                json!({"active": "yes"}),
                json!({"userName": 5}),
                json!({"emails": {}}),
            ] {
                assert!(UserRow::from_resource("1", &user(extra), policy).is_err());
            }
        }
        let mut no_name = user(json!({}));
        no_name.as_object_mut().unwrap().remove("userName");
        assert!(UserRow::from_resource("1", &no_name, UnmappedAttributes::Drop).is_err());
    }

    #[test]
    fn group_members_keep_ids_only() {
        let g = json!({
            "schemas": [GROUP_SCHEMA], "id": "g", "displayName": "Admins",
            "members": [
                {"value": "a", "display": "Alice", "$ref": "https://x/Users/a", "type": "User"},
                {"value": "b"}, {"value": "a"}
            ],
            "meta": {"created": "2024-01-01T00:00:00Z", "version": "W/\"1\""},
        });
        let (row, members) = GroupRow::from_resource("g", &g, UnmappedAttributes::Reject).unwrap();
        assert_eq!(members, ["a", "b"]);
        assert_eq!(row.display_name, "Admins");
        let mut nested = g.clone();
        nested["members"] = json!([{"value": "g2", "type": "Group"}]);
        assert!(GroupRow::from_resource("g", &nested, UnmappedAttributes::Reject).is_err());
        let (_, members) = GroupRow::from_resource("g", &nested, UnmappedAttributes::Drop).unwrap();
        assert!(members.is_empty());
        let out = row.to_resource(
            &[
                Member {
                    user_id: "a".into(),
                    display: Some("Alice".into()),
                },
                Member {
                    user_id: "b".into(),
                    display: None,
                },
            ],
            None,
        );
        assert_eq!(
            out["members"],
            json!([{"value": "a", "display": "Alice"}, {"value": "b"}])
        );
        assert!(out["meta"].get("location").is_none());
    }
}
