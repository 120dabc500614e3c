//! Cross-node rules (CLU-0xx): what only shows when nodes are compared: release versions,
//! schema agreement, data and token ownership, settings that drift between nodes, gossip
//! states, rack layout, and a collection that could not reach every node.

use std::collections::BTreeMap;

use super::advice::*;
use super::{Builtin, Scope};
use crate::engine::{CLUSTER_SUBJECT, ClusterCtx, Emitter, Family, Fix, Need, Safety, Severity};
use crate::model::Node;

const LIVE: &[Need] = &[Need::NodeTables];
const UPGRADE_REF: &str =
    "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/upgrading.html";

pub static RULES: &[Builtin] = &[
    Builtin {
        id: "CLU-001",
        name: "mixed-versions",
        family: Family::Config,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.7,
        confidence: 0.95,
        needs: LIVE,
        params: &[],
        summary: "Nodes run different Cassandra releases (info when only the patch level differs).",
        why: "A mixed-version cluster is a rolling upgrade in progress and should not stay one: between major versions streaming (bootstrap, repair, decommission) and schema changes are unsupported or unsafe, and nodes on different patch releases behave differently under the same load. Finish the upgrade, then run upgradesstables.",
        evidence: "release_version of each node (system.local, as collected).",
        fix: "Upgrade the lagging nodes one at a time (drain, stop, install, start), then `nodetool upgradesstables` on each after a major upgrade; no repairs, bootstraps or schema changes meanwhile.",
        references: &[UPGRADE_REF],
        check: Scope::Cluster(mixed_versions),
    },
    Builtin {
        id: "CLU-002",
        name: "schema-disagreement",
        family: Family::Schema,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.8,
        confidence: 0.85,
        needs: LIVE,
        params: &[],
        summary: "Nodes report different schema versions.",
        why: "Every node computes a digest of its schema; while they differ, nodes disagree on tables or columns: writes can fail with unknown-table or unknown-column errors on some replicas, drivers wait for agreement after each DDL, and a new schema change can fork the disagreement further. A disagreement that lasts more than seconds needs an operator.",
        evidence: "schema_version of system.local on each node, and the schema each node's gossip (system_views.gossip_info) shows for its peers. Confidence 0.85: a collection taken during a schema change can catch a transient difference.",
        fix: "Confirm with `nodetool describecluster`; make sure the minority nodes are up and gossiping, then `nodetool resetlocalschema` on them (one at a time) so they pull the schema from the others. Avoid concurrent DDL from several clients.",
        references: &[
            "https://cassandra.apache.org/doc/latest/cassandra/managing/tools/nodetool/describecluster.html",
        ],
        check: Scope::Cluster(schema_disagreement),
    },
    Builtin {
        id: "CLU-003",
        name: "load-imbalance",
        family: Family::Partition,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.6,
        confidence: 0.8,
        needs: LIVE,
        params: &[("max_ratio", 1.3), ("min_excess_gib", 1.0)],
        summary: "One node of a datacenter holds far more data than the datacenter's mean.",
        why: "The most loaded node fills its disk first, compacts and repairs longest and serves a larger share of reads: the cluster's capacity is that node's. The usual causes are uneven token ownership (CLU-004), a few huge partitions (PART-101), racks of unequal size, or data left behind after nodes were added (cleanup not run).",
        evidence: "storage.load_bytes of each node (exporter), else the load each node gossips (system_views.gossip_info), compared within each datacenter: the heaviest node at max_ratio × the mean and min_excess_gib above it.",
        fix: "Find the cause first: `nodetool status` (ownership), table-level sizes per node; after adding nodes run `nodetool cleanup` on the old ones; large partitions need a key change.",
        references: &[
            "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/topo_changes.html",
        ],
        check: Scope::Cluster(load_imbalance),
    },
    Builtin {
        id: "CLU-004",
        name: "token-imbalance",
        family: Family::Partition,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.6,
        confidence: 0.85,
        needs: LIVE,
        params: &[("max_ratio", 1.25)],
        summary: "Token ownership is uneven across the nodes of a datacenter, or nodes have different token counts.",
        why: "With the Murmur3 partitioner a node owns the ring ranges ending at its tokens; data and requests follow ownership. A node owning 1.5× its share needs 1.5× the disk and serves 1.5× the load. Uneven ownership comes from randomly allocated vnodes (few tokens without allocate_tokens_for_local_replication_factor), hand-picked single tokens, or nodes with different num_tokens.",
        evidence: "The tokens each node lists in system.local, per datacenter: each node's share of the ring (range to its predecessor token) against an equal share, and each node's token count. Murmur3Partitioner only.",
        fix: "Single-token nodes: `nodetool move` to evenly spaced tokens (the fix computes them), one node at a time, then `nodetool cleanup`. Vnodes: tokens cannot change in place; add or replace nodes with allocate_tokens_for_local_replication_factor set, and keep num_tokens equal on every node.",
        references: &[
            "https://cassandra.apache.org/doc/latest/cassandra/getting-started/production.html (tokens)",
            "https://cassandra.apache.org/doc/latest/cassandra/managing/tools/nodetool/move.html",
        ],
        check: Scope::Cluster(token_imbalance),
    },
    Builtin {
        id: "CLU-005",
        name: "settings-differ-across-nodes",
        family: Family::Config,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.5,
        confidence: 0.85,
        needs: &[Need::Config],
        params: &[],
        summary: "Settings that should match on every node (thread pools, timeouts, memtables, caches, thresholds) differ.",
        why: "Nodes with different concurrency, memtable or cache sizes behave differently under the same load: one becomes the bottleneck, timeouts fire on some coordinators and not others, and tuning changes tested on one node are silently missing elsewhere. Config drift is usually an incomplete rollout.",
        evidence: "A curated list of settings, compared across nodes from their cassandra.yaml or, for running nodes, system_views.settings: concurrent_reads/writes/counter_writes, compaction_throughput, memtable sizes, allocation type and flush writers, commit log sync, request timeouts, cache sizes, num_tokens, hinted handoff, tombstone and batch thresholds, column_index_size, streaming throughput, snitch, authenticator and authorizer. Settings that depend on the host (addresses, directories, concurrent_compactors) are not compared.",
        fix: "Set the majority's value on the odd nodes (the fixes do, for config files) and restart them one at a time.",
        references: &[
            "https://cassandra.apache.org/doc/latest/cassandra/managing/configuration/cass_yaml_file.html",
        ],
        check: Scope::Cluster(settings_drift),
    },
    Builtin {
        id: "CLU-006",
        name: "partial-collection",
        family: Family::Config,
        severity: Severity::Info,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.3,
        confidence: 1.0,
        needs: &[],
        params: &[],
        summary: "The collection could not read everything: findings about the missing parts are absent, not clean.",
        why: "A node that was down, hung or refused a query during the collection leaves holes: its tables, metrics or files are missing, so rules about it did not run and cross-node comparisons see fewer nodes. A node that is down is itself worth knowing about.",
        evidence: "The errors the collection recorded in the snapshot's manifest (`node: source: message`).",
        fix: "Check the node answers (`cqlsh <node> -e \"SELECT release_version FROM system.local\"`), then collect again.",
        references: &["casstune README: Faults (exit code 3, partial collections)"],
        check: Scope::Cluster(partial_collection),
    },
    Builtin {
        id: "CLU-007",
        name: "node-not-normal",
        family: Family::Config,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.7,
        confidence: 0.85,
        needs: LIVE,
        params: &[],
        summary: "A node's gossip state is not NORMAL (shut down, leaving, joining, moving, removed).",
        why: "Only NORMAL nodes own their ranges in the usual way: a shut-down node is missing replicas for its ranges (hints pile up on the others), a joining, leaving or moving node is streaming and doubles writes for its ranges; a node stuck in such a state for long needs attention.",
        evidence: "STATUS of each endpoint in system_views.gossip_info, as each node sees it (4.1+).",
        fix: "Start a shut-down node (or remove it with `nodetool removenode` if it is gone for good); follow streaming with `nodetool netstats`.",
        references: &[
            "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/topo_changes.html",
        ],
        check: Scope::Cluster(node_not_normal),
    },
    Builtin {
        id: "CLU-008",
        name: "uneven-racks",
        family: Family::Partition,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.6,
        confidence: 0.8,
        needs: &[Need::NodeTables, Need::Schema],
        params: &[],
        summary: "Racks of a datacenter have different node counts, or fewer racks than the replication factor.",
        why: "NetworkTopologyStrategy puts each replica of a range on a different rack when it can: with racks of unequal size, the nodes of the smaller rack each hold a larger share (a rack of 1 node next to racks of 3 holds a full copy on that one node); with fewer racks than replicas, placement falls back unevenly. Racks should be equal in size and number at least the RF (or there should be a single rack).",
        evidence: "The rack each node reports in system.local per datacenter, and the largest NetworkTopologyStrategy factor for that datacenter.",
        fix: "Plan node additions so every rack has the same count (and at least RF racks); racks of existing nodes cannot be changed in place (replace the node).",
        references: &[
            "https://cassandra.apache.org/doc/latest/cassandra/getting-started/production.html (racks)",
        ],
        check: Scope::Cluster(uneven_racks),
    },
];

