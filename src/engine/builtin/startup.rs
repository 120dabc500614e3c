//! cassandra.yaml rules for what happens after the file has loaded: the checks that
//! `DatabaseDescriptor.applyAll()` (applySimpleConfig, applyPartitioner, applyAddressConfig,
//! applySnitch, applyTokensConfig, applySeedProvider, applySslContext, applyGuardrails),
//! `AuthConfig.applyAuth()` and the early daemon setup (MemtableParams, CompactionParams,
//! CommitLog) perform. A file that breaks one of them loads fine and still stops the node.
//!
//! Each check follows the Java source of the versions it names; a check that changed meaning
//! between versions says so where it branches on `cfg.version`.

use std::collections::BTreeSet;

use super::{Builtin, Scope};
use crate::catalog::{ClassKind, ClassList, Version};
use crate::engine::{
    Ctx, Emitter, Evidence, Family, Finding, Fix, Location, Need, Safety, Severity,
};
use crate::fix::yaml::{key_for_version, set_fix};
use crate::model::config::{Resolution, SettingValue, YamlConfig, yaml11_bool};
use crate::model::units::{Dimension, Quantity, Unit};
use crate::parse::yaml::{Node, Value};

const CFG: &[Need] = &[Need::Config];
const DD: &str = "apache/cassandra src/java/org/apache/cassandra/config/DatabaseDescriptor.java";
const CONFIG_JAVA: &str = "apache/cassandra src/java/org/apache/cassandra/config/Config.java";
const AUTH: &str = "apache/cassandra src/java/org/apache/cassandra/auth/AuthConfig.java";
const GUARDRAILS: &str =
    "apache/cassandra src/java/org/apache/cassandra/config/GuardrailsOptions.java";

pub static RULES: &[Builtin] = &[
    Builtin {
        id: "CFG-010",
        name: "commitlog-sync-mismatch",
        family: Family::Config,
        severity: Severity::Error,
        min_version: None,
        max_version: None,
        blocks_startup: true,
        impact: 1.0,
        confidence: 0.95,
        needs: CFG,
        params: &[],
        summary: "commitlog_sync missing, or its companion settings do not match the mode.",
        why: "applySimpleConfig insists on a commitlog_sync mode and on exactly the setting that mode uses: periodic needs a non-zero commitlog_sync_period, batch must not have one, group needs commitlog_sync_group_window and no period (3.11 batch needs commitlog_sync_batch_window_in_ms, and before 5.0 periodic must not have it). Anything else fails with \"Missing required directive CommitLogSync\", \"Batch sync specified, but commitlog_sync_period found.\" and the like. Switching the mode in a stock file without touching the period line is the usual way to hit it.",
        evidence: "commitlog_sync and the effective commitlog_sync_period, commitlog_sync_group_window and commitlog_sync_batch_window_in_ms (explicit or default), with their lines.",
        fix: "periodic: commitlog_sync_period: 10000ms. batch: delete commitlog_sync_period (the fix instead switches to periodic, the mode the period belongs to, in agreement with CFG-020). group: commitlog_sync_group_window: 1000ms (or what you measured) and delete commitlog_sync_period.",
        references: &[DD, CONFIG_JAVA],
        check: Scope::Node(commitlog_sync),
    },
    Builtin {
        id: "CFG-011",
        name: "missing-required-setting",
        family: Family::Config,
        severity: Severity::Error,
        min_version: None,
        max_version: None,
        blocks_startup: true,
        impact: 1.0,
        confidence: 0.95,
        needs: CFG,
        params: &[],
        summary: "partitioner, endpoint_snitch or seed_provider missing, or a seed list with no seeds.",
        why: "These settings have no built-in default: applyPartitioner fails with \"Missing directive: partitioner\", applySnitch with \"Missing endpoint_snitch directive\" and applySeedProvider with \"seeds configuration is missing; a minimum of one seed is required.\". SimpleSeedProvider with an empty seeds string fails with \"The seed provider lists no seeds.\" (4.0+), and without a seeds parameter it dies on a NullPointerException (before 5.0, which falls back to the local address). Hand-written or templated files that rely on the stock file for these lines hit it.",
        evidence: "The setting (absent or empty), and for seeds the parameter as written.",
        fix: "Copy the line from the stock cassandra.yaml: partitioner: org.apache.cassandra.dht.Murmur3Partitioner (it must match the cluster), endpoint_snitch (GossipingPropertyFileSnitch in production), and a seed_provider with at least one seed per data center.",
        references: &[
            DD,
            "apache/cassandra src/java/org/apache/cassandra/locator/SimpleSeedProvider.java",
        ],
        check: Scope::Node(missing_required),
    },
    Builtin {
        id: "CFG-012",
        name: "invalid-value-at-startup",
        family: Family::Config,
        severity: Severity::Error,
        min_version: None,
        max_version: None,
        blocks_startup: true,
        impact: 1.0,
        confidence: 0.95,
        needs: CFG,
        params: &[],
        summary: "A value the loader accepts but DatabaseDescriptor rejects: out of its range or inconsistent with a related setting.",
        why: "The yaml loader checks types and units only. applySimpleConfig then enforces ranges (concurrent_reads and concurrent_writes at least 2, phi_convict_threshold 5..16, num_tokens at most 1536, commitlog_segment_size and max_value_size below 2048MiB, memtable_cleanup_threshold 0.01..0.99, …) and relations (commitlog_segment_size at least twice max_mutation_size, user_defined_functions_warn_timeout below the fail timeout, …), and parses auto_snapshot_ttl. Each violation stops the node with a ConfigurationException that names the setting.",
        evidence: "The setting(s) with the value as written and its line, the bound from DatabaseDescriptor, and Cassandra's own message.",
        fix: "Bring the value inside the bound; the fix proposes the stock default where that is the obvious choice, or removes the line when the default is derived from the heap or the CPU count.",
        references: &[DD, CONFIG_JAVA],
        check: Scope::Node(invalid_value),
    },
    Builtin {
        id: "CFG-013",
        name: "initial-token-mismatch",
        family: Family::Config,
        severity: Severity::Error,
        min_version: None,
        max_version: None,
        blocks_startup: true,
        impact: 1.0,
        confidence: 0.95,
        needs: CFG,
        params: &[],
        summary: "initial_token with a different number of tokens than num_tokens, or a token the partitioner cannot read.",
        why: "applyTokensConfig splits initial_token on commas and refuses to start when the count differs from num_tokens (\"The number of initial tokens (by initial_token) specified (2) is different from num_tokens value (16)\"), when several tokens are given without num_tokens, or when a token is not valid for the partitioner: Murmur3Partitioner needs a signed 64-bit integer, RandomPartitioner an integer in 0..2^127, ByteOrderedPartitioner hex digits.",
        evidence: "initial_token, num_tokens and partitioner as written.",
        fix: "Give num_tokens the number of tokens listed (the fix does that), or list one valid token per vnode. Tokens come from the partitioner's range; generate them rather than typing them.",
        references: &[
            DD,
            "apache/cassandra src/java/org/apache/cassandra/dht/Murmur3Partitioner.java",
        ],
        check: Scope::Node(initial_token),
    },
    Builtin {
        id: "CFG-014",
        name: "address-conflict",
        family: Family::Config,
        severity: Severity::Error,
        min_version: None,
        max_version: None,
        blocks_startup: true,
        impact: 1.0,
        confidence: 0.95,
        needs: CFG,
        params: &[],
        summary: "A wildcard address where Cassandra needs a real one, or an address and an interface given together.",
        why: "applyAddressConfig refuses listen_address or broadcast_address 0.0.0.0 (\"listen_address cannot be a wildcard address (0.0.0.0)!\"), rpc_address 0.0.0.0 without a concrete broadcast_rpc_address (clients would be told to connect to 0.0.0.0), a wildcard broadcast_rpc_address, and listen_address with listen_interface (or rpc_address with rpc_interface) set together. Binding the client port to all interfaces with rpc_address: 0.0.0.0 is common and needs broadcast_rpc_address beside it.",
        evidence: "The address settings as written, with their lines.",
        fix: "Use the node's own IP for listen_address; with rpc_address: 0.0.0.0 set broadcast_rpc_address to that IP (the fix copies listen_address when it is one); keep either the address or the interface setting.",
        references: &[DD],
        check: Scope::Node(addresses),
    },
    Builtin {
        id: "CFG-015",
        name: "unknown-class",
        family: Family::Config,
        severity: Severity::Error,
        min_version: None,
        max_version: None,
        blocks_startup: true,
        impact: 1.0,
        confidence: 0.8,
        needs: CFG,
        params: &[],
        summary: "A partitioner, snitch, seed provider, auth backend, memtable, compaction strategy or compressor class that this Cassandra version does not ship.",
        why: "Pluggable settings name Java classes. Cassandra resolves a short name in its own package (org.apache.cassandra.dht for partitioners, .locator for snitches, .auth for authenticators, .db.memtable, .db.compaction, .io.compress) and uses a dotted name as is; seed_provider class_name is always used as is. A class that cannot be found stops the node (\"Unable to find snitch class '…'\", \"Could not create memtable factory for class …\"). Only the default memtable configuration, default_compaction and commitlog_compression are built at startup. A custom class on the classpath is legitimate, which is why this rule is not certain.",
        evidence: "The class name as written, how Cassandra resolves it, and the list of classes the version's cassandra-all jar ships (catalog/classes-<version>.json).",
        fix: "Correct the name (the fix proposes the closest shipped class) or use the fully qualified name. If the class is your own and on the classpath, suppress this finding.",
        references: &[
            DD,
            AUTH,
            "apache/cassandra src/java/org/apache/cassandra/schema/MemtableParams.java",
            "apache/cassandra src/java/org/apache/cassandra/schema/CompactionParams.java",
            "apache/cassandra src/java/org/apache/cassandra/schema/CompressionParams.java",
        ],
        check: Scope::Node(unknown_class),
    },
    Builtin {
        id: "CFG-016",
        name: "encryption-incomplete",
        family: Family::Security,
        severity: Severity::Error,
        min_version: None,
        max_version: None,
        blocks_startup: true,
        impact: 1.0,
        confidence: 0.9,
        needs: CFG,
        params: &[],
        summary: "Encryption switched on without what it needs: no keystore_password, or an SSL-only port without encryption.",
        why: "applySslContext builds the SSL context of every encryption block that is enabled; from 4.1 the file-based factory requires keystore_password (\"Failed to initialize SSL … 'keystore_password' must be specified\"), and the stock files ship it commented out. native_transport_port_ssl on its own port needs client encryption on, and the legacy SSL storage port needs internode encryption.",
        evidence: "The encryption block's enabled / optional / internode_encryption flags and keystore_password, as written.",
        fix: "Add keystore_password (and a keystore that exists) to the block, or leave encryption off. Drop native_transport_port_ssl (deprecated in 5.0) or enable client encryption.",
        references: &[
            DD,
            "apache/cassandra src/java/org/apache/cassandra/security/FileBasedSslContextFactory.java",
            "apache/cassandra src/java/org/apache/cassandra/config/EncryptionOptions.java",
        ],
        check: Scope::Node(encryption),
    },
    Builtin {
        id: "CFG-017",
        name: "directory-clash",
        family: Family::Config,
        severity: Severity::Error,
        min_version: None,
        max_version: None,
        blocks_startup: true,
        impact: 1.0,
        confidence: 0.95,
        needs: CFG,
        params: &[],
        summary: "Two of the data, commit log, hints, saved caches and system data directories are the same path.",
        why: "applySimpleConfig compares the configured directories as strings and refuses to start when commitlog_directory, hints_directory, saved_caches_directory or local_system_data_file_directory equals a data_file_directories entry or each other (\"commitlog_directory must not be the same as any data_file_directories\"), or when data_file_directories has an empty entry. Each kind of file needs its own directory; on one disk, use sibling directories.",
        evidence: "The clashing settings with their values and lines.",
        fix: "Give each setting its own directory (for example /var/lib/cassandra/data and /var/lib/cassandra/commitlog).",
        references: &[DD],
        check: Scope::Node(directories),
    },
    Builtin {
        id: "CFG-018",
        name: "unsupported-setting",
        family: Family::Config,
        severity: Severity::Error,
        min_version: None,
        max_version: None,
        blocks_startup: true,
        impact: 1.0,
        confidence: 0.95,
        needs: CFG,
        params: &[],
        summary: "A value or combination the version refuses: a removed feature, an unavailable sstable format, auth backends that do not fit together, or a form 5.0 crashes on.",
        why: "Some accepted values are refused at apply time: 5.0 has disk_access_mode: direct in its enum but rejects it, removed JavaScript UDFs (scripted_user_defined_functions_enabled: true, CASSANDRA-18252), and refuses sstable.selected_format: bti while storage_compatibility_mode is CASSANDRA_4 (the default). 5.0.9 also dies on a NullPointerException with default_compaction given as a mapping without `parameters`, and with the deprecated table_count_warn_threshold (its converter reads the system schema before the partitioner exists). Every version refuses user_defined_functions_threads_enabled: false without allow_insecure_udfs: true, and AuthConfig refuses an authorizer (or network/CIDR authorizer) that requires authentication with an authenticator that does not authenticate.",
        evidence: "The settings involved, as written or by default, with Cassandra's message.",
        fix: "Use a supported value (the fix proposes one), set storage_compatibility_mode: NONE once the whole cluster runs 5.0 before selecting bti, and pair CassandraAuthorizer with PasswordAuthenticator.",
        references: &[
            DD,
            AUTH,
            "apache/cassandra src/java/org/apache/cassandra/utils/StorageCompatibilityMode.java",
        ],
        check: Scope::Node(unsupported),
    },
    Builtin {
        id: "CFG-019",
        name: "threshold-pair-invalid",
        family: Family::Config,
        severity: Severity::Error,
        min_version: Some(Version::V4_1),
        max_version: None,
        blocks_startup: true,
        impact: 1.0,
        confidence: 0.95,
        needs: CFG,
        params: &[],
        summary: "A guardrail or read-size threshold pair Cassandra refuses: warn above fail, 0, or a negative value other than -1.",
        why: "GuardrailsOptions validates every *_warn_threshold / *_fail_threshold pair when the node starts: the warn threshold must not exceed the fail threshold (for minimum_replication_factor the other way round), 0 is refused (\"if attempting to disable use -1\"), and so is any negative value other than -1. applySimpleConfig does the same for the coordinator/local/row-index read size thresholds. A bad pair fails with \"Invalid guardrails configuration: The warn threshold 100 for tables_warn_threshold should be lower than the fail threshold 50\".",
        evidence: "Both thresholds of the pair as written or by default.",
        fix: "Make the warn threshold the smaller one (or the larger one for minimum_replication_factor); disable a guardrail with -1 (sizes and durations: leave it empty).",
        references: &[GUARDRAILS, DD],
        check: Scope::Node(thresholds),
    },
];

