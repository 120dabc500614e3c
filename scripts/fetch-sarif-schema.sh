#!/usr/bin/env bash
# Fetch the official SARIF 2.1.0 JSON schema for the output validation test. The schema ships
# inside the serde-sarif crate on crates.io (src/schema.json, the OASIS file), so the crates.io
# registry is the only host contacted. Prints the schema path.
set -euo pipefail
cache=${CASSTUNE_CACHE:-$HOME/.cache/casstune}
out="$cache/sarif-schema-2.1.0.json"
if [ ! -s "$out" ]; then
  mkdir -p "$cache"
  local_src=$(ls -d "$HOME"/.cargo/registry/src/*/serde-sarif-0.8.0 2>/dev/null | head -n1 || true)
  if [ -n "$local_src" ] && [ -f "$local_src/src/schema.json" ]; then
    cp "$local_src/src/schema.json" "$out"
  else
    tmp=$(mktemp -d)
    curl -fsSL --retry 3 -o "$tmp/s.crate" https://static.crates.io/crates/serde-sarif/serde-sarif-0.8.0.crate
    tar -xzf "$tmp/s.crate" -C "$tmp" serde-sarif-0.8.0/src/schema.json
    mv "$tmp/serde-sarif-0.8.0/src/schema.json" "$out"
    rm -rf "$tmp"
  fi
fi
echo "$out"
