//! The web console: server-rendered pages for people at a desk, served by `takedown serve
//! api` at `/` beside the JSON API.
//!
//! - Sign-in exchanges an API key for a session cookie ([`session`]): the session row keeps
//!   only a hash of its token and the id of the key, and every request resolves that key
//!   through the API's own [`crate::auth`] code, so a page reaches exactly what the key
//!   reaches through `/v1` — the same tenant, the same scopes, the same 404 for another
//!   tenant's object (every read is one of the owner-scoped store queries the JSON routes
//!   make).
//! - Every form carries the session's synchronizer CSRF token, checked on every POST.
//! - Every console response carries a Content-Security-Policy without `unsafe-inline`
//!   (`default-src 'self'`), `X-Frame-Options: DENY`, `Referrer-Policy: same-origin` and
//!   `X-Content-Type-Options: nosniff`; the one stylesheet is compiled into the binary
//!   ([`STYLESHEET`]) and served under a name carrying its digest, so it can be cached forever.
//! - Pages are askama templates (`templates/console/`), compiled with the binary; nothing
//!   needs JavaScript.
//!
//! Submodules: [`session`] (sign-in, sign-out, the session extractor, CSRF), [`owner`] (the
//! brand owner's pages and image routes), [`organizer`] (a fair organizer's fairs,
//! exhibitors and screening findings), [`view`] (what the pages and the demo's report
//! both show of a match).

pub mod organizer;
pub mod owner;
pub mod session;
pub mod view;

use std::{sync::LazyLock, time::Duration};

use askama::Template;
use axum::{
    Router,
    http::{HeaderValue, StatusCode, header},
    middleware,
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use sha2::{Digest, Sha256};

use crate::{AppState, error::ApiError};

/// How long console sessions live.
#[derive(Debug, Clone, Copy)]
pub struct ConsoleConfig {
    /// A session unused this long is ended.
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, however active.
    pub lifetime: Duration,
    /// Cookies are `Secure` with the `__Host-` prefix: set when serving HTTPS.
    pub secure_cookies: bool,
}

impl Default for ConsoleConfig {
    /// Thirty minutes idle, twelve hours at most, plain-HTTP cookies.
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(30 * 60),
            lifetime: Duration::from_secs(12 * 60 * 60),
            secure_cookies: false,
        }
    }
}

/// The console's stylesheet, compiled in (our own; no third-party styles).
pub const STYLESHEET: &[u8] = include_bytes!("../../static/console.css");

/// The stylesheet's path: its SHA-256 in the name, so a changed sheet is a new URL and the
/// old one may be cached forever.
pub static STYLESHEET_PATH: LazyLock<String> = LazyLock::new(|| {
    let digest = hex::encode(Sha256::digest(STYLESHEET));
    format!("/static/console-{}.css", &digest[..16])
});

/// The policy on every console response: our own origin only, no inline script or style,
/// no framing, forms posting only here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self'; style-src 'self'; \
     script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// The console's routes (pages, forms, images, the stylesheet), with their security headers.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(owner::home))
        .route(
            "/sign-in",
            get(session::sign_in_page).post(session::sign_in),
        )
        .route("/sign-out", post(session::sign_out))
        .route("/review", get(owner::review_page))
        .route("/review/decide", post(owner::decide))
        .route("/matches/{match_id}", get(owner::match_page))
        .route(
            "/matches/{match_id}/listing-image",
            get(owner::listing_image),
        )
        .route("/matches/{match_id}/right-image", get(owner::right_image))
        .route("/matches/{match_id}/page", get(owner::captured_page))
        .route("/rights", get(owner::rights_page))
        .route(
            "/rights/{right_id}/images/{digest}",
            get(owner::right_view_image),
        )
        .route("/sellers", get(owner::sellers_page))
        .route("/notices", get(owner::notices_page))
        .route("/notices/{notice_id}", get(owner::notice_page))
        .route("/fairs", get(organizer::fairs_page))
        .route("/fairs/{fair_id}", get(organizer::fair_page))
        .route(STYLESHEET_PATH.as_str(), get(stylesheet))
        .layer(middleware::map_response(security_headers))
        .with_state(state)
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        STYLESHEET,
    )
        .into_response()
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name, value: &'static str| {
        // A route may set a stricter policy of its own (the captured page's sandbox).
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        CONTENT_SECURITY_POLICY,
    );
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "same-origin");
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if !headers.contains_key(header::CACHE_CONTROL) {
        // Pages hold a tenant's data and the session's CSRF token: never kept by caches.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Why a console request failed, answered as a page.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No live session: the browser is sent to sign in.
    #[error("sign in first")]
    SignIn,
    /// A form without the session's CSRF token, or with another.
    #[error("the form is stale or did not come from this console; reload the page and try again")]
    Csrf,
    /// A failure of the API's own code (not found, forbidden, invalid…), shown with the
    /// API's status and words.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A template did not render.
    #[error("rendering the page failed: {0}")]
    Render(#[from] askama::Error),
}

impl From<takedown_store::StoreError> for ConsoleError {
    fn from(e: takedown_store::StoreError) -> Self {
        ConsoleError::Api(e.into())
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorPage<'a> {
    stylesheet: &'a str,
    status: u16,
    title: &'a str,
    message: String,
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            ConsoleError::SignIn | ConsoleError::Api(ApiError::Unauthorized) => {
                return Redirect::to("/sign-in").into_response();
            }
            ConsoleError::Csrf => (StatusCode::FORBIDDEN, ConsoleError::Csrf.to_string()),
            ConsoleError::Render(e) => {
                tracing::error!(error = %e, "console page did not render");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error".to_owned(),
                )
            }
            ConsoleError::Api(api) => {
                // Never storage details to a reader; the API's own words otherwise.
                let message = match &api {
                    ApiError::Store(_) | ApiError::Blob(_) | ApiError::Internal(_) => {
                        "internal error".to_owned()
                    }
                    ApiError::Bus(_) => "the notice is stored but could not be published \
                                         yet; approve again to retry"
                        .to_owned(),
                    other => other.to_string(),
                };
                // The API's status for the same failure (and its logging of internal ones).
                (api.into_response().status(), message)
            }
        };
        page_with_status(
            status,
            ErrorPage {
                stylesheet: STYLESHEET_PATH.as_str(),
                status: status.as_u16(),
                title: status.canonical_reason().unwrap_or("error"),
                message,
            },
        )
    }
}

/// A rendered page with `status`; a template that fails to render is a plain 500.
fn page_with_status(status: StatusCode, template: impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "console page did not render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!doctype html><title>error</title><p>internal error</p>".to_owned()),
            )
                .into_response()
        }
    }
}

/// A rendered page, 200.
fn page(template: impl Template) -> Result<Response, ConsoleError> {
    Ok(Html(template.render()?).into_response())
}
