//! How a notice is filed, shared by the actioner (auto-filed matches) and the API (a match
//! the owner approves from the review queue), so both file the same notice the same way.
//!
//! Module map:
//! - [`policy`]: auto-file above a threshold, otherwise queue for review; the regime per
//!   platform and the statements and identities a notice carries.
//! - [`owner_policy`]: the thresholds an owner sets through the API, which replace the
//!   configured ones for that owner's matches.
//! - [`compose`]: a notice from a match, the right and the owner (the union of every
//!   regime's fields), and grouping by (owner, platform, seller, right).
//! - [`validate`]: what each regime requires; names every missing field before sending.
//!
//! **Architecture Invariant:** pure rules over the model: no storage, transport or HTTP.

#![forbid(unsafe_code)]

pub mod compose;
pub mod owner_policy;
pub mod policy;
pub mod validate;

pub use policy::{AutoFilePause, KindThresholds, Policy, Threshold, ThresholdOutOfRange};
