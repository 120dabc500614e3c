//! The exposition parser against a real Prometheus server, sample for sample.
//!
//! Each input is served over loopback by a plain `std::net` HTTP server in this test (it hands
//! out the recorded bytes unchanged), a private Prometheus (Debian's `prometheus`, on a free port
//! with its own config and data directory under a temp dir; never the shared one on :9090)
//! scrapes every input as its own job, and every series it stored is read back with
//! `/api/v1/query?query={__name__=~".+",job="…"}`. That set must equal casstune's parse of the
//! same bytes exactly: metric name, label set, value (NaN and ±Inf included).
//!
//! Inputs: the real scrapes in `../shared/fixtures/prometheus/` (netdata's JMX-exporter
//! recordings; skipped with a message when that directory is absent), this project's test node
//! (`fixtures/scrapes/node1-idle.prom`) and the six scrapes in `examples/demo.snap` (three test
//! nodes, two scrapes each), plus hand-written expositions for the corners of the text format
//! (escapes, `,` `=` `}` inside values, NaN/±Inf, timestamps, histograms and summaries, comments
//! and blank lines, UTF-8). Inputs the format forbids (a cut last line, an unknown TYPE, a bad
//! value, …) must be refused by both: casstune with a line number, Prometheus by failing the
//! scrape. `promtool check metrics` is not used as an oracle: its exit code mixes lint with
//! parsing, and it stops at the first problem.
//!
//! What Prometheus does to a scrape, and how the comparison undoes it (explicitly, so that a
//! difference can only come from parsing):
//! - it adds `job` and `instance` to every series; a scraped label of the same name would be
//!   renamed `exported_job` / `exported_instance` (`honor_labels: false`, the default). Both are
//!   removed and `exported_*` renamed back; the test checks that no input has a label starting
//!   with `exported_`, so the mapping is exact.
//! - it adds `up`, `scrape_duration_seconds`, `scrape_samples_scraped`,
//!   `scrape_samples_post_metric_relabeling`, `scrape_series_added`; these are left out (no input
//!   uses those names, checked).
//! - a label with an empty value is no label at all in Prometheus' data model, so casstune's
//!   `a=""` is compared as absent.
//!
//! Where Prometheus' own scrape parser and the reference parser of `promtool check metrics`
//! (`prometheus/common/expfmt`) disagree (an unknown escape such as `\t` in a label value, a
//! negative timestamp, `# TYPE x GAUGE` in capitals), casstune does what promtool does; the test
//! runs promtool on those inputs to keep that claim true and prints the server's verdict.
//! A complete last line without its final newline is read by both; casstune also says the
//! input may have been cut ([`Exposition::trailing_newline`] is false).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use casstune::collect::prometheus::{ErrorKind, Exposition, parse};
use serde_json::Value;

/// Series Prometheus adds to every scrape by itself.
const SYNTHETIC: [&str; 5] = [
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
];
/// How long Prometheus gets to start and to scrape every target once.
const DEADLINE: Duration = Duration::from_secs(120);

/// What both sides must do with an input.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Expect {
    /// Both read it: the sample sets must be equal, and casstune reports nothing.
    Equal,
    /// Both read the same samples; casstune also reports this problem (with its line).
    EqualAndReported(ErrorKind),
    /// The format forbids it: casstune reports it with a line number, Prometheus fails the scrape.
    Refused,
    /// Prometheus' scrape parser and the reference parser `promtool check metrics` uses
    /// (`prometheus/common/expfmt`, which casstune follows) disagree. casstune must do what
    /// promtool does: report an error (`true`) or accept the input (`false`), checked by running
    /// promtool on the same bytes; the server's verdict is printed.
    AsPromtool(bool),
}

