//! Stamping `id` and `meta` on writes, and ETag matching. The version
//! itself is [`crate::resource::version_of`], a hash of the content.

use crate::resource::{format_time, new_meta, set_version};
use serde_json::Value;
use time::OffsetDateTime;

/// The current time, truncated to milliseconds.
fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.millisecond() as u32 * 1_000_000)
        .unwrap_or(t)
}

/// Stamps a newly created resource with its `id` and `meta`.
pub fn stamp_new(resource: &mut Value, id: &str, resource_type: &str, location: String) {
    if let Value::Object(obj) = resource {
        obj.insert("id".into(), Value::String(id.to_owned()));
        obj.insert("meta".into(), new_meta(resource_type, &location, now()));
    }
    set_version(resource);
}

/// Stamps a replacement of `previous`: keeps `id` and `meta` (created,
/// resourceType, location), sets `lastModified` and the new version. When
/// the content did not change, `meta` stays exactly as it was, so an
/// idempotent write keeps its ETag.
pub fn stamp_update(resource: &mut Value, previous: &Value) {
    let Value::Object(obj) = resource else { return };
    if let Some(id) = previous.get("id") {
        obj.insert("id".into(), id.clone());
    }
    let prev_meta = previous
        .get("meta")
        .cloned()
        .unwrap_or_else(|| Value::Object(Default::default()));
    obj.insert("meta".into(), prev_meta);
    set_version(resource);
    if version(resource) == version(previous) {
        return;
    }
    if let Some(Value::Object(meta)) = resource.get_mut("meta") {
        meta.insert("lastModified".into(), Value::String(format_time(now())));
    }
}

/// The stored version of a resource.
pub fn version(resource: &Value) -> Option<&str> {
    resource.get("meta")?.get("version")?.as_str()
}

/// Whether an `If-Match`/`If-None-Match` header value matches `version`
/// (weak comparison: `W/` prefixes are ignored; `*` matches anything).
pub fn etag_matches(header: &str, version: &str) -> bool {
    let strip = |s: &str| {
        let s = s.trim();
        s.strip_prefix("W/")
            .unwrap_or(s)
            .trim_matches('"')
            .to_owned()
    };
    let want = strip(version);
    header
        .split(',')
        .any(|t| t.trim() == "*" || strip(t) == want)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unchanged_content_keeps_meta_and_changed_content_gets_a_new_version() {
        let mut first = json!({"userName": "a"});
        stamp_new(&mut first, "1", "User", "http://x/Users/1".into());
        let mut same = json!({"userName": "a"});
        stamp_update(&mut same, &first);
        assert_eq!(same, first);
        let mut changed = json!({"userName": "b"});
        stamp_update(&mut changed, &first);
        assert_ne!(version(&changed), version(&first));
        assert_eq!(changed["meta"]["created"], first["meta"]["created"]);
        assert_eq!(changed["id"], "1");
    }

    #[test]
    fn etag_matching_is_weak_and_handles_lists_and_star() {
        assert!(etag_matches("W/\"abc\"", "W/\"abc\""));
        assert!(etag_matches("\"abc\"", "W/\"abc\""));
        assert!(etag_matches("W/\"x\", W/\"abc\"", "W/\"abc\""));
        assert!(etag_matches("*", "W/\"abc\""));
        assert!(!etag_matches("W/\"abd\"", "W/\"abc\""));
    }
}
