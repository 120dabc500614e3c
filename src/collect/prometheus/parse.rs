//! A small, zero-copy parser for the Prometheus text exposition format 0.0.4.
//!
//! Why hand-written: prometheus-parse (~22 MB/s) mangles label values that contain `,`, `=`,
//! `}` or escapes and drops bad lines without a word; promtool reads ~14 MB/s. This parser
//! borrows names and label values from the input (a label value is copied only when it has
//! an escape to decode) and reports every line it cannot take.
//!
//! Semantics follow the Go reference parser (`prometheus/common/expfmt`, what `promtool check
//! metrics` uses) wherever the format text is silent:
//! - whitespace is space or tab; leading, trailing and repeated whitespace between tokens is
//!   accepted; a blank line is skipped; `\r` is not whitespace;
//! - `# HELP` / `# TYPE` are keywords only in upper case; any other `#` line is a comment, and
//!   so is a bare `# HELP` with no metric name;
//! - a metric type is matched case-insensitively; label sets may end with a trailing comma;
//! - values are Go `ParseFloat` numbers (`NaN`, `+Inf`, `-Inf`, `1.5e-3`, …) and timestamps are
//!   integers (milliseconds since the epoch);
//! - a sample belongs to the family of its exact name if there is one; otherwise `x_bucket`,
//!   `x_sum`, `x_count` belong to histogram `x` and `x_sum`, `x_count` to summary `x`; anything
//!   else starts an untyped family of its own. So a gauge declared as `foo_count` stays its own
//!   family even next to a summary `foo`.
//!
//! Errors never vanish. Each one carries its 1-based line and byte column and what was expected.
//! A line with a syntax error is skipped and parsing goes on with the next line. Other
//! problems are reported while the data is kept as described on [`ErrorKind`].
//!
//! Decisions where the format leaves room:
//! - **duplicate series** (same metric name and same label set, in any label order, timestamps
//!   ignored): the first sample is kept, each later one is reported and dropped, the way a
//!   Prometheus server rejects a second sample for the same series and timestamp. Exporters
//!   emit these when two MBeans map to one name, which is worth knowing.
//! - samples of one family need not be contiguous (0.0.4 asks for it but no reader enforces it).
//! - a last line without a final newline is accepted when it is complete; when it does not parse
//!   it is reported as [`ErrorKind::Truncated`]. [`Exposition::trailing_newline`] tells the
//!   caller, because a number cut short (`12` of `123`) cannot be detected.
//! - at most [`MAX_ERRORS`] errors are kept in full; the rest are counted in
//!   [`Exposition::errors_omitted`], so garbage input cannot blow up memory.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

use smallvec::SmallVec;

/// How many errors are kept with their message; further ones are only counted.
pub const MAX_ERRORS: usize = 1000;

/// The `# TYPE` of a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
    Summary,
    Untyped,
}

impl MetricType {
    fn from_keyword(s: &str) -> Option<Self> {
        const ALL: [(&str, MetricType); 5] = [
            ("counter", MetricType::Counter),
            ("gauge", MetricType::Gauge),
            ("histogram", MetricType::Histogram),
            ("summary", MetricType::Summary),
            ("untyped", MetricType::Untyped),
        ];
        ALL.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(s))
            .map(|&(_, t)| t)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
            MetricType::Summary => "summary",
            MetricType::Untyped => "untyped",
        }
    }
}

/// One `name="value"` pair, in the order the line wrote it. The value is decoded
/// (`\"`, `\\`, `\n`); it borrows from the input unless it had an escape.
#[derive(Debug, Clone, PartialEq)]
pub struct Label<'a> {
    pub name: &'a str,
    pub value: Cow<'a, str>,
}

/// A label as written: its value is not decoded (see [`Cursor::quoted_raw`]).
#[derive(Debug, Clone, Copy, PartialEq)]
struct RawLabel<'a> {
    name: &'a str,
    raw: &'a str,
}

/// The labels of the line being read: up to three live inline (Cassandra exporters write at
/// most three on most lines: `keyspace`, `table`, `quantile`), so reading a line allocates
/// nothing. They serve the checks made while parsing (duplicate labels, duplicate series,
/// family shape) and are not kept: see [`Sample::labels`].
type Labels<'a> = SmallVec<[RawLabel<'a>; 3]>;

/// One sample line.
#[derive(Debug, Clone)]
pub struct Sample<'a> {
    /// The name as written, e.g. `jvm_gc_collection_seconds_sum` inside family
    /// `jvm_gc_collection_seconds`.
    pub name: &'a str,
    /// The text between the braces, checked by the parser and decoded on demand by
    /// [`Sample::labels`]. Kept as text because the decoded labels made a sample 184 bytes
    /// instead of 64, and writing them into the family was a fifth of reading a scrape, for
    /// samples that no rule reads.
    labels_text: &'a str,
    pub value: f64,
    /// Milliseconds since the epoch, when the line had a timestamp.
    pub timestamp_ms: Option<i64>,
    /// 1-based line number in the input, for evidence in findings.
    pub line: usize,
}

