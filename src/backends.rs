//! Which store, bus and blob store a process uses: the embedded defaults (SQLite, the
//! embedded bus, local files under `data_dir`) or, when a deployment outgrows one machine,
//! PostgreSQL and Kafka. The `[backends]` table of the config chooses; the stages never
//! know which they got.
//!
//! ```toml
//! [backends]
//! store_url_env = "TAKEDOWN_STORE_URL"   # or store_url = "postgres://…"; default: SQLite
//! [backends.bus]
//! kind = "kafka"                         # or "embedded" (the default)
//! brokers = "kafka:9092"
//! replication_factor = 3
//! [backends.bus.security]                # TLS and SASL; omit for a plaintext broker
//! protocol = "sasl_ssl"                  # plaintext | ssl | sasl_plaintext | sasl_ssl
//! ca_file = "/etc/takedown/kafka-ca.pem" # the brokers' CA; the system's trust store if unset
//! sasl_mechanism = "SCRAM-SHA-512"       # PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512
//! username = "takedown"
//! password_env = "TAKEDOWN_KAFKA_PASSWORD"  # the password only from the environment
//! [backends.blobs]
//! kind = "s3"                            # or "local" (the default: data_dir/blobs)
//! bucket = "takedown"
//! region = "us-east-1"
//! endpoint = "http://minio:9000"         # for S3-compatible servers; AWS when unset
//! prefix = "blobs"                       # optional
//! allow_http = true                      # only for a server on a trusted network
//! # credentials only from the environment: these name the variables (defaults shown)
//! access_key_id_env = "AWS_ACCESS_KEY_ID"
//! secret_access_key_env = "AWS_SECRET_ACCESS_KEY"
//! ```

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use takedown_bus::{Bus, EmbeddedBus};
use takedown_bus_kafka::{
    ClientCertificate, KafkaBus, KafkaConfig, KafkaSecurity, SaslCredentials, SaslMechanism,
    Secret, SecurityProtocol,
};
use takedown_store::{BlobStore, S3Config, Store};

/// The `[backends]` table.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendsConfig {
    /// The store's URL inline (`postgres://…`, `sqlite://…`). A URL with a password belongs
    /// in the environment instead: see `store_url_env`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_url: Option<String>,
    /// The name of an environment variable holding the store's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_url_env: Option<String>,
    #[serde(default)]
    pub bus: BusConfig,
    #[serde(default)]
    pub blobs: BlobsConfig,
}

/// The `[backends.bus]` table.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum BusConfig {
    /// The durable single-machine bus in `data_dir/bus.db`.
    #[default]
    Embedded,
    Kafka {
        /// Bootstrap servers, comma-separated.
        brokers: String,
        #[serde(default = "default_replication")]
        replication_factor: i32,
        /// Seconds messages of the pipeline's topics are kept (the broker's default if unset).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retention_secs: Option<u64>,
        /// A prefix for every topic and consumer group (`NS.takedown.listings`, group
        /// `NS.hasher`), so deployments sharing one cluster never read each other's messages.
        /// Unset: `TAKEDOWN_KAFKA_NAMESPACE` if set, else none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        namespace: Option<String>,
        /// One record per produced batch (default true): needed on tansu 0.6.0, which loses
        /// the rest of a batch committed midway (`KafkaConfig::single_record_batches`); set
        /// false on a real Kafka cluster to let the producer batch.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        single_record_batches: Option<bool>,
        /// TLS and SASL to the brokers (`[backends.bus.security]`); plaintext if absent.
        /// Boxed: most configs have none, and the enum stays small.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        security: Option<Box<BusSecurityConfig>>,
    },
}

/// The `[backends.bus.security]` table: how the Kafka clients protect their connections
/// and authenticate. Files are named, the password only by the environment variable that
/// holds it, so a config can be shared and committed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusSecurityConfig {
    /// `plaintext` (the default), `ssl`, `sasl_plaintext` or `sasl_ssl`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// PEM file of the CA(s) that sign the brokers' certificates; the system's trust store
    /// when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// PEM client certificate, for clusters that authenticate clients by TLS (with
    /// `client_key_file`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate_file: Option<PathBuf>,
    /// PEM private key of `client_certificate_file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key_file: Option<PathBuf>,
    /// `PLAIN`, `SCRAM-SHA-256` or `SCRAM-SHA-512`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sasl_mechanism: Option<String>,
    /// The SASL user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The environment variable holding the SASL password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
}

