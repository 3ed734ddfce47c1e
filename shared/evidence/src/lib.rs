//! Evidence-grade captures as WARC 1.1 records (ISO 28500:2017).
//!
//! A capture of one HTTP exchange is three records linked by `WARC-Concurrent-To`: the
//! `request` as sent, the `response` as received (HTTP head + payload), and a `metadata`
//! record with what the crawler knew about it. Every record carries a `WARC-Block-Digest`,
//! and `request`/`response` records a `WARC-Payload-Digest`, so a record altered after
//! capture is detected by [`parse_records`].
//!
//! Digests are SHA-256 written as `sha256:<BASE32>` (RFC 4648 alphabet, upper case, with
//! `=` padding) — the WARC convention of base32 digests (as in `sha1:…`), the same text
//! `warcio` writes for sha256. The reader also accepts unpadded base32 and lower-case hex.
//!
//! Written by hand rather than with the `warc` crate: that crate computes no digests, cannot
//! verify them, pins `uuid` 0.8, and does not let us fix header order — and exact bytes
//! matter for evidence. The format is a header block and a length-prefixed body.
//!
//! Module map:
//! - [`id`]: record ids (`urn:uuid:`), derived from content so a re-run writes the same ids.
//! - [`digest`]: the digest text and its verification.
//! - [`http`]: the HTTP request/response heads a record's block starts with.
//! - [`mod@write`]: building records as bytes.
//! - [`read`]: parsing records and verifying their digests.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod digest;
pub mod http;
pub mod id;
pub mod read;
pub mod write;

pub use digest::{Digest, DigestError};
pub use id::RecordId;
pub use read::{WarcError, WarcRecord, parse_records};
pub use write::{
    Exchange, ExchangeRecords, RecordMeta, metadata_record, request_record, response_record,
    write_exchange,
};
