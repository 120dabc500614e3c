//! Rules on what a running node measures: GC and heap (JVM-1xx), compaction backlog
//! (COMP-1xx) and caches (CACHE-1xx). Partition and tombstone rules are in
//! `metrics_tables.rs`, thread pools and request errors in `metrics_pools.rs`.
//!
//! Every finding carries the metric keys it read, the value and the threshold. Rates come
//! from two scrapes or a Prometheus window; a rate over a short window, a single scrape, or a
//! small sample lowers the confidence (see `signals.rs`).

use super::advice::qname;
use super::signals::{
    GIB, MIB, Sample, TableValue, any_heap, apply_sample, apply_window, bytes, chosen_size,
    colocated, configured_heap_matches, ev, heap_fixes, hist, judge_sample, mib_text, num, os, pct,
    push_config_fix, running_heap, setting, setting_base, setting_ev, stock_heap, table_key,
    user_tables_where, window_s, window_text,
};
use super::{Builtin, Scope};
use crate::catalog::Version;
use crate::engine::{Ctx, Emitter, Family, Finding, Fix, Need, Safety, Severity};
use crate::model::config::SettingValue;
use crate::model::{Metrics, Node};

const METRICS: &[Need] = &[Need::Metrics];
const RATES: &[Need] = &[Need::Metrics, Need::Rates];
const ENV_SH: &str = "apache/cassandra conf/cassandra-env.sh (calculate_heap_sizes: max(min(RAM/2, 1 GiB), min(RAM/4, 8 GiB)))";
const JVM_OPTS: &str = "apache/cassandra conf/jvm11-server.options, jvm17-server.options (G1: MaxGCPauseMillis=300, InitiatingHeapOccupancyPercent=70)";
const GC_INSPECTOR: &str = "apache/cassandra src/java/org/apache/cassandra/service/GCInspector.java (gc_log_threshold 200 ms, gc_warn_threshold 1 s)";
const PRODUCTION: &str =
    "https://cassandra.apache.org/doc/latest/cassandra/getting-started/production.html";
const MIXIN: &str = "Grafana apache-cassandra-mixin alerts (HighPendingCompactionTasks: cassandra_compaction_pendingtasks > 30 for 15m), https://github.com/grafana/jsonnet-libs/tree/master/apache-cassandra-mixin";
const SCHEMA_TUNING: &str = "https://docs.datastax.com/en/planning/oss/schema-tuning.html (a tuned table's reads touch no more than two or three sstables)";
const YAML_CACHES: &str = "apache/cassandra conf/cassandra.yaml (key_cache_size, row_cache_size, counter_cache_size, file_cache_size)";
const YAML_COMPACTION: &str = "apache/cassandra conf/cassandra.yaml (concurrent_compactors: min(disks, cores) clamped to 2..8; compaction_throughput 64MiB/s)";

