//! `natskit req <subject> [body]`: send a request and print the answer.

use std::io::Write;
use std::time::Duration;

use clap::Args;
use natskit::Request;

use crate::connect::ConnectArgs;
use crate::error::CliError;
use crate::headers::parse_headers;
use crate::output::{write_headers, write_payload};

/// Arguments of `natskit req`.
#[derive(Debug, Args)]
pub struct ReqArgs {
    /// Subject to send the request to.
    pub subject: String,

    /// Request body (empty when absent).
    #[arg(default_value = "")]
    pub body: String,

    /// Header as KEY:VALUE; repeat for more.
    #[arg(short = 'H', long = "header", value_name = "KEY:VALUE")]
    pub headers: Vec<String>,

    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Sends the request; prints the answer's headers (if any, then a blank line) and payload.
pub async fn run(args: ReqArgs) -> Result<(), CliError> {
    let headers = parse_headers(&args.headers)?;
    let client = args.connect.connect().await?;
    let mut request =
        Request::new(args.body).timeout(args.connect.timeout_or(Duration::from_secs(5)));
    if let Some(headers) = headers {
        request = request.headers(headers);
    }
    let answer = client.send_request(&args.subject, request).await?;
    let mut stdout = std::io::stdout().lock();
    let written = (|| {
        if write_headers(&mut stdout, &answer)? {
            writeln!(stdout)?;
        }
        write_payload(&mut stdout, &answer)
    })();
    written.map_err(|e| CliError::io("writing to standard output", e))?;
    client.close().await?;
    Ok(())
}
