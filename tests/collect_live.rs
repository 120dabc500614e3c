//! `casstune collect` and `analyze` against the real 3-node Cassandra 5.0 test cluster
//! (started by scripts/cassandra.sh through tests/support).
//!
//! The fault tests stop or kill node 3, so every test here takes one lock: they run one at a
//! time even though cargo runs a binary's tests in parallel.

mod support;

use std::path::Path;
use std::process::Output;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use casstune::snapshot::{Archive, Rows};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn run(args: &[&str]) -> Output {
    support::casstune()
        .args(args)
        .env_remove("CASSTUNE_CONTACT_POINTS")
        .env("HOME", "/nonexistent-casstune-test-home")
        .output()
        .expect("casstune runs")
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A small user table with rows, so the probes have partitions to read.
fn scenario_table() {
    support::cql_exec(&[
        "CREATE KEYSPACE IF NOT EXISTS casstune_it WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}",
        "CREATE TABLE IF NOT EXISTS casstune_it.events (id int, seq int, body text, PRIMARY KEY (id, seq))",
        "INSERT INTO casstune_it.events (id, seq, body) VALUES (1, 1, 'a')",
        "INSERT INTO casstune_it.events (id, seq, body) VALUES (2, 1, 'b')",
        "INSERT INTO casstune_it.events (id, seq, body) VALUES (3, 1, 'c')",
    ]);
}

/// Virtual tables every 5.0 node has that tuning reads (the collector takes all of them).
const VIEWS: &[&str] = &[
    "settings",
    "system_properties",
    "caches",
    "thread_pools",
    "disk_usage",
    "max_partition_size",
    "local_read_latency",
    "local_write_latency",
    "coordinator_read_latency",
    "coordinator_write_latency",
    "rows_per_read",
    "tombstones_per_read",
    "sstable_tasks",
    "clients",
];

fn rows(a: &Archive, path: &str) -> Rows {
    a.get_json::<Rows>(path)
        .unwrap()
        .unwrap_or_else(|| panic!("no member {path}"))
}

#[test]
fn collect_then_analyze_round_trip() {
    let _g = serial();
    let c = support::cluster();
    scenario_table();
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("cluster.snap");
    let snap_s = snap.to_str().unwrap();
    let out = run(&[
        "collect",
        "-c",
        &c.contact_points[0],
        "--metrics-port",
        "9404",
        "--interval",
        "2s",
        "--probe-traces",
        "2",
        "-o",
        snap_s,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let a = Archive::read(&snap).expect("the snapshot reads back");
    let m = &a.manifest;
    assert_eq!(m.cluster_name.as_deref(), Some(c.cluster_name.as_str()));
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    let ids: Vec<&str> = m.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(
        ids,
        c.contact_points
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    for n in &m.nodes {
        assert!(n.errors.is_empty(), "{}: {:?}", n.id, n.errors);
        assert_eq!(n.release_version.as_deref().map(|v| &v[..3]), Some("5.0"));
        for v in VIEWS {
            let table = format!("system_views.{v}");
            assert!(
                n.collected.contains(&format!("cql:{table}")),
                "{}: no {table}",
                n.id
            );
            let r = rows(&a, &format!("nodes/{}/cql/{table}.json", n.id));
            assert!(!r.columns.is_empty(), "{}: {table} has no columns", n.id);
        }
        // Node-local means node-local: each node's system.local names itself.
        let local = rows(&a, &format!("nodes/{}/cql/system.local.json", n.id));
        let addr = local.records().next().unwrap()["rpc_address"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(addr, n.id);
        let scrapes = a
            .paths_under(&format!("nodes/{}/metrics/scrape-", n.id))
            .count();
        assert_eq!(scrapes, 2, "{}: two scrapes for rates", n.id);
        assert!(
            a.get(&format!("nodes/{}/host.json", n.id)).is_some(),
            "{}: local host facts",
            n.id
        );
    }
    let settings = rows(&a, "nodes/127.0.0.2/cql/system_views.settings.json");
    assert!(
        settings
            .records()
            .any(|r| r["name"] == "concurrent_reads" && r["value"] == "16")
    );
    let tables = rows(&a, "cluster/system_schema.tables.json");
    assert!(tables.records().any(|r| {
        r["keyspace_name"] == "casstune_it"
            && r["table_name"] == "events"
            && r["compaction"]["class"]
                .as_str()
                .unwrap_or_default()
                .ends_with("SizeTieredCompactionStrategy")
    }));
    let probes: Vec<serde_json::Value> = a.get_json("traces/probes.json").unwrap().unwrap();
    let ours: Vec<_> = probes
        .iter()
        .filter(|p| p["keyspace"] == "casstune_it")
        .collect();
    assert_eq!(
        ours.len(),
        2,
        "--probe-traces 2 reads at most two partitions: {probes:?}"
    );
    assert!(ours.iter().all(|p| p["session_id"].is_string()), "{ours:?}");

    // The snapshot analyses offline, and a live run of the same flags reaches the same rules,
    // except those judging metric values: a run seconds later (with one scrape, no rates)
    // sees another moment of a machine the other tests keep busy.
    let offline = run(&["analyze", snap_s, "--format", "json"]);
    assert!(
        matches!(offline.status.code(), Some(0 | 1)),
        "{}",
        text(&offline)
    );
    let live = run(&[
        "analyze",
        "-c",
        &c.contact_points[0],
        "--metrics-port",
        "9404",
        "--interval",
        "0s",
        "--format",
        "json",
    ]);
    assert!(matches!(live.status.code(), Some(0 | 1)), "{}", text(&live));
    let from_metrics: std::collections::HashSet<String> = casstune::engine::builtin::all()
        .into_iter()
        .filter(|r| {
            r.meta.needs.iter().any(|n| {
                matches!(
                    n,
                    casstune::engine::Need::Metrics | casstune::engine::Need::Rates
                )
            })
        })
        .map(|r| r.meta.id)
        .collect();
    let rule_set = |o: &Output| {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let mut r: Vec<(String, String)> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| !from_metrics.contains(f["rule"].as_str().unwrap()))
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["subject"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        r.sort();
        r.dedup();
        (r, v["targets"].as_array().unwrap().len())
    };
    let (off_rules, off_targets) = rule_set(&offline);
    assert_eq!(off_targets, 3);
    assert_eq!(off_rules, rule_set(&live).0);
    // Settings came from the running nodes: e.g. the loopback test nodes' SimpleSnitch.
    assert!(
        off_rules
            .iter()
            .any(|(r, s)| r == "CFG-028" && s == "127.0.0.1"),
        "{off_rules:?}"
    );
}

#[test]
fn only_reads_reach_the_cluster() {
    let _g = serial();
    let c = support::cluster();
    scenario_table();
    let audit: Vec<_> = (1..=c.nodes)
        .map(|n| c.node_path(n).join("logs/audit.log"))
        .collect();
    let before: Vec<u64> = audit
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("x.snap");
    let out = run(&[
        "collect",
        "-c",
        &c.contact_points[0],
        "--interval",
        "0s",
        "--probe-traces",
        "3",
        "-o",
        snap.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let mut seen = 0;
    for (p, from) in audit.iter().zip(before) {
        let bytes = std::fs::read(p).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (audit logging is on in node.yaml.tmpl)",
                p.display()
            )
        });
        let new = String::from_utf8_lossy(&bytes[from as usize..]).into_owned();
        for line in new.lines() {
            let field = |k: &str| {
                line.split('|')
                    .find_map(|f| f.strip_prefix(&format!("{k}:")))
                    .unwrap_or("")
            };
            let (ty, op) = (field("type"), field("operation"));
            seen += 1;
            let read = ty == "SELECT"
                || (ty == "PREPARE_STATEMENT"
                    && op.trim_start().to_uppercase().starts_with("SELECT"));
            assert!(
                read,
                "{}: casstune sent a statement that is not a read: {line}",
                p.display()
            );
        }
    }
    assert!(
        seen > 50,
        "the audit log recorded only {seen} statements; is it on?"
    );
}

/// Stops node 3 (SIGSTOP, a hung peer) once the collection is under way.
#[test]
fn hung_node_leaves_a_partial_snapshot() {
    let _g = serial();
    let c = support::cluster();
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("p.snap");
    let t0 = Instant::now();
    let child = support::casstune()
        .args([
            "collect",
            "-c",
            &c.contact_points[0],
            "--metrics-port",
            "9404",
            "--interval",
            "4s",
            "--timeout",
            "3s",
            "--node-timeout",
            "12s",
            "--trace-limit",
            "0",
            "-o",
            snap.to_str().unwrap(),
        ])
        .env("HOME", "/nonexistent-casstune-test-home")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(support::signal_node(3, "STOP"));
    let out = child.wait_with_output().unwrap();
    let took = t0.elapsed();
    assert!(support::signal_node(3, "CONT"));
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        took < Duration::from_secs(40),
        "the per-node timeout did not hold: {took:?}"
    );
    let a = Archive::read(&snap).unwrap();
    for n in &a.manifest.nodes {
        if n.id == c.contact_points[2] {
            assert!(!n.errors.is_empty(), "node 3 was stopped but has no error");
        } else {
            assert!(n.errors.is_empty(), "{}: {:?}", n.id, n.errors);
            assert!(
                a.get(&format!("nodes/{}/cql/system_views.settings.json", n.id))
                    .is_some()
            );
            assert_eq!(
                a.paths_under(&format!("nodes/{}/metrics/scrape-", n.id))
                    .count(),
                2
            );
        }
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&c.contact_points[2]) && stderr.contains("partial"),
        "{stderr}"
    );
}

#[test]
fn unreachable_and_wrong_protocol_are_one_line_errors() {
    let _g = serial();
    let c = support::cluster();
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("none.snap");
    let t0 = Instant::now();
    let out = run(&[
        "collect",
        "-c",
        "127.0.0.1:1",
        "--connect-timeout",
        "2s",
        "-o",
        snap.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(t0.elapsed() < Duration::from_secs(15), "{:?}", t0.elapsed());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot connect to 127.0.0.1:1"), "{err}");
    assert!(err.lines().all(|l| l.len() < 600), "{err}");
    assert!(
        !Path::new(&snap).exists(),
        "nothing collected, nothing written"
    );

    // TLS against a plaintext node: a handshake failure, named, not a hang.
    let out = run(&[
        "collect",
        "-c",
        &c.contact_points[0],
        "--tls-insecure",
        "--connect-timeout",
        "3s",
        "--interval",
        "0s",
        "-o",
        snap.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot connect"),
        "{}",
        text(&out)
    );

    // TLS without a CA to trust is refused before connecting.
    let out = run(&[
        "collect",
        "-c",
        &c.contact_points[0],
        "--tls",
        "-o",
        snap.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--tls-ca"),
        "{}",
        text(&out)
    );
}

#[test]
fn prometheus_server_metrics_reach_the_snapshot() {
    let _g = serial();
    let c = support::cluster();
    let server = support::prometheus();
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("prom.snap");
    // Prometheus needs a few scrapes before range functions have data.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = run(&[
            "collect",
            "-c",
            &c.contact_points[0],
            "--prometheus-server",
            server,
            "--window",
            "5m",
            "--interval",
            "0s",
            "-o",
            snap.to_str().unwrap(),
        ]);
        let a = Archive::read(&snap);
        let ok = out.status.code() == Some(0)
            && a.as_ref().is_ok_and(|a| {
                c.contact_points.iter().all(|ip| {
                    a.get(&format!("prometheus-server/metrics/{ip}.json"))
                        .is_some()
                })
            });
        if ok {
            break;
        }
        assert!(Instant::now() < deadline, "{}", text(&out));
        std::thread::sleep(Duration::from_secs(5));
    }
    let a = Archive::read(&snap).unwrap();
    let m: casstune::model::Metrics = a
        .get_json("prometheus-server/metrics/127.0.0.2.json")
        .unwrap()
        .unwrap();
    assert!(
        m.values.keys().any(|k| k.starts_with("jvm.heap")),
        "{:?}",
        m.values.keys().take(20).collect::<Vec<_>>()
    );
}

/// Kills node 3 (SIGKILL) during the collection, then starts it again for the other tests.
#[test]
fn dead_node_leaves_a_partial_snapshot() {
    let _g = serial();
    let c = support::cluster();
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("k.snap");
    let child = support::casstune()
        .args([
            "collect",
            "-c",
            &c.contact_points[0],
            "--metrics-port",
            "9404",
            "--interval",
            "4s",
            "--timeout",
            "3s",
            "--node-timeout",
            "12s",
            "-o",
            snap.to_str().unwrap(),
        ])
        .env("HOME", "/nonexistent-casstune-test-home")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let killed = support::signal_node(3, "KILL");
    let out = child.wait_with_output().unwrap();
    support::restart_missing_nodes();
    assert!(killed, "node 3 was not running");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let a = Archive::read(&snap).unwrap();
    let node3 = a
        .manifest
        .nodes
        .iter()
        .find(|n| n.id == c.contact_points[2])
        .expect("node 3 is listed");
    assert!(!node3.errors.is_empty(), "node 3 died but has no error");
    for n in a
        .manifest
        .nodes
        .iter()
        .filter(|n| n.id != c.contact_points[2])
    {
        assert!(n.errors.is_empty(), "{}: {:?}", n.id, n.errors);
        assert_eq!(
            a.paths_under(&format!("nodes/{}/metrics/scrape-", n.id))
                .count(),
            2
        );
        assert!(
            a.get(&format!(
                "nodes/{}/cql/system_views.thread_pools.json",
                n.id
            ))
            .is_some()
        );
    }
}

/// Kills node 3 once the collection is under way and starts it again before the second
/// scrape: its counters restart from zero between the two scrapes. The collection must end
/// (exit 0 or 3), nodes 1–2 complete, node 3's failures named, and no rate computed across
/// the restart may be negative (a counter reset is a restart, not traffic going backwards).
#[test]
fn node_restarted_during_collection() {
    let _g = serial();
    let c = support::cluster();
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("r.snap");
    let t0 = Instant::now();
    let child = support::casstune()
        // Generous per-request timeouts: node 3's start takes the CPU from nodes 1–2's
        // exporters on this small machine, and this test is about the restart, not a slow peer.
        .args([
            "collect",
            "-c",
            &c.contact_points[0],
            "--metrics-port",
            "9404",
            "--interval",
            "30s",
            "--timeout",
            "10s",
            "--node-timeout",
            "20s",
            "--trace-limit",
            "0",
            "-o",
            snap.to_str().unwrap(),
        ])
        .env("HOME", "/nonexistent-casstune-test-home")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let killed = support::signal_node(3, "KILL");
    // Back up while the collector waits for its second scrape (a node starts in ~15 s).
    support::restart_missing_nodes();
    let restarted_after = t0.elapsed();
    let out = child.wait_with_output().unwrap();
    assert!(killed, "node 3 was not running");
    assert!(matches!(out.status.code(), Some(0 | 3)), "{}", text(&out));
    let a = Archive::read(&snap).unwrap();
    for n in a
        .manifest
        .nodes
        .iter()
        .filter(|n| n.id != c.contact_points[2])
    {
        assert!(n.errors.is_empty(), "{}: {:?}", n.id, n.errors);
        assert_eq!(
            a.paths_under(&format!("nodes/{}/metrics/scrape-", n.id))
                .count(),
            2
        );
        assert!(
            a.get(&format!("nodes/{}/cql/system_views.settings.json", n.id))
                .is_some()
        );
    }
    let node3 = a
        .manifest
        .nodes
        .iter()
        .find(|n| n.id == c.contact_points[2])
        .expect("node 3 is listed");
    let scrapes3 = a
        .paths_under(&format!("nodes/{}/metrics/scrape-", node3.id))
        .count();
    // Its CQL queries ran while it was down: they failed, and say so.
    if out.status.code() == Some(3) {
        assert!(
            !node3.errors.is_empty(),
            "partial, but node 3 has no error: {}",
            text(&out)
        );
    }
    // The second pass comes ≥ 30 s after the first: a node back by then is scraped once
    // (the first pass found it down), with the failure noted.
    if restarted_after < Duration::from_secs(28) {
        assert!(
            scrapes3 >= 1,
            "node 3 was back after {restarted_after:?} but has no scrape: {:?}",
            node3.errors
        );
    }
    let mut problems = Vec::new();
    let model = casstune::analyze::load::snapshot(&a, &mut problems);
    let m3 = &model
        .nodes
        .iter()
        .find(|n| n.id == node3.id)
        .expect("node 3 in the model")
        .metrics;
    let negative: Vec<_> = m3
        .values
        .iter()
        .filter(|(k, v)| {
            k.contains(casstune::model::metrics::RATE_SUFFIX) && !(v.is_finite() && **v >= 0.0)
        })
        .collect();
    assert!(negative.is_empty(), "rates across a restart: {negative:?}");
    eprintln!(
        "node 3 back after {restarted_after:?}; node 3 scrapes: {scrapes3}, errors: {:?}; exit {:?}",
        node3.errors.iter().map(|e| &e.source).collect::<Vec<_>>(),
        out.status.code()
    );
    // The analysis of such a snapshot works and says it is partial when it is.
    let o = run(&["analyze", snap.to_str().unwrap(), "--format", "json"]);
    assert!(matches!(o.status.code(), Some(0 | 1 | 3)), "{}", text(&o));
}