impl<'a> Sample<'a> {
    /// The labels in the order written (not sorted: the order is what the exporter sent),
    /// values decoded (`\"`, `\\`, `\n`; borrowed unless they had an escape).
    pub fn labels(&self) -> impl Iterator<Item = Label<'a>> + use<'a> {
        self.raw_labels().map(|l| Label {
            name: l.name,
            value: unescape_label(l.raw),
        })
    }

    /// The decoded value of label `name`, if present.
    pub fn label(&self, name: &str) -> Option<Cow<'a, str>> {
        self.labels().find(|l| l.name == name).map(|l| l.value)
    }

    fn raw_labels(&self) -> RawLabelIter<'a> {
        RawLabelIter {
            c: Cursor::new(self.labels_text),
        }
    }
}

/// Two samples are equal when their name, value, timestamp, line and labels (in order,
/// decoded) are: how they are written between the braces does not matter.
impl PartialEq for Sample<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.value == other.value
            && self.timestamp_ms == other.timestamp_ms
            && self.line == other.line
            && self.labels().eq(other.labels())
    }
}

/// The labels of a [`Sample`] read back one by one from the line's text, values as written.
struct RawLabelIter<'a> {
    c: Cursor<'a>,
}

impl<'a> Iterator for RawLabelIter<'a> {
    type Item = RawLabel<'a>;

    /// The parser checked the text (`labels_into`), so none of these steps fails on a
    /// sample it produced; a failure ends the iteration rather than panicking.
    fn next(&mut self) -> Option<RawLabel<'a>> {
        let c = &mut self.c;
        c.skip_blanks();
        let name = c.name(&LABEL_START, &LABEL_CHAR)?;
        c.skip_blanks();
        (c.peek() == Some(b'=')).then_some(())?;
        c.i += 1;
        c.skip_blanks();
        (c.peek() == Some(b'"')).then_some(())?;
        c.i += 1;
        let raw = c.quoted_raw().ok()?;
        c.skip_blanks();
        if c.peek() == Some(b',') {
            c.i += 1;
        }
        Some(RawLabel { name, raw })
    }
}

/// A metric family: the samples sharing one `# TYPE` (and `# HELP`).
#[derive(Debug, Clone, PartialEq)]
pub struct Family<'a> {
    pub name: &'a str,
    /// `Untyped` when no valid `# TYPE` line came before the first sample.
    pub kind: MetricType,
    /// Decoded `# HELP` text.
    pub help: Option<Cow<'a, str>>,
    /// Whether a `# TYPE` line named this family (even one with an unknown type).
    pub declared: bool,
    /// Line of the first HELP, TYPE or sample line of the family.
    pub line: usize,
    /// Samples in input order.
    pub samples: Vec<Sample<'a>>,
}

/// What went wrong, and what happened to the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The line does not follow the format; it was skipped.
    Syntax,
    /// The value is not a float; the line was skipped.
    InvalidValue,
    /// The timestamp is not an integer; the line was skipped.
    InvalidTimestamp,
    /// A backslash escape other than `\\`, `\"`, `\n`: the sample line was skipped (a HELP
    /// text keeps the backslash as written).
    InvalidEscape,
    /// The same label name twice in one sample; the line was skipped.
    DuplicateLabel,
    /// The last line has no final newline and does not parse: the input was probably cut.
    /// The line was skipped.
    Truncated,
    /// `# TYPE` with a type other than counter, gauge, histogram, summary, untyped: the
    /// family's samples are kept as untyped.
    UnknownType,
    /// A second `# TYPE` for a family; the first one stays.
    DuplicateType,
    /// A second `# HELP` for a family; the first one stays.
    DuplicateHelp,
    /// `# TYPE` after samples of that name; the family stays untyped.
    TypeAfterSamples,
    /// A summary quantile sample without a numeric `quantile` label, a histogram `_bucket`
    /// without a numeric `le`, or a bare sample in a histogram family. The sample is kept.
    FamilyShape,
    /// A series (name and label set) seen before; the later sample was dropped.
    DuplicateSeries,
}

/// One problem, located in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// 1-based byte column where the problem was found.
    pub column: usize,
    pub kind: ErrorKind,
    /// What was expected and what was found.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for ParseError {}

/// The result of [`parse`]: every family that could be read, in order of first appearance,
/// and every problem found.
#[derive(Debug, Clone, Default)]
pub struct Exposition<'a> {
    pub families: Vec<Family<'a>>,
    /// The first [`MAX_ERRORS`] problems, in input order.
    pub errors: Vec<ParseError>,
    /// Problems found beyond [`MAX_ERRORS`], counted but not kept.
    pub errors_omitted: usize,
    /// Number of lines read.
    pub lines: usize,
    /// False when the input does not end with a newline (and is not empty): the last line
    /// may have been cut even if it parsed.
    pub trailing_newline: bool,
}

