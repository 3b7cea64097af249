//! Provisioning events: one record per write, whichever channel made it
//! (a SCIM request, a bulk operation, a JIT login, the reaper), handed to
//! a sink the application supplies.

use serde_json::Value;
use std::sync::{Arc, Mutex, PoisonError};
use time::OffsetDateTime;

/// Who owns an account's attributes, or where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// A SCIM client (an identity provider pushing users).
    Scim,
    /// Just-in-time provisioning from SSO logins.
    Jit,
}

impl Source {
    /// The lower-case name stored in provenance (`scim`, `jit`).
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Scim => "scim",
            Source::Jit => "jit",
        }
    }

    /// Reads a stored name (case-insensitively).
    pub fn parse(s: &str) -> Option<Source> {
        if s.eq_ignore_ascii_case("scim") {
            Some(Source::Scim)
        } else if s.eq_ignore_ascii_case("jit") {
            Some(Source::Jit)
        } else {
            None
        }
    }
}

/// The way a write reached the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// A single SCIM request (POST, PUT, PATCH, DELETE).
    Scim,
    /// One operation of a SCIM bulk request.
    Bulk,
    /// A JIT login.
    Jit,
    /// The idle-account reaper.
    Reaper,
}

impl Channel {
    /// The lower-case name (`scim`, `bulk`, `jit`, `reaper`).
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Scim => "scim",
            Channel::Bulk => "bulk",
            Channel::Jit => "jit",
            Channel::Reaper => "reaper",
        }
    }
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// A resource was created.
    Create,
    /// A resource was replaced (PUT).
    Replace,
    /// A resource was patched (PATCH).
    Patch,
    /// A resource was deleted.
    Delete,
    /// A user was deactivated (`active` set to false) by the reaper.
    Deactivate,
    /// A user logged in through JIT: `lastLogin` recorded, and mapped
    /// attributes refreshed when the policy allows (listed in `changed`).
    Login,
    /// A resource the server manages itself was updated (the membership of
    /// a JIT-managed group).
    Update,
}

impl Operation {
    /// The lower-case name (`create`, `replace`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Replace => "replace",
            Operation::Patch => "patch",
            Operation::Delete => "delete",
            Operation::Deactivate => "deactivate",
            Operation::Login => "login",
            Operation::Update => "update",
        }
    }
}

/// One write to one resource.
///
/// Carries attribute names, never attribute values: events end up in logs
/// and audit trails, where values (emails, names) are personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProvisioningEvent {
    /// The tenant written to.
    pub tenant: String,
    /// The resource type (`User`, `Group`).
    pub resource_type: String,
    /// The resource's id.
    pub id: String,
    /// What was done.
    pub operation: Operation,
    /// How the write arrived.
    pub channel: Channel,
    /// Who acted: the SCIM client's principal, `jit` for logins, `reaper`.
    pub actor: String,
    /// The attributes the write changed (top-level names; extension
    /// attributes as `urn:...:name`; JIT refreshes as the mapped paths).
    pub changed: Vec<String>,
    /// When the write happened.
    pub time: OffsetDateTime,
}

impl ProvisioningEvent {
    /// An event of `operation` on `resource_type`/`id`, now, with no
    /// changed attributes.
    pub fn new(
        tenant: impl Into<String>,
        resource_type: impl Into<String>,
        id: impl Into<String>,
        operation: Operation,
        channel: Channel,
        actor: impl Into<String>,
    ) -> Self {
        ProvisioningEvent {
            tenant: tenant.into(),
            resource_type: resource_type.into(),
            id: id.into(),
            operation,
            channel,
            actor: actor.into(),
            changed: Vec::new(),
            time: OffsetDateTime::now_utc(),
        }
    }

    /// Returns this event with the given changed attribute names.
    pub fn with_changed(mut self, changed: Vec<String>) -> Self {
        self.changed = changed;
        self
    }

    /// Returns this event at the given time.
    pub fn with_time(mut self, time: OffsetDateTime) -> Self {
        self.time = time;
        self
    }
}

