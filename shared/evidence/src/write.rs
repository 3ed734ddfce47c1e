//! Building WARC 1.1 records as exact bytes.
//!
//! Header order is fixed (type, id, date, target, address, concurrent-to, digests,
//! content type, length) so the same capture always serializes to the same bytes.

use std::net::IpAddr;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::{digest::Digest, id::RecordId};

/// `Content-Type` of a request record's block.
pub const CONTENT_TYPE_REQUEST: &str = "application/http;msgtype=request";
/// `Content-Type` of a response record's block.
pub const CONTENT_TYPE_RESPONSE: &str = "application/http;msgtype=response";
/// `Content-Type` of a metadata record's block (WARC named fields).
pub const CONTENT_TYPE_METADATA: &str = "application/warc-fields";

/// The named fields every record of a capture shares.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordMeta {
    /// This record's `WARC-Record-ID`.
    pub id: RecordId,
    /// When the capture happened (`WARC-Date`).
    pub date: DateTime<Utc>,
    /// The URL fetched (`WARC-Target-URI`).
    pub target_uri: String,
    /// The address the client connected to (`WARC-IP-Address`), when known.
    pub ip_address: Option<IpAddr>,
    /// The record this one was captured with (`WARC-Concurrent-To`): the response, for
    /// its request and metadata records.
    pub concurrent_to: Option<RecordId>,
}

/// A `request` record: `http_request` is the HTTP head (see [`crate::http::request_head`])
/// followed by the request body, if any.
pub fn request_record(meta: &RecordMeta, http_request: &[u8]) -> Vec<u8> {
    let payload = http_payload(http_request);
    let payload_digest = (!payload.is_empty()).then(|| Digest::of(payload));
    record(
        "request",
        meta,
        CONTENT_TYPE_REQUEST,
        http_request,
        payload_digest,
    )
}

/// A `response` record: the block is `http_head` (see [`crate::http::response_head`])
/// followed by `payload`, the body as stored.
pub fn response_record(meta: &RecordMeta, http_head: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut block = Vec::with_capacity(http_head.len() + payload.len());
    block.extend_from_slice(http_head);
    block.extend_from_slice(payload);
    record(
        "response",
        meta,
        CONTENT_TYPE_RESPONSE,
        &block,
        Some(Digest::of(payload)),
    )
}

/// A `metadata` record of `name: value` lines (`application/warc-fields`).
pub fn metadata_record(meta: &RecordMeta, fields: &[(String, String)]) -> Vec<u8> {
    let mut block = String::new();
    for (name, value) in fields {
        block.push_str(&one_line(name));
        block.push_str(": ");
        block.push_str(&one_line(value));
        block.push_str("\r\n");
    }
    record(
        "metadata",
        meta,
        CONTENT_TYPE_METADATA,
        block.as_bytes(),
        None,
    )
}

/// One HTTP exchange to keep as evidence.
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    /// The URL fetched (`WARC-Target-URI`).
    pub target_uri: &'a str,
    /// When the response was received (`WARC-Date`).
    pub date: DateTime<Utc>,
    /// The address connected to (`WARC-IP-Address`), when known.
    pub ip_address: Option<IpAddr>,
    /// The request head (and body) as sent.
    pub request: &'a [u8],
    /// The response head, describing `payload` (see [`crate::http::response_head`]).
    pub response_head: &'a [u8],
    /// The response body as stored.
    pub payload: &'a [u8],
    /// Extra facts for the metadata record (e.g. `capture-id`, `blob-sha256`, `via`).
    pub metadata: &'a [(String, String)],
}

/// The three records of one exchange, concatenated, and their ids.
#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeRecords {
    /// response, request, metadata — in that order, ready to append to a `.warc` file.
    pub bytes: Vec<u8>,
    /// The response record's id: what a capture cites.
    pub response_id: RecordId,
    /// The request record's id.
    pub request_id: RecordId,
    /// The metadata record's id.
    pub metadata_id: RecordId,
}

/// Writes response, request and metadata records for one exchange, linked by
/// `WARC-Concurrent-To` to the response. Ids derive from the content, so writing the same
/// exchange again gives the same bytes.
pub fn write_exchange(exchange: &Exchange<'_>) -> ExchangeRecords {
    let date = format_date(&exchange.date);
    let response_digest = {
        let mut block = exchange.response_head.to_vec();
        block.extend_from_slice(exchange.payload);
        Digest::of(&block)
    };
    let response_id = RecordId::derived(&[
        b"response",
        exchange.target_uri.as_bytes(),
        date.as_bytes(),
        response_digest.bytes(),
    ]);
    let request_id = RecordId::derived(&[b"request", response_id.to_string().as_bytes()]);
    let metadata_id = RecordId::derived(&[b"metadata", response_id.to_string().as_bytes()]);
    let meta = |id, concurrent_to| RecordMeta {
        id,
        date: exchange.date,
        target_uri: exchange.target_uri.to_owned(),
        ip_address: exchange.ip_address,
        concurrent_to,
    };
    let mut bytes = response_record(
        &meta(response_id, None),
        exchange.response_head,
        exchange.payload,
    );
    bytes.extend(request_record(
        &meta(request_id, Some(response_id)),
        exchange.request,
    ));
    bytes.extend(metadata_record(
        &meta(metadata_id, Some(response_id)),
        exchange.metadata,
    ));
    ExchangeRecords {
        bytes,
        response_id,
        request_id,
        metadata_id,
    }
}

