//! Compiling filters, `sortBy` and paging to SQL text plus bound
//! parameters.
//!
//! A [`Filter`] is resolved against [`SchemaFacts`] and written through a
//! [`Dialect`] into a [`SqlWriter`], which pushes every literal as a bound
//! parameter as it writes its placeholder, so [`SqlBuilder::build`] returns
//! `(String, Vec<SqlValue>)` and no value from a request is ever spliced
//! into the SQL text. Three dialects ship:
//!
//! - [`PostgresJsonb`]: resources in a JSONB column (`$1` placeholders).
//! - [`SqliteJson`]: resources in a JSON text column, SQLite JSON1 (`?`).
//! - [`ColumnMapping`]: an application's own tables, SCIM paths mapped to
//!   columns and child tables, for Postgres or SQLite placeholders.
//!
//! ```
//! # #[cfg(feature = "testing")] {
//! use scim_filter::sql::{PostgresJsonb, SqlBuilder, SqlValue};
//! use scim_filter::testing::TestSchema;
//! use scim_filter::{AttrPath, CompValue, CompareOp, Filter, SortOrder};
//!
//! let filter = Filter::compare(AttrPath::new("userName"), CompareOp::Eq, CompValue::Str("bjensen".into()));
//! let dialect = PostgresJsonb::new("doc");
//! let schema = TestSchema::user();
//! let mut q = SqlBuilder::new(&dialect);
//! q.push_sql("SELECT doc FROM resources WHERE tenant = ");
//! q.push_param(SqlValue::Text("acme".into()));
//! q.push_sql(" AND (");
//! q.push_filter(&filter, &schema).unwrap();
//! q.push_sql(")");
//! q.push_order_by(&AttrPath::new("userName"), SortOrder::Ascending, &schema).unwrap();
//! q.push_limit_offset(Some(10), 0);
//! let (sql, params) = q.build();
//! assert!(sql.starts_with(
//!     "SELECT doc FROM resources WHERE tenant = $1 AND (lower(doc->>'userName') = lower($2)) ORDER BY "
//! ));
//! assert!(sql.ends_with(" LIMIT $3 OFFSET $4"));
//! assert_eq!(params.len(), 4);
//! # }
//! ```
//!
//! # Identifiers
//!
//! Attribute paths are resolved through [`SchemaFacts`] and the JSON keys
//! written into SQL are the schema's spelling of the names, never the
//! filter's. They are written as SQL string literals rather than bound
//! parameters on purpose: an expression index (`lower(doc->>'userName')`)
//! only serves a query whose expression is textually the same, which a
//! parameterised key is not once Postgres switches to a generic plan. To
//! keep that safe, a schema name is accepted only if it consists of ASCII
//! letters, digits and `_ $ . : / -` (every RFC 7643 attribute name and
//! schema URN does); anything else is [`SqlError::UnsafeName`]. Column
//! expressions of a [`ColumnMapping`] are configuration written by the
//! application, and are used as given.
//!
//! # Semantics
//!
//! The SQL selects the rows [`CompiledFilter`](crate::CompiledFilter)
//! matches, under the rules in its documentation (same resolution, same
//! compile errors), for resources whose stored shape follows the schema:
//! keys spelled as the schema spells them, multi-valued attributes stored as
//! arrays, single-valued ones not. Known differences, all on data outside
//! that shape or on rare characters:
//!
//! - SQLite's `lower()` folds ASCII letters only, so a case-insensitive
//!   comparison in [`SqliteJson`] treats non-ASCII letters case-exactly;
//!   Postgres' `lower()` folds per the database's ctype (with `C.UTF-8` or
//!   a UTF-8 locale, the same as the evaluator for all but a few
//!   characters whose lower case is two characters long).
//! - A stored value of the wrong JSON type for a string attribute (a number
//!   where a string belongs) compares by its text in SQL.
//! - dateTime values compare as instants with full fractional precision;
//!   Postgres additionally requires years 0001-9999.
//! - `ORDER BY` follows [`SortKey`](crate::SortKey): values first, then
//!   values of the wrong type, then absent ones (reversed for descending);
//!   a wrong-typed array or object counts as absent in SQL. Add your own
//!   tie-breaker (`, id`).

mod compile;
mod mapping;
mod postgres;
mod sqlite;

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::Number;
use time::OffsetDateTime;

use crate::ast::{AttrPath, Filter, SortOrder};
use crate::eval::CompileError;
use crate::schema::{AttrFacts, AttrType, SchemaFacts};

