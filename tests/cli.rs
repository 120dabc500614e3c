//! The CLI as a user meets it: exit codes, bad input, formats, suppressions, baselines,
//! user rules, and the real stock and real-world files in ../shared/fixtures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_casstune")
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .unwrap()
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("casstune-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared/fixtures is absent (it sits beside the checkout in CI)");
        None
    }
}

const GOOD: &str = "cluster_name: test\nseed_provider:\n  - class_name: org.apache.cassandra.locator.SimpleSeedProvider\n    parameters:\n      - seeds: \"127.0.0.1:7000\"\nnum_tokens: 16\nallocate_tokens_for_local_replication_factor: 3\npartitioner: org.apache.cassandra.dht.Murmur3Partitioner\ncommitlog_sync: periodic\ncommitlog_sync_period: 10000ms\nendpoint_snitch: GossipingPropertyFileSnitch\nauthenticator: PasswordAuthenticator\nauthorizer: CassandraAuthorizer\n";

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn exit_codes_follow_fail_on() {
    let d = tmpdir("exit");
    std::fs::write(d.join("good.yaml"), GOOD).unwrap();
    std::fs::write(d.join("bad.yaml"), format!("{GOOD}concurent_reads: 32\n")).unwrap();
    std::fs::write(
        d.join("warn.yaml"),
        format!("{GOOD}row_cache_size: 512MiB\n"),
    )
    .unwrap();
    let code = |args: &[&str]| run(&d, args).status.code().unwrap();
    assert_eq!(
        code(&["lint", "--cassandra-version", "5.0", "good.yaml"]),
        0
    );
    assert_eq!(code(&["lint", "--cassandra-version", "5.0", "bad.yaml"]), 1);
    assert_eq!(
        code(&["lint", "--cassandra-version", "5.0", "warn.yaml"]),
        0
    );
    assert_eq!(
        code(&[
            "lint",
            "--cassandra-version",
            "5.0",
            "--fail-on",
            "warning",
            "warn.yaml"
        ]),
        1
    );
    assert_eq!(
        code(&["lint", "--cassandra-version", "9.9", "good.yaml"]),
        2
    );
    assert_eq!(code(&["lint"]), 2);
    assert_eq!(code(&["--version"]), 0);
}

#[test]
fn bad_input_is_one_line_with_file_and_line() {
    let d = tmpdir("badinput");
    std::fs::write(d.join("notyaml.yaml"), "cluster_name: a\n  bad: [\n").unwrap();
    std::fs::write(d.join("list.yaml"), "- a\n- b\n").unwrap();
    std::fs::write(d.join("empty.yaml"), "").unwrap();
    std::fs::write(d.join("binary.yaml"), b"cluster_name: a\n\x00\x01\x02").unwrap();
    std::fs::create_dir_all(d.join("nothing")).unwrap();
    std::fs::write(d.join("nothing/readme.txt"), "hi").unwrap();
    let big = format!(
        "{GOOD}{}",
        "# padding line for a fifty megabyte file ....................\n".repeat(850_000)
    );
    std::fs::write(d.join("huge.yaml"), big).unwrap();
    for (file, expect) in [
        ("notyaml.yaml", "notyaml.yaml:2: not valid YAML"),
        (
            "list.yaml",
            "list.yaml:1: the document is a list, expected a mapping",
        ),
        (
            "empty.yaml",
            "empty.yaml:1: the file holds no YAML document",
        ),
        ("binary.yaml", "binary.yaml:2: binary data"),
        ("nothing", "nothing: no Cassandra config files here"),
        ("huge.yaml", "huge.yaml:1: the file is 5"),
        ("missing.yaml", "missing.yaml: no such file or directory"),
    ] {
        let out = run(&d, &["lint", file]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert!(
            err.contains(expect),
            "{file}: expected `{expect}` in:\n{err}"
        );
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{file}: not one line:\n{err}"
        );
        assert!(!err.contains("panicked"), "{file}: {err}");
    }
}

#[test]
fn partial_results_when_one_file_is_bad() {
    let d = tmpdir("partial");
    std::fs::create_dir_all(d.join("a")).unwrap();
    std::fs::create_dir_all(d.join("b")).unwrap();
    std::fs::write(
        d.join("a/cassandra.yaml"),
        format!("{GOOD}concurent_reads: 32\n"),
    )
    .unwrap();
    std::fs::write(d.join("b/cassandra.yaml"), "- not a mapping\n").unwrap();
    let out = run(
        &d,
        &[
            "lint",
            "--format",
            "json",
            "--cassandra-version",
            "5.0",
            "a",
            "b",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let v = json(&out);
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "CFG-001")
    );
}

