//! The HTTP collectors against the real test cluster: three Cassandra 5.0 nodes with the JMX
//! exporter (http://127.0.0.N:9404/metrics) and the Prometheus server scraping them
//! (http://127.0.0.1:9090), both started through `tests/support`.
//!
//! Fault injectors (local only): a TCP listener that accepts and never answers, a port
//! nobody listens on (127.0.0.1:1), and the exporter itself standing in for a server that is
//! not Prometheus. Assertions use system tables' metrics, which exist without load: the
//! cluster is shared and casstune never writes to it.

mod support;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use casstune::collect::prometheus::{ScrapeError, http_client, scrape_all, scrape_metrics};
use casstune::collect::promql;
use casstune::model::Metrics;
use casstune::model::metrics::RATE_SUFFIX;

const CLUSTER_SELECTOR: &str = "cluster=\"casstune-test\"";
const ROLES: [(&str, &str); 2] = [("keyspace", "system_auth"), ("table", "roles")];
/// The exporter's first answers can be slow on a busy 2-core box (scripts/README.md).
const SCRAPE_TIMEOUT: Duration = Duration::from_secs(30);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn no_scope() -> [(&'static str, &'static str); 0] {
    []
}

/// Scrapes every node directly (one scrape each) into Metrics keyed by node address.
async fn direct_metrics(urls: &[String]) -> BTreeMap<String, Metrics> {
    let got = scrape_all(urls, Duration::ZERO, SCRAPE_TIMEOUT, 4, |_, _| {}).await;
    got.into_iter()
        .map(|(url, r)| {
            let (first, _) = r.unwrap_or_else(|e| panic!("direct scrape failed: {e}"));
            let host = url
                .trim_start_matches("http://")
                .split(':')
                .next()
                .unwrap_or_default()
                .to_string();
            (host, scrape_metrics(&first, None).0)
        })
        .collect()
}

#[test]
fn two_scrapes_of_every_node_give_levels_and_rates() {
    let cluster = support::cluster();
    let urls = cluster.metrics_urls.clone();
    assert_eq!(urls.len(), 3, "{urls:?}");
    let calls = Mutex::new(Vec::new());
    let out = runtime().block_on(scrape_all(
        &urls,
        Duration::from_secs(2),
        SCRAPE_TIMEOUT,
        4,
        |done, total| calls.lock().unwrap().push((done, total)),
    ));
    assert_eq!(
        out.iter().map(|(u, _)| u.as_str()).collect::<Vec<_>>(),
        urls.iter().map(String::as_str).collect::<Vec<_>>(),
        "results in input order"
    );
    for (url, result) in &out {
        let (first, second) = result.as_ref().unwrap_or_else(|e| panic!("{url}: {e}"));
        let second = second
            .as_ref()
            .unwrap_or_else(|| panic!("{url}: no second scrape: {:?}", first.notes));
        let gap = second.seconds_since(first);
        assert!((1.5..20.0).contains(&gap), "{url}: {gap} s between scrapes");
        let (m, problems) = scrape_metrics(first, Some(second));
        assert!(problems.is_empty(), "{url}: {problems:?}");
        assert_node_metrics(url, &m);
    }
    let calls = calls.into_inner().unwrap();
    assert_eq!(calls.first(), Some(&(0, 6)));
    assert_eq!(calls.last(), Some(&(6, 6)));
}

fn assert_node_metrics(url: &str, m: &Metrics) {
    assert_eq!(m.dialect.as_deref(), Some("jmx-exporter"), "{url}");
    assert_eq!(m.source.as_deref(), Some(format!("scrape {url}").as_str()));
    for name in [
        "table.read_latency.p99_us",
        "table.read_latency.p50_us",
        "table.write_latency.p99_us",
        "table.live_sstables",
    ] {
        assert!(m.get(name, &ROLES).is_some(), "{url}: no {name}{ROLES:?}");
    }
    assert!(
        m.get("threadpool.pending", &[("pool", "ReadStage")])
            .is_some(),
        "{url}: no threadpool.pending{{pool=ReadStage}}"
    );
    let gc: Vec<_> = m.series("jvm.gc.time_seconds_total").collect();
    assert!(!gc.is_empty(), "{url}: no GC time");
    let used = m.get("jvm.heap.used_bytes", &no_scope()).unwrap_or(0.0);
    let max = m.get("jvm.heap.max_bytes", &no_scope()).unwrap_or(0.0);
    assert!(
        used > 0.0 && used <= max,
        "{url}: heap used {used} of {max}"
    );
    // A running JVM always burns some CPU (gossip every second).
    let cpu = m.rate("process.cpu_seconds_total", &no_scope());
    assert!(cpu.is_some_and(|r| r > 0.0), "{url}: CPU rate {cpu:?}");
    let rates = m.names().filter(|n| n.ends_with(RATE_SUFFIX)).count();
    assert!(rates >= 10, "{url}: only {rates} rate names");
    let interval = m.interval_seconds.unwrap_or(0.0);
    assert!(
        (1.5..20.0).contains(&interval),
        "{url}: interval {interval}"
    );
}

