//! `casstune diff OLD.snap NEW.snap`: what changed between two snapshots of one cluster.
//!
//! Both archives go through the same path as `analyze` (archive → model → engine); the diff
//! then compares, per node matched by its id (address):
//!
//! - **settings**: each node's effective config settings (`node.config.settings`: what the
//!   file or the running settings table sets, else the version's default), compared by value
//!   (`1GiB` equals `1024MiB`, `5` equals `5.0`), and the active JVM options added or removed;
//! - **metrics**: the tuning signals in [`metrics::WATCHED`] (p99 latencies per table and at
//!   the coordinator, GC time, pending compactions, SSTables per read, cache hit ratios,
//!   dropped messages and timeouts, heap used), present and finite on both sides, shown when
//!   the change is beyond that signal's noise floor, with its direction and whether that is
//!   better or worse;
//! - **findings**: the engine run on both, matched by subject and [`Finding::fingerprint`]
//!   (rule, file name, setting); a finding still unmatched is then matched by rule, subject and
//!   setting alone, so a node read from its cassandra.yaml in one snapshot and from its running
//!   settings in the other keeps its findings. What is left is *resolved* (only before) or
//!   *new* (only after).
//!
//! The result is one [`Diff`] that every format renders; no judgement happens in rendering.

pub mod html;
pub mod metrics;
mod render;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::Serialize;

use crate::engine::{Engine, Finding, Severity};
use crate::model::{Node, Setting, SettingValue, Snapshot, YamlConfig};
use crate::snapshot::Archive;

pub use metrics::MetricChange;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Plain tables for people.
    Table,
    /// One stable JSON document.
    Json,
    /// Short Markdown for pull-request comments and tickets.
    Markdown,
    /// One self-contained HTML page (no network).
    Html,
}

#[derive(Debug, Clone)]
pub struct DiffOptions {
    pub format: DiffFormat,
    /// A new finding at or above this makes the run fail (exit 1).
    pub fail_on: Severity,
    pub rules_dir: Option<std::path::PathBuf>,
}

pub struct DiffRun {
    pub output: String,
    pub diff: Diff,
    /// What could not be used in either snapshot, each naming the snapshot.
    pub problems: Vec<String>,
    /// A new finding at or above `fail_on`.
    pub failed: bool,
}

/// Everything that differs, in a stable order.
#[derive(Debug, Serialize)]
pub struct Diff {
    pub old: Side,
    pub new: Side,
    pub nodes: Nodes,
    /// Per node (in node order), per setting name.
    pub settings: Vec<SettingChange>,
    pub jvm_options: Vec<JvmChange>,
    /// Per node, in the order of [`metrics::WATCHED`], then scope.
    pub metrics: Vec<MetricChange>,
    /// Watched series present and finite in both snapshots.
    pub metrics_compared: usize,
    pub findings: Findings,
    /// What could not be compared (a node without settings on one side, …).
    pub notes: Vec<String>,
}

/// One snapshot as the diff names it.
#[derive(Debug, Serialize)]
pub struct Side {
    /// The file as given on the command line.
    pub snapshot: String,
    pub created_at: String,
    pub cluster_name: Option<String>,
    pub tool_version: String,
    pub nodes: Vec<String>,
    /// The collection recorded failures: some facts, and so findings, may be missing.
    pub partial: bool,
}

#[derive(Debug, Default, Serialize)]
pub struct Nodes {
    pub matched: Vec<String>,
    pub only_old: Vec<String>,
    pub only_new: Vec<String>,
    /// Matched nodes whose Cassandra release changed.
    pub versions: Vec<VersionChange>,
}

#[derive(Debug, Serialize)]
pub struct VersionChange {
    pub node: String,
    pub old: String,
    pub new: String,
}

/// One setting whose effective value differs. `None`: the setting does not exist on that
/// side (another Cassandra version's catalogue).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SettingChange {
    pub node: String,
    pub setting: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Active JVM options that appear on only one side.
