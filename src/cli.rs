//! Command-line definitions. Every flag is documented here once; `--help`, the man page and
//! completions come from these definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::catalog::Version;
use crate::engine::Severity;
use crate::report::Format;

#[derive(Debug, Parser)]
#[command(
    name = "casstune",
    version,
    about = "Performance-tuning advisor and CI config gate for Apache Cassandra",
    long_about = "casstune checks Apache Cassandra configuration (cassandra.yaml, jvm*.options, \
cassandra-env.sh) against what each Cassandra version accepts and what operators have learned, \
and prints ranked findings with evidence and concrete fixes.\n\n\
Exit codes: 0 nothing at or above --fail-on, 1 findings at or above --fail-on, 2 usage or input error.",
    after_help = "Examples:\n  casstune lint conf/\n  casstune lint --cassandra-version 4.1 --format sarif conf/cassandra.yaml > casstune.sarif\n  casstune lint --fail-on warning --cores 16 --ram 64GiB --disks 2 conf/\n  casstune explain CFG-003"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check config files offline; exit 1 when findings reach --fail-on.
    #[command(
        after_help = "Suppress one finding with a comment on its line or the line above:\n  row_cache_size: 512MiB  # casstune: ignore[CACHE-001]\n\nExit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error."
    )]
    Lint(LintArgs),
    /// List every rule (built-in and from --rules).
    Rules(RulesArgs),
    /// Print a rule's documentation: why it matters, evidence, fix, references.
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Config files or conf directories (cassandra.yaml, jvm*.options, cassandra-env.sh).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Cassandra version the files are for (3.11, 4.0, 4.1, 5.0; a full release like 4.1.7 works);
    /// detected from the files when absent.
    #[arg(long, value_name = "VERSION", value_parser = parse_version)]
    pub cassandra_version: Option<Version>,

    /// JDK major version the node runs (8, 11, 17); default: from the options file names or the Cassandra version.
    #[arg(long, value_name = "N")]
    pub jdk: Option<u32>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub fail_on: FailOn,

    /// Findings recorded in this baseline file do not count (see --write-baseline).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record the current findings as the baseline and exit 0.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Directory of extra rule files (*.yaml): new rules, or overrides of severity and thresholds.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules_dir: Option<PathBuf>,

    /// Write the fixes as a unified diff (apply with `git apply` or `patch -p1`).
    #[arg(long, value_name = "OUT.patch")]
    pub fix_diff: Option<PathBuf>,

    /// Cores of the target machines (enables the core-count rules).
    #[arg(long, value_name = "N")]
    pub cores: Option<u32>,

    /// RAM of the target machines, e.g. 64GiB (enables the memory rules).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub ram: Option<u128>,

    /// Number of separate data disks (enables the disk rules).
    #[arg(long, value_name = "N")]
    pub disks: Option<u32>,

    /// Colour: auto (terminal and no NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Info,
    Warning,
    Error,
}

impl From<FailOn> for Severity {
    fn from(f: FailOn) -> Severity {
        match f {
            FailOn::Info => Severity::Info,
            FailOn::Warning => Severity::Warning,
            FailOn::Error => Severity::Error,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format (table, json, or markdown for the README's rule index).
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    /// Also load rule files from this directory.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
    /// The rule index table of the README.
    Markdown,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Rule ID, e.g. CFG-003.
    pub rule: String,
    /// Also load rule files from this directory.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules_dir: Option<PathBuf>,
}

fn parse_version(s: &str) -> Result<Version, String> {
    s.parse()
}

fn parse_size(s: &str) -> Result<u128, String> {
    crate::model::units::parse_cli_size(s)
}
