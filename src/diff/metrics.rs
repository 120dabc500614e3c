//! The metrics a before/after comparison looks at, and when a change is more than noise.
//!
//! Each watched name (vocabulary keys, see `crate::model::metrics`) carries which direction
//! is better and a noise floor: a change counts when it is at least `floor` in the name's
//! unit **and** at least `relative` of the old value (ratios use the floor alone, in
//! points). Series absent or not finite (NaN hit ratio of an unused cache) on either side
//! are not compared, nor latency percentiles of 0 (no request recorded in that window).

use serde::Serialize;

use crate::model::Metrics;
use crate::model::metrics::RATE_SUFFIX;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Lower,
    Higher,
}

/// How a value is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shown {
    Micros,
    Count,
    Ratio,
    PerSecond,
    /// Seconds per second, shown as ms/s.
    BusyTime,
    Bytes,
}

pub struct Watch {
    /// Vocabulary name, `:rate_per_second` included for rates.
    pub name: &'static str,
    pub label: &'static str,
    pub better: Better,
    pub shown: Shown,
    pub floor: f64,
    pub relative: f64,
}

const fn w(
    name: &'static str,
    label: &'static str,
    better: Better,
    shown: Shown,
    floor: f64,
    relative: f64,
) -> Watch {
    Watch {
        name,
        label,
        better,
        shown,
        floor,
        relative,
    }
}

use Better::{Higher, Lower};
use Shown::{BusyTime, Bytes, Count, Micros, PerSecond, Ratio};

/// In the order they are reported.
#[rustfmt::skip]
pub const WATCHED: &[Watch] = &[
    w("clientrequest.read.latency.p99_us", "coordinator read p99", Lower, Micros, 100.0, 0.1),
    w("clientrequest.write.latency.p99_us", "coordinator write p99", Lower, Micros, 100.0, 0.1),
    w("clientrequest.range.latency.p99_us", "coordinator range read p99", Lower, Micros, 100.0, 0.1),
    w("table.read_latency.p99_us", "read p99", Lower, Micros, 100.0, 0.1),
    w("table.write_latency.p99_us", "write p99", Lower, Micros, 100.0, 0.1),
    w("table.sstables_per_read.p99", "SSTables per read p99", Lower, Count, 1.0, 0.1),
    w("jvm.gc.time_seconds_total:rate_per_second", "GC time", Lower, BusyTime, 0.001, 0.1),
    w("compaction.pending_tasks", "pending compactions", Lower, Count, 1.0, 0.1),
    w("table.pending_compactions", "pending compactions", Lower, Count, 1.0, 0.1),
    w("cache.key.hit_ratio", "key cache hit ratio", Higher, Ratio, 0.02, 0.0),
    w("cache.row.hit_ratio", "row cache hit ratio", Higher, Ratio, 0.02, 0.0),
    w("cache.counter.hit_ratio", "counter cache hit ratio", Higher, Ratio, 0.02, 0.0),
    w("table.key_cache_hit_ratio", "key cache hit ratio", Higher, Ratio, 0.02, 0.0),
    w("dropped.mutation:rate_per_second", "dropped MUTATION", Lower, PerSecond, 0.01, 0.1),
    w("dropped.counter_mutation:rate_per_second", "dropped COUNTER_MUTATION", Lower, PerSecond, 0.01, 0.1),
    w("dropped.read:rate_per_second", "dropped READ", Lower, PerSecond, 0.01, 0.1),
    w("dropped.range_slice:rate_per_second", "dropped RANGE_SLICE", Lower, PerSecond, 0.01, 0.1),
    w("dropped.read_repair:rate_per_second", "dropped READ_REPAIR", Lower, PerSecond, 0.01, 0.1),
    w("dropped.hint:rate_per_second", "dropped HINT", Lower, PerSecond, 0.01, 0.1),
    w("dropped.batch_store:rate_per_second", "dropped BATCH_STORE", Lower, PerSecond, 0.01, 0.1),
    w("dropped.request_response:rate_per_second", "dropped REQUEST_RESPONSE", Lower, PerSecond, 0.01, 0.1),
    w("clientrequest.read.timeouts:rate_per_second", "coordinator read timeouts", Lower, PerSecond, 0.01, 0.1),
    w("clientrequest.write.timeouts:rate_per_second", "coordinator write timeouts", Lower, PerSecond, 0.01, 0.1),
    w("clientrequest.range.timeouts:rate_per_second", "coordinator range timeouts", Lower, PerSecond, 0.01, 0.1),
    w("clientrequest.cas_read.timeouts:rate_per_second", "coordinator CAS read timeouts", Lower, PerSecond, 0.01, 0.1),
    w("clientrequest.cas_write.timeouts:rate_per_second", "coordinator CAS write timeouts", Lower, PerSecond, 0.01, 0.1),
    w("jvm.heap.used_bytes", "heap used", Lower, Bytes, 64.0 * 1024.0 * 1024.0, 0.2),
];

