//! The fair organizer's pages: fairs, and per fair its exhibitors with their IP filings,
//! pledge and screening result, and the latest screening's findings grouped per booth
//! (printable). Every read is the JSON route's own handler ([`crate::routes::fair`]) called
//! with the session's caller, so the pages show what `/v1/fairs…` answers that caller and
//! nothing else. (Complaints and exhibitor self-service come later; the navigation leaves
//! room for them.)

use std::collections::BTreeMap;

use askama::Template;
use axum::{
    Extension,
    extract::{Path, State},
    response::Response,
};

use super::{ConsoleError, owner::Nav, page, session::Session};
use crate::{
    AppState,
    fair_docs::{ExhibitorDto, ScreeningDto, ScreeningResult},
    routes::fair::{self, FairDto},
};

#[derive(Template)]
#[template(path = "console/fairs.html")]
struct FairsPage {
    nav: Nav,
    fairs: Vec<FairDto>,
}

/// `GET /fairs`: the organizer's fairs.
pub async fn fairs_page(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, ConsoleError> {
    let fairs = fair::list_fairs(State(state), Extension(session.caller.clone()))
        .await?
        .0;
    page(FairsPage {
        nav: Nav::of(&session),
        fairs,
    })
}

/// An exhibitor as the fair page lists it.
pub struct ExhibitorView {
    /// The exhibitor as the API stores it.
    pub exhibitor: ExhibitorDto,
    /// The registrations it declared, `office number` each, joined.
    pub filings: String,
    /// What the latest finished screening found for it: `not screened`, `clear` or a count.
    pub screening: String,
}

/// One booth's findings in the latest screening.
pub struct BoothFindings {
    /// The booth (or `-`).
    pub booth: String,
    /// The exhibitor's name.
    pub exhibitor: String,
    /// Its products that resemble registered marks.
    pub results: Vec<ScreeningResult>,
}

#[derive(Template)]
#[template(path = "console/fair.html")]
struct FairPage {
    nav: Nav,
    fair: FairDto,
    exhibitors: Vec<ExhibitorView>,
    latest: Option<ScreeningDto>,
    booths: Vec<BoothFindings>,
}

/// `GET /fairs/{id}`: the fair's exhibitors with filings, pledges and screening result,
/// and the latest finished screening's findings per booth.
pub async fn fair_page(
    State(state): State<AppState>,
    session: Session,
    Path(fair_id): Path<String>,
) -> Result<Response, ConsoleError> {
    let caller = || Extension(session.caller.clone());
    let fair = fair::get_fair(State(state.clone()), caller(), Path(fair_id.clone()))
        .await?
        .0;
    let exhibitors = fair::list_exhibitors(State(state.clone()), caller(), Path(fair_id.clone()))
        .await?
        .0;
    let screenings = fair::list_screenings(State(state), caller(), Path(fair_id))
        .await?
        .0;
    // Screening ids are their request times, so the greatest done one is the latest.
    let latest = screenings
        .into_iter()
        .filter(|s| s.status == "done")
        .max_by(|a, b| a.id.cmp(&b.id));
    let mut found: BTreeMap<&str, Vec<&ScreeningResult>> = BTreeMap::new();
    if let Some(run) = &latest {
        for result in &run.results {
            found
                .entry(result.exhibitor_id.as_str())
                .or_default()
                .push(result);
        }
    }
    let exhibitor_views = exhibitors
        .iter()
        .map(|ex| ExhibitorView {
            exhibitor: ex.clone(),
            filings: ex
                .filings
                .iter()
                .map(|f| format!("{} {}", f.office, f.registration_number))
                .collect::<Vec<_>>()
                .join(", "),
            screening: match (&latest, found.get(ex.id.as_str())) {
                (None, _) => "not screened".to_owned(),
                (Some(_), None) => "clear".to_owned(),
                (Some(_), Some(results)) => format!("{} finding(s)", results.len()),
            },
        })
        .collect();
    let mut booths: Vec<BoothFindings> = exhibitors
        .iter()
        .filter_map(|ex| {
            let results = found.get(ex.id.as_str())?;
            Some(BoothFindings {
                booth: if ex.booth.is_empty() {
                    "-".to_owned()
                } else {
                    ex.booth.clone()
                },
                exhibitor: ex.name.clone(),
                results: results.iter().map(|r| (*r).clone()).collect(),
            })
        })
        .collect();
    booths.sort_by(|a, b| a.booth.cmp(&b.booth));
    page(FairPage {
        nav: Nav::of(&session),
        fair,
        exhibitors: exhibitor_views,
        latest,
        booths,
    })
}
