//! `casstune diff` on real snapshots: the bundled demo and the idle recording of the same
//! 3-node cluster, and "after" snapshots made by editing one member of the demo (a
//! cassandra.yaml line, a scrape value, a node left out), so the diff must report exactly
//! that change.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use casstune::snapshot::Archive;
use serde_json::Value;

const DEMO: &str = "examples/demo.snap";
const IDLE: &str = "fixtures/snapshots/cluster3-idle.snap";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_casstune"))
        .current_dir(root())
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .unwrap()
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("casstune-diff-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// One diff, computed in-process (the CLI's own `casstune::diff::run`) and rendered in every
/// format: a debug-build diff costs seconds, so each pair is diffed once per test run.
struct Out {
    json: Value,
    table: String,
    markdown: String,
    html: String,
    /// The exit code the CLI would return.
    code: i32,
}

fn lib(old: &str, new: &str, extra: &[&str]) -> std::sync::Arc<Out> {
    use casstune::diff::{DiffFormat, DiffOptions, render};
    type Cache = Vec<(String, std::sync::Arc<Out>)>;
    static CACHE: std::sync::Mutex<Cache> = std::sync::Mutex::new(Vec::new());
    let key = format!("{old}\u{0}{new}\u{0}{}", extra.join("\u{0}"));
    if let Some((_, o)) = CACHE.lock().unwrap().iter().find(|(k, _)| *k == key) {
        return o.clone();
    }
    let mut opts = DiffOptions {
        format: DiffFormat::Json,
        fail_on: casstune::engine::Severity::Error,
        rules_dir: None,
    };
    for pair in extra.chunks(2) {
        match pair {
            ["--fail-on", s] => opts.fail_on = s.parse().unwrap(),
            ["--rules", d] => opts.rules_dir = Some(root().join(d)),
            _ => panic!("not a diff option here: {pair:?}"),
        }
    }
    let (a, b) = (
        Archive::read(&root().join(old)).unwrap(),
        Archive::read(&root().join(new)).unwrap(),
    );
    let run = casstune::diff::run(&a, &b, (old, new), &opts).unwrap();
    let out = std::sync::Arc::new(Out {
        json: serde_json::from_str(&run.output).unwrap(),
        table: render(&run.diff, DiffFormat::Table),
        markdown: render(&run.diff, DiffFormat::Markdown),
        html: render(&run.diff, DiffFormat::Html),
        code: if run.failed { 1 } else { 0 },
    });
    CACHE.lock().unwrap().push((key, out.clone()));
    out
}

fn diff_json(old: &str, new: &str, extra: &[&str]) -> (Value, i32) {
    let o = lib(old, new, extra);
    (o.json.clone(), o.code)
}

/// The diff in a format other than JSON.
fn text(format: &str, old: &str, new: &str) -> String {
    let o = lib(old, new, &[]);
    match format {
        "table" => o.table.clone(),
        "markdown" => o.markdown.clone(),
        "html" => o.html.clone(),
        f => panic!("{f}"),
    }
}

/// The demo snapshot with one member replaced by `edit(text)`, written to `dir/name`.
fn edited(dir: &Path, name: &str, member: &str, edit: impl Fn(&str) -> String) -> String {
    let mut a = Archive::read(&root().join(DEMO)).unwrap();
    let text = a
        .get_text(member)
        .unwrap_or_else(|| panic!("{DEMO} has no member {member}"))
        .to_string();
    let new = edit(&text);
    assert_ne!(new, text, "the edit of {member} changed nothing");
    a.put(member, new.into_bytes());
    let p = dir.join(name);
    a.write(&p, &[]).unwrap();
    p.display().to_string()
}

/// Findings `casstune analyze` reports on a snapshot (on one subject, when given): what the
/// diff must find unchanged, resolved or new. The rule set grows; the counts follow it. Run
/// in-process (archive → model → engine, as `analyze` does), so the counts come from the same
/// build as the diffs they are compared with.
fn analyzed(snap: &str, subject: Option<&str>) -> usize {
    analysis(snap)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| subject.is_none_or(|s| f["subject"] == s))
        .count()
}

/// `{"findings": [...]}` of a snapshot, as `analyze --format json` has them.
fn analysis(snap: &str) -> Value {
    let archive = Archive::read(&root().join(snap)).unwrap();
    let snapshot = casstune::analyze::load::snapshot(&archive, &mut Vec::new());
    let outcome = casstune::engine::Engine::standard().unwrap().run(&snapshot);
    serde_json::json!({ "findings": outcome.findings })
}

