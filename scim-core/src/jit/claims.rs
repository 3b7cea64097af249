//! Login claims, how they map onto SCIM attributes, and how a login finds
//! its account.

use crate::schema::{AttrType, Attribute, ResourceSchema};
use crate::{Result, ScimError};
use scim_filter::{AttrPath, CompValue, CompareOp, Filter, PatchPath};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The SAML assertion's `Subject/NameID`, as the application passes it in
/// [`Claims`] (SAML libraries hand it over apart from the attributes).
pub const SAML_NAME_ID: &str = "NameID";

/// `http://schemas.xmlsoap.org/ws/2005/05/identity/claims/` claim URIs
/// (WS-Federation / ADFS / Entra ID SAML attribute names).
pub mod saml_claims {
    /// The email address.
    pub const EMAIL: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
    /// The given name.
    pub const GIVEN_NAME: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname";
    /// The surname.
    pub const SURNAME: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname";
    /// The display name.
    pub const NAME: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name";
    /// The user principal name.
    pub const UPN: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";
    /// The name identifier.
    pub const NAME_IDENTIFIER: &str =
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier";
    /// Group names.
    pub const GROUP: &str = "http://schemas.xmlsoap.org/claims/Group";
}

/// Verified login claims: claim name -> one or more string values, as the
/// application's SAML or OIDC library hands them over after checking the
/// assertion or ID token. This crate does not validate assertions.
///
/// Names are matched exactly first, then case-insensitively. Empty values
/// are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims {
    claims: BTreeMap<String, Vec<String>>,
}

impl Claims {
    /// No claims.
    pub fn new() -> Self {
        Claims::default()
    }

    /// Returns these claims with one more value for `name`.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.insert(name, value);
        self
    }

    /// Adds a value for `name`.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.claims
            .entry(name.into())
            .or_default()
            .push(value.into());
    }

    /// Every value of a claim.
    pub fn get(&self, name: &str) -> Option<&[String]> {
        self.claims
            .get(name)
            .or_else(|| {
                self.claims
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            })
            .map(Vec::as_slice)
    }

    /// The non-empty values of a claim, trimmed.
    pub fn values(&self, name: &str) -> Vec<&str> {
        self.get(name)
            .unwrap_or(&[])
            .iter()
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// The first non-empty value of a claim, trimmed.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.values(name).into_iter().next()
    }

    /// Whether there are no claims.
    pub fn is_empty(&self) -> bool {
        self.claims.is_empty()
    }

    /// Reads claims from a JSON object whose values are strings, numbers,
    /// booleans or arrays of those (`null` is skipped). Anything else is
    /// 400 invalidValue naming the claim.
    pub fn from_json(value: &Value) -> Result<Claims> {
        let Value::Object(obj) = value else {
            return Err(ScimError::invalid_value("claims must be a JSON object"));
        };
        let mut claims = Claims::new();
        for (name, v) in obj {
            let bad = || {
                ScimError::invalid_value(format!(
                    "claim {name:?} must be a string, number, boolean or an array of them"
                ))
            };
            let scalar = |v: &Value| match v {
                Value::String(s) => Some(s.clone()),
                Value::Bool(b) => Some(b.to_string()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            };
            match v {
                Value::Null => {}
                Value::Array(items) => {
                    for item in items {
                        claims.insert(name.clone(), scalar(item).ok_or_else(bad)?);
                    }
                }
                other => claims.insert(name.clone(), scalar(other).ok_or_else(bad)?),
            }
        }
        Ok(claims)
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Claims {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut c = Claims::new();
        for (k, v) in iter {
            c.insert(k, v);
        }
        c
    }
}

/// One claim mapped onto one SCIM attribute path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRule {
    /// The claim name.
    pub claim: String,
    /// The SCIM attribute path (PATCH path syntax: `name.givenName`,
    /// `emails[type eq "work"].value`, `urn:...:User:department`).
    pub path: String,
    /// For a path into a multi-valued attribute, marks the element
    /// written as `primary` (and clears it on the others).
    pub primary: bool,
}

