//! The metric sources of one collection: every node's exporter scraped (twice, for rates),
//! and a Prometheus server's view over a window. Raw scrape text and the server's JSON
//! answers go into the archive; the vocabulary is derived again when the snapshot is loaded.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::collect::prometheus::scrape::{self, ScrapeText};
use crate::collect::promql;
use crate::collect::run::{CollectOptions, Reporter};
use crate::snapshot::{Archive, SourceError};

/// `nodes/<id>/metrics/scrape.json`: how each kept scrape was taken.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScrapeInfo {
    pub url: String,
    /// One entry per `scrape-<i>.prom`, in order.
    pub scrapes: Vec<ScrapeTiming>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScrapeTiming {
    pub taken_at_unix_ms: u64,
    pub elapsed_ms: u64,
}

/// The host part of a URL, as a node id (`http://10.0.0.5:9404/metrics` → `10.0.0.5`).
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    (!host.is_empty()).then(|| host.to_string())
}

/// The exporter URLs to scrape and the node each belongs to.
fn targets(opts: &CollectOptions, archive: &Archive) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for url in &opts.metrics_urls {
        let id = url_host(url).unwrap_or_else(|| url.clone());
        out.push((id, url.clone()));
    }
    if let Some(port) = opts.metrics_port {
        for n in &archive.manifest.nodes {
            let ip = n.id.rsplit_once(':').map_or(n.id.as_str(), |(h, _)| h);
            let host = if ip.contains(':') {
                format!("[{ip}]")
            } else {
                ip.to_string()
            };
            let url = format!("http://{host}:{port}{}", opts.metrics_path);
            if !out.iter().any(|(_, u)| *u == url) {
                out.push((n.id.clone(), url));
            }
        }
    }
    out
}

pub async fn collect(opts: &CollectOptions, reporter: &dyn Reporter, archive: &mut Archive) {
    let targets = targets(opts, archive);
    if !targets.is_empty() {
        reporter.phase(&if opts.interval.is_zero() {
            format!("scraping {} exporter(s)", targets.len())
        } else {
            format!(
                "scraping {} exporter(s) twice, {:.0?} apart (--interval)",
                targets.len(),
                opts.interval
            )
        });
        let urls: Vec<String> = targets.iter().map(|(_, u)| u.clone()).collect();
        let results = scrape::scrape_all(
            &urls,
            opts.interval,
            opts.scrape_timeout,
            opts.concurrency,
            |_, _| {},
        )
        .await;
        for ((id, _), (url, result)) in targets.iter().zip(results) {
            match result {
                Ok((first, second)) => store_scrapes(archive, id, &url, first, second),
                Err(e) => archive.node_entry(id).errors.push(SourceError {
                    source: format!("metrics:{url}"),
                    message: e.to_string(),
                }),
            }
        }
    }
    if let Some(server) = &opts.prometheus_server {
        reporter.phase(&format!(
            "querying Prometheus at {server} over {:.0?}",
            opts.window
        ));
        server_metrics(opts, server, archive).await;
    }
}

fn store_scrapes(
    archive: &mut Archive,
    id: &str,
    url: &str,
    first: ScrapeText,
    second: Option<ScrapeText>,
) {
    let mut info = ScrapeInfo {
        url: url.to_string(),
        scrapes: Vec::new(),
        notes: first.notes.clone(),
    };
    for (i, s) in std::iter::once(first).chain(second).enumerate() {
        if i > 0 {
            info.notes.extend(s.notes.iter().cloned());
        }
        info.scrapes.push(ScrapeTiming {
            taken_at_unix_ms: s.taken_at_unix_ms as u64,
            elapsed_ms: s.elapsed_ms,
        });
        archive.put(
            format!("nodes/{id}/metrics/scrape-{i}.prom"),
            s.text.into_bytes(),
        );
    }
    archive.put_json(format!("nodes/{id}/metrics/scrape.json"), &info);
    let e = archive.node_entry(id);
    e.collected.push(format!("metrics:{url}"));
    for n in &info.notes {
        if n.contains("second scrape") || n.contains("first scrape failed") {
            e.errors.push(SourceError {
                source: format!("metrics:{url}"),
                message: n.clone(),
            });
        }
    }
}

async fn server_metrics(opts: &CollectOptions, server: &str, archive: &mut Archive) {
    let timeout = opts.scrape_timeout.max(Duration::from_secs(30));
    let client = match scrape::http_client(timeout) {
        Ok(c) => c,
        Err(e) => {
            archive.manifest.errors.push(SourceError {
                source: format!("prometheus:{server}"),
                message: e,
            });
            return;
        }
    };
    let r = promql::collect(
        &client,
        server,
        opts.window,
        opts.prometheus_selector.as_deref(),
        timeout,
    )
    .await;
    for (name, json) in &r.raw {
        let name = name.trim_start_matches('/');
        archive.put(
            format!("prometheus-server/{name}"),
            json.clone().into_bytes(),
        );
    }
    for (instance, metrics) in &r.per_instance {
        archive.put_json(
            format!("prometheus-server/metrics/{instance}.json"),
            metrics,
        );
        archive
            .node_entry(instance)
            .collected
            .push(format!("prometheus:{server}"));
    }
    for e in r.errors {
        archive.manifest.errors.push(SourceError {
            source: format!("prometheus:{server}"),
            message: e,
        });
    }
    archive.put_json(
        "prometheus-server/notes.json",
        &serde_json::json!({ "server": server, "window_seconds": opts.window.as_secs(),
            "dialect": r.dialect.map(|d| format!("{d:?}")), "notes": r.notes }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_hosts() {
        assert_eq!(
            url_host("http://10.0.0.5:9404/metrics").as_deref(),
            Some("10.0.0.5")
        );
        assert_eq!(url_host("https://[::1]:9404/m").as_deref(), Some("::1"));
        assert_eq!(url_host("http://u:p@db1/metrics").as_deref(), Some("db1"));
        assert_eq!(url_host("http:///x"), None);
    }
}
