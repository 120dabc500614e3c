//! Redaction: credentials never reach a snapshot archive.
//!
//! [`crate::snapshot::Archive::write`] passes every member, the manifest included, through
//! [`Redactor::member`] (what [`redact_member`] does for one member). A value that is redacted
//! becomes the literal text `<redacted>`; everything around it (indentation, quotes after the
//! value, trailing comments, line count, JSON shape) is kept so the analysis of a redacted
//! archive reads the same settings at the same lines. Redacting twice gives the same bytes.
//!
//! # Which names are secret
//!
//! [`is_secret_key`] splits a name into words (`keyStorePassword` → key, store, password;
//! `server_encryption_options.keystore_password` → …, keystore, password) and calls it secret when
//! - a word looks like a password (`password`, `passwd`, `pass`, `pwd`, `passphrase`, a
//!   misspelt `pasword`, `keystorepassword`, …) or contains `secret`;
//! - the last word is `credential`/`credentials` (`aws_credentials`; but `credentials_validity`,
//!   `credentials_update_interval`, `credentials_cache_max_entries` are cache tuning, kept);
//! - a word is `token` qualified as a credential (`auth_token`, `api_token`, `accessToken`, or a
//!   bare `token`); `num_tokens`, `initial_token`, `tokens` are the ring, kept;
//! - it contains `salted_hash` (system_auth.roles) or `private_key` (PEM keys inline in 4.1+ yaml).
//!
//! …unless its last word says the value names something else than the secret itself: `file`,
//! `path`, `dir` (`keystore_password_file`, `com.sun.management.jmxremote.password.file`: a path
//! is not a secret and tells the reader where it lives), `validator`, `policy`, `generator`,
//! `authenticator` (class names, `password_validator: {class_name: …}`), `enabled`.
//!
//! # Rules by member kind
//!
//! | member | rules |
//! |---|---|
//! | `*.json` | JSON: a value under a secret key; in [`super::Rows`] (`columns` + `rows`), every value of a secret column (`salted_hash`) and the `value` of a row whose `name` is secret (`system_views.settings`, `system_views.system_properties`); then the free-text rules on every string and the extra secrets on every key |
//! | `*.prom` | extra secrets only: metric names, labels and values are not secrets |
//! | a file whose own name is secret (`jmxremote.password`, `keystore_passwordfile.txt`) | every non-comment line |
//! | config text (`*.yaml`, `*.yml`, `*.options`, `*.sh`, `*.properties`, `*.conf`, `*.cfg`, `*.ini`, `*rc`, anything under `files/`) | `key: value` / `key = value` / `export KEY=value` lines, commented-out ones too; then free text |
//! | anything else | free text |
//!
//! Free text: `key=value`, `key: value`, `-Dkey=value`, `--key=value` pairs with a secret key
//! anywhere in a line (so `JVM_OPTS="$JVM_OPTS -Djavax.net.ssl.keyStorePassword=x"` and
//! `EncryptionOptions{keystore_password=x, …}` are caught); CQL `PASSWORD 'x'`; the body of every
//! PEM `PRIVATE KEY` block; then the extra secrets.
//!
//! In YAML a secret key with an empty value or a block scalar (`private_key: |`) also redacts the
//! more-indented lines that carry its value; nested mappings under it (`password_validator:`) are
//! left to their own keys. Values that carry no secret stay: empty, `null`, `~`, `""`.
//!
//! # Extra secrets
//!
//! Strings the caller knows are secret (the CQL password given on the command line, …) are
//! replaced wherever they occur, byte for byte, case-sensitively, also in their `\"`/`\\` escaped
//! form. Two kinds are skipped, because replacing them everywhere would shred the archive while
//! hiding nothing: strings shorter than [`MIN_EXTRA_SECRET_LEN`] characters (`abc` occurs in
//! countless words and numbers), and [`PUBLIC_DEFAULTS`] (`cassandra`, the default superuser
//! password, is also every class name `org.apache.cassandra.*` and every metric name). Settings
//! holding them are still redacted by the key rules. In JSON members only strings and keys are
//! searched: a number that happens to contain a numeric password is data, not the password.
//!
//! Limits: a free-text value ends at whitespace or one of `,;})]"'` unless quoted, so a password
//! with spaces written unquoted in a log line is only partly caught (config lines are not
//! affected: there the value runs to the comment or the end of the line).

use std::sync::LazyLock;

use regex::bytes::Regex;
use serde_json::Value;

/// What a redacted value becomes.
pub const REDACTED: &str = "<redacted>";

