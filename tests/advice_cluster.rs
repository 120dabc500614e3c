//! Cluster-scope rules (SCH-0xx, COMP-2xx, PART-1xx, TRC-0xx, CLU-0xx) on real snapshots:
//! `examples/demo.snap` (the 3-node 5.0 test cluster with provoked problems, see
//! tests/record_demo.rs) and `fixtures/snapshots/cluster3-idle.snap` (the same cluster with no
//! user tables). Every rule has a case where it fires and one where it stays quiet; when the
//! real snapshots lack a condition, the loaded model is changed as little as needed. The last
//! test runs every CQL statement these rules propose against the real test cluster, in a
//! throwaway keyspace.

mod support;

use std::sync::OnceLock;

use casstune::catalog::Version;
use casstune::engine::{Engine, Finding, Fix, Safety, Severity, builtin};
use casstune::model::schema::{Column, Index, Table};
use casstune::model::{Setting, SettingValue, Snapshot, TraceEvent, TraceSession};
use casstune::snapshot::{Archive, Rows};
use serde_json::{Value, json};

const DEMO: &str = "examples/demo.snap";
const IDLE: &str = "fixtures/snapshots/cluster3-idle.snap";

fn archive(path: &'static str) -> &'static Archive {
    static DEMO_A: OnceLock<Archive> = OnceLock::new();
    static IDLE_A: OnceLock<Archive> = OnceLock::new();
    let cell = if path == DEMO { &DEMO_A } else { &IDLE_A };
    cell.get_or_init(|| Archive::read(&support::repo().join(path)).unwrap())
}

fn load(path: &'static str) -> Snapshot {
    let mut problems = Vec::new();
    let s = casstune::analyze::load::snapshot(archive(path), &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
    s
}

fn demo() -> Snapshot {
    load(DEMO)
}

fn idle() -> Snapshot {
    load(IDLE)
}

fn engine() -> Engine {
    Engine {
        rules: builtin::all(),
    }
}

fn run(s: &Snapshot) -> Vec<Finding> {
    engine().run(s).findings
}

/// Runs with one rule's parameter overridden (as a user rule file would).
fn run_with(s: &Snapshot, rule: &str, param: &str, v: f64) -> Vec<Finding> {
    let mut e = engine();
    let r = e
        .rules
        .iter_mut()
        .find(|r| r.meta.id == rule)
        .expect("rule exists");
    assert!(
        r.meta.params.contains_key(param),
        "{rule} has no param {param}"
    );
    r.meta.params.insert(param.into(), v);
    e.run(s).findings
}

fn is_mine(rule: &str) -> bool {
    rule.starts_with("SCH-")
        || rule.starts_with("TRC-")
        || rule.starts_with("CLU-")
        || rule.starts_with("COMP-2")
        || rule.starts_with("PART-1")
}

fn of<'a>(f: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
    f.iter().filter(|x| x.rule == rule).collect()
}

fn one<'a>(f: &'a [Finding], rule: &str, subject: &str) -> &'a Finding {
    let found: Vec<_> = f
        .iter()
        .filter(|x| x.rule == rule && x.subject == subject)
        .collect();
    assert_eq!(found.len(), 1, "{rule} on {subject}: {:#?}", of(f, rule));
    found[0]
}

fn quiet(f: &[Finding], rule: &str) {
    assert!(
        of(f, rule).is_empty(),
        "{rule} should stay quiet: {:#?}",
        of(f, rule)
    );
}

fn statements(f: &Finding) -> Vec<String> {
    f.fixes
        .iter()
        .filter_map(|x| match x {
            Fix::Cql { statement, .. } => Some(statement.clone()),
            _ => None,
        })
        .collect()
}

fn cql_safety(f: &Finding, statement: &str) -> Safety {
    f.fixes
        .iter()
        .find_map(|x| match x {
            Fix::Cql {
                statement: s,
                safety,
                ..
            } if s == statement => Some(*safety),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no fix `{statement}` in {f:#?}"))
}

fn evidence<'a>(f: &'a Finding, name: &str) -> &'a str {
    &f.evidence
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no evidence `{name}` in {:#?}", f.evidence))
        .observed
}

/// Every finding carries numbers in its evidence.
fn has_numbers(f: &Finding) -> bool {
    f.evidence
        .iter()
        .any(|e| e.observed.chars().any(|c| c.is_ascii_digit()))
}

// ---------------------------------------------------------------- model edits

fn table_mut<'a>(s: &'a mut Snapshot, ks: &str, t: &str) -> &'a mut Table {
    s.schema
        .keyspaces
        .iter_mut()
        .find(|k| k.name == ks)
        .unwrap()
        .tables
        .iter_mut()
        .find(|x| x.name == t)
        .unwrap()
}

fn set_option(s: &mut Snapshot, ks: &str, t: &str, option: &str, v: Value) {
    table_mut(s, ks, t).options.insert(option.into(), v);
}

fn set_replication(s: &mut Snapshot, ks: &str, entries: &[(&str, &str)]) {
    let k = s
        .schema
        .keyspaces
        .iter_mut()
        .find(|k| k.name == ks)
        .unwrap();
    k.replication = entries
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
}

fn set_metric(s: &mut Snapshot, node: &str, name: &str, ks: &str, t: &str, v: f64) {
    let n = s.nodes.iter_mut().find(|n| n.id == node).unwrap();
    n.metrics.insert(name, &[("keyspace", ks), ("table", t)], v);
}

fn set_setting(s: &mut Snapshot, node: &str, name: &str, value: SettingValue, display: &str) {
    let n = s.nodes.iter_mut().find(|n| n.id == node).unwrap();
    let cfg = n.config.as_mut().unwrap();
    cfg.settings.insert(
        name.into(),
        Setting {
            name: name.into(),
            written_as: Some(name.into()),
            line: None,
            value,
            display: display.into(),
        },
    );
}

fn rows_mut<'a>(s: &'a mut Snapshot, node: &str, table: &str) -> &'a mut Rows {
    let n = s.nodes.iter_mut().find(|n| n.id == node).unwrap();
    n.live.as_mut().unwrap().tables.get_mut(table).unwrap()
}

/// Sets `col` in every row of a node table where `key_col` equals `key`.
fn set_cell(
    s: &mut Snapshot,
    node: &str,
    table: &str,
    key_col: &str,
    key: &str,
    col: &str,
    v: Value,
) {
    let rows = rows_mut(s, node, table);
    let (k, c) = (rows.col(key_col).unwrap(), rows.col(col).unwrap());
    let mut hit = false;
    for r in &mut rows.rows {
        if r[k].as_str() == Some(key) {
            r[c] = v.clone();
            hit = true;
        }
    }
    assert!(hit, "{node} {table}: no row with {key_col} = {key}");
}

fn set_local(s: &mut Snapshot, node: &str, col: &str, v: Value) {
    set_cell(s, node, "system.local", "key", "local", col, v);
}

fn event_mut<'a>(s: &'a mut Snapshot, session: &str, starts: &str) -> &'a mut TraceEvent {
    s.traces
        .iter_mut()
        .find(|t| t.session_id == session)
        .unwrap()
        .events
        .iter_mut()
        .find(|e| e.activity.starts_with(starts))
        .unwrap()
}

fn session(id: &str, query: &str, duration_us: i64) -> TraceSession {
    TraceSession {
        session_id: id.into(),
        coordinator: Some("127.0.0.1".into()),
        client: Some("10.1.2.3".into()),
        duration_us: Some(duration_us),
        request: Some("Execute CQL3 query".into()),
        command: Some("QUERY".into()),
        parameters: [("query".to_string(), query.to_string())]
            .into_iter()
            .collect(),
        started_at_ms: Some(1_795_372_356_000),
        probe_of: None,
        events: Vec::new(),
    }
}

