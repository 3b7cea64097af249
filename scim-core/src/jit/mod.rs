//! Just-in-time (JIT) provisioning from SSO logins, and the policy that
//! lets it run beside SCIM.
//!
//! After the application's SAML or OIDC library has verified an assertion
//! or ID token, it hands the claims to [`Jit::login`]. JIT finds the
//! account by a [`MatchRule`], creates it on a first login (through the
//! same validation as a SCIM POST), refreshes mapped attributes on later
//! logins when the tenant's [`ProvisioningPolicy`] allows, records
//! `lastLogin`, and optionally syncs group membership from a groups claim.
//! The answer says what happened ([`Outcome`]); a denied login must not be
//! let in.
//!
//! Every account carries [provenance](provenance) (`source`, `createdBy`,
//! `created`, `lastLogin`, `managedBy`), and every write from any channel
//! emits a [`ProvisioningEvent`] to the application's [`EventSink`]. JIT
//! has no deprovisioning of its own, so [`Jit::reap`] deactivates
//! JIT-managed accounts idle longer than a period.
//!
//! # Wiring it into a login callback
//!
//! ```no_run
//! use scim_core::jit::{Claims, Jit, Outcome};
//!
//! /// Called by the app's OIDC callback once the ID token is verified.
//! async fn on_oidc_login(
//!     jit: &Jit,
//!     tenant: &str,
//!     id_token_claims: &serde_json::Value,
//! ) -> Result<String, String> {
//!     let claims = Claims::from_json(id_token_claims).map_err(|e| e.to_string())?;
//!     let result = jit.login(tenant, &claims).await.map_err(|e| e.to_string())?;
//!     match (result.outcome, result.user) {
//!         (Outcome::Denied { reason }, _) => Err(reason.to_string()),
//!         (_, Some(user)) => Ok(user["id"].as_str().unwrap_or_default().to_owned()),
//!         (_, None) => Err("no account".into()),
//!     }
//! }
//! ```
//!
//! The [`Jit`] is built once at start, beside the SCIM server, so both
//! share the store, the registry, the per-tenant policies and the event
//! sink: [`Jit::for_server`].
//!
//! # Concurrency
//!
//! Concurrent first logins of one person make one account. Within a
//! process, logins with the same match key (tenant and userName, externalId
//! or email) run one after another (an async per-key lock). Across
//! processes, the store's atomic userName uniqueness decides: every new
//! account gets a deterministic userName derived from the claims, so a
//! losing create fails with a uniqueness conflict and the login re-reads
//! and continues as a later login. If the userName belongs to an account
//! the match rule does not find (a different person, or the same person
//! under another key), the login is denied rather than merged.

mod claims;
pub mod events;
mod lock;
mod policy;
pub mod provenance;
#[cfg(test)]
mod tests;

pub use claims::{
    saml_claims, ClaimMapping, ClaimRule, Claims, CompiledRule, MatchRule, SAML_NAME_ID, WORK_EMAIL,
};
pub use events::{
    changed_attributes, Channel, EventSink, MemorySink, Operation, ProvisioningEvent, Source,
    TracingSink,
};
pub use policy::{PolicyMap, ProvisioningPolicy};

use crate::compat::Compat;
use crate::query::ListQuery;
use crate::resource::{new_meta, prepare_create, prepare_replace, set_version, touch_meta};
use crate::schema::{Registry, ResourceSchema};
use crate::server::ScimServer;
use crate::store::{ResourceStore, StoreError};
use crate::{Result, ScimError};
use claims::Identity;
use lock::KeyedLocks;
use scim_filter::{AttrPath, CompValue, CompareOp, Filter};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// The actor JIT writes are recorded under.
const JIT_ACTOR: &str = "jit";
/// The actor reaper writes are recorded under.
const REAPER_ACTOR: &str = "reaper";

