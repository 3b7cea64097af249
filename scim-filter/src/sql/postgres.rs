//! [`PostgresJsonb`]: resources stored whole in a JSONB column.

use serde_json::Number;
use time::OffsetDateTime;

use super::{
    check_name, datetime_key, AttrRef, Dialect, OrdOp, Placeholders, SortTarget, SqlError,
    SqlValue, SqlWriter,
};
use crate::ast::{AttrPath, SortOrder};
use crate::eval::CompileError;
use crate::schema::{AttrFacts, AttrType, SchemaFacts};

/// Resources stored as JSONB documents in one column (`doc`), queried with
/// `->`/`->>`, `jsonb_array_elements` for multi-valued attributes and
/// `jsonb_path_exists` for `pr`. Placeholders are `$1`, `$2`, ...
///
/// Case-insensitive strings compare as `lower(doc->>'userName') =
/// lower($1)`; create expression indexes with [`PostgresJsonb::text_expr`]
/// so they are textually the expressions the compiler writes. Orderings on
/// text use `COLLATE "C"` (code-point order, as the evaluator). dateTimes
/// are validated by a regular expression before the cast to `timestamptz`,
/// so a malformed stored value makes no comparison true instead of failing
/// the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresJsonb {
    column: String,
}

/// RFC 3339 with real calendar dates (leap years included), hours 00-23
/// and offsets up to 23:59; years 0001-9999 (Postgres has no year 0). What
/// matches it casts to `timestamptz` without error. Applied to `upper()`
/// of the value, as RFC 3339 allows `t` and `z`.
const PG_RFC3339: &str = "^(?!0000)(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:[02468][48]|[13579][26]|[2468]0)|(?:[02468][048]|[13579][26])00)-02-29)T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]+)?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$";

/// The `pr` test: some scalar inside (or at) the value is a number, a
/// boolean or a non-empty string.
const PG_PRESENT_PATH: &str = "'strict $.** ? (@.type() == \"number\" || @.type() == \"boolean\" || @.type() == \"string\" && @ != \"\")'";

impl PostgresJsonb {
    /// The dialect for documents in `column`. The column name is written
    /// into SQL as given: it is configuration, not input.
    pub fn new(column: impl Into<String>) -> Self {
        PostgresJsonb {
            column: column.into(),
        }
    }

    /// The column holding the documents.
    pub fn column(&self) -> &str {
        &self.column
    }

    /// The expression a filter compares a single-valued string attribute
    /// with, e.g. `lower(doc->>'userName')` (not caseExact) or
    /// `doc->>'externalId'` (caseExact): create expression indexes from it
    /// so `eq` filters use them.
    pub fn text_expr(
        &self,
        path: &AttrPath,
        schema: &impl SchemaFacts,
    ) -> Result<String, SqlError> {
        let not_indexable = || SqlError::NotIndexable {
            path: path.to_string(),
        };
        let top = schema
            .resolve(path.urn.as_deref(), &path.name)
            .ok_or_else(|| CompileError::UnknownAttribute {
                path: path.to_string(),
            })?;
        let leaf: &AttrFacts =
            match &path.sub_attr {
                Some(sub) => top.facts.sub_attribute(sub).ok_or_else(|| {
                    CompileError::UnknownSubAttribute {
                        attribute: path.name.clone(),
                        sub_attribute: sub.clone(),
                    }
                })?,
                None => &top.facts,
            };
        if top.facts.multi_valued
            || !matches!(
                leaf.ty,
                AttrType::String | AttrType::Reference | AttrType::Binary
            )
        {
            return Err(not_indexable());
        }
        let r = AttrRef {
            extension: top.extension.as_deref().map(check_name).transpose()?,
            attribute: check_name(&top.facts.name)?,
            sub_attribute: path
                .sub_attr
                .as_ref()
                .map(|_| check_name(&leaf.name))
                .transpose()?,
            element: false,
        };
        let mut s = String::new();
        let fold = !leaf.case_exact && leaf.ty != AttrType::Binary;
        if fold {
            s.push_str("lower(");
        }
        self.access(&mut s, &r, true);
        if fold {
            s.push(')');
        }
        Ok(s)
    }

    /// Writes `doc->'ext'->'attr'->'sub'`, the last arrow `->>` when
    /// `text`. Names were checked by [`check_name`].
    fn access(&self, out: &mut String, r: &AttrRef<'_>, text: bool) {
        let keys: [Option<&str>; 3] = if r.element {
            out.push_str("e.v");
            [r.sub_attribute, None, None]
        } else {
            out.push_str(&self.column);
            [r.extension, Some(r.attribute), r.sub_attribute]
        };
        let count = keys.iter().flatten().count();
        if count == 0 {
            if text {
                out.push_str(" #>> '{}'");
            }
            return;
        }
        for (i, k) in keys.iter().flatten().enumerate() {
            out.push_str(if text && i + 1 == count {
                "->>'"
            } else {
                "->'"
            });
            out.push_str(k);
            out.push('\'');
        }
    }

    fn json(&self, r: &AttrRef<'_>) -> String {
        let mut s = String::with_capacity(48);
        self.access(&mut s, r, false);
        s
    }

    fn text(&self, r: &AttrRef<'_>) -> String {
        let mut s = String::with_capacity(48);
        self.access(&mut s, r, true);
        s
    }
}

/// Writes the dateTime key (see [`datetime_key`]) of the text `t`, NULL
/// unless `t` is a valid RFC 3339 dateTime.
pub(crate) fn pg_datetime_key(out: &mut String, t: &str) {
    out.push_str("CASE WHEN upper(");
    out.push_str(t);
    out.push_str(") ~ '");
    out.push_str(PG_RFC3339);
    out.push_str("' THEN to_char(CAST(regexp_replace(upper(");
    out.push_str(t);
    out.push_str("), '\\.[0-9]+', '') AS timestamptz) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || rtrim(rtrim(COALESCE(substring(");
    out.push_str(t);
    out.push_str(" from '\\.[0-9]+'), ''), '0'), '.') END");
}

