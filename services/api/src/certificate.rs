//! Registration certificates as uploaded documents: which bytes are accepted and as what.
//!
//! The declared `Content-Type` is never trusted on its own: the bytes are sniffed, and the
//! upload is refused unless they are a PDF, PNG or JPEG *and* the declared type says the same.
//! Hand-written: three fixed signatures (ISO 32000 `%PDF-`, the PNG signature, JPEG's SOI
//! marker) are all that is accepted, where a general sniffing crate would recognise hundreds
//! of formats this must refuse anyway.

use crate::error::ApiError;

/// The largest certificate accepted: office certificates are a few pages or one scan.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// The media types a certificate may have.
pub const MEDIA_TYPES: &[&str] = &["application/pdf", "image/png", "image/jpeg"];

/// What the bytes are, by their signature; None if none of the accepted formats.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// The media type to store for an upload declared as `declared` (the Content-Type header,
/// parameters ignored): the sniffed type, when it is accepted and agrees with the declaration.
pub fn accept(declared: Option<&str>, bytes: &[u8]) -> Result<&'static str, ApiError> {
    let declared = declared
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if !MEDIA_TYPES.contains(&declared.as_str()) {
        return Err(ApiError::invalid(
            "content-type",
            "must be application/pdf, image/png or image/jpeg",
        ));
    }
    if bytes.is_empty() {
        return Err(ApiError::invalid("body", "must not be empty"));
    }
    match sniff(bytes) {
        Some(found) if found == declared => Ok(found),
        Some(found) => Err(ApiError::invalid(
            "content-type",
            format!("declares {declared} but the bytes are {found}"),
        )),
        None => Err(ApiError::invalid(
            "body",
            format!("is not a {declared} document (its first bytes say otherwise)"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(result: Result<&str, ApiError>) -> String {
        match result {
            Err(ApiError::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn the_bytes_decide_and_must_agree_with_the_declared_type() {
        let pdf = b"%PDF-1.7\n1 0 obj\n";
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F'];
        assert_eq!(
            accept(Some("application/pdf"), pdf).expect("pdf"),
            "application/pdf"
        );
        assert_eq!(
            accept(Some("Image/PNG; charset=binary"), png).expect("png"),
            "image/png"
        );
        assert_eq!(
            accept(Some("image/jpeg"), &jpeg).expect("jpeg"),
            "image/jpeg"
        );

        assert_eq!(field_of(accept(Some("image/png"), pdf)), "content-type");
        assert_eq!(field_of(accept(Some("application/pdf"), b"<html>")), "body");
        assert_eq!(field_of(accept(Some("text/html"), pdf)), "content-type");
        assert_eq!(field_of(accept(None, pdf)), "content-type");
        assert_eq!(field_of(accept(Some("application/pdf"), b"")), "body");
    }
}
