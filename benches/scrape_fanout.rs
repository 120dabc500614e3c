//! Fan-out of `scrape_all` over many exporters. Run with `cargo bench --bench scrape_fanout`.
//! Prints figures only; no assertion on time (target: 200 endpoints in ≤ 1.5 s wall on 2
//! cores).
//!
//! Every endpoint is a tokio listener in this process serving the recorded real scrape
//! `fixtures/scrapes/node1-idle.prom` (~210 KB) after a delay; 1 % of them (every 100th)
//! accept and never answer, so the figures include waiting out their timeout. Two shapes:
//! 200 endpoints at 50 ms, and 1000 endpoints at 20–200 ms (issue 6). Each runs with
//! interval 0 (one scrape) and 1 s (two scrapes, for rates). Peak RSS is VmHWM from
//! /proc/self/status, reset before each run through /proc/self/clear_refs where the kernel
//! allows it; it includes the servers' side and every scrape text returned.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use casstune::collect::prometheus::{ScrapeError, scrape_all};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How long the client waits for a hanging endpoint.
const TIMEOUT: Duration = Duration::from_secs(1);
/// Concurrency of every run; the 1000-endpoint shape also runs with [`WIDE`].
const CONCURRENCY: usize = 64;
const WIDE: usize = 256;

struct Shape {
    endpoints: usize,
    /// Delay of endpoint `i` before it answers.
    delay: fn(usize) -> Duration,
    label: &'static str,
}

fn fixed_50ms(_: usize) -> Duration {
    Duration::from_millis(50)
}

/// 20–200 ms, spread deterministically.
fn spread_20_200ms(i: usize) -> Duration {
    let x = (i as u64)
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    Duration::from_millis(20 + (x >> 33) % 181)
}

fn hangs(i: usize) -> bool {
    i % 100 == 99
}

async fn serve_one(mut sock: TcpStream, delay: Duration, answer: Arc<Vec<u8>>) {
    let mut buf = vec![0u8; 8192];
    let mut seen = Vec::new();
    // Keep-alive: answer every request on the connection.
    loop {
        match sock.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
        while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            seen.drain(..end + 4);
            tokio::time::sleep(delay).await;
            if sock.write_all(&answer).await.is_err() {
                return;
            }
        }
    }
}

async fn start_endpoint(i: usize, shape: &Shape, answer: Arc<Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/metrics", listener.local_addr().expect("addr"));
    let delay = (shape.delay)(i);
    let hang = hangs(i);
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            if hang {
                held.push(sock);
            } else {
                tokio::spawn(serve_one(sock, delay, Arc::clone(&answer)));
            }
        }
    });
    url
}

fn http_answer(body: &[u8]) -> Vec<u8> {
    let mut v = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    v.extend_from_slice(body);
    v
}

fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets VmHWM to the current RSS (Linux ≥ 4.0); false when not allowed.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

async fn run(shape: &Shape, urls: &[String], interval: Duration, concurrency: usize) {
    let reset = reset_peak();
    let started = Instant::now();
    let out = scrape_all(urls, interval, TIMEOUT, concurrency, |_, _| {}).await;
    let wall = started.elapsed();
    let mut ok = 0usize;
    let mut seconds = 0usize;
    let mut timeouts = 0usize;
    let mut other = Vec::new();
    for (_, r) in &out {
        match r {
            Ok((_, second)) => {
                ok += 1;
                seconds += usize::from(second.is_some());
            }
            Err(ScrapeError::Timeout { .. }) => timeouts += 1,
            Err(e) => other.push(e.to_string()),
        }
    }
    let scrapes = ok + seconds;
    let bytes: usize = out
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .map(|(a, b)| a.text.len() + b.as_ref().map_or(0, |b| b.text.len()))
        .sum();
    let hwm = status_kb("VmHWM:").map_or("?".into(), |k| format!("{:.0} MiB", k as f64 / 1024.0));
    println!(
        "{:<28} concurrency {concurrency:>3}, interval {:>2} s: wall {:>6.3} s, {:>5} scrapes ({:>6.0}/s), {} ok ({} with a \
         second scrape), {} timed out, {} other errors, {:.0} MB read, peak RSS {hwm}{}",
        shape.label,
        interval.as_secs(),
        wall.as_secs_f64(),
        scrapes,
        scrapes as f64 / wall.as_secs_f64(),
        ok,
        seconds,
        timeouts,
        other.len(),
        bytes as f64 / 1e6,
        if reset {
            ""
        } else {
            " (since start: no reset)"
        },
    );
    if let Some(e) = other.first() {
        println!("    first other error: {e}");
    }
    drop(out);
}

fn main() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scrapes/node1-idle.prom");
    let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let answer = Arc::new(http_answer(&body));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "scrape_all: {} KB fixture, timeout {} ms, 2 worker threads, 1 % of endpoints hang",
        body.len() / 1024,
        TIMEOUT.as_millis()
    );
    let shapes = [
        Shape {
            endpoints: 200,
            delay: fixed_50ms,
            label: "200 endpoints, 50 ms",
        },
        Shape {
            endpoints: 1000,
            delay: spread_20_200ms,
            label: "1000 endpoints, 20-200 ms",
        },
    ];
    rt.block_on(async {
        for shape in &shapes {
            let mut urls = Vec::with_capacity(shape.endpoints);
            for i in 0..shape.endpoints {
                urls.push(start_endpoint(i, shape, Arc::clone(&answer)).await);
            }
            let mut widths = vec![CONCURRENCY];
            if shape.endpoints >= 1000 {
                widths.push(WIDE);
            }
            for concurrency in widths {
                for interval in [Duration::ZERO, Duration::from_secs(1)] {
                    run(shape, &urls, interval, concurrency).await;
                }
            }
        }
    });
}
