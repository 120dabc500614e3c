//! Which charts the report shows and where their numbers come from: the metric vocabulary
//! (`collect::prometheus::vocab`, read through `model::metrics`), with the node's own virtual
//! tables, `system.size_estimates` and host facts where the exporter has nothing. A chart
//! whose evidence is missing says what would provide it instead of drawing an empty box.

use std::collections::{BTreeMap, BTreeSet};

use super::bars::{Bars, Category, Cell};
use super::hbars::{HBars, Row};
use super::histogram::Histogram;
use super::svg::{PALETTE, SEQUENTIAL, Unit};
use crate::model::schema::is_system_keyspace;
use crate::model::{Node, Snapshot};
use crate::snapshot::Rows;

/// One chart section.
pub struct Panel {
    /// The section's anchor and the SVG's `data-chart`.
    pub id: &'static str,
    pub title: String,
    /// Where the values come from and what they mean, under the chart.
    pub source: String,
    pub body: Body,
}

pub enum Body {
    Bars(Bars),
    HBars(HBars),
    Histogram(Histogram),
    /// "no data: …" and what would give it.
    NoData(String),
}

const NEEDS_METRICS: &str =
    "no data: needs metrics (collect with --metrics-port, --metrics-url or --prometheus-server)";
const MIB: f64 = 1024.0 * 1024.0;
/// Rows of the ranked charts (tables by SSTables per read, largest partitions).
const RANKED: usize = 10;

/// Every chart, in the order the report shows them.
pub fn panels(s: &Snapshot) -> Vec<Panel> {
    vec![
        latency(s, "read"),
        latency(s, "write"),
        gc(s),
        heap(s),
        pending_compactions(s),
        sstables_per_read(s),
        partition_sizes(s),
        largest_partitions(s),
        caches(s),
        thread_pools(s),
        disk(s),
    ]
}

fn gauge(n: &Node, name: &str) -> Option<f64> {
    n.metrics.get::<&str, &str>(name, &[])
}

fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

fn table_scope<'a>(ks: &'a str, t: &'a str) -> [(&'static str, &'a str); 2] {
    [("keyspace", ks), ("table", t)]
}

fn vtable<'a>(n: &'a Node, name: &str) -> Option<&'a Rows> {
    n.live.as_ref()?.table(name)
}

