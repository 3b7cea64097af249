//! JIT provisioning beside SCIM: the /jit demo endpoints, provenance,
//! the per-tenant policy, the reaper and provisioning events.

use super::{assert_error, id, App, Reply, TOKEN};
use axum::body::Body;
use http::{Request, StatusCode};
use scim_core::jit::{
    provenance::USER_PROVENANCE_URN, Channel, MemorySink, Operation, ProvisioningPolicy,
};
use scim_core::store::ResourceStore;
use scim_store_memory::MemoryStore;
use serde_json::{json, Value};
use std::sync::Arc;

const P: &str = USER_PROVENANCE_URN;

struct Jit {
    app: App,
    store: Arc<MemoryStore>,
    events: MemorySink,
}

fn jit_app(policy: ProvisioningPolicy) -> Jit {
    let store = Arc::new(MemoryStore::new());
    let events = MemorySink::new();
    let server = scim_axum_example::server(store.clone(), TOKEN, "t1");
    server.set_tenant_policy("t1", policy);
    server.set_event_sink(Arc::new(events.clone()));
    Jit {
        app: App {
            router: scim_axum_example::app(server),
        },
        store,
        events,
    }
}

impl Jit {
    async fn post(&self, path: &str, body: Value) -> Reply {
        let req = Request::builder()
            .method("POST")
            .uri(path)
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.app.raw(req).await
    }

    async fn login(&self, claims: Value) -> Reply {
        self.post("/jit/login", json!({ "claims": claims })).await
    }

    async fn reap(&self, idle_days: u64, dry_run: bool) -> Reply {
        self.post(
            "/jit/reap",
            json!({"idleDays": idle_days, "dryRun": dry_run}),
        )
        .await
    }