/// `rule subject` of each finding in a list.
fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule"].as_str().unwrap(),
                f["subject"].as_str().unwrap()
            )
        })
        .collect()
}

/// A finding names `what` in its message or evidence: a consequence of changing `what`.
fn about(f: &Value, what: &str) -> bool {
    f["message"].as_str().unwrap().contains(what)
        || f["evidence"].as_array().unwrap().iter().any(|e| {
            e["name"].as_str().unwrap().contains(what)
                || e["observed"].as_str().unwrap_or("").contains(what)
        })
}

fn len(v: &Value) -> usize {
    v.as_array().map(Vec::len).unwrap_or(usize::MAX)
}

#[test]
fn a_snapshot_against_itself_has_no_differences() {
    let (j, code) = diff_json(DEMO, DEMO, &[]);
    assert_eq!(code, 0);
    assert_eq!(len(&j["settings"]), 0, "{}", j["settings"]);
    assert_eq!(len(&j["jvm_options"]), 0);
    assert_eq!(len(&j["metrics"]), 0, "{}", j["metrics"]);
    assert_eq!(len(&j["findings"]["new"]), 0);
    assert_eq!(len(&j["findings"]["resolved"]), 0);
    assert_eq!(len(&j["findings"]["unchanged"]), analyzed(DEMO, None));
    assert!(len(&j["findings"]["unchanged"]) > 0);
    assert!(
        j["summary"]["metrics_compared"].as_u64().unwrap() > 100,
        "{}",
        j["summary"]
    );
    assert_eq!(
        j["nodes"]["matched"],
        serde_json::json!(["127.0.0.1", "127.0.0.2", "127.0.0.3"])
    );
    // Through the CLI once: the same bytes as the library renders.
    let o = run(&["diff", DEMO, DEMO]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), text("table", DEMO, DEMO));
    for f in ["table", "markdown", "html"] {
        assert!(
            text(f, DEMO, DEMO).contains("No differences."),
            "{f}: {}",
            text(f, DEMO, DEMO)
        );
    }
}

#[test]
fn a_changed_setting_is_reported_exactly() {
    // 32 stays within HW-002's 16 per disk × 2 on the demo's one data disk.
    let d = tmpdir("setting");
    let after = edited(
        &d,
        "after.snap",
        "nodes/127.0.0.1/files/cassandra.yaml",
        |t| t.replace("concurrent_reads: 16\n", "concurrent_reads: 32\n"),
    );
    let (j, code) = diff_json(DEMO, &after, &[]);
    assert_eq!(code, 0);
    assert_eq!(
        j["settings"],
        serde_json::json!([{"node": "127.0.0.1", "setting": "concurrent_reads", "old": "16", "new": "32"}])
    );
    assert_eq!(len(&j["metrics"]), 0);
    assert_eq!(len(&j["findings"]["resolved"]), 0);
    // Whatever is new is about that setting (one node now differs from the others).
    for f in j["findings"]["new"].as_array().unwrap() {
        assert!(
            about(f, "concurrent_reads"),
            "a new finding unrelated to the change: {f}"
        );
    }
    assert_eq!(
        len(&j["findings"]["unchanged"]) + len(&j["findings"]["new"]),
        analyzed(&after, None)
    );
    assert_eq!(len(&j["notes"]), 0, "{}", j["notes"]);

    let table = text("table", DEMO, &after);
    assert!(table.contains("1 setting changed"), "{table}");
    let row = table
        .lines()
        .find(|l| l.contains("concurrent_reads"))
        .expect(&table);
    assert!(
        row.contains("127.0.0.1") && row.contains("16") && row.contains("32"),
        "{row}"
    );
    let md = text("markdown", DEMO, &after);
    assert!(
        md.contains("| 127.0.0.1 | `concurrent_reads` | `16` | `32` |"),
        "{md}"
    );
    let html = text("html", DEMO, &after);
    assert!(
        html.contains(
            "<code>concurrent_reads</code></td><td><code>16</code></td><td><code>32</code>"
        ),
        "{html}"
    );
}

