#!/usr/bin/env bash
# Fleet-scale benchmarks (issue 6): prints every figure side by side, with the machine.
#
#   scripts/bench.sh                      fleets of 10, 100 and 1000 nodes, promtool, nodetool
#   BENCH_NODES="10 100" scripts/bench.sh fewer fleet sizes
#   BENCH_NODETOOL=0 scripts/bench.sh     skip the live-node comparison (no Cassandra started)
#   BENCH_CARGO=1 scripts/bench.sh        also run `cargo bench` (lint, exposition, fan-out)
#   BENCH_CASSTUNE=path scripts/bench.sh  time another casstune build (e.g. before a change)
#
# 1. Builds casstune and the examples fleetgen and cqlload in release mode, once.
# 2. Generates the fleets with `examples/fleetgen.rs` from the real recording examples/demo.snap
#    (cached under target/fleet/, regenerated when fleetgen or demo.snap is newer), and
#    extracts each fleet's scrapes (the exact exposition bytes casstune reads) next to it.
# 3. Times `casstune analyze FLEET.snap --format json` (wall, CPU = user + sys, peak RSS from
#    GNU time) against `promtool check metrics` on the same scrape files. promtool reads one
#    exposition from stdin; concatenating the nodes' scrapes would repeat every family's HELP
#    and TYPE, which the text format forbids (expfmt stops at the first repeat), so promtool
#    runs once per file, as many at a time as there are cores (casstune uses them too). Its
#    process start is measured on an empty input and shown; the "net" ratio subtracts it.
#    Throughput is exposition bytes over time; CPU time is the fairer figure on a shared box.
# 4. Starts ONE real Cassandra node on network 3 (127.0.3.1, CASSTUNE_NET=3; networks 0 and 1
#    belong to the test suite), writes a few tables with examples/cqlload.rs, and times
#    `casstune collect` of that node (one scrape, and two scrapes 5 s apart with the interval
#    shown apart) against the nodetool commands an operator runs for the same facts: info,
#    tpstats, tablestats, compactionstats, gcstats, proxyhistograms, and tablehistograms for
#    each user table, each a JVM start as the operator pays it. The node is stopped at the end
#    if this script started it.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib.sh
. scripts/lib.sh
have cargo || { echo "bench.sh: cargo not found (install Rust with rustup)" >&2; exit 2; }
[ -x /usr/bin/time ] || apt_install time
have zstd || apt_install zstd
have promtool || apt_install prometheus

