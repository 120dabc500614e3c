//! Snapshot archives: round trip, the tar layout other tools see, determinism, redaction of
//! planted secrets, format versions, and every way a file can fail to be a snapshot.
//!
//! Real inputs, read in place: Cassandra 5.0.2's stock `cassandra.yaml`, `jvm-server.options`,
//! `jvm17-server.options` and `cassandra-env.sh` from `../shared/fixtures/upstream/5.0.2/`
//! (tests that need them are skipped with a message when that directory is absent, as in the
//! other suites), and `fixtures/scrapes/node1-idle.prom` (a real scrape of a 5.0 node). CQL rows
//! are hand-made in the shape the collector writes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use casstune::snapshot::archive::MAX_MEMBER_BYTES;
use casstune::snapshot::{Archive, FORMAT_VERSION, Rows, SourceError};
use serde_json::json;

// ---------------------------------------------------------------------------------------
// Helpers

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn scrape() -> String {
    read_text(&manifest_dir().join("fixtures/scrapes/node1-idle.prom"))
}

/// Cassandra 5.0.2's stock conf dir, or `None` (with a message) when ../shared is absent.
fn upstream() -> Option<PathBuf> {
    let p = manifest_dir().join("../shared/fixtures/upstream/5.0.2");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared/fixtures is absent (it sits beside the checkout in CI)");
        None
    }
}

fn rows(query: &str, columns: &[&str], rows: Vec<serde_json::Value>) -> Rows {
    Rows {
        query: query.into(),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows: rows
            .into_iter()
            .map(|r| r.as_array().cloned().expect("a row is an array"))
            .collect(),
    }
}

/// An archive as `collect` builds it: two nodes with their config files (real), scrapes (real),
/// node-local tables, cluster tables, traces.
fn realistic(conf: &Path) -> Archive {
    let mut a = Archive::new("2026-11-22T18:00:00Z".into());
    a.manifest.duration_seconds = 4.25;
    a.manifest.cluster_name = Some("Test Cluster".into());
    a.manifest
        .options
        .insert("contact_points".into(), "10.0.0.1".into());
    for (i, node) in ["10.0.0.1", "10.0.0.2:9043"].into_iter().enumerate() {
        for file in [
            "cassandra.yaml",
            "jvm-server.options",
            "jvm17-server.options",
            "cassandra-env.sh",
        ] {
            a.put(
                format!("nodes/{node}/files/{file}"),
                read_text(&conf.join(file)),
            );
        }
        a.put(format!("nodes/{node}/metrics/scrape-0.prom"), scrape());
        a.put_json(
            format!("nodes/{node}/metrics/scrape-0.json"),
            &json!({"url": format!("http://{node}:9404/metrics"), "seconds": 0.031}),
        );
        let settings = rows(
            "SELECT * FROM system_views.settings",
            &["name", "value"],
            vec![
                json!(["num_tokens", "16"]),
                json!(["credentials_validity", "2000ms"]),
                json!(["concurrent_reads", "32"]),
            ],
        );
        a.put_json(
            format!("nodes/{node}/cql/system_views.settings.json"),
            &settings,
        );
        let local = rows(
            "SELECT * FROM system.local",
            &["key", "release_version", "tokens", "data_center"],
            vec![json!(["local", "5.0.2", ["-9", "42"], "dc1"])],
        );
        a.put_json(format!("nodes/{node}/cql/system.local.json"), &local);
        a.put_json(
            format!("nodes/{node}/host.json"),
            &json!({"cores": 8 + i, "ram_bytes": 34359738368u64}),
        );
        let e = a.node_entry(node);
        e.release_version = Some("5.0.2".into());
        e.collected = vec!["cql:system.local".into(), "metrics:scrape".into()];
    }
    a.put_json(
        "cluster/system_schema.tables.json",
        &rows(
            "SELECT * FROM system_schema.tables",
            &["keyspace_name", "table_name", "compaction"],
            vec![json!(["ks", "events", {"class": "UnifiedCompactionStrategy"}])],
        ),
    );
    a.put_json(
        "traces/events.json",
        &rows(
            "SELECT * FROM system_traces.events",
            &["session_id", "activity", "source"],
            vec![json!([
                "5f1c…",
                "Parsing SELECT * FROM ks.events WHERE id = ?",
                "10.0.0.1"
            ])],
        ),
    );
    a
}