/// Group membership from a groups claim.
///
/// JIT manages only groups it created (provenance `managedBy` = `jit`):
/// it adds the user to those the claim names and removes the user from
/// those it no longer names. Groups SCIM manages are never touched, even
/// when the claim names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GroupSync {
    /// Create a claimed group that does not exist (as a JIT-managed
    /// group). Off: only existing JIT-managed groups are joined.
    pub create_missing: bool,
}

/// How JIT maps, matches and writes.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct JitConfig {
    /// Claims -> attributes. Default: [`ClaimMapping::oidc`] merged with
    /// [`ClaimMapping::saml`].
    pub mapping: ClaimMapping,
    /// How a login finds its account. Default: [`MatchRule::UserName`].
    pub match_rule: MatchRule,
    /// Group membership sync; off by default.
    pub groups: Option<GroupSync>,
    /// Validation profile for JIT writes.
    pub compat: Compat,
    /// The base URL (or path) of the SCIM endpoints, for `meta.location`.
    pub base_url: String,
    /// How often a write retries its compare-and-swap.
    pub write_retries: usize,
    /// The resource type of accounts (`User`).
    pub user_type: String,
    /// The resource type of groups (`Group`).
    pub group_type: String,
}

impl Default for JitConfig {
    fn default() -> Self {
        JitConfig {
            mapping: ClaimMapping::oidc().merge(ClaimMapping::saml()),
            match_rule: MatchRule::default(),
            groups: None,
            compat: Compat::standard(),
            base_url: "/scim/v2".into(),
            write_retries: 64,
            user_type: "User".into(),
            group_type: "Group".into(),
        }
    }
}

impl JitConfig {
    /// Sets the claim mapping.
    pub fn with_mapping(mut self, mapping: ClaimMapping) -> Self {
        self.mapping = mapping;
        self
    }

    /// Sets the match rule.
    pub fn with_match_rule(mut self, rule: MatchRule) -> Self {
        self.match_rule = rule;
        self
    }

    /// Turns on group sync.
    pub fn with_groups(mut self, sync: GroupSync) -> Self {
        self.groups = Some(sync);
        self
    }

    /// Sets the base URL used in `meta.location`.
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into().trim_end_matches('/').to_owned();
        self
    }
}

/// Why a login was denied.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DenyReason {
    /// The claims lack what the match rule needs (or, for
    /// [`MatchRule::Email`], the email is unverified).
    MissingIdentifier(String),
    /// No account matches, and the policy (`ScimOnly`) lets JIT create
    /// none.
    UnknownUser,
    /// The account is JIT-managed, and the policy (`ScimOnly`) admits only
    /// SCIM-provisioned users.
    NotScimProvisioned,
    /// The account is inactive.
    Inactive,
    /// Several accounts match.
    Ambiguous,
    /// The userName a new account would get belongs to an account the
    /// match rule does not find; JIT does not merge the two.
    Conflict,
}

impl DenyReason {
    /// A short camelCase code (`unknownUser`, `inactive`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            DenyReason::MissingIdentifier(_) => "missingIdentifier",
            DenyReason::UnknownUser => "unknownUser",
            DenyReason::NotScimProvisioned => "notScimProvisioned",
            DenyReason::Inactive => "inactive",
            DenyReason::Ambiguous => "ambiguous",
            DenyReason::Conflict => "conflict",
        }
    }
}

impl std::fmt::Display for DenyReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DenyReason::MissingIdentifier(why) => f.write_str(why),
            DenyReason::UnknownUser => {
                f.write_str("no account matches and the policy creates none")
            }
            DenyReason::NotScimProvisioned => {
                f.write_str("the account was not provisioned by SCIM, which the policy requires")
            }
            DenyReason::Inactive => f.write_str("the account is inactive"),
            DenyReason::Ambiguous => f.write_str("more than one account matches"),
            DenyReason::Conflict => {
                f.write_str("the userName belongs to another account; JIT does not merge accounts")
            }
        }
    }
}

