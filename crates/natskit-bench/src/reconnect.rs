//! `--reconnect`: how soon clients rejoin a nats-server that was gone for a second, and how
//! 1,000 clients come back together (issue 20, item 7).
//!
//! One round: the clients are connected to one nats-server; it is killed, and a second later
//! started again on the same port. A client's rejoin time runs from the moment the server
//! answers again (natskit-test's `start_again` returns) to the client's reconnected event; a
//! client that got in before that counts as 0. Contenders: natskit with its default delays,
//! natskit with the default of before (100 ms doubling, up to 100 ms of jitter), and
//! async-nats. Then 1,000 clients of each go through the same outage: the spread of their rejoin
//! times, and the server's CPU from its restart until the last one is back.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use natskit_test::NatsServer;

use crate::procfs::CpuMeter;
use crate::report::median;

/// How long the server stays away.
const OUTAGE: Duration = Duration::from_secs(1);
/// How long every client has to come back.
const PATIENCE: Duration = Duration::from_secs(20);

/// A kind of client under test.
#[derive(Debug, Clone, Copy)]
enum Contender {
    Natskit,
    NatskitBefore,
    AsyncNats,
}

impl Contender {
    const ALL: [Contender; 3] = [
        Contender::Natskit,
        Contender::NatskitBefore,
        Contender::AsyncNats,
    ];

    fn name(self) -> &'static str {
        match self {
            Contender::Natskit => "natskit",
            Contender::NatskitBefore => "natskit, delays of before",
            Contender::AsyncNats => "async-nats",
        }
    }

    /// Connects one client that sends the time of each reconnect to `back`; the returned value
    /// keeps it alive.
    async fn connect(self, url: &str, back: mpsc::Sender<Instant>) -> Box<dyn Send> {
        match self {
            Contender::Natskit | Contender::NatskitBefore => {
                let mut options = natskit::ConnectOptions::new();
                if let Contender::NatskitBefore = self {
                    options = options.reconnect_delay(natskit::ReconnectDelay::backoff(
                        Duration::from_millis(100),
                        Duration::from_secs(4),
                        Duration::from_millis(100),
                    ));
                }
                let client = options.connect(url).await.expect("natskit connects");
                let mut events = client.events();
                tokio::spawn(async move {
                    while let Some(event) = events.next().await {
                        if let natskit::Event::Reconnected { .. } = event {
                            let _ = back.send(Instant::now());
                        }
                    }
                });
                Box::new(client)
            }
            Contender::AsyncNats => {
                let connected = std::sync::atomic::AtomicBool::new(false);
                let connected = std::sync::Arc::new(connected);
                let seen = connected.clone();
                let client = async_nats::ConnectOptions::new()
                    .event_callback(move |event| {
                        let back = back.clone();
                        let seen = seen.clone();
                        async move {
                            // The first Connected is the first connection, not a return.
                            if let async_nats::Event::Connected = event {
                                if seen.swap(true, std::sync::atomic::Ordering::SeqCst) {
                                    let _ = back.send(Instant::now());
                                }
                            }
                        }
                    })
                    .connect(url)
                    .await
                    .expect("async-nats connects");
                client.flush().await.expect("async-nats flushes");
                connected.store(true, std::sync::atomic::Ordering::SeqCst);
                Box::new(client)
            }
        }
    }
}

/// One outage with `clients` connected; returns each client's rejoin time (sorted) and the
/// server's CPU (percent of a core) from its restart until the last client was back.
fn outage(
    server: &mut NatsServer,
    back: &mpsc::Receiver<Instant>,
    clients: usize,
) -> Result<(Vec<Duration>, f64), String> {
    server.stop().map_err(|e| e.to_string())?;
    // Anything sent before the server went away (async-nats's first `Connected`, late) is not
    // a return.
    let gone = Instant::now();
    std::thread::sleep(OUTAGE);
    server.start_again().map_err(|e| e.to_string())?;
    let ready = Instant::now();
    let cpu = CpuMeter::start(&[server.pid().unwrap_or(0)]);
    let deadline = ready + PATIENCE;
    let mut rejoins = Vec::with_capacity(clients);
    while rejoins.len() < clients {
        let left = deadline.saturating_duration_since(Instant::now());
        let at = back.recv_timeout(left).map_err(|_| {
            format!(
                "{} of {clients} clients did not come back within {PATIENCE:?}",
                clients - rejoins.len()
            )
        })?;
        if at >= gone {
            rejoins.push(at.saturating_duration_since(ready));
        }
    }
    let cpu = cpu.percent().first().copied().unwrap_or(0.0);
    rejoins.sort();
    Ok((rejoins, cpu))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The `q` quantile of sorted `values`.
fn quantile(values: &[Duration], q: f64) -> Duration {
    let index = ((values.len() as f64 - 1.0) * q).round() as usize;
    values[index.min(values.len() - 1)]
}

/// Runs `--reconnect`: `runs` rounds of one client each, interleaved, then the 1,000-client
/// outage once per contender (100 with `quick`).
pub fn run(runs: usize, quick: bool) -> Result<(), String> {
    let crowd = if quick { 100 } else { 1_000 };
    crate::brokers::raise_open_files(crowd * 2)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let mut server = NatsServer::start().map_err(|e| e.to_string())?;
    let url = server.url();
    println!("reconnect after a {OUTAGE:?} outage of nats-server ({url}); {runs} round(s)");

    let mut single: Vec<(Contender, Vec<f64>)> =
        Contender::ALL.iter().map(|&c| (c, Vec::new())).collect();
    for round in 1..=runs {
        for (contender, figures) in &mut single {
            let (tx, rx) = mpsc::channel();
            let client = runtime.block_on(contender.connect(&url, tx));
            let (rejoins, _) = outage(&mut server, &rx, 1)?;
            runtime.block_on(async move { drop(client) });
            println!(
                "  round {round}: {:<26} rejoined {:>7.1} ms after the server was back",
                contender.name(),
                ms(rejoins[0])
            );
            figures.push(ms(rejoins[0]));
        }
    }
    println!();
    println!("| client | rejoin after a 1 s outage, median | rounds |");
    println!("|---|---|---|");
    for (contender, figures) in &single {
        let each: Vec<String> = figures.iter().map(|f| format!("{f:.1}")).collect();
        println!(
            "| {} | {:.1} ms | {} |",
            contender.name(),
            median(figures),
            each.join(", ")
        );
    }

    println!();
    println!("{crowd} clients of each through the same outage:");
    println!();
    println!("| clients | first back | p50 | p90 | p99 | last back | server CPU until the last |");
    println!("|---|---|---|---|---|---|---|");
    for contender in Contender::ALL {
        let (tx, rx) = mpsc::channel();
        let clients: Vec<Box<dyn Send>> = runtime.block_on(async {
            let mut clients = Vec::with_capacity(crowd);
            for _ in 0..crowd {
                clients.push(contender.connect(&url, tx.clone()).await);
            }
            clients
        });
        let (rejoins, cpu) = outage(&mut server, &rx, crowd)?;
        println!(
            "| {crowd} x {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {cpu:.0} % |",
            contender.name(),
            ms(rejoins[0]),
            ms(quantile(&rejoins, 0.5)),
            ms(quantile(&rejoins, 0.9)),
            ms(quantile(&rejoins, 0.99)),
            ms(rejoins[rejoins.len() - 1]),
        );
        runtime.block_on(async move { drop(clients) });
    }
    Ok(())
}