pub static RULES: &[Builtin] = &[
    Builtin {
        id: "JVM-101",
        name: "gc-time-high",
        family: Family::Jvm,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.8,
        confidence: 0.85,
        needs: RATES,
        params: &[
            ("warn_ratio", 0.05),
            ("error_ratio", 0.15),
            ("error_min_window_s", 60.0),
        ],
        summary: "The JVM spends more than 5 % of wall time in stop-the-world garbage collection.",
        why: "While a collector stops the world, the node serves no reads or writes and its replicas time out waiting for it; coordinators see it as latency spikes and the dynamic snitch routes around it. A healthy node spends well under 5 % of its time in GC pauses; 15 % means requests queue behind every collection and usually a heap too small for the workload (or an allocation storm from huge partitions, batches or unpaged reads).",
        evidence: "The per-second rate of jvm.gc.time_seconds_total for each stop-the-world collector (G1 Young/Old Generation, ParNew, ZGC/Shenandoah Pauses), summed, over the collection window. Concurrent-cycle collectors (G1 Concurrent GC, ConcurrentMarkSweep, ZGC/Shenandoah Cycles) are left out: their time runs alongside the application. The finding becomes an error from 15 % only over a window of at least a minute; shorter windows lower the confidence.",
        fix: "If the heap is below what cassandra-env.sh would choose for the RAM, raise it (the fix proposes that size, within half the RAM and 31 GiB). Otherwise enable GC logging (-Xlog:gc*) and look for the allocation source: large partitions (PART-101, PART-001), tombstone scans (PART-002), big batches.",
        references: &[GC_INSPECTOR, JVM_OPTS, ENV_SH],
        check: Scope::Node(gc_time_high),
    },
    Builtin {
        id: "JVM-102",
        name: "full-gc-observed",
        family: Family::Jvm,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.8,
        confidence: 0.85,
        needs: METRICS,
        params: &[],
        summary: "Full (stop-the-world, whole-heap) garbage collections happened.",
        why: "G1 and the parallel collectors fall back to a full collection when concurrent marking and mixed collections cannot free memory fast enough. A full GC stops the node for seconds on a multi-GiB heap: requests time out, hints pile up on the other replicas and gossip may mark the node down. It means the live set nearly fills the heap or allocation outruns the collector.",
        evidence: "jvm.gc.collections_total for the full-heap collectors (G1 Old Generation, MarkSweepCompact, PS MarkSweep): its rate over the window, or with a single scrape its total since the node started (lower confidence: when they happened is unknown).",
        fix: "Give the heap room (the fix proposes Cassandra's own sizing when the heap is below it), then find what fills it: GC logs (-Xlog:gc*), large partitions, the key/row caches, memtables on heap (CFG-027).",
        references: &[GC_INSPECTOR, JVM_OPTS],
        check: Scope::Node(full_gc),
    },
    Builtin {
        id: "JVM-103",
        name: "old-gen-nearly-full",
        family: Family::Jvm,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.6,
        confidence: 0.5,
        needs: METRICS,
        params: &[("max_ratio", 0.85)],
        summary: "The old generation is more than 85 % full.",
        why: "G1 starts concurrent marking at InitiatingHeapOccupancyPercent (70 in Cassandra's options files) and reclaims old regions in mixed collections; an old generation that stays above ~85 % leaves no room for promotions and ends in full GCs (JVM-102). A single reading may include garbage that the next mixed collection frees, so the confidence is low unless full GCs are seen too.",
        evidence: "jvm.memory_pool.used_bytes / jvm.memory_pool.max_bytes of the old-generation pool (G1 Old Gen, CMS Old Gen, PS Old Gen, Tenured Gen); the heap maximum when the pool reports none.",
        fix: "Raise the heap toward Cassandra's own sizing (within half the RAM and 31 GiB), or reduce what lives on it: key cache size, memtable_heap_space, on-heap memtables.",
        references: &[JVM_OPTS, ENV_SH],
        check: Scope::Node(old_gen_full),
    },
    Builtin {
        id: "JVM-104",
        name: "running-heap-over-half-ram",
        family: Family::Jvm,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.6,
        confidence: 0.85,
        needs: &[Need::Metrics, Need::Ram],
        params: &[("max_ratio", 0.5)],
        summary: "The running heap (of all Cassandra nodes on the machine) takes more than half of its RAM.",
        why: "Reads are served through the OS page cache, and bloom filters, compression metadata, off-heap memtables and the chunk cache live outside the heap. A heap over half the RAM starves them: more disk reads, and the OOM killer when off-heap memory grows. cassandra-env.sh itself never gives the heap more than a quarter of RAM (8 GiB at most).",
        evidence: "jvm.heap.max_bytes of the running JVM against the host's RAM. Nodes reporting the same host name and RAM share that RAM, so their heaps are added. Stays quiet when the node's options files set the same heap: JVM-004 reports it with its file and line.",
        fix: "Lower -Xms/-Xmx to at most half the RAM (shared among the nodes on the machine), capped at 31 GiB.",
        references: &[ENV_SH, PRODUCTION],
        check: Scope::Node(heap_over_half_ram),
    },
    Builtin {
        id: "JVM-105",
        name: "running-heap-loses-compressed-oops",
        family: Family::Jvm,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.6,
        confidence: 0.9,
        needs: METRICS,
        params: &[("max_gib", 31.0)],
        summary: "The running heap is above 31 GiB, where the JVM stops compressing object pointers.",
        why: "From 32 GiB the JVM turns compressed oops off and every reference doubles to 8 bytes: a 32–40 GiB heap holds less than a 31 GiB one and GC has more to scan. The extra RAM serves Cassandra better as page cache.",
        evidence: "jvm.heap.max_bytes of the running JVM. Stays quiet when the options files set the same heap (JVM-003 reports it with its file and line).",
        fix: "Set -Xms and -Xmx to 31G or less.",
        references: &[
            "https://wiki.openjdk.org/display/HotSpot/CompressedOops",
            ENV_SH,
        ],
        check: Scope::Node(heap_over_31g),
    },
    Builtin {
        id: "JVM-106",
        name: "running-heap-below-stock-sizing",
        family: Family::Jvm,
        severity: Severity::Info,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.4,
        confidence: 0.6,
        needs: &[Need::Metrics, Need::Ram],
        params: &[("min_ratio", 0.5)],
        summary: "The running heap is less than half of what cassandra-env.sh would choose for the machine's RAM.",
        why: "cassandra-env.sh sizes the heap as max(min(RAM/2, 1 GiB), min(RAM/4, 8 GiB)): 2 GiB for 8 GiB of RAM, 8 GiB from 32 GiB. A much smaller heap was set by hand; memtables, caches and request buffers then compete for it, flushes get smaller and more frequent (more compaction) and GC runs more often. It may be deliberate (several nodes on one machine, a test box), hence informational.",
        evidence: "jvm.heap.max_bytes against the stock formula applied to the host's RAM, divided among the nodes reporting the same host name and RAM.",
        fix: "Raise -Xms/-Xmx to the stock size (or remove the override and let cassandra-env.sh size the heap), then watch GC time (JVM-101).",
        references: &[ENV_SH],
        check: Scope::Node(heap_below_stock),
    },
    Builtin {
        id: "JVM-107",
        name: "process-memory-near-ram",
        family: Family::Jvm,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.7,
        confidence: 0.7,
        needs: &[Need::Metrics, Need::Ram],
        params: &[("max_ratio", 0.8)],
        summary: "The Cassandra processes' resident memory exceeds 80 % of the machine's RAM.",
        why: "Resident memory is heap plus everything off heap: direct buffers, off-heap memtables, bloom filters, compression metadata, the chunk cache, thread stacks, mapped index pages. Above ~80 % of RAM the page cache that serves reads is squeezed out and the kernel's OOM killer is one allocation spike away; with swap on, the JVM pages out and GC pauses explode.",
        evidence: "process.resident_memory_bytes (summed over the nodes on the same machine) against the host's RAM, and the heap maximum for the off-heap share.",
        fix: "Lower the heap if it is above Cassandra's own sizing, and cap off-heap users (memtable_offheap_space, file_cache_size, key/row caches); or give the machine more RAM.",
        references: &[ENV_SH, PRODUCTION],
        check: Scope::Node(process_memory_near_ram),
    },
    Builtin {
        id: "COMP-101",
        name: "pending-compactions-high",
        family: Family::Compaction,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.7,
        confidence: 0.6,
        needs: METRICS,
        params: &[("max_pending", 30.0)],
        summary: "More than 30 compactions pending on the node.",
        why: "A compaction backlog means flushes produce sstables faster than compaction merges them: reads touch more sstables (higher latency, COMP-103), tombstones are not purged, and disk use grows until a large compaction may not fit. The Grafana Cassandra mixin alerts at 30 pending tasks sustained for 15 minutes.",
        evidence: "compaction.pending_tasks (a gauge: one reading, hence the moderate confidence), with the tables holding most of the backlog (table.pending_compactions).",
        fix: "Raise compaction_throughput (doubling it, up to what the disks sustain) and concurrent_compactors up to Cassandra's default of min(disks, cores) clamped to 2..8; if CPU and disks are already busy, the node needs more capacity.",
        references: &[MIXIN, YAML_COMPACTION],
        check: Scope::Node(pending_compactions_node),
    },
    Builtin {
        id: "COMP-102",
        name: "table-pending-compactions-high",
        family: Family::Compaction,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.5,
        confidence: 0.6,
        needs: METRICS,
        params: &[("max_pending", 20.0)],
        summary: "One table has more than 20 compactions pending.",
        why: "A backlog concentrated on one table usually means its write rate or its compaction strategy outpaces the compactors (LCS falling behind in L0, STCS with a burst of flushes). That table's reads touch ever more sstables.",
        evidence: "table.pending_compactions per user table (a gauge: one reading).",
        fix: "Raise compaction_throughput and concurrent_compactors; if one table stays behind, review its compaction strategy.",
        references: &[MIXIN, YAML_COMPACTION],
        check: Scope::Node(pending_compactions_table),
    },
    Builtin {
        id: "COMP-103",
        name: "sstables-per-read-high",
        family: Family::Compaction,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.7,
        confidence: 0.8,
        needs: METRICS,
        params: &[("max_p99", 5.0), ("min_reads", 100.0)],
        summary: "Reads of a table touch more than 5 sstables (99th percentile).",
        why: "Each sstable a read touches costs a bloom filter check, an index lookup and usually a disk read; DataStax's schema tuning guide says a tuned table's reads touch no more than two or three. Many sstables per read come from a compaction backlog, or from STCS on a table whose rows are updated over time.",
        evidence: "table.sstables_per_read.p99 (with p50 and .count): a p99 over fewer than 100 reads is noise unless the median agrees.",
        fix: "Clear the compaction backlog first; for a read-mostly table whose rows are updated over time, LeveledCompactionStrategy (or UCS with an L scaling parameter on 5.0) bounds sstables per read at the cost of compaction I/O.",
        references: &[
            SCHEMA_TUNING,
            "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/compaction/index.html",
        ],
        check: Scope::Node(sstables_per_read),
    },
    Builtin {
        id: "COMP-104",
        name: "compaction-at-throttle",
        family: Family::Compaction,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.6,
        confidence: 0.65,
        needs: &[Need::Metrics, Need::Rates, Need::Config],
        params: &[("min_ratio", 0.8), ("min_pending", 5.0)],
        summary: "Compaction runs at its compaction_throughput limit while work is pending.",
        why: "compaction_throughput caps the bytes compaction reads per second across all compactors. When the measured rate sits at the cap with a backlog, the throttle, not the disks, limits compaction: the backlog can only grow under sustained writes.",
        evidence: "The rate of compaction.bytes_compacted over the window against compaction_throughput, and compaction.pending_tasks.",
        fix: "Double compaction_throughput (nodetool setcompactionthroughput applies it live; the fix writes it to cassandra.yaml) and watch read latency and disk utilisation.",
        references: &[YAML_COMPACTION],
        check: Scope::Node(compaction_at_throttle),
    },
    Builtin {
        id: "COMP-105",
        name: "compactors-below-default-with-backlog",
        family: Family::Compaction,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.5,
        confidence: 0.7,
        needs: &[Need::Metrics, Need::Config, Need::Cores],
        params: &[("min_pending", 30.0)],
        summary: "concurrent_compactors set below Cassandra's default while compactions pile up.",
        why: "Cassandra's default is min(data disks, cores) clamped to 2..8. Fewer compactors serialise compaction: one big STCS merge blocks every other table's compactions, and the backlog grows behind it.",
        evidence: "concurrent_compactors (explicit) against min(disks, cores) clamped to 2..8 from the host facts, and compaction.pending_tasks.",
        fix: "Set concurrent_compactors to the default (or remove the setting).",
        references: &[YAML_COMPACTION],
        check: Scope::Node(compactors_below_default),
    },
    Builtin {
        id: "CACHE-101",
        name: "key-cache-hit-ratio-low",
        family: Family::Cache,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.5,
        confidence: 0.7,
        needs: METRICS,
        params: &[
            ("min_ratio", 0.85),
            ("min_requests_per_s", 10.0),
            ("min_requests", 100000.0),
            ("full_ratio", 0.9),
        ],
        summary: "The key cache is full and hits fewer than 85 % of lookups.",
        why: "The key cache maps partition keys to sstable index positions; a miss costs a partition index read per sstable. A full cache with a low hit ratio evicts entries that would be used again: a larger cache (a few dozen bytes per entry, on heap) saves disk reads. A cache that is not full with a low ratio is a workload with poor locality, which a bigger cache does not fix, so the rule stays quiet then. BTI sstables (5.0) do not use the key cache.",
        evidence: "cache.key.hits / cache.key.requests rates over the window (at least 10 lookups/s), else their totals since start (at least 100 000 lookups, lower confidence), and cache.key.size_bytes against cache.key.capacity_bytes.",
        fix: "Double key_cache_size, staying within 10 % of the heap.",
        references: &[YAML_CACHES],
        check: Scope::Node(key_cache_low),
    },
    Builtin {
        id: "CACHE-102",
        name: "row-cache-hit-ratio-low",
        family: Family::Cache,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.6,
        confidence: 0.75,
        needs: METRICS,
        params: &[
            ("min_ratio", 0.5),
            ("min_requests_per_s", 1.0),
            ("min_requests", 10000.0),
        ],
        summary: "The row cache is on and serves fewer than half of its lookups.",
        why: "Every write to a cached partition invalidates it, and each miss copies a partition into the off-heap cache: a row cache with a low hit ratio costs CPU and memory and saves little. The page cache serves the same reads without that churn. (CACHE-001 flags any enabled row cache from the config; this rule has the measurement.)",
        evidence: "cache.row.hits / cache.row.requests rates over the window, else totals since start (lower confidence), with cache.row.capacity_bytes > 0.",
        fix: "Set row_cache_size: 0MiB (and drop rows_per_partition from the tables' caching option).",
        references: &[YAML_CACHES],
        check: Scope::Node(row_cache_low),
    },
    Builtin {
        id: "CACHE-103",
        name: "counter-cache-sized-without-counters",
        family: Family::Cache,
        severity: Severity::Info,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.1,
        confidence: 0.9,
        needs: &[Need::Config, Need::Schema],
        params: &[],
        summary: "counter_cache_size set explicitly although no table has counter columns.",
        why: "The counter cache only serves counter writes (read-before-write of hot counters). With no counter table the setting does nothing today, and reserves heap for the cache the day someone adds one. Configuration hygiene, hence informational.",
        evidence: "counter_cache_size as written in cassandra.yaml, and every column type of the schema (none containing `counter`).",
        fix: "Set counter_cache_size: 0MiB, or remove the line to get the default min(2.5 % of heap, 50 MiB).",
        references: &[YAML_CACHES],
        check: Scope::Node(counter_cache_without_counters),
    },
    Builtin {
        id: "CACHE-104",
        name: "counter-cache-off-with-counters",
        family: Family::Cache,
        severity: Severity::Info,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.3,
        confidence: 0.7,
        needs: &[Need::Config, Need::Schema],
        params: &[],
        summary: "counter_cache_size: 0 while the schema has counter tables.",
        why: "A counter update reads the current shard value before writing; the counter cache keeps hot counters in memory so that read does not go to the sstables. Without it every counter write pays a local read.",
        evidence: "counter_cache_size (explicitly 0) and the counter columns of the schema.",
        fix: "Restore the default min(2.5 % of heap, 50 MiB).",
        references: &[YAML_CACHES],
        check: Scope::Node(counter_cache_off_with_counters),
    },
    Builtin {
        id: "CACHE-105",
        name: "chunk-cache-with-heap-over-half-ram",
        family: Family::Cache,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.4,
        confidence: 0.7,
        needs: &[Need::Config, Need::Ram],
        params: &[("max_ratio", 0.5)],
        summary: "An enlarged chunk cache (file_cache_size) plus the heap take more than half the RAM.",
        why: "The chunk cache holds decompressed sstable chunks in off-heap buffers; the OS page cache holds the same data compressed, so per byte of RAM it caches several times more. Sized by hand beyond what heap and RAM allow, the chunk cache takes memory from the page cache (the same reason the heap should stay under half the RAM).",
        evidence: "file_cache_size as written (and file_cache_enabled: true on 4.1+, where the chunk cache is off by default), the running heap (jvm.heap.max_bytes) or the configured one, and the host's RAM shared among co-located nodes.",
        fix: "Lower file_cache_size so that heap plus chunk cache stay within half the RAM.",
        references: &[YAML_CACHES, ENV_SH],
        check: Scope::Node(chunk_cache_too_large),
    },
];