/// Which claims become which SCIM attributes, and which claims identify
/// the user. Combine the defaults with [`ClaimMapping::merge`]; when two
/// rules target the same path, the first present claim wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimMapping {
    /// Claim -> attribute rules, in priority order.
    pub rules: Vec<ClaimRule>,
    /// Claims that hold the IdP's stable subject identifier, in order.
    pub subject_claims: Vec<String>,
    /// Claims a `userName` is taken from, in order.
    pub user_name_claims: Vec<String>,
    /// Claims that hold the email address, in order.
    pub email_claims: Vec<String>,
    /// Claims that list group names.
    pub group_claims: Vec<String>,
}

/// The path the default mappings write emails to.
pub const WORK_EMAIL: &str = "emails[type eq \"work\"].value";

fn push_unique(list: &mut Vec<String>, items: impl IntoIterator<Item = String>) {
    for item in items {
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

impl ClaimMapping {
    /// No rules and no identifying claims.
    pub fn new() -> Self {
        ClaimMapping::default()
    }

    /// OpenID Connect standard claims: `sub` (subject), `email` (primary
    /// work email), `given_name`, `family_name`, `name` (`name.formatted`
    /// and `displayName`), `preferred_username` (userName), `groups`.
    pub fn oidc() -> Self {
        ClaimMapping::new()
            .with_primary("email", WORK_EMAIL)
            .with("given_name", "name.givenName")
            .with("family_name", "name.familyName")
            .with("name", "name.formatted")
            .with("name", "displayName")
            .with_subject_claim("sub")
            .with_user_name_claim("preferred_username")
            .with_user_name_claim("email")
            .with_email_claim("email")
            .with_group_claim("groups")
    }

    /// SAML attribute names: the `xmlsoap.org/ws/2005/05/identity/claims`
    /// URIs (emailaddress, givenname, surname, name, upn, nameidentifier)
    /// and the plain `email`, `firstName`, `lastName`; the subject is the
    /// nameidentifier claim or the assertion's [`SAML_NAME_ID`].
    pub fn saml() -> Self {
        use saml_claims as s;
        ClaimMapping::new()
            .with_primary(s::EMAIL, WORK_EMAIL)
            .with_primary("email", WORK_EMAIL)
            .with(s::GIVEN_NAME, "name.givenName")
            .with("firstName", "name.givenName")
            .with(s::SURNAME, "name.familyName")
            .with("lastName", "name.familyName")
            .with(s::NAME, "displayName")
            .with_subject_claim(s::NAME_IDENTIFIER)
            .with_subject_claim(SAML_NAME_ID)
            .with_user_name_claim(s::UPN)
            .with_user_name_claim(s::EMAIL)
            .with_user_name_claim("email")
            .with_user_name_claim(s::NAME_IDENTIFIER)
            .with_user_name_claim(SAML_NAME_ID)
            .with_email_claim(s::EMAIL)
            .with_email_claim("email")
            .with_group_claim(s::GROUP)
            .with_group_claim("groups")
    }

    /// Appends `other`'s rules and claims after these (these win).
    pub fn merge(mut self, other: ClaimMapping) -> Self {
        for rule in other.rules {
            if !self.rules.contains(&rule) {
                self.rules.push(rule);
            }
        }
        push_unique(&mut self.subject_claims, other.subject_claims);
        push_unique(&mut self.user_name_claims, other.user_name_claims);
        push_unique(&mut self.email_claims, other.email_claims);
        push_unique(&mut self.group_claims, other.group_claims);
        self
    }

    /// Adds a rule: `claim` is written to `path`.
    pub fn with(mut self, claim: impl Into<String>, path: impl Into<String>) -> Self {
        self.rules.push(ClaimRule {
            claim: claim.into(),
            path: path.into(),
            primary: false,
        });
        self
    }

    /// Adds a rule whose multi-valued element is marked primary.
    pub fn with_primary(mut self, claim: impl Into<String>, path: impl Into<String>) -> Self {
        self.rules.push(ClaimRule {
            claim: claim.into(),
            path: path.into(),
            primary: true,
        });
        self
    }

    /// Adds a claim holding the subject identifier.
    pub fn with_subject_claim(mut self, claim: impl Into<String>) -> Self {
        push_unique(&mut self.subject_claims, [claim.into()]);
        self
    }

    /// Adds a claim a `userName` may come from.
    pub fn with_user_name_claim(mut self, claim: impl Into<String>) -> Self {
        push_unique(&mut self.user_name_claims, [claim.into()]);
        self
    }

    /// Adds a claim holding the email address.
    pub fn with_email_claim(mut self, claim: impl Into<String>) -> Self {
        push_unique(&mut self.email_claims, [claim.into()]);
        self
    }

    /// Adds a claim listing group names.
    pub fn with_group_claim(mut self, claim: impl Into<String>) -> Self {
        push_unique(&mut self.group_claims, [claim.into()]);
        self
    }

    fn first_of<'c>(claims: &'c Claims, names: &[String]) -> Option<&'c str> {
        names.iter().find_map(|n| claims.first(n))
    }

    /// The subject identifier in `claims`.
    pub fn subject<'c>(&self, claims: &'c Claims) -> Option<&'c str> {
        Self::first_of(claims, &self.subject_claims)
    }

    /// The `userName` `claims` give.
    pub fn user_name<'c>(&self, claims: &'c Claims) -> Option<&'c str> {
        Self::first_of(claims, &self.user_name_claims)
    }

    /// The email address in `claims`.
    pub fn email<'c>(&self, claims: &'c Claims) -> Option<&'c str> {
        Self::first_of(claims, &self.email_claims)
    }

    /// Every group name in `claims`, deduplicated case-insensitively.
    pub fn groups<'c>(&self, claims: &'c Claims) -> Vec<&'c str> {
        let mut out: Vec<&str> = Vec::new();
        for name in &self.group_claims {
            for v in claims.values(name) {
                if !out.iter().any(|o| o.eq_ignore_ascii_case(v)) {
                    out.push(v);
                }
            }
        }
        out
    }

    /// Parses every rule's path and resolves it against `view`: 400
    /// invalidPath for a path that does not parse, names an attribute the
    /// type lacks, or has a shape claims cannot fill.
    pub fn compile(&self, view: &ResourceSchema<'_>) -> Result<Vec<CompiledRule>> {
        self.rules
            .iter()
            .map(|r| CompiledRule::new(r, view))
            .collect()
    }
}

