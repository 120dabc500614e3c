#!/usr/bin/env bash
# Fuzzes casstune's parsers with cargo fuzz (libFuzzer), one target after another.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     # default: 60 s each, every target
#   scripts/fuzz.sh 600 prometheus snapshot
#
# Targets (bodies in fuzz/src/lib.rs):
#   units       Cassandra quantities (DataStorageSpec/DurationSpec/DataRateSpec), JVM and CLI sizes
#   yaml        cassandra.yaml: the YAML reader and its interpretation for 3.11, 4.0, 4.1, 5.0
#   jvm         jvm*.options, cassandra-env.sh and the merged JvmConfig
#   prometheus  the exposition parser, the normaliser, counter rates between two scrapes
#   snapshot    .snap reading (zstd, tar, manifest) and loading (rows, schema, settings, traces,
#               scrapes, files, host facts), then the rules on the result
#   lint        cassandra.yaml (+ options + env) through version detection, every rule, the fix
#               patch and a report renderer
#
# Installs cargo-fuzz when missing, uses the nightly toolchain (or RUSTC_BOOTSTRAP=1 on stable),
# builds into fuzz/target (never the main target dir), seeds fuzz/corpus/<target>/ from real files
# (fuzz/make_seeds.py: the repository's fixtures and, when present, /work/shared/fixtures), and
# runs each target for the given time with -timeout=10 -rss_limit_mb=2048. Prints per target the
# executions, executions per second, coverage and crashes; logs go to fuzz/logs/<target>.log and
# crashing inputs to fuzz/artifacts/<target>/. Exit status: 0 no crash, 1 a crash (or timeout,
# out-of-memory) in some target, 2 a usage or build error.
#
# Environment: FUZZ_NICE (default 10) is the niceness of the fuzzing processes; FUZZ_ARGS adds
# libFuzzer options (e.g. FUZZ_ARGS=-runs=100000); CASSTUNE_SHARED_FIXTURES moves the shared
# fixtures. A crash found: see fuzz/README.md (minimise, fix, add to tests/fuzz_regressions.rs).

set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

ALL=(units yaml jvm prometheus snapshot lint)
# Longest input per target (fuzz/make_seeds.py cuts seeds to the same sizes): a real
# cassandra.yaml without its comments, a few exposition families, a handful of snapshot members.
declare -A MAX_LEN=([units]=64 [yaml]=16384 [jvm]=8192 [prometheus]=16384 [snapshot]=32768 [lint]=16384)

secs=60
if [ $# -gt 0 ]; then
    case "$1" in
        '' | *[!0-9]*) ;;
        *) secs=$1; shift ;;
    esac
fi
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${ALL[@]}")
for t in "${targets[@]}"; do
    if [ -z "${MAX_LEN[$t]+x}" ]; then
        echo "fuzz.sh: unknown target '$t' (targets: ${ALL[*]})" >&2
        echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2
        exit 2
    fi
done

if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    cargo=(cargo +nightly)
    rustc=(rustc +nightly)
else
    echo "fuzz.sh: no nightly toolchain; using RUSTC_BOOTSTRAP=1 with the default one" >&2
    cargo=(env RUSTC_BOOTSTRAP=1 cargo)
    rustc=(rustc)
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz from crates.io" >&2
    cargo install cargo-fuzz --locked || exit 2
fi

# No sanitizer: casstune has no unsafe code, so AddressSanitizer would only halve the speed.
# -a: debug assertions and overflow checks on, so an arithmetic overflow is a crash.
flags=(-s none -a)
nice_=(nice -n "${FUZZ_NICE:-10}")

echo "fuzz.sh: building ${targets[*]}" >&2
if [ ${#targets[@]} -eq ${#ALL[@]} ]; then
    "${nice_[@]}" "${cargo[@]}" fuzz build "${flags[@]}" || exit 2
else
    for t in "${targets[@]}"; do
        "${nice_[@]}" "${cargo[@]}" fuzz build "${flags[@]}" "$t" || exit 2
    done
fi

host=$("${rustc[@]}" -vV | sed -n 's/^host: //p')
bin_dir=fuzz/target/$host/release

python3 fuzz/make_seeds.py fuzz/corpus "${targets[@]}" || exit 2
mkdir -p fuzz/logs

status=0
summary=()
for t in "${targets[@]}"; do
    log=fuzz/logs/$t.log
    mkdir -p "fuzz/artifacts/$t"
    before=$(ls "fuzz/artifacts/$t" | sort)
    echo "fuzz.sh: $t for ${secs}s (log: $log)" >&2
    # The binary built above, not `cargo fuzz run`: that would rebuild casstune whenever its
    # sources changed since (tens of minutes on a busy 2-core machine), between two targets.
    # shellcheck disable=SC2086  # FUZZ_ARGS is a list of options
    "${nice_[@]}" "$bin_dir/$t" "fuzz/corpus/$t" \
        -artifact_prefix="fuzz/artifacts/$t/" \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -workers=1 \
        -max_len="${MAX_LEN[$t]}" -dict="fuzz/dict/$t.dict" -print_final_stats=1 \
        ${FUZZ_ARGS:-} >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
    if [ -z "$execs" ]; then # killed before the final stats (a crash): the last status line
        execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$last")
    fi
    new=$(comm -13 <(echo "$before") <(ls "fuzz/artifacts/$t" | sort) | grep -E '^(crash|timeout|oom|leak)-' || true)
    crashes=$(grep -c . <<<"$new")
    [ -z "$new" ] && crashes=0
    if [ $rc -ne 0 ] || [ "$crashes" -gt 0 ]; then
        status=1
        [ "$crashes" -eq 0 ] && crashes="? (exit $rc, see $log)"
    fi
    summary+=("$(printf '%-11s %12s %10s %8s %8s %7s  %s' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$crashes")")
    for a in $new; do
        summary+=("            crashing input: fuzz/artifacts/$t/$a")
        summary+=("            reproduce: $bin_dir/$t fuzz/artifacts/$t/$a")
        summary+=("            minimise:  ${cargo[*]} fuzz tmin ${flags[*]} $t fuzz/artifacts/$t/$a")
    done
done

echo
printf '%-11s %12s %10s %8s %8s %7s  %s\n' target execs exec/s cov ft corpus crashes
for line in "${summary[@]}"; do
    echo "$line"
done
exit $status
