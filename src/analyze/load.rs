//! From a snapshot archive to the [`Snapshot`] model: the raw members are read again with
//! this build's parsers, so an old snapshot profits from newer casstune.
//!
//! Every problem (a malformed member, an unknown Cassandra version, a scrape that does not
//! parse) becomes a line in the returned list; the node is still loaded with what was usable.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::catalog::Version;
use crate::collect::metrics::ScrapeInfo;
use crate::collect::prometheus::scrape::node_metrics;
use crate::lint::{self, FileKind, NodeInputs};
use crate::model::config::{self, SourceFile};
use crate::model::schema::{Column, Index, Keyspace, SizeEstimate, Table};
use crate::model::{
    Cluster, Collection, HostFacts, LiveNode, Metrics, Node, Schema, Snapshot, TraceEvent,
    TraceSession,
};
use crate::snapshot::{Archive, Record, Rows};

/// Builds the model. `problems` lists what could not be used, each naming the member.
pub fn snapshot(archive: &Archive, problems: &mut Vec<String>) -> Snapshot {
    snapshot_with(archive, Parsed::new(), problems)
}

/// Reads a snapshot file ([`Archive::read`]) and builds the model ([`snapshot`]) without
/// ever holding every node's raw members: each node's CQL rows and scrapes are parsed on
/// worker threads while the archive is still being decompressed, and the raw bytes are
/// dropped. Scrapes are most of a fleet's snapshot (a node with hundreds of tables serves
/// megabytes per scrape), so memory stays near the size of the model. The archive returned
/// holds every other member (files, host facts, traces, `scrape.json`, …). The result is the
/// one [`snapshot`] gives on [`Archive::read`].
pub fn read(
    path: &std::path::Path,
    problems: &mut Vec<String>,
) -> anyhow::Result<(Archive, Snapshot)> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (tx, rx) = std::sync::mpsc::sync_channel::<NodeMembers>(1);
    let rx = std::sync::Mutex::new(rx);
    let done = std::sync::Mutex::new(Parsed::new());
    let read = std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok(members) = job else { return };
                    let parts = members.parse();
                    if let Ok(mut done) = done.lock() {
                        done.insert(members.node, parts);
                    }
                }
            });
        }
        let mut stream = NodeStream {
            tx,
            group: None,
            flushed: std::collections::BTreeSet::new(),
            split: false,
        };
        let archive = Archive::read_filtered(path, &mut |p, b| stream.member(p, b));
        stream.flush();
        archive.map(|a| (a, stream.split))
        // `stream` (the sender) is dropped here: the workers finish the queue and stop.
    });
    let (archive, split) = match read {
        Ok(r) => r,
        // A damaged file: the error of a whole read names every member that was readable,
        // including those the stream had taken for parsing.
        Err(e) => return Err(Archive::read(path).err().unwrap_or(e)),
    };
    if split || archive.manifest.nodes.iter().any(|n| n.id.contains('/')) {
        // A node's members were not next to each other, or a node name is not one path
        // component: not an archive casstune wrote. Read it whole instead.
        let archive = Archive::read(path)?;
        let snap = snapshot(&archive, problems);
        return Ok((archive, snap));
    }
    let parsed = done
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let snap = snapshot_with(&archive, parsed, problems);
    Ok((archive, snap))
}

/// What the workers of [`read`] made of each node's members.
type Parsed = BTreeMap<String, NodeParts>;

/// A node's CQL tables (path, rows or the problem) and its metrics with their problems
/// (unprefixed), as [`node`] would read them from the archive.
#[derive(Clone, Default)]
struct NodeParts {
    tables: Vec<(String, Result<Rows, String>)>,
    metrics: Option<(Metrics, Vec<String>)>,
}

/// The members of one node taken out of the archive while it streams by.
struct NodeMembers {
    node: String,
    /// `nodes/<node>/cql/…` members, in path order.
    cql: Vec<(String, Vec<u8>)>,
    /// `scrape-<i>.prom` by i.
    scrapes: BTreeMap<u32, Vec<u8>>,
    /// A copy of `scrape.json` (which stays in the archive).
    info: Option<Vec<u8>>,
}

