//! casstune's metric vocabulary: one name per tuning signal, whatever exporter produced it.
//!
//! Every name has one unit (latencies µs, sizes bytes, GC time seconds) and one set of scope
//! labels. Distributions (latencies and per-read histograms) come as a family of names:
//! `<base>.p50`, `.p75`, `.p95`, `.p98`, `.p99`, `.p999`, `.max` (each with the unit suffix,
//! e.g. `table.read_latency.p99_us`) and `<base>.count` (a counter of recorded events).
//! *Counter* means monotonic since node start (take two scrapes for a rate); *gauge* means a
//! current value. `NaN` is passed through (Cassandra reports a hit rate of an unused cache as
//! NaN).
//!
//! Dialects (see `cassandra.md` §4): **(a)** Prometheus JMX exporter with casstune's /
//! jmx_exporter's example rules (`cassandra_<type>_<name>`, `tools/cassandra/jmx-exporter.yaml`,
//! µs); **(b)** JMX exporter without rules (`org_apache_cassandra_metrics_<type>_<attribute>`
//! with `name`/`scope` labels, µs); **(c)** MCAC (`mcac_*`, µs buckets); **(d)** Instaclustr
//! (zegelin) cassandra-exporter (`cassandra_*`, summaries in seconds, converted ×10⁶).
//! JVM and process metrics of the JMX exporter's own collector are read in (a), (b) and when
//! the dialect is unknown. (c) and (d) mappings follow the names documented in `cassandra.md`;
//! no real scrape of them was available.
//!
//! | Name | Unit | Kind | Scope | Meaning | Sources |
//! |---|---|---|---|---|---|
//! | `table.read_latency.{p50…p999,max}_us`, `.count` | µs | gauge / counter | keyspace, table | Local (replica) read latency | (a) `cassandra_table_readlatency{_quantile,_max,}` (b) `…_table_{50th…999thpercentile,max,count}{name="ReadLatency"}` (c) `mcac_table_read_latency_bucket`/`_count` (d) `cassandra_table_operation_latency_seconds{operation="read"}` |
//! | `table.write_latency.*_us`, `.count` | µs | gauge / counter | keyspace, table | Local write latency | as above with WriteLatency / `write` |
//! | `table.range_latency.*_us`, `.count` | µs | gauge / counter | keyspace, table | Local range-scan latency | as above with RangeLatency / `range_read` |
//! | `table.sstables_per_read.*`, `.count` | count | gauge / counter | keyspace, table | SSTables touched per read | (a) `cassandra_table_sstablesperreadhistogram*` (b) `name="SSTablesPerReadHistogram"` (c) `mcac_table_ss_tables_per_read_histogram{quantile}` (d) `cassandra_table_sstables_per_read{quantile}` |
//! | `table.tombstones_scanned.*`, `.count` | count | gauge / counter | keyspace, table | Tombstones read per query | (a) `cassandra_table_tombstonescannedhistogram*` (b) `name="TombstoneScannedHistogram"` (c) `mcac_table_tombstone_scanned_histogram` (d) `cassandra_table_tombstones_scanned` |
//! | `table.live_rows_scanned.*`, `.count` | count | gauge / counter | keyspace, table | Live rows read per query | (a) `cassandra_table_livescannedhistogram*` (b) `name="LiveScannedHistogram"` (c) `mcac_table_live_scanned_histogram` (d) `cassandra_table_live_rows_scanned` |
//! | `table.pending_compactions` | count | gauge | keyspace, table | Estimated compactions to do | (a) `cassandra_table_pendingcompactions` (b) `…_table_value{name="PendingCompactions"}` (c) `mcac_table_pending_compactions` (d) `cassandra_table_estimated_pending_compactions` |
//! | `table.live_sstables` | count | gauge | keyspace, table | Live SSTables | (a) `cassandra_table_livesstablecount` (b) `name="LiveSSTableCount"` (c) `mcac_table_live_ss_table_count` |
//! | `table.max_partition_size_bytes` | bytes | gauge | keyspace, table | Largest compacted partition | (a) `cassandra_table_maxpartitionsize` (b) `name="MaxPartitionSize"` (c) `mcac_table_max_partition_size` (d) `cassandra_table_partition_size_maximum_bytes` |
//! | `table.mean_partition_size_bytes` | bytes | gauge | keyspace, table | Mean compacted partition | (a) `…_meanpartitionsize` (b) `name="MeanPartitionSize"` (c) `mcac_table_mean_partition_size` (d) `cassandra_table_partition_size_mean_bytes` |
//! | `table.estimated_partitions` | count | gauge | keyspace, table | Estimated partition count | (a) `…_estimatedpartitioncount` (b) `name="EstimatedPartitionCount"` |
//! | `table.key_cache_hit_ratio` | ratio | gauge | keyspace, table | Key cache hit ratio of the table's reads | (a) `…_keycachehitrate` (b) `name="KeyCacheHitRate"` (c) `mcac_table_key_cache_hit_rate` (d) `cassandra_table_key_cache_hit_ratio` |
//! | `table.bloom_filter_false_ratio` | ratio | gauge | keyspace, table | Bloom filter false-positive ratio | (a) `…_bloomfilterfalseratio` (b) `name="BloomFilterFalseRatio"` |
//! | `table.compression_ratio` | ratio | gauge | keyspace, table | Compressed / uncompressed size (-1: none yet) | (a) `…_compressionratio` (b) `name="CompressionRatio"` |
//! | `table.live_disk_space_bytes` | bytes | gauge | keyspace, table | Disk used by live SSTables | (a) `…_livediskspaceused` (b) `_count{name="LiveDiskSpaceUsed"}` |
//! | `table.total_disk_space_bytes` | bytes | gauge | keyspace, table | Disk used including obsolete SSTables | (a) `…_totaldiskspaceused` (b) `_count{name="TotalDiskSpaceUsed"}` |
//! | `table.speculative_retries` | count | counter | keyspace, table | Speculative retries sent | (a) `…_speculativeretries` (b) `name="SpeculativeRetries"` |
//! | `table.tombstone_warnings` | count | counter | keyspace, table | Queries over tombstone_warn_threshold | (a) `…_tombstonewarnings` (b) `name="TombstoneWarnings"` |
//! | `table.tombstone_failures` | count | counter | keyspace, table | Queries aborted at tombstone_failure_threshold | (a) `…_tombstonefailures` (b) `name="TombstoneFailures"` |
//! | `table.dropped_mutations` | count | counter | keyspace, table | Mutations dropped for the table | (b) `name="DroppedMutations"` (c) `mcac_table_dropped_mutations_total` (d) `cassandra_table_dropped_mutations_total` |
//! | `clientrequest.{read,write,range,cas_read,cas_write}.latency.*_us`, `.count` | µs | gauge / counter | – | Coordinator latency per request type | (a) `cassandra_clientrequest_latency{_quantile,_max,}{clientrequest="Read"…}` (b) `…_clientrequest_*{scope="Read",name="Latency"}` (c) `mcac_client_request_latency_bucket{request_type="read"}` (d) `cassandra_client_request_latency_seconds{operation="read"}` without `consistency` |
//! | `clientrequest.{…}.timeouts` | count | counter | – | Coordinator timeouts | (a) `cassandra_clientrequest_timeouts` (b) `name="Timeouts"` (c) `mcac_client_request_timeouts_total` (d) `cassandra_client_request_timeouts_total` |
//! | `clientrequest.{…}.unavailables` | count | counter | – | Unavailable errors | (a) `…_unavailables` (b) `name="Unavailables"` (c) `mcac_client_request_unavailables_total` (d) `cassandra_client_request_unavailable_exceptions_total` |
//! | `clientrequest.{…}.failures` | count | counter | – | Request failures | (a) `…_failures` (b) `name="Failures"` (c) `mcac_client_request_failures_total` (d) `cassandra_client_request_failures_total` |
//! | `threadpool.pending` | count | gauge | pool | Queued tasks | (a) `cassandra_threadpools_pendingtasks{threadpools}` (b) `…_threadpools_value{name="PendingTasks"}` (c) `mcac_thread_pools_pending_tasks{pool_name}` ((d) has none) |
//! | `threadpool.active` | count | gauge | pool | Running tasks | (a) `…_activetasks` (b) `name="ActiveTasks"` (c) `mcac_thread_pools_active_tasks` (d) `cassandra_thread_pool_active_tasks{pool}` |
//! | `threadpool.blocked` | count | gauge | pool | Tasks blocked now (queue full) | (a) `…_currentlyblockedtasks` (b) `name="CurrentlyBlockedTasks"` (c) `mcac_thread_pools_currently_blocked_tasks_total` (d) `cassandra_thread_pool_blocked_tasks` |
//! | `threadpool.blocked_total` | count | counter | pool | Tasks ever blocked | (a) `…_totalblockedtasks` (b) `name="TotalBlockedTasks"` (c) `mcac_thread_pools_total_blocked_tasks_total` (d) `cassandra_thread_pool_blocked_tasks_total` |
//! | `threadpool.completed` | count | counter | pool | Tasks completed | (a) `…_completedtasks` (b) `name="CompletedTasks"` (c) `mcac_thread_pools_completed_tasks` |
//! | `dropped.{mutation,counter_mutation,read,range_slice,read_repair,hint,batch_store,request_response}` | count | counter | – | Messages dropped per verb (legacy verb name preferred, else its 4.0+ `_REQ`/`_RSP` name) | (a) `cassandra_droppedmessage_dropped{droppedmessage="MUTATION"}` (b) `…_droppedmessage_count{scope="MUTATION",name="Dropped"}` (c) `mcac_dropped_message_dropped_total{message_type}` (d) `cassandra_dropped_messages_total{message_type}` |
//! | `compaction.pending_tasks` | count | gauge | – | Node-wide pending compactions | (a) `cassandra_compaction_pendingtasks` (b) `…_compaction_value{name="PendingTasks"}` (c) `mcac_compaction_pending_tasks` |
//! | `compaction.completed_tasks` | count | counter | – | Compactions completed | (a) `…_completedtasks` (b) `name="CompletedTasks"` (c) `mcac_compaction_completed_tasks` |
//! | `compaction.bytes_compacted` | bytes | counter | – | Bytes compacted | (a) `…_bytescompacted` (b) `_count{name="BytesCompacted"}` (c) `mcac_compaction_bytes_compacted_total` |
//! | `cache.{key,row,counter}.hit_ratio` | ratio | gauge | – | All-time hit ratio (derived as hits / requests when not exported) | (a) `cassandra_cache_hitrate{cache="KeyCache"}` (b) `…_cache_value{scope="KeyCache",name="HitRate"}` (c) `mcac_cache_hit_rate{cache_name}` (d) derived |
//! | `cache.{…}.hits` / `.misses` / `.requests` | count | counter | – | Cache hits, misses, requests (requests derived as hits + misses when not exported) | (a) `cassandra_cache_{hits,misses,requests}` (b) `…_cache_count{name="Hits"…}` (c) `mcac_cache_{hits,misses,requests}_total` (d) `cassandra_cache_{hits,misses,requests}_total{cache="key"}` |
//! | `cache.{…}.size_bytes` / `.capacity_bytes` | bytes | gauge | – | Cache weight and capacity | (a) `cassandra_cache_{size,capacity}` (b) `…_cache_value{name="Size"…}` (c) `mcac_cache_{size,capacity}` |
//! | `storage.hints_total` | count | counter | – | Hints written by this node | (a) `cassandra_storage_totalhints` (b) `…_storage_count{name="TotalHints"}` (c) `mcac_storage_total_hints_total` (d) `cassandra_storage_hints_total` |
//! | `storage.hints_in_progress` | count | gauge | – | Hints being written now | (a) `…_totalhintsinprogress` (b) `name="TotalHintsInProgress"` (c) `mcac_storage_total_hints_in_progress` (d) `cassandra_storage_hints_in_progress` |
//! | `storage.load_bytes` | bytes | gauge | – | Data on disk owned by the node | (a) `cassandra_storage_load` (b) `…_storage_count{name="Load"}` (c) `mcac_storage_load` |
//! | `storage.exceptions_total` | count | counter | – | Internal exceptions | (a) `cassandra_storage_exceptions` (b) `name="Exceptions"` (c) `mcac_storage_exceptions_total` |
//! | `hints.failed_total` / `hints.timed_out_total` | count | counter | – | Hint deliveries failed / timed out | (a) `cassandra_hintsservice_hintsfailed` / `…_hintstimedout` (b) `…_hintsservice_count{name="HintsFailed"}` (c) `mcac_hints_hints_failed_total` / `…_timed_out_total` |
//! | `client.native_connections` | count | gauge | – | Connected CQL clients | (a) `cassandra_client_connectednativeclients` (b) `…_client_value{name="connectedNativeClients"}` (c) `mcac_client_connected_native_clients` |
//! | `jvm.heap.used_bytes` | bytes | gauge | – | Heap in use | JMX exporter `jvm_memory_used_bytes{area="heap"}` (old: `jvm_memory_bytes_used`) (c) `mcac_jvm_memory_used{memory_type="heap"}` (d) sum of `cassandra_jvm_memory_pool_used_bytes{type="heap"}` |
//! | `jvm.heap.max_bytes` | bytes | gauge | – | Heap maximum (-Xmx) | `jvm_memory_max_bytes{area="heap"}` (old: `jvm_memory_bytes_max`) (c) `mcac_jvm_memory_max{memory_type="heap"}` |
//! | `jvm.heap.committed_bytes` | bytes | gauge | – | Heap committed | `jvm_memory_committed_bytes{area="heap"}` (old: `jvm_memory_bytes_committed`) |
//! | `jvm.gc.time_seconds_total` | s | counter | gc | Time spent in a collector | `jvm_gc_collection_seconds_sum{gc}` (c) `mcac_jvm_gc_time{collector_type}` (ms, ×10⁻³) (d) `cassandra_jvm_gc_estimated_collection_duration_seconds_total{collector}` |
//! | `jvm.gc.collections_total` | count | counter | gc | Collections run | `jvm_gc_collection_seconds_count{gc}` (c) `mcac_jvm_gc_count` (d) `cassandra_jvm_gc_collection_count{collector}` |
//! | `jvm.memory_pool.used_bytes` / `.max_bytes` | bytes | gauge | memory_pool | Per pool (G1 Old Gen, Metaspace, …) | `jvm_memory_pool_used_bytes{pool}` (old: `jvm_memory_pool_bytes_used`) (d) `cassandra_jvm_memory_pool_used_bytes` / `_maximum_bytes` |
//! | `process.open_fds` / `process.max_fds` | count | gauge | – | File descriptors open / allowed | `process_open_fds`, `process_max_fds` |
//! | `process.cpu_seconds_total` | s | counter | – | CPU time of the Cassandra process | `process_cpu_seconds_total` |
//! | `process.resident_memory_bytes` | bytes | gauge | – | Resident set size of the process | `process_resident_memory_bytes` |
//!
//! Not mapped: per-consistency-level client request series (`Read-QUORUM`, …), keyspace and
//! global roll-ups of table metrics (no `keyspace`/`table` labels), and the `ColumnFamily`
//! alias of table metrics.

