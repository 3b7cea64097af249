//! The in-memory evaluator: a [`Filter`] compiled once against the schema
//! into a [`CompiledFilter`], then run against many resources.
//!
//! Compiling resolves every attribute path through [`SchemaFacts`], checks
//! that each operator and literal suits the attribute's type, folds
//! case-insensitive literals and parses dateTime literals, so that
//! [`CompiledFilter::matches`] only walks JSON and compares: it does not
//! allocate.
//!
//! # Semantics
//!
//! RFC 7644 §3.4.2.2 leaves corners open; these are the answers.
//!
//! - **Paths.** Every path must name an attribute the schema defines, and a
//!   sub-attribute its attribute defines; anything else is a
//!   [`CompileError`], never a filter that silently matches nothing.
//!   Attribute keys of stored resources are looked up as the schema spells
//!   them, then case-insensitively.
//! - **Multi-valued attributes** match when any value matches
//!   (`emails.type eq "work"` is true when some e-mail is of type work).
//! - **Complex attributes without a sub-attribute** are compared through
//!   their `value` sub-attribute (`emails co "x"` is `emails.value co "x"`);
//!   one without a `value` sub-attribute cannot be compared.
//! - **Value filters** (`emails[type eq "work" and value co "x"]`) match
//!   when one element satisfies the whole inner filter. They are allowed
//!   on any complex attribute; a single-valued one is its only element.
//!   Inside the brackets, paths name sub-attributes of that attribute.
//! - **`pr`** is true when a value is present: not null, not an empty
//!   string, and not an array or object with nothing present inside.
//! - **`ne`** is the negation of `eq`: it matches when no value is equal,
//!   so it matches an absent attribute, and `emails.type ne "work"` means
//!   "no e-mail is of type work".
//! - **`eq null`** is `not pr` and **`ne null`** is `pr`, over the path as
//!   written (no implicit `value`); other operators with `null` are errors.
//! - **`not`** negates its inner filter's result; nothing else.
//! - **Strings and references** compare under the attribute's `caseExact`:
//!   case-insensitive comparison folds both sides with
//!   [`char::to_lowercase`]. `gt`/`ge`/`lt`/`le` order by Unicode code
//!   point after folding. `co` with `""` matches any present string.
//! - **Binary** allows `eq`, `ne` and `pr` only, and compares the base64
//!   text exactly whatever `caseExact` says, because base64 is
//!   case-significant.
//! - **Booleans** allow `eq`, `ne` and `pr` with `true`/`false`.
//! - **Numbers** (integer and decimal) compare numerically, integers
//!   exactly; `co`/`sw`/`ew` and string literals are errors.
//! - **dateTime** compares instants (RFC 3339, any offset): the literal must
//!   be a valid RFC 3339 string; a stored value that does not parse matches
//!   no comparison (and so `ne` matches it). `co`/`sw`/`ew` are errors.
//! - **Type mismatches in stored data** (a number where a string should be)
//!   match no comparison.

mod error;
mod order;
mod text;

pub(crate) use text::ascii_decides;

pub use error::CompileError;
pub use order::{compare_values, sort_key_cmp, SortKey};
pub use text::fold_case;

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::ast::{AttrPath, CompValue, CompareOp, Filter};
use crate::packed::{self, same_bytes, Item, Key, PackedValue};
use crate::schema::{AttrFacts, AttrType, SchemaFacts};

/// A filter resolved against a schema, ready to run against resources.
///
/// ```
/// use scim_filter::{AttrPath, CompValue, CompareOp, CompiledFilter, Filter};
/// # #[cfg(feature = "testing")] {
/// use scim_filter::testing::TestSchema;
/// use serde_json::json;
///
/// let filter = Filter::compare(
///     AttrPath::new("userName"),
///     CompareOp::Sw,
///     CompValue::Str("J".into()),
/// );
/// let compiled = CompiledFilter::compile(&filter, &TestSchema::user()).unwrap();
/// assert!(compiled.matches(&json!({"userName": "jensen"})));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct CompiledFilter {
    root: Node,
}