impl<'a> Exposition<'a> {
    /// The family named exactly `name`.
    pub fn family(&self, name: &str) -> Option<&Family<'a>> {
        self.families.iter().find(|f| f.name == name)
    }

    /// Every sample with its family, in family order then input order.
    pub fn samples(&self) -> impl Iterator<Item = (&Family<'a>, &Sample<'a>)> {
        self.families
            .iter()
            .flat_map(|f| f.samples.iter().map(move |s| (f, s)))
    }

    pub fn sample_count(&self) -> usize {
        self.families.iter().map(|f| f.samples.len()).sum()
    }

    /// All problems, counting those not kept.
    pub fn error_count(&self) -> usize {
        self.errors.len() + self.errors_omitted
    }

    /// No problem at all.
    pub fn is_clean(&self) -> bool {
        self.error_count() == 0
    }
}

/// Parses a whole exposition. Never panics; see the module doc for what is reported.
pub fn parse(text: &str) -> Exposition<'_> {
    let mut p = Parser::default();
    // One series per line, and exporters' lines are rarely under 80 bytes: growing the table
    // from empty rehashed it a dozen times on a large scrape.
    p.series.reserve(text.len() / 80);
    let mut rest = text;
    let mut line_no = 0usize;
    while !rest.is_empty() {
        line_no += 1;
        // memchr itself: `str::find('\n')` reaches it through the char searcher, whose
        // per-line overhead profiled at ~5 % of a fleet's analysis.
        let (line, next, terminated) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) => (&rest[..i], &rest[i + 1..], true),
            None => (rest, "", false),
        };
        p.line(line, line_no, terminated);
        rest = next;
    }
    Exposition {
        families: p.families,
        errors: p.errors,
        errors_omitted: p.errors_omitted,
        lines: line_no,
        trailing_newline: text.is_empty() || text.ends_with('\n'),
    }
}

// ---------------------------------------------------------------------------------------
// Byte classes. Names are ASCII by the format, so every delimiter the parser slices at is
// an ASCII byte, hence a char boundary.

const fn class_table(colon: bool, digits: bool) -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphabetic()
            || c == b'_'
            || (colon && c == b':')
            || (digits && c.is_ascii_digit());
        b += 1;
    }
    t
}

static METRIC_START: [bool; 256] = class_table(true, false);
static METRIC_CHAR: [bool; 256] = class_table(true, true);
static LABEL_START: [bool; 256] = class_table(false, false);
static LABEL_CHAR: [bool; 256] = class_table(false, true);

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// A problem found inside one line, before it is located and recorded.
struct LineError {
    /// 0-based byte offset in the line.
    at: usize,
    kind: ErrorKind,
    message: String,
}

impl LineError {
    fn new(at: usize, kind: ErrorKind, message: impl Into<String>) -> Self {
        LineError {
            at,
            kind,
            message: message.into(),
        }
    }
}

/// A position in one line.
struct Cursor<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Cursor {
            s,
            b: s.as_bytes(),
            i: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn at_end(&self) -> bool {
        self.i >= self.b.len()
    }

    fn skip_blanks(&mut self) {
        while self.peek().is_some_and(is_blank) {
            self.i += 1;
        }
    }

