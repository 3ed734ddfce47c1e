//! Authentication: every `/v1` request carries `Authorization: Bearer <key>`; the key is
//! looked up on each request (so a revocation takes effect on the very next one), and the
//! caller's tenant rides along in the request extensions as a [`Caller`].
//!
//! Authorization is the rule "an object is visible only to the tenant that owns it"; it is
//! enforced in one place: handlers get the tenant id only from [`Caller`], and every store
//! query they make is scoped by it (`takedown_store::owned`), so another tenant's object is
//! simply not found — the same 404 as an id that does not exist.
//!
//! An agent (a law firm acting for a brand owner) sends its own key plus
//! `Takedown-Act-For: <owner tenant id>`. If the owner has granted the agent's tenant a live
//! delegation with the scope the request needs, the request runs as the owner (the
//! [`Caller`]'s tenant id is the owner's, so every query is scoped exactly as for the owner's
//! own keys) and [`Caller::agent`] records who really acted. Otherwise the answer is the
//! plain 404 of an object that is not the caller's: an unknown owner, an owner who never
//! delegated, a revoked delegation and a missing scope cannot be told apart.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::Mutex,
    time::Duration,
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, Method, header},
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
    /// Set when an agent acts for the tenant above through a delegation.
    pub agent: Option<Agent>,
}

/// The tenant really acting when a request runs under a delegation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub tenant_id: String,
}

/// The header naming the brand owner an agent acts for.
pub const ACT_FOR_HEADER: &str = "takedown-act-for";

/// What a delegation may carry: never `keys`, so an agent cannot manage the owner's keys or
/// delegations.
pub const DELEGABLE_SCOPES: &[Scope] = &[Scope::Read, Scope::Write];

impl Caller {
    pub fn tenant_id(&self) -> &str {
        &self.id
    }

    /// Who acted, as the audit log and decisions record it: the key id, or
    /// `agent:<agent tenant>/<key id>` when an agent acted through a delegation (the entry's
    /// tenant is then the owner acted for).
    pub fn actor(&self) -> String {
        match &self.agent {
            Some(agent) => format!("agent:{}/{}", agent.tenant_id, self.key_id),
            None => self.key_id.clone(),
        }
    }

    /// Refuses a caller acting through a delegation: granting access (keys, delegations)
    /// stays with the owner's own keys.
    pub fn require_own_keys(&self) -> Result<(), ApiError> {
        if self.agent.is_some() {
            Err(ApiError::Forbidden(
                "an agent may not manage the owner's access",
            ))
        } else {
            Ok(())
        }
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

    pub(crate) fn blocked(&self, client: Option<IpAddr>) -> bool {
        let now = Instant::now();
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.get(&client).is_some_and(|(start, n)| {
            now.duration_since(*start) < self.window && *n >= self.max_failures
        })
    }

    pub(crate) fn fail(&self, client: Option<IpAddr>) {
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
        .and_then(bearer_token)
        .map(str::to_owned);
    let act_for = act_for(request.headers());
    let needed = if request.method() == Method::GET {
        Scope::Read
    } else {
        Scope::Write
    };
    match caller_of(&state, presented.as_deref()).await {
        Ok(caller) => {
            // The key's own scope first: this refusal is about the caller's key alone.
            if let Err(e) = caller.require_scope(needed) {
                return e.into_response();
            }
            let caller = match act_for {
                None => caller,
                Some(owner) => match acting_for(&state, caller, owner.as_deref(), needed).await {
                    Ok(caller) => caller,
                    Err(e) => return e.into_response(),
                },
            };
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

/// The `Takedown-Act-For` header: absent, or present with its text (`None` when it is not
/// valid text, which no tenant id can match).
fn act_for(headers: &HeaderMap) -> Option<Option<String>> {
    headers
        .get(ACT_FOR_HEADER)
        .map(|v| v.to_str().ok().map(|t| t.trim().to_owned()))
}

/// The caller an agent becomes when acting for `owner`: the owner's tenant, with the scopes
/// both the agent's key and the delegation hold. Every way of failing gives the same 404.
async fn acting_for(
    state: &AppState,
    agent: Caller,
    owner: Option<&str>,
    needed: Scope,
) -> Result<Caller, ApiError> {
    let owner = owner.ok_or(ApiError::NotFound)?;
    // Only a brand owner's tenant acts as an agent, and only for another brand owner.
    if agent.role != Role::Tenant(TenantKind::BrandOwner) || owner == agent.id {
        return Err(ApiError::NotFound);
    }
    let delegation = state
        .store
        .delegation(owner, &agent.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let tenant = state
        .store
        .tenant(owner)
        .await?
        .filter(|t| t.kind == TenantKind::BrandOwner)
        .ok_or(ApiError::NotFound)?;
    let scopes: Vec<Scope> = agent
        .scopes
        .iter()
        .copied()
        .filter(|s| {
            DELEGABLE_SCOPES.contains(s) && delegation.scopes.iter().any(|d| d == s.as_str())
        })
        .collect();
    if !scopes.contains(&needed) {
        return Err(ApiError::NotFound);
    }
    Ok(Caller {
        id: tenant.id,
        name: tenant.name,
        role: Role::Tenant(TenantKind::BrandOwner),
        key_id: agent.key_id,
        scopes,
        agent: Some(Agent {
            tenant_id: agent.id,
        }),
    })
}

/// The credentials of an `Authorization` value with the Bearer scheme, whose name is
/// case-insensitive (RFC 9110 §11.1): `Bearer`, `bearer` and `BEARER` are one scheme.
pub(crate) fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim_start().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The caller whose full key `text` is: the key must exist, be live and its secret match.
pub(crate) async fn caller_of(state: &AppState, text: Option<&str>) -> Result<Caller, ApiError> {
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
    caller_of_record(state, record).await
}

/// The caller holding the key with id `key_id`, already proven (a console session opened
/// with it): looked up again so that a revoked key is refused from its next request on.
pub(crate) async fn caller_of_key_id(state: &AppState, key_id: &str) -> Result<Caller, ApiError> {
    let record = state
        .store
        .api_key(key_id)
        .await?
        .filter(|record| record.revoked_at.is_none())
        .ok_or(ApiError::Unauthorized)?;
    caller_of_record(state, record).await
}

/// The tenant (or operator) a live key belongs to, with the key's scopes.
async fn caller_of_record(
    state: &AppState,
    record: takedown_store::access::ApiKeyRecord,
) -> Result<Caller, ApiError> {
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
        agent: None,
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
