//! casstune: a performance-tuning advisor and CI config gate for Apache Cassandra.
//!
//! Data flows one way: collect → [`model::Snapshot`] → [`engine`] → findings → [`report`].

pub mod analyze;
pub mod catalog;
pub mod cli;
pub mod collect;
pub mod commands;
pub mod diff;
pub mod engine;
pub mod fix;
pub mod lint;
pub mod model;
pub mod parse;
pub mod report;
pub mod snapshot;

use clap::Parser;

/// Exit codes, stable across releases.
pub mod exit {
    /// Nothing at or above the --fail-on threshold.
    pub const OK: i32 = 0;
    /// Findings at or above the threshold.
    pub const FINDINGS: i32 = 1;
    /// Usage or input error.
    pub const ERROR: i32 = 2;
    /// A collection finished but some node or source failed: the result is partial.
    pub const PARTIAL: i32 = 3;
}

/// Parses the command line, runs the command and returns the process exit code.
pub fn run() -> i32 {
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::ERROR
            } else {
                exit::OK
            };
            let _ = e.print();
            return code;
        }
    };
    match commands::dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("casstune: error: {e:#}");
            exit::ERROR
        }
    }
}
