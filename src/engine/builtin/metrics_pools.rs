//! Load rules (POOL-0xx): request stages backing up, dropped messages, client-visible
//! timeouts and unavailables, hints, client connections.
//!
//! Queue lengths are gauges: one reading can catch a burst, so a finding resting only on
//! them has moderate confidence; a blocked-task or error counter that grew over the window
//! is stronger evidence. With metrics that lack a pool (some exporters have no pending
//! family) the node's `system_views.thread_pools` row is read instead.

use super::signals::{
    apply_window, ev, num, os, pct, push_config_fix, setting_ev, setting_int, window_text,
};
use super::{Builtin, Scope};
use crate::engine::{Ctx, Emitter, Evidence, Family, Finding, Need, Safety, Severity};
use crate::model::{Metrics, Node};

const METRICS: &[Need] = &[Need::Metrics];
const TPSTATS: &str = "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/metrics.html (thread pool and dropped message metrics)";
const YAML_THREADS: &str = "apache/cassandra conf/cassandra.yaml (concurrent_reads 16 × data disks, concurrent_writes 8 × cores, native_transport_max_threads 128, memtable_flush_writers)";
const MIXIN: &str = "Grafana apache-cassandra-mixin alerts (HintsStoredOnNode, UnavailableWriteRequestsFound), https://github.com/grafana/jsonnet-libs/tree/master/apache-cassandra-mixin";

macro_rules! pool_rule {
    ($id:literal, $name:literal, $summary:literal, $why:literal, $fix:literal, $check:ident) => {
        Builtin {
            id: $id,
            name: $name,
            family: Family::Threadpool,
            severity: Severity::Warning,
            min_version: None,
            max_version: None,
            blocks_startup: false,
            impact: 0.7,
            confidence: 0.75,
            needs: METRICS,
            params: &[("max_pending_per_worker", 1.0), ("max_cpu_busy", 0.8)],
            summary: $summary,
            why: $why,
            evidence: "threadpool.pending and threadpool.blocked (gauges: one reading, moderate confidence) and the rate of threadpool.blocked_total over the window (stronger), against the pool's worker count (system_views.thread_pools active_tasks_limit, else the setting); system_views.thread_pools when the metrics lack the pool. process.cpu_seconds_total's rate per core decides whether more threads can help.",
            fix: $fix,
            references: &[TPSTATS, YAML_THREADS],
            check: Scope::Node($check),
        }
    };
}

