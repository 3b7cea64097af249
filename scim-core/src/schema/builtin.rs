//! The schemas RFC 7643 defines: User (§4.1), Group (§4.2), Enterprise User
//! (§4.3) as §8.7.1 represents them, the common attributes (§3.1), the
//! resource types that use them (§8.6), and the service provider schemas
//! ServiceProviderConfig, ResourceType and Schema (§8.7.2).
//!
//! The definitions follow §8.7.1 and §8.7.2 attribute by attribute,
//! including descriptions. Where the RFC's representation contradicts its
//! own prose or examples, the prose wins, and every such change is listed
//! here:
//!
//! - Group `displayName` is `required: true`. §8.7.1 says `false` while
//!   its description and §4.2 say REQUIRED.
//! - Group `members` has a `display` sub-attribute (string, immutable like
//!   the other `members` sub-attributes). §8.7.1 omits it; §4.2 and the
//!   §8.4 example use it.
//! - User `addresses` has a `primary` sub-attribute. §8.7.1 omits it;
//!   §4.1.2 and the §8.2 example use it.
//! - ResourceType `schemaExtensions` is `multiValued: true`. §8.7.2 says
//!   `false`, but it is a list (§6 and the §8.6 examples).
//! - Schema `description`'s description reads "The schema's human-readable
//!   description." §8.7.2 repeats the text of `name`.
//! - Schema `attributes.type` and `attributes.subAttributes.type` list
//!   `binary` among the canonical values (§2.3.6 defines it; §8.7.2 leaves
//!   it out).
//! - ServiceProviderConfig has `etag` (§5 defines it; §8.7.2 leaves it
//!   out), `authenticationSchemes` has `type` and `primary` (§5 and the
//!   §8.5 example), and RFC 9865 adds `pagination`.
//!
//! The built-in schemas never enforce canonical values: RFC 7643 offers
//! them as suggestions ("MAY"), and identity providers send others.

use super::{
    AttrType, Attribute, Mutability, ResourceType, Returned, Schema, SchemaExtension, Uniqueness,
};
use super::{
    ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA,
    SERVICE_PROVIDER_CONFIG_SCHEMA, USER_SCHEMA,
};
use std::sync::OnceLock;

/// The common attributes every resource has (§3.1): `id`, `externalId`,
/// `meta`.
///
/// `id` is `returned: always`, readOnly, case-exact and unique within the
/// service provider; `externalId` is case-exact and readWrite; `meta` and
/// its sub-attributes are readOnly and returned by default.
pub fn common_attributes() -> &'static [Attribute] {
    static COMMON: OnceLock<Vec<Attribute>> = OnceLock::new();
    COMMON.get_or_init(|| {
        let meta_sub = |name: &str, ty: AttrType, case_exact: bool, desc: &str| {
            Attribute::new(name, ty)
                .with_description(desc)
                .with_case_exact(case_exact)
                .with_mutability(Mutability::ReadOnly)
        };
        vec![
            Attribute::new("id", AttrType::String)
                .with_description(
                    "A unique identifier for a SCIM resource as defined by the service provider.",
                )
                .with_case_exact(true)
                .with_mutability(Mutability::ReadOnly)
                .with_returned(Returned::Always)
                .with_uniqueness(Uniqueness::Server),
            Attribute::new("externalId", AttrType::String)
                .with_description(
                    "A String that is an identifier for the resource as defined by the \
                     provisioning client.",
                )
                .with_case_exact(true),
            Attribute::new("meta", AttrType::Complex)
                .with_description("A complex attribute containing resource metadata.")
                .with_mutability(Mutability::ReadOnly)
                .with_sub_attributes([
                    meta_sub(
                        "resourceType",
                        AttrType::String,
                        true,
                        "The name of the resource type of the resource.",
                    ),
                    meta_sub(
                        "created",
                        AttrType::DateTime,
                        false,
                        "The \"DateTime\" that the resource was added to the service provider.",
                    ),
                    meta_sub(
                        "lastModified",
                        AttrType::DateTime,
                        false,
                        "The most recent DateTime that the details of this resource were \
                         updated at the service provider.",
                    ),
                    meta_sub(
                        "location",
                        AttrType::Reference,
                        true,
                        "The URI of the resource being returned.",
                    )
                    .with_reference_types(["uri"]),
                    meta_sub(
                        "version",
                        AttrType::String,
                        true,
                        "The version of the resource being returned.",
                    ),
                ]),
        ]
    })
}

