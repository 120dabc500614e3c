//! Markdown for pull-request comments and tickets: short enough to read in one screen.
//!
//! Layout, always in this order:
//!
//! 1. a heading and one summary line: counts by severity, what was analysed;
//! 2. the top findings ([`TOP`] unless `analyze --top N` says otherwise, in the order given,
//!    which is rank order), each with its
//!    severity, rule, where, message, key evidence and its fix as a fenced `diff`, `cql` or `sh`
//!    block. Findings of one rule whose messages have the same shape on several subjects (the
//!    same setting on every node, the same option on several tables) are one item:
//!    "3 nodes: 10.0.0.1, 10.0.0.2, 10.0.0.3";
//! 3. counts per family (a table);
//! 4. rules not checked, one line per reason (at most six rule IDs named on each);
//! 5. how many findings were left out, and the command that shows them all.
//!
//! Text from findings is escaped (`*`, `_`, `|`, `<`, backticks, …) so a message cannot break
//! the layout or a table; values go in code spans whose fence outgrows any backticks inside.
//! The same report gives the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Report;
use crate::engine::{Family, Finding, Fix, Safety, Severity};

/// Items (groups of findings) listed in full.
pub const TOP: usize = 10;
/// Evidence items shown per finding.
const EVIDENCE: usize = 3;
/// Longest evidence value shown before it is cut.
const VALUE_CHARS: usize = 80;
/// Subjects named in a summary or group line before "and N more".
const NAMED: usize = 5;
/// Rule IDs named per "not checked" line before "and N more".
const NOT_CHECKED_IDS: usize = 6;

pub fn render(r: &Report) -> String {
    render_top(r, TOP)
}

/// [`render`] listing `top` items (groups of findings) in full instead of [`TOP`].
pub fn render_top(r: &Report, top: usize) -> String {
    let mut out = String::new();
    let kind = Kinds::new(r);
    out.push_str("### casstune\n\n");
    out.push_str(&summary(r, &kind));

    let groups = group(r.findings, &kind);
    if !groups.is_empty() {
        out.push_str("\n#### Top findings\n\n");
        for (i, g) in groups.iter().take(top).enumerate() {
            item(&mut out, r, i + 1, g, &kind);
        }
        let per_family = families(r.findings);
        out.push_str("#### By family\n\n| family | error | warning | info |\n|---|--:|--:|--:|\n");
        for (fam, [e, w, i]) in &per_family {
            let _ = writeln!(out, "| {} | {e} | {w} | {i} |", fam.as_str());
        }
    }

    if !r.not_checked.is_empty() {
        out.push_str("\n#### Not checked\n\n");
        for (reason, rules, subjects) in not_checked_by_reason(r) {
            let mut ids = rules
                .iter()
                .take(NOT_CHECKED_IDS)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            if rules.len() > NOT_CHECKED_IDS {
                let _ = write!(ids, " and {} more", rules.len() - NOT_CHECKED_IDS);
            }
            let _ = writeln!(
                out,
                "- {}: {ids} ({})",
                escape(reason),
                kind.count_label(&subjects)
            );
        }
    }

    let shown: usize = groups.iter().take(top).map(|g| g.members.len()).sum();
    let more = r.findings.len() - shown;
    if more > 0 {
        let _ = writeln!(
            out,
            "\n_{more} more finding{}: {}run `casstune {} … --format table` to see every finding._",
            plural(more),
            // Only analyze has --top (lint's Markdown is a CI summary of config files).
            if kind.command() == "analyze" {
                "raise `--top` or "
            } else {
                ""
            },
            kind.command()
        );
    }
    out
}

/// The rules not checked, by reason (in reason order): the distinct rule IDs and subjects of each.
pub(super) fn not_checked_by_reason<'a>(
    r: &Report<'a>,
) -> Vec<(&'a str, Vec<&'a str>, Vec<&'a str>)> {
    let mut by_reason: BTreeMap<&str, (Vec<&str>, Vec<&str>)> = BTreeMap::new();
    for n in r.not_checked {
        let e = by_reason.entry(n.reason.as_str()).or_default();
        e.0.push(n.rule.as_str());
        e.1.push(n.subject.as_str());
    }
    by_reason
        .into_iter()
        .map(|(reason, (mut rules, mut subjects))| {
            rules.sort_unstable();
            rules.dedup();
            subjects.sort_unstable();
            subjects.dedup();
            (reason, rules, subjects)
        })
        .collect()
}

