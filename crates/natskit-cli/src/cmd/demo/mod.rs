//! `natskit demo`: the seed's story in one command. Four responders in a queue group share 100
//! requests (about 25 each) through the embedded broker, shown live; then a fifth joins and one
//! leaves mid-run, and the split follows without any configuration.
//!
//! With `--device`, the talk's other half instead: a virtual Sense HAT scrolls a text it is sent.
//!
//! - `broker`: the embedded broker in this process, or the server `--server` names.
//! - `device`: the LED matrix and its sender (`--device`).
//! - `web`: the LED matrix on a web page (`--device --web`).
//! - `responder`: one member of the queue group.
//! - `scenario`: the run itself, with no display (tested on its own).
//! - `display`: the live bars and the report.

mod broker;
mod device;
mod display;
mod responder;
mod scenario;
mod web;

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::connect::ConnectArgs;
use crate::duration::parse_pause;
use crate::error::CliError;
use broker::Broker;
use scenario::Plan;

/// The help's examples.
const EXAMPLES: &str = "\
Examples:
  natskit demo                                     # on the embedded broker: nothing to install
  natskit demo --responders 8 --requests 400 --pace 5ms
  natskit demo --server nats://127.0.0.1:4222      # through a running server (or --context NAME)
  natskit demo --device --text 'Hi!' --png hi.png  # the LED matrix; also save a picture
  natskit demo --device --web --port 8080          # the LED matrix on a web page

A selected context does not move the demo off its embedded broker; --server, NATS_URL or
--context do.";

/// Arguments of `natskit demo`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct DemoArgs {
    /// Responders in the queue group at the start.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub responders: u16,

    /// Requests they share.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub requests: u64,

    /// Requests sent after a responder joins, and again after one leaves.
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub change_requests: u64,

    /// Pause between requests, so the split can be watched as it forms (`0ms` for none).
    #[arg(long, value_name = "DURATION", default_value = "15ms", value_parser = parse_pause)]
    pub pace: Duration,

    /// Show the LED-matrix device instead: a virtual Sense HAT scrolls --text, sent to it on
    /// `senseshow` by another connection.
    #[arg(long, conflicts_with_all = ["responders", "requests", "change_requests", "pace"])]
    pub device: bool,

    /// The text the device scrolls.
    #[arg(long, default_value = "Hello from natskit!", requires = "device")]
    pub text: String,

    /// Time each frame of the scroll stays on the matrix.
    #[arg(long, value_name = "DURATION", default_value = "70ms", value_parser = parse_pause, requires = "device")]
    pub frame_delay: Duration,

    /// Also save a picture of the text on the matrix to this PNG file.
    #[arg(long, value_name = "FILE", requires = "device", conflicts_with = "web")]
    pub png: Option<PathBuf>,

    /// Show the matrix on a web page instead, live over NATS on WebSocket, with a text box that
    /// sends to it; runs until Ctrl-C. NATS clients reach the device too (`natskit pub senseshow
    /// 'Hi'`).
    #[arg(long, requires = "device")]
    pub web: bool,

    /// The web page's HTTP port (0 picks a free one).
    #[arg(long, default_value_t = 8080, requires = "web")]
    pub port: u16,

    /// The broker's port for NATS clients, with --web (0 picks a free one).
    #[arg(long, default_value_t = 4222, requires = "web")]
    pub nats_port: u16,

    /// The broker's WebSocket port the page connects to, with --web (0 picks a free one).
    #[arg(long, default_value_t = 0, requires = "web")]
    pub ws_port: u16,

    /// The address the page and the broker listen on, with --web.
    #[arg(long, default_value = "127.0.0.1", requires = "web")]
    pub host: String,

    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Runs the demo on the embedded broker, or on the server `--server` (or `NATS_URL`, or
/// `--context`) names; a merely selected context does not move the demo off its own broker.
pub async fn run(args: DemoArgs) -> Result<(), CliError> {
    let connection = args.connect.resolve()?;
    if args.web {
        if connection.server_named() {
            return Err(CliError::msg(
                "--web runs its own broker, whose WebSocket port the page connects to; \
                 leave out --server, --context and NATS_URL",
            ));
        }
        let ports = web::WebPorts {
            host: args.host,
            http: args.port,
            nats: args.nats_port,
            websocket: args.ws_port,
        };
        return web::run(ports, args.frame_delay).await;
    }
    let broker = if connection.server_named() {
        Broker::remote(connection)
    } else {
        Broker::embedded().await?
    };
    if args.device {
        return show_device(broker, args).await;
    }
    let plan = Plan {
        responders: usize::from(args.responders),
        requests: args.requests,
        change_requests: args.change_requests,
        pace: args.pace,
    };
    print(format!(
        "natskit demo: {} responders in queue group {:?} answer requests on {:?}, through {}.\n",
        plan.responders,
        responder::GROUP,
        responder::SUBJECT,
        broker.describe()
    ))?;
    let mut live = display::Live::new();
    let outcome = scenario::run(&broker, &plan, &mut live).await;
    drop(live);
    broker.stop().await;
    print(display::report(&outcome?))
}

/// Writes `text` to standard output; a closed one ends the demo quietly.
fn print(text: impl AsRef<str>) -> Result<(), CliError> {
    crate::output::print(text.as_ref().as_bytes())
}

/// `--device`: the LED matrix scrolls the text on the terminal, then the answers are printed;
/// fails, naming the answer, when the device refused a request (answered `error: ...`).
async fn show_device(broker: Broker, args: DemoArgs) -> Result<(), CliError> {
    print(format!(
        "natskit demo --device: an LED matrix listens on {:?} through {}; another connection sends it {:?}.\n",
        natskit_ledmatrix::senseshow::DEFAULT_SUBJECT,
        broker.describe(),
        args.text
    ))?;
    let show = device::DeviceShow {
        text: args.text,
        frame_delay: args.frame_delay,
        png: args.png,
    };
    let sink = natskit_ledmatrix::senseshow::TerminalSink::stdout();
    let outcome = device::run(&broker, &show, sink).await;
    broker.stop().await;
    let answers = outcome?;
    for answer in &answers {
        print(format!("the device answered: {answer}\n"))?;
    }
    match answers
        .iter()
        .find_map(|answer| answer.strip_prefix("error: "))
    {
        Some(why) => Err(CliError::msg(format!(
            "the device refused a request: {why}"
        ))),
        None => Ok(()),
    }
}