pub use mapping::{ColumnMapping, ColumnType, Flavor};
pub use postgres::PostgresJsonb;
pub use sqlite::SqliteJson;

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    /// Text (`TEXT`, `VARCHAR`).
    Text(String),
    /// A 64-bit integer.
    Int(i64),
    /// A double-precision float.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

/// Why a filter or sort cannot be compiled to SQL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SqlError {
    /// The filter is invalid against the schema, exactly as the evaluator
    /// would reject it (RFC 7644 `400 invalidFilter`).
    #[error(transparent)]
    Filter(#[from] CompileError),
    /// A [`ColumnMapping`] has no column (or child table) for the path.
    #[error("no column is mapped for `{path}`")]
    Unmapped {
        /// The path, as the schema spells it.
        path: String,
    },
    /// A name the schema returned contains characters that are not allowed
    /// in SQL text (see the module documentation).
    #[error("schema name {name:?} cannot be written into SQL")]
    UnsafeName {
        /// The offending name.
        name: String,
    },
    /// [`PostgresJsonb::text_expr`] was asked for a path that is not a
    /// single-valued string attribute.
    #[error("`{path}` is not a single-valued string attribute")]
    NotIndexable {
        /// The path as written.
        path: String,
    },
    /// `sortBy` names an attribute that cannot be sorted by (unknown, or
    /// complex with no `value` sub-attribute). RFC 7644 `400 invalidValue`.
    #[error("cannot sort by `{path}`: {reason}")]
    InvalidSort {
        /// The path as written.
        path: String,
        /// Why.
        reason: &'static str,
    },
}

/// How placeholders are spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholders {
    /// `$1`, `$2`, ... (Postgres).
    Numbered,
    /// `?` (SQLite, MySQL).
    Question,
}

/// SQL text being written, and the values bound to its placeholders.
///
/// Dialects write through [`SqlWriter::push_param`], which appends the
/// placeholder and records the value in one step.
#[derive(Debug, Clone)]
pub struct SqlWriter {
    sql: String,
    params: Vec<SqlValue>,
    first: usize,
    style: Placeholders,
}

impl SqlWriter {
    /// An empty writer whose first placeholder will be number `first`
    /// (1-based; only [`Placeholders::Numbered`] shows the number).
    pub fn new(style: Placeholders, first: usize) -> Self {
        SqlWriter {
            sql: String::with_capacity(512),
            params: Vec::new(),
            first: first.max(1),
            style,
        }
    }

    /// Appends SQL text. Never pass anything that came from a request.
    pub fn push_sql(&mut self, sql: &str) {
        self.sql.push_str(sql);
    }

    /// Appends a placeholder and binds `value` to it.
    pub fn push_param(&mut self, value: SqlValue) {
        match self.style {
            Placeholders::Numbered => {
                let n = self.next_index();
                // Writing to a String cannot fail.
                let _ = write!(self.sql, "${n}");
            }
            Placeholders::Question => self.sql.push('?'),
        }
        self.params.push(value);
    }

    /// The number the next placeholder will get.
    pub fn next_index(&self) -> usize {
        self.first + self.params.len()
    }

    /// The SQL written so far.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The values bound so far, in placeholder order.
    pub fn params(&self) -> &[SqlValue] {
        &self.params
    }

    /// The SQL text and its parameters.
    pub fn finish(self) -> (String, Vec<SqlValue>) {
        (self.sql, self.params)
    }
}

/// A reference to a value the compiler wants read, by the schema's names.
///
/// With `element` false the value is `resource[extension][attribute][sub]`;
/// with `element` true it is read from the current element of the
/// multi-valued `attribute` (inside [`Dialect::write_elements_exists`]):
/// the element itself when `sub_attribute` is `None`, else its member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttrRef<'a> {
    /// The extension URN key the attribute is stored under, if any.
    pub extension: Option<&'a str>,
    /// The top-level attribute.
    pub attribute: &'a str,
    /// The sub-attribute, if any.
    pub sub_attribute: Option<&'a str>,
    /// Whether this reads the current element of `attribute`.
    pub element: bool,
}

impl AttrRef<'_> {
    /// The path as text (`urn:...:employeeNumber`, `emails.value`).
    pub fn path_text(&self) -> String {
        let mut s = String::new();
        if let Some(ext) = self.extension {
            s.push_str(ext);
            s.push(':');
        }
        s.push_str(self.attribute);
        if let Some(sub) = self.sub_attribute {
            s.push('.');
            s.push_str(sub);
        }
        s
    }
}

