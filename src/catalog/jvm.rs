//! What a JDK does with a `-XX` flag: accept it, ignore it with a warning, or refuse to start.
//!
//! JDK 17 is known exactly: `catalog/jdk17-flags.json` is the flag table printed by the
//! machine's OpenJDK 17 (`-XX:+PrintFlagsFinal` with diagnostic and experimental flags
//! unlocked) plus each legacy flag's verdict from actually running `java <flag> -version`.
//! For JDK 8 and 11 (Cassandra 3.11 and 4.x) only flags known to be removed are judged;
//! an unknown flag there is not reported, because no such table can be produced here.
//!
//! The table also gives each flag's type and allowed range (`-XX:+PrintFlagsRanges`), from
//! which [`flag_value_error`] replays JDK 17's own parsing of `-XX:` options
//! (`Arguments::parse_argument`/`set_numeric_flag` and the range check at set time), and
//! [`xlog_level_error`] its `-Xlog` level check. Every rule encoded here was checked against
//! the real `java … -version` (see the unit tests).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::parse::jvm::atojulong;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The JDK knows the flag.
    Accepted,
    /// The JDK knows it only behind -XX:+Unlock{Diagnostic,Experimental}VMOptions.
    NeedsUnlock(&'static str),
    /// The JDK starts but warns: the flag is deprecated or mapped to a replacement.
    Warned,
    /// The JDK refuses to start ("Unrecognized VM option").
    Refused,
    /// Not enough knowledge for this JDK.
    Unknown,
}

#[derive(Debug, Deserialize)]
struct FlagFile {
    jdk: String,
    flags: Vec<FlagEntry>,
    #[serde(default)]
    legacy: Vec<LegacyEntry>,
}

#[derive(Debug, Deserialize)]
struct FlagEntry {
    name: String,
    #[serde(rename = "type", default)]
    ty: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    min: Option<String>,
    #[serde(default)]
    max: Option<String>,
}

/// One flag of the JDK 17 table.
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    pub name: String,
    /// HotSpot type: bool, int, uint, intx, uintx, uint64_t, size_t, double, ccstr, ccstrlist.
    pub ty: String,
    /// product, diagnostic, experimental, manageable.
    pub category: String,
    /// The allowed range as printed by -XX:+PrintFlagsRanges, for flags that have one.
    pub range: Option<(String, String)>,
}

#[derive(Debug, Deserialize)]
struct LegacyEntry {
    name: String,
    /// The exact option that was run (`-XX:+UseBiasedLocking`).
    #[serde(default)]
    arg: String,
    jdk17: String,
    #[serde(default)]
    message: Option<String>,
}

struct Jdk17 {
    version: String,
    flags: HashMap<String, Flag>,
    /// Probe results by exact option text, and by flag name for options not probed verbatim.
    by_arg: HashMap<String, (String, String)>,
    by_name: HashMap<String, (String, String)>,
}

fn jdk17() -> &'static Jdk17 {
    static CELL: OnceLock<Jdk17> = OnceLock::new();
    CELL.get_or_init(|| {
        let f: FlagFile = serde_json::from_str(include_str!("../../catalog/jdk17-flags.json"))
            .unwrap_or_else(|e| panic!("embedded jdk17-flags.json is corrupt: {e}"));
        let mut by_arg = HashMap::new();
        let mut by_name = HashMap::new();
        for e in f.legacy {
            let v = (e.jdk17, e.message.unwrap_or_default());
            // Verdicts that depend on the probing machine's CPU count say nothing about the target.
            if v.1.contains("ParallelGCThreads (") {
                continue;
            }
            let base = e.name.split('=').next().unwrap_or(&e.name).to_string();
            // A name-level verdict only where it does not depend on the value or the sign.
            match by_name.get(&base) {
                Some((status, _)) if *status != v.0 => {
                    by_name.insert(base, ("mixed".to_string(), String::new()));
                }
                None => {
                    by_name.insert(base, v.clone());
                }
                _ => {}
            }
            by_arg.insert(e.arg, v);
        }
        Jdk17 {
            version: f.jdk,
            flags: f
                .flags
                .into_iter()
                .map(|e| {
                    let flag = Flag {
                        range: e.min.zip(e.max),
                        name: e.name,
                        ty: e.ty,
                        category: e.category,
                    };
                    (flag.name.clone(), flag)
                })
                .collect(),
            by_arg,
            by_name,
        }
    })
}

