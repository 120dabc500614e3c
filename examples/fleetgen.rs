//! fleetgen: a synthetic fleet snapshot of N nodes, grown from a real recording.
//!
//! ```sh
//! cargo run --release --example fleetgen -- --nodes 100 --out target/fleet/fleet-100.snap
//! ```
//!
//! Options: `--from SNAP` (default `examples/demo.snap`, the real 3-node recording), `--seed N`
//! (default 6), `--min-tables 50`, `--max-tables 500`. Same options, same bytes.
//!
//! Everything is derived from the recording, so the shapes are Cassandra's own (the JMX exporter's
//! families, HELP texts, label order, value spelling of NaN; the virtual tables' columns):
//!
//! - **Templates.** Fleet node `i` copies real node `i % 3`: its two scrapes, every CQL table
//!   it recorded (settings, system_properties, caches, thread pools, latency tables, …),
//!   cassandra.yaml and host facts. Addresses and host IDs are rewritten (`127.0.0.1` →
//!   `10.0.0.1`), so gossip, settings and peers name fleet nodes.
//! - **Tables.** The recording's user tables are replaced by `--max-tables` tables in keyspaces
//!   of 25 (`ks00.sensor_readings_001`, …), each cloned from one real user table: its
//!   `system_schema` rows (tables, columns, indexes) and, on every node that has it, its
//!   per-table samples in every `cassandra_table_*` family and its rows in every per-table
//!   virtual table (`system.size_estimates`, `local_read_latency`, `max_partition_size`, …).
//!   Node `i` carries the first `T_i` tables, `T_i` between `--min-tables` and `--max-tables`,
//!   skewed towards the low end (`min + (max-min)·q⁴`, mean ≈ min + (max-min)/5), with `q` a
//!   golden-ratio sequence over the node index: the 10-node fleet is the first 10 nodes of the
//!   100-node one and its table counts spread the same way, so cost per node compares.
//! - **Variation.** Each table has a load factor (a log-uniform spread over 0.2–4.5, one table
//!   in 33 hot at 20–50×) and each node one of its own (0.8–1.25). Sample values and virtual
//!   table counters are the recorded ones times both factors (counts stay integers, ratios and
//!   rates are left alone), so counters still grow between the two scrapes and rates scale.
//! - **Odd nodes**, by index, so every fleet of 10 or more has each kind: *hot* (`i % 20 == 7`:
//!   8× load, 45 pending compactions), *skewed* (`i % 33 == 4`: its busiest table holds a
//!   2.5 GB partition and reads scan 25 000 tombstones), *misconfigured* (`i % 25 == 2`: 8
//!   concurrent compactors on 2 cores, compaction throttled to 8 MiB/s, a 60 s read timeout,
//!   transparent huge pages `always`), and one keyspace in 7 with SimpleStrategy RF 1.
//!
//! Kept small on purpose: gossip_info, internode and client rows stay the template's (they list
//! 3 peers, not N: N² rows would make the fleet a benchmark of those tables alone), and every
//! node reports the same cluster name and version.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use casstune::collect::prometheus::{Family, Sample, parse};
use casstune::snapshot::{Archive, NodeEntry, Rows};
use serde_json::Value;

const SYSTEM_KEYSPACES: [&str; 7] = [
    "system",
    "system_auth",
    "system_schema",
    "system_distributed",
    "system_traces",
    "system_views",
    "system_virtual_schema",
];
const TABLES_PER_KEYSPACE: usize = 25;

