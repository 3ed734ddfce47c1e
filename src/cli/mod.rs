//! The `takedown` command line: one module per command group, each with its clap arguments
//! and a `run` that returns the process's exit code. `main` parses, sets up logging once
//! ([`init_logging`] in `--log-format` at [`Command::default_log_level`]) and calls
//! [`Command::run`].

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod calendar;
pub mod completions;
pub mod crawl;
mod data;
pub mod demo;
pub mod eval;
pub mod evidence;
pub mod inspect;
pub mod operators;
pub mod report;
pub mod rights;
pub mod run;
pub mod serve;
pub mod tenants;

pub use data::DataArgs;

/// The whole command line.
#[derive(Parser)]
#[command(
    name = "takedown",
    version,
    about = "Finds counterfeit and infringing listings and gets them taken down, with evidence.",
    after_help = EXIT_CODES_HELP
)]
pub struct Cli {
    /// How log lines on stderr are written: `text` for people, `json` (one object a line)
    /// for a log collector.
    #[arg(
        long,
        global = true,
        value_enum,
        env = "TAKEDOWN_LOG_FORMAT",
        default_value_t = LogFormat::Text
    )]
    pub log_format: LogFormat,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The format of the log lines on stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines; coloured only on a terminal and when `NO_COLOR` is unset.
    Text,
    /// One JSON object per line (timestamp, level, target, fields, spans), never coloured.
    Json,
}

/// Every `takedown` command, by group.
#[derive(Subcommand)]
pub enum Command {
    /// Crawl the bundled sample marketplace and fair catalog, match, file notices to the
    /// built-in platform handler, and show the result.
    Demo(demo::DemoArgs),
    /// Run every stage in this process from a TOML config.
    Run(run::RunArgs),
    /// Register rights.
    #[command(subcommand)]
    Rights(rights::RightsCommand),
    /// Print matches as JSON lines.
    Matches(DataArgs),
    /// Print notices (with their status and case id) as JSON lines; or manage the
    /// deliveries that were dead-lettered.
    #[command(args_conflicts_with_subcommands = true)]
    Notices(inspect::NoticesArgs),
    /// Show crawled listings (a table, or JSON lines with --json).
    Listings(inspect::ListingsArgs),
    /// Crawl one source straight from the command line, no config file needed; the listings
    /// are stored and published for the other stages.
    Crawl(crawl::CrawlArgs),
    /// Inspect and verify the evidence of a capture.
    #[command(subcommand)]
    Evidence(evidence::EvidenceCommand),
    /// Match a folder of photos or a spreadsheet of titles against rights, CSV out.
    #[command(subcommand)]
    Eval(eval::EvalCommand),
    /// Serve one component.
    #[command(subcommand)]
    Serve(serve::ServeCommand),
    /// Manage API tenants and their keys (operator).
    #[command(subcommand)]
    Tenants(tenants::TenantsCommand),
    /// The platform desk's holiday tables: import a year, list the years loaded.
    #[command(subcommand)]
    Calendar(calendar::CalendarCommand),
    /// The platform desk's operators and their tokens.
    #[command(subcommand)]
    Operators(operators::OperatorsCommand),
    /// Reports over the owner's notices: `report sla`, time from capture to measures per
    /// platform and regime.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Print the shell completion script (bash, elvish, fish, powershell, zsh) to stdout.
    Completions(completions::CompletionsArgs),
}

impl Command {
    /// The log filter when `RUST_LOG` is unset: `info` for the long-running commands (the
    /// pipeline, a crawl, a server), `warn` for the one-shot ones, whose output is the point.
    pub fn default_log_level(&self) -> &'static str {
        match self {
            Command::Run(_) | Command::Crawl(_) | Command::Serve(_) => "info",
            _ => "warn",
        }
    }

    /// Runs the command; the exit code says how it went (an `Err` exits 1 with its chain).
    pub async fn run(self) -> anyhow::Result<ExitCode> {
        match self {
            Command::Demo(args) => demo::run(args).await,
            Command::Run(args) => run::run(args).await,
            Command::Rights(command) => rights::run(command).await,
            Command::Matches(data) => inspect::matches(data).await,
            Command::Notices(args) => inspect::notices(args).await,
            Command::Listings(args) => inspect::listings(args).await,
            Command::Crawl(args) => crawl::run(args).await,
            Command::Evidence(command) => evidence::run(command).await,
            Command::Eval(command) => eval::run(command),
            Command::Serve(command) => serve::run(command).await,
            Command::Tenants(command) => tenants::run(command).await,
            Command::Calendar(command) => calendar::run(command).await,
            Command::Operators(command) => operators::run(command).await,
            Command::Report(command) => report::run(command).await,
            Command::Completions(args) => completions::run(args),
        }
    }
}

