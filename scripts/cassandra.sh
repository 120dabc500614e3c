#!/usr/bin/env bash
# Start/stop real Apache Cassandra 5.0 test nodes on loopback, each with the
# Prometheus JMX exporter agent. See scripts/README.md.
#
#   cassandra.sh start [--nodes 1|2|3] [--fresh] [--secure] [--profile tuned]
#                                                  start (idempotent), wait for CQL
#   cassandra.sh stop                              SIGTERM, then SIGKILL after a timeout
#   cassandra.sh status                            per-node process/CQL/exporter state
#   cassandra.sh logs [N] [-f]                     tail system.log (all nodes or node N)
#   cassandra.sh env                               shell exports for tests (eval "$(… env)")
#   cassandra.sh nodetool N ARGS…                  run nodetool (from cassandra-all) against node N
#   cassandra.sh clean                             stop, then delete the node directory
#
# Node N: 127.0.0.N, CQL :9042, storage :7000, exporter 127.0.0.N:9404,
# local JMX 127.0.0.1:7N99. Data under $CASSTUNE_NODE_DIR/nodeN.
#
# Independent clusters beside it: CASSTUNE_NET=K (1..3) puts node N on
# 127.0.K.N (exporter :940(4+K), JMX 127.0.0.1:7N9(9-K), data under
# /tmp/casstune-nodes-netK). The tests use 0 and 1 (the secure node); 2 and 3
# are free for recording scenarios and benchmarks while the tests run. CASSTUNE_SECURE=1 (or start --secure) adds
# PasswordAuthenticator, CassandraAuthorizer and client-to-node TLS with a
# throwaway CA (tools/cassandra/node-secure.yaml.tmpl). Every command takes
# the same variables, e.g. CASSTUNE_NET=1 cassandra.sh stop.
# CASSTUNE_PROFILE=tuned (or start --profile tuned) is the well-tuned cluster
# of fixtures/snapshots/baseline.snap: tools/cassandra/node-tuned.yaml.tmpl,
# secure, GossipingPropertyFileSnitch, 2 GiB heaps, stock JIT, and the JVM
# flags written to nodeN/jvm17-server.options. CASSTUNE_YAML_SET="key: value; …"
# replaces top-level settings of the rendered yaml (scenario recordings).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tpl_dir="$repo/tools/cassandra"
# CASSTUNE_NET: 0 is the default cluster on 127.0.0.N; K in 1..3 another one on 127.0.K.N.
net=${CASSTUNE_NET:-0}
case "$net" in 0|1|2|3) ;; *) echo "cassandra.sh: CASSTUNE_NET must be 0, 1, 2 or 3" >&2; exit 1;; esac
if [ "$net" = 0 ]; then
  root=${CASSTUNE_NODE_DIR:-/tmp/casstune-nodes}
  exporter_port=${CASSTUNE_EXPORTER_PORT:-9404}
else
  root=${CASSTUNE_NODE_DIR:-/tmp/casstune-nodes-net$net}
  exporter_port=${CASSTUNE_EXPORTER_PORT:-$((9404 + net))}
fi
cql_port=${CASSTUNE_CQL_PORT:-9042}
storage_port=${CASSTUNE_STORAGE_PORT:-7000}
start_timeout=${CASSTUNE_START_TIMEOUT:-180}   # seconds, per node
stop_timeout=${CASSTUNE_STOP_TIMEOUT:-30}      # seconds before SIGKILL
exporter_cfg=${CASSTUNE_EXPORTER_CONFIG:-$tpl_dir/jmx-exporter.yaml}
cluster_name=casstune-test
[ "$net" = 0 ] || cluster_name=casstune-net$net
# Secure mode (auth + client TLS): CASSTUNE_SECURE=1 or `start --secure`; it is
# recorded in $root/cluster.secure, so later commands on that cluster know it.
secure=${CASSTUNE_SECURE:-0}
[ ! -f "$root/cluster.secure" ] || secure=1
# Profile: "" (the test nodes) or "tuned"; recorded in $root/cluster.profile like secure mode.
profile=${CASSTUNE_PROFILE:-}
[ ! -f "$root/cluster.profile" ] || profile=$(cat "$root/cluster.profile")
tls_dir="$root/tls"
# A CASSTUNE_NODE_DIR exported for one network must not steer a command for the other
# (`CASSTUNE_NET=1 … stop` would stop the default cluster). Clusters on 127.0.1.N record
# their network in cluster.net; the default cluster's directory has none.
if [ -f "$root/cluster.net" ] && [ "$(cat "$root/cluster.net")" != "$net" ] \
   || { [ "$net" != 0 ] && [ -f "$root/cluster.nodes" ] && [ ! -f "$root/cluster.net" ]; }; then
  echo "cassandra.sh: $root holds the cluster of another CASSTUNE_NET; unset CASSTUNE_NODE_DIR or point it elsewhere" >&2
  exit 1
