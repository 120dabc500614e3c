//! Built-in rules: logic CEL cannot express (catalogue lookups, unit parsing, JDK flag
//! knowledge, heap arithmetic), each declared with the same metadata as a YAML rule.

pub(crate) mod advice;
mod cluster;
mod config;
mod host;
mod jvm;
mod metrics;
mod metrics_pools;
mod metrics_tables;
mod schema;
mod signals;
mod startup;
mod tables;
mod traces;

use super::{Check, ClusterCtx, Ctx, Doc, Emitter, Family, Need, Rule, RuleMeta, Severity};
use crate::catalog::Version;

/// A built-in rule's declaration: metadata and doc next to the check function.
pub struct Builtin {
    pub id: &'static str,
    pub name: &'static str,
    pub family: Family,
    pub severity: Severity,
    pub min_version: Option<Version>,
    pub max_version: Option<Version>,
    pub blocks_startup: bool,
    pub impact: f32,
    pub confidence: f32,
    pub needs: &'static [Need],
    pub params: &'static [(&'static str, f64)],
    pub summary: &'static str,
    pub why: &'static str,
    pub evidence: &'static str,
    pub fix: &'static str,
    pub references: &'static [&'static str],
    pub check: Scope,
}

/// Where a built-in rule runs: on each node, or once for the whole snapshot.
#[derive(Clone, Copy)]
pub enum Scope {
    Node(fn(&Ctx, &mut Emitter)),
    /// Schema, topology and cross-node comparisons; findings name their own subjects
    /// (a table `ks.t`, a keyspace, a node, or `cluster`).
    Cluster(fn(&ClusterCtx, &mut Emitter)),
}

impl Builtin {
    fn to_rule(&self) -> Rule {
        Rule {
            meta: RuleMeta {
                id: self.id.into(),
                name: self.name.into(),
                family: self.family,
                severity: self.severity,
                min_version: self.min_version,
                max_version: self.max_version,
                blocks_startup: self.blocks_startup,
                impact: self.impact,
                confidence: self.confidence,
                needs: self.needs.to_vec(),
                params: self
                    .params
                    .iter()
                    .map(|(k, v)| (k.to_string(), *v))
                    .collect(),
                doc: Doc {
                    summary: self.summary.into(),
                    why: self.why.into(),
                    evidence: self.evidence.into(),
                    fix: self.fix.into(),
                    references: self.references.iter().map(|s| s.to_string()).collect(),
                },
                origin: "built-in".into(),
            },
            check: match self.check {
                Scope::Node(f) => Check::Builtin(f),
                Scope::Cluster(f) => Check::Cluster(f),
            },
        }
    }
}

pub fn all() -> Vec<Rule> {
    config::RULES
        .iter()
        .chain(jvm::RULES.iter())
        .chain(startup::RULES.iter())
        .chain(metrics::RULES.iter())
        .chain(metrics_tables::RULES.iter())
        .chain(metrics_pools::RULES.iter())
        .chain(host::RULES.iter())
        .chain(cluster::RULES.iter())
        .chain(schema::RULES.iter())
        .chain(tables::RULES.iter())
        .chain(traces::RULES.iter())
        .map(Builtin::to_rule)
        .collect()
}