/// One watched series that moved beyond its noise floor.
#[derive(Debug, Clone, Serialize)]
pub struct MetricChange {
    pub node: String,
    /// The full key, e.g. `table.read_latency.p99_us{keyspace=ks,table=t}`.
    pub key: String,
    pub name: String,
    /// `ks.table`, the GC or pool name, or empty for node-wide values.
    pub scope: String,
    pub label: String,
    pub old: f64,
    pub new: f64,
    pub delta: f64,
    /// Relative change in percent; `None` from zero.
    pub change_pct: Option<f64>,
    /// `up` or `down`.
    pub direction: &'static str,
    /// `better` or `worse`.
    pub verdict: &'static str,
    pub shown: Shown,
}

impl MetricChange {
    pub fn is_worse(&self) -> bool {
        self.verdict == "worse"
    }
    pub fn old_text(&self) -> String {
        value(self.shown, self.old)
    }
    pub fn new_text(&self) -> String {
        value(self.shown, self.new)
    }
    /// `+35 %`, `-4.1 pts` (ratios), `new` from zero.
    pub fn change_text(&self) -> String {
        if self.shown == Ratio {
            return format!("{:+.1} pts", self.delta * 100.0);
        }
        match self.change_pct {
            Some(p) if p.abs() >= 10.0 => format!("{p:+.0} %"),
            Some(p) => format!("{p:+.1} %"),
            None => format!("from 0 to {}", value(self.shown, self.new)),
        }
    }
    /// `read p99 ks.t`, or the label alone for node-wide values.
    pub fn what(&self) -> String {
        if self.scope.is_empty() {
            self.label.clone()
        } else {
            format!("{} {}", self.label, self.scope)
        }
    }
}

/// A value in its unit, short.
pub fn value(shown: Shown, v: f64) -> String {
    match shown {
        Micros if v >= 1000.0 => format!("{} ms", num(v / 1000.0)),
        Micros => format!("{} µs", num(v)),
        Count => num(v),
        Ratio => format!("{:.1} %", v * 100.0),
        PerSecond => format!("{}/s", num(v)),
        BusyTime => format!("{} ms/s", num(v * 1000.0)),
        Bytes => crate::model::units::human_bytes(v.max(0.0).round() as u128),
    }
}

