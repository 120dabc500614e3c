//! Facts about the machine a node runs on.
//!
//! Filled from `--cores/--ram/--disks` flags, from a `casstune collect-host` file, or by
//! [`crate::collect::host::gather`] reading /proc and /sys. Every field is optional (or an
//! empty list) because each source may know only some; "not known" is `None`, never a guess.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Facts about the machine a node runs on.
///
/// The first five fields are what the hardware rules read today; the rest are what
/// `collect-host` gathers for the OS rules (THP, swap, limits, disks, clocksource…).
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HostFacts {
    /// Online CPUs of the machine (/sys/devices/system/cpu/online).
    pub cores: Option<u32>,
    /// MemTotal from /proc/meminfo.
    pub ram_bytes: Option<u128>,
    /// Number of separate data disks: distinct block devices serving the data directories
    /// when those are known, else what the `--disks` flag said.
    pub data_disks: Option<u32>,
    /// SwapTotal from /proc/meminfo (0 when swap is off).
    pub swap_bytes: Option<u128>,
    /// Where the facts came from ("flags", "collect-host", "flags + collect-host", …).
    pub source: Option<String>,

    pub hostname: Option<String>,
    /// Kernel release (/proc/sys/kernel/osrelease).
    pub kernel: Option<String>,
    /// First "model name" of /proc/cpuinfo (absent on some ARM kernels).
    pub cpu_model: Option<String>,
    /// CPUs the Cassandra process (or casstune itself) may run on: its affinity mask. Lower
    /// than `cores` when pinned with taskset/cpusets.
    pub cpus_allowed: Option<u32>,
    pub numa_nodes: Option<u32>,
    /// Bracketed word of /sys/kernel/mm/transparent_hugepage/enabled: always, madvise, never.
    pub thp_enabled: Option<String>,
    /// Bracketed word of …/transparent_hugepage/defrag: always, defer, defer+madvise, madvise, never.
    pub thp_defrag: Option<String>,
    pub swappiness: Option<u32>,
    pub max_map_count: Option<u64>,
    pub zone_reclaim_mode: Option<u32>,
    /// Current clocksource (tsc, kvm-clock, xen, hpet…).
    pub clocksource: Option<String>,
    pub clocksources_available: Vec<String>,
    /// Active swap areas from /proc/swaps (file or device names).
    pub swap_devices: Vec<String>,

    /// The Cassandra process whose limits and mounts were read, when one was given or found.
    pub cassandra_pid: Option<u32>,
    /// How `cassandra_pid` was chosen: "--pid" or "auto-detected".
    pub cassandra_pid_source: Option<String>,
    pub limits: Limits,
    /// Which file `limits` came from ("/proc/4242/limits", "/proc/self/limits"). Limits read from
    /// `self` are casstune's own, which are only indicative of what Cassandra gets.
    pub limits_source: Option<String>,

    /// Mounted block devices, and every mount serving a Cassandra directory.
    pub disks: Vec<Disk>,
    /// The data directories the facts were asked about, as given.
    pub data_dirs: Vec<String>,
    pub commitlog_dir: Option<String>,

    /// When the facts were gathered (RFC 3339, UTC).
    pub collected_at: Option<String>,
    /// Files that could not be read or parsed, and other gathering problems. Never fatal.
    pub errors: Vec<String>,
}

/// Resource limits (soft and hard) from `/proc/<pid>/limits`.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Max open files (RLIMIT_NOFILE).
    pub nofile_soft: Option<Limit>,
    pub nofile_hard: Option<Limit>,
    /// Max processes (RLIMIT_NPROC; threads count against it).
    pub nproc_soft: Option<Limit>,
    pub nproc_hard: Option<Limit>,
    /// Max locked memory in bytes (RLIMIT_MEMLOCK).
    pub memlock_soft: Option<Limit>,
    pub memlock_hard: Option<Limit>,
    /// Max address space in bytes (RLIMIT_AS).
    pub as_soft: Option<Limit>,
    pub as_hard: Option<Limit>,
}

impl Limits {
    /// True when no limit at all is known.
    pub fn is_empty(&self) -> bool {
        *self == Limits::default()
    }
}

/// One resource limit: a number, or unlimited. In JSON a number or the string "unlimited"
/// (the kernel's RLIM_INFINITY would not fit a signed 64-bit rule value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Unlimited,
    Value(u64),
}

impl Limit {
    /// The number, or `None` when unlimited.
    pub fn value(self) -> Option<u64> {
        match self {
            Limit::Unlimited => None,
            Limit::Value(v) => Some(v),
        }
    }

