//! Inline suppressions: `# casstune: ignore[RULE-ID, ...]` on the finding's line or the
//! line above it, in any of the linted files.

use crate::engine::Finding;
use crate::model::Snapshot;

/// Removes suppressed findings; returns the rest and how many were suppressed.
pub fn apply(snapshot: &Snapshot, findings: Vec<Finding>) -> (Vec<Finding>, usize) {
    let mut kept = Vec::new();
    let mut suppressed = 0;
    for f in findings {
        let hit = f.location.as_ref().is_some_and(|loc| {
            file_text(snapshot, &loc.file).is_some_and(|text| {
                let lines: Vec<&str> = text.lines().collect();
                let at = |n: usize| n.checked_sub(1).and_then(|i| lines.get(i)).copied();
                [at(loc.line), at(loc.line.saturating_sub(1))]
                    .into_iter()
                    .flatten()
                    .any(|l| ignores(l, &f.rule))
            })
        });
        if hit {
            suppressed += 1;
        } else {
            kept.push(f);
        }
    }
    (kept, suppressed)
}

fn file_text<'a>(snapshot: &'a Snapshot, file: &str) -> Option<&'a str> {
    snapshot.nodes.iter().find_map(|n| {
        n.config
            .as_ref()
            .filter(|c| c.file.path == file)
            .map(|c| c.file.text.as_str())
            .or_else(|| {
                n.jvm
                    .as_ref()?
                    .files
                    .iter()
                    .find(|f| f.path == file)
                    .map(|f| f.text.as_str())
            })
    })
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
