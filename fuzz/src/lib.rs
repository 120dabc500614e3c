//! The bodies of casstune's fuzz targets, one function per target.
//!
//! Each `fuzz_targets/<name>.rs` only calls `casstune_fuzz::<name>(data)`, and
//! `tests/fuzz_regressions.rs` includes this same file (`#[path]`) to replay the inputs saved in
//! `fuzz/regressions/<name>/`, so a crash found by the fuzzer and its regression test run exactly
//! the same code. This file may therefore only use `casstune`, `tar` and `zstd` (dependencies
//! of both the main crate and the fuzz crate) and `std`.
//!
//! A target "crashes" on a panic (overflow checks and debug assertions are on in the fuzz build),
//! on an `assert!` of a property stated below, on a timeout or on running out of memory.
//! Inputs that are not UTF-8 are dropped by the text targets: every text entry point takes `&str`
//! (the CLI refuses non-UTF-8 files before parsing).

#![allow(dead_code)]

use std::cell::RefCell;

use casstune::catalog::Version;
use casstune::collect::prometheus::{self, MAX_ERRORS};
use casstune::engine::Engine;
use casstune::lint::{FileKind, NodeInputs};
use casstune::model::Snapshot;
use casstune::model::config::{self, SourceFile};
use casstune::model::jvm::JvmConfig;
use casstune::model::units::{self, Dimension, Quantity, Unit};
use casstune::parse::{env_sh, jvm};
use casstune::report::{self, Format, Report, Target};
use casstune::snapshot::Archive;

const DIMENSIONS: [Dimension; 3] = [Dimension::Storage, Dimension::Duration, Dimension::Rate];

// ---------------------------------------------------------------------------------------------
// units

