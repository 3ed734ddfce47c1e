//! How a client protects its connection to the brokers and proves who it is: TLS (with the
//! deployment's CA, and a client certificate where the cluster asks for one) and SASL
//! (PLAIN, SCRAM-SHA-256/512). Managed Kafka services accept nothing else.
//!
//! librdkafka is built with OpenSSL (`rdkafka`'s `ssl` feature), which also gives SCRAM its
//! hashes. OAUTHBEARER with OIDC token fetching needs librdkafka's curl support, which this
//! build leaves out: [`SaslMechanism`] does not offer it, so a config naming it is refused
//! rather than failing at the first connection.
//!
//! The password lives in a [`Secret`], whose `Debug` prints nothing of it: a config logged
//! with `{:?}` or carried in an error never shows it.

use std::{fmt, path::PathBuf};

use rdkafka::ClientConfig;

/// librdkafka's `security.protocol`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SecurityProtocol {
    /// No TLS, no authentication: a broker on a trusted network (the test broker).
    #[default]
    Plaintext,
    /// TLS; the client authenticates with a certificate only if one is given.
    Ssl,
    /// SASL over an unencrypted connection (only on a trusted network: PLAIN sends the
    /// password as it is).
    SaslPlaintext,
    /// SASL over TLS: what managed clusters ask for.
    SaslSsl,
}

impl SecurityProtocol {
    /// The value librdkafka takes.
    pub fn as_librdkafka(self) -> &'static str {
        match self {
            SecurityProtocol::Plaintext => "plaintext",
            SecurityProtocol::Ssl => "ssl",
            SecurityProtocol::SaslPlaintext => "sasl_plaintext",
            SecurityProtocol::SaslSsl => "sasl_ssl",
        }
    }

    /// True when the connection is encrypted.
    pub fn uses_tls(self) -> bool {
        matches!(self, SecurityProtocol::Ssl | SecurityProtocol::SaslSsl)
    }

    /// True when the client must authenticate with SASL.
    pub fn uses_sasl(self) -> bool {
        matches!(
            self,
            SecurityProtocol::SaslPlaintext | SecurityProtocol::SaslSsl
        )
    }
}

/// librdkafka's `sasl.mechanism`, limited to what this build supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaslMechanism {
    /// The password sent as it is (use only with TLS).
    Plain,
    /// Salted challenge-response with SHA-256 (RFC 7677).
    ScramSha256,
    /// Salted challenge-response with SHA-512.
    ScramSha512,
}

impl SaslMechanism {
    /// The value librdkafka takes.
    pub fn as_librdkafka(self) -> &'static str {
        match self {
            SaslMechanism::Plain => "PLAIN",
            SaslMechanism::ScramSha256 => "SCRAM-SHA-256",
            SaslMechanism::ScramSha512 => "SCRAM-SHA-512",
        }
    }
}

/// A value that must never be printed: `Debug` shows only that it is there.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the one place that hands it to librdkafka.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A SASL identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaslCredentials {
    /// How the password is proven.
    pub mechanism: SaslMechanism,
    /// The user name the cluster knows.
    pub username: String,
    /// The password (from the environment, never from a file that may be committed).
    pub password: Secret,
}

/// Everything about the connection's protection; the default is plaintext without
/// authentication, as before this existed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KafkaSecurity {
    /// `security.protocol`.
    pub protocol: SecurityProtocol,
    /// PEM file of the CA(s) that sign the brokers' certificates (`ssl.ca.location`); unset,
    /// the system's trust store.
    pub ca_file: Option<PathBuf>,
    /// PEM client certificate and key for clusters that authenticate clients by TLS.
    pub client_certificate: Option<ClientCertificate>,
    /// The SASL identity; required exactly when the protocol uses SASL.
    pub sasl: Option<SaslCredentials>,
}

/// A client certificate and its private key, both PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    /// `ssl.certificate.location`.
    pub certificate_file: PathBuf,
    /// `ssl.key.location`.
    pub key_file: PathBuf,
}

