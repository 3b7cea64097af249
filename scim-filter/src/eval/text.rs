//! String comparison under an attribute's case rule, without allocating.
//!
//! Case-insensitive comparison folds both sides with [`char::to_lowercase`],
//! one character at a time (so the fold does not depend on context, unlike
//! [`str::to_lowercase`]'s final-sigma rule). The literal is folded once at
//! compile time ([`fold_case`]); stored values are folded lazily as they are
//! compared. When the stored value is ASCII (the common case: user names,
//! e-mail addresses, type names) a byte loop does the work instead.

use std::cmp::Ordering;

use super::StrOp;

/// Folds `s` to lower case one character at a time with
/// [`char::to_lowercase`]: the fold behind every comparison of an
/// attribute whose `caseExact` is false.
///
/// Per character, so the result does not depend on context: unlike
/// [`str::to_lowercase`], a word-final capital sigma folds to `σ`, not
/// `ς`. Code that must agree with `eq` filters on case-insensitive
/// attributes (a store's uniqueness index, a lookup index) folds with
/// this function.
///
/// ```
/// assert_eq!(scim_filter::fold_case("BJensen"), "bjensen");
/// assert_eq!(scim_filter::fold_case("ΟΔΟΣ"), "οδοσ");
/// ```
pub fn fold_case(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// The folded characters of `s`, lazily.
fn folded(s: &str) -> impl Iterator<Item = char> + Clone + '_ {
    s.chars().flat_map(char::to_lowercase)
}

/// The folded characters of `s`, last first.
fn folded_rev(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().rev().flat_map(|c| c.to_lowercase().rev())
}

/// Whether ASCII byte matching of `value` against an ASCII literal gives
/// the same answers as matching its folded characters: true unless
/// `value` holds one of the two non-ASCII characters whose lower case
/// contains ASCII, `İ` (U+0130, folds to `i` and a combining dot) and the
/// Kelvin sign (U+212A, folds to `k`); a test checks that set against
/// every `char`.
///
/// The byte paths below answer "match" exactly whatever this says (a byte
/// match of an ASCII literal is a match of folded characters); they only
/// need it to trust a "no match" on a value that is not all ASCII.
pub(crate) fn ascii_decides(value: &[u8]) -> bool {
    let mut rest = value;
    while let Some(i) = memchr::memchr2(0xC4, 0xE2, rest) {
        let tail = rest.get(i..).unwrap_or_default();
        if tail.starts_with(&[0xC4, 0xB0]) || tail.starts_with(&[0xE2, 0x84, 0xAA]) {
            return false;
        }
        rest = tail.get(1..).unwrap_or_default();
    }
    true
}

/// Whether `value` folds to exactly `lit` (already folded).
pub(crate) fn eq_fold(value: &str, lit: &str, lit_ascii: bool) -> bool {
    if lit_ascii {
        if value.len() == lit.len() && value.eq_ignore_ascii_case(lit) {
            return true;
        }
        if ascii_decides(value.as_bytes()) {
            return false;
        }
    } else if value.is_ascii() {
        // An ASCII value folds to ASCII.
        return false;
    }
    folded(value).eq(lit.chars())
}

/// Whether `value` folded starts with `lit` (already folded).
pub(crate) fn starts_with_fold(value: &str, lit: &str, lit_ascii: bool) -> bool {
    if lit_ascii {
        let (v, l) = (value.as_bytes(), lit.as_bytes());
        if v.len() >= l.len() && v[..l.len()].eq_ignore_ascii_case(l) {
            return true;
        }
        if ascii_decides(value.as_bytes()) {
            return false;
        }
    } else if value.is_ascii() {
        return false;
    }
    prefix(folded(value), lit.chars())
}

/// Whether `value` folded ends with `lit` (already folded).
pub(crate) fn ends_with_fold(value: &str, lit: &str, lit_ascii: bool) -> bool {
    if lit_ascii {
        let (v, l) = (value.as_bytes(), lit.as_bytes());
        if v.len() >= l.len() && v[v.len() - l.len()..].eq_ignore_ascii_case(l) {
            return true;
        }
        if ascii_decides(value.as_bytes()) {
            return false;
        }
    } else if value.is_ascii() {
        return false;
    }
    prefix(folded_rev(value), lit.chars().rev())
}

