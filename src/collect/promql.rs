//! The Prometheus server path: a node's metrics over a window (`--prometheus-server URL
//! --window 24h`), in the same vocabulary and key format as a direct scrape.
//!
//! Steps, all over the HTTP API (`/api/v1/label/__name__/values`, `/api/v1/query`):
//!
//! 1. List the server's metric names (narrowed by the selector) and detect the exporter
//!    dialect from them, with the same detection as a scrape.
//! 2. For every exporter series name a rule of that dialect reads, build instant queries with
//!    range functions over the window (below), one query per name and function.
//! 3. Per `instance` label, write each function's answers back as a small text exposition
//!    and run the ordinary normaliser on it, so every dialect rule (label conditions, scope
//!    labels, unit scales, quantiles from buckets, aliases) applies unchanged; keep from each
//!    function's result the vocabulary names that function was asked for.
//!
//! | vocabulary names | PromQL | why |
//! |---|---|---|
//! | counters (`*.count`, `*_total`, hits, timeouts, completed tasks, …) | `last_over_time(x[w])` → the name; `rate(x[w])` → `<name>:rate_per_second` | the total at the end of the window, and the mean rate over it (`rate` handles restarts) |
//! | distribution quantiles `*.p50…p999` the exporter computes (JMX exporter, cassandra-exporter, MCAC per-read histograms) | `quantile_over_time(0.99, x[w])` | the exporter's percentile covers a short decaying reservoir; its 99th percentile over the window is a level held for all but 1 % of it (15 min of 24 h): a sustained bad level rather than one spike such as a start-up GC pause |
//! | `*.max_us` and other distribution maxima | `max_over_time(x[w])` | max means max |
//! | quantiles from bucket counters (MCAC latencies) | `rate(x_bucket[w])`, then the normaliser's `histogram_quantile` | the distribution of the window's own events |
//! | ratios (cache and key-cache hit ratios, bloom filter false ratio, compression ratio) | `avg_over_time(x[w])` | the typical value; a ratio's extremes mean little |
//! | other gauges (pending tasks and compactions, blocked tasks, SSTables, partition sizes, disk, heap, fds, connections) | `max_over_time(x[w])` | backlogs and peaks are what tuning rules look for; capacities do not move |
//!
//! A value summed from several series (cassandra-exporter's heap from its pools) is the sum
//! of each series' maximum: an upper bound of the peak.
//!
//! Instances are keyed by node address: the `instance` label without its port (the whole
//! label when two instances share a host). Target labels (`instance`, `job`, `node`,
//! `cluster`, …, read from `up`) go to [`Metrics::labels`]. Targets without any Cassandra
//! series (Prometheus scraping itself, a node exporter) are left out, with a note.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::time::Duration;

use futures::StreamExt as _;
use serde_json::Value;

use super::prometheus::dialect::{self, Target};
use super::prometheus::scrape::{error_chain, read_body, snippet};
use super::prometheus::vocab::{self, MetricUnit, Stat, ValueKind};
use super::prometheus::{Dialect, MAX_BODY_BYTES, detect, normalise, parse};
use crate::model::Metrics;

/// Queries sent at once: a shared server should not be hammered.
pub const QUERY_CONCURRENCY: usize = 4;

/// Failed queries listed in full in [`ServerResult::errors`]; the rest are counted.
const MAX_LISTED_QUERY_ERRORS: usize = 10;

/// What a Prometheus server gave.
#[derive(Debug, Default, Clone)]
pub struct ServerResult {
    /// Node address (or whole `instance` label, see the module doc) → its metrics.
    pub per_instance: BTreeMap<String, Metrics>,
    /// (member name, the server's JSON answer as it came), in a stable order; the member
    /// `promql/queries.json` lists which query each member answers.
    pub raw: Vec<(String, String)>,
    /// Failures: an unreachable or non-Prometheus server, failed queries. Each names the
    /// server URL.
    pub errors: Vec<String>,
    /// Worth knowing, not failures: server warnings, targets left out, empty rates.
    pub notes: Vec<String>,
    /// The dialect detected from the server's metric names.
    pub dialect: Option<Dialect>,
}

/// A PromQL function over the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Func {
    /// `last_over_time`: a counter's total at the end of the window.
    Last,
    /// `max_over_time`: backlogs, peaks, capacities, distribution maxima.
    Max,
    /// `avg_over_time`: ratios.
    Avg,
    /// `quantile_over_time(0.99, …)`: exporter-computed percentiles.
    Q99,
    /// `rate`: counters, and bucket counters of histograms.
    Rate,
}

impl Func {
    /// Short tag used in raw member names.
    pub fn tag(self) -> &'static str {
        match self {
            Func::Last => "last",
            Func::Max => "max",
            Func::Avg => "avg",
            Func::Q99 => "q99",
            Func::Rate => "rate",
        }
    }
}

