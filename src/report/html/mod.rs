//! One self-contained HTML page: inline CSS and inline SVG charts, no script, no font, no
//! image, nothing fetched, so it reads the same from an email attachment, offline, printed.
//!
//! Layout: a summary (cluster, nodes, versions, snapshot time, counts by severity and family,
//! the top findings), the charts of a collected snapshot (`charts`), every finding grouped
//! as the Markdown format groups them (`findings`), and what was not checked. Every text from
//! the snapshot is escaped; the page shows metrics, host facts, names and what the findings
//! already say, never a configuration value of its own. The same report gives the same
//! bytes: nothing depends on the clock or on hash order.

mod bars;
mod charts;
mod findings;
mod hbars;
mod histogram;
mod svg;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Report;
use super::markdown::{self, Kinds};
use crate::engine::Severity;
use crate::model::Snapshot;
use svg::esc;

/// Findings listed in the summary before the full section.
const TOP: usize = 5;

const STYLE: &str = "\
:root{color-scheme:light}\
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;max-width:92rem;padding:1.25rem 1.5rem;color:#1b1f24;background:#fff}\
h1{font-size:1.6rem;margin:0 0 .2rem}h2{font-size:1.2rem;margin:1.8rem 0 .6rem;border-bottom:1px solid #d0d7de;padding-bottom:.25rem}\
h3{font-size:1rem;margin:0 0 .3rem}.count{font-weight:400;color:#57606a;font-size:.95rem}\
a{color:#0b5cad}nav a{margin-right:1rem}\
table{border-collapse:collapse;margin:.3rem 0 .8rem}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}\
th{background:#f6f8fa;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}\
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f6f8fa;padding:0 .2rem;border-radius:3px;overflow-wrap:anywhere}\
.meta{color:#57606a}.summary{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}\
.sev{display:inline-block;border-radius:3px;padding:0 .4rem;font-size:.8rem;font-weight:600;color:#fff}\
.sev.error{background:#b42318}.sev.warning{background:#8a5a00}.sev.info{background:#0b5cad}\
.totals .sev{font-size:.95rem;padding:.1rem .55rem;margin-right:.3rem}\
.blocks{border:1px solid #b42318;color:#b42318;border-radius:3px;padding:0 .3rem;font-size:.8rem;font-weight:600}\
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,32rem),1fr));gap:1rem}\
figure.panel{margin:0;border:1px solid #d0d7de;border-radius:6px;padding:.7rem .8rem;break-inside:avoid;page-break-inside:avoid}\
figcaption{color:#57606a;font-size:.85rem;margin-top:.3rem}\
svg.chart{display:block;width:100%;max-width:50rem;height:auto}\
svg text{font:11px system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;fill:#1b1f24}\
svg .tick,svg .sub{fill:#57606a}svg .value{font-size:9.5px;fill:#1b1f24}svg .missing{font-size:9.5px;fill:#57606a;font-style:italic}\
svg .grid{stroke:#e4e7eb;stroke-width:1}svg .axis{stroke:#57606a;stroke-width:1}svg .capacity{stroke:#8c959f;stroke-width:.5}\
svg .axis-title{font-weight:600;fill:#424a53}svg .legend{fill:#1b1f24}\
.nodata{border:1px dashed #8c959f;border-radius:4px;padding:1.5rem 1rem;color:#424a53;background:#f6f8fa;text-align:center}\
ol.findings{padding-left:1.6rem}li.finding{margin:0 0 1.2rem;padding:.6rem .8rem;border:1px solid #d0d7de;border-left-width:5px;border-radius:4px;break-inside:avoid-page}\
li.finding.error{border-left-color:#b42318}li.finding.warning{border-left-color:#8a5a00}li.finding.info{border-left-color:#0b5cad}\
li.finding .head{margin-bottom:.3rem}li.finding .on{color:#424a53}li.finding .family{float:right;color:#57606a;font-size:.85rem}\
li.finding p{margin:.3rem 0}.fix{margin-top:.4rem}\
pre.code{background:#f6f8fa;border:1px solid #d0d7de;border-radius:4px;padding:.5rem .7rem;margin:.3rem 0;white-space:pre-wrap;overflow-wrap:anywhere;font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}\
pre .add{color:#116329;background:#dafbe1}pre .del{color:#82071e;background:#ffebe9}pre .file{font-weight:600}pre .hunk{color:#57606a}\
table.top td:nth-child(-n+3){white-space:nowrap}details{margin-top:.4rem}summary{cursor:pointer;color:#0b5cad}\
@media print{body{max-width:none;padding:0;font-size:11pt}nav{display:none}.charts{grid-template-columns:1fr 1fr}\
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}a{color:inherit;text-decoration:none}details>*{display:block}}";