#[derive(Debug, Serialize)]
pub struct JvmChange {
    pub node: String,
    pub removed: Vec<String>,
    pub added: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct Findings {
    /// Only after, in rank order.
    pub new: Vec<Finding>,
    /// Only before, in rank order.
    pub resolved: Vec<Finding>,
    /// In both (as found after), in rank order.
    pub unchanged: Vec<Finding>,
}

impl Diff {
    /// Nothing differs: no setting, option, version, watched metric, node or finding.
    pub fn is_empty(&self) -> bool {
        self.settings.is_empty()
            && self.jvm_options.is_empty()
            && self.metrics.is_empty()
            && self.nodes.only_old.is_empty()
            && self.nodes.only_new.is_empty()
            && self.nodes.versions.is_empty()
            && self.findings.new.is_empty()
            && self.findings.resolved.is_empty()
    }
}

/// Loads both archives, runs the engine on each, compares and renders.
pub fn run(
    old: &Archive,
    new: &Archive,
    names: (&str, &str),
    opts: &DiffOptions,
) -> anyhow::Result<DiffRun> {
    let mut engine = Engine::standard()?;
    if let Some(dir) = &opts.rules_dir {
        engine.load_user_rules(dir)?;
    }
    let mut problems = Vec::new();
    let (old_snap, old_findings) = analyse(&engine, old, names.0, &mut problems);
    let (new_snap, new_findings) = analyse(&engine, new, names.1, &mut problems);
    let diff = compare(
        (old, &old_snap, old_findings, names.0),
        (new, &new_snap, new_findings, names.1),
    );
    let output = render(&diff, opts.format);
    let failed = diff.findings.new.iter().any(|f| f.severity >= opts.fail_on);
    Ok(DiffRun {
        output,
        diff,
        problems,
        failed,
    })
}

/// The diff in one format.
pub fn render(diff: &Diff, format: DiffFormat) -> String {
    match format {
        DiffFormat::Table => render::table(diff),
        DiffFormat::Json => render::json(diff),
        DiffFormat::Markdown => render::markdown(diff),
        DiffFormat::Html => html::render(diff),
    }
}

fn analyse(
    engine: &Engine,
    archive: &Archive,
    name: &str,
    problems: &mut Vec<String>,
) -> (Snapshot, Vec<Finding>) {
    let mut p = Vec::new();
    let snapshot = crate::analyze::load::snapshot(archive, &mut p);
    if let Some(errors) = crate::analyze::load::collection_errors(archive) {
        p.extend(errors.into_iter().map(|e| format!("collection error: {e}")));
    }
    problems.extend(p.into_iter().map(|e| format!("{name}: {e}")));
    let outcome = engine.run(&snapshot);
    (snapshot, outcome.findings)
}

/// The comparison itself, from two loaded snapshots and their findings (in rank order).
pub fn compare(
    old: (&Archive, &Snapshot, Vec<Finding>, &str),
    new: (&Archive, &Snapshot, Vec<Finding>, &str),
) -> Diff {
    let (old_archive, old_snap, old_findings, old_name) = old;
    let (new_archive, new_snap, new_findings, new_name) = new;
    let ids = |s: &Snapshot| -> BTreeSet<String> { s.nodes.iter().map(|n| n.id.clone()).collect() };
    let (old_ids, new_ids) = (ids(old_snap), ids(new_snap));
    let mut nodes = Nodes {
        matched: old_ids.intersection(&new_ids).cloned().collect(),
        only_old: old_ids.difference(&new_ids).cloned().collect(),
        only_new: new_ids.difference(&old_ids).cloned().collect(),
        versions: Vec::new(),
    };
    let mut settings = Vec::new();
    let mut jvm_options = Vec::new();
    let mut metric_changes = Vec::new();
    let mut metrics_compared = 0;
    let mut notes = Vec::new();
    let mut cross_source: Vec<&str> = Vec::new();
    for id in &nodes.matched {
        let (Some(a), Some(b)) = (node(old_snap, id), node(new_snap, id)) else {
            continue;
        };
        let (va, vb) = (release(a), release(b));
        if va != vb {
            nodes.versions.push(VersionChange {
                node: id.clone(),
                old: va,
                new: vb,
            });
        }
        match (&a.config, &b.config) {
            (Some(ca), Some(cb)) => {
                if ca.running != cb.running {
                    cross_source.push(id.as_str());
                }
                settings.extend(setting_changes(id, ca, cb));
            }
            (None, None) => {}
            (x, _) => notes.push(format!(
                "{id}: settings not compared: no cassandra.yaml or running settings in {}",
                if x.is_none() { old_name } else { new_name }
            )),
        }
        if let (Some(ja), Some(jb)) = (&a.jvm, &b.jvm) {
            let active = |j: &crate::model::JvmConfig| -> BTreeSet<String> {
                j.options
                    .iter()
                    .filter(|o| o.active)
                    .map(|o| o.option.text.clone())
                    .collect()
            };
            let (oa, ob) = (active(ja), active(jb));
            let removed: Vec<String> = oa.difference(&ob).cloned().collect();
            let added: Vec<String> = ob.difference(&oa).cloned().collect();
            if !removed.is_empty() || !added.is_empty() {
                jvm_options.push(JvmChange {
                    node: id.clone(),
                    removed,
                    added,
                });
            }
        }
        let (changes, compared) = metrics::compare(id, &a.metrics, &b.metrics);
        metric_changes.extend(changes);
        metrics_compared += compared;
    }
    if !cross_source.is_empty() {
        notes.push(format!(
            "{}: settings read from cassandra.yaml on one side and from the running node (system_views.settings) on the other; only settings given on both sides were compared",
            cross_source.join(", ")
        ));
    }
    if metrics_compared == 0 && !nodes.matched.is_empty() {
        notes.push("metrics not compared: no watched metric was present in both snapshots (collect with --metrics-port, --metrics-url or --prometheus-server)".into());
    }
    Diff {
        old: side(old_archive, old_snap, old_name),
        new: side(new_archive, new_snap, new_name),
        nodes,
        settings,
        jvm_options,
        metrics: metric_changes,
        metrics_compared,
        findings: match_findings(old_findings, new_findings),
        notes,
    }
}

fn node<'a>(s: &'a Snapshot, id: &str) -> Option<&'a Node> {
    s.nodes.iter().find(|n| n.id == id)
}

