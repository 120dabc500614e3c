//! What a rule reports: a Finding with its evidence and typed fixes.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "info" => Ok(Severity::Info),
            "warning" | "warn" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            _ => Err(format!("unknown severity `{s}` (info, warning, error)")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Config,
    Jvm,
    Compaction,
    Cache,
    Partition,
    Hardware,
    Threadpool,
    Schema,
    Security,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Config => "config",
            Family::Jvm => "jvm",
            Family::Compaction => "compaction",
            Family::Cache => "cache",
            Family::Partition => "partition",
            Family::Hardware => "hardware",
            Family::Threadpool => "threadpool",
            Family::Schema => "schema",
            Family::Security => "security",
        }
    }
}

/// A place in a file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

/// One named fact behind a finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// What was looked at: a setting name, a JVM option, a host fact.
    pub name: String,
    /// The value observed, as written or measured.
    pub observed: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// How safe it is to apply a fix without thinking (ruff's grading).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Safety {
    /// Restores what Cassandra would accept or what the operator evidently meant.
    Safe,
    /// Changes runtime behaviour: review, then roll out node by node.
    Unsafe,
    /// Shown for guidance only; not written to patches (e.g. needs a new cluster).
    DisplayOnly,
}

/// A typed change that resolves a finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Fix {
    /// Set `key: value` in a cassandra.yaml, or remove `key` when `value` is None.
    /// `rename_from` replaces that key's line instead of adding a new one.
    SetConfig {
        file: String,
        key: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        rename_from: Option<String>,
        safety: Safety,
        description: String,
    },
    /// Add and/or remove one JVM option in an options file.
    JvmOption {
        file: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        add: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        remove: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        line: Option<usize>,
        safety: Safety,
        description: String,
    },
    Cql {
        statement: String,
        safety: Safety,
        description: String,
    },
    Os {
        command: String,
        safety: Safety,
        description: String,
    },
}

impl Fix {
    pub fn description(&self) -> &str {
        match self {
            Fix::SetConfig { description, .. }
            | Fix::JvmOption { description, .. }
            | Fix::Cql { description, .. }
            | Fix::Os { description, .. } => description,
        }
    }
    pub fn safety(&self) -> Safety {
        match self {
            Fix::SetConfig { safety, .. }
            | Fix::JvmOption { safety, .. }
            | Fix::Cql { safety, .. }
            | Fix::Os { safety, .. } => *safety,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: String,
    pub name: String,
    pub severity: Severity,
    pub family: Family,
    /// cluster, a node id, or keyspace.table.
    pub subject: String,
    pub message: String,
    /// Cassandra refuses to start with this (config and JVM errors only).
    pub blocks_startup: bool,
    /// 0..1: how sure the rule is, lower when evidence is partial.
    pub confidence: f32,
    /// 0..1: rough size of the effect if fixed.
    pub impact: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    pub evidence: Vec<Evidence>,
    pub fixes: Vec<Fix>,
    /// What problem this is about, when other rules can report the same one from other
    /// evidence (`tombstones:ks.t`): `consolidate` folds such findings into one.
    #[serde(skip)]
    pub topic: Option<String>,
    /// Findings of other rules (or other nodes) about the same problem, folded into this one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<Related>,
}

/// A finding folded into a higher-ranked one about the same problem: kept whole, so no
/// evidence is lost, but reported once.
#[derive(Debug, Clone, Serialize)]
pub struct Related {
    pub rule: String,
    pub subject: String,
    pub severity: Severity,
    pub message: String,
    pub evidence: Vec<Evidence>,
}

impl Finding {
    /// The stable identity used by baselines: not the line, which moves when files are edited.
    pub fn fingerprint(&self) -> String {
        let file = self
            .location
            .as_ref()
            .map(|l| {
                std::path::Path::new(&l.file)
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        let key = self.evidence.first().map(|e| e.name.as_str()).unwrap_or("");
        format!("{}|{}|{}", self.rule, file, key)
    }

    /// One line per folded finding ("also PART-002 on 127.0.0.3: …"), at most `max`, then a count.
    pub fn also_lines(&self, max: usize) -> Vec<String> {
        let mut lines: Vec<String> = self
            .also
            .iter()
            .take(max)
            .map(|r| format!("also {} on {}: {}", r.rule, r.subject, r.message))
            .collect();
        if self.also.len() > max {
            lines.push(format!("… and {} more", self.also.len() - max));
        }
        lines
    }

    fn score(&self) -> f32 {
        self.impact * self.confidence
    }
}

/// Severity first, then impact × confidence, then a stable order (rule, subject, place).
pub fn rank(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| b.score().partial_cmp(&a.score()).unwrap_or(Ordering::Equal))
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.subject.cmp(&b.subject))
            .then_with(|| a.location.cmp(&b.location))
            .then_with(|| a.message.cmp(&b.message))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(rule: &str, sev: Severity, impact: f32, line: usize) -> Finding {
        Finding {
            rule: rule.into(),
            name: String::new(),
            severity: sev,
            family: Family::Config,
            subject: "n".into(),
            message: String::new(),
            blocks_startup: false,
            confidence: 1.0,
            impact,
            topic: None,
            also: Vec::new(),
            location: Some(Location {
                file: "a".into(),
                line,
                column: None,
            }),
            evidence: vec![],
            fixes: vec![],
        }
    }

    #[test]
    fn ranking_is_severity_then_score_then_stable() {
        let mut v = vec![
            f("B-1", Severity::Warning, 0.9, 1),
            f("A-1", Severity::Warning, 0.9, 9),
            f("C-1", Severity::Error, 0.1, 1),
            f("A-1", Severity::Warning, 0.9, 2),
            f("D-1", Severity::Warning, 0.95, 1),
        ];
        rank(&mut v);
        let order: Vec<_> = v
            .iter()
            .map(|x| (x.rule.as_str(), x.location.as_ref().unwrap().line))
            .collect();
        assert_eq!(
            order,
            vec![("C-1", 1), ("D-1", 1), ("A-1", 2), ("A-1", 9), ("B-1", 1)]
        );
    }
}