pub static RULES: &[Builtin] = &[
    pool_rule!(
        "POOL-001",
        "native-transport-backlog",
        "Client requests queue in Native-Transport-Requests (more pending than workers, or blocked).",
        "Native-Transport-Requests runs every CQL request's coordinator work. A queue longer than its worker pool means clients wait before the node even starts their request; blocked tasks mean the queue limit was hit and the node stops reading from client connections (back-pressure the client sees as latency or OverloadedException).",
        "If the CPU has headroom, raise native_transport_max_threads; if it has none, the node is overloaded: spread the load (token-aware drivers, more nodes) rather than add threads.",
        native_transport_backlog
    ),
    pool_rule!(
        "POOL-002",
        "mutation-stage-backlog",
        "Writes queue in MutationStage (more pending than concurrent_writes workers, or blocked).",
        "MutationStage applies writes to the commit log and memtables. A queue means writes arrive faster than they are applied: commit log disk too slow, memtable flushes blocked (POOL-004), or too few write threads for the cores. Queued mutations past write_request_timeout are dropped (POOL-005).",
        "If the CPU has headroom and concurrent_writes is below 8 × cores, raise it; otherwise look at the commit log disk and flush writers.",
        mutation_stage_backlog
    ),
    pool_rule!(
        "POOL-003",
        "read-stage-backlog",
        "Reads queue in ReadStage (more pending than concurrent_reads workers, or blocked).",
        "ReadStage runs local reads. A queue means reads wait on disk (page cache misses), touch too many sstables (COMP-103) or scan tombstones (PART-002). Queued reads past read_request_timeout are dropped.",
        "If concurrent_reads is below 16 × data disks and the CPU has headroom, raise it; otherwise cut the work per read (compaction, tombstones, partition sizes) or add disks.",
        read_stage_backlog
    ),
    pool_rule!(
        "POOL-004",
        "memtable-flush-backlog",
        "Memtable flushes queue (MemtableFlushWriter pending beyond its writers, or blocked).",
        "When flushes fall behind, memtables fill their space (memtable_heap_space / memtable_offheap_space) and writes block until a flush frees room: MutationStage backs up and write latency jumps. Usually the data disks are too slow for the write rate, or there are too few flush writers for several data directories.",
        "Raise memtable_flush_writers if the data disks have spare bandwidth (one or two per data directory); otherwise the disks are the limit.",
        memtable_flush_backlog
    ),
    Builtin {
        id: "POOL-005",
        name: "dropped-messages",
        family: Family::Threadpool,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.8,
        confidence: 0.85,
        needs: METRICS,
        params: &[],
        summary: "The node dropped messages (mutations, reads, hints…) because they waited past their timeout.",
        why: "A message that waits in a stage longer than its timeout is dropped unprocessed. Dropped mutations leave this replica without the write until hints or repair deliver it; dropped reads become coordinator timeouts. It is the clearest sign a node is overloaded.",
        evidence: "The rates of dropped.<verb> over the window; with a single scrape, their totals since the node started (lower confidence). Totals with a zero rate are past events and stay quiet.",
        fix: "Find the saturated stage (nodetool tpstats, POOL-001..004) and the cause (GC, disks, compaction); after dropped mutations, make sure regular repair runs.",
        references: &[TPSTATS],
        check: Scope::Node(dropped_messages),
    },
    Builtin {
        id: "POOL-006",
        name: "client-request-timeouts",
        family: Family::Threadpool,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.8,
        confidence: 0.85,
        needs: METRICS,
        params: &[("error_ratio", 0.01)],
        summary: "Requests coordinated by this node timed out (an error from 1 % of requests).",
        why: "A coordinator timeout is an error the application sees (or retries): the replicas did not answer within read/write_request_timeout. Timeouts come from overloaded or GC-pausing replicas, slow disks, tombstone scans or large partitions; raising the timeouts hides them and piles up work (CFG-022, CFG-023).",
        evidence: "clientrequest.{read,write,range,cas_read,cas_write}.timeouts rates over the window, against the request rate (latency .count rate); with a single scrape, totals since start (lower confidence).",
        fix: "Find the slow replicas and stages (nodetool tpstats, proxyhistograms; JVM-101, COMP-103, PART-002) rather than raising timeouts.",
        references: &[
            TPSTATS,
            "apache/cassandra conf/cassandra.yaml (read_request_timeout 5000ms, write_request_timeout 2000ms)",
        ],
        check: Scope::Node(request_timeouts),
    },
    Builtin {
        id: "POOL-007",
        name: "client-request-unavailables",
        family: Family::Threadpool,
        severity: Severity::Error,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.9,
        confidence: 0.85,
        needs: METRICS,
        params: &[],
        summary: "Requests failed as Unavailable: too few live replicas for their consistency level.",
        why: "The coordinator refuses a request up front when gossip says fewer replicas are alive than the consistency level needs. The application gets an error for every such request: nodes are down, or the keyspace's replication (RF 1, a missing datacenter) cannot meet the consistency level used.",
        evidence: "clientrequest.{read,write,range,cas_read,cas_write}.unavailables rates over the window; with a single scrape, totals since start (lower confidence).",
        fix: "Bring the down replicas back (nodetool status), or align replication factor and consistency level (e.g. RF 3 with LOCAL_QUORUM).",
        references: &[TPSTATS, MIXIN],
        check: Scope::Node(request_unavailables),
    },
    Builtin {
        id: "POOL-008",
        name: "hints-being-written",
        family: Family::Threadpool,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.6,
        confidence: 0.8,
        needs: METRICS,
        params: &[],
        summary: "The node is storing hints: some replica is missing writes.",
        why: "A coordinator writes a hint when a replica is down or does not acknowledge in time; hints replay when it is back, within max_hint_window (3 h). Hints written continuously mean a replica is down or too slow for the write load, and past the window only repair restores consistency. The Grafana mixin alerts on any hint written.",
        evidence: "The rate of storage.hints_total over the window, storage.hints_in_progress, and on 4.1+ system_views.pending_hints (files queued per target node).",
        fix: "Find the replica the hints are for (nodetool status, nodetool listpendinghints on 4.1+) and bring it back or relieve it; repair it if it was down longer than max_hint_window.",
        references: &[
            MIXIN,
            "apache/cassandra src/java/org/apache/cassandra/db/virtual/PendingHintsTable.java",
        ],
        check: Scope::Node(hints_written),
    },
    Builtin {
        id: "POOL-009",
        name: "hint-delivery-failing",
        family: Family::Threadpool,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.6,
        confidence: 0.8,
        needs: METRICS,
        params: &[],
        summary: "Hint deliveries fail or time out.",
        why: "Stored hints are only useful once delivered; failed or timed-out deliveries mean the target is still unhealthy or the delivery is throttled below the backlog. Undelivered hints expire with max_hint_window and the data then needs repair.",
        evidence: "The rates of hints.failed_total and hints.timed_out_total over the window; with a single scrape, their totals since start (lower confidence).",
        fix: "Check the target nodes' health; if they are healthy, raise hinted_handoff_throttle / max_hints_delivery_threads; repair what expired.",
        references: &[TPSTATS],
        check: Scope::Node(hint_delivery_failing),
    },
    Builtin {
        id: "POOL-010",
        name: "client-connections-high",
        family: Family::Threadpool,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.5,
        confidence: 0.7,
        needs: METRICS,
        params: &[("max_connections", 1000.0), ("limit_ratio", 0.9)],
        summary: "Many CQL connections to the node: near native_transport_max_concurrent_connections (error), or above 1000 (info).",
        why: "Each connection costs memory (buffers, per-connection state) and a share of the event loop. Modern drivers need one or two connections per node per application instance, so thousands usually mean a connection leak or oversized pools. Near native_transport_max_concurrent_connections new connections are refused.",
        evidence: "client.native_connections, or the row count of system_views.clients, against native_transport_max_concurrent_connections.",
        fix: "Find the clients holding the connections (nodetool clientstats --all) and shrink their pools; raise the connection limit only if the clients are legitimate.",
        references: &[
            "apache/cassandra conf/cassandra.yaml (native_transport_max_concurrent_connections -1)",
            "https://cassandra.apache.org/doc/latest/cassandra/managing/tools/nodetool/clientstats.html",
        ],
        check: Scope::Node(client_connections),
    },
];

