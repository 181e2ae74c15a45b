#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# harness/qemu.sh <bzImage> <initramfs> <console-log> <results-file> [timeout-s] [extra cmdline]
# Boot under TCG; console (ttyS0) goes to <console-log>, the guest's second
# serial port (ttyS1: clean TAP) to <results-file>.  Exit status: 0 if QEMU
# ended by itself, 124 on timeout (a hang).  Set QEMU_TEE=1 to also show the
# console live.  QEMU_EXTRA_ARGS: more QEMU arguments, one per line (so that
# an argument may hold spaces; empty lines are ignored), e.g.
#   QEMU_EXTRA_ARGS=$(printf '%s\n' -drive file=disk.img,if=virtio,format=raw)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel=${1:?bzImage}; initrd=${2:?initramfs}; clog=${3:?console log}; res=${4:?results file}
tmo=${5:-900}; extra=${6:-}
qextra=()
if [ -n "${QEMU_EXTRA_ARGS:-}" ]; then
	while IFS= read -r arg; do
		[ -z "$arg" ] || qextra+=("$arg")
	done <<<"$QEMU_EXTRA_ARGS"
fi
rm -f "$clog" "$res"
: >"$res"
cmd=(timeout --foreground -k 10 "$tmo" qemu-system-x86_64 -accel tcg -m 2G -smp 2
     -nographic -monitor none -serial stdio -serial "file:$res"
     -nic none -no-reboot -kernel "$kernel" -initrd "$initrd"
     ${qextra[@]+"${qextra[@]}"}
     -append "console=ttyS0 panic=-1 rdinit=/init $extra")
log "booting $(basename "$kernel") (timeout ${tmo}s), console: $clog"
rc=0
if [ -n "${QEMU_TEE:-}" ]; then
	set +o pipefail
	"${cmd[@]}" </dev/null 2>&1 | tee "$clog"
	rc=${PIPESTATUS[0]}
	set -o pipefail
else
	"${cmd[@]}" </dev/null >"$clog" 2>&1 || rc=$?
fi
sed -i 's/\r$//' "$clog" "$res"
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	log "QEMU TIMED OUT after ${tmo}s (guest hang)"
	exit 124
fi
[ "$rc" -eq 0 ] || log "QEMU exited with status $rc"
exit "$rc"
