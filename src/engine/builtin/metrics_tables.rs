//! Per-table read-path rules from a node's metrics and virtual tables: partition sizes and
//! tombstones (PART-0xx). Cassandra's own keyspaces are skipped: their data model is not the
//! operator's to change.
//!
//! The table histograms (tombstones and live rows per read) are Cassandra's decaying
//! reservoirs: the percentiles follow recent reads while `.count` counts every read since the
//! node started. A p99 over a handful of reads is the largest of them, so below `min_reads`
//! a rule only fires when the median crosses the threshold too, at lower confidence.

use std::collections::BTreeSet;

use super::advice::{cql_str, qname};
use super::signals::{
    Hist, MIB, Sample, apply_sample, apply_window, bytes, ev, judge_sample, mib_text, num, os,
    push_config_fix, setting, setting_base, setting_ev, table_key, user_tables, user_tables_where,
    window_text,
};
use super::{Builtin, Scope};
use crate::catalog::Version;
use crate::engine::consolidate::table_topic;
use crate::engine::{Ctx, Emitter, Family, Finding, Fix, Need, Safety, Severity};
use crate::model::schema::is_system_keyspace;
use crate::model::{Metrics, Node};

const METRICS: &[Need] = &[Need::Metrics];
const GUARDRAIL: &str = "apache/cassandra conf/cassandra.yaml (compaction_large_partition_warning_threshold 100MiB in 4.x; partition_size_warn_threshold guardrail in 5.0)";
const TOMBSTONES: &str = "apache/cassandra conf/cassandra.yaml (tombstone_warn_threshold 1000, tombstone_failure_threshold 100000)";
const COMPACTION_DOC: &str = "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/compaction/index.html (unchecked_tombstone_compaction, TimeWindowCompactionStrategy)";
const VTABLES: &str = "apache/cassandra src/java/org/apache/cassandra/db/virtual/TableMetricTables.java (max_partition_size, tombstones_per_read, rows_per_read)";

