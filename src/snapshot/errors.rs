//! Collection errors as a person reads them. A role without `SELECT ON KEYSPACE system_views`
//! is refused each of the ~29 virtual tables on every node: one cause, dozens of lines. The
//! manifest keeps every error; the summary groups those that differ only in the object they
//! name and the node they came from, and says how to fix the one cause.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::Manifest;

/// Fewer errors than this in a group are listed one by one.
const GROUP_FROM: usize = 3;

static NO_SELECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"User (\S+) has no SELECT permission on <(?:table|keyspace) ([A-Za-z0-9_]+)")
        .expect("valid regex")
});

struct Group {
    nodes: Vec<String>,
    objects: Vec<String>,
    /// The first error as recorded, for a group of one.
    first: (String, String),
}

/// One line per error, or per group of errors with one cause: `node[, node…]: source: message`.
pub fn summarize(m: &Manifest) -> Vec<String> {
    let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
    let mut order: Vec<(String, String)> = Vec::new();
    let all = m
        .nodes
        .iter()
        .flat_map(|n| n.errors.iter().map(move |e| (Some(n.id.as_str()), e)))
        .chain(m.errors.iter().map(|e| (None, e)));
    for (node, e) in all {
        // `cql:system_views.settings` → family `cql:system_views`, object `settings`.
        let (family, object) = match e.source.rsplit_once('.') {
            Some((f, o)) if e.source.starts_with("cql:") => (f.to_string(), o.to_string()),
            _ => (e.source.clone(), String::new()),
        };
        let normalised = if object.is_empty() {
            e.message.clone()
        } else {
            let full = e.source.trim_start_matches("cql:");
            e.message
                .replace(full, format!("{family}.*").trim_start_matches("cql:"))
        };
        let key = (family.clone(), normalised);
        let g = groups.entry(key.clone()).or_insert_with(|| {
            order.push(key.clone());
            Group {
                nodes: Vec::new(),
                objects: Vec::new(),
                first: (
                    node.map(|n| format!("{n}: ")).unwrap_or_default(),
                    format!("{}: {}", e.source, e.message),
                ),
            }
        });
        if let Some(n) = node
            && !g.nodes.iter().any(|x| x == n)
        {
            g.nodes.push(n.to_string());
        }
        if !g.objects.contains(&object) {
            g.objects.push(object);
        }
    }
    let mut out = Vec::new();
    for key in order {
        let g = &groups[&key];
        let (family, message) = &key;
        let count = g.objects.len() * g.nodes.len().max(1);
        if count < GROUP_FROM || g.objects.len() < 2 {
            if g.nodes.len() <= 1 {
                out.push(format!("{}{}", g.first.0, g.first.1));
            } else {
                out.push(format!("{}: {}", g.nodes.join(", "), g.first.1));
            }
            continue;
        }
        let mut objects = g.objects.clone();
        objects.sort();
        let shown: Vec<&str> = objects.iter().take(4).map(String::as_str).collect();
        let more = if objects.len() > shown.len() {
            ", …"
        } else {
            ""
        };
        let mut line = format!(
            "{}{family}.* ({} tables: {}{more}): {message}",
            if g.nodes.is_empty() {
                String::new()
            } else {
                format!("{}: ", g.nodes.join(", "))
            },
            objects.len(),
            shown.join(", "),
        );
        if let Some(c) = NO_SELECT.captures(message) {
            let keyspace = family.trim_start_matches("cql:");
            line.push_str(&format!(
                " (one grant fixes all of them: GRANT SELECT ON KEYSPACE {keyspace} TO {};)",
                &c[1]
            ));
        }
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{NodeEntry, SourceError};

    fn node(id: &str, errors: Vec<SourceError>) -> NodeEntry {
        NodeEntry {
            id: id.into(),
            host_id: None,
            datacenter: None,
            rack: None,
            release_version: None,
            collected: Vec::new(),
            errors,
        }
    }

    fn denied(table: &str) -> SourceError {
        SourceError {
            source: format!("cql:system_views.{table}"),
            message: format!(
                "Database returned an error: Unauthorized, message: User bare has no SELECT permission on <table system_views.{table}> or any of its parents"
            ),
        }
    }

    #[test]
    fn one_cause_on_many_tables_and_nodes_is_one_line_with_the_grant() {
        let tables = [
            "settings",
            "caches",
            "thread_pools",
            "clients",
            "sstable_tasks",
        ];
        let mut m = crate::snapshot::Archive::new(String::new()).manifest;
        m.nodes.push(node(
            "127.0.0.1",
            tables.iter().map(|t| denied(t)).collect(),
        ));
        m.nodes.push(node(
            "127.0.0.2",
            tables.iter().map(|t| denied(t)).collect(),
        ));
        m.errors.push(SourceError {
            source: "metrics:http://h:9404/metrics".into(),
            message: "timed out".into(),
        });
        let lines = summarize(&m);
        assert_eq!(lines.len(), 2, "{lines:#?}");
        assert_eq!(
            lines[0],
            "127.0.0.1, 127.0.0.2: cql:system_views.* (5 tables: caches, clients, settings, sstable_tasks, …): Database returned an error: Unauthorized, message: User bare has no SELECT permission on <table system_views.*> or any of its parents (one grant fixes all of them: GRANT SELECT ON KEYSPACE system_views TO bare;)"
        );
        assert_eq!(lines[1], "metrics:http://h:9404/metrics: timed out");
    }

    #[test]
    fn distinct_errors_stay_distinct() {
        let mut m = crate::snapshot::Archive::new(String::new()).manifest;
        m.nodes.push(node(
            "n1",
            vec![
                SourceError {
                    source: "cql:system_views.settings".into(),
                    message: "timed out after 10 s".into(),
                },
                SourceError {
                    source: "cql:system.local".into(),
                    message: "connection reset".into(),
                },
            ],
        ));
        let lines = summarize(&m);
        assert_eq!(
            lines,
            [
                "n1: cql:system_views.settings: timed out after 10 s",
                "n1: cql:system.local: connection reset"
            ]
        );
    }
}
