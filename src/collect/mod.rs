//! Collectors: each source is one module that gathers raw material and never judges.
//! [`run`] drives one collection over all of them.

pub mod cql;
pub mod cqlshrc;
pub mod host;
pub mod metrics;
pub mod prometheus;
pub mod promql;
pub mod run;
