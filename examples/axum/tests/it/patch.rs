use super::*;

fn patch(ops: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
}

#[tokio::test]
async fn patch_answers_200_with_the_resource_honouring_attributes() {
    let app = App::new();
    let uid = id(&app.create_user("bjensen").await);
    let r = app
        .call(
            "PATCH",
            &format!("/Users/{uid}?attributes=active"),
            Some(patch(
                json!([{"op": "Replace", "value": {"active": false}}]),
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["active"], false);
    assert!(r.body.get("userName").is_none());
    assert!(r.header("etag").is_some());
}

#[tokio::test]
async fn failed_patch_changes_nothing() {
    let app = App::new();
    let u = app.create_user("bjensen").await;
    let uid = id(&u);
    let r = app
        .call(
            "PATCH",
            &format!("/Users/{uid}"),
            Some(patch(json!([
                {"op": "replace", "path": "displayName", "value": "changed"},
                {"op": "replace", "path": "emails[type eq \"home\"].value", "value": "x@y"}
            ]))),
        )
        .await;
    assert_error(&r, 400, Some("noTarget"));
    let r = app.call("GET", &format!("/Users/{uid}"), None).await;
    assert!(r.body.get("displayName").is_none());
    assert_eq!(r.body["meta"]["version"], u["meta"]["version"]);
}

#[tokio::test]
async fn patch_errors_carry_scim_types() {
    let app = App::new();
    let uid = id(&app.create_user("bjensen").await);
    let cases = [
        (json!([{"op": "remove"}]), "noTarget"),
        (
            json!([{"op": "replace", "path": "nope", "value": 1}]),
            "invalidPath",
        ),
        (
            json!([{"op": "replace", "path": "emails[type eq]", "value": 1}]),
            "invalidPath",
        ),
        (
            json!([{"op": "replace", "path": "active", "value": "maybe"}]),
            "invalidValue",
        ),
        (
            json!([{"op": "replace", "path": "id", "value": "x"}]),
            "mutability",
        ),
    ];
    for (ops, t) in cases {
        let r = app
            .call("PATCH", &format!("/Users/{uid}"), Some(patch(ops.clone())))
            .await;
        assert_error(&r, 400, Some(t));
    }
}
