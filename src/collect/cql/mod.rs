//! The CQL collector: cluster facts, schema, node-local virtual tables and traces, read over the
//! native protocol with the `scylla` driver. It only issues `SELECT`s (the opt-in probes are
//! traced `SELECT`s too) and writes raw rows into the [`Archive`]; judging is the engine's job.
//!
//! Node-local tables (`system.local`, `system.size_estimates`, `system_views.*`) are read on
//! **each** node by pinning the statement to that node (`SingleTargetLoadBalancingPolicy`, no
//! fallback), so a down node fails its own queries and never silently answers with another
//! node's data. Every node's work runs under its own timeout with bounded concurrency; what a
//! node yielded before failing is kept, and every failure is recorded per node and source.

mod tls;
pub mod value;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt as _;
use scylla::client::execution_profile::ExecutionProfile;
use scylla::client::session::Session;
use scylla::client::session_builder::SessionBuilder;
use scylla::cluster::Node;
use scylla::policies::load_balancing::{NodeIdentifier, SingleTargetLoadBalancingPolicy};
use scylla::response::{PagingState, PagingStateResponse};
use scylla::statement::{Consistency, Statement};
use scylla::value::{CqlValue, Row};
use serde_json::Value;

use crate::snapshot::{Archive, Rows, SourceError};

pub use tls::TlsOptions;

/// How to reach the cluster and how much to read.
#[derive(Debug, Clone)]
pub struct CqlOptions {
    /// `host` or `host:port`; `port` applies to those without one.
    pub contact_points: Vec<String>,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    pub tls: Option<TlsOptions>,
    pub connect_timeout: Duration,
    /// Per query.
    pub request_timeout: Duration,
    /// All of one node's queries together.
    pub node_timeout: Duration,
    /// Nodes read at the same time.
    pub concurrency: usize,
    /// Trace sessions newer than this are kept…
    pub trace_window: Duration,
    /// …at most this many, the most recent first.
    pub trace_limit: usize,
    /// Traced single-partition reads per user table (0: none).
    pub probe_traces: u32,
    /// Rows kept per table and node; more is recorded as truncation.
    pub row_cap: usize,
}

impl Default for CqlOptions {
    fn default() -> Self {
        CqlOptions {
            contact_points: vec!["127.0.0.1".into()],
            port: 9042,
            username: None,
            password: None,
            tls: None,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            node_timeout: Duration::from_secs(60),
            concurrency: 32,
            trace_window: Duration::from_secs(24 * 3600),
            trace_limit: 200,
            probe_traces: 0,
            row_cap: 100_000,
        }
    }
}

/// The cluster-wide tables, read once through any node.
const SCHEMA_TABLES: &[&str] = &[
    "system_schema.keyspaces",
    "system_schema.tables",
    "system_schema.columns",
    "system_schema.indexes",
    "system_schema.views",
    "system_schema.types",
];

/// Keyspaces whose tables are never probed with traced reads.
const SYSTEM_KEYSPACES: &[&str] = &[
    "system",
    "system_schema",
    "system_auth",
    "system_distributed",
    "system_traces",
    "system_views",
    "system_virtual_schema",
    "system_cluster_metadata",
];

/// Opens a session. Every failure is one line: unreachable contact points, refused
/// credentials and TLS problems read as such, not as a driver error dump.
pub async fn connect(opts: &CqlOptions) -> anyhow::Result<Session> {
    let points: Vec<String> = opts
        .contact_points
        .iter()
        .map(|p| with_port(p, opts.port))
        .collect();
    let profile = ExecutionProfile::builder()
        .request_timeout(Some(opts.request_timeout))
        .consistency(Consistency::One)
        .build();
    let mut b = SessionBuilder::new()
        .known_nodes(&points)
        .connection_timeout(opts.connect_timeout)
        .default_execution_profile_handle(profile.into_handle())
        // casstune never changes the schema; it need not wait for agreement.
        .auto_await_schema_agreement(false)
        .metadata_request_serverside_timeout(opts.request_timeout);
    if let Some(u) = &opts.username {
        b = b.user(u, opts.password.clone().unwrap_or_default());
    }
    if let Some(t) = &opts.tls {
        b = b.tls_context(Some(tls::client_config(t)?));
    }
    let budget = opts.connect_timeout * 2 + opts.request_timeout;
    match tokio::time::timeout(budget, b.build()).await {
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => Err(anyhow::anyhow!(
            "cannot connect to {}: {}",
            points.join(", "),
            explain_connect_error(&e.to_string(), opts)
        )),
        Err(_) => Err(anyhow::anyhow!(
            "cannot connect to {}: no answer within {:.0?}",
            points.join(", "),
            budget
        )),
    }
}

