//! Host and OS rules (OS-0xx) from the facts `casstune collect-host` gathers: swap, THP,
//! read-ahead, kernel limits, clocks, NUMA, disks. The floors for RAM and cores are
//! HW-004/HW-005 in rules/hardware.yaml and are not repeated here.
//!
//! Disk media: `rotational` comes from /sys/block. Virtual disks (virtio `vd*`, Xen `xvd*`)
//! commonly report rotational = 1 whatever backs them, so a rotational virtual disk counts as
//! unknown media: rules about spinning disks stay quiet on it, and read-ahead is judged
//! against Cassandra's own generic limit.

use super::advice::qname;
use super::signals::{bytes, colocated, ev, num, os, pct, setting, setting_ev};
use super::{Builtin, Scope};
use crate::engine::{Ctx, Emitter, Family, Finding, Fix, Need, Safety, Severity};
use crate::model::host::{Disk, Limit};
use crate::model::schema::is_system_keyspace;
use crate::model::{HostFacts, Node};

const HOST: &[Need] = &[Need::HostFacts];
const STARTUP_CHECKS: &str = "apache/cassandra src/java/org/apache/cassandra/service/StartupChecks.java (checkMaxMapCount, checkReadAheadKbSetting, checkProcessEnvironment: swap, nproc, nofile)";
const DSE_SETTINGS: &str = "https://docs.datastax.com/en/cassandra-oss/3.x/cassandra/install/installRecommendSettings.html (recommended production settings: swap, THP, limits, zone_reclaim_mode, clocksource, NUMA, schedulers)";
const PRODUCTION: &str = "https://cassandra.apache.org/doc/latest/cassandra/getting-started/production.html (read-ahead: 4 KB on SSD, 64 KB on spinning disks)";
const LIMITS_NOTE: &str = "# systemd ignores limits.conf: set the same limit in a drop-in (systemctl edit cassandra), then restart node by node";

macro_rules! os_rule {
    ($id:literal, $name:literal, $sev:expr, $impact:expr, $conf:expr, $needs:expr, $params:expr, $summary:literal, $why:literal, $evidence:literal, $fix:literal, $refs:expr, $check:ident) => {
        Builtin {
            id: $id,
            name: $name,
            family: Family::Hardware,
            severity: $sev,
            min_version: None,
            max_version: None,
            blocks_startup: false,
            impact: $impact,
            confidence: $conf,
            needs: $needs,
            params: $params,
            summary: $summary,
            why: $why,
            evidence: $evidence,
            fix: $fix,
            references: $refs,
            check: Scope::Node($check),
        }
    };
}

