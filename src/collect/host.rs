//! Host facts: gathering them from /proc and /sys, and the `collect-host` file that carries them
//! from a Cassandra node to wherever `casstune collect` runs.
//!
//! # Gathering
//!
//! [`gather`] reads, under [`HostOptions::root`] (`/` on a live node, a recorded tree in tests):
//!
//! | fact | file |
//! |---|---|
//! | cores, cpu model | `sys/devices/system/cpu/online` (else `processor` lines of `proc/cpuinfo`), `proc/cpuinfo` |
//! | RAM, swap | `proc/meminfo` (MemTotal, SwapTotal), `proc/swaps` |
//! | kernel, hostname | `proc/sys/kernel/{osrelease,hostname}` |
//! | THP | `sys/kernel/mm/transparent_hugepage/{enabled,defrag}` (the bracketed word) |
//! | VM sysctls | `proc/sys/vm/{swappiness,max_map_count,zone_reclaim_mode}` |
//! | clocksource | `sys/devices/system/clocksource/clocksource0/{current,available}_clocksource` |
//! | NUMA nodes | `sys/devices/system/node/online` (else the `node<N>` directories) |
//! | limits, affinity, mounts | `proc/<pid>/{limits,status,mountinfo}`, `<pid>` = `--pid`, else the one java process whose command line names `CassandraDaemon`, else `self` |
//! | disks | `sys/block/<dev>/{dev,size,queue/rotational,queue/read_ahead_kb,queue/scheduler,slaves/}` and `sys/block/<dev>/<part>/{dev,partition,size}` |
//!
//! A mount is matched to its block device by the `major:minor` of mountinfo (looked up in
//! `sys/block/*/dev` and the partitions' `dev`), falling back to the source name
//! (`/dev/sda1`, `/dev/mapper/<name>` via `sys/block/dm-*/dm/name`) because btrfs reports an
//! anonymous `0:N` device. Queue settings belong to the whole disk, so a partition is reported
//! with its disk's (`sda1` → `sda`, `nvme0n1p1` → `nvme0n1`). A device-mapper or md device is
//! rotational when any disk under it (its `slaves/`, followed down) is.
//!
//! Each data directory and the commit log directory is canonicalised under the root when it
//! exists there, then matched to the mount with the longest mount-point prefix (by path
//! components; among mounts on the same point the last one, which shadows the others).
//! `disks` lists those mounts, the root mount, and the first whole mount of every other real
//! block device (bind mounts, loop devices and squashfs images are left out unless they serve
//! Cassandra). `data_disks` is the number of distinct devices serving the data directories.
//!
//! A file that cannot be read or parsed becomes a line of [`HostFacts::errors`] and leaves its
//! fact `None`; gathering never fails and never panics.
//!
//! # File format
//!
//! [`to_json`] writes, and [`from_json`] reads, one JSON object:
//!
//! ```json
//! {
//!   "kind": "casstune-host-facts",
//!   "format_version": 1,
//!   "casstune_version": "0.1.0",
//!   "facts": { "cores": 16, "ram_bytes": 68719476736, "thp_enabled": "never", "...": "..." }
//! }
//! ```
//!
//! `facts` is [`HostFacts`] as serde writes it; a field missing there reads as unknown and an
//! unknown field is ignored, so files from neighbouring releases read. A different `kind` or a
//! `format_version` other than 1 is refused with a message naming the file.
//!
//! # Merging
//!
//! [`merge`] fills what the first set lacks from the second, so the caller passes the stronger
//! source first: `--cores/--ram/--disks` flags, then a `--host-facts` file, then (on the local
//! machine) gathered facts.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Display;
use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use serde::Serialize;
use serde_json::Value;

use crate::model::host::{Disk, HostFacts, Limit, Limits};

/// The `kind` of a host-facts file.
pub const KIND: &str = "casstune-host-facts";
/// The one format version this casstune writes and reads.
pub const FORMAT_VERSION: u64 = 1;

/// /proc and /sys files are small; the cap only guards against a recorded tree (or a FIFO)
/// feeding us something huge.
const MAX_FILE_BYTES: u64 = 8 << 20;
/// sysfs `size` files count 512-byte sectors whatever the device's block size.
const SECTOR_BYTES: u64 = 512;
/// dm over md over disks is two levels; anything deeper is a loop or a very odd stack.
const MAX_SLAVE_DEPTH: usize = 4;

/// What to gather and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostOptions {
    /// The filesystem root: "/" on a live node, a recorded tree in tests.
    pub root: PathBuf,
    /// Cassandra data directories (paths on the node), to find the disks serving them.
    pub data_dirs: Vec<PathBuf>,
    pub commitlog_dir: Option<PathBuf>,
    /// The Cassandra process, for its limits, CPU affinity and mounts; found when absent.
    pub pid: Option<u32>,
}

impl Default for HostOptions {
    fn default() -> Self {
        HostOptions {
            root: PathBuf::from("/"),
            data_dirs: Vec::new(),
            commitlog_dir: None,
            pid: None,
        }
    }
}

/// Reads every host fact it can under `opts.root`. Problems go to `errors`; never fails.
pub fn gather(opts: &HostOptions) -> HostFacts {
    let mut r = Reader::new(&opts.root);
    let mut f = HostFacts {
        source: Some("collect-host".to_string()),
        ..HostFacts::default()
    };
    gather_cpu(&mut r, &mut f);
    gather_memory(&mut r, &mut f);
    gather_kernel(&mut r, &mut f);
    let proc_dir = choose_process(&mut r, &mut f, opts.pid);
    gather_process(&mut r, &mut f, &proc_dir);
    gather_disks(&mut r, &mut f, opts, &proc_dir);
    f.collected_at = Some(rfc3339(SystemTime::now()));
    f.errors = r.errors;
    f
}

/// The file `casstune collect-host -o FILE` writes (see the module doc for the shape).
pub fn to_json(f: &HostFacts) -> String {
    #[derive(Serialize)]
    struct Envelope<'a> {
        kind: &'static str,
        format_version: u64,
        casstune_version: &'static str,
        facts: &'a HostFacts,
    }
    let env = Envelope {
        kind: KIND,
        format_version: FORMAT_VERSION,
        casstune_version: env!("CARGO_PKG_VERSION"),
        facts: f,
    };
    let mut text = serde_json::to_string_pretty(&env).expect("JSON of plain data");
    text.push('\n');
    text
}

