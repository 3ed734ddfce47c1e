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
};
use serde::Deserialize;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    cases::{CaseError, CaseSummary, EventRecord},
    engine::{CaseFlow, CaseView, FlowError, TickReport},
    flow::{Event, TransitionError},
    metrics::{Metrics, metrics},
    repeat::{RepeatInfringer, RepeatPolicy, repeat_infringers, to_csv},
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

/// The operators' routes, each registered with its OpenAPI description.
fn operator_routes() -> OpenApiRouter<Arc<OperatorState>> {
    OpenApiRouter::new()
        .routes(routes!(get_cases))
        .routes(routes!(get_case))
        .routes(routes!(get_case_events))
        .routes(routes!(post_action))
        .routes(routes!(get_feed))
        .routes(routes!(post_tick))
        .routes(routes!(get_repeat))
        .routes(routes!(post_appeal))
        .routes(routes!(get_metrics))
}

/// The OpenAPI description of the operators' routes.
pub fn operator_openapi() -> utoipa::openapi::OpenApi {
    operator_routes().split_for_parts().1
}

pub fn operator_router(state: OperatorState) -> Router {
    let state = Arc::new(state);
    let (routes, _) = operator_routes().split_for_parts();
    routes
        .route_layer(middleware::from_fn_with_state(state.clone(), authorize))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Every refusal's body.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable code (`not_found`, `illegal_transition`, `missing`, `unauthorized`, …).
    pub error: String,
    /// What went wrong, for a person.
    pub message: String,
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(ErrorBody {
            error: code.to_owned(),
            message: message.into(),
        }),
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

/// What an action's body may carry; each action reads its own fields.
#[derive(Deserialize, serde::Serialize, utoipa::ToSchema)]
struct ActionBody {
    /// `reject`: why the notice is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    /// `measures`: the statement of reasons (required under the DSA, art. 17).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    statement_of_reasons: Option<String>,
    /// `counter-notice`: the seller's declaration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    declaration: Option<String>,
    /// `counter-notice`, `complaint`: evidence references (CN and fairs require some).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    evidence: Option<Vec<String>>,
    /// `forwarded`: when the declaration reached the complainant (default: now).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reached_at: Option<chrono::DateTime<chrono::Utc>>,
    /// `escalation`, `resolution`: the authority's or court's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
    /// `review`, `resolution`: whether the notice stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    upheld: Option<bool>,
    /// `complaint`: the DSA art. 20 complaint's grounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    grounds: Option<String>,
}

/// One step of a case. `acknowledge`; `reject` (`reason`); `measures`
/// (`statement_of_reasons`); `counter-notice` (`declaration`, `evidence`); `forwarded`
/// (`reached_at`); `escalation` (`reference`); `review` (`upheld`, `reason`: a person's
/// decision on an internal complaint, DSA art. 20); `complaint` (`grounds`, `evidence`: a
/// DSA art. 20 complaint against a rejection, by the notifier, or against measures, by the
/// seller, within six months of the decision); `resolution` (`upheld`, `reference`);
/// `withdraw` (`reason`).
#[utoipa::path(post, path = "/cases/{case_id}/{action}", tag = "operator",
    security(("operator" = [])),
    params(
        ("case_id" = String, Path, description = "The case."),
        ("action" = String, Path, description = "acknowledge, reject, measures, counter-notice, \
            forwarded, escalation, review, complaint, resolution or withdraw"),
    ),
    request_body(content = ActionBody, description = "The action's fields; may be empty."),
    responses(
        (status = 200, description = "The case after the step.", body = CaseView),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Not allowed in the case's state or regime, another \
            change came first, or the complaint window is closed.", body = ErrorBody),
        (status = 422, description = "A required field is missing.", body = ErrorBody),
        (status = 502, description = "The listing service failed.", body = ErrorBody),
    ))]
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
    // The fields an action may carry, typed as documented; others are ignored.
    if let Err(e) = serde_json::from_value::<ActionBody>(fields.clone()) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "malformed",
            format!("{action}: {e}"),
        );
    }
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