// ---------------------------------------------------------------------------------------
// Thread pools

/// A pool's queue as measured: each value with the evidence name it was read under.
#[derive(Default)]
struct PoolState {
    pending: Option<(f64, String)>,
    blocked: Option<(f64, String)>,
    /// Tasks blocked per second over the window.
    blocked_rate: Option<(f64, String)>,
    /// Workers: system_views.thread_pools active_tasks_limit.
    limit: Option<f64>,
}

fn vtable_pool<'a>(node: &'a Node, pool: &str) -> Option<crate::snapshot::Record<'a>> {
    let rows = node.live.as_ref()?.table("system_views.thread_pools")?;
    rows.records()
        .find(|r| r.get("name").and_then(|v| v.as_str()) == Some(pool))
}

fn pool_state(node: &Node, pool: &str) -> PoolState {
    let m = &node.metrics;
    let scope = [("pool", pool)];
    let metric = |name: &str| {
        m.get(name, &scope)
            .filter(|v| v.is_finite())
            .map(|v| (v, Metrics::key(name, &scope)))
    };
    let row = vtable_pool(node, pool);
    let column = |col: &str| {
        let v = row.as_ref()?.get(col)?.as_f64()?;
        Some((v, format!("system_views.thread_pools[{pool}].{col}")))
    };
    // Both are gauges read at two moments of one collection (the scrape, the CQL query): a
    // queue is a queue whichever moment saw it, so the larger reading is the evidence.
    let larger = |a: Option<(f64, String)>, b: Option<(f64, String)>| match (a, b) {
        (Some(a), Some(b)) => Some(if b.0 > a.0 { b } else { a }),
        (a, b) => a.or(b),
    };
    PoolState {
        pending: larger(metric("threadpool.pending"), column("pending_tasks")),
        blocked: larger(metric("threadpool.blocked"), column("blocked_tasks")),
        blocked_rate: m
            .rate("threadpool.blocked_total", &scope)
            .filter(|v| v.is_finite())
            .map(|v| {
                (
                    v,
                    Metrics::key(&Metrics::rate_name("threadpool.blocked_total"), &scope),
                )
            }),
        limit: column("active_tasks_limit").map(|(v, _)| v),
    }
}