pub static RULES: &[Builtin] = &[
    Builtin {
        id: "PART-001",
        name: "huge-partition",
        family: Family::Partition,
        severity: Severity::Error,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.9,
        confidence: 0.9,
        needs: METRICS,
        params: &[("warn_mib", 100.0), ("error_mib", 1024.0)],
        summary: "A table's largest partition on the node reaches 1 GiB (from 100 MiB when PART-101 cannot run).",
        why: "A partition is read, compacted, repaired and streamed as a unit. From 100 MiB Cassandra logs it at compaction (compaction_large_partition_warning_threshold, the partition_size guardrail in 5.0) and PART-101 reports it per table with a bucketed key. Around 1 GiB it stops being a performance problem and becomes an availability one: reads of it time out, compaction and repair of it build multi-GiB indexes and merges on the heap (GC storms, OOM), streaming it stalls bootstrap and repair. This rule raises that as an error per node; for a collection without the schema or the node tables (Cassandra 3.11), where PART-101 cannot run, it also warns from 100 MiB.",
        evidence: "table.max_partition_size_bytes per user table (the largest partition compacted on this node), or system_views.max_partition_size (MiB, rounded up) for tables the metrics lack.",
        fix: "Split the partition key (a time or hash bucket; PART-101 renders the new table) and migrate; meanwhile have Cassandra log the offending keys (partition_size_warn_threshold / compaction_large_partition_warning_threshold) and find them in system.log.",
        references: &[
            GUARDRAIL,
            VTABLES,
            "https://cassandra.apache.org/doc/latest/cassandra/developing/data-modeling/data-modeling_refining.html",
        ],
        check: Scope::Node(huge_partition),
    },
    Builtin {
        id: "PART-002",
        name: "tombstones-per-read-high",
        family: Family::Partition,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.7,
        confidence: 0.8,
        needs: METRICS,
        params: &[("max_p99", 1000.0), ("min_reads", 100.0)],
        summary: "Reads of a table scan more than 1000 tombstones (99th percentile).",
        why: "Every tombstone a read passes is deserialised, kept in memory for the response merge and thrown away: reads slow down and allocate heavily (GC). tombstone_warn_threshold (1000) logs such reads and tombstone_failure_threshold (100000) aborts them. Typical causes: queue-like tables (insert then delete), deletes of whole rows in wide partitions, nulls written as values, TTL'd data under size-tiered compaction.",
        evidence: "table.tombstones_scanned.p99 with .p50 and .count (or system_views.tombstones_per_read), and the node's tombstone_warn_threshold. A p99 over fewer than 100 reads only counts when the median crosses too. The percentiles are histogram bucket upper bounds (about 20 % apart): 1109 means between 925 and 1109.",
        fix: "For append-only TTL'd data: TimeWindowCompactionStrategy. Otherwise let single-sstable tombstone compactions run (unchecked_tombstone_compaction) and change the access pattern (no queue tables, no null writes). Lower gc_grace_seconds only if repairs run more often than the new value.",
        references: &[TOMBSTONES, COMPACTION_DOC, VTABLES],
        check: Scope::Node(tombstones_per_read),
    },
    Builtin {
        id: "PART-003",
        name: "tombstone-thresholds-hit",
        family: Family::Partition,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.8,
        confidence: 0.85,
        needs: METRICS,
        params: &[],
        summary: "Queries crossed tombstone_warn_threshold, or were aborted at tombstone_failure_threshold (error).",
        why: "Each warning is a read that scanned more tombstones than tombstone_warn_threshold (a log line and a client warning); each failure is a read Cassandra aborted with TombstoneOverwhelmingException, an error the client saw. They are direct evidence of a tombstone-heavy access pattern.",
        evidence: "table.tombstone_warnings and table.tombstone_failures per user table: their rates over the window, else their totals since the node started (lower confidence: when is unknown).",
        fix: "As for PART-002: fix the access pattern, TWCS for TTL'd time series, unchecked_tombstone_compaction; do not raise the thresholds (CFG-024).",
        references: &[TOMBSTONES, COMPACTION_DOC],
        check: Scope::Node(tombstone_thresholds),
    },
    Builtin {
        id: "PART-004",
        name: "live-rows-per-read-high",
        family: Family::Partition,
        severity: Severity::Info,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.4,
        confidence: 0.5,
        needs: METRICS,
        params: &[("max_p99", 10000.0), ("min_reads", 100.0)],
        summary: "Reads of a table materialise more than 10 000 live rows (99th percentile).",
        why: "Drivers page results 5000 rows at a time by default; a local read that materialises more than two such pages is an unpaged or huge-page query, or a scan of a wide partition. Such reads hold all those rows on the heap at once and cost GC and latency for everyone.",
        evidence: "table.live_rows_scanned.p99 with .p50 and .count (or system_views.rows_per_read). Cassandra's histograms report a bucket's upper bound (buckets grow by about 20 %): a full 5000-row page shows as 5722, hence the threshold of two pages.",
        fix: "Find the query (sampled tracing) and page it, or bound it with LIMIT; on 4.1+ the page_size guardrail warns clients that ask for oversized pages.",
        references: &[
            VTABLES,
            "https://docs.datastax.com/en/developer/java-driver/latest/manual/core/paging/ (default page size 5000)",
            "apache/cassandra src/java/org/apache/cassandra/utils/EstimatedHistogram.java (bucket offsets)",
        ],
        check: Scope::Node(live_rows_per_read),
    },
];

/// One table's distribution, from the metrics or from a `system_views` table.
struct TableHist<'a> {
    keyspace: String,
    table: String,
    h: Hist,
    from: HistSource<'a>,
}

/// Where a [`TableHist`] was read: its evidence names.
enum HistSource<'a> {
    /// `<base>.p99{keyspace=…,table=…}` and its neighbours.
    Metrics(&'a str),
    /// A row of `system_views.<vtable>`.
    VTable(&'a str),
}

impl TableHist<'_> {
    fn qualified(&self) -> String {
        format!("{}.{}", self.keyspace, self.table)
    }

    /// Evidence names of the p99, p50 and count values; built for the tables that fire only.
    fn keys(&self) -> [String; 3] {
        let (ks, t) = (&self.keyspace, &self.table);
        match self.from {
            HistSource::Metrics(base) => ["p99", "p50", "count"]
                .map(|s| Metrics::key(&format!("{base}.{s}"), &[("keyspace", ks), ("table", t)])),
            HistSource::VTable(vtable) => ["p99th", "p50th", "count"]
                .map(|col| format!("system_views.{vtable}[{ks}.{t}].{col}")),
        }
    }
}

