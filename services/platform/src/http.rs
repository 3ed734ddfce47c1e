//! The handler's HTTP interface: `POST /notices` (signed), `GET /healthz`, and, when served
//! with [`OperatorState`], the operators' routes of [`crate::operator`].
//!
//! Each notice runs under the regime it names in its own `regime` field (a DMCA, a DSA and a
//! CN notice reach one desk side by side); a notice that names none runs under its platform's
//! or the desk's default ([`CaseStore::regime_for`]), and a desk restricted to some regimes
//! ([`CaseStore::with_accepted_regimes`]) refuses the others. Every notice gets the common
//! completeness checks; with [`CaseStore::with_regime_checks`] it is also checked against the
//! elements its regime asks for (`takedown serve platform` turns this on), each missing one
//! named.

use std::{future::Future, sync::Arc};

use axum::{
    Json, Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use takedown_model::{Regime, notice::FiledNotice};
use takedown_webhook::{HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, Headers, Secret};
use utoipa::{
    Modify, OpenApi, ToSchema,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    cases::CaseStore,
    check::completeness,
    operator::{OperatorState, operator_router},
    telemetry::{self, Refusal},
};

/// Bodies above this are refused before parsing.
const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

#[derive(Clone)]
pub struct HandlerState {
    pub cases: CaseStore,
    pub secret: Secret,
    /// How far a webhook timestamp may be from now (seconds) before it counts as a replay.
    pub tolerance_secs: i64,
}

/// The webhook payload as the notifier sends it.
#[derive(Deserialize)]
struct Payload {
    #[serde(rename = "type")]
    kind: String,
    data: FiledNotice,
}

/// Whether the payload's notice names its regime: [`FiledNotice`] fills an absent `regime`
/// with the default, and an absent one must fall back to the desk's configuration instead.
#[derive(Deserialize)]
struct NamedRegime {
    data: RegimeField,
}

/// The notice's `regime` field alone.
#[derive(Deserialize)]
struct RegimeField {
    #[serde(default)]
    regime: Option<Regime>,
}

/// A verified notice with the regime its case runs under.
struct Received {
    filed: FiledNotice,
    regime: Regime,
}

/// The notice route and `/healthz`, each registered with its OpenAPI description.
fn notice_routes() -> OpenApiRouter<Arc<HandlerState>> {
    OpenApiRouter::new()
        .routes(routes!(receive_notice))
        .routes(routes!(healthz))
}

pub fn router(state: HandlerState) -> Router {
    let (routes, _) = notice_routes().split_for_parts();
    routes
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(Arc::new(state))
}

/// The notice route plus the operators' routes (case flow, repeat infringers, metrics), and
/// `GET /openapi.json` describing them all (public: it holds no case data).
pub fn router_with_operations(state: HandlerState, operations: OperatorState) -> Router {
    let doc = Arc::new(openapi());
    router(state).merge(operator_router(operations)).route(
        "/openapi.json",
        get(move || {
            let doc = doc.clone();
            async move { Json(doc.as_ref().clone()) }
        }),
    )
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "takedown platform desk",
        description = "A platform's notice-and-takedown desk (`takedown serve platform`): \
            signed notices in, cases run through the statutory flow of each notice's regime \
            (CN E-Commerce Law arts. 42-43, EU DSA arts. 16, 17 and 20, US DMCA 512(g), \
            trade-fair complaints), operators' routes behind bearer tokens."
    ),
    modifiers(&OperatorAuth)
)]
struct DeskDoc;

/// The operators' bearer tokens as a security scheme.
struct OperatorAuth;

impl Modify for OperatorAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "operator",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("tdo_<id>_<secret>, or the shared operator token")
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document of the whole desk: the notice route and the operators' routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = DeskDoc::openapi();
    doc.merge(notice_routes().split_for_parts().1);
    doc.merge(crate::operator::operator_openapi());
    doc
}

/// The process answers.
#[utoipa::path(get, path = "/healthz", tag = "notices",
    responses((status = 200, description = "ok", body = String, content_type = "text/plain")))]
async fn healthz() -> &'static str {
    "ok"
}

/// The answer to a notice that opened (or found) a case.
#[derive(Serialize, ToSchema)]
struct Opened {
    /// The case, `stable_id("case", [notice id])`.
    case_id: String,
    /// Always `received`.
    status: &'static str,
    /// The regime the new case runs under (the notice's own, else the desk's default).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    regime: Option<Regime>,
    /// Set on a redelivery of a notice already received.
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate: Option<bool>,
}

/// A refusal of a notice: `error` is `signature`, `malformed` (with `problems`), `type`,
/// `id`, `regime`, `incomplete` (with `regime` and `fields`), `conflict` or `storage`.
#[derive(Serialize, ToSchema)]
struct Refused {
    /// The refusal's code.
    error: String,
    /// What went wrong, where there is a sentence for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    /// `malformed`: every problem of the payload, each with where it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    problems: Option<Vec<String>>,
    /// `incomplete`, `regime`: the regime the notice was checked under.
    #[serde(skip_serializing_if = "Option::is_none")]
    regime: Option<String>,
    /// `incomplete`: each missing element with the rule that asks for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    fields: Option<serde_json::Value>,
}