fn col(name: &str, kind: &str, position: i64, ty: &str) -> Column {
    Column {
        name: name.into(),
        kind: kind.into(),
        position,
        data_type: ty.into(),
        clustering_order: Some(if kind == "clustering" { "asc" } else { "none" }.into()),
    }
}

// ---------------------------------------------------------------- whole snapshots

#[test]
fn the_demo_shows_every_provoked_problem() {
    let f = run(&demo());
    // RF 1 on a 3-node datacenter.
    let rf = one(&f, "SCH-003", "demo");
    assert_eq!(
        statements(rf),
        [
            "ALTER KEYSPACE demo WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': '3'}"
        ]
    );
    // TTL'd time series under STCS: TWCS with a window computed from the 7-day TTL.
    let ttl = one(&f, "COMP-201", "demo.sensor_readings");
    assert_eq!(
        statements(ttl)[0],
        "ALTER TABLE demo.sensor_readings WITH compaction = {'class': 'TimeWindowCompactionStrategy', 'compaction_window_unit': 'HOURS', 'compaction_window_size': '6'}"
    );
    assert!(ttl.message.contains("28 windows"), "{}", ttl.message);
    // Index on a unique column.
    let idx = one(&f, "SCH-006", "demo.accounts");
    assert!(statements(idx).contains(&"CREATE TABLE demo.accounts_by_email (email text, id int, name text, PRIMARY KEY (email, id))".to_string()));
    // The 40 000-row partition, with a bucketed key rendered from the real columns.
    let skew = one(&f, "PART-101", "demo.wide_rows");
    assert_eq!(
        statements(skew),
        [
            "CREATE TABLE demo.wide_rows_bucketed (bucket int, shard int, seq int, payload text, PRIMARY KEY ((bucket, shard), seq))"
        ]
    );
    assert!(skew.message.contains("127.0.0.2"), "{}", skew.message);
    // Tombstones in inbox, seen in the probe trace.
    let tomb = one(&f, "TRC-003", "demo.inbox");
    assert!(
        tomb.message.contains("1990 tombstone cells") && tomb.message.contains("10 live rows"),
        "{}",
        tomb.message
    );
    assert!(
        statements(tomb).contains(
            &"DELETE FROM demo.inbox_bucketed WHERE owner = 7 AND bucket = 0".to_string()
        )
    );
    // Row cache on the write-heavy table.
    one(&f, "SCH-020", "demo.user_sessions");
    // Every finding of these rules has numbers in its evidence and at least one fix.
    for x in f.iter().filter(|x| is_mine(&x.rule)) {
        assert!(has_numbers(x), "{x:#?}");
        assert!(!x.fixes.is_empty(), "{x:#?}");
    }
}

#[test]
fn the_idle_cluster_stays_quiet() {
    let f = run(&idle());
    let mine: Vec<_> = f.iter().filter(|x| is_mine(&x.rule)).collect();
    assert!(mine.is_empty(), "{mine:#?}");
    // It has no traces: the trace rules say so instead of guessing.
    let out = engine().run(&idle());
    assert!(
        out.not_checked
            .iter()
            .any(|n| n.rule == "TRC-003" && n.reason.contains("traces")),
        "{:?}",
        out.not_checked
    );
}

#[test]
fn rules_have_docs_params_and_unique_ids() {
    let e = engine();
    let mine: Vec<_> = e.rules.iter().filter(|r| is_mine(&r.meta.id)).collect();
    assert!(mine.len() >= 30, "{} rules", mine.len());
    for r in mine {
        let d = &r.meta.doc;
        assert!(
            !d.summary.is_empty()
                && !d.why.is_empty()
                && !d.evidence.is_empty()
                && !d.fix.is_empty(),
            "{}",
            r.meta.id
        );
        assert!(!d.references.is_empty(), "{}", r.meta.id);
        assert!(
            !r.meta.needs.is_empty() || r.meta.id == "CLU-006",
            "{}",
            r.meta.id
        );
    }
}

// ---------------------------------------------------------------- schema

#[test]
fn sch001_simple_strategy_across_datacenters() {
    quiet(&run(&demo()), "SCH-001");
    let mut s = demo();
    s.nodes[2].live.as_mut().unwrap().datacenter = Some("dc2".into());
    let f = run(&s);
    let x = one(&f, "SCH-001", "casstune_it");
    assert_eq!(
        statements(x),
        [
            "ALTER KEYSPACE casstune_it WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': '2', 'dc2': '1'}"
        ]
    );
    assert_eq!(x.severity, Severity::Warning);
    // Cassandra's replicated system keyspaces too.
    one(&f, "SCH-001", "system_auth");
    quiet(&f, "SCH-002");
}

#[test]
fn sch002_simple_strategy_single_dc() {
    let f = run(&demo());
    let x = one(&f, "SCH-002", "casstune_it");
    assert_eq!(x.severity, Severity::Info);
    assert_eq!(
        statements(x),
        [
            "ALTER KEYSPACE casstune_it WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': '2'}"
        ]
    );
    // demo (RF 1) is SCH-003's.
    assert!(of(&f, "SCH-002").iter().all(|x| x.subject != "demo"));
    let mut s = demo();
    set_replication(
        &mut s,
        "casstune_it",
        &[
            (
                "class",
                "org.apache.cassandra.locator.NetworkTopologyStrategy",
            ),
            ("datacenter1", "2"),
        ],
    );
    quiet(&run(&s), "SCH-002");
}

#[test]
fn sch003_replication_factor_one() {
    let mut s = demo();
    set_replication(
        &mut s,
        "demo",
        &[
            (
                "class",
                "org.apache.cassandra.locator.NetworkTopologyStrategy",
            ),
            ("datacenter1", "3"),
        ],
    );
    quiet(&run(&s), "SCH-003");
    // A single-node cluster has no better choice.
    let mut s = demo();
    s.nodes.truncate(1);
    quiet(&run(&s), "SCH-003");
}

#[test]
fn sch004_replication_beyond_the_datacenter() {
    quiet(&run(&demo()), "SCH-004");
    let mut s = demo();
    set_replication(
        &mut s,
        "casstune_it",
        &[
            (
                "class",
                "org.apache.cassandra.locator.NetworkTopologyStrategy",
            ),
            ("datacenter1", "5"),
        ],
    );
    let f = run(&s);
    let x = one(&f, "SCH-004", "casstune_it");
    assert_eq!(
        x.severity,
        Severity::Warning,
        "quorum(5) = 3 nodes exist: {x:#?}"
    );
    assert_eq!(
        statements(x),
        [
            "ALTER KEYSPACE casstune_it WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': '3'}"
        ]
    );
    // A datacenter no node is in: QUORUM can never succeed.
    set_replication(
        &mut s,
        "casstune_it",
        &[
            (
                "class",
                "org.apache.cassandra.locator.NetworkTopologyStrategy",
            ),
            ("datacenter1", "3"),
            ("dc1", "3"),
        ],
    );
    let f = run(&s);
    let x = one(&f, "SCH-004", "casstune_it");
    assert_eq!(x.severity, Severity::Error);
    assert!(
        x.message.contains("no node reports datacenter dc1"),
        "{}",
        x.message
    );
}

