//! Declarative rules: `rules/*.yaml` entries whose condition is a CEL expression.
//!
//! CEL (the expression language of Kubernetes admission policies, Envoy and IAM) keeps user
//! rules side-effect free and total. The variables a condition sees are documented in
//! `rules/README.md`; quantities are plain numbers in base units (bytes, milliseconds,
//! bytes per second) and `mib(64)`, `gib(8)`, `seconds(10)` … build thresholds.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use anyhow::bail;
use cel::common::types::{CelMap, CelMapKey};
use cel::common::value::Val;
use cel::{Context, Env, Program, Value};
use serde::Deserialize;

use super::{Check, Ctx, Doc, Emitter, Family, Location, Need, Rule, RuleMeta, Safety, Severity};
use crate::catalog::Version;
use crate::model::Node;
use crate::model::config::SettingValue;
use crate::model::units::{Dimension, Unit};

/// The rule files shipped inside the binary (rules/*.yaml, converted to JSON by build.rs).
const SHIPPED_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/shipped_rules.json"));

/// The shipped rule files, by their path in the repository.
pub fn shipped() -> anyhow::Result<Vec<(String, RuleFile)>> {
    serde_json::from_str(SHIPPED_JSON)
        .map_err(|e| anyhow::anyhow!("internal error: shipped rules are corrupt: {e}"))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub rules: Vec<RuleSpec>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub name: Option<String>,
    pub family: Option<Family>,
    pub severity: Option<Severity>,
    pub min_version: Option<String>,
    pub max_version: Option<String>,
    pub impact: Option<f32>,
    pub confidence: Option<f32>,
    #[serde(default)]
    pub needs: Vec<Need>,
    #[serde(default)]
    pub params: BTreeMap<String, f64>,
    /// The CEL condition; the rule fires when it is true.
    pub when: Option<String>,
    /// Settings (canonical names) cited as evidence; the first one locates the finding.
    #[serde(default)]
    pub evidence: Vec<String>,
    pub message: Option<String>,
    /// Settings to change, in order; all of them make up the fix.
    #[serde(default)]
    pub fix: Vec<FixSpec>,
    pub doc: Option<Doc>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixSpec {
    /// Canonical setting to change.
    pub set: String,
    /// The new value in 4.1+ syntax (`0MiB`, `16`, `periodic`), rendered per version;
    /// `{placeholders}` are filled like messages, and a value starting with `=` is a CEL
    /// expression (`=string(16 * host.disks)`).
    pub value: String,
    #[serde(default = "unsafe_default")]
    pub safety: Safety,
    pub description: String,
}

fn unsafe_default() -> Safety {
    Safety::Unsafe
}

pub fn parse_file(name: &str, text: &str) -> anyhow::Result<RuleFile> {
    serde_saphyr::from_str(text).map_err(|e| anyhow::anyhow!("{name}: invalid rule file: {e}"))
}

/// Adds the file's rules, or applies them as overrides where the ID exists already.
/// `eager` compiles conditions now (user files); shipped rules compile on first use.
pub fn merge(
    rules: &mut Vec<Rule>,
    file: RuleFile,
    origin: &str,
    eager: bool,
) -> anyhow::Result<()> {
    for spec in file.rules {
        if let Some(existing) = rules.iter_mut().find(|r| r.meta.id == spec.id) {
            apply_override(existing, spec, origin)?;
        } else {
            rules.push(compile(spec, origin, eager)?);
        }
    }
    Ok(())
}

fn parse_version(s: &Option<String>, id: &str, origin: &str) -> anyhow::Result<Option<Version>> {
    s.as_deref()
        .map(|v| {
            v.parse::<Version>()
                .map_err(|e| anyhow::anyhow!("{origin}: rule {id}: {e}"))
        })
        .transpose()
}

fn apply_override(rule: &mut Rule, spec: RuleSpec, origin: &str) -> anyhow::Result<()> {
    let m = &mut rule.meta;
    if spec.when.is_some() || spec.message.is_some() || spec.family.is_some() {
        bail!(
            "{origin}: rule {} already exists ({}); an override may set only severity, params, impact, confidence and versions",
            spec.id,
            m.origin
        );
    }
    if let Some(s) = spec.severity {
        m.severity = s;
    }
    for (k, v) in spec.params {
        if !m.params.contains_key(&k) {
            bail!(
                "{origin}: rule {} has no parameter `{k}` (it has: {})",
                spec.id,
                m.params.keys().cloned().collect::<Vec<_>>().join(", ")
            );
        }
        m.params.insert(k, v);
    }
    if let Some(i) = spec.impact {
        m.impact = i;
    }
    if let Some(c) = spec.confidence {
        m.confidence = c;
    }
    if let Some(v) = parse_version(&spec.min_version, &spec.id, origin)? {
        m.min_version = Some(v);
    }
    if let Some(v) = parse_version(&spec.max_version, &spec.id, origin)? {
        m.max_version = Some(v);
    }
    m.origin = format!("{} (overridden by {origin})", m.origin);
    Ok(())
}

fn compile(spec: RuleSpec, origin: &str, eager: bool) -> anyhow::Result<Rule> {
    let id = spec.id.clone();
    let need =
        |field: &str| anyhow::anyhow!("{origin}: rule {id}: `{field}` is required for a new rule");
    let when = spec.when.clone().ok_or_else(|| need("when"))?;
    let program = OnceLock::new();
    if eager {
        // User rules are checked as they load, so a typo is reported before any lint runs.
        let p = Program::compile(&when).map_err(|e| {
            anyhow::anyhow!("{origin}: rule {id}: the `when` condition is not valid CEL: {e}")
        })?;
        let _ = program.set(Ok(p));
    }
    let doc = spec.doc.clone().ok_or_else(|| need("doc"))?;
    if doc.summary.is_empty() || doc.why.is_empty() || doc.fix.is_empty() {
        bail!("{origin}: rule {id}: doc needs summary, why and fix");
    }
    let meta = RuleMeta {
        id: id.clone(),
        name: spec.name.clone().ok_or_else(|| need("name"))?,
        family: spec.family.ok_or_else(|| need("family"))?,
        severity: spec.severity.ok_or_else(|| need("severity"))?,
        min_version: parse_version(&spec.min_version, &id, origin)?,
        max_version: parse_version(&spec.max_version, &id, origin)?,
        blocks_startup: false,
        impact: spec.impact.unwrap_or(0.5),
        confidence: spec.confidence.unwrap_or(0.8),
        needs: if spec.needs.is_empty() {
            vec![Need::Config]
        } else {
            spec.needs.clone()
        },
        params: spec.params.clone(),
        doc,
        origin: origin.to_string(),
    };
    Ok(Rule {
        meta,
        check: Check::Cel(Box::new(CelCheck {
            source: when,
            program,
            message: spec.message.clone().ok_or_else(|| need("message"))?,
            evidence: spec.evidence.clone(),
            fix: spec.fix.clone(),
        })),
    })
}

pub struct CelCheck {
    /// The condition's source; compiled on first use (most runs need only some rules, and
    /// compiling is the costly part of a CEL rule).
    source: String,
    program: OnceLock<Result<Program, String>>,
    message: String,
    evidence: Vec<String>,
    fix: Vec<FixSpec>,
}

impl CelCheck {
    /// Compiles the condition if that has not happened yet.
    pub fn warm(&self) {
        let _ = self.program();
    }

    fn program(&self) -> Result<&Program, String> {
        self.program
            .get_or_init(|| {
                Program::compile(&self.source)
                    .map_err(|e| format!("the `when` condition is not valid CEL: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Evaluates the condition; Err is the reason it could not be checked.
    pub fn run(&self, ctx: &Ctx, root: &Context, em: &mut Emitter) -> Result<(), String> {
        let mut c = root.new_inner_scope();
        let params: std::collections::HashMap<String, Value> = ctx
            .meta
            .params
            .iter()
            .map(|(k, v)| (k.clone(), Value::Float(*v)))
            .collect();
        c.add_variable_from_value("params", params);
        let program = self.program()?;
        let fired = match program.execute(&c) {
            Ok(Value::Bool(b)) => b,
            Ok(other) => return Err(format!("condition returned {other:?}, not a boolean")),
            Err(e) => return Err(format!("condition could not be evaluated: {e}")),
        };
        if !fired {
            return Ok(());
        }
        let node = ctx.node;
        let config = node.config.as_ref();
        let location = self.evidence.first().and_then(|name| {
            let cfg = config?;
            let s = cfg.get(name)?;
            Some(Location {
                file: cfg.file.path.clone(),
                line: s.line.unwrap_or(1),
                column: None,
            })
        });
        let message = render(&self.message, ctx);
        let f = em.emit(message, location);
        for name in &self.evidence {
            if let Some(cfg) = config
                && let Some(s) = cfg.get(name)
            {
                f.evidence.push(super::Evidence {
                    name: s.written_as.clone().unwrap_or_else(|| name.clone()),
                    observed: if s.is_explicit() {
                        s.display.clone()
                    } else {
                        format!("{} (default)", s.display)
                    },
                    expected: None,
                    location: s.line.map(|l| Location {
                        file: cfg.file.path.clone(),
                        line: l,
                        column: None,
                    }),
                });
                continue;
            }
            if let Some(v) = host_fact(node, name) {
                f.evidence.push(super::Evidence {
                    name: name.clone(),
                    observed: v,
                    expected: None,
                    location: None,
                });
            }
        }
        if let Some(cfg) = config {
            for spec in &self.fix {
                let value = match spec.value.strip_prefix('=') {
                    Some(expr) => eval_to_string(expr, &c)?,
                    None => render(&spec.value, ctx),
                };
                if let Some(fix) = crate::fix::yaml::set_fix(
                    cfg,
                    &spec.set,
                    &value,
                    spec.safety,
                    &spec.description,
                ) {
                    f.fixes.push(fix);
                }
            }
        }
        Ok(())
    }
}

fn eval_to_string(expr: &str, c: &Context) -> Result<String, String> {
    let p =
        Program::compile(expr).map_err(|e| format!("fix value `{expr}` is not valid CEL: {e}"))?;
    match p.execute(c) {
        Ok(Value::String(s)) => Ok(s.to_string()),
        Ok(Value::Int(i)) => Ok(i.to_string()),
        Ok(Value::UInt(i)) => Ok(i.to_string()),
        Ok(Value::Float(f)) => Ok(trim_float(f)),
        Ok(Value::Bool(b)) => Ok(b.to_string()),
        Ok(other) => Err(format!("fix value `{expr}` gave {other:?}")),
        Err(e) => Err(format!("fix value `{expr}` could not be evaluated: {e}")),
    }
}

fn host_fact(node: &Node, name: &str) -> Option<String> {
    let h = &node.host;
    match name {
        "host.cores" => h.cores.map(|c| c.to_string()),
        "host.ram" => h.ram_bytes.map(crate::model::units::human_bytes),
        "host.disks" => h.data_disks.map(|d| d.to_string()),
        _ => None,
    }
}

/// Fills `{setting}`, `{params.x}`, `{host.cores}`, `{version}` placeholders.
fn render(template: &str, ctx: &Ctx) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let key = &rest[start + 1..start + end];
        let value = if let Some(p) = key.strip_prefix("params.") {
            ctx.meta.params.get(p).map(|v| trim_float(*v))
        } else if key == "version" {
            Some(ctx.node.version.to_string())
        } else if key.starts_with("host.") {
            host_fact(ctx.node, key)
        } else {
            ctx.node
                .config
                .as_ref()
                .and_then(|c| c.get(key))
                .map(|s| s.display.clone())
        };
        match value {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[start..start + end + 1]),
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

fn trim_float(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn register_functions(c: &mut Context) {
    // Thresholds in base units; errors here would be a duplicate name, which tests catch.
    let _ = c.add_function("kib", |n: i64| n << 10);
    let _ = c.add_function("mib", |n: i64| n << 20);
    let _ = c.add_function("gib", |n: i64| n << 30);
    let _ = c.add_function("seconds", |n: i64| n * 1000);
    let _ = c.add_function("minutes", |n: i64| n * 60_000);
    let _ = c.add_function("hours", |n: i64| n * 3_600_000);
    let _ = c.add_function("parent", |p: Arc<String>| -> String {
        let t = p.trim_end_matches('/');
        match t.rfind('/') {
            Some(0) => "/".to_string(),
            Some(i) => t[..i].to_string(),
            None => String::new(),
        }
    });
}

/// The root CEL context of one node: variables converted once and the helper functions,
/// shared by every CEL rule through a child scope.
pub fn node_context(node: &Node) -> Context<'static, 'static> {
    // The map CEL would build from a `HashMap<String, Value>`, built directly: going through
    // `Value::Map` copies all ~400 settings three times over (into `Value`'s map, a clone of
    // it, then the `Val` map), once per node.
    let mut settings: std::collections::HashMap<CelMapKey<'static>, Box<dyn Val>> =
        std::collections::HashMap::new();
    let mut explicit = Vec::new();
    if let Some(cfg) = &node.config {
        settings.reserve(cfg.settings.len());
        for (name, s) in &cfg.settings {
            // setting_to_cel builds plain values only, which always convert.
            let Ok(value) = Box::<dyn Val>::try_from(setting_to_cel(&s.value)) else {
                continue;
            };
            settings.insert(CelMapKey::from(name.clone()), value);
            if s.is_explicit() {
                explicit.push(Value::String(Arc::new(name.clone())));
            }
        }
    }
    let mut jvm = std::collections::HashMap::<String, Value>::new();
    if let Some(j) = &node.jvm {
        use crate::parse::jvm::{OptionKind, SizeFlag};
        let size = |f| {
            j.size(f)
                .and_then(|(_, b)| b)
                .map(|b: u128| Value::Int(b as i64))
        };
        let heap = j.max_heap().map(|b| Value::Int(b as i64));
        jvm.insert("heap_max".into(), heap.unwrap_or(Value::Null));
        jvm.insert(
            "heap_min".into(),
            size(SizeFlag::Xms).unwrap_or(Value::Null),
        );
        jvm.insert(
            "new_size".into(),
            size(SizeFlag::Xmn).unwrap_or(Value::Null),
        );
        let gc = j
            .gc()
            .map(|(g, _)| Value::String(Arc::new(g.name().to_string())));
        jvm.insert("gc".into(), gc.unwrap_or(Value::Null));
        let mut flags = std::collections::HashMap::<String, Value>::new();
        for o in j.active() {
            match &o.parsed.kind {
                OptionKind::BoolFlag { name, on } => {
                    flags.insert(name.clone(), Value::Bool(*on));
                }
                OptionKind::ValueFlag { name, value } => {
                    flags.insert(name.clone(), Value::String(Arc::new(value.clone())));
                }
                _ => {}
            }
        }
        jvm.insert("flags".into(), flags.into());
    }
    let h = &node.host;
    let opt_int = |v: Option<i64>| v.map(Value::Int).unwrap_or(Value::Null);
    let host: std::collections::HashMap<String, Value> = [
        ("cores".to_string(), opt_int(h.cores.map(i64::from))),
        ("ram".to_string(), opt_int(h.ram_bytes.map(|b| b as i64))),
        ("disks".to_string(), opt_int(h.data_disks.map(i64::from))),
    ]
    .into_iter()
    .collect();
    // The standard library's declarations, built once: `Context::default()` rebuilds them.
    static STDLIB: OnceLock<Arc<Env>> = OnceLock::new();
    let env = STDLIB.get_or_init(|| Arc::new(Env::stdlib()));
    let mut c = Context::with_env(Arc::clone(env));
    c.add_variable_as_val("settings", Box::new(CelMap::from(settings)));
    c.add_variable_from_value("explicit", Value::List(Arc::new(explicit)));
    c.add_variable_from_value("version", Value::String(Arc::new(node.version.to_string())));
    c.add_variable_from_value("jvm", jvm);
    c.add_variable_from_value("host", host);
    register_functions(&mut c);
    c
}

fn setting_to_cel(v: &SettingValue) -> Value {
    match v {
        SettingValue::Null => Value::Null,
        SettingValue::Bool(b) => Value::Bool(*b),
        SettingValue::Int(i) => Value::Int(*i),
        SettingValue::Float(f) => Value::Float(*f),
        SettingValue::Str(s) => Value::String(Arc::new(s.clone())),
        SettingValue::Quantity(q) => match q.dimension() {
            Dimension::Storage => Value::Int(i64::try_from(q.base()).unwrap_or(i64::MAX)),
            Dimension::Duration => Value::Float(q.as_f64(Unit::Ms)),
            Dimension::Rate => Value::Float(q.base() as f64),
        },
        SettingValue::List(items) => Value::List(Arc::new(
            items
                .iter()
                .map(|s| Value::String(Arc::new(s.clone())))
                .collect(),
        )),
        SettingValue::Map(m) => m
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(Arc::new(v.clone()))))
            .collect::<std::collections::HashMap<_, _>>()
            .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_rule_files_compile() {
        let mut rules = Vec::new();
        for (name, f) in shipped().unwrap() {
            merge(&mut rules, f, &name, true).unwrap();
        }
        assert!(rules.len() >= 10);
    }

    #[test]
    fn bad_cel_is_reported_with_rule_and_file() {
        let f = parse_file(
            "x.yaml",
            "rules:\n  - id: X-1\n    name: x\n    family: config\n    severity: info\n    when: 'settings.a >'\n    message: m\n    doc: {summary: s, why: w, evidence: e, fix: f}\n",
        )
        .unwrap();
        let e = merge(&mut Vec::new(), f, "x.yaml", true)
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.starts_with("x.yaml: rule X-1: the `when` condition is not valid CEL"),
            "{e}"
        );
    }

    #[test]
    fn unknown_fields_in_rule_files_are_errors() {
        let e = parse_file("x.yaml", "rules:\n  - id: X-1\n    serverity: info\n").unwrap_err();
        assert!(e.to_string().contains("serverity"), "{e}");
    }
}
