//! cassandra.yaml rules that need the catalogue: the ones that stop a node from starting,
//! and deprecated names.

use std::collections::BTreeMap;

use super::{Builtin, Scope};
use crate::catalog::{Catalog, Version};
use crate::engine::{Ctx, Emitter, Evidence, Family, Fix, Location, Need, Safety, Severity};
use crate::fix::yaml::key_for_version;
use crate::model::config::{ConfigEntry, ProblemKind, Resolution, YamlConfig};

const CFG: &[Need] = &[Need::Config];
const LOADER: &str =
    "apache/cassandra src/java/org/apache/cassandra/config/YamlConfigurationLoader.java";
const CONFIG_JAVA: &str = "apache/cassandra src/java/org/apache/cassandra/config/Config.java";
const RENAMES: &str = "CASSANDRA-15234: cassandra.yaml parameter names and units (4.1), https://cassandra.apache.org/doc/latest/cassandra/managing/configuration/configuration.html";

pub static RULES: &[Builtin] = &[
    Builtin {
        id: "CFG-001",
        name: "unknown-key",
        family: Family::Config,
        severity: Severity::Error,
        min_version: None,
        max_version: None,
        blocks_startup: true,
        impact: 1.0,
        confidence: 0.95,
        needs: CFG,
        params: &[],
        summary: "A top-level key that this Cassandra version does not know.",
        why: "Cassandra refuses to start on unknown properties (\"Invalid yaml. Please remove properties [...] from your cassandra.yaml\"). A typo therefore takes a node down on its next restart, often long after the edit.",
        evidence: "Each top-level key, looked up in the version's parameter catalogue (current names and the old names 4.1+ still accepts).",
        fix: "Rename the key to the parameter you meant (the finding suggests the closest known name), or remove it. If the key belongs to another Cassandra version, lint with --cassandra-version.",
        references: &[LOADER, CONFIG_JAVA],
        check: Scope::Node(unknown_key),
    },
    Builtin {
        id: "CFG-002",
        name: "old-and-new-name",
        family: Family::Config,
        severity: Severity::Error,
        min_version: Some(Version::V4_1),
        max_version: None,
        blocks_startup: true,
        impact: 1.0,
        confidence: 0.95,
        needs: CFG,
        params: &[],
        summary: "One setting given under both its pre-4.1 name and its new name.",
        why: "Since 4.1 each renamed parameter accepts its old name through a converter, but a file holding both the old and the new key is refused at startup unless -Dcassandra.allow_new_old_config_keys=true. Even where allowed, which value wins is easy to get wrong.",
        evidence: "Pairs of keys that resolve to the same parameter, one through @Replaces.",
        fix: "Keep the new name with a unit (e.g. key_cache_size: 100MiB) and delete the old-name line.",
        references: &[RENAMES, LOADER],
        check: Scope::Node(old_and_new),
    },
    Builtin {
        id: "CFG-003",
        name: "invalid-quantity",
        family: Family::Config,
        severity: Severity::Error,
        min_version: None,
        max_version: None,
        blocks_startup: true,
        impact: 1.0,
        confidence: 0.95,
        needs: CFG,
        params: &[],
        summary: "A size, duration or rate Cassandra cannot parse or that is out of bounds.",
        why: "4.1+ takes `<integer><unit>` with binary units only (B, KiB, MiB, GiB; d, h, m, s, ms, us, ns; B/s, KiB/s, MiB/s). `100MB`, `10 s`, `1.5GiB` or a bare number on a new-style name stop the node; so does a unit finer than the parameter's own (e.g. `10us` where milliseconds are the minimum), a value over the parameter's bound, or a negative number on an old-style name that has no negative meaning.",
        evidence: "The value as written, parsed with the rules of DataStorageSpec, DurationSpec and DataRateSpec and the parameter's minimum unit and bound.",
        fix: "Write the value with a valid unit; the finding proposes the binary equivalent when the intent is clear (100MB → 100MiB).",
        references: &[
            RENAMES,
            "apache/cassandra src/java/org/apache/cassandra/config/DurationSpec.java, DataStorageSpec.java, DataRateSpec.java",
        ],
        check: Scope::Node(invalid_quantity),
    },
    Builtin {
        id: "CFG-004",
        name: "wrong-type",
        family: Family::Config,
        severity: Severity::Error,
        min_version: None,
        max_version: None,
        blocks_startup: true,
        impact: 1.0,
        confidence: 0.9,
        needs: CFG,
        params: &[],
        summary: "A value of the wrong type: text for a number, a list for a scalar, an empty value for a number or boolean.",
        why: "SnakeYAML maps each key onto a typed Java field of Config; a value that cannot be converted aborts startup with a YAML exception that names the property.",
        evidence: "The value's YAML shape and scalar form against the field's Java type.",
        fix: "Give the setting a value of the expected type, or remove the line to take the default.",
        references: &[CONFIG_JAVA, LOADER],
        check: Scope::Node(wrong_type),
    },
    Builtin {
        id: "CFG-005",
        name: "removed-option",
        family: Family::Config,
        severity: Severity::Error,
        min_version: None,
        max_version: None,
        blocks_startup: true,
        impact: 1.0,
        confidence: 0.95,
        needs: CFG,
        params: &[],
        summary: "An option that an older Cassandra had and this version removed.",
        why: "Upgrades that carry an old cassandra.yaml forward fail at startup on options the new version no longer has (Thrift's start_rpc and rpc_port after 4.0, the index_interval of 2.0, …). The error appears only when the upgraded node restarts.",
        evidence: "Keys absent from this version's catalogue but present in an older one.",
        fix: "Delete the line. If the option had a successor, configure that instead (the finding names the version that last had it).",
        references: &[
            CONFIG_JAVA,
            "apache/cassandra NEWS.txt (upgrade notes per release)",
        ],
        check: Scope::Node(removed_option),
    },
    Builtin {
        id: "CFG-006",
        name: "invalid-enum-value",
        family: Family::Config,
        severity: Severity::Error,
        min_version: None,
        max_version: None,
        blocks_startup: true,
        impact: 1.0,
        confidence: 0.95,
        needs: CFG,
        params: &[],
        summary: "A value that is not one of the setting's allowed constants.",
        why: "Enum settings (commitlog_sync, disk_failure_policy, memtable_allocation_type, …) accept only their Java enum constants, case-sensitively; anything else aborts startup.",
        evidence: "The value against the enum constants of the field's type.",
        fix: "Use one of the values listed in the finding.",
        references: &[CONFIG_JAVA],
        check: Scope::Node(invalid_enum),
    },
    Builtin {
        id: "CFG-007",
        name: "deprecated-name",
        family: Family::Config,
        severity: Severity::Info,
        min_version: Some(Version::V4_1),
        max_version: None,
        blocks_startup: false,
        impact: 0.2,
        confidence: 1.0,
        needs: CFG,
        params: &[],
        summary: "A pre-4.1 parameter name that still loads but is deprecated.",
        why: "Old names load through converters and log a deprecation warning at every start; they will be removed in a future major release, and mixing old and new styles invites the old-and-new-name startup failure.",
        evidence: "Keys that resolve through @Replaces(deprecated = true).",
        fix: "Rename to the new name with the value in its unit syntax (the fix converts it exactly).",
        references: &[RENAMES],
        check: Scope::Node(deprecated_name),
    },
    Builtin {
        id: "CFG-008",
        name: "duplicate-key",
        family: Family::Config,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.6,
        confidence: 0.95,
        needs: CFG,
        params: &[],
        summary: "The same key twice: the last one silently wins.",
        why: "SnakeYAML as configured by Cassandra keeps the last occurrence of a duplicated key, so an edit to the first occurrence has no effect, which is a classic cause of 'I changed it and nothing happened'. With -Dcassandra.allow_duplicate_config_keys=false the node refuses to start.",
        evidence: "Top-level keys that occur more than once.",
        fix: "Keep one occurrence with the value you want (the fix keeps the effective, last value).",
        references: &[LOADER],
        check: Scope::Node(duplicate_key),
    },
    Builtin {
        id: "CFG-009",
        name: "unknown-nested-field",
        family: Family::Config,
        severity: Severity::Error,
        min_version: None,
        max_version: None,
        blocks_startup: true,
        impact: 0.9,
        confidence: 0.85,
        needs: CFG,
        params: &[],
        summary: "A key inside a nested block (encryption options, memtable, …) that the block's type does not have.",
        why: "Nested blocks map onto Java classes too; an unknown field fails the load just like an unknown top-level key, and typos in encryption options are particularly costly.",
        evidence: "Keys under object-typed settings, looked up among that class's fields.",
        fix: "Fix the field name or remove it.",
        references: &[
            CONFIG_JAVA,
            "apache/cassandra src/java/org/apache/cassandra/config/EncryptionOptions.java",
        ],
        check: Scope::Node(unknown_nested),
    },
];

