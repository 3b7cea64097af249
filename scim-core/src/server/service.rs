//! [`ScimService`]: the server as a `tower::Service`, so it mounts in any
//! tower-based stack (axum, hyper, tonic's HTTP layer).

use super::{response, ScimServer};
use crate::ScimError;
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full, Limited};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A `tower::Service` answering SCIM requests with a [`ScimServer`].
///
/// The request body is read up to the server's `max_body_bytes`; a larger
/// one is answered with 413 without being read further.
#[derive(Debug, Clone)]
pub struct ScimService {
    server: ScimServer,
}

impl ScimService {
    /// Wraps a server.
    pub fn new(server: ScimServer) -> Self {
        ScimService { server }
    }
}

impl ScimServer {
    /// This server as a `tower::Service`.
    pub fn into_service(self) -> ScimService {
        ScimService::new(self)
    }
}

impl<B> tower::Service<Request<B>> for ScimService
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let server = self.server.clone();
        Box::pin(async move {
            let limit = server.config().max_body_bytes;
            let (parts, body) = request.into_parts();
            let res = match Limited::new(body, limit).collect().await {
                Ok(collected) => {
                    server
                        .handle(Request::from_parts(parts, collected.to_bytes()))
                        .await
                }
                Err(e)
                    if e.downcast_ref::<http_body_util::LengthLimitError>()
                        .is_some() =>
                {
                    response::error(&ScimError::payload_too_large(format!(
                        "request body exceeds the limit of {limit} bytes"
                    )))
                }
                Err(e) => response::error(&ScimError::invalid_syntax(format!(
                    "could not read the request body: {e}"
                ))),
            };
            Ok(res.map(Full::new))
        })
    }
}
