//! The platform's hands: taking a listing down or putting it back ([`ListingService`]) and
//! telling the seller ([`SellerNotifier`]). The handler decides; these carry it out. Each has an
//! implementation for real use and a recording fake for tests and demos.

use std::{
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::flow::Regime;

#[derive(Debug, thiserror::Error)]
pub enum MeasureError {
    #[error("listing service at {url} unreachable: {source}")]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("listing service at {url} answered {status} to {action} of {listing_url}")]
    Refused {
        url: String,
        status: u16,
        action: &'static str,
        listing_url: String,
    },
    #[error("{what} failed: {message}")]
    Failed { what: &'static str, message: String },
}

/// Takes listings down and restores them. Both calls must be idempotent: a case retries after
/// a crash between the call and its record.
#[async_trait::async_trait]
pub trait ListingService: Send + Sync + 'static {
    async fn take_down(&self, listing_url: &str) -> Result<(), MeasureError>;
    async fn restore(&self, listing_url: &str) -> Result<(), MeasureError>;
}

/// What the seller is told when measures are taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SellerMessage {
    pub case_id: String,
    pub platform: String,
    pub seller: String,
    pub listing_url: String,
    pub regime: Regime,
    /// The decision's reasons (DSA art. 17), if given.
    pub statement_of_reasons: Option<String>,
    /// Until when a counter-notice (or DSA internal complaint) is taken; `None` while the
    /// window's end is unknown (no holiday table for its year yet).
    pub answer_by: Option<DateTime<Utc>>,
}

#[async_trait::async_trait]
pub trait SellerNotifier: Send + Sync + 'static {
    async fn notify(&self, message: &SellerMessage) -> Result<(), MeasureError>;
}

/// A JSON `POST` to one URL, where any 2xx is success: how the platform's own systems are
/// told to act.
#[derive(Debug, Clone)]
struct HttpHook {
    url: String,
    client: reqwest::Client,
}

impl HttpHook {
    fn new(url: impl Into<String>) -> Result<Self, MeasureError> {
        let client = reqwest::Client::builder()
            // A stuck service must not hold an operator's request forever.
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| MeasureError::Failed {
                what: "building the HTTP client",
                message: e.to_string(),
            })?;
        Ok(Self {
            url: url.into(),
            client,
        })
    }

    async fn post(
        &self,
        body: &serde_json::Value,
        action: &'static str,
        listing_url: &str,
    ) -> Result<(), MeasureError> {
        let response = self
            .client
            .post(&self.url)
            .json(body)
            .send()
            .await
            .map_err(|source| MeasureError::Unreachable {
                url: self.url.clone(),
                source,
            })?;
        if !response.status().is_success() {
            return Err(MeasureError::Refused {
                url: self.url.clone(),
                status: response.status().as_u16(),
                action,
                listing_url: listing_url.to_owned(),
            });
        }
        Ok(())
    }
}

/// A listing service reached over HTTP: `POST <url>` with
/// `{"action": "take_down" | "restore", "listing_url": …}`; any 2xx is success.
#[derive(Debug, Clone)]
pub struct HttpListingService {
    hook: HttpHook,
}

impl HttpListingService {
    /// A listing service at `url`.
    pub fn new(url: impl Into<String>) -> Result<Self, MeasureError> {
        Ok(Self {
            hook: HttpHook::new(url)?,
        })
    }

    async fn call(&self, action: &'static str, listing_url: &str) -> Result<(), MeasureError> {
        let body = serde_json::json!({ "action": action, "listing_url": listing_url });
        self.hook.post(&body, action, listing_url).await
    }
}

#[async_trait::async_trait]
impl ListingService for HttpListingService {
    async fn take_down(&self, listing_url: &str) -> Result<(), MeasureError> {
        self.call("take_down", listing_url).await
    }

    async fn restore(&self, listing_url: &str) -> Result<(), MeasureError> {
        self.call("restore", listing_url).await
    }
}

