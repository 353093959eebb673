//! Medians over runs, and the printed table.

use std::time::Duration;

/// One figure measured once per run for each contender.
pub struct Figure {
    pub name: &'static str,
    pub unit: &'static str,
    pub natskit: Vec<f64>,
    pub async_nats: Vec<f64>,
    pub nats_c: Vec<f64>,
    pub nats_go: Vec<f64>,
    pub raw: Vec<f64>,
}

impl Figure {
    pub fn new(name: &'static str, unit: &'static str) -> Self {
        Figure {
            name,
            unit,
            natskit: Vec::new(),
            async_nats: Vec::new(),
            nats_c: Vec::new(),
            nats_go: Vec::new(),
            raw: Vec::new(),
        }
    }

    /// The runs of the contender `kind`.
    pub fn foreign(&mut self, kind: crate::foreign::Kind) -> &mut Vec<f64> {
        match kind {
            crate::foreign::Kind::NatsC => &mut self.nats_c,
            crate::foreign::Kind::NatsGo => &mut self.nats_go,
        }
    }

    /// Latencies and losses are better lower; rates higher.
    pub fn better(&self) -> Better {
        match self.unit {
            "us" | "msgs" => Better::Lower,
            _ => Better::Higher,
        }
    }

    /// The median of the best client other than natskit (the raw socket is no client), with
    /// its name; `None` when no other client has a figure.
    pub fn best_other(&self) -> Option<(&'static str, f64)> {
        let others = [
            ("async-nats", median(&self.async_nats)),
            ("nats.c", median(&self.nats_c)),
            ("nats.go", median(&self.nats_go)),
        ];
        let better = self.better();
        others
            .into_iter()
            .filter(|(_, v)| !v.is_nan())
            .reduce(|best, next| match better {
                Better::Higher if next.1 > best.1 => next,
                Better::Lower if next.1 < best.1 => next,
                _ => best,
            })
    }
}

/// The median of `values`; NaN when there are none.
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    }
}

/// Messages per second.
pub fn rate(count: u64, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

/// A figure with its unit, as the tables show it.
pub fn show(value: f64, unit: &str) -> String {
    if value.is_nan() {
        return "-".into();
    }
    match unit {
        "msgs/s" | "req/s" if value >= 1e6 => format!("{:.2} M {unit}", value / 1e6),
        "msgs/s" | "req/s" => format!("{:.1} k {unit}", value / 1e3),
        "us" => format!("{value:.1} us"),
        "msgs" => format!("{value:.0} msgs"),
        "MiB" => format!("{value:.1} MiB"),
        _ => format!("{value:.2} {unit}"),
    }
}

/// Every run's figure, as [`show`] has it, comma-separated.
pub fn show_each(values: &[f64], unit: &str) -> String {
    values
        .iter()
        .map(|&v| show(v, unit))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Prints one Markdown table row per figure: every client's median (the nats.c and nats.go
/// columns when either ran) and natskit's ratio to the best other client.
pub fn print_table(figures: &[Figure], runs: usize) {
    let foreign = figures
        .iter()
        .any(|f| !f.nats_c.is_empty() || !f.nats_go.is_empty());
    println!("\nMedians of {runs} run(s). Ratio = natskit / the best other client (above 1 is better for throughput, below 1 for latency and losses).\n");
    if foreign {
        println!("| benchmark | natskit | async-nats | nats.c | nats.go | raw socket | best other | ratio |");
        println!("|---|---|---|---|---|---|---|---|");
    } else {
        println!("| benchmark | natskit | async-nats | raw socket | ratio |");
        println!("|---|---|---|---|---|");
    }
    for f in figures {
        let n = median(&f.natskit);
        let best = f.best_other();
        let ratio = match best {
            Some((_, b)) if !n.is_nan() && b != 0.0 => format!("{:.2}x", n / b),
            _ => "-".into(),
        };
        let cells = if foreign {
            vec![
                show(n, f.unit),
                show(median(&f.async_nats), f.unit),
                show(median(&f.nats_c), f.unit),
                show(median(&f.nats_go), f.unit),
                show(median(&f.raw), f.unit),
                best.map_or("-", |(name, _)| name).to_owned(),
                ratio,
            ]
        } else {
            vec![
                show(n, f.unit),
                show(median(&f.async_nats), f.unit),
                show(median(&f.raw), f.unit),
                ratio,
            ]
        };
        println!("| {} | {} |", f.name, cells.join(" | "));
    }
}

/// Which way a figure is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
}

/// One figure of `--brokers`, measured once per run on each broker.
pub struct Comparison {
    pub name: &'static str,
    pub unit: &'static str,
    pub better: Better,
    pub embedded: Vec<f64>,
    pub nats: Vec<f64>,
}

impl Comparison {
    pub fn new(name: &'static str, unit: &'static str, better: Better) -> Self {
        Comparison {
            name,
            unit,
            better,
            embedded: Vec::new(),
            nats: Vec::new(),
        }
    }
}

/// Prints the broker table: medians, the ratio embedded / nats-server and every run.
pub fn print_broker_table(rows: &[Comparison], runs: usize) {
    println!("\nMedians of {runs} run(s). Ratio = embedded / nats-server: above 1 is better for throughput, below 1 for latency and memory.\n");
    println!("| benchmark | embedded | nats-server | ratio | better | embedded runs | nats-server runs |");
    println!("|---|---|---|---|---|---|---|");
    for row in rows {
        let (e, n) = (median(&row.embedded), median(&row.nats));
        let ratio = if e.is_nan() || n.is_nan() || n == 0.0 {
            "-".into()
        } else {
            format!("{:.2}x", e / n)
        };
        let better = match row.better {
            Better::Higher => "higher",
            Better::Lower => "lower",
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            row.name,
            show(e, row.unit),
            show(n, row.unit),
            ratio,
            better,
            show_each(&row.embedded, row.unit),
            show_each(&row.nats, row.unit)
        );
    }
}
