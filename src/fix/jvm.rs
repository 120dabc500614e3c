//! Edits to jvm options files: an option is removed by commenting it out (the stock files'
//! own convention, so the history stays readable) and added on a line of its own.
//! A fix whose `add` equals its `remove` puts an option the launcher skips back into effect:
//! the indented lines holding it lose their indentation (`grep "^-"` then passes them).

use super::lines::{self, Breaks, Line};
use crate::engine::Fix;

/// Applies every `JvmOption` fix for one file to its text.
pub fn apply(text: &str, fixes: &[&Fix]) -> String {
    let mut lines = lines::split(text, Breaks::Newline);
    for fix in fixes {
        let Fix::JvmOption { add, remove, .. } = fix else {
            continue;
        };
        if add.is_some() && add == remove {
            let r = remove.as_deref().unwrap_or_default();
            for l in lines.iter_mut() {
                if !l.starts_with('-') && l.trim() == r {
                    l.text = r.to_string();
                }
            }
            continue;
        }
        let mut insert_at = None;
        if let Some(r) = remove {
            for (i, l) in lines.iter_mut().enumerate() {
                if l.trim() == r {
                    l.text = format!("#{}", l.trim());
                    insert_at = Some(i + 1);
                }
            }
        }
        if let Some(a) = add {
            if lines.iter().any(|l| l.trim() == a) {
                continue;
            }
            match insert_at {
                Some(i) => lines.insert(i, Line::new(a.clone())),
                None => lines.push(Line::new(a.clone())),
            }
        }
    }
    lines::join(&lines, text, Breaks::Newline)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Safety;

    #[test]
    fn replace_comments_out_and_adds_below() {
        let f = Fix::JvmOption {
            file: "j".into(),
            add: Some("-Xms4G".into()),
            remove: Some("-Xms2G".into()),
            line: Some(2),
            safety: Safety::Unsafe,
            description: String::new(),
        };
        assert_eq!(
            apply("# heap\n-Xms2G\n-Xmx4G\n", &[&f]),
            "# heap\n#-Xms2G\n-Xms4G\n-Xmx4G\n"
        );
    }

    #[test]
    fn same_add_and_remove_dedents() {
        let f = Fix::JvmOption {
            file: "j".into(),
            add: Some("-Xss256k".into()),
            remove: Some("-Xss256k".into()),
            line: Some(2),
            safety: Safety::Unsafe,
            description: String::new(),
        };
        assert_eq!(
            apply("-Xms4G\n  -Xss256k\n#  -Xss256k\n\t-Xss256k \n", &[&f]),
            "-Xms4G\n-Xss256k\n#  -Xss256k\n-Xss256k\n"
        );
    }
}