/// Extra secrets shorter than this (in characters) are not replaced: they would match inside
/// ordinary words and numbers all over the archive.
pub const MIN_EXTRA_SECRET_LEN: usize = 4;

/// Well-known default passwords that are not replaced as extra secrets: they are public
/// knowledge, and `cassandra` is also in every class and metric name.
pub const PUBLIC_DEFAULTS: &[&str] = &["cassandra", "changeit"];

/// Redacts one member; see the module doc. Builds a [`Redactor`]: to redact many members with
/// the same extra secrets, build one and call [`Redactor::member`].
pub fn redact_member(path: &str, bytes: &[u8], extra_secrets: &[String]) -> Vec<u8> {
    Redactor::new(extra_secrets).member(path, bytes)
}

/// True when a setting, property, column or JSON key with this name holds a credential.
pub fn is_secret_key(name: &str) -> bool {
    let words = key_words(name);
    let Some(last) = words.last() else {
        return false;
    };
    if NOT_SECRET_LAST_WORDS.contains(&last.as_str()) {
        return false;
    }
    words.iter().any(|w| is_password_word(w))
        || matches!(last.as_str(), "credential" | "credentials")
        || (0..words.len()).any(|i| is_credential_token(&words, i))
        || words.windows(2).any(|p| {
            matches!(
                (p[0].as_str(), p[1].as_str()),
                ("salted", "hash") | ("private", "key")
            )
        })
}

/// Last words that make a name refer to something else than the secret (a path, a class, a flag).
const NOT_SECRET_LAST_WORDS: &[&str] = &[
    "file",
    "path",
    "dir",
    "validator",
    "policy",
    "generator",
    "authenticator",
    "enabled",
];

/// Words before `token` that make it a credential rather than a ring token.
const TOKEN_QUALIFIERS: &[&str] = &[
    "access", "api", "auth", "bearer", "refresh", "session", "oauth", "jwt", "id", "client",
    "secret", "security", "private",
];

fn is_password_word(w: &str) -> bool {
    // Deliberately loose (a misspelt `truststore_pasword` is still a secret), but `bypass`
    // and `compass` are words of their own.
    w.contains("passw")
        || w.contains("pasw")
        || w.contains("passphrase")
        || w.contains("pwd")
        || w.contains("secret")
        || (w.ends_with("pass") && w != "bypass" && !w.ends_with("compass"))
}

fn is_credential_token(words: &[String], i: usize) -> bool {
    let w = words[i].as_str();
    // accesstoken, authtoken
    if w.strip_suffix("token")
        .is_some_and(|q| TOKEN_QUALIFIERS.contains(&q))
    {
        return true;
    }
    w == "token"
        && (words.len() == 1 || (i > 0 && TOKEN_QUALIFIERS.contains(&words[i - 1].as_str())))
}

/// Lower-case words of a name: split at anything not alphanumeric and at camelCase humps
/// (`SSLKeyStorePassword` → ssl, key, store, password).
fn key_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    for chunk in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let chars: Vec<char> = chunk.chars().collect();
        let mut start = 0;
        for i in 1..chars.len() {
            let hump = chars[i].is_ascii_uppercase()
                && (chars[i - 1].is_ascii_lowercase()
                    || chars[i - 1].is_ascii_digit()
                    || (chars[i - 1].is_ascii_uppercase()
                        && chars.get(i + 1).is_some_and(|c| c.is_ascii_lowercase())));
            if hump {
                words.push(
                    chars[start..i]
                        .iter()
                        .collect::<String>()
                        .to_ascii_lowercase(),
                );
                start = i;
            }
        }
        if start < chars.len() {
            words.push(
                chars[start..]
                    .iter()
                    .collect::<String>()
                    .to_ascii_lowercase(),
            );
        }
    }
    words
}

/// Redaction with one set of extra secrets, reused across the members of an archive.
pub struct Redactor {
    /// Extra secrets in every form searched for, longest first so a secret that contains
    /// another is replaced whole.
    needles: Vec<Vec<u8>>,
}

impl Redactor {
    pub fn new(extra_secrets: &[String]) -> Redactor {
        let mut needles: Vec<Vec<u8>> = Vec::new();
        for s in extra_secrets {
            if s.chars().count() < MIN_EXTRA_SECRET_LEN
                || PUBLIC_DEFAULTS.contains(&s.as_str())
                || s == REDACTED
            {
                continue;
            }
            // Prometheus label values and JSON text escape `"` and `\`.
            let escaped = s.replace('\\', "\\\\").replace('"', "\\\"");
            needles.push(s.as_bytes().to_vec());
            needles.push(escaped.into_bytes());
        }
        needles.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        needles.dedup();
        Redactor { needles }
    }