use std::sync::OnceLock;

/// The unit of a vocabulary value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricUnit {
    Microseconds,
    Seconds,
    Bytes,
    /// 0..1 (may be NaN, or -1 for "not computed yet" as Cassandra reports it).
    Ratio,
    /// A dimensionless number: tasks, SSTables, messages, events.
    Count,
}

impl MetricUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            MetricUnit::Microseconds => "us",
            MetricUnit::Seconds => "s",
            MetricUnit::Bytes => "bytes",
            MetricUnit::Ratio => "ratio",
            MetricUnit::Count => "count",
        }
    }
}

/// Whether a value is a current level or a monotonic total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueKind {
    Gauge,
    Counter,
}

/// One name of the vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VocabEntry {
    pub name: &'static str,
    pub unit: MetricUnit,
    pub kind: ValueKind,
    /// The scope labels a metric of this name carries, in this order.
    pub scope: &'static [&'static str],
    pub meaning: &'static str,
}

/// One statistic of a distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stat {
    P50,
    P75,
    P95,
    P98,
    P99,
    P999,
    Max,
    Count,
}

impl Stat {
    /// The quantiles Cassandra's metrics library reports, in order.
    pub const QUANTILES: [(f64, Stat); 6] = [
        (0.5, Stat::P50),
        (0.75, Stat::P75),
        (0.95, Stat::P95),
        (0.98, Stat::P98),
        (0.99, Stat::P99),
        (0.999, Stat::P999),
    ];