pub static RULES: &[Builtin] = &[
    os_rule!(
        "OS-001",
        "swap-enabled",
        Severity::Warning,
        0.7,
        0.9,
        HOST,
        &[],
        "Swap is enabled on the node's machine.",
        "A JVM whose heap pages are swapped out stalls every GC that touches them: pauses of seconds, the node flapping in gossip. Cassandra's own startup check reports swap as \"degraded mode\"; the recommended setting is no swap at all, letting the OOM killer act rather than the node limping.",
        "SwapTotal from /proc/meminfo (host.swap_bytes), the active areas in /proc/swaps and vm.swappiness.",
        "Turn swap off (swapoff -a) and remove it from /etc/fstab; at the very least set vm.swappiness=1.",
        &[STARTUP_CHECKS, DSE_SETTINGS],
        swap_enabled
    ),
    os_rule!(
        "OS-002",
        "transparent-hugepages-always",
        Severity::Warning,
        0.6,
        0.85,
        HOST,
        &[],
        "Transparent huge pages set to `always`.",
        "With THP always, the kernel compacts memory to build huge pages on the allocation path (khugepaged and direct compaction): long, unpredictable stalls in the JVM and high system CPU. DataStax's recommended settings disable THP; Cassandra's options already pre-touch the heap (-XX:+AlwaysPreTouch), so nothing is lost.",
        "/sys/kernel/mm/transparent_hugepage/enabled and defrag.",
        "echo never into transparent_hugepage/enabled and defrag now, and transparent_hugepage=never on the kernel command line for boots.",
        &[
            DSE_SETTINGS,
            "apache/cassandra conf/jvm-server.options (-XX:+AlwaysPreTouch)"
        ],
        thp_always
    ),
    os_rule!(
        "OS-003",
        "read-ahead-high",
        Severity::Warning,
        0.6,
        0.8,
        HOST,
        &[
            ("ssd_max_kb", 8.0),
            ("hdd_max_kb", 64.0),
            ("unknown_max_kb", 128.0)
        ],
        "Read-ahead on a data disk above 8 KiB (flash), 64 KiB (spinning) or, media unknown, Cassandra's own 128 KiB limit.",
        "Cassandra reads small pieces scattered over sstables; every read pulls in read_ahead_kb of neighbouring data it does not need, wasting disk bandwidth and evicting useful pages from the page cache. Cassandra's startup check warns above 128 KiB and advises at most 8 KiB on SSD and 64 KiB on spinning disks; the Apache production page recommends 4 KiB on SSD.",
        "read_ahead_kb and rotational of each data disk (/sys/block/<dev>/queue). Virtual disks (vd*, xvd*) report rotational=1 whatever backs them and are judged against the 128 KiB limit.",
        "blockdev --setra <sectors> on the device now, and a udev rule setting queue/read_ahead_kb for boots.",
        &[STARTUP_CHECKS, PRODUCTION],
        read_ahead_high
    ),
    os_rule!(
        "OS-004",
        "spinning-disk-with-leveled-compaction",
        Severity::Warning,
        0.6,
        0.7,
        &[Need::HostFacts, Need::Schema],
        &[],
        "Tables use LeveledCompactionStrategy on a node whose data disk is spinning.",
        "LCS rewrites data many times over (write amplification of roughly 10× per level) in many concurrent small compactions: fine on SSD, but on spinning disks the seeks saturate the disk and compaction falls behind, which defeats LCS's purpose. Size-tiered (or TWCS for time series) suits spinning disks.",
        "rotational of the data disks (virtual disks count as unknown and stay quiet) and the compaction class of every user table.",
        "Move the node to SSD, or switch those tables to SizeTieredCompactionStrategy.",
        &[
            "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/compaction/lcs.html",
            DSE_SETTINGS
        ],
        spinning_disk_with_lcs
    ),
    os_rule!(
        "OS-005",
        "max-map-count-low",
        Severity::Warning,
        0.6,
        0.9,
        HOST,
        &[("min", 1048575.0)],
        "vm.max_map_count below 1048575.",
        "Cassandra memory-maps its sstable index (and, with disk_access_mode mmap, data) files: thousands of mappings per large node. When the count runs out, mmap fails with an OutOfMemoryError (\"Map failed\") and the node dies. Cassandra's startup check warns below 1048575.",
        "vm.max_map_count, and disk_access_mode as written in cassandra.yaml (standard/direct map nothing; a running node's settings show the data mode only, so they cannot rule mapping out).",
        "sysctl -w vm.max_map_count=1048575 and the same line in /etc/sysctl.d/ for boots.",
        &[STARTUP_CHECKS, DSE_SETTINGS],
        max_map_count_low
    ),
    os_rule!(
        "OS-006",
        "nofile-limit-low",
        Severity::Warning,
        0.6,
        0.85,
        HOST,
        &[("min", 100000.0)],
        "The Cassandra process may open fewer than 100 000 files.",
        "Every sstable component, commit log segment, client and internode connection is a file descriptor: a node with many sstables (LCS, many tables) runs out and fails with \"Too many open files\". DataStax recommends nofile 1048576 (at least 100 000); Cassandra's startup check reports degraded mode below 10 000.",
        "The soft nofile limit of the Cassandra process (/proc/<pid>/limits), else process.max_fds from the metrics.",
        "Raise nofile for the cassandra user (limits.d) and in the systemd unit (LimitNOFILE), then restart.",
        &[STARTUP_CHECKS, DSE_SETTINGS],
        nofile_low
    ),
    os_rule!(
        "OS-007",
        "nproc-limit-low",
        Severity::Warning,
        0.5,
        0.85,
        HOST,
        &[("min", 32768.0)],
        "The Cassandra process may create fewer than 32768 processes/threads.",
        "Threads count against nproc: request stages, compaction, streaming, repair sessions and internode connections each take some, and hitting the limit fails with \"unable to create new native thread\", usually under load. Cassandra's startup check reports degraded mode below 32768.",
        "The soft nproc limit of the Cassandra process (/proc/<pid>/limits).",
        "Raise nproc for the cassandra user (limits.d) and in the systemd unit (LimitNPROC).",
        &[STARTUP_CHECKS, DSE_SETTINGS],
        nproc_low
    ),
    os_rule!(
        "OS-008",
        "memlock-limited",
        Severity::Info,
        0.3,
        0.8,
        HOST,
        &[],
        "The Cassandra process may not lock its memory (memlock is not unlimited).",
        "At startup Cassandra calls mlockall to keep the JVM in RAM and logs \"Unable to lock JVM memory (ENOMEM)… Increase RLIMIT_MEMLOCK\" when it cannot: the heap can then be swapped out. It matters most where swap is on (then a warning); DataStax recommends memlock unlimited.",
        "The soft memlock limit of the Cassandra process, and whether swap is on.",
        "Set memlock unlimited for the cassandra user (limits.d) and LimitMEMLOCK=infinity in the systemd unit.",
        &[
            "apache/cassandra src/java/org/apache/cassandra/utils/NativeLibrary.java (tryMlockall)",
            DSE_SETTINGS
        ],
        memlock_limited
    ),
    os_rule!(
        "OS-009",
        "clocksource-not-tsc",
        Severity::Info,
        0.3,
        0.6,
        HOST,
        &[],
        "The kernel clock source is not tsc although tsc is available.",
        "Cassandra reads the clock constantly (timestamps, latency metrics, timeouts). Clock sources other than tsc (hpet, xen, acpi_pm) can be much slower to read, costing CPU on every request; DataStax's recommended settings ask for tsc where the platform offers it.",
        "current_clocksource and available_clocksource of /sys/devices/system/clocksource/clocksource0.",
        "echo tsc into current_clocksource, and clocksource=tsc on the kernel command line.",
        &[DSE_SETTINGS],
        clocksource_not_tsc
    ),
    os_rule!(
        "OS-010",
        "zone-reclaim-on",
        Severity::Warning,
        0.5,
        0.85,
        HOST,
        &[],
        "vm.zone_reclaim_mode is not 0.",
        "With zone reclaim on, a NUMA machine reclaims (drops page cache, or swaps) within the local node instead of using free memory on the other node: page cache is thrown away while RAM sits free, and allocation stalls. DataStax's recommended settings require 0.",
        "/proc/sys/vm/zone_reclaim_mode.",
        "sysctl -w vm.zone_reclaim_mode=0 and the same in /etc/sysctl.d/.",
        &[DSE_SETTINGS],
        zone_reclaim_on
    ),
    os_rule!(
        "OS-011",
        "numa-without-interleave",
        Severity::Info,
        0.3,
        0.4,
        HOST,
        &[],
        "A multi-socket (NUMA) machine where nothing shows Cassandra's memory is spread across nodes.",
        "On NUMA hardware, memory allocated by one socket and used by another is slower. bin/cassandra starts the JVM under `numactl --interleave=all` when numactl is installed, and the stock options add -XX:+UseNUMA; without either, the heap may sit on one node. casstune cannot see the process's command line, so this is a reminder to check, with low confidence; it stays quiet when the options files set -XX:+UseNUMA.",
        "host.numa_nodes, and -XX:+UseNUMA in the options files when collected.",
        "Install numactl (bin/cassandra then interleaves memory) or add -XX:+UseNUMA.",
        &[
            DSE_SETTINGS,
            "apache/cassandra bin/cassandra (numactl --interleave=all)",
            "apache/cassandra conf/jvm-server.options (-XX:+UseNUMA)"
        ],
        numa_without_interleave
    ),
    os_rule!(
        "OS-012",
        "commitlog-on-spinning-data-disk",
        Severity::Warning,
        0.5,
        0.8,
        HOST,
        &[],
        "The commit log shares a spinning disk with the data directories.",
        "The commit log is appended and fsynced sequentially; on a spinning disk shared with sstable reads, flushes and compaction, every commit log write waits for seeks: write latency follows the read and compaction load. On flash this matters little (HW-001 only notes the shared path). Virtual disks count as unknown media and stay quiet.",
        "The roles (data, commitlog) and rotational flag of each mounted device.",
        "Give the commit log its own device (commitlog_directory).",
        &[
            PRODUCTION,
            "apache/cassandra conf/cassandra.yaml (commitlog_directory: a separate spindle)"
        ],
        commitlog_on_spinning_data_disk
    ),
    os_rule!(
        "OS-013",
        "data-disk-headroom-low",
        Severity::Warning,
        0.8,
        0.8,
        HOST,
        &[("stcs_max_used", 0.5), ("other_max_used", 0.8)],
        "A data disk is fuller than its compaction strategy can live with (50 % with size-tiered tables, 80 % otherwise).",
        "Compaction writes the new sstables before deleting the old ones: a size-tiered merge of the largest tier can need as much free space as the data it merges, so STCS nodes keep about half the disk free; leveled and time-window compaction work in smaller steps but still need headroom, plus room for snapshots and streaming. A full data disk stops writes (disk_failure_policy) and compaction.",
        "Used bytes of each data disk (from the host facts; else the node's storage.load_bytes, a lower bound since snapshots and obsolete sstables are left out) against its size, and whether any user table uses size-tiered compaction (the default, assumed without a schema).",
        "Clear unneeded snapshots (nodetool listsnapshots / clearsnapshot), then add disk or nodes.",
        &[
            "https://docs.datastax.com/en/planning/oss/capacity-planning.html (free space for compaction)",
            "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/compaction/index.html"
        ],
        data_disk_headroom
    ),
    os_rule!(
        "OS-014",
        "ssd-io-scheduler",
        Severity::Info,
        0.3,
        0.6,
        HOST,
        &[],
        "A flash data disk uses a fair-queueing I/O scheduler (bfq or cfq).",
        "bfq and cfq reorder and idle to share a seeking disk fairly; on flash they only add CPU and latency. DataStax recommends deadline or noop (mq-deadline or none on multi-queue kernels) for SSDs.",
        "The active scheduler and rotational flag of each data disk.",
        "echo none (or mq-deadline) into /sys/block/<dev>/queue/scheduler, and a udev rule for boots.",
        &[DSE_SETTINGS],
        ssd_io_scheduler
    ),
    os_rule!(
        "OS-015",
        "open-files-near-limit",
        Severity::Warning,
        0.7,
        0.8,
        &[Need::Metrics],
        &[("max_ratio", 0.8), ("error_ratio", 0.95)],
        "The Cassandra process uses more than 80 % of its file descriptor limit (an error from 95 %).",
        "When descriptors run out, flushes, compactions and new client connections fail with \"Too many open files\": the node stops writing sstables and may shut down under disk_failure_policy.",
        "process.open_fds against process.max_fds of the Cassandra JVM.",
        "Raise nofile (OS-006) and find what holds the descriptors (many small sstables, connection leaks).",
        &[DSE_SETTINGS],
        open_files_near_limit
    ),
];

