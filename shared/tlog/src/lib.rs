//! A transparency log over evidence: an append-only Merkle tree hashed as RFC 9162 (and RFC
//! 6962) define it, inclusion and consistency proofs with their verification, and
//! checkpoints in the C2SP `tlog-checkpoint` format signed as C2SP signed notes (Ed25519) —
//! the format of Go's checksum database, Sigstore and Trillian Tessera, so tools people
//! already trust can check ours.
//!
//! Module map:
//! - [`merkle`]: leaf and node hashes, the stored-hash layout, proofs and their checks, and
//!   [`MemoryLog`], the whole tree in memory (tests, small logs).
//! - [`checkpoint`]: the checkpoint body, the log's signing key, signing and opening notes.
//! - [`timestamp`]: RFC 3161 trusted timestamps — the query sent to a Time Stamping
//!   Authority over a checkpoint's text, and the whole check of its reply.
//!
//! The algorithms are Go's `golang.org/x/mod/sumdb/tlog` and `sumdb/note` as ported by
//! Cloudflare (`tlog_tiles`, `signed_note`); this crate gives them typed errors, the size-0
//! edge cases, and a way to run them over a store that is read asynchronously
//! ([`merkle::hashes_needed`] then [`merkle::FetchedHashes`]).
//!
//! **Architecture Invariant:** knows bytes, hashes and signatures only — nothing of captures, notices,
//! storage or transport. What a leaf says is the caller's.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod checkpoint;
pub mod merkle;
pub mod timestamp;

pub use checkpoint::{Checkpoint, CheckpointError, LogKey};
pub use merkle::{FetchedHashes, Hash, MemoryLog, ProofError};
pub use timestamp::{TimestampError, TimestampQuery, TrustAnchors, VerifiedTimestamp};