impl BusSecurityConfig {
    /// The checked settings, the password read from the environment. Every error names the
    /// field (and a variable by its name, never its value).
    pub fn resolve(&self) -> anyhow::Result<KafkaSecurity> {
        self.resolve_with(|var| std::env::var(var).ok())
    }

    /// [`BusSecurityConfig::resolve`] with the environment given as a lookup.
    fn resolve_with(&self, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<KafkaSecurity> {
        const TABLE: &str = "[backends.bus.security]";
        let protocol = match self.protocol.as_deref().map(str::trim) {
            None | Some("plaintext") => SecurityProtocol::Plaintext,
            Some("ssl") => SecurityProtocol::Ssl,
            Some("sasl_plaintext") => SecurityProtocol::SaslPlaintext,
            Some("sasl_ssl") => SecurityProtocol::SaslSsl,
            Some(other) => bail!(
                "{TABLE} protocol: {other:?} is not one of plaintext, ssl, sasl_plaintext, sasl_ssl"
            ),
        };
        let readable = |field: &str, path: &PathBuf| -> anyhow::Result<PathBuf> {
            std::fs::File::open(path)
                .with_context(|| format!("{TABLE} {field}: cannot read {}", path.display()))?;
            Ok(path.clone())
        };
        let ca_file = self
            .ca_file
            .as_ref()
            .map(|path| readable("ca_file", path))
            .transpose()?;
        let client_certificate = match (&self.client_certificate_file, &self.client_key_file) {
            (None, None) => None,
            (Some(certificate), Some(key)) => Some(ClientCertificate {
                certificate_file: readable("client_certificate_file", certificate)?,
                key_file: readable("client_key_file", key)?,
            }),
            _ => bail!("{TABLE}: client_certificate_file and client_key_file go together"),
        };
        let sasl = match (&self.sasl_mechanism, &self.username, &self.password_env) {
            (None, None, None) => None,
            (Some(mechanism), Some(username), Some(password_env)) => {
                let mechanism = match mechanism.trim().to_ascii_uppercase().as_str() {
                    "PLAIN" => SaslMechanism::Plain,
                    "SCRAM-SHA-256" => SaslMechanism::ScramSha256,
                    "SCRAM-SHA-512" => SaslMechanism::ScramSha512,
                    "OAUTHBEARER" => bail!(
                        "{TABLE} sasl_mechanism: OAUTHBEARER is not supported by this build \
                         (librdkafka without curl cannot fetch tokens); use SCRAM or PLAIN"
                    ),
                    other => bail!(
                        "{TABLE} sasl_mechanism: {other:?} is not one of PLAIN, SCRAM-SHA-256, \
                         SCRAM-SHA-512"
                    ),
                };
                let password = match env(password_env) {
                    Some(value) if !value.is_empty() => Secret::new(value),
                    _ => bail!(
                        "{TABLE} password_env: environment variable {password_env} is not set"
                    ),
                };
                Some(SaslCredentials {
                    mechanism,
                    username: username.clone(),
                    password,
                })
            }
            _ => bail!("{TABLE}: sasl_mechanism, username and password_env go together"),
        };
        let security = KafkaSecurity {
            protocol,
            ca_file,
            client_certificate,
            sasl,
        };
        security
            .validate()
            .with_context(|| format!("{TABLE} does not hold together"))?;
        Ok(security)
    }
}

fn default_replication() -> i32 {
    1
}

/// The `[backends.blobs]` table.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum BlobsConfig {
    /// Files under `data_dir/blobs`.
    #[default]
    Local,
    /// An S3-compatible bucket, which must exist (the stages never create buckets).
    S3 {
        bucket: String,
        region: String,
        /// The server's URL for MinIO, moto and the like; AWS's endpoint when unset.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        endpoint: Option<String>,
        /// Keys start with `prefix/`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prefix: Option<String>,
        /// Allows a plain-HTTP endpoint; leave off outside a trusted network.
        #[serde(default)]
        allow_http: bool,
        /// The environment variable holding the access key id. Credentials are never read
        /// from the file, so a config can be shared and committed.
        #[serde(default = "default_access_key_id_env")]
        access_key_id_env: String,
        /// The environment variable holding the secret access key.
        #[serde(default = "default_secret_access_key_env")]
        secret_access_key_env: String,
    },
}