    pub fn from_quantile(q: f64) -> Option<Stat> {
        Self::QUANTILES
            .iter()
            .find(|(v, _)| (v - q).abs() < 1e-9)
            .map(|&(_, s)| s)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A distribution: eight names sharing a base, unit and scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Distribution {
    pub base: &'static str,
    /// Unit of the quantiles and max; `.count` is always [`MetricUnit::Count`].
    pub unit: MetricUnit,
    pub scope: &'static [&'static str],
    pub meaning: &'static str,
    names: [&'static str; 8],
}

impl Distribution {
    /// The vocabulary name of one statistic, e.g. `table.read_latency.p99_us`.
    pub fn name(&self, stat: Stat) -> &'static str {
        self.names[stat.index()]
    }

    fn entries(&'static self) -> impl Iterator<Item = VocabEntry> {
        let stats = [
            Stat::P50,
            Stat::P75,
            Stat::P95,
            Stat::P98,
            Stat::P99,
            Stat::P999,
            Stat::Max,
            Stat::Count,
        ];
        stats.into_iter().map(move |s| VocabEntry {
            name: self.name(s),
            unit: if s == Stat::Count {
                MetricUnit::Count
            } else {
                self.unit
            },
            kind: if s == Stat::Count {
                ValueKind::Counter
            } else {
                ValueKind::Gauge
            },
            scope: self.scope,
            meaning: self.meaning,
        })
    }
}

macro_rules! distribution {
    ($id:ident, $base:literal, $sfx:literal, $unit:expr, $scope:expr, $meaning:literal) => {
        pub const $id: Distribution = Distribution {
            base: $base,
            unit: $unit,
            scope: $scope,
            meaning: $meaning,
            names: [
                concat!($base, ".p50", $sfx),
                concat!($base, ".p75", $sfx),
                concat!($base, ".p95", $sfx),
                concat!($base, ".p98", $sfx),
                concat!($base, ".p99", $sfx),
                concat!($base, ".p999", $sfx),
                concat!($base, ".max", $sfx),
                concat!($base, ".count"),
            ],
        };
    };
}

/// Scope of per-table metrics.
pub const TABLE: &[&str] = &["keyspace", "table"];
/// Node-wide metrics.
pub const NODE: &[&str] = &[];
/// Per thread pool.
pub const POOL: &[&str] = &["pool"];
/// Per garbage collector.
pub const GC: &[&str] = &["gc"];
/// Per JVM memory pool.
pub const MEMORY_POOL: &[&str] = &["memory_pool"];

use MetricUnit::{Bytes, Count, Microseconds as Us, Ratio, Seconds};
use ValueKind::{Counter, Gauge};

distribution!(
    TABLE_READ_LATENCY,
    "table.read_latency",
    "_us",
    Us,
    TABLE,
    "local read latency"
);
distribution!(
    TABLE_WRITE_LATENCY,
    "table.write_latency",
    "_us",
    Us,
    TABLE,
    "local write latency"
);
distribution!(
    TABLE_RANGE_LATENCY,
    "table.range_latency",
    "_us",
    Us,
    TABLE,
    "local range-scan latency"
);
distribution!(
    TABLE_SSTABLES_PER_READ,
    "table.sstables_per_read",
    "",
    Count,
    TABLE,
    "SSTables touched per read"
);
distribution!(
    TABLE_TOMBSTONES_SCANNED,
    "table.tombstones_scanned",
    "",
    Count,
    TABLE,
    "tombstones read per query"
);
distribution!(
    TABLE_LIVE_ROWS_SCANNED,
    "table.live_rows_scanned",
    "",
    Count,
    TABLE,
    "live rows read per query"
);
distribution!(
    CR_READ_LATENCY,
    "clientrequest.read.latency",
    "_us",
    Us,
    NODE,
    "coordinator read latency"
);
distribution!(
    CR_WRITE_LATENCY,
    "clientrequest.write.latency",
    "_us",
    Us,
    NODE,
    "coordinator write latency"
);
distribution!(
    CR_RANGE_LATENCY,
    "clientrequest.range.latency",
    "_us",
    Us,
    NODE,
    "coordinator range-slice latency"
);
distribution!(
    CR_CAS_READ_LATENCY,
    "clientrequest.cas_read.latency",
    "_us",
    Us,
    NODE,
    "coordinator CAS read latency"
);
distribution!(
    CR_CAS_WRITE_LATENCY,
    "clientrequest.cas_write.latency",
    "_us",
    Us,
    NODE,
    "coordinator CAS write latency"
);

/// All distributions.
pub const DISTRIBUTIONS: [&Distribution; 11] = [
    &TABLE_READ_LATENCY,
    &TABLE_WRITE_LATENCY,
    &TABLE_RANGE_LATENCY,
    &TABLE_SSTABLES_PER_READ,
    &TABLE_TOMBSTONES_SCANNED,
    &TABLE_LIVE_ROWS_SCANNED,
    &CR_READ_LATENCY,
    &CR_WRITE_LATENCY,
    &CR_RANGE_LATENCY,
    &CR_CAS_READ_LATENCY,
    &CR_CAS_WRITE_LATENCY,
];

const fn e(
    name: &'static str,
    unit: MetricUnit,
    kind: ValueKind,
    scope: &'static [&'static str],
    meaning: &'static str,
) -> VocabEntry {
    VocabEntry {
        name,
        unit,
        kind,
        scope,
        meaning,
    }
}