fn decompress(bytes: &[u8]) -> Vec<u8> {
    zstd::decode_all(bytes).expect("a zstd stream")
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// A tar.zst built by hand, member by member (names written raw, so unsafe ones too).
fn raw_archive(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, bytes) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.as_old_mut().name[..path.len()].copy_from_slice(path.as_bytes());
        h.set_cksum();
        b.append(&h, *bytes).unwrap();
    }
    zstd::encode_all(&b.into_inner().unwrap()[..], 3).unwrap()
}

/// A current-format manifest for hand-made archives, listing `members`.
fn manifest_json(members: &[(&str, &[u8])]) -> Vec<u8> {
    let listed: Vec<_> = members
        .iter()
        .map(|(p, b)| json!({"path": p, "bytes": b.len()}))
        .collect();
    serde_json::to_vec(&json!({
        "format": "casstune-snapshot", "format_version": FORMAT_VERSION, "tool_version": "0.1.0",
        "created_at": "2026-01-01T00:00:00Z", "duration_seconds": 0.0, "options": {},
        "cluster_name": null, "nodes": [], "errors": [], "members": listed
    }))
    .unwrap()
}

fn err_text(r: anyhow::Result<Archive>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => format!("{e:#}"),
    }
}

// ---------------------------------------------------------------------------------------
// Round trip and layout

#[test]
fn round_trip_keeps_every_member_and_the_manifest() {
    let Some(conf) = upstream() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cluster.snap");
    let mut a = realistic(&conf);
    a.manifest.errors.push(SourceError {
        source: "cql:system_schema.views".into(),
        message: "timed out".into(),
    });
    a.write(&path, &[]).unwrap();

    let back = Archive::read(&path).unwrap();
    assert_eq!(back.manifest, a.manifest);
    let written: Vec<(&str, &[u8])> = a.members().collect();
    let read: Vec<(&str, &[u8])> = back.members().collect();
    assert_eq!(read, written);
    assert_eq!(written.len(), 2 * 9 + 2);
    // The manifest lists every member with its size.
    let listed: Vec<(&str, u64)> = back
        .manifest
        .members
        .iter()
        .map(|m| (m.path.as_str(), m.bytes))
        .collect();
    let actual: Vec<(&str, u64)> = read.iter().map(|(p, b)| (*p, b.len() as u64)).collect();
    assert_eq!(listed, actual);
    assert!(back.is_partial(), "the recorded error survives");

    // Members without secrets come back byte for byte; the yaml keeps its line count.
    assert_eq!(
        back.get_text("nodes/10.0.0.1/metrics/scrape-0.prom")
            .unwrap(),
        scrape()
    );
    let stock = read_text(&conf.join("jvm17-server.options"));
    assert_eq!(
        back.get_text("nodes/10.0.0.2:9043/files/jvm17-server.options")
            .unwrap(),
        stock
    );
    let yaml = read_text(&conf.join("cassandra.yaml"));
    let got = back
        .get_text("nodes/10.0.0.1/files/cassandra.yaml")
        .unwrap();
    assert_eq!(got.lines().count(), yaml.lines().count());
    let settings: Rows = back
        .get_json("nodes/10.0.0.1/cql/system_views.settings.json")
        .unwrap()
        .unwrap();
    assert_eq!(settings.rows[0], vec![json!("num_tokens"), json!("16")]);
    // No temporary file is left beside the target.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["cluster.snap"]);
}

