//! What a JDK does with a `-XX` flag: accept it, ignore it with a warning, or refuse to start.
//!
//! JDK 17 is known exactly: `catalog/jdk17-flags.json` is the flag table printed by the
//! machine's OpenJDK 17 (`-XX:+PrintFlagsFinal` with diagnostic and experimental flags
//! unlocked) plus each legacy flag's verdict from actually running `java <flag> -version`.
//! For JDK 8 and 11 (Cassandra 3.11 and 4.x) only flags known to be removed are judged;
//! an unknown flag there is not reported, because no such table can be produced here.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

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
    #[serde(default)]
    category: String,
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
    categories: HashMap<String, String>,
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
            categories: f.flags.into_iter().map(|e| (e.name, e.category)).collect(),
            by_arg,
            by_name,
        }
    })
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
            match t.categories.get(name).map(String::as_str) {
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
