//! Throughput of the Prometheus exposition parser (and of normalisation on a real scrape).
//! Run with `cargo bench --bench exposition` (`-- generated` for the generated input only).
//! Prints figures only; no assertion on time.
//!
//! The generated input has the shape crates.md §3 measured prometheus-parse (~22 MB/s) and
//! promtool (~14 MB/s) on: 200 tables (10 keyspaces × 20) and the family mix listed there
//! (14 counters, 20 gauges, 6 summaries with 6 quantiles + _sum/_count, 8 histograms with
//! 48 buckets + +Inf + _sum/_count), labels cluster, datacenter, rack, instance, keyspace,
//! table; family-major; ~23 MB and 98,000 samples. One histogram is
//! `cassandra_table_partition_cell_count`, the name openmetrics-parser choked on.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use casstune::collect::prometheus::{node_metrics, normalise, parse};

const RUNS: usize = 5;

fn generate() -> String {
    let mut out = String::with_capacity(21 << 20);
    let tables: Vec<(String, String)> = (0..10)
        .flat_map(|k| {
            (0..20).map(move |t| (format!("keyspace_{k:02}"), format!("table_number_{t:02}")))
        })
        .collect();
    let labels = |ks: &str, t: &str| {
        format!(
            "cluster=\"production-cluster-eu\",datacenter=\"eu-west-1\",rack=\"eu-west-1a\",\
             instance=\"cassandra-node-042.example.internal:9500\",keyspace=\"{ks}\",table=\"{t}\""
        )
    };
    let mut x = 1u64;
    let mut value = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 40) as f64 / 1024.0
    };
    for i in 0..14 {
        let name = format!("cassandra_table_events_number_{i:02}_total");
        header(&mut out, &name, "counter");
        for (ks, t) in &tables {
            let _ = writeln!(out, "{name}{{{}}} {}", labels(ks, t), value());
        }
    }
    for i in 0..20 {
        let name = format!("cassandra_table_level_number_{i:02}");
        header(&mut out, &name, "gauge");
        for (ks, t) in &tables {
            let _ = writeln!(out, "{name}{{{}}} {:e}", labels(ks, t), value());
        }
    }
    for i in 0..6 {
        let name = format!("cassandra_table_latency_summary_{i:02}_seconds");
        header(&mut out, &name, "summary");
        for (ks, t) in &tables {
            let l = labels(ks, t);
            for q in ["0.5", "0.75", "0.95", "0.98", "0.99", "0.999"] {
                let _ = writeln!(out, "{name}{{{l},quantile=\"{q}\"}} {}", value() / 1e6);
            }
            let _ = writeln!(out, "{name}_sum{{{l}}} {}", value());
            let _ = writeln!(out, "{name}_count{{{l}}} {}", value().floor());
        }
    }
    for i in 0..8 {
        let name = if i == 0 {
            "cassandra_table_partition_cell_count".to_string()
        } else {
            format!("cassandra_table_size_histogram_{i:02}_bytes")
        };
        header(&mut out, &name, "histogram");
        for (ks, t) in &tables {
            let l = labels(ks, t);
            let mut le = 1.0f64;
            for b in 0..48 {
                let _ = writeln!(out, "{name}_bucket{{{l},le=\"{le}\"}} {}", b * 3);
                le = (le * 1.2).ceil();
            }
            let _ = writeln!(out, "{name}_bucket{{{l},le=\"+Inf\"}} 150");
            let _ = writeln!(out, "{name}_sum{{{l}}} {}", value());
            let _ = writeln!(out, "{name}_count{{{l}}} 150");
        }
    }
    out
}

fn header(out: &mut String, name: &str, kind: &str) {
    let _ = writeln!(
        out,
        "# HELP {name} Generated {kind} for the parser benchmark."
    );
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Median and best over `RUNS` of the time of one call (averaged over `iters` calls). The
/// best is printed too because a shared 2-core machine makes the median jump.
fn median(iters: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    f(); // warm-up
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                f();
            }
            t.elapsed() / iters as u32
        })
        .collect();
    times.sort();
    (times[RUNS / 2], times[0])
}

fn report(what: &str, bytes: usize, samples: usize, (median, best): (Duration, Duration)) {
    let s = median.as_secs_f64();
    let mb = bytes as f64 / 1e6;
    println!(
        "{what:<26} {mb:>6.2} MB {samples:>6} samples  median {:>8.3} ms {:>5.0} MB/s {:>5.2} M samples/s  (best {:>4.0} MB/s)",
        s * 1e3,
        mb / s,
        samples as f64 / 1e6 / s,
        mb / best.as_secs_f64(),
    );
}

fn main() {
    // `cargo bench --bench exposition -- generated` runs only the generated input.
    let only_generated = std::env::args().skip(1).any(|a| a == "generated");
    println!("median of {RUNS} runs (release build)\n");

    let big = generate();
    let e = parse(&big);
    assert!(
        e.is_clean(),
        "generated input must parse cleanly: {:?}",
        e.errors.first()
    );
    let samples = e.sample_count();
    println!(
        "generated: {} lines, {} families",
        e.lines,
        e.families.len()
    );
    drop(e);
    let t = median(1, || {
        black_box(parse(black_box(&big)));
    });
    report("parse generated", big.len(), samples, t);
    if only_generated {
        return;
    }

    let node1_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scrapes/node1-idle.prom");
    let Ok(node1) = std::fs::read_to_string(&node1_path) else {
        println!("{} missing; skipped", node1_path.display());
        return;
    };
    let e = parse(&node1);
    let samples = e.sample_count();
    let t = median(200, || {
        black_box(parse(black_box(&node1)));
    });
    report("parse node1-idle.prom", node1.len(), samples, t);
    let t = median(200, || {
        black_box(normalise(black_box(&e)));
    });
    let n = normalise(&e);
    report("normalise node1-idle.prom", node1.len(), samples, t);
    println!(
        "normalised: {} metrics ({})",
        n.metrics.len(),
        n.dialect.as_str()
    );
    let t = median(200, || {
        black_box(normalise(&parse(black_box(&node1))));
    });
    report("parse+normalise node1", node1.len(), samples, t);

    fleet_pair();
}

/// One node's two scrapes from a generated fleet (`scripts/bench.sh` makes them under
/// `target/fleet/`): what `analyze` does per node, split into its steps.
fn fleet_pair() {
    let nodes = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fleet/fleet-10/nodes");
    let Some(dir) = std::fs::read_dir(&nodes).ok().and_then(|d| {
        let mut v: Vec<_> = d.flatten().map(|e| e.path()).collect();
        v.sort();
        v.into_iter().next()
    }) else {
        println!(
            "\n{} missing (run scripts/bench.sh once); fleet pair skipped",
            nodes.display()
        );
        return;
    };
    let read = |n: u8| std::fs::read_to_string(dir.join(format!("metrics/scrape-{n}.prom")));
    let (Ok(a), Ok(b)) = (read(0), read(1)) else {
        println!("\nno scrape pair under {}; skipped", dir.display());
        return;
    };
    println!("\nfleet node {}", dir.display());
    let e = parse(&b);
    let samples = e.sample_count();
    let t = median(50, || {
        black_box(parse(black_box(&b)));
    });
    report("parse fleet scrape", b.len(), samples, t);
    let t = median(50, || {
        black_box(normalise(black_box(&e)));
    });
    report("normalise fleet scrape", b.len(), samples, t);
    let t = median(20, || {
        black_box(node_metrics(black_box(&a), Some((black_box(&b), 30.0))));
    });
    report("node_metrics fleet pair", a.len() + b.len(), 2 * samples, t);
}