/// The built-in resource schemas (User, Group, Enterprise User) followed
/// by the service provider schemas (ServiceProviderConfig, ResourceType,
/// Schema), in the order `/Schemas` lists them.
pub fn schemas() -> Vec<Schema> {
    vec![
        user(),
        group(),
        enterprise_user(),
        service_provider_config(),
        resource_type(),
        schema(),
    ]
}

/// The built-in resource types (§8.6): User (with the optional Enterprise
/// User extension) and Group.
pub fn resource_types() -> Vec<ResourceType> {
    vec![
        ResourceType {
            id: "User".into(),
            name: "User".into(),
            endpoint: "/Users".into(),
            description: Some("User Account".into()),
            schema: USER_SCHEMA.into(),
            schema_extensions: vec![SchemaExtension {
                schema: ENTERPRISE_USER_SCHEMA.into(),
                required: false,
            }],
        },
        ResourceType {
            id: "Group".into(),
            name: "Group".into(),
            endpoint: "/Groups".into(),
            description: Some("Group".into()),
            schema: GROUP_SCHEMA.into(),
            schema_extensions: vec![],
        },
    ]
}

// --- helpers: the §8.7 defaults are single-valued, optional, caseExact
// false, readWrite, returned default, uniqueness none -------------------

fn string(name: &str, desc: &str) -> Attribute {
    Attribute::new(name, AttrType::String).with_description(desc)
}

fn boolean(name: &str, desc: &str) -> Attribute {
    Attribute::new(name, AttrType::Boolean).with_description(desc)
}

fn integer(name: &str, desc: &str) -> Attribute {
    Attribute::new(name, AttrType::Integer).with_description(desc)
}

fn reference(name: &str, desc: &str, types: &[&str]) -> Attribute {
    Attribute::new(name, AttrType::Reference)
        .with_description(desc)
        .with_reference_types(types.iter().copied())
}

fn complex(name: &str, desc: &str, subs: Vec<Attribute>) -> Attribute {
    Attribute::new(name, AttrType::Complex)
        .with_description(desc)
        .with_sub_attributes(subs)
}

fn multi(name: &str, desc: &str, subs: Vec<Attribute>) -> Attribute {
    complex(name, desc, subs).with_multi_valued(true)
}

const DISPLAY_DESC: &str =
    "A human-readable name, primarily used for display purposes.  READ-ONLY.";

fn display() -> Attribute {
    string("display", DISPLAY_DESC)
}

fn type_(desc: &str, canonical: &[&str]) -> Attribute {
    string("type", desc).with_canonical_values(canonical.iter().copied())
}

fn primary(desc: &str) -> Attribute {
    boolean("primary", desc)
}

fn primary_of(example: &str) -> Attribute {
    primary(&format!(
        "A Boolean value indicating the 'primary' or preferred attribute value for this \
         attribute, e.g., {example}.  The primary attribute value 'true' MUST appear no more \
         than once."
    ))
}

const PLAIN_PRIMARY_DESC: &str = "A Boolean value indicating the 'primary' or preferred attribute \
     value for this attribute.  The primary attribute value 'true' MUST appear no more than once.";

const FUNCTION_DESC: &str = "A label indicating the attribute's function.";

const WORK_HOME_DESC: &str = "A label indicating the attribute's function, e.g., 'work' or 'home'.";

const EMAILS_DESC: &str =
    "Email addresses for the user.  The value SHOULD be canonicalized by the \
     service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'. Canonical \
     type values of 'work', 'home', and 'other'.";

