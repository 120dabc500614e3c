//! Node metrics in casstune's vocabulary.
//!
//! # Key format
//!
//! [`Metrics::values`] maps a *key* to a value. A key is a vocabulary name (see
//! `collect::prometheus::vocab`), followed by its scope labels when it has any:
//!
//! ```text
//! jvm.heap.max_bytes
//! table.read_latency.p99_us{keyspace=system_auth,table=roles}
//! threadpool.pending{pool=ReadStage}
//! jvm.gc.time_seconds_total{gc=G1 Young Generation}
//! jvm.gc.time_seconds_total:rate_per_second{gc=G1 Young Generation}
//! ```
//!
//! - Scope labels come in the vocabulary's order for that name (`keyspace` before `table`),
//!   never sorted alphabetically, so one series has exactly one key.
//! - Label values are written as they are, except that `\`, `,`, `=`, `{` and `}` are escaped
//!   with a backslash (`CodeHeap 'non-nmethods'` stays as is; `a,b` becomes `a\,b`).
//!   [`Metrics::parse_key`] reverses [`Metrics::key`].
//! - A **counter rate** is its own name: `<counter name>:rate_per_second` (see
//!   [`RATE_SUFFIX`]), per second over [`Metrics::interval_seconds`] (two direct scrapes) or
//!   over [`Metrics::window`] (PromQL `rate()` on a Prometheus server). The plain counter name
//!   keeps the counter's total. A counter that went down between two scrapes (node restart)
//!   gets no rate.
//! - Values may be NaN (Cassandra reports an unused cache's hit ratio as NaN). In JSON,
//!   non-finite values are written as the strings `"NaN"`, `"+Inf"`, `"-Inf"` (JSON has no
//!   such numbers) and read back from those strings or from `null`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// The suffix that turns a counter's name into the name of its per-second rate.
pub const RATE_SUFFIX: &str = ":rate_per_second";

/// Scope labels as given to [`Metrics::key`]: (label, value) in the vocabulary's order.
pub type Scope = Vec<(String, String)>;

/// Node metrics, normalised to casstune's vocabulary (filled by the collectors).
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Key (see the module doc) → value in the name's unit.
    #[serde(with = "nonfinite")]
    pub values: MetricValues,
    /// Seconds between the two scrapes the `:rate_per_second` values come from (direct
    /// scrapes), or the window's length (Prometheus server). `None` without rates.
    #[serde(default)]
    pub interval_seconds: Option<f64>,
    /// The exporter dialect the values were read with (`jmx-exporter`, `mcac`, …).
    #[serde(default)]
    pub dialect: Option<String>,
    /// Where the values come from: `scrape http://…` or `prometheus-server http://… …`.
    #[serde(default)]
    pub source: Option<String>,
    /// For values from a Prometheus server: the PromQL range the queries covered (`24h`).
    #[serde(default)]
    pub window: Option<String>,
    /// Target labels of the node on a Prometheus server (`instance`, `job`, `node`, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

impl Metrics {
    /// The key of a name and its scope, e.g. `table.read_latency.p99_us{keyspace=ks,table=t}`.
    /// Pass the scope in the vocabulary's order for the name.
    pub fn key<K: AsRef<str>, V: AsRef<str>>(name: &str, scope: &[(K, V)]) -> String {
        let len = scope
            .iter()
            .map(|(k, v)| k.as_ref().len() + v.as_ref().len() + 2)
            .sum::<usize>();
        let mut key = String::with_capacity(name.len() + len + 2);
        key_into(&mut key, name, scope);
        key
    }

    /// Splits a key into its name and scope; `None` when it is not in the key format.
    pub fn parse_key(key: &str) -> Option<(&str, Scope)> {
        let Some(open) = key.find('{') else {
            return (!key.contains('}')).then_some((key, Vec::new()));
        };
        let name = &key[..open];
        let inner = key[open + 1..].strip_suffix('}')?;
        let mut scope = Vec::new();
        for pair in split_unescaped(inner, ',') {
            let parts = split_unescaped(pair, '=');
            let [k, v] = parts.as_slice() else {
                return None;
            };
            scope.push((unescape(k)?, unescape(v)?));
        }
        Some((name, scope))
    }

