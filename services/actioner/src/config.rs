//! The actioner's configuration: the filing policy.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use takedown_bus::Bus;
use takedown_store::Store;

use crate::{Actioner, Policy};

/// What the actioner stage is built from.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionerConfig {
    /// The configured filing policy (`[policy]`); an owner's own policy, set through the
    /// API, replaces its thresholds for that owner's matches.
    #[serde(default)]
    pub policy: Policy,
}

impl ActionerConfig {
    /// The stage: consumes matches and case events from `bus`, keeps notices in `store`.
    pub fn build(&self, bus: Arc<dyn Bus>, store: Store) -> Actioner {
        Actioner {
            bus,
            store,
            policy: self.policy.clone(),
        }
    }
}
