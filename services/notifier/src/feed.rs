//! Case events back from the platform: polls the handler's operator feed
//! (`GET /case-events?after=SEQ`, bearer token) and publishes each transition as a
//! [`CaseEvent`] on `takedown.case-events`, keyed by notice id.
//!
//! The last published sequence number per platform is kept in the owner's store and moved
//! only after the batch is published, so a crash re-reads at most one batch; the actioner's
//! case store ignores an event it already has (notice, kind, case), and the detail names the
//! feed's sequence number so a reader can tell the repeats apart.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use takedown_bus::{Bus, BusError, Topic};
use takedown_model::{CaseEvent, CaseEventKind, Envelope};
use takedown_store::{Store, StoreError};
use tokio_util::sync::CancellationToken;

/// How many feed entries one request asks for.
const BATCH: u32 = 100;

/// Where a platform's case-event feed is and the operator token to read it.
#[derive(Clone)]
pub struct FeedEndpoint {
    pub platform: String,
    /// The feed URL, e.g. `https://platform.example/case-events`.
    pub url: String,
    pub token: String,
}

impl std::fmt::Debug for FeedEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedEndpoint")
            .field("platform", &self.platform)
            .field("url", &self.url)
            .field("token", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("case feed of {platform} unreachable: {reason}")]
    Unreachable { platform: String, reason: String },
    #[error("case feed of {platform} answered {status}")]
    Status { platform: String, status: u16 },
    #[error("case feed of {platform} sent an unreadable page: {reason}")]
    Malformed { platform: String, reason: String },
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One transition as the handler's feed serves it.
#[derive(Debug, Deserialize)]
struct FeedRecord {
    seq: i64,
    case_id: String,
    notice_id: String,
    event: String,
    /// The state the transition left (`None` for a case's first event).
    #[serde(default)]
    from: Option<String>,
    to: String,
    #[serde(default)]
    actor: String,
    at: String,
}

pub struct CaseFeedPoller {
    bus: std::sync::Arc<dyn Bus>,
    store: Store,
    client: reqwest::Client,
    endpoints: Vec<FeedEndpoint>,
}

impl CaseFeedPoller {
    pub fn new(
        bus: std::sync::Arc<dyn Bus>,
        store: Store,
        client: reqwest::Client,
        endpoints: Vec<FeedEndpoint>,
    ) -> Self {
        Self {
            bus,
            store,
            client,
            endpoints,
        }
    }

    /// Polls every feed every `interval` until cancelled; a feed that fails is logged and
    /// tried again next round (the others go on).
    pub async fn run(&self, interval: Duration, cancel: &CancellationToken) {
        while !cancel.is_cancelled() {
            for endpoint in &self.endpoints {
                if let Err(e) = self.poll_once(endpoint).await {
                    crate::events::Event::FeedPollFailed {
                        platform: &endpoint.platform,
                        error: &e,
                    }
                    .emit();
                }
            }
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                () = cancel.cancelled() => {}
            }
        }
    }

    /// Reads `endpoint`'s feed from the stored position to its end, publishing each event;
    /// returns how many were published.
    pub async fn poll_once(&self, endpoint: &FeedEndpoint) -> Result<usize, FeedError> {
        let mut published = 0;
        // Bounded: a feed longer than this many pages is finished on the next round.
        for _ in 0..100 {
            let after = self.store.case_feed_position(&endpoint.platform).await?;
            let page = self.fetch(endpoint, after).await?;
            let Some(last) = page.last().map(|r| r.seq) else {
                break;
            };
            for record in &page {
                let Some(kind) = CaseEventKind::from_platform_transition(
                    &record.event,
                    record.from.as_deref(),
                    &record.to,
                ) else {
                    continue;
                };
                let at = DateTime::parse_from_rfc3339(&record.at)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| FeedError::Malformed {
                        platform: endpoint.platform.clone(),
                        reason: format!("seq {}: time {:?}: {e}", record.seq, record.at),
                    })?;
                let event = CaseEvent {
                    notice_id: record.notice_id.clone(),
                    kind,
                    case_id: Some(record.case_id.clone()),
                    detail: Some(format!(
                        "feed seq {}: {} by {}",
                        record.seq, record.event, record.actor
                    )),
                    at,
                };
                self.bus
                    .publish(
                        Topic::CaseEvents,
                        &event.notice_id,
                        &Envelope::encode(&event),
                    )
                    .await?;
                published += 1;
            }
            self.store
                .set_case_feed_position(&endpoint.platform, last)
                .await?;
            if page.len() < BATCH as usize {
                break;
            }
        }
        Ok(published)
    }

    async fn fetch(
        &self,
        endpoint: &FeedEndpoint,
        after: i64,
    ) -> Result<Vec<FeedRecord>, FeedError> {
        let platform = || endpoint.platform.clone();
        let mut url = reqwest::Url::parse(&endpoint.url).map_err(|e| FeedError::Unreachable {
            platform: platform(),
            reason: format!("feed URL {:?}: {e}", endpoint.url),
        })?;
        url.query_pairs_mut()
            .append_pair("after", &after.to_string())
            .append_pair("limit", &BATCH.to_string());
        let response = self
            .client
            .get(url)
            .bearer_auth(&endpoint.token)
            .send()
            .await
            .map_err(|e| FeedError::Unreachable {
                platform: platform(),
                reason: e.to_string(),
            })?;
        let status = response.status();
        if !status.is_success() {
            return Err(FeedError::Status {
                platform: platform(),
                status: status.as_u16(),
            });
        }
        let bytes = response.bytes().await.map_err(|e| FeedError::Unreachable {
            platform: platform(),
            reason: e.to_string(),
        })?;
        serde_json::from_slice(&bytes).map_err(|e| FeedError::Malformed {
            platform: platform(),
            reason: e.to_string(),
        })
    }
}
