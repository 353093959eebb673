//! Profiling driver (not committed).
use futures_util::StreamExt;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args[1].clone();
    let url = args[2].clone();
    let count: u64 = args[3].parse().unwrap();
    let wb: usize = args.get(4).map(|s| s.parse().unwrap()).unwrap_or(8 << 20);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let opts = || natskit::ConnectOptions::new().write_buffer(wb);
        match mode.as_str() {
            "pub" => {
                let c = opts().connect(&url).await.unwrap();
                let r = tokio::spawn(async move {
                    let p = bytes::Bytes::from_static(b"0123456789abcdef");
                    let s = Instant::now();
                    for _ in 0..count {
                        c.publish("bench.pub", p.clone()).await.unwrap();
                    }
                    c.flush().await.unwrap();
                    count as f64 / s.elapsed().as_secs_f64()
                })
                .await
                .unwrap();
                println!("pub {r:.0} msgs/s");
            }
            "sub" => {
                let sc = opts().connect(&url).await.unwrap();
                let mut sub = sc.subscribe("bench.ps").await.unwrap();
                sc.flush().await.unwrap();
                let pc = opts().connect(&url).await.unwrap();
                let h = tokio::spawn(async move {
                    let mut n = 0u64;
                    while n < count {
                        if sub.next().await.is_none() {
                            break;
                        }
                        n += 1;
                    }
                    (n, Instant::now())
                });
                let s = Instant::now();
                tokio::spawn(async move {
                    let p = bytes::Bytes::from_static(b"0123456789abcdef");
                    for _ in 0..count {
                        pc.publish("bench.ps", p.clone()).await.unwrap();
                    }
                    pc.flush().await.unwrap();
                })
                .await
                .unwrap();
                let (n, at) = h.await.unwrap();
                println!("sub {n} {:.0} msgs/s", n as f64 / (at - s).as_secs_f64());
            }
            "req" => {
                let sc = opts().connect(&url).await.unwrap();
                let mut sub = sc.subscribe("bench.req").await.unwrap();
                sc.flush().await.unwrap();
                tokio::spawn(async move {
                    while let Some(m) = sub.next().await {
                        let p = m.payload.clone();
                        let _ = m.respond(p).await;
                    }
                });
                let c = opts().connect(&url).await.unwrap();
                let r = tokio::spawn(async move {
                    let p = bytes::Bytes::from_static(b"0123456789abcdef");
                    let mut l = Vec::new();
                    for _ in 0..count {
                        let s = Instant::now();
                        c.request("bench.req", p.clone()).await.unwrap();
                        l.push(s.elapsed().as_micros());
                    }
                    l.sort();
                    (l[l.len() / 2], l[l.len() * 99 / 100])
                })
                .await
                .unwrap();
                println!("req p50 {} us p99 {} us", r.0, r.1);
            }
            _ => panic!(),
        }
    });
}
