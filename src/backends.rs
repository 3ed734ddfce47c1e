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

use std::{path::Path, sync::Arc, time::Duration};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use takedown_bus::{Bus, EmbeddedBus};
use takedown_bus_kafka::{KafkaBus, KafkaConfig};
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
    },
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

/// The backends a process opened.
#[derive(Clone)]
pub struct Backends {
    pub store: Store,
    pub blobs: BlobStore,
    pub bus: Arc<dyn Bus>,
}

/// The store and blob store a config names, without the bus: what the inspection and
/// registration commands (`takedown matches`, `rights import`, …) need, so they read the
/// deployment's PostgreSQL and S3 rather than an empty local directory, and do not need a
/// reachable Kafka cluster to list a table.
#[derive(Clone)]
pub struct Storage {
    pub store: Store,
    pub blobs: BlobStore,
}

impl Storage {
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
            BusConfig::Embedded => {
                let bus = EmbeddedBus::open(&data_dir.join("bus.db"))
                    .await
                    .context("opening the embedded bus")?;
                Arc::new(bus)
            }
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
