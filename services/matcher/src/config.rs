//! The matcher's configuration.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use takedown_bus::Bus;
use takedown_store::{BlobStore, Store};

use crate::Matcher;

/// What the matcher stage is built from. Nothing is configurable yet (the thresholds are
/// the matching crate's, fitted on the evaluation dataset); the type is the place a
/// `[matcher]` table would land.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatcherConfig {}

impl MatcherConfig {
    /// The stage: reads hashed listings from `bus` and the rights from `store` (registered
    /// images from `blobs`), publishes matches on `bus`.
    pub fn build(&self, bus: Arc<dyn Bus>, store: Store, blobs: BlobStore) -> Matcher {
        Matcher::new(bus, store, blobs)
    }
}