    /// The input between two offsets. Offsets come from ASCII delimiters, so `get` cannot
    /// fail; the fallback only keeps this panic-free if that reasoning is ever broken.
    fn slice(&self, from: usize, to: usize) -> &'a str {
        self.s.get(from..to).unwrap_or("")
    }

    /// Everything from here to the end of the line.
    fn rest(&self) -> &'a str {
        self.slice(self.i, self.b.len())
    }

    /// Reads up to the next blank or the end of the line.
    fn token(&mut self) -> &'a str {
        let start = self.i;
        while self.peek().is_some_and(|b| !is_blank(b)) {
            self.i += 1;
        }
        self.slice(start, self.i)
    }

    /// Reads `[start][char]*` by the given byte classes; `None` if the first byte is not a
    /// start byte.
    fn name(&mut self, start: &[bool; 256], cont: &[bool; 256]) -> Option<&'a str> {
        let from = self.i;
        if !self.peek().is_some_and(|b| start[b as usize]) {
            return None;
        }
        self.i += 1;
        while self.peek().is_some_and(|b| cont[b as usize]) {
            self.i += 1;
        }
        Some(self.slice(from, self.i))
    }

    /// How to name what is at the cursor in a message.
    fn found(&self) -> String {
        match self.s.get(self.i..).and_then(|r| r.chars().next()) {
            None => "end of line".to_string(),
            Some(c) => format!("{c:?}"),
        }
    }

    fn error(&self, kind: ErrorKind, expected: &str) -> LineError {
        LineError::new(
            self.i,
            kind,
            format!("expected {expected}, found {}", self.found()),
        )
    }

    #[inline]
    fn expect(&mut self, byte: u8, expected: &str) -> Result<(), LineError> {
        if self.peek() == Some(byte) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.error(ErrorKind::Syntax, expected))
        }
    }

    /// Reads a quoted label value after its opening quote and checks its escapes; consumes
    /// the closing quote. Returns the value as written (escapes not decoded) and whether it
    /// has an escape. The written form is canonical (`"`, `\` and a newline can only be
    /// written escaped, and nothing else may be), so two values are equal exactly when their
    /// written forms are: the parser compares and hashes those without decoding.
    fn quoted_raw(&mut self) -> Result<&'a str, LineError> {
        let start = self.i;
        // Most values have no escape: one word-at-a-time search finds the closing quote.
        let mut j = find_quote_or_backslash(self.b, start);
        loop {
            match self.b.get(j) {
                None => {
                    self.i = j;
                    return Err(self.error(ErrorKind::Syntax, "'\"' to close the label value"));
                }
                Some(b'"') => {
                    self.i = j + 1;
                    return Ok(self.slice(start, j));
                }
                Some(_) => match self.b.get(j + 1) {
                    // A backslash, then what it escapes.
                    Some(b'\\' | b'"' | b'n') => {
                        j = find_quote_or_backslash(self.b, j + 2);
                    }
                    Some(_) => {
                        self.i = j + 1;
                        return Err(LineError::new(
                            j,
                            ErrorKind::InvalidEscape,
                            format!(
                                "invalid escape '\\' followed by {} in a label value \
                                 (only \\\\, \\\" and \\n are allowed)",
                                self.found()
                            ),
                        ));
                    }
                    None => {
                        self.i = j + 1;
                        return Err(self.error(
                            ErrorKind::Syntax,
                            "an escaped character and '\"' to close the label value",
                        ));
                    }
                },
            }
        }
    }
}

/// Decodes a label value that [`Cursor::quoted_raw`] accepted (`\\`, `\"`, `\n`).
fn unescape_label(raw: &str) -> Cow<'_, str> {
    if memchr::memchr(b'\\', raw.as_bytes()).is_none() {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    Cow::Owned(out)
}

/// Decodes a HELP text (`\\` and `\n`). An unknown escape keeps the backslash and is reported
/// with its offset in `raw`.
fn decode_help(raw: &str) -> (Cow<'_, str>, Option<usize>) {
    if !raw.contains('\\') {
        return (Cow::Borrowed(raw), None);
    }
    let mut out = String::with_capacity(raw.len());
    let mut bad = None;
    let mut chars = raw.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.clone().next() {
            Some((_, '\\')) => {
                out.push('\\');
                chars.next();
            }
            Some((_, 'n')) => {
                out.push('\n');
                chars.next();
            }
            _ => {
                out.push('\\');
                bad.get_or_insert(i);
            }
        }
    }
    (Cow::Owned(out), bad)
}

/// The offset of the first `"` or `\\` at or after `from`, or `b.len()`. Eight bytes at a
/// time: label values are most of an exposition's bytes.
fn find_quote_or_backslash(b: &[u8], from: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte of `v` is zero ⇔ the matching byte of this mask has its high bit set; bits above
    // the first zero byte may be wrong, which `trailing_zeros` never looks at.
    let zero_bytes = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let mut i = from;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let w = u64::from_le_bytes(w);
        let hits = zero_bytes(w ^ (ONES * b'"' as u64)) | zero_bytes(w ^ (ONES * b'\\' as u64));
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' {
            return i;
        }
        i += 1;
    }
    i
}

fn parse_value(tok: &str) -> Option<f64> {
    // Rust's float grammar is Go's ParseFloat minus hex floats and underscores, which the
    // Prometheus server rejects in this format anyway. Both accept NaN, +Inf, -Inf, 1e3.
    tok.parse::<f64>().ok()
}

// ---------------------------------------------------------------------------------------
// Duplicate-series detection: an order-independent hash of (name, label set) with an exact
// comparison on a hit, so a hash collision can never drop a sample.

#[derive(Default)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed; fold anything else in to stay correct regardless.
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type IdentityMap<V> = HashMap<u64, V, BuildHasherDefault<IdentityHasher>>;