    /// The name of a counter's rate: `<name>:rate_per_second`.
    pub fn rate_name(name: &str) -> String {
        format!("{name}{RATE_SUFFIX}")
    }

    /// Sets one value (replacing an earlier one for the same key). For many values at once,
    /// [`Metrics::extend`] is much faster.
    pub fn insert<K: AsRef<str>, V: AsRef<str>>(&mut self, name: &str, scope: &[(K, V)], v: f64) {
        self.values.insert(Self::key(name, scope), v);
    }

    /// Sets many values (name, scope, value) at once; a key given again keeps its last value.
    pub fn extend<'a, N, K, V, I>(&mut self, values: I)
    where
        N: AsRef<str>,
        K: AsRef<str> + 'a,
        V: AsRef<str> + 'a,
        I: IntoIterator<Item = (N, &'a [(K, V)], f64)>,
    {
        let before = self.values.len();
        for (name, scope, v) in values {
            self.values
                .push_with(|key| key_into(key, name.as_ref(), scope), v);
        }
        self.values.settle(before);
    }

    /// The value of a name for one scope (in the vocabulary's order).
    pub fn get<K: AsRef<str>, V: AsRef<str>>(&self, name: &str, scope: &[(K, V)]) -> Option<f64> {
        // Rules ask this for every table on every node: the key is built in a buffer that is
        // kept, not in a new String each time.
        thread_local! {
            static KEY: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        KEY.with(|buf| match buf.try_borrow_mut() {
            Ok(mut key) => {
                key.clear();
                key_into(&mut key, name, scope);
                self.values.get(key.as_str()).copied()
            }
            Err(_) => self.values.get(&Self::key(name, scope)).copied(),
        })
    }

    /// The per-second rate of a counter for one scope.
    pub fn rate<K: AsRef<str>, V: AsRef<str>>(&self, name: &str, scope: &[(K, V)]) -> Option<f64> {
        self.get(&Self::rate_name(name), scope)
    }

    /// Every series of one name (exactly that name: `x` does not list `x:rate_per_second`),
    /// in key order, with its scope.
    pub fn series<'s>(&'s self, name: &'s str) -> impl Iterator<Item = (Scope, f64)> + 's {
        self.series_where(name, |_| true)
    }

    /// [`Metrics::series`] with a value `keep` accepts. The value is tested before the key
    /// is decoded: rules that look for a few tables over a threshold among hundreds spent
    /// most of their time decoding the scopes of the others.
    pub fn series_where<'s>(
        &'s self,
        name: &'s str,
        keep: impl Fn(f64) -> bool + 's,
    ) -> impl Iterator<Item = (Scope, f64)> + 's {
        self.values
            .from_key(name)
            .take_while(move |(k, _)| k.starts_with(name))
            // `name` itself or `name{…}`, not a longer name sharing the prefix.
            .filter(move |(k, v)| {
                matches!(k.as_bytes().get(name.len()), None | Some(b'{')) && keep(**v)
            })
            .filter_map(move |(k, &v)| {
                let (n, scope) = Self::parse_key(k)?;
                (n == name).then_some((scope, v))
            })
    }

