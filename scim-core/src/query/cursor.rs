//! RFC 9865 cursors: opaque tokens that carry an offset, the time they were
//! issued and a fingerprint of the query they belong to.
//!
//! A token is 33 bytes written as 66 lowercase hex digits: a format byte,
//! the 0-based offset, the issue time (Unix seconds), the query
//! fingerprint, and a checksum over those. Cursor paging maps onto index
//! paging (the offset), so every store supports it.
//!
//! The checksum catches truncated, corrupted and hand-edited tokens. It is
//! not a keyed MAC: a client that forges a cursor gains nothing it could
//! not ask for with `startIndex`, and the fingerprint still has to match
//! the query it is used with.

use crate::error::{Result, ScimError, ScimType};
use std::time::Duration;

const FORMAT: u8 = 1;
const LEN: usize = 1 + 8 * 4;
/// How far in the future an issue time may lie (clock skew between the
/// servers behind one endpoint) before the cursor is refused.
const MAX_SKEW_SECS: u64 = 300;

/// A decoded cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cursor {
    /// 0-based index of the first resource of the page it asks for.
    pub offset: u64,
    /// When it was issued, in Unix seconds.
    pub issued_at: u64,
    /// The fingerprint of the query that issued it.
    pub fingerprint: u64,
}

impl Cursor {
    /// The token text.
    pub fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(LEN);
        bytes.push(FORMAT);
        bytes.extend_from_slice(&self.offset.to_be_bytes());
        bytes.extend_from_slice(&self.issued_at.to_be_bytes());
        bytes.extend_from_slice(&self.fingerprint.to_be_bytes());
        let sum = checksum(&bytes);
        bytes.extend_from_slice(&sum.to_be_bytes());
        let mut out = String::with_capacity(LEN * 2);
        for b in bytes {
            out.push(hex_digit(b >> 4));
            out.push(hex_digit(b & 0xf));
        }
        out
    }

    /// Decodes a token; anything not issued by [`Cursor::encode`] is
    /// 400 invalidCursor.
    pub fn decode(token: &str) -> Result<Cursor> {
        let invalid = || {
            ScimError::bad_request(
                ScimType::InvalidCursor,
                "cursor is not one this service provider issued; \
                 start again with an empty cursor",
            )
        };
        let text = token.as_bytes();
        if text.len() != LEN * 2 {
            return Err(invalid());
        }
        let mut bytes = [0u8; LEN];
        for (i, pair) in text.chunks_exact(2).enumerate() {
            let hi = hex_value(pair[0]).ok_or_else(invalid)?;
            let lo = hex_value(pair[1]).ok_or_else(invalid)?;
            bytes[i] = hi << 4 | lo;
        }
        if bytes[0] != FORMAT || checksum(&bytes[..LEN - 8]) != read_u64(&bytes[LEN - 8..]) {
            return Err(invalid());
        }
        Ok(Cursor {
            offset: read_u64(&bytes[1..9]),
            issued_at: read_u64(&bytes[9..17]),
            fingerprint: read_u64(&bytes[17..25]),
        })
    }

    /// Checks that this cursor belongs to the query with `fingerprint`
    /// (400 invalidCursor) and is still valid at `now` (400 expiredCursor).
    pub fn check(&self, fingerprint: u64, now: u64, lifetime: Duration) -> Result<()> {
        if self.fingerprint != fingerprint {
            return Err(ScimError::bad_request(
                ScimType::InvalidCursor,
                "cursor was issued for a different filter or sort order",
            ));
        }
        if self.issued_at > now.saturating_add(MAX_SKEW_SECS) {
            return Err(ScimError::bad_request(
                ScimType::InvalidCursor,
                "cursor was issued in the future",
            ));
        }
        if now.saturating_sub(self.issued_at) > lifetime.as_secs() {
            return Err(ScimError::bad_request(
                ScimType::ExpiredCursor,
                format!(
                    "cursor has expired (cursors are valid for {} seconds); \
                     start again with an empty cursor",
                    lifetime.as_secs()
                ),
            ));
        }
        Ok(())
    }
}

fn read_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_be_bytes(a)
}

fn hex_digit(n: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(n & 0xf)])
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// 64-bit FNV-1a: small, fixed across builds and platforms (unlike
/// `DefaultHasher`), so cursors survive restarts and mixed deployments.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Fnv {
    pub fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    pub fn bytes(mut self, bytes: &[u8]) -> Self {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self
    }

    /// Adds a string and a separator that cannot occur in UTF-8, so
    /// `("ab", "c")` and `("a", "bc")` differ.
    pub fn field(self, s: &str) -> Self {
        self.bytes(s.as_bytes()).bytes(&[0xff])
    }

    pub fn finish(self) -> u64 {
        self.0
    }
}

fn checksum(bytes: &[u8]) -> u64 {
    Fnv::new().field("scim-rs cursor").bytes(bytes).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: Cursor = Cursor {
        offset: 42,
        issued_at: 1_700_000_000,
        fingerprint: 0xdead_beef,
    };

    #[test]
    fn round_trip() {
        let token = C.encode();
        assert_eq!(token.len(), 66);
        assert_eq!(Cursor::decode(&token), Ok(C));
    }

    #[test]
    fn every_single_digit_change_is_detected() {
        let token = C.encode();
        for i in 0..token.len() {
            let mut t = token.clone().into_bytes();
            t[i] = if t[i] == b'0' { b'1' } else { b'0' };
            let t = String::from_utf8(t).unwrap_or_default();
            let err = Cursor::decode(&t).err();
            assert_eq!(
                err.and_then(|e| e.scim_type()),
                Some(ScimType::InvalidCursor),
                "change at {i} undetected"
            );
        }
    }

    #[test]
    fn malformed_tokens_are_invalid() {
        for t in ["", "abc", "zz", &"g".repeat(66), &C.encode().to_uppercase()] {
            let e = Cursor::decode(t).err();
            assert_eq!(e.and_then(|e| e.scim_type()), Some(ScimType::InvalidCursor));
        }
        let mut long = C.encode();
        long.push('0');
        assert!(Cursor::decode(&long).is_err());
    }

    #[test]
    fn check_fingerprint_expiry_and_future() {
        let life = Duration::from_secs(600);
        let t0 = C.issued_at;
        assert!(C.check(C.fingerprint, t0, life).is_ok());
        assert!(C.check(C.fingerprint, t0 + 600, life).is_ok());
        let kind = |r: Result<()>| r.err().and_then(|e| e.scim_type());
        assert_eq!(
            kind(C.check(C.fingerprint, t0 + 601, life)),
            Some(ScimType::ExpiredCursor)
        );
        assert_eq!(
            kind(C.check(C.fingerprint + 1, t0, life)),
            Some(ScimType::InvalidCursor)
        );
        assert!(C.check(C.fingerprint, t0 - MAX_SKEW_SECS, life).is_ok());
        assert_eq!(
            kind(C.check(C.fingerprint, t0 - MAX_SKEW_SECS - 1, life)),
            Some(ScimType::InvalidCursor)
        );
    }
}
