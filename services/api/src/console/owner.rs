//! The brand owner's pages: the dashboard, the review queue (images side by side with the
//! matched region drawn, the title's matched span marked, approve or reject one or many),
//! a match's evidence, rights with their images and status, authorized sellers, notices
//! with their case timelines; and the image routes, which serve a blob only when it is the
//! image of one of the owner's matches or rights (404 otherwise).
//!
//! Every object is read with the owner-scoped store query its JSON route uses
//! (`match_of`, `review_queue_of`, `notices_where`, `notice_where`, `rights_of`,
//! `authorized_sellers_of`, [`crate::routes::owner::find_right`]), and a decision goes
//! through the JSON route's own [`crate::routes::owner::decide`], so the console enforces
//! nothing the API does not and cannot reach more than it.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::Form;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use takedown_model::{CaseEventKind, Listing, MatchReason, TenantKind, stable_id};
use takedown_store::{MatchRecord, owned::NoticeParty, owned::status::DEFAULT_STATUS};

use super::{
    ConsoleError, STYLESHEET_PATH, page,
    session::Session,
    view::{self, MarkedTitle, Region},
};
use crate::{
    AppState,
    auth::Role,
    error::ApiError,
    rights::RightDto,
    routes::owner::{DecisionBody, decide as decide_match, find_right},
    scopes::Scope,
};

/// Items on one page of a list.
pub const PAGE_SIZE: usize = 50;

/// What the layout shows on every page: who is signed in, the stylesheet, the sign-out
/// form's token.
pub struct Nav {
    /// The tenant's name.
    pub tenant_name: String,
    /// The stylesheet's versioned path.
    pub stylesheet: &'static str,
    /// The session's CSRF token.
    pub csrf: String,
    /// Whether the fair organizer's navigation is shown (else the brand owner's).
    pub organizer: bool,
}

impl Nav {
    /// The layout's facts for `session`.
    pub fn of(session: &Session) -> Self {
        Nav {
            tenant_name: session.caller.name.clone(),
            stylesheet: STYLESHEET_PATH.as_str(),
            csrf: session.csrf.clone(),
            organizer: session.caller.role == Role::Tenant(TenantKind::FairOrganizer),
        }
    }
}

/// The owner the session acts as; other kinds of tenant have no owner pages.
fn owner(session: &Session) -> Result<&str, ConsoleError> {
    session.caller.require_kind(TenantKind::BrandOwner)?;
    Ok(session.caller.tenant_id())
}

/// A page number from the query (1-based).
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    /// Which page, from 1.
    pub page: Option<usize>,
    /// How many matches the last review form decided (shown once after it).
    pub decided: Option<usize>,
}

/// One page of `items`, with its number and whether more follow.
fn paginate<T>(items: Vec<T>, page: Option<usize>) -> (Vec<T>, usize, bool) {
    let page = page.unwrap_or(1).max(1);
    let skip = (page - 1).saturating_mul(PAGE_SIZE);
    let more = items.len() > skip.saturating_add(PAGE_SIZE);
    (
        items.into_iter().skip(skip).take(PAGE_SIZE).collect(),
        page,
        more,
    )
}

// ---------------------------------------------------------------------------------------
// Dashboard

/// Time to measures and acceptance on one platform.
pub struct PlatformFigures {
    /// The platform.
    pub platform: String,
    /// Notices filed to it.
    pub notices: usize,
    /// Median time from capture to measures, as people read it (`-` without any).
    pub p50: String,
    /// 90th percentile of the same.
    pub p90: String,
    /// Share of decided notices accepted (measures taken or upheld), `-` with none decided.
    pub acceptance: String,
}

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardPage {
    nav: Nav,
    new_matches: usize,
    waiting: usize,
    by_state: Vec<(String, usize)>,
    platforms: Vec<PlatformFigures>,
}

#[derive(Template)]
#[template(path = "console/other_kind.html")]
struct OtherKindPage {
    nav: Nav,
    kind: &'static str,
}

