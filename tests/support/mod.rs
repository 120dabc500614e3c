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

/// The separate secure test node: one Cassandra 5.0 node on 127.0.1.1, started by
/// `scripts/cassandra.sh` with `CASSTUNE_NET=1 CASSTUNE_SECURE=1` (PasswordAuthenticator,
/// CassandraAuthorizer, client-to-node TLS only, a throwaway CA; see scripts/README.md). It is
/// independent of the 3-node cluster and only `tests/security_live.rs` uses it.
pub struct SecureNode {
    /// The node's address (CQL on `port`, over TLS only).
    pub ip: String,
    pub port: u16,
    /// Exporter endpoint of the node's JMX agent.
    pub metrics_port: u16,
    /// `$CASSTUNE_NODE_DIR` of the secure cluster.
    pub root: PathBuf,
    /// The node's directory: its rendered cassandra.yaml (a conf dir for `--config`).
    pub conf_dir: PathBuf,
    /// The CA that signed the node certificate, and a second CA that signed nothing here.
    pub ca: PathBuf,
    pub untrusted_ca: PathBuf,
    /// The passwords planted in the node's cassandra.yaml (`client_encryption_options`).
    pub keystore_password: String,
    pub truststore_password: String,
    /// The value of `-Dcassandra.casstune_test.secret_password=…` on the node's command line
    /// (a planted secret that reaches `system_views.system_properties`); `None` when the node
    /// was started some other way without it.
    pub jvm_secret: Option<String>,
    /// True when this process started the node (and so stops it at exit).
    pub started_here: bool,
    /// Wall time of `cassandra.sh start`.
    pub start_time: std::time::Duration,
}

/// Name of the planted JVM system property (`cassandra.` prefix: system_views.system_properties
/// only lists Cassandra-relevant properties).
pub const SECURE_JVM_SECRET_PROPERTY: &str = "cassandra.casstune_test.secret_password";

/// Runs `cassandra.sh ARGS` for the secure node under its own lock (`flock -o`, like
/// [`locked`]): stdout, stderr.
fn secure_script(args: &[&str], extra_env: &[(&str, String)]) -> (String, String) {
    let lock = std::env::temp_dir().join("casstune-secure-node.lock");
    let mut cmd = Command::new("flock");
    cmd.arg("-o")
        .arg(&lock)
        .arg("bash")
        .arg(script("cassandra.sh"))
        .args(args);
    // The secure cluster's own network, directory and ports, whatever the shell exported
    // for the 3-node one.
    for v in [
        "CASSTUNE_CQL_PORT",
        "CASSTUNE_STORAGE_PORT",
        "CASSTUNE_EXPORTER_PORT",
    ] {
        cmd.env_remove(v);
    }
    cmd.env("CASSTUNE_NET", "1")
        .env("CASSTUNE_SECURE", "1")
        .env("CASSTUNE_NODE_DIR", secure_root());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run flock/bash for cassandra.sh: {e}"));
    let (so, se) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        out.status.success(),
        "CASSTUNE_NET=1 CASSTUNE_SECURE=1 cassandra.sh {args:?} failed ({}):\n{so}\n{se}",
        out.status
    );
    (so, se)
}

fn secure_root() -> PathBuf {
    std::env::var_os("CASSTUNE_SECURE_NODE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/casstune-nodes-net1"))
}

/// A random-enough token for planted secrets (no rand crate: std's per-process SipHash keys).
pub fn random_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

