//! Scraping exporters over HTTP, and turning one or two scrapes of a node into [`Metrics`].
//!
//! - [`scrape`] is one GET with a deadline covering connect, headers and body. Every failure
//!   is a [`ScrapeError`] whose one-line message names the URL and what was expected.
//! - [`scrape_all`] scrapes many endpoints with bounded concurrency, and, when an interval is
//!   given, each endpoint a second time `interval` after its first scrape began, so counters
//!   can become rates. A hanging endpoint only costs its own timeout.
//! - [`node_metrics`] (pure) parses and normalises the text and computes counter rates.
//!
//! The raw text is returned as it came (lossily decoded if it was not UTF-8) so that a
//! snapshot can keep it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use super::normalise::{Normalised, normalise, normalise_counters};
use super::parse::{Exposition, parse};
use super::vocab::{self, ValueKind};
use crate::model::Metrics;
use crate::model::metrics::format_value;

/// Largest body read from an exporter. A busy node with thousands of tables serves tens of
/// MB; anything this big is a wrong URL or a runaway exporter.
pub const MAX_BODY_BYTES: usize = 256 << 20;

/// Largest part of an error page read to quote in a message.
const ERROR_BODY_BYTES: usize = 64 << 10;

/// How many parse errors of one scrape are listed by [`node_metrics`]; the rest are counted.
pub const MAX_LISTED_PARSE_ERRORS: usize = 20;

/// One scrape's answer, as it came.
#[derive(Debug, Clone, PartialEq)]
pub struct ScrapeText {
    pub url: String,
    /// The body, lossily decoded when it was not UTF-8 (see `notes`).
    pub text: String,
    /// When the request was sent (wall clock).
    pub taken_at_unix_ms: u128,
    /// From sending the request to the end of the body.
    pub elapsed_ms: u64,
    /// HTTP status (always 2xx: others are errors).
    pub status: u16,
    /// Things worth knowing that did not stop the scrape: a body that was not UTF-8, a
    /// failed second scrape.
    pub notes: Vec<String>,
}

impl ScrapeText {
    /// Seconds from an earlier scrape to this one, between the middles of the two requests:
    /// the exporter reads its MBeans while it answers, so the middle is the best estimate of
    /// when the values were taken.
    pub fn seconds_since(&self, earlier: &ScrapeText) -> f64 {
        let mid = |s: &ScrapeText| s.taken_at_unix_ms as f64 + s.elapsed_ms as f64 / 2.0;
        (mid(self) - mid(earlier)) / 1000.0
    }
}

/// Why a scrape failed. Every message is one line starting with the URL.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScrapeError {
    #[error("{url}: not a valid http(s) URL: {detail}")]
    InvalidUrl { url: String, detail: String },
    #[error("{url}: no complete answer within {timeout_ms} ms (expected a Prometheus exposition)")]
    Timeout { url: String, timeout_ms: u128 },
    #[error("{url}: cannot connect: {detail}")]
    Connect { url: String, detail: String },
    #[error("{url}: HTTP {status} (expected 200 with a Prometheus exposition){snippet}")]
    Status {
        url: String,
        status: u16,
        /// `: <start of the body>` or empty.
        snippet: String,
    },
    #[error("{url}: body larger than {limit} bytes (expected a Prometheus exposition); not read")]
    TooLarge { url: String, limit: usize },
    #[error("{url}: {detail}")]
    Http { url: String, detail: String },
}

impl ScrapeError {
    /// The URL the error is about.
    pub fn url(&self) -> &str {
        match self {
            ScrapeError::InvalidUrl { url, .. }
            | ScrapeError::Timeout { url, .. }
            | ScrapeError::Connect { url, .. }
            | ScrapeError::Status { url, .. }
            | ScrapeError::TooLarge { url, .. }
            | ScrapeError::Http { url, .. } => url,
        }
    }
}

/// The HTTP client casstune uses for exporters and Prometheus servers.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, String> {
    client_builder(timeout)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {}", error_chain(&e)))
}

/// [`scrape_all`]'s client keeps no idle connections: each endpoint is its own host, an idle
/// connection would hold its read buffer (up to hundreds of KB) until the end, and a second
/// scrape seconds later gains little from reuse.
fn fanout_client(timeout: Duration) -> Result<reqwest::Client, String> {
    client_builder(timeout)
        .pool_max_idle_per_host(0)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {}", error_chain(&e)))
}

