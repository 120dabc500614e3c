//! Quantities as Cassandra understands them: data sizes, durations and data rates.
//!
//! The grammar is the one of Cassandra 4.1+'s `DataStorageSpec`, `DurationSpec` and
//! `DataRateSpec` (CASSANDRA-15234): a non-negative integer immediately followed by a
//! case-sensitive unit, e.g. `100MiB`, `10s`, `64MiB/s`. Each parameter also has a
//! *minimum unit* (its internal unit): a value in a finer unit is rejected at startup,
//! and the value converted to that unit must stay below the parameter's bound.
//! Pre-4.1 names (`*_in_mb`, `*_in_ms`, ...) carry a bare number in the unit their
//! suffix names; [`Quantity::from_legacy`] reads those.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The dimension a quantity measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Storage,
    Duration,
    Rate,
}

/// A unit of one dimension, ordered from finest to coarsest within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Unit {
    // storage
    B,
    KiB,
    MiB,
    GiB,
    // duration
    Ns,
    Us,
    Ms,
    S,
    M,
    H,
    D,
    // rate
    BPerS,
    KiBPerS,
    MiBPerS,
    /// Megabits per second: only the pre-4.1 `*_megabits_per_sec` names use it.
    MbitPerS,
}

impl Unit {
    pub fn dimension(self) -> Dimension {
        use Unit::*;
        match self {
            B | KiB | MiB | GiB => Dimension::Storage,
            Ns | Us | Ms | S | M | H | D => Dimension::Duration,
            BPerS | KiBPerS | MiBPerS | MbitPerS => Dimension::Rate,
        }
    }

    /// How many base units (bytes, nanoseconds, bytes per second) one of this unit is.
    pub fn base_factor(self) -> u128 {
        use Unit::*;
        match self {
            B | BPerS => 1,
            KiB | KiBPerS => 1 << 10,
            MiB | MiBPerS => 1 << 20,
            GiB => 1 << 30,
            MbitPerS => 125_000,
            Ns => 1,
            Us => 1_000,
            Ms => 1_000_000,
            S => 1_000_000_000,
            M => 60 * 1_000_000_000,
            H => 3_600 * 1_000_000_000,
            D => 86_400 * 1_000_000_000,
        }
    }

    /// The symbol Cassandra writes and accepts.
    pub fn symbol(self) -> &'static str {
        use Unit::*;
        match self {
            B => "B",
            KiB => "KiB",
            MiB => "MiB",
            GiB => "GiB",
            Ns => "ns",
            Us => "us",
            Ms => "ms",
            S => "s",
            M => "m",
            H => "h",
            D => "d",
            BPerS => "B/s",
            KiBPerS => "KiB/s",
            MiBPerS => "MiB/s",
            MbitPerS => "Mbit/s",
        }
    }

    /// Parses a symbol exactly as Cassandra's spec classes do (case matters).
    pub fn from_symbol(s: &str) -> Option<Unit> {
        use Unit::*;
        Some(match s {
            "B" => B,
            "KiB" => KiB,
            "MiB" => MiB,
            "GiB" => GiB,
            "ns" => Ns,
            "us" | "µs" => Us,
            "ms" => Ms,
            "s" => S,
            "m" => M,
            "h" => H,
            "d" => D,
            "B/s" => BPerS,
            "KiB/s" => KiBPerS,
            "MiB/s" => MiBPerS,
            "Mbit/s" => MbitPerS,
            _ => return None,
        })
    }

    /// Units a user may write for `dim`, coarsest last.
    pub fn accepted(dim: Dimension) -> &'static [Unit] {
        use Unit::*;
        match dim {
            Dimension::Storage => &[B, KiB, MiB, GiB],
            Dimension::Duration => &[Ns, Us, Ms, S, M, H, D],
            Dimension::Rate => &[BPerS, KiBPerS, MiBPerS],
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// An exact quantity: an integer amount of one unit, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Quantity {
    pub amount: u64,
    pub unit: Unit,
}