fn name_part(name: &str, desc: &str) -> Attribute {
    string(name, desc)
}

fn user() -> Schema {
    let attributes = vec![
        string(
            "userName",
            "Unique identifier for the User, typically used by the user to directly \
             authenticate to the service provider. Each User MUST include a non-empty userName \
             value.  This identifier MUST be unique across the service provider's entire set of \
             Users. REQUIRED.",
        )
        .with_required(true)
        .with_uniqueness(Uniqueness::Server),
        complex(
            "name",
            "The components of the user's real name. Providers MAY return just the full name \
             as a single string in the formatted sub-attribute, or they MAY return just the \
             individual component attributes using the other sub-attributes, or they MAY return \
             both.  If both variants are returned, they SHOULD be describing the same name, with \
             the formatted name indicating how the component attributes should be combined.",
            vec![
                name_part(
                    "formatted",
                    "The full name, including all middle names, titles, and suffixes as \
                     appropriate, formatted for display (e.g., 'Ms. Barbara J Jensen, III').",
                ),
                name_part(
                    "familyName",
                    "The family name of the User, or last name in most Western languages \
                     (e.g., 'Jensen' given the full name 'Ms. Barbara J Jensen, III').",
                ),
                name_part(
                    "givenName",
                    "The given name of the User, or first name in most Western languages \
                     (e.g., 'Barbara' given the full name 'Ms. Barbara J Jensen, III').",
                ),
                name_part(
                    "middleName",
                    "The middle name(s) of the User (e.g., 'Jane' given the full name 'Ms. \
                     Barbara J Jensen, III').",
                ),
                name_part(
                    "honorificPrefix",
                    "The honorific prefix(es) of the User, or title in most Western languages \
                     (e.g., 'Ms.' given the full name 'Ms. Barbara J Jensen, III').",
                ),
                name_part(
                    "honorificSuffix",
                    "The honorific suffix(es) of the User, or suffix in most Western languages \
                     (e.g., 'III' given the full name 'Ms. Barbara J Jensen, III').",
                ),
            ],
        ),
        string(
            "displayName",
            "The name of the User, suitable for display to end-users.  The name SHOULD be the \
             full name of the User being described, if known.",
        ),
        string(
            "nickName",
            "The casual way to address the user in real life, e.g., 'Bob' or 'Bobby' instead of \
             'Robert'.  This attribute SHOULD NOT be used to represent a User's username (e.g., \
             'bjensen' or 'mpepperidge').",
        ),
        reference(
            "profileUrl",
            "A fully qualified URL pointing to a page representing the User's online profile.",
            &["external"],
        ),
        string("title", "The user's title, such as \"Vice President.\""),
        string(
            "userType",
            "Used to identify the relationship between the organization and the user.  Typical \
             values used might be 'Contractor', 'Employee', 'Intern', 'Temp', 'External', and \
             'Unknown', but any value may be used.",
        ),
        string(
            "preferredLanguage",
            "Indicates the User's preferred written or spoken language.  Generally used for \
             selecting a localized user interface; e.g., 'en_US' specifies the language English \
             and country US.",
        ),
        string(
            "locale",
            "Used to indicate the User's default location for purposes of localizing items such \
             as currency, date time format, or numerical representations.",
        ),
        string(
            "timezone",
            "The User's time zone in the 'Olson' time zone database format, e.g., \
             'America/Los_Angeles'.",
        ),
        boolean(
            "active",
            "A Boolean value indicating the User's administrative status.",
        ),
        string(
            "password",
            "The User's cleartext password.  This attribute is intended to be used as a means to \
             specify an initial password when creating a new User or to reset an existing User's \
             password.",
        )
        .with_mutability(Mutability::WriteOnly)
        .with_returned(Returned::Never),
        multi(
            "emails",
            EMAILS_DESC,
            vec![
                string("value", EMAILS_DESC),
                display(),
                type_(WORK_HOME_DESC, &["work", "home", "other"]),
                primary_of("the preferred mailing address or primary email address"),
            ],
        ),
        multi(
            "phoneNumbers",
            "Phone numbers for the User.  The value SHOULD be canonicalized by the service \
             provider according to the format specified in RFC 3966, e.g., \
             'tel:+1-201-555-0123'. Canonical type values of 'work', 'home', 'mobile', 'fax', \
             'pager', and 'other'.",
            vec![
                string("value", "Phone number of the User."),
                display(),
                type_(
                    "A label indicating the attribute's function, e.g., 'work', 'home', \
                     'mobile'.",
                    &["work", "home", "mobile", "fax", "pager", "other"],
                ),
                primary_of("the preferred phone number or primary phone number"),
            ],
        ),
        multi(
            "ims",
            "Instant messaging addresses for the User.",
            vec![
                string("value", "Instant messaging address for the User."),
                display(),
                type_(
                    "A label indicating the attribute's function, e.g., 'aim', 'gtalk', 'xmpp'.",
                    &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
                ),
                primary_of("the preferred messenger or primary messenger"),
            ],
        ),
        multi(
            "photos",
            "URLs of photos of the User.",
            vec![
                reference("value", "URL of a photo of the User.", &["external"]),
                display(),
                type_(
                    "A label indicating the attribute's function, i.e., 'photo' or 'thumbnail'.",
                    &["photo", "thumbnail"],
                ),
                primary_of("the preferred photo or thumbnail"),
            ],
        ),
        multi(
            "addresses",
            "A physical mailing address for this User. Canonical type values of 'work', 'home', \
             and 'other'.  This attribute is a complex type with the following sub-attributes.",
            vec![
                string(
                    "formatted",
                    "The full mailing address, formatted for display or use with a mailing \
                     label.  This attribute MAY contain newlines.",
                ),
                string(
                    "streetAddress",
                    "The full street address component, which may include house number, street \
                     name, P.O. box, and multi-line extended street address information.  This \
                     attribute MAY contain newlines.",
                ),
                string("locality", "The city or locality component."),
                string("region", "The state or region component."),
                string("postalCode", "The zip code or postal code component."),
                string("country", "The country name component."),
                type_(WORK_HOME_DESC, &["work", "home", "other"]),
                // Not in §8.7.1; see the module documentation.
                primary_of("the preferred mailing address or primary address"),
            ],
        ),
        multi(
            "groups",
            "A list of groups to which the user belongs, either through direct membership, \
             through nested groups, or dynamically calculated.",
            vec![
                string("value", "The identifier of the User's group.")
                    .with_mutability(Mutability::ReadOnly),
                reference(
                    "$ref",
                    "The URI of the corresponding 'Group' resource to which the user belongs.",
                    &["User", "Group"],
                )
                .with_mutability(Mutability::ReadOnly),
                display().with_mutability(Mutability::ReadOnly),
                type_(
                    "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.",
                    &["direct", "indirect"],
                )
                .with_mutability(Mutability::ReadOnly),
            ],
        )
        .with_mutability(Mutability::ReadOnly),
        multi(
            "entitlements",
            "A list of entitlements for the User that represent a thing the User has.",
            vec![
                string("value", "The value of an entitlement."),
                display(),
                type_(FUNCTION_DESC, &[]),
                primary(PLAIN_PRIMARY_DESC),
            ],
        ),
        multi(
            "roles",
            "A list of roles for the User that collectively represent who the User is, e.g., \
             'Student', 'Faculty'.",
            vec![
                string("value", "The value of a role."),
                display(),
                type_(FUNCTION_DESC, &[]),
                primary(PLAIN_PRIMARY_DESC),
            ],
        ),
        multi(
            "x509Certificates",
            "A list of certificates issued to the User.",
            vec![
                Attribute::new("value", AttrType::Binary)
                    .with_description("The value of an X.509 certificate."),
                display(),
                type_(FUNCTION_DESC, &[]),
                primary(PLAIN_PRIMARY_DESC),
            ],
        ),
    ];
    Schema {
        id: USER_SCHEMA.into(),
        name: Some("User".into()),
        description: Some("User Account".into()),
        attributes,
    }
}

