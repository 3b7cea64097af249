use super::*;

#[tokio::test]
async fn service_provider_config_reflects_the_server() {
    let app = App::new();
    let r = app.call("GET", "/ServiceProviderConfig", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["schemas"][0],
        "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
    );
    assert_eq!(r.body["patch"]["supported"], true);
    assert_eq!(r.body["bulk"]["supported"], true);
    assert_eq!(r.body["bulk"]["maxOperations"], 1000);
    assert_eq!(r.body["bulk"]["maxPayloadSize"], 1_048_576);
    assert_eq!(r.body["filter"]["supported"], true);
    assert_eq!(r.body["filter"]["maxResults"], 1000);
    assert_eq!(r.body["etag"]["supported"], true);
    assert_eq!(r.body["sort"]["supported"], true);
    assert!(r.body["authenticationSchemes"]
        .as_array()
        .is_some_and(|a| !a.is_empty()));
}

#[tokio::test]
async fn schemas_and_resource_types() {
    let app = App::new();
    let r = app.call("GET", "/Schemas", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let ids: Vec<&str> = r.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    for urn in [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:core:2.0:Group",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ] {
        assert!(ids.contains(&urn), "{urn} missing from {ids:?}");
    }
    let r = app
        .call(
            "GET",
            "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["id"], "urn:ietf:params:scim:schemas:core:2.0:User");
    let r = app.call("GET", "/Schemas/urn:nope", None).await;
    assert_error(&r, 404, None);
    let r = app.call("GET", "/ResourceTypes", None).await;
    assert_eq!(r.body["totalResults"], 2);
    let r = app.call("GET", "/ResourceTypes/User", None).await;
    assert_eq!(r.body["endpoint"], "/Users");
    assert_eq!(
        r.body["schemaExtensions"][0]["schema"],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    );
    let r = app.call("GET", "/ResourceTypes/Nope", None).await;
    assert_error(&r, 404, None);
}

#[tokio::test]
async fn discovery_is_read_only() {
    let app = App::new();
    for path in ["/ServiceProviderConfig", "/Schemas", "/ResourceTypes"] {
        for method in ["POST", "PUT", "PATCH", "DELETE"] {
            let r = app.call(method, path, Some(json!({}))).await;
            assert_error(&r, 405, None);
        }
    }
}
