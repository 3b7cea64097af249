//! `http`: requests through the framework-agnostic server on the memory
//! store, without sockets: GET by id and a filtered list over 1,000 users.
//!
//! `cargo bench -p scim-benches --bench http`

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use scim_core::server::{BearerTokens, ScimServer, ServerConfig};
use scim_core::Registry;
use serde_json::json;
use std::hint::black_box;
use std::sync::Arc;

const TOKEN: &str = "bench-token";

fn request(method: &str, uri: &str, body: Option<String>) -> http::Request<Bytes> {
    let mut b = http::Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("host", "localhost");
    if body.is_some() {
        b = b.header("content-type", "application/scim+json");
    }
    b.body(body.map(Bytes::from).unwrap_or_default())
        .unwrap_or_else(|_| unreachable!("static request"))
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    let server = ScimServer::new(
        Registry::with_builtins(),
        Arc::new(scim_store_memory::MemoryStore::new()),
        Arc::new(BearerTokens::new().with_token(TOKEN, "bench")),
        ServerConfig::default(),
    );
    let mut first_id = String::new();
    rt.block_on(async {
        for i in 0..1000 {
            let body = json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": format!("user{i:04}"),
                "name": {"givenName": "Given", "familyName": format!("Family{i}")},
                "emails": [{"value": format!("user{i}@example.com"), "type": "work", "primary": true}],
                "active": i % 2 == 0,
            });
            let res = server
                .handle(request("POST", "/scim/v2/Users", Some(body.to_string())))
                .await;
            assert_eq!(res.status(), 201);
            if i == 500 {
                let v: serde_json::Value =
                    serde_json::from_slice(res.body()).unwrap_or_default();
                first_id = v["id"].as_str().unwrap_or_default().to_owned();
            }
        }
    });
    let get_uri = format!("/scim/v2/Users/{first_id}");
    let mut group = c.benchmark_group("http");
    group.bench_function("get_by_id", |b| {
        b.iter(|| {
            let res = rt.block_on(server.handle(request("GET", &get_uri, None)));
            black_box(res)
        })
    });
    group.bench_function("list_user_name_eq_of_1000", |b| {
        b.iter(|| {
            let res = rt.block_on(server.handle(request(
                "GET",
                "/scim/v2/Users?filter=userName%20eq%20%22user0500%22",
                None,
            )));
            black_box(res)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