/// A string comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextOp {
    /// `eq`.
    Eq,
    /// `co`.
    Co,
    /// `sw`.
    Sw,
    /// `ew`.
    Ew,
    /// An ordering (`gt`, `ge`, `lt`, `le`).
    Ord(OrdOp),
}

/// An ordering comparison (also `eq` for numbers and dateTimes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrdOp {
    /// `=`.
    Eq,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
}

impl OrdOp {
    /// The SQL operator, with spaces around it.
    pub fn sql(self) -> &'static str {
        match self {
            OrdOp::Eq => " = ",
            OrdOp::Gt => " > ",
            OrdOp::Ge => " >= ",
            OrdOp::Lt => " < ",
            OrdOp::Le => " <= ",
        }
    }
}

/// A resolved `sortBy`: which value of a resource it sorts by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortTarget {
    /// The extension URN key, if any.
    pub extension: Option<String>,
    /// The top-level attribute.
    pub attribute: String,
    /// Whether it is multi-valued (sort by the primary element, else the
    /// first).
    pub multi_valued: bool,
    /// The sub-attribute read from the (chosen) value, if any.
    pub sub_attribute: Option<String>,
    /// The type of the compared value.
    pub ty: AttrType,
    /// Its case rule.
    pub case_exact: bool,
}

/// How filters become SQL for one storage layout and SQL flavour.
///
/// The compiler resolves paths and checks types; a dialect only writes
/// expressions. Methods with a default are written in SQL that Postgres
/// and SQLite both understand; a dialect overrides what differs.
pub trait Dialect {
    /// How placeholders are spelled.
    fn placeholders(&self) -> Placeholders;

