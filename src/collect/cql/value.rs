//! CQL values as JSON, so rows of any table (whatever its columns in this version) are kept
//! as they came and can be re-read offline.

use scylla::value::{CqlValue, Row};
use serde_json::{Map, Value, json};

/// One row's columns as JSON values (null for a null column).
pub fn row_to_json(row: Row) -> Vec<Value> {
    row.columns
        .into_iter()
        .map(|c| c.map_or(Value::Null, to_json))
        .collect()
}

/// Maps keep their keys as object keys when the keys are text-like (every map in the system
/// tables casstune reads is `map<text, …>`); other maps become `[[key, value], …]`.
pub fn to_json(v: CqlValue) -> Value {
    match v {
        CqlValue::Ascii(s) | CqlValue::Text(s) => Value::String(s),
        CqlValue::Boolean(b) => Value::Bool(b),
        CqlValue::Blob(b) => Value::String(hex(&b)),
        CqlValue::Counter(c) => json!(c.0),
        CqlValue::Decimal(d) => {
            let (bytes, scale) = d.as_signed_be_bytes_slice_and_exponent();
            Value::String(decimal_text(bytes, scale))
        }
        // Days since the epoch (CQL stores days + 2^31).
        CqlValue::Date(d) => json!(i64::from(d.0) - (1i64 << 31)),
        CqlValue::Double(f) => float(f),
        CqlValue::Float(f) => float(f64::from(f)),
        CqlValue::Duration(d) => {
            json!({"months": d.months, "days": d.days, "nanoseconds": d.nanoseconds})
        }
        CqlValue::Empty => Value::Null,
        CqlValue::Int(i) => json!(i),
        CqlValue::BigInt(i) => json!(i),
        CqlValue::SmallInt(i) => json!(i),
        CqlValue::TinyInt(i) => json!(i),
        // Milliseconds since the epoch.
        CqlValue::Timestamp(t) => json!(t.0),
        // Nanoseconds since midnight.
        CqlValue::Time(t) => json!(t.0),
        CqlValue::Inet(ip) => Value::String(ip.to_string()),
        CqlValue::List(items) | CqlValue::Set(items) | CqlValue::Vector(items) => {
            Value::Array(items.into_iter().map(to_json).collect())
        }
        CqlValue::Map(pairs) => map(pairs),
        CqlValue::UserDefinedType { fields, .. } => Value::Object(
            fields
                .into_iter()
                .map(|(k, v)| (k, v.map_or(Value::Null, to_json)))
                .collect(),
        ),
        CqlValue::Tuple(items) => Value::Array(
            items
                .into_iter()
                .map(|v| v.map_or(Value::Null, to_json))
                .collect(),
        ),
        CqlValue::Uuid(u) => Value::String(u.to_string()),
        CqlValue::Timeuuid(u) => Value::String(u.to_string()),
        CqlValue::Varint(v) => Value::String(decimal_text(v.as_signed_bytes_be_slice(), 0)),
        // A variant added by a newer driver: keep something readable rather than fail the row.
        #[allow(unreachable_patterns)]
        other => Value::String(format!("{other:?}")),
    }
}

fn map(pairs: Vec<(CqlValue, CqlValue)>) -> Value {
    let text_keys = pairs
        .iter()
        .all(|(k, _)| matches!(k, CqlValue::Text(_) | CqlValue::Ascii(_)));
    if text_keys {
        let mut m = Map::new();
        for (k, v) in pairs {
            if let CqlValue::Text(k) | CqlValue::Ascii(k) = k {
                m.insert(k, to_json(v));
            }
        }
        Value::Object(m)
    } else {
        Value::Array(
            pairs
                .into_iter()
                .map(|(k, v)| Value::Array(vec![to_json(k), to_json(v)]))
                .collect(),
        )
    }
}

/// JSON has no NaN or infinities; Cassandra reports NaN for an unused cache's hit rate.
fn float(f: f64) -> Value {
    serde_json::Number::from_f64(f).map_or_else(|| Value::String(f.to_string()), Value::Number)
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(2 + 2 * b.len());
    s.push_str("0x");
    for byte in b {
        s.push_str(&format!("{byte:02x}"));
    }
    s
}

/// A two's-complement big-endian integer with a decimal scale, as text. Values wider than
/// 128 bits (never seen in system tables) fall back to hex.
fn decimal_text(bytes: &[u8], scale: i32) -> String {
    if bytes.len() > 16 {
        return hex(bytes);
    }
    let mut n: i128 = if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        -1
    } else {
        0
    };
    for b in bytes {
        n = (n << 8) | i128::from(*b);
    }
    if scale <= 0 {
        return n.to_string();
    }
    let digits = n.unsigned_abs().to_string();
    let scale = scale as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    format!("{}{int}.{frac}", if n < 0 { "-" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_and_varints_are_exact_text() {
        assert_eq!(decimal_text(&[0x04, 0xd2], 2), "12.34");
        assert_eq!(decimal_text(&[0xfb, 0x2e], 2), "-12.34");
        assert_eq!(decimal_text(&[0x05], 3), "0.005");
        assert_eq!(decimal_text(&[0xff], 0), "-1");
        assert_eq!(decimal_text(&[], 0), "0");
    }

    #[test]
    fn text_keyed_maps_are_objects_others_pairs() {
        let m = CqlValue::Map(vec![(
            CqlValue::Text("class".into()),
            CqlValue::Text("SizeTieredCompactionStrategy".into()),
        )]);
        assert_eq!(to_json(m), json!({"class": "SizeTieredCompactionStrategy"}));
        let m = CqlValue::Map(vec![(CqlValue::Int(1), CqlValue::Boolean(true))]);
        assert_eq!(to_json(m), json!([[1, true]]));
    }

    #[test]
    fn nan_survives_as_text() {
        assert_eq!(to_json(CqlValue::Double(f64::NAN)), json!("NaN"));
        assert_eq!(to_json(CqlValue::Blob(vec![0, 255])), json!("0x00ff"));
    }
}