macro_rules! request_counters {
    ($base:literal) => {
        [
            e(
                concat!($base, ".timeouts"),
                Count,
                Counter,
                NODE,
                "coordinator timeouts",
            ),
            e(
                concat!($base, ".unavailables"),
                Count,
                Counter,
                NODE,
                "unavailable errors",
            ),
            e(
                concat!($base, ".failures"),
                Count,
                Counter,
                NODE,
                "request failures",
            ),
        ]
    };
}

macro_rules! cache_entries {
    ($base:literal) => {
        [
            e(
                concat!($base, ".hit_ratio"),
                Ratio,
                Gauge,
                NODE,
                "all-time hit ratio",
            ),
            e(concat!($base, ".hits"), Count, Counter, NODE, "cache hits"),
            e(
                concat!($base, ".misses"),
                Count,
                Counter,
                NODE,
                "cache misses",
            ),
            e(
                concat!($base, ".requests"),
                Count,
                Counter,
                NODE,
                "cache requests",
            ),
            e(
                concat!($base, ".size_bytes"),
                Bytes,
                Gauge,
                NODE,
                "weight of the entries",
            ),
            e(
                concat!($base, ".capacity_bytes"),
                Bytes,
                Gauge,
                NODE,
                "configured capacity",
            ),
        ]
    };
}

