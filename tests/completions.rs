//! `casstune completions SHELL` and `casstune man`: generated from the clap definitions, so
//! every subcommand and flag appears, and the output is valid for its reader (bash -n,
//! groff / man).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_casstune"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("casstune-compl-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

const SUBCOMMANDS: [&str; 9] = [
    "lint",
    "collect",
    "analyze",
    "collect-host",
    "rules",
    "explain",
    "diff",
    "completions",
    "man",
];

#[test]
fn bash_completion_knows_every_subcommand_and_flag_and_parses() {
    let script = stdout(&run(&["completions", "bash"]));
    for sub in SUBCOMMANDS {
        assert!(
            script.contains(&format!("casstune__{}", sub.replace('-', "__")))
                || script.contains(sub),
            "{sub}"
        );
    }
    for flag in [
        "--metrics-port",
        "--fail-on",
        "--format",
        "--prometheus-server",
        "--cassandra-version",
        "--fix-diff",
        "--rules",
    ] {
        assert!(script.contains(flag), "bash completion lacks {flag}");
    }
    // The value lists come from the enums too.
    assert!(
        script.contains("table json sarif github markdown html"),
        "analyze/lint --format values"
    );
    let d = tmpdir("bash");
    let f = d.join("casstune.bash");
    std::fs::write(&f, &script).unwrap();
    let o = Command::new("bash").arg("-n").arg(&f).output().unwrap();
    assert!(
        o.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Sourced in a real bash, it registers the completion function.
    let o = Command::new("bash")
        .args([
            "--norc",
            "-c",
            &format!("source {} && complete -p casstune", f.display()),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("casstune"),
        "{o:?}"
    );
}

#[test]
fn bash_completion_completes_subcommands_and_flags() {
    let d = tmpdir("bash-run");
    let f = d.join("casstune.bash");
    std::fs::write(&f, stdout(&run(&["completions", "bash"]))).unwrap();
    // Drive the completion function the way bash's readline would.
    let complete = |line: &str| -> Vec<String> {
        let words: Vec<&str> = line.split(' ').collect();
        let script = format!(
            "source {}; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; _casstune casstune \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            f.display(),
            words
                .iter()
                .map(|w| format!("'{w}'"))
                .collect::<Vec<_>>()
                .join(" "),
            words.len() - 1
        );
        let o = Command::new("bash")
            .args(["--norc", "-c", &script])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    };
    let subs = complete("casstune d");
    assert!(subs.contains(&"diff".to_string()), "{subs:?}");
    let flags = complete("casstune analyze --metrics-po");
    assert_eq!(flags, ["--metrics-port"]);
    let formats = complete("casstune diff --format ");
    assert_eq!(formats, ["table", "json", "markdown", "html"]);
}

#[test]
fn every_shell_gets_a_script() {
    for (shell, marker) in [
        ("zsh", "#compdef casstune"),
        ("fish", "complete -c casstune"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[casstune]"),
    ] {
        let s = stdout(&run(&["completions", shell]));
        assert!(s.contains(marker), "{shell}: no {marker}");
        assert!(s.contains("metrics-port"), "{shell}: no --metrics-port");
        assert!(s.contains("diff"), "{shell}: no diff subcommand");
    }
    for (shell, check) in [("zsh", "-n"), ("fish", "--no-execute")] {
        if !have(shell) {
            eprintln!("skipped: {shell} is not installed");
            continue;
        }
        let d = tmpdir(shell);
        let f = d.join("c");
        std::fs::write(&f, stdout(&run(&["completions", shell]))).unwrap();
        let o = Command::new(shell).arg(check).arg(&f).output().unwrap();
        assert!(
            o.status.success(),
            "{shell} {check}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let o = run(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("bash"),
        "lists the shells it knows"
    );
}

/// The page as a reader sees it: groff's or man's rendering when installed, else the source
/// with its roff requests.
fn rendered(page: &Path) -> String {
    if have("groff") {
        let o = Command::new("groff")
            // Wide lines and no hyphenation, so phrases stay whole.
            .args([
                "-man",
                "-Tutf8",
                "-P-c",
                "-P-b",
                "-P-u",
                "-ww",
                "-rLL=250n",
                "-rHY=0",
            ])
            .arg(page)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "groff: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let warnings = String::from_utf8_lossy(&o.stderr);
        assert!(
            warnings.trim().is_empty(),
            "groff warns about {}: {warnings}",
            page.display()
        );
        return words(&String::from_utf8_lossy(&o.stdout));
    }
    eprintln!("skipped rendering: groff is not installed; checking the roff source");
    words(
        &std::fs::read_to_string(page)
            .unwrap()
            .replace("\\-", "-")
            .replace(".SH ", "")
            .replace('"', "")
            .replace("\\fB", "")
            .replace("\\fR", "")
            .replace("\\fI", ""),
    )
}

/// Runs of white space as one space: justified text pads between words.
fn words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn man_pages_cover_every_subcommand_and_render() {
    let d = tmpdir("man");
    let o = run(&["man", "-o", d.to_str().unwrap()]);
    stdout(&o);
    let mut names: Vec<String> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = SUBCOMMANDS
        .iter()
        .map(|s| format!("casstune-{s}.1"))
        .collect();
    want.push("casstune.1".into());
    want.sort();
    assert_eq!(names, want);

    let main = std::fs::read_to_string(d.join("casstune.1")).unwrap();
    assert!(
        main.is_ascii(),
        "non-ASCII must be written as groff escapes"
    );
    assert!(
        main.starts_with(".ie") || main.starts_with(".TH"),
        "{}",
        &main[..80]
    );
    assert!(main.contains("\n.TH casstune 1 "), "title line");
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH DESCRIPTION",
        ".SH SUBCOMMANDS",
        ".SH \"EXIT STATUS\"",
    ] {
        assert!(main.contains(section), "casstune.1 lacks {section}");
    }
    let text = rendered(&d.join("casstune.1"));
    for want in [
        "SYNOPSIS",
        "EXIT STATUS",
        "Findings at or above --fail-on",
        "The collection was partial",
        "casstune-diff(1)",
    ] {
        assert!(
            text.contains(want),
            "rendered casstune.1 lacks {want:?}:\n{text}"
        );
    }
    let analyze = rendered(&d.join("casstune-analyze.1"));
    for want in [
        "casstune analyze",
        "--metrics-port",
        "Exit codes: 0 nothing at or above --fail-on",
    ] {
        assert!(
            analyze.contains(want),
            "rendered casstune-analyze.1 lacks {want:?}:\n{analyze}"
        );
    }
    if have("man") {
        let o = Command::new("man")
            .env("MANWIDTH", "100")
            .args(["-l"])
            .arg(d.join("casstune-diff.1"))
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "man -l: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(String::from_utf8_lossy(&o.stdout).contains("OLD.snap"));
    }

    // Without -o, casstune.1 goes to standard output, byte for byte the same.
    assert_eq!(stdout(&run(&["man"])), main);
    // A directory that cannot be made is an error naming it.
    let blocker = d.join("file");
    std::fs::write(&blocker, "x").unwrap();
    let o = run(&["man", "-o", blocker.join("sub").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot create the directory"));
}
