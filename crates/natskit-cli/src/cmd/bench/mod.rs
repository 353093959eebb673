//! `natskit bench`: throughput and latency of publish, subscribe and request (being built).

use clap::Args;

use crate::connect::ConnectArgs;
use crate::error::CliError;

/// Arguments of `natskit bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Runs the benchmark.
pub async fn run(_args: BenchArgs) -> Result<(), CliError> {
    Err(CliError::msg("natskit bench is not built yet"))
}
