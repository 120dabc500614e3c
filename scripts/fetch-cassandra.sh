#!/usr/bin/env bash
# Fetch a runnable Apache Cassandra 5.0 from Maven Central (cassandra-all plus its
# runtime dependencies, and the Prometheus JMX exporter agent) into a cache.
# Idempotent: a warm cache returns at once. Prints the lib directory on stdout.
#
#   CASSTUNE_CACHE   cache root (default ~/.cache/casstune)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
pom="$here/tools/cassandra/pom.xml"
version=$(sed -n 's:.*<cassandra.version>\(.*\)</cassandra.version>.*:\1:p' "$pom")
cache=${CASSTUNE_CACHE:-$HOME/.cache/casstune}
lib="$cache/cassandra-$version/lib"
stamp="$lib/.complete"
if [ ! -f "$stamp" ]; then
  command -v mvn >/dev/null || { echo "fetch-cassandra: mvn not found (apt-get install maven)" >&2; exit 2; }
  mkdir -p "$lib"
  echo "fetch-cassandra: resolving cassandra-all $version from Maven Central into $lib" >&2
  mvn -q -B -f "$pom" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$lib" >&2
  touch "$stamp"
fi
echo "$lib"
