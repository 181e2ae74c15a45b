#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# harness/initramfs.sh <out.cpio.gz> <payload> [binaries...]
# Build a gzip'ed newc initramfs: static busybox + applet symlinks,
# harness/guest/init as /init, /etc/payload, and the given binaries
# (payload "selftests": put in /selftests/; "demo": put in /bin/).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=${1:?usage: initramfs.sh <out.cpio.gz> <payload> [binaries...]}
payload=${2:?payload}
shift 2
BUSYBOX=${BUSYBOX:-/bin/busybox}
file -L "$BUSYBOX" | grep -q 'statically linked' || die "$BUSYBOX is not static (apt install busybox-static)"

root=$(mktemp -d "$BUILD/initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,selftests}
cp "$BUSYBOX" "$root/bin/busybox"
for a in $("$BUSYBOX" --list-full 2>/dev/null); do
	[ -e "$root/$a" ] || ln -s /bin/busybox "$root/$a"
done
ln -sf /bin/busybox "$root/bin/sh"
install -m 755 "$HARNESS/guest/init" "$root/init"
echo "$payload" >"$root/etc/payload"
for b in "$@"; do
	case $payload in
	demo) install -m 755 "$b" "$root/bin/" ;;
	*)    install -m 755 "$b" "$root/selftests/" ;;
	esac
done
mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --quiet -o -0 -H newc -R 0:0) | gzip -9n >"$out.tmp"
mv "$out.tmp" "$out"
log "initramfs $out ($payload: $# binaries)"
