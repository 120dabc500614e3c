//! Rules that read host facts (`collect-host` or the local machine): swap, THP, read-ahead,
//! vm.max_map_count, limits, clocksource, NUMA, disks.

use super::Builtin;

pub static RULES: &[Builtin] = &[];
