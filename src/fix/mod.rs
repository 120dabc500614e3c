//! Fixes as patches: every file-editing fix of the chosen findings, applied to the user's own
//! files and rendered as one unified diff that `git apply` and `patch -p1` accept.

pub mod jvm;
mod lines;
pub mod yaml;

use std::collections::{BTreeMap, BTreeSet};

use similar::{DiffOp, DiffTag, TextDiff};

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

/// A seeded xorshift for the fix tests' random edits: `next(n)` is in `0..n`, the same on
/// every run.
#[cfg(test)]
fn test_rng(mut seed: u64) -> impl FnMut(usize) -> usize {
    move |n| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    }
}

/// Lines of unchanged context around each change, as `diff -u` and git print.
const CONTEXT: usize = 3;

/// A unified diff with `a/` and `b/` prefixes on the path as the user gave it.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    // A fix edits a few lines of a file of thousands, and reports diff once per finding: line
    // diffing only the changed span (plus its context) instead of both whole files keeps that
    // cost proportional to the edit. The hunk headers are shifted back by the skipped lines.
    let rel = path.trim_start_matches("./").trim_start_matches('/');
    let span = Span::of(old, new);
    // In repetitive text the span can align differently from the whole files (similar weighs
    // lines by how often they occur in its input) and leave a hunk short of context: then the
    // whole files are diffed.
    let full_context = |op: Option<&DiffOp>| {
        op.is_some_and(|op| op.tag() == DiffTag::Equal && op.old_range().len() >= CONTEXT)
    };
    hunks(rel, span.old, span.new, span.skipped, |ops| {
        (span.at_start || full_context(ops.first())) && (span.at_end || full_context(ops.last()))
    })
    .or_else(|| hunks(rel, old, new, 0, |_| true))
    .unwrap_or_default()
}

/// The unified diff of `old` and `new`, numbered from line `skipped + 1`, unless `accept`
/// refuses the edit script. Lines are split at `\n` only, as git and patch count them
/// (similar's own line splitter also ends a line at a lone `\r`: the hunks of a file holding
/// one had the wrong line counts and git called the patch corrupt).
fn hunks(
    rel: &str,
    old: &str,
    new: &str,
    skipped: usize,
    accept: impl Fn(&[DiffOp]) -> bool,
) -> Option<String> {
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let diff = TextDiff::configure()
        .newline_terminated(true)
        .diff_slices(&old_lines, &new_lines);
    if !accept(diff.ops()) {
        return None;
    }
    let mut out = format!("--- a/{rel}\n+++ b/{rel}\n");
    for hunk in diff.unified_diff().context_radius(CONTEXT).iter_hunks() {
        let (Some(first), Some(last)) = (hunk.ops().first(), hunk.ops().last()) else {
            continue;
        };
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            hunk_range(
                skipped + first.old_range().start,
                skipped + last.old_range().end
            ),
            hunk_range(
                skipped + first.new_range().start,
                skipped + last.new_range().end
            ),
        ));
        for change in hunk.iter_changes() {
            out.push_str(&format!("{}{}", change.tag(), change.value()));
            if !change.value().ends_with('\n') {
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
    }
    Some(out)
}

/// A hunk's line range as `diff -u` writes it: `start,len`, `start` alone for one line, and
/// an empty range named by the line before it.
fn hunk_range(start: usize, end: usize) -> String {
    match end - start {
        1 => format!("{}", start + 1),
        0 => format!("{start},0"),
        len => format!("{},{len}", start + 1),
    }
}

/// The part of `old` and `new` that differs, widened by `CONTEXT` whole lines each side.
struct Span<'o, 'n> {
    old: &'o str,
    new: &'n str,
    /// Lines before the span (the same in both: they are equal up to there).
    skipped: usize,
    at_start: bool,
    at_end: bool,
}

