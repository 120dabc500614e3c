//! The snapshot archive: everything one collection gathered, as raw members plus a manifest.
//!
//! Members are kept as they came (scrape text, virtual-table rows as JSON, config file text),
//! so a newer casstune re-derives the model from an old archive. `casstune analyze` reads an
//! archive into the same [`Archive`] a live collection builds in memory, then
//! [`crate::analyze::load::snapshot`] turns it into the [`crate::model::Snapshot`] the engine
//! reads.
//!
//! [`archive`] writes and reads the file (one zstd-compressed tar, `manifest.json` first, see
//! `fixtures/snapshots/README.md`); [`redact`] keeps credentials out of it.
//!
//! Member layout (paths are `/`-separated, relative):
//! - `manifest.json`: [`Manifest`]
//! - `cluster/<source>.json`: cluster-wide CQL tables (`system_schema.tables`, …) as [`Rows`]
//! - `nodes/<node>/cql/<keyspace.table>.json`: node-local tables (`system.local`,
//!   `system_views.settings`, `system.size_estimates`, …) as [`Rows`]
//! - `nodes/<node>/metrics/scrape-<i>.prom` and `scrape-<i>.json` (URL, time taken)
//! - `nodes/<node>/files/<name>`: config files (cassandra.yaml, jvm*-server.options, cassandra-env.sh)
//! - `nodes/<node>/host.json`: host facts from `collect-host` or the local machine
//! - `traces/sessions.json`, `traces/events.json`, `traces/probes.json`
//! - `prometheus-server/<name>.json`: raw PromQL API answers

pub mod archive;
pub mod errors;
pub mod redact;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Format version this build writes. Readers accept this and every older version.
pub const FORMAT_VERSION: u32 = 1;
/// The manifest's `format` field, so other JSON files are not mistaken for snapshots.
pub const FORMAT_NAME: &str = "casstune-snapshot";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// casstune version that wrote the archive.
    pub tool_version: String,
    /// RFC 3339 UTC time the collection started.
    pub created_at: String,
    /// Seconds the collection took.
    pub duration_seconds: f64,
    /// The command line's collection settings (no credentials).
    pub options: BTreeMap<String, String>,
    /// Cluster name from system.local, when known.
    pub cluster_name: Option<String>,
    /// Per node: what was collected and what failed.
    pub nodes: Vec<NodeEntry>,
    /// Errors not tied to one node (schema queries, the Prometheus server, …).
    pub errors: Vec<SourceError>,
    /// Every member's path and size (the manifest itself excepted), in path order, written by
    /// [`Archive::write`]; a reader compares it with what it found to notice a cut-off archive.
    pub members: Vec<MemberEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NodeEntry {
    /// The node's address as casstune names it (the `<node>` directory), e.g. `127.0.0.1`.
    pub id: String,
    pub host_id: Option<String>,
    pub datacenter: Option<String>,
    pub rack: Option<String>,
    pub release_version: Option<String>,
    /// Sources gathered successfully, e.g. `cql:system_views.settings`, `metrics:scrape`.
    pub collected: Vec<String>,
    pub errors: Vec<SourceError>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SourceError {
    /// What was being collected, e.g. `cql:system_views.caches`, `metrics:http://…`.
    pub source: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MemberEntry {
    pub path: String,
    pub bytes: u64,
}

/// Rows of one CQL query, column names once, values as JSON (maps as objects, sets and lists
/// as arrays, UUIDs/inets/blobs as strings, timestamps as milliseconds since the epoch).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Rows {
    pub query: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<serde_json::Value>>,
}

impl Rows {
    /// Index of a column by name.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Each row, for readers that go by column name.
    pub fn records(&self) -> impl Iterator<Item = Record<'_>> + '_ {
        self.rows.iter().map(|row| Record {
            columns: &self.columns,
            row,
        })
    }
}

/// One row of [`Rows`] read by column name. A view, not a map: rules read a few columns of
/// every row of tables with thousands of rows on fleets of hundreds of nodes, and building a
/// map per row was most of `analyze`'s time there.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    columns: &'a [String],
    row: &'a [serde_json::Value],
}

