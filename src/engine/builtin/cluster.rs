//! Cluster-scope rules: schema (replication, compaction strategy per table, indexes, views,
//! table options), traces, and comparisons across nodes (versions, load, schema agreement).

use super::Builtin;

pub static RULES: &[Builtin] = &[];
