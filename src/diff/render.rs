//! The diff as text tables, JSON and Markdown. No judgement here: [`super::Diff`] has it all.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use super::{Diff, SettingChange};
use crate::engine::Finding;
use crate::report::{TOOL, VERSION};

/// Rows of metrics and settings listed in Markdown before "and N more".
const MD_ROWS: usize = 25;

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `2 settings changed, 3 metrics moved (1 better, 2 worse), 1 new finding, 2 resolved, 21 unchanged`.
pub fn summary(d: &Diff) -> String {
    let mut parts = Vec::new();
    let s = d.settings.len();
    parts.push(format!("{s} setting{} changed", plural(s)));
    if !d.jvm_options.is_empty() {
        let n = d.jvm_options.len();
        parts.push(format!("JVM options changed on {n} node{}", plural(n)));
    }
    let m = d.metrics.len();
    let worse = d.metrics.iter().filter(|c| c.is_worse()).count();
    parts.push(format!(
        "{m} metric{} moved ({} better, {worse} worse)",
        plural(m),
        m - worse
    ));
    let f = &d.findings;
    parts.push(format!(
        "{} new finding{}, {} resolved, {} unchanged",
        f.new.len(),
        plural(f.new.len()),
        f.resolved.len(),
        f.unchanged.len()
    ));
    let mut s = parts.join(", ");
    if !d.nodes.only_old.is_empty() || !d.nodes.only_new.is_empty() {
        let _ = write!(
            s,
            "; nodes: {} gone, {} added",
            d.nodes.only_old.len(),
            d.nodes.only_new.len()
        );
    }
    s
}

fn side_line(label: &str, s: &super::Side) -> String {
    let mut line = format!("{label}: {} ({}", s.snapshot, s.created_at);
    if let Some(c) = &s.cluster_name {
        let _ = write!(line, ", cluster {c}");
    }
    let _ = write!(line, ", {} node{}", s.nodes.len(), plural(s.nodes.len()));
    if s.partial {
        line.push_str(", partial collection");
    }
    line.push(')');
    line
}

fn grid() -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.force_no_tty();
    t.set_content_arrangement(ContentArrangement::Disabled);
    t
}

fn place(f: &Finding) -> String {
    f.location
        .as_ref()
        .map(|l| format!("{}:{}", l.file, l.line))
        .unwrap_or_else(|| f.subject.clone())
}

fn or_dash(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "(not in this version)".into())
}

pub fn table(d: &Diff) -> String {
    let mut out = String::from("casstune diff\n");
    let _ = writeln!(out, "  {}", side_line("old", &d.old));
    let _ = writeln!(out, "  {}", side_line("new", &d.new));
    let _ = write!(out, "nodes: {} matched", d.nodes.matched.len());
    if !d.nodes.only_old.is_empty() {
        let _ = write!(out, "; only in old: {}", d.nodes.only_old.join(", "));
    }
    if !d.nodes.only_new.is_empty() {
        let _ = write!(out, "; only in new: {}", d.nodes.only_new.join(", "));
    }
    out.push('\n');
    for v in &d.nodes.versions {
        let _ = writeln!(out, "Cassandra on {}: {} → {}", v.node, v.old, v.new);
    }
    let _ = writeln!(out, "{}\n", summary(d));

    if !d.settings.is_empty() {
        let _ = writeln!(out, "Settings ({} changed)", d.settings.len());
        let mut t = grid();
        t.set_header(vec!["node", "setting", "old", "new"]);
        for s in &d.settings {
            t.add_row(vec![
                s.node.clone(),
                s.setting.clone(),
                or_dash(&s.old),
                or_dash(&s.new),
            ]);
        }
        let _ = writeln!(out, "{t}\n");
    }
    if !d.jvm_options.is_empty() {
        out.push_str("JVM options\n");
        for j in &d.jvm_options {
            for r in &j.removed {
                let _ = writeln!(out, "  {}: - {r}", j.node);
            }
            for a in &j.added {
                let _ = writeln!(out, "  {}: + {a}", j.node);
            }
        }
        out.push('\n');
    }
    if !d.metrics.is_empty() {
        let _ = writeln!(
            out,
            "Metrics ({} of {} compared moved beyond noise)",
            d.metrics.len(),
            d.metrics_compared
        );
        let mut t = grid();
        t.set_header(vec!["node", "metric", "old", "new", "change", "verdict"]);
        for m in &d.metrics {
            t.add_row(vec![
                m.node.clone(),
                m.what(),
                m.old_text(),
                m.new_text(),
                m.change_text(),
                m.verdict.to_string(),
            ]);
        }
        let _ = writeln!(out, "{t}\n");
    }
    for (title, list) in [
        ("New findings", &d.findings.new),
        ("Resolved findings", &d.findings.resolved),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{title} ({})", list.len());
        let mut t = grid();
        t.set_header(vec!["severity", "rule", "where", "finding"]);
        for f in list {
            t.add_row(vec![
                f.severity.as_str().to_string(),
                format!("{} {}", f.rule, f.name),
                place(f),
                f.message.clone(),
            ]);
        }
        let _ = writeln!(out, "{t}\n");
    }
    for n in &d.notes {
        let _ = writeln!(out, "note: {n}");
    }
    if d.is_empty() {
        out.push_str("No differences.\n");
    }
    out
}