fn with_port(point: &str, port: u16) -> String {
    let has_port = match point.rsplit_once(':') {
        Some((host, p)) => p.parse::<u16>().is_ok() && (!host.contains(':') || host.ends_with(']')),
        None => false,
    };
    if has_port {
        point.to_string()
    } else if point.contains(':') && !point.starts_with('[') {
        format!("[{point}]:{port}")
    } else {
        format!("{point}:{port}")
    }
}

/// The driver's connect error as one line a user can act on. The driver wraps the cause in
/// pool and metadata-fetch context ("… Last connection failed with: CAUSE"); refused
/// credentials, a rejected certificate and a TLS/plaintext mismatch are named as such, with
/// the flag that fixes them. The driver never echoes the password, and neither does this.
fn explain_connect_error(driver: &str, opts: &CqlOptions) -> String {
    one_line(&explain_cause(driver, opts))
}

fn explain_cause(driver: &str, opts: &CqlOptions) -> String {
    let all = driver.split_whitespace().collect::<Vec<_>>().join(" ");
    let cause = all
        .rsplit_once("Last connection failed with: ")
        .map_or(all.as_str(), |(_, c)| c);
    if cause.contains("Authentication failed") || cause.contains("bad credentials") {
        let server = cause
            .split_once("Error message: ")
            .map_or(cause, |(_, m)| m);
        return format!(
            "authentication failed for user {:?}: {server} (check --username and the password: \
             CASSTUNE_PASSWORD, --password-file or cqlshrc)",
            opts.username.as_deref().unwrap_or_default()
        );
    }
    if cause.contains("Authentication is required") {
        return "the node requires authentication: give --username and a password \
                (CASSTUNE_PASSWORD, --password-file or cqlshrc)"
            .into();
    }
    if cause.contains("invalid peer certificate") {
        let hint = if cause.contains("UnknownIssuer") {
            match opts.tls.as_ref().and_then(|t| t.ca_file.as_ref()) {
                Some(ca) => format!("; no CA in {} signed it", ca.display()),
                None => String::new(),
            }
        } else if cause.contains("NotValidForName") {
            "; its subjectAltName does not list the address connected to".into()
        } else {
            String::new()
        };
        return format!(
            "TLS: the node's certificate was rejected ({cause}){hint} (--tls-ca names the CA to \
             trust; --tls-insecure skips verification, for test clusters only)"
        );
    }
    if opts.tls.is_none()
        && (cause.contains("Connection reset") || cause.contains("Connection broken"))
    {
        return format!(
            "{cause} (the node closed the connection at the first request: if it requires \
             client TLS, add --tls --tls-ca FILE)"
        );
    }
    if opts.tls.is_some()
        && (cause.contains("corrupt message") || cause.contains("InvalidContentType"))
    {
        return format!(
            "TLS handshake failed ({cause}): the node does not seem to speak TLS on this port \
             (client_encryption_options): connect without --tls"
        );
    }
    all
}

/// Driver errors nest causes across lines and repeat them per contact point; keep the gist.
fn one_line(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 400 {
        let cut: String = s.chars().take(400).collect();
        format!("{cut}…")
    } else {
        s
    }
}

/// The name casstune gives a node: its IP, with the port when it is not the usual one.
pub fn node_id(node: &Node, port: u16) -> String {
    let a = node.address;
    if a.port() == port {
        a.ip().to_string()
    } else {
        format!("{}:{}", a.ip(), a.port())
    }
}

