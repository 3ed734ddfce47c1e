//! Writing a capture and reading it back: ids, links, digests, and tamper detection.

use chrono::{TimeZone, Utc};
use takedown_evidence::{
    Exchange, WarcError, http::request_head, http::response_head, parse_records, write_exchange,
};
use url::Url;

const PAGE: &[u8] = b"<html><body><h1>Trail shoe</h1><p>19,99 EUR</p></body></html>";

/// The sample capture; `testdata/sample.warc` holds exactly these bytes (checked below),
/// and `bench/warc_check.py` verifies that file with warcio.
fn sample() -> takedown_evidence::ExchangeRecords {
    let url = Url::parse("http://127.0.0.1:8080/market/item/1?ref=cat").expect("url");
    let request = request_head(
        "GET",
        &url,
        &[("User-Agent".into(), "takedown-crawler/0.1".into())],
    );
    let head = response_head(
        200,
        "OK",
        &[
            ("Content-Type".into(), "text/html; charset=utf-8".into()),
            ("Content-Encoding".into(), "gzip".into()),
        ],
        PAGE.len(),
    );
    let metadata = vec![
        ("capture-id".to_owned(), "cap_0123".to_owned()),
        ("via".to_owned(), "http://127.0.0.1:8080/market/".to_owned()),
    ];
    write_exchange(&Exchange {
        target_uri: url.as_str(),
        date: Utc
            .with_ymd_and_hms(2026, 11, 22, 20, 0, 0)
            .single()
            .expect("date"),
        ip_address: Some("127.0.0.1".parse().expect("ip")),
        request: &request,
        response_head: &head,
        payload: PAGE,
        metadata: &metadata,
    })
}

#[test]
fn round_trip_keeps_fields_links_and_payload() {
    let written = sample();
    let records = parse_records(&written.bytes).expect("parse");
    let types: Vec<_> = records.iter().map(|r| r.record_type()).collect();
    assert_eq!(
        types,
        vec![Some("response"), Some("request"), Some("metadata")]
    );
    let response = &records[0];
    assert_eq!(
        response.record_id(),
        Some(written.response_id.to_string().as_str())
    );
    assert_eq!(
        response.target_uri(),
        Some("http://127.0.0.1:8080/market/item/1?ref=cat")
    );
    assert_eq!(response.header("WARC-IP-Address"), Some("127.0.0.1"));
    assert_eq!(response.header("WARC-Date"), Some("2026-11-22T20:00:00Z"));
    assert_eq!(response.payload(), PAGE);
    for linked in &records[1..] {
        assert_eq!(
            linked.header("WARC-Concurrent-To"),
            Some(written.response_id.to_string().as_str())
        );
    }
    assert!(
        records[1]
            .block
            .starts_with(b"GET /market/item/1?ref=cat HTTP/1.1\r\n")
    );
    assert_eq!(
        records[2].block,
        b"capture-id: cap_0123\r\nvia: http://127.0.0.1:8080/market/\r\n"
    );
    // Same exchange, same bytes: ids are derived, not random.
    assert_eq!(sample(), written);
}

#[test]
fn the_checked_in_sample_is_what_the_writer_produces() {
    let on_disk = include_bytes!("../testdata/sample.warc");
    assert_eq!(
        on_disk.as_slice(),
        sample().bytes.as_slice(),
        "regenerate testdata/sample.warc"
    );
}

#[test]
fn a_changed_payload_byte_fails_naming_the_record() {
    let written = sample();
    let mut bytes = written.bytes.clone();
    let at = bytes
        .windows(10)
        .position(|w| w == b"Trail shoe")
        .expect("payload present");
    bytes[at] = b'X';
    match parse_records(&bytes) {
        Err(WarcError::DigestMismatch { record, field, .. }) => {
            assert_eq!(record, written.response_id.to_string());
            assert_eq!(field, "WARC-Block-Digest");
        }
        other => panic!("expected a digest mismatch, got {other:?}"),
    }
}

#[test]
fn a_changed_payload_digest_header_fails_on_the_payload() {
    let written = sample();
    let text = String::from_utf8(written.bytes.clone()).expect("utf8");
    let start = text.find("WARC-Payload-Digest: sha256:").expect("header") + 28;
    let mut bytes = written.bytes.clone();
    // Swap one base32 letter for another: still a well-formed digest, but the wrong one.
    bytes[start] = if bytes[start] == b'A' { b'B' } else { b'A' };
    assert!(matches!(
        parse_records(&bytes),
        Err(WarcError::DigestMismatch { field: "WARC-Payload-Digest", record, .. })
            if record == written.response_id.to_string()
    ));
}

#[test]
fn a_changed_metadata_record_is_detected_too() {
    let written = sample();
    let mut bytes = written.bytes.clone();
    let at = bytes
        .windows(8)
        .position(|w| w == b"cap_0123")
        .expect("metadata present");
    bytes[at + 7] = b'4';
    assert!(matches!(
        parse_records(&bytes),
        Err(WarcError::DigestMismatch { record, .. }) if record == written.metadata_id.to_string()
    ));
}

#[test]
#[ignore = "writes testdata/sample.warc; run with --ignored after changing the writer"]
fn regenerate_sample() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/sample.warc");
    std::fs::write(path, sample().bytes).expect("write sample");
}
