//! Shared ground of the cluster-scope rules (schema, compaction, partition, trace and
//! cross-node advice): the topology the nodes report, keyspace replication, one table's
//! workload across nodes (exporter metrics first, the node's virtual tables as fallback), and
//! CQL rendering (identifiers, option maps, a table's DDL) so every statement a rule proposes
//! is complete and valid for the cluster's oldest Cassandra version.

use std::collections::BTreeMap;

use crate::catalog::Version;
use crate::engine::Evidence;
use crate::model::schema::{Column, Keyspace, Table};
use crate::model::units::human_bytes;
use crate::model::{Metrics, Node, Snapshot};

pub const MIB: f64 = 1024.0 * 1024.0;
pub const GIB: f64 = 1024.0 * MIB;
pub const DAY: i64 = 86_400;
/// Cassandra's gc_grace_seconds default (10 days).
pub const DEFAULT_GC_GRACE: i64 = 864_000;
/// max_hint_window's default (3 h), in seconds.
pub const DEFAULT_HINT_WINDOW: i64 = 10_800;

/// The oldest Cassandra line among the nodes: a statement must be valid on every node.
pub fn oldest_version(s: &Snapshot) -> Version {
    s.nodes
        .iter()
        .map(|n| n.version)
        .min()
        .unwrap_or(Version::V5_0)
}

pub fn user_keyspaces(s: &Snapshot) -> impl Iterator<Item = &Keyspace> {
    s.schema.keyspaces.iter().filter(|k| !k.is_system())
}

/// Tables (not views) of the user keyspaces.
pub fn user_tables(s: &Snapshot) -> impl Iterator<Item = &Table> {
    user_keyspaces(s)
        .flat_map(|k| k.tables.iter())
        .filter(|t| !t.is_view)
}

pub fn ev(name: impl Into<String>, observed: impl Into<String>) -> Evidence {
    Evidence {
        name: name.into(),
        observed: observed.into(),
        expected: None,
        location: None,
    }
}

pub fn ev_expect(
    name: impl Into<String>,
    observed: impl Into<String>,
    expected: impl Into<String>,
) -> Evidence {
    Evidence {
        name: name.into(),
        observed: observed.into(),
        expected: Some(expected.into()),
        location: None,
    }
}

pub fn bytes(v: f64) -> String {
    human_bytes(v.max(0.0) as u128)
}

/// Seconds as the largest whole unit (`7 d`, `6 h`, `90 s`).
pub fn duration(secs: i64) -> String {
    if secs != 0 && secs % DAY == 0 {
        format!("{} d", secs / DAY)
    } else if secs != 0 && secs % 3600 == 0 {
        format!("{} h", secs / 3600)
    } else if secs != 0 && secs % 60 == 0 {
        format!("{} min", secs / 60)
    } else {
        format!("{secs} s")
    }
}

/// A count without a fractional part when it has none.
pub fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.2}")
    }
}

// ---------------------------------------------------------------- topology

/// Datacenters and racks as the live nodes report them (`system.local`).
#[derive(Debug, Default)]
pub struct Topology {
    /// Datacenter → node ids.
    pub dcs: BTreeMap<String, Vec<String>>,
    /// Datacenter → rack → node ids.
    pub racks: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// Live nodes whose datacenter is not known.
    pub unknown: Vec<String>,
}

impl Topology {
    pub fn nodes_in(&self, dc: &str) -> usize {
        self.dcs.get(dc).map_or(0, Vec::len)
    }
    pub fn node_count(&self) -> usize {
        self.dcs.values().map(Vec::len).sum::<usize>() + self.unknown.len()
    }
    /// True when every live node's datacenter is known.
    pub fn complete(&self) -> bool {
        self.unknown.is_empty() && !self.dcs.is_empty()
    }
}

pub fn topology(s: &Snapshot) -> Topology {
    let mut t = Topology::default();
    for n in &s.nodes {
        let Some(live) = &n.live else { continue };
        match &live.datacenter {
            Some(dc) => {
                t.dcs.entry(dc.clone()).or_default().push(n.id.clone());
                let rack = live.rack.clone().unwrap_or_else(|| "?".into());
                t.racks
                    .entry(dc.clone())
                    .or_default()
                    .entry(rack)
                    .or_default()
                    .push(n.id.clone());
            }
            None => t.unknown.push(n.id.clone()),
        }
    }
    t
}

