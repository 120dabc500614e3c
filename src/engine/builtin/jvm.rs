//! JVM rules: what the JDK refuses, what Cassandra's own launcher (cassandra-env.sh) refuses,
//! and heap and GC sizing.

use super::{Builtin, Scope};
use crate::catalog::jvm::{self, Verdict};
use crate::engine::{Ctx, Emitter, Evidence, Family, Fix, Location, Need, Safety, Severity};
use crate::model::jvm::{Gc, JvmConfig, Located};
use crate::model::units::human_bytes;
use crate::parse::jvm::{OptionKind, SizeFlag, ignored_lines};

const JVM: &[Need] = &[Need::Jvm];
const ENV_SH: &str = "apache/cassandra conf/cassandra-env.sh (heap flag checks before launch)";
const JVM_OPTS: &str =
    "apache/cassandra conf/jvm-server.options, jvm11-server.options, jvm17-server.options";
const GIB: u128 = 1 << 30;

pub static RULES: &[Builtin] = &[
    Builtin {
        id: "JVM-001",
        name: "jdk-refuses-option",
        family: Family::Jvm,
        severity: Severity::Error,
        min_version: None,
        max_version: None,
        blocks_startup: true,
        impact: 1.0,
        confidence: 0.95,
        needs: JVM,
        params: &[],
        summary: "A JVM option (or combination) the target JDK refuses: the node does not start.",
        why: "`java` exits before Cassandra runs: \"Unrecognized VM option\", \"Invalid maximum heap size\", \"must be enabled via -XX:+UnlockExperimentalVMOptions\"; on JDK 17 also a value java cannot parse for the flag's type (\"Improperly specified VM option 'G1HeapRegionSize=16mb'\", a bool written with =, a non-bool with +/-), a value outside the flag's range (\"uintx MaxGCPauseMillis=0 is outside the allowed range\"), -Xms above -Xmx, two collectors selected, a thread stack below 136k, or an unknown -Xlog level. It happens after JDK upgrades (JDK 9 removed the PrintGC*/GC-log-rotation flags, JDK 10 UseParNewGC, JDK 14 CMS) and after hand edits.",
        evidence: "Each -XX flag against the JDK 17 flag table printed by a real OpenJDK 17 (-XX:+PrintFlagsFinal for names and types, -XX:+PrintFlagsRanges for ranges), each legacy flag's verdict from running `java <flag> -version`, JDK 17's own value syntax (decimal or 0x hex with one k/m/g/t suffix for every integer flag; digits.digits only for doubles), the last -Xms/-Xmx, -Xss/ThreadStackSize and collector flags the JVM gets, and for JDK 11 the flags JDK 9/10 removed. The JDK is taken from the file name (jvm17-server.options → 17) or the Cassandra version. Constraint functions that depend on other flags or the machine (ConcGCThreads <= ParallelGCThreads) and -Xlog tags are not checked.",
        fix: "Remove the option, or write a value java accepts (GC logging: -Xlog:gc*; one collector; -Xms <= -Xmx; -Xss256k).",
        references: &[
            JVM_OPTS,
            "JEP 158 / JEP 271 (unified JVM and GC logging, JDK 9)",
            "JEP 363 (CMS removed, JDK 14)",
        ],
        check: Scope::Node(jdk_refuses),
    },
    Builtin {
        id: "JVM-002",
        name: "heap-flags-unpaired",
        family: Family::Jvm,
        severity: Severity::Error,
        min_version: None,
        max_version: None,
        blocks_startup: true,
        impact: 1.0,
        confidence: 0.9,
        needs: JVM,
        params: &[],
        summary: "-Xms without -Xmx (or the reverse), or -Xmn without -Xmx, in the jvm options files.",
        why: "cassandra-env.sh checks the options files before launch and exits with \"Please set or unset -Xmx and -Xms flags in pairs on jvm-server.options file\" (likewise for -Xmx/-Xmn).",
        evidence: "The -Xms, -Xmx and -Xmn options of the options files the node uses.",
        fix: "Set -Xms and -Xmx together, to the same value.",
        references: &[ENV_SH],
        check: Scope::Node(heap_unpaired),
    },
    Builtin {
        id: "JVM-003",
        name: "heap-loses-compressed-oops",
        family: Family::Jvm,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.7,
        confidence: 0.9,
        needs: JVM,
        params: &[("max_gib", 31.0)],
        summary: "A heap above 31 GiB: the JVM stops using compressed object pointers.",
        why: "From 32 GiB the JVM turns compressed oops off, so every reference doubles to 8 bytes: a 32–40 GiB heap holds less than a 31 GiB one and GC has more to scan. Past that, a bigger heap mostly lengthens pauses; the page cache serves Cassandra better.",
        evidence: "The maximum heap: -Xmx, else MAX_HEAP_SIZE in cassandra-env.sh.",
        fix: "Set -Xms and -Xmx to 31G (or less) and leave the rest of the RAM to the page cache and off-heap structures.",
        references: &[
            "https://wiki.openjdk.org/display/HotSpot/CompressedOops",
            JVM_OPTS,
        ],
        check: Scope::Node(heap_over_31g),
    },
    Builtin {
        id: "JVM-004",
        name: "heap-over-half-ram",
        family: Family::Jvm,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.6,
        confidence: 0.85,
        needs: &[Need::Jvm, Need::Ram],
        params: &[("max_ratio", 0.5)],
        summary: "The heap takes more than half of the machine's RAM.",
        why: "Cassandra reads through the OS page cache and keeps memtables, bloom filters, compression metadata and the chunk cache off heap; a heap over half the RAM starves them, and the machine may swap or invoke the OOM killer. Cassandra's own sizing gives the heap at most a quarter of RAM (max(min(RAM/2, 1 GiB), min(RAM/4, 8 GiB))).",
        evidence: "The maximum heap against the host's RAM (--ram or host facts).",
        fix: "Lower -Xms/-Xmx to at most half the RAM (the fix proposes that, capped at 31 GiB).",
        references: &[
            ENV_SH,
            "https://cassandra.apache.org/doc/latest/cassandra/getting-started/production.html",
        ],
        check: Scope::Node(heap_over_half_ram),
    },
    Builtin {
        id: "JVM-005",
        name: "xmn-with-g1",
        family: Family::Jvm,
        severity: Severity::Error,
        min_version: None,
        max_version: None,
        blocks_startup: true,
        impact: 0.9,
        confidence: 0.9,
        needs: JVM,
        params: &[],
        summary: "-Xmn (a fixed young generation) together with G1.",
        why: "G1 sizes the young generation itself to meet its pause target; a fixed -Xmn disables that. Cassandra's cassandra-env.sh refuses to launch with -Xmn and G1 (\"It is not recommended to set -Xmn with the G1 garbage collector\").",
        evidence: "-Xmn in the options files together with -XX:+UseG1GC.",
        fix: "Remove -Xmn.",
        references: &[ENV_SH, JVM_OPTS],
        check: Scope::Node(xmn_with_g1),
    },
    Builtin {
        id: "JVM-006",
        name: "heap-min-max-differ",
        family: Family::Jvm,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.4,
        confidence: 0.95,
        needs: JVM,
        params: &[],
        summary: "-Xms and -Xmx differ.",
        why: "A growing and shrinking heap costs full collections while it resizes and makes memory use unpredictable; with AlwaysPreTouch (in the stock options) only -Xms is touched up front. Cassandra's own scripts always set both to the same value.",
        evidence: "The last -Xms and -Xmx options.",
        fix: "Set -Xms equal to -Xmx.",
        references: &[ENV_SH],
        check: Scope::Node(heap_min_max_differ),
    },
    Builtin {
        id: "JVM-007",
        name: "cms-large-heap",
        family: Family::Jvm,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.6,
        confidence: 0.75,
        needs: JVM,
        params: &[("max_gib", 16.0)],
        summary: "CMS with a heap above 16 GiB.",
        why: "CMS does not compact the old generation; large heaps fragment and end in long stop-the-world full GCs. G1 handles 16–31 GiB heaps with bounded pauses and is the default from Cassandra 5.0 on (CMS itself was removed in JDK 14).",
        evidence: "The collector selected by the active options and the maximum heap.",
        fix: "Switch to G1 (-XX:+UseG1GC with the G1 block of jvm11-server.options) and remove -Xmn.",
        references: &[JVM_OPTS, "JEP 363 (CMS removed, JDK 14)"],
        check: Scope::Node(cms_large_heap),
    },
    Builtin {
        id: "JVM-008",
        name: "heap-too-small",
        family: Family::Jvm,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.7,
        confidence: 0.85,
        needs: JVM,
        params: &[("min_mib", 2048.0)],
        summary: "A heap below 2 GiB: fine for a laptop, not for a node that serves traffic.",
        why: "Memtables, key cache, compaction and request handling all live on the heap; below a couple of GiB a node spends its time in GC and flushes tiny sstables, which multiplies compaction work.",
        evidence: "The maximum heap: -Xmx, else MAX_HEAP_SIZE in cassandra-env.sh.",
        fix: "Give the node at least 2 GiB of heap (8 GiB is the common production starting point), or suppress this on test machines.",
        references: &[
            ENV_SH,
            "https://cassandra.apache.org/doc/latest/cassandra/getting-started/production.html",
        ],
        check: Scope::Node(heap_too_small),
    },
    Builtin {
        id: "JVM-009",
        name: "g1-pause-target-low",
        family: Family::Jvm,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.4,
        confidence: 0.8,
        needs: JVM,
        params: &[("min_ms", 200.0)],
        summary: "A G1 pause target (MaxGCPauseMillis) below 200 ms.",
        why: "G1 meets a tight pause target by collecting more often with smaller young generations, which costs throughput and promotes more; Cassandra's options files note that 200 ms is the lowest viable value.",
        evidence: "-XX:MaxGCPauseMillis with G1 active.",
        fix: "Raise MaxGCPauseMillis to 300 (the stock value); if pauses must be shorter, consider ZGC on JDK 17.",
        references: &[JVM_OPTS],
        check: Scope::Node(g1_pause_low),
    },
    Builtin {
        id: "JVM-010",
        name: "jdk-deprecated-option",
        family: Family::Jvm,
        severity: Severity::Info,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.3,
        confidence: 0.95,
        needs: JVM,
        params: &[],
        summary: "A JVM option the target JDK still accepts but deprecates or maps to a replacement.",
        why: "The JDK starts but warns at every launch: the option is deprecated (UseBiasedLocking since JDK 15) or translated to something else (PrintGCDetails → -Xlog:gc*). It will stop the node from starting on a later JDK, the way CMS flags did on JDK 17.",
        evidence: "Each -XX option's verdict from running it on a real OpenJDK 17 (`java <option> -version`).",
        fix: "Remove the option, or write its replacement (GC logging: -Xlog:gc*).",
        references: &["JEP 363 (CMS removed, JDK 14)", JVM_OPTS],
        check: Scope::Node(jdk_ignores),
    },
    Builtin {
        id: "JVM-011",
        name: "env-heap-unpaired",
        family: Family::Jvm,
        severity: Severity::Error,
        min_version: None,
        max_version: None,
        blocks_startup: true,
        impact: 1.0,
        confidence: 0.8,
        needs: JVM,
        params: &[],
        summary: "cassandra-env.sh sets HEAP_NEWSIZE without MAX_HEAP_SIZE, or MAX_HEAP_SIZE without HEAP_NEWSIZE under CMS.",
        why: "cassandra-env.sh exits with \"please set or unset MAX_HEAP_SIZE and HEAP_NEWSIZE in pairs when using CMS GC\".",
        evidence: "Unconditional MAX_HEAP_SIZE / HEAP_NEWSIZE assignments in cassandra-env.sh and the collector of the options files.",
        fix: "Set both, or neither (then the script sizes the heap itself).",
        references: &[ENV_SH],
        check: Scope::Node(env_heap_unpaired),
    },
    Builtin {
        id: "JVM-012",
        name: "ignored-option-line",
        family: Family::Jvm,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.5,
        confidence: 0.95,
        needs: JVM,
        params: &[],
        summary: "A line of a jvm options file that never reaches the JVM because it does not start with `-` (usually: it is indented).",
        why: "Cassandra's launcher reads the options files with `for opt in $(grep \"^-\" FILE)` (cassandra.in.sh; cassandra-env.sh before 4.0): only lines whose first character is `-` are passed to java. An indented option is silently dropped, so the heap size, collector or flag the operator sees in the file is not in effect, and java never gets the chance to refuse a bad one.",
        evidence: "Every non-blank line of the options files that is not a comment and does not start with `-`.",
        fix: "Remove the leading whitespace so the option takes effect (check it first: it has never been applied), or delete or comment out the line.",
        references: &[
            "apache/cassandra bin/cassandra.in.sh (for opt in `grep \"^-\" $JVM_OPTS_FILE`)",
            "apache/cassandra conf/cassandra-env.sh 3.11 (same loop over jvm.options)",
        ],
        check: Scope::Node(ignored_option_line),
    },
    Builtin {
        id: "SEC-006",
        name: "jmx-remote-without-auth",
        family: Family::Security,
        severity: Severity::Warning,
        min_version: None,
        max_version: None,
        blocks_startup: false,
        impact: 0.6,
        confidence: 0.8,
        needs: JVM,
        params: &[],
        summary: "Remote JMX enabled (LOCAL_JMX=no) with authentication switched off.",
        why: "JMX gives full control of the node (flush, drain, decommission, arbitrary MBean calls); reachable without a password it is an open door.",
        evidence: "LOCAL_JMX in cassandra-env.sh and the -Dcom.sun.management.jmxremote.authenticate options.",
        fix: "Keep LOCAL_JMX=yes, or set -Dcom.sun.management.jmxremote.authenticate=true with a password file (and TLS).",
        references: &[
            ENV_SH,
            "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/security.html",
        ],
        check: Scope::Node(jmx_no_auth),
    },
];