fn with_auth(s: &mut Snapshot) {
    for id in ["127.0.0.1", "127.0.0.2", "127.0.0.3"] {
        set_setting(
            s,
            id,
            "authenticator",
            SettingValue::Str("PasswordAuthenticator".into()),
            "PasswordAuthenticator",
        );
    }
}

#[test]
fn sch005_system_auth_with_rf_one_when_auth_is_on() {
    // The demo's system_auth has RF 1, but authentication is off.
    quiet(&run(&demo()), "SCH-005");
    let mut s = demo();
    with_auth(&mut s);
    let f = run(&s);
    let x = one(&f, "SCH-005", "system_auth");
    assert_eq!(
        statements(x),
        [
            "ALTER KEYSPACE system_auth WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': '3'}"
        ]
    );
    set_replication(
        &mut s,
        "system_auth",
        &[
            (
                "class",
                "org.apache.cassandra.locator.NetworkTopologyStrategy",
            ),
            ("datacenter1", "3"),
        ],
    );
    quiet(&run(&s), "SCH-005");
}

#[test]
fn sch006_index_on_a_unique_looking_column() {
    let f = run(&demo());
    let x = one(&f, "SCH-006", "demo.accounts");
    // One row per partition and index (range) reads on every node raise the confidence.
    assert!(x.confidence > 0.8, "{}", x.confidence);
    assert_eq!(
        evidence(x, "demo.accounts range reads per node"),
        "127.0.0.1: 30, 127.0.0.2: 31, 127.0.0.3: 30"
    );
    assert_eq!(
        cql_safety(x, "DROP INDEX IF EXISTS demo.accounts_email"),
        Safety::Unsafe
    );
    // The same index on `name` is not unique-looking.
    let mut s = demo();
    table_mut(&mut s, "demo", "accounts").indexes[0]
        .options
        .insert("target".into(), "name".into());
    quiet(&run(&s), "SCH-006");
    quiet(&run(&idle()), "SCH-006");
}

#[test]
fn sch007_sasi_index() {
    quiet(&run(&demo()), "SCH-007");
    let mut s = demo();
    table_mut(&mut s, "demo", "accounts").indexes.push(Index {
        name: "accounts_name_sasi".into(),
        kind: "CUSTOM".into(),
        options: [
            (
                "class_name".to_string(),
                "org.apache.cassandra.index.sasi.SASIIndex".to_string(),
            ),
            ("target".into(), "name".into()),
            ("mode".into(), "CONTAINS".into()),
        ]
        .into_iter()
        .collect(),
    });
    let f = run(&s);
    let x = one(&f, "SCH-007", "demo.accounts");
    assert_eq!(
        statements(x),
        [
            "CREATE INDEX accounts_name_sai ON demo.accounts (name) USING 'sai'",
            "DROP INDEX IF EXISTS demo.accounts_name_sasi"
        ]
    );
}

fn with_view(s: &mut Snapshot) {
    let ks = s
        .schema
        .keyspaces
        .iter_mut()
        .find(|k| k.name == "demo")
        .unwrap();
    ks.tables.push(Table {
        keyspace: "demo".into(),
        name: "accounts_by_name".into(),
        is_view: true,
        options: [
            ("base_table_name".to_string(), json!("accounts")),
            (
                "where_clause".into(),
                json!("name IS NOT NULL AND id IS NOT NULL"),
            ),
        ]
        .into_iter()
        .collect(),
        columns: vec![
            col("name", "partition_key", 0, "text"),
            col("id", "clustering", 0, "int"),
            col("email", "regular", -1, "text"),
        ],
        ..Table::default()
    });
}

#[test]
fn sch008_materialized_view() {
    quiet(&run(&demo()), "SCH-008");
    let mut s = demo();
    with_view(&mut s);
    let f = run(&s);
    let x = one(&f, "SCH-008", "demo.accounts_by_name");
    assert_eq!(
        statements(x),
        [
            "CREATE TABLE demo.accounts_by_name_table (name text, id int, email text, PRIMARY KEY (name, id))",
            "DROP MATERIALIZED VIEW IF EXISTS demo.accounts_by_name"
        ]
    );
}

#[test]
fn sch009_compression_chunks_larger_than_partitions() {
    quiet(&run(&demo()), "SCH-009");
    let mut s = demo();
    set_option(
        &mut s,
        "demo",
        "sensor_readings",
        "compression",
        json!({"chunk_length_in_kb": "64", "class": "org.apache.cassandra.io.compress.LZ4Compressor"}),
    );
    let f = run(&s);
    let x = one(&f, "SCH-009", "demo.sensor_readings");
    assert_eq!(
        statements(x),
        [
            "ALTER TABLE demo.sensor_readings WITH compression = {'class': 'LZ4Compressor', 'chunk_length_in_kb': '16'}"
        ]
    );
    assert!(x.message.contains("924 B"), "{}", x.message);
    // A table nobody reads pays nothing for large chunks (wide_rows was read on one node
    // only; inbox on one; events barely): with reads zeroed it stays quiet.
    let mut s = demo();
    set_option(
        &mut s,
        "demo",
        "sensor_readings",
        "compression",
        json!({"chunk_length_in_kb": "64", "class": "org.apache.cassandra.io.compress.LZ4Compressor"}),
    );
    for id in ["127.0.0.1", "127.0.0.2", "127.0.0.3"] {
        set_metric(
            &mut s,
            id,
            "table.read_latency.count",
            "demo",
            "sensor_readings",
            0.0,
        );
    }
    quiet(&run(&s), "SCH-009");
}

#[test]
fn sch010_compression_off_on_a_large_table() {
    let mut s = demo();
    set_option(
        &mut s,
        "demo",
        "wide_rows",
        "compression",
        json!({"enabled": "false"}),
    );
    // The real table is 225 KiB: not worth a finding.
    quiet(&run(&s), "SCH-010");
    set_metric(
        &mut s,
        "127.0.0.2",
        "table.live_disk_space_bytes",
        "demo",
        "wide_rows",
        3.0 * (1u64 << 30) as f64,
    );
    let f = run(&s);
    let x = one(&f, "SCH-010", "demo.wide_rows");
    assert_eq!(
        statements(x),
        [
            "ALTER TABLE demo.wide_rows WITH compression = {'class': 'LZ4Compressor', 'chunk_length_in_kb': '16'}"
        ]
    );
}

#[test]
fn sch011_bloom_filter_too_loose_for_reads() {
    let mut s = demo();
    set_option(
        &mut s,
        "demo",
        "sensor_readings",
        "bloom_filter_fp_chance",
        json!(0.5),
    );
    // The real reads show no false positives and one SSTable per read.
    quiet(&run(&s), "SCH-011");
    set_metric(
        &mut s,
        "127.0.0.2",
        "table.bloom_filter_false_ratio",
        "demo",
        "sensor_readings",
        0.3,
    );
    let f = run(&s);
    let x = one(&f, "SCH-011", "demo.sensor_readings");
    assert_eq!(
        statements(x),
        ["ALTER TABLE demo.sensor_readings WITH bloom_filter_fp_chance = 0.01"]
    );
}

