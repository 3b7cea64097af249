//! Compatibility settings: how far the engine bends to the request shapes
//! identity providers actually send.
//!
//! [`Compat::standard`] accepts what RFC 7644 leaves room for. Behaviour
//! that contradicts the RFC lives only in the named profiles an
//! application selects per tenant ([`Compat::entra`], [`Compat::okta`]).

/// Which tolerances are on. Build one with a named profile and adjust with
/// the `with_*` methods.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Compat {
    /// The profile's name, for logs and docs.
    pub profile: &'static str,
    /// PATCH `op` names in any case (`Replace`, `ADD`). On in every
    /// profile: RFC 7644 leaves the case of `op` unstated and major
    /// identity providers capitalise it.
    pub op_any_case: bool,
    /// The strings `"True"`/`"False"` (any case) accepted for boolean
    /// attributes.
    pub string_booleans: bool,
    /// A single value accepted where a multi-valued attribute expects an
    /// array (it becomes a one-element array).
    pub single_value_as_array: bool,
    /// Attributes no schema defines are dropped instead of answered with
    /// 400 invalidValue.
    pub drop_undefined_attributes: bool,
    /// A PATCH `replace` whose value path selects no element adds the
    /// element (with the filter's `eq` values filled in) instead of
    /// answering 400 noTarget. Contradicts RFC 7644 §3.5.2.3; Entra ID
    /// relies on it.
    pub replace_no_target_adds: bool,
    /// A bare string accepted where a complex attribute with a `value`
    /// sub-attribute is expected (the enterprise `manager`), becoming
    /// `{"value": string}`. Entra ID sends it.
    pub bare_value_for_complex: bool,
    /// URNs in a create or replace body's `schemas` that name no schema of
    /// the resource type are ignored instead of answered with
    /// 400 invalidValue (RFC 7643 §3 lets `schemas` list only the
    /// resource's schemas). Attributes under such a URN are still undefined
    /// attributes. Entra ID lists its own
    /// `http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group`
    /// when it creates groups.
    pub ignore_unknown_schema_urns: bool,
    /// Filters may use `emails[type eq "work"].value eq "x"`, outside RFC
    /// 7644's grammar, read as `emails[type eq "work" and value eq "x"]`.
    /// Entra ID sends it.
    pub value_path_sub_attr_filters: bool,
}

impl Compat {
    /// RFC 7644 plus what it leaves room for: any-case op names, string
    /// booleans, single values for arrays. Undefined attributes are
    /// rejected.
    pub fn standard() -> Self {
        Compat {
            profile: "standard",
            op_any_case: true,
            string_booleans: true,
            single_value_as_array: true,
            drop_undefined_attributes: false,
            replace_no_target_adds: false,
            bare_value_for_complex: false,
            value_path_sub_attr_filters: false,
            ignore_unknown_schema_urns: false,
        }
    }

    /// Microsoft Entra ID: standard, plus `replace` on an empty value path
    /// adds, a bare string for a complex `manager`, and unknown schema URNs
    /// in `schemas` ignored.
    pub fn entra() -> Self {
        Compat {
            profile: "entra",
            replace_no_target_adds: true,
            bare_value_for_complex: true,
            value_path_sub_attr_filters: true,
            ignore_unknown_schema_urns: true,
            ..Compat::standard()
        }
    }

    /// Okta: standard; Okta's requests stay within what the RFC allows.
    pub fn okta() -> Self {
        Compat {
            profile: "okta",
            ..Compat::standard()
        }
    }

    /// A profile by name (`standard`, `entra`, `okta`), case-insensitively.
    pub fn by_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "standard" => Some(Compat::standard()),
            "entra" | "entraid" | "azure" => Some(Compat::entra()),
            "okta" => Some(Compat::okta()),
            _ => None,
        }
    }

    /// Drop undefined attributes instead of rejecting them (lenient mode).
    pub fn with_drop_undefined_attributes(mut self, on: bool) -> Self {
        self.drop_undefined_attributes = on;
        self
    }
}

impl Default for Compat {
    fn default() -> Self {
        Compat::standard()
    }
}
