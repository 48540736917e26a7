#!/usr/bin/env bash
# Builds the release binary and the wharf image: deploy/container/build.sh [TAG] (default wharf:latest).
# Uses the docker CLI and the engine it talks to (DOCKER_HOST); nothing is pulled (FROM scratch).
set -euo pipefail
cd "$(dirname "$0")/../.."
tag=${1:-wharf:latest}
swift build -c release --static-swift-stdlib --product wharf
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
deploy/container/context.sh .build/release/wharf "$context/context"
tar -C "$context/context" -cf - . | DOCKER_BUILDKIT=0 docker build -t "$tag" -
