#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian's linux-source-7.3 (the base of the series), verify it and
# unpack it into $BUILD/base as a git repository with one commit tagged
# "base".  The Debian mirror is read from this machine's apt sources.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$HERE/../build}
PIN_VERSION=${PIN_VERSION:-$(sed -n 's/^version=//p' "$HERE/base.pin")}
PIN_SHA256=$(sed -n 's/^sha256=//p' "$HERE/base.pin")
SUITE=trixie-backports
PKG=linux-source-7.3

log() { echo "fetch-base: $*" >&2; }

mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
if [ -f "$BUILD/base/.fetched" ]; then
	exit 0
fi

mirror=$(grep -rhoE '^(deb|URIs:)[[:space:]]+[^[:space:]]+' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
	awk '{print $2}' | grep -E '/debian/?$' | head -n1 || true)
[ -n "$mirror" ] || { log "no Debian mirror found in the apt sources"; exit 1; }

apt_dir="$BUILD/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
echo "deb $mirror $SUITE main" >"$apt_dir/sources.list"
APT=(-o Dir::Etc::sourcelist="$apt_dir/sources.list" -o Dir::Etc::sourceparts=-
     -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache"
     -o APT::Get::List-Cleanup=0 -o Debug::NoLocking=1)
log "updating the package list of $SUITE"
apt-get "${APT[@]}" update -q >&2

cd "$apt_dir"
rm -f ${PKG}_*.deb
if apt-get "${APT[@]}" download "$PKG=$PIN_VERSION" >&2; then
	deb=$(ls ${PKG}_*.deb)
	got=$(sha256sum "$deb" | cut -d' ' -f1)
	if [ "$got" != "$PIN_SHA256" ]; then
		log "sha256 mismatch for $deb: got $got, pinned $PIN_SHA256"
		exit 1
	fi
	log "verified $deb"
else
	log "================================================================"
	log "WARNING: pinned $PKG $PIN_VERSION is gone from $SUITE."
	log "WARNING: falling back to the newest $PKG; results may differ."
	log "================================================================"
	apt-get "${APT[@]}" download "$PKG" >&2
	deb=$(ls ${PKG}_*.deb)
	log "WARNING: using $deb, sha256 $(sha256sum "$deb" | cut -d' ' -f1)"
fi

rm -rf "$BUILD/base" "$apt_dir/x"
dpkg-deb -x "$deb" "$apt_dir/x"
mkdir -p "$BUILD/base"
tar -xf "$apt_dir"/x/usr/src/$PKG.tar.xz -C "$BUILD/base" --strip-components=1
rm -rf "$apt_dir/x"
cd "$BUILD/base"
git init -q -b base
git add -A -f .
git -c user.name=base -c user.email=base@localhost commit -q -m "Debian $(basename "$deb" .deb)"
git tag -f base >/dev/null
touch .fetched
echo .fetched >>.git/info/exclude
log "base ready in $BUILD/base"