/// Progress events for the command's progress line.
pub trait Progress: Send + Sync {
    fn node_done(&self, node: &str, done: usize, total: usize, ok: bool);
}

impl<F: Fn(&str, usize, usize, bool) + Send + Sync> Progress for F {
    fn node_done(&self, node: &str, done: usize, total: usize, ok: bool) {
        self(node, done, total, ok)
    }
}

/// Reads everything from the cluster into `archive`. Returns after every node finished or
/// timed out; failures are in the manifest, never an early return.
pub async fn collect(
    session: &Session,
    opts: &CqlOptions,
    archive: &mut Archive,
    progress: &dyn Progress,
) {
    let state = session.get_cluster_state();
    archive.manifest.cluster_name =
        Some(state.cluster_name().to_string()).filter(|s| !s.is_empty());
    cluster_tables(session, opts, archive).await;

    let nodes: Vec<Arc<Node>> = state.get_nodes_info().to_vec();
    let total = nodes.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let harvests: Vec<NodeHarvest> = futures::stream::iter(nodes.into_iter().map(|node| {
        let done = &done;
        async move {
            let h = collect_node(session, opts, node).await;
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress.node_done(&h.id, n, total, h.errors.is_empty());
            h
        }
    }))
    .buffer_unordered(opts.concurrency.max(1))
    .collect()
    .await;
    let mut harvests = harvests;
    harvests.sort_by(|a, b| a.id.cmp(&b.id));
    for h in harvests {
        h.store(archive);
    }

    traces(session, opts, archive).await;
    if opts.probe_traces > 0 {
        probes(session, opts, archive).await;
    }
}

/// A node's yield, kept even when the node's time ran out half-way.
#[derive(Debug, Default)]
struct NodeHarvest {
    id: String,
    host_id: String,
    datacenter: Option<String>,
    rack: Option<String>,
    members: Vec<(String, Rows)>,
    collected: Vec<String>,
    errors: Vec<SourceError>,
}

impl NodeHarvest {
    fn store(self, archive: &mut Archive) {
        for (table, rows) in &self.members {
            archive.put_json(format!("nodes/{}/cql/{table}.json", self.id), rows);
        }
        let release = self
            .members
            .iter()
            .find(|(t, _)| t == "system.local")
            .and_then(|(_, r)| {
                let i = r.col("release_version")?;
                r.rows.first()?.get(i)?.as_str().map(str::to_string)
            });
        let e = archive.node_entry(&self.id);
        e.host_id = Some(self.host_id);
        e.datacenter = self.datacenter;
        e.rack = self.rack;
        if release.is_some() {
            e.release_version = release;
        }
        e.collected.extend(self.collected);
        e.errors.extend(self.errors);
    }
}

async fn collect_node(session: &Session, opts: &CqlOptions, node: Arc<Node>) -> NodeHarvest {
    let id = node_id(&node, opts.port);
    let harvest = Arc::new(Mutex::new(NodeHarvest {
        id: id.clone(),
        host_id: node.host_id.to_string(),
        datacenter: node.datacenter.clone(),
        rack: node.rack.clone(),
        ..NodeHarvest::default()
    }));
    let work = node_tables(session, opts, node, harvest.clone());
    if tokio::time::timeout(opts.node_timeout, work).await.is_err() {
        let mut h = harvest.lock().unwrap_or_else(|p| p.into_inner());
        let got = h.collected.len();
        h.errors.push(SourceError {
            source: "cql".into(),
            message: format!(
                "node timed out after {:.0?} (--node-timeout); kept the {got} table(s) read before",
                opts.node_timeout
            ),
        });
    }
    let mut h = harvest.lock().unwrap_or_else(|p| p.into_inner());
    std::mem::take(&mut *h)
}