/// Sets up `tracing` to stderr in `format`, filtered by `RUST_LOG` or else `default`.
/// Called once, by `main`.
pub fn init_logging(format: LogFormat, default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.with_ansi(colour_on_stderr()).init(),
        LogFormat::Json => builder.json().with_ansi(false).init(),
    }
}

/// Colour only for a person at a terminal: stderr is a terminal and `NO_COLOR`
/// (<https://no-color.org>: set and not empty) is not set.
fn colour_on_stderr() -> bool {
    use std::io::IsTerminal;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    !no_color && std::io::stderr().is_terminal()
}

/// Writes one JSON object per line to stdout.
fn print_json_lines<T: serde::Serialize>(items: impl IntoIterator<Item = T>) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for item in items {
        serde_json::to_writer(&mut out, &item)?;
        writeln!(out)?;
    }
    Ok(())
}

/// The process's exit codes, one meaning each; listed in `takedown --help` ([`EXIT_CODES_HELP`])
/// and the README. Scripts depend on them: extend, never renumber.
pub mod exit_codes {
    /// 1: the command failed (the error and its causes are on stderr).
    pub const FAILED: u8 = 1;
    /// 2: the command line was wrong (clap's usage error, the Unix convention).
    pub const USAGE: u8 = 2;
    /// 3: `evidence show|prove|verify-consistency`: the evidence does not verify.
    pub const NOT_VERIFIED: u8 = 3;
    /// 4: `rights import|bulk`: the command did its work but refused some rows (until
    /// 2026-12 this was 2, which a usage error also is).
    pub const ROWS_REFUSED: u8 = 4;
    /// 5: `crawl`: every fetch failed; nothing was crawled.
    pub const NOTHING_FETCHED: u8 = 5;
    /// 6: `evidence verify-consistency`: the log does not extend the older checkpoint (a
    /// fork, or leaves rewritten or removed).
    pub const FORKED: u8 = 6;
    /// 7: `evidence verify`: a file in the bundle is not what its leaf states (tampered).
    pub const TAMPERED: u8 = 7;
    /// 8: `evidence verify`: a leaf does not prove into the checkpoint (or the checkpoint
    /// does not extend an older one the notice cites).
    pub const BAD_PROOF: u8 = 8;
    /// 9: `evidence verify`: the checkpoint's signature does not verify with the log's key.
    pub const BAD_SIGNATURE: u8 = 9;
    /// 10: `evidence verify`: the timestamp does not verify; `evidence checkpoint`: the
    /// checkpoint is signed but the TSA gave no timestamp that verifies.
    pub const BAD_TIMESTAMP: u8 = 10;
}

/// The exit codes as `takedown --help` lists them.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  the command failed (the error is on stderr)
  2  usage error (a wrong or missing argument)
  3  evidence show|prove: the evidence does not verify
  4  rights import|bulk: some rows were refused (the rest were registered)
  5  crawl: every fetch failed
  6  evidence verify-consistency: the log does not extend the checkpoint (a fork)
  7  evidence verify: a file in the bundle was changed (it is not what its leaf states)
  8  evidence verify: a leaf does not prove into the checkpoint
  9  evidence verify: the checkpoint's signature does not verify
 10  evidence verify: the timestamp does not verify; evidence checkpoint: no timestamp";

use exit_codes::ROWS_REFUSED;

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// Every argument of every command, with its command path, that has no help text.
    fn arguments_without_help(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in command.get_arguments() {
            let builtin = matches!(arg.get_id().as_str(), "help" | "version");
            if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("{path} {}", arg.get_id()));
            }
        }
        for sub in command.get_subcommands() {
            arguments_without_help(sub, &format!("{path} {}", sub.get_name()), missing);
        }
    }

    #[test]
    fn every_argument_has_help_text() {
        let mut missing = Vec::new();
        arguments_without_help(&Cli::command(), "takedown", &mut missing);
        assert!(missing.is_empty(), "arguments without help: {missing:#?}");
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
