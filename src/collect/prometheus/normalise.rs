//! From a parsed exposition to casstune's vocabulary: detect the exporter, apply its rules,
//! compute what the exporter leaves to the reader (histogram quantiles, heap from pools,
//! cache hit ratio from hits and requests), and drop aliases.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use smallvec::SmallVec;

use super::dialect::{self, Cond, Dialect, Rule, RuleSet, Target};
use super::parse::{Exposition, Label, Sample};
use super::vocab::{self, Distribution, MetricUnit, Stat};

/// Scope labels in the vocabulary's order for a name (`keyspace`, `table`; `pool`; …). The
/// values borrow from the exposition's text (unless a value had an escape), and up to two
/// pairs live inline: a scrape yields tens of thousands of metrics, and one allocation each
/// for the pairs and their values was a fifth of normalising.
pub type Scope<'a> = SmallVec<[(&'static str, Cow<'a, str>); 2]>;

/// One normalised value.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric<'a> {
    /// A name of the vocabulary (see [`vocab`](super::vocab)).
    pub name: &'static str,
    /// Scope labels in the vocabulary's order for this name.
    pub scope: Scope<'a>,
    /// In `unit`; NaN passes through.
    pub value: f64,
    pub unit: MetricUnit,
    /// The exporter's sample name this came from, or `derived: …` for computed values.
    /// Shared: a scrape's thousands of metrics come from a few hundred sample names.
    pub source: Arc<str>,
    /// Line of (the first) source sample in the exposition.
    pub line: usize,
}

impl Metric<'_> {
    /// The value of one scope label.
    pub fn scope(&self, key: &str) -> Option<&str> {
        self.scope
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_ref())
    }
}

/// The metrics of one scrape, in vocabulary terms; scope values borrow from the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalised<'a> {
    pub dialect: Dialect,
    /// Sorted by name, then scope.
    pub metrics: Vec<Metric<'a>>,
}

impl<'a> Normalised<'a> {
    /// Every metric with this name.
    pub fn all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Metric<'a>> + 's {
        self.metrics.iter().filter(move |m| m.name == name)
    }

    /// The metric with this name whose scope has all the given pairs.
    pub fn find(&self, name: &str, scope: &[(&str, &str)]) -> Option<&Metric<'a>> {
        self.metrics
            .iter()
            .find(|m| m.name == name && scope.iter().all(|(k, v)| m.scope(k) == Some(*v)))
    }

    /// Shorthand for `find(..).map(|m| m.value)`.
    pub fn value(&self, name: &str, scope: &[(&str, &str)]) -> Option<f64> {
        self.find(name, scope).map(|m| m.value)
    }
}

/// Normalises a parsed exposition. Samples no rule knows are ignored (the raw text stays in
/// the snapshot for that).
pub fn normalise<'a>(exp: &Exposition<'a>) -> Normalised<'a> {
    // Most samples become one candidate: growing the vector instead copied it a dozen
    // times and faulted in each new copy's pages (a tenth of normalising a fleet).
    normalise_where(exp, |_| true, exp.sample_count())
}

/// [`normalise`] keeping only counters (what a first scrape is read for: the rates between
/// it and the second). The counters are the ones [`normalise`] gives; it skips the gauges
/// and quantiles, most of a scrape.
pub fn normalise_counters<'a>(exp: &Exposition<'a>) -> Normalised<'a> {
    normalise_where(exp, makes_counters, 0)
}

/// Whether a rule yields counters (every name it can produce is one).
fn makes_counters(rule: &Rule) -> bool {
    let counter =
        |name: &str| vocab::lookup(name).is_some_and(|e| e.kind == vocab::ValueKind::Counter);
    match rule.target {
        Target::Scalar(name) | Target::Sum(name) => counter(name),
        Target::Stat(d, stat) => counter(d.name(stat)),
        Target::Quantile(_) | Target::Buckets(_) => false,
    }
}