const TABLE_SCALARS: [VocabEntry; 14] = [
    e(
        "table.pending_compactions",
        Count,
        Gauge,
        TABLE,
        "estimated compactions to do",
    ),
    e("table.live_sstables", Count, Gauge, TABLE, "live SSTables"),
    e(
        "table.max_partition_size_bytes",
        Bytes,
        Gauge,
        TABLE,
        "largest compacted partition",
    ),
    e(
        "table.mean_partition_size_bytes",
        Bytes,
        Gauge,
        TABLE,
        "mean compacted partition",
    ),
    e(
        "table.estimated_partitions",
        Count,
        Gauge,
        TABLE,
        "estimated partition count",
    ),
    e(
        "table.key_cache_hit_ratio",
        Ratio,
        Gauge,
        TABLE,
        "key cache hit ratio of the table",
    ),
    e(
        "table.bloom_filter_false_ratio",
        Ratio,
        Gauge,
        TABLE,
        "bloom filter false-positive ratio",
    ),
    e(
        "table.compression_ratio",
        Ratio,
        Gauge,
        TABLE,
        "compressed / uncompressed size",
    ),
    e(
        "table.live_disk_space_bytes",
        Bytes,
        Gauge,
        TABLE,
        "disk used by live SSTables",
    ),
    e(
        "table.total_disk_space_bytes",
        Bytes,
        Gauge,
        TABLE,
        "disk used including obsolete SSTables",
    ),
    e(
        "table.speculative_retries",
        Count,
        Counter,
        TABLE,
        "speculative retries",
    ),
    e(
        "table.tombstone_warnings",
        Count,
        Counter,
        TABLE,
        "queries over the tombstone warn threshold",
    ),
    e(
        "table.tombstone_failures",
        Count,
        Counter,
        TABLE,
        "queries aborted on tombstones",
    ),
    e(
        "table.dropped_mutations",
        Count,
        Counter,
        TABLE,
        "mutations dropped for the table",
    ),
];

