//! `casstune lint`: config files → Snapshot → engine → suppressions and baseline → report.

mod discover;
mod suppress;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, Lookup, Version};
use crate::engine::{Engine, Finding, Outcome, Severity};
use crate::model::config::{self, SourceFile};
use crate::model::{HostFacts, JvmConfig, Metrics, Node, Snapshot};
use crate::report::{self, Format, Report, Target};

pub use discover::{FileKind, Unit, classify, units as discover_units};

/// Everything `lint` needs, independent of the command line.
#[derive(Debug, Clone)]
pub struct LintOptions {
    pub paths: Vec<PathBuf>,
    pub version: Option<Version>,
    pub jdk: Option<u32>,
    pub format: Format,
    pub fail_on: Severity,
    pub baseline: Option<PathBuf>,
    pub write_baseline: Option<PathBuf>,
    pub rules_dir: Option<PathBuf>,
    pub fix_diff: Option<PathBuf>,
    pub host: HostFacts,
    pub color: bool,
}

/// The outcome of a lint run, for the caller to print and map to an exit code.
pub struct LintRun {
    pub output: String,
    pub findings: Vec<Finding>,
    pub input_errors: Vec<String>,
    pub notes: Vec<String>,
    /// Findings at or above --fail-on remain.
    pub failed: bool,
}

/// The largest config file casstune reads (a stock cassandra.yaml is about 100 KiB).
const MAX_FILE_BYTES: u64 = 8 << 20;

pub fn run(opts: &LintOptions) -> anyhow::Result<LintRun> {
    // The rules load and compile on other threads while this one reads the config files:
    // the two halves cost about the same, and a pre-commit hook waits for the sum otherwise.
    let rules_dir = opts.rules_dir.clone();
    let engine = std::thread::spawn(move || -> anyhow::Result<Engine> {
        let mut engine = Engine::standard()?;
        if let Some(dir) = &rules_dir {
            engine.load_user_rules(dir)?;
        }
        engine.precompile();
        Ok(engine)
    });
    let mut input_errors = Vec::new();
    let mut notes = Vec::new();
    let units = discover::units(&opts.paths, &mut input_errors)?;
    let mut snapshot = Snapshot::default();
    let mut targets = Vec::new();
    for unit in units {
        if let Some(node) = build_node(&unit, opts, &mut input_errors) {
            targets.push(Target {
                subject: node.id.clone(),
                cassandra_version: node.version.to_string(),
                version_source: node.version_source.clone(),
                files: unit
                    .files
                    .iter()
                    .map(|(p, _)| p.display().to_string())
                    .collect(),
            });
            snapshot.nodes.push(node);
        }
    }
    let engine = engine
        .join()
        .map_err(|_| anyhow::anyhow!("internal error: the rule engine thread panicked"))??;
    let Outcome {
        findings,
        not_checked,
    } = engine.run(&snapshot);

    let (findings, suppressed) = suppress::apply(&snapshot, findings);
    let (findings, baselined) = match &opts.baseline {
        Some(p) => Baseline::read(p)?.filter(findings),
        None => (findings, 0),
    };
    if let Some(p) = &opts.write_baseline {
        Baseline::from(&findings).write(p)?;
        notes.push(format!(
            "wrote {} finding{} to the baseline {}",
            findings.len(),
            if findings.len() == 1 { "" } else { "s" },
            p.display()
        ));
    }
    if let Some(p) = &opts.fix_diff {
        let patch = crate::fix::patch(&snapshot, &findings);
        std::fs::write(p, &patch)
            .with_context(|| format!("{}: cannot write the patch", p.display()))?;
        notes.push(if patch.is_empty() {
            format!(
                "no file-editing fixes; wrote an empty patch to {}",
                p.display()
            )
        } else {
            format!(
                "wrote fixes to {} (apply with `git apply {0}` or `patch -p1 < {0}`)",
                p.display()
            )
        });
    }
    let mut rule_ids: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
    rule_ids.sort();
    rule_ids.dedup();
    let rules = rule_ids
        .iter()
        .filter_map(|id| engine.rule(id).map(|r| &r.meta))
        .collect();
    let report = Report {
        findings: &findings,
        not_checked: &not_checked,
        targets: &targets,
        rules,
        suppressed,
        baselined,
        color: opts.color,
        snapshot: Some(&snapshot),
    };
    let output = report::render(opts.format, &report);
    let failed =
        opts.write_baseline.is_none() && findings.iter().any(|f| f.severity >= opts.fail_on);
    Ok(LintRun {
        output,
        findings,
        input_errors,
        notes,
        failed,
    })
}