fn release(n: &Node) -> String {
    n.live
        .as_ref()
        .and_then(|l| l.release_version.clone())
        .unwrap_or_else(|| n.version.to_string())
}

fn side(a: &Archive, s: &Snapshot, name: &str) -> Side {
    Side {
        snapshot: name.to_string(),
        created_at: a.manifest.created_at.clone(),
        cluster_name: a.manifest.cluster_name.clone(),
        tool_version: a.manifest.tool_version.clone(),
        nodes: s.nodes.iter().map(|n| n.id.clone()).collect(),
        partial: a.is_partial(),
    }
}

/// Settings whose values differ, in name order.
///
/// Settings of the same source (two files, or two nodes' running settings tables) are all
/// compared, except defaults Cassandra derives at startup (no catalogue value to compare).
/// Across sources (a file before, the running settings after) only settings given on both
/// sides are: the running table reports resolved values (`concurrent_validations: 1` for the
/// file default `0`) and leaves nested options out, which would read as changes that were
/// never made. Nested options (`audit_logging_options`, …) set on both sides are compared
/// field by field (`audit_logging_options.enabled`). A setting that only one side's Cassandra
/// version knows is listed when that side sets it.
pub fn setting_changes(node: &str, old: &YamlConfig, new: &YamlConfig) -> Vec<SettingChange> {
    let cross = old.running != new.running;
    let names: BTreeSet<&String> = old.settings.keys().chain(new.settings.keys()).collect();
    let mut out = Vec::new();
    let change = |setting: String, old: Option<String>, new: Option<String>| SettingChange {
        node: node.to_string(),
        setting,
        old,
        new,
    };
    for name in names {
        match (old.settings.get(name), new.settings.get(name)) {
            (Some(a), Some(b)) => {
                if cross && !(a.is_explicit() && b.is_explicit()) {
                    continue;
                }
                let derived = |s: &Setting| !s.is_explicit() && s.value == SettingValue::Null;
                if derived(a) || derived(b) {
                    continue;
                }
                if let (SettingValue::Map(ma), SettingValue::Map(mb)) = (&a.value, &b.value) {
                    let fields: BTreeSet<&String> = ma.keys().chain(mb.keys()).collect();
                    for f in fields {
                        let (x, y) = (ma.get(f), mb.get(f));
                        if x != y {
                            out.push(change(format!("{name}.{f}"), x.cloned(), y.cloned()));
                        }
                    }
                } else if canonical(&a.value) != canonical(&b.value) {
                    out.push(change(name.clone(), Some(shown(a)), Some(shown(b))));
                }
            }
            (Some(a), None) if a.is_explicit() => {
                out.push(change(name.clone(), Some(shown(a)), None))
            }
            (None, Some(b)) if b.is_explicit() => {
                out.push(change(name.clone(), None, Some(shown(b))))
            }
            _ => {}
        }
    }
    out
}

