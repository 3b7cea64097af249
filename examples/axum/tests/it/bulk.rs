use super::*;

#[tokio::test]
async fn bulk_creates_user_and_group_referencing_it_by_bulk_id() {
    let app = App::new();
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [
            {"method": "POST", "path": "/Groups", "bulkId": "g1", "data": {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Tour Guides",
                "members": [{"type": "User", "value": "bulkId:u1"}]}},
            {"method": "POST", "path": "/Users", "bulkId": "u1", "data": {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "alice"}}
        ]
    });
    let r = app.call("POST", "/Bulk", Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
    );
    let ops = r.body["Operations"].as_array().unwrap();
    assert_eq!(ops.len(), 2);
    for op in ops {
        assert_eq!(op["status"], "201", "{op}");
        assert!(op["location"].as_str().is_some());
        assert!(op["version"].as_str().is_some());
    }
    let users = app
        .call("GET", "/Users?filter=userName%20eq%20%22alice%22", None)
        .await;
    let uid = users.body["Resources"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let groups = app.call("GET", "/Groups", None).await;
    assert_eq!(
        groups.body["Resources"][0]["members"][0]["value"],
        uid.as_str()
    );
}

#[tokio::test]
async fn bulk_fail_on_errors_stops() {
    let app = App::new();
    let user =
        |n: &str| json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": n});
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "failOnErrors": 1,
        "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": user("dup")},
            {"method": "POST", "path": "/Users", "bulkId": "b", "data": user("dup")},
            {"method": "POST", "path": "/Users", "bulkId": "c", "data": user("other")}
        ]
    });
    let r = app.call("POST", "/Bulk", Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ops = r.body["Operations"].as_array().unwrap();
    assert_eq!(ops.len(), 2, "{}", r.body);
    assert_eq!(ops[1]["status"], "409");
    let r = app
        .call("GET", "/Users?filter=userName%20eq%20%22other%22", None)
        .await;
    assert_eq!(r.body["totalResults"], 0);
}

#[tokio::test]
async fn bulk_over_max_operations_is_413() {
    let app = App::new();
    let ops: Vec<Value> = (0..1001)
        .map(|i| json!({"method": "DELETE", "path": format!("/Users/{i}")}))
        .collect();
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ops});
    assert_error(&app.call("POST", "/Bulk", Some(body)).await, 413, None);
}
