//! The notifier's configuration: how each platform receives notices — by signed webhook
//! (HTTP or HTTPS, optionally trusting a private CA), by e-mail through an SMTP relay, or as
//! signed records on the platform's own Kafka topic — with its delivery safeguards and,
//! optionally, the case-event feed that brings the platform's progress back. These are the
//! `[[platforms]]` tables of `takedown.toml`.
//!
//! [`NotifierConfig::build`] turns it into the stage: a [`Notifier`] with one [`Route`] per
//! platform, and a [`CaseFeedPoller`] per platform with a feed. Secrets are read from the
//! environment (or inline) only then, and never appear in `Debug` output or errors.

use std::{collections::HashSet, path::PathBuf, sync::Arc, time::Duration};

use lettre::transport::smtp::authentication::Credentials;
use serde::{Deserialize, Serialize};
use takedown_bus::Bus;
use takedown_store::Store;
use takedown_webhook::Secret;

use crate::{
    Adapter, EmailAdapter, KafkaAdapter, KafkaTarget, Notifier, PlatformEndpoint, Route,
    Safeguards, WebhookAdapter, adapter,
    email::{EmailSender, SmtpRelay, SmtpTls},
    feed::{CaseFeedPoller, FeedEndpoint},
    kafka,
};

/// A platform's configuration refused; every message names the platform and the field.
#[derive(Debug, thiserror::Error)]
pub enum NotifierConfigError {
    /// Two `[[platforms]]` tables with one id.
    #[error("platforms: id {0:?} appears twice")]
    DuplicateId(String),
    /// A field's value breaks a rule (`problem` names the field and the rule).
    #[error("platform {platform}: {problem}")]
    Invalid {
        /// The platform's id.
        platform: String,
        /// What is wrong, naming the field.
        problem: String,
    },
    /// A part of the delivery could not be set up from the values given (an unreadable CA
    /// file, a malformed address, a missing environment variable).
    #[error("platform {platform}: {part}")]
    Setup {
        /// The platform's id.
        platform: String,
        /// Which part failed, naming the field.
        part: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

/// The notifier stage's configuration: one entry per platform that receives notices.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifierConfig {
    /// How each platform receives notices (`[[platforms]]`).
    #[serde(default)]
    pub platforms: Vec<PlatformConfig>,
}

/// How one platform receives notices: `endpoint` (+ `secret`/`secret_env`) for a webhook,
/// an `[platforms.email]` table, or a `[platforms.kafka]` table (+ `secret`/`secret_env`);
/// exactly one of the three.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformConfig {
    /// The platform's id: what sources name in `platform` and notices carry.
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
    /// Retry, circuit-breaker and rate-limit settings for this platform.
    #[serde(default)]
    pub safeguards: SafeguardsConfig,
    /// The platform's case-event feed, polled to follow each case after delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_feed: Option<CaseFeedConfig>,
}

/// E-mail delivery through an SMTP relay: plain by default (a relay on the host or a trusted
/// network), or over STARTTLS or implicit TLS with an optional login. The password comes only
/// from the environment (`password_env`), so `Debug` shows nothing secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// The relay's host name or address; with TLS, the name its certificate must carry.
    pub relay: String,
    /// The relay's SMTP port (default 25; usually 587 for `starttls`, 465 for `implicit`).
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    /// The sender mailbox, e.g. `Takedown <notices@owner.example>`.
    pub from: String,
    /// The platform's IP desk, e.g. `IP desk <ipr@platform.example>`.
    pub to: String,
    /// `none` (default), `starttls` or `implicit`; a relay beyond the host should use TLS.
    #[serde(default, skip_serializing_if = "SmtpTls::is_none")]
    pub tls: SmtpTls,
    /// A PEM file of CA certificates trusted for the relay on top of the system's roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// The relay login's user name; needs `password_env` and TLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The name of an environment variable holding the relay login's password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
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
    /// The feed's URL and token.
    pub endpoint: FeedEndpoint,
    /// The HTTP client, trusting the platform's extra CAs.
    pub client: reqwest::Client,
    /// The gap between two polls.
    pub interval: Duration,
}

/// The built notifier stage: the notifier (its topic consumer and its outbox loop) and a
/// poller per case feed.
pub struct NotifierStage {
    /// Moves notices into the outbox ([`Notifier::run`]) and delivers them
    /// ([`Notifier::deliver_loop`]).
    pub notifier: Arc<Notifier>,
    /// One poller per platform with a case feed, with its interval.
    pub feeds: Vec<(String, CaseFeedPoller, Duration)>,
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

impl NotifierConfig {
    /// The checks that need no secret: one delivery per platform, unique ids, sane numbers.
    pub fn check(&self) -> Result<(), NotifierConfigError> {
        let mut seen = HashSet::new();
        for platform in &self.platforms {
            if !seen.insert(platform.id.as_str()) {
                return Err(NotifierConfigError::DuplicateId(platform.id.clone()));
            }
            platform.check()?;
        }
        Ok(())
    }

    /// Whether a platform of this id has an entry.
    pub fn has_platform(&self, id: &str) -> bool {
        self.platforms.iter().any(|p| p.id == id)
    }