fn client_builder(timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .connect_timeout(timeout)
        .timeout(timeout)
        .tcp_nodelay(true)
        .user_agent(concat!("casstune/", env!("CARGO_PKG_VERSION")))
}

/// One GET of `url`, with `timeout` covering connect, headers and the whole body.
pub async fn scrape(
    client: &reqwest::Client,
    url: &str,
    timeout: Duration,
) -> Result<ScrapeText, ScrapeError> {
    scrape_capped(client, url, timeout, MAX_BODY_BYTES).await
}

async fn scrape_capped(
    client: &reqwest::Client,
    url: &str,
    timeout: Duration,
    cap: usize,
) -> Result<ScrapeText, ScrapeError> {
    check_url(url)?;
    let taken_at_unix_ms = unix_ms();
    let started = Instant::now();
    let (status, body) = match tokio::time::timeout(timeout, get(client, url, timeout, cap)).await {
        Ok(r) => r?,
        Err(_) => return Err(timeout_error(url, timeout)),
    };
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let (text, notes) = decode(url, body);
    Ok(ScrapeText {
        url: url.to_string(),
        text,
        taken_at_unix_ms,
        elapsed_ms,
        status,
        notes,
    })
}

fn check_url(url: &str) -> Result<(), ScrapeError> {
    let invalid = |detail: String| ScrapeError::InvalidUrl {
        url: url.to_string(),
        detail,
    };
    let parsed = reqwest::Url::parse(url).map_err(|e| invalid(e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid(format!("scheme {:?}", parsed.scheme())));
    }
    Ok(())
}

fn timeout_error(url: &str, timeout: Duration) -> ScrapeError {
    ScrapeError::Timeout {
        url: url.to_string(),
        timeout_ms: timeout.as_millis(),
    }
}

/// Sends the GET and reads the body; a non-2xx status is an error quoting the body's start.
async fn get(
    client: &reqwest::Client,
    url: &str,
    timeout: Duration,
    cap: usize,
) -> Result<(u16, Vec<u8>), ScrapeError> {
    let resp = client
        .get(url)
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| request_error(url, &e, timeout))?;
    let status = resp.status();
    if !status.is_success() {
        let body = read_body(resp, ERROR_BODY_BYTES, false)
            .await
            .unwrap_or_default();
        return Err(ScrapeError::Status {
            url: url.to_string(),
            status: status.as_u16(),
            snippet: snippet(&body),
        });
    }
    let body = read_body(resp, cap, true)
        .await
        .map_err(|e| e.into_scrape_error(url, timeout))?;
    Ok((status.as_u16(), body))
}

/// Why reading a body stopped.
#[derive(Debug)]
pub(crate) enum BodyError {
    TooLarge(usize),
    Read(reqwest::Error),
}

impl BodyError {
    fn into_scrape_error(self, url: &str, timeout: Duration) -> ScrapeError {
        match self {
            BodyError::TooLarge(limit) => ScrapeError::TooLarge {
                url: url.to_string(),
                limit,
            },
            BodyError::Read(e) => request_error(url, &e, timeout),
        }
    }
}

/// Reads a body up to `cap` bytes: over it, an error when `strict`, else the first `cap`
/// bytes (enough to quote an error page).
pub(crate) async fn read_body(
    mut resp: reqwest::Response,
    cap: usize,
    strict: bool,
) -> Result<Vec<u8>, BodyError> {
    // A declared length over the cap fails before anything is read.
    if strict && resp.content_length().is_some_and(|n| n > cap as u64) {
        return Err(BodyError::TooLarge(cap));
    }
    let mut body = Vec::with_capacity(resp.content_length().map_or(64 << 10, |n| n as usize));
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Read)? {
        if body.len() + chunk.len() > cap {
            if strict {
                return Err(BodyError::TooLarge(cap));
            }
            body.extend_from_slice(&chunk[..cap - body.len()]);
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The body as text; invalid UTF-8 is replaced (U+FFFD) and noted, so that a mostly good
/// exposition is still read.
fn decode(url: &str, body: Vec<u8>) -> (String, Vec<String>) {
    match String::from_utf8(body) {
        Ok(text) => (text, Vec::new()),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let note = format!(
                "{url}: body is not valid UTF-8 (first bad byte at offset {at}); \
                 invalid bytes were replaced with U+FFFD"
            );
            (text, vec![note])
        }
    }
}

/// `: <first line of the body, at most 160 characters>`, or empty for an empty body.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line: String = text
        .split(['\n', '\r'])
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .chars()
        .take(160)
        .collect();
    if line.is_empty() {
        String::new()
    } else {
        format!(": {line}")
    }
}

