//! What the `--jetstream` and `--kv` modes share: one nats-server 2.10 `-js` (file storage),
//! a runtime, and each measurement taken for natskit then async-nats with the CPU both
//! processes used meanwhile.

use std::future::Future;
use std::sync::Mutex;

use natskit_test::NatsServer;

use crate::procfs::{CpuMeter, IoMeter};
use crate::report::Figure;

/// The meters of the measurement under way: [`JsBench::side_by_side`] starts them with each
/// client's scenario, and [`timing_starts`] starts them again where the scenario's timed part
/// begins, so what it does before (filling a stream) does not count in the CPU and calls shown.
static METERS: Mutex<Option<(CpuMeter, IoMeter)>> = Mutex::new(None);

/// Called by a scenario where its clock starts: the meters start again from here.
pub(crate) fn timing_starts() {
    if let Some((cpu, io)) = METERS.lock().expect("meters").as_mut() {
        cpu.restart();
        io.restart();
    }
}

/// The server and runtime of one JetStream benchmark run.
pub struct JsBench {
    server: NatsServer,
    /// The server's URL.
    pub url: String,
    /// Two workers, as the machine has two cores.
    pub runtime: tokio::runtime::Runtime,
    /// The server's and this process's ids, for the CPU meter.
    pids: Vec<u32>,
}

impl JsBench {
    /// Starts nats-server 2.10 with JetStream on a free port (pinned to `--server-cpu`'s CPU if
    /// it was given), and the runtime.
    pub fn start() -> Result<Self, String> {
        let binary = natskit_test::binary::newer_nats_server().map_err(|e| e.to_string())?;
        let server = NatsServer::builder()
            .binary(binary)
            .jetstream()
            .start()
            .map_err(|e| e.to_string())?;
        if let Some(pid) = server.pid() {
            crate::procfs::pin_server(pid)?;
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let pids = server
            .pid()
            .into_iter()
            .chain([std::process::id()])
            .collect();
        Ok(JsBench {
            url: server.url(),
            server,
            runtime,
            pids,
        })
    }

    /// Measures `natskit` then `async_nats` (each returns its figure), records both in
    /// `figure`, and prints them under `label` with the CPU of the server and of this process
    /// during each.
    pub async fn side_by_side<N, A>(
        &self,
        figure: &mut Figure,
        label: &str,
        natskit: N,
        async_nats: A,
    ) where
        N: Future<Output = f64>,
        A: Future<Output = f64>,
    {
        self.side_by_side_in_order(figure, label, natskit, async_nats, true)
            .await;
    }

    /// [`side_by_side`](Self::side_by_side), with async-nats measured first unless
    /// `natskit_first`: for a scenario whose first measurement pays for what came before it
    /// (the server still busy with the puts before the object gets), alternating the order run
    /// by run makes both clients pay alike.
    pub async fn side_by_side_in_order<N, A>(
        &self,
        figure: &mut Figure,
        label: &str,
        natskit: N,
        async_nats: A,
        natskit_first: bool,
    ) where
        N: Future<Output = f64>,
        A: Future<Output = f64>,
    {
        let start = || *METERS.lock().expect("meters") = Some(self.meters());
        let measure = || {
            let meters = METERS.lock().expect("meters").take().expect("started");
            self.summary(meters)
        };
        let (n, n_cpu, a, a_cpu) = if natskit_first {
            start();
            let n = natskit.await;
            let n_cpu = measure();
            start();
            let a = async_nats.await;
            (n, n_cpu, a, measure())
        } else {
            start();
            let a = async_nats.await;
            let a_cpu = measure();
            start();
            let n = natskit.await;
            (n, measure(), a, a_cpu)
        };
        let unit = figure.unit;
        let first = if natskit_first {
            ""
        } else {
            " (async-nats first)"
        };
        println!(
            "  {label:<20} natskit {n:>10.1} ({n_cpu})  async-nats {a:>10.1} {unit} ({a_cpu}){first}"
        );
        figure.natskit.push(n);
        figure.async_nats.push(a);
    }

    /// Measures the raw-socket ceiling `raw` (blocking, so on a thread of its own) after the
    /// clients, records it in `figure` and prints it under `label` with the CPU used meanwhile.
    pub async fn raw_ceiling<R>(&self, figure: &mut Figure, label: &str, raw: R)
    where
        R: FnOnce() -> std::io::Result<f64> + Send + 'static,
    {
        // The raw functions restart the meters where their clock starts, after encoding.
        *METERS.lock().expect("meters") = Some(self.meters());
        let value = tokio::task::spawn_blocking(raw)
            .await
            .expect("the raw ceiling's thread")
            .expect("the raw ceiling");
        let unit = figure.unit;
        let used = self.summary(METERS.lock().expect("meters").take().expect("started"));
        println!("  {label:<20} raw socket {value:>10.1} {unit} ({used})");
        figure.raw.push(value);
    }

    /// The server's `host:port`, for a raw socket.
    pub fn addr(&self) -> String {
        self.url.trim_start_matches("nats://").to_owned()
    }

    /// CPU meters of the server and this process, and a call counter of the server's, from now.
    fn meters(&self) -> (CpuMeter, IoMeter) {
        let server = &self.pids[..self.pids.len().saturating_sub(1)];
        (CpuMeter::start(&self.pids), IoMeter::start(server))
    }

    /// What `meters` saw: the CPU of each process, with the server's read and write calls (how
    /// finely the client's traffic reaches it).
    fn summary(&self, (cpu, io): (CpuMeter, IoMeter)) -> String {
        let names = ["nats-server", "bench"];
        let names = &names[names.len() - self.pids.len()..];
        match io.calls().first() {
            Some((reads, writes)) => {
                format!(
                    "{}, server reads {reads} writes {writes}",
                    cpu.summary(names)
                )
            }
            None => cpu.summary(names),
        }
    }

    /// Stops the server.
    pub fn stop(mut self) -> Result<(), String> {
        self.server.stop().map_err(|e| e.to_string())
    }
}