/// A flag of the JDK 17 table (None: JDK 17 does not know it).
pub fn jdk17_flag(name: &str) -> Option<&'static Flag> {
    jdk17().flags.get(name)
}

/// The exact JDK 17 build the table came from.
pub fn jdk17_version() -> &'static str {
    &jdk17().version
}

/// Flags removed by JEP 158/271 (unified logging) in JDK 9 and `UseParNewGC` (JDK 10):
/// JDK 11 refuses them with "Unrecognized VM option".
const REMOVED_BY_11: &[&str] = &[
    "PrintGCDateStamps",
    "PrintGCTimeStamps",
    "PrintHeapAtGC",
    "PrintTenuringDistribution",
    "PrintGCApplicationStoppedTime",
    "PrintGCApplicationConcurrentTime",
    "PrintPromotionFailure",
    "PrintAdaptiveSizePolicy",
    "UseGCLogFileRotation",
    "NumberOfGCLogFiles",
    "GCLogFileSize",
    "PrintFLSStatistics",
    "UseParNewGC",
];

/// The message JDK 17 printed for this exact option or flag when probed.
pub fn message(jdk: u32, option: &str, name: &str) -> Option<String> {
    if jdk != 17 {
        return None;
    }
    let t = jdk17();
    t.by_arg
        .get(option)
        .or_else(|| t.by_name.get(name))
        .map(|(_, m)| m.clone())
        .filter(|m| !m.is_empty())
}

/// What JDK `jdk` does with the option `option` (full text) whose flag name is `name`.
pub fn verdict(jdk: u32, option: &str, name: &str) -> Verdict {
    match jdk {
        17 => {
            let t = jdk17();
            let probed = t.by_arg.get(option).or_else(|| t.by_name.get(name));
            if let Some((status, _)) = probed {
                match status.as_str() {
                    "error" => return Verdict::Refused,
                    "ok_with_warning" => return Verdict::Warned,
                    "ok" => return Verdict::Accepted,
                    _ => {} // depends on the value: fall back to the flag table
                }
            }
            match t.flags.get(name).map(|f| f.category.as_str()) {
                None => Verdict::Refused,
                Some(c) if c.contains("diagnostic") => {
                    Verdict::NeedsUnlock("UnlockDiagnosticVMOptions")
                }
                Some(c) if c.contains("experimental") => {
                    Verdict::NeedsUnlock("UnlockExperimentalVMOptions")
                }
                Some(_) => Verdict::Accepted,
            }
        }
        11 if REMOVED_BY_11.contains(&name) => Verdict::Refused,
        _ => Verdict::Unknown,
    }
}

/// The collectors JDK 17 can select; selecting two refuses startup ("Multiple garbage
/// collectors selected", every pair checked with `java -XX:+A -XX:+B -version`).
pub const JDK17_COLLECTORS: &[&str] = &[
    "UseG1GC",
    "UseParallelGC",
    "UseSerialGC",
    "UseZGC",
    "UseShenandoahGC",
    "UseEpsilonGC",
];

/// The smallest Java thread stack JDK 17 on Linux x86_64 (4 KiB pages) starts with: below it,
/// java says "The Java thread stack size specified is too small. Specify at least 136k". -Xss is
/// rounded up to whole KiB first (-Xss138241 starts, -Xss138240 does not); 0 means the default.
pub const JDK17_MIN_STACK_KIB: u64 = 136;
/// The largest -Xss JDK 17 parses ("Invalid thread stack size: -Xss…" above 1 GiB).
pub const JDK17_MAX_STACK_BYTES: u64 = 1 << 30;

/// The unified-logging levels (`-Xlog:tag=level`); java compares them ignoring case.
pub const XLOG_LEVELS: &[&str] = &["off", "trace", "debug", "info", "warning", "error"];

/// A value as JDK 17 stores it in a flag of its type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FlagValue {
    Int(i128),
    Double(f64),
}

