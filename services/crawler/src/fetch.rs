//! One bounded fetch: guard check, GET (conditional if validators are known), streamed body
//! under a byte cap; then, for what is kept, a content-type check, the body stored as a blob,
//! and a capture record that says what was fetched, when, from where.

use chrono::Utc;
use takedown_evidence::{
    Exchange, ExchangeRecords,
    http::{request_head, response_head},
    write_exchange,
};
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
            // Pages are HTML, or an exhibitor list a fair publishes as CSV or XLSX.
            Expect::Page => {
                essence == "text/html"
                    || essence == "application/xhtml+xml"
                    || table_format(&essence).is_some()
            }
            Expect::Image => essence.starts_with("image/"),
        }
    }
}

/// An exhibitor list's format, by content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Csv,
    Xlsx,
}

pub fn table_format(content_type: &str) -> Option<TableFormat> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "text/csv" | "application/csv" => Some(TableFormat::Csv),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => {
            Some(TableFormat::Xlsx)
        }
        _ => None,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(transparent)]
    Guard(#[from] GuardError),
    #[error("fetching {url} failed: {reason}")]
    Http { url: String, reason: String },
    /// The server's certificate was refused (untrusted, expired, wrong name) or the TLS
    /// handshake failed: not retried, as the same certificate would be refused again.
    #[error("TLS with {url} failed: {reason}")]
    Tls { url: String, reason: String },
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
    #[error("{url} is disallowed by the host's robots.txt")]
    Disallowed { url: String },
    #[error("{url} not fetched: the host's robots.txt is unavailable ({reason})")]
    RobotsUnavailable { url: String, reason: String },
}

impl FetchError {
    /// True if the same request may well succeed later: the network, an overloaded or
    /// failing server, a robots.txt that could not be read. Such URLs are tried again on
    /// the next crawl run.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Http { .. } | FetchError::RobotsUnavailable { .. } => true,
            FetchError::Status { status, .. } => matches!(status, 429 | 500..=599),
            _ => false,
        }
    }

    /// A short machine-readable kind, for metrics and the frontier's failure detail.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::Guard(_) => "guard",
            FetchError::Http { .. } => "network",
            FetchError::Tls { .. } => "tls",
            FetchError::Status { .. } => "status",
            FetchError::TooLarge { .. } => "too_large",
            FetchError::ContentType { .. } => "content_type",
            FetchError::Blob(_) => "storage",
            FetchError::Disallowed { .. } => "robots",
            FetchError::RobotsUnavailable { .. } => "robots_unavailable",
        }
    }
}

/// Validators from an earlier fetch, sent back as a conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// One HTTP exchange: status, the headers the crawler uses, and the body read under its
/// cap (empty unless the status is 2xx).
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub url: Url,
    pub final_url: String,
    pub status: u16,
    pub content_type: String,
    pub validators: Validators,
    pub retry_after: Option<String>,
    pub remote_addr: Option<String>,
    pub fetched_at: chrono::DateTime<Utc>,
    pub body: Vec<u8>,
    /// The status line's reason phrase and every response header, for the WARC record.
    pub reason: String,
    pub headers: Vec<(String, String)>,
    /// The headers this request added (conditional GET validators), for the WARC record.
    pub request_headers: Vec<(String, String)>,
}

pub struct Fetched {
    pub capture: Capture,
    pub body: Vec<u8>,
    /// The response's ETag / Last-Modified, for the next conditional GET.
    pub validators: Validators,
}

