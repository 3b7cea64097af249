//! Parsers for the filter language (RFC 7644 §3.4.2.2), PATCH paths
//! (§3.5.2), attribute paths (`sortBy`) and attribute lists
//! (`attributes`, `excludedAttributes`).
//!
//! The grammar is LL(1) apart from one word of lookahead (`not` is a
//! keyword only when a `(` follows), so the parser never backtracks: the
//! first error is the furthest one, and it is reported at the byte where
//! the input stopped making sense. Nesting (parentheses, `not (...)`,
//! value filters) is the only recursion, and it is bounded by
//! [`ParseOptions::max_depth`] before the parser descends, so no input can
//! exhaust the stack. `and`/`or` chains are built in a loop.
//!
//! The parsers follow nom's protocol (`IResult`, `nom::Err::Failure` for
//! committed errors, a custom [`nom::error::ParseError`] that keeps the
//! furthest failure) and use nom for whitespace. Names, numbers and
//! string literals are scanned by hand on bytes: they are the hot path,
//! they need no allocation beyond the AST's own `String`s, and nom 8.0.0's
//! `recognize` over `digit0` misreports input that ends in digits
//! (rust-bakery/nom#1808).

use std::borrow::Cow;
use std::str::FromStr;

use nom::error::{ErrorKind, ParseError as NomParseError};
use nom::IResult;
use serde_json::Number;

use crate::ast::{AttrPath, CompValue, CompareOp, Filter, PatchPath, ValuePath};
use crate::error::ParseError;

/// Limits applied while parsing untrusted text.
///
/// Both bounds are checked before any work that depends on them, so a
/// hostile input costs at most `max_len` bytes of scanning and
/// `max_depth` stack frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParseOptions {
    /// The longest accepted input, in bytes (default 8192).
    pub max_len: usize,
    /// The deepest accepted nesting of parentheses, `not (...)` and value
    /// filters `attr[...]` (default 64). Values above
    /// [`ParseOptions::DEPTH_CAP`] are treated as `DEPTH_CAP`, so that
    /// raising the limit can never overflow the stack.
    pub max_depth: usize,
    /// Accepts the non-standard `attr[filter].sub op value` (and
    /// `attr[filter].sub pr`) that Microsoft Entra ID sends, reading it as
    /// `attr[filter and sub op value]`: the same element must satisfy both.
    /// Off by default: RFC 7644's grammar has no such form.
    pub value_path_sub_attr: bool,
}

impl ParseOptions {
    /// The default [`ParseOptions::max_len`].
    pub const DEFAULT_MAX_LEN: usize = 8192;
    /// The default [`ParseOptions::max_depth`].
    pub const DEFAULT_MAX_DEPTH: usize = 64;
    /// The hard ceiling on nesting depth, whatever `max_depth` says.
    pub const DEPTH_CAP: usize = 256;

    /// Returns these options with the given maximum input length in bytes.
    pub fn with_max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }

    /// Returns these options with the given maximum nesting depth.
    pub fn with_max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// Returns these options accepting (or not) the non-standard
    /// `attr[filter].sub op value` form; see
    /// [`ParseOptions::value_path_sub_attr`].
    pub fn with_value_path_sub_attr(mut self, on: bool) -> Self {
        self.value_path_sub_attr = on;
        self
    }
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            max_len: Self::DEFAULT_MAX_LEN,
            max_depth: Self::DEFAULT_MAX_DEPTH,
            value_path_sub_attr: false,
        }
    }
}

/// Parses a filter (RFC 7644 §3.4.2.2) with the default [`ParseOptions`].
///
/// ```
/// use scim_filter::{parse_filter, AttrPath, CompValue, CompareOp, Filter};
///
/// let filter = parse_filter(r#"userName eq "bjensen""#)?;
/// assert_eq!(
///     filter,
///     Filter::compare(
///         AttrPath::new("userName"),
///         CompareOp::Eq,
///         CompValue::Str("bjensen".into()),
///     )
/// );
/// # Ok::<(), scim_filter::ParseError>(())
/// ```
pub fn parse_filter(input: &str) -> Result<Filter, ParseError> {
    parse_filter_with(input, &ParseOptions::default())
}

/// Parses a filter (RFC 7644 §3.4.2.2) within the given limits.
///
/// Spaces and tabs are accepted wherever the RFC requires a single space,
/// around parentheses and brackets, and at both ends of the input.
pub fn parse_filter_with(input: &str, options: &ParseOptions) -> Result<Filter, ParseError> {
    run(input, options, |g, i| {
        let i = skip_ws(i).0;
        let (i, (filter, _)) = g.or_expr(i, 0, false)?;
        let i = skip_ws(i).0;
        if i.is_empty() {
            Ok((i, *filter))
        } else {
            fail(i, "`and`, `or` or end of input")
        }
    })
}

