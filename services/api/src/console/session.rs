//! Console sessions: sign-in with an API key, the session cookie, sign-out, CSRF.
//!
//! Sign-in checks the key with the API's own code ([`crate::auth`]), failures counted by the
//! same per-address limiter, and opens a session: a random token goes to the browser in an
//! `HttpOnly`, `SameSite=Strict` cookie (`Secure` with the `__Host-` prefix on HTTPS), and
//! only its SHA-256 is stored, with the key's id, a random CSRF token and the absolute end.
//! Each request finds the session by the cookie's hash, refuses it past its idle or absolute
//! expiry, and resolves the key again, so a revoked key is signed out on its next request.
//!
//! CSRF: every form carries the session's synchronizer token, and every POST compares it
//! (in constant time) before anything else happens. The sign-in form, which has no session
//! yet, pairs its token with a short-lived cookie of the same value.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    extract::{ConnectInfo, FromRequestParts, State},
    http::{Extensions, StatusCode, request::Parts},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::{
    Form,
    cookie::{Cookie, CookieJar, SameSite},
};
use chrono::Utc;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{ConsoleError, STYLESHEET_PATH, page, page_with_status};
use crate::{
    AppState,
    auth::{self, Caller},
    error::ApiError,
    scopes::Scope,
};

/// The session cookie's name: `__Host-` prefixed when cookies are `Secure` (the browser then
/// refuses it from any other origin, subdomain or path).
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-takedown_session"
    } else {
        "takedown_session"
    }
}

/// The sign-in form's own CSRF cookie's name.
fn sign_in_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-takedown_sign_in"
    } else {
        "takedown_sign_in"
    }
}

/// A random token of 256 bits, hex.
fn random_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// What the store keeps of a session token.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `presented` is `expected`, compared in constant time.
fn same_token(presented: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(presented.as_bytes().ct_eq(expected.as_bytes()))
}

/// A cookie as the console sets them all: `HttpOnly`, `SameSite=Strict`, path `/`, and
/// `Secure` on HTTPS.
fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .secure(secure)
        .build()
}

/// A signed-in request: the caller the session's key resolves to, as the API would see it.
#[derive(Debug, Clone)]
pub struct Session {
    /// The tenant (or operator) and scopes, exactly as the API's authentication makes them.
    pub caller: Caller,
    /// The session's synchronizer token, put in every form.
    pub csrf: String,
    token_hash: String,
}

impl Session {
    /// Refuses a form whose token is not this session's.
    pub fn check_csrf(&self, presented: &str) -> Result<(), ConsoleError> {
        if same_token(presented, &self.csrf) {
            Ok(())
        } else {
            Err(ConsoleError::Csrf)
        }
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ConsoleError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ConsoleError> {
        let config = state.console;
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar
            .get(session_cookie_name(config.secure_cookies))
            .map(|c| c.value().to_owned())
            .ok_or(ConsoleError::SignIn)?;
        let token_hash = token_hash(&token);
        let now = Utc::now();
        let idle = chrono::Duration::from_std(config.idle_timeout)
            .map_err(|e| ApiError::Internal(format!("idle timeout: {e}")))?;
        let session = state
            .store
            .live_console_session(&token_hash, now, now - idle)
            .await?
            .ok_or(ConsoleError::SignIn)?;
        let caller = match auth::caller_of_key_id(state, &session.key_id).await {
            Ok(caller) => caller,
            Err(ApiError::Unauthorized) => {
                // The key was revoked: its sessions end with it.
                state.store.delete_console_session(&token_hash).await?;
                return Err(ConsoleError::SignIn);
            }
            Err(other) => return Err(other.into()),
        };
        // Reading is what every page does; each form asks for `write` itself.
        caller.require_scope(Scope::Read)?;
        Ok(Session {
            caller,
            csrf: session.csrf_token,
            token_hash,
        })
    }
}

/// The sign-in page.
#[derive(Template)]
#[template(path = "console/sign_in.html")]
struct SignInPage<'a> {
    stylesheet: &'a str,
    csrf: String,
    problem: Option<&'a str>,
}

/// `GET /sign-in`: the form, with a fresh token paired with a cookie.
pub async fn sign_in_page(
    State(state): State<AppState>,
    jar: CookieJar,
) -> Result<Response, ConsoleError> {
    let secure = state.console.secure_cookies;
    let csrf = random_token();
    let jar = jar.add(cookie(sign_in_cookie_name(secure), csrf.clone(), secure));
    let page = page(SignInPage {
        stylesheet: STYLESHEET_PATH.as_str(),
        csrf,
        problem: None,
    })?;
    Ok((jar, page).into_response())
}

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct SignInForm {
    /// The token of the sign-in page.
    #[serde(default)]
    csrf: String,
    /// The full API key (`tdk_<id>_<secret>`).
    #[serde(default)]
    key: String,
}

/// `POST /sign-in`: a good key opens a session and goes to the dashboard; a bad one is
/// counted against the address (as the API counts it) and the form is shown again, 401.
pub async fn sign_in(
    State(state): State<AppState>,
    extensions: Extensions,
    jar: CookieJar,
    Form(form): Form<SignInForm>,
) -> Result<Response, ConsoleError> {
    let secure = state.console.secure_cookies;
    let expected = jar
        .get(sign_in_cookie_name(secure))
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if !same_token(&form.csrf, &expected) {
        return Err(ConsoleError::Csrf);
    }
    let client = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if state.limiter.blocked(client) {
        return Err(ApiError::RateLimited.into());
    }
    let caller = match auth::caller_of(&state, Some(form.key.trim())).await {
        Ok(caller) => caller,
        Err(ApiError::Unauthorized) => {
            state.limiter.fail(client);
            return Ok((
                jar,
                page_with_status(
                    StatusCode::UNAUTHORIZED,
                    SignInPage {
                        stylesheet: STYLESHEET_PATH.as_str(),
                        csrf: expected,
                        problem: Some("That key is not valid (or was revoked)."),
                    },
                ),
            )
                .into_response());
        }
        Err(other) => return Err(other.into()),
    };
    caller.require_scope(Scope::Read)?;
    let token = random_token();
    let now = Utc::now();
    let lifetime = chrono::Duration::from_std(state.console.lifetime)
        .map_err(|e| ApiError::Internal(format!("session lifetime: {e}")))?;
    state
        .store
        .insert_console_session(
            &token_hash(&token),
            &caller.key_id,
            &random_token(),
            now,
            now + lifetime,
        )
        .await?;
    tracing::info!(tenant = %caller.id, key = %caller.key_id, "console sign-in");
    let jar = jar
        .remove(Cookie::build(sign_in_cookie_name(secure)).path("/"))
        .add(cookie(session_cookie_name(secure), token, secure));
    Ok((jar, Redirect::to("/")).into_response())
}

/// A form that only carries the CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    /// The session's synchronizer token.
    #[serde(default)]
    pub csrf: String,
}

/// `POST /sign-out`: deletes the session and its cookie.
pub async fn sign_out(
    State(state): State<AppState>,
    session: Session,
    jar: CookieJar,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form.csrf)?;
    state
        .store
        .delete_console_session(&session.token_hash)
        .await?;
    let secure = state.console.secure_cookies;
    let jar = jar.remove(Cookie::build(session_cookie_name(secure)).path("/"));
    Ok((jar, Redirect::to("/sign-in")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole_and_never_match_an_empty_expectation() {
        let token = random_token();
        assert_eq!(token.len(), 64);
        assert!(same_token(&token, &token));
        assert!(!same_token(&token[..63], &token));
        assert!(!same_token("", ""));
        assert_ne!(token_hash(&token), token);
    }
}
