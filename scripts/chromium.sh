#!/usr/bin/env bash
# Debian's Chromium, headless, for the HTML report: tests/html_report.rs renders
# examples/demo.snap with it, and the README's screenshot (docs/report.png) is made with it.
#
#   bash scripts/chromium.sh                       install chromium when missing (root + apt-get);
#                                                  print the binary's path
#   bash scripts/chromium.sh screenshot IN.html OUT.png [WIDTH HEIGHT]
#                                                  a PNG of the page (default 1400 x 3000)
#
# Exit 2 when chromium is missing and cannot be installed here.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1; }
binary() {
  local b
  for b in chromium chromium-browser; do
    if have "$b"; then command -v "$b"; return 0; fi
  done
  return 1
}

if ! binary >/dev/null; then
  if [ "$(id -u)" = 0 ] && have apt-get; then
    echo "chromium.sh: installing chromium" >&2
    # A font of its own, so the screenshot does not depend on what else the machine has.
    apt-get install -y -q chromium fonts-dejavu-core >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium fonts-dejavu-core >/dev/null; }
  else
    echo "chromium.sh: please install Debian's chromium (apt-get install chromium)" >&2
    exit 2
  fi
fi
bin=$(binary) || { echo "chromium.sh: chromium did not install" >&2; exit 2; }

case "${1:-}" in
  "")
    echo "$bin"
    ;;
  screenshot)
    [ $# -ge 3 ] || { echo "usage: $0 screenshot IN.html OUT.png [WIDTH HEIGHT]" >&2; exit 2; }
    in=$(realpath "$2"); out=$(realpath -m "$3"); w=${4:-1400}; h=${5:-3000}
    profile=$(mktemp -d)
    trap 'rm -rf "$profile"' EXIT
    # A throw-away profile: two runs at once must not share (and lock) one.
    "$bin" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
      --window-size="$w,$h" --screenshot="$out" "file://$in" >/dev/null 2>&1
    [ -s "$out" ] || { echo "chromium.sh: no screenshot written to $out" >&2; exit 1; }
    echo "$out"
    ;;
  *)
    echo "usage: $0 [screenshot IN.html OUT.png [WIDTH HEIGHT]]" >&2
    exit 2
    ;;
esac