    /// One delivery route per platform: its adapter (with secrets and CA files read now)
    /// and its safeguards.
    pub fn routes(&self) -> Result<Vec<Route>, NotifierConfigError> {
        self.platforms.iter().map(PlatformConfig::route).collect()
    }

    /// The case feeds to poll, one per platform that has one.
    pub fn case_feeds(&self) -> Result<Vec<CaseFeed>, NotifierConfigError> {
        self.platforms
            .iter()
            .filter_map(|p| p.case_feed.as_ref().map(|feed| p.case_feed(feed)))
            .collect()
    }

    /// The stage on these backends: routes and feeds built, secrets read.
    pub fn build(
        &self,
        bus: Arc<dyn Bus>,
        store: Store,
    ) -> Result<NotifierStage, NotifierConfigError> {
        let notifier = Notifier::with_routes(bus.clone(), store.clone(), self.routes()?);
        let feeds = self
            .case_feeds()?
            .into_iter()
            .map(|feed| {
                let platform = feed.endpoint.platform.clone();
                let poller = CaseFeedPoller::new(
                    bus.clone(),
                    store.clone(),
                    feed.client,
                    vec![feed.endpoint],
                );
                (platform, poller, feed.interval)
            })
            .collect();
        Ok(NotifierStage {
            notifier: Arc::new(notifier),
            feeds,
        })
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

    /// The checks that need no secret (see [`NotifierConfig::check`]).
    pub fn check(&self) -> Result<(), NotifierConfigError> {
        self.delivery_kind()?;
        self.safeguards()?;
        if let Some(feed) = &self.case_feed {
            self.feed_interval(feed)?;
        }
        Ok(())
    }

    fn invalid(&self, problem: impl Into<String>) -> NotifierConfigError {
        NotifierConfigError::Invalid {
            platform: self.id.clone(),
            problem: problem.into(),
        }
    }

    /// Wraps a failure to set up `part` of this platform's delivery.
    fn setup<E>(&self, part: impl Into<String>) -> impl FnOnce(E) -> NotifierConfigError
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        let (platform, part) = (self.id.clone(), part.into());
        move |source| NotifierConfigError::Setup {
            platform,
            part,
            source: Box::new(source),
        }
    }