/// Parses a PATCH operation path (RFC 7644 §3.5.2 `PATH`) with the
/// default [`ParseOptions`]: `attrPath`, `valuePath` or
/// `valuePath "." subAttr`, each optionally prefixed by a schema URN.
///
/// ```
/// use scim_filter::parse_path;
///
/// let path = parse_path(r#"members[value eq "2819c223"].displayName"#)?;
/// assert_eq!(path.attr.name, "members");
/// assert_eq!(path.attr.sub_attr.as_deref(), Some("displayName"));
/// assert!(path.value_filter.is_some());
/// # Ok::<(), scim_filter::ParseError>(())
/// ```
pub fn parse_path(input: &str) -> Result<PatchPath, ParseError> {
    parse_path_with(input, &ParseOptions::default())
}

/// Parses a PATCH operation path (RFC 7644 §3.5.2) within the given
/// limits.
pub fn parse_path_with(input: &str, options: &ParseOptions) -> Result<PatchPath, ParseError> {
    run(input, options, |g, i| {
        let (i, mut attr) = attr_path(i)?;
        let mut value_filter = None;
        let mut i = i;
        if i.starts_with('[') {
            if attr.sub_attr.is_some() {
                return fail(
                    i,
                    "end of input (a value filter cannot follow a sub-attribute)",
                );
            }
            let (rest, filter) = g.value_filter(i, 0)?;
            value_filter = Some(filter);
            i = rest;
            if let Some(after_dot) = i.strip_prefix('.') {
                let (rest, sub) = sub_attr_name(after_dot)?;
                attr.sub_attr = Some(sub.to_owned());
                i = rest;
            }
            if !i.is_empty() {
                return fail(i, "`.` or end of input");
            }
        } else if !i.is_empty() {
            return fail(i, "`[` or end of input");
        }
        Ok((i, PatchPath { attr, value_filter }))
    })
}

/// Parses a single attribute path (`sortBy`, an entry of `attributes`):
/// `[URN ":"] name ["." subAttr]`.
pub fn parse_attr_path(input: &str) -> Result<AttrPath, ParseError> {
    parse_attr_path_with(input, &ParseOptions::default())
}

/// Parses a single attribute path within the given limits.
pub fn parse_attr_path_with(input: &str, options: &ParseOptions) -> Result<AttrPath, ParseError> {
    run(input, options, |_, i| {
        let (i, path) = attr_path(i)?;
        if i.is_empty() {
            Ok((i, path))
        } else {
            fail(i, "end of input")
        }
    })
}

/// Parses a comma-separated attribute list (the `attributes` and
/// `excludedAttributes` query parameters, RFC 7644 §3.4.2.5). Spaces
/// around commas and at both ends are tolerated; an empty (or blank)
/// list is an empty `Vec`.
pub fn parse_attr_list(input: &str) -> Result<Vec<AttrPath>, ParseError> {
    parse_attr_list_with(input, &ParseOptions::default())
}

/// Parses a comma-separated attribute list within the given limits.
pub fn parse_attr_list_with(
    input: &str,
    options: &ParseOptions,
) -> Result<Vec<AttrPath>, ParseError> {
    run(input, options, |_, i| {
        let mut i = skip_ws(i).0;
        let mut list = Vec::new();
        if i.is_empty() {
            return Ok((i, list));
        }
        loop {
            let (rest, path) = attr_path(i)?;
            list.push(path);
            let rest = skip_ws(rest).0;
            if rest.is_empty() {
                return Ok((rest, list));
            }
            match rest.strip_prefix(',') {
                Some(next) => i = skip_ws(next).0,
                None => return fail(rest, "`,` or end of input"),
            }
        }
    })
}

impl FromStr for Filter {
    type Err = ParseError;

    /// Same as [`parse_filter`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_filter(s)
    }
}

impl FromStr for PatchPath {
    type Err = ParseError;

    /// Same as [`parse_path`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_path(s)
    }
}

impl FromStr for AttrPath {
    type Err = ParseError;

    /// Same as [`parse_attr_path`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_attr_path(s)
    }
}

// ---------------------------------------------------------------------
// Error plumbing

/// A failure inside the parser: the unparsed rest of the input where it
/// happened (so the offset is `input.len() - at.len()`) and what would
/// have been accepted there.
#[derive(Debug)]
struct Fail<'a> {
    at: &'a str,
    expected: Cow<'static, str>,
}

