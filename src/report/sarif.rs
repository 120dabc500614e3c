//! SARIF 2.1.0: one run, the rules that fired with their docs, one result per finding.

use serde_json::{Value, json};

use super::{Report, TOOL, VERSION};
use crate::engine::Severity;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub fn render(r: &Report) -> String {
    let rules: Vec<Value> = r
        .rules
        .iter()
        .map(|m| {
            let refs = if m.doc.references.is_empty() {
                String::new()
            } else {
                format!(
                    "\n\n**References**\n{}",
                    m.doc.references.iter().map(|x| format!("- {x}")).collect::<Vec<_>>().join("\n")
                )
            };
            json!({
                "id": m.id,
                "name": m.name,
                "shortDescription": {"text": m.doc.summary},
                "fullDescription": {"text": m.doc.why},
                "help": {
                    "text": format!("{}\n\nFix: {}", m.doc.why, m.doc.fix),
                    "markdown": format!("**Why**\n\n{}\n\n**Evidence**\n\n{}\n\n**Fix**\n\n{}{refs}", m.doc.why, m.doc.evidence, m.doc.fix),
                },
                "defaultConfiguration": {"level": level(m.severity)},
                "properties": {"tags": [m.family.as_str()], "blocks_startup": m.blocks_startup},
            })
        })
        .collect();
    let results: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let mut res = json!({
                "ruleId": f.rule,
                "ruleIndex": r.rules.iter().position(|m| m.id == f.rule).unwrap_or(0),
                "level": level(f.severity),
                "message": {"text": f.message},
                "partialFingerprints": {"casstune/v1": f.fingerprint()},
                "properties": {
                    "subject": f.subject,
                    "confidence": f.confidence,
                    "impact": f.impact,
                    "fixes": f.fixes.iter().map(|x| x.description()).collect::<Vec<_>>(),
                },
            });
            if let Some(l) = &f.location {
                let uri = l.file.trim_start_matches("./");
                let mut region = json!({"startLine": l.line.max(1)});
                if let Some(c) = l.column {
                    region["startColumn"] = json!(c.max(1));
                }
                res["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri},
                        "region": region,
                    }
                }]);
            }
            res
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": TOOL,
                "version": VERSION,
                "informationUri": "https://github.com/casstune/casstune",
                "rules": rules,
            }},
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