#[test]
fn sch012_bloom_filter_wasted_on_a_write_only_table() {
    let mut s = demo();
    set_option(
        &mut s,
        "demo",
        "user_sessions",
        "bloom_filter_fp_chance",
        json!(0.0001),
    );
    // user_sessions is read (10 + 12 + 8 reads).
    quiet(&run_with(&s, "SCH-012", "min_writes", 100.0), "SCH-012");
    for id in ["127.0.0.1", "127.0.0.2", "127.0.0.3"] {
        set_metric(
            &mut s,
            id,
            "table.read_latency.count",
            "demo",
            "user_sessions",
            0.0,
        );
    }
    // 620 writes per node are below the 10000 default.
    quiet(&run(&s), "SCH-012");
    let f = run_with(&s, "SCH-012", "min_writes", 1000.0);
    let x = one(&f, "SCH-012", "demo.user_sessions");
    assert_eq!(
        statements(x),
        ["ALTER TABLE demo.user_sessions WITH bloom_filter_fp_chance = 0.1"]
    );
    assert!(x.message.contains("2.0×"), "{}", x.message);
}

#[test]
fn sch013_speculative_retry_always_or_none() {
    quiet(&run(&demo()), "SCH-013");
    let mut s = demo();
    set_option(
        &mut s,
        "demo",
        "accounts",
        "speculative_retry",
        json!("ALWAYS"),
    );
    set_option(&mut s, "demo", "inbox", "speculative_retry", json!("NONE"));
    let f = run(&s);
    let a = one(&f, "SCH-013", "demo.accounts");
    assert_eq!(a.severity, Severity::Warning);
    assert_eq!(
        statements(a),
        ["ALTER TABLE demo.accounts WITH speculative_retry = '99p'"]
    );
    assert_eq!(one(&f, "SCH-013", "demo.inbox").severity, Severity::Info);
}

#[test]
fn sch014_gc_grace_below_the_hint_window() {
    let mut s = demo();
    // demo has RF 1: no other replica can resurrect anything.
    set_option(&mut s, "demo", "inbox", "gc_grace_seconds", json!(0));
    quiet(&run(&s), "SCH-014");
    set_option(
        &mut s,
        "casstune_it",
        "events",
        "gc_grace_seconds",
        json!(0),
    );
    let f = run(&s);
    let x = one(&f, "SCH-014", "casstune_it.events");
    assert_eq!(x.severity, Severity::Warning);
    assert!(
        x.message.contains("every hint for it is dropped"),
        "{}",
        x.message
    );
    assert_eq!(
        statements(x),
        ["ALTER TABLE casstune_it.events WITH gc_grace_seconds = 864000"]
    );
    // An insert-only TTL table under TWCS: only the hint loss remains (info).
    set_option(
        &mut s,
        "casstune_it",
        "events",
        "default_time_to_live",
        json!(86400),
    );
    set_option(
        &mut s,
        "casstune_it",
        "events",
        "compaction",
        json!({"class": "org.apache.cassandra.db.compaction.TimeWindowCompactionStrategy", "compaction_window_unit": "HOURS", "compaction_window_size": "1"}),
    );
    let f = run(&s);
    let x = one(&f, "SCH-014", "casstune_it.events");
    assert_eq!(x.severity, Severity::Info);
    assert_eq!(
        statements(x),
        ["ALTER TABLE casstune_it.events WITH gc_grace_seconds = 10800"]
    );
}

#[test]
fn sch015_very_long_gc_grace() {
    quiet(&run(&demo()), "SCH-015");
    let mut s = demo();
    set_option(
        &mut s,
        "demo",
        "inbox",
        "gc_grace_seconds",
        json!(60 * 86400),
    );
    set_option(
        &mut s,
        "demo",
        "accounts",
        "gc_grace_seconds",
        json!(60 * 86400),
    );
    let f = run(&s);
    // inbox's reads scan 2299 tombstones at p99: warning; accounts: info.
    let x = one(&f, "SCH-015", "demo.inbox");
    assert_eq!(x.severity, Severity::Warning);
    assert!(x.message.contains("2299"), "{}", x.message);
    assert_eq!(one(&f, "SCH-015", "demo.accounts").severity, Severity::Info);
    assert_eq!(
        statements(x),
        ["ALTER TABLE demo.inbox WITH gc_grace_seconds = 864000"]
    );
}

#[test]
fn sch016_ttl_table_keeps_tombstones_as_long_as_its_ttl() {
    let f = run(&demo());
    let x = one(&f, "SCH-016", "demo.sensor_readings");
    assert!(x.message.contains("2.4×"), "{}", x.message);
    assert_eq!(
        statements(x),
        ["ALTER TABLE demo.sensor_readings WITH gc_grace_seconds = 10800"]
    );
    // Tombstones per read ≤ 1 on every node: no explicit deletes seen.
    assert!(x.confidence >= 0.7, "{}", x.confidence);
    let mut s = demo();
    set_option(
        &mut s,
        "demo",
        "sensor_readings",
        "gc_grace_seconds",
        json!(10800),
    );
    quiet(&run(&s), "SCH-016");
}

#[test]
fn sch017_too_many_tables() {
    quiet(&run(&demo()), "SCH-017");
    let mut s = demo();
    let ks = s
        .schema
        .keyspaces
        .iter_mut()
        .find(|k| k.name == "demo")
        .unwrap();
    let base = ks.tables[0].clone();
    for i in 0..200 {
        let mut t = base.clone();
        t.name = format!("t{i}");
        ks.tables.push(t);
    }
    let f = run(&s);
    let x = one(&f, "SCH-017", "cluster");
    assert!(x.message.contains("206 user tables"), "{}", x.message);
    assert!(
        matches!(&x.fixes[0], Fix::SetConfig { key, value: Some(v), .. } if key == "tables_warn_threshold" && v == "200")
    );
}

#[test]
fn sch018_read_repair_chance_on_3_11() {
    let mut s = demo();
    set_option(
        &mut s,
        "demo",
        "accounts",
        "dclocal_read_repair_chance",
        json!(0.1),
    );
    // A 5.0 cluster: the rule is for 3.11 only (4.0 removed the options).
    quiet(&run(&s), "SCH-018");
    for n in &mut s.nodes {
        n.version = Version::V3_11;
    }
    let f = run(&s);
    let x = one(&f, "SCH-018", "demo.accounts");
    assert_eq!(
        statements(x),
        [
            "ALTER TABLE demo.accounts WITH dclocal_read_repair_chance = 0.0 AND read_repair_chance = 0.0"
        ]
    );
    assert_eq!(of(&f, "SCH-018").len(), 1, "the other tables have 0.0");
}

#[test]
fn sch019_durable_writes_off() {
    quiet(&run(&demo()), "SCH-019");
    let mut s = demo();
    s.schema
        .keyspaces
        .iter_mut()
        .find(|k| k.name == "demo")
        .unwrap()
        .durable_writes = Some(false);
    let f = run(&s);
    assert_eq!(
        statements(one(&f, "SCH-019", "demo")),
        ["ALTER KEYSPACE demo WITH durable_writes = true"]
    );
}

#[test]
fn sch020_row_cache_on_a_write_heavy_table() {
    // user_sessions: rows_per_partition ALL, 2000 writes for 32 reads; the row cache itself
    // is off (row_cache_size 0) on the test nodes, so the option is inert: info.
    let f = run(&demo());
    let x = one(&f, "SCH-020", "demo.user_sessions");
    assert_eq!(x.severity, Severity::Info);
    assert_eq!(
        statements(x),
        [
            "ALTER TABLE demo.user_sessions WITH caching = {'keys': 'ALL', 'rows_per_partition': 'NONE'}"
        ]
    );
    assert_eq!(cql_safety(x, &statements(x)[0]), Safety::Safe);
    let mut s = demo();
    set_setting(
        &mut s,
        "127.0.0.2",
        "row_cache_size",
        SettingValue::Quantity(casstune::model::units::Quantity::new(
            64,
            casstune::model::units::Unit::MiB,
        )),
        "64MiB",
    );
    assert_eq!(
        one(&run(&s), "SCH-020", "demo.user_sessions").severity,
        Severity::Warning
    );
    // After the fix, or on a read-mostly table: quiet.
    let mut s = demo();
    set_option(
        &mut s,
        "demo",
        "user_sessions",
        "caching",
        json!({"keys": "ALL", "rows_per_partition": "NONE"}),
    );
    quiet(&run(&s), "SCH-020");
    let mut s = demo();
    for id in ["127.0.0.1", "127.0.0.2", "127.0.0.3"] {
        set_metric(
            &mut s,
            id,
            "table.read_latency.count",
            "demo",
            "user_sessions",
            5000.0,
        );
    }
    quiet(&run(&s), "SCH-020");
}

