//! `cassandra-env.sh`: the heap settings and JVM options a shell script sets.
//!
//! The file is a program, so this reads only what can be read without running it: literal
//! assignments of `MAX_HEAP_SIZE` / `HEAP_NEWSIZE` / `LOCAL_JMX`, and options appended with
//! `JVM_OPTS="$JVM_OPTS ..."`. Each carries whether it sits inside a function, `if` or `case`
//! (`conditional`), because such a line may never run; rules lower their confidence for those.

use super::jvm::JvmOption;

#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub value: String,
    pub line: usize,
    pub conditional: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnvSh {
    /// Literal `MAX_HEAP_SIZE=` assignments in file order (values using `$` are skipped).
    pub max_heap_size: Vec<Assignment>,
    pub heap_newsize: Vec<Assignment>,
    pub local_jmx: Vec<Assignment>,
    /// Options appended to JVM_OPTS, each with its line and whether it is conditional.
    pub jvm_opts: Vec<(JvmOption, bool)>,
}

impl EnvSh {
    /// The assignment that takes effect when the script runs top to bottom: the last
    /// unconditional one, else the last conditional one.
    pub fn effective(list: &[Assignment]) -> Option<&Assignment> {
        list.iter()
            .rev()
            .find(|a| !a.conditional)
            .or_else(|| list.last())
    }
}

pub fn parse(text: &str) -> EnvSh {
    let mut env = EnvSh::default();
    let mut depth: i32 = 0;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let opens = t.starts_with("if ")
            || t.starts_with("case ")
            || t.starts_with("for ")
            || t.starts_with("while ")
            || (t.ends_with('{') && !t.starts_with('}'));
        let closes = t == "fi"
            || t.starts_with("fi ")
            || t.starts_with("fi;")
            || t == "esac"
            || t == "done"
            || t.starts_with('}');
        if closes {
            depth = (depth - 1).max(0);
        }
        let conditional = depth > 0;
        let stmt = t.strip_prefix("export ").unwrap_or(t);
        for (var, list) in [
            ("MAX_HEAP_SIZE=", &mut env.max_heap_size),
            ("HEAP_NEWSIZE=", &mut env.heap_newsize),
            ("LOCAL_JMX=", &mut env.local_jmx),
        ] {
            if let Some(v) = stmt.strip_prefix(var) {
                let v = strip_comment(v);
                let v = v.trim_matches('"').trim_matches('\'');
                if !v.contains('$') && !v.contains('`') {
                    list.push(Assignment {
                        value: v.to_string(),
                        line: line_no,
                        conditional,
                    });
                }
            }
        }
        if let Some(rest) = stmt.strip_prefix("JVM_OPTS=\"$JVM_OPTS") {
            let body = strip_comment(rest).trim_end_matches('"');
            for tok in body.split_whitespace() {
                env.jvm_opts
                    .push((JvmOption::parse(tok, line_no), conditional));
            }
        }
        if opens && !t.contains(" fi") && !t.ends_with("; fi") && !t.ends_with("esac") {
            depth += 1;
        }
    }
    env
}

/// Drops a trailing ` # comment` outside quotes.
fn strip_comment(s: &str) -> &str {
    let mut in_quote = None;
    for (i, c) in s.char_indices() {
        match (c, in_quote) {
            ('"' | '\'', None) => in_quote = Some(c),
            (q, Some(open)) if q == open => in_quote = None,
            ('#', None) if i == 0 || s[..i].ends_with(char::is_whitespace) => {
                return s[..i].trim_end();
            }
            _ => {}
        }
    }
    s.trim_end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_heap_and_opts_with_conditions() {
        let env = parse(
            "calculate_heap_sizes()\n{\n    MAX_HEAP_SIZE=\"${x}M\"\n    MAX_HEAP_SIZE=\"64M\"\n}\n#MAX_HEAP_SIZE=\"4G\"\nHEAP_NEWSIZE=\"800M\" # young\nJVM_OPTS=\"$JVM_OPTS -Xloggc:/var/log/gc.log\"\nif [ \"$LOCAL_JMX\" = \"yes\" ]; then\n  JVM_OPTS=\"$JVM_OPTS -Dcom.sun.management.jmxremote.authenticate=false\"\nfi\nLOCAL_JMX=no\n",
        );
        assert_eq!(env.max_heap_size.len(), 1);
        assert_eq!(env.max_heap_size[0].value, "64M");
        assert!(env.max_heap_size[0].conditional);
        assert_eq!(env.heap_newsize[0].value, "800M");
        assert!(!env.heap_newsize[0].conditional);
        assert_eq!(env.jvm_opts.len(), 2);
        assert_eq!(env.jvm_opts[0].0.text, "-Xloggc:/var/log/gc.log");
        assert!(!env.jvm_opts[0].1);
        assert!(env.jvm_opts[1].1);
        assert_eq!(env.local_jmx[0].value, "no");
        assert!(!env.local_jmx[0].conditional);
        assert_eq!(EnvSh::effective(&env.max_heap_size).unwrap().line, 4);
    }
}