struct Input {
    name: String,
    bytes: Vec<u8>,
    expect: Expect,
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn real_inputs() -> Vec<Input> {
    let mut out = Vec::new();
    let shared = repo().join("../shared/fixtures/prometheus");
    match std::fs::read_dir(&shared) {
        Ok(entries) => {
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "prom"))
                .collect();
            files.sort();
            assert!(
                !files.is_empty(),
                "{} holds no .prom file",
                shared.display()
            );
            for f in files {
                out.push(file_input(&f));
            }
        }
        Err(_) => eprintln!(
            "skipping the netdata scrapes: {} is absent",
            shared.display()
        ),
    }
    out.push(file_input(&repo().join("fixtures/scrapes/node1-idle.prom")));
    let demo = repo().join("examples/demo.snap");
    let archive = casstune::snapshot::Archive::read(&demo)
        .unwrap_or_else(|e| panic!("{}: {e:#}", demo.display()));
    let scrapes: Vec<(String, Vec<u8>)> = archive
        .members()
        .filter(|(p, _)| p.ends_with(".prom"))
        .map(|(p, b)| (format!("demo.snap:{p}"), b.to_vec()))
        .collect();
    assert_eq!(
        scrapes.len(),
        6,
        "demo.snap should hold two scrapes of each of 3 nodes"
    );
    out.extend(scrapes.into_iter().map(|(name, bytes)| Input {
        name,
        bytes,
        expect: Expect::Equal,
    }));
    out
}

fn file_input(p: &Path) -> Input {
    Input {
        name: p
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned(),
        bytes: std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
        expect: Expect::Equal,
    }
}

/// The corners of the text format, one input each where Prometheus might refuse one of them:
/// a refused scrape stores nothing and would hide the others.
fn edge_inputs() -> Vec<Input> {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis()
        - 10_000;
    let input = |name: &str, text: &str, expect: Expect| Input {
        name: format!("edge:{name}"),
        bytes: text.as_bytes().to_vec(),
        expect,
    };
    use Expect::*;
    vec![
        input(
            "escapes",
            concat!(
                "# HELP edge_escaped Help with a backslash \\\\ and a newline \\n in it\n",
                "# TYPE edge_escaped gauge\n",
                "edge_escaped{path=\"C:\\\\dir\\\\file\",quote=\"say \\\"hi\\\"\",nl=\"a\\nb\"} 1.5\n",
                "edge_escaped{tricky=\"a,b=c}d{\",plain=\"x\"} -2\n",
                "edge_escaped{tricky=\"\\\"}\\\\\",plain=\"y\"} 3e-3\n",
                "edge_escaped{empty=\"\",plain=\"z\"} 4\n",
                "edge_escaped{utf8=\"café ☕ 日本\",plain=\"u\"} 5\n",
            ),
            Equal,
        ),
        input(
            "specials",
            concat!(
                "# TYPE edge_special untyped\n",
                "edge_special{v=\"nan\"} NaN\n",
                "edge_special{v=\"pinf\"} +Inf\n",
                "edge_special{v=\"ninf\"} -Inf\n",
                "edge_special{v=\"exp\"} 1.5E+10\n",
                "edge_special{v=\"neg_zero\"} -0.0\n",
                "edge_special{v=\"tiny\"} 4.9e-324\n",
                "edge_special{v=\"big\"} 1.7976931348623157e308\n",
                "edge_special{v=\"int\"} 9007199254740993\n",
                "edge_special{v=\"dot\"} .5\n",
                "edge_special{v=\"trailing_dot\"} 5.\n",
                "edge_special{v=\"plus\"} +5\n",
                "edge_special{v=\"Inf\"} Inf\n",
                "edge_special{v=\"inf\"} inf\n",
                "edge_special{v=\"infinity\"} infinity\n",
                "edge_special{v=\"nan_lower\"} nan\n",
            ),
            Equal,
        ),
        input(
            "families",
            concat!(
                "# A comment that is neither HELP nor TYPE\n",
                "\n",
                "# TYPE edge_hist histogram\n",
                "edge_hist_bucket{le=\"0.1\"} 1\n",
                "edge_hist_bucket{le=\"1\"} 2\n",
                "edge_hist_bucket{le=\"+Inf\"} 3\n",
                "edge_hist_sum 4.5\n",
                "edge_hist_count 3\n",
                "\n",
                "# HELP edge_summary A summary\n",
                "# TYPE edge_summary summary\n",
                "edge_summary{quantile=\"0.5\"} 1\n",
                "edge_summary{quantile=\"0.99\"} NaN\n",
                "edge_summary_sum 10\n",
                "edge_summary_count 4\n",
                "# TYPE edge_counter counter\n",
                "edge_counter_total{a=\"1\"} 17\n",
                "# HELP\n",
                "# TYPE\n",
                "#TYPE edge_not_a_type gauge\n",
                "edge_no_type 1\n",
            ),
            Equal,
        ),
        input(
            "timestamps",
            &format!(
                "# TYPE edge_ts gauge\nedge_ts{{a=\"1\"}} 7 {now_ms}\nedge_ts{{a=\"2\"}} 8 {now_ms}\n"
            ),
            Equal,
        ),
        input(
            "whitespace",
            "edge_ws{a=\"1\",b=\"2\",} 1\nedge_ws{a=\"2\"}\t2\nedge_ws {a = \"3\" , b=\"4\"}  3\n",
            Equal,
        ),
        input(
            "no-final-newline",
            "edge_nonl 1\nedge_nonl{a=\"x\"} 2",
            Equal,
        ),
        input(
            "duplicate-series",
            "edge_dup{a=\"1\",b=\"2\"} 1\nedge_dup{b=\"2\",a=\"1\"} 2\n",
            EqualAndReported(ErrorKind::DuplicateSeries),
        ),
        input(
            "cut-last-line",
            "edge_cut{a=\"1\"} 1\nedge_cut{a=\"2",
            Refused,
        ),
        input(
            "unknown-type",
            "# TYPE edge_unknown bogus\nedge_unknown 1\n",
            Refused,
        ),
        input("bad-value", "edge_bad 1\nedge_bad{a=\"1\"} one\n", Refused),
        input("missing-value", "edge_missing{a=\"1\"}\n", Refused),
        input("unclosed-labels", "edge_open{a=\"1\" 1\n", Refused),
        input("bad-timestamp", "edge_badts 1 12.5\n", Refused),
        input("hex-float", "edge_hex 0x1p-3\n", Refused),
        input("underscore-float", "edge_us 1_000\n", Refused),
        input("carriage-return", "edge_cr 1\r\n", Refused),
        input(
            "unknown-escape",
            "edge_esc{a=\"x\\ty\"} 1\n",
            AsPromtool(true),
        ),
        input("negative-timestamp", "edge_tsn 1 -5\n", AsPromtool(false)),
        input(
            "type-in-capitals",
            "# TYPE edge_tc GAUGE\nedge_tc 1\n",
            AsPromtool(false),
        ),
    ]
}