    async fn user(&self, id: &str) -> Value {
        let r = self.app.call("GET", &format!("/Users/{id}"), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body
    }

    /// Moves a user's lastLogin into the past, as if they had not signed
    /// in since.
    async fn set_last_login(&self, id: &str, when: &str) {
        let registry = scim_axum_example::registry();
        let view = registry.view("User").unwrap();
        let mut u = self.store.get("t1", &view, id).await.unwrap().unwrap();
        u[P]["lastLogin"] = json!(when);
        self.store.replace("t1", &view, id, None, u).await.unwrap();
    }
}

fn bjensen(given: &str) -> Value {
    json!({
        "sub": "248289761001",
        "preferred_username": "bjensen",
        "email": "bjensen@example.com",
        "given_name": given,
        "family_name": "Jensen",
        "groups": ["Engineering"]
    })
}

#[tokio::test]
async fn first_login_creates_a_jit_account_visible_over_scim() {
    let j = jit_app(ProvisioningPolicy::Hybrid);
    let r = j.login(bjensen("Barbara")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["outcome"], "created");
    let uid = id(&r.body["user"]);
    let user = j.user(&uid).await;
    assert_eq!(user["userName"], "bjensen");
    assert_eq!(user["name"]["givenName"], "Barbara");
    assert_eq!(user["emails"][0]["value"], "bjensen@example.com");
    assert_eq!(user[P]["source"], "jit");
    assert_eq!(user[P]["createdBy"], "jit");
    assert_eq!(user[P]["managedBy"], "jit");
    assert!(user[P]["lastLogin"].is_string());
    assert!(user["schemas"].as_array().unwrap().contains(&json!(P)));
    // The group claim made a JIT-managed group with the user in it.
    assert_eq!(user["groups"][0]["display"], "Engineering");
    // The provenance schema is served like any other.
    let r = j.app.call("GET", &format!("/Schemas/{P}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let attrs: Vec<&str> = r.body["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(a["mutability"], "readOnly");
            a["name"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        attrs,
        ["source", "createdBy", "created", "lastLogin", "managedBy"]
    );
    let r = j.app.call("GET", "/ResourceTypes/User", None).await;
    assert!(r.body["schemaExtensions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["schema"] == P));
}

#[tokio::test]
async fn later_logins_update_only_what_the_policy_allows() {
    let j = jit_app(ProvisioningPolicy::Hybrid);
    let uid = id(&j.login(bjensen("Barbara")).await.body["user"]);
    let r = j.login(bjensen("Babs")).await;
    assert_eq!(r.body["outcome"], "updated", "{}", r.body);
    assert_eq!(r.body["changed"], json!(["name.givenName"]));
    assert_eq!(j.user(&uid).await["name"]["givenName"], "Babs");
    let r = j.login(bjensen("Babs")).await;
    assert_eq!(r.body["outcome"], "unchanged");

    // A SCIM-made account: JIT lets the user in but changes nothing.
    let scim = j.app.create_user("alice").await;
    assert_eq!(scim[P]["source"], "scim");
    assert_eq!(scim[P]["createdBy"], "scim");
    assert_eq!(scim[P]["managedBy"], "scim");
    let r = j
        .login(json!({"preferred_username": "alice", "given_name": "Changed"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["outcome"], "unchanged");
    let alice = j.user(&id(&scim)).await;
    assert_eq!(alice["name"]["givenName"], "Given");
    assert!(alice[P]["lastLogin"].is_string());
}

#[tokio::test]
async fn a_scim_write_adopts_a_jit_account() {
    for method in ["PATCH", "PUT"] {
        let j = jit_app(ProvisioningPolicy::Hybrid);
        let uid = id(&j.login(bjensen("Barbara")).await.body["user"]);
        let body = if method == "PATCH" {
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "title", "value": "Engineer"}]
            })
        } else {
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "bjensen",
                "name": {"givenName": "Barbara", "familyName": "Jensen"},
                "title": "Engineer",
                // Clients cannot write provenance: ignored.
                P: {"managedBy": "jit", "source": "scim"}
            })
        };
        let r = j
            .app
            .call(method, &format!("/Users/{uid}"), Some(body))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{method}: {}", r.body);
        assert_eq!(r.body[P]["managedBy"], "scim", "{method}");
        assert_eq!(r.body[P]["source"], "jit", "{method}");
        assert_eq!(r.body[P]["createdBy"], "jit", "{method}");
        // Later logins no longer change SCIM-managed attributes.
        let r = j.login(bjensen("Babs")).await;
        assert_eq!(r.body["outcome"], "unchanged", "{method}: {}", r.body);
        let user = j.user(&uid).await;
        assert_eq!(user["name"]["givenName"], "Barbara", "{method}");
        assert_eq!(user["title"], "Engineer", "{method}");
    }
}

#[tokio::test]
async fn clients_cannot_patch_provenance_and_a_taken_user_name_is_still_409() {
    let j = jit_app(ProvisioningPolicy::Hybrid);
    let uid = id(&j.login(bjensen("Barbara")).await.body["user"]);
    let r = j
        .app
        .call(
            "PATCH",
            &format!("/Users/{uid}"),
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": format!("{P}:managedBy"), "value": "scim"}]
            })),
        )
        .await;
    assert_error(&r, 400, Some("mutability"));
    assert_eq!(j.user(&uid).await[P]["managedBy"], "jit");
    let r = j
        .app
        .call(
            "POST",
            "/Users",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "BJENSEN"
            })),
        )
        .await;
    assert_error(&r, 409, Some("uniqueness"));
}

#[tokio::test]
async fn scim_only_denies_unknown_users_and_creates_nothing() {
    let j = jit_app(ProvisioningPolicy::ScimOnly);
    let r = j.login(bjensen("Barbara")).await;
    assert_error(&r, 403, None);
    assert_eq!(r.body["outcome"], "denied");
    assert_eq!(r.body["reason"], "unknownUser");
    let r = j.app.call("GET", "/Users", None).await;
    assert_eq!(r.body["totalResults"], 0);
    let r = j.app.call("GET", "/Groups", None).await;
    assert_eq!(r.body["totalResults"], 0);
    // A SCIM-provisioned user gets in, unchanged.
    let scim = j.app.create_user("bjensen").await;
    let r = j.login(bjensen("Barbara")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["outcome"], "unchanged");
    assert_eq!(id(&r.body["user"]), id(&scim));
    assert_eq!(j.user(&id(&scim)).await["name"]["givenName"], "Given");
}

