use super::*;

#[tokio::test]
async fn user_groups_are_derived_from_group_members() {
    let app = App::new();
    let u = app.create_user("bjensen").await;
    let uid = id(&u);
    let g = app.create_group("Tour Guides", &[&uid]).await;
    let gid = id(&g);
    assert_eq!(g["members"][0]["value"], uid.as_str());
    assert_eq!(g["members"][0]["type"], "User");
    let r = app.call("GET", &format!("/Users/{uid}"), None).await;
    assert_eq!(r.body["groups"][0]["value"], gid.as_str(), "{}", r.body);
    assert_eq!(r.body["groups"][0]["display"], "Tour Guides");
}

#[tokio::test]
async fn deleting_a_user_removes_it_from_every_group() {
    let app = App::new();
    let a = id(&app.create_user("a").await);
    let b = id(&app.create_user("b").await);
    let g1 = id(&app.create_group("g1", &[&a, &b]).await);
    let g2 = id(&app.create_group("g2", &[&a]).await);
    assert_eq!(
        app.call("DELETE", &format!("/Users/{a}"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let r = app.call("GET", &format!("/Groups/{g1}"), None).await;
    let members: Vec<&str> = r.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["value"].as_str())
        .collect();
    assert_eq!(members, [b.as_str()]);
    let r = app.call("GET", &format!("/Groups/{g2}"), None).await;
    assert!(
        r.body.get("members").is_none() || r.body["members"].as_array().unwrap().is_empty(),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn unknown_members_are_kept_by_default_and_refused_when_configured() {
    let app = App::new();
    let r = app
        .call(
            "POST",
            "/Groups",
            Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "g", "members": [{"value": "no-such-id"}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["members"][0]["value"], "no-such-id");

    let app = App::with_config(
        scim_core::server::ServerConfig::default().with_reject_unknown_members(true),
    );
    let r = app
        .call(
            "POST",
            "/Groups",
            Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "g", "members": [{"value": "no-such-id"}]})),
        )
        .await;
    assert_error(&r, 400, Some("invalidValue"));
}

#[tokio::test]
async fn member_removal_by_value_path() {
    let app = App::new();
    let a = id(&app.create_user("a").await);
    let b = id(&app.create_user("b").await);
    let g = id(&app.create_group("g", &[&a, &b]).await);
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "remove", "path": format!("members[value eq \"{a}\"]")}]});
    let r = app.call("PATCH", &format!("/Groups/{g}"), Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["members"].as_array().unwrap().len(), 1);
    let r = app.call("GET", &format!("/Users/{a}"), None).await;
    assert!(r.body.get("groups").is_none(), "{}", r.body);
}
