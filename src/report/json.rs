//! The JSON document: stable field order, findings in rank order.

use serde_json::json;

use super::{Report, TOOL, VERSION};
use crate::engine::Severity;

pub fn render(r: &Report) -> String {
    let doc = json!({
        "tool": TOOL,
        "version": VERSION,
        "targets": r.targets,
        "summary": {
            "error": r.count(Severity::Error),
            "warning": r.count(Severity::Warning),
            "info": r.count(Severity::Info),
            "suppressed": r.suppressed,
            "baselined": r.baselined,
        },
        "findings": r.findings,
        "not_checked": r.not_checked,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