    /// Redacts one member, by the kind its path names.
    pub fn member(&self, path: &str, bytes: &[u8]) -> Vec<u8> {
        match MemberKind::of(path) {
            MemberKind::Json => self.json(bytes),
            MemberKind::Prometheus => self.extra(bytes),
            MemberKind::SecretFile => self.extra(&secret_file(bytes)),
            MemberKind::Config { yaml } => self.free_text(&config_text(bytes, yaml)),
            MemberKind::Other => self.free_text(bytes),
        }
    }

    /// Free-text rules: inline pairs, CQL passwords, PEM private keys, extra secrets.
    fn free_text(&self, bytes: &[u8]) -> Vec<u8> {
        self.extra(&pem_keys(&cql_passwords(&inline_pairs(bytes))))
    }

    /// Replaces every occurrence of an extra secret. An existing `<redacted>` is stepped over
    /// whole, so a secret that is part of the marker cannot make a second pass differ.
    fn extra(&self, bytes: &[u8]) -> Vec<u8> {
        if self.needles.is_empty() {
            return bytes.to_vec();
        }
        let mut first = [false; 256];
        first[usize::from(REDACTED.as_bytes()[0])] = true;
        for n in &self.needles {
            if let Some(&b) = n.first() {
                first[usize::from(b)] = true;
            }
        }
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let rest = &bytes[i..];
            if first[usize::from(rest[0])] {
                if rest.starts_with(REDACTED.as_bytes()) {
                    out.extend_from_slice(REDACTED.as_bytes());
                    i += REDACTED.len();
                    continue;
                }
                if let Some(n) = self.needles.iter().find(|n| rest.starts_with(n)) {
                    out.extend_from_slice(REDACTED.as_bytes());
                    i += n.len();
                    continue;
                }
            }
            out.push(rest[0]);
            i += 1;
        }
        out
    }

    /// A JSON member: structural rules, then free text in every string. Re-serialised (pretty,
    /// as [`super::Archive::put_json`] writes) only when something changed, so a clean member
    /// keeps its bytes; malformed JSON gets the free-text rules.
    fn json(&self, bytes: &[u8]) -> Vec<u8> {
        let Ok(mut value) = serde_json::from_slice::<Value>(bytes) else {
            return self.free_text(bytes);
        };
        if !self.json_value(&mut value) {
            return bytes.to_vec();
        }
        match serde_json::to_vec_pretty(&value) {
            Ok(mut out) => {
                out.push(b'\n');
                out
            }
            Err(_) => self.free_text(bytes),
        }
    }

    /// Returns true when anything changed.
    fn json_value(&self, v: &mut Value) -> bool {
        match v {
            Value::Object(map) => {
                let mut changed = rows_shape(map);
                for (k, val) in map.iter_mut() {
                    changed |= if is_secret_key(k) {
                        redact_leaves(val)
                    } else {
                        self.json_value(val)
                    };
                }
                changed | self.json_keys(map)
            }
            Value::Array(items) => items
                .iter_mut()
                .fold(false, |c, item| self.json_value(item) | c),
            Value::String(s) => self.json_string(s),
            Value::Null | Value::Bool(_) | Value::Number(_) => false,
        }
    }

    fn json_string(&self, s: &mut String) -> bool {
        let out = self.free_text(s.as_bytes());
        if out == s.as_bytes() {
            return false;
        }
        // Replacing whole UTF-8 sequences inside UTF-8 keeps it UTF-8; lossy is only a guard.
        *s = String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        true
    }

    /// Extra secrets in object keys; the map is rebuilt (in order) only when a key changes.
    fn json_keys(&self, map: &mut serde_json::Map<String, Value>) -> bool {
        if self.needles.is_empty() {
            return false;
        }
        let renamed = |k: &str| {
            let out = self.extra(k.as_bytes());
            (out != k.as_bytes()).then(|| String::from_utf8_lossy(&out).into_owned())
        };
        if !map.keys().any(|k| renamed(k).is_some()) {
            return false;
        }
        let old = std::mem::take(map);
        for (k, v) in old {
            let k = renamed(&k).unwrap_or(k);
            map.insert(k, v);
        }
        true
    }
}

