//! The SCIM HTTP API through `ScimServer` over the tables, with the
//! narrowed registry the example server uses.

use bytes::Bytes;
use scim_core::server::{BearerTokens, ScimServer, ServerConfig};
use scim_existing_table_example::{registry, TableStore};
use serde_json::{json, Value};
use std::sync::Arc;

const TOKEN: &str = "test-token";

struct Api {
    server: ScimServer,
}

impl Api {
    fn new(store: TableStore) -> Api {
        let auth = BearerTokens::new().with_token(TOKEN, "acme");
        let config = ServerConfig::default()
            .with_base_url(crate::BASE)
            .with_base_path("/v2")
            .with_reject_unknown_members(true);
        Api {
            server: ScimServer::new(registry(), Arc::new(store), Arc::new(auth), config),
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let request = http::Request::builder()
            .method(method)
            .uri(format!("/v2{path}"))
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", "application/scim+json")
            .body(Bytes::from(body))
            .unwrap();
        let response = self.server.handle(request).await;
        let status = response.status().as_u16();
        let body = response.into_body();
        let json = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body).unwrap()
        };
        (status, json)
    }

    async fn create_user(&self, body: Value) -> Value {
        let (status, created) = self.call("POST", "/Users", Some(body.clone())).await;
        assert_eq!(status, 201, "{body} -> {created}");
        created
    }

    /// The userNames a list request answers, in order, and totalResults.
    async fn user_names(&self, query: &str) -> (Vec<String>, u64) {
        let (status, body) = self.call("GET", &format!("/Users?{query}"), None).await;
        assert_eq!(status, 200, "{query} -> {body}");
        let names = body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["userName"].as_str().unwrap().to_owned())
            .collect();
        (names, body["totalResults"].as_u64().unwrap())
    }
}

fn enc(filter: &str) -> String {
    filter
        .replace('%', "%25")
        .replace(' ', "%20")
        .replace('"', "%22")
        .replace('@', "%40")
}

fn user_body(user_name: &str, given: &str, family: &str, email: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "displayName": format!("{given} {family}"),
        "emails": [{"value": email, "type": "work", "primary": true}],
        "active": true,
    })
}

