//! Records `examples/demo.snap`, the bundled snapshot the README's first command analyses:
//! the real 3-node test cluster after provoking a few problems a tuning review should catch.
//! Not part of the suite (it writes into the repo):
//!
//!     cargo test --test record_demo -- --ignored --nocapture
//!
//! Provoked, in keyspace `demo` (SimpleStrategy, RF 1):
//! - `sensor_readings`: time-series rows written with a TTL under STCS (a TWCS candidate);
//! - `user_sessions`: row cache on, written far more than read;
//! - `wide_rows`: one partition of 40 000 rows (~6 MB) next to small ones (partition skew);
//! - `inbox`: a partition whose rows were deleted, then read (tombstones per read);
//! - `accounts`: a secondary index on a unique column (email);
//! - reads on every table, so latencies and per-read histograms have data, and
//!   `--probe-traces 2` traced reads.

mod support;

use std::fmt::Write as _;

fn batch(table_insert: impl Fn(usize) -> String, from: usize, to: usize) -> String {
    let mut s = String::from("BEGIN UNLOGGED BATCH\n");
    for i in from..to {
        let _ = writeln!(s, "{};", table_insert(i));
    }
    s.push_str("APPLY BATCH");
    s
}

fn nodetool(n: usize, args: &[&str]) {
    let out = std::process::Command::new("bash")
        .arg(support::repo().join("scripts/cassandra.sh"))
        .arg("nodetool")
        .arg(n.to_string())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "nodetool {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "records examples/demo.snap; run by hand"]
fn record_demo_snapshot() {
    let c = support::cluster();
    support::cql_exec(&[
        "DROP KEYSPACE IF EXISTS demo",
        "CREATE KEYSPACE demo WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
        "CREATE TABLE demo.sensor_readings (sensor int, day text, ts timestamp, value double, PRIMARY KEY ((sensor, day), ts)) WITH CLUSTERING ORDER BY (ts DESC) AND default_time_to_live = 604800",
        "CREATE TABLE demo.user_sessions (user_id int PRIMARY KEY, session_key text, last_seen timestamp) WITH caching = {'keys': 'ALL', 'rows_per_partition': 'ALL'}",
        "CREATE TABLE demo.wide_rows (bucket int, seq int, payload text, PRIMARY KEY (bucket, seq))",
        "CREATE TABLE demo.inbox (owner int, msg int, body text, PRIMARY KEY (owner, msg))",
        "CREATE TABLE demo.accounts (id int PRIMARY KEY, email text, name text)",
        "CREATE INDEX accounts_email ON demo.accounts (email)",
    ]);
    let mut st: Vec<String> = Vec::new();
    for b in 0..40 {
        st.push(batch(
            |i| format!("INSERT INTO demo.sensor_readings (sensor, day, ts, value) VALUES ({}, '2026-11-2{}', {}, {}.5)", i % 20, i % 3, 1_795_300_000_000i64 + i as i64 * 1000, i),
            b * 50,
            b * 50 + 50,
        ));
    }
    for round in 0..20 {
        st.push(batch(
            |i| format!("INSERT INTO demo.user_sessions (user_id, session_key, last_seen) VALUES ({i}, 'tok-{round}-{i}', toTimestamp(now()))"),
            0,
            100,
        ));
    }
    let payload = "x".repeat(150);
    for b in 0..400 {
        st.push(batch(
            |i| {
                format!(
                    "INSERT INTO demo.wide_rows (bucket, seq, payload) VALUES (0, {i}, '{payload}')"
                )
            },
            b * 100,
            b * 100 + 100,
        ));
    }
    for bucket in 1..50 {
        st.push(format!(
            "INSERT INTO demo.wide_rows (bucket, seq, payload) VALUES ({bucket}, 0, 'small')"
        ));
    }
    // Batches of 100 stay under the test nodes' batch_size_fail_threshold (50 KiB).
    for b in 0..20 {
        st.push(batch(
            |i| format!("INSERT INTO demo.inbox (owner, msg, body) VALUES (7, {i}, 'hello')"),
            b * 100,
            b * 100 + 100,
        ));
    }
    for b in 0..20 {
        st.push(batch(
            |i| format!("DELETE FROM demo.inbox WHERE owner = 7 AND msg = {i}"),
            b * 100,
            (b * 100 + 100).min(1990),
        ));
    }
    for b in 0..5 {
        st.push(batch(|i| format!("INSERT INTO demo.accounts (id, email, name) VALUES ({i}, 'user{i}@example.com', 'User {i}')"), b * 100, b * 100 + 100));
    }
    for i in 0..30 {
        st.push("SELECT * FROM demo.inbox WHERE owner = 7".into());
        st.push(format!(
            "SELECT * FROM demo.user_sessions WHERE user_id = {i}"
        ));
        st.push(format!(
            "SELECT * FROM demo.accounts WHERE email = 'user{i}@example.com'"
        ));
        st.push(format!(
            "SELECT * FROM demo.sensor_readings WHERE sensor = {} AND day = '2026-11-21' LIMIT 10",
            i % 20
        ));
        st.push("SELECT * FROM demo.wide_rows WHERE bucket = 0 LIMIT 5000".into());
    }
    let (writes, reads): (Vec<&str>, Vec<&str>) = st
        .iter()
        .map(String::as_str)
        .partition(|s| !s.starts_with("SELECT"));
    support::cql_exec(&writes);
    // SSTables on disk, so partition sizes, SSTables per read and size estimates exist.
    for n in 1..=c.nodes {
        nodetool(n, &["flush", "demo"]);
        nodetool(n, &["refreshsizeestimates"]);
    }
    support::cql_exec(&reads);

    let out_path = support::repo().join("examples/demo.snap");
    let node_conf = |n: usize| format!("{}={}", c.contact_points[n - 1], c.node_path(n).display());
    let out = support::casstune()
        .args([
            "collect",
            "-c",
            &c.contact_points[0],
            "--metrics-port",
            "9404",
            "--interval",
            "10s",
            "--probe-traces",
            "2",
            "--config",
            &node_conf(1),
            "--config",
            &node_conf(2),
            "--config",
            &node_conf(3),
            "-o",
            out_path.to_str().unwrap(),
        ])
        .env("HOME", "/nonexistent-casstune-test-home")
        .output()
        .unwrap();
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0));
}