fi
max_nodes=3
# Deterministic single tokens for a 3-node ring (num_tokens: 1).
tokens=(-9223372036854775808 -3074457345618258603 3074457345618258602)

die() { echo "cassandra.sh: $*" >&2; exit 1; }
say() { echo "cassandra.sh: $*" >&2; }

node_ip() { echo "127.0.$net.$1"; }
jmx_port() { echo "7${1}9$((9 - net))"; }
node_dir() { echo "$root/node$1"; }

# Number of nodes the recorded cluster has (0: none recorded).
recorded_nodes() { cat "$root/cluster.nodes" 2>/dev/null || echo 0; }

# pid of node N if its recorded process is alive and is our java for that node.
node_pid() {
  local f pid
  f="$(node_dir "$1")/cassandra.pid"
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  [ -n "$pid" ] && alive "$pid" || return 1
  # Guard against a recycled pid: the command line must name this node's dir.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-Dcassandra.storagedir=$(node_dir "$1") " || return 1
  echo "$pid"
}

# True while pid is a live (non-zombie) process.
alive() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

tcp_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

java_major() {
  local v
  v=$("${JAVA:-java}" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  echo "${v#1.}"
}

check_java() {
  command -v "${JAVA:-java}" >/dev/null || die "java not found (apt-get install -y openjdk-17-jdk-headless, or set JAVA=/path/to/java)"
  local m; m=$(java_major)
  case "$m" in
    11|17) ;;
    *) die "Cassandra 5.0 runs on JDK 11 or 17; ${JAVA:-java} is $m (set JAVA=/path/to/java17)";;
  esac
}

check_ports_free() {
  local n=$1 ip; ip=$(node_ip "$n")
  local p
  for p in "$ip:$cql_port" "$ip:$storage_port" "$ip:$exporter_port" "127.0.0.1:$(jmx_port "$n")"; do
    if tcp_open "${p%:*}" "${p##*:}"; then
      die "port $p is already in use (another Cassandra or service?): node $n cannot start. Free it or set CASSTUNE_CQL_PORT/CASSTUNE_STORAGE_PORT/CASSTUNE_EXPORTER_PORT."
    fi
  done
}

render_yaml() {
  local n=$1 dir seeds
  dir=$(node_dir "$n")
  seeds="$(node_ip 1):$storage_port"
  sed -e "s|@@CLUSTER_NAME@@|$cluster_name|g" \
      -e "s|@@INITIAL_TOKEN@@|${tokens[$((n-1))]}|g" \
      -e "s|@@SEEDS@@|$seeds|g" \
      -e "s|@@NODE_IP@@|$(node_ip "$n")|g" \
      -e "s|@@STORAGE_PORT@@|$storage_port|g" \
      -e "s|@@CQL_PORT@@|$cql_port|g" \
      -e "s|@@NODE_DIR@@|$dir|g" \
      "$tpl_dir/$(node_template)" >"$dir/cassandra.yaml"
  if [ "$secure" = 1 ]; then render_secure "$n"; fi
  if [ "$profile" = tuned ]; then render_tuned "$n"; fi
  if [ -n "${CASSTUNE_YAML_SET:-}" ]; then yaml_set "$dir/cassandra.yaml"; fi
  if grep -v '^ *#' "$dir/cassandra.yaml" | grep -q '@@'; then die "unfilled placeholder in $dir/cassandra.yaml"; fi
}

