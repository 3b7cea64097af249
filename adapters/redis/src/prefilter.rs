//! A cheap test on a stored document's raw JSON, before it is parsed: the
//! ASCII literals a filter needs the document to contain.
//!
//! `title co "guide"` can only match a document whose JSON text holds
//! `guide` in some ASCII case, so a scan skips parsing the others. Sound
//! because documents are written by this store with serde_json, which
//! writes every character as itself except `"`, `\` and control
//! characters (escaped); literals holding any of those get no needle.
//! Case-insensitive matching folds characters with `char::to_lowercase`,
//! and exactly two non-ASCII characters fold to ASCII letters (KELVIN SIGN
//! to `k`, LATIN CAPITAL LETTER I WITH DOT ABOVE to `i` plus a combining
//! dot), so a document holding either passes every needle containing `k`
//! or `i`. The full filter runs on whatever passes.

use scim_core::schema::{AttrType, Attribute, ResourceSchema};
use scim_filter::{AttrPath, CompValue, CompareOp, Filter};

/// The literals a document must contain for a filter to match it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Needles {
    /// The document must contain this (lower-case ASCII) text, in any
    /// ASCII case.
    Text(Vec<u8>),
    /// Both must hold.
    All(Box<Needles>, Box<Needles>),
    /// One must hold.
    Any(Box<Needles>, Box<Needles>),
}

/// UTF-8 of the two non-ASCII characters that fold to ASCII letters.
const KELVIN: &[u8] = "\u{212A}".as_bytes();
const DOTTED_I: &[u8] = "\u{0130}".as_bytes();

impl Needles {
    /// The needles of `filter`, or `None` when it can match a document
    /// without any particular text in it (`ne`, `not`, `pr`, non-string
    /// comparisons...).
    pub(crate) fn of(filter: &Filter, schema: &ResourceSchema<'_>) -> Option<Needles> {
        needles(filter, schema, None)
    }

    /// Whether `raw` may match.
    pub(crate) fn admits(&self, raw: &[u8]) -> bool {
        match self {
            Needles::Text(t) => {
                contains_ascii_ci(raw, t)
                    || (t.iter().any(|b| matches!(b, b'k' | b'i'))
                        // Most documents are ASCII: one quick pass rules
                        // both exceptions out.
                        && !raw.is_ascii()
                        && (contains(raw, KELVIN) || contains(raw, DOTTED_I)))
            }
            Needles::All(a, b) => a.admits(raw) && b.admits(raw),
            Needles::Any(a, b) => a.admits(raw) || b.admits(raw),
        }
    }
}

fn needles(
    filter: &Filter,
    schema: &ResourceSchema<'_>,
    within: Option<&Attribute>,
) -> Option<Needles> {
    match filter {
        Filter::Compare(path, op, CompValue::Str(lit)) => {
            if !matches!(
                op,
                CompareOp::Eq | CompareOp::Co | CompareOp::Sw | CompareOp::Ew
            ) {
                return None;
            }
            if !is_text(path, schema, within) {
                return None;
            }
            let ok = !lit.is_empty()
                && lit
                    .bytes()
                    .all(|b| b.is_ascii() && !b.is_ascii_control() && b != b'"' && b != b'\\');
            ok.then(|| Needles::Text(lit.to_ascii_lowercase().into_bytes()))
        }
        Filter::ValuePath(vp) if within.is_none() => {
            let loc = schema.resolve(vp.attr.urn.as_deref(), &vp.attr.name)?;
            needles(&vp.filter, schema, Some(loc.attribute))
        }
        Filter::And(a, b) => match (needles(a, schema, within), needles(b, schema, within)) {
            (Some(a), Some(b)) => Some(Needles::All(Box::new(a), Box::new(b))),
            (Some(x), None) | (None, Some(x)) => Some(x),
            (None, None) => None,
        },
        Filter::Or(a, b) => {
            let a = needles(a, schema, within)?;
            let b = needles(b, schema, within)?;
            Some(Needles::Any(Box::new(a), Box::new(b)))
        }
        _ => None,
    }
}

/// Whether `path` names a string (or reference) attribute, whose values
/// compare as text. Inside `within[...]` the path names a sub-attribute;
/// a complex attribute without a sub-attribute compares its `value`.
fn is_text(path: &AttrPath, schema: &ResourceSchema<'_>, within: Option<&Attribute>) -> bool {
    let attr = match within {
        Some(outer) => {
            if path.urn.is_some() || path.sub_attr.is_some() {
                return false;
            }
            outer.sub_attribute(&path.name)
        }
        None => schema
            .resolve(path.urn.as_deref(), &path.name)
            .map(|loc| loc.attribute)
            .and_then(|a| match &path.sub_attr {
                Some(sub) => a.sub_attribute(sub),
                None if a.ty == AttrType::Complex => a.sub_attribute("value"),
                None => Some(a),
            }),
    };
    attr.is_some_and(|a| matches!(a.ty, AttrType::String | AttrType::Reference))
}

