//! `WARC-Block-Digest` / `WARC-Payload-Digest` values: SHA-256 as `sha256:<BASE32>`.

use data_encoding::{BASE32, BASE32_NOPAD, HEXLOWER_PERMISSIVE};
use sha2::{Digest as _, Sha256};

/// A SHA-256 digest of some bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest([u8; 32]);

/// Why a `WARC-*-Digest` header value does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    /// No `algorithm:` prefix (the whole value).
    #[error("digest {0:?} has no `algorithm:` prefix")]
    NoAlgorithm(String),
    /// An algorithm other than SHA-256 (its name).
    #[error("digest algorithm {0:?} is not supported (only sha256)")]
    UnsupportedAlgorithm(String),
    /// The value is neither base32 nor hex of 32 bytes (the value).
    #[error("digest value {0:?} is neither base32 nor hex of 32 bytes")]
    BadValue(String),
}

impl Digest {
    /// The SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// The raw 32 bytes.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The header value: `sha256:` + RFC 4648 base32 with padding.
    pub fn to_header(&self) -> String {
        format!("sha256:{}", BASE32.encode(&self.0))
    }

    /// Parses a header value written as base32 (padded or not) or hex.
    pub fn parse(text: &str) -> Result<Self, DigestError> {
        let text = text.trim();
        let (algorithm, value) = text
            .split_once(':')
            .ok_or_else(|| DigestError::NoAlgorithm(text.to_owned()))?;
        if !algorithm.eq_ignore_ascii_case("sha256") && !algorithm.eq_ignore_ascii_case("sha-256") {
            return Err(DigestError::UnsupportedAlgorithm(algorithm.to_owned()));
        }
        let upper = value.to_ascii_uppercase();
        let decoded = BASE32
            .decode(upper.as_bytes())
            .or_else(|_| BASE32_NOPAD.decode(upper.as_bytes()))
            .ok()
            .filter(|d| d.len() == 32)
            .or_else(|| HEXLOWER_PERMISSIVE.decode(value.as_bytes()).ok())
            .and_then(|d| <[u8; 32]>::try_from(d).ok())
            .ok_or_else(|| DigestError::BadValue(value.to_owned()))?;
        Ok(Self(decoded))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_padded_base32_and_reads_every_accepted_form() {
        let d = Digest::of(b"hello");
        let header = d.to_header();
        // sha256("hello") = 2cf24dba…; 32 bytes → 52 base32 chars + 4 padding.
        assert_eq!(
            header,
            "sha256:FTZE3OS7WCRQ4JXIHMVMLOPCTYNRMHS4D6TUEXTTAQZWFE4LTASA===="
        );
        assert_eq!(Digest::parse(&header), Ok(d));
        assert_eq!(Digest::parse(header.trim_end_matches('=')), Ok(d));
        assert_eq!(
            Digest::parse(
                "SHA256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
            ),
            Ok(d)
        );
        assert!(matches!(
            Digest::parse("sha1:AAAA"),
            Err(DigestError::UnsupportedAlgorithm(_))
        ));
        assert!(matches!(
            Digest::parse("sha256:xyz"),
            Err(DigestError::BadValue(_))
        ));
        assert!(matches!(
            Digest::parse("nocolon"),
            Err(DigestError::NoAlgorithm(_))
        ));
    }
}
