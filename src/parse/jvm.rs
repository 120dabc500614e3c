//! JVM option files (`jvm.options`, `jvm*-server.options`) and the option syntax itself.
//!
//! Cassandra's launcher passes every line that starts with `-` to `java`
//! (`for opt in $(grep "^-" FILE)` in cassandra.in.sh, cassandra-env.sh before 4.0), so such a
//! line is an option (or an option and its argument, as in `--add-exports a/b=ALL-UNNAMED`).
//! Comments, blank lines and indented lines never reach the JVM.

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
                bytes: atojulong(rest).map(u128::from),
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

/// HotSpot's number syntax for sizes and integer flags (`Arguments::atojulong`, the same in
/// JDK 8 to 17): decimal digits, or `0x`/`0X` and hex digits, then at most one of the suffixes
/// k, m, g, t (either case; x1024^n). No sign, no space, no `b`; None on overflow of 64 bits.
pub fn atojulong(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if !b.first()?.is_ascii_digit() {
        return None;
    }
    // strtoull(…, 16) takes `0x` only when a hex digit follows; otherwise it reads the `0`.
    let (digits, radix) =
        if b.len() > 2 && b[0] == b'0' && matches!(b[1], b'x' | b'X') && b[2].is_ascii_hexdigit() {
            (&s[2..], 16)
        } else {
            (s, 10)
        };
    let end = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len());
    let n = u64::from_str_radix(&digits[..end], radix).ok()?;
    let mul: u64 = match &digits[end..] {
        "" => 1,
        "k" | "K" => 1 << 10,
        "m" | "M" => 1 << 20,
        "g" | "G" => 1 << 30,
        "t" | "T" => 1 << 40,
        _ => return None,
    };
    n.checked_mul(mul)
}

/// Does the launcher pass this line to java? Only lines whose first character is `-`.
fn passed(raw: &str) -> bool {
    raw.starts_with('-')
}

/// Parses a jvm options file: the lines Cassandra's launcher passes to java, one option each.
pub fn parse_options_file(text: &str) -> Vec<JvmOption> {
    text.lines()
        .enumerate()
        .filter(|(_, raw)| passed(raw))
        .map(|(i, raw)| JvmOption::parse(raw, i + 1))
        .collect()
}

/// A line of an options file that is neither blank nor a comment but that the launcher does
/// not pass to java, because it does not start with `-` (usually: it is indented).
#[derive(Debug, Clone, PartialEq)]
pub struct IgnoredLine {
    pub line: usize,
    /// The line without surrounding whitespace.
    pub text: String,
    /// Removing the leading whitespace would make the launcher pass it (`text` starts with `-`).
    pub indented_option: bool,
}

/// The lines of an options file that look meant for java but never reach it.
pub fn ignored_lines(text: &str) -> Vec<IgnoredLine> {
    text.lines()
        .enumerate()
        .filter_map(|(i, raw)| {
            let t = raw.trim();
            (!t.is_empty() && !t.starts_with('#') && !passed(raw)).then(|| IgnoredLine {
                line: i + 1,
                text: t.to_string(),
                indented_option: t.starts_with('-'),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_options() {
        let opts = parse_options_file(
            "# heap\n-Xms4G\n-Xmx4G\n\n-XX:+UseG1GC\n-XX:-UseBiasedLocking\n-XX:MaxGCPauseMillis=300\n-Dfoo=bar\n--add-opens java.base/java.io=ALL-UNNAMED\n-ea  \n",
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
    fn only_lines_starting_with_a_dash_reach_java() {
        let text =
            "-Xms4G\n  -XX:+NoSuchFlag\n\t-Xmx4G\n  # indented comment\n\nXX:+UseG1GC\n-ea\n";
        let opts = parse_options_file(text);
        let texts: Vec<&str> = opts.iter().map(|o| o.text.as_str()).collect();
        assert_eq!(texts, ["-Xms4G", "-ea"]);
        assert_eq!(opts[1].line, 7);
        assert_eq!(
            ignored_lines(text),
            [
                IgnoredLine {
                    line: 2,
                    text: "-XX:+NoSuchFlag".into(),
                    indented_option: true
                },
                IgnoredLine {
                    line: 3,
                    text: "-Xmx4G".into(),
                    indented_option: true
                },
                IgnoredLine {
                    line: 6,
                    text: "XX:+UseG1GC".into(),
                    indented_option: false
                },
            ]
        );
    }

    #[test]
    fn hotspot_numbers() {
        // each verified with `java -XX:G1HeapRegionSize=<v> -version` / `java -Xss<v> -version` on JDK 17
        assert_eq!(atojulong("16m"), Some(16 << 20));
        assert_eq!(atojulong("16M"), Some(16 << 20));
        assert_eq!(atojulong("1k"), Some(1024));
        assert_eq!(atojulong("1T"), Some(1 << 40));
        assert_eq!(atojulong("0x100000"), Some(1 << 20));
        assert_eq!(atojulong("0X10k"), Some(16 << 10));
        assert_eq!(atojulong("18446744073709551615"), Some(u64::MAX));
        for bad in [
            "16mb",
            "1.5",
            "",
            "-1",
            "+16",
            " 16m",
            "16m2",
            "16e2",
            "300ms",
            "0x",
            "18446744073709551616",
            "16777216t",
        ] {
            assert_eq!(atojulong(bad), None, "{bad}");
        }
    }

    #[test]
    fn sizes_use_the_jdk_syntax() {
        assert_eq!(
            JvmOption::parse("-Xss0x40000", 1).kind,
            OptionKind::Size {
                flag: SizeFlag::Xss,
                bytes: Some(256 << 10)
            }
        );
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