/// Where provisioning events go. Called on the request's task right after
/// the write is stored, so it must not block: hand the event to a channel,
/// a log, or an in-memory buffer, and do slow work elsewhere.
pub trait EventSink: Send + Sync + 'static {
    /// Records one event.
    fn record(&self, event: &ProvisioningEvent);
}

/// Logs each event with `tracing::info!` under the target
/// `scim::provisioning`, as structured fields. Never logs tokens or
/// attribute values, only names.
#[derive(Debug, Clone, Copy, Default)]
pub struct TracingSink;

impl EventSink for TracingSink {
    fn record(&self, e: &ProvisioningEvent) {
        let changed = e.changed.join(",");
        tracing::info!(
            target: "scim::provisioning",
            tenant = %e.tenant,
            resource_type = %e.resource_type,
            id = %e.id,
            operation = e.operation.as_str(),
            channel = e.channel.as_str(),
            actor = %e.actor,
            changed = %changed,
            "provisioning event"
        );
    }
}

/// Keeps every event in memory: for tests and demos.
#[derive(Debug, Clone, Default)]
pub struct MemorySink {
    events: Arc<Mutex<Vec<ProvisioningEvent>>>,
}

impl MemorySink {
    /// An empty recorder.
    pub fn new() -> Self {
        MemorySink::default()
    }

    /// Every event recorded so far, in order.
    pub fn events(&self) -> Vec<ProvisioningEvent> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Removes and returns every event recorded so far.
    pub fn take(&self) -> Vec<ProvisioningEvent> {
        std::mem::take(&mut *self.events.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl EventSink for MemorySink {
    fn record(&self, event: &ProvisioningEvent) {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event.clone());
    }
}

/// The attributes that differ between two versions of a resource: the
/// top-level names (except `id`, `meta` and `schemas`), and for extension
/// objects the `urn:...:name` of each differing attribute. Names come from
/// the stored resources, so they have the schema's spelling.
pub fn changed_attributes(before: &Value, after: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut out = Vec::new();
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        if matches!(key.as_str(), "id" | "meta" | "schemas") {
            continue;
        }
        let (x, y) = (b.get(key), a.get(key));
        if x == y {
            continue;
        }
        let is_extension =
            key.contains(':') && x.is_none_or(Value::is_object) && y.is_none_or(Value::is_object);
        if is_extension {
            let inner = changed_attributes(x.unwrap_or(&Value::Null), y.unwrap_or(&Value::Null));
            out.extend(inner.into_iter().map(|n| format!("{key}:{n}")));
        } else {
            out.push(key.clone());
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changed_attributes_lists_names_not_values() {
        let before = json!({
            "id": "1", "meta": {"version": "a"}, "userName": "a",
            "name": {"givenName": "A"},
            "urn:x:ext:User": {"managedBy": "jit", "lastLogin": "t"}
        });
        let after = json!({
            "id": "1", "meta": {"version": "b"}, "userName": "a",
            "name": {"givenName": "B"}, "active": true,
            "urn:x:ext:User": {"managedBy": "scim", "lastLogin": "t"}
        });
        assert_eq!(
            changed_attributes(&before, &after),
            vec!["active", "name", "urn:x:ext:User:managedBy"]
        );
        assert!(changed_attributes(&before, &before).is_empty());
    }

    #[test]
    fn memory_sink_records_in_order_and_take_empties() {
        let sink = MemorySink::new();
        for op in [Operation::Create, Operation::Delete] {
            sink.record(&ProvisioningEvent::new(
                "t",
                "User",
                "1",
                op,
                Channel::Scim,
                "a",
            ));
        }
        let ops: Vec<_> = sink.events().iter().map(|e| e.operation).collect();
        assert_eq!(ops, vec![Operation::Create, Operation::Delete]);
        assert_eq!(sink.take().len(), 2);
        assert!(sink.events().is_empty());
    }
}