impl CompiledFilter {
    /// Resolves `filter` against `schema` and checks it; see the
    /// [module documentation](self) for what is rejected.
    pub fn compile(filter: &Filter, schema: &impl SchemaFacts) -> Result<Self, CompileError> {
        let root = Compiler { schema }.node(filter, None)?;
        Ok(CompiledFilter { root })
    }

    /// Whether `resource` (a SCIM resource as a JSON object) satisfies the
    /// filter. Anything that is not an object satisfies only negations.
    pub fn matches(&self, resource: &Value) -> bool {
        self.root.eval(resource)
    }

    /// [`matches`](Self::matches) on a resource in its packed form: the
    /// same answer, several times faster over a large set of resources
    /// (one contiguous buffer per resource instead of a pointer tree).
    /// When scanning many, call [`PackedValue::prefetch`] on the next
    /// resource before testing the current one: that halves a scan too
    /// large for the cache.
    pub fn matches_packed(&self, resource: &PackedValue) -> bool {
        self.root.eval(resource.root())
    }
}

/// A compiled filter node. Each node is evaluated against a context object:
/// the resource, or an element of a value-filtered attribute.
#[derive(Debug, Clone)]
enum Node {
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Present(Path),
    Compare {
        path: Path,
        test: Test,
        /// `ne`: true when no value passes `test` (an `eq` test).
        negate: bool,
    },
    /// A value filter: true when one element satisfies `inner`.
    Elements {
        path: Path,
        inner: Box<Node>,
    },
}

impl Node {
    fn eval<'a, J: Json<'a>>(&self, ctx: J) -> bool {
        match self {
            Node::And(a, b) => a.eval(ctx) && b.eval(ctx),
            Node::Or(a, b) => a.eval(ctx) || b.eval(ctx),
            Node::Not(a) => !a.eval(ctx),
            Node::Present(path) => path.any(ctx, J::is_present),
            Node::Compare { path, test, negate } => path.any(ctx, |v| test.matches(v)) != *negate,
            Node::Elements { path, inner } => path.any(ctx, |e| e.is_object() && inner.eval(e)),
        }
    }
}

/// Orders the operands of `and`/`or` so the cheaper one runs first and
/// the costlier one is often skipped. Nodes are pure and cannot fail, so
/// the order never changes a result; on a tie the written order stays.
fn cheaper_first(a: Node, b: Node) -> (Node, Node) {
    if b.cost() < a.cost() {
        (b, a)
    } else {
        (a, b)
    }
}

impl Node {
    /// A rough count of the memory hops evaluation takes (each object or
    /// array entered is likely a cache miss on a large resource set).
    fn cost(&self) -> u32 {
        match self {
            Node::And(a, b) | Node::Or(a, b) => a.cost().saturating_add(b.cost()),
            Node::Not(a) => a.cost(),
            Node::Present(path) => path.cost(),
            Node::Compare { path, test, .. } => {
                let parse = u32::from(matches!(test, Test::DateTime { .. }));
                path.cost().saturating_add(parse)
            }
            // Elements are usually several.
            Node::Elements { path, inner } => {
                path.cost().saturating_add(inner.cost().saturating_mul(2))
            }
        }
    }
}

/// Where values live in a context object, with keys spelled as the schema
/// spells them.
#[derive(Debug, Clone)]
struct Path {
    /// The extension URN key the attribute is stored under.
    ext: Option<Key>,
    name: Key,
    sub: Option<Key>,
}

impl Path {
    fn cost(&self) -> u32 {
        1 + u32::from(self.ext.is_some()) + 2 * u32::from(self.sub.is_some())
    }

    /// Whether `pred` holds for any value at this path, arrays flattened.
    #[inline]
    fn any<'a, J: Json<'a>>(&self, ctx: J, mut pred: impl FnMut(J) -> bool) -> bool {
        let mut obj = ctx;
        if let Some(ext) = &self.ext {
            match obj.member(ext) {
                Some(inner) if inner.is_object() => obj = inner,
                _ => return false,
            }
        }
        let Some(value) = obj.member(&self.name) else {
            return false;
        };
        match &self.sub {
            None => value.any(pred),
            Some(sub) => value.any(|elem| elem.member(sub).is_some_and(|v| v.any(&mut pred))),
        }
    }
}

