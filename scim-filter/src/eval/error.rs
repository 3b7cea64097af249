//! [`CompileError`]: why a filter cannot run against a schema.

/// Why [`CompiledFilter::compile`](super::CompiledFilter::compile) rejected
/// a filter. Each variant names the attribute as the filter wrote it and,
/// where one is at fault, the operator. All of them are RFC 7644
/// `400 invalidFilter`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CompileError {
    /// The schema defines no such attribute.
    #[error("unknown attribute `{path}`")]
    UnknownAttribute {
        /// The path as written.
        path: String,
    },
    /// The attribute exists but has no such sub-attribute (or has no
    /// sub-attributes at all).
    #[error("attribute `{attribute}` has no sub-attribute `{sub_attribute}`")]
    UnknownSubAttribute {
        /// The attribute as written.
        attribute: String,
        /// The sub-attribute as written.
        sub_attribute: String,
    },
    /// The operator does not apply to the attribute's type (`co` on a
    /// number, `gt` on a boolean, anything but `eq`/`ne`/`pr` on binary).
    #[error("operator `{op}` cannot be applied to `{attribute}`, which is of type {ty}")]
    OperatorNotSupported {
        /// The attribute as written.
        attribute: String,
        /// The operator keyword.
        op: &'static str,
        /// The attribute's type, as RFC 7643 names it.
        ty: &'static str,
    },
    /// The literal is of the wrong kind for the attribute (a string for a
    /// number, a number for a string, a string for a boolean).
    #[error("`{attribute}` is of type {ty} and cannot be compared ({op}) with {literal}")]
    LiteralMismatch {
        /// The attribute as written.
        attribute: String,
        /// The operator keyword.
        op: &'static str,
        /// The attribute's type, as RFC 7643 names it.
        ty: &'static str,
        /// What the literal was ("a string", "a number", "a boolean").
        literal: &'static str,
    },
    /// A dateTime attribute compared with a string that is not RFC 3339.
    #[error("{literal:?} is not an RFC 3339 dateTime, which `{attribute}` requires")]
    InvalidDateTime {
        /// The attribute as written.
        attribute: String,
        /// The literal.
        literal: String,
    },
    /// `null` with an operator other than `eq` or `ne`.
    #[error(
        "operator `{op}` cannot compare `{attribute}` with null; only `eq null` and `ne null` can"
    )]
    NullComparison {
        /// The attribute as written.
        attribute: String,
        /// The operator keyword.
        op: &'static str,
    },
    /// A complex attribute compared as a whole, and it has no `value`
    /// sub-attribute to compare instead.
    #[error(
        "`{attribute}` is complex with no `value` sub-attribute; compare one of its sub-attributes"
    )]
    ComplexComparison {
        /// The attribute as written.
        attribute: String,
    },
    /// A value filter (`attr[...]`) on an attribute that is not complex,
    /// or on a sub-attribute.
    #[error(
        "value filter on `{attribute}`, which is of type {ty}; only complex attributes take one"
    )]
    NotComplex {
        /// The attribute as written.
        attribute: String,
        /// The attribute's type, as RFC 7643 names it.
        ty: &'static str,
    },
    /// A path inside a value filter that is not a bare sub-attribute name.
    #[error(
        "`{path}` inside the value filter on `{attribute}` must be one of its sub-attribute names"
    )]
    InvalidValueFilterPath {
        /// The value-filtered attribute as written.
        attribute: String,
        /// The offending path as written.
        path: String,
    },
    /// A value filter inside another value filter.
    #[error("value filter on `{attribute}` inside another value filter")]
    NestedValueFilter {
        /// The inner value-filtered path, prefixed by the outer attribute.
        attribute: String,
    },
}