/// Pool names the node reports, among `names` or starting with one of `prefixes`.
fn pools_present(node: &Node, prefixes: &[&str]) -> Vec<String> {
    let mut out: std::collections::BTreeSet<String> = node
        .metrics
        .series("threadpool.pending")
        .chain(node.metrics.series("threadpool.blocked"))
        .filter_map(|(s, _)| s.into_iter().find(|(k, _)| k == "pool").map(|(_, v)| v))
        .collect();
    if let Some(rows) = node
        .live
        .as_ref()
        .and_then(|l| l.table("system_views.thread_pools"))
    {
        out.extend(
            rows.records()
                .filter_map(|r| r.get("name")?.as_str().map(str::to_string)),
        );
    }
    out.into_iter()
        .filter(|p| prefixes.iter().any(|x| p.starts_with(x)))
        .collect()
}

/// CPU the Cassandra process used per core over the window (1.0 = every core busy).
fn cpu_busy(node: &Node) -> Option<f64> {
    let rate = node
        .metrics
        .rate::<&str, &str>("process.cpu_seconds_total", &[])?;
    Some(rate / f64::from(node.host.cores?))
}

/// What each pool rule adds: the setting sizing the pool and its stock value, and the fix.
struct PoolSpec {
    prefixes: &'static [&'static str],
    setting: &'static str,
    stock: f64,
    fix: fn(&Ctx, &mut Finding, workers: f64, cpu_headroom: bool),
}

fn pool_backlog(ctx: &Ctx, em: &mut Emitter, spec: &PoolSpec) {
    let per_worker = ctx.meta.param("max_pending_per_worker");
    for pool in pools_present(ctx.node, spec.prefixes) {
        let st = pool_state(ctx.node, &pool);
        let workers = st
            .limit
            .filter(|l| *l > 0.0)
            .or_else(|| {
                setting_int(ctx.node, spec.setting)
                    .filter(|v| *v > 0)
                    .map(|v| v as f64)
            })
            .unwrap_or(spec.stock);
        let pending = st.pending.as_ref().map_or(0.0, |p| p.0);
        let blocked = st.blocked.as_ref().map_or(0.0, |b| b.0);
        let blocked_rate = st.blocked_rate.as_ref().map_or(0.0, |b| b.0);
        let queued = pending > workers * per_worker;
        if !queued && blocked <= 0.0 && blocked_rate <= 0.0 {
            continue;
        }
        let mut what = vec![];
        if queued {
            what.push(format!(
                "{} tasks pending behind {} workers",
                num(pending),
                num(workers)
            ));
        }
        if blocked > 0.0 {
            what.push(format!("{} blocked now", num(blocked)));
        }
        if blocked_rate > 0.0 {
            what.push(format!(
                "{} blocked/s {}",
                num(blocked_rate),
                window_text(&ctx.node.metrics)
            ));
        }
        let f = em.emit(format!("{pool}: {}", what.join(", ")), None);
        for (v, expected) in [
            (
                st.pending.as_ref(),
                format!(
                    "<= {} ({} × workers)",
                    num(workers * per_worker),
                    num(per_worker)
                ),
            ),
            (st.blocked.as_ref(), "0".to_string()),
            (st.blocked_rate.as_ref(), "0".to_string()),
        ] {
            if let Some((v, name)) = v {
                f.evidence.push(ev(name.clone(), num(*v), Some(expected)));
            }
        }
        if let Some(e) = setting_ev(ctx.node, spec.setting, None) {
            f.evidence.push(e);
        }
        let cpu = cpu_busy(ctx.node);
        if let Some(c) = cpu {
            f.evidence.push(ev(
                "process.cpu_seconds_total:rate_per_second per core",
                pct(c),
                None,
            ));
        }
        if blocked_rate > 0.0 {
            apply_window(f, &ctx.node.metrics);
        } else {
            // Queue gauges from one reading can be a burst.
            f.confidence *= 0.65;
        }
        let headroom = cpu.is_some_and(|c| c < ctx.meta.param("max_cpu_busy"));
        (spec.fix)(ctx, f, workers, headroom);
    }
}

