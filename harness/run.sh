#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# harness/run.sh (make run): build the "run" config (no debugging), boot it
# and run the demo (harness/guest/async_chain_demo.c); prints the demo's
# output.  The guest powers itself off; nonzero exit if the demo failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
CFG=${CFG:-run}
RUN=$BUILD/run

prepare_kernel "$CFG"
demo=$("$HARNESS/userspace.sh" "$CFG" demo)
mkdir -p "$RUN"
"$HARNESS/initramfs.sh" "$RUN/initramfs.cpio.gz" demo "$demo"
qrc=0
"$HARNESS/qemu.sh" "$BUILD/out-$CFG/arch/x86/boot/bzImage" "$RUN/initramfs.cpio.gz" \
	"$RUN/guest.log" "$RUN/results.txt" "${RUN_TIMEOUT:-300}" || qrc=$?
echo "----- async_chain_demo output (full guest log: $RUN/guest.log) -----"
sed -n '/=== DEMO-BEGIN ===/,/=== DEMO-END/p' "$RUN/guest.log"
echo "--------------------------------------------------------------------"
grep -q '=== DEMO-END rc=0 ===' "$RUN/guest.log" || { log "demo FAILED (or did not finish)"; exit 1; }
[ "$qrc" -eq 0 ] || { log "QEMU status $qrc"; exit 1; }
log "demo OK"
