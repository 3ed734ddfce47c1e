//! Parsing WARC records and verifying their digests.
//!
//! Reads uncompressed WARC 1.0/1.1 as written by [`crate::write`] and by common tools.
//! A digest that does not match its block or payload is an error naming the record, so a
//! file altered after capture cannot be read back as evidence.

use crate::{
    digest::{Digest, DigestError},
    write::http_payload,
};

/// One record: its version line, header fields in order, and its block.
#[derive(Debug, Clone, PartialEq)]
pub struct WarcRecord {
    /// `WARC/1.1` or `WARC/1.0`.
    pub version: String,
    /// Header fields as written (names keep their case; look up with [`Self::header`]).
    pub headers: Vec<(String, String)>,
    /// The block as stored: for `application/http` records the HTTP head and body.
    pub block: Vec<u8>,
}

/// Why a WARC file does not read back, or does not verify. Every variant says where: the
/// byte offset of the record in the file and, once its header was read, its record id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WarcError {
    /// The record does not start with a `WARC/1.x` version line.
    #[error("record at byte {offset}: does not start with a WARC/1.x version line")]
    BadVersion {
        /// Where the record starts in the file.
        offset: usize,
    },
    /// The header block has no blank line ending it.
    #[error("record at byte {offset}: the header block never ends")]
    UnterminatedHeader {
        /// Where the record starts in the file.
        offset: usize,
    },
    /// A header line is not `name: value`.
    #[error("record at byte {offset}: header line {line:?} has no `name: value` form")]
    BadHeaderLine {
        /// Where the record starts in the file.
        offset: usize,
        /// The offending line.
        line: String,
    },
    /// A mandatory header field is missing or unreadable.
    #[error("record {record} (byte {offset}): missing or invalid {field}")]
    BadField {
        /// Where the record starts in the file.
        offset: usize,
        /// The record's id, as far as it could be read.
        record: String,
        /// The field's name.
        field: &'static str,
    },
    /// `Content-Length` says the block goes past the end of the file: a cut file.
    #[error("record {record} (byte {offset}): block of {length} bytes runs past the end")]
    Truncated {
        /// Where the record starts in the file.
        offset: usize,
        /// The record's id.
        record: String,
        /// The declared block length.
        length: usize,
    },
    /// The block is not followed by the two CRLFs that end a record.
    #[error("record {record} (byte {offset}): block is not followed by CRLF CRLF")]
    MissingTerminator {
        /// Where the record starts in the file.
        offset: usize,
        /// The record's id.
        record: String,
    },
    /// A declared digest differs from the one computed: the record was altered.
    #[error("record {record}: {field} does not match ({expected} declared, {actual} computed)")]
    DigestMismatch {
        /// The record's id.
        record: String,
        /// `WARC-Block-Digest` or `WARC-Payload-Digest`.
        field: &'static str,
        /// The digest the header declares.
        expected: String,
        /// The digest of the bytes as read.
        actual: String,
    },
    /// A declared digest cannot be parsed.
    #[error("record {record}: {field}: {source}")]
    BadDigest {
        /// The record's id.
        record: String,
        /// `WARC-Block-Digest` or `WARC-Payload-Digest`.
        field: &'static str,
        /// Why it does not parse.
        source: DigestError,
    },
}

impl WarcRecord {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `WARC-Type`: `request`, `response`, `metadata`, ….
    pub fn record_type(&self) -> Option<&str> {
        self.header("WARC-Type")
    }

    /// `WARC-Record-ID`, the `<urn:uuid:…>` other records refer to.
    pub fn record_id(&self) -> Option<&str> {
        self.header("WARC-Record-ID")
    }

    /// `WARC-Target-URI`: the address fetched.
    pub fn target_uri(&self) -> Option<&str> {
        self.header("WARC-Target-URI")
    }

    /// For `application/http` blocks, the body after the HTTP head; otherwise the block.
    pub fn payload(&self) -> &[u8] {
        if self.is_http() {
            http_payload(&self.block)
        } else {
            &self.block
        }
    }

    fn is_http(&self) -> bool {
        self.header("Content-Type").is_some_and(|t| {
            t.trim()
                .to_ascii_lowercase()
                .starts_with("application/http")
        })
    }
}