/// Serves the notice route and the operators' routes until `shutdown` resolves.
pub async fn serve_with_operations(
    state: HandlerState,
    operations: OperatorState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router_with_operations(state, operations))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Serves the handler on `listener` until `shutdown` resolves.
pub async fn serve(
    state: HandlerState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({ "error": code, "message": message.into() })),
    )
        .into_response()
}

/// Receives a notice: a Standard Webhooks signed `notice.filed` payload whose `data` is a
/// notice as `schemas/notice.schema.json` publishes it. Its case runs under the regime the
/// notice names in `data.regime` (else the desk's default); a redelivery of the same notice
/// answers with the same case.
#[utoipa::path(post, path = "/notices", tag = "notices",
    params(
        ("webhook-id" = String, Header, description = "The notice id (the idempotency key)."),
        ("webhook-timestamp" = i64, Header, description = "Seconds since the epoch; 5 minutes of tolerance."),
        ("webhook-signature" = String, Header, description = "`v1,<base64 HMAC-SHA256>` over id, timestamp and body."),
    ),
    request_body(content = Object, description = "`{\"type\": \"notice.filed\", \"data\": NOTICE}`",
        content_type = "application/json"),
    responses(
        (status = 201, description = "A case was opened.", body = Opened),
        (status = 200, description = "Already received: the same case.", body = Opened),
        (status = 401, description = "The signature or timestamp does not verify.", body = Refused),
        (status = 409, description = "The notice id came before with other content.", body = Refused),
        (status = 422, description = "Not a notice, a regime the desk does not take, or incomplete.", body = Refused),
        (status = 503, description = "The case database failed; send again later.", body = Refused),
    ))]
async fn receive_notice(
    State(state): State<Arc<HandlerState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let received = match verified_notice(&state, &headers, &body) {
        Ok(received) => received,
        Err(refusal) => return *refusal,
    };
    if let Err(refusal) = check_regime_taken(&state, &received) {
        return *refusal;
    }
    if let Err(refusal) = check_complete(&state, &received) {
        return *refusal;
    }
    if let Err(refusal) = check_not_changed(&state, &received, &body).await {
        return *refusal;
    }
    open_case(&state, &received, &body).await
}

/// The notice in a signed `notice.filed` payload whose webhook id is the notice id, with the
/// regime its case runs under; else the refusal to answer.
fn verified_notice(
    state: &HandlerState,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Received, Box<Response>> {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let webhook = Headers {
        id: header(HEADER_ID),
        timestamp: header(HEADER_TIMESTAMP),
        signature: header(HEADER_SIGNATURE),
    };
    if let Err(e) = state.secret.verify(
        &webhook,
        body,
        chrono::Utc::now().timestamp(),
        state.tolerance_secs,
    ) {
        tracing::warn!(error = %e, "notice refused: signature");
        telemetry::notice_refused(None, Refusal::Signature);
        return Err(Box::new(error(
            StatusCode::UNAUTHORIZED,
            "signature",
            e.to_string(),
        )));
    }
    let payload: Payload = match serde_json::from_slice(body) {
        Ok(payload) => payload,
        Err(e) => {
            telemetry::notice_refused(None, Refusal::Malformed);
            let problems = payload_problems(body);
            return Err(Box::new(
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Json(json!({
                        "error": "malformed",
                        "message": format!("body is not a notice payload: {e}"),
                        "problems": problems,
                    })),
                )
                    .into_response(),
            ));
        }
    };
    if payload.kind != "notice.filed" {
        telemetry::notice_refused(None, Refusal::Malformed);
        return Err(Box::new(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "type",
            format!("unknown payload type {:?}", payload.kind),
        )));
    }
    let filed = payload.data;
    if webhook.id != Some(filed.notice.id.as_str()) {
        telemetry::notice_refused(None, Refusal::Malformed);
        return Err(Box::new(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "id",
            "webhook-id must equal the notice id",
        )));
    }
    // The body decoded as a payload above, so it decodes as this narrower view too.
    let named = serde_json::from_slice::<NamedRegime>(body)
        .ok()
        .and_then(|named| named.data.regime);
    let regime = state.cases.regime_of(&filed.notice, named);
    Ok(Received { filed, regime })
}

/// Refuses a notice under a regime this desk does not take.
fn check_regime_taken(state: &HandlerState, received: &Received) -> Result<(), Box<Response>> {
    let regime = received.regime;
    if state.cases.accepts(regime) {
        return Ok(());
    }
    tracing::warn!(notice = %received.filed.notice.id, regime = regime.as_str(), "notice refused: regime not taken");
    telemetry::notice_refused(Some(regime), Refusal::Regime);
    Err(Box::new(
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "error": "regime",
                "regime": regime.as_str(),
                "message": format!("this desk does not take notices under {}", regime.as_str()),
            })),
        )
            .into_response(),
    ))
}

