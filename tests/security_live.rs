//! casstune's credential and TLS paths against a real secure Cassandra 5.0 node: one node on
//! 127.0.1.1 with PasswordAuthenticator, CassandraAuthorizer and client-to-node TLS only (a PEM
//! keystore with an encrypted key), started by `scripts/cassandra.sh` with `CASSTUNE_NET=1
//! CASSTUNE_SECURE=1` through `support::secure_node()`, beside the shared 3-node cluster and
//! independent of it. The binary stops the node at exit when it started it
//! (`CASSTUNE_KEEP_SECURE_NODE=1` keeps it).
//!
//! The tests create a `casstune` role (LOGIN, a random password, `SELECT ON KEYSPACE
//! system_views`: all a collection needs) and a `casstune_bare` role (LOGIN only) as the default
//! superuser; casstune itself only reads.
//!
//! Planted secrets, none of which may reach a snapshot or any report: the keystore and
//! truststore passwords in the node's cassandra.yaml (read back through `--config` and
//! `system_views.settings`), a `-Dcassandra.casstune_test.secret_password=…` system property
//! on the node's command line (`system_views.system_properties`), and the role's password
//! (given to casstune, and in a traced `ALTER ROLE … PASSWORD` in `system_traces`).

mod support;

use std::path::Path;
use std::process::Output;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use casstune::collect::cql::{CqlOptions, TlsOptions};
use casstune::snapshot::{Archive, Rows};
use support::SecureNode;

static SERIAL: Mutex<()> = Mutex::new(());

/// One test at a time: timings stay meaningful on a 2-core box and the node is not swamped.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

const ROLE: &str = "casstune";
/// LOGIN and no grants.
const BARE_ROLE: &str = "casstune_bare";

struct Setup {
    node: &'static SecureNode,
    /// The casstune role's password (random per run).
    password: String,
}

/// The secure node with the casstune role set up (once per process).
fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let node = support::secure_node();
        eprintln!(
            "security_live: secure node {} ({}; cassandra.sh start took {:.1} s)",
            node.ip,
            if node.started_here {
                "started here"
            } else {
                "already running"
            },
            node.start_time.as_secs_f64()
        );
        let password = format!(
            "ctPw-{}-{}",
            support::random_token(),
            support::random_token()
        );
        let t0 = Instant::now();
        create_role(node, &password);
        eprintln!(
            "security_live: role set up in {:.1} s",
            t0.elapsed().as_secs_f64()
        );
        Setup { node, password }
    })
}

fn cql_opts(node: &SecureNode, user: &str, password: &str) -> CqlOptions {
    CqlOptions {
        contact_points: vec![node.ip.clone()],
        port: node.port,
        username: Some(user.to_string()),
        password: Some(password.to_string()),
        tls: Some(TlsOptions {
            ca_file: Some(node.ca.clone()),
            ..TlsOptions::default()
        }),
        connect_timeout: Duration::from_secs(5),
        ..CqlOptions::default()
    }
}