    /// Writes an expression for the text of the string at `r` (NULL when
    /// absent).
    fn write_text(&self, w: &mut SqlWriter, r: &AttrRef<'_>) -> Result<(), SqlError>;

    /// Writes a boolean expression: the value at `r`, whose facts are
    /// `facts`, is present (RFC 7644 `pr`: not null, not `""`, not an
    /// empty or all-absent array or object).
    fn write_present(
        &self,
        w: &mut SqlWriter,
        r: &AttrRef<'_>,
        facts: &AttrFacts,
    ) -> Result<(), SqlError>;

    /// Writes `EXISTS (...)` over the elements of the multi-valued
    /// attribute `r` (with `element` false and no sub-attribute), with
    /// `body` written as the condition on one element.
    fn write_elements_exists(
        &self,
        w: &mut SqlWriter,
        r: &AttrRef<'_>,
        body: &mut dyn FnMut(&mut SqlWriter) -> Result<(), SqlError>,
    ) -> Result<(), SqlError>;

    /// Writes a condition that the complex value at `r` is an object, and
    /// returns true; or writes nothing and returns false when the layout
    /// cannot hold anything else.
    fn write_is_object(&self, w: &mut SqlWriter, r: &AttrRef<'_>) -> Result<bool, SqlError>;

    /// Writes a comparison of the number at `r` with `lit`.
    fn write_number_compare(
        &self,
        w: &mut SqlWriter,
        r: &AttrRef<'_>,
        op: OrdOp,
        lit: &Number,
    ) -> Result<(), SqlError>;

    /// Writes a test that the boolean at `r` equals `lit`.
    fn write_bool_eq(&self, w: &mut SqlWriter, r: &AttrRef<'_>, lit: bool) -> Result<(), SqlError>;

    /// Writes a chronological comparison of the dateTime at `r` with `lit`.
    fn write_datetime_compare(
        &self,
        w: &mut SqlWriter,
        r: &AttrRef<'_>,
        op: OrdOp,
        lit: &OffsetDateTime,
    ) -> Result<(), SqlError>;

    /// Writes the `ORDER BY` terms (without the keywords) for `target`.
    fn write_order_by(
        &self,
        w: &mut SqlWriter,
        target: &SortTarget,
        order: SortOrder,
    ) -> Result<(), SqlError>;

    /// Writes a string comparison of the value at `r` with `lit`.
    ///
    /// The default lower-cases both sides when `case_exact` is false and
    /// uses `LIKE ... ESCAPE '\'` with an escaped pattern for `co`, `sw`
    /// and `ew`.
    fn write_text_compare(
        &self,
        w: &mut SqlWriter,
        r: &AttrRef<'_>,
        op: TextOp,
        lit: &str,
        case_exact: bool,
    ) -> Result<(), SqlError> {
        text_compare_default(self, w, r, op, lit, case_exact)
    }

    /// Writes what follows a text expression so that `<`/`>` order by code
    /// point (nothing by default: SQLite's BINARY collation does).
    fn write_text_order_collation(&self, w: &mut SqlWriter) {
        let _ = w;
    }
}

/// The default [`Dialect::write_text_compare`], callable from overrides.
pub(crate) fn text_compare_default<D: Dialect + ?Sized>(
    d: &D,
    w: &mut SqlWriter,
    r: &AttrRef<'_>,
    op: TextOp,
    lit: &str,
    case_exact: bool,
) -> Result<(), SqlError> {
    let fold = !case_exact;
    if fold {
        w.push_sql("lower(");
    }
    d.write_text(w, r)?;
    if fold {
        w.push_sql(")");
    }
    let pattern = match op {
        TextOp::Eq => None,
        TextOp::Co => Some(like_pattern("%", lit, "%")),
        TextOp::Sw => Some(like_pattern("", lit, "%")),
        TextOp::Ew => Some(like_pattern("%", lit, "")),
        TextOp::Ord(_) => None,
    };
    match (op, pattern) {
        (_, Some(p)) => {
            w.push_sql(" LIKE ");
            push_folded_param(w, fold, p);
            w.push_sql(" ESCAPE '\\'");
        }
        (TextOp::Ord(o), None) => {
            d.write_text_order_collation(w);
            w.push_sql(o.sql());
            push_folded_param(w, fold, lit.to_owned());
        }
        _ => {
            w.push_sql(" = ");
            push_folded_param(w, fold, lit.to_owned());
        }
    }
    Ok(())
}

fn push_folded_param(w: &mut SqlWriter, fold: bool, value: String) {
    if fold {
        w.push_sql("lower(");
    }
    w.push_param(SqlValue::Text(value));
    if fold {
        w.push_sql(")");
    }
}

/// Escapes `%`, `_` and `\` in `lit` for a `LIKE ... ESCAPE '\'` pattern.
pub fn escape_like(lit: &str) -> String {
    let mut out = String::with_capacity(lit.len() + 2);
    escape_like_into(&mut out, lit);
    out
}

fn escape_like_into(out: &mut String, lit: &str) {
    for c in lit.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
}

fn like_pattern(pre: &str, lit: &str, post: &str) -> String {
    let mut out = String::with_capacity(lit.len() + 4);
    out.push_str(pre);
    escape_like_into(&mut out, lit);
    out.push_str(post);
    out
}

/// The text key a dateTime compares by: the instant in UTC as
/// `YYYY-MM-DDTHH:MM:SS`, then `.` and the fraction of a second without
/// trailing zeros, if it is not zero. Keys order as their instants do;
/// the dialects compute the same key from stored text in SQL.
pub fn datetime_key(t: &OffsetDateTime) -> String {
    let u = t.to_offset(time::UtcOffset::UTC);
    let mut s = String::with_capacity(30);
    let _ = write!(
        s,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        u.year(),
        u8::from(u.month()),
        u.day(),
        u.hour(),
        u.minute(),
        u.second()
    );
    let nanos = u.nanosecond();
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s
}

/// Checks that a name from the schema may be written into SQL text.
pub(crate) fn check_name(name: &str) -> Result<&str, SqlError> {
    let ok = !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'.' | b':' | b'/' | b'-')
        });
    if ok {
        Ok(name)
    } else {
        Err(SqlError::UnsafeName {
            name: name.to_owned(),
        })
    }
}

/// Composes a statement: SQL the adapter writes, the compiled filter,
/// `ORDER BY` and paging, with placeholders numbered in order.
#[derive(Debug)]
pub struct SqlBuilder<'d, D: Dialect + ?Sized> {
    dialect: &'d D,
    w: SqlWriter,
}

impl<'d, D: Dialect + ?Sized> SqlBuilder<'d, D> {
    /// A builder whose first placeholder is `$1`.
    pub fn new(dialect: &'d D) -> Self {
        Self::starting_at(dialect, 1)
    }

    /// A builder whose first placeholder is number `first` (1-based), for
    /// SQL that continues a statement which already has parameters.
    pub fn starting_at(dialect: &'d D, first: usize) -> Self {
        SqlBuilder {
            dialect,
            w: SqlWriter::new(dialect.placeholders(), first),
        }
    }

