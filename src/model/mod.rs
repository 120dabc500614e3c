//! The Snapshot: the one structure every later stage reads.
//!
//! A live collection and an offline run (lint, a saved archive) fill the same types, so rules
//! never care where a fact came from. Raw inputs are kept next to what was derived from them,
//! so newer rules can re-read old snapshots.

pub mod config;
pub mod host;
pub mod jvm;
pub mod metrics;
pub mod schema;
pub mod traces;
pub mod units;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalog::Version;

pub use config::{ConfigEntry, Setting, SettingValue, YamlConfig};
pub use host::HostFacts;
pub use jvm::JvmConfig;
pub use metrics::Metrics;
pub use schema::{Keyspace, Schema, Table};
pub use traces::{TraceEvent, TraceSession};

use crate::snapshot::Rows;

/// Everything known about a cluster at one point in time.
#[derive(Debug, Default, Serialize)]
pub struct Snapshot {
    pub cluster: Cluster,
    pub nodes: Vec<Node>,
    pub schema: Schema,
    pub traces: Vec<TraceSession>,
    /// How the facts were gathered, for a live or saved collection (`None` for lint).
    pub collection: Option<Collection>,
}

/// What the collection recorded about itself.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Collection {
    pub created_at: String,
    pub tool_version: String,
    pub format_version: u32,
    /// `node: source: message` for every failure, nodes first.
    pub errors: Vec<String>,
}

impl Snapshot {
    /// The text of a config file some node was read from, by the path it was given as.
    pub fn file_text(&self, path: &str) -> Option<&str> {
        self.nodes.iter().find_map(|n| {
            let yaml = n
                .config
                .as_ref()
                // A config rebuilt from a running node's settings is no file: nothing to patch.
                .filter(|c| c.file.path == path && !c.running)
                .map(|c| &c.file);
            let jvm = || n.jvm.as_ref()?.files.iter().find(|f| f.path == path);
            yaml.or_else(jvm).map(|f| f.text.as_str())
        })
    }
}

#[derive(Debug, Default, Serialize)]
pub struct Cluster {
    pub name: Option<String>,
    pub partitioner: Option<String>,
}

/// One node, or for lint one configuration directory standing in for a node.
#[derive(Debug, Serialize)]
pub struct Node {
    /// Address for a live node; the config directory or file for lint.
    pub id: String,
    pub version: Version,
    /// How the version was decided ("--cassandra-version", "release_version", "detected from …").
    pub version_source: String,
    pub config: Option<YamlConfig>,
    pub jvm: Option<JvmConfig>,
    pub host: HostFacts,
    pub metrics: Metrics,
    /// A live node's identity and place (`None` for lint).
    pub live: Option<LiveNode>,
}

/// What CQL told about a node, with its node-local tables as collected.
#[derive(Debug, Default, Serialize)]
pub struct LiveNode {
    pub address: String,
    pub host_id: Option<String>,
    pub datacenter: Option<String>,
    pub rack: Option<String>,
    pub release_version: Option<String>,
    /// `system.local`, `system.size_estimates`, `system_views.*` by table name.
    pub tables: BTreeMap<String, Rows>,
    /// Rows of the per-table tables by (keyspace, table), built on first use by
    /// [`LiveNode::table_value`].
    #[serde(skip)]
    pub per_table_index: std::sync::OnceLock<PerTableIndex>,
}

/// Node-local table name → hash of (keyspace, table) → row numbers, in row order (one,
/// unless a table has several rows).
pub type PerTableIndex = BTreeMap<String, RowsByTable>;

/// Hash of (keyspace, table) → row numbers. foldhash, seeded per process, where SipHash
/// was a third of every lookup: rules ask for every (node, table, column) of a fleet.
pub type RowsByTable =
    std::collections::HashMap<u64, smallvec::SmallVec<[usize; 1]>, foldhash::fast::RandomState>;

impl LiveNode {
    /// Rows of a node-local table, e.g. `system_views.thread_pools`.
    pub fn table(&self, name: &str) -> Option<&Rows> {
        self.tables.get(name)
    }

    /// Column `col` as a number in the first row of table `name` (one with `keyspace_name`
    /// and `table_name` columns, e.g. `system_views.max_partition_size`) that is about
    /// `keyspace.table` and holds a number there. Rules ask this for every (node, table) pair;
    /// a scan per question made a fleet of nodes with hundreds of tables quadratic.
    pub fn table_value(&self, name: &str, keyspace: &str, table: &str, col: &str) -> Option<f64> {
        let rows = self.tables.get(name)?;
        let (k, t, c) = (
            rows.col("keyspace_name")?,
            rows.col("table_name")?,
            rows.col(col)?,
        );
        let index = self
            .per_table_index
            .get_or_init(|| per_table_index(&self.tables));
        let candidates = index.get(name)?.get(&table_key(keyspace, table))?;
        candidates.iter().find_map(|&i| {
            let r = rows.rows.get(i)?;
            (r.get(k)?.as_str()? == keyspace && r.get(t)?.as_str()? == table)
                .then(|| r.get(c)?.as_f64())
                .flatten()
        })
    }
}

fn table_key(keyspace: &str, table: &str) -> u64 {
    use std::hash::BuildHasher;
    static STATE: std::sync::LazyLock<foldhash::fast::RandomState> =
        std::sync::LazyLock::new(Default::default);
    STATE.hash_one((keyspace, table))
}

fn per_table_index(tables: &BTreeMap<String, Rows>) -> PerTableIndex {
    let mut out = PerTableIndex::new();
    for (name, rows) in tables {
        let (Some(k), Some(t)) = (rows.col("keyspace_name"), rows.col("table_name")) else {
            continue;
        };
        let mut by_table = RowsByTable::default();
        for (i, r) in rows.rows.iter().enumerate() {
            if let (Some(ks), Some(tn)) = (
                r.get(k).and_then(|v| v.as_str()),
                r.get(t).and_then(|v| v.as_str()),
            ) {
                by_table.entry(table_key(ks, tn)).or_default().push(i);
            }
        }
        out.insert(name.clone(), by_table);
    }
    out
}