/// A setting as shown: as written, or the default's text marked as such.
fn shown(s: &Setting) -> String {
    if s.is_explicit() {
        s.display.clone()
    } else {
        format!("{} (default)", s.display)
    }
}

/// A value in a form where equal settings compare equal: quantities in base units, numbers as
/// floats, class names without Cassandra's package prefix.
fn canonical(v: &SettingValue) -> String {
    match v {
        SettingValue::Null => "null".into(),
        SettingValue::Bool(b) => format!("b:{b}"),
        SettingValue::Int(i) => format!("n:{}", *i as f64),
        SettingValue::Float(f) => format!("n:{f}"),
        // Catalogue defaults of list settings are text (`[]`); a file's lists are lists.
        SettingValue::Str(s) if s.starts_with('[') && s.ends_with(']') => {
            let items: Vec<&str> = s[1..s.len() - 1]
                .split(',')
                .map(|x| x.trim().trim_matches(['"', '\'']))
                .filter(|x| !x.is_empty())
                .collect();
            format!("l:{}", items.join("\u{1}"))
        }
        SettingValue::Str(s) => format!("s:{}", short_class(s)),
        SettingValue::Quantity(q) => format!("q:{:?}:{}", q.dimension(), q.base()),
        SettingValue::List(l) => format!("l:{}", l.join("\u{1}")),
        SettingValue::Map(m) => format!(
            "m:{}",
            m.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("\u{1}")
        ),
    }
}

/// `org.apache.cassandra.locator.SimpleSnitch` → `SimpleSnitch`: Cassandra accepts both.
fn short_class(s: &str) -> &str {
    match s.strip_prefix("org.apache.cassandra.") {
        Some(rest) if !rest.contains(char::is_whitespace) => {
            rest.rsplit('.').next().unwrap_or(rest)
        }
        _ => s,
    }
}