/// More threads when the CPU can run them; otherwise the same change shown, not proposed.
fn raise_threads(ctx: &Ctx, f: &mut Finding, setting: &str, to: i64, headroom: bool, why: &str) {
    let (safety, note) = if headroom {
        (Safety::Unsafe, String::new())
    } else {
        (
            Safety::DisplayOnly,
            " — only with CPU headroom, which this node does not show (or its CPU use is unknown)"
                .to_string(),
        )
    };
    push_config_fix(
        f,
        ctx.node,
        setting,
        &to.to_string(),
        safety,
        &format!("{why}{note}"),
    );
}

fn ntr_fix(ctx: &Ctx, f: &mut Finding, workers: f64, headroom: bool) {
    let to = ((workers * 2.0) as i64).clamp(128, 1024);
    raise_threads(
        ctx,
        f,
        "native_transport_max_threads",
        to,
        headroom,
        "more coordinator threads for queued client requests",
    );
    f.fixes.push(os("nodetool tpstats", Safety::DisplayOnly, "check which local stage the coordinators wait on (ReadStage, MutationStage) before adding threads"));
}

fn mutation_fix(ctx: &Ctx, f: &mut Finding, workers: f64, headroom: bool) {
    if let Some(cores) = ctx.node.host.cores.map(i64::from)
        && (workers as i64) < 8 * cores
    {
        raise_threads(
            ctx,
            f,
            "concurrent_writes",
            8 * cores,
            headroom,
            "cassandra.yaml's guidance: 8 write threads per core",
        );
    }
    f.fixes.push(os(
        "iostat -x 5   # the commit log device's await and %util",
        Safety::DisplayOnly,
        "writes usually wait on the commit log disk or on blocked memtable flushes (POOL-004)",
    ));
}

fn read_fix(ctx: &Ctx, f: &mut Finding, workers: f64, headroom: bool) {
    if let Some(disks) = ctx.node.host.data_disks.map(i64::from)
        && (workers as i64) < 16 * disks
    {
        raise_threads(
            ctx,
            f,
            "concurrent_reads",
            16 * disks,
            headroom,
            "cassandra.yaml's guidance: 16 read threads per data disk",
        );
    }
    f.fixes.push(os("iostat -x 5   # the data devices' await and %util", Safety::DisplayOnly, "reads usually wait on disk: check the data devices and sstables per read (COMP-103) before adding threads"));
}

fn flush_fix(ctx: &Ctx, f: &mut Finding, workers: f64, _headroom: bool) {
    let to = ((workers * 2.0) as i64).clamp(2, 8);
    if to > workers as i64 {
        push_config_fix(
            f,
            ctx.node,
            "memtable_flush_writers",
            &to.to_string(),
            Safety::Unsafe,
            "more flush writers (helps only when the data disks have spare bandwidth)",
        );
    }
    f.fixes.push(os(
        "iostat -x 5   # the data devices' await and %util",
        Safety::DisplayOnly,
        "flushes wait on the data disks: if they are saturated, more writers will not help",
    ));
}

fn native_transport_backlog(ctx: &Ctx, em: &mut Emitter) {
    pool_backlog(
        ctx,
        em,
        &PoolSpec {
            prefixes: &["Native-Transport-Requests"],
            setting: "native_transport_max_threads",
            stock: 128.0,
            fix: ntr_fix,
        },
    );
}

fn mutation_stage_backlog(ctx: &Ctx, em: &mut Emitter) {
    pool_backlog(
        ctx,
        em,
        &PoolSpec {
            prefixes: &["MutationStage"],
            setting: "concurrent_writes",
            stock: 32.0,
            fix: mutation_fix,
        },
    );
}

fn read_stage_backlog(ctx: &Ctx, em: &mut Emitter) {
    pool_backlog(
        ctx,
        em,
        &PoolSpec {
            prefixes: &["ReadStage"],
            setting: "concurrent_reads",
            stock: 32.0,
            fix: read_fix,
        },
    );
}

fn memtable_flush_backlog(ctx: &Ctx, em: &mut Emitter) {
    pool_backlog(
        ctx,
        em,
        &PoolSpec {
            prefixes: &["MemtableFlushWriter", "PerDiskMemtableFlushWriter"],
            setting: "memtable_flush_writers",
            stock: 2.0,
            fix: flush_fix,
        },
    );
}

// ---------------------------------------------------------------------------------------
// Counters of trouble: dropped messages, request errors, hints

