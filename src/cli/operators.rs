//! `takedown operators add|list|revoke`: the platform desk's operators, each with their own
//! bearer token (shown once, stored hashed), named in the audit trail of every action.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;
use takedown_platform::CaseStore;

/// `takedown operators`'s subcommands.
#[derive(clap::Subcommand)]
pub enum OperatorsCommand {
    /// Add an operator; prints their token once (it is stored only as a hash).
    Add {
        /// The operator's name, as the audit trail will show it.
        #[arg(long)]
        name: String,
        /// The desk's case database (`serve platform --db`).
        #[arg(long, default_value = "platform.db")]
        db: PathBuf,
    },
    /// The operators, with when each token was made and revoked.
    List {
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
        /// The desk's case database (`serve platform --db`).
        #[arg(long, default_value = "platform.db")]
        db: PathBuf,
    },
    /// Revoke an operator's token at once (by the id `list` shows).
    Revoke {
        /// The token's id.
        id: String,
        /// The desk's case database (`serve platform --db`).
        #[arg(long, default_value = "platform.db")]
        db: PathBuf,
    },
}

/// Runs an operators subcommand.
pub async fn run(command: OperatorsCommand) -> anyhow::Result<ExitCode> {
    match command {
        OperatorsCommand::Add { name, db } => {
            let (operator, token) = open(&db).await?.add_operator(&name).await?;
            println!("operator {} ({})", operator.name, operator.id);
            println!("token (shown once): {token}");
        }
        OperatorsCommand::List { json, db } => {
            let operators = open(&db).await?.operators().await?;
            if json {
                super::print_json_lines(&operators)?;
            } else {
                for o in operators {
                    let status = o
                        .revoked_at
                        .as_deref()
                        .map_or("active".to_owned(), |at| format!("revoked {at}"));
                    println!("{}\t{}\t{}\t{status}", o.id, o.name, o.created_at);
                }
            }
        }
        OperatorsCommand::Revoke { id, db } => {
            if !open(&db).await?.revoke_operator(&id).await? {
                anyhow::bail!("no operator token {id} in {}", db.display());
            }
            println!("revoked {id}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn open(db: &std::path::Path) -> anyhow::Result<CaseStore> {
    CaseStore::open(db)
        .await
        .with_context(|| format!("opening the case database {}", db.display()))
}