#[test]
fn json_is_stable_and_deterministic() {
    let d = tmpdir("json");
    std::fs::write(
        d.join("cassandra.yaml"),
        format!("{GOOD}row_cache_size: 1GiB\nconcurent_reads: 3\nkey_cache_size: 100MB\n"),
    )
    .unwrap();
    let a = run(&d, &["lint", "--format", "json", "."]);
    let b = run(&d, &["lint", "--format", "json", "."]);
    assert_eq!(a.stdout, b.stdout);
    let v = json(&a);
    assert_eq!(v["tool"], "casstune");
    assert!(v["version"].is_string());
    let f = &v["findings"][0];
    for key in [
        "rule", "severity", "family", "subject", "message", "evidence", "fixes",
    ] {
        assert!(!f[key].is_null(), "missing {key} in {f}");
    }
    // errors rank before warnings
    let sev: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["severity"].as_str().unwrap())
        .collect();
    let mut sorted = sev.clone();
    sorted.sort_by_key(|s| match *s {
        "error" => 0,
        "warning" => 1,
        _ => 2,
    });
    assert_eq!(sev, sorted);
}

#[test]
fn table_has_no_escape_codes_when_piped_and_honours_no_color() {
    let d = tmpdir("color");
    std::fs::write(
        d.join("cassandra.yaml"),
        format!("{GOOD}row_cache_size: 1GiB\n"),
    )
    .unwrap();
    let out = run(&d, &["lint", "."]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
    let out = Command::new(bin())
        .current_dir(&d)
        .env("NO_COLOR", "1")
        .args(["lint", "--color", "auto", "."])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
    let out = run(&d, &["lint", "--color", "always", "."]);
    assert!(String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
}

#[test]
fn inline_suppression_and_baseline() {
    let d = tmpdir("suppress");
    std::fs::write(
        d.join("cassandra.yaml"),
        format!("{GOOD}# casstune: ignore[CACHE-001]\nrow_cache_size: 1GiB\nconcurent_reads: 3  # casstune: ignore[CFG-001]\n"),
    )
    .unwrap();
    let out = run(
        &d,
        &[
            "lint",
            "--format",
            "json",
            "--cassandra-version",
            "5.0",
            ".",
        ],
    );
    let v = json(&out);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(v["summary"]["suppressed"], 2);
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule"] != "CACHE-001" && f["rule"] != "CFG-001")
    );

    std::fs::write(
        d.join("cassandra.yaml"),
        format!("{GOOD}concurent_reads: 3\n"),
    )
    .unwrap();
    assert_eq!(run(&d, &["lint", "."]).status.code(), Some(1));
    let w = run(&d, &["lint", "--write-baseline", "base.json", "."]);
    assert_eq!(w.status.code(), Some(0));
    assert_eq!(
        run(&d, &["lint", "--baseline", "base.json", "."])
            .status
            .code(),
        Some(0)
    );
    // a new problem is not covered by the baseline
    std::fs::write(
        d.join("cassandra.yaml"),
        format!("{GOOD}concurent_reads: 3\nconcurrent_writez: 3\n"),
    )
    .unwrap();
    assert_eq!(
        run(&d, &["lint", "--baseline", "base.json", "."])
            .status
            .code(),
        Some(1)
    );
    std::fs::write(d.join("broken.json"), "{nope").unwrap();
    let out = run(&d, &["lint", "--baseline", "broken.json", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("broken.json:1: not a casstune baseline")
    );
}

#[test]
fn user_rules_add_and_override() {
    let d = tmpdir("userrules");
    std::fs::create_dir_all(d.join("team-rules")).unwrap();
    std::fs::write(
        d.join("team-rules/policy.yaml"),
        r#"rules:
  - id: TEAM-001
    name: cluster-name-prefix
    family: config
    severity: error
    when: "!settings.cluster_name.startsWith('prod-')"
    evidence: [cluster_name]
    message: "cluster_name {cluster_name} must start with prod-"
    doc: {summary: "Naming policy.", why: "Dashboards group by prefix.", evidence: "cluster_name", fix: "Rename before first start."}
  - id: CFG-022
    params: {max_s: 60}
"#,
    )
    .unwrap();
    std::fs::write(
        d.join("cassandra.yaml"),
        format!("{GOOD}read_request_timeout: 30s\n"),
    )
    .unwrap();
    let out = run(
        &d,
        &[
            "lint",
            "--format",
            "json",
            "--rules",
            "team-rules",
            "cassandra.yaml",
        ],
    );
    let v = json(&out);
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"TEAM-001"), "{rules:?}");
    assert!(
        !rules.contains(&"CFG-022"),
        "threshold override ignored: {rules:?}"
    );
    assert_eq!(out.status.code(), Some(1));
    let without = json(&run(&d, &["lint", "--format", "json", "cassandra.yaml"]));
    assert!(
        without["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "CFG-022")
    );

    std::fs::write(
        d.join("team-rules/policy.yaml"),
        "rules:\n  - id: CFG-022\n    params: {nope: 1}\n",
    )
    .unwrap();
    let out = run(&d, &["lint", "--rules", "team-rules", "cassandra.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("rule CFG-022 has no parameter `nope`"));
}

#[test]
fn rules_and_explain() {
    let d = tmpdir("explain");
    let out = run(&d, &["rules", "--format", "json"]);
    let v = json(&out);
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let mut dedup = ids.clone();
    dedup.dedup();
    assert_eq!(ids, dedup, "rule IDs must be unique and sorted");
    for r in v.as_array().unwrap() {
        for k in ["summary", "why", "evidence", "fix"] {
            assert!(
                !r["doc"][k].as_str().unwrap_or("").is_empty(),
                "{} lacks doc.{k}",
                r["id"]
            );
        }
        assert!(
            !r["doc"]["references"].as_array().unwrap().is_empty(),
            "{} lacks references",
            r["id"]
        );
    }
    let out = run(&d, &["explain", "cfg-003"]);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.starts_with("CFG-003 invalid-quantity"), "{s}");
    assert!(s.contains("Why it matters") && s.contains("References"));
    assert_eq!(run(&d, &["explain", "NOPE-1"]).status.code(), Some(2));
}

#[test]
fn sarif_and_github_formats() {
    let d = tmpdir("sarif");
    std::fs::write(
        d.join("cassandra.yaml"),
        format!("{GOOD}concurent_reads: 3\nrow_cache_size: 1GiB\n"),
    )
    .unwrap();
    let out = run(&d, &["lint", "--format", "sarif", "cassandra.yaml"]);
    let v = json(&out);
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "CFG-001" && r["level"] == "error")
    );
    let loc = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "cassandra.yaml");
    assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
    if let Some(schema) = std::env::var_os("CASSTUNE_SARIF_SCHEMA") {
        std::fs::write(d.join("out.sarif"), &out.stdout).unwrap();
        let check = Command::new("python3")
            .arg("-c")
            .arg("import json,sys,jsonschema; jsonschema.Draft7Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2]))); print('valid')")
            .arg(&schema)
            .arg(d.join("out.sarif"))
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "SARIF invalid: {}",
            String::from_utf8_lossy(&check.stderr)
        );
    } else {
        eprintln!(
            "skipped SARIF schema validation: set CASSTUNE_SARIF_SCHEMA (scripts/test.sh does)"
        );
    }
    let out = run(&d, &["lint", "--format", "github", "cassandra.yaml"]);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.lines()
            .any(|l| l.starts_with("::error file=cassandra.yaml,line=")
                && l.contains("title=CFG-001 unknown-key::")),
        "{s}"
    );
}

