//! The flags `kv add` and `obj add` share: how long things are kept, the bucket's size, storage,
//! replicas, compression and description.

use std::time::Duration;

use clap::Args;

use crate::duration::parse_pause;
use crate::error::CliError;
use crate::js::parse::{self, Storage};

/// What a new bucket (key-value or object store) is like.
#[derive(Debug, Args)]
pub struct BucketFlags {
    /// How long an entry is kept (30s, 24h); 0 for ever [default: 0]
    #[arg(long, value_name = "DURATION", value_parser = parse_pause)]
    pub ttl: Option<Duration>,

    /// Most bytes the bucket holds, everything in it together (512MiB, 1GB); -1 for no limit
    /// [default: -1]
    #[arg(long, value_name = "SIZE", allow_negative_numbers = true, value_parser = parse::size_limit)]
    pub max_bucket_size: Option<i64>,

    /// Where the bucket is kept.
    #[arg(long, value_enum, default_value = "file")]
    pub storage: Storage,

    /// Copies kept in a cluster.
    #[arg(long, value_name = "N", default_value = "1", value_parser = parse::at_least_one)]
    replicas: u64,

    /// Compress what is stored (S2).
    #[arg(long)]
    pub compress: bool,

    /// What the bucket is for.
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,
}

impl BucketFlags {
    /// `--replicas` as a count.
    pub fn replicas(&self) -> Result<usize, CliError> {
        usize::try_from(self.replicas)
            .map_err(|_| CliError::msg(format!("--replicas {} is too many", self.replicas)))
    }

    /// `--description`, empty when not given.
    pub fn description(&self) -> String {
        self.description.clone().unwrap_or_default()
    }

    /// `--ttl`, zero (for ever) when not given.
    pub fn ttl(&self) -> Duration {
        self.ttl.unwrap_or_default()
    }

    /// `--max-bucket-size`, -1 (no limit) when not given.
    pub fn max_bytes(&self) -> i64 {
        self.max_bucket_size.unwrap_or(-1)
    }
}
