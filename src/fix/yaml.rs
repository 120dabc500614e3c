//! cassandra.yaml edits that keep every comment, blank line and key order.
//!
//! Edits are line-based on purpose: a YAML round-trip through any serializer loses the
//! comments that make up most of a stock cassandra.yaml. Top-level keys always start in
//! column 1, so a key's line and its block (the indented lines after it) are easy to find.

use super::lines::{self, Breaks, Line};
use crate::catalog::convert::{self, OldNumber};
use crate::catalog::{Catalog, Lookup};
use crate::engine::{Fix, Safety};
use crate::model::config::YamlConfig;
use crate::model::units::{Dimension, Quantity, Unit};

/// Builds a `SetConfig` fix setting the canonical `setting` to `value` (written in 4.1+
/// syntax), rendered in the name and unit syntax this file and version use.
pub fn set_fix(
    cfg: &YamlConfig,
    setting: &str,
    value: &str,
    safety: Safety,
    description: &str,
) -> Option<Fix> {
    let (key, text) = render(cfg, setting, value)?;
    Some(Fix::SetConfig {
        file: cfg.file.path.clone(),
        key,
        value: Some(text),
        rename_from: None,
        safety,
        description: description.to_string(),
    })
}

/// The key and value text to write for `setting = value` in this file.
pub fn render(cfg: &YamlConfig, setting: &str, value: &str) -> Option<(String, String)> {
    let catalog = Catalog::get(cfg.version);
    // Keep the name the file already uses, so the diff touches one line.
    let key = match cfg.entry_for(setting) {
        Some(e) => e.key.clone(),
        None => key_for_version(cfg.version, setting)?,
    };
    let lookup = catalog.lookup(&key)?;
    let old_unit = match lookup {
        Lookup::Old(_, r) => {
            let f = convert::old_form(&r.converter);
            (f.number != OldNumber::MebibytesSpec)
                .then_some(f.unit)
                .flatten()
        }
        Lookup::Current(p) if !cfg.version.has_units() => {
            p.unit.or_else(|| convert::unit_from_suffix(&p.name))
        }
        Lookup::Current(_) => None,
    };
    let text = match old_unit {
        Some(unit) => legacy_number(value, unit)?,
        None => value.to_string(),
    };
    Some((key, text))
}

/// The name a version uses for a canonical setting: itself, or its pre-4.1 name.
pub fn key_for_version(version: crate::catalog::Version, setting: &str) -> Option<String> {
    let catalog = Catalog::get(version);
    if matches!(catalog.lookup(setting), Some(Lookup::Current(_))) {
        return Some(setting.to_string());
    }
    let newest = Catalog::get(crate::catalog::Version::V5_0).param(setting)?;
    newest
        .replaces
        .iter()
        .map(|r| r.old_name.as_str())
        .find(|old| matches!(catalog.lookup(old), Some(Lookup::Current(_))))
        .map(str::to_string)
}

/// `64MiB` written for a `*_in_kb` name → `65536`.
fn legacy_number(value: &str, unit: Unit) -> Option<String> {
    let dim = if unit == Unit::MbitPerS {
        Dimension::Rate
    } else {
        unit.dimension()
    };
    let q = Quantity::parse(value, dim).ok()?;
    let base = q.base();
    let f = unit.base_factor();
    // Round up: a limit rendered in a coarser legacy unit must not shrink.
    Some(base.div_ceil(f).to_string())
}

/// Applies every `SetConfig` fix for one file to its text.
pub fn apply(text: &str, fixes: &[&Fix]) -> String {
    let mut lines = lines::split(text, Breaks::Yaml);
    for fix in fixes {
        if let Fix::SetConfig {
            key,
            value,
            rename_from,
            ..
        } = fix
        {
            match (value, rename_from) {
                (Some(v), Some(old)) => {
                    if find_key_last(&lines, old).is_some() {
                        remove_all(&mut lines, key);
                        keep_last(&mut lines, old);
                    }
                    // Removing the new name's lines can take the old one with it (a block
                    // that held both): then the setting is written afresh.
                    match find_key_last(&lines, old) {
                        Some(i) => {
                            let end = block_end(&lines, i);
                            let new = lines[i].replaced(set_line(&lines[i], old, key, v));
                            lines.splice(i..end, [new]);
                        }
                        None => set(&mut lines, key, v),
                    }
                }
                (Some(v), None) => set(&mut lines, key, v),
                (None, _) => remove_all(&mut lines, key),
            }
        }
    }
    lines::join(&lines, text, Breaks::Yaml)
}

fn set(lines: &mut Vec<Line>, key: &str, value: &str) {
    keep_last(lines, key);
    if let Some(i) = find_key_last(lines, key) {
        let end = block_end(lines, i);
        let new = lines[i].replaced(set_line(&lines[i], key, key, value));
        lines.splice(i..end, [new]);
        return;
    }
    let new = Line::new(format!("{key}: {value}"));
    // Next to the stock file's commented-out example, so the setting sits with its docs.
    let commented = lines.iter().rposition(|l| {
        let t = l.trim_start_matches('#').trim_start();
        l.starts_with('#')
            && t.strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with(':'))
    });
    match commented {
        Some(i) => lines.insert(i + 1, new),
        None => lines.push(new),
    }
}

/// `old: value  # note` → `new: value2  # note`
fn set_line(line: &str, old: &str, new: &str, value: &str) -> String {
    let after = &line[old.len()..];
    let after = after.trim_start().strip_prefix(':').unwrap_or(after);
    let comment = find_comment(after).map(|c| after[c..].to_string());
    match comment {
        Some(c) => format!("{new}: {value} {c}"),
        None => format!("{new}: {value}"),
    }
}