# Secure mode: the AllowAll authenticator/authorizer lines of node.yaml.tmpl
# give way to node-secure.yaml.tmpl (auth, client-to-node TLS with a PEM keystore).
render_secure() {
  local n=$1 dir f; dir=$(node_dir "$n"); f="$dir/cassandra.yaml"
  sed -i -e '/^authenticator:/d' -e '/^authorizer:/d' "$f"
  sed -e "s|@@TLS_DIR@@|$tls_dir|g" \
      -e "s|@@NODE@@|$n|g" \
      -e "s|@@KEYSTORE_PASSWORD@@|$(cat "$tls_dir/keystore.password")|g" \
      -e "s|@@TRUSTSTORE_PASSWORD@@|$(cat "$tls_dir/truststore.password")|g" \
      -e '1,/^$/d' "$tpl_dir/node-secure.yaml.tmpl" >>"$f"
}

# CASSTUNE_YAML_SET: top-level `key: value` lines (newline or ';' separated) that replace
# the template's line for that key, or are added; for recording scenarios that need one
# setting changed (key_cache_size: 1MiB, concurrent_writes: 2, …).
yaml_set() {
  local f=$1 line key
  while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"; [ -n "$line" ] || continue
    key=${line%%:*}
    case "$key" in *[!a-z0-9_]*|"") die "CASSTUNE_YAML_SET: not a top-level 'key: value': $line";; esac
    sed -i "/^$key:/d" "$f"
    printf '%s\n' "$line" >>"$f"
  done < <(printf '%s\n' "$CASSTUNE_YAML_SET" | tr ';' '\n')
}

node_template() { if [ "$profile" = tuned ]; then echo node-tuned.yaml.tmpl; else echo node.yaml.tmpl; fi; }

# Tuned profile: the internode TLS block of node-tuned.yaml.tmpl uses the secure
# overlay's placeholders; GossipingPropertyFileSnitch reads dc and rack from
# cassandra-rackdc.properties (-Dcassandra-rackdc.properties, see launch_node).
render_tuned() {
  local n=$1 dir; dir=$(node_dir "$n")
  sed -i -e "s|@@TLS_DIR@@|$tls_dir|g" -e "s|@@NODE@@|$n|g" \
      -e "s|@@KEYSTORE_PASSWORD@@|$(cat "$tls_dir/keystore.password")|g" "$dir/cassandra.yaml"
  printf 'dc=dc1\nrack=rack%s\n' "$n" >"$dir/cassandra-rackdc.properties"
}

# Throwaway TLS material for secure mode, made once per $root (kept across
# restarts so clients keep trusting the same CA), all in $tls_dir:
#   ca.pem / ca.key                 the CA the nodes' certificates chain to
#   untrusted-ca.pem                a second CA that signed nothing here (negative tests)
#   nodeN.pem                       node N's certificate, SAN IP:127.0.x.N
#   nodeN-keystore.pem              PEM keystore: node N's key, encrypted (PKCS#8,
#                                   keystore.password), then nodeN.pem and ca.pem
#   keystore.password / truststore.password   random; the latter is planted (Cassandra
#                                   ignores a PEM truststore's password)
# The key is encrypted with PKCS#12 PBE-SHA1-3DES: Cassandra's PEMReader asks the JDK for
# a SecretKeyFactory named after the key's algorithm, and JDK 17 has none for PBES2
# (openssl's default, -v2 aes-256-cbc): "PBES2 SecretKeyFactory not available".
ensure_openssl() {
  command -v openssl >/dev/null && return 0
  say "openssl not found: installing it (apt-get install -y openssl)"
  [ "$(id -u)" = 0 ] || die "need root to apt-get install openssl (or install it yourself)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >&2 \
    || { DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >&2; } \
    || die "apt-get install openssl failed"
}

make_ca() {
  local name=$1 cn=$2
  [ -s "$tls_dir/$name.pem" ] && return 0
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=$cn" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$tls_dir/$name.key" -out "$tls_dir/$name.pem" 2>/dev/null || die "openssl: cannot make $name"
}

