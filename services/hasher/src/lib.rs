//! The hasher stage: consumes `listings`, computes the perceptual hashes of every fetched
//! image (whole image and regions) off the async runtime, publishes `listings.hashed`
//! (key: listing id).
//!
//! Stateless: it reads blobs and writes only to the bus, so running it twice on a message
//! publishes the same hashes twice, which the matcher's keyed upserts absorb.
//!
//! **Architecture Invariant:** an image that cannot be hashed (undecodable, a decompression
//! bomb, too little information) is reported with its reason in the output, never dropped
//! silently and never allowed to stop the stage.

#![forbid(unsafe_code)]
mod config;
pub mod events;

use std::sync::Arc;

use takedown_bus::{Bus, BusError, Topic, consume_decoded};
use takedown_matching::{ImageLimits, hash_query};
use takedown_model::{Envelope, HashedImage, HashedListing, Listing};
use takedown_store::BlobStore;
use tokio_util::sync::CancellationToken;

pub use config::HasherConfig;

pub const GROUP: &str = "hasher";

#[derive(Debug, thiserror::Error)]
pub enum HasherError {
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error("hashing task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

pub struct Hasher {
    pub bus: Arc<dyn Bus>,
    pub blobs: BlobStore,
    pub limits: ImageLimits,
}

impl Hasher {
    pub async fn run(&self, cancel: &CancellationToken) -> Result<(), HasherError> {
        consume_decoded(
            self.bus.as_ref(),
            GROUP,
            Topic::Listings,
            cancel,
            Envelope::<Listing>::decode,
            |x| self.handle(x),
        )
        .await
    }

    async fn handle(&self, listing: Listing) -> Result<(), HasherError> {
        let blobs = self.blobs.clone();
        let limits = self.limits;
        let images_in = listing.images.clone();
        // Decoding and hashing are CPU work: keep them off the async workers.
        let images = tokio::task::spawn_blocking(move || {
            images_in
                .iter()
                .filter_map(|image| image.digest.as_deref())
                .map(|digest| hash_one(&blobs, &limits, digest))
                .collect::<Vec<_>>()
        })
        .await?;
        let refused = images.iter().filter(|i| i.refused.is_some()).count();
        metrics::counter!("takedown_images_hashed_total", "outcome" => "hashed")
            .increment((images.len() - refused) as u64);
        metrics::counter!("takedown_images_hashed_total", "outcome" => "refused")
            .increment(refused as u64);
        for image in images.iter().filter(|i| i.refused.is_some()) {
            events::Event::ImageNotHashed {
                listing: &listing.id,
                digest: &image.digest,
                reason: &image.refused,
            }
            .emit();
        }
        let hashed = HashedListing { listing, images };
        self.bus
            .publish(
                Topic::HashedListings,
                &hashed.listing.id,
                &Envelope::encode(&hashed),
            )
            .await?;
        Ok(())
    }
}

fn hash_one(blobs: &BlobStore, limits: &ImageLimits, digest: &str) -> HashedImage {
    let result = blobs
        .get(digest)
        .map_err(|e| e.to_string())
        .and_then(|bytes| hash_query(&bytes, limits).map_err(|e| e.to_string()));
    match result {
        Ok(hashes) => HashedImage {
            digest: digest.to_owned(),
            hashes,
            refused: None,
        },
        Err(reason) => HashedImage {
            digest: digest.to_owned(),
            hashes: Vec::new(),
            refused: Some(reason),
        },
    }
}