fn at(o: &Located) -> Option<Location> {
    Some(Location {
        file: o.file.clone(),
        line: o.line,
        column: None,
    })
}

fn ev(o: &Located) -> Evidence {
    Evidence {
        name: o.parsed.text.clone(),
        observed: o.parsed.text.clone(),
        expected: None,
        location: at(o),
    }
}

fn remove(o: &Located, safety: Safety, description: String) -> Fix {
    Fix::JvmOption {
        file: o.file.clone(),
        add: None,
        remove: Some(o.parsed.text.clone()),
        line: Some(o.line),
        safety,
        description,
    }
}

fn replace(o: &Located, new: String, safety: Safety) -> Fix {
    Fix::JvmOption {
        file: o.file.clone(),
        add: Some(new.clone()),
        remove: Some(o.parsed.text.clone()),
        line: Some(o.line),
        safety,
        description: format!("replace `{}` with `{new}`", o.parsed.text),
    }
}

/// Heap evidence: the -Xmx option or the cassandra-env.sh assignment.
fn heap_evidence(j: &JvmConfig) -> Option<(Evidence, Option<Location>, u128)> {
    if let Some((o, Some(b))) = j.size(SizeFlag::Xmx) {
        return Some((ev(o), at(o), b));
    }
    let (bytes, text, line, _) = j.env_max_heap.as_ref()?;
    let file = j.env.as_ref().map(|(p, _)| p.clone()).unwrap_or_default();
    let loc = Some(Location {
        file,
        line: *line,
        column: None,
    });
    Some((
        Evidence {
            name: "MAX_HEAP_SIZE".into(),
            observed: text.clone(),
            expected: None,
            location: loc.clone(),
        },
        loc,
        *bytes,
    ))
}