/// `GET /`: the dashboard for a brand owner, the fairs for an organizer; other kinds see
/// where their pages will be.
pub async fn home(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, ConsoleError> {
    if session.caller.role == Role::Tenant(TenantKind::FairOrganizer) {
        return Ok(Redirect::to("/fairs").into_response());
    }
    if session.caller.role != Role::Tenant(TenantKind::BrandOwner) {
        return page(OtherKindPage {
            nav: Nav::of(&session),
            kind: session.caller.role.as_str(),
        });
    }
    let owner = owner(&session)?;
    let matches = state.store.matches_of(owner).await?;
    let week_ago = Utc::now() - chrono::Duration::days(7);
    let new_matches = matches
        .iter()
        .filter(|m| m.found.matched_at >= week_ago)
        .count();
    let waiting = state.store.review_queue_of(owner).await?.len();
    let notices = state.store.notices_where(NoticeParty::Owner, owner).await?;
    let mut by_state: BTreeMap<&'static str, usize> = BTreeMap::new();
    for notice in &notices {
        *by_state.entry(notice.status.as_str()).or_default() += 1;
    }
    // As `takedown report sla` measures it: from the listing's capture (the match's time)
    // to the platform's first "measures taken".
    let captured: HashMap<&str, DateTime<Utc>> = matches
        .iter()
        .map(|m| (m.found.id.as_str(), m.found.matched_at))
        .collect();
    let measured = state
        .store
        .first_case_events(CaseEventKind::MeasuresTaken)
        .await?;
    let mut per_platform: BTreeMap<&str, (usize, Vec<i64>)> = BTreeMap::new();
    for record in &notices {
        let entry = per_platform
            .entry(record.notice.platform.as_str())
            .or_default();
        entry.0 += 1;
        if let (Some(at), Some(capture)) = (
            measured.get(&record.notice.id),
            captured.get(record.notice.match_id.as_str()),
        ) {
            entry.1.push((*at - *capture).num_seconds());
        }
    }
    let mut platforms = Vec::new();
    for (platform, (count, mut secs)) in per_platform {
        secs.sort_unstable();
        // Accepted or not as the auto-filing pause counts it, over the whole history.
        let outcomes = state
            .store
            .notice_outcomes(owner, platform, DateTime::<Utc>::UNIX_EPOCH)
            .await?;
        let acceptance = if outcomes.decided == 0 {
            "-".to_owned()
        } else {
            let accepted = outcomes.decided - outcomes.bad;
            format!("{:.0}%", 100.0 * accepted as f64 / outcomes.decided as f64)
        };
        let time = |pct| nearest_rank(&secs, pct).map_or_else(|| "-".to_owned(), human);
        platforms.push(PlatformFigures {
            platform: platform.to_owned(),
            notices: count,
            p50: time(50),
            p90: time(90),
            acceptance,
        });
    }
    page(DashboardPage {
        nav: Nav::of(&session),
        new_matches,
        waiting,
        by_state: by_state
            .into_iter()
            .map(|(state, n)| (state.to_owned(), n))
            .collect(),
        platforms,
    })
}

/// The `pct`th percentile of sorted `values` by the nearest-rank method (as `takedown report
/// sla` computes it).
pub fn nearest_rank(values: &[i64], pct: usize) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let rank = (pct * values.len()).div_ceil(100).max(1);
    values.get(rank - 1).copied()
}

/// Seconds as people read a delay: `45s`, `12m`, `3.5h`, `2.1d`.
pub fn human(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{:.1}h", s as f64 / 3600.0),
        s => format!("{:.1}d", s as f64 / 86_400.0),
    }
}

// ---------------------------------------------------------------------------------------
// Review queue and a match's evidence

/// A match as the review queue and the evidence page show it.
pub struct MatchView {
    /// The match's id (also the checkbox's value).
    pub id: String,
    /// The listing's address.
    pub listing_url: String,
    /// The platform it is on.
    pub platform: String,
    /// The seller named on it.
    pub seller: String,
    /// The right's id as the owner knows it (without the API's owner prefix).
    pub right_id: String,
    /// The right's name (the word mark, or the logo's title).
    pub right_name: String,
    /// word_mark, logo or design.
    pub kind: String,
    /// The score, two decimals.
    pub score: String,
    /// The reason in words.
    pub reason: String,
    /// The listing's title, cut around the matched span (for a title match).
    pub title: MarkedTitle,
    /// Whether the listing has an image to show (`/matches/ID/listing-image`).
    pub has_listing_image: bool,
    /// Whether there is a registered image to show (`/matches/ID/right-image`).
    pub has_right_image: bool,
    /// The box to draw over the listing's image.
    pub region: Option<Region>,
}