/// What a login did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new account was made.
    Created,
    /// Mapped attributes were refreshed (their paths listed).
    Updated {
        /// The mapped paths whose values changed.
        changed: Vec<String>,
    },
    /// Nothing but `lastLogin` changed (no claim differed, or the policy
    /// keeps JIT away from the account's attributes).
    Unchanged,
    /// The login must be refused.
    Denied {
        /// Why.
        reason: DenyReason,
    },
}

impl Outcome {
    /// `created`, `updated`, `unchanged` or `denied`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Updated { .. } => "updated",
            Outcome::Unchanged => "unchanged",
            Outcome::Denied { .. } => "denied",
        }
    }

    /// Whether the user may be let in.
    pub fn is_allowed(&self) -> bool {
        !matches!(self, Outcome::Denied { .. })
    }
}

/// The answer to a login.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginResult {
    /// The account as stored after the login; `None` when no account
    /// matched (or it could not be told apart).
    pub user: Option<Value>,
    /// What happened.
    pub outcome: Outcome,
}

impl LoginResult {
    fn denied(user: Option<Value>, reason: DenyReason) -> Self {
        LoginResult {
            user,
            outcome: Outcome::Denied { reason },
        }
    }
}

/// The JIT provisioner of one store; cheap to share (`Arc`).
pub struct Jit {
    store: Arc<dyn ResourceStore>,
    registry: Arc<Registry>,
    config: JitConfig,
    rules: Vec<CompiledRule>,
    policies: Arc<PolicyMap>,
    events: Option<Arc<dyn EventSink>>,
    locks: KeyedLocks,
}

impl std::fmt::Debug for Jit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jit")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn id_of(resource: &Value) -> Result<String> {
    resource
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| ScimError::internal("a stored resource has no id"))
}

fn version_of(resource: &Value) -> Option<String> {
    resource
        .get("meta")?
        .get("version")?
        .as_str()
        .map(str::to_owned)
}

fn eq_filter(urn: Option<&str>, name: &str, value: &str) -> Filter {
    let mut path = AttrPath::new(name);
    if let Some(urn) = urn {
        path = path.with_urn(urn);
    }
    Filter::compare(path, CompareOp::Eq, CompValue::Str(value.to_owned()))
}

/// A write that keeps `meta` (id, created, location) from the stored
/// version and marks it modified at `now`.
fn restamp(next: &mut Value, current: &Value, now: OffsetDateTime) {
    if let (Value::Object(obj), Some(meta)) = (&mut *next, current.get("meta")) {
        obj.insert("meta".into(), meta.clone());
    }
    touch_meta(next, now);
}

fn is_inactive(user: &Value) -> bool {
    user.get("active") == Some(&Value::Bool(false))
}

impl Jit {
    /// A provisioner over `store` and `registry`. Fails with 400
    /// invalidPath when a mapping path does not fit the user type, 500
    /// when the registry lacks the user type or its provenance extension
    /// ([`provenance::register`]). Policies start as
    /// [`ProvisioningPolicy::Hybrid`] for every tenant; share the server's
    /// with [`Jit::with_policies`] (or build with [`Jit::for_server`]).
    pub fn new(
        store: Arc<dyn ResourceStore>,
        registry: Registry,
        config: JitConfig,
    ) -> Result<Jit> {
        Self::build(store, Arc::new(registry), config)
    }

    fn build(
        store: Arc<dyn ResourceStore>,
        registry: Arc<Registry>,
        config: JitConfig,
    ) -> Result<Jit> {
        let view = registry.view(&config.user_type).ok_or_else(|| {
            ScimError::internal(format!(
                "resource type {} is not registered",
                config.user_type
            ))
        })?;
        if provenance::urn_of(&view).is_none() {
            // Without provenance every account would read as SCIM-managed:
            // Hybrid would never refresh and the reaper never reap.
            return Err(ScimError::internal(format!(
                "resource type {} lacks the provenance extension: call \
                 jit::provenance::register on the registry first",
                config.user_type
            )));
        }
        let rules = config.mapping.compile(&view)?;
        Ok(Jit {
            store,
            registry,
            config,
            rules,
            policies: Arc::new(PolicyMap::default()),
            events: None,
            locks: KeyedLocks::default(),
        })
    }