fn group() -> Schema {
    let member_sub = |a: Attribute| a.with_mutability(Mutability::Immutable);
    Schema {
        id: GROUP_SCHEMA.into(),
        name: Some("Group".into()),
        description: Some("Group".into()),
        attributes: vec![
            // required: see the module documentation.
            string(
                "displayName",
                "A human-readable name for the Group. REQUIRED.",
            )
            .with_required(true),
            multi(
                "members",
                "A list of members of the Group.",
                vec![
                    member_sub(string("value", "Identifier of the member of this Group.")),
                    member_sub(reference(
                        "$ref",
                        "The URI corresponding to a SCIM resource that is a member of this \
                         Group.",
                        &["User", "Group"],
                    )),
                    member_sub(type_(
                        "A label indicating the type of resource, e.g., 'User' or 'Group'.",
                        &["User", "Group"],
                    )),
                    // Not in §8.7.1; see the module documentation.
                    member_sub(string(
                        "display",
                        "A human-readable name for the member, primarily used for display \
                         purposes.",
                    )),
                ],
            ),
        ],
    }
}

fn enterprise_user() -> Schema {
    Schema {
        id: ENTERPRISE_USER_SCHEMA.into(),
        name: Some("EnterpriseUser".into()),
        description: Some("Enterprise User".into()),
        attributes: vec![
            string(
                "employeeNumber",
                "Numeric or alphanumeric identifier assigned to a person, typically based on \
                 order of hire or association with an organization.",
            ),
            string("costCenter", "Identifies the name of a cost center."),
            string("organization", "Identifies the name of an organization."),
            string("division", "Identifies the name of a division."),
            string("department", "Identifies the name of a department."),
            complex(
                "manager",
                "The User's manager.  A complex type that optionally allows service providers \
                 to represent organizational hierarchy by referencing the 'id' attribute of \
                 another User.",
                vec![
                    string(
                        "value",
                        "The id of the SCIM resource representing the User's manager.  REQUIRED.",
                    ),
                    reference(
                        "$ref",
                        "The URI of the SCIM resource representing the User's manager.  \
                         REQUIRED.",
                        &["User"],
                    ),
                    string(
                        "displayName",
                        "The displayName of the User's manager. OPTIONAL and READ-ONLY.",
                    )
                    .with_mutability(Mutability::ReadOnly),
                ],
            ),
        ],
    }
}