/// `**N findings**: …` with the severities, the analysed subjects and their versions.
fn summary(r: &Report, kind: &Kinds) -> String {
    let (e, w, i) = (
        r.count(Severity::Error),
        r.count(Severity::Warning),
        r.count(Severity::Info),
    );
    let total = e + w + i;
    let mut s = if total == 0 {
        "**No findings**".to_string()
    } else {
        format!(
            "**{total} finding{}**: {e} error{}, {w} warning{}, {i} info",
            plural(total),
            plural(e),
            plural(w)
        )
    };
    if !r.targets.is_empty() {
        let subjects: Vec<&str> = r.targets.iter().map(|t| t.subject.as_str()).collect();
        let _ = write!(s, " on {}", kind.named(&subjects));
        let mut versions: Vec<&str> = r
            .targets
            .iter()
            .map(|t| t.cassandra_version.as_str())
            .collect();
        versions.sort_unstable();
        versions.dedup();
        let _ = write!(s, " (Cassandra {})", versions.join(", "));
    }
    let mut extra = Vec::new();
    if r.suppressed > 0 {
        extra.push(format!("{} suppressed inline", r.suppressed));
    }
    if r.baselined > 0 {
        extra.push(format!("{} in the baseline", r.baselined));
    }
    if !extra.is_empty() {
        let _ = write!(s, "; {}", extra.join(", "));
    }
    s.push('\n');
    s
}

/// One list item: a group of findings of the same rule and message shape.
fn item(out: &mut String, r: &Report, n: usize, g: &Group, kind: &Kinds) {
    let f = g.members[0];
    let mut subjects: Vec<&str> = g.members.iter().map(|m| m.subject.as_str()).collect();
    subjects.dedup();
    let mut unique = subjects.clone();
    unique.sort_unstable();
    unique.dedup();
    let marker = format!("{n}. ");
    // Nested lines start at the item's content column, or they would leave the item.
    let pad = " ".repeat(marker.len());
    let _ = write!(
        out,
        "{marker}**{}** `{}` {}",
        f.severity.as_str(),
        f.rule,
        escape(&f.name)
    );
    if f.blocks_startup {
        out.push_str(" **[blocks startup]**");
    }
    if g.members.len() == 1 {
        let _ = writeln!(out, " on {}", escape(&f.subject));
    } else {
        let _ = write!(out, " on {}", kind.named(&subjects));
        if g.members.len() > unique.len() {
            let _ = write!(out, " ({} findings)", g.members.len());
        }
        out.push('\n');
    }
    let differs = g.members.iter().any(|m| m.message != f.message);
    let _ = write!(out, "{pad}- {}", text(&f.message));
    if differs {
        let _ = write!(
            out,
            " _(shown for {}; details differ per {})_",
            escape(&f.subject),
            kind.singular(&unique)
        );
    }
    out.push('\n');
    let place = match &f.location {
        Some(l) => code(&format!("{}:{}", l.file, l.line)),
        None => escape(&f.subject),
    };
    let others = g.members.len() - 1;
    if others > 0 {
        let _ = writeln!(out, "{pad}- where: {place} and {others} more");
    } else {
        let _ = writeln!(out, "{pad}- where: {place}");
    }
    for line in f.also_lines(3) {
        let _ = writeln!(out, "{pad}- {}", text(&line));
    }
    let evidence: Vec<String> = f
        .evidence
        .iter()
        .take(EVIDENCE)
        .map(|e| {
            let mut s = code(&e.name);
            if e.observed != e.name {
                let _ = write!(s, " = {}", code(&cut(&e.observed)));
            }
            if let Some(x) = &e.expected {
                let _ = write!(s, " (expected {})", code(&cut(x)));
            }
            s
        })
        .collect();
    if !evidence.is_empty() {
        let _ = write!(out, "{pad}- evidence: {}", evidence.join(", "));
        if f.evidence.len() > EVIDENCE {
            let _ = write!(out, " and {} more", f.evidence.len() - EVIDENCE);
        }
        out.push('\n');
    }
    if let Some(fix) = f.fixes.first() {
        let _ = write!(
            out,
            "{pad}- fix ({}): {}",
            safety_label(fix.safety()),
            text(fix.description())
        );
        if f.fixes.len() > 1 {
            let n = f.fixes.len() - 1;
            let _ = write!(out, " (+{n} more change{})", plural(n));
        }
        if others > 0 {
            let _ = write!(out, "; shown for {}", escape(&f.subject));
        }
        out.push('\n');
        if let Some((lang, body)) = fix_block(r, f) {
            fenced(out, &format!("{pad}  "), lang, &body);
        }
    }
    out.push('\n');
}

