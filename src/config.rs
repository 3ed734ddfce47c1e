//! `takedown run --config FILE`: the TOML that says what to crawl, whose rights to load,
//! which policy to apply and how each platform receives notices: by signed webhook (HTTP or
//! HTTPS, optionally trusting a private CA), by e-mail through an SMTP relay, or as signed
//! records on the platform's own Kafka topic, with its own
//! delivery safeguards and, optionally, the case-event feed that brings the platform's
//! progress back to the owner's cases.
//!
//! ```toml
//! data_dir = "takedown-data"
//! rights_files = ["owner.json"]
//! [policy]
//! auto_file_threshold = 0.8
//! [evidence]
//! checkpoint_every_secs = 300   # signed checkpoints of the evidence log; 0: off
//! tsa_url = "https://tsa.example/tsr"   # optional: RFC 3161 timestamps over each checkpoint
//! tsa_ca_file = "certs/tsa-ca.pem"      # the CA (or TSA certificate) its tokens must chain to
//! [matcher]
//! verification = "confirmed"  # or "off", "weak", "weak_then_all": local-feature checks
//! [[sources]]
//! id = "sample-market"
//! kind = "marketplace"
//! platform = "sample-market"
//! start_urls = ["http://127.0.0.1:8080/market/"]
//! allow_loopback = true
//! market = "DE"          # optional: where its listings are offered (ISO 3166 or "EU")
//! [[platforms]]
//! id = "sample-market"
//! endpoint = "https://127.0.0.1:8081/notices"
//! secret_env = "TAKEDOWN_SAMPLE_MARKET_SECRET"
//! ca_file = "certs/platform-ca.pem"     # extra trusted CA for this platform's HTTPS
//! [platforms.safeguards]
//! max_attempts = 850
//! failure_threshold = 5
//! cool_down_secs = 10
//! per_second = 10.0
//! burst = 20
//! [platforms.case_feed]
//! url = "https://127.0.0.1:8081/case-events"
//! token_env = "TAKEDOWN_SAMPLE_MARKET_OPERATOR_TOKEN"
//! interval_secs = 30
//! [[platforms]]
//! id = "sample-fair"
//! [platforms.email]
//! relay = "127.0.0.1"
//! port = 2525
//! from = "Takedown <notices@owner.example>"
//! to = "IP desk <ipr@fair.example>"
//! [[platforms]]
//! id = "big-market"
//! secret_env = "TAKEDOWN_BIG_MARKET_SECRET"   # signs each record, as for a webhook
//! [platforms.kafka]
//! brokers = "kafka-1:9092,kafka-2:9092"
//! topic = "ipr.notices"                  # default: takedown.notices.<id>
//! ```
//! Relative paths are relative to the config file. Secrets (the signing secret, the feed
//! token) are given inline or, better, by the name of an environment variable, and never
//! appear in `Debug` output or error messages.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use takedown_actioner::{ActionerConfig, Policy};
use takedown_crawler::SourceConfig;
use takedown_hasher::HasherConfig;
use takedown_matcher::MatcherConfig;
use takedown_notifier::{NotifierConfig, Route};

use crate::backends::BackendsConfig;
// The platforms' tables belong to the notifier, which builds its routes from them; the
// names stay reachable here, where `takedown.toml` is described.
pub use takedown_notifier::config::{
    CaseFeed, CaseFeedConfig, EmailConfig, PlatformConfig, PlatformKafkaConfig, SafeguardsConfig,
};

/// The whole `takedown.toml`: what every stage is built from.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the store, the bus and the blobs live.
    pub data_dir: PathBuf,
    /// Owner files (`owner.json`) registered at start; registering is idempotent.
    #[serde(default)]
    pub rights_files: Vec<PathBuf>,
    /// The filing policy the actioner applies (an owner's own policy replaces it).
    #[serde(default)]
    pub policy: Policy,
    /// The matcher's settings (`[matcher] verification = "confirmed"`, the default).
    #[serde(default)]
    pub matcher: MatcherConfig,
    /// The sources to crawl, one crawler each.
    #[serde(default)]
    pub sources: Vec<SourceConfig>,
    /// How each platform receives notices (the notifier's configuration).
    #[serde(default)]
    pub platforms: Vec<PlatformConfig>,
    /// Store and bus: the embedded defaults unless this names PostgreSQL and Kafka.
    #[serde(default)]
    pub backends: BackendsConfig,
    /// The evidence log's automatic checkpoints (`[evidence]`).
    #[serde(default)]
    pub evidence: EvidenceConfig,
}