/// Reads a file as UTF-8 text, refusing binaries and oversized files with a one-line reason.
pub fn read_text(path: &Path) -> Result<String, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "{shown}:1: the file is {:.1} MiB; a Cassandra config file is at most a few hundred KiB (limit {} MiB)",
            meta.len() as f64 / (1 << 20) as f64,
            MAX_FILE_BYTES >> 20
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    if let Some(i) = bytes.iter().position(|b| *b == 0) {
        let line = bytes[..i].iter().filter(|b| **b == b'\n').count() + 1;
        return Err(format!(
            "{shown}:{line}: binary data (a NUL byte); expected a text config file"
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let ok = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..ok].iter().filter(|b| **b == b'\n').count() + 1;
        format!("{shown}:{line}: not UTF-8 text; expected a text config file")
    })
}

fn build_node(unit: &Unit, opts: &LintOptions, errors: &mut Vec<String>) -> Option<Node> {
    let mut texts = Vec::new();
    for (path, kind) in &unit.files {
        match read_text(path) {
            Ok(t) => texts.push((path.display().to_string(), t, *kind)),
            Err(e) => errors.push(e),
        }
    }
    let given = NodeInputs {
        version: opts.version,
        jdk: opts.jdk,
        host: opts.host.clone(),
    };
    node_from_texts(&unit.id, texts, &given, errors)
}

/// What the caller knows about a node beyond its files.
#[derive(Debug, Clone, Default)]
pub struct NodeInputs {
    /// The Cassandra version when known (flag, or `release_version` of a live node).
    pub version: Option<Version>,
    pub jdk: Option<u32>,
    pub host: HostFacts,
}

/// A node from its config files' text: (shown path, text, kind). Parse errors go to `errors`
/// (file:line: what was expected); `None` when no file could be used.
pub fn node_from_texts(
    id: &str,
    texts: Vec<(String, String, FileKind)>,
    given: &NodeInputs,
    errors: &mut Vec<String>,
) -> Option<Node> {
    let mut yaml: Option<(String, String, crate::parse::yaml::Node)> = None;
    let mut jvm_files = Vec::new();
    for (shown, text, kind) in texts {
        match kind {
            FileKind::CassandraYaml => match config::parse_root(&shown, &text) {
                Ok(root) => yaml = Some((shown, text, root)),
                Err(e) => errors.push(e.to_string()),
            },
            FileKind::JvmOptions | FileKind::EnvSh => jvm_files.push((shown, text, kind)),
        }
    }
    if yaml.is_none() && jvm_files.is_empty() {
        return None;
    }
    let jvm_names: Vec<&str> = jvm_files.iter().map(|(p, _, _)| p.as_str()).collect();
    let env_hint = jvm_files
        .iter()
        .filter(|(_, _, k)| *k == FileKind::EnvSh)
        .find_map(|(_, text, _)| version_from_env_sh(text));
    let (version, version_source) = match given.version {
        Some(v) => (v, "--cassandra-version".to_string()),
        None => detect_version(yaml.as_ref().map(|(_, _, r)| r), &jvm_names, env_hint),
    };
    let target_jdk = given.jdk.unwrap_or_else(|| target_jdk(version, &jvm_names));
    let mut jvm = JvmConfig::default();
    for (path, text, kind) in jvm_files {
        let file = SourceFile {
            path: path.clone(),
            text,
        };
        match kind {
            FileKind::EnvSh => jvm.add_env_sh(file, target_jdk),
            _ => {
                let (jdk, specific) = jdk_of_file(&path, version);
                // --jdk says which JDK runs every file given, whatever the file names say.
                let jdk = if specific && given.jdk.is_none() {
                    jdk
                } else {
                    target_jdk
                };
                jvm.add_options_file(file, jdk, !specific || jdk == target_jdk);
            }
        }
    }
    let config = yaml.map(|(path, text, root)| {
        config::YamlConfig::interpret(SourceFile { path, text }, &root, version)
    });
    Some(Node {
        id: id.to_string(),
        version,
        version_source,
        config,
        jvm: (!jvm.is_empty()).then_some(jvm),
        host: given.host.clone(),
        metrics: Metrics::default(),
        live: None,
    })
}

