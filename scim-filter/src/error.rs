//! [`ParseError`]: where parsing failed and what was expected there.

/// A parse failure: the byte offset, what was expected, and what was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected} at offset {offset}, found {found}")]
pub struct ParseError {
    /// Byte offset into the input where parsing failed.
    pub offset: usize,
    /// What the parser expected there ("a comparison operator").
    pub expected: String,
    /// A short, quoted excerpt of what was there, or "end of input".
    pub found: String,
}
