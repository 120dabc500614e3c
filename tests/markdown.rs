//! `--format markdown` for lint and analyze: a short summary that agrees with the JSON, the top
//! findings grouped across subjects with evidence and a fix block, counts per family, what was
//! not checked, and the count of what was left out; escaped, deterministic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_casstune"))
        .current_dir(root())
        .args(args)
        .output()
        .unwrap()
}

fn out(args: &[&str]) -> String {
    let o = run(args);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&out(args)).unwrap()
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("casstune-md-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The numbered items of "Top findings" (their first lines).
fn items(md: &str) -> Vec<&str> {
    md.lines()
        .filter(|l| {
            let digits = l.chars().take_while(char::is_ascii_digit).count();
            digits > 0 && l[digits..].starts_with(". **")
        })
        .collect()
}

/// How many findings one item stands for: `on 3 nodes: …`, `(5 findings)`, else 1.
fn weight(item: &str) -> usize {
    if let Some(i) = item.find(" findings)") {
        let start = item[..i].rfind('(').unwrap() + 1;
        return item[start..i].parse().unwrap();
    }
    let Some(i) = item.find(" on ") else { return 1 };
    let rest = &item[i + 4..];
    let n: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if !n.is_empty() && rest[n.len()..].starts_with(' ') && rest.contains(": ") {
        n.parse().unwrap()
    } else {
        1
    }
}

/// Lines outside fenced code blocks.
fn prose(md: &str) -> Vec<&str> {
    let mut fence: Option<String> = None;
    let mut v = Vec::new();
    for l in md.lines() {
        let t = l.trim_start();
        if t.starts_with("```") {
            let ticks: String = t.chars().take_while(|c| *c == '`').collect();
            match &fence {
                Some(f) if *f == ticks && t == ticks => fence = None,
                None => fence = Some(ticks),
                _ => {}
            }
            continue;
        }
        if fence.is_none() {
            v.push(l);
        }
    }
    assert!(fence.is_none(), "an unclosed code fence");
    v
}

fn summary_counts(j: &Value) -> (u64, u64, u64) {
    let s = &j["summary"];
    (
        s["error"].as_u64().unwrap(),
        s["warning"].as_u64().unwrap(),
        s["info"].as_u64().unwrap(),
    )
}

#[test]
fn analyze_markdown_summarises_groups_and_agrees_with_json() {
    let md = out(&["analyze", "--format", "markdown", "examples/demo.snap"]);
    let j = json(&["analyze", "--format", "json", "examples/demo.snap"]);
    let (e, w, i) = summary_counts(&j);
    let total = e + w + i;
    let lines: Vec<&str> = md.lines().collect();
    assert_eq!(lines[0], "### casstune");
    assert!(
        lines[2].starts_with(&format!("**{total} findings**: {e} errors, {w} warnings, {i} info on 3 nodes: 127.0.0.1, 127.0.0.2, 127.0.0.3 (Cassandra 5.0)")),
        "{}",
        lines[2]
    );
    let top = items(&md);
    assert!(!top.is_empty() && top.len() <= 10, "{top:?}");
    // The same finding on the three nodes is one item.
    let sec = top
        .iter()
        .find(|l| l.contains("`SEC-001`"))
        .expect("SEC-001 is among the top");
    assert!(
        sec.ends_with("on 3 nodes: 127.0.0.1, 127.0.0.2, 127.0.0.3"),
        "{sec}"
    );
    // Items appear in rank order: the first item is the JSON's first finding.
    let first = &j["findings"][0];
    assert!(
        top[0].contains(&format!(
            "**{}** `{}`",
            first["severity"].as_str().unwrap(),
            first["rule"].as_str().unwrap()
        )),
        "{}",
        top[0]
    );
    // Evidence and the fix as a real patch of that node's file.
    assert!(
        md.contains("- evidence: `authenticator` = `AllowAllAuthenticator`"),
        "{md}"
    );
    assert!(
        md.contains("```diff\n     --- a/nodes/127.0.0.1/files/cassandra.yaml\n"),
        "{md}"
    );
    assert!(md.contains("\n     -authenticator: AllowAllAuthenticator\n     +authenticator: PasswordAuthenticator\n"), "{md}");
    // Counts per family add up to the total.
    let fam: Vec<&str> = md
        .lines()
        .skip_while(|l| *l != "#### By family")
        .skip(4)
        .take_while(|l| l.starts_with("| "))
        .collect();
    assert!(!fam.is_empty());
    let sum: u64 = fam
        .iter()
        .map(|l| {
            l.split('|')
                .skip(2)
                .take(3)
                .map(|c| c.trim().parse::<u64>().unwrap())
                .sum::<u64>()
        })
        .sum();
    assert_eq!(sum, total);
    // What was left out is counted and says how to see it.
    let shown: usize = top.iter().map(|l| weight(l)).sum();
    let more = total as usize - shown;
    if more > 0 {
        assert!(md.contains(&format!("_{more} more finding{}: raise `--top` or run `casstune analyze … --format table` to see every finding._", if more == 1 { "" } else { "s" })), "{md}");
    } else {
        assert!(!md.contains("more finding"), "{md}");
    }
    // Not checked: one line per reason.
    let not_checked = j["not_checked"].as_array().unwrap();
    let mut reasons: Vec<&str> = not_checked
        .iter()
        .map(|n| n["reason"].as_str().unwrap())
        .collect();
    reasons.sort();
    reasons.dedup();
    let nc: Vec<&str> = md
        .lines()
        .skip_while(|l| *l != "#### Not checked")
        .skip(2)
        .take_while(|l| l.starts_with("- "))
        .collect();
    assert_eq!(nc.len(), reasons.len(), "{nc:?}");
    // Deterministic.
    assert_eq!(
        md,
        out(&["analyze", "--format", "markdown", "examples/demo.snap"])
    );
}

#[test]
fn lint_markdown_keeps_ten_items_and_points_at_the_rest() {
    let md = out(&["lint", "--format", "markdown", "examples/demo/conf"]);
    let j = json(&["lint", "--format", "json", "examples/demo/conf"]);
    let (e, w, i) = summary_counts(&j);
    let total = (e + w + i) as usize;
    assert!(total > 10, "the demo conf has more than ten findings");
    let top = items(&md);
    assert_eq!(top.len(), 10);
    assert!(top[9].starts_with("10. "));
    // The tenth item's lines are indented to its content column, not the single-digit one.
    let after_ten: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("10. "))
        .skip(1)
        .take(2)
        .collect();
    assert!(
        after_ten.iter().all(|l| l.starts_with("    - ")),
        "{after_ten:?}"
    );
    let shown: usize = top.iter().map(|l| weight(l)).sum();
    assert!(
        md.contains(&format!(
            "_{} more findings: run `casstune lint … --format table` to see every finding._",
            total - shown
        )),
        "{md}"
    );
    // Blocking findings are marked; rule prose keeps its code spans.
    assert!(top[0].contains("**[blocks startup]**"), "{}", top[0]);
    assert!(md.contains("- `concurent_compactors` is not a Cassandra 4.1 setting (did you mean `concurrent_compactors`?)"), "{md}");
    assert!(
        md.contains("     -concurent_compactors: 4\n     +concurrent_compactors: 4\n"),
        "{md}"
    );
    // JVM fixes are diffs of the options file.
    assert!(
        md.contains("--- a/examples/demo/conf/jvm11-server.options"),
        "{md}"
    );
    // Not checked: one line per reason, its rules in order, at most six named.
    let nc = j["not_checked"].as_array().unwrap();
    let mut reasons: Vec<&str> = nc.iter().map(|n| n["reason"].as_str().unwrap()).collect();
    reasons.sort();
    reasons.dedup();
    let lines: Vec<&str> = md
        .lines()
        .skip_while(|l| *l != "#### Not checked")
        .skip(2)
        .take_while(|l| l.starts_with("- "))
        .collect();
    assert_eq!(lines.len(), reasons.len(), "{lines:?}");
    for r in reasons {
        let mut rules: Vec<&str> = nc
            .iter()
            .filter(|n| n["reason"] == r)
            .map(|n| n["rule"].as_str().unwrap())
            .collect();
        rules.sort();
        rules.dedup();
        let mut ids = rules.iter().take(6).copied().collect::<Vec<_>>().join(", ");
        if rules.len() > 6 {
            ids.push_str(&format!(" and {} more", rules.len() - 6));
        }
        let subjects: std::collections::BTreeSet<&str> = nc
            .iter()
            .filter(|n| n["reason"] == r)
            .map(|n| n["subject"].as_str().unwrap())
            .collect();
        let label = match subjects.len() {
            1 if subjects.contains("cluster") => "the cluster".to_string(),
            1 if subjects.contains("examples/demo/conf") => "1 config".to_string(),
            n => format!("{n} subjects"),
        };
        let want = format!(
            "- {}: {ids} ({label})",
            r.replace('_', "\\_").replace('>', "\\>")
        );
        assert!(
            lines.contains(&want.as_str()),
            "{want}\nnot in\n{}",
            lines.join("\n")
        );
    }
}

