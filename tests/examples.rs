//! The CI examples run as written: every `casstune` command of the GitHub workflow and the
//! pre-commit hook's entry, on the demo's configuration directory (examples/demo/conf) in
//! place of the user's.

use std::path::Path;
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `casstune …` command lines of a workflow's `run:` steps, shell redirections cut off.
fn workflow_commands(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("run: ")
                .or_else(|| l.trim().strip_prefix("- run: "))
        })
        .filter(|cmd| cmd.starts_with("casstune "))
        .map(|cmd| {
            let cmd = cmd.split(['>', '|']).next().unwrap_or(cmd);
            cmd.split_whitespace().skip(1).map(String::from).collect()
        })
        .collect()
}

fn casstune(args: &[String]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_casstune"))
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap()
}

#[test]
fn github_workflow_commands_run_on_a_real_conf_dir() {
    let text = std::fs::read_to_string(repo().join("examples/ci/github-workflow.yaml")).unwrap();
    let commands = workflow_commands(&text);
    assert_eq!(commands.len(), 2, "{commands:?}");
    for mut args in commands {
        for a in &mut args {
            if a == "deploy/cassandra/conf" {
                *a = "examples/demo/conf".into();
            }
        }
        assert!(args.contains(&"examples/demo/conf".to_string()), "{args:?}");
        let o = casstune(&args);
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(matches!(o.status.code(), Some(0 | 1)), "{args:?}: {o:?}");
        match args
            .iter()
            .position(|a| a == "--format")
            .map(|i| args[i + 1].as_str())
        {
            Some("github") => {
                assert!(
                    out.lines().count() > 0 && out.lines().all(|l| l.starts_with("::")),
                    "{out}"
                );
            }
            Some("sarif") => {
                let v: serde_json::Value = serde_json::from_str(&out).expect("SARIF is JSON");
                assert_eq!(v["version"], "2.1.0");
                assert!(!v["runs"][0]["results"].as_array().unwrap().is_empty());
            }
            other => panic!("unexpected format {other:?}"),
        }
    }
}

#[test]
fn pre_commit_hook_entry_runs_on_the_files_it_matches() {
    let text = std::fs::read_to_string(repo().join("examples/ci/pre-commit-config.yaml")).unwrap();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name}:"))
            .trim_matches('\'')
            .to_string()
    };
    let entry = field("entry");
    let files = regex::Regex::new(&field("files")).unwrap();
    let conf = repo().join("examples/demo/conf");
    let mut staged: Vec<String> = std::fs::read_dir(&conf)
        .unwrap()
        .map(|e| {
            format!(
                "examples/demo/conf/{}",
                e.unwrap().file_name().to_string_lossy()
            )
        })
        .filter(|p| files.is_match(p))
        .collect();
    staged.sort();
    // pre-commit passes the matching staged files as arguments after the entry.
    assert_eq!(staged.len(), 3, "{staged:?}");
    let mut args: Vec<String> = entry.split_whitespace().skip(1).map(String::from).collect();
    args.extend(staged);
    let o = casstune(&args);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{args:?}: {o:?}");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("findings:"),
        "{o:?}"
    );
}
