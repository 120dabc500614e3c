#!/usr/bin/env bash
# The whole test suite: unit tests, CLI tests, one fires/quiet fixture per rule, SARIF schema
# validation, the oracles (casstune's verdicts against Cassandra 5.0's own config loader
# from Maven Central and the real JDK 17), and the live tests against a real 3-node
# Cassandra 5.0 cluster with the JMX exporter and a real Prometheus, which this script
# starts (scripts/cassandra.sh, scripts/prometheus.sh) and stops again if it started them.
# Installs what it needs when it can.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib.sh
. scripts/lib.sh
have cargo || { echo "test.sh: cargo not found (install Rust with rustup)" >&2; exit 2; }
have java && java -version 2>&1 | grep -q '"17' || apt_install openjdk-17-jdk-headless
have javac || apt_install openjdk-17-jdk-headless
have mvn || apt_install maven
have python3 || apt_install python3
have patch || apt_install patch
have flock || apt_install util-linux
have curl || apt_install curl
have zstd || apt_install zstd
have prometheus || apt_install prometheus
bash scripts/chromium.sh >/dev/null   # headless Chromium for tests/html_report.rs
python3 -c 'import jsonschema' 2>/dev/null || python3 -m pip install -q jsonschema 2>/dev/null \
  || python3 -m pip install -q --break-system-packages jsonschema

if [ ! -d ../shared/fixtures ]; then
  echo "test.sh: ../shared/fixtures is absent: the stock-file, real-world and oracle tests will skip" >&2
fi

export CASSTUNE_SARIF_SCHEMA; CASSTUNE_SARIF_SCHEMA=$(bash scripts/fetch-sarif-schema.sh)
bash scripts/fetch-cassandra.sh >/dev/null

# The live cluster: started here so a failure to start reads as such, not as failed tests.
started_cluster=0
if ! bash scripts/cassandra.sh status >/dev/null 2>&1; then started_cluster=1; fi
stop_cluster() {
  # The secure single node of tests/security_live.rs (127.0.1.1), whatever started it.
  CASSTUNE_NET=1 CASSTUNE_NODE_DIR="${CASSTUNE_SECURE_NODE_DIR:-/tmp/casstune-nodes-net1}" bash scripts/cassandra.sh stop >/dev/null 2>&1 || true
  if [ "$started_cluster" = 1 ]; then
    bash scripts/prometheus.sh stop >/dev/null 2>&1 || true
    bash scripts/cassandra.sh stop >/dev/null 2>&1 || true
  fi
}
trap stop_cluster EXIT
bash scripts/cassandra.sh start --nodes 3
bash scripts/prometheus.sh start

mkdir -p target
set +e
cargo build --benches -q >/dev/null 2>&1 || { echo "test.sh: the benches do not compile" >&2; cargo build --benches; exit 1; }
cargo test --no-fail-fast -- --nocapture > target/test.log 2>&1
status=$?
set -e
grep -E '^(test |oracle agreement|  skipped|running |error)|test result|panicked|FAILED|disagreement' target/test.log || true
passed=$(grep -Eo '[0-9]+ passed' target/test.log | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' target/test.log | awk '{s+=$1} END {print s+0}')
echo "casstune: $passed passed, $failed failed (full log: target/test.log)"
exit "$status"
