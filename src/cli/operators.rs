//! `takedown operators add|list|revoke`: the platform desk's operators, each with their own
//! bearer token (shown once, stored hashed), named in the audit trail of every action.

use std::process::ExitCode;

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
        #[command(flatten)]
        db: CaseDatabaseArgs,
    },
    /// The operators, with when each token was made and revoked.
    List {
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: CaseDatabaseArgs,
    },
    /// Revoke an operator's token at once (by the id `list` shows).
    Revoke {
        /// The token's id.
        id: String,
        #[command(flatten)]
        db: CaseDatabaseArgs,
    },
}

/// Runs an operators subcommand.
pub async fn run(command: OperatorsCommand) -> anyhow::Result<ExitCode> {
    match command {
        OperatorsCommand::Add { name, db } => {
            let (operator, token) = db.open().await?.add_operator(&name).await?;
            println!("operator {} ({})", operator.name, operator.id);
            println!("token (shown once): {token}");
        }
        OperatorsCommand::List { json, db } => {
            let operators = db.open().await?.operators().await?;
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
            if !db.open().await?.revoke_operator(&id).await? {
                anyhow::bail!("no operator token {id} in {}", db.shown()?);
            }
            println!("revoked {id}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Which case database a desk command works on: `serve platform`'s `--db` or `--db-url-env`.
#[derive(clap::Args)]
pub struct CaseDatabaseArgs {
    /// The desk's case database: a SQLite file, or a PostgreSQL URL (`postgres://…`, a
    /// database of the desk's own, which several desks may share). A URL with a password
    /// belongs in the environment: see --db-url-env.
    #[arg(long, default_value = "platform.db", conflicts_with = "db_url_env")]
    pub db: String,
    /// Environment variable holding the case database's address (as --db takes it), e.g.
    /// TAKEDOWN_PLATFORM_DB=postgres://desk:…@db:5432/desk: keeps the password off the
    /// command line.
    #[arg(long, value_name = "VAR")]
    pub db_url_env: Option<String>,
}

impl CaseDatabaseArgs {
    /// The address given, from the flag or the named environment variable.
    pub fn address(&self) -> anyhow::Result<String> {
        match &self.db_url_env {
            Some(var) => std::env::var(var)
                .with_context(|| format!("environment variable {var} (--db-url-env) is not set")),
            None => Ok(self.db.clone()),
        }
    }

    /// The address as it may be printed: a URL's user and password left out.
    pub fn shown(&self) -> anyhow::Result<String> {
        Ok(redact(&self.address()?))
    }

    /// Opens (and migrates) the case database.
    pub async fn open(&self) -> anyhow::Result<CaseStore> {
        let address = self.address()?;
        CaseStore::connect(&address)
            .await
            .with_context(|| format!("opening the case database {}", redact(&address)))
    }
}

/// `address` without a URL's credentials (`postgres://desk:secret@db/desk` →
/// `postgres://…@db/desk`); a file path as it is.
fn redact(address: &str) -> String {
    let Some((scheme, rest)) = address.split_once("://") else {
        return address.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://…@{}", &rest[at + 1..]),
        None => address.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn a_printed_database_address_carries_no_password() {
        assert_eq!(
            redact("postgres://desk:s3cret@db:5432/desk?sslmode=require"),
            "postgres://…@db:5432/desk?sslmode=require"
        );
        assert_eq!(redact("postgres://db/desk"), "postgres://db/desk");
        assert_eq!(redact("platform.db"), "platform.db");
    }
}
