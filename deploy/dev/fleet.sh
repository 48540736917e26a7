#!/usr/bin/env bash
# Wharf integration-test fleet: real Docker engines, a real registry and real
# TLS endpoints, all on loopback, all under one folder, all owned by this script.
#
#   deploy/dev/fleet.sh install   install missing Debian packages
#   deploy/dev/fleet.sh start     start the fleet (reuses a healthy one), print env
#   deploy/dev/fleet.sh stop      stop what start started, unmount, remove folder
#   deploy/dev/fleet.sh status    report each component (exit 0 only if all healthy)
#   deploy/dev/fleet.sh env       print `export NAME=value` lines for the tests
#   deploy/dev/fleet.sh run -- CMD start (or reuse) the fleet, run CMD with its env
#   deploy/dev/fleet.sh restart E stop engine E (a, b or c) and start it again, keeping its data
#
# Typical use:  eval "$(deploy/dev/fleet.sh start)"   (progress goes to stderr)
#
# Components (see deploy/dev/README.md):
#   engine A  dockerd on a unix socket                 $DIR/a/docker.sock
#   engine B  dockerd over mutual TLS                  127.0.0.1:23760
#   engine C  dockerd over plain TCP (negative tests)  127.0.0.1:23750
#   registry  docker-registry (distribution v2)        127.0.0.1:5000
#   auth-registry  the same, behind htpasswd (bcrypt)  127.0.0.1:23763 (engine B's port + 3)
#   tls-expired / tls-mismatch  openssl s_server       127.0.0.1:23761 / :23762
#
# Notes from running dockerd 20.10 side by side on one host (and in this sandbox):
#   * Each engine gets its own --data-root, --exec-root, --pidfile and -H. The
#     managed containerd lives under the exec-root (socket, state, pid) and
#     under the data-root (content), so engines don't share a containerd. Its
#     shims put their sockets in /run/containerd/s/<sha256(address+ns+id)>, so
#     they don't collide either. Network namespaces go to <exec-root>/netns.
#   * Other shared defaults we override:
#       - /etc/docker/daemon.json      -> --config-file <engine>/daemon.json
#       - /etc/docker/key.json (engine ID!)  -> "deprecated-key-path" in that
#         file; a shared key would give all three engines the same `ID` in
#         `docker info`, which would make tests that tell engines apart lie.
#       - /var/run/docker.sock         -> always an explicit -H
#       - ip_forward: the bridge driver sets net.ipv4.ip_forward=1 on start even
#         with --bridge=none, so we pass --ip-forward=false (no host sysctls).
#       - cgroups: --cgroup-parent wharf-fleet-<id>-<engine> keeps each engine's
#         containers in their own cgroup subtree, so stop can find leftovers.
#     What stays shared and is harmless: /var/run/docker/plugins (plugin
#     discovery, read only), /run/containerd/s (per-shim sockets), /etc/docker.
#   * dockerd bind-mounts its data-root onto itself (private propagation) and
#     mounts nsfs files under <exec-root>/netns; it undoes both on a clean
#     shutdown. After a kill they stay behind, so stop unmounts anything left
#     under the fleet folder before it removes it (rm --one-file-system).
#   * Containers ran as-is in this sandbox (Firecracker VM, kernel 6.x, cgroup
#     v1 hybrid, no AppArmor/SELinux, cgroupfs driver): no seccomp, apparmor
#     or no-new-privileges flags were needed. Containers use network "none".
#   * A graceful dockerd shutdown stops running containers with their own stop
#     timeout (10 s; `sleep` as PID 1 ignores SIGTERM), so stop first kills the
#     engines' running containers through the API, which makes it fast.
#   * docker.io's CLI is /usr/bin/docker (20.10). A newer CLI may come first in
#     PATH (e.g. /usr/local/bin/docker); we always call the packaged one.

set -euo pipefail
shopt -s nullglob
export LC_ALL=C

# --------------------------------------------------------------------------
# Configuration (all overridable from the environment)
# --------------------------------------------------------------------------
FLEET_DIR="${WHARF_FLEET_DIR:-/tmp/wharf-fleet}"
HOST=127.0.0.1
PORT_B="${WHARF_FLEET_ENGINE_B_PORT:-23760}"
PORT_C="${WHARF_FLEET_ENGINE_C_PORT:-23750}"
PORT_REGISTRY="${WHARF_FLEET_REGISTRY_PORT:-5000}"
PORT_EXPIRED="${WHARF_FLEET_TLS_EXPIRED_PORT:-23761}"
PORT_MISMATCH="${WHARF_FLEET_TLS_MISMATCH_PORT:-23762}"
# Beside engine B's port by default, so fleets with their own ports never share it.
PORT_AUTH_REGISTRY="${WHARF_FLEET_AUTH_REGISTRY_PORT:-$((PORT_B + 3))}"
AUTH_REGISTRY_USER=wharf-push
READY_TIMEOUT="${WHARF_FLEET_READY_TIMEOUT:-60}"   # seconds, per component

DOCKERD=/usr/sbin/dockerd
DOCKER=/usr/bin/docker
REGISTRY_BIN=/usr/bin/docker-registry
BUSYBOX_BIN=/bin/busybox
PACKAGES=(docker.io docker-registry busybox-static openssl curl apache2-utils)

IMAGE_BUSYBOX=wharf-test/busybox:latest
IMAGE_BUSYBOX_REMOTE="$HOST:$PORT_REGISTRY/wharf-test/busybox:latest"
IMAGE_BIGDATA="$HOST:$PORT_REGISTRY/wharf-test/bigdata:latest"
BIGDATA_LAYERS=5
BIGDATA_LAYER_MB=10
# Applets linked in the busybox image besides /bin/busybox itself.
BUSYBOX_APPLETS=(sh ls sleep cat echo top env true false ps kill id pwd mkdir
                 rm touch head tail wc grep printf hostname uname date)

ENGINES=(a b c)
MARKER=".wharf-fleet"

# Our children must not inherit client settings meant for some other engine,
# nor go through a proxy: everything here is loopback.
unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_CONTEXT DOCKER_TMPDIR \
      http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY || true