#[test]
fn markdown_special_characters_in_findings_are_escaped() {
    let d = tmpdir("escape");
    // Unknown keys with Markdown and table syntax in their names.
    std::fs::write(
        d.join("cassandra.yaml"),
        "cluster_name: 'a|b'\nnum_tokens: 16\n\"foo|bar\": 1\n\"*bold*_x_<b>\": 2\n\"tick`s\": 3\n",
    )
    .unwrap();
    let md = out(&[
        "lint",
        "--cassandra-version",
        "5.0",
        "--format",
        "markdown",
        d.to_str().unwrap(),
    ]);
    assert!(md.contains(r"`foo\|bar`"), "{md}");
    assert!(md.contains("`*bold*_x_<b>`"), "{md}");
    assert!(md.contains("`` tick`s ``"), "{md}");
    for l in prose(&md) {
        if l.starts_with('|') {
            continue; // the family table's own pipes
        }
        let bytes = l.as_bytes();
        for (k, b) in bytes.iter().enumerate() {
            if *b == b'|' {
                assert!(k > 0 && bytes[k - 1] == b'\\', "an unescaped pipe: {l}");
            }
        }
        assert!(
            !l.contains("<b>") || l.contains("`*bold*_x_<b>`"),
            "raw HTML outside code: {l}"
        );
    }
    // The family table has exactly four cells per row.
    for l in md.lines().filter(|l| l.starts_with("| ")) {
        assert_eq!(l.matches(" | ").count(), 3, "{l}");
    }
}