const CR_READ: [VocabEntry; 3] = request_counters!("clientrequest.read");
const CR_WRITE: [VocabEntry; 3] = request_counters!("clientrequest.write");
const CR_RANGE: [VocabEntry; 3] = request_counters!("clientrequest.range");
const CR_CAS_READ: [VocabEntry; 3] = request_counters!("clientrequest.cas_read");
const CR_CAS_WRITE: [VocabEntry; 3] = request_counters!("clientrequest.cas_write");

const CACHE_KEY: [VocabEntry; 6] = cache_entries!("cache.key");
const CACHE_ROW: [VocabEntry; 6] = cache_entries!("cache.row");
const CACHE_COUNTER: [VocabEntry; 6] = cache_entries!("cache.counter");

const NODE_SCALARS: [VocabEntry; 34] = [
    e("threadpool.pending", Count, Gauge, POOL, "queued tasks"),
    e("threadpool.active", Count, Gauge, POOL, "running tasks"),
    e(
        "threadpool.blocked",
        Count,
        Gauge,
        POOL,
        "tasks blocked now",
    ),
    e(
        "threadpool.blocked_total",
        Count,
        Counter,
        POOL,
        "tasks ever blocked",
    ),
    e(
        "threadpool.completed",
        Count,
        Counter,
        POOL,
        "tasks completed",
    ),
    e(
        "dropped.mutation",
        Count,
        Counter,
        NODE,
        "dropped MUTATION messages",
    ),
    e(
        "dropped.counter_mutation",
        Count,
        Counter,
        NODE,
        "dropped COUNTER_MUTATION messages",
    ),
    e(
        "dropped.read",
        Count,
        Counter,
        NODE,
        "dropped READ messages",
    ),
    e(
        "dropped.range_slice",
        Count,
        Counter,
        NODE,
        "dropped RANGE_SLICE messages",
    ),
    e(
        "dropped.read_repair",
        Count,
        Counter,
        NODE,
        "dropped READ_REPAIR messages",
    ),
    e(
        "dropped.hint",
        Count,
        Counter,
        NODE,
        "dropped HINT messages",
    ),
    e(
        "dropped.batch_store",
        Count,
        Counter,
        NODE,
        "dropped BATCH_STORE messages",
    ),
    e(
        "dropped.request_response",
        Count,
        Counter,
        NODE,
        "dropped REQUEST_RESPONSE messages",
    ),
    e(
        "compaction.pending_tasks",
        Count,
        Gauge,
        NODE,
        "node-wide pending compactions",
    ),
    e(
        "compaction.completed_tasks",
        Count,
        Counter,
        NODE,
        "compactions completed",
    ),
    e(
        "compaction.bytes_compacted",
        Bytes,
        Counter,
        NODE,
        "bytes compacted",
    ),
    e("storage.hints_total", Count, Counter, NODE, "hints written"),
    e(
        "storage.hints_in_progress",
        Count,
        Gauge,
        NODE,
        "hints being written",
    ),
    e("storage.load_bytes", Bytes, Gauge, NODE, "data on disk"),
    e(
        "storage.exceptions_total",
        Count,
        Counter,
        NODE,
        "internal exceptions",
    ),
    e(
        "hints.failed_total",
        Count,
        Counter,
        NODE,
        "hint deliveries failed",
    ),
    e(
        "hints.timed_out_total",
        Count,
        Counter,
        NODE,
        "hint deliveries timed out",
    ),
    e(
        "client.native_connections",
        Count,
        Gauge,
        NODE,
        "connected CQL clients",
    ),
    e("jvm.heap.used_bytes", Bytes, Gauge, NODE, "heap in use"),
    e("jvm.heap.max_bytes", Bytes, Gauge, NODE, "heap maximum"),
    e(
        "jvm.heap.committed_bytes",
        Bytes,
        Gauge,
        NODE,
        "heap committed",
    ),
    e(
        "jvm.gc.time_seconds_total",
        Seconds,
        Counter,
        GC,
        "time spent in the collector",
    ),
    e(
        "jvm.gc.collections_total",
        Count,
        Counter,
        GC,
        "collections run",
    ),
    e(
        "jvm.memory_pool.used_bytes",
        Bytes,
        Gauge,
        MEMORY_POOL,
        "memory pool in use",
    ),
    e(
        "jvm.memory_pool.max_bytes",
        Bytes,
        Gauge,
        MEMORY_POOL,
        "memory pool maximum",
    ),
    e(
        "process.open_fds",
        Count,
        Gauge,
        NODE,
        "open file descriptors",
    ),
    e(
        "process.max_fds",
        Count,
        Gauge,
        NODE,
        "file descriptor limit",
    ),
    e(
        "process.cpu_seconds_total",
        Seconds,
        Counter,
        NODE,
        "CPU time used",
    ),
    e(
        "process.resident_memory_bytes",
        Bytes,
        Gauge,
        NODE,
        "resident set size",
    ),
];

