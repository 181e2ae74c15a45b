#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# harness/check.sh (make check): the whole pipeline on the debug ("test")
# config: toolchain, base, series export + git am + apply, kernel + headers,
# selftests, one boot running every selftest, then judge the guest log.
# Last line: "N passed, N failed, N skipped"; nonzero exit on any failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
CFG=${CFG:-test}
CHECK=$BUILD/check
t0=$(date +%s)
stage=setup
judged=""
# Any failure before the guest log is judged still ends with the summary line.
trap 'rc=$?; if [ -z "$judged" ] && [ $rc -ne 0 ]; then
	echo "FAILURE: make check stopped at: $stage (status $rc)"; echo "0 passed, 1 failed, 0 skipped"; fi' EXIT

stage="install-deps"
"$HARNESS/install-deps.sh"
stage="fetch-base"
"$HARNESS/fetch-base.sh"
stage="series export/apply"
if [ -n "${NO_APPLY:-}" ]; then
	log "NO_APPLY set: building build/linux as it is ($(git -C "$LINUX" log -1 --format='%h %s'))"
else
	"$HARNESS/series.sh" apply
fi
stage="kernel build ($CFG config)"
t1=$(date +%s)
"$HARNESS/build.sh" "$CFG"
t2=$(date +%s)
stage="selftests build"
progs_list=$("$HARNESS/userspace.sh" "$CFG" selftests)
mapfile -t progs <<<"$progs_list"
mkdir -p "$CHECK"
stage="initramfs"
"$HARNESS/initramfs.sh" "$CHECK/initramfs.cpio.gz" selftests "${progs[@]}"
qrc=0
"$HARNESS/qemu.sh" "$BUILD/out-$CFG/arch/x86/boot/bzImage" "$CHECK/initramfs.cpio.gz" \
	"$CHECK/guest.log" "$CHECK/results.tap" "${CHECK_TIMEOUT:-2700}" || qrc=$?
t3=$(date +%s)
log "times: series $((t1 - t0))s, kernel build $((t2 - t1))s, selftests+boot+tests $((t3 - t2))s"
log "guest log: $CHECK/guest.log  TAP: $CHECK/results.tap"
judged=1
rrc=0
python3 "$HARNESS/results.py" "$CHECK/guest.log" "$CHECK/results.tap" >"$CHECK/summary.txt" || rrc=$?
if [ "$qrc" -ne 0 ]; then
	sed -i '$i FAILURE: QEMU did not end by itself (status '"$qrc"'; 124 = timeout/hang)' "$CHECK/summary.txt"
	last=$(tail -n1 "$CHECK/summary.txt")
	if [[ $last =~ ^([0-9]+)\ passed,\ 0\ failed(.*)$ ]]; then
		sed -i '$d' "$CHECK/summary.txt"
		echo "${BASH_REMATCH[1]} passed, 1 failed${BASH_REMATCH[2]}" >>"$CHECK/summary.txt"
	fi
	rrc=1
fi
cat "$CHECK/summary.txt"
exit "$rrc"
