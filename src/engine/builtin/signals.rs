//! Shared pieces of the metric and host rules: reading per-table series and histograms,
//! deciding how far a sample can be trusted, evidence lines, and fixes aimed at the node's own
//! cassandra.yaml, options files or host.
//!
//! Trust is explicit: a rate over a short window, a single scrape instead of two, or a
//! percentile over a handful of reads lowers a finding's confidence (or keeps the rule quiet),
//! and the message says which.

use crate::engine::{Evidence, Finding, Fix, Location, Safety};
use crate::fix::yaml::set_fix;
use crate::model::config::Setting;
use crate::model::metrics::format_value;
use crate::model::schema::is_system_keyspace;
use crate::model::units::human_bytes;
use crate::model::{Metrics, Node, Snapshot};

pub const MIB: f64 = (1u64 << 20) as f64;
pub const GIB: f64 = (1u64 << 30) as f64;

/// A rate over at least this many seconds is taken at full confidence: shorter windows catch
/// bursts as easily as trends.
pub const FULL_WINDOW_S: f64 = 300.0;

// ---------------------------------------------------------------------------------------
// Evidence

pub fn ev(
    name: impl Into<String>,
    observed: impl Into<String>,
    expected: Option<String>,
) -> Evidence {
    Evidence {
        name: name.into(),
        observed: observed.into(),
        expected,
        location: None,
    }
}

/// A number as evidence text: integers without decimals, others with up to 3 significant
/// decimals (`0.0731`), NaN as Prometheus writes it.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return format_value(v);
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    }
}

pub fn pct(ratio: f64) -> String {
    format!("{:.1} %", ratio * 100.0)
}

pub fn bytes(v: f64) -> String {
    human_bytes(v.max(0.0) as u128)
}

/// Evidence for a cassandra.yaml setting, located at its line when the file sets it.
pub fn setting_ev(node: &Node, name: &str, expected: Option<String>) -> Option<Evidence> {
    let cfg = node.config.as_ref()?;
    let s = cfg.get(name)?;
    Some(Evidence {
        name: name.to_string(),
        observed: if s.is_explicit() {
            s.display.clone()
        } else {
            format!(
                "{} (default)",
                if s.display.is_empty() {
                    "unset"
                } else {
                    &s.display
                }
            )
        },
        expected,
        location: s.line.map(|line| Location {
            file: cfg.file.path.clone(),
            line,
            column: None,
        }),
    })
}

// ---------------------------------------------------------------------------------------
// Config

pub fn setting<'a>(node: &'a Node, name: &str) -> Option<&'a Setting> {
    node.config.as_ref()?.get(name)
}

/// A size or rate setting in bytes (bytes per second for rates); `None` when unset or derived.
pub fn setting_base(node: &Node, name: &str) -> Option<f64> {
    Some(setting(node, name)?.value.as_quantity()?.base() as f64)
}

pub fn setting_int(node: &Node, name: &str) -> Option<i64> {
    setting(node, name)?.value.as_i64()
}

/// A size setting the operator chose, in bytes: written in cassandra.yaml, or for a running
/// node (whose settings table lists every setting, derived ones included) a value other than
/// the one Cassandra derives itself (`derived`, when known; unknown means "cannot tell").
pub fn chosen_size(node: &Node, name: &str, derived: Option<f64>) -> Option<f64> {
    let cfg = node.config.as_ref()?;
    let s = cfg.get(name)?;
    let v = s.value.as_quantity()?.base() as f64;
    if !cfg.running {
        return s.is_explicit().then_some(v);
    }
    let d = derived?;
    ((v - d).abs() > MIB.max(d * 0.02)).then_some(v)
}

/// The heap: running (metrics) or configured (options files, cassandra-env.sh).
pub fn any_heap(node: &Node) -> Option<f64> {
    running_heap(node).or_else(|| node.jvm.as_ref()?.max_heap().map(|h| h as f64))
}