/// Accepts connections and never answers; returns its URL.
async fn silent_listener() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    format!("http://{addr}/metrics")
}

#[test]
fn hanging_and_refused_endpoints_fail_alone_within_the_timeout() {
    let cluster = support::cluster();
    let rt = runtime();
    let hang = rt.block_on(silent_listener());
    let refused = "http://127.0.0.1:1/metrics".to_string();
    let mut urls = vec![hang.clone(), refused.clone()];
    urls.extend(cluster.metrics_urls.iter().cloned());
    let timeout = Duration::from_secs(8);
    let started = Instant::now();
    let out = rt.block_on(scrape_all(&urls, Duration::ZERO, timeout, 8, |_, _| {}));
    let took = started.elapsed();
    assert!(
        took < timeout + Duration::from_secs(3),
        "scrape_all took {took:?} with a {timeout:?} timeout"
    );
    match &out[0].1 {
        Err(e @ ScrapeError::Timeout { .. }) => {
            assert_eq!(
                e.to_string(),
                format!(
                    "{hang}: no complete answer within 8000 ms (expected a Prometheus exposition)"
                )
            );
        }
        other => panic!("hanging endpoint: {other:?}"),
    }
    match &out[1].1 {
        Err(e @ ScrapeError::Connect { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.starts_with(&format!("{refused}: cannot connect: ")),
                "{msg}"
            );
            assert!(msg.to_lowercase().contains("refused"), "{msg}");
        }
        other => panic!("refused endpoint: {other:?}"),
    }
    for (url, r) in &out[2..] {
        let (first, second) = r.as_ref().unwrap_or_else(|e| panic!("{url}: {e}"));
        assert!(second.is_none());
        assert_eq!(first.status, 200);
        assert!(first.text.contains("cassandra_table_readlatency"), "{url}");
    }
}