/// Reads a host-facts file; `path` is only for messages.
pub fn from_json(text: &str, path: &Path) -> anyhow::Result<HostFacts> {
    let p = path.display();
    let hint = "write one with `casstune collect-host -o FILE` on the node";
    let mut doc: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .with_context(|| format!("{p}: not JSON; expected a casstune host-facts file ({hint})"))?;
    let Some(obj) = doc.as_object_mut() else {
        bail!(
            "{p}: expected a JSON object with \"kind\": \"{KIND}\", found {} ({hint})",
            json_type(&doc)
        );
    };
    match obj.get("kind") {
        Some(Value::String(k)) if k == KIND => {}
        Some(other) => bail!(
            "{p}: not a casstune host-facts file: \"kind\" is {other}, expected \"{KIND}\" ({hint})"
        ),
        None => bail!(
            "{p}: not a casstune host-facts file: no \"kind\" field, expected \"kind\": \"{KIND}\" ({hint})"
        ),
    }
    match obj.get("format_version").and_then(Value::as_u64) {
        Some(FORMAT_VERSION) => {}
        Some(v) if v > FORMAT_VERSION => bail!(
            "{p}: host-facts format_version {v} was written by a newer casstune; this one reads format_version {FORMAT_VERSION}"
        ),
        Some(v) => bail!("{p}: unknown host-facts format_version {v}; expected {FORMAT_VERSION}"),
        None => bail!(
            "{p}: host-facts file without a numeric \"format_version\" (expected {FORMAT_VERSION})"
        ),
    }
    let facts = match obj.remove("facts") {
        Some(v @ Value::Object(_)) => v,
        Some(other) => bail!(
            "{p}: \"facts\" should be an object of host facts, found {}",
            json_type(&other)
        ),
        None => bail!("{p}: host-facts file without a \"facts\" object"),
    };
    serde_json::from_value(facts).with_context(|| format!("{p}: \"facts\" holds an invalid value"))
}

/// Fills every fact `base` lacks from `other`; what `base` knows wins.
///
/// A fact and the field saying where it came from travel together (limits with
/// `limits_source`, the pid with `cassandra_pid_source`, disks with the directories they were
/// asked about), so a merged set never pairs one source's value with another's provenance.
/// Lists are taken whole when `base`'s is empty. `errors` are appended (both collections'
/// problems stay visible) and `source` names both when both contributed.
pub fn merge(base: &mut HostFacts, other: &HostFacts) {
    // Destructured without `..` so that a new field cannot be forgotten here.
    let HostFacts {
        cores,
        ram_bytes,
        data_disks,
        swap_bytes,
        source,
        hostname,
        kernel,
        cpu_model,
        cpus_allowed,
        numa_nodes,
        thp_enabled,
        thp_defrag,
        swappiness,
        max_map_count,
        zone_reclaim_mode,
        clocksource,
        clocksources_available,
        swap_devices,
        cassandra_pid,
        cassandra_pid_source,
        limits,
        limits_source,
        disks,
        data_dirs,
        commitlog_dir,
        collected_at,
        errors,
    } = other;
    fill(&mut base.cores, cores);
    fill(&mut base.ram_bytes, ram_bytes);
    fill(&mut base.data_disks, data_disks);
    fill(&mut base.swap_bytes, swap_bytes);
    fill(&mut base.hostname, hostname);
    fill(&mut base.kernel, kernel);
    fill(&mut base.cpu_model, cpu_model);
    fill(&mut base.cpus_allowed, cpus_allowed);
    fill(&mut base.numa_nodes, numa_nodes);
    fill(&mut base.thp_enabled, thp_enabled);
    fill(&mut base.thp_defrag, thp_defrag);
    fill(&mut base.swappiness, swappiness);
    fill(&mut base.max_map_count, max_map_count);
    fill(&mut base.zone_reclaim_mode, zone_reclaim_mode);
    fill(&mut base.clocksource, clocksource);
    fill_list(&mut base.clocksources_available, clocksources_available);
    fill_list(&mut base.swap_devices, swap_devices);
    fill(&mut base.collected_at, collected_at);
    if base.cassandra_pid.is_none() {
        base.cassandra_pid = *cassandra_pid;
        base.cassandra_pid_source = cassandra_pid_source.clone();
    }
    if base.limits.is_empty() {
        base.limits = limits.clone();
        base.limits_source = limits_source.clone();
    }
    if base.disks.is_empty() && base.data_dirs.is_empty() && base.commitlog_dir.is_none() {
        base.disks = disks.clone();
        base.data_dirs = data_dirs.clone();
        base.commitlog_dir = commitlog_dir.clone();
    }
    base.errors.extend(errors.iter().cloned());
    base.source = match (base.source.take(), source) {
        (Some(a), Some(b)) if a != *b => Some(format!("{a} + {b}")),
        (a, b) => a.or_else(|| b.clone()),
    };
}

fn fill<T: Clone>(base: &mut Option<T>, other: &Option<T>) {
    if base.is_none() {
        base.clone_from(other);
    }
}