/// A rule whose path is parsed and checked against the schema.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    rule: ClaimRule,
    ext: Option<String>,
    attr: Attribute,
    sub: Option<Attribute>,
    /// `sub-attribute eq "literal"` conditions of the value filter.
    selector: Vec<(String, Value)>,
}

fn unsupported(path: &str, why: &str) -> ScimError {
    ScimError::invalid_path(format!("claim mapping path {path:?}: {why}"))
}

fn selector_terms(
    f: &Filter,
    attr: &Attribute,
    path: &str,
    out: &mut Vec<(String, Value)>,
) -> Result<()> {
    match f {
        Filter::And(a, b) => {
            selector_terms(a, attr, path, out)?;
            selector_terms(b, attr, path, out)
        }
        Filter::Compare(p, CompareOp::Eq, lit) if p.sub_attr.is_none() && p.urn.is_none() => {
            let sub = attr.sub_attribute(&p.name).ok_or_else(|| {
                unsupported(
                    path,
                    &format!("{} has no sub-attribute {}", attr.name, p.name),
                )
            })?;
            let v = match lit {
                CompValue::Str(s) => Value::String(s.clone()),
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Num(n) => Value::Number(n.clone()),
                CompValue::Null => return Err(unsupported(path, "eq null selects nothing")),
            };
            out.push((sub.name.clone(), v));
            Ok(())
        }
        _ => Err(unsupported(
            path,
            "a value filter must be `sub eq value` terms joined by `and`",
        )),
    }
}

