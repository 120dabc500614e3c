//! Every rule has a fixture where it fires and one where it stays quiet
//! (`fixtures/rules/<ID>.yaml`), run through the real CLI. Rules that read what only a
//! collection has (metrics, schema, host facts, traces, or the whole cluster) have their
//! pair in `tests/advice_node.rs` / `tests/advice_cluster.rs` on real snapshots instead;
//! `every_rule_has_a_pair_somewhere` checks that none is left without. Where the rule offers a
//! file-editing fix, the fix is written with --fix-diff, applied with `patch -p1` and
//! `git apply --check`, and the rule must be gone afterwards.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFixture {
    fires: Case,
    quiet: Case,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    #[serde(default)]
    args: Vec<String>,
    files: BTreeMap<String, String>,
    /// For `fires`: check that applying the fixes silences the rule (default true when the
    /// finding carries a file-editing fix).
    #[serde(default = "yes")]
    fix_silences: bool,
}

fn yes() -> bool {
    true
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_casstune")
}

fn rule_ids() -> Vec<String> {
    let out = Command::new(bin())
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

fn write_case(dir: &Path, case: &Case) {
    let conf = dir.join("conf");
    std::fs::create_dir_all(&conf).unwrap();
    for (name, text) in &case.files {
        std::fs::write(conf.join(name), text).unwrap();
    }
}

/// Runs `casstune lint --format json conf/ <args>` in `dir`; returns (findings of `rule`, exit code).
fn lint(dir: &Path, case: &Case, rule: &str, extra: &[&str]) -> (Vec<serde_json::Value>, i32) {
    let out = Command::new(bin())
        .current_dir(dir)
        .args(["lint", "--format", "json", "conf/"])
        .args(&case.args)
        .args(extra)
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "{rule}: lint exited {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{rule}: bad JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    let hits = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .cloned()
        .collect();
    (hits, code)
}

fn tmp(rule: &str, what: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "casstune-rules-{}-{rule}-{what}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn check_rule(id: &str) -> Result<(), String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/rules/{id}.yaml"));
    let text = std::fs::read_to_string(&path)
        .map_err(|_| format!("{id}: no fixture {} (every rule needs one)", path.display()))?;
    let fx: RuleFixture =
        serde_saphyr::from_str(&text).map_err(|e| format!("{id}: bad fixture: {e}"))?;

    let fires_dir = tmp(id, "fires");
    write_case(&fires_dir, &fx.fires);
    let (hits, _) = lint(&fires_dir, &fx.fires, id, &[]);
    if hits.is_empty() {
        return Err(format!("{id}: did not fire on its `fires` fixture"));
    }
    for h in &hits {
        for key in ["message", "severity", "family", "subject"] {
            if h[key].as_str().is_none_or(str::is_empty) {
                return Err(format!("{id}: finding without {key}: {h}"));
            }
        }
        if h["evidence"].as_array().is_none_or(Vec::is_empty) {
            return Err(format!("{id}: finding without evidence: {h}"));
        }
    }
    let editable = hits.iter().any(|h| {
        h["fixes"].as_array().unwrap().iter().any(|f| {
            (f["type"] == "set_config" || f["type"] == "jvm_option")
                && f["safety"] != "display_only"
        })
    });
    if editable && fx.fires.fix_silences {
        let (_, _) = lint(&fires_dir, &fx.fires, id, &["--fix-diff", "fix.patch"]);
        let patch = std::fs::read_to_string(fires_dir.join("fix.patch")).unwrap();
        if patch.is_empty() {
            return Err(format!(
                "{id}: has an editable fix but --fix-diff wrote nothing"
            ));
        }
        let check = Command::new("git")
            .current_dir(&fires_dir)
            .args(["apply", "--check", "fix.patch"])
            .output()
            .unwrap();
        if !check.status.success() {
            return Err(format!(
                "{id}: git apply --check refused the patch: {}\n{patch}",
                String::from_utf8_lossy(&check.stderr)
            ));
        }
        let applied = Command::new("patch")
            .current_dir(&fires_dir)
            .args(["-p1", "-i", "fix.patch"])
            .output()
            .unwrap();
        if !applied.status.success() {
            return Err(format!(
                "{id}: patch -p1 failed: {}\n{patch}",
                String::from_utf8_lossy(&applied.stdout)
            ));
        }
        let (after, _) = lint(&fires_dir, &fx.fires, id, &[]);
        if !after.is_empty() {
            return Err(format!(
                "{id}: still fires after its fix was applied:\n{patch}"
            ));
        }
    }

    let quiet_dir = tmp(id, "quiet");
    write_case(&quiet_dir, &fx.quiet);
    let (hits, _) = lint(&quiet_dir, &fx.quiet, id, &[]);
    if !hits.is_empty() {
        return Err(format!(
            "{id}: fired on its `quiet` fixture: {}",
            hits[0]["message"]
        ));
    }
    let _ = std::fs::remove_dir_all(&fires_dir);
    let _ = std::fs::remove_dir_all(&quiet_dir);
    Ok(())
}

/// Rules whose fires/quiet pair lives in the snapshot-based advice tests.
fn advice_tested() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    ["advice_node.rs", "advice_cluster.rs"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(dir.join(f)).ok())
        .collect()
}

fn has_lint_fixture(id: &str) -> bool {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("fixtures/rules/{id}.yaml"))
        .exists()
}

#[test]
fn every_rule_has_a_pair_somewhere() {
    let advice = advice_tested();
    let orphans: Vec<String> = rule_ids()
        .into_iter()
        .filter(|id| !has_lint_fixture(id) && !advice.contains(id.as_str()))
        .collect();
    assert!(
        orphans.is_empty(),
        "rules with neither a lint fixture nor an advice test: {orphans:?}"
    );
}

#[test]
fn every_rule_fires_and_stays_quiet_on_its_fixtures() {
    let advice = advice_tested();
    let ids: Vec<String> = rule_ids()
        .into_iter()
        .filter(|id| has_lint_fixture(id) || !advice.contains(id.as_str()))
        .collect();
    assert!(ids.len() >= 30, "only {} rules", ids.len());
    let failures: Vec<String> = ids.iter().filter_map(|id| check_rule(id).err()).collect();
    assert!(
        failures.is_empty(),
        "{} rule(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn no_fixture_without_a_rule() {
    let ids = rule_ids();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(id) = name.strip_suffix(".yaml") {
            assert!(
                ids.iter().any(|i| i == id),
                "fixtures/rules/{name} names no rule"
            );
        }
    }
}