/// Serialised straight from structs, so keys come in the order written here.
#[derive(serde::Serialize)]
struct JsonDoc<'a> {
    tool: &'a str,
    version: &'a str,
    old: &'a super::Side,
    new: &'a super::Side,
    summary: JsonSummary,
    nodes: &'a super::Nodes,
    settings: &'a [super::SettingChange],
    jvm_options: &'a [super::JvmChange],
    metrics: &'a [super::MetricChange],
    findings: &'a super::Findings,
    notes: &'a [String],
}

#[derive(serde::Serialize)]
struct JsonSummary {
    settings_changed: usize,
    jvm_options_changed: usize,
    metrics_compared: usize,
    metrics_better: usize,
    metrics_worse: usize,
    findings_new: usize,
    findings_resolved: usize,
    findings_unchanged: usize,
    nodes_gone: usize,
    nodes_added: usize,
}

pub fn json(d: &Diff) -> String {
    let worse = d.metrics.iter().filter(|m| m.is_worse()).count();
    let doc = JsonDoc {
        tool: TOOL,
        version: VERSION,
        old: &d.old,
        new: &d.new,
        summary: JsonSummary {
            settings_changed: d.settings.len(),
            jvm_options_changed: d.jvm_options.len(),
            metrics_compared: d.metrics_compared,
            metrics_better: d.metrics.len() - worse,
            metrics_worse: worse,
            findings_new: d.findings.new.len(),
            findings_resolved: d.findings.resolved.len(),
            findings_unchanged: d.findings.unchanged.len(),
            nodes_gone: d.nodes.only_old.len(),
            nodes_added: d.nodes.only_new.len(),
        },
        nodes: &d.nodes,
        settings: &d.settings,
        jvm_options: &d.jvm_options,
        metrics: &d.metrics,
        findings: &d.findings,
        notes: &d.notes,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// Escapes Markdown markup in text (pipes included, for tables) and folds line breaks.
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\r' => {}
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A code span for any text, safe in a table cell.
pub fn md_code(s: &str) -> String {
    let s = s.replace(['\r', '\n'], " ").replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    if longest > 0 || s.is_empty() {
        format!("{fence} {s} {fence}")
    } else {
        format!("{fence}{s}{fence}")
    }
}

/// Rule prose: its `code spans` stay code spans, the rest is escaped.
fn md_text(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return md(s);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| if i % 2 == 0 { md(p) } else { md_code(p) })
        .collect()
}

/// `a`, or `3 nodes: a, b, c` (all of them named: a diff is read closely).
fn nodes_label(nodes: &[&str], total: usize) -> String {
    if nodes.len() == 1 {
        return md(nodes[0]);
    }
    let all = if nodes.len() == total && total > 1 {
        "all "
    } else {
        ""
    };
    format!(
        "{all}{} nodes: {}",
        nodes.len(),
        nodes.iter().map(|n| md(n)).collect::<Vec<_>>().join(", ")
    )
}

/// Findings with one rule, severity and message shape, listed once with their subjects.
fn finding_groups(list: &[Finding]) -> Vec<Vec<&Finding>> {
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    let mut index: BTreeMap<(String, crate::engine::Severity, String), usize> = BTreeMap::new();
    for f in list {
        let key = (f.rule.clone(), f.severity, shape(&f.message, &f.subject));
        match index.get(&key) {
            Some(&i) => groups[i].push(f),
            None => {
                index.insert(key, groups.len());
                groups.push(vec![f]);
            }
        }
    }
    groups
}

/// The message without its subject and numbers.
fn shape(message: &str, subject: &str) -> String {
    let m = if subject.is_empty() {
        message.to_string()
    } else {
        message.replace(subject, "\u{1}")
    };
    let mut out = String::new();
    let mut digits = false;
    for c in m.chars() {
        if c.is_ascii_digit() {
            if !digits {
                out.push('#');
            }
            digits = true;
        } else {
            digits = false;
            out.push(c);
        }
    }
    out
}

pub fn markdown(d: &Diff) -> String {
    let mut out = String::from("### casstune diff\n\n");
    let _ = writeln!(
        out,
        "{} ({}) → {} ({})\n",
        md_code(&d.old.snapshot),
        md(&d.old.created_at),
        md_code(&d.new.snapshot),
        md(&d.new.created_at)
    );
    let _ = writeln!(out, "**{}**\n", md(&summary(d)));
    let total = d.nodes.matched.len();
    if !d.nodes.only_old.is_empty() || !d.nodes.only_new.is_empty() || !d.nodes.versions.is_empty()
    {
        out.push_str("#### Nodes\n\n");
        if !d.nodes.only_old.is_empty() {
            let _ = writeln!(
                out,
                "- only in the old snapshot: {}",
                md(&d.nodes.only_old.join(", "))
            );
        }
        if !d.nodes.only_new.is_empty() {
            let _ = writeln!(
                out,
                "- only in the new snapshot: {}",
                md(&d.nodes.only_new.join(", "))
            );
        }
        for v in &d.nodes.versions {
            let _ = writeln!(
                out,
                "- {}: Cassandra {} → {}",
                md(&v.node),
                md(&v.old),
                md(&v.new)
            );
        }
        out.push('\n');
    }

    if !d.settings.is_empty() {
        out.push_str("#### Settings\n\n| nodes | setting | old | new |\n|---|---|---|---|\n");
        // One row per (setting, old, new), with every node that made that change.
        let mut rows: Vec<(&SettingChange, Vec<&str>)> = Vec::new();
        for s in &d.settings {
            match rows
                .iter_mut()
                .find(|(r, _)| r.setting == s.setting && r.old == s.old && r.new == s.new)
            {
                Some((_, nodes)) => nodes.push(&s.node),
                None => rows.push((s, vec![&s.node])),
            }
        }
        for (s, nodes) in rows.iter().take(MD_ROWS) {
            let cell = |v: &Option<String>| {
                v.as_deref()
                    .map(md_code)
                    .unwrap_or_else(|| "(not in this version)".into())
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                nodes_label(nodes, total),
                md_code(&s.setting),
                cell(&s.old),
                cell(&s.new)
            );
        }
        if rows.len() > MD_ROWS {
            let _ = writeln!(
                out,
                "\n_{} more changed settings: run `casstune diff … --format table`._",
                rows.len() - MD_ROWS
            );
        }
        out.push('\n');
    }
    if !d.jvm_options.is_empty() {
        out.push_str("#### JVM options\n\n");
        for j in &d.jvm_options {
            let mut parts: Vec<String> = j
                .removed
                .iter()
                .map(|r| format!("removed {}", md_code(r)))
                .collect();
            parts.extend(j.added.iter().map(|a| format!("added {}", md_code(a))));
            let _ = writeln!(out, "- {}: {}", md(&j.node), parts.join(", "));
        }
        out.push('\n');
    }
    if !d.metrics.is_empty() {
        out.push_str(
            "#### Metrics\n\n| node | metric | old | new | change | |\n|---|---|--:|--:|--:|---|\n",
        );
        for m in d.metrics.iter().take(MD_ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                md(&m.node),
                md(&m.what()),
                md(&m.old_text()),
                md(&m.new_text()),
                md(&m.change_text()),
                if m.is_worse() { "**worse**" } else { "better" }
            );
        }
        if d.metrics.len() > MD_ROWS {
            let _ = writeln!(
                out,
                "\n_{} more metrics moved: run `casstune diff … --format table`._",
                d.metrics.len() - MD_ROWS
            );
        }
        out.push('\n');
    }
    for (title, list) in [
        ("New findings", &d.findings.new),
        ("Resolved findings", &d.findings.resolved),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "#### {title}\n");
        for g in finding_groups(list) {
            let f = g[0];
            let mut subjects: Vec<&str> = g.iter().map(|x| x.subject.as_str()).collect();
            subjects.sort_unstable();
            subjects.dedup();
            let is_node = |s: &&str| {
                [&d.nodes.matched, &d.nodes.only_old, &d.nodes.only_new]
                    .iter()
                    .any(|l| l.iter().any(|n| n == s))
            };
            let on = if subjects.len() == 1 {
                md(subjects[0])
            } else {
                format!(
                    "{} {}: {}",
                    subjects.len(),
                    if subjects.iter().all(is_node) {
                        "nodes"
                    } else {
                        "subjects"
                    },
                    subjects
                        .iter()
                        .map(|s| md(s))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let _ = writeln!(
                out,
                "- **{}** `{}` {} on {}: {}",
                f.severity.as_str(),
                f.rule,
                md(&f.name),
                on,
                md_text(&f.message)
            );
        }
        out.push('\n');
    }
    for n in &d.notes {
        let _ = writeln!(out, "_note: {}_", md(n));
    }
    if d.is_empty() {
        out.push_str("No differences.\n");
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_text_is_escaped() {
        assert_eq!(md("a|b *c*"), r"a\|b \*c\*");
        assert_eq!(md_code("x|y"), r"`x\|y`");
        assert_eq!(md_code("a`b"), "`` a`b ``");
        assert_eq!(md_text("`k_1` is _on_"), r"`k_1` is \_on\_");
    }
}