/// The instant query for one exporter series name: `max_over_time(x{sel}[24h])`, …
pub fn build_query(func: Func, name: &str, selector: Option<&str>, window: &str) -> String {
    let series = match selector {
        Some(s) => format!("{name}{{{s}}}[{window}]"),
        None => format!("{name}[{window}]"),
    };
    match func {
        Func::Last => format!("last_over_time({series})"),
        Func::Max => format!("max_over_time({series})"),
        Func::Avg => format!("avg_over_time({series})"),
        Func::Q99 => format!("quantile_over_time(0.99, {series})"),
        Func::Rate => format!("rate({series})"),
    }
}

/// A window as a PromQL duration in its largest whole unit (`24h`, `90m`, `45s`); at least
/// one second.
pub fn promql_duration(window: Duration) -> String {
    let secs = window.as_secs().max(1);
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if secs.is_multiple_of(size) {
            return format!("{}{unit}", secs / size);
        }
    }
    format!("{secs}s")
}

/// The selector's label matchers without surrounding braces; `None` when empty.
pub fn selector_matchers(selector: Option<&str>) -> Option<String> {
    let s = selector?.trim();
    let s = s
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or(s)
        .trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// The vocabulary names a rule target produces, each with the function to read it by.
fn outputs(target: Target) -> Vec<(&'static str, Func)> {
    let quantiles = |d: &'static vocab::Distribution, f: Func| -> Vec<(&'static str, Func)> {
        Stat::QUANTILES
            .iter()
            .map(|&(_, s)| (d.name(s), f))
            .collect()
    };
    match target {
        Target::Scalar(name) | Target::Sum(name) => by_entry(name),
        Target::Stat(d, Stat::Count) => by_entry(d.name(Stat::Count)),
        Target::Stat(d, Stat::Max) => vec![(d.name(Stat::Max), Func::Max)],
        Target::Stat(d, stat) => vec![(d.name(stat), Func::Q99)],
        Target::Quantile(d) => quantiles(d, Func::Q99),
        Target::Buckets(d) => quantiles(d, Func::Rate),
    }
}

/// Functions for a scalar vocabulary name, from its kind and unit.
fn by_entry(name: &'static str) -> Vec<(&'static str, Func)> {
    match vocab::lookup(name) {
        Some(e) if e.kind == ValueKind::Counter => vec![(name, Func::Last), (name, Func::Rate)],
        Some(e) if e.unit == MetricUnit::Ratio => vec![(name, Func::Avg)],
        _ => vec![(name, Func::Max)],
    }
}

/// Which queries to send, and which function each vocabulary name is read by.
#[derive(Debug, Default)]
struct Plan {
    /// (server series name, function) → whether the name identifies the dialect.
    queries: BTreeMap<(String, Func), bool>,
    /// vocabulary name → functions it is read by.
    wanted: HashMap<&'static str, BTreeSet<Func>>,
}

fn plan(dialect: Dialect, names: &[String]) -> Plan {
    let rules = dialect::rules(dialect);
    let mut p = Plan::default();
    for name in names {
        let lname = name.to_ascii_lowercase();
        for rule in rules
            .for_name(&lname)
            .iter()
            .filter_map(|&i| rules.rules.get(i))
        {
            for (vname, func) in outputs(rule.target) {
                p.wanted.entry(vname).or_default().insert(func);
                let id = p.queries.entry((name.clone(), func)).or_default();
                *id |= rule.identifies;
            }
        }
    }
    p
}

/// A series name the text format can carry unquoted (the rules only know such names).
fn plain_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// The dialect of a server from its metric names, by the scrape detection: each name is
/// written as one sample of its own family.
fn detect_dialect(names: &[String]) -> Dialect {
    let mut text = String::new();
    for n in names.iter().filter(|n| plain_name(n)) {
        text.push_str(n);
        text.push_str(" 0\n");
    }
    detect(&parse(&text))
}

// ---------------------------------------------------------------------------------------
// HTTP API

struct Api<'a> {
    client: &'a reqwest::Client,
    /// Base URL with a trailing `/`, so `join` keeps a path prefix (`/prometheus/`).
    base: reqwest::Url,
    /// The base as given, for messages.
    shown: String,
    timeout: Duration,
}

