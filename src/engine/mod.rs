//! The rule engine: rule metadata, built-in Rust rules, declarative CEL rules from
//! `rules/*.yaml`, and the run that turns a Snapshot into ranked Findings. No I/O happens
//! here except reading rule files the caller names.

pub mod builtin;
pub mod cel_rules;
pub mod consolidate;
pub mod finding;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalog::Version;
use crate::model::{Node, Snapshot};

pub use finding::{Evidence, Family, Finding, Fix, Location, Related, Safety, Severity, rank};

/// What a rule reads; a rule whose needs are unmet is listed as not checked, never guessed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    /// cassandra.yaml
    Config,
    /// jvm options or cassandra-env.sh
    Jvm,
    Cores,
    Ram,
    Disks,
    /// Node metrics (an exporter scrape or a Prometheus server).
    Metrics,
    /// Counter rates: two scrapes `--interval` apart, or a Prometheus server window.
    Rates,
    /// The cluster's schema (`system_schema.*` over CQL).
    Schema,
    /// A live node's own tables (`system.local`, `system_views.*`).
    NodeTables,
    /// Host facts beyond the sizes: THP, swap, read-ahead, limits (`collect-host`).
    HostFacts,
    /// Query traces (`system_traces`, or `--probe-traces`).
    Traces,
}

impl Need {
    pub fn describe(self) -> &'static str {
        match self {
            Need::Config => "cassandra.yaml",
            Need::Jvm => "jvm options or cassandra-env.sh",
            Need::Cores => "core count (--cores or host facts)",
            Need::Ram => "RAM size (--ram or host facts)",
            Need::Disks => "data disk count (--disks or host facts)",
            Need::Metrics => "metrics (--metrics-port/--metrics-url or --prometheus-server)",
            Need::Rates => "metric rates (two scrapes with --interval > 0 or --prometheus-server)",
            Need::Schema => "the schema (collect over CQL: -c HOST)",
            Need::NodeTables => "the node's virtual tables (collect over CQL, Cassandra 4.0+)",
            Need::HostFacts => "host facts (casstune collect-host, or collect on the node itself)",
            Need::Traces => "query traces (system_traces, or --probe-traces N)",
        }
    }

    fn met(self, node: &Node, snapshot: &Snapshot) -> bool {
        match self {
            Need::Config => node.config.is_some(),
            Need::Jvm => node.jvm.as_ref().is_some_and(|j| !j.is_empty()),
            Need::Cores => node.host.cores.is_some(),
            Need::Ram => node.host.ram_bytes.is_some(),
            Need::Disks => node.host.data_disks.is_some(),
            Need::Metrics => !node.metrics.values.is_empty(),
            Need::Rates => node
                .metrics
                .values
                .keys()
                .any(|k| k.contains(crate::model::metrics::RATE_SUFFIX)),
            Need::Schema => !snapshot.schema.keyspaces.is_empty(),
            Need::NodeTables => node.live.as_ref().is_some_and(|l| !l.tables.is_empty()),
            Need::HostFacts => node.host.thp_enabled.is_some() || !node.host.disks.is_empty(),
            Need::Traces => !snapshot.traces.is_empty(),
        }
    }

    /// Evidence only a collection (`collect`, `analyze`) can bring, never a lint run.
    fn only_from_a_collection(self) -> bool {
        matches!(
            self,
            Need::Metrics
                | Need::Rates
                | Need::Schema
                | Need::NodeTables
                | Need::HostFacts
                | Need::Traces
        )
    }

    /// For rules that look at the whole cluster at once.
    fn met_by_cluster(self, snapshot: &Snapshot) -> bool {
        match self {
            Need::Schema => !snapshot.schema.keyspaces.is_empty(),
            Need::Traces => !snapshot.traces.is_empty(),
            _ => snapshot.nodes.iter().any(|n| self.met(n, snapshot)),
        }
    }
}