// ---------------------------------------------------------------------------------------
// Shared

#[derive(Debug, Clone, Copy, PartialEq)]
enum Media {
    Ssd,
    Hdd,
    Unknown,
}

fn is_virtual(d: &Disk) -> bool {
    let virt = |n: &str| n.starts_with("vd") || n.starts_with("xvd");
    d.block_device.as_deref().is_some_and(virt) || d.slaves.iter().any(|s| virt(s))
}

fn media(d: &Disk) -> Media {
    match d.rotational {
        Some(false) => Media::Ssd,
        Some(true) if !is_virtual(d) => Media::Hdd,
        _ => Media::Unknown,
    }
}

fn data_disks(node: &Node) -> Vec<&Disk> {
    node.host
        .disks
        .iter()
        .filter(|d| d.role.iter().any(|r| r == "data"))
        .collect()
}

fn disk_name(d: &Disk) -> String {
    format!("{} ({})", d.device_key(), d.mount_point)
}

fn disk_ev(
    d: &Disk,
    what: &str,
    observed: String,
    expected: Option<String>,
) -> crate::engine::Evidence {
    ev(
        format!("host.disks[{}].{what}", d.device_key()),
        observed,
        expected,
    )
}

/// Limits read from casstune's own process are only indicative of Cassandra's.
fn limits_caveat(h: &HostFacts, f: &mut Finding) {
    if h.limits_source
        .as_deref()
        .is_some_and(|s| s.contains("/self/"))
    {
        f.confidence *= 0.6;
        f.message.push_str(
            " (limits of casstune's own process: pass --pid to collect-host for Cassandra's)",
        );
    }
}