    /// A provisioner sharing a SCIM server's store, registry, per-tenant
    /// policies and event sink (as set when this is called); `meta.location`
    /// uses the server's base URL (or base path) unless the config names
    /// one.
    pub fn for_server(server: &ScimServer, mut config: JitConfig) -> Result<Jit> {
        if config.base_url == JitConfig::default().base_url {
            config.base_url = server
                .config()
                .base_url
                .clone()
                .unwrap_or_else(|| server.config().base_path.clone());
        }
        let mut jit = Self::build(
            server.store().clone(),
            Arc::new(server.registry().clone()),
            config,
        )?;
        jit.policies = server.policies();
        jit.events = server.event_sink();
        Ok(jit)
    }

    /// Shares a policy map (the SCIM server's, so both see one policy).
    pub fn with_policies(mut self, policies: Arc<PolicyMap>) -> Self {
        self.policies = policies;
        self
    }

    /// Sends provisioning events to `sink`.
    pub fn with_event_sink(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.events = Some(sink);
        self
    }

    /// The per-tenant policies.
    pub fn policies(&self) -> &Arc<PolicyMap> {
        &self.policies
    }

    /// The configuration.
    pub fn config(&self) -> &JitConfig {
        &self.config
    }

    fn view(&self, rt: &str) -> Result<ResourceSchema<'_>> {
        self.registry
            .view(rt)
            .ok_or_else(|| ScimError::internal(format!("resource type {rt} is not registered")))
    }

    fn location(&self, view: &ResourceSchema<'_>, id: &str) -> String {
        format!(
            "{}/{}/{}",
            self.config.base_url.trim_end_matches('/'),
            view.resource_type.endpoint.trim_start_matches('/'),
            id
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn emit(
        &self,
        tenant: &str,
        view: &ResourceSchema<'_>,
        id: &str,
        operation: Operation,
        channel: Channel,
        changed: Vec<String>,
        now: OffsetDateTime,
    ) {
        if let Some(sink) = &self.events {
            let actor = match channel {
                Channel::Reaper => REAPER_ACTOR,
                _ => JIT_ACTOR,
            };
            sink.record(
                &ProvisioningEvent::new(
                    tenant,
                    view.resource_type.name.clone(),
                    id,
                    operation,
                    channel,
                    actor,
                )
                .with_changed(changed)
                .with_time(now),
            );
        }
    }

    /// Writes the mapped claims into `resource`; returns the paths whose
    /// values changed. When several rules target one path, the first whose
    /// claim is present wins.
    fn apply_mapping(&self, claims: &Claims, resource: &mut Value) -> Result<Vec<String>> {
        let mut written: Vec<String> = Vec::new();
        let mut changed = Vec::new();
        for rule in &self.rules {
            let key = rule.path().to_ascii_lowercase();
            if written.contains(&key) || claims.values(rule.claim()).is_empty() {
                continue;
            }
            written.push(key);
            if rule.apply(claims, resource)? {
                changed.push(rule.path().to_owned());
            }
        }
        Ok(changed)
    }

    /// Every account matching `filter` (at most two are read: more than
    /// one is ambiguous either way).
    async fn find(
        &self,
        tenant: &str,
        view: &ResourceSchema<'_>,
        filter: &Filter,
    ) -> Result<Vec<Value>> {
        let query = ListQuery::all(2).with_filter(filter.clone());
        Ok(self.store.list(tenant, view, &query).await?.resources)
    }

    /// Handles one verified login at the current time. See
    /// [`Jit::login_at`].
    pub async fn login(&self, tenant: &str, claims: &Claims) -> Result<LoginResult> {
        self.login_at(tenant, claims, OffsetDateTime::now_utc())
            .await
    }

    /// Handles one verified login as of `now`: finds the account by the
    /// match rule; on a first login creates it (unless the policy is
    /// `ScimOnly`); on later logins refreshes mapped attributes when the
    /// policy lets JIT manage the account; records `lastLogin`; syncs
    /// groups when configured. Inactive accounts are denied in every mode.
    ///
    /// Errors are store failures and claims that fail validation (a claim
    /// value that is not valid for its attribute: 400).
    pub async fn login_at(
        &self,
        tenant: &str,
        claims: &Claims,
        now: OffsetDateTime,
    ) -> Result<LoginResult> {
        let view = self.view(&self.config.user_type)?;
        let policy = self.policies.get(tenant);
        let ident = match self
            .config
            .match_rule
            .identify(&self.config.mapping, claims)
        {
            Ok(i) => i,
            Err(why) => {
                return Ok(LoginResult::denied(
                    None,
                    DenyReason::MissingIdentifier(why.to_owned()),
                ))
            }
        };
        let _held = self.locks.lock(format!("{tenant}\n{}", ident.key)).await;
        // Twice at most: a lost create race is followed by one re-read.
        for _ in 0..2 {
            let mut found = self.find(tenant, &view, &ident.filter).await?;
            if found.len() > 1 {
                return Ok(LoginResult::denied(None, DenyReason::Ambiguous));
            }
            if let Some(user) = found.pop() {
                return self
                    .returning(tenant, &view, policy, claims, user, now)
                    .await;
            }
            if policy == ProvisioningPolicy::ScimOnly {
                return Ok(LoginResult::denied(None, DenyReason::UnknownUser));
            }
            if let Some(user) = self.create_user(tenant, &view, claims, &ident, now).await? {
                self.sync_groups(tenant, policy, &user, claims, now).await?;
                return Ok(LoginResult {
                    user: Some(user),
                    outcome: Outcome::Created,
                });
            }
        }
        Ok(LoginResult::denied(None, DenyReason::Conflict))
    }

    /// Creates the account of a first login; `None` when a unique
    /// attribute is taken (a concurrent first login, or another account).
    async fn create_user(
        &self,
        tenant: &str,
        view: &ResourceSchema<'_>,
        claims: &Claims,
        ident: &Identity,
        now: OffsetDateTime,
    ) -> Result<Option<Value>> {
        let mut body = json!({
            "schemas": [view.core.id.clone()],
            "active": true,
        });
        self.apply_mapping(claims, &mut body)?;
        if let Value::Object(obj) = &mut body {
            // The identity wins over any mapping of the same attributes.
            obj.insert("userName".into(), Value::String(ident.user_name.clone()));
            if let Some(x) = &ident.external_id {
                obj.insert("externalId".into(), Value::String(x.clone()));
            }
        }
        if let Some(email) = &ident.email {
            // Matching by email must find the account next time even when
            // no mapping rule writes the address.
            let has = body["emails"].as_array().is_some_and(|a| {
                a.iter().any(|e| {
                    e["value"]
                        .as_str()
                        .is_some_and(|v| v.eq_ignore_ascii_case(email))
                })
            });
            if !has {
                if let Value::Object(obj) = &mut body {
                    obj.insert(
                        "emails".into(),
                        json!([{"value": email, "type": "work", "primary": true}]),
                    );
                }
            }
        }
        let mut user = prepare_create(view, body, &self.config.compat)?;
        provenance::stamp_created(view, &mut user, Source::Jit, Channel::Jit, now);
        provenance::stamp_login(view, &mut user, now);
        let id = uuid::Uuid::new_v4().to_string();
        if let Value::Object(obj) = &mut user {
            obj.insert("id".into(), Value::String(id.clone()));
            obj.insert(
                "meta".into(),
                new_meta(&view.resource_type.name, &self.location(view, &id), now),
            );
        }
        set_version(&mut user);
        match self.store.create(tenant, view, user).await {
            Ok(stored) => {
                let changed = changed_attributes(&Value::Null, &stored);
                self.emit(
                    tenant,
                    view,
                    &id,
                    Operation::Create,
                    Channel::Jit,
                    changed,
                    now,
                );
                Ok(Some(stored))
            }
            Err(StoreError::Uniqueness { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// A login that found its account.
    async fn returning(
        &self,
        tenant: &str,
        view: &ResourceSchema<'_>,
        policy: ProvisioningPolicy,
        claims: &Claims,
        mut current: Value,
        now: OffsetDateTime,
    ) -> Result<LoginResult> {
        let id = id_of(&current)?;
        for _ in 0..self.config.write_retries.max(1) {
            if is_inactive(&current) {
                return Ok(LoginResult::denied(Some(current), DenyReason::Inactive));
            }
            let managed = provenance::managed_by(view, &current);
            if policy == ProvisioningPolicy::ScimOnly && managed == Source::Jit {
                return Ok(LoginResult::denied(
                    Some(current),
                    DenyReason::NotScimProvisioned,
                ));
            }
            let refresh = match policy {
                ProvisioningPolicy::ScimOnly => false,
                ProvisioningPolicy::JitOnly => true,
                ProvisioningPolicy::Hybrid => managed == Source::Jit,
            };
            let mut changed = Vec::new();
            let mut next = if refresh {
                let mut candidate = current.clone();
                changed = self.apply_mapping(claims, &mut candidate)?;
                if changed.is_empty() {
                    current.clone()
                } else {
                    prepare_replace(view, &current, candidate, &self.config.compat)?
                }
            } else {
                current.clone()
            };
            provenance::stamp_login(view, &mut next, now);
            restamp(&mut next, &current, now);
            let expected = version_of(&current);
            match self
                .store
                .replace(tenant, view, &id, expected.as_deref(), next)
                .await
            {
                Ok(stored) => {
                    self.emit(
                        tenant,
                        view,
                        &id,
                        Operation::Login,
                        Channel::Jit,
                        changed.clone(),
                        now,
                    );
                    self.sync_groups(tenant, policy, &stored, claims, now)
                        .await?;
                    let outcome = if changed.is_empty() {
                        Outcome::Unchanged
                    } else {
                        Outcome::Updated { changed }
                    };
                    return Ok(LoginResult {
                        user: Some(stored),
                        outcome,
                    });
                }
                Err(StoreError::VersionMismatch { .. }) => {
                    current = match self.store.get(tenant, view, &id).await? {
                        Some(c) => c,
                        None => return Ok(LoginResult::denied(None, DenyReason::UnknownUser)),
                    };
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(ScimError::conflict(
            "the account kept changing concurrently; retry the login",
        ))
    }

    /// Read, change, compare-and-swap a resource until it sticks. `change`
    /// returns `None` to leave the resource alone. Returns the stored
    /// resource when written.
    async fn update(
        &self,
        tenant: &str,
        view: &ResourceSchema<'_>,
        id: &str,
        now: OffsetDateTime,
        mut change: impl FnMut(&Value) -> Result<Option<Value>>,
    ) -> Result<Option<Value>> {
        for _ in 0..self.config.write_retries.max(1) {
            let Some(current) = self.store.get(tenant, view, id).await? else {
                return Ok(None);
            };
            let Some(mut next) = change(&current)? else {
                return Ok(None);
            };
            restamp(&mut next, &current, now);
            let expected = version_of(&current);
            match self
                .store
                .replace(tenant, view, id, expected.as_deref(), next)
                .await
            {
                Ok(stored) => return Ok(Some(stored)),
                Err(StoreError::VersionMismatch { .. }) => continue,
                Err(StoreError::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(e.into()),
            }
        }
        Err(ScimError::conflict(
            "the resource kept changing concurrently; retry",
        ))
    }

    /// Brings the user's membership in JIT-managed groups in line with the
    /// groups claim.
    async fn sync_groups(
        &self,
        tenant: &str,
        policy: ProvisioningPolicy,
        user: &Value,
        claims: &Claims,
        now: OffsetDateTime,
    ) -> Result<()> {
        let Some(sync) = self.config.groups else {
            return Ok(());
        };
        if policy == ProvisioningPolicy::ScimOnly {
            return Ok(());
        }
        let Ok(gview) = self.view(&self.config.group_type) else {
            return Ok(());
        };
        // Without provenance on groups JIT cannot tell its groups apart.
        if provenance::urn_of(&gview).is_none() {
            return Ok(());
        }
        let user_id = id_of(user)?;
        let wanted = self.config.mapping.groups(claims);
        let is_wanted = |g: &Value| {
            g["displayName"]
                .as_str()
                .is_some_and(|n| wanted.iter().any(|w| w.eq_ignore_ascii_case(n)))
        };
        let has_member = |g: &Value| {
            g["members"].as_array().is_some_and(|m| {
                m.iter()
                    .any(|e| e["value"].as_str() == Some(user_id.as_str()))
            })
        };
        let compat = &self.config.compat;
        // Leave JIT-managed groups the claim no longer names.
        for g in self.store.member_of(tenant, &gview, &user_id).await? {
            if provenance::managed_by(&gview, &g) != Source::Jit || is_wanted(&g) {
                continue;
            }
            let gid = id_of(&g)?;
            let written = self
                .update(tenant, &gview, &gid, now, |current| {
                    if provenance::managed_by(&gview, current) != Source::Jit
                        || !has_member(current)
                    {
                        return Ok(None);
                    }
                    let mut next = current.clone();
                    if let Some(Value::Array(m)) = next.get_mut("members") {
                        m.retain(|e| e["value"].as_str() != Some(user_id.as_str()));
                    }
                    Ok(Some(prepare_replace(&gview, current, next, compat)?))
                })
                .await?;
            if written.is_some() {
                self.emit(
                    tenant,
                    &gview,
                    &gid,
                    Operation::Update,
                    Channel::Jit,
                    vec!["members".into()],
                    now,
                );
            }
        }
        let member = json!({"value": user_id, "type": self.config.user_type});
        for name in wanted {
            let _held = self
                .locks
                .lock(format!("{tenant}\ngroup:{}", name.to_lowercase()))
                .await;
            let filter = eq_filter(None, "displayName", name);
            let found = self.find(tenant, &gview, &filter).await?;
            let Some(g) = found.into_iter().next() else {
                if sync.create_missing {
                    self.create_group(tenant, &gview, name, &member, now)
                        .await?;
                }
                continue;
            };
            if provenance::managed_by(&gview, &g) != Source::Jit || has_member(&g) {
                continue;
            }
            let gid = id_of(&g)?;
            let written = self
                .update(tenant, &gview, &gid, now, |current| {
                    if provenance::managed_by(&gview, current) != Source::Jit || has_member(current)
                    {
                        return Ok(None);
                    }
                    let mut next = current.clone();
                    if let Value::Object(obj) = &mut next {
                        let members = obj
                            .entry("members")
                            .or_insert_with(|| Value::Array(Vec::new()));
                        if let Value::Array(m) = members {
                            m.push(member.clone());
                        }
                    }
                    Ok(Some(prepare_replace(&gview, current, next, compat)?))
                })
                .await?;
            if written.is_some() {
                self.emit(
                    tenant,
                    &gview,
                    &gid,
                    Operation::Update,
                    Channel::Jit,
                    vec!["members".into()],
                    now,
                );
            }
        }
        Ok(())
    }

    async fn create_group(
        &self,
        tenant: &str,
        gview: &ResourceSchema<'_>,
        name: &str,
        member: &Value,
        now: OffsetDateTime,
    ) -> Result<()> {
        let body = json!({
            "schemas": [gview.core.id.clone()],
            "displayName": name,
            "members": [member],
        });
        let mut group = prepare_create(gview, body, &self.config.compat)?;
        provenance::stamp_created(gview, &mut group, Source::Jit, Channel::Jit, now);
        let id = uuid::Uuid::new_v4().to_string();
        if let Value::Object(obj) = &mut group {
            obj.insert("id".into(), Value::String(id.clone()));
            obj.insert(
                "meta".into(),
                new_meta(&gview.resource_type.name, &self.location(gview, &id), now),
            );
        }
        set_version(&mut group);
        match self.store.create(tenant, gview, group).await {
            Ok(stored) => {
                let changed = changed_attributes(&Value::Null, &stored);
                self.emit(
                    tenant,
                    gview,
                    &id,
                    Operation::Create,
                    Channel::Jit,
                    changed,
                    now,
                );
                Ok(())
            }
            // A store that makes displayName unique: someone else made it.
            Err(StoreError::Uniqueness { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Deactivates JIT-managed users idle longer than `idle`, as of now.
    /// See [`Jit::reap_at`].
    pub async fn reap(&self, tenant: &str, idle: Duration, dry_run: bool) -> Result<Vec<Value>> {
        self.reap_at(tenant, idle, dry_run, OffsetDateTime::now_utc())
            .await
    }

    /// Deactivates (`active` = false; never deletes) the tenant's users
    /// that JIT made and still manages (provenance `source` and
    /// `managedBy` both `jit`), are active, and whose `lastLogin` (else
    /// provenance `created`) is older than `now - idle`. SCIM-managed
    /// accounts are never touched: their IdP deprovisions them. With
    /// `dry_run`, only lists who would be deactivated. Returns the users
    /// affected (as stored after the change, or as found in a dry run);
    /// each deactivation emits a `deactivate` event on the `reaper`
    /// channel.
    pub async fn reap_at(
        &self,
        tenant: &str,
        idle: Duration,
        dry_run: bool,
        now: OffsetDateTime,
    ) -> Result<Vec<Value>> {
        let view = self.view(&self.config.user_type)?;
        let Some(urn) = provenance::urn_of(&view) else {
            return Ok(Vec::new());
        };
        let cutoff = now - idle;
        let filter = Filter::and(
            eq_filter(Some(urn), provenance::attr::SOURCE, Source::Jit.as_str()),
            eq_filter(
                Some(urn),
                provenance::attr::MANAGED_BY,
                Source::Jit.as_str(),
            ),
        );
        const PAGE: usize = 200;
        let mut candidates = Vec::new();
        let mut start = 1;
        loop {
            let query = ListQuery::all(PAGE)
                .with_filter(filter.clone())
                .with_start_index(start);
            let page = self.store.list(tenant, &view, &query).await?;
            let n = page.resources.len();
            candidates.extend(
                page.resources
                    .into_iter()
                    .filter(|u| reapable(&view, u, cutoff)),
            );
            start += n;
            if n == 0 || start > page.total_results {
                break;
            }
        }
        if dry_run {
            return Ok(candidates);
        }
        let mut reaped = Vec::new();
        for user in candidates {
            let id = id_of(&user)?;
            let written = self
                .update(tenant, &view, &id, now, |current| {
                    // Checked again: the user may have logged in or been
                    // adopted since the list.
                    if !reapable(&view, current, cutoff) {
                        return Ok(None);
                    }
                    let mut next = current.clone();
                    if let Value::Object(obj) = &mut next {
                        obj.insert("active".into(), Value::Bool(false));
                    }
                    Ok(Some(next))
                })
                .await?;
            if let Some(stored) = written {
                self.emit(
                    tenant,
                    &view,
                    &id,
                    Operation::Deactivate,
                    Channel::Reaper,
                    vec!["active".into()],
                    now,
                );
                reaped.push(stored);
            }
        }
        Ok(reaped)
    }
}

/// Whether the reaper may deactivate `user`.
fn reapable(view: &ResourceSchema<'_>, user: &Value, cutoff: OffsetDateTime) -> bool {
    if is_inactive(user)
        || provenance::source(view, user) != Some(Source::Jit)
        || provenance::managed_by(view, user) != Source::Jit
    {
        return false;
    }
    let seen = provenance::last_login(view, user).or_else(|| {
        let created = provenance::of(view, user)?
            .get(provenance::attr::CREATED)?
            .as_str()?;
        OffsetDateTime::parse(created, &time::format_description::well_known::Rfc3339).ok()
    });
    seen.is_some_and(|t| t < cutoff)
}