/// Normalises with the rules `keep` accepts; `expected` candidates are room made up front.
fn normalise_where<'a>(
    exp: &Exposition<'a>,
    keep: fn(&Rule) -> bool,
    expected: usize,
) -> Normalised<'a> {
    let dialect = detect(exp);
    let rules = dialect::rules(dialect);
    let mut acc = Accumulator::default();
    acc.out.reserve(expected);
    // Whether each rule is kept, decided on first use (a scrape meets a few hundred).
    let mut kept: Vec<Option<bool>> = vec![None; rules.rules.len()];
    // Samples come in runs of one name: look its rules up once per run.
    let mut run: (&str, &[usize]) = ("", &[]);
    for (_, sample) in exp.samples() {
        if run.0 != sample.name {
            run = (sample.name, rules.for_name(&lower(sample.name)));
        }
        // Decoded once for all the rules of the name (the sample keeps them as text), and
        // only when one of them is kept: a first scrape is read for its counters alone.
        let mut labels: Option<SampleLabels<'a>> = None;
        for &ri in run.1 {
            let Some(rule) = rules.rules.get(ri) else {
                continue;
            };
            let Some(k) = kept.get_mut(ri) else { continue };
            if *k.get_or_insert_with(|| keep(rule)) {
                let labels = labels.get_or_insert_with(|| sample.labels().collect());
                acc.apply(ri, rule, sample, labels);
            }
        }
    }
    Normalised {
        dialect,
        metrics: acc.finish(),
    }
}

/// Picks the dialect whose rules explain the most families; `scylla_*` families mark
/// ScyllaDB. Ties go to the earlier dialect in [`Dialect::MAPPED`].
pub fn detect(exp: &Exposition<'_>) -> Dialect {
    let names = family_names(exp);
    let mut best = (0usize, Dialect::Unknown);
    for d in Dialect::MAPPED {
        let score = score(dialect::rules(d), &names);
        if score > best.0 {
            best = (score, d);
        }
    }
    let scylla = exp
        .families
        .iter()
        .filter(|f| f.name.starts_with("scylla_"))
        .count();
    if scylla > best.0 {
        return Dialect::Scylla;
    }
    best.1
}

/// Each family's sample names (lower case, once per run of samples of one name), gathered in
/// one pass for every dialect to score: a family has one to four names (`x`, `x_sum`, …)
/// but can have thousands of samples.
fn family_names<'a>(exp: &Exposition<'a>) -> Vec<Vec<Cow<'a, str>>> {
    exp.families
        .iter()
        .map(|f| {
            let mut names: Vec<Cow<'a, str>> = Vec::new();
            let mut last = "";
            for s in &f.samples {
                if s.name != last {
                    last = s.name;
                    let lname = lower(s.name);
                    if !names.contains(&lname) {
                        names.push(lname);
                    }
                }
            }
            names
        })
        .collect()
}

/// How many families have a name that one of `rules`' identifying rules reads.
fn score(rules: &RuleSet, families: &[Vec<Cow<'_, str>>]) -> usize {
    families
        .iter()
        .filter(|names| {
            names.iter().any(|name| {
                rules
                    .for_name(name)
                    .iter()
                    .any(|&i| rules.rules.get(i).is_some_and(|r| r.identifies))
            })
        })
        .count()
}

/// Metric names are matched in lower case: the raw JMX naming keeps the MBean's case unless
/// the exporter lowercases it.
fn lower(name: &str) -> Cow<'_, str> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// A sample's decoded labels; four inline cover Cassandra exporters' lines.
type SampleLabels<'a> = SmallVec<[Label<'a>; 4]>;

fn label<'l, 'a>(labels: &'l [Label<'a>], name: &str) -> Option<&'l Cow<'a, str>> {
    labels.iter().find(|l| l.name == name).map(|l| &l.value)
}