async fn scenario(store: TableStore) {
    let api = Api::new(store);
    // Create, and read back exactly what the POST answered.
    let bjensen = api
        .create_user(user_body(
            "bjensen",
            "Barbara",
            "Jensen",
            "bjensen@example.com",
        ))
        .await;
    assert_eq!(bjensen["name"]["familyName"], "Jensen");
    assert_eq!(
        bjensen["emails"],
        json!([{"value": "bjensen@example.com", "type": "work", "primary": true}])
    );
    let id = bjensen["id"].as_str().unwrap().to_owned();
    assert_eq!(
        bjensen["meta"]["location"],
        format!("{}/Users/{id}", crate::BASE)
    );
    let (status, got) = api.call("GET", &format!("/Users/{id}"), None).await;
    assert_eq!((status, &got), (200, &bjensen));
    for (u, g, f, e) in [
        ("JSmith", "John", "Smith", "john@example.org"),
        ("mjensen", "Mike", "jensen", "mike@work.example.com"),
        ("alice", "Alice", "Adams", "alice@example.com"),
        ("zed", "Zed", "Zimmer", "ZED@EXAMPLE.COM"),
    ] {
        api.create_user(user_body(u, g, f, e)).await;
    }
    // userName is unique under its case rule.
    let (status, body) = api
        .call(
            "POST",
            "/Users",
            Some(user_body("BJENSEN", "B", "J", "b@x.org")),
        )
        .await;
    assert_eq!(
        (status, body["scimType"].as_str()),
        (409, Some("uniqueness")),
        "{body}"
    );
    // An attribute the tables lack is refused before it reaches them.
    let mut nick = user_body("nick", "N", "N", "n@x.org");
    nick["nickName"] = json!("Nicky");
    let (status, body) = api.call("POST", "/Users", Some(nick)).await;
    assert_eq!(
        (status, body["scimType"].as_str()),
        (400, Some("invalidValue")),
        "{body}"
    );

    // Filters, pushed down into the columns.
    let cases: &[(&str, &[&str])] = &[
        (r#"userName eq "BJensen""#, &["bjensen"]),
        (
            r#"emails co "example.com""#,
            &["bjensen", "mjensen", "alice", "zed"],
        ),
        (r#"emails[type eq "work" and value ew ".org"]"#, &["JSmith"]),
        (r#"name.familyName sw "JEN""#, &["bjensen", "mjensen"]),
        (
            r#"name.familyName sw "j" and not (userName eq "mjensen")"#,
            &["bjensen"],
        ),
        (
            r#"meta.created ge "2000-01-01T00:00:00Z" and active eq true"#,
            &["bjensen", "JSmith", "mjensen", "alice", "zed"],
        ),
    ];
    for (filter, want) in cases {
        let (names, total) = api.user_names(&format!("filter={}", enc(filter))).await;
        assert_eq!(names, *want, "{filter}");
        assert_eq!(total, want.len() as u64, "{filter}");
    }
    // A filter on an attribute nobody stores is 400 invalidFilter.
    let (status, body) = api
        .call(
            "GET",
            &format!("/Users?filter={}", enc(r#"nickName eq "x""#)),
            None,
        )
        .await;
    assert_eq!(
        (status, body["scimType"].as_str()),
        (400, Some("invalidFilter")),
        "{body}"
    );

    // Sorting and paging.
    let (names, _) = api
        .user_names("sortBy=name.familyName&sortOrder=descending")
        .await;
    assert_eq!(names, ["zed", "JSmith", "bjensen", "mjensen", "alice"]);
    let (names, _) = api.user_names("sortBy=emails").await;
    assert_eq!(names, ["alice", "bjensen", "JSmith", "mjensen", "zed"]);
    let mut paged = Vec::new();
    for start in [1, 3, 5] {
        let (names, total) = api
            .user_names(&format!("sortBy=userName&startIndex={start}&count=2"))
            .await;
        assert_eq!(total, 5);
        paged.extend(names);
    }
    assert_eq!(paged, ["alice", "bjensen", "JSmith", "mjensen", "zed"]);
    let (names, total) = api.user_names("count=0").await;
    assert!(names.is_empty() && total == 5);

    // Groups: members added and removed by PATCH.
    let ids = {
        let (_, body) = api.call("GET", "/Users?sortBy=userName", None).await;
        body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let (alice, smith) = (&ids[0], &ids[2]);
    let (status, g) = api
        .call(
            "POST",
            "/Groups",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Admins",
                "members": [{"value": alice}],
            })),
        )
        .await;
    assert_eq!(status, 201, "{g}");
    let gid = g["id"].as_str().unwrap().to_owned();
    assert_eq!(
        g["members"],
        json!([{"value": alice, "display": "Alice Adams"}])
    );
    let (status, g2) = api
        .call(
            "PATCH",
            &format!("/Groups/{gid}"),
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                    {"op": "add", "path": "members", "value": [{"value": id}, {"value": smith}]},
                    {"op": "remove", "path": format!("members[value eq \"{alice}\"]")},
                ],
            })),
        )
        .await;
    assert_eq!(status, 200, "{g2}");
    let member_ids = |g: &Value| -> Vec<String> {
        let mut v: Vec<String> = g["members"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|m| m["value"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let mut want = vec![id.clone(), smith.clone()];
    want.sort();
    assert_eq!(member_ids(&g2), want);
    let (_, stored) = api.call("GET", &format!("/Groups/{gid}"), None).await;
    assert_eq!(member_ids(&stored), want);
    // A member that is not a user is refused.
    let (status, body) = api
        .call(
            "PATCH",
            &format!("/Groups/{gid}"),
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": "nobody"}]}],
            })),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    // Filter groups by member, and users by group.
    let (status, body) = api
        .call(
            "GET",
            &format!(
                "/Groups?filter={}",
                enc(&format!("members.value eq \"{smith}\""))
            ),
            None,
        )
        .await;
    assert_eq!(
        (status, body["totalResults"].as_u64()),
        (200, Some(1)),
        "{body}"
    );
    let (names, _) = api
        .user_names(&format!(
            "filter={}&sortBy=userName",
            enc(&format!("groups.value eq \"{gid}\""))
        ))
        .await;
    assert_eq!(names, ["bjensen", "JSmith"]);
    // The user's groups are derived from group_members.
    let (_, u) = api.call("GET", &format!("/Users/{id}"), None).await;
    assert_eq!(u["groups"][0]["value"], gid.as_str(), "{u}");
    assert_eq!(u["groups"][0]["display"], "Admins");

    // Deleting a user removes its memberships.
    let (status, _) = api.call("DELETE", &format!("/Users/{id}"), None).await;
    assert_eq!(status, 204);
    let (_, after) = api.call("GET", &format!("/Groups/{gid}"), None).await;
    assert_eq!(member_ids(&after), std::slice::from_ref(smith));
    assert_ne!(after["meta"]["version"], stored["meta"]["version"]);
    let (status, _) = api.call("GET", &format!("/Users/{id}"), None).await;
    assert_eq!(status, 404);
    // If-Match with the old version is 412.
    let old = stored["meta"]["version"].as_str().unwrap();
    let request = http::Request::builder()
        .method("DELETE")
        .uri(format!("/v2/Groups/{gid}"))
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("if-match", old)
        .body(Bytes::new())
        .unwrap();
    assert_eq!(api.server.handle(request).await.status().as_u16(), 412);
}

#[tokio::test]
async fn http_on_sqlite() {
    let (store, _db) = crate::sqlite_store().await;
    scenario(store).await;
}

#[tokio::test]
async fn http_on_postgres() {
    if let Some(store) = crate::postgres_store().await {
        scenario(store).await;
    }
}
