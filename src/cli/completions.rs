//! `takedown completions SHELL`: the shell's completion script for every command and flag,
//! generated from the same clap definitions the binary parses with.

use std::process::ExitCode;

use clap::CommandFactory;

use super::Cli;

/// `takedown completions`'s arguments.
#[derive(clap::Args)]
pub struct CompletionsArgs {
    /// The shell to write the completion script for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Writes the completion script to stdout, e.g.
/// `takedown completions bash > /etc/bash_completion.d/takedown`.
pub fn run(args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut command = Cli::command();
    let name = command.get_name().to_owned();
    clap_complete::generate(args.shell, &mut command, name, &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}
