//! Per-exporter mapping rules from sample names to the vocabulary.
//!
//! The two JMX-exporter dialects are generated from one list of Cassandra MBeans ([`BEANS`]),
//! so a metric added there is read from both namings. MCAC and cassandra-exporter rules are
//! written out, from the names `cassandra.md` §4 documents.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::vocab::{self, Distribution, Stat};

/// Which exporter produced a scrape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Prometheus JMX exporter with jmx_exporter's example Cassandra rules
    /// (`cassandra_<type>_<name>`), as casstune's own test node runs it.
    JmxExporter,
    /// Prometheus JMX exporter with no rules (`org_apache_cassandra_metrics_<type>_<attr>`).
    JmxExporterRaw,
    /// DataStax Metric Collector for Apache Cassandra (`mcac_*`).
    Mcac,
    /// Instaclustr (zegelin) cassandra-exporter (`cassandra_*`, seconds).
    CassandraExporter,
    /// ScyllaDB's native endpoint (`scylla_*`): recognised, not normalised.
    Scylla,
    /// Nothing recognised; only the generic JVM/process metrics are read.
    Unknown,
}

impl Dialect {
    /// Dialects with Cassandra rules, in tie-break order.
    pub const MAPPED: [Dialect; 4] = [
        Dialect::JmxExporter,
        Dialect::JmxExporterRaw,
        Dialect::Mcac,
        Dialect::CassandraExporter,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::JmxExporter => "jmx-exporter",
            Dialect::JmxExporterRaw => "jmx-exporter-raw",
            Dialect::Mcac => "mcac",
            Dialect::CassandraExporter => "cassandra-exporter",
            Dialect::Scylla => "scylla",
            Dialect::Unknown => "unknown",
        }
    }
}