gen_tls() {
  local nodes=$1 n ip tmp pw
  ensure_openssl
  mkdir -p "$tls_dir"; chmod 700 "$tls_dir"
  for pw in keystore truststore; do
    [ -s "$tls_dir/$pw.password" ] || (umask 077; printf '%s-%s\n' "$pw" "$(openssl rand -hex 12)" >"$tls_dir/$pw.password")
  done
  make_ca ca "casstune test CA ($cluster_name)"
  make_ca untrusted-ca "casstune untrusted CA"
  for n in $(seq "$nodes"); do
    [ -s "$tls_dir/node$n-keystore.pem" ] && continue
    ip=$(node_ip "$n"); tmp=$(mktemp -d "$tls_dir/.gen.XXXXXX")
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:%s\n' "$ip" >"$tmp/ext"
    { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/key" \
      && openssl req -new -key "$tmp/key" -subj "/CN=$ip" -out "$tmp/csr" \
      && openssl x509 -req -in "$tmp/csr" -CA "$tls_dir/ca.pem" -CAkey "$tls_dir/ca.key" -CAcreateserial \
           -days 3650 -sha256 -extfile "$tmp/ext" -out "$tls_dir/node$n.pem" \
      && openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES -in "$tmp/key" -passout "file:$tls_dir/keystore.password" -out "$tmp/key.enc" \
      && cat "$tmp/key.enc" "$tls_dir/node$n.pem" "$tls_dir/ca.pem" >"$tls_dir/node$n-keystore.pem"
    } 2>/dev/null || { rm -rf "$tmp"; die "openssl: cannot make the certificate of node $n"; }
    chmod 600 "$tls_dir/node$n-keystore.pem"
    rm -rf "$tmp"
  done
}