#[test]
fn no_findings_left_says_so_and_counts_the_baseline() {
    let d = tmpdir("clean");
    let base = d.join("baseline.json");
    let o = run(&[
        "lint",
        "--write-baseline",
        base.to_str().unwrap(),
        "examples/demo/conf",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let j = json(&["lint", "--format", "json", "examples/demo/conf"]);
    let (e, w, i) = summary_counts(&j);
    let md = out(&[
        "lint",
        "--baseline",
        base.to_str().unwrap(),
        "--format",
        "markdown",
        "examples/demo/conf",
    ]);
    assert_eq!(
        md.lines().nth(2).unwrap(),
        format!(
            "**No findings** on examples/demo/conf (Cassandra 4.1); {} in the baseline",
            e + w + i
        )
    );
    assert!(!md.contains("#### Top findings"), "{md}");
    assert!(!md.contains("#### By family"), "{md}");
    assert!(!md.contains("more finding"), "{md}");
    assert!(md.contains("#### Not checked"), "{md}");
}

#[test]
fn running_settings_fixes_say_there_was_no_file() {
    // The idle recording has no cassandra.yaml: each node's settings come from
    // system_views.settings, and a fix cannot be a patch of a file nobody collected.
    let md = out(&[
        "analyze",
        "--format",
        "markdown",
        "fixtures/snapshots/cluster3-idle.snap",
    ]);
    assert!(
        md.contains("where: `system_views.settings@127.0.0.1:"),
        "{md}"
    );
    assert!(
        md.contains("     # cassandra.yaml of 127.0.0.1 (its running settings were read; no file was collected)\n     -auto_snapshot: false\n     +auto_snapshot: true\n"),
        "{md}"
    );
    assert!(!md.contains("--- a/system_views.settings@"), "{md}");
}

#[test]
fn analyze_top_n_lists_that_many_items_in_rank_order() {
    let snap = "examples/demo.snap";
    let default = out(&["analyze", "--format", "markdown", snap]);
    assert_eq!(
        default,
        out(&["analyze", "--format", "markdown", "--top", "10", snap]),
        "the default stays 10"
    );
    let j = json(&["analyze", "--format", "json", snap]);
    let (e, w, i) = summary_counts(&j);
    let total = (e + w + i) as usize;

    let three = out(&["analyze", "--format", "markdown", "--top", "3", snap]);
    let top3 = items(&three);
    assert_eq!(top3.len(), 3, "{three}");
    // The same ranking, cut earlier: the three are the default's first three.
    assert_eq!(top3, items(&default)[..3].to_vec());
    let shown: usize = top3.iter().map(|l| weight(l)).sum();
    assert!(
        three.contains(&format!(
            "_{} more findings: raise `--top` or run `casstune analyze … --format table` to see every finding._",
            total - shown
        )),
        "{three}"
    );
    // The family counts still cover every finding, shown or not.
    let families = |md: &str| -> Vec<String> {
        md.lines()
            .skip_while(|l| *l != "#### By family")
            .skip(2)
            .take_while(|l| l.starts_with("| "))
            .map(str::to_string)
            .collect()
    };
    assert!(!families(&three).is_empty());
    assert_eq!(families(&three), families(&default));

    // More than there are: every finding is listed, nothing is left out.
    let all = out(&["analyze", "--format", "markdown", "--top", "1000", snap]);
    let every = items(&all);
    assert!(every.len() > 10, "the demo has more than ten groups");
    assert_eq!(every.iter().map(|l| weight(l)).sum::<usize>(), total);
    assert!(!all.contains("more finding"), "{all}");
}

#[test]
fn top_is_refused_where_it_cannot_apply() {
    let o = run(&[
        "analyze",
        "--format",
        "table",
        "--top",
        "3",
        "examples/demo.snap",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--top applies to --format markdown"), "{err}");
    assert!(o.stdout.is_empty());
    let o = run(&[
        "analyze",
        "--format",
        "markdown",
        "--top",
        "0",
        "examples/demo.snap",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("'--top <N>'"));
    // lint's Markdown has no --top.
    let o = run(&[
        "lint",
        "--format",
        "markdown",
        "--top",
        "3",
        "examples/demo/conf",
    ]);
    assert_eq!(o.status.code(), Some(2));
}
