//! An owner's stored filing policy, as the actioner reads it for each match: the document
//! format ([`OwnerPolicy`], [`POLICY_DOC`]) is `takedown_filing`'s, shared with the API that
//! writes it.

use takedown_store::{Store, StoreError};

pub use takedown_filing::owner_policy::{OwnerPolicy, POLICY_DOC};

/// An owner's stored policy, as far as deciding a match goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    /// The owner set none: the configured policy decides.
    None,
    Policy(OwnerPolicy),
    /// A document that does not read as a policy (hand-edited, or from another version):
    /// nothing is filed without review until the owner sets it again.
    Unreadable(String),
}

impl Stored {
    /// Reads `owner`'s policy document.
    pub async fn load(store: &Store, owner: &str) -> Result<Stored, StoreError> {
        let Some(doc) = store.doc(owner, POLICY_DOC, POLICY_DOC).await? else {
            return Ok(Stored::None);
        };
        Ok(match serde_json::from_value::<OwnerPolicy>(doc.body) {
            Ok(policy) => Stored::Policy(policy),
            Err(e) => Stored::Unreadable(e.to_string()),
        })
    }
}