fn jdk_refuses(ctx: &Ctx, em: &mut Emitter) {
    let Some(j) = &ctx.node.jvm else { return };
    for o in &j.options {
        let quoted = |m: String| format!("JDK {} refuses `{}` (\"{m}\")", o.jdk, o.parsed.text);
        let msg = match &o.parsed.kind {
            OptionKind::Size { flag, bytes: None } => Some(format!(
                "`{}` is not a valid size (use digits and k, m or g, e.g. {}4g); every JDK refuses to start",
                o.parsed.text,
                flag.as_str()
            )),
            OptionKind::Size {
                flag: SizeFlag::Xss,
                bytes: Some(b),
            } if o.jdk == 17 && *b > u128::from(jvm::JDK17_MAX_STACK_BYTES) => Some(quoted(
                format!("Invalid thread stack size: {}", o.parsed.text),
            )),
            OptionKind::BoolFlag { name, .. } | OptionKind::ValueFlag { name, .. } => {
                // Sign, value syntax and range of a flag JDK 17 knows, as java parses them.
                let value_error = jvm::flag_value_error(o.jdk, &o.parsed.text);
                match jvm::verdict(o.jdk, &o.parsed.text, name) {
                    Verdict::Refused => Some(quoted(
                        value_error
                            .or_else(|| jvm::message(o.jdk, &o.parsed.text, name))
                            .unwrap_or_else(|| "Unrecognized VM option".into()),
                    )),
                    Verdict::NeedsUnlock(unlock) => {
                        let unlocked = j.options.iter().any(|u| {
                            u.jdk == o.jdk
                                && matches!(&u.parsed.kind, OptionKind::BoolFlag { name, on: true } if name == unlock)
                        });
                        if unlocked {
                            value_error.map(quoted)
                        } else {
                            Some(format!(
                                "JDK {} refuses `{}` unless -XX:+{unlock} comes first",
                                o.jdk, o.parsed.text
                            ))
                        }
                    }
                    _ => value_error.map(quoted),
                }
            }
            OptionKind::Other => jvm::xlog_level_error(o.jdk, &o.parsed.text).map(quoted),
            _ => None,
        };
        if let Some(msg) = msg {
            let f = em.emit(msg, at(o));
            f.evidence.push(ev(o));
            f.fixes.push(remove(
                o,
                Safety::Safe,
                format!("remove `{}`", o.parsed.text),
            ));
        }
    }
    jdk17_refuses_combination(j, em);
}

