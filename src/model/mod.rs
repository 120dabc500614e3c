//! The Snapshot: the one structure every later stage reads.
//!
//! A live collection and an offline run (lint, a saved archive) fill the same types, so rules
//! never care where a fact came from. Raw inputs are kept next to what was derived from them,
//! so newer rules can re-read old snapshots.

pub mod config;
pub mod jvm;
pub mod units;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalog::Version;

pub use config::{ConfigEntry, Setting, SettingValue, YamlConfig};
pub use jvm::JvmConfig;

/// Everything known about a cluster at one point in time.
#[derive(Debug, Default, Serialize)]
pub struct Snapshot {
    pub cluster: Cluster,
    pub nodes: Vec<Node>,
    pub schema: Schema,
}

impl Snapshot {
    /// The text of a config file some node was read from, by the path it was given as.
    pub fn file_text(&self, path: &str) -> Option<&str> {
        self.nodes.iter().find_map(|n| {
            let yaml = n
                .config
                .as_ref()
                .filter(|c| c.file.path == path)
                .map(|c| &c.file);
            let jvm = || n.jvm.as_ref()?.files.iter().find(|f| f.path == path);
            yaml.or_else(jvm).map(|f| f.text.as_str())
        })
    }
}

#[derive(Debug, Default, Serialize)]
pub struct Cluster {
    pub name: Option<String>,
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
}

/// Facts about the machine a node runs on; every field is optional because each source
/// (flags, `collect-host`, /proc) may know only some.
#[derive(Debug, Default, Clone, Serialize)]
pub struct HostFacts {
    pub cores: Option<u32>,
    pub ram_bytes: Option<u128>,
    /// Number of separate data disks.
    pub data_disks: Option<u32>,
    pub swap_bytes: Option<u128>,
    /// Where the facts came from ("flags", "collect-host", …).
    pub source: Option<String>,
}

/// Node metrics, normalised to casstune's vocabulary (filled by the collectors).
#[derive(Debug, Default, Serialize)]
pub struct Metrics {
    pub values: BTreeMap<String, f64>,
}

/// Keyspaces and tables (filled by the CQL collector).
#[derive(Debug, Default, Serialize)]
pub struct Schema {
    pub keyspaces: Vec<Keyspace>,
}

#[derive(Debug, Default, Serialize)]
pub struct Keyspace {
    pub name: String,
    pub replication: BTreeMap<String, String>,
}