impl<'a> NomParseError<&'a str> for Fail<'a> {
    fn from_error_kind(at: &'a str, kind: ErrorKind) -> Self {
        let expected = match kind {
            ErrorKind::Digit | ErrorKind::OneOf | ErrorKind::Satisfy => "a digit",
            ErrorKind::Space => "a space",
            _ => "valid syntax",
        };
        Fail {
            at,
            expected: Cow::Borrowed(expected),
        }
    }

    fn append(_: &'a str, _: ErrorKind, other: Self) -> Self {
        other
    }

    fn from_char(at: &'a str, c: char) -> Self {
        let expected = match c {
            '(' => "`(`",
            ')' => "`)`",
            '[' => "`[`",
            ']' => "`]`",
            '.' => "`.`",
            '-' => "`-`",
            _ => "a digit",
        };
        Fail {
            at,
            expected: Cow::Borrowed(expected),
        }
    }

    /// Of two alternatives that both failed, the one that got further
    /// explains the input better.
    fn or(self, other: Self) -> Self {
        if other.at.len() <= self.at.len() {
            other
        } else {
            self
        }
    }
}

type PResult<'a, T> = IResult<&'a str, T, Fail<'a>>;

/// A hard failure at `at`: nothing else could have matched there.
fn fail<'a, T>(at: &'a str, expected: impl Into<Cow<'static, str>>) -> PResult<'a, T> {
    Err(nom::Err::Failure(Fail {
        at,
        expected: expected.into(),
    }))
}

/// Checks the length limit, runs `parse` and turns its failure into a
/// [`ParseError`] with a byte offset into `input`.
fn run<'a, T>(
    input: &'a str,
    options: &ParseOptions,
    parse: impl FnOnce(&Grammar, &'a str) -> PResult<'a, T>,
) -> Result<T, ParseError> {
    if input.len() > options.max_len {
        let mut at = options.max_len;
        while !input.is_char_boundary(at) {
            at -= 1;
        }
        return Err(ParseError {
            offset: at,
            expected: format!("at most {} bytes", options.max_len),
            found: excerpt(&input[at..]),
        });
    }
    let grammar = Grammar {
        max_depth: options.max_depth.min(ParseOptions::DEPTH_CAP),
        value_path_sub_attr: options.value_path_sub_attr,
    };
    match parse(&grammar, input) {
        Ok((_, value)) => Ok(value),
        Err(nom::Err::Error(f) | nom::Err::Failure(f)) => Err(ParseError {
            offset: input.len() - f.at.len(),
            expected: f.expected.into_owned(),
            found: excerpt(f.at),
        }),
        // Every parser here works on complete input.
        Err(nom::Err::Incomplete(_)) => Err(ParseError {
            offset: input.len(),
            expected: "more input".to_owned(),
            found: excerpt(""),
        }),
    }
}

/// A short, quoted excerpt of the token at the start of `rest`, for
/// error messages.
fn excerpt(rest: &str) -> String {
    const MAX_CHARS: usize = 24;
    let Some(first) = rest.chars().next() else {
        return "end of input".to_owned();
    };
    let len = if first == '"' {
        rest[1..].find('"').map_or(rest.len(), |p| p + 2)
    } else if first == '\\' {
        rest.char_indices().nth(6).map_or(rest.len(), |(p, _)| p)
    } else if first.is_ascii() && is_path_byte(first as u8) {
        rest.bytes()
            .position(|b| !is_path_byte(b))
            .unwrap_or(rest.len())
    } else {
        first.len_utf8()
    };
    let mut out = String::with_capacity(len.min(MAX_CHARS * 4) + 4);
    out.push('\'');
    for (n, c) in rest[..len].chars().enumerate() {
        if n == MAX_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

// ---------------------------------------------------------------------
// Lexical helpers

/// Skips spaces and tabs, returning the rest and how many were skipped.
///
/// Scanned by hand, as numbers are: nom 8.0.0 returns a misplaced empty
/// rest when `space0` (or `digit0`) consumes the whole input
/// (rust-bakery/nom#1808), and the parser calls this between every two
/// tokens, where a plain byte loop is several times cheaper.
fn skip_ws(i: &str) -> (&str, usize) {
    let n = i.bytes().take_while(|&b| b == b' ' || b == b'\t').count();
    // Spaces and tabs are one byte each, so `n` is a char boundary.
    (i.get(n..).unwrap_or_default(), n)
}

/// Byte classes, looked up in [`CLASSES`]: the name and path scanners
/// are the hottest loops of the parser.
const NAME: u8 = 1;
const URN: u8 = 2;
const PATH: u8 = 4;

const CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let name = c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
        let urn = name
            || matches!(
                c,
                b'.' | b':' | b'%' | b'+' | b'~' | b'/' | b'@' | b'!' | b';' | b'='
            );
        let path = urn || c == b'$';
        table[b] = (name as u8 * NAME) | (urn as u8 * URN) | (path as u8 * PATH);
        b += 1;
    }
    table
};