impl<'a> Api<'a> {
    fn new(client: &'a reqwest::Client, base_url: &str, timeout: Duration) -> Result<Self, String> {
        let shown = base_url.trim_end_matches('/').to_string();
        let bad =
            |why: String| format!("prometheus server {base_url}: not a valid http(s) URL: {why}");
        let mut base = reqwest::Url::parse(&format!("{shown}/")).map_err(|e| bad(e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(bad(format!("scheme {:?}", base.scheme())));
        }
        base.set_query(None);
        base.set_fragment(None);
        Ok(Api {
            client,
            base,
            shown,
            timeout,
        })
    }

    /// GETs an API path; the `data` member of a `success` answer, with the raw text and any
    /// warnings. `what` describes the request in messages.
    async fn get(
        &self,
        path: &str,
        params: &[(&str, &str)],
        what: &str,
    ) -> Result<(String, Value, Vec<String>), String> {
        let endpoint = format!("{}/{path}", self.shown);
        let fail = |why: String| format!("prometheus server {endpoint} ({what}): {why}");
        let mut url = self.base.join(path).map_err(|e| fail(e.to_string()))?;
        if !params.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in params {
                q.append_pair(k, v);
            }
        }
        let send = async {
            let resp = self
                .client
                .get(url)
                .timeout(self.timeout)
                .send()
                .await
                .map_err(|e| request_failure(&e, self.timeout))?;
            let status = resp.status().as_u16();
            let ctype = content_type(&resp);
            let body = read_body(resp, MAX_BODY_BYTES, true)
                .await
                .map_err(|e| match e {
                    super::prometheus::scrape::BodyError::TooLarge(n) => {
                        format!("answer larger than {n} bytes; not read")
                    }
                    super::prometheus::scrape::BodyError::Read(e) => {
                        request_failure(&e, self.timeout)
                    }
                })?;
            Ok::<_, String>((status, ctype, body))
        };
        let (status, ctype, body) = match tokio::time::timeout(self.timeout, send).await {
            Ok(r) => r.map_err(fail)?,
            Err(_) => return Err(fail(timeout_text(self.timeout))),
        };
        interpret(status, &ctype, body).map_err(fail)
    }
}

fn timeout_text(timeout: Duration) -> String {
    format!(
        "no complete answer within {} ms (expected Prometheus HTTP API JSON)",
        timeout.as_millis()
    )
}

fn request_failure(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        timeout_text(timeout)
    } else if e.is_connect() {
        format!("cannot connect: {}", error_chain(e))
    } else {
        error_chain(e)
    }
}

fn content_type(resp: &reqwest::Response) -> String {
    resp.headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no content type")
        .to_string()
}

/// Checks an answer is the Prometheus API's JSON envelope and returns (raw, data, warnings).
fn interpret(
    status: u16,
    ctype: &str,
    body: Vec<u8>,
) -> Result<(String, Value, Vec<String>), String> {
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let Some(Value::Object(mut top)) = parsed else {
        return Err(format!(
            "not a Prometheus HTTP API answer (HTTP {status}, {ctype}; expected JSON with \"status\"){}",
            snippet(&body)
        ));
    };
    let text_of = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
    match top.get("status").and_then(Value::as_str) {
        Some("success") => {}
        Some("error") => {
            let kind = text_of(top.get("errorType"));
            let msg = text_of(top.get("error")).replace('\n', " ");
            return Err(format!("HTTP {status}: {kind}: {msg}"));
        }
        _ => {
            return Err(format!(
                "not a Prometheus HTTP API answer (HTTP {status}, {ctype}; JSON without \"status\")"
            ));
        }
    }
    let warnings = top
        .get("warnings")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|w| w.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let data = top.remove("data").unwrap_or(Value::Null);
    // Valid UTF-8: it parsed as JSON.
    let raw = String::from_utf8(body).unwrap_or_default();
    Ok((raw, data, warnings))
}

/// One series of an instant vector: labels (without `__name__`) and the value as the server
/// wrote it (`"1.5e+06"`, `"NaN"`, `"+Inf"`).
type Series = (BTreeMap<String, String>, String);