async fn node_tables(
    session: &Session,
    opts: &CqlOptions,
    node: Arc<Node>,
    out: Arc<Mutex<NodeHarvest>>,
) {
    let target = || SingleTargetLoadBalancingPolicy::new(NodeIdentifier::Node(node.clone()), None);
    let record = |table: &str, r: anyhow::Result<Rows>| {
        let mut h = out.lock().unwrap_or_else(|p| p.into_inner());
        match r {
            Ok(rows) => {
                if rows.rows.len() >= opts.row_cap {
                    h.errors.push(SourceError {
                        source: format!("cql:{table}"),
                        message: format!("truncated at {} rows (--row-cap)", opts.row_cap),
                    });
                }
                h.collected.push(format!("cql:{table}"));
                h.members.push((table.to_string(), rows));
            }
            Err(e) => h.errors.push(SourceError {
                source: format!("cql:{table}"),
                message: one_line(&e.to_string()),
            }),
        }
    };
    // Every node-local table is read whole, pinned to this node.
    let select_table = async |table: &str| {
        let cql = format!("SELECT * FROM {table}");
        select_all(session, &cql, Some(target()), opts).await
    };
    for table in ["system.local", "system.size_estimates"] {
        let r = select_table(table).await;
        let dead = r.is_err() && table == "system.local";
        record(table, r);
        if dead {
            // The node did not answer its first query: the rest would each wait for the same timeout.
            return;
        }
    }
    let list = select_all(
        session,
        "SELECT table_name FROM system_virtual_schema.tables WHERE keyspace_name = 'system_views'",
        Some(target()),
        opts,
    )
    .await;
    let names: Vec<String> = match list {
        Ok(rows) => rows
            .rows
            .iter()
            .filter_map(|r| r.first()?.as_str().map(str::to_string))
            .collect(),
        Err(e) => {
            let msg = e.to_string();
            // Before 4.0 there are no virtual tables: nothing is missing, so no error.
            if !msg.contains("system_virtual_schema") {
                record("system_virtual_schema.tables", Err(e));
            }
            return;
        }
    };
    for name in names {
        let table = format!("system_views.{name}");
        let r = select_table(&table).await;
        record(&table, r);
    }
}

/// Runs a SELECT page by page up to the row cap. `target` pins it to one node.
async fn select_all(
    session: &Session,
    cql: &str,
    target: Option<Arc<dyn scylla::policies::load_balancing::LoadBalancingPolicy>>,
    opts: &CqlOptions,
) -> anyhow::Result<Rows> {
    let mut st = Statement::new(cql);
    st.set_page_size(5000);
    st.set_consistency(Consistency::One);
    st.set_request_timeout(Some(opts.request_timeout));
    if let Some(t) = target {
        st.set_load_balancing_policy(Some(t));
    }
    let mut out = Rows {
        query: cql.to_string(),
        ..Rows::default()
    };
    let mut state = PagingState::start();
    loop {
        let (res, paging) = session.query_single_page(st.clone(), &[], state).await?;
        let rows = res.into_rows_result()?;
        if out.columns.is_empty() {
            out.columns = rows
                .column_specs()
                .iter()
                .map(|c| c.name().to_string())
                .collect();
        }
        for row in rows.rows::<Row>()? {
            if out.rows.len() >= opts.row_cap {
                return Ok(out);
            }
            out.rows.push(value::row_to_json(row?));
        }
        match paging {
            PagingStateResponse::HasMorePages { state: next } => state = next,
            PagingStateResponse::NoMorePages => return Ok(out),
        }
    }
}

/// A cluster-wide read: tried on one node after another (connected ones first) so one hung
/// node costs one timeout, not the schema.
async fn select_any(session: &Session, cql: &str, opts: &CqlOptions) -> anyhow::Result<Rows> {
    let state = session.get_cluster_state();
    let mut nodes: Vec<Arc<Node>> = state.get_nodes_info().to_vec();
    nodes.sort_by_key(|n| !n.is_connected());
    let mut last = None;
    for node in nodes.into_iter().take(3) {
        let target = SingleTargetLoadBalancingPolicy::new(NodeIdentifier::Node(node), None);
        match select_all(session, cql, Some(target), opts).await {
            Ok(r) => return Ok(r),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| anyhow::anyhow!("no node to ask")))
}

