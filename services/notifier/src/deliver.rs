//! One signed delivery and what the platform's answer means.

use serde::Deserialize;
use takedown_model::notice::FiledNotice;
use takedown_webhook::{HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP};

use crate::endpoint::PlatformEndpoint;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The platform opened (or had already opened) a case.
    Accepted { case_id: String },
    /// The platform refused the notice itself; sending it again would not help.
    Rejected(String),
    /// The platform could not be reached or asked us to come back (`after`: its
    /// `Retry-After`, when it said).
    Retry {
        reason: String,
        after: Option<std::time::Duration>,
    },
    /// HTTP 410: the endpoint is gone; Standard Webhooks says to stop sending to it.
    Gone(String),
    /// Handed over to a channel that gives no case id (a mail relay accepted it); the case
    /// id, if any, comes later through the platform's case-event feed.
    Sent { detail: String },
}

impl Outcome {
    fn retry(reason: String) -> Self {
        Outcome::Retry {
            reason,
            after: None,
        }
    }
}

/// `Retry-After` as seconds or an HTTP date (RFC 9110 10.2.3), from `now`.
pub fn retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<std::time::Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(std::time::Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    (at.with_timezone(&chrono::Utc) - now).to_std().ok()
}

/// The webhook payload: `{type, timestamp, data}` as Standard Webhooks suggests; `data` is
/// the full filed notice (a handler that reads only the common fields ignores the rest).
pub fn wire_body(filed: &FiledNotice) -> String {
    let body = serde_json::json!({
        "type": "notice.filed",
        "timestamp": filed.notice.filed_at,
        "data": filed,
    });
    body.to_string()
}

/// An error and all its causes, `a: b: c`: reqwest's own message ("error sending request")
/// says nothing of why; the cause (refused, timed out, certificate not trusted) does.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // hyper and rustls repeat their cause in their own message; say it once.
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Why a request did not get an answer, with a hint when the handler's TLS certificate is
/// not trusted (the usual cause with a private CA or a self-signed handler).
fn unreachable(url: &str, error: &reqwest::Error) -> String {
    let chain = error_chain(error);
    if chain.contains("invalid peer certificate") || chain.contains("UnknownIssuer") {
        format!(
            "{url} refused: TLS handshake failed, the handler's certificate is not trusted \
             (add its CA with ca_file): {chain}"
        )
    } else {
        format!("{url} unreachable: {chain}")
    }
}

#[derive(Deserialize)]
struct Answer {
    case_id: String,
}

pub async fn post(
    client: &reqwest::Client,
    endpoint: &PlatformEndpoint,
    notice_id: &str,
    body: &str,
) -> Outcome {
    let timestamp = chrono::Utc::now().timestamp();
    let signature = endpoint.secret.sign(notice_id, timestamp, body.as_bytes());
    let response = client
        .post(&endpoint.url)
        .header(HEADER_ID, notice_id)
        .header(HEADER_TIMESTAMP, timestamp.to_string())
        .header(HEADER_SIGNATURE, signature)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_owned())
        .send()
        .await;
    let response = match response {
        Ok(response) => response,
        Err(e) => return Outcome::retry(unreachable(&endpoint.url, &e)),
    };
    let status = response.status();
    let after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| retry_after(v, chrono::Utc::now()));
    let text = response.text().await.unwrap_or_default();
    if status.is_success() {
        return match serde_json::from_str::<Answer>(&text) {
            Ok(answer) => Outcome::Accepted {
                case_id: answer.case_id,
            },
            Err(e) => Outcome::retry(format!(
                "platform answered {status} without a case id ({e})"
            )),
        };
    }
    let detail: String = text.chars().take(500).collect();
    let reason = format!("platform answered {status}: {detail}");
    match status.as_u16() {
        408 | 425 | 429 => Outcome::Retry { reason, after },
        s if s >= 500 => Outcome::Retry { reason, after },
        410 => Outcome::Gone(reason),
        _ => Outcome::Rejected(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = chrono::DateTime::from_timestamp(1_700_000_000, 0).expect("time");
        assert_eq!(
            retry_after("120", now),
            Some(std::time::Duration::from_secs(120))
        );
        let date = (now + chrono::Duration::seconds(90))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        assert_eq!(
            retry_after(&date, now),
            Some(std::time::Duration::from_secs(90))
        );
        assert_eq!(retry_after("soon", now), None);
    }
}
