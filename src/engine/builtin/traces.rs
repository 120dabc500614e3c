//! Trace rules (TRC-0xx): what recent `system_traces` sessions and casstune's probe reads show
//! about queries and replicas. Activity strings are matched as Cassandra writes them
//! (`Tracing.trace` formats in ReadCommand, SinglePartitionReadCommand and the SSTable
//! readers); sessions are tied to a table by the probe that ran them, the query's FROM, or the
//! "Executing single-partition query on T" event.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;

use super::advice::*;
use super::tables::{bucketed_table, read_optimised};
use super::{Builtin, Scope};
use crate::catalog::Version;
use crate::engine::{ClusterCtx, Emitter, Family, Fix, Need, Safety, Severity};
use crate::model::schema::Table;
use crate::model::{Snapshot, TraceSession};

const TRACES: &[Need] = &[Need::Traces, Need::Schema];
const TRACING_REF: &str =
    "https://cassandra.apache.org/doc/latest/cassandra/managing/tools/cqlsh.html#tracing";
const READ_PATH_REF: &str = "apache/cassandra src/java/org/apache/cassandra/db/ReadCommand.java, SinglePartitionReadCommand.java (trace messages)";

pub static RULES: &[Builtin] = &[
    Builtin {
        id: "TRC-001",
        name: "traced-scan-query",
        family: Family::Schema,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.7,
        confidence: 0.8,
        needs: TRACES,
        params: &[],
        summary: "Recent traced queries use ALLOW FILTERING or read a table without restricting its partition key.",
        why: "Without the whole partition key Cassandra cannot route a query: it walks token ranges across every node (a range scan), and with ALLOW FILTERING it reads and discards every row that does not match. Cost grows with the table, not the result, so such queries time out as data grows and load every node.",
        evidence: "parameters.query of system_traces.sessions (casstune probes excluded): ALLOW FILTERING, or a WHERE clause that does not restrict every partition key column with = or IN (token() ranges and queries on indexed columns excluded; those are deliberate scans and SCH-006's business). Coordinator duration of the slowest session.",
        fix: "Model a table for the query (partitioned by the filtered column: the fix renders it) or, on 5.0, an SAI index on the filtered column for selective filters; full-table reads belong in a token-range-split job (Spark, DSBulk) at LOCAL_ONE, off-peak.",
        references: &[
            "https://cassandra.apache.org/doc/latest/cassandra/developing/cql/dml.html#allowing-filtering",
            "https://cassandra.apache.org/doc/latest/cassandra/developing/data-modeling/index.html",
        ],
        check: Scope::Cluster(scan_queries),
    },
    Builtin {
        id: "TRC-002",
        name: "traced-read-merges-many-sstables",
        family: Family::Compaction,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.6,
        confidence: 0.7,
        needs: TRACES,
        params: &[("min_sstables", 4.0)],
        summary: "A traced single-partition read merged data from many SSTables.",
        why: "\"Merged data from memtables and N sstables\" is the number of SSTables one read had to open and merge: each costs an index lookup and a data seek. Under size-tiered compaction a partition updated over time spreads over many SSTables; under leveled compaction a high count means L0 is backing up.",
        evidence: "The \"Merged data from memtables and N sstables\" and \"Skipped X/Y non-slice-intersecting sstables\" events of traced sessions, per table (max over sessions); the table's compaction class.",
        fix: "STCS: move read-heavy, update-heavy tables to LCS on SSDs (UCS L10 on 5.0). LCS: let compaction catch up (compaction_throughput, concurrent_compactors) and check `nodetool compactionstats`.",
        references: &[
            READ_PATH_REF,
            "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/compaction/lcs.html",
        ],
        check: Scope::Cluster(many_sstables_merged),
    },
    Builtin {
        id: "TRC-003",
        name: "traced-read-scans-tombstones",
        family: Family::Partition,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.7,
        confidence: 0.85,
        needs: TRACES,
        params: &[("min_tombstones", 100.0), ("ratio", 10.0)],
        summary: "A traced read passed many more tombstones than live rows.",
        why: "\"Read N live rows and M tombstone cells\" counts what one read materialised: M tombstones read, filtered and discarded to return N rows, all on the heap. Above tombstone_warn_threshold Cassandra logs the read (the event then ends with \"see tombstone_warn_threshold\"); at tombstone_failure_threshold the query fails. It is the signature of queue-like partitions and row-by-row deletes.",
        evidence: "The \"Read N live rows and M tombstone cells\" events of traced sessions: M at or above the nodes' tombstone_warn_threshold, the warning suffix, or M ≥ min_tombstones and ≥ ratio × N; the session's query and bound partition key.",
        fix: "Change how data is deleted and read: bucket the partition so consumed data is removed with one partition delete (the fix renders the table and the DELETE), delete ranges instead of rows, or start reads after the last consumed clustering key so the deleted head is skipped.",
        references: &[
            READ_PATH_REF,
            "https://thelastpickle.com/blog/2016/07/27/about-deletes-and-tombstones.html",
        ],
        check: Scope::Cluster(tombstone_reads),
    },
    Builtin {
        id: "TRC-004",
        name: "slow-replica-in-traces",
        family: Family::Hardware,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.6,
        confidence: 0.6,
        needs: &[Need::Traces],
        params: &[("min_samples", 3.0), ("ratio", 5.0), ("min_ms", 20.0)],
        summary: "One node takes far longer than the others to serve its part of traced reads.",
        why: "Each replica's trace events carry the time since that node started on the request; the elapsed time of its \"Read … live rows\" event is how long its local read took, queueing in ReadStage included. A node consistently several times slower than its peers drags every quorum read it takes part in (and all reads it coordinates): typical causes are GC pauses, a saturated or failing disk, compaction backlog or a noisy neighbour.",
        evidence: "Per node, the median over traced sessions of the source_elapsed of its \"Read N live rows\" event (at least min_samples sessions), against the median of all other nodes' samples: fires at ratio × and at least min_ms. Confidence grows with the number of samples (0.4–0.8).",
        fix: "Look at that node: GC pauses (gc_warn_threshold log lines, jvm.gc metrics), pending ReadStage and compactions (`nodetool tpstats`, `nodetool compactionstats`), disk latency (`iostat -x`); the dynamic snitch routes reads away from it meanwhile.",
        references: &[READ_PATH_REF, TRACING_REF],
        check: Scope::Cluster(slow_replica),
    },
    Builtin {
        id: "TRC-005",
        name: "traced-read-large-partition",
        family: Family::Partition,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.6,
        confidence: 0.7,
        needs: TRACES,
        params: &[("min_mib", 10.0)],
        summary: "A traced read opened a partition whose row index shows it is large.",
        why: "For BIG-format SSTables a partition's row index has one entry per column_index_size of data (64 KiB by default): \"Partition index with N entries\" (4.x) or \"Partition index found for sstable …, size = N\" (5.0) therefore bounds the partition at about N × 64 KiB. Reads of large partitions are slow and heap-hungry, whatever the query's LIMIT.",
        evidence: "Row-index entry counts in the trace events (\"Partition index with N entries found\", \"Partition index found for sstable S, size = N\", \"Key cache hit for sstable S, size = N\"), times the nodes' column_index_size (64 KiB when unset), at or above min_mib.",
        fix: "Bucket the partition key (the fix renders the table from its columns) and migrate.",
        references: &[
            READ_PATH_REF,
            "https://cassandra.apache.org/doc/latest/cassandra/managing/configuration/cass_yaml_file.html#column_index_size",
        ],
        check: Scope::Cluster(large_partition_read),
    },
    Builtin {
        id: "TRC-006",
        name: "tracing-left-on",
        family: Family::Config,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.4,
        confidence: 0.7,
        needs: &[Need::Traces],
        params: &[("min_sessions", 100.0)],
        summary: "Many requests are being traced (probabilistic tracing or clients with tracing on).",
        why: "Every traced request writes a session row and 5–30 event rows to system_traces (RF 2 by default) and adds work on the request path: tracing 1 % of a busy cluster's requests is a second write workload. Tracing is for diagnosing a few requests, not for leaving on.",
        evidence: "The number of system_traces sessions in the collected window that casstune's probes did not create (the collection keeps at most --trace-limit of them), their clients and the rate implied by their start times.",
        fix: "`nodetool settraceprobability 0` on every node, and switch tracing off in clients that enable it per statement.",
        references: &[
            TRACING_REF,
            "https://cassandra.apache.org/doc/latest/cassandra/managing/tools/nodetool/settraceprobability.html",
        ],
        check: Scope::Cluster(tracing_left_on),
    },
];

