//! HTTPS trust: the extra root certificates a source trusts besides the system's (a
//! private CA, a test server's self-signed certificate), and telling a certificate
//! refusal apart from a network failure, so that it is reported as such and not retried.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("extra root certificate file {path}: {reason}")]
    RootCert { path: PathBuf, reason: String },
}

/// Reads every certificate of each PEM file (a file may hold a bundle).
pub fn load_root_certs(paths: &[PathBuf]) -> Result<Vec<reqwest::Certificate>, TlsError> {
    let mut certs = Vec::new();
    for path in paths {
        let refused = |reason: String| TlsError::RootCert {
            path: path.clone(),
            reason,
        };
        let pem = takedown_fsread::read(path, takedown_fsread::DOCUMENT_MAX_BYTES)
            .map_err(|e| refused(e.to_string()))?;
        let bundle = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| refused(format!("not PEM certificates: {e}")))?;
        if bundle.is_empty() {
            return Err(refused("holds no PEM certificate".to_owned()));
        }
        certs.extend(bundle);
    }
    Ok(certs)
}

/// The TLS failure (an untrusted or invalid certificate, a failed handshake) somewhere in
/// `error`'s causes, if that is what failed.
pub fn tls_failure(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls.to_string());
        }
        // io::Error's `source` skips the error it wraps, and the handshake's rustls::Error
        // travels inside one (inside another, as reqwest hands it on): unwrap them.
        cause = match e.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_empty_pem_file_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("missing.pem");
        let err = load_root_certs(std::slice::from_ref(&missing)).expect_err("missing");
        assert!(err.to_string().contains("missing.pem"), "{err}");

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "no certificate here\n").expect("write");
        let err = load_root_certs(&[empty]).expect_err("empty");
        assert!(err.to_string().contains("no PEM certificate"), "{err}");
    }
}