/// Whether `value` folded contains `lit` (already folded).
pub(crate) fn contains_fold(value: &str, lit: &str, lit_ascii: bool) -> bool {
    if lit.is_empty() {
        return true;
    }
    if lit_ascii {
        if contains_ascii_fold(value.as_bytes(), lit.as_bytes()) {
            return true;
        }
        if ascii_decides(value.as_bytes()) {
            return false;
        }
    } else if value.is_ascii() {
        return false;
    }
    // Naive search over the folded stream: filter literals are short.
    let mut hay = folded(value);
    loop {
        if prefix(hay.clone(), lit.chars()) {
            return true;
        }
        if hay.next().is_none() {
            return false;
        }
    }
}

/// The answer of the ASCII byte path alone for `op` (not an ordering)
/// and an ASCII literal already folded: true means a match; false is
/// final only when `value` is all ASCII (see [`ascii_decides`]).
#[inline]
pub(crate) fn ascii_fold_hit(op: StrOp, value: &[u8], lit: &[u8]) -> bool {
    match op {
        StrOp::Eq => eq_lower(value, lit),
        StrOp::Sw => value.get(..lit.len()).is_some_and(|v| eq_lower(v, lit)),
        StrOp::Ew => value
            .len()
            .checked_sub(lit.len())
            .and_then(|from| value.get(from..))
            .is_some_and(|v| eq_lower(v, lit)),
        StrOp::Co => lit.is_empty() || contains_ascii_fold(value, lit),
        StrOp::Ord(_) => false,
    }
}

/// Whether `value` equals `lower`, an ASCII literal in lower case,
/// ignoring ASCII case. A plain loop: filter literals and the values they
/// meet are short, and `<[u8]>::eq_ignore_ascii_case`, which lowers both
/// sides and is built for long inputs, costs several times as much on
/// them.
#[inline]
fn eq_lower(value: &[u8], lower: &[u8]) -> bool {
    value.len() == lower.len()
        && value
            .iter()
            .zip(lower)
            .all(|(v, l)| v.to_ascii_lowercase() == *l)
}

/// ASCII case-insensitive substring search; `needle` is lower case and
/// not empty.
fn contains_ascii_fold(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let Some(last_start) = hay.len().checked_sub(needle.len()) else {
        return false;
    };
    let upper = first.to_ascii_uppercase();
    let mut from = 0;
    while from <= last_start {
        // Candidate starts are found with memchr's SIMD scan.
        let window = &hay[from..=last_start];
        let found = if upper == first {
            memchr::memchr(first, window)
        } else {
            memchr::memchr2(first, upper, window)
        };
        let Some(offset) = found else {
            return false;
        };
        let start = from + offset;
        if eq_lower(&hay[start + 1..start + needle.len()], rest) {
            return true;
        }
        from = start + 1;
    }
    false
}

/// Whether `pre` is a prefix of `it`.
fn prefix(mut it: impl Iterator<Item = char>, pre: impl Iterator<Item = char>) -> bool {
    for p in pre {
        if it.next() != Some(p) {
            return false;
        }
    }
    true
}

/// Orders `value` folded against `lit` (already folded), by code point.
pub(crate) fn cmp_fold_lit(value: &str, lit: &str) -> Ordering {
    folded(value).cmp(lit.chars())
}

