//! Compaction strategy advice from schema, workload and host facts (COMP-2xx) and partition
//! advice with a rendered, bucketed primary key (PART-1xx). The node-level metric rules
//! (COMP-1xx: backlog, SSTables per read; PART-0xx: large partitions, tombstones per read;
//! OS-004: leveled compaction on spinning disks) live in metrics.rs, metrics_tables.rs and
//! host.rs; these look at one table across all nodes.

use super::advice::*;
use super::{Builtin, Scope};
use crate::catalog::Version;
use crate::engine::{ClusterCtx, Emitter, Family, Fix, Need, Safety, Severity};
use crate::model::Snapshot;
use crate::model::schema::Table;

const TWCS_REF: &str =
    "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/compaction/twcs.html";
const LCS_REF: &str =
    "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/compaction/lcs.html";
const STCS_REF: &str =
    "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/compaction/stcs.html";
const UCS_REF: &str = "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/compaction/ucs.html (5.0)";

pub static RULES: &[Builtin] = &[
    Builtin {
        id: "COMP-201",
        name: "ttl-time-series-without-twcs",
        family: Family::Compaction,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.7,
        confidence: 0.8,
        needs: &[Need::Schema],
        params: &[("target_windows", 25.0)],
        summary: "A time-ordered table whose rows expire by TTL compacts with STCS or LCS instead of TWCS.",
        why: "Rows written with one TTL expire in the order they were written. STCS and LCS mix old and new rows in the same SSTables, so expired data is only dropped when compaction happens to rewrite it: disk holds far more than the TTL's worth, and compaction keeps rewriting data that is about to expire. TimeWindowCompactionStrategy groups writes by time window and drops a whole SSTable once all of it has expired, with no rewrite at all.",
        evidence: "default_time_to_live > 0, compaction class, a clustering column of type timestamp/timeuuid/date or a time bucket in the partition key; writes against reads and tombstones per read (metrics or virtual tables) for the append-only shape. The window aims at about target_windows windows per TTL (operators' 20–30; Jeff Jirsa's TWCS guidance: fewer than 50). Confidence drops to 0.65 without workload data.",
        fix: "ALTER TABLE … WITH compaction = {'class': 'TimeWindowCompactionStrategy', 'compaction_window_unit': …, 'compaction_window_size': …} with the computed window. Existing SSTables are re-bucketed by their newest timestamp: expect one round of compaction. Do not mix in updates or deletes of old rows, and read recent windows (queries bounded in time). On 5.0 UCS is the documented general-purpose choice, but it does not group by time; TWCS stays the better fit for pure TTL time series.",
        references: &[
            TWCS_REF,
            "https://github.com/jeffjirsa/twcs (fewer than 50 windows per TTL)",
            UCS_REF,
        ],
        check: Scope::Cluster(ttl_without_twcs),
    },
    Builtin {
        id: "COMP-202",
        name: "size-tiered-disk-headroom",
        family: Family::Compaction,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.8,
        confidence: 0.7,
        needs: &[Need::Schema, Need::HostFacts],
        params: &[("max_disk_fraction", 0.4)],
        summary: "A size-tiered table that takes a large share of a node's data disk.",
        why: "STCS compacts SSTables of similar size into one; the output needs as much free space as the inputs until they are deleted. The largest tier of a big table is most of the table, so a table holding 40–50 % of the disk may be unable to compact its top tier (or a major compaction) at all: SSTables and tombstones accumulate and the node eventually runs out of space. LCS needs about 10 % headroom; 5.0's UCS compacts in shards and needs free space for one shard.",
        evidence: "Live SSTable size of the table on each node (table.live_disk_space_bytes, else system_views.disk_usage) against the size of that node's data disks (host facts).",
        fix: "Switch to LCS on SSDs (or UCS on 5.0) before the disk fills, or add capacity; confirm free space with `df` first (a strategy switch itself rewrites the table).",
        references: &[STCS_REF, LCS_REF, UCS_REF],
        check: Scope::Cluster(stcs_headroom),
    },
    Builtin {
        id: "COMP-203",
        name: "twcs-without-ttl",
        family: Family::Compaction,
        severity: Severity::Info,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.4,
        confidence: 0.5,
        needs: &[Need::Schema],
        params: &[],
        summary: "A TWCS table with no default_time_to_live.",
        why: "TWCS compacts each window once and never again; it pays off when whole windows expire. Without a TTL (unless every INSERT sets USING TTL, which the schema cannot show) windows accumulate forever, one SSTable each, and any update or delete that lands in a later window is never merged with the data it shadows.",
        evidence: "Compaction class TimeWindowCompactionStrategy and default_time_to_live = 0. Confidence 0.5: per-write TTLs are invisible here.",
        fix: "Set default_time_to_live to the retention the data has, or, if it never expires, move to STCS/LCS (UCS on 5.0).",
        references: &[TWCS_REF],
        check: Scope::Cluster(twcs_without_ttl),
    },
    Builtin {
        id: "COMP-204",
        name: "twcs-window-mismatch",
        family: Family::Compaction,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.5,
        confidence: 0.8,
        needs: &[Need::Schema],
        params: &[
            ("max_windows", 50.0),
            ("min_windows", 4.0),
            ("target_windows", 25.0),
        ],
        summary: "A TWCS window that gives more than 50 or fewer than 4 windows over the table's TTL.",
        why: "TWCS keeps about one SSTable per window: with hundreds of windows a time-range read touches hundreds of SSTables and the strategy tracks many files; with a window close to the TTL an SSTable only expires when its newest row does, so data lives up to TTL + window and disk holds far more than the TTL's worth.",
        evidence: "compaction_window_unit and compaction_window_size against default_time_to_live.",
        fix: "ALTER TABLE with the window the rule computes (about 25 windows per TTL).",
        references: &[
            TWCS_REF,
            "https://github.com/jeffjirsa/twcs (fewer than 50 windows per TTL)",
        ],
        check: Scope::Cluster(twcs_window_mismatch),
    },
    Builtin {
        id: "PART-101",
        name: "partition-size-skew",
        family: Family::Partition,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.7,
        confidence: 0.8,
        needs: &[Need::Schema, Need::NodeTables],
        params: &[
            ("large_mib", 100.0),
            ("skew_ratio", 10.0),
            ("min_skew_mib", 1.0),
            ("max_buckets", 1024.0),
        ],
        summary: "A table whose largest partition is large (100 MiB) or far above its mean (skew), with a bucketed primary key to fix it.",
        why: "A partition lives whole on its replicas: a large or hot one concentrates reads, writes, heap (compaction and repair build its index and merge it in one piece) and streaming on a few nodes while others idle; reads that touch it are slow, and above 100 MiB (compaction_large_partition_warning_threshold, the 5.0 partition_size_warn_threshold guardrail's usual setting) compaction logs it as large. Skew means the key does not spread the data: one natural key (a tenant, a device, a day) collects most of it.",
        evidence: "Per node: table.max_partition_size_bytes and table.mean_partition_size_bytes (else system_views.max_partition_size, in MiB rounded up, with system.size_estimates' mean) and the partition count. Warning when the largest partition reaches large_mib; info when it is skew_ratio times the node's mean and at least min_skew_mib (Cassandra's min_tracked_partition_size). Confidence 0.6 without exporter metrics.",
        fix: "Split the partition key: a time bucket when a clustering column is a timestamp/timeuuid/date (PRIMARY KEY ((sensor, day_bucket), ts)), else a bucket column (PRIMARY KEY ((id, bucket), seq)) with as many buckets as it takes to bring the largest partition near the target size. The fix renders the new CREATE TABLE from the real columns; data must be migrated (a new table, dual writes or a backfill job), reads of a whole logical partition query each bucket.",
        references: &[
            "https://cassandra.apache.org/doc/latest/cassandra/developing/data-modeling/data-modeling_refining.html (partition size, bucketing)",
            "https://docs.datastax.com/en/dseplanning/docs/anti-patterns.html (large partitions)",
        ],
        check: Scope::Cluster(partition_skew),
    },
];