    /// True when the limit allows at least `n` (unlimited always does).
    pub fn at_least(self, n: u64) -> bool {
        self.value().is_none_or(|v| v >= n)
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Unlimited => f.write_str("unlimited"),
            Limit::Value(v) => write!(f, "{v}"),
        }
    }
}

impl Serialize for Limit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Limit::Unlimited => s.serialize_str("unlimited"),
            Limit::Value(v) => s.serialize_u64(*v),
        }
    }
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct LimitVisitor;
        impl Visitor<'_> for LimitVisitor {
            type Value = Limit;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative integer or \"unlimited\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Limit, E> {
                Ok(Limit::Value(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Limit, E> {
                u64::try_from(v)
                    .map(Limit::Value)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Limit, E> {
                if v == "unlimited" {
                    Ok(Limit::Unlimited)
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
        }
        d.deserialize_any(LimitVisitor)
    }
}

/// One mounted filesystem and the block device under it.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Disk {
    /// Mount source as in mountinfo: "/dev/sda1", "/dev/mapper/vg-data", "tmpfs", "overlay".
    pub device: String,
    /// The /sys/block device whose queue settings are reported ("sda", "nvme0n1", "dm-0");
    /// `None` when the source is not a block device (tmpfs, overlay, nfs).
    pub block_device: Option<String>,
    /// The partition the filesystem sits on ("sda1"), when it is one.
    pub partition: Option<String>,
    /// Whole disks under a device-mapper or md device ("sdb", "sdc").
    pub slaves: Vec<String>,
    pub mount_point: String,
    pub fs_type: String,
    /// Per-mount options (noatime, nodev, …).
    pub mount_options: Vec<String>,
    /// Filesystem (superblock) options (discard, data=ordered, …).
    pub super_options: Vec<String>,
    /// Spinning disk. For device-mapper/md: true when any underlying disk is.
    pub rotational: Option<bool>,
    pub read_ahead_kb: Option<u64>,
    /// Active I/O scheduler (bracketed word of queue/scheduler): none, mq-deadline, bfq, kyber.
    pub scheduler: Option<String>,
    /// Size of the partition or device holding the filesystem.
    pub size_bytes: Option<u64>,
    /// Not filled yet: needs statvfs, which std does not offer.
    pub used_bytes: Option<u64>,
    /// Not filled yet: needs statvfs, which std does not offer.
    pub available_bytes: Option<u64>,
    /// What Cassandra keeps there: "data", "commitlog", "root".
    pub role: Vec<String>,
}

impl Disk {
    /// The name that identifies the physical (or logical) device: two data directories on
    /// `sda1` and `sda2` share one disk, so they count once.
    pub fn device_key(&self) -> &str {
        self.block_device.as_deref().unwrap_or(&self.device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_json_is_number_or_unlimited() {
        let l = Limits {
            nofile_soft: Some(Limit::Value(1024)),
            nofile_hard: Some(Limit::Unlimited),
            ..Limits::default()
        };
        let text = serde_json::to_string(&l).unwrap();
        assert!(text.contains("\"nofile_soft\":1024"), "{text}");
        assert!(text.contains("\"nofile_hard\":\"unlimited\""), "{text}");
        let back: Limits = serde_json::from_str(&text).unwrap();
        assert_eq!(back, l);
    }

    #[test]
    fn limit_rejects_other_strings_and_negatives() {
        assert!(serde_json::from_str::<Limit>("\"infinity\"").is_err());
        assert!(serde_json::from_str::<Limit>("-1").is_err());
        assert_eq!(serde_json::from_str::<Limit>("0").unwrap(), Limit::Value(0));
    }

    #[test]
    fn at_least_treats_unlimited_as_enough() {
        assert!(Limit::Unlimited.at_least(u64::MAX));
        assert!(Limit::Value(100_000).at_least(100_000));
        assert!(!Limit::Value(1024).at_least(100_000));
    }

    #[test]
    fn host_facts_read_with_missing_fields() {
        let f: HostFacts = serde_json::from_str(r#"{"cores": 8}"#).unwrap();
        assert_eq!(f.cores, Some(8));
        assert!(f.disks.is_empty() && f.limits.is_empty());
    }

    #[test]
    fn device_key_prefers_block_device() {
        let mut d = Disk {
            device: "/dev/sda1".into(),
            ..Disk::default()
        };
        assert_eq!(d.device_key(), "/dev/sda1");
        d.block_device = Some("sda".into());
        assert_eq!(d.device_key(), "sda");
    }
}
