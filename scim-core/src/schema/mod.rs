//! The schema model (RFC 7643 §2, §6, §7): attributes, schemas, resource
//! types, and the [`Registry`] that holds them.

mod attribute;

pub use attribute::{AttrType, Attribute, Mutability, Returned, Uniqueness};

use crate::error::{Result, ScimError};
use serde::{Deserialize, Serialize};

/// The core User schema URN.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema URN.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The Enterprise User extension URN.
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// The ServiceProviderConfig schema URN.
pub const SERVICE_PROVIDER_CONFIG_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
/// The ResourceType schema URN.
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
/// The Schema schema URN.
pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
/// The ListResponse message URN.
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// The SearchRequest message URN.
pub const SEARCH_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/// The PatchOp message URN.
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// The BulkRequest message URN.
pub const BULK_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
/// The BulkResponse message URN.
pub const BULK_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

/// A schema (RFC 7643 §7): a URN and its attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    /// The schema URN.
    pub id: String,
    /// Human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The attributes, in document order.
    #[serde(default)]
    pub attributes: Vec<Attribute>,
}

impl Schema {
    /// Finds a top-level attribute by name, case-insensitively.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Reads an RFC 7643 §7 schema document (as served at `/Schemas`;
    /// `schemas` and `meta` are ignored) and checks it with
    /// [`Schema::validate`]. A document that does not have the §7 shape is
    /// 400 invalidSyntax; one that breaks a rule of [`Schema::validate`] is
    /// 400 invalidValue.
    pub fn from_json(doc: &serde_json::Value) -> Result<Schema> {
        let schema = Schema::deserialize(doc)
            .map_err(|e| ScimError::invalid_syntax(format!("not a schema document: {e}")))?;
        schema.validate()?;
        Ok(schema)
    }

    /// The RFC 7643 §7 representation (without `schemas` and `meta`; see
    /// [`crate::discovery::schema_document`] for the served document).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Checks the rules RFC 7643 §2 and §7 set for a schema an application
    /// defines: a non-empty URN without whitespace; attribute names of the
    /// form `ALPHA *(ALPHA / DIGIT / "-" / "_")` (sub-attributes may also be
    /// `$ref`); no two attributes at one level whose names differ only in
    /// case; top-level names other than `schemas` and the common attributes
    /// (`id`, `externalId`, `meta`); complex attributes with at least one
    /// sub-attribute and no complex sub-attribute (§2.3.8: no nesting);
    /// other types without sub-attributes; enforced canonical values only on
    /// strings that list some. Failures are 400 invalidValue.
    ///
    /// The built-in Schema schema (§8.7.2) nests `subAttributes` inside
    /// `attributes`, which this rule forbids: the registry installs the
    /// built-ins without this check.
    pub fn validate(&self) -> Result<()> {
        if self.id.is_empty() || self.id.chars().any(char::is_whitespace) {
            return Err(ScimError::invalid_value(format!(
                "schema id {:?} must be a URN without whitespace",
                self.id
            )));
        }
        check_attribute_list(&self.id, &self.attributes, true)
    }
}

fn bad_schema(urn: &str, detail: String) -> ScimError {
    ScimError::invalid_value(format!("schema {urn}: {detail}"))
}

