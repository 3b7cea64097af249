//! What the evaluator and the SQL compiler need to know about attributes.
//!
//! scim-filter does not depend on any schema model: it asks a
//! [`SchemaFacts`] implementation (scim-core implements it for its
//! registry; tests use a small one of their own) about each attribute a
//! filter names, once, when the filter is compiled.

use std::borrow::Cow;

/// The data type of an attribute (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttrType {
    /// A Unicode string.
    String,
    /// `true` or `false`.
    Boolean,
    /// A real number.
    Decimal,
    /// A whole number.
    Integer,
    /// An RFC 3339 date and time.
    DateTime,
    /// Base64-encoded bytes.
    Binary,
    /// A URI.
    Reference,
    /// An object of sub-attributes.
    Complex,
}

impl AttrType {
    /// The type's name as RFC 7643 §7 spells it (`dateTime`).
    pub fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::Decimal => "decimal",
            AttrType::Integer => "integer",
            AttrType::DateTime => "dateTime",
            AttrType::Binary => "binary",
            AttrType::Reference => "reference",
            AttrType::Complex => "complex",
        }
    }
}

/// The facts about one attribute that filtering depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrFacts {
    /// The attribute's name, spelled as the schema defines it (and so as
    /// it is stored in resources).
    pub name: String,
    /// The data type.
    pub ty: AttrType,
    /// Whether string comparison is case-sensitive.
    pub case_exact: bool,
    /// Whether the attribute holds an array of values.
    pub multi_valued: bool,
    /// For complex attributes, their sub-attributes.
    pub sub_attributes: Vec<AttrFacts>,
}

impl AttrFacts {
    /// Finds a sub-attribute by name, case-insensitively.
    pub fn sub_attribute(&self, name: &str) -> Option<&AttrFacts> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }
}

/// A top-level attribute as a resource stores it.
///
/// Both parts may borrow from the schema, so resolving a path (which the
/// SQL compiler does for every attribute a filter names) copies nothing
/// when the implementation keeps its facts ready; one that derives facts
/// on the fly returns them owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedAttr<'a> {
    /// `None` for attributes of the resource's core schema (and the common
    /// attributes `id`, `externalId`, `meta`), stored at the top level of
    /// the resource; `Some(urn)` for extension attributes, stored under
    /// the extension's URN key, spelled as the schema defines it.
    pub extension: Option<Cow<'a, str>>,
    /// The attribute's facts.
    pub facts: Cow<'a, AttrFacts>,
}

/// Answers questions about the attributes of one resource type.
pub trait SchemaFacts {
    /// Resolves a top-level attribute. `urn` is the schema URN the path
    /// named, if any (matched case-insensitively against the core schema
    /// and the extensions of the resource type); without one, the core
    /// schema and the common attributes are searched. Returns `None` when
    /// no such attribute exists.
    fn resolve(&self, urn: Option<&str>, name: &str) -> Option<ResolvedAttr<'_>>;
}

impl<T: SchemaFacts + ?Sized> SchemaFacts for &T {
    fn resolve(&self, urn: Option<&str>, name: &str) -> Option<ResolvedAttr<'_>> {
        (**self).resolve(urn, name)
    }
}