// ---------------------------------------------------------------- helpers

fn is_stcs(t: &Table) -> bool {
    matches!(
        t.compaction_class(),
        None | Some("SizeTieredCompactionStrategy")
    )
}

/// A time dimension the table is ordered or bucketed by: the clustering column of a time
/// type, or a partition key column that is a time bucket.
fn time_dimension(t: &Table) -> Option<String> {
    if let Some(c) = clustering(t)
        .into_iter()
        .find(|c| is_time_type(&c.data_type))
    {
        return Some(format!("clustered by {} ({})", c.name, c.data_type));
    }
    partition_key(t)
        .into_iter()
        .find(|c| {
            is_time_type(&c.data_type)
                || c.name.to_ascii_lowercase().split('_').any(|w| {
                    matches!(
                        w,
                        "day" | "date" | "hour" | "month" | "week" | "year" | "minute"
                    )
                })
        })
        .map(|c| format!("time-bucketed by {} ({})", c.name, c.data_type))
}

/// The strategy statements that keep reads on few SSTables: LCS on SSDs, UCS L10 on 5.0.
pub(super) fn read_optimised(t: &Table, v: Version, hdd: bool) -> Vec<Fix> {
    let mut fixes = Vec::new();
    if v >= Version::V5_0 {
        fixes.push(Fix::Cql {
            statement: alter_compaction(t, &[("class", "UnifiedCompactionStrategy"), ("scaling_parameters", "L10")]),
            safety: Safety::Unsafe,
            description: "UCS levelled (L10 ≈ LCS): rewrites the table once; its parameters can be changed later without another rewrite".into(),
        });
    }
    if !hdd {
        fixes.push(Fix::Cql {
            statement: alter_compaction(t, &[("class", "LeveledCompactionStrategy"), ("sstable_size_in_mb", "160")]),
            safety: Safety::Unsafe,
            description: "LCS on SSDs: rewrites the whole table into levels (off-peak), then about one SSTable per read".into(),
        });
    }
    fixes
}