fn loc(cfg: &YamlConfig, line: usize, col: usize) -> Option<Location> {
    Some(Location {
        file: cfg.file.path.clone(),
        line,
        column: Some(col),
    })
}

fn entry_evidence(cfg: &YamlConfig, e: &ConfigEntry) -> Evidence {
    Evidence {
        name: e.key.clone(),
        observed: e.raw.clone(),
        expected: None,
        location: loc(cfg, e.line, e.col),
    }
}

fn remove_fix(cfg: &YamlConfig, key: &str, safety: Safety, description: String) -> Fix {
    Fix::SetConfig {
        file: cfg.file.path.clone(),
        key: key.to_string(),
        value: None,
        rename_from: None,
        safety,
        description,
    }
}

fn unknown_key(ctx: &Ctx, em: &mut Emitter) {
    let Some(cfg) = &ctx.node.config else { return };
    let catalog = Catalog::get(cfg.version);
    for e in cfg
        .entries
        .iter()
        .filter(|e| e.resolution == Resolution::Unknown)
    {
        if catalog.removed_since(&e.key).is_some() {
            continue; // CFG-005 explains it better
        }
        let mut msg = format!("`{}` is not a Cassandra {} setting", e.key, cfg.version);
        let mut fix = None;
        if let Some(v) = catalog.added_in(&e.key) {
            msg.push_str(&format!(
                "; it exists from {v} on (is this file for a newer version? use --cassandra-version)"
            ));
        } else if let Some(s) = catalog.suggest(&e.key) {
            msg.push_str(&format!(" (did you mean `{s}`?)"));
            if cfg.entries.iter().all(|x| x.key != s) {
                fix = Some(Fix::SetConfig {
                    file: cfg.file.path.clone(),
                    key: s.to_string(),
                    value: Some(e.raw.clone()),
                    rename_from: Some(e.key.clone()),
                    safety: Safety::Unsafe,
                    description: format!("rename `{}` to `{s}`", e.key),
                });
            }
        }
        msg.push_str("; Cassandra refuses to start with unknown properties");
        let f = em.emit(msg, loc(cfg, e.line, e.col));
        f.evidence.push(entry_evidence(cfg, e));
        f.fixes.push(fix.unwrap_or_else(|| {
            remove_fix(cfg, &e.key, Safety::Unsafe, format!("remove `{}`", e.key))
        }));
    }
}