nodes_list=${BENCH_NODES:-10 100 1000}
do_nodetool=${BENCH_NODETOOL:-1}
fleet_dir=target/fleet
mkdir -p "$fleet_dir"
tmp=$(mktemp -d)
started_node=0
cleanup() {
  if [ "$started_node" = 1 ]; then CASSTUNE_NET=3 bash scripts/cassandra.sh stop >/dev/null 2>&1 || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

say() { echo "bench.sh: $*" >&2; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
div() { awk -v a="$1" -v b="$2" -v f="${3:-%.1f}" 'BEGIN { if (b > 0) printf f, a / b; else printf "-" }'; }

# Runs a command under GNU time; sets t_wall, t_cpu (user + sys), t_rss_mb.
timed() {
  local out="$tmp/time.$$"
  /usr/bin/time -f "%e %U %S %M" -o "$out" "$@" >/dev/null 2>"$tmp/stderr" || true
  # GNU time puts "Command exited with non-zero status N" first when it did (analyze exits 1
  # on findings, promtool 3 on lint remarks): the figures are the last line.
  read -r t_wall u s rss < <(tail -n 1 "$out")
  t_cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
  t_rss_mb=$(awk -v k="$rss" 'BEGIN { printf "%.0f", k / 1024 }')
}

say "building (release): casstune, examples fleetgen and cqlload"
cargo build --release -q --bin casstune --example fleetgen --example cqlload
casstune=${BENCH_CASSTUNE:-target/release/casstune}
fleetgen=target/release/examples/fleetgen

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
ram_gib=$(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
echo "# casstune benchmarks, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+changes')"
echo "machine: $cpu_model, $(nproc) cores, $ram_gib GiB RAM, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo "tools: $("$casstune" --version), $(promtool --version 2>&1 | head -1)"
echo

# --- fleets -------------------------------------------------------------------------------
for n in $nodes_list; do
  snap="$fleet_dir/fleet-$n.snap"
  expo="$fleet_dir/fleet-$n"
  if [ ! -s "$snap" ] || [ "$fleetgen" -nt "$snap" ] || [ examples/demo.snap -nt "$snap" ]; then
    say "generating the $n-node fleet"
    "$fleetgen" --nodes "$n" --out "$snap"
    rm -rf "$expo"
  fi
  if [ ! -d "$expo" ] || [ "$snap" -nt "$expo" ]; then
    rm -rf "$expo" && mkdir -p "$expo"
    tar --zstd -xf "$snap" -C "$expo" --wildcards 'nodes/*/metrics/*.prom'
    touch "$expo"
  fi
done

# --- promtool's process start -----------------------------------------------------------
: >"$tmp/empty.prom"
start_cpu=0; start_wall=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
  timed sh -c "promtool check metrics <'$tmp/empty.prom'"
  start_cpu=$(awk -v a="$start_cpu" -v b="$t_cpu" 'BEGIN { print a + b / 10 }')
  start_wall=$(awk -v a="$start_wall" -v b="$t_wall" 'BEGIN { print a + b / 10 }')
done

# --- analyze vs promtool ------------------------------------------------------------------
declare -A bytes files c_wall c_cpu c_rss p_wall p_cpu p_rss
for n in $nodes_list; do
  snap="$fleet_dir/fleet-$n.snap"; expo="$fleet_dir/fleet-$n"
  find "$expo" -name '*.prom' -print0 | sort -z >"$tmp/files"
  files[$n]=$(tr -cd '\0' <"$tmp/files" | wc -c)
  bytes[$n]=$(xargs -0 cat <"$tmp/files" | wc -c)
  say "$n nodes: casstune analyze"
  timed "$casstune" analyze "$snap" --format json
  c_wall[$n]=$t_wall; c_cpu[$n]=$t_cpu; c_rss[$n]=$t_rss_mb
  say "$n nodes: promtool check metrics on ${files[$n]} files"
  # shellcheck disable=SC2016
  timed xargs -0 -P "$(nproc)" -n 20 sh -c 'for f; do promtool check metrics <"$f" >/dev/null 2>&1; done; exit 0' _ <"$tmp/files"
  p_wall[$n]=$t_wall; p_cpu[$n]=$t_cpu; p_rss[$n]=$t_rss_mb
done

echo "## casstune analyze vs promtool check metrics, same exposition bytes"
echo
echo "| nodes | exposition | casstune wall | casstune CPU | casstune peak RSS | casstune MB/s (wall / CPU) | promtool wall | promtool CPU | promtool MB/s (wall / CPU) | ratio wall / CPU | ratio, promtool start-up excluded (wall / CPU) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for n in $nodes_list; do
  b=${bytes[$n]}; f=${files[$n]}
  net_wall=$(awk -v w="${p_wall[$n]}" -v f="$f" -v s="$start_wall" -v p="$(nproc)" 'BEGIN { x = w - f * s / p; print (x > 0 ? x : 0) }')
  net_cpu=$(awk -v c="${p_cpu[$n]}" -v f="$f" -v s="$start_cpu" 'BEGIN { x = c - f * s; print (x > 0 ? x : 0) }')
  printf '| %s | %s MB (%s files) | %s s | %s s | %s MB | %s / %s | %s s | %s s | %s / %s | %s× / %s× | %s× / %s× |\n' \
    "$n" "$(mb "$b")" "$f" "${c_wall[$n]}" "${c_cpu[$n]}" "${c_rss[$n]}" \
    "$(div "$b" "${c_wall[$n]}e6")" "$(div "$b" "${c_cpu[$n]}e6")" \
    "${p_wall[$n]}" "${p_cpu[$n]}" "$(div "$b" "${p_wall[$n]}e6")" "$(div "$b" "${p_cpu[$n]}e6")" \
    "$(div "${p_wall[$n]}" "${c_wall[$n]}")" "$(div "${p_cpu[$n]}" "${c_cpu[$n]}")" \
    "$(div "$net_wall" "${c_wall[$n]}")" "$(div "$net_cpu" "${c_cpu[$n]}")"
done
echo
printf 'promtool process start (empty input, mean of 10): %.0f ms wall, %.0f ms CPU; largest promtool process: %s MB\n' \
  "$(awk -v x="$start_wall" 'BEGIN { print x * 1000 }')" "$(awk -v x="$start_cpu" 'BEGIN { print x * 1000 }')" \
  "$(for n in $nodes_list; do echo "${p_rss[$n]}"; done | sort -n | tail -1)"
echo
echo "## Linearity: casstune analyze cost per node and per MB"
echo
echo "| nodes | wall per node | CPU per node | CPU per MB | peak RSS per node |"
echo "|---|---|---|---|---|"
first=""
for n in $nodes_list; do
  printf '| %s | %s ms | %s ms | %s ms | %s MB |\n' "$n" \
    "$(div "${c_wall[$n]}e3" "$n" %.0f)" "$(div "${c_cpu[$n]}e3" "$n" %.0f)" \
    "$(div "${c_cpu[$n]}e9" "${bytes[$n]}" %.1f)" "$(div "${c_rss[$n]}" "$n" %.2f)"
  [ -n "$first" ] || first=$n
  last=$n
done
if [ "$first" != "$last" ]; then
  echo
  echo "CPU per MB at $last nodes / at $first nodes: $(div "$(div "${c_cpu[$last]}" "${bytes[$last]}" %.12f)" "$(div "${c_cpu[$first]}" "${bytes[$first]}" %.12f)" %.2f) (1.00 is linear)"
fi
echo

# --- against nodetool ---------------------------------------------------------------------
if [ "$do_nodetool" = 1 ]; then
  host=127.0.3.1
  if ! CASSTUNE_NET=3 bash scripts/cassandra.sh status >/dev/null 2>&1; then
    say "starting one Cassandra node on $host (CASSTUNE_NET=3)"
    started_node=1
    CASSTUNE_NET=3 bash scripts/cassandra.sh start --nodes 1 >&2
  fi
  eval "$(CASSTUNE_NET=3 bash scripts/cassandra.sh env)"
  metrics_url=${CASSTUNE_METRICS_URLS%%,*}
  target/release/examples/cqlload --host "$host" --tables 8 --rows 2000 >&2
  CASSTUNE_NET=3 bash scripts/cassandra.sh nodetool 1 flush bench >/dev/null 2>&1 || true
  nt() { CASSTUNE_NET=3 bash scripts/cassandra.sh nodetool 1 "$@"; }
  # Warm caches (jars, page cache) for both sides before timing.
  nt version >/dev/null 2>&1 || true
  "$casstune" collect -c "$host" --metrics-url "$metrics_url" --interval 0s -o "$tmp/warm.snap" >/dev/null 2>&1 || true

  timed "$casstune" collect -c "$host" --metrics-url "$metrics_url" --interval 0s -o "$tmp/one.snap"
  one_wall=$t_wall; one_cpu=$t_cpu
  timed "$casstune" collect -c "$host" --metrics-url "$metrics_url" --interval 5s -o "$tmp/two.snap"
  two_wall=$t_wall
  {
    echo "set -e"
    for cmd in info tpstats tablestats compactionstats gcstats proxyhistograms; do
      echo "CASSTUNE_NET=3 bash scripts/cassandra.sh nodetool 1 $cmd >/dev/null"
    done
    for t in $(seq -f 't%02g' 0 7); do
      echo "CASSTUNE_NET=3 bash scripts/cassandra.sh nodetool 1 tablehistograms bench $t >/dev/null"
    done
  } >"$tmp/nodetool.sh"
  timed bash "$tmp/nodetool.sh"
  nt_wall=$t_wall; nt_cpu=$t_cpu
  members=$(tar --zstd -tf "$tmp/one.snap" | wc -l)
  echo "## One live node: casstune collect vs the nodetool commands for the same facts"
  echo
  echo "Node: Cassandra 5.0.9 on $host (1 GiB heap, JMX exporter), keyspace bench with 8 tables × 2000 rows."
  echo
  echo "| run | wall | CPU |"
  echo "|---|---|---|"
  echo "| casstune collect, one scrape ($members snapshot members: every system_views table, schema, scrape, host facts) | $one_wall s | $one_cpu s |"
  echo "| casstune collect, two scrapes 5 s apart (rates) | $two_wall s (interval 5 s included) | |"
  echo "| nodetool info, tpstats, tablestats, compactionstats, gcstats, proxyhistograms, tablehistograms × 8 (14 JVM starts) | $nt_wall s | $nt_cpu s |"
  echo
  echo "nodetool / casstune one scrape: $(div "$nt_wall" "$one_wall")× wall, $(div "$nt_cpu" "$one_cpu")× CPU; nodetool / casstune two scrapes without the interval: $(div "$nt_wall" "$(awk -v w="$two_wall" 'BEGIN { print w - 5 }')")× wall"
  echo
fi

# --- cargo bench ------------------------------------------------------------------------
if [ "${BENCH_CARGO:-0}" = 1 ]; then
  echo "## cargo bench"
  echo
  for b in lint exposition scrape_fanout; do
    echo "### $b"
    echo '```'
    cargo bench -q --bench "$b" 2>/dev/null | grep -v '^$' || echo "(failed)"
    echo '```'
  done
else
  echo "cargo bench --bench lint | exposition | scrape_fanout: lint median, parser MB/s, 200/1000-endpoint fan-out (BENCH_CARGO=1 runs them here)."
fi
