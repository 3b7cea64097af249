//! [`ListRequest`]: the parameters of a list (GET) or `.search` (POST)
//! request, and their validation into a [`ListQuery`].

use super::cursor::{Cursor, Fnv};
use super::exec::compile_filter;
use super::sort::SortSpec;
use super::{CursorPaging, ListQuery, PagingMode, QueryLimits};
use crate::error::{Result, ScimError, ScimType};
use crate::projection::Projection;
use crate::schema::{ResourceSchema, SEARCH_REQUEST_SCHEMA};
use scim_filter::{Filter, ParseOptions, SortOrder};
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

/// Everything a list or `.search` request carries (RFC 7644 §3.4.2,
/// §3.4.3, §3.9; RFC 9865 `cursor`), checked for shape but not yet against
/// a schema.
///
/// Build one with [`ListRequest::from_query_pairs`] (GET),
/// [`ListRequest::from_query`] (a raw query string) or
/// [`ListRequest::from_search_request`] (POST `.search`), then turn it into
/// a store query with [`ListRequest::to_list_query`].
///
/// Shape errors, all 400:
///
/// | problem | `scimType` |
/// |---|---|
/// | `startIndex` or `count` not an integer | invalidValue |
/// | `count` not a non-negative integer in cursor mode | invalidCount |
/// | `sortOrder` not `ascending`/`descending` | invalidValue |
/// | a parameter given twice | invalidValue |
/// | `cursor` together with `startIndex` | invalidValue |
/// | SearchRequest not an object, wrong member types, wrong `schemas` | invalidSyntax |
///
/// `startIndex` below 1 is read as 1 and a negative `count` as 0 (RFC
/// 7644 §3.4.2.4) in index mode. Unknown parameters are ignored (RFC 7644
/// §3.4.2: providers SHOULD ignore what they do not recognise).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListRequest {
    /// The filter text, not yet parsed.
    pub filter: Option<String>,
    /// The `sortBy` attribute path, not yet parsed.
    pub sort_by: Option<String>,
    /// The sort direction, if given.
    pub sort_order: Option<SortOrder>,
    /// `startIndex` as sent (may be below 1).
    pub start_index: Option<i64>,
    /// `count` as sent (may be negative in index mode).
    pub count: Option<i64>,
    /// The RFC 9865 cursor: `Some("")` asks for the first page in cursor
    /// mode.
    pub cursor: Option<String>,
    /// `attributes`, one path per element.
    pub attributes: Vec<String>,
    /// `excludedAttributes`, one path per element.
    pub excluded_attributes: Vec<String>,
}

/// The parameters, as they are named (compared case-insensitively).
const FILTER: &str = "filter";
const SORT_BY: &str = "sortBy";
const SORT_ORDER: &str = "sortOrder";
const START_INDEX: &str = "startIndex";
const COUNT: &str = "count";
const CURSOR: &str = "cursor";
const ATTRIBUTES: &str = "attributes";
const EXCLUDED_ATTRIBUTES: &str = "excludedAttributes";