# BuildKit: dockerd 20.10's classic builder spends ~1 s per Dockerfile step
# here (even for LABEL); BuildKit builds the same images in ~1 s in all. It
# resolves FROM wharf-test/busybox from the local image store, so no network.
export DOCKER_BUILDKIT=1
export DOCKER_CLI_HINTS=false

# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------
now_ms() { local t=${EPOCHREALTIME/./}; echo $(( t / 1000 )); }
T0_MS=$(now_ms)
elapsed() { local ms=$(( $(now_ms) - ${1:-$T0_MS} )); printf '%d.%ds' $(( ms / 1000 )) $(( ms % 1000 / 100 )); }

log()  { printf 'fleet: [%s] %s\n' "$(elapsed)" "$*" >&2; }
warn() { printf 'fleet: warning: %s\n' "$*" >&2; }
die()  { printf 'fleet: error: %s\n' "$*" >&2; exit 1; }

# Print the last lines of a log file, indented, to stderr.
log_tail() {
    local file=$1 lines=${2:-25}
    if [[ -s $file ]]; then
        printf 'fleet: ---- last %s lines of %s ----\n' "$lines" "$file" >&2
        # dockerd's gRPC connection chatter hides the line that matters.
        grep -v 'module=grpc' "$file" | tail -n "$lines" | sed 's/^/    /' >&2 || true
    fi
}

die_with_log() { local msg=$1 file=$2; printf 'fleet: error: %s\n' "$msg" >&2; log_tail "$file"; exit 1; }

# True if PID is alive and its command line contains NEEDLE. Every process the
# fleet starts has the fleet folder in its command line, so this also protects
# against PID reuse when we read an old PID file.
pid_matches() {
    local pid=$1 needle=$2 cmdline
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    cmdline=$(tr "\0" " " 2>/dev/null < "/proc/$pid/cmdline") || return 1
    [[ $cmdline == *"$needle"* ]]
}

# Alive and not a zombie: our daemons are re-parented to init, and some inits
# (this sandbox's, for one) reap only every few seconds.
pid_alive() {
    local stat
    stat=$(cat 2>/dev/null "/proc/$1/stat") || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

read_pid() { if [[ -r $1 ]]; then tr -dc '0-9' < "$1"; fi; }

# Poll CMD until it succeeds. Fails with the component's log tail if the
# process dies first or TIMEOUT seconds pass. Short sleeps between polls only.
wait_ready() {
    local name=$1 pid=$2 log=$3; shift 3
    local deadline=$(( $(now_ms) + READY_TIMEOUT * 1000 ))
    until "$@" >/dev/null 2>&1; do
        if [[ -n $pid ]] && ! pid_alive "$pid"; then
            die_with_log "$name exited during startup" "$log"
        fi
        if (( $(now_ms) > deadline )); then
            die_with_log "$name not ready after ${READY_TIMEOUT}s" "$log"
        fi
        sleep 0.05
    done
}

# Wait for the given background PIDs (never a bare `wait`: daemons started by
# this shell are its children too). Fails if any of them failed.
wait_all() {
    local pid rc=0
    for pid in "$@"; do wait "$pid" || rc=1; done
    return "$rc"
}

# Send SIGTERM, wait up to GRACE seconds, then SIGKILL. Only if PID still
# matches NEEDLE (i.e. it is the process we started).
stop_pid() {
    local name=$1 pid=$2 needle=$3 grace=$4
    pid_matches "$pid" "$needle" || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    local deadline=$(( $(now_ms) + grace * 1000 ))
    while pid_alive "$pid"; do
        if (( $(now_ms) > deadline )); then
            warn "$name (pid $pid) ignored SIGTERM for ${grace}s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.05
    done
    # Reap-free wait for a killed process to vanish (it is not our child).
    deadline=$(( $(now_ms) + 5000 ))
    while pid_alive "$pid" && (( $(now_ms) < deadline )); do sleep 0.05; done
    log "stopped $name (pid $pid)"
}

port_in_use() {
    local port=$1
    if command -v ss >/dev/null 2>&1; then
        [[ -n $(ss -Hltn "sport = :$port" 2>/dev/null) ]]
    else
        (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null
    fi
}

port_owner() {
    command -v ss >/dev/null 2>&1 || { echo "unknown process"; return; }
    ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(([^)]*))' | head -n 1 || true
}

need_root() { [[ $EUID -eq 0 ]] || die "'$1' must run as root (dockerd needs it)"; }

# The folder is removed recursively on stop, so be strict about what it may be.
check_fleet_dir() {
    [[ $FLEET_DIR =~ ^/[A-Za-z0-9._/-]+$ ]] ||
        die "WHARF_FLEET_DIR must be an absolute path of [A-Za-z0-9._/-] (got '$FLEET_DIR')"
    FLEET_DIR=${FLEET_DIR%/}
    case "$FLEET_DIR" in
        ""|/|/tmp|/var|/var/tmp|/root|/home|/usr|/etc|/run|/opt|/srv)
            die "refusing to use '$FLEET_DIR' as the fleet folder" ;;
    esac
    # containerd's socket lives under the exec-root and unix socket paths are
    # limited to 108 bytes: <dir>/a/exec/containerd/containerd.sock.ttrpc
    (( ${#FLEET_DIR} <= 60 )) || die "WHARF_FLEET_DIR is too long for unix sockets (max 60 chars)"
}

# Derived paths and names. Called once the folder is validated.
set_paths() {
    D=$FLEET_DIR
    LOGS=$D/logs
    PIDS=$D/pids
    TLS=$D/tls
    ENV_FILE=$D/fleet.env
    # Unique per fleet folder so two fleets (different WHARF_FLEET_DIR and
    # ports) could coexist without sharing cgroups.
    FLEET_ID=$(printf '%s' "$D" | md5sum | cut -c1-8)
}

engine_dir()    { echo "$D/$1"; }
engine_exec()   { echo "$D/$1/exec"; }
engine_cgroup() { echo "wharf-fleet-$FLEET_ID-$1"; }
engine_host() {
    case $1 in
        a) echo "unix://$D/a/docker.sock" ;;
        b) echo "tcp://$HOST:$PORT_B" ;;
        c) echo "tcp://$HOST:$PORT_C" ;;
    esac
}