fn f64_of(v: Option<&serde_json::Value>) -> Option<f64> {
    v.and_then(|v| v.as_f64()).filter(|x| x.is_finite())
}

/// Each user table's distribution of `base` (`table.tombstones_scanned`), and for tables the
/// metrics lack (no exporter, or an exporter without table histograms) the node's own
/// `system_views.<vtable>` row. The tables' values are read in one merge per name
/// ([`Metrics::table_values`]), not looked up one by one.
fn table_hists<'a>(node: &Node, base: &'a str, vtable: &'a str) -> Vec<TableHist<'a>> {
    let m = &node.metrics;
    let names = ["p50", "p99", "count"].map(|s| format!("{base}.{s}"));
    let tables = user_tables(m, &names[1]);
    let scopes = Metrics::table_scopes(
        tables
            .iter()
            .map(|t| (t.keyspace.as_str(), t.table.as_str())),
    );
    let values = m.table_values(names.each_ref().map(String::as_str), &scopes);
    let mut out: Vec<TableHist> = tables
        .into_iter()
        .zip(values)
        .map(|(t, [p50, p99, count])| TableHist {
            h: Hist::finite(p50, p99, count),
            from: HistSource::Metrics(base),
            keyspace: t.keyspace,
            table: t.table,
        })
        .collect();
    let seen: BTreeSet<(String, String)> = out
        .iter()
        .map(|t| (t.keyspace.clone(), t.table.clone()))
        .collect();
    let rows = node
        .live
        .as_ref()
        .and_then(|l| l.table(&format!("system_views.{vtable}")));
    for r in rows
        .map(|r| r.records().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        let name = |k: &str| {
            r.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let (ks, t) = (name("keyspace_name"), name("table_name"));
        if ks.is_empty() || is_system_keyspace(&ks) || seen.contains(&(ks.clone(), t.clone())) {
            continue;
        }
        out.push(TableHist {
            h: Hist {
                p50: f64_of(r.get("p50th")),
                p99: f64_of(r.get("p99th")),
                count: f64_of(r.get("count")),
            },
            from: HistSource::VTable(vtable),
            keyspace: ks,
            table: t,
        });
    }
    out
}

/// Pushes the p99, p50 and count of a distribution as evidence.
fn hist_evidence(f: &mut Finding, t: &TableHist, max: f64, min_reads: f64) {
    let [p99, p50, count] = t.keys();
    f.evidence.push(ev(
        p99,
        num(t.h.p99.unwrap_or(f64::NAN)),
        Some(format!("<= {}", num(max))),
    ));
    f.evidence
        .push(ev(p50, num(t.h.p50.unwrap_or(f64::NAN)), None));
    f.evidence.push(ev(
        count,
        num(t.h.count.unwrap_or(0.0)),
        Some(format!(">= {} for a trusted p99", num(min_reads))),
    ));
}

// ---------------------------------------------------------------------------------------
// Partition sizes

/// Have Cassandra log the keys of large partitions, and find them in the log.
fn large_partition_fixes(node: &Node, f: &mut Finding, warn: f64) {
    // 5.0 names it partition_size_warn_threshold (a guardrail, unset by default); 4.x
    // compaction_large_partition_warning_threshold (100 MiB by default). The fix writes the
    // file's own name and unit.
    let current = setting_base(node, "partition_size_warn_threshold");
    if current.is_none_or(|c| c > warn) {
        push_config_fix(
            f,
            node,
            "partition_size_warn_threshold",
            &mib_text(warn),
            Safety::Unsafe,
            "log each partition above this size, with its key, when compaction writes it",
        );
    }
    f.fixes.push(os(
        "grep -E 'Writing large partition|partition_size' /var/log/cassandra/system.log",
        Safety::DisplayOnly,
        "find the keys of the large partitions, then split them (add a bucket to the partition key) and migrate",
    ));
}

/// PART-101 (cluster scope) reports partitions from 100 MiB when it can run: with the schema
/// and some node's virtual tables. Without them this rule warns from 100 MiB itself.
fn cluster_rule_covers_large(ctx: &Ctx) -> bool {
    !ctx.snapshot.schema.keyspaces.is_empty()
        && ctx
            .snapshot
            .nodes
            .iter()
            .any(|n| n.live.as_ref().is_some_and(|l| !l.tables.is_empty()))
}

fn huge_partition(ctx: &Ctx, em: &mut Emitter) {
    let (warn, err) = (
        ctx.meta.param("warn_mib") * MIB,
        ctx.meta.param("error_mib") * MIB,
    );
    let floor = if cluster_rule_covers_large(ctx) {
        err
    } else {
        warn
    };
    let node = ctx.node;
    let mut seen = BTreeSet::new();
    for t in user_tables(&node.metrics, "table.max_partition_size_bytes") {
        seen.insert(t.qualified());
        if t.value >= floor {
            let e = ev(
                table_key("table.max_partition_size_bytes", &t),
                bytes(t.value),
                Some(format!("< {}", bytes(floor))),
            );
            report_large(em, node, &t.qualified(), t.value, e, warn, err);
        }
    }
    let rows = node
        .live
        .as_ref()
        .and_then(|l| l.table("system_views.max_partition_size"));
    for r in rows
        .map(|r| r.records().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        let name = |k: &str| {
            r.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let q = format!("{}.{}", name("keyspace_name"), name("table_name"));
        let Some(mib) = f64_of(r.get("mebibytes")) else {
            continue;
        };
        // The table rounds up to whole MiB: strictly above the threshold is above it.
        if is_system_keyspace(&name("keyspace_name")) || seen.contains(&q) || mib * MIB <= floor {
            continue;
        }
        let e = ev(
            format!("system_views.max_partition_size[{q}].mebibytes"),
            format!("{} MiB", num(mib)),
            Some(format!("< {}", bytes(floor))),
        );
        report_large(em, node, &q, mib * MIB, e, warn, err);
    }
}

fn report_large(
    em: &mut Emitter,
    node: &Node,
    table: &str,
    size: f64,
    e: crate::engine::Evidence,
    warn: f64,
    err: f64,
) {
    let what = if size >= err {
        "reads, compaction and repair of it risk timeouts and heap exhaustion"
    } else {
        "compaction logs it as large"
    };
    let f = em.emit(
        format!(
            "the largest partition of {table} on this node is {}: {what}",
            bytes(size)
        ),
        None,
    );
    if size < err {
        f.severity = Severity::Warning;
    }
    f.topic = table_topic("partition-size", table);
    f.evidence.push(e);
    large_partition_fixes(node, f, warn);
}

// ---------------------------------------------------------------------------------------
// Tombstones

/// A CQL map literal from the table's compaction options with `extra` set.
fn compaction_literal(
    options: &serde_json::Map<String, serde_json::Value>,
    extra: (&str, &str),
) -> String {
    let mut pairs: Vec<(String, String)> = options
        .iter()
        .filter(|(k, _)| *k != extra.0)
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().map_or_else(|| v.to_string(), str::to_string),
            )
        })
        .collect();
    pairs.push((extra.0.to_string(), extra.1.to_string()));
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}: {}", cql_str(k), cql_str(v)))
        .collect();
    format!("{{{}}}", body.join(", "))
}

