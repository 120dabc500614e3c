//! `analyze --format html`: one self-contained page with the findings, their fixes and inline
//! SVG charts of the snapshot. Checked on the real demo recording: the structure and the
//! numbers against the recording and the other formats, escaping of planted markup, "no
//! data" notes when the evidence is missing, the same bytes on every run, and then a real
//! headless Chromium (Debian's, installed by scripts/chromium.sh) that must render it with
//! no console message into a screenshot that is not blank.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use casstune::engine::Engine;
use casstune::model::Snapshot;
use casstune::report::{Format, Report, Target};
use serde_json::Value;

const DEMO: &str = "examples/demo.snap";

/// Every chart the report draws, by its `data-chart` id.
const CHARTS: [&str; 11] = [
    "read-latency",
    "write-latency",
    "gc",
    "heap",
    "pending-compactions",
    "sstables-per-read",
    "partition-sizes",
    "largest-partitions",
    "caches",
    "thread-pools",
    "disk",
];

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

fn demo_html() -> String {
    out(&["analyze", "--format", "html", DEMO])
}

/// The `<figure>` of one chart.
fn figure<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<figure class=\"panel\" id=\"chart-{id}\">"))
        .unwrap_or_else(|| panic!("no figure for chart {id}"));
    let len = html[start..].find("</figure>").expect("an unclosed figure");
    &html[start..start + len]
}

/// Values of one attribute on the elements of a fragment.
fn attr_values<'a>(s: &'a str, attr: &str) -> Vec<&'a str> {
    let pat = format!("{attr}=\"");
    s.match_indices(&pat)
        .map(|(i, _)| {
            let v = &s[i + pat.len()..];
            &v[..v.find('"').unwrap()]
        })
        .collect()
}

fn self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..80]);
    assert!(html.trim_end().ends_with("</html>"));
    for fetch in [
        "<script",
        "<link",
        "<img",
        "<iframe",
        "<object",
        "<embed",
        "src=",
        "url(",
        "@import",
        "@font-face",
    ] {
        assert!(
            !html.contains(fetch),
            "the page must fetch nothing and run nothing: {fetch}"
        );
    }
    for href in attr_values(html, "href") {
        assert!(href.starts_with('#'), "a link out of the page: {href}");
    }
}

#[test]
fn demo_report_has_every_chart_with_the_recordings_numbers() {
    let html = demo_html();
    self_contained(&html);

    // Every chart has data for the demo: an SVG with bars for each of its three nodes.
    for id in CHARTS {
        let fig = figure(&html, id);
        assert!(fig.contains(&format!("data-chart=\"{id}\"")), "{id}");
        assert!(fig.contains("<svg "), "{id}: no svg:\n{fig}");
        assert!(
            !fig.contains("class=\"nodata\""),
            "{id}: no data on the demo:\n{fig}"
        );
        assert!(fig.contains("<figcaption>"), "{id}: no source line");
        assert!(fig.contains("class=\"axis-title\""), "{id}: no axis title");
        let bars = fig.matches("class=\"bar\"").count();
        assert!(bars > 0, "{id}: no bar");
        let nodes: BTreeSet<&str> = attr_values(fig, "data-node").into_iter().collect();
        assert_eq!(
            nodes.into_iter().collect::<Vec<_>>(),
            ["127.0.0.1", "127.0.0.2", "127.0.0.3"],
            "{id}: every node is drawn"
        );
        // Every bar says its value when pointed at.
        for (i, _) in fig.match_indices("class=\"bar\"") {
            let rest = &fig[i..];
            let end = rest.find("</rect>").expect("a bar without its tooltip");
            assert!(
                rest[..end].contains("<title>"),
                "{id}: a bar without a tooltip"
            );
        }
    }

    // Grouped bars: four percentiles per node, in ms, the recorded values.
    let read = figure(&html, "read-latency");
    assert_eq!(read.matches("class=\"bar\"").count(), 12);
    assert!(
        read.contains("read latency (ms)"),
        "the axis names its unit"
    );
    // clientrequest.read.latency.p99_us of 127.0.0.3 in the recording is 126934.
    assert!(
        read.contains(
            "<title>127.0.0.3, p99: 127 ms (195 reads coordinated since the node started)</title>"
        ),
        "{read}"
    );
    // The chart and JVM-101 read the same GC rate.
    let gc = figure(&html, "gc");
    let json: Value = serde_json::from_str(&out(&["analyze", "--format", "json", DEMO])).unwrap();
    let jvm101 = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "JVM-101")
        .expect("JVM-101 fires on the demo");
    let pct = jvm101["message"]
        .as_str()
        .unwrap()
        .split(" % ")
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();
    assert!(
        gc.contains(&format!(
            "<title>127.0.0.3, G1 Young Generation: {} ms/s ({pct} % of wall time",
            (pct.parse::<f64>().unwrap() * 10.0).round()
        )),
        "{pct}\n{gc}"
    );
    // The heap's maximum is drawn behind each node's bar.
    assert_eq!(
        figure(&html, "heap").matches("class=\"capacity\"").count(),
        3
    );
    // The largest partition agrees with PART-101.
    let part = figure(&html, "largest-partitions");
    let row = &part[part.find("class=\"bar\"").unwrap()..];
    assert!(
        row.contains("<title>demo.wide_rows @ 127.0.0.2: 6.7 MiB"),
        "{part}"
    );
    let part101 = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "PART-101")
        .unwrap();
    assert!(
        part101["message"]
            .as_str()
            .unwrap()
            .contains("6.7 MiB on 127.0.0.2")
    );
    // Unused and switched-off caches are said, not drawn as 0 %.
    let caches = figure(&html, "caches");
    assert!(
        caches.contains(">off</text>") && caches.contains(">unused</text>"),
        "{caches}"
    );
    // Histogram buckets in binary units.
    assert!(figure(&html, "partition-sizes").contains(">10–100 KiB</text>"));
    // Data disk size from the host facts under each node.
    assert!(figure(&html, "disk").contains(">of a 256 GiB disk</text>"));
}