/// The documentation of a rule, in fixed sections (what `casstune explain` prints).
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct Doc {
    pub summary: String,
    pub why: String,
    pub evidence: String,
    pub fix: String,
    #[serde(default)]
    pub references: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleMeta {
    pub id: String,
    pub name: String,
    pub family: Family,
    pub severity: Severity,
    /// Oldest and newest Cassandra line the rule applies to (inclusive).
    pub min_version: Option<Version>,
    pub max_version: Option<Version>,
    pub blocks_startup: bool,
    pub impact: f32,
    pub confidence: f32,
    pub needs: Vec<Need>,
    pub params: BTreeMap<String, f64>,
    pub doc: Doc,
    /// "built-in", or the rule file it came from.
    pub origin: String,
}

impl RuleMeta {
    pub fn applies_to(&self, v: Version) -> bool {
        self.min_version.is_none_or(|m| v >= m) && self.max_version.is_none_or(|m| v <= m)
    }

    pub fn versions_text(&self) -> String {
        match (self.min_version, self.max_version) {
            (None, None) => "all".into(),
            (Some(a), None) => format!(">= {a}"),
            (None, Some(b)) => format!("<= {b}"),
            (Some(a), Some(b)) if a == b => a.to_string(),
            (Some(a), Some(b)) => format!("{a} – {b}"),
        }
    }

    pub fn param(&self, name: &str) -> f64 {
        self.params.get(name).copied().unwrap_or(f64::NAN)
    }
}

/// What a rule sees while it runs on one node.
pub struct Ctx<'a> {
    pub node: &'a Node,
    pub meta: &'a RuleMeta,
    /// The whole snapshot: schema, traces and the other nodes.
    pub snapshot: &'a Snapshot,
}

/// What a cluster-scope rule sees: it runs once per snapshot (schema, topology, imbalance).
pub struct ClusterCtx<'a> {
    pub snapshot: &'a Snapshot,
    pub meta: &'a RuleMeta,
    /// Each table's load as every node sees it, shared by the cluster rules of one run.
    pub(crate) loads: &'a builtin::advice::TableLoads,
}

impl ClusterCtx<'_> {
    /// [`builtin::advice::table_load`] of a table, computed once per run: about ten rules ask
    /// it for every table, and on a fleet each answer reads every node.
    pub(crate) fn table_load(&self, t: &crate::model::Table) -> Vec<builtin::advice::NodeLoad> {
        self.loads.get(self.snapshot, t)
    }
}

/// The subject of a cluster-scope finding that is not about one table or node.
pub const CLUSTER_SUBJECT: &str = "cluster";

/// Collects a rule's findings with the rule's defaults filled in.
pub struct Emitter<'a> {
    meta: &'a RuleMeta,
    subject: String,
    pub findings: Vec<Finding>,
}

impl<'a> Emitter<'a> {
    pub fn new(meta: &'a RuleMeta, subject: &str) -> Self {
        Emitter {
            meta,
            subject: subject.to_string(),
            findings: Vec::new(),
        }
    }

    /// Changes the subject of the next findings (cluster rules: a table, a keyspace, a node).
    pub fn subject(&mut self, subject: &str) -> &mut Self {
        self.subject = subject.to_string();
        self
    }

    /// Starts a finding; the returned reference is for adding evidence and fixes.
    pub fn emit(&mut self, message: impl Into<String>, location: Option<Location>) -> &mut Finding {
        self.findings.push(Finding {
            rule: self.meta.id.clone(),
            name: self.meta.name.clone(),
            severity: self.meta.severity,
            family: self.meta.family,
            subject: self.subject.clone(),
            message: message.into(),
            blocks_startup: self.meta.blocks_startup,
            confidence: self.meta.confidence,
            impact: self.meta.impact,
            location,
            evidence: Vec::new(),
            fixes: Vec::new(),
            topic: None,
            also: Vec::new(),
        });
        self.findings.last_mut().expect("just pushed")
    }
}

