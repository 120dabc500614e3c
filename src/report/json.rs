//! The JSON document: stable field order, findings in rank order.

use serde::Serialize;

use super::{Report, TOOL, Target, VERSION};
use crate::engine::{Finding, NotChecked, Severity};

/// Serialised straight from structs, so keys come in the order written here (and in the
/// structs' own order inside findings), not in a JSON map's order.
#[derive(Serialize)]
struct Doc<'a> {
    tool: &'a str,
    version: &'a str,
    targets: &'a [Target],
    summary: Summary,
    findings: &'a [Finding],
    not_checked: &'a [NotChecked],
}

#[derive(Serialize)]
struct Summary {
    error: usize,
    warning: usize,
    info: usize,
    suppressed: usize,
    baselined: usize,
}

pub fn render(r: &Report) -> String {
    let doc = Doc {
        tool: TOOL,
        version: VERSION,
        targets: r.targets,
        summary: Summary {
            error: r.count(Severity::Error),
            warning: r.count(Severity::Warning),
            info: r.count(Severity::Info),
            suppressed: r.suppressed,
            baselined: r.baselined,
        },
        findings: r.findings,
        not_checked: r.not_checked,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