/// Byte index of a ` #` comment start outside quotes.
fn find_comment(s: &str) -> Option<usize> {
    let mut quote = None;
    let mut prev_space = true;
    for (i, c) in s.char_indices() {
        match (c, quote) {
            ('"' | '\'', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            ('#', None) if prev_space => return Some(i),
            _ => {}
        }
        prev_space = c.is_whitespace();
    }
    None
}

fn is_key_line(line: &str, key: &str) -> bool {
    line.strip_prefix(key)
        .is_some_and(|r| r.trim_start().starts_with(':'))
}

fn find_key(lines: &[Line], key: &str) -> Option<usize> {
    lines.iter().position(|l| is_key_line(l, key))
}

fn find_key_last(lines: &[Line], key: &str) -> Option<usize> {
    lines.iter().rposition(|l| is_key_line(l, key))
}

/// One past the last line of the block that starts at `i` (its indented continuation).
fn block_end(lines: &[Line], i: usize) -> usize {
    let mut end = i + 1;
    let mut j = i + 1;
    while j < lines.len() {
        let l = &lines[j];
        if l.trim().is_empty() {
            j += 1;
            continue;
        }
        if l.starts_with(' ') || l.starts_with('\t') || l.starts_with('-') {
            j += 1;
            end = j;
            continue;
        }
        break;
    }
    end
}

/// Removes every occurrence of `key` and its block.
fn remove_all(lines: &mut Vec<Line>, key: &str) {
    while let Some(i) = find_key_last(lines, key) {
        let end = block_end(lines, i);
        lines.drain(i..end);
    }
}

/// Removes all but the last occurrence of `key` (the one SnakeYAML keeps).
fn keep_last(lines: &mut Vec<Line>, key: &str) {
    loop {
        let first = find_key(lines, key);
        let last = find_key_last(lines, key);
        match (first, last) {
            (Some(i), Some(j)) if i < j => {
                let end = block_end(lines, i);
                lines.drain(i..end);
            }
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Version;
    use crate::model::config::load;

    fn fix(key: &str, value: Option<&str>, rename: Option<&str>) -> Fix {
        Fix::SetConfig {
            file: "c.yaml".into(),
            key: key.into(),
            value: value.map(str::to_string),
            rename_from: rename.map(str::to_string),
            safety: Safety::Safe,
            description: String::new(),
        }
    }

    #[test]
    fn set_keeps_comments_and_order() {
        let text = "# top\na: 1  # keep me\n\n# b: 5\nc:\n  - x\n  - y\nd: 4\n";
        let out = apply(text, &[&fix("a", Some("2"), None)]);
        assert_eq!(
            out,
            "# top\na: 2 # keep me\n\n# b: 5\nc:\n  - x\n  - y\nd: 4\n"
        );
        let out = apply(text, &[&fix("b", Some("6"), None)]);
        assert_eq!(
            out,
            "# top\na: 1  # keep me\n\n# b: 5\nb: 6\nc:\n  - x\n  - y\nd: 4\n"
        );
        let out = apply(text, &[&fix("c", None, None)]);
        assert_eq!(out, "# top\na: 1  # keep me\n\n# b: 5\nd: 4\n");
        let out = apply(text, &[&fix("e", Some("7"), None)]);
        assert!(out.ends_with("d: 4\ne: 7\n"));
    }

    /// A file whose lines end in different ways (a few touched by a Windows editor) gets only
    /// the edited line changed; a key after a lone `\r`, which YAML reads as a line of its own,
    /// is replaced where it is instead of written a second time.
    #[test]
    fn edits_keep_other_lines_breaks() {
        let mixed = "a: 1\nb: 2\r\nc: 3\n";
        assert_eq!(
            apply(mixed, &[&fix("c", Some("4"), None)]),
            "a: 1\nb: 2\r\nc: 4\n"
        );
        let mac = "a: 1\rmemtable_allocation_type: heap_buffers\rc: 3\r";
        assert_eq!(
            apply(
                mac,
                &[&fix(
                    "memtable_allocation_type",
                    Some("offheap_objects"),
                    None
                )]
            ),
            "a: 1\rmemtable_allocation_type: offheap_objects\rc: 3\r"
        );
    }

    #[test]
    fn rename_replaces_the_old_line() {
        let text = "key_cache_size_in_mb: 100 # x\nother: 1\n";
        let out = apply(
            text,
            &[&fix(
                "key_cache_size",
                Some("100MiB"),
                Some("key_cache_size_in_mb"),
            )],
        );
        assert_eq!(out, "key_cache_size: 100MiB # x\nother: 1\n");
    }

    #[test]
    fn renders_in_the_files_own_syntax() {
        let c40 = load("c.yaml", "key_cache_size_in_mb: 100\n", Version::V4_0).unwrap();
        assert_eq!(
            render(&c40, "key_cache_size", "16MiB"),
            Some(("key_cache_size_in_mb".into(), "16".into()))
        );
        assert_eq!(
            render(&c40, "row_cache_size", "0MiB"),
            Some(("row_cache_size_in_mb".into(), "0".into()))
        );
        let c50 = load("c.yaml", "key_cache_size_in_mb: 100\n", Version::V5_0).unwrap();
        assert_eq!(
            render(&c50, "key_cache_size", "16MiB"),
            Some(("key_cache_size_in_mb".into(), "16".into()))
        );
        assert_eq!(
            render(&c50, "row_cache_size", "0MiB"),
            Some(("row_cache_size".into(), "0MiB".into()))
        );
        let c311 = load("c.yaml", "cluster_name: x\n", Version::V3_11).unwrap();
        assert_eq!(
            render(&c311, "read_request_timeout", "5s"),
            Some(("read_request_timeout_in_ms".into(), "5000".into()))
        );
    }
}