/// What the evaluator needs of a JSON value: implemented by `&Value` and
/// by the packed form, so one evaluator serves both.
trait Json<'a>: Copy {
    /// The member `key` of an object (see [`member`]); `None` for
    /// anything else.
    fn member(self, key: &Key) -> Option<Self>;
    fn is_object(self) -> bool;
    /// Whether `f` holds for an element of an array, or for a lone value.
    fn any(self, f: impl FnMut(Self) -> bool) -> bool;
    fn as_str(self) -> Option<&'a str>;
    /// The UTF-8 bytes of a string.
    fn str_bytes(self) -> Option<&'a [u8]>;
    /// Whether matching this string's `bytes` against an ASCII literal
    /// ignoring ASCII case gives the final answer (see
    /// [`text::ascii_decides`]).
    fn ascii_decides(self, bytes: &[u8]) -> bool;
    fn as_bool(self) -> Option<bool>;
    fn number(self) -> Option<Number>;
    /// `pr`: not null, not `""`, not an array or object with nothing
    /// present.
    fn is_present(self) -> bool;
}

impl<'a> Json<'a> for &'a Value {
    #[inline]
    fn member(self, key: &Key) -> Option<Self> {
        member(self.as_object()?, key.as_str())
    }
    #[inline]
    fn is_object(self) -> bool {
        Value::is_object(self)
    }
    #[inline]
    fn any(self, mut f: impl FnMut(Self) -> bool) -> bool {
        match self {
            Value::Array(items) => items.iter().any(f),
            other => f(other),
        }
    }
    #[inline]
    fn as_str(self) -> Option<&'a str> {
        Value::as_str(self)
    }
    #[inline]
    fn str_bytes(self) -> Option<&'a [u8]> {
        Value::as_str(self).map(str::as_bytes)
    }
    #[inline]
    fn ascii_decides(self, bytes: &[u8]) -> bool {
        text::ascii_decides(bytes)
    }
    #[inline]
    fn as_bool(self) -> Option<bool> {
        Value::as_bool(self)
    }
    #[inline]
    fn number(self) -> Option<Number> {
        match self {
            Value::Number(n) => Some(n.clone()),
            _ => None,
        }
    }
    fn is_present(self) -> bool {
        is_present(self)
    }
}

impl<'a> Json<'a> for Item<'a> {
    /// The same rule as [`member`]: as spelled, else ignoring ASCII case.
    #[inline(always)]
    fn member(self, key: &Key) -> Option<Self> {
        match self {
            Item::Obj(obj) => obj.member(key),
            _ => None,
        }
    }
    #[inline]
    fn is_object(self) -> bool {
        matches!(self, Item::Obj(_))
    }
    #[inline]
    fn any(self, mut f: impl FnMut(Self) -> bool) -> bool {
        match self {
            Item::Arr(body) => packed::elements(body).any(f),
            other => f(other),
        }
    }
    #[inline]
    fn as_str(self) -> Option<&'a str> {
        match self {
            Item::Str(s, _) => std::str::from_utf8(s).ok(),
            _ => None,
        }
    }
    #[inline]
    fn str_bytes(self) -> Option<&'a [u8]> {
        match self {
            Item::Str(s, _) => Some(s),
            _ => None,
        }
    }
    /// Decided when the string was packed.
    #[inline]
    fn ascii_decides(self, bytes: &[u8]) -> bool {
        match self {
            Item::Str(_, plain) => plain,
            _ => text::ascii_decides(bytes),
        }
    }
    #[inline]
    fn as_bool(self) -> Option<bool> {
        match self {
            Item::Bool(b) => Some(b),
            _ => None,
        }
    }
    #[inline]
    fn number(self) -> Option<Number> {
        self.number()
    }
    fn is_present(self) -> bool {
        match self {
            Item::Null => false,
            Item::Str(s, _) => !s.is_empty(),
            Item::Arr(body) => packed::elements(body).any(Json::is_present),
            Item::Obj(obj) => obj.members().any(|(_, v)| v.is_present()),
            Item::Bool(_) | Item::I64(_) | Item::U64(_) | Item::F64(_) => true,
        }
    }
}