struct Args {
    nodes: usize,
    out: PathBuf,
    from: PathBuf,
    seed: u64,
    min_tables: usize,
    max_tables: usize,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        nodes: 0,
        out: PathBuf::new(),
        from: Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo.snap"),
        seed: 6,
        min_tables: 50,
        max_tables: 500,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| anyhow!("{flag} needs a value"));
        match flag.as_str() {
            "--nodes" => a.nodes = value()?.parse()?,
            "--out" => a.out = value()?.into(),
            "--from" => a.from = value()?.into(),
            "--seed" => a.seed = value()?.parse()?,
            "--min-tables" => a.min_tables = value()?.parse()?,
            "--max-tables" => a.max_tables = value()?.parse()?,
            _ => bail!("unknown option {flag} (see the doc comment of examples/fleetgen.rs)"),
        }
    }
    if a.nodes == 0 || a.out.as_os_str().is_empty() {
        bail!(
            "usage: fleetgen --nodes N --out FILE.snap [--from SNAP] [--seed N] [--min-tables 50] [--max-tables 500]"
        );
    }
    if a.min_tables == 0 || a.min_tables > a.max_tables {
        bail!("--min-tables must be at least 1 and at most --max-tables");
    }
    Ok(a)
}

// ---------------------------------------------------------------------------------------
// Deterministic randomness: splitmix64, one independent stream per (purpose, index).

struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64, index: u64) -> Rng {
        let mut r = Rng(seed
            ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15)
            ^ index.wrapping_mul(0xd1b5_4a32_d192_ed03));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn uuid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }
}

// ---------------------------------------------------------------------------------------
// The recording.

struct TemplateNode {
    entry: NodeEntry,
    scrapes: Vec<String>,
    scrape_info: Option<Value>,
    cql: BTreeMap<String, Rows>,
    files: BTreeMap<String, String>,
    host: Option<String>,
}

struct Recording {
    archive: Archive,
    nodes: Vec<TemplateNode>,
    /// The recording's user tables (keyspace, table), sorted.
    user_tables: Vec<(String, String)>,
    user_keyspaces: BTreeSet<String>,
}

fn rows(archive: &Archive, path: &str) -> anyhow::Result<Rows> {
    archive
        .get_json::<Rows>(path)?
        .ok_or_else(|| anyhow!("the recording has no {path}"))
}

