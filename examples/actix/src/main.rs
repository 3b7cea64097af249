//! The scim-rs SCIM server mounted in actix-web.
//!
//! Run: `SCIM_TOKEN=secret cargo run -p scim-actix-example` and send
//! requests to `http://127.0.0.1:8081/scim/v2` with
//! `Authorization: Bearer secret`.
//!
//! actix-web has its own HTTP types, so the handler copies the method, URI,
//! headers and body into an `http::Request`, lets [`ScimServer::handle`]
//! answer, and copies the response back. The body is read with the
//! server's own size limit so an oversized request gets a SCIM 413.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use futures::StreamExt;
use scim_core::server::{BearerTokens, ScimServer, ServerConfig};
use scim_core::{Registry, ScimError};
use std::sync::Arc;

async fn scim(
    server: web::Data<ScimServer>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> HttpResponse {
    let limit = server.config().max_body_bytes;
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return to_actix(error(ScimError::invalid_syntax(
                "could not read the request body",
            )));
        };
        if body.len() + chunk.len() > limit {
            return to_actix(error(ScimError::payload_too_large(format!(
                "request body exceeds the limit of {limit} bytes"
            ))));
        }
        body.extend_from_slice(&chunk);
    }
    let mut builder = http::Request::builder()
        .method(req.method().as_str())
        .uri(req.uri().to_string());
    for (name, value) in req.headers() {
        builder = builder.header(name.as_str(), value.as_bytes());
    }
    let Ok(request) = builder.body(body.freeze()) else {
        return to_actix(error(ScimError::invalid_syntax("malformed request")));
    };
    to_actix(server.handle(request).await)
}

fn error(e: ScimError) -> http::Response<bytes::Bytes> {
    let mut res = http::Response::new(bytes::Bytes::from(e.to_json().to_string()));
    *res.status_mut() =
        http::StatusCode::from_u16(e.status()).unwrap_or(http::StatusCode::BAD_REQUEST);
    res.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(scim_core::server::SCIM_JSON),
    );
    res
}

fn to_actix(res: http::Response<bytes::Bytes>) -> HttpResponse {
    let (parts, body) = res.into_parts();
    let status = actix_web::http::StatusCode::from_u16(parts.status.as_u16())
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = HttpResponse::build(status);
    for (name, value) in &parts.headers {
        out.append_header((name.as_str(), value.as_bytes()));
    }
    out.body(body)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().init();
    let token = std::env::var("SCIM_TOKEN").unwrap_or_else(|_| "secret".into());
    let addr = std::env::var("SCIM_ADDR").unwrap_or_else(|_| "127.0.0.1:8081".into());
    let server = ScimServer::new(
        Registry::with_builtins(),
        Arc::new(scim_store_memory::MemoryStore::new()),
        Arc::new(BearerTokens::new().with_token(token, "default")),
        ServerConfig::default(),
    );
    tracing::info!("SCIM server listening at http://{addr}/scim/v2");
    let data = web::Data::new(server);
    HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .default_service(web::to(scim))
    })
    .bind(addr)?
    .run()
    .await
}
