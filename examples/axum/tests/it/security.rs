//! Tenant isolation through every entry point, and input bounds.
use super::*;
use scim_core::schema::{AttrType, Attribute, ResourceType, SchemaBuilder};
use scim_core::server::{BearerTokens, ScimServer, ServerConfig};

const A: &str = "token-a";
const B: &str = "token-b";

/// Two tenants on one server and one store; tenant `b` also has a custom
/// `Device` resource type of its own.
fn two_tenants() -> App {
    let auth = BearerTokens::new()
        .with_token(A, "tenant-a")
        .with_token(B, "tenant-b");
    let server = ScimServer::new(
        scim_core::Registry::with_builtins(),
        Arc::new(scim_store_memory::MemoryStore::new()),
        Arc::new(auth),
        ServerConfig::default(),
    );
    let mut devices = scim_core::Registry::with_builtins();
    devices
        .add_schema(
            SchemaBuilder::new("urn:example:params:scim:schemas:core:2.0:Device")
                .with_name("Device")
                .attribute(Attribute::new("serialNumber", AttrType::String).with_required(true))
                .build()
                .unwrap(),
        )
        .unwrap();
    devices
        .add_resource_type(ResourceType::new(
            "Device",
            "/Devices",
            "urn:example:params:scim:schemas:core:2.0:Device",
        ))
        .unwrap();
    server.set_tenant_registry("tenant-b", devices);
    App::from_router(scim_axum_example::app(server))
}

fn user(name: &str) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name})
}

async fn create(app: &App, token: &str, path: &str, body: Value) -> Value {
    let r = app.call_as(token, "POST", path, Some(body), &[]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body
}

#[tokio::test]
async fn by_id_another_tenants_resources_do_not_exist() {
    let app = two_tenants();
    let a = create(&app, A, "/Users", user("alice")).await;
    let path = format!("/Users/{}", id(&a));
    assert_error(&app.call_as(B, "GET", &path, None, &[]).await, 404, None);
    assert_error(
        &app.call_as(B, "PUT", &path, Some(user("mallory")), &[])
            .await,
        404,
        None,
    );
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "userName", "value": "mallory"}]});
    assert_error(
        &app.call_as(B, "PATCH", &path, Some(patch), &[]).await,
        404,
        None,
    );
    assert_error(&app.call_as(B, "DELETE", &path, None, &[]).await, 404, None);
    let r = app.call_as(A, "GET", &path, None, &[]).await;
    assert_eq!(r.body["userName"], "alice");
    assert_eq!(r.body["meta"]["version"], a["meta"]["version"]);
}

#[tokio::test]
async fn filters_and_searches_see_only_the_callers_tenant() {
    let app = two_tenants();
    create(&app, A, "/Users", user("alice")).await;
    // The same userName is free in another tenant.
    create(&app, B, "/Users", user("alice")).await;
    create(&app, B, "/Users", user("bob")).await;
    let r = app
        .call_as(A, "GET", "/Users?filter=userName%20pr", None, &[])
        .await;
    assert_eq!(r.body["totalResults"], 1, "{}", r.body);
    let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "userName eq \"bob\""});
    let r = app
        .call_as(A, "POST", "/Users/.search", Some(search.clone()), &[])
        .await;
    assert_eq!(r.body["totalResults"], 0, "{}", r.body);
    let r = app.call_as(A, "POST", "/.search", Some(search), &[]).await;
    assert_eq!(r.body["totalResults"], 0, "{}", r.body);
    let r = app.call_as(B, "GET", "/Users", None, &[]).await;
    assert_eq!(r.body["totalResults"], 2, "{}", r.body);
}