/// What JDK 17 checks once all options are read: the last value of each setting counts.
fn jdk17_refuses_combination(j: &JvmConfig, em: &mut Emitter) {
    // The options one JDK 17 launch gets, in order (a conditional cassandra-env.sh line may not run).
    let launch: Vec<&Located> = j
        .active()
        .filter(|o| o.jdk == 17 && !o.conditional)
        .collect();
    let mut initial: Option<(&Located, u128)> = None;
    let mut max: Option<(&Located, u128)> = None;
    let mut stack_kib: Option<(&Located, u128)> = None;
    let mut collectors: Vec<(&str, &Located)> = Vec::new();
    for &o in &launch {
        let size_value = |v: &str| match jvm::parse_flag_value("size_t", v) {
            Some(jvm::FlagValue::Int(b)) => u128::try_from(b).ok(),
            _ => None,
        };
        match &o.parsed.kind {
            OptionKind::Size { flag, bytes } => match (flag, bytes) {
                (SizeFlag::Xms, Some(b)) => initial = Some((o, *b)),
                (SizeFlag::Xmx, Some(b)) => max = Some((o, *b)),
                // -Xss is rounded up to whole KiB (ThreadStackSize).
                (SizeFlag::Xss, Some(b)) => stack_kib = Some((o, b.div_ceil(1024))),
                _ => {}
            },
            OptionKind::ValueFlag { name, value } => match name.as_str() {
                "InitialHeapSize" => {
                    if let Some(b) = size_value(value) {
                        initial = Some((o, b));
                    }
                }
                "MaxHeapSize" => {
                    if let Some(b) = size_value(value) {
                        max = Some((o, b));
                    }
                }
                "ThreadStackSize" => {
                    if let Some(jvm::FlagValue::Int(k)) = jvm::parse_flag_value("intx", value) {
                        stack_kib = Some((o, k.max(0) as u128));
                    }
                }
                _ => {}
            },
            OptionKind::BoolFlag { name, on } if jvm::JDK17_COLLECTORS.contains(&name.as_str()) => {
                collectors.retain(|(n, _)| n != name);
                if *on {
                    collectors.push((name.as_str(), o));
                }
            }
            _ => {}
        }
    }
    if let (Some((xms, a)), Some((xmx, b))) = (initial, max)
        && a > b
    {
        let f = em.emit(
                format!(
                    "JDK 17 refuses `{}` with `{}` (\"Initial heap size set to a larger value than the maximum heap size\")",
                    xms.parsed.text, xmx.parsed.text
                ),
                at(xms),
            );
        f.evidence.push(Evidence {
            expected: Some(format!("<= {}", human_bytes(b))),
            ..ev(xms)
        });
        f.evidence.push(ev(xmx));
        let size = match &xmx.parsed.kind {
            OptionKind::ValueFlag { value, .. } => value.as_str(),
            _ => xmx.parsed.text.get(4..).unwrap_or_default(),
        };
        let new = match &xms.parsed.kind {
            OptionKind::ValueFlag { .. } => format!("-XX:InitialHeapSize={size}"),
            _ => format!("-Xms{size}"),
        };
        f.fixes.push(replace(xms, new, Safety::Safe));
    }
    if let Some((o, kib)) = stack_kib
        && kib > 0
        && kib < u128::from(jvm::JDK17_MIN_STACK_KIB)
    {
        let f = em.emit(
                format!(
                    "JDK 17 refuses `{}` (\"The Java thread stack size specified is too small. Specify at least {}k\")",
                    o.parsed.text,
                    jvm::JDK17_MIN_STACK_KIB
                ),
                at(o),
            );
        f.evidence.push(Evidence {
            expected: Some(format!(">= {}k", jvm::JDK17_MIN_STACK_KIB)),
            ..ev(o)
        });
        // 256k is what every Cassandra release ships.
        f.fixes.push(replace(o, "-Xss256k".into(), Safety::Safe));
    }
    if collectors.len() > 1 {
        let (first, _) = collectors[0];
        let (_, last) = collectors[collectors.len() - 1];
        let names: Vec<&str> = collectors.iter().map(|(n, _)| *n).collect();
        let f = em.emit(
            format!(
                "JDK 17 refuses {} selected together (\"Multiple garbage collectors selected\")",
                names.join(" and ")
            ),
            at(last),
        );
        for (_, o) in &collectors {
            f.evidence.push(ev(o));
        }
        f.fixes.push(remove(
            last,
            Safety::Unsafe,
            format!("remove `{}` and keep {first}", last.parsed.text),
        ));
    }
}

