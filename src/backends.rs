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
//! ```

use std::{path::Path, sync::Arc, time::Duration};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use takedown_bus::{Bus, EmbeddedBus};
use takedown_bus_kafka::{KafkaBus, KafkaConfig};
use takedown_store::{BlobStore, Store};

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
    },
}

fn default_replication() -> i32 {
    1
}

/// The backends a process opened.
#[derive(Clone)]
pub struct Backends {
    pub store: Store,
    pub blobs: BlobStore,
    pub bus: Arc<dyn Bus>,
    /// Set when the bus is the embedded one (the in-process pipeline's idle check reads it).
    pub embedded_bus: Option<EmbeddedBus>,
}

impl Backends {
    /// Opens what `config` names; files of the embedded defaults live under `data_dir`.
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
        let blobs = BlobStore::open(&data_dir.join("blobs")).context("opening the blob store")?;
        let (bus, embedded_bus): (Arc<dyn Bus>, _) = match &config.bus {
            BusConfig::Embedded => {
                let bus = EmbeddedBus::open(&data_dir.join("bus.db"))
                    .await
                    .context("opening the embedded bus")?;
                (Arc::new(bus.clone()), Some(bus))
            }
            BusConfig::Kafka { .. } => {
                let kafka = KafkaBus::new(config.bus.kafka()?.context("kafka bus")?)
                    .context("connecting to Kafka")?;
                kafka
                    .ensure_topics()
                    .await
                    .context("creating the pipeline's Kafka topics")?;
                (Arc::new(kafka), None)
            }
        };
        Ok(Self {
            store,
            blobs,
            bus,
            embedded_bus,
        })
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
                Ok(Some(kafka))
            }
        }
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
}
