#!/usr/bin/env bash
# Makes the build context of deploy/container/Dockerfile in DIR from a built wharf binary:
#   deploy/container/context.sh BINARY DIR
# DIR gets the Dockerfile, rootfs/ (the binary, every shared library `ldd` says it loads, the
# dynamic loader, Templates/, Public/, migrations/, /etc/passwd and /etc/group naming the wharf
# user 65532, an empty /tmp) and data/ (the data directory, mode 0700). Use a release build
# (`swift build -c release --static-swift-stdlib --product wharf`): it carries the Swift runtime,
# so only libc, libssl, libcrypto and libsqlite3 are copied; a debug build works too, with the
# Swift runtime's libraries copied beside it.
set -euo pipefail
binary=$1
out=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$out"
mkdir -p "$out/rootfs/usr/local/bin" "$out/rootfs/usr/local/share/wharf" "$out/rootfs/etc" "$out/rootfs/tmp" "$out/data"
chmod 1777 "$out/rootfs/tmp"
chmod 0700 "$out/data"
cp "$root/deploy/container/Dockerfile" "$out/Dockerfile"
install -m 0755 "$binary" "$out/rootfs/usr/local/bin/wharf"
cp -R "$root/Templates" "$root/Public" "$root/migrations" "$out/rootfs/usr/local/share/wharf/"
# Each library at the path the loader looks for it (symlinks resolved), and the loader itself.
ldd "$binary" | awk '/=> \// { print $3 } /^[[:space:]]*\/[^ ]*ld-linux/ { print $1 }' | sort -u | while read -r library; do
  mkdir -p "$out/rootfs$(dirname "$library")"
  cp -L "$library" "$out/rootfs$library"
done
if ldd "$binary" | grep -q "not found"; then
  echo "context.sh: $binary needs a library that is not installed:" >&2
  ldd "$binary" | grep "not found" >&2
  exit 1
fi
printf 'root:x:0:0:root:/:/nonexistent\nwharf:x:65532:65532:wharf:/var/lib/wharf:/nonexistent\n' > "$out/rootfs/etc/passwd"
printf 'root:x:0:\nwharf:x:65532:\n' > "$out/rootfs/etc/group"
echo "context.sh: context in $out ($(du -sh "$out" | cut -f1))" >&2