/// Lines of the options files that the launcher never passes to java.
fn ignored_option_line(ctx: &Ctx, em: &mut Emitter) {
    let Some(j) = &ctx.node.jvm else { return };
    let env = j.env.as_ref().map(|(p, _)| p.as_str());
    for file in j.files.iter().filter(|f| Some(f.path.as_str()) != env) {
        for l in ignored_lines(&file.text) {
            let loc = Some(Location {
                file: file.path.clone(),
                line: l.line,
                column: None,
            });
            let msg = if l.indented_option {
                format!(
                    "`{}` is indented: Cassandra's launcher passes only lines that start with `-` to java, so this option is not in effect",
                    l.text
                )
            } else {
                format!(
                    "`{}` does not start with `-`: Cassandra's launcher ignores the line, so it is not in effect",
                    l.text
                )
            };
            let f = em.emit(msg, loc.clone());
            f.evidence.push(Evidence {
                name: l.text.clone(),
                observed: l.text.clone(),
                expected: Some("a line starting with `-`".into()),
                location: loc,
            });
            if l.indented_option {
                // add == remove: fix::jvm rewrites the line without its indentation.
                f.fixes.push(Fix::JvmOption {
                    file: file.path.clone(),
                    add: Some(l.text.clone()),
                    remove: Some(l.text.clone()),
                    line: Some(l.line),
                    safety: Safety::Unsafe,
                    description: format!(
                        "remove the indentation of `{}` so that java gets it (it has never been applied: review it)",
                        l.text
                    ),
                });
            }
        }
    }
}