/// As the default superuser (created at start-up, so retried for a while): the roles, with
/// LOGIN and `password`, and the one grant a collection needs. The `CREATE`/`ALTER ROLE` is
/// traced: Cassandra 5.0 keeps the statement text, password included, in
/// `system_traces.sessions.parameters`, one more planted secret for the collection to meet.
fn create_role(node: &SecureNode, password: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(90);
        let session = loop {
            match casstune::collect::cql::connect(&cql_opts(node, "cassandra", "cassandra")).await {
                Ok(s) => break s,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("security_live: superuser not ready yet: {e:#}");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(e) => panic!("the default superuser cannot log in: {e:#}"),
            }
        };
        // Each role: created, or given the new password (traced, to plant it in
        // system_traces). 5.0 refuses a second password change of a role within 5 s ("can
        // only be changed every 5000ms"), so that one is retried.
        let mut statements = Vec::new();
        for role in [ROLE, BARE_ROLE] {
            let exists = session
                .query_unpaged(
                    format!("SELECT role FROM system_auth.roles WHERE role = '{role}'"),
                    &[],
                )
                .await
                .expect("system_auth.roles reads")
                .into_rows_result()
                .map_or(0, |r| r.rows_num())
                > 0;
            statements.push(if exists {
                format!("ALTER ROLE {role} WITH PASSWORD = '{password}'")
            } else {
                format!("CREATE ROLE {role} WITH LOGIN = true AND PASSWORD = '{password}'")
            });
        }
        // What a collection reads beyond what every role may read (system.local, peers,
        // size_estimates, system_schema, system_traces): the node-local virtual tables.
        // BARE_ROLE gets nothing (see role_without_grants).
        statements.push(format!("GRANT SELECT ON KEYSPACE system_views TO {ROLE}"));
        for s in &statements {
            let mut tries = 0;
            loop {
                let mut st = scylla::statement::Statement::new(s.as_str());
                st.set_tracing(s.contains("PASSWORD"));
                match session.query_unpaged(st, &[]).await {
                    Ok(_) => break,
                    Err(e) if e.to_string().contains("can only be changed every") && tries < 3 => {
                        tries += 1;
                        tokio::time::sleep(Duration::from_millis(5500)).await;
                    }
                    Err(e) => panic!("{}: {e}", s.replace(password, "<pw>")),
                }
            }
        }
        // Credentials and permissions are cached for up to 2 s (credentials_validity): wait
        // until the new password works.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match casstune::collect::cql::connect(&cql_opts(node, ROLE, password)).await {
                Ok(_) => break,
                Err(e) if Instant::now() < deadline => {
                    eprintln!(
                        "security_live: role not usable yet: {}",
                        e.to_string().replace(password, "<pw>")
                    );
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => panic!(
                    "the casstune role cannot log in: {}",
                    e.to_string().replace(password, "<pw>")
                ),
            }
        }
    });
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = support::casstune();
    cmd.args(args);
    for v in [
        "CASSTUNE_CONTACT_POINTS",
        "CASSTUNE_CQL_PORT",
        "CASSTUNE_USERNAME",
        "CASSTUNE_PASSWORD",
        "CQLSH_HOME",
    ] {
        cmd.env_remove(v);
    }
    cmd.env("HOME", "/nonexistent-casstune-test-home");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("casstune runs")
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// No secret in what casstune printed.
fn assert_quiet_about(o: &Output, secrets: &[&str]) {
    assert_no_secret_printed("casstune", o, secrets);
}

