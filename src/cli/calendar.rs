//! `takedown calendar import|list`: the holiday tables the platform desk counts statutory
//! windows in. Tables are data files naming their source (`services/platform/calendars/`);
//! an imported year reaches a running `serve platform` at its next tick.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;
use takedown_platform::calendar::CalendarFile;

/// The most a calendar file may hold; a year's table is about 1 KiB.
const MAX_CALENDAR_BYTES: u64 = 256 * 1024;

/// `takedown calendar`'s subcommands.
#[derive(clap::Subcommand)]
pub enum CalendarCommand {
    /// Add (or replace) a year's holiday table in the desk's case database.
    Import {
        /// A calendar file (TOML: region, year, source, holidays, workdays), as in
        /// services/platform/calendars/cn-2026.toml.
        file: PathBuf,
        #[command(flatten)]
        db: super::operators::CaseDatabaseArgs,
    },
    /// The years the desk can count deadlines in, with each table's source.
    List {
        #[command(flatten)]
        db: super::operators::CaseDatabaseArgs,
    },
}

/// Runs a calendar subcommand.
pub async fn run(command: CalendarCommand) -> anyhow::Result<ExitCode> {
    match command {
        CalendarCommand::Import { file, db } => {
            let calendar = read(&file)?;
            let cases = db.open().await?;
            cases.import_calendar(&calendar).await?;
            println!(
                "imported {} {} ({} holiday ranges, {} make-up working days) from {}",
                calendar.region,
                calendar.year,
                calendar.holidays.len(),
                calendar.workdays.len(),
                calendar.source
            );
        }
        CalendarCommand::List { db } => {
            let cases = db.open().await?;
            let cn = cases
                .cn_calendar(&takedown_platform::calendar::CnCalendar::official())
                .await?;
            for (year, source) in cn.years() {
                println!("CN {year}\t{source}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads and checks a calendar file; the error names the file and the fault.
pub fn read(file: &std::path::Path) -> anyhow::Result<CalendarFile> {
    let text = takedown_fsread::read_to_string(file, MAX_CALENDAR_BYTES)
        .with_context(|| format!("reading {}", file.display()))?;
    CalendarFile::parse(&text).with_context(|| format!("calendar file {}", file.display()))
}