pub(super) fn safety_label(s: Safety) -> &'static str {
    match s {
        Safety::Safe => "safe",
        Safety::Unsafe => "unsafe: review, roll out node by node",
        Safety::DisplayOnly => "guidance only, not in --fix-diff",
    }
}

/// The fix as a code block: a unified diff of the file-editing fixes of the finding that touch
/// the top fix's file (against the real file text when the report has it), the CQL
/// statement, or the shell command.
pub(super) fn fix_block(r: &Report, f: &Finding) -> Option<(&'static str, String)> {
    let top = f.fixes.first()?;
    match top {
        Fix::Cql { statement, .. } => Some(("cql", statement.trim_end().to_string())),
        Fix::Os { command, .. } => Some(("sh", command.trim_end().to_string())),
        Fix::SetConfig { file, .. } | Fix::JvmOption { file, .. } => {
            let same: Vec<&Fix> = f
                .fixes
                .iter()
                .filter(|x| match (top, x) {
                    (Fix::SetConfig { .. }, Fix::SetConfig { file: g, .. }) => g == file,
                    (Fix::JvmOption { .. }, Fix::JvmOption { file: g, .. }) => g == file,
                    _ => false,
                })
                .collect();
            let text = r.snapshot.and_then(|s| s.file_text(file));
            let diff = text
                .map(|t| {
                    let new = if matches!(top, Fix::SetConfig { .. }) {
                        crate::fix::yaml::apply(t, &same)
                    } else {
                        crate::fix::jvm::apply(t, &same)
                    };
                    crate::fix::unified_diff(file, t, &new)
                })
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| sketch(f, file, &same));
            Some(("diff", diff.trim_end().to_string()))
        }
    }
}

/// A diff without the file: the lines the fixes remove and add, from the evidence.
fn sketch(f: &Finding, file: &str, fixes: &[&Fix]) -> String {
    let mut s = match file.strip_prefix("system_views.settings@") {
        // A running node's settings stand in for its file: say so instead of naming a file.
        Some(node) => format!(
            "# cassandra.yaml of {node} (its running settings were read; no file was collected)\n"
        ),
        None => {
            let rel = file.trim_start_matches("./").trim_start_matches('/');
            format!("--- a/{rel}\n+++ b/{rel}\n")
        }
    };
    let observed = |name: &str| {
        f.evidence
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.observed.clone())
    };
    for fix in fixes {
        match fix {
            Fix::SetConfig {
                key,
                value,
                rename_from,
                ..
            } => {
                let old_key = rename_from.as_deref().unwrap_or(key);
                if let Some(o) = observed(old_key) {
                    let _ = writeln!(s, "-{old_key}: {o}");
                }
                if let Some(v) = value {
                    let _ = writeln!(s, "+{key}: {v}");
                }
            }
            Fix::JvmOption { add, remove, .. } => {
                if let Some(x) = remove {
                    let _ = writeln!(s, "-{x}");
                }
                if let Some(x) = add {
                    let _ = writeln!(s, "+{x}");
                }
            }
            Fix::Cql { .. } | Fix::Os { .. } => {}
        }
    }
    s
}

