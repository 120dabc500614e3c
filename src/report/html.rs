//! A self-contained HTML page of the findings (no scripts, no external assets). Charts of the
//! snapshot's metrics are still to come (issue 5); until then this is the findings table.

use std::fmt::Write as _;

use super::Report;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub fn render(r: &Report) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>casstune report</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}th{background:#eee}.error{color:#b00}.warning{color:#a60}.info{color:#06c}pre{margin:0;white-space:pre-wrap}</style></head><body>\n<h1>casstune report</h1>\n<ul>\n",
    );
    for t in r.targets {
        let _ = writeln!(out, "<li>{}: Cassandra {} ({})</li>", esc(&t.subject), esc(&t.cassandra_version), esc(&t.version_source));
    }
    out.push_str("</ul>\n<table><tr><th>severity</th><th>rule</th><th>subject</th><th>finding</th><th>fix</th></tr>\n");
    for f in r.findings {
        let fix = f.fixes.first().map(|x| x.description().to_string()).unwrap_or_default();
        let _ = writeln!(
            out,
            "<tr><td class=\"{0}\">{0}</td><td>{1}<br>{2}</td><td>{3}</td><td>{4}</td><td><pre>{5}</pre></td></tr>",
            f.severity.as_str(),
            esc(&f.rule),
            esc(&f.name),
            esc(&f.subject),
            esc(&f.message),
            esc(&fix)
        );
    }
    let _ = writeln!(out, "</table>\n<p>{} findings; {} rule checks lacked evidence.</p>\n</body></html>", r.findings.len(), r.not_checked.len());
    out
}