/// The executable part of a rule.
pub enum Check {
    Builtin(fn(&Ctx, &mut Emitter)),
    /// Runs once per snapshot rather than once per node.
    Cluster(fn(&ClusterCtx, &mut Emitter)),
    Cel(Box<cel_rules::CelCheck>),
}

pub struct Rule {
    pub meta: RuleMeta,
    pub check: Check,
}

/// Between the needs of one not-checked reason: the descriptions themselves contain commas.
pub const NEEDS_SEPARATOR: &str = "; ";

/// "needs …" naming the rule's needs that `met` says are missing, or `None` when all are met.
fn unmet(meta: &RuleMeta, met: impl Fn(&Need) -> bool) -> Option<String> {
    let missing: Vec<&str> = meta
        .needs
        .iter()
        .filter(|n| !met(n))
        .map(|n| n.describe())
        .collect();
    (!missing.is_empty()).then(|| format!("needs {}", missing.join(NEEDS_SEPARATOR)))
}

/// A rule that could not run on a subject, and what it would need.
#[derive(Debug, Clone, Serialize)]
pub struct NotChecked {
    pub rule: String,
    pub subject: String,
    pub reason: String,
}

#[derive(Debug, Default, Serialize)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub not_checked: Vec<NotChecked>,
}

pub struct Engine {
    pub rules: Vec<Rule>,
}

impl Engine {
    /// The built-in Rust rules plus the shipped declarative rules.
    pub fn standard() -> anyhow::Result<Engine> {
        let mut rules = builtin::all();
        for (name, file) in cel_rules::shipped()? {
            cel_rules::merge(&mut rules, file, &name, false)?;
        }
        let engine = Engine { rules };
        engine.check_unique()?;
        Ok(engine)
    }

    /// Adds every `*.yaml` rule file in `dir`: new rules, or overrides of existing ones.
    pub fn load_user_rules(&mut self, dir: &std::path::Path) -> anyhow::Result<()> {
        use anyhow::Context as _;
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("{}: cannot read the rules directory", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        paths.sort();
        if paths.is_empty() {
            anyhow::bail!("{}: no *.yaml rule files in this directory", dir.display());
        }
        for p in paths {
            let name = p.display().to_string();
            let text =
                std::fs::read_to_string(&p).with_context(|| format!("{name}: cannot read"))?;
            let file = cel_rules::parse_file(&name, &text)?;
            cel_rules::merge(&mut self.rules, file, &name, true)?;
        }
        self.check_unique()
    }

    fn check_unique(&self) -> anyhow::Result<()> {
        let mut seen = std::collections::BTreeSet::new();
        for r in &self.rules {
            if !seen.insert(r.meta.id.as_str()) {
                anyhow::bail!("rule ID {} is defined twice", r.meta.id);
            }
        }
        Ok(())
    }

    /// Compiles every CEL condition now, on two threads: compiling is most of a CEL rule's
    /// cost, and lint runs this while the config files are being read.
    pub fn precompile(&self) {
        let cel: Vec<&cel_rules::CelCheck> = self
            .rules
            .iter()
            .filter_map(|r| match &r.check {
                Check::Cel(c) => Some(c.as_ref()),
                Check::Builtin(_) | Check::Cluster(_) => None,
            })
            .collect();
        let (even, odd): (Vec<_>, Vec<_>) = cel.iter().enumerate().partition(|(i, _)| i % 2 == 0);
        std::thread::scope(|s| {
            s.spawn(|| even.iter().for_each(|(_, c)| c.warm()));
            odd.iter().for_each(|(_, c)| c.warm());
        });
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.meta.id.eq_ignore_ascii_case(id))
    }