/// The secure node, started on first use (reused when it is already running). When this
/// process started it, it is stopped when the process exits, unless
/// `CASSTUNE_KEEP_SECURE_NODE=1` (handy while iterating: a start takes 15–50 s).
pub fn secure_node() -> &'static SecureNode {
    static NODE: OnceLock<SecureNode> = OnceLock::new();
    NODE.get_or_init(|| {
        let root = secure_root();
        let jvm_opts = format!(
            "-D{SECURE_JVM_SECRET_PROPERTY}=jvmSecret-{}",
            random_token()
        );
        let mut env = vec![("CASSTUNE_JVM_OPTS", jvm_opts)];
        if std::env::var_os("CASSTUNE_HEAP").is_none() {
            env.push(("CASSTUNE_HEAP", "512M".to_string()));
        }
        let t0 = std::time::Instant::now();
        let (_, err) = secure_script(&["start", "--nodes", "1"], &env);
        let start_time = t0.elapsed();
        let started_here = !err.contains("already running");
        if started_here && std::env::var("CASSTUNE_KEEP_SECURE_NODE").as_deref() != Ok("1") {
            stop_secure_node_at_exit();
        }
        let (env_out, _) = secure_script(&["env"], &[]);
        let var = |name: &str| -> String {
            env_out
                .lines()
                .find_map(|l| l.strip_prefix(&format!("export {name}='")))
                .and_then(|v| v.strip_suffix('\''))
                .unwrap_or_else(|| panic!("cassandra.sh env printed no {name}:\n{env_out}"))
                .to_string()
        };
        let tls = root.join("tls");
        let read = |p: PathBuf| {
            std::fs::read_to_string(&p)
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
                .trim()
                .to_string()
        };
        let conf_dir = root.join("node1");
        let jvm_secret = std::fs::read_to_string(conf_dir.join("cassandra.pid"))
            .ok()
            .and_then(|pid| std::fs::read(format!("/proc/{}/cmdline", pid.trim())).ok())
            .and_then(|cmd| {
                String::from_utf8_lossy(&cmd).split('\0').find_map(|a| {
                    a.strip_prefix(&format!("-D{SECURE_JVM_SECRET_PROPERTY}="))
                        .map(str::to_string)
                })
            });
        let metrics_url = var("CASSTUNE_METRICS_URLS");
        SecureNode {
            ip: var("CASSTUNE_CONTACT_POINTS"),
            port: var("CASSTUNE_CQL_PORT")
                .parse()
                .expect("CQL port is a number"),
            metrics_port: metrics_url
                .rsplit(':')
                .next()
                .and_then(|s| s.split('/').next())
                .and_then(|p| p.parse().ok())
                .expect("exporter port in CASSTUNE_METRICS_URLS"),
            ca: PathBuf::from(var("CASSTUNE_TLS_CA")),
            untrusted_ca: PathBuf::from(var("CASSTUNE_TLS_UNTRUSTED_CA")),
            keystore_password: read(tls.join("keystore.password")),
            truststore_password: read(tls.join("truststore.password")),
            jvm_secret,
            started_here,
            start_time,
            conf_dir,
            root,
        }
    })
}

/// Registers a C `atexit` handler that stops the secure node: libtest has no global teardown,
/// but a test binary's process exits through `exit(3)` whether its tests passed or not.
fn stop_secure_node_at_exit() {
    unsafe extern "C" {
        fn atexit(f: extern "C" fn()) -> std::os::raw::c_int;
    }
    extern "C" fn stop() {
        let _ = std::panic::catch_unwind(|| {
            eprintln!("support: stopping the secure test node this process started");
            secure_script(&["stop"], &[]);
        });
    }
    // SAFETY: registers a plain function; it only runs a child process at exit.
    unsafe {
        atexit(stop);
    }
}

// ---- Clusters on another network (CASSTUNE_NET=K), for recordings ---------------------------
//
// The functions above always mean the network-0 test cluster. The ones below take the network
// as a parameter (scripts/cassandra.sh's CASSTUNE_NET; 2 and 3 are free for recordings and
// benchmarks) and never touch networks 0 and 1.

/// A cluster on network `net`, with what a writer needs to log in when it is secure.
pub struct NetCluster {
    pub net: u8,
    pub cluster: Cluster,
    /// `CASSTUNE_TLS_CA` of a secure cluster (client TLS, default superuser cassandra/cassandra).
    pub tls_ca: Option<PathBuf>,
}