impl NodeMembers {
    fn parse(&self) -> NodeParts {
        let tables = self
            .cql
            .iter()
            .map(|(path, bytes)| {
                let rows = serde_json::from_slice::<Rows>(bytes)
                    .map(compact)
                    .map_err(|e| format!("snapshot member {path}: {e}"));
                (path.clone(), rows)
            })
            .collect();
        NodeParts {
            tables,
            metrics: self.metrics(),
        }
    }

    /// What [`metrics`] computes from the same members; `None` when it would not read the
    /// scrapes (no `scrape-0.prom` in UTF-8), so that it decides.
    fn metrics(&self) -> Option<(Metrics, Vec<String>)> {
        let first = std::str::from_utf8(self.scrapes.get(&0)?).ok()?;
        let info = self
            .info
            .as_deref()
            .and_then(|b| serde_json::from_slice::<ScrapeInfo>(b).ok());
        let second = self
            .scrapes
            .get(&1)
            .and_then(|b| std::str::from_utf8(b).ok());
        Some(scrape_metrics(first, second, info))
    }
}

/// Takes each node's CQL rows and scrapes out of the archive as it is read, and queues the
/// node's members once the archive has moved past them (members come in path order).
struct NodeStream {
    tx: std::sync::mpsc::SyncSender<NodeMembers>,
    group: Option<NodeMembers>,
    /// Nodes whose members were queued.
    flushed: std::collections::BTreeSet<String>,
    /// A node's members came in two runs.
    split: bool,
}

impl NodeStream {
    fn member(&mut self, path: &str, bytes: Vec<u8>) -> Option<Vec<u8>> {
        let Some((node, rest)) = path.strip_prefix("nodes/").and_then(|r| r.split_once('/')) else {
            self.flush();
            return Some(bytes);
        };
        if self.group.as_ref().is_some_and(|g| g.node != node) {
            self.flush();
        }
        if self.group.is_none() && self.flushed.contains(node) {
            self.split = true;
        }
        let group = self.group.get_or_insert_with(|| NodeMembers {
            node: node.to_string(),
            cql: Vec::new(),
            scrapes: BTreeMap::new(),
            info: None,
        });
        if rest.starts_with("cql/") {
            group.cql.push((path.to_string(), bytes));
            return None;
        }
        let Some(file) = rest.strip_prefix("metrics/").filter(|f| !f.contains('/')) else {
            return Some(bytes);
        };
        let index = file
            .strip_prefix("scrape-")
            .and_then(|f| f.strip_suffix(".prom"))
            .filter(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|i| i.parse::<u32>().ok());
        match index {
            Some(i) => {
                group.scrapes.insert(i, bytes);
                None
            }
            None => {
                if file == "scrape.json" {
                    group.info = Some(bytes.clone());
                }
                Some(bytes)
            }
        }
    }

    fn flush(&mut self) {
        if let Some(g) = self.group.take() {
            self.flushed.insert(g.node.clone());
            // A send fails only when every worker is gone, which means one panicked; the
            // scope re-raises that panic.
            let _ = self.tx.send(g);
        }
    }
}

/// Rows without the spare capacity deserialising leaves: a fleet holds tens of thousands.
fn compact(mut rows: Rows) -> Rows {
    rows.rows.shrink_to_fit();
    for r in &mut rows.rows {
        r.shrink_to_fit();
    }
    rows
}

fn snapshot_with(archive: &Archive, parsed: Parsed, problems: &mut Vec<String>) -> Snapshot {
    let m = &archive.manifest;
    let errors = collection_errors(archive).unwrap_or_default();
    let mut snap = Snapshot {
        cluster: Cluster {
            name: m.cluster_name.clone(),
            partitioner: None,
        },
        schema: schema(archive, problems),
        traces: traces(archive, problems),
        collection: Some(Collection {
            created_at: m.created_at.clone(),
            tool_version: m.tool_version.clone(),
            format_version: m.format_version,
            errors,
        }),
        nodes: Vec::new(),
    };
    for (loaded, node_problems) in nodes(archive, parsed) {
        problems.extend(node_problems);
        if let Some(node) = loaded {
            if snap.cluster.partitioner.is_none() {
                snap.cluster.partitioner = node
                    .live
                    .as_ref()
                    .and_then(|l| first_value(l.table("system.local")?, "partitioner"))
                    .map(str::to_string);
            }
            estimates(&node, &mut snap.schema);
            snap.nodes.push(node);
        }
    }
    snap
}