    /// Cluster-scope rules: once per snapshot, when some node runs a version they apply to.
    fn run_cluster_rules(&self, snapshot: &Snapshot, out: &mut Outcome) {
        // Lint has config files and nothing else: cluster rules would only add noise to
        // its "not checked" list.
        if snapshot.collection.is_none() {
            return;
        }
        let loads = builtin::advice::TableLoads::default();
        for rule in &self.rules {
            let Check::Cluster(f) = &rule.check else {
                continue;
            };
            if !snapshot
                .nodes
                .iter()
                .any(|n| rule.meta.applies_to(n.version))
            {
                continue;
            }
            if let Some(reason) = unmet(&rule.meta, |n| n.met_by_cluster(snapshot)) {
                out.not_checked.push(NotChecked {
                    rule: rule.meta.id.clone(),
                    subject: CLUSTER_SUBJECT.into(),
                    reason,
                });
                continue;
            }
            let mut em = Emitter::new(&rule.meta, CLUSTER_SUBJECT);
            f(
                &ClusterCtx {
                    snapshot,
                    meta: &rule.meta,
                    loads: &loads,
                },
                &mut em,
            );
            out.findings.extend(em.findings);
        }
    }

    /// The node rules of every node, in node order. Nodes are independent, so a fleet's are
    /// shared out over the cores in contiguous runs; the result is the same as one after
    /// another (each node's outcome comes back in its place).
    fn run_nodes(&self, snapshot: &Snapshot) -> Vec<Outcome> {
        let nodes = &snapshot.nodes;
        // One node (lint, a single-node collection) never asks: the answer reads cgroup files.
        let threads = match nodes.len() {
            0 | 1 => 1,
            n => std::thread::available_parallelism().map_or(1, |c| c.get().min(n)),
        };
        if threads <= 1 {
            return nodes.iter().map(|n| self.run_node(snapshot, n)).collect();
        }
        let chunk = nodes.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let workers: Vec<_> = nodes
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|n| self.run_node(snapshot, n))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    }

    /// The node rules on one node (unranked).
    fn run_node(&self, snapshot: &Snapshot, node: &Node) -> Outcome {
        let mut out = Outcome::default();
        // Built on first use: a run with no applicable CEL rule pays nothing for it.
        let mut cel_ctx = None;
        for rule in &self.rules {
            if !rule.meta.applies_to(node.version) {
                continue;
            }
            // A node whose settings were read from it while running has started: rules
            // about what stops a start would only restate the settings table's aliases.
            if rule.meta.blocks_startup && node.config.as_ref().is_some_and(|c| c.running) {
                continue;
            }
            if matches!(rule.check, Check::Cluster(_)) {
                continue;
            }
            // Lint: rules that need a live collection are for `analyze`, not "not checked".
            if snapshot.collection.is_none()
                && rule.meta.needs.iter().any(|n| n.only_from_a_collection())
            {
                continue;
            }
            if let Some(reason) = unmet(&rule.meta, |n| n.met(node, snapshot)) {
                out.not_checked.push(NotChecked {
                    rule: rule.meta.id.clone(),
                    subject: node.id.clone(),
                    reason,
                });
                continue;
            }
            let mut em = Emitter::new(&rule.meta, &node.id);
            let ctx = Ctx {
                node,
                meta: &rule.meta,
                snapshot,
            };
            match &rule.check {
                Check::Builtin(f) => f(&ctx, &mut em),
                Check::Cluster(_) => {}
                Check::Cel(c) => {
                    let root = cel_ctx.get_or_insert_with(|| cel_rules::node_context(node));
                    if let Err(reason) = c.run(&ctx, root, &mut em) {
                        out.not_checked.push(NotChecked {
                            rule: rule.meta.id.clone(),
                            subject: node.id.clone(),
                            reason,
                        });
                    }
                }
            }
            out.findings.extend(em.findings);
        }
        out
    }

    /// Runs every applicable rule on every node and ranks the findings.
    pub fn run(&self, snapshot: &Snapshot) -> Outcome {
        let mut out = Outcome::default();
        self.run_cluster_rules(snapshot, &mut out);
        for part in self.run_nodes(snapshot) {
            out.findings.extend(part.findings);
            out.not_checked.extend(part.not_checked);
        }
        rank(&mut out.findings);
        out.not_checked
            .sort_by(|a, b| (&a.rule, &a.subject).cmp(&(&b.rule, &b.subject)));
        out
    }
}
