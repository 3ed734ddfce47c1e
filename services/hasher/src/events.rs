//! The hasher's observable events, each with its level, message and fields named once.

use std::fmt::Debug;

/// Something the hasher did that an operator may want to see.
pub enum Event<'a> {
    /// An image was not hashed (undecodable, too large, too little information); the
    /// listing goes on with the reason in its output.
    ImageNotHashed {
        /// The listing id.
        listing: &'a str,
        /// The image's blob digest.
        digest: &'a str,
        /// Why.
        reason: &'a dyn Debug,
    },
}

impl Event<'_> {
    /// Writes the event to the `tracing` subscriber at its level.
    pub fn emit(&self) {
        match self {
            Event::ImageNotHashed {
                listing,
                digest,
                reason,
            } => tracing::info!(%listing, %digest, ?reason, "image not hashed"),
        }
    }
}
