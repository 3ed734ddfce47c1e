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

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use takedown_actioner::Policy;

use crate::backends::BackendsConfig;
use takedown_crawler::SourceConfig;
use takedown_notifier::{
    Adapter, EmailAdapter, KafkaAdapter, KafkaTarget, PlatformEndpoint, Route, Safeguards,
    WebhookAdapter, adapter, email::EmailSender, feed::FeedEndpoint, kafka, reqwest,
};
use takedown_webhook::Secret;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the store, the bus and the blobs live.
    pub data_dir: PathBuf,
    /// Owner files (`owner.json`) registered at start; registering is idempotent.
    #[serde(default)]
    pub rights_files: Vec<PathBuf>,
    #[serde(default)]
    pub policy: Policy,
    #[serde(default)]
    pub sources: Vec<SourceConfig>,
    #[serde(default)]
    pub platforms: Vec<PlatformConfig>,
    /// Store and bus: the embedded defaults unless this names PostgreSQL and Kafka.
    #[serde(default)]
    pub backends: BackendsConfig,
}

/// How one platform receives notices: `endpoint` (+ `secret`/`secret_env`) for a webhook,
/// an `[platforms.email]` table, or a `[platforms.kafka]` table (+ `secret`/`secret_env`);
/// exactly one of the three.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformConfig {
    pub id: String,
    /// The handler's notice URL (`http://` or `https://`), for webhook delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The signing secret inline (`whsec_…`); prefer `secret_env` outside tests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The name of an environment variable holding the signing secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_env: Option<String>,
    /// A PEM file of CA certificates trusted for this platform's HTTPS (the webhook and the
    /// case feed) on top of the system's roots: a private CA or a self-signed handler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// E-mail delivery through an SMTP relay, instead of a webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailConfig>,
    /// Signed records on the platform's Kafka topic, instead of a webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kafka: Option<PlatformKafkaConfig>,
    #[serde(default)]
    pub safeguards: SafeguardsConfig,
    /// The platform's case-event feed, polled to follow each case after delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_feed: Option<CaseFeedConfig>,
}

/// E-mail delivery: plain SMTP to a relay on a trusted network (no TLS, no login).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// The relay's host name or address.
    pub relay: String,
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    /// The sender mailbox, e.g. `Takedown <notices@owner.example>`.
    pub from: String,
    /// The platform's IP desk, e.g. `IP desk <ipr@platform.example>`.
    pub to: String,
}

fn default_smtp_port() -> u16 {
    25
}

/// Kafka delivery: each notice is a record on the platform's topic, signed with the
/// platform's `secret`/`secret_env` and carrying the Standard Webhooks headers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformKafkaConfig {
    /// `host:port[,host:port…]` of the platform's brokers.
    pub brokers: String,
    /// The platform's topic; default `takedown.notices.<platform id>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
}

/// Per-platform delivery safeguards; an absent field keeps the default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafeguardsConfig {
    /// Attempts after which a delivery is dead-lettered (default 850, about three days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    /// Consecutive failures that open the platform's circuit (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_threshold: Option<u32>,
    /// Seconds an open circuit waits before one probe (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cool_down_secs: Option<f64>,
    /// Notices per second to the platform on average (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_second: Option<f64>,
    /// Notices that may go at once after a quiet spell (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst: Option<u32>,
}

/// Where the platform's case-event feed is and the operator token that reads it.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFeedConfig {
    /// e.g. `https://platform.example/case-events`.
    pub url: String,
    /// The bearer token inline; prefer `token_env`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The name of an environment variable holding the bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_env: Option<String>,
    /// Seconds between two polls (default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_secs: Option<f64>,
}

/// A case feed ready to poll: where, with which client (the platform's trusted CAs), how often.
pub struct CaseFeed {
    pub endpoint: FeedEndpoint,
    pub client: reqwest::Client,
    pub interval: Duration,
}

// Hand-written so a secret can never reach a log line through `{:?}`.
impl std::fmt::Debug for PlatformConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformConfig")
            .field("id", &self.id)
            .field("endpoint", &self.endpoint)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("secret_env", &self.secret_env)
            .field("ca_file", &self.ca_file)
            .field("email", &self.email)
            .field("kafka", &self.kafka)
            .field("safeguards", &self.safeguards)
            .field("case_feed", &self.case_feed)
            .finish()
    }
}