impl CompiledRule {
    fn new(rule: &ClaimRule, view: &ResourceSchema<'_>) -> Result<CompiledRule> {
        let path = &rule.path;
        let parsed: PatchPath =
            scim_filter::parse_path(path).map_err(|e| unsupported(path, &e.to_string()))?;
        let AttrPath {
            urn,
            name,
            sub_attr,
        } = &parsed.attr;
        let loc = view
            .resolve(urn.as_deref(), name)
            .ok_or_else(|| unsupported(path, "no such attribute"))?;
        let attr = loc.attribute.clone();
        let sub = match sub_attr {
            Some(s) => Some(
                attr.sub_attribute(s)
                    .cloned()
                    .ok_or_else(|| unsupported(path, "no such sub-attribute"))?,
            ),
            None => None,
        };
        let mut selector = Vec::new();
        if let Some(f) = &parsed.value_filter {
            if !attr.multi_valued || attr.ty != AttrType::Complex {
                return Err(unsupported(
                    path,
                    "a value filter needs a multi-valued complex attribute",
                ));
            }
            selector_terms(f, &attr, path, &mut selector)?;
        }
        match (
            attr.ty == AttrType::Complex,
            attr.multi_valued,
            &sub,
            selector.is_empty(),
        ) {
            (true, _, None, _) => return Err(unsupported(path, "name a sub-attribute")),
            (true, true, Some(_), true) => {
                return Err(unsupported(path, "select an element with a value filter"))
            }
            _ => {}
        }
        Ok(CompiledRule {
            rule: rule.clone(),
            ext: loc.extension.map(|s| s.id.clone()),
            attr,
            sub,
            selector,
        })
    }

    /// The mapped path, as written in the mapping.
    pub fn path(&self) -> &str {
        &self.rule.path
    }

    /// The claim name.
    pub fn claim(&self) -> &str {
        &self.rule.claim
    }

    /// Writes the claim's value(s) into `resource`; returns whether the
    /// value there changed. A claim that is absent (or empty) writes
    /// nothing: a later login never erases an attribute.
    pub fn apply(&self, claims: &Claims, resource: &mut Value) -> Result<bool> {
        let values = claims.values(&self.rule.claim);
        if values.is_empty() {
            return Ok(false);
        }
        let Some(root) = resource.as_object_mut() else {
            return Err(ScimError::internal("a resource is not a JSON object"));
        };
        let container: &mut Map<String, Value> = match &self.ext {
            Some(urn) => {
                if let Some(Value::Array(urns)) = root.get_mut("schemas") {
                    if !urns.iter().any(|u| u.as_str() == Some(urn)) {
                        urns.push(Value::String(urn.clone()));
                    }
                }
                object_at(root, urn)?
            }
            None => root,
        };
        let leaf_attr = self.sub.as_ref().unwrap_or(&self.attr);
        let new = if leaf_attr.multi_valued {
            let items: Result<Vec<Value>> = values
                .iter()
                .map(|v| convert(leaf_attr, &self.rule.claim, v))
                .collect();
            Value::Array(items?)
        } else {
            convert(leaf_attr, &self.rule.claim, values[0])?
        };
        let name = &self.attr.name;
        let slot: &mut Value = match (&self.sub, self.attr.multi_valued) {
            (None, _) => container.entry(name.clone()).or_insert(Value::Null),
            (Some(sub), false) => object_at(container, name)?
                .entry(sub.name.clone())
                .or_insert(Value::Null),
            (Some(sub), true) => {
                let entry = container
                    .entry(name.clone())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if !entry.is_array() {
                    *entry = Value::Array(Vec::new());
                }
                let Value::Array(items) = entry else {
                    return Err(ScimError::internal("not an array"));
                };
                let index = match items.iter().position(|e| self.selects(e)) {
                    Some(i) => i,
                    None => {
                        let element: Map<String, Value> = self.selector.iter().cloned().collect();
                        items.push(Value::Object(element));
                        items.len() - 1
                    }
                };
                if self.rule.primary {
                    for (i, e) in items.iter_mut().enumerate() {
                        if let Value::Object(o) = e {
                            if i == index {
                                o.insert("primary".into(), Value::Bool(true));
                            } else if o.get("primary") == Some(&Value::Bool(true)) {
                                o.remove("primary");
                            }
                        }
                    }
                }
                let Some(Value::Object(element)) = items.get_mut(index) else {
                    return Err(ScimError::internal("not an element"));
                };
                let before = element.get(&sub.name).cloned();
                element.insert(sub.name.clone(), new.clone());
                // Changing only which element is primary counts as a change
                // too; the caller compares whole resources for that.
                return Ok(before.as_ref() != Some(&new));
            }
        };
        if *slot == new {
            return Ok(false);
        }
        *slot = new;
        Ok(true)
    }