fn mix(mut x: u64) -> u64 {
    // splitmix64 finaliser: spreads bits so that sums of label hashes stay well distributed.
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Folds `bytes` and their length (so that "ab"+"c" differs from "a"+"bc") into `h`.
/// The tail is read with overlapping loads rather than copied: a variable-length copy costs a
/// memcpy call per label, which made hashing a fifth of the parse time.
fn absorb(mut h: u64, bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let n = bytes.len();
    h = (h ^ n as u64).wrapping_mul(K);
    let mut i = 0;
    while i + 8 < n {
        h = (h.rotate_left(23) ^ load8(bytes, i)).wrapping_mul(K);
        i += 8;
    }
    let tail = if n >= 8 {
        load8(bytes, n - 8)
    } else if n >= 4 {
        (load4(bytes, 0) << 32) | load4(bytes, n - 4)
    } else if n > 0 {
        (u64::from(bytes[0]) << 16) | (u64::from(bytes[n / 2]) << 8) | u64::from(bytes[n - 1])
    } else {
        0
    };
    (h.rotate_left(23) ^ tail).wrapping_mul(K)
}

/// Eight bytes at `at` (the caller guarantees `at + 8 <= b.len()`; zero otherwise).
fn load8(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .and_then(|s| <[u8; 8]>::try_from(s).ok())
        .map_or(0, u64::from_le_bytes)
}

/// Four bytes at `at`, widened (the caller guarantees `at + 4 <= b.len()`; zero otherwise).
fn load4(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 4)
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map_or(0, |w| u64::from(u32::from_le_bytes(w)))
}

fn series_hash(name: &str, labels: &Labels<'_>) -> u64 {
    let mut set = 0u64;
    for l in labels {
        // Summing per-label hashes makes the result independent of label order.
        set = set.wrapping_add(mix(absorb(
            absorb(0x51, l.name.as_bytes()),
            l.raw.as_bytes(),
        )));
    }
    mix(absorb(0x17, name.as_bytes()) ^ set ^ (labels.len() as u64).rotate_left(48))
}

/// Whether the kept sample `a` is the series `name{labels}` (labels in any order).
fn same_series(a: &Sample<'_>, name: &str, labels: &Labels<'_>) -> bool {
    a.name == name
        && a.raw_labels().count() == labels.len()
        && a.raw_labels().all(|la| {
            labels
                .iter()
                .any(|lb| lb.name == la.name && lb.raw == la.raw)
        })
}

/// Where a kept sample lives: (family index, sample index).
type SeriesRef = (usize, usize);

#[derive(Default)]
struct Parser<'a> {
    families: Vec<Family<'a>>,
    by_name: HashMap<&'a str, usize>,
    /// The last sample name and the family it resolved to: samples come grouped, so this
    /// skips the hash lookup for nearly every line.
    current: Option<(&'a str, usize)>,
    series: IdentityMap<SeriesRef>,
    /// Series whose hash collided with a different series (practically never used).
    collided: Vec<(u64, SeriesRef)>,
    errors: Vec<ParseError>,
    errors_omitted: usize,
    /// The last line, when the input does not end with a newline.
    unterminated_line: Option<usize>,
}

