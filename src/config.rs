//! `takedown run --config FILE`: the TOML that says what to crawl, whose rights to load,
//! which policy to apply and where each platform receives notices.
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
//! [[platforms]]
//! id = "sample-market"
//! endpoint = "http://127.0.0.1:8081/notices"
//! secret_env = "TAKEDOWN_SAMPLE_MARKET_SECRET"
//! ```
//! Relative paths are relative to the config file.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use takedown_actioner::Policy;
use takedown_crawler::SourceConfig;
use takedown_notifier::PlatformEndpoint;
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
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformConfig {
    pub id: String,
    pub endpoint: String,
    /// The signing secret inline (`whsec_…`); prefer `secret_env` outside tests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The name of an environment variable holding the signing secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_env: Option<String>,
}

// Hand-written so a secret can never reach a log line through `{:?}`.
impl std::fmt::Debug for PlatformConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformConfig")
            .field("id", &self.id)
            .field("endpoint", &self.endpoint)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("secret_env", &self.secret_env)
            .finish()
    }
}

impl Config {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config {}", path.display()))?;
        let mut config: Config = toml::from_str(&text)
            .with_context(|| format!("config {} is not valid", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.data_dir = base.join(&config.data_dir);
        for file in &mut config.rights_files {
            *file = base.join(&*file);
        }
        Ok(config)
    }

    pub fn endpoints(&self) -> anyhow::Result<Vec<PlatformEndpoint>> {
        self.platforms
            .iter()
            .map(PlatformConfig::endpoint)
            .collect()
    }
}

impl PlatformConfig {
    fn endpoint(&self) -> anyhow::Result<PlatformEndpoint> {
        let text = match (&self.secret, &self.secret_env) {
            (Some(secret), None) => secret.clone(),
            (None, Some(var)) => std::env::var(var).with_context(|| {
                format!(
                    "platform {}: environment variable {var} (secret_env) is not set",
                    self.id
                )
            })?,
            _ => bail!(
                "platform {}: give exactly one of secret or secret_env",
                self.id
            ),
        };
        let secret = Secret::parse(&text)
            .with_context(|| format!("platform {}: signing secret", self.id))?;
        Ok(PlatformEndpoint {
            platform: self.id.clone(),
            url: self.endpoint.clone(),
            secret,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_and_paths_resolved() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            r#"data_dir = "data"
rights_files = ["owner.json"]
[[platforms]]
id = "p"
endpoint = "http://127.0.0.1:1/notices"
secret = "a-secret-that-is-long-enough"
"#,
        )
        .expect("write");
        let config = Config::load(&path).expect("load");
        assert_eq!(config.data_dir, dir.path().join("data"));
        assert_eq!(config.rights_files, vec![dir.path().join("owner.json")]);
        assert!(!format!("{config:?}").contains("a-secret"));
        assert_eq!(config.endpoints().expect("endpoints").len(), 1);
    }

    #[test]
    fn unknown_fields_and_ambiguous_secrets_are_refused() {
        assert!(toml::from_str::<Config>("data_dir = 'd'\nsorces = []").is_err());
        let p = PlatformConfig {
            id: "p".into(),
            endpoint: "x".into(),
            secret: None,
            secret_env: None,
        };
        assert!(p.endpoint().is_err());
    }
}
