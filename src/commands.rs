//! The commands: turn parsed arguments into library calls, print, and choose the exit code.

use std::io::{IsTerminal, Write};

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};

use crate::cli::{Cli, ColorChoice, Command, ExplainArgs, LintArgs, ListFormat, RulesArgs};
use crate::engine::Engine;
use crate::exit;
use crate::lint::{self, LintOptions};
use crate::model::HostFacts;

pub fn dispatch(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Lint(a) => lint_cmd(a),
        Command::Rules(a) => rules_cmd(a),
        Command::Explain(a) => explain_cmd(a),
    }
}

/// Writes to stdout; a closed pipe (`casstune … | head`) is not an error.
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
        swap_bytes: None,
        source: (a.cores.is_some() || a.ram.is_some() || a.disks.is_some())
            .then(|| "flags".to_string()),
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