#[test]
fn the_same_change_on_every_node_is_one_markdown_row() {
    let d = tmpdir("all-nodes");
    let mut a = Archive::read(&root().join(DEMO)).unwrap();
    for n in ["127.0.0.1", "127.0.0.2", "127.0.0.3"] {
        let m = format!("nodes/{n}/files/cassandra.yaml");
        let t = a
            .get_text(&m)
            .unwrap()
            .replace("concurrent_writes: 16\n", "concurrent_writes: 32\n");
        a.put(m, t.into_bytes());
    }
    let p = d.join("after.snap");
    a.write(&p, &[]).unwrap();
    let md = text("markdown", DEMO, p.to_str().unwrap());
    assert!(
        md.contains(
            "| all 3 nodes: 127.0.0.1, 127.0.0.2, 127.0.0.3 | `concurrent_writes` | `16` | `32` |"
        ),
        "{md}"
    );
    let (j, _) = diff_json(DEMO, p.to_str().unwrap(), &[]);
    assert_eq!(len(&j["settings"]), 3);

    // The same new finding on the three nodes is one line too.
    for n in ["127.0.0.1", "127.0.0.2", "127.0.0.3"] {
        let m = format!("nodes/{n}/files/cassandra.yaml");
        let t = format!("{}row_cache_size: 64MiB\n", a.get_text(&m).unwrap());
        a.put(m, t.into_bytes());
    }
    let p = d.join("after-row-cache.snap");
    a.write(&p, &[]).unwrap();
    let md = text("markdown", DEMO, p.to_str().unwrap());
    let lines: Vec<&str> = md.lines().filter(|l| l.contains("`CACHE-001`")).collect();
    assert_eq!(lines.len(), 1, "{md}");
    assert!(
        lines[0].starts_with("- **warning** `CACHE-001` row-cache-enabled on 3 nodes: 127.0.0.1, 127.0.0.2, 127.0.0.3: "),
        "{md}"
    );
}

#[test]
fn jvm_options_added_and_removed_per_node() {
    let d = tmpdir("jvm");
    let with = |heap: &str, name: &str| {
        let mut a = Archive::read(&root().join(DEMO)).unwrap();
        a.put(
            "nodes/127.0.0.1/files/jvm-server.options",
            format!("# heap\n-Xms{heap}\n-Xmx{heap}\n-XX:+UseG1GC\n").into_bytes(),
        );
        let p = d.join(name);
        a.write(&p, &[]).unwrap();
        p.display().to_string()
    };
    let (old, new) = (with("1G", "old.snap"), with("2G", "new.snap"));
    let (j, _) = diff_json(&old, &new, &[]);
    assert_eq!(
        j["jvm_options"],
        serde_json::json!([{"node": "127.0.0.1", "removed": ["-Xms1G", "-Xmx1G"], "added": ["-Xms2G", "-Xmx2G"]}])
    );
    assert_eq!(len(&j["settings"]), 0);
    let md = text("markdown", &old, &new);
    assert!(
        md.contains(
            "- 127.0.0.1: removed `-Xms1G`, removed `-Xmx1G`, added `-Xms2G`, added `-Xmx2G`"
        ),
        "{md}"
    );
    let (same, _) = diff_json(&old, &old, &[]);
    assert_eq!(len(&same["jvm_options"]), 0);
}