/// `ALPHA / DIGIT / "-" / "_"`: the characters after the first of a name.
fn is_name_byte(b: u8) -> bool {
    CLASSES[usize::from(b)] & NAME != 0
}

/// The characters a schema URN may contain: letters, digits and
/// `- . _ : % + ~ / @ ! ; =`.
fn is_urn_byte(b: u8) -> bool {
    CLASSES[usize::from(b)] & URN != 0
}

/// Characters that can appear anywhere in an attribute path (URN
/// characters and the `$` of `$ref`).
fn is_path_byte(b: u8) -> bool {
    CLASSES[usize::from(b)] & PATH != 0
}

/// Length of the run of name characters at the start of `i`.
fn name_len(i: &str) -> usize {
    i.bytes().position(|b| !is_name_byte(b)).unwrap_or(i.len())
}

/// Whether `urn` is acceptable as a schema URN prefix.
pub(crate) fn is_valid_urn(urn: &str) -> bool {
    urn.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) && urn.bytes().all(is_urn_byte)
}

/// `ATTRNAME`: ALPHA *(ALPHA / DIGIT / "-" / "_").
fn attr_name(i: &str) -> PResult<'_, &str> {
    if !i.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) {
        return fail(i, "an attribute name");
    }
    let len = name_len(i);
    Ok((&i[len..], &i[..len]))
}

/// A sub-attribute name: `ATTRNAME` or `$ref`.
fn sub_attr_name(i: &str) -> PResult<'_, &str> {
    if let Some(after) = i.strip_prefix('$') {
        let len = 1 + name_len(after);
        if i[..len].eq_ignore_ascii_case("$ref") {
            return Ok((&i[len..], &i[..len]));
        }
        return fail(i, "a sub-attribute name");
    }
    attr_name(i).map_err(|_| {
        nom::Err::Failure(Fail {
            at: i,
            expected: Cow::Borrowed("a sub-attribute name"),
        })
    })
}

/// `attrPath = [URI ":"] ATTRNAME *1subAttr`.
///
/// The whole run of path characters is taken first; the URN, if any, ends
/// at its last `:` (URNs contain dots, as in `2.0`, but names cannot
/// contain colons).
fn attr_path(i: &str) -> PResult<'_, AttrPath> {
    match plain_attr_path(i) {
        Some(parsed) => Ok(parsed),
        None => urn_attr_path(i),
    }
}

/// The common case, `name` or `name.sub` with no URN, in one pass; `None`
/// when the path is anything else (a URN, `$ref`, an error).
fn plain_attr_path(i: &str) -> Option<(&str, AttrPath)> {
    let bytes = i.as_bytes();
    if !bytes.first()?.is_ascii_alphabetic() {
        return None;
    }
    let name_end = name_len(i);
    let mut end = name_end;
    let mut sub_attr = None;
    if bytes.get(name_end) == Some(&b'.') {
        let sub = &i[name_end + 1..];
        if !sub.as_bytes().first()?.is_ascii_alphabetic() {
            return None;
        }
        let sub_len = name_len(sub);
        sub_attr = Some(sub[..sub_len].to_owned());
        end = name_end + 1 + sub_len;
    }
    if bytes.get(end).is_some_and(|&b| is_path_byte(b)) {
        return None;
    }
    Some((
        &i[end..],
        AttrPath {
            urn: None,
            name: i[..name_end].to_owned(),
            sub_attr,
        },
    ))
}

/// Any attribute path, with or without a URN, with exact errors.
fn urn_attr_path(i: &str) -> PResult<'_, AttrPath> {
    let token_len = i.bytes().position(|b| !is_path_byte(b)).unwrap_or(i.len());
    let token = &i[..token_len];
    let (urn, name_at) = match token.rfind(':') {
        Some(colon) => {
            let urn = &token[..colon];
            if !is_valid_urn(urn) {
                return fail(i, "a schema URN or an attribute name");
            }
            (Some(urn), &i[colon + 1..])
        }
        None => (None, i),
    };
    let (rest, name) = attr_name(name_at)?;
    let (rest, sub_attr) = match rest.strip_prefix('.') {
        Some(after_dot) => {
            let (rest, sub) = sub_attr_name(after_dot)?;
            (rest, Some(sub))
        }
        None => (rest, None),
    };
    // Whatever is left of the token cannot belong to this path.
    let consumed = i.len() - rest.len();
    if consumed < token_len {
        let expected = if sub_attr.is_some() && rest.starts_with('.') {
            "the end of the attribute path (one sub-attribute at most)"
        } else {
            "the end of the attribute path"
        };
        return fail(rest, expected);
    }
    Ok((
        rest,
        AttrPath {
            urn: urn.map(str::to_owned),
            name: name.to_owned(),
            sub_attr: sub_attr.map(str::to_owned),
        },
    ))
}