fn tiered(t: &Table, v: Version) -> Fix {
    if v >= Version::V5_0 {
        Fix::Cql {
            statement: alter_compaction(
                t,
                &[
                    ("class", "UnifiedCompactionStrategy"),
                    ("scaling_parameters", "T4"),
                ],
            ),
            safety: Safety::Unsafe,
            description: "UCS tiered (T4 ≈ STCS) with sharded compactions".into(),
        }
    } else {
        Fix::Cql {
            statement: alter_compaction(t, &[("class", "SizeTieredCompactionStrategy")]),
            safety: Safety::Unsafe,
            description: "size-tiered: sequential I/O, more SSTables per read".into(),
        }
    }
}

/// How many buckets bring the largest partition near the target size (a power of two).
pub(super) fn bucket_count(max: f64, mean: Option<f64>, cap: u32) -> u32 {
    let target = (2.0 * mean.unwrap_or(0.0)).clamp(MIB, 10.0 * MIB);
    let n = (max / target).ceil().max(2.0) as u32;
    n.next_power_of_two().min(cap.max(2))
}

/// A table re-keyed with a bucket.
pub(super) struct Bucketed {
    /// The complete CREATE TABLE.
    pub statement: String,
    /// How the application fills the new column.
    pub how: String,
    /// The new table, as CQL (`ks.name`).
    pub table: String,
    /// The column added to the partition key (None: the value was split into chunk rows).
    pub bucket: Option<String>,
}

