//! A file as the line editors see it: lines that remember the break that ended them, so an
//! edit changes only the lines it edits. A file written on Windows keeps its CRLF, and a file
//! that mixes breaks (a few lines touched by another editor) keeps each line's own.

use std::ops::Deref;

/// Which characters end a line, as the program that reads the file splits it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Breaks {
    /// `\n`, `\r\n` and a lone `\r`: YAML's line breaks (SnakeYAML and saphyr both split
    /// there), so a key after a lone `\r` is a line of its own to the editor too.
    Yaml,
    /// `\n` (with a `\r` before it kept as part of the break): jvm options files are read by
    /// the launcher's `grep`, for which a lone `\r` is just a character.
    Newline,
}

/// One line's text, without its break.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    /// The break after this line in the file; `None` for a line an edit wrote, or a last line
    /// that ended the file without one.
    end: Option<&'static str>,
}

impl Line {
    /// A line an edit writes: it gets the break most of the file's lines use.
    pub fn new(text: String) -> Self {
        Line { text, end: None }
    }

    /// `text` in this line's place, ending the way this line did.
    pub fn replaced(&self, text: String) -> Self {
        Line {
            text,
            end: self.end,
        }
    }
}

/// The editors compare and search line text, which is what a `Line` stands for.
impl Deref for Line {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

/// `text` split into lines at `breaks` (a final break starts no empty line, as `str::lines`).
pub fn split(text: &str, breaks: Breaks) -> Vec<Line> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    loop {
        let found = match breaks {
            Breaks::Yaml => memchr::memchr2(b'\n', b'\r', &bytes[start..]),
            Breaks::Newline => memchr::memchr(b'\n', &bytes[start..]),
        };
        let Some(off) = found else { break };
        let at = start + off;
        let (text_end, end, next) = if bytes[at] == b'\r' {
            if bytes.get(at + 1) == Some(&b'\n') {
                (at, "\r\n", at + 2)
            } else {
                (at, "\r", at + 1)
            }
        } else if at > start && bytes[at - 1] == b'\r' {
            (at - 1, "\r\n", at + 1)
        } else {
            (at, "\n", at + 1)
        };
        lines.push(Line {
            text: text[start..text_end].to_string(),
            end: Some(end),
        });
        start = next;
    }
    if start < text.len() {
        lines.push(Line {
            text: text[start..].to_string(),
            end: None,
        });
    }
    lines
}

/// The edited lines of `original` (split at `breaks`) as a file: each line keeps its own
/// break, a written line gets the break most of the file uses, and the file ends with a break
/// only if it did (or was empty).
pub fn join(lines: &[Line], original: &str, breaks: Breaks) -> String {
    let written = usual_break(original, breaks);
    let ends_with_break = original.is_empty()
        || original.ends_with('\n')
        || (breaks == Breaks::Yaml && original.ends_with('\r'));
    let mut out = String::with_capacity(original.len() + 64);
    for (i, line) in lines.iter().enumerate() {
        out.push_str(&line.text);
        if i + 1 < lines.len() || ends_with_break {
            out.push_str(line.end.unwrap_or(written));
        }
    }
    out
}

/// The break most of `text`'s lines end with (`\n` on a tie or when there is none).
fn usual_break(text: &str, breaks: Breaks) -> &'static str {
    let bytes = text.as_bytes();
    let crlf = memchr::memmem::find_iter(bytes, b"\r\n").count();
    let lf = memchr::memchr_iter(b'\n', bytes).count() - crlf;
    let cr = match breaks {
        Breaks::Yaml => memchr::memchr_iter(b'\r', bytes).count() - crlf,
        Breaks::Newline => 0,
    };
    if crlf > lf && crlf >= cr {
        "\r\n"
    } else if cr > lf && cr > crlf {
        "\r"
    } else {
        "\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[Line]) -> Vec<&str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn splits_where_the_reader_does() {
        let text = "a: 1\rb: 2\r\nc: 3\n\nd";
        assert_eq!(
            texts(&split(text, Breaks::Yaml)),
            ["a: 1", "b: 2", "c: 3", "", "d"]
        );
        assert_eq!(
            texts(&split(text, Breaks::Newline)),
            ["a: 1\rb: 2", "c: 3", "", "d"]
        );
        assert!(split("", Breaks::Yaml).is_empty());
        assert_eq!(texts(&split("\r\n", Breaks::Newline)), [""]);
        assert_eq!(texts(&split("x\r", Breaks::Newline)), ["x\r"]);
    }

    /// Unedited lines give the original text back, byte for byte, whatever its breaks.
    #[test]
    fn unedited_lines_join_to_the_original() {
        let mut next = super::super::test_rng(0x9e37_79b9_7f4a_7c15);
        let pieces = ["a", "b: 1", "\n", "\r", "\r\n", " ", "#"];
        for _ in 0..5000 {
            let text: String = (0..next(12)).map(|_| pieces[next(pieces.len())]).collect();
            for breaks in [Breaks::Yaml, Breaks::Newline] {
                assert_eq!(join(&split(&text, breaks), &text, breaks), text, "{text:?}");
            }
        }
    }

    #[test]
    fn edits_keep_each_lines_break_and_write_the_usual_one() {
        let text = "a: 1\nb: 2\r\nc: 3\n";
        let mut lines = split(text, Breaks::Yaml);
        lines[2] = lines[2].replaced("c: 4".into());
        lines.push(Line::new("d: 5".into()));
        assert_eq!(
            join(&lines, text, Breaks::Yaml),
            "a: 1\nb: 2\r\nc: 4\nd: 5\n"
        );

        let mac = "a: 1\rb: 2\r";
        let mut lines = split(mac, Breaks::Yaml);
        lines[0] = lines[0].replaced("a: 3".into());
        lines.push(Line::new("e: 6".into()));
        assert_eq!(join(&lines, mac, Breaks::Yaml), "a: 3\rb: 2\re: 6\r");

        // No final break stays so; the old last line gets one when a line follows it.
        let open = "x\r\ny";
        let mut lines = split(open, Breaks::Newline);
        lines.push(Line::new("z".into()));
        assert_eq!(join(&lines, open, Breaks::Newline), "x\r\ny\r\nz");
        assert_eq!(join(&[Line::new("z".into())], "", Breaks::Yaml), "z\n");
        // To grep a lone `\r` is no break, so a written option never gets one.
        let one = "-Xms4G\r-Xss256k\r";
        let mut lines = split(one, Breaks::Newline);
        lines.push(Line::new("-Xmx4G".into()));
        assert_eq!(
            join(&lines, one, Breaks::Newline),
            "-Xms4G\r-Xss256k\r\n-Xmx4G"
        );
    }
}