/// Runs `cassandra.sh ARGS` with `CASSTUNE_NET=net` under that network's own lock (`flock -o`,
/// like [`locked`]), whatever the shell exported for another network; extra variables in
/// `extra_env`. Returns stdout; panics with the output on failure.
pub fn net_script(net: u8, args: &[&str], extra_env: &[(&str, &str)]) -> String {
    assert!(net >= 2, "networks 0 and 1 belong to the test suite");
    let lock = std::env::temp_dir().join(format!("casstune-net{net}.lock"));
    let mut cmd = Command::new("flock");
    cmd.arg("-o")
        .arg(&lock)
        .arg("bash")
        .arg(script("cassandra.sh"))
        .args(args);
    for v in [
        "CASSTUNE_NODE_DIR",
        "CASSTUNE_CQL_PORT",
        "CASSTUNE_STORAGE_PORT",
        "CASSTUNE_EXPORTER_PORT",
        "CASSTUNE_SECURE",
        "CASSTUNE_PROFILE",
        "CASSTUNE_HEAP",
        "CASSTUNE_JVM_OPTS",
    ] {
        cmd.env_remove(v);
    }
    cmd.env("CASSTUNE_NET", net.to_string());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run flock/bash for cassandra.sh: {e}"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "CASSTUNE_NET={net} cassandra.sh {args:?} failed ({}):\n{text}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// Starts (idempotently) the cluster of network `net` with `cassandra.sh start START_ARGS`
/// and reads its `env`.
pub fn net_cluster(net: u8, start_args: &[&str], extra_env: &[(&str, &str)]) -> NetCluster {
    let mut args = vec!["start"];
    args.extend_from_slice(start_args);
    net_script(net, &args, extra_env);
    let env = net_script(net, &["env"], &[]);
    let var = |name: &str| -> Option<String> {
        env.lines()
            .find_map(|l| l.strip_prefix(&format!("export {name}='")))
            .and_then(|v| v.strip_suffix('\''))
            .map(str::to_string)
    };
    let must = |name: &str| {
        var(name).unwrap_or_else(|| panic!("cassandra.sh env printed no {name}:\n{env}"))
    };
    let list = |name: &str| {
        must(name)
            .split(',')
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    NetCluster {
        net,
        cluster: Cluster {
            nodes: must("CASSTUNE_NODES")
                .parse()
                .expect("CASSTUNE_NODES is a number"),
            contact_points: list("CASSTUNE_CONTACT_POINTS"),
            cql_port: must("CASSTUNE_CQL_PORT")
                .parse()
                .expect("CQL port is a number"),
            metrics_urls: list("CASSTUNE_METRICS_URLS"),
            node_dir: PathBuf::from(must("CASSTUNE_NODE_DIR")),
            cluster_name: must("CASSTUNE_CLUSTER_NAME"),
        },
        tls_ca: var("CASSTUNE_TLS_CA").map(PathBuf::from),
    }
}

impl NetCluster {
    /// The exporter port of this network (9404 + net), as `--metrics-port` wants it.
    pub fn metrics_port(&self) -> u16 {
        9404 + u16::from(self.net)
    }

    /// Stops this network's nodes (SIGTERM, then SIGKILL after the script's timeout).
    pub fn stop(&self) {
        net_script(self.net, &["stop"], &[]);
    }

    /// Runs nodetool against node `n` of this network.
    pub fn nodetool(&self, n: usize, args: &[&str]) -> String {
        let mut a = vec!["nodetool".to_string(), n.to_string()];
        a.extend(args.iter().map(|s| s.to_string()));
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        net_script(self.net, &a, &[])
    }

    /// Driver options for this cluster: its first node, TLS with its CA and the given login
    /// when the cluster is secure.
    pub fn cql_options(&self, login: Option<(&str, &str)>) -> casstune::collect::cql::CqlOptions {
        use casstune::collect::cql::{CqlOptions, TlsOptions};
        CqlOptions {
            contact_points: vec![self.cluster.contact_points[0].clone()],
            port: self.cluster.cql_port,
            username: login.map(|(u, _)| u.to_string()),
            password: login.map(|(_, p)| p.to_string()),
            tls: self.tls_ca.as_ref().map(|ca| TlsOptions {
                ca_file: Some(ca.clone()),
                ..TlsOptions::default()
            }),
            connect_timeout: std::time::Duration::from_secs(10),
            request_timeout: std::time::Duration::from_secs(30),
            ..CqlOptions::default()
        }
    }

    /// A driver session on this cluster (retried for 90 s: the default superuser of a
    /// secure cluster appears a little after CQL opens).
    pub async fn session(&self, login: Option<(&str, &str)>) -> scylla::client::session::Session {
        let opts = self.cql_options(login);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
        loop {
            match casstune::collect::cql::connect(&opts).await {
                Ok(s) => return s,
                Err(e) if std::time::Instant::now() < deadline => {
                    eprintln!("support: net {} not ready yet: {e:#}", self.net);
                    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                }
                Err(e) => panic!("cannot connect to net {}: {e:#}", self.net),
            }
        }
    }

    /// Runs statements one after the other (as `login` on a secure cluster), then waits for
    /// schema agreement, like [`cql_exec`] does on network 0.
    pub fn exec(&self, login: Option<(&str, &str)>, statements: &[&str]) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        rt.block_on(async {
            let session = self.session(login).await;
            for s in statements {
                session
                    .query_unpaged(*s, &[])
                    .await
                    .unwrap_or_else(|e| panic!("{s}: {e}"));
            }
            let _ = session.await_schema_agreement().await;
        });
    }
}