/// Why a value is not a valid quantity; the message reads well after "invalid value: ".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    #[error("`{value}` is not <integer><unit>; accepted units: {accepted}")]
    Syntax { value: String, accepted: String },
    #[error("`{value}` uses {unit}, finer than this setting's smallest unit {min}")]
    BelowMinUnit {
        value: String,
        unit: Unit,
        min: Unit,
    },
    #[error("`{value}` is too large: it must stay below {max} {min}")]
    TooLarge { value: String, max: u128, min: Unit },
}

impl Quantity {
    pub const fn new(amount: u64, unit: Unit) -> Self {
        Quantity { amount, unit }
    }

    pub fn dimension(self) -> Dimension {
        self.unit.dimension()
    }

    /// The amount in base units (bytes, nanoseconds, bytes/s); exact.
    pub fn base(self) -> u128 {
        self.amount as u128 * self.unit.base_factor()
    }

    /// Parses the 4.1+ form `<integer><unit>` with no sign, no space and no fraction.
    pub fn parse(value: &str, dim: Dimension) -> Result<Quantity, UnitError> {
        let syntax = || UnitError::Syntax {
            value: value.to_string(),
            accepted: Unit::accepted(dim)
                .iter()
                .map(|u| u.symbol())
                .collect::<Vec<_>>()
                .join(", "),
        };
        let split = value
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(syntax)?;
        let (digits, sym) = value.split_at(split);
        if digits.is_empty() {
            return Err(syntax());
        }
        let unit = Unit::from_symbol(sym)
            .filter(|u| u.dimension() == dim && *u != Unit::MbitPerS)
            .ok_or_else(syntax)?;
        // Java parses the digits as a long; more digits than that is a startup failure too.
        let amount: u64 = digits.parse().map_err(|_| syntax())?;
        if amount > i64::MAX as u64 {
            return Err(syntax());
        }
        Ok(Quantity { amount, unit })
    }

    /// Parses and applies a parameter's bound: its minimum unit and its exclusive maximum
    /// expressed in that unit (as Cassandra's `*Bound` spec classes do).
    pub fn parse_bounded(
        value: &str,
        dim: Dimension,
        min_unit: Unit,
        max_exclusive: Option<u128>,
    ) -> Result<Quantity, UnitError> {
        let q = Quantity::parse(value, dim)?;
        // Data rates carry no minimum-unit check in Cassandra (DataRateSpec only bounds the size).
        if dim != Dimension::Rate && q.unit < min_unit {
            return Err(UnitError::BelowMinUnit {
                value: value.to_string(),
                unit: q.unit,
                min: min_unit,
            });
        }
        if let Some(max) = max_exclusive
            && q.base() / min_unit.base_factor() >= max
        {
            return Err(UnitError::TooLarge {
                value: value.to_string(),
                max,
                min: min_unit,
            });
        }
        Ok(q)
    }

    /// A pre-4.1 bare number in the unit its name implies (`key_cache_size_in_mb: 100`).
    /// Negative numbers are the legacy "unset/auto" sentinels and yield `None`.
    pub fn from_legacy(number: i64, unit: Unit) -> Option<Quantity> {
        (number >= 0).then(|| Quantity::new(number as u64, unit))
    }

    /// The same quantity in `unit`, if it converts exactly.
    pub fn to_unit_exact(self, unit: Unit) -> Option<Quantity> {
        if unit.dimension() != self.dimension() {
            return None;
        }
        let base = self.base();
        let f = unit.base_factor();
        base.is_multiple_of(f)
            .then(|| u64::try_from(base / f).ok())
            .flatten()
            .map(|amount| Quantity::new(amount, unit))
    }

    /// The same quantity in the coarsest accepted unit that represents it exactly
    /// (`1024MiB` → `1GiB`, `3600000ms` → `1h`), never finer than `min_unit`.
    pub fn normalized(self, min_unit: Unit) -> Quantity {
        // Megabits are only a legacy input unit; write them as a byte rate.
        let min_unit = if min_unit == Unit::MbitPerS {
            Unit::BPerS
        } else {
            min_unit
        };
        Unit::accepted(self.dimension())
            .iter()
            .rev()
            .filter(|u| **u >= min_unit)
            .find_map(|u| self.to_unit_exact(*u))
            .unwrap_or(self)
    }

