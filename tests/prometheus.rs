//! The Prometheus exposition parser and the metric normalisation, on real scrapes and on
//! the tricky cases of the text format 0.0.4.
//!
//! Real inputs: `fixtures/scrapes/node1-idle.prom` (casstune's own Cassandra 5.0 test node,
//! JMX exporter with `tools/cassandra/jmx-exporter.yaml`) and `../shared/fixtures/prometheus/*.prom`
//! (netdata's recorded JMX-exporter scrapes without rules, read in place; skipped with a
//! message when that directory is absent). MCAC and cassandra-exporter inputs are hand-made
//! (no real scrape of either was available) and marked as such.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use casstune::collect::prometheus::{
    Dialect, ErrorKind, Exposition, MetricType, MetricUnit, Normalised, normalise, parse, vocab,
};

// ---------------------------------------------------------------------------------------
// Helpers

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn node1_text() -> String {
    read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scrapes/node1-idle.prom"))
}

/// The netdata scrapes, or `None` (with a message) when ../shared is not there.
fn shared_scrapes() -> Option<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/prometheus");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipping: {} is absent", dir.display());
        return None;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "prom"))
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        5,
        "expected the five netdata scrapes in {}",
        dir.display()
    );
    Some(files)
}

fn shared_scrape(prefix: &str) -> Option<String> {
    let files = shared_scrapes()?;
    let path = files
        .iter()
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
        })
        .unwrap_or_else(|| panic!("no scrape {prefix}*"));
    Some(read(path))
}

fn clean(text: &str) -> Exposition<'_> {
    let e = parse(text);
    assert!(e.is_clean(), "unexpected errors: {:#?}", e.errors);
    e
}

fn only_error<'e>(e: &'e Exposition<'_>) -> &'e casstune::collect::prometheus::ParseError {
    assert_eq!(
        e.errors.len(),
        1,
        "expected exactly one error: {:#?}",
        e.errors
    );
    &e.errors[0]
}

/// Asserts a normalised value (NaN-aware) and returns the metric's source line.
fn assert_metric(n: &Normalised, name: &str, scope: &[(&str, &str)], want: f64) -> usize {
    let m = n
        .find(name, scope)
        .unwrap_or_else(|| panic!("{name} {scope:?} missing ({:?})", n.dialect));
    let ok = if want.is_nan() {
        m.value.is_nan()
    } else {
        (m.value - want).abs() <= want.abs() * 1e-12
    };
    assert!(ok, "{name} {scope:?} = {}, want {want}", m.value);
    m.line
}

/// Every metric uses a vocabulary name, its unit and its scope keys.
fn assert_in_vocabulary(n: &Normalised) {
    for m in &n.metrics {
        let e = vocab::lookup(m.name).unwrap_or_else(|| panic!("{} not in the vocabulary", m.name));
        assert_eq!(m.unit, e.unit, "{}", m.name);
        let keys: Vec<&str> = m.scope.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, e.scope, "{}", m.name);
    }
}

/// Independent reading of a sample line: the value is the last blank-separated token
/// (these scrapes have no timestamps).
fn naive_value(line: &str) -> f64 {
    let tok = line.rsplit(' ').next().unwrap_or_default();
    tok.parse()
        .unwrap_or_else(|_| panic!("naive parse of {line:?}"))
}

/// Checks a real scrape against counts made without the parser: one sample per non-comment
/// line with the value at its end, one declared family per TYPE line, HELP texts kept.
fn check_real_scrape(name: &str, text: &str) -> Exposition<'static> {
    let text: &'static str = Box::leak(text.to_string().into_boxed_str());
    let e = parse(text);
    assert!(e.is_clean(), "{name}: {:#?}", e.errors);
    let lines: Vec<&str> = text.lines().collect();
    let sample_lines: Vec<(usize, &str)> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .map(|(i, l)| (i + 1, *l))
        .collect();
    let type_lines = lines.iter().filter(|l| l.starts_with("# TYPE ")).count();
    let help_lines = lines.iter().filter(|l| l.starts_with("# HELP ")).count();
    assert_eq!(e.lines, lines.len(), "{name}: lines");
    assert_eq!(e.sample_count(), sample_lines.len(), "{name}: samples");
    assert_eq!(
        e.families.iter().filter(|f| f.declared).count(),
        type_lines,
        "{name}: TYPE lines"
    );
    assert_eq!(
        e.families.iter().filter(|f| f.help.is_some()).count(),
        help_lines,
        "{name}: HELP lines"
    );
    assert!(e.families.len() >= type_lines);
    // Every sample line's value, by line number.
    let by_line: HashMap<usize, f64> = e.samples().map(|(_, s)| (s.line, s.value)).collect();
    for (no, line) in &sample_lines {
        let want = naive_value(line);
        let got = by_line[no];
        assert!(
            got == want || (got.is_nan() && want.is_nan()),
            "{name}:{no}: {got} vs {want}"
        );
    }
    // Each sample's family is its own name or the summary/histogram it belongs to.
    for (f, s) in e.samples() {
        let ok = s.name == f.name
            || (matches!(f.kind, MetricType::Summary | MetricType::Histogram)
                && ["_sum", "_count", "_bucket"]
                    .iter()
                    .any(|x| s.name == format!("{}{x}", f.name)));
        assert!(ok, "{name}: {} in family {}", s.name, f.name);
    }
    e
}

// ---------------------------------------------------------------------------------------
// Real scrapes: parse