/// The table with a bucket in its partition key (or, without clustering columns, its large
/// value split into chunk rows).
/// `sequential`: the bucket follows the clustering order (consumed bucket by bucket, as in a
/// queue) rather than spreading rows (a hash).
pub(super) fn bucketed_table(s: &Snapshot, t: &Table, buckets: u32, sequential: bool) -> Bucketed {
    let pk: Vec<String> = partition_key(t).iter().map(|c| c.name.clone()).collect();
    let ck = clustering(t);
    let mut columns: Vec<ColumnDef> = partition_key(t).into_iter().map(ColumnDef::of).collect();
    let mut clustering_cols: Vec<(String, bool)> = ck
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                c.clustering_order.as_deref() == Some("desc"),
            )
        })
        .collect();
    let mut new_pk = pk.clone();
    let how;
    let mut bucket = None;
    if let Some(tc) = ck.iter().find(|c| is_time_type(&c.data_type)) {
        let has_day = partition_key(t).iter().any(|c| {
            c.data_type == "date"
                || c.name
                    .to_ascii_lowercase()
                    .split('_')
                    .any(|w| matches!(w, "day" | "date"))
        });
        let (name, ty, unit) = if has_day {
            (
                free_name(t, &["hour_bucket", "hour_slot"]),
                "timestamp",
                "hour",
            )
        } else {
            (free_name(t, &["day_bucket", "day_slot"]), "date", "day")
        };
        how = format!(
            "{name} = {} truncated to the {unit}; a read of one logical partition queries each {unit} it spans",
            tc.name
        );
        columns.push(ColumnDef {
            name: name.clone(),
            data_type: ty.into(),
            is_static: false,
        });
        bucket = Some(name.clone());
        new_pk.push(name);
    } else if let Some(first) = ck.first() {
        let name = free_name(t, &["bucket", "shard", "bucket_id"]);
        how = if sequential {
            format!(
                "{name} = {} / <rows per bucket>, so readers move from bucket to bucket and a consumed bucket is deleted with one partition delete",
                first.name
            )
        } else {
            format!(
                "{name} in 0..{} from {} (a hash modulo {buckets}, or {} / <rows per bucket> to keep ranges together); a read of one logical partition queries the {buckets} buckets in parallel",
                buckets - 1,
                first.name,
                first.name
            )
        };
        columns.push(ColumnDef {
            name: name.clone(),
            data_type: "int".into(),
            is_static: false,
        });
        bucket = Some(name.clone());
        new_pk.push(name);
    } else {
        // One row per partition: only its cells can be large. Split the value into chunks.
        let name = free_name(t, &["chunk", "part"]);
        how = format!(
            "one row per chunk: split the large value into pieces of at most 1 MiB keyed by {name}"
        );
        clustering_cols.push((name.clone(), false));
        columns.push(ColumnDef {
            name: name.clone(),
            data_type: "int".into(),
            is_static: false,
        });
    }
    columns.extend(ck.iter().map(|c| ColumnDef::of(c)));
    columns.extend(
        t.columns
            .iter()
            .filter(|c| c.kind == "static" || c.kind == "regular")
            .map(ColumnDef::of),
    );
    let ttl = default_ttl(t);
    let name = free_table_name(s, &t.keyspace, &format!("{}_bucketed", t.name));
    let new = NewTable {
        keyspace: &t.keyspace,
        name: name.clone(),
        columns,
        partition_key: new_pk,
        clustering: clustering_cols,
        options: if ttl > 0 {
            vec![format!("default_time_to_live = {ttl}")]
        } else {
            Vec::new()
        },
    };
    Bucketed {
        statement: new.render(),
        how,
        table: qname(&t.keyspace, &name),
        bucket,
    }
}

// ---------------------------------------------------------------- rules