/// `setting: value` in the node's cassandra.yaml, written in that file's names and units.
/// A node whose settings came from `system_views.settings` has no file: the fix then names
/// `system_views.settings@NODE`, is shown, and cannot be patched.
pub fn set_config(
    node: &Node,
    setting: &str,
    value: &str,
    safety: Safety,
    description: &str,
) -> Option<Fix> {
    set_fix(node.config.as_ref()?, setting, value, safety, description)
}

/// Pushes a config fix when the node has a config to point at.
pub fn push_config_fix(
    f: &mut Finding,
    node: &Node,
    setting: &str,
    value: &str,
    safety: Safety,
    description: &str,
) {
    if let Some(fix) = set_config(node, setting, value, safety, description) {
        f.fixes.push(fix);
    }
}

/// A whole number of MiB, rounded up, as 4.1+ syntax (`96MiB`).
pub fn mib_text(bytes: f64) -> String {
    format!("{}MiB", (bytes / MIB).ceil().max(1.0) as u64)
}

pub fn os(command: &str, safety: Safety, description: &str) -> Fix {
    Fix::Os {
        command: command.to_string(),
        safety,
        description: description.to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// Metrics

/// One per-table series: keyspace, table and value.
pub struct TableValue {
    pub keyspace: String,
    pub table: String,
    pub value: f64,
}

impl TableValue {
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.keyspace, self.table)
    }
    pub fn scope(&self) -> [(&str, &str); 2] {
        [
            ("keyspace", self.keyspace.as_str()),
            ("table", self.table.as_str()),
        ]
    }
}

/// Every user table's value of a per-table name. Cassandra's own keyspaces are left out:
/// their data model is not the operator's to change.
pub fn user_tables(m: &Metrics, name: &str) -> Vec<TableValue> {
    user_tables_where(m, name, |_| true)
}

/// [`user_tables`] whose value `keep` accepts (tested before the scope is decoded).
pub fn user_tables_where(m: &Metrics, name: &str, keep: impl Fn(f64) -> bool) -> Vec<TableValue> {
    m.series_where(name, keep)
        .filter_map(|(scope, value)| {
            let get = |k: &str| scope.iter().find(|(l, _)| l == k).map(|(_, v)| v.clone());
            let (keyspace, table) = (get("keyspace")?, get("table")?);
            (!is_system_keyspace(&keyspace)).then_some(TableValue {
                keyspace,
                table,
                value,
            })
        })
        .collect()
}

pub fn table_key(name: &str, t: &TableValue) -> String {
    Metrics::key(name, &t.scope())
}

/// The percentiles and event count of one distribution for one scope.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hist {
    pub p50: Option<f64>,
    pub p99: Option<f64>,
    /// Events recorded since the node started (`<base>.count`).
    pub count: Option<f64>,
}

impl Hist {
    /// From the metrics' values: NaN and infinities (an empty histogram) are unknown.
    pub fn finite(p50: Option<f64>, p99: Option<f64>, count: Option<f64>) -> Hist {
        let known = |v: Option<f64>| v.filter(|v| v.is_finite());
        Hist {
            p50: known(p50),
            p99: known(p99),
            count: known(count),
        }
    }
}

/// Reads `<base>.p50<suffix>`, `.p99<suffix>` and `.count`.
pub fn hist(m: &Metrics, base: &str, suffix: &str, scope: &[(&str, &str)]) -> Hist {
    let get = |stat: &str| m.get(&format!("{base}.{stat}{suffix}"), scope);
    Hist::finite(
        get("p50"),
        get("p99"),
        m.get(&format!("{base}.count"), scope),
    )
}

/// How far a high percentile can be trusted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sample {
    /// Enough events: the percentile means what it says.
    Enough,
    /// Too few events for a p99 (it is the largest of a handful), but the median crosses the
    /// threshold too, so the problem is not one outlier. Reported with lower confidence.
    FewButMedianAgrees,
    /// Too few events and only the tail crosses: noise.
    Noise,
}