fn limits_fix(item: &str, value: &str, systemd: &str) -> Fix {
    os(
        &format!(
            "echo 'cassandra - {item} {value}' > /etc/security/limits.d/cassandra-{item}.conf\n{LIMITS_NOTE} ({systemd})"
        ),
        Safety::Safe,
        &format!("raise {item} to {value} for the cassandra user (takes effect at the next start)"),
    )
}

fn sysctl_fix(key: &str, value: &str, safety: Safety, why: &str) -> Fix {
    os(
        &format!(
            "sysctl -w {key}={value}\necho '{key} = {value}' > /etc/sysctl.d/60-cassandra-{}.conf",
            key.rsplit('.').next().unwrap_or(key)
        ),
        safety,
        why,
    )
}

fn swap_on(h: &HostFacts) -> bool {
    h.swap_bytes.is_some_and(|s| s > 0) || !h.swap_devices.is_empty()
}

// ---------------------------------------------------------------------------------------
// Rules

fn swap_enabled(ctx: &Ctx, em: &mut Emitter) {
    let h = &ctx.node.host;
    if !swap_on(h) {
        return;
    }
    let f = em.emit(
        format!(
            "swap is on ({}{}): a swapped-out heap turns GC pauses into seconds",
            h.swap_bytes.map_or("size unknown".into(), bytes_u),
            if h.swap_devices.is_empty() {
                String::new()
            } else {
                format!(", {}", h.swap_devices.join(", "))
            }
        ),
        None,
    );
    f.evidence.push(ev(
        "host.swap_bytes",
        h.swap_bytes.map_or("unknown".into(), bytes_u),
        Some("0".into()),
    ));
    if !h.swap_devices.is_empty() {
        f.evidence.push(ev(
            "host.swap_devices",
            h.swap_devices.join(", "),
            Some("none".into()),
        ));
    }
    if let Some(s) = h.swappiness {
        f.evidence.push(ev(
            "host.swappiness",
            s.to_string(),
            Some("1 if swap must stay".into()),
        ));
    }
    f.fixes.push(os(
        "swapoff -a\nsed -i.bak '/\\sswap\\s/s/^/#/' /etc/fstab",
        Safety::Unsafe,
        "turn swap off now and at boot (make sure the machine does not rely on it for other processes)",
    ));
    if h.swappiness.is_some_and(|s| s > 1) {
        f.fixes.push(sysctl_fix(
            "vm.swappiness",
            "1",
            Safety::Unsafe,
            "if swap must stay: swap only under real memory pressure",
        ));
    }
}

