//! Inline suppressions: `# casstune: ignore[RULE-ID, ...]` on the finding's line or the
//! line above it, in any of the linted files.

use std::collections::HashMap;

use crate::engine::Finding;
use crate::model::Snapshot;

/// Removes suppressed findings; returns the rest and how many were suppressed.
pub fn apply(snapshot: &Snapshot, findings: Vec<Finding>) -> (Vec<Finding>, usize) {
    // Each file is split into lines once, not once per finding.
    let mut lines_of: HashMap<String, Vec<&str>> = HashMap::new();
    let mut kept = Vec::new();
    let mut suppressed = 0;
    for f in findings {
        let hit = f.location.as_ref().is_some_and(|loc| {
            if !lines_of.contains_key(loc.file.as_str()) {
                let Some(text) = snapshot.file_text(&loc.file) else {
                    return false;
                };
                lines_of.insert(loc.file.clone(), text.lines().collect());
            }
            let lines = &lines_of[loc.file.as_str()];
            let at = |n: usize| n.checked_sub(1).and_then(|i| lines.get(i)).copied();
            [at(loc.line), at(loc.line.saturating_sub(1))]
                .into_iter()
                .flatten()
                .any(|l| ignores(l, &f.rule))
        });
        if hit {
            suppressed += 1;
        } else {
            kept.push(f);
        }
    }
    (kept, suppressed)
}

/// True when `line` carries `casstune: ignore[...]` naming `rule`.
pub fn ignores(line: &str, rule: &str) -> bool {
    let Some(i) = line.find("casstune: ignore[") else {
        return false;
    };
    let rest = &line[i + "casstune: ignore[".len()..];
    let Some(end) = rest.find(']') else {
        return false;
    };
    rest[..end]
        .split(',')
        .any(|id| id.trim().eq_ignore_ascii_case(rule))
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_ignore_lists() {
        assert!(super::ignores(
            "row_cache_size: 1MiB # casstune: ignore[CACHE-001]",
            "CACHE-001"
        ));
        assert!(super::ignores(
            "# casstune: ignore[CFG-001, cache-001]",
            "CACHE-001"
        ));
        assert!(!super::ignores("# casstune: ignore[CFG-001]", "CACHE-001"));
        assert!(!super::ignores("# casstune ignore CACHE-001", "CACHE-001"));
    }
}