fn conds_hold(rule: &Rule, labels: &[Label<'_>]) -> bool {
    rule.conds.iter().all(|c| match c {
        Cond::Eq(name, value) => label(labels, name).is_some_and(|v| v.eq_ignore_ascii_case(value)),
        Cond::Absent(name) => label(labels, name).is_none_or(|v| v.is_empty()),
    })
}

/// The rule's scope values, or `None` when the sample lacks one (a roll-up series).
fn scope_of<'a>(rule: &Rule, labels: &[Label<'a>]) -> Option<Scope<'a>> {
    rule.scope
        .iter()
        .map(|&(key, name)| label(labels, name).map(|v| (key, v.clone())))
        .collect()
}

/// A metric with the rule that produced it, so that the earliest rule wins among aliases.
struct Candidate<'a> {
    rule: usize,
    metric: Metric<'a>,
}

/// Cumulative buckets of one series of a histogram.
struct BucketSeries {
    dist: &'static Distribution,
    source: Arc<str>,
    line: usize,
    buckets: Vec<(f64, f64)>,
}

#[derive(Default)]
struct Accumulator<'a> {
    out: Vec<Candidate<'a>>,
    /// (rule, scope) → buckets; BTreeMap for a deterministic order.
    buckets: BTreeMap<(usize, Scope<'a>), BucketSeries>,
    /// (rule, name) → running sum.
    sums: BTreeMap<(usize, &'static str), (f64, String, usize)>,
    /// Units of the names met so far.
    units: HashMap<&'static str, MetricUnit>,
    /// The last name's unit: metrics come in runs of one name, and hashing the name for
    /// every metric showed in profiles.
    last_unit: Option<(&'static str, MetricUnit)>,
    /// The last sample name made a source, and that source (samples come in runs of a name).
    last_source: Option<Arc<str>>,
}

impl<'a> Accumulator<'a> {
    fn apply(&mut self, ri: usize, rule: &Rule, s: &Sample<'a>, labels: &[Label<'a>]) {
        if !conds_hold(rule, labels) {
            return;
        }
        let Some(scope) = scope_of(rule, labels) else {
            return;
        };
        let v = s.value;
        match rule.target {
            Target::Scalar(name) => self.emit(ri, name, scope, v * rule.scale, s),
            Target::Stat(d, stat) => {
                // Counts are event counts, never in the latency unit.
                let f = if stat == Stat::Count { 1.0 } else { rule.scale };
                self.emit(ri, d.name(stat), scope, v * f, s);
            }
            Target::Quantile(d) => {
                let stat = label(labels, "quantile")
                    .and_then(|q| q.parse::<f64>().ok())
                    .and_then(Stat::from_quantile);
                if let Some(stat) = stat {
                    self.emit(ri, d.name(stat), scope, v * rule.scale, s);
                }
            }
            Target::Buckets(d) => {
                let Some(le) = label(labels, "le").and_then(|q| q.parse::<f64>().ok()) else {
                    return;
                };
                let series = self
                    .buckets
                    .entry((ri, scope))
                    .or_insert_with(|| BucketSeries {
                        dist: d,
                        source: Arc::from(format!("{} (quantile from buckets)", s.name)),
                        line: s.line,
                        buckets: Vec::new(),
                    });
                series.buckets.push((le * rule.scale, v));
            }
            Target::Sum(name) => {
                let e = self
                    .sums
                    .entry((ri, name))
                    .or_insert_with(|| (0.0, s.name.to_string(), s.line));
                e.0 += v * rule.scale;
            }
        }
    }

    fn emit(
        &mut self,
        rule: usize,
        name: &'static str,
        scope: Scope<'a>,
        value: f64,
        s: &Sample<'_>,
    ) {
        let source = match &self.last_source {
            Some(last) if **last == *s.name => last.clone(),
            _ => {
                let new: Arc<str> = Arc::from(s.name);
                self.last_source = Some(new.clone());
                new
            }
        };
        self.push(rule, name, scope, value, source, s.line);
    }

    fn push(
        &mut self,
        rule: usize,
        name: &'static str,
        scope: Scope<'a>,
        value: f64,
        source: Arc<str>,
        line: usize,
    ) {
        // The vocabulary is a list; a name is looked up once per scrape, not per series.
        let unit = match self.last_unit {
            // Names are the vocabulary's constants: the same name is the same pointer.
            Some((last, unit)) if std::ptr::eq(last, name) => unit,
            _ => {
                let unit = *self
                    .units
                    .entry(name)
                    .or_insert_with(|| vocab::lookup(name).map_or(MetricUnit::Count, |e| e.unit));
                self.last_unit = Some((name, unit));
                unit
            }
        };
        self.out.push(Candidate {
            rule,
            metric: Metric {
                name,
                scope,
                value,
                unit,
                source,
                line,
            },
        });
    }

    fn finish(mut self) -> Vec<Metric<'a>> {
        for ((rule, scope), mut series) in std::mem::take(&mut self.buckets) {
            for (q, stat) in Stat::QUANTILES {
                if let Some(v) = bucket_quantile(q, &mut series.buckets) {
                    self.push(
                        rule,
                        series.dist.name(stat),
                        scope.clone(),
                        v,
                        series.source.clone(),
                        series.line,
                    );
                }
            }
        }
        for ((rule, name), (sum, source, line)) in std::mem::take(&mut self.sums) {
            let source = Arc::from(format!("{source} (sum)"));
            self.push(rule, name, Scope::new(), sum, source, line);
        }
        // Aliases (MUTATION / MUTATION_REQ, old and new JVM names): earliest rule wins.
        // Sorted by (name, scope, rule), stably: grouped by name first (a few hundred names,
        // each group already nearly in scope order), which saves most string comparisons of
        // one sort over every candidate and gives the same order.
        let mut groups: HashMap<&'static str, Vec<Candidate<'a>>> = HashMap::new();
        for c in std::mem::take(&mut self.out) {
            groups.entry(c.metric.name).or_default().push(c);
        }
        let mut groups: Vec<(&'static str, Vec<Candidate<'a>>)> = groups.into_iter().collect();
        groups.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (_, mut g) in groups {
            g.sort_by(|a, b| {
                scope_order(&a.metric.scope, &b.metric.scope).then(a.rule.cmp(&b.rule))
            });
            self.out.append(&mut g);
        }
        self.out.dedup_by(|later, first| {
            same_name(later.metric.name, first.metric.name)
                && scope_order(&later.metric.scope, &first.metric.scope).is_eq()
        });
        let mut metrics: Vec<Metric<'a>> = self.out.into_iter().map(|c| c.metric).collect();
        let derived = derive_caches(&metrics);
        merge_sorted(&mut metrics, derived);
        metrics
    }
}