impl<'a> Parser<'a> {
    fn record(&mut self, line: usize, at: usize, kind: ErrorKind, message: String) {
        // On a last line without newline, a failure to parse is most likely the cut itself.
        let cut_kinds = [
            ErrorKind::Syntax,
            ErrorKind::InvalidValue,
            ErrorKind::InvalidTimestamp,
            ErrorKind::InvalidEscape,
            ErrorKind::UnknownType,
        ];
        let (kind, message) = if self.unterminated_line == Some(line) && cut_kinds.contains(&kind) {
            let message =
                format!("last line has no final newline and is incomplete (input cut?): {message}");
            (ErrorKind::Truncated, message)
        } else {
            (kind, message)
        };
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(ParseError {
                line,
                column: at + 1,
                kind,
                message,
            });
        } else {
            self.errors_omitted += 1;
        }
    }

    fn line(&mut self, line: &'a str, no: usize, terminated: bool) {
        if !terminated {
            self.unterminated_line = Some(no);
        }
        let first = line.bytes().position(|b| !is_blank(b));
        let result = match first.map(|i| line.as_bytes()[i]) {
            None => Ok(()),
            Some(b'#') => self.comment_line(line, no),
            Some(_) => self.sample_line(line, no),
        };
        if let Err(e) = result {
            self.record(no, e.at, e.kind, e.message);
        }
    }

    // --- comments ------------------------------------------------------------------------

    fn comment_line(&mut self, line: &'a str, no: usize) -> Result<(), LineError> {
        let mut c = Cursor::new(line);
        c.skip_blanks();
        c.i += 1; // the '#'
        c.skip_blanks();
        let keyword = c.token();
        let is_help = keyword == "HELP";
        if !is_help && keyword != "TYPE" {
            return Ok(()); // a plain comment
        }
        c.skip_blanks();
        if c.at_end() {
            return Ok(()); // "# HELP" alone: a comment, as in expfmt
        }
        let name_at = c.i;
        let Some(name) = c.name(&METRIC_START, &METRIC_CHAR) else {
            return Err(c.error(
                ErrorKind::Syntax,
                &format!("a metric name after # {keyword}"),
            ));
        };
        if c.peek().is_some_and(|b| !is_blank(b)) {
            return Err(c.error(ErrorKind::Syntax, "a blank after the metric name"));
        }
        c.skip_blanks();
        // A new HELP/TYPE can change which family a sample name resolves to.
        self.current = None;
        if is_help {
            self.help(name, name_at, &c, no);
            Ok(())
        } else {
            self.type_line(name, &mut c, no)
        }
    }

    /// The family named exactly `name`, created untyped if new.
    fn family_named(&mut self, name: &'a str, no: usize) -> usize {
        if let Some(&i) = self.by_name.get(name) {
            return i;
        }
        self.families.push(Family {
            name,
            kind: MetricType::Untyped,
            help: None,
            declared: false,
            line: no,
            samples: Vec::new(),
        });
        let i = self.families.len() - 1;
        self.by_name.insert(name, i);
        i
    }

    fn help(&mut self, name: &'a str, name_at: usize, c: &Cursor<'a>, no: usize) {
        let text_at = c.i;
        let (text, bad_escape) = decode_help(c.rest());
        if let Some(off) = bad_escape {
            self.record(
                no,
                text_at + off,
                ErrorKind::InvalidEscape,
                "invalid escape in HELP text (only \\\\ and \\n are allowed); kept as written"
                    .to_string(),
            );
        }
        let fi = self.family_named(name, no);
        let family = &mut self.families[fi];
        if family.help.is_some() {
            let message = format!("second HELP line for {name}; the first one is kept");
            self.record(no, name_at, ErrorKind::DuplicateHelp, message);
        } else {
            family.help = Some(text);
        }
    }

    fn type_line(&mut self, name: &'a str, c: &mut Cursor<'a>, no: usize) -> Result<(), LineError> {
        let kind_at = c.i;
        let keyword = c.token();
        if keyword.is_empty() {
            return Err(c.error(ErrorKind::Syntax, "a metric type after the metric name"));
        }
        c.skip_blanks();
        if !c.at_end() {
            return Err(c.error(ErrorKind::Syntax, "end of line after the metric type"));
        }
        let kind = MetricType::from_keyword(keyword);
        let fi = self.family_named(name, no);
        let family = &mut self.families[fi];
        let problem = if family.declared {
            Some((
                ErrorKind::DuplicateType,
                "second TYPE line; the first one is kept",
            ))
        } else if !family.samples.is_empty() {
            Some((
                ErrorKind::TypeAfterSamples,
                "TYPE line after samples of the family; they stay untyped",
            ))
        } else {
            family.declared = true;
            family.kind = kind.unwrap_or(MetricType::Untyped);
            None
        };
        if let Some((k, what)) = problem {
            self.record(no, kind_at, k, format!("{what} ({name})"));
        } else if kind.is_none() {
            let message = format!(
                "unknown metric type {keyword:?} for {name} (expected counter, gauge, \
                 histogram, summary or untyped); its samples are kept as untyped"
            );
            self.record(no, kind_at, ErrorKind::UnknownType, message);
        }
        Ok(())
    }

    // --- samples -------------------------------------------------------------------------

    fn sample_line(&mut self, line: &'a str, no: usize) -> Result<(), LineError> {
        let mut c = Cursor::new(line);
        c.skip_blanks();
        let Some(name) = c.name(&METRIC_START, &METRIC_CHAR) else {
            return Err(c.error(
                ErrorKind::Syntax,
                "a metric name, a '#' comment or a blank line",
            ));
        };
        if c.peek().is_some_and(|b| b != b'{' && !is_blank(b)) {
            return Err(c.error(ErrorKind::Syntax, "'{', a blank or a metric-name character"));
        }
        // Blanks may separate the name from its labels, as expfmt allows.
        c.skip_blanks();
        let mut labels = Labels::new();
        let mut labels_text = "";
        if c.peek() == Some(b'{') {
            c.i += 1;
            let open = c.i;
            labels_into(&mut c, &mut labels)?;
            // Without the closing brace, which `labels_into` consumed.
            labels_text = c.slice(open, c.i - 1);
            // What `Sample::labels` will read back is what was checked (fuzzing runs with
            // debug assertions).
            debug_assert!(
                RawLabelIter {
                    c: Cursor::new(labels_text)
                }
                .eq(labels.iter().copied()),
                "labels read back differ from the line's: {line:?}"
            );
            c.skip_blanks();
        }
        let value_at = c.i;
        let token = c.token();
        if token.is_empty() {
            return Err(c.error(ErrorKind::Syntax, "a sample value"));
        }
        let Some(value) = parse_value(token) else {
            let message =
                format!("invalid sample value {token:?} (expected a float, NaN, +Inf or -Inf)");
            return Err(LineError::new(value_at, ErrorKind::InvalidValue, message));
        };
        let timestamp_ms = timestamp(&mut c)?;
        let sample = Sample {
            name,
            labels_text,
            value,
            timestamp_ms,
            line: no,
        };
        self.add_sample(sample, &labels);
        Ok(())
    }

    /// The family a sample name belongs to (see the module doc), created untyped if none.
    fn family_for(&mut self, name: &'a str, no: usize) -> usize {
        if let Some((cached, fi)) = self.current
            && cached == name
        {
            return fi;
        }
        let fi = match self.by_name.get(name) {
            Some(&fi) => fi,
            None => match self.parent_family(name) {
                Some(fi) => fi,
                None => self.family_named(name, no),
            },
        };
        self.current = Some((name, fi));
        fi
    }

    /// The histogram or summary whose `_bucket`/`_sum`/`_count` line this is.
    fn parent_family(&self, name: &str) -> Option<usize> {
        for (suffix, histogram_only) in [("_bucket", true), ("_sum", false), ("_count", false)] {
            let Some(base) = name.strip_suffix(suffix) else {
                continue;
            };
            let Some(&fi) = self.by_name.get(base) else {
                continue;
            };
            match self.families[fi].kind {
                MetricType::Histogram => return Some(fi),
                MetricType::Summary if !histogram_only => return Some(fi),
                _ => {}
            }
        }
        None
    }

    fn add_sample(&mut self, sample: Sample<'a>, labels: &Labels<'a>) {
        let no = sample.line;
        let fi = self.family_for(sample.name, no);
        if let Some(problem) = shape_problem(&self.families[fi], sample.name, labels) {
            self.record(no, 0, ErrorKind::FamilyShape, problem);
        }
        let si = self.families[fi].samples.len();
        if let Some(first_line) = self.seen_series(sample.name, labels, (fi, si)) {
            let message = format!(
                "duplicate series {} (first seen on line {first_line}); this sample is dropped",
                sample.name
            );
            self.record(no, 0, ErrorKind::DuplicateSeries, message);
            return;
        }
        self.families[fi].samples.push(sample);
    }

    /// Registers the series at `at` unless it was seen; returns the line of the earlier one.
    fn seen_series(&mut self, name: &str, labels: &Labels<'a>, at: SeriesRef) -> Option<usize> {
        let h = series_hash(name, labels);
        let Some(&(f, s)) = self.series.get(&h) else {
            self.series.insert(h, at);
            return None;
        };
        let earlier = std::iter::once((f, s)).chain(
            self.collided
                .iter()
                .filter(|(ch, _)| *ch == h)
                .map(|&(_, r)| r),
        );
        for (f, s) in earlier {
            if let Some(prev) = self.families.get(f).and_then(|fam| fam.samples.get(s))
                && same_series(prev, name, labels)
            {
                return Some(prev.line);
            }
        }
        self.collided.push((h, at));
        None
    }
}