// ---------------------------------------------------------------------------------------
// JVM

fn scope_value(scope: &[(String, String)], label: &str) -> Option<String> {
    scope
        .iter()
        .find(|(k, _)| k == label)
        .map(|(_, v)| v.clone())
}

/// Collectors whose time is a pause: concurrent-cycle beans report time spent alongside the
/// application (G1 Concurrent GC, ConcurrentMarkSweep, ZGC/Shenandoah Cycles).
fn stop_the_world(gc: &str) -> bool {
    !(gc.contains("Cycles") || gc.contains("Concurrent"))
}

/// Collectors whose every collection is a whole-heap, stop-the-world one.
const FULL_COLLECTORS: [&str; 3] = ["G1 Old Generation", "MarkSweepCompact", "PS MarkSweep"];

/// RAM per Cassandra node on this machine, and how many share it.
fn ram_share(ctx: &Ctx) -> Option<(f64, usize)> {
    let ram = ctx.node.host.ram_bytes? as f64;
    let n = colocated(ctx.snapshot, ctx.node).len().max(1);
    Some((ram / n as f64, n))
}

/// The heap the node could grow to: Cassandra's own sizing for its share of RAM, within
/// half that share and 31 GiB. `None` when it would not be meaningfully larger.
fn heap_growth_target(ctx: &Ctx, heap: f64) -> Option<f64> {
    let (share, _) = ram_share(ctx)?;
    let target = stock_heap(share).min(share / 2.0).min(31.0 * GIB);
    (target > heap * 1.2).then_some(target)
}