/// Whether `promtool check metrics` finds a parse error (not a lint remark) in the input.
fn promtool_parse_error(bytes: &[u8]) -> Option<String> {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run promtool (Debian's prometheus package)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(bytes)
        .expect("feed promtool");
    let out = child.wait_with_output().expect("promtool output");
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| l.contains("parsing error"))
        .map(str::to_string)
}

// ---------------------------------------------------------------------------------------
// The loopback server.

/// Serves input `i` at `/e/<i>`, as the text format's content type.
fn serve(inputs: Arc<Vec<Vec<u8>>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address").to_string();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let inputs = Arc::clone(&inputs);
            std::thread::spawn(move || answer(conn, &inputs));
        }
    });
    addr
}

fn answer(mut conn: TcpStream, inputs: &[Vec<u8>]) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let line = String::from_utf8_lossy(&head);
    let path = line.split_whitespace().nth(1).unwrap_or("");
    let body = path
        .strip_prefix("/e/")
        .and_then(|i| i.parse::<usize>().ok())
        .and_then(|i| inputs.get(i));
    let response = match body {
        Some(b) => {
            let mut r = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                b.len()
            )
            .into_bytes();
            r.extend_from_slice(b);
            r
        }
        None => {
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
        }
    };
    let _ = conn.write_all(&response);
}

/// A GET over HTTP/1.0 (so the answer is neither chunked nor kept alive): status and body.
fn http_get(addr: &str, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, body.to_string()))
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The private Prometheus.

struct Prometheus {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn prometheus_binary() -> PathBuf {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("prometheus"))
        .find(|p| p.is_file());
    found.unwrap_or_else(|| {
        panic!("prometheus is not installed: scripts/test.sh installs Debian's package (apt-get install prometheus)")
    })
}

