//! The per-tenant policy for running JIT and SCIM side by side.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

/// How a tenant's accounts are provisioned.
///
/// | | SCIM writes | JIT creates | JIT refreshes attributes |
/// |---|---|---|---|
/// | `ScimOnly` | yes | never | never |
/// | `JitOnly` | 403 | yes | every account |
/// | `Hybrid` | yes | users SCIM does not know | JIT-managed accounts only |
///
/// In every mode a login of an inactive user is denied, and every login
/// that is let in records `lastLogin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ProvisioningPolicy {
    /// SCIM is the only way in: a login matches a SCIM-managed, active
    /// user or is denied; JIT never creates and never changes attributes.
    ScimOnly,
    /// JIT is the only way in: the SCIM endpoints of the tenant refuse
    /// writes (POST, PUT, PATCH, DELETE, bulk) with 403; reads still work.
    /// JIT creates users and refreshes the attributes of every account on
    /// login, since nothing else may write them.
    JitOnly,
    /// Both, with SCIM as the source of truth: JIT creates users SCIM does
    /// not know and refreshes only accounts JIT manages; it never changes
    /// an attribute of a SCIM-managed user. The first SCIM PUT or PATCH of
    /// a JIT-made account transfers it to SCIM management.
    #[default]
    Hybrid,
}

impl ProvisioningPolicy {
    /// Reads `scim-only`, `jit-only` or `hybrid` (case-insensitive; `_`
    /// works as well as `-`).
    pub fn parse(s: &str) -> Option<ProvisioningPolicy> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "scim-only" | "scimonly" => Some(ProvisioningPolicy::ScimOnly),
            "jit-only" | "jitonly" => Some(ProvisioningPolicy::JitOnly),
            "hybrid" => Some(ProvisioningPolicy::Hybrid),
            _ => None,
        }
    }

    /// The kebab-case name (`scim-only`, `jit-only`, `hybrid`).
    pub fn as_str(self) -> &'static str {
        match self {
            ProvisioningPolicy::ScimOnly => "scim-only",
            ProvisioningPolicy::JitOnly => "jit-only",
            ProvisioningPolicy::Hybrid => "hybrid",
        }
    }

    /// Whether SCIM clients may write.
    pub fn allows_scim_writes(self) -> bool {
        self != ProvisioningPolicy::JitOnly
    }
}

/// The policy of each tenant, shared by the SCIM server and the JIT
/// provisioner (hold it in an `Arc`).
#[derive(Debug, Default)]
pub struct PolicyMap {
    default: ProvisioningPolicy,
    tenants: RwLock<HashMap<String, ProvisioningPolicy>>,
}

impl PolicyMap {
    /// Every tenant on `default` until set otherwise.
    pub fn new(default: ProvisioningPolicy) -> Self {
        PolicyMap {
            default,
            tenants: RwLock::new(HashMap::new()),
        }
    }

    /// The policy for tenants without one of their own.
    pub fn default_policy(&self) -> ProvisioningPolicy {
        self.default
    }

    /// Sets one tenant's policy.
    pub fn set(&self, tenant: impl Into<String>, policy: ProvisioningPolicy) {
        self.tenants
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(tenant.into(), policy);
    }

    /// The policy in force for a tenant.
    pub fn get(&self, tenant: &str) -> ProvisioningPolicy {
        self.tenants
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(tenant)
            .copied()
            .unwrap_or(self.default)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_round_trips() {
        for p in [
            ProvisioningPolicy::ScimOnly,
            ProvisioningPolicy::JitOnly,
            ProvisioningPolicy::Hybrid,
        ] {
            assert_eq!(ProvisioningPolicy::parse(p.as_str()), Some(p));
        }
        assert_eq!(
            ProvisioningPolicy::parse("JIT_ONLY"),
            Some(ProvisioningPolicy::JitOnly)
        );
        assert_eq!(ProvisioningPolicy::parse("both"), None);
    }

    #[test]
    fn tenants_fall_back_to_the_default() {
        let map = PolicyMap::new(ProvisioningPolicy::ScimOnly);
        map.set("a", ProvisioningPolicy::JitOnly);
        assert_eq!(map.get("a"), ProvisioningPolicy::JitOnly);
        assert_eq!(map.get("b"), ProvisioningPolicy::ScimOnly);
        assert_eq!(PolicyMap::default().get("x"), ProvisioningPolicy::Hybrid);
    }
}