fn fill_list<T: Clone>(base: &mut Vec<T>, other: &[T]) {
    if base.is_empty() {
        base.extend_from_slice(other);
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

// ---------------------------------------------------------------------------------------------
// Reading files under the root

/// Reads files relative to the root and keeps a line per problem.
struct Reader<'a> {
    root: &'a Path,
    errors: Vec<String>,
}

impl<'a> Reader<'a> {
    fn new(root: &'a Path) -> Self {
        Reader {
            root,
            errors: Vec::new(),
        }
    }

    fn full(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// A file that should exist: its absence is recorded.
    fn read(&mut self, rel: &str) -> Option<String> {
        match read_capped(&self.full(rel)) {
            Ok(text) => Some(text),
            Err(e) => {
                self.problem(rel, e);
                None
            }
        }
    }

    /// A file whose absence is normal (probing for partitions, dm names, processes).
    fn read_quiet(&self, rel: &str) -> Option<String> {
        read_capped(&self.full(rel)).ok()
    }

    /// A one-value file, trimmed; an empty one is a problem too.
    fn read_value(&mut self, rel: &str) -> Option<String> {
        let text = self.read(rel)?;
        let value = text.trim();
        if value.is_empty() {
            self.problem(rel, "empty file");
            return None;
        }
        Some(value.to_string())
    }

    /// A one-value file run through `parse`; `expected` says what it should have held.
    fn read_parsed<T>(
        &mut self,
        rel: &str,
        parse: impl FnOnce(&str) -> Option<T>,
        expected: &str,
    ) -> Option<T> {
        let value = self.read_value(rel)?;
        let parsed = parse(&value);
        if parsed.is_none() {
            self.problem(
                rel,
                format!("expected {expected}, found {:?}", snippet(&value)),
            );
        }
        parsed
    }

    fn read_num<T: FromStr>(&mut self, rel: &str) -> Option<T> {
        self.read_parsed(rel, |v| v.parse().ok(), "a non-negative integer")
    }

    /// Entry names of a directory that should exist, sorted for a stable order.
    fn list_dir(&mut self, rel: &str) -> Option<Vec<String>> {
        match list_names(&self.full(rel)) {
            Ok(names) => Some(names),
            Err(e) => {
                self.problem(rel, e);
                None
            }
        }
    }

    fn list_dir_quiet(&self, rel: &str) -> Vec<String> {
        list_names(&self.full(rel)).unwrap_or_default()
    }

    fn exists(&self, rel: &str) -> bool {
        self.full(rel).exists()
    }

    fn problem(&mut self, rel: &str, what: impl Display) {
        let line = format!("{}: {what}", self.full(rel).display());
        self.errors.push(line);
    }

    fn note(&mut self, line: String) {
        self.errors.push(line);
    }
}

/// Reads at most [`MAX_FILE_BYTES`]; bytes that are not UTF-8 become U+FFFD instead of failing
/// the whole file.
fn read_capped(path: &Path) -> std::io::Result<String> {
    let mut bytes = Vec::new();
    fs::File::open(path)?
        .take(MAX_FILE_BYTES)
        .read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn list_names(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names: Vec<String> = fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

/// Keeps messages short when a file holds garbage.
fn snippet(s: &str) -> String {
    const MAX: usize = 60;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// CPU, memory, kernel

fn gather_cpu(r: &mut Reader, f: &mut HostFacts) {
    let cpuinfo = r.read("proc/cpuinfo");
    f.cpu_model = cpuinfo.as_deref().and_then(cpuinfo_model);
    // `online` rather than cpuinfo: offlined CPUs still appear in some cpuinfo variants.
    f.cores = r
        .read_parsed(
            "sys/devices/system/cpu/online",
            cpulist_count,
            "a CPU list such as \"0-7\"",
        )
        .or_else(|| cpuinfo.as_deref().and_then(cpuinfo_processors));
}

fn gather_memory(r: &mut Reader, f: &mut HostFacts) {
    if let Some(text) = r.read("proc/meminfo") {
        f.ram_bytes = meminfo_bytes(&text, "MemTotal");
        f.swap_bytes = meminfo_bytes(&text, "SwapTotal");
        if f.ram_bytes.is_none() {
            r.problem("proc/meminfo", "no readable \"MemTotal: <n> kB\" line");
        }
    }
    if let Some(text) = r.read("proc/swaps") {
        let swaps = parse_swaps(&text);
        if f.swap_bytes.is_none() && swaps.iter().all(|s| s.1.is_some()) {
            let kib: u64 = swaps.iter().filter_map(|s| s.1).sum();
            f.swap_bytes = Some(u128::from(kib) * 1024);
        }
        f.swap_devices = swaps.into_iter().map(|s| s.0).collect();
    }
}

fn gather_kernel(r: &mut Reader, f: &mut HostFacts) {
    f.kernel = r.read_value("proc/sys/kernel/osrelease");
    f.hostname = r.read_value("proc/sys/kernel/hostname");
    let choice = "a bracketed choice such as \"always [madvise] never\"";
    f.thp_enabled = r.read_parsed(
        "sys/kernel/mm/transparent_hugepage/enabled",
        |v| bracketed_word(v).map(str::to_string),
        choice,
    );
    f.thp_defrag = r.read_parsed(
        "sys/kernel/mm/transparent_hugepage/defrag",
        |v| bracketed_word(v).map(str::to_string),
        choice,
    );
    f.swappiness = r.read_num("proc/sys/vm/swappiness");
    f.max_map_count = r.read_num("proc/sys/vm/max_map_count");
    f.zone_reclaim_mode = r.read_num("proc/sys/vm/zone_reclaim_mode");
    let cs = "sys/devices/system/clocksource/clocksource0";
    f.clocksource = r.read_value(&format!("{cs}/current_clocksource"));
    f.clocksources_available = r
        .read_value(&format!("{cs}/available_clocksource"))
        .map(|v| v.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    f.numa_nodes = numa_nodes(r);
}

fn numa_nodes(r: &mut Reader) -> Option<u32> {
    let dir = "sys/devices/system/node";
    if let Some(n) = r
        .read_quiet(&format!("{dir}/online"))
        .and_then(|t| cpulist_count(t.trim()))
    {
        return Some(n);
    }
    let names = r.list_dir(dir)?;
    let n = names.iter().filter(|n| is_node_dir(n)).count();
    (n > 0).then(|| u32::try_from(n).unwrap_or(u32::MAX))
}

fn is_node_dir(name: &str) -> bool {
    name.strip_prefix("node")
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

// ---------------------------------------------------------------------------------------------
// The Cassandra process

/// Picks the process whose limits and mounts count, and returns its /proc directory.
fn choose_process(r: &mut Reader, f: &mut HostFacts, pid: Option<u32>) -> String {
    let (pid, how) = match pid {
        Some(p) => (Some(p), "--pid"),
        None => (find_cassandra(r), "auto-detected"),
    };
    f.cassandra_pid = pid;
    f.cassandra_pid_source = pid.map(|_| how.to_string());
    match pid {
        Some(p) => format!("proc/{p}"),
        None => "proc/self".to_string(),
    }
}

/// The lowest pid of a java process running CassandraDaemon; several are reported.
fn find_cassandra(r: &mut Reader) -> Option<u32> {
    let mut pids: Vec<u32> = r
        .list_dir("proc")?
        .iter()
        .filter_map(|n| n.parse().ok())
        .collect();
    pids.sort_unstable();
    let found: Vec<u32> = pids
        .into_iter()
        .filter(|p| {
            r.read_quiet(&format!("proc/{p}/cmdline"))
                .is_some_and(|c| is_cassandra_cmdline(&c))
        })
        .collect();
    if found.len() > 1 {
        let list: Vec<String> = found.iter().map(u32::to_string).collect();
        r.note(format!(
            "several Cassandra processes ({}); facts use pid {}: pass --pid to choose",
            list.join(", "),
            found[0]
        ));
    }
    found.first().copied()
}

/// A NUL-separated command line whose program is a java and which runs CassandraDaemon.
/// Requiring java keeps `grep CassandraDaemon` and wrapper shells out.
fn is_cassandra_cmdline(cmdline: &str) -> bool {
    let mut args = cmdline.split('\0').filter(|a| !a.is_empty());
    let Some(program) = args.next() else {
        return false;
    };
    let base = program.rsplit('/').next().unwrap_or(program);
    base.contains("java") && args.any(|a| a.ends_with("CassandraDaemon"))
}

fn gather_process(r: &mut Reader, f: &mut HostFacts, proc_dir: &str) {
    let rel = format!("{proc_dir}/limits");
    if let Some(text) = r.read(&rel) {
        let limits = parse_limits(&text);
        if limits.is_empty() {
            r.problem(&rel, "no \"Max open files\"-style lines recognised");
        } else {
            f.limits = limits;
            f.limits_source = Some(r.full(&rel).display().to_string());
        }
    }
    let rel = format!("{proc_dir}/status");
    if let Some(text) = r.read(&rel) {
        f.cpus_allowed = status_field(&text, "Cpus_allowed_list").and_then(cpulist_count);
        if f.cpus_allowed.is_none() {
            r.problem(&rel, "no readable Cpus_allowed_list line");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Disks

fn gather_disks(r: &mut Reader, f: &mut HostFacts, opts: &HostOptions, proc_dir: &str) {
    f.data_dirs = opts
        .data_dirs
        .iter()
        .map(|d| d.display().to_string())
        .collect();
    f.commitlog_dir = opts.commitlog_dir.as_ref().map(|d| d.display().to_string());
    let Some(mounts) = read_mounts(r, proc_dir) else {
        return;
    };
    let roles = assign_roles(r, &mounts, opts);
    let index = BlockIndex::build(r);
    let mut queues: HashMap<String, QueueFacts> = HashMap::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (i, m) in mounts.iter().enumerate() {
        if is_shadowed(&mounts, i) {
            continue;
        }
        let dev = index.resolve(r.root, m);
        // A whole filesystem (not a bind mount of a subdirectory) on a real disk, listed once
        // per device even when mounted again elsewhere.
        let whole = dev
            .as_ref()
            .filter(|d| m.root == "/" && m.fs_type != "squashfs" && !is_virtual_disk(&d.disk));
        let fresh = whole.is_some_and(|d| !seen.contains(d.name()));
        if roles[i].is_empty() && !fresh {
            continue;
        }
        if let Some(d) = whole {
            seen.insert(d.name().to_string());
        }
        let mut disk = Disk {
            device: m.source.clone(),
            mount_point: m.mount_point.clone(),
            fs_type: m.fs_type.clone(),
            mount_options: m.options.clone(),
            super_options: m.super_options.clone(),
            role: roles[i].iter().map(|s| s.to_string()).collect(),
            ..Disk::default()
        };
        if let Some(d) = dev {
            let q = queues
                .entry(d.disk.clone())
                .or_insert_with(|| queue_facts(r, &index, &d.disk));
            disk.block_device = Some(d.disk.clone());
            disk.slaves = q.slaves.clone();
            disk.rotational = q.rotational;
            disk.read_ahead_kb = q.read_ahead_kb;
            disk.scheduler = q.scheduler.clone();
            disk.size_bytes = device_size(r, &d);
            disk.partition = d.partition;
        }
        f.disks.push(disk);
    }
    let data_devices: BTreeSet<&str> = f
        .disks
        .iter()
        .filter(|d| d.role.iter().any(|role| role == "data"))
        .map(Disk::device_key)
        .collect();
    if !data_devices.is_empty() {
        f.data_disks = u32::try_from(data_devices.len()).ok();
    }
}

/// The Cassandra process's mount table (it may live in another mount namespace), else ours.
fn read_mounts(r: &mut Reader, proc_dir: &str) -> Option<Vec<Mount>> {
    let mut rel = format!("{proc_dir}/mountinfo");
    let mut text = r.read(&rel);
    if text.is_none() && proc_dir != "proc/self" {
        rel = "proc/self/mountinfo".to_string();
        text = r.read(&rel);
    }
    let (mounts, bad) = parse_mountinfo(&text?);
    if bad > 0 {
        r.problem(
            &rel,
            format!("{bad} line(s) not in mountinfo format, skipped"),
        );
    }
    if mounts.is_empty() {
        r.problem(&rel, "no mounts");
        return None;
    }
    Some(mounts)
}

/// Roles per mount: which Cassandra directories (and the root) each serves.
fn assign_roles(r: &mut Reader, mounts: &[Mount], opts: &HostOptions) -> Vec<Vec<&'static str>> {
    let mut roles: Vec<Vec<&'static str>> = vec![Vec::new(); mounts.len()];
    let mut add = |i: usize, role: &'static str| {
        if !roles[i].contains(&role) {
            roles[i].push(role);
        }
    };
    if let Some(i) = mount_for(mounts, Path::new("/")) {
        add(i, "root");
    }
    let dirs = opts
        .data_dirs
        .iter()
        .map(|d| (d, "data"))
        .chain(opts.commitlog_dir.iter().map(|d| (d, "commitlog")));
    for (dir, role) in dirs {
        let path = resolve_dir(r, dir);
        match mount_for(mounts, &path) {
            Some(i) => add(i, role),
            None => r.note(format!(
                "{role} directory {}: no mount contains it",
                dir.display()
            )),
        }
    }
    roles
}

/// The directory as the node sees it after following symlinks, when it exists under the
/// root; else its path as given (a missing directory is noted, it is often a typo).
fn resolve_dir(r: &mut Reader, dir: &Path) -> PathBuf {
    let live = r.root == Path::new("/");
    // On the node a relative path is relative to the working directory, as for the user.
    let inside = if live {
        dir.to_path_buf()
    } else {
        r.root.join(dir.strip_prefix("/").unwrap_or(dir))
    };
    match fs::canonicalize(&inside) {
        Ok(real) => {
            let root = fs::canonicalize(r.root).unwrap_or_else(|_| r.root.to_path_buf());
            match real.strip_prefix(&root) {
                Ok(rest) => Path::new("/").join(rest),
                // A symlink leading out of a recorded tree: keep the path as given.
                Err(_) => lexical(dir),
            }
        }
        Err(e) => {
            r.note(format!(
                "{}: {e}; matched to a mount by its path as given",
                dir.display()
            ));
            lexical(dir)
        }
    }
}

/// `.` removed and `..` applied without touching the filesystem.
fn lexical(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Index of the mount holding `path`: the longest mount point that is a component prefix
/// (`/data` does not hold `/database`); the last of equals, as it shadows the earlier ones.
fn mount_for(mounts: &[Mount], path: &Path) -> Option<usize> {
    mounts
        .iter()
        .enumerate()
        .filter(|(_, m)| path.starts_with(&m.mount_point))
        .max_by_key(|(i, m)| (Path::new(&m.mount_point).components().count(), *i))
        .map(|(i, _)| i)
}

fn is_shadowed(mounts: &[Mount], i: usize) -> bool {
    mounts[i + 1..]
        .iter()
        .any(|m| m.mount_point == mounts[i].mount_point)
}

/// Loop devices (snaps, images), RAM disks and zram are not where Cassandra's I/O goes.
fn is_virtual_disk(name: &str) -> bool {
    ["loop", "ram", "zram"].iter().any(|p| {
        name.strip_prefix(p)
            .is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// A block device as sysfs names it: the whole disk, and the partition when it is one.
#[derive(Debug, Clone, PartialEq, Eq)]
struct BlockRef {
    disk: String,
    partition: Option<String>,
}

impl BlockRef {
    fn name(&self) -> &str {
        self.partition.as_deref().unwrap_or(&self.disk)
    }
}

/// Every block device and partition of `sys/block`, by `major:minor` and by name.
#[derive(Debug, Default)]
struct BlockIndex {
    by_devno: HashMap<String, BlockRef>,
    by_name: HashMap<String, BlockRef>,
    /// device-mapper names (`/dev/mapper/<name>`) to their `dm-N`.
    dm_names: HashMap<String, String>,
}

impl BlockIndex {
    fn build(r: &mut Reader) -> Self {
        let mut index = BlockIndex::default();
        for disk in r.list_dir("sys/block").unwrap_or_default() {
            let whole = BlockRef {
                disk: disk.clone(),
                partition: None,
            };
            index.add(r, &format!("sys/block/{disk}"), whole);
            if let Some(name) = r.read_quiet(&format!("sys/block/{disk}/dm/name")) {
                index.dm_names.insert(name.trim().to_string(), disk.clone());
            }
            for child in r.list_dir_quiet(&format!("sys/block/{disk}")) {
                let dir = format!("sys/block/{disk}/{child}");
                if child.starts_with(&disk) && r.exists(&format!("{dir}/partition")) {
                    let part = BlockRef {
                        disk: disk.clone(),
                        partition: Some(child),
                    };
                    index.add(r, &dir, part);
                }
            }
        }
        index
    }

    fn add(&mut self, r: &Reader, dir: &str, dev: BlockRef) {
        if let Some(devno) = r.read_quiet(&format!("{dir}/dev")) {
            self.by_devno.insert(devno.trim().to_string(), dev.clone());
        }
        self.by_name.insert(dev.name().to_string(), dev);
    }

    /// The device under a mount, by number first, then by the source's name.
    fn resolve(&self, root: &Path, m: &Mount) -> Option<BlockRef> {
        // Major 0 is an anonymous device (tmpfs, overlay, btrfs subvolumes): never in sys/block.
        if !m.major_minor.starts_with("0:")
            && let Some(dev) = self.by_devno.get(&m.major_minor)
        {
            return Some(dev.clone());
        }
        self.by_source(root, &m.source)
    }

    fn by_source(&self, root: &Path, source: &str) -> Option<BlockRef> {
        if let Some(name) = source.strip_prefix("/dev/mapper/") {
            let dm = self.dm_names.get(name)?;
            return self.by_name.get(dm).cloned();
        }
        let name = source.strip_prefix("/dev/")?;
        if let Some(dev) = self.by_name(name) {
            return Some(dev);
        }
        // /dev/disk/by-uuid/… and other symlinks: follow them on the node itself.
        let real = fs::canonicalize(root.join(source.trim_start_matches('/'))).ok()?;
        self.by_name(&real.file_name()?.to_string_lossy())
    }

    /// A device by name; a partition missing from the index is found through its disk's name.
    fn by_name(&self, name: &str) -> Option<BlockRef> {
        if let Some(dev) = self.by_name.get(name) {
            return Some(dev.clone());
        }
        let disk = partition_parent(name)?;
        self.by_name.contains_key(disk).then(|| BlockRef {
            disk: disk.to_string(),
            partition: Some(name.to_string()),
        })
    }
}

/// The disk a partition name belongs to by the kernel's naming: `sda1` → `sda`,
/// `nvme0n1p1` → `nvme0n1`, `mmcblk0p2` → `mmcblk0`. A disk whose name ends in a digit
/// separates its partition number with `p`. Only a fallback: the sysfs index knows better.
fn partition_parent(name: &str) -> Option<&str> {
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
    if stem.len() == name.len() || stem.is_empty() {
        return None;
    }
    if let Some(disk) = stem.strip_suffix('p')
        && disk.ends_with(|c: char| c.is_ascii_digit())
    {
        return Some(disk);
    }
    // `sda1` form: only for disk names without digits (`nvme0n1` is a disk, not `nvme0n`'s
    // partition 1).
    (!stem.contains(|c: char| c.is_ascii_digit())).then_some(stem)
}

/// Queue settings of one whole disk, read once however many mounts it serves.
#[derive(Debug, Default)]
struct QueueFacts {
    slaves: Vec<String>,
    rotational: Option<bool>,
    read_ahead_kb: Option<u64>,
    scheduler: Option<String>,
}

fn queue_facts(r: &mut Reader, index: &BlockIndex, disk: &str) -> QueueFacts {
    let q = format!("sys/block/{disk}/queue");
    let mut slaves = BTreeSet::new();
    leaf_disks(r, index, disk, 0, &mut slaves);
    slaves.remove(disk);
    // dm devices report a rotational flag of their own that says nothing about the disks.
    let rotational = if slaves.is_empty() {
        read_rotational(r, disk)
    } else {
        let flags: Vec<bool> = slaves
            .iter()
            .filter_map(|s| read_rotational(r, s))
            .collect();
        if flags.is_empty() {
            read_rotational(r, disk)
        } else {
            Some(flags.contains(&true))
        }
    };
    QueueFacts {
        slaves: slaves.into_iter().collect(),
        rotational,
        read_ahead_kb: r.read_num(&format!("{q}/read_ahead_kb")),
        scheduler: r.read_parsed(
            &format!("{q}/scheduler"),
            |v| scheduler_word(v).map(str::to_string),
            "a scheduler list such as \"none [mq-deadline]\"",
        ),
    }
}

/// The whole disks at the bottom of a dm/md stack (`disk` itself when it has no slaves).
fn leaf_disks(
    r: &mut Reader,
    index: &BlockIndex,
    disk: &str,
    depth: usize,
    out: &mut BTreeSet<String>,
) {
    let slaves = r.list_dir_quiet(&format!("sys/block/{disk}/slaves"));
    if slaves.is_empty() || depth >= MAX_SLAVE_DEPTH {
        out.insert(disk.to_string());
        return;
    }
    for s in slaves {
        // A slave may be a partition (LVM on sdb1): its queue is its disk's.
        let whole = index.by_name(&s).map_or(s, |d| d.disk);
        leaf_disks(r, index, &whole, depth + 1, out);
    }
}

fn read_rotational(r: &mut Reader, disk: &str) -> Option<bool> {
    r.read_parsed(
        &format!("sys/block/{disk}/queue/rotational"),
        |v| match v {
            "0" => Some(false),
            "1" => Some(true),
            _ => None,
        },
        "0 or 1",
    )
}

fn device_size(r: &mut Reader, d: &BlockRef) -> Option<u64> {
    let rel = match &d.partition {
        Some(p) => format!("sys/block/{}/{p}/size", d.disk),
        None => format!("sys/block/{}/size", d.disk),
    };
    let sectors: u64 = r.read_num(&rel)?;
    sectors.checked_mul(SECTOR_BYTES)
}

// ---------------------------------------------------------------------------------------------
// Parsers of single files (pure)

/// A `Key:   <n> kB` line of /proc/meminfo in bytes (lines without a unit are counts).
fn meminfo_bytes(text: &str, key: &str) -> Option<u128> {
    let rest = text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key).then_some(v)
    })?;
    let mut words = rest.split_whitespace();
    let n: u128 = words.next()?.parse().ok()?;
    match words.next() {
        None => Some(n),
        Some("kB") => n.checked_mul(1024),
        Some(_) => None,
    }
}

/// The word in brackets of a sysfs choice file: `always [madvise] never` → `madvise`.
fn bracketed_word(text: &str) -> Option<&str> {
    let start = text.find('[')? + 1;
    let len = text[start..].find(']')?;
    let word = text[start..start + len].trim();
    (!word.is_empty() && !word.contains(char::is_whitespace)).then_some(word)
}

/// The active scheduler: bracketed, or the only word when there is no choice (`none`).
fn scheduler_word(text: &str) -> Option<&str> {
    if let Some(w) = bracketed_word(text) {
        return Some(w);
    }
    let mut words = text.split_whitespace();
    let only = words.next()?;
    (words.next().is_none() && !only.contains(['[', ']'])).then_some(only)
}

/// Number of CPUs (or nodes) in a kernel list such as `0-3,8-11`.
fn cpulist_count(text: &str) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut total: u32 = 0;
    for part in text.split(',') {
        let n = match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u32, u32) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
                b.checked_sub(a)?.checked_add(1)?
            }
            None => {
                part.trim().parse::<u32>().ok()?;
                1
            }
        };
        total = total.checked_add(n)?;
    }
    Some(total)
}

fn cpuinfo_processors(text: &str) -> Option<u32> {
    let n = text
        .lines()
        .filter(|l| {
            l.split_once(':')
                .is_some_and(|(k, _)| k.trim() == "processor")
        })
        .count();
    (n > 0).then(|| u32::try_from(n).unwrap_or(u32::MAX))
}

/// `model name` on x86, `Model` on some ARM boards.
fn cpuinfo_model(text: &str) -> Option<String> {
    ["model name", "Model"].iter().find_map(|key| {
        text.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            let v = v.trim();
            (k.trim() == *key && !v.is_empty()).then(|| v.to_string())
        })
    })
}

/// `Key:\tvalue` of /proc/<pid>/status.
fn status_field<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k == key).then(|| v.trim())
    })
}

