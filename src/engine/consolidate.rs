//! One problem, one finding. Some problems are seen through several kinds of evidence: a
//! tombstone-heavy table shows in the table histograms of every replica (PART-002), in the
//! threshold counters (PART-003) and in a traced read (TRC-003). Each rule stays honest on
//! its own evidence (and is tested alone); for the reader they are folded here: the
//! highest-ranked finding keeps its place and carries the others, whole, under `also`, with
//! their fixes added where they differ (host commands only on the same host).

use std::collections::HashMap;

use super::{Finding, Related};

/// Topic of a finding about one table's problem, shared by the rules that report it.
pub fn table_topic(problem: &str, table: &str) -> Option<String> {
    Some(format!("{problem}:{table}"))
}

/// Folds findings that share a topic into the first (best-ranked) of them. Expects ranked
/// findings and keeps their order.
pub fn consolidate(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut first: HashMap<String, usize> = HashMap::new();
    for f in findings {
        let Some(topic) = f.topic.clone() else {
            out.push(f);
            continue;
        };
        match first.get(&topic) {
            None => {
                first.insert(topic, out.len());
                out.push(f);
            }
            Some(&i) => {
                let keeper = &mut out[i];
                for fix in f.fixes {
                    // Host commands belong to the host they were written for
                    // (--diff-dir writes them per subject).
                    let other_host =
                        matches!(fix, super::Fix::Os { .. }) && f.subject != keeper.subject;
                    if !other_host && !keeper.fixes.contains(&fix) {
                        keeper.fixes.push(fix);
                    }
                }
                keeper.also.push(Related {
                    rule: f.rule,
                    subject: f.subject,
                    severity: f.severity,
                    message: f.message,
                    evidence: f.evidence,
                });
                keeper.also.extend(f.also);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Family, Fix, Safety, Severity, rank};

    fn f(rule: &str, subject: &str, sev: Severity, topic: Option<&str>, fix: &str) -> Finding {
        Finding {
            rule: rule.into(),
            name: String::new(),
            severity: sev,
            family: Family::Partition,
            subject: subject.into(),
            message: format!("{rule} says"),
            blocks_startup: false,
            confidence: 1.0,
            impact: 0.5,
            location: None,
            evidence: Vec::new(),
            fixes: vec![Fix::Cql {
                statement: fix.into(),
                safety: Safety::DisplayOnly,
                description: String::new(),
            }],
            topic: topic.map(String::from),
            also: Vec::new(),
        }
    }

    #[test]
    fn same_topic_folds_into_the_best_ranked_and_keeps_everything() {
        let mut all = vec![
            f(
                "PART-002",
                "n1",
                Severity::Warning,
                Some("tombstones:ks.t"),
                "a",
            ),
            f(
                "TRC-003",
                "ks.t",
                Severity::Error,
                Some("tombstones:ks.t"),
                "b",
            ),
            f(
                "PART-002",
                "n2",
                Severity::Warning,
                Some("tombstones:ks.t"),
                "a",
            ),
            f(
                "PART-002",
                "n1",
                Severity::Warning,
                Some("tombstones:ks.u"),
                "a",
            ),
            f("CFG-001", "n1", Severity::Info, None, "c"),
        ];
        rank(&mut all);
        let out = consolidate(all);
        let rules: Vec<_> = out
            .iter()
            .map(|f| (f.rule.as_str(), f.subject.as_str()))
            .collect();
        assert_eq!(
            rules,
            [("TRC-003", "ks.t"), ("PART-002", "n1"), ("CFG-001", "n1")]
        );
        let also: Vec<_> = out[0]
            .also
            .iter()
            .map(|r| (r.rule.as_str(), r.subject.as_str()))
            .collect();
        assert_eq!(also, [("PART-002", "n1"), ("PART-002", "n2")]);
        // The keeper's fix first, the folded one's once.
        assert_eq!(out[0].fixes.len(), 2);
        assert!(out[1].also.is_empty());
        // A host command stays with its host.
        let mut host = f("OS-001", "n1", Severity::Warning, Some("x"), "");
        host.fixes = vec![Fix::Os {
            command: "sysctl".into(),
            safety: Safety::Safe,
            description: String::new(),
        }];
        let table = f("TRC-001", "ks.t", Severity::Error, Some("x"), "ALTER");
        let out = consolidate(vec![table, host]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].fixes.len(), 1);
    }
}
