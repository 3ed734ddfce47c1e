//! A notice from a match: who complains, under which right, about which listing, why, and
//! with which evidence.

use chrono::Utc;
use takedown_model::{Listing, Match, MatchReason, Notice, Right, Tenant, stable_id};

use crate::policy::Policy;

pub fn notice(
    found: &Match,
    right: &Right,
    owner: &Tenant,
    listing: Option<&Listing>,
    policy: &Policy,
) -> Notice {
    let mut evidence = vec![found.capture_id.clone()];
    if let Some(listing) = listing {
        evidence.extend(listing.images.iter().filter_map(|i| i.capture_id.clone()));
    }
    evidence.dedup();
    Notice {
        id: stable_id("ntc", &[&found.id]),
        match_id: found.id.clone(),
        owner_id: owner.id.clone(),
        owner_name: owner.name.clone(),
        platform: found.platform.clone(),
        listing_url: found.listing_url.clone(),
        seller: found.seller.clone(),
        right_id: right.id.clone(),
        right_kind: right.kind.as_str().to_owned(),
        registration_number: right.registration_number.clone(),
        explanation: explanation(found, right),
        evidence,
        good_faith_statement: policy.good_faith_statement.clone(),
        filed_at: Utc::now(),
    }
}

fn explanation(found: &Match, right: &Right) -> String {
    let registered = format!(
        "{} \"{}\" ({}, {})",
        right.kind.as_str().replace('_', " "),
        right.name,
        right.registration_number,
        right.office
    );
    match &found.reason {
        MatchReason::Text {
            span,
            variant,
            distance,
            ..
        } => format!(
            "The listing title uses \"{span}\", a {} variant (distance {distance}) of the registered {registered}, for goods offered by {}.",
            variant.replace('_', " "),
            found.seller
        ),
        MatchReason::Image {
            view,
            distance,
            threshold,
            region,
            algorithm,
            ..
        } => format!(
            "A listing image{} reproduces the registered {registered} (view \"{view}\"; {algorithm} distance {distance} of at most {threshold}), offered by {}.",
            if region.is_some() {
                " contains a region that"
            } else {
                ""
            },
            found.seller
        ),
    }
}