/// Every attribute of a service provider schema is readOnly.
fn ro(a: Attribute) -> Attribute {
    let subs: Vec<Attribute> = a.sub_attributes.iter().cloned().map(ro).collect();
    a.with_mutability(Mutability::ReadOnly)
        .with_sub_attributes(subs)
}

const SUPPORTED_DESC: &str =
    "A Boolean value specifying whether or not the operation is supported.";

fn supported() -> Attribute {
    boolean("supported", SUPPORTED_DESC).with_required(true)
}

fn service_provider_config() -> Schema {
    let attributes = vec![
        reference(
            "documentationUri",
            "An HTTP-addressable URL pointing to the service provider's human-consumable help \
             documentation.",
            &["external"],
        ),
        complex(
            "patch",
            "A complex type that specifies PATCH configuration options.",
            vec![supported()],
        )
        .with_required(true),
        complex(
            "bulk",
            "A complex type that specifies bulk configuration options.",
            vec![
                supported(),
                integer(
                    "maxOperations",
                    "An integer value specifying the maximum number of operations.",
                )
                .with_required(true),
                integer(
                    "maxPayloadSize",
                    "An integer value specifying the maximum payload size in bytes.",
                )
                .with_required(true),
            ],
        )
        .with_required(true),
        complex(
            "filter",
            "A complex type that specifies FILTER options.",
            vec![
                supported(),
                integer(
                    "maxResults",
                    "An integer value specifying the maximum number of resources returned in a \
                     response.",
                )
                .with_required(true),
            ],
        )
        .with_required(true),
        complex(
            "changePassword",
            "A complex type that specifies configuration options related to changing a \
             password.",
            vec![supported()],
        )
        .with_required(true),
        complex(
            "sort",
            "A complex type that specifies sort result options.",
            vec![supported()],
        )
        .with_required(true),
        // Not in §8.7.2; §5 defines it.
        complex(
            "etag",
            "A complex type that specifies ETag configuration options.",
            vec![supported()],
        )
        .with_required(true),
        multi(
            "authenticationSchemes",
            "A complex type that specifies supported authentication scheme properties.",
            vec![
                // `type` and `primary`: not in §8.7.2; §5 defines them.
                type_(
                    "The authentication scheme.",
                    &[
                        "oauth",
                        "oauth2",
                        "oauthbearertoken",
                        "httpbasic",
                        "httpdigest",
                    ],
                )
                .with_required(true),
                string(
                    "name",
                    "The common authentication scheme name, e.g., HTTP Basic.",
                )
                .with_required(true),
                string("description", "A description of the authentication scheme.")
                    .with_required(true),
                reference(
                    "specUri",
                    "An HTTP-addressable URL pointing to the authentication scheme's \
                     specification.",
                    &["external"],
                ),
                reference(
                    "documentationUri",
                    "An HTTP-addressable URL pointing to the authentication scheme's usage \
                     documentation.",
                    &["external"],
                ),
                primary(PLAIN_PRIMARY_DESC),
            ],
        )
        .with_required(true),
        // RFC 9865.
        complex(
            "pagination",
            "A complex type that specifies pagination options (RFC 9865).",
            vec![
                boolean(
                    "cursor",
                    "A Boolean value specifying whether cursor-based pagination is supported.",
                ),
                boolean(
                    "index",
                    "A Boolean value specifying whether index-based pagination is supported.",
                ),
                string(
                    "defaultPaginationMethod",
                    "The pagination method used when a request names none.",
                )
                .with_canonical_values(["cursor", "index"]),
                integer(
                    "defaultPageSize",
                    "The number of resources returned in a page when a request gives no count.",
                ),
                integer(
                    "maxPageSize",
                    "The maximum number of resources returned in a page.",
                ),
                integer(
                    "cursorTimeout",
                    "The minimum number of seconds a cursor stays valid.",
                ),
            ],
        ),
    ];
    Schema {
        id: SERVICE_PROVIDER_CONFIG_SCHEMA.into(),
        name: Some("Service Provider Configuration".into()),
        description: Some("Schema for representing the service provider's configuration".into()),
        attributes: attributes.into_iter().map(ro).collect(),
    }
}

