//! cassandra.yaml read against one version's catalogue: every key as written, what it
//! resolves to, and its value interpreted the way Cassandra's loader would.
//!
//! Interpretation records problems as facts (`ValueProblem`) instead of judging them; the
//! config rules turn those facts into findings.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde::Serialize;

use crate::catalog::convert::{self, Negative, OldNumber};
use crate::catalog::{Catalog, Kind, Lookup, Param, Version};
use crate::model::units::{Dimension, Quantity, Unit, UnitError};
use crate::parse::yaml::{self, Node, Pos, Value};

/// A configuration file as read.
#[derive(Debug, Clone, Serialize)]
pub struct SourceFile {
    pub path: String,
    #[serde(skip)]
    pub text: String,
}

/// cassandra.yaml interpreted for one version.
#[derive(Debug, Serialize)]
pub struct YamlConfig {
    pub file: SourceFile,
    pub version: Version,
    /// Every top-level key in file order, duplicates included.
    pub entries: Vec<ConfigEntry>,
    /// Effective value per canonical (5.0) name: what the file sets (last one wins), else the
    /// version's built-in default.
    pub settings: BTreeMap<String, Setting>,
    /// Rebuilt from a running node's `system_views.settings` rather than read from a file:
    /// the node evidently started, and there is no file to patch.
    pub running: bool,
}

#[derive(Debug, Serialize)]
pub struct ConfigEntry {
    pub key: String,
    pub line: usize,
    pub col: usize,
    pub resolution: Resolution,
    /// The parameter's canonical (5.0) name, None for an unknown key: what
    /// [`YamlConfig::entry_for`] and the effective settings match on.
    #[serde(skip)]
    pub canonical: Option<&'static str>,
    /// The value as written, for evidence (`100MB`, `[a, b]`).
    pub raw: String,
    pub value_line: usize,
    #[serde(skip)]
    pub node: Node,
    pub problems: Vec<ValueProblem>,
    /// The loaded value, for the occurrence Cassandra keeps when it loads.
    #[serde(skip)]
    pub value: Option<SettingValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Resolution {
    /// The key is this version's current name for `param`.
    Current { param: String },
    /// The key is an old name of `param`, still accepted through `converter`.
    Old {
        param: String,
        converter: String,
        deprecated: bool,
    },
    /// Not a parameter of this version.
    Unknown,
}

/// Why a value would not load.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueProblem {
    pub line: usize,
    pub col: usize,
    /// Dotted path below the top-level key for nested problems (`client_encryption_options.foo`).
    pub path: String,
    pub kind: ProblemKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// Wrong YAML shape or scalar type for the parameter.
    Type,
    /// A quantity with bad syntax, a unit finer than allowed, or out of bounds.
    Unit,
    /// Not one of the enum's constants.
    Enum,
    /// A key inside a nested mapping that the nested type does not have.
    UnknownField,
}

/// One effective setting.
#[derive(Debug, Clone, Serialize)]
pub struct Setting {
    pub name: String,
    /// The key as written in the file (an old name, say), None for a default.
    pub written_as: Option<String>,
    pub line: Option<usize>,
    pub value: SettingValue,
    /// The text as written or the catalogue default's text.
    pub display: String,
}