/// `histogram_quantile` as Prometheus computes it: linear interpolation inside the bucket
/// holding the rank; the highest finite bound when the rank falls in `+Inf`. `None` without
/// a `+Inf` bucket or without observations (no latency to speak of).
pub fn bucket_quantile(q: f64, buckets: &mut [(f64, f64)]) -> Option<f64> {
    if !(0.0..=1.0).contains(&q) {
        return None;
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (last_le, total) = *buckets.last()?;
    if last_le != f64::INFINITY || total.is_nan() || total <= 0.0 {
        return None;
    }
    // Counts must be cumulative; an exporter race can break that, so use running maxima.
    let mut running = 0.0f64;
    let cum: Vec<(f64, f64)> = buckets
        .iter()
        .map(|&(le, c)| {
            running = running.max(c);
            (le, running)
        })
        .collect();
    let rank = q * total;
    let i = cum.iter().position(|&(_, c)| c >= rank)?;
    if i == cum.len() - 1 {
        return if i == 0 { None } else { Some(cum[i - 1].0) };
    }
    let (upper, count) = cum[i];
    let (lower, below) = if i == 0 {
        (0.0f64.min(upper), 0.0)
    } else {
        cum[i - 1]
    };
    let in_bucket = count - below;
    if in_bucket <= 0.0 {
        return Some(upper);
    }
    Some(lower + (upper - lower) * (rank - below) / in_bucket)
}

/// Names are the vocabulary's constants, so equal names are mostly the same pointer; the
/// bytes are compared only when they are not.
fn same_name(a: &str, b: &str) -> bool {
    std::ptr::eq(a, b) || a == b
}

/// The order of [`Normalised::metrics`].
fn metric_order<'a>(a: &Metric<'a>, b: &Metric<'a>) -> std::cmp::Ordering {
    let name = if same_name(a.name, b.name) {
        std::cmp::Ordering::Equal
    } else {
        a.name.cmp(b.name)
    };
    name.then_with(|| scope_order(&a.scope, &b.scope))
}