// ---------------------------------------------------------------- compaction and partitions

#[test]
fn comp201_ttl_time_series_to_twcs() {
    let f = run(&demo());
    let x = one(&f, "COMP-201", "demo.sensor_readings");
    assert_eq!(
        evidence(x, "demo.sensor_readings local writes / reads"),
        "2000 / 32"
    );
    // 5.0 also gets the UCS alternative.
    assert_eq!(
        statements(x)[1],
        "ALTER TABLE demo.sensor_readings WITH compaction = {'class': 'UnifiedCompactionStrategy', 'scaling_parameters': 'T4'}"
    );
    // A 90-day TTL gets 4-day windows.
    let mut s = demo();
    set_option(
        &mut s,
        "demo",
        "sensor_readings",
        "default_time_to_live",
        json!(90 * 86400),
    );
    let f = run(&s);
    assert!(
        statements(one(&f, "COMP-201", "demo.sensor_readings"))[0]
            .contains("'compaction_window_unit': 'DAYS', 'compaction_window_size': '4'")
    );
    // After the fix, quiet.
    let mut s = demo();
    set_option(
        &mut s,
        "demo",
        "sensor_readings",
        "compaction",
        json!({"class": "org.apache.cassandra.db.compaction.TimeWindowCompactionStrategy", "compaction_window_unit": "HOURS", "compaction_window_size": "6"}),
    );
    quiet(&run(&s), "COMP-201");
}

#[test]
fn comp202_size_tiered_table_near_half_the_disk() {
    quiet(&run(&demo()), "COMP-202");
    let mut s = demo();
    // The demo's data disk is 256 GiB.
    set_metric(
        &mut s,
        "127.0.0.2",
        "table.live_disk_space_bytes",
        "demo",
        "wide_rows",
        120.0 * (1u64 << 30) as f64,
    );
    let f = run(&s);
    let x = one(&f, "COMP-202", "demo.wide_rows");
    assert!(x.message.contains("47 %"), "{}", x.message);
    assert_eq!(
        statements(x),
        [
            "ALTER TABLE demo.wide_rows WITH compaction = {'class': 'UnifiedCompactionStrategy', 'scaling_parameters': 'T4'}",
            "ALTER TABLE demo.wide_rows WITH compaction = {'class': 'LeveledCompactionStrategy', 'sstable_size_in_mb': '160'}"
        ]
    );
}

#[test]
fn comp203_twcs_without_ttl() {
    let mut s = demo();
    set_option(
        &mut s,
        "demo",
        "sensor_readings",
        "compaction",
        json!({"class": "org.apache.cassandra.db.compaction.TimeWindowCompactionStrategy", "compaction_window_unit": "HOURS", "compaction_window_size": "6"}),
    );
    // With its 7-day TTL: fine.
    quiet(&run(&s), "COMP-203");
    set_option(
        &mut s,
        "demo",
        "sensor_readings",
        "default_time_to_live",
        json!(0),
    );
    let f = run(&s);
    let x = one(&f, "COMP-203", "demo.sensor_readings");
    assert_eq!(cql_safety(x, &statements(x)[0]), Safety::DisplayOnly);
}

#[test]
fn comp204_twcs_window_against_ttl() {
    let mut s = demo();
    set_option(
        &mut s,
        "demo",
        "sensor_readings",
        "compaction",
        json!({"class": "org.apache.cassandra.db.compaction.TimeWindowCompactionStrategy", "compaction_window_unit": "HOURS", "compaction_window_size": "6"}),
    );
    quiet(&run(&s), "COMP-204");
    set_option(
        &mut s,
        "demo",
        "sensor_readings",
        "compaction",
        json!({"class": "org.apache.cassandra.db.compaction.TimeWindowCompactionStrategy", "compaction_window_unit": "HOURS", "compaction_window_size": "1"}),
    );
    let f = run(&s);
    let x = one(&f, "COMP-204", "demo.sensor_readings");
    assert!(x.message.contains("168 TWCS windows"), "{}", x.message);
    assert!(
        statements(x)[0]
            .contains("'compaction_window_unit': 'HOURS', 'compaction_window_size': '6'")
    );
    // A window as long as the TTL: data lives up to twice the TTL.
    set_option(
        &mut s,
        "demo",
        "sensor_readings",
        "compaction",
        json!({"class": "org.apache.cassandra.db.compaction.TimeWindowCompactionStrategy", "compaction_window_unit": "DAYS", "compaction_window_size": "7"}),
    );
    let f = run(&s);
    assert!(
        one(&f, "COMP-204", "demo.sensor_readings")
            .message
            .contains("up to 14 d")
    );
}

#[test]
fn part101_skewed_partition_gets_a_bucketed_key() {
    let f = run(&demo());
    let x = one(&f, "PART-101", "demo.wide_rows");
    assert_eq!(
        x.severity,
        Severity::Info,
        "6.7 MiB is skew, not a large partition"
    );
    assert_eq!(cql_safety(x, &statements(x)[0]), Safety::DisplayOnly);
    assert_eq!(of(&f, "PART-101").len(), 1, "{:#?}", of(&f, "PART-101"));
    // A time-clustered table gets a time bucket; a day column in the key makes it hourly.
    let mut s = demo();
    set_metric(
        &mut s,
        "127.0.0.1",
        "table.max_partition_size_bytes",
        "demo",
        "sensor_readings",
        200.0 * (1u64 << 20) as f64,
    );
    let f = run(&s);
    let x = one(&f, "PART-101", "demo.sensor_readings");
    assert_eq!(x.severity, Severity::Warning);
    assert_eq!(
        statements(x),
        [
            "CREATE TABLE demo.sensor_readings_bucketed (sensor int, day text, hour_bucket timestamp, ts timestamp, value double, PRIMARY KEY ((sensor, day, hour_bucket), ts)) WITH CLUSTERING ORDER BY (ts DESC) AND default_time_to_live = 604800"
        ]
    );
    // Raise the skew ratio above the demo's 19×: quiet.
    quiet(
        &run_with(&demo(), "PART-101", "skew_ratio", 50.0),
        "PART-101",
    );
}

// ---------------------------------------------------------------- traces

