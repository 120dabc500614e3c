//! SARIF 2.1.0: one run, the rules that fired with their docs, one result per finding.
//!
//! Serialised straight from structs, so every object's keys come in the order written here
//! (the order SARIF's own examples use), not in a JSON map's order.

use serde::Serialize;

use super::{Report, TOOL, VERSION};
use crate::engine::Severity;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'a str,
    version: &'a str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool<'a>,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'a str,
    version: &'a str,
    information_uri: &'a str,
    rules: Vec<RuleDescriptor<'a>>,
}

#[derive(Serialize)]
struct Text<T: Serialize> {
    text: T,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text<&'a str>,
    full_description: Text<&'a str>,
    help: Help,
    default_configuration: Level,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Level {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties<'a> {
    tags: [&'a str; 1],
    blocks_startup: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text<&'a str>,
    partial_fingerprints: Fingerprints,
    properties: ResultProperties<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    locations: Option<[Location<'a>; 1]>,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "casstune/v1")]
    v1: String,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    subject: &'a str,
    confidence: f32,
    impact: f32,
    fixes: Vec<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: PhysicalLocation<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation<'a>,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation<'a> {
    uri: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<usize>,
}

pub fn render(r: &Report) -> String {
    let rules = r
        .rules
        .iter()
        .map(|m| {
            let refs = if m.doc.references.is_empty() {
                String::new()
            } else {
                format!(
                    "\n\n**References**\n{}",
                    m.doc
                        .references
                        .iter()
                        .map(|x| format!("- {x}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            };
            RuleDescriptor {
                id: &m.id,
                name: &m.name,
                short_description: Text {
                    text: &m.doc.summary,
                },
                full_description: Text { text: &m.doc.why },
                help: Help {
                    text: format!("{}\n\nFix: {}", m.doc.why, m.doc.fix),
                    markdown: format!(
                        "**Why**\n\n{}\n\n**Evidence**\n\n{}\n\n**Fix**\n\n{}{refs}",
                        m.doc.why, m.doc.evidence, m.doc.fix
                    ),
                },
                default_configuration: Level {
                    level: level(m.severity),
                },
                properties: RuleProperties {
                    tags: [m.family.as_str()],
                    blocks_startup: m.blocks_startup,
                },
            }
        })
        .collect();
    let results = r
        .findings
        .iter()
        .map(|f| SarifResult {
            rule_id: &f.rule,
            rule_index: r.rules.iter().position(|m| m.id == f.rule).unwrap_or(0),
            level: level(f.severity),
            message: Text { text: &f.message },
            partial_fingerprints: Fingerprints {
                v1: f.fingerprint(),
            },
            properties: ResultProperties {
                subject: &f.subject,
                confidence: f.confidence,
                impact: f.impact,
                fixes: f.fixes.iter().map(|x| x.description()).collect(),
            },
            locations: f.location.as_ref().map(|l| {
                [Location {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation {
                            uri: l.file.trim_start_matches("./"),
                        },
                        region: Region {
                            start_line: l.line.max(1),
                            start_column: l.column.map(|c| c.max(1)),
                        },
                    },
                }]
            }),
        })
        .collect();
    let doc = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: TOOL,
                    version: VERSION,
                    information_uri: "https://github.com/casstune/casstune",
                    rules,
                },
            },
            results,
        }],
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