const EXPECTED_VALUE: &str = "a value (a string, number, `true`, `false` or `null`)";

/// `compValue = false / null / true / number / string`.
fn comp_value(i: &str) -> PResult<'_, CompValue> {
    match i.as_bytes().first() {
        Some(b'"') => {
            let (rest, s) = string(i)?;
            Ok((rest, CompValue::Str(s)))
        }
        Some(b'-' | b'0'..=b'9') => {
            let (rest, n) = number(i)?;
            Ok((rest, CompValue::Num(n)))
        }
        Some(b) if b.is_ascii_alphabetic() => {
            let len = name_len(i);
            let word = &i[..len];
            let value = if word.eq_ignore_ascii_case("true") {
                CompValue::Bool(true)
            } else if word.eq_ignore_ascii_case("false") {
                CompValue::Bool(false)
            } else if word.eq_ignore_ascii_case("null") {
                CompValue::Null
            } else {
                return fail(i, EXPECTED_VALUE);
            };
            Ok((&i[len..], value))
        }
        _ => fail(i, EXPECTED_VALUE),
    }
}

/// A JSON number (RFC 8259 §6), converted with serde_json.
///
/// Scanned by hand: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn number(i: &str) -> PResult<'_, Number> {
    let bytes = i.as_bytes();
    let digits_from = |mut pos: usize| {
        while bytes.get(pos).is_some_and(u8::is_ascii_digit) {
            pos += 1;
        }
        pos
    };
    let mut pos = usize::from(bytes.first() == Some(&b'-'));
    match bytes.get(pos) {
        Some(b'0') => pos += 1,
        Some(b'1'..=b'9') => pos = digits_from(pos + 1),
        _ => return fail(&i[pos..], "a digit"),
    }
    if bytes.get(pos) == Some(&b'.') {
        let end = digits_from(pos + 1);
        if end == pos + 1 {
            return fail(&i[end..], "a digit");
        }
        pos = end;
    }
    if matches!(bytes.get(pos), Some(b'e' | b'E')) {
        pos += 1;
        if matches!(bytes.get(pos), Some(b'+' | b'-')) {
            pos += 1;
        }
        let end = digits_from(pos);
        if end == pos {
            return fail(&i[end..], "a digit");
        }
        pos = end;
    }
    let (text, rest) = i.split_at(pos);
    // `007`, `1.2.3` or `12abc` would otherwise fail later with a
    // confusing message about `and`/`or`.
    if rest
        .as_bytes()
        .first()
        .is_some_and(|&b| is_name_byte(b) || b == b'.')
    {
        return fail(i, "a JSON number");
    }
    match Number::from_str(text) {
        Ok(n) => Ok((rest, n)),
        Err(_) => fail(i, "a number in range"),
    }
}

/// A JSON string literal (RFC 8259 §7), escapes decoded. `i` starts at
/// the opening quote.
fn string(i: &str) -> PResult<'_, String> {
    let bytes = i.as_bytes();
    let mut pos = 1;
    // Fast path: no escapes, one copy.
    while let Some(&b) = bytes.get(pos) {
        match b {
            b'"' => return Ok((&i[pos + 1..], i[1..pos].to_owned())),
            b'\\' => return string_with_escapes(i, pos),
            0x00..=0x1f => return fail(&i[pos..], "an escaped control character"),
            _ => pos += 1,
        }
    }
    fail(&i[pos..], "a closing `\"`")
}

const ESCAPES: &str = r#"an escape (\" \\ \/ \b \f \n \r \t or \uXXXX)"#;

/// The rest of a string literal from the first backslash at `pos`.
fn string_with_escapes(i: &str, mut pos: usize) -> PResult<'_, String> {
    let bytes = i.as_bytes();
    let mut out = String::with_capacity(i.len().min(64));
    out.push_str(&i[1..pos]);
    loop {
        let run_start = pos;
        while let Some(&b) = bytes.get(pos) {
            if b == b'"' || b == b'\\' || b < 0x20 {
                break;
            }
            pos += 1;
        }
        out.push_str(&i[run_start..pos]);
        match bytes.get(pos) {
            None => return fail(&i[pos..], "a closing `\"`"),
            Some(b'"') => return Ok((&i[pos + 1..], out)),
            Some(b'\\') => {
                let escaped = match bytes.get(pos + 1) {
                    Some(b'"') => '"',
                    Some(b'\\') => '\\',
                    Some(b'/') => '/',
                    Some(b'b') => '\u{8}',
                    Some(b'f') => '\u{c}',
                    Some(b'n') => '\n',
                    Some(b'r') => '\r',
                    Some(b't') => '\t',
                    Some(b'u') => {
                        let (c, next) = unicode_escape(i, pos)?;
                        out.push(c);
                        pos = next;
                        continue;
                    }
                    None => return fail(&i[pos + 1..], ESCAPES),
                    Some(_) => return fail(&i[pos..], ESCAPES),
                };
                out.push(escaped);
                pos += 2;
            }
            Some(_) => return fail(&i[pos..], "an escaped control character"),
        }
    }
}