fn old_and_new(ctx: &Ctx, em: &mut Emitter) {
    let Some(cfg) = &ctx.node.config else { return };
    let mut by_param: BTreeMap<&str, (Vec<&ConfigEntry>, Vec<&ConfigEntry>)> = BTreeMap::new();
    for e in &cfg.entries {
        match &e.resolution {
            Resolution::Current { param } => by_param.entry(param).or_default().0.push(e),
            Resolution::Old { param, .. } => by_param.entry(param).or_default().1.push(e),
            Resolution::Unknown => {}
        }
    }
    for (param, (new, old)) in by_param {
        let (Some(n), Some(o)) = (new.last(), old.first()) else {
            continue;
        };
        let f = em.emit(
            format!(
                "`{}` (line {}) and its old name `{}` (line {}) are both set; Cassandra {} refuses to start with both",
                n.key, n.line, o.key, o.line, cfg.version
            ),
            loc(cfg, o.line, o.col),
        );
        f.evidence.push(entry_evidence(cfg, n));
        f.evidence.push(entry_evidence(cfg, o));
        f.fixes.push(remove_fix(
            cfg,
            &o.key,
            Safety::Safe,
            format!("remove the old name `{}`, keep `{param}: {}`", o.key, n.raw),
        ));
    }
}

fn problems(
    cfg: &YamlConfig,
    kind: ProblemKind,
) -> impl Iterator<Item = (&ConfigEntry, &crate::model::config::ValueProblem)> {
    cfg.entries.iter().flat_map(move |e| {
        e.problems
            .iter()
            .filter(move |p| p.kind == kind)
            .map(move |p| (e, p))
    })
}

