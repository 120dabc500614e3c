//! `--diff-dir DIR`: every fix of the run as files a person reviews and applies by hand:
//! `config.patch` (cassandra.yaml and JVM options edits as one unified diff), `fixes.cql`
//! (CQL statements, each under a comment naming its finding) and `os/<node>.sh` (host
//! commands per node). casstune never applies them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;

use crate::engine::{Finding, Fix, Safety};
use crate::model::Snapshot;

/// Writes the files and returns their paths, relative to `dir`.
pub fn write(dir: &Path, snapshot: &Snapshot, findings: &[Finding]) -> anyhow::Result<Vec<String>> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create the directory", dir.display()))?;
    let mut written = Vec::new();
    let patch = crate::fix::patch(snapshot, findings);
    if !patch.is_empty() {
        put(dir, "config.patch", &patch, &mut written)?;
        if snapshot.nodes.len() > 1 {
            for (name, text) in group_patches(&patch) {
                put(dir, &format!("config/{name}"), &text, &mut written)?;
            }
        }
    }
    let cql = cql_script(findings);
    if !cql.is_empty() {
        put(dir, "fixes.cql", &cql, &mut written)?;
    }
    for (node, script) in os_scripts(findings) {
        put(
            dir,
            &format!("os/{}.sh", file_safe(&node)),
            &script,
            &mut written,
        )?;
    }
    Ok(written)
}

/// The combined patch split by node group: nodes whose file gets the very same hunks share one
/// patch, with paths relative to the node's configuration directory (`patch -p1` there, or
/// in the configuration-management template all of them are rendered from). Named
/// `<file>.<n>-of-<groups>.patch`, biggest group first.
fn group_patches(patch: &str) -> Vec<(String, String)> {
    // (file name in the conf dir, hunks) → nodes.
    let mut groups: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut lines = patch.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(path) = line.strip_prefix("--- a/") else {
            continue;
        };
        let Some(plus) = lines.next() else { break };
        debug_assert!(plus.starts_with("+++ b/"));
        let mut body = String::new();
        while let Some(l) = lines.peek() {
            if l.starts_with("--- a/") {
                break;
            }
            body.push_str(l);
            body.push('\n');
            lines.next();
        }
        // nodes/<node>/files/<file in the conf dir>
        let (node, file) = match path
            .strip_prefix("nodes/")
            .and_then(|p| p.split_once("/files/"))
        {
            Some((n, f)) => (n.to_string(), f.to_string()),
            None => (String::new(), path.to_string()),
        };
        groups.entry((file, body)).or_default().push(node);
    }
    let mut by_file: BTreeMap<String, Vec<(Vec<String>, String)>> = BTreeMap::new();
    for ((file, body), nodes) in groups {
        by_file.entry(file).or_default().push((nodes, body));
    }
    let mut out = Vec::new();
    for (file, mut variants) in by_file {
        variants.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        let total = variants.len();
        for (i, (nodes, body)) in variants.into_iter().enumerate() {
            let mut text = format!(
                "casstune: the change to {file} for {} node{}: {}\nApply it in each of their configuration directories: patch -p1 < THIS_FILE\n\n",
                nodes.len(),
                if nodes.len() == 1 { "" } else { "s" },
                nodes.join(", ")
            );
            let _ = write!(text, "--- a/{file}\n+++ b/{file}\n{body}");
            out.push((
                format!("{}.{}-of-{total}.patch", file_safe(&file), i + 1),
                text,
            ));
        }
    }
    out
}

fn put(dir: &Path, rel: &str, text: &str, written: &mut Vec<String>) -> anyhow::Result<()> {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("{}: cannot create", parent.display()))?;
    }
    std::fs::write(&p, text).with_context(|| format!("{}: cannot write", p.display()))?;
    written.push(rel.to_string());
    Ok(())
}

fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn safety_note(s: Safety) -> &'static str {
    match s {
        Safety::Safe => "safe",
        Safety::Unsafe => "UNSAFE: changes behaviour; review and roll out deliberately",
        Safety::DisplayOnly => "for reference only: do not run as is",
    }
}

