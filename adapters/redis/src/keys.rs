//! The key layout: every name the store writes, built in one place.
//!
//! ```text
//! <prefix>:{<tenant>}:<type>:r:<id>            string  the resource, as JSON
//! <prefix>:{<tenant>}:<type>:seq               string  creation counter
//! <prefix>:{<tenant>}:<type>:order             zset    id -> creation number
//! <prefix>:{<tenant>}:<type>:u:<attr>:<value>  string  unique index: value -> id
//! <prefix>:{<tenant>}:<type>:x:<attr>:<value>  set     lookup index: value -> ids
//! ```
//!
//! Every component that is not a fixed word is percent-encoded
//! ([`encode`]), so a `{`, `}` or `:` in a tenant, id or value can neither
//! move the hash tag nor make two keys collide. The tenant is the hash
//! tag, so all keys of one tenant live in one Redis Cluster slot and a
//! script may touch any of them.

use std::fmt::Write as _;

/// Percent-encodes `s`: ASCII letters, digits and `-_.~@+` stay, every
/// other byte becomes `%XX`. The result never contains `{`, `}`, `:`,
/// `*`, `?`, `[`, `]` or `\`, so it is safe inside a hash tag, between
/// separators and in a `SCAN MATCH` pattern.
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    encode_into(s, &mut out);
    out
}

/// Appends [`encode`]`(s)` to `out`.
fn encode_into(s: &str, out: &mut String) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'@' | b'+') {
            out.push(char::from(b));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// Decodes what [`encode`] produced; `None` for anything else.
pub(crate) fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The keys of one tenant and resource type.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    /// `<prefix>:{<tenant>}:<type>:`, everything before the key's own part.
    base: String,
}

impl Keys {
    /// The keys of `tenant`'s resources of type `resource_type` under
    /// `prefix` (already encoded).
    pub(crate) fn new(prefix: &str, tenant: &str, resource_type: &str) -> Self {
        Keys {
            base: format!("{}:{}", tenant_base(prefix, tenant), encode(resource_type)) + ":",
        }
    }

    /// The resource with this id.
    pub(crate) fn resource(&self, id: &str) -> String {
        let mut key = String::with_capacity(self.base.len() + 2 + id.len());
        self.write_resource(id, &mut key);
        key
    }

    /// Writes the key of the resource with this id into `out` (cleared
    /// first), so a scan can reuse one buffer for every key.
    pub(crate) fn write_resource(&self, id: &str, out: &mut String) {
        out.clear();
        out.push_str(&self.base);
        out.push_str("r:");
        encode_into(id, out);
    }

    /// A `SCAN MATCH` pattern for every key of this tenant and type (the
    /// base holds no glob character: every part is encoded).
    pub(crate) fn pattern(&self) -> String {
        format!("{}*", self.base)
    }

    /// The creation counter.
    pub(crate) fn seq(&self) -> String {
        format!("{}seq", self.base)
    }

    /// The sorted set of ids in creation order.
    pub(crate) fn order(&self) -> String {
        format!("{}order", self.base)
    }

    /// The unique index entry of `attr` (an index name, see
    /// `index.rs`) for the normalised `value`.
    pub(crate) fn unique(&self, attr: &str, value: &str) -> String {
        format!("{}u:{}:{}", self.base, encode(attr), encode(value))
    }

    /// The lookup set of `attr` for the folded `value`.
    pub(crate) fn lookup(&self, attr: &str, value: &str) -> String {
        format!("{}x:{}:{}", self.base, encode(attr), encode(value))
    }

    /// The part of `key` after this type's base, if `key` is one of this
    /// type's keys.
    pub(crate) fn local<'k>(&self, key: &'k str) -> Option<&'k str> {
        key.strip_prefix(&self.base)
    }
}

/// `<prefix>:{<tenant>}`: the part every key of a tenant starts with.
///
/// The empty tenant (a single-tenant deployment) is written `%`, which
/// [`encode`] never produces: an empty `{}` would not be a hash tag at all.
pub(crate) fn tenant_base(prefix: &str, tenant: &str) -> String {
    if tenant.is_empty() {
        format!("{prefix}:{{%}}")
    } else {
        format!("{prefix}:{{{}}}", encode(tenant))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The hash tag Redis Cluster hashes: the text between the first `{`
    /// and the next `}`, when non-empty.
    fn hash_tag(key: &str) -> &str {
        let open = key.find('{').unwrap();
        let close = key[open + 1..].find('}').unwrap() + open + 1;
        &key[open + 1..close]
    }

    #[test]
    fn encoding_round_trips_and_escapes_the_special_characters() {
        for s in [
            "acme",
            "",
            "a:b",
            "{x}",
            "}{",
            "100%",
            "ünï cødé",
            "a*b?[c]\\",
            "%41",
        ] {
            let e = encode(s);
            assert_eq!(decode(&e).as_deref(), Some(s), "{s:?} -> {e:?}");
            for c in ['{', '}', ':', '*', '?', '[', ']', '\\', ' '] {
                assert!(!e.contains(c), "{s:?} encodes to {e:?}, which holds {c:?}");
            }
        }
        assert_eq!(encode("acme-1"), "acme-1");
        assert_eq!(encode("a:b"), "a%3Ab");
    }

    #[test]
    fn decode_rejects_what_encode_never_makes() {
        for s in ["%", "%4", "%zz", "%FF"] {
            assert_eq!(decode(s), None, "{s:?}");
        }
    }

    #[test]
    fn every_key_of_a_tenant_has_the_tenant_as_hash_tag() {
        for tenant in ["acme", "{evil}", "a}b{c", "x:y", ""] {
            let k = Keys::new("scim", tenant, "User");
            let keys = [
                k.resource("1"),
                k.resource("{other}"),
                k.seq(),
                k.order(),
                k.unique("username", "s{bjensen}"),
                k.lookup("members.value", "}"),
            ];
            let tag = hash_tag(&keys[0]).to_owned();
            assert!(!tag.is_empty(), "an empty hash tag hashes the whole key");
            if !tenant.is_empty() {
                assert_eq!(decode(&tag).as_deref(), Some(tenant));
            }
            for key in &keys {
                assert_eq!(hash_tag(key), tag, "{key}");
            }
        }
    }

    #[test]
    fn components_cannot_collide() {
        let k = Keys::new("scim", "t", "User");
        // A value holding the separator stays one component.
        assert_ne!(k.unique("a:b", "c"), k.unique("a", "b:c"));
        assert_ne!(
            Keys::new("scim", "a:b", "User").resource("1"),
            Keys::new("scim", "a", "b:User").resource("1")
        );
        assert_eq!(k.resource("42"), "scim:{t}:User:r:42");
        let mut buf = String::from("left over");
        k.write_resource("a:b", &mut buf);
        assert_eq!(buf, k.resource("a:b"));
        assert_eq!(k.local(&k.order()), Some("order"));
    }
}