// ---------------------------------------------------------------- parsing

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("valid regex"))
}

fn merged_sstables(activity: &str) -> Option<u64> {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, r"^Merged data from memtables and (\d+) sstables").captures(activity)?[1]
        .parse()
        .ok()
}

/// (live rows, tombstone cells, warned).
fn read_counts(activity: &str) -> Option<(u64, u64, bool)> {
    static R: OnceLock<Regex> = OnceLock::new();
    let c = re(&R, r"^Read (\d+) live rows and (\d+) tombstone cells").captures(activity)?;
    Some((
        c[1].parse().ok()?,
        c[2].parse().ok()?,
        activity.contains("tombstone_warn_threshold"),
    ))
}

/// (skipped, total) SSTables of a "Skipped X/Y non-slice-intersecting sstables" event.
fn skipped_sstables(activity: &str) -> Option<(u64, u64)> {
    static R: OnceLock<Regex> = OnceLock::new();
    let c = re(&R, r"^Skipped (\d+)/(\d+) non-slice-intersecting sstables").captures(activity)?;
    Some((c[1].parse().ok()?, c[2].parse().ok()?))
}

/// Row-index entries of a partition in one SSTable.
fn index_entries(activity: &str) -> Option<u64> {
    static OLD: OnceLock<Regex> = OnceLock::new();
    static NEW: OnceLock<Regex> = OnceLock::new();
    if let Some(c) = re(
        &OLD,
        r"^Partition index with (\d+) entries found for sstable",
    )
    .captures(activity)
    {
        return c[1].parse().ok();
    }
    re(
        &NEW,
        r"^(?:Partition index found|Key cache hit) for sstable \S+, size = (\d+)",
    )
    .captures(activity)?[1]
        .parse()
        .ok()
}