// ------------------------------------------------------------------ small helpers

fn loc(cfg: &YamlConfig, line: usize, col: usize) -> Option<Location> {
    Some(Location {
        file: cfg.file.path.clone(),
        line,
        column: Some(col),
    })
}

/// Where the file sets `name`, or the top of the file for a missing setting.
fn at(cfg: &YamlConfig, name: &str) -> Option<Location> {
    match cfg.entry_for(name) {
        Some(e) => loc(cfg, e.line, e.col),
        None => Some(Location {
            file: cfg.file.path.clone(),
            line: 1,
            column: None,
        }),
    }
}

/// Evidence for one setting: the key and value as written with the line, or the default.
fn ev(cfg: &YamlConfig, name: &str) -> Evidence {
    match cfg.entry_for(name) {
        Some(e) => Evidence {
            name: e.key.clone(),
            observed: e.raw.clone(),
            expected: None,
            location: loc(cfg, e.line, e.col),
        },
        None => Evidence {
            name: name.to_string(),
            observed: match cfg.get(name) {
                Some(s) if s.value != SettingValue::Null => format!("{} (default)", s.display),
                _ => "(not set)".into(),
            },
            expected: None,
            location: None,
        },
    }
}

fn ev_expect(cfg: &YamlConfig, name: &str, expected: impl Into<String>) -> Evidence {
    Evidence {
        expected: Some(expected.into()),
        ..ev(cfg, name)
    }
}

/// The effective value, None for null or a setting this version does not have.
fn val<'a>(cfg: &'a YamlConfig, name: &str) -> Option<&'a SettingValue> {
    cfg.get(name)
        .map(|s| &s.value)
        .filter(|v| **v != SettingValue::Null)
}

/// True when the file itself gives `name` a non-null value.
fn explicit(cfg: &YamlConfig, name: &str) -> bool {
    cfg.get(name).is_some_and(|s| s.is_explicit()) && val(cfg, name).is_some()
}

/// True when the file sets `name` to a value the loader cannot read (CFG-003/004/006 report it,
/// and Cassandra stops at the load): the effective value is then only the default.
fn unloadable(cfg: &YamlConfig, name: &str) -> bool {
    cfg.entry_for(name).is_some_and(|e| !e.node.is_null())
        && cfg.get(name).is_some_and(|s| !s.is_explicit())
}

/// A number: plain, or a quantity in `unit` (legacy bare numbers are read in their own unit,
/// which only matters for sign and zero tests).
fn num(cfg: &YamlConfig, name: &str, unit: Option<Unit>) -> Option<f64> {
    match val(cfg, name)? {
        SettingValue::Int(i) => Some(*i as f64),
        SettingValue::Float(f) => Some(*f),
        SettingValue::Quantity(q) => Some(match unit {
            Some(u) if u.dimension() == q.dimension() => q.as_f64(u),
            _ => q.amount as f64,
        }),
        _ => None,
    }
}

fn text<'a>(cfg: &'a YamlConfig, name: &str) -> Option<&'a str> {
    match val(cfg, name)? {
        SettingValue::Str(s) => Some(s),
        _ => None,
    }
}

fn flag(cfg: &YamlConfig, name: &str) -> Option<bool> {
    val(cfg, name)?.as_bool()
}

/// The key this version's Cassandra uses for a canonical setting (its messages name it so).
fn key_of(cfg: &YamlConfig, name: &str) -> String {
    key_for_version(cfg.version, name).unwrap_or_else(|| name.to_string())
}

/// The value the way Cassandra prints it in its messages.
fn java_text(cfg: &YamlConfig, name: &str) -> String {
    match val(cfg, name) {
        Some(SettingValue::Quantity(q)) if cfg.version.has_units() => q.to_string(),
        Some(SettingValue::Quantity(q)) => q.amount.to_string(),
        Some(SettingValue::Int(i)) => i.to_string(),
        Some(SettingValue::Float(f)) => java_double(*f),
        Some(SettingValue::Bool(b)) => b.to_string(),
        Some(SettingValue::Str(s)) => s.clone(),
        _ => "null".into(),
    }
}

/// `4` → `4.0`, as Java prints a double.
fn java_double(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e7 {
        format!("{f:.1}")
    } else {
        f.to_string()
    }
}

/// "Cassandra 5.0 refuses to start: "<its message>"".
fn says(cfg: &YamlConfig, what: &str, java: &str) -> String {
    format!(
        "{what}; Cassandra {} refuses to start: \"{java}\"",
        cfg.version
    )
}

fn fix_set(cfg: &YamlConfig, name: &str, value: &str, safety: Safety) -> Option<Fix> {
    let key = key_of(cfg, name);
    set_fix(cfg, name, value, safety, &format!("set `{key}: {value}`"))
}

fn fix_remove(cfg: &YamlConfig, name: &str, safety: Safety, why: &str) -> Option<Fix> {
    let e = cfg.entry_for(name)?;
    Some(Fix::SetConfig {
        file: cfg.file.path.clone(),
        key: e.key.clone(),
        value: None,
        rename_from: None,
        safety,
        description: format!("remove `{}` ({why})", e.key),
    })
}

fn push_fix(f: &mut Finding, fix: Option<Fix>) {
    if let Some(fix) = fix {
        f.fixes.push(fix);
    }
}

/// The yaml node the file gives a setting (last occurrence).
fn node<'a>(cfg: &'a YamlConfig, name: &str) -> Option<&'a Node> {
    cfg.entry_for(name)
        .map(|e| &e.node)
        .filter(|n| !n.is_null())
}

fn scalar_bool(n: Option<&Node>) -> Option<bool> {
    n.filter(|n| !n.is_null())?
        .as_scalar()
        .and_then(yaml11_bool)
}

/// A nested scalar, None when absent or null.
fn nested<'a>(n: Option<&'a Node>, key: &str) -> Option<&'a Node> {
    n?.get(key).filter(|v| !v.is_null())
}

/// A ParameterizedClass as SnakeYAML builds it: a mapping, a one-element list of one (the
/// seed_provider form), or in 5.0 a bare class name. Returns (class_name node, parameters).
fn parameterized(n: &Node) -> (Option<&Node>, Option<&Node>) {
    let item = match &n.value {
        Value::Seq(items) if items.len() == 1 => &items[0],
        _ => n,
    };
    match &item.value {
        Value::Scalar { .. } => (Some(item), None),
        Value::Map(_) => {
            let params = item
                .get("parameters")
                .filter(|p| !p.is_null())
                .map(|p| match &p.value {
                    Value::Seq(items) if !items.is_empty() => &items[0],
                    _ => p,
                });
            (item.get("class_name").filter(|c| !c.is_null()), params)
        }
        _ => (None, None),
    }
}

// ------------------------------------------------------------------ CFG-010 commitlog sync

fn ms(cfg: &YamlConfig, name: &str) -> Option<f64> {
    num(cfg, name, Some(Unit::Ms))
}

