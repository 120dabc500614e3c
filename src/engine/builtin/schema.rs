//! Schema rules (SCH-0xx): replication against the real topology, indexes, views and the
//! per-table options (compression, bloom filters, speculative retry, gc_grace, TTL, durable
//! writes, row caching) that a data-modelling review checks, each with the CQL that fixes it.

use std::collections::BTreeMap;

use super::advice::*;
use super::{Builtin, Scope};
use crate::catalog::Version;
use crate::engine::{ClusterCtx, Emitter, Family, Fix, Need, Safety, Severity};
use crate::model::schema::Table;

const SCHEMA: &[Need] = &[Need::Schema];
const SCHEMA_TOPOLOGY: &[Need] = &[Need::Schema, Need::NodeTables];
const DDL_REF: &str = "https://cassandra.apache.org/doc/latest/cassandra/developing/cql/ddl.html (CREATE/ALTER KEYSPACE and TABLE options)";
const REPL_REF: &str = "https://cassandra.apache.org/doc/latest/cassandra/architecture/dynamo.html#replication-strategy";
const PROD_REF: &str = "https://cassandra.apache.org/doc/latest/cassandra/getting-started/production.html (NetworkTopologyStrategy, 16 KiB compression chunks)";

pub static RULES: &[Builtin] = &[
    Builtin {
        id: "SCH-001",
        name: "simple-strategy-multi-dc",
        family: Family::Schema,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.9,
        confidence: 0.95,
        needs: SCHEMA_TOPOLOGY,
        params: &[],
        summary: "A replicated keyspace with SimpleStrategy in a cluster that spans several datacenters.",
        why: "SimpleStrategy places replicas on the next nodes of the ring whatever their datacenter: a datacenter may hold no replica of some ranges, LOCAL_QUORUM and LOCAL_ONE requests then cross the WAN or fail, and losing one datacenter can make data unavailable. NetworkTopologyStrategy sets a factor per datacenter and spreads replicas over racks.",
        evidence: "system_schema.keyspaces.replication of every keyspace that is not node-local (system_auth, system_distributed and system_traces included), and the datacenter each node reports in system.local.",
        fix: "ALTER KEYSPACE … WITH replication = {'class': 'NetworkTopologyStrategy', '<dc>': <rf>, …} (the fix keeps the current factor, capped at each datacenter's node count), then run a full repair of the keyspace on every node so the new replicas receive their data.",
        references: &[REPL_REF, PROD_REF],
        check: Scope::Cluster(simple_strategy_multi_dc),
    },
    Builtin {
        id: "SCH-002",
        name: "simple-strategy",
        family: Family::Schema,
        severity: Severity::Info,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.3,
        confidence: 0.9,
        needs: SCHEMA_TOPOLOGY,
        params: &[],
        summary: "A user keyspace with SimpleStrategy (single datacenter).",
        why: "Harmless while the cluster has one datacenter and one rack, but SimpleStrategy ignores racks (two replicas can share a rack that fails as a unit) and must be converted before a second datacenter is added. Cassandra's production recommendations use NetworkTopologyStrategy for every keyspace.",
        evidence: "system_schema.keyspaces.replication of user keyspaces; the datacenters of the nodes. A keyspace with RF 1 on several nodes is left to SCH-003, whose fix converts it as well.",
        fix: "ALTER KEYSPACE … WITH replication = {'class': 'NetworkTopologyStrategy', '<dc>': <same rf>}. With one rack the replica placement does not change; with several, run a full repair afterwards.",
        references: &[PROD_REF, REPL_REF],
        check: Scope::Cluster(simple_strategy_single_dc),
    },
    Builtin {
        id: "SCH-003",
        name: "replication-factor-one",
        family: Family::Schema,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.9,
        confidence: 0.9,
        needs: SCHEMA_TOPOLOGY,
        params: &[("target_rf", 3.0)],
        summary: "A user keyspace keeps one replica in a datacenter that has several nodes.",
        why: "With a single replica every node is a single point of failure for its ranges: a restart, a GC pause or a disk loss makes that data unavailable (or lost), hints and repair have nothing to repair from, and reads cannot use QUORUM. RF 3 per datacenter is the usual production floor: QUORUM survives one node down.",
        evidence: "The replication factor of each user keyspace per datacenter against the number of nodes the datacenter has.",
        fix: "ALTER KEYSPACE to RF 3 (or the datacenter's node count when smaller) with NetworkTopologyStrategy, then `nodetool repair -full <keyspace>` on every node; writes and reads at ONE keep working during the change.",
        references: &[
            REPL_REF,
            "https://cassandra.apache.org/doc/latest/cassandra/architecture/guarantees.html",
        ],
        check: Scope::Cluster(rf_one),
    },
    Builtin {
        id: "SCH-004",
        name: "replication-exceeds-datacenter",
        family: Family::Schema,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.9,
        confidence: 0.9,
        needs: SCHEMA_TOPOLOGY,
        params: &[],
        summary: "A keyspace asks for more replicas in a datacenter than it has nodes, or names a datacenter no node is in.",
        why: "Cassandra cannot place more replicas than nodes: a factor above the node count makes QUORUM and EACH_QUORUM need replicas that do not exist (UnavailableException as soon as quorum(rf) exceeds the live nodes). A datacenter name that no node reports (a typo such as dc1 for datacenter1, a decommissioned or renamed datacenter) keeps no data anywhere and breaks EACH_QUORUM and, through the summed factor, QUORUM. Since 4.0 CREATE/ALTER KEYSPACE refuse a datacenter no node reports, but keyspaces defined earlier keep theirs.",
        evidence: "NetworkTopologyStrategy factors per datacenter (SimpleStrategy: against all nodes) and the datacenters and node counts from system.local of every node. Error severity when quorum(rf) > nodes: QUORUM can never succeed.",
        fix: "ALTER KEYSPACE with factors no higher than each datacenter's node count and only datacenters that exist (the names nodes report in system.local).",
        references: &[
            REPL_REF,
            "https://cassandra.apache.org/doc/latest/cassandra/architecture/guarantees.html",
            "CASSANDRA-16747 (warn when creating a keyspace with RF above the node count)",
        ],
        check: Scope::Cluster(rf_exceeds_dc),
    },
    Builtin {
        id: "SCH-005",
        name: "system-auth-underreplicated",
        family: Family::Security,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.8,
        confidence: 0.9,
        needs: &[Need::Schema, Need::NodeTables, Need::Config],
        params: &[("target_rf", 3.0)],
        summary: "Authentication is on but system_auth keeps fewer than 3 replicas per datacenter.",
        why: "With an authenticator other than AllowAllAuthenticator every login reads the role from system_auth (at LOCAL_ONE, QUORUM for the default cassandra superuser). With RF 1 the node owning a role's range is a single point of failure for logins: when it is down, clients cannot connect at all. The security docs ask for RF 3 to 5 per datacenter.",
        evidence: "authenticator of each node (cassandra.yaml or system_views.settings) and system_auth's replication against the datacenters' node counts.",
        fix: "ALTER KEYSPACE system_auth WITH replication = {'class': 'NetworkTopologyStrategy', '<dc>': 3}, then `nodetool repair -full system_auth` on every node.",
        references: &[
            "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/security.html#authentication",
        ],
        check: Scope::Cluster(system_auth_rf),
    },
    Builtin {
        id: "SCH-006",
        name: "secondary-index-high-cardinality",
        family: Family::Schema,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.7,
        confidence: 0.7,
        needs: SCHEMA,
        params: &[],
        summary: "A legacy secondary index on a column whose values look unique (an email, an id, a uuid or timestamp).",
        why: "A legacy (2i) index is local to each node: a query by the indexed value alone must ask every token range (about nodes / RF nodes, in practice every node) to find the one or two rows that match. For a high-cardinality column each node's index holds ~1 row per value, so a lookup costs a cluster-wide scatter-gather for one row, and latency follows the slowest node. Lookups by a unique value belong in a table partitioned by that value.",
        evidence: "system_schema.indexes (kind COMPOSITES or KEYS) and the indexed column's name and type. Heuristic: the column name has a token such as email, id, uuid, username, phone, token, hash, serial, or its type is uuid, timeuuid or timestamp; a table with one row per partition (no clustering column) raises confidence, and so do range reads counted on every node (index queries are range reads: table.range_latency.count or system_views.local_scan_latency). Confidence 0.6–0.9: the data itself is not sampled.",
        fix: "Create a lookup table partitioned by the column (the fix renders it from the real columns), write it with the base table (a logged batch when both must agree), read the key from it, then DROP INDEX. On 5.0 an SAI index is lighter than a legacy index but still scatters a query without the partition key.",
        references: &[
            "https://cassandra.apache.org/doc/latest/cassandra/developing/cql/indexes.html",
            "https://docs.datastax.com/en/cql-oss/3.3/cql/cql_using/useWhenIndex.html (when not to use an index: high-cardinality columns)",
        ],
        check: Scope::Cluster(index_high_cardinality),
    },
    Builtin {
        id: "SCH-007",
        name: "sasi-index",
        family: Family::Schema,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.5,
        confidence: 0.95,
        needs: SCHEMA,
        params: &[],
        summary: "A SASI index (SSTable-attached secondary index), experimental since 4.0.",
        why: "SASI was marked experimental and disabled by default in 4.0 (sasi_indexes_enabled: false) after correctness and memory problems; it receives no fixes, and 5.0 ships SAI (StorageAttachedIndex) as its replacement. A node with SASI disabled refuses new SASI indexes, so the schema cannot be rebuilt as is.",
        evidence: "system_schema.indexes rows with class_name …sasi.SASIIndex.",
        fix: "On 5.0: CREATE INDEX … USING 'sai' on the same column, switch the queries (SAI has no LIKE '%…%' in 5.0), then DROP INDEX the SASI one. Before 5.0: a query table.",
        references: &[
            "https://cassandra.apache.org/doc/latest/cassandra/developing/cql/SASI.html",
            "https://cassandra.apache.org/doc/latest/cassandra/developing/cql/indexing/sai/sai-overview.html",
        ],
        check: Scope::Cluster(sasi_index),
    },
    Builtin {
        id: "SCH-008",
        name: "materialized-view",
        family: Family::Schema,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.6,
        confidence: 0.9,
        needs: SCHEMA,
        params: &[],
        summary: "A materialized view: experimental, with known base/view consistency gaps.",
        why: "Materialized views were re-classified experimental in 3.0.16/3.11.2 (CASSANDRA-13959) and are still experimental in 5.0 (materialized_views_enabled: false by default): a view can silently diverge from its base table and there is no repair that detects or fixes it; every base write also becomes a local read-before-write plus a remote view write.",
        evidence: "system_schema.views and the view's columns.",
        fix: "Maintain the query table from the application (the fix renders it from the view's columns and key; write both with a logged batch), backfill it, switch reads, then DROP MATERIALIZED VIEW.",
        references: &[
            "https://cassandra.apache.org/doc/latest/cassandra/developing/cql/mvs.html",
            "CASSANDRA-13959 (materialized views marked experimental)",
        ],
        check: Scope::Cluster(materialized_view),
    },
    Builtin {
        id: "SCH-009",
        name: "compression-chunk-too-large",
        family: Family::Schema,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.5,
        confidence: 0.75,
        needs: SCHEMA_TOPOLOGY,
        params: &[("max_chunk_kib", 16.0), ("partition_fraction", 0.5)],
        summary: "Compression chunks much larger than the table's partitions on a table that is read.",
        why: "Cassandra reads and decompresses a whole chunk to return any row in it: with 64 KiB chunks (the pre-4.0 default that upgraded tables keep) and partitions of a few KiB, every point read pulls and decompresses an order of magnitude more than it returns, wasting disk bandwidth and page cache. 4.0 lowered the default to 16 KiB for this reason.",
        evidence: "compression.chunk_length_in_kb against the mean partition size (table.mean_partition_size_bytes, else system.size_estimates) and local reads (table.read_latency.count or system_views.local_read_latency). Fires when chunk > max_chunk_kib and the mean partition is below partition_fraction × chunk.",
        fix: "ALTER TABLE … WITH compression = {'class': '<same>', 'chunk_length_in_kb': '16'}; it applies to new SSTables, `nodetool upgradesstables -a <ks> <table>` rewrites the old ones.",
        references: &[
            PROD_REF,
            "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/compression.html",
            "CASSANDRA-13241 (lower default chunk_length_in_kb)",
        ],
        check: Scope::Cluster(chunk_too_large),
    },
    Builtin {
        id: "SCH-010",
        name: "compression-disabled",
        family: Family::Schema,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.5,
        confidence: 0.6,
        needs: SCHEMA_TOPOLOGY,
        params: &[("min_table_gib", 1.0)],
        summary: "Compression switched off on a table that holds real data.",
        why: "Uncompressed SSTables typically take 2–4× the disk, the page cache holds proportionally less of the table and compaction moves more bytes. LZ4 decompression costs far less than the extra I/O, so compression almost always pays off; only data that is already compressed (images, encrypted blobs) gains nothing.",
        evidence: "compression = {'enabled': 'false'} (or no class) and the table's live size on the largest node (table.live_disk_space_bytes, else system_views.disk_usage). Fires above min_table_gib. Confidence 0.6: the content's compressibility is unknown.",
        fix: "ALTER TABLE … WITH compression = {'class': 'LZ4Compressor', 'chunk_length_in_kb': '16'}, then `nodetool upgradesstables -a` to rewrite existing SSTables.",
        references: &[
            "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/compression.html",
            PROD_REF,
        ],
        check: Scope::Cluster(compression_disabled),
    },
    Builtin {
        id: "SCH-011",
        name: "bloom-filter-too-loose",
        family: Family::Schema,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.5,
        confidence: 0.75,
        needs: &[Need::Schema, Need::Metrics],
        params: &[("max_false_ratio", 0.05), ("min_sstables_per_read", 3.0)],
        summary: "A bloom_filter_fp_chance above the strategy's default on a table whose reads show it.",
        why: "A read consults the bloom filter of every SSTable that may hold the partition; each false positive is a wasted index and data lookup. Raising bloom_filter_fp_chance saves off-heap memory but on a read-heavy table spread over several SSTables the extra disk reads cost more than the memory. Defaults: 0.01, 0.1 under LCS.",
        evidence: "bloom_filter_fp_chance against the default for the compaction class, with the measured table.bloom_filter_false_ratio above max_false_ratio or table.sstables_per_read.p99 at least min_sstables_per_read, on a table with reads.",
        fix: "ALTER TABLE … WITH bloom_filter_fp_chance = <default>; new SSTables get the new filter, `nodetool upgradesstables -a` rebuilds the others (memory grows: check off-heap headroom).",
        references: &[
            "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/bloom_filters.html",
        ],
        check: Scope::Cluster(bloom_too_loose),
    },
    Builtin {
        id: "SCH-012",
        name: "bloom-filter-wasted-on-write-only",
        family: Family::Schema,
        severity: Severity::Info,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.3,
        confidence: 0.7,
        needs: &[Need::Schema, Need::Metrics],
        params: &[("max_fp_chance", 0.01), ("min_writes", 10000.0)],
        summary: "A bloom_filter_fp_chance tighter than 0.01 on a table that is written but never read.",
        why: "Bloom filter memory grows with -ln(fp_chance) per partition: 0.001 costs 1.5× and 0.0001 2× the memory of 0.01, all off heap and per SSTable. A table nobody reads (an audit log, an outbox drained elsewhere) gets nothing for it.",
        evidence: "bloom_filter_fp_chance below max_fp_chance, no single-partition reads on any node with metrics (table.read_latency.count = 0; range scans do not consult bloom filters) and at least min_writes writes. Counters are since each node started, so a table read only by a rare batch job may be missed.",
        fix: "ALTER TABLE … WITH bloom_filter_fp_chance = 0.1 (keeps a small filter in case reads start).",
        references: &[
            "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/bloom_filters.html",
        ],
        check: Scope::Cluster(bloom_wasted),
    },
    Builtin {
        id: "SCH-013",
        name: "speculative-retry-extreme",
        family: Family::Schema,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.4,
        confidence: 0.85,
        needs: SCHEMA,
        params: &[],
        summary: "speculative_retry set to ALWAYS (warning) or NONE (info).",
        why: "ALWAYS sends every read to one more replica than the consistency level needs, raising read load on the replicas by up to 50–100 % for a small latency gain. NONE never retries a slow replica, so a GC pause or a compaction-loaded disk on one replica shows directly in the client's p99. The default 99p retries only the reads slower than the table's own p99.",
        evidence: "system_schema.tables.speculative_retry.",
        fix: "ALTER TABLE … WITH speculative_retry = '99p' ('99PERCENTILE' on 3.11).",
        references: &[
            "https://cassandra.apache.org/doc/latest/cassandra/developing/cql/ddl.html#speculative-retry-options",
            DDL_REF,
        ],
        check: Scope::Cluster(speculative_retry),
    },
    Builtin {
        id: "SCH-014",
        name: "gc-grace-below-hint-window",
        family: Family::Schema,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.8,
        confidence: 0.85,
        needs: SCHEMA_TOPOLOGY,
        params: &[],
        summary: "gc_grace_seconds shorter than max_hint_window on a replicated table (0: deleted data can come back).",
        why: "A tombstone may be purged once gc_grace_seconds has passed; a replica that missed the delete (down, dropped mutation) still holds the old value, and after the purge nothing shadows it any more: repair or read repair copies it back (resurrection). Hints are the first line of defence, but a hint older than the smallest gc_grace_seconds of its tables is dropped on replay, so a gc_grace below max_hint_window throws hints away too. For an insert-only TTL table under TWCS a short gc_grace is deliberate; then only the hint loss applies (info).",
        evidence: "gc_grace_seconds of tables in keyspaces with more than one replica, max_hint_window of the nodes (default 3 h), the table's default_time_to_live and compaction class.",
        fix: "ALTER TABLE … WITH gc_grace_seconds = 864000 (10 days; insert-only TTL tables: at least max_hint_window) and run repair more often than that.",
        references: &[
            "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/compaction/index.html#tombstones-and-garbage-collection-gc-grace",
            "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/hints.html",
            "apache/cassandra src/java/org/apache/cassandra/hints/Hint.java (isLive: a hint expires after the smallest gc_grace_seconds of its tables)",
        ],
        check: Scope::Cluster(gc_grace_short),
    },
    Builtin {
        id: "SCH-015",
        name: "gc-grace-very-long",
        family: Family::Schema,
        severity: Severity::Info,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.4,
        confidence: 0.7,
        needs: SCHEMA,
        params: &[("max_days", 30.0), ("tombstones_p99", 100.0)],
        summary: "gc_grace_seconds far above the 10-day default (warning when reads already scan tombstones).",
        why: "Tombstones cannot be purged before gc_grace_seconds: a value of months keeps every delete, expired TTL cell and overwritten null on disk and in reads that long, inflating tombstones per read, disk use and compaction work. gc_grace only has to exceed the interval in which repair completes on every node.",
        evidence: "gc_grace_seconds above max_days, and tombstones scanned per read (table.tombstones_scanned.p99 or system_views.tombstones_per_read) at or above tombstones_p99 on some node for the warning.",
        fix: "Once repair reliably completes more often than that, ALTER TABLE … WITH gc_grace_seconds = 864000.",
        references: &[
            "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/compaction/index.html#tombstones-and-garbage-collection-gc-grace",
        ],
        check: Scope::Cluster(gc_grace_long),
    },
    Builtin {
        id: "SCH-016",
        name: "ttl-table-long-gc-grace",
        family: Family::Schema,
        severity: Severity::Info,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.4,
        confidence: 0.6,
        needs: SCHEMA,
        params: &[("max_ratio", 0.5)],
        summary: "A table whose rows expire by TTL keeps expired data for a gc_grace_seconds comparable to the TTL itself.",
        why: "An expired cell becomes a tombstone that stays until gc_grace_seconds after its expiry, so disk holds TTL + gc_grace worth of data and whole-SSTable expiry (TWCS) waits gc_grace longer. gc_grace protects deletes that some replica missed; a table written only with TTLs and never deleted from explicitly has none to protect, and the hint window (3 h by default) is the remaining bound.",
        evidence: "default_time_to_live > 0 and gc_grace_seconds above max_ratio × TTL and above max_hint_window. Confidence 0.6: explicit deletes cannot be seen in the schema (tombstones per read ≤ 1 on every node raises it to 0.7).",
        fix: "If the table is never deleted from explicitly: ALTER TABLE … WITH gc_grace_seconds = <max_hint_window> (10800 by default).",
        references: &[
            "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/compaction/twcs.html",
            "https://thelastpickle.com/blog/2016/07/27/about-deletes-and-tombstones.html",
        ],
        check: Scope::Cluster(ttl_gc_grace),
    },
    Builtin {
        id: "SCH-017",
        name: "too-many-tables",
        family: Family::Schema,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.6,
        confidence: 0.8,
        needs: SCHEMA,
        params: &[("max_tables", 200.0)],
        summary: "More user tables than a cluster handles comfortably (200).",
        why: "Every table costs memory on every node whether used or not (memtable, metadata, bloom filters and index summaries per SSTable, about 1 MiB of heap each), adds flushes and compaction tasks, and schema changes slow down with the schema's size. DataStax's guidance warns above 200 tables per cluster; Cassandra 4.0 added a table-count warning and 4.1 the tables_warn_threshold guardrail.",
        evidence: "The number of tables and views in user keyspaces.",
        fix: "Consolidate tables of the same shape (a tenant or type column in the key instead of one table per tenant), drop unused ones; on 4.1+ set the tables_warn_threshold guardrail so new tables warn.",
        references: &[
            "https://docs.datastax.com/en/dseplanning/docs/anti-patterns.html (too many tables)",
            "CASSANDRA-17195 (tables_warn_threshold guardrail, replacing 4.0's table_count_warn_threshold)",
        ],
        check: Scope::Cluster(too_many_tables),
    },
    Builtin {
        id: "SCH-018",
        name: "read-repair-chance",
        family: Family::Schema,
        severity: Severity::Info,
        min_version: None,
        max_version: Some(Version::V3_11),
        blocks_startup: false,
        impact: 0.3,
        confidence: 0.85,
        needs: SCHEMA,
        params: &[],
        summary: "Probabilistic read repair (read_repair_chance / dclocal_read_repair_chance) on 3.11.",
        why: "Each probabilistic read repair turns a read at ONE or LOCAL_QUORUM into a read of all (local) replicas plus a digest comparison: 10 % extra replica reads with the 3.11 default dclocal_read_repair_chance 0.1, for consistency repair already provides. 4.0 removed both options (CASSANDRA-13910); set them to 0 before upgrading.",
        evidence: "dclocal_read_repair_chance and read_repair_chance of user tables.",
        fix: "ALTER TABLE … WITH dclocal_read_repair_chance = 0.0 AND read_repair_chance = 0.0.",
        references: &["CASSANDRA-13910 (remove read_repair_chance/dclocal_read_repair_chance)"],
        check: Scope::Cluster(read_repair_chance),
    },
    Builtin {
        id: "SCH-019",
        name: "durable-writes-off",
        family: Family::Schema,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.8,
        confidence: 0.95,
        needs: SCHEMA,
        params: &[],
        summary: "A user keyspace with durable_writes = false.",
        why: "Writes to the keyspace skip the commit log: everything still in memtables is lost when a node crashes or is killed, on every replica that crashes, and an acknowledged write can vanish. It saves commit-log I/O only.",
        evidence: "system_schema.keyspaces.durable_writes.",
        fix: "ALTER KEYSPACE … WITH durable_writes = true.",
        references: &[DDL_REF],
        check: Scope::Cluster(durable_writes),
    },
    Builtin {
        id: "SCH-020",
        name: "row-cache-on-write-heavy-table",
        family: Family::Cache,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.5,
        confidence: 0.8,
        needs: SCHEMA_TOPOLOGY,
        params: &[("min_write_ratio", 1.0)],
        summary: "A table caches rows (caching rows_per_partition) but is written at least as often as it is read.",
        why: "The row cache keeps whole partitions (or their head) deserialised; every write to a cached partition invalidates it, so on a write-heavy table the cache churns: CPU spent filling entries nobody reads again, memory taken from the key cache and page cache. It pays off only for small, hot, read-mostly partitions. While row_cache_size is 0 on every node the option is inert (info), but it turns harmful the day someone enables the row cache.",
        evidence: "caching.rows_per_partition of each user table, local writes against local reads over all nodes (table.write_latency.count / read_latency.count, else system_views.local_write_latency / local_read_latency), and each node's row_cache_size.",
        fix: "ALTER TABLE … WITH caching = {'keys': 'ALL', 'rows_per_partition': 'NONE'}: takes effect at once, nothing is rewritten; the key cache keeps serving the table.",
        references: &[
            "https://cassandra.apache.org/doc/latest/cassandra/developing/cql/ddl.html#caching-options",
            "https://docs.datastax.com/en/dseplanning/docs/schema-tuning.html (caching)",
        ],
        check: Scope::Cluster(row_cache_write_heavy),
    },
];

