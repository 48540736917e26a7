#!/usr/bin/env bash
# Runs every Wharf test on this machine: installs the system packages the tests need, starts the
# test fleet (real Docker engines, a registry, TLS endpoints), builds, runs the Swift test suites
# and the browser tests, and stops the fleet again. README.md and .ci/run call exactly this.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Build and test dependencies from Debian; only what is missing is installed.
. deploy/dev/packages.sh
install_missing_packages "${WHARF_BUILD_PACKAGES[@]}" sqlite3 openssl curl python3 util-linux \
  chromium chromium-driver python3-selenium

# The test fleet: real Docker engines (unix socket, mutual TLS, plain TCP), a registry and TLS
# endpoints with broken certificates. Integration tests fail, not skip, without it.
deploy/dev/fleet.sh install
deploy/dev/fleet.sh start >/dev/null
trap 'deploy/dev/fleet.sh stop >/dev/null' EXIT
eval "$(deploy/dev/fleet.sh env)"
export WHARF_REQUIRE_FLEET=1

swift build --build-tests
# Three runs. The socket and HTTP server suites assert promptness (a cancelled wait ends within a
# second, shutdown does not sit out its grace period); they run first, on their own, so a 1 GiB
# build or a busy engine in the integration suites cannot starve them on a two-core machine. The
# 1 GiB build-context test measures the whole process's RSS, so it runs last, alone, where no
# other test's memory counts against it.
swift test --skip-build --filter 'WharfIOTests|WharfHTTPTests'
swift test --skip-build --skip 'WharfIOTests|WharfHTTPTests|BigBuildContextTests'
swift test --skip-build --filter BigBuildContextTests

# Browser: a real `wharf serve`, headless Chromium, screenshots into .build/screenshots/.
/usr/bin/python3 Tests/Browser/accounts.py .build/debug/wharf
/usr/bin/python3 Tests/Browser/hosts.py .build/debug/wharf
/usr/bin/python3 Tests/Browser/audit.py .build/debug/wharf