/// The whole vocabulary, distributions expanded, in a stable order.
pub fn vocabulary() -> &'static [VocabEntry] {
    static ALL: OnceLock<Vec<VocabEntry>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<VocabEntry> = DISTRIBUTIONS.iter().flat_map(|d| d.entries()).collect();
        let groups: [&[VocabEntry]; 10] = [
            &TABLE_SCALARS,
            &CR_READ,
            &CR_WRITE,
            &CR_RANGE,
            &CR_CAS_READ,
            &CR_CAS_WRITE,
            &CACHE_KEY,
            &CACHE_ROW,
            &CACHE_COUNTER,
            &NODE_SCALARS,
        ];
        for g in groups {
            v.extend_from_slice(g);
        }
        v
    })
}

/// The entry for a vocabulary name.
pub fn lookup(name: &str) -> Option<&'static VocabEntry> {
    vocabulary().iter().find(|e| e.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_and_units_match_suffixes() {
        let mut seen = HashSet::new();
        for e in vocabulary() {
            assert!(seen.insert(e.name), "duplicate {}", e.name);
            if e.name.ends_with("_us") {
                assert_eq!(e.unit, MetricUnit::Microseconds, "{}", e.name);
            }
            if e.name.ends_with("_bytes") {
                assert_eq!(e.unit, MetricUnit::Bytes, "{}", e.name);
            }
        }
        assert_eq!(
            TABLE_READ_LATENCY.name(Stat::P99),
            "table.read_latency.p99_us"
        );
        assert_eq!(
            TABLE_SSTABLES_PER_READ.name(Stat::P99),
            "table.sstables_per_read.p99"
        );
        assert_eq!(
            CR_READ_LATENCY.name(Stat::Count),
            "clientrequest.read.latency.count"
        );
    }

    #[test]
    fn module_doc_lists_every_name() {
        // The doc table abbreviates groups (`cache.{key,row,counter}.hit_ratio`): check that
        // each dot-separated part of every name appears in it.
        let doc: String = include_str!("vocab.rs")
            .lines()
            .filter(|l| l.starts_with("//!"))
            .collect::<Vec<_>>()
            .join("\n");
        let dist_names: HashSet<&str> = DISTRIBUTIONS
            .iter()
            .flat_map(|d| d.entries().map(|e| e.name))
            .collect();
        let bases = DISTRIBUTIONS.iter().map(|d| d.base);
        let scalars = vocabulary()
            .iter()
            .map(|e| e.name)
            .filter(|n| !dist_names.contains(n));
        for name in bases.chain(scalars) {
            for part in name.split('.') {
                assert!(doc.contains(part), "doc misses {name} ({part})");
            }
        }
    }
}