/// The series of an instant-vector `data`, or why it is not one.
fn vector(data: &Value) -> Result<Vec<Series>, String> {
    let kind = data.get("resultType").and_then(Value::as_str).unwrap_or("");
    if kind != "vector" {
        return Err(format!("expected resultType \"vector\", got {kind:?}"));
    }
    let items = data
        .get("result")
        .and_then(Value::as_array)
        .ok_or("answer has no result array")?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let labels: BTreeMap<String, String> = item
            .get("metric")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| k.as_str() != "__name__")
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        let value = item
            .get("value")
            .and_then(Value::as_array)
            .and_then(|v| v.get(1))
            .and_then(Value::as_str);
        // A value the text format cannot carry is skipped rather than mangled.
        if let Some(v) = value.filter(|v| v.parse::<f64>().is_ok()) {
            out.push((labels, v.to_string()));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Collection

/// One query and its outcome.
struct Answer {
    name: String,
    func: Func,
    identifies: bool,
    query: String,
    result: Result<(String, Vec<Series>), String>,
    warnings: Vec<String>,
}

/// Reads a node's metrics over `window` from a Prometheus server. `selector` holds extra
/// label matchers (`cluster="prod"`, with or without braces) added to every query. Never
/// panics; whatever went wrong is in [`ServerResult::errors`].
pub async fn collect(
    client: &reqwest::Client,
    base_url: &str,
    window: Duration,
    selector: Option<&str>,
    timeout: Duration,
) -> ServerResult {
    let mut out = ServerResult::default();
    let api = match Api::new(client, base_url, timeout) {
        Ok(a) => a,
        Err(e) => {
            out.errors.push(e);
            return out;
        }
    };
    let sel = selector_matchers(selector);
    let w = promql_duration(window);
    let Some(names) = metric_names(&api, sel.as_deref(), &mut out).await else {
        return out;
    };
    let dialect = detect_dialect(&names);
    out.dialect = Some(dialect);
    if matches!(dialect, Dialect::Unknown | Dialect::Scylla) {
        out.errors.push(format!(
            "prometheus server {}: no Cassandra exporter series among its {} metric names{} \
             (dialect {}); expected JMX exporter, MCAC or cassandra-exporter names",
            api.shown,
            names.len(),
            sel.as_ref()
                .map(|s| format!(" matching {{{s}}}"))
                .unwrap_or_default(),
            dialect.as_str()
        ));
        return out;
    }
    let targets = target_labels(&api, sel.as_deref(), &w, &mut out).await;
    let plan = plan(dialect, &names);
    let answers = run_queries(&api, &plan, sel.as_deref(), &w).await;
    record(&answers, &mut out);
    let mut assembled = assemble(&answers, &plan, dialect, &mut out.notes);
    finish(
        &mut assembled,
        &targets,
        &api.shown,
        &w,
        window,
        dialect,
        &mut out,
    );
    raw_index(&api.shown, &w, sel.as_deref(), dialect, &answers, &mut out);
    out
}

/// The server's metric names (narrowed by the selector), sorted; `None` after an error.
async fn metric_names(
    api: &Api<'_>,
    sel: Option<&str>,
    out: &mut ServerResult,
) -> Option<Vec<String>> {
    let matcher = sel.map(|s| format!("{{{s}}}"));
    let params: Vec<(&str, &str)> = matcher.iter().map(|m| ("match[]", m.as_str())).collect();
    let path = "api/v1/label/__name__/values";
    let (raw, data, warnings) = match api.get(path, &params, "metric names").await {
        Ok(r) => r,
        Err(e) => {
            out.errors.push(e);
            return None;
        }
    };
    out.raw.push(("promql/label-names.json".into(), raw));
    out.notes
        .extend(warnings.into_iter().map(|w| format!("{path}: {w}")));
    let Some(list) = data.as_array() else {
        out.errors.push(format!(
            "prometheus server {}/{path}: expected a list of names in \"data\"",
            api.shown
        ));
        return None;
    };
    let mut names: Vec<String> = list
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    names.sort();
    names.dedup();
    Some(names)
}

/// instance → target labels, from `up` over the window; notes targets never up.
async fn target_labels(
    api: &Api<'_>,
    sel: Option<&str>,
    w: &str,
    out: &mut ServerResult,
) -> BTreeMap<String, BTreeMap<String, String>> {
    let query = build_query(Func::Max, "up", sel, w);
    let mut targets = BTreeMap::new();
    let answer = api.get("api/v1/query", &[("query", &query)], &query).await;
    let series = match answer.and_then(|(raw, data, _)| Ok((raw, vector(&data)?))) {
        Ok((raw, series)) => {
            out.raw.push(("promql/up.max.json".into(), raw));
            series
        }
        Err(e) => {
            // Not fatal: only the target labels are missing.
            out.notes.push(e);
            return targets;
        }
    };
    for (labels, value) in series {
        let Some(instance) = labels.get("instance").cloned() else {
            continue;
        };
        if value.parse::<f64>().is_ok_and(|v| v < 1.0) {
            out.notes
                .push(format!("target {instance} was never up in the last {w}"));
        }
        targets.insert(instance, labels);
    }
    targets
}

async fn run_queries(api: &Api<'_>, plan: &Plan, sel: Option<&str>, w: &str) -> Vec<Answer> {
    let jobs = plan.queries.iter().map(|((name, func), &identifies)| {
        let query = build_query(*func, name, sel, w);
        async move {
            let got = api.get("api/v1/query", &[("query", &query)], &query).await;
            let (result, warnings) = match got {
                Ok((raw, data, warnings)) => (vector(&data).map(|v| (raw, v)), warnings),
                Err(e) => (Err(e), Vec::new()),
            };
            Answer {
                name: name.clone(),
                func: *func,
                identifies,
                query,
                result,
                warnings,
            }
        }
    });
    // `buffered` keeps the plan's (sorted) order.
    futures::stream::iter(jobs)
        .buffered(QUERY_CONCURRENCY)
        .collect()
        .await
}

fn member_name(a: &Answer) -> String {
    format!("promql/{}.{}.json", a.name, a.func.tag())
}

/// Raw answers and query errors into the result.
fn record(answers: &[Answer], out: &mut ServerResult) {
    let mut failed = 0usize;
    for a in answers {
        match &a.result {
            Ok((raw, _)) => out.raw.push((member_name(a), raw.clone())),
            Err(e) => {
                failed += 1;
                if failed <= MAX_LISTED_QUERY_ERRORS {
                    out.errors.push(e.clone());
                }
            }
        }
        for w in &a.warnings {
            out.notes.push(format!("query {}: {w}", a.query));
        }
    }
    if failed > MAX_LISTED_QUERY_ERRORS {
        out.errors.push(format!(
            "{} more queries failed (not listed)",
            failed - MAX_LISTED_QUERY_ERRORS
        ));
    }
}

/// One instance's answers: source name → function → series.
#[derive(Default)]
struct InstanceAnswers<'a> {
    by_name: BTreeMap<&'a str, BTreeMap<Func, Vec<&'a Series>>>,
    /// Whether any Cassandra (dialect-identifying) series was seen.
    cassandra: bool,
}