launch_node() {
  local n=$1 lib=$2 heap=$3 dir ip jamm
  dir=$(node_dir "$n"); ip=$(node_ip "$n")
  mkdir -p "$dir"/{data,commitlog,saved_caches,hints,cdc_raw,logs,triggers}
  render_yaml "$n"
  local -a found
  found=("$lib"/jamm-*.jar); jamm=${found[0]}
  [ -f "$jamm" ] || die "no jamm-*.jar in $lib (rerun scripts/fetch-cassandra.sh)"
  found=("$lib"/jmx_prometheus_javaagent-*.jar); local exporter=${found[0]}
  [ -f "$exporter" ] || die "no jmx_prometheus_javaagent-*.jar in $lib (rerun scripts/fetch-cassandra.sh)"
  local -a jvm=(
    -Xms"$heap" -Xmx"$heap" -Xss256k
    -ea -da:net.openhft...
    -XX:+UseThreadPriorities -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath="$dir"
    -XX:+ExitOnOutOfMemoryError -XX:+PerfDisableSharedMem
    -XX:StringTableSize=1000003
    -Djava.net.preferIPv4Stack=true
    # G1 block of 5.0's jvm17-server.options
    -XX:+UseG1GC -XX:+ParallelRefProcEnabled -XX:MaxTenuringThreshold=1
    -XX:G1HeapRegionSize=16m -XX:G1RSetUpdatingPauseTimePercent=5
    -XX:MaxGCPauseMillis=300 -XX:InitiatingHeapOccupancyPercent=70
    "-Xlog:gc=info,safepoint=info:file=$dir/logs/gc.log:time,uptime,pid,tid,level:filecount=3,filesize=10M"
    -Djdk.attach.allowAttachSelf=true
    # JPMS list of 5.0's conf/jvm17-server.options
    --add-exports java.base/jdk.internal.misc=ALL-UNNAMED
    --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
    --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED
    --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
    --add-exports java.sql/java.sql=ALL-UNNAMED
    --add-exports java.base/java.lang.ref=ALL-UNNAMED
    --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED
    --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
    --add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED
    --add-opens java.base/java.lang.module=ALL-UNNAMED
    --add-opens java.base/jdk.internal.loader=ALL-UNNAMED
    --add-opens java.base/jdk.internal.ref=ALL-UNNAMED
    --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
    --add-opens java.base/jdk.internal.math=ALL-UNNAMED
    --add-opens java.base/jdk.internal.module=ALL-UNNAMED
    --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED
    --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
    --add-opens java.base/sun.nio.ch=ALL-UNNAMED
    --add-opens java.base/java.io=ALL-UNNAMED
    --add-opens java.base/java.lang.reflect=ALL-UNNAMED
    --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
    --add-opens java.base/java.lang=ALL-UNNAMED
    --add-opens java.base/java.util=ALL-UNNAMED
    -Dio.netty.tryReflectionSetAccessible=true
    -Dio.netty.allocator.useCacheForAllThreads=true
    -Dio.netty.allocator.maxOrder=11
    -javaagent:"$jamm"
    -javaagent:"$exporter=$ip:$exporter_port:$exporter_cfg"
    -Dcassandra.config="file://$dir/cassandra.yaml"
    -Dcassandra.storagedir="$dir"
    -Dcassandra.logdir="$dir/logs"
    -Dcassandra.triggers_dir="$dir/triggers"
    -Dlogback.configurationFile="file://$tpl_dir/logback.xml"
    -Dcassandra-foreground=yes
    -Dcassandra.jmx.local.port="$(jmx_port "$n")"
    # Test-node start-up shortcuts (see README): no gossip settle wait, short
    # ring delay for joiners, default superuser set up at once.
    -Dcassandra.skip_wait_for_gossip_to_settle=0
    -Dcassandra.ring_delay_ms=2000
    -Dcassandra.superuser_setup_delay_ms=0
    -cp "$lib/*"
  )
  # C1-only JIT halves start-up CPU on 2 cores (measured: 12.5 s vs 24 s of CPU
  # to CQL-ready); steady-state throughput is lower, which test nodes can
  # afford. CASSTUNE_FULL_JIT=1 keeps the stock tiered C1+C2 JIT (the tuned
  # profile always does: it stands for a production node).
  [ "${CASSTUNE_FULL_JIT:-0}" = 1 ] || [ "$profile" = tuned ] || jvm+=(-XX:TieredStopAtLevel=1)
  [ "$profile" != tuned ] || jvm+=("-Dcassandra-rackdc.properties=file://$dir/cassandra-rackdc.properties")
  # Extra JVM flags, word-split (e.g. CASSTUNE_JVM_OPTS="-XX:+AlwaysPreTouch").
  # shellcheck disable=SC2206
  [ -z "${CASSTUNE_JVM_OPTS:-}" ] || jvm+=(${CASSTUNE_JVM_OPTS})
  [ "$profile" != tuned ] || write_jvm_options "$dir" "${jvm[@]}"
  : >"$dir/logs/stdout.log"
  rm -f "$dir/cassandra.pid"
  # Where this run's part of system.log starts (a restarted node appends).
  stat -c %s "$dir/logs/system.log" 2>/dev/null >"$dir/logs/.start-offset" || echo 0 >"$dir/logs/.start-offset"
  # setsid: the node outlives this shell (CI steps, test harnesses).
  # The inner shell writes its own pid, then execs java under that pid.
  # shellcheck disable=SC2016
  setsid bash -c 'echo $$ >"$1"; shift; cd "$1"; shift; exec "$@"' _ \
    "$dir/cassandra.pid" "$dir" "${JAVA:-java}" "${jvm[@]}" \
    org.apache.cassandra.service.CassandraDaemon \
    >>"$dir/logs/stdout.log" 2>&1 </dev/null &
  # Wait for the pid file the inner shell writes.
  local i
  for i in $(seq 50); do [ -s "$dir/cassandra.pid" ] && break; sleep 0.1; done
}

# The flags a tuned node runs with, as a jvm17-server.options beside its
# cassandra.yaml, so `casstune collect --config NODE=DIR` reads the real JVM
# options (one option a line; --add-exports/--add-opens keep their argument).
write_jvm_options() {
  local dir=$1; shift
  {
    echo "# Written by scripts/cassandra.sh (profile tuned): the flags this node was started with."
    while [ $# -gt 0 ]; do
      case "$1" in
        --add-exports|--add-opens) echo "$1 $2"; shift 2;;
        -cp) shift 2;;
        *) echo "$1"; shift;;
      esac
    done
  } >"$dir/jvm17-server.options"
}

fail_start() {
  local n=$1 why=$2 dir; dir=$(node_dir "$n")
  {
    echo "cassandra.sh: node $n ($(node_ip "$n")) $why"
    echo "---- last 40 lines of $dir/logs/system.log ----"
    tail -n 40 "$dir/logs/system.log" 2>/dev/null || echo "(no system.log)"
    echo "---- last 20 lines of $dir/logs/stdout.log ----"
    tail -n 20 "$dir/logs/stdout.log" 2>/dev/null || echo "(no stdout.log)"
  } >&2
  exit 1
}

