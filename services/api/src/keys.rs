//! API keys: `tdk_<id>_<secret>`, issued and checked by `takedown-tokens` (only SHA-256 of
//! the secret is stored; see there why that is enough).

use takedown_model::{Tenant, TenantKind};
use takedown_store::{
    Store,
    access::{ApiKeyRecord, AuditChange, Operator},
};

use crate::{error::ApiError, scopes::Scope};

const PREFIX: &str = "tdk_";

/// A key's parts as presented by a caller.
pub type PresentedKey<'a> = takedown_tokens::PresentedToken<'a>;

/// Splits `tdk_<id>_<secret>`; None if the text is not shaped like a key.
pub fn parse_key(text: &str) -> Option<PresentedKey<'_>> {
    takedown_tokens::parse(PREFIX, text)
}

pub use takedown_tokens::{hash_secret, secret_matches};

/// Creates a key for `tenant_id`, records it in the audit log, and returns the row and the
/// full key text — the only time the key is ever available.
pub async fn issue_key(
    store: &Store,
    tenant_id: &str,
    scopes: &[Scope],
    label: &str,
    actor: &str,
) -> Result<(ApiKeyRecord, String), ApiError> {
    let issued = takedown_tokens::issue(PREFIX);
    let record = ApiKeyRecord {
        id: issued.id.clone(),
        tenant_id: tenant_id.to_owned(),
        secret_hash: issued.secret_hash.clone(),
        scopes: scopes.iter().map(|s| s.as_str().to_owned()).collect(),
        label: label.to_owned(),
        created_at: chrono::Utc::now().to_rfc3339(),
        revoked_at: None,
    };
    store.insert_api_key(&record).await?;
    store
        .append_audit(&AuditChange {
            tenant_id,
            actor,
            action: "create",
            object_kind: "api_key",
            object_id: &issued.id,
            before: None,
            after: Some(
                serde_json::json!({ "id": issued.id, "scopes": record.scopes, "label": label }),
            ),
        })
        .await?;
    Ok((record, issued.text))
}

/// Creates a tenant and its first key (every scope); the CLI prints the key once.
pub async fn create_tenant(
    store: &Store,
    kind: TenantKind,
    name: &str,
    id: Option<&str>,
) -> Result<(Tenant, String), ApiError> {
    create_tenant_by(store, kind, name, id, "cli").await
}

/// The name and id a new tenant or operator gets: `id` if given (validated), else one made
/// from the name; refused if any tenant or operator has it.
async fn new_account_id(store: &Store, name: &str, id: Option<&str>) -> Result<String, ApiError> {
    if name.is_empty() {
        return Err(ApiError::invalid("name", "must not be empty"));
    }
    if name.len() > 200 {
        return Err(ApiError::invalid("name", "must be at most 200 characters"));
    }
    let id = match id {
        Some(id) => {
            crate::validate::ident("id", id)?;
            id.to_owned()
        }
        None => format!("{}-{}", slug(name), takedown_tokens::random_hex(3)),
    };
    if store.account_id_taken(&id).await? {
        return Err(ApiError::Conflict("a tenant with this id exists"));
    }
    Ok(id)
}

/// Creates an operator and its first key (every scope). Only the CLI does this: an
/// operator's key cannot mint more operators.
pub async fn create_operator(
    store: &Store,
    name: &str,
    id: Option<&str>,
) -> Result<(Operator, String), ApiError> {
    let name = name.trim();
    let id = new_account_id(store, name, id).await?;
    let operator = Operator {
        id: id.clone(),
        name: name.to_owned(),
    };
    if !store.insert_operator(&operator).await? {
        // Taken between the check and the insert.
        return Err(ApiError::Conflict("a tenant with this id exists"));
    }
    store
        .append_audit(&AuditChange {
            tenant_id: &id,
            actor: "cli",
            action: "create",
            object_kind: "operator",
            object_id: &id,
            before: None,
            after: Some(serde_json::to_value(&operator).unwrap_or_default()),
        })
        .await?;
    let (_, key) = issue_key(store, &id, Scope::ALL, "first key", "cli").await?;
    Ok((operator, key))
}

/// Creates a tenant and its first key (every scope), recording `actor` (an operator's key
/// id, or "cli") in the new tenant's audit log.
pub async fn create_tenant_by(
    store: &Store,
    kind: TenantKind,
    name: &str,
    id: Option<&str>,
    actor: &str,
) -> Result<(Tenant, String), ApiError> {
    let name = name.trim();
    let id = new_account_id(store, name, id).await?;
    let tenant = Tenant {
        id: id.clone(),
        kind,
        name: name.to_owned(),
        contact_email: None,
    };
    store.upsert_tenant(&tenant).await?;
    store
        .append_audit(&AuditChange {
            tenant_id: &id,
            actor,
            action: "create",
            object_kind: "tenant",
            object_id: &id,
            before: None,
            after: Some(serde_json::to_value(&tenant).unwrap_or_default()),
        })
        .await?;
    let (_, key) = issue_key(store, &id, Scope::ALL, "first key", actor).await?;
    Ok((tenant, key))
}

fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-');
    if s.is_empty() {
        "tenant".to_owned()
    } else {
        s.chars().take(40).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_verify_only_with_the_right_secret() {
        let secret = "ab".repeat(32);
        let text = format!("tdk_0123456789abcdef_{secret}");
        let key = parse_key(&text).expect("parses");
        assert_eq!(key.id, "0123456789abcdef");
        let stored = hash_secret(&secret);
        assert!(secret_matches(key.secret, &stored));
        assert!(!secret_matches(&"cd".repeat(32), &stored));
        assert_eq!(parse_key("tdk_short_abc"), None);
        assert_eq!(parse_key(&format!("xyz_0123456789abcdef_{secret}")), None);
    }
}
