//! Medians over runs, and the printed table.

use std::time::Duration;

/// One figure measured once per run for each contender.
pub struct Figure {
    pub name: &'static str,
    pub unit: &'static str,
    pub natskit: Vec<f64>,
    pub async_nats: Vec<f64>,
    pub raw: Vec<f64>,
}

impl Figure {
    pub fn new(name: &'static str, unit: &'static str) -> Self {
        Figure {
            name,
            unit,
            natskit: Vec::new(),
            async_nats: Vec::new(),
            raw: Vec::new(),
        }
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
    if sorted.len() % 2 == 0 {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    }
}

/// Messages per second.
pub fn rate(count: u64, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

fn show(value: f64, unit: &str) -> String {
    if value.is_nan() {
        return "-".into();
    }
    match unit {
        "msgs/s" | "req/s" if value >= 1e6 => format!("{:.2} M {unit}", value / 1e6),
        "msgs/s" | "req/s" => format!("{:.1} k {unit}", value / 1e3),
        "us" => format!("{value:.1} us"),
        _ => format!("{value:.2} {unit}"),
    }
}

/// Prints one Markdown table row per figure: medians and the natskit / async-nats ratio.
pub fn print_table(figures: &[Figure], runs: usize) {
    println!("\nMedians of {runs} run(s). Ratio = natskit / async-nats (above 1 is better for throughput, below 1 for latency).\n");
    println!("| benchmark | natskit | async-nats | raw socket | ratio |");
    println!("|---|---|---|---|---|");
    for f in figures {
        let (n, a, r) = (median(&f.natskit), median(&f.async_nats), median(&f.raw));
        let ratio = if n.is_nan() || a.is_nan() {
            "-".into()
        } else {
            format!("{:.2}x", n / a)
        };
        println!(
            "| {} | {} | {} | {} | {} |",
            f.name,
            show(n, f.unit),
            show(a, f.unit),
            show(r, f.unit),
            ratio
        );
    }
}