fn start_prometheus(server: &str, jobs: usize) -> Prometheus {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config =
        String::from("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n");
    for i in 0..jobs {
        config.push_str(&format!(
            "  - job_name: e{i}\n    metrics_path: /e/{i}\n    static_configs:\n      - targets: [\"{server}\"]\n"
        ));
    }
    let config_path = dir.path().join("prometheus.yml");
    std::fs::write(&config_path, config).expect("write prometheus.yml");
    let addr = format!("127.0.0.1:{}", free_port());
    let log = std::fs::File::create(dir.path().join("prometheus.log")).expect("log file");
    let child = Command::new(prometheus_binary())
        .arg(format!("--config.file={}", config_path.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address={addr}"))
        .arg("--storage.tsdb.retention.time=1h")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start prometheus");
    Prometheus {
        child,
        addr,
        _dir: dir,
    }
}

/// Per job: `None` while not yet scraped, else the scrape's error (empty when it went well).
fn target_states(p: &Prometheus) -> BTreeMap<String, Option<String>> {
    let Some((200, body)) = http_get(&p.addr, "/api/v1/targets?state=active") else {
        return BTreeMap::new();
    };
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let mut out = BTreeMap::new();
    for t in v["data"]["activeTargets"].as_array().into_iter().flatten() {
        let job = t["labels"]["job"].as_str().unwrap_or_default().to_string();
        let state = match t["health"].as_str() {
            Some("up") => Some(String::new()),
            Some("down") => Some(t["lastError"].as_str().unwrap_or("down").to_string()),
            _ => None,
        };
        out.insert(job, state);
    }
    out
}

fn wait_for_scrapes(p: &mut Prometheus, jobs: usize) -> BTreeMap<String, String> {
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = p.child.try_wait() {
            let log =
                std::fs::read_to_string(p._dir.path().join("prometheus.log")).unwrap_or_default();
            panic!("prometheus exited ({status}) before scraping:\n{log}");
        }
        let states = target_states(p);
        if states.len() == jobs && states.values().all(Option::is_some) {
            return states
                .into_iter()
                .map(|(k, v)| (k, v.unwrap_or_default()))
                .collect();
        }
        assert!(
            start.elapsed() < DEADLINE,
            "prometheus did not scrape every target within {DEADLINE:?}: {states:?}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

// ---------------------------------------------------------------------------------------
// The comparison.

/// (metric name, sorted labels) → value.
type SampleSet = BTreeMap<(String, Vec<(String, String)>), f64>;

fn casstune_samples(exp: &Exposition<'_>) -> SampleSet {
    let mut out = SampleSet::new();
    for (_, s) in exp.samples() {
        let mut labels: Vec<(String, String)> = s
            .labels()
            .filter(|l| !l.value.is_empty())
            .map(|l| (l.name.to_string(), l.value.to_string()))
            .collect();
        labels.sort();
        out.insert((s.name.to_string(), labels), s.value);
    }
    out
}

fn prometheus_samples(p: &Prometheus, job: &str) -> SampleSet {
    let query = format!("{{__name__=~\".+\",job=\"{job}\"}}");
    let path = format!("/api/v1/query?query={}", url_encode(&query));
    let (status, body) = http_get(&p.addr, &path).unwrap_or_else(|| panic!("query {query} failed"));
    assert_eq!(status, 200, "query {query}: {body}");
    let v: Value =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("query {query}: {e}: {body}"));
    let mut out = SampleSet::new();
    for r in v["data"]["result"].as_array().into_iter().flatten() {
        let mut name = String::new();
        let mut labels = Vec::new();
        for (k, val) in r["metric"].as_object().into_iter().flatten() {
            let val = val.as_str().unwrap_or_default().to_string();
            match k.as_str() {
                "__name__" => name = val,
                "job" | "instance" => {}
                _ => labels.push((k.strip_prefix("exported_").unwrap_or(k).to_string(), val)),
            }
        }
        if SYNTHETIC.contains(&name.as_str()) {
            continue;
        }
        labels.sort();
        let text = r["value"][1].as_str().unwrap_or_default();
        let value: f64 = text
            .parse()
            .unwrap_or_else(|_| panic!("prometheus returned the value {text:?} for {name}"));
        out.insert((name, labels), value);
    }
    out
}

fn same_value(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits() || (a == b && a != 0.0)
}

fn describe(key: &(String, Vec<(String, String)>)) -> String {
    let labels: Vec<String> = key.1.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{}{{{}}}", key.0, labels.join(","))
}

/// Every difference between the two sets, as lines.
fn differences(ours: &SampleSet, theirs: &SampleSet) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in ours {
        match theirs.get(k) {
            None => out.push(format!("only casstune: {} = {v}", describe(k))),
            Some(t) if !same_value(*v, *t) => out.push(format!(
                "value: {} casstune {v:?}, prometheus {t:?}",
                describe(k)
            )),
            Some(_) => {}
        }
    }
    for (k, v) in theirs {
        if !ours.contains_key(k) {
            out.push(format!("only prometheus: {} = {v}", describe(k)));
        }
    }
    out
}

#[test]
fn parsed_samples_equal_what_a_real_prometheus_stores() {
    let mut inputs = real_inputs();
    let real = inputs.len();
    inputs.extend(edge_inputs());
    for input in &inputs {
        let text = String::from_utf8_lossy(&input.bytes);
        assert!(
            !text.contains("exported_"),
            "{}: a label named exported_* would make job/instance renaming ambiguous",
            input.name
        );
        for name in SYNTHETIC {
            assert!(
                !text
                    .lines()
                    .any(|l| l.starts_with(name) && l[name.len()..].starts_with([' ', '{'])),
                "{}: uses the name {name}, which Prometheus adds itself",
                input.name
            );
        }
    }
    let bodies = Arc::new(inputs.iter().map(|i| i.bytes.clone()).collect::<Vec<_>>());
    let server = serve(bodies);
    let mut prom = start_prometheus(&server, inputs.len());
    let states = wait_for_scrapes(&mut prom, inputs.len());

    let mut failures = Vec::new();
    let mut compared = 0usize;
    for (i, input) in inputs.iter().enumerate() {
        let job = format!("e{i}");
        let text = std::str::from_utf8(&input.bytes)
            .unwrap_or_else(|e| panic!("{}: not UTF-8: {e}", input.name));
        let exp = parse(text);
        let scrape_error = states.get(&job).cloned().unwrap_or_default();
        let ours = exp.errors.first().map(|e| e.to_string());
        let mut fail = |what: String| failures.push(format!("{}: {what}", input.name));
        match input.expect {
            Expect::Refused => {
                eprintln!(
                    "{:<34} refused: casstune {ours:?}; prometheus {scrape_error:?}",
                    input.name
                );
                if ours.is_none() {
                    fail("casstune accepted input the format forbids".into());
                }
                if scrape_error.is_empty() {
                    fail("prometheus accepted input expected to be refused".into());
                }
                continue;
            }
            Expect::AsPromtool(reports) => {
                let promtool = promtool_parse_error(&input.bytes);
                eprintln!(
                    "{:<34} casstune {ours:?}; promtool {promtool:?}; prometheus server {}",
                    input.name,
                    if scrape_error.is_empty() {
                        "accepts".to_string()
                    } else {
                        format!("refuses: {scrape_error}")
                    }
                );
                if ours.is_some() != reports {
                    fail(format!(
                        "expected casstune to {} it",
                        if reports { "report" } else { "accept" }
                    ));
                }
                if promtool.is_some() != reports {
                    fail(format!("promtool no longer agrees: {promtool:?}"));
                }
                continue;
            }
            Expect::Equal | Expect::EqualAndReported(_) => {}
        }
        if !scrape_error.is_empty() {
            fail(format!(
                "prometheus refused the scrape: {scrape_error} (casstune: {ours:?})"
            ));
            continue;
        }
        let kinds: Vec<ErrorKind> = exp.errors.iter().map(|e| e.kind).collect();
        let expected_kinds = match input.expect {
            Expect::EqualAndReported(k) => vec![k],
            _ => Vec::new(),
        };
        if kinds != expected_kinds {
            fail(format!(
                "casstune reported {:?}, expected {expected_kinds:?}",
                exp.errors
            ));
        }
        if input.name == "edge:no-final-newline" && exp.trailing_newline {
            fail("casstune did not notice the missing final newline".into());
        }
        let ours = casstune_samples(&exp);
        let theirs = prometheus_samples(&prom, &job);
        let diff = differences(&ours, &theirs);
        eprintln!(
            "{:<34} {:>5} samples: casstune {}, prometheus {}: {}",
            input.name,
            exp.sample_count(),
            ours.len(),
            theirs.len(),
            if diff.is_empty() {
                "equal"
            } else {
                "DIFFERENT"
            }
        );
        if !diff.is_empty() {
            fail(format!(
                "{} differences, first ones:\n  {}",
                diff.len(),
                diff.iter()
                    .take(10)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n  ")
            ));
        }
        if ours.is_empty() {
            fail("nothing parsed".into());
        }
        compared += 1;
    }
    assert!(compared >= real, "only {compared} inputs compared");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