    /// The distinct names present, rates included, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names_starting("")
    }

    /// The distinct names starting with `prefix`, rates included, in order. Reads only the
    /// keys with that prefix (contiguous in the store), not every key of the node.
    pub fn names_starting<'s>(&'s self, prefix: &str) -> impl Iterator<Item = &'s str> + use<'s> {
        // Keys of one name need not be adjacent (`x`, `x_y`, `x{…}` sort in that order).
        let names: std::collections::BTreeSet<&str> = self
            .values
            .from_key(prefix)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, _)| k.find('{').map_or(k, |i| &k[..i]))
            .collect();
        names.into_iter()
    }

    /// The scope part of a table's keys (`keyspace=K,table=T}`: what follows `name{`, escaped
    /// as [`Metrics::key`] does), for [`Metrics::table_values`].
    pub fn table_scope(keyspace: &str, table: &str) -> String {
        let mut key = Self::key("", &[("keyspace", keyspace), ("table", table)]);
        key.remove(0);
        key
    }

    /// Each (keyspace, table)'s [`Metrics::table_scope`] with its position, sorted: the
    /// `scopes` of [`Metrics::table_values`].
    pub fn table_scopes<'t>(
        tables: impl IntoIterator<Item = (&'t str, &'t str)>,
    ) -> Vec<(String, usize)> {
        let mut scopes: Vec<(String, usize)> = tables
            .into_iter()
            .enumerate()
            .map(|(i, (keyspace, table))| (Self::table_scope(keyspace, table), i))
            .collect();
        scopes.sort_unstable();
        scopes
    }

    /// The values of `names` for many tables at once. `scopes` holds [`Metrics::table_scope`]s
    /// with the caller's index of each table (`0..scopes.len()`), sorted; the result is in
    /// that index's order. Each name's series are read in key order and matched to the scopes,
    /// a merge: the same keys [`Metrics::get`] would compare, without a binary search over
    /// the node's whole store per (name, table), which profiled at a tenth of a fleet's
    /// analysis.
    pub fn table_values<const N: usize>(
        &self,
        names: [&str; N],
        scopes: &[(String, usize)],
    ) -> Vec<[Option<f64>; N]> {
        let mut out = vec![[None; N]; scopes.len()];
        let mut open = String::new();
        for (i, name) in names.iter().enumerate() {
            open.clear();
            open.push_str(name);
            open.push('{');
            let mut want = scopes.iter().peekable();
            for (key, &v) in self.values.from_key(&open) {
                // The name's scoped series are contiguous from `name{`.
                let Some(scope) = key.strip_prefix(open.as_str()) else {
                    break;
                };
                while want.next_if(|(s, _)| s.as_str() < scope).is_some() {}
                if want.peek().is_none() {
                    break;
                }
                // Every table with this scope (one, unless a table is listed twice).
                for (_, ti) in want.clone().take_while(|(s, _)| s == scope) {
                    if let Some(values) = out.get_mut(*ti) {
                        values[i] = Some(v);
                    }
                }
            }
        }
        out
    }

    /// Number of series (keys).
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// The values of [`Metrics`]: a map from key to value, kept sorted by key.
///
/// A fleet's snapshot holds about ten thousand series per node: one `String` and one
/// `BTreeMap` slot per key cost twice the memory of the key bytes themselves. Here every key
/// lives in one text buffer and the map is a sorted vector of (start, end, value), so a
/// node's series are two allocations. Built in bulk with [`MetricValues::from_pairs`] (one
/// sort); [`MetricValues::insert`] and [`MetricValues::remove`] stay correct for the odd
/// change afterwards (a removed key leaves its bytes in the buffer until the next bulk set).
#[derive(Default, Clone)]
pub struct MetricValues {
    keys: String,
    entries: Vec<Entry>,
}

#[derive(Clone, Copy)]
struct Entry {
    start: usize,
    end: usize,
    value: f64,
}

impl MetricValues {
    /// The map of these (key, value) pairs; a key given twice keeps its last value, as
    /// repeated inserts would.
    pub fn from_pairs<K: AsRef<str>>(pairs: impl IntoIterator<Item = (K, f64)>) -> MetricValues {
        let mut out = MetricValues::default();
        out.extend(pairs);
        out
    }

    /// Sets many values at once (one sort); a key given again keeps its last value.
    pub fn extend<K: AsRef<str>>(&mut self, pairs: impl IntoIterator<Item = (K, f64)>) {
        let before = self.entries.len();
        for (k, value) in pairs {
            self.push_with(|key| key.push_str(k.as_ref()), value);
        }
        self.settle(before);
    }

    /// Appends a key (written by `write`) and its value, out of order until [`Self::settle`].
    fn push_with(&mut self, write: impl FnOnce(&mut String), value: f64) {
        let start = self.keys.len();
        write(&mut self.keys);
        self.entries.push(Entry {
            start,
            end: self.keys.len(),
            value,
        });
    }