/// Pairs findings of the two runs (see the module doc); each list keeps rank order.
pub fn match_findings(old: Vec<Finding>, new: Vec<Finding>) -> Findings {
    let exact = |f: &Finding| format!("{}\u{0}{}", f.subject, f.fingerprint());
    let loose = |f: &Finding| {
        format!(
            "{}\u{0}{}\u{0}{}",
            f.rule,
            f.subject,
            f.evidence.first().map(|e| e.name.as_str()).unwrap_or("")
        )
    };
    let mut old_left: Vec<Option<Finding>> = old.into_iter().map(Some).collect();
    let mut new_match: Vec<bool> = vec![false; new.len()];
    for key in [&exact as &dyn Fn(&Finding) -> String, &loose] {
        let mut by_key: BTreeMap<String, VecDeque<usize>> = BTreeMap::new();
        for (i, f) in old_left.iter().enumerate() {
            if let Some(f) = f {
                by_key.entry(key(f)).or_default().push_back(i);
            }
        }
        for (j, f) in new.iter().enumerate() {
            if new_match[j] {
                continue;
            }
            if let Some(i) = by_key.get_mut(&key(f)).and_then(|q| q.pop_front()) {
                old_left[i] = None;
                new_match[j] = true;
            }
        }
    }
    let mut out = Findings {
        resolved: old_left.into_iter().flatten().collect(),
        ..Findings::default()
    };
    for (f, matched) in new.into_iter().zip(new_match) {
        if matched {
            out.unchanged.push(f);
        } else {
            out.new.push(f);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Evidence, Family, Location};

    fn f(rule: &str, subject: &str, file: &str, key: &str) -> Finding {
        Finding {
            rule: rule.into(),
            name: String::new(),
            severity: Severity::Warning,
            family: Family::Config,
            subject: subject.into(),
            message: format!("{rule} on {subject}"),
            blocks_startup: false,
            confidence: 1.0,
            impact: 1.0,
            location: Some(Location {
                file: file.into(),
                line: 1,
                column: None,
            }),
            evidence: vec![Evidence {
                name: key.into(),
                observed: String::new(),
                expected: None,
                location: None,
            }],
            fixes: vec![],
            topic: None,
            also: Vec::new(),
        }
    }

    #[test]
    fn findings_match_by_subject_and_fingerprint_then_by_setting() {
        let old = vec![
            f("A-1", "n1", "nodes/n1/files/cassandra.yaml", "x"),
            f("A-1", "n2", "nodes/n2/files/cassandra.yaml", "x"),
            f("B-1", "n1", "nodes/n1/files/cassandra.yaml", "y"),
        ];
        let new = vec![
            // Same node, read from its running settings this time: still the same finding.
            f("A-1", "n1", "system_views.settings@n1", "x"),
            f("C-1", "n2", "nodes/n2/files/cassandra.yaml", "z"),
            f("B-1", "n1", "nodes/n1/files/cassandra.yaml", "y"),
        ];
        let m = match_findings(old, new);
        let ids = |v: &[Finding]| {
            v.iter()
                .map(|f| format!("{} {}", f.rule, f.subject))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&m.unchanged), ["A-1 n1", "B-1 n1"]);
        assert_eq!(ids(&m.new), ["C-1 n2"]);
        assert_eq!(ids(&m.resolved), ["A-1 n2"]);
    }

    #[test]
    fn duplicates_pair_one_to_one() {
        let a = f("A-1", "n1", "c.yaml", "x");
        let m = match_findings(vec![a.clone(), a.clone()], vec![a.clone()]);
        assert_eq!(
            (m.unchanged.len(), m.resolved.len(), m.new.len()),
            (1, 1, 0)
        );
    }

    #[test]
    fn equal_values_in_other_spellings_are_not_changes() {
        use crate::model::units::{Quantity, Unit};
        let q = |a, u| SettingValue::Quantity(Quantity::new(a, u));
        assert_eq!(canonical(&q(1, Unit::GiB)), canonical(&q(1024, Unit::MiB)));
        assert_ne!(canonical(&q(1, Unit::GiB)), canonical(&q(1, Unit::MiB)));
        assert_eq!(
            canonical(&SettingValue::Int(5)),
            canonical(&SettingValue::Float(5.0))
        );
        assert_eq!(
            canonical(&SettingValue::Str(
                "org.apache.cassandra.locator.SimpleSnitch".into()
            )),
            canonical(&SettingValue::Str("SimpleSnitch".into()))
        );
        assert_ne!(
            canonical(&SettingValue::Str("com.example.Snitch".into())),
            canonical(&SettingValue::Str("Snitch".into()))
        );
    }
}