impl Setting {
    pub fn is_explicit(&self) -> bool {
        self.written_as.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum SettingValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Quantity(Quantity),
    List(Vec<String>),
    /// A nested structure, kept as dotted-path → scalar text.
    Map(BTreeMap<String, String>),
}

impl SettingValue {
    pub fn as_quantity(&self) -> Option<Quantity> {
        match self {
            SettingValue::Quantity(q) => Some(*q),
            _ => None,
        }
    }
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            SettingValue::Int(i) => Some(*i),
            SettingValue::Float(f) if f.fract() == 0.0 => Some(*f as i64),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            SettingValue::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            SettingValue::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

impl YamlConfig {
    /// Interprets a parsed document (which must be a mapping) for `version`.
    pub fn interpret(file: SourceFile, root: &Node, version: Version) -> YamlConfig {
        let catalog = Catalog::get(version);
        let mut entries = Vec::new();
        let all = root.entries().unwrap_or(&[]);
        let last_of: HashMap<&str, usize> = all
            .iter()
            .enumerate()
            .map(|(i, e)| (e.key.as_str(), i))
            .collect();
        for (i, e) in all.iter().enumerate() {
            let lookup = catalog.lookup(&e.key);
            let canonical = lookup.map(|l| Catalog::canonical(&l.param().name));
            let resolution = match lookup {
                Some(Lookup::Current(p)) => Resolution::Current {
                    param: p.name.clone(),
                },
                Some(Lookup::Old(p, r)) => Resolution::Old {
                    param: p.name.clone(),
                    converter: r.converter.clone(),
                    deprecated: r.deprecated,
                },
                None => Resolution::Unknown,
            };
            let mut problems = Vec::new();
            // SnakeYAML keeps only the last occurrence of a duplicated key and never parses the
            // earlier values, so only the last one has a value or problems (CFG-008 still
            // reports the duplication).
            let value = match lookup {
                Some(l) if last_of[e.key.as_str()] == i => {
                    interpret_value(l, &e.value, &e.key, &mut problems)
                }
                _ => None,
            };
            entries.push(ConfigEntry {
                key: e.key.clone(),
                line: e.key_pos.line,
                col: e.key_pos.col,
                resolution,
                canonical,
                raw: raw_value(&e.key, &e.value),
                value_line: e.value.pos.line,
                node: e.value.clone(),
                problems,
                value,
            });
        }
        let settings = effective_settings(catalog, &entries);
        YamlConfig {
            file,
            version,
            entries,
            settings,
            running: false,
        }
    }

    /// The effective setting by canonical name.
    pub fn get(&self, name: &str) -> Option<&Setting> {
        self.settings.get(name)
    }

    /// The entry that sets `canonical` last (the one SnakeYAML keeps).
    pub fn entry_for(&self, canonical: &str) -> Option<&ConfigEntry> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.canonical == Some(canonical))
    }
}

fn effective_settings(
    catalog: &'static Catalog,
    entries: &[ConfigEntry],
) -> BTreeMap<String, Setting> {
    let mut out = default_settings(catalog.version).clone();
    for e in entries {
        let (Some(canonical), Some(value)) = (e.canonical, &e.value) else {
            continue;
        };
        let value = value.clone();
        let setting = Setting {
            name: canonical.to_string(),
            written_as: Some(e.key.clone()),
            line: Some(e.line),
            value,
            display: e.raw.clone(),
        };
        match out.get_mut(canonical) {
            Some(s) => *s = setting,
            None => {
                out.insert(canonical.to_string(), setting);
            }
        }
    }
    out
}

/// Every parameter of `version` at its built-in default, by canonical name: the same for every
/// file, so built once per process (interpreting ~400 defaults cost more than reading a
/// typical cassandra.yaml, for each file `casstune lint` reads).
fn default_settings(version: Version) -> &'static BTreeMap<String, Setting> {
    static CELLS: [OnceLock<BTreeMap<String, Setting>>; Version::ALL.len()] =
        [const { OnceLock::new() }; Version::ALL.len()];
    let i = Version::ALL.iter().position(|v| *v == version).unwrap_or(0);
    CELLS[i].get_or_init(|| {
        let mut out = BTreeMap::new();
        for p in &Catalog::get(version).params {
            let canonical = Catalog::canonical_name(&p.name);
            let value = p
                .default
                .as_deref()
                .map(|d| default_value(p, d))
                .unwrap_or(SettingValue::Null);
            out.insert(
                canonical.clone(),
                Setting {
                    name: canonical,
                    written_as: None,
                    line: None,
                    display: p.default.clone().unwrap_or_else(|| "(derived)".into()),
                    value,
                },
            );
        }
        out
    })
}