fn assemble(
    answers: &[Answer],
    plan: &Plan,
    dialect: Dialect,
    notes: &mut Vec<String>,
) -> BTreeMap<String, Metrics> {
    let mut per: BTreeMap<&str, InstanceAnswers> = BTreeMap::new();
    let mut no_instance = 0usize;
    for a in answers {
        let Ok((_, series)) = &a.result else { continue };
        for s in series {
            let Some(instance) = s.0.get("instance") else {
                no_instance += 1;
                continue;
            };
            let t = per.entry(instance).or_default();
            t.cassandra |= a.identifies;
            let by_func = t.by_name.entry(&a.name).or_default();
            by_func.entry(a.func).or_default().push(s);
        }
    }
    if no_instance > 0 {
        notes.push(format!(
            "{no_instance} series without an instance label were ignored"
        ));
    }
    let mut out = BTreeMap::new();
    for (instance, t) in per {
        if !t.cassandra {
            notes.push(format!(
                "target {instance} has no Cassandra series; left out"
            ));
            continue;
        }
        out.insert(
            instance.to_string(),
            instance_metrics(&t, plan, dialect, notes),
        );
    }
    out
}

/// The text exposition `func`'s results are read from. Names queried with `func` carry its
/// answers (none when the instance had none). Every other name carries the answer of some
/// other function: its values are never kept (see [`output_name`]), but its presence makes
/// the normaliser detect the server's dialect, which a handful of names could not (the JMX
/// exporter and cassandra-exporter share `cassandra_cache_hits`).
fn exposition_text(t: &InstanceAnswers, plan: &Plan, func: Func) -> String {
    let mut text = String::new();
    for (&name, by_func) in &t.by_name {
        let series = if plan.queries.contains_key(&(name.to_string(), func)) {
            by_func.get(&func)
        } else {
            by_func.values().next()
        };
        for (labels, value) in series.into_iter().flatten() {
            write_sample(&mut text, name, labels, value);
        }
    }
    text
}

/// Writes `name{labels} value` in the text format.
fn write_sample(text: &mut String, name: &str, labels: &BTreeMap<String, String>, value: &str) {
    text.push_str(name);
    let mut first = true;
    for (k, v) in labels
        .iter()
        .filter(|(k, _)| plain_name(k) && !k.contains(':'))
    {
        text.push(if first { '{' } else { ',' });
        first = false;
        let _ = write!(text, "{k}=\"");
        for c in v.chars() {
            match c {
                '\\' => text.push_str("\\\\"),
                '"' => text.push_str("\\\""),
                '\n' => text.push_str("\\n"),
                c => text.push(c),
            }
        }
        text.push('"');
    }
    if !first {
        text.push('}');
    }
    text.push(' ');
    text.push_str(value);
    text.push('\n');
}

fn instance_metrics(
    t: &InstanceAnswers,
    plan: &Plan,
    dialect: Dialect,
    notes: &mut Vec<String>,
) -> Metrics {
    let funcs: BTreeSet<Func> = plan.queries.keys().map(|(_, f)| *f).collect();
    let mut m = Metrics::default();
    for func in funcs {
        let text = exposition_text(t, plan, func);
        let n = normalise(&parse(&text));
        if n.dialect != dialect {
            notes.push(format!(
                "{} answers read as {} rather than {}",
                func.tag(),
                n.dialect.as_str(),
                dialect.as_str()
            ));
        }
        m.extend(n.metrics.iter().filter_map(|metric| {
            let name = output_name(plan, metric.name, func)?;
            Some((name, metric.scope.as_slice(), metric.value))
        }));
    }
    m
}