#[test]
fn tar_sees_the_manifest_first_and_the_same_listing() {
    let Some(conf) = upstream() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cluster.snap");
    let mut a = realistic(&conf);
    a.write(&path, &[]).unwrap();

    let tar = decompress_with_cli(&path);
    let listing = run_tar(&tar, &["-t", "-f", "-"]);
    let mut expected = vec!["manifest.json".to_string()];
    expected.extend(a.members().map(|(p, _)| p.to_string()));
    assert_eq!(listing.lines().collect::<Vec<_>>(), expected);

    // Owner 0/0, mode 0644, mtime at the epoch: nothing about the machine or the moment.
    let verbose = run_tar(&tar, &["-t", "-v", "--numeric-owner", "-f", "-"]);
    for line in verbose.lines() {
        assert!(line.starts_with("-rw-r--r-- 0/0"), "{line}");
        assert!(line.contains("1970-01-01"), "{line}");
    }
}

fn decompress_with_cli(path: &Path) -> Vec<u8> {
    let out = Command::new("zstd")
        .args(["-d", "-c", "-q"])
        .arg(path)
        .output()
        .expect("the zstd command (apt-get install zstd)");
    assert!(
        out.status.success(),
        "zstd -dc: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn run_tar(input: &[u8], args: &[&str]) -> String {
    use std::io::Write;
    let mut child = Command::new("tar")
        .args(args)
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the tar command");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "tar {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn same_content_gives_the_same_bytes() {
    let Some(conf) = upstream() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (p1, p2) = (dir.path().join("a.snap"), dir.path().join("b.snap"));
    let extra = vec!["Pw-CQL-4711".to_string()];
    realistic(&conf).write(&p1, &extra).unwrap();
    let mut again = realistic(&conf);
    again.write(&p2, &extra).unwrap();
    let (b1, b2) = (std::fs::read(&p1).unwrap(), std::fs::read(&p2).unwrap());
    assert!(b1 == b2, "two writes of the same content differ");
    // Writing the (already redacted) archive again changes nothing either.
    assert!(again.to_bytes(&extra) == b1);
    // And the content does matter.
    let mut other = realistic(&conf);
    other.put("nodes/10.0.0.1/host.json", "{}\n");
    assert!(other.to_bytes(&extra) != b1);
}

// ---------------------------------------------------------------------------------------
// Redaction

/// Each planted secret, unique so a leak is unambiguous.
const PLANTED: &[&str] = &[
    "SRV-ks-secret-1",
    "SRV-ts-secret-2",
    "SRV-out-secret-3",
    "CLI-ks-secret-4",
    "CLI-ts-secret-5",
    "CLI-pw-secret-6",
    "TDE-ks-secret-7",
    "TDE-key-secret-8",
    "JVM-ks-secret-9",
    "JVM-jmx-secret-10",
    "ENV-ts-secret-11",
    "ENV-jmx-secret-12",
    "SET-ks-secret-13",
    "SET-ts-secret-14",
    "PROP-ts-secret-15",
    "HASH-secret-16",
    "Pw-CQL-4711",
];

/// Replaces one exact line (which must exist) of the stock file.
fn plant(text: &mut String, line: &str, with: &str) {
    let at = text
        .find(&format!("\n{line}\n"))
        .unwrap_or_else(|| panic!("no line {line:?}"));
    text.replace_range(at + 1..at + 1 + line.len(), with);
}

#[test]
fn planted_secrets_never_reach_the_archive_and_neighbours_survive() {
    let Some(conf) = upstream() else { return };
    let node = "nodes/10.0.0.1";
    let mut a = realistic(&conf);

    // cassandra.yaml: server and client encryption options, the nested TDE key provider.
    let mut yaml = read_text(&conf.join("cassandra.yaml"));
    plant(
        &mut yaml,
        "  #keystore_password: cassandra",
        "  keystore_password: SRV-ks-secret-1",
    );
    plant(
        &mut yaml,
        "  #truststore_password: cassandra",
        "  truststore_password: \"SRV-ts-secret-2\" # planted",
    );
    plant(
        &mut yaml,
        "#  outbound_keystore_password: cassandra",
        "  outbound_keystore_password: SRV-out-secret-3",
    );
    plant(
        &mut yaml,
        "  #keystore_password: cassandra",
        "  keystore_password: 'CLI-ks-secret-4'",
    );
    plant(
        &mut yaml,
        "  # truststore_password: cassandra",
        "  truststore_password: CLI-ts-secret-5",
    );
    plant(
        &mut yaml,
        "  enabled: false",
        "  enabled: false\n  password: CLI-pw-secret-6",
    );
    plant(
        &mut yaml,
        "          keystore_password: cassandra",
        "          keystore_password: TDE-ks-secret-7",
    );
    plant(
        &mut yaml,
        "          key_password: cassandra",
        "          key_password: TDE-key-secret-8",
    );
    a.put(format!("{node}/files/cassandra.yaml"), yaml.clone());

    let mut jvm = read_text(&conf.join("jvm17-server.options"));
    jvm.push_str("-Djavax.net.ssl.keyStorePassword=JVM-ks-secret-9\n-Dcassandra.jmx.remote.password=JVM-jmx-secret-10\n");
    a.put(format!("{node}/files/jvm17-server.options"), jvm);

    let mut env = read_text(&conf.join("cassandra-env.sh"));
    env.push_str("JVM_OPTS=\"$JVM_OPTS -Djavax.net.ssl.trustStorePassword=ENV-ts-secret-11\"\nexport JMX_PASSWORD=ENV-jmx-secret-12\n");
    a.put(format!("{node}/files/cassandra-env.sh"), env);

    let settings = rows(
        "SELECT * FROM system_views.settings",
        &["name", "value"],
        vec![
            json!(["num_tokens", "16"]),
            json!([
                "server_encryption_options_keystore_password",
                "SET-ks-secret-13"
            ]),
            json!([
                "client_encryption_options.truststore_password",
                "SET-ts-secret-14"
            ]),
            json!(["server_encryption_options_keystore", "conf/.keystore"]),
            json!(["credentials_validity", "2000ms"]),
        ],
    );
    a.put_json(format!("{node}/cql/system_views.settings.json"), &settings);
    let props = rows(
        "SELECT * FROM system_views.system_properties",
        &["name", "value"],
        vec![
            json!(["java.version", "17.0.15"]),
            json!(["javax.net.ssl.trustStorePassword", "PROP-ts-secret-15"]),
            json!([
                "com.sun.management.jmxremote.password.file",
                "/etc/cassandra/jmxremote.password"
            ]),
        ],
    );
    a.put_json(
        format!("{node}/cql/system_views.system_properties.json"),
        &props,
    );
    let roles = rows(
        "SELECT * FROM system_auth.roles",
        &["role", "can_login", "is_superuser", "salted_hash"],
        vec![json!(["app", true, false, "HASH-secret-16"])],
    );
    a.put_json("cluster/system_auth.roles.json", &roles);

    // The CQL password the user gave: in a scrape label, a trace event, an error message.
    let mut prom = scrape();
    prom.push_str("casstune_planted{role=\"app\",note=\"Pw-CQL-4711\"} 1.0\n");
    a.put(format!("{node}/metrics/scrape-0.prom"), prom);
    let events = rows(
        "SELECT * FROM system_traces.events",
        &["session_id", "activity", "source"],
        vec![json!([
            "5f1c",
            "Authenticating app with Pw-CQL-4711 from 10.0.0.9",
            "10.0.0.1"
        ])],
    );
    a.put_json("traces/events.json", &events);
    a.manifest.errors.push(SourceError {
        source: "cql:auth".into(),
        message: "login app/Pw-CQL-4711 rejected".into(),
    });

    for s in PLANTED {
        let anywhere =
            a.members().any(|(_, b)| contains(b, s)) || a.manifest.errors[0].message.contains(s);
        assert!(anywhere, "{s} was not planted");
    }

    let bytes = a.to_bytes(&["Pw-CQL-4711".to_string()]);
    let tar = decompress(&bytes);
    for s in PLANTED {
        assert!(!contains(&tar, s), "{s} leaked into the archive");
    }

    let back = Archive::from_bytes(&bytes, "planted.snap").unwrap();
    let yaml_back = back
        .get_text(&format!("{node}/files/cassandra.yaml"))
        .unwrap();
    assert_eq!(yaml_back.lines().count(), yaml.lines().count());
    for line in [
        "  keystore_password: <redacted>",
        "  truststore_password: <redacted> # planted",
        "          key_password: <redacted>",
        "  password: <redacted>",
        "  keystore: conf/.keystore",
        "num_tokens: 16",
        "credentials_validity: 2000ms",
    ] {
        assert!(yaml_back.lines().any(|l| l == line), "no line {line:?}");
    }
    // Everything but the planted lines is the stock file.
    let changed = yaml
        .lines()
        .zip(yaml_back.lines())
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(changed, 8);

    let jvm_back = back
        .get_text(&format!("{node}/files/jvm17-server.options"))
        .unwrap();
    assert!(jvm_back.ends_with(
        "-Djavax.net.ssl.keyStorePassword=<redacted>\n-Dcassandra.jmx.remote.password=<redacted>\n"
    ));
    assert!(jvm_back.starts_with(&read_text(&conf.join("jvm17-server.options"))));
    let env_back = back
        .get_text(&format!("{node}/files/cassandra-env.sh"))
        .unwrap();
    assert!(env_back.contains(
        "-Dcom.sun.management.jmxremote.password.file=/etc/cassandra/jmxremote.password\""
    ));
    assert!(env_back.ends_with(
        "-Djavax.net.ssl.trustStorePassword=<redacted>\"\nexport JMX_PASSWORD=<redacted>\n"
    ));

    let settings: Rows = back
        .get_json(&format!("{node}/cql/system_views.settings.json"))
        .unwrap()
        .unwrap();
    let values: Vec<&str> = settings
        .rows
        .iter()
        .map(|r| r[1].as_str().unwrap())
        .collect();
    assert_eq!(
        values,
        ["16", "<redacted>", "<redacted>", "conf/.keystore", "2000ms"]
    );
    let props: Rows = back
        .get_json(&format!("{node}/cql/system_views.system_properties.json"))
        .unwrap()
        .unwrap();
    let values: Vec<&str> = props.rows.iter().map(|r| r[1].as_str().unwrap()).collect();
    assert_eq!(
        values,
        ["17.0.15", "<redacted>", "/etc/cassandra/jmxremote.password"]
    );
    let roles: Rows = back
        .get_json("cluster/system_auth.roles.json")
        .unwrap()
        .unwrap();
    assert_eq!(
        roles.rows[0],
        vec![json!("app"), json!(true), json!(false), json!("<redacted>")]
    );

    let prom_back = back
        .get_text(&format!("{node}/metrics/scrape-0.prom"))
        .unwrap();
    assert_eq!(
        prom_back,
        format!(
            "{}casstune_planted{{role=\"app\",note=\"<redacted>\"}} 1.0\n",
            scrape()
        )
    );
    let events: Rows = back.get_json("traces/events.json").unwrap().unwrap();
    assert_eq!(
        events.rows[0][1],
        json!("Authenticating app with <redacted> from 10.0.0.9")
    );
    assert_eq!(
        back.manifest.errors[0].message,
        "login app/<redacted> rejected"
    );
    // The archive in memory is what was written.
    assert_eq!(a.manifest, back.manifest);
    assert!(a.members().eq(back.members()));
}

// ---------------------------------------------------------------------------------------
// Format versions

#[test]
fn a_newer_format_asks_for_an_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.snap");
    let mut a = Archive::new("2030-01-01T00:00:00Z".into());
    a.manifest.format_version = FORMAT_VERSION + 1;
    a.put("nodes/a/metrics/scrape-0.prom", scrape());
    a.write(&path, &[]).unwrap();
    let e = err_text(Archive::read(&path));
    let want = format!(
        "written by a newer casstune (format {}, this build reads ≤ {FORMAT_VERSION}); upgrade casstune",
        FORMAT_VERSION + 1
    );
    assert!(e.contains(&want), "{e}");
    assert!(e.contains("future.snap"), "{e}");
}

#[test]
fn a_format_0_archive_is_migrated() {
    // Format 0: the manifest before `members` existed.
    let manifest = serde_json::to_vec(&json!({
        "format": "casstune-snapshot", "format_version": 0, "tool_version": "0.0.9",
        "created_at": "2025-06-01T00:00:00Z", "duration_seconds": 2.0,
        "options": {"contact_points": "10.0.0.1"}, "cluster_name": "old",
        "nodes": [{"id": "10.0.0.1", "host_id": null, "datacenter": "dc1", "rack": null,
                   "release_version": "4.1.7", "collected": [], "errors": []}],
        "errors": []
    }))
    .unwrap();
    let prom = scrape();
    let bytes = raw_archive(&[
        ("manifest.json", &manifest),
        ("nodes/10.0.0.1/metrics/scrape-0.prom", prom.as_bytes()),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.snap");
    std::fs::write(&path, &bytes).unwrap();
    let a = Archive::read(&path).unwrap();
    assert_eq!(a.manifest.format_version, FORMAT_VERSION);
    assert_eq!(a.manifest.cluster_name.as_deref(), Some("old"));
    assert_eq!(
        a.manifest.nodes[0].release_version.as_deref(),
        Some("4.1.7")
    );
    assert_eq!(a.manifest.members.len(), 1);
    assert_eq!(a.manifest.members[0].bytes, prom.len() as u64);
    assert_eq!(
        a.get_text("nodes/10.0.0.1/metrics/scrape-0.prom"),
        Some(prom.as_str())
    );
}

// ---------------------------------------------------------------------------------------
// Not a snapshot

#[test]
fn files_that_are_not_snapshots_are_named_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let prom = scrape();
    let mut random = Vec::with_capacity(4096);
    let mut x: u64 = 0x9e3779b97f4a7c15;
    for _ in 0..4096 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        random.push(x as u8);
    }
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.snap", Vec::new(), "is empty"),
        ("random.snap", random, "not zstd-compressed"),
        (
            "scrape.snap",
            prom.clone().into_bytes(),
            "not zstd-compressed",
        ),
        (
            "text.zst",
            zstd::encode_all(prom.as_bytes(), 3).unwrap(),
            "not a tar archive",
        ),
        (
            "empty.zst",
            zstd::encode_all(&b""[..], 3).unwrap(),
            "holds no members",
        ),
        (
            "plain.tar.zst",
            raw_archive(&[("nodes/a/metrics/scrape-0.prom", prom.as_bytes())]),
            "expected manifest.json",
        ),
        (
            "late.tar.zst",
            raw_archive(&[("a.txt", b"x"), ("manifest.json", &manifest_json(&[]))]),
            "expected manifest.json",
        ),
        (
            "other.tar.zst",
            raw_archive(&[(
                "manifest.json",
                br#"{"format":"docker-image","format_version":1}"#,
            )]),
            "expected \"casstune-snapshot\"",
        ),
        (
            "nojson.tar.zst",
            raw_archive(&[("manifest.json", b"format: casstune-snapshot\n")]),
            "manifest.json is not JSON",
        ),
    ];
    for (name, bytes, why) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let e = err_text(Archive::read(&path));
        assert!(e.contains("not a casstune snapshot"), "{name}: {e}");
        assert!(e.contains(&path.display().to_string()), "{name}: {e}");
        assert!(e.contains(why), "{name}: {e}");
        assert!(Archive::read_partial(&path).is_err(), "{name}");
    }
    let missing = dir.path().join("missing.snap");
    let e = err_text(Archive::read(&missing));
    assert!(e.contains("missing.snap"), "{e}");
}