/// Raise the heap when there is room, else turn GC logging on to find the allocation source.
fn gc_fixes(ctx: &Ctx, heap: Option<f64>) -> Vec<Fix> {
    if let Some(h) = heap
        && let Some(target) = heap_growth_target(ctx, h)
    {
        return heap_fixes(ctx.node, target, "Cassandra's own sizing for this RAM");
    }
    vec![Fix::JvmOption {
        file: ctx
            .node
            .jvm
            .as_ref()
            .and_then(|j| j.files.iter().find(|f| f.path.ends_with("-server.options")).map(|f| f.path.clone()))
            .unwrap_or_else(|| "jvm-server.options".into()),
        add: Some("-Xlog:gc*,safepoint:file=/var/log/cassandra/gc.log:time,uptime,level,tags:filecount=10,filesize=10m".into()),
        remove: None,
        line: None,
        safety: Safety::DisplayOnly,
        description: "log every collection (JDK 11+) to see what fills the heap before resizing it".into(),
    }]
}

fn gc_time_high(ctx: &Ctx, em: &mut Emitter) {
    let m = &ctx.node.metrics;
    let rate_name = Metrics::rate_name("jvm.gc.time_seconds_total");
    let per_gc: Vec<(String, f64)> = m
        .series(&rate_name)
        .filter_map(|(s, v)| {
            let gc = scope_value(&s, "gc")?;
            (stop_the_world(&gc) && v.is_finite()).then_some((gc, v))
        })
        .collect();
    let total: f64 = per_gc.iter().map(|(_, v)| v).sum();
    let (warn, err) = (ctx.meta.param("warn_ratio"), ctx.meta.param("error_ratio"));
    if per_gc.is_empty() || total < warn {
        return;
    }
    let long_enough = m.window.is_some()
        || window_s(m).is_some_and(|w| w >= ctx.meta.param("error_min_window_s"));
    let f = em.emit(
        format!(
            "the JVM spent {} of wall time in stop-the-world GC {}",
            pct(total),
            window_text(m)
        ),
        None,
    );
    if total >= err && long_enough {
        f.severity = Severity::Error;
    }
    for (gc, v) in per_gc.iter().filter(|(_, v)| *v > 0.0) {
        f.evidence.push(ev(
            Metrics::key(&rate_name, &[("gc", gc)]),
            format!("{} s/s", num(*v)),
            None,
        ));
    }
    f.evidence.push(ev(
        "gc time fraction",
        pct(total),
        Some(format!("< {} (error from {})", pct(warn), pct(err))),
    ));
    apply_window(f, m);
    f.fixes = gc_fixes(ctx, running_heap(ctx.node));
}

fn full_gc(ctx: &Ctx, em: &mut Emitter) {
    let m = &ctx.node.metrics;
    for gc in FULL_COLLECTORS {
        let scope = [("gc", gc)];
        let Some(total) = m.get("jvm.gc.collections_total", &scope) else {
            continue;
        };
        let key = Metrics::key("jvm.gc.collections_total", &scope);
        let (message, observed, windowed) = match (
            m.rate("jvm.gc.collections_total", &scope),
            window_s(m),
        ) {
            (Some(r), Some(w)) => {
                let n = r * w;
                if n < 0.5 {
                    continue;
                }
                (
                    format!(
                        "{} full collection(s) ({gc}) {}",
                        num(n.round()),
                        window_text(m)
                    ),
                    format!("{} in the window", num(n.round())),
                    true,
                )
            }
            _ if total >= 1.0 => (
                format!(
                    "{} full collection(s) ({gc}) since the node started (a single scrape: when is unknown)",
                    num(total)
                ),
                format!("{} since start", num(total)),
                false,
            ),
            _ => continue,
        };
        let f = em.emit(message, None);
        f.evidence.push(ev(key, observed, Some("0".into())));
        if windowed {
            apply_window(f, m);
        } else {
            f.confidence *= 0.5;
        }
        f.fixes = gc_fixes(ctx, running_heap(ctx.node));
    }
}

fn old_gen_full(ctx: &Ctx, em: &mut Emitter) {
    let m = &ctx.node.metrics;
    let heap = running_heap(ctx.node);
    for (scope, used) in m.series("jvm.memory_pool.used_bytes") {
        let Some(pool) = scope_value(&scope, "memory_pool") else {
            continue;
        };
        if !(pool.contains("Old Gen") || pool.contains("Tenured Gen")) {
            continue;
        }
        let pool_scope = [("memory_pool", pool.as_str())];
        let Some(max) = m
            .get("jvm.memory_pool.max_bytes", &pool_scope)
            .filter(|v| *v > 0.0)
            .or(heap)
        else {
            continue;
        };
        let ratio = used / max;
        let limit = ctx.meta.param("max_ratio");
        if !ratio.is_finite() || ratio < limit {
            continue;
        }
        let f = em.emit(
            format!(
                "the old generation ({pool}) is {} full ({} of {}) in this reading",
                pct(ratio),
                bytes(used),
                bytes(max)
            ),
            None,
        );
        f.evidence.push(ev(
            Metrics::key("jvm.memory_pool.used_bytes", &pool_scope),
            bytes(used),
            None,
        ));
        f.evidence.push(ev(
            "old generation occupancy",
            pct(ratio),
            Some(format!("< {}", pct(limit))),
        ));
        f.fixes = gc_fixes(ctx, heap);
    }
}