fn executing_on(activity: &str) -> Option<&str> {
    activity
        .strip_prefix("Executing single-partition query on ")
        .map(str::trim)
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        s[1..s.len() - 1].replace("\"\"", "\"")
    } else {
        s.to_ascii_lowercase()
    }
}

/// (keyspace, table) of a CQL statement's FROM clause.
fn from_clause(query: &str) -> Option<(Option<String>, String)> {
    static R: OnceLock<Regex> = OnceLock::new();
    let c = re(&R, r#"(?is)\bFROM\s+("(?:[^"]|"")+"|[A-Za-z0-9_]+)(?:\s*\.\s*("(?:[^"]|"")+"|[A-Za-z0-9_]+))?"#).captures(query)?;
    match c.get(2) {
        Some(t) => Some((Some(unquote(&c[1])), unquote(t.as_str()))),
        None => Some((None, unquote(&c[1]))),
    }
}

/// The user table a session read, if it can be told.
fn session_table<'a>(s: &'a Snapshot, t: &TraceSession) -> Option<&'a Table> {
    if let Some(p) = &t.probe_of
        && let Some((ks, name)) = p.split_once('.')
    {
        return s
            .schema
            .table(ks, name)
            .filter(|t| !crate::model::schema::is_system_keyspace(&t.keyspace));
    }
    let by_name = |name: &str| {
        let mut it = user_tables(s).filter(|t| t.name == name);
        let first = it.next()?;
        it.next().is_none().then_some(first)
    };
    if let Some(q) = t.parameters.get("query")
        && let Some((ks, name)) = from_clause(q)
    {
        return match ks {
            Some(ks) => s
                .schema
                .table(&ks, &name)
                .filter(|t| !crate::model::schema::is_system_keyspace(&t.keyspace)),
            None => by_name(&name),
        };
    }
    t.events
        .iter()
        .find_map(|e| executing_on(&e.activity))
        .and_then(by_name)
}

fn session_ref(t: &TraceSession) -> String {
    let mut s = format!("session {}", t.session_id);
    if let Some(c) = &t.coordinator {
        s.push_str(&format!(" (coordinator {c}"));
        if let Some(d) = t.duration_us {
            s.push_str(&format!(", {:.1} ms", d as f64 / 1000.0));
        }
        s.push(')');
    }
    s
}

