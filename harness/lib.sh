#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Common settings for the harness scripts; sourced, not run.

# rustup and cargo live under $HOME; CI may start without it set.
: "${HOME:=$(getent passwd "$(id -u)" | cut -d: -f6)}"
export HOME

HARNESS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HARNESS/.." && pwd)
BUILD=${BUILD:-$REPO/build}
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
BASE=$BUILD/base          # git repo of the unpacked base, tag "base"
LINUX=$BUILD/linux        # worktree of $BASE: the patched build source tree
JOBS=${JOBS:-$(nproc)}

export PATH=/usr/lib/llvm-19/bin:$HOME/.cargo/bin:$PATH
export LIBCLANG_PATH=/usr/lib/llvm-19/lib

log() { echo "[$(date +%H:%M:%S)] ${0##*/}: $*" >&2; }
die() { echo "${0##*/}: ERROR: $*" >&2; exit 1; }

# Kernel make in the build tree, out of tree, with the LLVM toolchain.
kmake() { # <out-dir> <make args...>
	local out=$1; shift
	make -C "$LINUX" O="$out" LLVM=1 -j"$JOBS" "$@"
}

# Fragments of a config name: run = base, test = base+debug, bench = base+bench.
config_frags() {
	case $1 in
	run)   echo "$HARNESS/configs/base.config" ;;
	test)  echo "$HARNESS/configs/base.config $HARNESS/configs/debug.config" ;;
	bench) echo "$HARNESS/configs/base.config $HARNESS/configs/bench.config" ;;
	*)     die "unknown config '$1' (run, test, bench)" ;;
	esac
}

ensure_linux_worktree() {
	[ -d "$BASE/.git" ] || die "$BASE missing: run harness/fetch-base.sh"
	if [ ! -e "$LINUX/.git" ]; then
		log "creating build worktree $LINUX"
		git -C "$BASE" worktree prune
		git -C "$BASE" worktree add -q --detach "$LINUX" refs/tags/base
	fi
}

# Install the toolchain, fetch the base, apply the series (unless NO_APPLY is
# set) and build config <cfg>: the common start of run.sh and bench.sh.
prepare_kernel() { # <cfg>
	"$HARNESS/install-deps.sh"
	"$HARNESS/fetch-base.sh"
	if [ -n "${NO_APPLY:-}" ]; then
		log "NO_APPLY set: building build/linux as it is ($(git -C "$LINUX" log -1 --format='%h %s'))"
	else
		"$HARNESS/series.sh" apply
	fi
	"$HARNESS/build.sh" "$1"
}