fn ttl_without_twcs(ctx: &ClusterCtx, em: &mut Emitter) {
    let target = ctx.meta.param("target_windows");
    let v = oldest_version(ctx.snapshot);
    for t in user_tables(ctx.snapshot) {
        let ttl = default_ttl(t);
        let class = t
            .compaction_class()
            .unwrap_or("SizeTieredCompactionStrategy");
        if ttl <= 0
            || !matches!(
                class,
                "SizeTieredCompactionStrategy" | "LeveledCompactionStrategy"
            )
        {
            continue;
        }
        let Some(time) = time_dimension(t) else {
            continue;
        };
        let loads = ctx.table_load(t);
        let reads = total(&loads, |l| l.reads);
        let writes = total(&loads, |l| l.writes);
        let tomb = max_of(&loads, |l| l.tombstones_p99);
        let (unit, size, windows) = twcs_window(ttl, target);
        let f = em.subject(&t.qualified()).emit(
            format!(
                "{} expires rows after {} (default_time_to_live {ttl}) and is {time}, but compacts with {class}: expired rows wait for a compaction to rewrite them; TWCS with {size}-{} windows ({} windows per TTL) drops whole SSTables once they expire",
                t.qualified(),
                duration(ttl),
                unit.to_ascii_lowercase().trim_end_matches('s'),
                num(windows.round())
            ),
            None,
        );
        match (reads, writes) {
            (Some(r), Some(w)) => {
                if w >= r {
                    f.confidence += 0.05;
                }
                f.evidence.push(ev(
                    format!("{} local writes / reads", t.qualified()),
                    format!("{} / {}", num(w), num(r)),
                ));
            }
            _ => f.confidence = 0.65,
        }
        if let Some((tv, node)) = &tomb {
            if *tv > 1.0 {
                f.confidence -= 0.15;
            }
            f.evidence.push(ev(
                format!("{} tombstones per read p99 (max)", t.qualified()),
                format!("{} on {node}", num(*tv)),
            ));
        }
        f.evidence.push(ev_expect(
            format!("{} compaction", t.qualified()),
            class,
            "TimeWindowCompactionStrategy",
        ));
        f.evidence.push(ev(
            format!("{} default_time_to_live", t.qualified()),
            format!("{ttl} ({})", duration(ttl)),
        ));
        f.evidence
            .push(ev(format!("{} time dimension", t.qualified()), time));
        f.evidence.push(ev(
            format!("{} TWCS window", t.qualified()),
            format!(
                "{size} {unit}: {} windows over the TTL (target {})",
                num((windows * 10.0).round() / 10.0),
                num(target)
            ),
        ));
        f.fixes.push(Fix::Cql {
            statement: twcs_fix_statement(t, unit, size),
            safety: Safety::Unsafe,
            description: format!("TWCS with {size} {unit} windows; existing SSTables are re-bucketed once (compaction load), keep writes in time order"),
        });
        if v >= Version::V5_0 {
            f.fixes.push(Fix::Cql {
                statement: alter_compaction(t, &[("class", "UnifiedCompactionStrategy"), ("scaling_parameters", "T4")]),
                safety: Safety::Unsafe,
                description: "5.0 alternative: UCS tiered also drops fully expired SSTables, but without time windows expired and live rows share SSTables longer".into(),
            });
        }
    }
}