#[tokio::test]
async fn jit_only_refuses_scim_writes_but_jit_works() {
    let j = jit_app(ProvisioningPolicy::JitOnly);
    let r = j.login(bjensen("Barbara")).await;
    assert_eq!(r.body["outcome"], "created", "{}", r.body);
    let uid = id(&r.body["user"]);
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "x"
    });
    let patch = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "title", "value": "x"}]
    });
    let bulk = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [{"method": "POST", "path": "/Users", "bulkId": "a", "data": user}]
    });
    let cases = [
        ("POST", "/Users".to_owned(), Some(user.clone())),
        (
            "POST",
            "/Groups".to_owned(),
            Some(json!({"displayName": "g"})),
        ),
        ("PUT", format!("/Users/{uid}"), Some(user.clone())),
        ("PATCH", format!("/Users/{uid}"), Some(patch)),
        ("DELETE", format!("/Users/{uid}"), None),
        ("POST", "/Bulk".to_owned(), Some(bulk)),
    ];
    for (method, path, body) in cases {
        let r = j.app.call(method, &path, body).await;
        assert_error(&r, 403, None);
        assert!(
            r.body["detail"].as_str().unwrap().contains("jit-only"),
            "{method} {path}: {}",
            r.body
        );
    }
    // Reads still work, and nothing changed.
    let r = j.app.call("GET", "/Users", None).await;
    assert_eq!(r.body["totalResults"], 1);
    let r = j
        .app
        .call(
            "POST",
            "/Users/.search",
            Some(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(j.user(&uid).await.get("title"), None);
    // JIT keeps refreshing.
    let r = j.login(bjensen("Babs")).await;
    assert_eq!(r.body["outcome"], "updated");
}

#[tokio::test]
async fn the_reaper_deactivates_only_idle_jit_accounts() {
    let j = jit_app(ProvisioningPolicy::Hybrid);
    let idle = id(&j.login(json!({"preferred_username": "idle"})).await.body["user"]);
    let recent = id(&j.login(json!({"preferred_username": "recent"})).await.body["user"]);
    let adopted = id(&j.login(json!({"preferred_username": "adopted"})).await.body["user"]);
    let scim = id(&j.app.create_user("scim").await);
    j.set_last_login(&idle, "2020-01-01T00:00:00Z").await;
    j.set_last_login(&adopted, "2020-01-01T00:00:00Z").await;
    let r = j
        .app
        .call(
            "PATCH",
            &format!("/Users/{adopted}"),
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "active", "value": true}]
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let r = j.reap(30, true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ids: Vec<String> = r.body["users"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(ids, vec![idle.clone()]);
    assert_eq!(
        j.user(&idle).await["active"],
        true,
        "a dry run changes nothing"
    );

    j.events.take();
    let r = j.reap(30, false).await;
    let ids: Vec<String> = r.body["users"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(ids, vec![idle.clone()]);
    assert_eq!(r.body["users"][0]["active"], false);
    assert_eq!(j.user(&idle).await["active"], false);
    for other in [&recent, &adopted, &scim] {
        assert_eq!(j.user(other).await["active"], true);
    }
    let events = j.events.take();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (
            events[0].operation,
            events[0].channel,
            events[0].id.as_str()
        ),
        (Operation::Deactivate, Channel::Reaper, idle.as_str())
    );
    // The reaped user is denied at login; a second run finds no one.
    let r = j.login(json!({"preferred_username": "idle"})).await;
    assert_error(&r, 403, None);
    assert_eq!(r.body["reason"], "inactive");
    assert_eq!(j.reap(30, false).await.body["users"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_first_logins_make_one_account() {
    let j = Arc::new(jit_app(ProvisioningPolicy::Hybrid));
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let j = j.clone();
            tokio::spawn(async move { j.login(bjensen("Barbara")).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        outcomes.push(r.body["outcome"].as_str().unwrap().to_owned());
    }
    assert_eq!(outcomes.iter().filter(|o| *o == "created").count(), 1);
    let r = j.app.call("GET", "/Users", None).await;
    assert_eq!(r.body["totalResults"], 1);
    let r = j.app.call("GET", "/Groups", None).await;
    assert_eq!(r.body["totalResults"], 1);
    assert_eq!(
        r.body["Resources"][0]["members"].as_array().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn events_are_recorded_for_every_channel() {
    let j = jit_app(ProvisioningPolicy::Hybrid);
    let alice = id(&j.app.create_user("alice").await);
    let r = j
        .app
        .call(
            "POST",
            "/Bulk",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                "Operations": [{"method": "POST", "path": "/Users", "bulkId": "b", "data": {
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bob"
                }}]
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let bob = r.body["Operations"][0]["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(j.user(&bob).await[P]["createdBy"], "bulk");
    let jit = id(&j.login(bjensen("Barbara")).await.body["user"]);
    let r = j
        .app
        .call(
            "PATCH",
            &format!("/Users/{alice}"),
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "title", "value": "Boss"}]
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = j.app.call("DELETE", &format!("/Users/{bob}"), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    j.set_last_login(&jit, "2020-01-01T00:00:00Z").await;
    j.reap(1, false).await;

    let got: Vec<(String, Operation, Channel, String, String)> = j
        .events
        .events()
        .into_iter()
        .map(|e| (e.resource_type, e.operation, e.channel, e.actor, e.id))
        .collect();
    let want = vec![
        (
            "User",
            Operation::Create,
            Channel::Scim,
            "t1",
            alice.as_str(),
        ),
        ("User", Operation::Create, Channel::Bulk, "t1", bob.as_str()),
        ("User", Operation::Create, Channel::Jit, "jit", jit.as_str()),
        ("Group", Operation::Create, Channel::Jit, "jit", ""),
        (
            "User",
            Operation::Patch,
            Channel::Scim,
            "t1",
            alice.as_str(),
        ),
        ("User", Operation::Delete, Channel::Scim, "t1", bob.as_str()),
        (
            "User",
            Operation::Deactivate,
            Channel::Reaper,
            "reaper",
            jit.as_str(),
        ),
    ];
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!((g.0.as_str(), g.1, g.2, g.3.as_str()), (w.0, w.1, w.2, w.3));
        if !w.4.is_empty() {
            assert_eq!(g.4, w.4);
        }
    }
    let events = j.events.events();
    let patch = &events[4];
    assert!(
        patch.changed.contains(&"title".to_owned()),
        "{:?}",
        patch.changed
    );
    // Names only, never values.
    assert!(events.iter().all(|e| e
        .changed
        .iter()
        .all(|c| !c.contains("Boss") && !c.contains("alice"))));
}

#[tokio::test]
async fn jit_endpoints_need_the_token_and_answer_errors_as_scim_errors() {
    let j = jit_app(ProvisioningPolicy::Hybrid);
    let req = Request::builder()
        .method("POST")
        .uri("/jit/login")
        .body(Body::from(json!({"claims": {"sub": "x"}}).to_string()))
        .unwrap();
    let r = j.app.raw(req).await;
    assert_error(&r, 401, None);
    let bad = [
        ("/jit/login", json!({})),
        ("/jit/login", json!({"claims": "x"})),
        ("/jit/login", json!({"claims": {"email": {"nested": 1}}})),
        ("/jit/reap", json!({"dryRun": true})),
        ("/jit/reap", json!({"idleDays": -1})),
        ("/jit/reap", json!({"idleDays": 1, "dryRun": "yes"})),
        ("/jit/reap", json!([1])),
    ];
    for (path, body) in bad {
        let r = j.post(path, body.clone()).await;
        assert_error(&r, 400, None);
        assert!(r.body["detail"].is_string(), "{path} {body}");
    }
    let r = j.login(json!({"given_name": "nobody"})).await;
    assert_error(&r, 403, None);
    assert_eq!(r.body["reason"], "missingIdentifier");
}