/// A counter's total and its rate over the window (`None` without rates).
struct Counter {
    key: String,
    total: f64,
    rate: Option<f64>,
}

fn counter(m: &Metrics, name: &str) -> Option<Counter> {
    let total = m.get::<&str, &str>(name, &[]).filter(|v| v.is_finite())?;
    Some(Counter {
        key: name.to_string(),
        total,
        rate: m.rate::<&str, &str>(name, &[]).filter(|v| v.is_finite()),
    })
}

/// Whether a set of counters shows trouble now: `Some(true)` when some rate is positive,
/// `Some(false)` when there are no rates but some total is (a single scrape), `None` when
/// quiet (zero totals, or totals that did not grow during the window).
fn trouble(counters: &[Counter]) -> Option<bool> {
    if counters.iter().any(|c| c.rate.is_some_and(|r| r > 0.0)) {
        return Some(true);
    }
    let no_rates = counters.iter().all(|c| c.rate.is_none());
    (no_rates && counters.iter().any(|c| c.total > 0.0)).then_some(false)
}

fn counter_evidence(c: &Counter) -> Evidence {
    let observed = match c.rate {
        Some(r) => format!("{}/s in the window ({} since start)", num(r), num(c.total)),
        None => format!("{} since start", num(c.total)),
    };
    ev(c.key.clone(), observed, Some("0".into()))
}

/// Window caveat for windowed findings, halved confidence and a note for single scrapes.
fn trust(f: &mut Finding, m: &Metrics, windowed: bool) {
    if windowed {
        apply_window(f, m);
    } else {
        f.confidence *= 0.5;
        f.message
            .push_str(" (since the node started; a single scrape cannot tell when)");
    }
}

fn dropped_messages(ctx: &Ctx, em: &mut Emitter) {
    let m = &ctx.node.metrics;
    let counters: Vec<Counter> = m
        .names_starting("dropped.")
        .filter(|n| !n.contains(':'))
        .filter_map(|n| counter(m, n))
        .collect();
    let Some(windowed) = trouble(&counters) else {
        return;
    };
    let shown: Vec<&Counter> = counters
        .iter()
        .filter(|c| c.rate.is_some_and(|r| r > 0.0) || (!windowed && c.total > 0.0))
        .collect();
    let verbs: Vec<String> = shown
        .iter()
        .map(|c| c.key.trim_start_matches("dropped.").to_uppercase())
        .collect();
    let f = em.emit(
        format!(
            "the node dropped {} messages {}",
            verbs.join(", "),
            if windowed {
                window_text(m)
            } else {
                String::new()
            }
        )
        .trim_end()
        .to_string(),
        None,
    );
    f.evidence.extend(shown.iter().map(|c| counter_evidence(c)));
    trust(f, m, windowed);
    let writes = verbs.iter().any(|v| {
        matches!(
            v.as_str(),
            "MUTATION" | "COUNTER_MUTATION" | "HINT" | "BATCH_STORE"
        )
    });
    if writes {
        f.fixes.push(os(
            "nodetool repair -pr   # on every node in turn, or let your repair scheduler run",
            Safety::DisplayOnly,
            "replicas that dropped writes miss them until hints or repair deliver them",
        ));
    }
    f.fixes.push(os(
        "nodetool tpstats",
        Safety::DisplayOnly,
        "find the saturated stage (pending/blocked) and its cause: GC (JVM-101), disks, compaction",
    ));
}

const REQUEST_KINDS: [&str; 5] = ["read", "write", "range", "cas_read", "cas_write"];

/// Per request kind: the error counter and the request rate.
fn request_errors(m: &Metrics, what: &str) -> Vec<(Counter, Option<f64>)> {
    REQUEST_KINDS
        .iter()
        .filter_map(|k| {
            let c = counter(m, &format!("clientrequest.{k}.{what}"))?;
            let requests = m.rate::<&str, &str>(&format!("clientrequest.{k}.latency.count"), &[]);
            Some((c, requests))
        })
        .collect()
}