/// `a.cmp(b)` for scopes: pairs in order, then length. Label names are the rules' constants,
/// compared by pointer before their bytes; sorting and deduplicating candidates by scope
/// was a tenth of normalising, most of it in comparing names that were the same.
fn scope_order(a: &Scope<'_>, b: &Scope<'_>) -> std::cmp::Ordering {
    for ((ka, va), (kb, vb)) in a.iter().zip(b.iter()) {
        if !same_name(ka, kb) {
            let o = ka.cmp(kb);
            if o.is_ne() {
                return o;
            }
        }
        let o = va.as_ref().cmp(vb.as_ref());
        if o.is_ne() {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

/// Adds `extra` to the sorted `metrics`, after any equal ones (as a stable sort of the
/// concatenation would): one pass, where sorting again compared every neighbour.
fn merge_sorted<'a>(metrics: &mut Vec<Metric<'a>>, mut extra: Vec<Metric<'a>>) {
    if extra.is_empty() {
        return;
    }
    extra.sort_by(metric_order);
    let old = std::mem::take(metrics);
    metrics.reserve_exact(old.len() + extra.len());
    let mut extra = extra.into_iter().peekable();
    for m in old {
        while let Some(x) = extra.next_if(|x| metric_order(x, &m).is_lt()) {
            metrics.push(x);
        }
        metrics.push(m);
    }
    metrics.extend(extra);
}

/// `cache.X.requests` (hits + misses) and `cache.X.hit_ratio` (hits / requests, NaN
/// without requests, as Cassandra reports it) where the exporter gave only the parts.
/// `metrics` is sorted by name (a name is found by bisection).
fn derive_caches<'a>(metrics: &[Metric<'a>]) -> Vec<Metric<'a>> {
    let mut derived: Vec<Metric<'a>> = Vec::new();
    for cache in ["cache.key", "cache.row", "cache.counter"] {
        let get = |leaf: &str| {
            let name = format!("{cache}.{leaf}");
            let at = metrics.partition_point(|m| m.name < name.as_str());
            metrics
                .get(at)
                .filter(|m| m.name == name)
                .map(|m| (m.value, m.line))
        };
        let hits = get("hits");
        let mut requests = get("requests");
        if requests.is_none()
            && let (Some((h, line)), Some((m, _))) = (hits, get("misses"))
        {
            requests = Some((h + m, line));
            derived.push(derived_metric(
                cache,
                "requests",
                h + m,
                "hits + misses",
                line,
            ));
        }
        if get("hit_ratio").is_none()
            && let (Some((h, line)), Some((r, _))) = (hits, requests)
        {
            let ratio = if r > 0.0 { h / r } else { f64::NAN };
            derived.push(derived_metric(
                cache,
                "hit_ratio",
                ratio,
                "hits / requests",
                line,
            ));
        }
    }
    derived
}