/// `WARC-Date`: UTC, `Z`, sub-second digits only when there are any (WARC 1.1 allows
/// them; whole seconds keep WARC 1.0 readers happy).
pub fn format_date(date: &DateTime<Utc>) -> String {
    date.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The payload of an `application/http` block: what follows the head's blank line.
pub(crate) fn http_payload(block: &[u8]) -> &[u8] {
    block
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .and_then(|i| block.get(i + 4..))
        .unwrap_or(&[])
}

fn record(
    kind: &str,
    meta: &RecordMeta,
    content_type: &str,
    block: &[u8],
    payload_digest: Option<Digest>,
) -> Vec<u8> {
    let mut head = String::from("WARC/1.1\r\n");
    let mut field = |name: &str, value: &str| {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(&one_line(value));
        head.push_str("\r\n");
    };
    field("WARC-Type", kind);
    field("WARC-Record-ID", &meta.id.to_string());
    field("WARC-Date", &format_date(&meta.date));
    field("WARC-Target-URI", &meta.target_uri);
    if let Some(ip) = meta.ip_address {
        field("WARC-IP-Address", &ip.to_string());
    }
    if let Some(to) = meta.concurrent_to {
        field("WARC-Concurrent-To", &to.to_string());
    }
    field("WARC-Block-Digest", &Digest::of(block).to_header());
    if let Some(digest) = payload_digest {
        field("WARC-Payload-Digest", &digest.to_header());
    }
    field("Content-Type", content_type);
    field("Content-Length", &block.len().to_string());
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(block);
    out.extend_from_slice(b"\r\n\r\n");
    out
}

/// Header values are single lines; a CR or LF from a URL or server would forge fields.
fn one_line(text: &str) -> String {
    text.chars().filter(|c| *c != '\r' && *c != '\n').collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn response_record_has_exact_bytes() {
        let meta = RecordMeta {
            id: RecordId::from_uuid(uuid::Uuid::nil()),
            date: Utc
                .with_ymd_and_hms(2026, 1, 2, 3, 4, 5)
                .single()
                .expect("date"),
            target_uri: "http://shop.test/item/1".into(),
            ip_address: Some("127.0.0.1".parse().expect("ip")),
            concurrent_to: None,
        };
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
        let bytes = response_record(&meta, head, b"hello");
        let block_digest = Digest::of(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        let expected = format!(
            "WARC/1.1\r\nWARC-Type: response\r\n\
             WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000000>\r\n\
             WARC-Date: 2026-01-02T03:04:05Z\r\nWARC-Target-URI: http://shop.test/item/1\r\n\
             WARC-IP-Address: 127.0.0.1\r\nWARC-Block-Digest: {}\r\n\
             WARC-Payload-Digest: sha256:FTZE3OS7WCRQ4JXIHMVMLOPCTYNRMHS4D6TUEXTTAQZWFE4LTASA====\r\n\
             Content-Type: application/http;msgtype=response\r\nContent-Length: 43\r\n\r\n\
             HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello\r\n\r\n",
            block_digest.to_header()
        );
        assert_eq!(String::from_utf8(bytes).expect("utf8"), expected);
    }

    #[test]
    fn a_forged_line_break_in_a_target_cannot_add_a_field() {
        let meta = RecordMeta {
            id: RecordId::derived(&[b"x"]),
            date: Utc::now(),
            target_uri: "http://a.test/\r\nWARC-Type: resource".into(),
            ip_address: None,
            concurrent_to: None,
        };
        let text = String::from_utf8(metadata_record(&meta, &[])).expect("utf8");
        let type_lines = text.lines().filter(|l| l.starts_with("WARC-Type:")).count();
        assert_eq!(type_lines, 1, "{text}");
    }

    #[test]
    fn http_payload_is_what_follows_the_head() {
        assert_eq!(http_payload(b"GET / HTTP/1.1\r\n\r\nbody"), b"body");
        assert_eq!(http_payload(b"no head end"), b"");
    }
}