/// Parses every record in `bytes` and verifies each `WARC-Block-Digest` and
/// `WARC-Payload-Digest` present (sha256 only; a record with another algorithm is an error
/// rather than silently unverified).
pub fn parse_records(bytes: &[u8]) -> Result<Vec<WarcRecord>, WarcError> {
    let mut records = Vec::new();
    let mut offset = 0;
    while offset < bytes.len() {
        // Tolerate stray blank lines between records (some writers add them).
        let rest = bytes.get(offset..).unwrap_or_default();
        if rest.starts_with(b"\r\n") {
            offset += 2;
            continue;
        }
        let (record, next) = parse_one(bytes, offset)?;
        verify(&record)?;
        records.push(record);
        offset = next;
    }
    Ok(records)
}

fn parse_one(bytes: &[u8], offset: usize) -> Result<(WarcRecord, usize), WarcError> {
    let rest = bytes.get(offset..).unwrap_or_default();
    let head_len = rest
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or(WarcError::UnterminatedHeader { offset })?;
    let head = String::from_utf8_lossy(rest.get(..head_len).unwrap_or_default());
    let mut lines = head.split("\r\n");
    let version = lines.next().unwrap_or_default().trim().to_owned();
    if !(version == "WARC/1.1" || version == "WARC/1.0") {
        return Err(WarcError::BadVersion { offset });
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            // A continuation line (folded header, allowed by WARC 1.0/1.1 grammar).
            match headers.last_mut() {
                Some((_, value)) => {
                    value.push(' ');
                    value.push_str(line.trim());
                    continue;
                }
                None => {
                    return Err(WarcError::BadHeaderLine {
                        offset,
                        line: line.to_owned(),
                    });
                }
            }
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| WarcError::BadHeaderLine {
                offset,
                line: line.to_owned(),
            })?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let record = find("WARC-Record-ID").unwrap_or_else(|| "(no WARC-Record-ID)".to_owned());
    let bad = |field| WarcError::BadField {
        offset,
        record: record.clone(),
        field,
    };
    let length: usize = find("Content-Length")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| bad("Content-Length"))?;
    find("WARC-Type").ok_or_else(|| bad("WARC-Type"))?;
    find("WARC-Date").ok_or_else(|| bad("WARC-Date"))?;
    let block_start = offset + head_len + 4;
    let block_end = block_start
        .checked_add(length)
        .filter(|end| *end <= bytes.len())
        .ok_or_else(|| WarcError::Truncated {
            offset,
            record: record.clone(),
            length,
        })?;
    let block = bytes
        .get(block_start..block_end)
        .unwrap_or_default()
        .to_vec();
    if bytes.get(block_end..block_end + 4) != Some(b"\r\n\r\n".as_slice()) {
        return Err(WarcError::MissingTerminator { offset, record });
    }
    Ok((
        WarcRecord {
            version,
            headers,
            block,
        },
        block_end + 4,
    ))
}

fn verify(record: &WarcRecord) -> Result<(), WarcError> {
    let name = record.record_id().unwrap_or("(no WARC-Record-ID)");
    let check = |field: &'static str, data: &[u8]| -> Result<(), WarcError> {
        let Some(declared) = record.header(field) else {
            return Ok(());
        };
        let expected = Digest::parse(declared).map_err(|source| WarcError::BadDigest {
            record: name.to_owned(),
            field,
            source,
        })?;
        let actual = Digest::of(data);
        if expected == actual {
            Ok(())
        } else {
            Err(WarcError::DigestMismatch {
                record: name.to_owned(),
                field,
                expected: declared.to_owned(),
                actual: actual.to_header(),
            })
        }
    };
    check("WARC-Block-Digest", &record.block)?;
    check("WARC-Payload-Digest", record.payload())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_errors_name_the_problem() {
        assert_eq!(
            parse_records(b"HTTP/1.1 200 OK\r\n\r\n"),
            Err(WarcError::BadVersion { offset: 0 })
        );
        assert_eq!(
            parse_records(b"WARC/1.1\r\nWARC-Type: x\r\n"),
            Err(WarcError::UnterminatedHeader { offset: 0 })
        );
        let no_length = b"WARC/1.1\r\nWARC-Type: metadata\r\nWARC-Record-ID: <urn:uuid:x>\r\n\r\n";
        assert!(matches!(
            parse_records(no_length),
            Err(WarcError::BadField {
                field: "Content-Length",
                ..
            })
        ));
        let short = b"WARC/1.1\r\nWARC-Type: metadata\r\nWARC-Date: 2026-01-01T00:00:00Z\r\nContent-Length: 99\r\n\r\nabc";
        assert!(matches!(
            parse_records(short),
            Err(WarcError::Truncated { length: 99, .. })
        ));
    }
}