/// Predicates of a WHERE clause: (column, operator), `token` for token() ranges.
fn where_predicates(query: &str) -> Option<Vec<(String, String)>> {
    static WHERE: OnceLock<Regex> = OnceLock::new();
    static PRED: OnceLock<Regex> = OnceLock::new();
    let w = re(&WHERE, r"(?is)\bWHERE\b(.*?)(?:\bORDER\s+BY\b|\bPER\s+PARTITION\s+LIMIT\b|\bLIMIT\b|\bALLOW\s+FILTERING\b|\bGROUP\s+BY\b|;|$)").captures(query)?;
    let clause = w.get(1)?.as_str();
    let mut out = Vec::new();
    static AND: OnceLock<Regex> = OnceLock::new();
    for part in re(&AND, r"(?i)\s+AND\s+").split(clause) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        if part.to_ascii_lowercase().starts_with("token") {
            out.push(("token".into(), "range".into()));
            continue;
        }
        let c = re(&PRED, r#"(?i)^\(?\s*("(?:[^"]|"")+"|[A-Za-z0-9_]+)\s*(=|<=|>=|<|>|!=|\bIN\b|\bCONTAINS\b|\bLIKE\b)"#).captures(part);
        if let Some(c) = c {
            out.push((unquote(&c[1]), c[2].to_ascii_uppercase()));
        }
    }
    Some(out)
}

/// The bound value of a partition key column in the session's parameters, as CQL text.
fn bound_value(t: &TraceSession, column: &str) -> Option<String> {
    t.parameters.iter().find_map(|(k, v)| {
        let (_, name) = k.strip_prefix("bound_var_")?.split_once('_')?;
        (name == column).then(|| v.clone())
    })
}

fn user_sessions(s: &Snapshot) -> impl Iterator<Item = (&TraceSession, &Table)> {
    s.traces
        .iter()
        .filter_map(|t| Some((t, session_table(s, t)?)))
}

// ---------------------------------------------------------------- rules

type ScanSeen<'a> = (
    &'a Table,
    &'static str,
    String,
    usize,
    Option<&'a TraceSession>,
    Vec<String>,
);

/// The worst traced read of a table: (table, count, session, node, skipped of total SSTables).
type MergedSeen<'a> = (&'a Table, u64, &'a TraceSession, String, Option<(u64, u64)>);

fn scan_queries(ctx: &ClusterCtx, em: &mut Emitter) {
    let v = oldest_version(ctx.snapshot);
    // table → (table, kind, query, sessions, slowest, filtered columns)
    let mut found: BTreeMap<String, ScanSeen> = BTreeMap::new();
    for (sess, t) in user_sessions(ctx.snapshot) {
        if sess.probe_of.is_some() {
            continue;
        }
        let Some(q) = sess.parameters.get("query") else {
            continue;
        };
        if !q.trim_start().to_ascii_uppercase().starts_with("SELECT") {
            continue;
        }
        let preds = where_predicates(q).unwrap_or_default();
        if preds.iter().any(|(c, _)| c == "token") {
            continue;
        }
        let filtering = q.to_ascii_uppercase().contains("ALLOW FILTERING");
        let pk = partition_key(t);
        let pk_bound = !pk.is_empty()
            && pk.iter().all(|c| {
                preds
                    .iter()
                    .any(|(n, op)| *n == c.name && (op == "=" || op == "IN"))
            });
        let indexed: Vec<&str> = t
            .indexes
            .iter()
            .filter_map(|i| i.options.get("target").map(|t| t.trim_matches('"')))
            .collect();
        let uses_index = preds.iter().any(|(c, _)| indexed.contains(&c.as_str()));
        let kind = if filtering {
            "ALLOW FILTERING"
        } else if !pk_bound && !uses_index {
            "a range scan (partition key not restricted)"
        } else {
            continue;
        };
        let filtered: Vec<String> = preds
            .iter()
            .filter(|(c, op)| {
                op == "=" && column(t, c).is_some_and(|col| col.kind != "partition_key")
            })
            .map(|(c, _)| c.clone())
            .collect();
        let e = found
            .entry(t.qualified())
            .or_insert((t, kind, q.clone(), 0, None, filtered));
        e.3 += 1;
        if e.4
            .is_none_or(|s: &TraceSession| s.duration_us < sess.duration_us)
        {
            e.4 = Some(sess);
            e.2 = q.clone();
            e.1 = kind;
        }
    }
    for (name, (t, kind, query, count, slowest, filtered)) in found {
        let f = em.subject(&name).emit(
            format!(
                "{count} traced quer{} on {name} use{} {kind}{}",
                if count == 1 { "y" } else { "ies" },
                if count == 1 { "s" } else { "" },
                slowest
                    .and_then(|s| s.duration_us)
                    .map(|d| format!(
                        "; the slowest took {:.1} ms at the coordinator",
                        d as f64 / 1000.0
                    ))
                    .unwrap_or_default()
            ),
            None,
        );
        f.evidence.push(ev(format!("{name} query"), query));
        if let Some(s) = slowest {
            f.evidence
                .push(ev(format!("{name} slowest traced session"), session_ref(s)));
        }
        let mut fixed = false;
        if let Some(col) = filtered.first().and_then(|c| column(t, c)) {
            if v >= Version::V5_0 && col.kind == "regular" {
                f.fixes.push(Fix::Cql {
                    statement: format!(
                        "CREATE INDEX {} ON {} ({}) USING 'sai'",
                        ident(&format!("{}_{}_sai", t.name, col.name)),
                        qname(&t.keyspace, &t.name),
                        ident(&col.name)
                    ),
                    safety: Safety::DisplayOnly,
                    description: format!("for a selective filter on {}: SAI avoids reading every row (the query still visits every node)", col.name),
                });
            }
            f.fixes.push(Fix::Cql {
                statement: lookup_table(ctx.snapshot, t, col),
                safety: Safety::DisplayOnly,
                description: format!(
                    "a table partitioned by {} answers the query from one partition",
                    col.name
                ),
            });
            fixed = true;
        }
        if !fixed {
            let pk: Vec<String> = partition_key(t).iter().map(|c| ident(&c.name)).collect();
            if !pk.is_empty() {
                f.fixes.push(Fix::Cql {
                    statement: format!(
                        "SELECT * FROM {} WHERE token({}) > -9223372036854775808 AND token({}) <= -3074457345618258603",
                        qname(&t.keyspace, &t.name),
                        pk.join(", "),
                        pk.join(", ")
                    ),
                    safety: Safety::DisplayOnly,
                    description: "if the whole table must be read: split the scan by token range (one query per range, as Spark and DSBulk do) at LOCAL_ONE, off-peak".into(),
                });
            }
        }
    }
}