#[test]
fn new_findings_set_the_exit_code_and_reversed_they_are_resolved() {
    let d = tmpdir("findings");
    // A misspelt key (error, blocks startup) and a row cache (warning) on one node.
    let after = edited(
        &d,
        "after.snap",
        "nodes/127.0.0.2/files/cassandra.yaml",
        |t| format!("{t}concurent_reads: 32\nrow_cache_size: 512MiB\n"),
    );
    let (j, code) = diff_json(DEMO, &after, &[]);
    assert_eq!(code, 1, "a new error fails the default --fail-on error");
    let new = ids(&j["findings"]["new"]);
    // In rank order: the error first.
    assert_eq!(new[0], "CFG-001 127.0.0.2");
    assert_eq!(j["findings"]["new"][0]["severity"], "error");
    assert!(new.contains(&"CACHE-001 127.0.0.2".to_string()), "{new:?}");
    for f in j["findings"]["new"].as_array().unwrap() {
        assert!(
            about(f, "concurent_reads") || about(f, "row_cache_size") || about(f, "row cache"),
            "a new finding unrelated to the change: {f}"
        );
    }
    assert_eq!(len(&j["findings"]["resolved"]), 0);
    assert_eq!(len(&j["findings"]["unchanged"]), analyzed(DEMO, None));
    assert_eq!(
        j["settings"],
        serde_json::json!([{"node": "127.0.0.2", "setting": "row_cache_size", "old": "0MiB (default)", "new": "512MiB"}])
    );

    // Reversed: exactly those are resolved, nothing is new, so nothing fails.
    let (r, code) = diff_json(&after, DEMO, &["--fail-on", "info"]);
    assert_eq!(code, 0);
    assert_eq!(len(&r["findings"]["new"]), 0);
    assert_eq!(ids(&r["findings"]["resolved"]), new);

    // Only the warning is new: exit 0 unless --fail-on warning.
    let warn_only = edited(
        &d,
        "warn.snap",
        "nodes/127.0.0.2/files/cassandra.yaml",
        |t| format!("{t}row_cache_size: 512MiB\n"),
    );
    assert_eq!(diff_json(DEMO, &warn_only, &[]).1, 0);
    assert_eq!(diff_json(DEMO, &warn_only, &["--fail-on", "warning"]).1, 1);
    // The CLI's exit codes are those.
    assert_eq!(run(&["diff", DEMO, &after]).status.code(), Some(1));
    assert_eq!(run(&["diff", DEMO, &warn_only]).status.code(), Some(0));
    assert_eq!(
        run(&[
            "diff",
            "--fail-on",
            "warning",
            "--format",
            "json",
            DEMO,
            &warn_only
        ])
        .status
        .code(),
        Some(1)
    );
    let md = text("markdown", DEMO, &after);
    assert!(md.contains("#### New findings"), "{md}");
    assert!(
        md.contains("**warning** `CACHE-001` row-cache-enabled on 127.0.0.2: "),
        "{md}"
    );
}

#[test]
fn a_changed_scrape_value_is_one_metric_with_its_verdict() {
    let d = tmpdir("metric");
    let member = "nodes/127.0.0.2/metrics/scrape-1.prom";
    let prefix =
        "cassandra_clientrequest_latency_quantile{clientrequest=\"Read\",quantile=\"0.99\"} ";
    let demo = Archive::read(&root().join(DEMO)).unwrap();
    let line = demo
        .get_text(member)
        .unwrap()
        .lines()
        .find(|l| l.starts_with(prefix))
        .expect("the scrape has the coordinator read p99")
        .to_string();
    let old: f64 = line[prefix.len()..].trim().parse().unwrap();
    assert!(old > 0.0);
    let after = edited(&d, "after.snap", member, |t| {
        t.replace(&line, &format!("{prefix}{:.1}", old * 4.0))
    });
    let (j, code) = diff_json(DEMO, &after, &[]);
    assert_eq!(code, 0);
    assert_eq!(len(&j["settings"]), 0);
    assert_eq!(len(&j["findings"]["new"]), 0);
    let m = j["metrics"].as_array().unwrap();
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0]["node"], "127.0.0.2");
    assert_eq!(m[0]["key"], "clientrequest.read.latency.p99_us");
    assert_eq!(m[0]["direction"], "up");
    assert_eq!(m[0]["verdict"], "worse");
    assert_eq!(m[0]["old"].as_f64().unwrap(), old);
    assert_eq!(m[0]["new"].as_f64().unwrap(), old * 4.0);
    assert_eq!(m[0]["change_pct"].as_f64().unwrap().round(), 300.0);
    // And back again it is better.
    let (r, _) = diff_json(&after, DEMO, &[]);
    assert_eq!(r["metrics"][0]["verdict"], "better");
    let table = text("table", DEMO, &after);
    let row = table
        .lines()
        .find(|l| l.contains("coordinator read p99"))
        .expect(&table);
    assert!(
        row.contains("127.0.0.2") && row.contains("+300 %") && row.contains("worse"),
        "{row}"
    );
}

