//! The commands: turn parsed arguments into library calls, print, and choose the exit code.

use std::io::{IsTerminal, Write};

use anyhow::Context as _;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};

use crate::cli::{
    AnalyzeArgs, Cli, CollectArgs, CollectHostArgs, ColorChoice, Command, ExplainArgs, LintArgs,
    ListFormat, RulesArgs, SourceArgs,
};
use crate::engine::Engine;
use crate::exit;
use crate::lint::{self, LintOptions};
use crate::model::HostFacts;

pub fn dispatch(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Lint(a) => lint_cmd(a),
        Command::Rules(a) => rules_cmd(a),
        Command::Explain(a) => explain_cmd(a),
        Command::Collect(a) => collect_cmd(a),
        Command::Analyze(a) => analyze_cmd(a),
        Command::CollectHost(a) => collect_host_cmd(a),
        Command::Diff(a) => diff_cmd(a),
        Command::Completions(a) => completions_cmd(a),
        Command::Man(a) => man_cmd(a),
    }
}

/// Writes to stdout; a closed pipe (`casstune … | head`) is not an error.
/// Writes beside the target, then renames: a reader never sees half a report.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.casstune-tmp"));
    std::fs::write(&tmp, bytes)
        .with_context(|| format!("{}: cannot write the report", path.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("{}: cannot write the report", path.display()))
}

