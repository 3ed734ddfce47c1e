//! Authentication: every `/v1` request carries `Authorization: Bearer <key>`; the key is
//! looked up on each request (so a revocation takes effect on the very next one), and the
//! caller's tenant rides along in the request extensions as a [`Caller`].
//!
//! Authorization is the rule "an object is visible only to the tenant that owns it"; it is
//! enforced in one place: handlers get the tenant id only from [`Caller`], and every store
//! query they make is scoped by it (`takedown_store::owned`), so another tenant's object is
//! simply not found — the same 404 as an id that does not exist.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::Mutex,
    time::Duration,
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use takedown_model::TenantKind;
use tokio::time::Instant;

use crate::{AppState, error::ApiError, keys, scopes::Scope};

/// What the caller's key belongs to: a tenant of some kind, or an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Tenant(TenantKind),
    /// Runs the service: manages tenants and keys, reads the audit log of every tenant
    /// (without the before/after bodies), and reaches no tenant's data.
    Operator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Tenant(TenantKind::BrandOwner) => "brand_owner",
            Role::Tenant(TenantKind::Platform) => "platform",
            Role::Tenant(TenantKind::FairOrganizer) => "fair_organizer",
            Role::Operator => "operator",
        }
    }
}

/// Who is calling: the key and the tenant (or operator) it belongs to.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The tenant's (or operator's) id: every store query a handler makes is scoped by it.
    pub id: String,
    pub name: String,
    pub role: Role,
    pub key_id: String,
    pub scopes: Vec<Scope>,
}

impl Caller {
    pub fn tenant_id(&self) -> &str {
        &self.id
    }

    /// Refuses a route meant for another kind of tenant (before any object is looked at, so
    /// the refusal says nothing about objects). An operator is no kind of tenant.
    pub fn require_kind(&self, kind: TenantKind) -> Result<(), ApiError> {
        self.require_role(Role::Tenant(kind))
    }

    pub fn require_role(&self, role: Role) -> Result<(), ApiError> {
        if self.role == role {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "this route is for another kind of tenant",
            ))
        }
    }

    pub fn require_scope(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::Forbidden("the key lacks the scope this needs"))
        }
    }
}

/// Counts failed authentications per client address in a fixed window; past the limit the
/// address is refused (429) until the window ends. Hand-written: a map and a counter, where a
/// general rate-limit crate would also throttle successful callers.
#[derive(Debug)]
pub struct FailureLimiter {
    max_failures: u32,
    window: Duration,
    seen: Mutex<HashMap<Option<IpAddr>, (Instant, u32)>>,
}

impl FailureLimiter {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self {
            max_failures,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    fn blocked(&self, client: Option<IpAddr>) -> bool {
        let now = Instant::now();
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.get(&client).is_some_and(|(start, n)| {
            now.duration_since(*start) < self.window && *n >= self.max_failures
        })
    }

    fn fail(&self, client: Option<IpAddr>) {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        // Forget expired windows so the map cannot grow without bound.
        seen.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        let entry = seen.entry(client).or_insert((now, 0));
        entry.1 += 1;
    }
}

/// The authentication middleware for every `/v1` route.
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if state.limiter.blocked(client) {
        return ApiError::RateLimited.into_response();
    }
    // Copy the header out first: the request body is not Sync, so no reference to the
    // request may live across an await.
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|v| v.trim().to_owned());
    match caller_of(&state, presented.as_deref()).await {
        Ok(caller) => {
            let needed = if request.method() == Method::GET {
                Scope::Read
            } else {
                Scope::Write
            };
            if let Err(e) = caller.require_scope(needed) {
                return e.into_response();
            }
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(ApiError::Unauthorized) => {
            state.limiter.fail(client);
            ApiError::Unauthorized.into_response()
        }
        Err(other) => other.into_response(),
    }
}

async fn caller_of(state: &AppState, text: Option<&str>) -> Result<Caller, ApiError> {
    let presented =
        keys::parse_key(text.ok_or(ApiError::Unauthorized)?).ok_or(ApiError::Unauthorized)?;
    let record = state
        .store
        .api_key(presented.id)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    if record.revoked_at.is_some() || !keys::secret_matches(presented.secret, &record.secret_hash) {
        return Err(ApiError::Unauthorized);
    }
    let (id, name, role) = match state.store.tenant(&record.tenant_id).await? {
        Some(t) => (t.id, t.name, Role::Tenant(t.kind)),
        None => {
            let operator = state
                .store
                .operator(&record.tenant_id)
                .await?
                .ok_or(ApiError::Unauthorized)?;
            (operator.id, operator.name, Role::Operator)
        }
    };
    Ok(Caller {
        id,
        name,
        role,
        key_id: record.id,
        scopes: record
            .scopes
            .iter()
            .filter_map(|s| Scope::parse(s))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn failures_block_an_address_until_the_window_ends() {
        let limiter = FailureLimiter::new(3, Duration::from_secs(60));
        let ip = Some(IpAddr::from([127, 0, 0, 1]));
        for _ in 0..3 {
            assert!(!limiter.blocked(ip));
            limiter.fail(ip);
        }
        assert!(limiter.blocked(ip));
        assert!(!limiter.blocked(Some(IpAddr::from([127, 0, 0, 2]))));
        tokio::time::advance(Duration::from_secs(61)).await;
        assert!(!limiter.blocked(ip));
    }
}
