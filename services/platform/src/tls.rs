//! Serving the desk over HTTPS: the workspace's one way (`takedown-https`), named here for
//! the desk's callers.

pub use takedown_https::{TlsError, serve_tls, server_config};
