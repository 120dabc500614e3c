#!/usr/bin/env bash
# Regenerate the cassandra.yaml parameter catalogues and the JDK 17 flag list from ground truth:
#   catalog/cassandra-{3.11,4.0,4.1,5.0}.json  reflection over org.apache.cassandra.config.Config of the
#                                              cassandra-all jars on Maven Central (tools/catalog-gen/CatalogGen.java)
#   catalog/jdk17-flags.json                   the local OpenJDK 17 (tools/catalog-gen/JdkFlags.java)
#   catalog/classes-{3.11,4.0,4.1,5.0}.json    the pluggable classes each cassandra-all jar ships
#                                              (tools/catalog-gen/ClassList.java)
# then validate the catalogues against the stock cassandra.yaml files (validate_catalog.py) and load those
# files with each version's real YamlConfigurationLoader (LoaderCheck.java).
#
# Idempotent; jars are cached, a warm cache needs no network. Output is byte-identical between runs.
#
#   CASSTUNE_CACHE     cache root (default ~/.cache/casstune); jars go to $CASSTUNE_CACHE/catalog-gen/
#   CASSTUNE_FIXTURES  fixtures with upstream/<release>/{cassandra*.yaml,jvm*.options} and
#                      realworld/*jvm*.options (default: ../shared/fixtures next to the repository)
#   SKIP_VALIDATE=1    generate only
#   JDK_ONLY=1         regenerate catalog/jdk17-flags.json only (no Maven, no network, no validation)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
tools="$here/tools/catalog-gen"
out="$here/catalog"
cache="${CASSTUNE_CACHE:-$HOME/.cache/casstune}/catalog-gen"
fixtures="${CASSTUNE_FIXTURES:-$(cd "$here/.." && pwd)/shared/fixtures}"

# major.minor -> cassandra-all release
versions=(3.11:3.11.19 4.0:4.0.19 4.1:4.1.10 5.0:5.0.9)

die() { echo "gen-catalog: $*" >&2; exit 2; }
log() { echo "gen-catalog: $*" >&2; }

jdk_only=${JDK_ONLY:-0}
tools_needed="java javac"; [ "$jdk_only" = 1 ] || tools_needed="$tools_needed mvn"
for tool in $tools_needed; do
  command -v "$tool" >/dev/null || die "$tool not found (needs OpenJDK 17 and Maven)"
done
jv=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
[ "$jv" = 17 ] || die "java on PATH is Java $jv; the flag list must come from JDK 17"
[ -d "$fixtures/upstream" ] || die "fixtures not found at $fixtures (set CASSTUNE_FIXTURES)"

mkdir -p "$cache" "$out"

# 1. cassandra-all + runtime dependencies, one directory per release
resolve() {
  local release=$1 lib="$cache/cassandra-all-$1"
  if [ ! -f "$lib/.complete" ]; then
    log "resolving org.apache.cassandra:cassandra-all:$release from Maven Central"
    rm -rf "$lib.tmp"
    mvn -q -B -Dstyle.color=never -f "$tools/pom.xml" dependency:copy-dependencies \
        -Dcassandra.version="$release" -DincludeScope=runtime -DoutputDirectory="$lib.tmp" >&2
    [ -f "$lib.tmp/cassandra-all-$release.jar" ] || die "cassandra-all-$release.jar missing after resolve"
    touch "$lib.tmp/.complete"
    rm -rf "$lib"
    mv "$lib.tmp" "$lib"
  fi
  echo "$lib"
}

# 2. compile the generators (no Cassandra class needed at compile time)
classes="$cache/classes"
rm -rf "$classes"
mkdir -p "$classes"
javac -nowarn -d "$classes" "$tools/CatalogGen.java" "$tools/JdkFlags.java" "$tools/LoaderCheck.java"