fn default_access_key_id_env() -> String {
    "AWS_ACCESS_KEY_ID".into()
}

fn default_secret_access_key_env() -> String {
    "AWS_SECRET_ACCESS_KEY".into()
}

/// The data directory when neither `--config` nor `--data-dir` names one.
pub const DEFAULT_DATA_DIR: &str = "takedown-data";

/// What a process opens to run stages: the store, the blob store and the bus. The one way
/// to open storage: [`Backends::open`] from a config's `[backends]` table, or
/// [`Backends::open_dir`] for the embedded defaults; [`Storage`] is the same without the
/// bus.
#[derive(Clone)]
pub struct Backends {
    /// Tenants, rights, listings, matches, notices, the outbox: SQLite or PostgreSQL.
    pub store: Store,
    /// Captured bodies and registered images by digest: local files or S3.
    pub blobs: BlobStore,
    /// The topics between stages: the embedded bus or Kafka.
    pub bus: Arc<dyn Bus>,
}

/// The store and blob store a config names, without the bus: what the inspection and
/// registration commands (`takedown matches`, `rights import`, …) need, so they read the
/// deployment's PostgreSQL and S3 rather than an empty local directory, and do not need a
/// reachable Kafka cluster to list a table.
#[derive(Clone)]
pub struct Storage {
    /// As [`Backends::store`].
    pub store: Store,
    /// As [`Backends::blobs`].
    pub blobs: BlobStore,
}

impl Storage {
    /// The embedded defaults under `data_dir`: SQLite and local blob files.
    pub async fn open_dir(data_dir: &Path) -> anyhow::Result<Self> {
        Self::open(&BackendsConfig::default(), data_dir).await
    }

    /// Opens the store and blob store `config` names; embedded files live under `data_dir`.
    pub async fn open(config: &BackendsConfig, data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("creating data dir {}", data_dir.display()))?;
        let store = match config.store_url()? {
            Some(url) => Store::connect(&url)
                .await
                // The URL may hold a password: name the setting, never the value.
                .context("opening the store named by [backends] store_url/store_url_env")?,
            None => Store::open(&data_dir.join("takedown.db"))
                .await
                .context("opening the store")?,
        };
        let blobs = match config.blobs.s3()? {
            None => BlobStore::open(&data_dir.join("blobs")).context("opening the blob store")?,
            // BlobStore's own errors name the bucket and endpoint, never the credentials.
            // Opening makes one blocking request, like the local store's blocking mkdir.
            Some(s3) => BlobStore::open_s3(s3).context("opening the [backends.blobs] S3 store")?,
        };
        Ok(Self { store, blobs })
    }
}

impl Backends {
    /// Opens what `config` names; files of the embedded defaults live under `data_dir`.
    pub async fn open(config: &BackendsConfig, data_dir: &Path) -> anyhow::Result<Self> {
        let Storage { store, blobs } = Storage::open(config, data_dir).await?;
        let bus: Arc<dyn Bus> = match &config.bus {
            BusConfig::Embedded => Arc::new(
                EmbeddedBus::open(&data_dir.join("bus.db"))
                    .await
                    .context("opening the embedded bus")?,
            ),
            BusConfig::Kafka { .. } => {
                let kafka = KafkaBus::new(config.bus.kafka()?.context("kafka bus")?)
                    .context("connecting to Kafka")?;
                kafka
                    .ensure_topics()
                    .await
                    .context("creating the pipeline's Kafka topics")?;
                Arc::new(kafka)
            }
        };
        Ok(Self { store, blobs, bus })
    }

    /// The embedded defaults under `data_dir`: SQLite, local blob files, the embedded bus.
    pub async fn open_dir(data_dir: &Path) -> anyhow::Result<Self> {
        Self::open(&BackendsConfig::default(), data_dir).await
    }

