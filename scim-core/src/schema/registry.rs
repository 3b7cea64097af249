//! [`Registry`]: the schemas and resource types a service provider serves,
//! and [`ResourceSchema`], one resource type's view of them.

use std::borrow::Cow;
use std::sync::OnceLock;

use scim_filter::AttrFacts;

use super::{Attribute, ResourceType, Schema};
use crate::error::{Result, ScimError};

/// The schemas and resource types of a service provider.
///
/// Lookups by URN, name and endpoint are case-insensitive.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    schemas: Vec<Schema>,
    /// What filters need to know about each schema's attributes
    /// (index-aligned with `schemas` and with each schema's attributes),
    /// derived once when the schema is registered, so compiling a filter
    /// or a sort borrows facts instead of rebuilding them. Registered
    /// schemas are never handed out mutably, so these stay true.
    facts: Vec<Vec<AttrFacts>>,
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
            r.push_schema(s);
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
        self.push_schema(schema);
        Ok(())
    }

    fn push_schema(&mut self, schema: Schema) {
        self.facts
            .push(schema.attributes.iter().map(Attribute::facts).collect());
        self.schemas.push(schema);
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
            registered: &self.schemas,
            facts: &self.facts,
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
    /// The registry's schemas and their attributes' facts, for
    /// [`scim_filter::SchemaFacts`].
    registered: &'a [Schema],
    facts: &'a [Vec<AttrFacts>],
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

impl<'a> ResourceSchema<'a> {
    /// The facts of a resolved attribute: borrowed from the registry's
    /// cache, found by identity (a few pointer comparisons), and derived
    /// afresh only for an attribute the cache does not hold.
    fn facts_of(&self, loc: AttrLocation<'a>) -> Cow<'a, AttrFacts> {
        let within = |attrs: &[Attribute], facts: &'a [AttrFacts]| {
            let i = attrs.iter().position(|a| std::ptr::eq(a, loc.attribute))?;
            facts.get(i)
        };
        let cached = within(self.common, common_facts()).or_else(|| {
            let owner = loc.extension.unwrap_or(self.core);
            let i = self
                .registered
                .iter()
                .position(|s| std::ptr::eq(s, owner))?;
            within(&owner.attributes, self.facts.get(i)?)
        });
        match cached {
            Some(facts) => Cow::Borrowed(facts),
            None => Cow::Owned(loc.attribute.facts()),
        }
    }
}

/// The facts of the common attributes, in [`super::common_attributes`]'s
/// order.
fn common_facts() -> &'static [AttrFacts] {
    static FACTS: OnceLock<Vec<AttrFacts>> = OnceLock::new();
    FACTS.get_or_init(|| {
        super::builtin::common_attributes()
            .iter()
            .map(Attribute::facts)
            .collect()
    })
}

impl scim_filter::SchemaFacts for ResourceSchema<'_> {
    fn resolve(&self, urn: Option<&str>, name: &str) -> Option<scim_filter::ResolvedAttr<'_>> {
        let loc = ResourceSchema::resolve(self, urn, name)?;
        Some(scim_filter::ResolvedAttr {
            extension: loc.extension.map(|s| Cow::Borrowed(s.id.as_str())),
            facts: self.facts_of(loc),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_filter::SchemaFacts;

    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    /// Resolving through the filter trait lends the registry's cached facts
    /// (no copy) for core, common and extension attributes, and they say
    /// what the attribute definitions say.
    #[test]
    fn filter_facts_are_borrowed_and_true_to_the_definitions() {
        let registry = Registry::with_builtins();
        let users = registry.view("User").expect("built-in User");
        for (urn, name) in [
            (None, "emails"),
            (None, "USERNAME"),
            (None, "meta"),
            (None, "id"),
            (Some("urn:ietf:params:scim:schemas:core:2.0:User"), "name"),
            (Some(ENTERPRISE), "manager"),
        ] {
            let resolved = SchemaFacts::resolve(&users, urn, name).expect(name);
            let loc = ResourceSchema::resolve(&users, urn, name).expect(name);
            assert!(
                matches!(resolved.facts, Cow::Borrowed(_)),
                "{name} was derived, not lent"
            );
            assert_eq!(*resolved.facts, loc.attribute.facts(), "{name}");
            assert_eq!(
                resolved.extension.as_deref(),
                loc.extension.map(|s| s.id.as_str())
            );
        }
        assert!(SchemaFacts::resolve(&users, None, "manager").is_none());
    }

    /// A schema registered later gets its facts cached too.
    #[test]
    fn added_schemas_have_cached_facts() {
        let mut registry = Registry::with_builtins();
        let urn = "urn:example:params:scim:schemas:extension:badge:2.0:User";
        let schema = super::super::SchemaBuilder::new(urn)
            .attribute(Attribute::new(
                "badgeNumber",
                scim_filter::AttrType::Integer,
            ))
            .build()
            .expect("valid schema");
        registry.add_schema(schema).expect("new urn");
        registry
            .add_extension("User", urn, false)
            .expect("registered");
        let users = registry.view("User").expect("built-in User");
        let resolved = SchemaFacts::resolve(&users, Some(urn), "badgenumber").expect("badge");
        assert!(matches!(resolved.facts, Cow::Borrowed(_)));
        assert_eq!(resolved.facts.name, "badgeNumber");
        assert_eq!(resolved.facts.ty, scim_filter::AttrType::Integer);
    }
}