impl Dialect for PostgresJsonb {
    fn placeholders(&self) -> Placeholders {
        Placeholders::Numbered
    }

    fn write_text(&self, w: &mut SqlWriter, r: &AttrRef<'_>) -> Result<(), SqlError> {
        self.access(&mut w.sql, r, true);
        Ok(())
    }

    fn write_text_order_collation(&self, w: &mut SqlWriter) {
        w.push_sql(" COLLATE \"C\"");
    }

    fn write_present(
        &self,
        w: &mut SqlWriter,
        r: &AttrRef<'_>,
        _facts: &AttrFacts,
    ) -> Result<(), SqlError> {
        w.push_sql("jsonb_path_exists(");
        self.access(&mut w.sql, r, false);
        w.push_sql(", ");
        w.push_sql(PG_PRESENT_PATH);
        w.push_sql(")");
        Ok(())
    }

    fn write_elements_exists(
        &self,
        w: &mut SqlWriter,
        r: &AttrRef<'_>,
        body: &mut dyn FnMut(&mut SqlWriter) -> Result<(), SqlError>,
    ) -> Result<(), SqlError> {
        w.push_sql("EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(");
        self.access(&mut w.sql, r, false);
        w.push_sql(") = 'array' THEN ");
        self.access(&mut w.sql, r, false);
        w.push_sql(" END) AS e(v) WHERE ");
        body(w)?;
        w.push_sql(")");
        Ok(())
    }

    fn write_is_object(&self, w: &mut SqlWriter, r: &AttrRef<'_>) -> Result<bool, SqlError> {
        w.push_sql("jsonb_typeof(");
        self.access(&mut w.sql, r, false);
        w.push_sql(") = 'object'");
        Ok(true)
    }

    fn write_number_compare(
        &self,
        w: &mut SqlWriter,
        r: &AttrRef<'_>,
        op: OrdOp,
        lit: &Number,
    ) -> Result<(), SqlError> {
        w.push_sql("CASE WHEN jsonb_typeof(");
        self.access(&mut w.sql, r, false);
        w.push_sql(") = 'number' THEN CAST(");
        self.access(&mut w.sql, r, true);
        w.push_sql(" AS numeric) END");
        w.push_sql(op.sql());
        // JSON number text casts to numeric exactly.
        w.push_sql("CAST(");
        w.push_param(SqlValue::Text(lit.to_string()));
        w.push_sql(" AS numeric)");
        Ok(())
    }

    fn write_bool_eq(&self, w: &mut SqlWriter, r: &AttrRef<'_>, lit: bool) -> Result<(), SqlError> {
        self.access(&mut w.sql, r, false);
        w.push_sql(" = to_jsonb(CAST(");
        w.push_param(SqlValue::Bool(lit));
        w.push_sql(" AS boolean))");
        Ok(())
    }

    fn write_datetime_compare(
        &self,
        w: &mut SqlWriter,
        r: &AttrRef<'_>,
        op: OrdOp,
        lit: &OffsetDateTime,
    ) -> Result<(), SqlError> {
        let t = self.text(r);
        w.push_sql("(");
        pg_datetime_key(&mut w.sql, &t);
        w.push_sql(") COLLATE \"C\"");
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
            sub_attribute: None,
            element: false,
        };
        let sub = target
            .sub_attribute
            .as_deref()
            .map(check_name)
            .transpose()?;
        // `v`: the JSON value sorted by; `t`: its text.
        let (v, t) = if target.multi_valued {
            let a = self.json(&top);
            let chosen = format!(
                "COALESCE((SELECT e.v FROM jsonb_array_elements(CASE WHEN jsonb_typeof({a}) = 'array' THEN {a} END) WITH ORDINALITY AS e(v, n) WHERE e.v->'primary' = 'true'::jsonb ORDER BY e.n LIMIT 1), {a}->0)"
            );
            match sub {
                Some(s) => (format!("{chosen}->'{s}'"), format!("{chosen}->>'{s}'")),
                None => (chosen.clone(), format!("{chosen} #>> '{{}}'")),
            }
        } else {
            let r = AttrRef {
                sub_attribute: sub,
                ..top
            };
            (self.json(&r), self.text(&r))
        };
        let mut key = String::with_capacity(256);
        match target.ty {
            AttrType::String | AttrType::Reference | AttrType::Binary => {
                let fold = !target.case_exact;
                if fold {
                    key.push_str("lower(");
                }
                key.push_str(&format!(
                    "CASE WHEN jsonb_typeof({v}) = 'string' AND {t} <> '' THEN {t} END"
                ));
                if fold {
                    key.push(')');
                }
                key.push_str(" COLLATE \"C\"");
            }
            AttrType::Integer | AttrType::Decimal => key.push_str(&format!(
                "CASE WHEN jsonb_typeof({v}) = 'number' THEN CAST({t} AS numeric) END"
            )),
            AttrType::Boolean => key.push_str(&format!(
                "CASE WHEN jsonb_typeof({v}) = 'boolean' THEN CAST({t} AS boolean) END"
            )),
            AttrType::DateTime => {
                key.push('(');
                pg_datetime_key(&mut key, &t);
                key.push_str(") COLLATE \"C\"");
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
            "CASE WHEN {key} IS NOT NULL THEN 0 WHEN jsonb_typeof({v}) IN ('number', 'boolean') OR jsonb_typeof({v}) = 'string' AND {t} <> '' THEN 1 ELSE 2 END{dir}, {key}{dir}"
        ));
        Ok(())
    }
}