// ---------------------------------------------------------------------------------------
// Damage

/// A small archive: manifest and members all in the first zstd blocks would make most cuts
/// fall before the manifest; the realistic one spans many blocks.
fn sizeable() -> Vec<u8> {
    let mut a = Archive::new("2026-11-22T18:00:00Z".into());
    for node in ["10.0.0.1", "10.0.0.2", "10.0.0.3"] {
        a.put(format!("nodes/{node}/metrics/scrape-0.prom"), scrape());
        a.put(
            format!("nodes/{node}/metrics/scrape-1.prom"),
            scrape().replace(" 0.0\n", " 1.0\n"),
        );
    }
    a.to_bytes(&[])
}

#[test]
fn a_truncated_archive_says_so_at_every_cut() {
    let bytes = sizeable();
    let mut cuts: Vec<usize> = (1..bytes.len()).step_by(bytes.len() / 53).collect();
    cuts.extend([
        1,
        3,
        4,
        5,
        12,
        bytes.len() - 1,
        bytes.len() - 4,
        bytes.len() - 5,
    ]);
    let mut partial_seen = false;
    for cut in cuts {
        let e = err_text(Archive::from_bytes(&bytes[..cut], "cut.snap"));
        assert!(e.contains("cut.snap"), "cut {cut}: {e}");
        if cut >= 4 {
            assert!(e.contains("truncated"), "cut {cut}: {e}");
        }
        if let Ok((a, problems)) = Archive::from_bytes_partial(&bytes[..cut], "cut.snap") {
            assert!(!problems.is_empty(), "cut {cut}");
            assert!(
                e.contains(&format!(
                    "{} of the 6 members in its manifest could be read",
                    a.members().count()
                )),
                "cut {cut}: {e}"
            );
            if let Some((first, _)) = a.members().next() {
                assert!(e.contains(first), "cut {cut}: {e}");
                partial_seen = true;
            }
        }
    }
    assert!(partial_seen, "no cut left readable members");
}