/// Classifies a reqwest error into a one-line [`ScrapeError`].
pub(crate) fn request_error(url: &str, e: &reqwest::Error, timeout: Duration) -> ScrapeError {
    if e.is_timeout() {
        return timeout_error(url, timeout);
    }
    let detail = error_chain(e);
    if e.is_connect() {
        ScrapeError::Connect {
            url: url.to_string(),
            detail,
        }
    } else {
        ScrapeError::Http {
            url: url.to_string(),
            detail,
        }
    }
}

/// The innermost causes of an error, on one line: reqwest's own message repeats the URL
/// and hides the cause (`Connection refused`) in its sources.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let msg = err.to_string().replace(['\n', '\r'], " ");
        if !msg.starts_with("error sending request") && !parts.iter().any(|p| p.contains(&msg)) {
            parts.push(msg);
        }
        cur = err.source();
    }
    if parts.is_empty() {
        return e.to_string().replace(['\n', '\r'], " ");
    }
    parts.join(": ")
}

fn unix_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

/// One endpoint's outcome in [`scrape_all`]: the first scrape and, when an interval was
/// asked for and the second scrape worked, the second one.
pub type EndpointResult = Result<(ScrapeText, Option<ScrapeText>), ScrapeError>;

/// Scrapes every URL (at most `concurrency` requests at once), then, if `interval` is not
/// zero, every URL that answered once more `interval` after its own first scrape began.
/// `progress(done, total)` is called after each scrape attempt (a second scrape that is not
/// attempted because the first failed counts as done). Results are in input order. A
/// failed second scrape keeps the first, with the error in its `notes`. Each endpoint runs
/// as its own task, so this must be awaited inside a tokio runtime (as reqwest needs anyway).
pub async fn scrape_all(
    urls: &[String],
    interval: Duration,
    timeout: Duration,
    concurrency: usize,
    progress: impl Fn(usize, usize) + Send + Sync,
) -> Vec<(String, EndpointResult)> {
    let passes = if interval.is_zero() { 1 } else { 2 };
    let total = urls.len() * passes;
    let client = match fanout_client(timeout) {
        Ok(c) => c,
        Err(detail) => return all_failed(urls, &detail),
    };
    let limit = Arc::new(Semaphore::new(concurrency.max(1)));
    let (tx, mut rx) = mpsc::unbounded_channel::<()>();
    let mut tasks = JoinSet::new();
    let mut index_of = BTreeMap::new();
    for (i, url) in urls.iter().enumerate() {
        let job = Endpoint {
            url: url.clone(),
            client: client.clone(),
            limit: Arc::clone(&limit),
            interval,
            timeout,
            done: tx.clone(),
        };
        let handle = tasks.spawn(job.run());
        index_of.insert(handle.id(), i);
    }
    drop(tx);
    progress(0, total);
    let mut done = 0;
    // The channel closes when every task has ended (each holds a sender).
    while rx.recv().await.is_some() {
        done += 1;
        progress(done.min(total), total);
    }
    collect_in_order(urls, tasks, &index_of).await
}

fn all_failed(urls: &[String], detail: &str) -> Vec<(String, EndpointResult)> {
    urls.iter()
        .map(|u| {
            let err = ScrapeError::Http {
                url: u.clone(),
                detail: detail.to_string(),
            };
            (u.clone(), Err(err))
        })
        .collect()
}

async fn collect_in_order(
    urls: &[String],
    mut tasks: JoinSet<EndpointResult>,
    index_of: &BTreeMap<tokio::task::Id, usize>,
) -> Vec<(String, EndpointResult)> {
    let mut slots: Vec<Option<EndpointResult>> = urls.iter().map(|_| None).collect();
    let failed = |i: usize, detail: String| {
        let url = urls.get(i).cloned().unwrap_or_default();
        Err(ScrapeError::Http { url, detail })
    };
    while let Some(joined) = tasks.join_next_with_id().await {
        let (id, result) = match joined {
            Ok((id, r)) => (id, Ok(r)),
            Err(e) => (e.id(), Err(format!("scrape task failed: {e}"))),
        };
        let Some(&i) = index_of.get(&id) else {
            continue;
        };
        if let Some(slot) = slots.get_mut(i) {
            *slot = Some(result.unwrap_or_else(|detail| failed(i, detail)));
        }
    }
    slots
        .into_iter()
        .enumerate()
        .map(|(i, slot)| {
            let result =
                slot.unwrap_or_else(|| failed(i, "scrape task ended without a result".into()));
            (urls.get(i).cloned().unwrap_or_default(), result)
        })
        .collect()
}