impl ListRequest {
    /// From decoded GET query parameters (names case-insensitive; values
    /// already percent-decoded by the caller).
    pub fn from_query_pairs<'a, I>(pairs: I) -> Result<ListRequest>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut req = ListRequest::default();
        let mut start_index = None;
        let mut count = None;
        let mut seen = Seen::default();
        for (name, value) in pairs {
            let Some(param) = Param::named(name) else {
                continue;
            };
            seen.once(param)?;
            match param {
                Param::Filter => req.filter = Some(value.to_owned()),
                Param::SortBy => req.sort_by = Some(value.to_owned()),
                Param::SortOrder => req.sort_order = Some(parse_sort_order(value)?),
                Param::StartIndex => start_index = Some(value),
                Param::Count => count = Some(value),
                Param::Cursor => req.cursor = Some(value.to_owned()),
                Param::Attributes => req.attributes = split_list(value),
                Param::ExcludedAttributes => req.excluded_attributes = split_list(value),
            }
        }
        let cursor_mode = req.cursor.is_some();
        req.start_index = start_index
            .map(|v| parse_int(v).ok_or_else(|| not_integer(START_INDEX, v)))
            .transpose()?;
        req.count = count
            .map(|v| parse_int(v).ok_or_else(|| bad_count(cursor_mode, v)))
            .transpose()?;
        Ok(req)
    }

    /// From a raw query string (`filter=userName%20eq%20%22bjensen%22&count=10`,
    /// with or without the leading `?`): splits on `&`, decodes `+` and
    /// percent escapes, then as [`ListRequest::from_query_pairs`]. An
    /// escape that does not decode to UTF-8 is 400 invalidValue.
    pub fn from_query(query: &str) -> Result<ListRequest> {
        let query = query.strip_prefix('?').unwrap_or(query);
        let mut pairs = Vec::new();
        for part in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            pairs.push((percent_decode(name)?, percent_decode(value)?));
        }
        ListRequest::from_query_pairs(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))
    }

    /// From a SearchRequest body (RFC 7644 §3.4.3), member names
    /// case-insensitive.
    ///
    /// `schemas`, when present, must list the SearchRequest URN
    /// (400 invalidSyntax otherwise). When it is absent the body is
    /// accepted: the endpoint already says what the body is, and some
    /// clients leave it out.
    pub fn from_search_request(body: &Value) -> Result<ListRequest> {
        let obj = body
            .as_object()
            .ok_or_else(|| ScimError::invalid_syntax("a SearchRequest must be a JSON object"))?;
        let mut req = ListRequest::default();
        let mut start_index = None;
        let mut count = None;
        let mut seen = Seen::default();
        for (name, value) in obj {
            if name.eq_ignore_ascii_case("schemas") {
                check_search_schemas(value)?;
                continue;
            }
            let Some(param) = Param::named(name) else {
                continue;
            };
            seen.once(param)?;
            if value.is_null() {
                continue;
            }
            match param {
                Param::Filter => req.filter = Some(json_str(param, value)?.to_owned()),
                Param::SortBy => req.sort_by = Some(json_str(param, value)?.to_owned()),
                Param::SortOrder => {
                    req.sort_order = Some(parse_sort_order(json_str(param, value)?)?)
                }
                Param::StartIndex => start_index = Some(value),
                Param::Count => count = Some(value),
                Param::Cursor => req.cursor = Some(json_str(param, value)?.to_owned()),
                Param::Attributes => req.attributes = json_list(param, value)?,
                Param::ExcludedAttributes => req.excluded_attributes = json_list(param, value)?,
            }
        }
        let cursor_mode = req.cursor.is_some();
        req.start_index = start_index
            .map(|v| json_int(v).ok_or_else(|| not_integer(START_INDEX, &v.to_string())))
            .transpose()?;
        req.count = count
            .map(|v| json_int(v).ok_or_else(|| bad_count(cursor_mode, &v.to_string())))
            .transpose()?;
        Ok(req)
    }

    /// The projection `attributes` and `excludedAttributes` ask for
    /// (RFC 7644 §3.9), compiled against the resource type. A path that
    /// does not parse or names an unknown attribute is 400 invalidValue.
    pub fn projection(&self, schema: &ResourceSchema<'_>) -> Result<Projection> {
        let parse = |name: &str, list: &[String]| -> Result<Vec<scim_filter::AttrPath>> {
            list.iter()
                .map(|p| {
                    scim_filter::parse_attr_path(p).map_err(|e| {
                        ScimError::invalid_value(format!(
                            "{name} entry {p:?} is not an attribute path: {e}"
                        ))
                    })
                })
                .collect()
        };
        let attributes = parse(ATTRIBUTES, &self.attributes)?;
        let excluded = parse(EXCLUDED_ATTRIBUTES, &self.excluded_attributes)?;
        Projection::new(schema, &attributes, &excluded)
    }

    /// Whether the request asks for RFC 9865 cursor paging.
    pub fn is_cursor_mode(&self) -> bool {
        self.cursor.is_some()
    }

    /// Validates the request against the resource type's schema and the
    /// limits, at the current time. See [`ListRequest::to_list_query_at`].
    pub fn to_list_query(
        &self,
        schema: &ResourceSchema<'_>,
        limits: &QueryLimits,
    ) -> Result<(ListQuery, PagingMode)> {
        self.to_list_query_at(schema, limits, SystemTime::now())
    }

    /// Validates the request against the resource type's schema and the
    /// limits, with `now` as the current time (for cursor expiry and the
    /// issue time of new cursors).
    ///
    /// | problem | status, `scimType` |
    /// |---|---|
    /// | filter does not parse, is too long or too deep, names an unknown attribute, or compares one as its type forbids | 400 invalidFilter |
    /// | `sortBy` does not parse, names an unknown attribute, or a complex one without a sub-attribute | 400 invalidValue |
    /// | cursor and `startIndex` together | 400 invalidValue |
    /// | cursor-mode `count` above the maximum page size | 400 invalidCount |
    /// | cursor malformed, tampered with, or issued for another filter, sort or resource type | 400 invalidCursor |
    /// | cursor older than [`QueryLimits::cursor_lifetime`] | 400 expiredCursor |
    ///
    /// The cursor keywords and status follow RFC 9865's error table (all
    /// 400). `sortBy` errors are invalidValue: RFC 7644 defines no
    /// keyword for them, invalidFilter is for `filter` and invalidPath for
    /// PATCH paths.
    pub fn to_list_query_at(
        &self,
        schema: &ResourceSchema<'_>,
        limits: &QueryLimits,
        now: SystemTime,
    ) -> Result<(ListQuery, PagingMode)> {
        let filter = match &self.filter {
            Some(text) => Some(parse_filter_checked(text, schema, limits)?),
            None => None,
        };
        let (sort_by, sort_spec) = match &self.sort_by {
            Some(text) => {
                let path = parse_attr_path(text).map_err(|e| {
                    ScimError::invalid_value(format!(
                        "sortBy {text:?} is not an attribute path: {e}"
                    ))
                })?;
                let spec = SortSpec::resolve(&path, schema)?;
                (Some(path), Some(spec))
            }
            None => (None, None),
        };
        let sort_order = self.sort_order.unwrap_or_default();
        let mut query = ListQuery {
            filter,
            sort_by,
            sort_order,
            start_index: 1,
            count: limits.default_page_size,
        };
        let Some(token) = &self.cursor else {
            query.start_index = match self.start_index {
                Some(i) if i > 1 => usize::try_from(i).unwrap_or(usize::MAX),
                _ => 1,
            };
            query.count = match self.count {
                Some(c) => usize::try_from(c.max(0))
                    .unwrap_or(usize::MAX)
                    .min(limits.max_page_size),
                None => limits.default_page_size.min(limits.max_page_size),
            };
            return Ok((query, PagingMode::Index));
        };
        if self.start_index.is_some() {
            return Err(ScimError::invalid_value(
                "cursor and startIndex cannot be used together; use one way of paging",
            ));
        }
        query.count = match self.count {
            None => limits.default_page_size.min(limits.max_page_size),
            Some(c) => match usize::try_from(c) {
                Ok(c) if c <= limits.max_page_size => c,
                _ => {
                    return Err(ScimError::bad_request(
                        ScimType::InvalidCount,
                        format!(
                            "count must be between 0 and {} (the maximum page size)",
                            limits.max_page_size
                        ),
                    ))
                }
            },
        };
        let fingerprint = fingerprint(
            schema,
            query.filter.as_ref(),
            sort_spec.as_ref(),
            sort_order,
        );
        let now = now
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        if !token.is_empty() {
            let cursor = Cursor::decode(token)?;
            cursor.check(fingerprint, now, limits.cursor_lifetime)?;
            query.start_index = usize::try_from(cursor.offset)
                .unwrap_or(usize::MAX)
                .saturating_add(1);
        }
        Ok((
            query,
            PagingMode::Cursor(CursorPaging {
                fingerprint,
                issued_at: now,
            }),
        ))
    }
}