#[test]
fn a_late_cut_keeps_what_was_read() {
    let bytes = sizeable();
    let (a, problems) =
        Archive::from_bytes_partial(&bytes[..bytes.len() - 100], "late.snap").unwrap();
    assert!(
        problems.iter().any(|p| p.contains("truncated")),
        "{problems:?}"
    );
    assert_eq!(a.manifest.members.len(), 6);
    assert!(a.members().count() >= 1, "{problems:?}");
    for (path, b) in a.members() {
        let entry = a.manifest.members.iter().find(|m| m.path == path).unwrap();
        assert_eq!(entry.bytes, b.len() as u64, "{path} was kept though cut");
    }
}

#[test]
fn flipped_bytes_never_panic() {
    let bytes = sizeable();
    for i in (0..bytes.len()).step_by(97) {
        let mut damaged = bytes.clone();
        damaged[i] ^= 0x5a;
        // Whatever the verdict, it is a verdict.
        let _ = Archive::from_bytes(&damaged, "flipped.snap");
        let _ = Archive::from_bytes_partial(&damaged, "flipped.snap");
    }
    let mut damaged = bytes.clone();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 0xff;
    let e = err_text(Archive::from_bytes(&damaged, "flipped.snap"));
    assert!(e.contains("flipped.snap"), "{e}");
}

