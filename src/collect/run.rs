//! One collection: every source the command line named, into one [`Archive`].
//!
//! Sources are independent: a source that fails records its error in the manifest and the
//! others go on, so a partial snapshot is still written. The caller maps
//! [`Archive::is_partial`] to exit code 3.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::collect::cql::{self, CqlOptions};
use crate::collect::host;
use crate::snapshot::{Archive, Rows, SourceError};

/// Everything `casstune collect` was asked to gather.
#[derive(Debug, Clone, Default)]
pub struct CollectOptions {
    pub cql: Option<CqlOptions>,
    /// Exporter endpoints named explicitly (`--metrics-url`).
    pub metrics_urls: Vec<String>,
    /// Scrape `http://<node>:<port><path>` for every node CQL found (`--metrics-port`).
    pub metrics_port: Option<u16>,
    pub metrics_path: String,
    /// Time between the two scrapes that turn counters into rates (0: one scrape).
    pub interval: Duration,
    pub scrape_timeout: Duration,
    pub prometheus_server: Option<String>,
    pub window: Duration,
    pub prometheus_selector: Option<String>,
    /// Config directories: for one node (`NODE=DIR`) or, with `None`, for every node.
    pub config_dirs: Vec<(Option<String>, PathBuf)>,
    /// `collect-host` files: for one node (`NODE=FILE`) or, with `None`, for every node
    /// without a file of its own.
    pub host_facts: Vec<(Option<String>, PathBuf)>,
    /// Gather host facts for nodes that run on this machine.
    pub local_host: bool,
    pub concurrency: usize,
    /// Settings recorded in the manifest (never credentials).
    pub recorded_options: Vec<(String, String)>,
}

/// Progress reporting for a long collection; the command draws it on stderr.
pub trait Reporter: Send + Sync {
    fn phase(&self, what: &str);
    fn node_done(&self, node: &str, done: usize, total: usize, ok: bool);
}

pub fn rfc3339_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

/// UTC time as RFC 3339 (civil-from-days, Howard Hinnant's algorithm; no time crate needed).
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Runs the collection. Only a failure to start the async runtime is an `Err`; everything
/// else is recorded in the archive's manifest.
pub fn collect(opts: &CollectOptions, reporter: &dyn Reporter) -> anyhow::Result<Archive> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let started = Instant::now();
    let mut archive = Archive::new(rfc3339_now());
    for (k, v) in &opts.recorded_options {
        archive.manifest.options.insert(k.clone(), v.clone());
    }
    rt.block_on(collect_async(opts, reporter, &mut archive));
    files(opts, &mut archive);
    hosts(opts, &mut archive);
    archive.manifest.duration_seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    Ok(archive)
}

async fn collect_async(opts: &CollectOptions, reporter: &dyn Reporter, archive: &mut Archive) {
    if let Some(cql_opts) = &opts.cql {
        reporter.phase("connecting over CQL");
        match cql::connect(cql_opts).await {
            Ok(session) => {
                reporter.phase("reading schema, node tables and traces");
                let progress = |node: &str, done: usize, total: usize, ok: bool| {
                    reporter.node_done(node, done, total, ok)
                };
                cql::collect(&session, cql_opts, archive, &progress).await;
            }
            Err(e) => archive.manifest.errors.push(SourceError {
                source: "cql".into(),
                message: format!("{e:#}"),
            }),
        }
    }
    crate::collect::metrics::collect(opts, reporter, archive).await;
}

/// Node ids known so far (from CQL), or the ones named by per-node flags.
fn node_ids(archive: &Archive) -> Vec<String> {
    archive
        .manifest
        .nodes
        .iter()
        .map(|n| n.id.clone())
        .collect()
}