async fn cluster_tables(session: &Session, opts: &CqlOptions, archive: &mut Archive) {
    let peers = match select_any(session, "SELECT * FROM system.peers_v2", opts).await {
        Ok(r) => Ok(("system.peers_v2", r)),
        // 3.11 has only system.peers.
        Err(_) => select_any(session, "SELECT * FROM system.peers", opts)
            .await
            .map(|r| ("system.peers", r)),
    };
    let mut results = vec![peers];
    for t in SCHEMA_TABLES.iter().copied() {
        results.push(
            select_any(session, &format!("SELECT * FROM {t}"), opts)
                .await
                .map(|r| (t, r))
                .map_err(|e| e.context(t)),
        );
    }
    for r in results {
        match r {
            Ok((t, rows)) => archive.put_json(format!("cluster/{t}.json"), &rows),
            Err(e) => archive.manifest.errors.push(SourceError {
                source: "cql:cluster".into(),
                message: one_line(&format!("{e:#}")),
            }),
        }
    }
}

/// Recent trace sessions and their events. `system_traces.sessions` has no time index, so the
/// table is paged (it expires after a day) and the newest sessions are kept.
async fn traces(session: &Session, opts: &CqlOptions, archive: &mut Archive) {
    if opts.trace_limit == 0 {
        return;
    }
    let scan = CqlOptions {
        row_cap: opts.row_cap.min(20_000),
        ..opts.clone()
    };
    let mut sessions =
        match select_any(session, "SELECT * FROM system_traces.sessions", &scan).await {
            Ok(r) => r,
            Err(e) => {
                archive.manifest.errors.push(SourceError {
                    source: "cql:system_traces.sessions".into(),
                    message: one_line(&e.to_string()),
                });
                return;
            }
        };
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let since = now_ms - opts.trace_window.as_millis() as i64;
    let started = sessions.col("started_at");
    let started_at = |r: &Vec<Value>| started.and_then(|i| r.get(i)?.as_i64()).unwrap_or(0);
    sessions.rows.retain(|r| started_at(r) >= since);
    sessions
        .rows
        .sort_by_key(|r| std::cmp::Reverse(started_at(r)));
    sessions.rows.truncate(opts.trace_limit);
    let ids = session_ids(&sessions);
    let events = trace_events(session, opts, &ids, &mut archive.manifest.errors).await;
    archive.put_json("traces/sessions.json", &sessions);
    archive.put_json("traces/events.json", &events);
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

fn session_ids(sessions: &Rows) -> Vec<String> {
    let Some(i) = sessions.col("session_id") else {
        return Vec::new();
    };
    sessions
        .rows
        .iter()
        .filter_map(|r| r.get(i)?.as_str().map(str::to_string))
        .collect()
}

async fn trace_events(
    session: &Session,
    opts: &CqlOptions,
    ids: &[String],
    errors: &mut Vec<SourceError>,
) -> Rows {
    let mut all = Rows {
        query: "SELECT * FROM system_traces.events WHERE session_id = <id> LIMIT 1000".into(),
        ..Rows::default()
    };
    for id in ids {
        // A UUID literal is safe to inline: it came from the server as a UUID.
        if !is_uuid(id) {
            continue;
        }
        let q = format!("SELECT * FROM system_traces.events WHERE session_id = {id} LIMIT 1000");
        match select_any(session, &q, opts).await {
            Ok(r) => {
                if all.columns.is_empty() {
                    all.columns = r.columns;
                }
                all.rows.extend(r.rows);
            }
            Err(e) => errors.push(SourceError {
                source: "cql:system_traces.events".into(),
                message: format!("session {id}: {}", one_line(&e.to_string())),
            }),
        }
    }
    all
}

/// One opt-in probe: a traced single-partition read.
#[derive(Debug, serde::Serialize)]
struct Probe {
    keyspace: String,
    table: String,
    session_id: Option<String>,
    error: Option<String>,
}

/// `--probe-traces N`: at most N traced single-partition reads per user table, on keys taken
/// from the table itself (`SELECT DISTINCT` of the partition key, LIMIT N).
async fn probes(session: &Session, opts: &CqlOptions, archive: &mut Archive) {
    let Ok(Some(columns)) = archive.get_json::<Rows>("cluster/system_schema.columns.json") else {
        archive.manifest.errors.push(SourceError {
            source: "cql:probe-traces".into(),
            message: "no schema columns collected, so no partition keys to probe".into(),
        });
        return;
    };
    let mut probes = Vec::new();
    for ((ks, table), pk) in partition_keys(&columns) {
        if SYSTEM_KEYSPACES.contains(&ks.as_str()) {
            continue;
        }
        probe_table(session, opts, &ks, &table, &pk, &mut probes).await;
    }
    let ids: Vec<String> = probes.iter().filter_map(|p| p.session_id.clone()).collect();
    // Cassandra writes trace rows asynchronously, after the response.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut sessions = Rows::default();
    for id in &ids {
        let q = format!("SELECT * FROM system_traces.sessions WHERE session_id = {id}");
        if let Ok(r) = select_any(session, &q, opts).await {
            if sessions.columns.is_empty() {
                sessions.columns = r.columns;
                sessions.query =
                    "SELECT * FROM system_traces.sessions WHERE session_id = <probe id>".into();
            }
            sessions.rows.extend(r.rows);
        }
    }
    let events = trace_events(session, opts, &ids, &mut archive.manifest.errors).await;
    archive.put_json("traces/probes.json", &probes);
    archive.put_json("traces/probe-sessions.json", &sessions);
    archive.put_json("traces/probe-events.json", &events);
}

/// Partition key column names per table, in key order.
fn partition_keys(columns: &Rows) -> std::collections::BTreeMap<(String, String), Vec<String>> {
    let mut keys: std::collections::BTreeMap<(String, String), Vec<(i64, String)>> =
        Default::default();
    for r in columns.records() {
        let s = |k: &str| {
            r.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        if s("kind") != "partition_key" {
            continue;
        }
        let pos = r.get("position").and_then(|v| v.as_i64()).unwrap_or(0);
        keys.entry((s("keyspace_name"), s("table_name")))
            .or_default()
            .push((pos, s("column_name")));
    }
    keys.into_iter()
        .map(|(k, mut v)| {
            v.sort();
            (k, v.into_iter().map(|(_, n)| n).collect())
        })
        .collect()
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

async fn probe_table(
    session: &Session,
    opts: &CqlOptions,
    ks: &str,
    table: &str,
    pk: &[String],
    out: &mut Vec<Probe>,
) {
    let name = format!("{}.{}", quote(ks), quote(table));
    let cols = pk.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ");
    let mut probe = |error: Option<String>, session_id: Option<String>| {
        out.push(Probe {
            keyspace: ks.to_string(),
            table: table.to_string(),
            session_id,
            error,
        })
    };
    let keys_q = format!(
        "SELECT DISTINCT {cols} FROM {name} LIMIT {}",
        opts.probe_traces
    );
    let mut st = Statement::new(keys_q);
    st.set_consistency(Consistency::One);
    let keys: Vec<Vec<Option<CqlValue>>> = match session.query_unpaged(st, &[]).await {
        Ok(res) => match res.into_rows_result() {
            Ok(rows) => match rows.rows::<Row>() {
                Ok(it) => it.filter_map(Result::ok).map(|r| r.columns).collect(),
                Err(e) => return probe(Some(one_line(&e.to_string())), None),
            },
            Err(e) => return probe(Some(one_line(&e.to_string())), None),
        },
        Err(e) => return probe(Some(one_line(&e.to_string())), None),
    };
    let where_ = pk
        .iter()
        .map(|c| format!("{} = ?", quote(c)))
        .collect::<Vec<_>>()
        .join(" AND ");
    let read = format!("SELECT * FROM {name} WHERE {where_} LIMIT 100");
    let mut prepared = match session.prepare(read).await {
        Ok(p) => p,
        Err(e) => return probe(Some(one_line(&e.to_string())), None),
    };
    prepared.set_tracing(true);
    prepared.set_consistency(Consistency::One);
    for key in keys.into_iter().take(opts.probe_traces as usize) {
        let Some(values) = key.into_iter().collect::<Option<Vec<CqlValue>>>() else {
            continue;
        };
        match session.execute_unpaged(&prepared, values).await {
            Ok(res) => probe(None, res.tracing_id().map(|u| u.to_string())),
            Err(e) => probe(Some(one_line(&e.to_string())), None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_points_get_the_default_port_once() {
        assert_eq!(with_port("10.0.0.1", 9042), "10.0.0.1:9042");
        assert_eq!(with_port("10.0.0.1:9142", 9042), "10.0.0.1:9142");
        assert_eq!(with_port("db.example", 9042), "db.example:9042");
        assert_eq!(with_port("::1", 9042), "[::1]:9042");
        assert_eq!(with_port("[::1]:9142", 9042), "[::1]:9142");
    }

    #[test]
    fn connect_errors_name_the_cause_and_the_fix() {
        let opts = CqlOptions {
            username: Some("casstune".into()),
            password: Some("s3cret-pw".into()),
            ..CqlOptions::default()
        };
        let wrap = |c: &str| {
            format!(
                "Failed to perform initial cluster metadata fetch: Control connection pool error: The pool is broken; Last connection failed with: {c}"
            )
        };
        let auth = explain_connect_error(
            &wrap(
                "Failed to perform a connection setup request. Request: AUTH_RESPONSE, reason: Database returned an error: Authentication failed - bad credentials, Error message: Provided username casstune and/or password are incorrect",
            ),
            &opts,
        );
        assert!(
            auth.starts_with("authentication failed for user \"casstune\": Provided username"),
            "{auth}"
        );
        assert!(!auth.contains("s3cret-pw"));
        let none = explain_connect_error(
            &wrap(
                "Failed to perform a connection setup request. Request: AUTH_RESPONSE, reason: Authentication is required. You can use SessionBuilder::user(\"user\", \"pass\") to provide credentials",
            ),
            &opts,
        );
        assert!(
            none.contains("requires authentication") && !none.contains("SessionBuilder"),
            "{none}"
        );
        let tls = CqlOptions {
            tls: Some(TlsOptions {
                ca_file: Some("other-ca.pem".into()),
                ..TlsOptions::default()
            }),
            ..opts.clone()
        };
        let ca = explain_connect_error(&wrap("invalid peer certificate: UnknownIssuer"), &tls);
        assert!(
            ca.starts_with("TLS: the node's certificate was rejected")
                && ca.contains("other-ca.pem"),
            "{ca}"
        );
        let plain = explain_connect_error(
            &wrap(
                "Failed to perform a connection setup request. Request: OPTIONS, reason: Connection broken, reason: Failed to deserialize frame: Failed to read the frame header: Connection reset by peer (os error 104)",
            ),
            &opts,
        );
        assert!(plain.contains("--tls --tls-ca"), "{plain}");
        let mismatch = explain_connect_error(
            &wrap("received corrupt message of type InvalidContentType"),
            &tls,
        );
        assert!(mismatch.starts_with("TLS handshake failed"), "{mismatch}");
        let other = explain_connect_error(
            "Control connection pool error: Connection refused (os error 111)",
            &opts,
        );
        assert_eq!(
            other,
            "Control connection pool error: Connection refused (os error 111)"
        );
    }

    #[test]
    fn partition_keys_in_key_order() {
        let rows = Rows {
            query: String::new(),
            columns: [
                "keyspace_name",
                "table_name",
                "column_name",
                "kind",
                "position",
            ]
            .map(String::from)
            .to_vec(),
            rows: vec![
                serde_json::json!(["ks", "t", "b", "partition_key", 1]),
                serde_json::json!(["ks", "t", "c", "clustering", 0]),
                serde_json::json!(["ks", "t", "a", "partition_key", 0]),
            ]
            .into_iter()
            .map(|v| v.as_array().unwrap().clone())
            .collect(),
        };
        let keys = partition_keys(&rows);
        assert_eq!(keys[&("ks".into(), "t".into())], vec!["a", "b"]);
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote("My\"Table"), "\"My\"\"Table\"");
    }
}