/// Damage below the compression: tar headers, sizes and names turned to garbage, recompressed
/// so zstd is happy and tar has to cope. Deterministic (xorshift), a few thousand cases.
#[test]
fn garbage_tar_never_panics() {
    let mut a = Archive::new("2026-11-22T18:00:00Z".into());
    a.put(format!("nodes/{}/x.prom", "n".repeat(150)), "m 1\n"); // a GNU long name
    a.put(
        "nodes/a/cql/system.local.json",
        "{\"columns\":[],\"rows\":[]}\n",
    );
    a.put("nodes/a/files/cassandra.yaml", "num_tokens: 16\n");
    let tar = decompress(&a.to_bytes(&[]));
    let mut x: u64 = 88172645463325252;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..3000 {
        let mut b = tar.clone();
        for _ in 0..1 + rnd() % 4 {
            let p = (rnd() as usize) % b.len();
            match rnd() % 4 {
                0 => b[p] ^= (rnd() % 255 + 1) as u8,
                1 => b.truncate(p.max(1)),
                2 => b.insert(p, rnd() as u8),
                _ => {
                    let end = (p + rnd() as usize % 600).min(b.len());
                    b[p..end].fill(b'7'); // digits where tar expects octal fields
                }
            }
        }
        let b = zstd::encode_all(&b[..], 1).unwrap();
        let _ = Archive::from_bytes_partial(&b, "garbage.snap");
    }
}