#[tokio::test]
async fn members_pointing_at_another_tenants_ids_reach_nothing() {
    let app = two_tenants();
    let alice = create(&app, A, "/Users", user("alice")).await;
    let group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "g",
        "members": [{"value": id(&alice)}]});
    let g = create(&app, B, "/Groups", group).await;
    // Not resolved as a User of tenant b: no type, no $ref to anything.
    assert!(g["members"][0].get("$ref").is_none(), "{}", g);
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": id(&alice)}]}]});
    let r = app
        .call_as(B, "PATCH", &format!("/Groups/{}", id(&g)), Some(patch), &[])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Tenant a's user is in no group, and deleting it leaves tenant b alone.
    let r = app
        .call_as(A, "GET", &format!("/Users/{}", id(&alice)), None, &[])
        .await;
    assert!(r.body.get("groups").is_none(), "{}", r.body);
    let r = app
        .call_as(A, "DELETE", &format!("/Users/{}", id(&alice)), None, &[])
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app
        .call_as(B, "GET", &format!("/Groups/{}", id(&g)), None, &[])
        .await;
    assert_eq!(
        r.body["members"][0]["value"],
        id(&alice).as_str(),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn bulk_reaches_only_the_callers_tenant() {
    let app = two_tenants();
    let alice = create(&app, A, "/Users", user("alice")).await;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "m", "data": user("mallory")},
            {"method": "PATCH", "path": format!("/Users/{}", id(&alice)), "data": {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "displayName", "value": "bulkId:m"}]}},
            {"method": "DELETE", "path": format!("/Users/{}", id(&alice))}
        ]
    });
    let r = app.call_as(B, "POST", "/Bulk", Some(body), &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ops = r.body["Operations"].as_array().unwrap();
    assert_eq!(ops[0]["status"], "201");
    assert_eq!(ops[1]["status"], "404", "{}", r.body);
    assert_eq!(ops[2]["status"], "404", "{}", r.body);
    let r = app
        .call_as(A, "GET", &format!("/Users/{}", id(&alice)), None, &[])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.get("displayName").is_none());
}

#[tokio::test]
async fn custom_types_of_one_tenant_are_invisible_to_others() {
    let app = two_tenants();
    let r = app
        .call_as(B, "GET", "/ResourceTypes/Device", None, &[])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .call_as(
            B,
            "GET",
            "/Schemas/urn:example:params:scim:schemas:core:2.0:Device",
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    create(&app, B, "/Devices", json!({"schemas": ["urn:example:params:scim:schemas:core:2.0:Device"], "serialNumber": "X1"})).await;

    assert_error(
        &app.call_as(A, "GET", "/ResourceTypes/Device", None, &[])
            .await,
        404,
        None,
    );
    assert_error(
        &app.call_as(
            A,
            "GET",
            "/Schemas/urn:example:params:scim:schemas:core:2.0:Device",
            None,
            &[],
        )
        .await,
        404,
        None,
    );
    let r = app.call_as(A, "GET", "/Schemas", None, &[]).await;
    assert!(!r.body.to_string().contains("Device"));
    assert_error(
        &app.call_as(A, "GET", "/Devices", None, &[]).await,
        404,
        None,
    );
}

#[tokio::test]
async fn deeply_nested_json_is_a_400_not_a_crash() {
    let app = App::new();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let req = Request::builder()
        .method("POST")
        .uri("/scim/v2/Users")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/scim+json")
        .body(Body::from(format!(
            "{{\"userName\": \"x\", \"nested\": {deep}}}"
        )))
        .unwrap();
    assert_error(&app.raw(req).await, 400, Some("invalidSyntax"));
}

#[tokio::test]
async fn filter_length_and_depth_are_bounded() {
    let app = App::new();
    let long = format!("userName%20eq%20%22{}%22", "x".repeat(9000));
    assert_error(
        &app.call("GET", &format!("/Users?filter={long}"), None)
            .await,
        400,
        Some("invalidFilter"),
    );
    let deep = format!("{}userName%20pr{}", "not(".repeat(100), ")".repeat(100));
    assert_error(
        &app.call("GET", &format!("/Users?filter={deep}"), None)
            .await,
        400,
        Some("invalidFilter"),
    );
}
