//! [`ColumnMapping`]: SCIM paths mapped onto an application's own tables.

use serde_json::Number;
use time::OffsetDateTime;

use super::postgres::pg_datetime_key;
use super::sqlite::{number_param, sqlite_datetime_key, write_glob};
use super::{
    datetime_key, text_compare_default, AttrRef, Dialect, OrdOp, Placeholders, SortTarget,
    SqlError, SqlValue, SqlWriter, TextOp,
};
use crate::ast::SortOrder;
use crate::schema::{AttrFacts, AttrType};

/// Which SQL the mapping writes: placeholders and the few functions that
/// differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `$1` placeholders, `COLLATE "C"` for text ordering, `timestamptz`.
    Postgres,
    /// `?` placeholders, `GLOB` for case-exact substring tests.
    Sqlite,
}

/// How a mapped column stores its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Text (strings, references, base64 binary).
    Text,
    /// An integer or numeric column.
    Number,
    /// A boolean column (SQLite: 0/1).
    Boolean,
    /// A native timestamp: Postgres `timestamptz`, compared with a bound
    /// RFC 3339 UTC literal. SQLite has none, so there it means the same
    /// as [`ColumnType::Rfc3339Text`].
    Timestamp,
    /// RFC 3339 text, compared chronologically like the JSON dialects do.
    Rfc3339Text,
}

#[derive(Debug, Clone)]
struct Column {
    path: String,
    expr: String,
    ty: ColumnType,
}

#[derive(Debug, Clone)]
struct Child {
    path: String,
    from: String,
    join: String,
}

/// Filters over an application's own tables: each SCIM attribute path the
/// application supports is mapped to a column (or any SQL expression) of
/// the main table, and each multi-valued attribute to a child table, whose
/// rows are its elements.
///
/// ```
/// use scim_filter::sql::{ColumnMapping, ColumnType, Flavor};
/// let mapping = ColumnMapping::new(Flavor::Postgres)
///     .with_column("userName", "u.user_name", ColumnType::Text)
///     .with_column("name.familyName", "u.last_name", ColumnType::Text)
///     .with_column("meta.created", "u.created_at", ColumnType::Timestamp)
///     .with_child("emails", "user_emails c", "c.user_id = u.id")
///     .with_column("emails.value", "c.address", ColumnType::Text)
///     .with_column("emails.type", "c.kind", ColumnType::Text)
///     .with_column("emails.primary", "c.is_primary", ColumnType::Boolean);
/// # let _ = mapping;
/// ```
///
/// A filter naming a path the mapping lacks fails with
/// [`SqlError::Unmapped`]. Paths are matched case-insensitively; extension
/// attributes are written with their URN (`urn:...:User:employeeNumber`).
/// Column expressions, table names and join conditions are configuration
/// and are written into SQL as given: never build them from input.
#[derive(Debug, Clone)]
pub struct ColumnMapping {
    flavor: Flavor,
    columns: Vec<Column>,
    children: Vec<Child>,
}