/// JDK 17's parse of `value` for a numeric flag of type `ty` (`Arguments::parse_argument`):
/// a value shaped like `digits.digits` goes to strtod and only suits a double flag; anything
/// else must be HotSpot's integer syntax ([`atojulong`]: decimal or 0x hex, one k/m/g/t
/// suffix, for every integer type and even for doubles), with a leading `-` only for the
/// signed types int and intx. The result is truncated to the flag's width the way JDK 17's
/// `set_numeric_flag` casts it (`-XX:ConcGCThreads=4294967297` is 1). None: java says
/// "Improperly specified VM option".
pub fn parse_flag_value(ty: &str, value: &str) -> Option<FlagValue> {
    // sscanf("%[-0123456789].%[0123456789eE+-]%c") == 3: the floating-point branch.
    if let Some((int, frac)) = value.split_once('.') {
        let fp_shape = !int.is_empty()
            && int.bytes().all(|b| b == b'-' || b.is_ascii_digit())
            && !frac.is_empty()
            && frac
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'e' | b'E' | b'+' | b'-'));
        if fp_shape {
            // strtod must read the whole value without ERANGE.
            let v: f64 = value.parse().ok()?;
            return (ty == "double" && v.is_finite()).then_some(FlagValue::Double(v));
        }
    }
    // sscanf("%[-kmgtxKMGTX0123456789abcdefABCDEF]%c") == 2
    if value.is_empty()
        || !value
            .bytes()
            .all(|b| b == b'-' || b.is_ascii_hexdigit() || b"kmgtxKMGTX".contains(&b))
    {
        return None;
    }
    let (neg, digits) = match value.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, value),
    };
    if neg && ty != "int" && ty != "intx" {
        return None;
    }
    let n = atojulong(digits)?;
    Some(match ty {
        "int" => {
            let v = n as i32;
            FlagValue::Int(if neg { v.wrapping_neg() } else { v }.into())
        }
        "intx" => {
            let v = n as i64;
            FlagValue::Int(if neg { v.wrapping_neg() } else { v }.into())
        }
        "uint" => FlagValue::Int((n as u32).into()),
        "uintx" | "uint64_t" | "size_t" => FlagValue::Int(n.into()),
        "double" => FlagValue::Double(n as f64),
        _ => return None,
    })
}

/// What JDK 17 prints when it refuses the `-XX:` option `option` (full text) for its sign,
/// its value or its range, for a flag it knows. None when the flag is unknown (that is
/// [`verdict`]'s business) or the option is fine.
pub fn flag_value_error(jdk: u32, option: &str) -> Option<String> {
    if jdk != 17 {
        return None;
    }
    let arg = option.strip_prefix("-XX:")?;
    // The message names the argument as written after the sign (`process_argument`'s argname).
    let (signed, argname) = match arg.strip_prefix(['+', '-']) {
        Some(rest) => (true, rest),
        None => (false, arg),
    };
    let (name, value) = match argname.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (argname, None),
    };
    let flag = jdk17_flag(name)?;
    let improper = || Some(format!("Improperly specified VM option '{argname}'"));
    match (signed, value, flag.ty.as_str()) {
        (true, None, "bool") => None,
        (true, Some(_), "bool") => improper(),
        (true, _, _) => Some(format!("Unexpected +/- setting in VM option '{argname}'")),
        (false, _, "bool") => Some(format!("Missing +/- setting for VM option '{argname}'")),
        (false, None, _) => improper(),
        (false, Some(_), "ccstr" | "ccstrlist") => None,
        (false, Some(v), ty) => {
            let Some(parsed) = parse_flag_value(ty, v) else {
                return improper();
            };
            range_error(flag, parsed)
        }
    }
}

/// "<type> <Name>=<value> is outside the allowed range [ min ... max ]", as java prints it.
fn range_error(flag: &Flag, v: FlagValue) -> Option<String> {
    let (min, max) = flag.range.as_ref()?;
    let (value, min, max) = match v {
        FlagValue::Int(v) => {
            let (lo, hi) = (min.parse::<i128>().ok()?, max.parse::<i128>().ok()?);
            if (lo..=hi).contains(&v) {
                return None;
            }
            (v.to_string(), lo.to_string(), hi.to_string())
        }
        FlagValue::Double(v) => {
            let (lo, hi) = (min.parse::<f64>().ok()?, max.parse::<f64>().ok()?);
            if v >= lo && v <= hi {
                return None;
            }
            (format!("{v:.6}"), format!("{lo:.6}"), format!("{hi:.6}"))
        }
    };
    Some(format!(
        "{} {}={value} is outside the allowed range [ {min} ... {max} ]",
        flag.ty, flag.name
    ))
}