// ---------------------------------------------------------------------------------------
// Hostile members

#[test]
fn path_traversal_and_absolute_members_are_rejected() {
    let good: &[u8] = b"{}\n";
    for bad in [
        "../../etc/cron.d/x",
        "/etc/passwd",
        "nodes/../../x",
        "nodes/a/./b",
    ] {
        let listed = [("nodes/a/host.json", good)];
        let manifest = manifest_json(&listed);
        let bytes = raw_archive(&[
            ("manifest.json", &manifest),
            (bad, b"evil"),
            ("nodes/a/host.json", good),
        ]);
        let e = err_text(Archive::from_bytes(&bytes, "hostile.snap"));
        assert!(e.contains("hostile.snap") && e.contains(bad), "{bad}: {e}");
        assert!(
            e.contains("relative paths inside the archive"),
            "{bad}: {e}"
        );
        let (a, problems) = Archive::from_bytes_partial(&bytes, "hostile.snap").unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            a.members().map(|(p, _)| p).collect::<Vec<_>>(),
            ["nodes/a/host.json"]
        );
    }
}

#[test]
fn links_and_oversized_members_are_rejected() {
    let manifest = manifest_json(&[]);
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(manifest.len() as u64);
    b.append_data(&mut h, "manifest.json", &manifest[..])
        .unwrap();
    let mut link = tar::Header::new_gnu();
    link.set_entry_type(tar::EntryType::Symlink);
    link.set_size(0);
    b.append_link(&mut link, "nodes/a/host.json", "/etc/shadow")
        .unwrap();
    // A header that claims more than the cap, with no data behind it.
    let mut huge = tar::Header::new_gnu();
    huge.set_size(MAX_MEMBER_BYTES + 1);
    huge.set_path("nodes/a/huge.prom").unwrap();
    huge.set_cksum();
    b.append(&huge, &b""[..]).unwrap();
    let bytes = zstd::encode_all(&b.into_inner().unwrap()[..], 3).unwrap();
    let e = err_text(Archive::from_bytes(&bytes, "links.snap"));
    assert!(
        e.contains("nodes/a/host.json") && e.contains("only regular files"),
        "{e}"
    );
    assert!(
        e.contains("nodes/a/huge.prom") && e.contains("limit"),
        "{e}"
    );
}

// ---------------------------------------------------------------------------------------
// Writing

#[test]
fn a_failed_write_names_the_file_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Archive::new("2026-11-22T18:00:00Z".into());
    a.put("nodes/a/host.json", "{}\n");
    let target = dir.path().join("no-such-dir").join("x.snap");
    let e = a.write(&target, &[]).unwrap_err();
    assert!(format!("{e:#}").contains("x.snap"), "{e:#}");
    // A directory in the way: the rename fails, the temporary file is removed.
    let blocked = dir.path().join("blocked.snap");
    std::fs::create_dir(&blocked).unwrap();
    std::fs::write(blocked.join("keep"), "x").unwrap();
    assert!(a.write(&blocked, &[]).is_err());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["blocked.snap"]);
    // Over an existing snapshot: replaced whole.
    let path = dir.path().join("ok.snap");
    std::fs::write(&path, "old").unwrap();
    a.write(&path, &[]).unwrap();
    assert!(
        Archive::read(&path)
            .unwrap()
            .get("nodes/a/host.json")
            .is_some()
    );
}