fn stcs_headroom(ctx: &ClusterCtx, em: &mut Emitter) {
    let max_frac = ctx.meta.param("max_disk_fraction");
    let v = oldest_version(ctx.snapshot);
    let hdd = data_on_hdd(ctx.snapshot).is_some_and(|h| !h.is_empty());
    for t in user_tables(ctx.snapshot) {
        if !is_stcs(t) {
            continue;
        }
        let mut worst: Option<(f64, f64, String)> = None;
        let loads = ctx.table_load(t);
        for (n, load) in ctx.snapshot.nodes.iter().zip(&loads) {
            let Some(disk) = data_disk_bytes(n) else {
                continue;
            };
            let Some(size) = load.live_bytes else {
                continue;
            };
            let frac = size / disk;
            if frac >= max_frac && worst.as_ref().is_none_or(|w| frac > w.0 / w.1) {
                worst = Some((size, disk, n.id.clone()));
            }
        }
        let Some((size, disk, node)) = worst else {
            continue;
        };
        let f = em.subject(&t.qualified()).emit(
            format!(
                "{} holds {} on {node}, {:.0} % of its {} data disk, under size-tiered compaction: compacting its largest tier needs about as much free space again",
                t.qualified(),
                bytes(size),
                100.0 * size / disk,
                bytes(disk)
            ),
            None,
        );
        f.evidence.push(ev_expect(
            format!("{} live size on {node}", t.qualified()),
            bytes(size),
            format!("< {:.0} % of the data disk", max_frac * 100.0),
        ));
        f.evidence
            .push(ev(format!("{node} data disk size"), bytes(disk)));
        let mut fixes = Vec::new();
        if v >= Version::V5_0 {
            fixes.push(tiered(t, v));
        }
        if !hdd {
            fixes.push(Fix::Cql {
                statement: alter_compaction(t, &[("class", "LeveledCompactionStrategy"), ("sstable_size_in_mb", "160")]),
                safety: Safety::Unsafe,
                description: "LCS needs about 10 % free space; the switch itself rewrites the table level by level".into(),
            });
        }
        if fixes.is_empty() {
            fixes.push(Fix::Os {
                command: format!(
                    "df -h  # on {node}: add data disk capacity before the next large compaction"
                ),
                safety: Safety::DisplayOnly,
                description: "on spinning disks LCS is not an option: add capacity (or nodes)"
                    .into(),
            });
        }
        f.fixes.extend(fixes);
    }
}

fn twcs_without_ttl(ctx: &ClusterCtx, em: &mut Emitter) {
    let v = oldest_version(ctx.snapshot);
    for t in user_tables(ctx.snapshot) {
        if t.compaction_class() != Some("TimeWindowCompactionStrategy") || default_ttl(t) > 0 {
            continue;
        }
        let w = twcs_window_secs(t);
        let f = em.subject(&t.qualified()).emit(
            format!(
                "{} uses TWCS ({} windows) without default_time_to_live: unless every write sets USING TTL, windows accumulate forever and overwrites across windows are never merged",
                t.qualified(),
                duration(w)
            ),
            None,
        );
        f.evidence.push(ev_expect(
            format!("{} default_time_to_live", t.qualified()),
            "0",
            "> 0 with TWCS",
        ));
        f.evidence
            .push(ev(format!("{} TWCS window", t.qualified()), duration(w)));
        let mut fix = tiered(t, v);
        if let Fix::Cql {
            safety,
            description,
            ..
        } = &mut fix
        {
            *safety = Safety::DisplayOnly;
            *description = format!("if the data never expires: {description}");
        }
        f.fixes.push(fix);
    }
}

fn twcs_window_mismatch(ctx: &ClusterCtx, em: &mut Emitter) {
    let max = ctx.meta.param("max_windows");
    let min = ctx.meta.param("min_windows");
    let target = ctx.meta.param("target_windows");
    for t in user_tables(ctx.snapshot) {
        let ttl = default_ttl(t);
        if t.compaction_class() != Some("TimeWindowCompactionStrategy") || ttl <= 0 {
            continue;
        }
        let w = twcs_window_secs(t);
        let windows = ttl as f64 / w as f64;
        if windows <= max && windows >= min {
            continue;
        }
        let (unit, size, new_windows) = twcs_window(ttl, target);
        let f = em.subject(&t.qualified()).emit(
            if windows > max {
                format!(
                    "{} splits its {} TTL into {} TWCS windows of {}: a read over the retention touches that many SSTables",
                    t.qualified(),
                    duration(ttl),
                    num(windows.round()),
                    duration(w)
                )
            } else {
                format!(
                    "{} has TWCS windows of {} for a {} TTL ({:.1} windows): an SSTable expires only with its newest row, so data lives up to {}",
                    t.qualified(),
                    duration(w),
                    duration(ttl),
                    windows,
                    duration(ttl + w)
                )
            },
            None,
        );
        f.evidence.push(ev_expect(
            format!("{} TWCS windows per TTL", t.qualified()),
            format!(
                "{:.1} ({} windows, TTL {})",
                windows,
                duration(w),
                duration(ttl)
            ),
            format!("{}–{}", num(min), num(max)),
        ));
        f.fixes.push(Fix::Cql {
            statement: twcs_fix_statement(t, unit, size),
            safety: Safety::Unsafe,
            description: format!(
                "{size} {unit} windows: {} per TTL",
                num(new_windows.round())
            ),
        });
    }
}