fn print_stdout(s: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

fn lint_cmd(a: LintArgs) -> anyhow::Result<i32> {
    let host = HostFacts {
        cores: a.cores,
        ram_bytes: a.ram,
        data_disks: a.disks,
        source: (a.cores.is_some() || a.ram.is_some() || a.disks.is_some())
            .then(|| "flags".to_string()),
        ..HostFacts::default()
    };
    let opts = LintOptions {
        paths: a.paths,
        version: a.cassandra_version,
        jdk: a.jdk,
        format: a.format,
        fail_on: a.fail_on.into(),
        baseline: a.baseline,
        write_baseline: a.write_baseline,
        rules_dir: a.rules_dir,
        fix_diff: a.fix_diff,
        host,
        color: use_color(a.color),
    };
    let run = lint::run(&opts)?;
    for e in &run.input_errors {
        eprintln!("casstune: error: {e}");
    }
    print_stdout(&run.output)?;
    for n in &run.notes {
        eprintln!("casstune: {n}");
    }
    Ok(if !run.input_errors.is_empty() {
        exit::ERROR
    } else if run.failed {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

fn engine_with(dir: &Option<std::path::PathBuf>) -> anyhow::Result<Engine> {
    let mut engine = Engine::standard()?;
    if let Some(d) = dir {
        engine.load_user_rules(d)?;
    }
    Ok(engine)
}

fn rules_cmd(a: RulesArgs) -> anyhow::Result<i32> {
    let engine = engine_with(&a.rules_dir)?;
    let mut metas: Vec<_> = engine.rules.iter().map(|r| &r.meta).collect();
    metas.sort_by(|x, y| x.id.cmp(&y.id));
    let out = match a.format {
        ListFormat::Json => {
            let mut s = serde_json::to_string_pretty(&metas)?;
            s.push('\n');
            s
        }
        ListFormat::Markdown => {
            let mut s = String::from(
                "| ID | name | family | severity | versions | summary |\n|---|---|---|---|---|---|\n",
            );
            for m in &metas {
                s.push_str(&format!(
                    "| {} | {} | {} | {}{} | {} | {} |\n",
                    m.id,
                    m.name,
                    m.family.as_str(),
                    m.severity,
                    if m.blocks_startup {
                        " (blocks startup)"
                    } else {
                        ""
                    },
                    m.versions_text(),
                    m.doc.summary.replace('|', "\\|")
                ));
            }
            s
        }
        ListFormat::Table => {
            let mut t = Table::new();
            t.load_style(UTF8_FULL_CONDENSED);
            t.force_no_tty();
            t.set_header(vec![
                "id", "name", "family", "severity", "versions", "summary",
            ]);
            for m in &metas {
                t.add_row(vec![
                    m.id.clone(),
                    m.name.clone(),
                    m.family.as_str().to_string(),
                    format!(
                        "{}{}",
                        m.severity,
                        if m.blocks_startup { " (startup)" } else { "" }
                    ),
                    m.versions_text(),
                    m.doc.summary.clone(),
                ]);
            }
            format!("{t}\n{} rules\n", metas.len())
        }
    };
    print_stdout(&out)?;
    Ok(exit::OK)
}

fn explain_cmd(a: ExplainArgs) -> anyhow::Result<i32> {
    let engine = engine_with(&a.rules_dir)?;
    let Some(rule) = engine.rule(&a.rule) else {
        anyhow::bail!("no rule `{}`; `casstune rules` lists them", a.rule);
    };
    let m = &rule.meta;
    let mut s = format!(
        "{} {} ({}, {}{})\n\n{}\n\nWhy it matters\n  {}\n\nEvidence\n  {}\n\nFix\n  {}\n",
        m.id,
        m.name,
        m.family.as_str(),
        m.severity,
        if m.blocks_startup {
            ", blocks startup"
        } else {
            ""
        },
        m.doc.summary,
        m.doc.why,
        m.doc.evidence,
        m.doc.fix
    );
    s.push_str(&format!(
        "\nApplies to\n  Cassandra {}\n",
        m.versions_text()
    ));
    if !m.params.is_empty() {
        s.push_str("\nParameters (override in a --rules file)\n");
        for (k, v) in &m.params {
            s.push_str(&format!("  {k} = {v}\n"));
        }
    }
    if !m.doc.references.is_empty() {
        s.push_str("\nReferences\n");
        for r in &m.doc.references {
            s.push_str(&format!("  - {r}\n"));
        }
    }
    s.push_str(&format!("\nDefined in {}\n", m.origin));
    print_stdout(&s)?;
    Ok(exit::OK)
}

/// Progress on stderr: phases and a node counter, drawn only on a terminal so logs and pipes
/// stay clean.
struct StderrReporter {
    tty: bool,
}

impl StderrReporter {
    fn new() -> Self {
        StderrReporter {
            tty: std::io::stderr().is_terminal(),
        }
    }
}

impl crate::collect::run::Reporter for StderrReporter {
    fn phase(&self, what: &str) {
        if self.tty {
            eprint!("\r\x1b[2Kcasstune: {what}…");
        }
    }
    fn node_done(&self, node: &str, done: usize, total: usize, ok: bool) {
        if self.tty {
            let width = 24;
            let filled = done * width / total.max(1);
            eprint!(
                "\r\x1b[2Kcasstune: nodes [{}{}] {done}/{total} ({node}{})",
                "#".repeat(filled),
                " ".repeat(width - filled),
                if ok { "" } else { ": errors" }
            );
        }
    }
}

impl Drop for StderrReporter {
    fn drop(&mut self) {
        if self.tty {
            eprint!("\r\x1b[2K");
        }
    }
}

/// `NODE=VALUE` or `VALUE`.
fn node_value(s: &str) -> (Option<String>, std::path::PathBuf) {
    match s.split_once('=') {
        Some((n, v)) if !n.is_empty() && !n.contains('/') => (Some(n.to_string()), v.into()),
        _ => (None, s.into()),
    }
}

fn read_password_file(p: &std::path::Path, warnings: &mut Vec<String>) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(p)
        .map_err(|e| anyhow::anyhow!("{}: cannot read the password file: {e}", p.display()))?;
    crate::collect::cqlshrc::warn_if_readable(p, warnings);
    let line = text
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end_matches('\r')
        .to_string();
    anyhow::ensure!(
        !line.is_empty(),
        "{}: the password file is empty (expected the password on its first line)",
        p.display()
    );
    Ok(line)
}

/// Flags (and their environment variables) first, then the password file, then cqlshrc.
fn collect_options(
    a: &SourceArgs,
    warnings: &mut Vec<String>,
) -> anyhow::Result<(crate::collect::run::CollectOptions, Vec<String>)> {
    use crate::collect::cql::{CqlOptions, TlsOptions};
    use crate::collect::cqlshrc;
    let rc = if a.no_cqlshrc {
        None
    } else {
        match a.cqlshrc.clone().or_else(cqlshrc::default_path) {
            Some(p) => {
                let explicit = a.cqlshrc.is_some();
                match cqlshrc::read(&p)? {
                    Some(rc) => Some(rc),
                    None if explicit => anyhow::bail!("{}: no such cqlshrc file", p.display()),
                    None => None,
                }
            }
            None => None,
        }
    };
    if let Some(rc) = &rc {
        warnings.extend(rc.warnings.iter().cloned());
    }
    let mut contact_points = a.contact_points.clone();
    if contact_points.is_empty()
        && a.metrics_url.is_empty()
        && a.prometheus_server.is_none()
        && let Some(h) = rc.as_ref().and_then(|r| r.hostname.clone())
    {
        contact_points.push(h);
    }
    let username = a
        .username
        .clone()
        .or_else(|| rc.as_ref().and_then(|r| r.username.clone()));
    let password = match (&a.password, &a.password_file) {
        (Some(p), _) => Some(p.clone()),
        (None, Some(f)) => Some(read_password_file(f, warnings)?),
        (None, None) => rc.as_ref().and_then(|r| r.password.clone()),
    };
    let rc_ssl = rc.as_ref().and_then(|r| r.ssl).unwrap_or(false);
    let tls = if a.tls || a.tls_ca.is_some() || a.tls_cert.is_some() || a.tls_insecure || rc_ssl {
        Some(TlsOptions {
            ca_file: a
                .tls_ca
                .clone()
                .or_else(|| rc.as_ref().and_then(|r| r.certfile.clone())),
            client_cert: a
                .tls_cert
                .clone()
                .or_else(|| rc.as_ref().and_then(|r| r.usercert.clone())),
            client_key: a
                .tls_key
                .clone()
                .or_else(|| rc.as_ref().and_then(|r| r.userkey.clone())),
            insecure: a.tls_insecure || rc.as_ref().and_then(|r| r.validate) == Some(false),
        })
    } else {
        None
    };
    let port = match (a.port, rc.as_ref().and_then(|r| r.port)) {
        (9042, Some(p)) => p,
        (p, _) => p,
    };
    let cql = (!contact_points.is_empty()).then(|| CqlOptions {
        contact_points: contact_points.clone(),
        port,
        username: username.clone(),
        password: password.clone(),
        tls: tls.clone(),
        connect_timeout: a.connect_timeout,
        request_timeout: a.timeout,
        node_timeout: a.node_timeout,
        concurrency: a.concurrency,
        trace_window: a.trace_window,
        trace_limit: a.trace_limit,
        probe_traces: a.probe_traces,
        row_cap: a.row_cap.max(1),
    });
    let mut recorded = vec![
        ("contact_points".to_string(), contact_points.join(",")),
        ("port".to_string(), port.to_string()),
        ("tls".to_string(), tls.is_some().to_string()),
        ("authenticated".to_string(), username.is_some().to_string()),
        (
            "interval_seconds".to_string(),
            a.interval.as_secs_f64().to_string(),
        ),
        ("probe_traces".to_string(), a.probe_traces.to_string()),
    ];
    if let Some(s) = &a.prometheus_server {
        recorded.push(("prometheus_server".into(), s.clone()));
        recorded.push(("window_seconds".into(), a.window.as_secs().to_string()));
    }
    if let Some(p) = a.metrics_port {
        recorded.push(("metrics_port".into(), p.to_string()));
    }
    let opts = crate::collect::run::CollectOptions {
        cql,
        metrics_urls: a.metrics_url.clone(),
        metrics_port: a.metrics_port,
        metrics_path: a.metrics_path.clone(),
        interval: a.interval,
        scrape_timeout: a.timeout,
        prometheus_server: a.prometheus_server.clone(),
        window: a.window,
        prometheus_selector: a.prometheus_selector.clone(),
        config_dirs: a.config.iter().map(|c| node_value(c)).collect(),
        host_facts: a.host_facts.iter().map(|c| node_value(c)).collect(),
        local_host: !a.no_local_host,
        concurrency: a.concurrency.max(1),
        recorded_options: recorded,
    };
    let secrets: Vec<String> = password.into_iter().collect();
    Ok((opts, secrets))
}

/// Runs a collection and reports its failures on stderr. `None` when nothing at all was
/// collected (the errors were printed).
fn run_collection(
    a: &SourceArgs,
) -> anyhow::Result<(Option<crate::snapshot::Archive>, Vec<String>)> {
    let mut warnings = Vec::new();
    let (opts, secrets) = collect_options(a, &mut warnings)?;
    for w in &warnings {
        eprintln!("casstune: warning: {w}");
    }
    anyhow::ensure!(
        opts.cql.is_some()
            || !opts.metrics_urls.is_empty()
            || opts.prometheus_server.is_some()
            || !opts.config_dirs.is_empty()
            || !opts.host_facts.is_empty(),
        "nothing to collect: give contact points (-c HOST), --metrics-url, --prometheus-server or --config (see `casstune collect --help`)"
    );
    let archive = {
        let reporter = StderrReporter::new();
        crate::collect::run::collect(&opts, &reporter)?
    };
    for line in crate::snapshot::errors::summarize(&archive.manifest) {
        eprintln!("casstune: {line}");
    }
    let empty = archive.members().next().is_none();
    Ok(((!empty).then_some(archive), secrets))
}

fn collect_cmd(a: CollectArgs) -> anyhow::Result<i32> {
    let (archive, secrets) = run_collection(&a.source)?;
    let Some(mut archive) = archive else {
        eprintln!("casstune: error: nothing was collected; no snapshot written");
        return Ok(exit::ERROR);
    };
    archive.write(&a.output, &secrets)?;
    let nodes = archive.manifest.nodes.len();
    let failed = archive
        .manifest
        .nodes
        .iter()
        .filter(|n| !n.errors.is_empty())
        .count();
    eprintln!(
        "casstune: wrote {} ({} node{}, {} member{}, {:.1} s){}",
        a.output.display(),
        nodes,
        if nodes == 1 { "" } else { "s" },
        archive.manifest.members.len(),
        if archive.manifest.members.len() == 1 {
            ""
        } else {
            "s"
        },
        archive.manifest.duration_seconds,
        if archive.is_partial() {
            format!(
                "; partial: {failed} node(s) and {} source(s) with errors (listed above and in the manifest)",
                archive.manifest.errors.len()
            )
        } else {
            String::new()
        }
    );
    Ok(if archive.is_partial() {
        exit::PARTIAL
    } else {
        exit::OK
    })
}

fn analyze_cmd(a: AnalyzeArgs) -> anyhow::Result<i32> {
    // Checked before a live collection starts: a usage error should not cost one.
    anyhow::ensure!(
        a.top.is_none() || a.format == crate::report::Format::Markdown,
        "--top applies to --format markdown; the other formats list every finding"
    );
    let opts = crate::analyze::AnalyzeOptions {
        format: a.format,
        fail_on: a.fail_on.into(),
        rules_dir: a.rules_dir.clone(),
        fix_diff: a.fix_diff.clone(),
        diff_dir: a.diff_dir.clone(),
        // A file gets no escape codes unless asked for.
        color: if a.output.is_some() {
            a.color == ColorChoice::Always
        } else {
            use_color(a.color)
        },
        top: a.top.map_or(crate::report::MARKDOWN_TOP, usize::from),
    };
    let (archive, run) = match &a.snapshot {
        // Parsed while it is decompressed: a fleet's snapshot never sits whole in memory.
        Some(p) => crate::analyze::run_file(p, &opts)?,
        None => {
            anyhow::ensure!(
                a.source.any(),
                "give a snapshot file, or live flags such as -c HOST (see `casstune analyze --help`)"
            );
            let (archive, secrets) = run_collection(&a.source)?;
            let Some(mut archive) = archive else {
                eprintln!("casstune: error: nothing was collected; nothing to analyse");
                return Ok(exit::ERROR);
            };
            // Analyse what a snapshot would hold: redacted, so no report shows a secret.
            archive.redact(&secrets);
            if let Some(p) = &a.save {
                archive.write(p, &secrets)?;
                eprintln!("casstune: saved the collection to {}", p.display());
            }
            let run = crate::analyze::run(&archive, &opts)?;
            (archive, run)
        }
    };
    if a.snapshot.is_some()
        && let Some(c) = crate::analyze::load::collection_errors(&archive)
    {
        for e in c {
            eprintln!("casstune: collection error: {e}");
        }
    }
    for p in &run.problems {
        eprintln!("casstune: warning: {p}");
    }
    match &a.output {
        Some(p) => {
            write_atomically(p, run.output.as_bytes())?;
            eprintln!("casstune: wrote the report to {}", p.display());
        }
        None => print_stdout(&run.output)?,
    }
    for n in &run.notes {
        eprintln!("casstune: {n}");
    }
    Ok(if run.partial {
        exit::PARTIAL
    } else if run.failed {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

fn collect_host_cmd(a: CollectHostArgs) -> anyhow::Result<i32> {
    let opts = crate::collect::host::HostOptions {
        root: a.root,
        data_dirs: a.data_dir,
        commitlog_dir: a.commitlog_dir,
        pid: a.pid,
    };
    let facts = crate::collect::host::gather(&opts);
    let json = crate::collect::host::to_json(&facts);
    for e in &facts.errors {
        eprintln!("casstune: warning: {e}");
    }
    match &a.output {
        Some(p) => {
            std::fs::write(p, &json).with_context(|| format!("{}: cannot write", p.display()))?;
            eprintln!("casstune: wrote host facts to {}", p.display());
        }
        None => print_stdout(&json)?,
    }
    Ok(exit::OK)
}

fn diff_cmd(a: crate::cli::DiffArgs) -> anyhow::Result<i32> {
    let old = crate::snapshot::Archive::read(&a.old)?;
    let new = crate::snapshot::Archive::read(&a.new)?;
    let opts = crate::diff::DiffOptions {
        format: a.format,
        fail_on: a.fail_on.into(),
        rules_dir: a.rules_dir,
    };
    let names = (a.old.display().to_string(), a.new.display().to_string());
    let run = crate::diff::run(&old, &new, (&names.0, &names.1), &opts)?;
    for p in &run.problems {
        eprintln!("casstune: warning: {p}");
    }
    print_stdout(&run.output)?;
    Ok(if run.failed { exit::FINDINGS } else { exit::OK })
}

fn completions_cmd(a: crate::cli::CompletionsArgs) -> anyhow::Result<i32> {
    use clap::CommandFactory as _;
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "casstune", &mut buf);
    print_stdout(&String::from_utf8_lossy(&buf))?;
    Ok(exit::OK)
}

/// `casstune man`: the pages come from the clap definitions (clap_mangen), plus an EXIT STATUS
/// section on casstune.1 so the codes read where man page readers look for them.
fn man_cmd(a: crate::cli::ManArgs) -> anyhow::Result<i32> {
    use clap::CommandFactory as _;
    use clap_mangen::roff::{Roff, bold, roman};

    fn page(cmd: &clap::Command, exit_status: bool) -> anyhow::Result<(String, String)> {
        let man = clap_mangen::Man::new(cmd.clone()).manual("casstune manual");
        let mut buf = Vec::new();
        man.render(&mut buf)?;
        let mut text = String::from_utf8(buf)?;
        if exit_status {
            let mut r = Roff::default();
            r.control("SH", ["EXIT STATUS"]);
            for (code, what) in [
                (
                    "0",
                    "Nothing at or above --fail-on (collect: everything was collected).",
                ),
                (
                    "1",
                    "Findings at or above --fail-on (diff: new findings at or above --fail-on).",
                ),
                (
                    "2",
                    "Usage or input error: an unreadable, binary or non-YAML file, an unknown version, a bad rule file, a snapshot that cannot be read, or nothing could be collected.",
                ),
                (
                    "3",
                    "The collection was partial (collect, analyze): some node or source failed; the rest was kept.",
                ),
            ] {
                r.control("TP", []);
                r.text([bold(code)]);
                r.text([roman(what)]);
            }
            // Before VERSION, where man page readers look for it; at the end if there is none.
            let at = text
                .find("\n.SH VERSION")
                .map(|i| i + 1)
                .unwrap_or(text.len());
            text.insert_str(at, &r.to_roff());
        }
        // Non-ASCII (…, →, ×) as groff's \[uXXXX] escapes: troff reads bytes, and only man(1)
        // runs preconv first.
        let text = text
            .chars()
            .map(|c| {
                if c.is_ascii() {
                    c.to_string()
                } else {
                    format!("\\[u{:04X}]", c as u32)
                }
            })
            .collect();
        Ok((man.get_filename(), text))
    }

    let mut cli = Cli::command().disable_help_subcommand(true);
    cli.build();
    let mut pages = vec![page(&cli, true)?];
    for sub in cli.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages.push(page(sub, false)?);
    }
    match &a.out_dir {
        None => print_stdout(&pages[0].1)?,
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("{}: cannot create the directory", dir.display()))?;
            for (name, text) in &pages {
                let p = dir.join(name);
                std::fs::write(&p, text)
                    .with_context(|| format!("{}: cannot write", p.display()))?;
            }
            eprintln!(
                "casstune: wrote {} man pages to {}",
                pages.len(),
                dir.display()
            );
        }
    }
    Ok(exit::OK)
}
