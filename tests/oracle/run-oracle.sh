#!/usr/bin/env bash
# casstune oracle: what do Cassandra 5.0's own config code and the real JDK 17 say?
#
#   run-oracle.sh yaml-oracle FILE...   one JSON verdict line per cassandra.yaml
#   run-oracle.sh jvm-oracle FILE...    one JSON verdict line per jvm*.options file
#   run-oracle.sh corpus OUTDIR         build the yaml corpus, write OUTDIR/verdicts.jsonl
#   run-oracle.sh jvm-corpus OUTDIR     build the jvm corpus, write OUTDIR/jvm-verdicts.jsonl
#   run-oracle.sh all OUTDIR            both corpora
#
# Env: CASSTUNE_CACHE (see scripts/fetch-cassandra.sh), ORACLE_TIMEOUT (s per file, 60),
#      SHARED (reference fixtures, default /work/shared), JAVA_HOME, ORACLE_JOBS (parallel
#      JVMs for the yaml corpus, default nproc), ORACLE_JAVA_OPTS (extra JVM flags),
#      ORACLE_DEBUG=1 (per-file timing on stderr).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
shared=${SHARED:-/work/shared}
timeout=${ORACLE_TIMEOUT:-60}
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
javac=${JAVA_HOME:+$JAVA_HOME/bin/}javac
start=$(date +%s)

# JPMS flags from Cassandra 5.0's conf/jvm17-server.options (what a real node runs with).
jpms=(
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED
  --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
  --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
  --add-exports java.sql/java.sql=ALL-UNNAMED
  --add-exports java.base/java.lang.ref=ALL-UNNAMED
  --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED
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
  --add-opens java.base/java.lang=ALL-UNNAMED
  --add-opens java.base/java.util=ALL-UNNAMED
  --add-opens java.base/java.nio=ALL-UNNAMED
)

lib() { bash "$repo/scripts/fetch-cassandra.sh"; }

# Compile the harness into target/oracle/classes (recompiled when a source or the lib
# dir changes).  Serialised with flock so concurrent callers do not race.
build() {
  local libdir=$1 dir="$repo/target/oracle" out="$repo/target/oracle/classes"
  mkdir -p "$dir"
  (
    flock 9
    local stamp="$out/.stamp"
    if [ ! -f "$stamp" ] || [ -n "$(find "$here" -maxdepth 1 -name '*.java' -newer "$stamp")" ] \
       || [ "$(cat "$stamp")" != "$libdir" ]; then
      rm -rf "$out.tmp"; mkdir -p "$out.tmp"
      "$javac" -nowarn -d "$out.tmp" -cp "$libdir/*" "$here"/*.java >&2
      echo "$libdir" > "$out.tmp/.stamp"
      rm -rf "$out"; mv "$out.tmp" "$out"
    fi
  ) 9>"$dir/.build.lock"
  echo "$out"
}

yaml_oracle() {
  local libdir classes
  libdir=$(lib); classes=$(build "$libdir")
  "$java" -Xmx1G -Xss512k -Djava.net.preferIPv4Stack=true "${jpms[@]}" ${ORACLE_JAVA_OPTS:-} \
    -cp "$classes" ConfigOracle yaml --lib "$libdir" --classes "$classes" --conf "$here/conf" \
    --work "$repo/target/oracle/work${ORACLE_WORK_SUFFIX:-$$}" --timeout "$timeout" "$@"
}

jvm_oracle() {
  local libdir classes
  libdir=$(lib); classes=$(build "$libdir")
  "$java" -cp "$classes" ConfigOracle jvm --java "$(command -v "$java")" --timeout "$timeout" "$@"
}

elapsed() { echo "run-oracle: $1 done in $(( $(date +%s) - start ))s" >&2; }

cmd=${1:-}; shift || true
case "$cmd" in
  yaml-oracle) yaml_oracle "$@" ;;
  jvm-oracle)  jvm_oracle "$@" ;;
  corpus|jvm-corpus|all)
    out=${1:?usage: run-oracle.sh $cmd OUTDIR}
    mkdir -p "$out"
    if [ "$cmd" != jvm-corpus ]; then
      python3 "$here/make-corpus.py" yaml "$out" --shared "$shared"
      mapfile -t files < <(cut -f1 "$out/yaml-manifest.tsv" | tail -n +2)
      # ORACLE_JOBS JVMs (default: number of CPUs) each take every n-th file.
      jobs=${ORACLE_JOBS:-$(nproc)}
      libdir=$(lib); build "$libdir" >/dev/null
      pids=()
      for ((j = 0; j < jobs; j++)); do
        shard=()
        for ((i = j; i < ${#files[@]}; i += jobs)); do shard+=("${files[i]}"); done
        [ ${#shard[@]} -gt 0 ] || continue
        ORACLE_WORK_SUFFIX=$j yaml_oracle "${shard[@]}" > "$out/yaml-raw.$j.jsonl" &
        pids+=($!)
      done
      for p in "${pids[@]}"; do wait "$p"; done
      cat "$out"/yaml-raw.*.jsonl > "$out/yaml-raw.jsonl"; rm -f "$out"/yaml-raw.*.jsonl
      python3 "$here/make-corpus.py" merge "$out/yaml-manifest.tsv" "$out/yaml-raw.jsonl" > "$out/verdicts.jsonl"
      python3 "$here/make-corpus.py" summary "$out/verdicts.jsonl" >&2
    fi
    if [ "$cmd" != corpus ]; then
      python3 "$here/make-corpus.py" jvm "$out" --shared "$shared"
      mapfile -t files < <(cut -f1 "$out/jvm-manifest.tsv" | tail -n +2)
      jvm_oracle "${files[@]}" > "$out/jvm-raw.jsonl"
      python3 "$here/make-corpus.py" merge "$out/jvm-manifest.tsv" "$out/jvm-raw.jsonl" > "$out/jvm-verdicts.jsonl"
      python3 "$here/make-corpus.py" summary "$out/jvm-verdicts.jsonl" >&2
    fi
    ;;
  *) sed -n '2,13p' "$0" >&2; exit 2 ;;
esac
elapsed "$cmd"