fn assert_no_secret_printed(what: &str, o: &Output, secrets: &[&str]) {
    for s in secrets {
        for (name, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
            assert!(
                !contains(bytes, s.as_bytes()),
                "{what}: a secret ({}…) appears on {name}:\n{}",
                &s[..6.min(s.len())],
                text(o)
            );
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

fn rows(a: &Archive, path: &str) -> Rows {
    a.get_json::<Rows>(path)
        .unwrap()
        .unwrap_or_else(|| panic!("no member {path}"))
}

/// A complete, authenticated, encrypted collection of the node: every system_views table
/// tuning reads, and the node itself saw casstune's connections as TLS ones of the role.
fn assert_full_snapshot(snap: &Path, node: &SecureNode) -> Archive {
    let a = Archive::read(snap).expect("the snapshot reads back");
    let m = &a.manifest;
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    assert_eq!(m.nodes.len(), 1, "{:?}", m.nodes);
    let n = &m.nodes[0];
    assert_eq!(n.id, node.ip);
    assert!(n.errors.is_empty(), "{}: {:?}", n.id, n.errors);
    assert_eq!(n.release_version.as_deref().map(|v| &v[..3]), Some("5.0"));
    for v in [
        "settings",
        "system_properties",
        "caches",
        "thread_pools",
        "disk_usage",
        "local_read_latency",
        "clients",
    ] {
        let table = format!("system_views.{v}");
        assert!(
            n.collected.contains(&format!("cql:{table}")),
            "no {table}: {:?}",
            n.collected
        );
    }
    assert_eq!(
        m.options.get("tls").map(String::as_str),
        Some("true"),
        "{:?}",
        m.options
    );
    assert_eq!(
        m.options.get("authenticated").map(String::as_str),
        Some("true"),
        "{:?}",
        m.options
    );
    let clients = rows(&a, &format!("nodes/{}/cql/system_views.clients.json", n.id));
    assert!(
        clients
            .records()
            .any(|r| r["username"] == ROLE && r["ssl_enabled"] == true),
        "the node lists no TLS connection of {ROLE}: {:?}",
        clients.rows
    );
    let settings = rows(
        &a,
        &format!("nodes/{}/cql/system_views.settings.json", n.id),
    );
    assert!(
        settings.records().any(|r| r["name"] == "authenticator"
            && r["value"]
                .as_str()
                .unwrap_or_default()
                .contains("PasswordAuthenticator")),
        "settings: {:?}",
        settings.rows.iter().take(5).collect::<Vec<_>>()
    );
    a
}

/// Runs a test body and prints its wall time (also when it fails).
fn timed<T>(name: &str, f: impl FnOnce() -> T) -> T {
    struct Clock<'a>(&'a str, Instant);
    impl Drop for Clock<'_> {
        fn drop(&mut self) {
            eprintln!(
                "security_live: {}: {:.2} s",
                self.0,
                self.1.elapsed().as_secs_f64()
            );
        }
    }
    let _clock = Clock(name, Instant::now());
    f()
}

#[test]
fn tls_and_password_from_the_environment() {
    let _g = serial();
    let s = setup();
    let n = s.node;
    timed("tls_and_password_from_the_environment", || {
        let dir = tempfile::tempdir().unwrap();
        let snap = dir.path().join("env.snap");
        let out = run(
            &[
                "collect",
                "-c",
                &n.ip,
                "--tls",
                "--tls-ca",
                n.ca.to_str().unwrap(),
                "-u",
                ROLE,
                "--interval",
                "0s",
                "-o",
                snap.to_str().unwrap(),
            ],
            &[("CASSTUNE_PASSWORD", &s.password)],
        );
        assert_quiet_about(&out, &[&s.password]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert_full_snapshot(&snap, n);
    });
}

#[test]
fn password_file_and_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let _g = serial();
    let s = setup();
    let n = s.node;
    timed("password_file_and_its_mode", || {
        let dir = tempfile::tempdir().unwrap();
        let pw = dir.path().join("pw");
        std::fs::write(&pw, format!("{}\n", s.password)).unwrap();
        for (mode, warned) in [(0o600, false), (0o644, true)] {
            std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(mode)).unwrap();
            let snap = dir.path().join(format!("pw{mode:o}.snap"));
            let out = run(
                &[
                    "collect",
                    "-c",
                    &n.ip,
                    "--tls-ca",
                    n.ca.to_str().unwrap(),
                    "-u",
                    ROLE,
                    "--password-file",
                    pw.to_str().unwrap(),
                    "--interval",
                    "0s",
                    "-o",
                    snap.to_str().unwrap(),
                ],
                &[],
            );
            assert_quiet_about(&out, &[&s.password]);
            assert_eq!(out.status.code(), Some(0), "mode {mode:o}: {}", text(&out));
            let err = String::from_utf8_lossy(&out.stderr);
            let warning = err.lines().any(|l| {
                l.contains("warning") && l.contains(pw.to_str().unwrap()) && l.contains("chmod 600")
            });
            assert_eq!(warning, warned, "mode {mode:o}: {}", text(&out));
            assert_full_snapshot(&snap, n);
        }
    });
}

#[test]
fn cqlshrc_with_credentials_file_and_ssl() {
    use std::os::unix::fs::PermissionsExt;
    let _g = serial();
    let s = setup();
    let n = s.node;
    timed("cqlshrc_with_credentials_file_and_ssl", || {
        let dir = tempfile::tempdir().unwrap();
        let cred = dir.path().join("credentials");
        std::fs::write(
            &cred,
            format!(
                "[PlainTextAuthProvider]\nusername = {ROLE}\npassword = {}\n",
                s.password
            ),
        )
        .unwrap();
        std::fs::set_permissions(&cred, std::fs::Permissions::from_mode(0o600)).unwrap();
        let rc = dir.path().join("cqlshrc");
        std::fs::write(
            &rc,
            format!(
                "[authentication]\ncredentials = {}\n\n[connection]\nhostname = {}\nport = {}\nssl = true\n\n[ssl]\ncertfile = {}\nvalidate = true\n",
                cred.display(),
                n.ip,
                n.port,
                n.ca.display()
            ),
        )
        .unwrap();
        let snap = dir.path().join("rc.snap");
        // No -c, -u, password or --tls: all of it comes from cqlshrc and its credentials file.
        let out = run(
            &[
                "collect",
                "--cqlshrc",
                rc.to_str().unwrap(),
                "--interval",
                "0s",
                "-o",
                snap.to_str().unwrap(),
            ],
            &[],
        );
        assert_quiet_about(&out, &[&s.password]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("warning"),
            "{}",
            text(&out)
        );
        assert_full_snapshot(&snap, n);
    });
}