#[test]
fn nodes_only_on_one_side_are_listed_with_their_findings() {
    let d = tmpdir("nodes");
    let mut a = Archive::read(&root().join(DEMO)).unwrap();
    a.manifest.nodes.retain(|n| n.id != "127.0.0.3");
    let p = d.join("two.snap");
    a.write(&p, &[]).unwrap();
    let two = p.to_str().unwrap();
    let (j, code) = diff_json(DEMO, two, &[]);
    assert_eq!(code, 0);
    assert_eq!(j["nodes"]["only_old"], serde_json::json!(["127.0.0.3"]));
    assert_eq!(len(&j["nodes"]["only_new"]), 0);
    // What was found on 127.0.0.3 is gone (but what the traces, which still name it, say
    // about it); nothing on the other two nodes moved.
    let on_node3 = analyzed(DEMO, Some("127.0.0.3"));
    assert!(on_node3 > 0);
    let resolved = ids(&j["findings"]["resolved"]);
    assert_eq!(
        resolved
            .iter()
            .filter(|f| f.ends_with(" 127.0.0.3"))
            .count(),
        on_node3 - analyzed(two, Some("127.0.0.3"))
    );
    assert!(resolved.iter().any(|f| f.ends_with(" 127.0.0.3")));
    for list in ["resolved", "new"] {
        assert!(
            !ids(&j["findings"][list])
                .iter()
                .any(|f| f.ends_with(" 127.0.0.1") || f.ends_with(" 127.0.0.2")),
            "{list}: {}",
            j["findings"][list]
        );
    }
    let (r, _) = diff_json(two, DEMO, &[]);
    assert_eq!(r["nodes"]["only_new"], serde_json::json!(["127.0.0.3"]));
    assert_eq!(ids(&r["findings"]["new"]), resolved);
    let table = text("table", two, DEMO);
    assert!(table.contains("only in new: 127.0.0.3"), "{table}");
}

#[test]
fn two_real_recordings_of_one_cluster() {
    // The idle recording read each node's settings from system_views.settings; the demo from
    // its cassandra.yaml. Findings must still pair up, and only settings given on both sides
    // are compared (said in a note).
    let (j, code) = diff_json(IDLE, DEMO, &[]);
    let (idle, demo) = (analysis(IDLE), analysis(DEMO));
    let count = |v: &Value| v["findings"].as_array().unwrap().len();
    assert_eq!(
        code,
        if j["findings"]["new"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["severity"] == "error")
        {
            1
        } else {
            0
        }
    );
    assert_eq!(len(&j["nodes"]["matched"]), 3);
    let (new, resolved, unchanged) = (
        len(&j["findings"]["new"]),
        len(&j["findings"]["resolved"]),
        len(&j["findings"]["unchanged"]),
    );
    assert_eq!(unchanged + new, count(&demo));
    assert_eq!(unchanged + resolved, count(&idle));
    // What is new or resolved is a rule that fired on that node on one side only (the metric
    // rules see the load the demo was recorded under), never a config finding that moved
    // from system_views.settings to cassandra.yaml.
    let fired = |doc: &Value, f: &Value| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["rule"] == f["rule"] && g["subject"] == f["subject"])
    };
    for f in j["findings"]["new"].as_array().unwrap() {
        assert!(
            !fired(&idle, f),
            "new, but the idle recording has it too: {f}"
        );
    }
    for f in j["findings"]["resolved"].as_array().unwrap() {
        assert!(!fired(&demo, f), "resolved, but the demo has it too: {f}");
    }
    assert!(
        unchanged >= 24,
        "the config findings of the three nodes pair up: {unchanged}"
    );
    assert_eq!(len(&j["settings"]), 0, "{}", j["settings"]);
    let metrics = j["metrics"].as_array().unwrap();
    assert!(!metrics.is_empty());
    for m in metrics {
        let up = m["new"].as_f64().unwrap() > m["old"].as_f64().unwrap();
        assert_eq!(m["direction"], if up { "up" } else { "down" }, "{m}");
        let higher_is_better = m["name"].as_str().unwrap().contains("hit_ratio");
        let better = up == higher_is_better;
        assert_eq!(m["verdict"], if better { "better" } else { "worse" }, "{m}");
    }
    // The demo was recorded under load: its coordinator read p99 on 127.0.0.1 is far worse.
    let read = metrics
        .iter()
        .find(|m| m["node"] == "127.0.0.1" && m["key"] == "clientrequest.read.latency.p99_us")
        .expect("coordinator read p99 of 127.0.0.1 moved");
    assert_eq!(read["verdict"], "worse");
    // Reversed, every verdict flips.
    let (r, _) = diff_json(DEMO, IDLE, &[]);
    assert_eq!(len(&r["metrics"]), metrics.len());
    for (a, b) in metrics.iter().zip(r["metrics"].as_array().unwrap()) {
        assert_eq!(a["key"], b["key"]);
        assert_ne!(a["verdict"], b["verdict"]);
    }
}