fn heap_over_half_ram(ctx: &Ctx, em: &mut Emitter) {
    let (Some(heap), Some(ram)) = (running_heap(ctx.node), ctx.node.host.ram_bytes) else {
        return;
    };
    let ram = ram as f64;
    let group = colocated(ctx.snapshot, ctx.node);
    let heaps: f64 = group.iter().map(|n| running_heap(n).unwrap_or(heap)).sum();
    let ratio = ctx.meta.param("max_ratio");
    // Reported on the nodes whose own heap exceeds their share, not on every neighbour.
    let fair_share = ram * ratio / group.len() as f64;
    if heaps <= ram * ratio
        || heap <= fair_share
        || (group.len() == 1 && configured_heap_matches(ctx.node, heap))
    {
        return;
    }
    let shared = if group.len() > 1 {
        format!(" (the heaps of the {} nodes on this machine)", group.len())
    } else {
        String::new()
    };
    let f = em.emit(
        format!("{} of heap{shared} is {} of the host's {} RAM; leave at least half to the page cache and off-heap memory", bytes(heaps), pct(heaps / ram), bytes(ram)),
        None,
    );
    f.evidence.push(ev("jvm.heap.max_bytes", bytes(heap), None));
    f.evidence.push(ev(
        "host.ram",
        bytes(ram),
        Some(format!("heaps <= {}", pct(ratio))),
    ));
    f.fixes = heap_fixes(ctx.node, fair_share.min(31.0 * GIB), "half the RAM at most");
}

fn heap_over_31g(ctx: &Ctx, em: &mut Emitter) {
    let Some(heap) = running_heap(ctx.node) else {
        return;
    };
    let max = ctx.meta.param("max_gib") * GIB;
    if heap <= max || configured_heap_matches(ctx.node, heap) {
        return;
    }
    let f = em.emit(
        format!("the running heap is {}: above 31 GiB the JVM disables compressed oops and the extra heap buys little", bytes(heap)),
        None,
    );
    f.evidence.push(ev(
        "jvm.heap.max_bytes",
        bytes(heap),
        Some(format!("<= {}", bytes(max))),
    ));
    f.fixes = heap_fixes(ctx.node, max, "keep compressed oops");
}

fn heap_below_stock(ctx: &Ctx, em: &mut Emitter) {
    let Some(heap) = running_heap(ctx.node) else {
        return;
    };
    let Some((share, n)) = ram_share(ctx) else {
        return;
    };
    let stock = stock_heap(share);
    if heap >= stock * ctx.meta.param("min_ratio") {
        return;
    }
    let shared = if n > 1 {
        format!(" ({} nodes share this machine's RAM)", n)
    } else {
        String::new()
    };
    let f = em.emit(
        format!(
            "the running heap is {}; cassandra-env.sh would choose {} for {} of RAM{shared}",
            bytes(heap),
            bytes(stock),
            bytes(share)
        ),
        None,
    );
    f.evidence.push(ev(
        "jvm.heap.max_bytes",
        bytes(heap),
        Some(format!(
            ">= {} (half the stock size)",
            bytes(stock * ctx.meta.param("min_ratio"))
        )),
    ));
    f.evidence.push(ev("host.ram per node", bytes(share), None));
    f.fixes = heap_fixes(
        ctx.node,
        stock,
        "the size cassandra-env.sh computes for this RAM",
    );
}

fn process_memory_near_ram(ctx: &Ctx, em: &mut Emitter) {
    let rss_of = |n: &Node| {
        n.metrics
            .get::<&str, &str>("process.resident_memory_bytes", &[])
            .filter(|v| v.is_finite())
    };
    let (Some(rss), Some(ram)) = (rss_of(ctx.node), ctx.node.host.ram_bytes) else {
        return;
    };
    let ram = ram as f64;
    let group = colocated(ctx.snapshot, ctx.node);
    let total: f64 = group.iter().map(|n| rss_of(n).unwrap_or(rss)).sum();
    let limit = ctx.meta.param("max_ratio");
    // Reported on the nodes using more than their share, not on every neighbour.
    if total < ram * limit || rss < ram * limit / group.len() as f64 {
        return;
    }
    let f = em.emit(
        format!("Cassandra's resident memory ({}{}) is {} of the host's {} RAM: little page cache is left and the OOM killer is close", bytes(total), if group.len() > 1 { format!(", {} nodes", group.len()) } else { String::new() }, pct(total / ram), bytes(ram)),
        None,
    );
    f.evidence
        .push(ev("process.resident_memory_bytes", bytes(rss), None));
    f.evidence.push(ev(
        "host.ram",
        bytes(ram),
        Some(format!("resident <= {}", pct(limit))),
    ));
    let heap = running_heap(ctx.node);
    if let Some(h) = heap {
        f.evidence.push(ev("jvm.heap.max_bytes", bytes(h), None));
    }
    let stock = stock_heap(ram / group.len() as f64);
    if heap.is_some_and(|h| h > stock * 1.2) {
        f.fixes = heap_fixes(
            ctx.node,
            stock,
            "Cassandra's own sizing, to leave RAM to off-heap memory and the page cache",
        );
    } else {
        f.fixes.push(os(
            "nodetool info | grep -i 'off heap'\nnodetool tablestats | grep -i 'off heap'",
            Safety::DisplayOnly,
            "see which off-heap structures hold the memory (memtables, bloom filters, index summaries, compression metadata) before capping them",
        ));
    }
}

// ---------------------------------------------------------------------------------------
// Compaction

/// Cassandra's default concurrent_compactors: min(data disks, cores) clamped to 2..8.
fn default_compactors(node: &Node) -> Option<i64> {
    let cores = i64::from(node.host.cores?);
    let disks = node
        .host
        .data_disks
        .map(i64::from)
        .or_else(|| match &setting(node, "data_file_directories")?.value {
            SettingValue::List(l) if !l.is_empty() => Some(l.len() as i64),
            _ => None,
        })
        .unwrap_or(1);
    Some(disks.min(cores).clamp(2, 8))
}