fn resource_type() -> Schema {
    let attributes = vec![
        string(
            "id",
            "The resource type's server unique id. May be the same as the 'name' attribute.",
        ),
        string(
            "name",
            "The resource type name.  When applicable, service providers MUST specify the name, \
             e.g., 'User'.",
        )
        .with_required(true),
        string(
            "description",
            "The resource type's human-readable description.  When applicable, service \
             providers MUST specify the description.",
        ),
        reference(
            "endpoint",
            "The resource type's HTTP-addressable endpoint relative to the Base URL, e.g., \
             '/Users'.",
            &["uri"],
        )
        .with_required(true),
        reference(
            "schema",
            "The resource type's primary/base schema URI.",
            &["uri"],
        )
        .with_required(true)
        .with_case_exact(true),
        // multiValued: see the module documentation.
        multi(
            "schemaExtensions",
            "A list of URIs of the resource type's schema extensions.",
            vec![
                reference("schema", "The URI of a schema extension.", &["uri"])
                    .with_required(true)
                    .with_case_exact(true),
                boolean(
                    "required",
                    "A Boolean value that specifies whether or not the schema extension is \
                     required for the resource type.  If true, a resource of this type MUST \
                     include this schema extension and also include any attributes declared as \
                     required in this schema extension. If false, a resource of this type MAY \
                     omit this schema extension.",
                )
                .with_required(true),
            ],
        ),
    ];
    Schema {
        id: RESOURCE_TYPE_SCHEMA.into(),
        name: Some("ResourceType".into()),
        description: Some("Specifies the schema that describes a SCIM resource type".into()),
        attributes: attributes.into_iter().map(ro).collect(),
    }
}

