#!/usr/bin/env bash
# Remakes deploy/release/startup-order.txt: the functions a release wharf runs while starting and
# serving, which the release link (Package.swift, releaseLinking) lays out together, so start-up
# touches fewer pages of the binary. Run it after changes that move much code; a stale list costs
# memory, never correctness (names the link does not find are ignored). The list takes effect at
# the next link: it is not a build input, so remove .build/release/wharf to relink.
#
#   deploy/release/order.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
work=$(mktemp -d /tmp/wharf-order.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
. deploy/dev/packages.sh
install_missing_packages valgrind curl "${WHARF_BUILD_PACKAGES[@]}"

swift build -c release --static-swift-stdlib --product wharf 2>&1 | tail -1 >&2
port=18097
# callgrind records every function that runs, in no particular order; which ones is what matters
# (they end up next to each other), so the list is sorted by name to keep its diffs small.
valgrind --tool=callgrind --demangle=no --dump-instr=no --collect-jumps=no \
  --callgrind-out-file="$work/callgrind.out" \
  "$root/.build/release/wharf" serve --listen "127.0.0.1:$port" --data-dir "$work/data" \
  --resources "$root" --no-access-log 2>"$work/wharf.log" &
pid=$!
for _ in $(seq 1 600); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.1; done
# What an idle panel has run once it has served its usual requests.
for path in /healthz / /signin /setup /static/css/wharf.css /static/img/wharf.svg /no-such-page; do
  curl -sS -o /dev/null "http://127.0.0.1:$port$path" || true
done
curl -sS -o /dev/null -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
  --data 'username=nobody&password=not-the-password' "http://127.0.0.1:$port/signin" || true
sleep 1
kill -TERM "$pid"; wait "$pid" || true; pid=

# Functions of the wharf binary that ran. callgrind compresses names: "(id) name" the first time,
# "(id)" after, on any kind of line; unnamed addresses are skipped.
awk '
  function resolve(kind, text,   id, name) {
    id = text; sub(/\).*/, "", id); sub(/^\(/, "", id)
    name = text; sub(/^\([0-9]+\) ?/, "", name)
    if (name != "") names[kind, id] = name
    return names[kind, id]
  }
  /^ob=/ { ob = resolve("ob", substr($0, 4)) }
  /^cob=/ { resolve("ob", substr($0, 5)) }
  /^cfn=/ { resolve("fn", substr($0, 5)) }
  /^fn=/ { fn = resolve("fn", substr($0, 4)); if (ob ~ /\/wharf$/ && fn !~ /^0x/ && !(fn in seen)) { seen[fn] = 1; print fn } }
' "$work/callgrind.out" | LC_ALL=C sort > deploy/release/startup-order.txt
echo "deploy/release/startup-order.txt: $(wc -l < deploy/release/startup-order.txt) functions" >&2