fn recording(path: &Path) -> anyhow::Result<Recording> {
    let archive = Archive::read(path)?;
    let mut nodes = Vec::new();
    for entry in &archive.manifest.nodes {
        let prefix = format!("nodes/{}/", entry.id);
        let mut t = TemplateNode {
            entry: entry.clone(),
            scrapes: Vec::new(),
            scrape_info: archive.get_json(&format!("{prefix}metrics/scrape.json"))?,
            cql: BTreeMap::new(),
            files: BTreeMap::new(),
            host: archive
                .get_text(&format!("{prefix}host.json"))
                .map(str::to_string),
        };
        for i in 0.. {
            match archive.get_text(&format!("{prefix}metrics/scrape-{i}.prom")) {
                Some(text) => t.scrapes.push(text.to_string()),
                None => break,
            }
        }
        let cql_prefix = format!("{prefix}cql/");
        for p in archive.paths_under(&cql_prefix) {
            let name = p[cql_prefix.len()..].trim_end_matches(".json").to_string();
            t.cql.insert(name, rows(&archive, p)?);
        }
        let files_prefix = format!("{prefix}files/");
        for p in archive.paths_under(&files_prefix) {
            if let Some(text) = archive.get_text(p) {
                t.files
                    .insert(p[files_prefix.len()..].to_string(), text.to_string());
            }
        }
        if t.scrapes.is_empty() {
            bail!(
                "{}: node {} has no scrape to grow a fleet from",
                path.display(),
                entry.id
            );
        }
        nodes.push(t);
    }
    if nodes.is_empty() {
        bail!("{}: no nodes", path.display());
    }
    let tables = rows(&archive, "cluster/system_schema.tables.json")?;
    let user_tables: Vec<(String, String)> = tables
        .records()
        .map(|r| (text(r.get("keyspace_name")), text(r.get("table_name"))))
        .filter(|(ks, _)| !SYSTEM_KEYSPACES.contains(&ks.as_str()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if user_tables.is_empty() {
        bail!(
            "{}: the recording has no user table to clone",
            path.display()
        );
    }
    let user_keyspaces = user_tables.iter().map(|(k, _)| k.clone()).collect();
    Ok(Recording {
        archive,
        nodes,
        user_tables,
        user_keyspaces,
    })
}

fn text(v: Option<&Value>) -> String {
    v.and_then(|v| v.as_str()).unwrap_or_default().to_string()
}

// ---------------------------------------------------------------------------------------
// The fleet's shape.

struct SynthTable {
    keyspace: String,
    name: String,
    /// Index into `Recording::user_tables`.
    template: usize,
    load: f64,
    id: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Normal,
    Hot,
    Skewed,
    Misconfigured,
}

struct FleetNode {
    index: usize,
    address: String,
    host_id: String,
    template: usize,
    tables: usize,
    kind: Kind,
    load: f64,
    /// The table given the big partition on a skewed node.
    skewed_table: Option<usize>,
    /// Template address / host id → this node's view of the fleet.
    rename: Vec<(String, String)>,
    /// Indices of the node's tables in (keyspace, name) order, the order exporters and
    /// virtual tables list them in.
    order: Vec<usize>,
}

fn address(i: usize) -> String {
    format!(
        "10.{}.{}.{}",
        (i / 62_500) % 256,
        (i / 250) % 250,
        i % 250 + 1
    )
}

fn synth_tables(rec: &Recording, count: usize, seed: u64) -> Vec<SynthTable> {
    (0..count)
        .map(|j| {
            let template = j % rec.user_tables.len();
            let mut r = Rng::new(seed, 1, j as u64);
            let load = if j % 33 == 5 {
                20.0 + 30.0 * r.unit()
            } else {
                (3.0 * (r.unit() - 0.5)).exp()
            };
            SynthTable {
                keyspace: format!("ks{:02}", j / TABLES_PER_KEYSPACE),
                name: format!("{}_{j:03}", rec.user_tables[template].1.to_lowercase()),
                template,
                load,
                id: r.uuid(),
            }
        })
        .collect()
}

fn fleet(rec: &Recording, a: &Args, tables: &[SynthTable]) -> Vec<FleetNode> {
    const PHI: f64 = 0.618_033_988_749_894_9;
    let n = a.nodes;
    let host_ids: Vec<String> = (0..n)
        .map(|i| Rng::new(a.seed, 2, i as u64).uuid())
        .collect();
    (0..n)
        .map(|i| {
            let template = i % rec.nodes.len();
            let q = ((i + 1) as f64 * PHI).fract();
            let count =
                a.min_tables + ((a.max_tables - a.min_tables) as f64 * q.powi(4)).round() as usize;
            let kind = if i % 20 == 7 {
                Kind::Hot
            } else if i % 33 == 4 {
                Kind::Skewed
            } else if i % 25 == 2 {
                Kind::Misconfigured
            } else {
                Kind::Normal
            };
            let mut r = Rng::new(a.seed, 3, i as u64);
            let load = (0.8 + 0.45 * r.unit()) * if kind == Kind::Hot { 8.0 } else { 1.0 };
            let skewed_table = (kind == Kind::Skewed).then(|| {
                (0..count)
                    .max_by(|&x, &y| tables[x].load.total_cmp(&tables[y].load))
                    .unwrap_or(0)
            });
            let mut rename = Vec::new();
            for (k, t) in rec.nodes.iter().enumerate() {
                let peer = (i + n * 3 + k - template) % n;
                rename.push((t.entry.id.clone(), address(peer)));
                if let Some(h) = &t.entry.host_id {
                    rename.push((h.clone(), host_ids[peer].clone()));
                }
            }
            let mut order: Vec<usize> = (0..count).collect();
            order.sort_by(|&x, &y| {
                (&tables[x].keyspace, &tables[x].name).cmp(&(&tables[y].keyspace, &tables[y].name))
            });
            FleetNode {
                order,
                index: i,
                address: address(i),
                host_id: host_ids[i].clone(),
                template,
                tables: count,
                kind,
                load,
                skewed_table,
                rename,
            }
        })
        .collect()
}

fn rename(s: &str, map: &[(String, String)]) -> String {
    let mut out = s.to_string();
    for (from, to) in map {
        if out.contains(from.as_str()) {
            out = out.replace(from.as_str(), to);
        }
    }
    out
}

fn rename_json(v: &mut Value, map: &[(String, String)]) {
    match v {
        Value::String(s) => *s = rename(s, map),
        Value::Array(a) => a.iter_mut().for_each(|x| rename_json(x, map)),
        Value::Object(o) => o.values_mut().for_each(|x| rename_json(x, map)),
        _ => {}
    }
}

/// Ratios, rates and percentages describe a mix, not an amount: a busier table does not have
/// a higher one.
fn scales(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    !(n.contains("ratio") || n.contains("rate") || n.contains("percent") || n.contains("chance"))
}

fn scaled(v: f64, f: f64) -> f64 {
    if !v.is_finite() || f == 1.0 {
        return v;
    }
    let x = v * f;
    if v.fract() == 0.0 { x.round() } else { x }
}

fn scaled_json(v: &Value, f: f64) -> Value {
    match v {
        Value::Number(n) if n.is_i64() => {
            Value::from(scaled(n.as_i64().unwrap_or(0) as f64, f) as i64)
        }
        Value::Number(n) => n
            .as_f64()
            .and_then(|x| serde_json::Number::from_f64(x * f))
            .map_or_else(|| v.clone(), Value::Number),
        _ => v.clone(),
    }
}

// ---------------------------------------------------------------------------------------
// Scrapes.

fn write_value(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        // The JMX exporter's spelling of whole numbers.
        let _ = write!(out, "{v:.1}");
    } else if v != 0.0 && (v.abs() < 1e-4 || v.abs() >= 1e15) {
        let _ = write!(out, "{v:e}");
    } else {
        let _ = write!(out, "{v}");
    }
}

fn write_escaped(out: &mut String, s: &str, quote: bool) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if quote => out.push_str("\\\""),
            c => out.push(c),
        }
    }
}