#[test]
fn demo_report_summary_and_findings_agree_with_the_other_formats() {
    let html = demo_html();
    let json: Value = serde_json::from_str(&out(&["analyze", "--format", "json", DEMO])).unwrap();
    let s = &json["summary"];
    let (e, w, i) = (
        s["error"].as_u64().unwrap(),
        s["warning"].as_u64().unwrap(),
        s["info"].as_u64().unwrap(),
    );
    let plural = |n: u64| if n == 1 { "" } else { "s" };
    for badge in [
        format!("<span class=\"sev error\">{e} error{}</span>", plural(e)),
        format!(
            "<span class=\"sev warning\">{w} warning{}</span>",
            plural(w)
        ),
        format!("<span class=\"sev info\">{i} info</span>"),
    ] {
        assert!(html.contains(&badge), "{badge}");
    }
    let archive = casstune::snapshot::Archive::read(&root().join(DEMO)).unwrap();
    assert!(html.contains("<title>casstune report: casstune-test</title>"));
    assert!(html.contains(&format!("snapshot taken {}", archive.manifest.created_at)));
    assert!(
        html.contains("3 nodes in 1 datacenter (datacenter1: 3), Cassandra 5.0.9"),
        "{}",
        &html[..3000]
    );
    let nodes = &html[html.find("<table class=\"nodes\">").unwrap()..];
    let nodes = &nodes[..nodes.find("</table>").unwrap()];
    assert_eq!(
        nodes.matches("<tr><td><code>127.0.0.").count(),
        3,
        "one row per node"
    );

    // The findings: the Markdown format's groups, in the same rank order, all of them.
    let md = out(&["analyze", "--format", "markdown", "--top", "1000", DEMO]);
    let md_rules: Vec<String> = md
        .lines()
        .filter(|l| {
            l.split_once(". **")
                .is_some_and(|(n, _)| n.chars().all(|c| c.is_ascii_digit()))
        })
        .map(|l| l.split('`').nth(1).unwrap().to_string())
        .collect();
    let items: Vec<&str> = html.split("<li class=\"finding ").skip(1).collect();
    let html_rules: Vec<String> = items
        .iter()
        .map(|it| {
            let i = it.find("<code class=\"rule\">").unwrap() + "<code class=\"rule\">".len();
            it[i..i + it[i..].find('<').unwrap()].to_string()
        })
        .collect();
    assert!(!html_rules.is_empty());
    assert_eq!(html_rules, md_rules);
    assert!(html.contains(&format!(
        "({} findings in {} groups)",
        e + w + i,
        html_rules.len()
    )));
    // A grouped finding names its nodes and shows its fix as the real file's diff.
    let sec = items.iter().find(|it| it.contains(">SEC-001<")).unwrap();
    assert!(
        sec.contains("on 3 nodes: 127.0.0.1, 127.0.0.2, 127.0.0.3"),
        "{sec}"
    );
    assert!(
        sec.contains("<span class=\"file\">--- a/nodes/127.0.0.1/files/cassandra.yaml</span>"),
        "{sec}"
    );
    assert!(sec.contains("<span class=\"del\">-authenticator: AllowAllAuthenticator</span>\n<span class=\"add\">+authenticator: PasswordAuthenticator</span>"), "{sec}");
    assert!(sec.contains("<details><summary>All 3 findings of this group</summary>"));
    // Evidence as a table; CQL fixes as statements.
    assert!(
        sec.contains(
            "<td><code>authenticator</code></td><td><code>AllowAllAuthenticator</code></td>"
        ),
        "{sec}"
    );
    assert!(
        html.contains("<pre class=\"code cql\">ALTER KEYSPACE demo WITH replication"),
        "a CQL fix"
    );
    // The summary's top list links to the full entries.
    assert!(html.contains("<td><a href=\"#finding-1\">1</a></td>"));
    assert!(html.contains("<li class=\"finding warning\" id=\"finding-1\">"));

    // Not checked: one row per reason.
    let mut reasons: Vec<&str> = json["not_checked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["reason"].as_str().unwrap())
        .collect();
    reasons.sort();
    reasons.dedup();
    let nc = &html[html.find("<section id=\"not-checked\">").unwrap()..];
    assert_eq!(nc.matches("<tr><td>").count(), reasons.len());

    // The same snapshot gives the same bytes.
    assert_eq!(html, demo_html());
}

#[test]
fn lint_html_has_findings_and_no_charts() {
    let html = out(&["lint", "--format", "html", "examples/demo/conf"]);
    self_contained(&html);
    assert!(
        !html.contains("id=\"charts\""),
        "config files alone have no metrics to chart"
    );
    assert!(html.contains("<li class=\"finding error\" id=\"finding-1\">"));
    assert!(html.contains("<span class=\"blocks\">blocks startup</span>"));
    // Fixes are diffs of the user's own files, as in the Markdown format.
    assert!(
        html.contains("<span class=\"file\">--- a/examples/demo/conf/jvm11-server.options</span>")
    );
    assert!(html.contains("<span class=\"del\">-concurent_compactors: 4</span>\n<span class=\"add\">+concurrent_compactors: 4</span>"));
    // Its header lists the files that were read.
    assert!(html.contains("<code>examples/demo/conf/cassandra.yaml</code>"));
}

fn demo_snapshot() -> Snapshot {
    let archive = casstune::snapshot::Archive::read(&root().join(DEMO)).unwrap();
    let mut problems = Vec::new();
    casstune::analyze::load::snapshot(&archive, &mut problems)
}

/// The page for a snapshot, the way `analyze` builds it.
fn render(snapshot: &Snapshot) -> String {
    let engine = Engine::standard().unwrap();
    let outcome = engine.run(snapshot);
    let targets: Vec<Target> = snapshot
        .nodes
        .iter()
        .map(|n| Target {
            subject: n.id.clone(),
            cassandra_version: n.version.to_string(),
            version_source: n.version_source.clone(),
            files: Vec::new(),
        })
        .collect();
    let report = Report {
        findings: &outcome.findings,
        not_checked: &outcome.not_checked,
        targets: &targets,
        rules: Vec::new(),
        suppressed: 0,
        baselined: 0,
        color: false,
        snapshot: Some(snapshot),
    };
    casstune::report::render(Format::Html, &report)
}

#[test]
fn planted_markup_in_names_is_text() {
    let mut s = demo_snapshot();
    s.cluster.name = Some("</title><script>alert(0)</script>".into());
    s.nodes[0].id = "<img src=x onerror=alert(1)>".into();
    s.nodes[1].metrics.insert(
        "table.max_partition_size_bytes",
        &[("keyspace", "demo"), ("table", "<script>alert(2)</script>")],
        5e9,
    );
    s.nodes[1].metrics.insert(
        "table.sstables_per_read.p99",
        &[("keyspace", "x\"onmouseover=\"alert(3)"), ("table", "t")],
        9.0,
    );
    s.nodes[2]
        .metrics
        .insert("threadpool.pending", &[("pool", "<b>Pool&Co</b>")], 7.0);
    let html = render(&s);
    for raw in ["<script", "<img", "onmouseover=\"", "<b>Pool"] {
        assert!(!html.contains(raw), "unescaped: {raw}");
    }
    for escaped in [
        "&lt;/title&gt;&lt;script&gt;alert(0)&lt;/script&gt;",
        "&lt;img src=x onerror=alert(1)&gt;",
        "&lt;script&gt;alert(2)&lt;/script&gt;",
        "x&quot;onmouseover=&quot;alert(3).t",
        "&lt;b&gt;Pool&amp;Co&lt;/b&gt;",
    ] {
        assert!(html.contains(escaped), "missing: {escaped}");
    }
    // The planted 5 GB partition is the largest one drawn.
    let part = figure(&html, "largest-partitions");
    let first = &part[part.find("class=\"bar\"").unwrap()..];
    assert!(
        first.contains("<title>demo.&lt;script&gt;alert(2)&lt;/script&gt; @ 127.0.0.2: 4.7 GiB"),
        "{part}"
    );
    assert!(figure(&html, "thread-pools").contains("&lt;b&gt;Pool&amp;Co&lt;/b&gt;"));
}

#[test]
fn missing_evidence_is_said_instead_of_an_empty_chart() {
    let mut s = demo_snapshot();
    for n in &mut s.nodes {
        n.metrics = Default::default();
        if let Some(l) = &mut n.live {
            l.tables.retain(|name, _| name == "system.local");
        }
    }
    for k in &mut s.schema.keyspaces {
        for t in &mut k.tables {
            t.estimates.clear();
        }
    }
    let html = render(&s);
    self_contained(&html);
    for id in CHARTS {
        let fig = figure(&html, id);
        assert!(
            !fig.contains("<svg"),
            "{id} drew a chart without data:\n{fig}"
        );
        assert!(
            fig.contains(&format!(
                "<p class=\"nodata\" data-chart=\"{id}\">no data: needs "
            )),
            "{id}:\n{fig}"
        );
    }
    assert!(figure(&html, "read-latency").contains(
        "needs metrics (collect with --metrics-port, --metrics-url or --prometheus-server)"
    ));
    assert!(figure(&html, "caches").contains("system_views.caches"));

    // One scrape: counters without rates. GC time needs a rate and says so; gauges still chart.
    let mut s = demo_snapshot();
    for n in &mut s.nodes {
        n.metrics
            .values
            .retain(|k, _| !k.contains(":rate_per_second"));
        n.metrics.interval_seconds = None;
    }
    let html = render(&s);
    assert!(figure(&html, "gc").contains("no data: GC time needs a rate, from two scrapes"));
    assert!(figure(&html, "heap").contains("<svg"));

    // Without exporter metrics the node's own virtual tables still give thread pools, caches,
    // disk usage and the largest partitions.
    let mut s = demo_snapshot();
    for n in &mut s.nodes {
        n.metrics = Default::default();
    }
    let html = render(&s);
    for id in [
        "thread-pools",
        "caches",
        "disk",
        "largest-partitions",
        "partition-sizes",
    ] {
        assert!(
            figure(&html, id).contains("<svg"),
            "{id} from virtual tables"
        );
    }
    assert!(
        figure(&html, "largest-partitions").contains("system_views.max_partition_size rounds up")
    );
    assert!(figure(&html, "disk").contains("system_views.disk_usage"));
}

// ---------------------------------------------------------------------------------------
// Headless Chromium

/// Debian's chromium, installed by the project's script when it is missing. `None` (with
/// the reason printed) when it cannot be had outside CI; in CI that is a failure.
fn chromium() -> Option<PathBuf> {
    let find = || {
        ["chromium", "chromium-browser"].iter().find_map(|b| {
            let o = Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {b}"))
                .output()
                .ok()?;
            let p = String::from_utf8_lossy(&o.stdout).trim().to_string();
            (o.status.success() && !p.is_empty()).then(|| PathBuf::from(p))
        })
    };
    if let Some(p) = find() {
        return Some(p);
    }
    let o = Command::new("bash")
        .arg(root().join("scripts/chromium.sh"))
        .output()
        .unwrap();
    if let Some(p) = find() {
        return Some(p);
    }
    let why = format!(
        "headless Chromium is not installed and scripts/chromium.sh could not install it: {}",
        String::from_utf8_lossy(&o.stderr).trim()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{why}");
    }
    eprintln!("skipped: {why}");
    None
}

struct Rendered {
    png: Vec<u8>,
    /// Chromium's log lines about the page: console messages and uncaught errors.
    console: Vec<String>,
}

/// Renders a page in headless Chromium with its log on stderr: the screenshot and every
/// console line. Chromium logs each console message (any level) as `…:CONSOLE…`.
fn screenshot(chromium: &Path, html: &Path, dir: &Path, name: &str) -> Rendered {
    let png = dir.join(format!("{name}.png"));
    let profile = dir.join(format!("{name}-profile"));
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1400,3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 180 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = reader.join().unwrap();
    let console = log
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .map(str::to_string)
        .collect();
    let png = std::fs::read(&png)
        .unwrap_or_else(|e| panic!("no screenshot {}: {e}\n{log}", png.display()));
    Rendered { png, console }
}

/// Width, height and RGB pixels of a PNG.
fn decode(png: &[u8]) -> (u32, u32, Vec<[u8; 3]>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = buf[..info.line_size * info.height as usize]
        .chunks(info.line_size)
        .flat_map(|line| line[..info.width as usize * channels].chunks(channels))
        .map(|p| match channels {
            1 | 2 => [p[0], p[0], p[0]],
            _ => [p[0], p[1], p[2]],
        })
        .collect();
    (info.width, info.height, pixels)
}

fn rgb(hex: &str) -> [u8; 3] {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap();
    [(v >> 16) as u8, (v >> 8) as u8, v as u8]
}

#[test]
fn chromium_renders_the_report_without_console_errors() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    std::fs::write(&report, demo_html()).unwrap();
    // A page that does log and throw, to show the check below sees what Chromium reports.
    let planted = dir.path().join("planted.html");
    std::fs::write(
        &planted,
        "<!DOCTYPE html><html><body><p>x</p><script>console.error('planted-console-error');throw new Error('planted-uncaught');</script></body></html>",
    )
    .unwrap();
    let (c2, d2, p2) = (chromium.clone(), dir.path().to_path_buf(), planted.clone());
    let control = std::thread::spawn(move || screenshot(&c2, &p2, &d2, "planted"));
    let page = screenshot(&chromium, &report, dir.path(), "report");
    let control = control.join().unwrap();
    assert!(
        control
            .console
            .iter()
            .any(|l| l.contains("planted-console-error"))
            && control
                .console
                .iter()
                .any(|l| l.contains("Uncaught Error: planted-uncaught")),
        "the console check cannot see console messages: {:?}",
        control.console
    );
    assert!(
        page.console.is_empty(),
        "the report logged to the console: {:#?}",
        page.console
    );

    let (w, h, pixels) = decode(&page.png);
    assert_eq!((w, h), (1400, 3000));
    let white = pixels.iter().filter(|p| **p == [255, 255, 255]).count();
    let distinct: BTreeSet<[u8; 3]> = pixels.iter().copied().collect();
    assert!(
        distinct.len() > 500,
        "only {} colours: a blank page?",
        distinct.len()
    );
    assert!(
        white < pixels.len() * 95 / 100,
        "{white} of {} pixels are white",
        pixels.len()
    );
    // The charts were drawn: their bar colours cover real areas of the page.
    for colour in ["#0072B2", "#E69F00", "#009E73", "#08306b"] {
        let want = rgb(colour);
        let n = pixels.iter().filter(|p| **p == want).count();
        assert!(n > 2000, "{colour}: {n} pixels");
    }
    // A copy to look at (target/ is not in the repository); docs/report.png is made the same way.
    let _ = std::fs::write(root().join("target/html-report.png"), &page.png);
}
