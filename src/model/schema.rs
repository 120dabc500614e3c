//! Keyspaces, tables and their options as the cluster's `system_schema` describes them.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Default, Clone, Serialize)]
pub struct Schema {
    pub keyspaces: Vec<Keyspace>,
}

impl Schema {
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.keyspaces.iter().flat_map(|k| k.tables.iter())
    }

    pub fn table(&self, keyspace: &str, name: &str) -> Option<&Table> {
        self.tables()
            .find(|t| t.keyspace == keyspace && t.name == name)
    }
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Keyspace {
    pub name: String,
    /// `class` and per-datacenter factors, as `system_schema.keyspaces.replication` holds them.
    pub replication: BTreeMap<String, String>,
    pub durable_writes: Option<bool>,
    pub tables: Vec<Table>,
}

impl Keyspace {
    /// Cassandra's own keyspaces (`system*`), which operators do not tune.
    pub fn is_system(&self) -> bool {
        is_system_keyspace(&self.name)
    }
}

pub fn is_system_keyspace(name: &str) -> bool {
    name.starts_with("system") || name == "dse_system"
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Table {
    pub keyspace: String,
    pub name: String,
    /// A materialized view rather than a table.
    pub is_view: bool,
    /// Every other column of the `system_schema.tables` (or `views`) row, by name:
    /// `compaction`, `caching`, `compression` (maps), `bloom_filter_fp_chance`,
    /// `default_time_to_live`, `gc_grace_seconds`, `speculative_retry`, …
    pub options: BTreeMap<String, Value>,
    pub columns: Vec<Column>,
    pub indexes: Vec<Index>,
    /// Per node: `system.size_estimates` summed over the node's token ranges.
    pub estimates: BTreeMap<String, SizeEstimate>,
}

impl Table {
    /// A map option's entry, e.g. `option_map("compaction", "class")`.
    pub fn option_map(&self, option: &str, key: &str) -> Option<&str> {
        self.options.get(option)?.get(key)?.as_str()
    }

    pub fn option_i64(&self, option: &str) -> Option<i64> {
        self.options.get(option)?.as_i64()
    }

    /// The compaction class without its package (`SizeTieredCompactionStrategy`).
    pub fn compaction_class(&self) -> Option<&str> {
        self.option_map("compaction", "class")
            .map(|c| c.rsplit('.').next().unwrap_or(c))
    }

    pub fn qualified(&self) -> String {
        format!("{}.{}", self.keyspace, self.name)
    }
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Column {
    pub name: String,
    /// `partition_key`, `clustering`, `regular` or `static`.
    pub kind: String,
    pub position: i64,
    pub data_type: String,
    pub clustering_order: Option<String>,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Index {
    pub name: String,
    pub kind: String,
    pub options: BTreeMap<String, String>,
}

#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq)]
pub struct SizeEstimate {
    pub partitions: i64,
    /// Weighted by partitions over the ranges.
    pub mean_partition_size: i64,
    pub ranges: u32,
}
