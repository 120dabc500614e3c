//! Prometheus text exposition: parsing and normalisation into casstune's metric vocabulary.
//!
//! Two steps, both pure (no I/O), so a scrape kept in a snapshot can be re-read offline:
//!
//! 1. [`parse()`] reads the text format 0.0.4 into [`Exposition`]: families in file order,
//!    samples borrowing from the input, and every problem as a [`ParseError`] with its line.
//!    Parsing never stops at a bad line and never panics. See [`parse`](mod@parse) for the
//!    exact rules (escapes, grouping of `_bucket`/`_sum`/`_count`, duplicates, truncation).
//! 2. [`normalise()`] detects the exporter ([`Dialect`]: JMX exporter with or without rules,
//!    MCAC, cassandra-exporter; Scylla is recognised but not mapped) and turns its samples into
//!    [`Metric`]s named by the [`vocab`] (`table.read_latency.p99_us`,
//!    `threadpool.pending{pool}`, `jvm.gc.time_seconds_total{gc}`, …) in one unit per name.
//!
//! ```
//! use casstune::collect::prometheus::{normalise, parse};
//! let text = "# TYPE cassandra_cache_hitrate untyped\n\
//!             cassandra_cache_hitrate{cache=\"KeyCache\"} 0.87\n";
//! let exp = parse(text);
//! assert!(exp.is_clean());
//! let m = normalise(&exp);
//! assert_eq!(m.value("cache.key.hit_ratio", &[]), Some(0.87));
//! ```
//!
//! HTTP lives in [`scrape`](mod@scrape): [`scrape()`] and [`scrape_all()`] fetch expositions
//! (two scrapes per endpoint when an interval is given, so counters become rates), and
//! [`node_metrics()`] turns one or two scrapes into [`Metrics`](crate::model::Metrics).

pub(crate) mod dialect;
mod normalise;
pub mod parse;
pub mod scrape;
pub mod vocab;

pub use dialect::Dialect;
pub use normalise::{Metric, Normalised, bucket_quantile, detect, dialect_scores, normalise};
pub use parse::{
    ErrorKind, Exposition, Family, Label, MAX_ERRORS, MetricType, ParseError, Sample, parse,
};
pub use scrape::{
    EndpointResult, MAX_BODY_BYTES, ScrapeError, ScrapeText, http_client, node_metrics, scrape,
    scrape_all, scrape_metrics,
};
pub use vocab::{MetricUnit, Stat, ValueKind, VocabEntry, vocabulary};