#[test]
fn every_format_is_deterministic_and_html_is_self_contained() {
    let d = tmpdir("formats");
    let after = edited(
        &d,
        "after.snap",
        "nodes/127.0.0.1/files/cassandra.yaml",
        |t| {
            format!(
                "{}row_cache_size: 64MiB\n",
                t.replace("concurrent_reads: 16\n", "concurrent_reads: 8\n")
            )
        },
    );
    for f in ["table", "json", "markdown", "html"] {
        let a = run(&["diff", "--format", f, IDLE, &after]);
        let b = run(&["diff", "--format", f, IDLE, &after]);
        assert_eq!(a.stdout, b.stdout, "{f} differs between two runs");
        assert!(!a.stdout.is_empty());
    }
    let html = text("html", IDLE, &after);
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..100]);
    assert!(html.trim_end().ends_with("</html>"));
    for external in ["<script", "<link", "src=", "href=", "@import", "url("] {
        assert!(
            !html.contains(external),
            "HTML refers to something outside: {external}"
        );
    }
    assert!(html.contains("class=\"worse\">worse</td>"), "{html}");
    let html = text("html", DEMO, &after);
    let (j, _) = diff_json(DEMO, &after, &[]);
    let new = len(&j["findings"]["new"]);
    assert!(new >= 1);
    assert!(
        html.contains(&format!("<h2>New findings ({new})</h2>")),
        "{html}"
    );
    assert!(
        html.contains("<td class=\"warning\">warning</td><td><code>CACHE-001</code>"),
        "{html}"
    );
}

