//! The oracle: casstune's "would not start" verdict against Cassandra 5.0's own configuration
//! code and the real JDK 17, on the corpus built by tests/oracle/run-oracle.sh (stock files,
//! mutations and real-world files). Every disagreement fails the test and is listed.
//!
//! Needs JDK 17, Maven (for cassandra-all from Maven Central) and python3. Set
//! CASSTUNE_ORACLE_OUT to reuse a corpus directory already built by `run-oracle.sh all DIR`;
//! CASSTUNE_SKIP_ORACLE=1 skips (the README's test command never sets it).

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_casstune")
}

fn corpus_dir() -> Option<PathBuf> {
    if std::env::var_os("CASSTUNE_SKIP_ORACLE").is_some() {
        eprintln!("skipped: CASSTUNE_SKIP_ORACLE is set");
        return None;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !root.join("../shared/fixtures/upstream").is_dir() {
        eprintln!("skipped: ../shared/fixtures is absent");
        return None;
    }
    if let Some(d) = std::env::var_os("CASSTUNE_ORACLE_OUT") {
        let d = PathBuf::from(d);
        if d.join("verdicts.jsonl").is_file() && d.join("jvm-verdicts.jsonl").is_file() {
            return Some(d);
        }
    }
    let out = root.join("target/oracle-run");
    let st = Command::new("bash")
        .arg(root.join("tests/oracle/run-oracle.sh"))
        .args(["all", out.to_str().unwrap()])
        .env("SHARED", root.join("../shared"))
        .status()
        .expect("run tests/oracle/run-oracle.sh");
    assert!(st.success(), "the oracle harness failed");
    Some(out)
}

fn lines(p: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// casstune's verdict: reject when the file is unreadable as config (exit 2) or a finding
/// blocks startup (restricted to `rules` when given).
fn casstune_rejects(file: &str, args: &[&str], rules: Option<&[&str]>) -> (bool, String) {
    let out = Command::new(bin())
        .args(["lint", "--format", "json"])
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if out.status.code() == Some(2) {
        return (true, stderr);
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let blocking: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["blocks_startup"] == true)
        .filter(|f| rules.is_none_or(|r| r.contains(&f["rule"].as_str().unwrap_or(""))))
        .map(|f| {
            format!(
                "{} {}",
                f["rule"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    (!blocking.is_empty(), blocking.join(" | "))
}

struct Tally {
    agree: usize,
    compared: usize,
    skipped: Vec<String>,
    disagreements: Vec<String>,
}

fn compare(verdicts: &[serde_json::Value], args: &[&str], rules: Option<&[&str]>) -> Tally {
    let mut t = Tally {
        agree: 0,
        compared: 0,
        skipped: vec![],
        disagreements: vec![],
    };
    for v in verdicts {
        let file = v["file"].as_str().unwrap();
        let id = v["id"].as_str().unwrap_or(file);
        let oracle = v["verdict"].as_str().unwrap_or("");
        if oracle != "accept" && oracle != "reject" {
            t.skipped.push(format!("{id}: oracle verdict `{oracle}`"));
            continue;
        }
        if v["env_dependent"] == true {
            t.skipped.push(format!(
                "{id}: depends on this machine ({})",
                v["reason"].as_str().unwrap_or("")
            ));
            continue;
        }
        t.compared += 1;
        let (rejects, why) = casstune_rejects(file, args, rules);
        if rejects == (oracle == "reject") {
            t.agree += 1;
        } else {
            t.disagreements.push(format!(
                "{id}: Cassandra says {oracle} ({}), casstune says {} ({why})",
                v["reason"].as_str().unwrap_or(""),
                if rejects { "reject" } else { "accept" }
            ));
        }
    }
    t
}

#[test]
fn casstune_agrees_with_cassandra_and_the_jdk() {
    let Some(dir) = corpus_dir() else { return };
    let yaml = compare(
        &lines(&dir.join("verdicts.jsonl")),
        &["--cassandra-version", "5.0"],
        None,
    );
    let jvm = compare(
        &lines(&dir.join("jvm-verdicts.jsonl")),
        &["--cassandra-version", "5.0", "--jdk", "17"],
        Some(&["JVM-001"]),
    );
    println!(
        "oracle agreement: cassandra.yaml {}/{} (Cassandra 5.0 loader), jvm options {}/{} (JDK 17); skipped {} + {}",
        yaml.agree,
        yaml.compared,
        jvm.agree,
        jvm.compared,
        yaml.skipped.len(),
        jvm.skipped.len()
    );
    for s in yaml.skipped.iter().chain(&jvm.skipped) {
        println!("  skipped {s}");
    }
    let all: Vec<&String> = yaml
        .disagreements
        .iter()
        .chain(&jvm.disagreements)
        .collect();
    assert!(yaml.compared >= 60, "corpus too small: {}", yaml.compared);
    assert!(
        all.is_empty(),
        "{} disagreement(s):\n{}",
        all.len(),
        all.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