/// Raise the throttle and the compactor count where they are below what helps.
fn compaction_fixes(node: &Node, f: &mut Finding) {
    if let Some(t) = setting_base(node, "compaction_throughput")
        && t > 0.0
        && t < 256.0 * MIB
    {
        let to = format!("{}MiB/s", (t / MIB * 2.0).round() as u64);
        push_config_fix(
            f,
            node,
            "compaction_throughput",
            &to,
            Safety::Unsafe,
            "double the compaction throttle (nodetool setcompactionthroughput applies it live); watch read latency",
        );
    }
    if let (Some(cur), Some(def)) = (
        setting(node, "concurrent_compactors")
            .filter(|s| s.is_explicit())
            .and_then(|s| s.value.as_i64()),
        default_compactors(node),
    ) && cur < def
    {
        push_config_fix(
            f,
            node,
            "concurrent_compactors",
            &def.to_string(),
            Safety::Unsafe,
            "Cassandra's default: min(data disks, cores) clamped to 2..8",
        );
    }
    if f.fixes.is_empty() {
        f.fixes.push(os("nodetool compactionstats -H", Safety::DisplayOnly, "the throttle and compactors are not the limit: see what is compacting; the node may need more disk or CPU"));
    }
}

fn pending_compactions_node(ctx: &Ctx, em: &mut Emitter) {
    let m = &ctx.node.metrics;
    let Some(pending) = m.get::<&str, &str>("compaction.pending_tasks", &[]) else {
        return;
    };
    let max = ctx.meta.param("max_pending");
    if pending <= max {
        return;
    }
    let f = em.emit(
        format!("{} compactions are pending on the node", num(pending)),
        None,
    );
    f.evidence.push(ev(
        "compaction.pending_tasks",
        num(pending),
        Some(format!("<= {}", num(max))),
    ));
    let mut tables: Vec<(String, f64)> = m
        .series("table.pending_compactions")
        .filter(|(_, v)| *v > 0.0)
        .map(|(s, v)| (Metrics::key("table.pending_compactions", &s), v))
        .collect();
    tables.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    for (key, v) in tables.into_iter().take(3) {
        f.evidence.push(ev(key, num(v), None));
    }
    compaction_fixes(ctx.node, f);
}

fn pending_compactions_table(ctx: &Ctx, em: &mut Emitter) {
    let max = ctx.meta.param("max_pending");
    // Over the maximum, or NaN (reported rather than silently passed).
    for t in user_tables_where(&ctx.node.metrics, "table.pending_compactions", |v| {
        v > max || v.is_nan()
    }) {
        let f = em.emit(
            format!("{} has {} compactions pending", t.qualified(), num(t.value)),
            None,
        );
        f.evidence.push(ev(
            table_key("table.pending_compactions", &t),
            num(t.value),
            Some(format!("<= {}", num(max))),
        ));
        compaction_fixes(ctx.node, f);
    }
}

fn sstables_per_read(ctx: &Ctx, em: &mut Emitter) {
    let m = &ctx.node.metrics;
    let max = ctx.meta.param("max_p99");
    for t in user_tables_where(m, "table.sstables_per_read.p99", |v| v > max || v.is_nan()) {
        let h = hist(m, "table.sstables_per_read", "", &t.scope());
        let sample = judge_sample(&h, max, ctx.meta.param("min_reads"));
        if sample == Sample::Noise {
            continue;
        }
        let f = em.emit(
            format!(
                "reads of {} touch {} sstables at the 99th percentile",
                t.qualified(),
                num(t.value)
            ),
            None,
        );
        f.topic = crate::engine::consolidate::table_topic("sstables-per-read", &t.qualified());
        f.evidence.push(ev(
            table_key("table.sstables_per_read.p99", &t),
            num(t.value),
            Some(format!("<= {}", num(max))),
        ));
        f.evidence.push(ev(
            table_key("table.sstables_per_read.p50", &t),
            num(h.p50.unwrap_or(f64::NAN)),
            None,
        ));
        f.evidence.push(ev(
            table_key("table.sstables_per_read.count", &t),
            num(h.count.unwrap_or(0.0)),
            Some(format!(
                ">= {} for a trusted p99",
                num(ctx.meta.param("min_reads"))
            )),
        ));
        apply_sample(f, sample, h.count);
        sstables_fixes(ctx, &t, f);
    }
}

/// A backlog is cleared first; a read-mostly STCS table may want leveled compaction.
fn sstables_fixes(ctx: &Ctx, t: &TableValue, f: &mut Finding) {
    let m = &ctx.node.metrics;
    if m.get("table.pending_compactions", &t.scope())
        .is_some_and(|p| p > 0.0)
    {
        compaction_fixes(ctx.node, f);
    }
    let count = |name: &str| m.get(name, &t.scope()).unwrap_or(0.0);
    let read_mostly = count("table.read_latency.count") >= count("table.write_latency.count");
    let stcs = ctx
        .snapshot
        .schema
        .table(&t.keyspace, &t.table)
        .and_then(|s| s.compaction_class())
        .is_some_and(|c| c == "SizeTieredCompactionStrategy");
    if stcs && read_mostly {
        let class = if ctx.node.version >= Version::V5_0 {
            "{'class': 'UnifiedCompactionStrategy', 'scaling_parameters': 'L10'}"
        } else {
            "{'class': 'LeveledCompactionStrategy'}"
        };
        f.fixes.push(Fix::Cql {
            statement: format!("ALTER TABLE {} WITH compaction = {class};", qname(&t.keyspace, &t.table)),
            safety: Safety::DisplayOnly,
            description: "the table is read at least as often as written: leveled compaction bounds sstables per read, at the cost of more compaction I/O (every sstable is rewritten once)".into(),
        });
    }
    if f.fixes.is_empty() {
        f.fixes.push(os(&format!("nodetool tablehistograms {} {}", t.keyspace, t.table), Safety::DisplayOnly, "check sstables per read and partition sizes together before changing the table's compaction"));
    }
}

