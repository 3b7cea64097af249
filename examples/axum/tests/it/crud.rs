use super::*;

#[tokio::test]
async fn create_returns_201_with_location_etag_and_meta() {
    let app = App::new();
    let r = app
        .call(
            "POST",
            "/Users",
            Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/scim+json"));
    let id = id(&r.body);
    let location = format!("http://scim.example.com/scim/v2/Users/{id}");
    assert_eq!(r.header("location"), Some(location.as_str()));
    assert_eq!(r.body["meta"]["location"], location);
    assert_eq!(r.body["meta"]["resourceType"], "User");
    assert!(r.header("etag").unwrap().starts_with("W/\""));
    assert_eq!(r.body["meta"]["version"], r.header("etag").unwrap());
    assert_eq!(r.body["meta"]["created"], r.body["meta"]["lastModified"]);
}

#[tokio::test]
async fn get_put_delete_round_trip() {
    let app = App::new();
    let u = app.create_user("bjensen").await;
    let id = id(&u);
    let r = app.call("GET", &format!("/Users/{id}"), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["userName"], "bjensen");

    let r = app
        .call(
            "PUT",
            &format!("/Users/{id}"),
            Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen", "displayName": "Babs"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["displayName"], "Babs");
    assert!(
        r.body.get("emails").is_none(),
        "PUT replaces: emails are gone"
    );
    assert_ne!(r.body["meta"]["version"], u["meta"]["version"]);
    assert_eq!(r.body["meta"]["created"], u["meta"]["created"]);

    let r = app.call("DELETE", &format!("/Users/{id}"), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app.call("GET", &format!("/Users/{id}"), None).await;
    assert_error(&r, 404, None);
}

#[tokio::test]
async fn duplicate_user_name_is_409_uniqueness_case_insensitively() {
    let app = App::new();
    app.create_user("bjensen").await;
    let r = app
        .call(
            "POST",
            "/Users",
            Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "BJensen"})),
        )
        .await;
    assert_error(&r, 409, Some("uniqueness"));
}

#[tokio::test]
async fn etags_if_match_and_if_none_match() {
    let app = App::new();
    let u = app.create_user("bjensen").await;
    let id = id(&u);
    let v = u["meta"]["version"].as_str().unwrap().to_owned();
    let r = app
        .call_with(
            "GET",
            &format!("/Users/{id}"),
            None,
            &[("if-none-match", &v)],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "displayName", "value": "B"}]});
    let r = app
        .call_with(
            "PATCH",
            &format!("/Users/{id}"),
            Some(body.clone()),
            &[("if-match", "W/\"stale\"")],
        )
        .await;
    assert_error(&r, 412, None);
    let r = app
        .call_with(
            "PATCH",
            &format!("/Users/{id}"),
            Some(body),
            &[("if-match", &v)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .call_with("DELETE", &format!("/Users/{id}"), None, &[("if-match", &v)])
        .await;
    assert_error(&r, 412, None);
    let r = app
        .call_with(
            "GET",
            &format!("/Users/{id}"),
            None,
            &[("if-none-match", &v)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn attributes_and_excluded_attributes_on_get_and_post() {
    let app = App::new();
    let u = app.create_user("bjensen").await;
    let id = id(&u);
    let r = app
        .call("GET", &format!("/Users/{id}?attributes=userName"), None)
        .await;
    assert_eq!(r.body["userName"], "bjensen");
    assert_eq!(r.body["id"], id.as_str());
    assert!(r.body.get("emails").is_none());
    let r = app
        .call(
            "GET",
            &format!("/Users/{id}?excludedAttributes=emails,name.givenName"),
            None,
        )
        .await;
    assert!(r.body.get("emails").is_none());
    assert_eq!(r.body["name"]["familyName"], "bjensen");
    assert!(r.body["name"].get("givenName").is_none());
    let r = app
        .call(
            "POST",
            "/Users?attributes=userName",
            Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "x", "displayName": "X"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert!(r.body.get("displayName").is_none());
}

#[tokio::test]
async fn password_is_never_returned() {
    let app = App::new();
    let r = app
        .call(
            "POST",
            "/Users",
            Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "p", "password": "t1meMa$heen"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.body.get("password").is_none());
    let r = app
        .call(
            "GET",
            &format!("/Users/{}?attributes=password", id(&r.body)),
            None,
        )
        .await;
    assert!(r.body.get("password").is_none());
}

#[tokio::test]
async fn concurrent_patches_lose_no_update() {
    let app = Arc::new(App::new());
    let g = app.create_group("g", &[]).await;
    let gid = id(&g);
    let mut users = Vec::new();
    for i in 0..20 {
        users.push(id(&app.create_user(&format!("u{i}")).await));
    }
    let mut tasks = Vec::new();
    for uid in users.clone() {
        let app = app.clone();
        let gid = gid.clone();
        tasks.push(tokio::spawn(async move {
            let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": uid}]}]});
            app.call("PATCH", &format!("/Groups/{gid}"), Some(body))
                .await
                .status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    let r = app.call("GET", &format!("/Groups/{gid}"), None).await;
    assert_eq!(
        r.body["members"].as_array().unwrap().len(),
        20,
        "{}",
        r.body
    );
}

#[tokio::test]
async fn passwords_are_stored_hashed_never_in_clear() {
    use scim_core::store::ResourceStore;
    let store = Arc::new(scim_store_memory::MemoryStore::new());
    let server = scim_axum_example::server(store.clone(), TOKEN, "t1");
    let registry = server.registry().clone();
    let app = App::from_router(scim_axum_example::app(server));
    let r = app
        .call(
            "POST",
            "/Users",
            Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "p", "password": "t1meMa$heen"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let view = registry.view("User").unwrap();
    let stored = store.get("t1", &view, &id(&r.body)).await.unwrap().unwrap();
    let hash = stored["password"].as_str().unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!stored.to_string().contains("t1meMa$heen"));
    // A PATCH of another attribute keeps the stored hash as it is.
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "displayName", "value": "P"}]});
    let r = app
        .call("PATCH", &format!("/Users/{}", id(&r.body)), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let again = store.get("t1", &view, &id(&r.body)).await.unwrap().unwrap();
    assert_eq!(again["password"], hash);
}
