//! Brand-owner routes: rights (CRUD and bulk import), authorized sellers, policy, the review
//! queue, cases.
//!
//! Approving a match records the decision (with reason and actor) in `review_decisions` and
//! files its notice through [`crate::file`], which composes and validates it with
//! `takedown_filing` as the actioner does, so the notice text and its idempotency stay in
//! one place.

use axum::{
    Extension, Json,
    extract::{Path, State, rejection::JsonRejection},
    http::{HeaderMap, StatusCode, header},
};
use serde::{Deserialize, Serialize};
use takedown_model::{AuthorizedSeller, CaseEvent, TenantKind};
use takedown_store::owned::{NoticeParty, ReviewDecision, status::DEFAULT_STATUS};
use utoipa::ToSchema;

use crate::{
    AppState, audit,
    auth::Caller,
    error::{ApiError, ApiResult, ErrorBody, body_error},
    rights::{self, ImportReport, RightDto},
    routes::settings,
    validate,
};

/// The caller's right shown as `id`: stored as `<owner>/<id>`, or as plain `id` when it was
/// registered before the API by `takedown rights import`. Both lookups are owner-scoped.
pub(crate) async fn find_right(
    store: &takedown_store::Store,
    owner: &str,
    id: &str,
) -> ApiResult<takedown_model::Right> {
    if let Some(right) = store.right_of(owner, &rights::stored_id(owner, id)).await? {
        return Ok(right);
    }
    store.right_of(owner, id).await?.ok_or(ApiError::NotFound)
}

/// The status of the owner's right (registered if it never changed).
async fn current_status(
    store: &takedown_store::Store,
    owner: &str,
    stored_id: &str,
) -> ApiResult<String> {
    Ok(store
        .right_status_of(owner, stored_id)
        .await?
        .map_or_else(|| DEFAULT_STATUS.to_owned(), |s| s.status))
}

pub(crate) fn owner(caller: &Caller) -> ApiResult<&str> {
    caller.require_kind(TenantKind::BrandOwner)?;
    Ok(caller.tenant_id())
}