/// One sample line with the labels as recorded, some replaced.
fn write_sample(out: &mut String, s: &Sample<'_>, replace: &[(&str, &str)], value: f64) {
    out.push_str(s.name);
    let mut labels = s.labels().peekable();
    if labels.peek().is_some() {
        out.push('{');
        for (i, l) in labels.enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(l.name);
            out.push_str("=\"");
            let v = replace
                .iter()
                .find(|(k, _)| *k == l.name)
                .map_or(l.value.as_ref(), |(_, v)| *v);
            write_escaped(out, v, true);
            out.push('"');
        }
        out.push('}');
    }
    out.push(' ');
    write_value(out, value);
    if let Some(ts) = s.timestamp_ms {
        let _ = write!(out, " {ts}");
    }
    out.push('\n');
}

/// A skewed node's busiest table: one huge partition, and reads wading through tombstones.
fn skew_override(family: &str, s: &Sample<'_>) -> Option<f64> {
    let tail = s
        .label("quantile")
        .is_none_or(|q| q == "0.99" || q == "0.999");
    match family {
        "cassandra_table_maxpartitionsize" => Some(2.5e9),
        "cassandra_table_estimatedpartitionsizehistogram" => Some(2.5e9),
        f if f.starts_with("cassandra_table_tombstonescannedhistogram") && tail => Some(25_000.0),
        _ => None,
    }
}

fn synth_scrape(text: &str, rec: &Recording, tables: &[SynthTable], node: &FleetNode) -> String {
    let exp = parse(text);
    let mut out = String::with_capacity(text.len() + node.tables * 10_500);
    for fam in &exp.families {
        write_family(&mut out, fam, rec, tables, node);
    }
    out
}

