#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# harness/build.sh <run|test|bench>: configure (if needed) and build the
# kernel (bzImage) and the UAPI headers of build/linux into build/out-<cfg>.
# Incremental: only what changed in build/linux is rebuilt.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cfg=${1:?usage: build.sh <run|test|bench>}
OUT=$BUILD/out-$cfg
"$HARNESS/kconfig.sh" "$cfg"

log "$cfg: building bzImage (log: $OUT/build.log)"
start=$(date +%s)
if ! kmake "$OUT" bzImage >"$OUT/build.log" 2>&1; then
	grep -E 'error|Error|ERROR' "$OUT/build.log" | head -n 40 >&2 || true
	echo "---- last lines of $OUT/build.log ----" >&2
	tail -n 30 "$OUT/build.log" >&2
	die "$cfg: kernel build failed"
fi
kmake "$OUT" headers_install >"$OUT/headers.log" 2>&1 ||
	{ tail -n 30 "$OUT/headers.log" >&2; die "$cfg: headers_install failed"; }
end=$(date +%s)
echo "$((end - start))" >"$OUT/build.seconds"
log "$cfg: kernel built in $((end - start)) s: $OUT/arch/x86/boot/bzImage"