/// The JDK a jvm options file is for, and whether the name says so.
fn jdk_of_file(path: &str, version: Version) -> (u32, bool) {
    let name = Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    for (tag, jdk) in [("jvm17", 17), ("jvm11", 11), ("jvm8", 8)] {
        if name.contains(tag) {
            return (jdk, true);
        }
    }
    (version.default_jdk(), false)
}

/// The JDK the node runs: the version's default, unless only one JDK-specific file is given.
fn target_jdk(version: Version, jvm_files: &[&str]) -> u32 {
    let specific: Vec<u32> = jvm_files
        .iter()
        .map(|p| jdk_of_file(p, version))
        .filter(|(_, s)| *s)
        .map(|(j, _)| j)
        .collect();
    match specific.as_slice() {
        [only] => *only,
        _ if specific.contains(&version.default_jdk()) || specific.is_empty() => {
            version.default_jdk()
        }
        _ => *specific.iter().max().unwrap_or(&version.default_jdk()),
    }
}

/// What a cassandra-env.sh reveals about its release: which options files it reads, and
/// whether it still sets the collector itself (3.x and older did, in JVM_OPTS).
fn version_from_env_sh(text: &str) -> Option<(Version, &'static str)> {
    let sets_gc = text.lines().any(|l| {
        !l.trim_start().starts_with('#')
            && l.contains("JVM_OPTS")
            && l.contains("UseConcMarkSweepGC")
    });
    if text.contains("jvm17-server.options") {
        Some((Version::V5_0, "cassandra-env.sh reads jvm17-server.options"))
    } else if text.contains("jvm11-server.options") || text.contains("jvm-server.options") {
        Some((
            Version::V4_1,
            "cassandra-env.sh reads jvm-server.options (4.x)",
        ))
    } else if sets_gc || text.contains("jvm.options") {
        Some((
            Version::V3_11,
            "cassandra-env.sh of the 3.x era (jvm.options or GC flags in JVM_OPTS)",
        ))
    } else {
        None
    }
}

