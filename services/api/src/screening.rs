//! Screening runs: a fair's exhibitor products matched against the registered word marks of
//! every brand owner, run in the background after the organizer asks for one.
//!
//! A run goes queued → running → done (with its results) or failed (with the reason), all in
//! the run's own document, which only its organizer can read. A result names the exhibitor's
//! product, the right's public registry facts (registration number, office, mark text,
//! classes), why it matched and how sure; never the brand owner, its tenant id or the right's
//! id, which are the brand owner's tenant data. Rights are the matcher's rights
//! (`Store::rights`: registered ones only) that are in force on the day of the run.
//!
//! Images are not screened: exhibitor products carry titles only in this API.

use std::collections::HashMap;

use takedown_matching::WordMarkIndex;
use takedown_model::{Right, RightKind};
use takedown_store::{Store, owned::TenantDoc};

pub use crate::fair_docs::ScreeningResult;
use crate::fair_docs::{EXHIBITOR, ExhibitorDto, SCREENING, ScreeningDto};

#[derive(Debug, thiserror::Error)]
pub enum ScreeningError {
    #[error("exhibitor {id}: its stored document is unreadable ({reason})")]
    Exhibitor { id: String, reason: String },
    #[error("storage failed: {0}")]
    Store(#[from] takedown_store::StoreError),
}

/// Matches every product of the fair's exhibitors against the registered word marks in
/// force on `day`.
pub fn screen(
    rights: &[Right],
    exhibitors: &[ExhibitorDto],
    day: chrono::NaiveDate,
) -> Vec<ScreeningResult> {
    // Indexed by position, so no right id (which carries its owner) enters the results.
    let mut index = WordMarkIndex::new();
    let marks: Vec<&Right> = rights
        .iter()
        .filter(|r| r.kind == RightKind::WordMark && r.in_force_on(day))
        .collect();
    for (i, right) in marks.iter().enumerate() {
        index.add(&i.to_string(), &right.name);
    }
    let mut results = Vec::new();
    for exhibitor in exhibitors {
        for product in &exhibitor.products {
            // One result per (product, registration): the best-scoring hit.
            let mut best: HashMap<usize, takedown_matching::TextHit> = HashMap::new();
            for hit in index.find(&product.title) {
                let Ok(i) = hit.right_id.parse::<usize>() else {
                    continue;
                };
                match best.get(&i) {
                    Some(seen) if seen.score >= hit.score => {}
                    _ => {
                        best.insert(i, hit);
                    }
                }
            }
            for (i, hit) in best {
                let Some(right) = marks.get(i) else { continue };
                results.push(ScreeningResult {
                    exhibitor_id: exhibitor.id.clone(),
                    exhibitor_name: exhibitor.name.clone(),
                    product_id: product.id.clone(),
                    product_title: product.title.clone(),
                    registration_number: right.registration_number.clone(),
                    office: right.office.clone(),
                    mark: right.name.clone(),
                    classes: right.classes.clone(),
                    declared_by_exhibitor: exhibitor.filings.iter().any(|f| {
                        f.registration_number.trim() == right.registration_number
                            && f.office.trim().eq_ignore_ascii_case(&right.office)
                    }),
                    span: hit.span,
                    normalized: hit.normalized,
                    variant: hit.variant,
                    distance: hit.distance,
                    score: hit.score,
                });
            }
        }
    }
    results.sort_by(|a, b| {
        (
            &a.exhibitor_id,
            &a.product_id,
            &a.registration_number,
            &a.office,
        )
            .cmp(&(
                &b.exhibitor_id,
                &b.product_id,
                &b.registration_number,
                &b.office,
            ))
    });
    results
}

async fn save(
    store: &Store,
    organizer: &str,
    fair_id: &str,
    run: &ScreeningDto,
) -> Result<(), ScreeningError> {
    store
        .put_doc(
            organizer,
            SCREENING,
            &TenantDoc {
                id: format!("{fair_id}/{}", run.id),
                parent_id: fair_id.to_owned(),
                body: serde_json::to_value(run).unwrap_or_default(),
            },
        )
        .await?;
    Ok(())
}

async fn results_of(
    store: &Store,
    organizer: &str,
    fair_id: &str,
) -> Result<Vec<ScreeningResult>, ScreeningError> {
    let mut exhibitors = Vec::new();
    for doc in store.docs(organizer, EXHIBITOR, Some(fair_id)).await? {
        let exhibitor: ExhibitorDto =
            serde_json::from_value(doc.body).map_err(|e| ScreeningError::Exhibitor {
                id: doc.id.clone(),
                reason: e.to_string(),
            })?;
        exhibitors.push(exhibitor);
    }
    let rights = store.rights().await?;
    Ok(screen(
        &rights,
        &exhibitors,
        chrono::Utc::now().date_naive(),
    ))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Executes a queued run: marks it running, screens, and stores it done with its results
/// or failed with the reason. A failure to store the outcome is logged (the run then stays
/// running, which says it did not finish).
pub async fn execute(store: Store, organizer: String, fair_id: String, mut run: ScreeningDto) {
    run.status = "running".into();
    run.started_at = Some(now());
    let outcome = match save(&store, &organizer, &fair_id, &run).await {
        Ok(()) => results_of(&store, &organizer, &fair_id).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(results) => {
            run.status = "done".into();
            run.results = results;
        }
        Err(e) => {
            tracing::warn!(organizer, fair = fair_id, run = run.id, error = %e, "screening run failed");
            run.status = "failed".into();
            run.error = Some(e.to_string());
        }
    }
    run.finished_at = Some(now());
    if let Err(e) = save(&store, &organizer, &fair_id, &run).await {
        tracing::error!(organizer, fair = fair_id, run = run.id, error = %e, "could not store a screening run's outcome");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fair_docs::{FilingDto, ProductDto};

    fn mark(name: &str, number: &str, until: &str) -> Right {
        serde_json::from_value(serde_json::json!({
            "id": format!("owner-x/{name}"), "owner_id": "owner-x", "kind": "word_mark",
            "name": name, "registration_number": number, "office": "EUIPO",
            "classes": ["25"], "valid_until": until
        }))
        .expect("right")
    }

    #[test]
    fn products_match_marks_in_force_with_public_facts_only() {
        let rights = [
            mark("VELOTRAX", "EU-1", "2030-01-01"),
            mark("ZENTRO", "EU-2", "2020-01-01"),
        ];
        let exhibitor = ExhibitorDto {
            id: "e1".into(),
            name: "Bikes Ltd".into(),
            booth: String::new(),
            filings: vec![FilingDto {
                registration_number: "EU-1".into(),
                office: "euipo".into(),
            }],
            pledge_signed_on: None,
            products: vec![
                ProductDto {
                    id: "p1".into(),
                    title: "Ve1otrax racing helmet".into(),
                },
                ProductDto {
                    id: "p2".into(),
                    title: "Zentro watch".into(),
                },
                ProductDto {
                    id: "p3".into(),
                    title: "Plain bottle".into(),
                },
            ],
        };
        let day = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("day");
        let results = screen(&rights, &[exhibitor], day);
        assert_eq!(results.len(), 1, "{results:?}");
        let r = &results[0];
        assert_eq!((r.product_id.as_str(), r.mark.as_str()), ("p1", "VELOTRAX"));
        assert_eq!(r.registration_number, "EU-1");
        assert!(r.declared_by_exhibitor);
        assert!(r.score > 0.0 && r.score <= 1.0);
        let text = serde_json::to_string(&results).expect("json");
        assert!(!text.contains("owner-x"), "no owner or right id: {text}");
    }
}
