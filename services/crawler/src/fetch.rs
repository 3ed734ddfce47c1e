//! One bounded fetch: guard check, GET, streamed body under a byte cap, content-type check,
//! body stored as a blob, and a capture record that says what was fetched, when, from where.

use chrono::Utc;
use takedown_model::{Capture, stable_id};
use takedown_store::{BlobError, BlobStore};
use url::Url;

use crate::guard::{AddressPolicy, GuardError};

/// What kind of body the caller expects; anything else is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Page,
    Image,
}

impl Expect {
    fn accepts(self, content_type: &str) -> bool {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match self {
            Expect::Page => essence == "text/html" || essence == "application/xhtml+xml",
            Expect::Image => essence.starts_with("image/"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(transparent)]
    Guard(#[from] GuardError),
    #[error("fetching {url} failed: {reason}")]
    Http { url: String, reason: String },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url} is larger than the cap of {max} bytes")]
    TooLarge { url: String, max: u64 },
    #[error("{url} has content type {found:?}, expected {expected:?}")]
    ContentType {
        url: String,
        found: String,
        expected: Expect,
    },
    #[error(transparent)]
    Blob(#[from] BlobError),
}

impl FetchError {
    /// A short machine-readable kind, for metrics and the frontier's failure detail.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::Guard(_) => "guard",
            FetchError::Http { .. } => "network",
            FetchError::Status { .. } => "status",
            FetchError::TooLarge { .. } => "too_large",
            FetchError::ContentType { .. } => "content_type",
            FetchError::Blob(_) => "storage",
        }
    }
}

pub struct Fetched {
    pub capture: Capture,
    pub body: Vec<u8>,
}

pub struct Fetcher {
    pub client: reqwest::Client,
    pub policy: AddressPolicy,
    pub blobs: BlobStore,
}

impl Fetcher {
    pub async fn fetch(
        &self,
        url: &Url,
        expect: Expect,
        max_bytes: u64,
    ) -> Result<Fetched, FetchError> {
        self.policy.check_url(url)?;
        let http = |e: reqwest::Error| FetchError::Http {
            url: url.to_string(),
            reason: error_chain(&e),
        };
        let fetched_at = Utc::now();
        let mut response = self.client.get(url.clone()).send().await.map_err(http)?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status {
                url: url.to_string(),
                status: status.as_u16(),
            });
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        if !expect.accepts(&content_type) {
            return Err(FetchError::ContentType {
                url: url.to_string(),
                found: content_type,
                expected: expect,
            });
        }
        let too_large = || FetchError::TooLarge {
            url: url.to_string(),
            max: max_bytes,
        };
        if response.content_length().is_some_and(|len| len > max_bytes) {
            return Err(too_large());
        }
        let final_url = response.url().to_string();
        let remote_addr = response.remote_addr().map(|a| a.to_string());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(http)? {
            if body.len() as u64 + chunk.len() as u64 > max_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        let digest = self.blobs.put(&body)?;
        let capture = Capture {
            id: stable_id("cap", &[url.as_str(), &fetched_at.to_rfc3339(), &digest]),
            url: url.to_string(),
            final_url,
            status: status.as_u16(),
            content_type,
            fetched_at,
            body_digest: digest,
            body_len: body.len() as u64,
            remote_addr,
        };
        Ok(Fetched { capture, body })
    }
}

/// reqwest's Display hides the cause ("error sending request"); the chain names it.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