    /// Restores the order after pushes (entries from `before` on are the new ones).
    fn settle(&mut self, before: usize) {
        if self.entries.len() == before {
            return;
        }
        let keys = &self.keys;
        let key = |e: &Entry| &keys[e.start..e.end];
        // Stable, so of equal keys the one given last stays last, and the dedup keeps it. The
        // old entries are one sorted run, which the sort merges rather than re-sorts.
        self.entries.sort_by(|a, b| key(a).cmp(key(b)));
        let mut kept: Vec<Entry> = Vec::with_capacity(self.entries.len());
        for e in self.entries.drain(..) {
            match kept.last_mut() {
                Some(last) if key(last) == key(&e) => *last = e,
                _ => kept.push(e),
            }
        }
        // Lay the keys out in order: lookups probe neighbouring bytes, not the whole buffer,
        // and replaced keys' bytes are dropped.
        let mut laid = String::with_capacity(kept.iter().map(|e| e.end - e.start).sum());
        for e in &mut kept {
            let start = laid.len();
            laid.push_str(&self.keys[e.start..e.end]);
            *e = Entry {
                start,
                end: laid.len(),
                value: e.value,
            };
        }
        self.keys = laid;
        self.entries = kept;
    }

    fn key_of(&self, e: &Entry) -> &str {
        &self.keys[e.start..e.end]
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|e| self.key_of(e).cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&f64> {
        self.find(key).ok().map(|i| &self.entries[i].value)
    }

    /// Sets a value; returns the one it replaced.
    pub fn insert(&mut self, key: impl AsRef<str>, value: f64) -> Option<f64> {
        let key = key.as_ref();
        match self.find(key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].value, value)),
            Err(i) => {
                let start = self.keys.len();
                self.keys.push_str(key);
                let e = Entry {
                    start,
                    end: self.keys.len(),
                    value,
                };
                self.entries.insert(i, e);
                None
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<f64> {
        let i = self.find(key).ok()?;
        Some(self.entries.remove(i).value)
    }

    /// Keeps the pairs `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &mut f64) -> bool) {
        let keys = &self.keys;
        self.entries
            .retain_mut(|e| keep(&keys[e.start..e.end], &mut e.value));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// (key, value) in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &f64)> {
        self.entries.iter().map(|e| (self.key_of(e), &e.value))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| self.key_of(e))
    }

    /// The pairs whose key is `from` or sorts after it, in key order.
    pub fn from_key<'s>(&'s self, from: &str) -> impl Iterator<Item = (&'s str, &'s f64)> + 's {
        let i = self.find(from).unwrap_or_else(|i| i);
        self.entries[i..].iter().map(|e| (self.key_of(e), &e.value))
    }
}

impl std::ops::Index<&str> for MetricValues {
    type Output = f64;

    fn index(&self, key: &str) -> &f64 {
        match self.get(key) {
            Some(v) => v,
            None => panic!("no metric {key:?}"),
        }
    }
}