/// Waits until Prometheus holds at least two samples of `up` for each of the cluster's
/// nodes in the last minute (rates need two), for at most 60 s.
async fn wait_for_samples(base: &str, nodes: usize) {
    let client = http_client(Duration::from_secs(10)).expect("client");
    // Successful scrapes, not `up` (recorded for failed ones too): on a loaded machine a
    // node's exporter can miss the 4 s scrape timeout, and a rate needs two real samples in
    // the 2-minute window the test queries.
    let query =
        format!("count_over_time(process_cpu_seconds_total{{{CLUSTER_SELECTOR}}}[2m]) >= 2");
    let mut url = reqwest::Url::parse(&format!("{base}/api/v1/query")).expect("url");
    url.query_pairs_mut().append_pair("query", &query);
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(resp) = client.get(url.clone()).send().await
            && let Ok(text) = resp.text().await
        {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            let n = v["data"]["result"].as_array().map_or(0, Vec::len);
            if n >= nodes {
                return;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    panic!("Prometheus has not two successful scrapes of every node after 120 s: {last}");
}

fn assert_close(what: &str, a: Option<f64>, b: Option<f64>, tolerance: f64) {
    let (Some(a), Some(b)) = (a, b) else {
        panic!("{what}: prometheus {a:?}, direct {b:?}");
    };
    assert!(
        (a - b).abs() <= tolerance,
        "{what}: prometheus {a}, direct {b}"
    );
}

#[test]
fn prometheus_server_agrees_with_direct_scrapes() {
    let cluster = support::cluster();
    let base = support::prometheus();
    let rt = runtime();
    rt.block_on(wait_for_samples(base, cluster.nodes));
    let client = http_client(SCRAPE_TIMEOUT).expect("client");
    let window = Duration::from_secs(120);
    let server = rt.block_on(promql::collect(
        &client,
        base,
        window,
        Some(CLUSTER_SELECTOR),
        SCRAPE_TIMEOUT,
    ));
    assert!(server.errors.is_empty(), "{:?}", server.errors);
    assert_eq!(
        server.per_instance.keys().collect::<Vec<_>>(),
        ["127.0.0.1", "127.0.0.2", "127.0.0.3"],
        "notes: {:?}",
        server.notes
    );
    assert!(server.raw.iter().any(|(m, _)| m == "promql/queries.json"));
    assert!(server.raw.len() > 20, "{} raw members", server.raw.len());
    // Taken after the server's window, so counters here are at least the server's.
    let direct = rt.block_on(direct_metrics(&cluster.metrics_urls));
    for (n, (host, m)) in server.per_instance.iter().enumerate() {
        let d = &direct[host];
        assert_eq!(m.dialect.as_deref(), Some("jmx-exporter"));
        assert_eq!(m.window.as_deref(), Some("2m"));
        assert_eq!(
            m.labels.get("node").map(String::as_str),
            Some(format!("node{}", n + 1).as_str())
        );
        assert_eq!(
            m.labels.get("cluster").map(String::as_str),
            Some("casstune-test")
        );
        assert!(
            m.source
                .as_deref()
                .is_some_and(|s| s.starts_with("prometheus-server http://127.0.0.1:9090"))
        );
        let heap_max = "jvm.heap.max_bytes";
        assert_close(
            heap_max,
            m.get(heap_max, &no_scope()),
            d.get(heap_max, &no_scope()),
            0.0,
        );
        let fds = "process.max_fds";
        assert_close(fds, m.get(fds, &no_scope()), d.get(fds, &no_scope()), 0.0);
        // A flush inside the window could add one SSTable.
        let ss = "table.live_sstables";
        assert_close(ss, m.get(ss, &ROLES), d.get(ss, &ROLES), 1.0);
        for name in ["table.read_latency.p99_us", "threadpool.pending"] {
            let scope: Vec<(&str, &str)> = if name.starts_with("table.") {
                ROLES.to_vec()
            } else {
                vec![("pool", "ReadStage")]
            };
            assert!(m.get(name, &scope).is_some(), "{host}: no {name}");
        }
        // Counters: the server's last value is not newer than the direct scrape.
        let young: Vec<_> = m.series("jvm.gc.collections_total").collect();
        assert!(!young.is_empty(), "{host}: no GC counters");
        for (scope, v) in young {
            let now = d.get("jvm.gc.collections_total", &scope);
            assert!(
                now.is_some_and(|now| now >= v),
                "{host} {scope:?}: {v} then {now:?}"
            );
        }
        let cpu = m.rate("process.cpu_seconds_total", &no_scope());
        assert!(cpu.is_some_and(|r| r > 0.0), "{host}: CPU rate {cpu:?}");
        // Same vocabulary: every name the server gave exists in a direct scrape (or is a rate).
        for name in m.names() {
            let base_name = name.strip_suffix(RATE_SUFFIX).unwrap_or(name);
            assert!(
                d.names().any(|n| n == base_name),
                "{host}: {name} not in a direct scrape"
            );
        }
    }
}

#[test]
fn bogus_servers_give_clear_errors() {
    let cluster = support::cluster();
    let rt = runtime();
    let client = http_client(SCRAPE_TIMEOUT).expect("client");
    let w = Duration::from_secs(3600);
    let refused = rt.block_on(promql::collect(
        &client,
        "http://127.0.0.1:1",
        w,
        None,
        SCRAPE_TIMEOUT,
    ));
    assert!(refused.per_instance.is_empty());
    assert_eq!(refused.errors.len(), 1, "{:?}", refused.errors);
    assert!(
        refused.errors[0].starts_with(
            "prometheus server http://127.0.0.1:1/api/v1/label/__name__/values (metric names): cannot connect: "
        ),
        "{}",
        refused.errors[0]
    );
    // An exporter is an HTTP server but not Prometheus.
    let exporter = cluster.metrics_urls[0]
        .trim_end_matches("/metrics")
        .to_string();
    let not_prom = rt.block_on(promql::collect(&client, &exporter, w, None, SCRAPE_TIMEOUT));
    assert!(not_prom.per_instance.is_empty());
    assert_eq!(not_prom.errors.len(), 1, "{:?}", not_prom.errors);
    let e = &not_prom.errors[0];
    assert!(
        e.starts_with(&format!("prometheus server {exporter}/api/v1/")),
        "{e}"
    );
    assert!(e.contains("not a Prometheus HTTP API answer"), "{e}");
    // A real server, but nothing matches the selector.
    let base = support::prometheus();
    let none = rt.block_on(promql::collect(
        &client,
        base,
        w,
        Some("cluster=\"no-such\""),
        SCRAPE_TIMEOUT,
    ));
    assert!(none.per_instance.is_empty());
    assert_eq!(
        none.errors,
        [format!(
            "prometheus server {base}: no Cassandra exporter series among its 0 metric names \
             matching {{cluster=\"no-such\"}} (dialect unknown); expected JMX exporter, MCAC or \
             cassandra-exporter names"
        )]
    );
    // A selector Prometheus cannot parse is the server's own error.
    let bad = rt.block_on(promql::collect(
        &client,
        base,
        w,
        Some("cluster=="),
        SCRAPE_TIMEOUT,
    ));
    assert_eq!(bad.errors.len(), 1, "{:?}", bad.errors);
    assert!(bad.errors[0].contains("bad_data"), "{}", bad.errors[0]);
}
