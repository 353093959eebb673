//! What the profiling examples share (not an example itself: it has no `main`).

/// A runtime with two worker threads, as natskit-bench runs its clients, so that a profile
/// shows the same scheduling as the benchmark.
pub fn bench_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}