fn commitlog_sync(ctx: &Ctx, em: &mut Emitter) {
    let Some(cfg) = &ctx.node.config else { return };
    let v = cfg.version;
    let period_key = key_of(cfg, "commitlog_sync_period");
    let window_key = key_of(cfg, "commitlog_sync_group_window");
    let batch_window = "commitlog_sync_batch_window_in_ms";
    if [
        "commitlog_sync_period",
        "commitlog_sync_group_window",
        "commitlog_sync_batch_window_in_ms",
    ]
    .iter()
    .any(|n| unloadable(cfg, n))
    {
        return; // the loader rules report the bad value; Cassandra stops there
    }
    let period = ms(cfg, "commitlog_sync_period").unwrap_or(0.0);
    let mode = match val(cfg, "commitlog_sync") {
        Some(SettingValue::Str(m)) => m.as_str(),
        Some(_) => return, // not loadable: CFG-006 / CFG-004 report it
        None => {
            if cfg
                .entry_for("commitlog_sync")
                .is_some_and(|e| !e.node.is_null())
            {
                return; // an invalid value, reported by the loader rules
            }
            let f = em.emit(
                says(
                    cfg,
                    "commitlog_sync is not set",
                    "Missing required directive CommitLogSync",
                ),
                at(cfg, "commitlog_sync"),
            );
            f.evidence
                .push(ev_expect(cfg, "commitlog_sync", "periodic, batch or group"));
            f.evidence.push(ev(cfg, "commitlog_sync_period"));
            push_fix(f, fix_set(cfg, "commitlog_sync", "periodic", Safety::Safe));
            if period <= 0.0 {
                push_fix(
                    f,
                    fix_set(cfg, "commitlog_sync_period", "10000ms", Safety::Safe),
                );
            }
            return;
        }
    };
    let batch_window_set = num(cfg, batch_window, None).is_some_and(|w| !w.is_nan());
    match mode {
        "batch" => {
            if v == Version::V3_11
                && num(cfg, batch_window, None).is_none_or(|w| w.is_nan() || w <= 0.0)
            {
                let f = em.emit(
                    says(
                        cfg,
                        "commitlog_sync: batch without commitlog_sync_batch_window_in_ms",
                        "Missing value for commitlog_sync_batch_window_in_ms: positive double value expected.",
                    ),
                    at(cfg, "commitlog_sync"),
                );
                f.evidence.push(ev(cfg, "commitlog_sync"));
                f.evidence
                    .push(ev_expect(cfg, batch_window, "a positive number of ms"));
                // No automatic fix: CFG-020's fix moves batch to periodic, and periodic must
                // not have a batch window, so adding one here would break the combined patch.
            }
            if period != 0.0 {
                let java = if v.has_units() {
                    "Batch sync specified, but commitlog_sync_period found.".to_string()
                } else {
                    "Batch sync specified, but commitlog_sync_period_in_ms found. Only specify commitlog_sync_batch_window_in_ms when using batch sync".to_string()
                };
                let f = em.emit(
                    says(
                        cfg,
                        &format!("commitlog_sync: batch with {period_key} set"),
                        &java,
                    ),
                    at(cfg, "commitlog_sync_period"),
                );
                f.evidence.push(ev(cfg, "commitlog_sync"));
                f.evidence
                    .push(ev_expect(cfg, "commitlog_sync_period", "unset (0)"));
                // The file carries a sync period, which only periodic mode uses: switch to it (the
                // same repair as CFG-020's, so the two fixes agree). Keeping batch means deleting
                // the period line instead.
                push_fix(
                    f,
                    set_fix(
                        cfg,
                        "commitlog_sync",
                        "periodic",
                        Safety::Unsafe,
                        "set `commitlog_sync: periodic` (the mode the sync period belongs to; to keep batch, delete the period line instead)",
                    ),
                );
            }
        }
        "group" => {
            let window = num(cfg, "commitlog_sync_group_window", Some(Unit::Ms));
            if window.is_none_or(|w| w.is_nan() || w <= 0.0) {
                let java = if v.has_units() {
                    "Missing value for commitlog_sync_group_window."
                } else {
                    "Missing value for commitlog_sync_group_window_in_ms: positive double value expected."
                };
                let f = em.emit(
                    says(
                        cfg,
                        &format!("commitlog_sync: group without {window_key}"),
                        java,
                    ),
                    at(cfg, "commitlog_sync"),
                );
                f.evidence.push(ev(cfg, "commitlog_sync"));
                f.evidence.push(ev_expect(
                    cfg,
                    "commitlog_sync_group_window",
                    "a positive duration",
                ));
                push_fix(
                    f,
                    fix_set(cfg, "commitlog_sync_group_window", "1000ms", Safety::Unsafe),
                );
            } else if period != 0.0 {
                let f = em.emit(
                    says(
                        cfg,
                        &format!("commitlog_sync: group with {period_key} set"),
                        &format!("Group sync specified, but {period_key} found. Only specify {window_key} when using group sync"),
                    ),
                    at(cfg, "commitlog_sync_period"),
                );
                f.evidence.push(ev(cfg, "commitlog_sync"));
                f.evidence
                    .push(ev_expect(cfg, "commitlog_sync_period", "unset (0)"));
                push_fix(
                    f,
                    fix_remove(
                        cfg,
                        "commitlog_sync_period",
                        Safety::Safe,
                        "group mode uses the group window",
                    ),
                );
            }
        }
        _ => {
            // periodic: 4.1+ compares the duration with 0; 3.11/4.0 require a positive int
            if period <= 0.0 {
                let java = if v.has_units() {
                    "Missing value for commitlog_sync_period."
                } else {
                    "Missing value for commitlog_sync_period_in_ms: positive integer expected"
                };
                let f = em.emit(
                    says(
                        cfg,
                        &format!("commitlog_sync: periodic without {period_key}"),
                        java,
                    ),
                    at(cfg, "commitlog_sync"),
                );
                f.evidence.push(ev(cfg, "commitlog_sync"));
                f.evidence.push(ev_expect(
                    cfg,
                    "commitlog_sync_period",
                    "a positive duration",
                ));
                push_fix(
                    f,
                    fix_set(cfg, "commitlog_sync_period", "10000ms", Safety::Safe),
                );
            } else if v < Version::V5_0 && batch_window_set {
                let java = if v.has_units() {
                    "commitlog_sync_period specified, but commitlog_sync_batch_window found.  Only specify commitlog_sync_period when using periodic sync."
                } else {
                    "commitlog_sync_period_in_ms specified, but commitlog_sync_batch_window_in_ms found.  Only specify commitlog_sync_period_in_ms when using periodic sync."
                };
                let f = em.emit(
                    says(
                        cfg,
                        "commitlog_sync: periodic with commitlog_sync_batch_window_in_ms set",
                        java,
                    ),
                    at(cfg, batch_window),
                );
                f.evidence.push(ev(cfg, "commitlog_sync"));
                f.evidence.push(ev(cfg, batch_window));
                push_fix(
                    f,
                    fix_remove(
                        cfg,
                        batch_window,
                        Safety::Safe,
                        "periodic mode does not use it",
                    ),
                );
            }
        }
    }
}

// ------------------------------------------------------------------ CFG-011 missing settings

const SIMPLE_SEED_PROVIDER: &str = "org.apache.cassandra.locator.SimpleSeedProvider";

fn missing_required(ctx: &Ctx, em: &mut Emitter) {
    let Some(cfg) = &ctx.node.config else { return };
    let seed_default = if cfg.version >= Version::V4_0 {
        "127.0.0.1:7000"
    } else {
        "127.0.0.1"
    };
    let seed_provider = format!(
        "[{{class_name: {SIMPLE_SEED_PROVIDER}, parameters: [{{seeds: \"{seed_default}\"}}]}}]"
    );
    let required: [(&str, &str, &str, String); 3] = [
        (
            "partitioner",
            "Missing directive: partitioner",
            "it must match the partitioner the cluster was created with",
            "org.apache.cassandra.dht.Murmur3Partitioner".into(),
        ),
        (
            "endpoint_snitch",
            "Missing endpoint_snitch directive",
            "the stock value; use GossipingPropertyFileSnitch for more than one rack",
            "SimpleSnitch".into(),
        ),
        (
            "seed_provider",
            "seeds configuration is missing; a minimum of one seed is required.",
            "list at least one seed per data center",
            seed_provider,
        ),
    ];
    for (name, java, note, value) in required {
        if cfg.get(name).is_none() || val(cfg, name).is_some() {
            continue;
        }
        if cfg.entry_for(name).is_some_and(|e| !e.node.is_null()) {
            continue; // written but not loadable: the loader rules report it
        }
        let f = em.emit(
            says(cfg, &format!("`{name}` is not set"), java),
            at(cfg, name),
        );
        f.evidence.push(ev_expect(cfg, name, "a value"));
        push_fix(
            f,
            set_fix(
                cfg,
                name,
                &value,
                Safety::Unsafe,
                &format!("set `{name}: {value}` ({note})"),
            ),
        );
    }
    seeds(cfg, em);
}

/// SimpleSeedProvider's seeds parameter, read the way each version's getSeeds() reads it.
fn seeds(cfg: &YamlConfig, em: &mut Emitter) {
    let Some(e) = cfg.entry_for("seed_provider").filter(|e| !e.node.is_null()) else {
        return;
    };
    let (class, params) = parameterized(&e.node);
    if class.and_then(Node::as_scalar) != Some(SIMPLE_SEED_PROVIDER) {
        return;
    }
    let seeds = nested(params, "seeds");
    let problem = match seeds.and_then(Node::as_scalar) {
        Some(s) => {
            let none = s.split(',').all(|h| h.trim().is_empty());
            // 3.11 resolves an empty host name to the loopback address: it finds a seed.
            (none && cfg.version >= Version::V4_0).then(|| {
                (
                    format!("seed_provider lists no seeds (`seeds: \"{s}\"`)"),
                    "The seed provider lists no seeds.".to_string(),
                )
            })
        }
        None if seeds.is_some() => None, // a list or mapping: the loader rejects the type
        None => {
            let has_key = params.and_then(|p| p.get("seeds")).is_some();
            // 5.0 falls back to the local address when the key is absent (not when it is null)
            (cfg.version < Version::V5_0 || has_key).then(|| {
                (
                    "seed_provider has no `seeds` parameter".to_string(),
                    "java.lang.NullPointerException (SimpleSeedProvider reads parameters.seeds)"
                        .to_string(),
                )
            })
        }
    };
    if let Some((what, java)) = problem {
        let line = seeds.map_or(e.line, |s| s.pos.line);
        let f = em.emit(says(cfg, &what, &java), loc(cfg, line, e.col));
        f.evidence.push(Evidence {
            name: "seed_provider.parameters.seeds".into(),
            observed: seeds.map_or_else(|| "(not set)".into(), crate::model::config::raw_text),
            expected: Some("at least one host".into()),
            location: loc(cfg, line, e.col),
        });
    }
}

// ------------------------------------------------------------------ CFG-012 ranges

#[derive(Clone, Copy)]
enum Test {
    /// value >= n
    AtLeast(f64),
    /// value > n
    Above(f64),
    /// value < n
    Below(f64),
    /// value <= n
    AtMost(f64),
    /// lo <= value <= hi
    Between(f64, f64),
    /// 0, or value >= n
    ZeroOrAtLeast(f64),
    /// Java float comparisons (memtable_cleanup_threshold is a Float)
    AtLeastF32(f32),
    AtMostF32(f32),
}

impl Test {
    fn passes(self, v: f64) -> bool {
        match self {
            Test::AtLeast(n) => v >= n,
            Test::Above(n) => v > n,
            Test::Below(n) => v < n,
            Test::AtMost(n) => v <= n,
            Test::Between(lo, hi) => (lo..=hi).contains(&v),
            Test::ZeroOrAtLeast(n) => v == 0.0 || v >= n,
            Test::AtLeastF32(n) => (v as f32) >= n,
            Test::AtMostF32(n) => (v as f32) <= n,
        }
    }

    fn describe(self) -> String {
        match self {
            Test::AtLeast(n) => format!(">= {n}"),
            Test::Above(n) => format!("> {n}"),
            Test::Below(n) => format!("< {n}"),
            Test::AtMost(n) => format!("<= {n}"),
            Test::Between(lo, hi) => format!("{lo}..{hi}"),
            Test::ZeroOrAtLeast(n) => format!("0 or >= {n}"),
            Test::AtLeastF32(n) => format!(">= {n}"),
            Test::AtMostF32(n) => format!("<= {n}"),
        }
    }
}