fn bytes_u(v: u128) -> String {
    bytes(v as f64)
}

fn thp_always(ctx: &Ctx, em: &mut Emitter) {
    let h = &ctx.node.host;
    if h.thp_enabled.as_deref() != Some("always") {
        return;
    }
    let f = em.emit("transparent huge pages are `always`: the kernel compacts memory on allocation, stalling the JVM", None);
    f.evidence.push(ev(
        "host.thp_enabled",
        "always",
        Some("never (or madvise)".into()),
    ));
    if let Some(d) = &h.thp_defrag {
        f.evidence
            .push(ev("host.thp_defrag", d.clone(), Some("never".into())));
    }
    f.fixes.push(os(
        "echo never > /sys/kernel/mm/transparent_hugepage/enabled\necho never > /sys/kernel/mm/transparent_hugepage/defrag\n# at boot: add transparent_hugepage=never to GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub (or grub2-mkconfig)",
        Safety::Unsafe,
        "disable transparent huge pages now and at boot (affects every process on the machine)",
    ));
}

fn read_ahead_high(ctx: &Ctx, em: &mut Emitter) {
    for d in data_disks(ctx.node) {
        let Some(ra) = d.read_ahead_kb else { continue };
        let kind = media(d);
        let (limit, target, label) = match kind {
            Media::Ssd => (ctx.meta.param("ssd_max_kb"), 4, "flash"),
            Media::Hdd => (ctx.meta.param("hdd_max_kb"), 64, "spinning"),
            Media::Unknown => (ctx.meta.param("unknown_max_kb"), 64, "unknown media"),
        };
        if (ra as f64) <= limit {
            continue;
        }
        let note = if kind == Media::Unknown && is_virtual(d) {
            ", a virtual disk whose rotational flag means nothing"
        } else {
            ""
        };
        let f = em.emit(format!("read-ahead of data disk {} is {ra} KiB ({label}{note}): every small read drags in data Cassandra does not need", disk_name(d)), None);
        f.evidence.push(disk_ev(
            d,
            "read_ahead_kb",
            ra.to_string(),
            Some(format!("<= {} KiB for {label}", num(limit))),
        ));
        f.evidence.push(disk_ev(
            d,
            "rotational",
            d.rotational.map_or("unknown".into(), |r| r.to_string()),
            None,
        ));
        let dev = d.device_key().to_string();
        f.fixes.push(os(
            &format!(
                "blockdev --setra {} /dev/{dev}\necho 'ACTION==\"add|change\", KERNEL==\"{dev}\", ATTR{{queue/read_ahead_kb}}=\"{target}\"' > /etc/udev/rules.d/60-cassandra-readahead.rules",
                target * 2
            ),
            Safety::Unsafe,
            &format!("set read-ahead to {target} KiB now and at boot{}", if kind == Media::Unknown { " (4 KiB if the device is flash)" } else { "" }),
        ));
    }
}

fn spinning_disk_with_lcs(ctx: &Ctx, em: &mut Emitter) {
    let spinning: Vec<&Disk> = data_disks(ctx.node)
        .into_iter()
        .filter(|d| media(d) == Media::Hdd)
        .collect();
    if spinning.is_empty() {
        return;
    }
    let lcs: Vec<String> = ctx
        .snapshot
        .schema
        .tables()
        .filter(|t| {
            !is_system_keyspace(&t.keyspace)
                && t.compaction_class() == Some("LeveledCompactionStrategy")
        })
        .map(|t| qname(&t.keyspace, &t.name))
        .collect();
    if lcs.is_empty() {
        return;
    }
    let names: Vec<String> = spinning.iter().map(|d| disk_name(d)).collect();
    let f = em.emit(
        format!(
            "{} table(s) use leveled compaction ({}) on spinning data disk(s) {}",
            lcs.len(),
            lcs.join(", "),
            names.join(", ")
        ),
        None,
    );
    for d in &spinning {
        f.evidence.push(disk_ev(
            d,
            "rotational",
            "true".into(),
            Some("false (SSD) for LCS".into()),
        ));
    }
    f.evidence.push(ev(
        "tables with LeveledCompactionStrategy",
        lcs.join(", "),
        None,
    ));
    for t in lcs.iter().take(5) {
        f.fixes.push(Fix::Cql {
            statement: format!("ALTER TABLE {t} WITH compaction = {{'class': 'SizeTieredCompactionStrategy'}};"),
            safety: Safety::DisplayOnly,
            description: "size-tiered compaction suits spinning disks (rewrites the table's sstables; reads may touch more sstables); moving the node to SSD is the alternative".into(),
        });
    }
}

