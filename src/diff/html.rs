//! The diff as one self-contained HTML page: inline CSS, no scripts, no network.

use std::fmt::Write as _;

use super::Diff;
use crate::engine::Finding;

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1f24;background:#fff}\
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:1.75rem 0 .5rem;border-bottom:1px solid #d0d7de;padding-bottom:.25rem}\
table{border-collapse:collapse;width:100%;margin:.25rem 0 1rem}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}\
th{background:#f6f8fa}td.num{text-align:right;white-space:nowrap}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f6f8fa;padding:0 .2rem;border-radius:3px}\
.worse{color:#b42318;font-weight:600}.better{color:#1a7f37}.error{color:#b42318;font-weight:600}.warning{color:#9a6700;font-weight:600}.info{color:#0969da}\
.summary{font-weight:600;margin:.75rem 0}.meta{color:#57606a}.note{color:#57606a;font-style:italic}\
@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}th{background:#161b22}th,td{border-color:#30363d}code{background:#161b22}.meta,.note{color:#8b949e}}";

pub fn render(d: &Diff) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>casstune diff: {} → {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&d.old.snapshot),
        esc(&d.new.snapshot)
    );
    o.push_str("<h1>casstune diff</h1>\n<p class=\"meta\">");
    for (label, s) in [("old", &d.old), ("new", &d.new)] {
        let _ = write!(
            o,
            "{label}: <code>{}</code> ({}{}, {} nodes{})<br>",
            esc(&s.snapshot),
            esc(&s.created_at),
            s.cluster_name
                .as_deref()
                .map(|c| format!(", cluster {}", esc(c)))
                .unwrap_or_default(),
            s.nodes.len(),
            if s.partial {
                ", partial collection"
            } else {
                ""
            }
        );
    }
    o.push_str("</p>\n");
    let _ = writeln!(
        o,
        "<p class=\"summary\">{}</p>",
        esc(&super::render::summary(d))
    );

    if !d.nodes.only_old.is_empty() || !d.nodes.only_new.is_empty() || !d.nodes.versions.is_empty()
    {
        o.push_str("<h2>Nodes</h2>\n<ul>\n");
        if !d.nodes.only_old.is_empty() {
            let _ = writeln!(
                o,
                "<li>only in the old snapshot: {}</li>",
                esc(&d.nodes.only_old.join(", "))
            );
        }
        if !d.nodes.only_new.is_empty() {
            let _ = writeln!(
                o,
                "<li>only in the new snapshot: {}</li>",
                esc(&d.nodes.only_new.join(", "))
            );
        }
        for v in &d.nodes.versions {
            let _ = writeln!(
                o,
                "<li>{}: Cassandra {} → {}</li>",
                esc(&v.node),
                esc(&v.old),
                esc(&v.new)
            );
        }
        o.push_str("</ul>\n");
    }
    if !d.settings.is_empty() {
        o.push_str("<h2>Settings</h2>\n<table>\n<tr><th>node</th><th>setting</th><th>old</th><th>new</th></tr>\n");
        for s in &d.settings {
            let cell = |v: &Option<String>| {
                v.as_deref()
                    .map(|x| format!("<code>{}</code>", esc(x)))
                    .unwrap_or_else(|| "<span class=\"meta\">not in this version</span>".into())
            };
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&s.node),
                esc(&s.setting),
                cell(&s.old),
                cell(&s.new)
            );
        }
        o.push_str("</table>\n");
    }
    if !d.jvm_options.is_empty() {
        o.push_str(
            "<h2>JVM options</h2>\n<table>\n<tr><th>node</th><th>removed</th><th>added</th></tr>\n",
        );
        for j in &d.jvm_options {
            let list = |v: &[String]| {
                v.iter()
                    .map(|x| format!("<code>{}</code>", esc(x)))
                    .collect::<Vec<_>>()
                    .join("<br>")
            };
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&j.node),
                list(&j.removed),
                list(&j.added)
            );
        }
        o.push_str("</table>\n");
    }
    if !d.metrics.is_empty() {
        let _ = writeln!(
            o,
            "<h2>Metrics</h2>\n<p class=\"meta\">{} of {} compared series moved beyond noise.</p>\n<table>\n<tr><th>node</th><th>metric</th><th>old</th><th>new</th><th>change</th><th></th></tr>",
            d.metrics.len(),
            d.metrics_compared
        );
        for m in &d.metrics {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td title=\"{}\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"{}\">{}</td></tr>",
                esc(&m.node),
                esc(&m.key),
                esc(&m.what()),
                esc(&m.old_text()),
                esc(&m.new_text()),
                esc(&m.change_text()),
                m.verdict,
                m.verdict
            );
        }
        o.push_str("</table>\n");
    }
    for (title, list) in [
        ("New findings", &d.findings.new),
        ("Resolved findings", &d.findings.resolved),
        ("Unchanged findings", &d.findings.unchanged),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(
            o,
            "<h2>{title} ({})</h2>\n<table>\n<tr><th>severity</th><th>rule</th><th>where</th><th>finding</th></tr>",
            list.len()
        );
        for f in list.iter() {
            finding_row(&mut o, f);
        }
        o.push_str("</table>\n");
    }
    for n in &d.notes {
        let _ = writeln!(o, "<p class=\"note\">{}</p>", esc(n));
    }
    if d.is_empty() {
        o.push_str("<p>No differences.</p>\n");
    }
    let _ = writeln!(
        o,
        "<p class=\"meta\">{} {}</p>\n</body>\n</html>",
        crate::report::TOOL,
        crate::report::VERSION
    );
    o
}

fn finding_row(o: &mut String, f: &Finding) {
    let place = f
        .location
        .as_ref()
        .map(|l| format!("{}:{}", l.file, l.line))
        .unwrap_or_else(|| f.subject.clone());
    let _ = writeln!(
        o,
        "<tr><td class=\"{0}\">{0}</td><td><code>{1}</code> {2}</td><td><code>{3}</code></td><td>{4}</td></tr>",
        f.severity.as_str(),
        esc(&f.rule),
        esc(&f.name),
        esc(&place),
        esc(&f.message)
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup() {
        assert_eq!(
            super::esc("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }
}