/// One endpoint's work in [`scrape_all`], owned so it can run as its own task.
struct Endpoint {
    url: String,
    client: reqwest::Client,
    limit: Arc<Semaphore>,
    interval: Duration,
    timeout: Duration,
    done: mpsc::UnboundedSender<()>,
}

impl Endpoint {
    async fn run(self) -> EndpointResult {
        let (first, started) = self.limited_scrape().await;
        let _ = self.done.send(());
        let two_passes = !self.interval.is_zero();
        let mut first = match first {
            Ok(f) => f,
            Err(e) if two_passes => {
                // A node restarting, or briefly too busy to answer, may be back for the
                // second pass: one scrape (no rates) is better than none.
                tokio::time::sleep_until((started + self.interval).into()).await;
                let (second, _) = self.limited_scrape().await;
                let _ = self.done.send(());
                let mut only = second.map_err(|_| e.clone())?;
                only.notes.push(format!(
                    "first scrape failed, so no counter rates (this is the second): {e}"
                ));
                return Ok((only, None));
            }
            Err(e) => return Err(e),
        };
        if !two_passes {
            return Ok((first, None));
        }
        tokio::time::sleep_until((started + self.interval).into()).await;
        let (second, _) = self.limited_scrape().await;
        let _ = self.done.send(());
        match second {
            Ok(s) => Ok((first, Some(s))),
            Err(e) => {
                first
                    .notes
                    .push(format!("second scrape failed, so no counter rates: {e}"));
                Ok((first, None))
            }
        }
    }

    /// A scrape once a concurrency slot is free; also returns when it began.
    async fn limited_scrape(&self) -> (Result<ScrapeText, ScrapeError>, Instant) {
        let Ok(_permit) = self.limit.acquire().await else {
            let err = ScrapeError::Http {
                url: self.url.clone(),
                detail: "scrape cancelled".into(),
            };
            return (Err(err), Instant::now());
        };
        let started = Instant::now();
        (scrape(&self.client, &self.url, self.timeout).await, started)
    }
}

// ---------------------------------------------------------------------------------------
// From text to Metrics

/// Parses and normalises a node's scrape(s) into [`Metrics`]: the values of the latest
/// scrape (the second when given), and for every counter of the vocabulary present in both
/// scrapes its rate `<name>:rate_per_second` over `seconds` (see [`crate::model::metrics`]).
/// Problems: parse errors with their line (at most [`MAX_LISTED_PARSE_ERRORS`] per scrape,
/// then a count), counters that went down (a restart: no rate), a bad interval, and a
/// dialect change between the scrapes. `source` is left for the caller.
pub fn node_metrics<'t>(first: &'t str, second: Option<(&'t str, f64)>) -> (Metrics, Vec<String>) {
    let mut problems = Vec::new();
    let Some((text, seconds)) = second else {
        let a = read_scrape("first scrape", first, normalise, &mut problems);
        return (levels(&a), problems);
    };
    // The first scrape is read for its counters only (the rates); values are the second's.
    let a = read_scrape("first scrape", first, normalise_counters, &mut problems);
    let b = read_scrape("second scrape", text, normalise, &mut problems);
    let mut metrics = levels(&b);
    if a.dialect != b.dialect {
        problems.push(format!(
            "exporter dialect changed between scrapes ({} then {}); values are from the second",
            a.dialect.as_str(),
            b.dialect.as_str()
        ));
    }
    if !(seconds.is_finite() && seconds > 0.0) {
        problems.push(format!(
            "no counter rates: {seconds} s between scrapes is not a positive interval"
        ));
        return (metrics, problems);
    }
    metrics.interval_seconds = Some(seconds);
    add_rates(&mut metrics, &a, &b, seconds, &mut problems);
    (metrics, problems)
}

