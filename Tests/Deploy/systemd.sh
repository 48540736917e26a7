#!/usr/bin/env bash
# Checks deploy/systemd/wharf.service: `systemd-analyze verify` must be silent (it exits 0 even
# for unknown keys, so any output fails), the issue's directives must be there, and the offline
# security analysis must rate it 3.0 or better ("OK"). ExecStart points at the built binary,
# since verify checks that the program exists.
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=${1:-.build/debug/wharf}
unit=deploy/systemd/wharf.service
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s#/usr/local/bin/wharf#$(realpath "$binary")#" "$unit" > "$work/wharf.service"

output=$(systemd-analyze verify "$work/wharf.service" 2>&1) || { echo "systemd.sh: verify failed:"; echo "$output"; exit 1; }
if [ -n "$output" ]; then echo "systemd.sh: systemd-analyze verify complained:"; echo "$output"; exit 1; fi

for directive in 'User=wharf' 'SupplementaryGroups=docker' 'StateDirectory=wharf' 'ProtectSystem=strict' 'PrivateTmp=yes' \
  'NoNewPrivileges=yes' 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' 'SystemCallFilter=@system-service' \
  'Restart=on-failure' 'ExecReload=/bin/kill -HUP $MAINPID'; do
  grep -qxF "$directive" "$unit" || { echo "systemd.sh: $unit lacks $directive"; exit 1; }
done

if ! security=$(systemd-analyze security --offline=yes --threshold=30 "$work/wharf.service" 2>&1); then
  echo "$security" | tail -5
  echo "systemd.sh: the unit's exposure is above 3.0"
  exit 1
fi
echo "systemd.sh: wharf.service verified; $(echo "$security" | grep -o 'Overall exposure level.*')"

# The HTTPS drop-in (port 443 served directly): the unit with it appended, as systemd merges a
# drop-in's [Service] settings after the unit's. Same checks; the one capability it adds is
# CAP_NET_BIND_SERVICE.
dropin=deploy/systemd/wharf-https.conf
mkdir -p "$work/https"
sed '/^\[Install\]/,$d' "$work/wharf.service" > "$work/https/wharf.service"
grep -v '^#' "$dropin" | grep -v '^\[Service\]' >> "$work/https/wharf.service"
printf '\n[Install]\nWantedBy=multi-user.target\n' >> "$work/https/wharf.service"
output=$(systemd-analyze verify "$work/https/wharf.service" 2>&1) || { echo "systemd.sh: verify with $dropin failed:"; echo "$output"; exit 1; }
if [ -n "$output" ]; then echo "systemd.sh: systemd-analyze verify complained with $dropin:"; echo "$output"; exit 1; fi
for directive in 'CapabilityBoundingSet=CAP_NET_BIND_SERVICE' 'AmbientCapabilities=CAP_NET_BIND_SERVICE'; do
  grep -qxF "$directive" "$dropin" || { echo "systemd.sh: $dropin lacks $directive"; exit 1; }
done
if ! security=$(systemd-analyze security --offline=yes --threshold=30 "$work/https/wharf.service" 2>&1); then
  echo "$security" | tail -5
  echo "systemd.sh: the unit's exposure with $dropin is above 3.0"
  exit 1
fi
echo "systemd.sh: with $dropin verified; $(echo "$security" | grep -o 'Overall exposure level.*')"
