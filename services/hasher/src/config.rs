//! The hasher's configuration: how large an image it will decode.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use takedown_bus::Bus;
use takedown_matching::ImageLimits;
use takedown_store::BlobStore;

use crate::Hasher;

/// What the hasher stage is built from; an absent field keeps [`ImageLimits::default`]'s.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HasherConfig {
    /// Largest encoded image accepted, in bytes (default 20 MiB); a larger one is reported
    /// with its reason, not hashed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_image_bytes: Option<usize>,
    /// Largest width or height accepted, in pixels (default 12,000): a decompression-bomb
    /// guard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_image_side: Option<u32>,
}

impl HasherConfig {
    /// The decoding limits: the defaults with the fields given laid over them.
    pub fn limits(&self) -> ImageLimits {
        let defaults = ImageLimits::default();
        ImageLimits {
            max_bytes: self.max_image_bytes.unwrap_or(defaults.max_bytes),
            max_width: self.max_image_side.unwrap_or(defaults.max_width),
            max_height: self.max_image_side.unwrap_or(defaults.max_height),
            ..defaults
        }
    }

    /// The stage: reads listings' images from `blobs`, publishes hashes on `bus`.
    pub fn build(&self, bus: Arc<dyn Bus>, blobs: BlobStore) -> Hasher {
        Hasher {
            bus,
            blobs,
            limits: self.limits(),
        }
    }
}