    fn selects(&self, element: &Value) -> bool {
        self.selector.iter().all(|(k, want)| {
            let have = element.as_object().and_then(|o| {
                o.iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(k))
                    .map(|(_, v)| v)
            });
            match (have, want) {
                (Some(Value::String(h)), Value::String(w)) => h.eq_ignore_ascii_case(w),
                (Some(h), w) => h == w,
                (None, _) => false,
            }
        })
    }
}

/// The object under `key`, made (or reset) when it is missing or not an
/// object.
fn object_at<'m>(map: &'m mut Map<String, Value>, key: &str) -> Result<&'m mut Map<String, Value>> {
    let entry = map
        .entry(key.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    entry
        .as_object_mut()
        .ok_or_else(|| ScimError::internal("not an object"))
}

/// A claim value as a value of the attribute's type.
fn convert(attr: &Attribute, claim: &str, v: &str) -> Result<Value> {
    let bad = |want: &str| {
        ScimError::invalid_value(format!(
            "claim {claim:?} is not {want}, as attribute {} needs",
            attr.name
        ))
    };
    Ok(match attr.ty {
        AttrType::Boolean => match v.to_ascii_lowercase().as_str() {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => return Err(bad("a boolean")),
        },
        AttrType::Integer => Value::Number(v.parse::<i64>().map_err(|_| bad("an integer"))?.into()),
        AttrType::Decimal => {
            let n: f64 = v.parse().map_err(|_| bad("a number"))?;
            serde_json::Number::from_f64(n)
                .map(Value::Number)
                .ok_or_else(|| bad("a finite number"))?
        }
        _ => Value::String(v.to_owned()),
    })
}

/// How a login finds its account. See each variant for what it trusts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum MatchRule {
    /// By `userName` (unique per tenant, case-insensitive), taken from the
    /// mapping's userName claims: `preferred_username`, else the email,
    /// else the SAML name identifier. Trusts the IdP never to hand one
    /// username to two people over time (OIDC does not promise that for
    /// `preferred_username`). Concurrent first logins are safe: the store
    /// lets one create win and the others find it.
    #[default]
    UserName,
    /// By `externalId` = `issuer|subject` (the subject from `sub`, the
    /// nameidentifier claim or the SAML NameID). The most robust rule: the
    /// subject is the IdP's stable, never-reassigned key, and the issuer
    /// keeps two IdPs' subjects apart. externalId is not unique in SCIM,
    /// so a new account also gets a deterministic `userName` (from the
    /// userName claims, else the externalId itself): two processes racing
    /// on a first login then collide on userName and the loser finds the
    /// winner's account.
    ExternalId {
        /// The IdP's issuer (OIDC `iss`, SAML entity ID).
        issuer: String,
    },
    /// By email address (`emails.value`, case-insensitive). Trusts the IdP
    /// to verify addresses and never hand one address to two people: an
    /// IdP that lets users set unverified emails lets them take over
    /// accounts. A login whose `email_verified` claim is `false` is
    /// denied. Several users with the address deny the login
    /// (ambiguous). Races are handled as for `ExternalId`.
    Email,
}

/// What a login is matched by: the filter to find the account, the
/// userName a new account gets, and the key that serialises concurrent
/// logins of one person.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub filter: Filter,
    pub user_name: String,
    pub external_id: Option<String>,
    pub email: Option<String>,
    pub key: String,
}

fn eq(name: &str, sub: Option<&str>, value: &str) -> Filter {
    let mut path = AttrPath::new(name);
    if let Some(s) = sub {
        path = path.with_sub_attr(s);
    }
    Filter::compare(path, CompareOp::Eq, CompValue::Str(value.to_owned()))
}