/// The message JDK 17 logs for an `-Xlog` option whose selection names an unknown level
/// ("Invalid level 'loud' in log selection."). Tags are not checked.
pub fn xlog_level_error(jdk: u32, option: &str) -> Option<String> {
    if jdk != 17 {
        return None;
    }
    let spec = option.strip_prefix("-Xlog:")?;
    let selections = spec.split(':').next().unwrap_or("");
    if selections == "disable" || selections == "help" {
        return None;
    }
    selections
        .split(',')
        .filter_map(|sel| sel.split_once('=').map(|(_, level)| level))
        .find(|level| !XLOG_LEVELS.iter().any(|l| l.eq_ignore_ascii_case(level)))
        .map(|level| format!("Invalid level '{level}' in log selection."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jdk17_knows_its_flags() {
        assert_eq!(verdict(17, "-XX:+UseG1GC", "UseG1GC"), Verdict::Accepted);
        assert_eq!(verdict(17, "-XX:+UseTypoGC", "UseTypoGC"), Verdict::Refused);
        assert_eq!(
            verdict(17, "-XX:+PrintGCDateStamps", "PrintGCDateStamps"),
            Verdict::Refused
        );
        assert_eq!(
            verdict(17, "-XX:+UseConcMarkSweepGC", "UseConcMarkSweepGC"),
            Verdict::Refused
        );
        assert_eq!(
            verdict(17, "-XX:+UseBiasedLocking", "UseBiasedLocking"),
            Verdict::Warned
        );
        assert_eq!(
            verdict(17, "-XX:ThreadPriorityPolicy=42", "ThreadPriorityPolicy"),
            Verdict::Refused
        );
        assert_eq!(
            verdict(17, "-XX:ThreadPriorityPolicy=1", "ThreadPriorityPolicy"),
            Verdict::Accepted
        );
        assert_eq!(
            message(17, "-XX:+UseConcMarkSweepGC", "UseConcMarkSweepGC").as_deref(),
            Some("Unrecognized VM option 'UseConcMarkSweepGC'")
        );
        assert!(jdk17_version().starts_with("17"));
    }

    #[test]
    fn flags_carry_type_and_range() {
        let f = jdk17_flag("InitiatingHeapOccupancyPercent").unwrap();
        assert_eq!(f.ty, "uintx");
        assert_eq!(f.range, Some(("0".into(), "100".into())));
        assert_eq!(jdk17_flag("UseG1GC").unwrap().range, None);
        assert_eq!(jdk17_flag("MaxRAMPercentage").unwrap().ty, "double");
        assert!(jdk17_flag("UseConcMarkSweepGC").is_none());
    }

    /// Every case below was run as `java <option> -version` on OpenJDK 17.0.15 (x86_64);
    /// None = java started.
    #[test]
    fn flag_values_like_jdk17() {
        let cases: &[(&str, Option<&str>)] = &[
            ("-XX:G1HeapRegionSize=16m", None),
            ("-XX:G1HeapRegionSize=16M", None),
            ("-XX:G1HeapRegionSize=0x100000", None),
            ("-XX:G1HeapRegionSize=0x10k", None),
            ("-XX:G1HeapRegionSize=33554432", None),
            (
                "-XX:G1HeapRegionSize=16mb",
                Some("Improperly specified VM option 'G1HeapRegionSize=16mb'"),
            ),
            (
                "-XX:G1HeapRegionSize=1.5",
                Some("Improperly specified VM option 'G1HeapRegionSize=1.5'"),
            ),
            (
                "-XX:G1HeapRegionSize=",
                Some("Improperly specified VM option 'G1HeapRegionSize='"),
            ),
            (
                "-XX:G1HeapRegionSize=-1",
                Some("Improperly specified VM option 'G1HeapRegionSize=-1'"),
            ),
            (
                "-XX:G1HeapRegionSize=16e2",
                Some("Improperly specified VM option 'G1HeapRegionSize=16e2'"),
            ),
            (
                "-XX:G1HeapRegionSize=+16",
                Some("Improperly specified VM option 'G1HeapRegionSize=+16'"),
            ),
            (
                "-XX:G1HeapRegionSize=64m",
                Some(
                    "size_t G1HeapRegionSize=67108864 is outside the allowed range [ 0 ... 33554432 ]",
                ),
            ),
            (
                "-XX:G1HeapRegionSize=1T",
                Some(
                    "size_t G1HeapRegionSize=1099511627776 is outside the allowed range [ 0 ... 33554432 ]",
                ),
            ),
            // suffixes work for every integer flag, not only sizes
            ("-XX:MaxGCPauseMillis=1k", None),
            ("-XX:MaxGCPauseMillis=0x12C", None),
            ("-XX:MaxGCPauseMillis=18446744073709551614", None),
            (
                "-XX:MaxGCPauseMillis=0",
                Some(
                    "uintx MaxGCPauseMillis=0 is outside the allowed range [ 1 ... 18446744073709551614 ]",
                ),
            ),
            (
                "-XX:MaxGCPauseMillis=18446744073709551615",
                Some(
                    "uintx MaxGCPauseMillis=18446744073709551615 is outside the allowed range [ 1 ... 18446744073709551614 ]",
                ),
            ),
            (
                "-XX:MaxGCPauseMillis=18446744073709551616",
                Some("Improperly specified VM option 'MaxGCPauseMillis=18446744073709551616'"),
            ),
            (
                "-XX:MaxGCPauseMillis=300ms",
                Some("Improperly specified VM option 'MaxGCPauseMillis=300ms'"),
            ),
            (
                "-XX:MaxGCPauseMillis=1e3",
                Some("Improperly specified VM option 'MaxGCPauseMillis=1e3'"),
            ),
            (
                "-XX:MaxGCPauseMillis=-1",
                Some("Improperly specified VM option 'MaxGCPauseMillis=-1'"),
            ),
            (
                "-XX:MaxGCPauseMillis",
                Some("Improperly specified VM option 'MaxGCPauseMillis'"),
            ),
            (
                "-XX:+MaxGCPauseMillis",
                Some("Unexpected +/- setting in VM option 'MaxGCPauseMillis'"),
            ),
            (
                "-XX:-MaxGCPauseMillis",
                Some("Unexpected +/- setting in VM option 'MaxGCPauseMillis'"),
            ),
            (
                "-XX:InitiatingHeapOccupancyPercent=101",
                Some(
                    "uintx InitiatingHeapOccupancyPercent=101 is outside the allowed range [ 0 ... 100 ]",
                ),
            ),
            ("-XX:InitiatingHeapOccupancyPercent=100", None),
            (
                "-XX:ThreadPriorityPolicy=42",
                Some("intx ThreadPriorityPolicy=42 is outside the allowed range [ 0 ... 1 ]"),
            ),
            (
                "-XX:ThreadPriorityPolicy=1k",
                Some("intx ThreadPriorityPolicy=1024 is outside the allowed range [ 0 ... 1 ]"),
            ),
            ("-XX:ThreadPriorityPolicy=-0", None),
            ("-XX:MaxTenuringThreshold=16", None),
            ("-XX:StringTableSize=1000003", None),
            // 32-bit flags keep the low 32 bits, as JDK 17's set_numeric_flag casts
            ("-XX:ParGCArrayScanChunk=4294967297", None),
            (
                "-XX:ParGCArrayScanChunk=-5",
                Some("int ParGCArrayScanChunk=-5 is outside the allowed range [ 1 ... 715827882 ]"),
            ),
            (
                "-XX:ConcGCThreads=-1",
                Some("Improperly specified VM option 'ConcGCThreads=-1'"),
            ),
            (
                "-XX:ThreadStackSize=1048577",
                Some("intx ThreadStackSize=1048577 is outside the allowed range [ 0 ... 1048576 ]"),
            ),
            // bool
            ("-XX:+UseG1GC", None),
            ("-XX:-UseG1GC", None),
            (
                "-XX:UseG1GC=true",
                Some("Missing +/- setting for VM option 'UseG1GC=true'"),
            ),
            (
                "-XX:UseG1GC=1",
                Some("Missing +/- setting for VM option 'UseG1GC=1'"),
            ),
            (
                "-XX:UseG1GC",
                Some("Missing +/- setting for VM option 'UseG1GC'"),
            ),
            (
                "-XX:+UseG1GC=true",
                Some("Improperly specified VM option 'UseG1GC=true'"),
            ),
            // strings
            ("-XX:OnError=", None),
            ("-XX:OnError=foo bar", None),
            (
                "-XX:+OnError",
                Some("Unexpected +/- setting in VM option 'OnError'"),
            ),
            (
                "-XX:OnError",
                Some("Improperly specified VM option 'OnError'"),
            ),
            // double
            ("-XX:MaxRAMPercentage=50", None),
            ("-XX:MaxRAMPercentage=50.5", None),
            ("-XX:MaxRAMPercentage=1.0e1", None),
            ("-XX:MaxRAMPercentage=1.5e+1", None),
            ("-XX:MaxRAMPercentage=0x10", None),
            (
                "-XX:MaxRAMPercentage=-5",
                Some("Improperly specified VM option 'MaxRAMPercentage=-5'"),
            ),
            (
                "-XX:MaxRAMPercentage=1e1",
                Some("Improperly specified VM option 'MaxRAMPercentage=1e1'"),
            ),
            (
                "-XX:MaxRAMPercentage=.5",
                Some("Improperly specified VM option 'MaxRAMPercentage=.5'"),
            ),
            (
                "-XX:MaxRAMPercentage=5.",
                Some("Improperly specified VM option 'MaxRAMPercentage=5.'"),
            ),
            (
                "-XX:MaxRAMPercentage=5.5.5",
                Some("Improperly specified VM option 'MaxRAMPercentage=5.5.5'"),
            ),
            (
                "-XX:MaxRAMPercentage=+5.0",
                Some("Improperly specified VM option 'MaxRAMPercentage=+5.0'"),
            ),
            (
                "-XX:MaxRAMPercentage=-5.0",
                Some(
                    "double MaxRAMPercentage=-5.000000 is outside the allowed range [ 0.000000 ... 100.000000 ]",
                ),
            ),
            (
                "-XX:MaxRAMPercentage=101",
                Some(
                    "double MaxRAMPercentage=101.000000 is outside the allowed range [ 0.000000 ... 100.000000 ]",
                ),
            ),
            (
                "-XX:MaxRAMPercentage=1k",
                Some(
                    "double MaxRAMPercentage=1024.000000 is outside the allowed range [ 0.000000 ... 100.000000 ]",
                ),
            ),
            // unknown flags are verdict()'s business
            ("-XX:+UseTypoGC", None),
        ];
        for (option, want) in cases {
            assert_eq!(flag_value_error(17, option).as_deref(), *want, "{option}");
        }
        assert_eq!(flag_value_error(11, "-XX:MaxGCPauseMillis=0"), None);
    }

    #[test]
    fn xlog_levels_like_jdk17() {
        for ok in [
            "-Xlog:gc=info",
            "-Xlog:gc=Info",
            "-Xlog:gc=WARNING",
            "-Xlog:gc=off",
            "-Xlog:gc*",
            "-Xlog:disable",
            "-Xlog",
            "-Xlog:",
            "-Xlog:gc=info,safepoint=info:file=gc.log:time,uptime,pid,tid,level:filecount=10,filesize=10485760",
        ] {
            assert_eq!(xlog_level_error(17, ok), None, "{ok}");
        }
        for (bad, level) in [
            ("-Xlog:gc=loud", "loud"),
            ("-Xlog:gc=warn", "warn"),
            ("-Xlog:gc=all", "all"),
            ("-Xlog:gc=", ""),
            ("-Xlog:gc*=loud:file=x.log", "loud"),
            ("-Xlog:gc=info,safepoint=loud", "loud"),
        ] {
            assert_eq!(
                xlog_level_error(17, bad),
                Some(format!("Invalid level '{level}' in log selection.")),
                "{bad}"
            );
        }
        assert_eq!(xlog_level_error(11, "-Xlog:gc=loud"), None);
    }

    #[test]
    fn jdk11_refuses_unified_logging_removals() {
        assert_eq!(
            verdict(11, "-XX:+PrintGCDateStamps", "PrintGCDateStamps"),
            Verdict::Refused
        );
        assert_eq!(
            verdict(11, "-XX:+UseConcMarkSweepGC", "UseConcMarkSweepGC"),
            Verdict::Unknown
        );
        assert_eq!(
            verdict(8, "-XX:+PrintGCDateStamps", "PrintGCDateStamps"),
            Verdict::Unknown
        );
    }
}
