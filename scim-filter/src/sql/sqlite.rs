//! [`SqliteJson`]: resources stored whole as JSON text, SQLite JSON1.

use serde_json::Number;
use time::OffsetDateTime;

use super::{
    check_name, datetime_key, AttrRef, Dialect, OrdOp, Placeholders, SortTarget, SqlError,
    SqlValue, SqlWriter, TextOp,
};
use crate::ast::SortOrder;
use crate::schema::{AttrFacts, AttrType};

/// Resources stored as JSON text in one column (`doc`), queried with
/// `json_extract`/`json_type`, `json_each` for multi-valued attributes and
/// `json_tree` for `pr`. Placeholders are `?`.
///
/// SQLite's `LIKE` ignores ASCII case, so case-exact `co`/`sw`/`ew` use
/// `GLOB` with `*`, `?` and `[` escaped as bracket expressions instead;
/// case-insensitive ones use `lower(x) LIKE lower(?) ESCAPE '\'`. SQLite's
/// `lower()` folds ASCII only (see the [module notes](super)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteJson {
    column: String,
}

impl SqliteJson {
    /// The dialect for documents in `column`. The column name is written
    /// into SQL as given: it is configuration, not input.
    pub fn new(column: impl Into<String>) -> Self {
        SqliteJson {
            column: column.into(),
        }
    }

    /// The column holding the documents.
    pub fn column(&self) -> &str {
        &self.column
    }

    /// `'$."ext"."attr"."sub"'` for a root reference (names checked by
    /// [`check_name`], so they need no escaping).
    fn path(r: &AttrRef<'_>, with_sub: bool) -> String {
        let mut p = String::with_capacity(40);
        p.push_str("'$");
        let sub = if with_sub { r.sub_attribute } else { None };
        for k in [r.extension, Some(r.attribute), sub].into_iter().flatten() {
            p.push_str(".\"");
            p.push_str(k);
            p.push('"');
        }
        p.push('\'');
        p
    }

    /// The SQL value (`json_extract`) and JSON type (`json_type`) at `r`.
    fn value_and_type(&self, r: &AttrRef<'_>) -> (String, String) {
        if r.element {
            match r.sub_attribute {
                None => ("e.value".to_owned(), "e.type".to_owned()),
                Some(sub) => {
                    let obj = "CASE WHEN e.type = 'object' THEN e.value END";
                    (
                        format!("json_extract({obj}, '$.\"{sub}\"')"),
                        format!("json_type({obj}, '$.\"{sub}\"')"),
                    )
                }
            }
        } else {
            let p = Self::path(r, true);
            let c = &self.column;
            (
                format!("json_extract({c}, {p})"),
                format!("json_type({c}, {p})"),
            )
        }
    }
}

/// `x GLOB ?` for case-exact `co`/`sw`/`ew`: `*`, `?` and `[` in `lit`
/// are escaped as `[*]`, `[?]` and `[[]`.
pub(crate) fn write_glob(w: &mut SqlWriter, op: TextOp, lit: &str) {
    let mut p = String::with_capacity(lit.len() + 4);
    if matches!(op, TextOp::Co | TextOp::Ew) {
        p.push('*');
    }
    for c in lit.chars() {
        match c {
            '*' => p.push_str("[*]"),
            '?' => p.push_str("[?]"),
            '[' => p.push_str("[[]"),
            c => p.push(c),
        }
    }
    if matches!(op, TextOp::Co | TextOp::Sw) {
        p.push('*');
    }
    w.push_sql(" GLOB ");
    w.push_param(SqlValue::Text(p));
}

/// Binds a number as SQLite compares it: integers as INTEGER, others as
/// REAL (SQLite compares INTEGER with REAL exactly).
pub(crate) fn number_param(n: &Number) -> SqlValue {
    match n.as_i64() {
        Some(i) => SqlValue::Int(i),
        None => SqlValue::Float(n.as_f64().unwrap_or(f64::NAN)),
    }
}