fn derived_metric<'a>(cache: &str, leaf: &str, value: f64, how: &str, line: usize) -> Metric<'a> {
    let full = format!("{cache}.{leaf}");
    let entry = vocab::lookup(&full);
    Metric {
        name: entry.map_or("cache.unknown", |e| e.name),
        scope: Scope::new(),
        value,
        unit: entry.map_or(MetricUnit::Count, |e| e.unit),
        source: Arc::from(format!("derived: {cache}.{how}")),
        line,
    }
}

/// Counts per dialect of families its rules explain, for diagnostics.
pub fn dialect_scores(exp: &Exposition<'_>) -> HashMap<Dialect, usize> {
    let names = family_names(exp);
    Dialect::MAPPED
        .iter()
        .map(|&d| (d, score(dialect::rules(d), &names)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_only_normalisation_gives_exactly_the_counters_of_the_full_one() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/scrapes/node1-idle.prom");
        let text = std::fs::read_to_string(&path).expect("the recorded scrape");
        let exp = super::super::parse::parse(&text);
        let is_counter = |m: &&Metric| {
            vocab::lookup(m.name).is_some_and(|e| e.kind == vocab::ValueKind::Counter)
        };
        let full = normalise(&exp);
        let counters = normalise_counters(&exp);
        let expected: Vec<&Metric> = full.metrics.iter().filter(is_counter).collect();
        let got: Vec<&Metric> = counters.metrics.iter().filter(is_counter).collect();
        assert!(
            expected.len() > 50,
            "a real scrape has many counters: {}",
            expected.len()
        );
        assert_eq!(got, expected);
        assert!(
            counters.metrics.len() < full.metrics.len() / 2,
            "{} of {}",
            counters.metrics.len(),
            full.metrics.len()
        );
        assert_eq!(counters.dialect, full.dialect);
    }

    #[test]
    fn quantile_interpolates_like_prometheus() {
        // 10 observations: 5 ≤ 100, 9 ≤ 200, 10 ≤ +Inf.
        let mut b = vec![(200.0, 9.0), (100.0, 5.0), (f64::INFINITY, 10.0)];
        assert_eq!(bucket_quantile(0.5, &mut b), Some(100.0));
        assert_eq!(bucket_quantile(0.7, &mut b), Some(150.0));
        // Rank 9.9 falls in +Inf: the highest finite bound.
        assert_eq!(bucket_quantile(0.99, &mut b), Some(200.0));
        assert_eq!(bucket_quantile(0.25, &mut b), Some(50.0));
    }

    #[test]
    fn quantile_needs_inf_and_observations() {
        assert_eq!(bucket_quantile(0.5, &mut [(1.0, 1.0)]), None);
        assert_eq!(
            bucket_quantile(0.5, &mut [(1.0, 0.0), (f64::INFINITY, 0.0)]),
            None
        );
        assert_eq!(bucket_quantile(0.5, &mut []), None);
        assert_eq!(bucket_quantile(f64::NAN, &mut [(f64::INFINITY, 3.0)]), None);
    }

    #[test]
    fn every_rule_targets_the_vocabulary() {
        for d in Dialect::MAPPED.into_iter().chain([Dialect::Unknown]) {
            for r in &dialect::rules(d).rules {
                let names: Vec<&str> = match r.target {
                    Target::Scalar(n) | Target::Sum(n) => vec![n],
                    Target::Stat(dist, s) => vec![dist.name(s)],
                    Target::Quantile(dist) | Target::Buckets(dist) => {
                        Stat::QUANTILES.iter().map(|&(_, s)| dist.name(s)).collect()
                    }
                };
                for n in names {
                    let e = vocab::lookup(n)
                        .unwrap_or_else(|| panic!("{n} from {} not in vocabulary", r.source));
                    let keys: Vec<&str> = r.scope.iter().map(|(k, _)| *k).collect();
                    assert_eq!(keys, e.scope, "{n} from {}", r.source);
                    assert_eq!(r.source, r.source.to_ascii_lowercase());
                }
            }
        }
    }
}
