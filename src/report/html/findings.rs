//! The findings as HTML: ranked and grouped exactly as the Markdown format groups them (its
//! grouping code), each with its evidence and its fix as a diff, CQL or shell block.

use std::fmt::Write as _;

use super::super::Report;
use super::super::markdown::{self, Group, Kinds};
use super::svg::esc;
use crate::engine::Finding;

/// Rule prose (a message, a fix description): its `code spans` become `<code>`, the rest is
/// escaped text. With unbalanced backticks all of it is text.
pub fn prose(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return esc(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for (i, p) in parts.iter().enumerate() {
        if i % 2 == 0 {
            out.push_str(&esc(p));
        } else {
            let _ = write!(out, "<code>{}</code>", esc(p));
        }
    }
    out
}

fn anchor(n: usize) -> String {
    format!("finding-{n}")
}

/// Where a group's findings are: `3 nodes: a, b, c`, or the one subject.
fn subjects_label(g: &Group, kind: &Kinds) -> String {
    let subjects: Vec<&str> = g.members.iter().map(|m| m.subject.as_str()).collect();
    kind.named_with(&subjects, esc)
}

/// A short ranked list for the top of the page, linking to the full entries.
pub fn top_list(out: &mut String, groups: &[Group], kind: &Kinds, n: usize) {
    if groups.is_empty() {
        return;
    }
    out.push_str("<table class=\"top\"><thead><tr><th>#</th><th>severity</th><th>rule</th><th>where</th><th>finding</th></tr></thead><tbody>\n");
    for (i, g) in groups.iter().take(n).enumerate() {
        let f = g.members[0];
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#{}\">{}</a></td><td><span class=\"sev {}\">{}</span></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            anchor(i + 1),
            i + 1,
            f.severity.as_str(),
            f.severity.as_str(),
            esc(&f.rule),
            subjects_label(g, kind),
            prose(&f.message)
        );
    }
    out.push_str("</tbody></table>\n");
    if groups.len() > n {
        let _ = writeln!(
            out,
            "<p class=\"meta\">… and {} more below, under <a href=\"#findings\">Findings</a>.</p>",
            groups.len() - n
        );
    }
}

/// Every group in rank order, in full.
pub fn section(out: &mut String, r: &Report, groups: &[Group], kind: &Kinds) {
    let _ = writeln!(
        out,
        "<section id=\"findings\">\n<h2>Findings <span class=\"count\">({} finding{} in {} group{})</span></h2>",
        r.findings.len(),
        if r.findings.len() == 1 { "" } else { "s" },
        groups.len(),
        if groups.len() == 1 { "" } else { "s" }
    );
    if groups.is_empty() {
        out.push_str("<p>No findings.</p>\n</section>\n");
        return;
    }
    out.push_str("<ol class=\"findings\">\n");
    for (i, g) in groups.iter().enumerate() {
        item(out, r, i + 1, g, kind);
    }
    out.push_str("</ol>\n</section>\n");
}

fn item(out: &mut String, r: &Report, n: usize, g: &Group, kind: &Kinds) {
    let f = g.members[0];
    let sev = f.severity.as_str();
    let _ = write!(
        out,
        "<li class=\"finding {sev}\" id=\"{}\">\n<div class=\"head\"><span class=\"sev {sev}\">{sev}</span> <code class=\"rule\">{}</code> <strong>{}</strong>",
        anchor(n),
        esc(&f.rule),
        esc(&f.name)
    );
    if f.blocks_startup {
        out.push_str(" <span class=\"blocks\">blocks startup</span>");
    }
    let _ = writeln!(
        out,
        " <span class=\"on\">on {}</span> <span class=\"family\">{}</span></div>",
        subjects_label(g, kind),
        f.family.as_str()
    );
    let differs = g.members.iter().any(|m| m.message != f.message);
    let _ = write!(out, "<p class=\"message\">{}", prose(&f.message));
    if differs {
        let mut unique: Vec<&str> = g.members.iter().map(|m| m.subject.as_str()).collect();
        unique.sort_unstable();
        unique.dedup();
        let _ = write!(
            out,
            " <span class=\"meta\">(shown for {}; details differ per {}, listed below)</span>",
            esc(&f.subject),
            kind.singular(&unique)
        );
    }
    out.push_str("</p>\n");
    if let Some(l) = &f.location {
        let _ = writeln!(
            out,
            "<p class=\"where\">where: <code>{}:{}</code>{}</p>",
            esc(&l.file),
            l.line,
            if g.members.len() > 1 {
                format!(" and {} more", g.members.len() - 1)
            } else {
                String::new()
            }
        );
    }
    evidence(out, f);
    if !f.also.is_empty() {
        // Other rules' findings about the same problem, folded into this one: kept whole.
        out.push_str("<p class=\"meta\">Also seen as:</p><ul class=\"also\">\n");
        for a in &f.also {
            let _ = writeln!(
                out,
                "<li><span class=\"sev {0}\">{0}</span> <code>{1}</code> on {2}: {3}{4}</li>",
                a.severity.as_str(),
                esc(&a.rule),
                esc(&a.subject),
                prose(&a.message),
                a.evidence
                    .iter()
                    .map(|e| format!(
                        " <code>{}</code> = <code>{}</code>",
                        esc(&e.name),
                        esc(&e.observed)
                    ))
                    .collect::<Vec<_>>()
                    .join(";")
            );
        }
        out.push_str("</ul>\n");
    }
    fixes(out, r, f, g.members.len() > 1);
    if g.members.len() > 1 {
        let _ = writeln!(
            out,
            "<details><summary>All {} findings of this group</summary><ul class=\"members\">",
            g.members.len()
        );
        for m in &g.members {
            let place = m
                .location
                .as_ref()
                .map(|l| format!(" <code>{}:{}</code>", esc(&l.file), l.line))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "<li><strong>{}</strong>{place}: {}</li>",
                esc(&m.subject),
                prose(&m.message)
            );
        }
        out.push_str("</ul></details>\n");
    }
    out.push_str("</li>\n");
}