fn compaction_at_throttle(ctx: &Ctx, em: &mut Emitter) {
    let m = &ctx.node.metrics;
    let (Some(rate), Some(limit), Some(pending)) = (
        m.rate::<&str, &str>("compaction.bytes_compacted", &[]),
        setting_base(ctx.node, "compaction_throughput").filter(|t| *t > 0.0),
        m.get::<&str, &str>("compaction.pending_tasks", &[]),
    ) else {
        return;
    };
    if rate < limit * ctx.meta.param("min_ratio") || pending < ctx.meta.param("min_pending") {
        return;
    }
    let f = em.emit(
        format!(
            "compaction ran at {}/s, {} of its {}/s throttle, {} with {} compactions pending",
            bytes(rate),
            pct(rate / limit),
            bytes(limit),
            window_text(m),
            num(pending)
        ),
        None,
    );
    f.evidence.push(ev(
        Metrics::rate_name("compaction.bytes_compacted"),
        format!("{}/s", bytes(rate)),
        Some(format!(
            "< {} of the throttle",
            pct(ctx.meta.param("min_ratio"))
        )),
    ));
    if let Some(e) = setting_ev(ctx.node, "compaction_throughput", None) {
        f.evidence.push(e);
    }
    f.evidence
        .push(ev("compaction.pending_tasks", num(pending), None));
    apply_window(f, m);
    let to = format!("{}MiB/s", (limit / MIB * 2.0).round() as u64);
    push_config_fix(
        f,
        ctx.node,
        "compaction_throughput",
        &to,
        Safety::Unsafe,
        "double the compaction throttle (nodetool setcompactionthroughput applies it live); watch read latency",
    );
}

fn compactors_below_default(ctx: &Ctx, em: &mut Emitter) {
    let (Some(cur), Some(def), Some(pending)) = (
        setting(ctx.node, "concurrent_compactors")
            .filter(|s| s.is_explicit())
            .and_then(|s| s.value.as_i64()),
        default_compactors(ctx.node),
        ctx.node
            .metrics
            .get::<&str, &str>("compaction.pending_tasks", &[]),
    ) else {
        return;
    };
    if cur >= def || pending < ctx.meta.param("min_pending") {
        return;
    }
    let f = em.emit(format!("concurrent_compactors {cur} is below Cassandra's default of {def} for this machine while {} compactions are pending", num(pending)), None);
    if let Some(e) = setting_ev(ctx.node, "concurrent_compactors", Some(format!(">= {def}"))) {
        f.location = e.location.clone();
        f.evidence.push(e);
    }
    f.evidence
        .push(ev("compaction.pending_tasks", num(pending), None));
    push_config_fix(
        f,
        ctx.node,
        "concurrent_compactors",
        &def.to_string(),
        Safety::Unsafe,
        "Cassandra's default: min(data disks, cores) clamped to 2..8",
    );
}

// ---------------------------------------------------------------------------------------
// Caches

/// A cache's hit ratio and what it rests on.
struct CacheObs {
    ratio: f64,
    /// Evidence: the keys and values read.
    basis: Vec<crate::engine::Evidence>,
    /// From rates over the window rather than totals since start.
    windowed: bool,
}

/// Hit ratio over the window when the cache saw `min_rps` lookups per second, else over the
/// node's lifetime when it saw `min_total`; `None` when too idle to judge.
fn cache_obs(m: &Metrics, cache: &str, min_rps: f64, min_total: f64) -> Option<CacheObs> {
    let name = |s: &str| format!("cache.{cache}.{s}");
    let (hits, reqs) = (name("hits"), name("requests"));
    if let (Some(h), Some(r)) = (
        m.rate::<&str, &str>(&hits, &[]),
        m.rate::<&str, &str>(&reqs, &[]),
    ) && r >= min_rps
    {
        return Some(CacheObs {
            ratio: h / r,
            basis: vec![
                ev(
                    Metrics::rate_name(&reqs),
                    format!("{}/s", num(r)),
                    Some(format!(">= {}/s to judge", num(min_rps))),
                ),
                ev(Metrics::rate_name(&hits), format!("{}/s", num(h)), None),
            ],
            windowed: true,
        });
    }
    let (h, r) = (
        m.get::<&str, &str>(&hits, &[])?,
        m.get::<&str, &str>(&reqs, &[])?,
    );
    (r >= min_total).then(|| CacheObs {
        ratio: h / r,
        basis: vec![
            ev(
                reqs.clone(),
                num(r),
                Some(format!(">= {} to judge", num(min_total))),
            ),
            ev(hits.clone(), num(h), None),
        ],
        windowed: false,
    })
}

fn uses_bti(node: &Node) -> bool {
    matches!(setting(node, "sstable").map(|s| &s.value), Some(SettingValue::Map(m)) if m.get("selected_format").is_some_and(|f| f == "bti"))
}

fn key_cache_low(ctx: &Ctx, em: &mut Emitter) {
    let m = &ctx.node.metrics;
    if uses_bti(ctx.node) {
        return;
    }
    let p = |k| ctx.meta.param(k);
    let Some(obs) = cache_obs(m, "key", p("min_requests_per_s"), p("min_requests")) else {
        return;
    };
    let (Some(size), Some(cap)) = (
        m.get::<&str, &str>("cache.key.size_bytes", &[]),
        m.get::<&str, &str>("cache.key.capacity_bytes", &[])
            .filter(|c| *c > 0.0),
    ) else {
        return;
    };
    // A NaN ratio (no lookups) is no evidence.
    if obs.ratio.is_nan() || obs.ratio >= p("min_ratio") || size < cap * p("full_ratio") {
        return;
    }
    let f = em.emit(
        format!(
            "the key cache is full ({} of {}) and hits {} of lookups {}",
            bytes(size),
            bytes(cap),
            pct(obs.ratio),
            if obs.windowed {
                window_text(m)
            } else {
                "since the node started".into()
            }
        ),
        None,
    );
    f.evidence.push(ev(
        "cache.key hit ratio",
        pct(obs.ratio),
        Some(format!(">= {}", pct(p("min_ratio")))),
    ));
    f.evidence.extend(obs.basis);
    f.evidence.push(ev(
        "cache.key.size_bytes",
        bytes(size),
        Some(format!("< {} of capacity", pct(p("full_ratio")))),
    ));
    f.evidence
        .push(ev("cache.key.capacity_bytes", bytes(cap), None));
    if obs.windowed {
        apply_window(f, m);
    } else {
        f.confidence *= 0.6;
    }
    let ceiling = running_heap(ctx.node).map_or(2.0 * cap, |h| h * 0.1);
    let target = (2.0 * cap).min(ceiling);
    if target > cap * 1.1 {
        push_config_fix(
            f,
            ctx.node,
            "key_cache_size",
            &mib_text(target),
            Safety::Unsafe,
            "double the key cache (on heap), staying within 10 % of the heap",
        );
    }
    if f.fixes.is_empty() {
        f.fixes.push(os("nodetool info | grep -i 'key cache'", Safety::DisplayOnly, "the key cache already takes 10 % of the heap: a larger heap or fewer sstables per read help more than a larger cache"));
    }
}