/// Refuses a notice missing a field the handler (and, when it checks, the regime) requires.
fn check_complete(state: &HandlerState, received: &Received) -> Result<(), Box<Response>> {
    let filed = &received.filed;
    let notice = &filed.notice;
    let regime = received.regime;
    let mut missing = completeness(notice);
    if state.cases.regime_checks() {
        missing.extend(regime.missing_to_accept(filed));
    }
    if !missing.is_empty() {
        tracing::warn!(notice = %notice.id, regime = regime.as_str(), missing = missing.len(), "notice refused: incomplete");
        telemetry::notice_refused(Some(regime), Refusal::Incomplete);
        return Err(Box::new(
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(
                    json!({ "error": "incomplete", "regime": regime.as_str(), "fields": missing }),
                ),
            )
                .into_response(),
        ));
    }
    Ok(())
}

/// Refuses a notice id already received with different content.
async fn check_not_changed(
    state: &HandlerState,
    received: &Received,
    body: &Bytes,
) -> Result<(), Box<Response>> {
    let notice = &received.filed.notice;
    match state.cases.received_body(&notice.id).await {
        Ok(Some(first)) if !same_notice(&first, body) => {
            tracing::warn!(notice = %notice.id, "notice refused: same id, different content");
            telemetry::notice_refused(Some(received.regime), Refusal::Conflict);
            Err(Box::new(error(
                StatusCode::CONFLICT,
                "conflict",
                format!(
                    "notice {} was already received with different content; a changed notice \
                     needs a new id",
                    notice.id
                ),
            )))
        }
        Ok(_) => Ok(()),
        Err(e) => {
            tracing::error!(error = %e, "case store failed");
            Err(Box::new(error(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage",
                "try again later",
            )))
        }
    }
}

/// Opens the notice's case under its regime (or finds it, for a redelivery) and answers with
/// its id.
async fn open_case(state: &HandlerState, received: &Received, body: &Bytes) -> Response {
    let notice = &received.filed.notice;
    let regime = received.regime;
    match state
        .cases
        .open_case_under(notice, regime, &String::from_utf8_lossy(body))
        .await
    {
        Ok((case_id, true)) => {
            tracing::info!(case = %case_id, notice = %notice.id, regime = regime.as_str(), "case opened");
            telemetry::notice_received(regime, &notice.owner_id);
            let opened = Opened {
                case_id,
                status: "received",
                regime: Some(regime),
                duplicate: None,
            };
            (StatusCode::CREATED, Json(opened)).into_response()
        }
        Ok((case_id, false)) => {
            let found = Opened {
                case_id,
                status: "received",
                regime: None,
                duplicate: Some(true),
            };
            (StatusCode::OK, Json(found)).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "case store failed");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage",
                "try again later",
            )
        }
    }
}

/// Whether a redelivered body carries the same notice as the first one: the same `data`,
/// compared as JSON values so that formatting does not count.
fn same_notice(first: &str, again: &[u8]) -> bool {
    let data = |v: serde_json::Value| v.get("data").cloned();
    match (
        serde_json::from_str::<serde_json::Value>(first),
        serde_json::from_slice::<serde_json::Value>(again),
    ) {
        (Ok(a), Ok(b)) => data(a) == data(b),
        _ => first.as_bytes() == again,
    }
}

/// The published notice schema (`schemas/notice.schema.json`, generated from the model and
/// checked against it by the actioner's schema test), compiled once.
fn notice_schema() -> Option<&'static jsonschema::Validator> {
    static SCHEMA: std::sync::OnceLock<Option<jsonschema::Validator>> = std::sync::OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let schema: serde_json::Value =
                serde_json::from_str(include_str!("../../../schemas/notice.schema.json")).ok()?;
            jsonschema::draft202012::new(&schema).ok()
        })
        .as_ref()
}

/// Every problem of a payload that does not decode, each with where it is (`/data/id: "id"
/// is a required property`): serde stops at the first, a sender needs them all.
fn payload_problems(body: &[u8]) -> Vec<String> {
    let value: serde_json::Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => return vec![format!("not JSON: {e}")],
    };
    let mut problems = Vec::new();
    let Some(object) = value.as_object() else {
        return vec!["the payload must be an object with \"type\" and \"data\"".into()];
    };
    for key in ["type", "data"] {
        if !object.contains_key(key) {
            problems.push(format!("\"{key}\" is a required property"));
        }
    }
    if let (Some(data), Some(schema)) = (object.get("data"), notice_schema()) {
        problems.extend(
            schema
                .iter_errors(data)
                .map(|e| format!("/data{}: {e}", e.instance_path())),
        );
    }
    problems
}
