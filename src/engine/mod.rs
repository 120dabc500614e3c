//! The rule engine: rule metadata, built-in Rust rules, declarative CEL rules from
//! `rules/*.yaml`, and the run that turns a Snapshot into ranked Findings. No I/O happens
//! here except reading rule files the caller names.

pub mod builtin;
pub mod cel_rules;
pub mod finding;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalog::Version;
use crate::model::{Node, Snapshot};

pub use finding::{Evidence, Family, Finding, Fix, Location, Safety, Severity, rank};

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
}

impl Need {
    pub fn describe(self) -> &'static str {
        match self {
            Need::Config => "cassandra.yaml",
            Need::Jvm => "jvm options or cassandra-env.sh",
            Need::Cores => "core count (--cores or host facts)",
            Need::Ram => "RAM size (--ram or host facts)",
            Need::Disks => "data disk count (--disks or host facts)",
        }
    }

    fn met(self, node: &Node) -> bool {
        match self {
            Need::Config => node.config.is_some(),
            Need::Jvm => node.jvm.as_ref().is_some_and(|j| !j.is_empty()),
            Need::Cores => node.host.cores.is_some(),
            Need::Ram => node.host.ram_bytes.is_some(),
            Need::Disks => node.host.data_disks.is_some(),
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
}

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
        });
        self.findings.last_mut().expect("just pushed")
    }
}

/// The executable part of a rule.
pub enum Check {
    Builtin(fn(&Ctx, &mut Emitter)),
    Cel(Box<cel_rules::CelCheck>),
}

pub struct Rule {
    pub meta: RuleMeta,
    pub check: Check,
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
                Check::Builtin(_) => None,
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

    /// Runs every applicable rule on every node and ranks the findings.
    pub fn run(&self, snapshot: &Snapshot) -> Outcome {
        let mut out = Outcome::default();
        for node in &snapshot.nodes {
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
                let missing: Vec<_> = rule.meta.needs.iter().filter(|n| !n.met(node)).collect();
                if !missing.is_empty() {
                    out.not_checked.push(NotChecked {
                        rule: rule.meta.id.clone(),
                        subject: node.id.clone(),
                        reason: format!(
                            "needs {}",
                            missing
                                .iter()
                                .map(|n| n.describe())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    });
                    continue;
                }
                let mut em = Emitter::new(&rule.meta, &node.id);
                let ctx = Ctx {
                    node,
                    meta: &rule.meta,
                };
                match &rule.check {
                    Check::Builtin(f) => f(&ctx, &mut em),
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
        }
        rank(&mut out.findings);
        out.not_checked
            .sort_by(|a, b| (&a.rule, &a.subject).cmp(&(&b.rule, &b.subject)));
        out
    }
}