/// [`super::Rows`] shape: secret columns, and `value` of rows whose `name` is secret.
fn rows_shape(map: &mut serde_json::Map<String, Value>) -> bool {
    let Some(Value::Array(columns)) = map.get("columns") else {
        return false;
    };
    let column = |i: usize| columns[i].as_str().unwrap_or("");
    let secret_cols: Vec<usize> = (0..columns.len())
        .filter(|&i| is_secret_key(column(i)))
        .collect();
    let name_col = (0..columns.len()).find(|&i| column(i) == "name");
    let value_col = (0..columns.len()).find(|&i| column(i) == "value");
    let Some(Value::Array(rows)) = map.get_mut("rows") else {
        return false;
    };
    let mut changed = false;
    for row in rows.iter_mut() {
        let Value::Array(cells) = row else { continue };
        for &i in &secret_cols {
            changed |= cells.get_mut(i).is_some_and(redact_leaves);
        }
        if let (Some(n), Some(v)) = (name_col, value_col) {
            let secret = cells
                .get(n)
                .and_then(Value::as_str)
                .is_some_and(is_secret_key);
            if secret {
                changed |= cells.get_mut(v).is_some_and(redact_leaves);
            }
        }
    }
    changed
}

/// Every string and number under a secret key becomes `<redacted>`; null, booleans and empty
/// strings say nothing secret and stay.
fn redact_leaves(v: &mut Value) -> bool {
    match v {
        Value::String(s) if s.is_empty() || s == REDACTED => false,
        Value::String(_) | Value::Number(_) => {
            *v = Value::String(REDACTED.to_string());
            true
        }
        Value::Array(items) => items.iter_mut().fold(false, |c, i| redact_leaves(i) | c),
        Value::Object(map) => map.values_mut().fold(false, |c, i| redact_leaves(i) | c),
        Value::Null | Value::Bool(_) => false,
    }
}

#[derive(Debug, PartialEq)]
enum MemberKind {
    Json,
    Prometheus,
    SecretFile,
    Config { yaml: bool },
    Other,
}

impl MemberKind {
    fn of(path: &str) -> MemberKind {
        let name = path.rsplit('/').next().unwrap_or(path);
        let lower = name.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        if ext == "json" {
            MemberKind::Json
        } else if ext == "prom" {
            MemberKind::Prometheus
        } else if is_secret_key(name) {
            MemberKind::SecretFile
        } else if matches!(ext, "yaml" | "yml") {
            MemberKind::Config { yaml: true }
        } else if matches!(
            ext,
            "options" | "sh" | "properties" | "conf" | "cfg" | "ini" | "env"
        ) || lower.ends_with("rc")
            || path.contains("/files/")
            || path.starts_with("files/")
        {
            MemberKind::Config { yaml: false }
        } else {
            MemberKind::Other
        }
    }
}

/// A file that is itself a secret (a JMX password file): every non-blank, non-comment line.
fn secret_file(bytes: &[u8]) -> Vec<u8> {
    map_lines(bytes, |line| {
        let body = trim_start(line);
        if body.is_empty() || body.starts_with(b"#") || body == REDACTED.as_bytes() {
            line.to_vec()
        } else {
            [&line[..line.len() - body.len()], REDACTED.as_bytes()].concat()
        }
    })
}

/// Applies `f` to each line without its `\n` / `\r\n`, keeping the terminators.
fn map_lines(bytes: &[u8], mut f: impl FnMut(&[u8]) -> Vec<u8>) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for raw in bytes.split_inclusive(|&b| b == b'\n') {
        let end =
            raw.len() - usize::from(raw.ends_with(b"\n")) - usize::from(raw.ends_with(b"\r\n"));
        out.extend(f(&raw[..end]));
        out.extend_from_slice(&raw[end..]);
    }
    out
}

fn trim_start(line: &[u8]) -> &[u8] {
    let n = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &line[n..]
}

fn indent_of(line: &[u8]) -> usize {
    line.iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count()
}

// ---------------------------------------------------------------------------------------------
// Config text

/// `key: value`, `key = value`, `export KEY=value`, `- key: value`, commented out or not.
static CONFIG_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?-u)^(?P<lead>[ \t]*(?P<hash>#+[ \t]*)?(?:-[ \t]+)?(?:export[ \t]+)?)(?P<key>"[^"]*"|'[^']*'|[A-Za-z_][A-Za-z0-9_.\-]*)(?P<sep>[ \t]*:(?:[ \t]+|$)|[ \t]*=[ \t]*)"#,
    )
    .expect("static regex")
});

/// A YAML secret whose value continues on the following, more-indented lines.
#[derive(Clone, Copy)]
struct Pending {
    /// Column of the secret key; continuation lines are indented further.
    indent: usize,
    /// A block scalar (`|`, `>`) or an unclosed quote: every more-indented line is value.
    block: bool,
}

