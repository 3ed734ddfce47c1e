//! Tenants: every object belongs to exactly one.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantKind {
    BrandOwner,
    Platform,
    FairOrganizer,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tenant {
    pub id: String,
    pub kind: TenantKind,
    pub name: String,
    /// Where notices reach this tenant (the notifier of a brand owner, its legal contact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
}