fn partition_skew(ctx: &ClusterCtx, em: &mut Emitter) {
    let large = ctx.meta.param("large_mib") * MIB;
    let ratio = ctx.meta.param("skew_ratio");
    let min_skew = ctx.meta.param("min_skew_mib") * MIB;
    let cap = ctx.meta.param("max_buckets") as u32;
    for t in user_tables(ctx.snapshot) {
        let loads = ctx.table_load(t);
        let Some(worst) = loads
            .iter()
            .filter(|l| l.max_partition.is_some())
            .max_by(|a, b| {
                a.max_partition
                    .partial_cmp(&b.max_partition)
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
        else {
            continue;
        };
        let max = worst.max_partition.unwrap_or(0.0);
        let mean = worst.mean_partition.filter(|m| *m > 0.0);
        let is_large = max >= large;
        let skew = mean.map(|m| max / m);
        let is_skewed = skew.is_some_and(|s| s >= ratio) && max >= min_skew;
        if !is_large && !is_skewed {
            continue;
        }
        let buckets = bucket_count(max, mean, cap);
        let b = bucketed_table(ctx.snapshot, t, buckets, false);
        let pk: Vec<String> = partition_key(t).iter().map(|c| c.name.clone()).collect();
        let f = em.subject(&t.qualified()).emit(
            format!(
                "{}'s largest partition is {} on {}{}: the key ({}) concentrates data on a few replicas",
                t.qualified(),
                bytes(max),
                worst.node,
                match skew {
                    Some(s) => format!(", {}× the node's mean partition ({})", num(s.round()), bytes(mean.unwrap_or(0.0))),
                    None => String::new(),
                },
                pk.join(", ")
            ),
            None,
        );
        f.topic = crate::engine::consolidate::table_topic("partition-size", &t.qualified());
        if !is_large {
            f.severity = Severity::Info;
        }
        if !worst.from_metrics {
            f.confidence = 0.6;
        }
        f.evidence.push(ev_expect(
            format!("{} max partition size", t.qualified()),
            per_node(&loads, |l| l.max_partition, bytes),
            if is_large {
                format!("< {}", bytes(large))
            } else {
                format!("< {}× the mean", num(ratio))
            },
        ));
        f.evidence.push(ev(
            format!("{} mean partition size", t.qualified()),
            per_node(&loads, |l| l.mean_partition, bytes),
        ));
        let parts = per_node(&loads, |l| l.partitions, num);
        if !parts.is_empty() {
            f.evidence
                .push(ev(format!("{} estimated partitions", t.qualified()), parts));
        }
        let rows = per_node(&loads, |l| l.live_rows_p99.filter(|v| *v > 0.0), num);
        if !rows.is_empty() {
            f.evidence.push(ev(
                format!("{} live rows per read p99", t.qualified()),
                rows,
            ));
        }
        f.fixes.push(Fix::Cql {
            statement: b.statement,
            safety: Safety::DisplayOnly,
            description: format!(
                "new table to migrate to ({buckets} buckets for the largest partition): {}",
                b.how
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_counts_target_one_to_ten_mib() {
        assert_eq!(bucket_count(7_007_506.0, Some(368_856.0), 1024), 8);
        assert_eq!(bucket_count(500.0 * MIB, Some(MIB), 1024), 256);
        assert_eq!(bucket_count(5.0 * GIB, Some(50.0 * MIB), 1024), 512);
        assert_eq!(bucket_count(2.0 * MIB, None, 1024), 2);
    }
}