#[derive(Clone, Copy)]
enum Repair {
    /// Set the stock value (written in 4.1+ syntax; rendered for the file's version).
    Set(&'static str),
    /// Remove the line: the default is derived at startup.
    Remove,
    None,
}

/// One bound applySimpleConfig enforces on one setting.
struct Bound {
    /// Canonical (5.0) setting name.
    setting: &'static str,
    since: Version,
    /// Last release line with the check.
    until: Version,
    /// Quantities are compared in this unit.
    unit: Option<Unit>,
    /// Only a value written in the file is checked (the default is derived at startup).
    only_explicit: bool,
    test: Test,
    /// Cassandra's message; `{name}` is the version's key, `{value}` the value as Java prints it.
    java: &'static str,
    repair: Repair,
}

#[allow(clippy::too_many_arguments)]
const fn bound(
    setting: &'static str,
    since: Version,
    until: Version,
    unit: Option<Unit>,
    only_explicit: bool,
    test: Test,
    java: &'static str,
    repair: Repair,
) -> Bound {
    Bound {
        setting,
        since,
        until,
        unit,
        only_explicit,
        test,
        java,
        repair,
    }
}

use Version::{V3_11, V4_0, V4_1, V5_0};

/// The single-setting bounds of applySimpleConfig (3.11.19, 4.0.19, 4.1.10, 5.0.9).
#[rustfmt::skip]
static BOUNDS: &[Bound] = &[
    //    setting                                          since  until unit            explicit test
    bound("phi_convict_threshold",                         V3_11, V5_0, None,           false, Test::Between(5.0, 16.0),
          "phi_convict_threshold must be between 5 and 16, but was {value}", Repair::Set("8")),
    bound("concurrent_reads",                              V3_11, V5_0, None,           false, Test::AtLeast(2.0),
          "concurrent_reads must be at least 2, but was {value}", Repair::Set("32")),
    bound("concurrent_writes",                             V3_11, V5_0, None,           false, Test::AtLeast(2.0),
          "concurrent_writes must be at least 2, but was {value}", Repair::Set("32")),
    bound("concurrent_counter_writes",                     V3_11, V5_0, None,           false, Test::AtLeast(2.0),
          "concurrent_counter_writes must be at least 2, but was {value}", Repair::Set("32")),
    bound("concurrent_compactors",                         V3_11, V5_0, None,           true,  Test::Above(0.0),
          "concurrent_compactors should be strictly greater than 0, but was {value}", Repair::Remove),
    bound("concurrent_materialized_view_builders",         V4_0,  V5_0, None,           false, Test::Above(0.0),
          "concurrent_materialized_view_builders should be strictly greater than 0, but was {value}", Repair::Set("1")),
    bound("num_tokens",                                    V3_11, V5_0, None,           true,  Test::AtMost(1536.0),
          "A maximum number of 1536 tokens per node is supported", Repair::None),
    bound("memtable_flush_writers",                        V3_11, V5_0, None,           false, Test::AtLeast(0.0),
          "memtable_flush_writers must be at least 1, but was {value}", Repair::Remove),
    bound("memtable_cleanup_threshold",                    V3_11, V5_0, None,           true,  Test::AtLeastF32(0.01),
          "memtable_cleanup_threshold must be >= 0.01, but was {value}", Repair::Remove),
    bound("memtable_cleanup_threshold",                    V3_11, V5_0, None,           true,  Test::AtMostF32(0.99),
          "memtable_cleanup_threshold must be <= 0.99, but was {value}", Repair::Remove),
    bound("memtable_heap_space",                           V3_11, V5_0, Some(Unit::MiB), true,  Test::Above(0.0),
          "{name} must be positive, but was {value}", Repair::Remove),
    bound("memtable_offheap_space",                        V3_11, V4_0, Some(Unit::MiB), true,  Test::AtLeast(0.0),
          "{name} must be positive, but was {value}", Repair::Remove),
    bound("repair_session_space",                          V4_0,  V5_0, Some(Unit::MiB), true,  Test::AtLeast(1.0),
          "{name} must be > 0, but was {value}", Repair::Remove),
    bound("repair_session_max_tree_depth",                 V3_11, V5_0, None,           true,  Test::AtLeast(10.0),
          "repair_session_max_tree_depth should not be < 10, but was {value}", Repair::Remove),
    bound("prepared_statements_cache_size",                V3_11, V5_0, Some(Unit::MiB), true,  Test::Above(0.0),
          "{name} option was set incorrectly to '{value}', supported values are <integer> >= 0.", Repair::Remove),
    bound("commitlog_segment_size",                        V3_11, V5_0, Some(Unit::MiB), false, Test::Above(0.0),
          "{name} must be positive, but was {value}", Repair::Set("32MiB")),
    bound("commitlog_segment_size",                        V3_11, V5_0, Some(Unit::MiB), false, Test::Below(2048.0),
          "{name} must be smaller than 2048, but was {value}", Repair::Set("32MiB")),
    bound("max_value_size",                                V3_11, V5_0, Some(Unit::MiB), false, Test::Above(0.0),
          "{name} must be positive", Repair::Set("256MiB")),
    bound("max_value_size",                                V3_11, V5_0, Some(Unit::MiB), false, Test::Below(2048.0),
          "{name} must be smaller than 2048, but was {value}", Repair::Set("256MiB")),
    bound("compressed_read_ahead_buffer_size",             V5_0,  V5_0, Some(Unit::KiB), false, Test::ZeroOrAtLeast(256.0),
          "compressed_read_ahead_buffer_size must be at least 256KiB (set to 0 to disable), but was {value}", Repair::Set("256KiB")),
    bound("snapshot_links_per_second",                     V4_0,  V5_0, None,           false, Test::AtLeast(0.0),
          "snapshot_links_per_second must be >= 0", Repair::Set("0")),
    bound("max_space_usable_for_compactions_in_percentage", V5_0, V5_0, None,           false, Test::Between(0.0, 1.0),
          "max_space_usable_for_compactions_in_percentage must be between 0 and 1", Repair::Set("0.95")),
    bound("native_transport_min_backoff_on_queue_overload", V4_1, V5_0, Some(Unit::Ms), false, Test::Above(0.0),
          "native_transport_min_backoff_on_queue_overload should be strictly positive", Repair::Set("10ms")),
    bound("gc_warn_threshold",                             V3_11, V4_0, Some(Unit::Ms), false, Test::AtLeast(0.0),
          "gc_warn_threshold_in_ms must be a positive integer", Repair::Remove),
    bound("user_defined_functions_fail_timeout",           V3_11, V4_0, Some(Unit::Ms), false, Test::AtLeast(0.0),
          "user_defined_function_fail_timeout must not be negative", Repair::Remove),
    bound("user_defined_functions_warn_timeout",           V3_11, V4_0, Some(Unit::Ms), false, Test::AtLeast(0.0),
          "user_defined_function_warn_timeout must not be negative", Repair::Remove),
];

fn invalid_value(ctx: &Ctx, em: &mut Emitter) {
    let Some(cfg) = &ctx.node.config else { return };
    let v = cfg.version;
    for b in BOUNDS.iter().filter(|b| b.since <= v && v <= b.until) {
        if b.only_explicit && !explicit(cfg, b.setting) {
            continue;
        }
        let Some(value) = num(cfg, b.setting, b.unit) else {
            continue;
        };
        if b.test.passes(value) {
            continue;
        }
        let name = key_of(cfg, b.setting);
        let java = b
            .java
            .replace("{name}", &name)
            .replace("{value}", &java_text(cfg, b.setting));
        let f = em.emit(
            says(
                cfg,
                &format!(
                    "`{name}: {}` is outside {}",
                    java_text(cfg, b.setting),
                    b.test.describe()
                ),
                &java,
            ),
            at(cfg, b.setting),
        );
        f.evidence
            .push(ev_expect(cfg, b.setting, b.test.describe()));
        let fix = match b.repair {
            Repair::Set(x) => fix_set(cfg, b.setting, x, Safety::Unsafe),
            Repair::Remove => fix_remove(
                cfg,
                b.setting,
                Safety::Unsafe,
                "Cassandra derives the default at startup",
            ),
            Repair::None => None,
        };
        push_fix(f, fix);
    }
    relations(cfg, em);
    auto_snapshot_ttl(cfg, em);
}

/// The checks of applySimpleConfig that relate two settings.
fn relations(cfg: &YamlConfig, em: &mut Emitter) {
    let v = cfg.version;
    // commitlog_segment_size vs an explicit max_mutation_size (the default is half the segment)
    if explicit(cfg, "max_mutation_size")
        && let Some(seg) = num(cfg, "commitlog_segment_size", Some(Unit::KiB))
        && let Some(mm) = num(cfg, "max_mutation_size", Some(Unit::KiB))
        && seg > 0.0
        && seg < 2.0 * mm
    {
        let (s, m) = (
            key_of(cfg, "commitlog_segment_size"),
            key_of(cfg, "max_mutation_size"),
        );
        let f = em.emit(
            says(
                cfg,
                &format!("`{m}` is more than half of `{s}`"),
                &format!("{s} must be at least twice the size of {m} / 1024"),
            ),
            at(cfg, "max_mutation_size"),
        );
        f.evidence.push(ev(cfg, "commitlog_segment_size"));
        f.evidence.push(ev_expect(
            cfg,
            "max_mutation_size",
            format!("<= {}KiB (half the segment)", (seg / 2.0).floor()),
        ));
        push_fix(
            f,
            fix_remove(
                cfg,
                "max_mutation_size",
                Safety::Unsafe,
                "it defaults to half of the segment size",
            ),
        );
    }
    // user-defined function timeouts
    if let Some(warn) = ms(cfg, "user_defined_functions_warn_timeout")
        && let Some(fail) = ms(cfg, "user_defined_functions_fail_timeout")
        && fail >= 0.0
        && fail < warn
    {
        let java = if v.has_units() {
            "user_defined_functions_warn_timeout must less than user_defined_function_fail_timeout"
        } else {
            "user_defined_function_warn_timeout must less than user_defined_function_fail_timeout"
        };
        let (w, fk) = (
            key_of(cfg, "user_defined_functions_warn_timeout"),
            key_of(cfg, "user_defined_functions_fail_timeout"),
        );
        let f = em.emit(
            says(cfg, &format!("`{w}` is above `{fk}`"), java),
            at(cfg, "user_defined_functions_warn_timeout"),
        );
        f.evidence
            .push(ev(cfg, "user_defined_functions_warn_timeout"));
        f.evidence
            .push(ev(cfg, "user_defined_functions_fail_timeout"));
    }
    // concurrent_validations > concurrent_compactors (4.0+); when concurrent_compactors is left
    // to Cassandra it is derived from the CPU and disk count and is at most 8
    if v >= V4_0
        && let Some(validations) = num(cfg, "concurrent_validations", None).filter(|x| *x >= 1.0)
        && let Some(limit) = num(cfg, "concurrent_compactors", None)
            .filter(|_| explicit(cfg, "concurrent_compactors"))
            .or_else(|| (validations > 8.0).then_some(8.0))
        && limit > 0.0
        && validations > limit
    {
        let f = em.emit(
            says(
                cfg,
                "concurrent_validations is above concurrent_compactors",
                "To set concurrent_validations > concurrent_compactors, set the system property -Dcassandra.allow_unlimited_concurrent_validations=true",
            ),
            at(cfg, "concurrent_validations"),
        );
        f.evidence.push(ev_expect(
            cfg,
            "concurrent_validations",
            format!("<= {limit}"),
        ));
        f.evidence.push(ev(cfg, "concurrent_compactors"));
        push_fix(
            f,
            fix_remove(
                cfg,
                "concurrent_validations",
                Safety::Unsafe,
                "it defaults to concurrent_compactors",
            ),
        );
    }
    // default_keyspace_rf vs minimum_replication_factor_fail_threshold (4.1+)
    if let Some(rf) = num(cfg, "default_keyspace_rf", None)
        && let Some(min) = num(cfg, "minimum_replication_factor_fail_threshold", None)
        && rf < min
    {
        let f = em.emit(
            says(
                cfg,
                "default_keyspace_rf is below minimum_replication_factor_fail_threshold",
                &format!(
                    "default_keyspace_rf ({rf}) cannot be less than minimum_replication_factor_fail_threshold ({min})"
                ),
            ),
            at(cfg, "default_keyspace_rf"),
        );
        f.evidence.push(ev(cfg, "default_keyspace_rf"));
        f.evidence
            .push(ev(cfg, "minimum_replication_factor_fail_threshold"));
    }
    // native transport queue-overload backoff (4.1+)
    let (lo_key, hi_key) = (
        "native_transport_min_backoff_on_queue_overload",
        "native_transport_max_backoff_on_queue_overload",
    );
    if let Some(lo) = ms(cfg, lo_key)
        && let Some(hi) = ms(cfg, hi_key)
        && lo > 0.0
        && lo >= hi
    {
        let f = em.emit(
            says(
                cfg,
                "the minimum queue-overload backoff is not below the maximum",
                &format!(
                    "{lo_key} should be strictly less than {hi_key}, but {} >= {}",
                    java_text(cfg, lo_key),
                    java_text(cfg, hi_key)
                ),
            ),
            at(cfg, lo_key),
        );
        f.evidence.push(ev(cfg, lo_key));
        f.evidence.push(ev(cfg, hi_key));
    }
    // an explicit internode_max_message_size vs the application queue reserves (4.0+)
    if explicit(cfg, "internode_max_message_size")
        && let Some(max) = num(cfg, "internode_max_message_size", Some(Unit::B))
    {
        for cap in [
            "internode_application_receive_queue_reserve_endpoint_capacity",
            "internode_application_receive_queue_reserve_global_capacity",
            "internode_application_send_queue_reserve_endpoint_capacity",
            "internode_application_send_queue_reserve_global_capacity",
        ] {
            if let Some(c) = num(cfg, cap, Some(Unit::B))
                && max > c
            {
                let (m, ck) = (key_of(cfg, "internode_max_message_size"), key_of(cfg, cap));
                let f = em.emit(
                    says(
                        cfg,
                        &format!("`{m}` exceeds `{ck}`"),
                        &format!("{m} must no exceed {ck}"),
                    ),
                    at(cfg, "internode_max_message_size"),
                );
                f.evidence.push(ev(cfg, "internode_max_message_size"));
                f.evidence.push(ev(cfg, cap));
            }
        }
    }
    // native_transport_max_message_size vs the in-flight limits (4.1+); those default to a
    // share of the heap, so only explicit ones can be compared
    if v >= V4_1 && explicit(cfg, "native_transport_max_message_size") {
        let msg = num(cfg, "native_transport_max_message_size", Some(Unit::B));
        for cap in [
            "native_transport_max_request_data_in_flight",
            "native_transport_max_request_data_in_flight_per_ip",
        ] {
            if explicit(cfg, cap)
                && let (Some(m), Some(c)) = (msg, num(cfg, cap, Some(Unit::B)))
                && m > c
            {
                let f = em.emit(
                    says(
                        cfg,
                        &format!("native_transport_max_message_size exceeds {cap}"),
                        &format!("native_transport_max_message_size must not exceed {cap}"),
                    ),
                    at(cfg, "native_transport_max_message_size"),
                );
                f.evidence
                    .push(ev(cfg, "native_transport_max_message_size"));
                f.evidence.push(ev(cfg, cap));
            }
        }
    }
}

/// auto_snapshot_ttl is a string field that applySimpleConfig parses as DurationSpec.IntSecondsBound.
fn auto_snapshot_ttl(cfg: &YamlConfig, em: &mut Emitter) {
    let Some(ttl) = text(cfg, "auto_snapshot_ttl") else {
        return;
    };
    if Quantity::parse_bounded(ttl, Dimension::Duration, Unit::S, Some(i32::MAX as u128)).is_ok() {
        return;
    }
    let f = em.emit(
        says(
            cfg,
            &format!(
                "`auto_snapshot_ttl: {ttl}` is not a duration in seconds or coarser (e.g. 30d)"
            ),
            &format!("Invalid value of auto_snapshot_ttl: {ttl}"),
        ),
        at(cfg, "auto_snapshot_ttl"),
    );
    f.evidence
        .push(ev_expect(cfg, "auto_snapshot_ttl", "<integer><s|m|h|d>"));
    push_fix(
        f,
        fix_remove(
            cfg,
            "auto_snapshot_ttl",
            Safety::Unsafe,
            "snapshots then never expire",
        ),
    );
}

// ------------------------------------------------------------------ CFG-013 initial_token

/// The short or full partitioner name as Cassandra resolves it.
fn partitioner_class(cfg: &YamlConfig) -> Option<String> {
    text(cfg, "partitioner").map(|p| qualify(p, "org.apache.cassandra.dht"))
}

fn qualify(name: &str, package: &str) -> String {
    if name.contains('.') {
        name.to_string()
    } else {
        format!("{package}.{name}")
    }
}

/// Why `token` is not a token of `partitioner` (TokenFactory.validate), None when valid or unknown.
fn token_problem(partitioner: &str, token: &str) -> Option<String> {
    let simple = partitioner.strip_prefix("org.apache.cassandra.dht.")?;
    match simple {
        "Murmur3Partitioner" => token.parse::<i64>().is_err().then(|| {
            format!("Invalid token for Murmur3Partitioner. Got {token} but expected a long value (unsigned 8 bytes integer).")
        }),
        "RandomPartitioner" => {
            let (neg, digits) = match token.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, token.strip_prefix('+').unwrap_or(token)),
            };
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Some(format!("For input string: \"{token}\""));
            }
            let zero = digits.bytes().all(|b| b == b'0');
            let big = digits.trim_start_matches('0');
            let over = !zero && big.parse::<u128>().map_or(true, |n| n > 1u128 << 127);
            ((neg && !zero) || over).then(|| "Token must be >= 0 and <= 2**127".to_string())
        }
        "ByteOrderedPartitioner" => (!token.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| format!("Token {token} contains non-hex digits")),
        _ => None,
    }
}