fn max_map_count_low(ctx: &Ctx, em: &mut Emitter) {
    let Some(count) = ctx.node.host.max_map_count else {
        return;
    };
    let min = ctx.meta.param("min");
    // A file's `standard` (or 5.0 `direct`) maps nothing. A running node's settings show the
    // mode resolved for data files only (mmap_index_only reads as `standard` while the index
    // is still mapped), so they cannot rule mmap out.
    let no_mmap = ctx.node.config.as_ref().is_some_and(|c| !c.running)
        && setting(ctx.node, "disk_access_mode")
            .and_then(|s| s.value.as_str())
            .is_some_and(|m| m == "standard" || m == "direct");
    if count as f64 >= min || no_mmap {
        return;
    }
    let f = em.emit(format!("vm.max_map_count is {count}: a node with many sstables runs out of memory mappings (\"Map failed\")"), None);
    f.evidence.push(ev(
        "host.max_map_count",
        count.to_string(),
        Some(format!(">= {}", num(min))),
    ));
    if let Some(e) = setting_ev(ctx.node, "disk_access_mode", None) {
        f.evidence.push(e);
    }
    f.fixes.push(sysctl_fix(
        "vm.max_map_count",
        &num(min),
        Safety::Safe,
        "the value Cassandra's startup check asks for",
    ));
}

fn limit_text(l: Limit) -> String {
    l.to_string()
}

fn nofile_low(ctx: &Ctx, em: &mut Emitter) {
    let h = &ctx.node.host;
    let min = ctx.meta.param("min") as u64;
    let (limit, name) = match h.limits.nofile_soft {
        Some(l) => (l, "host.limits.nofile_soft".to_string()),
        None => match ctx
            .node
            .metrics
            .get::<&str, &str>("process.max_fds", &[])
            .filter(|v| *v > 0.0)
        {
            Some(v) => (Limit::Value(v as u64), "process.max_fds".to_string()),
            None => return,
        },
    };
    if limit.at_least(min) {
        return;
    }
    let below_degraded = !limit.at_least(10_000);
    let f = em.emit(
        format!(
            "Cassandra may open only {} files{}",
            limit_text(limit),
            if below_degraded {
                ": below 10 000 Cassandra itself runs in \"degraded mode\""
            } else {
                ""
            }
        ),
        None,
    );
    f.evidence
        .push(ev(name, limit_text(limit), Some(format!(">= {min}"))));
    limits_caveat(h, f);
    f.fixes
        .push(limits_fix("nofile", "1048576", "LimitNOFILE=1048576"));
}

fn nproc_low(ctx: &Ctx, em: &mut Emitter) {
    let h = &ctx.node.host;
    let min = ctx.meta.param("min") as u64;
    let Some(limit) = h.limits.nproc_soft else {
        return;
    };
    if limit.at_least(min) {
        return;
    }
    let f = em.emit(format!("Cassandra may create only {} processes/threads: under load it fails with \"unable to create new native thread\"", limit_text(limit)), None);
    f.evidence.push(ev(
        "host.limits.nproc_soft",
        limit_text(limit),
        Some(format!(">= {min}")),
    ));
    limits_caveat(h, f);
    f.fixes
        .push(limits_fix("nproc", "32768", "LimitNPROC=32768"));
}

fn memlock_limited(ctx: &Ctx, em: &mut Emitter) {
    let h = &ctx.node.host;
    let Some(limit) = h.limits.memlock_soft else {
        return;
    };
    if limit == Limit::Unlimited {
        return;
    }
    let swap = swap_on(h);
    let f = em.emit(
        format!(
            "memlock is limited to {} bytes: Cassandra cannot lock the JVM in RAM{}",
            limit_text(limit),
            if swap {
                " and swap is on, so the heap can be paged out"
            } else {
                " (swap is off, so this matters little today)"
            }
        ),
        None,
    );
    if swap {
        f.severity = Severity::Warning;
    }
    f.evidence.push(ev(
        "host.limits.memlock_soft",
        limit_text(limit),
        Some("unlimited".into()),
    ));
    f.evidence
        .push(ev("host.swap", if swap { "on" } else { "off" }, None));
    limits_caveat(h, f);
    f.fixes
        .push(limits_fix("memlock", "unlimited", "LimitMEMLOCK=infinity"));
}