fn invalid_quantity(ctx: &Ctx, em: &mut Emitter) {
    let Some(cfg) = &ctx.node.config else { return };
    for (e, p) in problems(cfg, ProblemKind::Unit) {
        let f = em.emit(p.message.clone(), loc(cfg, p.line, p.col));
        f.evidence.push(entry_evidence(cfg, e));
        if let Some(corrected) = si_to_binary(&e.raw) {
            f.fixes.push(Fix::SetConfig {
                file: cfg.file.path.clone(),
                key: e.key.clone(),
                value: Some(corrected.clone()),
                rename_from: None,
                safety: Safety::Safe,
                description: format!("write `{}` as `{corrected}`", e.raw),
            });
        } else {
            f.fixes.push(remove_fix(
                cfg,
                &e.key,
                Safety::Unsafe,
                format!("remove `{}` to use the default", e.key),
            ));
        }
    }
}

/// `100MB` → `100MiB`, `10 s` → `10s`: the corrections whose intent is unambiguous.
fn si_to_binary(raw: &str) -> Option<String> {
    let t = raw.trim().trim_matches('"');
    if let Some(bin) = crate::model::units::si_to_binary(t) {
        return Some(bin);
    }
    let compact: String = t.split_whitespace().collect();
    (compact != t && compact.chars().next().is_some_and(|c| c.is_ascii_digit())).then_some(compact)
}

fn wrong_type(ctx: &Ctx, em: &mut Emitter) {
    let Some(cfg) = &ctx.node.config else { return };
    for (e, p) in problems(cfg, ProblemKind::Type) {
        let f = em.emit(p.message.clone(), loc(cfg, p.line, p.col));
        f.evidence.push(entry_evidence(cfg, e));
        f.fixes.push(remove_fix(
            cfg,
            &e.key,
            Safety::Unsafe,
            format!("remove `{}` to use the default", e.key),
        ));
    }
}

fn invalid_enum(ctx: &Ctx, em: &mut Emitter) {
    let Some(cfg) = &ctx.node.config else { return };
    for (e, p) in problems(cfg, ProblemKind::Enum) {
        let f = em.emit(p.message.clone(), loc(cfg, p.line, p.col));
        f.evidence.push(entry_evidence(cfg, e));
        // A case slip (`Periodic`) has one obvious repair.
        let param = Catalog::get(cfg.version).lookup(&e.key).map(|l| l.param());
        let fixed = param.and_then(|p| {
            p.enum_values
                .iter()
                .find(|v| v.eq_ignore_ascii_case(e.raw.trim_matches('"')))
        });
        match fixed {
            Some(v) => f.fixes.push(Fix::SetConfig {
                file: cfg.file.path.clone(),
                key: e.key.clone(),
                value: Some(v.clone()),
                rename_from: None,
                safety: Safety::Safe,
                description: format!("write `{v}`"),
            }),
            None => f.fixes.push(remove_fix(
                cfg,
                &e.key,
                Safety::Unsafe,
                format!("remove `{}` to use the default", e.key),
            )),
        }
    }
}