impl std::fmt::Debug for CaseFeedConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseFeedConfig")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("token_env", &self.token_env)
            .field("interval_secs", &self.interval_secs)
            .finish()
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
        let mut seen = HashSet::new();
        for platform in &self.platforms {
            if !seen.insert(platform.id.as_str()) {
                bail!("platforms: id {:?} appears twice", platform.id);
            }
            platform.delivery_kind()?;
            platform.safeguards()?;
            if let Some(feed) = &platform.case_feed {
                platform.feed_interval(feed)?;
            }
        }
        // A source whose platform has no delivery would file notices that can never leave.
        for source in &self.sources {
            if !seen.contains(source.platform.as_str()) {
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

    /// One delivery route per platform: its adapter (with secrets and CA files read now)
    /// and its safeguards.
    pub fn routes(&self) -> anyhow::Result<Vec<Route>> {
        self.platforms.iter().map(PlatformConfig::route).collect()
    }

    /// The case feeds to poll, one per platform that has one.
    pub fn case_feeds(&self) -> anyhow::Result<Vec<CaseFeed>> {
        self.platforms
            .iter()
            .filter_map(|p| p.case_feed.as_ref().map(|feed| p.case_feed(feed)))
            .collect()
    }
}

/// Which way a platform receives notices.
enum DeliveryKind<'a> {
    Webhook(&'a str),
    Email(&'a EmailConfig),
    Kafka(&'a PlatformKafkaConfig),
}

impl PlatformConfig {
    /// A webhook platform with an inline secret (the demo's and the tests').
    pub fn webhook(id: &str, endpoint: &str, secret: String) -> Self {
        Self {
            id: id.to_owned(),
            endpoint: Some(endpoint.to_owned()),
            secret: Some(secret),
            ..Self::default()
        }
    }

    fn delivery_kind(&self) -> anyhow::Result<DeliveryKind<'_>> {
        let id = &self.id;
        match (&self.endpoint, &self.email, &self.kafka) {
            (Some(url), None, None) => {
                let parsed = url::Url::parse(url)
                    .with_context(|| format!("platform {id}: endpoint {url:?} is not a URL"))?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    bail!("platform {id}: endpoint {url:?} must be an http:// or https:// URL");
                }
                Ok(DeliveryKind::Webhook(url))
            }
            (None, Some(email), None) => {
                if self.secret.is_some() || self.secret_env.is_some() {
                    bail!(
                        "platform {id}: secret/secret_env sign webhooks; an email platform has none"
                    );
                }
                if email.relay.trim().is_empty() {
                    bail!("platform {id}: email.relay is empty");
                }
                Ok(DeliveryKind::Email(email))
            }
            (None, None, Some(kafka)) => {
                if kafka.brokers.trim().is_empty() {
                    bail!("platform {id}: kafka.brokers is empty");
                }
                let topic = kafka
                    .topic
                    .clone()
                    .unwrap_or_else(|| kafka::default_topic(id));
                if !kafka::valid_topic(&topic) {
                    bail!(
                        "platform {id}: kafka topic {topic:?} is not a valid topic name (1 to 249 of a-z A-Z 0-9 . _ -); set kafka.topic"
                    );
                }
                Ok(DeliveryKind::Kafka(kafka))
            }
            (None, None, None) => {
                bail!("platform {id}: give endpoint (webhook), an [email] or a [kafka] table")
            }
            _ => {
                bail!("platform {id}: give only one of endpoint (webhook), [email] or [kafka]")
            }
        }
    }

    fn safeguards(&self) -> anyhow::Result<Safeguards> {
        let id = &self.id;
        let given = &self.safeguards;
        let mut out = Safeguards::default();
        let positive = |name: &str, value: f64| -> anyhow::Result<f64> {
            if value.is_finite() && value > 0.0 {
                Ok(value)
            } else {
                bail!("platform {id}: safeguards.{name} must be a positive number (got {value})")
            }
        };
        let at_least_one = |name: &str, value: u32| -> anyhow::Result<u32> {
            if value >= 1 {
                Ok(value)
            } else {
                bail!("platform {id}: safeguards.{name} must be at least 1 (got {value})")
            }
        };
        if let Some(n) = given.max_attempts {
            out.max_attempts = at_least_one("max_attempts", n)?;
        }
        if let Some(n) = given.failure_threshold {
            out.failure_threshold = at_least_one("failure_threshold", n)?;
        }
        if let Some(secs) = given.cool_down_secs {
            out.cool_down = Duration::from_secs_f64(positive("cool_down_secs", secs)?);
        }
        if let Some(rate) = given.per_second {
            out.per_second = positive("per_second", rate)?;
        }
        if let Some(n) = given.burst {
            out.burst = at_least_one("burst", n)?;
        }
        Ok(out)
    }

    fn extra_ca(&self) -> anyhow::Result<Vec<reqwest::Certificate>> {
        match &self.ca_file {
            Some(path) => adapter::read_ca_file(path)
                .with_context(|| format!("platform {}: ca_file", self.id)),
            None => Ok(Vec::new()),
        }
    }

    fn route(&self) -> anyhow::Result<Route> {
        let id = &self.id;
        let adapter = match self.delivery_kind()? {
            DeliveryKind::Webhook(url) => {
                let secret = self.signing_secret()?;
                let endpoint = PlatformEndpoint {
                    platform: id.clone(),
                    url: url.to_owned(),
                    secret,
                };
                Adapter::Webhook(
                    WebhookAdapter::new(endpoint, &self.extra_ca()?)
                        .with_context(|| format!("platform {id}: webhook"))?,
                )
            }
            DeliveryKind::Email(email) => {
                let sender = EmailSender::new(&email.relay, email.port, &email.from)
                    .with_context(|| format!("platform {id}: email.from"))?;
                Adapter::Email(
                    EmailAdapter::new(sender, &email.to)
                        .with_context(|| format!("platform {id}: email.to"))?,
                )
            }
            DeliveryKind::Kafka(config) => {
                let mut target =
                    KafkaTarget::new(id.clone(), config.brokers.clone(), self.signing_secret()?);
                target.topic = config.topic.clone();
                Adapter::Kafka(
                    KafkaAdapter::new(target).with_context(|| format!("platform {id}: kafka"))?,
                )
            }
        };
        Ok(Route {
            platform: id.clone(),
            adapter,
            safeguards: self.safeguards()?,
        })
    }

    fn signing_secret(&self) -> anyhow::Result<Secret> {
        let text = inline_or_env(&self.id, "secret", &self.secret, &self.secret_env)?;
        Secret::parse(&text).with_context(|| format!("platform {}: signing secret", self.id))
    }

    fn feed_interval(&self, feed: &CaseFeedConfig) -> anyhow::Result<Duration> {
        let secs = feed.interval_secs.unwrap_or(30.0);
        if !(secs.is_finite() && secs > 0.0) {
            bail!(
                "platform {}: case_feed.interval_secs must be a positive number (got {secs})",
                self.id
            );
        }
        Ok(Duration::from_secs_f64(secs))
    }

    fn case_feed(&self, feed: &CaseFeedConfig) -> anyhow::Result<CaseFeed> {
        let id = &self.id;
        let url = url::Url::parse(&feed.url)
            .with_context(|| format!("platform {id}: case_feed.url {:?} is not a URL", feed.url))?;
        let token = inline_or_env(id, "case_feed.token", &feed.token, &feed.token_env)?;
        let client = adapter::http_client(&self.extra_ca()?)
            .with_context(|| format!("platform {id}: case_feed"))?;
        Ok(CaseFeed {
            endpoint: FeedEndpoint {
                platform: id.clone(),
                url: url.to_string(),
                token,
            },
            client,
            interval: self.feed_interval(feed)?,
        })
    }
}

/// A secret given inline (`name`) or through an environment variable (`name_env`): exactly
/// one. Errors name the field and the variable, never the value.
fn inline_or_env(
    platform: &str,
    name: &str,
    inline: &Option<String>,
    env: &Option<String>,
) -> anyhow::Result<String> {
    match (inline, env) {
        (Some(value), None) => Ok(value.clone()),
        (None, Some(var)) => std::env::var(var).with_context(|| {
            format!("platform {platform}: environment variable {var} ({name}_env) is not set")
        }),
        _ => bail!("platform {platform}: give exactly one of {name} or {name}_env"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deploy_config_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/takedown.toml");
        let config = Config::load(&path).expect("deploy/takedown.toml is a valid config");
        assert_eq!(
            config.backends.store_url_env.as_deref(),
            Some("TAKEDOWN_STORE_URL")
        );
        assert!(config.backends.bus.kafka().expect("valid bus").is_some());
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
