#![allow(clippy::unwrap_used)]

use super::*;
use crate::query::{execute, ListPage};
use crate::schema::USER_SCHEMA;
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Mutex;
use time::macros::datetime;

/// A minimal store: whole resources per tenant and type, userName unique
/// case-insensitively, versions compared as strings.
#[derive(Default)]
struct TestStore {
    data: Mutex<HashMap<(String, String), Vec<Value>>>,
}

fn key(tenant: &str, schema: &ResourceSchema<'_>) -> (String, String) {
    (tenant.to_owned(), schema.resource_type.name.clone())
}

fn user_name_taken(items: &[Value], r: &Value) -> bool {
    let Some(name) = r["userName"].as_str() else {
        return false;
    };
    items.iter().any(|o| {
        o["id"] != r["id"]
            && o["userName"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
    })
}

#[async_trait]
impl ResourceStore for TestStore {
    async fn create(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        resource: Value,
    ) -> std::result::Result<Value, StoreError> {
        let mut data = self.data.lock().unwrap();
        let items = data.entry(key(tenant, schema)).or_default();
        if user_name_taken(items, &resource) {
            return Err(StoreError::Uniqueness {
                attribute: "userName".into(),
            });
        }
        items.push(resource.clone());
        Ok(resource)
    }

    async fn get(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        id: &str,
    ) -> std::result::Result<Option<Value>, StoreError> {
        let data = self.data.lock().unwrap();
        Ok(data
            .get(&key(tenant, schema))
            .and_then(|items| items.iter().find(|r| r["id"] == id).cloned()))
    }

    async fn replace(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        id: &str,
        expected_version: Option<&str>,
        resource: Value,
    ) -> std::result::Result<Value, StoreError> {
        let mut data = self.data.lock().unwrap();
        let items = data.entry(key(tenant, schema)).or_default();
        let taken = user_name_taken(items, &resource);
        let Some(slot) = items.iter_mut().find(|r| r["id"] == id) else {
            return Err(StoreError::NotFound { id: id.into() });
        };
        let current = slot["meta"]["version"].as_str().unwrap_or("").to_owned();
        if let Some(want) = expected_version {
            if want != current {
                return Err(StoreError::VersionMismatch {
                    expected: want.into(),
                    current,
                });
            }
        }
        if taken {
            return Err(StoreError::Uniqueness {
                attribute: "userName".into(),
            });
        }
        *slot = resource.clone();
        Ok(resource)
    }

    async fn delete(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        id: &str,
        _expected_version: Option<&str>,
    ) -> std::result::Result<(), StoreError> {
        let mut data = self.data.lock().unwrap();
        if let Some(items) = data.get_mut(&key(tenant, schema)) {
            items.retain(|r| r["id"] != id);
        }
        Ok(())
    }

    async fn list(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        query: &ListQuery,
    ) -> std::result::Result<ListPage, StoreError> {
        let data = self.data.lock().unwrap();
        let empty = Vec::new();
        let items = data.get(&key(tenant, schema)).unwrap_or(&empty);
        execute(schema, items.iter(), query).map_err(StoreError::Query)
    }

    async fn member_of(
        &self,
        tenant: &str,
        group_schema: &ResourceSchema<'_>,
        member_id: &str,
    ) -> std::result::Result<Vec<Value>, StoreError> {
        let data = self.data.lock().unwrap();
        Ok(data
            .get(&key(tenant, group_schema))
            .map(|items| {
                items
                    .iter()
                    .filter(|g| {
                        g["members"]
                            .as_array()
                            .is_some_and(|m| m.iter().any(|e| e["value"] == member_id))
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default())
    }
}

fn registry() -> Registry {
    let mut r = Registry::with_builtins();
    provenance::register(&mut r).unwrap();
    r
}

struct Fixture {
    store: Arc<TestStore>,
    jit: Jit,
    events: MemorySink,
}

fn fixture(config: JitConfig) -> Fixture {
    let store = Arc::new(TestStore::default());
    let events = MemorySink::new();
    let jit = Jit::new(store.clone(), registry(), config)
        .unwrap()
        .with_event_sink(Arc::new(events.clone()));
    Fixture { store, jit, events }
}

const T0: OffsetDateTime = datetime!(2025-01-01 00:00 UTC);
const T1: OffsetDateTime = datetime!(2025-01-02 00:00 UTC);

fn bjensen() -> Claims {
    Claims::new()
        .with("sub", "248289761001")
        .with("preferred_username", "bjensen")
        .with("email", "bjensen@example.com")
        .with("given_name", "Barbara")
        .with("family_name", "Jensen")
}

impl Fixture {
    fn users(&self, tenant: &str) -> Vec<Value> {
        let data = self.store.data.lock().unwrap();
        data.get(&(tenant.to_owned(), "User".to_owned()))
            .cloned()
            .unwrap_or_default()
    }

    fn groups(&self, tenant: &str) -> Vec<Value> {
        let data = self.store.data.lock().unwrap();
        data.get(&(tenant.to_owned(), "Group".to_owned()))
            .cloned()
            .unwrap_or_default()
    }

    /// Stores a user as SCIM would (provenance scim) or as an older
    /// deployment did (no provenance).
    async fn scim_user(&self, tenant: &str, user_name: &str, with_provenance: bool) -> Value {
        let reg = registry();
        let view = reg.view("User").unwrap();
        let mut u = prepare_create(
            &view,
            json!({"schemas": [USER_SCHEMA], "userName": user_name,
                   "name": {"givenName": "Scim"}, "active": true,
                   "emails": [{"value": format!("{user_name}@example.com"), "type": "work"}]}),
            &Compat::standard(),
        )
        .unwrap();
        if with_provenance {
            provenance::stamp_created(&view, &mut u, Source::Scim, Channel::Scim, T0);
        }
        u["id"] = json!(uuid::Uuid::new_v4().to_string());
        u["meta"] = new_meta("User", "/Users/x", T0);
        set_version(&mut u);
        self.store.create(tenant, &view, u).await.unwrap()
    }
}

#[tokio::test]
async fn first_login_creates_a_jit_account_with_provenance() {
    let f = fixture(JitConfig::default());
    let r = f.jit.login_at("t", &bjensen(), T0).await.unwrap();
    assert_eq!(r.outcome, Outcome::Created);
    let user = r.user.unwrap();
    assert_eq!(user["userName"], "bjensen");
    assert_eq!(user["name"]["givenName"], "Barbara");
    assert_eq!(user["emails"][0]["value"], "bjensen@example.com");
    assert_eq!(user["emails"][0]["primary"], true);
    assert_eq!(user["active"], true);
    let p = &user[provenance::USER_PROVENANCE_URN];
    assert_eq!(p["source"], "jit");
    assert_eq!(p["createdBy"], "jit");
    assert_eq!(p["managedBy"], "jit");
    assert_eq!(p["lastLogin"], "2025-01-01T00:00:00Z");
    assert!(user["schemas"]
        .as_array()
        .unwrap()
        .contains(&json!(provenance::USER_PROVENANCE_URN)));
    assert_eq!(f.users("t").len(), 1);
    let events = f.events.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].operation, Operation::Create);
    assert_eq!(events[0].channel, Channel::Jit);
    assert!(events[0].changed.contains(&"userName".to_owned()));
}

#[tokio::test]
async fn later_logins_refresh_jit_accounts_and_record_last_login() {
    let f = fixture(JitConfig::default());
    f.jit.login_at("t", &bjensen(), T0).await.unwrap();
    let same = f.jit.login_at("t", &bjensen(), T1).await.unwrap();
    assert_eq!(same.outcome, Outcome::Unchanged);
    let user = same.user.unwrap();
    assert_eq!(
        user[provenance::USER_PROVENANCE_URN]["lastLogin"],
        "2025-01-02T00:00:00Z"
    );
    assert_eq!(
        user[provenance::USER_PROVENANCE_URN]["created"],
        "2025-01-01T00:00:00Z"
    );
    let renamed = Claims::new()
        .with("preferred_username", "bjensen")
        .with("given_name", "Babs")
        .with("email", "babs@example.com");
    let r = f.jit.login_at("t", &renamed, T1).await.unwrap();
    assert_eq!(
        r.outcome,
        Outcome::Updated {
            changed: vec![WORK_EMAIL.to_owned(), "name.givenName".to_owned()]
        }
    );
    let user = r.user.unwrap();
    assert_eq!(user["name"]["givenName"], "Babs");
    // An absent claim erases nothing.
    assert_eq!(user["name"]["familyName"], "Jensen");
    assert_eq!(user["emails"].as_array().unwrap().len(), 1);
    assert_eq!(f.users("t").len(), 1);
    let ops: Vec<_> = f.events.events().iter().map(|e| e.operation).collect();
    assert_eq!(
        ops,
        vec![Operation::Create, Operation::Login, Operation::Login]
    );
}

#[tokio::test]
async fn hybrid_never_changes_scim_managed_attributes() {
    let f = fixture(JitConfig::default());
    for (name, with_provenance) in [("bjensen", true), ("legacy", false)] {
        let before = f.scim_user("t", name, with_provenance).await;
        let claims = Claims::new()
            .with("preferred_username", name)
            .with("given_name", "Changed");
        let r = f.jit.login_at("t", &claims, T1).await.unwrap();
        assert_eq!(r.outcome, Outcome::Unchanged, "{name}");
        let after = r.user.unwrap();
        assert_eq!(after["name"], before["name"]);
        assert_eq!(
            after[provenance::USER_PROVENANCE_URN]["lastLogin"],
            "2025-01-02T00:00:00Z"
        );
        assert_eq!(
            provenance::managed_by(&registry().view("User").unwrap(), &after),
            Source::Scim
        );
    }
}

#[tokio::test]
async fn jit_only_refreshes_every_account() {
    let f = fixture(JitConfig::default());
    f.jit.policies().set("t", ProvisioningPolicy::JitOnly);
    f.scim_user("t", "bjensen", true).await;
    let r = f.jit.login_at("t", &bjensen(), T1).await.unwrap();
    assert!(
        matches!(r.outcome, Outcome::Updated { .. }),
        "{:?}",
        r.outcome
    );
    assert_eq!(r.user.unwrap()["name"]["givenName"], "Barbara");
}

#[tokio::test]
async fn scim_only_creates_nothing_and_admits_only_scim_accounts() {
    let f = fixture(JitConfig::default());
    f.jit.login_at("t", &bjensen(), T0).await.unwrap();
    f.jit.policies().set("t", ProvisioningPolicy::ScimOnly);
    let r = f.jit.login_at("t", &bjensen(), T1).await.unwrap();
    assert_eq!(
        r.outcome,
        Outcome::Denied {
            reason: DenyReason::NotScimProvisioned
        }
    );
    let unknown = Claims::new().with("preferred_username", "nobody");
    let r = f.jit.login_at("t", &unknown, T1).await.unwrap();
    assert_eq!(
        r.outcome,
        Outcome::Denied {
            reason: DenyReason::UnknownUser
        }
    );
    assert!(r.user.is_none());
    assert_eq!(f.users("t").len(), 1);
    f.scim_user("t", "scimmy", true).await;
    let r = f
        .jit
        .login_at(
            "t",
            &Claims::new()
                .with("preferred_username", "SCIMMY")
                .with("given_name", "X"),
            T1,
        )
        .await
        .unwrap();
    assert_eq!(r.outcome, Outcome::Unchanged);
    assert_eq!(r.user.unwrap()["name"]["givenName"], "Scim");
}

#[tokio::test]
async fn inactive_users_are_denied_in_every_mode() {
    let f = fixture(JitConfig::default());
    let user = f.scim_user("t", "bjensen", true).await;
    let reg = registry();
    let view = reg.view("User").unwrap();
    let mut off = user.clone();
    off["active"] = json!(false);
    f.store
        .replace("t", &view, user["id"].as_str().unwrap(), None, off)
        .await
        .unwrap();
    for policy in [
        ProvisioningPolicy::ScimOnly,
        ProvisioningPolicy::JitOnly,
        ProvisioningPolicy::Hybrid,
    ] {
        f.jit.policies().set("t", policy);
        let r = f.jit.login_at("t", &bjensen(), T1).await.unwrap();
        assert_eq!(
            r.outcome,
            Outcome::Denied {
                reason: DenyReason::Inactive
            },
            "{policy:?}"
        );
        assert!(!r.outcome.is_allowed());
    }
    assert!(f.events.events().is_empty());
}

#[tokio::test]
async fn missing_identifiers_are_denied_and_bad_values_are_errors() {
    let f = fixture(JitConfig::default());
    let r = f
        .jit
        .login_at("t", &Claims::new().with("given_name", "x"), T0)
        .await
        .unwrap();
    assert!(matches!(
        r.outcome,
        Outcome::Denied {
            reason: DenyReason::MissingIdentifier(_)
        }
    ));
    let f =
        fixture(JitConfig::default().with_mapping(ClaimMapping::oidc().with("nickname", "active")));
    let claims = bjensen().with("nickname", "maybe");
    let e = f.jit.login_at("t", &claims, T0).await.unwrap_err();
    assert_eq!(e.status(), 400);
    assert!(f.users("t").is_empty());
    let e = Jit::new(
        Arc::new(TestStore::default()),
        registry(),
        JitConfig::default().with_mapping(ClaimMapping::new().with("x", "nope")),
    )
    .unwrap_err();
    assert_eq!(e.status(), 400);
    let e = Jit::new(
        Arc::new(TestStore::default()),
        Registry::with_builtins(),
        JitConfig::default(),
    )
    .unwrap_err();
    assert!(e.detail().contains("provenance"), "{e}");
}

#[tokio::test]
async fn external_id_rule_sets_issuer_subject_and_refuses_to_merge() {
    let rule = MatchRule::ExternalId {
        issuer: "https://idp.example.com".into(),
    };
    let f = fixture(JitConfig::default().with_match_rule(rule));
    let r = f.jit.login_at("t", &bjensen(), T0).await.unwrap();
    assert_eq!(r.outcome, Outcome::Created);
    assert_eq!(
        r.user.unwrap()["externalId"],
        "https://idp.example.com|248289761001"
    );
    // Same username, different subject: another person; no merge.
    let other_claims = Claims::new()
        .with("sub", "999")
        .with("preferred_username", "bjensen");
    let r = f.jit.login_at("t", &other_claims, T1).await.unwrap();
    assert_eq!(
        r.outcome,
        Outcome::Denied {
            reason: DenyReason::Conflict
        }
    );
    assert_eq!(f.users("t").len(), 1);
}

#[tokio::test]
async fn email_rule_matches_by_address_and_denies_ambiguity() {
    let f = fixture(JitConfig::default().with_match_rule(MatchRule::Email));
    f.scim_user("t", "a", true).await;
    let r = f
        .jit
        .login_at("t", &Claims::new().with("email", "A@example.com"), T0)
        .await
        .unwrap();
    assert_eq!(r.outcome, Outcome::Unchanged);
    assert_eq!(r.user.unwrap()["userName"], "a");
    // A second account with that address makes the match ambiguous.
    let reg = registry();
    let view = reg.view("User").unwrap();
    let mut dup = f.scim_user("t", "b", true).await;
    dup["emails"] = json!([{"value": "a@example.com"}]);
    f.store
        .replace("t", &view, &id_of(&dup).unwrap(), None, dup)
        .await
        .unwrap();
    let r = f
        .jit
        .login_at("t", &Claims::new().with("email", "a@example.com"), T0)
        .await
        .unwrap();
    assert_eq!(
        r.outcome,
        Outcome::Denied {
            reason: DenyReason::Ambiguous
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_logins_make_one_account() {
    for rule in [
        MatchRule::UserName,
        MatchRule::ExternalId { issuer: "i".into() },
        MatchRule::Email,
    ] {
        let f = fixture(JitConfig::default().with_match_rule(rule.clone()));
        let jit = Arc::new(f.jit);
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let jit = jit.clone();
                tokio::spawn(async move { jit.login("t", &bjensen()).await.unwrap() })
            })
            .collect();
        let mut created = 0;
        for t in tasks {
            let r = t.await.unwrap();
            assert!(r.outcome.is_allowed(), "{rule:?}: {:?}", r.outcome);
            created += usize::from(r.outcome == Outcome::Created);
        }
        assert_eq!(created, 1, "{rule:?}");
        let data = f.store.data.lock().unwrap();
        assert_eq!(
            data[&("t".to_owned(), "User".to_owned())].len(),
            1,
            "{rule:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_processes_collide_on_user_name_and_make_one_account() {
    // Two provisioners over one store share no lock: the store's userName
    // uniqueness alone must keep the account single.
    let store = Arc::new(TestStore::default());
    let rule = MatchRule::ExternalId { issuer: "i".into() };
    let jits: Vec<Arc<Jit>> = (0..2)
        .map(|_| {
            Arc::new(
                Jit::new(
                    store.clone(),
                    registry(),
                    JitConfig::default().with_match_rule(rule.clone()),
                )
                .unwrap(),
            )
        })
        .collect();
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let jit = jits[i % 2].clone();
            tokio::spawn(async move { jit.login("t", &bjensen()).await.unwrap() })
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap().outcome.is_allowed());
    }
    let data = store.data.lock().unwrap();
    assert_eq!(data[&("t".to_owned(), "User".to_owned())].len(), 1);
}

#[tokio::test]
async fn group_sync_manages_only_jit_groups() {
    let f = fixture(JitConfig::default().with_groups(GroupSync {
        create_missing: true,
    }));
    let reg = registry();
    let gview = reg.view("Group").unwrap();
    // A SCIM-managed group named in the claim is left alone.
    let mut scim_group = prepare_create(
        &gview,
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Admins"}),
        &Compat::standard(),
    )
    .unwrap();
    provenance::stamp_created(&gview, &mut scim_group, Source::Scim, Channel::Scim, T0);
    scim_group["id"] = json!("g-admins");
    scim_group["meta"] = new_meta("Group", "/Groups/g-admins", T0);
    set_version(&mut scim_group);
    f.store.create("t", &gview, scim_group).await.unwrap();

    let claims = bjensen()
        .with("groups", "Engineering")
        .with("groups", "Admins");
    let user = f
        .jit
        .login_at("t", &claims, T0)
        .await
        .unwrap()
        .user
        .unwrap();
    let uid = id_of(&user).unwrap();
    let groups = f.groups("t");
    assert_eq!(groups.len(), 2);
    let eng = groups
        .iter()
        .find(|g| g["displayName"] == "Engineering")
        .unwrap();
    assert_eq!(eng["members"][0]["value"], uid);
    assert_eq!(eng[provenance::GROUP_PROVENANCE_URN]["managedBy"], "jit");
    let admins = groups
        .iter()
        .find(|g| g["displayName"] == "Admins")
        .unwrap();
    assert!(admins.get("members").is_none());

    // A second person joins the existing JIT group.
    let other = Claims::new()
        .with("preferred_username", "other")
        .with("groups", "engineering");
    f.jit.login_at("t", &other, T0).await.unwrap();
    let eng = f
        .groups("t")
        .into_iter()
        .find(|g| g["displayName"] == "Engineering")
        .unwrap();
    assert_eq!(eng["members"].as_array().unwrap().len(), 2);

    // Dropped from the claim: removed from the JIT group.
    f.jit.login_at("t", &bjensen(), T1).await.unwrap();
    let eng = f
        .groups("t")
        .into_iter()
        .find(|g| g["displayName"] == "Engineering")
        .unwrap();
    let members: Vec<_> = eng["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].clone())
        .collect();
    assert!(!members.contains(&json!(uid)));
    assert_eq!(members.len(), 1);

    // Without create_missing, unknown groups are not made.
    let f = fixture(JitConfig::default().with_groups(GroupSync::default()));
    f.jit
        .login_at("t", &bjensen().with("groups", "New"), T0)
        .await
        .unwrap();
    assert!(f.groups("t").is_empty());
}

#[tokio::test]
async fn reaper_deactivates_only_idle_jit_accounts() {
    let f = fixture(JitConfig::default());
    let old = Claims::new().with("preferred_username", "old");
    let recent = Claims::new().with("preferred_username", "recent");
    let adopted = Claims::new().with("preferred_username", "adopted");
    f.jit.login_at("t", &old, T0).await.unwrap();
    f.jit.login_at("t", &adopted, T0).await.unwrap();
    f.jit.login_at("t", &recent, T1).await.unwrap();
    f.scim_user("t", "scim", true).await;
    // Adopt one account the way a SCIM write does.
    let reg = registry();
    let view = reg.view("User").unwrap();
    let a = f
        .users("t")
        .into_iter()
        .find(|u| u["userName"] == "adopted")
        .unwrap();
    let mut next = a.clone();
    provenance::adopt(&view, &a, &mut next);
    f.store
        .replace("t", &view, &id_of(&a).unwrap(), None, next)
        .await
        .unwrap();
    f.events.take();

    let now = T1 + time::Duration::hours(12);
    let idle = Duration::from_secs(24 * 3600);
    let listed = f.jit.reap_at("t", idle, true, now).await.unwrap();
    let names: Vec<_> = listed.iter().map(|u| u["userName"].clone()).collect();
    assert_eq!(names, vec![json!("old")]);
    assert!(f.users("t").iter().all(|u| u["active"] == true));
    assert!(f.events.events().is_empty());

    let reaped = f.jit.reap_at("t", idle, false, now).await.unwrap();
    assert_eq!(reaped.len(), 1);
    assert_eq!(reaped[0]["active"], false);
    let active: Vec<_> = f
        .users("t")
        .iter()
        .filter(|u| u["active"] == true)
        .map(|u| u["userName"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(active, vec!["adopted", "recent", "scim"]);
    let events = f.events.take();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].operation, Operation::Deactivate);
    assert_eq!(events[0].channel, Channel::Reaper);
    // Nothing left to reap; the reaped user is now denied.
    assert!(f
        .jit
        .reap_at("t", idle, false, now)
        .await
        .unwrap()
        .is_empty());
    let r = f.jit.login_at("t", &old, now).await.unwrap();
    assert_eq!(
        r.outcome,
        Outcome::Denied {
            reason: DenyReason::Inactive
        }
    );
}

#[tokio::test]
async fn tenants_are_separate() {
    let f = fixture(JitConfig::default());
    f.jit.policies().set("closed", ProvisioningPolicy::ScimOnly);
    assert_eq!(
        f.jit
            .login_at("open", &bjensen(), T0)
            .await
            .unwrap()
            .outcome,
        Outcome::Created
    );
    assert!(!f
        .jit
        .login_at("closed", &bjensen(), T0)
        .await
        .unwrap()
        .outcome
        .is_allowed());
    assert_eq!(
        f.jit
            .login_at("other", &bjensen(), T0)
            .await
            .unwrap()
            .outcome,
        Outcome::Created
    );
}
