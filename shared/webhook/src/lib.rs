//! Standard Webhooks 1.0 signatures (symmetric `v1`): the notifier signs every notice it
//! sends, the platform handler verifies it before reading the body.
//!
//! `webhook-signature: v1,<base64 HMAC-SHA256(secret, "{id}.{timestamp}.{body}")>`; the id
//! doubles as the idempotency key and the timestamp bounds replays. Written here rather than
//! taken from the `standardwebhooks` crate because that one pins its own HTTP types and
//! time handling; the scheme is twenty lines over `hmac`.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::fmt;

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The message id header: the notice id, doubling as the receiver's idempotency key.
pub const HEADER_ID: &str = "webhook-id";
/// The send time header, Unix seconds: bounds how long a captured request can be replayed.
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
/// The signature header: space-separated `v1,<base64>` signatures (several during a key
/// rotation).
pub const HEADER_SIGNATURE: &str = "webhook-signature";

/// A shared signing secret. Its Debug and Display never show the key.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Why a webhook was not signed or not accepted; the receiver answers 401 and reads nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The secret cannot sign: a `whsec_` part that is not base64, or under 16 bytes (why).
    #[error("the signing secret is not valid: {0}")]
    BadSecret(&'static str),
    /// A required header is absent (its name).
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// The timestamp header is not an integer.
    #[error("header webhook-timestamp is not a Unix time in seconds")]
    BadTimestamp,
    /// The timestamp is outside the replay window.
    #[error(
        "timestamp is {skew_secs} s away from now, outside the {tolerance_secs} s window (a replay?)"
    )]
    OutsideWindow {
        /// How far the timestamp is from the receiver's clock, in seconds (either way).
        skew_secs: i64,
        /// The window allowed, in seconds.
        tolerance_secs: i64,
    },
    /// No `v1` signature in the header matches the id, timestamp and body: wrong secret or
    /// altered body.
    #[error("no signature matches the body")]
    BadSignature,
}

impl Secret {
    /// From the `whsec_<base64>` form, or any other string taken as raw key bytes.
    pub fn parse(text: &str) -> Result<Self, WebhookError> {
        let bytes = match text.strip_prefix("whsec_") {
            Some(b64) => STANDARD
                .decode(b64)
                .map_err(|_| WebhookError::BadSecret("whsec_ part is not base64"))?,
            None => text.as_bytes().to_vec(),
        };
        if bytes.len() < 16 {
            return Err(WebhookError::BadSecret("shorter than 16 bytes"));
        }
        Ok(Self(bytes))
    }

    /// The `whsec_` form, to hand to the other side once.
    pub fn expose(&self) -> String {
        format!("whsec_{}", STANDARD.encode(&self.0))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        // HMAC accepts keys of any length; new_from_slice cannot fail for it.
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The `webhook-signature` header value for a message.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        format!(
            "v1,{}",
            STANDARD.encode(self.mac(id, timestamp, body).finalize().into_bytes())
        )
    }

    /// Verifies the headers against `body` at time `now` (Unix seconds).
    pub fn verify(
        &self,
        headers: &Headers<'_>,
        body: &[u8],
        now: i64,
        tolerance_secs: i64,
    ) -> Result<(), WebhookError> {
        let id = headers.id.ok_or(WebhookError::MissingHeader(HEADER_ID))?;
        let ts_text = headers
            .timestamp
            .ok_or(WebhookError::MissingHeader(HEADER_TIMESTAMP))?;
        let signatures = headers
            .signature
            .ok_or(WebhookError::MissingHeader(HEADER_SIGNATURE))?;
        let timestamp: i64 = ts_text
            .trim()
            .parse()
            .map_err(|_| WebhookError::BadTimestamp)?;
        let skew = now - timestamp;
        if skew.abs() > tolerance_secs {
            return Err(WebhookError::OutsideWindow {
                skew_secs: skew,
                tolerance_secs,
            });
        }
        // Several space-separated signatures may be sent during a key rotation.
        for candidate in signatures.split_whitespace() {
            let Some(b64) = candidate.strip_prefix("v1,") else {
                continue;
            };
            let Ok(expected) = STANDARD.decode(b64) else {
                continue;
            };
            if self
                .mac(id, timestamp, body)
                .verify_slice(&expected)
                .is_ok()
            {
                return Ok(());
            }
        }
        Err(WebhookError::BadSignature)
    }
}

/// The three headers as received.
#[derive(Debug, Clone, Copy, Default)]
pub struct Headers<'a> {
    /// `webhook-id`, if present.
    pub id: Option<&'a str>,
    /// `webhook-timestamp`, if present.
    pub timestamp: Option<&'a str>,
    /// `webhook-signature`, if present.
    pub signature: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example from the Standard Webhooks specification.
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TS: i64 = 1614265330;
    const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SPEC_SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn headers<'a>(id: &'a str, ts: &'a str, sig: &'a str) -> Headers<'a> {
        Headers {
            id: Some(id),
            timestamp: Some(ts),
            signature: Some(sig),
        }
    }

    #[test]
    fn matches_the_specification_example() {
        let secret = Secret::parse(SPEC_SECRET).expect("secret");
        assert_eq!(secret.sign(SPEC_ID, SPEC_TS, SPEC_BODY), SPEC_SIG);
        let ts = SPEC_TS.to_string();
        secret
            .verify(
                &headers(SPEC_ID, &ts, SPEC_SIG),
                SPEC_BODY,
                SPEC_TS + 10,
                300,
            )
            .expect("valid");
    }

    #[test]
    fn refuses_tampering_replays_and_missing_headers() {
        let secret = Secret::parse(SPEC_SECRET).expect("secret");
        let ts = SPEC_TS.to_string();
        let h = headers(SPEC_ID, &ts, SPEC_SIG);
        assert_eq!(
            secret.verify(&h, br#"{"test": 1}"#, SPEC_TS, 300),
            Err(WebhookError::BadSignature)
        );
        assert!(matches!(
            secret.verify(&h, SPEC_BODY, SPEC_TS + 301, 300),
            Err(WebhookError::OutsideWindow { skew_secs: 301, .. })
        ));
        let other = Secret::parse("another-secret-of-enough-length").expect("secret");
        assert_eq!(
            other.verify(&h, SPEC_BODY, SPEC_TS, 300),
            Err(WebhookError::BadSignature)
        );
        let missing = Headers {
            signature: None,
            ..h
        };
        assert_eq!(
            secret.verify(&missing, SPEC_BODY, SPEC_TS, 300),
            Err(WebhookError::MissingHeader(HEADER_SIGNATURE))
        );
        let rotated = format!("v1,bm9wZQ== {SPEC_SIG}");
        secret
            .verify(&headers(SPEC_ID, &ts, &rotated), SPEC_BODY, SPEC_TS, 300)
            .expect("second signature valid");
    }

    #[test]
    fn secrets_are_never_printed_and_short_ones_refused() {
        let secret = Secret::parse(SPEC_SECRET).expect("secret");
        assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
        assert_eq!(Secret::parse(&secret.expose()).expect("round trip"), secret);
        assert!(Secret::parse("short").is_err());
    }
}