fn many_sstables_merged(ctx: &ClusterCtx, em: &mut Emitter) {
    let min = ctx.meta.param("min_sstables") as u64;
    let v = oldest_version(ctx.snapshot);
    let hdd = data_on_hdd(ctx.snapshot).is_some_and(|h| !h.is_empty());
    let mut worst: BTreeMap<String, MergedSeen> = BTreeMap::new();
    for (sess, t) in user_sessions(ctx.snapshot) {
        for e in &sess.events {
            let Some(n) = merged_sstables(&e.activity) else {
                continue;
            };
            let skipped = sess
                .events
                .iter()
                .find_map(|e| skipped_sstables(&e.activity));
            let node = e.source.clone().unwrap_or_default();
            let entry = worst
                .entry(t.qualified())
                .or_insert((t, n, sess, node.clone(), skipped));
            if n > entry.1 {
                *entry = (t, n, sess, node, skipped);
            }
        }
    }
    for (name, (t, n, sess, node, skipped)) in worst {
        if n < min {
            continue;
        }
        let class = t
            .compaction_class()
            .unwrap_or("SizeTieredCompactionStrategy");
        let f = em.subject(&name).emit(
            format!("a traced read of {name} merged data from {n} SSTables on {node} ({class})"),
            None,
        );
        f.topic = crate::engine::consolidate::table_topic("sstables-per-read", &name);
        f.evidence.push(ev_expect(
            format!("{name} SSTables merged per traced read (max)"),
            n.to_string(),
            format!("< {min}"),
        ));
        f.evidence
            .push(ev(format!("{name} traced session"), session_ref(sess)));
        if let Some((s, total)) = skipped {
            f.evidence.push(ev(
                format!("{name} SSTables skipped by slice"),
                format!("{s} of {total}"),
            ));
        }
        match class {
            "SizeTieredCompactionStrategy" => {
                let mut fixes = read_optimised(t, v, hdd);
                if fixes.is_empty() {
                    fixes.push(Fix::Cql {
                        statement: alter_compaction(t, &[("class", "SizeTieredCompactionStrategy"), ("min_threshold", "2")]),
                        safety: Safety::Unsafe,
                        description: "on spinning disks: compact sooner to keep fewer SSTables per partition".into(),
                    });
                }
                f.fixes.extend(fixes);
            }
            _ => f.fixes.push(Fix::Os {
                command: format!("nodetool -h {node} compactionstats -H"),
                safety: Safety::DisplayOnly,
                description: "a backlog of compactions (L0 under LCS) leaves SSTables unmerged: let compaction catch up (compaction_throughput, concurrent_compactors)".into(),
            }),
        }
    }
}

