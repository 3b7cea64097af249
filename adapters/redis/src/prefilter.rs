//! A cheap test on a stored document's raw JSON, before it is parsed: the
//! members a filter needs the document to hold, and the ASCII text their
//! string values must show.
//!
//! `name.familyName sw "a"` can only match a document whose JSON text has
//! a member `"familyName":` (in some ASCII case) followed by a string that
//! starts with `a` (in some ASCII case), or by an array (arrays are not
//! looked into: they always pass). So a scan skips parsing the others.
//!
//! Sound because documents are written by this store with serde_json,
//! compactly (`"key":value`, no whitespace), every character as itself
//! except `"`, `\` and control characters (escaped); literals and
//! attribute names holding any of those get no such needle. The evaluator
//! finds a member by its name in any ASCII case, and a value the filter
//! compares is a string of printable ASCII exactly where its text in the
//! document is. A `"name":` inside a string value is written `\"name\":`,
//! so every match of the pattern is a real member; the scan tries every
//! one of them, so nesting (an extension's object, a complex attribute,
//! the elements of a multi-valued one) does not matter.
//!
//! Case-insensitive matching folds characters with `char::to_lowercase`,
//! and exactly two non-ASCII characters fold to ASCII letters (KELVIN SIGN
//! to `k`, LATIN CAPITAL LETTER I WITH DOT ABOVE to `i` plus a combining
//! dot), so a document holding either passes every needle whose literal
//! contains `k` or `i`. The full filter runs on whatever passes.

use scim_core::schema::{AttrType, Attribute, ResourceSchema};
use scim_filter::{AttrPath, CompValue, CompareOp, Filter};

/// What a document must contain for a filter to match it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Needles {
    /// A member named `key` (lower-case ASCII, any ASCII case in the
    /// document) whose value is an array, or a string that `op` with `lit`
    /// (lower-case ASCII) may accept.
    Member {
        /// The name followed by `":`, as the pattern to search for.
        key: Vec<u8>,
        op: Op,
        lit: Vec<u8>,
    },
    /// The document must contain this (lower-case ASCII) text, in any
    /// ASCII case: for attribute names a member pattern cannot hold.
    Text(Vec<u8>),
    /// Both must hold.
    All(Box<Needles>, Box<Needles>),
    /// One must hold.
    Any(Box<Needles>, Box<Needles>),
}

/// The string comparison a [`Needles::Member`] stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Co,
    Sw,
    Ew,
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
            // Whatever the member holds, a string that matches shows the
            // literal in the text; most documents lack it, and looking
            // for it first rules them out without visiting each member.
            Needles::Member { key, op, lit } => {
                (contains_ascii_ci(raw, lit) && member_admits(raw, key, *op, lit))
                    || folds_into(raw, lit)
            }
            Needles::Text(t) => contains_ascii_ci(raw, t) || folds_into(raw, t),
            Needles::All(a, b) => a.admits(raw) && b.admits(raw),
            Needles::Any(a, b) => a.admits(raw) || b.admits(raw),
        }
    }
}

/// Whether `raw` holds a non-ASCII character that folds to an ASCII
/// letter of `lit`, so that byte matching cannot rule it out.
fn folds_into(raw: &[u8], lit: &[u8]) -> bool {
    lit.iter().any(|b| matches!(b, b'k' | b'i'))
        // Most documents are ASCII: one quick pass rules both out.
        && !raw.is_ascii()
        && (contains(raw, KELVIN) || contains(raw, DOTTED_I))
}

/// Whether some member `key` (`name":`) of `raw` holds an array, or a
/// string `op` may accept.
fn member_admits(raw: &[u8], key: &[u8], op: Op, lit: &[u8]) -> bool {
    let mut from = 0;
    while let Some(at) = raw
        .get(from..)
        .and_then(|rest| find_ascii_ci(rest, key))
        .map(|i| i + from)
    {
        let opened = at.checked_sub(1).and_then(|i| raw.get(i)) == Some(&b'"');
        if opened {
            match raw.get(at + key.len()..).and_then(<[u8]>::split_first) {
                Some((b'[', _)) => return true,
                Some((b'"', text)) if op.may_accept(text, lit) => return true,
                _ => {}
            }
        }
        from = at + 1;
    }
    false
}

impl Op {
    /// Whether the string whose JSON text starts at `text` (just after
    /// its opening quote) may pass the comparison with `lit`.
    fn may_accept(self, text: &[u8], lit: &[u8]) -> bool {
        let starts = || {
            text.get(..lit.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(lit))
        };
        match self {
            Op::Sw => starts(),
            Op::Eq => starts() && text.get(lit.len()) == Some(&b'"'),
            Op::Co => contains_ascii_ci(string_text(text), lit),
            Op::Ew => {
                let s = string_text(text);
                s.len()
                    .checked_sub(lit.len())
                    .and_then(|i| s.get(i..))
                    .is_some_and(|end| end.eq_ignore_ascii_case(lit))
            }
        }
    }
}