fn clocksource_not_tsc(ctx: &Ctx, em: &mut Emitter) {
    let h = &ctx.node.host;
    let Some(cur) = &h.clocksource else { return };
    if cur == "tsc" || !h.clocksources_available.iter().any(|c| c == "tsc") {
        return;
    }
    let f = em.emit(format!("the clock source is {cur} although tsc is available: slower clock reads on every request"), None);
    f.evidence
        .push(ev("host.clocksource", cur.clone(), Some("tsc".into())));
    f.evidence.push(ev(
        "host.clocksources_available",
        h.clocksources_available.join(" "),
        None,
    ));
    f.fixes.push(os(
        "echo tsc > /sys/devices/system/clocksource/clocksource0/current_clocksource\n# at boot: add clocksource=tsc to the kernel command line",
        Safety::Unsafe,
        "switch to tsc (check the kernel log afterwards: it falls back if tsc proves unstable)",
    ));
}

fn zone_reclaim_on(ctx: &Ctx, em: &mut Emitter) {
    let Some(z) = ctx.node.host.zone_reclaim_mode.filter(|z| *z != 0) else {
        return;
    };
    let f = em.emit(format!("vm.zone_reclaim_mode is {z}: the kernel drops page cache on one NUMA node while the other has free memory"), None);
    f.evidence.push(ev(
        "host.zone_reclaim_mode",
        z.to_string(),
        Some("0".into()),
    ));
    f.fixes.push(sysctl_fix(
        "vm.zone_reclaim_mode",
        "0",
        Safety::Unsafe,
        "use all free memory before reclaiming (affects every process on the machine)",
    ));
}

fn numa_without_interleave(ctx: &Ctx, em: &mut Emitter) {
    let Some(n) = ctx.node.host.numa_nodes.filter(|n| *n > 1) else {
        return;
    };
    if ctx
        .node
        .jvm
        .as_ref()
        .and_then(|j| j.bool_flag("UseNUMA"))
        .is_some_and(|(_, on)| on)
    {
        return;
    }
    let f = em.emit(format!("{n} NUMA nodes: check that Cassandra runs under numactl --interleave=all (not visible to casstune) or with -XX:+UseNUMA"), None);
    f.evidence.push(ev("host.numa_nodes", n.to_string(), None));
    f.evidence.push(ev(
        "-XX:+UseNUMA",
        if ctx.node.jvm.is_some() {
            "not set"
        } else {
            "unknown (options files not collected)"
        },
        Some("set, or numactl --interleave=all".into()),
    ));
    f.fixes.push(os(
        "apt-get install -y numactl || yum install -y numactl",
        Safety::Unsafe,
        "with numactl installed, bin/cassandra starts the JVM under numactl --interleave=all (takes effect at the next start)",
    ));
}

fn commitlog_on_spinning_data_disk(ctx: &Ctx, em: &mut Emitter) {
    for d in &ctx.node.host.disks {
        let has = |r: &str| d.role.iter().any(|x| x == r);
        if !(has("data") && has("commitlog")) || media(d) != Media::Hdd {
            continue;
        }
        let f = em.emit(format!("the commit log and the data share the spinning disk {}: commit log syncs wait behind reads and compaction", disk_name(d)), None);
        f.evidence.push(disk_ev(
            d,
            "role",
            d.role.join(", "),
            Some("commitlog on its own device".into()),
        ));
        f.evidence
            .push(disk_ev(d, "rotational", "true".into(), None));
        if let Some(e) = setting_ev(ctx.node, "commitlog_directory", None) {
            f.location = e.location.clone();
            f.evidence.push(e);
        }
        if let Some(cfg) = &ctx.node.config {
            f.fixes.push(Fix::SetConfig {
                file: cfg.file.path.clone(),
                key: "commitlog_directory".into(),
                value: Some("<a directory on its own disk>".into()),
                rename_from: None,
                safety: Safety::DisplayOnly,
                description: "move the commit log to a separate device (drain the node, move the segments, restart)".into(),
            });
        }
        f.fixes.push(os(
            "lsblk -o NAME,ROTA,SIZE,MOUNTPOINT",
            Safety::DisplayOnly,
            "find or add a separate device for the commit log",
        ));
    }
}