# Wait until a TCP connect to node N's CQL port succeeds.
wait_cql() {
  local n=$1 t0=$2 dir ip pid
  dir=$(node_dir "$n"); ip=$(node_ip "$n")
  while :; do
    if ! pid=$(node_pid "$n"); then fail_start "$n" "exited during start-up"; fi
    # The port check alone decides: check_ports_free proved the port was free before
    # launch, and a noisy node can rotate system.log past the "listening" line.
    if tcp_open "$ip" "$cql_port"; then
      return 0
    fi
    if [ $(( $(date +%s) - t0 )) -ge "$start_timeout" ]; then
      kill_node "$n" "$pid"
      fail_start "$n" "did not answer CQL on $ip:$cql_port within ${start_timeout}s (CASSTUNE_START_TIMEOUT); it was stopped"
    fi
    sleep 0.5
  done
}

warm_exporter() {
  local out; out="$(node_dir "$1")/logs/.warmup.prom"
  curl -sf --max-time "${CASSTUNE_WARMUP_TIMEOUT:-120}" -o "$out" \
    "http://$(node_ip "$1"):$exporter_port/metrics" 2>/dev/null && grep -q '^cassandra_table_' "$out"
  local rc=$?; rm -f "$out"; return $rc
}

report_up() {
  say "node $1 up: CQL $(node_ip "$1"):$cql_port, metrics http://$(node_ip "$1"):$exporter_port/metrics ($(( $(date +%s) - $2 ))s)"
}

