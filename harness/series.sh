#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# harness/series.sh export     turn series/NNNN-*/ into commits on top of the
#                              base, format-patch them into build/series/,
#                              prove they "git am" cleanly onto the base
# harness/series.sh apply      export, then check the git-am result out in the
#                              build tree build/linux (only changed files are
#                              rewritten, so kernel builds stay incremental)
# harness/series.sh checkpatch run the tree's scripts/checkpatch.pl --strict on
#                              every patch; nonzero on errors or warnings
#
# Manifest (series/NNNN-slug/): message (commit message, last Signed-off-by is
# the author), files (new files, repo-relative, copied into the tree),
# edit.diff (git apply -p1 diff against the tree after the previous patches).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SERIES_SRC=$REPO/series
STAGE=$BUILD/stage        # scratch worktree: the series is committed here
AMTREE=$BUILD/am          # scratch worktree: git am check
OUTDIR=$BUILD/series      # format-patch output
AM_COMMIT_FILE=$BUILD/series.am-commit
# Fixed dates: the same series gives the same commits and patches every time.
export GIT_AUTHOR_DATE="2026-01-01T00:00:00+0000"
export GIT_COMMITTER_DATE="$GIT_AUTHOR_DATE"

scratch_worktree() { # <dir>: worktree of $BASE, reset to base, no stray files
	local dir=$1
	if [ ! -e "$dir/.git" ]; then
		git -C "$BASE" worktree prune
		git -C "$BASE" worktree add -q --detach "$dir" refs/tags/base
	fi
	git -C "$dir" am --abort >/dev/null 2>&1 || true
	git -C "$dir" checkout -q -f --detach refs/tags/base
	git -C "$dir" reset -q --hard refs/tags/base
	git -C "$dir" clean -q -f -d -x
}

series_dirs() {
	[ -d "$SERIES_SRC" ] || return 0
	find "$SERIES_SRC" -mindepth 1 -maxdepth 1 -type d -name '[0-9][0-9][0-9][0-9]-*' | LC_ALL=C sort
}

list_files() { # <series dir>: the paths in its "files", no blanks/comments
	[ -f "$1/files" ] || return 0
	sed -e 's/#.*$//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "$1/files" | grep -v '^$' || true
}

