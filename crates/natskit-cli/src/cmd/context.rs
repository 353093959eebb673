//! `natskit context`: named connection settings (being built).

use clap::Args;

use crate::error::CliError;

/// Arguments of `natskit context`.
#[derive(Debug, Args)]
pub struct ContextArgs {}

/// Runs the context action.
pub async fn run(_args: ContextArgs) -> Result<(), CliError> {
    Err(CliError::msg("natskit context is not built yet"))
}
