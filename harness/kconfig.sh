#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# harness/kconfig.sh <run|test|bench>: make build/out-<cfg>/.config from
# tinyconfig + the config's fragments.  Regenerated only when the fragments
# (or Kconfig files the series adds/changes) changed, since a new .config
# rebuilds nearly everything.  Then checks every CONFIG_X=y of the fragments
# made it into .config.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cfg=${1:?usage: kconfig.sh <run|test|bench>}
OUT=$BUILD/out-$cfg
frags=$(config_frags "$cfg")
ensure_linux_worktree
mkdir -p "$OUT"

# Kconfig files touched by the series count too: a newly added symbol
# (CONFIG_ASYNC_SYSCALL) needs a regenerated .config to appear.
kconfig_files=$(git -C "$LINUX" diff --name-only refs/tags/base HEAD -- '*Kconfig*' 2>/dev/null | sort)
sum=$( { cat $frags; for f in $kconfig_files; do echo "== $f"; cat "$LINUX/$f" 2>/dev/null || true; done; } |
	sha256sum | cut -d' ' -f1)

if [ -f "$OUT/.config" ] && [ "$(cat "$OUT/.config-frags.sha256" 2>/dev/null)" = "$sum" ]; then
	log "$cfg: .config up to date"
else
	log "$cfg: generating .config (tinyconfig + $(for f in $frags; do printf '%s ' "${f##*/}"; done))"
	rm -f "$OUT/.config-frags.sha256"
	# Keep the old .config (and its mtime) when the result is the same, so
	# that e.g. a help-text change in a Kconfig file rebuilds nothing.
	prev=""
	if [ -f "$OUT/.config" ]; then
		prev=$OUT/.config.harness-prev
		cp -p "$OUT/.config" "$prev"
	fi
	kmake "$OUT" tinyconfig >"$OUT/kconfig.log" 2>&1 || { cat "$OUT/kconfig.log"; die "tinyconfig failed"; }
	(cd "$LINUX" && scripts/kconfig/merge_config.sh -m -O "$OUT" "$OUT/.config" $frags) >>"$OUT/kconfig.log" 2>&1 ||
		{ cat "$OUT/kconfig.log"; die "merge_config failed"; }
	kmake "$OUT" olddefconfig >>"$OUT/kconfig.log" 2>&1 || { cat "$OUT/kconfig.log"; die "olddefconfig failed"; }
	if [ -n "$prev" ] && cmp -s "$prev" "$OUT/.config"; then
		mv "$prev" "$OUT/.config"
		log "$cfg: regenerated .config is unchanged; kept the old one"
	else
		rm -f "$prev"
	fi
	echo "$sum" >"$OUT/.config-frags.sha256"
fi

# Every CONFIG_X=y asked for must be there.
missing=()
for sym in $(cat $frags | sed -n 's/^\(CONFIG_[A-Za-z0-9_]*\)=y$/\1/p' | sort -u); do
	grep -qx "$sym=y" "$OUT/.config" && continue
	if [ "$sym" = CONFIG_ASYNC_SYSCALL ] && { [ -n "${SKIP_ASYNC_SYSCALL:-}" ] ||
	     [ ! -f "$LINUX/kernel/async_syscall/Kconfig" ]; }; then
		log "$cfg: note: CONFIG_ASYNC_SYSCALL not in the tree yet (kernel/async_syscall/Kconfig absent); tolerated"
		continue
	fi
	missing+=("$sym")
done
if ((${#missing[@]})); then
	echo "kconfig.sh: ERROR: $cfg: these fragment options are not =y in $OUT/.config:" >&2
	printf '  %s\n' "${missing[@]}" >&2
	if printf '%s\n' "${missing[@]}" | grep -qx CONFIG_RUST; then
		echo "  CONFIG_RUST is off; 'make LLVM=1 rustavailable' says:" >&2
		kmake "$OUT" rustavailable >&2 || true
	fi
	echo "  (unmet dependencies? see $OUT/kconfig.log)" >&2
	rm -f "$OUT/.config-frags.sha256"   # retry generation next time
	exit 1
fi
log "$cfg: all fragment options present"