fn report_request_errors(ctx: &Ctx, em: &mut Emitter, what: &str) -> Option<()> {
    let m = &ctx.node.metrics;
    let errs = request_errors(m, what);
    let counters: Vec<Counter> = errs
        .iter()
        .map(|(c, _)| Counter {
            key: c.key.clone(),
            total: c.total,
            rate: c.rate,
        })
        .collect();
    let windowed = trouble(&counters)?;
    let mut worst_ratio: f64 = 0.0;
    let mut parts = vec![];
    let mut evidence = vec![];
    for (c, requests) in &errs {
        let active = if windowed {
            c.rate.is_some_and(|r| r > 0.0)
        } else {
            c.total > 0.0
        };
        if !active {
            continue;
        }
        let kind = c.key.split('.').nth(1).unwrap_or_default();
        match (c.rate, requests) {
            (Some(r), Some(q)) if *q > 0.0 => {
                worst_ratio = worst_ratio.max(r / q);
                parts.push(format!("{kind} {}/s ({} of requests)", num(r), pct(r / q)));
            }
            (Some(r), _) => parts.push(format!("{kind} {}/s", num(r))),
            (None, _) => parts.push(format!("{kind} {}", num(c.total))),
        }
        evidence.push(counter_evidence(c));
        if let Some(q) = requests {
            evidence.push(ev(
                format!("{}:rate_per_second", c.key.replace(what, "latency.count")),
                format!("{}/s", num(*q)),
                None,
            ));
        }
    }
    let label = if what == "timeouts" {
        "timed out"
    } else {
        "failed as Unavailable"
    };
    let f = em.emit(
        format!(
            "client requests {label}: {} {}",
            parts.join(", "),
            if windowed {
                window_text(m)
            } else {
                String::new()
            }
        )
        .trim_end()
        .to_string(),
        None,
    );
    f.evidence = evidence;
    trust(f, m, windowed);
    if what == "timeouts" {
        if worst_ratio >= ctx.meta.param("error_ratio") {
            f.severity = Severity::Error;
        }
        f.fixes.push(os("nodetool tpstats && nodetool proxyhistograms", Safety::DisplayOnly, "find the slow stage or replica (GC, disks, tombstones, large partitions) instead of raising the timeouts"));
    } else {
        f.fixes.push(os("nodetool status", Safety::DisplayOnly, "bring the down replicas back, or use a replication factor and consistency level the live replicas can meet (e.g. RF 3 with LOCAL_QUORUM)"));
    }
    Some(())
}

fn request_timeouts(ctx: &Ctx, em: &mut Emitter) {
    report_request_errors(ctx, em, "timeouts");
}

fn request_unavailables(ctx: &Ctx, em: &mut Emitter) {
    report_request_errors(ctx, em, "unavailables");
}

/// `system_views.pending_hints` (4.1+): target nodes with hint files queued.
fn pending_hint_targets(node: &Node) -> Vec<(String, f64)> {
    let Some(rows) = node
        .live
        .as_ref()
        .and_then(|l| l.table("system_views.pending_hints"))
    else {
        return vec![];
    };
    rows.records()
        .filter_map(|r| {
            let files = r.get("files")?.as_f64().filter(|f| *f > 0.0)?;
            let who = r
                .get("address")
                .and_then(|v| v.as_str())
                .or_else(|| r.get("host_id")?.as_str())?;
            Some((who.to_string(), files))
        })
        .collect()
}

fn hints_written(ctx: &Ctx, em: &mut Emitter) {
    let m = &ctx.node.metrics;
    let total = counter(m, "storage.hints_total");
    let in_progress = m
        .get::<&str, &str>("storage.hints_in_progress", &[])
        .filter(|v| *v > 0.0);
    let targets = pending_hint_targets(ctx.node);
    let rate = total.as_ref().and_then(|c| c.rate).filter(|r| *r > 0.0);
    if rate.is_none() && in_progress.is_none() && targets.is_empty() {
        return;
    }
    let mut parts = vec![];
    if let Some(r) = rate {
        parts.push(format!("{} hints/s written {}", num(r), window_text(m)));
    }
    if let Some(p) = in_progress {
        parts.push(format!("{} hints being written", num(p)));
    }
    if !targets.is_empty() {
        let t: Vec<String> = targets
            .iter()
            .map(|(a, n)| format!("{a} ({} files)", num(*n)))
            .collect();
        parts.push(format!("hints queued for {}", t.join(", ")));
    }
    let f = em.emit(
        format!("the node is storing hints: {}", parts.join("; ")),
        None,
    );
    if let Some(c) = &total {
        f.evidence.push(counter_evidence(c));
    }
    if let Some(p) = in_progress {
        f.evidence
            .push(ev("storage.hints_in_progress", num(p), Some("0".into())));
    }
    for (a, n) in &targets {
        f.evidence.push(ev(
            format!("system_views.pending_hints[{a}].files"),
            num(*n),
            Some("0".into()),
        ));
    }
    if rate.is_some() {
        apply_window(f, m);
    } else if targets.is_empty() {
        // A gauge of hints in flight from one reading.
        f.confidence *= 0.6;
    }
    f.fixes.push(os("nodetool status\nnodetool listpendinghints   # 4.1+", Safety::DisplayOnly, "find the replica the hints are for and bring it back or relieve it; repair it if it was down longer than max_hint_window"));
}

