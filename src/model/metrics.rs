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
    pub values: BTreeMap<String, f64>,
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

    /// Sets one value (replacing an earlier one for the same key).
    pub fn insert<K: AsRef<str>, V: AsRef<str>>(&mut self, name: &str, scope: &[(K, V)], v: f64) {
        self.values.insert(Self::key(name, scope), v);
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
        self.values
            .range::<str, _>((std::ops::Bound::Included(name), std::ops::Bound::Unbounded))
            .take_while(move |(k, _)| k.starts_with(name))
            .filter_map(move |(k, &v)| {
                let (n, scope) = Self::parse_key(k)?;
                (n == name).then_some((scope, v))
            })
    }

    /// The distinct names present, rates included, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        // Keys of one name need not be adjacent (`x`, `x_y`, `x{…}` sort in that order).
        let names: std::collections::BTreeSet<&str> = self
            .values
            .keys()
            .map(|k| k.find('{').map_or(k.as_str(), |i| &k[..i]))
            .collect();
        names.into_iter()
    }

    /// Number of series (keys).
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
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
    // Nearly every label value is plain: copy it whole.
    if !s
        .bytes()
        .any(|b| matches!(b, b'\\' | b',' | b'=' | b'{' | b'}'))
    {
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
    use std::collections::BTreeMap;

    use serde::de::{self, Deserializer, Visitor};
    use serde::ser::{SerializeMap, Serializer};

    pub fn serialize<S: Serializer>(map: &BTreeMap<String, f64>, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(map.len()))?;
        for (k, v) in map {
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

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, f64>, D::Error> {
        struct MapVisitor;
        impl<'de> Visitor<'de> for MapVisitor {
            type Value = BTreeMap<String, f64>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map of metric keys to numbers, \"NaN\", \"+Inf\", \"-Inf\" or null")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((k, v)) = a.next_entry::<String, Value>()? {
                    let v = match v {
                        Value::Number(n) => n,
                        Value::Null(()) => f64::NAN,
                        Value::Text(t) => parse_special(&t).ok_or_else(|| {
                            de::Error::custom(format!("metric {k}: not a number: {t:?}"))
                        })?,
                    };
                    out.insert(k, v);
                }
                Ok(out)
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