/// Four hex digits at `at`, if they are there.
fn hex4(i: &str, at: usize) -> Option<u32> {
    let digits = i.as_bytes().get(at..at + 4)?;
    digits
        .iter()
        .try_fold(0u32, |acc, &b| Some(acc * 16 + (b as char).to_digit(16)?))
}

/// A `\uXXXX` escape at `pos` (the backslash), with a following
/// `\uXXXX` low surrogate when the first is a high surrogate. Returns the
/// character and the position after the escape(s).
fn unicode_escape(i: &str, pos: usize) -> Result<(char, usize), nom::Err<Fail<'_>>> {
    let hex_error = |at: usize| {
        nom::Err::Failure(Fail {
            at: &i[at..],
            expected: Cow::Borrowed("four hex digits"),
        })
    };
    let first = hex4(i, pos + 2).ok_or_else(|| hex_error(pos + 2))?;
    let (code, next) = match first {
        0xD800..=0xDBFF => {
            let low_at = pos + 6;
            let low = if i[low_at..].starts_with("\\u") {
                hex4(i, low_at + 2).ok_or_else(|| hex_error(low_at + 2))?
            } else {
                0
            };
            if !(0xDC00..=0xDFFF).contains(&low) {
                return Err(nom::Err::Failure(Fail {
                    at: &i[low_at..],
                    expected: Cow::Borrowed(r"a low surrogate escape (\uDC00 to \uDFFF)"),
                }));
            }
            (
                0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00),
                low_at + 6,
            )
        }
        0xDC00..=0xDFFF => {
            return Err(nom::Err::Failure(Fail {
                at: &i[pos..],
                expected: Cow::Borrowed("a Unicode escape that is not a lone low surrogate"),
            }))
        }
        _ => (first, pos + 6),
    };
    match char::from_u32(code) {
        Some(c) => Ok((c, next)),
        None => Err(hex_error(pos + 2)),
    }
}

/// A comparison operator keyword, case-insensitively (`pr` excluded).
fn compare_op(word: &str) -> Option<CompareOp> {
    let [a, b] = word.as_bytes() else {
        return None;
    };
    Some(match [a.to_ascii_lowercase(), b.to_ascii_lowercase()] {
        [b'e', b'q'] => CompareOp::Eq,
        [b'n', b'e'] => CompareOp::Ne,
        [b'c', b'o'] => CompareOp::Co,
        [b's', b'w'] => CompareOp::Sw,
        [b'e', b'w'] => CompareOp::Ew,
        [b'g', b't'] => CompareOp::Gt,
        [b'g', b'e'] => CompareOp::Ge,
        [b'l', b't'] => CompareOp::Lt,
        [b'l', b'e'] => CompareOp::Le,
        _ => return None,
    })
}

// ---------------------------------------------------------------------
// Grammar

/// Filters are built boxed: `And`, `Or`, `Not` and `ValuePath` box their
/// operands anyway, and small return values keep the stack frames of the
/// recursion small.
type Node = Box<Filter>;

/// The recursive part of the grammar, carrying the depth limit.
struct Grammar {
    max_depth: usize,
    value_path_sub_attr: bool,
}