do_export() {
	ensure_linux_worktree
	scratch_worktree "$STAGE"
	local n=0 d name msg sob author_name author_email f
	while IFS= read -r d; do
		name=${d##*/}
		msg=$d/message
		[ -s "$msg" ] || die "$name: no 'message' file"
		sob=$(grep -E '^Signed-off-by:[[:space:]]*.+<[^>]+>' "$msg" | tail -n1 || true)
		[ -n "$sob" ] || die "$name/message: no 'Signed-off-by: Name <email>' line"
		author_name=$(sed -E 's/^Signed-off-by:[[:space:]]*(.*[^[:space:]])[[:space:]]*<.*$/\1/' <<<"$sob")
		author_email=$(sed -E 's/^.*<([^>]+)>.*$/\1/' <<<"$sob")
		[ -f "$d/files" ] || [ -f "$d/edit.diff" ] || die "$name: neither 'files' nor 'edit.diff'"
		while IFS= read -r f; do
			case $f in /*|*..*) die "$name/files: bad path '$f' (repo-relative, no ..)";; esac
			[ -f "$REPO/$f" ] || die "$name/files: '$f' does not exist in the repo"
			mkdir -p "$STAGE/$(dirname "$f")"
			cp "$REPO/$f" "$STAGE/$f"
		done < <(list_files "$d")
		if [ -f "$d/edit.diff" ] && [ -s "$d/edit.diff" ]; then
			git -C "$STAGE" apply --index -p1 "$d/edit.diff" ||
				die "$name/edit.diff does not apply on top of the previous patches"
		fi
		while IFS= read -r f; do
			git -C "$STAGE" add -f -- "$f"
		done < <(list_files "$d")
		git -C "$STAGE" diff --cached --quiet && die "$name: the patch changes nothing"
		GIT_AUTHOR_NAME=$author_name GIT_AUTHOR_EMAIL=$author_email \
		GIT_COMMITTER_NAME=$author_name GIT_COMMITTER_EMAIL=$author_email \
			git -C "$STAGE" commit -q --no-verify --cleanup=verbatim -F "$msg"
		n=$((n + 1))
		log "[$n] $name: $(head -n1 "$msg")"
	done < <(series_dirs)

	rm -rf "$OUTDIR"
	mkdir -p "$OUTDIR"
	if [ "$n" -eq 0 ]; then
		log "series/ is empty: nothing to export; the build tree is the plain base"
		git -C "$BASE" rev-parse refs/tags/base^{commit} >"$AM_COMMIT_FILE"
		return 0
	fi
	git -C "$STAGE" format-patch -q --cover-letter --no-signature -o "$OUTDIR" refs/tags/base..HEAD
	local cover=$OUTDIR/0000-cover-letter.patch
	if [ -f "$SERIES_SRC/cover-letter" ]; then
		COVER_SUBJECT=$(head -n1 "$SERIES_SRC/cover-letter") \
		COVER_BLURB=$(tail -n +2 "$SERIES_SRC/cover-letter" | sed '/./,$!d') \
			perl -0pi -e 's/\*\*\* SUBJECT HERE \*\*\*/$ENV{COVER_SUBJECT}/; s/\*\*\* BLURB HERE \*\*\*/$ENV{COVER_BLURB}/' "$cover"
	fi

	# The real test of a series: git am onto a pristine base.
	scratch_worktree "$AMTREE"
	local patches=()
	for f in "$OUTDIR"/[0-9][0-9][0-9][0-9]-*.patch; do
		[ "${f##*/}" = 0000-cover-letter.patch ] || patches+=("$f")
	done
	if ! git -C "$AMTREE" am -q --committer-date-is-author-date "${patches[@]}"; then
		git -C "$AMTREE" am --abort >/dev/null 2>&1 || true
		die "git am of $OUTDIR onto base FAILED: the exported series does not apply"
	fi
	local st am
	st=$(git -C "$STAGE" rev-parse 'HEAD^{tree}')
	am=$(git -C "$AMTREE" rev-parse 'HEAD^{tree}')
	[ "$st" = "$am" ] || die "git am result differs from the staged series (tree $am != $st)"
	git -C "$AMTREE" rev-parse HEAD >"$AM_COMMIT_FILE"
	log "exported $n patches + cover letter to $OUTDIR; git am onto base: OK ($(cut -c1-12 "$AM_COMMIT_FILE"))"
}

do_apply() {
	do_export
	local c
	c=$(cat "$AM_COMMIT_FILE")
	if [ "$(git -C "$LINUX" rev-parse HEAD)" != "$c" ]; then
		git -C "$LINUX" checkout -q -f --detach "$c"
	fi
	log "build tree $LINUX at $(git -C "$LINUX" log -1 --format='%h %s' HEAD)"
}

do_checkpatch() {
	do_export
	local total_bad=0 f out summary e w
	shopt -s nullglob
	for f in "$OUTDIR"/[0-9][0-9][0-9][0-9]-*.patch; do
		[ "${f##*/}" = 0000-cover-letter.patch ] && continue
		echo "==== ${f##*/}"
		# Run inside the patched kernel tree so the tree checks work.
		out=$(cd "$STAGE" && perl scripts/checkpatch.pl --strict "$f" 2>&1 || true)
		echo "$out"
		summary=$(grep -E '^total: [0-9]+ errors, [0-9]+ warnings' <<<"$out" | tail -n1 || true)
		e=$(sed -nE 's/^total: ([0-9]+) errors.*/\1/p' <<<"$summary")
		w=$(sed -nE 's/^total: [0-9]+ errors, ([0-9]+) warnings.*/\1/p' <<<"$summary")
		if [ -z "$summary" ]; then
			echo "checkpatch: could not run on ${f##*/}" >&2
			total_bad=$((total_bad + 1))
		elif [ "$e" -gt 0 ] || [ "$w" -gt 0 ]; then
			total_bad=$((total_bad + 1))
		fi
	done
	if [ "$total_bad" -gt 0 ]; then
		echo "checkpatch: $total_bad patch(es) with errors or warnings"
		return 1
	fi
	echo "checkpatch: all patches clean (no errors, no warnings)"
}

case ${1:-} in
export)     do_export ;;
apply)      do_apply ;;
checkpatch) do_checkpatch ;;
*) echo "usage: $0 export|apply|checkpatch" >&2; exit 2 ;;
esac
