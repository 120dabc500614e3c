//! Fixes as patches: every file-editing fix of the chosen findings, applied to the user's own
//! files and rendered as one unified diff that `git apply` and `patch -p1` accept.

pub mod jvm;
pub mod yaml;

use std::collections::{BTreeMap, BTreeSet};

use similar::TextDiff;

use crate::catalog::Catalog;
use crate::engine::{Finding, Fix, Safety};
use crate::model::Snapshot;

/// Builds the unified diff of all applicable fixes. Display-only fixes are left out, and
/// when two findings set the same key the higher-ranked one wins.
pub fn patch(snapshot: &Snapshot, findings: &[Finding]) -> String {
    let mut per_file: BTreeMap<&str, Vec<&Fix>> = BTreeMap::new();
    let mut claimed: BTreeSet<(String, String)> = BTreeSet::new();
    for f in findings {
        for fix in &f.fixes {
            if fix.safety() == Safety::DisplayOnly {
                continue;
            }
            let (file, key) = match fix {
                // One fix per setting, whatever name it is written under (an old-name rename
                // and a value change of the same setting would otherwise both apply).
                Fix::SetConfig {
                    file,
                    key,
                    rename_from,
                    ..
                } => {
                    if let Some(old) = rename_from
                        && claimed.contains(&(file.clone(), Catalog::canonical_name(old)))
                    {
                        continue;
                    }
                    (file, Catalog::canonical_name(key))
                }
                // One fix per JVM option, whatever value each finding proposes (-Xms31G vs -Xms48G).
                Fix::JvmOption {
                    file, add, remove, ..
                } => {
                    let text = remove.as_deref().or(add.as_deref()).unwrap_or("");
                    (file, option_identity(text))
                }
                _ => continue,
            };
            if claimed.insert((file.clone(), key)) {
                per_file.entry(file.as_str()).or_default().push(fix);
            }
        }
    }
    let mut out = String::new();
    for (file, fixes) in per_file {
        let Some(text) = snapshot.file_text(file) else {
            continue;
        };
        let is_yaml = fixes.iter().any(|f| matches!(f, Fix::SetConfig { .. }));
        let new = if is_yaml {
            yaml::apply(text, &fixes)
        } else {
            jvm::apply(text, &fixes)
        };
        out.push_str(&unified_diff(file, text, &new));
    }
    out
}

/// The option an edit is about, without its value: `-Xms16G` → `-Xms`, `-XX:+UseG1GC` → `UseG1GC`.
fn option_identity(text: &str) -> String {
    for p in ["-Xms", "-Xmx", "-Xmn", "-Xss"] {
        if text.starts_with(p) {
            return p.to_string();
        }
    }
    match text.strip_prefix("-XX:") {
        Some(rest) => rest
            .trim_start_matches(['+', '-'])
            .split('=')
            .next()
            .unwrap_or(rest)
            .to_string(),
        None => text.split('=').next().unwrap_or(text).to_string(),
    }
}

/// A unified diff with `a/` and `b/` prefixes on the path as the user gave it.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let rel = path.trim_start_matches("./").trim_start_matches('/');
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{rel}"), &format!("b/{rel}"))
        .to_string()
}