#[test]
fn node1_parses_completely() {
    let text = node1_text();
    let e = check_real_scrape("node1-idle.prom", &text);
    assert!(e.trailing_newline);
    // Counted with grep: 2356 lines, 208 TYPE lines, 1940 sample lines.
    assert_eq!(e.lines, 2356);
    assert_eq!(e.families.len(), 208);
    assert_eq!(e.sample_count(), 1940);
    // The GC summary keeps its _count/_sum samples (no quantile lines in this exporter).
    let gc = e.family("jvm_gc_collection_seconds").expect("gc family");
    assert_eq!(gc.kind, MetricType::Summary);
    assert_eq!(gc.samples.len(), 4);
    assert_eq!(gc.samples[1].name, "jvm_gc_collection_seconds_sum");
    assert_eq!(
        gc.samples[1].label("gc").as_deref(),
        Some("G1 Old Generation")
    );
    // Families in file order.
    assert_eq!(e.families[0].name, "cassandra_cache_capacity");
    assert_eq!(
        e.families.last().map(|f| f.name),
        Some("process_virtual_memory_bytes")
    );
}

#[test]
fn netdata_scrapes_parse_completely() {
    let Some(files) = shared_scrapes() else {
        return;
    };
    // (file prefix, lines, families = TYPE lines, samples) counted with grep/wc.
    let expected = [
        ("01_", 2577, 47, 2483),
        ("02_", 223, 49, 125),
        ("03_", 345, 50, 245),
        ("04_", 413, 54, 305),
        ("05_", 402, 59, 284),
    ];
    for (path, (prefix, lines, families, samples)) in files.iter().zip(expected) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        assert!(name.starts_with(prefix), "{name}");
        let text = read(path);
        let e = check_real_scrape(&name, &text);
        assert_eq!(
            (e.lines, e.families.len(), e.sample_count()),
            (lines, families, samples),
            "{name}"
        );
        // 04 and 05 were committed without a final newline (wc -l says one line less); their
        // last line still counts.
        assert_eq!(
            e.trailing_newline,
            !(prefix == "04_" || prefix == "05_"),
            "{name}"
        );
    }
}

#[test]
fn netdata_trailing_comma_labels() {
    let Some(text) = shared_scrape("05_") else {
        return;
    };
    let e = clean(&text);
    let f = e
        .family("org_apache_cassandra_metrics_clientrequest_99thpercentile")
        .expect("family");
    let s = &f.samples[0];
    assert_eq!(s.labels().count(), 2);
    assert_eq!(s.label("scope").as_deref(), Some("Read"));
    assert_eq!(s.label("name").as_deref(), Some("Latency"));
    assert_eq!(s.value, 219.342);
}

// ---------------------------------------------------------------------------------------
// The format, case by case

#[test]
fn label_values_with_escapes_and_delimiters() {
    let text = concat!(
        "m{path=\"C:\\\\dir\\\\x\",q=\"say \\\"hi\\\"\",nl=\"a\\nb\",",
        "odd=\"a,b=c}d{e\",empty=\"\"} 1\n"
    );
    let e = clean(text);
    let s = &e.families[0].samples[0];
    assert_eq!(s.label("path").as_deref(), Some("C:\\dir\\x"));
    assert_eq!(s.label("q").as_deref(), Some("say \"hi\""));
    assert_eq!(s.label("nl").as_deref(), Some("a\nb"));
    assert_eq!(s.label("odd").as_deref(), Some("a,b=c}d{e"));
    assert_eq!(s.label("empty").as_deref(), Some(""));
    // Order as written.
    let names: Vec<&str> = s.labels().map(|l| l.name).collect();
    assert_eq!(names, ["path", "q", "nl", "odd", "empty"]);
    assert!(
        matches!(s.labels().nth(3).map(|l| l.value), Some(Cow::Borrowed(_))),
        "no escape: no copy"
    );
}

#[test]
fn special_values_and_timestamps() {
    let text = "a NaN\nb +Inf\nc -Inf\nd 1.5e-3\ne -2E+10 1700000000000\nf 7 -5\ng 0x10\nh 1_000\n";
    let e = parse(text);
    let v: HashMap<&str, (f64, Option<i64>)> = e
        .samples()
        .map(|(_, s)| (s.name, (s.value, s.timestamp_ms)))
        .collect();
    assert!(v["a"].0.is_nan());
    assert_eq!(v["b"].0, f64::INFINITY);
    assert_eq!(v["c"].0, f64::NEG_INFINITY);
    assert_eq!(v["d"].0, 0.0015);
    assert_eq!(v["e"], (-2e10, Some(1_700_000_000_000)));
    assert_eq!(v["f"], (7.0, Some(-5)));
    // Hex and underscores are not floats in this format (the Prometheus server rejects them).
    let bad: Vec<(usize, ErrorKind)> = e.errors.iter().map(|x| (x.line, x.kind)).collect();
    assert_eq!(
        bad,
        [(7, ErrorKind::InvalidValue), (8, ErrorKind::InvalidValue)]
    );
}

#[test]
fn whitespace_comments_and_blank_lines() {
    let text = "\n   \n# a plain comment\n#HELPless comment\n# HELP\n\t m_1 { a = \"x\" , b=\"y\", } \t 3 \t 12 \t\nm_2{} 4\nm_3{a=\"z\"}5\n";
    let e = clean(text);
    let got: Vec<(&str, f64, Option<i64>)> = e
        .samples()
        .map(|(_, s)| (s.name, s.value, s.timestamp_ms))
        .collect();
    assert_eq!(
        got,
        [
            ("m_1", 3.0, Some(12)),
            ("m_2", 4.0, None),
            ("m_3", 5.0, None)
        ]
    );
    assert_eq!(e.families[0].samples[0].label("b").as_deref(), Some("y"));
}

#[test]
fn help_text_is_decoded() {
    let e = clean(
        "# HELP m line one\\nline two, a \\\\ backslash and a \"quote\"\n# TYPE m counter\nm 1\n",
    );
    let f = &e.families[0];
    assert_eq!(
        f.help.as_deref(),
        Some("line one\nline two, a \\ backslash and a \"quote\"")
    );
    assert_eq!(f.kind, MetricType::Counter);
    assert!(f.declared);
}