/// The `cannot connect` line of a failed collection: exactly one, short, naming the node.
fn connect_error(o: &Output, node: &SecureNode) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("cannot connect"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", text(o));
    assert!(
        err.lines().count() <= 2,
        "a dump, not one line: {}",
        text(o)
    );
    assert!(err.lines().all(|l| l.len() < 600), "{}", text(o));
    assert!(
        lines[0].contains(&node.ip),
        "the node is not named: {}",
        text(o)
    );
    lines[0].to_string()
}

/// Runs a `collect` of the secure node that must be refused: exit code 2, no secret printed,
/// nothing written, refused before the 5 s connect timeout (a refusal is immediate: waiting
/// for the timeout would mean the error was not recognised), and one `cannot connect` line
/// naming the node, which is returned.
fn refused_collect(
    n: &SecureNode,
    args: &[&str],
    env: &[(&str, &str)],
    secrets: &[&str],
) -> String {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("refused.snap");
    let mut all = vec!["collect", "-c", n.ip.as_str()];
    all.extend_from_slice(args);
    all.extend(["--connect-timeout", "5s", "--interval", "0s", "-o"]);
    all.push(snap.to_str().unwrap());
    let t0 = Instant::now();
    let out = run(&all, env);
    let took = t0.elapsed();
    eprintln!(
        "security_live: {args:?} refused in {:.2} s",
        took.as_secs_f64()
    );
    assert_quiet_about(&out, secrets);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        took < Duration::from_secs(5),
        "not refused within the connect timeout: {took:?}"
    );
    assert!(!snap.exists(), "nothing collected, nothing written");
    connect_error(&out, n)
}

#[test]
fn wrong_or_missing_credentials_are_one_line_errors() {
    let _g = serial();
    let s = setup();
    let n = s.node;
    timed("wrong_or_missing_credentials_are_one_line_errors", || {
        let ca = n.ca.to_str().unwrap();
        let wrong = format!("wrongPw-{}", support::random_token());
        let line = refused_collect(
            n,
            &["--tls-ca", ca, "-u", ROLE],
            &[("CASSTUNE_PASSWORD", &wrong)],
            &[&wrong, &s.password],
        );
        assert!(line.to_lowercase().contains("authentication"), "{line}");
        assert!(line.contains(ROLE), "the user is not named: {line}");

        // No credentials at all for a node that requires them.
        let line = refused_collect(n, &["--tls-ca", ca], &[], &[&s.password]);
        assert!(
            line.to_lowercase().contains("authentication") && line.contains("--username"),
            "{line}"
        );
    });
}

#[test]
fn untrusted_ca_is_a_tls_error_and_tls_insecure_connects() {
    let _g = serial();
    let s = setup();
    let n = s.node;
    timed(
        "untrusted_ca_is_a_tls_error_and_tls_insecure_connects",
        || {
            let line = refused_collect(
                n,
                &["--tls-ca", n.untrusted_ca.to_str().unwrap(), "-u", ROLE],
                &[("CASSTUNE_PASSWORD", &s.password)],
                &[&s.password],
            );
            assert!(
                line.contains("TLS") && line.contains("certificate"),
                "{line}"
            );

            let dir = tempfile::tempdir().unwrap();
            let snap = dir.path().join("ca.snap");
            let out = run(
                &[
                    "collect",
                    "-c",
                    &n.ip,
                    "--tls-insecure",
                    "-u",
                    ROLE,
                    "--interval",
                    "0s",
                    "-o",
                    snap.to_str().unwrap(),
                ],
                &[("CASSTUNE_PASSWORD", &s.password)],
            );
            assert_quiet_about(&out, &[&s.password]);
            assert_eq!(out.status.code(), Some(0), "{}", text(&out));
            assert_full_snapshot(&snap, n);
        },
    );
}