impl PartialEq for MetricValues {
    fn eq(&self, other: &Self) -> bool {
        // As a map compares: same keys, values equal as f64 (NaN differs from itself).
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

impl std::fmt::Debug for MetricValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Appends the key of `name` and `scope` (see [`Metrics::key`]) to `key`.
fn key_into<K: AsRef<str>, V: AsRef<str>>(key: &mut String, name: &str, scope: &[(K, V)]) {
    key.push_str(name);
    if scope.is_empty() {
        return;
    }
    key.push('{');
    for (i, (k, v)) in scope.iter().enumerate() {
        if i > 0 {
            key.push(',');
        }
        escape_into(key, k.as_ref());
        key.push('=');
        escape_into(key, v.as_ref());
    }
    key.push('}');
}

fn escape_into(out: &mut String, s: &str) {
    // Nearly every label value is plain: copy it whole. The test has no early exit, so it
    // compiles to vector compares (an early-exit loop was 3 % of analysing a fleet).
    let special = s.bytes().fold(false, |any, b| {
        any | matches!(b, b'\\' | b',' | b'=' | b'{' | b'}')
    });
    if !special {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        if matches!(c, '\\' | ',' | '=' | '{' | '}') {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Splits on `sep` where it is not escaped.
fn split_unescaped(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            parts.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&s[start..]);
    parts
}

/// Removes the escapes of [`escape_into`]; `None` for an unescaped special character or a
/// dangling backslash.
fn unescape(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            ',' | '=' | '{' | '}' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// Serde for the values map: JSON has no NaN or infinities, and serde_json would write them
/// as `null`, which then fails to read back as `f64`.
mod nonfinite {
    use super::MetricValues;

    use serde::de::{self, Deserializer, Visitor};
    use serde::ser::{SerializeMap, Serializer};

    pub fn serialize<S: Serializer>(map: &MetricValues, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(map.len()))?;
        for (k, v) in map.iter() {
            match special_name(*v) {
                Some(name) => m.serialize_entry(k, name)?,
                None => m.serialize_entry(k, v)?,
            }
        }
        m.end()
    }

    fn special_name(v: f64) -> Option<&'static str> {
        if v.is_nan() {
            Some("NaN")
        } else if v == f64::INFINITY {
            Some("+Inf")
        } else if v == f64::NEG_INFINITY {
            Some("-Inf")
        } else {
            None
        }
    }

    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Value {
        Number(f64),
        Text(String),
        Null(()),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<MetricValues, D::Error> {
        struct MapVisitor;
        impl<'de> Visitor<'de> for MapVisitor {
            type Value = MetricValues;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map of metric keys to numbers, \"NaN\", \"+Inf\", \"-Inf\" or null")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, Value>()? {
                    let v = match v {
                        Value::Number(n) => n,
                        Value::Null(()) => f64::NAN,
                        Value::Text(t) => parse_special(&t).ok_or_else(|| {
                            de::Error::custom(format!("metric {k}: not a number: {t:?}"))
                        })?,
                    };
                    out.push((k, v));
                }
                Ok(MetricValues::from_pairs(out))
            }
        }
        d.deserialize_map(MapVisitor)
    }

    fn parse_special(t: &str) -> Option<f64> {
        match t {
            "NaN" => Some(f64::NAN),
            "+Inf" | "Inf" => Some(f64::INFINITY),
            "-Inf" => Some(f64::NEG_INFINITY),
            _ => None,
        }
    }
}

/// Writes a value the way the Prometheus text format does (`NaN`, `+Inf`, `-Inf`, shortest
/// round-trip decimal otherwise); used in messages.
pub fn format_value(v: f64) -> String {
    let mut s = String::new();
    if v.is_nan() {
        s.push_str("NaN");
    } else if v.is_infinite() {
        s.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
    } else {
        let _ = write!(s, "{v}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_orders_scope_as_given_and_round_trips() {
        let k = Metrics::key(
            "table.read_latency.p99_us",
            &[("keyspace", "ks"), ("table", "t")],
        );
        assert_eq!(k, "table.read_latency.p99_us{keyspace=ks,table=t}");
        assert_eq!(
            Metrics::key::<&str, &str>("jvm.heap.max_bytes", &[]),
            "jvm.heap.max_bytes"
        );
        let (name, scope) = Metrics::parse_key(&k).unwrap();
        assert_eq!(name, "table.read_latency.p99_us");
        assert_eq!(
            scope,
            vec![
                ("keyspace".into(), "ks".into()),
                ("table".into(), "t".into())
            ]
        );
    }

    #[test]
    fn special_characters_are_escaped_and_restored() {
        let nasty = r"a,b=c{d}e\f 'g'";
        let k = Metrics::key("threadpool.pending", &[("pool", nasty)]);
        assert_eq!(k, r"threadpool.pending{pool=a\,b\=c\{d\}e\\f 'g'}");
        let (name, scope) = Metrics::parse_key(&k).unwrap();
        assert_eq!(name, "threadpool.pending");
        assert_eq!(scope, vec![("pool".to_string(), nasty.to_string())]);
    }

    #[test]
    fn malformed_keys_are_rejected() {
        for bad in ["x{a=b", "x{a}", "x{a=b=c}", "x}", r"x{a=b\}"] {
            assert_eq!(Metrics::parse_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn get_rate_series_and_names() {
        let mut m = Metrics::default();
        let young = [("gc", "G1 Young Generation")];
        let old = [("gc", "G1 Old Generation")];
        m.insert("jvm.gc.time_seconds_total", &young, 0.5);
        m.insert("jvm.gc.time_seconds_total", &old, 0.0);
        m.insert(
            &Metrics::rate_name("jvm.gc.time_seconds_total"),
            &young,
            0.01,
        );
        m.insert::<&str, &str>("jvm.heap.max_bytes", &[], 1024.0);
        m.insert::<&str, &str>("jvm.heap.max_bytes_extra", &[], 1.0);
        assert_eq!(m.get("jvm.gc.time_seconds_total", &young), Some(0.5));
        assert_eq!(m.rate("jvm.gc.time_seconds_total", &young), Some(0.01));
        assert_eq!(m.rate("jvm.gc.time_seconds_total", &old), None);
        let gcs: Vec<String> = m
            .series("jvm.gc.time_seconds_total")
            .map(|(s, _)| s[0].1.clone())
            .collect();
        assert_eq!(gcs, ["G1 Old Generation", "G1 Young Generation"]);
        assert_eq!(m.series("jvm.heap.max_bytes").count(), 1);
        let names: Vec<&str> = m.names().collect();
        let heap: Vec<&str> = m.names_starting("jvm.heap.").collect();
        assert_eq!(heap, ["jvm.heap.max_bytes", "jvm.heap.max_bytes_extra"]);
        assert_eq!(m.names_starting("jvm.gc.time_seconds_total:").count(), 1);
        assert_eq!(m.names_starting("zzz").count(), 0);
        assert_eq!(
            names,
            [
                "jvm.gc.time_seconds_total",
                "jvm.gc.time_seconds_total:rate_per_second",
                "jvm.heap.max_bytes",
                "jvm.heap.max_bytes_extra"
            ]
        );
    }

    #[test]
    fn series_where_tests_values_and_skips_longer_names() {
        let mut m = Metrics::default();
        for (t, v) in [("a", 0.0), ("b", 3.0), ("c", f64::NAN), ("d", 7.0)] {
            m.insert("table.pending", &[("keyspace", "ks"), ("table", t)], v);
        }
        m.insert(
            "table.pending_more",
            &[("keyspace", "ks"), ("table", "b")],
            9.0,
        );
        m.insert::<&str, &str>("table.pending", &[], 1.0);
        let tables = |keep: fn(f64) -> bool| -> Vec<String> {
            m.series_where("table.pending", keep)
                .map(|(s, v)| format!("{}={v}", s.get(1).map_or("-", |p| p.1.as_str())))
                .collect()
        };
        assert_eq!(tables(|_| true), ["-=1", "a=0", "b=3", "c=NaN", "d=7"]);
        assert_eq!(tables(|v| v > 2.0 || v.is_nan()), ["b=3", "c=NaN", "d=7"]);
        assert_eq!(m.series("table.pending").count(), 5);
    }

    #[test]
    fn table_values_equal_lookups() {
        // Escaped names, a table listed twice, neighbouring names and scopes, tables with
        // some names only, and tables absent from the store.
        let tables = [
            ("ks", "t1"),
            ("ks", "t1"),
            ("ks", "t1_x"),
            ("ks", "t{=,}\\"),
            ("ks2", "t1"),
            ("ks", "gone"),
            ("k", "st1"),
        ];
        let mut m = Metrics::default();
        for (i, (k, t)) in tables.iter().enumerate().filter(|(i, _)| *i != 5) {
            let scope = [("keyspace", *k), ("table", *t)];
            m.insert("table.reads", &scope, i as f64);
            if i % 2 == 0 {
                m.insert("table.writes", &scope, -(i as f64));
            }
            m.insert("table.reads_x", &scope, 100.0);
            m.insert(
                "table.reads",
                &[("keyspace", *k), ("table", *t), ("x", "y")],
                50.0,
            );
        }
        m.insert::<&str, &str>("table.reads", &[], 7.0);
        let scopes = Metrics::table_scopes(tables);
        let names = ["table.reads", "table.writes", "table.absent"];
        let got = m.table_values(names, &scopes);
        assert_eq!(got.len(), tables.len());
        for (i, (k, t)) in tables.iter().enumerate() {
            let want = names.map(|n| m.get(n, &[("keyspace", *k), ("table", *t)]));
            assert_eq!(got[i], want, "{k}.{t}");
        }
        assert_eq!(got[3][0], Some(3.0), "the escaped name is found");
        assert_eq!(got[5], [None; 3], "a table without metrics");
    }

    #[test]
    fn the_compact_store_answers_as_a_btreemap_does() {
        // Random inserts, replacements, removals, bulk extends and retains, checked against
        // a BTreeMap after every step.
        let mut store = MetricValues::default();
        let mut model: BTreeMap<String, f64> = BTreeMap::new();
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let key = |n: u64| format!("table.m{}{{keyspace=k{},table=t{}}}", n % 7, n % 3, n % 11);
        for step in 0..2000u32 {
            let r = next();
            match r % 5 {
                0 | 1 => {
                    let (k, v) = (key(r >> 8), step as f64);
                    assert_eq!(store.insert(&k, v), model.insert(k, v));
                }
                2 => {
                    let k = key(r >> 8);
                    assert_eq!(store.remove(&k), model.remove(&k));
                }
                3 => {
                    let batch: Vec<(String, f64)> = (0..(r >> 8) % 20)
                        .map(|i| (key(next()), f64::from(step) + f64::from(i as u32)))
                        .collect();
                    store.extend(batch.iter().map(|(k, v)| (k.as_str(), *v)));
                    model.extend(batch);
                }
                _ if step % 97 == 0 => {
                    store.retain(|k, _| !k.contains("m3"));
                    model.retain(|k, _| !k.contains("m3"));
                }
                _ => {
                    let k = key(r >> 8);
                    assert_eq!(store.get(&k), model.get(&k));
                }
            }
            assert_eq!(store.len(), model.len());
        }
        let got: Vec<(&str, f64)> = store.iter().map(|(k, v)| (k, *v)).collect();
        let want: Vec<(&str, f64)> = model.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(got, want);
        let from = key(5);
        let tail: Vec<&str> = store.from_key(&from).map(|(k, _)| k).collect();
        let want: Vec<&str> = model
            .range(from.clone()..)
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(tail, want);
    }

    #[test]
    fn extend_keeps_the_last_of_repeated_keys_as_inserts_would() {
        let mut bulk = Metrics::default();
        let mut one_by_one = Metrics::default();
        let ks = [("keyspace", "ks"), ("table", "t")];
        type Row<'a> = (&'a str, &'a [(&'a str, &'a str)], f64);
        let rows: Vec<Row> = vec![
            ("table.b", &ks, 1.0),
            ("table.a", &ks, 2.0),
            ("table.b", &ks, 3.0),
            ("node.x", &[], 4.0),
        ];
        bulk.extend(rows.iter().copied());
        for (n, s, v) in rows {
            one_by_one.insert(n, s, v);
        }
        assert_eq!(bulk, one_by_one);
        assert_eq!(bulk.get("table.b", &ks), Some(3.0));
        assert_eq!(bulk.len(), 3);
    }

    #[test]
    fn json_round_trip_keeps_nan_and_infinities() {
        let mut m = Metrics {
            dialect: Some("jmx-exporter".into()),
            interval_seconds: Some(2.0),
            ..Metrics::default()
        };
        m.insert::<&str, &str>("cache.row.hit_ratio", &[], f64::NAN);
        m.insert::<&str, &str>("a", &[], f64::INFINITY);
        m.insert::<&str, &str>("b", &[], f64::NEG_INFINITY);
        m.insert::<&str, &str>("c", &[], 1.5);
        let json = serde_json::to_string(&m).unwrap();
        assert!(json.contains(r#""cache.row.hit_ratio":"NaN""#), "{json}");
        let back: Metrics = serde_json::from_str(&json).unwrap();
        assert!(back.values["cache.row.hit_ratio"].is_nan());
        assert_eq!(back.values["a"], f64::INFINITY);
        assert_eq!(back.values["b"], f64::NEG_INFINITY);
        assert_eq!(back.values["c"], 1.5);
        assert_eq!(back.dialect, m.dialect);
        let from_null: Metrics = serde_json::from_str(r#"{"values":{"x":null}}"#).unwrap();
        assert!(from_null.values["x"].is_nan());
        assert!(serde_json::from_str::<Metrics>(r#"{"values":{"x":"lots"}}"#).is_err());
    }

    #[test]
    fn format_value_uses_prometheus_spelling() {
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(f64::NEG_INFINITY), "-Inf");
        assert_eq!(format_value(0.25), "0.25");
    }
}
