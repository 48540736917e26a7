# Sourced by deploy/dev/serve.sh and deploy/dev/test.sh: installs the Debian packages given as
# arguments that are not installed yet (with sudo when not root). Quiet when nothing is missing.
install_missing_packages() {
  local missing=() pkg sudo=
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  ((${#missing[@]})) || return 0
  echo "wharf: installing ${missing[*]}" >&2
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# What building Wharf needs besides the Swift toolchain: the SQLite and OpenSSL headers.
WHARF_BUILD_PACKAGES=(libsqlite3-dev libssl-dev)