fn write_family(
    out: &mut String,
    fam: &Family<'_>,
    rec: &Recording,
    tables: &[SynthTable],
    node: &FleetNode,
) {
    if let Some(help) = &fam.help {
        let _ = write!(out, "# HELP {} ", fam.name);
        write_escaped(out, help, false);
        out.push('\n');
    }
    if fam.declared {
        let _ = writeln!(out, "# TYPE {} {}", fam.name, fam.kind.as_str());
    }
    let scale = scales(fam.name);
    let user_of = |s: &Sample<'_>| {
        let ks = s.label("keyspace")?;
        let t = s.label("table")?;
        rec.user_tables
            .iter()
            .position(|(k, n)| *k == ks && *n == t)
    };
    // The recorded samples of each template table, in order.
    let mut per_table: Vec<Vec<&Sample<'_>>> = vec![Vec::new(); rec.user_tables.len()];
    for s in &fam.samples {
        if let Some(t) = user_of(s) {
            per_table[t].push(s);
        }
    }
    let mut synthesised = false;
    for s in &fam.samples {
        match user_of(s) {
            // The fleet's tables take the place of the recorded ones, in the same order.
            Some(_) if synthesised => {}
            Some(_) => {
                synthesised = true;
                write_tables(out, fam.name, scale, &per_table, tables, node);
            }
            None => {
                // Node-wide traffic follows the node's load; the rest is as recorded.
                let f = if scale && fam.name.starts_with("cassandra_clientrequest_") {
                    node.load
                } else {
                    1.0
                };
                let v = if node.kind == Kind::Hot && fam.name == "cassandra_compaction_pendingtasks"
                {
                    45.0
                } else {
                    scaled(s.value, f)
                };
                write_sample(out, s, &[], v);
            }
        }
    }
}

