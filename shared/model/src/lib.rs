//! The domain model of takedown.
//!
//! Module map:
//! - [`ids`]: stable, content-derived identifiers (the basis of idempotent effects).
//! - [`tenant`]: brand owners, platforms, fair organizers.
//! - [`right`]: word marks, logo marks, designs with several views; authorized sellers.
//! - [`listing`]: what the crawler found — marketplace listings and fair exhibitor products.
//! - [`matching`]: a match between a listing and a right, with its reason.
//! - [`notice`]: notices, their status and events.
//! - [`validate`]: the one set of field rules for rights, sellers and ids, whatever path they come by.
//! - [`envelope`]: the versioned JSON wrapper every bus payload travels in.
//!
//! **Architecture Invariant:** this crate knows nothing of storage, transport or HTTP; it is
//! plain data with serde. Everything else depends on it; it depends on nothing of ours.

#![deny(missing_docs)]

pub mod envelope;
pub mod ids;
pub mod listing;
pub mod matching;
pub mod notice;
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
pub use right::{AuthorizedSeller, Right, RightCsvRow, RightImage, RightKind, split_list};
pub use tenant::{Tenant, TenantKind};