/// Tells sellers through the platform's messaging system: `POST <url>` with the
/// [`SellerMessage`] as JSON; any 2xx is success. Must be idempotent by `case_id`.
#[derive(Debug, Clone)]
pub struct HttpSellerNotifier {
    hook: HttpHook,
}

impl HttpSellerNotifier {
    /// A seller-messaging endpoint at `url`.
    pub fn new(url: impl Into<String>) -> Result<Self, MeasureError> {
        Ok(Self {
            hook: HttpHook::new(url)?,
        })
    }
}

#[async_trait::async_trait]
impl SellerNotifier for HttpSellerNotifier {
    async fn notify(&self, message: &SellerMessage) -> Result<(), MeasureError> {
        let body = serde_json::to_value(message).map_err(|e| MeasureError::Failed {
            what: "encoding the seller message",
            message: e.to_string(),
        })?;
        self.hook
            .post(&body, "notify_seller", &message.listing_url)
            .await
    }
}

/// For a desk whose operators act in the platform's own back office: measures and messages
/// are recorded in the case's audit trail (who, what, when) and nothing external is called.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordOnly;

#[async_trait::async_trait]
impl ListingService for RecordOnly {
    async fn take_down(&self, listing_url: &str) -> Result<(), MeasureError> {
        tracing::info!(
            listing = listing_url,
            "take-down recorded (no listing service configured)"
        );
        Ok(())
    }

    async fn restore(&self, listing_url: &str) -> Result<(), MeasureError> {
        tracing::info!(
            listing = listing_url,
            "restoration recorded (no listing service configured)"
        );
        Ok(())
    }
}

#[async_trait::async_trait]
impl SellerNotifier for RecordOnly {
    async fn notify(&self, message: &SellerMessage) -> Result<(), MeasureError> {
        tracing::info!(case = %message.case_id, seller = %message.seller, "seller message recorded (no seller notifier configured)");
        Ok(())
    }
}

/// One call a recording fake saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListingCall {
    TakeDown(String),
    Restore(String),
}

/// Records every call; can be told to fail, to test retries.
#[derive(Debug, Clone, Default)]
pub struct RecordingListings {
    calls: Arc<Mutex<Vec<ListingCall>>>,
    failing: Arc<Mutex<bool>>,
}

impl RecordingListings {
    pub fn calls(&self) -> Vec<ListingCall> {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn set_failing(&self, failing: bool) {
        *self.failing.lock().unwrap_or_else(PoisonError::into_inner) = failing;
    }

    fn record(&self, call: ListingCall) -> Result<(), MeasureError> {
        if *self.failing.lock().unwrap_or_else(PoisonError::into_inner) {
            return Err(MeasureError::Failed {
                what: "listing service",
                message: "told to fail".into(),
            });
        }
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(call);
        Ok(())
    }
}

#[async_trait::async_trait]
impl ListingService for RecordingListings {
    async fn take_down(&self, listing_url: &str) -> Result<(), MeasureError> {
        self.record(ListingCall::TakeDown(listing_url.to_owned()))
    }

    async fn restore(&self, listing_url: &str) -> Result<(), MeasureError> {
        self.record(ListingCall::Restore(listing_url.to_owned()))
    }
}

/// Records every message to a seller; can be told to fail.
#[derive(Debug, Clone, Default)]
pub struct RecordingSellers {
    messages: Arc<Mutex<Vec<SellerMessage>>>,
    failing: Arc<Mutex<bool>>,
}

impl RecordingSellers {
    pub fn messages(&self) -> Vec<SellerMessage> {
        self.messages
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn set_failing(&self, failing: bool) {
        *self.failing.lock().unwrap_or_else(PoisonError::into_inner) = failing;
    }
}

#[async_trait::async_trait]
impl SellerNotifier for RecordingSellers {
    async fn notify(&self, message: &SellerMessage) -> Result<(), MeasureError> {
        if *self.failing.lock().unwrap_or_else(PoisonError::into_inner) {
            return Err(MeasureError::Failed {
                what: "seller notifier",
                message: "told to fail".into(),
            });
        }
        self.messages
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(message.clone());
        Ok(())
    }
}