/// Parses `text` as a filter within the limits and checks it against the
/// schema: every failure is 400 invalidFilter.
fn parse_filter_checked(
    text: &str,
    schema: &ResourceSchema<'_>,
    limits: &QueryLimits,
) -> Result<Filter> {
    let options = ParseOptions::default()
        .with_max_len(limits.max_filter_len)
        .with_max_depth(limits.max_filter_depth)
        .with_value_path_sub_attr(limits.value_path_sub_attr);
    let filter = scim_filter::parse_filter_with(text, &options)
        .map_err(|e| ScimError::invalid_filter(e.to_string()))?;
    compile_filter(&filter, schema)?;
    Ok(filter)
}

/// What a cursor is bound to: the resource type, the filter (canonical
/// text) and the resolved sort. `count` and projection are left out: a
/// client may change them between pages.
fn fingerprint(
    schema: &ResourceSchema<'_>,
    filter: Option<&Filter>,
    sort: Option<&SortSpec>,
    order: SortOrder,
) -> u64 {
    let filter_text = filter.map(|f| f.to_string()).unwrap_or_default();
    let sort_text = sort.map(SortSpec::canonical).unwrap_or_default();
    Fnv::new()
        .field(&schema.resource_type.name.to_ascii_lowercase())
        .field(&filter_text)
        .field(&sort_text)
        .field(match (sort, order) {
            (None, _) => "",
            (Some(_), SortOrder::Ascending) => "a",
            (Some(_), SortOrder::Descending) => "d",
        })
        .finish()
}

fn parse_attr_path(
    text: &str,
) -> std::result::Result<scim_filter::AttrPath, scim_filter::ParseError> {
    scim_filter::parse_attr_path(text)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Param {
    Filter,
    SortBy,
    SortOrder,
    StartIndex,
    Count,
    Cursor,
    Attributes,
    ExcludedAttributes,
}

impl Param {
    const ALL: [(Param, &'static str); 8] = [
        (Param::Filter, FILTER),
        (Param::SortBy, SORT_BY),
        (Param::SortOrder, SORT_ORDER),
        (Param::StartIndex, START_INDEX),
        (Param::Count, COUNT),
        (Param::Cursor, CURSOR),
        (Param::Attributes, ATTRIBUTES),
        (Param::ExcludedAttributes, EXCLUDED_ATTRIBUTES),
    ];

    fn named(name: &str) -> Option<Param> {
        Param::ALL
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|(p, _)| *p)
    }

    fn name(self) -> &'static str {
        Param::ALL
            .iter()
            .find(|(p, _)| *p == self)
            .map(|(_, n)| *n)
            .unwrap_or("parameter")
    }
}