/// The `[evidence]` table: how often a process that runs the notifier signs a checkpoint of
/// the evidence log (`takedown evidence checkpoint` does it on demand).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceConfig {
    /// Seconds between signed checkpoints while the log grows (default 300); 0 turns them
    /// off. A run that ends (`--until-idle`, SIGTERM) signs one last checkpoint. On a shared
    /// store (PostgreSQL) checkpoints are signed only where `TAKEDOWN_LOG_KEY` gives the
    /// deployment's key.
    #[serde(default = "default_checkpoint_every_secs")]
    pub checkpoint_every_secs: u64,
    /// A Time Stamping Authority (RFC 3161, HTTP POST of `application/timestamp-query`)
    /// that stamps each new checkpoint. Without one checkpoints are still signed, and the
    /// evidence says that no third-party time exists.
    #[serde(default)]
    pub tsa_url: Option<String>,
    /// The certificate(s) (PEM, or one DER) the TSA's tokens must chain to; relative to the
    /// config file. Without it a token's signature is checked with the certificate it
    /// carries, and the evidence says its chain was not checked.
    #[serde(default)]
    pub tsa_ca_file: Option<PathBuf>,
}

fn default_checkpoint_every_secs() -> u64 {
    300
}

impl Default for EvidenceConfig {
    fn default() -> Self {
        Self {
            checkpoint_every_secs: default_checkpoint_every_secs(),
            tsa_url: None,
            tsa_ca_file: None,
        }
    }
}

