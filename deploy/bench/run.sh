#!/usr/bin/env bash
# Wharf's benchmark command: prints figures, asserts nothing. See README.md "Benchmarks".
#
#   deploy/bench/run.sh [http]      HTTP server: /healthz vs nginx, 10,000 idle connections, 1M requests
#   deploy/bench/run.sh https       HTTPS served directly: /healthz with keep-alive and new TLS handshakes/s vs nginx, same certificate
#   deploy/bench/run.sh docker      Docker client vs curl on the fleet's mutual-TLS engine: warm latency, 1 GiB build upload
#   deploy/bench/run.sh storage     Audit history: 1,000,000 appends, filtered 50-row pages at three depths, CSV export
#   deploy/bench/run.sh jobs        Builds as jobs: 1 GiB uploads through Wharf vs curl, 1,000 SSE watchers, replay, loud builds
#                                   (WHARF_BENCH_PARTS="2 3" runs only those of its four parts)
#   deploy/bench/run.sh endpoint    Docker endpoint vs the engine directly: warm /_ping and /containers/json, an interactive
#                                   exec echo round trip, docker build of 1 GiB
#   deploy/bench/run.sh panel       Container pages and API: lists of 500 (and 3 × 500) vs the engine, log line latency
#                                   through SSE vs direct, RSS of 1,000 SSE log followers
#   deploy/bench/run.sh signin      One password sign-in at scrypt N=2^17 (today) beside N=2^15 (before issue 10)
#   deploy/bench/run.sh events      Engine events to 1,000 SSE followers vs GET /events directly; their RSS; the volume list of 2,000
#                                   (WHARF_BENCH_EVENT_ROUNDS rounds, default 3, of the two-core parts 1b and 1c, alternating)
#
# The server runs on CPU 0 and the load generator on CPU 1 (taskset), so figures compare across runs.
# Every phase is bounded in time and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
section=${1:-http}
work=$(mktemp -d /tmp/wharf-bench.XXXXXX)
chmod 755 "$work"  # nginx workers run as www-data and must read the file they serve
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

. deploy/dev/packages.sh
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

wait_http() {  # url: poll until it answers (bounded)
  for _ in $(seq 1 200); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "no answer from $1" >&2; return 1
}

# wrk's figures as "rps p50_ms p99_ms"
wrk_figures() {
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec:/ { rps = $2 }
    END { printf "%.0f %.3f %.3f\n", rps, p50, p99 }'
}

load() {  # connections duration url [extra wrk args]
  local c=$1 d=$2 url=$3; shift 3
  taskset -c 1 wrk -t1 -c"$c" -d"$d" --latency "$@" "$url" | wrk_figures
}

start_wharf() {  # port
  mkdir -p "$work/data"
  taskset -c 0 "$root/.build/release/wharf" serve --listen "127.0.0.1:$1" --data-dir "$work/data" \
    --resources "$root" --no-access-log 2>"$work/wharf.log" &
  wharf_pid=$!
  pids+=("$wharf_pid")
  wait_http "http://127.0.0.1:$1/healthz"
}