/// The name a normalised value of `func`'s answers is kept under, if it is kept: a name is
/// kept from the functions it was planned for; names the normaliser derives (cache ratios,
/// requests) from `last` (levels) and, for counters, `rate`.
fn output_name(plan: &Plan, name: &'static str, func: Func) -> Option<String> {
    let counter = vocab::lookup(name).is_some_and(|e| e.kind == ValueKind::Counter);
    let keep = match plan.wanted.get(name) {
        Some(funcs) => funcs.contains(&func),
        None => func == Func::Last || (func == Func::Rate && counter),
    };
    if !keep {
        return None;
    }
    if func == Func::Rate && counter {
        Some(Metrics::rate_name(name))
    } else {
        Some(name.to_string())
    }
}

/// `127.0.0.1:9404` → `127.0.0.1`, `[::1]:9404` → `::1`, `host` → `host`.
pub fn host_of(instance: &str) -> &str {
    if let Some(rest) = instance.strip_prefix('[')
        && let Some(end) = rest.find(']')
    {
        return &rest[..end];
    }
    match instance.rsplit_once(':') {
        Some((host, port))
            if !host.is_empty()
                && !host.contains(':')
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit()) =>
        {
            host
        }
        _ => instance,
    }
}

/// Keys instances by host, fills the metadata, and moves them into the result.
fn finish(
    assembled: &mut BTreeMap<String, Metrics>,
    targets: &BTreeMap<String, BTreeMap<String, String>>,
    server: &str,
    w: &str,
    window: Duration,
    dialect: Dialect,
    out: &mut ServerResult,
) {
    let mut hosts: HashMap<&str, usize> = HashMap::new();
    for instance in assembled.keys() {
        *hosts.entry(host_of(instance)).or_default() += 1;
    }
    let keys: Vec<(String, String)> = assembled
        .keys()
        .map(|i| {
            let host = host_of(i);
            let key = if hosts.get(host) == Some(&1) {
                host
            } else {
                i.as_str()
            };
            (i.clone(), key.to_string())
        })
        .collect();
    for (instance, key) in keys {
        let Some(mut m) = assembled.remove(&instance) else {
            continue;
        };
        m.dialect = Some(dialect.as_str().to_string());
        m.source = Some(format!("prometheus-server {server} instance={instance}"));
        m.window = Some(w.to_string());
        m.interval_seconds = Some(window.as_secs_f64().max(1.0));
        m.labels = targets
            .get(&instance)
            .cloned()
            .unwrap_or_else(|| BTreeMap::from([("instance".to_string(), instance.clone())]));
        if !m
            .names()
            .any(|n| n.ends_with(crate::model::metrics::RATE_SUFFIX))
        {
            out.notes.push(format!(
                "{instance}: no counter rates (fewer than two samples in the last {w}?)"
            ));
        }
        out.per_instance.insert(key, m);
    }
}

