//! `takedown listings|matches|notices`: what the store holds, for people and scripts; and
//! the notifier's dead letters, listed and requeued.

use std::process::ExitCode;

use super::{DataArgs, print_json_lines};

/// `takedown notices`: every notice, or a subcommand on the dead letters.
#[derive(clap::Args)]
pub struct NoticesArgs {
    #[command(subcommand)]
    command: Option<NoticesCommand>,
    #[command(flatten)]
    data: DataArgs,
}

/// `takedown notices`'s subcommands.
#[derive(clap::Subcommand)]
pub enum NoticesCommand {
    /// Deliveries that will not be retried (refused by the platform, out of attempts, or
    /// their endpoint gone), with the reason.
    DeadLetters {
        /// One JSON object per line: notice_id, platform, attempts, reason.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Put dead-lettered deliveries back in the outbox, due now, attempts reset; the next
    /// `takedown run` delivers them (same notice id, so the platform will not act twice).
    Requeue {
        /// Notice ids to requeue.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        ids: Vec<String>,
        /// Requeue every dead letter.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        data: DataArgs,
    },
}

/// `takedown listings`'s arguments.
#[derive(clap::Args)]
pub struct ListingsArgs {
    /// Only this source's listings.
    #[arg(long)]
    source: Option<String>,
    /// One JSON object per line: URL, title, seller, price, images with digests, capture id.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    data: DataArgs,
}

/// `takedown matches`: every match with its decision, JSON lines.
pub async fn matches(data: DataArgs) -> anyhow::Result<ExitCode> {
    let storage = data.existing_storage().await?;
    let matches = storage.store.matches().await?;
    print_json_lines(
        matches
            .iter()
            .map(|m| serde_json::json!({ "match": m.found, "decision": m.decision })),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `takedown notices [dead-letters|requeue]`.
pub async fn notices(args: NoticesArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        Some(NoticesCommand::DeadLetters { json, data }) => dead_letters(json, &data).await?,
        Some(NoticesCommand::Requeue { ids, all, data }) => requeue(ids, all, &data).await?,
        None => {
            let storage = args.data.existing_storage().await?;
            let notices = storage.store.notices().await?;
            print_json_lines(notices.iter().map(|n| {
                serde_json::json!({ "notice": n.notice, "status": n.status, "case_id": n.case_id })
            }))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn dead_letters(json: bool, data: &DataArgs) -> anyhow::Result<()> {
    let storage = data.existing_storage().await?;
    let dead = storage.store.dead_letters().await?;
    if json {
        print_json_lines(dead.iter().map(|d| {
            serde_json::json!({
                "notice_id": d.notice_id,
                "platform": d.platform,
                "attempts": d.attempts,
                "reason": d.reason,
            })
        }))?;
    } else {
        for d in &dead {
            println!(
                "{}\t{}\t{} attempts\t{}",
                d.notice_id, d.platform, d.attempts, d.reason
            );
        }
        eprintln!("{} dead letters", dead.len());
    }
    Ok(())
}

async fn requeue(ids: Vec<String>, all: bool, data: &DataArgs) -> anyhow::Result<()> {
    let storage = data.existing_storage().await?;
    let ids = if all {
        storage
            .store
            .dead_letters()
            .await?
            .into_iter()
            .map(|d| d.notice_id)
            .collect()
    } else {
        ids
    };
    let mut missing = Vec::new();
    for id in &ids {
        if storage.store.requeue(id).await? {
            println!("requeued {id}");
        } else {
            missing.push(id.as_str());
        }
    }
    eprintln!("{} requeued", ids.len() - missing.len());
    if !missing.is_empty() {
        anyhow::bail!("not dead letters: {}", missing.join(", "));
    }
    Ok(())
}

/// `takedown listings`: a table, or JSON lines with `--json`.
pub async fn listings(args: ListingsArgs) -> anyhow::Result<ExitCode> {
    let storage = args.data.existing_storage().await?;
    let listings = storage.store.listings(args.source.as_deref()).await?;
    if args.json {
        print_json_lines(listings)?;
        return Ok(ExitCode::SUCCESS);
    }
    for l in &listings {
        let price = match (&l.price, &l.currency) {
            (Some(p), Some(c)) => format!("{p} {c}"),
            (Some(p), None) => p.clone(),
            _ => "-".to_owned(),
        };
        println!(
            "{}\t{}\t{}\t{}\t{} images",
            l.url,
            l.title,
            l.seller,
            price,
            l.images.len()
        );
    }
    eprintln!("{} listings", listings.len());
    Ok(ExitCode::SUCCESS)
}