pub fn render(r: &Report) -> String {
    let kind = Kinds::new(r);
    let groups = markdown::group(r.findings, &kind);
    let live = r.snapshot.filter(|s| s.collection.is_some());
    let mut o = String::with_capacity(64 * 1024);
    let title = match live.and_then(|s| s.cluster.name.as_deref()) {
        Some(name) => format!("casstune report: {name}"),
        None => "casstune report".to_string(),
    };
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n",
        esc(&title),
        esc(&title)
    );
    header(&mut o, r, live);
    o.push_str("<nav>");
    if live.is_some() {
        o.push_str("<a href=\"#charts\">Charts</a>");
    }
    o.push_str("<a href=\"#findings\">Findings</a>");
    if !r.not_checked.is_empty() {
        o.push_str("<a href=\"#not-checked\">Not checked</a>");
    }
    o.push_str("</nav>\n</header>\n");

    if !groups.is_empty() {
        o.push_str("<section id=\"top\">\n<h2>Top findings</h2>\n");
        findings::top_list(&mut o, &groups, &kind, TOP);
        o.push_str("</section>\n");
    }
    if let Some(s) = live {
        chart_section(&mut o, s);
    }
    findings::section(&mut o, r, &groups, &kind);
    not_checked(&mut o, r, &kind);
    let _ = writeln!(
        o,
        "<footer><p class=\"meta\">Written by {} {}. Rank: severity, then impact × confidence. Every fix is for review: casstune changes nothing.</p></footer>\n</body>\n</html>",
        super::TOOL,
        super::VERSION
    );
    o
}