/// A value (normalised) → the nodes that have it.
type Groups = BTreeMap<String, Vec<String>>;

fn live_value<'a>(n: &'a Node, table: &str, col: &str) -> Option<&'a serde_json::Value> {
    let rows = n.live.as_ref()?.table(table)?;
    let i = rows.col(col)?;
    rows.rows.first()?.get(i)
}

fn groups_text(groups: &BTreeMap<String, Vec<String>>) -> String {
    groups
        .iter()
        .map(|(v, nodes)| format!("{v} on {}", nodes.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Nodes outside the largest group (ties: the later values).
fn minority(groups: &BTreeMap<String, Vec<String>>) -> (String, Vec<String>) {
    let majority = groups
        .iter()
        .max_by(|a, b| a.1.len().cmp(&b.1.len()).then(b.0.cmp(a.0)))
        .map(|(v, _)| v.clone())
        .unwrap_or_default();
    let others = groups
        .iter()
        .filter(|(v, _)| **v != majority)
        .flat_map(|(_, n)| n.iter().cloned())
        .collect();
    (majority, others)
}

fn mixed_versions(ctx: &ClusterCtx, em: &mut Emitter) {
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for n in &ctx.snapshot.nodes {
        if let Some(v) = n.live.as_ref().and_then(|l| l.release_version.clone()) {
            groups.entry(v).or_default().push(n.id.clone());
        }
    }
    if groups.len() < 2 {
        return;
    }
    let minor = |v: &str| v.split('.').take(2).collect::<Vec<_>>().join(".");
    let majors: std::collections::BTreeSet<String> = groups.keys().map(|v| minor(v)).collect();
    let newest = groups
        .keys()
        .max_by(|a, b| version_key(a).cmp(&version_key(b)))
        .cloned()
        .unwrap_or_default();
    let f = em.subject(CLUSTER_SUBJECT).emit(
        format!(
            "nodes run {} releases: {}",
            groups.len(),
            groups_text(&groups)
        ),
        None,
    );
    if majors.len() < 2 {
        f.severity = Severity::Info;
    }
    f.evidence.push(ev_expect(
        "release_version",
        groups_text(&groups),
        "one release on every node",
    ));
    for (v, nodes) in &groups {
        if *v == newest {
            continue;
        }
        for n in nodes {
            f.fixes.push(Fix::Os {
                command: format!("nodetool -h {n} drain  # then stop, install {newest}, start, and after a major upgrade: nodetool -h {n} upgradesstables"),
                safety: Safety::DisplayOnly,
                description: format!("upgrade {n} from {v} to {newest}, one node at a time"),
            });
        }
    }
}

fn version_key(v: &str) -> Vec<u64> {
    v.split(['.', '-'])
        .map(|p| p.parse().unwrap_or(0))
        .collect()
}

fn schema_disagreement(ctx: &ClusterCtx, em: &mut Emitter) {
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for n in &ctx.snapshot.nodes {
        if let Some(v) = live_value(n, "system.local", "schema_version").and_then(|v| v.as_str()) {
            groups.entry(v.to_string()).or_default().push(n.id.clone());
        }
    }
    // What each node's gossip says about every endpoint (4.1+), for nodes not collected.
    let mut gossip: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for n in &ctx.snapshot.nodes {
        let Some(rows) = n
            .live
            .as_ref()
            .and_then(|l| l.table("system_views.gossip_info"))
        else {
            continue;
        };
        for r in rows.records() {
            let (Some(addr), Some(schema)) = (
                r.get("address").and_then(|v| v.as_str()),
                r.get("schema").and_then(|v| v.as_str()),
            ) else {
                continue;
            };
            gossip
                .entry(addr.to_string())
                .or_default()
                .insert(n.id.clone(), schema.to_string());
        }
    }
    for (addr, views) in &gossip {
        if ctx.snapshot.nodes.iter().any(|n| n.id == *addr) {
            continue;
        }
        if let Some(s) = views.values().next() {
            groups
                .entry(s.clone())
                .or_default()
                .push(format!("{addr} (gossip)"));
        }
    }
    if groups.len() < 2 {
        return;
    }
    let (majority, odd) = minority(&groups);
    let f = em.subject(CLUSTER_SUBJECT).emit(
        format!(
            "nodes disagree on the schema ({} versions): {}",
            groups.len(),
            groups_text(&groups)
        ),
        None,
    );
    f.evidence.push(ev_expect(
        "schema_version",
        groups_text(&groups),
        format!("{majority} everywhere"),
    ));
    f.fixes.push(Fix::Os {
        command: "nodetool describecluster".into(),
        safety: Safety::DisplayOnly,
        description: "confirm the disagreement is lasting (not a DDL in flight)".into(),
    });
    for n in odd {
        let n = n.trim_end_matches(" (gossip)").to_string();
        f.fixes.push(Fix::Os {
            command: format!("nodetool -h {n} resetlocalschema"),
            safety: Safety::Unsafe,
            description: format!(
                "{n} drops its schema and pulls it from the others; one node at a time"
            ),
        });
    }
}

/// Per node: (load bytes, where it came from).
fn node_loads(ctx: &ClusterCtx) -> BTreeMap<String, (f64, &'static str)> {
    let mut out = BTreeMap::new();
    for n in &ctx.snapshot.nodes {
        if let Some(v) = n
            .metrics
            .get::<&str, &str>("storage.load_bytes", &[])
            .filter(|v| v.is_finite())
        {
            out.insert(n.id.clone(), (v, "storage.load_bytes"));
        }
    }
    for n in &ctx.snapshot.nodes {
        let Some(rows) = n
            .live
            .as_ref()
            .and_then(|l| l.table("system_views.gossip_info"))
        else {
            continue;
        };
        for r in rows.records() {
            let (Some(addr), Some(load)) = (
                r.get("address").and_then(|v| v.as_str()),
                r.get("load")
                    .and_then(|v| v.as_str())
                    .and_then(|v| v.parse::<f64>().ok()),
            ) else {
                continue;
            };
            out.entry(addr.to_string()).or_insert((load, "gossip load"));
        }
    }
    out
}

fn load_imbalance(ctx: &ClusterCtx, em: &mut Emitter) {
    let max_ratio = ctx.meta.param("max_ratio");
    let min_excess = ctx.meta.param("min_excess_gib") * GIB;
    let topo = topology(ctx.snapshot);
    let loads = node_loads(ctx);
    for (dc, nodes) in &topo.dcs {
        let vals: Vec<(String, f64, &str)> = nodes
            .iter()
            .filter_map(|n| loads.get(n).map(|(v, src)| (n.clone(), *v, *src)))
            .collect();
        if vals.len() < 2 {
            continue;
        }
        let mean = vals.iter().map(|v| v.1).sum::<f64>() / vals.len() as f64;
        let Some(heavy) = vals
            .iter()
            .max_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal))
        else {
            continue;
        };
        if heavy.1 < max_ratio * mean || heavy.1 - mean < min_excess {
            continue;
        }
        let f = em.subject(&heavy.0).emit(
            format!(
                "{} holds {}, {:.2}× the {} mean of datacenter {dc} ({} nodes)",
                heavy.0,
                bytes(heavy.1),
                heavy.1 / mean,
                bytes(mean),
                vals.len()
            ),
            None,
        );
        f.evidence.push(ev_expect(
            format!("load in {dc}"),
            vals.iter()
                .map(|(n, v, _)| format!("{n}: {}", bytes(*v)))
                .collect::<Vec<_>>()
                .join(", "),
            format!("< {}× the mean", num(max_ratio)),
        ));
        f.evidence.push(ev("load source", heavy.2));
        f.fixes.push(Fix::Os {
            command: "nodetool status".into(),
            safety: Safety::DisplayOnly,
            description: "compare ownership first: uneven tokens (CLU-004) or large partitions (PART-101) explain most imbalance".into(),
        });
        f.fixes.push(Fix::Os {
            command: format!("nodetool -h {} cleanup", heavy.0),
            safety: Safety::Unsafe,
            description: "if nodes were added since this one was loaded: drops data it no longer owns (a compaction of every table)".into(),
        });
    }
}

const RING: f64 = 18_446_744_073_709_551_616.0; // 2^64

fn tokens_of(n: &Node) -> Option<Vec<i128>> {
    let v = live_value(n, "system.local", "tokens")?;
    let list: Vec<i128> = match v {
        serde_json::Value::Array(a) => a.iter().filter_map(|t| t.as_str()?.parse().ok()).collect(),
        serde_json::Value::String(s) => s
            .trim_matches(['[', ']', '{', '}'])
            .split(',')
            .filter_map(|t| t.trim().trim_matches(['\'', '"']).parse().ok())
            .collect(),
        _ => return None,
    };
    (!list.is_empty()).then_some(list)
}

fn token_imbalance(ctx: &ClusterCtx, em: &mut Emitter) {
    let max_ratio = ctx.meta.param("max_ratio");
    if ctx
        .snapshot
        .cluster
        .partitioner
        .as_deref()
        .is_some_and(|p| !p.ends_with("Murmur3Partitioner"))
    {
        return;
    }
    let topo = topology(ctx.snapshot);
    for (dc, ids) in &topo.dcs {
        let nodes: Vec<(&Node, Vec<i128>)> = ids
            .iter()
            .filter_map(|id| {
                let n = ctx.snapshot.nodes.iter().find(|n| n.id == *id)?;
                Some((n, tokens_of(n)?))
            })
            .collect();
        if nodes.len() < 2 || nodes.len() != ids.len() {
            continue;
        }
        let mut ring: Vec<(i128, usize)> = nodes
            .iter()
            .enumerate()
            .flat_map(|(i, (_, toks))| toks.iter().map(move |t| (*t, i)))
            .collect();
        ring.sort();
        let mut share = vec![0.0f64; nodes.len()];
        for (k, (tok, owner)) in ring.iter().enumerate() {
            let prev = if k == 0 {
                ring[ring.len() - 1].0 - (1i128 << 64)
            } else {
                ring[k - 1].0
            };
            share[*owner] += (tok - prev) as f64 / RING;
        }
        let ideal = 1.0 / nodes.len() as f64;
        let (heavy, hs) = share
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.partial_cmp(b.1).unwrap_or(std::cmp::Ordering::Equal))
            .map(|(i, s)| (i, *s))
            .unwrap_or((0, 0.0));
        let counts: BTreeMap<usize, Vec<String>> =
            nodes.iter().fold(BTreeMap::new(), |mut m, (n, t)| {
                m.entry(t.len()).or_insert_with(Vec::new).push(n.id.clone());
                m
            });
        let uneven = hs >= max_ratio * ideal;
        if !uneven && counts.len() < 2 {
            continue;
        }
        let shares_text = nodes
            .iter()
            .zip(&share)
            .map(|((n, t), s)| {
                format!(
                    "{}: {:.1} % ({} token{})",
                    n.id,
                    s * 100.0,
                    t.len(),
                    if t.len() == 1 { "" } else { "s" }
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let f = em.subject(dc).emit(
            if uneven {
                format!(
                    "in datacenter {dc}, {} owns {:.1} % of the ring where an even share is {:.1} % ({:.2}×)",
                    nodes[heavy].0.id,
                    hs * 100.0,
                    ideal * 100.0,
                    hs / ideal
                )
            } else {
                format!(
                    "nodes of datacenter {dc} have different token counts: {}",
                    counts.iter().map(|(c, n)| format!("{c} on {}", n.join(", "))).collect::<Vec<_>>().join("; ")
                )
            },
            None,
        );
        f.evidence.push(ev_expect(
            format!("token ownership in {dc}"),
            shares_text,
            format!("about {:.1} % each (< {}×)", ideal * 100.0, num(max_ratio)),
        ));
        if counts.len() > 1 {
            f.evidence.push(ev(
                "tokens per node",
                counts
                    .iter()
                    .map(|(c, n)| format!("{c}: {}", n.join(", ")))
                    .collect::<Vec<_>>()
                    .join("; "),
            ));
        }
        if nodes.iter().all(|(_, t)| t.len() == 1) {
            // Evenly spaced tokens keeping the ring order and the first node's token.
            let mut order: Vec<(i128, &str)> =
                nodes.iter().map(|(n, t)| (t[0], n.id.as_str())).collect();
            order.sort();
            let start = order[0].0;
            let step = (1i128 << 64) / order.len() as i128;
            for (i, (tok, id)) in order.iter().enumerate() {
                let mut target = start + step * i as i128;
                if target > i64::MAX as i128 {
                    target -= 1i128 << 64;
                }
                if target != *tok {
                    f.fixes.push(Fix::Os {
                        command: format!("nodetool -h {id} move -- {target}"),
                        safety: Safety::DisplayOnly,
                        description: format!("move {id} from {tok} to an evenly spaced token; one node at a time, then `nodetool cleanup` on every node"),
                    });
                }
            }
        }
        if f.fixes.is_empty()
            && let Some(cfg) = nodes[0].0.config.as_ref()
        {
            let rf = ctx
                .snapshot
                .schema
                .keyspaces
                .iter()
                .filter(|k| !k.is_system())
                .filter_map(|k| replication(k).rf_in(dc))
                .max()
                .unwrap_or(3);
            f.fixes.push(Fix::SetConfig {
                file: cfg.file.path.clone(),
                key: "allocate_tokens_for_local_replication_factor".into(),
                value: Some(rf.to_string()),
                rename_from: None,
                safety: Safety::DisplayOnly,
                description: "vnode tokens cannot change in place: give new and replacement nodes this setting (and the same num_tokens everywhere) so they take balanced tokens".into(),
            });
        }
    }
}

/// Settings compared across nodes: the ones that should not depend on the host.
const COMPARED: &[&str] = &[
    "concurrent_reads",
    "concurrent_writes",
    "concurrent_counter_writes",
    "concurrent_materialized_view_writes",
    "compaction_throughput",
    "memtable_allocation_type",
    "memtable_heap_space",
    "memtable_offheap_space",
    "memtable_flush_writers",
    "memtable_cleanup_threshold",
    "commitlog_sync",
    "commitlog_sync_period",
    "commitlog_segment_size",
    "read_request_timeout",
    "write_request_timeout",
    "range_request_timeout",
    "counter_write_request_timeout",
    "cas_contention_timeout",
    "request_timeout",
    "native_transport_max_threads",
    "key_cache_size",
    "row_cache_size",
    "counter_cache_size",
    "file_cache_size",
    "num_tokens",
    "hinted_handoff_enabled",
    "max_hint_window",
    "tombstone_warn_threshold",
    "tombstone_failure_threshold",
    "batch_size_warn_threshold",
    "batch_size_fail_threshold",
    "column_index_size",
    "stream_throughput_outbound",
    "endpoint_snitch",
    "authenticator",
    "authorizer",
    "disk_access_mode",
    "internode_compression",
    "storage_compatibility_mode",
];

fn comparable(n: &Node, name: &str) -> Option<String> {
    let s = n.config.as_ref()?.get(name)?;
    use crate::model::SettingValue as V;
    Some(match &s.value {
        V::Quantity(q) => format!("{}", q.base()),
        V::Null => "(unset)".into(),
        V::Map(m) => m
            .get("class_name")
            .cloned()
            .unwrap_or_else(|| s.display.clone()),
        // A class may be written with or without its package.
        V::Str(v) if v.starts_with("org.apache.cassandra.") => {
            v.rsplit('.').next().unwrap_or(v).to_string()
        }
        V::Str(v) => v.clone(),
        _ => s.display.clone(),
    })
}

fn settings_drift(ctx: &ClusterCtx, em: &mut Emitter) {
    let nodes: Vec<&Node> = ctx
        .snapshot
        .nodes
        .iter()
        .filter(|n| n.config.is_some())
        .collect();
    if nodes.len() < 2 {
        return;
    }
    // (setting, value → nodes, value → display text)
    let mut drift: Vec<(String, Groups, BTreeMap<String, String>)> = Vec::new();
    for name in COMPARED {
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut display: BTreeMap<String, String> = BTreeMap::new();
        for n in &nodes {
            let Some(v) = comparable(n, name) else {
                continue;
            };
            let shown = n
                .config
                .as_ref()
                .and_then(|c| c.get(name))
                .map(|s| s.display.clone())
                .unwrap_or_else(|| v.clone());
            display.entry(v.clone()).or_insert(shown);
            groups.entry(v).or_default().push(n.id.clone());
        }
        if groups.len() > 1 {
            drift.push((name.to_string(), groups, display));
        }
    }
    if drift.is_empty() {
        return;
    }
    let describe = |groups: &BTreeMap<String, Vec<String>>, display: &BTreeMap<String, String>| {
        groups
            .iter()
            .map(|(v, ns)| {
                format!(
                    "{} on {}",
                    display.get(v).map(String::as_str).unwrap_or(v),
                    ns.join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let f = em.subject(CLUSTER_SUBJECT).emit(
        format!(
            "{} setting{} differ across nodes: {}",
            drift.len(),
            if drift.len() == 1 { "" } else { "s" },
            drift
                .iter()
                .map(|(name, g, d)| format!("{name} ({})", describe(g, d)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None,
    );
    for (name, groups, display) in &drift {
        let (majority, odd) = minority(groups);
        let value = display.get(&majority).cloned().unwrap_or(majority.clone());
        f.evidence.push(ev_expect(
            name.clone(),
            describe(groups, display),
            format!("{value} on every node"),
        ));
        for id in odd {
            let Some(n) = nodes.iter().find(|n| n.id == id) else {
                continue;
            };
            let cfg = n.config.as_ref().expect("filtered");
            f.fixes.push(Fix::SetConfig {
                file: cfg.file.path.clone(),
                key: name.clone(),
                value: Some(value.clone()),
                rename_from: None,
                safety: if cfg.running {
                    Safety::DisplayOnly
                } else {
                    Safety::Unsafe
                },
                description: format!("{name} on {id} as on the other nodes; restart {id} to apply"),
            });
        }
    }
}

fn partial_collection(ctx: &ClusterCtx, em: &mut Emitter) {
    let Some(c) = &ctx.snapshot.collection else {
        return;
    };
    if c.errors.is_empty() {
        return;
    }
    let mut per_node: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in &c.errors {
        let node = ctx
            .snapshot
            .nodes
            .iter()
            .find(|n| e.starts_with(&format!("{}: ", n.id)))
            .map(|n| n.id.clone())
            .unwrap_or_else(|| CLUSTER_SUBJECT.to_string());
        let msg = if node == CLUSTER_SUBJECT {
            e.clone()
        } else {
            e[node.len() + 2..].to_string()
        };
        per_node.entry(node).or_default().push(msg);
    }
    for (node, errs) in per_node {
        let sources: std::collections::BTreeSet<&str> = errs
            .iter()
            .map(|e| e.split(": ").next().unwrap_or(e))
            .collect();
        let f = em.subject(&node).emit(
            format!(
                "the collection {}: {} error{} ({}); rules that need the missing data did not run there",
                if node == CLUSTER_SUBJECT { "was partial".to_string() } else { format!("could not read everything from {node}") },
                errs.len(),
                if errs.len() == 1 { "" } else { "s" },
                sources.into_iter().collect::<Vec<_>>().join(", ")
            ),
            None,
        );
        f.evidence
            .push(ev("collection errors", errs.len().to_string()));
        for e in errs.iter().take(5) {
            f.evidence.push(ev("collection error", e.clone()));
        }
        let host = if node == CLUSTER_SUBJECT {
            "<node>".to_string()
        } else {
            node.split(':').next().unwrap_or(&node).to_string()
        };
        f.fixes.push(Fix::Os {
            command: format!("cqlsh {host} -e \"SELECT release_version FROM system.local\""),
            safety: Safety::DisplayOnly,
            description: "check the node answers, then collect again".into(),
        });
    }
}

fn node_not_normal(ctx: &ClusterCtx, em: &mut Emitter) {
    // endpoint → (state, seen by)
    let mut states: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for n in &ctx.snapshot.nodes {
        let Some(rows) = n
            .live
            .as_ref()
            .and_then(|l| l.table("system_views.gossip_info"))
        else {
            continue;
        };
        for r in rows.records() {
            let Some(addr) = r.get("address").and_then(|v| v.as_str()) else {
                continue;
            };
            let status = r
                .get("status_with_port")
                .and_then(|v| v.as_str())
                .or_else(|| r.get("status").and_then(|v| v.as_str()));
            let Some(status) = status else { continue };
            let state = status.split(',').next().unwrap_or(status).to_string();
            states
                .entry(addr.to_string())
                .or_default()
                .entry(state)
                .or_default()
                .push(n.id.clone());
        }
    }
    for (addr, seen) in states {
        let bad: Vec<(&String, &Vec<String>)> = seen
            .iter()
            .filter(|(s, _)| !s.eq_ignore_ascii_case("NORMAL"))
            .collect();
        if bad.is_empty() {
            continue;
        }
        let text = bad
            .iter()
            .map(|(s, by)| format!("{s} (seen by {})", by.join(", ")))
            .collect::<Vec<_>>()
            .join("; ");
        let f = em
            .subject(&addr)
            .emit(format!("gossip shows {addr} as {text}"), None);
        f.evidence.push(ev_expect(
            format!("{addr} gossip STATUS"),
            text.clone(),
            "NORMAL",
        ));
        let state = bad[0].0.to_ascii_lowercase();
        f.fixes.push(Fix::Os {
            command: if state.contains("shutdown") {
                format!("nodetool status  # then start Cassandra on {addr}, or `nodetool removenode <host id>` if it is gone")
            } else {
                format!("nodetool -h {addr} netstats")
            },
            safety: Safety::DisplayOnly,
            description: if state.contains("shutdown") {
                "a shut-down node's replicas are missing: start it, or remove it for good".into()
            } else {
                "a joining, leaving or moving node is streaming: follow it to the end".into()
            },
        });
    }
}

fn uneven_racks(ctx: &ClusterCtx, em: &mut Emitter) {
    let topo = topology(ctx.snapshot);
    for (dc, racks) in &topo.racks {
        if racks.len() < 2 {
            continue;
        }
        let sizes: Vec<usize> = racks.values().map(Vec::len).collect();
        let unequal = sizes.iter().min() != sizes.iter().max();
        let rf = ctx
            .snapshot
            .schema
            .keyspaces
            .iter()
            .filter(|k| !k.is_system())
            .filter_map(|k| match replication(k) {
                Replication::Network(m) => m.get(dc).copied(),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        let too_few = rf as usize > racks.len();
        if !unequal && !too_few {
            continue;
        }
        let layout = racks
            .iter()
            .map(|(r, n)| format!("{r}: {} ({})", n.len(), n.join(", ")))
            .collect::<Vec<_>>()
            .join("; ");
        let f = em.subject(dc).emit(
            format!(
                "datacenter {dc} has {} racks {}{}",
                racks.len(),
                if unequal {
                    format!("of unequal size ({layout})")
                } else {
                    format!("({layout})")
                },
                if too_few {
                    format!(", fewer than its replication factor {rf}")
                } else {
                    String::new()
                }
            ),
            None,
        );
        f.evidence.push(ev_expect(
            format!("racks in {dc}"),
            layout,
            "equal node counts, at least RF racks",
        ));
        if rf > 0 {
            f.evidence
                .push(ev(format!("largest RF in {dc}"), rf.to_string()));
        }
        f.fixes.push(Fix::Os {
            command: "nodetool status".into(),
            safety: Safety::DisplayOnly,
            description: "plan additions or replacements so every rack ends with the same number of nodes (racks of existing nodes cannot change in place)".into(),
        });
    }
}
