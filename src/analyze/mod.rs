//! `casstune analyze`: a snapshot archive (read from a file or just collected) → model →
//! engine → report. The same path whether the archive came from disk or from a live cluster.

pub mod fixes;
pub mod load;

use anyhow::Context as _;

use crate::engine::{Engine, Finding, Outcome, Severity};
use crate::model::Snapshot;
use crate::report::{self, Format, Report, Target};
use crate::snapshot::Archive;

#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    pub format: Format,
    pub fail_on: Severity,
    pub rules_dir: Option<std::path::PathBuf>,
    pub fix_diff: Option<std::path::PathBuf>,
    /// Write every fix as files (config.patch, fixes.cql, os/<node>.sh).
    pub diff_dir: Option<std::path::PathBuf>,
    pub color: bool,
    /// Items `--format markdown` lists in full (`--top`).
    pub top: usize,
}

pub struct AnalyzeRun {
    pub output: String,
    pub findings: Vec<Finding>,
    /// Members or facts that could not be used, and the collection's own errors.
    pub problems: Vec<String>,
    pub notes: Vec<String>,
    /// Findings at or above --fail-on.
    pub failed: bool,
    /// The collection recorded failures: findings may be missing.
    pub partial: bool,
}

pub fn run(archive: &Archive, opts: &AnalyzeOptions) -> anyhow::Result<AnalyzeRun> {
    let mut problems = Vec::new();
    let snapshot = load::snapshot(archive, &mut problems);
    run_model(archive, snapshot, problems, opts)
}

/// [`run`] on a snapshot file, read with [`load::read`]: each node's scrapes and rows are
/// parsed while the file is decompressed and their raw bytes dropped, so a fleet's snapshot
/// never sits whole in memory. Same result as [`run`] on [`Archive::read`].
pub fn run_file(
    path: &std::path::Path,
    opts: &AnalyzeOptions,
) -> anyhow::Result<(Archive, AnalyzeRun)> {
    let mut problems = Vec::new();
    let (archive, snapshot) = load::read(path, &mut problems)?;
    let run = run_model(&archive, snapshot, problems, opts)?;
    Ok((archive, run))
}

fn run_model(
    archive: &Archive,
    snapshot: Snapshot,
    problems: Vec<String>,
    opts: &AnalyzeOptions,
) -> anyhow::Result<AnalyzeRun> {
    let mut engine = Engine::standard()?;
    if let Some(dir) = &opts.rules_dir {
        engine.load_user_rules(dir)?;
    }
    let Outcome {
        findings,
        not_checked,
    } = engine.run(&snapshot);
    // One problem seen through several kinds of evidence reads as one finding.
    let findings = crate::engine::consolidate::consolidate(findings);
    let mut notes = Vec::new();
    if let Some(p) = &opts.fix_diff {
        let patch = crate::fix::patch(&snapshot, &findings);
        std::fs::write(p, &patch)
            .with_context(|| format!("{}: cannot write the patch", p.display()))?;
        notes.push(if patch.is_empty() {
            format!(
                "no file-editing fixes (a snapshot without --config files has none); wrote an empty patch to {}",
                p.display()
            )
        } else {
            format!("wrote fixes to {} (apply with `git apply {0}` or `patch -p1 < {0}`)", p.display())
        });
    }
    if let Some(dir) = &opts.diff_dir {
        let files = fixes::write(dir, &snapshot, &findings)?;
        notes.push(if files.is_empty() {
            format!("no fixes to write to {}", dir.display())
        } else {
            format!(
                "wrote {} to {} (review them; casstune applies nothing)",
                files.join(", "),
                dir.display()
            )
        });
    }
    let targets = targets(&snapshot);
    let mut ids: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
    ids.sort();
    ids.dedup();
    let report = Report {
        findings: &findings,
        not_checked: &not_checked,
        targets: &targets,
        rules: ids
            .iter()
            .filter_map(|id| engine.rule(id).map(|r| &r.meta))
            .collect(),
        suppressed: 0,
        baselined: 0,
        color: opts.color,
        snapshot: Some(&snapshot),
    };
    let output = report::render_top(opts.format, &report, opts.top);
    let failed = findings.iter().any(|f| f.severity >= opts.fail_on);
    let partial = archive.is_partial();
    drop(report);
    // A fleet's model is millions of small allocations: freeing them took ~4 % of the run.
    // A thread of its own frees them while the report is written, or not at all when the
    // process exits first. (If no thread can be started, the closure is dropped here.)
    let _ = std::thread::Builder::new().spawn(move || drop(snapshot));
    Ok(AnalyzeRun {
        output,
        findings,
        problems,
        notes,
        failed,
        partial,
    })
}

fn targets(snapshot: &Snapshot) -> Vec<Target> {
    snapshot
        .nodes
        .iter()
        .map(|n| {
            let mut files: Vec<String> = Vec::new();
            if let Some(c) = &n.config {
                files.push(c.file.path.clone());
            }
            if let Some(j) = &n.jvm {
                files.extend(j.files.iter().map(|f| f.path.clone()));
            }
            Target {
                subject: n.id.clone(),
                cassandra_version: n.version.to_string(),
                version_source: n.version_source.clone(),
                files,
            }
        })
        .collect()
}