impl Grammar {
    /// Enters one level of nesting at `at` (a `(` or `[`), or fails there.
    fn enter<'a>(&self, at: &'a str, depth: usize) -> Result<usize, nom::Err<Fail<'a>>> {
        if depth >= self.max_depth {
            return Err(nom::Err::Failure(Fail {
                at,
                expected: Cow::Owned(format!("at most {} levels of nesting", self.max_depth)),
            }));
        }
        Ok(depth + 1)
    }

    /// `or` binds loosest: `and_expr *(SP "or" SP and_expr)`, left-assoc.
    /// Also returns whether the last term ended with `)` or `]`.
    fn or_expr<'a>(&self, i: &'a str, depth: usize, in_vf: bool) -> PResult<'a, (Node, bool)> {
        let (mut i, (mut left, mut closed)) = self.and_expr(i, depth, in_vf)?;
        while let Some(rest) = keyword(i, "or", closed)? {
            let (rest, (right, c)) = self.and_expr(rest, depth, in_vf)?;
            left = Box::new(Filter::Or(left, right));
            closed = c;
            i = rest;
        }
        Ok((i, (left, closed)))
    }

    /// `unary *(SP "and" SP unary)`, left-assoc.
    fn and_expr<'a>(&self, i: &'a str, depth: usize, in_vf: bool) -> PResult<'a, (Node, bool)> {
        let (mut i, (mut left, mut closed)) = self.unary(i, depth, in_vf)?;
        while let Some(rest) = keyword(i, "and", closed)? {
            let (rest, (right, c)) = self.unary(rest, depth, in_vf)?;
            left = Box::new(Filter::And(left, right));
            closed = c;
            i = rest;
        }
        Ok((i, (left, closed)))
    }

    /// `"not" OWS "(" filter ")"`, `"(" filter ")"`, `attrExp` or
    /// `valuePath`.
    fn unary<'a>(&self, i: &'a str, depth: usize, in_vf: bool) -> PResult<'a, (Node, bool)> {
        match i.as_bytes().first() {
            Some(b'(') => {
                let (rest, inner) = self.group(i, depth, in_vf)?;
                Ok((rest, (inner, true)))
            }
            Some(b) if b.is_ascii_alphabetic() => {
                if name_len(i) == 3 && i[..3].eq_ignore_ascii_case("not") {
                    let paren = skip_ws(&i[3..]).0;
                    if paren.starts_with('(') {
                        let (rest, inner) = self.group(paren, depth, in_vf)?;
                        return Ok((rest, (Box::new(Filter::Not(inner)), true)));
                    }
                    // An attribute may be called `not`; if that reading
                    // fails right after the word, the `(` was missing.
                    return self.attr_exp(i, depth, in_vf).map_err(|e| {
                        e.map(|f| {
                            if f.at.len() == paren.len() && paren.len() < i.len() - 3 {
                                Fail {
                                    at: f.at,
                                    expected: Cow::Borrowed("`(` after `not`"),
                                }
                            } else {
                                f
                            }
                        })
                    });
                }
                self.attr_exp(i, depth, in_vf)
            }
            _ => fail(i, "an attribute path, `(` or `not`"),
        }
    }

    /// `"(" OWS filter OWS ")"`; `i` starts at the `(`.
    fn group<'a>(&self, i: &'a str, depth: usize, in_vf: bool) -> PResult<'a, Node> {
        let depth = self.enter(i, depth)?;
        let i = skip_ws(&i[1..]).0;
        let (i, (inner, _)) = self.or_expr(i, depth, in_vf)?;
        let i = skip_ws(i).0;
        match i.strip_prefix(')') {
            Some(rest) => Ok((rest, inner)),
            None => fail(i, "`and`, `or` or `)`"),
        }
    }

    /// `"[" OWS valFilter OWS "]"`; `i` starts at the `[`.
    fn value_filter<'a>(&self, i: &'a str, depth: usize) -> PResult<'a, Node> {
        let depth = self.enter(i, depth)?;
        let i = skip_ws(&i[1..]).0;
        let (i, (inner, _)) = self.or_expr(i, depth, true)?;
        let i = skip_ws(i).0;
        match i.strip_prefix(']') {
            Some(rest) => Ok((rest, inner)),
            None => fail(i, "`and`, `or` or `]`"),
        }
    }

    /// `attrPath SP "pr"`, `attrPath SP compareOp SP compValue` or
    /// `attrPath "[" valFilter "]"`.
    fn attr_exp<'a>(&self, i: &'a str, depth: usize, in_vf: bool) -> PResult<'a, (Node, bool)> {
        let (i, path) = attr_path(i)?;
        let op_at = skip_ws(i).0;
        if op_at.starts_with('[') {
            if in_vf {
                return fail(op_at, "a comparison operator (value filters cannot nest)");
            }
            if path.sub_attr.is_some() {
                return fail(
                    op_at,
                    "a comparison operator (a value filter cannot follow a sub-attribute)",
                );
            }
            let (rest, inner) = self.value_filter(op_at, depth)?;
            if self.value_path_sub_attr && rest.starts_with('.') {
                return self.value_path_sub_attr_exp(path, inner, rest);
            }
            return Ok((
                rest,
                (
                    Box::new(Filter::ValuePath(ValuePath {
                        attr: path,
                        filter: inner,
                    })),
                    true,
                ),
            ));
        }
        let len = name_len(op_at);
        let word = &op_at[..len];
        let after = &op_at[len..];
        if word.eq_ignore_ascii_case("pr") {
            return Ok((after, (Box::new(Filter::Present(path)), false)));
        }
        let Some(op) = compare_op(word) else {
            return fail(op_at, "a comparison operator");
        };
        let (value_at, spaces) = skip_ws(after);
        if spaces == 0 && !value_at.is_empty() {
            return fail(value_at, "a space");
        }
        let (rest, value) = comp_value(value_at)?;
        Ok((rest, (Box::new(Filter::Compare(path, op, value)), false)))
    }
}

