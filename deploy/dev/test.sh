#!/usr/bin/env bash
# Runs every Wharf test on this machine: installs the system packages the tests need, starts the
# test fleet (real Docker engines, a registry, TLS endpoints), builds, runs the Swift test suites
# and the browser tests, and stops the fleet again. README.md and .ci/run call exactly this.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Build and test dependencies from Debian; only what is missing is installed.
packages=(libsqlite3-dev libssl-dev sqlite3 openssl curl python3 chromium chromium-driver python3-selenium)
missing=()
for pkg in "${packages[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if ((${#missing[@]})); then
  echo "test.sh: installing ${missing[*]}" >&2
  if [ "$(id -u)" != 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ -x deploy/dev/fleet.sh ]; then
  deploy/dev/fleet.sh install
  deploy/dev/fleet.sh start >/dev/null
  trap 'deploy/dev/fleet.sh stop >/dev/null' EXIT
  eval "$(deploy/dev/fleet.sh env)"
fi

swift build --build-tests
swift test --skip-build

# Browser: a real `wharf serve`, headless Chromium, screenshots into .build/screenshots/.
/usr/bin/python3 Tests/Browser/accounts.py .build/debug/wharf