fn default_value(p: &Param, text: &str) -> SettingValue {
    let node = Node {
        value: Value::Scalar {
            text: text.to_string(),
            quoted: false,
        },
        pos: Pos::default(),
    };
    let mut scratch = Vec::new();
    match p.kind {
        Kind::List | Kind::Set | Kind::Map | Kind::Object | Kind::ParameterizedClass => {
            SettingValue::Str(text.to_string())
        }
        _ => interpret_value(Lookup::Current(p), &node, &p.name, &mut scratch)
            .unwrap_or(SettingValue::Str(text.to_string())),
    }
}

/// The value of `key` for evidence and messages: secrets never leave the file.
pub fn raw_value(key: &str, node: &Node) -> String {
    if is_secret_key(key) && !node.is_null() {
        "<redacted>".to_string()
    } else {
        raw_text(node)
    }
}

/// Keys whose values are credentials (keystore_password, truststore_password, password, …).
pub fn is_secret_key(key: &str) -> bool {
    // Deliberately loose: a misspelled key (`truststore_pasword`) is still a secret.
    // Case-insensitive without lowercasing a copy: this runs for every key and value printed.
    let k = key.as_bytes();
    (0..k.len()).any(|i| {
        ["pass", "pasw", "pwd", "secret"].iter().any(|p| {
            k[i..]
                .get(..p.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(p.as_bytes()))
        })
    })
}