/// Judges a percentile that crossed `threshold`: `min_count` events make it trustworthy.
pub fn judge_sample(h: &Hist, threshold: f64, min_count: f64) -> Sample {
    let count = h.count.unwrap_or(0.0);
    if count >= min_count {
        Sample::Enough
    } else if count >= 2.0 && h.p50.is_some_and(|p| p > threshold) {
        Sample::FewButMedianAgrees
    } else {
        Sample::Noise
    }
}

/// Lowers a finding's confidence for a small sample and says so in the message.
pub fn apply_sample(f: &mut Finding, s: Sample, count: Option<f64>) {
    if s == Sample::FewButMedianAgrees {
        f.confidence *= 0.6;
        f.message.push_str(&format!(
            " (only {} events recorded, but the median agrees)",
            num(count.unwrap_or(0.0))
        ));
    }
}

/// The seconds the `:rate_per_second` values cover, when there are rates.
pub fn window_s(m: &Metrics) -> Option<f64> {
    m.interval_seconds.filter(|s| *s > 0.0)
}

/// "over 10 s between two scrapes" / "over the Prometheus window 24h".
pub fn window_text(m: &Metrics) -> String {
    match (&m.window, window_s(m)) {
        (Some(w), _) => format!("over the Prometheus window {w}"),
        (None, Some(s)) => format!("over {} s between two scrapes", num(s.round())),
        (None, None) => "in a single scrape".into(),
    }
}

/// Scales a confidence for a rate measured over `window` seconds: full from
/// [`FULL_WINDOW_S`], 0.7× below a minute; a missing window (no rates) halves it.
pub fn window_confidence(base: f32, window: Option<f64>) -> f32 {
    match window {
        None => base * 0.5,
        Some(w) if w >= FULL_WINDOW_S => base,
        Some(w) if w >= 60.0 => base * 0.85,
        Some(_) => base * 0.7,
    }
}

/// Adds the window caveat to a finding built on rates.
pub fn apply_window(f: &mut Finding, m: &Metrics) {
    let w = window_s(m);
    f.confidence = window_confidence(f.confidence, w);
    if w.is_some_and(|w| w < 60.0) && m.window.is_none() {
        f.message.push_str(" (a short window: collect with a longer --interval or a --prometheus-server window to tell a burst from a trend)");
    }
}

// ---------------------------------------------------------------------------------------
// Hosts and heaps

/// The nodes that share this node's machine: same host name (not a generic one) and same RAM.
/// Their heaps and processes share the RAM the host facts report.
pub fn colocated<'a>(snapshot: &'a Snapshot, node: &'a Node) -> Vec<&'a Node> {
    let generic = |h: &str| matches!(h, "localhost" | "localhost.localdomain" | "");
    match (&node.host.hostname, node.host.ram_bytes) {
        (Some(h), Some(ram)) if !generic(h) => snapshot
            .nodes
            .iter()
            .filter(|n| {
                n.host.hostname.as_deref() == Some(h.as_str()) && n.host.ram_bytes == Some(ram)
            })
            .collect(),
        _ => vec![node],
    }
}

/// The heap cassandra-env.sh picks for a machine: max(min(RAM/2, 1 GiB), min(RAM/4, 8 GiB)).
pub fn stock_heap(ram: f64) -> f64 {
    (ram / 2.0).min(GIB).max((ram / 4.0).min(8.0 * GIB))
}

/// The running heap (`jvm.heap.max_bytes`), when the metrics have one.
pub fn running_heap(node: &Node) -> Option<f64> {
    node.metrics
        .get::<&str, &str>("jvm.heap.max_bytes", &[])
        .filter(|v| v.is_finite() && *v > 0.0)
}

