//! Serving the synthetic market over HTTP/1 on 127.0.0.1 (GET and HEAD; 404 otherwise).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tokio_util::sync::CancellationToken;

use crate::market::Market;

/// Serves `market` on a free port until `cancel`; returns the site's base URL.
pub async fn start(market: Arc<Market>, cancel: &CancellationToken) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let app = Router::new().fallback(handle).with_state(market);
    let stop = cancel.clone();
    tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await;
        if let Err(e) = served {
            eprintln!("bench site stopped: {e}");
        }
    });
    Ok(url)
}

async fn handle(State(market): State<Arc<Market>>, uri: Uri) -> Response {
    match market.get(uri.path()) {
        Some((content_type, body)) => {
            ([(header::CONTENT_TYPE, content_type)], body.to_vec()).into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}