/// `promql/queries.json`: which query each raw member answers.
fn raw_index(
    server: &str,
    w: &str,
    sel: Option<&str>,
    dialect: Dialect,
    answers: &[Answer],
    out: &mut ServerResult,
) {
    let queries: Vec<Value> = answers
        .iter()
        .map(|a| {
            serde_json::json!({
                "member": member_name(a),
                "query": a.query,
                "ok": a.result.is_ok(),
            })
        })
        .collect();
    let index = serde_json::json!({
        "server": server,
        "window": w,
        "selector": sel,
        "dialect": dialect.as_str(),
        "queries": queries,
    });
    let text = serde_json::to_string_pretty(&index).unwrap_or_default();
    out.raw.push(("promql/queries.json".into(), text));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_per_function() {
        let sel = Some("cluster=\"prod\"");
        assert_eq!(
            build_query(Func::Max, "cassandra_threadpools_pendingtasks", sel, "24h"),
            "max_over_time(cassandra_threadpools_pendingtasks{cluster=\"prod\"}[24h])"
        );
        assert_eq!(
            build_query(
                Func::Q99,
                "cassandra_table_readlatency_quantile",
                None,
                "1h"
            ),
            "quantile_over_time(0.99, cassandra_table_readlatency_quantile[1h])"
        );
        assert_eq!(
            build_query(Func::Rate, "jvm_gc_collection_seconds_sum", None, "5m"),
            "rate(jvm_gc_collection_seconds_sum[5m])"
        );
        assert_eq!(
            build_query(Func::Last, "x", None, "1d"),
            "last_over_time(x[1d])"
        );
        assert_eq!(
            build_query(Func::Avg, "x", None, "90s"),
            "avg_over_time(x[90s])"
        );
    }

    #[test]
    fn durations_and_selectors() {
        assert_eq!(promql_duration(Duration::from_secs(86_400)), "1d");
        assert_eq!(promql_duration(Duration::from_secs(7_200)), "2h");
        assert_eq!(promql_duration(Duration::from_secs(5_400)), "90m");
        assert_eq!(promql_duration(Duration::from_secs(45)), "45s");
        assert_eq!(promql_duration(Duration::from_millis(10)), "1s");
        assert_eq!(
            selector_matchers(Some(" {a=\"b\"} ")).as_deref(),
            Some("a=\"b\"")
        );
        assert_eq!(
            selector_matchers(Some("a=\"b\",c!=\"d\"")).as_deref(),
            Some("a=\"b\",c!=\"d\"")
        );
        assert_eq!(selector_matchers(Some(" { } ")), None);
        assert_eq!(selector_matchers(None), None);
    }

    #[test]
    fn hosts_without_ports() {
        assert_eq!(host_of("127.0.0.1:9404"), "127.0.0.1");
        assert_eq!(host_of("[::1]:9404"), "::1");
        assert_eq!(host_of("cass-1.example"), "cass-1.example");
        assert_eq!(host_of("::1"), "::1");
        assert_eq!(host_of("h:port"), "h:port");
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn plan_for_the_jmx_exporter() {
        let server = names(&[
            "cassandra_table_readlatency",
            "cassandra_table_readlatency_quantile",
            "cassandra_table_readlatency_max",
            "cassandra_threadpools_pendingtasks",
            "cassandra_cache_hitrate",
            "jvm_gc_collection_seconds_sum",
            "prometheus_http_requests_total",
            "up",
        ]);
        assert_eq!(detect_dialect(&server), Dialect::JmxExporter);
        let p = plan(Dialect::JmxExporter, &server);
        let got: Vec<String> = p
            .queries
            .keys()
            .map(|(n, f)| build_query(*f, n, None, "1h"))
            .collect();
        assert_eq!(
            got,
            [
                "avg_over_time(cassandra_cache_hitrate[1h])",
                "last_over_time(cassandra_table_readlatency[1h])",
                "rate(cassandra_table_readlatency[1h])",
                "max_over_time(cassandra_table_readlatency_max[1h])",
                "quantile_over_time(0.99, cassandra_table_readlatency_quantile[1h])",
                "max_over_time(cassandra_threadpools_pendingtasks[1h])",
                "last_over_time(jvm_gc_collection_seconds_sum[1h])",
                "rate(jvm_gc_collection_seconds_sum[1h])",
            ]
        );
        assert!(p.queries[&("cassandra_threadpools_pendingtasks".into(), Func::Max)]);
        assert!(!p.queries[&("jvm_gc_collection_seconds_sum".into(), Func::Rate)]);
    }

    #[test]
    fn mcac_buckets_are_rated_and_raw_names_keep_their_case() {
        let p = plan(Dialect::Mcac, &names(&["mcac_table_read_latency_bucket"]));
        let funcs: Vec<Func> = p.queries.keys().map(|(_, f)| *f).collect();
        assert_eq!(funcs, [Func::Rate]);
        assert_eq!(
            output_name(&p, "table.read_latency.p99_us", Func::Rate).as_deref(),
            Some("table.read_latency.p99_us")
        );
        // The raw JMX naming keeps MBean case on some servers; the query uses the server's spelling.
        let raw = names(&["org_apache_cassandra_metrics_Table_Value"]);
        let p = plan(Dialect::JmxExporterRaw, &raw);
        let funcs: BTreeSet<Func> = p.queries.keys().map(|(_, f)| *f).collect();
        assert_eq!(funcs, BTreeSet::from([Func::Max, Func::Avg]));
        assert!(
            p.queries
                .keys()
                .all(|(n, _)| n == "org_apache_cassandra_metrics_Table_Value")
        );
    }

    fn answer(name: &str, func: Func, identifies: bool, series: &[&[(&str, &str)]]) -> Answer {
        let v = series
            .iter()
            .map(|labels| {
                let mut l: BTreeMap<String, String> = labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                let value = l.remove("value").unwrap_or_else(|| "1".into());
                (l, value)
            })
            .collect();
        Answer {
            name: name.into(),
            func,
            identifies,
            query: String::new(),
            result: Ok((String::new(), v)),
            warnings: Vec::new(),
        }
    }

    /// A name two dialects share is read with the server's dialect even when it is the only
    /// name a function was asked for.
    #[test]
    fn shared_names_are_read_in_the_servers_dialect() {
        let server = names(&[
            "cassandra_cache_hits_total",
            "cassandra_table_estimated_pending_compactions",
        ]);
        let d = Dialect::CassandraExporter;
        let p = plan(d, &server);
        let hits: &[(&str, &str)] = &[("instance", "n1:9500"), ("cache", "key"), ("value", "5")];
        let pending: &[(&str, &str)] = &[
            ("instance", "n1:9500"),
            ("keyspace", "ks"),
            ("table", "t"),
            ("value", "3"),
        ];
        let answers = [
            answer("cassandra_cache_hits_total", Func::Last, true, &[hits]),
            answer("cassandra_cache_hits_total", Func::Rate, true, &[hits]),
            answer(
                "cassandra_table_estimated_pending_compactions",
                Func::Max,
                true,
                &[pending],
            ),
        ];
        let mut notes = Vec::new();
        let got = assemble(&answers, &p, d, &mut notes);
        assert!(notes.is_empty(), "{notes:?}");
        let m = &got["n1:9500"];
        assert_eq!(m.get::<&str, &str>("cache.key.hits", &[]), Some(5.0));
        assert_eq!(m.rate::<&str, &str>("cache.key.hits", &[]), Some(5.0));
        let kt = [("keyspace", "ks"), ("table", "t")];
        assert_eq!(m.get("table.pending_compactions", &kt), Some(3.0));
        // Extra names carried for detection leave no values of their own.
        assert_eq!(m.rate("table.pending_compactions", &kt), None);
        assert_eq!(m.len(), 3, "{:?}", m.values);
    }

    #[test]
    fn answers_become_vocabulary_values_and_rates() {
        let server = names(&["jvm_gc_collection_seconds_sum", "cassandra_cache_hitrate"]);
        let p = plan(Dialect::JmxExporter, &server);
        let a_last: &[(&str, &str)] = &[("instance", "a:1"), ("gc", "G1"), ("value", "2.5")];
        let prom: &[(&str, &str)] = &[("instance", "prom:9090"), ("gc", "G1"), ("value", "9")];
        let a_rate: &[(&str, &str)] = &[("instance", "a:1"), ("gc", "G1"), ("value", "0.01")];
        let hit: &[(&str, &str)] = &[("instance", "a:1"), ("cache", "KeyCache"), ("value", "NaN")];
        let answers = [
            answer(
                "jvm_gc_collection_seconds_sum",
                Func::Last,
                false,
                &[a_last, prom],
            ),
            answer(
                "jvm_gc_collection_seconds_sum",
                Func::Rate,
                false,
                &[a_rate],
            ),
            answer("cassandra_cache_hitrate", Func::Avg, true, &[hit]),
        ];
        let mut notes = Vec::new();
        let got = assemble(&answers, &p, Dialect::JmxExporter, &mut notes);
        // Prometheus's own process has JVM-like series but no Cassandra ones.
        assert_eq!(got.keys().collect::<Vec<_>>(), ["a:1"]);
        assert_eq!(
            notes,
            ["target prom:9090 has no Cassandra series; left out"]
        );
        let m = &got["a:1"];
        assert_eq!(
            m.get("jvm.gc.time_seconds_total", &[("gc", "G1")]),
            Some(2.5)
        );
        assert_eq!(
            m.rate("jvm.gc.time_seconds_total", &[("gc", "G1")]),
            Some(0.01)
        );
        assert!(
            m.get::<&str, &str>("cache.key.hit_ratio", &[])
                .unwrap()
                .is_nan()
        );
        assert_eq!(m.len(), 3, "{:?}", m.values);
    }

    #[test]
    fn samples_are_escaped_for_the_text_format() {
        let mut t = String::new();
        let labels = BTreeMap::from([
            ("a".to_string(), "x\"y\\z\nw".to_string()),
            ("bad-name".to_string(), "v".to_string()),
        ]);
        write_sample(&mut t, "m", &labels, "+Inf");
        assert_eq!(t, "m{a=\"x\\\"y\\\\z\\nw\"} +Inf\n");
        let exp = parse(&t);
        assert!(exp.is_clean(), "{:?}", exp.errors);
        assert_eq!(
            exp.families[0].samples[0].label("a").as_deref(),
            Some("x\"y\\z\nw")
        );
    }

    #[test]
    fn envelopes_are_checked() {
        let html = b"<!DOCTYPE html>\n<html><title>Grafana</title>".to_vec();
        let e = interpret(200, "text/html", html).unwrap_err();
        assert_eq!(
            e,
            "not a Prometheus HTTP API answer (HTTP 200, text/html; expected JSON with \"status\"): <!DOCTYPE html>"
        );
        let err = br#"{"status":"error","errorType":"bad_data","error":"parse error at char 3"}"#;
        let e = interpret(400, "application/json", err.to_vec()).unwrap_err();
        assert_eq!(e, "HTTP 400: bad_data: parse error at char 3");
        let ok = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","instance":"h:1"},"value":[1.5,"1"]},{"metric":{},"value":[1.5,"oops"]}]},"warnings":["w1"]}"#;
        let (raw, data, warnings) = interpret(200, "application/json", ok.to_vec()).unwrap();
        assert!(raw.starts_with("{\"status\""));
        assert_eq!(warnings, ["w1"]);
        let v = vector(&data).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].0.get("instance").map(String::as_str), Some("h:1"));
        assert!(!v[0].0.contains_key("__name__"));
        let matrix = serde_json::json!({"resultType": "matrix", "result": []});
        assert!(vector(&matrix).unwrap_err().contains("\"matrix\""));
    }
}