/// Which parameters were seen: giving one twice is ambiguous (and a
/// classic parameter-pollution trick), so it is refused.
#[derive(Default)]
struct Seen(Vec<Param>);

impl Seen {
    fn once(&mut self, p: Param) -> Result<()> {
        if self.0.contains(&p) {
            return Err(ScimError::invalid_value(format!(
                "{} is given more than once",
                p.name()
            )));
        }
        self.0.push(p);
        Ok(())
    }
}

fn parse_sort_order(v: &str) -> Result<SortOrder> {
    if v.eq_ignore_ascii_case("ascending") {
        Ok(SortOrder::Ascending)
    } else if v.eq_ignore_ascii_case("descending") {
        Ok(SortOrder::Descending)
    } else {
        Err(ScimError::invalid_value(format!(
            "sortOrder must be \"ascending\" or \"descending\", not {v:?}"
        )))
    }
}

/// An optionally signed decimal integer; values beyond `i64` saturate
/// (they are clamped later anyway).
fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut n: i64 = 0;
    for b in digits.bytes() {
        n = n.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    Some(if neg { -n } else { n })
}

/// A JSON integer (a number with no fraction, or a string holding one).
fn json_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            if n.as_u64().is_some() {
                Some(i64::MAX)
            } else {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.is_finite())
                    .map(|f| f.clamp(i64::MIN as f64, i64::MAX as f64) as i64)
            }
        }),
        Value::String(s) => parse_int(s),
        _ => None,
    }
}

fn not_integer(name: &str, v: &str) -> ScimError {
    ScimError::invalid_value(format!("{name} must be an integer, not {v:?}"))
}

fn bad_count(cursor_mode: bool, v: &str) -> ScimError {
    if cursor_mode {
        ScimError::bad_request(
            ScimType::InvalidCount,
            format!("count must be a non-negative integer, not {v:?}"),
        )
    } else {
        not_integer(COUNT, v)
    }
}

fn split_list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn json_str(p: Param, v: &Value) -> Result<&str> {
    v.as_str()
        .ok_or_else(|| ScimError::invalid_syntax(format!("{} must be a string", p.name())))
}

/// `attributes`/`excludedAttributes`: an array of strings (RFC 7644
/// §3.4.3); a single comma-separated string is accepted too.
fn json_list(p: Param, v: &Value) -> Result<Vec<String>> {
    match v {
        Value::String(s) => Ok(split_list(s)),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.extend(split_list(json_str(p, item)?));
            }
            Ok(out)
        }
        _ => Err(ScimError::invalid_syntax(format!(
            "{} must be an array of strings",
            p.name()
        ))),
    }
}

fn check_search_schemas(v: &Value) -> Result<()> {
    let listed = v.as_array().is_some_and(|a| {
        a.iter().any(|s| {
            s.as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(SEARCH_REQUEST_SCHEMA))
        })
    });
    if listed {
        Ok(())
    } else {
        Err(ScimError::invalid_syntax(format!(
            "a SearchRequest's schemas must list {SEARCH_REQUEST_SCHEMA}"
        )))
    }
}

fn percent_decode(s: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |b: u8| char::from(b).to_digit(16);
                let byte = bytes
                    .get(i + 1)
                    .zip(bytes.get(i + 2))
                    .and_then(|(&h, &l)| Some(hex(h)? * 16 + hex(l)?));
                match byte.and_then(|b| u8::try_from(b).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => {
                        return Err(ScimError::invalid_value(format!(
                            "bad percent escape in query string at byte {i}"
                        )))
                    }
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out)
        .map_err(|_| ScimError::invalid_value("query string is not UTF-8 after decoding"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints() {
        let cases = [
            ("0", Some(0)),
            ("17", Some(17)),
            ("-3", Some(-3)),
            ("+4", Some(4)),
            (" 5 ", Some(5)),
            ("99999999999999999999999", Some(i64::MAX)),
            ("", None),
            ("-", None),
            ("1.5", None),
            ("ten", None),
            ("0x10", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_int(s), want, "{s:?}");
        }
    }

    #[test]
    fn percent() {
        assert_eq!(
            percent_decode("userName%20eq%20%22b+j%22").ok().as_deref(),
            Some("userName eq \"b j\"")
        );
        assert_eq!(percent_decode("%C3%A9").ok().as_deref(), Some("é"));
        for bad in ["%", "%2", "%zz", "%FF"] {
            assert!(percent_decode(bad).is_err(), "{bad}");
        }
    }
}
