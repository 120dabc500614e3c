//! The human format: a ranked table, then a summary of what was and was not checked.

use comfy_table::{Cell, Color, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use super::Report;
use crate::engine::Severity;

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    for t in r.targets {
        out.push_str(&format!(
            "{}: Cassandra {} ({})\n",
            t.subject, t.cassandra_version, t.version_source
        ));
    }
    if !r.findings.is_empty() {
        let mut table = Table::new();
        table.load_style(UTF8_FULL_CONDENSED);
        if r.color {
            table.enforce_styling();
            table.set_content_arrangement(ContentArrangement::Dynamic);
        } else {
            // Deterministic bytes when piped: no terminal-width wrapping, no escape codes.
            table.force_no_tty();
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
        table.set_header(vec!["severity", "rule", "where", "finding", "fix"]);
        for f in r.findings {
            let sev = Cell::new(f.severity.as_str());
            let sev = if r.color {
                sev.fg(match f.severity {
                    Severity::Error => Color::Red,
                    Severity::Warning => Color::Yellow,
                    Severity::Info => Color::Cyan,
                })
            } else {
                sev
            };
            let place = f
                .location
                .as_ref()
                .map(|l| format!("{}:{}", l.file, l.line))
                .unwrap_or_else(|| f.subject.clone());
            let mut finding = f.message.clone();
            if f.blocks_startup {
                finding.push_str(" [blocks startup]");
            }
            let fix = f
                .fixes
                .first()
                .map(|x| x.description().to_string())
                .unwrap_or_default();
            table.add_row(vec![
                sev,
                Cell::new(format!("{}\n{}", f.rule, f.name)),
                Cell::new(place),
                Cell::new(finding),
                Cell::new(fix),
            ]);
        }
        out.push_str(&table.to_string());
        out.push('\n');
    }
    let (e, w, i) = (
        r.count(Severity::Error),
        r.count(Severity::Warning),
        r.count(Severity::Info),
    );
    out.push_str(&format!(
        "{} finding{}: {e} error{}, {w} warning{}, {i} info",
        e + w + i,
        plural(e + w + i),
        plural(e),
        plural(w)
    ));
    if r.suppressed > 0 {
        out.push_str(&format!("; {} suppressed inline", r.suppressed));
    }
    if r.baselined > 0 {
        out.push_str(&format!("; {} in the baseline", r.baselined));
    }
    out.push('\n');
    // Rules waiting for a kind of file that was not given are self-evident; rules waiting
    // for host facts are worth a hint.
    let host_only: Vec<_> = r
        .not_checked
        .iter()
        .filter(|n| !n.reason.contains("cassandra.yaml") && !n.reason.contains("jvm options"))
        .collect();
    if !host_only.is_empty() {
        let mut needs: Vec<&str> = host_only
            .iter()
            .flat_map(|n| n.reason.trim_start_matches("needs ").split(", "))
            .collect();
        needs.sort();
        needs.dedup();
        let mut rules: Vec<&str> = host_only.iter().map(|n| n.rule.as_str()).collect();
        rules.sort();
        rules.dedup();
        out.push_str(&format!(
            "not checked: {} rule{} ({}) need {}\n",
            rules.len(),
            plural(rules.len()),
            rules.join(", "),
            needs.join("; ")
        ));
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
