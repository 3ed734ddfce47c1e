//! The operators' HTTP interface (and the seller's steps, recorded by an operator): move a
//! case through the flow, read it with its timeline, follow every case's events, run a tick,
//! list repeat infringers and read the metrics. Every route needs
//! `Authorization: Bearer <token>`; the token is compared in constant time. The optional
//! `x-operator` header names who acted, for the audit trail.

use std::{fmt, sync::Arc};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, Query, Request, State},
    http::{HeaderMap, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use crate::{
    cases::CaseError,
    engine::{CaseFlow, FlowError},
    flow::{Event, TransitionError},
    metrics::metrics,
    repeat::{RepeatPolicy, repeat_infringers, to_csv},
};

/// Operator request bodies above this are refused.
const MAX_BODY_BYTES: usize = 256 * 1024;
/// The longest actor name kept in the audit trail.
const MAX_ACTOR_CHARS: usize = 64;

#[derive(Debug, thiserror::Error)]
#[error("the operator token must be at least {min} characters")]
pub struct TokenError {
    min: usize,
}

/// The operators' bearer token; never printed.
#[derive(Clone)]
pub struct OperatorToken(Arc<str>);

impl OperatorToken {
    pub const MIN_LEN: usize = 16;

    pub fn new(token: &str) -> Result<Self, TokenError> {
        if token.len() < Self::MIN_LEN {
            return Err(TokenError { min: Self::MIN_LEN });
        }
        Ok(Self(token.into()))
    }

    fn matches(&self, presented: &[u8]) -> bool {
        // Constant time in the content; only the (non-secret) length may leak.
        self.0.as_bytes().ct_eq(presented).into()
    }
}

impl fmt::Debug for OperatorToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OperatorToken(<redacted>)")
    }
}

/// What the operators' routes work on, and who may call them.
#[derive(Clone)]
pub struct OperatorState {
    /// The case flow.
    pub flow: CaseFlow,
    /// A shared token (`TAKEDOWN_OPERATOR_TOKEN`), whose caller names themselves with
    /// `x-operator`. Operators' own tokens (`takedown operators add`) are always accepted and
    /// name their holder in the audit trail.
    pub token: Option<OperatorToken>,
    /// When a seller counts as a repeat infringer.
    pub repeat: RepeatPolicy,
}

/// Who is acting, as the audit trail records them: the operator's registered name for an
/// operator's own token, the `x-operator` header for the shared token.
#[derive(Debug, Clone)]
struct Actor(String);

pub fn operator_router(state: OperatorState) -> Router {
    let state = Arc::new(state);
    Router::new()
        .route("/cases", get(get_cases))
        .route("/cases/{case_id}", get(get_case))
        .route("/cases/{case_id}/events", get(get_case_events))
        .route("/cases/{case_id}/{action}", post(post_action))
        .route("/case-events", get(get_feed))
        .route("/tick", post(post_tick))
        .route("/repeat-infringers", get(get_repeat))
        .route("/repeat-infringers/appeal", post(post_appeal))
        .route("/metrics", get(get_metrics))
        .route_layer(middleware::from_fn_with_state(state.clone(), authorize))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({ "error": code, "message": message.into() })),
    )
        .into_response()
}

async fn authorize(
    State(state): State<Arc<OperatorState>>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request.headers().get(header::AUTHORIZATION).and_then(|v| {
        // The scheme name is case-insensitive (RFC 9110 §11.1).
        let (scheme, token) = v.as_bytes().split_at_checked(7)?;
        scheme
            .eq_ignore_ascii_case(b"bearer ")
            .then(|| token.to_vec())
    });
    let unauthorized = || {
        error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "an operator bearer token is required",
        )
    };
    let Some(presented) = presented else {
        return unauthorized();
    };
    let own = match std::str::from_utf8(&presented) {
        Ok(text) => match state.flow.store().operator_for_token(text).await {
            Ok(name) => name,
            Err(e) => {
                tracing::error!(error = %e, "operator lookup failed");
                return error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage",
                    "try again later",
                );
            }
        },
        Err(_) => None,
    };
    let actor = match own {
        Some(name) => name,
        None if state.token.as_ref().is_some_and(|t| t.matches(&presented)) => {
            actor(request.headers())
        }
        None => return unauthorized(),
    };
    let mut request = request;
    request.extensions_mut().insert(Actor(actor));
    next.run(request).await
}