/// Picks the version whose catalogue knows the most keys natively; ties go to the newer one.
fn detect_version(
    root: Option<&crate::parse::yaml::Node>,
    jvm_files: &[&str],
    env_hint: Option<(Version, &'static str)>,
) -> (Version, String) {
    let by_jvm_name = || {
        let names: Vec<String> = jvm_files
            .iter()
            .filter_map(|p| {
                Path::new(p)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
            })
            .collect();
        if names.iter().any(|n| n.contains("jvm17")) {
            Some((Version::V5_0, "jvm17-server.options"))
        } else if names
            .iter()
            .any(|n| n.contains("jvm") && !n.contains("server"))
        {
            // 3.x ships jvm.options; 4.0 renamed it jvm-server.options.
            Some((Version::V3_11, "jvm.options"))
        } else if names
            .iter()
            .any(|n| n.contains("jvm11") || n.contains("jvm8"))
        {
            Some((Version::V4_1, "jvm8/jvm11-server.options"))
        } else {
            env_hint
        }
    };
    let Some(entries) = root.and_then(|r| r.entries()) else {
        return match by_jvm_name() {
            Some((v, why)) => (v, format!("detected from {why}")),
            None => (
                Version::V5_0,
                "no version evidence; assumed 5.0 (set --cassandra-version)".into(),
            ),
        };
    };
    // Detection reads every catalogue: parse them side by side rather than one after another.
    std::thread::scope(|s| {
        for v in Version::ALL {
            s.spawn(move || Catalog::get(v));
        }
    });
    let score = |v: Version| -> i64 {
        let c = Catalog::get(v);
        entries
            .iter()
            .map(|e| match c.lookup(&e.key) {
                Some(Lookup::Current(_)) => 2,
                Some(Lookup::Old(..)) => 1,
                None => -2,
            })
            .sum()
    };
    let scores: BTreeMap<Version, i64> = Version::ALL.iter().map(|v| (*v, score(*v))).collect();
    let best = scores.values().copied().max().unwrap_or(0);
    let tied: Vec<Version> = Version::ALL
        .iter()
        .copied()
        .filter(|v| scores[v] == best)
        .collect();
    let chosen = match (tied.len(), by_jvm_name()) {
        (n, Some((v, _))) if n > 1 && tied.contains(&v) => v,
        _ => *tied.last().unwrap_or(&Version::V5_0),
    };
    // Name a key or two that tell the chosen version apart from its closest rival.
    let rival = Version::ALL
        .iter()
        .copied()
        .filter(|v| *v != chosen)
        .max_by_key(|v| (scores[v], *v));
    let telling: Vec<&str> = rival
        .map(|r| {
            let (c, rc) = (Catalog::get(chosen), Catalog::get(r));
            entries
                .iter()
                .filter(|e| {
                    matches!(c.lookup(&e.key), Some(Lookup::Current(_)))
                        && !matches!(rc.lookup(&e.key), Some(Lookup::Current(_)))
                })
                .map(|e| e.key.as_str())
                .take(2)
                .collect()
        })
        .unwrap_or_default();
    let why = if telling.is_empty() {
        "detected from the keys of cassandra.yaml (no version-specific key; set --cassandra-version to be sure)".to_string()
    } else {
        format!("detected from keys such as {}", telling.join(", "))
    };
    (chosen, why)
}

/// Known findings that do not fail the build, matched by fingerprint.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Baseline {
    pub casstune_baseline: u32,
    pub findings: Vec<BaselineEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule: String,
    pub message: String,
}

impl Baseline {
    fn from(findings: &[Finding]) -> Baseline {
        let mut entries: Vec<BaselineEntry> = findings
            .iter()
            .map(|f| BaselineEntry {
                fingerprint: f.fingerprint(),
                rule: f.rule.clone(),
                message: f.message.clone(),
            })
            .collect();
        entries.sort_by(|a, b| (&a.fingerprint, &a.message).cmp(&(&b.fingerprint, &b.message)));
        Baseline {
            casstune_baseline: 1,
            findings: entries,
        }
    }

    fn read(path: &Path) -> anyhow::Result<Baseline> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the baseline", path.display()))?;
        let b: Baseline = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}:{}: not a casstune baseline ({e}); create one with --write-baseline",
                path.display(),
                e.line()
            )
        })?;
        if b.casstune_baseline != 1 {
            anyhow::bail!(
                "{}: baseline format {} is newer than this casstune understands (1)",
                path.display(),
                b.casstune_baseline
            );
        }
        Ok(b)
    }

    fn write(&self, path: &Path) -> anyhow::Result<()> {
        let mut s = serde_json::to_string_pretty(self)?;
        s.push('\n');
        std::fs::write(path, s)
            .with_context(|| format!("{}: cannot write the baseline", path.display()))
    }

    /// Drops findings the baseline knows (each entry absorbs one finding).
    fn filter(self, findings: Vec<Finding>) -> (Vec<Finding>, usize) {
        let mut budget: BTreeMap<String, usize> = BTreeMap::new();
        for e in self.findings {
            *budget.entry(e.fingerprint).or_default() += 1;
        }
        let mut kept = Vec::new();
        let mut dropped = 0;
        for f in findings {
            match budget.get_mut(&f.fingerprint()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    dropped += 1;
                }
                _ => kept.push(f),
            }
        }
        (kept, dropped)
    }
}