/// Config files: secret values of key/value lines (see the module doc).
fn config_text(bytes: &[u8], yaml: bool) -> Vec<u8> {
    let mut pending: Option<Pending> = None;
    map_lines(bytes, |line| {
        if let Some(p) = pending {
            match continuation(line, p) {
                Continuation::Value(out) => return out,
                Continuation::Keep => return line.to_vec(),
                Continuation::Nested => {}
                Continuation::End => pending = None,
            }
        }
        let (out, next) = config_line(line);
        if yaml && next.is_some() {
            pending = next;
        }
        out
    })
}

enum Continuation {
    /// The line carries the secret's value: this is its redacted form.
    Value(Vec<u8>),
    /// Blank or a comment inside the value: unchanged, still pending.
    Keep,
    /// A nested `- key: value` item: processed on its own, still pending.
    Nested,
    /// Not part of the value (dedent, or a nested mapping): processed on its own.
    End,
}

fn continuation(line: &[u8], p: Pending) -> Continuation {
    let body = trim_start(line);
    if body.is_empty() {
        return Continuation::Keep;
    }
    let indent = indent_of(line);
    if indent <= p.indent {
        return Continuation::End;
    }
    let keep_indent =
        |rest: &[u8]| [&line[..line.len() - rest.len()], REDACTED.as_bytes()].concat();
    if p.block {
        return Continuation::Value(keep_indent(body));
    }
    if body.starts_with(b"#") {
        return Continuation::Keep;
    }
    if let Some(item) = body
        .strip_prefix(b"- ")
        .or_else(|| (body == b"-").then_some(&b""[..]))
    {
        let item = trim_start(item);
        if CONFIG_LINE.is_match(item) && !item.starts_with(b"#") {
            return Continuation::Nested;
        }
        if item.is_empty() || item == REDACTED.as_bytes() {
            return Continuation::Keep;
        }
        return Continuation::Value(keep_indent(item));
    }
    if CONFIG_LINE
        .captures(line)
        .is_some_and(|c| c["sep"].contains(&b':'))
    {
        return Continuation::End;
    }
    Continuation::Value(keep_indent(body))
}

/// One config line; returns it redacted and, for a secret whose value may continue on the
/// next lines, what to look for there.
fn config_line(line: &[u8]) -> (Vec<u8>, Option<Pending>) {
    let Some(c) = CONFIG_LINE.captures(line) else {
        return (line.to_vec(), None);
    };
    let key = c.name("key").map_or(&b""[..], |m| m.as_bytes());
    let key = std::str::from_utf8(key)
        .unwrap_or("")
        .trim_matches(['"', '\'']);
    if !is_secret_key(key) {
        return (line.to_vec(), None);
    }
    let start = c.get(0).map_or(0, |m| m.end());
    let rest = &line[start..];
    // Continuations of a commented-out key are comments: they are not followed.
    let commented = c.name("hash").is_some();
    let pending = |block| {
        (!commented).then_some(Pending {
            indent: c["lead"].len(),
            block,
        })
    };
    match rest.first() {
        None => (line.to_vec(), pending(false)),
        Some(b'|' | b'>') => (line.to_vec(), pending(true)),
        Some(b'{') => (line.to_vec(), None), // flow mapping: its keys are judged one by one
        Some(b'#') if start > 0 && line[start - 1].is_ascii_whitespace() => {
            (line.to_vec(), pending(false))
        }
        Some(_) => {
            let (len, closed) = value_len(rest);
            let value = &rest[..len];
            let out = if is_empty_value(value) {
                line.to_vec()
            } else {
                [&line[..start], REDACTED.as_bytes(), &rest[len..]].concat()
            };
            (out, pending(!closed))
        }
    }
}

/// Length of the value at the start of `rest` and whether it is complete on this line: a
/// quoted value runs to its closing quote, a plain one to a ` #` comment or the line's end
/// (trailing blanks excluded).
fn value_len(rest: &[u8]) -> (usize, bool) {
    match rest[0] {
        q @ (b'"' | b'\'') => {
            let mut i = 1;
            while i < rest.len() {
                if q == b'"' && rest[i] == b'\\' {
                    i += 2;
                    continue;
                }
                if rest[i] == q {
                    if q == b'\'' && rest.get(i + 1) == Some(&b'\'') {
                        i += 2; // '' is a quote inside single quotes
                        continue;
                    }
                    return (i + 1, true);
                }
                i += 1;
            }
            (trimmed_len(rest), false)
        }
        _ => {
            let end = rest
                .windows(2)
                .position(|w| (w[0] == b' ' || w[0] == b'\t') && w[1] == b'#')
                .unwrap_or(rest.len());
            (trimmed_len(&rest[..end]), true)
        }
    }
}

