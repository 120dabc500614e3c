//! JVM option files (`jvm.options`, `jvm*-server.options`) and the option syntax itself.
//!
//! Cassandra's launcher passes every non-comment line to `java` verbatim, so a line is an
//! option (or an option and its argument, as in `--add-exports a/b=ALL-UNNAMED`).

use crate::model::units::parse_jvm_size;

/// One JVM option as written, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct JvmOption {
    /// The option text, trimmed (`-XX:+UseG1GC`).
    pub text: String,
    pub line: usize,
    pub kind: OptionKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OptionKind {
    /// `-Xms`, `-Xmx`, `-Xmn`, `-Xss` with the size in bytes (None when unparsable).
    Size { flag: SizeFlag, bytes: Option<u128> },
    /// `-XX:+Name` / `-XX:-Name`.
    BoolFlag { name: String, on: bool },
    /// `-XX:Name=value`.
    ValueFlag { name: String, value: String },
    /// `-Dkey=value` (value may be empty).
    Property { key: String, value: String },
    /// Anything else (`-ea`, `--add-opens ...`, `-javaagent:...`, `-Xloggc:...`).
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeFlag {
    Xms,
    Xmx,
    Xmn,
    Xss,
}

impl SizeFlag {
    pub fn as_str(self) -> &'static str {
        match self {
            SizeFlag::Xms => "-Xms",
            SizeFlag::Xmx => "-Xmx",
            SizeFlag::Xmn => "-Xmn",
            SizeFlag::Xss => "-Xss",
        }
    }
}

impl JvmOption {
    /// Classifies one option token.
    pub fn parse(text: &str, line: usize) -> JvmOption {
        let text = text.trim().to_string();
        // `-Xmx${MAX_HEAP_SIZE}` in cassandra-env.sh: the value is only known at run time.
        let kind = if text.contains('$') || text.contains('`') {
            OptionKind::Other
        } else {
            classify(&text)
        };
        JvmOption { text, line, kind }
    }

    /// The `-XX` flag name, if this is one.
    pub fn xx_name(&self) -> Option<&str> {
        match &self.kind {
            OptionKind::BoolFlag { name, .. } | OptionKind::ValueFlag { name, .. } => Some(name),
            _ => None,
        }
    }
}

fn classify(t: &str) -> OptionKind {
    for (prefix, flag) in [
        ("-Xms", SizeFlag::Xms),
        ("-Xmx", SizeFlag::Xmx),
        ("-Xmn", SizeFlag::Xmn),
        ("-Xss", SizeFlag::Xss),
    ] {
        if let Some(rest) = t.strip_prefix(prefix) {
            return OptionKind::Size {
                flag,
                bytes: parse_jvm_size(rest),
            };
        }
    }
    if let Some(rest) = t.strip_prefix("-XX:") {
        if let Some(name) = rest.strip_prefix('+') {
            return OptionKind::BoolFlag {
                name: name.to_string(),
                on: true,
            };
        }
        if let Some(name) = rest.strip_prefix('-') {
            return OptionKind::BoolFlag {
                name: name.to_string(),
                on: false,
            };
        }
        if let Some((name, value)) = rest.split_once('=') {
            return OptionKind::ValueFlag {
                name: name.to_string(),
                value: value.to_string(),
            };
        }
        // `-XX:Name` with neither sign nor value: java refuses it; keep the name for the rule.
        return OptionKind::ValueFlag {
            name: rest.to_string(),
            value: String::new(),
        };
    }
    if let Some(rest) = t.strip_prefix("-D") {
        let (k, v) = rest.split_once('=').unwrap_or((rest, ""));
        return OptionKind::Property {
            key: k.to_string(),
            value: v.to_string(),
        };
    }
    OptionKind::Other
}

/// Parses a jvm options file: one option per line, `#` starts a comment line.
pub fn parse_options_file(text: &str) -> Vec<JvmOption> {
    text.lines()
        .enumerate()
        .filter_map(|(i, raw)| {
            let t = raw.trim();
            (!t.is_empty() && !t.starts_with('#')).then(|| JvmOption::parse(t, i + 1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_options() {
        let opts = parse_options_file(
            "# heap\n-Xms4G\n-Xmx4G\n\n-XX:+UseG1GC\n-XX:-UseBiasedLocking\n-XX:MaxGCPauseMillis=300\n-Dfoo=bar\n--add-opens java.base/java.io=ALL-UNNAMED\n  -ea  \n",
        );
        assert_eq!(opts.len(), 8);
        assert_eq!(
            opts[0].kind,
            OptionKind::Size {
                flag: SizeFlag::Xms,
                bytes: Some(4 << 30)
            }
        );
        assert_eq!(opts[0].line, 2);
        assert_eq!(
            opts[3].kind,
            OptionKind::BoolFlag {
                name: "UseBiasedLocking".into(),
                on: false
            }
        );
        assert_eq!(opts[4].xx_name(), Some("MaxGCPauseMillis"));
        assert_eq!(
            opts[5].kind,
            OptionKind::Property {
                key: "foo".into(),
                value: "bar".into()
            }
        );
        assert_eq!(opts[6].kind, OptionKind::Other);
        assert_eq!(opts[7].text, "-ea");
    }

    #[test]
    fn shell_variables_are_not_judged() {
        assert_eq!(
            JvmOption::parse("-Xmx${MAX_HEAP_SIZE}", 1).kind,
            OptionKind::Other
        );
    }

    #[test]
    fn bad_size_is_kept_unparsed() {
        let o = JvmOption::parse("-Xmx4GB", 1);
        assert_eq!(
            o.kind,
            OptionKind::Size {
                flag: SizeFlag::Xmx,
                bytes: None
            }
        );
    }
}