/// Looks `key` up as spelled, else ignoring ASCII case (attribute names and
/// URNs are ASCII).
///
/// Small objects (every SCIM resource and sub-object in practice) are
/// scanned linearly instead of searched: a key is only read when its length
/// matches, which saves the pointer chase into each key a tree search
/// compares against, and one pass finds both kinds of match.
#[inline]
pub(crate) fn member<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    if obj.len() > 24 {
        return obj.get(key).or_else(|| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        });
    }
    let mut folded = None;
    for (k, v) in obj {
        if k.len() == key.len() {
            if same_bytes(k.as_bytes(), key.as_bytes()) {
                return Some(v);
            }
            if folded.is_none() && k.eq_ignore_ascii_case(key) {
                folded = Some(v);
            }
        }
    }
    folded
}

/// `pr`: not null, not `""`, not an array or object with nothing present.
pub(crate) fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => items.iter().any(is_present),
        Value::Object(members) => members.values().any(is_present),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// What a value must be to pass a comparison.
#[derive(Debug, Clone)]
enum Test {
    /// Case-exact string comparison.
    Exact {
        op: StrOp,
        lit: Box<str>,
    },
    /// Case-insensitive; `lit` is folded, `ascii` says it is ASCII.
    Folded {
        op: StrOp,
        lit: Box<str>,
        ascii: bool,
    },
    Num {
        ord: Ord,
        lit: Number,
    },
    Bool(bool),
    DateTime {
        ord: Ord,
        lit: OffsetDateTime,
    },
}

#[derive(Debug, Clone, Copy)]
enum StrOp {
    Eq,
    Co,
    Sw,
    Ew,
    Ord(Ord),
}

/// An ordering test (`eq` for numbers and dateTimes, `gt`, `ge`, `lt`,
/// `le`).
#[derive(Debug, Clone, Copy)]
enum Ord {
    Eq,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Ord {
    fn accepts(self, o: Ordering) -> bool {
        match self {
            Ord::Eq => o.is_eq(),
            Ord::Gt => o.is_gt(),
            Ord::Ge => o.is_ge(),
            Ord::Lt => o.is_lt(),
            Ord::Le => o.is_le(),
        }
    }
}

impl Test {
    #[inline]
    fn matches<'a>(&self, value: impl Json<'a>) -> bool {
        match self {
            // UTF-8 byte order is code point order, so exact tests need
            // no text, and the packed form no UTF-8 check.
            Test::Exact { op, lit } => value.str_bytes().is_some_and(|s| {
                let lit = lit.as_bytes();
                match op {
                    StrOp::Eq => s == lit,
                    StrOp::Co => memchr::memmem::find(s, lit).is_some(),
                    StrOp::Sw => s.starts_with(lit),
                    StrOp::Ew => s.ends_with(lit),
                    StrOp::Ord(ord) => ord.accepts(s.cmp(lit)),
                }
            }),
            Test::Folded { op, lit, ascii } => {
                let Some(bytes) = value.str_bytes() else {
                    return false;
                };
                if *ascii && !matches!(op, StrOp::Ord(_)) {
                    // The common case decided on bytes: a hit, or a miss
                    // on an all-ASCII value.
                    if text::ascii_fold_hit(*op, bytes, lit.as_bytes()) {
                        return true;
                    }
                    if value.ascii_decides(bytes) {
                        return false;
                    }
                }
                value.as_str().is_some_and(|s| match op {
                    StrOp::Eq => text::eq_fold(s, lit, *ascii),
                    StrOp::Co => text::contains_fold(s, lit, *ascii),
                    StrOp::Sw => text::starts_with_fold(s, lit, *ascii),
                    StrOp::Ew => text::ends_with_fold(s, lit, *ascii),
                    StrOp::Ord(ord) => ord.accepts(text::cmp_fold_lit(s, lit)),
                })
            }
            Test::Num { ord, lit } => value
                .number()
                .is_some_and(|n| ord.accepts(order::cmp_numbers(&n, lit))),
            Test::Bool(b) => value.as_bool() == Some(*b),
            Test::DateTime { ord, lit } => value
                .as_str()
                .and_then(parse_date_time)
                .is_some_and(|t| ord.accepts(t.cmp(lit))),
        }
    }
}