#[test]
fn trc001_filtering_and_scan_queries() {
    // The demo's traced reads all name their partition key.
    quiet(&run(&demo()), "TRC-001");
    let mut s = demo();
    s.traces.push(session(
        "a1",
        "SELECT * FROM demo.accounts WHERE name = 'User 7' ALLOW FILTERING",
        250_000,
    ));
    s.traces
        .push(session("a2", "SELECT * FROM demo.inbox", 900_000));
    // Lookups through the index are SCH-006's, not scans.
    s.traces.push(session(
        "a3",
        "SELECT * FROM demo.accounts WHERE email = 'user7@example.com'",
        9_000,
    ));
    let f = run(&s);
    let x = one(&f, "TRC-001", "demo.accounts");
    assert!(
        x.message.contains("ALLOW FILTERING") && x.message.contains("250.0 ms"),
        "{}",
        x.message
    );
    assert_eq!(
        statements(x),
        [
            "CREATE INDEX accounts_name_sai ON demo.accounts (name) USING 'sai'",
            "CREATE TABLE demo.accounts_by_name (name text, id int, email text, PRIMARY KEY (name, id))"
        ]
    );
    let y = one(&f, "TRC-001", "demo.inbox");
    assert!(y.message.contains("range scan"), "{}", y.message);
    assert_eq!(
        statements(y),
        [
            "SELECT * FROM demo.inbox WHERE token(owner) > -9223372036854775808 AND token(owner) <= -3074457345618258603"
        ]
    );
}

#[test]
fn trc002_read_merging_many_sstables() {
    quiet(&run(&demo()), "TRC-002");
    let mut s = demo();
    event_mut(
        &mut s,
        "bf18b040-e6a3-11f1-8a0b-f3476e8b0265",
        "Merged data",
    )
    .activity = "Merged data from memtables and 9 sstables".into();
    let f = run(&s);
    let x = one(&f, "TRC-002", "demo.sensor_readings");
    assert!(
        x.message.contains("9 SSTables on 127.0.0.2"),
        "{}",
        x.message
    );
    // 5.0 and the demo's virtual disk (media unknown): UCS levelled and LCS.
    assert_eq!(statements(x).len(), 2, "{:#?}", x.fixes);
}

#[test]
fn trc003_tombstones_in_traced_reads() {
    let f = run(&demo());
    let x = one(&f, "TRC-003", "demo.inbox");
    assert_eq!(
        evidence(x, "demo.inbox tombstones per traced read"),
        "1990 tombstones, 10 live rows"
    );
    assert_eq!(
        statements(x)[0],
        "CREATE TABLE demo.inbox_bucketed (owner int, bucket int, msg int, body text, PRIMARY KEY ((owner, bucket), msg))"
    );
    assert_eq!(of(&f, "TRC-003").len(), 1);
    let mut s = demo();
    event_mut(
        &mut s,
        "bf0130a0-e6a3-11f1-9c5e-25b1f62e5c49",
        "Read 10 live rows",
    )
    .activity = "Read 10 live rows and 0 tombstone cells".into();
    quiet(&run(&s), "TRC-003");
}

#[test]
fn trc004_slow_replica() {
    // 127.0.0.3 served its three traced reads in 59–109 ms, the others in ~4 ms (its GC was
    // busy at the time: JVM-101 on the same node).
    let f = run(&demo());
    let x = one(&f, "TRC-004", "127.0.0.3");
    assert!(
        x.message.contains("100.5 ms") && x.message.contains("3 traced reads"),
        "{}",
        x.message
    );
    assert!(x.confidence < 0.6, "three samples only: {}", x.confidence);
    let mut s = demo();
    for t in &mut s.traces {
        for e in &mut t.events {
            if e.source.as_deref() == Some("127.0.0.3") {
                e.source_elapsed_us = e.source_elapsed_us.map(|v| v / 30);
            }
        }
    }
    quiet(&run(&s), "TRC-004");
}

#[test]
fn trc005_traced_read_of_a_large_partition() {
    quiet(&run(&demo()), "TRC-005");
    let mut s = demo();
    event_mut(
        &mut s,
        "bf3c16c0-e6a3-11f1-8a0b-f3476e8b0265",
        "Partition index found",
    )
    .activity = "Partition index found for sstable 1, size = 400".into();
    let f = run(&s);
    let x = one(&f, "TRC-005", "demo.wide_rows");
    assert!(
        x.message.contains("400 row-index entries") && x.message.contains("25 MiB"),
        "{}",
        x.message
    );
    assert!(statements(x)[0].starts_with(
        "CREATE TABLE demo.wide_rows_bucketed (bucket int, shard int, seq int, payload text"
    ));
}

#[test]
fn trc006_tracing_left_on() {
    quiet(&run(&demo()), "TRC-006");
    let mut s = demo();
    for i in 0..150 {
        let mut t = session(
            &format!("x{i}"),
            "SELECT * FROM demo.accounts WHERE id = ?",
            1000,
        );
        t.started_at_ms = Some(1_795_372_000_000 + i * 2000);
        s.traces.push(t);
    }
    let f = run(&s);
    let x = one(&f, "TRC-006", "cluster");
    assert!(
        x.message.contains("153 requests were traced"),
        "{}",
        x.message
    );
    assert!(
        matches!(&x.fixes[0], Fix::Os { command, .. } if command == "nodetool -h 127.0.0.1 settraceprobability 0")
    );
}

// ---------------------------------------------------------------- cross-node

#[test]
fn clu001_mixed_versions() {
    quiet(&run(&demo()), "CLU-001");
    let mut s = demo();
    s.nodes[2].live.as_mut().unwrap().release_version = Some("5.0.8".into());
    let f = run(&s);
    assert_eq!(one(&f, "CLU-001", "cluster").severity, Severity::Info);
    s.nodes[2].live.as_mut().unwrap().release_version = Some("4.1.7".into());
    let f = run(&s);
    let x = one(&f, "CLU-001", "cluster");
    assert_eq!(x.severity, Severity::Warning);
    assert!(
        x.message
            .contains("4.1.7 on 127.0.0.3; 5.0.9 on 127.0.0.1, 127.0.0.2"),
        "{}",
        x.message
    );
}

#[test]
fn clu002_schema_disagreement() {
    quiet(&run(&demo()), "CLU-002");
    quiet(&run(&idle()), "CLU-002");
    let mut s = demo();
    set_local(
        &mut s,
        "127.0.0.3",
        "schema_version",
        json!("00000000-0000-0000-0000-000000000000"),
    );
    let f = run(&s);
    let x = one(&f, "CLU-002", "cluster");
    assert!(x.fixes.iter().any(|f| matches!(f, Fix::Os { command, .. } if command == "nodetool -h 127.0.0.3 resetlocalschema")), "{:#?}", x.fixes);
}

#[test]
fn clu003_load_imbalance() {
    quiet(&run(&demo()), "CLU-003");
    let mut s = demo();
    for (id, gib) in [
        ("127.0.0.1", 20.0),
        ("127.0.0.2", 20.0),
        ("127.0.0.3", 45.0),
    ] {
        let n = s.nodes.iter_mut().find(|n| n.id == id).unwrap();
        n.metrics
            .insert::<&str, &str>("storage.load_bytes", &[], gib * (1u64 << 30) as f64);
    }
    let f = run(&s);
    let x = one(&f, "CLU-003", "127.0.0.3");
    assert!(x.message.contains("1.59×"), "{}", x.message);
}

