//! GitHub Actions workflow commands: one annotation per finding.

use super::Report;
use crate::engine::Severity;

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    for f in r.findings {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let Some(l) = &f.location {
            props.push(format!("file={}", prop(&l.file)));
            props.push(format!("line={}", l.line));
            if let Some(c) = l.column {
                props.push(format!("col={c}"));
            }
        }
        props.push(format!("title={}", prop(&format!("{} {}", f.rule, f.name))));
        let mut msg = f.message.clone();
        if let Some(fix) = f.fixes.first() {
            msg.push_str(&format!("\nfix: {}", fix.description()));
        }
        out.push_str(&format!("::{level} {}::{}\n", props.join(","), data(&msg)));
    }
    out
}

/// Escapes a message per the workflow-command rules.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (also `:` and `,`).
fn prop(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(super::prop("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