/// TWCS for TTL'd data, else let tombstone compactions run; gc_grace as guidance only.
fn tombstone_fixes(ctx: &Ctx, ks: &str, table: &str, f: &mut Finding) {
    let q = qname(ks, table);
    let Some(t) = ctx.snapshot.schema.table(ks, table) else {
        f.fixes.push(Fix::Cql {
            statement: format!("ALTER TABLE {q} WITH compaction = {{'class': '<its current class>', 'unchecked_tombstone_compaction': 'true'}};"),
            safety: Safety::DisplayOnly,
            description: "let single-sstable tombstone compactions purge tombstones older than gc_grace_seconds (the schema was not collected: keep the table's other compaction options)".into(),
        });
        return;
    };
    let ttl = t.option_i64("default_time_to_live").unwrap_or(0);
    let class = t.compaction_class().unwrap_or_default();
    if ttl > 0 && class != "TimeWindowCompactionStrategy" {
        f.fixes.push(Fix::Cql {
            statement: format!(
                "ALTER TABLE {q} WITH compaction = {{'class': 'TimeWindowCompactionStrategy', 'compaction_window_unit': 'DAYS', 'compaction_window_size': '1'}};"
            ),
            safety: Safety::DisplayOnly,
            description: format!("the table expires data (default_time_to_live {ttl} s): TWCS drops whole expired sstables; only for append-only time series, and it rewrites the table's sstables"),
        });
    }
    let options = t.options.get("compaction").and_then(|v| v.as_object());
    let unchecked = options
        .and_then(|o| o.get("unchecked_tombstone_compaction"))
        .and_then(|v| v.as_str())
        == Some("true");
    if let Some(o) = options
        && !unchecked
    {
        f.fixes.push(Fix::Cql {
            statement: format!("ALTER TABLE {q} WITH compaction = {};", compaction_literal(o, ("unchecked_tombstone_compaction", "true"))),
            safety: Safety::Unsafe,
            description: "let single-sstable tombstone compactions purge tombstones older than gc_grace_seconds (more compaction I/O); the access pattern still needs fixing".into(),
        });
    }
    if let Some(gc) = t.option_i64("gc_grace_seconds").filter(|g| *g > 86_400) {
        f.fixes.push(Fix::Cql {
            statement: format!("ALTER TABLE {q} WITH gc_grace_seconds = 86400;"),
            safety: Safety::DisplayOnly,
            description: format!("tombstones live gc_grace_seconds ({gc} s) before they can be purged: shorten it only if every replica is repaired more often than that, or deleted data comes back"),
        });
    }
    if f.fixes.is_empty() {
        f.fixes.push(os(&format!("nodetool tablestats {ks}.{table}"), Safety::DisplayOnly, "compaction already purges what it can: change the access pattern (no queue-like delete-then-read, no null writes)"));
    }
}