impl MatchRule {
    /// The identity `claims` carry under this rule, or why there is none.
    pub(crate) fn identify(
        &self,
        mapping: &ClaimMapping,
        claims: &Claims,
    ) -> std::result::Result<Identity, &'static str> {
        match self {
            MatchRule::UserName => {
                let user_name = mapping
                    .user_name(claims)
                    .ok_or("the claims carry no username, email or name identifier")?;
                Ok(Identity {
                    filter: eq("userName", None, user_name),
                    user_name: user_name.to_owned(),
                    external_id: None,
                    email: None,
                    key: format!("u:{}", user_name.to_lowercase()),
                })
            }
            MatchRule::ExternalId { issuer } => {
                let subject = mapping
                    .subject(claims)
                    .ok_or("the claims carry no subject identifier")?;
                let external_id = format!("{issuer}|{subject}");
                let user_name = mapping.user_name(claims).unwrap_or(&external_id).to_owned();
                Ok(Identity {
                    filter: eq("externalId", None, &external_id),
                    user_name,
                    key: format!("x:{external_id}"),
                    external_id: Some(external_id),
                    email: None,
                })
            }
            MatchRule::Email => {
                if claims
                    .first("email_verified")
                    .is_some_and(|v| v.eq_ignore_ascii_case("false"))
                {
                    return Err("the email address is not verified");
                }
                let email = mapping.email(claims).ok_or("the claims carry no email")?;
                let user_name = mapping.user_name(claims).unwrap_or(email).to_owned();
                Ok(Identity {
                    filter: eq("emails", Some("value"), email),
                    user_name,
                    key: format!("e:{}", email.to_lowercase()),
                    external_id: None,
                    email: Some(email.to_owned()),
                })
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::Registry;
    use serde_json::json;

    fn apply_all(mapping: &ClaimMapping, claims: &Claims, resource: &mut Value) -> Vec<String> {
        let r = Registry::with_builtins();
        let view = r.view("User").unwrap();
        let mut changed = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for rule in mapping.compile(&view).unwrap() {
            if claims.values(rule.claim()).is_empty() || seen.contains(&rule.path().to_lowercase())
            {
                continue;
            }
            seen.push(rule.path().to_lowercase());
            if rule.apply(claims, resource).unwrap() {
                changed.push(rule.path().to_owned());
            }
        }
        changed
    }

    #[test]
    fn oidc_claims_fill_a_user() {
        let claims = Claims::new()
            .with("sub", "abc")
            .with("email", "b@example.com")
            .with("given_name", "Barbara")
            .with("family_name", "Jensen")
            .with("name", "Barbara Jensen");
        let mut user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]});
        let changed = apply_all(&ClaimMapping::oidc(), &claims, &mut user);
        assert_eq!(changed.len(), 5);
        assert_eq!(user["name"]["givenName"], "Barbara");
        assert_eq!(user["name"]["formatted"], "Barbara Jensen");
        assert_eq!(user["displayName"], "Barbara Jensen");
        assert_eq!(
            user["emails"],
            json!([{"type": "work", "value": "b@example.com", "primary": true}])
        );
        // Applying again changes nothing.
        assert!(apply_all(&ClaimMapping::oidc(), &claims, &mut user).is_empty());
    }

    #[test]
    fn email_rule_updates_the_work_element_and_keeps_others() {
        let mut user = json!({"emails": [
            {"value": "home@x", "type": "home", "primary": true},
            {"value": "old@x", "type": "Work"}
        ]});
        let claims = Claims::new().with("email", "new@x");
        let changed = apply_all(&ClaimMapping::oidc(), &claims, &mut user);
        assert_eq!(changed, vec![WORK_EMAIL]);
        assert_eq!(
            user["emails"],
            json!([{"value": "home@x", "type": "home"}, {"value": "new@x", "type": "Work", "primary": true}])
        );
    }

    #[test]
    fn saml_uris_and_plain_names_map_and_first_present_wins() {
        let claims = Claims::new()
            .with(saml_claims::GIVEN_NAME, "Uri")
            .with("firstName", "Plain")
            .with("lastName", "Last");
        let mut user = json!({});
        apply_all(&ClaimMapping::saml(), &claims, &mut user);
        assert_eq!(
            user["name"],
            json!({"givenName": "Uri", "familyName": "Last"})
        );
    }

    #[test]
    fn bad_paths_are_refused_at_compile() {
        let r = Registry::with_builtins();
        let view = r.view("User").unwrap();
        for path in [
            "nope",
            "name",
            "emails.value",
            "emails[type co \"w\"].value",
            "name.nope",
            "((",
        ] {
            let m = ClaimMapping::new().with("c", path);
            let e = m.compile(&view).unwrap_err();
            assert_eq!(e.status(), 400, "{path}");
        }
        let ok = ClaimMapping::new()
            .with(
                "d",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            )
            .with(
                "p",
                "phoneNumbers[type eq \"work\" and display eq \"x\"].value",
            );
        assert_eq!(ok.compile(&view).unwrap().len(), 2);
    }

    #[test]
    fn extension_paths_write_under_the_urn_and_list_it() {
        let urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let m = ClaimMapping::new().with("dept", format!("{urn}:department"));
        let mut user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]});
        apply_all(&m, &Claims::new().with("dept", "R&D"), &mut user);
        assert_eq!(user[urn]["department"], "R&D");
        assert_eq!(user["schemas"][1], urn);
    }

    #[test]
    fn claims_from_json_accept_scalars_and_arrays_only() {
        let c = Claims::from_json(&json!({
            "email": "a@x", "groups": ["g1", "g2"], "email_verified": true, "n": null
        }))
        .unwrap();
        assert_eq!(c.values("groups"), vec!["g1", "g2"]);
        assert_eq!(c.first("EMAIL"), Some("a@x"));
        assert_eq!(c.first("email_verified"), Some("true"));
        assert!(c.get("n").is_none());
        for bad in [
            json!({"address": {"x": 1}}),
            json!({"g": [[1]]}),
            json!([1]),
        ] {
            assert_eq!(Claims::from_json(&bad).unwrap_err().status(), 400);
        }
    }

    #[test]
    fn match_rules_identify_and_say_why_not() {
        let oidc = ClaimMapping::oidc();
        let claims = Claims::new().with("sub", "s1").with("email", "A@x");
        let by_name = MatchRule::UserName.identify(&oidc, &claims).unwrap();
        assert_eq!(by_name.user_name, "A@x");
        let by_ext = MatchRule::ExternalId {
            issuer: "https://idp".into(),
        }
        .identify(&oidc, &claims)
        .unwrap();
        assert_eq!(by_ext.external_id.as_deref(), Some("https://idp|s1"));
        assert_eq!(by_ext.user_name, "A@x");
        let bare = Claims::new().with("sub", "s2");
        let by_ext = MatchRule::ExternalId { issuer: "i".into() }
            .identify(&oidc, &bare)
            .unwrap();
        assert_eq!(by_ext.user_name, "i|s2");
        assert!(MatchRule::UserName.identify(&oidc, &bare).is_err());
        assert!(MatchRule::Email.identify(&oidc, &bare).is_err());
        let unverified = claims.clone().with("email_verified", "false");
        assert!(MatchRule::Email.identify(&oidc, &unverified).is_err());
        let saml = ClaimMapping::saml();
        let nameid = Claims::new().with(SAML_NAME_ID, "n1");
        assert_eq!(
            MatchRule::UserName
                .identify(&saml, &nameid)
                .unwrap()
                .user_name,
            "n1"
        );
    }

    #[test]
    fn merged_mappings_keep_order_and_drop_duplicates() {
        let m = ClaimMapping::oidc()
            .merge(ClaimMapping::saml())
            .merge(ClaimMapping::oidc());
        assert_eq!(m.subject_claims[0], "sub");
        assert_eq!(
            m.rules.len(),
            ClaimMapping::oidc().rules.len() + ClaimMapping::saml().rules.len() - 1
        );
        let c = Claims::new()
            .with("groups", "A")
            .with(saml_claims::GROUP, "a")
            .with("groups", "B");
        assert_eq!(m.groups(&c), vec!["A", "B"]);
    }
}