quiet="-Dlogback.configurationFile=$tools/logback-quiet.xml"
run_gen() { # mm release extra-args...
  local mm=$1 release=$2; shift 2
  local lib; lib=$(resolve "$release")
  java "$quiet" -cp "$classes:$lib/*" CatalogGen "$mm" "org.apache.cassandra:cassandra-all:$release" \
       "$out/cassandra-$mm.json.tmp" "$@"
  mv "$out/cassandra-$mm.json.tmp" "$out/cassandra-$mm.json"
}

# 3. catalogues. 4.1 and 5.0 first: their @Replaces converters tell which unit the old (3.11/4.0) names
#    without a unit suffix are read in (key_cache_save_period -> s, tracetype_query_ttl -> s, ...)
release_of() { local v; for v in "${versions[@]}"; do [ "${v%%:*}" = "$1" ] && echo "${v#*:}"; done; }
if [ "$jdk_only" != 1 ]; then
  run_gen 5.0 "$(release_of 5.0)" --emit-old-units "$cache/old-units-5.0.tsv"
  run_gen 4.1 "$(release_of 4.1)" --emit-old-units "$cache/old-units-4.1.tsv"
  run_gen 4.0 "$(release_of 4.0)" --old-units "$cache/old-units-4.1.tsv" --old-units "$cache/old-units-5.0.tsv"
  run_gen 3.11 "$(release_of 3.11)" --old-units "$cache/old-units-4.1.tsv" --old-units "$cache/old-units-5.0.tsv"
fi

# 4. JDK 17 flags with their types and allowed ranges (+ every -XX: option seen in the stock and
#    real-world jvm options files)
shopt -s nullglob
jvm_files=("$fixtures"/upstream/*/jvm*.options "$fixtures"/realworld/*jvm*.options)
shopt -u nullglob
java -cp "$classes" JdkFlags "$out/jdk17-flags.json.tmp" "${jvm_files[@]}"
mv "$out/jdk17-flags.json.tmp" "$out/jdk17-flags.json"
if [ "$jdk_only" = 1 ]; then
  log "JDK_ONLY=1: only catalog/jdk17-flags.json regenerated"
  exit 0
fi

# 4b. pluggable classes per version: catalog/classes-<mm>.json (tools/catalog-gen/ClassList.java reads the
#     class files of cassandra-all itself, so no class is loaded and no dependency is needed)
javac -nowarn -d "$classes" "$tools/ClassList.java"
for v in "${versions[@]}"; do
  mm=${v%%:*} release=${v#*:}
  lib=$(resolve "$release")
  java -cp "$classes" ClassList "$mm" "org.apache.cassandra:cassandra-all:$release" \
       "$lib/cassandra-all-$release.jar" "$out/classes-$mm.json.tmp"
  mv "$out/classes-$mm.json.tmp" "$out/classes-$mm.json"
done

# 5. validation
if [ "${SKIP_VALIDATE:-0}" = 1 ]; then
  log "SKIP_VALIDATE=1: not validating"
  exit 0
fi
status=0
log "validating catalogues against stock cassandra.yaml files"
if python3 -c 'import yaml' 2>/dev/null; then
  python3 "$tools/validate_catalog.py" --catalog "$out" --fixtures "$fixtures" || status=1
else
  log "python3 with PyYAML not found: skipping validate_catalog.py"
fi
log "loading stock cassandra.yaml files with each version's real YamlConfigurationLoader"
for v in "${versions[@]}"; do
  mm=${v%%:*} release=${v#*:}
  shopt -s nullglob
  files=("$fixtures"/upstream/"$mm".*/cassandra*.yaml)
  shopt -u nullglob
  [ ${#files[@]} -gt 0 ] || continue
  java "$quiet" -cp "$classes:$cache/cassandra-all-$release/*" LoaderCheck "${files[@]}" \
    | sed "s|$fixtures/||; s|^|  cassandra-all $release: |" || status=1
done
[ $status = 0 ] && log "OK" || log "validation FAILED"
exit $status