fn tombstones_per_read(ctx: &Ctx, em: &mut Emitter) {
    let (max, min_reads) = (ctx.meta.param("max_p99"), ctx.meta.param("min_reads"));
    for t in table_hists(ctx.node, "table.tombstones_scanned", "tombstones_per_read") {
        let Some(p99) = t.h.p99.filter(|p| *p > max) else {
            continue;
        };
        let sample = judge_sample(&t.h, max, min_reads);
        if sample == Sample::Noise {
            continue;
        }
        let f = em.emit(
            format!(
                "reads of {} scan {} tombstones at the 99th percentile",
                t.qualified(),
                num(p99)
            ),
            None,
        );
        f.topic = table_topic("tombstones", &t.qualified());
        hist_evidence(f, &t, max, min_reads);
        let live = ctx.node.metrics.get(
            "table.live_rows_scanned.p50",
            &[
                ("keyspace", t.keyspace.as_str()),
                ("table", t.table.as_str()),
            ],
        );
        if let Some(l) = live {
            f.evidence.push(ev(
                Metrics::key(
                    "table.live_rows_scanned.p50",
                    &[("keyspace", &t.keyspace), ("table", &t.table)],
                ),
                num(l),
                None,
            ));
        }
        if let Some(e) = setting_ev(ctx.node, "tombstone_warn_threshold", None) {
            f.evidence.push(e);
        }
        apply_sample(f, sample, t.h.count);
        tombstone_fixes(ctx, &t.keyspace, &t.table, f);
    }
}