fn initial_token(ctx: &Ctx, em: &mut Emitter) {
    let Some(cfg) = &ctx.node.config else { return };
    let Some(raw) = text(cfg, "initial_token") else {
        return;
    };
    // StringUtils.split(s, ',') drops empty pieces; each piece is then trimmed
    let tokens: Vec<&str> = raw
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::trim)
        .collect();
    let num_tokens = num(cfg, "num_tokens", None).map(|n| n as i64);
    let count_problem = match num_tokens {
        None if tokens.len() != 1 => {
            Some("initial_token was set but num_tokens is not!".to_string())
        }
        Some(n) if tokens.len() as i64 != n => Some(format!(
            "The number of initial tokens (by initial_token) specified ({}) is different from num_tokens value ({n})",
            tokens.len()
        )),
        _ => None,
    };
    if let Some(java) = count_problem {
        let f = em.emit(
            says(
                cfg,
                &format!(
                    "initial_token lists {} token(s) but num_tokens is {}",
                    tokens.len(),
                    num_tokens.map_or("not set".into(), |n| n.to_string())
                ),
                &java,
            ),
            at(cfg, "initial_token"),
        );
        f.evidence.push(ev(cfg, "initial_token"));
        f.evidence
            .push(ev_expect(cfg, "num_tokens", tokens.len().to_string()));
        push_fix(
            f,
            fix_set(cfg, "num_tokens", &tokens.len().to_string(), Safety::Unsafe),
        );
        return; // Cassandra stops before validating the tokens
    }
    let Some(partitioner) = partitioner_class(cfg) else {
        return;
    };
    for t in tokens {
        if let Some(java) = token_problem(&partitioner, t) {
            let short = partitioner.rsplit('.').next().unwrap_or(&partitioner);
            let f = em.emit(
                says(
                    cfg,
                    &format!("initial_token `{t}` is not a {short} token"),
                    &java,
                ),
                at(cfg, "initial_token"),
            );
            f.evidence.push(ev(cfg, "initial_token"));
            f.evidence.push(ev(cfg, "partitioner"));
        }
    }
}

// ------------------------------------------------------------------ CFG-014 addresses

/// True for an address InetAddress.getByName reads as the wildcard (isAnyLocalAddress).
fn is_wildcard(addr: &str) -> bool {
    let a = addr.trim_start_matches('[').trim_end_matches(']');
    let a = a.split('%').next().unwrap_or(a);
    if let Ok(v6) = a.parse::<std::net::Ipv6Addr>() {
        return v6.is_unspecified() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_unspecified());
    }
    // Java also takes the short IPv4 forms: "0", "0.0", "0.0.0"
    let parts: Vec<&str> = a.split('.').collect();
    (1..=4).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b == b'0'))
}

fn addresses(ctx: &Ctx, em: &mut Emitter) {
    let Some(cfg) = &ctx.node.config else { return };
    for (addr, intf) in [
        ("listen_address", "listen_interface"),
        ("rpc_address", "rpc_interface"),
    ] {
        if text(cfg, addr).is_some() && text(cfg, intf).is_some() {
            let what = addr.trim_end_matches("_address");
            let f = em.emit(
                says(
                    cfg,
                    &format!("both `{addr}` and `{intf}` are set"),
                    &format!("Set {what}_address OR {what}_interface, not both"),
                ),
                at(cfg, intf),
            );
            f.evidence.push(ev(cfg, addr));
            f.evidence.push(ev(cfg, intf));
            push_fix(
                f,
                fix_remove(cfg, intf, Safety::Unsafe, &format!("keep `{addr}`")),
            );
        }
    }
    for name in [
        "listen_address",
        "broadcast_address",
        "broadcast_rpc_address",
    ] {
        let Some(a) = text(cfg, name).filter(|a| is_wildcard(a)) else {
            continue;
        };
        let f = em.emit(
            says(
                cfg,
                &format!("`{name}: {a}` is a wildcard address"),
                &format!("{name} cannot be a wildcard address ({a})!"),
            ),
            at(cfg, name),
        );
        f.evidence
            .push(ev_expect(cfg, name, "this node's own address"));
    }
    if let Some(rpc) = text(cfg, "rpc_address").filter(|a| is_wildcard(a))
        && text(cfg, "broadcast_rpc_address").is_none()
    {
        let f = em.emit(
                says(
                    cfg,
                    &format!("`rpc_address: {rpc}` without broadcast_rpc_address"),
                    &format!("If rpc_address is set to a wildcard address ({rpc}), then you must set broadcast_rpc_address to a value other than {rpc}"),
                ),
                at(cfg, "rpc_address"),
            );
        f.evidence.push(ev(cfg, "rpc_address"));
        f.evidence.push(ev_expect(
            cfg,
            "broadcast_rpc_address",
            "the address clients should use",
        ));
        // listen_address, when it is a literal IP, is the address other nodes know this one by
        let listen = text(cfg, "listen_address")
            .filter(|l| l.parse::<std::net::IpAddr>().is_ok() && !is_wildcard(l));
        if let Some(l) = listen {
            push_fix(
                f,
                set_fix(
                    cfg,
                    "broadcast_rpc_address",
                    l,
                    Safety::Unsafe,
                    &format!("set `broadcast_rpc_address: {l}` (this node's listen_address)"),
                ),
            );
        }
    }
}

// ------------------------------------------------------------------ CFG-015 classes

/// How one setting's class name is resolved.
struct ClassSetting {
    setting: &'static str,
    kind: &'static str,
    /// The package a name without a dot is looked up in; None: the name is used as is.
    package: Option<&'static str>,
    readable: &'static str,
}

#[rustfmt::skip]
const CLASS_SETTINGS: &[ClassSetting] = &[
    ClassSetting { setting: "partitioner", kind: "partitioner", package: Some("org.apache.cassandra.dht"), readable: "partitioner" },
    ClassSetting { setting: "endpoint_snitch", kind: "endpoint_snitch", package: Some("org.apache.cassandra.locator"), readable: "snitch" },
    ClassSetting { setting: "seed_provider", kind: "seed_provider", package: None, readable: "seed provider" },
    ClassSetting { setting: "authenticator", kind: "authenticator", package: Some("org.apache.cassandra.auth"), readable: "authenticator" },
    ClassSetting { setting: "authorizer", kind: "authorizer", package: Some("org.apache.cassandra.auth"), readable: "authorizer" },
    ClassSetting { setting: "role_manager", kind: "role_manager", package: Some("org.apache.cassandra.auth"), readable: "role manager" },
    ClassSetting { setting: "network_authorizer", kind: "network_authorizer", package: Some("org.apache.cassandra.auth"), readable: "network authorizer" },
    ClassSetting { setting: "cidr_authorizer", kind: "cidr_authorizer", package: Some("org.apache.cassandra.auth"), readable: "CIDR authorizer" },
    ClassSetting { setting: "internode_authenticator", kind: "internode_authenticator", package: Some("org.apache.cassandra.auth"), readable: "internode authenticator" },
    ClassSetting { setting: "default_compaction", kind: "compaction", package: Some("org.apache.cassandra.db.compaction"), readable: "compaction strategy" },
    ClassSetting { setting: "commitlog_compression", kind: "compressor", package: Some("org.apache.cassandra.io.compress"), readable: "compression" },
    ClassSetting { setting: "crypto_provider", kind: "crypto_provider", package: Some("org.apache.cassandra.security"), readable: "crypto provider" },
];

