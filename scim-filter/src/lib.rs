//! scim-filter: the SCIM 2.0 filter and attribute-path language
//! (RFC 7644 §3.4.2.2 filters, §3.5.2 PATCH paths).
//!
//! A filter goes through a visible pipeline:
//!
//! 1. **Parse** ([`parse_filter`], [`parse_path`], [`parse_attr_list`]):
//!    text to a plain-data AST ([`Filter`], [`AttrPath`], [`PatchPath`]),
//!    with byte-offset errors ([`ParseError`]) and length and nesting
//!    limits ([`ParseOptions`]).
//! 2. **Display**: every AST prints in a canonical form that parses back to
//!    the same AST.
//! 3. **Resolve** against a schema: this crate knows no schema model, it
//!    asks a [`SchemaFacts`] implementation for each attribute's type,
//!    `caseExact`, `multiValued` and sub-attributes (scim-core implements
//!    it for its registry). An unknown attribute or an operator the type
//!    does not allow is a [`CompileError`], never a filter that silently
//!    matches nothing.
//! 4. **Run** in memory ([`CompiledFilter`], compiled once, then matched
//!    against many JSON resources without allocating, as `serde_json`
//!    values or, about twice as fast over large sets, in their packed
//!    one-buffer form [`PackedValue`]), or **compile to
//!    SQL** ([`sql`]) with every literal a bound parameter: JSONB in
//!    Postgres, JSON1 in SQLite, or an application's own tables through a
//!    [`sql::ColumnMapping`].
//!
//! The evaluator is the reference semantics; the SQL dialects are tested
//! to select the same resources.
//!
//! # Quick start
//!
//! ```
//! use std::borrow::Cow;
//!
//! use scim_filter::sql::{ColumnMapping, ColumnType, Flavor, SqlBuilder, SqlValue};
//! use scim_filter::{parse_filter, AttrFacts, AttrType, CompiledFilter, ResolvedAttr, SchemaFacts};
//! use serde_json::json;
//!
//! /// The schema facts of a tiny User type (scim-core's registry answers
//! /// these questions for every resource type it knows).
//! struct Users;
//!
//! fn string(name: &str) -> AttrFacts {
//!     AttrFacts {
//!         name: name.into(),
//!         ty: AttrType::String,
//!         case_exact: false,
//!         multi_valued: false,
//!         sub_attributes: vec![],
//!     }
//! }
//!
//! impl SchemaFacts for Users {
//!     fn resolve(&self, _urn: Option<&str>, name: &str) -> Option<ResolvedAttr<'_>> {
//!         let facts = match name.to_ascii_lowercase().as_str() {
//!             "username" => string("userName"),
//!             "emails" => AttrFacts {
//!                 ty: AttrType::Complex,
//!                 multi_valued: true,
//!                 sub_attributes: vec![string("value"), string("type")],
//!                 ..string("emails")
//!             },
//!             _ => return None,
//!         };
//!         // Facts derived on the fly are returned owned; a schema that
//!         // keeps them ready lends them (`Cow::Borrowed`).
//!         Some(ResolvedAttr { extension: None, facts: Cow::Owned(facts) })
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Parse once; names and operators are case-insensitive.
//! let filter = parse_filter(r#"UserName SW "j" AND emails[type eq "work"]"#)?;
//! assert_eq!(filter.to_string(), r#"UserName sw "j" and emails[type eq "work"]"#);
//!
//! // Evaluate in memory: userName is not caseExact, so "j" matches "Jensen".
//! let compiled = CompiledFilter::compile(&filter, &Users)?;
//! let user = json!({"userName": "Jensen", "emails": [{"type": "work", "value": "bj@example.com"}]});
//! assert!(compiled.matches(&user));
//! assert!(CompiledFilter::compile(&parse_filter(r#"nickName pr"#)?, &Users).is_err());
//!
//! // Or push it down to SQL over an application's own tables.
//! let mapping = ColumnMapping::new(Flavor::Sqlite)
//!     .with_column("userName", "u.user_name", ColumnType::Text)
//!     .with_child("emails", "user_emails e", "e.user_id = u.id")
//!     .with_column("emails.type", "e.kind", ColumnType::Text)
//!     .with_column("emails.value", "e.address", ColumnType::Text);
//! let mut query = SqlBuilder::new(&mapping);
//! query.push_sql("SELECT u.id FROM users u WHERE ");
//! query.push_filter(&filter, &Users)?;
//! let (sql, params) = query.build();
//! assert_eq!(
//!     sql,
//!     "SELECT u.id FROM users u WHERE lower(u.user_name) LIKE lower(?) ESCAPE '\\' \
//!      AND EXISTS (SELECT 1 FROM user_emails e WHERE e.user_id = u.id AND (lower(e.kind) = lower(?)))"
//! );
//! assert_eq!(params, [SqlValue::Text("j%".into()), SqlValue::Text("work".into())]);
//! # Ok(())
//! # }
//! ```

mod ast;
mod display;
mod error;
pub mod eval;
pub mod packed;
mod parse;
mod schema;
pub mod sql;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use ast::{AttrPath, CompValue, CompareOp, Filter, PatchPath, SortOrder, ValuePath};
pub use error::ParseError;
pub use eval::{compare_values, fold_case, sort_key_cmp, CompileError, CompiledFilter, SortKey};
pub use packed::PackedValue;
pub use parse::{
    parse_attr_list, parse_attr_list_with, parse_attr_path, parse_attr_path_with, parse_filter,
    parse_filter_with, parse_path, parse_path_with, ParseOptions,
};
pub use schema::{AttrFacts, AttrType, ResolvedAttr, SchemaFacts};