/// A keyspace's replica placement, from `system_schema.keyspaces.replication`.
#[derive(Debug, Clone, PartialEq)]
pub enum Replication {
    Simple(u32),
    /// Datacenter → replication factor.
    Network(BTreeMap<String, u32>),
    /// LocalStrategy, EverywhereStrategy and other node-local placements.
    Local,
    Other(String),
}

/// Leading digits of a replication factor (`3`, or `3/1` with transient replicas).
fn rf_of(v: &str) -> Option<u32> {
    let digits: String = v.trim().chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

pub fn replication(ks: &Keyspace) -> Replication {
    let class = ks
        .replication
        .get("class")
        .map(String::as_str)
        .unwrap_or("");
    let short = class.rsplit('.').next().unwrap_or(class);
    match short {
        "SimpleStrategy" => Replication::Simple(
            ks.replication
                .get("replication_factor")
                .and_then(|v| rf_of(v))
                .unwrap_or(1),
        ),
        "NetworkTopologyStrategy" => Replication::Network(
            ks.replication
                .iter()
                .filter(|(k, _)| k.as_str() != "class")
                .filter_map(|(k, v)| Some((k.clone(), rf_of(v)?)))
                .collect(),
        ),
        "LocalStrategy" | "EverywhereStrategy" | "MetaStrategy" => Replication::Local,
        other => Replication::Other(other.to_string()),
    }
}

impl Replication {
    /// The most replicas any datacenter keeps (SimpleStrategy: its factor).
    pub fn max_rf(&self) -> u32 {
        match self {
            Replication::Simple(rf) => *rf,
            Replication::Network(m) => m.values().copied().max().unwrap_or(0),
            _ => 0,
        }
    }

    /// Replicas in one datacenter (SimpleStrategy: the factor, placed around the whole ring).
    pub fn rf_in(&self, dc: &str) -> Option<u32> {
        match self {
            Replication::Simple(rf) => Some(*rf),
            Replication::Network(m) => m.get(dc).copied(),
            _ => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Replication::Simple(rf) => format!("SimpleStrategy, replication_factor {rf}"),
            Replication::Network(m) => format!(
                "NetworkTopologyStrategy, {}",
                m.iter()
                    .map(|(dc, rf)| format!("{dc}: {rf}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Replication::Local => "local".into(),
            Replication::Other(c) => c.clone(),
        }
    }
}

/// `ALTER KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc': 'n'}`.
pub fn alter_keyspace_nts(ks: &str, factors: &BTreeMap<String, u32>) -> String {
    let mut entries = vec![("class".to_string(), "NetworkTopologyStrategy".to_string())];
    entries.extend(factors.iter().map(|(dc, rf)| (dc.clone(), rf.to_string())));
    format!(
        "ALTER KEYSPACE {} WITH replication = {}",
        ident(ks),
        cql_map(&entries)
    )
}

// ---------------------------------------------------------------- CQL text

const RESERVED: &[&str] = &[
    "add",
    "allow",
    "alter",
    "and",
    "apply",
    "asc",
    "authorize",
    "batch",
    "begin",
    "by",
    "columnfamily",
    "create",
    "default",
    "delete",
    "desc",
    "describe",
    "drop",
    "entries",
    "execute",
    "from",
    "full",
    "grant",
    "if",
    "in",
    "index",
    "infinity",
    "insert",
    "into",
    "is",
    "keyspace",
    "limit",
    "materialized",
    "mbean",
    "mbeans",
    "modify",
    "nan",
    "norecursive",
    "not",
    "null",
    "of",
    "on",
    "or",
    "order",
    "primary",
    "rename",
    "replace",
    "revoke",
    "schema",
    "select",
    "set",
    "table",
    "to",
    "token",
    "truncate",
    "unlogged",
    "unset",
    "update",
    "use",
    "using",
    "view",
    "where",
    "with",
];

/// A CQL identifier: bare when Cassandra would read it back unchanged, else double-quoted.
pub fn ident(name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !RESERVED.contains(&name);
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

pub fn qname(ks: &str, table: &str) -> String {
    format!("{}.{}", ident(ks), ident(table))
}

pub fn cql_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A CQL map literal of string values: `{'class': 'X', 'key': 'value'}`.
pub fn cql_map<K: AsRef<str>, V: AsRef<str>>(entries: &[(K, V)]) -> String {
    let inner: Vec<String> = entries
        .iter()
        .map(|(k, v)| format!("{}: {}", cql_str(k.as_ref()), cql_str(v.as_ref())))
        .collect();
    format!("{{{}}}", inner.join(", "))
}

pub fn alter_table(t: &Table, clause: &str) -> String {
    format!("ALTER TABLE {} WITH {clause}", qname(&t.keyspace, &t.name))
}

/// `ALTER TABLE ks.t WITH compaction = {...}`.
pub fn alter_compaction<K: AsRef<str>, V: AsRef<str>>(t: &Table, entries: &[(K, V)]) -> String {
    alter_table(t, &format!("compaction = {}", cql_map(entries)))
}

/// A class name without Cassandra's own package (`LZ4Compressor`); other classes stay whole.
pub fn short_class(class: &str) -> &str {
    for p in [
        "org.apache.cassandra.db.compaction.",
        "org.apache.cassandra.io.compress.",
    ] {
        if let Some(s) = class.strip_prefix(p) {
            return s;
        }
    }
    class
}

pub fn gc_grace(t: &Table) -> i64 {
    t.option_i64("gc_grace_seconds").unwrap_or(DEFAULT_GC_GRACE)
}

pub fn default_ttl(t: &Table) -> i64 {
    t.option_i64("default_time_to_live").unwrap_or(0)
}

/// Whether the table's compression is on (`{'enabled': 'false'}` or no class means off).
pub fn compression_on(t: &Table) -> bool {
    let Some(c) = t.options.get("compression").and_then(|v| v.as_object()) else {
        return true;
    };
    if c.get("enabled").and_then(|v| v.as_str()) == Some("false") {
        return false;
    }
    c.get("class")
        .or_else(|| c.get("sstable_compression"))
        .and_then(|v| v.as_str())
        .is_some_and(|s| !s.is_empty())
}

// ---------------------------------------------------------------- columns and DDL

pub fn partition_key(t: &Table) -> Vec<&Column> {
    t.columns
        .iter()
        .filter(|c| c.kind == "partition_key")
        .collect()
}

pub fn clustering(t: &Table) -> Vec<&Column> {
    t.columns
        .iter()
        .filter(|c| c.kind == "clustering")
        .collect()
}

pub fn column<'a>(t: &'a Table, name: &str) -> Option<&'a Column> {
    t.columns.iter().find(|c| c.name == name)
}

/// Types whose values order in time: what a time bucket can be derived from.
pub fn is_time_type(ty: &str) -> bool {
    matches!(ty, "timestamp" | "timeuuid" | "date")
}

/// One column of a table to create.
#[derive(Debug, Clone)]
pub struct ColumnDef {
    pub name: String,
    pub data_type: String,
    pub is_static: bool,
}

impl ColumnDef {
    pub fn of(c: &Column) -> ColumnDef {
        ColumnDef {
            name: c.name.clone(),
            data_type: c.data_type.clone(),
            is_static: c.kind == "static",
        }
    }
}

/// A complete `CREATE TABLE` statement.
pub struct NewTable<'a> {
    pub keyspace: &'a str,
    pub name: String,
    pub columns: Vec<ColumnDef>,
    pub partition_key: Vec<String>,
    /// Clustering columns with `true` for descending order.
    pub clustering: Vec<(String, bool)>,
    /// Extra `WITH` options, e.g. `default_time_to_live = 604800`.
    pub options: Vec<String>,
}

impl NewTable<'_> {
    pub fn render(&self) -> String {
        let mut cols: Vec<String> = self
            .columns
            .iter()
            .map(|c| {
                format!(
                    "{} {}{}",
                    ident(&c.name),
                    c.data_type,
                    if c.is_static { " static" } else { "" }
                )
            })
            .collect();
        let pk: Vec<String> = self.partition_key.iter().map(|c| ident(c)).collect();
        let pk = if pk.len() == 1 {
            pk[0].clone()
        } else {
            format!("({})", pk.join(", "))
        };
        let mut key = vec![pk];
        key.extend(self.clustering.iter().map(|(c, _)| ident(c)));
        cols.push(format!("PRIMARY KEY ({})", key.join(", ")));
        let mut with = Vec::new();
        if self.clustering.iter().any(|(_, desc)| *desc) {
            with.push(format!(
                "CLUSTERING ORDER BY ({})",
                self.clustering
                    .iter()
                    .map(|(c, d)| format!("{} {}", ident(c), if *d { "DESC" } else { "ASC" }))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        with.extend(self.options.iter().cloned());
        let mut s = format!(
            "CREATE TABLE {} ({})",
            qname(self.keyspace, &self.name),
            cols.join(", ")
        );
        if !with.is_empty() {
            s.push_str(" WITH ");
            s.push_str(&with.join(" AND "));
        }
        s
    }
}

/// A column name not used by the table, from a list of candidates.
pub fn free_name(t: &Table, candidates: &[&str]) -> String {
    for c in candidates {
        if column(t, c).is_none() {
            return c.to_string();
        }
    }
    let mut i = 2;
    loop {
        let n = format!("{}_{i}", candidates[0]);
        if column(t, &n).is_none() {
            return n;
        }
        i += 1;
    }
}

/// A free table name in the keyspace, from a base.
pub fn free_table_name(s: &Snapshot, ks: &str, base: &str) -> String {
    let taken = |n: &str| s.schema.table(ks, n).is_some();
    if !taken(base) {
        return base.to_string();
    }
    let mut i = 2;
    loop {
        let n = format!("{base}_{i}");
        if !taken(&n) {
            return n;
        }
        i += 1;
    }
}

/// A lookup table answering `WHERE col = ?` for a column of `t`: partitioned by the column,
/// clustered by the base table's primary key, carrying every other column.
pub fn lookup_table(s: &Snapshot, t: &Table, col: &Column) -> String {
    let name = free_table_name(s, &t.keyspace, &format!("{}_by_{}", t.name, col.name));
    let mut columns = vec![ColumnDef {
        name: col.name.clone(),
        data_type: col.data_type.clone(),
        is_static: false,
    }];
    let mut clustering = Vec::new();
    for c in t
        .columns
        .iter()
        .filter(|c| c.kind == "partition_key" || c.kind == "clustering")
    {
        if c.name == col.name {
            continue;
        }
        columns.push(ColumnDef {
            name: c.name.clone(),
            data_type: c.data_type.clone(),
            is_static: false,
        });
        clustering.push((c.name.clone(), false));
    }
    for c in t
        .columns
        .iter()
        .filter(|c| c.kind == "regular" || c.kind == "static")
    {
        if c.name == col.name {
            continue;
        }
        columns.push(ColumnDef {
            name: c.name.clone(),
            data_type: c.data_type.clone(),
            is_static: false,
        });
    }
    NewTable {
        keyspace: &t.keyspace,
        name,
        columns,
        partition_key: vec![col.name.clone()],
        clustering,
        options: Vec::new(),
    }
    .render()
}

// ---------------------------------------------------------------- compaction choices

/// A TWCS window for a TTL: the candidate (unit, size) whose window count over the TTL is
/// closest to `target`, preferring the larger window on ties. Returns (unit, size, windows).
pub fn twcs_window(ttl_secs: i64, target: f64) -> (&'static str, i64, f64) {
    let mut candidates: Vec<(&'static str, i64, i64)> = Vec::new();
    for m in [1, 2, 3, 5, 10, 15, 20, 30] {
        candidates.push(("MINUTES", m, m * 60));
    }
    for h in [1, 2, 3, 4, 6, 8, 12] {
        candidates.push(("HOURS", h, h * 3600));
    }
    for d in 1..=365 {
        candidates.push(("DAYS", d, d * DAY));
    }
    let ttl = ttl_secs.max(60) as f64;
    let mut best = candidates[0];
    let mut best_score = f64::INFINITY;
    for c in candidates {
        let windows = ttl / c.2 as f64;
        let score = (windows - target).abs();
        if score < best_score - 1e-9 || ((score - best_score).abs() <= 1e-9 && c.2 > best.2) {
            best = c;
            best_score = score;
        }
    }
    (best.0, best.1, ttl / best.2 as f64)
}

/// TWCS window length in seconds from a table's compaction options (defaults: 1 DAYS).
pub fn twcs_window_secs(t: &Table) -> i64 {
    let unit = t
        .option_map("compaction", "compaction_window_unit")
        .unwrap_or("DAYS")
        .to_ascii_uppercase();
    let size: i64 = t
        .option_map("compaction", "compaction_window_size")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1);
    let unit_secs = match unit.as_str() {
        "MINUTES" => 60,
        "HOURS" => 3600,
        _ => DAY,
    };
    size.max(1) * unit_secs
}

pub fn twcs_fix_statement(t: &Table, unit: &str, size: i64) -> String {
    alter_compaction(
        t,
        &[
            ("class", "TimeWindowCompactionStrategy".to_string()),
            ("compaction_window_unit", unit.to_string()),
            ("compaction_window_size", size.to_string()),
        ],
    )
}

/// Virtual disks (virtio `vd*`, Xen `xvd*`) report rotational = 1 whatever backs them: their
/// media is unknown (as the host rules treat them).
fn is_virtual(d: &crate::model::host::Disk) -> bool {
    let virt = |n: &str| n.starts_with("vd") || n.starts_with("xvd");
    d.block_device.as_deref().is_some_and(virt) || d.slaves.iter().any(|s| virt(s))
}

/// The nodes that keep data on a spinning disk (host facts); `None` when no node's media is
/// known. Virtual disks count as unknown media.
pub fn data_on_hdd(s: &Snapshot) -> Option<Vec<String>> {
    let nodes: Vec<String> = s
        .nodes
        .iter()
        .filter(|n| {
            n.host.disks.iter().any(|d| {
                d.role.iter().any(|r| r == "data") && d.rotational == Some(true) && !is_virtual(d)
            })
        })
        .map(|n| n.id.clone())
        .collect();
    let known = s.nodes.iter().any(|n| {
        n.host
            .disks
            .iter()
            .any(|d| d.rotational.is_some() && !is_virtual(d))
    });
    known.then_some(nodes)
}

/// Size of a node's data disks (sum over distinct devices with the data role).
pub fn data_disk_bytes(n: &Node) -> Option<f64> {
    let mut seen = std::collections::BTreeSet::new();
    let mut total = 0.0;
    for d in &n.host.disks {
        if d.role.iter().any(|r| r == "data")
            && let Some(size) = d.size_bytes
            && seen.insert(d.device_key().to_string())
        {
            total += size as f64;
        }
    }
    (total > 0.0).then_some(total)
}

// ---------------------------------------------------------------- settings

/// A node's effective setting as display text.
pub fn setting_text(n: &Node, name: &str) -> Option<String> {
    let s = n.config.as_ref()?.get(name)?;
    use crate::model::SettingValue as V;
    match &s.value {
        V::Null => None,
        V::Str(v) => Some(v.clone()),
        V::Map(m) => m
            .get("class_name")
            .cloned()
            .or_else(|| Some(s.display.clone())),
        _ => Some(s.display.clone()),
    }
}

/// A node's duration setting in seconds.
pub fn setting_secs(n: &Node, name: &str) -> Option<i64> {
    let s = n.config.as_ref()?.get(name)?;
    s.value
        .as_quantity()
        .map(|q| (q.base() / 1_000_000_000) as i64)
}

pub fn setting_i64(n: &Node, name: &str) -> Option<i64> {
    n.config.as_ref()?.get(name)?.value.as_i64()
}

/// The cluster's max_hint_window in seconds (largest over nodes; default 3 h).
pub fn max_hint_window(s: &Snapshot) -> i64 {
    s.nodes
        .iter()
        .filter_map(|n| setting_secs(n, "max_hint_window"))
        .max()
        .unwrap_or(DEFAULT_HINT_WINDOW)
}

/// tombstone_warn_threshold (smallest over nodes; default 1000).
pub fn tombstone_warn_threshold(s: &Snapshot) -> i64 {
    s.nodes
        .iter()
        .filter_map(|n| setting_i64(n, "tombstone_warn_threshold"))
        .filter(|v| *v > 0)
        .min()
        .unwrap_or(1000)
}

// ---------------------------------------------------------------- per-table workload

/// One node's view of a table: exporter metrics when the node has them for the table, else
/// its virtual tables and size estimates. Counts are totals since the node started.
#[derive(Debug, Default, Clone)]
pub struct NodeLoad {
    pub node: String,
    pub from_metrics: bool,
    /// Local single-partition reads.
    pub reads: Option<f64>,
    pub writes: Option<f64>,
    /// Local range reads (scans, secondary-index queries).
    pub range_reads: Option<f64>,
    pub sstables_per_read_p99: Option<f64>,
    pub tombstones_p99: Option<f64>,
    pub live_rows_p99: Option<f64>,
    pub max_partition: Option<f64>,
    pub mean_partition: Option<f64>,
    pub partitions: Option<f64>,
    pub live_bytes: Option<f64>,
    pub live_sstables: Option<f64>,
    pub bloom_false_ratio: Option<f64>,
    pub tombstone_warnings: Option<f64>,
}

fn vtable_value(n: &Node, table: &str, t: &Table, col: &str) -> Option<f64> {
    n.live
        .as_ref()?
        .table_value(table, &t.keyspace, &t.name, col)
}

/// The exporter metrics [`node_load`] reads, all scoped by (keyspace, table).
const TABLE_METRICS: [&str; 13] = [
    "table.read_latency.count",
    "table.write_latency.count",
    "table.range_latency.count",
    "table.sstables_per_read.p99",
    "table.tombstones_scanned.p99",
    "table.live_rows_scanned.p99",
    "table.max_partition_size_bytes",
    "table.mean_partition_size_bytes",
    "table.estimated_partitions",
    "table.live_disk_space_bytes",
    "table.live_sstables",
    "table.bloom_filter_false_ratio",
    "table.tombstone_warnings",
];

/// A table's [`TABLE_METRICS`] on one node, in that order.
type TableMetrics = [Option<f64>; TABLE_METRICS.len()];

pub fn node_load(n: &Node, t: &Table) -> NodeLoad {
    let scope = [
        ("keyspace", t.keyspace.as_str()),
        ("table", t.name.as_str()),
    ];
    node_load_from(n, t, &TABLE_METRICS.map(|name| n.metrics.get(name, &scope)))
}

/// [`node_load`] from the table's [`TABLE_METRICS`] values on the node.
fn node_load_from(n: &Node, t: &Table, values: &TableMetrics) -> NodeLoad {
    let [
        reads,
        writes,
        range_reads,
        sstables_per_read_p99,
        tombstones_p99,
        live_rows_p99,
        max_partition,
        mean_partition,
        partitions,
        live_bytes,
        live_sstables,
        bloom_false_ratio,
        tombstone_warnings,
    ] = values.map(|v| v.filter(|v| v.is_finite()));
    let from_metrics = writes.is_some() || reads.is_some();
    let est = t.estimates.get(&n.id);
    let mut l = NodeLoad {
        node: n.id.clone(),
        from_metrics,
        ..NodeLoad::default()
    };
    if from_metrics {
        l.reads = reads;
        l.writes = writes;
        l.range_reads = range_reads;
        l.sstables_per_read_p99 = sstables_per_read_p99;
        l.tombstones_p99 = tombstones_p99;
        l.live_rows_p99 = live_rows_p99;
        l.max_partition = max_partition;
        l.mean_partition = mean_partition;
        l.partitions = partitions.filter(|v| *v >= 0.0);
        l.live_bytes = live_bytes;
        l.live_sstables = live_sstables;
        l.bloom_false_ratio = bloom_false_ratio.filter(|v| *v >= 0.0);
        l.tombstone_warnings = tombstone_warnings;
    }
    // Virtual tables (4.0+) fill what the exporter did not give.
    let v = |table: &str, col: &str| vtable_value(n, table, t, col);
    l.reads = l
        .reads
        .or_else(|| v("system_views.local_read_latency", "count"));
    l.writes = l
        .writes
        .or_else(|| v("system_views.local_write_latency", "count"));
    l.range_reads = l
        .range_reads
        .or_else(|| v("system_views.local_scan_latency", "count"));
    l.tombstones_p99 = l
        .tombstones_p99
        .or_else(|| v("system_views.tombstones_per_read", "p99th"));
    l.live_rows_p99 = l
        .live_rows_p99
        .or_else(|| v("system_views.rows_per_read", "p99th"));
    // mebibytes are rounded up: the lower bound of the bucket is what is known for sure.
    l.max_partition = l.max_partition.or_else(|| {
        v("system_views.max_partition_size", "mebibytes").map(|m| ((m - 1.0).max(0.0)) * MIB)
    });
    l.live_bytes = l
        .live_bytes
        .or_else(|| v("system_views.disk_usage", "mebibytes").map(|m| ((m - 1.0).max(0.0)) * MIB));
    if let Some(e) = est {
        l.mean_partition = l.mean_partition.or(Some(e.mean_partition_size as f64));
        l.partitions = l.partitions.or(Some(e.partitions as f64));
    }
    l
}

/// The table seen from every node.
pub fn table_load(s: &Snapshot, t: &Table) -> Vec<NodeLoad> {
    s.nodes.iter().map(|n| node_load(n, t)).collect()
}

/// [`table_load`] memoised by (keyspace, table) for one engine run (see
/// [`ClusterCtx::table_load`](crate::engine::ClusterCtx::table_load)).
#[derive(Default)]
pub struct TableLoads {
    map: std::cell::RefCell<std::collections::HashMap<(String, String), Vec<NodeLoad>>>,
    filled: std::cell::Cell<bool>,
}

impl TableLoads {
    /// Computes every user table's load on all cores, once: about ten cluster rules read each
    /// of them, one after another, on one thread. Nodes are split over the cores, each
    /// node's table metrics read in one pass ([`Metrics::table_values`]).
    fn fill(&self, s: &Snapshot) {
        self.filled.set(true);
        let tables: Vec<&Table> = user_tables(s).collect();
        if tables.is_empty() || s.nodes.len() <= 1 {
            return;
        }
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(s.nodes.len());
        let chunk = s.nodes.len().div_ceil(threads);
        let tables = &tables;
        let scopes = &Metrics::table_scopes(
            tables
                .iter()
                .map(|t| (t.keyspace.as_str(), t.name.as_str())),
        );
        // Per node, its load of every table (in `tables` order).
        let per_node: Vec<Vec<NodeLoad>> = std::thread::scope(|scope| {
            let workers: Vec<_> = s
                .nodes
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|n| {
                                let metrics = n.metrics.table_values(TABLE_METRICS, scopes);
                                tables
                                    .iter()
                                    .zip(&metrics)
                                    .map(|(t, values)| node_load_from(n, t, values))
                                    .collect::<Vec<_>>()
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        let mut by_table: Vec<Vec<NodeLoad>> = tables
            .iter()
            .map(|_| Vec::with_capacity(s.nodes.len()))
            .collect();
        for node in per_node {
            for (loads, l) in by_table.iter_mut().zip(node) {
                loads.push(l);
            }
        }
        let mut map = self.map.borrow_mut();
        for (t, l) in tables.iter().zip(by_table) {
            map.insert((t.keyspace.clone(), t.name.clone()), l);
        }
    }

    pub fn get(&self, s: &Snapshot, t: &Table) -> Vec<NodeLoad> {
        if !self.filled.get() {
            self.fill(s);
        }
        let key = (t.keyspace.clone(), t.name.clone());
        if let Some(l) = self.map.borrow().get(&key) {
            return l.clone();
        }
        let l = table_load(s, t);
        self.map.borrow_mut().insert(key, l.clone());
        l
    }
}

pub fn total(loads: &[NodeLoad], f: impl Fn(&NodeLoad) -> Option<f64>) -> Option<f64> {
    let vals: Vec<f64> = loads.iter().filter_map(&f).collect();
    (!vals.is_empty()).then(|| vals.iter().sum())
}

pub fn max_of(loads: &[NodeLoad], f: impl Fn(&NodeLoad) -> Option<f64>) -> Option<(f64, String)> {
    loads
        .iter()
        .filter_map(|l| Some((f(l)?, l.node.clone())))
        .max_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal))
}

/// "127.0.0.1: 3, 127.0.0.2: 5" for one field of every node that has it.
pub fn per_node(
    loads: &[NodeLoad],
    f: impl Fn(&NodeLoad) -> Option<f64>,
    fmt: impl Fn(f64) -> String,
) -> String {
    loads
        .iter()
        .filter_map(|l| Some(format!("{}: {}", l.node, fmt(f(l)?))))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_only_when_needed() {
        assert_eq!(ident("sensor_readings"), "sensor_readings");
        assert_eq!(ident("Sensor"), "\"Sensor\"");
        assert_eq!(ident("order"), "\"order\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(
            cql_map(&[("class", "X"), ("k", "it's")]),
            "{'class': 'X', 'k': 'it''s'}"
        );
    }

    #[test]
    fn twcs_windows_aim_at_about_25_per_ttl() {
        assert_eq!(twcs_window(7 * DAY, 25.0), ("HOURS", 6, 28.0));
        let (u, s, w) = twcs_window(90 * DAY, 25.0);
        assert_eq!((u, s), ("DAYS", 4));
        assert!((20.0..=30.0).contains(&w));
        let (u, s, _) = twcs_window(2 * 3600, 25.0);
        assert_eq!((u, s), ("MINUTES", 5));
        let (u, s, _) = twcs_window(DAY, 25.0);
        assert_eq!((u, s), ("HOURS", 1));
    }

    /// The one-pass reading of a fleet's table metrics gives what a lookup per value gives,
    /// for names that need escaping, series of neighbouring names and rates included.
    #[test]
    fn table_loads_read_in_one_pass_equal_lookups() {
        use crate::model::HostFacts;
        let names = ["t1", "t,2", "t=3}", "t\\4", "zz"];
        let table = |name: &str| Table {
            keyspace: "ks".into(),
            name: name.into(),
            ..Table::default()
        };
        let node = |id: &str, seed: f64| {
            let mut metrics = Metrics::default();
            for (i, t) in names.iter().enumerate().skip(usize::from(seed > 1.0)) {
                let scope = [("keyspace", "ks"), ("table", *t)];
                for (j, name) in TABLE_METRICS.iter().enumerate() {
                    if (i + j) % 3 != 0 {
                        metrics.insert(name, &scope, seed * (i * 20 + j) as f64);
                    }
                }
                metrics.insert("table.read_latency.count:rate_per_second", &scope, 1.0);
                metrics.insert("table.read_latency.count_other", &scope, 2.0);
            }
            metrics.insert("table.read_latency.count", &[("keyspace", "ks")], 3.0);
            metrics.insert(
                "table.live_sstables",
                &[("keyspace", "other"), ("table", "t1")],
                4.0,
            );
            Node {
                id: id.into(),
                version: Version::V5_0,
                version_source: String::new(),
                config: None,
                jvm: None,
                host: HostFacts::default(),
                metrics,
                live: None,
            }
        };
        let mut s = Snapshot {
            nodes: vec![node("n1", 1.0), node("n2", 2.0), node("n3", 0.5)],
            ..Snapshot::default()
        };
        s.schema.keyspaces = vec![Keyspace {
            name: "ks".into(),
            tables: names.iter().map(|n| table(n)).collect(),
            ..Keyspace::default()
        }];
        let loads = TableLoads::default();
        let mut seen = 0;
        for t in user_tables(&s) {
            let one_pass = format!("{:?}", loads.get(&s, t));
            assert_eq!(one_pass, format!("{:?}", table_load(&s, t)), "{}", t.name);
            seen += usize::from(one_pass.contains("Some("));
        }
        assert!(loads.filled.get());
        assert_eq!(seen, names.len(), "every table has values");
    }

    #[test]
    fn replication_is_read_from_the_map() {
        let ks = Keyspace {
            name: "k".into(),
            replication: [
                (
                    "class".to_string(),
                    "org.apache.cassandra.locator.NetworkTopologyStrategy".to_string(),
                ),
                ("dc1".into(), "3".into()),
                ("dc2".into(), "2/1".into()),
            ]
            .into_iter()
            .collect(),
            ..Keyspace::default()
        };
        let r = replication(&ks);
        assert_eq!(r.rf_in("dc2"), Some(2));
        assert_eq!(r.max_rf(), 3);
    }
}
