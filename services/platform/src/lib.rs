//! The reference platform handler (the receiving side of a notice): verifies the webhook
//! signature and timestamp, checks that the notice is complete, de-duplicates by notice id,
//! opens a case and answers with its id.
//!
//! Module map:
//! - [`check`]: completeness of a notice, with per-field errors.
//! - [`cases`]: the handler's own database of cases.
//! - [`http`]: the axum routes.
//!
//! **Architecture Invariant:** this crate is the platform's, not the brand owner's: it shares
//! only the wire format (the model's `Notice`) and the signature scheme with the rest. It
//! never reads the owner's store.

pub mod cases;
pub mod check;
pub mod http;

pub use cases::{CaseRow, CaseStore};
pub use http::{HandlerState, router, serve};