/// The class name the file gives a class-valued setting, with its line.
fn class_name_of<'a>(cfg: &'a YamlConfig, setting: &str) -> Option<(&'a str, usize, usize)> {
    let e = cfg.entry_for(setting).filter(|e| !e.node.is_null())?;
    let (class, _) = parameterized(&e.node);
    let c = class?;
    Some((c.as_scalar()?, c.pos.line, c.pos.col))
}

fn unknown_class(ctx: &Ctx, em: &mut Emitter) {
    let Some(cfg) = &ctx.node.config else { return };
    let list = ClassList::get(cfg.version);
    for cs in CLASS_SETTINGS {
        if cfg.get(cs.setting).is_none() {
            continue; // not a setting of this version
        }
        let Some(kind) = list.kind(cs.kind) else {
            continue;
        };
        let Some((name, line, col)) = class_name_of(cfg, cs.setting) else {
            continue;
        };
        let name = name.trim();
        // 5.0 builds the auth backends with ParameterizedClass.newInstance(["", "o.a.c.auth"]):
        // a dotted name is also tried under the package.
        let candidates: Vec<String> = match cs.package {
            Some(p) if cfg.version >= V5_0 && p == "org.apache.cassandra.auth" => {
                vec![name.to_string(), format!("{p}.{name}")]
            }
            Some(p) => vec![qualify(name, p)],
            None => vec![name.to_string()],
        };
        if candidates.iter().any(|c| kind.contains(c)) {
            continue;
        }
        let resolved = candidates.last().cloned().unwrap_or_default();
        let java = match cs.package {
            Some("org.apache.cassandra.auth") if cfg.version >= V5_0 => {
                format!(
                    "Unable to find class {name} in packages [\"\",\"org.apache.cassandra.auth\"]"
                )
            }
            Some("org.apache.cassandra.io.compress") => {
                format!("Could not create Compression for type {resolved}")
            }
            _ => format!("Unable to find {} class '{resolved}'", cs.readable),
        };
        report_class(cfg, em, cs.setting, name, &resolved, kind, &java, line, col);
    }
    memtable_class(cfg, list, em);
}