/// Reads `name="value", …}` after the opening brace.
fn labels_into<'a>(c: &mut Cursor<'a>, out: &mut Labels<'a>) -> Result<(), LineError> {
    loop {
        c.skip_blanks();
        if c.peek() == Some(b'}') {
            c.i += 1;
            return Ok(());
        }
        let name_at = c.i;
        let Some(name) = c.name(&LABEL_START, &LABEL_CHAR) else {
            return Err(c.error(ErrorKind::Syntax, "a label name or '}'"));
        };
        c.skip_blanks();
        c.expect(b'=', "'=' after the label name")?;
        c.skip_blanks();
        c.expect(b'"', "'\"' to open the label value")?;
        let raw = c.quoted_raw()?;
        if out.iter().any(|l| l.name == name) {
            let message = format!("label {name:?} appears twice in one sample");
            return Err(LineError::new(name_at, ErrorKind::DuplicateLabel, message));
        }
        out.push(RawLabel { name, raw });
        c.skip_blanks();
        match c.peek() {
            Some(b',') => c.i += 1,
            Some(b'}') => {
                c.i += 1;
                return Ok(());
            }
            _ => return Err(c.error(ErrorKind::Syntax, "',' or '}' after the label value")),
        }
    }
}

/// Reads the optional timestamp and checks nothing follows it.
fn timestamp(c: &mut Cursor<'_>) -> Result<Option<i64>, LineError> {
    c.skip_blanks();
    if c.at_end() {
        return Ok(None);
    }
    let at = c.i;
    let token = c.token();
    let Ok(ts) = token.parse::<i64>() else {
        let message = format!("invalid timestamp {token:?} (expected integer milliseconds)");
        return Err(LineError::new(at, ErrorKind::InvalidTimestamp, message));
    };
    c.skip_blanks();
    if !c.at_end() {
        return Err(c.error(ErrorKind::Syntax, "end of line after the timestamp"));
    }
    Ok(Some(ts))
}