fn hint_delivery_failing(ctx: &Ctx, em: &mut Emitter) {
    let m = &ctx.node.metrics;
    let counters: Vec<Counter> = ["hints.failed_total", "hints.timed_out_total"]
        .iter()
        .filter_map(|n| counter(m, n))
        .collect();
    let Some(windowed) = trouble(&counters) else {
        return;
    };
    let f = em.emit(
        format!(
            "hint deliveries fail or time out {}",
            if windowed {
                window_text(m)
            } else {
                String::new()
            }
        )
        .trim_end()
        .to_string(),
        None,
    );
    f.evidence.extend(counters.iter().map(counter_evidence));
    trust(f, m, windowed);
    f.fixes.push(os("nodetool status", Safety::DisplayOnly, "the hint targets are still unhealthy, or delivery is throttled: check them first, then hinted_handoff_throttle and max_hints_delivery_threads"));
}

fn client_connections(ctx: &Ctx, em: &mut Emitter) {
    let node = ctx.node;
    let (count, key) = match node
        .metrics
        .get::<&str, &str>("client.native_connections", &[])
        .filter(|v| v.is_finite())
    {
        Some(c) => (c, "client.native_connections".to_string()),
        None => match node
            .live
            .as_ref()
            .and_then(|l| l.table("system_views.clients"))
        {
            Some(rows) => (
                rows.rows.len() as f64,
                "system_views.clients rows".to_string(),
            ),
            None => return,
        },
    };
    let limit = setting_int(node, "native_transport_max_concurrent_connections")
        .filter(|l| *l > 0)
        .map(|l| l as f64);
    let near_limit = limit.is_some_and(|l| count >= l * ctx.meta.param("limit_ratio"));
    let max = ctx.meta.param("max_connections");
    if !near_limit && count <= max {
        return;
    }
    let f = match limit.filter(|_| near_limit) {
        Some(l) => {
            let f = em.emit(format!("{} CQL connections, {} of native_transport_max_concurrent_connections ({}): new connections are about to be refused", num(count), pct(count / l), num(l)), None);
            f.severity = Severity::Error;
            f.evidence.push(ev(
                key,
                num(count),
                Some(format!(
                    "< {} of the limit",
                    pct(ctx.meta.param("limit_ratio"))
                )),
            ));
            if let Some(e) = setting_ev(node, "native_transport_max_concurrent_connections", None) {
                f.evidence.push(e);
            }
            push_config_fix(
                f,
                node,
                "native_transport_max_concurrent_connections",
                &num((l * 2.0).round()),
                Safety::Unsafe,
                "raise the limit (if the clients are legitimate)",
            );
            f
        }
        None => {
            let f = em.emit(format!("{} CQL connections to this node; drivers need one or two per node per application instance", num(count)), None);
            f.severity = Severity::Info;
            f.evidence
                .push(ev(key, num(count), Some(format!("<= {}", num(max)))));
            f
        }
    };
    f.fixes.push(os(
        "nodetool clientstats --all",
        Safety::DisplayOnly,
        "see which clients hold the connections and shrink their driver pools",
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(total: f64, rate: Option<f64>) -> Counter {
        Counter {
            key: "k".into(),
            total,
            rate,
        }
    }

    #[test]
    fn trouble_needs_growth_in_the_window_or_a_single_scrape() {
        assert_eq!(trouble(&[c(5.0, Some(0.1))]), Some(true));
        // Past events: the counter did not grow while we watched.
        assert_eq!(trouble(&[c(5.0, Some(0.0))]), None);
        assert_eq!(trouble(&[c(5.0, None)]), Some(false));
        assert_eq!(trouble(&[c(0.0, None)]), None);
    }
}