/// The listing image shown for a match: the one that matched, or the listing's first.
fn listing_image_digest(
    found: &takedown_model::Match,
    listing: Option<&Listing>,
) -> Option<String> {
    match &found.reason {
        MatchReason::Image { listing_image, .. } => Some(listing_image.clone()),
        MatchReason::Text { .. } => listing?
            .images
            .iter()
            .find_map(|image| image.digest.clone()),
    }
}

async fn match_view(
    state: &AppState,
    record: &MatchRecord,
    right_names: &HashMap<String, String>,
) -> Result<MatchView, ConsoleError> {
    let found = &record.found;
    let listing = state.store.listing(&found.listing_id).await?;
    let title = listing.as_ref().map(|l| l.title.as_str()).unwrap_or("");
    let (marked, region, has_right_image) = match &found.reason {
        MatchReason::Text { span, .. } => (view::mark_span(title, span), None, false),
        MatchReason::Image { region, .. } => {
            (view::mark_span(title, ""), view::region(*region), true)
        }
    };
    let prefix = format!("{}/", found.owner_id);
    Ok(MatchView {
        id: found.id.clone(),
        listing_url: found.listing_url.clone(),
        platform: found.platform.clone(),
        seller: found.seller.clone(),
        right_id: found
            .right_id
            .strip_prefix(&prefix)
            .unwrap_or(&found.right_id)
            .to_owned(),
        right_name: right_names
            .get(&found.right_id)
            .cloned()
            .unwrap_or_default(),
        kind: found.kind.as_str().to_owned(),
        score: format!("{:.2}", found.score),
        reason: view::describe_reason(&found.reason),
        title: marked,
        has_listing_image: listing_image_digest(found, listing.as_ref()).is_some(),
        has_right_image,
        region,
    })
}

async fn right_names(
    state: &AppState,
    owner: &str,
) -> Result<HashMap<String, String>, ConsoleError> {
    Ok(state
        .store
        .rights_of(owner)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect())
}

#[derive(Template)]
#[template(path = "console/review.html")]
struct ReviewPage {
    nav: Nav,
    items: Vec<MatchView>,
    total: usize,
    page: usize,
    more: bool,
    decided: Option<usize>,
}

/// `GET /review`: the matches waiting for the owner's decision, a page at a time.
pub async fn review_page(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<PageQuery>,
) -> Result<Response, ConsoleError> {
    let owner = owner(&session)?;
    let queue = state.store.review_queue_of(owner).await?;
    let total = queue.len();
    let (queue, page_number, more) = paginate(queue, query.page);
    let names = right_names(&state, owner).await?;
    let mut items = Vec::with_capacity(queue.len());
    for record in &queue {
        items.push(match_view(&state, record, &names).await?);
    }
    page(ReviewPage {
        nav: Nav::of(&session),
        items,
        total,
        page: page_number,
        more,
        decided: query.decided,
    })
}

/// The review form: one match's buttons, or the checked matches with a bulk button.
#[derive(Debug, Deserialize)]
pub struct DecideForm {
    /// The session's synchronizer token.
    #[serde(default)]
    csrf: String,
    /// The checked matches (for the bulk buttons).
    #[serde(default)]
    match_id: Vec<String>,
    /// The bulk button pressed: `approve` or `reject`.
    #[serde(default)]
    action: Option<String>,
    /// A single match's approve button.
    #[serde(default)]
    approve_one: Option<String>,
    /// A single match's reject button.
    #[serde(default)]
    reject_one: Option<String>,
    /// The reason recorded with the decision.
    #[serde(default)]
    reason: String,
}