    /// The same store and blobs, without the bus.
    pub fn storage(&self) -> Storage {
        Storage {
            store: self.store.clone(),
            blobs: self.blobs.clone(),
        }
    }
}

impl BackendsConfig {
    /// The store URL from `store_url` or the variable `store_url_env` names; `None` means
    /// the embedded SQLite file.
    pub fn store_url(&self) -> anyhow::Result<Option<String>> {
        match (&self.store_url, &self.store_url_env) {
            (Some(_), Some(_)) => {
                bail!("[backends]: set store_url or store_url_env, not both")
            }
            (Some(url), None) => Ok(Some(url.clone())),
            (None, Some(var)) => match std::env::var(var) {
                Ok(url) if !url.is_empty() => Ok(Some(url)),
                _ => bail!("[backends] store_url_env: environment variable {var} is not set"),
            },
            (None, None) => Ok(None),
        }
    }
}

impl BusConfig {
    /// The Kafka client settings, or `None` for the embedded bus.
    pub fn kafka(&self) -> anyhow::Result<Option<KafkaConfig>> {
        match self {
            BusConfig::Embedded => Ok(None),
            BusConfig::Kafka {
                brokers,
                replication_factor,
                retention_secs,
                namespace,
                single_record_batches,
                security,
            } => {
                if brokers.trim().is_empty() {
                    bail!("[backends.bus] brokers: empty; give host:port[,host:port…]");
                }
                if *replication_factor < 1 {
                    bail!("[backends.bus] replication_factor: must be at least 1");
                }
                let mut kafka = KafkaConfig::new(brokers.clone());
                kafka.replication_factor = *replication_factor;
                kafka.retention = retention_secs.map(Duration::from_secs);
                if let Some(namespace) = namespace {
                    kafka.namespace = Some(namespace.clone());
                }
                if let Some(single) = single_record_batches {
                    kafka.single_record_batches = *single;
                }
                if let Some(security) = security {
                    kafka.security = security.resolve()?;
                }
                Ok(Some(kafka))
            }
        }
    }
}

