//! A position-keeping YAML reader for cassandra.yaml.
//!
//! Built on saphyr-parser's event stream rather than a serde deserializer because lint needs
//! what deserializers throw away: the line of every key and value, keys given twice (SnakeYAML,
//! which Cassandra uses, lets the last one win), and the exact text of each scalar so a unit
//! error can quote it. Aliases are kept as references, never expanded, so an alias bomb costs
//! nothing.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// A position in a file: 1-based line, 1-based column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

impl Pos {
    fn of(span: &Span) -> Pos {
        Pos {
            line: span.start.line(),
            col: span.start.col() + 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar as written; `quoted` is true for any quoted or block style.
    Scalar {
        text: String,
        quoted: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<Entry>),
    /// `*name`: a reference to an anchored node, not expanded.
    Alias,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {col}: {message}")]
pub struct SyntaxError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl Node {
    /// The scalar text if this is an unquoted or quoted scalar.
    pub fn as_scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// True for an empty plain scalar, `~` or `null` (YAML 1.1 null, as SnakeYAML reads it).
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, quoted: false }
            if text.is_empty() || text == "~" || text.eq_ignore_ascii_case("null"))
    }

    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(e) => Some(e),
            _ => None,
        }
    }

    /// A short noun for error messages: "a list", "a mapping", "a scalar".
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Scalar { .. } if self.is_null() => "an empty value",
            Value::Scalar { .. } => "a scalar",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
            Value::Alias => "an alias",
        }
    }

    /// Looks a key up in a mapping node (last occurrence wins, as in SnakeYAML).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()?
            .iter()
            .rev()
            .find(|e| e.key == key)
            .map(|e| &e.value)
    }
}

/// Parses the first document of `text`. `Ok(None)` means the stream holds no document
/// (an empty or comment-only file).
pub fn parse(text: &str) -> Result<Option<Node>, SyntaxError> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut in_doc = false;
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| SyntaxError {
            line: e.marker().line(),
            col: e.marker().col() + 1,
            message: e.info().to_string(),
        })?;
        let pos = Pos::of(&span);
        let finished: Option<Node> = match event {
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                if root.is_some() {
                    // Cassandra reads a single document; later ones are ignored there too.
                    break;
                }
                in_doc = true;
                None
            }
            Event::DocumentEnd => {
                in_doc = false;
                None
            }
            Event::Scalar(text, style, _, _) => Some(Node {
                value: Value::Scalar {
                    text: text.into_owned(),
                    quoted: style != ScalarStyle::Plain,
                },
                pos,
            }),
            Event::Alias(_) => Some(Node {
                value: Value::Alias,
                pos,
            }),
            Event::SequenceStart(..) => {
                stack.push(Frame::Seq(pos, Vec::new()));
                None
            }
            Event::MappingStart(..) => {
                stack.push(Frame::Map(pos, Vec::new(), None));
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(p, items)) => Some(Node {
                    value: Value::Seq(items),
                    pos: p,
                }),
                _ => return Err(internal(pos)),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(p, entries, _)) => Some(Node {
                    value: Value::Map(entries),
                    pos: p,
                }),
                _ => return Err(internal(pos)),
            },
            _ => None,
        };
        let Some(node) = finished else { continue };
        match stack.last_mut() {
            None => {
                if in_doc || root.is_none() {
                    root = Some(node);
                }
            }
            Some(Frame::Seq(_, items)) => items.push(node),
            Some(Frame::Map(_, entries, pending)) => match pending.take() {
                None => {
                    let key = match &node.value {
                        Value::Scalar { text, .. } => text.clone(),
                        _ => {
                            return Err(SyntaxError {
                                line: node.pos.line,
                                col: node.pos.col,
                                message: format!(
                                    "a mapping key must be a plain name, found {}",
                                    node.kind_name()
                                ),
                            });
                        }
                    };
                    *pending = Some((key, node.pos));
                }
                Some((key, key_pos)) => entries.push(Entry {
                    key,
                    key_pos,
                    value: node,
                }),
            },
        }
    }
    Ok(root)
}

enum Frame {
    Seq(Pos, Vec<Node>),
    Map(Pos, Vec<Entry>, Option<(String, Pos)>),
}

fn internal(pos: Pos) -> SyntaxError {
    SyntaxError {
        line: pos.line,
        col: pos.col,
        message: "unbalanced YAML structure".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_lines_and_duplicates() {
        let doc = parse("# c\na: 1\nb:\n  - x\n  - y\na: 2\nc: {d: 'q'}\n")
            .unwrap()
            .unwrap();
        let e = doc.entries().unwrap();
        assert_eq!(e.len(), 4);
        assert_eq!((e[0].key.as_str(), e[0].key_pos.line), ("a", 2));
        assert_eq!(e[2].key, "a");
        assert_eq!(doc.get("a").unwrap().as_scalar(), Some("2"));
        assert!(matches!(e[1].value.value, Value::Seq(ref v) if v.len() == 2));
        let c = doc.get("c").unwrap().get("d").unwrap();
        assert_eq!(
            c.value,
            Value::Scalar {
                text: "q".into(),
                quoted: true
            }
        );
    }

    #[test]
    fn empty_and_comment_only_have_no_document() {
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("# only a comment\n\n").unwrap(), None);
    }

    #[test]
    fn nulls() {
        let doc = parse("a:\nb: ~\nc: null\nd: ''\n").unwrap().unwrap();
        assert!(doc.get("a").unwrap().is_null());
        assert!(doc.get("b").unwrap().is_null());
        assert!(doc.get("c").unwrap().is_null());
        assert!(!doc.get("d").unwrap().is_null());
    }

    #[test]
    fn syntax_error_has_position() {
        let e = parse("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(e.line >= 2, "{e}");
        let e = parse("a: 1\n  b: 2\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
    }

    #[test]
    fn aliases_are_not_expanded() {
        let doc = parse("a: &x [1, 2]\nb: *x\n").unwrap().unwrap();
        assert_eq!(doc.get("b").unwrap().value, Value::Alias);
    }
}