/// Cluster, snapshot, nodes and the counts.
fn header(o: &mut String, r: &Report, live: Option<&Snapshot>) {
    match live {
        Some(s) => {
            let c = s.collection.as_ref();
            let mut dcs: BTreeMap<&str, usize> = BTreeMap::new();
            for n in &s.nodes {
                let dc = n
                    .live
                    .as_ref()
                    .and_then(|l| l.datacenter.as_deref())
                    .unwrap_or("unknown datacenter");
                *dcs.entry(dc).or_default() += 1;
            }
            let mut versions: Vec<String> = s
                .nodes
                .iter()
                .map(|n| {
                    n.live
                        .as_ref()
                        .and_then(|l| l.release_version.clone())
                        .unwrap_or_else(|| n.version.to_string())
                })
                .collect();
            versions.sort();
            versions.dedup();
            let _ = writeln!(
                o,
                "<p class=\"meta\">{} node{} in {} ({}), Cassandra {}{}</p>",
                s.nodes.len(),
                plural(s.nodes.len()),
                if dcs.len() == 1 {
                    "1 datacenter".to_string()
                } else {
                    format!("{} datacenters", dcs.len())
                },
                esc(&dcs
                    .iter()
                    .map(|(d, n)| format!("{d}: {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")),
                esc(&versions.join(", ")),
                c.map(|c| format!(
                    " · snapshot taken {} by casstune {}",
                    esc(&c.created_at),
                    esc(&c.tool_version)
                ))
                .unwrap_or_default()
            );
            if let Some(c) = c.filter(|c| !c.errors.is_empty()) {
                let _ = writeln!(
                    o,
                    "<p class=\"meta\"><strong>Partial collection:</strong> {} error{} recorded (listed in the snapshot's manifest); findings about what is missing are absent, not clean.</p>",
                    c.errors.len(),
                    plural(c.errors.len())
                );
            }
        }
        None => {
            o.push_str("<ul class=\"meta\">\n");
            for t in r.targets {
                let _ = writeln!(
                    o,
                    "<li>{}: Cassandra {} ({}){}</li>",
                    esc(&t.subject),
                    esc(&t.cassandra_version),
                    esc(&t.version_source),
                    if t.files.is_empty() {
                        String::new()
                    } else {
                        format!(
                            ": {}",
                            t.files
                                .iter()
                                .map(|f| format!("<code>{}</code>", esc(f)))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                );
            }
            o.push_str("</ul>\n");
        }
    }
    o.push_str("<div class=\"summary\">\n<div>\n<p class=\"totals\">");
    for s in [Severity::Error, Severity::Warning, Severity::Info] {
        let n = r.count(s);
        let name = match s {
            Severity::Error => format!("{n} error{}", plural(n)),
            Severity::Warning => format!("{n} warning{}", plural(n)),
            Severity::Info => format!("{n} info"),
        };
        let _ = write!(o, "<span class=\"sev {}\">{name}</span>", s.as_str());
    }
    o.push_str("</p>\n");
    let mut extra = Vec::new();
    if r.suppressed > 0 {
        extra.push(format!("{} suppressed inline", r.suppressed));
    }
    if r.baselined > 0 {
        extra.push(format!("{} in the baseline", r.baselined));
    }
    if !extra.is_empty() {
        let _ = writeln!(o, "<p class=\"meta\">Not shown: {}.</p>", extra.join(", "));
    }
    let fams = markdown::families(r.findings);
    if !fams.is_empty() {
        o.push_str("<table class=\"families\"><thead><tr><th>family</th><th>error</th><th>warning</th><th>info</th></tr></thead><tbody>\n");
        for (fam, [e, w, i]) in &fams {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td class=\"num\">{e}</td><td class=\"num\">{w}</td><td class=\"num\">{i}</td></tr>",
                fam.as_str()
            );
        }
        o.push_str("</tbody></table>\n");
    }
    o.push_str("</div>\n");
    if let Some(s) = live {
        nodes_table(o, s);
    }
    o.push_str("</div>\n");
}

/// One row per node: where it is, what it runs, what it runs on, and where its metrics came from.
fn nodes_table(o: &mut String, s: &Snapshot) {
    o.push_str("<table class=\"nodes\"><thead><tr><th>node</th><th>datacenter / rack</th><th>Cassandra</th><th>cores</th><th>RAM</th><th>heap max</th><th>metrics</th></tr></thead><tbody>\n");
    for n in &s.nodes {
        let l = n.live.as_ref();
        let place = match (
            l.and_then(|l| l.datacenter.as_deref()),
            l.and_then(|l| l.rack.as_deref()),
        ) {
            (Some(d), Some(r)) => format!("{d} / {r}"),
            (Some(d), None) => d.to_string(),
            _ => String::new(),
        };
        let version = l
            .and_then(|l| l.release_version.clone())
            .unwrap_or_else(|| n.version.to_string());
        let heap = n
            .metrics
            .get::<&str, &str>("jvm.heap.max_bytes", &[])
            .filter(|v| v.is_finite() && *v > 0.0)
            .map(|v| svg::Unit::Bytes.text(v))
            .unwrap_or_default();
        let metrics = if n.metrics.is_empty() {
            "none".to_string()
        } else {
            let mut m = n
                .metrics
                .dialect
                .clone()
                .unwrap_or_else(|| "exporter".into());
            if let Some(w) = &n.metrics.window {
                let _ = write!(m, ", {w} window");
            } else if let Some(i) = n.metrics.interval_seconds {
                let _ = write!(m, ", 2 scrapes {i:.0} s apart");
            }
            m
        };
        let _ = writeln!(
            o,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&n.id),
            esc(&place),
            esc(&version),
            n.host.cores.map(|c| c.to_string()).unwrap_or_default(),
            n.host
                .ram_bytes
                .map(crate::model::units::human_bytes)
                .map(|s| esc(&s))
                .unwrap_or_default(),
            esc(&heap),
            esc(&metrics)
        );
    }
    o.push_str("</tbody></table>\n");
}

fn chart_section(o: &mut String, s: &Snapshot) {
    o.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n<div class=\"charts\">\n");
    for p in charts::panels(s) {
        let _ = writeln!(
            o,
            "<figure class=\"panel\" id=\"chart-{}\">\n<h3>{}</h3>",
            p.id,
            esc(&p.title)
        );
        match &p.body {
            charts::Body::Bars(b) => bars::render(o, p.id, &p.title, b),
            charts::Body::HBars(h) => hbars::render(o, p.id, &p.title, h),
            charts::Body::Histogram(h) => histogram::render(o, p.id, &p.title, h),
            charts::Body::NoData(why) => {
                let _ = writeln!(
                    o,
                    "<p class=\"nodata\" data-chart=\"{}\">{}</p>",
                    p.id,
                    esc(why)
                );
            }
        }
        let _ = writeln!(o, "<figcaption>{}</figcaption>\n</figure>", esc(&p.source));
    }
    o.push_str("</div>\n</section>\n");
}

fn not_checked(o: &mut String, r: &Report, kind: &Kinds) {
    if r.not_checked.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "<section id=\"not-checked\">\n<h2>Not checked <span class=\"count\">({} rule check{} lacked evidence)</span></h2>\n<table><thead><tr><th>needs</th><th>rules</th><th>for</th></tr></thead><tbody>",
        r.not_checked.len(),
        plural(r.not_checked.len())
    );
    for (reason, rules, subjects) in markdown::not_checked_by_reason(r) {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(reason),
            rules
                .iter()
                .map(|id| format!("<code>{}</code>", esc(id)))
                .collect::<Vec<_>>()
                .join(" "),
            esc(&kind.count_label(&subjects))
        );
    }
    o.push_str("</tbody></table>\n</section>\n");
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
