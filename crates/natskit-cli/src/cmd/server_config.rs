//! `natskit server -c FILE`: the broker's options from a nats-server configuration file,
//! with the flags given on the command line overriding the file's settings, as nats-server
//! lets its flags override its file.

use natskit_server::{Auth, Server, ServerBuilder};

use super::server::ServerArgs;
use crate::error::CliError;

/// The builder `run` starts from: the file's settings (if `--config`) or the defaults, with
/// the address, port, payload and lame-duck flags applied when they were given. Auth flags
/// (`--user`, `--token`, `--nkey`) replace the file's `authorization`; `run` adds them.
pub(crate) fn base(args: &ServerArgs) -> Result<ServerBuilder, CliError> {
    let mut builder = match &args.config {
        Some(path) => {
            let (builder, warnings) = natskit_server::config::load(path)
                .map_err(|e| CliError::msg(format!("configuration: {e}")))?;
            for warning in warnings {
                note!("warning: {warning}");
            }
            builder
        }
        None => Server::builder(),
    };
    if args.user.is_some() || args.token.is_some() || !args.nkeys.is_empty() {
        builder = builder.auth(Auth::None);
    }
    if let Some(host) = &args.host {
        builder = builder.host(host);
    }
    if let Some(port) = args.port {
        builder = builder.port(port);
    }
    if let Some(bytes) = args.max_payload {
        builder = builder.max_payload(bytes);
    }
    if let Some(grace) = args.lame_duck_grace {
        builder = builder.lame_duck_grace(grace);
    }
    Ok(builder)
}