fn tombstone_thresholds(ctx: &Ctx, em: &mut Emitter) {
    let m = &ctx.node.metrics;
    let mut tables: BTreeSet<(String, String)> = BTreeSet::new();
    for name in ["table.tombstone_warnings", "table.tombstone_failures"] {
        for t in user_tables_where(m, name, |v| v > 0.0) {
            tables.insert((t.keyspace, t.table));
        }
    }
    for (ks, table) in tables {
        let scope = [("keyspace", ks.as_str()), ("table", table.as_str())];
        let read = |name: &str| (m.get(name, &scope).unwrap_or(0.0), m.rate(name, &scope));
        let (warns, warn_rate) = read("table.tombstone_warnings");
        let (fails, fail_rate) = read("table.tombstone_failures");
        let has_rates = warn_rate.is_some() || fail_rate.is_some();
        let in_window = warn_rate.unwrap_or(0.0) > 0.0 || fail_rate.unwrap_or(0.0) > 0.0;
        let what = match (warns > 0.0, fails > 0.0) {
            (_, true) if warns > 0.0 => format!(
                "{} reads crossed tombstone_warn_threshold and {} were aborted at tombstone_failure_threshold",
                num(warns),
                num(fails)
            ),
            (_, true) => format!(
                "{} reads were aborted at tombstone_failure_threshold",
                num(fails)
            ),
            _ => format!("{} reads crossed tombstone_warn_threshold", num(warns)),
        };
        let when = if in_window {
            format!("; still happening {}", window_text(m))
        } else if has_rates {
            format!(" since the node started (none {})", window_text(m))
        } else {
            " since the node started (a single scrape: when is unknown)".into()
        };
        let f = em.emit(format!("{ks}.{table}: {what}{when}"), None);
        f.topic = table_topic("tombstones", &format!("{ks}.{table}"));
        // An aborted read is an error the client saw; an old one may be fixed already.
        if fails > 0.0 && (in_window || !has_rates) {
            f.severity = Severity::Error;
        }
        for (name, total, rate) in [
            ("table.tombstone_warnings", warns, warn_rate),
            ("table.tombstone_failures", fails, fail_rate),
        ] {
            let observed = match rate {
                Some(r) => format!("{} since start, {}/s in the window", num(total), num(r)),
                None => format!("{} since start", num(total)),
            };
            f.evidence
                .push(ev(Metrics::key(name, &scope), observed, Some("0".into())));
        }
        if let Some(e) = setting_ev(ctx.node, "tombstone_warn_threshold", None) {
            f.evidence.push(e);
        }
        if in_window {
            apply_window(f, m);
        } else {
            f.confidence *= 0.6;
        }
        tombstone_fixes(ctx, &ks, &table, f);
    }
}

// ---------------------------------------------------------------------------------------
// Live rows

fn live_rows_per_read(ctx: &Ctx, em: &mut Emitter) {
    let (max, min_reads) = (ctx.meta.param("max_p99"), ctx.meta.param("min_reads"));
    for t in table_hists(ctx.node, "table.live_rows_scanned", "rows_per_read") {
        let Some(p99) = t.h.p99.filter(|p| *p > max) else {
            continue;
        };
        let sample = judge_sample(&t.h, max, min_reads);
        if sample == Sample::Noise {
            continue;
        }
        let f = em.emit(
            format!(
                "reads of {} materialise {} live rows at the 99th percentile",
                t.qualified(),
                num(p99)
            ),
            None,
        );
        hist_evidence(f, &t, max, min_reads);
        apply_sample(f, sample, t.h.count);
        if ctx.node.version >= Version::V4_1
            && setting(ctx.node, "page_size_warn_threshold")
                .and_then(|s| s.value.as_i64())
                .is_none_or(|v| v <= 0)
        {
            push_config_fix(
                f,
                ctx.node,
                "page_size_warn_threshold",
                &num(max),
                Safety::DisplayOnly,
                "warn clients that ask for pages over this many rows (identifies the queries; unpaged queries are not caught)",
            );
        }
        f.fixes.push(os(
            "nodetool settraceprobability 0.001   # then read system_traces.sessions; set it back to 0",
            Safety::DisplayOnly,
            "trace a sample of queries to find the large reads, then page them or add LIMIT",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compaction_literal_keeps_options_and_sets_one() {
        let o: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
            r#"{"class": "org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy", "max_threshold": "32", "unchecked_tombstone_compaction": "false"}"#,
        )
        .unwrap();
        assert_eq!(
            compaction_literal(&o, ("unchecked_tombstone_compaction", "true")),
            "{'class': 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy', 'max_threshold': '32', 'unchecked_tombstone_compaction': 'true'}"
        );
    }
}
