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
Three ways to use it: `lint` config files (a CI gate), `collect` a live cluster into a snapshot \
file, and `analyze` a snapshot or a live cluster.\n\n\
Exit codes: 0 nothing at or above --fail-on, 1 findings at or above --fail-on, 2 usage or input error, \
3 collection partial (some node or source failed; the rest was kept).",
    after_help = "Examples:\n  casstune analyze examples/demo.snap\n  casstune collect -c 10.0.0.1 --metrics-port 9404 -o cluster.snap\n  casstune lint conf/\n  casstune lint --cassandra-version 4.1 --format sarif conf/cassandra.yaml > casstune.sarif\n  casstune lint --fail-on warning --cores 16 --ram 64GiB --disks 2 conf/\n  casstune explain CFG-003"
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
    /// Read a live cluster (CQL, exporters, a Prometheus server, config files, host facts) into one snapshot file.
    #[command(after_help = COLLECT_HELP)]
    Collect(CollectArgs),
    /// Analyse a snapshot file, or a live cluster with the same flags as `collect`.
    #[command(after_help = ANALYZE_HELP)]
    Analyze(AnalyzeArgs),
    /// Write this machine's host facts (cores, RAM, swap, THP, disks, limits) as JSON for `collect --host-facts`.
    CollectHost(CollectHostArgs),
    /// List every rule (built-in and from --rules).
    Rules(RulesArgs),
    /// Print a rule's documentation: why it matters, evidence, fix, references.
    Explain(ExplainArgs),
    /// Compare two snapshots: changed settings, metric deltas, findings resolved, new and unchanged.
    #[command(after_help = DIFF_HELP)]
    Diff(DiffArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
    /// Write the man pages: casstune.1 and one page per subcommand (casstune-analyze.1, …).
    #[command(after_help = MAN_HELP)]
    Man(ManArgs),
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

const COLLECT_HELP: &str = "\
casstune only reads: every CQL statement it sends is a SELECT (the opt-in --probe-traces reads are traced SELECTs).

Credentials, first found wins: --username/--password (or CASSTUNE_USERNAME/CASSTUNE_PASSWORD), \
--password-file, then cqlshrc ([authentication] and its credentials file). Passwords are never \
printed and are redacted from the snapshot.

Examples:
  casstune collect -c 10.0.0.1,10.0.0.2 --metrics-port 9404 --interval 30s -o cluster.snap
  casstune collect -c db1 -u casstune --password-file ~/.cassandra/pw --tls --tls-ca ca.pem -o cluster.snap
  casstune collect -c 10.0.0.1 --prometheus-server http://prometheus:9090 --window 24h -o cluster.snap
  casstune collect -c 10.0.0.1 --config 10.0.0.1=/etc/cassandra --host-facts 10.0.0.1=host1.json -o cluster.snap

Exit codes: 0 everything collected, 2 nothing could be collected, 3 partial (the snapshot was written; \
the manifest lists each node's errors).";

const ANALYZE_HELP: &str = "\
Examples:
  casstune analyze cluster.snap
  casstune analyze cluster.snap --format json > findings.json
  casstune analyze -c 10.0.0.1 --metrics-port 9404 --save cluster.snap

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above --fail-on, 2 usage or input \
error, 3 the collection was partial (findings may be missing; the errors are listed).";

/// Where to collect from. Shared by `collect` and `analyze`.
#[derive(Debug, Args, Clone)]
pub struct SourceArgs {
    /// CQL contact points (host or host:port), comma-separated.
    #[arg(
        short = 'c',
        long,
        value_name = "HOSTS",
        value_delimiter = ',',
        env = "CASSTUNE_CONTACT_POINTS",
        help_heading = "CQL"
    )]
    pub contact_points: Vec<String>,
    /// CQL port for contact points given without one.
    #[arg(
        long,
        default_value_t = 9042,
        env = "CASSTUNE_CQL_PORT",
        help_heading = "CQL"
    )]
    pub port: u16,
    #[arg(short = 'u', long, env = "CASSTUNE_USERNAME", help_heading = "CQL")]
    pub username: Option<String>,
    /// Password (visible to other local users in `ps`: prefer CASSTUNE_PASSWORD or --password-file).
    #[arg(
        long,
        env = "CASSTUNE_PASSWORD",
        hide_env_values = true,
        help_heading = "CQL"
    )]
    pub password: Option<String>,
    /// File whose first line is the password.
    #[arg(long, value_name = "FILE", help_heading = "CQL")]
    pub password_file: Option<PathBuf>,
    /// cqlshrc to read connection defaults and credentials from [default: ~/.cassandra/cqlshrc].
    #[arg(long, value_name = "FILE", help_heading = "CQL")]
    pub cqlshrc: Option<PathBuf>,
    /// Ignore cqlshrc.
    #[arg(long, help_heading = "CQL")]
    pub no_cqlshrc: bool,
    /// Connect with TLS (implied by the other --tls-* flags).
    #[arg(long, help_heading = "CQL")]
    pub tls: bool,
    /// PEM file of the certificate authority to trust.
    #[arg(long, value_name = "FILE", help_heading = "CQL")]
    pub tls_ca: Option<PathBuf>,
    /// Client certificate (PEM), for clusters that require client authentication.
    #[arg(long, value_name = "FILE", requires = "tls_key", help_heading = "CQL")]
    pub tls_cert: Option<PathBuf>,
    /// Client private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert", help_heading = "CQL")]
    pub tls_key: Option<PathBuf>,
    /// Accept any server certificate (test clusters only).
    #[arg(long, help_heading = "CQL")]
    pub tls_insecure: bool,
    /// Traced single-partition reads per user table, at most (0: none). The only statements
    /// casstune sends that read user data.
    #[arg(long, value_name = "N", default_value_t = 0, help_heading = "CQL")]
    pub probe_traces: u32,
    /// Keep trace sessions from this far back.
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = parse_duration, help_heading = "CQL")]
    pub trace_window: std::time::Duration,
    /// Keep at most this many recent trace sessions (0: skip traces).
    #[arg(long, value_name = "N", default_value_t = 200, help_heading = "CQL")]
    pub trace_limit: usize,

    /// Exporter endpoint to scrape (repeatable), e.g. http://10.0.0.1:9404/metrics.
    #[arg(long, value_name = "URL", help_heading = "Metrics")]
    pub metrics_url: Vec<String>,
    /// Scrape `http://NODE:PORT/metrics` (see --metrics-path) for every node CQL finds (JMX exporter 9404 /
    /// 7070, MCAC 9103, cassandra-exporter 9500).
    #[arg(long, value_name = "PORT", help_heading = "Metrics")]
    pub metrics_port: Option<u16>,
    #[arg(
        long,
        value_name = "PATH",
        default_value = "/metrics",
        help_heading = "Metrics"
    )]
    pub metrics_path: String,
    /// Time between the two scrapes that turn counters into rates (0s: one scrape).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration, help_heading = "Metrics")]
    pub interval: std::time::Duration,
    /// Prometheus (or Thanos, Mimir) server to read the same metrics from over --window.
    #[arg(long, value_name = "URL", help_heading = "Metrics")]
    pub prometheus_server: Option<String>,
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = parse_duration, help_heading = "Metrics")]
    pub window: std::time::Duration,
    /// Extra label matchers for the server's series, e.g. 'cluster="prod"'.
    #[arg(long, value_name = "MATCHERS", help_heading = "Metrics")]
    pub prometheus_selector: Option<String>,

    /// Config directory (cassandra.yaml, jvm*.options, cassandra-env.sh) for every node, or
    /// NODE=DIR for one node (repeatable).
    #[arg(
        long = "config",
        value_name = "[NODE=]DIR",
        help_heading = "Files and hosts"
    )]
    pub config: Vec<String>,
    /// Host facts written by `casstune collect-host`, for every node or NODE=FILE (repeatable).
    #[arg(long, value_name = "[NODE=]FILE", help_heading = "Files and hosts")]
    pub host_facts: Vec<String>,
    /// Do not gather host facts from this machine for nodes that run on it.
    #[arg(long, help_heading = "Files and hosts")]
    pub no_local_host: bool,

    /// Per CQL query and per HTTP request.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration, help_heading = "Limits")]
    pub timeout: std::time::Duration,
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration, help_heading = "Limits")]
    pub connect_timeout: std::time::Duration,
    /// All of one node's CQL queries together; a slower node is recorded as partial.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration, help_heading = "Limits")]
    pub node_timeout: std::time::Duration,
    /// Nodes and endpoints read at the same time.
    #[arg(long, value_name = "N", default_value_t = 64, help_heading = "Limits")]
    pub concurrency: usize,
    /// Rows kept per table and node.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 100_000,
        help_heading = "Limits"
    )]
    pub row_cap: usize,
}