impl Config {
    /// Reads and checks a config: everything but the secrets, which are read from the
    /// environment when the routes are built ([`Config::routes`]).
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = takedown_fsread::read_to_string(path, takedown_fsread::DOCUMENT_MAX_BYTES)
            .with_context(|| format!("reading config {}", path.display()))?;
        let mut config: Config = toml::from_str(&text)
            .with_context(|| format!("config {} is not valid", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.data_dir = base.join(&config.data_dir);
        for file in &mut config.rights_files {
            *file = base.join(&*file);
        }
        for platform in &mut config.platforms {
            if let Some(ca) = &mut platform.ca_file {
                *ca = base.join(&*ca);
            }
        }
        if let Some(ca) = &mut config.evidence.tsa_ca_file {
            *ca = base.join(&*ca);
        }
        config
            .check()
            .with_context(|| format!("config {} is not valid", path.display()))?;
        Ok(config)
    }

    /// The checks that need no secret: one delivery per platform, unique ids, sane numbers.
    pub fn check(&self) -> anyhow::Result<()> {
        // A bad source (an unknown market code) is refused when the config loads, not
        // later when its crawler is built.
        for source in &self.sources {
            source.check()?;
        }
        let notifier = self.notifier();
        notifier.check()?;
        // A source whose platform has no delivery would file notices that can never leave.
        for source in &self.sources {
            if !notifier.has_platform(&source.platform) {
                bail!(
                    "sources: source {:?} names platform {:?}, which has no [[platforms]] entry \
                     (add one with its endpoint, [email] or [kafka], or correct the name)",
                    source.id,
                    source.platform
                );
            }
        }
        Ok(())
    }

    /// The hasher's configuration (nothing in the file yet: the defaults).
    pub fn hasher(&self) -> HasherConfig {
        HasherConfig::default()
    }

    /// The matcher's configuration: the `[matcher]` table.
    pub fn matcher(&self) -> MatcherConfig {
        self.matcher.clone()
    }

    /// The actioner's configuration: the `[policy]` table.
    pub fn actioner(&self) -> ActionerConfig {
        ActionerConfig {
            policy: self.policy.clone(),
        }
    }

    /// The notifier's configuration: the `[[platforms]]` tables.
    pub fn notifier(&self) -> NotifierConfig {
        NotifierConfig {
            platforms: self.platforms.clone(),
        }
    }

    /// One delivery route per platform: its adapter (with secrets and CA files read now)
    /// and its safeguards.
    pub fn routes(&self) -> anyhow::Result<Vec<Route>> {
        Ok(self.notifier().routes()?)
    }

    /// The case feeds to poll, one per platform that has one.
    pub fn case_feeds(&self) -> anyhow::Result<Vec<CaseFeed>> {
        Ok(self.notifier().case_feeds()?)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use takedown_notifier::{Adapter, Safeguards};

    use super::*;

    /// Compose's config and the Kubernetes one load, and neither carries CI's test-broker
    /// workaround (one record per batch, for tansu) onto a real Kafka cluster.
    #[test]
    fn the_deploy_configs_load() {
        for file in ["deploy/takedown.toml", "deploy/k8s/takedown.toml"] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
            let config = Config::load(&path).unwrap_or_else(|e| panic!("{file}: {e:#}"));
            assert_eq!(
                config.backends.store_url_env.as_deref(),
                Some("TAKEDOWN_STORE_URL"),
                "{file}"
            );
            let kafka = config.backends.bus.kafka().expect("valid bus");
            let kafka = kafka.unwrap_or_else(|| panic!("{file}: the bus is Kafka"));
            assert!(!kafka.single_record_batches, "{file}");
        }
    }

    fn load(dir: &Path, text: &str) -> anyhow::Result<Config> {
        let path = dir.join("c.toml");
        std::fs::write(&path, text).expect("write");
        Config::load(&path)
    }

    fn error(dir: &Path, text: &str) -> String {
        format!("{:#}", load(dir, text).expect_err("refused"))
    }

    #[test]
    fn a_source_with_an_unknown_market_is_refused_when_the_config_loads() {
        let dir = tempfile::tempdir().expect("tempdir");
        let source = |market: &str| {
            format!(
                r#"data_dir = "data"
[[sources]]
id = "shop"
kind = "marketplace"
platform = "shop"
start_urls = ["https://shop.test/"]
market = "{market}"
[[platforms]]
id = "shop"
endpoint = "https://shop.test/notices"
secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
"#
            )
        };
        let message = error(dir.path(), &source("UK"));
        assert!(message.contains("source shop"), "{message}");
        assert!(message.contains("\"UK\""), "{message}");
        let config = load(dir.path(), &source("de")).expect("a known code in any case");
        assert_eq!(config.sources[0].market_code().as_deref(), Some("DE"));
    }

    #[test]
    fn secrets_are_redacted_and_paths_resolved() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = load(
            dir.path(),
            r#"data_dir = "data"
rights_files = ["owner.json"]
[[platforms]]
id = "p"
endpoint = "http://127.0.0.1:1/notices"
secret = "a-secret-that-is-long-enough"
ca_file = "ca.pem"
[platforms.case_feed]
url = "http://127.0.0.1:1/case-events"
token = "feed-token-that-is-secret"
"#,
        )
        .expect("load");
        assert_eq!(config.data_dir, dir.path().join("data"));
        assert_eq!(config.rights_files, vec![dir.path().join("owner.json")]);
        assert_eq!(config.platforms[0].ca_file, Some(dir.path().join("ca.pem")));
        let shown = format!("{config:?}");
        assert!(!shown.contains("a-secret"), "{shown}");
        assert!(!shown.contains("feed-token"), "{shown}");
    }