/// Checks a sample against its family's type: summaries need a `quantile`, histogram buckets
/// an `le`, and a histogram has no bare sample.
fn shape_problem(family: &Family<'_>, name: &str, labels: &Labels<'_>) -> Option<String> {
    // `le` and `quantile` are usually written last: search from the end.
    let numeric = |label: &str| {
        labels
            .iter()
            .rev()
            .find(|l| l.name == label)
            // An escape would not decode to a number either (`"`, `\` or a newline).
            .is_some_and(|l| parse_value(l.raw).is_some())
    };
    match family.kind {
        MetricType::Summary if name == family.name && !numeric("quantile") => Some(format!(
            "summary sample {} has no numeric \"quantile\" label",
            name
        )),
        MetricType::Histogram if name == family.name => Some(format!(
            "histogram {} has a sample without _bucket, _sum or _count",
            name
        )),
        MetricType::Histogram if name.ends_with("_bucket") && !numeric("le") => Some(format!(
            "histogram bucket {} has no numeric \"le\" label",
            name
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_in_label_values_and_help() {
        let e = parse(
            "# HELP m a \\\\ b\\nc\n# TYPE m gauge\nm{a=\"x\\\"y\",b=\"1\\\\2\",c=\"l\\nm\"} 1\n",
        );
        assert!(e.is_clean(), "{:?}", e.errors);
        let f = &e.families[0];
        assert_eq!(f.help.as_deref(), Some("a \\ b\nc"));
        let s = &f.samples[0];
        assert_eq!(s.label("a").as_deref(), Some("x\"y"));
        assert_eq!(s.label("b").as_deref(), Some("1\\2"));
        assert_eq!(s.label("c").as_deref(), Some("l\nm"));
        assert!(matches!(
            s.labels().next().map(|l| l.value),
            Some(Cow::Owned(_))
        ));
    }

    #[test]
    fn plain_values_are_borrowed() {
        let e = parse("m{a=\"x\"} 1\n");
        assert!(matches!(
            e.families[0].samples[0].labels().next().map(|l| l.value),
            Some(Cow::Borrowed("x"))
        ));
    }

    #[test]
    fn labels_are_read_back_from_any_spacing() {
        let e = parse("m{ a = \"x\" ,\tb=\"y\\\"},z\" , } 1\nn{} 2\no 3\n");
        assert!(e.is_clean(), "{:?}", e.errors);
        let labels: Vec<(&str, String)> = e.families[0].samples[0]
            .labels()
            .map(|l| (l.name, l.value.into_owned()))
            .collect();
        assert_eq!(
            labels,
            [("a", "x".to_string()), ("b", "y\"},z".to_string())]
        );
        assert_eq!(e.families[1].samples[0].labels().count(), 0);
        assert_eq!(e.families[2].samples[0].labels().count(), 0);
    }

    #[test]
    fn order_independent_duplicates() {
        let e = parse("m{a=\"1\",b=\"2\"} 1\nm{b=\"2\",a=\"1\"} 2\nm{a=\"1\",b=\"3\"} 3\n");
        assert_eq!(e.sample_count(), 2);
        assert_eq!(e.errors.len(), 1);
        assert_eq!(e.errors[0].kind, ErrorKind::DuplicateSeries);
        assert_eq!(e.errors[0].line, 2);
    }

    #[test]
    fn help_bad_escape_is_kept_and_reported() {
        let (t, bad) = decode_help("C:\\temp \\\\ x");
        assert_eq!(t, "C:\\temp \\ x");
        assert_eq!(bad, Some(2));
    }

    #[test]
    fn word_search_matches_a_byte_loop() {
        // Every length, position and start around the 8-byte steps, with UTF-8 high bytes.
        for len in 0..40usize {
            for pos in 0..=len {
                for ch in [b'"', b'\\'] {
                    let mut b: Vec<u8> = (0..len)
                        .map(|i| [b'a', 0xc3, 0xa9, b'"' ^ 1][i % 4])
                        .collect();
                    if pos < len {
                        b[pos] = ch;
                    }
                    for from in 0..=len {
                        let naive = (from..len)
                            .find(|&i| b[i] == b'"' || b[i] == b'\\')
                            .unwrap_or(len);
                        assert_eq!(
                            find_quote_or_backslash(&b, from),
                            naive,
                            "{len} {pos} {from}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn absorb_separates_lengths_and_contents() {
        let all: Vec<u64> = [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "abcdefgh",
            "abcdefghi",
            "bacdefghi",
        ]
        .iter()
        .map(|s| absorb(1, s.as_bytes()))
        .collect();
        let unique: std::collections::HashSet<u64> = all.iter().copied().collect();
        assert_eq!(unique.len(), all.len());
    }

    #[test]
    fn error_cap() {
        let text = "???\n".repeat(MAX_ERRORS + 5);
        let e = parse(&text);
        assert_eq!(e.errors.len(), MAX_ERRORS);
        assert_eq!(e.errors_omitted, 5);
        assert_eq!(e.error_count(), MAX_ERRORS + 5);
    }
}