// ---------------------------------------------------------------- replication

/// Factors for a NetworkTopologyStrategy replacement: `want(dc)` capped at the DC's nodes.
fn nts_factors(topo: &Topology, want: impl Fn(&str) -> u32) -> BTreeMap<String, u32> {
    topo.dcs
        .iter()
        .map(|(dc, nodes)| (dc.clone(), want(dc).clamp(1, nodes.len().max(1) as u32)))
        .collect()
}

fn topo_text(topo: &Topology) -> String {
    topo.dcs
        .iter()
        .map(|(dc, n)| {
            format!(
                "{dc}: {} node{}",
                n.len(),
                if n.len() == 1 { "" } else { "s" }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn replicated_keyspaces<'a>(
    ctx: &'a ClusterCtx,
) -> impl Iterator<Item = &'a crate::model::Keyspace> {
    ctx.snapshot.schema.keyspaces.iter().filter(|k| {
        !matches!(replication(k), Replication::Local)
            && !matches!(
                k.name.as_str(),
                "system" | "system_schema" | "system_virtual_schema" | "system_views"
            )
    })
}

fn simple_strategy_multi_dc(ctx: &ClusterCtx, em: &mut Emitter) {
    let topo = topology(ctx.snapshot);
    if topo.dcs.len() < 2 {
        return;
    }
    for ks in replicated_keyspaces(ctx) {
        let Replication::Simple(rf) = replication(ks) else {
            continue;
        };
        let factors = nts_factors(&topo, |_| rf);
        let f = em.subject(&ks.name).emit(
            format!(
                "keyspace {} uses SimpleStrategy (RF {rf}) across {} datacenters ({}): replicas ignore datacenters, so LOCAL_* requests can find no local replica",
                ks.name,
                topo.dcs.len(),
                topo_text(&topo)
            ),
            None,
        );
        f.evidence.push(ev_expect(
            format!("{} replication", ks.name),
            replication(ks).describe(),
            "NetworkTopologyStrategy with a factor per datacenter",
        ));
        f.evidence.push(ev("datacenters", topo_text(&topo)));
        f.fixes.push(Fix::Cql {
            statement: alter_keyspace_nts(&ks.name, &factors),
            safety: Safety::Unsafe,
            description: format!(
                "replicate {} per datacenter, then run `nodetool repair -full {}` on every node",
                ks.name, ks.name
            ),
        });
    }
}

fn simple_strategy_single_dc(ctx: &ClusterCtx, em: &mut Emitter) {
    let topo = topology(ctx.snapshot);
    if topo.dcs.len() != 1 || !topo.unknown.is_empty() {
        return;
    }
    for ks in user_keyspaces(ctx.snapshot) {
        let Replication::Simple(rf) = replication(ks) else {
            continue;
        };
        // RF 1 on several nodes is SCH-003's, whose fix converts to NetworkTopologyStrategy too.
        if rf == 1 && topo.node_count() >= 2 {
            continue;
        }
        let factors = nts_factors(&topo, |_| rf);
        let racks = topo.racks.values().next().map_or(1, BTreeMap::len);
        let f = em.subject(&ks.name).emit(
            format!(
                "keyspace {} uses SimpleStrategy (RF {rf}); NetworkTopologyStrategy is rack-aware and needed before a second datacenter is added",
                ks.name
            ),
            None,
        );
        f.evidence.push(ev_expect(
            format!("{} replication", ks.name),
            replication(ks).describe(),
            "NetworkTopologyStrategy",
        ));
        f.evidence.push(ev(
            "datacenters and racks",
            format!(
                "{}, {racks} rack{}",
                topo_text(&topo),
                if racks == 1 { "" } else { "s" }
            ),
        ));
        f.fixes.push(Fix::Cql {
            statement: alter_keyspace_nts(&ks.name, &factors),
            safety: Safety::Unsafe,
            description: if racks > 1 {
                format!("same factor, rack-aware placement: replicas move, run `nodetool repair -full {}` afterwards", ks.name)
            } else {
                "same factor and, with one rack, the same replica placement".into()
            },
        });
    }
}

fn rf_one(ctx: &ClusterCtx, em: &mut Emitter) {
    let topo = topology(ctx.snapshot);
    if !topo.complete() {
        return;
    }
    let target = ctx.meta.param("target_rf") as u32;
    for ks in user_keyspaces(ctx.snapshot) {
        let r = replication(ks);
        let thin: Vec<(String, usize)> = topo
            .dcs
            .iter()
            .filter(|(dc, nodes)| r.rf_in(dc) == Some(1) && nodes.len() >= 2)
            .map(|(dc, nodes)| (dc.clone(), nodes.len()))
            .collect();
        if thin.is_empty() {
            continue;
        }
        let factors = nts_factors(&topo, |dc| {
            let cur = r.rf_in(dc).unwrap_or(0);
            if cur <= 1 { target } else { cur }
        });
        let tables = ks.tables.len();
        let f = em.subject(&ks.name).emit(
            format!(
                "keyspace {} keeps a single replica of its {tables} table{} in {}: any node down makes its share of the data unavailable, and a lost disk loses it",
                ks.name,
                if tables == 1 { "" } else { "s" },
                thin.iter().map(|(dc, n)| format!("{dc} ({n} nodes)")).collect::<Vec<_>>().join(", ")
            ),
            None,
        );
        f.evidence.push(ev_expect(
            format!("{} replication", ks.name),
            r.describe(),
            format!("RF {target} per datacenter (or the node count)"),
        ));
        f.evidence.push(ev("datacenters", topo_text(&topo)));
        f.fixes.push(Fix::Cql {
            statement: alter_keyspace_nts(&ks.name, &factors),
            safety: Safety::Unsafe,
            description: format!("raise the replication factor, then run `nodetool repair -full {}` on every node to populate the new replicas", ks.name),
        });
    }
}

fn quorum(rf: u32) -> u32 {
    rf / 2 + 1
}

fn rf_exceeds_dc(ctx: &ClusterCtx, em: &mut Emitter) {
    let topo = topology(ctx.snapshot);
    if !topo.complete() {
        return;
    }
    let total = topo.node_count() as u32;
    for ks in replicated_keyspaces(ctx) {
        // Cassandra's own distributed keyspaces ship with factors of 2–3 whatever the size.
        if matches!(ks.name.as_str(), "system_distributed" | "system_traces") {
            continue;
        }
        let r = replication(ks);
        let mut problems = Vec::new();
        let mut never_quorum = false;
        match &r {
            Replication::Simple(rf) if *rf > total => {
                never_quorum |= quorum(*rf) > total;
                problems.push(format!(
                    "replication_factor {rf} but the cluster has {total} node{}",
                    if total == 1 { "" } else { "s" }
                ));
            }
            Replication::Network(m) => {
                for (dc, rf) in m {
                    let n = topo.nodes_in(dc) as u32;
                    if *rf == 0 {
                        continue;
                    }
                    if n == 0 {
                        never_quorum = true;
                        problems.push(format!(
                            "{dc}: {rf} replicas but no node reports datacenter {dc}"
                        ));
                    } else if *rf > n {
                        never_quorum |= quorum(*rf) > n;
                        problems.push(format!(
                            "{dc}: {rf} replicas on {n} node{}",
                            if n == 1 { "" } else { "s" }
                        ));
                    }
                }
            }
            _ => {}
        }
        if problems.is_empty() {
            continue;
        }
        let factors: BTreeMap<String, u32> = topo
            .dcs
            .iter()
            .filter_map(|(dc, nodes)| {
                let want = r.rf_in(dc)?;
                (want > 0).then(|| (dc.clone(), want.min(nodes.len() as u32)))
            })
            .collect();
        let f = em.subject(&ks.name).emit(
            format!(
                "keyspace {} asks for replicas that cannot exist: {}{}",
                ks.name,
                problems.join("; "),
                if never_quorum {
                    " (QUORUM can never succeed)"
                } else {
                    ""
                }
            ),
            None,
        );
        if never_quorum {
            f.severity = Severity::Error;
        }
        f.evidence
            .push(ev(format!("{} replication", ks.name), r.describe()));
        f.evidence.push(ev("datacenters", topo_text(&topo)));
        if !factors.is_empty() {
            f.fixes.push(Fix::Cql {
                statement: alter_keyspace_nts(&ks.name, &factors),
                safety: Safety::Unsafe,
                description: "replicate only to existing datacenters, at most one replica per node"
                    .into(),
            });
        }
    }
}

fn auth_enabled(n: &crate::model::Node) -> Option<String> {
    let a = setting_text(n, "authenticator")?;
    (!a.ends_with("AllowAllAuthenticator")).then_some(a)
}

fn system_auth_rf(ctx: &ClusterCtx, em: &mut Emitter) {
    let topo = topology(ctx.snapshot);
    if !topo.complete() {
        return;
    }
    let auth_nodes: Vec<(String, String)> = ctx
        .snapshot
        .nodes
        .iter()
        .filter_map(|n| Some((n.id.clone(), auth_enabled(n)?)))
        .collect();
    if auth_nodes.is_empty() {
        return;
    }
    let Some(ks) = ctx
        .snapshot
        .schema
        .keyspaces
        .iter()
        .find(|k| k.name == "system_auth")
    else {
        return;
    };
    let target = ctx.meta.param("target_rf") as u32;
    let r = replication(ks);
    let short: Vec<String> = topo
        .dcs
        .iter()
        .filter_map(|(dc, nodes)| {
            let want = target.min(nodes.len() as u32);
            let have = r.rf_in(dc).unwrap_or(0);
            (have < want).then(|| format!("{dc}: {have} of {want}"))
        })
        .collect();
    if short.is_empty() {
        return;
    }
    let factors = nts_factors(&topo, |_| target);
    let f = em.subject("system_auth").emit(
        format!(
            "authentication is on ({}) but system_auth is under-replicated ({}): when a node owning a role is down, that role cannot log in",
            auth_nodes[0].1,
            short.join(", ")
        ),
        None,
    );
    f.evidence.push(ev_expect(
        "system_auth replication",
        r.describe(),
        format!("{target} per datacenter"),
    ));
    f.evidence.push(ev(
        "authenticator",
        auth_nodes
            .iter()
            .map(|(n, a)| format!("{n}: {a}"))
            .collect::<Vec<_>>()
            .join(", "),
    ));
    f.evidence.push(ev("datacenters", topo_text(&topo)));
    f.fixes.push(Fix::Cql {
        statement: alter_keyspace_nts("system_auth", &factors),
        safety: Safety::Unsafe,
        description: "then `nodetool repair -full system_auth` on every node".into(),
    });
}

// ---------------------------------------------------------------- indexes and views

/// The column an index targets: `email`, `values(tags)` → `tags`, with the function if any.
fn index_target(target: &str) -> (Option<&str>, &str) {
    let t = target.trim();
    if let Some(open) = t.find('(')
        && t.ends_with(')')
    {
        return (Some(&t[..open]), t[open + 1..t.len() - 1].trim_matches('"'));
    }
    (None, t.trim_matches('"'))
}

const UNIQUE_TOKENS: &[&str] = &[
    "email",
    "mail",
    "id",
    "uuid",
    "guid",
    "username",
    "login",
    "phone",
    "mobile",
    "msisdn",
    "token",
    "hash",
    "serial",
    "ssn",
    "iban",
    "imei",
    "isbn",
    "sku",
    "url",
    "uri",
    "handle",
    "fingerprint",
    "nonce",
];

/// Name tokens split on `_`, digits and camelCase boundaries, lowercased.
fn name_tokens(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c == '_' || c == '-' || c.is_ascii_digit() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn unique_looking(name: &str, ty: &str) -> Option<String> {
    if matches!(ty, "uuid" | "timeuuid" | "timestamp") {
        return Some(format!("type {ty}"));
    }
    let tokens = name_tokens(name);
    tokens
        .iter()
        .find(|t| UNIQUE_TOKENS.contains(&t.as_str()))
        .map(|t| format!("name token `{t}`"))
}

fn index_high_cardinality(ctx: &ClusterCtx, em: &mut Emitter) {
    for t in user_tables(ctx.snapshot) {
        for idx in &t.indexes {
            if !matches!(idx.kind.as_str(), "COMPOSITES" | "KEYS") {
                continue;
            }
            let Some(target) = idx.options.get("target") else {
                continue;
            };
            let (func, col_name) = index_target(target);
            // keys() and entries() indexes of a map: cardinality is the keys', not judged.
            if func.is_some_and(|f| f != "values" && f != "full") {
                continue;
            }
            let Some(col) = column(t, col_name) else {
                continue;
            };
            if col.kind == "partition_key" {
                continue;
            }
            let Some(why) = unique_looking(&col.name, &col.data_type) else {
                continue;
            };
            let loads = ctx.table_load(t);
            let one_row_per_partition = clustering(t).is_empty();
            let scatter_nodes = loads
                .iter()
                .filter(|l| l.range_reads.is_some_and(|v| v > 0.0))
                .count();
            let mut confidence: f32 = 0.6;
            if one_row_per_partition {
                confidence += 0.1;
            }
            if scatter_nodes >= 2 && scatter_nodes == loads.len() {
                confidence += 0.15;
            }
            let pk: Vec<String> = partition_key(t).iter().map(|c| c.name.clone()).collect();
            let f = em.subject(&t.qualified()).emit(
                format!(
                    "index {} on {}.{} ({}, {why}) looks high-cardinality: each lookup by {} alone asks every node for about one row{}",
                    idx.name,
                    t.qualified(),
                    col.name,
                    col.data_type,
                    col.name,
                    if scatter_nodes > 0 {
                        format!("; {scatter_nodes} of {} nodes served range (index) reads", loads.len())
                    } else {
                        String::new()
                    }
                ),
                None,
            );
            f.confidence = confidence.min(0.9);
            f.evidence.push(ev(
                format!("{} index {}", t.qualified(), idx.name),
                format!("{} on {} ({})", idx.kind, target, col.data_type),
            ));
            f.evidence.push(ev(
                format!("{} primary key", t.qualified()),
                format!(
                    "({}){}",
                    pk.join(", "),
                    if one_row_per_partition {
                        ", no clustering column: one row per partition"
                    } else {
                        ""
                    }
                ),
            ));
            let ranges = per_node(&loads, |l| l.range_reads, num);
            if !ranges.is_empty() {
                f.evidence.push(ev(
                    format!("{} range reads per node", t.qualified()),
                    ranges,
                ));
            }
            let parts = per_node(&loads, |l| l.partitions, num);
            if !parts.is_empty() {
                f.evidence.push(ev(
                    format!("{} estimated partitions per node", t.qualified()),
                    parts,
                ));
            }
            f.fixes.push(Fix::Cql {
                statement: lookup_table(ctx.snapshot, t, col),
                safety: Safety::DisplayOnly,
                description: format!(
                    "a table partitioned by {}: write it together with {}, read the key from it",
                    col.name,
                    t.qualified()
                ),
            });
            f.fixes.push(Fix::Cql {
                statement: format!("DROP INDEX IF EXISTS {}", qname(&t.keyspace, &idx.name)),
                safety: Safety::Unsafe,
                description: "once no query uses the index any more".into(),
            });
        }
    }
}

fn sasi_index(ctx: &ClusterCtx, em: &mut Emitter) {
    let v5 = oldest_version(ctx.snapshot) >= Version::V5_0;
    for t in user_tables(ctx.snapshot) {
        for idx in &t.indexes {
            let class = idx
                .options
                .get("class_name")
                .map(String::as_str)
                .unwrap_or("");
            if !class.ends_with("SASIIndex") {
                continue;
            }
            let target = idx.options.get("target").cloned().unwrap_or_default();
            let (_, col_name) = index_target(&target);
            let mode = idx
                .options
                .get("mode")
                .cloned()
                .unwrap_or_else(|| "PREFIX".into());
            let f = em.subject(&t.qualified()).emit(
                format!("{} has the SASI index {} on {col_name} (mode {mode}): SASI is experimental and unmaintained since 4.0", t.qualified(), idx.name),
                None,
            );
            f.evidence.push(ev(
                format!("{} index {}", t.qualified(), idx.name),
                format!("{class} on {target}, mode {mode}"),
            ));
            if v5 {
                // Named as TRC-001 names its SAI proposal, so both propose the same statement.
                let name = format!("{}_{}_sai", t.name, col_name);
                f.fixes.push(Fix::Cql {
                    statement: format!("CREATE INDEX {} ON {} ({}) USING 'sai'", ident(&name), qname(&t.keyspace, &t.name), ident(col_name)),
                    safety: Safety::DisplayOnly,
                    description: "the SAI replacement (equality and range; no LIKE '%…%' in 5.0): create it, move the queries, then drop the SASI index".into(),
                });
            } else if let Some(col) = column(t, col_name) {
                f.fixes.push(Fix::Cql {
                    statement: lookup_table(ctx.snapshot, t, col),
                    safety: Safety::DisplayOnly,
                    description: format!("a query table by {col_name} (SAI needs 5.0)"),
                });
            }
            f.fixes.push(Fix::Cql {
                statement: format!("DROP INDEX IF EXISTS {}", qname(&t.keyspace, &idx.name)),
                safety: Safety::Unsafe,
                description: "after the queries use the replacement".into(),
            });
        }
    }
}

fn materialized_view(ctx: &ClusterCtx, em: &mut Emitter) {
    for ks in user_keyspaces(ctx.snapshot) {
        for v in ks.tables.iter().filter(|t| t.is_view) {
            let base = v
                .options
                .get("base_table_name")
                .and_then(|b| b.as_str())
                .unwrap_or("?")
                .to_string();
            let name = free_table_name(ctx.snapshot, &ks.name, &format!("{}_table", v.name));
            let new = NewTable {
                keyspace: &ks.name,
                name,
                columns: v
                    .columns
                    .iter()
                    .map(|c| ColumnDef {
                        is_static: false,
                        ..ColumnDef::of(c)
                    })
                    .collect(),
                partition_key: partition_key(v).iter().map(|c| c.name.clone()).collect(),
                clustering: clustering(v)
                    .iter()
                    .map(|c| {
                        (
                            c.name.clone(),
                            c.clustering_order.as_deref() == Some("desc"),
                        )
                    })
                    .collect(),
                options: Vec::new(),
            };
            let where_clause = v
                .options
                .get("where_clause")
                .and_then(|w| w.as_str())
                .unwrap_or("")
                .to_string();
            let f = em.subject(&v.qualified()).emit(
                format!("{} is a materialized view of {}.{base}: views are experimental and can drift from their base table without any repair noticing", v.qualified(), ks.name),
                None,
            );
            f.evidence.push(ev(
                format!("{} view", v.qualified()),
                format!("base {}.{base}, WHERE {where_clause}", ks.name),
            ));
            f.evidence.push(ev(
                format!("{} columns", v.qualified()),
                v.columns.len().to_string(),
            ));
            if !new.partition_key.is_empty() {
                f.fixes.push(Fix::Cql {
                    statement: new.render(),
                    safety: Safety::DisplayOnly,
                    description: format!("the same query table maintained by the application (logged batch with {}.{base}), backfilled before the switch", ks.name),
                });
            }
            f.fixes.push(Fix::Cql {
                statement: format!(
                    "DROP MATERIALIZED VIEW IF EXISTS {}",
                    qname(&ks.name, &v.name)
                ),
                safety: Safety::Unsafe,
                description: "after reads moved to the application-maintained table".into(),
            });
        }
    }
}

// ---------------------------------------------------------------- table options

fn compression_class(t: &Table) -> String {
    let c = t
        .option_map("compression", "class")
        .or_else(|| t.option_map("compression", "sstable_compression"))
        .unwrap_or("LZ4Compressor");
    short_class(c).to_string()
}

fn chunk_too_large(ctx: &ClusterCtx, em: &mut Emitter) {
    let max_kib = ctx.meta.param("max_chunk_kib");
    let fraction = ctx.meta.param("partition_fraction");
    for t in user_tables(ctx.snapshot) {
        if !compression_on(t) {
            continue;
        }
        let Some(chunk_kib) = t
            .option_map("compression", "chunk_length_in_kb")
            .and_then(|v| v.parse::<f64>().ok())
        else {
            continue;
        };
        if chunk_kib <= max_kib {
            continue;
        }
        let loads = ctx.table_load(t);
        let reads = total(&loads, |l| l.reads).unwrap_or(0.0);
        if reads <= 0.0 {
            continue;
        }
        let Some((mean, node)) = max_of(&loads, |l| l.mean_partition.filter(|m| *m > 0.0)) else {
            continue;
        };
        let chunk = chunk_kib * 1024.0;
        if mean >= chunk * fraction {
            continue;
        }
        let f = em.subject(&t.qualified()).emit(
            format!(
                "{} compresses in {} KiB chunks but its partitions average {} (largest mean, on {node}): each of its {} reads decompresses up to {}× what it returns",
                t.qualified(),
                num(chunk_kib),
                bytes(mean),
                num(reads),
                num((chunk / mean.max(1.0)).round())
            ),
            None,
        );
        if !loads.iter().any(|l| l.from_metrics) {
            f.confidence -= 0.1;
        }
        f.evidence.push(ev_expect(
            format!("{} compression.chunk_length_in_kb", t.qualified()),
            num(chunk_kib),
            format!("<= {}", num(max_kib)),
        ));
        f.evidence.push(ev(
            format!("{} mean partition size", t.qualified()),
            per_node(&loads, |l| l.mean_partition, bytes),
        ));
        f.evidence.push(ev(
            format!("{} local reads", t.qualified()),
            per_node(&loads, |l| l.reads, num),
        ));
        f.fixes.push(Fix::Cql {
            statement: alter_table(t, &format!("compression = {}", cql_map(&[("class", compression_class(t)), ("chunk_length_in_kb", "16".to_string())]))),
            safety: Safety::Unsafe,
            description: format!("new SSTables use 16 KiB chunks; `nodetool upgradesstables -a {} {}` rewrites the existing ones", t.keyspace, t.name),
        });
    }
}

fn compression_disabled(ctx: &ClusterCtx, em: &mut Emitter) {
    let min = ctx.meta.param("min_table_gib") * GIB;
    for t in user_tables(ctx.snapshot) {
        if compression_on(t) {
            continue;
        }
        let loads = ctx.table_load(t);
        let Some((size, node)) = max_of(&loads, |l| l.live_bytes) else {
            continue;
        };
        if size < min {
            continue;
        }
        let f = em.subject(&t.qualified()).emit(
            format!("{} is stored uncompressed and holds {} on {node}: LZ4 typically halves that and lets the page cache hold twice as much of it", t.qualified(), bytes(size)),
            None,
        );
        f.evidence.push(ev_expect(
            format!("{} compression", t.qualified()),
            t.options
                .get("compression")
                .map(|v| v.to_string())
                .unwrap_or_default(),
            "LZ4Compressor, 16 KiB chunks",
        ));
        f.evidence.push(ev(
            format!("{} live size per node", t.qualified()),
            per_node(&loads, |l| l.live_bytes, bytes),
        ));
        f.fixes.push(Fix::Cql {
            statement: alter_table(t, "compression = {'class': 'LZ4Compressor', 'chunk_length_in_kb': '16'}"),
            safety: Safety::Unsafe,
            description: format!("then `nodetool upgradesstables -a {} {}` on each node (rewrites every SSTable: off-peak)", t.keyspace, t.name),
        });
    }
}

fn default_fp(t: &Table) -> f64 {
    if t.compaction_class() == Some("LeveledCompactionStrategy") {
        0.1
    } else {
        0.01
    }
}

fn fp_chance(t: &Table) -> Option<f64> {
    t.options.get("bloom_filter_fp_chance")?.as_f64()
}

fn bloom_too_loose(ctx: &ClusterCtx, em: &mut Emitter) {
    let max_false = ctx.meta.param("max_false_ratio");
    let min_sst = ctx.meta.param("min_sstables_per_read");
    for t in user_tables(ctx.snapshot) {
        let Some(fp) = fp_chance(t) else { continue };
        let def = default_fp(t);
        if fp <= def + 1e-12 {
            continue;
        }
        let loads = ctx.table_load(t);
        if total(&loads, |l| l.reads).unwrap_or(0.0) <= 0.0 {
            continue;
        }
        let false_ratio = max_of(&loads, |l| l.bloom_false_ratio);
        let sst = max_of(&loads, |l| l.sstables_per_read_p99);
        let hurts = false_ratio.as_ref().is_some_and(|(v, _)| *v >= max_false)
            || sst.as_ref().is_some_and(|(v, _)| *v >= min_sst);
        if !hurts {
            continue;
        }
        let f = em.subject(&t.qualified()).emit(
            format!(
                "{} has bloom_filter_fp_chance {} (default {}) and its reads pay for it: {}",
                t.qualified(),
                fp,
                def,
                [
                    false_ratio
                        .map(|(v, n)| format!("false-positive ratio {:.0} % on {n}", v * 100.0)),
                    sst.map(|(v, n)| format!("p99 {} SSTables per read on {n}", num(v))),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ")
            ),
            None,
        );
        f.evidence.push(ev_expect(
            format!("{} bloom_filter_fp_chance", t.qualified()),
            fp.to_string(),
            def.to_string(),
        ));
        f.evidence.push(ev(
            format!("{} bloom filter false ratio", t.qualified()),
            per_node(&loads, |l| l.bloom_false_ratio, |v| format!("{v:.3}")),
        ));
        f.evidence.push(ev(
            format!("{} SSTables per read p99", t.qualified()),
            per_node(&loads, |l| l.sstables_per_read_p99, num),
        ));
        f.fixes.push(Fix::Cql {
            statement: alter_table(t, &format!("bloom_filter_fp_chance = {def}")),
            safety: Safety::Unsafe,
            description: "more off-heap memory per SSTable; new SSTables get it, `nodetool upgradesstables -a` rebuilds the others".into(),
        });
    }
}

fn bloom_wasted(ctx: &ClusterCtx, em: &mut Emitter) {
    let max_fp = ctx.meta.param("max_fp_chance");
    let min_writes = ctx.meta.param("min_writes");
    for t in user_tables(ctx.snapshot) {
        let Some(fp) = fp_chance(t) else { continue };
        if fp >= max_fp {
            continue;
        }
        let loads: Vec<NodeLoad> = ctx
            .table_load(t)
            .into_iter()
            .filter(|l| l.from_metrics)
            .collect();
        if loads.is_empty() {
            continue;
        }
        // Range scans never consult bloom filters: only single-partition reads count.
        let reads = total(&loads, |l| l.reads).unwrap_or(0.0);
        let writes = total(&loads, |l| l.writes).unwrap_or(0.0);
        if reads > 0.0 || writes < min_writes {
            continue;
        }
        let f = em.subject(&t.qualified()).emit(
            format!(
                "{} keeps bloom filters at fp_chance {fp} ({:.1}× the memory of 0.01) but was never read on {} node{} ({} writes)",
                t.qualified(),
                fp.ln() / 0.01f64.ln(),
                loads.len(),
                if loads.len() == 1 { "" } else { "s" },
                num(writes)
            ),
            None,
        );
        f.evidence.push(ev_expect(
            format!("{} bloom_filter_fp_chance", t.qualified()),
            fp.to_string(),
            ">= 0.01",
        ));
        f.evidence.push(ev(
            format!("{} local reads", t.qualified()),
            per_node(&loads, |l| l.reads, num),
        ));
        f.evidence.push(ev(
            format!("{} local writes", t.qualified()),
            per_node(&loads, |l| l.writes, num),
        ));
        f.fixes.push(Fix::Cql {
            statement: alter_table(t, "bloom_filter_fp_chance = 0.1"),
            safety: Safety::Unsafe,
            description: "smaller filters for new SSTables; `nodetool upgradesstables -a` shrinks the existing ones".into(),
        });
    }
}

fn speculative_retry(ctx: &ClusterCtx, em: &mut Emitter) {
    let v = oldest_version(ctx.snapshot);
    let default = if v >= Version::V4_0 {
        "99p"
    } else {
        "99PERCENTILE"
    };
    for t in user_tables(ctx.snapshot) {
        let Some(sr) = t.options.get("speculative_retry").and_then(|v| v.as_str()) else {
            continue;
        };
        let upper = sr.trim().to_ascii_uppercase();
        let (sev, msg) = match upper.as_str() {
            "ALWAYS" => (
                Severity::Warning,
                "sends every read to an extra replica, adding up to a replica's worth of read load",
            ),
            "NONE" => (
                Severity::Info,
                "never retries a slow replica, so one replica's GC pause or busy disk shows in the client's p99",
            ),
            _ => continue,
        };
        let f = em.subject(&t.qualified()).emit(
            format!("{} has speculative_retry {sr}: it {msg}", t.qualified()),
            None,
        );
        f.severity = sev;
        f.evidence.push(ev_expect(
            format!("{} speculative_retry", t.qualified()),
            sr,
            default,
        ));
        f.fixes.push(Fix::Cql {
            statement: alter_table(t, &format!("speculative_retry = {}", cql_str(default))),
            safety: Safety::Safe,
            description: "retry only reads slower than the table's own p99 (the default); takes effect at once, no data rewritten".into(),
        });
    }
}

fn gc_grace_short(ctx: &ClusterCtx, em: &mut Emitter) {
    let topo = topology(ctx.snapshot);
    if topo.node_count() < 2 {
        return;
    }
    let hint_window = max_hint_window(ctx.snapshot);
    for ks in user_keyspaces(ctx.snapshot) {
        let r = replication(ks);
        if r.max_rf() < 2 {
            continue;
        }
        for t in ks.tables.iter().filter(|t| !t.is_view) {
            let gc = gc_grace(t);
            if gc >= hint_window {
                continue;
            }
            let ttl = default_ttl(t);
            let ttl_twcs = ttl > 0 && t.compaction_class() == Some("TimeWindowCompactionStrategy");
            let f = em.subject(&t.qualified()).emit(
                if ttl_twcs {
                    format!(
                        "{} (TTL {}, TWCS) has gc_grace_seconds {gc}, below max_hint_window ({}): {} instead of replayed",
                        t.qualified(),
                        duration(ttl),
                        duration(hint_window),
                        if gc == 0 { "every hint for it is dropped".to_string() } else { format!("hints older than {} are dropped", duration(gc)) }
                    )
                } else {
                    format!(
                        "{} has gc_grace_seconds {gc} with {} replicas: a delete a replica missed can be purged before repair or hints deliver it, and the deleted data comes back; {}",
                        t.qualified(),
                        r.max_rf(),
                        if gc == 0 { "every hint for it is dropped".to_string() } else { format!("hints older than {} are dropped", duration(gc)) }
                    )
                },
                None,
            );
            if ttl_twcs {
                f.severity = Severity::Info;
            }
            let target = if ttl_twcs {
                hint_window
            } else {
                DEFAULT_GC_GRACE
            };
            f.evidence.push(ev_expect(
                format!("{} gc_grace_seconds", t.qualified()),
                gc.to_string(),
                format!(">= {target}"),
            ));
            f.evidence.push(ev(
                "max_hint_window",
                format!("{} ({hint_window} s)", duration(hint_window)),
            ));
            f.evidence
                .push(ev(format!("{} replication", ks.name), r.describe()));
            f.fixes.push(Fix::Cql {
                statement: alter_table(t, &format!("gc_grace_seconds = {target}")),
                safety: Safety::Safe,
                description: if ttl_twcs {
                    "keep hints for the whole hint window".into()
                } else {
                    "the default 10 days; run repair on every node more often than that".into()
                },
            });
        }
    }
}

fn gc_grace_long(ctx: &ClusterCtx, em: &mut Emitter) {
    let max = (ctx.meta.param("max_days") * DAY as f64) as i64;
    let tomb = ctx.meta.param("tombstones_p99");
    for t in user_tables(ctx.snapshot) {
        let gc = gc_grace(t);
        if gc <= max {
            continue;
        }
        let loads = ctx.table_load(t);
        let worst = max_of(&loads, |l| l.tombstones_p99);
        let heavy = worst.as_ref().is_some_and(|(v, _)| *v >= tomb);
        let f = em.subject(&t.qualified()).emit(
            format!(
                "{} keeps tombstones for {} (gc_grace_seconds {gc}){}",
                t.qualified(),
                duration(gc),
                match &worst {
                    Some((v, n)) if heavy => format!(
                        " and reads already scan {} tombstones at p99 on {n}",
                        num(*v)
                    ),
                    _ => String::new(),
                }
            ),
            None,
        );
        if heavy {
            f.severity = Severity::Warning;
        }
        f.evidence.push(ev_expect(
            format!("{} gc_grace_seconds", t.qualified()),
            gc.to_string(),
            format!("<= {max}"),
        ));
        if worst.is_some() {
            f.evidence.push(ev(
                format!("{} tombstones per read p99", t.qualified()),
                per_node(&loads, |l| l.tombstones_p99, num),
            ));
        }
        f.fixes.push(Fix::Cql {
            statement: alter_table(t, &format!("gc_grace_seconds = {DEFAULT_GC_GRACE}")),
            safety: Safety::Unsafe,
            description: "only once repair completes on every node in less than 10 days".into(),
        });
    }
}

fn ttl_gc_grace(ctx: &ClusterCtx, em: &mut Emitter) {
    let ratio = ctx.meta.param("max_ratio");
    let hint_window = max_hint_window(ctx.snapshot);
    for t in user_tables(ctx.snapshot) {
        let ttl = default_ttl(t);
        let gc = gc_grace(t);
        if ttl <= 0 || gc <= hint_window || (gc as f64) <= ratio * ttl as f64 {
            continue;
        }
        let loads = ctx.table_load(t);
        let no_deletes_seen = loads.iter().any(|l| l.tombstones_p99.is_some())
            && loads
                .iter()
                .all(|l| l.tombstones_p99.is_none_or(|v| v <= 1.0));
        let f = em.subject(&t.qualified()).emit(
            format!(
                "{} expires rows after {} but keeps their tombstones {} more (gc_grace_seconds {gc}): disk holds {:.1}× the TTL's worth of data",
                t.qualified(),
                duration(ttl),
                duration(gc),
                (ttl + gc) as f64 / ttl as f64
            ),
            None,
        );
        if no_deletes_seen {
            f.confidence += 0.1;
        }
        f.evidence.push(ev(
            format!("{} default_time_to_live", t.qualified()),
            format!("{ttl} ({})", duration(ttl)),
        ));
        f.evidence.push(ev_expect(
            format!("{} gc_grace_seconds", t.qualified()),
            format!("{gc} ({})", duration(gc)),
            format!("{hint_window} (max_hint_window) for an insert-only TTL table"),
        ));
        if loads.iter().any(|l| l.tombstones_p99.is_some()) {
            f.evidence.push(ev(
                format!("{} tombstones per read p99", t.qualified()),
                per_node(&loads, |l| l.tombstones_p99, num),
            ));
        }
        f.fixes.push(Fix::Cql {
            statement: alter_table(t, &format!("gc_grace_seconds = {hint_window}")),
            safety: Safety::Unsafe,
            description: "only if the table is never deleted from explicitly (TTL only)".into(),
        });
    }
}

fn too_many_tables(ctx: &ClusterCtx, em: &mut Emitter) {
    let max = ctx.meta.param("max_tables") as usize;
    let mut per_ks: Vec<(String, usize)> = user_keyspaces(ctx.snapshot)
        .map(|k| (k.name.clone(), k.tables.len()))
        .collect();
    let n: usize = per_ks.iter().map(|(_, c)| c).sum();
    if n <= max {
        return;
    }
    per_ks.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let f = em.subject(crate::engine::CLUSTER_SUBJECT).emit(
        format!("the cluster has {n} user tables and views (more than {max}): each costs memory and flush/compaction work on every node"),
        None,
    );
    f.evidence
        .push(ev_expect("user tables", n.to_string(), format!("<= {max}")));
    f.evidence.push(ev(
        "largest keyspaces",
        per_ks
            .iter()
            .take(5)
            .map(|(k, c)| format!("{k}: {c}"))
            .collect::<Vec<_>>()
            .join(", "),
    ));
    if let Some(n0) = ctx
        .snapshot
        .nodes
        .iter()
        .find(|n| n.version >= Version::V4_1 && n.config.is_some())
    {
        let cfg = n0.config.as_ref().expect("checked");
        f.fixes.push(Fix::SetConfig {
            file: cfg.file.path.clone(),
            key: "tables_warn_threshold".into(),
            value: Some(max.to_string()),
            rename_from: None,
            safety: Safety::DisplayOnly,
            description: "the guardrail warns whenever a table is created beyond it (every node); consolidate same-shaped tables".into(),
        });
    }
}

fn read_repair_chance(ctx: &ClusterCtx, em: &mut Emitter) {
    for t in user_tables(ctx.snapshot) {
        let get = |k: &str| t.options.get(k).and_then(|v| v.as_f64()).unwrap_or(0.0);
        let (dc, global) = (get("dclocal_read_repair_chance"), get("read_repair_chance"));
        if dc <= 0.0 && global <= 0.0 {
            continue;
        }
        let f = em.subject(&t.qualified()).emit(
            format!(
                "{} repairs {:.0} % of reads probabilistically (dclocal_read_repair_chance {dc}, read_repair_chance {global}): extra replica reads that 4.0 removed",
                t.qualified(),
                (dc + global).min(1.0) * 100.0
            ),
            None,
        );
        f.evidence.push(ev_expect(
            format!("{} dclocal_read_repair_chance", t.qualified()),
            dc.to_string(),
            "0",
        ));
        f.evidence.push(ev_expect(
            format!("{} read_repair_chance", t.qualified()),
            global.to_string(),
            "0",
        ));
        f.fixes.push(Fix::Cql {
            statement: alter_table(
                t,
                "dclocal_read_repair_chance = 0.0 AND read_repair_chance = 0.0",
            ),
            safety: Safety::Safe,
            description: "rely on repair; required before the 4.0 upgrade anyway".into(),
        });
    }
}

fn durable_writes(ctx: &ClusterCtx, em: &mut Emitter) {
    for ks in user_keyspaces(ctx.snapshot) {
        if ks.durable_writes != Some(false) {
            continue;
        }
        let f = em.subject(&ks.name).emit(
            format!("keyspace {} has durable_writes = false: its writes skip the commit log and are lost when a node crashes before flushing", ks.name),
            None,
        );
        f.evidence.push(ev_expect(
            format!("{} durable_writes", ks.name),
            "false",
            "true",
        ));
        f.fixes.push(Fix::Cql {
            statement: format!(
                "ALTER KEYSPACE {} WITH durable_writes = true",
                ident(&ks.name)
            ),
            safety: Safety::Safe,
            description: "writes go through the commit log again".into(),
        });
    }
}

fn row_cache_write_heavy(ctx: &ClusterCtx, em: &mut Emitter) {
    let ratio = ctx.meta.param("min_write_ratio");
    let row_cache: Vec<(String, Option<u128>)> = ctx
        .snapshot
        .nodes
        .iter()
        .map(|n| {
            let size = n
                .config
                .as_ref()
                .and_then(|c| c.get("row_cache_size"))
                .and_then(|s| s.value.as_quantity())
                .map(|q| q.base());
            (n.id.clone(), size)
        })
        .collect();
    let cache_on = row_cache.iter().any(|(_, s)| s.is_some_and(|b| b > 0));
    for t in user_tables(ctx.snapshot) {
        let rows = t
            .option_map("caching", "rows_per_partition")
            .unwrap_or("NONE");
        if rows.eq_ignore_ascii_case("NONE") {
            continue;
        }
        let loads = ctx.table_load(t);
        let (Some(writes), Some(reads)) = (total(&loads, |l| l.writes), total(&loads, |l| l.reads))
        else {
            continue;
        };
        if writes <= 0.0 || writes < ratio * reads {
            continue;
        }
        let keys = t.option_map("caching", "keys").unwrap_or("ALL").to_string();
        let f = em.subject(&t.qualified()).emit(
            format!(
                "{} caches rows (rows_per_partition {rows}) but is written {} times for {} reads: every write invalidates the cached partition{}",
                t.qualified(),
                num(writes),
                num(reads),
                if cache_on {
                    String::new()
                } else {
                    "; inert for now (row_cache_size is 0 on every node), harmful once the row cache is enabled".to_string()
                }
            ),
            None,
        );
        if !cache_on {
            f.severity = Severity::Info;
        }
        if !loads.iter().any(|l| l.from_metrics) {
            f.confidence -= 0.1;
        }
        f.evidence.push(ev_expect(
            format!("{} caching", t.qualified()),
            format!("keys {keys}, rows_per_partition {rows}"),
            "rows_per_partition NONE on a write-heavy table",
        ));
        f.evidence.push(ev(
            format!("{} local writes / reads", t.qualified()),
            format!("{} / {}", num(writes), num(reads)),
        ));
        f.evidence.push(ev(
            "row_cache_size",
            row_cache
                .iter()
                .map(|(n, s)| {
                    format!(
                        "{n}: {}",
                        s.map(|b| bytes(b as f64)).unwrap_or_else(|| "?".into())
                    )
                })
                .collect::<Vec<_>>()
                .join(", "),
        ));
        f.fixes.push(Fix::Cql {
            statement: alter_table(t, &format!("caching = {}", cql_map(&[("keys", keys.as_str()), ("rows_per_partition", "NONE")]))),
            safety: Safety::Safe,
            description: "stop caching rows of this table; takes effect at once, nothing is rewritten".into(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_tokens_split_snake_and_camel_case() {
        assert_eq!(name_tokens("userEmail"), ["user", "email"]);
        assert_eq!(name_tokens("account_id"), ["account", "id"]);
        assert!(unique_looking("paid", "boolean").is_none());
        assert!(unique_looking("valid_until", "date").is_none());
        assert!(unique_looking("email", "text").is_some());
        assert!(unique_looking("created", "timestamp").is_some());
        assert_eq!(index_target("values(tags)"), (Some("values"), "tags"));
    }
}
