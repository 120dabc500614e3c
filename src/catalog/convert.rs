//! How an old (pre-4.1) parameter name's bare value is read, per Cassandra's `Converters` enum
//! (`org.apache.cassandra.config.Converters`, CASSANDRA-15234).

use crate::model::units::Unit;

/// What the old name takes and how special values behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OldForm {
    /// The unit the bare number is in (None: no unit, the value passes through).
    pub unit: Option<Unit>,
    /// The Java type of the old value.
    pub number: OldNumber,
    /// What a negative number means.
    pub negative: Negative,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OldNumber {
    Int,
    Long,
    Double,
    /// `SECONDS_CUSTOM_DURATION`: a bare number of seconds or a duration string.
    SecondsOrDuration,
    /// `LONG_BYTES_DATASTORAGE_MEBIBYTES_DATASTORAGE`: the old name already took a MiB size.
    MebibytesSpec,
    /// `IDENTITY`: a plain rename, the value has the new parameter's type.
    Same,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Negative {
    /// Rejected at startup (the spec classes accept only non-negative values).
    Rejected,
    /// `-1` means "unset" (null); other negatives are rejected.
    MinusOneIsNull,
    /// Any negative means "unset".
    NegativeIsNull,
    /// Any negative is clamped to zero.
    ClampToZero,
    /// The value is not a quantity; negatives are whatever the type allows.
    NotApplicable,
}

/// Looks a converter up by its enum constant name. Unknown names (a newer release) read as
/// `IDENTITY`, which never reports a false unit error.
pub fn old_form(converter: &str) -> OldForm {
    use Negative::*;
    use OldNumber::*;
    let f = |unit, number, negative| OldForm {
        unit,
        number,
        negative,
    };
    match converter {
        "MILLIS_DURATION_LONG" => f(Some(Unit::Ms), Long, Rejected),
        "MILLIS_DURATION_INT" => f(Some(Unit::Ms), Int, Rejected),
        "MILLIS_DURATION_DOUBLE" => f(Some(Unit::Ms), Double, Rejected),
        "MILLIS_CUSTOM_DURATION" => f(Some(Unit::Ms), Int, MinusOneIsNull),
        "SECONDS_DURATION" => f(Some(Unit::S), Int, Rejected),
        "NEGATIVE_SECONDS_DURATION" => f(Some(Unit::S), Int, ClampToZero),
        "SECONDS_CUSTOM_DURATION" => f(Some(Unit::S), SecondsOrDuration, Rejected),
        "MINUTES_CUSTOM_DURATION" => f(Some(Unit::M), Int, MinusOneIsNull),
        "MEBIBYTES_DATA_STORAGE_LONG" => f(Some(Unit::MiB), Long, Rejected),
        "MEBIBYTES_DATA_STORAGE_INT" => f(Some(Unit::MiB), Int, Rejected),
        "NEGATIVE_MEBIBYTES_DATA_STORAGE_INT" => f(Some(Unit::MiB), Int, NegativeIsNull),
        "KIBIBYTES_DATASTORAGE" => f(Some(Unit::KiB), Int, Rejected),
        "BYTES_DATASTORAGE" => f(Some(Unit::B), Int, Rejected),
        "LONG_BYTES_DATASTORAGE_MEBIBYTES_INT" => f(Some(Unit::MiB), Int, Rejected),
        "LONG_BYTES_DATASTORAGE_MEBIBYTES_DATASTORAGE" => {
            f(Some(Unit::MiB), MebibytesSpec, Rejected)
        }
        "BYTES_CUSTOM_DATASTORAGE" => f(Some(Unit::B), Long, MinusOneIsNull),
        "MEBIBYTES_PER_SECOND_DATA_RATE" => f(Some(Unit::MiBPerS), Int, Rejected),
        "MEGABITS_TO_BYTES_PER_SECOND_DATA_RATE" => f(Some(Unit::MbitPerS), Int, Rejected),
        "INTEGER_PRIMITIVE_LONG"
        | "KEYSPACE_COUNT_THRESHOLD_TO_GUARDRAIL"
        | "TABLE_COUNT_THRESHOLD_TO_GUARDRAIL" => f(None, Int, NotApplicable),
        _ => f(None, Same, NotApplicable),
    }
}

/// The unit a pre-4.1 name implies by its suffix (`read_request_timeout_in_ms` → ms), for
/// the 3.11 and 4.0 catalogues where such names are the current ones.
pub fn unit_from_suffix(name: &str) -> Option<Unit> {
    const SUFFIXES: [(&str, Unit); 10] = [
        ("_megabits_per_sec", Unit::MbitPerS),
        ("_mb_per_sec", Unit::MiBPerS),
        ("_in_ms", Unit::Ms),
        ("_in_mb", Unit::MiB),
        ("_in_kb", Unit::KiB),
        ("_in_minutes", Unit::M),
        ("_in_seconds", Unit::S),
        ("_in_s", Unit::S),
        ("_threshold_mb", Unit::MiB),
        ("_size_mb", Unit::MiB),
    ];
    SUFFIXES
        .iter()
        .find(|(s, _)| name.ends_with(s))
        .map(|(_, u)| *u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converters_map_to_units() {
        assert_eq!(old_form("MILLIS_DURATION_LONG").unit, Some(Unit::Ms));
        assert_eq!(
            old_form("MEGABITS_TO_BYTES_PER_SECOND_DATA_RATE").unit,
            Some(Unit::MbitPerS)
        );
        assert_eq!(
            old_form("NEGATIVE_MEBIBYTES_DATA_STORAGE_INT").negative,
            Negative::NegativeIsNull
        );
        assert_eq!(old_form("IDENTITY").number, OldNumber::Same);
        assert_eq!(old_form("SOMETHING_NEW").number, OldNumber::Same);
    }

    #[test]
    fn suffixes() {
        assert_eq!(
            unit_from_suffix("read_request_timeout_in_ms"),
            Some(Unit::Ms)
        );
        assert_eq!(
            unit_from_suffix("compaction_throughput_mb_per_sec"),
            Some(Unit::MiBPerS)
        );
        assert_eq!(
            unit_from_suffix("stream_throughput_outbound_megabits_per_sec"),
            Some(Unit::MbitPerS)
        );
        assert_eq!(
            unit_from_suffix("prepared_statements_cache_size_mb"),
            Some(Unit::MiB)
        );
        assert_eq!(unit_from_suffix("num_tokens"), None);
    }
}
