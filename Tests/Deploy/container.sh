#!/usr/bin/env bash
# Builds deploy/container/Dockerfile on the test fleet's engine A from a local tar context
# (engines have no network: FROM scratch pulls nothing), runs it with network mode none, and
# waits for the engine to report it healthy (the HEALTHCHECK runs `wharf healthcheck`).
#   Tests/Deploy/container.sh [BINARY]   (default .build/debug/wharf; needs WHARF_TEST_ENGINE_A)
# The test command passes the debug build (a release build would add minutes to every run);
# deploy/container/build.sh makes the release image the same way.
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=${1:-.build/debug/wharf}
engine=${WHARF_TEST_ENGINE_A:?"container.sh needs the test fleet (eval \"\$(deploy/dev/fleet.sh env)\")"}
docker() { DOCKER_BUILDKIT=0 /usr/bin/docker -H "$engine" "$@"; }
tag="wharf-test/wharf:image-test-$$"
name="wharf-image-test-$$"
work=$(mktemp -d)
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker rmi -f "$tag" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
started=$SECONDS

deploy/container/context.sh "$binary" "$work/context"
tar -C "$work/context" -cf - . | docker build -q -t "$tag" - >/dev/null
[ "$(docker image inspect -f '{{.Config.User}}' "$tag")" = "65532:65532" ] || { echo "container.sh: the image does not run as 65532"; exit 1; }
docker image inspect -f '{{json .Config.Healthcheck.Test}}' "$tag" | grep -q '"/usr/local/bin/wharf","healthcheck"' \
  || { echo "container.sh: the HEALTHCHECK is not wharf healthcheck"; exit 1; }
docker image inspect -f '{{json .Config.Volumes}}' "$tag" | grep -q '/var/lib/wharf' || { echo "container.sh: no data volume"; exit 1; }

docker run -d --name "$name" --network none --health-interval 1s --health-start-period 30s "$tag" >/dev/null
status=starting
for _ in $(seq 1 60); do
  status=$(docker inspect -f '{{.State.Health.Status}}' "$name")
  [ "$status" = healthy ] && break
  [ "$(docker inspect -f '{{.State.Running}}' "$name")" = true ] || break
  sleep 1
done
if [ "$status" != healthy ]; then
  echo "container.sh: the container is $status, not healthy"
  docker logs "$name" 2>&1 | tail -20
  docker inspect -f '{{json .State.Health}}' "$name"
  exit 1
fi
logs=$(docker logs "$name" 2>&1)
grep -q "listening on http://0.0.0.0:8080" <<<"$logs" || { echo "container.sh: unexpected log:"; echo "$logs"; exit 1; }
grep -q "/setup?token=" <<<"$logs" || { echo "container.sh: no setup address in the log"; exit 1; }
# It stops gracefully on SIGTERM (docker stop), well within the 10 s before SIGKILL.
docker stop -t 10 "$name" >/dev/null
[ "$(docker inspect -f '{{.State.ExitCode}}' "$name")" = 0 ] || { echo "container.sh: exit code $(docker inspect -f '{{.State.ExitCode}}' "$name") after docker stop"; exit 1; }
echo "container.sh: image built, ran healthy as 65532 with network none, stopped cleanly ($((SECONDS - started)) s)"