    #[test]
    fn a_webhook_an_email_platform_and_their_safeguards_become_routes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = load(
            dir.path(),
            r#"data_dir = "data"
[[platforms]]
id = "shop"
endpoint = "https://shop.test/notices"
secret = "a-secret-that-is-long-enough"
[platforms.safeguards]
max_attempts = 3
per_second = 0.5
burst = 2
cool_down_secs = 60
failure_threshold = 4
[[platforms]]
id = "fair"
[platforms.email]
relay = "127.0.0.1"
port = 2525
from = "Takedown <notices@owner.test>"
to = "IP desk <ipr@fair.test>"
"#,
        )
        .expect("load");
        let routes = config.routes().expect("routes");
        assert_eq!(routes.len(), 2);
        assert_eq!(routes[0].adapter.kind(), "webhook");
        assert_eq!(
            routes[0].safeguards,
            Safeguards {
                failure_threshold: 4,
                cool_down: Duration::from_secs(60),
                per_second: 0.5,
                burst: 2,
                max_attempts: 3,
            }
        );
        assert_eq!(routes[1].adapter.kind(), "email");
        assert_eq!(routes[1].safeguards, Safeguards::default());
        assert!(config.case_feeds().expect("feeds").is_empty());
    }

    #[test]
    fn a_kafka_platform_becomes_a_signed_kafka_route() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = load(
            dir.path(),
            r#"data_dir = "data"
[[platforms]]
id = "big-market"
secret = "a-secret-that-is-long-enough"
[platforms.kafka]
brokers = "127.0.0.1:9092"
[[platforms]]
id = "other"
secret = "a-secret-that-is-long-enough"
[platforms.kafka]
brokers = "127.0.0.1:9092"
topic = "ipr.notices"
"#,
        )
        .expect("load");
        let routes = config.routes().expect("routes");
        let topics: Vec<_> = routes
            .iter()
            .map(|route| match &route.adapter {
                Adapter::Kafka(kafka) => (route.platform.as_str(), kafka.topic().to_owned()),
                other => panic!("{} is not kafka", other.kind()),
            })
            .collect();
        assert_eq!(
            topics,
            vec![
                ("big-market", "takedown.notices.big-market".to_owned()),
                ("other", "ipr.notices".to_owned()),
            ]
        );
        let shown = format!("{config:?}");
        assert!(!shown.contains("a-secret"), "{shown}");
    }

    #[test]
    fn a_kafka_platform_needs_brokers_a_valid_topic_a_secret_and_nothing_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        let base = "data_dir = 'd'\n[[platforms]]\nid = 'shop'\n";
        let cases = [
            (
                "secret = 'long-enough-secret-123'\n[platforms.kafka]\nbrokers = ' '\n",
                "platform shop: kafka.brokers is empty",
            ),
            (
                "secret = 'long-enough-secret-123'\n[platforms.kafka]\nbrokers = 'k:9092'\ntopic = 'a/b'\n",
                "platform shop: kafka topic \"a/b\" is not a valid topic name",
            ),
            (
                "endpoint = 'https://x.test/'\nsecret = 'long-enough-secret-123'\n[platforms.kafka]\nbrokers = 'k:9092'\n",
                "platform shop: give only one of endpoint (webhook), [email] or [kafka]",
            ),
            (
                "secret = 'long-enough-secret-123'\n[platforms.kafka]\nbrokers = 'k:9092'\npartitions = 3\n",
                "partitions",
            ),
        ];
        for (rest, expected) in cases {
            let message = error(dir.path(), &format!("{base}{rest}"));
            assert!(
                message.contains(expected),
                "{expected:?} not in {message:?}"
            );
        }
        let config = load(
            dir.path(),
            "data_dir = 'd'\n[[platforms]]\nid = 'shop'\n[platforms.kafka]\nbrokers = 'k:9092'\n",
        )
        .expect("load");
        let message = format!("{:#}", config.routes().err().expect("refused"));
        assert!(
            message.contains("platform shop: give exactly one of secret or secret_env"),
            "{message}"
        );
    }

    #[test]
    fn errors_name_the_platform_and_the_field() {
        let dir = tempfile::tempdir().expect("tempdir");
        let base = "data_dir = 'd'\n[[platforms]]\nid = 'shop'\n";
        let cases = [
            (
                "endpoint = 'https://x.test/'\nsecret = 'long-enough-secret-123'\n[platforms.safeguards]\nper_second = 0\n",
                "platform shop: safeguards.per_second must be a positive number (got 0)",
            ),
            (
                "endpoint = 'https://x.test/'\nsecret = 'long-enough-secret-123'\n[platforms.safeguards]\nburst = 0\n",
                "platform shop: safeguards.burst must be at least 1",
            ),
            (
                "[platforms.email]\nrelay = 'r'\nfrom = 'a@b.test'\nto = 'c@d.test'\nendpoint_x = 1\n",
                "endpoint_x",
            ),
            (
                "",
                "platform shop: give endpoint (webhook), an [email] or a [kafka] table",
            ),
            (
                "endpoint = 'ftp://x.test/'\n",
                "platform shop: endpoint \"ftp://x.test/\" must be an http:// or https:// URL",
            ),
            (
                "endpoint = 'https://x.test/'\nsecret = 'long-enough-secret-123'\n[platforms.case_feed]\nurl = 'https://x.test/f'\ntoken = 't'\ninterval_secs = -1\n",
                "platform shop: case_feed.interval_secs must be a positive number",
            ),
        ];
        for (rest, expected) in cases {
            let message = error(dir.path(), &format!("{base}{rest}"));
            assert!(
                message.contains(expected),
                "{expected:?} not in {message:?}"
            );
        }
        let twice = "data_dir = 'd'\n[[platforms]]\nid = 'a'\nendpoint = 'http://x.test/'\n[[platforms]]\nid = 'a'\nendpoint = 'http://x.test/'\n";
        assert!(error(dir.path(), twice).contains("id \"a\" appears twice"));
    }

    #[test]
    fn secrets_come_from_exactly_one_place_and_are_never_echoed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = load(
            dir.path(),
            "data_dir = 'd'\n[[platforms]]\nid = 'p'\nendpoint = 'http://x.test/'\n",
        )
        .expect("load");
        let message = format!("{:#}", config.routes().err().expect("refused"));
        assert!(
            message.contains("platform p: give exactly one of secret or secret_env"),
            "{message}"
        );
        let config = load(
            dir.path(),
            "data_dir = 'd'\n[[platforms]]\nid = 'p'\nendpoint = 'http://x.test/'\nsecret = 'xyzzy'\n",
        )
        .expect("load");
        let message = format!("{:#}", config.routes().err().expect("refused"));
        assert!(message.contains("platform p: signing secret"), "{message}");
        assert!(!message.contains("xyzzy"), "{message}");
        let config = load(
            dir.path(),
            "data_dir = 'd'\n[[platforms]]\nid = 'p'\nendpoint = 'http://x.test/'\nsecret = 'long-enough-secret-123'\n[platforms.case_feed]\nurl = 'http://x.test/f'\ntoken_env = 'TAKEDOWN_TEST_UNSET_FEED_TOKEN'\n",
        )
        .expect("load");
        let message = format!("{:#}", config.case_feeds().err().expect("refused"));
        assert!(
            message.contains("environment variable TAKEDOWN_TEST_UNSET_FEED_TOKEN (case_feed.token_env) is not set"),
            "{message}"
        );
    }

    #[test]
    fn a_missing_or_empty_ca_file_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = "data_dir = 'd'\n[[platforms]]\nid = 'p'\nendpoint = 'https://x.test/'\nsecret = 'long-enough-secret-123'\nca_file = 'ca.pem'\n";
        let config = load(dir.path(), text).expect("load");
        let message = format!("{:#}", config.routes().err().expect("refused"));
        assert!(message.contains("platform p: ca_file"), "{message}");
        assert!(message.contains("ca.pem"), "{message}");
        std::fs::write(dir.path().join("ca.pem"), "not a certificate\n").expect("write");
        let message = format!("{:#}", config.routes().err().expect("refused"));
        assert!(
            message.contains("holds no usable PEM certificate"),
            "{message}"
        );
    }
}
