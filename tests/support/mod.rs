//! Real test cluster for integration tests: three Cassandra 5.0 nodes on 127.0.0.1–3 with the
//! JMX exporter, and a Prometheus scraping them, started by the project's own scripts.
//!
//! Every integration test binary calls [`cluster()`]; the first call in a process runs
//! `scripts/cassandra.sh start --nodes 3` (idempotent: a running cluster is reused), under a
//! file lock so parallel test binaries never start it twice. Set `CASSTUNE_TEST_NODES` to use
//! another size (the scripts refuse to mix sizes while a cluster is up).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub struct Cluster {
    pub nodes: usize,
    pub contact_points: Vec<String>,
    pub cql_port: u16,
    pub metrics_urls: Vec<String>,
    pub node_dir: PathBuf,
    pub cluster_name: String,
}

impl Cluster {
    /// Directory of node `n` (1-based).
    pub fn node_path(&self, n: usize) -> PathBuf {
        self.node_dir.join(format!("node{n}"))
    }
}

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn script(name: &str) -> PathBuf {
    repo().join("scripts").join(name)
}

/// Runs a project script under an exclusive lock (flock(1)), panicking with its output on failure.
fn locked(script_name: &str, args: &[&str]) -> String {
    let lock = std::env::temp_dir().join("casstune-test-cluster.lock");
    // -o: the nodes and Prometheus the script starts in the background must not inherit the
    // lock, or it would stay held for as long as they run.
    let out = Command::new("flock")
        .arg("-o")
        .arg(&lock)
        .arg("bash")
        .arg(script(script_name))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run flock/bash for {script_name}: {e}"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{script_name} {args:?} failed ({}):\n{text}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// The running test cluster, started on first use.
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let nodes = std::env::var("CASSTUNE_TEST_NODES").unwrap_or_else(|_| "3".into());
        locked("cassandra.sh", &["start", "--nodes", &nodes]);
        let env = locked("cassandra.sh", &["env"]);
        let var = |name: &str| -> String {
            env.lines()
                .find_map(|l| l.strip_prefix(&format!("export {name}='")))
                .and_then(|v| v.strip_suffix('\''))
                .unwrap_or_else(|| panic!("cassandra.sh env printed no {name}:\n{env}"))
                .to_string()
        };
        let list = |name: &str| var(name).split(',').map(str::to_string).collect::<Vec<_>>();
        Cluster {
            nodes: var("CASSTUNE_NODES")
                .parse()
                .expect("CASSTUNE_NODES is a number"),
            contact_points: list("CASSTUNE_CONTACT_POINTS"),
            cql_port: var("CASSTUNE_CQL_PORT")
                .parse()
                .expect("CQL port is a number"),
            metrics_urls: list("CASSTUNE_METRICS_URLS"),
            node_dir: PathBuf::from(var("CASSTUNE_NODE_DIR")),
            cluster_name: var("CASSTUNE_CLUSTER_NAME"),
        }
    })
}

/// Base URL of the Prometheus server scraping the test cluster (started on first use).
pub fn prometheus() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        cluster();
        locked("prometheus.sh", &["start"]);
        "http://127.0.0.1:9090".to_string()
    })
}

/// The casstune binary built for this test run.
pub fn casstune() -> Command {
    Command::new(env!("CARGO_BIN_EXE_casstune"))
}

/// Runs CQL statements against the test cluster with the driver itself. Only tests write
/// (to set up a scenario); casstune never does.
pub fn cql_exec(statements: &[&str]) {
    let c = cluster();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let session = scylla::client::session_builder::SessionBuilder::new()
            .known_node(format!("{}:{}", c.contact_points[0], c.cql_port))
            .build()
            .await
            .expect("test session connects");
        for s in statements {
            session
                .query_unpaged(*s, &[])
                .await
                .unwrap_or_else(|e| panic!("{s}: {e}"));
        }
        // Later collectors must see the new schema on every node.
        let _ = session.await_schema_agreement().await;
    });
}

/// Sends a signal to node `n`'s process (`STOP`, `CONT`, `KILL`); returns false when the node
/// is not running.
pub fn signal_node(n: usize, signal: &str) -> bool {
    let pid_file = cluster().node_path(n).join("cassandra.pid");
    let Ok(pid) = std::fs::read_to_string(&pid_file) else {
        return false;
    };
    Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.trim())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Starts whatever nodes of the cluster are not running (after a test killed one).
pub fn restart_missing_nodes() {
    let nodes = cluster().nodes.to_string();
    locked("cassandra.sh", &["start", "--nodes", &nodes]);
}
