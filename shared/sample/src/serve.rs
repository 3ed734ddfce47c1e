//! Serving [`SiteContent`] over HTTP/1 with axum: GET and HEAD of known paths, 404 for the
//! rest, 405 for other methods.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::SiteContent;

/// A router serving `site` at its paths; for mounting the sample inside another server.
pub fn router(site: Arc<SiteContent>) -> Router {
    Router::new().fallback(handle).with_state(site)
}

/// Serves the content on `listener` until `shutdown` resolves, then finishes in-flight
/// requests and returns.
pub async fn serve(
    site: Arc<SiteContent>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(site))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn handle(State(site): State<Arc<SiteContent>>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
        )
            .into_response();
    }
    match site.get(uri.path()) {
        Some((content_type, body)) => {
            tracing::debug!(path = uri.path(), "sample: serving");
            (
                [(header::CONTENT_TYPE, content_type.to_owned())],
                body.to_vec(),
            )
                .into_response()
        }
        None => {
            tracing::debug!(path = uri.path(), "sample: not found");
            (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "not found\n",
            )
                .into_response()
        }
    }
}
