//! The syntax tree of the SCIM filter and attribute-path language.
//!
//! Every type here is plain data: it can be built by hand, compared and
//! printed. [`std::fmt::Display`] (in `display.rs`) prints the canonical
//! form, and parsing that form gives back an equal value.

use serde_json::Number;

/// A path to an attribute: an optional schema URN, an attribute name and an
/// optional sub-attribute (`urn:...:User:name.familyName`).
///
/// Names keep the spelling the input used; resolution against a schema is
/// case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    /// The schema URN prefix, without the `:` that separates it from the
    /// attribute name (`urn:ietf:params:scim:schemas:core:2.0:User`).
    pub urn: Option<String>,
    /// The attribute name (`name`, `emails`, `userName`).
    pub name: String,
    /// The sub-attribute name (`familyName`, `value`, `$ref`).
    pub sub_attr: Option<String>,
}

impl AttrPath {
    /// A path to a top-level attribute with no URN and no sub-attribute.
    pub fn new(name: impl Into<String>) -> Self {
        AttrPath {
            urn: None,
            name: name.into(),
            sub_attr: None,
        }
    }

    /// Returns this path with the given sub-attribute.
    pub fn with_sub_attr(mut self, sub: impl Into<String>) -> Self {
        self.sub_attr = Some(sub.into());
        self
    }

    /// Returns this path with the given schema URN prefix.
    pub fn with_urn(mut self, urn: impl Into<String>) -> Self {
        self.urn = Some(urn.into());
        self
    }

    /// When this path has a URN and no sub-attribute, the whole text
    /// `urn:name`. A bare schema URN such as
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` parses as
    /// the attribute `User` under the URN `...:2.0`; a resolver that knows
    /// the registered schemas checks this first to tell the two apart.
    pub fn as_schema_urn(&self) -> Option<String> {
        match (&self.urn, &self.sub_attr) {
            (Some(urn), None) => Some(format!("{urn}:{}", self.name)),
            _ => None,
        }
    }
}

/// A comparison operator of an attribute expression (`pr` is
/// [`Filter::Present`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains.
    Co,
    /// `sw`: starts with.
    Sw,
    /// `ew`: ends with.
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `ge`: greater than or equal.
    Ge,
    /// `lt`: less than.
    Lt,
    /// `le`: less than or equal.
    Le,
}

impl CompareOp {
    /// Every comparison operator, in RFC 7644 Table 3 order.
    pub const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Lt,
        CompareOp::Ge,
        CompareOp::Le,
    ];

    /// The operator's keyword, in lower case.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }
}

/// A literal on the right of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    /// A JSON string, escapes decoded.
    Str(String),
    /// A JSON number.
    Num(Number),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

impl CompValue {
    /// What kind of literal this is, for error messages (`a string`).
    pub fn kind(&self) -> &'static str {
        match self {
            CompValue::Str(_) => "a string",
            CompValue::Num(_) => "a number",
            CompValue::Bool(_) => "a boolean",
            CompValue::Null => "null",
        }
    }
}

/// A value path: a multi-valued complex attribute and a filter its elements
/// are matched against (`emails[type eq "work"]`).
#[derive(Debug, Clone, PartialEq)]
pub struct ValuePath {
    /// The attribute whose elements are filtered; never has a sub-attribute.
    pub attr: AttrPath,
    /// The filter over the element's sub-attributes.
    pub filter: Box<Filter>,
}

/// A SCIM filter (RFC 7644 §3.4.2.2).
///
/// `and` and `or` are binary and left-associative; grouping parentheses
/// leave no node, so `a or (b and c)` and `a or b and c` are equal.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `attrPath pr`.
    Present(AttrPath),
    /// `attrPath op value`.
    Compare(AttrPath, CompareOp, CompValue),
    /// `attrPath[valFilter]`.
    ValuePath(ValuePath),
    /// `left and right`.
    And(Box<Filter>, Box<Filter>),
    /// `left or right`.
    Or(Box<Filter>, Box<Filter>),
    /// `not (inner)`.
    Not(Box<Filter>),
}

impl Filter {
    /// `left and right`.
    pub fn and(left: Filter, right: Filter) -> Filter {
        Filter::And(Box::new(left), Box::new(right))
    }

    /// `left or right`.
    pub fn or(left: Filter, right: Filter) -> Filter {
        Filter::Or(Box::new(left), Box::new(right))
    }

    /// `not (inner)`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(inner: Filter) -> Filter {
        Filter::Not(Box::new(inner))
    }

    /// `attr op value`.
    pub fn compare(attr: AttrPath, op: CompareOp, value: CompValue) -> Filter {
        Filter::Compare(attr, op, value)
    }

    /// `attr[filter]`.
    pub fn value_path(attr: AttrPath, filter: Filter) -> Filter {
        Filter::ValuePath(ValuePath {
            attr,
            filter: Box::new(filter),
        })
    }
}

/// The target of a PATCH operation (RFC 7644 §3.5.2 `PATH`).
///
/// `members[value eq "2819c223"].display` is `attr` = `members` with
/// sub-attribute `display` and `value_filter` = `value eq "2819c223"`.
/// `name.familyName` has no value filter. A bare schema URN parses as
/// described at [`AttrPath::as_schema_urn`].
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// The attribute, with its URN and the sub-attribute that follows the
    /// value filter, if any.
    pub attr: AttrPath,
    /// The value filter selecting elements of a multi-valued attribute.
    pub value_filter: Option<Box<Filter>>,
}

/// The direction of a `sortOrder`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortOrder {
    /// `ascending` (the default).
    #[default]
    Ascending,
    /// `descending`.
    Descending,
}