/// A case with its timeline and the deadlines of its regime.
#[utoipa::path(get, path = "/cases/{case_id}", tag = "operator", security(("operator" = [])),
    params(("case_id" = String, Path, description = "The case.")),
    responses((status = 200, body = CaseView), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_case(
    State(state): State<Arc<OperatorState>>,
    Path(case_id): Path<String>,
) -> Response {
    match state.flow.case(&case_id).await {
        Ok(view) => Json(view).into_response(),
        Err(e) => flow_error(e),
    }
}

/// A case's timeline, oldest first.
#[utoipa::path(get, path = "/cases/{case_id}/events", tag = "operator",
    security(("operator" = [])),
    params(("case_id" = String, Path, description = "The case.")),
    responses((status = 200, body = Vec<EventRecord>), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_case_events(
    State(state): State<Arc<OperatorState>>,
    Path(case_id): Path<String>,
) -> Response {
    match state.flow.case(&case_id).await {
        Ok(view) => Json(view.events).into_response(),
        Err(e) => flow_error(e),
    }
}

/// `GET /case-events`'s query: a page of the desk's whole history.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct FeedQuery {
    /// Only events after this sequence number (the last one read).
    #[serde(default)]
    after: i64,
    /// At most this many (1–1000, default 100).
    limit: Option<u32>,
}

/// `GET /cases`'s query: filters and a page.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct CasesQuery {
    /// Only cases in this state.
    state: Option<String>,
    /// Only cases under this regime (`cn_ecommerce`, `eu_dsa`, `us_dmca`, `trade_fair`).
    regime: Option<String>,
    /// Only cases against this seller.
    seller: Option<String>,
    /// Only notices from this sender (the owner id in the notice).
    sender: Option<String>,
    /// Only cases whose window ends before this RFC 3339 time.
    deadline_before: Option<String>,
    /// Skip this many.
    #[serde(default)]
    offset: u32,
    /// At most this many (1–1000, default 100).
    limit: Option<u32>,
}

/// The inbox: cases filtered on the server, nearest deadline first.
#[utoipa::path(get, path = "/cases", tag = "operator", security(("operator" = [])),
    params(CasesQuery),
    responses((status = 200, body = Vec<CaseSummary>), (status = 401, body = ErrorBody),
        (status = 422, description = "A filter that does not parse.", body = ErrorBody)))]
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

/// Every case's transitions in order: what a sender's case feed follows.
#[utoipa::path(get, path = "/case-events", tag = "operator", security(("operator" = [])),
    params(FeedQuery),
    responses((status = 200, body = Vec<EventRecord>), (status = 401, body = ErrorBody)))]
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

/// Ends the windows that ran out and retries pending effects now (the desk's ticker does
/// this on its own every `--tick-every` seconds).
#[utoipa::path(post, path = "/tick", tag = "operator", security(("operator" = [])),
    responses((status = 200, body = TickReport), (status = 401, body = ErrorBody)))]
async fn post_tick(State(state): State<Arc<OperatorState>>) -> Response {
    match state.flow.tick().await {
        Ok(report) => Json(report).into_response(),
        Err(e) => flow_error(e),
    }
}

/// `GET /repeat-infringers`'s query.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct RepeatQuery {
    /// `json` (default) or `csv`.
    #[serde(default)]
    format: Option<String>,
    /// Only sellers at or above the threshold.
    #[serde(default)]
    flagged: bool,
}

/// Sellers with upheld cases per platform, flagged at the threshold, with their appeals.
#[utoipa::path(get, path = "/repeat-infringers", tag = "operator",
    security(("operator" = [])), params(RepeatQuery),
    responses(
        (status = 200, description = "The list, as JSON or CSV (`format`).", content(
            (Vec<RepeatInfringer> = "application/json"), (String = "text/csv"))),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
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

/// A seller's appeal against the repeat-infringer flag.
#[derive(Deserialize, utoipa::ToSchema)]
struct Appeal {
    /// The platform the flag is on.
    platform: String,
    /// The seller appealing.
    seller: String,
    /// Why.
    reason: String,
}

/// Records (or replaces) a seller's appeal; the flag stays and the appeal is shown beside it.
#[utoipa::path(post, path = "/repeat-infringers/appeal", tag = "operator",
    security(("operator" = [])), request_body = Appeal,
    responses((status = 204, description = "Recorded."), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
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

/// The operators' figures as JSON: time to measures per platform, cases per state, unknown
/// deadlines (Prometheus text is on `--admin-listen`).
#[utoipa::path(get, path = "/metrics", tag = "operator", security(("operator" = [])),
    responses((status = 200, body = Metrics), (status = 401, body = ErrorBody)))]
async fn get_metrics(State(state): State<Arc<OperatorState>>) -> Response {
    match metrics(state.flow.store()).await {
        Ok(metrics) => Json(metrics).into_response(),
        Err(e) => flow_error(e.into()),
    }
}