    /// Appends SQL text. Never pass anything that came from a request.
    pub fn push_sql(&mut self, sql: &str) -> &mut Self {
        self.w.push_sql(sql);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn push_param(&mut self, value: SqlValue) -> &mut Self {
        self.w.push_param(value);
        self
    }

    /// Appends the boolean SQL expression for `filter`. On error, the
    /// builder holds partial SQL and should be dropped.
    pub fn push_filter(
        &mut self,
        filter: &Filter,
        schema: &impl SchemaFacts,
    ) -> Result<&mut Self, SqlError> {
        compile::filter(self.dialect, schema, &mut self.w, filter, None)?;
        Ok(self)
    }

    /// Appends ` ORDER BY ...` for `sortBy`/`sortOrder`: resources without
    /// a value sort last ascending and first descending. Append your own
    /// tie-breaker (`, id`) after it for a stable order.
    pub fn push_order_by(
        &mut self,
        sort_by: &AttrPath,
        order: SortOrder,
        schema: &impl SchemaFacts,
    ) -> Result<&mut Self, SqlError> {
        let target = sort_target(sort_by, schema)?;
        self.w.push_sql(" ORDER BY ");
        self.dialect.write_order_by(&mut self.w, &target, order)?;
        Ok(self)
    }

    /// Appends ` LIMIT $n OFFSET $m` (or ` OFFSET $m` alone, for SQLite as
    /// ` LIMIT -1 OFFSET ?`, when `limit` is `None`), both bound.
    pub fn push_limit_offset(&mut self, limit: Option<u64>, offset: u64) -> &mut Self {
        let int = |v: u64| SqlValue::Int(i64::try_from(v).unwrap_or(i64::MAX));
        match limit {
            Some(l) => {
                self.w.push_sql(" LIMIT ");
                self.w.push_param(int(l));
            }
            None if self.w.style == Placeholders::Question => self.w.push_sql(" LIMIT -1"),
            None => {}
        }
        self.w.push_sql(" OFFSET ");
        self.w.push_param(int(offset));
        self
    }

    /// The number the next placeholder will get.
    pub fn next_index(&self) -> usize {
        self.w.next_index()
    }

    /// The SQL text and the values for its placeholders, in order.
    pub fn build(self) -> (String, Vec<SqlValue>) {
        self.w.finish()
    }
}

/// Compiles `filter` to a boolean SQL expression whose first placeholder
/// is number `first` (1-based), and the values to bind.
pub fn compile_filter<D: Dialect + ?Sized>(
    filter: &Filter,
    schema: &impl SchemaFacts,
    dialect: &D,
    first: usize,
) -> Result<(String, Vec<SqlValue>), SqlError> {
    let mut b = SqlBuilder::starting_at(dialect, first);
    b.push_filter(filter, schema)?;
    Ok(b.build())
}

/// Compiles `sortBy`/`sortOrder` to the terms of an `ORDER BY` clause
/// (without the keywords); it binds no parameters.
pub fn compile_sort<D: Dialect + ?Sized>(
    sort_by: &AttrPath,
    order: SortOrder,
    schema: &impl SchemaFacts,
    dialect: &D,
) -> Result<String, SqlError> {
    let target = sort_target(sort_by, schema)?;
    let mut w = SqlWriter::new(dialect.placeholders(), 1);
    dialect.write_order_by(&mut w, &target, order)?;
    Ok(w.finish().0)
}

/// Resolves a `sortBy` path the way scim-core's in-memory sort does.
pub fn sort_target(path: &AttrPath, schema: &impl SchemaFacts) -> Result<SortTarget, SqlError> {
    let invalid = |reason| SqlError::InvalidSort {
        path: path.to_string(),
        reason,
    };
    let resolved = schema
        .resolve(path.urn.as_deref(), &path.name)
        .ok_or_else(|| invalid("unknown attribute"))?;
    let top = resolved.facts;
    let leaf = match (&path.sub_attr, top.ty) {
        (Some(sub), AttrType::Complex) => top
            .sub_attribute(sub)
            .ok_or_else(|| invalid("unknown sub-attribute"))?,
        (Some(_), _) => return Err(invalid("unknown sub-attribute")),
        (None, AttrType::Complex) => top
            .sub_attribute("value")
            .ok_or_else(|| invalid("complex attribute without a `value` sub-attribute"))?,
        (None, _) => &top,
    };
    if leaf.ty == AttrType::Complex {
        return Err(invalid("complex attribute"));
    }
    Ok(SortTarget {
        sub_attribute: (top.ty == AttrType::Complex).then(|| leaf.name.clone()),
        ty: leaf.ty,
        case_exact: leaf.case_exact,
        multi_valued: top.multi_valued,
        extension: resolved.extension.map(Cow::into_owned),
        attribute: top.name.clone(),
    })
}

#[cfg(test)]
mod tests;
