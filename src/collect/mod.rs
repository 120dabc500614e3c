//! Collectors: each source is one module that gathers raw material and never judges.

pub mod prometheus;