impl ColumnMapping {
    /// An empty mapping writing SQL for `flavor`.
    pub fn new(flavor: Flavor) -> Self {
        ColumnMapping {
            flavor,
            columns: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Maps `path` (`userName`, `name.familyName`, `emails.value`, or a
    /// multi-valued primitive attribute's own name for its element column)
    /// to the SQL expression `expr` of type `ty`. For sub-attributes of a
    /// multi-valued attribute, `expr` refers to its child table.
    pub fn with_column(mut self, path: &str, expr: &str, ty: ColumnType) -> Self {
        self.columns.push(Column {
            path: path.to_owned(),
            expr: expr.to_owned(),
            ty,
        });
        self
    }

    /// Maps the multi-valued attribute `path` to a child table: `from` is
    /// what follows `FROM` (`user_emails c`), `join` the condition tying a
    /// row to the resource (`c.user_id = u.id`).
    pub fn with_child(mut self, path: &str, from: &str, join: &str) -> Self {
        self.children.push(Child {
            path: path.to_owned(),
            from: from.to_owned(),
            join: join.to_owned(),
        });
        self
    }

    fn column(&self, path: &str) -> Result<&Column, SqlError> {
        self.columns
            .iter()
            .find(|c| c.path.eq_ignore_ascii_case(path))
            .ok_or_else(|| SqlError::Unmapped {
                path: path.to_owned(),
            })
    }

    fn child(&self, path: &str) -> Result<&Child, SqlError> {
        self.children
            .iter()
            .find(|c| c.path.eq_ignore_ascii_case(path))
            .ok_or_else(|| SqlError::Unmapped {
                path: path.to_owned(),
            })
    }

    fn write_column_present(w: &mut SqlWriter, col: &Column) {
        w.push_sql("(");
        w.push_sql(&col.expr);
        w.push_sql(" IS NOT NULL");
        if col.ty == ColumnType::Text {
            w.push_sql(" AND ");
            w.push_sql(&col.expr);
            w.push_sql(" <> ''");
        }
        w.push_sql(")");
    }

    fn datetime_key(&self, col: &Column) -> String {
        let mut key = String::with_capacity(700);
        match self.flavor {
            Flavor::Postgres => pg_datetime_key(&mut key, &col.expr),
            Flavor::Sqlite => sqlite_datetime_key(&mut key, &col.expr),
        }
        key
    }
}

impl Dialect for ColumnMapping {
    fn placeholders(&self) -> Placeholders {
        match self.flavor {
            Flavor::Postgres => Placeholders::Numbered,
            Flavor::Sqlite => Placeholders::Question,
        }
    }

    fn write_text(&self, w: &mut SqlWriter, r: &AttrRef<'_>) -> Result<(), SqlError> {
        w.push_sql(&self.column(&r.path_text())?.expr);
        Ok(())
    }

    fn write_text_order_collation(&self, w: &mut SqlWriter) {
        if self.flavor == Flavor::Postgres {
            w.push_sql(" COLLATE \"C\"");
        }
    }

    fn write_text_compare(
        &self,
        w: &mut SqlWriter,
        r: &AttrRef<'_>,
        op: TextOp,
        lit: &str,
        case_exact: bool,
    ) -> Result<(), SqlError> {
        if self.flavor == Flavor::Sqlite
            && case_exact
            && matches!(op, TextOp::Co | TextOp::Sw | TextOp::Ew)
        {
            self.write_text(w, r)?;
            write_glob(w, op, lit);
            return Ok(());
        }
        text_compare_default(self, w, r, op, lit, case_exact)
    }

    fn write_present(
        &self,
        w: &mut SqlWriter,
        r: &AttrRef<'_>,
        facts: &AttrFacts,
    ) -> Result<(), SqlError> {
        let path = r.path_text();
        if facts.multi_valued && !r.element && r.sub_attribute.is_none() {
            let child = self.child(&path)?;
            w.push_sql("EXISTS (SELECT 1 FROM ");
            w.push_sql(&child.from);
            w.push_sql(" WHERE ");
            w.push_sql(&child.join);
            w.push_sql(")");
            return Ok(());
        }
        if facts.ty == AttrType::Complex && r.sub_attribute.is_none() {
            // Present when any mapped sub-attribute is.
            let mut any = false;
            for sub in &facts.sub_attributes {
                let sub_path = format!("{path}.{}", sub.name);
                if let Ok(col) = self.column(&sub_path) {
                    w.push_sql(if any { " OR " } else { "(" });
                    Self::write_column_present(w, col);
                    any = true;
                }
            }
            if !any {
                return Err(SqlError::Unmapped { path });
            }
            w.push_sql(")");
            return Ok(());
        }
        Self::write_column_present(w, self.column(&path)?);
        Ok(())
    }

    fn write_elements_exists(
        &self,
        w: &mut SqlWriter,
        r: &AttrRef<'_>,
        body: &mut dyn FnMut(&mut SqlWriter) -> Result<(), SqlError>,
    ) -> Result<(), SqlError> {
        let child = self.child(&r.path_text())?;
        w.push_sql("EXISTS (SELECT 1 FROM ");
        w.push_sql(&child.from);
        w.push_sql(" WHERE ");
        w.push_sql(&child.join);
        w.push_sql(" AND (");
        body(w)?;
        w.push_sql("))");
        Ok(())
    }

    fn write_is_object(&self, _w: &mut SqlWriter, _r: &AttrRef<'_>) -> Result<bool, SqlError> {
        Ok(false)
    }

    fn write_number_compare(
        &self,
        w: &mut SqlWriter,
        r: &AttrRef<'_>,
        op: OrdOp,
        lit: &Number,
    ) -> Result<(), SqlError> {
        w.push_sql(&self.column(&r.path_text())?.expr);
        w.push_sql(op.sql());
        w.push_param(number_param(lit));
        Ok(())
    }

    fn write_bool_eq(&self, w: &mut SqlWriter, r: &AttrRef<'_>, lit: bool) -> Result<(), SqlError> {
        w.push_sql(&self.column(&r.path_text())?.expr);
        w.push_sql(" = ");
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
        let col = self.column(&r.path_text())?;
        if col.ty == ColumnType::Timestamp && self.flavor == Flavor::Postgres {
            w.push_sql(&col.expr);
            w.push_sql(op.sql());
            w.push_sql("CAST(");
            let mut text = datetime_key(lit);
            text.push('Z');
            w.push_param(SqlValue::Text(text));
            w.push_sql(" AS timestamptz)");
            return Ok(());
        }
        w.push_sql("(");
        w.push_sql(&self.datetime_key(col));
        w.push_sql(")");
        self.write_text_order_collation(w);
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
        let r = AttrRef {
            extension: target.extension.as_deref(),
            attribute: &target.attribute,
            sub_attribute: target.sub_attribute.as_deref(),
            element: false,
        };
        let path = r.path_text();
        let col = self.column(&path)?;
        let mut key = match (target.ty, col.ty) {
            (_, ColumnType::Rfc3339Text) => self.datetime_key(col),
            (_, ColumnType::Timestamp) if self.flavor == Flavor::Sqlite => self.datetime_key(col),
            (AttrType::String | AttrType::Reference | AttrType::Binary, ColumnType::Text) => {
                let v = format!("NULLIF({}, '')", col.expr);
                if target.case_exact {
                    v
                } else {
                    format!("lower({v})")
                }
            }
            _ => col.expr.clone(),
        };
        if target.multi_valued {
            let top = AttrRef {
                sub_attribute: None,
                ..r
            };
            let child = self.child(&top.path_text())?;
            let primary = self
                .column(&format!("{}.primary", top.path_text()))
                .map(|p| format!(" ORDER BY CASE WHEN {} THEN 0 ELSE 1 END", p.expr))
                .unwrap_or_default();
            key = format!(
                "(SELECT {key} FROM {} WHERE {}{primary} LIMIT 1)",
                child.from, child.join
            );
        }
        if self.flavor == Flavor::Postgres
            && (matches!(col.ty, ColumnType::Rfc3339Text)
                || matches!(
                    target.ty,
                    AttrType::String | AttrType::Reference | AttrType::Binary
                ))
        {
            key = format!("{key} COLLATE \"C\"");
        }
        w.push_sql(&key);
        w.push_sql(match order {
            SortOrder::Ascending => " ASC NULLS LAST",
            SortOrder::Descending => " DESC NULLS FIRST",
        });
        Ok(())
    }
}
