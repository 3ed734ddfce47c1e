//! Writes one audit entry for a change a caller made: in the log of the tenant acted for,
//! naming who acted (an agent acting through a delegation included, see [`Caller::actor`]).

use serde::Serialize;
use takedown_store::{Store, access::AuditChange};

use crate::{auth::Caller, error::ApiError};

pub async fn record<B: Serialize, A: Serialize>(
    store: &Store,
    caller: &Caller,
    action: &str,
    object_kind: &str,
    object_id: &str,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<(), ApiError> {
    let value = |v: &dyn erased::Json| v.json();
    let actor = caller.actor();
    store
        .append_audit(&AuditChange {
            tenant_id: caller.tenant_id(),
            actor: &actor,
            action,
            object_kind,
            object_id,
            before: before.map(|b| value(b)),
            after: after.map(|a| value(a)),
        })
        .await?;
    Ok(())
}

mod erased {
    /// Serializes plain data to a JSON value (our DTOs cannot fail to serialize).
    pub trait Json {
        fn json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or_default()
        }
    }
}
