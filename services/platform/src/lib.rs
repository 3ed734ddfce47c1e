//! The reference platform handler (the receiving side of a notice): verifies the webhook
//! signature and timestamp, checks that the notice is complete, de-duplicates by notice id,
//! opens a case and answers with its id; then runs the case through the statutory flow of its
//! regime (CN ECL 42–43, EU DSA 16/17/20, US DMCA 512(g), trade-fair complaints).
//!
//! Module map:
//! - [`check`]: completeness of a notice, with per-field errors.
//! - [`cases`]: the handler's own database of cases and their audit trail.
//! - [`flow`]: the state machine and the regime profiles (pure).
//! - [`calendar`]: deadlines on CN working days, US business days, hours and months.
//! - [`clock`]: the system clock and a manual one for tests.
//! - [`measures`]: the listing service and the seller notifier the flow acts through.
//! - [`engine`]: applies events and expired windows, with effects and audit.
//! - [`repeat`]: repeat infringers per (platform, seller).
//! - [`metrics`]: time to measures and counts per state (the operators' JSON).
//! - [`telemetry`]: the desk's Prometheus series (notices, cases, deadlines).
//! - [`http`]: the axum routes for notices; [`operator`]: the operators' routes.
//! - [`tls`]: serving those routes over HTTPS (rustls) from PEM files.
//! - [`desk`]: all of it as one process (`takedown serve platform`): routes, flow, ticker.
//!
//! **Architecture Invariant:** this crate is the platform's, not the brand owner's: it shares
//! only the wire format (the model's `Notice`) and the signature scheme with the rest. It
//! never reads the owner's store.

#![forbid(unsafe_code)]

pub mod calendar;
pub mod cases;
pub mod check;
pub mod clock;
pub mod desk;
pub mod engine;
pub mod flow;
pub mod http;
pub mod measures;
pub mod metrics;
pub mod operator;
pub mod repeat;
pub mod telemetry;
pub mod tls;

pub use cases::{CaseRecord, CaseRow, CaseStore, EventRecord, OperatorRow};
pub use clock::{Clock, ManualClock, SystemClock};
pub use desk::{DEFAULT_TICK_EVERY, Desk, DeskConfig, DeskError, DeskProbe};
pub use engine::{CaseFlow, CaseView, FlowError, TickReport, spawn_ticker};
pub use flow::{Event, Profile, Regime, State};
pub use http::{HandlerState, router, router_with_operations, serve, serve_with_operations};
pub use measures::{
    HttpListingService, HttpSellerNotifier, ListingService, RecordOnly, RecordingListings,
    RecordingSellers, SellerNotifier,
};
pub use operator::{OperatorState, OperatorToken};
pub use repeat::RepeatPolicy;
pub use tls::{TlsError, serve_tls, server_config};