/// A condition on one label.
#[derive(Debug, Clone)]
pub(crate) enum Cond {
    /// The label equals the value, ignoring ASCII case (exporters differ: `Read` / `read`).
    Eq(&'static str, &'static str),
    /// The label is absent (e.g. the all-consistency-levels series of cassandra-exporter).
    Absent(&'static str),
}

/// What a matching sample becomes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    /// The value itself.
    Scalar(&'static str),
    /// One fixed statistic of a distribution.
    Stat(&'static Distribution, Stat),
    /// The statistic named by the sample's `quantile` label.
    Quantile(&'static Distribution),
    /// A cumulative `le` bucket; quantiles are computed per series afterwards.
    Buckets(&'static Distribution),
    /// Summed over all matching series (e.g. heap = sum of heap pools).
    Sum(&'static str),
}

#[derive(Debug, Clone)]
pub(crate) struct Rule {
    /// Sample name, lower case.
    pub source: String,
    pub conds: Vec<Cond>,
    /// (vocabulary scope label, source label); a sample without the source label is skipped.
    pub scope: Vec<(&'static str, &'static str)>,
    pub target: Target,
    /// Factor into the vocabulary unit.
    pub scale: f64,
    /// False for rules shared by several exporters (JVM, process), which must not decide
    /// the dialect.
    pub identifies: bool,
}

impl Rule {
    fn new(source: impl Into<String>, target: Target) -> Self {
        Rule {
            source: source.into(),
            conds: Vec::new(),
            scope: Vec::new(),
            target,
            scale: 1.0,
            identifies: true,
        }
    }
    fn when(mut self, label: &'static str, value: &'static str) -> Self {
        self.conds.push(Cond::Eq(label, value));
        self
    }
    fn absent(mut self, label: &'static str) -> Self {
        self.conds.push(Cond::Absent(label));
        self
    }
    fn scope(mut self, key: &'static str, label: &'static str) -> Self {
        self.scope.push((key, label));
        self
    }
    fn table(self, keyspace: &'static str, table: &'static str) -> Self {
        self.scope("keyspace", keyspace).scope("table", table)
    }
    fn scale(mut self, f: f64) -> Self {
        self.scale = f;
        self
    }
    fn generic(mut self) -> Self {
        self.identifies = false;
        self
    }
}

/// A dialect's rules, indexed by sample name.
pub(crate) struct RuleSet {
    pub rules: Vec<Rule>,
    index: HashMap<String, Vec<usize>>,
}

impl RuleSet {
    fn new(rules: Vec<Rule>) -> Self {
        let mut index: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            // Counter names with and without `_total` both occur (exporter versions, relabel
            // configs); a rule matches either spelling.
            let alt = match r.source.strip_suffix("_total") {
                Some(base) => base.to_string(),
                None => format!("{}_total", r.source),
            };
            for key in [r.source.clone(), alt] {
                let v = index.entry(key).or_default();
                if !v.contains(&i) {
                    v.push(i);
                }
            }
        }
        RuleSet { rules, index }
    }

    /// Rules for a lower-case sample name, in rule order (earlier rules win a tie).
    pub fn for_name(&self, name: &str) -> &[usize] {
        self.index.get(name).map_or(&[], Vec::as_slice)
    }
}

/// The rules of a dialect (built once).
pub(crate) fn rules(d: Dialect) -> &'static RuleSet {
    static SETS: OnceLock<HashMap<Dialect, RuleSet>> = OnceLock::new();
    let sets = SETS.get_or_init(|| {
        [
            (Dialect::JmxExporter, jmx_rules(JmxNaming::Example)),
            (Dialect::JmxExporterRaw, jmx_rules(JmxNaming::Raw)),
            (Dialect::Mcac, mcac_rules()),
            (Dialect::CassandraExporter, cassandra_exporter_rules()),
            (Dialect::Scylla, Vec::new()),
            (Dialect::Unknown, jvm_rules()),
        ]
        .into_iter()
        .map(|(d, r)| (d, RuleSet::new(r)))
        .collect()
    });
    // Every variant is inserted above.
    &sets[&d]
}

// ---------------------------------------------------------------------------------------
// JMX MBeans, read through either JMX-exporter naming.

/// The JMX attribute a scalar is exported from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Attr {
    Count,
    Value,
}

#[derive(Clone, Copy)]
enum What {
    Scalar(&'static str, Attr),
    /// A Timer or Histogram: Count, percentiles, Max.
    Dist(&'static Distribution),
}

#[derive(Clone, Copy)]
enum BeanScope {
    /// No `scope=` key property.
    None,
    /// `type=Table,keyspace=K,scope=T`.
    Table,
    /// A fixed `scope=` value selects the metric (`scope=Read`, `scope=KeyCache`).
    Fixed(&'static str),
    /// `scope=` becomes this vocabulary scope label (`scope=ReadStage` → pool).
    As(&'static str),
}

/// `org.apache.cassandra.metrics:type=<ty>[,scope=…],name=<name>`.
#[derive(Clone, Copy)]
struct Bean {
    ty: &'static str,
    scope: BeanScope,
    name: &'static str,
    what: What,
}

const fn bean(ty: &'static str, scope: BeanScope, name: &'static str, what: What) -> Bean {
    Bean {
        ty,
        scope,
        name,
        what,
    }
}

const fn table(name: &'static str, what: What) -> Bean {
    bean("Table", BeanScope::Table, name, what)
}

use Attr::{Count as C, Value as V};
use BeanScope::{As, Fixed, None as NoScope};
use What::{Dist, Scalar};

const TABLE_BEANS: [Bean; 20] = [
    table("ReadLatency", Dist(&vocab::TABLE_READ_LATENCY)),
    table("WriteLatency", Dist(&vocab::TABLE_WRITE_LATENCY)),
    table("RangeLatency", Dist(&vocab::TABLE_RANGE_LATENCY)),
    table(
        "SSTablesPerReadHistogram",
        Dist(&vocab::TABLE_SSTABLES_PER_READ),
    ),
    table(
        "TombstoneScannedHistogram",
        Dist(&vocab::TABLE_TOMBSTONES_SCANNED),
    ),
    table(
        "LiveScannedHistogram",
        Dist(&vocab::TABLE_LIVE_ROWS_SCANNED),
    ),
    table("PendingCompactions", Scalar("table.pending_compactions", V)),
    table("LiveSSTableCount", Scalar("table.live_sstables", V)),
    table(
        "MaxPartitionSize",
        Scalar("table.max_partition_size_bytes", V),
    ),
    table(
        "MeanPartitionSize",
        Scalar("table.mean_partition_size_bytes", V),
    ),
    table(
        "EstimatedPartitionCount",
        Scalar("table.estimated_partitions", V),
    ),
    table("KeyCacheHitRate", Scalar("table.key_cache_hit_ratio", V)),
    table(
        "BloomFilterFalseRatio",
        Scalar("table.bloom_filter_false_ratio", V),
    ),
    table("CompressionRatio", Scalar("table.compression_ratio", V)),
    table(
        "LiveDiskSpaceUsed",
        Scalar("table.live_disk_space_bytes", C),
    ),
    table(
        "TotalDiskSpaceUsed",
        Scalar("table.total_disk_space_bytes", C),
    ),
    table("SpeculativeRetries", Scalar("table.speculative_retries", C)),
    table("TombstoneWarnings", Scalar("table.tombstone_warnings", C)),
    table("TombstoneFailures", Scalar("table.tombstone_failures", C)),
    table("DroppedMutations", Scalar("table.dropped_mutations", C)),
];

/// Client request scopes: (JMX scope, latency distribution, counters' base name).
const REQUESTS: [(&str, &Distribution, &str); 5] = [
    ("Read", &vocab::CR_READ_LATENCY, "clientrequest.read"),
    ("Write", &vocab::CR_WRITE_LATENCY, "clientrequest.write"),
    (
        "RangeSlice",
        &vocab::CR_RANGE_LATENCY,
        "clientrequest.range",
    ),
    (
        "CASRead",
        &vocab::CR_CAS_READ_LATENCY,
        "clientrequest.cas_read",
    ),
    (
        "CASWrite",
        &vocab::CR_CAS_WRITE_LATENCY,
        "clientrequest.cas_write",
    ),
];

/// Dropped-message verbs: the legacy name first, so it wins over its 4.0+ alias.
const DROPPED: [(&str, &str); 16] = [
    ("MUTATION", "dropped.mutation"),
    ("MUTATION_REQ", "dropped.mutation"),
    ("COUNTER_MUTATION", "dropped.counter_mutation"),
    ("COUNTER_MUTATION_REQ", "dropped.counter_mutation"),
    ("READ", "dropped.read"),
    ("READ_REQ", "dropped.read"),
    ("RANGE_SLICE", "dropped.range_slice"),
    ("RANGE_REQ", "dropped.range_slice"),
    ("READ_REPAIR", "dropped.read_repair"),
    ("READ_REPAIR_REQ", "dropped.read_repair"),
    ("HINT", "dropped.hint"),
    ("HINT_REQ", "dropped.hint"),
    ("BATCH_STORE", "dropped.batch_store"),
    ("BATCH_STORE_REQ", "dropped.batch_store"),
    ("REQUEST_RESPONSE", "dropped.request_response"),
    ("REQUEST_RSP", "dropped.request_response"),
];

/// Caches: (JMX scope, vocabulary base).
const CACHES: [(&str, &str); 3] = [
    ("KeyCache", "cache.key"),
    ("RowCache", "cache.row"),
    ("CounterCache", "cache.counter"),
];

/// Leaks a generated name: the vocabulary hands out `&'static str`, and these are built
/// once per process (rule sets live in a `OnceLock`).
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Every bean casstune reads.
fn beans() -> Vec<Bean> {
    let mut v = TABLE_BEANS.to_vec();
    for (scope, dist, base) in REQUESTS {
        v.push(bean("ClientRequest", Fixed(scope), "Latency", Dist(dist)));
        for (name, leaf) in [
            ("Timeouts", "timeouts"),
            ("Unavailables", "unavailables"),
            ("Failures", "failures"),
        ] {
            let target = vocab_name(&format!("{base}.{leaf}"));
            v.push(bean("ClientRequest", Fixed(scope), name, Scalar(target, C)));
        }
    }
    let pools = [
        ("PendingTasks", "threadpool.pending", V),
        ("ActiveTasks", "threadpool.active", V),
        ("CurrentlyBlockedTasks", "threadpool.blocked", C),
        ("TotalBlockedTasks", "threadpool.blocked_total", C),
        ("CompletedTasks", "threadpool.completed", V),
    ];
    for (name, target, attr) in pools {
        v.push(bean("ThreadPools", As("pool"), name, Scalar(target, attr)));
    }
    for (verb, target) in DROPPED {
        v.push(bean(
            "DroppedMessage",
            Fixed(verb),
            "Dropped",
            Scalar(target, C),
        ));
    }
    for (scope, base) in CACHES {
        let fields = [
            ("HitRate", "hit_ratio", V),
            ("Hits", "hits", C),
            ("Misses", "misses", C),
            ("Requests", "requests", C),
            ("Size", "size_bytes", V),
            ("Capacity", "capacity_bytes", V),
        ];
        for (name, leaf, attr) in fields {
            let target = vocab_name(&format!("{base}.{leaf}"));
            v.push(bean("Cache", Fixed(scope), name, Scalar(target, attr)));
        }
    }
    let node = [
        ("Compaction", "PendingTasks", "compaction.pending_tasks", V),
        (
            "Compaction",
            "CompletedTasks",
            "compaction.completed_tasks",
            V,
        ),
        (
            "Compaction",
            "BytesCompacted",
            "compaction.bytes_compacted",
            C,
        ),
        ("Storage", "TotalHints", "storage.hints_total", C),
        (
            "Storage",
            "TotalHintsInProgress",
            "storage.hints_in_progress",
            C,
        ),
        ("Storage", "Load", "storage.load_bytes", C),
        ("Storage", "Exceptions", "storage.exceptions_total", C),
        ("HintsService", "HintsFailed", "hints.failed_total", C),
        ("HintsService", "HintsTimedOut", "hints.timed_out_total", C),
        (
            "Client",
            "connectedNativeClients",
            "client.native_connections",
            V,
        ),
    ];
    for (ty, name, target, attr) in node {
        v.push(bean(ty, NoScope, name, Scalar(target, attr)));
    }
    v
}

/// The `&'static` vocabulary name equal to `s` (falls back to a leaked copy, which the
/// vocabulary tests would flag as an unknown name).
fn vocab_name(s: &str) -> &'static str {
    vocab::lookup(s).map_or_else(|| leak(s.to_string()), |e| e.name)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum JmxNaming {
    /// `cassandra_<type>_<name>{<type>="<scope>"}`, `_quantile{quantile}`, `_max`.
    Example,
    /// `org_apache_cassandra_metrics_<type>_<attribute>{scope, name}`.
    Raw,
}

/// The percentile attributes of a JMX Timer/Histogram, as the raw naming lowercases them.
const PERCENTILE_ATTRS: [(&str, Stat); 7] = [
    ("50thpercentile", Stat::P50),
    ("75thpercentile", Stat::P75),
    ("95thpercentile", Stat::P95),
    ("98thpercentile", Stat::P98),
    ("99thpercentile", Stat::P99),
    ("999thpercentile", Stat::P999),
    ("max", Stat::Max),
];

fn jmx_rules(naming: JmxNaming) -> Vec<Rule> {
    let mut rules = Vec::new();
    for b in beans() {
        match naming {
            JmxNaming::Example => example_rules(&b, &mut rules),
            JmxNaming::Raw => raw_rules(&b, &mut rules),
        }
    }
    rules.extend(jvm_rules());
    rules
}

/// Adds the conditions and scope a bean's `scope=` maps to, for a given label carrying it.
fn with_scope(rule: Rule, b: &Bean, scope_label: &'static str, table_label: &'static str) -> Rule {
    match b.scope {
        BeanScope::None => rule,
        BeanScope::Table => rule.table("keyspace", table_label),
        BeanScope::Fixed(v) => rule.when(scope_label, v),
        BeanScope::As(key) => rule.scope(key, scope_label),
    }
}

fn example_rules(b: &Bean, out: &mut Vec<Rule>) {
    let base = format!("cassandra_{}_{}", b.ty, b.name).to_ascii_lowercase();
    // The example config labels the scope with the lowercased type name.
    let scope_label = leak(b.ty.to_ascii_lowercase());
    let mk =
        |source: String, target| with_scope(Rule::new(source, target), b, scope_label, "table");
    match b.what {
        What::Scalar(name, _) => out.push(mk(base, Target::Scalar(name))),
        What::Dist(d) => {
            out.push(mk(format!("{base}_quantile"), Target::Quantile(d)));
            out.push(mk(format!("{base}_max"), Target::Stat(d, Stat::Max)));
            out.push(mk(base, Target::Stat(d, Stat::Count)));
        }
    }
}

fn raw_rules(b: &Bean, out: &mut Vec<Rule>) {
    let prefix = format!("org_apache_cassandra_metrics_{}", b.ty.to_ascii_lowercase());
    let mk = |attr: &str, target| {
        let rule = Rule::new(format!("{prefix}_{attr}"), target).when("name", b.name);
        with_scope(rule, b, "scope", "scope")
    };
    match b.what {
        What::Scalar(name, Attr::Count) => out.push(mk("count", Target::Scalar(name))),
        What::Scalar(name, Attr::Value) => out.push(mk("value", Target::Scalar(name))),
        What::Dist(d) => {
            for (attr, stat) in PERCENTILE_ATTRS {
                out.push(mk(attr, Target::Stat(d, stat)));
            }
            out.push(mk("count", Target::Stat(d, Stat::Count)));
        }
    }
}

/// The JMX exporter's own JVM and process collector (client_java), both its 1.x names and
/// the older `jvm_memory_bytes_*` ones.
fn jvm_rules() -> Vec<Rule> {
    let heap = [
        (
            "jvm_memory_used_bytes",
            "jvm_memory_bytes_used",
            "jvm.heap.used_bytes",
        ),
        (
            "jvm_memory_max_bytes",
            "jvm_memory_bytes_max",
            "jvm.heap.max_bytes",
        ),
        (
            "jvm_memory_committed_bytes",
            "jvm_memory_bytes_committed",
            "jvm.heap.committed_bytes",
        ),
    ];
    let mut v = Vec::new();
    for (new, old, target) in heap {
        for source in [new, old] {
            v.push(Rule::new(source, Target::Scalar(target)).when("area", "heap"));
        }
    }
    let pools = [
        (
            "jvm_memory_pool_used_bytes",
            "jvm_memory_pool_bytes_used",
            "jvm.memory_pool.used_bytes",
        ),
        (
            "jvm_memory_pool_max_bytes",
            "jvm_memory_pool_bytes_max",
            "jvm.memory_pool.max_bytes",
        ),
    ];
    for (new, old, target) in pools {
        for source in [new, old] {
            v.push(Rule::new(source, Target::Scalar(target)).scope("memory_pool", "pool"));
        }
    }
    v.push(
        Rule::new(
            "jvm_gc_collection_seconds_sum",
            Target::Scalar("jvm.gc.time_seconds_total"),
        )
        .scope("gc", "gc"),
    );
    v.push(
        Rule::new(
            "jvm_gc_collection_seconds_count",
            Target::Scalar("jvm.gc.collections_total"),
        )
        .scope("gc", "gc"),
    );
    for (source, target) in [
        ("process_open_fds", "process.open_fds"),
        ("process_max_fds", "process.max_fds"),
        ("process_cpu_seconds_total", "process.cpu_seconds_total"),
        (
            "process_resident_memory_bytes",
            "process.resident_memory_bytes",
        ),
    ] {
        v.push(Rule::new(source, Target::Scalar(target)));
    }
    v.into_iter().map(Rule::generic).collect()
}

// ---------------------------------------------------------------------------------------
// MCAC (names after the relabelling in MCAC's dashboards/prometheus/prometheus.yaml).

fn mcac_rules() -> Vec<Rule> {
    let mut v = Vec::new();
    let table_dists = [
        ("read_latency", &vocab::TABLE_READ_LATENCY),
        ("write_latency", &vocab::TABLE_WRITE_LATENCY),
        ("range_latency", &vocab::TABLE_RANGE_LATENCY),
    ];
    for (name, d) in table_dists {
        v.push(
            Rule::new(format!("mcac_table_{name}_bucket"), Target::Buckets(d))
                .table("keyspace", "table"),
        );
        v.push(
            Rule::new(
                format!("mcac_table_{name}_count"),
                Target::Stat(d, Stat::Count),
            )
            .table("keyspace", "table"),
        );
    }
    // Histograms whose quantiles MCAC computes client-side.
    let table_quantiles = [
        (
            "ss_tables_per_read_histogram",
            &vocab::TABLE_SSTABLES_PER_READ,
        ),
        (
            "tombstone_scanned_histogram",
            &vocab::TABLE_TOMBSTONES_SCANNED,
        ),
        ("live_scanned_histogram", &vocab::TABLE_LIVE_ROWS_SCANNED),
    ];
    for (name, d) in table_quantiles {
        v.push(
            Rule::new(format!("mcac_table_{name}"), Target::Quantile(d)).table("keyspace", "table"),
        );
    }
    let table_scalars = [
        (
            "mcac_table_pending_compactions",
            "table.pending_compactions",
        ),
        ("mcac_table_live_ss_table_count", "table.live_sstables"),
        (
            "mcac_table_max_partition_size",
            "table.max_partition_size_bytes",
        ),
        (
            "mcac_table_mean_partition_size",
            "table.mean_partition_size_bytes",
        ),
        ("mcac_table_key_cache_hit_rate", "table.key_cache_hit_ratio"),
        (
            "mcac_table_dropped_mutations_total",
            "table.dropped_mutations",
        ),
    ];
    for (source, target) in table_scalars {
        v.push(Rule::new(source, Target::Scalar(target)).table("keyspace", "table"));
    }
    let requests = [
        ("read", 0usize),
        ("write", 1),
        ("range_slice", 2),
        ("cas_read", 3),
        ("cas_write", 4),
    ];
    for (rt, i) in requests {
        let (_, d, base) = REQUESTS[i];
        v.push(
            Rule::new("mcac_client_request_latency_bucket", Target::Buckets(d))
                .when("request_type", rt),
        );
        v.push(
            Rule::new(
                "mcac_client_request_latency_count",
                Target::Stat(d, Stat::Count),
            )
            .when("request_type", rt),
        );
        for (src, leaf) in [
            ("timeouts", "timeouts"),
            ("unavailables", "unavailables"),
            ("failures", "failures"),
        ] {
            let target = vocab_name(&format!("{base}.{leaf}"));
            v.push(
                Rule::new(
                    format!("mcac_client_request_{src}_total"),
                    Target::Scalar(target),
                )
                .when("request_type", rt),
            );
        }
    }
    let pools = [
        ("mcac_thread_pools_pending_tasks", "threadpool.pending"),
        ("mcac_thread_pools_active_tasks", "threadpool.active"),
        (
            "mcac_thread_pools_currently_blocked_tasks_total",
            "threadpool.blocked",
        ),
        (
            "mcac_thread_pools_total_blocked_tasks_total",
            "threadpool.blocked_total",
        ),
        ("mcac_thread_pools_completed_tasks", "threadpool.completed"),
    ];
    for (source, target) in pools {
        v.push(Rule::new(source, Target::Scalar(target)).scope("pool", "pool_name"));
    }
    for (verb, target) in DROPPED {
        v.push(
            Rule::new("mcac_dropped_message_dropped_total", Target::Scalar(target))
                .when("message_type", verb),
        );
    }
    for (scope, base) in CACHES {
        for (src, leaf) in [
            ("hit_rate", "hit_ratio"),
            ("hits_total", "hits"),
            ("misses_total", "misses"),
            ("requests_total", "requests"),
            ("size", "size_bytes"),
            ("capacity", "capacity_bytes"),
        ] {
            let target = vocab_name(&format!("{base}.{leaf}"));
            v.push(
                Rule::new(format!("mcac_cache_{src}"), Target::Scalar(target))
                    .when("cache_name", scope),
            );
        }
    }
    let node = [
        ("mcac_compaction_pending_tasks", "compaction.pending_tasks"),
        (
            "mcac_compaction_completed_tasks",
            "compaction.completed_tasks",
        ),
        (
            "mcac_compaction_bytes_compacted_total",
            "compaction.bytes_compacted",
        ),
        ("mcac_storage_total_hints_total", "storage.hints_total"),
        (
            "mcac_storage_total_hints_in_progress",
            "storage.hints_in_progress",
        ),
        ("mcac_storage_load", "storage.load_bytes"),
        ("mcac_storage_exceptions_total", "storage.exceptions_total"),
        ("mcac_hints_hints_failed_total", "hints.failed_total"),
        ("mcac_hints_hints_timed_out_total", "hints.timed_out_total"),
        (
            "mcac_client_connected_native_clients",
            "client.native_connections",
        ),
    ];
    for (source, target) in node {
        v.push(Rule::new(source, Target::Scalar(target)));
    }
    v.push(
        Rule::new(
            "mcac_jvm_memory_used",
            Target::Scalar("jvm.heap.used_bytes"),
        )
        .when("memory_type", "heap"),
    );
    v.push(
        Rule::new("mcac_jvm_memory_max", Target::Scalar("jvm.heap.max_bytes"))
            .when("memory_type", "heap"),
    );
    // GarbageCollectorMXBean.getCollectionTime is in milliseconds.
    v.push(
        Rule::new(
            "mcac_jvm_gc_time",
            Target::Scalar("jvm.gc.time_seconds_total"),
        )
        .scope("gc", "collector_type")
        .scale(1e-3),
    );
    v.push(
        Rule::new(
            "mcac_jvm_gc_count",
            Target::Scalar("jvm.gc.collections_total"),
        )
        .scope("gc", "collector_type"),
    );
    v
}

// ---------------------------------------------------------------------------------------
// Instaclustr / zegelin cassandra-exporter: summaries in seconds, lower-case label values.

fn cassandra_exporter_rules() -> Vec<Rule> {
    const US: f64 = 1e6;
    let mut v = Vec::new();
    let ops = [
        ("read", &vocab::TABLE_READ_LATENCY),
        ("write", &vocab::TABLE_WRITE_LATENCY),
        ("range_read", &vocab::TABLE_RANGE_LATENCY),
    ];
    for (op, d) in ops {
        let src = "cassandra_table_operation_latency_seconds";
        v.push(
            Rule::new(src, Target::Quantile(d))
                .when("operation", op)
                .table("keyspace", "table")
                .scale(US),
        );
        v.push(
            Rule::new(format!("{src}_count"), Target::Stat(d, Stat::Count))
                .when("operation", op)
                .table("keyspace", "table"),
        );
    }
    let per_read = [
        (
            "cassandra_table_sstables_per_read",
            &vocab::TABLE_SSTABLES_PER_READ,
        ),
        (
            "cassandra_table_tombstones_scanned",
            &vocab::TABLE_TOMBSTONES_SCANNED,
        ),
        (
            "cassandra_table_live_rows_scanned",
            &vocab::TABLE_LIVE_ROWS_SCANNED,
        ),
    ];
    for (src, d) in per_read {
        v.push(Rule::new(src, Target::Quantile(d)).table("keyspace", "table"));
        v.push(
            Rule::new(format!("{src}_count"), Target::Stat(d, Stat::Count))
                .table("keyspace", "table"),
        );
    }
    let table_scalars = [
        (
            "cassandra_table_estimated_pending_compactions",
            "table.pending_compactions",
        ),
        (
            "cassandra_table_partition_size_maximum_bytes",
            "table.max_partition_size_bytes",
        ),
        (
            "cassandra_table_partition_size_mean_bytes",
            "table.mean_partition_size_bytes",
        ),
        (
            "cassandra_table_key_cache_hit_ratio",
            "table.key_cache_hit_ratio",
        ),
        (
            "cassandra_table_dropped_mutations_total",
            "table.dropped_mutations",
        ),
    ];
    for (source, target) in table_scalars {
        v.push(Rule::new(source, Target::Scalar(target)).table("keyspace", "table"));
    }
    // The `operation` values follow the JMX scope names lowercased; both spellings of the
    // multi-word ones are accepted.
    let requests = [
        ("read", 0usize),
        ("write", 1),
        ("rangeslice", 2),
        ("range_slice", 2),
        ("casread", 3),
        ("cas_read", 3),
        ("caswrite", 4),
        ("cas_write", 4),
    ];
    for (op, i) in requests {
        let (_, d, base) = REQUESTS[i];
        let src = "cassandra_client_request_latency_seconds";
        // The series without `consistency` is the all-levels one.
        v.push(
            Rule::new(src, Target::Quantile(d))
                .when("operation", op)
                .absent("consistency")
                .scale(US),
        );
        v.push(
            Rule::new(format!("{src}_count"), Target::Stat(d, Stat::Count))
                .when("operation", op)
                .absent("consistency"),
        );
        for (src, leaf) in [
            ("timeouts_total", "timeouts"),
            ("unavailable_exceptions_total", "unavailables"),
            ("failures_total", "failures"),
        ] {
            let target = vocab_name(&format!("{base}.{leaf}"));
            let rule = Rule::new(
                format!("cassandra_client_request_{src}"),
                Target::Scalar(target),
            );
            v.push(rule.when("operation", op).absent("consistency"));
        }
    }
    let pools = [
        ("cassandra_thread_pool_active_tasks", "threadpool.active"),
        ("cassandra_thread_pool_blocked_tasks", "threadpool.blocked"),
        (
            "cassandra_thread_pool_blocked_tasks_total",
            "threadpool.blocked_total",
        ),
        (
            "cassandra_thread_pool_completed_tasks_total",
            "threadpool.completed",
        ),
    ];
    for (source, target) in pools {
        v.push(Rule::new(source, Target::Scalar(target)).scope("pool", "pool"));
    }
    for (verb, target) in DROPPED {
        v.push(
            Rule::new("cassandra_dropped_messages_total", Target::Scalar(target))
                .when("message_type", verb),
        );
    }
    let caches = [
        ("key", "cache.key"),
        ("row", "cache.row"),
        ("counter", "cache.counter"),
    ];
    for (cache, base) in caches {
        for (src, leaf) in [
            ("hits_total", "hits"),
            ("misses_total", "misses"),
            ("requests_total", "requests"),
        ] {
            let target = vocab_name(&format!("{base}.{leaf}"));
            v.push(
                Rule::new(format!("cassandra_cache_{src}"), Target::Scalar(target))
                    .when("cache", cache),
            );
        }
    }
    let node = [
        ("cassandra_storage_hints_total", "storage.hints_total"),
        (
            "cassandra_storage_hints_in_progress",
            "storage.hints_in_progress",
        ),
    ];
    for (source, target) in node {
        v.push(Rule::new(source, Target::Scalar(target)));
    }
    let gc = [
        (
            "cassandra_jvm_gc_collection_count",
            "jvm.gc.collections_total",
        ),
        (
            "cassandra_jvm_gc_estimated_collection_duration_seconds_total",
            "jvm.gc.time_seconds_total",
        ),
    ];
    for (source, target) in gc {
        v.push(Rule::new(source, Target::Scalar(target)).scope("gc", "collector"));
    }
    let pool_used = "cassandra_jvm_memory_pool_used_bytes";
    v.push(Rule::new(pool_used, Target::Sum("jvm.heap.used_bytes")).when("type", "heap"));
    v.push(
        Rule::new(pool_used, Target::Scalar("jvm.memory_pool.used_bytes"))
            .scope("memory_pool", "pool"),
    );
    v.push(
        Rule::new(
            "cassandra_jvm_memory_pool_maximum_bytes",
            Target::Scalar("jvm.memory_pool.max_bytes"),
        )
        .scope("memory_pool", "pool"),
    );
    v
}