    fn delivery_kind(&self) -> Result<DeliveryKind<'_>, NotifierConfigError> {
        match (&self.endpoint, &self.email, &self.kafka) {
            (Some(url), None, None) => {
                let parsed = reqwest::Url::parse(url)
                    .map_err(self.setup(format!("endpoint {url:?} is not a URL")))?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(self.invalid(format!(
                        "endpoint {url:?} must be an http:// or https:// URL"
                    )));
                }
                Ok(DeliveryKind::Webhook(url))
            }
            (None, Some(email), None) => {
                if self.secret.is_some() || self.secret_env.is_some() {
                    return Err(
                        self.invalid("secret/secret_env sign webhooks; an email platform has none")
                    );
                }
                self.check_email(email)?;
                Ok(DeliveryKind::Email(email))
            }
            (None, None, Some(kafka)) => self.kafka_delivery(kafka),
            (None, None, None) => {
                Err(self.invalid("give endpoint (webhook), an [email] or a [kafka] table"))
            }
            _ => Err(self.invalid("give only one of endpoint (webhook), [email] or [kafka]")),
        }
    }

    /// The e-mail table's rules that need no secret: a relay, a login only in full and only
    /// over TLS, a CA file only with TLS.
    fn check_email(&self, email: &EmailConfig) -> Result<(), NotifierConfigError> {
        if email.relay.trim().is_empty() {
            return Err(self.invalid("email.relay is empty"));
        }
        match (&email.username, &email.password_env) {
            (Some(_), None) => {
                return Err(self.invalid(
                    "email.username needs email.password_env (the password is read only from the environment)",
                ));
            }
            (None, Some(_)) => {
                return Err(self.invalid("email.password_env needs email.username"));
            }
            _ => {}
        }
        if email.tls.is_none() {
            if email.username.is_some() {
                return Err(self.invalid(
                    "email.username: a login needs email.tls = \"starttls\" or \"implicit\" (a password must not cross the network in clear)",
                ));
            }
            if email.ca_file.is_some() {
                return Err(self.invalid(
                    "email.ca_file applies only with email.tls = \"starttls\" or \"implicit\"",
                ));
            }
        }
        Ok(())
    }

    /// The relay as the sender needs it: the CA file read (bounded) and the password taken
    /// from the environment now.
    fn smtp_relay(&self, email: &EmailConfig) -> Result<SmtpRelay, NotifierConfigError> {
        let extra_ca_pem = match &email.ca_file {
            Some(path) => Some(
                takedown_fsread::read(path, takedown_fsread::DOCUMENT_MAX_BYTES)
                    .map_err(self.setup("email.ca_file"))?,
            ),
            None => None,
        };
        let credentials = match (&email.username, &email.password_env) {
            (Some(username), Some(var)) => {
                let password = std::env::var(var).map_err(self.setup(format!(
                    "environment variable {var} (email.password_env) is not set"
                )))?;
                Some(Credentials::new(username.clone(), password))
            }
            _ => None,
        };
        Ok(SmtpRelay {
            host: email.relay.clone(),
            port: email.port,
            tls: email.tls,
            extra_ca_pem,
            credentials,
        })
    }

    fn kafka_delivery<'a>(
        &self,
        config: &'a PlatformKafkaConfig,
    ) -> Result<DeliveryKind<'a>, NotifierConfigError> {
        if config.brokers.trim().is_empty() {
            return Err(self.invalid("kafka.brokers is empty"));
        }
        let topic = config
            .topic
            .clone()
            .unwrap_or_else(|| kafka::default_topic(&self.id));
        if !kafka::valid_topic(&topic) {
            return Err(self.invalid(format!(
                "kafka topic {topic:?} is not a valid topic name (1 to 249 of a-z A-Z 0-9 . _ -); set kafka.topic"
            )));
        }
        Ok(DeliveryKind::Kafka(config))
    }

    fn safeguards(&self) -> Result<Safeguards, NotifierConfigError> {
        let given = &self.safeguards;
        let mut out = Safeguards::default();
        let positive = |name: &str, value: f64| {
            if value.is_finite() && value > 0.0 {
                Ok(value)
            } else {
                Err(self.invalid(format!(
                    "safeguards.{name} must be a positive number (got {value})"
                )))
            }
        };
        let at_least_one = |name: &str, value: u32| {
            if value >= 1 {
                Ok(value)
            } else {
                Err(self.invalid(format!(
                    "safeguards.{name} must be at least 1 (got {value})"
                )))
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

    fn extra_ca(&self) -> Result<Vec<reqwest::Certificate>, NotifierConfigError> {
        match &self.ca_file {
            Some(path) => adapter::read_ca_file(path).map_err(self.setup("ca_file")),
            None => Ok(Vec::new()),
        }
    }

    fn route(&self) -> Result<Route, NotifierConfigError> {
        let id = &self.id;
        let adapter = match self.delivery_kind()? {
            DeliveryKind::Webhook(url) => {
                let endpoint = PlatformEndpoint {
                    platform: id.clone(),
                    url: url.to_owned(),
                    secret: self.signing_secret()?,
                };
                Adapter::Webhook(
                    WebhookAdapter::new(endpoint, &self.extra_ca()?)
                        .map_err(self.setup("webhook"))?,
                )
            }
            DeliveryKind::Email(email) => {
                let sender = EmailSender::through(&self.smtp_relay(email)?, &email.from)
                    .map_err(self.setup("email"))?;
                Adapter::Email(
                    EmailAdapter::new(sender, &email.to).map_err(self.setup("email.to"))?,
                )
            }
            DeliveryKind::Kafka(config) => {
                let mut target =
                    KafkaTarget::new(id.clone(), config.brokers.clone(), self.signing_secret()?);
                target.topic = config.topic.clone();
                Adapter::Kafka(KafkaAdapter::new(target).map_err(self.setup("kafka"))?)
            }
        };
        Ok(Route {
            platform: id.clone(),
            adapter,
            safeguards: self.safeguards()?,
        })
    }

    fn signing_secret(&self) -> Result<Secret, NotifierConfigError> {
        let text = self.inline_or_env("secret", &self.secret, &self.secret_env)?;
        Secret::parse(&text).map_err(self.setup("signing secret"))
    }

    fn feed_interval(&self, feed: &CaseFeedConfig) -> Result<Duration, NotifierConfigError> {
        let secs = feed.interval_secs.unwrap_or(30.0);
        if !(secs.is_finite() && secs > 0.0) {
            return Err(self.invalid(format!(
                "case_feed.interval_secs must be a positive number (got {secs})"
            )));
        }
        Ok(Duration::from_secs_f64(secs))
    }

    fn case_feed(&self, feed: &CaseFeedConfig) -> Result<CaseFeed, NotifierConfigError> {
        let url = reqwest::Url::parse(&feed.url)
            .map_err(self.setup(format!("case_feed.url {:?} is not a URL", feed.url)))?;
        let token = self.inline_or_env("case_feed.token", &feed.token, &feed.token_env)?;
        let client = adapter::http_client(&self.extra_ca()?).map_err(self.setup("case_feed"))?;
        Ok(CaseFeed {
            endpoint: FeedEndpoint {
                platform: self.id.clone(),
                url: url.to_string(),
                token,
            },
            client,
            interval: self.feed_interval(feed)?,
        })
    }

    /// A secret given inline (`name`) or through an environment variable (`name_env`):
    /// exactly one. Errors name the field and the variable, never the value.
    fn inline_or_env(
        &self,
        name: &str,
        inline: &Option<String>,
        env: &Option<String>,
    ) -> Result<String, NotifierConfigError> {
        match (inline, env) {
            (Some(value), None) => Ok(value.clone()),
            (None, Some(var)) => std::env::var(var).map_err(self.setup(format!(
                "environment variable {var} ({name}_env) is not set"
            ))),
            _ => Err(self.invalid(format!("give exactly one of {name} or {name}_env"))),
        }
    }
}