#[allow(clippy::too_many_arguments)]
fn report_class(
    cfg: &YamlConfig,
    em: &mut Emitter,
    setting: &str,
    name: &str,
    resolved: &str,
    kind: &ClassKind,
    java: &str,
    line: usize,
    col: usize,
) {
    let suggestion = kind.suggest(resolved);
    let mut what = format!(
        "`{setting}` names `{name}`, which Cassandra {} does not ship",
        cfg.version
    );
    if let Some(s) = suggestion {
        what.push_str(&format!(" (did you mean `{s}`?)"));
    }
    let msg = format!(
        "{}; if it is a custom class on the node's classpath, suppress this finding",
        says(cfg, &what, java)
    );
    let f = em.emit(msg, loc(cfg, line, col));
    f.evidence.push(Evidence {
        name: format!("{setting} class"),
        observed: name.to_string(),
        expected: Some(format!(
            "one of: {}",
            kind.classes
                .iter()
                .map(|c| c.rsplit('.').next().unwrap_or(c))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        location: loc(cfg, line, col),
    });
    // A scalar value can be rewritten in place; nested class_name lines cannot.
    let scalar = cfg
        .entry_for(setting)
        .is_some_and(|e| e.node.as_scalar().is_some());
    if let (Some(s), true) = (suggestion, scalar) {
        let value = if name.contains('.') {
            s.to_string()
        } else {
            s.rsplit('.').next().unwrap_or(s).to_string()
        };
        push_fix(
            f,
            set_fix(
                cfg,
                setting,
                &value,
                Safety::Unsafe,
                &format!("set `{setting}: {value}`"),
            ),
        );
    }
}

/// memtable.configurations: every `inherits` must name an entry, and the default
/// configuration's class must exist (MemtableParams.DEFAULT is built at startup; the other
/// configurations only when a table uses them).
fn memtable_class(cfg: &YamlConfig, list: &ClassList, em: &mut Emitter) {
    let Some(kind) = list.kind("memtable") else {
        return;
    };
    let Some(configs) = nested(node(cfg, "memtable"), "configurations") else {
        return;
    };
    let Some(entries) = configs.entries() else {
        return;
    };
    let get = |k: &str| entries.iter().rev().find(|e| e.key == k);
    for e in entries {
        let Some(parent) = nested(Some(&e.value), "inherits").and_then(Node::as_scalar) else {
            continue;
        };
        if parent != e.key && parent != "default" && get(parent).is_none() {
            let java = format!(
                "Configuration entry {} inherits non-existing entry {parent}.",
                e.key
            );
            let f = em.emit(
                says(
                    cfg,
                    &format!(
                        "memtable configuration `{}` inherits `{parent}`, which is not defined",
                        e.key
                    ),
                    &java,
                ),
                loc(cfg, e.key_pos.line, e.key_pos.col),
            );
            f.confidence = 0.95; // a missing entry, not a class that might be on the classpath
            f.evidence.push(Evidence {
                name: format!("memtable.configurations.{}.inherits", e.key),
                observed: parent.to_string(),
                expected: Some("a configuration defined in the file, or `default`".into()),
                location: loc(cfg, e.key_pos.line, e.key_pos.col),
            });
        }
    }
    // Resolve the default's class: its own class_name, else the one it inherits.
    let mut key = "default".to_string();
    let mut seen = BTreeSet::new();
    let class = loop {
        let Some(entry) = get(&key) else {
            return; // no explicit default (or inheriting the built-in one): SkipListMemtable
        };
        if !seen.insert(key.clone()) {
            return; // a loop: Cassandra reports it with its own message
        }
        if let Some(c) = nested(Some(&entry.value), "class_name") {
            break c;
        }
        match nested(Some(&entry.value), "inherits").and_then(Node::as_scalar) {
            Some(p) if p != key => key = p.to_string(),
            _ => return,
        }
    };
    let Some(name) = class.as_scalar().map(str::trim) else {
        return;
    };
    let resolved = qualify(name, "org.apache.cassandra.db.memtable");
    if kind.contains(&resolved) {
        return;
    }
    let java = format!("Could not create memtable factory for class {name}");
    report_class(
        cfg,
        em,
        "memtable",
        name,
        &resolved,
        kind,
        &java,
        class.pos.line,
        class.pos.col,
    );
}

// ------------------------------------------------------------------ CFG-016 encryption

/// Evidence for one flag of an encryption block (never the whole block: it holds passwords).
fn field_ev(cfg: &YamlConfig, block: &str, n: Option<&Node>, key: &str) -> Evidence {
    let v = nested(n, key);
    Evidence {
        name: format!("{block}.{key}"),
        observed: v.map_or_else(|| "(not set)".into(), crate::model::config::raw_text),
        expected: None,
        location: v.and_then(|v| loc(cfg, v.pos.line, v.pos.col)),
    }
}

/// EncryptionOptions.applyConfig: an unset `optional` becomes true when the keystore file
/// exists, which only the node can tell (a stock install ships no keystore).
const UNSET_OPTIONAL: &str = " (unless the keystore file exists on the node: with `optional` unset, Cassandra then treats encryption as optional)";

const DEFAULT_SSL_FACTORIES: &[&str] = &[
    "org.apache.cassandra.security.DefaultSslContextFactory",
    "DefaultSslContextFactory",
];

fn encryption(ctx: &Ctx, em: &mut Emitter) {
    let Some(cfg) = &ctx.node.config else { return };
    let v = cfg.version;
    let client = node(cfg, "client_encryption_options");
    let server = node(cfg, "server_encryption_options");
    let on = |n: Option<&Node>, k: &str| scalar_bool(nested(n, k)) == Some(true);
    let off = |n: Option<&Node>, k: &str| scalar_bool(nested(n, k)) == Some(false);

    // keystore_password: required by the file-based SSL context factory from 4.1
    if v >= V4_1 {
        let internode = nested(server, "internode_encryption").and_then(Node::as_scalar);
        for (name, n, enabled) in [
            (
                "client_encryption_options",
                client,
                on(client, "enabled") || on(client, "optional"),
            ),
            (
                "server_encryption_options",
                server,
                internode.is_some_and(|i| i != "none") || on(server, "optional"),
            ),
        ] {
            if !enabled {
                continue;
            }
            let factory = nested(n, "ssl_context_factory")
                .and_then(|f| parameterized(f).0)
                .and_then(Node::as_scalar);
            if factory.is_some_and(|f| !DEFAULT_SSL_FACTORIES.contains(&f)) {
                continue; // a custom or PEM factory validates its own options
            }
            if nested(n, "keystore_password").is_some() {
                continue;
            }
            let context = if name.starts_with("client") {
                "Native transport"
            } else {
                "Internode messaging"
            };
            let f = em.emit(
                says(
                    cfg,
                    &format!("{name} turns encryption on without keystore_password"),
                    &format!("Failed to initialize SSL | caused by: Failed to create SSL context using {context} | caused by: 'keystore_password' must be specified"),
                ),
                at(cfg, name),
            );
            for flag in ["enabled", "optional", "internode_encryption"] {
                if nested(n, flag).is_some() {
                    f.evidence.push(field_ev(cfg, name, n, flag));
                }
            }
            f.evidence.push(Evidence {
                name: format!("{name}.keystore_password"),
                observed: "(not set)".into(),
                expected: Some("the keystore's password".into()),
                location: None,
            });
        }
    }

    // native_transport_port_ssl on its own port needs client encryption
    if let (Some(ssl), Some(port)) = (
        num(cfg, "native_transport_port_ssl", None),
        num(cfg, "native_transport_port", None),
    ) {
        // 4.0+: UNENCRYPTED unless enabled or optional (3.11: unless enabled)
        let unencrypted = !on(client, "enabled") && (v < V4_0 || !on(client, "optional"));
        if ssl != port && unencrypted {
            let guess = v >= V4_0 && !off(client, "optional");
            let f = em.emit(
                format!(
                    "{}{}",
                    says(
                        cfg,
                        "native_transport_port_ssl is set but client encryption is off",
                        "Encryption must be enabled in client_encryption_options for native_transport_port_ssl",
                    ),
                    if guess { UNSET_OPTIONAL } else { "" }
                ),
                at(cfg, "native_transport_port_ssl"),
            );
            if guess {
                f.confidence = 0.7;
            }
            f.evidence.push(ev(cfg, "native_transport_port_ssl"));
            f.evidence.push(field_ev(
                cfg,
                "client_encryption_options",
                client,
                "enabled",
            ));
            f.evidence.push(field_ev(
                cfg,
                "client_encryption_options",
                client,
                "optional",
            ));
            push_fix(
                f,
                fix_remove(
                    cfg,
                    "native_transport_port_ssl",
                    Safety::Unsafe,
                    "clients use native_transport_port",
                ),
            );
        }
    }

    // the legacy SSL storage port needs internode encryption (4.0+)
    if v >= V4_0 {
        let legacy = if v >= V4_1 {
            on(server, "legacy_ssl_storage_port_enabled")
                || on(server, "enable_legacy_ssl_storage_port")
        } else {
            on(server, "enable_legacy_ssl_storage_port")
        };
        let internode = nested(server, "internode_encryption")
            .and_then(Node::as_scalar)
            .unwrap_or("none");
        if legacy && internode == "none" && !on(server, "optional") {
            let key = if v >= V4_1 {
                "legacy_ssl_storage_port_enabled"
            } else {
                "enable_legacy_ssl_storage_port"
            };
            let guess = !off(server, "optional");
            let f = em.emit(
                format!(
                    "{}{}",
                    says(
                        cfg,
                        "the legacy SSL storage port is enabled with internode encryption off",
                        &format!("{key} is true (enabled) with internode encryption disabled (none). Enable encryption or disable the legacy ssl storage port."),
                    ),
                    if guess { UNSET_OPTIONAL } else { "" }
                ),
                at(cfg, "server_encryption_options"),
            );
            if guess {
                f.confidence = 0.7;
            }
            for flag in [key, "internode_encryption", "optional"] {
                f.evidence
                    .push(field_ev(cfg, "server_encryption_options", server, flag));
            }
        }
    }
}

// ------------------------------------------------------------------ CFG-017 directories

fn directories(ctx: &Ctx, em: &mut Emitter) {
    let Some(cfg) = &ctx.node.config else { return };
    let dir = |n: &str| text(cfg, n);
    let data: Vec<(Option<String>, usize)> =
        match node(cfg, "data_file_directories").map(|n| &n.value) {
            Some(Value::Seq(items)) => items
                .iter()
                .map(|i| {
                    (
                        (!i.is_null()).then(|| i.as_scalar().unwrap_or_default().to_string()),
                        i.pos.line,
                    )
                })
                .collect(),
            _ => Vec::new(),
        };
    let clash = |em: &mut Emitter, a: &str, b: &str, java: String| {
        let f = em.emit(
            says(
                cfg,
                &format!("`{a}` and `{b}` are the same directory"),
                &java,
            ),
            at(cfg, a),
        );
        f.evidence.push(ev(cfg, a));
        f.evidence.push(ev(cfg, b));
    };
    for (d, line) in &data {
        let Some(d) = d else {
            let f = em.emit(
                says(
                    cfg,
                    "data_file_directories has an empty entry",
                    "data_file_directories must not contain empty entry",
                ),
                loc(cfg, *line, 1),
            );
            f.evidence.push(ev(cfg, "data_file_directories"));
            continue;
        };
        for other in [
            "local_system_data_file_directory",
            "commitlog_directory",
            "hints_directory",
            "saved_caches_directory",
        ] {
            if dir(other) == Some(d.as_str()) {
                clash(
                    em,
                    other,
                    "data_file_directories",
                    format!("{other} must not be the same as any data_file_directories"),
                );
            }
        }
    }
    if let Some(sys) = dir("local_system_data_file_directory") {
        for (other, what) in [
            ("commitlog_directory", "the commitlog_directory"),
            ("saved_caches_directory", "the saved_caches_directory"),
            ("hints_directory", "the hints_directory"),
        ] {
            if dir(other) == Some(sys) {
                clash(
                    em,
                    "local_system_data_file_directory",
                    other,
                    format!("local_system_data_file_directory must not be the same as {what}"),
                );
            }
        }
    }
    for (a, b, java) in [
        (
            "saved_caches_directory",
            "commitlog_directory",
            "saved_caches_directory must not be the same as the commitlog_directory",
        ),
        (
            "hints_directory",
            "commitlog_directory",
            "hints_directory must not be the same as the commitlog_directory",
        ),
        (
            "saved_caches_directory",
            "hints_directory",
            "saved_caches_directory must not be the same as the hints_directory",
        ),
    ] {
        if let (Some(x), Some(y)) = (dir(a), dir(b))
            && x == y
        {
            clash(em, a, b, java.to_string());
        }
    }
}

// ------------------------------------------------------------------ CFG-018 unsupported

/// Built-in auth classes and whether they require authentication / authorization.
const AUTH_REQUIRES: &[(&str, bool)] = &[
    ("AllowAllAuthenticator", false),
    ("PasswordAuthenticator", true),
    ("MutualTlsAuthenticator", true),
    ("MutualTlsWithPasswordFallbackAuthenticator", true),
    ("AllowAllAuthorizer", false),
    ("CassandraAuthorizer", true),
    ("AllowAllNetworkAuthorizer", false),
    ("CassandraNetworkAuthorizer", true),
    ("AllowAllCIDRAuthorizer", false),
    ("CassandraCIDRAuthorizer", true),
];

/// (simple class name, requires) of an auth setting, defaulting like AuthConfig; None for a
/// custom class.
fn auth_class(cfg: &YamlConfig, setting: &str, default: &'static str) -> Option<(String, bool)> {
    let name = match class_name_of(cfg, setting) {
        Some((n, _, _)) => n.trim().to_string(),
        None => default.to_string(),
    };
    let simple = name
        .strip_prefix("org.apache.cassandra.auth.")
        .unwrap_or(&name);
    AUTH_REQUIRES
        .iter()
        .find(|(n, _)| *n == simple)
        .map(|(n, r)| (n.to_string(), *r))
}

fn unsupported(ctx: &Ctx, em: &mut Emitter) {
    let Some(cfg) = &ctx.node.config else { return };
    let v = cfg.version;
    if v >= V5_0 {
        if text(cfg, "disk_access_mode") == Some("direct") {
            let f = em.emit(
                says(
                    cfg,
                    "`disk_access_mode: direct` is not supported for data files",
                    "DiskAccessMode 'direct' is not supported",
                ),
                at(cfg, "disk_access_mode"),
            );
            f.evidence.push(ev_expect(
                cfg,
                "disk_access_mode",
                "mmap_index_only, mmap, standard or auto",
            ));
            push_fix(
                f,
                fix_set(cfg, "disk_access_mode", "mmap_index_only", Safety::Unsafe),
            );
        }
        if flag(cfg, "scripted_user_defined_functions_enabled") == Some(true) {
            let f = em.emit(
                says(
                    cfg,
                    "scripted (JavaScript) user-defined functions are enabled but were removed in 5.0",
                    "JavaScript user-defined functions were removed in CASSANDRA-18252. Hooks are planned to be introduced as part of CASSANDRA-17280",
                ),
                at(cfg, "scripted_user_defined_functions_enabled"),
            );
            f.evidence.push(ev_expect(
                cfg,
                "scripted_user_defined_functions_enabled",
                "false",
            ));
            push_fix(
                f,
                fix_remove(
                    cfg,
                    "scripted_user_defined_functions_enabled",
                    Safety::Safe,
                    "5.0 has no JavaScript UDFs",
                ),
            );
        }
        sstable_format(cfg, em);
        default_compaction_parameters(cfg, em);
        table_count_threshold(cfg, em);
    }
    // UDF threads (every version)
    if flag(cfg, "user_defined_functions_threads_enabled") == Some(false)
        && flag(cfg, "allow_insecure_udfs") != Some(true)
    {
        let f = em.emit(
            says(
                cfg,
                "user-defined function threads are off without allow_insecure_udfs",
                "To be able to set enable_user_defined_functions_threads: false you need to set allow_insecure_udfs: true - this is an unsafe configuration and is not recommended.",
            ),
            at(cfg, "user_defined_functions_threads_enabled"),
        );
        f.evidence.push(ev_expect(
            cfg,
            "user_defined_functions_threads_enabled",
            "true",
        ));
        f.evidence.push(ev(cfg, "allow_insecure_udfs"));
        push_fix(
            f,
            fix_set(
                cfg,
                "user_defined_functions_threads_enabled",
                "true",
                Safety::Unsafe,
            ),
        );
    }
    auth_combination(cfg, em);
}

/// sstable.selected_format must name a format (big, bti) and bti needs a compatibility mode
/// other than CASSANDRA_4, which is the default when storage_compatibility_mode is unset.
fn sstable_format(cfg: &YamlConfig, em: &mut Emitter) {
    let Some(sel) = nested(node(cfg, "sstable"), "selected_format") else {
        return;
    };
    let Some(format) = sel.as_scalar().map(str::trim).filter(|f| !f.is_empty()) else {
        return;
    };
    let location = loc(cfg, sel.pos.line, sel.pos.col);
    let evidence = Evidence {
        name: "sstable.selected_format".into(),
        observed: format.to_string(),
        expected: None,
        location: location.clone(),
    };
    if format != "big" && format != "bti" {
        let f = em.emit(
            says(
                cfg,
                &format!("sstable format `{format}` does not exist (big, bti)"),
                &format!("Selected sstable format '{format}' is not available."),
            ),
            location,
        );
        f.evidence.push(evidence);
        return;
    }
    let mode = text(cfg, "storage_compatibility_mode").unwrap_or("CASSANDRA_4");
    if format == "bti" && mode == "CASSANDRA_4" {
        let f = em.emit(
            says(
                cfg,
                "sstable format bti selected while storage_compatibility_mode is CASSANDRA_4",
                "Selected sstable format 'bti' is not available when in storage compatibility mode 'CASSANDRA_4'.",
            ),
            location,
        );
        f.evidence.push(evidence);
        f.evidence.push(ev_expect(
            cfg,
            "storage_compatibility_mode",
            "UPGRADING or NONE",
        ));
        push_fix(
            f,
            fix_set(cfg, "storage_compatibility_mode", "NONE", Safety::Unsafe)
                .map(|fix| match fix {
                    Fix::SetConfig { file, key, value, rename_from, .. } => Fix::SetConfig {
                        file,
                        key,
                        value,
                        rename_from,
                        safety: Safety::Unsafe,
                        description: "set `storage_compatibility_mode: NONE` (only once every node runs 5.0; a one-way step)".into(),
                    },
                    other => other,
                }),
        );
    }
}

/// 5.0 builds CompactionParams.DEFAULT from default_compaction's parameters map without a null
/// check: a mapping (or one-element list) with class_name and no `parameters` leaves it null
/// (the bare class-name form gets an empty map).
fn default_compaction_parameters(cfg: &YamlConfig, em: &mut Emitter) {
    let Some(n) = node(cfg, "default_compaction") else {
        return;
    };
    let item = match &n.value {
        Value::Seq(items) if items.len() == 1 => &items[0],
        _ => n,
    };
    if item.entries().is_none() || nested(Some(item), "parameters").is_some() {
        return;
    }
    let Some(class) = nested(Some(item), "class_name").and_then(Node::as_scalar) else {
        return;
    };
    let f = em.emit(
        says(
            cfg,
            "default_compaction has no `parameters`, and 5.0 reads them without a null check",
            "java.lang.NullPointerException: Cannot invoke \"java.util.Map.containsKey(Object)\" because \"options\" is null",
        ),
        at(cfg, "default_compaction"),
    );
    f.evidence.push(ev_expect(
        cfg,
        "default_compaction",
        "class_name and parameters (may be empty: {})",
    ));
    let value = format!("{{class_name: {class}, parameters: {{}}}}");
    push_fix(
        f,
        set_fix(
            cfg,
            "default_compaction",
            &value,
            Safety::Safe,
            &format!("set `default_compaction: {value}` (same strategy, empty parameters)"),
        ),
    );
}

/// 5.0 converts table_count_warn_threshold by subtracting the number of system tables, which it
/// reads from SystemKeyspace while the yaml is still loading: its static initialiser needs the
/// partitioner, which is not set yet, and the node dies with a NullPointerException.
fn table_count_threshold(cfg: &YamlConfig, em: &mut Emitter) {
    let Some(e) = cfg
        .entries
        .iter()
        .rev()
        .find(|e| e.key == "table_count_warn_threshold" && !e.node.is_null())
    else {
        return;
    };
    let f = em.emit(
        says(
            cfg,
            "table_count_warn_threshold cannot be loaded by 5.0 (its converter needs the partitioner, which is not set up while the yaml loads)",
            "java.lang.NullPointerException: Cannot invoke \"org.apache.cassandra.dht.IPartitioner.getMinimumToken()\" because \"partitioner\" is null",
        ),
        loc(cfg, e.line, e.col),
    );
    f.evidence.push(ev_expect(
        cfg,
        "tables_warn_threshold",
        "tables_warn_threshold (user tables only) instead of table_count_warn_threshold",
    ));
    f.fixes.push(Fix::SetConfig {
        file: cfg.file.path.clone(),
        key: e.key.clone(),
        value: None,
        rename_from: None,
        safety: Safety::Unsafe,
        description: "remove `table_count_warn_threshold` (set tables_warn_threshold instead; it counts user tables only)".into(),
    });
}

/// AuthConfig: an authorizer that requires authorization needs an authenticator that
/// authenticates.
fn auth_combination(cfg: &YamlConfig, em: &mut Emitter) {
    let Some((authn, authenticates)) = auth_class(cfg, "authenticator", "AllowAllAuthenticator")
    else {
        return;
    };
    if authenticates {
        return;
    }
    for (setting, default) in [
        ("authorizer", "AllowAllAuthorizer"),
        ("network_authorizer", "AllowAllNetworkAuthorizer"),
        ("cidr_authorizer", "AllowAllCIDRAuthorizer"),
    ] {
        if cfg.get(setting).is_none() {
            continue;
        }
        let Some((authz, true)) = auth_class(cfg, setting, default) else {
            continue;
        };
        let java = if setting == "authorizer" && cfg.version >= V5_0 {
            format!(
                "org.apache.cassandra.auth.{authz} has authorization enabled which requires org.apache.cassandra.auth.{authn} to enable authentication"
            )
        } else {
            let written = |s: &str| {
                class_name_of(cfg, s).map_or("null".to_string(), |(n, _, _)| n.to_string())
            };
            format!(
                "{} can't be used with {}",
                written(if setting == "authorizer" {
                    "authenticator"
                } else {
                    setting
                }),
                written(if setting == "authorizer" {
                    "authorizer"
                } else {
                    "authenticator"
                })
            )
        };
        let f = em.emit(
            says(
                cfg,
                &format!(
                    "`{setting}: {authz}` requires authentication, but the authenticator is {authn}"
                ),
                &java,
            ),
            at(cfg, setting),
        );
        f.evidence.push(ev(cfg, setting));
        f.evidence
            .push(ev_expect(cfg, "authenticator", "PasswordAuthenticator"));
        push_fix(
            f,
            set_fix(
                cfg,
                "authenticator",
                "PasswordAuthenticator",
                Safety::Unsafe,
                "set `authenticator: PasswordAuthenticator` (clients then need credentials)",
            ),
        );
    }
}

// ------------------------------------------------------------------ CFG-019 thresholds

#[derive(Clone, Copy, PartialEq)]
enum Pair {
    /// int guardrail: -1 disables, 0 and other negatives are refused, warn <= fail
    MaxInt,
    /// long guardrail allowing 0 or not
    MaxLong { allow_zero: bool },
    /// int percentage guardrail (also <= 100)
    Percentage,
    /// minimum_replication_factor: warn >= fail, fail <= default_keyspace_rf
    MinRf,
    /// maximum_replication_factor: as MaxInt, and fail >= default_keyspace_rf
    MaxRf,
    /// size guardrail: empty disables, 0 refused, warn <= fail
    Size,
    /// timestamp guardrail (durations, 0 allowed), warn <= fail
    Timestamp,
    /// applySimpleConfig's read size thresholds: fail >= warn
    ReadSize,
}

/// (name prefix, kind, first release line with the check): GuardrailsOptions' constructor in
/// 4.1.10 and 5.0.9, and DatabaseDescriptor.applyReadThresholdsValidations.
#[rustfmt::skip]
static PAIRS: &[(&str, Pair, Version)] = &[
    ("keyspaces",                     Pair::MaxInt, V4_1),
    ("tables",                        Pair::MaxInt, V4_1),
    ("columns_per_table",             Pair::MaxInt, V4_1),
    ("secondary_indexes_per_table",   Pair::MaxInt, V4_1),
    ("materialized_views_per_table",  Pair::MaxInt, V4_1),
    ("page_size",                     Pair::MaxInt, V4_1),
    ("partition_keys_in_select",      Pair::MaxInt, V4_1),
    ("in_select_cartesian_product",   Pair::MaxInt, V4_1),
    ("partition_size",                Pair::Size, V5_0),
    ("partition_tombstones",          Pair::MaxLong { allow_zero: false }, V5_0),
    ("column_value_size",             Pair::Size, V5_0),
    ("collection_size",               Pair::Size, V4_1),
    ("items_per_collection",          Pair::MaxInt, V4_1),
    ("fields_per_udt",                Pair::MaxInt, V4_1),
    ("vector_dimensions",             Pair::MaxInt, V5_0),
    ("data_disk_usage_percentage",    Pair::Percentage, V4_1),
    ("minimum_replication_factor",    Pair::MinRf, V4_1),
    ("maximum_replication_factor",    Pair::MaxRf, V5_0),
    ("maximum_timestamp",             Pair::Timestamp, V5_0),
    ("minimum_timestamp",             Pair::Timestamp, V5_0),
    ("sai_sstable_indexes_per_query", Pair::MaxLong { allow_zero: false }, V5_0),
    ("coordinator_read_size",         Pair::ReadSize, V4_1),
    ("local_read_size",               Pair::ReadSize, V4_1),
    ("row_index_read_size",           Pair::ReadSize, V4_1),
];

/// A threshold as GuardrailsOptions sees it: ints as is, sizes in bytes, durations in
/// microseconds; None for an unset (null) size or duration.
fn threshold(cfg: &YamlConfig, name: &str) -> Option<i128> {
    match val(cfg, name)? {
        SettingValue::Int(i) => Some(*i as i128),
        SettingValue::Quantity(q) if q.dimension() == Dimension::Duration => {
            Some((q.base() / 1_000) as i128)
        }
        SettingValue::Quantity(q) => Some(q.base() as i128),
        _ => None,
    }
}

/// True when `name` is written under a 5.0 old name whose converter shifts the count by the
/// number of system keyspaces/tables (keyspace_count_warn_threshold, table_count_warn_threshold).
fn shifted_count(cfg: &YamlConfig, name: &str) -> bool {
    cfg.entry_for(name).is_some_and(|e| {
        matches!(&e.resolution, Resolution::Old { converter, .. } if converter.contains("COUNT_THRESHOLD"))
    })
}

fn thresholds(ctx: &Ctx, em: &mut Emitter) {
    let Some(cfg) = &ctx.node.config else { return };
    let v = cfg.version;
    let rf = num(cfg, "default_keyspace_rf", None).map(|r| r as i128);
    for &(prefix, pair, _) in PAIRS.iter().filter(|(_, _, s)| *s <= v) {
        let (wn, fnm) = (
            format!("{prefix}_warn_threshold"),
            format!("{prefix}_fail_threshold"),
        );
        if cfg.get(&wn).is_none() || cfg.get(&fnm).is_none() || shifted_count(cfg, &wn) {
            continue;
        }
        let (warn, fail) = (threshold(cfg, &wn), threshold(cfg, &fnm));
        let shown = |n: &str| java_text(cfg, n);
        let mut problems: Vec<(String, String)> = Vec::new(); // (setting, Cassandra's message)
        let int_kind = !matches!(pair, Pair::Size | Pair::Timestamp | Pair::ReadSize);
        if int_kind {
            let allow_zero = matches!(pair, Pair::MaxLong { allow_zero: true });
            let max = if pair == Pair::Percentage {
                100
            } else {
                i128::MAX
            };
            for (n, x) in [(&wn, warn), (&fnm, fail)] {
                let Some(x) = x else { continue };
                if x == -1 {
                    continue;
                }
                let java = if x > max {
                    Some(format!(
                        "Invalid value {x} for {n}: maximum allowed value is {max}"
                    ))
                } else if x == 0 && !allow_zero {
                    Some(format!(
                        "Invalid value for {n}: 0 is not allowed; if attempting to disable use -1"
                    ))
                } else if x < 0 {
                    Some(format!(
                        "Invalid value {x} for {n}: negative values are not allowed, outside of -1 which disables the guardrail"
                    ))
                } else {
                    None
                };
                if let Some(j) = java {
                    problems.push((n.clone(), j));
                }
            }
        } else if pair == Pair::Size {
            for (n, x) in [(&wn, warn), (&fnm, fail)] {
                if x == Some(0) {
                    problems.push((
                        n.clone(),
                        format!("Invalid value for {n}: 0 is not allowed; if attempting to disable use an empty value"),
                    ));
                }
            }
        }
        if problems.is_empty() {
            if let (Some(w), Some(f)) = (warn, fail) {
                let disabled = int_kind && (w == -1 || f == -1);
                let java = match pair {
                    _ if disabled => None,
                    Pair::MinRf => (f > w).then(|| {
                        format!("The warn threshold {w} for {prefix}_warn_threshold should be greater than the fail threshold {f}")
                    }),
                    Pair::ReadSize => (f < w).then(|| {
                        format!("{fnm} ({}) must be greater than or equal to {wn} ({})", shown(&fnm), shown(&wn))
                    }),
                    Pair::Size => (f < w).then(|| {
                        format!("The warn threshold {} for {prefix}_warn_threshold should be lower than the fail threshold {}", shown(&wn), shown(&fnm))
                    }),
                    _ => (f < w).then(|| {
                        format!("The warn threshold {w} for {prefix}_warn_threshold should be lower than the fail threshold {f}")
                    }),
                };
                if let Some(j) = java {
                    problems.push((wn.clone(), j));
                }
            }
            if let (Some(f), Some(rf)) = (fail, rf) {
                if pair == Pair::MinRf && f > rf {
                    problems.push((fnm.clone(), format!("{fnm} to be set ({f}) cannot be greater than default_keyspace_rf ({rf})")));
                }
                if pair == Pair::MaxRf && f != -1 && f < rf {
                    problems.push((
                        fnm.clone(),
                        format!(
                            "{fnm} to be set ({f}) cannot be lesser than default_keyspace_rf ({rf})"
                        ),
                    ));
                }
            }
        }
        for (setting, java) in problems {
            let java = if pair == Pair::ReadSize {
                java
            } else {
                format!("Invalid guardrails configuration: {java}")
            };
            let f = em.emit(
                says(
                    cfg,
                    &format!("`{prefix}_warn/fail_threshold` is not a valid pair"),
                    &java,
                ),
                at(cfg, &setting),
            );
            f.evidence.push(ev(cfg, &wn));
            f.evidence.push(ev(cfg, &fnm));
            if int_kind && threshold(cfg, &setting).is_some_and(|x| x == 0 || x < -1) {
                push_fix(f, fix_set(cfg, &setting, "-1", Safety::Unsafe));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        for w in [
            "0.0.0.0",
            "0",
            "::",
            "[::]",
            "0:0:0:0:0:0:0:0",
            "::ffff:0.0.0.0",
        ] {
            assert!(is_wildcard(w), "{w}");
        }
        for a in ["127.0.0.1", "10.0.0.1", "::1", "localhost", "", "node1"] {
            assert!(!is_wildcard(a), "{a}");
        }
    }

    #[test]
    fn tokens() {
        let m3 = "org.apache.cassandra.dht.Murmur3Partitioner";
        assert!(token_problem(m3, "-9223372036854775808").is_none());
        assert!(token_problem(m3, "abc").unwrap().contains("Got abc"));
        assert!(token_problem(m3, "9223372036854775808").is_some());
        let rp = "org.apache.cassandra.dht.RandomPartitioner";
        assert!(token_problem(rp, "0").is_none());
        assert!(token_problem(rp, "170141183460469231731687303715884105728").is_none());
        assert!(token_problem(rp, "170141183460469231731687303715884105729").is_some());
        assert!(token_problem(rp, "-1").is_some());
        let bop = "org.apache.cassandra.dht.ByteOrderedPartitioner";
        assert!(token_problem(bop, "0a1B").is_none());
        assert!(token_problem(bop, "xyz").is_some());
        assert!(token_problem("com.example.Custom", "anything").is_none());
    }

    #[test]
    fn java_doubles() {
        assert_eq!(java_double(4.0), "4.0");
        assert_eq!(java_double(0.001), "0.001");
    }
}