/// Parses an RFC 3339 date-time, or `None`.
pub(crate) fn parse_date_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// A resolved path: where to look, what is there, and how to name it.
struct Resolved {
    path: Path,
    /// The facts of what the path ends at (the sub-attribute, if any).
    leaf: AttrFacts,
    /// The path as written, for error messages.
    text: String,
}

/// The value-filter scope paths are resolved in: the complex attribute's
/// facts and its name as written.
struct Scope<'a> {
    facts: &'a AttrFacts,
    text: &'a str,
}

struct Compiler<'s, S> {
    schema: &'s S,
}

impl<S: SchemaFacts> Compiler<'_, S> {
    fn node(&self, filter: &Filter, scope: Option<&Scope<'_>>) -> Result<Node, CompileError> {
        Ok(match filter {
            Filter::And(a, b) => {
                let (a, b) = cheaper_first(self.node(a, scope)?, self.node(b, scope)?);
                Node::And(Box::new(a), Box::new(b))
            }
            Filter::Or(a, b) => {
                let (a, b) = cheaper_first(self.node(a, scope)?, self.node(b, scope)?);
                Node::Or(Box::new(a), Box::new(b))
            }
            Filter::Not(a) => Node::Not(Box::new(self.node(a, scope)?)),
            Filter::Present(path) => Node::Present(self.resolve(path, scope)?.path),
            Filter::Compare(path, op, value) => {
                let resolved = self.resolve(path, scope)?;
                compare(resolved, *op, value)?
            }
            Filter::ValuePath(vp) => {
                if let Some(outer) = scope {
                    return Err(CompileError::NestedValueFilter {
                        attribute: format!("{}.{}", outer.text, vp.attr),
                    });
                }
                let resolved = self.resolve(&vp.attr, None)?;
                if vp.attr.sub_attr.is_some() || resolved.leaf.ty != AttrType::Complex {
                    return Err(CompileError::NotComplex {
                        attribute: resolved.text,
                        ty: resolved.leaf.ty.as_str(),
                    });
                }
                let inner_scope = Scope {
                    facts: &resolved.leaf,
                    text: &resolved.text,
                };
                let inner = self.node(&vp.filter, Some(&inner_scope))?;
                Node::Elements {
                    path: resolved.path,
                    inner: Box::new(inner),
                }
            }
        })
    }

    fn resolve(
        &self,
        path: &AttrPath,
        scope: Option<&Scope<'_>>,
    ) -> Result<Resolved, CompileError> {
        if let Some(scope) = scope {
            // Inside `attr[...]`: a bare sub-attribute name.
            if path.urn.is_some() || path.sub_attr.is_some() {
                return Err(CompileError::InvalidValueFilterPath {
                    attribute: scope.text.to_owned(),
                    path: path.to_string(),
                });
            }
            let sub = scope.facts.sub_attribute(&path.name).ok_or_else(|| {
                CompileError::UnknownSubAttribute {
                    attribute: scope.text.to_owned(),
                    sub_attribute: path.name.clone(),
                }
            })?;
            return Ok(Resolved {
                path: Path {
                    ext: None,
                    name: sub.name.as_str().into(),
                    sub: None,
                },
                leaf: sub.clone(),
                text: format!("{}.{}", scope.text, path.name),
            });
        }
        let text = path.to_string();
        let Some(top) = self.schema.resolve(path.urn.as_deref(), &path.name) else {
            return Err(CompileError::UnknownAttribute { path: text });
        };
        let name = Key::from(top.facts.name.as_str());
        let (sub, leaf) = match &path.sub_attr {
            None => (None, top.facts.into_owned()),
            Some(sub_name) => {
                let Some(sub) = top.facts.sub_attribute(sub_name) else {
                    return Err(CompileError::UnknownSubAttribute {
                        attribute: path.name.clone(),
                        sub_attribute: sub_name.clone(),
                    });
                };
                (Some(sub.name.as_str().into()), sub.clone())
            }
        };
        Ok(Resolved {
            path: Path {
                ext: top.extension.as_deref().map(Key::from),
                name,
                sub,
            },
            leaf,
            text,
        })
    }
}