/// True when the node's options files or cassandra-env.sh set a heap within 2 % of `running`:
/// the JVM-00x rules already judge that heap, with its file and line.
pub fn configured_heap_matches(node: &Node, running: f64) -> bool {
    node.jvm
        .as_ref()
        .and_then(|j| j.max_heap())
        .is_some_and(|c| (c as f64 - running).abs() <= running * 0.02)
}

/// -Xms/-Xmx = `target` as options-file edits: in the file that sets them when the node's
/// options were collected (unsafe: a restart with a new heap), else shown for guidance.
pub fn heap_fixes(node: &Node, target: f64, why: &str) -> Vec<Fix> {
    use crate::parse::jvm::SizeFlag;
    // Whole GiB when exact (or large), else MiB as cassandra-env.sh computes it: 1.96 GiB
    // must not become 1G.
    let g = if target >= 8.0 * GIB || (target / GIB).fract() == 0.0 {
        format!("{}G", (target / GIB).floor().max(1.0) as u64)
    } else {
        format!("{}M", (target / MIB).floor().max(256.0) as u64)
    };
    let located: Vec<Fix> = node
        .jvm
        .as_ref()
        .map(|j| {
            [SizeFlag::Xms, SizeFlag::Xmx]
                .into_iter()
                .filter_map(|flag| j.size(flag))
                .map(|(o, _)| {
                    let new = format!("{}{g}", &o.parsed.text[..4]);
                    Fix::JvmOption {
                        file: o.file.clone(),
                        add: Some(new.clone()),
                        remove: Some(o.parsed.text.clone()),
                        line: Some(o.line),
                        safety: Safety::Unsafe,
                        description: format!(
                            "replace `{}` with `{new}` ({why}; restart node by node)",
                            o.parsed.text
                        ),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if !located.is_empty() {
        return located;
    }
    vec![Fix::JvmOption {
        file: "jvm-server.options".into(),
        add: Some(format!("-Xmx{g}")),
        remove: None,
        line: None,
        safety: Safety::DisplayOnly,
        description: format!(
            "set -Xms{g} and -Xmx{g} in jvm-server.options (or MAX_HEAP_SIZE={g} in cassandra-env.sh) ({why}); the options files were not collected"
        ),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_heap_follows_cassandra_env() {
        // The examples cassandra-env.sh's comment gives.
        assert_eq!(stock_heap(2.0 * GIB), 1.0 * GIB);
        assert_eq!(stock_heap(8.0 * GIB), 2.0 * GIB);
        assert_eq!(stock_heap(16.0 * GIB), 4.0 * GIB);
        assert_eq!(stock_heap(64.0 * GIB), 8.0 * GIB);
        assert_eq!(stock_heap(1.0 * GIB), 0.5 * GIB);
    }

    #[test]
    fn a_p99_over_few_reads_needs_the_median() {
        let h = Hist {
            p50: Some(1.0),
            p99: Some(5000.0),
            count: Some(12.0),
        };
        assert_eq!(judge_sample(&h, 1000.0, 100.0), Sample::Noise);
        let h = Hist {
            p50: Some(2000.0),
            ..h
        };
        assert_eq!(judge_sample(&h, 1000.0, 100.0), Sample::FewButMedianAgrees);
        let h = Hist {
            count: Some(500.0),
            p50: Some(1.0),
            ..h
        };
        assert_eq!(judge_sample(&h, 1000.0, 100.0), Sample::Enough);
    }

    #[test]
    fn short_windows_lower_confidence() {
        assert_eq!(window_confidence(0.8, Some(600.0)), 0.8);
        assert!(window_confidence(0.8, Some(10.0)) < window_confidence(0.8, Some(120.0)));
        assert_eq!(window_confidence(0.8, None), 0.4);
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(0.07304), "0.0730");
        assert_eq!(num(15.18), "15.18");
        assert_eq!(num(f64::NAN), "NaN");
    }
}