fn jdk_ignores(ctx: &Ctx, em: &mut Emitter) {
    let Some(j) = &ctx.node.jvm else { return };
    for o in &j.options {
        let Some(name) = o.parsed.xx_name() else {
            continue;
        };
        if jvm::verdict(o.jdk, &o.parsed.text, name) != Verdict::Warned {
            continue;
        }
        let detail =
            jvm::message(o.jdk, &o.parsed.text, name).unwrap_or_else(|| "deprecated".into());
        let f = em.emit(
            format!(
                "JDK {} warns about `{}`: \"{detail}\"",
                o.jdk, o.parsed.text
            ),
            at(o),
        );
        f.evidence.push(ev(o));
        f.fixes.push(remove(
            o,
            Safety::Safe,
            format!("remove `{}`", o.parsed.text),
        ));
    }
}

fn heap_unpaired(ctx: &Ctx, em: &mut Emitter) {
    let Some(j) = &ctx.node.jvm else { return };
    // Only the options files count: cassandra-env.sh greps them before adding its own.
    let from_files = |flag| {
        j.active().rev().find(|o| {
            !o.file.ends_with(".sh")
                && matches!(o.parsed.kind, OptionKind::Size { flag: f, .. } if f == flag)
        })
    };
    let (xms, xmx, xmn) = (
        from_files(SizeFlag::Xms),
        from_files(SizeFlag::Xmx),
        from_files(SizeFlag::Xmn),
    );
    let pair = match (xms, xmx) {
        (Some(o), None) => Some((o, "-Xmx", "-Xms")),
        (None, Some(o)) => Some((o, "-Xms", "-Xmx")),
        _ => None,
    };
    if let Some((o, missing, present)) = pair {
        let size = o.parsed.text.trim_start_matches(present);
        let f = em.emit(
            format!(
                "`{}` without `{missing}`: cassandra-env.sh refuses to launch (\"Please set or unset -Xmx and -Xms flags in pairs\")",
                o.parsed.text
            ),
            at(o),
        );
        f.evidence.push(ev(o));
        f.fixes.push(Fix::JvmOption {
            file: o.file.clone(),
            add: Some(format!("{missing}{size}")),
            remove: None,
            line: Some(o.line),
            safety: Safety::Safe,
            description: format!("add `{missing}{size}` next to `{}`", o.parsed.text),
        });
    }
    if let (Some(o), None) = (xmn, xmx) {
        let f = em.emit(
            format!(
                "`{}` without `-Xmx`: cassandra-env.sh refuses to launch (\"Please set or unset -Xmx and -Xmn flags in pairs\")",
                o.parsed.text
            ),
            at(o),
        );
        f.evidence.push(ev(o));
        f.fixes.push(remove(
            o,
            Safety::Unsafe,
            format!("remove `{}`", o.parsed.text),
        ));
    }
}