/// One statement per distinct CQL fix, in rank order; display-only ones stay commented out.
fn cql_script(findings: &[Finding]) -> String {
    let mut out = String::new();
    let mut seen = std::collections::BTreeSet::new();
    for f in findings {
        for fix in &f.fixes {
            let Fix::Cql {
                statement,
                safety,
                description,
            } = fix
            else {
                continue;
            };
            if !seen.insert(statement.clone()) {
                continue;
            }
            let _ = writeln!(
                out,
                "-- {} {} ({}): {}",
                f.rule,
                f.subject,
                safety_note(*safety),
                f.message
            );
            let _ = writeln!(out, "-- {description}");
            let stmt = statement.trim_end().trim_end_matches(';');
            if *safety == Safety::DisplayOnly {
                for line in stmt.lines() {
                    let _ = writeln!(out, "-- {line}");
                }
                out.push('\n');
            } else {
                let _ = writeln!(out, "{stmt};\n");
            }
        }
    }
    out
}

/// Host commands grouped by node; a script that stops at the first failing command.
fn os_scripts(findings: &[Finding]) -> BTreeMap<String, String> {
    let mut by_node: BTreeMap<String, String> = BTreeMap::new();
    for f in findings {
        for fix in &f.fixes {
            let Fix::Os {
                command,
                safety,
                description,
            } = fix
            else {
                continue;
            };
            let s = by_node.entry(f.subject.clone()).or_insert_with(|| {
                format!("#!/bin/sh\n# casstune: host fixes for {}; review, then run on that machine as root.\nset -e\n\n", f.subject)
            });
            let _ = writeln!(
                s,
                "# {} ({}): {}\n# {description}",
                f.rule,
                safety_note(*safety),
                f.message
            );
            if *safety == Safety::DisplayOnly {
                for line in command.lines() {
                    let _ = writeln!(s, "# {line}");
                }
                s.push('\n');
            } else {
                let _ = writeln!(s, "{command}\n");
            }
        }
    }
    by_node
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Family, Severity};

    fn finding(rule: &str, subject: &str, fixes: Vec<Fix>) -> Finding {
        Finding {
            rule: rule.into(),
            name: "n".into(),
            severity: Severity::Warning,
            family: Family::Schema,
            subject: subject.into(),
            message: "m".into(),
            blocks_startup: false,
            confidence: 1.0,
            impact: 1.0,
            location: None,
            evidence: Vec::new(),
            fixes,
            topic: None,
            also: Vec::new(),
        }
    }

    #[test]
    fn cql_statements_once_each_and_display_only_commented() {
        let alter = Fix::Cql {
            statement: "ALTER TABLE a.b WITH gc_grace_seconds = 864000".into(),
            safety: Safety::Unsafe,
            description: "d".into(),
        };
        let create = Fix::Cql {
            statement: "CREATE TABLE a.c (k int PRIMARY KEY)".into(),
            safety: Safety::DisplayOnly,
            description: "d".into(),
        };
        let fs = vec![
            finding("X-1", "a.b", vec![alter.clone()]),
            finding("X-2", "a.b", vec![alter, create]),
        ];
        let s = cql_script(&fs);
        assert_eq!(s.matches("ALTER TABLE a.b").count(), 1, "{s}");
        assert!(
            s.contains("ALTER TABLE a.b WITH gc_grace_seconds = 864000;\n"),
            "{s}"
        );
        assert!(s.contains("-- CREATE TABLE a.c"), "{s}");
        assert!(s.contains("UNSAFE"), "{s}");
    }

    #[test]
    fn os_commands_grouped_per_node() {
        let thp = Fix::Os {
            command: "echo never > /sys/kernel/mm/transparent_hugepage/enabled".into(),
            safety: Safety::Safe,
            description: "d".into(),
        };
        let fs = vec![
            finding("OS-1", "10.0.0.1", vec![thp.clone()]),
            finding("OS-1", "10.0.0.2", vec![thp]),
        ];
        let m = os_scripts(&fs);
        assert_eq!(m.len(), 2);
        assert!(m["10.0.0.1"].starts_with("#!/bin/sh"));
        assert!(m["10.0.0.2"].contains("echo never"));
    }
}
