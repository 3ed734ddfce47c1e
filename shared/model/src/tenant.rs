//! Tenants: every object belongs to exactly one.

use serde::{Deserialize, Serialize};

/// What a tenant is; decides which routes it may use. Never changes for a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantKind {
    /// Registers rights and files notices.
    BrandOwner,
    /// Receives notices (and runs a notice handler).
    Platform,
    /// Runs trade fairs: exhibitors, screening runs.
    FairOrganizer,
}

/// An account of the service; every stored object belongs to exactly one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tenant {
    /// The tenant's id, chosen at creation (safe alphabet, no `/`).
    pub id: String,
    /// What the tenant is.
    pub kind: TenantKind,
    /// The tenant's name as shown to others (in notices, for a brand owner).
    pub name: String,
    /// Where notices reach this tenant (the notifier of a brand owner, its legal contact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
}