/// The four limits Cassandra cares about from /proc/<pid>/limits, whose rows are
/// `Max open files            20000                20000                files`.
fn parse_limits(text: &str) -> Limits {
    let mut l = Limits::default();
    for line in text.lines() {
        let slot = |name: &str| {
            let mut words = line.strip_prefix(name)?.split_whitespace();
            Some((parse_limit(words.next()?), parse_limit(words.next()?)))
        };
        if let Some((s, h)) = slot("Max open files") {
            (l.nofile_soft, l.nofile_hard) = (s, h);
        } else if let Some((s, h)) = slot("Max processes") {
            (l.nproc_soft, l.nproc_hard) = (s, h);
        } else if let Some((s, h)) = slot("Max locked memory") {
            (l.memlock_soft, l.memlock_hard) = (s, h);
        } else if let Some((s, h)) = slot("Max address space") {
            (l.as_soft, l.as_hard) = (s, h);
        }
    }
    l
}

fn parse_limit(word: &str) -> Option<Limit> {
    if word == "unlimited" {
        return Some(Limit::Unlimited);
    }
    word.parse().ok().map(Limit::Value)
}

/// Active swap areas of /proc/swaps: name and size in KiB.
fn parse_swaps(text: &str) -> Vec<(String, Option<u64>)> {
    text.lines()
        .filter(|l| !l.starts_with("Filename"))
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let name = unescape_octal(words.next()?);
            let size = words.nth(1).and_then(|s| s.parse().ok());
            Some((name, size))
        })
        .collect()
}