/// The value as the user wrote it, compact, for evidence lines.
pub fn raw_text(node: &Node) -> String {
    match &node.value {
        Value::Scalar { text, quoted } => {
            if *quoted {
                format!("\"{text}\"")
            } else {
                text.clone()
            }
        }
        Value::Seq(items) => format!(
            "[{}]",
            items.iter().map(raw_text).collect::<Vec<_>>().join(", ")
        ),
        Value::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|e| format!("{}: {}", e.key, raw_value(&e.key, &e.value)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Alias => "*alias".into(),
    }
}

/// Interprets `node` for the parameter `lookup` resolves to; pushes problems and returns the
/// value when it loads.
fn interpret_value(
    lookup: Lookup<'_>,
    node: &Node,
    path: &str,
    problems: &mut Vec<ValueProblem>,
) -> Option<SettingValue> {
    let mut problem = |kind, message: String| {
        problems.push(ValueProblem {
            line: node.pos.line,
            col: node.pos.col,
            path: path.to_string(),
            kind,
            message,
        })
    };
    if matches!(node.value, Value::Alias) {
        return None;
    }
    let (param, old) = match lookup {
        Lookup::Current(p) => {
            // A parameter that kept its name but gained units (`*_save_period`) still takes a
            // bare number in its old unit.
            let same_name = p.replaces.iter().find(|r| r.old_name == p.name);
            (p, same_name.map(|r| convert::old_form(&r.converter)))
        }
        Lookup::Old(p, r) => (p, Some(convert::old_form(&r.converter))),
    };
    if node.is_null() {
        // SnakeYAML sets the field to null: fine for objects, a load failure for primitives.
        return if is_primitive(param) && old.is_none_or(|o| o.number != OldNumber::Same) {
            problem(
                ProblemKind::Type,
                format!("`{path}` has no value; expected {}", param.kind.describe()),
            );
            None
        } else {
            Some(SettingValue::Null)
        };
    }
    // An old name's bare number, converted into the new parameter's unit.
    if let Some(form) = old.filter(|o| o.unit.is_some()) {
        let unit = form.unit.unwrap_or(Unit::B);
        let text = node.as_scalar();
        match form.number {
            OldNumber::MebibytesSpec => {
                return interpret_quantity(
                    node,
                    Dimension::Storage,
                    Unit::MiB,
                    None,
                    path,
                    &mut problem,
                );
            }
            OldNumber::SecondsOrDuration => {
                if let Some(n) = text.and_then(|t| t.parse::<i64>().ok()) {
                    return quantity_from_number(n, unit, form.negative, path, &mut problem);
                }
                // else: falls through to the new-style duration below
            }
            OldNumber::Double => match text.and_then(|t| t.parse::<f64>().ok()) {
                Some(f) if f >= 0.0 => {
                    return Some(SettingValue::Quantity(Quantity::new(
                        f.round() as u64,
                        unit,
                    )));
                }
                _ => {
                    problem(
                        ProblemKind::Type,
                        format!(
                            "`{path}` must be a non-negative number of {unit}, found `{}`",
                            raw_text(node)
                        ),
                    );
                    return None;
                }
            },
            OldNumber::Int | OldNumber::Long => {
                return match text.and_then(parse_java_int) {
                    Some(n) if form.number == OldNumber::Int && i32::try_from(n).is_err() => {
                        problem(
                            ProblemKind::Type,
                            format!("`{path}` = {n} does not fit a Java int"),
                        );
                        None
                    }
                    Some(n) => quantity_from_number(n, unit, form.negative, path, &mut problem),
                    None => {
                        problem(
                            ProblemKind::Type,
                            format!(
                                "`{path}` takes a plain integer number of {unit} (the name carries the unit), found `{}`",
                                raw_text(node)
                            ),
                        );
                        None
                    }
                };
            }
            OldNumber::Same => {}
        }
    }
    let unit_of = |p: &Param| p.unit.or_else(|| convert::unit_from_suffix(&p.name));
    match param.kind {
        Kind::Duration | Kind::Storage | Kind::Rate => {
            let dim = param.kind.dimension().unwrap_or(Dimension::Storage);
            let min = param.unit.unwrap_or(Unit::accepted(dim)[0]);
            interpret_quantity(node, dim, min, param.max, path, &mut problem)
        }
        Kind::Bool => match node.as_scalar().and_then(yaml11_bool) {
            Some(b) => Some(SettingValue::Bool(b)),
            None => {
                problem(
                    ProblemKind::Type,
                    format!("`{path}` must be true or false, found `{}`", raw_text(node)),
                );
                None
            }
        },
        Kind::Int | Kind::Long => match node.as_scalar().and_then(parse_java_int) {
            Some(n) if param.kind == Kind::Int && i32::try_from(n).is_err() => {
                problem(
                    ProblemKind::Type,
                    format!("`{path}` = {n} does not fit a Java int"),
                );
                None
            }
            Some(n) => match unit_of(param) {
                // 3.11/4.0 names with a unit suffix: keep the quantity when it is one.
                Some(u) if n >= 0 => Some(SettingValue::Quantity(Quantity::new(n as u64, u))),
                _ => Some(SettingValue::Int(n)),
            },
            None => {
                problem(
                    ProblemKind::Type,
                    format!("`{path}` must be an integer, found `{}`", raw_text(node)),
                );
                None
            }
        },
        Kind::Double => match node.as_scalar().and_then(|t| t.parse::<f64>().ok()) {
            Some(f) => Some(SettingValue::Float(f)),
            None => {
                problem(
                    ProblemKind::Type,
                    format!("`{path}` must be a number, found `{}`", raw_text(node)),
                );
                None
            }
        },
        Kind::String => match &node.value {
            Value::Scalar { text, .. } => Some(SettingValue::Str(text.clone())),
            _ => {
                problem(
                    ProblemKind::Type,
                    format!(
                        "`{path}` must be a single value, found {}",
                        node.kind_name()
                    ),
                );
                None
            }
        },
        Kind::Enum => match node.as_scalar() {
            // Cassandra's enums are matched by constant name; SnakeYAML is case sensitive,
            // but Cassandra upper-cases a few (handled by listing both in the catalogue).
            Some(t) if param.enum_values.iter().any(|v| v == t) || param.enum_values.is_empty() => {
                Some(SettingValue::Str(t.to_string()))
            }
            Some(t) => {
                problem(
                    ProblemKind::Enum,
                    format!(
                        "`{path}: {t}` is not one of: {}",
                        param.enum_values.join(", ")
                    ),
                );
                None
            }
            None => {
                problem(
                    ProblemKind::Type,
                    format!("`{path}` must be one value, found {}", node.kind_name()),
                );
                None
            }
        },
        Kind::List | Kind::Set => match &node.value {
            Value::Seq(items) => Some(SettingValue::List(items.iter().map(raw_text).collect())),
            _ => {
                problem(
                    ProblemKind::Type,
                    format!("`{path}` must be a list, found {}", node.kind_name()),
                );
                None
            }
        },
        // A class setting reads as its class name: `authenticator: PasswordAuthenticator` and
        // `authenticator: {class_name: PasswordAuthenticator, parameters: …}` mean the same.
        Kind::ParameterizedClass => {
            let item = match &node.value {
                // seed_provider is written as a one-element list of mappings in every stock file.
                Value::Seq(items) if items.len() == 1 => &items[0],
                _ => node,
            };
            match &item.value {
                Value::Scalar { text, .. } => Some(SettingValue::Str(text.clone())),
                Value::Map(_) => match item.get("class_name").and_then(Node::as_scalar) {
                    Some(c) => Some(SettingValue::Str(c.to_string())),
                    None => Some(SettingValue::Map(flatten(item))),
                },
                _ => {
                    problem(
                        ProblemKind::Type,
                        format!(
                            "`{path}` must be a class name or a mapping with class_name, found {}",
                            node.kind_name()
                        ),
                    );
                    None
                }
            }
        }
        Kind::Map => match &node.value {
            Value::Map(_) => Some(SettingValue::Map(flatten(node))),
            _ => {
                problem(
                    ProblemKind::Type,
                    format!("`{path}` must be a mapping, found {}", node.kind_name()),
                );
                None
            }
        },
        Kind::Object => match &node.value {
            Value::Map(entries) => {
                if !param.fields.is_empty() {
                    for e in entries {
                        let sub = format!("{path}.{}", e.key);
                        match param.field(&e.key) {
                            Some(f) => {
                                let mut inner = Vec::new();
                                interpret_value(f, &e.value, &sub, &mut inner);
                                problems.extend(inner);
                            }
                            None => problems.push(ValueProblem {
                                line: e.key_pos.line,
                                col: e.key_pos.col,
                                path: sub.clone(),
                                kind: ProblemKind::UnknownField,
                                message: format!("`{sub}` is not a field of `{path}`"),
                            }),
                        }
                    }
                }
                Some(SettingValue::Map(flatten(node)))
            }
            _ => {
                problems.push(ValueProblem {
                    line: node.pos.line,
                    col: node.pos.col,
                    path: path.to_string(),
                    kind: ProblemKind::Type,
                    message: format!("`{path}` must be a mapping, found {}", node.kind_name()),
                });
                None
            }
        },
    }
}

fn is_primitive(p: &Param) -> bool {
    !p.nullable
        && matches!(p.kind, Kind::Bool | Kind::Int | Kind::Long | Kind::Double)
        && !p.java_type.starts_with("java.lang.")
}

fn interpret_quantity(
    node: &Node,
    dim: Dimension,
    min: Unit,
    max: Option<u128>,
    path: &str,
    problem: &mut impl FnMut(ProblemKind, String),
) -> Option<SettingValue> {
    let Some(text) = node.as_scalar() else {
        problem(
            ProblemKind::Type,
            format!(
                "`{path}` must be a single value, found {}",
                node.kind_name()
            ),
        );
        return None;
    };
    match Quantity::parse_bounded(text, dim, min, max) {
        Ok(q) => Some(SettingValue::Quantity(q)),
        Err(e) => {
            let hint = match &e {
                UnitError::Syntax { .. } => legacy_hint(text, dim),
                _ => String::new(),
            };
            problem(ProblemKind::Unit, format!("`{path}`: {e}{hint}"));
            None
        }
    }
}

/// A hint for the common mistakes: SI units (`100MB`) and bare numbers on new names.
fn legacy_hint(text: &str, dim: Dimension) -> String {
    if text.bytes().all(|b| b.is_ascii_digit()) {
        let unit = match dim {
            Dimension::Storage => "MiB",
            Dimension::Duration => "ms",
            Dimension::Rate => "MiB/s",
        };
        return format!(" (a bare number needs a unit here, e.g. `{text}{unit}`)");
    }
    if let Some(bin) = crate::model::units::si_to_binary(text) {
        return format!(" (Cassandra takes binary units: `{bin}`)");
    }
    String::new()
}

fn quantity_from_number(
    n: i64,
    unit: Unit,
    negative: Negative,
    path: &str,
    problem: &mut impl FnMut(ProblemKind, String),
) -> Option<SettingValue> {
    if n >= 0 {
        return Some(SettingValue::Quantity(Quantity::new(n as u64, unit)));
    }
    match negative {
        Negative::MinusOneIsNull if n == -1 => Some(SettingValue::Null),
        Negative::NegativeIsNull => Some(SettingValue::Null),
        Negative::ClampToZero => Some(SettingValue::Quantity(Quantity::new(0, unit))),
        _ => {
            problem(
                ProblemKind::Unit,
                format!("`{path}` = {n}: only non-negative values are valid"),
            );
            None
        }
    }
}

/// YAML 1.1 booleans, as SnakeYAML resolves them.
pub fn yaml11_bool(t: &str) -> Option<bool> {
    match t {
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

/// A YAML 1.1 integer as SnakeYAML reads it: optional sign, digits, `_` separators, 0x / 0 prefixes.
fn parse_java_int(t: &str) -> Option<i64> {
    let t = t.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let body = body.replace('_', "");
    if body.is_empty() {
        return None;
    }
    let v = if let Some(h) = body.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if body.len() > 1 && body.starts_with('0') && body.bytes().all(|b| b.is_ascii_digit()) {
        i64::from_str_radix(&body[1..], 8).ok()?
    } else if body.bytes().all(|b| b.is_ascii_digit()) {
        body.parse().ok()?
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

/// A nested mapping as dotted path → scalar text.
fn flatten(node: &Node) -> BTreeMap<String, String> {
    fn walk(prefix: &str, node: &Node, out: &mut BTreeMap<String, String>) {
        match &node.value {
            Value::Map(entries) => {
                for e in entries {
                    let p = if prefix.is_empty() {
                        e.key.clone()
                    } else {
                        format!("{prefix}.{}", e.key)
                    };
                    walk(&p, &e.value, out);
                }
            }
            Value::Seq(items) if items.iter().all(|i| matches!(i.value, Value::Map(_))) => {
                for (i, item) in items.iter().enumerate() {
                    walk(&format!("{prefix}[{i}]"), item, out);
                }
            }
            _ => {
                out.insert(prefix.to_string(), raw_text(node));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk("", node, &mut out);
    out
}

/// Reads `text` as cassandra.yaml for `version`. Errors are input errors (exit 2).
pub fn load(path: &str, text: &str, version: Version) -> Result<YamlConfig, InputError> {
    let root = parse_root(path, text)?;
    Ok(YamlConfig::interpret(
        SourceFile {
            path: path.to_string(),
            text: text.to_string(),
        },
        &root,
        version,
    ))
}

/// Parses the document and insists on a top-level mapping.
pub fn parse_root(path: &str, text: &str) -> Result<Node, InputError> {
    let root = yaml::parse(text).map_err(|e| InputError {
        path: path.to_string(),
        line: e.line,
        message: format!("not valid YAML: {} (column {})", e.message, e.col),
    })?;
    let Some(root) = root else {
        return Err(InputError {
            path: path.to_string(),
            line: 1,
            message: "the file holds no YAML document (empty or only comments); expected a mapping of cassandra.yaml settings".into(),
        });
    };
    if root.entries().is_none() {
        return Err(InputError {
            path: path.to_string(),
            line: root.pos.line,
            message: format!(
                "the document is {}, expected a mapping of cassandra.yaml settings (key: value lines)",
                root.kind_name()
            ),
        });
    }
    Ok(root)
}

/// A file casstune cannot read as what it claims to be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct InputError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str, v: Version) -> YamlConfig {
        load("t.yaml", text, v).unwrap()
    }

    #[test]
    fn new_style_values_are_quantities() {
        let c = cfg(
            "key_cache_size: 100MiB\nread_request_timeout: 5s\n",
            Version::V5_0,
        );
        let s = c.get("key_cache_size").unwrap();
        assert_eq!(
            s.value,
            SettingValue::Quantity(Quantity::new(100, Unit::MiB))
        );
        assert_eq!(s.line, Some(1));
        assert_eq!(
            c.get("read_request_timeout")
                .unwrap()
                .value
                .as_quantity()
                .unwrap()
                .base(),
            5_000_000_000
        );
        assert!(c.entries.iter().all(|e| e.problems.is_empty()));
    }

    #[test]
    fn old_names_convert_into_the_canonical_vocabulary() {
        for v in [Version::V4_0, Version::V5_0] {
            let c = cfg("key_cache_size_in_mb: 100\n", v);
            let s = c.get("key_cache_size").unwrap();
            assert_eq!(s.value.as_quantity().unwrap().base(), 100 << 20, "{v}");
            assert_eq!(s.written_as.as_deref(), Some("key_cache_size_in_mb"));
        }
    }

    #[test]
    fn problems_are_recorded_with_lines() {
        let c = cfg(
            "cluster_name: x\nkey_cache_size: 100MB\nconcurrent_reads: lots\ncommitlog_sync: sometimes\n",
            Version::V5_0,
        );
        let kinds: Vec<_> = c
            .entries
            .iter()
            .flat_map(|e| e.problems.iter().map(|p| (p.line, p.kind)))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (2, ProblemKind::Unit),
                (3, ProblemKind::Type),
                (4, ProblemKind::Enum)
            ]
        );
        let unit = &c.entries[1].problems[0].message;
        assert!(unit.contains("`100MiB`"), "{unit}");
    }

    #[test]
    fn only_the_last_duplicate_is_parsed() {
        let c = cfg(
            "concurrent_reads: lots\nconcurrent_reads: 32\n",
            Version::V5_0,
        );
        assert!(c.entries.iter().all(|e| e.problems.is_empty()));
        assert_eq!(
            c.get("concurrent_reads").unwrap().value,
            SettingValue::Int(32)
        );
        let c = cfg(
            "concurrent_reads: 32\nconcurrent_reads: lots\n",
            Version::V5_0,
        );
        assert!(c.entries[0].problems.is_empty());
        assert_eq!(c.entries[1].problems.len(), 1);
    }

    #[test]
    fn nested_old_names_load() {
        let c = cfg(
            "server_encryption_options:\n  internode_encryption: none\n  enable_legacy_ssl_storage_port: false\n",
            Version::V5_0,
        );
        assert!(
            c.entries.iter().all(|e| e.problems.is_empty()),
            "{:?}",
            c.entries[0].problems
        );
    }

    #[test]
    fn defaults_fill_unset_settings() {
        let c = cfg("cluster_name: x\n", Version::V5_0);
        let s = c.get("read_request_timeout").unwrap();
        assert!(!s.is_explicit());
        assert_eq!(s.value.as_quantity().unwrap().base(), 5_000_000_000);
    }

    #[test]
    fn input_errors_name_file_and_line() {
        assert_eq!(
            load("x.yaml", "", Version::V5_0).unwrap_err().to_string(),
            "x.yaml:1: the file holds no YAML document (empty or only comments); expected a mapping of cassandra.yaml settings"
        );
        let e = load("x.yaml", "- a\n- b\n", Version::V5_0).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("x.yaml:1: the document is a list"),
            "{e}"
        );
        let e = load("x.yaml", "a: 1\n b: [\n", Version::V5_0).unwrap_err();
        assert!(e.to_string().starts_with("x.yaml:2: not valid YAML"), "{e}");
    }

    #[test]
    fn secret_keys_match_without_regard_to_case() {
        for k in [
            "keystore_password",
            "TrustStorePassWord",
            "truststore_pasword",
            "db_PWD",
            "client_secret",
            "pass",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in ["", "pas", "num_tokens", "pw_d", "secre", "ünicode_pàss"] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn java_ints() {
        assert_eq!(parse_java_int("1_000"), Some(1000));
        assert_eq!(parse_java_int("0x10"), Some(16));
        assert_eq!(parse_java_int("-5"), Some(-5));
        assert_eq!(parse_java_int("1.5"), None);
        assert_eq!(parse_java_int("ten"), None);
    }
}
