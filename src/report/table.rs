//! The human format: a ranked table, then a summary of what was and was not checked.

use comfy_table::{Cell, Color, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use super::Report;
use crate::engine::{Finding, Fix, Severity};

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
        for group in group_findings(r.findings) {
            let f = group[0];
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
            let mut finding = f.message.clone();
            if f.blocks_startup {
                finding.push_str(" [blocks startup]");
            }
            for line in f.also_lines(3) {
                finding.push('\n');
                finding.push_str(&line);
            }
            table.add_row(vec![
                sev,
                Cell::new(format!("{}\n{}", f.rule, f.name)),
                Cell::new(places(&group, r)),
                Cell::new(finding),
                Cell::new(f.fixes.first().map(fix_text).unwrap_or_default()),
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
            .flat_map(|n| {
                n.reason
                    .trim_start_matches("needs ")
                    .split(crate::engine::NEEDS_SEPARATOR)
            })
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

/// Findings that say the same thing (rule, message and top fix) about several subjects, in
/// rank order of their first member: a cluster-wide setting reads as one row, "3 nodes: …".
fn group_findings(findings: &[Finding]) -> Vec<Vec<&Finding>> {
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    let key = |f: &Finding| {
        (
            f.rule.clone(),
            f.message.clone(),
            f.fixes.first().map(fix_text),
        )
    };
    let mut index: std::collections::HashMap<_, usize> = std::collections::HashMap::new();
    for f in findings {
        match index.get(&key(f)) {
            Some(&i) => groups[i].push(f),
            None => {
                index.insert(key(f), groups.len());
                groups.push(vec![f]);
            }
        }
    }
    groups
}

/// Where a finding is: `file:line`, or its subject; a group lists up to five, then a count.
fn places(group: &[&Finding], r: &Report) -> String {
    const SHOWN: usize = 5;
    let one = |f: &Finding| {
        f.location
            .as_ref()
            .map(|l| format!("{}:{}", l.file, l.line))
            .unwrap_or_else(|| f.subject.clone())
    };
    if group.len() == 1 {
        return one(group[0]);
    }
    let is_node = |f: &&Finding| r.targets.iter().any(|t| t.subject == f.subject);
    let is_table = |f: &&Finding| {
        r.snapshot.is_some_and(|s| {
            f.subject
                .split_once('.')
                .is_some_and(|(k, t)| s.schema.table(k, t).is_some())
        })
    };
    let what = if group.iter().all(is_node) {
        "nodes"
    } else if group.iter().all(is_table) {
        "tables"
    } else {
        "subjects"
    };
    let mut s = format!("{} {what}:", group.len());
    for f in group.iter().take(SHOWN) {
        s.push('\n');
        s.push_str(&one(f));
    }
    if group.len() > SHOWN {
        s.push_str(&format!("\n… and {} more", group.len() - SHOWN));
    }
    s
}

/// The top fix as someone would apply it: the statement or command itself when there is one.
fn fix_text(fix: &Fix) -> String {
    match fix {
        Fix::Cql {
            statement,
            description,
            ..
        } => format!("{description}:\n{statement}"),
        Fix::Os {
            command,
            description,
            ..
        } => format!("{description}:\n{command}"),
        other => other.description().to_string(),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