/// One line of /proc/<pid>/mountinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mount {
    major_minor: String,
    /// The directory of the filesystem that is mounted ("/" unless a bind mount).
    root: String,
    mount_point: String,
    options: Vec<String>,
    fs_type: String,
    source: String,
    super_options: Vec<String>,
}

/// Parses mountinfo (`36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw`): six
/// fields, optional fields up to `-`, then type, source and superblock options. Returns the
/// mounts and the number of lines that did not fit.
fn parse_mountinfo(text: &str) -> (Vec<Mount>, usize) {
    let mut mounts = Vec::new();
    let mut bad = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match parse_mount_line(line) {
            Some(m) => mounts.push(m),
            None => bad += 1,
        }
    }
    (mounts, bad)
}

fn parse_mount_line(line: &str) -> Option<Mount> {
    // The kernel escapes spaces in paths as \040, so whitespace separates fields.
    let fields: Vec<&str> = line.split_whitespace().collect();
    let dash = fields.iter().skip(6).position(|f| *f == "-")? + 6;
    let after = &fields[dash + 1..];
    let options = |s: &str| s.split(',').map(str::to_string).collect::<Vec<_>>();
    Some(Mount {
        major_minor: fields[2].to_string(),
        root: unescape_octal(fields[3]),
        mount_point: unescape_octal(fields[4]),
        options: options(fields[5]),
        fs_type: unescape_octal(after.first()?),
        source: unescape_octal(after.get(1)?),
        super_options: after.get(2).map(|s| options(s)).unwrap_or_default(),
    })
}

