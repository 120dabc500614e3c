# Helpers shared by the scripts (sourced, not run): `have CMD`, `apt_install PKG…`.
# Messages are prefixed with the sourcing script's name.

have() { command -v "$1" >/dev/null 2>&1; }

# Installs Debian packages when running as root with apt-get (refreshing the package lists
# only when the first attempt fails); otherwise says what to install and exits 2.
apt_install() {
  local me=${0##*/}
  if [ "$(id -u)" = 0 ] && have apt-get; then
    echo "$me: installing $*" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null; }
  else
    echo "$me: please install: $*" >&2; exit 2
  fi
}