/// Up to three significant decimals, no trailing zeros.
fn num(v: f64) -> String {
    let s = if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The changes of one node's watched series, and how many series were compared.
pub fn compare(node: &str, old: &Metrics, new: &Metrics) -> (Vec<MetricChange>, usize) {
    let mut out = Vec::new();
    let mut compared = 0;
    for watch in WATCHED {
        let before: std::collections::BTreeMap<String, f64> = old
            .series(watch.name)
            .map(|(scope, v)| (scope_text(&scope), v))
            .collect();
        for (scope_pairs, b) in new.series(watch.name) {
            let scope = scope_text(&scope_pairs);
            let Some(&a) = before.get(&scope) else {
                continue;
            };
            if !a.is_finite() || !b.is_finite() {
                continue;
            }
            // A latency percentile of 0 means no request was recorded: nothing to compare.
            if watch.shown == Micros && (a == 0.0 || b == 0.0) {
                continue;
            }
            compared += 1;
            let delta = b - a;
            let relative_ok =
                watch.relative == 0.0 || a == 0.0 || (delta / a).abs() >= watch.relative;
            if delta.abs() < watch.floor || !relative_ok {
                continue;
            }
            let up = delta > 0.0;
            let better = match watch.better {
                Lower => !up,
                Higher => up,
            };
            let key = Metrics::key(watch.name, &scope_pairs);
            out.push(MetricChange {
                node: node.to_string(),
                key,
                name: watch.name.trim_end_matches(RATE_SUFFIX).to_string(),
                scope,
                label: watch.label.to_string(),
                old: a,
                new: b,
                delta,
                change_pct: (a != 0.0).then(|| delta / a.abs() * 100.0),
                direction: if up { "up" } else { "down" },
                verdict: if better { "better" } else { "worse" },
                shown: watch.shown,
            });
        }
    }
    (out, compared)
}

/// `ks.table` for table scopes, the values joined by `/` otherwise.
fn scope_text(scope: &[(String, String)]) -> String {
    match scope {
        [(k, ks), (t, table)] if k == "keyspace" && t == "table" => format!("{ks}.{table}"),
        _ => scope
            .iter()
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
            .join("/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Series<'a> = (&'a str, &'a [(&'a str, &'a str)], f64);

    fn m(pairs: &[Series]) -> Metrics {
        let mut x = Metrics::default();
        for (n, s, v) in pairs {
            x.insert(n, s, *v);
        }
        x
    }

    #[test]
    fn noise_is_ignored_and_direction_judged() {
        let t: &[(&str, &str)] = &[("keyspace", "ks"), ("table", "t")];
        let old = m(&[
            ("table.read_latency.p99_us", t, 1000.0),
            ("table.write_latency.p99_us", t, 1000.0),
            ("cache.key.hit_ratio", &[], 0.90),
            ("cache.row.hit_ratio", &[], f64::NAN),
        ]);
        let new = m(&[
            ("table.read_latency.p99_us", t, 2500.0),
            // +5 %: noise.
            ("table.write_latency.p99_us", t, 1050.0),
            ("cache.key.hit_ratio", &[], 0.95),
            ("cache.row.hit_ratio", &[], 0.5),
        ]);
        let (c, compared) = compare("n1", &old, &new);
        assert_eq!(compared, 3);
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].key, "table.read_latency.p99_us{keyspace=ks,table=t}");
        assert_eq!(
            (c[0].what().as_str(), c[0].verdict, c[0].direction),
            ("read p99 ks.t", "worse", "up")
        );
        assert_eq!(c[0].change_text(), "+150 %");
        assert_eq!(
            (c[0].old_text().as_str(), c[0].new_text().as_str()),
            ("1 ms", "2.5 ms")
        );
        assert_eq!(
            (c[1].label.as_str(), c[1].verdict),
            ("key cache hit ratio", "better")
        );
        assert_eq!(c[1].change_text(), "+5.0 pts");
    }

    #[test]
    fn watched_names_are_vocabulary_names() {
        use crate::collect::prometheus::vocab::{self, ValueKind};
        for w in WATCHED {
            let (name, rate) = match w.name.strip_suffix(RATE_SUFFIX) {
                Some(n) => (n, true),
                None => (w.name, false),
            };
            let e =
                vocab::lookup(name).unwrap_or_else(|| panic!("{name} is not in the vocabulary"));
            // Counters are compared as rates; gauges as they are.
            assert_eq!(rate, e.kind == ValueKind::Counter, "{}", w.name);
        }
    }

    #[test]
    fn rates_from_zero_count() {
        let r = "dropped.mutation:rate_per_second";
        let (c, _) = compare("n", &m(&[(r, &[], 0.0)]), &m(&[(r, &[], 2.0)]));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].name, "dropped.mutation");
        assert_eq!(c[0].change_text(), "from 0 to 2/s");
        assert_eq!(c[0].verdict, "worse");
    }
}