/// Compiles `path op value` once the path is resolved.
fn compare(resolved: Resolved, op: CompareOp, value: &CompValue) -> Result<Node, CompileError> {
    let Resolved {
        mut path,
        mut leaf,
        mut text,
        ..
    } = resolved;

    if let CompValue::Null = value {
        // `eq null` is "absent", `ne null` is "present", over the path as
        // written: `emails eq null` means the user has no e-mails.
        return match op {
            CompareOp::Eq => Ok(Node::Not(Box::new(Node::Present(path)))),
            CompareOp::Ne => Ok(Node::Present(path)),
            _ => Err(CompileError::NullComparison {
                attribute: text,
                op: op.as_str(),
            }),
        };
    }

    if leaf.ty == AttrType::Complex {
        // `emails co "x"` compares `emails.value`.
        let value_sub = match (&path.sub, leaf.sub_attribute("value")) {
            (None, Some(v)) => v.clone(),
            _ => return Err(CompileError::ComplexComparison { attribute: text }),
        };
        path.sub = Some(value_sub.name.as_str().into());
        text = format!("{text}.{}", value_sub.name);
        leaf = value_sub;
    }

    let unsupported = || CompileError::OperatorNotSupported {
        attribute: text.clone(),
        op: op.as_str(),
        ty: leaf.ty.as_str(),
    };
    let mismatch = || CompileError::LiteralMismatch {
        attribute: text.clone(),
        op: op.as_str(),
        ty: leaf.ty.as_str(),
        literal: value.kind(),
    };
    let negate = op == CompareOp::Ne;
    let ord = match op {
        CompareOp::Eq | CompareOp::Ne => Some(Ord::Eq),
        CompareOp::Gt => Some(Ord::Gt),
        CompareOp::Ge => Some(Ord::Ge),
        CompareOp::Lt => Some(Ord::Lt),
        CompareOp::Le => Some(Ord::Le),
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => None,
    };

    let test = match leaf.ty {
        AttrType::String | AttrType::Reference | AttrType::Binary => {
            let binary = leaf.ty == AttrType::Binary;
            if binary && !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                return Err(unsupported());
            }
            let CompValue::Str(lit) = value else {
                return Err(mismatch());
            };
            let op = match op {
                CompareOp::Eq | CompareOp::Ne => StrOp::Eq,
                CompareOp::Co => StrOp::Co,
                CompareOp::Sw => StrOp::Sw,
                CompareOp::Ew => StrOp::Ew,
                CompareOp::Gt => StrOp::Ord(Ord::Gt),
                CompareOp::Ge => StrOp::Ord(Ord::Ge),
                CompareOp::Lt => StrOp::Ord(Ord::Lt),
                CompareOp::Le => StrOp::Ord(Ord::Le),
            };
            if leaf.case_exact || binary {
                Test::Exact {
                    op,
                    lit: lit.as_str().into(),
                }
            } else {
                let folded = text::fold_case(lit);
                Test::Folded {
                    op,
                    ascii: folded.is_ascii(),
                    lit: folded.into_boxed_str(),
                }
            }
        }
        AttrType::Boolean => {
            if !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                return Err(unsupported());
            }
            let CompValue::Bool(b) = value else {
                return Err(mismatch());
            };
            Test::Bool(*b)
        }
        AttrType::Integer | AttrType::Decimal => {
            let Some(ord) = ord else {
                return Err(unsupported());
            };
            let CompValue::Num(n) = value else {
                return Err(mismatch());
            };
            Test::Num {
                ord,
                lit: n.clone(),
            }
        }
        AttrType::DateTime => {
            let Some(ord) = ord else {
                return Err(unsupported());
            };
            let CompValue::Str(s) = value else {
                return Err(mismatch());
            };
            let Some(lit) = parse_date_time(s) else {
                return Err(CompileError::InvalidDateTime {
                    attribute: text,
                    literal: s.clone(),
                });
            };
            Test::DateTime { ord, lit }
        }
        // A complex attribute inside a complex one: RFC 7643 §2.3.8 rules
        // it out, and the schema should never describe one.
        AttrType::Complex => return Err(CompileError::ComplexComparison { attribute: text }),
    };
    Ok(Node::Compare { path, test, negate })
}

#[cfg(test)]
mod tests;
