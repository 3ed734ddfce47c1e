//! `--config` / `--data-dir`: where the inspection and registration commands find the data.

use std::path::PathBuf;

use crate::{
    backends::{Backends, BackendsConfig, DEFAULT_DATA_DIR, Storage},
    config::Config,
};

/// Which data a command reads: the backends a config names, or a data directory.
#[derive(clap::Args)]
pub struct DataArgs {
    /// Read the data directory (or the [backends]) named in this config.
    #[arg(long, value_name = "FILE", conflicts_with = "data_dir")]
    pub config: Option<PathBuf>,
    /// The data directory (default: takedown-data).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

impl DataArgs {
    /// The store and blobs: with --config those its `[backends]` names (PostgreSQL and S3 in
    /// a scaled deployment), else the data directory's embedded ones.
    pub async fn storage(&self) -> anyhow::Result<Storage> {
        let (backends, dir) = self.backends_config()?;
        Storage::open(&backends, &dir).await
    }

    /// As [`DataArgs::storage`], for the commands that only read: an embedded data
    /// directory that does not exist is refused by name, rather than created empty and
    /// reported as holding nothing (a mistyped `--data-dir` looked like an empty store).
    pub async fn existing_storage(&self) -> anyhow::Result<Storage> {
        let (backends, dir) = self.backends_config()?;
        let embedded_store = backends.store_url()?.is_none();
        if embedded_store && !dir.is_dir() {
            anyhow::bail!(
                "data directory {} does not exist (check --data-dir or the config's data_dir;                  `takedown crawl` or `takedown run` creates it)",
                dir.display()
            );
        }
        Storage::open(&backends, &dir).await
    }

    /// The data directory: the config's `data_dir`, else --data-dir (or `takedown-data`).
    pub fn data_dir(&self) -> anyhow::Result<PathBuf> {
        Ok(self.backends_config()?.1)
    }

    /// Store, blobs and bus, chosen like [`DataArgs::storage`].
    pub async fn backends(&self) -> anyhow::Result<Backends> {
        let (backends, dir) = self.backends_config()?;
        Backends::open(&backends, &dir).await
    }

    /// The config's `[backends]` and data directory; without --config the embedded
    /// defaults in --data-dir (or `takedown-data`).
    fn backends_config(&self) -> anyhow::Result<(BackendsConfig, PathBuf)> {
        Ok(match &self.config {
            Some(path) => {
                let config = Config::load(path)?;
                (config.backends, config.data_dir)
            }
            None => {
                let dir = self.data_dir.clone();
                (
                    Default::default(),
                    dir.unwrap_or_else(|| DEFAULT_DATA_DIR.into()),
                )
            }
        })
    }
}