#[test]
fn summary_and_histogram_grouping() {
    let text = "\
# TYPE rpc summary
rpc{quantile=\"0.5\"} 1
rpc{quantile=\"0.99\"} 9
rpc_sum 100
rpc_count 20
# TYPE lat histogram
lat_bucket{le=\"0.1\"} 3
lat_bucket{le=\"+Inf\"} 5
lat_sum 0.4
lat_count 5
# TYPE rpc_count_total counter
rpc_count_total 3
";
    let e = clean(text);
    let names: Vec<(&str, MetricType, usize)> = e
        .families
        .iter()
        .map(|f| (f.name, f.kind, f.samples.len()))
        .collect();
    assert_eq!(
        names,
        [
            ("rpc", MetricType::Summary, 4),
            ("lat", MetricType::Histogram, 4),
            ("rpc_count_total", MetricType::Counter, 1),
        ]
    );
}

#[test]
fn count_named_families_stay_their_own() {
    // crates.md: openmetrics-parser rejected the histogram `cassandra_table_partition_cell_count`
    // over its `_count` suffix. Here it is a histogram, and a gauge ending in _count next to
    // a summary of the stripped name stays a gauge.
    let text = "\
# TYPE cassandra_table_partition_cell_count histogram
cassandra_table_partition_cell_count_bucket{le=\"1\"} 2
cassandra_table_partition_cell_count_bucket{le=\"+Inf\"} 3
cassandra_table_partition_cell_count_sum 5
cassandra_table_partition_cell_count_count 3
# TYPE req summary
req_sum 1
# TYPE req_count gauge
req_count 7
# TYPE untyped_thing untyped
untyped_thing 1
untyped_thing_count 2
";
    let e = clean(text);
    let fams: Vec<(&str, MetricType, usize)> = e
        .families
        .iter()
        .map(|f| (f.name, f.kind, f.samples.len()))
        .collect();
    assert_eq!(
        fams,
        [
            (
                "cassandra_table_partition_cell_count",
                MetricType::Histogram,
                4
            ),
            ("req", MetricType::Summary, 1),
            ("req_count", MetricType::Gauge, 1),
            ("untyped_thing", MetricType::Untyped, 1),
            // An untyped family does not take _count lines: they are their own family.
            ("untyped_thing_count", MetricType::Untyped, 1),
        ]
    );
}

#[test]
fn garbage_line_is_reported_with_its_line_and_parsing_goes_on() {
    let text = "a 1\nthis is not a sample\nb{x=\"1\"} 2\n{y=\"2\"} 3\nc 4\n";
    let e = parse(text);
    let errs: Vec<(usize, usize, ErrorKind)> = e
        .errors
        .iter()
        .map(|x| (x.line, x.column, x.kind))
        .collect();
    assert_eq!(
        errs,
        [(2, 6, ErrorKind::InvalidValue), (4, 1, ErrorKind::Syntax)]
    );
    assert!(e.errors[0].message.contains("\"is\""), "{}", e.errors[0]);
    assert!(
        e.errors[1]
            .to_string()
            .starts_with("line 4:1: expected a metric name"),
        "{}",
        e.errors[1]
    );
    let names: Vec<&str> = e.samples().map(|(_, s)| s.name).collect();
    assert_eq!(names, ["a", "b", "c"]);
}

#[test]
fn each_malformed_sample_shape_is_reported() {
    let cases: [(&str, ErrorKind, &str); 14] = [
        ("m{a=\"1\" 1", ErrorKind::Syntax, "',' or '}'"),
        ("m{a=1} 1", ErrorKind::Syntax, "'\"' to open"),
        ("m{a \"1\"} 1", ErrorKind::Syntax, "'='"),
        ("m{1a=\"1\"} 1", ErrorKind::Syntax, "a label name"),
        ("m{a=\"1\",a=\"2\"} 1", ErrorKind::DuplicateLabel, "twice"),
        (
            "m{a=\"x\\ty\"} 1",
            ErrorKind::InvalidEscape,
            "invalid escape",
        ),
        ("m", ErrorKind::Syntax, "a sample value"),
        ("m{}", ErrorKind::Syntax, "a sample value"),
        (
            "m 1 2 3",
            ErrorKind::Syntax,
            "end of line after the timestamp",
        ),
        ("m 1 1.5", ErrorKind::InvalidTimestamp, "integer"),
        ("m one", ErrorKind::InvalidValue, "\"one\""),
        ("m-x 1", ErrorKind::Syntax, "metric-name character"),
        ("m 1\r", ErrorKind::InvalidValue, "\"1\\r\""),
        ("9m 1", ErrorKind::Syntax, "a metric name"),
    ];
    for (line, kind, needle) in cases {
        let text = format!("ok 1\n{line}\nok2 2\n");
        let e = parse(&text);
        let err = only_error(&e);
        assert_eq!((err.line, err.kind), (2, kind), "{line:?}: {err}");
        assert!(err.message.contains(needle), "{line:?}: {err}");
        assert_eq!(
            e.sample_count(),
            2,
            "{line:?}: the good lines around it stay"
        );
    }
}

#[test]
fn truncated_last_line_is_an_error_with_its_line() {
    let full = "# TYPE m gauge\nm{a=\"x\",b=\"yy\"} 12.5\n";
    // Cut inside the label set, inside a value, after an escape, in the timestamp.
    for cut in [
        "m{a=\"x\",b=\"y",
        "m{a=\"x\",b",
        "m{a=\"x\\",
        "m{a=\"x\",b=\"yy\"}",
        "m 1 17e",
    ] {
        let text = format!("# TYPE m gauge\nn 1\n{cut}");
        let e = parse(&text);
        assert!(!e.trailing_newline);
        let err = only_error(&e);
        assert_eq!(
            (err.line, err.kind),
            (3, ErrorKind::Truncated),
            "{cut:?}: {err}"
        );
        assert!(err.message.contains("no final newline"), "{err}");
        assert_eq!(e.sample_count(), 1);
    }
    // A complete last line without newline is a sample; the flag tells the caller.
    let e = clean(full.trim_end());
    assert!(!e.trailing_newline);
    assert_eq!(e.families[0].samples[0].value, 12.5);
}

#[test]
fn unknown_type_is_reported_and_samples_kept_untyped() {
    let e = parse("# TYPE m gaugee\nm 1\n# TYPE n\nn 2\n");
    let errs: Vec<(usize, usize, ErrorKind)> = e
        .errors
        .iter()
        .map(|x| (x.line, x.column, x.kind))
        .collect();
    assert_eq!(
        errs,
        [(1, 10, ErrorKind::UnknownType), (3, 9, ErrorKind::Syntax)]
    );
    assert!(e.errors[0].message.contains("\"gaugee\""));
    assert_eq!(e.families[0].kind, MetricType::Untyped);
    assert_eq!(e.sample_count(), 2);
    // Types are case-insensitive, as in expfmt.
    assert_eq!(
        clean("# TYPE m COUNTER\nm 1\n").families[0].kind,
        MetricType::Counter
    );
}

#[test]
fn metadata_conflicts_are_reported() {
    let text =
        "m 1\n# TYPE m counter\n# HELP n a\n# HELP n b\n# TYPE n gauge\n# TYPE n counter\nn 2\n";
    let e = parse(text);
    let errs: Vec<(usize, ErrorKind)> = e.errors.iter().map(|x| (x.line, x.kind)).collect();
    assert_eq!(
        errs,
        [
            (2, ErrorKind::TypeAfterSamples),
            (4, ErrorKind::DuplicateHelp),
            (6, ErrorKind::DuplicateType)
        ]
    );
    assert_eq!(e.families[0].kind, MetricType::Untyped);
    assert_eq!(e.families[1].kind, MetricType::Gauge);
    assert_eq!(e.families[1].help.as_deref(), Some("a"));
}

#[test]
fn shape_problems_keep_the_sample() {
    let text = "# TYPE s summary\ns 1\ns{quantile=\"x\"} 2\n# TYPE h histogram\nh_bucket 3\nh 4\n";
    let e = parse(text);
    let errs: Vec<(usize, ErrorKind)> = e.errors.iter().map(|x| (x.line, x.kind)).collect();
    assert_eq!(
        errs,
        [
            (2, ErrorKind::FamilyShape),
            (3, ErrorKind::FamilyShape),
            (5, ErrorKind::FamilyShape),
            (6, ErrorKind::FamilyShape)
        ]
    );
    assert_eq!(e.sample_count(), 4);
}

#[test]
fn duplicate_series_keep_the_first() {
    let text = "m{a=\"1\",b=\"2\"} 1\nn 5\nm{b=\"2\",a=\"1\"} 2 100\nm{a=\"1\"} 3\n";
    let e = parse(text);
    let err = only_error(&e);
    assert_eq!((err.line, err.kind), (3, ErrorKind::DuplicateSeries));
    assert!(err.message.contains("line 1"), "{err}");
    let m = e.family("m").expect("m");
    assert_eq!(
        m.samples.iter().map(|s| s.value).collect::<Vec<_>>(),
        [1.0, 3.0]
    );
}

#[test]
fn non_contiguous_family_samples_are_grouped() {
    let e = clean("# TYPE a gauge\na{x=\"1\"} 1\nb 2\na{x=\"2\"} 3\n");
    assert_eq!(e.families.len(), 2);
    assert_eq!(e.family("a").map(|f| f.samples.len()), Some(2));
}

#[test]
fn empty_and_comment_only_inputs() {
    let e = clean("");
    assert!(e.trailing_newline && e.families.is_empty() && e.lines == 0);
    let e = clean("# HELP x only help\n");
    assert_eq!(e.families.len(), 1);
    assert_eq!(e.sample_count(), 0);
}

// ---------------------------------------------------------------------------------------
// Properties: round trip of escaped values, no panic on any input

/// xorshift64*: a tiny deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[test]
fn escaped_label_values_round_trip() {
    let alphabet: Vec<char> = "ab ,={}\"\\\n#é€\t".chars().collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut text = String::new();
    let mut want = Vec::new();
    for i in 0..2000 {
        let len = rng.below(12);
        let v: String = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        text.push_str(&format!("m{{i=\"{i}\",v=\"{}\"}} {i}\n", escape(&v)));
        want.push(v);
    }
    let e = clean(&text);
    let got: Vec<String> = e.families[0]
        .samples
        .iter()
        .map(|s| s.label("v").unwrap_or("?".into()).into_owned())
        .collect();
    assert_eq!(got, want);
}

#[test]
fn no_panic_on_random_bytes() {
    let mut rng = Rng(42);
    let alphabet = b"m_{}=\",\\ \t\n#HELPTYPE0123456789.eE+-NaInf:quantile le";
    for round in 0..3000 {
        let len = rng.below(200);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                if rng.below(4) == 0 {
                    rng.next() as u8
                } else {
                    alphabet[rng.below(alphabet.len())]
                }
            })
            .collect();
        let text = String::from_utf8_lossy(&bytes);
        let e = parse(&text);
        for err in &e.errors {
            assert!(
                err.line >= 1 && err.line <= e.lines.max(1),
                "round {round}: {err}"
            );
        }
        let _ = normalise(&e);
    }
}

#[test]
fn no_panic_on_truncations_and_mutations_of_a_real_scrape() {
    let text = node1_text();
    let full = parse(&text);
    let full_samples = full.sample_count();
    // Truncations: every cut point inside a few lines, plus evenly spaced ones.
    let bytes = text.len();
    let mut cuts: Vec<usize> = (0..300).collect();
    cuts.extend((0..bytes).step_by(bytes / 60));
    for cut in cuts {
        let Some(prefix) = text.get(..cut) else {
            continue;
        };
        let e = parse(prefix);
        assert!(e.sample_count() <= full_samples);
        // A cut inside a line costs at most that line; a cut at a line end costs nothing.
        assert!(e.errors.len() <= 1, "cut {cut}: {:#?}", e.errors);
        if let Some(err) = e.errors.first() {
            assert_eq!(
                (err.line, err.kind),
                (e.lines, ErrorKind::Truncated),
                "cut {cut}"
            );
        }
        let _ = normalise(&e);
    }
    // Mutations: overwrite, insert and delete bytes that matter to the grammar.
    let mut rng = Rng(7);
    let specials = b"\"\\{},=\n #";
    for _ in 0..60 {
        let mut m = text.as_bytes().to_vec();
        for _ in 0..1 + rng.below(20) {
            let at = rng.below(m.len());
            let b = specials[rng.below(specials.len())];
            match rng.below(3) {
                0 => m[at] = b,
                1 => m.insert(at, b),
                _ => {
                    m.remove(at);
                }
            }
        }
        let s = String::from_utf8_lossy(&m);
        let e = parse(&s);
        assert!(e.errors.iter().all(|x| x.line <= e.lines));
        let _ = normalise(&e);
    }
}

// ---------------------------------------------------------------------------------------
// Normalisation: (a) JMX exporter with casstune's rules, on the real node1 scrape

#[test]
fn node1_normalises_to_the_vocabulary() {
    let text = node1_text();
    let e = clean(&text);
    let n = normalise(&e);
    assert_eq!(n.dialect, Dialect::JmxExporter);
    assert_in_vocabulary(&n);
    let roles = [("keyspace", "system_auth"), ("table", "roles")];
    // Table latencies (µs) read from cassandra_table_readlatency_quantile / _max / count.
    let line = assert_metric(&n, "table.read_latency.p99_us", &roles, 3973.0);
    assert!(
        text.lines()
            .nth(line - 1)
            .is_some_and(|l| l.contains("quantile=\"0.99\"") && l.contains("roles"))
    );
    assert_metric(&n, "table.read_latency.p50_us", &roles, 258.0);
    assert_metric(&n, "table.read_latency.max_us", &roles, 3973.0);
    assert_metric(&n, "table.read_latency.count", &roles, 2.0);
    assert_metric(&n, "table.write_latency.p99_us", &roles, 446.0);
    assert_metric(&n, "table.write_latency.count", &roles, 1.0);
    assert_metric(&n, "table.tombstones_scanned.p99", &roles, 1.0);
    assert_metric(&n, "table.sstables_per_read.p99", &roles, 0.0);
    assert_metric(&n, "table.pending_compactions", &roles, 0.0);
    assert_metric(&n, "table.compression_ratio", &roles, -1.0);
    // Eight system_auth tables exported, each with its pending compactions.
    assert_eq!(n.all("table.pending_compactions").count(), 8);
    // Node-wide.
    assert_metric(&n, "cache.key.hit_ratio", &[], 0.8679245283018868);
    assert_metric(&n, "cache.key.hits", &[], 46.0);
    assert_metric(&n, "cache.key.requests", &[], 53.0);
    assert_metric(&n, "cache.key.capacity_bytes", &[], 5.3477376e7);
    assert_metric(&n, "cache.row.hit_ratio", &[], f64::NAN);
    assert_metric(&n, "compaction.pending_tasks", &[], 0.0);
    assert_metric(&n, "compaction.completed_tasks", &[], 51.0);
    assert_metric(&n, "storage.load_bytes", &[], 117144.0);
    assert_metric(&n, "clientrequest.read.latency.p99_us", &[], 126934.0);
    assert_metric(&n, "clientrequest.write.latency.p99_us", &[], 17084.0);
    assert_metric(&n, "clientrequest.read.latency.count", &[], 2.0);
    assert_metric(&n, "clientrequest.read.timeouts", &[], 0.0);
    // Legacy verb wins over its 4.0+ alias: the source is the MUTATION line (972).
    assert_eq!(assert_metric(&n, "dropped.mutation", &[], 0.0), 972);
    assert_eq!(n.all("dropped.mutation").count(), 1);
    // Thread pools: all 20 pools, one pending value each.
    let pools: Vec<&str> = n
        .all("threadpool.pending")
        .filter_map(|m| m.scope("pool"))
        .collect();
    assert_eq!(pools.len(), 20);
    assert!(pools.contains(&"ReadStage") && pools.contains(&"Native-Transport-Requests"));
    assert_metric(
        &n,
        "threadpool.pending",
        &[("pool", "CompactionExecutor")],
        0.0,
    );
    // JVM.
    assert_metric(&n, "jvm.heap.used_bytes", &[], 2.43374224e8);
    assert_metric(&n, "jvm.heap.max_bytes", &[], 1.073741824e9);
    assert_metric(
        &n,
        "jvm.gc.time_seconds_total",
        &[("gc", "G1 Young Generation")],
        0.576,
    );
    assert_metric(
        &n,
        "jvm.gc.collections_total",
        &[("gc", "G1 Young Generation")],
        10.0,
    );
    assert_metric(
        &n,
        "jvm.memory_pool.used_bytes",
        &[("memory_pool", "G1 Old Gen")],
        1.12287232e8,
    );
    assert_metric(&n, "process.open_fds", &[], 188.0);
    assert_metric(&n, "process.max_fds", &[], 20000.0);
    let unit = n.find("table.read_latency.p99_us", &roles).map(|m| m.unit);
    assert_eq!(unit, Some(MetricUnit::Microseconds));
}

// ---------------------------------------------------------------------------------------
// (b) JMX exporter without rules, on the real netdata scrapes

#[test]
fn netdata_full_scrape_normalises() {
    let Some(text) = shared_scrape("01_") else {
        return;
    };
    let e = clean(&text);
    let n = normalise(&e);
    assert_eq!(n.dialect, Dialect::JmxExporterRaw);
    assert_in_vocabulary(&n);
    let local = [("keyspace", "system"), ("table", "local")];
    assert_metric(&n, "table.read_latency.count", &local, 27.0);
    assert_metric(&n, "table.write_latency.count", &local, 6.0);
    assert_metric(&n, "cache.key.hit_ratio", &[], 0.8769230769230769);
    assert_metric(&n, "jvm.gc.time_seconds_total", &[("gc", "ParNew")], 0.112);
    assert_metric(
        &n,
        "jvm.gc.collections_total",
        &[("gc", "ConcurrentMarkSweep")],
        1.0,
    );
    assert_metric(&n, "jvm.heap.used_bytes", &[], 1.41245328e8);
    // The global roll-up (`{name="ReadLatency"}` without keyspace/scope) is not a table.
    assert!(
        n.all("table.read_latency.count")
            .all(|m| m.scope("keyspace").is_some())
    );
}

#[test]
fn netdata_latest_scrape_normalises() {
    let Some(text) = shared_scrape("05_") else {
        return;
    };
    let n = normalise(&clean(&text));
    assert_eq!(n.dialect, Dialect::JmxExporterRaw);
    assert_in_vocabulary(&n);
    assert_metric(&n, "clientrequest.read.latency.p50_us", &[], 61.214);
    assert_metric(&n, "clientrequest.read.latency.p99_us", &[], 219.342);
    assert_metric(&n, "clientrequest.read.latency.p999_us", &[], 454.826);
    assert_metric(&n, "clientrequest.write.latency.p99_us", &[], 152.321);
    assert_metric(&n, "clientrequest.read.latency.count", &[], 333316.0);
    assert_metric(&n, "clientrequest.write.timeouts", &[], 0.0);
    // No HitRate exported: derived from Hits and Misses.
    assert_metric(&n, "cache.key.requests", &[], 1336427.0 + 194890.0);
    assert_metric(
        &n,
        "cache.key.hit_ratio",
        &[],
        1336427.0 / (1336427.0 + 194890.0),
    );
    let ratio = n.find("cache.key.hit_ratio", &[]).map(|m| &*m.source);
    assert_eq!(ratio, Some("derived: cache.key.hits / requests"));
    assert_metric(&n, "cache.key.size_bytes", &[], 1.96559936e8);
    assert_metric(&n, "compaction.pending_tasks", &[], 0.0);
    assert_metric(&n, "compaction.completed_tasks", &[], 1078.0);
    assert_metric(&n, "compaction.bytes_compacted", &[], 2532.0);
    assert_metric(&n, "storage.load_bytes", &[], 8.58272986e8);
    assert_metric(&n, "dropped.mutation", &[], 0.0);
    assert_eq!(n.all("threadpool.pending").count(), 16);
    assert_metric(&n, "threadpool.pending", &[("pool", "ReadStage")], 0.0);
    assert_metric(&n, "threadpool.blocked", &[("pool", "MutationStage")], 0.0);
    assert_metric(&n, "jvm.heap.used_bytes", &[], 1.134866288e9);
    assert_metric(&n, "jvm.heap.max_bytes", &[], 2.0447232e9);
    assert_metric(&n, "jvm.gc.time_seconds_total", &[("gc", "ParNew")], 1.617);
    assert_metric(&n, "jvm.gc.collections_total", &[("gc", "ParNew")], 218.0);
}

#[test]
fn netdata_trimmed_scrapes_normalise() {
    let Some(files) = shared_scrapes() else {
        return;
    };
    let _ = files;
    // 02/03: hits and requests exported, ratio derived.
    for prefix in ["02_", "03_"] {
        let Some(text) = shared_scrape(prefix) else {
            return;
        };
        let n = normalise(&clean(&text));
        assert_eq!(n.dialect, Dialect::JmxExporterRaw, "{prefix}");
        assert_metric(&n, "cache.key.hit_ratio", &[], 114.0 / 129.0);
        assert_metric(&n, "compaction.pending_tasks", &[], 0.0);
    }
    let Some(text) = shared_scrape("04_") else {
        return;
    };
    let n = normalise(&clean(&text));
    assert_metric(&n, "cache.key.requests", &[], 137.0);
    assert_metric(&n, "cache.key.hit_ratio", &[], 117.0 / 137.0);
    assert_metric(&n, "compaction.completed_tasks", &[], 44.0);
    assert_metric(&n, "threadpool.pending", &[("pool", "ReadStage")], 0.0);
    assert_eq!(n.all("threadpool.pending").count(), 15);
    assert_metric(&n, "jvm.gc.time_seconds_total", &[("gc", "ParNew")], 0.937);
    assert_metric(&n, "jvm.heap.used_bytes", &[], 6.02092056e8);
}

// ---------------------------------------------------------------------------------------
// (c) MCAC — HAND-MADE input (no real MCAC scrape available), names from cassandra.md §4.

const MCAC_HANDMADE: &str = r#"# HAND-MADE test input in MCAC naming, not a recorded scrape.
# TYPE mcac_table_read_latency histogram
mcac_table_read_latency_bucket{keyspace="ks",table="t",le="100"} 50
mcac_table_read_latency_bucket{keyspace="ks",table="t",le="1000"} 90
mcac_table_read_latency_bucket{keyspace="ks",table="t",le="10000"} 100
mcac_table_read_latency_bucket{keyspace="ks",table="t",le="+Inf"} 100
mcac_table_read_latency_sum{keyspace="ks",table="t"} 40000
mcac_table_read_latency_count{keyspace="ks",table="t"} 100
# TYPE mcac_table_pending_compactions gauge
mcac_table_pending_compactions{keyspace="ks",table="t"} 7
# TYPE mcac_compaction_pending_tasks gauge
mcac_compaction_pending_tasks 12
# TYPE mcac_table_ss_tables_per_read_histogram summary
mcac_table_ss_tables_per_read_histogram{keyspace="ks",table="t",quantile="0.99"} 6
# TYPE mcac_table_tombstone_scanned_histogram summary
mcac_table_tombstone_scanned_histogram{keyspace="ks",table="t",quantile="0.99"} 1200
# TYPE mcac_table_max_partition_size gauge
mcac_table_max_partition_size{keyspace="ks",table="t"} 2.5e8
# TYPE mcac_cache_hit_rate gauge
mcac_cache_hit_rate{cache_name="KeyCache"} 0.42
# TYPE mcac_thread_pools_pending_tasks gauge
mcac_thread_pools_pending_tasks{pool_type="request",pool_name="MutationStage"} 33
# TYPE mcac_jvm_gc_time counter
mcac_jvm_gc_time{collector_type="G1 Young Generation"} 1500
# TYPE mcac_jvm_memory_used gauge
mcac_jvm_memory_used{memory_type="heap"} 4.0e9
mcac_jvm_memory_used{memory_type="nonheap"} 1.0e8
# TYPE mcac_storage_total_hints_total counter
mcac_storage_total_hints_total 9
# TYPE mcac_client_request_latency histogram
mcac_client_request_latency_bucket{request_type="read",le="500"} 10
mcac_client_request_latency_bucket{request_type="read",le="+Inf"} 10
mcac_client_request_latency_count{request_type="read"} 10
# TYPE mcac_client_request_timeouts_total counter
mcac_client_request_timeouts_total{request_type="write"} 3
# TYPE mcac_dropped_message_dropped_total counter
mcac_dropped_message_dropped_total{message_type="MUTATION"} 4
"#;

#[test]
fn mcac_handmade_normalises() {
    let n = normalise(&clean(MCAC_HANDMADE));
    assert_eq!(n.dialect, Dialect::Mcac);
    assert_in_vocabulary(&n);
    let t = [("keyspace", "ks"), ("table", "t")];
    // Quantiles from µs buckets, as histogram_quantile: rank 50 → 100; rank 99 → 1000 + 9000·0.9.
    assert_metric(&n, "table.read_latency.p50_us", &t, 100.0);
    assert_metric(&n, "table.read_latency.p99_us", &t, 9100.0);
    assert_metric(&n, "table.read_latency.count", &t, 100.0);
    assert_metric(&n, "table.pending_compactions", &t, 7.0);
    assert_metric(&n, "compaction.pending_tasks", &[], 12.0);
    assert_metric(&n, "table.sstables_per_read.p99", &t, 6.0);
    assert_metric(&n, "table.tombstones_scanned.p99", &t, 1200.0);
    assert_metric(&n, "table.max_partition_size_bytes", &t, 2.5e8);
    assert_metric(&n, "cache.key.hit_ratio", &[], 0.42);
    assert_metric(&n, "threadpool.pending", &[("pool", "MutationStage")], 33.0);
    assert_metric(
        &n,
        "jvm.gc.time_seconds_total",
        &[("gc", "G1 Young Generation")],
        1.5,
    );
    assert_metric(&n, "jvm.heap.used_bytes", &[], 4.0e9);
    assert_metric(&n, "storage.hints_total", &[], 9.0);
    // All 10 reads ≤ 500 µs: every quantile interpolates inside (0, 500].
    assert_metric(&n, "clientrequest.read.latency.p50_us", &[], 250.0);
    assert_metric(&n, "clientrequest.write.timeouts", &[], 3.0);
    assert_metric(&n, "dropped.mutation", &[], 4.0);
}

// ---------------------------------------------------------------------------------------
// (d) Instaclustr / zegelin cassandra-exporter — HAND-MADE input (no real scrape
// available), names from cassandra.md §4. Summaries are in seconds.

const CASSANDRA_EXPORTER_HANDMADE: &str = r#"# HAND-MADE test input in cassandra-exporter naming, not a recorded scrape.
# TYPE cassandra_table_operation_latency_seconds summary
cassandra_table_operation_latency_seconds{cassandra_cluster_name="c",keyspace="ks",table="t",operation="read",quantile="0.99"} 0.0125
cassandra_table_operation_latency_seconds{cassandra_cluster_name="c",keyspace="ks",table="t",operation="read",quantile="0.5"} 0.0004
cassandra_table_operation_latency_seconds_sum{cassandra_cluster_name="c",keyspace="ks",table="t",operation="read"} 3.5
cassandra_table_operation_latency_seconds_count{cassandra_cluster_name="c",keyspace="ks",table="t",operation="read"} 1000
cassandra_table_operation_latency_seconds{cassandra_cluster_name="c",keyspace="ks",table="t",operation="write",quantile="0.99"} 0.0002
# TYPE cassandra_client_request_latency_seconds summary
cassandra_client_request_latency_seconds{operation="read",quantile="0.99"} 0.02
cassandra_client_request_latency_seconds{operation="read",consistency="QUORUM",quantile="0.99"} 0.5
# TYPE cassandra_table_estimated_pending_compactions gauge
cassandra_table_estimated_pending_compactions{keyspace="ks",table="t"} 40
# TYPE cassandra_table_sstables_per_read summary
cassandra_table_sstables_per_read{keyspace="ks",table="t",quantile="0.99"} 9
# TYPE cassandra_table_tombstones_scanned summary
cassandra_table_tombstones_scanned{keyspace="ks",table="t",quantile="0.99"} 5000
# TYPE cassandra_table_partition_size_maximum_bytes gauge
cassandra_table_partition_size_maximum_bytes{keyspace="ks",table="t"} 1.2e9
# TYPE cassandra_cache_hits_total counter
cassandra_cache_hits_total{cache="key"} 80
# TYPE cassandra_cache_requests_total counter
cassandra_cache_requests_total{cache="key"} 100
# TYPE cassandra_thread_pool_blocked_tasks gauge
cassandra_thread_pool_blocked_tasks{group="request",pool="native_transport_requests"} 2
# TYPE cassandra_dropped_messages_total counter
cassandra_dropped_messages_total{message_type="mutation"} 11
# TYPE cassandra_jvm_gc_estimated_collection_duration_seconds_total counter
cassandra_jvm_gc_estimated_collection_duration_seconds_total{collector="G1 Old Generation"} 2.5
# TYPE cassandra_jvm_gc_collection_count counter
cassandra_jvm_gc_collection_count{collector="G1 Old Generation"} 3
# TYPE cassandra_jvm_memory_pool_used_bytes gauge
cassandra_jvm_memory_pool_used_bytes{pool="G1 Eden Space",type="heap"} 1.0e9
cassandra_jvm_memory_pool_used_bytes{pool="G1 Old Gen",type="heap"} 2.0e9
cassandra_jvm_memory_pool_used_bytes{pool="Metaspace",type="nonheap"} 1.0e8
# TYPE cassandra_storage_hints_total counter
cassandra_storage_hints_total 17
# TYPE cassandra_client_request_timeouts_total counter
cassandra_client_request_timeouts_total{operation="read"} 5
cassandra_client_request_timeouts_total{operation="read",consistency="ONE"} 1
"#;

#[test]
fn cassandra_exporter_handmade_normalises() {
    let n = normalise(&clean(CASSANDRA_EXPORTER_HANDMADE));
    assert_eq!(n.dialect, Dialect::CassandraExporter);
    assert_in_vocabulary(&n);
    let t = [("keyspace", "ks"), ("table", "t")];
    // Seconds → µs.
    assert_metric(&n, "table.read_latency.p99_us", &t, 12500.0);
    assert_metric(&n, "table.read_latency.p50_us", &t, 400.0);
    assert_metric(&n, "table.read_latency.count", &t, 1000.0);
    assert_metric(&n, "table.write_latency.p99_us", &t, 200.0);
    // The all-consistency series, not the QUORUM one.
    assert_metric(&n, "clientrequest.read.latency.p99_us", &[], 20000.0);
    assert_eq!(n.all("clientrequest.read.latency.p99_us").count(), 1);
    assert_metric(&n, "clientrequest.read.timeouts", &[], 5.0);
    assert_metric(&n, "table.pending_compactions", &t, 40.0);
    assert_metric(&n, "table.sstables_per_read.p99", &t, 9.0);
    assert_metric(&n, "table.tombstones_scanned.p99", &t, 5000.0);
    assert_metric(&n, "table.max_partition_size_bytes", &t, 1.2e9);
    assert_metric(&n, "cache.key.hit_ratio", &[], 0.8);
    assert_metric(
        &n,
        "threadpool.blocked",
        &[("pool", "native_transport_requests")],
        2.0,
    );
    assert!(
        n.all("threadpool.pending").next().is_none(),
        "this exporter has no pending family"
    );
    assert_metric(&n, "dropped.mutation", &[], 11.0);
    assert_metric(
        &n,
        "jvm.gc.time_seconds_total",
        &[("gc", "G1 Old Generation")],
        2.5,
    );
    assert_metric(
        &n,
        "jvm.gc.collections_total",
        &[("gc", "G1 Old Generation")],
        3.0,
    );
    assert_metric(&n, "jvm.heap.used_bytes", &[], 3.0e9);
    assert_metric(
        &n,
        "jvm.memory_pool.used_bytes",
        &[("memory_pool", "Metaspace")],
        1.0e8,
    );
    assert_metric(&n, "storage.hints_total", &[], 17.0);
}

#[test]
fn dialect_detection_edges() {
    assert_eq!(normalise(&clean("")).dialect, Dialect::Unknown);
    let scylla =
        "# TYPE scylla_reactor_utilization gauge\nscylla_reactor_utilization{shard=\"0\"} 3\n";
    assert_eq!(normalise(&clean(scylla)).dialect, Dialect::Scylla);
    // Only JVM metrics: unknown dialect, but the JVM values are still read.
    let jvm = "jvm_memory_used_bytes{area=\"heap\"} 5\nprocess_open_fds 3\n";
    let n = normalise(&clean(jvm));
    assert_eq!(n.dialect, Dialect::Unknown);
    assert_metric(&n, "jvm.heap.used_bytes", &[], 5.0);
    // The raw naming without lowercaseOutputName still maps.
    let raw = "org_apache_cassandra_metrics_Compaction_Value{name=\"PendingTasks\",} 4\n";
    let n = normalise(&clean(raw));
    assert_eq!(n.dialect, Dialect::JmxExporterRaw);
    assert_metric(&n, "compaction.pending_tasks", &[], 4.0);
}

#[test]
fn vocabulary_is_documented_and_sized() {
    let v = vocab::vocabulary();
    assert!(v.len() > 150, "{}", v.len());
    for e in v {
        assert!(!e.meaning.is_empty(), "{}", e.name);
    }
}

/// Normalised metrics are in (name, scope) order with no series twice, the values derived
/// from cache hits and misses at their place among them: what lookups by bisection and the
/// merge of derived values rely on.
#[test]
fn normalised_metrics_are_sorted_and_unique_with_derived_values_in_place() {
    let mut texts = vec![("node1-idle".to_string(), node1_text())];
    let shared = shared_scrapes();
    for f in shared.iter().flatten() {
        texts.push((f.display().to_string(), read(f)));
    }
    let mut derived = 0;
    for (what, text) in &texts {
        let n = normalise(&parse(text));
        assert!(n.metrics.len() > 20, "{what}: {}", n.metrics.len());
        for w in n.metrics.windows(2) {
            assert!(
                (w[0].name, &w[0].scope) < (w[1].name, &w[1].scope),
                "{what}: {} {:?} then {} {:?}",
                w[0].name,
                w[0].scope,
                w[1].name,
                w[1].scope
            );
        }
        derived += n
            .metrics
            .iter()
            .filter(|m| m.source.starts_with("derived: "))
            .count();
    }
    if shared.is_some() {
        assert!(derived > 0, "the netdata scrapes need derived cache values");
    }
}