fn heap_over_31g(ctx: &Ctx, em: &mut Emitter) {
    let Some(j) = &ctx.node.jvm else { return };
    let Some((e, loc, bytes)) = heap_evidence(j) else {
        return;
    };
    let max = (ctx.meta.param("max_gib") * GIB as f64) as u128;
    if bytes <= max {
        return;
    }
    let f = em.emit(
        format!(
            "max heap {} is above 31 GiB: from 32 GiB the JVM disables compressed oops and the extra heap buys little",
            human_bytes(bytes)
        ),
        loc,
    );
    f.evidence.push(Evidence {
        expected: Some("<= 31 GiB".into()),
        ..e
    });
    push_heap_fix(j, f, 31 * GIB, Safety::Unsafe);
}

/// Proposes -Xms/-Xmx = `target` in the options file that sets the heap.
fn push_heap_fix(j: &JvmConfig, f: &mut crate::engine::Finding, target: u128, safety: Safety) {
    let g = format!("{}G", (target / GIB).max(1));
    for flag in [SizeFlag::Xms, SizeFlag::Xmx] {
        if let Some((o, _)) = j.size(flag) {
            f.fixes
                .push(replace(o, format!("{}{g}", flag.as_str()), safety));
        }
    }
}

fn heap_over_half_ram(ctx: &Ctx, em: &mut Emitter) {
    let (Some(j), Some(ram)) = (&ctx.node.jvm, ctx.node.host.ram_bytes) else {
        return;
    };
    let Some((e, loc, bytes)) = heap_evidence(j) else {
        return;
    };
    let ratio = ctx.meta.param("max_ratio");
    if (bytes as f64) <= ram as f64 * ratio {
        return;
    }
    let target = ((ram as f64 * ratio) as u128).min(31 * GIB) / GIB * GIB;
    let f = em.emit(
        format!(
            "max heap {} is {:.0}% of the host's {} RAM; leave at least half to the page cache and off-heap memory",
            human_bytes(bytes),
            bytes as f64 * 100.0 / ram as f64,
            human_bytes(ram)
        ),
        loc,
    );
    f.evidence.push(Evidence {
        expected: Some(format!("<= {}", human_bytes(target))),
        ..e
    });
    f.evidence.push(Evidence {
        name: "host.ram".into(),
        observed: human_bytes(ram),
        expected: None,
        location: None,
    });
    push_heap_fix(j, f, target, Safety::Unsafe);
}

fn xmn_with_g1(ctx: &Ctx, em: &mut Emitter) {
    let Some(j) = &ctx.node.jvm else { return };
    let (Some((Gc::G1, g1)), Some((xmn, _))) = (j.gc(), j.size(SizeFlag::Xmn)) else {
        return;
    };
    let f = em.emit(
        format!(
            "`{}` with G1: cassandra-env.sh refuses to launch, and G1 needs to size the young generation itself",
            xmn.parsed.text
        ),
        at(xmn),
    );
    f.evidence.push(ev(xmn));
    f.evidence.push(ev(g1));
    f.fixes.push(remove(
        xmn,
        Safety::Safe,
        format!("remove `{}`", xmn.parsed.text),
    ));
}

fn heap_min_max_differ(ctx: &Ctx, em: &mut Emitter) {
    let Some(j) = &ctx.node.jvm else { return };
    let (Some((xms, Some(a))), Some((xmx, Some(b)))) =
        (j.size(SizeFlag::Xms), j.size(SizeFlag::Xmx))
    else {
        return;
    };
    if a == b {
        return;
    }
    let f = em.emit(
        format!(
            "`{}` and `{}` differ: the heap resizes at run time",
            xms.parsed.text, xmx.parsed.text
        ),
        at(xms),
    );
    f.evidence.push(ev(xms));
    f.evidence.push(ev(xmx));
    let size = xmx.parsed.text.trim_start_matches("-Xmx");
    f.fixes
        .push(replace(xms, format!("-Xms{size}"), Safety::Unsafe));
}

fn cms_large_heap(ctx: &Ctx, em: &mut Emitter) {
    let Some(j) = &ctx.node.jvm else { return };
    let Some((Gc::Cms, cms)) = j.gc() else { return };
    if cms.jdk >= 14 {
        return; // JVM-010: CMS is not even running there
    }
    let Some((e, _, bytes)) = heap_evidence(j) else {
        return;
    };
    if bytes as f64 <= ctx.meta.param("max_gib") * GIB as f64 {
        return;
    }
    let f = em.emit(
        format!(
            "CMS with a {} heap: expect fragmentation and long full GCs; G1 suits heaps above 16 GiB",
            human_bytes(bytes)
        ),
        at(cms),
    );
    f.evidence.push(ev(cms));
    f.evidence.push(e);
    f.fixes
        .push(replace(cms, "-XX:+UseG1GC".into(), Safety::Unsafe));
}