/// [`node_metrics`] on [`scrape_all`]'s output for one endpoint, with `source` set and the
/// scrapes' notes added to the problems.
pub fn scrape_metrics(first: &ScrapeText, second: Option<&ScrapeText>) -> (Metrics, Vec<String>) {
    let pair = second.map(|s| (s.text.as_str(), s.seconds_since(first)));
    let (mut metrics, mut problems) = node_metrics(&first.text, pair);
    metrics.source = Some(format!("scrape {}", first.url));
    let notes = first
        .notes
        .iter()
        .chain(second.iter().flat_map(|s| &s.notes));
    problems.splice(0..0, notes.cloned());
    (metrics, problems)
}

fn read_scrape<'a>(
    what: &str,
    text: &'a str,
    normalise: fn(&Exposition<'a>) -> Normalised<'a>,
    problems: &mut Vec<String>,
) -> Normalised<'a> {
    let exp = parse(text);
    for e in exp.errors.iter().take(MAX_LISTED_PARSE_ERRORS) {
        problems.push(format!("{what}: {e}"));
    }
    let more = exp.error_count().saturating_sub(MAX_LISTED_PARSE_ERRORS);
    if more > 0 {
        problems.push(format!("{what}: {more} more parse errors not listed"));
    }
    normalise(&exp)
}

fn levels(n: &Normalised<'_>) -> Metrics {
    let mut m = Metrics {
        dialect: Some(n.dialect.as_str().to_string()),
        ..Metrics::default()
    };
    m.extend(
        n.metrics
            .iter()
            .map(|metric| (metric.name, metric.scope.as_slice(), metric.value)),
    );
    m
}

fn is_counter(name: &str) -> bool {
    vocab::lookup(name).is_some_and(|e| e.kind == ValueKind::Counter)
}