fn actor(headers: &HeaderMap) -> String {
    let name: String = headers
        .get("x-operator")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_ACTOR_CHARS)
        .collect();
    if name.trim().is_empty() {
        "operator".to_owned()
    } else {
        name
    }
}

fn flow_error(e: FlowError) -> Response {
    let message = e.to_string();
    match e {
        FlowError::NotFound { .. } => error(StatusCode::NOT_FOUND, "not_found", message),
        FlowError::SystemEvent { .. } => error(StatusCode::NOT_FOUND, "unknown_action", message),
        FlowError::Transition(TransitionError::Illegal {
            regime,
            state,
            event,
        }) => (
            StatusCode::CONFLICT,
            Json(json!({
                "error": "illegal_transition", "message": message,
                "regime": regime, "state": state, "event": event,
            })),
        )
            .into_response(),
        FlowError::ComplaintWindow { .. } => {
            error(StatusCode::CONFLICT, "complaint_window_closed", message)
        }
        FlowError::Transition(TransitionError::Missing { .. }) => {
            error(StatusCode::UNPROCESSABLE_ENTITY, "missing", message)
        }
        FlowError::Store(CaseError::Conflict { .. }) => {
            error(StatusCode::CONFLICT, "conflict", message)
        }
        FlowError::Measure { .. } => error(StatusCode::BAD_GATEWAY, "measure_failed", message),
        FlowError::Calendar { .. } => {
            tracing::error!(error = %message, "calendar cannot compute a deadline");
            error(StatusCode::INTERNAL_SERVER_ERROR, "calendar", message)
        }
        FlowError::Store(_) => {
            tracing::error!(error = %message, "case store failed");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage",
                "try again later",
            )
        }
    }
}

/// The action path segment → the event it posts.
fn event_name(action: &str) -> Option<&'static str> {
    Some(match action {
        "acknowledge" => "acknowledge",
        "reject" => "reject",
        "measures" => "take_measures",
        "counter-notice" => "counter_notice",
        "forwarded" => "counter_forwarded",
        "escalation" => "escalate",
        "complaint" => "complaint",
        "review" => "review_decided",
        "resolution" => "resolved",
        "withdraw" => "withdraw",
        _ => return None,
    })
}

async fn post_action(
    State(state): State<Arc<OperatorState>>,
    Path((case_id, action)): Path<(String, String)>,
    axum::Extension(acting): axum::Extension<Actor>,
    body: Bytes,
) -> Response {
    let Some(name) = event_name(&action) else {
        return error(
            StatusCode::NOT_FOUND,
            "unknown_action",
            format!("no action {action:?}"),
        );
    };
    let mut fields = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(value @ Value::Object(_)) => value,
            Ok(_) | Err(_) => {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "malformed",
                    "the body must be a JSON object",
                );
            }
        }
    };
    fields["event"] = json!(name);
    let event: Event = match serde_json::from_value(fields) {
        Ok(event) => event,
        Err(e) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "malformed",
                format!("{action}: {e}"),
            );
        }
    };
    match state.flow.apply(&case_id, event, &acting.0).await {
        Ok(view) => Json(view).into_response(),
        Err(e) => flow_error(e),
    }
}

async fn get_case(
    State(state): State<Arc<OperatorState>>,
    Path(case_id): Path<String>,
) -> Response {
    match state.flow.case(&case_id).await {
        Ok(view) => Json(view).into_response(),
        Err(e) => flow_error(e),
    }
}

async fn get_case_events(
    State(state): State<Arc<OperatorState>>,
    Path(case_id): Path<String>,
) -> Response {
    match state.flow.case(&case_id).await {
        Ok(view) => Json(view.events).into_response(),
        Err(e) => flow_error(e),
    }
}