/// Writes a fenced block, each line indented by `indent`, with a fence longer than any run of
/// backticks in the body.
fn fenced(out: &mut String, indent: &str, lang: &str, body: &str) {
    let fence = "`".repeat(longest_run(body, '`').max(2) + 1);
    let _ = writeln!(out, "\n{indent}{fence}{lang}");
    for line in body.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{indent}{line}");
        }
    }
    let _ = writeln!(out, "{indent}{fence}");
}

/// Findings of one rule and severity whose messages have one shape, in the order of the
/// first one.
pub(super) struct Group<'a> {
    pub members: Vec<&'a Finding>,
}

pub(super) fn group<'a>(findings: &'a [Finding], kind: &Kinds) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    let mut index: BTreeMap<(String, Severity, String, bool), usize> = BTreeMap::new();
    for f in findings {
        let key = (
            f.rule.clone(),
            f.severity,
            shape(&f.message, &f.subject),
            kind.is_node(&f.subject),
        );
        match index.get(&key) {
            Some(&i) => groups[i].members.push(f),
            None => {
                index.insert(key, groups.len());
                groups.push(Group { members: vec![f] });
            }
        }
    }
    groups
}

/// The message with its subject and its numbers taken out: `node1 has 2 cores` and
/// `node2 has 2 cores` have one shape.
fn shape(message: &str, subject: &str) -> String {
    let m = if subject.is_empty() {
        message.to_string()
    } else {
        message.replace(subject, "\u{1}")
    };
    let mut out = String::with_capacity(m.len());
    let mut in_digits = false;
    for c in m.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            in_digits = false;
            out.push(c);
        }
    }
    out
}

pub(super) fn families(findings: &[Finding]) -> BTreeMap<Family, [usize; 3]> {
    let mut m: BTreeMap<Family, [usize; 3]> = BTreeMap::new();
    for f in findings {
        let c = m.entry(f.family).or_default();
        match f.severity {
            Severity::Error => c[0] += 1,
            Severity::Warning => c[1] += 1,
            Severity::Info => c[2] += 1,
        }
    }
    m
}

/// What the subjects are (nodes, tables, the cluster, config files), for "3 nodes: …".
pub(super) struct Kinds {
    nodes: Vec<String>,
    tables: Vec<String>,
    live: bool,
}

impl Kinds {
    pub(super) fn new(r: &Report) -> Kinds {
        let live = r.snapshot.is_some_and(|s| s.collection.is_some());
        let mut nodes: Vec<String> = r.targets.iter().map(|t| t.subject.clone()).collect();
        if let Some(s) = r.snapshot {
            nodes.extend(s.nodes.iter().map(|n| n.id.clone()));
        }
        nodes.sort();
        nodes.dedup();
        let mut tables: Vec<String> = r
            .snapshot
            .map(|s| {
                s.schema
                    .keyspaces
                    .iter()
                    .flat_map(|k| {
                        k.tables
                            .iter()
                            .map(move |t| format!("{}.{}", k.name, t.name))
                    })
                    .collect()
            })
            .unwrap_or_default();
        tables.sort();
        Kinds {
            nodes,
            tables,
            live,
        }
    }

    fn is_node(&self, s: &str) -> bool {
        self.nodes.binary_search_by(|n| n.as_str().cmp(s)).is_ok()
    }

    fn is_table(&self, s: &str) -> bool {
        self.tables.binary_search_by(|n| n.as_str().cmp(s)).is_ok()
    }

