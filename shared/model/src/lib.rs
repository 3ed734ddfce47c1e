//! The domain model of takedown.
//!
//! Module map:
//! - [`ids`]: stable, content-derived identifiers (the basis of idempotent effects).
//! - [`tenant`]: brand owners, platforms, fair organizers.
//! - [`right`]: word marks, logo marks, designs with several views; authorized sellers.
//! - [`listing`]: what the crawler found — marketplace listings and fair exhibitor products.
//! - [`matching`]: a match between a listing and a right, with its reason.
//! - [`notice`]: notices, their status and events.
//! - [`owner_file`]: the brand owner's rights file (`owner.json`): owner, rights, authorized
//!   sellers, parsed strictly and checked with [`validate`]'s rules.
//! - [`regime`]: the legal regimes ([`Regime`]), one module each with what it asks of a
//!   notice — before sending and on receipt.
//! - [`validate`]: the one set of field rules for rights, sellers and ids, whatever path they come by.
//! - [`envelope`]: the versioned JSON wrapper every bus payload travels in.
//!
//! **Architecture Invariant:** this crate knows nothing of storage, transport or HTTP; it is
//! plain data with serde. Everything else depends on it; it depends on nothing of ours.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod envelope;
pub mod ids;
pub mod listing;
pub mod matching;
pub mod notice;
pub mod owner_file;
pub mod regime;
pub mod right;
pub mod tenant;
pub mod validate;

pub use envelope::{Envelope, EnvelopeError};
pub use ids::{digest_hex, stable_id};
pub use listing::{
    Capture, Exhibitor, ExhibitorRef, HashedImage, HashedListing, Listing, ListingImage,
    RegionHash, SourceKind,
};
pub use matching::{Decision, Match, MatchKind, MatchReason};
pub use notice::{CaseEvent, CaseEventKind, Notice, NoticeStatus};
pub use owner_file::{OwnerFile, OwnerFileError, OwnerRight, OwnerRightImage, OwnerSeller};
pub use regime::Regime;
pub use right::{AuthorizedSeller, Right, RightCsvRow, RightImage, RightKind, split_list};
pub use tenant::{Tenant, TenantKind};