/// `POST /review/decide`: approves (filing notices) or rejects one match or every checked
/// one, through the JSON route's own decision code. Any failure is shown with the API's
/// status (another tenant's match: 404), after the others were decided.
pub async fn decide(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<DecideForm>,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form.csrf)?;
    session.caller.require_scope(Scope::Write)?;
    owner(&session)?;
    let (approved, ids) = match (&form.approve_one, &form.reject_one, form.action.as_deref()) {
        (Some(id), _, _) => (true, vec![id.clone()]),
        (None, Some(id), _) => (false, vec![id.clone()]),
        (None, None, Some("approve")) => (true, form.match_id.clone()),
        (None, None, Some("reject")) => (false, form.match_id.clone()),
        _ => return Err(ApiError::invalid("action", "must be approve or reject").into()),
    };
    if ids.is_empty() {
        return Err(ApiError::invalid("match_id", "tick at least one match").into());
    }
    let reason = if form.reason.trim().is_empty() {
        if approved {
            "approved in the console review queue"
        } else {
            "rejected in the console review queue"
        }
        .to_owned()
    } else {
        form.reason.clone()
    };
    let mut first_failure = None;
    let mut decided = 0;
    for id in &ids {
        let body = Ok(DecisionBody {
            reason: reason.clone(),
        });
        match decide_match(&state, &session.caller, id, approved, body).await {
            Ok(_) => decided += 1,
            Err(e) => {
                tracing::warn!(match_id = %id, error = %e, "console decision refused");
                first_failure.get_or_insert(e);
            }
        }
    }
    match first_failure {
        Some(e) => Err(e.into()),
        None => Ok(Redirect::to(&format!("/review?decided={decided}")).into_response()),
    }
}

/// A capture's facts for the evidence page.
pub struct CaptureView {
    /// The capture's id.
    pub id: String,
    /// The address fetched.
    pub url: String,
    /// The HTTP status received.
    pub status: u16,
    /// When it was fetched (RFC 3339, UTC).
    pub fetched_at: String,
    /// SHA-256 of the body.
    pub body_digest: String,
    /// SHA-256 of the WARC records, when kept.
    pub warc_digest: String,
}

#[derive(Template)]
#[template(path = "console/match.html")]
struct MatchPage {
    nav: Nav,
    item: MatchView,
    decision: String,
    capture: Option<CaptureView>,
    notice_id: Option<String>,
}