    /// A float in `unit` (for comparisons and display of non-exact conversions).
    pub fn as_f64(self, unit: Unit) -> f64 {
        self.base() as f64 / unit.base_factor() as f64
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.unit.symbol())
    }
}

/// `100MB` → `100MiB`: the binary unit a user most likely meant by an SI size, which
/// Cassandra rejects. None unless `text` is digits followed by KB/MB/GB (any case).
pub fn si_to_binary(text: &str) -> Option<String> {
    const SI: [(&str, &str); 3] = [("KB", "KiB"), ("MB", "MiB"), ("GB", "GiB")];
    let t = text.trim();
    let split = t.len().checked_sub(2)?;
    let (n, unit) = (t.get(..split)?.trim_end(), t.get(split..)?);
    let bin = SI.iter().find(|(si, _)| si.eq_ignore_ascii_case(unit))?.1;
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then(|| format!("{n}{bin}"))
}

/// Human display of a byte count with binary units, e.g. `31.5 GiB`.
pub fn human_bytes(bytes: u128) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if v.fract() == 0.0 {
        format!("{} {}", v as u64, UNITS[i])
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

/// Parses a JVM-style size (`-Xmx8G`, `MAX_HEAP_SIZE="4096M"`): digits and an optional
/// k/m/g/t suffix in either case, meaning binary multiples. Returns bytes.
pub fn parse_jvm_size(s: &str) -> Option<u128> {
    let s = s.trim();
    let (digits, mult) = match s.chars().last()? {
        'k' | 'K' => (&s[..s.len() - 1], 1u128 << 10),
        'm' | 'M' => (&s[..s.len() - 1], 1 << 20),
        'g' | 'G' => (&s[..s.len() - 1], 1 << 30),
        't' | 'T' => (&s[..s.len() - 1], 1 << 40),
        c if c.is_ascii_digit() => (s, 1),
        _ => return None,
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // checked: 34 digits fit a u128 but times 2^20 do not (found by fuzzing; an overflow
    // panicked in debug builds and wrapped to a wrong size in release builds). Such a size is
    // no size at all: None, as for any other text the JVM refuses.
    digits
        .parse::<u128>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
}

/// Parses a size given on casstune's own command line (`--ram 64GiB`, `64G`, `65536M`).
pub fn parse_cli_size(s: &str) -> Result<u128, String> {
    if let Some(b) = parse_jvm_size(s) {
        return Ok(b);
    }
    let t = s.trim().trim_end_matches('B').trim_end_matches('i');
    parse_jvm_size(t).ok_or_else(|| format!("`{s}` is not a size (examples: 64GiB, 64G, 65536M)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_accepted_unit() {
        for (s, base) in [
            ("100MiB", 100u128 << 20),
            ("1GiB", 1 << 30),
            ("64KiB", 64 << 10),
            ("10B", 10),
        ] {
            assert_eq!(
                Quantity::parse(s, Dimension::Storage).unwrap().base(),
                base,
                "{s}"
            );
        }
        for (s, ns) in [
            ("10s", 10_000_000_000u128),
            ("5ms", 5_000_000),
            ("10us", 10_000),
            ("10µs", 10_000),
            ("3ns", 3),
            ("2m", 120_000_000_000),
            ("3h", 10_800_000_000_000),
            ("1d", 86_400_000_000_000),
        ] {
            assert_eq!(
                Quantity::parse(s, Dimension::Duration).unwrap().base(),
                ns,
                "{s}"
            );
        }
        assert_eq!(
            Quantity::parse("64MiB/s", Dimension::Rate).unwrap().base(),
            64 << 20
        );
    }

    #[test]
    fn rejects_what_cassandra_rejects() {
        for s in [
            "100MB", "100mib", "1.5GiB", "-1MiB", "100 MiB", "MiB", "", "100", "1TiB",
        ] {
            assert!(Quantity::parse(s, Dimension::Storage).is_err(), "{s}");
        }
        for s in ["10 s", "5sec", "10S", "1w", "10", "-5ms"] {
            assert!(Quantity::parse(s, Dimension::Duration).is_err(), "{s}");
        }
        assert!(Quantity::parse("64MiB", Dimension::Rate).is_err());
        assert!(Quantity::parse("8Mbit/s", Dimension::Rate).is_err());
    }

    #[test]
    fn error_names_value_and_units() {
        let e = Quantity::parse("100MB", Dimension::Storage).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`100MB` is not <integer><unit>; accepted units: B, KiB, MiB, GiB"
        );
    }

    #[test]
    fn minimum_unit_and_bound() {
        let e = Quantity::parse_bounded("10us", Dimension::Duration, Unit::Ms, None).unwrap_err();
        assert!(matches!(e, UnitError::BelowMinUnit { .. }));
        assert!(Quantity::parse_bounded("1d", Dimension::Duration, Unit::Ms, None).is_ok());
        let max = i32::MAX as u128;
        assert!(
            Quantity::parse_bounded("2048GiB", Dimension::Storage, Unit::MiB, Some(max)).is_ok()
        );
        assert!(matches!(
            Quantity::parse_bounded("2097152GiB", Dimension::Storage, Unit::MiB, Some(max)),
            Err(UnitError::TooLarge { .. })
        ));
        // rates have no minimum unit in Cassandra
        assert!(Quantity::parse_bounded("100B/s", Dimension::Rate, Unit::MiBPerS, None).is_ok());
    }

    #[test]
    fn conversions_are_exact() {
        let q = Quantity::new(1024, Unit::MiB);
        assert_eq!(
            q.to_unit_exact(Unit::GiB),
            Some(Quantity::new(1, Unit::GiB))
        );
        assert_eq!(
            Quantity::new(1000, Unit::MiB).to_unit_exact(Unit::GiB),
            None
        );
        assert_eq!(
            Quantity::new(3_600_000, Unit::Ms)
                .normalized(Unit::Ms)
                .to_string(),
            "1h"
        );
        assert_eq!(
            Quantity::new(10_000, Unit::Ms)
                .normalized(Unit::Ms)
                .to_string(),
            "10s"
        );
        assert_eq!(
            Quantity::new(10_000, Unit::Ms)
                .normalized(Unit::M)
                .to_string(),
            "10000ms"
        );
        // legacy megabits convert to bytes exactly
        assert_eq!(Quantity::new(200, Unit::MbitPerS).base(), 25_000_000);
        assert_eq!(
            Quantity::new(200, Unit::MbitPerS)
                .normalized(Unit::BPerS)
                .to_string(),
            "25000000B/s"
        );
        assert_eq!(
            Quantity::new(8, Unit::MbitPerS)
                .normalized(Unit::MbitPerS)
                .to_string(),
            "1000000B/s"
        );
        assert_eq!(Quantity::from_legacy(-1, Unit::MiB), None);
    }

    #[test]
    fn si_sizes_map_to_binary() {
        assert_eq!(si_to_binary("100MB").as_deref(), Some("100MiB"));
        assert_eq!(si_to_binary("8 gb").as_deref(), Some("8GiB"));
        assert_eq!(si_to_binary("1.5GB"), None);
        assert_eq!(si_to_binary("MB"), None);
        assert_eq!(si_to_binary("100MiB"), None);
    }

    #[test]
    fn jvm_and_cli_sizes() {
        assert_eq!(parse_jvm_size("8G"), Some(8 << 30));
        assert_eq!(parse_jvm_size("4096m"), Some(4096 << 20));
        assert_eq!(parse_jvm_size("512k"), Some(512 << 10));
        assert_eq!(parse_jvm_size("4GB"), None);
        assert_eq!(parse_cli_size("64GiB"), Ok(64 << 30));
        assert_eq!(parse_cli_size("64G"), Ok(64 << 30));
        assert!(parse_cli_size("lots").is_err());
        assert_eq!(human_bytes(31 << 30), "31 GiB");
        assert_eq!(human_bytes(1536 << 20), "1.5 GiB");
    }
}