bench_http() {
  install_missing_packages wrk nginx-light curl python3
  echo "building release..." >&2
  swift build -c release --static-swift-stdlib --product wharf 2>&1 | tail -1 >&2

  local wport=${WHARF_BENCH_HTTP_PORT:-18099} nport=${WHARF_BENCH_NGINX_PORT:-18098} rate64=0
  start_wharf "$wport"
  local idle_rss; idle_rss=$(rss_kib "$wharf_pid")

  # nginx: one worker on the same core, serving a static file the size of /healthz's body.
  mkdir -p "$work/nginx/html"
  curl -fsS "http://127.0.0.1:$wport/healthz" > "$work/nginx/html/healthz"
  cat > "$work/nginx/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 20000; }
http {
  access_log off;
  server { listen 127.0.0.1:$nport; location / { root $work/nginx/html; default_type application/json; } }
}
NGINX
  taskset -c 0 nginx -c "$work/nginx/nginx.conf" & pids+=($!)
  wait_http "http://127.0.0.1:$nport/healthz"

  echo
  echo "== 1. GET /healthz, keep-alive, server on one core (access log off for both)"
  echo "   three alternating 5 s rounds per row, median of each side: a shared machine's speed drifts"
  echo "   by tens of percent within minutes, and alternating rounds give both servers the same drift"
  printf "%-6s %12s %9s %9s | %12s %9s %9s | %7s\n" conns "wharf req/s" "p50 ms" "p99 ms" "nginx req/s" "p50 ms" "p99 ms" ratio
  for c in 1 64 256; do
    local wharf_rounds=() nginx_rounds=()
    for _ in 1 2 3; do
      wharf_rounds+=("$(load "$c" 5s "http://127.0.0.1:$wport/healthz")")
      nginx_rounds+=("$(load "$c" 5s "http://127.0.0.1:$nport/healthz")")
    done
    read -r wr wp50 wp99 < <(printf '%s\n' "${wharf_rounds[@]}" | sort -n | sed -n 2p)
    read -r nr np50 np99 < <(printf '%s\n' "${nginx_rounds[@]}" | sort -n | sed -n 2p)
    [ "$c" = 64 ] && rate64=$wr
    printf "%-6s %12s %9s %9s | %12s %9s %9s | %6.2fx\n" "$c" "$wr" "$wp50" "$wp99" "$nr" "$np50" "$np99" \
      "$(awk -v a="$wr" -v b="$nr" 'BEGIN { print a / b }')"
  done
  echo "wharf RSS at idle after start: $((idle_rss / 1024)) MiB ($idle_rss KiB); after the runs: $(( $(rss_kib "$wharf_pid") / 1024 )) MiB"

  echo
  echo "== 2. 10,000 idle keep-alive connections held 30 s"
  local before held after
  before=$(rss_kib "$wharf_pid")
  coproc IDLE { taskset -c 1 python3 deploy/bench/idle_connections.py --port "$wport" --count 10000 --hold 120 --timeout 60; }
  read -r ready count <&"${IDLE[0]}"
  [ "$ready" = ready ] || { echo "idle client failed" >&2; return 1; }
  sleep 30
  held=$(rss_kib "$wharf_pid")
  read -r lr lp50 lp99 < <(load 64 10s "http://127.0.0.1:$wport/healthz")
  echo >&"${IDLE[1]}"
  read -r _ <&"${IDLE[0]}"
  wait "$IDLE_PID" 2>/dev/null || true
  sleep 3
  after=$(rss_kib "$wharf_pid")
  echo "connections held:            $count"
  echo "RSS before / held / after:   $before / $held / $after KiB"
  echo "RSS per idle connection:     $(awk -v a="$held" -v b="$before" -v n="$count" 'BEGIN { printf "%.2f KiB", (a - b) / n }')"
  echo "/healthz while held (64 c):  $lr req/s, p50 $lp50 ms, p99 $lp99 ms"
  echo "memory given back on close: $(awk -v h="$held" -v a="$after" -v b="$before" 'BEGIN { if (h > b) printf "%.0f%%", (h - a) * 100 / (h - b); else print "n/a" }')"

  echo
  echo "== 3. Over 1,000,000 requests in a row (64 connections)"
  # wrk runs for a time, not a count: give it enough time for 1.1 M requests at the rate measured above.
  local seconds; seconds=$(awk -v r="$rate64" 'BEGIN { s = int(1300000 / (r > 0 ? r : 50000)) + 1; print (s > 60 ? 60 : s) }')
  before=$(rss_kib "$wharf_pid")
  local output; output=$(taskset -c 1 wrk -t1 -c64 -d"${seconds}s" "http://127.0.0.1:$wport/healthz")
  after=$(rss_kib "$wharf_pid")
  local total; total=$(awk '/requests in/ { print $1 }' <<<"$output")
  echo "requests: $total in ${seconds}s; RSS before / after: $before / $after KiB"
  echo "RSS growth per million requests: $(awk -v a="$after" -v b="$before" -v n="$total" 'BEGIN { printf "%.0f KiB", (a - b) * 1000000 / n }')"
}

# p50 p99 mean (ms) of the numbers on stdin, one per line.
percentiles() {
  sort -n | awk '{ v[NR] = $1; s += $1 } END {
    if (NR == 0) { print "0 0 0"; exit }
    i50 = int(NR * 0.50) + 1; i99 = int(NR * 0.99) + 1; if (i99 > NR) i99 = NR
    printf "%.3f %.3f %.3f\n", v[i50], v[i99], s / NR }'
}

bench_docker() {
  install_missing_packages curl
  echo "building release..." >&2
  swift build -c release --static-swift-stdlib --product wharf-bench 2>&1 | tail -1 >&2
  local started_fleet=0
  deploy/dev/fleet.sh status >/dev/null 2>&1 || started_fleet=1
  eval "$(deploy/dev/fleet.sh start)"
  if ((started_fleet)); then trap 'deploy/dev/fleet.sh stop >/dev/null 2>&1; cleanup' EXIT; fi
  local base="https://${WHARF_TEST_ENGINE_B#tcp://}"
  local tls=(--ca "$WHARF_TEST_TLS_CA" --cert "$WHARF_TEST_TLS_CLIENT_CERT" --key "$WHARF_TEST_TLS_CLIENT_KEY")
  local curl_tls=(--cacert "$WHARF_TEST_TLS_CA" --cert "$WHARF_TEST_TLS_CLIENT_CERT" --key "$WHARF_TEST_TLS_CLIENT_KEY")
  local bench="$root/.build/release/wharf-bench" count=2000

  echo "== 1. Warm requests to the mutual-TLS engine B ($base), one kept-alive connection, $count each (client on CPU 1)"
  printf '%-18s %-28s %-28s %s\n' "request" "WharfDocker p50/p99/mean ms" "curl p50/p99/mean ms" "p50 difference"
  local path
  for path in /_ping /v1.41/containers/json; do
    local ours theirs
    ours=$(taskset -c 1 "$bench" latency --url "$base" "${tls[@]}" --path "${path#/v1.41}" --count "$count")
    # curl reuses one connection for every URL of one invocation; the first 100 are warm-up.
    : > "$work/curl.cfg"
    for _ in $(seq 1 $((count + 100))); do printf 'url = "%s%s"\noutput = "/dev/null"\n' "$base" "$path" >> "$work/curl.cfg"; done
    theirs=$(taskset -c 1 curl -s "${curl_tls[@]}" -K "$work/curl.cfg" -w '%{time_total}\n' | tail -n +101 |
      awk '{ printf "%.6f\n", $1 * 1000 }' | percentiles)
    printf '%-18s %-28s %-28s %s ms\n' "$path" "$ours" "$theirs" \
      "$(awk -v a="${ours%% *}" -v b="${theirs%% *}" 'BEGIN { printf "%+.3f", a - b }')"
  done

  local bytes=$((1 << 30)) rounds=3
  echo
  echo "== 2. A 1 GiB build context streamed to engine B's POST /build (generated on the fly, chunked; $rounds rounds each, alternating, median)"
  local round wtimes=() ctimes=() growths=()
  for round in $(seq 1 "$rounds"); do
    local w wsec wmibs wrss wpeak
    w=$(taskset -c 1 "$bench" build --url "$base" "${tls[@]}" --image "$WHARF_TEST_IMAGE_BUSYBOX" --bytes "$bytes")
    read -r wsec wmibs wrss wpeak <<<"$w"
    wtimes+=("$wsec"); growths+=($(( (wpeak - wrss) / 1024 )))
    local t0 t1
    t0=$(date +%s.%N)
    taskset -c 1 "$bench" tar --image "$WHARF_TEST_IMAGE_BUSYBOX" --bytes "$bytes" |
      taskset -c 1 curl -sS "${curl_tls[@]}" -X POST -T - -H 'Content-Type: application/x-tar' \
        "$base/v1.41/build?rm=1" -o "$work/curl-build.out"
    t1=$(date +%s.%N)
    ctimes+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
    local image; image=$(grep -o '"ID":"sha256:[0-9a-f]*"' "$work/curl-build.out" | head -1 | cut -d'"' -f4)
    [ -n "$image" ] && curl -sS "${curl_tls[@]}" -X DELETE "$base/v1.41/images/$image?force=1" -o /dev/null
    echo "round $round: WharfDocker ${wsec} s (RSS +$(( (wpeak - wrss) / 1024 )) MiB), curl ${ctimes[-1]} s"
  done
  local wmed cmed
  wmed=$(printf '%s\n' "${wtimes[@]}" | sort -n | sed -n "$(( (rounds + 1) / 2 ))p")
  cmed=$(printf '%s\n' "${ctimes[@]}" | sort -n | sed -n "$(( (rounds + 1) / 2 ))p")
  echo "WharfDocker: median ${wmed} s = $(awk -v s="$wmed" -v n="$bytes" 'BEGIN { printf "%.1f", n / s / 1048576 }') MiB/s; largest RSS growth $(printf '%s\n' "${growths[@]}" | sort -n | tail -1) MiB"
  echo "curl:        median ${cmed} s = $(awk -v s="$cmed" -v n="$bytes" 'BEGIN { printf "%.1f", n / s / 1048576 }') MiB/s"
  echo "throughput vs curl: $(awk -v a="$wmed" -v b="$cmed" 'BEGIN { printf "%.0f%%", b * 100 / a }')"
}

bench_storage() {
  echo "building release..." >&2
  swift build -c release --static-swift-stdlib --product wharf-bench 2>&1 | tail -1 >&2
  local rows=${WHARF_BENCH_ROWS:-1000000}
  mkdir -p "$work/storage"
  echo "== Audit history: $rows rows appended through AuditLog.append into a fresh database (one core)"
  echo "   then GET /audit pages (50 rows, median of 7, server time through the responder) and GET /audit/export.csv"
  taskset -c 0 "$root/.build/release/wharf-bench" storage --dir "$work/storage" --resources "$root" --rows "$rows"
  echo "database size: $(du -sh "$work/storage" | cut -f1)"
}

# Builds, pulls and their output as jobs, through a release `wharf serve` (CPU 0) against the fleet's
# engine A, each figure beside curl talking to the same engine in the same run (client on CPU 1).
bench_jobs() {
  install_missing_packages curl python3
  echo "building release..." >&2
  swift build -c release --static-swift-stdlib --product wharf 2>&1 | tail -1 >&2
  swift build -c release --static-swift-stdlib --product wharf-bench 2>&1 | tail -1 >&2
  local started_fleet=0
  deploy/dev/fleet.sh status >/dev/null 2>&1 || started_fleet=1
  eval "$(deploy/dev/fleet.sh start)"
  if ((started_fleet)); then trap 'deploy/dev/fleet.sh stop >/dev/null 2>&1; cleanup' EXIT; fi
  local wharf="$root/.build/release/wharf" bench="$root/.build/release/wharf-bench"
  local sock=${WHARF_TEST_ENGINE_A#unix://} port=${WHARF_BENCH_PORT:-18510} image=$WHARF_TEST_IMAGE_BUSYBOX
  local cli=(--data-dir "$work/data" --resources "$root")
  mkdir -p "$work/data"
  echo "a bench password of some length" | "$wharf" user create --username bench --role admin "${cli[@]}" >/dev/null
  local token; token=$("$wharf" token create --username bench --name bench "${cli[@]}" 2>/dev/null | grep -o 'wharf_[a-z0-9]*_[A-Za-z0-9_-]*' | head -1)
  "$wharf" host add --name engine-a --url "$WHARF_TEST_ENGINE_A" "${cli[@]}" >/dev/null
  start_wharf "$port"
  local api="http://127.0.0.1:$port/api/v1" auth=(-H "Authorization: Bearer $token")
  engine() { curl -sS --unix-socket "$sock" "$@"; }
  json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
  # Polls a job until it ends (bounded); prints its duration in ms.
  wait_job() {
    local id=$1 status duration
    for _ in $(seq 1 1200); do
      read -r status duration < <(curl -sS "${auth[@]}" "$api/jobs/$id" | json 'd["status"], d.get("durationMs", 0)')
      case $status in running|queued) sleep 0.1 ;; *) echo "$duration $status"; return 0 ;; esac
    done
    echo "0 timeout"
  }
  # Starts a build of a typed Dockerfile through the API; prints the job id.
  typed_build() {
    curl -sS "${auth[@]}" -X POST -H 'Content-Type: application/x-tar' --data-binary '' \
      "$api/hosts/1/build?nocache=1&t=wharf-bench:$1&dockerfileText=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$2")" |
      json 'd["job"]["id"]'
  }
  median() { sort -n | sed -n "$(( ($1 + 1) / 2 ))p"; }

  local bytes=$((1 << 30)) rounds=3 round
  # WHARF_BENCH_PARTS picks parts of this section, e.g. "2" for the SSE watchers alone.
  part() { [[ " ${WHARF_BENCH_PARTS:-1 2 3 4} " == *" $1 "* ]]; }
  if part 1; then
  # Five rounds: single uploads through Wharf and straight varied by 10-20% from one to the next.
  local upload_rounds=5
  echo
  echo "== 1. A 1 GiB build context uploaded through Wharf (raw body, and multipart) vs straight to the engine, by the same client on CPU 1 (Wharf on both cores, as the engine; one unmeasured upload straight and one through Wharf, then $upload_rounds rounds, alternating, median)"
  "$bench" tar --image "$image" --bytes "$bytes" > "$work/context.tar"
  # Wharf on both cores for the uploads, as the engine is (the client stays on CPU 1 both ways):
  # held to CPU 0, which the engine's threads share, the same multipart upload took 3.54 s
  # against 3.39 s at the median of 9 alternating rounds each. Back on CPU 0 after this part.
  taskset -a -p -c 0,1 "$wharf_pid" >/dev/null
  # The archive just written is still being flushed to disk, and the engine's first context of a
  # run was slower whoever sent it: flush, then one upload each way, not measured.
  sync
  taskset -c 1 curl -sS --unix-socket "$sock" -X POST -T "$work/context.tar" -H 'Content-Type: application/x-tar' \
    -H 'Expect:' "http://docker/v1.41/build?rm=1&t=wharf-bench:curl" -o /dev/null
  taskset -c 1 python3 deploy/bench/upload.py --port "$port" --file "$work/context.tar" \
    --path "/api/v1/hosts/1/build?t=wharf-bench:raw" --header "Authorization: Bearer $token" >/dev/null
  wait_job "$(curl -sS "${auth[@]}" "$api/jobs?limit=1" | json 'd["jobs"][0]["id"]')" >/dev/null
  local direct=() curled=() raw=() multi=() growth=() sent answered status
  for round in $(seq 1 "$upload_rounds"); do
    # curl straight to the engine, as the issue states the reference: its time_total also holds the
    # short build after the upload (FROM and LABEL), so it is a little longer than the upload.
    curled+=("$(taskset -c 1 curl -sS --unix-socket "$sock" -X POST -T "$work/context.tar" -H 'Content-Type: application/x-tar' \
      -H 'Expect:' "http://docker/v1.41/build?rm=1&t=wharf-bench:curl" -o /dev/null -w '%{time_total}')")
    # The engine answers a build's head before it reads the context: its time is until the last byte was taken.
    read -r sent answered status < <(taskset -c 1 python3 deploy/bench/upload.py --unix "$sock" --file "$work/context.tar" \
      --path "/v1.41/build?rm=1&t=wharf-bench:direct")
    direct+=("$sent")
    for mode in raw multipart; do
      # The kernel's peak (VmHWM, reset to the current RSS first) rather than sampling: a sampler
      # spawning awk and sleep every 50 ms ran only during Wharf's uploads, on the same two cores.
      local before; before=$(rss_kib "$wharf_pid")
      echo 5 > "/proc/$wharf_pid/clear_refs"
      # Wharf answers (202) once the engine has the whole context: its time is until that answer.
      read -r sent answered status < <(taskset -c 1 python3 deploy/bench/upload.py --port "$port" --file "$work/context.tar" \
        --path "/api/v1/hosts/1/build?t=wharf-bench:$mode" --header "Authorization: Bearer $token" \
        $([ "$mode" = multipart ] && echo --multipart context))
      [ "$status" = 202 ] || echo "Wharf answered $status to the $mode upload" >&2
      if [ "$mode" = raw ]; then raw+=("$answered"); else multi+=("$answered"); fi
      growth+=($(( ($(awk '/^VmHWM:/ {print $2}' "/proc/$wharf_pid/status") - before) / 1024 )))
      local last; last=$(curl -sS "${auth[@]}" "$api/jobs?limit=1" | json 'd["jobs"][0]["id"]')
      wait_job "$last" >/dev/null
    done
    echo "round $round: curl ${curled[-1]} s, engine took it in ${direct[-1]} s; through Wharf: raw ${raw[-1]} s, multipart ${multi[-1]} s (RSS +${growth[-2]} / +${growth[-1]} MiB)"
  done
  local c d r m
  c=$(printf '%s\n' "${curled[@]}" | median "$upload_rounds"); d=$(printf '%s\n' "${direct[@]}" | median "$upload_rounds"); r=$(printf '%s\n' "${raw[@]}" | median "$upload_rounds"); m=$(printf '%s\n' "${multi[@]}" | median "$upload_rounds")
  mibs() { awk -v s="$1" -v n="$bytes" 'BEGIN { printf "%.0f MiB/s", n / s / 1048576 }'; }
  share() { awk -v a="$1" -v b="$d" 'BEGIN { printf "%.0f%%", b * 100 / a }'; }
  of_curl() { awk -v a="$1" -v b="$c" 'BEGIN { printf "%.0f%%", b * 100 / a }'; }
  printf '%-38s %-12s %-14s %-24s %s\n' "upload of 1 GiB" "median" "throughput" "of the same client's" "of curl's"
  printf '%-38s %-12s %-14s %-24s %s\n' "curl → engine (reference)" "$c s" "$(mibs "$c")" "" "100%"
  printf '%-38s %-12s %-14s %-24s %s\n' "same client → engine (reference)" "$d s" "$(mibs "$d")" "100%" "$(of_curl "$d")"
  printf '%-38s %-12s %-14s %-24s %s\n' "client → Wharf, raw body" "$r s" "$(mibs "$r")" "$(share "$r")" "$(of_curl "$r") (target: at least 90%)"
  printf '%-38s %-12s %-14s %-24s %s\n' "client → Wharf, multipart" "$m s" "$(mibs "$m")" "$(share "$m")" "$(of_curl "$m") (target: at least 90%)"
  echo "Wharf RSS growth during an upload: largest +$(printf '%s\n' "${growth[@]}" | sort -n | tail -1) MiB (reference: under 32 MiB)"
  rm -f "$work/context.tar"
  taskset -a -p -c 0 "$wharf_pid" >/dev/null
  fi

  if part 2; then
  echo
  echo "== 2. 1,000 SSE clients following one running job (printing 10 lines/s), beside a bare server's streams"
  local long; long=$(typed_build sse "FROM $image
RUN i=0; while [ \$i -lt 3000 ]; do echo line \$i; i=\$((i+1)); sleep 0.1; done")
  sleep 2
  per_client() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.1f KiB", (b - a) / n }'; }
  given_back() { awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN { printf "%.0f%%", (b - c) * 100 / (b - a) }'; }
  printf '%-62s %-14s %s\n' "1,000 streams held open" "RSS each" "given back after"
  local clients before held after events join
  # As the job page's script joins (after the last event the page showed), then from the first event.
  for join in --after-latest ""; do
    read -r clients before held after events < <(taskset -c 1 python3 deploy/bench/sse_clients.py --port "$port" --token "$token" \
      --job "$long" --pid "$wharf_pid" --clients 1000 --hold 5 --seconds 60 $join)
    printf '%-62s %-14s %s\n' "Wharf, $([ -n "$join" ] && echo "joining as the page does" || echo "replaying from the start"): $clients streams, $events events" \
      "$(per_client "$before" "$held" "$clients")" "$(given_back "$before" "$held" "$after")"
  done
  curl -sS "${auth[@]}" -X POST "$api/jobs/$long/cancel" -o /dev/null
  wait_job "$long" >/dev/null
  local mode
  for mode in "" --plain; do
    taskset -c 0 "$bench" sse-baseline --port $((port + 1)) $mode > "$work/baseline.log" 2>&1 &
    local baseline=$!
    pids+=("$baseline")
    for _ in $(seq 1 100); do  # the stream never ends: wait for its status line only
      [ "$(curl -s -m 0.5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((port + 1))/events")" = 200 ] && break
      sleep 0.05
    done
    read -r clients before held after events < <(taskset -c 1 python3 deploy/bench/sse_clients.py --port $((port + 1)) --path /events \
      --pid "$baseline" --clients 1000 --hold 2 --seconds 60)
    kill "$baseline"; wait "$baseline" 2>/dev/null || true
    printf '%-62s %-14s %s\n' "bare server (reference): $([ -n "$mode" ] && echo "a plain .stream body" || echo ".eventStream, heartbeat task")" \
      "$(per_client "$before" "$held" "$clients")" "$(given_back "$before" "$held" "$after")"
  done
  echo "(reference: under 8 KiB per client)"
  fi

  if part 3; then
  echo
  echo "== 3. Last-Event-ID replay of a job that printed 100,000 lines ($rounds rounds, median)"
  local replay; replay=$(typed_build replay "FROM $image
RUN busybox seq 1 100000")
  wait_job "$replay" >/dev/null
  local times=() count
  for round in $(seq 1 "$rounds"); do
    times+=("$(taskset -c 1 curl -sSN "${auth[@]}" -H 'Last-Event-ID: 0' "$api/jobs/$replay/events" -o "$work/replay.txt" -w '%{time_total}')")
    count=$(grep -c '^id:' "$work/replay.txt")
  done
  local t; t=$(printf '%s\n' "${times[@]}" | median "$rounds")
  echo "$count events in $t s: $(awk -v n="$count" -v s="$t" 'BEGIN { printf "%.0f", n / s }') events/s (reference: over 100,000 lines/s)"
  fi

  if part 4; then
  echo
  echo "== 4. A build printing 20,000 lines/s for 10 s, through Wharf (stored as it runs) vs curl straight to the engine ($rounds rounds, alternating, median)"
  local loud="FROM $image
RUN i=0; while [ \$i -lt 10 ]; do busybox seq 1 20000; i=\$((i+1)); sleep 1; done"
  python3 -c 'import io,sys,tarfile; d=sys.argv[1].encode(); t=tarfile.open(sys.argv[2],"w"); i=tarfile.TarInfo("Dockerfile"); i.size=len(d); t.addfile(i,io.BytesIO(d)); t.close()' "$loud" "$work/loud.tar"
  local through=() straight=() lines=()
  for round in $(seq 1 "$rounds"); do
    straight+=("$(taskset -c 1 curl -sS --unix-socket "$sock" -X POST -T "$work/loud.tar" -H 'Content-Type: application/x-tar' \
      "http://docker/v1.41/build?nocache=1&t=wharf-bench:loud" -o "$work/loud.out" -w '%{time_total}')")
    local job duration
    job=$(typed_build loud "$loud")
    read -r duration _ < <(wait_job "$job")
    through+=("$(awk -v ms="$duration" 'BEGIN { printf "%.3f", ms / 1000 }')")
    lines+=("$(curl -sS "${auth[@]}" "$api/jobs/$job" | json 'd["lastEventId"]')")
    echo "round $round: curl ${straight[-1]} s, Wharf ${through[-1]} s ($(printf '%s' "${lines[-1]}") events stored)"
  done
  local s w
  s=$(printf '%s\n' "${straight[@]}" | median "$rounds"); w=$(printf '%s\n' "${through[@]}" | median "$rounds")
  echo "wall time: Wharf $w s vs curl $s s ($(awk -v a="$w" -v b="$s" 'BEGIN { printf "%+.1f%%", (a - b) * 100 / b }'); reference: the same)"
  echo "Wharf RSS at the end: $(rss_kib "$wharf_pid") KiB"
  fi

  for tag in curl direct raw multipart sse replay loud; do engine -X DELETE "http://docker/images/wharf-bench:$tag?force=1" -o /dev/null || true; done
  engine -X POST "http://docker/images/prune?filters=%7B%22dangling%22%3A%5B%22true%22%5D%7D" -o /dev/null || true
}

bench_endpoint() {
  install_missing_packages curl
  echo "building release..." >&2
  swift build -c release --static-swift-stdlib --product wharf 2>&1 | tail -1 >&2
  local started_fleet=0
  deploy/dev/fleet.sh status >/dev/null 2>&1 || started_fleet=1
  eval "$(deploy/dev/fleet.sh start)"
  if ((started_fleet)); then trap 'deploy/dev/fleet.sh stop >/dev/null 2>&1; cleanup' EXIT; fi
  local direct="https://${WHARF_TEST_ENGINE_B#tcp://}" wport=${WHARF_BENCH_ENDPOINT_PORT:-18397} count=2000 w="$root/.build/release/wharf"
  local curl_tls=(--cacert "$WHARF_TEST_TLS_CA" --cert "$WHARF_TEST_TLS_CLIENT_CERT" --key "$WHARF_TEST_TLS_CLIENT_KEY")
  mkdir -p "$work/data"
  echo "a long enough password" | "$w" user create --username bench --role admin --data-dir "$work/data" --resources "$root" >/dev/null
  "$w" host add --name engine-b --url "$direct" --tls-ca "$WHARF_TEST_TLS_CA" --tls-cert "$WHARF_TEST_TLS_CLIENT_CERT" \
    --tls-key "$WHARF_TEST_TLS_CLIENT_KEY" --data-dir "$work/data" --resources "$root" >/dev/null
  local token
  token=$("$w" token create --username bench --name bench --data-dir "$work/data" --resources "$root" | grep -o 'wharf_[a-z0-9]*_[A-Za-z0-9_-]*' | head -1)
  start_wharf "$wport"
  local through="http://127.0.0.1:$wport/api/v1/hosts/engine-b/docker"

  echo "== 1. Warm requests, one kept-alive connection each, $count after 100 warm-up (curl on CPU 1, Wharf on CPU 0)"
  echo "   direct: curl -> engine B over mutual TLS; through Wharf: curl -> Wharf (HTTP, bearer token) -> engine B over mutual TLS"
  printf '%-24s %-30s %-30s %s\n' "request" "direct p50/p99/mean ms" "through Wharf p50/p99/mean ms" "p50 added"
  local path
  for path in /_ping /v1.41/containers/json; do
    local ours theirs
    : > "$work/direct.cfg"; : > "$work/wharf.cfg"
    for _ in $(seq 1 $((count + 100))); do
      printf 'url = "%s%s"\noutput = "/dev/null"\n' "$direct" "$path" >> "$work/direct.cfg"
      printf 'url = "%s%s"\noutput = "/dev/null"\n' "$through" "$path" >> "$work/wharf.cfg"
    done
    theirs=$(taskset -c 1 curl -s "${curl_tls[@]}" -K "$work/direct.cfg" -w '%{time_total}\n' | tail -n +101 |
      awk '{ printf "%.6f\n", $1 * 1000 }' | percentiles)
    ours=$(taskset -c 1 curl -s -H "Authorization: Bearer $token" -K "$work/wharf.cfg" -w '%{time_total}\n' | tail -n +101 |
      awk '{ printf "%.6f\n", $1 * 1000 }' | percentiles)
    printf '%-24s %-30s %-30s %s ms\n' "GET $path" "$theirs" "$ours" \
      "$(awk -v a="${ours%% *}" -v b="${theirs%% *}" 'BEGIN { printf "%+.3f", a - b }')"
  done

  echo
  echo "== 2. Interactive exec echo round trip: one line to \`cat\` over an exec stream (Upgrade: tcp), its echo back;"
  echo "   $count after 100 warm-up (deploy/bench/exec_echo.py on CPU 1). direct: mutual TLS to engine B; through Wharf: HTTP -> Wharf -> mutual TLS"
  local box
  box=$(DOCKER_CONFIG="$work" DOCKER_HOST="$WHARF_TEST_ENGINE_B" /usr/bin/docker --tlsverify --tlscacert "$WHARF_TEST_TLS_CA" \
    --tlscert "$WHARF_TEST_TLS_CLIENT_CERT" --tlskey "$WHARF_TEST_TLS_CLIENT_KEY" \
    run -d --rm --network none "$WHARF_TEST_IMAGE_BUSYBOX" sleep 600)
  local echo_direct echo_wharf
  echo_direct=$(taskset -c 1 timeout 120 python3 deploy/bench/exec_echo.py --url "$direct" --container "$box" --count "$count" \
    --ca "$WHARF_TEST_TLS_CA" --cert "$WHARF_TEST_TLS_CLIENT_CERT" --key "$WHARF_TEST_TLS_CLIENT_KEY")
  echo_wharf=$(taskset -c 1 timeout 120 python3 deploy/bench/exec_echo.py --url "$through" --container "$box" --count "$count" \
    --token "$token")
  printf '%-24s %-30s %-30s %s\n' "" "direct p50/p99/mean ms" "through Wharf p50/p99/mean ms" "p99 added"
  printf '%-24s %-30s %-30s %s ms\n' "exec echo round trip" "$echo_direct" "$echo_wharf" \
    "$(awk -v a="$(echo "$echo_wharf" | cut -d' ' -f2)" -v b="$(echo "$echo_direct" | cut -d' ' -f2)" 'BEGIN { printf "%+.3f", a - b }')"
  DOCKER_CONFIG="$work" DOCKER_HOST="$WHARF_TEST_ENGINE_B" /usr/bin/docker --tlsverify --tlscacert "$WHARF_TEST_TLS_CA" \
    --tlscert "$WHARF_TEST_TLS_CLIENT_CERT" --tlskey "$WHARF_TEST_TLS_CLIENT_KEY" rm -f "$box" >/dev/null 2>&1 || true

  local rounds=5
  echo
  echo "== 3. docker build (classic builder) of a 1 GiB context directory, one unmeasured each way, then $rounds rounds each, alternating, median"
  echo "   the CLI on CPU 1 both ways; Wharf now on both cores, as the engine is (held to CPU 0, which the engine's"
  echo "   threads share, it took 62-82% of direct in rounds where it took 81-91% on both)"
  taskset -a -p -c 0,1 "$wharf_pid" >/dev/null
  mkdir -p "$work/ctx" "$work/certs" "$work/cli-direct" "$work/cli-wharf"
  truncate -s 1G "$work/ctx/big.bin"
  printf 'FROM %s\nCOPY Dockerfile /Dockerfile\n' "$WHARF_TEST_IMAGE_BUSYBOX" > "$work/ctx/Dockerfile"
  ln -sf "$WHARF_TEST_TLS_CA" "$work/certs/ca.pem"; ln -sf "$WHARF_TEST_TLS_CLIENT_CERT" "$work/certs/cert.pem"
  ln -sf "$WHARF_TEST_TLS_CLIENT_KEY" "$work/certs/key.pem"
  printf '{"HttpHeaders":{"Authorization":"Bearer %s"}}' "$token" > "$work/cli-wharf/config.json"
  echo '{}' > "$work/cli-direct/config.json"
  build_direct() {
    DOCKER_CONFIG="$work/cli-direct" DOCKER_BUILDKIT=0 DOCKER_HOST="${WHARF_TEST_ENGINE_B}" DOCKER_TLS_VERIFY=1 \
      DOCKER_CERT_PATH="$work/certs" taskset -c 1 /usr/bin/docker build -q -t endpoint-bench:direct "$work/ctx" >/dev/null
  }
  build_through() {
    DOCKER_CONFIG="$work/cli-wharf" DOCKER_BUILDKIT=0 DOCKER_HOST="tcp://127.0.0.1:$wport/api/v1/hosts/engine-b/docker" \
      taskset -c 1 /usr/bin/docker build -q -t endpoint-bench:wharf "$work/ctx" >/dev/null
  }
  local base_rss; base_rss=$(rss_kib "$wharf_pid")
  # One build each way first, not measured: the first build of a run was 1.5-2 s slower than the
  # next ones whichever way it went (the engine's first context of the run), and it always fell
  # on the direct side.
  build_direct; build_through
  local round dtimes=() wtimes=()
  for round in $(seq 1 "$rounds"); do
    local t0 t1 t2
    t0=$(date +%s.%N)
    build_direct
    t1=$(date +%s.%N)
    build_through
    t2=$(date +%s.%N)
    dtimes+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
    wtimes+=("$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", b - a }')")
    echo "round $round: direct ${dtimes[-1]} s, through Wharf ${wtimes[-1]} s"
  done
  local peak; peak=$(awk '/^VmHWM:/ {print $2}' "/proc/$wharf_pid/status")
  DOCKER_CONFIG="$work/cli-wharf" DOCKER_HOST="tcp://127.0.0.1:$wport/api/v1/hosts/engine-b/docker" \
    /usr/bin/docker rmi endpoint-bench:direct endpoint-bench:wharf >/dev/null 2>&1 || true
  local dmed wmed bytes=$((1 << 30))
  dmed=$(printf '%s\n' "${dtimes[@]}" | sort -n | sed -n "$(( (rounds + 1) / 2 ))p")
  wmed=$(printf '%s\n' "${wtimes[@]}" | sort -n | sed -n "$(( (rounds + 1) / 2 ))p")
  echo "direct:        median ${dmed} s = $(awk -v s="$dmed" -v n="$bytes" 'BEGIN { printf "%.1f", n / s / 1048576 }') MiB/s"
  echo "through Wharf: median ${wmed} s = $(awk -v s="$wmed" -v n="$bytes" 'BEGIN { printf "%.1f", n / s / 1048576 }') MiB/s"
  echo "throughput through Wharf vs direct: $(awk -v a="$wmed" -v b="$dmed" 'BEGIN { printf "%.0f%%", b * 100 / a }')"
  echo "Wharf RSS: $((base_rss / 1024)) MiB before the builds, peak $((peak / 1024)) MiB (growth $(( (peak - base_rss) / 1024 )) MiB)"
  echo "audit rows written by the endpoint: $(sqlite3 "$work/data/wharf.db" "select count(*) from audit_log where source = 'docker'" 2>/dev/null || echo '?')"
}

bench_panel() {
  install_missing_packages curl python3
  echo "building release..." >&2
  swift build -c release --static-swift-stdlib --product wharf 2>&1 | tail -1 >&2
  local started_fleet=0
  deploy/dev/fleet.sh status >/dev/null 2>&1 || started_fleet=1
  eval "$(deploy/dev/fleet.sh start)"
  if ((started_fleet)); then trap 'deploy/dev/fleet.sh stop >/dev/null 2>&1; cleanup' EXIT; fi
  local wport=18396 w="$root/.build/release/wharf"
  local common=(--data-dir "$work/data" --resources "$root")
  mkdir -p "$work/data"
  echo "a long enough password" | "$w" user create --username bench --role admin "${common[@]}" >/dev/null
  "$w" host add --name engine-a --url "$WHARF_TEST_ENGINE_A" "${common[@]}" >/dev/null
  "$w" host add --name engine-b --url "https://${WHARF_TEST_ENGINE_B#tcp://}" --tls-ca "$WHARF_TEST_TLS_CA" \
    --tls-cert "$WHARF_TEST_TLS_CLIENT_CERT" --tls-key "$WHARF_TEST_TLS_CLIENT_KEY" "${common[@]}" >/dev/null
  "$w" host add --name engine-c --url "$WHARF_TEST_ENGINE_C" "${common[@]}" >/dev/null
  local token
  token=$("$w" token create --username bench --name bench "${common[@]}" | grep -o 'wharf_[a-z0-9]*_[A-Za-z0-9_-]*' | head -1)
  start_wharf "$wport"
  sleep 3  # the first health checks find the three engines up (the dashboard asks only hosts found up)
  echo "Wharf (release) on CPU 0, the clients on CPU 1; engines A (unix socket), B (mutual TLS), C (TCP)"
  taskset -c 1 /usr/bin/python3 deploy/bench/panel.py "http://127.0.0.1:$wport" "$token" "$wharf_pid"
}

bench_signin() {
  echo "building release..." >&2
  swift build -c release --static-swift-stdlib --product wharf-bench 2>&1 | tail -1 >&2
  echo "== One password sign-in (POST /signin through the responder: CSRF, throttle, scrypt, session, audit row), one core"
  echo "   scrypt r=8 p=1; three alternating rounds per setting, each a fresh process and data directory with 5 sign-ins;"
  echo "   time: median sign-in of the median round; memory: the largest growth of the resident peak over one sign-in"
  printf "%-22s %14s %16s\n" setting "sign-in ms" "peak memory MiB"
  local round n results=()
  for round in 1 2 3; do
    for n in 15 17; do
      rm -rf "$work/signin"; mkdir -p "$work/signin"
      results+=("$n $(taskset -c 0 "$root/.build/release/wharf-bench" signin --dir "$work/signin" --resources "$root" --log-n "$n")")
    done
  done
  for n in 15 17; do
    local label="N=2^$n ($([ "$n" = 17 ] && echo now || echo before))" ms peak
    ms=$(printf '%s\n' "${results[@]}" | awk -v n="$n" '$1 == n { print $3 }' | sort -n | sed -n 2p)
    peak=$(printf '%s\n' "${results[@]}" | awk -v n="$n" '$1 == n && $5 > p { p = $5 } END { printf "%.1f", p / 1024 }')
    printf "%-22s %14s %16s\n" "$label" "$ms" "$peak"
  done
  printf '%s\n' "${results[@]}" | awk '{ printf "   round: N=2^%s %s ms, peak +%.1f MiB\n", $1, $3, $5 / 1024 }' 
}

# The fleet's engine C (plain TCP), registered in a release `wharf serve` on CPU 0; clients on CPU 1.
bench_events() {
  install_missing_packages curl python3
  echo "building release..." >&2
  swift build -c release --static-swift-stdlib --product wharf 2>&1 | tail -1 >&2
  local started_fleet=0
  deploy/dev/fleet.sh status >/dev/null 2>&1 || started_fleet=1
  eval "$(deploy/dev/fleet.sh start)"
  if ((started_fleet)); then trap 'deploy/dev/fleet.sh stop >/dev/null 2>&1; cleanup' EXIT; fi
  local engine=${WHARF_TEST_ENGINE_C#tcp://} wport=${WHARF_BENCH_PORT:-18610} followers=${WHARF_BENCH_FOLLOWERS:-1000}
  local bin="$root/.build/release/wharf" data="$work/data" base
  ulimit -n "$(ulimit -Hn)"  # 1,000 followers and their connections
  mkdir -p "$data"
  echo "a long enough bench password" | "$bin" user create --username bench --role admin --data-dir "$data" --resources "$root" >/dev/null 2>&1
  local token; token=$("$bin" token create --username bench --name bench --data-dir "$data" --resources "$root" 2>/dev/null | grep -o 'wharf_[a-z0-9]*_[A-Za-z0-9_-]*' | head -1)
  "$bin" host add --name engine-c --url "$WHARF_TEST_ENGINE_C" --data-dir "$data" --resources "$root" >/dev/null 2>&1
  start_wharf "$wport"
  base="http://127.0.0.1:$wport"
  listeners() { curl -fsS "http://$engine/v1.41/info" | python3 -c 'import json,sys; print(json.load(sys.stdin)["NEventsListener"])'; }

  echo "== 1. An engine event to $followers browsers following one host (GET /hosts/1/events/stream?type=volume)"
  echo "   vs the same engine's GET /events read directly; arrival = kernel receive time (SO_TIMESTAMPNS), client on CPU 1"
  curl -fsS -o /dev/null -H "Authorization: Bearer $token" "$base/api/v1/hosts/1/volumes"
  local before held after listeners_before listeners_held cold_before cold_held cold_after cold_live live
  # Starts the followers (coproc FOLLOW) and waits until every stream is live, then 2 s more;
  # sets `live` to their number. stop_followers closes them all and waits for the script.
  start_followers() {
    coproc FOLLOW { taskset -c 1 python3 deploy/bench/event_followers.py --wharf "127.0.0.1:$wport" --token "$token" \
      --path "/hosts/1/events/stream?type=volume" --engine "$engine" --count "$followers" --timeout "$1"; }
    local ready
    read -r ready live <&"${FOLLOW[0]}"
    [ "$ready" = ready ] || { echo "followers failed" >&2; return 1; }
    sleep 2
  }
  stop_followers() {
    echo close >&"${FOLLOW[1]}"
    read -r _ <&"${FOLLOW[0]}"
    wait "$FOLLOW_PID" 2>/dev/null || true
  }
  # A fresh process grows its malloc arenas, thread stacks and tables with its first thousand
  # followers, once: a first 1,000 open and leave (printed), then the measured 1,000.
  cold_before=$(rss_kib "$wharf_pid")
  start_followers 120
  cold_live=$live
  cold_held=$(rss_kib "$wharf_pid")
  stop_followers
  sleep 3
  cold_after=$(rss_kib "$wharf_pid")
  listeners_before=$(listeners)
  before=$(rss_kib "$wharf_pid")
  start_followers 300
  held=$(rss_kib "$wharf_pid")
  listeners_held=$(listeners)
  echo go >&"${FOLLOW[1]}"
  read -r _ samples p50 p99 max complete <&"${FOLLOW[0]}"
  stop_followers
  sleep 3
  after=$(rss_kib "$wharf_pid")
  printf '%-44s %s\n' "followers live:" "$live"
  printf '%-44s %s samples (events x followers), %s events reached every follower\n' "measured:" "$samples" "$complete"
  printf '%-44s p50 %s ms, p99 %s ms, max %s ms   (reference: the direct reader, 0 by definition)\n' "added latency through Wharf:" "$p50" "$p99" "$max"
  read -r _ floor50 floormax < <(python3 deploy/bench/send_floor.py "$followers")
  printf '%-44s p50 %s ms, max %s ms   (one thread, %s plain send() calls of one frame; the floor of any fan-out here)\n' "floor: one frame to $followers loopback sockets:" "$floor50" "$floormax" "$followers"
  printf '%-44s %s\n' "machine load (1-minute average):" "$(cut -d' ' -f1 /proc/loadavg)"
  printf '%-44s %s before, %s with the followers, %s after they left\n' "engine's GET /events followers (NEventsListener):" "$listeners_before" "$listeners_held" "$(listeners)"
  printf '%-44s %s (with the direct reader: %s)\n' "upstream connections from Wharf:" "$((listeners_held - listeners_before - 1))" "$listeners_held"
  printf '%-44s %s / %s / %s KiB\n' "Wharf RSS before / with followers / after:" "$before" "$held" "$after"
  printf '%-44s %s\n' "RSS per follower:" "$(awk -v a="$held" -v b="$before" -v n="$live" 'BEGIN { printf "%.2f KiB", (a - b) / n }')"
  printf '%-44s %s / %s / %s KiB: %s each, one-time growth included\n' "the first $cold_live in the fresh process:" "$cold_before" "$cold_held" "$cold_after" \
    "$(awk -v a="$cold_held" -v b="$cold_before" -v n="$cold_live" 'BEGIN { printf "%.2f KiB", (a - b) / n }')"

  echo
  echo "== 2. The volume list of engine C with 2,000 volumes, 40 requests each on one kept-alive connection (p50 / p99 / mean ms)"
  python3 deploy/bench/engine_volumes.py "$engine" create 2000 >&2
  local path line
  printf '%-52s %s\n' "request" "p50 / p99 / mean ms"
  for line in "engine GET /volumes (reference)|http://$engine/v1.41/volumes" \
              "Wharf GET /api/v1/hosts/1/volumes|$base/api/v1/hosts/1/volumes" \
              "Wharf GET /hosts/1/volumes (the page)|$base/hosts/1/volumes"; do
    : > "$work/curl.cfg"
    for _ in $(seq 1 45); do printf 'url = "%s"\noutput = "/dev/null"\n' "${line#*|}" >> "$work/curl.cfg"; done
    printf '%-52s %s\n' "${line%%|*}" "$(taskset -c 1 curl -s -H "Authorization: Bearer $token" -K "$work/curl.cfg" -w '%{time_total}\n' |
      tail -n +6 | awk '{ printf "%.6f\n", $1 * 1000 }' | percentiles)"
  done
  printf '%-52s %s\n' "volumes listed by Wharf:" "$(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/hosts/1/volumes" |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["volumes"]))')"
  python3 deploy/bench/engine_volumes.py "$engine" remove 2000 >&2

  # The same fan-out spread over both cores with two loops (``EventChannels``: the publisher and
  # both loops take shares of each event's sends), with the loops free (1b) and pinned one per
  # CPU (1c, --pin-loops). The client shares CPU 1 with Wharf here, so it reads each event once
  # it is out instead of waiting in epoll: its wake-ups and its Python would otherwise be paid on
  # Wharf's cores, which remote browsers cost nothing. A p99 of 120 events moves with one slow
  # event, so each is run `rounds` times, 1b and 1c alternating (the machine drifts), a fresh
  # server each round, and the samples of all rounds pooled.
  kill "$wharf_pid" 2>/dev/null; wait "$wharf_pid" 2>/dev/null || true  # one server per data directory
  local rounds=${WHARF_BENCH_EVENT_ROUNDS:-3} round variant two_pid two_port=$((wport + 1)) ready2 live2 line2
  local -A per_round=() lives=()
  for round in $(seq 1 "$rounds"); do
    for variant in 1b 1c; do
      taskset -c 0,1 "$bin" serve --listen "127.0.0.1:$two_port" --data-dir "$data" --resources "$root" --no-access-log \
        --loops 2 $([ "$variant" = 1c ] && echo --pin-loops) 2>"$work/wharf-$variant.log" &
      two_pid=$!
      pids+=("$two_pid")
      wait_http "http://127.0.0.1:$two_port/healthz"
      curl -fsS -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$two_port/api/v1/hosts/1/volumes"
      coproc FOLLOW2 { taskset -c 1 python3 deploy/bench/event_followers.py --wharf "127.0.0.1:$two_port" --token "$token" \
        --path "/hosts/1/events/stream?type=volume" --engine "$engine" --count "$followers" --timeout 300 --reader lazy \
        --samples "$work/samples-$variant"; }
      read -r ready2 live2 <&"${FOLLOW2[0]}"
      sleep 2
      echo go >&"${FOLLOW2[1]}"
      read -r line2 <&"${FOLLOW2[0]}"
      echo close >&"${FOLLOW2[1]}"
      read -r _ <&"${FOLLOW2[0]}"
      wait "$FOLLOW2_PID" 2>/dev/null || true
      kill "$two_pid" 2>/dev/null; wait "$two_pid" 2>/dev/null || true
      # "latency <samples> <p50> <p99> <max> <complete>"
      per_round[$variant]+="$(awk '{ printf "%s (%s) ", $4, $6 }' <<<"$line2")"
      lives[$variant]+="$live2 "
    done
  done
  echo
  echo "== 1b/1c. The same with Wharf on both cores, --loops 2: loops free (1b) and --pin-loops (1c); the client reads each event"
  echo "   once it is out, not waiting in epoll (CPU 1 is Wharf's too); $rounds rounds of each, alternating, samples pooled"
  printf '%-30s %-44s %s\n' "" "added latency, all rounds pooled" "p99 ms (events at every follower) by round; followers live"
  for variant in 1b 1c; do
    printf '%-30s %-44s %s; %s\n' "$variant $([ "$variant" = 1c ] && echo "--loops 2 --pin-loops" || echo "--loops 2")" \
      "$(sort -n "$work/samples-$variant" | awk '{ v[NR] = $1 } END { i50 = int(NR * 0.5) + 1; i99 = int(NR * 0.99) + 1; if (i99 > NR) i99 = NR;
        printf "p50 %.3f ms, p99 %.3f ms, max %.3f ms (%d)", v[i50], v[i99], v[NR], NR }')" "${per_round[$variant]}" "${lives[$variant]}"
  done
}

# HTTPS served directly, side by side with nginx serving the same certificate (P-256 ECDSA, the
# kind --tls-self-signed makes), both on CPU 0 with one worker, wrk on CPU 1.
bench_https() {
  install_missing_packages wrk nginx-light curl openssl
  echo "building release..." >&2
  swift build -c release --static-swift-stdlib --product wharf 2>&1 | tail -1 >&2

  local wport=${WHARF_BENCH_HTTPS_PORT:-18097} nport=${WHARF_BENCH_NGINX_HTTPS_PORT:-18096}
  mkdir -p "$work/data" "$work/tls" "$work/nginx/html"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$work/tls/key.pem" -out "$work/tls/cert.pem" 2>/dev/null
  chmod 644 "$work/tls/key.pem"
  taskset -c 0 "$root/.build/release/wharf" serve --listen "127.0.0.1:$wport" --data-dir "$work/data" \
    --resources "$root" --no-access-log --tls-cert "$work/tls/cert.pem" --tls-key "$work/tls/key.pem" 2>"$work/wharf.log" &
  wharf_pid=$!
  pids+=("$wharf_pid")
  local url="https://127.0.0.1:$wport/healthz"
  for _ in $(seq 1 200); do curl -fsS --cacert "$work/tls/cert.pem" -o /dev/null "$url" 2>/dev/null && break; sleep 0.05; done
  curl -fsS --cacert "$work/tls/cert.pem" "$url" > "$work/nginx/html/healthz"

  # nginx as a TLS server is usually set up: TLS 1.2 and 1.3, a shared session cache, tickets on
  # (its default), keep-alive up to 1000 requests per connection (as Wharf).
  cat > "$work/nginx/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 20000; }
http {
  access_log off;
  keepalive_requests 1000;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_session_cache shared:SSL:10m;
  server {
    listen 127.0.0.1:$nport ssl;
    ssl_certificate $work/tls/cert.pem;
    ssl_certificate_key $work/tls/key.pem;
    location / { root $work/nginx/html; default_type application/json; }
  }
}
NGINX
  taskset -c 0 nginx -c "$work/nginx/nginx.conf" & pids+=($!)
  for _ in $(seq 1 200); do curl -fsS -k -o /dev/null "https://127.0.0.1:$nport/healthz" 2>/dev/null && break; sleep 0.05; done
  local wversion nversion
  wversion=$(curl -sS -o /dev/null -w '%{http_version}' --cacert "$work/tls/cert.pem" -v "$url" 2>&1 | grep -o 'SSL connection using [^ ]* / [^ ]*' | head -1)
  nversion=$(curl -sS -o /dev/null -k -v "https://127.0.0.1:$nport/healthz" 2>&1 | grep -o 'SSL connection using [^ ]* / [^ ]*' | head -1)
  echo "wharf: $wversion; nginx: $nversion"

  echo
  echo "== 1. GET /healthz over HTTPS, keep-alive, server on one core (access log off for both)"
  echo "   three alternating 5 s rounds per row, median of each side"
  printf "%-6s %12s %9s %9s | %12s %9s %9s | %7s\n" conns "wharf req/s" "p50 ms" "p99 ms" "nginx req/s" "p50 ms" "p99 ms" ratio
  local c
  for c in 1 64; do
    local wharf_rounds=() nginx_rounds=()
    for _ in 1 2 3; do
      wharf_rounds+=("$(load "$c" 5s "$url")")
      nginx_rounds+=("$(load "$c" 5s "https://127.0.0.1:$nport/healthz")")
    done
    read -r wr wp50 wp99 < <(printf '%s\n' "${wharf_rounds[@]}" | sort -n | sed -n 2p)
    read -r nr np50 np99 < <(printf '%s\n' "${nginx_rounds[@]}" | sort -n | sed -n 2p)
    printf "%-6s %12s %9s %9s | %12s %9s %9s | %6.2fx\n" "$c" "$wr" "$wp50" "$wp99" "$nr" "$np50" "$np99" \
      "$(awk -v a="$wr" -v b="$nr" 'BEGIN { print a / b }')"
  done

  echo
  echo "== 2. New TLS connections: one request each (Connection: close), so every request is a full handshake"
  echo "   (wrk does not resume sessions); 16 connections at a time, three alternating 5 s rounds, median"
  printf "%-22s %14s %9s | %14s %9s | %7s\n" "" "wharf hs/s" "p99 ms" "nginx hs/s" "p99 ms" ratio
  local wharf_rounds=() nginx_rounds=()
  for _ in 1 2 3; do
    wharf_rounds+=("$(load 16 5s "$url" -H 'Connection: close')")
    nginx_rounds+=("$(load 16 5s "https://127.0.0.1:$nport/healthz" -H 'Connection: close')")
  done
  read -r wr _ wp99 < <(printf '%s\n' "${wharf_rounds[@]}" | sort -n | sed -n 2p)
  read -r nr _ np99 < <(printf '%s\n' "${nginx_rounds[@]}" | sort -n | sed -n 2p)
  printf "%-22s %14s %9s | %14s %9s | %6.2fx\n" "full handshakes" "$wr" "$wp99" "$nr" "$np99" \
    "$(awk -v a="$wr" -v b="$nr" 'BEGIN { print a / b }')"
  echo "   one at a time (openssl s_time, 5 s, new session each / resumed):"
  local kind
  for kind in -new -reuse; do
    local wc nc
    wc=$(taskset -c 1 openssl s_time -connect "127.0.0.1:$wport" $kind -time 5 2>/dev/null | awk '/connections\/user sec/ { print $1 }' | tail -1)
    nc=$(taskset -c 1 openssl s_time -connect "127.0.0.1:$nport" $kind -time 5 2>/dev/null | awk '/connections\/user sec/ { print $1 }' | tail -1)
    printf "   %-8s wharf %s connections in 5 s, nginx %s\n" "$kind" "${wc:-?}" "${nc:-?}"
  done
  echo "   handshakes wharf logged as failed (clients that closed mid-handshake when a run ended, say):"
  grep "TLS handshake" "$work/wharf.log" | sed 's/.*failed: //' | sort | uniq -c | sed 's/^/   /' || true

  echo
  echo "== 3. 1,000 idle HTTPS keep-alive connections held 10 s (one request each)"
  local before held after count
  before=$(rss_kib "$wharf_pid")
  coproc IDLE { taskset -c 1 python3 deploy/bench/idle_connections.py --port "$wport" --count 1000 --hold 60 --timeout 300 --tls; }
  read -r ready count <&"${IDLE[0]}"
  [ "$ready" = ready ] || { echo "idle client failed" >&2; return 1; }
  sleep 10
  held=$(rss_kib "$wharf_pid")
  echo >&"${IDLE[1]}"
  read -r _ <&"${IDLE[0]}"
  wait "$IDLE_PID" 2>/dev/null || true
  sleep 3
  after=$(rss_kib "$wharf_pid")
  echo "connections held:            $count"
  echo "RSS before / held / after:   $before / $held / $after KiB"
  echo "RSS per idle connection:     $(awk -v a="$held" -v b="$before" -v n="$count" 'BEGIN { printf "%.2f KiB", (a - b) / n }')"
}

case "$section" in
  http) bench_http ;;
  https) bench_https ;;
  docker) bench_docker ;;
  storage) bench_storage ;;
  endpoint) bench_endpoint ;;
  panel) bench_panel ;;
  signin) bench_signin ;;
  events) bench_events ;;
  jobs) bench_jobs ;;
  *) echo "usage: $0 [http|https|docker|storage|endpoint|panel|signin|events|jobs]" >&2; exit 2 ;;
esac
