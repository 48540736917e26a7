#!/usr/bin/env bash
# Runs the Wharf panel from this checkout on a fresh machine: installs the SQLite and OpenSSL
# headers if missing, builds a release binary and starts `wharf serve` with the given options
# (defaults: http://127.0.0.1:8080, state in ./data). See README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
. deploy/dev/packages.sh
install_missing_packages "${WHARF_BUILD_PACKAGES[@]}"
# A static Swift runtime keeps the server's memory small (see README "Benchmarks").
swift build -c release --static-swift-stdlib --product wharf
exec .build/release/wharf serve "$@"