fn trimmed_len(s: &[u8]) -> usize {
    s.len()
        - s.iter()
            .rev()
            .take_while(|b| b.is_ascii_whitespace())
            .count()
}

/// Values that carry no secret, kept so the analysis still sees "unset".
fn is_empty_value(v: &[u8]) -> bool {
    matches!(
        v,
        b"" | b"~" | b"null" | b"Null" | b"NULL" | b"\"\"" | b"''"
    ) || v == REDACTED.as_bytes()
}

// ---------------------------------------------------------------------------------------------
// Free text

/// `key=value`, `key: value`, `-Dkey=value`, `"key":"value"` anywhere in a line.
static INLINE_PAIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?-u)(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)["']?(?P<sep>[ \t]*[=:][ \t]*)(?P<val>"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|[^\s,;}\])"'{\[][^\s,;}\])"']*)"#,
    )
    .expect("static regex")
});

/// Secret `key=value` pairs in free text. Matches are tried left to right; after a pair whose
/// key is not secret the search resumes right after that key, so `JVM_OPTS="… -Dx.password=y"`
/// still reaches the pair inside the quotes.
fn inline_pairs(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let (mut copied, mut pos) = (0, 0);
    while let Some(c) = INLINE_PAIR.captures_at(bytes, pos) {
        let (Some(key), Some(val)) = (c.name("key"), c.name("val")) else {
            break;
        };
        let secret = std::str::from_utf8(key.as_bytes()).is_ok_and(is_secret_key);
        if secret && !is_empty_value(val.as_bytes()) && !is_block_indicator(val.as_bytes()) {
            out.extend_from_slice(&bytes[copied..val.start()]);
            out.extend_from_slice(REDACTED.as_bytes());
            copied = val.end();
            pos = val.end();
        } else {
            pos = key.end();
        }
    }
    out.extend_from_slice(&bytes[copied..]);
    out
}

/// `|`, `>-`, `|2`: a YAML block scalar's value starts on the next line (config rules).
fn is_block_indicator(v: &[u8]) -> bool {
    matches!(v.first(), Some(b'|' | b'>'))
        && v[1..]
            .iter()
            .all(|b| matches!(b, b'-' | b'+' | b'0'..=b'9'))
}

/// CQL `PASSWORD 'x'` (the `=` form is an inline pair already), e.g. in traced statements.
static CQL_PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)(?i)(?P<kw>\bpassword[ \t]+)'(?:[^'\n]|'')*'").expect("static regex")
});

fn cql_passwords(bytes: &[u8]) -> Vec<u8> {
    CQL_PASSWORD
        .replace_all(bytes, |c: &regex::bytes::Captures| {
            [&c["kw"], REDACTED.as_bytes()].concat()
        })
        .into_owned()
}

/// A PEM private key, armour lines included.
static PEM_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)(?s)(?P<begin>-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----)(?P<body>.*?)(?P<end>-----END [A-Z0-9 ]*PRIVATE KEY-----)")
        .expect("static regex")
});