impl SourceArgs {
    /// True when some live source was named.
    pub fn any(&self) -> bool {
        !self.contact_points.is_empty()
            || !self.metrics_url.is_empty()
            || self.prometheus_server.is_some()
            || !self.config.is_empty()
            || !self.host_facts.is_empty()
    }
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Snapshot file to write (a zstd-compressed tar; `tar --zstd -tf` lists it).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Snapshot written by `casstune collect`. Without it, the live flags say what to collect.
    #[arg(value_name = "SNAPSHOT", conflicts_with_all = ["contact_points", "metrics_url", "prometheus_server"])]
    pub snapshot: Option<PathBuf>,
    #[command(flatten)]
    pub source: SourceArgs,
    /// Also save the live collection as a snapshot file.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to FILE instead of standard output (e.g. `--format html -o report.html`).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// With --format markdown: how many findings to list in full, in rank order (findings of
    /// one rule on several nodes or tables count once); the rest are counted per family.
    /// Lower it for a short pull-request comment, raise it for a ticket [default: 10].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub top: Option<u16>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub fail_on: FailOn,
    /// Directory of extra rule files (*.yaml).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules_dir: Option<PathBuf>,
    /// Write the file-editing fixes as a unified diff (needs config files in the snapshot).
    #[arg(long, value_name = "OUT.patch")]
    pub fix_diff: Option<PathBuf>,
    /// Write every fix as files: config.patch, fixes.cql, os/<node>.sh.
    #[arg(long, value_name = "DIR")]
    pub diff_dir: Option<PathBuf>,
    /// Colour: auto (terminal and no NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Args)]
pub struct CollectHostArgs {
    /// Output file [default: standard output].
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// A Cassandra data directory, to inspect the disk behind it (repeatable).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Vec<PathBuf>,
    #[arg(long, value_name = "DIR")]
    pub commitlog_dir: Option<PathBuf>,
    /// The Cassandra process (for its limits); found by its command line when absent.
    #[arg(long)]
    pub pid: Option<u32>,
    /// Read /proc and /sys under this root instead of / (for tests).
    #[arg(long, hide = true, default_value = "/")]
    pub root: PathBuf,
}

/// `30s`, `500ms`, `5m`, `24h`, `7d`; a bare number is seconds.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?}: expected a duration like 30s, 500ms, 5m, 24h or 7d"))?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86_400.0,
        u => return Err(format!("{s:?}: unknown unit {u:?}; use ms, s, m, h or d")),
    };
    if !secs.is_finite() || secs > 366.0 * 86_400.0 {
        return Err(format!("{s:?}: too long (at most 366d)"));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

fn parse_version(s: &str) -> Result<Version, String> {
    s.parse()
}

fn parse_size(s: &str) -> Result<u128, String> {
    crate::model::units::parse_cli_size(s)
}

const DIFF_HELP: &str = "\
Nodes are matched by address. Settings are each node's effective values (file, else the running \
settings, else the version's default); metrics are the tuning signals that matter (p99 latencies, GC \
time, pending compactions, SSTables per read, cache hit ratios, dropped messages and timeouts, heap \
used), shown when they moved beyond noise; findings are matched by rule, subject and setting.

Examples:
  casstune diff before.snap after.snap
  casstune diff --format markdown last-week.snap today.snap > diff.md
  casstune diff --fail-on warning --rules team-rules/ before.snap after.snap

Exit codes: 0 no new finding at or above --fail-on, 1 new findings at or above --fail-on, 2 usage \
or input error (a snapshot that cannot be read).";

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The snapshot before the change (written by `casstune collect`).
    #[arg(value_name = "OLD.snap")]
    pub old: PathBuf,
    /// The snapshot after the change.
    #[arg(value_name = "NEW.snap")]
    pub new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = crate::diff::DiffFormat::Table)]
    pub format: crate::diff::DiffFormat,
    /// Lowest severity of a new finding that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub fail_on: FailOn,
    /// Directory of extra rule files (*.yaml), used on both snapshots.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules_dir: Option<PathBuf>,
}

const COMPLETIONS_HELP: &str = "\
Examples:
  casstune completions bash > /etc/bash_completion.d/casstune
  casstune completions zsh > \"${fpath[1]}/_casstune\"
  casstune completions fish > ~/.config/fish/completions/casstune.fish";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write the script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

const MAN_HELP: &str = "\
Without -o, casstune.1 is printed to standard output (`casstune man | man -l -`).

Examples:
  casstune man -o /usr/local/share/man/man1
  casstune man | man -l -";

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Directory to write casstune.1 and the subcommand pages to (created if missing).
    #[arg(short = 'o', long = "out-dir", value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}