fn heap_too_small(ctx: &Ctx, em: &mut Emitter) {
    let Some(j) = &ctx.node.jvm else { return };
    let Some((e, loc, bytes)) = heap_evidence(j) else {
        return;
    };
    let min = (ctx.meta.param("min_mib") * (1u128 << 20) as f64) as u128;
    if bytes >= min {
        return;
    }
    let f = em.emit(
        format!(
            "max heap {} is below {}: too small for a node that serves traffic",
            human_bytes(bytes),
            human_bytes(min)
        ),
        loc,
    );
    f.evidence.push(Evidence {
        expected: Some(format!(">= {}", human_bytes(min))),
        ..e
    });
}

fn g1_pause_low(ctx: &Ctx, em: &mut Emitter) {
    let Some(j) = &ctx.node.jvm else { return };
    let Some((Gc::G1, _)) = j.gc() else { return };
    let Some((o, v)) = j.value_flag("MaxGCPauseMillis") else {
        return;
    };
    let Ok(ms) = v.parse::<f64>() else { return };
    if ms >= ctx.meta.param("min_ms") {
        return;
    }
    let f = em.emit(
        format!(
            "G1 pause target {ms} ms is below 200 ms: more frequent collections, less throughput"
        ),
        at(o),
    );
    f.evidence.push(ev(o));
    f.fixes.push(replace(
        o,
        "-XX:MaxGCPauseMillis=300".into(),
        Safety::Unsafe,
    ));
}

fn env_heap_unpaired(ctx: &Ctx, em: &mut Emitter) {
    let Some(j) = &ctx.node.jvm else { return };
    let Some((path, env)) = &j.env else { return };
    let unconditional = |list: &[crate::parse::env_sh::Assignment]| {
        list.iter().rev().find(|a| !a.conditional).cloned()
    };
    let max = unconditional(&env.max_heap_size);
    let new = unconditional(&env.heap_newsize);
    let using_g1 = matches!(j.gc(), Some((Gc::G1, _)));
    let (culprit, missing) = match (&max, &new) {
        (None, Some(n)) => (n, "MAX_HEAP_SIZE"),
        (Some(m), None) if !using_g1 => (m, "HEAP_NEWSIZE"),
        _ => return,
    };
    let loc = Some(Location {
        file: path.clone(),
        line: culprit.line,
        column: None,
    });
    let f = em.emit(
        format!(
            "cassandra-env.sh sets {} without {missing}{}: the script exits (\"please set or unset MAX_HEAP_SIZE and HEAP_NEWSIZE in pairs\")",
            if missing == "MAX_HEAP_SIZE" { "HEAP_NEWSIZE" } else { "MAX_HEAP_SIZE" },
            if using_g1 { "" } else { " while G1 is not enabled in the options" }
        ),
        loc.clone(),
    );
    if j.gc().is_none() {
        f.confidence = 0.6; // no options file seen: the collector is a guess
    }
    f.evidence.push(Evidence {
        name: if missing == "MAX_HEAP_SIZE" {
            "HEAP_NEWSIZE".into()
        } else {
            "MAX_HEAP_SIZE".into()
        },
        observed: culprit.value.clone(),
        expected: Some(format!("{missing} set too")),
        location: loc,
    });
}

fn jmx_no_auth(ctx: &Ctx, em: &mut Emitter) {
    let Some(j) = &ctx.node.jvm else { return };
    let Some((path, env)) = &j.env else { return };
    let Some(local) = env.local_jmx.iter().rev().find(|a| !a.conditional) else {
        return;
    };
    if local.value != "no" {
        return;
    }
    let auth_on = j.options.iter().any(|o| {
        matches!(&o.parsed.kind, OptionKind::Property { key, value }
            if key == "com.sun.management.jmxremote.authenticate" && value == "true")
    });
    if auth_on {
        return;
    }
    let loc = Some(Location {
        file: path.clone(),
        line: local.line,
        column: None,
    });
    let f = em.emit(
        "LOCAL_JMX=no opens JMX to the network and no option turns JMX authentication on"
            .to_string(),
        loc.clone(),
    );
    f.evidence.push(Evidence {
        name: "LOCAL_JMX".into(),
        observed: local.value.clone(),
        expected: Some("yes, or authenticate=true".into()),
        location: loc,
    });
}
