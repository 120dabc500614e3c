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
}

impl LiveNode {
    /// Rows of a node-local table, e.g. `system_views.thread_pools`.
    pub fn table(&self, name: &str) -> Option<&Rows> {
        self.tables.get(name)
    }
}