/// The body of every PEM private key: each line keeps its indentation and comment marks (a
/// commented-out key stays commented) and its content becomes `<redacted>`.
fn pem_keys(bytes: &[u8]) -> Vec<u8> {
    PEM_KEY
        .replace_all(bytes, |c: &regex::bytes::Captures| {
            let body = map_lines(&c["body"], |line| {
                let prefix = line
                    .iter()
                    .take_while(|&&b| matches!(b, b' ' | b'\t' | b'#'))
                    .count();
                let content = &line[prefix..];
                if content.is_empty() || content == REDACTED.as_bytes() {
                    line.to_vec()
                } else {
                    let pad = &content[trimmed_len(content)..]; // a trailing blank before END
                    [&line[..prefix], REDACTED.as_bytes(), pad].concat()
                }
            });
            [&c["begin"], &body[..], &c["end"]].concat()
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(path: &str, s: &str, extra: &[&str]) -> String {
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        String::from_utf8(redact_member(path, s.as_bytes(), &extra)).unwrap()
    }

    #[test]
    fn secret_keys() {
        for k in [
            "keystore_password",
            "truststore_password",
            "outbound_keystore_password",
            "key_password",
            "password",
            "truststore_pasword",
            "javax.net.ssl.keyStorePassword",
            "cassandra.jmx.remote.password",
            "server_encryption_options.keystore_password",
            "JMX_PASS",
            "KEYSTORE_PWD",
            "client_secret",
            "aws_credentials",
            "credentials",
            "auth_token",
            "accessToken",
            "token",
            "salted_hash",
            "private_key",
            "passphrase",
        ] {
            assert!(is_secret_key(k), "{k} should be secret");
        }
        for k in [
            "num_tokens",
            "initial_token",
            "tokens",
            "allocate_tokens_for_keyspace",
            "credentials_validity",
            "credentials_update_interval",
            "credentials_cache_max_entries",
            "keystore_password_file",
            "com.sun.management.jmxremote.password.file",
            "password_validator",
            "password_validator_reconfiguration_enabled",
            "authenticator",
            "bypassConcurrentValidatorsLimit",
            "keystore",
            "JVM_OPTS",
            "",
        ] {
            assert!(!is_secret_key(k), "{k} should not be secret");
        }
    }

    #[test]
    fn words_split_camel_case_and_separators() {
        assert_eq!(
            key_words("SSLKeyStorePassword"),
            ["ssl", "key", "store", "password"]
        );
        assert_eq!(key_words("a.b_c-dE"), ["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn yaml_keeps_indentation_comments_and_line_count() {
        let y = "server_encryption_options:\n  keystore: conf/.keystore\n  keystore_password: s3cr3t-ks # the store\n  \"truststore_password\": 'it''s'\n  #keystore_password: old-one\n  password:\n  empty_password: \"\"\nnum_tokens: 16\n";
        let r = text("nodes/a/files/cassandra.yaml", y, &[]);
        assert_eq!(
            r,
            "server_encryption_options:\n  keystore: conf/.keystore\n  keystore_password: <redacted> # the store\n  \"truststore_password\": <redacted>\n  #keystore_password: <redacted>\n  password:\n  empty_password: \"\"\nnum_tokens: 16\n"
        );
    }

    #[test]
    fn yaml_multi_line_values() {
        let y = "ssl_context_factory:\n  parameters:\n    private_key: |\n      -----BEGIN PRIVATE KEY-----\n      MIIEvQIBADANBg\n      -----END PRIVATE KEY-----\n    keystore_password:\n      plain-continued\n    password_validator:\n      class_name: CassandraPasswordValidator\n      min_length: 12\n    secrets:\n      - one\n      - two\nnext: 1\n";
        let r = text("cassandra.yaml", y, &[]);
        assert_eq!(
            r,
            "ssl_context_factory:\n  parameters:\n    private_key: |\n      <redacted>\n      <redacted>\n      <redacted>\n    keystore_password:\n      <redacted>\n    password_validator:\n      class_name: CassandraPasswordValidator\n      min_length: 12\n    secrets:\n      - <redacted>\n      - <redacted>\nnext: 1\n"
        );
    }

    #[test]
    fn jvm_options_and_env_sh() {
        let o = "-Xmx4G\n-Djavax.net.ssl.keyStorePassword=ks-pass-1\n-Dcom.sun.management.jmxremote.password.file=/etc/cassandra/jmxremote.password\n";
        assert_eq!(
            text("nodes/a/files/jvm17-server.options", o, &[]),
            "-Xmx4G\n-Djavax.net.ssl.keyStorePassword=<redacted>\n-Dcom.sun.management.jmxremote.password.file=/etc/cassandra/jmxremote.password\n"
        );
        let sh = "JVM_OPTS=\"$JVM_OPTS -Djavax.net.ssl.trustStorePassword=ts-pass-2 -Dx=1\"\nexport JMX_PASSWORD='p w'\nKEYSTORE_PASS=$(cat /etc/ks) # read\n";
        assert_eq!(
            text("nodes/a/files/cassandra-env.sh", sh, &[]),
            "JVM_OPTS=\"$JVM_OPTS -Djavax.net.ssl.trustStorePassword=<redacted> -Dx=1\"\nexport JMX_PASSWORD=<redacted>\nKEYSTORE_PASS=<redacted> # read\n"
        );
    }

    #[test]
    fn rows_name_value_and_secret_columns() {
        let j = r#"{"query":"SELECT * FROM system_views.settings","columns":["name","value"],"rows":[["server_encryption_options_keystore_password","k1"],["num_tokens","16"],["credentials_validity","2000ms"],["client_encryption_options_truststore_password",null]]}"#;
        let r: Value = serde_json::from_slice(&redact_member(
            "nodes/a/cql/system_views.settings.json",
            j.as_bytes(),
            &[],
        ))
        .unwrap();
        assert_eq!(r["rows"][0][1], REDACTED);
        assert_eq!(r["rows"][1][1], "16");
        assert_eq!(r["rows"][2][1], "2000ms");
        assert_eq!(r["rows"][3][1], Value::Null);
        let j = r#"{"query":"q","columns":["role","salted_hash","is_superuser"],"rows":[["cassandra","$2a$10$abc",true]]}"#;
        let r: Value = serde_json::from_slice(&redact_member(
            "cluster/system_auth.roles.json",
            j.as_bytes(),
            &[],
        ))
        .unwrap();
        assert_eq!(
            r["rows"][0],
            serde_json::json!(["cassandra", REDACTED, true])
        );
    }

    #[test]
    fn clean_json_keeps_its_bytes() {
        let j = b"{\"a\":1,  \"b\":\"x\"}";
        assert_eq!(redact_member("host.json", j, &[]), j);
    }

    #[test]
    fn free_text_pairs_cql_and_pem() {
        let t = "EncryptionOptions{keystore_password=abc123, truststore='conf/.ts'} CREATE ROLE r WITH PASSWORD 'p''w' AND LOGIN; ALTER ROLE r WITH PASSWORD = 'q'\n";
        assert_eq!(
            text("traces/notes.txt", t, &[]),
            "EncryptionOptions{keystore_password=<redacted>, truststore='conf/.ts'} CREATE ROLE r WITH PASSWORD <redacted> AND LOGIN; ALTER ROLE r WITH PASSWORD = <redacted>\n"
        );
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\nBBBB\n-----END RSA PRIVATE KEY-----";
        assert_eq!(
            text("x.txt", pem, &[]),
            "-----BEGIN RSA PRIVATE KEY-----\n<redacted>\n<redacted>\n-----END RSA PRIVATE KEY-----"
        );
    }

    #[test]
    fn extra_secrets_everywhere_but_short_and_public_ones() {
        let p = "metric{user=\"Sup3rS\\\"cret\"} 1\n# Sup3rS\"cret abc cassandra\n";
        assert_eq!(
            text(
                "nodes/a/metrics/scrape-0.prom",
                p,
                &["Sup3rS\"cret", "abc", "cassandra", ""]
            ),
            "metric{user=\"<redacted>\"} 1\n# <redacted> abc cassandra\n"
        );
        // In JSON, strings and keys, not numbers.
        let j = r#"{"activity":"login as bob with hunter2hunter2","hunter2hunter2":12345678}"#;
        let r = text("traces/events.json", j, &["hunter2hunter2", "12345678"]);
        assert!(!r.contains("hunter2hunter2"), "{r}");
        assert!(r.contains("12345678"), "{r}");
    }

    #[test]
    fn secret_files_are_redacted_whole() {
        assert_eq!(
            MemberKind::of("nodes/a/files/jmxremote.password"),
            MemberKind::SecretFile
        );
        assert_eq!(
            text(
                "nodes/a/files/jmxremote.password",
                "# roles\nmonitorRole QED\n\ncontrolRole R&D\n",
                &[]
            ),
            "# roles\n<redacted>\n\n<redacted>\n"
        );
    }

    #[test]
    fn idempotent() {
        let cases = [
            (
                "cassandra.yaml",
                "a:\n  password: |\n    x\n  keystore_password: y # c\n",
            ),
            ("jvm.options", "-Dfoo.password=z\n"),
            (
                "x.json",
                r#"{"columns":["name","value"],"rows":[["password","v"]],"s":"password=q hunter22"}"#,
            ),
            ("s.prom", "m{a=\"hunter22\"} 1\n"),
        ];
        for (path, input) in cases {
            let extra = vec!["hunter22".to_string(), "dact".to_string()];
            let once = redact_member(path, input.as_bytes(), &extra);
            let twice = redact_member(path, &once, &extra);
            assert_eq!(once, twice, "{path}");
            assert_ne!(once, input.as_bytes(), "{path}");
        }
    }

    #[test]
    fn non_utf8_and_crlf_do_not_break() {
        let b = b"keystore_password: \xff\xfe\r\nnum_tokens: 4\r\n";
        assert_eq!(
            redact_member("cassandra.yaml", b, &[]),
            b"keystore_password: <redacted>\r\nnum_tokens: 4\r\n"
        );
        let _ = redact_member("x.json", b"\xff{", &["abcd".into()]);
    }
}