fn evidence(out: &mut String, f: &Finding) {
    if f.evidence.is_empty() {
        return;
    }
    // Columns nobody fills are left out rather than shown empty.
    let expected = f.evidence.iter().any(|e| e.expected.is_some());
    let source = f.evidence.iter().any(|e| e.location.is_some());
    out.push_str("<table class=\"evidence\"><thead><tr><th>evidence</th><th>observed</th>");
    if expected {
        out.push_str("<th>expected</th>");
    }
    if source {
        out.push_str("<th>source</th>");
    }
    out.push_str("</tr></thead><tbody>\n");
    for e in &f.evidence {
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td><code>{}</code></td>",
            esc(&e.name),
            esc(&e.observed)
        );
        if expected {
            let _ = write!(
                out,
                "<td>{}</td>",
                e.expected
                    .as_deref()
                    .map(|x| format!("<code>{}</code>", esc(x)))
                    .unwrap_or_default()
            );
        }
        if source {
            let _ = write!(
                out,
                "<td>{}</td>",
                e.location
                    .as_ref()
                    .map(|l| format!("<code>{}:{}</code>", esc(&l.file), l.line))
                    .unwrap_or_default()
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
}

fn fixes(out: &mut String, r: &Report, f: &Finding, grouped: bool) {
    let Some(top) = f.fixes.first() else {
        return;
    };
    let _ = write!(
        out,
        "<div class=\"fix\"><p><strong>Fix</strong> <span class=\"safety\">({})</span>: {}",
        esc(markdown::safety_label(top.safety())),
        prose(top.description())
    );
    if grouped {
        let _ = write!(
            out,
            " <span class=\"meta\">(shown for {})</span>",
            esc(&f.subject)
        );
    }
    out.push_str("</p>\n");
    if let Some((lang, body)) = markdown::fix_block(r, f) {
        let _ = write!(out, "<pre class=\"code {lang}\">");
        for line in body.lines() {
            let class = match lang {
                "diff" if line.starts_with("+++") || line.starts_with("---") => Some("file"),
                "diff" if line.starts_with('+') => Some("add"),
                "diff" if line.starts_with('-') => Some("del"),
                "diff" if line.starts_with("@@") || line.starts_with('#') => Some("hunk"),
                _ => None,
            };
            match class {
                Some(c) => {
                    let _ = writeln!(out, "<span class=\"{c}\">{}</span>", esc(line));
                }
                None => {
                    let _ = writeln!(out, "{}", esc(line));
                }
            }
        }
        out.push_str("</pre>\n");
    }
    if f.fixes.len() > 1 {
        out.push_str("<p class=\"meta\">Also part of this fix:</p><ul class=\"more-fixes\">\n");
        for x in &f.fixes[1..] {
            let _ = writeln!(
                out,
                "<li>{} <span class=\"safety\">({})</span></li>",
                prose(x.description()),
                esc(markdown::safety_label(x.safety()))
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</div>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_keeps_code_spans_and_escapes_the_rest() {
        assert_eq!(
            prose("set `a<b>` to <i>"),
            "set <code>a&lt;b&gt;</code> to &lt;i&gt;"
        );
        assert_eq!(prose("odd ` <x>"), "odd ` &lt;x&gt;");
    }
}