/// Orders two stored values under the case rule, by code point.
pub(crate) fn cmp_str(a: &str, b: &str, case_exact: bool) -> Ordering {
    if case_exact {
        // UTF-8 byte order is code-point order.
        a.cmp(b)
    } else if a.is_ascii() && b.is_ascii() {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        a.iter()
            .map(u8::to_ascii_lowercase)
            .cmp(b.iter().map(u8::to_ascii_lowercase))
    } else {
        folded(a).cmp(folded(b))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// `ascii_decides` spots exactly the characters whose lower case
    /// mixes ASCII into a non-ASCII character, alone or among others.
    #[test]
    fn ascii_decides_knows_every_char() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let breaks = !c.is_ascii() && c.to_lowercase().any(|l| l.is_ascii());
            let mut buf = [0; 4];
            let alone = c.encode_utf8(&mut buf);
            assert_eq!(ascii_decides(alone.as_bytes()), !breaks, "{c:?}");
            let among = format!("\u{c4}x{alone}\u{2100}");
            assert_eq!(ascii_decides(among.as_bytes()), !breaks, "{c:?}");
        }
    }

    fn lit(s: &str) -> (String, bool) {
        let f = fold_case(s);
        let ascii = f.is_ascii();
        (f, ascii)
    }

    #[test]
    fn ascii_and_unicode_paths_agree() {
        // (value, literal, eq, sw, ew, co)
        let cases = [
            ("Barbara", "barbara", true, true, true, true),
            ("Barbara", "BAR", false, true, false, true),
            ("Barbara", "ARA", false, false, true, true),
            ("Barbara", "rbar", false, false, false, true),
            ("Barbara", "x", false, false, false, false),
            ("Barbara", "", false, true, true, true),
            ("", "", true, true, true, true),
            ("", "a", false, false, false, false),
            ("ÉCOLE", "école", true, true, true, true),
            ("GRÜN@Example.com", "ün@ex", false, false, false, true),
            ("GRÜN@Example.com", "grü", false, true, false, true),
            ("GRÜN@Example.com", ".COM", false, false, true, true),
            ("ΣΊΣΥΦΟΣ", "σίσυφοσ", true, true, true, true),
            // The Kelvin sign folds to an ASCII `k`: a non-ASCII value may
            // match an ASCII literal.
            ("\u{212A}elvin", "kelvin", true, true, true, true),
            // An ASCII value never matches a literal that folds to non-ASCII.
            ("ecole", "É", false, false, false, false),
            ("aaab", "aab", false, false, true, true),
            // Non-ASCII values with ASCII literals take the byte path first.
            (
                "Zoë.García@Example.com",
                "@EXAMPLE.com",
                false,
                false,
                true,
                true,
            ),
            ("Zoë.García@Example.com", "zo", false, true, false, true),
            ("Zoë.García@Example.com", "zoë", false, true, false, true),
            ("Zoë.García@Example.com", "ía@", false, false, false, true),
            ("Zoë.García@Example.com", "zoe", false, false, false, false),
            ("x\u{212A}elvin", "kel", false, false, false, true),
            ("\u{130}stanbul", "i", false, true, false, true),
            ("\u{130}", "i\u{307}", true, true, true, true),
        ];
        for (value, l, eq, sw, ew, co) in cases {
            let (l, ascii) = lit(l);
            assert_eq!(eq_fold(value, &l, ascii), eq, "{value} eq {l}");
            assert_eq!(starts_with_fold(value, &l, ascii), sw, "{value} sw {l}");
            assert_eq!(ends_with_fold(value, &l, ascii), ew, "{value} ew {l}");
            assert_eq!(contains_fold(value, &l, ascii), co, "{value} co {l}");
        }
    }

    #[test]
    fn ordering_folds_case() {
        assert_eq!(cmp_str("alice", "BOB", false), Ordering::Less);
        assert_eq!(cmp_str("alice", "BOB", true), Ordering::Greater);
        assert_eq!(cmp_str("ÉCOLE", "école", false), Ordering::Equal);
        assert_eq!(cmp_fold_lit("Zed", "zed"), Ordering::Equal);
        assert_eq!(cmp_fold_lit("Zed", "zee"), Ordering::Less);
    }

    /// Characters whose folding is interesting: ASCII of both cases, the
    /// Kelvin sign and dotted capital I (fold to ASCII), sharp s and
    /// final-sigma forms (fold oddly), accented letters.
    fn text() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::string::string_regex("[aAbBkK@.\u{212A}\u{130}i\u{307}ßẞΣσςéÉ]{0,8}").unwrap()
    }

    proptest::proptest! {
        /// The fast paths agree with the obvious, allocating definition.
        #[test]
        fn fast_paths_agree_with_folding_both_sides(value in text(), lit in text()) {
            let (l, ascii) = (fold_case(&lit), fold_case(&lit).is_ascii());
            let v = fold_case(&value);
            proptest::prop_assert_eq!(eq_fold(&value, &l, ascii), v == l);
            proptest::prop_assert_eq!(starts_with_fold(&value, &l, ascii), v.starts_with(&l));
            proptest::prop_assert_eq!(ends_with_fold(&value, &l, ascii), v.ends_with(&l));
            proptest::prop_assert_eq!(contains_fold(&value, &l, ascii), v.contains(&l));
            proptest::prop_assert_eq!(cmp_fold_lit(&value, &l), v.as_str().cmp(&l));
            proptest::prop_assert_eq!(cmp_str(&value, &lit, false), v.cmp(&l));
        }
    }
}