/// Whether `hay` contains `needle` (lower-case ASCII) in any ASCII case.
///
/// Most of a document holds no candidate first byte, so the scan tests
/// eight bytes at a time (as one `u64`) for one and looks closer only at
/// words that hold one. Setting bit 5 of every byte folds ASCII case; it
/// also lets a few non-letters through (`@` reads as a backtick), which the
/// closer look turns away.
fn contains_ascii_ci(hay: &[u8], needle: &[u8]) -> bool {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    const CASE: u64 = u64::from_le_bytes([0x20; 8]);
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let upper = first.to_ascii_uppercase();
    let Some(last_start) = hay.len().checked_sub(needle.len()) else {
        return false;
    };
    let starts = hay.get(..=last_start).unwrap_or_default();
    let found_at = |i: usize, b: u8| {
        (b == first || b == upper)
            && hay
                .get(i + 1..i + needle.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(rest))
    };
    let pattern = ONES * u64::from(first | 0x20);
    let mut words = starts.chunks_exact(8);
    let mut base = 0;
    for word in &mut words {
        let Ok(bytes) = <[u8; 8]>::try_from(word) else {
            continue;
        };
        // A zero byte in `v` is a candidate; this is the classic test
        // for whether a word holds one.
        let v = (u64::from_le_bytes(bytes) | CASE) ^ pattern;
        if v.wrapping_sub(ONES) & !v & HIGHS != 0
            && word.iter().enumerate().any(|(j, &b)| found_at(base + j, b))
        {
            return true;
        }
        base += 8;
    }
    words
        .remainder()
        .iter()
        .enumerate()
        .any(|(j, &b)| found_at(base + j, b))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use scim_core::Registry;

    fn of(filter: &str) -> Option<Needles> {
        let registry = Registry::with_builtins();
        let schema = registry.view("User").unwrap();
        Needles::of(&scim_filter::parse_filter(filter).unwrap(), &schema)
    }

    fn text(s: &str) -> Needles {
        Needles::Text(s.as_bytes().to_vec())
    }

    #[test]
    fn only_the_fold_exceptions_fold_from_non_ascii_to_ascii() {
        // The soundness argument above rests on this list being complete.
        let exceptions: Vec<char> = (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|c| !c.is_ascii() && c.to_lowercase().any(|l| l.is_ascii()))
            .collect();
        assert_eq!(exceptions, ['\u{0130}', '\u{212A}']);
    }

    #[test]
    fn positive_string_comparisons_give_needles() {
        assert_eq!(of(r#"title co "Guide""#), Some(text("guide")));
        assert_eq!(
            of(r#"userName sw "J" and title ew "r""#),
            Some(Needles::All(Box::new(text("j")), Box::new(text("r"))))
        );
        assert_eq!(
            of(r#"title pr and name.familyName eq "Smith""#),
            Some(text("smith"))
        );
        assert_eq!(of(r#"emails co "example.org""#), Some(text("example.org")));
        assert_eq!(
            of(r#"emails[type eq "work" and value co "x"]"#),
            Some(Needles::All(Box::new(text("work")), Box::new(text("x"))))
        );
        assert_eq!(
            of(r#"title eq "a" or title eq "b""#),
            Some(Needles::Any(Box::new(text("a")), Box::new(text("b"))))
        );
    }

    #[test]
    fn other_filters_give_none() {
        for f in [
            r#"title ne "x""#,
            r#"not (title co "x")"#,
            "title pr",
            r#"title gt "x""#,
            r#"meta.lastModified eq "2024-01-01T00:00:00Z""#,
            "active eq true",
            r#"title co """#,
            r#"title co "é""#,
            r#"title co "a\"b""#,
            r#"title co "x" or title pr"#,
        ] {
            assert_eq!(of(f), None, "{f}");
        }
    }

    #[test]
    fn the_chunked_scan_finds_what_a_plain_scan_finds() {
        let plain = |hay: &[u8], needle: &[u8]| {
            hay.windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle))
        };
        for needle in ["a", "gu", "guide", "x@y.z-1", "`", "@", "0123456789abcdefg"] {
            for (len, filler) in (0..40).flat_map(|n| [(n, b'.'), (n, b'`'), (n, b'@')]) {
                for at in 0..len {
                    let mut hay = vec![filler; len];
                    for (i, b) in needle.bytes().enumerate() {
                        if let Some(h) = hay.get_mut(at + i) {
                            *h = if i % 2 == 0 {
                                b.to_ascii_uppercase()
                            } else {
                                b
                            };
                        }
                    }
                    assert_eq!(
                        contains_ascii_ci(&hay, needle.as_bytes()),
                        plain(&hay, needle.as_bytes()),
                        "{needle} in {:?}",
                        String::from_utf8_lossy(&hay)
                    );
                }
            }
        }
    }

    #[test]
    fn admits_follows_ascii_case_and_the_fold_exceptions() {
        let n = text("guide");
        assert!(n.admits(br#"{"title":"Tour GUIDE"}"#));
        assert!(!n.admits(br#"{"title":"Tour Gide"}"#));
        assert!(text("kelvin").admits("{\"x\":\"\u{212A}elvin\"}".as_bytes()));
        assert!(text("ai").admits("{\"x\":\"a\u{0130}\"}".as_bytes()));
        // Needles without k or i ignore the exceptions.
        assert!(!text("ab").admits("{\"x\":\"a\u{212A}b\"}".as_bytes()));
        let any = Needles::Any(Box::new(text("zz")), Box::new(text("yy")));
        assert!(any.admits(b"..YY.."));
        assert!(!any.admits(b"..xx.."));
    }
}
