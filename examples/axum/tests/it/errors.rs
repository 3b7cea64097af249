use super::*;

#[tokio::test]
async fn missing_or_wrong_token_is_401_with_www_authenticate() {
    let app = App::new();
    let req = Request::builder()
        .uri("/scim/v2/Users")
        .body(Body::empty())
        .unwrap();
    let r = app.raw(req).await;
    assert_error(&r, 401, None);
    assert!(r.header("www-authenticate").unwrap().starts_with("Bearer"));
    let req = Request::builder()
        .uri("/scim/v2/Users")
        .header("authorization", "Bearer wrong")
        .body(Body::empty())
        .unwrap();
    assert_error(&app.raw(req).await, 401, None);
}

#[tokio::test]
async fn unknown_endpoint_and_id_are_404() {
    let app = App::new();
    assert_error(&app.call("GET", "/Widgets", None).await, 404, None);
    assert_error(&app.call("GET", "/Users/nope", None).await, 404, None);
    assert_error(&app.call("DELETE", "/Users/nope", None).await, 404, None);
    let r = app
        .call(
            "PUT",
            "/Users/nope",
            Some(
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "x"}),
            ),
        )
        .await;
    assert_error(&r, 404, None);
}

#[tokio::test]
async fn malformed_json_is_400_invalid_syntax() {
    let app = App::new();
    let req = Request::builder()
        .method("POST")
        .uri("/scim/v2/Users")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/scim+json")
        .body(Body::from("{\"userName\": "))
        .unwrap();
    assert_error(&app.raw(req).await, 400, Some("invalidSyntax"));
}

#[tokio::test]
async fn missing_required_and_wrong_types_are_400_invalid_value() {
    let app = App::new();
    let r = app
        .call(
            "POST",
            "/Users",
            Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]})),
        )
        .await;
    assert_error(&r, 400, Some("invalidValue"));
    let r = app
        .call("POST", "/Users", Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "x", "active": 7})))
        .await;
    assert_error(&r, 400, Some("invalidValue"));
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let app = App::new();
    let big = "x".repeat((1 << 20) + 10);
    let r = app
        .call(
            "POST",
            "/Users",
            Some(
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": big}),
            ),
        )
        .await;
    assert_error(&r, 413, None);
}

#[tokio::test]
async fn bad_filter_is_400_invalid_filter() {
    let app = App::new();
    for f in [
        "userName%20eqq%20%22x%22",
        "nope%20eq%20%22x%22",
        "active%20gt%20true",
        "((((",
    ] {
        let r = app.call("GET", &format!("/Users?filter={f}"), None).await;
        assert_error(&r, 400, Some("invalidFilter"));
    }
}

#[tokio::test]
async fn unsupported_content_type_is_415() {
    let app = App::new();
    let req = Request::builder()
        .method("POST")
        .uri("/scim/v2/Users")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "text/xml")
        .body(Body::from("<user/>"))
        .unwrap();
    assert_error(&app.raw(req).await, 415, None);
}

#[tokio::test]
async fn wrong_method_is_405() {
    let app = App::new();
    assert_error(&app.call("PUT", "/Users", Some(json!({}))).await, 405, None);
    assert_error(&app.call("GET", "/Bulk", None).await, 405, None);
}