#[test]
fn fix_diff_keeps_comments_and_applies() {
    let d = tmpdir("fixdiff");
    std::fs::create_dir_all(d.join("conf")).unwrap();
    let original = format!(
        "# my cluster\n{GOOD}\n# caches\nrow_cache_size: 1GiB   # experiment\nkey_cache_size: 100MB\n"
    );
    std::fs::write(d.join("conf/cassandra.yaml"), &original).unwrap();
    let out = run(&d, &["lint", "--fix-diff", "fix.patch", "conf/"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrote fixes to fix.patch"));
    let patch = std::fs::read_to_string(d.join("fix.patch")).unwrap();
    assert!(
        patch.starts_with("--- a/conf/cassandra.yaml\n+++ b/conf/cassandra.yaml\n"),
        "{patch}"
    );
    let st = Command::new("patch")
        .current_dir(&d)
        .args(["-p1", "-i", "fix.patch"])
        .status()
        .unwrap();
    assert!(st.success());
    let fixed = std::fs::read_to_string(d.join("conf/cassandra.yaml")).unwrap();
    assert!(fixed.contains("# my cluster\n") && fixed.contains("# caches\n"));
    assert!(
        fixed.contains("row_cache_size: 0MiB # experiment"),
        "{fixed}"
    );
    assert!(fixed.contains("key_cache_size: 100MiB"), "{fixed}");
    // every line the fixes did not target survives, in order
    let kept: Vec<&str> = original
        .lines()
        .filter(|l| !l.starts_with("row_cache_size") && !l.starts_with("key_cache_size"))
        .collect();
    let mut it = fixed.lines();
    for l in kept {
        assert!(it.any(|f| f == l), "lost or reordered `{l}`:\n{fixed}");
    }
}

/// A cassandra.yaml saved on Windows: the patch edits the same few lines as for the LF file
/// (it once rewrote every line, CRLF to LF) and `patch` applies it, CRLF kept.
#[test]
fn fix_diff_of_a_crlf_or_mixed_file_touches_only_the_fixed_lines() {
    let Some(shared) = shared() else { return };
    let d = tmpdir("crlf");
    let lf = std::fs::read_to_string(shared.join("realworld/12_amzn-benchmark.yaml")).unwrap();
    std::fs::write(d.join("lf.yaml"), &lf).unwrap();
    std::fs::write(d.join("crlf.yaml"), lf.replace('\n', "\r\n")).unwrap();
    let changed = |file: &str| {
        let out = run(&d, &["lint", "--fix-diff", &format!("{file}.patch"), file]);
        assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
        let patch = std::fs::read_to_string(d.join(format!("{file}.patch"))).unwrap();
        let lines: Vec<String> = patch
            .lines()
            .filter(|l| l.starts_with(['+', '-']) && !l.starts_with("+++") && !l.starts_with("---"))
            .map(|l| l.trim_end_matches('\r').to_string())
            .collect();
        lines
    };
    // Mixed: every 40th line ends in CRLF, as after a few edits on Windows.
    let mixed: String = lf
        .split_inclusive('\n')
        .enumerate()
        .map(|(i, l)| match l.strip_suffix('\n') {
            Some(t) if i % 40 == 7 => format!("{t}\r\n"),
            _ => l.to_string(),
        })
        .collect();
    std::fs::write(d.join("mixed.yaml"), &mixed).unwrap();
    let (lf_lines, crlf_lines) = (changed("lf.yaml"), changed("crlf.yaml"));
    assert!(!lf_lines.is_empty());
    assert_eq!(crlf_lines, lf_lines);
    assert_eq!(changed("mixed.yaml"), lf_lines);
    for file in ["crlf.yaml", "mixed.yaml"] {
        let st = Command::new("patch")
            .current_dir(&d)
            .args(["-i", &format!("{file}.patch"), file])
            .status()
            .unwrap();
        assert!(st.success(), "{file}");
    }
    let fixed = std::fs::read_to_string(d.join("crlf.yaml")).unwrap();
    assert_eq!(fixed.matches('\n').count(), fixed.matches("\r\n").count());
}

#[test]
fn stock_files_of_every_release_have_no_error() {
    let Some(shared) = shared() else { return };
    for v in [
        "3.11.17", "4.0.7", "4.0.14", "4.1.3", "4.1.7", "5.0.0", "5.0.1", "5.0.2",
    ] {
        let dir = shared.join("upstream").join(v);
        let out = run(&dir, &["lint", "--format", "json", "."]);
        let val = json(&out);
        let errors: Vec<String> = val["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error")
            .map(|f| format!("{} {}", f["rule"], f["message"]))
            .collect();
        assert!(
            errors.is_empty(),
            "{v}: stock files produce errors: {errors:#?}"
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{v}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let major_minor: String = v.split('.').take(2).collect::<Vec<_>>().join(".");
        for t in val["targets"].as_array().unwrap() {
            assert_eq!(
                t["cassandra_version"],
                major_minor.as_str(),
                "{v}: detected {}",
                t["version_source"]
            );
        }
    }
}

#[test]
fn every_realworld_file_lints_without_a_crash() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("realworld");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            continue;
        }
        n += 1;
        let out = run(
            &dir,
            &[
                "lint",
                "--format",
                "json",
                p.file_name().unwrap().to_str().unwrap(),
            ],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{}: {err}", p.display());
        assert!(
            matches!(out.status.code(), Some(0..=2)),
            "{}: {err}",
            p.display()
        );
        json(&out);
        if out.status.code() == Some(2) {
            assert!(
                err.starts_with("casstune: error: ") && err.contains(':'),
                "{}: {err}",
                p.display()
            );
        }
    }
    assert!(n >= 25);
}

#[test]
fn readme_rule_index_is_current() {
    let d = tmpdir("readme");
    let out = run(&d, &["rules", "--format", "markdown"]);
    let table = String::from_utf8_lossy(&out.stdout).to_string();
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find("<!-- rules:start -->\n")
        .expect("README lacks <!-- rules:start -->")
        + "<!-- rules:start -->\n".len();
    let end = readme
        .find("<!-- rules:end -->")
        .expect("README lacks <!-- rules:end -->");
    assert!(
        readme[start..end] == table,
        "README rule index is stale: regenerate it with `cargo run -q -- rules --format markdown`"
    );
}

#[test]
fn readme_demo_and_example_rules_work() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = run(
        root,
        &[
            "lint",
            "--format",
            "json",
            "--cores",
            "16",
            "--ram",
            "64GiB",
            "--disks",
            "2",
            "examples/demo/conf",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    let mut families: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["family"].as_str().unwrap())
        .collect();
    families.sort();
    families.dedup();
    assert!(
        families.len() >= 5,
        "demo shows too few families: {families:?}"
    );
    assert_eq!(v["targets"][0]["cassandra_version"], "4.1");

    let out = run(
        root,
        &[
            "lint",
            "--format",
            "json",
            "--rules",
            "examples/rules",
            "examples/demo/conf",
        ],
    );
    let v = json(&out);
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"TEAM-002"), "{rules:?}");
    assert!(
        !rules.contains(&"TEAM-001"),
        "demo uses PasswordAuthenticator: {rules:?}"
    );
    assert!(
        rules.contains(&"CFG-022"),
        "stricter CFG-022 threshold (3 s) should fire on 30 s: {rules:?}"
    );
}

