//! A small, fixed schema for tests and benches: the RFC 7643 User (with the
//! enterprise extension) and Group attributes, as [`SchemaFacts`].
//!
//! Enabled by the `testing` feature. It carries only what filtering needs
//! (type, `caseExact`, `multiValued`, sub-attributes), taken from RFC 7643
//! §4 and §8.7.1, plus one extension that is not in any RFC,
//! [`TEST_EXTENSION_URN`], whose integer, decimal and dateTime attributes
//! let tests exercise types the core schemas lack.

use std::borrow::Cow;

use crate::schema::{AttrFacts, AttrType, ResolvedAttr, SchemaFacts};

/// The core User schema URN.
pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema URN.
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The enterprise User extension URN.
pub const ENTERPRISE_USER_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// A made-up User extension with `loginCount` (integer), `score`
/// (decimal), `lastLogin` (dateTime) and `badge` (case-exact string).
pub const TEST_EXTENSION_URN: &str = "urn:example:params:scim:schemas:extension:test:2.0:User";

/// The attributes of one resource type: core schema, common attributes and
/// extensions.
#[derive(Debug, Clone)]
pub struct TestSchema {
    core_urn: &'static str,
    core: Vec<AttrFacts>,
    common: Vec<AttrFacts>,
    extensions: Vec<(&'static str, Vec<AttrFacts>)>,
}

/// A single-valued attribute that is not case-exact.
fn attr(name: &str, ty: AttrType) -> AttrFacts {
    AttrFacts {
        name: name.to_owned(),
        ty,
        case_exact: false,
        multi_valued: false,
        sub_attributes: Vec::new(),
    }
}

fn string(name: &str) -> AttrFacts {
    attr(name, AttrType::String)
}

fn exact(mut facts: AttrFacts) -> AttrFacts {
    facts.case_exact = true;
    facts
}

fn multi(mut facts: AttrFacts) -> AttrFacts {
    facts.multi_valued = true;
    facts
}

fn complex(name: &str, subs: Vec<AttrFacts>) -> AttrFacts {
    AttrFacts {
        sub_attributes: subs,
        ..attr(name, AttrType::Complex)
    }
}

/// The `value`/`display`/`type`/`primary` shape of RFC 7643's
/// multi-valued attributes, with `value` of type `value_ty`.
fn multi_valued(name: &str, value_ty: AttrType) -> AttrFacts {
    multi(complex(
        name,
        vec![
            attr("value", value_ty),
            string("display"),
            string("type"),
            attr("primary", AttrType::Boolean),
        ],
    ))
}

fn common() -> Vec<AttrFacts> {
    vec![
        exact(string("id")),
        exact(string("externalId")),
        multi(exact(attr("schemas", AttrType::Reference))),
        complex(
            "meta",
            vec![
                exact(string("resourceType")),
                attr("created", AttrType::DateTime),
                attr("lastModified", AttrType::DateTime),
                exact(attr("location", AttrType::Reference)),
                exact(string("version")),
            ],
        ),
    ]
}

impl TestSchema {
    /// The User resource type: core User, the enterprise extension and
    /// [`TEST_EXTENSION_URN`].
    pub fn user() -> Self {
        let core = vec![
            string("userName"),
            complex(
                "name",
                vec![
                    string("formatted"),
                    string("familyName"),
                    string("givenName"),
                    string("middleName"),
                    string("honorificPrefix"),
                    string("honorificSuffix"),
                ],
            ),
            string("displayName"),
            string("nickName"),
            attr("profileUrl", AttrType::Reference),
            string("title"),
            string("userType"),
            string("preferredLanguage"),
            string("locale"),
            string("timezone"),
            attr("active", AttrType::Boolean),
            string("password"),
            multi_valued("emails", AttrType::String),
            multi_valued("phoneNumbers", AttrType::String),
            multi_valued("ims", AttrType::String),
            multi_valued("photos", AttrType::Reference),
            multi(complex(
                "addresses",
                vec![
                    string("formatted"),
                    string("streetAddress"),
                    string("locality"),
                    string("region"),
                    string("postalCode"),
                    string("country"),
                    string("type"),
                    attr("primary", AttrType::Boolean),
                ],
            )),
            multi(complex(
                "groups",
                vec![
                    string("value"),
                    attr("$ref", AttrType::Reference),
                    string("display"),
                    string("type"),
                ],
            )),
            multi_valued("entitlements", AttrType::String),
            multi_valued("roles", AttrType::String),
            multi_valued("x509Certificates", AttrType::Binary),
        ];
        let enterprise = vec![
            string("employeeNumber"),
            string("costCenter"),
            string("organization"),
            string("division"),
            string("department"),
            complex(
                "manager",
                vec![
                    string("value"),
                    attr("$ref", AttrType::Reference),
                    string("displayName"),
                ],
            ),
        ];
        let test = vec![
            attr("loginCount", AttrType::Integer),
            attr("score", AttrType::Decimal),
            attr("lastLogin", AttrType::DateTime),
            exact(string("badge")),
        ];
        TestSchema {
            core_urn: USER_URN,
            core,
            common: common(),
            extensions: vec![
                (ENTERPRISE_USER_URN, enterprise),
                (TEST_EXTENSION_URN, test),
            ],
        }
    }

    /// The Group resource type.
    pub fn group() -> Self {
        let core = vec![
            string("displayName"),
            multi(complex(
                "members",
                vec![
                    string("value"),
                    attr("$ref", AttrType::Reference),
                    string("display"),
                    string("type"),
                ],
            )),
        ];
        TestSchema {
            core_urn: GROUP_URN,
            core,
            common: common(),
            extensions: Vec::new(),
        }
    }
}

fn find<'a>(attrs: &'a [AttrFacts], name: &str) -> Option<&'a AttrFacts> {
    attrs.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}

impl SchemaFacts for TestSchema {
    fn resolve(&self, urn: Option<&str>, name: &str) -> Option<ResolvedAttr<'_>> {
        let core = || find(&self.core, name).or_else(|| find(&self.common, name));
        let (extension, facts) = match urn {
            None => (None, core()?),
            Some(urn) if urn.eq_ignore_ascii_case(self.core_urn) => (None, core()?),
            Some(urn) => {
                let (ext, attrs) = self
                    .extensions
                    .iter()
                    .find(|(ext, _)| ext.eq_ignore_ascii_case(urn))?;
                (Some(Cow::Borrowed(*ext)), find(attrs, name)?)
            }
        };
        Some(ResolvedAttr {
            extension,
            facts: Cow::Borrowed(facts),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_core_common_and_extension_attributes() {
        let user = TestSchema::user();
        let r = user.resolve(None, "USERNAME").map(|r| r.facts.name.clone());
        assert_eq!(r.as_deref(), Some("userName"));
        assert!(user.resolve(None, "meta").is_some());
        assert!(user.resolve(Some(USER_URN), "name").is_some());
        let ext = user.resolve(Some(&ENTERPRISE_USER_URN.to_uppercase()), "employeenumber");
        assert_eq!(
            ext.map(|r| (r.extension.map(Cow::into_owned), r.facts.name.clone())),
            Some((
                Some(ENTERPRISE_USER_URN.to_owned()),
                "employeeNumber".to_owned()
            ))
        );
        // Extension attributes need their URN.
        assert!(user.resolve(None, "employeeNumber").is_none());
        assert!(user.resolve(None, "members").is_none());
        assert!(TestSchema::group().resolve(None, "members").is_some());
    }
}