impl<'o, 'n> Span<'o, 'n> {
    fn of(old: &'o str, new: &'n str) -> Self {
        // Searched as bytes: the common head and tail can end inside a multi-byte character
        // (`é` and `è` share their first byte), and every cut below is just after a `\n`.
        let (ob, nb) = (old.as_bytes(), new.as_bytes());
        let same = common_prefix(ob, nb);
        // The common head is whole lines, up to the first differing one; the common tail is
        // looked for after it (as similar trims, head first), so the two cannot overlap.
        let first = memchr::memrchr(b'\n', &ob[..same]).map_or(0, |i| i + 1);
        let o = &ob[first..];
        let same_tail = common_suffix(o, &nb[first..]);
        let line_after =
            |at: usize| memchr::memchr(b'\n', &o[at..]).map_or(o.len(), |i| at + i + 1);
        // The tail begins after a newline both files share (the first one inside it), so it
        // is whole lines in both; then CONTEXT lines are given back at each end.
        let mut end = o.len() - same_tail;
        if end > 0 {
            end = line_after(end);
        }
        for _ in 0..CONTEXT {
            end = line_after(end);
        }
        let tail = o.len() - end;
        let mut start = first;
        for _ in 0..CONTEXT {
            if start == 0 {
                break;
            }
            start = memchr::memrchr(b'\n', &ob[..start - 1]).map_or(0, |i| i + 1);
        }
        Span {
            old: &old[start..first + end],
            new: &new[start..new.len() - tail],
            skipped: memchr::memchr_iter(b'\n', &old.as_bytes()[..start]).count(),
            at_start: start == 0,
            at_end: tail == 0,
        }
    }
}

/// Length of the common prefix; compares 64-byte blocks first (memcmp) since files agree
/// for almost all of their length.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let blocks = a.chunks_exact(64).zip(b.chunks_exact(64));
    let whole = 64 * blocks.take_while(|(x, y)| x == y).count();
    whole
        + a[whole..]
            .iter()
            .zip(&b[whole..])
            .take_while(|(x, y)| x == y)
            .count()
}