/// Writes the dateTime key (see [`datetime_key`]) of the value `x`, NULL
/// unless `x` is RFC 3339 text. SQLite has no regular expressions, so the
/// shape is checked with `GLOB`, the calendar with a round trip through
/// `date()`/`time()`, and the fraction is carried over as text so that no
/// precision is lost to SQLite's millisecond clock.
pub(crate) fn sqlite_datetime_key(out: &mut String, x: &str) {
    out.push_str(
        "(SELECT CASE WHEN v GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*' \
AND date(substr(v, 1, 10), '+0 days') = substr(v, 1, 10) \
AND time(substr(v, 12, 8), '+0 seconds') = substr(v, 12, 8) \
AND (o = 'Z' OR o GLOB '[+-][0-2][0-9]:[0-5][0-9]' AND substr(o, 2, 2) <= '23') \
AND (f = '' OR substr(f, 1, 1) = '.' AND length(f) > 1 AND substr(f, 2) NOT GLOB '*[^0-9]*') \
THEN strftime('%Y-%m-%dT%H:%M:%S', substr(v, 1, 19) || o, '+0 seconds') || rtrim(rtrim(f, '0'), '.') END \
FROM (SELECT v, o, substr(v, 20, length(v) - 19 - length(o)) AS f \
FROM (SELECT v, ltrim(substr(v, 20), '.0123456789') AS o \
FROM (SELECT upper(",
    );
    out.push_str(x);
    out.push_str(") AS v))))");
}

/// The SQLite `pr` test over rows `t` of `json_tree`.
const TREE_PRESENT: &str =
    "t.type IN ('integer', 'real', 'true', 'false') OR t.type = 'text' AND t.atom <> ''";

impl Dialect for SqliteJson {
    fn placeholders(&self) -> Placeholders {
        Placeholders::Question
    }

    fn write_text(&self, w: &mut SqlWriter, r: &AttrRef<'_>) -> Result<(), SqlError> {
        w.push_sql(&self.value_and_type(r).0);
        Ok(())
    }

    fn write_text_compare(
        &self,
        w: &mut SqlWriter,
        r: &AttrRef<'_>,
        op: TextOp,
        lit: &str,
        case_exact: bool,
    ) -> Result<(), SqlError> {
        if case_exact && matches!(op, TextOp::Co | TextOp::Sw | TextOp::Ew) {
            self.write_text(w, r)?;
            write_glob(w, op, lit);
            return Ok(());
        }
        default_text_compare(self, w, r, op, lit, case_exact)
    }

    fn write_present(
        &self,
        w: &mut SqlWriter,
        r: &AttrRef<'_>,
        _facts: &AttrFacts,
    ) -> Result<(), SqlError> {
        if r.element && r.sub_attribute.is_none() {
            w.push_sql("(e.type IN ('integer', 'real', 'true', 'false') OR e.type = 'text' AND e.atom <> '' OR EXISTS (SELECT 1 FROM json_tree(CASE WHEN e.type IN ('object', 'array') THEN e.value END) AS t WHERE ");
            w.push_sql(TREE_PRESENT);
            w.push_sql("))");
            return Ok(());
        }
        w.push_sql("EXISTS (SELECT 1 FROM json_tree(");
        if r.element {
            w.push_sql("CASE WHEN e.type = 'object' THEN e.value END, '$.\"");
            w.push_sql(r.sub_attribute.unwrap_or_default());
            w.push_sql("\"'");
        } else {
            w.push_sql(&self.column);
            w.push_sql(", ");
            w.push_sql(&Self::path(r, true));
        }
        w.push_sql(") AS t WHERE ");
        w.push_sql(TREE_PRESENT);
        w.push_sql(")");
        Ok(())
    }

    fn write_elements_exists(
        &self,
        w: &mut SqlWriter,
        r: &AttrRef<'_>,
        body: &mut dyn FnMut(&mut SqlWriter) -> Result<(), SqlError>,
    ) -> Result<(), SqlError> {
        let p = Self::path(r, false);
        let c = &self.column;
        w.push_sql(&format!(
            "EXISTS (SELECT 1 FROM json_each({c}, {p}) AS e WHERE json_type({c}, {p}) = 'array' AND ("
        ));
        body(w)?;
        w.push_sql("))");
        Ok(())
    }

    fn write_is_object(&self, w: &mut SqlWriter, r: &AttrRef<'_>) -> Result<bool, SqlError> {
        w.push_sql(&self.value_and_type(r).1);
        w.push_sql(" = 'object'");
        Ok(true)
    }

    fn write_number_compare(
        &self,
        w: &mut SqlWriter,
        r: &AttrRef<'_>,
        op: OrdOp,
        lit: &Number,
    ) -> Result<(), SqlError> {
        let (x, ty) = self.value_and_type(r);
        w.push_sql(&format!(
            "CASE WHEN {ty} IN ('integer', 'real') THEN {x} END"
        ));
        w.push_sql(op.sql());
        w.push_param(number_param(lit));
        Ok(())
    }