# The docker CLI pointed at one engine. B needs the client certificate.
docker_cli() {
    local engine=$1; shift
    local args=(-H "$(engine_host "$engine")")
    if [[ $engine == b ]]; then
        args+=(--tlsverify --tlscacert "$TLS/ca.pem" --tlscert "$TLS/client-cert.pem" --tlskey "$TLS/client-key.pem")
    fi
    DOCKER_CONFIG=$D/docker-cli "$DOCKER" "${args[@]}" "$@"
}

# curl against an engine's API: curl_engine ENGINE PATH [curl args...]
curl_engine() {
    local engine=$1 path=$2; shift 2
    case $engine in
        a) curl -fsS --max-time 5 --unix-socket "$D/a/docker.sock" "$@" "http://docker$path" ;;
        b) curl -fsS --max-time 5 --cacert "$TLS/ca.pem" --cert "$TLS/client-cert.pem" \
                --key "$TLS/client-key.pem" "$@" "https://$HOST:$PORT_B$path" ;;
        c) curl -fsS --max-time 5 "$@" "http://$HOST:$PORT_C$path" ;;
    esac
}

registry_ok() { curl -fsS --max-time 5 "http://$HOST:$PORT_REGISTRY/v2/" >/dev/null; }

# The auth registry refuses anonymous clients (401) and lets its user in.
auth_registry_ok() {
    [[ $(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "http://$HOST:$PORT_AUTH_REGISTRY/v2/") == 401 ]] &&
        curl -fsS --max-time 5 -u "$AUTH_REGISTRY_USER:$(cat "$D/auth-registry/password")" \
            "http://$HOST:$PORT_AUTH_REGISTRY/v2/" >/dev/null
}

# A TLS endpoint answers a handshake (certificate deliberately not verified:
# these endpoints exist to fail verification).
tls_endpoint_ok() { curl -fsSk --max-time 5 "https://$HOST:$1/" >/dev/null; }

# --------------------------------------------------------------------------
# install
# --------------------------------------------------------------------------
pkg_installed() { [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]; }