/// The unit parsers: Cassandra's `<integer><unit>` quantities (all three dimensions, with and
/// without bounds), JVM sizes (`parse_jvm_size`, HotSpot's `atojulong`), CLI sizes, SI hints.
///
/// Properties: a parsed quantity prints as text that parses back to itself; every exact
/// conversion and normalisation keeps its value in base units; a bounded parse succeeds only
/// where the plain parse does; a decimal size HotSpot reads, `parse_jvm_size` reads the same.
pub fn units(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    for dim in DIMENSIONS {
        let Ok(q) = Quantity::parse(s, dim) else {
            // parse_bounded starts with parse: it fails the same way.
            continue;
        };
        for &min in Unit::accepted(dim) {
            for max in [
                None,
                Some(i32::MAX as u128),
                Some(u64::MAX as u128),
                Some(1),
            ] {
                if let Ok(b) = Quantity::parse_bounded(s, dim, min, max) {
                    assert_eq!(b, q, "bounded parse of {s:?} differs");
                }
            }
        }
        assert_eq!(q.dimension(), dim);
        let shown = q.to_string();
        assert_eq!(
            Quantity::parse(&shown, dim).as_ref(),
            Ok(&q),
            "{s:?} parses to {q:?}, which prints as {shown:?}"
        );
        for &u in Unit::accepted(dim) {
            let n = q.normalized(u);
            assert_eq!(n.base(), q.base(), "{q:?} normalised to {u:?} is {n:?}");
            if let Some(c) = q.to_unit_exact(u) {
                assert_eq!(c.base(), q.base(), "{q:?} converted to {u:?} is {c:?}");
            }
            let _ = q.as_f64(u);
        }
        let _ = units::human_bytes(q.base());
    }
    let _ = Unit::from_symbol(s);
    let _ = units::si_to_binary(s);
    let _ = config::yaml11_bool(s);
    let jvm_size = units::parse_jvm_size(s);
    if let Some(b) = jvm_size {
        let _ = units::human_bytes(b);
    }
    let _ = units::parse_cli_size(s);
    if let Some(n) = jvm::atojulong(s)
        && !s.contains(['x', 'X'])
    {
        assert_eq!(
            jvm_size,
            Some(u128::from(n)),
            "HotSpot reads {s:?} as {n} bytes, parse_jvm_size does not"
        );
    }
    if let Ok(n) = s.parse::<i64>() {
        for dim in DIMENSIONS {
            for &u in Unit::accepted(dim) {
                if let Some(q) = Quantity::from_legacy(n, u) {
                    let _ = q.normalized(u).to_string();
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// yaml

/// cassandra.yaml: the YAML reader (`parse::yaml`) and its interpretation (`model::config`).
///
/// The Cassandra version is chosen by the input's length (one version per run: each version
/// reads the text again, and the YAML reader is most of the cost, so four versions per run
/// would quarter the speed for little more coverage).
pub fn yaml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let version = Version::ALL[data.len() % Version::ALL.len()];
    let Ok(cfg) = config::load("conf/cassandra.yaml", text, version) else {
        return;
    };
    for e in &cfg.entries {
        let _ = config::raw_value(&e.key, &e.node);
        let _ = cfg.entry_for(&e.key);
        if let Some(s) = cfg.get(&e.key) {
            let _ = (
                s.value.as_quantity(),
                s.value.as_i64(),
                s.value.as_str(),
                s.value.as_bool(),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// jvm

/// JVM options files and cassandra-env.sh, and the merged [`JvmConfig`] built from them. The
/// same text is read both ways (seeds are either kind).
pub fn jvm(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = jvm::ignored_lines(text);
    // add_options_file and add_env_sh run jvm::parse_options_file and env_sh::parse.
    let mut cfg = JvmConfig::default();
    cfg.add_options_file(
        SourceFile {
            path: "conf/jvm17-server.options".into(),
            text: text.to_string(),
        },
        17,
        true,
    );
    cfg.add_env_sh(
        SourceFile {
            path: "conf/cassandra-env.sh".into(),
            text: text.to_string(),
        },
        17,
    );
    for o in &cfg.options {
        let _ = o.parsed.xx_name();
        assert!(o.line >= 1);
    }
    if let Some((_, env)) = &cfg.env {
        for list in [&env.max_heap_size, &env.heap_newsize, &env.local_jmx] {
            let _ = env_sh::EnvSh::effective(list);
        }
    }
    let _ = cfg.max_heap();
    let _ = cfg.gc();
    for flag in [
        jvm::SizeFlag::Xms,
        jvm::SizeFlag::Xmx,
        jvm::SizeFlag::Xmn,
        jvm::SizeFlag::Xss,
    ] {
        let _ = cfg.size(flag);
    }
    for name in [
        "UseG1GC",
        "UseConcMarkSweepGC",
        "MaxGCPauseMillis",
        "ParallelGCThreads",
    ] {
        let _ = cfg.bool_flag(name);
        let _ = cfg.value_flag(name);
    }
    let _ = cfg.active().count();
    let _ = cfg.is_empty();
}

// ---------------------------------------------------------------------------------------------
// prometheus

/// The exposition parser and the normaliser. A NUL byte splits the input into a first and a
/// second scrape for [`prometheus::node_metrics`], which computes counter rates between them.
///
/// Properties: at most [`MAX_ERRORS`] errors are kept; every error's line exists.
pub fn prometheus(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (first, second) = match text.split_once('\0') {
        Some((a, b)) => (a, Some(b)),
        None => (text, None),
    };
    let exp = prometheus::parse(first);
    assert!(exp.errors.len() <= MAX_ERRORS);
    for e in &exp.errors {
        assert!(
            e.line >= 1 && e.line <= exp.lines.max(1),
            "{e:?} of {} lines",
            exp.lines
        );
        let _ = e.to_string();
    }
    let _ = exp.sample_count();
    for (_, s) in exp.samples() {
        let _ = s.label("name");
    }
    let _ = prometheus::dialect_scores(&exp);
    // Parses again and normalises, both scrapes, then the rates between them.
    let _ = prometheus::node_metrics(first, second.map(|b| (b, 30.0)));
}

// ---------------------------------------------------------------------------------------------
// snapshot

/// The snapshot reader and loader: [`Archive::from_bytes_partial`], then
/// [`casstune::analyze::load::snapshot`] (manifest, CQL rows, schema, settings, traces,
/// scrapes, config files, host facts), then the rule engine on the result.
///
/// Input: bytes that start with the zstd magic are an archive as is (this fuzzes zstd, tar and
/// the archive checks). Anything else is a *member list*, which the target turns into a valid
/// archive first, so that mutations reach the members' parsers rather than dying in zstd:
/// NUL-separated `manifest.json` text, then pairs of member path and member content
/// (`manifest \0 path \0 content \0 path \0 content …`).
pub fn snapshot(data: &[u8]) {
    let bytes;
    let archive_bytes = if data.starts_with(&ZSTD_MAGIC) {
        data
    } else {
        bytes = archive_from_members(data);
        &bytes
    };
    let Ok((archive, problems)) = Archive::from_bytes_partial(archive_bytes, "fuzz.snap") else {
        return;
    };
    let _ = problems;
    let _ = casstune::analyze::load::collection_errors(&archive);
    let mut problems = Vec::new();
    let snap = casstune::analyze::load::snapshot(&archive, &mut problems);
    with_engine(|engine| {
        let _ = engine.run(&snap);
    });
}

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// A `.snap` (zstd frame around a tar stream, manifest first) holding the members of `data`
/// (see [`snapshot`]). Names tar will not store as given (`..`, absolute) are written raw into
/// the header, so the reader's own name checks are fuzzed too.
pub fn archive_from_members(data: &[u8]) -> Vec<u8> {
    let mut parts = nul_separated(data);
    let manifest = parts.next().unwrap_or_default();
    let mut builder = tar::Builder::new(Vec::new());
    append(&mut builder, b"manifest.json", manifest);
    while let Some(path) = parts.next() {
        let content = parts.next().unwrap_or_default();
        append(&mut builder, path, content);
    }
    let tar = builder.into_inner().unwrap_or_default();
    thread_local! {
        static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    }
    COMPRESSOR.with(|c| {
        let mut c = c.borrow_mut();
        let c = c.get_or_insert_with(|| {
            // The fastest level: the members, not the compression ratio, are what is fuzzed
            // (level 1 took about 4% of each execution).
            let level = zstd::zstd_safe::min_c_level();
            let mut c = zstd::bulk::Compressor::new(level).expect("zstd compressor");
            c.set_parameter(zstd::zstd_safe::CParameter::ChecksumFlag(true))
                .expect("zstd checksum flag");
            c
        });
        c.compress(&tar).expect("zstd compression into memory")
    })
}

/// `data.split(|b| *b == 0)`, each NUL found by std's word-at-a-time search: the closure of
/// `split` is instrumented and called for every byte, which costs more than the split is worth.
fn nul_separated(mut data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        match std::ffi::CStr::from_bytes_until_nul(data) {
            Ok(part) => {
                let (part, rest) = data.split_at(part.to_bytes().len());
                data = &rest[1..];
                Some(part)
            }
            Err(_) => {
                done = true;
                Some(data)
            }
        }
    })
}

fn append(builder: &mut tar::Builder<Vec<u8>>, path: &[u8], content: &[u8]) {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(content.len() as u64);
    h.set_mode(0o644);
    h.set_mtime(0);
    if let Ok(p) = std::str::from_utf8(path)
        && builder.append_data(&mut h.clone(), p, content).is_ok()
    {
        return;
    }
    // Raw name (at most the 100 bytes of the old header's field).
    let name = &mut h.as_old_mut().name;
    let n = path.len().min(name.len());
    name[..n].copy_from_slice(&path[..n]);
    h.set_cksum();
    let _ = builder.append(&h, content);
}

// ---------------------------------------------------------------------------------------------
// lint

/// The lint pipeline on fuzzed config files: [`casstune::lint::node_from_texts`] (version
/// detection, cassandra.yaml, JVM files), every rule of the standard engine, the fix patch, and
/// one report format (chosen by the input's length).
///
/// Input: `cassandra.yaml` text, optionally followed by NUL and `jvm17-server.options` text,
/// then NUL and `cassandra-env.sh` text.
pub fn lint(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\0');
    let mut texts = Vec::new();
    for (name, kind) in [
        ("conf/cassandra.yaml", FileKind::CassandraYaml),
        ("conf/jvm17-server.options", FileKind::JvmOptions),
        ("conf/cassandra-env.sh", FileKind::EnvSh),
    ] {
        if let Some(t) = parts.next() {
            texts.push((name.to_string(), t.to_string(), kind));
        }
    }
    let mut errors = Vec::new();
    let Some(node) =
        casstune::lint::node_from_texts("conf", texts, &NodeInputs::default(), &mut errors)
    else {
        return;
    };
    let target = Target {
        subject: node.id.clone(),
        cassandra_version: node.version.to_string(),
        version_source: node.version_source.clone(),
        files: Vec::new(),
    };
    let mut snapshot = Snapshot::default();
    snapshot.nodes.push(node);
    with_engine(|engine| {
        let outcome = engine.run(&snapshot);
        let patch = casstune::fix::patch(&snapshot, &outcome.findings);
        assert_patch_applies(&snapshot, &patch);
        let mut ids: Vec<&str> = outcome.findings.iter().map(|f| f.rule.as_str()).collect();
        ids.sort();
        ids.dedup();
        let report = Report {
            findings: &outcome.findings,
            not_checked: &outcome.not_checked,
            targets: std::slice::from_ref(&target),
            rules: ids
                .iter()
                .filter_map(|id| engine.rule(id).map(|r| &r.meta))
                .collect(),
            suppressed: 0,
            baselined: 0,
            color: false,
            snapshot: Some(&snapshot),
        };
        const FORMATS: [Format; 6] = [
            Format::Table,
            Format::Json,
            Format::Sarif,
            Format::Github,
            Format::Markdown,
            Format::Html,
        ];
        let _ = report::render(FORMATS[data.len() % FORMATS.len()], &report);
    });
}

/// The fix patch applies to the files it was made from, as `git apply --check` judges it: each
/// hunk has the lines its header counts, and its context and removed lines are the file's own
/// lines at that place. (Lines end at `\n` alone, as in git and patch.)
fn assert_patch_applies(snapshot: &Snapshot, patch: &str) {
    let mut lines = patch.split_inclusive('\n').peekable();
    let mut file: Vec<&str> = Vec::new();
    while let Some(line) = lines.next() {
        if let Some(path) = line.strip_prefix("--- a/") {
            let path = path.trim_end_matches('\n');
            let text = snapshot
                .file_text(path)
                .unwrap_or_else(|| panic!("patch names {path}, which was not linted"));
            file = text.split_inclusive('\n').collect();
            let plus = lines.next().unwrap_or_default();
            assert!(
                plus.starts_with("+++ b/"),
                "no +++ line after {line:?}: {plus:?}"
            );
            continue;
        }
        let header = line
            .strip_prefix("@@ -")
            .and_then(|h| h.strip_suffix(" @@\n"))
            .unwrap_or_else(|| panic!("not a hunk header: {line:?}\n{patch}"));
        let range = |r: &str| -> (usize, usize) {
            let (start, len) = r.split_once(',').unwrap_or((r, "1"));
            (start.parse().unwrap(), len.parse().unwrap())
        };
        let (old, new) = header.split_once(" +").expect("two ranges");
        let ((start, mut old_left), (_, mut new_left)) = (range(old), range(new));
        let mut at = if old_left == 0 { start } else { start - 1 };
        while old_left + new_left > 0 {
            let l = lines
                .next()
                .unwrap_or_else(|| panic!("hunk {line:?} is shorter than its header\n{patch}"));
            let (tag, mut body) = l.split_at(1);
            if lines.peek().is_some_and(|n| n.starts_with('\\')) {
                lines.next();
                body = body
                    .strip_suffix('\n')
                    .expect("a marked line ends the patch line");
            }
            let count = |left: &mut usize| {
                *left = left
                    .checked_sub(1)
                    .unwrap_or_else(|| panic!("hunk {line:?} has more lines than its header"));
            };
            match tag {
                " " | "-" => {
                    assert_eq!(file.get(at).copied(), Some(body), "hunk {line:?}\n{patch}");
                    at += 1;
                    count(&mut old_left);
                    if tag == " " {
                        count(&mut new_left);
                    }
                }
                "+" => count(&mut new_left),
                _ => panic!("hunk {line:?}: a line starting {tag:?}\n{patch}"),
            }
        }
    }
}

/// The standard rule engine, built once per thread (building it compiles every CEL rule).
fn with_engine(f: impl FnOnce(&Engine)) {
    thread_local! {
        static ENGINE: Engine = {
            let engine = Engine::standard().expect("the standard rules load");
            engine.precompile();
            engine
        };
    }
    ENGINE.with(f);
}