#[test]
fn secrets_never_reach_the_output() {
    let d = tmpdir("secrets");
    std::fs::write(
        d.join("cassandra.yaml"),
        format!("{GOOD}client_encryption_options:\n  enabled: true\n  keystore: conf/.keystore\n  keystore_password: hunter2-very-secret\nserver_encryption_options:\n  internode_encryption: all\n  keystore_password: cassandra\n  truststore_pasword: typo-secret-42\nkeystore_passwd_xyz: top-level-secret-7\n"),
    )
    .unwrap();
    for format in ["table", "json", "sarif", "github"] {
        let out = run(
            &d,
            &[
                "lint",
                "--format",
                format,
                "--cassandra-version",
                "5.0",
                ".",
            ],
        );
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for secret in [
            "hunter2-very-secret",
            "typo-secret-42",
            "top-level-secret-7",
        ] {
            assert!(
                !all.contains(secret),
                "{format} output leaks {secret}:\n{all}"
            );
        }
    }
}

#[test]
fn analyze_writes_the_report_to_a_file() {
    let dir = tmpdir("analyze-output");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo.snap");
    let report = dir.join("report.html");
    let o = run(
        &dir,
        &[
            "analyze",
            demo.to_str().unwrap(),
            "--format",
            "html",
            "-o",
            report.to_str().unwrap(),
        ],
    );
    assert!(matches!(o.status.code(), Some(0 | 1)), "{o:?}");
    assert!(o.stdout.is_empty(), "the report went to stdout too");
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("wrote the report to"));
    // The table in a file has no colour codes.
    let table = dir.join("report.txt");
    let o = run(
        &dir,
        &[
            "analyze",
            demo.to_str().unwrap(),
            "-o",
            table.to_str().unwrap(),
        ],
    );
    assert!(matches!(o.status.code(), Some(0 | 1)), "{o:?}");
    let text = std::fs::read_to_string(&table).unwrap();
    assert!(
        text.contains("findings:") && !text.contains('\u{1b}'),
        "{text}"
    );
}
