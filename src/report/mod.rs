//! Renderers: one per output format, all reading the same `Report`. No judgement here.

mod github;
mod html;
mod json;
mod markdown;
mod sarif;
mod table;

use serde::Serialize;

use crate::engine::{Finding, NotChecked, RuleMeta, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned table for people (colour on a terminal unless NO_COLOR is set).
    Table,
    /// Stable JSON document (see README, "JSON output").
    Json,
    /// SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// GitHub Actions workflow commands (::error file=…::message).
    Github,
    /// Short Markdown for pull-request comments and tickets: top findings with fixes, counts per family.
    Markdown,
    /// One self-contained HTML page (no network) with findings, fixes and charts.
    Html,
}

/// What was analysed, for headers and summaries.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub subject: String,
    pub cassandra_version: String,
    pub version_source: String,
    pub files: Vec<String>,
}

/// Everything a renderer needs.
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub not_checked: &'a [NotChecked],
    pub targets: &'a [Target],
    /// Metadata of every rule that produced a finding (SARIF lists them), by ID.
    pub rules: Vec<&'a RuleMeta>,
    pub suppressed: usize,
    pub baselined: usize,
    pub color: bool,
    /// The analysed snapshot, for renderers that show more than findings (charts).
    pub snapshot: Option<&'a crate::model::Snapshot>,
}

impl Report<'_> {
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }
}

pub fn render(format: Format, report: &Report) -> String {
    match format {
        Format::Table => table::render(report),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Github => github::render(report),
        Format::Markdown => markdown::render(report),
        Format::Html => html::render(report),
    }
}

/// [`render`], with the number of top items `--format markdown` lists in full (`analyze --top`);
/// the other formats list every finding.
pub fn render_top(format: Format, report: &Report, top: usize) -> String {
    match format {
        Format::Markdown => markdown::render_top(report, top),
        other => render(other, report),
    }
}

/// Items the Markdown format lists in full unless told otherwise.
pub const MARKDOWN_TOP: usize = markdown::TOP;

pub const TOOL: &str = "casstune";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
