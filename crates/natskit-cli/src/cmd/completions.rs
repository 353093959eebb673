//! `natskit completions`: shell completion scripts (being built).

use clap::Args;

use crate::error::CliError;

/// Arguments of `natskit completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {}

/// Prints the script.
pub fn run(_args: CompletionsArgs) -> Result<(), CliError> {
    Err(CliError::msg("natskit completions is not built yet"))
}