impl Grammar {
    /// The non-standard `attr[filter].sub op value`: `i` starts at the
    /// `.`. Read as `attr[filter and sub op value]`.
    fn value_path_sub_attr_exp<'a>(
        &self,
        attr: AttrPath,
        inner: Node,
        i: &'a str,
    ) -> PResult<'a, (Node, bool)> {
        let sub_at = &i[1..];
        let (after_name, name) = match sub_at.strip_prefix("$ref") {
            Some(rest) if name_len(rest) == 0 => (rest, &sub_at[..4]),
            _ => attr_name(sub_at)?,
        };
        let sub = AttrPath::new(name);
        let op_at = skip_ws(after_name).0;
        let len = name_len(op_at);
        let word = &op_at[..len];
        let after = &op_at[len..];
        let term = if word.eq_ignore_ascii_case("pr") {
            (after, Filter::Present(sub))
        } else {
            let Some(op) = compare_op(word) else {
                return fail(op_at, "a comparison operator");
            };
            let (value_at, spaces) = skip_ws(after);
            if spaces == 0 && !value_at.is_empty() {
                return fail(value_at, "a space");
            }
            let (rest, value) = comp_value(value_at)?;
            (rest, Filter::Compare(sub, op, value))
        };
        let (rest, term) = term;
        let filter = Box::new(Filter::And(inner, Box::new(term)));
        Ok((
            rest,
            (
                Box::new(Filter::ValuePath(ValuePath { attr, filter })),
                false,
            ),
        ))
    }
}

/// After a term: `SP keyword SP` (or `)keyword(` around brackets).
/// Returns the input after the keyword and its whitespace, or `None` when
/// the keyword is not next.
fn keyword<'a>(
    i: &'a str,
    kw: &'static str,
    after_bracket: bool,
) -> Result<Option<&'a str>, nom::Err<Fail<'a>>> {
    let (at, spaces) = skip_ws(i);
    let len = name_len(at);
    if len != kw.len() || !at[..len].eq_ignore_ascii_case(kw) {
        return Ok(None);
    }
    if spaces == 0 && !after_bracket {
        return Err(nom::Err::Failure(Fail {
            at,
            expected: Cow::Borrowed("a space"),
        }));
    }
    let (rest, spaces) = skip_ws(&at[len..]);
    if spaces == 0 && !rest.is_empty() && !rest.starts_with('(') {
        return Err(nom::Err::Failure(Fail {
            at: rest,
            expected: Cow::Borrowed("a space"),
        }));
    }
    Ok(Some(rest))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn excerpt_quotes_the_next_token() {
        assert_eq!(excerpt(""), "end of input");
        assert_eq!(excerpt("eqq \"x\""), "'eqq'");
        assert_eq!(excerpt("\"abc\" and"), "'\"abc\"'");
        assert_eq!(excerpt(")"), "')'");
        assert_eq!(excerpt("é"), "'é'");
        assert_eq!(excerpt("\n"), "'\\n'");
        assert_eq!(excerpt(&"a".repeat(100)).chars().count(), 24 + 3);
    }

    #[test]
    fn hex4_reads_exactly_four_digits() {
        assert_eq!(hex4("\\u00e9", 2), Some(0xe9));
        assert_eq!(hex4("\\uD83D", 2), Some(0xd83d));
        assert_eq!(hex4("\\u00g9", 2), None);
        assert_eq!(hex4("\\u00", 2), None);
    }

    /// The fast path must agree with the general one wherever it answers.
    #[test]
    fn plain_attr_path_agrees_with_the_general_parser() {
        let alphabet = ["a", "B", "1", ".", ":", "$ref", "-", " ", "[", "é"];
        let mut inputs = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = inputs
                .iter()
                .flat_map(|s| alphabet.iter().map(move |a| format!("{s}{a}")))
                .collect();
            inputs.extend(longer);
        }
        let mut answered = 0;
        for input in &inputs {
            if let Some(fast) = plain_attr_path(input) {
                answered += 1;
                let general = urn_attr_path(input).map_err(|_| input.clone()).unwrap();
                assert_eq!(fast, general, "{input:?}");
            }
        }
        assert!(answered > 100);
    }

    #[test]
    fn operators_are_case_insensitive() {
        for op in CompareOp::ALL {
            assert_eq!(compare_op(op.as_str()), Some(op));
            assert_eq!(compare_op(&op.as_str().to_uppercase()), Some(op));
        }
        assert_eq!(compare_op("pr"), None);
        assert_eq!(compare_op("eqq"), None);
    }
}