    /// `node`, `table`, `config` or `subject`, by what all of them are.
    pub(super) fn singular(&self, subjects: &[&str]) -> &'static str {
        if subjects.iter().all(|s| self.is_node(s)) {
            if self.live { "node" } else { "config" }
        } else if subjects.iter().all(|s| self.is_table(s)) {
            "table"
        } else {
            "subject"
        }
    }

    /// `3 nodes`.
    pub(super) fn count_label(&self, subjects: &[&str]) -> String {
        let n = subjects.len();
        if n == 1 && subjects[0] == crate::engine::CLUSTER_SUBJECT {
            return "the cluster".into();
        }
        format!("{n} {}{}", self.singular(subjects), plural(n))
    }

    /// `3 nodes: a, b, c` (at most [`NAMED`] names), or the one subject's name.
    fn named(&self, subjects: &[&str]) -> String {
        self.named_with(subjects, escape)
    }

    /// [`Kinds::named`] with the names escaped by `esc` (Markdown, HTML).
    pub(super) fn named_with(&self, subjects: &[&str], esc: fn(&str) -> String) -> String {
        let mut unique: Vec<&str> = subjects.to_vec();
        unique.sort_unstable();
        unique.dedup();
        if unique.len() == 1 {
            return esc(unique[0]);
        }
        let names: Vec<String> = unique.iter().take(NAMED).map(|s| esc(s)).collect();
        let mut s = format!("{}: {}", self.count_label(&unique), names.join(", "));
        if unique.len() > NAMED {
            let _ = write!(s, " and {} more", unique.len() - NAMED);
        }
        s
    }

    fn command(&self) -> &'static str {
        if self.live { "analyze" } else { "lint" }
    }
}

/// Escapes the characters that Markdown (GitHub's included) would read as markup, and folds
/// line breaks, so text stays text inside a list item or a table cell.
pub fn escape(s: &str) -> String {
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

/// Prose from a rule (a message, a fix description): its `code spans` are kept as code
/// spans, everything else is [`escape`]d. With unbalanced backticks all of it is escaped.
pub fn text(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return escape(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for (i, p) in parts.iter().enumerate() {
        if i % 2 == 0 {
            out.push_str(&escape(p));
        } else {
            out.push_str(&code(p));
        }
    }
    out
}

/// A code span that holds any text: the fence is longer than any backtick run inside, pipes
/// are escaped for tables, line breaks folded.
pub fn code(s: &str) -> String {
    let s = s.replace(['\r', '\n'], " ").replace('|', "\\|");
    let n = longest_run(&s, '`') + 1;
    let fence = "`".repeat(n);
    if n > 1 || s.starts_with('`') || s.ends_with('`') {
        format!("{fence} {s} {fence}")
    } else {
        format!("{fence}{s}{fence}")
    }
}

fn longest_run(s: &str, c: char) -> usize {
    let (mut best, mut cur) = (0, 0);
    for x in s.chars() {
        if x == c {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

/// At most [`VALUE_CHARS`] characters, with `…` when cut.
fn cut(s: &str) -> String {
    if s.chars().count() <= VALUE_CHARS {
        return s.to_string();
    }
    let mut t: String = s.chars().take(VALUE_CHARS - 1).collect();
    t.push('…');
    t
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_keeps_text_text() {
        assert_eq!(
            escape("a|b *c* _d_ <e> [f](g) `h` #i\nj"),
            r"a\|b \*c\* \_d\_ \<e\> \[f\](g) \`h\` \#i j"
        );
    }

    #[test]
    fn rule_prose_keeps_its_code_spans() {
        assert_eq!(text("`a_b` is *not* `x|y`"), r"`a_b` is \*not\* `x\|y`");
        assert_eq!(text("odd ` tick_"), r"odd \` tick\_");
    }

    #[test]
    fn code_spans_outgrow_backticks_and_escape_pipes() {
        assert_eq!(code("-Xmx4G"), "`-Xmx4G`");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(code("x|y"), r"`x\|y`");
    }

    #[test]
    fn shapes_ignore_subject_and_numbers() {
        assert_eq!(
            shape("/data/node1 on 10.0.0.1 has 2 cores", "10.0.0.1"),
            shape("/data/node2 on 10.0.0.2 has 2 cores", "10.0.0.2")
        );
        assert_ne!(shape("row cache on", "a"), shape("key cache on", "a"));
    }

    #[test]
    fn fences_outgrow_the_body() {
        let mut s = String::new();
        fenced(&mut s, "", "sh", "echo ```x```");
        assert!(s.contains("\n````sh\necho ```x```\n````\n"), "{s}");
    }
}
