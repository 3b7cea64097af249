use super::*;

async fn seeded() -> App {
    let app = App::new();
    for name in ["alice", "Bob", "carol", "dave", "erin"] {
        app.create_user(name).await;
    }
    app
}

fn names(r: &Reply) -> Vec<String> {
    r.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn list_response_shape_and_filter() {
    let app = seeded().await;
    let r = app
        .call("GET", "/Users?filter=userName%20eq%20%22bob%22", None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    );
    assert_eq!(r.body["totalResults"], 1);
    assert_eq!(names(&r), ["Bob"]);
    let r = app
        .call("GET", "/Users?filter=userName%20eq%20%22nobody%22", None)
        .await;
    assert_eq!(r.body["totalResults"], 0);
    assert_eq!(r.body["Resources"].as_array().map(Vec::len).unwrap_or(0), 0);
}

#[tokio::test]
async fn sorting_and_index_paging() {
    let app = seeded().await;
    let r = app
        .call("GET", "/Users?sortBy=userName&sortOrder=descending", None)
        .await;
    assert_eq!(names(&r), ["erin", "dave", "carol", "Bob", "alice"]);
    let r = app
        .call("GET", "/Users?sortBy=userName&startIndex=2&count=2", None)
        .await;
    assert_eq!(names(&r), ["Bob", "carol"]);
    assert_eq!(r.body["totalResults"], 5);
    assert_eq!(r.body["startIndex"], 2);
    assert_eq!(r.body["itemsPerPage"], 2);
    let r = app.call("GET", "/Users?count=0", None).await;
    assert_eq!(r.body["totalResults"], 5);
    assert_eq!(r.body["Resources"].as_array().map(Vec::len).unwrap_or(0), 0);
}

#[tokio::test]
async fn search_by_post_per_type_and_at_root() {
    let app = seeded().await;
    app.create_group("admins", &[]).await;
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": "userName sw \"c\"", "attributes": ["userName"]});
    let r = app.call("POST", "/Users/.search", Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(names(&r), ["carol"]);
    assert!(r.body["Resources"][0].get("emails").is_none());
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "meta.resourceType eq \"Group\""});
    let r = app.call("POST", "/.search", Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["totalResults"], 1, "{}", r.body);
}

#[tokio::test]
async fn cursor_paging_walks_every_resource_once() {
    let app = seeded().await;
    let mut seen = Vec::new();
    let mut cursor = String::new();
    for _ in 0..10 {
        let r = app
            .call("GET", &format!("/Users?count=2&cursor={cursor}"), None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        seen.extend(names(&r));
        match r.body.get("nextCursor").and_then(Value::as_str) {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, ["Bob", "alice", "carol", "dave", "erin"]);
    let r = app.call("GET", "/Users?count=2&cursor=garbage", None).await;
    assert_error(&r, 400, Some("invalidCursor"));
}

#[tokio::test]
async fn root_search_projects_each_type_by_the_names_it_has() {
    let app = seeded().await;
    app.create_group("admins", &[]).await;
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "excludedAttributes": ["members", "name"]});
    let r = app.call("POST", "/.search", Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["totalResults"], 6);
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "attributes": ["userName"]});
    let r = app.call("POST", "/.search", Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let resources = r.body["Resources"].as_array().unwrap();
    assert!(resources
        .iter()
        .all(|x| x.get("displayName").is_none() && x.get("emails").is_none()));
}
