//! [`Registry`]: the schemas and resource types a service provider serves,
//! and [`ResourceSchema`], one resource type's view of them.

use super::{Attribute, ResourceType, Schema};
use crate::error::{Result, ScimError};

/// The schemas and resource types of a service provider.
///
/// Lookups by URN, name and endpoint are case-insensitive.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    schemas: Vec<Schema>,
    resource_types: Vec<ResourceType>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// A registry with the RFC 7643 User (with the Enterprise User
    /// extension) and Group resource types.
    pub fn with_builtins() -> Self {
        let mut r = Registry::new();
        for s in super::builtin::schemas() {
            r.schemas.push(s);
        }
        for rt in super::builtin::resource_types() {
            r.resource_types.push(rt);
        }
        r
    }

    /// Adds a schema. Fails with 400 invalidValue when its URN is taken or
    /// it breaks a rule of [`Schema::validate`].
    pub fn add_schema(&mut self, schema: Schema) -> Result<()> {
        schema.validate()?;
        if self.schema(&schema.id).is_some() {
            return Err(ScimError::invalid_value(format!(
                "schema {} is already registered",
                schema.id
            )));
        }
        self.schemas.push(schema);
        Ok(())
    }

    /// Adds a resource type. Its core schema and extensions must already be
    /// registered, and its name and endpoint must be free.
    pub fn add_resource_type(&mut self, rt: ResourceType) -> Result<()> {
        if self.resource_type(&rt.name).is_some() || self.resource_type_at(&rt.endpoint).is_some() {
            return Err(ScimError::invalid_value(format!(
                "resource type {} or endpoint {} is already registered",
                rt.name, rt.endpoint
            )));
        }
        for urn in std::iter::once(&rt.schema).chain(rt.schema_extensions.iter().map(|e| &e.schema))
        {
            if self.schema(urn).is_none() {
                return Err(ScimError::invalid_value(format!(
                    "resource type {} names unregistered schema {urn}",
                    rt.name
                )));
            }
        }
        self.resource_types.push(rt);
        Ok(())
    }

    /// Adds an extension to an existing resource type.
    pub fn add_extension(&mut self, resource_type: &str, urn: &str, required: bool) -> Result<()> {
        if self.schema(urn).is_none() {
            return Err(ScimError::invalid_value(format!(
                "schema {urn} is not registered"
            )));
        }
        let rt = self
            .resource_types
            .iter_mut()
            .find(|r| r.name.eq_ignore_ascii_case(resource_type))
            .ok_or_else(|| ScimError::invalid_value(format!("no resource type {resource_type}")))?;
        if !rt
            .schema_extensions
            .iter()
            .any(|e| e.schema.eq_ignore_ascii_case(urn))
        {
            rt.schema_extensions.push(super::SchemaExtension {
                schema: urn.to_owned(),
                required,
            });
        }
        Ok(())
    }

    /// A schema by URN.
    pub fn schema(&self, urn: &str) -> Option<&Schema> {
        self.schemas.iter().find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// Every registered schema, in registration order.
    pub fn schemas(&self) -> &[Schema] {
        &self.schemas
    }

    /// A resource type by name (`User`).
    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        self.resource_types
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(name))
    }

    /// A resource type by endpoint (`/Users` or `Users`).
    pub fn resource_type_at(&self, endpoint: &str) -> Option<&ResourceType> {
        let want = endpoint.trim_start_matches('/');
        self.resource_types.iter().find(|r| {
            r.endpoint
                .trim_start_matches('/')
                .eq_ignore_ascii_case(want)
        })
    }

    /// Every registered resource type, in registration order.
    pub fn resource_types(&self) -> &[ResourceType] {
        &self.resource_types
    }

    /// The view of one resource type: its core schema, extensions and the
    /// common attributes. `None` when the type or one of its schemas is not
    /// registered.
    pub fn view(&self, resource_type: &str) -> Option<ResourceSchema<'_>> {
        let rt = self.resource_type(resource_type)?;
        let core = self.schema(&rt.schema)?;
        let mut extensions = Vec::with_capacity(rt.schema_extensions.len());
        for e in &rt.schema_extensions {
            extensions.push((self.schema(&e.schema)?, e.required));
        }
        Some(ResourceSchema {
            resource_type: rt,
            core,
            extensions,
            common: super::builtin::common_attributes(),
        })
    }
}

/// Where a top-level attribute of a resource lives.
#[derive(Debug, Clone, Copy)]
pub struct AttrLocation<'a> {
    /// `None` for the core schema and the common attributes (stored at the
    /// top level); `Some(schema)` for an extension (stored under its URN).
    pub extension: Option<&'a Schema>,
    /// The attribute's definition.
    pub attribute: &'a Attribute,
}

/// One resource type's view of the registry: what a resource of that type
/// may contain.
#[derive(Debug, Clone)]
pub struct ResourceSchema<'a> {
    /// The resource type.
    pub resource_type: &'a ResourceType,
    /// Its core schema.
    pub core: &'a Schema,
    /// Its extensions, each with whether it is required.
    pub extensions: Vec<(&'a Schema, bool)>,
    /// The common attributes (`id`, `externalId`, `meta`).
    pub common: &'static [Attribute],
}

impl<'a> ResourceSchema<'a> {
    /// An extension of this type by URN, case-insensitively.
    pub fn extension(&self, urn: &str) -> Option<&'a Schema> {
        self.extensions
            .iter()
            .find(|(s, _)| s.id.eq_ignore_ascii_case(urn))
            .map(|(s, _)| *s)
    }

    /// Resolves a top-level attribute. With a URN, it must be the core
    /// schema's or one of the extensions'; without one, the core schema and
    /// the common attributes are searched.
    pub fn resolve(&self, urn: Option<&str>, name: &str) -> Option<AttrLocation<'a>> {
        match urn {
            Some(urn) if self.core.id.eq_ignore_ascii_case(urn) => self.core_attribute(name),
            Some(urn) => {
                let ext = self.extension(urn)?;
                Some(AttrLocation {
                    extension: Some(ext),
                    attribute: ext.attribute(name)?,
                })
            }
            None => self.core_attribute(name),
        }
    }

    fn core_attribute(&self, name: &str) -> Option<AttrLocation<'a>> {
        let attribute = self
            .common
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .or_else(|| self.core.attribute(name))?;
        Some(AttrLocation {
            extension: None,
            attribute,
        })
    }

    /// Every schema URN a resource of this type may list in `schemas`.
    pub fn schema_urns(&self) -> impl Iterator<Item = &'a str> + '_ {
        std::iter::once(self.core.id.as_str())
            .chain(self.extensions.iter().map(|(s, _)| s.id.as_str()))
    }
}

impl scim_filter::SchemaFacts for ResourceSchema<'_> {
    fn resolve(&self, urn: Option<&str>, name: &str) -> Option<scim_filter::ResolvedAttr> {
        let loc = ResourceSchema::resolve(self, urn, name)?;
        Some(scim_filter::ResolvedAttr {
            extension: loc.extension.map(|s| s.id.clone()),
            facts: loc.attribute.facts(),
        })
    }
}