#[test]
fn unreadable_inputs_exit_2_naming_the_file() {
    let o = run(&["diff", DEMO, "no/such.snap"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no/such.snap"), "{err}");
    let o = run(&["diff", "Cargo.toml", DEMO]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Cargo.toml") && err.contains("not a casstune snapshot"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
    let o = run(&["diff", "--rules", "no/such/dir", DEMO, DEMO]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no/such/dir"));
}

#[test]
fn user_rules_apply_to_both_sides() {
    let (j, code) = diff_json(DEMO, DEMO, &["--rules", "examples/rules"]);
    assert_eq!(code, 0);
    assert_eq!(len(&j["findings"]["new"]), 0);
    assert!(len(&j["findings"]["unchanged"]) >= analyzed(DEMO, None));
}

// --- examples/nightly/collect-and-diff.sh -------------------------------------------------

const NIGHTLY: &str = "examples/nightly/collect-and-diff.sh";

fn nightly(env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = Command::new("bash");
    c.current_dir(root()).arg(NIGHTLY).args(args);
    for k in [
        "CASSTUNE_CONTACT_POINTS",
        "CASSTUNE_PASSWORD",
        "CASSTUNE_USERNAME",
        "CASSTUNE_MAIL_TO",
        "CASSTUNE_RULES",
        "CASSTUNE_NIGHTLY_DRY_RUN",
    ] {
        c.env_remove(k);
    }
    c.env("CASSTUNE", env!("CARGO_BIN_EXE_casstune"));
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn nightly_script_parses_and_lints() {
    let o = Command::new("bash")
        .arg("-n")
        .arg(root().join(NIGHTLY))
        .output()
        .unwrap();
    assert!(o.status.success(), "bash -n: {}", err(&o));
    if Command::new("shellcheck")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let o = Command::new("shellcheck")
            .arg(root().join(NIGHTLY))
            .output()
            .unwrap();
        assert!(o.status.success(), "shellcheck: {}", stdout(&o));
    } else {
        eprintln!("skipped: shellcheck is not installed");
    }
    let text = std::fs::read_to_string(root().join(NIGHTLY)).unwrap();
    assert!(
        !text.contains("--password \"") && !text.contains("--password="),
        "a password on a command line"
    );
}

#[test]
fn nightly_dry_run_diffs_two_given_snapshots_with_casstunes_exit_code() {
    let o = nightly(&[("CASSTUNE_NIGHTLY_DRY_RUN", "1")], &[DEMO, DEMO]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let md = stdout(&o);
    assert!(
        md.starts_with("### casstune diff\n") && md.contains("No differences."),
        "{md}"
    );
    assert_eq!(
        md,
        stdout(&run(&[
            "diff",
            "--format",
            "markdown",
            "--fail-on",
            "warning",
            DEMO,
            DEMO
        ]))
    );

    let d = tmpdir("nightly-two");
    let after = edited(
        &d,
        "after.snap",
        "nodes/127.0.0.1/files/cassandra.yaml",
        |t| format!("{t}row_cache_size: 64MiB\n"),
    );
    // A new warning: casstune diff --fail-on warning exits 1, and so does the script.
    let o = nightly(&[("CASSTUNE_NIGHTLY_DRY_RUN", "1")], &[DEMO, &after]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(stdout(&o).contains("`CACHE-001`"), "{}", stdout(&o));
    let o = nightly(
        &[
            ("CASSTUNE_NIGHTLY_DRY_RUN", "1"),
            ("CASSTUNE_FAIL_ON", "error"),
        ],
        &[DEMO, &after],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = nightly(
        &[("CASSTUNE_NIGHTLY_DRY_RUN", "1")],
        &[DEMO, "no/such.snap"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("no/such.snap"), "{}", err(&o));
}

#[test]
fn nightly_dry_run_picks_the_week_old_snapshot_and_keeps_n() {
    let d = tmpdir("nightly-dir");
    let snaps = d.join("snaps");
    std::fs::create_dir_all(&snaps).unwrap();
    for day in ["2026-11-01", "2026-11-10", "2026-11-15", "2026-11-20"] {
        std::fs::copy(root().join(IDLE), snaps.join(format!("cluster-{day}.snap"))).unwrap();
    }
    let env = [
        ("CASSTUNE_NIGHTLY_DRY_RUN", "1"),
        ("CASSTUNE_NIGHTLY_SNAPSHOT", DEMO),
        ("CASSTUNE_NIGHTLY_TODAY", "2026-11-22"),
        ("CASSTUNE_SNAPSHOT_DIR", snaps.to_str().unwrap()),
        ("CASSTUNE_KEEP", "3"),
        ("CASSTUNE_MAIL_TO", "dba@example.com"),
    ];
    let o = nightly(&env, &[]);
    let (old, new) = (
        snaps.join("cluster-2026-11-15.snap"),
        snaps.join("cluster-2026-11-22.snap"),
    );
    assert!(
        new.is_file(),
        "tonight's snapshot is stored under today's date"
    );
    // Exactly what casstune diff says about the snapshot 7 days back (on or before 11-15).
    let direct = run(&[
        "diff",
        "--format",
        "markdown",
        "--fail-on",
        "warning",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), direct.status.code(), "{}", err(&o));
    assert_eq!(stdout(&o), stdout(&direct));
    let e = err(&o);
    assert!(e.contains("dry run: would mail to dba@example.com"), "{e}");
    // Five snapshots, keep three: the two oldest would go (neither is compared).
    let removals: Vec<&str> = e.lines().filter(|l| l.contains("would remove")).collect();
    assert_eq!(removals.len(), 2, "{e}");
    assert!(
        removals[0].ends_with("cluster-2026-11-01.snap")
            && removals[1].ends_with("cluster-2026-11-10.snap"),
        "{e}"
    );
    assert!(
        snaps.join("cluster-2026-11-01.snap").is_file(),
        "a dry run removes nothing"
    );

    // The first night there is nothing to compare with.
    let empty = d.join("empty");
    let o = nightly(
        &[
            ("CASSTUNE_NIGHTLY_DRY_RUN", "1"),
            ("CASSTUNE_NIGHTLY_SNAPSHOT", DEMO),
            ("CASSTUNE_SNAPSHOT_DIR", empty.to_str().unwrap()),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains("nothing to compare yet"), "{}", err(&o));
    assert!(o.stdout.is_empty());

    let o = nightly(
        &[("CASSTUNE_KEEP", "1"), ("CASSTUNE_NIGHTLY_DRY_RUN", "1")],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("CASSTUNE_KEEP"), "{}", err(&o));
}

/// The real (not dry) path, with a stand-in casstune that records its arguments and "collects"
/// the demo snapshot, and a stand-in mail(1).
#[test]
fn nightly_collects_without_a_password_on_the_command_line_and_mails() {
    let d = tmpdir("nightly-real");
    let bin = d.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = d.join("args.log");
    let mailed = d.join("mail.txt");
    let fake = bin.join("casstune");
    std::fs::write(
        &fake,
        format!(
            "#!/usr/bin/env bash\nprintf '%s\\n' \"$*\" >> {log}\nif [ \"$1\" = collect ]; then\n  while [ $# -gt 0 ]; do [ \"$1\" = -o ] && cp {demo} \"$2\"; shift; done\n  exit 3\nfi\nexec {real} \"$@\"\n",
            log = log.display(),
            demo = root().join(DEMO).display(),
            real = env!("CARGO_BIN_EXE_casstune"),
        ),
    )
    .unwrap();
    std::fs::write(
        bin.join("mail"),
        format!("#!/usr/bin/env bash\nprintf 'subject: %s\\nto: %s\\n' \"$2\" \"$3\" > {m}\ncat >> {m}\n", m = mailed.display()),
    )
    .unwrap();
    for f in ["casstune", "mail"] {
        Command::new("chmod")
            .arg("+x")
            .arg(bin.join(f))
            .status()
            .unwrap();
    }
    let snaps = d.join("snaps");
    std::fs::create_dir_all(&snaps).unwrap();
    std::fs::copy(root().join(DEMO), snaps.join("cluster-2026-11-15.snap")).unwrap();
    let pw = d.join("pw");
    std::fs::write(&pw, "s3cret-pw\n").unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = nightly(
        &[
            ("PATH", &path),
            ("CASSTUNE", fake.to_str().unwrap()),
            ("CASSTUNE_CONTACT_POINTS", "127.0.0.1"),
            ("CASSTUNE_PASSWORD", "s3cret-pw"),
            ("CASSTUNE_PASSWORD_FILE", pw.to_str().unwrap()),
            ("CASSTUNE_METRICS_PORT", "9404"),
            ("CASSTUNE_COLLECT_ARGS", "--tls --tls-ca /etc/ca.pem"),
            ("CASSTUNE_NIGHTLY_TODAY", "2026-11-22"),
            ("CASSTUNE_SNAPSHOT_DIR", snaps.to_str().unwrap()),
            ("CASSTUNE_MAIL_TO", "dba@example.com"),
        ],
        &[],
    );
    // Same content on both nights: a clean diff, but the collection was partial (exit 3).
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(err(&o).contains("partial"), "{}", err(&o));
    let args = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = args.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "collect -o {}/cluster-2026-11-22.snap --metrics-port 9404 --password-file {} --tls --tls-ca /etc/ca.pem",
            snaps.display(),
            pw.display()
        )
    );
    assert!(
        lines[1].starts_with("diff --format markdown --fail-on warning "),
        "{args}"
    );
    assert!(
        !args.contains("s3cret-pw"),
        "the password reached a command line: {args}"
    );
    let mail = std::fs::read_to_string(&mailed).unwrap();
    assert!(mail.starts_with("subject: casstune: cluster-2026-11-22.snap vs cluster-2026-11-15.snap\nto: dba@example.com\n### casstune diff\n"), "{mail}");
    assert!(mail.contains("No differences."), "{mail}");
    assert!(o.stdout.is_empty(), "mailed, not printed");
}

#[test]
fn a_partial_collection_is_said_and_its_errors_shown() {
    let d = tmpdir("partial");
    let mut a = Archive::read(&root().join(DEMO)).unwrap();
    a.node_entry("127.0.0.2")
        .errors
        .push(casstune::snapshot::SourceError {
            source: "cql:system_views.caches".into(),
            message: "timed out after 10 s".into(),
        });
    let p = d.join("partial.snap");
    a.write(&p, &[]).unwrap();
    let partial = p.to_str().unwrap();
    let (j, code) = diff_json(DEMO, partial, &[]);
    assert_eq!(code, 0);
    assert_eq!(j["old"]["partial"], false);
    assert_eq!(j["new"]["partial"], true);
    assert!(text("table", DEMO, partial).contains("3 nodes, partial collection)"));
    let o = run(&["diff", DEMO, partial]);
    assert_eq!(o.status.code(), Some(0), "diff has no exit code 3");
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("partial.snap: collection error: 127.0.0.2: cql:system_views.caches: timed out after 10 s"),
        "{e}"
    );
}
