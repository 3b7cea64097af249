//! Attribute definitions and their characteristics (RFC 7643 §2.2, §7).

use serde::{Deserialize, Serialize};

pub use scim_filter::AttrType;

/// Whether and how an attribute may be written (RFC 7643 §7 `mutability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Mutability {
    /// Set by the service provider; client input is ignored.
    ReadOnly,
    /// Clients may change it at any time (the default).
    #[default]
    ReadWrite,
    /// May be set once (on create or while unset) and never changed.
    Immutable,
    /// May be written but is never returned (passwords).
    WriteOnly,
}

/// When an attribute is returned (RFC 7643 §7 `returned`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Returned {
    /// Always, whatever `attributes`/`excludedAttributes` say.
    Always,
    /// Never.
    Never,
    /// Unless excluded (the default).
    #[default]
    Default,
    /// Only when named in `attributes`.
    Request,
}

/// How an attribute's values must be unique (RFC 7643 §7 `uniqueness`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Uniqueness {
    /// No uniqueness (the default).
    #[default]
    None,
    /// Unique within the service provider's tenant.
    Server,
    /// Globally unique.
    Global,
}

/// One attribute definition, as RFC 7643 §7 serialises it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attribute {
    /// The name, as the schema spells it.
    pub name: String,
    /// The data type.
    #[serde(rename = "type", with = "attr_type_serde")]
    pub ty: AttrType,
    /// Whether the attribute holds an array.
    #[serde(default)]
    pub multi_valued: bool,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether a value is required.
    #[serde(default)]
    pub required: bool,
    /// Suggested or required values (enforced only where the attribute says
    /// so through [`Attribute::canonical_values_enforced`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub canonical_values: Vec<String>,
    /// Whether string comparison is case-sensitive.
    #[serde(default)]
    pub case_exact: bool,
    /// Mutability.
    #[serde(default)]
    pub mutability: Mutability,
    /// When the attribute is returned.
    #[serde(default)]
    pub returned: Returned,
    /// Uniqueness.
    #[serde(default)]
    pub uniqueness: Uniqueness,
    /// For references, the resource types they may point at.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_types: Vec<String>,
    /// For complex attributes, the sub-attributes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_attributes: Vec<Attribute>,
    /// Whether values outside `canonical_values` are rejected. Not part of
    /// the RFC 7643 §7 document; off unless a schema turns it on.
    #[serde(skip)]
    pub canonical_values_enforced: bool,
}

impl Attribute {
    /// A single-valued, optional, readWrite, case-insensitive attribute of
    /// the given type, returned by default.
    pub fn new(name: impl Into<String>, ty: AttrType) -> Self {
        Attribute {
            name: name.into(),
            ty,
            multi_valued: false,
            description: None,
            required: false,
            canonical_values: Vec::new(),
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            reference_types: Vec::new(),
            sub_attributes: Vec::new(),
            canonical_values_enforced: false,
        }
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets whether the attribute is multi-valued.
    pub fn with_multi_valued(mut self, on: bool) -> Self {
        self.multi_valued = on;
        self
    }

    /// Sets whether a value is required.
    pub fn with_required(mut self, on: bool) -> Self {
        self.required = on;
        self
    }

    /// Sets whether string comparison is case-sensitive.
    pub fn with_case_exact(mut self, on: bool) -> Self {
        self.case_exact = on;
        self
    }

    /// Sets the mutability.
    pub fn with_mutability(mut self, mutability: Mutability) -> Self {
        self.mutability = mutability;
        self
    }

    /// Sets when the attribute is returned.
    pub fn with_returned(mut self, returned: Returned) -> Self {
        self.returned = returned;
        self
    }

    /// Sets the uniqueness.
    pub fn with_uniqueness(mut self, uniqueness: Uniqueness) -> Self {
        self.uniqueness = uniqueness;
        self
    }

    /// Sets the canonical values (advertised; enforced only with
    /// [`Attribute::with_canonical_values_enforced`]).
    pub fn with_canonical_values<I, S>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.canonical_values = values.into_iter().map(Into::into).collect();
        self
    }

    /// Rejects values outside the canonical values (compared following
    /// `caseExact`) instead of only advertising them.
    pub fn with_canonical_values_enforced(mut self, on: bool) -> Self {
        self.canonical_values_enforced = on;
        self
    }

    /// Sets the resource types a reference may point at (`User`, `Group`,
    /// `external`, `uri`).
    pub fn with_reference_types<I, S>(mut self, types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.reference_types = types.into_iter().map(Into::into).collect();
        self
    }

    /// Appends a sub-attribute (for complex attributes).
    pub fn with_sub_attribute(mut self, sub: Attribute) -> Self {
        self.sub_attributes.push(sub);
        self
    }

    /// Replaces the sub-attributes (for complex attributes).
    pub fn with_sub_attributes(mut self, subs: impl IntoIterator<Item = Attribute>) -> Self {
        self.sub_attributes = subs.into_iter().collect();
        self
    }

    /// Finds a sub-attribute by name, case-insensitively.
    pub fn sub_attribute(&self, name: &str) -> Option<&Attribute> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The facts scim-filter needs about this attribute.
    pub fn facts(&self) -> scim_filter::AttrFacts {
        scim_filter::AttrFacts {
            name: self.name.clone(),
            ty: self.ty,
            case_exact: self.case_exact,
            multi_valued: self.multi_valued,
            sub_attributes: self.sub_attributes.iter().map(Attribute::facts).collect(),
        }
    }
}

/// The RFC 7643 spelling of attribute types.
pub(crate) mod attr_type_serde {
    use super::AttrType;
    use serde::{Deserialize, Deserializer, Serializer};

    /// The RFC 7643 §7 name of a type.
    pub fn name(ty: AttrType) -> &'static str {
        ty.as_str()
    }

    pub fn serialize<S: Serializer>(ty: &AttrType, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(name(*ty))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<AttrType, D::Error> {
        let s = String::deserialize(d)?;
        let ty = match s.to_ascii_lowercase().as_str() {
            "string" => AttrType::String,
            "boolean" => AttrType::Boolean,
            "decimal" => AttrType::Decimal,
            "integer" => AttrType::Integer,
            "datetime" => AttrType::DateTime,
            "binary" => AttrType::Binary,
            "reference" => AttrType::Reference,
            "complex" => AttrType::Complex,
            other => {
                return Err(serde::de::Error::custom(format!(
                    "unknown attribute type {other:?}"
                )))
            }
        };
        Ok(ty)
    }
}