/// A virtual-table cell as a number (`"NaN"` is how the collector writes a NaN ratio).
fn cell_num(v: &serde_json::Value) -> Option<f64> {
    match v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// How the metrics were sampled, for a chart's source line.
fn sampling(s: &Snapshot, rate: bool) -> String {
    if let Some(w) = s.nodes.iter().find_map(|n| n.metrics.window.clone()) {
        return format!("over {w} from a Prometheus server");
    }
    let intervals: Vec<f64> = s
        .nodes
        .iter()
        .filter_map(|n| n.metrics.interval_seconds)
        .collect();
    match (rate, intervals.is_empty()) {
        (true, false) => {
            let lo = intervals.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = intervals.iter().copied().fold(0.0, f64::max);
            if (hi - lo).abs() < 0.5 {
                format!("between two scrapes {lo:.0} s apart")
            } else {
                format!("between two scrapes {lo:.0}–{hi:.0} s apart")
            }
        }
        _ => "at collection time".into(),
    }
}

fn node_categories(s: &Snapshot) -> Vec<Category> {
    s.nodes
        .iter()
        .map(|n| Category {
            label: n.id.clone(),
            sub: None,
        })
        .collect()
}

fn no_values(cells: &[Vec<Cell>]) -> bool {
    cells.iter().flatten().all(|c| c.value.is_none())
}

fn latency(s: &Snapshot, kind: &'static str) -> Panel {
    const PCTS: [(&str, &str); 4] = [
        ("p50", "p50"),
        ("p95", "p95"),
        ("p99", "p99"),
        ("p999", "p99.9"),
    ];
    let cells: Vec<Vec<Cell>> = s
        .nodes
        .iter()
        .map(|n| {
            let count = gauge(n, &format!("clientrequest.{kind}.latency.count"));
            PCTS.iter()
                .map(|(p, _)| {
                    let mut c = Cell::new(
                        gauge(n, &format!("clientrequest.{kind}.latency.{p}_us")),
                        Some(&n.id),
                    );
                    if let Some(k) = finite(count) {
                        c.tip = format!(
                            "{} {kind}s coordinated since the node started",
                            super::svg::num(k)
                        );
                    }
                    c
                })
                .collect()
        })
        .collect();
    let (id, title) = match kind {
        "read" => ("read-latency", "Read latency per node (coordinator)"),
        _ => ("write-latency", "Write latency per node (coordinator)"),
    };
    let body = if no_values(&cells) {
        Body::NoData(NEEDS_METRICS.into())
    } else {
        Body::Bars(Bars {
            unit: Unit::Micros,
            y_title: format!("{kind} latency"),
            categories: node_categories(s),
            series: PCTS.iter().map(|(_, l)| l.to_string()).collect(),
            colours: &SEQUENTIAL,
            cells,
            capacity: None,
        })
    };
    Panel {
        id,
        title: title.into(),
        source: format!(
            "clientrequest.{kind}.latency percentiles: the time from a client's request to its answer on the node that coordinated it, {} (Cassandra's recent-decaying histograms).",
            sampling(s, false)
        ),
        body,
    }
}

fn gc(s: &Snapshot) -> Panel {
    let rate = "jvm.gc.time_seconds_total:rate_per_second";
    let collectors: BTreeSet<String> = s
        .nodes
        .iter()
        .flat_map(|n| {
            n.metrics
                .series(rate)
                .filter_map(|(scope, _)| scope.first().map(|(_, v)| v.clone()))
        })
        .collect();
    let series: Vec<String> = collectors.into_iter().collect();
    let cells: Vec<Vec<Cell>> = s
        .nodes
        .iter()
        .map(|n| {
            series
                .iter()
                .map(|gc| {
                    let scope = [("gc", gc.as_str())];
                    let mut c = Cell::new(n.metrics.get(rate, &scope), Some(&n.id));
                    if let Some(v) = c.value {
                        c.tip = format!("{:.1} % of wall time", v * 100.0);
                        if let Some(k) = finite(n.metrics.rate("jvm.gc.collections_total", &scope))
                        {
                            c.tip
                                .push_str(&format!(", {} collections/s", super::svg::num(k)));
                        }
                    }
                    c
                })
                .collect()
        })
        .collect();
    let body = if series.is_empty() || no_values(&cells) {
        let counters = s.nodes.iter().any(|n| {
            n.metrics
                .series("jvm.gc.time_seconds_total")
                .next()
                .is_some()
        });
        Body::NoData(if counters {
            "no data: GC time needs a rate, from two scrapes (--metrics-port with --interval) or --prometheus-server".into()
        } else {
            NEEDS_METRICS.into()
        })
    } else {
        Body::Bars(Bars {
            unit: Unit::BusyTime,
            y_title: "GC time per second".into(),
            categories: node_categories(s),
            series,
            colours: &PALETTE,
            cells,
            capacity: None,
        })
    };
    Panel {
        id: "gc",
        title: "Garbage collection time per node, by collector".into(),
        source: format!(
            "jvm.gc.time_seconds_total per second {}: 50 ms/s is 5 % of wall time spent collecting.",
            sampling(s, true)
        ),
        body,
    }
}

fn heap(s: &Snapshot) -> Panel {
    let cells: Vec<Vec<Cell>> = s
        .nodes
        .iter()
        .map(|n| {
            let mut c = Cell::new(gauge(n, "jvm.heap.used_bytes"), Some(&n.id));
            if let (Some(u), Some(m)) = (
                c.value,
                finite(gauge(n, "jvm.heap.max_bytes")).filter(|m| *m > 0.0),
            ) {
                c.tip = format!(
                    "{:.0} % of the {} maximum",
                    u / m * 100.0,
                    Unit::Bytes.text(m)
                );
            }
            vec![c]
        })
        .collect();
    let max: Vec<Option<f64>> = s
        .nodes
        .iter()
        .map(|n| finite(gauge(n, "jvm.heap.max_bytes")).filter(|m| *m > 0.0))
        .collect();
    let body = if no_values(&cells) {
        Body::NoData(NEEDS_METRICS.into())
    } else {
        Body::Bars(Bars {
            unit: Unit::Bytes,
            y_title: "heap".into(),
            categories: node_categories(s),
            series: vec!["used".into()],
            colours: &PALETTE,
            cells,
            capacity: max
                .iter()
                .any(Option::is_some)
                .then(|| ("maximum (-Xmx)".to_string(), max)),
        })
    };
    Panel {
        id: "heap",
        title: "JVM heap per node: used and maximum".into(),
        source: format!(
            "jvm.heap.used_bytes and jvm.heap.max_bytes {}.",
            sampling(s, false)
        ),
        body,
    }
}

fn pending_compactions(s: &Snapshot) -> Panel {
    let mut from_tables = false;
    let cells: Vec<Vec<Cell>> = s
        .nodes
        .iter()
        .map(|n| {
            let per_table: Vec<(String, f64)> = n
                .metrics
                .series("table.pending_compactions")
                .filter(|(_, v)| v.is_finite())
                .map(|(scope, v)| {
                    (
                        scope
                            .iter()
                            .map(|(_, x)| x.as_str())
                            .collect::<Vec<_>>()
                            .join("."),
                        v,
                    )
                })
                .collect();
            let total = finite(gauge(n, "compaction.pending_tasks")).or_else(|| {
                (!per_table.is_empty()).then(|| {
                    from_tables = true;
                    per_table.iter().map(|(_, v)| v).sum()
                })
            });
            let mut c = Cell::new(total, Some(&n.id));
            if let Some((t, v)) = per_table
                .iter()
                .filter(|(_, v)| *v > 0.0)
                .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
            {
                c.tip = format!("most in {t}: {}", super::svg::num(*v));
            }
            vec![c]
        })
        .collect();
    let body = if no_values(&cells) {
        Body::NoData(NEEDS_METRICS.into())
    } else {
        Body::Bars(Bars {
            unit: Unit::Count,
            y_title: "pending compactions".into(),
            categories: node_categories(s),
            series: vec!["pending".into()],
            colours: &PALETTE,
            cells,
            capacity: None,
        })
    };
    Panel {
        id: "pending-compactions",
        title: "Pending compactions per node".into(),
        source: format!(
            "{} {}; COMP-101 warns above 30 on a node.",
            if from_tables {
                "table.pending_compactions summed per node (compaction.pending_tasks where the exporter has it)"
            } else {
                "compaction.pending_tasks"
            },
            sampling(s, false)
        ),
        body,
    }
}

fn sstables_per_read(s: &Snapshot) -> Panel {
    let name = "table.sstables_per_read.p99";
    let mut any = false;
    let mut by_table: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
    for (i, n) in s.nodes.iter().enumerate() {
        for (scope, v) in n.metrics.series(name) {
            any = true;
            let [(_, ks), (_, t)] = scope.as_slice() else {
                continue;
            };
            if is_system_keyspace(ks) || !v.is_finite() {
                continue;
            }
            by_table
                .entry(format!("{ks}.{t}"))
                .or_insert_with(|| vec![None; s.nodes.len()])[i] = Some(v);
        }
    }
    let mut tables: Vec<(String, Vec<Option<f64>>)> = by_table
        .into_iter()
        .filter(|(_, v)| v.iter().flatten().any(|x| *x > 0.0))
        .collect();
    let worst = |v: &[Option<f64>]| v.iter().flatten().copied().fold(0.0, f64::max);
    tables.sort_by(|a, b| {
        worst(&b.1)
            .total_cmp(&worst(&a.1))
            .then_with(|| a.0.cmp(&b.0))
    });
    let total = tables.len();
    tables.truncate(RANKED);
    let body = if !any {
        Body::NoData(NEEDS_METRICS.into())
    } else if tables.is_empty() {
        Body::NoData("no data: no read of a user table was recorded on any node".into())
    } else {
        Body::Bars(Bars {
            unit: Unit::Count,
            y_title: "SSTables per read, p99".into(),
            categories: tables
                .iter()
                .map(|(t, _)| Category {
                    label: t.clone(),
                    sub: None,
                })
                .collect(),
            series: s.nodes.iter().map(|n| n.id.clone()).collect(),
            colours: &PALETTE,
            cells: tables
                .iter()
                .map(|(_, v)| {
                    v.iter()
                        .zip(&s.nodes)
                        .map(|(x, n)| {
                            // A p99 of 0: no read was recorded on that node.
                            let mut c = Cell::new(x.filter(|v| *v > 0.0), Some(&n.id));
                            c.missing = "no reads";
                            c
                        })
                        .collect()
                })
                .collect(),
            capacity: None,
        })
    };
    Panel {
        id: "sstables-per-read",
        title: "SSTables touched per read (p99), by table and node".into(),
        source: format!(
            "table.sstables_per_read.p99 {}, user tables that were read{}; COMP-103 warns above 5.",
            sampling(s, false),
            if total > RANKED {
                format!(" (the {RANKED} highest of {total})")
            } else {
                String::new()
            }
        ),
        body,
    }
}

/// Partition-size buckets: an upper bound in bytes and a label.
const SIZE_BUCKETS: [(f64, &str); 8] = [
    (1024.0, "< 1 KiB"),
    (10.0 * 1024.0, "1–10 KiB"),
    (100.0 * 1024.0, "10–100 KiB"),
    (MIB, "0.1–1 MiB"),
    (10.0 * MIB, "1–10 MiB"),
    (100.0 * MIB, "10–100 MiB"),
    (1024.0 * MIB, "0.1–1 GiB"),
    (f64::INFINITY, "≥ 1 GiB"),
];

fn partition_sizes(s: &Snapshot) -> Panel {
    let mut counts = vec![vec![0.0; s.nodes.len()]; SIZE_BUCKETS.len()];
    let mut any = false;
    let mut from_estimates = false;
    for (i, n) in s.nodes.iter().enumerate() {
        for t in s
            .schema
            .tables()
            .filter(|t| !is_system_keyspace(&t.keyspace))
        {
            let scope = table_scope(&t.keyspace, &t.name);
            let est = t.estimates.get(&n.id);
            let metric_count =
                finite(n.metrics.get("table.estimated_partitions", &scope)).filter(|v| *v >= 0.0);
            let metric_mean = finite(n.metrics.get("table.mean_partition_size_bytes", &scope))
                .filter(|v| *v > 0.0);
            let count =
                metric_count.or_else(|| est.map(|e| e.partitions as f64).filter(|v| *v >= 0.0));
            let mean = metric_mean.or_else(|| {
                est.map(|e| e.mean_partition_size as f64)
                    .filter(|v| *v > 0.0)
            });
            if metric_count.is_none() || metric_mean.is_none() {
                from_estimates |= est.is_some();
            }
            let (Some(count), Some(mean)) = (count, mean) else {
                continue;
            };
            if count <= 0.0 {
                continue;
            }
            any = true;
            let b = SIZE_BUCKETS
                .iter()
                .position(|(hi, _)| mean < *hi)
                .unwrap_or(SIZE_BUCKETS.len() - 1);
            counts[b][i] += count;
        }
    }
    // Trailing empty buckets above the largest size say nothing; keep at least up to 1 MiB.
    let last = counts
        .iter()
        .rposition(|r| r.iter().any(|v| *v > 0.0))
        .unwrap_or(0)
        .max(3);
    let body = if !any {
        Body::NoData(
            "no data: needs table metrics or system.size_estimates with partitions of user tables"
                .into(),
        )
    } else {
        Body::Histogram(Histogram {
            x_title: "partition size (each table's mean on the node)".into(),
            y_title: "partitions (estimated)".into(),
            buckets: SIZE_BUCKETS[..=last]
                .iter()
                .map(|(_, l)| l.to_string())
                .collect(),
            series: s.nodes.iter().map(|n| n.id.clone()).collect(),
            counts: counts[..=last].to_vec(),
        })
    };
    Panel {
        id: "partition-sizes",
        title: "Partition size distribution (user tables)".into(),
        source: format!(
            "Each table's estimated partition count on a node placed at its mean partition size ({}); the largest partitions are in the next chart.",
            if from_estimates {
                "table.estimated_partitions and table.mean_partition_size_bytes, else system.size_estimates"
            } else {
                "table.estimated_partitions and table.mean_partition_size_bytes"
            }
        ),
        body,
    }
}

fn largest_partitions(s: &Snapshot) -> Panel {
    let mut rows: Vec<Row> = Vec::new();
    let mut rounded = false;
    for (i, n) in s.nodes.iter().enumerate() {
        let mut metric = false;
        for (scope, v) in n.metrics.series("table.max_partition_size_bytes") {
            metric = true;
            let [(_, ks), (_, t)] = scope.as_slice() else {
                continue;
            };
            if is_system_keyspace(ks) || !v.is_finite() || v <= 0.0 {
                continue;
            }
            let mean = finite(
                n.metrics
                    .get("table.mean_partition_size_bytes", &table_scope(ks, t)),
            );
            rows.push(Row {
                label: format!("{ks}.{t} @ {}", n.id),
                value: v,
                tip: mean
                    .map(|m| format!("mean partition {}", Unit::Bytes.text(m)))
                    .unwrap_or_default(),
                series: i,
                node: Some(n.id.clone()),
            });
        }
        if metric {
            continue;
        }
        // The exporter has nothing for this node: Cassandra 4.1+ keeps the same in a
        // virtual table, in whole MiB rounded up.
        let Some(vt) = vtable(n, "system_views.max_partition_size") else {
            continue;
        };
        for r in vt.records() {
            let (Some(ks), Some(t), Some(mib)) = (
                r.get("keyspace_name").and_then(|v| v.as_str()),
                r.get("table_name").and_then(|v| v.as_str()),
                r.get("mebibytes").and_then(cell_num),
            ) else {
                continue;
            };
            if is_system_keyspace(ks) || mib <= 0.0 {
                continue;
            }
            rounded = true;
            rows.push(Row {
                label: format!("{ks}.{t} @ {}", n.id),
                value: mib * MIB,
                tip: format!(
                    "at most {} MiB: system_views.max_partition_size rounds up",
                    super::svg::num(mib)
                ),
                series: i,
                node: Some(n.id.clone()),
            });
        }
    }
    rows.sort_by(|a, b| {
        b.value
            .total_cmp(&a.value)
            .then_with(|| a.label.cmp(&b.label))
    });
    rows.truncate(RANKED);
    let body = if rows.is_empty() {
        Body::NoData("no data: needs metrics or system_views.max_partition_size (Cassandra 4.1+) with a user table's partitions".into())
    } else {
        Body::HBars(HBars {
            unit: Unit::Bytes,
            x_title: "largest partition".into(),
            series: s.nodes.iter().map(|n| n.id.clone()).collect(),
            rows,
        })
    };
    Panel {
        id: "largest-partitions",
        title: format!("Largest partitions: the {RANKED} biggest, by table and node"),
        source: format!(
            "table.max_partition_size_bytes (the largest partition compacted on the node){}; PART-101 warns from 100 MiB, PART-001 from 1 GiB.",
            if rounded {
                ", else system_views.max_partition_size"
            } else {
                ""
            }
        ),
        body,
    }
}

fn caches(s: &Snapshot) -> Panel {
    const CACHES: [(&str, &str, &str); 3] = [
        ("key", "keys", "key cache"),
        ("row", "rows", "row cache"),
        ("counter", "counters", "counter cache"),
    ];
    let mut from_vt = false;
    let cells: Vec<Vec<Cell>> = s
        .nodes
        .iter()
        .map(|n| {
            let vt = vtable(n, "system_views.caches");
            CACHES
                .iter()
                .map(|(cache, vt_name, _)| {
                    let row = vt.and_then(|r| {
                        r.records()
                            .find(|rec| rec.get("name").and_then(|v| v.as_str()) == Some(vt_name))
                    });
                    let vt_num =
                        |col: &str| row.as_ref().and_then(|r| r.get(col).and_then(cell_num));
                    let metric = gauge(n, &format!("cache.{cache}.hit_ratio"));
                    let ratio = metric.or_else(|| {
                        let v = vt_num("hit_ratio");
                        from_vt |= v.is_some();
                        v
                    });
                    let capacity = gauge(n, &format!("cache.{cache}.capacity_bytes"))
                        .or_else(|| vt_num("capacity_bytes"));
                    let requests = gauge(n, &format!("cache.{cache}.requests"))
                        .or_else(|| vt_num("request_count"));
                    let mut c = Cell::new(ratio, Some(&n.id));
                    c.missing = if capacity == Some(0.0) {
                        "off"
                    } else {
                        "unused"
                    };
                    if let Some(r) = finite(requests) {
                        c.tip = format!("{} lookups since the node started", super::svg::num(r));
                    }
                    if ratio.is_some() && c.value.is_none() && capacity != Some(0.0) {
                        c.tip = "no lookups yet".into();
                    }
                    c
                })
                .collect()
        })
        .collect();
    let has_any = cells.iter().flatten().any(|c| c.value.is_some())
        || s.nodes.iter().any(|n| {
            gauge(n, "cache.key.hit_ratio").is_some() || vtable(n, "system_views.caches").is_some()
        });
    let body = if !has_any {
        Body::NoData("no data: needs metrics or system_views.caches (Cassandra 4.0+)".into())
    } else {
        Body::Bars(Bars {
            unit: Unit::Ratio,
            y_title: "hit ratio".into(),
            categories: node_categories(s),
            series: CACHES.iter().map(|(_, _, l)| l.to_string()).collect(),
            colours: &PALETTE,
            cells,
            capacity: None,
        })
    };
    Panel {
        id: "caches",
        title: "Cache hit ratios per node".into(),
        source: format!(
            "cache.{{key,row,counter}}.hit_ratio since the node started{}; \"off\": no capacity, \"unused\": no lookups. CACHE-101 warns below 85 % on a full key cache.",
            if from_vt {
                " (system_views.caches where the exporter has none)"
            } else {
                ""
            }
        ),
        body,
    }
}

/// The pools whose backlog means something to an operator, in the order they are shown;
/// any other pool appears when it has work queued or blocked.
const POOLS: [&str; 9] = [
    "Native-Transport-Requests",
    "ReadStage",
    "MutationStage",
    "CounterMutationStage",
    "ViewMutationStage",
    "MemtableFlushWriter",
    "CompactionExecutor",
    "HintsDispatcher",
    "RequestResponseStage",
];

/// One node's pool: pending, blocked, active and its worker limit.
#[derive(Default, Clone, Copy)]
struct Pool {
    pending: Option<f64>,
    blocked: Option<f64>,
    active: Option<f64>,
    limit: Option<f64>,
}

fn node_pools(n: &Node) -> (BTreeMap<String, Pool>, bool) {
    let mut pools: BTreeMap<String, Pool> = BTreeMap::new();
    for (field, name) in [
        (0, "threadpool.pending"),
        (1, "threadpool.blocked"),
        (2, "threadpool.active"),
    ] {
        for (scope, v) in n.metrics.series(name) {
            let Some((_, pool)) = scope.first() else {
                continue;
            };
            let p = pools.entry(pool.clone()).or_default();
            let v = finite(Some(v));
            match field {
                0 => p.pending = v,
                1 => p.blocked = v,
                _ => p.active = v,
            }
        }
    }
    let from_metrics = !pools.is_empty();
    if let Some(vt) = vtable(n, "system_views.thread_pools") {
        for r in vt.records() {
            let Some(name) = r.get("name").and_then(|v| v.as_str()) else {
                continue;
            };
            let num = |c: &str| r.get(c).and_then(cell_num);
            let p = pools.entry(name.to_string()).or_default();
            p.limit = num("active_tasks_limit");
            if !from_metrics {
                p.pending = num("pending_tasks");
                p.blocked = num("blocked_tasks");
                p.active = num("active_tasks");
            }
        }
    }
    (pools, from_metrics)
}

fn thread_pools(s: &Snapshot) -> Panel {
    let per_node: Vec<(BTreeMap<String, Pool>, bool)> = s.nodes.iter().map(node_pools).collect();
    let busy = |p: &Pool| p.pending.unwrap_or(0.0) > 0.0 || p.blocked.unwrap_or(0.0) > 0.0;
    let mut names: Vec<String> = POOLS
        .iter()
        .filter(|p| {
            per_node
                .iter()
                .any(|(m, _)| m.get(**p).is_some_and(|x| x.pending.is_some()))
        })
        .map(|p| p.to_string())
        .collect();
    let others: BTreeSet<&String> = per_node
        .iter()
        .flat_map(|(m, _)| {
            m.iter()
                .filter(|(k, p)| busy(p) && !POOLS.contains(&k.as_str()))
                .map(|(k, _)| k)
        })
        .collect();
    names.extend(others.into_iter().cloned());
    let from_vt = per_node
        .iter()
        .any(|(m, metrics)| !metrics && !m.is_empty());
    let body = if names.is_empty() {
        Body::NoData("no data: needs metrics or system_views.thread_pools (Cassandra 4.0+)".into())
    } else {
        Body::Bars(Bars {
            unit: Unit::Count,
            y_title: "tasks pending".into(),
            categories: names
                .iter()
                .map(|p| Category {
                    label: p.clone(),
                    sub: None,
                })
                .collect(),
            series: s.nodes.iter().map(|n| n.id.clone()).collect(),
            colours: &PALETTE,
            cells: names
                .iter()
                .map(|pool| {
                    per_node
                        .iter()
                        .zip(&s.nodes)
                        .map(|((m, _), n)| {
                            let p = m.get(pool).copied().unwrap_or_default();
                            let mut c = Cell::new(p.pending, Some(&n.id));
                            let mut tip = Vec::new();
                            if let Some(b) = p.blocked {
                                tip.push(format!("{} blocked", super::svg::num(b)));
                            }
                            match (p.active, p.limit) {
                                (Some(a), Some(l)) => tip.push(format!(
                                    "{} of {} workers busy",
                                    super::svg::num(a),
                                    super::svg::num(l)
                                )),
                                (Some(a), None) => {
                                    tip.push(format!("{} active", super::svg::num(a)))
                                }
                                _ => {}
                            }
                            c.tip = tip.join(", ");
                            c
                        })
                        .collect()
                })
                .collect(),
            capacity: None,
        })
    };
    Panel {
        id: "thread-pools",
        title: "Thread-pool backlog: tasks waiting, by pool and node".into(),
        source: format!(
            "threadpool.pending {}{}; a backlog that outgrows the pool's workers is POOL-001…004.",
            sampling(s, false),
            if from_vt {
                " (system_views.thread_pools for nodes without exporter metrics)"
            } else {
                ""
            }
        ),
        body,
    }
}

/// Size of the distinct devices serving a node's data directories.
fn data_disk_bytes(n: &Node) -> Option<f64> {
    let mut seen = BTreeSet::new();
    let mut total = 0.0;
    for d in n
        .host
        .disks
        .iter()
        .filter(|d| d.role.iter().any(|r| r == "data"))
    {
        if seen.insert(d.device_key().to_string()) {
            total += d.size_bytes? as f64;
        }
    }
    (!seen.is_empty()).then_some(total)
}

fn disk(s: &Snapshot) -> Panel {
    let mut from_vt = false;
    let mut categories = Vec::new();
    let cells: Vec<Vec<Cell>> = s
        .nodes
        .iter()
        .map(|n| {
            let load = finite(gauge(n, "storage.load_bytes")).or_else(|| {
                let vt = vtable(n, "system_views.disk_usage")?;
                from_vt = true;
                Some(
                    vt.records()
                        .filter_map(|r| r.get("mebibytes").and_then(cell_num))
                        .sum::<f64>()
                        * MIB,
                )
            });
            let disk = data_disk_bytes(n).filter(|d| *d > 0.0);
            categories.push(Category {
                label: n.id.clone(),
                sub: disk.map(|d| format!("of a {} disk", Unit::Bytes.text(d))),
            });
            let mut c = Cell::new(load, Some(&n.id));
            if let (Some(l), Some(d)) = (c.value, disk) {
                c.tip = format!(
                    "{:.2} % of the {} data disk",
                    l / d * 100.0,
                    Unit::Bytes.text(d)
                );
            }
            vec![c]
        })
        .collect();
    let body = if no_values(&cells) {
        Body::NoData("no data: needs metrics or system_views.disk_usage (Cassandra 4.1+)".into())
    } else {
        Body::Bars(Bars {
            unit: Unit::Bytes,
            y_title: "data on disk".into(),
            categories,
            series: vec!["data".into()],
            colours: &PALETTE,
            cells,
            capacity: None,
        })
    };
    Panel {
        id: "disk",
        title: "Disk usage per node: live data and the data disk's size".into(),
        source: format!(
            "storage.load_bytes{} {}; disk sizes from host facts (collect-host). OS-013 warns when a data disk fills past what its compaction strategy needs.",
            if from_vt {
                " (system_views.disk_usage, whole MiB per table, where the exporter has none)"
            } else {
                ""
            },
            sampling(s, false)
        ),
        body,
    }
}