impl<'a> Record<'a> {
    /// The value of a column; `None` when the table has no such column (or the row is short).
    pub fn get(&self, column: &str) -> Option<&'a serde_json::Value> {
        let i = self.columns.iter().position(|c| c == column)?;
        self.row.get(i)
    }

    /// (column, value) pairs in column order.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a serde_json::Value)> + 'a {
        self.columns.iter().map(String::as_str).zip(self.row.iter())
    }
}

/// `record["column"]`: the value, or `null` for a column the table lacks (as `serde_json`
/// indexing does).
impl<'a> std::ops::Index<&str> for Record<'a> {
    type Output = serde_json::Value;

    fn index(&self, column: &str) -> &serde_json::Value {
        static NULL: serde_json::Value = serde_json::Value::Null;
        self.get(column).unwrap_or(&NULL)
    }
}

/// A snapshot in memory: the manifest and the members by path.
#[derive(Debug, Clone)]
pub struct Archive {
    pub manifest: Manifest,
    members: BTreeMap<String, Vec<u8>>,
}

impl Archive {
    /// An empty archive stamped with this build's format and tool version.
    pub fn new(created_at: String) -> Archive {
        Archive {
            manifest: Manifest {
                format: FORMAT_NAME.to_string(),
                format_version: FORMAT_VERSION,
                tool_version: env!("CARGO_PKG_VERSION").to_string(),
                created_at,
                duration_seconds: 0.0,
                options: BTreeMap::new(),
                cluster_name: None,
                nodes: Vec::new(),
                errors: Vec::new(),
                members: Vec::new(),
            },
            members: BTreeMap::new(),
        }
    }

    pub fn put(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.members.insert(path.into(), bytes.into());
    }

    pub fn put_json<T: Serialize>(&mut self, path: impl Into<String>, value: &T) {
        let mut bytes = serde_json::to_vec_pretty(value).expect("JSON of plain data");
        bytes.push(b'\n');
        self.put(path, bytes);
    }

    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.members.get(path).map(Vec::as_slice)
    }

    pub fn get_text(&self, path: &str) -> Option<&str> {
        self.get(path).and_then(|b| std::str::from_utf8(b).ok())
    }

    /// A member parsed as JSON; `None` when absent, an error naming the member when malformed.
    pub fn get_json<T: for<'de> Deserialize<'de>>(&self, path: &str) -> anyhow::Result<Option<T>> {
        match self.get(path) {
            None => Ok(None),
            Some(b) => serde_json::from_slice(b)
                .map(Some)
                .map_err(|e| anyhow::anyhow!("snapshot member {path}: {e}")),
        }
    }

    /// Member paths under a prefix, in order.
    pub fn paths_under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.members
            .range(prefix.to_string()..)
            .map(|(k, _)| k.as_str())
            .take_while(move |k| k.starts_with(prefix))
    }

    pub fn members(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.members.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// The manifest entry of a node, created on first use.
    pub fn node_entry(&mut self, id: &str) -> &mut NodeEntry {
        if let Some(i) = self.manifest.nodes.iter().position(|n| n.id == id) {
            return &mut self.manifest.nodes[i];
        }
        self.manifest.nodes.push(NodeEntry {
            id: id.to_string(),
            host_id: None,
            datacenter: None,
            rack: None,
            release_version: None,
            collected: Vec::new(),
            errors: Vec::new(),
        });
        self.manifest.nodes.last_mut().expect("just pushed")
    }

    /// True when any node or source recorded an error (the collection is partial).
    pub fn is_partial(&self) -> bool {
        !self.manifest.errors.is_empty() || self.manifest.nodes.iter().any(|n| !n.errors.is_empty())
    }
}
