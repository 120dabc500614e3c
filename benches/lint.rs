//! Whole-process wall time of `casstune lint` on the stock 5.0 cassandra.yaml: what a
//! pre-commit hook waits for. Target: median ≤ 15 ms. Run with `cargo bench --bench lint`.
//!
//! A plain harness (no criterion) because the thing measured is a process start to exit,
//! including catalogue loading, which an in-process loop would hide.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn time_runs(args: &[&str], n: usize) -> Vec<Duration> {
    let bin = env!("CARGO_BIN_EXE_casstune");
    for _ in 0..5 {
        Command::new(bin)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
    }
    let mut v: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            let st = Command::new(bin)
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap();
            let d = t.elapsed();
            assert!(st.code().is_some_and(|c| c <= 1), "lint failed: {st}");
            d
        })
        .collect();
    v.sort();
    v
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let stock = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/upstream/5.0.2/cassandra.yaml");
    if !stock.exists() {
        eprintln!("skipped: {} is absent", stock.display());
        return;
    }
    let stock = stock.to_str().unwrap();
    let n = 200;
    println!("casstune lint, whole process, {n} runs each (target: median <= 15 ms)");
    for (label, args) in [
        (
            "stock 5.0 cassandra.yaml, --cassandra-version 5.0",
            vec!["lint", "--cassandra-version", "5.0", stock],
        ),
        (
            "stock 5.0 cassandra.yaml, version detected",
            vec!["lint", stock],
        ),
        (
            "stock 5.0 cassandra.yaml, --format json",
            vec!["lint", "--format", "json", stock],
        ),
        ("casstune --version (process floor)", vec!["--version"]),
    ] {
        let v = time_runs(&args, n);
        println!(
            "{label:55} min {}  median {}  p95 {}",
            ms(v[0]),
            ms(v[n / 2]),
            ms(v[n * 95 / 100])
        );
    }
}