cmd_install() {
    local missing=() pkg
    for pkg in "${PACKAGES[@]}"; do
        pkg_installed "$pkg" || missing+=("$pkg")
    done
    if (( ${#missing[@]} == 0 )); then
        return 0
    fi
    need_root install
    log "installing missing packages: ${missing[*]}"
    local apt_log; apt_log=$(mktemp /tmp/wharf-fleet-apt.XXXXXX)
    # Wait for another apt/dpkg (another engineer's install) instead of failing.
    local update=(apt-get -qq -o DPkg::Lock::Timeout=300 update)
    local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -y -qq --no-install-recommends
               -o DPkg::Lock::Timeout=300
               -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
    # Refresh the package lists only if apt does not know a package yet.
    local need_update=0
    for pkg in "${missing[@]}"; do
        apt-cache show "$pkg" >/dev/null 2>&1 || need_update=1
    done
    if (( need_update )); then
        "${update[@]}" >>"$apt_log" 2>&1 || die_with_log "apt-get update failed" "$apt_log"
    fi
    if ! "${apt[@]}" install "${missing[@]}" >>"$apt_log" 2>&1; then
        # Stale lists make downloads 404: refresh once and retry.
        if (( ! need_update )); then
            log "install failed; refreshing package lists and retrying"
            "${update[@]}" >>"$apt_log" 2>&1 || die_with_log "apt-get update failed" "$apt_log"
            "${apt[@]}" install "${missing[@]}" >>"$apt_log" 2>&1 ||
                die_with_log "apt-get install ${missing[*]} failed" "$apt_log"
        else
            die_with_log "apt-get install ${missing[*]} failed" "$apt_log"
        fi
    fi
    rm -f "$apt_log"
    log "installed: ${missing[*]}"
}

check_tools() {
    local tool
    for tool in "$DOCKERD" "$DOCKER" "$REGISTRY_BIN" "$BUSYBOX_BIN" /usr/bin/containerd /usr/sbin/runc; do
        [[ -x $tool ]] || die "$tool is missing; run: $0 install"
    done
    for tool in openssl curl flock setsid md5sum; do
        command -v "$tool" >/dev/null 2>&1 || die "$tool is missing; run: $0 install"
    done
    # A dynamically linked busybox would not run in a FROM scratch image.
    if ldd "$BUSYBOX_BIN" >/dev/null 2>&1; then
        die "$BUSYBOX_BIN is dynamically linked; install busybox-static"
    fi
}

# --------------------------------------------------------------------------
# TLS material
# --------------------------------------------------------------------------
# Dates for `openssl ca` (OpenSSL 3.0's x509 cannot set arbitrary dates).
ca_date() { date -u -d "$1" +%Y%m%d%H%M%SZ; }

# Write an `openssl ca` config for the CA folder $1.
write_ca_config() {
    local cadir=$1
    mkdir -p "$cadir/newcerts"
    : > "$cadir/index.txt"
    cat > "$cadir/ca.cnf" <<EOF
[ ca ]
default_ca = fleet_ca

[ fleet_ca ]
dir            = $cadir
database       = \$dir/index.txt
new_certs_dir  = \$dir/newcerts
rand_serial    = yes
default_md     = sha256
policy         = policy_any
unique_subject = no
email_in_dn    = no
copy_extensions = none

[ policy_any ]
commonName = supplied

[ req ]
distinguished_name = req_dn
prompt = no

[ req_dn ]
CN = placeholder

[ ext_ca ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ ext_server ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectAltName         = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid

[ ext_mismatch ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:wrong.example
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid

[ ext_client ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
EOF
}

new_key() { (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null); }

# new_ca NAME CN -> $TLS/NAME.pem, $TLS/NAME-key.pem (valid from 7 days ago,
# so the "expired" leaf lies inside the CA's own validity)
new_ca() {
    local name=$1 cn=$2 cadir=$TLS/$1.d
    write_ca_config "$cadir"
    new_key "$TLS/$name-key.pem"
    openssl req -new -config "$cadir/ca.cnf" -key "$TLS/$name-key.pem" -subj "/CN=$cn" \
        -out "$cadir/ca.csr"
    openssl ca -batch -notext -config "$cadir/ca.cnf" -selfsign -keyfile "$TLS/$name-key.pem" \
        -in "$cadir/ca.csr" -out "$TLS/$name.pem" -extensions ext_ca \
        -startdate "$(ca_date '-7 days')" -enddate "$(ca_date '+1 year')" 2>/dev/null
}

# new_leaf CA NAME CN EXT [START END] -> $TLS/NAME-cert.pem, $TLS/NAME-key.pem
new_leaf() {
    local ca=$1 name=$2 cn=$3 ext=$4
    local start=${5:-$(ca_date '-1 hour')} end=${6:-$(ca_date '+1 year')}
    local cadir=$TLS/$ca.d
    new_key "$TLS/$name-key.pem"
    openssl req -new -config "$cadir/ca.cnf" -key "$TLS/$name-key.pem" -subj "/CN=$cn" \
        -out "$cadir/$name.csr"
    openssl ca -batch -notext -config "$cadir/ca.cnf" -cert "$TLS/$ca.pem" -keyfile "$TLS/$ca-key.pem" \
        -in "$cadir/$name.csr" -out "$TLS/$name-cert.pem" -extensions "$ext" \
        -startdate "$start" -enddate "$end" 2>/dev/null
}

make_tls() {
    mkdir -p "$TLS"
    chmod 700 "$TLS"
    new_ca ca "Wharf Test CA"
    new_leaf ca server  "127.0.0.1"        ext_server
    new_leaf ca client  "wharf-test-client" ext_client
    new_leaf ca expired "127.0.0.1"        ext_server "$(ca_date '-3 days')" "$(ca_date '-1 day')"
    new_leaf ca mismatch "wrong.example"   ext_mismatch
    new_ca wrong-ca "Wharf Wrong CA"
    new_leaf wrong-ca wrong-client "wharf-wrong-client" ext_client
    # DOCKER_CERT_PATH layout for using the docker CLI against engine B by hand.
    mkdir -p "$TLS/docker-client"
    ln -sf ../ca.pem "$TLS/docker-client/ca.pem"
    ln -sf ../client-cert.pem "$TLS/docker-client/cert.pem"
    ln -sf ../client-key.pem "$TLS/docker-client/key.pem"
    chmod 600 "$TLS"/*-key.pem
    # Sanity: the good chain verifies, the expired one is expired.
    openssl verify -CAfile "$TLS/ca.pem" "$TLS/server-cert.pem" "$TLS/client-cert.pem" \
        "$TLS/mismatch-cert.pem" >/dev/null || die "generated TLS chain does not verify"
    if openssl verify -CAfile "$TLS/ca.pem" "$TLS/expired-cert.pem" >/dev/null 2>&1; then
        die "the 'expired' certificate verifies; check the clock"
    fi
}

# --------------------------------------------------------------------------
# Components
# --------------------------------------------------------------------------
# Launch a long-running component detached from our session (so a Ctrl-C in
# the test command does not kill the fleet) and record its PID.
launch() {
    local name=$1 logfile=$2; shift 2
    (
        # Daemons must not inherit our other fds: the lock (fd 9) would stay
        # held forever, and a caller's pipe would never see EOF, e.g. in
        # out=$(fleet.sh start) or a test runner reading our output.
        local fd
        for fd in /proc/"$BASHPID"/fd/*; do
            fd=${fd##*/}
            if (( fd > 2 )); then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        exec setsid "$@" </dev/null >>"$logfile" 2>&1
    ) &
    echo $! > "$PIDS/$name.pid"
}

start_engine() {
    local e=$1 dir; dir=$(engine_dir "$e")
    mkdir -p "$dir"
    # A private daemon.json: keeps /etc/docker/daemon.json out, and moves the
    # engine key (engine ID) into the engine's folder.
    printf '{\n  "deprecated-key-path": "%s/key.json"\n}\n' "$dir" > "$dir/daemon.json"
    local args=(
        --config-file "$dir/daemon.json"
        --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid"
        --storage-driver vfs --iptables=false --ip-forward=false --bridge=none
        --cgroup-parent "$(engine_cgroup "$e")"
        --shutdown-timeout 5
    )
    case $e in
        a) args+=(-H "unix://$dir/docker.sock") ;;
        b) args+=(-H "tcp://$HOST:$PORT_B" --tlsverify --tlscacert "$TLS/ca.pem"
                  --tlscert "$TLS/server-cert.pem" --tlskey "$TLS/server-key.pem") ;;
        c) args+=(-H "tcp://$HOST:$PORT_C") ;;
    esac
    launch "engine-$e" "$LOGS/engine-$e.log" "$DOCKERD" "${args[@]}"
}

engine_ready() {
    local e=$1
    wait_ready "engine $e" "$(read_pid "$PIDS/engine-$e.pid")" "$LOGS/engine-$e.log" \
        curl_engine "$e" /_ping
    # Remember the containerd dockerd spawned: it can outlive a killed dockerd.
    local cpid; cpid=$(read_pid "$(engine_exec "$e")/containerd/containerd.pid")
    [[ -n $cpid ]] && echo "$cpid" > "$PIDS/engine-$e-containerd.pid"
    return 0
}

# write_registry_config DIR PORT [AUTH_BLOCK]: a docker-registry config storing under DIR/data.
write_registry_config() {
    local dir=$1 port=$2 auth=${3:-}
    mkdir -p "$dir/data"
    cat > "$dir/config.yml" <<EOF
version: 0.1
log:
  level: info
  formatter: text
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: $HOST:$port
  secret: wharf-fleet-not-a-secret
  headers:
    X-Content-Type-Options: [nosniff]
$auth
EOF
}

start_registry() {
    write_registry_config "$D/registry" "$PORT_REGISTRY"
    launch registry "$LOGS/registry.log" "$REGISTRY_BIN" serve "$D/registry/config.yml"
}

# A second registry that wants a login (htpasswd with bcrypt, the only hash distribution
# accepts), for pushes and pulls with credentials. The password is made here, at each start.
start_auth_registry() {
    local dir=$D/auth-registry
    mkdir -p "$dir"
    (umask 077 && openssl rand -hex 16 > "$dir/password")
    htpasswd -Bbn "$AUTH_REGISTRY_USER" "$(cat "$dir/password")" > "$dir/htpasswd" 2>/dev/null ||
        die "htpasswd could not make $dir/htpasswd; run: $0 install"
    write_registry_config "$dir" "$PORT_AUTH_REGISTRY" "auth:
  htpasswd:
    realm: wharf-fleet
    path: $dir/htpasswd"
    launch auth-registry "$LOGS/auth-registry.log" "$REGISTRY_BIN" serve "$dir/config.yml"
}

start_tls_endpoint() {
    local name=$1 port=$2
    # -www answers GET / with a status page, so a client that skips
    # verification gets a real HTTP response; -quiet keeps the log small.
    launch "tls-$name" "$LOGS/tls-$name.log" openssl s_server -quiet -www \
        -accept "$HOST:$port" -cert "$TLS/$name-cert.pem" -key "$TLS/$name-key.pem"
}

# --------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------
build_images() {
    local img=$D/images ilog=$LOGS/images.log
    mkdir -p "$img/busybox/bin" "$img/bigdata"

    # busybox: FROM scratch, /bin/busybox + applet symlinks, sent as a tar context.
    cp "$BUSYBOX_BIN" "$img/busybox/bin/busybox"
    local applet
    for applet in "${BUSYBOX_APPLETS[@]}"; do ln -s busybox "$img/busybox/bin/$applet"; done
    cat > "$img/busybox/Dockerfile" <<'EOF'
FROM scratch
COPY bin/ /bin/
LABEL org.opencontainers.image.title="wharf-test busybox" com.wharf.test="busybox"
CMD ["/bin/sh"]
EOF
    tar -C "$img/busybox" -cf "$img/busybox-context.tar" .
    docker_cli a build -q -t "$IMAGE_BUSYBOX" - < "$img/busybox-context.tar" >>"$ilog" 2>&1 ||
        die_with_log "building $IMAGE_BUSYBOX failed" "$ilog"

    # bigdata: several layers of incompressible data, so a pull shows real
    # per-layer progress.
    {
        echo "FROM $IMAGE_BUSYBOX"
        local i
        for (( i = 1; i <= BIGDATA_LAYERS; i++ )); do
            head -c $(( BIGDATA_LAYER_MB * 1024 * 1024 )) /dev/urandom > "$img/bigdata/layer$i.bin"
            echo "COPY layer$i.bin /data/layer$i.bin"
        done
        echo 'LABEL com.wharf.test="bigdata"'
    } > "$img/bigdata/Dockerfile"
    docker_cli a build -q -t "$IMAGE_BIGDATA" "$img/bigdata" >>"$ilog" 2>&1 ||
        die_with_log "building $IMAGE_BIGDATA failed" "$ilog"
    rm -f "$img/bigdata"/layer*.bin
}

push_images() {
    local ilog=$LOGS/images.log
    docker_cli a tag "$IMAGE_BUSYBOX" "$IMAGE_BUSYBOX_REMOTE"
    docker_cli a push "$IMAGE_BUSYBOX_REMOTE" >>"$ilog" 2>&1 || die_with_log "push $IMAGE_BUSYBOX_REMOTE failed" "$ilog"
    docker_cli a push "$IMAGE_BIGDATA" >>"$ilog" 2>&1 || die_with_log "push $IMAGE_BIGDATA failed" "$ilog"
    # Engines keep only the local busybox name; bigdata exists only in the
    # registry so tests pull it fresh.
    docker_cli a rmi "$IMAGE_BUSYBOX_REMOTE" "$IMAGE_BIGDATA" >>"$ilog" 2>&1 ||
        die_with_log "removing pushed tags from engine A failed" "$ilog"
    # BuildKit's cache still holds the bigdata layers (~150 MB with vfs).
    docker_cli a builder prune -af >>"$ilog" 2>&1 || warn "could not prune engine A's build cache"
}

load_busybox() {
    local e=$1 ilog=$LOGS/images.log
    docker_cli a save "$IMAGE_BUSYBOX" | docker_cli "$e" load -q >>"$ilog" 2>&1 ||
        die_with_log "loading $IMAGE_BUSYBOX into engine $e failed" "$ilog"
}

# Proves the runtime works in this engine (namespaces, cgroups, rootfs).
smoke_run() {
    local e=$1 out
    out=$(docker_cli "$e" run --rm --network none "$IMAGE_BUSYBOX" /bin/echo ok 2>&1) ||
        { printf '%s\n' "$out" >&2; die_with_log "a container does not run in engine $e" "$LOGS/engine-$e.log"; }
    [[ $out == ok ]] || die "engine $e: container printed '$out' instead of 'ok'"
}

# --------------------------------------------------------------------------
# env
# --------------------------------------------------------------------------
write_env() {
    local tmp=$ENV_FILE.tmp
    {
        emit() { printf 'export %s=%q\n' "$1" "$2"; }
        emit WHARF_FLEET_DIR "$D"
        emit WHARF_TEST_ENGINE_A "$(engine_host a)"
        emit WHARF_TEST_ENGINE_B "$(engine_host b)"
        emit WHARF_TEST_ENGINE_C "$(engine_host c)"
        emit WHARF_TEST_TLS_DIR "$TLS"
        emit WHARF_TEST_TLS_CA "$TLS/ca.pem"
        emit WHARF_TEST_TLS_CLIENT_CERT "$TLS/client-cert.pem"
        emit WHARF_TEST_TLS_CLIENT_KEY "$TLS/client-key.pem"
        emit WHARF_TEST_TLS_WRONG_CA "$TLS/wrong-ca.pem"
        emit WHARF_TEST_TLS_WRONG_CLIENT_CERT "$TLS/wrong-client-cert.pem"
        emit WHARF_TEST_TLS_WRONG_CLIENT_KEY "$TLS/wrong-client-key.pem"
        emit WHARF_TEST_TLS_EXPIRED_ADDR "$HOST:$PORT_EXPIRED"
        emit WHARF_TEST_TLS_MISMATCH_ADDR "$HOST:$PORT_MISMATCH"
        emit WHARF_TEST_REGISTRY "$HOST:$PORT_REGISTRY"
        emit WHARF_TEST_AUTH_REGISTRY "$HOST:$PORT_AUTH_REGISTRY"
        emit WHARF_TEST_AUTH_REGISTRY_USER "$AUTH_REGISTRY_USER"
        emit WHARF_TEST_AUTH_REGISTRY_PASSWORD "$(cat "$D/auth-registry/password")"
        emit WHARF_TEST_IMAGE_BUSYBOX "$IMAGE_BUSYBOX"
        emit WHARF_TEST_IMAGE_BUSYBOX_REMOTE "$IMAGE_BUSYBOX_REMOTE"
        emit WHARF_TEST_IMAGE_BIGDATA "$IMAGE_BIGDATA"
        emit WHARF_TEST_BUSYBOX_BIN "$BUSYBOX_BIN"
    } > "$tmp"
    mv "$tmp" "$ENV_FILE"
}

# Values of the running fleet come from its env file (ports may have been
# overridden when it was started), not from this shell's defaults.
load_fleet_env() {
    [[ -r $ENV_FILE ]] || return 1
    local line name value
    while IFS= read -r line; do
        [[ $line =~ ^export\ (WHARF_[A-Z_]+)=(.*)$ ]] || continue
        name=${BASH_REMATCH[1]}; value=${BASH_REMATCH[2]}
        case $name in
            WHARF_TEST_ENGINE_B)          PORT_B=${value##*:} ;;
            WHARF_TEST_ENGINE_C)          PORT_C=${value##*:} ;;
            WHARF_TEST_REGISTRY)          PORT_REGISTRY=${value##*:} ;;
            WHARF_TEST_AUTH_REGISTRY)     PORT_AUTH_REGISTRY=${value##*:} ;;
            WHARF_TEST_TLS_EXPIRED_ADDR)  PORT_EXPIRED=${value##*:} ;;
            WHARF_TEST_TLS_MISMATCH_ADDR) PORT_MISMATCH=${value##*:} ;;
        esac
    done < "$ENV_FILE"
    IMAGE_BUSYBOX_REMOTE="$HOST:$PORT_REGISTRY/wharf-test/busybox:latest"
    IMAGE_BIGDATA="$HOST:$PORT_REGISTRY/wharf-test/bigdata:latest"
}

# --------------------------------------------------------------------------
# Health (used by status and by start to decide whether to reuse)
# --------------------------------------------------------------------------
# Each check prints one status line; returns non-zero if unhealthy.
check_component() {
    local name=$1 needle=$2 detail=$3; shift 3
    local pid; pid=$(read_pid "$PIDS/$name.pid")
    if ! pid_matches "$pid" "$needle"; then
        printf '  %-13s stopped\n' "$name"
        return 1
    fi
    if "$@" >/dev/null 2>&1; then
        printf '  %-13s running  pid %-7s %s\n' "$name" "$pid" "$detail"
    else
        printf '  %-13s UNHEALTHY pid %-7s %s (not answering)\n' "$name" "$pid" "$detail"
        return 1
    fi
}

engine_healthy() {
    local e=$1
    curl_engine "$e" /_ping >/dev/null &&
        curl_engine "$e" "/images/$IMAGE_BUSYBOX/json" >/dev/null
}

bigdata_in_registry() {
    curl -fsS --max-time 5 -o /dev/null -I \
        -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
        "http://$HOST:$PORT_REGISTRY/v2/wharf-test/bigdata/manifests/latest"
}

fleet_report() {
    local ok=0 e
    for e in "${ENGINES[@]}"; do
        check_component "engine-$e" "$(engine_exec "$e")" "$(engine_host "$e")" engine_healthy "$e" || ok=1
    done
    check_component registry "$D/registry/config.yml" "$HOST:$PORT_REGISTRY" bigdata_in_registry || ok=1
    check_component auth-registry "$D/auth-registry/config.yml" "$HOST:$PORT_AUTH_REGISTRY" auth_registry_ok || ok=1
    check_component tls-expired "$TLS/expired-cert.pem" "$HOST:$PORT_EXPIRED" tls_endpoint_ok "$PORT_EXPIRED" || ok=1
    check_component tls-mismatch "$TLS/mismatch-cert.pem" "$HOST:$PORT_MISMATCH" tls_endpoint_ok "$PORT_MISMATCH" || ok=1
    return $ok
}

fleet_healthy() {
    [[ -f $D/$MARKER && -r $ENV_FILE ]] || return 1
    fleet_report >/dev/null 2>&1
}

# --------------------------------------------------------------------------
# stop
# --------------------------------------------------------------------------
# All PIDs of processes whose command line mentions the fleet folder. Used as
# a last sweep (shims, a containerd whose PID file was never written, ...).
fleet_processes() {
    local p argv exe
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        [[ $p == "$$" || $p == "$BASHPID" ]] && continue
        mapfile -d "" -t argv 2>/dev/null < "/proc/$p/cmdline" || continue
        (( ${#argv[@]} > 1 )) || continue
        exe=${argv[0]##*/}
        case $exe in
            dockerd|containerd|containerd-shim*|docker-registry|openssl) ;;
            *) continue ;;
        esac
        [[ " ${argv[*]:1} " == *" $D/"* ]] && echo "$p"
    done
    return 0
}

# PIDs still inside an engine's container cgroups (container processes whose
# shim is gone are reparented to init and would otherwise run forever).
cgroup_processes() {
    local cg=$1 dir
    while IFS= read -r dir; do
        cat "$dir/cgroup.procs" 2>/dev/null || true
    done < <(find /sys/fs/cgroup -maxdepth 8 -type d -path "*/$cg/*" 2>/dev/null) | sort -u
}

remove_cgroups() {
    local cg=$1
    find /sys/fs/cgroup -maxdepth 8 -depth -type d \( -name "$cg" -o -path "*/$cg/*" \) \
        -exec rmdir {} \; 2>/dev/null || true
}

# Mount points at or under the fleet folder, deepest first.
fleet_mounts() {
    awk -v d="$D" '{ m = $5; gsub(/\\040/, " ", m); if (m == d || index(m, d "/") == 1) print length(m) "\t" m }' \
        /proc/self/mountinfo | sort -rn | cut -f2-
}

kill_running_containers() {
    local e=$1 ids id
    ids=$(curl_engine "$e" /containers/json 2>/dev/null | grep -o '"Id":"[0-9a-f]\{64\}"' | cut -d'"' -f4) || true
    for id in $ids; do
        curl_engine "$e" "/containers/$id/kill" -X POST >/dev/null 2>&1 || true
    done
}

do_stop() {
    if [[ ! -d $D ]]; then
        return 0
    fi
    [[ -f $D/$MARKER ]] || die "$D exists but is not a fleet folder (no $MARKER); not touching it"
    load_fleet_env || true
    local e pid

    # 1. Kill containers first: dockerd would otherwise give each one its stop
    #    timeout during shutdown.
    # (Wait on these PIDs only: after a failed start, the daemons are our
    # children too, and a bare `wait` would wait for them forever.)
    local jobs=()
    for e in "${ENGINES[@]}"; do kill_running_containers "$e" & jobs+=($!); done
    wait_all "${jobs[@]}" || true

    # 2. Engines in parallel (each stops its own containerd when it exits cleanly).
    jobs=()
    for e in "${ENGINES[@]}"; do
        stop_pid "engine $e" "$(read_pid "$PIDS/engine-$e.pid")" "$(engine_exec "$e")" 20 &
        jobs+=($!)
    done
    wait_all "${jobs[@]}" || true
    for e in "${ENGINES[@]}"; do
        stop_pid "containerd of engine $e" "$(read_pid "$PIDS/engine-$e-containerd.pid")" "$(engine_exec "$e")" 10
    done

    # 3. Registry and TLS endpoints.
    stop_pid registry "$(read_pid "$PIDS/registry.pid")" "$D/registry/config.yml" 10
    stop_pid auth-registry "$(read_pid "$PIDS/auth-registry.pid")" "$D/auth-registry/config.yml" 10
    stop_pid tls-expired "$(read_pid "$PIDS/tls-expired.pid")" "$TLS/expired-cert.pem" 5
    stop_pid tls-mismatch "$(read_pid "$PIDS/tls-mismatch.pid")" "$TLS/mismatch-cert.pem" 5

    # 4. Anything of ours that is still alive: shims (-address <our exec-root>),
    #    a containerd we never recorded, container processes in our cgroups.
    local left; left=$(fleet_processes)
    for pid in $left; do
        warn "killing leftover process $pid: $(tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline" | cut -c1-120)"
        kill -KILL "$pid" 2>/dev/null || true
    done
    for e in "${ENGINES[@]}"; do
        for pid in $(cgroup_processes "$(engine_cgroup "$e")"); do
            warn "killing leftover container process $pid of engine $e"
            kill -KILL "$pid" 2>/dev/null || true
        done
    done
    # Killed processes take a moment to leave their cgroups and mounts.
    local deadline=$(( $(now_ms) + 5000 ))
    while [[ -n $(fleet_processes) ]] && (( $(now_ms) < deadline )); do sleep 0.05; done
    for e in "${ENGINES[@]}"; do remove_cgroups "$(engine_cgroup "$e")"; done

    # 5. Mounts dockerd left behind (only after an unclean stop).
    local m
    while IFS= read -r m; do
        [[ -n $m ]] || continue
        warn "unmounting leftover mount $m"
        umount "$m" 2>/dev/null || umount -l "$m" || warn "could not unmount $m"
    done < <(fleet_mounts)
    if [[ -n $(fleet_mounts) ]]; then
        die "mounts remain under $D; not removing it:"$'\n'"$(fleet_mounts)"
    fi

    # 6. The folder. --one-file-system: never follow into a mount we missed.
    rm -rf --one-file-system "$D"
    log "removed $D"
}

# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------
# start/stop serialise on a lock beside the folder (the folder itself goes away).
take_lock() {
    local mode=$1 lock=$FLEET_DIR.lock
    if [[ $mode == -s && ! -w $lock ]]; then
        return 0    # read-only use (e.g. env as another user): no lock needed
    fi
    exec 9>>"$lock"
    flock "$mode" -w 600 9 || die "timed out waiting for another fleet.sh holding $lock"
}

on_start_exit() {
    local rc=$?
    trap - EXIT INT TERM
    # A signal may land while a function runs with its output redirected to a
    # log; talk to the caller's stdout/stderr again.
    exec 1>&7 2>&8
    if (( rc != 0 )); then
        if [[ -d $LOGS ]]; then
            rm -rf "$D-failed-logs"
            cp -r "$LOGS" "$D-failed-logs" 2>/dev/null && log "logs of the failed start kept in $D-failed-logs"
        fi
        log "start failed; stopping what was started"
        do_stop || true
    fi
    exit "$rc"
}

cmd_start() {
    need_root start
    cmd_install
    check_tools
    take_lock -x
    local t0; t0=$(now_ms)

    if fleet_healthy; then
        log "reusing the running fleet in $D"
        cat "$ENV_FILE"
        return 0
    fi
    if [[ -e $D ]]; then
        log "found an incomplete or stale fleet in $D; stopping it first"
        do_stop
    fi

    local name port
    for name in B:$PORT_B C:$PORT_C registry:$PORT_REGISTRY auth-registry:$PORT_AUTH_REGISTRY tls-expired:$PORT_EXPIRED tls-mismatch:$PORT_MISMATCH; do
        port=${name#*:}
        if ! [[ $port =~ ^[0-9]+$ ]] || (( port < 1 || port > 65535 )); then
            die "bad port for ${name%%:*}: '$port'"
        fi
        if port_in_use "$port"; then
            die "port $HOST:$port (for ${name%%:*}) is already in use by $(port_owner "$port"); stop it or set the WHARF_FLEET_*_PORT override"
        fi
    done

    trap on_start_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    mkdir -p "$D"
    echo "wharf-fleet $FLEET_ID" > "$D/$MARKER"
    mkdir -p "$LOGS" "$PIDS" "$D/docker-cli"

    log "generating TLS material"
    make_tls

    log "starting engines A, B, C, the registry and the TLS endpoints"
    local e
    for e in "${ENGINES[@]}"; do start_engine "$e"; done
    start_registry
    start_auth_registry
    start_tls_endpoint expired "$PORT_EXPIRED"
    start_tls_endpoint mismatch "$PORT_MISMATCH"

    for e in "${ENGINES[@]}"; do engine_ready "$e"; done
    wait_ready registry "$(read_pid "$PIDS/registry.pid")" "$LOGS/registry.log" registry_ok
    wait_ready auth-registry "$(read_pid "$PIDS/auth-registry.pid")" "$LOGS/auth-registry.log" auth_registry_ok
    wait_ready tls-expired "$(read_pid "$PIDS/tls-expired.pid")" "$LOGS/tls-expired.log" tls_endpoint_ok "$PORT_EXPIRED"
    wait_ready tls-mismatch "$(read_pid "$PIDS/tls-mismatch.pid")" "$LOGS/tls-mismatch.log" tls_endpoint_ok "$PORT_MISMATCH"
    log "all components answer"

    log "building images in engine A"
    build_images
    # Independent steps overlap: push from A, copy busybox A->B and A->C, and
    # prove that containers run.
    log "pushing to the registry, loading busybox into B and C, running containers"
    local jobs=()
    push_images & jobs+=($!)
    smoke_run a & jobs+=($!)
    load_busybox b & jobs+=($!)
    load_busybox c & jobs+=($!)
    wait_all "${jobs[@]}" || die "preparing images failed (see above)"
    jobs=()
    smoke_run b & jobs+=($!)
    smoke_run c & jobs+=($!)
    wait_all "${jobs[@]}" || die "a container did not run (see above)"

    write_env
    trap - EXIT INT TERM
    log "fleet ready in $(elapsed "$t0"); logs in $LOGS"
    cat "$ENV_FILE"
}

cmd_stop() {
    need_root stop
    take_lock -x
    if [[ ! -d $D ]]; then
        log "no fleet in $D"
    fi
    do_stop
    # Keep the lock file: removing it could race with a waiting start.
}

# Stops one engine the way an operator restarting it would (its running containers are killed
# first, as stop does, so the shutdown is quick), then starts it again on the same data, socket
# or port, and waits until it answers. Tests use it to prove that event streams survive it.
cmd_restart() {
    need_root restart
    local e=$1
    [[ $e == a || $e == b || $e == c ]] || die "usage: $0 restart a|b|c"
    take_lock -x
    [[ -f $D/$MARKER && -r $ENV_FILE ]] || die "no running fleet in $D; run: $0 start"
    load_fleet_env || true
    local t0; t0=$(now_ms)
    kill_running_containers "$e"
    stop_pid "engine $e" "$(read_pid "$PIDS/engine-$e.pid")" "$(engine_exec "$e")" 20
    stop_pid "containerd of engine $e" "$(read_pid "$PIDS/engine-$e-containerd.pid")" "$(engine_exec "$e")" 10
    start_engine "$e"
    engine_ready "$e"
    log "engine $e restarted in $(elapsed "$t0")"
}

cmd_status() {
    if [[ ! -f $D/$MARKER ]]; then
        echo "fleet: not started ($D)"
        return 1
    fi
    load_fleet_env || true
    echo "fleet: $D"
    if fleet_report; then
        echo "fleet: healthy"
    else
        echo "fleet: NOT healthy (logs in $LOGS)"
        return 1
    fi
}

cmd_env() {
    take_lock -s
    if [[ ! -r $ENV_FILE ]]; then
        die "no running fleet in $D; run: $0 start"
    fi
    cat "$ENV_FILE"
}

# Start (or reuse) the fleet and run a command with its environment. The
# fleet stays up afterwards, so repeated runs are fast; `stop` ends it.
cmd_run() {
    (( $# > 0 )) || die "usage: $0 run [--] COMMAND [ARGS...]"
    local env_text
    env_text=$(cmd_start) || exit 1
    eval "$env_text"
    exec 7>&- 8>&-
    exec "$@"
}

usage() {
    cat >&2 <<EOF
usage: $0 install|start|stop|status|env|restart ENGINE|run [--] COMMAND...

  install  install missing Debian packages (${PACKAGES[*]})
  start    start the test fleet (reuses a healthy one) and print its env
  stop     stop everything start started and remove $FLEET_DIR
  status   report each component; exit 0 only if all are healthy
  env      print export lines:  eval "\$($0 env)"
  restart  stop one engine (a, b or c) and start it again on the same data
  run      start (or reuse) the fleet, then run COMMAND with its env,
           e.g.  $0 run -- swift test

Environment: WHARF_FLEET_DIR (default /tmp/wharf-fleet),
  WHARF_FLEET_ENGINE_B_PORT (23760), WHARF_FLEET_ENGINE_C_PORT (23750),
  WHARF_FLEET_REGISTRY_PORT (5000), WHARF_FLEET_TLS_EXPIRED_PORT (23761),
  WHARF_FLEET_TLS_MISMATCH_PORT (23762), WHARF_FLEET_AUTH_REGISTRY_PORT
  (engine B's port + 3), WHARF_FLEET_READY_TIMEOUT (60 s)
EOF
}

main() {
    local cmd=${1:-}
    (( $# > 0 )) && shift
    case $cmd in
        install|start|stop|status|env) (( $# == 0 )) || { usage; return 2; } ;;
        restart) (( $# == 1 )) || { usage; return 2; } ;;
        run) [[ ${1:-} == -- ]] && shift ;;
        -h|--help|help) usage; return 0 ;;
        *) usage; return 2 ;;
    esac
    exec 7>&1 8>&2      # the caller's stdout/stderr, see on_start_exit
    check_fleet_dir
    set_paths
    "cmd_$cmd" "$@"
}

main "$@"
