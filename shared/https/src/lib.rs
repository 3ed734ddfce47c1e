//! Serving an axum router over HTTPS (the platform desk, the API): a certificate chain and its
//! private key from PEM files, rustls with the aws-lc provider (the one the workspace's
//! reqwest uses), served by `axum-server`. The provider is passed explicitly rather than
//! relying on a process-wide default, which panics when more than one rustls provider is
//! compiled in.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::{future::Future, net::SocketAddr, path::Path, sync::Arc, time::Duration};

use axum::Router;
use axum_server::tls_rustls::RustlsConfig;
/// The server configuration [`server_config`] builds and [`serve_tls`] serves with.
pub use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};

/// How long open connections may finish after shutdown is asked for.
const GRACE: Duration = Duration::from_secs(5);

/// Why HTTPS could not be set up or served.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate file could not be read or holds no certificate.
    #[error("TLS certificate {path}: {reason}")]
    Certificate {
        /// The file.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// The key file could not be read or holds no private key.
    #[error("TLS private key {path}: {reason}")]
    Key {
        /// The file.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// rustls refused the pair (a key that does not belong to the certificate).
    #[error("TLS configuration: {0}")]
    Config(String),
    /// Serving failed.
    #[error("serving HTTPS: {0}")]
    Io(#[from] std::io::Error),
}

/// The server configuration for the chain in `cert_pem` (leaf first) and the key in
/// `key_pem` (PKCS#8, PKCS#1 or SEC1).
pub fn server_config(cert_pem: &Path, key_pem: &Path) -> Result<rustls::ServerConfig, TlsError> {
    let cert_error = |reason: String| TlsError::Certificate {
        path: cert_pem.display().to_string(),
        reason,
    };
    // Read through the bounded reader (a regular file of at most a few MiB), then parsed.
    let cert_bytes = takedown_fsread::read(cert_pem, takedown_fsread::DOCUMENT_MAX_BYTES)
        .map_err(|e| cert_error(e.to_string()))?;
    let chain = CertificateDer::pem_slice_iter(&cert_bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| cert_error(e.to_string()))?;
    if chain.is_empty() {
        return Err(cert_error("no BEGIN CERTIFICATE block".into()));
    }
    let key_error = |reason: String| TlsError::Key {
        path: key_pem.display().to_string(),
        reason,
    };
    let key_bytes = takedown_fsread::read(key_pem, takedown_fsread::DOCUMENT_MAX_BYTES)
        .map_err(|e| key_error(e.to_string()))?;
    let key = PrivateKeyDer::from_pem_slice(&key_bytes).map_err(|e| key_error(e.to_string()))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Config(format!("certificate and key do not go together: {e}")))
}

/// Serves `app` over HTTPS on `listener` until `shutdown` resolves; handlers may extract the
/// peer's address (`ConnectInfo<SocketAddr>`), as under `axum::serve` with connect info.
pub async fn serve_tls(
    app: Router,
    listener: tokio::net::TcpListener,
    config: rustls::ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), TlsError> {
    let mut config = config;
    // axum-server speaks HTTP/1.1 and HTTP/2; tell clients so in the handshake.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let handle = axum_server::Handle::new();
    let stop = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stop.graceful_shutdown(Some(GRACE));
    });
    axum_server::from_tcp_rustls(
        listener.into_std()?,
        RustlsConfig::from_config(Arc::new(config)),
    )?
    .handle(handle)
    .serve(app.into_make_service_with_connect_info::<SocketAddr>())
    .await?;
    Ok(())
}
