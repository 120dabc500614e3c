//! Rules that read node metrics (exporter scrapes or a Prometheus server): latencies,
//! compaction backlog, per-read histograms, caches, thread pools, dropped messages, GC, heap.

use super::Builtin;

pub static RULES: &[Builtin] = &[];