fn row_cache_low(ctx: &Ctx, em: &mut Emitter) {
    let m = &ctx.node.metrics;
    if !m
        .get::<&str, &str>("cache.row.capacity_bytes", &[])
        .is_some_and(|c| c > 0.0)
    {
        return;
    }
    let p = |k| ctx.meta.param(k);
    let Some(obs) = cache_obs(m, "row", p("min_requests_per_s"), p("min_requests")) else {
        return;
    };
    if obs.ratio.is_nan() || obs.ratio >= p("min_ratio") {
        return;
    }
    let f = em.emit(
        format!(
            "the row cache hits only {} of lookups {}",
            pct(obs.ratio),
            if obs.windowed {
                window_text(m)
            } else {
                "since the node started".into()
            }
        ),
        None,
    );
    f.evidence.push(ev(
        "cache.row hit ratio",
        pct(obs.ratio),
        Some(format!(">= {}", pct(p("min_ratio")))),
    ));
    f.evidence.extend(obs.basis);
    if let Some(e) = setting_ev(ctx.node, "row_cache_size", Some("0MiB".into())) {
        f.evidence.push(e);
    }
    if obs.windowed {
        apply_window(f, m);
    } else {
        f.confidence *= 0.6;
    }
    push_config_fix(
        f,
        ctx.node,
        "row_cache_size",
        "0MiB",
        Safety::Unsafe,
        "turn the row cache off and leave the memory to the page cache",
    );
    if f.fixes.is_empty() {
        f.fixes.push(os(
            "nodetool setcachecapacity -- <key_cache_mib> 0 <counter_cache_mib>",
            Safety::DisplayOnly,
            "turn the row cache off at run time (the middle value is the row cache size)",
        ));
    }
}

fn counter_tables(ctx: &Ctx) -> Vec<String> {
    ctx.snapshot
        .schema
        .tables()
        .filter(|t| t.columns.iter().any(|c| c.data_type.contains("counter")))
        .map(|t| t.qualified())
        .collect()
}

/// Cassandra's own counter cache size: min(2.5 % of heap, 50 MiB).
fn derived_counter_cache(node: &Node) -> Option<f64> {
    any_heap(node)
        .map(|h| ((h * 0.025) / MIB).floor() * MIB)
        .map(|v| v.min(50.0 * MIB))
}

fn counter_cache_without_counters(ctx: &Ctx, em: &mut Emitter) {
    let Some(size) = chosen_size(
        ctx.node,
        "counter_cache_size",
        derived_counter_cache(ctx.node),
    ) else {
        return;
    };
    let Some(s) = setting(ctx.node, "counter_cache_size") else {
        return;
    };
    if size <= 0.0 || !counter_tables(ctx).is_empty() {
        return;
    }
    let e = setting_ev(
        ctx.node,
        "counter_cache_size",
        Some("0MiB (no counter tables)".into()),
    );
    let f = em.emit(
        format!(
            "counter_cache_size is set to {} but no table has a counter column",
            s.display
        ),
        e.as_ref().and_then(|e| e.location.clone()),
    );
    f.evidence.extend(e);
    f.evidence.push(ev("schema counter columns", "none", None));
    push_config_fix(
        f,
        ctx.node,
        "counter_cache_size",
        "0MiB",
        Safety::Unsafe,
        "no counter table: nothing uses the cache until one is created",
    );
}

fn counter_cache_off_with_counters(ctx: &Ctx, em: &mut Emitter) {
    // 0 is never what Cassandra derives (but for a heap under 40 MiB): chosen either way.
    let Some(size) = chosen_size(
        ctx.node,
        "counter_cache_size",
        derived_counter_cache(ctx.node).or(Some(f64::NAN)),
    ) else {
        return;
    };
    let tables = counter_tables(ctx);
    if size != 0.0 || tables.is_empty() {
        return;
    }
    let e = setting_ev(ctx.node, "counter_cache_size", Some("> 0".into()));
    let f = em.emit(
        format!(
            "counter_cache_size is 0 while {} table(s) use counters ({})",
            tables.len(),
            tables.join(", ")
        ),
        e.as_ref().and_then(|e| e.location.clone()),
    );
    f.evidence.extend(e);
    f.evidence
        .push(ev("schema counter tables", tables.join(", "), None));
    let target = derived_counter_cache(ctx.node)
        .unwrap_or(50.0 * MIB)
        .max(MIB);
    push_config_fix(
        f,
        ctx.node,
        "counter_cache_size",
        &mib_text(target),
        Safety::Unsafe,
        "the default min(2.5 % of heap, 50 MiB)",
    );
}

fn chunk_cache_too_large(ctx: &Ctx, em: &mut Emitter) {
    let node = ctx.node;
    let (Some(heap), Some((share, _))) = (any_heap(node), ram_share(ctx)) else {
        return;
    };
    // Cassandra's own size: min(1/4 of heap, 512 MiB).
    let Some(size) = chosen_size(node, "file_cache_size", Some((heap / 4.0).min(512.0 * MIB)))
    else {
        return;
    };
    let enabled = node.version < Version::V4_1
        || setting(node, "file_cache_enabled").and_then(|s| s.value.as_bool()) == Some(true);
    let half = share * ctx.meta.param("max_ratio");
    // Over half the RAM with the heap alone is JVM-004/JVM-104's finding.
    if !enabled || size <= 0.0 || heap > half || heap + size <= half {
        return;
    }
    let e = setting_ev(
        node,
        "file_cache_size",
        Some(format!("<= {}", bytes((half - heap).max(0.0)))),
    );
    let f = em.emit(
        format!("heap {} plus chunk cache {} is {} of the {} of RAM this node has: the page cache gets less than half", bytes(heap), bytes(size), pct((heap + size) / share), bytes(share)),
        e.as_ref().and_then(|e| e.location.clone()),
    );
    f.evidence.extend(e);
    f.evidence.push(ev("jvm.heap.max_bytes", bytes(heap), None));
    f.evidence.push(ev("host.ram per node", bytes(share), None));
    // Whole MiB, rounded down: the fix must land within the limit.
    let target = ((half - heap) / MIB).floor().max(32.0) * MIB;
    push_config_fix(
        f,
        node,
        "file_cache_size",
        &mib_text(target),
        Safety::Unsafe,
        "keep heap plus chunk cache within half the RAM",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_cycles_are_not_pauses() {
        assert!(stop_the_world("G1 Young Generation"));
        assert!(stop_the_world("G1 Old Generation"));
        assert!(stop_the_world("ZGC Pauses"));
        assert!(!stop_the_world("ZGC Cycles"));
        assert!(!stop_the_world("G1 Concurrent GC"));
        assert!(!stop_the_world("ConcurrentMarkSweep"));
    }

    #[test]
    fn rule_ids_are_in_this_files_ranges() {
        for r in RULES {
            assert!(
                ["JVM-1", "COMP-1", "CACHE-1"]
                    .iter()
                    .any(|p| r.id.starts_with(p)),
                "{}",
                r.id
            );
            assert!(!r.references.is_empty() && !r.fix.is_empty(), "{}", r.id);
        }
    }
}