/// The characteristics every attribute definition has (§7), shared by
/// `attributes` and `attributes.subAttributes`.
fn attribute_characteristics() -> Vec<Attribute> {
    vec![
        string("name", "The attribute's name.")
            .with_required(true)
            .with_case_exact(true),
        string(
            "type",
            "The attribute's data type. Valid values include 'string', 'complex', 'boolean', \
             'decimal', 'integer', 'dateTime', 'reference'.",
        )
        .with_required(true)
        .with_canonical_values([
            "string",
            "complex",
            "boolean",
            "decimal",
            "integer",
            "dateTime",
            "reference",
            "binary",
        ]),
        boolean(
            "multiValued",
            "A Boolean value indicating an attribute's plurality.",
        )
        .with_required(true),
        string(
            "description",
            "A human-readable description of the attribute.",
        )
        .with_case_exact(true),
        boolean(
            "required",
            "A boolean value indicating whether or not the attribute is required.",
        ),
        string(
            "canonicalValues",
            "A collection of canonical values.  When applicable, service providers MUST specify \
             the canonical types, e.g., 'work', 'home'.",
        )
        .with_multi_valued(true)
        .with_case_exact(true),
        boolean(
            "caseExact",
            "A Boolean value indicating whether or not a string attribute is case sensitive.",
        ),
        string(
            "mutability",
            "Indicates whether or not an attribute is modifiable.",
        )
        .with_case_exact(true)
        .with_canonical_values(["readOnly", "readWrite", "immutable", "writeOnly"]),
        string(
            "returned",
            "Indicates when an attribute is returned in a response (e.g., to a query).",
        )
        .with_case_exact(true)
        .with_canonical_values(["always", "never", "default", "request"]),
        string("uniqueness", "Indicates how unique a value must be.")
            .with_case_exact(true)
            .with_canonical_values(["none", "server", "global"]),
        string(
            "referenceTypes",
            "Used only with an attribute of type 'reference'.  Specifies a SCIM resourceType \
             that a reference attribute MAY refer to, e.g., 'User'.",
        )
        .with_multi_valued(true)
        .with_case_exact(true),
    ]
}

fn schema() -> Schema {
    let mut attribute_subs = attribute_characteristics();
    // §8.7.2 nests `subAttributes` (with the same characteristics) inside
    // `attributes`: the one place RFC 7643 itself nests complex attributes.
    attribute_subs.push(multi(
        "subAttributes",
        "Used to define the sub-attributes of a complex attribute.",
        attribute_characteristics(),
    ));
    let attributes = vec![
        string(
            "id",
            "The unique URI of the schema. When applicable, service providers MUST specify the \
             URI.",
        )
        .with_required(true),
        string(
            "name",
            "The schema's human-readable name.  When applicable, service providers MUST \
             specify the name, e.g., 'User'.",
        )
        .with_required(true),
        // Description fixed; see the module documentation.
        string("description", "The schema's human-readable description."),
        multi(
            "attributes",
            "A complex attribute that includes the attributes of a schema.",
            attribute_subs,
        )
        .with_required(true),
    ];
    Schema {
        id: SCHEMA_SCHEMA.into(),
        name: Some("Schema".into()),
        description: Some("Specifies the schema attribute".into()),
        attributes: attributes.into_iter().map(ro).collect(),
    }
}