/// Config files from `--config`, copied per node as `nodes/<id>/files/<name>`.
fn files(opts: &CollectOptions, archive: &mut Archive) {
    let all = node_ids(archive);
    for (node, dir) in &opts.config_dirs {
        let targets: Vec<String> = match node {
            Some(n) => vec![n.clone()],
            None if all.is_empty() => vec!["local".to_string()],
            None => all.clone(),
        };
        let mut errors = Vec::new();
        let units = match crate::lint::discover_units(std::slice::from_ref(dir), &mut errors) {
            Ok(u) => u,
            Err(e) => {
                errors.push(format!("{e:#}"));
                Vec::new()
            }
        };
        let mut texts = Vec::new();
        for unit in &units {
            for (path, _) in &unit.files {
                match crate::lint::read_text(path) {
                    Ok(t) => texts.push((path.clone(), t)),
                    Err(e) => errors.push(e),
                }
            }
        }
        for id in &targets {
            for (path, text) in &texts {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                archive.put(format!("nodes/{id}/files/{name}"), text.as_bytes().to_vec());
                archive
                    .node_entry(id)
                    .collected
                    .push(format!("file:{}", path.display()));
            }
            for e in &errors {
                archive.node_entry(id).errors.push(SourceError {
                    source: format!("file:{}", dir.display()),
                    message: e.clone(),
                });
            }
        }
    }
}

/// Host facts: files given for a node, files for every node, then this machine for the nodes
/// that run here.
fn hosts(opts: &CollectOptions, archive: &mut Archive) {
    let ids = node_ids(archive);
    let mut done: Vec<String> = Vec::new();
    let mut shared = Vec::new();
    for (node, path) in &opts.host_facts {
        let facts = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", path.display()))
            .and_then(|t| host::from_json(&t, path));
        match (node, facts) {
            (Some(id), Ok(f)) => {
                archive.put(
                    format!("nodes/{id}/host.json"),
                    host::to_json(&f).into_bytes(),
                );
                archive
                    .node_entry(id)
                    .collected
                    .push(format!("host:{}", path.display()));
                done.push(id.clone());
            }
            (None, Ok(f)) => shared.push((path.clone(), f)),
            (Some(id), Err(e)) => archive.node_entry(id).errors.push(SourceError {
                source: format!("host:{}", path.display()),
                message: format!("{e:#}"),
            }),
            (None, Err(e)) => archive.manifest.errors.push(SourceError {
                source: format!("host:{}", path.display()),
                message: format!("{e:#}"),
            }),
        }
    }
    for id in &ids {
        if done.contains(id) {
            continue;
        }
        if let Some((path, f)) = shared.first() {
            archive.put(
                format!("nodes/{id}/host.json"),
                host::to_json(f).into_bytes(),
            );
            archive
                .node_entry(id)
                .collected
                .push(format!("host:{}", path.display()));
        } else if opts.local_host && is_local(id) {
            let f = host::gather(&local_host_options(archive, id));
            archive.put(
                format!("nodes/{id}/host.json"),
                host::to_json(&f).into_bytes(),
            );
            archive.node_entry(id).collected.push("host:local".into());
        }
    }
}

/// The node's data and commitlog directories from its live settings, so the local host
/// collector inspects the disks that matter.
fn local_host_options(archive: &Archive, id: &str) -> host::HostOptions {
    let mut o = host::HostOptions {
        root: PathBuf::from("/"),
        data_dirs: Vec::new(),
        commitlog_dir: None,
        pid: None,
    };
    let Ok(Some(rows)) =
        archive.get_json::<Rows>(&format!("nodes/{id}/cql/system_views.settings.json"))
    else {
        return o;
    };
    for r in rows.records() {
        let name = r.get("name").and_then(|v| v.as_str()).unwrap_or_default();
        let value = r.get("value").and_then(|v| v.as_str()).unwrap_or_default();
        match name {
            "data_file_directories" => {
                o.data_dirs = value
                    .trim_matches(['[', ']'])
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(PathBuf::from)
                    .collect();
            }
            "commitlog_directory" if !value.is_empty() => {
                o.commitlog_dir = Some(PathBuf::from(value))
            }
            _ => {}
        }
    }
    o
}

/// True when the node's address belongs to this machine (binding to it succeeds).
pub fn is_local(id: &str) -> bool {
    let ip = id
        .rsplit_once(':')
        .map_or(id, |(h, p)| if p.parse::<u16>().is_ok() { h } else { id });
    let Ok(ip) = ip.trim_matches(['[', ']']).parse::<IpAddr>() else {
        return id == "local";
    };
    ip.is_loopback() || std::net::UdpSocket::bind((ip, 0)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_305_600 + 3661), "2026-11-22T01:01:01Z");
    }

    #[test]
    fn loopback_is_local_and_documentation_addresses_are_not() {
        assert!(is_local("127.0.0.2"));
        assert!(!is_local("192.0.2.7"));
    }
}