#[test]
fn plaintext_against_a_tls_only_node_is_a_one_line_error() {
    let _g = serial();
    let s = setup();
    let n = s.node;
    timed(
        "plaintext_against_a_tls_only_node_is_a_one_line_error",
        || {
            let line = refused_collect(
                n,
                &["-u", ROLE],
                &[("CASSTUNE_PASSWORD", &s.password)],
                &[&s.password],
            );
            assert!(
                line.contains("--tls"),
                "no hint that the node may require TLS: {line}"
            );
        },
    );
}

#[test]
fn planted_secrets_reach_neither_the_snapshot_nor_any_report() {
    let _g = serial();
    let s = setup();
    let n = s.node;
    timed(
        "planted_secrets_reach_neither_the_snapshot_nor_any_report",
        || {
            let jvm_secret = n.jvm_secret.clone().unwrap_or_else(|| {
                panic!(
                    "the secure node runs without -D{}=… (started by hand?): stop it \
                 (CASSTUNE_NET=1 scripts/cassandra.sh stop) and rerun",
                    support::SECURE_JVM_SECRET_PROPERTY
                )
            });
            let secrets: Vec<&str> = vec![
                &s.password,
                &n.keystore_password,
                &n.truststore_password,
                &jvm_secret,
            ];
            // The planted secrets really are where the collection reads.
            let yaml = std::fs::read_to_string(n.conf_dir.join("cassandra.yaml")).unwrap();
            assert!(yaml.contains(&n.keystore_password) && yaml.contains(&n.truststore_password));

            let dir = tempfile::tempdir().unwrap();
            let snap = dir.path().join("secrets.snap");
            let conf = n.conf_dir.to_str().unwrap();
            let metrics_port = n.metrics_port.to_string();
            let out = run(
                &[
                    "collect",
                    "-c",
                    &n.ip,
                    "--tls-ca",
                    n.ca.to_str().unwrap(),
                    "-u",
                    ROLE,
                    "--config",
                    conf,
                    "--metrics-port",
                    &metrics_port,
                    "--interval",
                    "0s",
                    "-o",
                    snap.to_str().unwrap(),
                ],
                &[("CASSTUNE_PASSWORD", &s.password)],
            );
            assert_quiet_about(&out, &secrets);
            assert_eq!(out.status.code(), Some(0), "{}", text(&out));
            let a = assert_full_snapshot(&snap, n);
            let node = &n.ip;
            // Every source was collected: the files, the settings and properties, the scrape.
            assert!(
                a.get(&format!("nodes/{node}/files/cassandra.yaml"))
                    .is_some(),
                "no --config file"
            );
            assert!(
                a.paths_under(&format!("nodes/{node}/metrics/scrape-"))
                    .count()
                    >= 1,
                "no scrape"
            );
            let props = rows(
                &a,
                &format!("nodes/{node}/cql/system_views.system_properties.json"),
            );
            let planted = props
                .records()
                .find(|r| r["name"] == support::SECURE_JVM_SECRET_PROPERTY)
                .unwrap_or_else(|| {
                    panic!(
                        "system_properties lists no {}",
                        support::SECURE_JVM_SECRET_PROPERTY
                    )
                });
            assert_eq!(planted["value"], "<redacted>");

            let phase = Instant::now();
            let lap = |what: &str| {
                eprintln!(
                    "security_live:   {what} at {:.1} s",
                    phase.elapsed().as_secs_f64()
                )
            };
            let bytes = std::fs::read(&snap).unwrap();
            let tar = zstd::decode_all(&bytes[..]).expect("a zstd stream");
            for secret in &secrets {
                assert!(
                    !contains(&tar, secret.as_bytes()),
                    "a planted secret ({}…) is in the snapshot",
                    &secret[..8]
                );
            }
            let tar_text = String::from_utf8_lossy(&tar);
            // …though each place that held one was collected: yaml, settings, properties, and the
            // traced CREATE/ALTER ROLE … PASSWORD in system_traces.
            for name in [
                "keystore_password",
                "truststore_password",
                support::SECURE_JVM_SECRET_PROPERTY,
                &format!("ROLE {ROLE} WITH "),
            ] {
                assert!(
                    tar_text.contains(name),
                    "the snapshot has no {name:?} at all: was it collected?"
                );
            }

            // Every report format of the snapshot, and of a live run with the same sources. All
            // formats run before the assertions, so a failure lists every leaking output.
            let formats = ["table", "json", "sarif", "github", "markdown", "html"];
            let mut leaks = Vec::new();
            let mut check = |what: String, out: &Output| {
                assert!(
                    matches!(out.status.code(), Some(0 | 1)),
                    "{what}: {}",
                    text(out)
                );
                assert!(!out.stdout.is_empty(), "{what} printed nothing");
                for secret in &secrets {
                    if contains(&out.stdout, secret.as_bytes())
                        || contains(&out.stderr, secret.as_bytes())
                    {
                        leaks.push(format!(
                            "{what} prints a planted secret ({}…)",
                            &secret[..8]
                        ));
                    }
                }
            };
            for f in formats {
                let out = run(&["analyze", snap.to_str().unwrap(), "--format", f], &[]);
                check(format!("analyze SNAPSHOT --format {f}"), &out);
            }
            let live = |f: &str, save: Option<&Path>| {
                // No --metrics-port: seven exporter scrapes at once outrun the 10 s timeout on a busy
                // 2-core box, and the scrape is in the snapshot above.
                let mut args = vec![
                    "analyze",
                    "-c",
                    &n.ip,
                    "--tls-ca",
                    n.ca.to_str().unwrap(),
                    "-u",
                    ROLE,
                    "--config",
                    conf,
                    "--interval",
                    "0s",
                    "--format",
                    f,
                ];
                if let Some(p) = save {
                    args.extend(["--save", p.to_str().unwrap()]);
                }
                run(&args, &[("CASSTUNE_PASSWORD", &s.password)])
            };
            lap("6 analyses of the snapshot done");
            // The live runs mostly wait on the node: side by side they take a fraction of the time.
            let saved = dir.path().join("live.snap");
            let outs: Vec<(String, Output)> = std::thread::scope(|sc| {
                let mut handles: Vec<_> = formats
                    .iter()
                    .map(|&f| {
                        let live = &live;
                        sc.spawn(move || (format!("live analyze --format {f}"), live(f, None)))
                    })
                    .collect();
                handles.push(sc.spawn(|| {
                    (
                        "live analyze --format markdown --save FILE".to_string(),
                        live("markdown", Some(&saved)),
                    )
                }));
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            lap("7 live analyses done");
            for (what, out) in &outs {
                check(what.clone(), out);
            }
            let tar = zstd::decode_all(&std::fs::read(&saved).unwrap()[..]).unwrap();
            for secret in &secrets {
                if contains(&tar, secret.as_bytes()) {
                    leaks.push(format!(
                        "analyze --save's snapshot holds a planted secret ({}…)",
                        &secret[..8]
                    ));
                }
            }
            assert!(leaks.is_empty(), "{}", leaks.join("\n"));
        },
    );
}

/// A role that may only log in reads the cluster tables, system.local and the traces, but no
/// virtual table: a partial snapshot (exit 3), every refusal recorded. The casstune role above
/// needs exactly `GRANT SELECT ON KEYSPACE system_views`.
#[test]
fn role_without_grants() {
    let _g = serial();
    let s = setup();
    let n = s.node;
    timed("role_without_grants", || {
        let dir = tempfile::tempdir().unwrap();
        let snap = dir.path().join("bare.snap");
        let out = run(
            &[
                "collect",
                "-c",
                &n.ip,
                "--tls-ca",
                n.ca.to_str().unwrap(),
                "-u",
                BARE_ROLE,
                "--interval",
                "0s",
                "-o",
                snap.to_str().unwrap(),
            ],
            &[("CASSTUNE_PASSWORD", &s.password)],
        );
        assert_quiet_about(&out, &[&s.password]);
        assert_eq!(out.status.code(), Some(3), "{}", text(&out));
        let a = Archive::read(&snap).unwrap();
        assert!(a.manifest.errors.is_empty(), "{:?}", a.manifest.errors);
        let node = &a.manifest.nodes[0];
        for t in ["system.local", "system.size_estimates"] {
            assert!(
                node.collected.contains(&format!("cql:{t}")),
                "{t}: {:?}",
                node.collected
            );
        }
        assert!(a.get("cluster/system_schema.tables.json").is_some());
        assert!(a.get("traces/sessions.json").is_some());
        assert!(!node.errors.is_empty());
        for e in &node.errors {
            assert!(e.source.starts_with("cql:system_views."), "{e:?}");
            assert!(e.message.contains("no SELECT permission"), "{e:?}");
        }
    });
}