/// Sends one request through the guarded client; no retries, no politeness — see
/// [`crate::client`] for those.
pub struct Fetcher {
    pub client: reqwest::Client,
    pub policy: AddressPolicy,
    pub blobs: BlobStore,
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

impl Fetcher {
    /// One GET of `url` (guard-checked; redirects are checked by the client), sending
    /// `conditional`'s validators if given. A non-2xx status is returned, not an error.
    pub async fn get(
        &self,
        url: &Url,
        max_bytes: u64,
        conditional: Option<&Validators>,
    ) -> Result<RawResponse, FetchError> {
        use reqwest::header::{
            CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, RETRY_AFTER,
        };
        self.policy.check_url(url)?;
        let http = |e: reqwest::Error| {
            // The guard refuses inside reqwest (the resolver, the redirect policy): its
            // refusal is final, not a network failure to retry.
            if let Some(refusal) = guard_refusal(&e) {
                return FetchError::Guard(refusal);
            }
            match crate::tls::tls_failure(&e) {
                Some(reason) => FetchError::Tls {
                    url: url.to_string(),
                    reason,
                },
                None => FetchError::Http {
                    url: url.to_string(),
                    reason: error_chain(&e),
                },
            }
        };
        let fetched_at = Utc::now();
        let mut request = self.client.get(url.clone());
        let mut request_headers = Vec::new();
        if let Some(v) = conditional {
            if let Some(etag) = &v.etag {
                request = request.header(IF_NONE_MATCH, etag);
                request_headers.push((IF_NONE_MATCH.to_string(), etag.clone()));
            }
            if let Some(date) = &v.last_modified {
                request = request.header(IF_MODIFIED_SINCE, date);
                request_headers.push((IF_MODIFIED_SINCE.to_string(), date.clone()));
            }
        }
        let mut response = request.send().await.map_err(http)?;
        let status = response.status();
        let mut raw = RawResponse {
            url: url.clone(),
            final_url: response.url().to_string(),
            status: status.as_u16(),
            content_type: header(&response, CONTENT_TYPE).unwrap_or_default(),
            validators: Validators {
                etag: header(&response, ETAG),
                last_modified: header(&response, LAST_MODIFIED),
            },
            retry_after: header(&response, RETRY_AFTER),
            remote_addr: response.remote_addr().map(|a| a.to_string()),
            fetched_at,
            body: Vec::new(),
            reason: status.canonical_reason().unwrap_or("").to_owned(),
            headers: response
                .headers()
                .iter()
                .map(|(name, value)| {
                    (
                        name.to_string(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            request_headers,
        };
        if !status.is_success() {
            return Ok(raw);
        }
        let too_large = || FetchError::TooLarge {
            url: url.to_string(),
            max: max_bytes,
        };
        if response.content_length().is_some_and(|len| len > max_bytes) {
            return Err(too_large());
        }
        while let Some(chunk) = response.chunk().await.map_err(http)? {
            if raw.body.len() as u64 + chunk.len() as u64 > max_bytes {
                return Err(too_large());
            }
            raw.body.extend_from_slice(&chunk);
        }
        Ok(raw)
    }

    /// Checks a 2xx response's content type against `expect`, stores the body as a blob and
    /// describes it as a capture.
    pub fn keep(&self, raw: RawResponse, expect: Expect) -> Result<Fetched, FetchError> {
        keep(&self.blobs, raw, expect)
    }
}

/// [`Fetcher::keep`] on its own: it blocks on file writes and fsyncs, so the crawl runs it
/// on tokio's blocking pool with a clone of the blob store.
pub fn keep(blobs: &BlobStore, raw: RawResponse, expect: Expect) -> Result<Fetched, FetchError> {
    if !expect.accepts(&raw.content_type) {
        return Err(FetchError::ContentType {
            url: raw.url.to_string(),
            found: raw.content_type,
            expected: expect,
        });
    }
    let digest = blobs.put(&raw.body)?;
    let id = stable_id(
        "cap",
        &[raw.url.as_str(), &raw.fetched_at.to_rfc3339(), &digest],
    );
    let warc = warc_records(&raw, &id, &digest);
    let warc_digest = blobs.put(&warc.bytes)?;
    let capture = Capture {
        id,
        url: raw.url.to_string(),
        final_url: raw.final_url,
        status: raw.status,
        content_type: raw.content_type,
        fetched_at: raw.fetched_at,
        body_digest: digest,
        body_len: raw.body.len() as u64,
        remote_addr: raw.remote_addr,
        warc_digest: Some(warc_digest),
        warc_record_id: Some(warc.response_id.to_string()),
    };
    Ok(Fetched {
        capture,
        body: raw.body,
        validators: raw.validators,
    })
}

/// The exchange as WARC request, response and metadata records: the evidence of what was
/// asked, what came back, from which address, and which capture and blob it became.
fn warc_records(raw: &RawResponse, capture_id: &str, body_digest: &str) -> ExchangeRecords {
    let request = request_head("GET", &raw.url, &raw.request_headers);
    let response = response_head(raw.status, &raw.reason, &raw.headers, raw.body.len());
    let metadata = [
        ("capture-id".to_owned(), capture_id.to_owned()),
        ("blob-sha256".to_owned(), body_digest.to_owned()),
        ("final-url".to_owned(), raw.final_url.clone()),
        (
            "software".to_owned(),
            concat!("takedown-crawler/", env!("CARGO_PKG_VERSION")).to_owned(),
        ),
    ];
    let ip_address = raw
        .remote_addr
        .as_deref()
        .and_then(|a| a.parse::<std::net::SocketAddr>().ok())
        .map(|a| a.ip());
    write_exchange(&Exchange {
        target_uri: raw.url.as_str(),
        date: raw.fetched_at,
        ip_address,
        request: &request,
        response_head: &response,
        payload: &raw.body,
        metadata: &metadata,
    })
}

/// reqwest's Display hides the cause ("error sending request"); the chain names it.
/// The address guard's refusal somewhere in an error's chain of causes.
fn guard_refusal(error: &(dyn std::error::Error + 'static)) -> Option<GuardError> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(refusal) = e.downcast_ref::<GuardError>() {
            return Some(refusal.clone());
        }
        cause = e.source();
    }
    None
}

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
