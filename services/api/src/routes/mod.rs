//! The `/v1` routes, one module per kind of caller.

pub mod common;
pub mod delegations;
pub mod fair;
pub mod operator;
pub mod owner;
pub mod platform;
pub mod right_docs;
mod settings;
