//! Query traces from `system_traces`: recent sessions and the opt-in probes.

use std::collections::BTreeMap;

use serde::Serialize;

#[derive(Debug, Default, Clone, Serialize)]
pub struct TraceSession {
    pub session_id: String,
    pub coordinator: Option<String>,
    pub client: Option<String>,
    /// Microseconds.
    pub duration_us: Option<i64>,
    pub request: Option<String>,
    pub command: Option<String>,
    /// Includes `query` for CQL requests.
    pub parameters: BTreeMap<String, String>,
    /// Milliseconds since the epoch.
    pub started_at_ms: Option<i64>,
    /// `keyspace.table` when casstune's `--probe-traces` ran this read.
    pub probe_of: Option<String>,
    pub events: Vec<TraceEvent>,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct TraceEvent {
    pub activity: String,
    pub source: Option<String>,
    /// Microseconds since the session started, on `source`.
    pub source_elapsed_us: Option<i64>,
    pub thread: Option<String>,
}