fn add_rates<'a>(
    out: &mut Metrics,
    a: &Normalised<'a>,
    b: &Normalised<'a>,
    seconds: f64,
    problems: &mut Vec<String>,
) {
    // Both lists are sorted by (name, scope) (see `normalise`): a merge pairs each counter of
    // the second scrape with its value in the first.
    let mut before = a.metrics.iter().filter(|m| is_counter(m.name)).peekable();
    let mut rates = Vec::new();
    for m in b.metrics.iter().filter(|m| is_counter(m.name)) {
        let here = (m.name, &m.scope);
        while before.next_if(|p| (p.name, &p.scope) < here).is_some() {}
        let Some(was) = before
            .next_if(|p| (p.name, &p.scope) == here)
            .map(|p| p.value)
        else {
            continue;
        };
        if was.is_nan() || m.value.is_nan() {
            continue;
        }
        if m.value < was {
            let key = Metrics::key(m.name, &m.scope);
            problems.push(format!(
                "counter reset: {key} went from {} to {} (node restarted?); no rate",
                format_value(was),
                format_value(m.value)
            ));
            continue;
        }
        rates.push((
            Metrics::rate_name(m.name),
            m.scope.as_slice(),
            (m.value - was) / seconds,
        ));
    }
    out.extend(rates);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    fn node1() -> String {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scrapes/node1-idle.prom");
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    /// Replaces the value of the first line starting with `prefix`.
    fn set_value(text: &str, prefix: &str, value: &str) -> String {
        let mut done = false;
        let lines: Vec<String> = text
            .lines()
            .map(|l| {
                if !done && l.starts_with(prefix) {
                    done = true;
                    let cut = l.rfind(' ').expect("sample line has a value");
                    format!("{} {value}", &l[..cut])
                } else {
                    l.to_string()
                }
            })
            .collect();
        assert!(done, "no line starts with {prefix}");
        lines.join("\n") + "\n"
    }

    const YOUNG_SUM: &str = "jvm_gc_collection_seconds_sum{gc=\"G1 Young Generation\"}";
    const YOUNG_COUNT: &str = "jvm_gc_collection_seconds_count{gc=\"G1 Young Generation\"}";
    const YOUNG: [(&str, &str); 1] = [("gc", "G1 Young Generation")];

    #[test]
    fn one_scrape_gives_levels_and_no_rates() {
        let (m, problems) = node_metrics(&node1(), None);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(m.dialect.as_deref(), Some("jmx-exporter"));
        assert_eq!(
            m.get::<&str, &str>("jvm.heap.max_bytes", &[]),
            Some(1.073741824e9)
        );
        assert_eq!(m.get("jvm.gc.time_seconds_total", &YOUNG), Some(0.576));
        let roles = [("keyspace", "system_auth"), ("table", "roles")];
        assert_eq!(m.get("table.read_latency.p50_us", &roles), Some(258.0));
        assert!(
            m.names()
                .all(|n| !n.ends_with(crate::model::metrics::RATE_SUFFIX))
        );
        assert_eq!(m.interval_seconds, None);
    }

    #[test]
    fn bumped_counters_give_rates_and_gauges_do_not() {
        let first = node1();
        let second = set_value(&first, YOUNG_SUM, "0.676");
        let second = set_value(&second, YOUNG_COUNT, "14");
        let (m, problems) = node_metrics(&first, Some((&second, 2.0)));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(m.interval_seconds, Some(2.0));
        let rate = m.rate("jvm.gc.time_seconds_total", &YOUNG).unwrap();
        assert!((rate - 0.05).abs() < 1e-9, "{rate}");
        assert_eq!(m.rate("jvm.gc.collections_total", &YOUNG), Some(2.0));
        // Unchanged counters have a zero rate; gauges have none.
        let old = [("gc", "G1 Old Generation")];
        assert_eq!(m.rate("jvm.gc.collections_total", &old), Some(0.0));
        assert_eq!(m.rate::<&str, &str>("jvm.heap.used_bytes", &[]), None);
        // The levels are the second scrape's.
        assert_eq!(m.get("jvm.gc.collections_total", &YOUNG), Some(14.0));
    }

    #[test]
    fn a_counter_that_went_down_is_a_reset_without_rate() {
        let first = node1();
        let second = set_value(&first, YOUNG_COUNT, "3");
        let (m, problems) = node_metrics(&first, Some((&second, 2.0)));
        assert_eq!(m.rate("jvm.gc.collections_total", &YOUNG), None);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with(
                "counter reset: jvm.gc.collections_total{gc=G1 Young Generation} went from 10 to 3"
            ),
            "{problems:?}"
        );
        // Other counters still have rates.
        assert_eq!(m.rate("jvm.gc.time_seconds_total", &YOUNG), Some(0.0));
    }

    #[test]
    fn parse_errors_are_reported_with_lines_and_capped() {
        let mut text = String::from("jvm_memory_max_bytes{area=\"heap\"} 100\n");
        for _ in 0..25 {
            text.push_str("bad line here\n");
        }
        let (m, problems) = node_metrics(&text, None);
        assert_eq!(m.get::<&str, &str>("jvm.heap.max_bytes", &[]), Some(100.0));
        assert_eq!(problems.len(), MAX_LISTED_PARSE_ERRORS + 1, "{problems:?}");
        assert!(
            problems[0].starts_with("first scrape: line 2:"),
            "{}",
            problems[0]
        );
        assert_eq!(problems[20], "first scrape: 5 more parse errors not listed");
    }

    #[test]
    fn a_bad_interval_gives_no_rates() {
        let t = node1();
        for secs in [0.0, -1.0, f64::NAN] {
            let (m, problems) = node_metrics(&t, Some((&t, secs)));
            assert_eq!(m.interval_seconds, None);
            assert!(m.names().all(|n| !n.contains(':')));
            assert_eq!(problems.len(), 1, "{problems:?}");
        }
    }

    #[test]
    fn scrape_metrics_sets_source_and_keeps_notes() {
        let text = node1();
        let first = ScrapeText {
            url: "http://h:9404/metrics".into(),
            text: text.clone(),
            taken_at_unix_ms: 1_000_000,
            elapsed_ms: 400,
            status: 200,
            notes: vec!["note one".into()],
        };
        let second = ScrapeText {
            taken_at_unix_ms: 1_002_000,
            elapsed_ms: 600,
            text: set_value(&text, YOUNG_COUNT, "12"),
            notes: vec![],
            ..first.clone()
        };
        assert!((second.seconds_since(&first) - 2.1).abs() < 1e-9);
        let (m, problems) = scrape_metrics(&first, Some(&second));
        assert_eq!(m.source.as_deref(), Some("scrape http://h:9404/metrics"));
        assert_eq!(problems, ["note one"]);
        let r = m.rate("jvm.gc.collections_total", &YOUNG).unwrap();
        assert!((r - 2.0 / 2.1).abs() < 1e-9, "{r}");
    }

    /// Serves one fixed HTTP answer to every connection, after reading the request.
    async fn serve(answer: Vec<u8>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let answer = answer.clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = sock.read(&mut buf).await;
                    let _ = sock.write_all(&answer).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        format!("http://{addr}/metrics")
    }

    fn http(status: &str, body: &[u8]) -> Vec<u8> {
        let mut v = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        v.extend_from_slice(body);
        v
    }

    const T: Duration = Duration::from_secs(5);

    #[tokio::test]
    async fn non_2xx_names_url_and_status() {
        let url = serve(http(
            "503 Service Unavailable",
            b"\n  exporter is down\nmore",
        ))
        .await;
        let client = http_client(T).unwrap();
        let err = scrape(&client, &url, T).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{url}: HTTP 503 (expected 200 with a Prometheus exposition): exporter is down"
            )
        );
    }

    #[tokio::test]
    async fn oversized_bodies_are_refused() {
        let client = http_client(T).unwrap();
        let url = serve(http("200 OK", &[b'x'; 2000])).await;
        let err = scrape_capped(&client, &url, T, 1000).await.unwrap_err();
        assert_eq!(
            err,
            ScrapeError::TooLarge {
                url: url.clone(),
                limit: 1000
            }
        );
        // Without a Content-Length, the cap applies while reading.
        let mut raw = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
        raw.extend_from_slice(&[b'y'; 3000]);
        let url = serve(raw).await;
        let err = scrape_capped(&client, &url, T, 1000).await.unwrap_err();
        assert!(matches!(err, ScrapeError::TooLarge { .. }), "{err}");
        assert!(err.to_string().starts_with(&url));
    }

    #[tokio::test]
    async fn non_utf8_is_decoded_lossily_with_a_note() {
        let url = serve(http("200 OK", b"up 1\nx{a=\"\xff\"} 2\n")).await;
        let client = http_client(T).unwrap();
        let s = scrape(&client, &url, T).await.unwrap();
        assert_eq!(s.status, 200);
        assert_eq!(s.text, "up 1\nx{a=\"\u{fffd}\"} 2\n");
        assert_eq!(s.notes.len(), 1);
        assert!(s.notes[0].contains("offset 10"), "{}", s.notes[0]);
    }

    #[tokio::test]
    async fn bad_urls_and_refused_connections_are_clear() {
        let client = http_client(T).unwrap();
        let err = scrape(&client, "ftp://h/metrics", T).await.unwrap_err();
        assert!(matches!(err, ScrapeError::InvalidUrl { .. }), "{err}");
        let err = scrape(&client, "not a url", T).await.unwrap_err();
        assert!(
            err.to_string().starts_with("not a url: not a valid"),
            "{err}"
        );
        let err = scrape(&client, "http://127.0.0.1:1/metrics", T)
            .await
            .unwrap_err();
        assert!(matches!(err, ScrapeError::Connect { .. }), "{err}");
        assert!(
            err.to_string()
                .starts_with("http://127.0.0.1:1/metrics: cannot connect: ")
        );
        assert!(!err.to_string().contains('\n'));
    }

    #[tokio::test]
    async fn scrape_all_keeps_order_and_counts_progress() {
        let good = serve(http("200 OK", b"jvm_memory_max_bytes{area=\"heap\"} 7\n")).await;
        let urls = vec![
            "http://127.0.0.1:1/metrics".to_string(),
            good.clone(),
            good.clone(),
        ];
        let calls = std::sync::Mutex::new(Vec::new());
        let out = scrape_all(&urls, Duration::from_millis(200), T, 2, |d, t| {
            calls.lock().unwrap().push((d, t));
        })
        .await;
        assert_eq!(out.len(), 3);
        assert_eq!(
            out.iter().map(|(u, _)| u).collect::<Vec<_>>(),
            urls.iter().collect::<Vec<_>>()
        );
        assert!(out[0].1.is_err());
        for (_, r) in &out[1..] {
            let (a, b) = r.as_ref().unwrap();
            let b = b.as_ref().expect("second scrape");
            assert!(b.seconds_since(a) >= 0.15, "{}", b.seconds_since(a));
        }
        let calls = calls.into_inner().unwrap();
        assert_eq!(calls.first(), Some(&(0, 6)));
        assert_eq!(calls.last(), Some(&(6, 6)));
    }
}
