//! Host facts: gathering on this very machine (checked against the system's own tools), on
//! recorded /proc+/sys trees under `fixtures/host/` (see `fixtures/host/SOURCES.md`), on
//! damaged trees, and the `collect-host` JSON file.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use casstune::collect::host::{HostOptions, from_json, gather, merge, to_json};
use casstune::model::HostFacts;
use casstune::model::host::{Disk, Limit};

// ---------------------------------------------------------------------------------------
// Helpers

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/host")
        .join(name)
}

fn at(root: &Path) -> HostOptions {
    HostOptions {
        root: root.to_path_buf(),
        ..HostOptions::default()
    }
}

/// Stdout of a command, trimmed; panics with its stderr when it fails.
fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        // nproc obeys these; they must not bend the cross-check.
        .env_remove("OMP_NUM_THREADS")
        .env_remove("OMP_THREAD_LIMIT")
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn has(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A `ulimit` value as the kernel counts it: `ulimit -l`/`-v` print KiB.
fn ulimit(flag: &str, kib: bool) -> Limit {
    let v = run("bash", &["-c", &format!("ulimit {flag}")]);
    if v == "unlimited" {
        return Limit::Unlimited;
    }
    let n: u64 = v.parse().unwrap_or_else(|_| panic!("ulimit {flag}: {v}"));
    Limit::Value(if kib { n * 1024 } else { n })
}

/// The `Mem:`/`Swap:` total of `free -b`.
fn free_total(row: &str) -> u128 {
    let out = run("free", &["-b"]);
    let line = out
        .lines()
        .find(|l| l.starts_with(row))
        .unwrap_or_else(|| panic!("no {row} row in free -b:\n{out}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn disk_at<'f>(f: &'f HostFacts, mount_point: &str) -> &'f Disk {
    f.disks
        .iter()
        .find(|d| d.mount_point == mount_point)
        .unwrap_or_else(|| panic!("no disk at {mount_point}: {:#?}", f.disks))
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn assert_error_about(f: &HostFacts, what: &str) {
    assert!(
        f.errors.iter().any(|e| e.contains(what)),
        "no error about {what:?} in {:#?}",
        f.errors
    );
}

// ---------------------------------------------------------------------------------------
// This machine

#[test]
fn this_machine_matches_the_system_tools() {
    let tmp = tempfile::tempdir().unwrap();
    let f = gather(&HostOptions {
        data_dirs: vec![tmp.path().to_path_buf()],
        // Our own process, so the limits compare with what `ulimit` in a child shell sees.
        pid: Some(std::process::id()),
        ..HostOptions::default()
    });
    println!("{}", to_json(&f));
    // Missing files can be legitimate on some kernels; a parse failure never is.
    assert!(
        !f.errors.iter().any(|e| e.contains("expected")),
        "{:#?}",
        f.errors
    );

    let online: u32 = run("getconf", &["_NPROCESSORS_ONLN"]).parse().unwrap();
    assert_eq!(f.cores, Some(online));
    let allowed: u32 = run("nproc", &[]).parse().unwrap();
    assert_eq!(f.cpus_allowed, Some(allowed));
    let parallel = std::thread::available_parallelism().unwrap().get() as u32;
    assert!(f.cpus_allowed.unwrap() >= parallel);

    assert_eq!(f.ram_bytes, Some(free_total("Mem:")));
    assert_eq!(f.swap_bytes, Some(free_total("Swap:")));
    assert_eq!(f.kernel.as_deref(), Some(run("uname", &["-r"]).as_str()));
    assert_eq!(f.hostname.as_deref(), Some(run("uname", &["-n"]).as_str()));

    assert_eq!(f.limits.nofile_soft, Some(ulimit("-Sn", false)));
    assert_eq!(f.limits.nofile_hard, Some(ulimit("-Hn", false)));
    assert_eq!(f.limits.nproc_soft, Some(ulimit("-Su", false)));
    assert_eq!(f.limits.memlock_soft, Some(ulimit("-Sl", true)));
    assert_eq!(f.limits.as_soft, Some(ulimit("-Sv", true)));
    let own = format!("/proc/{}/limits", std::process::id());
    assert_eq!(f.limits_source.as_deref(), Some(own.as_str()));
    assert_eq!(f.cassandra_pid_source.as_deref(), Some("--pid"));
    assert!(f.collected_at.as_deref().is_some_and(|t| t.ends_with('Z')));
}

#[test]
fn this_machine_reads_another_process_limits() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    // A child whose soft limits differ from its hard ones, so soft and hard cannot be confused.
    let mut child = Command::new("bash")
        .args([
            "-c",
            "ulimit -Sn 1111 && ulimit -Su 2222 && echo ready && exec sleep 30",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready");
    let f = gather(&HostOptions {
        pid: Some(child.id()),
        ..HostOptions::default()
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(f.limits.nofile_soft, Some(Limit::Value(1111)));
    assert_eq!(f.limits.nofile_hard, Some(ulimit("-Hn", false)));
    assert_eq!(f.limits.nproc_soft, Some(Limit::Value(2222)));
    assert_eq!(f.limits.nproc_hard, Some(ulimit("-Hu", false)));
    let want = format!("/proc/{}/limits", child.id());
    assert_eq!(f.limits_source.as_deref(), Some(want.as_str()));
}

#[test]
fn this_machine_thp_and_clocksource_match_their_files() {
    let f = gather(&HostOptions::default());
    let thp = "/sys/kernel/mm/transparent_hugepage/enabled";
    match fs::read_to_string(thp) {
        Ok(text) => {
            // Independently of the collector's parser: the word written as `[word]`.
            let word = text
                .split_whitespace()
                .find_map(|w| w.strip_prefix('[')?.strip_suffix(']'))
                .unwrap();
            assert!(["always", "madvise", "never"].contains(&word));
            assert_eq!(f.thp_enabled.as_deref(), Some(word));
        }
        Err(_) => {
            assert_eq!(f.thp_enabled, None);
            assert_error_about(&f, thp);
        }
    }
    let cs = "/sys/devices/system/clocksource/clocksource0/current_clocksource";
    if let Ok(text) = fs::read_to_string(cs) {
        assert_eq!(f.clocksource.as_deref(), Some(text.trim()));
        assert!(f.clocksources_available.iter().any(|c| c == text.trim()));
    }
    if let Ok(text) = fs::read_to_string("/proc/sys/vm/max_map_count") {
        assert_eq!(f.max_map_count, text.trim().parse().ok());
    }
}

#[test]
fn this_machine_maps_a_directory_to_the_mount_df_names() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    let f = gather(&HostOptions {
        data_dirs: vec![tmp.path().to_path_buf()],
        commitlog_dir: Some(tmp.path().to_path_buf()),
        ..HostOptions::default()
    });
    // df asks the kernel (statfs) rather than reading mountinfo.
    let df = run("df", &["--output=target,source", dir]);
    let last = df.lines().last().unwrap();
    let (target, source) = last.split_once(char::is_whitespace).unwrap();
    let d = f
        .disks
        .iter()
        .find(|d| d.role.iter().any(|r| r == "data"))
        .unwrap_or_else(|| panic!("no data disk: {:#?} {:#?}", f.disks, f.errors));
    assert_eq!(d.mount_point, target.trim());
    assert_eq!(d.device, source.trim());
    assert!(d.role.iter().any(|r| r == "commitlog"), "{d:?}");
    assert_eq!(f.data_disks, Some(1));
    assert!(disk_at(&f, "/").role.iter().any(|r| r == "root"));

    // A block device: lsblk (reading sysfs on its own) agrees on the queue settings.
    if source.starts_with("/dev/") && has("lsblk") {
        let out = run("lsblk", &["-dnbo", "ROTA,RA,SIZE", source.trim()]);
        let cols: Vec<&str> = out.split_whitespace().collect();
        let disk_out = run(
            "lsblk",
            &[
                "-dnbo",
                "ROTA,RA",
                &format!("/dev/{}", d.block_device.as_deref().unwrap()),
            ],
        );
        let disk_cols: Vec<&str> = disk_out.split_whitespace().collect();
        assert_eq!(d.rotational, Some(disk_cols[0] == "1"), "{d:?}");
        assert_eq!(d.read_ahead_kb, disk_cols[1].parse().ok(), "{d:?}");
        assert_eq!(d.size_bytes, cols[2].parse().ok(), "{d:?}");
    }
}

#[test]
fn this_machine_finds_the_running_cassandra() {
    // Java processes running CassandraDaemon as ps sees them (the test cluster, when up).
    let list = || -> Vec<u32> {
        let out = run("ps", &["-eo", "pid=,comm=,args="]);
        let mut pids: Vec<u32> = out
            .lines()
            .filter_map(|l| {
                let mut w = l.split_whitespace();
                let pid = w.next()?.parse().ok()?;
                let comm = w.next()?;
                (comm == "java" && l.contains("org.apache.cassandra.service.CassandraDaemon"))
                    .then_some(pid)
            })
            .collect();
        pids.sort_unstable();
        pids
    };
    let before = list();
    let f = gather(&HostOptions::default());
    if before != list() {
        println!("Cassandra processes changed during the test; not comparing");
        return;
    }
    assert_eq!(f.cassandra_pid, before.first().copied(), "{:#?}", f.errors);
    match before.first() {
        None => {
            assert_eq!(f.limits_source.as_deref(), Some("/proc/self/limits"));
            assert_eq!(f.cassandra_pid_source, None);
        }
        Some(pid) => {
            assert_eq!(f.cassandra_pid_source.as_deref(), Some("auto-detected"));
            let want = format!("/proc/{pid}/limits");
            assert_eq!(f.limits_source.as_deref(), Some(want.as_str()));
            if before.len() > 1 {
                assert_error_about(&f, "several Cassandra processes");
            }
            if has("prlimit") {
                let p = pid.to_string();
                let out = run(
                    "prlimit",
                    &["--pid", &p, "--nofile", "--noheadings", "-o", "SOFT,HARD"],
                );
                let cols: Vec<&str> = out.split_whitespace().collect();
                let limit = |s: &str| match s {
                    "unlimited" => Limit::Unlimited,
                    n => Limit::Value(n.parse().unwrap()),
                };
                assert_eq!(f.limits.nofile_soft, Some(limit(cols[0])));
                assert_eq!(f.limits.nofile_hard, Some(limit(cols[1])));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Recorded trees

#[test]
fn recorded_vm_tree() {
    let root = fixture("vm-virtio");
    let f = gather(&at(&root));
    assert!(f.errors.is_empty(), "{:#?}", f.errors);
    assert_eq!(f.source.as_deref(), Some("collect-host"));
    assert_eq!(f.cores, Some(2));
    assert_eq!(f.cpus_allowed, Some(2));
    assert_eq!(
        f.cpu_model.as_deref(),
        Some("Intel(R) Xeon(R) Processor @ 2.00GHz")
    );
    assert_eq!(f.ram_bytes, Some(24_684_092 * 1024));
    assert_eq!(f.swap_bytes, Some(0));
    assert!(f.swap_devices.is_empty());
    assert_eq!(f.kernel.as_deref(), Some("6.18.44-fc-v657"));
    assert_eq!(f.hostname.as_deref(), Some("vm"));
    assert_eq!(f.thp_enabled.as_deref(), Some("madvise"));
    assert_eq!(f.thp_defrag.as_deref(), Some("madvise"));
    assert_eq!(f.swappiness, Some(60));
    assert_eq!(f.max_map_count, Some(65530));
    assert_eq!(f.zone_reclaim_mode, Some(0));
    assert_eq!(f.clocksource.as_deref(), Some("tsc"));
    assert_eq!(f.clocksources_available, ["tsc", "kvm-clock"]);
    assert_eq!(f.numa_nodes, Some(1));

    assert_eq!(f.cassandra_pid, None);
    let self_limits = root.join("proc/self/limits").display().to_string();
    assert_eq!(f.limits_source.as_deref(), Some(self_limits.as_str()));
    assert_eq!(f.limits.nofile_soft, Some(Limit::Value(20000)));
    assert_eq!(f.limits.nofile_hard, Some(Limit::Value(20000)));
    assert_eq!(f.limits.nproc_soft, Some(Limit::Value(96365)));
    assert_eq!(f.limits.memlock_hard, Some(Limit::Value(8_388_608)));
    assert_eq!(f.limits.as_soft, Some(Limit::Unlimited));

    // Only the root filesystem is on a real block device (loop and zram are left out).
    assert_eq!(f.disks.len(), 1, "{:#?}", f.disks);
    let d = &f.disks[0];
    assert_eq!(d.mount_point, "/");
    assert_eq!(d.device, "/dev/vda");
    assert_eq!(d.block_device.as_deref(), Some("vda"));
    assert_eq!(d.partition, None);
    assert_eq!(d.fs_type, "ext4");
    assert_eq!(d.mount_options, ["rw", "relatime"]);
    assert!(d.super_options.contains(&"discard".to_string()));
    assert_eq!(d.rotational, Some(true));
    assert_eq!(d.read_ahead_kb, Some(8192));
    assert_eq!(d.scheduler.as_deref(), Some("mq-deadline"));
    assert_eq!(d.size_bytes, Some(536_870_912 * 512));
    assert_eq!(d.role, ["root"]);
    // No data directory asked about: the count stays unknown rather than guessed.
    assert_eq!(f.data_disks, None);
}

#[test]
fn recorded_vm_tree_with_a_missing_data_dir() {
    let root = fixture("vm-virtio");
    let f = gather(&HostOptions {
        data_dirs: vec!["/var/lib/cassandra/data".into()],
        ..at(&root)
    });
    assert_eq!(f.errors.len(), 1, "{:#?}", f.errors);
    assert_error_about(&f, "/var/lib/cassandra/data");
    assert_eq!(disk_at(&f, "/").role, ["root", "data"]);
    assert_eq!(f.data_disks, Some(1));
    assert_eq!(f.data_dirs, ["/var/lib/cassandra/data"]);
}

fn prod_options() -> HostOptions {
    HostOptions {
        data_dirs: vec![
            "/var/lib/cassandra/data".into(),
            // A symlink in the tree to /data2/cassandra: resolved before matching mounts.
            "/srv/cassandra/data".into(),
        ],
        commitlog_dir: Some("/var/lib/cassandra/commitlog".into()),
        ..at(&fixture("prod-problem"))
    }
}

#[test]
fn recorded_problem_box() {
    let f = gather(&prod_options());
    assert!(f.errors.is_empty(), "{:#?}", f.errors);
    assert_eq!(f.hostname.as_deref(), Some("cass-prod-07"));
    assert_eq!(f.cores, Some(16));
    assert_eq!(f.ram_bytes, Some(65_842_012 * 1024));
    assert_eq!(f.swap_bytes, Some(8_388_604 * 1024));
    assert_eq!(f.swap_devices, ["/dev/sda2"]);
    assert_eq!(f.thp_enabled.as_deref(), Some("always"));
    assert_eq!(f.thp_defrag.as_deref(), Some("always"));
    assert_eq!(f.zone_reclaim_mode, Some(1));
    assert_eq!(f.clocksource.as_deref(), Some("xen"));
    assert_eq!(f.numa_nodes, Some(2));

    // The Cassandra process is found by its command line (pid 1000 is a java that is not).
    assert_eq!(f.cassandra_pid, Some(4242));
    assert_eq!(f.cassandra_pid_source.as_deref(), Some("auto-detected"));
    assert!(
        f.limits_source
            .as_deref()
            .unwrap()
            .ends_with("proc/4242/limits")
    );
    assert_eq!(f.limits.nofile_soft, Some(Limit::Value(1024)));
    assert_eq!(f.limits.nofile_hard, Some(Limit::Value(4096)));
    assert_eq!(f.limits.nproc_soft, Some(Limit::Value(4096)));
    assert_eq!(f.limits.memlock_soft, Some(Limit::Value(65536)));
    assert_eq!(f.cpus_allowed, Some(8));
}

#[test]
fn recorded_problem_box_disks() {
    let f = gather(&prod_options());
    let mounts: Vec<&str> = f.disks.iter().map(|d| d.mount_point.as_str()).collect();
    // Cassandra's mount table, not casstune's: /, the two data mounts, the NVMe scratch disk;
    // not the squashfs loop, the /var/lib/docker bind mount or tmpfs.
    assert_eq!(
        mounts,
        ["/", "/var/lib/cassandra", "/data2", "/mnt/fast scratch"]
    );

    let root = disk_at(&f, "/");
    assert_eq!(root.block_device.as_deref(), Some("sda"));
    assert_eq!(root.partition.as_deref(), Some("sda1"));
    assert_eq!(root.rotational, Some(false));
    assert_eq!(root.size_bytes, Some(960_000_000 * 512));
    assert_eq!(root.role, ["root"]);

    let var = disk_at(&f, "/var/lib/cassandra");
    assert_eq!(var.device, "/dev/sdb1");
    assert_eq!(var.block_device.as_deref(), Some("sdb"));
    assert_eq!(var.fs_type, "xfs");
    assert_eq!(var.rotational, Some(true));
    assert_eq!(var.read_ahead_kb, Some(4096));
    assert_eq!(var.scheduler.as_deref(), Some("bfq"));
    assert_eq!(var.role, ["data", "commitlog"]);

    // btrfs reports 0:45: found by /dev/mapper name; rotational because sdd under it is.
    let dm = disk_at(&f, "/data2");
    assert_eq!(dm.block_device.as_deref(), Some("dm-0"));
    assert_eq!(dm.slaves, ["sdc", "sdd"]);
    assert_eq!(dm.rotational, Some(true));
    assert_eq!(dm.read_ahead_kb, Some(8192));
    assert_eq!(dm.scheduler.as_deref(), Some("none"));
    assert_eq!(dm.role, ["data"]);

    let nvme = disk_at(&f, "/mnt/fast scratch");
    assert_eq!(nvme.block_device.as_deref(), Some("nvme0n1"));
    assert_eq!(nvme.partition.as_deref(), Some("nvme0n1p1"));
    assert_eq!(nvme.mount_options, ["rw", "noatime"]);
    assert!(nvme.role.is_empty());

    assert_eq!(f.data_disks, Some(2));
}

#[test]
fn an_explicit_pid_that_is_gone_is_reported_not_replaced() {
    let f = gather(&HostOptions {
        pid: Some(999_999),
        ..prod_options()
    });
    assert_eq!(f.cassandra_pid, Some(999_999));
    assert_eq!(f.cassandra_pid_source.as_deref(), Some("--pid"));
    // casstune's own limits would be the wrong process's: none rather than those.
    assert!(f.limits.is_empty(), "{:?}", f.limits);
    assert_eq!(f.limits_source, None);
    assert_error_about(&f, "proc/999999/limits");
    assert_error_about(&f, "proc/999999/mountinfo");
    // Mounts fall back to proc/self/mountinfo: the recorded VM's /dev/vda, not in this sys/block.
    let root = disk_at(&f, "/");
    assert_eq!(root.device, "/dev/vda");
    assert_eq!(root.block_device, None);
}

// ---------------------------------------------------------------------------------------
// Damaged and empty trees

#[test]
fn damaged_tree_gives_partial_facts_and_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    copy_tree(&fixture("vm-virtio"), root);
    let write = |rel: &str, bytes: &[u8]| fs::write(root.join(rel), bytes).unwrap();
    write(
        "proc/meminfo",
        b"MemTotal:       lots kB\nSwapTotal: 0 kB\n",
    );
    // Non-UTF-8 bytes before the real content: the model name is still read.
    let mut cpuinfo = b"\xff\xfe\x00garbage\n".to_vec();
    cpuinfo.extend(fs::read(fixture("vm-virtio/proc/cpuinfo")).unwrap());
    write("proc/cpuinfo", &cpuinfo);
    fs::remove_file(root.join("sys/devices/system/cpu/online")).unwrap();
    write("sys/kernel/mm/transparent_hugepage/enabled", b"");
    write(
        "sys/kernel/mm/transparent_hugepage/defrag",
        b"always madvise never\n",
    );
    // A directory where a file should be: unreadable even for root.
    fs::remove_file(root.join("proc/sys/vm/swappiness")).unwrap();
    fs::create_dir(root.join("proc/sys/vm/swappiness")).unwrap();
    write("proc/sys/vm/max_map_count", b"-5\n");
    write("proc/self/limits", b"\xc3\x28 not a limits table\n");
    let mut mountinfo = b"this is not a mount\n".to_vec();
    mountinfo.extend(fs::read(fixture("vm-virtio/proc/self/mountinfo")).unwrap());
    write("proc/self/mountinfo", &mountinfo);
    write("sys/block/vda/queue/rotational", b"spinning\n");
    fs::remove_file(root.join("proc/swaps")).unwrap();
    fs::remove_dir_all(root.join("sys/devices/system/clocksource")).unwrap();

    let f = gather(&at(root));
    for what in [
        "proc/meminfo: no readable \"MemTotal",
        "cpu/online",
        "transparent_hugepage/enabled: empty file",
        "transparent_hugepage/defrag: expected a bracketed choice",
        "vm/swappiness",
        "max_map_count: expected a non-negative integer, found \"-5\"",
        "self/limits: no",
        "mountinfo: 1 line(s)",
        "rotational: expected 0 or 1",
        "proc/swaps",
        "current_clocksource",
        "available_clocksource",
    ] {
        assert_error_about(&f, what);
    }
    assert_eq!(f.errors.len(), 12, "{:#?}", f.errors);
    // What could be read still is.
    assert_eq!(f.ram_bytes, None);
    assert_eq!(f.swap_bytes, Some(0));
    assert_eq!(f.cores, Some(2), "from the processor lines of cpuinfo");
    assert_eq!(
        f.cpu_model.as_deref(),
        Some("Intel(R) Xeon(R) Processor @ 2.00GHz")
    );
    assert_eq!(f.thp_enabled, None);
    assert_eq!(f.swappiness, None);
    assert_eq!(f.max_map_count, None);
    assert!(f.limits.is_empty());
    assert_eq!(f.kernel.as_deref(), Some("6.18.44-fc-v657"));
    let d = disk_at(&f, "/");
    assert_eq!(d.rotational, None);
    assert_eq!(d.read_ahead_kb, Some(8192));
}

#[test]
fn empty_root_yields_only_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let f = gather(&HostOptions {
        data_dirs: vec!["/var/lib/cassandra/data".into()],
        commitlog_dir: Some("relative/commitlog".into()),
        pid: Some(7),
        root: tmp.path().to_path_buf(),
    });
    assert_eq!(f.cores, None);
    assert_eq!(f.ram_bytes, None);
    assert_eq!(f.kernel, None);
    assert!(f.disks.is_empty() && f.limits.is_empty());
    assert_eq!(f.data_disks, None);
    assert_error_about(&f, "proc/meminfo");
    assert_error_about(&f, "proc/7/limits");
    assert_error_about(&f, "proc/self/mountinfo");
    assert!(f.collected_at.is_some());
}

#[test]
fn a_root_that_does_not_exist_does_not_panic() {
    let f = gather(&at(Path::new("/nonexistent/casstune/root")));
    assert!(f.errors.len() > 10, "{:#?}", f.errors);
    assert_eq!(
        f,
        HostFacts {
            errors: f.errors.clone(),
            collected_at: f.collected_at.clone(),
            source: f.source.clone(),
            ..HostFacts::default()
        }
    );
}

// ---------------------------------------------------------------------------------------
// The collect-host file

#[test]
fn json_round_trip_keeps_every_fact() {
    let f = gather(&prod_options());
    let text = to_json(&f);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["kind"], "casstune-host-facts");
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["facts"]["limits"]["as_soft"], "unlimited");
    assert_eq!(doc["facts"]["limits"]["nofile_soft"], 1024);
    let back = from_json(&text, Path::new("node1-host.json")).unwrap();
    assert_eq!(back, f);
}

#[test]
fn from_json_names_the_file_and_what_it_expected() {
    let path = Path::new("/tmp/node7-host.json");
    let err = |text: &str| format!("{:#}", from_json(text, path).unwrap_err());
    for garbage in ["", "not json", "\u{0}\u{1}binary", "{\"cores\": 4", "42"] {
        let e = err(garbage);
        assert!(e.contains("/tmp/node7-host.json"), "{e}");
        assert!(
            e.contains("casstune-host-facts") || e.contains("host-facts"),
            "{e}"
        );
    }
    // A JSON file of something else: says which kind it is not.
    let e = err(r#"{"kind":"casstune-snapshot","format_version":1}"#);
    assert!(e.contains("not a casstune host-facts file"), "{e}");
    assert!(e.contains("collect-host"), "{e}");
    let e = err(r#"{"cores": 8, "ram_bytes": 1}"#);
    assert!(e.contains("no \"kind\""), "{e}");
    let e = err(
        r#"{"kind":"casstune-host-facts","format_version":1,"facts":{"limits":{"nofile_soft":"lots"}}}"#,
    );
    assert!(e.contains("/tmp/node7-host.json"), "{e}");
    assert!(
        e.contains("unlimited"),
        "serde says what a limit may be: {e}"
    );
}

#[test]
fn flags_win_over_a_file() {
    let mut flags = HostFacts {
        cores: Some(32),
        data_disks: Some(4),
        source: Some("flags".into()),
        ..HostFacts::default()
    };
    let file = from_json(&to_json(&gather(&prod_options())), Path::new("f.json")).unwrap();
    merge(&mut flags, &file);
    assert_eq!(flags.cores, Some(32));
    assert_eq!(flags.data_disks, Some(4));
    assert_eq!(flags.ram_bytes, Some(65_842_012 * 1024));
    assert_eq!(flags.thp_enabled.as_deref(), Some("always"));
    assert_eq!(flags.disks.len(), 4);
    assert_eq!(flags.limits.nofile_soft, Some(Limit::Value(1024)));
    assert_eq!(flags.source.as_deref(), Some("flags + collect-host"));
}