/// Every node of the manifest, in manifest order, each with the problems met loading it.
/// Nodes are independent and reading their scrapes is most of the work, so they are read on
/// as many threads as there are cores; the result does not depend on the thread count.
/// A node as loaded (`None` when it could not be), with the problems met.
type Loaded = (Option<Node>, Vec<String>);

fn nodes(archive: &Archive, mut parsed: Parsed) -> Vec<Loaded> {
    let entries = &archive.manifest.nodes;
    // Each entry's parsed members (from [`read`]); a node listed twice gets a copy.
    let mut pre: Vec<Option<NodeParts>> = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let again = entries[i + 1..].iter().any(|later| later.id == e.id);
        pre.push(if again {
            parsed.get(&e.id).cloned()
        } else {
            parsed.remove(&e.id)
        });
    }
    let pre: Vec<std::sync::Mutex<Option<NodeParts>>> =
        pre.into_iter().map(std::sync::Mutex::new).collect();
    let load = |i: usize| {
        let entry = &entries[i];
        let mut p = Vec::new();
        let m = pre[i].lock().ok().and_then(|mut m| m.take());
        let n = node(
            archive,
            &entry.id,
            entry.release_version.as_deref(),
            m,
            &mut p,
        );
        (n, p)
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(entries.len());
    if threads <= 1 {
        return (0..entries.len()).map(load).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, Loaded)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= entries.len() {
                            return out;
                        }
                        out.push((i, load(i)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// The collection's recorded failures, `node: source: message`; `None` when there were none.
pub fn collection_errors(archive: &Archive) -> Option<Vec<String>> {
    let out = crate::snapshot::errors::summarize(&archive.manifest);
    (!out.is_empty()).then_some(out)
}

fn rows(archive: &Archive, path: &str, problems: &mut Vec<String>) -> Option<Rows> {
    match archive.get_json::<Rows>(path) {
        Ok(r) => r,
        Err(e) => {
            problems.push(format!("{e:#}"));
            None
        }
    }
}

fn first_value<'a>(rows: &'a Rows, col: &str) -> Option<&'a str> {
    rows.rows.first()?.get(rows.col(col)?)?.as_str()
}

fn s(r: &Record<'_>, k: &str) -> String {
    r.get(k)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
}

fn schema(archive: &Archive, problems: &mut Vec<String>) -> Schema {
    let mut schema = Schema::default();
    let Some(ks_rows) = rows(archive, "cluster/system_schema.keyspaces.json", problems) else {
        return schema;
    };
    for r in ks_rows.records() {
        let replication = r
            .get("replication")
            .and_then(|v| v.as_object())
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        schema.keyspaces.push(Keyspace {
            name: s(&r, "keyspace_name"),
            replication,
            durable_writes: r.get("durable_writes").and_then(|v| v.as_bool()),
            tables: Vec::new(),
        });
    }
    for (member, is_view) in [("tables", false), ("views", true)] {
        let Some(t_rows) = rows(
            archive,
            &format!("cluster/system_schema.{member}.json"),
            problems,
        ) else {
            continue;
        };
        let name_col = if is_view { "view_name" } else { "table_name" };
        for r in t_rows.records() {
            let ks = s(&r, "keyspace_name");
            let table = Table {
                keyspace: ks.clone(),
                name: s(&r, name_col),
                is_view,
                options: r
                    .iter()
                    .filter(|(k, _)| !matches!(*k, "keyspace_name" | "table_name" | "view_name"))
                    .map(|(k, v)| (k.to_string(), (*v).clone()))
                    .collect(),
                ..Table::default()
            };
            if let Some(k) = schema.keyspaces.iter_mut().find(|k| k.name == ks) {
                k.tables.push(table);
            }
        }
    }
    if let Some(c_rows) = rows(archive, "cluster/system_schema.columns.json", problems) {
        for r in c_rows.records() {
            if let Some(t) = table_mut(&mut schema, &s(&r, "keyspace_name"), &s(&r, "table_name")) {
                t.columns.push(Column {
                    name: s(&r, "column_name"),
                    kind: s(&r, "kind"),
                    position: r.get("position").and_then(|v| v.as_i64()).unwrap_or(-1),
                    data_type: s(&r, "type"),
                    clustering_order: r
                        .get("clustering_order")
                        .and_then(|v| v.as_str())
                        .map(str::to_string),
                });
            }
        }
    }
    if let Some(i_rows) = rows(archive, "cluster/system_schema.indexes.json", problems) {
        for r in i_rows.records() {
            if let Some(t) = table_mut(&mut schema, &s(&r, "keyspace_name"), &s(&r, "table_name")) {
                t.indexes.push(Index {
                    name: s(&r, "index_name"),
                    kind: s(&r, "kind"),
                    options: r
                        .get("options")
                        .and_then(|v| v.as_object())
                        .map(|o| {
                            o.iter()
                                .map(|(k, v)| {
                                    (k.clone(), v.as_str().unwrap_or_default().to_string())
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                });
            }
        }
    }
    for k in &mut schema.keyspaces {
        k.tables.sort_by(|a, b| a.name.cmp(&b.name));
        for t in &mut k.tables {
            t.columns.sort_by(|a, b| {
                kind_rank(&a.kind)
                    .cmp(&kind_rank(&b.kind))
                    .then(a.position.cmp(&b.position))
                    .then(a.name.cmp(&b.name))
            });
        }
    }
    schema.keyspaces.sort_by(|a, b| a.name.cmp(&b.name));
    schema
}

fn kind_rank(kind: &str) -> u8 {
    match kind {
        "partition_key" => 0,
        "clustering" => 1,
        "static" => 2,
        _ => 3,
    }
}

fn table_mut<'a>(schema: &'a mut Schema, ks: &str, name: &str) -> Option<&'a mut Table> {
    schema
        .keyspaces
        .iter_mut()
        .find(|k| k.name == ks)?
        .tables
        .iter_mut()
        .find(|t| t.name == name)
}

/// `system.size_estimates` rows are per token range; sum them per table for this node.
fn estimates(node: &Node, schema: &mut Schema) {
    let Some(rows) = node
        .live
        .as_ref()
        .and_then(|l| l.table("system.size_estimates"))
    else {
        return;
    };
    let mut acc: BTreeMap<(String, String), SizeEstimate> = BTreeMap::new();
    let mut weighted: BTreeMap<(String, String), f64> = BTreeMap::new();
    for r in rows.records() {
        let key = (s(&r, "keyspace_name"), s(&r, "table_name"));
        let p = r
            .get("partitions_count")
            .and_then(|v| v.as_i64())
            .unwrap_or(0);
        let m = r
            .get("mean_partition_size")
            .and_then(|v| v.as_i64())
            .unwrap_or(0);
        let e = acc.entry(key.clone()).or_default();
        e.partitions += p;
        e.ranges += 1;
        *weighted.entry(key).or_default() += p as f64 * m as f64;
    }
    for ((ks, t), mut e) in acc {
        if e.partitions > 0 {
            e.mean_partition_size =
                (weighted[&(ks.clone(), t.clone())] / e.partitions as f64).round() as i64;
        }
        if let Some(table) = table_mut(schema, &ks, &t) {
            table.estimates.insert(node.id.clone(), e);
        }
    }
}

/// The version a live node reported; an unknown one falls back to the nearest line casstune
/// knows, with a problem saying so.
fn version_of(id: &str, release: Option<&str>, problems: &mut Vec<String>) -> (Version, String) {
    let Some(r) = release else {
        problems.push(format!(
            "{id}: no release_version collected; assuming Cassandra 5.0"
        ));
        return (Version::V5_0, "assumed (no release_version)".into());
    };
    match r.parse::<Version>() {
        Ok(v) => (v, format!("release_version {r}")),
        Err(_) => {
            let major: u32 = r
                .split('.')
                .next()
                .and_then(|m| m.parse().ok())
                .unwrap_or(0);
            let v = if major >= 5 {
                Version::V5_0
            } else {
                Version::V3_11
            };
            problems.push(format!(
                "{id}: Cassandra {r} is not a version casstune knows (3.11, 4.0, 4.1, 5.0); checked as {v}, so some findings may not apply"
            ));
            (v, format!("release_version {r}, checked as {v}"))
        }
    }
}

fn node(
    archive: &Archive,
    id: &str,
    release: Option<&str>,
    parsed: Option<NodeParts>,
    problems: &mut Vec<String>,
) -> Option<Node> {
    let prefix = format!("nodes/{id}/");
    let mut tables = BTreeMap::new();
    let cql_prefix = format!("{prefix}cql/");
    let (parsed_tables, scraped) = match parsed {
        Some(p) => (Some(p.tables), p.metrics),
        None => (None, None),
    };
    match parsed_tables {
        Some(list) => {
            for (path, r) in list {
                let name = path[cql_prefix.len()..]
                    .trim_end_matches(".json")
                    .to_string();
                match r {
                    Ok(r) => {
                        tables.insert(name, r);
                    }
                    Err(e) => problems.push(e),
                }
            }
        }
        None => {
            for path in archive.paths_under(&cql_prefix) {
                let name = path[cql_prefix.len()..]
                    .trim_end_matches(".json")
                    .to_string();
                if let Some(r) = rows(archive, path, problems) {
                    tables.insert(name, compact(r));
                }
            }
        }
    }
    let entry = archive.manifest.nodes.iter().find(|n| n.id == id)?;
    let release = release.map(str::to_string).or_else(|| {
        tables
            .get("system.local")
            .and_then(|r| first_value(r, "release_version"))
            .map(str::to_string)
    });
    let (version, version_source) = version_of(id, release.as_deref(), problems);
    let host = host_facts(archive, &format!("{prefix}host.json"), problems);
    let metrics = match scraped {
        Some((m, p)) => {
            problems.extend(p.into_iter().map(|p| format!("{id}: metrics: {p}")));
            m
        }
        None => metrics(archive, id, problems),
    };

    let files: Vec<(String, String, FileKind)> = archive
        .paths_under(&format!("{prefix}files/"))
        .filter_map(|p| {
            let kind = lint::classify(std::path::Path::new(p))?;
            Some((p.to_string(), archive.get_text(p)?.to_string(), kind))
        })
        .collect();
    let given = NodeInputs {
        version: Some(version),
        jdk: None,
        host: host.clone(),
    };
    let mut node = if files.is_empty() {
        None
    } else {
        lint::node_from_texts(id, files, &given, problems)
    }
    .unwrap_or_else(|| Node {
        id: id.to_string(),
        version,
        version_source: version_source.clone(),
        config: None,
        jvm: None,
        host: host.clone(),
        metrics: Metrics::default(),
        live: None,
    });
    node.version_source = version_source;
    node.metrics = metrics;
    if node.config.is_none()
        && let Some(settings) = tables.get("system_views.settings")
    {
        node.config = Some(config_from_settings(id, settings, version, problems));
    }
    node.live = Some(LiveNode {
        address: id.to_string(),
        host_id: entry.host_id.clone(),
        datacenter: entry.datacenter.clone(),
        rack: entry.rack.clone(),
        release_version: release,
        tables,
        ..LiveNode::default()
    });
    Some(node)
}

fn host_facts(archive: &Archive, path: &str, problems: &mut Vec<String>) -> HostFacts {
    let Some(text) = archive.get_text(path) else {
        return HostFacts::default();
    };
    match crate::collect::host::from_json(text, std::path::Path::new(path)) {
        Ok(f) => f,
        Err(e) => {
            problems.push(format!("{e:#}"));
            HostFacts::default()
        }
    }
}

/// Metrics from the node's own scrapes when there are any, else from the Prometheus server.
fn metrics(archive: &Archive, id: &str, problems: &mut Vec<String>) -> Metrics {
    let dir = format!("nodes/{id}/metrics/");
    if let Some(first) = archive.get_text(&format!("{dir}scrape-0.prom")) {
        let info: Option<ScrapeInfo> = archive
            .get_json(&format!("{dir}scrape.json"))
            .ok()
            .flatten();
        let second = archive.get_text(&format!("{dir}scrape-1.prom"));
        let (m, p) = scrape_metrics(first, second, info);
        problems.extend(p.into_iter().map(|p| format!("{id}: metrics: {p}")));
        return m;
    }
    let server = format!("prometheus-server/metrics/{id}.json");
    match archive.get_json::<Metrics>(&server) {
        Ok(Some(m)) => m,
        Ok(None) => Metrics::default(),
        Err(e) => {
            problems.push(format!("{e:#}"));
            Metrics::default()
        }
    }
}

/// A node's metrics from its first and second scrape; the second counts (for rates) only
/// when `scrape.json` tells how far apart they were taken.
fn scrape_metrics(
    first: &str,
    second: Option<&str>,
    info: Option<ScrapeInfo>,
) -> (Metrics, Vec<String>) {
    let seconds = info.as_ref().and_then(|i| {
        let mid = |t: &crate::collect::metrics::ScrapeTiming| {
            t.taken_at_unix_ms as f64 + t.elapsed_ms as f64 / 2.0
        };
        Some((mid(i.scrapes.get(1)?) - mid(i.scrapes.first()?)) / 1000.0)
    });
    let (mut m, p) = node_metrics(first, second.zip(seconds));
    m.source = info.map(|i| format!("scrape {}", i.url));
    (m, p)
}

/// A live node without config files: its running settings (`system_views.settings`) written
/// as the cassandra.yaml they amount to, so the config rules read them the same way.
/// Findings point at `system_views.settings@<node>`; no file diff can come from it.
fn config_from_settings(
    id: &str,
    rows: &Rows,
    version: Version,
    problems: &mut Vec<String>,
) -> config::YamlConfig {
    let text = settings_yaml(rows, version);
    let path = format!("system_views.settings@{id}");
    let mut cfg = match config::parse_root(&path, &text) {
        Ok(root) => config::YamlConfig::interpret(SourceFile { path, text }, &root, version),
        Err(e) => {
            problems.push(format!(
                "{id}: settings could not be read as configuration: {e}"
            ));
            let empty = "{}\n".to_string();
            let root = config::parse_root(&path, &empty).expect("an empty mapping parses");
            config::YamlConfig::interpret(SourceFile { path, text: empty }, &root, version)
        }
    };
    cfg.running = true;
    cfg
}

/// `name: value` lines from the settings rows, for the names this version's catalogue knows as
/// current, non-deprecated top-level settings. The table also lists every old alias
/// (`*_in_ms`) and nested options flattened (`audit_logging_options_enabled`, or `a.b` in
/// newer releases); those would read as a file setting both names. Map values are left out.
pub fn settings_yaml(rows: &Rows, version: Version) -> String {
    let catalog = crate::catalog::Catalog::get(version);
    let mut out = String::from(
        "# Rebuilt by casstune from system_views.settings (the node's running values).\n",
    );
    let mut seen = std::collections::BTreeSet::new();
    for r in rows.records() {
        let name = s(&r, "name");
        let Some(value) = r.get("value").and_then(|v| v.as_str()) else {
            continue;
        };
        let current = matches!(catalog.lookup(&name), Some(crate::catalog::Lookup::Current(p)) if !p.deprecated);
        if !current || value.starts_with('{') || !seen.insert(name.clone()) {
            continue;
        }
        out.push_str(&name);
        out.push_str(": ");
        out.push_str(&yaml_scalar(value));
        out.push('\n');
    }
    out
}

fn yaml_scalar(v: &str) -> String {
    let plain = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:".contains(c))
        && !v.starts_with(['-', ':', '.']);
    let flow_list =
        v.starts_with('[') && v.ends_with(']') && !v.contains(['{', '}', '#', '\'', '"']);
    if plain || flow_list {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\'', "''"))
    }
}

fn traces(archive: &Archive, problems: &mut Vec<String>) -> Vec<TraceSession> {
    let mut out = Vec::new();
    let probes: Vec<Value> = archive
        .get_json("traces/probes.json")
        .ok()
        .flatten()
        .unwrap_or_default();
    let probe_of: BTreeMap<String, String> = probes
        .iter()
        .filter_map(|p| {
            Some((
                p.get("session_id")?.as_str()?.to_string(),
                format!(
                    "{}.{}",
                    p.get("keyspace")?.as_str()?,
                    p.get("table")?.as_str()?
                ),
            ))
        })
        .collect();
    for (sessions, events) in [
        ("traces/sessions.json", "traces/events.json"),
        ("traces/probe-sessions.json", "traces/probe-events.json"),
    ] {
        let Some(srows) = rows(archive, sessions, problems) else {
            continue;
        };
        let erows = rows(archive, events, problems).unwrap_or_default();
        let mut by_session: BTreeMap<String, Vec<TraceEvent>> = BTreeMap::new();
        for r in erows.records() {
            by_session
                .entry(s(&r, "session_id"))
                .or_default()
                .push(TraceEvent {
                    activity: s(&r, "activity"),
                    source: r.get("source").and_then(|v| v.as_str()).map(str::to_string),
                    source_elapsed_us: r.get("source_elapsed").and_then(|v| v.as_i64()),
                    thread: r.get("thread").and_then(|v| v.as_str()).map(str::to_string),
                });
        }
        for r in srows.records() {
            let id = s(&r, "session_id");
            if out.iter().any(|t: &TraceSession| t.session_id == id) {
                continue;
            }
            let opt = |k: &str| r.get(k).and_then(|v| v.as_str()).map(str::to_string);
            out.push(TraceSession {
                coordinator: opt("coordinator"),
                client: opt("client"),
                duration_us: r.get("duration").and_then(|v| v.as_i64()),
                request: opt("request"),
                command: opt("command"),
                parameters: r
                    .get("parameters")
                    .and_then(|v| v.as_object())
                    .map(|o| {
                        o.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                            .collect()
                    })
                    .unwrap_or_default(),
                started_at_ms: r.get("started_at").and_then(|v| v.as_i64()),
                probe_of: probe_of.get(&id).cloned(),
                events: by_session.remove(&id).unwrap_or_default(),
                session_id: id,
            });
        }
    }
    out.sort_by(|a, b| {
        b.started_at_ms
            .cmp(&a.started_at_ms)
            .then(a.session_id.cmp(&b.session_id))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    /// The real recordings in the repository.
    fn recordings() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = vec![root.join("examples/demo.snap")];
        for dir in ["fixtures/snapshots", "fixtures/snapshots/scenarios"] {
            let mut found: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
                .into_iter()
                .flatten()
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "snap"))
                .collect();
            found.sort();
            out.extend(found);
        }
        out
    }

    fn model_json(s: &Snapshot) -> String {
        serde_json::to_string(s).expect("the model serialises")
    }

    #[test]
    fn streaming_read_builds_the_model_a_whole_read_builds() {
        let files = recordings();
        assert!(files.len() >= 3, "{files:?}");
        for f in files {
            let whole = Archive::read(&f).unwrap_or_else(|e| panic!("{}: {e:#}", f.display()));
            let mut p1 = Vec::new();
            let expected = snapshot(&whole, &mut p1);
            let mut p2 = Vec::new();
            let (streamed, got) =
                read(&f, &mut p2).unwrap_or_else(|e| panic!("{}: {e:#}", f.display()));
            assert_eq!(p1, p2, "{}", f.display());
            assert_eq!(model_json(&expected), model_json(&got), "{}", f.display());
            assert!(
                !got.nodes.is_empty() && got.nodes.iter().any(|n| !n.metrics.is_empty()),
                "{}",
                f.display()
            );
            // Everything but the parsed members is still there.
            for (path, bytes) in whole.members() {
                let parsed = path.starts_with("nodes/")
                    && (path.contains("/cql/")
                        || (path.contains("/metrics/scrape-") && path.ends_with(".prom")));
                assert_eq!(streamed.get(path).is_none(), parsed, "{path}");
                if !parsed {
                    assert_eq!(streamed.get(path), Some(bytes), "{path}");
                }
            }
            assert_eq!(streamed.manifest, whole.manifest);
        }
    }

    #[test]
    fn a_damaged_file_gives_the_error_of_a_whole_read() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo.snap");
        let bytes = std::fs::read(&src).expect("demo.snap");
        let dir = tempfile::tempdir().expect("temp dir");
        let cut = dir.path().join("cut.snap");
        std::fs::write(&cut, &bytes[..20_000]).expect("write");
        let whole = Archive::read(&cut).expect_err("a truncated archive does not read whole");
        let streamed = read(&cut, &mut Vec::new()).expect_err("nor streamed");
        assert_eq!(format!("{streamed:#}"), format!("{whole:#}"));
    }

    #[test]
    fn streaming_read_of_interleaved_nodes_falls_back_to_a_whole_read() {
        // Members ordered by file name (manifest first, as the format requires): the nodes'
        // members interleave (every node's scrape-0.prom, then every node's scrape-1.prom…),
        // so a node's scrapes cannot be parsed as they stream by.
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo.snap");
        let whole = Archive::read(&src).expect("demo.snap");
        let mut tar = tar::Builder::new(Vec::new());
        let manifest = serde_json::to_vec(&whole.manifest).expect("manifest");
        let mut put = |path: &str, bytes: &[u8]| {
            let mut h = tar::Header::new_gnu();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            tar.append_data(&mut h, path, bytes).expect("tar entry");
        };
        put("manifest.json", &manifest);
        let mut members: Vec<(&str, &[u8])> = whole.members().collect();
        members
            .sort_by_key(|(p, _)| (p.rsplit('/').next().unwrap_or(p).to_string(), p.to_string()));
        for (path, bytes) in members {
            put(path, bytes);
        }
        let raw = tar.into_inner().expect("tar");
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("reversed.snap");
        std::fs::write(&file, zstd::encode_all(&raw[..], 3).expect("zstd")).expect("write");

        let mut p1 = Vec::new();
        let expected = snapshot(&whole, &mut p1);
        let mut p2 = Vec::new();
        let (archive, got) = read(&file, &mut p2).expect("reversed archive reads");
        assert_eq!(p1, p2);
        assert_eq!(model_json(&expected), model_json(&got));
        assert!(
            archive.members().any(|(p, _)| p.ends_with(".prom")),
            "the fallback keeps every member"
        );
    }

    #[test]
    fn indexed_table_values_equal_a_scan_of_the_rows() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo.snap");
        let mut problems = Vec::new();
        let snap = snapshot(&Archive::read(&src).expect("demo.snap"), &mut problems);
        let mut checked = 0;
        for n in &snap.nodes {
            let live = n.live.as_ref().expect("a live node");
            for (name, rows) in &live.tables {
                let (Some(k), Some(t)) = (rows.col("keyspace_name"), rows.col("table_name")) else {
                    continue;
                };
                for r in &rows.rows {
                    let (Some(ks), Some(tn)) = (r[k].as_str(), r[t].as_str()) else {
                        continue;
                    };
                    for col in rows.columns.iter().chain([&"no_such_column".to_string()]) {
                        let scan = rows.records().find_map(|r| {
                            (r.get("keyspace_name")?.as_str()? == ks
                                && r.get("table_name")?.as_str()? == tn)
                                .then(|| r.get(col.as_str())?.as_f64())
                                .flatten()
                        });
                        assert_eq!(
                            live.table_value(name, ks, tn, col),
                            scan,
                            "{name} {ks}.{tn} {col}"
                        );
                        checked += 1;
                    }
                }
                assert_eq!(
                    live.table_value(name, "no_such_keyspace", "t", "count"),
                    None
                );
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    #[test]
    fn settings_become_yaml_the_config_reader_accepts() {
        let rows = Rows {
            query: String::new(),
            columns: vec!["name".into(), "value".into()],
            rows: vec![
                vec!["concurrent_reads".into(), "32".into()],
                vec![
                    "data_file_directories".into(),
                    "[/var/lib/cassandra/data]".into(),
                ],
                vec!["cluster_name".into(), "Test Cluster: 'prod'".into()],
                vec!["client_encryption_options.enabled".into(), "false".into()],
                vec!["audit_logging_options_enabled".into(), "false".into()],
                vec!["concurrent_reads_in_kb".into(), "1".into()],
                vec!["read_request_timeout_in_ms".into(), "5000".into()],
                vec!["read_request_timeout".into(), "5000ms".into()],
                vec!["key_cache_size".into(), Value::Null],
            ],
        };
        let y = settings_yaml(&rows, Version::V5_0);
        assert!(y.contains("concurrent_reads: 32\n"), "{y}");
        assert!(
            y.contains("data_file_directories: [/var/lib/cassandra/data]\n"),
            "{y}"
        );
        assert!(
            y.contains("cluster_name: 'Test Cluster: ''prod'''\n"),
            "{y}"
        );
        assert!(!y.contains("client_encryption_options"), "{y}");
        assert!(!y.contains("audit_logging"), "{y}");
        assert!(!y.contains("_in_kb"), "{y}");
        assert!(!y.contains("timeout_in_ms"), "{y}");
        assert!(y.contains("read_request_timeout: 5000ms\n"), "{y}");
        assert!(!y.contains("key_cache_size"), "{y}");
        assert!(config::parse_root("s", &y).is_ok());
    }
}