/// The JSON text of a string up to its closing quote (`text` starts just
/// after the opening one); all of `text` if it has none.
fn string_text(text: &[u8]) -> &[u8] {
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        match b {
            b'"' => return text.get(..i).unwrap_or(text),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    text
}

fn needles(
    filter: &Filter,
    schema: &ResourceSchema<'_>,
    within: Option<&Attribute>,
) -> Option<Needles> {
    match filter {
        Filter::Compare(path, op, CompValue::Str(lit)) => {
            let op = match op {
                CompareOp::Eq => Op::Eq,
                CompareOp::Co => Op::Co,
                CompareOp::Sw => Op::Sw,
                CompareOp::Ew => Op::Ew,
                _ => return None,
            };
            let attr = compared(path, schema, within)?;
            if !matches!(attr.ty, AttrType::String | AttrType::Reference) {
                return None;
            }
            if lit.is_empty() || !lit.bytes().all(plain) {
                return None;
            }
            let lit = lit.to_ascii_lowercase().into_bytes();
            if attr.name.is_empty() || !attr.name.bytes().all(plain) {
                return Some(Needles::Text(lit));
            }
            let mut key = attr.name.to_ascii_lowercase().into_bytes();
            key.extend_from_slice(b"\":");
            Some(Needles::Member { key, op, lit })
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

/// Whether serde_json writes `b` as itself, and it is ASCII.
fn plain(b: u8) -> bool {
    b.is_ascii() && !b.is_ascii_control() && b != b'"' && b != b'\\'
}

/// The attribute whose values `path` compares. Inside `within[...]` the
/// path names a sub-attribute; a complex attribute without a
/// sub-attribute compares its `value`.
fn compared<'a>(
    path: &AttrPath,
    schema: &ResourceSchema<'a>,
    within: Option<&'a Attribute>,
) -> Option<&'a Attribute> {
    match within {
        Some(outer) => {
            if path.urn.is_some() || path.sub_attr.is_some() {
                return None;
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
    }
}

/// Whether `hay` contains `needle` (lower-case ASCII) in any ASCII case.
fn contains_ascii_ci(hay: &[u8], needle: &[u8]) -> bool {
    find_ascii_ci(hay, needle).is_some()
}

/// Where `hay` first contains `needle` (lower-case ASCII) in any ASCII
/// case.
///
/// Most of a document holds no candidate first byte, so the scan tests
/// eight bytes at a time (as one `u64`) for one and looks closer only at
/// words that hold one. Setting bit 5 of every byte folds ASCII case; it
/// also lets a few non-letters through (`@` reads as a backtick), which the
/// closer look turns away.
fn find_ascii_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    const CASE: u64 = u64::from_le_bytes([0x20; 8]);
    let Some((&first, rest)) = needle.split_first() else {
        return Some(0);
    };
    let upper = first.to_ascii_uppercase();
    let last_start = hay.len().checked_sub(needle.len())?;
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
        if v.wrapping_sub(ONES) & !v & HIGHS != 0 {
            if let Some(j) = word
                .iter()
                .enumerate()
                .position(|(j, &b)| found_at(base + j, b))
            {
                return Some(base + j);
            }
        }
        base += 8;
    }
    words
        .remainder()
        .iter()
        .enumerate()
        .position(|(j, &b)| found_at(base + j, b))
        .map(|j| base + j)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use scim_core::Registry;
    use scim_filter::CompiledFilter;
    use serde_json::{json, Map, Value};

    fn of(filter: &str) -> Option<Needles> {
        let registry = Registry::with_builtins();
        let schema = registry.view("User").unwrap();
        Needles::of(&scim_filter::parse_filter(filter).unwrap(), &schema)
    }

    fn member(key: &str, op: Op, lit: &str) -> Needles {
        Needles::Member {
            key: format!("{key}\":").into_bytes(),
            op,
            lit: lit.as_bytes().to_vec(),
        }
    }

    fn all(a: Needles, b: Needles) -> Needles {
        Needles::All(Box::new(a), Box::new(b))
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
        assert_eq!(
            of(r#"title co "Guide""#),
            Some(member("title", Op::Co, "guide"))
        );
        assert_eq!(
            of(r#"userName sw "J" and title ew "r""#),
            Some(all(
                member("username", Op::Sw, "j"),
                member("title", Op::Ew, "r")
            ))
        );
        assert_eq!(
            of(r#"title pr and name.familyName eq "Smith""#),
            Some(member("familyname", Op::Eq, "smith"))
        );
        assert_eq!(
            of(r#"emails co "example.org""#),
            Some(member("value", Op::Co, "example.org"))
        );
        assert_eq!(
            of(r#"emails[type eq "work" and value co "x"]"#),
            Some(all(
                member("type", Op::Eq, "work"),
                member("value", Op::Co, "x")
            ))
        );
        assert_eq!(
            of(r#"title eq "a" or title eq "b""#),
            Some(Needles::Any(
                Box::new(member("title", Op::Eq, "a")),
                Box::new(member("title", Op::Eq, "b"))
            ))
        );
        assert_eq!(
            of(
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber sw "7""#
            ),
            Some(member("employeenumber", Op::Sw, "7"))
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
                .position(|w| w.eq_ignore_ascii_case(needle))
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
                        find_ascii_ci(&hay, needle.as_bytes()),
                        plain(&hay, needle.as_bytes()),
                        "{needle} in {:?}",
                        String::from_utf8_lossy(&hay)
                    );
                }
            }
        }
    }

    #[test]
    fn members_are_matched_by_name_and_string_value() {
        let sw = member("familyname", Op::Sw, "a");
        assert!(sw.admits(br#"{"name":{"familyName":"Adams"}}"#));
        assert!(sw.admits(br#"{"name":{"FAMILYNAME":"adams"}}"#));
        assert!(!sw.admits(br#"{"name":{"familyName":"Baker"},"active":true}"#));
        // A value that is an array always passes; other types never do.
        assert!(sw.admits(br#"{"name":{"familyName":["Baker"]}}"#));
        assert!(!sw.admits(br#"{"name":{"familyName":7},"a":"a"}"#));
        // The pattern only counts as a key after a quote.
        assert!(!sw.admits(br#"{"x":"myfamilyName\":\"a"}"#));
        // The second occurrence can be the one that passes.
        assert!(sw.admits(br#"{"familyName":"B","name":{"familyName":"A"}}"#));

        let eq = member("title", Op::Eq, "guide");
        assert!(eq.admits(br#"{"title":"GUIDE"}"#));
        assert!(!eq.admits(br#"{"title":"guides"}"#));
        let ew = member("title", Op::Ew, "ide");
        assert!(ew.admits(br#"{"title":"Tour Guide","x":"y"}"#));
        assert!(ew.admits(br#"{"title":"a\"b\\ide"}"#));
        assert!(!ew.admits(br#"{"title":"ide\"x","x":"ide"}"#));
        let co = member("title", Op::Co, "guide");
        assert!(co.admits(br#"{"title":"Tour Guide"}"#));
        assert!(!co.admits(br#"{"title":"Tour","x":"guide"}"#));
        assert!(!co.admits(br#"{"title":"a\"","guide":"guide"}"#));
    }

    #[test]
    fn admits_follows_the_fold_exceptions() {
        let n = member("title", Op::Co, "guide");
        assert!(n.admits(br#"{"title":"Tour GUIDE"}"#));
        assert!(!n.admits(br#"{"title":"Tour Gide"}"#));
        assert!(member("x", Op::Sw, "kelvin").admits("{\"x\":\"\u{212A}elvin\"}".as_bytes()));
        assert!(member("x", Op::Eq, "ai").admits("{\"x\":\"a\u{0130}\"}".as_bytes()));
        assert!(Needles::Text(b"ai".to_vec()).admits("{\"x\":\"a\u{0130}\"}".as_bytes()));
        // Literals without k or i ignore the exceptions.
        assert!(!member("x", Op::Co, "ab").admits("{\"x\":\"a\u{212A}b\"}".as_bytes()));
        let any = Needles::Any(
            Box::new(Needles::Text(b"zz".to_vec())),
            Box::new(Needles::Text(b"yy".to_vec())),
        );
        assert!(any.admits(b"..YY.."));
        assert!(!any.admits(b"..xx.."));
    }

    /// A small deterministic generator (xorshift), so the property test
    /// needs no extra dependency and fails the same way every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            usize::try_from(self.next() % n as u64).unwrap()
        }
        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len())]
        }
        fn chance(&mut self, percent: usize) -> bool {
            self.below(100) < percent
        }
    }

    const PIECES: &[&str] = &[
        "a",
        "A",
        "b",
        "k",
        "K",
        "i",
        "I",
        "x",
        "ab",
        "\"",
        "\\",
        "\n",
        "é",
        "\u{212A}",
        "\u{0130}",
        " ",
        "@",
        ":",
        "\"title\":\"a",
        "title",
        "[",
    ];

    fn random_string(rng: &mut Rng) -> String {
        (0..rng.below(5)).map(|_| *rng.pick(PIECES)).collect()
    }

    /// A name in a random ASCII case.
    fn spelled(rng: &mut Rng, name: &str) -> String {
        name.chars()
            .map(|c| {
                if rng.chance(20) {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect()
    }

    fn random_leaf(rng: &mut Rng) -> Value {
        match rng.below(10) {
            0 => Value::Null,
            1 => json!(rng.below(3)),
            2 => json!(true),
            3 => Value::Array(
                (0..rng.below(3))
                    .map(|_| json!(random_string(rng)))
                    .collect(),
            ),
            4 => json!({"value": random_string(rng)}),
            _ => json!(random_string(rng)),
        }
    }

    fn random_object(rng: &mut Rng, names: &[&str]) -> Value {
        let mut obj = Map::new();
        for name in names {
            if rng.chance(70) {
                obj.insert(spelled(rng, name), random_leaf(rng));
            }
        }
        Value::Object(obj)
    }

    fn random_user(rng: &mut Rng) -> Value {
        let mut user = random_object(rng, &["userName", "title", "nickName", "externalId"]);
        let subs = ["givenName", "familyName"];
        let name = match rng.below(3) {
            0 => random_object(rng, &subs),
            1 => Value::Array(
                (0..rng.below(3))
                    .map(|_| random_object(rng, &subs))
                    .collect(),
            ),
            _ => random_leaf(rng),
        };
        let emails = ["value", "type", "display"];
        let emails = match rng.below(3) {
            0 => random_object(rng, &emails),
            1 => Value::Array(
                (0..rng.below(3))
                    .map(|_| random_object(rng, &emails))
                    .collect(),
            ),
            _ => random_leaf(rng),
        };
        let ext = random_object(rng, &["employeeNumber", "department"]);
        let obj = user.as_object_mut().unwrap();
        obj.insert(spelled(rng, "name"), name);
        obj.insert(spelled(rng, "emails"), emails);
        let urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        obj.insert(spelled(rng, urn), ext);
        user
    }

    fn random_filter(rng: &mut Rng, depth: usize) -> String {
        const PATHS: &[&str] = &[
            "userName",
            "title",
            "nickName",
            "externalId",
            "name.familyName",
            "name.givenName",
            "emails",
            "emails.type",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        ];
        const OPS: &[&str] = &["eq", "co", "sw", "ew", "ne", "gt"];
        const LITS: &[&str] = &["a", "A", "k", "i", "ab", "ki", "x", "a@", "a\\\"", "title"];
        if depth > 0 && rng.chance(30) {
            let a = random_filter(rng, depth - 1);
            let b = random_filter(rng, depth - 1);
            let join = if rng.chance(50) { "and" } else { "or" };
            return format!("({a}) {join} ({b})");
        }
        if rng.chance(10) {
            let (sub_a, sub_b) = (rng.pick(&["type", "value"]), rng.pick(&["type", "value"]));
            return format!(
                r#"emails[{sub_a} {} "{}" and {sub_b} {} "{}"]"#,
                rng.pick(OPS),
                rng.pick(LITS),
                rng.pick(OPS),
                rng.pick(LITS)
            );
        }
        format!(
            r#"{} {} "{}""#,
            rng.pick(PATHS),
            rng.pick(OPS),
            rng.pick(LITS)
        )
    }

    /// The property the scan rests on: whatever the evaluator selects, the
    /// needles admit.
    #[test]
    fn needles_never_reject_a_resource_the_filter_selects() {
        let registry = Registry::with_builtins();
        let schema = registry.view("User").unwrap();
        let mut rng = Rng(0x5eed_cafe_f00d_1234);
        let users: Vec<(Value, Vec<u8>)> = (0..400)
            .map(|_| {
                let u = random_user(&mut rng);
                let text = serde_json::to_vec(&u).unwrap();
                (u, text)
            })
            .collect();
        let (mut selected, mut rejected) = (0, 0);
        for _ in 0..600 {
            let text = random_filter(&mut rng, 2);
            let filter = scim_filter::parse_filter(&text).unwrap();
            let Ok(compiled) = CompiledFilter::compile(&filter, &schema) else {
                continue;
            };
            let Some(needles) = Needles::of(&filter, &schema) else {
                continue;
            };
            for (user, raw) in &users {
                let admitted = needles.admits(raw);
                if compiled.matches(user) {
                    selected += 1;
                    assert!(
                        admitted,
                        "{text} selects {} but {needles:?} rejects it",
                        String::from_utf8_lossy(raw)
                    );
                } else if !admitted {
                    rejected += 1;
                }
            }
        }
        // The generator must exercise both sides.
        assert!(selected > 1_000, "only {selected} selected");
        assert!(rejected > 10_000, "only {rejected} rejected");
    }
}
