//! The matcher's in-memory view of the registry.

use std::collections::{HashMap, HashSet};

use takedown_matching::{
    ImageIndex, ImageLimits, IndexedImage, WordMarkIndex, hash_reference_views,
};
use takedown_model::{Right, RightKind};
use takedown_store::{BlobStore, Store, StoreError};

#[derive(Default)]
pub struct RightsView {
    pub rights: HashMap<String, Right>,
    pub words: WordMarkIndex,
    pub images: ImageIndex,
    /// (owner, platform, seller folded to lowercase).
    authorized: HashSet<(String, String, String)>,
    /// The registry version this view was built from.
    version: Option<String>,
}

impl RightsView {
    /// Rebuilds the view if the registry changed since it was built.
    pub async fn refresh(&mut self, store: &Store, blobs: &BlobStore) -> Result<(), StoreError> {
        let version = store.rights_version().await?;
        if self.version.as_deref() == Some(version.as_str()) {
            return Ok(());
        }
        let mut view = RightsView::build(store.rights().await?, blobs);
        view.authorized = store
            .authorized_sellers()
            .await?
            .into_iter()
            .map(|a| (a.owner_id, a.platform, a.seller.to_lowercase()))
            .collect();
        view.version = Some(version);
        *self = view;
        Ok(())
    }

    /// A view over `rights`; registered images are read from `blobs` and hashed. An image
    /// that cannot be read or hashed is logged and left out; the right's other images and
    /// the rest of the registry still load.
    pub fn build(rights: Vec<Right>, blobs: &BlobStore) -> Self {
        let mut view = RightsView::default();
        let limits = ImageLimits::default();
        for right in rights {
            if right.kind == RightKind::WordMark {
                view.words.add(&right.id, &right.name);
            }
            for image in &right.images {
                let hashes = blobs
                    .get(&image.digest)
                    .map_err(|e| e.to_string())
                    .and_then(|bytes| {
                        hash_reference_views(&bytes, &limits).map_err(|e| e.to_string())
                    });
                match hashes {
                    Ok(views) => view.images.insert(IndexedImage {
                        right_id: right.id.clone(),
                        view: image.view.clone(),
                        digest: image.digest.clone(),
                        hashes: views.core,
                        variants: views.variants,
                    }),
                    Err(e) => {
                        tracing::error!(right = %right.id, view = %image.view, error = %e, "registered image not indexed")
                    }
                }
            }
            view.rights.insert(right.id.clone(), right);
        }
        view
    }

    pub fn is_authorized(&self, owner: &str, platform: &str, seller: &str) -> bool {
        self.authorized
            .contains(&(owner.to_owned(), platform.to_owned(), seller.to_lowercase()))
    }
}