fn write_tables(
    out: &mut String,
    family: &str,
    scale: bool,
    per_table: &[Vec<&Sample<'_>>],
    tables: &[SynthTable],
    node: &FleetNode,
) {
    for &j in &node.order {
        let t = &tables[j];
        let f = t.load * node.load;
        for s in &per_table[t.template] {
            let skew = (node.skewed_table == Some(j))
                .then(|| skew_override(family, s))
                .flatten();
            let v = skew.unwrap_or_else(|| if scale { scaled(s.value, f) } else { s.value });
            write_sample(out, s, &[("keyspace", &t.keyspace), ("table", &t.name)], v);
        }
    }
}

// ---------------------------------------------------------------------------------------
// CQL rows.

/// Per-table rows of a node-local table: the recorded user tables' rows replaced by the
/// node's synthetic tables, counters scaled by load.
fn per_table_rows(
    rows: &Rows,
    rec: &Recording,
    tables: &[SynthTable],
    node: &FleetNode,
    table_name: &str,
) -> Rows {
    let (Some(ks_col), Some(t_col)) = (rows.col("keyspace_name"), rows.col("table_name")) else {
        return rows.clone();
    };
    let mut by_template: Vec<Vec<&Vec<Value>>> = vec![Vec::new(); rec.user_tables.len()];
    let mut out = Rows {
        query: rows.query.clone(),
        columns: rows.columns.clone(),
        rows: Vec::new(),
    };
    // Where the recorded user tables' rows were: the fleet's rows go there.
    let mut at = None;
    for r in &rows.rows {
        let ks = r.get(ks_col).and_then(Value::as_str).unwrap_or_default();
        let t = r.get(t_col).and_then(Value::as_str).unwrap_or_default();
        match rec.user_tables.iter().position(|(k, n)| k == ks && n == t) {
            Some(i) => {
                at.get_or_insert(out.rows.len());
                by_template[i].push(r);
            }
            None if rec.user_keyspaces.contains(ks) => {
                at.get_or_insert(out.rows.len());
            }
            None => out.rows.push(r.clone()),
        }
    }
    let tail = out.rows.split_off(at.unwrap_or(out.rows.len()));
    let scale_col: Vec<bool> = rows
        .columns
        .iter()
        .map(|c| {
            scales(c)
                && !matches!(
                    c.as_str(),
                    "range_start" | "range_end" | "keyspace_name" | "table_name"
                )
        })
        .collect();
    for &j in &node.order {
        let t = &tables[j];
        let f = t.load * node.load;
        let skewed = node.skewed_table == Some(j);
        for r in &by_template[t.template] {
            let mut row: Vec<Value> = r
                .iter()
                .enumerate()
                .map(|(c, v)| {
                    if scale_col[c] {
                        scaled_json(v, f)
                    } else {
                        v.clone()
                    }
                })
                .collect();
            row[ks_col] = Value::from(t.keyspace.clone());
            row[t_col] = Value::from(t.name.clone());
            if skewed {
                skew_row(table_name, &rows.columns, &mut row);
            }
            out.rows.push(row);
        }
    }
    out.rows.extend(tail);
    out
}

fn skew_row(table: &str, columns: &[String], row: &mut [Value]) {
    for (c, name) in columns.iter().enumerate() {
        let v = match (table, name.as_str()) {
            ("system_views.max_partition_size", "mebibytes") => Value::from(2384),
            ("system_views.tombstones_per_read", "p99th" | "max") => Value::from(25_000.0),
            _ => continue,
        };
        row[c] = v;
    }
}

/// Misconfigured nodes: settings an operator changed on one node and forgot.
const MISCONFIG: [(&str, &str, &str); 3] = [
    ("concurrent_compactors", "1", "8"),
    ("compaction_throughput", "64MiB/s", "8MiB/s"),
    ("read_request_timeout", "5000ms", "60000ms"),
];

fn misconfigure_settings(rows: &mut Rows) {
    let (Some(n), Some(v)) = (rows.col("name"), rows.col("value")) else {
        return;
    };
    for r in &mut rows.rows {
        let name = r
            .get(n)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if let Some((_, _, new)) = MISCONFIG.iter().find(|(k, _, _)| *k == name) {
            r[v] = Value::from(*new);
        }
    }
}

fn misconfigure_yaml(text: &str) -> String {
    let mut out = text.to_string();
    for (k, old, new) in MISCONFIG {
        out = out.replace(&format!("\n{k}: {old}\n"), &format!("\n{k}: {new}\n"));
    }
    out
}

fn node_cql(
    rec: &Recording,
    tables: &[SynthTable],
    node: &FleetNode,
    nodes: usize,
) -> BTreeMap<String, Rows> {
    let t = &rec.nodes[node.template];
    let mut out = BTreeMap::new();
    for (name, rows) in &t.cql {
        let mut r = per_table_rows(rows, rec, tables, node, name);
        for row in &mut r.rows {
            row.iter_mut().for_each(|v| rename_json(v, &node.rename));
        }
        if name == "system.local"
            && let Some(c) = r.col("tokens")
        {
            for row in &mut r.rows {
                row[c] = Value::from(vec![token(node.index, nodes)]);
            }
        }
        if name == "system_views.settings" && node.kind == Kind::Misconfigured {
            misconfigure_settings(&mut r);
        }
        out.insert(name.clone(), r);
    }
    out
}

/// Evenly spaced Murmur3 tokens, one per node (the recording has num_tokens: 1).
fn token(i: usize, n: usize) -> String {
    let step = (u64::MAX / n as u64) as i128;
    (i64::MIN as i128 + step * i as i128).to_string()
}

// ---------------------------------------------------------------------------------------
// Cluster-wide members.

fn schema_rows(rows: &Rows, rec: &Recording, tables: &[SynthTable], table_col: &str) -> Rows {
    let (Some(ks_col), Some(t_col)) = (rows.col("keyspace_name"), rows.col(table_col)) else {
        return rows.clone();
    };
    let mut out = Rows {
        query: rows.query.clone(),
        columns: rows.columns.clone(),
        rows: Vec::new(),
    };
    let mut by_template: Vec<Vec<&Vec<Value>>> = vec![Vec::new(); rec.user_tables.len()];
    for r in &rows.rows {
        let ks = r.get(ks_col).and_then(Value::as_str).unwrap_or_default();
        let t = r.get(t_col).and_then(Value::as_str).unwrap_or_default();
        match rec.user_tables.iter().position(|(k, n)| k == ks && n == t) {
            Some(i) => by_template[i].push(r),
            None if rec.user_keyspaces.contains(ks) => {}
            None => out.rows.push(r.clone()),
        }
    }
    let id_col = rows.col("id");
    let index_col = rows.col("index_name");
    for t in tables {
        for r in &by_template[t.template] {
            let mut row = (*r).clone();
            row[ks_col] = Value::from(t.keyspace.clone());
            row[t_col] = Value::from(t.name.clone());
            if let Some(c) = id_col {
                row[c] = Value::from(t.id.clone());
            }
            if let Some(c) = index_col {
                let old = row[c].as_str().unwrap_or("idx").to_string();
                row[c] = Value::from(format!("{}_{old}", t.name));
            }
            out.rows.push(row);
        }
    }
    out
}

fn keyspace_rows(rows: &Rows, rec: &Recording, tables: &[SynthTable]) -> Rows {
    let mut out = Rows {
        query: rows.query.clone(),
        columns: rows.columns.clone(),
        rows: Vec::new(),
    };
    let ks_col = rows.col("keyspace_name");
    let template = rows.rows.iter().find(|r| {
        ks_col
            .and_then(|c| r.get(c))
            .and_then(Value::as_str)
            .is_some_and(|k| rec.user_keyspaces.contains(k))
    });
    for r in &rows.rows {
        let ks = ks_col
            .and_then(|c| r.get(c))
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !rec.user_keyspaces.contains(ks) {
            out.rows.push(r.clone());
        }
    }
    let (Some(template), Some(ks_col), Some(repl_col)) =
        (template, ks_col, rows.col("replication"))
    else {
        return out;
    };
    let keyspaces: BTreeSet<&str> = tables.iter().map(|t| t.keyspace.as_str()).collect();
    for (k, ks) in keyspaces.into_iter().enumerate() {
        let mut row = template.clone();
        row[ks_col] = Value::from(ks);
        row[repl_col] = if k % 7 == 3 {
            serde_json::json!({"class": "org.apache.cassandra.locator.SimpleStrategy", "replication_factor": "1"})
        } else {
            serde_json::json!({"class": "org.apache.cassandra.locator.NetworkTopologyStrategy", "datacenter1": "3"})
        };
        out.rows.push(row);
    }
    out
}

fn peer_rows(rows: &Rows, fleet: &[FleetNode]) -> Rows {
    let mut out = Rows {
        query: rows.query.clone(),
        columns: rows.columns.clone(),
        rows: Vec::new(),
    };
    let Some(template) = rows.rows.first() else {
        return out;
    };
    let n = fleet.len();
    for node in fleet.iter().skip(1) {
        let mut row = template.clone();
        for (c, col) in rows.columns.iter().enumerate() {
            match col.as_str() {
                "peer" | "native_address" => row[c] = Value::from(node.address.clone()),
                "host_id" => row[c] = Value::from(node.host_id.clone()),
                "tokens" => row[c] = Value::from(vec![token(node.index, n)]),
                _ => {}
            }
        }
        out.rows.push(row);
    }
    out
}

// ---------------------------------------------------------------------------------------

fn build(rec: &Recording, a: &Args) -> anyhow::Result<Archive> {
    let tables = synth_tables(rec, a.max_tables, a.seed);
    let fleet = fleet(rec, a, &tables);
    let src = &rec.archive;
    let mut archive = Archive::new(src.manifest.created_at.clone());
    archive.manifest.duration_seconds = src.manifest.duration_seconds;
    archive.manifest.cluster_name = src.manifest.cluster_name.clone();
    archive.manifest.options = src.manifest.options.clone();
    archive
        .manifest
        .options
        .insert("contact_points".into(), fleet[0].address.clone());
    // Cluster-wide rows come from the contact point: template node 0 seen as fleet node 0.
    let first = &fleet[0].rename;
    for path in src
        .paths_under("cluster/")
        .map(str::to_string)
        .collect::<Vec<_>>()
    {
        let r = rows(src, &path)?;
        let name = path
            .trim_start_matches("cluster/")
            .trim_end_matches(".json");
        let mut r = match name {
            "system_schema.keyspaces" => keyspace_rows(&r, rec, &tables),
            "system_schema.tables" | "system_schema.columns" | "system_schema.indexes" => {
                let used = &tables[..fleet.iter().map(|n| n.tables).max().unwrap_or(0)];
                schema_rows(&r, rec, used, "table_name")
            }
            "system_schema.views" => schema_rows(&r, rec, &[], "view_name"),
            "system.peers_v2" | "system.peers" => peer_rows(&r, &fleet),
            _ => r,
        };
        r.rows
            .iter_mut()
            .flatten()
            .for_each(|v| rename_json(v, first));
        archive.put_json(path, &r);
    }
    for path in src
        .paths_under("traces/")
        .map(str::to_string)
        .collect::<Vec<_>>()
    {
        if let Some(t) = src.get_text(&path) {
            archive.put(path.clone(), rename(t, first).into_bytes());
        }
    }
    for node in &fleet {
        let t = &rec.nodes[node.template];
        let prefix = format!("nodes/{}/", node.address);
        for (name, r) in node_cql(rec, &tables, node, fleet.len()) {
            archive.put_json(format!("{prefix}cql/{name}.json"), &r);
        }
        for (i, s) in t.scrapes.iter().enumerate() {
            archive.put(
                format!("{prefix}metrics/scrape-{i}.prom"),
                synth_scrape(s, rec, &tables, node).into_bytes(),
            );
        }
        if let Some(info) = &t.scrape_info {
            let mut info = info.clone();
            rename_json(&mut info, &node.rename);
            archive.put_json(format!("{prefix}metrics/scrape.json"), &info);
        }
        for (name, text) in &t.files {
            let mut text = rename(text, &node.rename);
            if node.kind == Kind::Misconfigured && name == "cassandra.yaml" {
                text = misconfigure_yaml(&text);
            }
            archive.put(format!("{prefix}files/{name}"), text.into_bytes());
        }
        if let Some(h) = &t.host {
            let mut h = rename(h, &node.rename).replace(
                "\"hostname\": \"vm\"",
                &format!("\"hostname\": \"cass-{:04}\"", node.index),
            );
            if node.kind == Kind::Misconfigured {
                h = h.replace(
                    "\"thp_enabled\": \"madvise\"",
                    "\"thp_enabled\": \"always\"",
                );
            }
            archive.put(format!("{prefix}host.json"), h.into_bytes());
        }
        let mut entry = t.entry.clone();
        entry.id = node.address.clone();
        entry.host_id = Some(node.host_id.clone());
        entry.collected = entry
            .collected
            .iter()
            .map(|c| rename(c, &node.rename))
            .collect();
        entry.errors.clear();
        *archive.node_entry(&node.address) = entry;
    }
    let hot = fleet.iter().filter(|n| n.kind == Kind::Hot).count();
    let skewed = fleet.iter().filter(|n| n.kind == Kind::Skewed).count();
    let misconf = fleet
        .iter()
        .filter(|n| n.kind == Kind::Misconfigured)
        .count();
    let total_tables: usize = fleet.iter().map(|n| n.tables).sum();
    eprintln!(
        "fleetgen: {} nodes ({hot} hot, {skewed} skewed, {misconf} misconfigured), {} tables per node on average ({}–{}), {} in the schema",
        fleet.len(),
        total_tables / fleet.len(),
        fleet.iter().map(|n| n.tables).min().unwrap_or(0),
        fleet.iter().map(|n| n.tables).max().unwrap_or(0),
        fleet.iter().map(|n| n.tables).max().unwrap_or(0),
    );
    Ok(archive)
}

fn main() -> anyhow::Result<()> {
    let a = args()?;
    let rec = recording(&a.from)
        .with_context(|| format!("reading the recording {}", a.from.display()))?;
    let mut archive = build(&rec, &a)?;
    if let Some(dir) = a.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    archive.write(&a.out, &[])?;
    let prom: u64 = archive
        .members()
        .filter(|(p, _)| p.ends_with(".prom"))
        .map(|(_, b)| b.len() as u64)
        .sum();
    eprintln!(
        "fleetgen: wrote {} ({} bytes; {prom} bytes of exposition)",
        a.out.display(),
        std::fs::metadata(&a.out).map(|m| m.len()).unwrap_or(0)
    );
    Ok(())
}
