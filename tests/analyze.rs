//! `casstune analyze` on snapshot files, and `collect` from files only: no cluster needed.

use std::process::{Command, Output};

use casstune::snapshot::{Archive, SourceError};

fn casstune(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_casstune"))
        .args(args)
        .env("HOME", "/nonexistent-casstune-test-home")
        .env_remove("CASSTUNE_CONTACT_POINTS")
        .output()
        .unwrap()
}

fn demo() -> String {
    format!("{}/examples/demo.snap", env!("CARGO_MANIFEST_DIR"))
}

fn show(o: &Output) -> String {
    format!(
        "exit {:?}\n{}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn the_bundled_demo_snapshot_analyses_offline_and_deterministically() {
    let a = casstune(&["analyze", &demo(), "--format", "json"]);
    assert!(matches!(a.status.code(), Some(0 | 1)), "{}", show(&a));
    let b = casstune(&["analyze", &demo(), "--format", "json"]);
    assert_eq!(a.stdout, b.stdout, "same snapshot, same bytes");
    let v: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let targets = v["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 3);
    for t in targets {
        assert_eq!(t["cassandra_version"], "5.0");
        assert!(
            t["version_source"]
                .as_str()
                .unwrap()
                .starts_with("release_version 5.0")
        );
        // The demo carries each node's real cassandra.yaml, so findings point into it.
        assert!(
            t["files"][0]
                .as_str()
                .unwrap()
                .ends_with("/files/cassandra.yaml"),
            "{t}"
        );
    }
    let findings = v["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["rule"] == "CFG-028"),
        "SimpleSnitch on the test nodes"
    );
    let snap = Archive::read(std::path::Path::new(&demo())).unwrap();
    assert!(!snap.is_partial(), "{:?}", snap.manifest);
    assert!(snap.get("traces/probes.json").is_some());
}

#[test]
fn a_partial_snapshot_exits_3_and_lists_its_errors() {
    let mut snap = Archive::read(std::path::Path::new(&demo())).unwrap();
    snap.node_entry("127.0.0.3").errors.push(SourceError {
        source: "cql:system_views.settings".into(),
        message: "node timed out".into(),
    });
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("partial.snap");
    snap.write(&p, &[]).unwrap();
    let o = casstune(&["analyze", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("127.0.0.3: cql:system_views.settings: node timed out"),
        "{}",
        show(&o)
    );
}

#[test]
fn not_a_snapshot_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cassandra.yaml");
    std::fs::write(&p, "cluster_name: x\n").unwrap();
    let o = casstune(&["analyze", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("not a casstune snapshot") && err.contains("cassandra.yaml"),
        "{err}"
    );
    let o = casstune(&["analyze"]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
}

#[test]
fn files_only_collection_round_trips_and_redacts() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("conf");
    std::fs::create_dir(&conf).unwrap();
    let demo_yaml = std::fs::read_to_string(format!(
        "{}/examples/demo/conf/cassandra.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let secret = "Pl4nted-Keystore-Secret";
    std::fs::write(
        conf.join("cassandra.yaml"),
        format!("{demo_yaml}\nserver_encryption_options:\n  internode_encryption: none\n  keystore_password: {secret}\n"),
    )
    .unwrap();
    let host = dir.path().join("host.json");
    let o = casstune(&["collect-host", "-o", host.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let snap = dir.path().join("files.snap");
    let o = casstune(&[
        "collect",
        "--config",
        conf.to_str().unwrap(),
        "--host-facts",
        host.to_str().unwrap(),
        "-o",
        snap.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let raw = std::fs::read(&snap).unwrap();
    let tar = zstd::decode_all(&raw[..]).unwrap();
    assert!(
        !String::from_utf8_lossy(&tar).contains(secret),
        "the keystore password reached the snapshot"
    );
    let a = casstune(&["analyze", snap.to_str().unwrap(), "--format", "json"]);
    assert!(matches!(a.status.code(), Some(0 | 1)), "{}", show(&a));
    let v: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(v["targets"][0]["subject"], "local");
    // The demo conf's findings come through the snapshot as they do through lint, and host
    // facts from collect-host enable the hardware rules.
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.len() > 5, "{rules:?}");
    assert!(
        !v["not_checked"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["reason"].as_str().unwrap().contains("--cores")),
        "{}",
        v["not_checked"]
    );
}

fn load(path: &str) -> casstune::model::Snapshot {
    let a = Archive::read(std::path::Path::new(path)).unwrap();
    let mut problems = Vec::new();
    let s = casstune::analyze::load::snapshot(&a, &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
    s
}

/// The vocabulary families issue 3 asks for, present for every node of a real collection.
#[test]
fn a_real_snapshot_loads_every_metric_family_schema_and_traces() {
    let s = load(&demo());
    let families = [
        "table.read_latency.p99_us",
        "table.write_latency.p99_us",
        "clientrequest.read.latency.p99_us",
        "table.pending_compactions",
        "compaction.pending_tasks",
        "table.sstables_per_read.p99",
        "table.tombstones_scanned.p99",
        "table.max_partition_size_bytes",
        "table.mean_partition_size_bytes",
        "cache.key.hit_ratio",
        "cache.key.requests",
        "dropped.mutation",
        "threadpool.pending",
        "threadpool.blocked",
        "jvm.gc.time_seconds_total",
        "jvm.gc.collections_total",
        "jvm.heap.used_bytes",
        "jvm.heap.max_bytes",
        "storage.hints_total",
        "clientrequest.read.timeouts",
    ];
    assert_eq!(s.nodes.len(), 3);
    for n in &s.nodes {
        let keys: Vec<&str> = n.metrics.values.keys().collect();
        for f in families {
            assert!(
                keys.iter().any(|k| k.split('{').next() == Some(f)),
                "{}: no {f}",
                n.id
            );
        }
        assert!(
            keys.iter()
                .any(|k| k.starts_with("jvm.gc.time_seconds_total:rate_per_second")),
            "{}: no GC rate",
            n.id
        );
        assert!(
            n.metrics.interval_seconds.is_some_and(|i| i > 5.0),
            "{}: two scrapes 10 s apart",
            n.id
        );
        let live = n.live.as_ref().unwrap();
        assert!(
            live.table("system_views.thread_pools")
                .is_some_and(|r| !r.rows.is_empty())
        );
        assert!(n.host.cores.is_some(), "{}: local host facts", n.id);
    }
    let t = s
        .schema
        .table("demo", "sensor_readings")
        .expect("demo table");
    assert_eq!(t.compaction_class(), Some("SizeTieredCompactionStrategy"));
    assert_eq!(t.option_i64("default_time_to_live"), Some(604_800));
    assert_eq!(
        t.columns
            .iter()
            .filter(|c| c.kind == "partition_key")
            .count(),
        2
    );
    assert_eq!(s.schema.table("demo", "accounts").unwrap().indexes.len(), 1);
    // The 40 000-row partition lives on one node (RF 1): its estimate is the skewed one.
    let wide = &s.schema.table("demo", "wide_rows").unwrap().estimates;
    assert!(
        wide.values().any(|e| e.mean_partition_size > 100_000),
        "{wide:?}"
    );
    assert!(
        s.traces
            .iter()
            .any(|t| t.probe_of.as_deref() == Some("demo.inbox") && !t.events.is_empty())
    );
}

/// Without config files, each node's running settings stand in for its cassandra.yaml, and
/// the rules about what stops a start stay quiet (the node runs).
#[test]
fn running_settings_stand_in_for_cassandra_yaml() {
    let path = format!(
        "{}/fixtures/snapshots/cluster3-idle.snap",
        env!("CARGO_MANIFEST_DIR")
    );
    let s = load(&path);
    let n = &s.nodes[0];
    let cfg = n
        .config
        .as_ref()
        .expect("config from system_views.settings");
    assert!(cfg.running);
    assert_eq!(
        cfg.get("concurrent_reads").and_then(|v| v.value.as_i64()),
        Some(16)
    );
    let o = casstune(&["analyze", &path, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"CFG-028"), "{rules:?}");
    assert!(
        !rules
            .iter()
            .any(|r| ["CFG-001", "CFG-002", "CFG-007", "CFG-011"].contains(r)),
        "{rules:?}"
    );
}

/// `--diff-dir` writes the fixes as files; the config patch applies to the snapshot's own
/// config files (extracted here as they would sit on the nodes), and the table groups the
/// same finding across nodes into one row.
#[test]
fn diff_dir_fixes_apply_and_table_groups_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fixes");
    let o = casstune(&[
        "analyze",
        &demo(),
        "--diff-dir",
        out.to_str().unwrap(),
        "--color",
        "never",
    ]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", show(&o));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("3 nodes:"), "{table}");
    let patch = out.join("config.patch");
    assert!(patch.exists(), "{}", show(&o));
    let snap = Archive::read(std::path::Path::new(&demo())).unwrap();
    let tree = dir.path().join("tree");
    for (path, bytes) in snap.members() {
        if path.contains("/files/") {
            let p = tree.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
    }
    let check = Command::new("patch")
        .args(["-p1", "--dry-run", "-i"])
        .arg(&patch)
        .current_dir(&tree)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", show(&check));
    // Per node group: the demo's three nodes get the same change to cassandra.yaml, so one
    // group patch; it applies in each node's own configuration directory.
    let groups: Vec<String> = std::fs::read_dir(out.join("config"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("cassandra.yaml."))
        .collect();
    assert_eq!(groups, ["cassandra.yaml.1-of-1.patch"], "{}", show(&o));
    let group = out.join("config").join(&groups[0]);
    let head = std::fs::read_to_string(&group).unwrap();
    assert!(
        head.contains("for 3 nodes: 127.0.0.1, 127.0.0.2, 127.0.0.3"),
        "{head}"
    );
    for node in ["127.0.0.1", "127.0.0.2", "127.0.0.3"] {
        let conf = tree.join("nodes").join(node).join("files");
        let check = Command::new("patch")
            .args(["-p1", "--dry-run", "-i"])
            .arg(&group)
            .current_dir(&conf)
            .output()
            .unwrap();
        assert!(check.status.success(), "{node}: {}", show(&check));
    }
}