cmd_start() {
  local nodes=1 fresh=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --nodes) nodes=${2:-}; shift 2 || die "--nodes needs a value";;
      --nodes=*) nodes=${1#--nodes=}; shift;;
      --fresh) fresh=1; shift;;
      --secure) secure=1; shift;;
      --profile) profile=${2:-}; shift 2 || die "--profile needs a value";;
      --profile=*) profile=${1#--profile=}; shift;;
      *) die "start: unknown argument '$1' (usage: start [--nodes 1|2|3] [--fresh] [--secure] [--profile tuned])";;
    esac
  done
  case "$nodes" in 1|2|3) ;; *) die "--nodes must be 1, 2 or 3";; esac
  case "$profile" in ""|tuned) ;; *) die "--profile must be tuned (or absent)";; esac
  # The tuned profile is a secure cluster (auth, client and internode TLS).
  [ "$profile" != tuned ] || secure=1

  local running=() n
  for n in $(seq $max_nodes); do node_pid "$n" >/dev/null && running+=("$n"); done
  local rec; rec=$(recorded_nodes)

  if [ ${#running[@]} -gt 0 ]; then
    if [ "$rec" != "$nodes" ]; then
      die "a ${rec}-node cluster is running (nodes ${running[*]}); run 'cassandra.sh stop' before starting $nodes node(s)"
    fi
    if [ ${#running[@]} -eq "$nodes" ]; then
      say "already running: $nodes node(s) (${running[*]})"
      return 0
    fi
  fi
  if [ "$fresh" = 1 ] || { [ ${#running[@]} -eq 0 ] && [ "$rec" != 0 ] && { [ "$rec" != "$nodes" ] || [ "$nodes" -gt 1 ]; }; }; then
    # A different topology's data would leave stale peers in system.peers_v2. A cold
    # multi-node start is fresh too: node 1 restarted alone with its peers recorded but
    # down never opens CQL in time (5.0's role setup retries in a tight loop, ~1 GB/min
    # of log), and the nodes start one after the other.
    [ ${#running[@]} -eq 0 ] || die "--fresh needs the cluster stopped first"
    say "wiping $root/node* (fresh ${nodes}-node cluster)"
    rm -rf "$root"/node[0-9]* "$root/cluster.nodes" "$root/cluster.profile"
    if [ "$secure" = 1 ]; then rm -rf "$tls_dir"; fi
  fi

  check_java
  local lib; lib=$("$repo/scripts/fetch-cassandra.sh")
  ls "$lib"/cassandra-all-*.jar >/dev/null 2>&1 || die "no cassandra-all jar in $lib (rerun scripts/fetch-cassandra.sh)"
  local heap=${CASSTUNE_HEAP:-}
  if [ -z "$heap" ]; then if [ "$nodes" = 1 ]; then heap=1G; else heap=512M; fi; fi
  # Tuned: what cassandra-env.sh picks for the RAM each of 3 nodes gets on a 24 GiB
  # machine (8 GiB): max(min(RAM/2, 1 GiB), min(RAM/4, 8 GiB)) = 2 GiB.
  if [ "$profile" = tuned ] && [ -z "${CASSTUNE_HEAP:-}" ]; then heap=2G; fi

  mkdir -p "$root"
  echo "$nodes" >"$root/cluster.nodes"
  [ "$net" = 0 ] || echo "$net" >"$root/cluster.net"
  if [ "$secure" = 1 ]; then
    gen_tls "$nodes"
    : >"$root/cluster.secure"
  fi
  [ -z "$profile" ] || echo "$profile" >"$root/cluster.profile"
  local t_all; t_all=$(date +%s)
  local -a todo=()
  for n in $(seq "$nodes"); do
    if node_pid "$n" >/dev/null; then say "node $n already running"; continue; fi
    check_ports_free "$n"
    todo+=("$n")
  done
  local i t0
  for i in "${!todo[@]}"; do
    n=${todo[$i]}
    t0=$(date +%s)
    say "starting node $n on $(node_ip "$n") (heap $heap)"
    launch_node "$n" "$lib" "$heap"
    # One at a time: node 1 (the seed) must answer before the others join, and
    # joining 2 and 3 together saved nothing measurable on 2 cores.
    wait_cql "$n" "$t0"
    report_up "$n" "$t0"
  done
  # Warm-up scrape: a node's first scrape is slow (MBean introspection, cold
  # JIT: 3-20 s on a busy 2-core box), later ones take under a second. Doing
  # it here also checks that every exporter serves Cassandra metrics.
  local -a wpids=()
  for n in "${todo[@]}"; do warm_exporter "$n" & wpids+=($!); done
  for i in "${!wpids[@]}"; do wait "${wpids[$i]}" || fail_start "${todo[$i]}" "exporter http://$(node_ip "${todo[$i]}"):$exporter_port/metrics served no Cassandra metrics"; done
  # A running scripts/prometheus.sh picks the new target list up (file_sd).
  if [ -d "$root/prometheus" ]; then "$repo/scripts/prometheus.sh" targets || true; fi
  say "cluster up: $nodes node(s) in $(( $(date +%s) - t_all ))s"
}

# SIGTERM node N's pid, SIGKILL it after $stop_timeout seconds.
kill_node() {
  local n=$1 pid=$2 deadline
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$(( $(date +%s) + stop_timeout ))
  while alive "$pid" && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.3; done
  if alive "$pid"; then
    say "node $n (pid $pid) still running after ${stop_timeout}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while alive "$pid"; do sleep 0.1; done
  fi
  rm -f "$(node_dir "$n")/cassandra.pid"
}

cmd_stop() {
  local n pids=() nodes=()
  for n in $(seq $max_nodes); do
    local pid
    if pid=$(node_pid "$n"); then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid"); nodes+=("$n")
    fi
  done
  if [ ${#pids[@]} -eq 0 ]; then say "no node running"; return 0; fi
  say "SIGTERM sent to node(s) ${nodes[*]}; waiting up to ${stop_timeout}s"
  local deadline=$(( $(date +%s) + stop_timeout )) i
  for i in "${!pids[@]}"; do
    while alive "${pids[$i]}" && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.3; done
    if alive "${pids[$i]}"; then
      say "node ${nodes[$i]} (pid ${pids[$i]}) still running after ${stop_timeout}s: SIGKILL"
      kill -KILL "${pids[$i]}" 2>/dev/null || true
      while alive "${pids[$i]}"; do sleep 0.1; done
    fi
    rm -f "$(node_dir "${nodes[$i]}")/cassandra.pid"
  done
  say "stopped node(s) ${nodes[*]}"
}

cmd_status() {
  local n rec any=0; rec=$(recorded_nodes)
  [ "$rec" != 0 ] || { echo "no cluster recorded under $root"; return 3; }
  for n in $(seq "$rec"); do
    local ip pid state cql exp
    ip=$(node_ip "$n")
    if pid=$(node_pid "$n"); then state="running pid=$pid"; any=1; else state="stopped"; fi
    tcp_open "$ip" "$cql_port" && cql=up || cql=down
    tcp_open "$ip" "$exporter_port" && exp=up || exp=down
    echo "node$n $ip $state cql=$cql($cql_port) exporter=$exp($exporter_port) jmx=127.0.0.1:$(jmx_port "$n") dir=$(node_dir "$n")"
  done
  [ $any = 1 ] || return 3
}

cmd_logs() {
  local follow=0 which=()
  for a in "$@"; do
    case "$a" in -f) follow=1;; [1-3]) which+=("$a");; *) die "logs: usage: logs [N] [-f]";; esac
  done
  [ ${#which[@]} -gt 0 ] || { local rec; rec=$(recorded_nodes); [ "$rec" != 0 ] || rec=1; mapfile -t which < <(seq "$rec"); }
  local files=() n
  for n in "${which[@]}"; do files+=("$(node_dir "$n")/logs/system.log"); done
  if [ $follow = 1 ]; then exec tail -n 50 -F "${files[@]}"; fi
  tail -n 50 "${files[@]}"
}

cmd_env() {
  local rec n cps=() urls=() data=() jmx=() logs=()
  rec=$(recorded_nodes); [ "$rec" != 0 ] || rec=1
  for n in $(seq "$rec"); do
    cps+=("$(node_ip "$n")")
    urls+=("http://$(node_ip "$n"):$exporter_port/metrics")
    data+=("$(node_dir "$n")/data")
    jmx+=("127.0.0.1:$(jmx_port "$n")")
    logs+=("$(node_dir "$n")/logs/system.log")
  done
  local IFS=,
  cat <<EOF
export CASSTUNE_NODE_DIR='$root'
export CASSTUNE_NODES='$rec'
export CASSTUNE_CLUSTER_NAME='$cluster_name'
export CASSTUNE_CONTACT_POINTS='${cps[*]}'
export CASSTUNE_CQL_PORT='$cql_port'
export CASSTUNE_METRICS_URLS='${urls[*]}'
export CASSTUNE_DATA_DIRS='${data[*]}'
export CASSTUNE_JMX='${jmx[*]}'
export CASSTUNE_SYSTEM_LOGS='${logs[*]}'
EOF
  if [ "$secure" = 1 ]; then
    cat <<EOF
export CASSTUNE_SECURE='1'
export CASSTUNE_TLS_CA='$tls_dir/ca.pem'
export CASSTUNE_TLS_UNTRUSTED_CA='$tls_dir/untrusted-ca.pem'
EOF
  fi
}

# nodetool is a class of cassandra-all; it talks JMX to the node's local port.
cmd_nodetool() {
  local n=${1:-}; shift || true
  case "$n" in 1|2|3) ;; *) die "usage: nodetool N ARGS… (N = 1, 2 or 3)";; esac
  check_java
  local lib; lib=$("$repo/scripts/fetch-cassandra.sh")
  # The module flags of Cassandra's own jvm17-clients.options.
  exec "${JAVA:-java}" -Xmx256m -XX:TieredStopAtLevel=1 -Dlogback.configurationFile=file://$tpl_dir/logback-tools.xml \
    --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --add-exports java.base/jdk.internal.ref=ALL-UNNAMED \
    --add-exports java.base/sun.nio.ch=ALL-UNNAMED --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED \
    --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED \
    --add-exports java.sql/java.sql=ALL-UNNAMED --add-opens java.base/java.lang.module=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.loader=ALL-UNNAMED --add-opens java.base/jdk.internal.ref=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED --add-opens java.base/jdk.internal.math=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.module=ALL-UNNAMED --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED \
    --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
    -cp "$lib/*" org.apache.cassandra.tools.NodeTool -h 127.0.0.1 -p "$(jmx_port "$n")" "$@"
}

cmd_clean() {
  cmd_stop
  CASSTUNE_NODE_DIR="$root" "$repo/scripts/prometheus.sh" stop || true
  rm -rf "$root"
  say "removed $root"
}

case "${1:-}" in
  start) shift; cmd_start "$@";;
  stop) shift; cmd_stop;;
  status) shift; cmd_status;;
  logs) shift; cmd_logs "$@";;
  env) shift; cmd_env;;
  nodetool) shift; cmd_nodetool "$@";;
  clean) shift; cmd_clean;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2;;
esac
