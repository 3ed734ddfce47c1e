//! `takedown tenants create|list|revoke-key`: the operator's access management.

use std::process::ExitCode;

use takedown_model::TenantKind;
use takedown_store::Store;

use super::DataArgs;

/// `takedown tenants`'s subcommands.
#[derive(clap::Subcommand)]
pub enum TenantsCommand {
    /// Create a tenant and print its first API key (shown only this once).
    Create {
        /// What the tenant is.
        #[arg(long, value_enum)]
        kind: TenantKindArg,
        /// The tenant's display name.
        #[arg(long)]
        name: String,
        /// The tenant id (default: made from the name); a platform's id is the platform
        /// name its notices carry.
        #[arg(long)]
        id: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List tenants and their keys (never the keys themselves).
    List {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Issue a new API key (every scope) for a tenant that exists: one registered from an
    /// owner file, or one whose keys were all revoked. The key is shown only this once.
    IssueKey {
        /// The tenant id.
        #[arg(long)]
        tenant: String,
        /// A label for the key, shown by `takedown tenants list`'s audit trail.
        #[arg(long, default_value = "issued by the operator")]
        label: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Revoke one key of a tenant; it stops working at once.
    RevokeKey {
        /// The tenant id whose key is revoked.
        #[arg(long)]
        tenant: String,
        /// The key's id (as `takedown tenants list` shows it; not the key itself).
        key_id: String,
        #[command(flatten)]
        data: DataArgs,
    },
}

/// Runs a `tenants` subcommand.
pub async fn run(command: TenantsCommand) -> anyhow::Result<ExitCode> {
    match command {
        TenantsCommand::Create {
            kind,
            name,
            id,
            data,
        } => create(kind, &name, id.as_deref(), &data).await?,
        TenantsCommand::List { data } => list(&data.storage().await?.store).await?,
        TenantsCommand::IssueKey {
            tenant,
            label,
            data,
        } => issue_key(&data.storage().await?.store, &tenant, &label).await?,
        TenantsCommand::RevokeKey {
            tenant,
            key_id,
            data,
        } => revoke_key(&data.storage().await?.store, &tenant, &key_id).await?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `tenants create --kind`: the tenant kinds, as the API spells them, and the operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TenantKindArg {
    /// A brand owner: registers rights, reviews matches, files notices.
    #[value(name = "brand_owner")]
    BrandOwner,
    /// A platform: receives notices; its id is the platform name its notices carry.
    Platform,
    /// A trade fair's organizer: receives notices about exhibitors.
    #[value(name = "fair_organizer")]
    FairOrganizer,
    /// An operator: manages tenants and keys, reads every tenant's audit log, never a
    /// tenant's data.
    Operator,
}

impl TenantKindArg {
    /// The tenant kind, or `None` for an operator (who is not a tenant).
    fn tenant_kind(self) -> Option<TenantKind> {
        match self {
            TenantKindArg::BrandOwner => Some(TenantKind::BrandOwner),
            TenantKindArg::Platform => Some(TenantKind::Platform),
            TenantKindArg::FairOrganizer => Some(TenantKind::FairOrganizer),
            TenantKindArg::Operator => None,
        }
    }

    /// The name `--kind` takes, for the confirmation line.
    fn name(self) -> &'static str {
        match self {
            TenantKindArg::BrandOwner => "brand_owner",
            TenantKindArg::Platform => "platform",
            TenantKindArg::FairOrganizer => "fair_organizer",
            TenantKindArg::Operator => "operator",
        }
    }
}

async fn create(
    kind: TenantKindArg,
    name: &str,
    id: Option<&str>,
    data: &DataArgs,
) -> anyhow::Result<()> {
    let tenant_kind = kind.tenant_kind();
    let store = data.storage().await?.store;
    let (created, key) = match tenant_kind {
        Some(tenant_kind) => {
            let created = takedown_api::keys::create_tenant(&store, tenant_kind, name, id).await;
            if let (Err(takedown_api::error::ApiError::Conflict(_)), Some(id)) = (&created, id) {
                anyhow::bail!(
                    "tenant {id:?} exists; `takedown tenants issue-key --tenant {id}` gives it a new key"
                );
            }
            let (tenant, key) = created?;
            (tenant.id, key)
        }
        None => {
            let (operator, key) = takedown_api::keys::create_operator(&store, name, id).await?;
            (operator.id, key)
        }
    };
    eprintln!(
        "created {} {created}; its API key follows (shown only once):",
        kind.name()
    );
    println!("{key}");
    Ok(())
}

async fn issue_key(store: &Store, tenant: &str, label: &str) -> anyhow::Result<()> {
    // A tenant or operator holds the id (the same check that refuses a second `create`).
    if !store.account_id_taken(tenant).await? {
        anyhow::bail!(
            "no tenant {tenant:?} (see `takedown tenants list`; `takedown tenants create` makes one)"
        );
    }
    let (record, key) = takedown_api::keys::issue_key(
        store,
        tenant,
        takedown_api::scopes::Scope::ALL,
        label,
        "cli",
    )
    .await?;
    eprintln!(
        "issued key {} for {tenant}; it follows (shown only once):",
        record.id
    );
    println!("{key}");
    Ok(())
}

async fn list(store: &Store) -> anyhow::Result<()> {
    for tenant in store.tenants().await? {
        let keys = store.api_keys_of(&tenant.id).await?;
        let live = keys.iter().filter(|k| k.revoked_at.is_none()).count();
        println!(
            "{}\t{:?}\t{}\t{live} live keys of {}",
            tenant.id,
            tenant.kind,
            tenant.name,
            keys.len()
        );
    }
    for operator in store.operators().await? {
        let keys = store.api_keys_of(&operator.id).await?;
        let live = keys.iter().filter(|k| k.revoked_at.is_none()).count();
        println!(
            "{}\tOperator\t{}\t{live} live keys of {}",
            operator.id,
            operator.name,
            keys.len()
        );
    }
    Ok(())
}

async fn revoke_key(store: &Store, tenant: &str, key_id: &str) -> anyhow::Result<()> {
    if !store.revoke_api_key(tenant, key_id).await? {
        anyhow::bail!("tenant {tenant:?} has no live key {key_id:?}");
    }
    store
        .append_audit(&takedown_store::access::AuditChange {
            tenant_id: tenant,
            actor: "cli",
            action: "revoke",
            object_kind: "api_key",
            object_id: key_id,
            before: Some(serde_json::json!({ "revoked": false })),
            after: Some(serde_json::json!({ "revoked": true })),
        })
        .await?;
    println!("revoked key {key_id} of {tenant}");
    Ok(())
}
