#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# harness/userspace.sh <run|test|bench> selftests|demo
# Build static userspace against build/out-<cfg>/usr/include (the patched
# tree's UAPI headers, from build.sh's headers_install):
#   selftests: tools/testing/selftests/async_syscall of build/linux into
#              build/selftests-<cfg>/; prints the TEST_GEN_PROGS paths
#   demo:      harness/guest/async_chain_demo.c into build/demo-<cfg>/;
#              prints the binary's path
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cfg=${1:?usage: userspace.sh <cfg> selftests|demo}
what=${2:?selftests|demo}
OUT=$BUILD/out-$cfg
HDR=$OUT/usr/include
[ -d "$HDR/linux" ] || die "no UAPI headers in $HDR: run harness/build.sh $cfg"

case $what in
selftests)
	rel=tools/testing/selftests/async_syscall
	sdir=$LINUX/$rel
	if [ ! -f "$sdir/Makefile" ]; then
		[ -f "$REPO/$rel/Makefile" ] || die "no $rel/Makefile in the series nor in the repo"
		log "WARNING: $rel is not part of the series (series/*/files); using the repo's copy"
		mkdir -p "$sdir"
		cp -a "$REPO/$rel/." "$sdir/"
	fi
	sout=$BUILD/selftests-$cfg
	mkdir -p "$sout"
	args=(-C "$sdir" OUTPUT="$sout" KHDR_INCLUDES="-isystem $HDR" CC="gcc -static")
	make "${args[@]}" -j"$JOBS" >"$sout/build.log" 2>&1 ||
		{ cat "$sout/build.log" >&2; die "selftests build failed"; }
	progs=$(make "${args[@]}" -s --no-print-directory \
		--eval='harness-print-progs: ; @echo $(TEST_GEN_PROGS)' harness-print-progs)
	[ -n "$progs" ] || die "TEST_GEN_PROGS of $rel is empty"
	for p in $progs; do
		[ -x "$p" ] || die "selftest $p was not built"
		file -L "$p" | grep -q 'statically linked' || die "selftest $p is not static"
		echo "$p"
	done
	log "selftests built in $sout: $(for p in $progs; do printf '%s ' "${p##*/}"; done)"
	;;
demo)
	src=$HARNESS/guest/async_chain_demo.c
	[ -f "$src" ] || die "$src does not exist yet"
	dout=$BUILD/demo-$cfg
	mkdir -p "$dout"
	gcc -static -O2 -g -Wall -pthread -isystem "$HDR" -o "$dout/async_chain_demo" "$src" ||
		die "building $src failed"
	echo "$dout/async_chain_demo"
	;;
*) die "unknown '$what' (selftests|demo)" ;;
esac
