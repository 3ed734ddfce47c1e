//! What a key may do. A GET needs `read`, any change needs `write`, managing keys needs
//! `keys`; the tenant's kind decides which routes exist for it at all.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Read,
    Write,
    Keys,
}

impl Scope {
    pub const ALL: &'static [Scope] = &[Scope::Read, Scope::Write, Scope::Keys];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Keys => "keys",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.iter().copied().find(|s| s.as_str() == text)
    }
}