#[utoipa::path(get, path = "/v1/rights", tag = "brand_owner", security(("bearer" = [])),
    responses((status = 200, body = Vec<RightDto>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_rights(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Json<Vec<RightDto>>> {
    let owner = owner(&caller)?;
    let rights = state.store.rights_of(owner).await?;
    let statuses: std::collections::HashMap<String, String> = state
        .store
        .right_statuses_of(owner)
        .await?
        .into_iter()
        .map(|s| (s.right_id, s.status))
        .collect();
    Ok(Json(
        rights
            .iter()
            .map(|r| {
                let status = statuses.get(&r.id).map_or(DEFAULT_STATUS, String::as_str);
                RightDto::from_right(r).with_status(status)
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/v1/rights", tag = "brand_owner", security(("bearer" = [])), request_body = RightDto,
    responses((status = 201, body = RightDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_right(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<RightDto>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<RightDto>)> {
    let owner = owner(&caller)?;
    let Json(dto) = body.map_err(body_error)?;
    let right = dto.validate(owner)?;
    let status = match dto.status.as_deref() {
        None | Some("registered") => "registered",
        Some("pending") => "pending",
        Some(_) => {
            return Err(ApiError::invalid(
                "status",
                "a new right is pending or registered; later changes go through \
                 POST /v1/rights/{id}/status",
            ));
        }
    };
    if state.store.right_of(owner, &right.id).await?.is_some() {
        return Err(ApiError::Conflict(
            "a right with this id exists; use PUT to change it",
        ));
    }
    state.store.upsert_right(&right).await?;
    if status != DEFAULT_STATUS {
        state
            .store
            .set_right_status(&right, status, &caller.actor())
            .await?;
    }
    let shown = RightDto::from_right(&right).with_status(status);
    audit::record(
        &state.store,
        &caller,
        "create",
        "right",
        &shown.id,
        None::<&()>,
        Some(&shown),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(shown)))
}

#[utoipa::path(get, path = "/v1/rights/{id}", tag = "brand_owner", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = RightDto), (status = 404, body = ErrorBody)))]
pub async fn get_right(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<RightDto>> {
    let owner = owner(&caller)?;
    let right = find_right(&state.store, owner, &id).await?;
    let status = current_status(&state.store, owner, &right.id).await?;
    Ok(Json(RightDto::from_right(&right).with_status(&status)))
}

#[utoipa::path(put, path = "/v1/rights/{id}", tag = "brand_owner", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = RightDto,
    responses((status = 200, body = RightDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_right(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Result<Json<RightDto>, JsonRejection>,
) -> ApiResult<Json<RightDto>> {
    let owner = owner(&caller)?;
    let before = find_right(&state.store, owner, &id).await?;
    let Json(dto) = body.map_err(body_error)?;
    if dto.id != id {
        return Err(ApiError::invalid("id", "must equal the id in the path"));
    }
    let status = current_status(&state.store, owner, &before.id).await?;
    if dto.status.as_ref().is_some_and(|s| *s != status) {
        return Err(ApiError::invalid(
            "status",
            "changes only through POST /v1/rights/{id}/status",
        ));
    }
    let mut right = dto.validate(owner)?;
    // Keep the stored id (a right registered before the API has no owner prefix).
    right.id = before.id.clone();
    state.store.upsert_right(&right).await?;
    let shown = RightDto::from_right(&right);
    audit::record(
        &state.store,
        &caller,
        "update",
        "right",
        &id,
        Some(&RightDto::from_right(&before)),
        Some(&shown),
    )
    .await?;
    Ok(Json(shown))
}

#[utoipa::path(delete, path = "/v1/rights/{id}", tag = "brand_owner", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_right(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let owner = owner(&caller)?;
    let before = find_right(&state.store, owner, &id).await?;
    state.store.delete_right_of(owner, &before.id).await?;
    audit::record(
        &state.store,
        &caller,
        "delete",
        "right",
        &id,
        Some(&RightDto::from_right(&before)),
        None::<&()>,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Largest bulk-import body: about 300,000 CSV rows of word marks.
pub const BULK_MAX_BYTES: usize = 64 * 1024 * 1024;

/// Bulk import: `Content-Type: text/csv` (columns as `takedown rights bulk` documents) or
/// `application/json` (an array of rights). Valid rows are imported in one transaction;
/// refused rows are reported with row, field and rule.
#[utoipa::path(post, path = "/v1/rights/bulk", tag = "brand_owner", security(("bearer" = [])),
    request_body(content((String = "text/csv"), (Vec<RightDto> = "application/json"))),
    responses((status = 200, body = ImportReport), (status = 413, body = ErrorBody, description = "the body is larger than 64 MiB: split the file"),
        (status = 422, body = ErrorBody)))]
pub async fn bulk_import(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> ApiResult<Json<ImportReport>> {
    let owner = owner(&caller)?;
    // Read at most one byte past the cap, so an oversized body is refused without being
    // held whole in memory.
    let body = axum::body::to_bytes(body, BULK_MAX_BYTES)
        .await
        .map_err(|_| ApiError::TooLarge {
            field: "body".into(),
            rule: format!("must be at most {BULK_MAX_BYTES} bytes; split the file"),
        })?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let parsed = if content_type.starts_with("text/csv") {
        rights::parse_csv(owner, &body)?
    } else if content_type.starts_with("application/json") {
        rights::parse_json(owner, &body)?
    } else {
        return Err(ApiError::invalid(
            "content-type",
            "must be text/csv or application/json",
        ));
    };
    let report = import_rights(&state.store, &caller, owner, parsed).await?;
    Ok(Json(report))
}

/// Stores validated rights and writes one audit entry for the import.
pub async fn import_rights(
    store: &takedown_store::Store,
    caller: &Caller,
    owner: &str,
    mut parsed: rights::ParsedRights,
) -> ApiResult<ImportReport> {
    // Ids are owner-prefixed, so no row should collide with another owner's right; one that
    // does (a right stored under that id by another path) is reported with its row.
    let refused = store.upsert_rights_of(owner, &parsed.rights).await?;
    parsed.refuse_stored(&refused);
    let report = ImportReport {
        imported: parsed.rights.len() - refused.len(),
        errors: parsed.errors,
    };
    audit::record(
        store,
        caller,
        "import",
        "right",
        "bulk",
        None::<&()>,
        Some(&serde_json::json!({ "imported": report.imported, "refused": report.errors.len() })),
    )
    .await?;
    Ok(report)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SellerDto {
    pub platform: String,
    pub seller: String,
}

#[utoipa::path(get, path = "/v1/authorized-sellers", tag = "brand_owner", security(("bearer" = [])),
    responses((status = 200, body = Vec<SellerDto>), (status = 403, body = ErrorBody)))]
pub async fn list_sellers(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Json<Vec<SellerDto>>> {
    let owner = owner(&caller)?;
    let sellers = state.store.authorized_sellers_of(owner).await?;
    Ok(Json(
        sellers
            .into_iter()
            .map(|s| SellerDto {
                platform: s.platform,
                seller: s.seller,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/v1/authorized-sellers", tag = "brand_owner", security(("bearer" = [])), request_body = SellerDto,
    responses((status = 201, body = SellerDto), (status = 422, body = ErrorBody)))]
pub async fn add_seller(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<SellerDto>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<SellerDto>)> {
    let owner = owner(&caller)?;
    let Json(dto) = body.map_err(body_error)?;
    validate::required("platform", &dto.platform)?;
    validate::required("seller", &dto.seller)?;
    state
        .store
        .add_authorized_seller(&AuthorizedSeller {
            owner_id: owner.to_owned(),
            platform: dto.platform.clone(),
            seller: dto.seller.clone(),
        })
        .await?;
    let id = format!("{}/{}", dto.platform, dto.seller);
    audit::record(
        &state.store,
        &caller,
        "create",
        "authorized_seller",
        &id,
        None::<&()>,
        Some(&dto),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(dto)))
}

#[utoipa::path(delete, path = "/v1/authorized-sellers/{platform}/{seller}", tag = "brand_owner", security(("bearer" = [])),
    params(("platform" = String, Path), ("seller" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn remove_seller(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((platform, seller)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let owner = owner(&caller)?;
    let row = AuthorizedSeller {
        owner_id: owner.to_owned(),
        platform,
        seller,
    };
    if !state.store.remove_authorized_seller(&row).await? {
        return Err(ApiError::NotFound);
    }
    let dto = SellerDto {
        platform: row.platform,
        seller: row.seller,
    };
    let id = format!("{}/{}", dto.platform, dto.seller);
    audit::record(
        &state.store,
        &caller,
        "delete",
        "authorized_seller",
        &id,
        Some(&dto),
        None::<&()>,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The owner's filing policy. The actioner decides each of the owner's matches by it: its
/// thresholds replace the configured ones for this owner, and its review-only platforms get
/// nothing filed without review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PolicyDto {
    /// Matches scoring at or above this (0–1) are filed without review.
    pub auto_file_threshold: f32,
    /// Thresholds for one kind of match, overriding `auto_file_threshold` for it (as the
    /// actioner's policy file's `auto_file_thresholds`).
    #[serde(default, skip_serializing_if = "KindThresholdsDto::is_empty")]
    pub auto_file_thresholds: KindThresholdsDto,
    /// Platforms to which notices are never sent automatically.
    #[serde(default)]
    pub review_only_platforms: Vec<String>,
}

/// Auto-file thresholds (0–1) per kind of match; a kind left out uses the policy's
/// `auto_file_threshold`. A score is the estimated precision of matches like it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KindThresholdsDto {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub word_mark: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design: Option<f32>,
}

impl KindThresholdsDto {
    fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// The first threshold outside 0..=1, as the field it was sent in.
    fn out_of_range(&self) -> Option<&'static str> {
        [
            ("auto_file_thresholds.word_mark", self.word_mark),
            ("auto_file_thresholds.logo", self.logo),
            ("auto_file_thresholds.design", self.design),
        ]
        .into_iter()
        .find(|(_, value)| value.is_some_and(|v| !(0.0..=1.0).contains(&v)))
        .map(|(field, _)| field)
    }
}

/// The owner's policy document, which the actioner reads for each of the owner's matches.
const POLICY: &str = takedown_filing::owner_policy::POLICY_DOC;

#[utoipa::path(get, path = "/v1/policy", tag = "brand_owner", security(("bearer" = [])),
    responses((status = 200, body = PolicyDto), (status = 404, body = ErrorBody)))]
pub async fn get_policy(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Json<PolicyDto>> {
    let owner = owner(&caller)?;
    settings::read(&state, owner, POLICY).await.map(Json)
}

#[utoipa::path(put, path = "/v1/policy", tag = "brand_owner", security(("bearer" = [])), request_body = PolicyDto,
    responses((status = 200, body = PolicyDto), (status = 422, body = ErrorBody)))]
pub async fn put_policy(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<PolicyDto>, JsonRejection>,
) -> ApiResult<Json<PolicyDto>> {
    let owner = owner(&caller)?;
    let Json(policy) = body.map_err(body_error)?;
    if !(0.0..=1.0).contains(&policy.auto_file_threshold) {
        return Err(ApiError::invalid(
            "auto_file_threshold",
            "must be between 0 and 1",
        ));
    }
    if let Some(field) = policy.auto_file_thresholds.out_of_range() {
        return Err(ApiError::invalid(field, "must be between 0 and 1"));
    }
    settings::write(&state, &caller, owner, POLICY, "policy", &policy).await?;
    Ok(Json(policy))
}

/// A match waiting for the owner's decision.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReviewItem {
    pub match_id: String,
    pub listing_url: String,
    pub platform: String,
    pub seller: String,
    pub right_id: String,
    pub score: f32,
    /// The matcher's reason, as JSON.
    pub reason: serde_json::Value,
}

#[utoipa::path(get, path = "/v1/review", tag = "brand_owner", security(("bearer" = [])),
    responses((status = 200, body = Vec<ReviewItem>), (status = 403, body = ErrorBody)))]
pub async fn review_queue(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Json<Vec<ReviewItem>>> {
    let owner = owner(&caller)?;
    let queue = state.store.review_queue_of(owner).await?;
    Ok(Json(
        queue
            .into_iter()
            .map(|m| ReviewItem {
                match_id: m.found.id,
                listing_url: m.found.listing_url,
                platform: m.found.platform,
                seller: m.found.seller,
                right_id: m.found.right_id,
                score: m.found.score,
                reason: serde_json::to_value(&m.found.reason).unwrap_or_default(),
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DecisionBody {
    pub reason: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DecisionDto {
    pub match_id: String,
    pub approved: bool,
    pub reason: String,
    pub decided_at: String,
    /// The notice the approval filed (absent on a rejection).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice_id: Option<String>,
}

/// Approves (filing its notice) or rejects the owner's queued match; the console's review
/// forms decide through here too. `body` is checked only once the match is found, so
/// another tenant's match is the same 404 whatever the body.
pub(crate) async fn decide(
    state: &AppState,
    caller: &Caller,
    match_id: &str,
    approved: bool,
    body: ApiResult<DecisionBody>,
) -> ApiResult<Json<DecisionDto>> {
    let owner = owner(caller)?;
    let found = state
        .store
        .match_of(owner, match_id)
        .await?
        .ok_or(ApiError::NotFound)?
        .found;
    let body = body?;
    validate::required("reason", &body.reason)?;
    let earlier = state.store.review_decision(match_id).await?;
    match &earlier {
        // Approving again files nothing new: it re-publishes the same notice (healing a
        // crash between the decision and the publish) and answers with the first decision.
        Some(done) if done.approved && approved => {
            let filed = state.filer.compose(&state.store, &found).await?;
            state.filer.file(&state.store, &filed).await?;
            return Ok(Json(DecisionDto {
                match_id: done.match_id.clone(),
                approved: true,
                reason: done.reason.clone(),
                decided_at: done.decided_at.clone(),
                notice_id: Some(filed.notice.id),
            }));
        }
        Some(_) => return Err(ApiError::Conflict("this match was already decided")),
        None => {}
    }
    // Composed and validated before the decision is recorded, so an incomplete notice
    // leaves the match in the queue for the owner to complete and approve again.
    let filed = if approved {
        Some(state.filer.compose(&state.store, &found).await?)
    } else {
        None
    };
    let decision = ReviewDecision {
        match_id: match_id.to_owned(),
        owner_id: owner.to_owned(),
        approved,
        reason: body.reason.trim().to_owned(),
        actor: caller.actor(),
        decided_at: chrono::Utc::now().to_rfc3339(),
    };
    if !state.store.record_review_decision(&decision).await? {
        // A concurrent decision won the race.
        return Err(ApiError::Conflict("this match was already decided"));
    }
    if let Some(filed) = &filed {
        state.filer.file(&state.store, filed).await?;
    }
    let dto = DecisionDto {
        match_id: decision.match_id,
        approved,
        reason: decision.reason,
        decided_at: decision.decided_at,
        notice_id: filed.map(|f| f.notice.id),
    };
    let action = if approved { "approve" } else { "reject" };
    audit::record(
        &state.store,
        caller,
        action,
        "match",
        match_id,
        None::<&()>,
        Some(&dto),
    )
    .await?;
    Ok(Json(dto))
}

fn json_body(body: Result<Json<DecisionBody>, JsonRejection>) -> ApiResult<DecisionBody> {
    body.map(|Json(body)| body).map_err(body_error)
}

/// Approves a queued match and files its notice; approving again files nothing new.
#[utoipa::path(post, path = "/v1/review/{match_id}/approve", tag = "brand_owner", security(("bearer" = [])),
    params(("match_id" = String, Path)), request_body = DecisionBody,
    responses((status = 200, body = DecisionDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(match_id): Path<String>,
    body: Result<Json<DecisionBody>, JsonRejection>,
) -> ApiResult<Json<DecisionDto>> {
    decide(&state, &caller, &match_id, true, json_body(body)).await
}

#[utoipa::path(post, path = "/v1/review/{match_id}/reject", tag = "brand_owner", security(("bearer" = [])),
    params(("match_id" = String, Path)), request_body = DecisionBody,
    responses((status = 200, body = DecisionDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(match_id): Path<String>,
    body: Result<Json<DecisionBody>, JsonRejection>,
) -> ApiResult<Json<DecisionDto>> {
    decide(&state, &caller, &match_id, false, json_body(body)).await
}

/// A filed notice with its status and case.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CaseDto {
    pub notice_id: String,
    pub platform: String,
    pub listing_url: String,
    pub status: String,
    pub case_id: Option<String>,
    /// Present on the single-case route: the platform's events, oldest first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<serde_json::Value>>,
}

pub fn case_dto(n: &takedown_store::NoticeRecord, history: Option<Vec<CaseEvent>>) -> CaseDto {
    CaseDto {
        notice_id: n.notice.id.clone(),
        platform: n.notice.platform.clone(),
        listing_url: n.notice.listing_url.clone(),
        status: serde_json::to_value(n.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        case_id: n.case_id.clone(),
        history: history.map(|h| {
            h.iter()
                .map(|e| serde_json::to_value(e).unwrap_or_default())
                .collect()
        }),
    }
}

#[utoipa::path(get, path = "/v1/cases", tag = "brand_owner", security(("bearer" = [])),
    responses((status = 200, body = Vec<CaseDto>), (status = 403, body = ErrorBody)))]
pub async fn list_cases(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Json<Vec<CaseDto>>> {
    let owner = owner(&caller)?;
    let notices = state.store.notices_where(NoticeParty::Owner, owner).await?;
    Ok(Json(notices.iter().map(|n| case_dto(n, None)).collect()))
}

#[utoipa::path(get, path = "/v1/cases/{notice_id}", tag = "brand_owner", security(("bearer" = [])),
    params(("notice_id" = String, Path)),
    responses((status = 200, body = CaseDto), (status = 404, body = ErrorBody)))]
pub async fn get_case(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(notice_id): Path<String>,
) -> ApiResult<Json<CaseDto>> {
    let owner = owner(&caller)?;
    let notice = state
        .store
        .notice_where(NoticeParty::Owner, owner, &notice_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let history = state.store.case_events(&notice_id).await?;
    Ok(Json(case_dto(&notice, Some(history))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use takedown_filing::owner_policy::OwnerPolicy;
    use takedown_model::MatchKind;

    /// The actioner decides an owner's matches by the policy document this API stores: what
    /// `PUT /v1/policy` writes must read back there as the same thresholds.
    #[test]
    fn the_stored_policy_reads_as_the_actioners_owner_policy() {
        let dto = PolicyDto {
            auto_file_threshold: 0.9,
            auto_file_thresholds: KindThresholdsDto {
                word_mark: None,
                logo: Some(0.97),
                design: Some(0.99),
            },
            review_only_platforms: vec!["tmall".into()],
        };
        let stored = serde_json::to_value(&dto).expect("serialize");
        let read: OwnerPolicy = serde_json::from_value(stored).expect("the actioner reads it");
        assert_eq!(read.auto_file_threshold.get(), 0.9);
        let kind = |k| read.auto_file_thresholds.get(k).map(|t| t.get());
        assert_eq!(kind(MatchKind::WordMark), None);
        assert_eq!(kind(MatchKind::Logo), Some(0.97));
        assert_eq!(kind(MatchKind::Design), Some(0.99));
        assert_eq!(read.review_only_platforms, ["tmall"]);
    }
}