/// `GET /matches/{id}`: a match's evidence — the images, the reason, the capture (time,
/// digests, the captured page) and the notice filed for it.
pub async fn match_page(
    State(state): State<AppState>,
    session: Session,
    Path(match_id): Path<String>,
) -> Result<Response, ConsoleError> {
    let owner = owner(&session)?;
    let record = state
        .store
        .match_of(owner, &match_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let names = right_names(&state, owner).await?;
    let item = match_view(&state, &record, &names).await?;
    let capture = state
        .store
        .capture(&record.found.capture_id)
        .await?
        .map(|c| CaptureView {
            id: c.id,
            url: c.url,
            status: c.status,
            fetched_at: c.fetched_at.to_rfc3339(),
            body_digest: c.body_digest,
            warc_digest: c.warc_digest.unwrap_or_else(|| "-".to_owned()),
        });
    let notice_id = stable_id("ntc", &[&record.found.id]);
    let notice_id = state
        .store
        .notice_where(NoticeParty::Owner, owner, &notice_id)
        .await?
        .map(|n| n.notice.id);
    let decision = match state.store.review_decision(&record.found.id).await? {
        Some(d) if d.approved => format!("approved: {}", d.reason),
        Some(d) => format!("rejected: {}", d.reason),
        None => serde_json::to_value(record.decision)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
    };
    page(MatchPage {
        nav: Nav::of(&session),
        item,
        decision,
        capture,
        notice_id,
    })
}

// ---------------------------------------------------------------------------------------
// Images and the captured page

/// A blob's bytes, or 404 when the blob store does not have it.
fn blob(state: &AppState, digest: &str) -> Result<Vec<u8>, ConsoleError> {
    let blobs = state
        .blobs
        .as_ref()
        .ok_or(ApiError::Unavailable("no blob store is configured"))?;
    match blobs.get(digest) {
        Ok(bytes) => Ok(bytes),
        Err(e) => {
            tracing::warn!(digest, error = %e, "console image not readable");
            Err(ApiError::NotFound.into())
        }
    }
}

fn image_response(bytes: Vec<u8>) -> Response {
    let media_type = view::image_media_type(&bytes);
    (
        [
            (header::CONTENT_TYPE, media_type),
            // Content-addressed and tenant-checked: the browser may keep it, no one else.
            (header::CACHE_CONTROL, "private, max-age=86400"),
        ],
        bytes,
    )
        .into_response()
}

async fn owned_match(
    state: &AppState,
    session: &Session,
    match_id: &str,
) -> Result<MatchRecord, ConsoleError> {
    let owner = owner(session)?;
    Ok(state
        .store
        .match_of(owner, match_id)
        .await?
        .ok_or(ApiError::NotFound)?)
}

/// `GET /matches/{id}/listing-image`: the listing image of one of the owner's matches.
pub async fn listing_image(
    State(state): State<AppState>,
    session: Session,
    Path(match_id): Path<String>,
) -> Result<Response, ConsoleError> {
    let record = owned_match(&state, &session, &match_id).await?;
    let listing = state.store.listing(&record.found.listing_id).await?;
    let digest = listing_image_digest(&record.found, listing.as_ref()).ok_or(ApiError::NotFound)?;
    Ok(image_response(blob(&state, &digest)?))
}

/// `GET /matches/{id}/right-image`: the registered image an image match compared with.
pub async fn right_image(
    State(state): State<AppState>,
    session: Session,
    Path(match_id): Path<String>,
) -> Result<Response, ConsoleError> {
    let record = owned_match(&state, &session, &match_id).await?;
    let MatchReason::Image { right_image, .. } = &record.found.reason else {
        return Err(ApiError::NotFound.into());
    };
    Ok(image_response(blob(&state, right_image)?))
}

/// `GET /matches/{id}/page`: the captured page of one of the owner's matches, as text (the
/// capture is what the crawler received; it is shown, never run: a sandbox policy and a
/// text type keep its scripts and styles inert).
pub async fn captured_page(
    State(state): State<AppState>,
    session: Session,
    Path(match_id): Path<String>,
) -> Result<Response, ConsoleError> {
    let record = owned_match(&state, &session, &match_id).await?;
    let capture = state
        .store
        .capture(&record.found.capture_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let bytes = blob(&state, &capture.body_digest)?;
    let mut response =
        ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    Ok(response)
}

/// `GET /rights/{id}/images/{digest}`: a logo or design view of one of the owner's rights.
pub async fn right_view_image(
    State(state): State<AppState>,
    session: Session,
    Path((right_id, digest)): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    let owner = owner(&session)?;
    let right = find_right(&state.store, owner, &right_id).await?;
    if !right.images.iter().any(|image| image.digest == digest) {
        return Err(ApiError::NotFound.into());
    }
    Ok(image_response(blob(&state, &digest)?))
}

// ---------------------------------------------------------------------------------------
// Rights, sellers, notices

/// A right as the rights page lists it.
pub struct RightView {
    /// The right as the API shows it (id without the owner prefix, status).
    pub right: RightDto,
    /// Its images: view name and digest.
    pub images: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "console/rights.html")]
struct RightsPage {
    nav: Nav,
    rights: Vec<RightView>,
    page: usize,
    more: bool,
}

/// `GET /rights`: the owner's rights with their images and status.
pub async fn rights_page(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<PageQuery>,
) -> Result<Response, ConsoleError> {
    let owner = owner(&session)?;
    let statuses: HashMap<String, String> = state
        .store
        .right_statuses_of(owner)
        .await?
        .into_iter()
        .map(|s| (s.right_id, s.status))
        .collect();
    let rights = state.store.rights_of(owner).await?;
    let (rights, page_number, more) = paginate(rights, query.page);
    let rights = rights
        .iter()
        .map(|r| {
            let status = statuses.get(&r.id).map_or(DEFAULT_STATUS, String::as_str);
            RightView {
                right: RightDto::from_right(r).with_status(status),
                images: r
                    .images
                    .iter()
                    .map(|i| (i.view.clone(), i.digest.clone()))
                    .collect(),
            }
        })
        .collect();
    page(RightsPage {
        nav: Nav::of(&session),
        rights,
        page: page_number,
        more,
    })
}

#[derive(Template)]
#[template(path = "console/sellers.html")]
struct SellersPage {
    nav: Nav,
    sellers: Vec<(String, String)>,
}

/// `GET /sellers`: the owner's authorized sellers.
pub async fn sellers_page(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, ConsoleError> {
    let owner = owner(&session)?;
    let sellers = state
        .store
        .authorized_sellers_of(owner)
        .await?
        .into_iter()
        .map(|s| (s.platform, s.seller))
        .collect();
    page(SellersPage {
        nav: Nav::of(&session),
        sellers,
    })
}

/// A notice as the notices pages show it.
pub struct NoticeView {
    /// The notice's id.
    pub id: String,
    /// The match it was filed for.
    pub match_id: String,
    /// The platform it went to.
    pub platform: String,
    /// The listing it is about.
    pub listing_url: String,
    /// Its status (`filed`, `acknowledged`, `measures_taken`, …).
    pub status: String,
    /// The platform's case id, once opened.
    pub case_id: String,
    /// When it was filed (RFC 3339).
    pub filed_at: String,
}

fn notice_view(record: &takedown_store::NoticeRecord) -> NoticeView {
    NoticeView {
        id: record.notice.id.clone(),
        match_id: record.notice.match_id.clone(),
        platform: record.notice.platform.clone(),
        listing_url: record.notice.listing_url.clone(),
        status: record.status.as_str().to_owned(),
        case_id: record.case_id.clone().unwrap_or_else(|| "-".to_owned()),
        filed_at: record.notice.filed_at.to_rfc3339(),
    }
}

#[derive(Template)]
#[template(path = "console/notices.html")]
struct NoticesPage {
    nav: Nav,
    notices: Vec<NoticeView>,
    page: usize,
    more: bool,
}

/// `GET /notices`: the owner's notices, newest change last, with status and case.
pub async fn notices_page(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<PageQuery>,
) -> Result<Response, ConsoleError> {
    let owner = owner(&session)?;
    let notices = state.store.notices_where(NoticeParty::Owner, owner).await?;
    let (notices, page_number, more) = paginate(notices, query.page);
    page(NoticesPage {
        nav: Nav::of(&session),
        notices: notices.iter().map(notice_view).collect(),
        page: page_number,
        more,
    })
}

/// One event of a case's timeline.
pub struct EventView {
    /// When (the platform's clock, RFC 3339).
    pub at: String,
    /// What happened (`acknowledged`, `measures_taken`, …).
    pub kind: String,
    /// The platform's words, if any.
    pub detail: String,
}

#[derive(Template)]
#[template(path = "console/notice.html")]
struct NoticePage {
    nav: Nav,
    notice: NoticeView,
    events: Vec<EventView>,
}

/// `GET /notices/{id}`: a notice with its case timeline.
pub async fn notice_page(
    State(state): State<AppState>,
    session: Session,
    Path(notice_id): Path<String>,
) -> Result<Response, ConsoleError> {
    let owner = owner(&session)?;
    let record = state
        .store
        .notice_where(NoticeParty::Owner, owner, &notice_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let events = state
        .store
        .case_events(&notice_id)
        .await?
        .into_iter()
        .map(|e| EventView {
            at: e.at.to_rfc3339(),
            kind: serde_json::to_value(e.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            detail: e.detail.unwrap_or_default(),
        })
        .collect();
    page(NoticePage {
        nav: Nav::of(&session),
        notice: notice_view(&record),
        events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_hold_at_most_page_size_and_say_when_more_follow() {
        let items: Vec<usize> = (0..120).collect();
        let (first, n, more) = paginate(items.clone(), None);
        assert_eq!((first.len(), n, more), (PAGE_SIZE, 1, true));
        let (last, n, more) = paginate(items, Some(3));
        assert_eq!((last.len(), n, more, last[0]), (20, 3, false, 100));
    }

    #[test]
    fn nearest_rank_percentiles_match_report_sla() {
        let v = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
        assert_eq!(nearest_rank(&v, 50), Some(50));
        assert_eq!(nearest_rank(&v, 90), Some(90));
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(human(5400), "1.5h");
    }
}