/// A security setting that cannot work, named so an operator can fix the config.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecurityError {
    /// SASL protocol without credentials.
    #[error("security protocol {0} needs a SASL mechanism, a username and a password")]
    MissingCredentials(&'static str),
    /// Credentials given for a protocol that never sends them.
    #[error("SASL credentials are given but security protocol {0} does not use SASL")]
    UnusedCredentials(&'static str),
    /// TLS files given for a protocol without TLS.
    #[error("a CA or client certificate is given but security protocol {0} does not use TLS")]
    UnusedTlsFiles(&'static str),
    /// An empty user name.
    #[error("the SASL username is empty")]
    EmptyUsername,
    /// An empty password.
    #[error("the SASL password is empty")]
    EmptyPassword,
}

impl KafkaSecurity {
    /// Checks that the settings make sense together, before any client is built.
    pub fn validate(&self) -> Result<(), SecurityError> {
        let protocol = self.protocol.as_librdkafka();
        match (&self.sasl, self.protocol.uses_sasl()) {
            (None, true) => return Err(SecurityError::MissingCredentials(protocol)),
            (Some(_), false) => return Err(SecurityError::UnusedCredentials(protocol)),
            (Some(sasl), true) => {
                if sasl.username.trim().is_empty() {
                    return Err(SecurityError::EmptyUsername);
                }
                if sasl.password.expose().is_empty() {
                    return Err(SecurityError::EmptyPassword);
                }
            }
            (None, false) => {}
        }
        if !self.protocol.uses_tls()
            && (self.ca_file.is_some() || self.client_certificate.is_some())
        {
            return Err(SecurityError::UnusedTlsFiles(protocol));
        }
        Ok(())
    }

    /// Sets the librdkafka properties of these settings on `config`.
    pub(crate) fn apply(&self, config: &mut ClientConfig) {
        config.set("security.protocol", self.protocol.as_librdkafka());
        if self.protocol.uses_tls() {
            // Verify the broker's name against its certificate, as HTTPS does (librdkafka's
            // default since 2.0; set so an older library cannot silently skip it).
            config.set("ssl.endpoint.identification.algorithm", "https");
            if let Some(ca) = &self.ca_file {
                config.set("ssl.ca.location", ca.to_string_lossy());
            }
            if let Some(client) = &self.client_certificate {
                config
                    .set(
                        "ssl.certificate.location",
                        client.certificate_file.to_string_lossy(),
                    )
                    .set("ssl.key.location", client.key_file.to_string_lossy());
            }
        }
        if let Some(sasl) = &self.sasl {
            config
                .set("sasl.mechanism", sasl.mechanism.as_librdkafka())
                .set("sasl.username", &sasl.username)
                .set("sasl.password", sasl.password.expose());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sasl_ssl() -> KafkaSecurity {
        KafkaSecurity {
            protocol: SecurityProtocol::SaslSsl,
            ca_file: Some("/etc/ca.pem".into()),
            client_certificate: None,
            sasl: Some(SaslCredentials {
                mechanism: SaslMechanism::ScramSha512,
                username: "takedown".into(),
                password: Secret::new("hunter2-long-password"),
            }),
        }
    }

    #[test]
    fn the_password_never_shows_in_debug_output() {
        let shown = format!("{:?}", sasl_ssl());
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("takedown"),
            "the user name may show: {shown}"
        );
    }

    #[test]
    fn sasl_ssl_sets_every_property_librdkafka_needs() {
        let mut config = ClientConfig::new();
        sasl_ssl().apply(&mut config);
        for (key, value) in [
            ("security.protocol", "sasl_ssl"),
            ("sasl.mechanism", "SCRAM-SHA-512"),
            ("sasl.username", "takedown"),
            ("sasl.password", "hunter2-long-password"),
            ("ssl.ca.location", "/etc/ca.pem"),
            ("ssl.endpoint.identification.algorithm", "https"),
        ] {
            assert_eq!(config.get(key), Some(value), "{key}");
        }
    }

    #[test]
    fn settings_that_cannot_work_are_refused_by_name() {
        let mut no_credentials = sasl_ssl();
        no_credentials.sasl = None;
        assert_eq!(
            no_credentials.validate(),
            Err(SecurityError::MissingCredentials("sasl_ssl"))
        );
        let mut credentials_unused = sasl_ssl();
        credentials_unused.protocol = SecurityProtocol::Ssl;
        assert_eq!(
            credentials_unused.validate(),
            Err(SecurityError::UnusedCredentials("ssl"))
        );
        let mut ca_without_tls = sasl_ssl();
        ca_without_tls.protocol = SecurityProtocol::SaslPlaintext;
        assert_eq!(
            ca_without_tls.validate(),
            Err(SecurityError::UnusedTlsFiles("sasl_plaintext"))
        );
        assert_eq!(sasl_ssl().validate(), Ok(()));
        assert_eq!(KafkaSecurity::default().validate(), Ok(()));
    }
}