fn valid_attr_name(name: &str, sub: bool) -> bool {
    if sub && name == "$ref" {
        return true;
    }
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn check_attribute_list(urn: &str, attrs: &[Attribute], top: bool) -> Result<()> {
    for (i, a) in attrs.iter().enumerate() {
        if !valid_attr_name(&a.name, !top) {
            return Err(bad_schema(
                urn,
                format!("{:?} is not a valid attribute name", a.name),
            ));
        }
        if top
            && (a.name.eq_ignore_ascii_case("schemas")
                || builtin::common_attributes()
                    .iter()
                    .any(|c| c.name.eq_ignore_ascii_case(&a.name)))
        {
            return Err(bad_schema(
                urn,
                format!("{} is reserved for the common attributes", a.name),
            ));
        }
        if attrs[..i]
            .iter()
            .any(|b| b.name.eq_ignore_ascii_case(&a.name))
        {
            return Err(bad_schema(
                urn,
                format!("attribute {} is defined twice", a.name),
            ));
        }
        match a.ty {
            AttrType::Complex if a.sub_attributes.is_empty() => {
                return Err(bad_schema(
                    urn,
                    format!("complex attribute {} has no sub-attributes", a.name),
                ));
            }
            AttrType::Complex if !top => {
                return Err(bad_schema(
                    urn,
                    format!(
                        "sub-attribute {} is complex; complex attributes do not nest",
                        a.name
                    ),
                ));
            }
            AttrType::Complex => check_attribute_list(urn, &a.sub_attributes, false)?,
            _ if !a.sub_attributes.is_empty() => {
                return Err(bad_schema(
                    urn,
                    format!("attribute {} has sub-attributes but is not complex", a.name),
                ));
            }
            _ => {}
        }
        if a.canonical_values_enforced
            && (a.ty != AttrType::String || a.canonical_values.is_empty())
        {
            return Err(bad_schema(
                urn,
                format!(
                    "attribute {} enforces canonical values but is not a string with some",
                    a.name
                ),
            ));
        }
    }
    Ok(())
}

/// Builds a [`Schema`] for an application's own resource type or
/// extension:
///
/// ```
/// use scim_core::schema::{AttrType, Attribute, SchemaBuilder};
///
/// let schema = SchemaBuilder::new("urn:example:params:scim:schemas:extension:acme:2.0:User")
///     .with_name("AcmeUser")
///     .with_description("ACME employee data")
///     .attribute(Attribute::new("badge", AttrType::String).with_required(true))
///     .attribute(Attribute::new("clearance", AttrType::Integer))
///     .build()
///     .unwrap();
/// assert_eq!(schema.attributes.len(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct SchemaBuilder {
    schema: Schema,
}

impl SchemaBuilder {
    /// A schema with this URN and no attributes.
    pub fn new(urn: impl Into<String>) -> Self {
        SchemaBuilder {
            schema: Schema {
                id: urn.into(),
                name: None,
                description: None,
                attributes: Vec::new(),
            },
        }
    }

    /// Sets the human-readable name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.schema.name = Some(name.into());
        self
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.schema.description = Some(description.into());
        self
    }

    /// Appends an attribute.
    pub fn attribute(mut self, attribute: Attribute) -> Self {
        self.schema.attributes.push(attribute);
        self
    }

    /// The schema, checked with [`Schema::validate`].
    pub fn build(self) -> Result<Schema> {
        self.schema.validate()?;
        Ok(self.schema)
    }
}

/// An extension a resource type carries (RFC 7643 §6 `schemaExtensions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaExtension {
    /// The extension's schema URN.
    pub schema: String,
    /// Whether every resource of the type must carry it.
    pub required: bool,
}

/// A resource type (RFC 7643 §6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceType {
    /// The type's id (usually equal to its name).
    pub id: String,
    /// The type's name (`User`), used in `meta.resourceType`.
    pub name: String,
    /// The endpoint path relative to the base URL (`/Users`).
    pub endpoint: String,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The core schema URN.
    pub schema: String,
    /// Extensions.
    #[serde(default)]
    pub schema_extensions: Vec<SchemaExtension>,
}

pub mod builtin;
mod registry;

pub use builtin::common_attributes;
pub use registry::{AttrLocation, Registry, ResourceSchema};

impl ResourceType {
    /// A resource type whose id and name are `name`, served at `endpoint`
    /// (`/Users`), with core schema `schema` and no extensions.
    pub fn new(
        name: impl Into<String>,
        endpoint: impl Into<String>,
        schema: impl Into<String>,
    ) -> Self {
        let name = name.into();
        ResourceType {
            id: name.clone(),
            name,
            endpoint: endpoint.into(),
            description: None,
            schema: schema.into(),
            schema_extensions: Vec::new(),
        }
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds an extension.
    pub fn with_extension(mut self, urn: impl Into<String>, required: bool) -> Self {
        self.schema_extensions.push(SchemaExtension {
            schema: urn.into(),
            required,
        });
        self
    }
}