fn data_disk_headroom(ctx: &Ctx, em: &mut Emitter) {
    let node = ctx.node;
    // Without a schema, size-tiered (the default) is assumed.
    let schema = &ctx.snapshot.schema;
    let stcs = schema.keyspaces.is_empty()
        || schema.tables().any(|t| {
            !is_system_keyspace(&t.keyspace)
                && t.compaction_class()
                    .is_none_or(|c| c == "SizeTieredCompactionStrategy")
        });
    let (limit, why) = if stcs {
        (
            ctx.meta.param("stcs_max_used"),
            "size-tiered tables need up to half the disk free for their largest compaction",
        )
    } else {
        (
            ctx.meta.param("other_max_used"),
            "compaction, snapshots and streaming need headroom",
        )
    };
    let disks = data_disks(node);
    for d in &disks {
        let Some(size) = d.size_bytes.filter(|s| *s > 0).map(|s| s as f64) else {
            continue;
        };
        let (used, basis, exact) = match (d.used_bytes, d.available_bytes) {
            (Some(u), Some(a)) if u + a > 0 => (
                u as f64 / (u + a) as f64 * size,
                format!("host.disks[{}].used_bytes", d.device_key()),
                true,
            ),
            _ => {
                // The live data of every node on this machine that shares the disk: a lower bound.
                let load: f64 = colocated(ctx.snapshot, node)
                    .iter()
                    .filter_map(|n| n.metrics.get::<&str, &str>("storage.load_bytes", &[]))
                    .sum();
                if load <= 0.0 || disks.len() > 1 {
                    continue;
                }
                (load, "storage.load_bytes".to_string(), false)
            }
        };
        let ratio = used / size;
        if ratio < limit {
            continue;
        }
        let f = em.emit(
            format!(
                "data disk {} is {} full ({} of {}): {why}",
                disk_name(d),
                pct(ratio),
                bytes(used),
                bytes(size)
            ),
            None,
        );
        f.evidence.push(ev(
            basis,
            bytes(used),
            Some(format!("< {} of {}", pct(limit), bytes(size))),
        ));
        f.evidence.push(disk_ev(d, "size_bytes", bytes(size), None));
        if !exact {
            f.confidence *= 0.7;
            f.message
                .push_str(" (live data only: snapshots and obsolete sstables come on top)");
        }
        if ratio >= 0.9 {
            f.severity = Severity::Error;
        }
        f.fixes.push(os(
            "nodetool listsnapshots\nnodetool clearsnapshot -t <snapshot name>   # only snapshots you no longer need",
            Safety::DisplayOnly,
            "snapshots often hold the space; otherwise add disk or nodes before compaction runs out of room",
        ));
    }
}

fn ssd_io_scheduler(ctx: &Ctx, em: &mut Emitter) {
    for d in data_disks(ctx.node) {
        let Some(s) = d.scheduler.as_deref() else {
            continue;
        };
        if media(d) != Media::Ssd || !matches!(s, "bfq" | "cfq") {
            continue;
        }
        let dev = d.device_key();
        let f = em.emit(
            format!(
                "flash data disk {} uses the {s} scheduler, built for seeking disks",
                disk_name(d)
            ),
            None,
        );
        f.evidence.push(disk_ev(
            d,
            "scheduler",
            s.to_string(),
            Some("none or mq-deadline".into()),
        ));
        f.evidence
            .push(disk_ev(d, "rotational", "false".into(), None));
        f.fixes.push(os(
            &format!("echo none > /sys/block/{dev}/queue/scheduler\necho 'ACTION==\"add|change\", KERNEL==\"{dev}\", ATTR{{queue/scheduler}}=\"none\"' > /etc/udev/rules.d/60-cassandra-scheduler.rules"),
            Safety::Unsafe,
            "use no reordering on flash, now and at boot",
        ));
    }
}

fn open_files_near_limit(ctx: &Ctx, em: &mut Emitter) {
    let m = &ctx.node.metrics;
    let (Some(open), Some(max)) = (
        m.get::<&str, &str>("process.open_fds", &[]),
        m.get::<&str, &str>("process.max_fds", &[])
            .filter(|v| *v > 0.0),
    ) else {
        return;
    };
    let ratio = open / max;
    if ratio < ctx.meta.param("max_ratio") {
        return;
    }
    let f = em.emit(
        format!(
            "the Cassandra process has {} of its {} file descriptors open ({})",
            num(open),
            num(max),
            pct(ratio)
        ),
        None,
    );
    if ratio >= ctx.meta.param("error_ratio") {
        f.severity = Severity::Error;
    }
    f.evidence.push(ev(
        "process.open_fds",
        num(open),
        Some(format!(
            "< {} of process.max_fds",
            pct(ctx.meta.param("max_ratio"))
        )),
    ));
    f.evidence.push(ev("process.max_fds", num(max), None));
    f.fixes
        .push(limits_fix("nofile", "1048576", "LimitNOFILE=1048576"));
}