#[test]
fn clu004_token_imbalance() {
    quiet(&run(&demo()), "CLU-004");
    let mut s = demo();
    // 127.0.0.2's token moved from -3074457345618258603 to 6148914691236517204: 127.0.0.3
    // now owns everything from -2^63 to its own token.
    set_local(
        &mut s,
        "127.0.0.2",
        "tokens",
        json!(["6148914691236517204"]),
    );
    let f = run(&s);
    let x = one(&f, "CLU-004", "datacenter1");
    assert!(x.message.contains("127.0.0.3 owns 66.7 %"), "{}", x.message);
    let moves: Vec<&str> = x
        .fixes
        .iter()
        .filter_map(|f| match f {
            Fix::Os { command, .. } => Some(command.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        moves,
        [
            "nodetool -h 127.0.0.3 move -- -3074457345618258603",
            "nodetool -h 127.0.0.2 move -- 3074457345618258602"
        ]
    );
    // Different token counts.
    let mut s = demo();
    set_local(
        &mut s,
        "127.0.0.1",
        "tokens",
        json!(["-9223372036854775808", "-6148914691236517206"]),
    );
    let f = run(&s);
    assert!(
        one(&f, "CLU-004", "datacenter1")
            .evidence
            .iter()
            .any(|e| e.name == "tokens per node")
    );
}

#[test]
fn clu005_settings_differ_across_nodes() {
    quiet(&run(&demo()), "CLU-005");
    quiet(&run(&idle()), "CLU-005");
    let mut s = demo();
    set_setting(
        &mut s,
        "127.0.0.3",
        "concurrent_reads",
        SettingValue::Int(64),
        "64",
    );
    let f = run(&s);
    let x = one(&f, "CLU-005", "cluster");
    assert!(
        x.message
            .contains("concurrent_reads (16 on 127.0.0.1, 127.0.0.2; 64 on 127.0.0.3)"),
        "{}",
        x.message
    );
    assert!(
        matches!(&x.fixes[0], Fix::SetConfig { file, key, value: Some(v), safety: Safety::Unsafe, .. }
        if file == "nodes/127.0.0.3/files/cassandra.yaml" && key == "concurrent_reads" && v == "16"),
        "{:#?}",
        x.fixes
    );
    // Running settings (no file): the fix is display-only.
    let mut s = idle();
    set_setting(
        &mut s,
        "127.0.0.2",
        "concurrent_writes",
        SettingValue::Int(8),
        "8",
    );
    let f = run(&s);
    assert!(matches!(
        &one(&f, "CLU-005", "cluster").fixes[0],
        Fix::SetConfig {
            safety: Safety::DisplayOnly,
            ..
        }
    ));
}

#[test]
fn clu006_partial_collection() {
    quiet(&run(&demo()), "CLU-006");
    let mut s = demo();
    s.collection
        .as_mut()
        .unwrap()
        .errors
        .push("127.0.0.3: cql:system_views.settings: node timed out".into());
    let f = run(&s);
    let x = one(&f, "CLU-006", "127.0.0.3");
    assert_eq!(x.severity, Severity::Info);
    assert!(
        x.message.contains("cql:system_views.settings"),
        "{}",
        x.message
    );
}

#[test]
fn clu007_node_not_normal() {
    quiet(&run(&demo()), "CLU-007");
    let mut s = demo();
    set_cell(
        &mut s,
        "127.0.0.1",
        "system_views.gossip_info",
        "address",
        "127.0.0.3",
        "status_with_port",
        json!("shutdown,true"),
    );
    let f = run(&s);
    let x = one(&f, "CLU-007", "127.0.0.3");
    assert!(
        x.message.contains("shutdown (seen by 127.0.0.1)"),
        "{}",
        x.message
    );
}

#[test]
fn clu008_uneven_racks() {
    quiet(&run(&demo()), "CLU-008");
    let mut s = demo();
    s.nodes[2].live.as_mut().unwrap().rack = Some("rack2".into());
    set_replication(
        &mut s,
        "demo",
        &[
            (
                "class",
                "org.apache.cassandra.locator.NetworkTopologyStrategy",
            ),
            ("datacenter1", "3"),
        ],
    );
    let f = run(&s);
    let x = one(&f, "CLU-008", "datacenter1");
    assert!(
        x.message.contains("unequal size")
            && x.message.contains("fewer than its replication factor 3"),
        "{}",
        x.message
    );
}

// ---------------------------------------------------------------- the CQL is real

/// The demo and every scenario above that produces CQL.
fn cql_scenarios() -> Vec<Snapshot> {
    let mut out = vec![demo()];
    let mut s = demo();
    s.nodes[2].live.as_mut().unwrap().datacenter = Some("dc2".into());
    out.push(s);
    let mut s = demo();
    with_auth(&mut s);
    set_replication(
        &mut s,
        "casstune_it",
        &[
            (
                "class",
                "org.apache.cassandra.locator.NetworkTopologyStrategy",
            ),
            ("datacenter1", "5"),
        ],
    );
    s.schema
        .keyspaces
        .iter_mut()
        .find(|k| k.name == "demo")
        .unwrap()
        .durable_writes = Some(false);
    with_view(&mut s);
    table_mut(&mut s, "demo", "accounts").indexes.push(Index {
        name: "accounts_name_sasi".into(),
        kind: "CUSTOM".into(),
        options: [
            (
                "class_name".to_string(),
                "org.apache.cassandra.index.sasi.SASIIndex".to_string(),
            ),
            ("target".into(), "name".into()),
        ]
        .into_iter()
        .collect(),
    });
    set_option(
        &mut s,
        "demo",
        "sensor_readings",
        "compression",
        json!({"chunk_length_in_kb": "64", "class": "org.apache.cassandra.io.compress.LZ4Compressor"}),
    );
    set_option(
        &mut s,
        "demo",
        "wide_rows",
        "compression",
        json!({"enabled": "false"}),
    );
    set_metric(
        &mut s,
        "127.0.0.2",
        "table.live_disk_space_bytes",
        "demo",
        "wide_rows",
        120.0 * (1u64 << 30) as f64,
    );
    set_option(
        &mut s,
        "demo",
        "sensor_readings",
        "bloom_filter_fp_chance",
        json!(0.5),
    );
    set_metric(
        &mut s,
        "127.0.0.2",
        "table.bloom_filter_false_ratio",
        "demo",
        "sensor_readings",
        0.3,
    );
    set_option(
        &mut s,
        "demo",
        "accounts",
        "speculative_retry",
        json!("ALWAYS"),
    );
    set_option(
        &mut s,
        "casstune_it",
        "events",
        "gc_grace_seconds",
        json!(0),
    );
    set_option(
        &mut s,
        "demo",
        "inbox",
        "gc_grace_seconds",
        json!(60 * 86400),
    );
    set_metric(
        &mut s,
        "127.0.0.1",
        "table.max_partition_size_bytes",
        "demo",
        "sensor_readings",
        200.0 * (1u64 << 20) as f64,
    );
    s.traces.push(session(
        "a1",
        "SELECT * FROM demo.accounts WHERE name = 'User 7' ALLOW FILTERING",
        250_000,
    ));
    s.traces
        .push(session("a2", "SELECT * FROM demo.inbox", 900_000));
    event_mut(
        &mut s,
        "bf18b040-e6a3-11f1-8a0b-f3476e8b0265",
        "Merged data",
    )
    .activity = "Merged data from memtables and 9 sstables".into();
    event_mut(
        &mut s,
        "bf3c16c0-e6a3-11f1-8a0b-f3476e8b0265",
        "Partition index found",
    )
    .activity = "Partition index found for sstable 1, size = 400".into();
    out.push(s);
    let mut s = demo();
    set_option(
        &mut s,
        "demo",
        "user_sessions",
        "bloom_filter_fp_chance",
        json!(0.0001),
    );
    for id in ["127.0.0.1", "127.0.0.2", "127.0.0.3"] {
        set_metric(
            &mut s,
            id,
            "table.read_latency.count",
            "demo",
            "user_sessions",
            0.0,
        );
    }
    set_option(
        &mut s,
        "demo",
        "sensor_readings",
        "compaction",
        json!({"class": "org.apache.cassandra.db.compaction.TimeWindowCompactionStrategy", "compaction_window_unit": "HOURS", "compaction_window_size": "1"}),
    );
    set_metric(
        &mut s,
        "127.0.0.1",
        "table.write_latency.count",
        "demo",
        "user_sessions",
        20000.0,
    );
    set_option(
        &mut s,
        "demo",
        "inbox",
        "compaction",
        json!({"class": "org.apache.cassandra.db.compaction.TimeWindowCompactionStrategy"}),
    );
    set_option(
        &mut s,
        "casstune_it",
        "events",
        "compaction",
        json!({"class": "org.apache.cassandra.db.compaction.TimeWindowCompactionStrategy"}),
    );
    set_option(
        &mut s,
        "casstune_it",
        "events",
        "gc_grace_seconds",
        json!(0),
    );
    set_option(
        &mut s,
        "casstune_it",
        "events",
        "default_time_to_live",
        json!(86400),
    );
    out.push(s);
    out
}

/// Every keyspace a statement names becomes the throwaway keyspace, and datacenters the test
/// cluster does not have (the multi-datacenter scenario's `dc2`) are left out of replication
/// maps: since 4.0 Cassandra refuses a datacenter it does not know.
fn rewrite(statement: &str, keyspaces: &[String]) -> String {
    let names = keyspaces.join("|");
    let qualified = regex::Regex::new(&format!(r"\b({names})\.")).unwrap();
    let keyspace = regex::Regex::new(r"\bKEYSPACE [A-Za-z0-9_]+\b").unwrap();
    let foreign_dc = regex::Regex::new(r", 'dc2': '\d+'").unwrap();
    let s = qualified.replace_all(statement, "casstune_cqlcheck.");
    let s = keyspace.replace_all(&s, "KEYSPACE casstune_cqlcheck");
    foreign_dc.replace_all(&s, "").into_owned()
}

/// A copy of a demo table's definition in the throwaway keyspace.
fn copy_ddl(t: &Table) -> String {
    let def: Vec<String> = t
        .columns
        .iter()
        .map(|c| {
            format!(
                "{} {}{}",
                c.name,
                c.data_type,
                if c.kind == "static" { " static" } else { "" }
            )
        })
        .collect();
    let pk: Vec<&str> = t
        .columns
        .iter()
        .filter(|c| c.kind == "partition_key")
        .map(|c| c.name.as_str())
        .collect();
    let ck: Vec<&Column> = t
        .columns
        .iter()
        .filter(|c| c.kind == "clustering")
        .collect();
    let mut key = vec![format!("({})", pk.join(", "))];
    key.extend(ck.iter().map(|c| c.name.clone()));
    let mut s = format!(
        "CREATE TABLE casstune_cqlcheck.{} ({}, PRIMARY KEY ({}))",
        t.name,
        def.join(", "),
        key.join(", ")
    );
    if !ck.is_empty() {
        let order: Vec<String> = ck
            .iter()
            .map(|c| {
                format!(
                    "{} {}",
                    c.name,
                    if c.clustering_order.as_deref() == Some("desc") {
                        "DESC"
                    } else {
                        "ASC"
                    }
                )
            })
            .collect();
        s.push_str(&format!(" WITH CLUSTERING ORDER BY ({})", order.join(", ")));
    }
    s
}

#[test]
fn every_proposed_cql_statement_runs_on_the_real_cluster() {
    let mut proposed: Vec<(String, String)> = Vec::new();
    let mut rules = std::collections::BTreeSet::new();
    for s in cql_scenarios() {
        for f in run(&s).iter().filter(|f| is_mine(&f.rule)) {
            for st in statements(f) {
                rules.insert(f.rule.clone());
                if !proposed.iter().any(|(_, p)| *p == st) {
                    proposed.push((f.rule.clone(), st));
                }
            }
        }
    }
    for r in [
        "SCH-001", "SCH-002", "SCH-003", "SCH-004", "SCH-005", "SCH-006", "SCH-007", "SCH-008",
        "SCH-009", "SCH-010", "SCH-011", "SCH-012", "SCH-013", "SCH-014", "SCH-015", "SCH-016",
        "SCH-019", "SCH-020", "COMP-201", "COMP-202", "COMP-203", "COMP-204", "PART-101",
        "TRC-001", "TRC-002", "TRC-003", "TRC-005",
    ] {
        assert!(
            rules.contains(r),
            "no CQL from {r} in the scenarios: {rules:?}"
        );
    }

    let demo = demo();
    let mut setup = vec![
        "DROP KEYSPACE IF EXISTS casstune_cqlcheck".to_string(),
        "CREATE KEYSPACE casstune_cqlcheck WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}".to_string(),
    ];
    for ks in demo
        .schema
        .keyspaces
        .iter()
        .filter(|k| k.name == "demo" || k.name == "casstune_it")
    {
        for t in ks.tables.iter().filter(|t| !t.is_view) {
            setup.push(copy_ddl(t));
            for i in &t.indexes {
                setup.push(format!(
                    "CREATE INDEX {} ON casstune_cqlcheck.{} ({})",
                    i.name, t.name, i.options["target"]
                ));
            }
        }
    }
    let keyspaces: Vec<String> = demo
        .schema
        .keyspaces
        .iter()
        .map(|k| k.name.clone())
        .collect();
    let mut run_list: Vec<(String, String)> = Vec::new();
    for (rule, st) in &proposed {
        let r = rewrite(st, &keyspaces);
        assert!(
            !keyspaces
                .iter()
                .any(|k| r.contains(&format!("{k}.")) || r.contains(&format!("KEYSPACE {k} "))),
            "not rewritten: {r}"
        );
        if let Some(rest) = r.strip_prefix("CREATE TABLE ") {
            let name = rest.split(' ').next().unwrap();
            run_list.push(("setup".into(), format!("DROP TABLE IF EXISTS {name}")));
        }
        run_list.push((rule.clone(), r.clone()));
        // Each proposed index is checked on its own: two on one column would be duplicates.
        if let Some(rest) = r.strip_prefix("CREATE INDEX ") {
            let name = rest.split(' ').next().unwrap();
            run_list.push((
                "cleanup".into(),
                format!("DROP INDEX IF EXISTS casstune_cqlcheck.{name}"),
            ));
        }
    }

    let c = support::cluster();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let failures: Vec<String> = rt.block_on(async {
        let session = scylla::client::session_builder::SessionBuilder::new()
            .known_node(format!("{}:{}", c.contact_points[0], c.cql_port))
            .build()
            .await
            .expect("test session connects");
        for s in &setup {
            session
                .query_unpaged(s.as_str(), &[])
                .await
                .unwrap_or_else(|e| panic!("setup {s}: {e}"));
            let _ = session.await_schema_agreement().await;
        }
        let mut failures = Vec::new();
        for (rule, s) in &run_list {
            eprintln!("{rule}: {s}");
            if let Err(e) = session.query_unpaged(s.as_str(), &[]).await {
                failures.push(format!("{rule}: {s}\n    {e}"));
            }
            if !s.starts_with("SELECT") && !s.starts_with("DELETE") {
                let _ = session.await_schema_agreement().await;
            }
        }
        let _ = session
            .query_unpaged("DROP KEYSPACE IF EXISTS casstune_cqlcheck", &[])
            .await;
        let _ = session.await_schema_agreement().await;
        failures
    });
    eprintln!(
        "ran {} proposed statements from {} rules",
        proposed.len(),
        rules.len()
    );
    assert!(
        failures.is_empty(),
        "statements Cassandra refused:\n{}",
        failures.join("\n")
    );
}
