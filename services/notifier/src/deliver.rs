//! One signed delivery and what the platform's answer means.

use serde::Deserialize;
use takedown_model::Notice;
use takedown_webhook::{HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP};

use crate::endpoint::PlatformEndpoint;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The platform opened (or had already opened) a case.
    Accepted { case_id: String },
    /// The platform refused the notice itself; sending it again would not help.
    Rejected(String),
    /// The platform could not be reached or asked us to come back.
    Retry(String),
}

/// The webhook payload: `{type, timestamp, data}` as Standard Webhooks suggests.
pub fn wire_body(notice: &Notice) -> String {
    let body = serde_json::json!({
        "type": "notice.filed",
        "timestamp": notice.filed_at,
        "data": notice,
    });
    body.to_string()
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
        Err(e) => return Outcome::Retry(format!("{} unreachable: {e}", endpoint.url)),
    };
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if status.is_success() {
        return match serde_json::from_str::<Answer>(&text) {
            Ok(answer) => Outcome::Accepted {
                case_id: answer.case_id,
            },
            Err(e) => Outcome::Retry(format!(
                "platform answered {status} without a case id ({e})"
            )),
        };
    }
    let detail: String = text.chars().take(500).collect();
    match status.as_u16() {
        408 | 425 | 429 => Outcome::Retry(format!("platform answered {status}: {detail}")),
        s if s >= 500 => Outcome::Retry(format!("platform answered {status}: {detail}")),
        _ => Outcome::Rejected(format!("platform answered {status}: {detail}")),
    }
}