/// Length of the common suffix, as [`common_prefix`] from the end.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let blocks = a.rchunks_exact(64).zip(b.rchunks_exact(64));
    let whole = 64 * blocks.take_while(|(x, y)| x == y).count();
    whole
        + a[..a.len() - whole]
            .iter()
            .rev()
            .zip(b[..b.len() - whole].iter().rev())
            .take_while(|(x, y)| x == y)
            .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The diff of both whole files, as similar renders it: what `unified_diff` must equal.
    fn whole(path: &str, old: &str, new: &str) -> String {
        TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(CONTEXT)
            .header(&format!("a/{path}"), &format!("b/{path}"))
            .to_string()
    }

    #[test]
    fn span_diff_equals_whole_file_diff() {
        let base: String = (0..40).map(|i| format!("key_{i}: {i}\n")).collect();
        let lines: Vec<&str> = base.split_inclusive('\n').collect();
        let edit = |f: &dyn Fn(&mut Vec<String>)| {
            let mut v: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
            f(&mut v);
            v.concat()
        };
        let cases = [
            edit(&|v| v[0] = "key_0: changed\n".into()),
            edit(&|v| v[39] = "key_39: changed\n".into()),
            edit(&|v| v[20] = "key_20: changed\n".into()),
            edit(&|v| {
                v[2] = "x\n".into();
                v[30] = "y\n".into();
            }),
            edit(&|v| {
                v[10] = "x\n".into();
                v[15] = "y\n".into();
            }),
            edit(&|v| v.insert(0, "# new first\n".into())),
            edit(&|v| v.push("new_last: 1\n".into())),
            edit(&|v| v.push("no_newline: 1".into())),
            edit(&|v| {
                v.remove(5);
                v.remove(5);
            }),
            edit(&|v| v.truncate(0)),
            edit(&|v| v[39] = "key_39: 39".into()),
            edit(&|v| v[22] = "key_22: 2\n".into()),
            edit(&|v| v.insert(12, "key_11: 11\n".into())),
        ];
        for new in &cases {
            assert_eq!(
                unified_diff("c.yaml", &base, new),
                whole("c.yaml", &base, new)
            );
            assert_eq!(
                unified_diff("c.yaml", new, &base),
                whole("c.yaml", new, &base)
            );
        }
        let unterminated = base.trim_end();
        for new in [
            format!("{unterminated}0"),
            format!("{unterminated}\n"),
            "".into(),
        ] {
            assert_eq!(
                unified_diff("c.yaml", unterminated, &new),
                whole("c.yaml", unterminated, &new)
            );
        }
        assert_eq!(unified_diff("c.yaml", &base, &base), "");
    }

    /// Two characters can share their first bytes (`é` C3 A9, `è` C3 A8) or their last ones
    /// (`é`, `ũ` C5 A9): the common head or tail then ends inside a character, and the span
    /// must still be cut at line ends (a non-ASCII comment in a cassandra.yaml panicked).
    #[test]
    fn span_of_edits_inside_multibyte_characters() {
        for (old, new) in [
            ("a: 1\n# é\nb: 2\n", "a: 1\n# è\nb: 2\n"),
            ("a: 1\n# é\nb: 2\n", "a: 1\n# ũ\nb: 2\n"),
            ("# 集群\n# 集合\n", "# 集合\n"),
            ("é", "è"),
        ] {
            assert_eq!(
                unified_diff("c.yaml", old, new),
                whole("c.yaml", old, new),
                "{old:?} → {new:?}"
            );
        }
    }

    /// git and patch end lines at `\n` alone: a lone `\r` (old Mac endings, a stray byte) is
    /// inside a line, and the hunk counts must agree.
    #[test]
    fn a_lone_carriage_return_is_inside_a_line() {
        assert_eq!(
            unified_diff("c", "a: 1\rb: 2\nc: 3\n", "a: 1\rb: 2\nc: 4\n"),
            "--- a/c\n+++ b/c\n@@ -1,2 +1,2 @@\n a: 1\rb: 2\n-c: 3\n+c: 4\n"
        );
        assert_eq!(
            unified_diff("c", "a: 1\n", "a: 1\nb: 2\r"),
            "--- a/c\n+++ b/c\n@@ -1 +1,2 @@\n a: 1\n+b: 2\r\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn crlf_files_keep_their_line_endings() {
        let yaml = "# top\r\nconcurrent_reads: 32\r\n\r\n# concurrent_writes: 32\r\nb: 1\r\n";
        let set = |key: &str, value: &str| Fix::SetConfig {
            file: "c.yaml".into(),
            key: key.into(),
            value: Some(value.into()),
            rename_from: None,
            safety: Safety::Safe,
            description: String::new(),
        };
        let (reads, writes) = (
            set("concurrent_reads", "64"),
            set("concurrent_writes", "64"),
        );
        let out = yaml::apply(yaml, &[&reads, &writes]);
        assert_eq!(
            out,
            "# top\r\nconcurrent_reads: 64\r\n\r\n# concurrent_writes: 32\r\n\
             concurrent_writes: 64\r\nb: 1\r\n"
        );
        assert_eq!(
            unified_diff("c.yaml", yaml, &out)
                .lines()
                .filter(|l| l.starts_with(['+', '-'])
                    && !l.starts_with("+++")
                    && !l.starts_with("---"))
                .count(),
            3,
            "only the edited lines change"
        );
        let opts = "-Xss256k\r\n-Xms4G\r\n";
        let heap = Fix::JvmOption {
            file: "j".into(),
            add: Some("-Xms8G".into()),
            remove: Some("-Xms4G".into()),
            line: None,
            safety: Safety::Safe,
            description: String::new(),
        };
        assert_eq!(
            jvm::apply(opts, &[&heap]),
            "-Xss256k\r\n#-Xms4G\r\n-Xms8G\r\n"
        );
        // A file without a final newline still gets none.
        assert_eq!(
            jvm::apply("-Xms4G\r\n-Xss256k", &[&heap]),
            "#-Xms4G\r\n-Xms8G\r\n-Xss256k"
        );
    }

    #[test]
    fn common_prefix_and_suffix_cross_block_edges() {
        let a: Vec<u8> = (0..300u32).map(|i| (i % 251) as u8).collect();
        for at in [0, 1, 63, 64, 65, 127, 128, 200, 299] {
            let mut b = a.clone();
            b[at] ^= 0xff;
            assert_eq!(common_prefix(&a, &b), at);
            assert_eq!(common_suffix(&a, &b), a.len() - at - 1);
            assert_eq!(common_prefix(&a[..at], &a), at);
            assert_eq!(common_suffix(&a[at..], &a), a.len() - at);
        }
    }

    /// Repetitive text (a few distinct lines) makes many equally short diffs possible: the
    /// span must still lead to the one similar picks for the whole files.
    #[test]
    fn span_diff_equals_whole_file_diff_on_ambiguous_edits() {
        let mut next = test_rng(0x2545_f491_4f6c_dd1d);
        let words = ["a\n", "b\n", "a\n", "c\n", "\n", "# x\n"];
        for _ in 0..2000 {
            let old: Vec<&str> = (0..next(30) + 1)
                .map(|_| words[next(words.len())])
                .collect();
            let mut new = old.clone();
            for _ in 0..next(3) + 1 {
                let at = next(new.len() + 1);
                match next(3) {
                    0 => new.insert(at, words[next(words.len())]),
                    1 if at < new.len() => drop(new.remove(at)),
                    _ if at < new.len() => new[at] = words[next(words.len())],
                    _ => new.push("z"),
                }
            }
            let (old, new) = (old.concat(), new.concat());
            assert_eq!(
                unified_diff("c.yaml", &old, &new),
                whole("c.yaml", &old, &new),
                "old {old:?}\nnew {new:?}"
            );
        }
    }
}