/// Undoes the kernel's `\ooo` escaping of space, tab, newline and backslash in paths.
fn unescape_octal(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let octal = b.get(i + 1..i + 4).filter(|d| {
            b[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)) && d[0] <= b'3'
        });
        match octal {
            Some(d) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `2024-05-01T12:00:00Z` (UTC, seconds) without a date crate.
fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day): H. Hinnant's `civil_from_days`.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn meminfo_reads_kb_and_counts() {
        let text =
            "MemTotal:       24684092 kB\nSwapTotal:             0 kB\nHugePages_Total:       4\n";
        assert_eq!(meminfo_bytes(text, "MemTotal"), Some(24_684_092 * 1024));
        assert_eq!(meminfo_bytes(text, "SwapTotal"), Some(0));
        assert_eq!(meminfo_bytes(text, "HugePages_Total"), Some(4));
        assert_eq!(meminfo_bytes(text, "MemFree"), None);
    }

    #[test]
    fn meminfo_garbage_is_none() {
        assert_eq!(meminfo_bytes("MemTotal: lots kB", "MemTotal"), None);
        assert_eq!(meminfo_bytes("MemTotal: 12 MB", "MemTotal"), None);
        assert_eq!(meminfo_bytes("MemTotal", "MemTotal"), None);
        assert_eq!(meminfo_bytes("", "MemTotal"), None);
        // Overflow of the ×1024 is refused, not wrapped.
        let huge = format!("MemTotal: {} kB", u128::MAX / 2);
        assert_eq!(meminfo_bytes(&huge, "MemTotal"), None);
    }

    #[test]
    fn bracketed_word_picks_the_active_choice() {
        assert_eq!(bracketed_word("always [madvise] never\n"), Some("madvise"));
        assert_eq!(bracketed_word("[always] madvise never"), Some("always"));
        assert_eq!(
            bracketed_word("always defer defer+madvise [madvise] never"),
            Some("madvise")
        );
        assert_eq!(bracketed_word("always madvise never"), None);
        assert_eq!(bracketed_word("[] x"), None);
        assert_eq!(bracketed_word("[always"), None);
    }

    #[test]
    fn scheduler_accepts_a_lone_word() {
        assert_eq!(
            scheduler_word("none [mq-deadline] kyber bfq"),
            Some("mq-deadline")
        );
        assert_eq!(scheduler_word("none"), Some("none"));
        assert_eq!(scheduler_word("none kyber"), None);
    }

    #[test]
    fn cpulist_counts_ranges() {
        assert_eq!(cpulist_count("0-1"), Some(2));
        assert_eq!(cpulist_count("0"), Some(1));
        assert_eq!(cpulist_count("0-3,8-11\n"), Some(8));
        assert_eq!(cpulist_count("0,2,4-5"), Some(4));
        assert_eq!(cpulist_count(""), None);
        assert_eq!(cpulist_count("3-1"), None);
        assert_eq!(cpulist_count("a-b"), None);
        assert_eq!(cpulist_count("0-4294967295"), None);
    }

    #[test]
    fn limits_rows_with_unlimited() {
        let text = "\
Limit                     Soft Limit           Hard Limit           Units
Max processes             96365                unlimited            processes
Max open files            1024                 524288               files
Max locked memory         65536                65536                bytes
Max address space         unlimited            unlimited            bytes
Max pending signals       96365                96365                signals
";
        let l = parse_limits(text);
        assert_eq!(l.nproc_soft, Some(Limit::Value(96365)));
        assert_eq!(l.nproc_hard, Some(Limit::Unlimited));
        assert_eq!(l.nofile_soft, Some(Limit::Value(1024)));
        assert_eq!(l.nofile_hard, Some(Limit::Value(524_288)));
        assert_eq!(l.memlock_soft, Some(Limit::Value(65536)));
        assert_eq!(l.as_soft, Some(Limit::Unlimited));
        assert_eq!(l.as_hard, Some(Limit::Unlimited));
    }

    #[test]
    fn limits_garbage_leaves_fields_unknown() {
        let l = parse_limits("Max open files   many   lots  files\nMax processes\n\u{fffd}\n");
        assert!(l.is_empty(), "{l:?}");
    }

    #[test]
    fn mountinfo_unescapes_spaces_and_splits_options() {
        let text = "36 35 98:0 /mnt1 /mnt/my\\040data rw,noatime master:1 - ext4 /dev/sdb1 rw,discard\n\
                    27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n";
        let (mounts, bad) = parse_mountinfo(text);
        assert_eq!(bad, 0);
        assert_eq!(mounts.len(), 2);
        let m = &mounts[0];
        assert_eq!(m.mount_point, "/mnt/my data");
        assert_eq!(m.root, "/mnt1");
        assert_eq!(m.major_minor, "98:0");
        assert_eq!(m.options, ["rw", "noatime"]);
        assert_eq!(m.fs_type, "ext4");
        assert_eq!(m.source, "/dev/sdb1");
        assert_eq!(m.super_options, ["rw", "discard"]);
        assert_eq!(mounts[1].mount_point, "/");
    }

    #[test]
    fn mountinfo_counts_bad_lines() {
        let (mounts, bad) =
            parse_mountinfo("garbage\n1 2 3 4 5 6 - \n\n27 1 254:0 / / rw - ext4 /dev/vda rw\n");
        assert_eq!(mounts.len(), 1);
        assert_eq!(bad, 2);
    }

    #[test]
    fn unescape_handles_tab_backslash_and_stray_backslash() {
        assert_eq!(unescape_octal("a\\011b\\134c"), "a\tb\\c");
        assert_eq!(unescape_octal("end\\"), "end\\");
        assert_eq!(unescape_octal("\\9xx"), "\\9xx");
        assert_eq!(unescape_octal("\\777"), "\\777");
    }

    #[test]
    fn swaps_lists_names_and_sizes() {
        let text = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n\
                    /dev/sda2                               partition\t8388604\t\t0\t\t-2\n\
                    /swap\\040file                          file\t\t1048572\t\t0\t\t-3\n";
        let swaps = parse_swaps(text);
        assert_eq!(
            swaps,
            [
                ("/dev/sda2".to_string(), Some(8_388_604)),
                ("/swap file".to_string(), Some(1_048_572))
            ]
        );
        assert!(parse_swaps("Filename Type Size Used Priority\n").is_empty());
    }

    #[test]
    fn partition_parent_follows_kernel_naming() {
        assert_eq!(partition_parent("sda1"), Some("sda"));
        assert_eq!(partition_parent("xvdb12"), Some("xvdb"));
        assert_eq!(partition_parent("nvme0n1p1"), Some("nvme0n1"));
        assert_eq!(partition_parent("mmcblk0p2"), Some("mmcblk0"));
        assert_eq!(partition_parent("sda"), None);
        // A whole disk whose name ends in a digit has no partition number of its own.
        assert_eq!(partition_parent("nvme0n1"), None);
        assert_eq!(partition_parent("123"), None);
    }

    #[test]
    fn cassandra_cmdline_needs_java_and_the_daemon() {
        let java = "/usr/lib/jvm/java-11/bin/java\0-Xmx8G\0-cp\0/x\0org.apache.cassandra.service.CassandraDaemon\0";
        assert!(is_cassandra_cmdline(java));
        assert!(!is_cassandra_cmdline("grep\0CassandraDaemon\0"));
        assert!(!is_cassandra_cmdline("/usr/bin/java\0-jar\0app.jar\0"));
        assert!(!is_cassandra_cmdline(""));
        assert!(!is_cassandra_cmdline("\0\0"));
    }

    #[test]
    fn cpuinfo_model_and_count() {
        let text = "processor\t: 0\nmodel name\t: Intel(R) Xeon(R)\n\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R)\n";
        assert_eq!(cpuinfo_processors(text), Some(2));
        assert_eq!(cpuinfo_model(text).as_deref(), Some("Intel(R) Xeon(R)"));
        assert_eq!(
            cpuinfo_model("Model\t: Raspberry Pi 4\n").as_deref(),
            Some("Raspberry Pi 4")
        );
        assert_eq!(cpuinfo_processors("garbage"), None);
        assert_eq!(cpuinfo_model("model name\t:\n"), None);
    }

    #[test]
    fn mount_for_matches_whole_components() {
        let m = |p: &str| Mount {
            major_minor: "8:1".into(),
            root: "/".into(),
            mount_point: p.into(),
            options: vec![],
            fs_type: "ext4".into(),
            source: "/dev/sda1".into(),
            super_options: vec![],
        };
        let mounts = [m("/"), m("/data"), m("/data/db"), m("/data")];
        assert_eq!(mount_for(&mounts, Path::new("/database/x")), Some(0));
        assert_eq!(mount_for(&mounts, Path::new("/data/x")), Some(3));
        assert_eq!(mount_for(&mounts, Path::new("/data/db/ks")), Some(2));
        assert_eq!(mount_for(&mounts, Path::new("relative")), None);
        assert!(is_shadowed(&mounts, 1) && !is_shadowed(&mounts, 3));
    }

    #[test]
    fn lexical_path_cleanup() {
        assert_eq!(lexical(Path::new("/a/./b/../c/")), PathBuf::from("/a/c"));
    }

    #[test]
    fn virtual_disks() {
        assert!(is_virtual_disk("loop0") && is_virtual_disk("zram0") && is_virtual_disk("ram15"));
        assert!(!is_virtual_disk("loopy") && !is_virtual_disk("sda"));
    }

    #[test]
    fn rfc3339_known_instants() {
        let at = |s| rfc3339(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn snippet_cuts_long_garbage() {
        assert_eq!(snippet("short"), "short");
        let long = "é".repeat(100);
        assert_eq!(snippet(&long).chars().count(), 61);
    }

    #[test]
    fn merge_keeps_base_and_fills_gaps() {
        let mut flags = HostFacts {
            cores: Some(16),
            source: Some("flags".into()),
            ..HostFacts::default()
        };
        let file = HostFacts {
            cores: Some(8),
            ram_bytes: Some(64 << 30),
            thp_enabled: Some("always".into()),
            limits: Limits {
                nofile_soft: Some(Limit::Value(1024)),
                ..Limits::default()
            },
            limits_source: Some("/proc/9/limits".into()),
            errors: vec!["/proc/swaps: gone".into()],
            source: Some("collect-host".into()),
            ..HostFacts::default()
        };
        merge(&mut flags, &file);
        assert_eq!(flags.cores, Some(16));
        assert_eq!(flags.ram_bytes, Some(64 << 30));
        assert_eq!(flags.thp_enabled.as_deref(), Some("always"));
        assert_eq!(flags.limits.nofile_soft, Some(Limit::Value(1024)));
        assert_eq!(flags.limits_source.as_deref(), Some("/proc/9/limits"));
        assert_eq!(flags.errors, ["/proc/swaps: gone"]);
        assert_eq!(flags.source.as_deref(), Some("flags + collect-host"));
    }

    #[test]
    fn merge_keeps_limits_with_their_source() {
        let mut base = HostFacts {
            limits: Limits {
                nproc_soft: Some(Limit::Unlimited),
                ..Limits::default()
            },
            limits_source: Some("/proc/self/limits".into()),
            ..HostFacts::default()
        };
        let other = HostFacts {
            limits: Limits {
                nofile_soft: Some(Limit::Value(1024)),
                ..Limits::default()
            },
            limits_source: Some("/proc/9/limits".into()),
            source: Some("collect-host".into()),
            ..HostFacts::default()
        };
        merge(&mut base, &other);
        assert_eq!(base.limits.nofile_soft, None);
        assert_eq!(base.limits_source.as_deref(), Some("/proc/self/limits"));
        assert_eq!(base.source.as_deref(), Some("collect-host"));
    }

    #[test]
    fn from_json_rejects_other_kinds_and_versions() {
        let p = Path::new("h.json");
        let err = |t: &str| format!("{:#}", from_json(t, p).unwrap_err());
        assert!(err("[1]").contains("found an array"), "{}", err("[1]"));
        assert!(err("{}").contains("no \"kind\""));
        assert!(err(r#"{"kind":"casstune-snapshot"}"#).contains("\"casstune-snapshot\""));
        let newer = r#"{"kind":"casstune-host-facts","format_version":2,"facts":{}}"#;
        assert!(err(newer).contains("newer casstune"));
        let no_facts = r#"{"kind":"casstune-host-facts","format_version":1}"#;
        assert!(err(no_facts).contains("without a \"facts\""));
        let bad = r#"{"kind":"casstune-host-facts","format_version":1,"facts":{"cores":"many"}}"#;
        assert!(err(bad).contains("invalid value"), "{}", err(bad));
        let ok = r#"{"kind":"casstune-host-facts","format_version":1,"facts":{"cores":4,"future_field":1}}"#;
        assert_eq!(from_json(ok, p).unwrap().cores, Some(4));
    }
}