#[derive(Deserialize)]
struct FeedQuery {
    #[serde(default)]
    after: i64,
    limit: Option<u32>,
}

/// `GET /cases`'s query: filters and a page.
#[derive(Deserialize)]
struct CasesQuery {
    state: Option<String>,
    regime: Option<String>,
    seller: Option<String>,
    sender: Option<String>,
    deadline_before: Option<String>,
    #[serde(default)]
    offset: u32,
    limit: Option<u32>,
}

async fn get_cases(
    State(state): State<Arc<OperatorState>>,
    Query(query): Query<CasesQuery>,
) -> Response {
    let invalid = |field: &str, value: &str, expected: &str| {
        error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_filter",
            format!("{field}: {value:?} is not {expected}"),
        )
    };
    let case_state = match query.state.as_deref() {
        Some(s) => match crate::flow::State::parse(s) {
            Some(parsed) => Some(parsed),
            None => return invalid("state", s, "a case state"),
        },
        None => None,
    };
    let regime = match query.regime.as_deref() {
        Some(s) => match crate::flow::Regime::parse(s) {
            Some(parsed) => Some(parsed),
            None => return invalid("regime", s, "a regime"),
        },
        None => None,
    };
    let deadline_before = match query.deadline_before.as_deref() {
        Some(s) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(at) => Some(at.to_utc()),
            Err(_) => return invalid("deadline_before", s, "an RFC 3339 time"),
        },
        None => None,
    };
    let filter = crate::cases::CaseFilter {
        state: case_state,
        regime,
        seller: query.seller,
        sender: query.sender,
        deadline_before,
        offset: query.offset,
        limit: query.limit.unwrap_or(100).clamp(1, 1000),
    };
    match state.flow.store().list(&filter).await {
        Ok(cases) => Json(cases).into_response(),
        Err(e) => flow_error(e.into()),
    }
}

async fn get_feed(
    State(state): State<Arc<OperatorState>>,
    Query(query): Query<FeedQuery>,
) -> Response {
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    match state.flow.store().events_after(query.after, limit).await {
        Ok(events) => Json(events).into_response(),
        Err(e) => flow_error(e.into()),
    }
}

async fn post_tick(State(state): State<Arc<OperatorState>>) -> Response {
    match state.flow.tick().await {
        Ok(report) => Json(report).into_response(),
        Err(e) => flow_error(e),
    }
}

#[derive(Deserialize)]
struct RepeatQuery {
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    flagged: bool,
}

async fn get_repeat(
    State(state): State<Arc<OperatorState>>,
    Query(query): Query<RepeatQuery>,
) -> Response {
    let mut list = match repeat_infringers(state.flow.store(), state.repeat).await {
        Ok(list) => list,
        Err(e) => return flow_error(e.into()),
    };
    if query.flagged {
        list.retain(|r| r.flagged);
    }
    match query.format.as_deref() {
        None | Some("json") => Json(list).into_response(),
        Some("csv") => match to_csv(&list) {
            Ok(csv) => ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response(),
            Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "export", e.to_string()),
        },
        Some(other) => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "format",
            format!("unknown format {other:?}; use json or csv"),
        ),
    }
}

#[derive(Deserialize)]
struct Appeal {
    platform: String,
    seller: String,
    reason: String,
}

async fn post_appeal(
    State(state): State<Arc<OperatorState>>,
    Json(appeal): Json<Appeal>,
) -> Response {
    if appeal.reason.trim().is_empty() || appeal.seller.trim().is_empty() {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing",
            "an appeal needs a seller and a reason",
        );
    }
    let now = state.flow.clock().now();
    match state
        .flow
        .store()
        .set_appeal(&appeal.platform, &appeal.seller, &appeal.reason, now)
        .await
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => flow_error(e.into()),
    }
}

async fn get_metrics(State(state): State<Arc<OperatorState>>) -> Response {
    match metrics(state.flow.store()).await {
        Ok(metrics) => Json(metrics).into_response(),
        Err(e) => flow_error(e.into()),
    }
}