    fn write_bool_eq(&self, w: &mut SqlWriter, r: &AttrRef<'_>, lit: bool) -> Result<(), SqlError> {
        let (_, ty) = self.value_and_type(r);
        w.push_sql(&format!(
            "CASE {ty} WHEN 'true' THEN 1 WHEN 'false' THEN 0 END = "
        ));
        w.push_param(SqlValue::Bool(lit));
        Ok(())
    }

    fn write_datetime_compare(
        &self,
        w: &mut SqlWriter,
        r: &AttrRef<'_>,
        op: OrdOp,
        lit: &OffsetDateTime,
    ) -> Result<(), SqlError> {
        let (x, _) = self.value_and_type(r);
        sqlite_datetime_key(&mut w.sql, &x);
        w.push_sql(op.sql());
        w.push_param(SqlValue::Text(datetime_key(lit)));
        Ok(())
    }

    fn write_order_by(
        &self,
        w: &mut SqlWriter,
        target: &SortTarget,
        order: SortOrder,
    ) -> Result<(), SqlError> {
        let top = AttrRef {
            extension: target.extension.as_deref().map(check_name).transpose()?,
            attribute: check_name(&target.attribute)?,
            sub_attribute: target
                .sub_attribute
                .as_deref()
                .map(check_name)
                .transpose()?,
            element: false,
        };
        let c = &self.column;
        // `x`: the SQL value sorted by; `ty`: its JSON type.
        let (x, ty) = if target.multi_valued {
            let p = Self::path(&top, false);
            // `'$."emails"'` -> `'$."emails"[0]'`
            let first = format!("{}[0]'", &p[..p.len() - 1]);
            match top.sub_attribute {
                Some(sub) => {
                    let chosen = format!(
                        "COALESCE((SELECT e.value FROM json_each({c}, {p}) AS e WHERE json_type({c}, {p}) = 'array' AND json_type(CASE WHEN e.type = 'object' THEN e.value END, '$.\"primary\"') = 'true' ORDER BY e.id LIMIT 1), CASE WHEN json_type({c}, {first}) = 'object' THEN json_extract({c}, {first}) END)"
                    );
                    (
                        format!("json_extract({chosen}, '$.\"{sub}\"')"),
                        format!("json_type({chosen}, '$.\"{sub}\"')"),
                    )
                }
                None => (
                    format!("json_extract({c}, {first})"),
                    format!("json_type({c}, {first})"),
                ),
            }
        } else {
            self.value_and_type(&top)
        };
        let mut key = String::with_capacity(256);
        match target.ty {
            AttrType::String | AttrType::Reference | AttrType::Binary => {
                let fold = !target.case_exact;
                if fold {
                    key.push_str("lower(");
                }
                key.push_str(&format!(
                    "CASE WHEN {ty} = 'text' AND {x} <> '' THEN {x} END"
                ));
                if fold {
                    key.push(')');
                }
            }
            AttrType::Integer | AttrType::Decimal => {
                key.push_str(&format!(
                    "CASE WHEN {ty} IN ('integer', 'real') THEN {x} END"
                ));
            }
            AttrType::Boolean => {
                key.push_str(&format!(
                    "CASE {ty} WHEN 'true' THEN 1 WHEN 'false' THEN 0 END"
                ));
            }
            AttrType::DateTime => {
                sqlite_datetime_key(&mut key, &format!("CASE WHEN {ty} = 'text' THEN {x} END"))
            }
            AttrType::Complex => {
                return Err(SqlError::InvalidSort {
                    path: top.path_text(),
                    reason: "complex attribute",
                })
            }
        }
        let dir = match order {
            SortOrder::Ascending => " ASC",
            SortOrder::Descending => " DESC",
        };
        w.push_sql(&format!(
            "CASE WHEN {key} IS NOT NULL THEN 0 WHEN {ty} IN ('integer', 'real', 'true', 'false') OR {ty} = 'text' AND {x} <> '' THEN 1 ELSE 2 END{dir}, {key}{dir}"
        ));
        Ok(())
    }
}

/// The trait's default string comparison, callable from an override.
pub(crate) fn default_text_compare<D: Dialect + ?Sized>(
    d: &D,
    w: &mut SqlWriter,
    r: &AttrRef<'_>,
    op: TextOp,
    lit: &str,
    case_exact: bool,
) -> Result<(), SqlError> {
    super::text_compare_default(d, w, r, op, lit, case_exact)
}