fn removed_option(ctx: &Ctx, em: &mut Emitter) {
    let Some(cfg) = &ctx.node.config else { return };
    let catalog = Catalog::get(cfg.version);
    for e in cfg
        .entries
        .iter()
        .filter(|e| e.resolution == Resolution::Unknown)
    {
        let Some(last) = catalog.removed_since(&e.key) else {
            continue;
        };
        let f = em.emit(
            format!(
                "`{}` was removed after Cassandra {last}; {} refuses to start with it",
                e.key, cfg.version
            ),
            loc(cfg, e.line, e.col),
        );
        f.evidence.push(entry_evidence(cfg, e));
        f.fixes.push(remove_fix(
            cfg,
            &e.key,
            Safety::Safe,
            format!("remove `{}`", e.key),
        ));
    }
}

fn deprecated_name(ctx: &Ctx, em: &mut Emitter) {
    let Some(cfg) = &ctx.node.config else { return };
    for e in &cfg.entries {
        let Resolution::Old {
            param,
            deprecated: true,
            ..
        } = &e.resolution
        else {
            continue;
        };
        let Some(new_key) = key_for_version(cfg.version, param) else {
            continue;
        };
        if cfg.entries.iter().any(|x| x.key == new_key) {
            continue; // CFG-002 covers both-present
        }
        let new_value = cfg
            .settings
            .get(Catalog::canonical(param))
            .filter(|s| s.written_as.as_deref() == Some(e.key.as_str()))
            .and_then(|s| s.value.as_quantity())
            .map(|q| {
                let min = Catalog::get(cfg.version).param(param).and_then(|p| p.unit);
                q.normalized(min.unwrap_or(q.unit)).to_string()
            })
            .unwrap_or_else(|| e.raw.clone());
        let f = em.emit(
            format!(
                "`{}` is deprecated since 4.1; write `{new_key}: {new_value}`",
                e.key
            ),
            loc(cfg, e.line, e.col),
        );
        f.evidence.push(entry_evidence(cfg, e));
        f.fixes.push(Fix::SetConfig {
            file: cfg.file.path.clone(),
            key: new_key.clone(),
            value: Some(new_value.clone()),
            rename_from: Some(e.key.clone()),
            safety: Safety::Safe,
            description: format!("rename `{}: {}` to `{new_key}: {new_value}`", e.key, e.raw),
        });
    }
}

fn duplicate_key(ctx: &Ctx, em: &mut Emitter) {
    let Some(cfg) = &ctx.node.config else { return };
    let mut seen: BTreeMap<&str, Vec<&ConfigEntry>> = BTreeMap::new();
    for e in &cfg.entries {
        seen.entry(e.key.as_str()).or_default().push(e);
    }
    for (key, list) in seen.into_iter().filter(|(_, l)| l.len() > 1) {
        let last = list[list.len() - 1];
        let first = list[0];
        let f = em.emit(
            format!(
                "`{key}` is set {} times; only the last (line {}: {}) takes effect",
                list.len(),
                last.line,
                last.raw
            ),
            loc(cfg, first.line, first.col),
        );
        for e in &list {
            f.evidence.push(entry_evidence(cfg, e));
        }
        f.fixes.push(Fix::SetConfig {
            file: cfg.file.path.clone(),
            key: key.to_string(),
            value: Some(last.raw.clone()),
            rename_from: None,
            safety: Safety::Safe,
            description: format!("keep only `{key}: {}`", last.raw),
        });
    }
}

fn unknown_nested(ctx: &Ctx, em: &mut Emitter) {
    let Some(cfg) = &ctx.node.config else { return };
    for (e, p) in problems(cfg, ProblemKind::UnknownField) {
        let f = em.emit(
            format!("{}; Cassandra refuses to start with it", p.message),
            loc(cfg, p.line, p.col),
        );
        f.evidence.push(Evidence {
            name: p.path.clone(),
            observed: e.key.clone(),
            expected: None,
            location: loc(cfg, p.line, p.col),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn si_corrections() {
        assert_eq!(si_to_binary("100MB").as_deref(), Some("100MiB"));
        assert_eq!(si_to_binary("10 s").as_deref(), Some("10s"));
        assert_eq!(si_to_binary("lots"), None);
        assert_eq!(si_to_binary("1.5GB"), None);
    }
}