fn tombstone_reads(ctx: &ClusterCtx, em: &mut Emitter) {
    let min = ctx.meta.param("min_tombstones") as u64;
    let ratio = ctx.meta.param("ratio");
    let warn = tombstone_warn_threshold(ctx.snapshot) as u64;
    let mut worst: BTreeMap<String, (&Table, &TraceSession, String, u64, u64, bool)> =
        BTreeMap::new();
    for (sess, t) in user_sessions(ctx.snapshot) {
        for e in &sess.events {
            let Some((live, tomb, warned)) = read_counts(&e.activity) else {
                continue;
            };
            let bad = warned
                || tomb >= warn
                || (tomb >= min && tomb as f64 >= ratio * live.max(1) as f64);
            if !bad {
                continue;
            }
            let node = e.source.clone().unwrap_or_default();
            let entry =
                worst
                    .entry(t.qualified())
                    .or_insert((t, sess, node.clone(), live, tomb, warned));
            if tomb > entry.4 {
                *entry = (t, sess, node, live, tomb, warned);
            }
        }
    }
    for (name, (t, sess, node, live, tomb, warned)) in worst {
        let pk = partition_key(t);
        let key: Vec<(String, String)> = pk
            .iter()
            .filter_map(|c| Some((c.name.clone(), bound_value(sess, &c.name)?)))
            .collect();
        let key_text = key
            .iter()
            .map(|(c, v)| format!("{c} = {v}"))
            .collect::<Vec<_>>()
            .join(" AND ");
        let f = em.subject(&name).emit(
            format!(
                "a traced read of {name}{} on {node} passed {tomb} tombstone cells to return {live} live row{}{}",
                if key_text.is_empty() { String::new() } else { format!(" ({key_text})") },
                if live == 1 { "" } else { "s" },
                if warned || tomb >= warn { format!(" (tombstone_warn_threshold {warn})") } else { String::new() }
            ),
            None,
        );
        f.topic = crate::engine::consolidate::table_topic("tombstones", &name);
        f.evidence.push(ev_expect(
            format!("{name} tombstones per traced read"),
            format!("{tomb} tombstones, {live} live rows"),
            format!("< {warn}"),
        ));
        f.evidence
            .push(ev(format!("{name} traced session"), session_ref(sess)));
        if let Some(q) = sess.parameters.get("query") {
            f.evidence.push(ev(format!("{name} query"), q.clone()));
        }
        if !clustering(t).is_empty() {
            let b = bucketed_table(ctx.snapshot, t, 16, true);
            f.fixes.push(Fix::Cql {
                statement: b.statement.clone(),
                safety: Safety::DisplayOnly,
                description: format!("consume and delete by bucket: {}", b.how),
            });
            // The partition delete that replaces row deletes, on the new table, for this key.
            if key.len() == pk.len()
                && let Some(bucket) = &b.bucket
            {
                let key_cql = key
                    .iter()
                    .map(|(c, v)| format!("{} = {v}", ident(c)))
                    .collect::<Vec<_>>()
                    .join(" AND ");
                let first = if b.statement.contains(&format!("{} date", ident(bucket))) {
                    "'2026-01-01'"
                } else {
                    "0"
                };
                f.fixes.push(Fix::Cql {
                    statement: format!("DELETE FROM {} WHERE {key_cql} AND {} = {first}", b.table, ident(bucket)),
                    safety: Safety::DisplayOnly,
                    description: "one partition tombstone removes a whole consumed bucket, instead of one tombstone per row".into(),
                });
            }
        }
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn slow_replica(ctx: &ClusterCtx, em: &mut Emitter) {
    let min_samples = ctx.meta.param("min_samples") as usize;
    let ratio = ctx.meta.param("ratio");
    let min_us = ctx.meta.param("min_ms") * 1000.0;
    let mut samples: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for sess in &ctx.snapshot.traces {
        let mut per_source: BTreeMap<&str, f64> = BTreeMap::new();
        for e in &sess.events {
            if read_counts(&e.activity).is_none() {
                continue;
            }
            let (Some(src), Some(el)) = (e.source.as_deref(), e.source_elapsed_us) else {
                continue;
            };
            let v = per_source.entry(src).or_insert(0.0);
            *v = v.max(el as f64);
        }
        for (src, el) in per_source {
            samples.entry(src.to_string()).or_default().push(el);
        }
    }
    if samples.len() < 2 {
        return;
    }
    for (node, own) in &samples {
        if own.len() < min_samples {
            continue;
        }
        let mut others: Vec<f64> = samples
            .iter()
            .filter(|(n, _)| *n != node)
            .flat_map(|(_, v)| v.iter().copied())
            .collect();
        if others.len() < min_samples {
            continue;
        }
        let mut mine = own.clone();
        let m = median(&mut mine);
        let o = median(&mut others);
        if m < min_us || m < ratio * o.max(1.0) {
            continue;
        }
        let n = own.len();
        let f = em.subject(node).emit(
            format!(
                "{node} took a median {:.1} ms to serve its part of {n} traced reads, {:.0}× the {:.1} ms median of the other nodes ({} reads)",
                m / 1000.0,
                m / o.max(1.0),
                o / 1000.0,
                others.len()
            ),
            None,
        );
        f.confidence = (0.4 + 0.05 * n as f32).min(0.8);
        let mut sorted = own.clone();
        sorted.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        f.evidence.push(ev_expect(
            format!("{node} local read time in traces"),
            format!(
                "median {:.1} ms over {n} reads ({})",
                m / 1000.0,
                sorted
                    .iter()
                    .map(|v| format!("{:.1}", v / 1000.0))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!("< {}× the other nodes' median", num(ratio)),
        ));
        f.evidence.push(ev(
            "other nodes' local read time in traces",
            samples
                .iter()
                .filter(|(n, _)| *n != node)
                .map(|(n, v)| {
                    let mut v = v.clone();
                    format!(
                        "{n}: median {:.1} ms over {}",
                        median(&mut v) / 1000.0,
                        v.len()
                    )
                })
                .collect::<Vec<_>>()
                .join(", "),
        ));
        f.fixes.push(Fix::Os {
            command: format!("nodetool -h {node} tpstats && nodetool -h {node} compactionstats && iostat -x 5 3"),
            safety: Safety::DisplayOnly,
            description: "find what holds the node back: pending ReadStage, compaction backlog, disk latency; check its GC log for long pauses".into(),
        });
    }
}

fn large_partition_read(ctx: &ClusterCtx, em: &mut Emitter) {
    let min_bytes = ctx.meta.param("min_mib") * MIB;
    let block = ctx
        .snapshot
        .nodes
        .iter()
        .filter_map(|n| {
            n.config
                .as_ref()?
                .get("column_index_size")?
                .value
                .as_quantity()
        })
        .map(|q| q.base() as f64)
        .fold(None, |acc: Option<f64>, v| {
            Some(acc.map_or(v, |a| a.min(v)))
        })
        .unwrap_or(64.0 * 1024.0);
    let mut worst: BTreeMap<String, (&Table, u64, &TraceSession, String)> = BTreeMap::new();
    for (sess, t) in user_sessions(ctx.snapshot) {
        for e in &sess.events {
            let Some(n) = index_entries(&e.activity) else {
                continue;
            };
            let node = e.source.clone().unwrap_or_default();
            let entry = worst
                .entry(t.qualified())
                .or_insert((t, n, sess, node.clone()));
            if n > entry.1 {
                *entry = (t, n, sess, node);
            }
        }
    }
    for (name, (t, n, sess, node)) in worst {
        let size = n as f64 * block;
        if size < min_bytes {
            continue;
        }
        let f = em.subject(&name).emit(
            format!(
                "a traced read of {name} on {node} opened a partition with {n} row-index entries: about {} ({} per entry)",
                bytes(size),
                bytes(block)
            ),
            None,
        );
        f.topic = crate::engine::consolidate::table_topic("partition-size", &name);
        f.evidence.push(ev_expect(
            format!("{name} row-index entries of a traced partition"),
            n.to_string(),
            format!("< {}", num((min_bytes / block).ceil())),
        ));
        f.evidence
            .push(ev(format!("{name} traced session"), session_ref(sess)));
        let buckets = super::tables::bucket_count(size, None, 1024);
        let b = bucketed_table(ctx.snapshot, t, buckets, false);
        f.fixes.push(Fix::Cql {
            statement: b.statement,
            safety: Safety::DisplayOnly,
            description: format!("new table to migrate to: {}", b.how),
        });
    }
}

fn tracing_left_on(ctx: &ClusterCtx, em: &mut Emitter) {
    let min = ctx.meta.param("min_sessions") as usize;
    let sessions: Vec<&TraceSession> = ctx
        .snapshot
        .traces
        .iter()
        .filter(|t| t.probe_of.is_none())
        .collect();
    if sessions.len() < min {
        return;
    }
    let starts: Vec<i64> = sessions.iter().filter_map(|s| s.started_at_ms).collect();
    let span_s = match (starts.iter().min(), starts.iter().max()) {
        (Some(a), Some(b)) if b > a => Some((b - a) as f64 / 1000.0),
        _ => None,
    };
    let mut clients: BTreeMap<String, usize> = BTreeMap::new();
    for s in &sessions {
        *clients
            .entry(s.client.clone().unwrap_or_else(|| "?".into()))
            .or_default() += 1;
    }
    let mut top: Vec<(String, usize)> = clients.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let f = em.subject(crate::engine::CLUSTER_SUBJECT).emit(
        format!(
            "{} requests were traced{}: each writes a session and its events to system_traces",
            sessions.len(),
            span_s
                .map(|s| format!(
                    " within {} (about {:.2} per second)",
                    duration(s.round() as i64),
                    sessions.len() as f64 / s.max(1.0)
                ))
                .unwrap_or_default()
        ),
        None,
    );
    f.evidence.push(ev_expect(
        "traced sessions (casstune probes excluded)",
        sessions.len().to_string(),
        format!("< {min}"),
    ));
    f.evidence.push(ev(
        "traced sessions by client",
        top.iter()
            .take(5)
            .map(|(c, n)| format!("{c}: {n}"))
            .collect::<Vec<_>>()
            .join(", "),
    ));
    for n in &ctx.snapshot.nodes {
        f.fixes.push(Fix::Os {
            command: format!("nodetool -h {} settraceprobability 0", n.id),
            safety: Safety::Safe,
            description:
                "stop probabilistic tracing; clients that trace per statement must be changed too"
                    .into(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_strings_parse() {
        assert_eq!(
            merged_sstables("Merged data from memtables and 7 sstables"),
            Some(7)
        );
        assert_eq!(
            read_counts(
                "Read 10 live rows and 1990 tombstone cells (see tombstone_warn_threshold)"
            ),
            Some((10, 1990, true))
        );
        assert_eq!(
            read_counts("Read 1 live rows and 0 tombstone cells"),
            Some((1, 0, false))
        );
        assert_eq!(
            skipped_sstables(
                "Skipped 0/1 non-slice-intersecting sstables, included 0 due to tombstones"
            ),
            Some((0, 1))
        );
        assert_eq!(
            index_entries("Partition index with 420 entries found for sstable 3"),
            Some(420)
        );
        assert_eq!(
            index_entries("Partition index found for sstable 1, size = 0"),
            Some(0)
        );
        assert_eq!(
            index_entries("Key cache hit for sstable 1, size = 12"),
            Some(12)
        );
    }

    #[test]
    fn queries_are_split_into_table_and_predicates() {
        assert_eq!(
            from_clause(r#"SELECT * FROM "demo"."inbox" WHERE "owner" = ? LIMIT 100"#),
            Some((Some("demo".into()), "inbox".into()))
        );
        assert_eq!(
            from_clause("select x from Users where a = 1"),
            Some((None, "users".into()))
        );
        let p =
            where_predicates(r#"SELECT * FROM t WHERE "owner" = ? AND msg > 3 LIMIT 10"#).unwrap();
        assert_eq!(
            p,
            [
                ("owner".to_string(), "=".to_string()),
                ("msg".into(), ">".into())
            ]
        );
        let p = where_predicates("SELECT * FROM t WHERE name = 'x' ALLOW FILTERING").unwrap();
        assert_eq!(p, [("name".to_string(), "=".to_string())]);
        assert_eq!(where_predicates("SELECT * FROM t"), None);
    }
}