impl BlobsConfig {
    /// The S3 settings with their credentials read from the environment, or `None` for
    /// local files.
    pub fn s3(&self) -> anyhow::Result<Option<S3Config>> {
        let BlobsConfig::S3 {
            bucket,
            region,
            endpoint,
            prefix,
            allow_http,
            access_key_id_env,
            secret_access_key_env,
        } = self
        else {
            return Ok(None);
        };
        if bucket.trim().is_empty() {
            bail!("[backends.blobs] bucket: empty; name an existing bucket");
        }
        if region.trim().is_empty() {
            bail!("[backends.blobs] region: empty; give the bucket's region (e.g. us-east-1)");
        }
        // Name the variable, never its value.
        let from_env = |field: &str, var: &str| match std::env::var(var) {
            Ok(value) if !value.is_empty() => Ok(value),
            _ => Err(anyhow::anyhow!(
                "[backends.blobs] {field}: environment variable {var} is not set"
            )),
        };
        Ok(Some(S3Config {
            bucket: bucket.clone(),
            region: region.clone(),
            endpoint: endpoint.clone(),
            prefix: prefix.clone(),
            allow_http: *allow_http,
            access_key_id: from_env("access_key_id_env", access_key_id_env)?,
            secret_access_key: from_env("secret_access_key_env", secret_access_key_env)?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn security_table(toml_text: &str) -> BusSecurityConfig {
        let config: BackendsConfig = toml::from_str(&format!(
            "[bus]\nkind = \"kafka\"\nbrokers = \"k:9093\"\n[bus.security]\n{toml_text}"
        ))
        .expect("parses");
        match config.bus {
            BusConfig::Kafka {
                security: Some(security),
                ..
            } => *security,
            other => panic!("no security table: {other:?}"),
        }
    }

    #[test]
    fn a_sasl_ssl_table_resolves_with_the_password_from_the_environment() {
        let ca = tempfile::NamedTempFile::new().expect("ca file");
        let table = security_table(&format!(
            "protocol = \"sasl_ssl\"\nca_file = {:?}\nsasl_mechanism = \"scram-sha-512\"\n\
             username = \"takedown\"\npassword_env = \"KAFKA_PW\"\n",
            ca.path()
        ));
        let env = |var: &str| (var == "KAFKA_PW").then(|| "pw-from-env".to_owned());
        let security = table.resolve_with(env).expect("resolves");
        assert_eq!(security.protocol, SecurityProtocol::SaslSsl);
        assert_eq!(security.ca_file.as_deref(), Some(ca.path()));
        let sasl = security.sasl.expect("sasl");
        assert_eq!(sasl.mechanism, SaslMechanism::ScramSha512);
        assert_eq!(sasl.password.expose(), "pw-from-env");

        let missing = table.resolve_with(|_| None).expect_err("no password");
        let message = format!("{missing:#}");
        assert!(
            message.contains("password_env") && message.contains("KAFKA_PW"),
            "{message}"
        );
    }

    #[test]
    fn security_settings_that_cannot_work_are_refused_naming_the_field() {
        let no_env = |_: &str| None;
        for (table, expected) in [
            ("protocol = \"tls\"\n", "protocol: \"tls\" is not one of"),
            (
                "protocol = \"sasl_ssl\"\nsasl_mechanism = \"OAUTHBEARER\"\nusername = \"u\"\npassword_env = \"P\"\n",
                "OAUTHBEARER is not supported",
            ),
            (
                "protocol = \"sasl_ssl\"\nusername = \"u\"\n",
                "sasl_mechanism, username and password_env go together",
            ),
            ("protocol = \"sasl_ssl\"\n", "does not hold together"),
            (
                "protocol = \"ssl\"\nca_file = \"/nonexistent/ca.pem\"\n",
                "ca_file: cannot read /nonexistent/ca.pem",
            ),
            (
                "protocol = \"ssl\"\nclient_key_file = \"/k.pem\"\n",
                "client_certificate_file and client_key_file go together",
            ),
        ] {
            let error = security_table(table).resolve_with(no_env).expect_err(table);
            let message = format!("{error:#}");
            assert!(message.contains(expected), "{table}: {message}");
        }
        let unknown: Result<BackendsConfig, _> = toml::from_str(
            "[bus]\nkind = \"kafka\"\nbrokers = \"k:1\"\n[bus.security]\npassword = \"x\"\n",
        );
        assert!(
            unknown.is_err(),
            "a password in the file is an unknown field"
        );
    }

    #[test]
    fn kafka_table_parses_and_validates() {
        let config: BackendsConfig = toml::from_str(
            "store_url_env = \"X\"\n[bus]\nkind = \"kafka\"\nbrokers = \"127.0.0.1:9092\"\n",
        )
        .expect("parses");
        let kafka = config.bus.kafka().expect("valid").expect("kafka");
        assert_eq!(kafka.brokers, "127.0.0.1:9092");
        assert_eq!(kafka.replication_factor, 1);
        assert!(
            kafka.single_record_batches,
            "on by default (tansu's batch defect)"
        );

        let tuned: BackendsConfig = toml::from_str(
            "[bus]\nkind = \"kafka\"\nbrokers = \"k:9092\"\nnamespace = \"prod\"\n\
             single_record_batches = false\n",
        )
        .expect("parses");
        let kafka = tuned.bus.kafka().expect("valid").expect("kafka");
        assert_eq!(kafka.namespace.as_deref(), Some("prod"));
        assert!(!kafka.single_record_batches);

        let bad: BackendsConfig =
            toml::from_str("[bus]\nkind = \"kafka\"\nbrokers = \" \"\n").expect("parses");
        let err = bad.bus.kafka().expect_err("empty brokers refused");
        assert!(err.to_string().contains("brokers"), "{err}");

        let unknown = toml::from_str::<BackendsConfig>("[bus]\nkind = \"pulsar\"\n")
            .expect_err("unknown bus kind refused");
        assert!(unknown.to_string().contains("pulsar"), "{unknown}");
    }

    #[test]
    fn store_url_comes_from_one_place_and_names_a_missing_variable() {
        let both = BackendsConfig {
            store_url: Some("postgres://a".into()),
            store_url_env: Some("B".into()),
            ..Default::default()
        };
        assert!(both.store_url().is_err());
        let missing = BackendsConfig {
            store_url_env: Some("TAKEDOWN_TEST_SURELY_UNSET_VARIABLE".into()),
            ..Default::default()
        };
        let err = missing.store_url().expect_err("unset variable refused");
        assert!(
            err.to_string()
                .contains("TAKEDOWN_TEST_SURELY_UNSET_VARIABLE"),
            "{err}"
        );
        assert_eq!(BackendsConfig::default().store_url().expect("ok"), None);
    }

    #[test]
    fn blobs_table_parses_and_names_what_is_wrong() {
        let default: BackendsConfig = toml::from_str("").expect("parses");
        assert!(matches!(default.blobs, BlobsConfig::Local));
        assert!(default.blobs.s3().expect("local is valid").is_none());
        let local: BackendsConfig = toml::from_str("[blobs]\nkind = \"local\"\n").expect("parses");
        assert!(matches!(local.blobs, BlobsConfig::Local));

        let s3: BackendsConfig = toml::from_str(
            "[blobs]\nkind = \"s3\"\nbucket = \"b\"\nregion = \"eu-west-1\"\n\
             endpoint = \"http://127.0.0.1:9000\"\nallow_http = true\n\
             access_key_id_env = \"TAKEDOWN_TEST_KEY_ID_SURELY_UNSET\"\n\
             secret_access_key_env = \"TAKEDOWN_TEST_SECRET_SURELY_UNSET\"\n",
        )
        .expect("parses");
        let BlobsConfig::S3 {
            bucket,
            region,
            endpoint,
            prefix,
            allow_http,
            ..
        } = &s3.blobs
        else {
            panic!("expected s3, got {:?}", s3.blobs);
        };
        assert_eq!(
            (bucket.as_str(), region.as_str(), endpoint.as_deref()),
            ("b", "eu-west-1", Some("http://127.0.0.1:9000"))
        );
        assert_eq!((prefix, *allow_http), (&None, true));
        // Credentials come only from the environment; an unset variable is named.
        let err = s3.blobs.s3().expect_err("unset credentials refused");
        assert!(
            err.to_string()
                .contains("TAKEDOWN_TEST_KEY_ID_SURELY_UNSET"),
            "{err}"
        );

        let defaults: BackendsConfig =
            toml::from_str("[blobs]\nkind = \"s3\"\nbucket = \"b\"\nregion = \"r\"\n")
                .expect("parses");
        let BlobsConfig::S3 {
            access_key_id_env,
            secret_access_key_env,
            allow_http,
            ..
        } = &defaults.blobs
        else {
            panic!("expected s3");
        };
        assert_eq!(access_key_id_env, "AWS_ACCESS_KEY_ID");
        assert_eq!(secret_access_key_env, "AWS_SECRET_ACCESS_KEY");
        assert!(!allow_http, "plain HTTP is opt-in");

        let unknown = toml::from_str::<BackendsConfig>("[blobs]\nkind = \"gcs\"\n")
            .expect_err("unknown blob kind refused");
        assert!(unknown.to_string().contains("gcs"), "{unknown}");
        let no_bucket =
            toml::from_str::<BackendsConfig>("[blobs]\nkind = \"s3\"\nregion = \"r\"\n")
                .expect_err("missing bucket refused");
        assert!(no_bucket.to_string().contains("bucket"), "{no_bucket}");
        // A secret in the file is refused, not silently ignored.
        let inline = toml::from_str::<BackendsConfig>(
            "[blobs]\nkind = \"s3\"\nbucket = \"b\"\nregion = \"r\"\nsecret_access_key = \"x\"\n",
        )
        .expect_err("inline secret refused");
        assert!(inline.to_string().contains("secret_access_key"), "{inline}");
        let empty: BackendsConfig =
            toml::from_str("[blobs]\nkind = \"s3\"\nbucket = \" \"\nregion = \"r\"\n")
                .expect("parses");
        let err = empty.blobs.s3().expect_err("empty bucket refused");
        assert!(err.to_string().contains("bucket"), "{err}");
    }
}
