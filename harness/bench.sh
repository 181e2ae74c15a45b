#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# harness/bench.sh (make bench): build the "bench" config kernel (base +
# bench fragment, no debugging) of the same series, build bench/async_bench.c
# static against its UAPI headers, boot once in QEMU (TCG, -smp 2) and run
# every benchmark case in that boot.  Prints the report (markdown table) and
# writes it to docs/benchmarks.md with the config fragments, the QEMU command
# line and the date.  Nonzero exit if the benchmark did not complete.
#
# NO_APPLY=1: build build/linux as it is (see README).
# BENCH_TIMEOUT (s, default 2400): bound on the boot.  BENCH_ARGS: extra
# arguments of async_bench (e.g. "-q" for a quick run; the document then says
# so).  BENCH_DOC: output document (default docs/benchmarks.md).
#
# The guest gets a read-only virtio disk, build/bench/files.ext4 (ext4, made
# here with mkfs.ext4 -d, no root needed; rebuilt when its parameters
# change), mounted on /mnt/files: the data file of cases 1 and 3 and the
# 4000 files of the cold-cache case 6.
#
# BENCH_PROFILE=1: a kernel profile instead of the report: boots with
# profile=2 and runs only async_bench -P <name> for each name of
# BENCH_PROFILE_NAMES (comma-separated; default all: $PROF_ALL below), ~8 s
# each, then maps /proc/profile's buckets to functions with System.map
# (harness/profile.py) into build/bench/profile-<name>.txt.  docs/ is not
# touched.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
CFG=bench
BOUT=$BUILD/bench
DOC=${BENCH_DOC:-$REPO/docs/benchmarks.md}
BENCH_ARGS=${BENCH_ARGS:-}
PROFILE=${BENCH_PROFILE:-}
[ "$PROFILE" != 0 ] || PROFILE=
PROF_ALL=batch1,batch64,batch512,async64,orc_async,plain,uring_nop64
PROFILE_NAMES=${BENCH_PROFILE_NAMES:-$PROF_ALL}
if [ -n "$PROFILE" ]; then
	for n in ${PROFILE_NAMES//,/ }; do
		case ,$PROF_ALL, in
		*,"$n",*) ;;
		*) die "BENCH_PROFILE_NAMES: unknown '$n' (known: $PROF_ALL)" ;;
		esac
	done
fi

# The bench disk.  files/f0000 .. f3999: 4 KiB each, "f%06d\n" then bytes
# (i * 131 + j * 7) & 0xff at offsets j = 8 .. 4095 (async_bench.c's
# cold_check() tests every read against it); async_bench.dat: 4 KiB of
# 'a' + j % 26, the data file of cases 1 to 3.
FILES_N=4000
FILES_GEN='
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
os.mkdir(os.path.join(root, "files"))
for i in range(n):
    data = b"f%06d\n" % i + bytes((i * 131 + j * 7) & 0xff for j in range(8, 4096))
    with open(os.path.join(root, "files", "f%04d" % i), "wb") as f:
        f.write(data)
with open(os.path.join(root, "async_bench.dat"), "wb") as f:
    f.write(bytes(ord("a") + j % 26 for j in range(4096)))
'
FILES_MKFS=(-q -F -b 4096 -N 8192 -E lazy_itable_init=0,lazy_journal_init=0)
FILES_SIZE=64M

mkfs_version=
make_files_image() { # <image>
	local img=$1 mkfs key stage
	mkfs=$(PATH=$PATH:/usr/sbin:/sbin command -v mkfs.ext4) ||
		die "mkfs.ext4 not found (apt install e2fsprogs)"
	mkfs_version=$("$mkfs" -V 2>&1 | head -n1)
	key=$( { echo "n=$FILES_N size=$FILES_SIZE mkfs=${FILES_MKFS[*]} $mkfs_version";
		 echo "$FILES_GEN"; } | sha256sum | cut -d' ' -f1)
	if [ -f "$img" ] && [ "$(cat "$img.key" 2>/dev/null)" = "$key" ]; then
		log "bench disk $img up to date"
		return 0
	fi
	log "making the bench disk $img ($FILES_N files)"
	rm -f "$img" "$img.key" "$img.tmp"
	stage=$(mktemp -d "$BOUT/files-stage.XXXXXX")
	python3 -c "$FILES_GEN" "$stage" "$FILES_N" || { rm -rf "$stage"; die "staging the bench disk failed"; }
	truncate -s "$FILES_SIZE" "$img.tmp"	# (else mke2fs says it creates it)
	"$mkfs" "${FILES_MKFS[@]}" -d "$stage" "$img.tmp" "$FILES_SIZE" ||
		{ rm -rf "$stage" "$img.tmp"; die "mkfs.ext4 failed"; }
	rm -rf "$stage"
	mv "$img.tmp" "$img"
	echo "$key" >"$img.key"
}

# Only the disk (for a test of it without a kernel build): BENCH_DISK_ONLY=1.
if [ -n "${BENCH_DISK_ONLY:-}" ]; then
	mkdir -p "$BOUT"
	make_files_image "$BOUT/files.ext4"
	exit 0
fi

prepare_kernel "$CFG"

mkdir -p "$BOUT"
HDR=$BUILD/out-$CFG/usr/include
[ -f "$HDR/linux/async_syscall.h" ] || die "no linux/async_syscall.h in $HDR"
log "building bench/async_bench.c (static, headers of $HDR)"
gcc -static -O2 -g -Wall -Wextra -pthread -isystem "$HDR" \
	-o "$BOUT/async_bench" "$REPO/bench/async_bench.c" ||
	die "building bench/async_bench.c failed"
file -L "$BOUT/async_bench" | grep -q 'statically linked' || die "async_bench is not static"

# The guest runs /selftests/async_bench $(cat /etc/bench-args); initramfs.sh
# puts non-demo payload binaries in /selftests/.  Arguments travel on the
# kernel command line (bench_args=...), read by guest/init.
"$HARNESS/initramfs.sh" "$BOUT/initramfs.cpio.gz" bench "$BOUT/async_bench"

# Record the exact QEMU command line qemu.sh runs: a shim ahead in PATH logs
# its arguments and execs the real binary.
real_qemu=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 not found"
shim=$BOUT/shim
mkdir -p "$shim"
cat >"$shim/qemu-system-x86_64" <<EOF
#!/bin/bash
printf '%q ' qemu-system-x86_64 "\$@" >"$BOUT/qemu-cmdline.txt"
exec "$real_qemu" "\$@"
EOF
chmod +x "$shim/qemu-system-x86_64"
rm -f "$BOUT/qemu-cmdline.txt"

# The disk: cache=none, so that a guest miss is a read of the host's
# storage, not of its page cache (QEMU opens the image O_DIRECT); else
# cache=writeback.
img=$BOUT/files.ext4
make_files_image "$img"
disk_cache=none
if ! dd if="$img" of=/dev/null bs=4096 count=1 iflag=direct status=none 2>/dev/null; then
	disk_cache=writeback
	log "warning: O_DIRECT reads of $img fail: the disk uses cache=writeback (guest misses may be host page-cache hits)"
fi
log "bench disk: $img, cache=$disk_cache"
qargs=(-drive "file=${img//,/,,},if=virtio,format=raw,readonly=on,cache=$disk_cache,aio=threads")

# Arguments travel comma-separated (guest/init turns commas into spaces).
read -r -a bargs <<<"$BENCH_ARGS"
extra="loglevel=4 kunit.enable=0 tsc=reliable"
if [ -n "$PROFILE" ]; then
	extra="$extra profile=2"
	for n in ${PROFILE_NAMES//,/ }; do
		bargs+=(-P "$n")
	done
fi
((${#bargs[@]} == 0)) || extra="$extra bench_args=$(IFS=,; echo "${bargs[*]}")"
qrc=0
PATH=$shim:$PATH QEMU_EXTRA_ARGS=$(printf '%s\n' "${qargs[@]}") \
	"$HARNESS/qemu.sh" "$BUILD/out-$CFG/arch/x86/boot/bzImage" \
	"$BOUT/initramfs.cpio.gz" "$BOUT/guest.log" "$BOUT/results.txt" \
	"${BENCH_TIMEOUT:-2400}" "$extra" || qrc=$?

if [ -n "$PROFILE" ]; then
	if ! grep -q '=== BENCH-END rc=0 ===' "$BOUT/guest.log" ||
	   ! grep -qx '<!-- PROF-END -->' "$BOUT/results.txt"; then
		echo "---- last lines of $BOUT/guest.log ----" >&2
		tail -n 40 "$BOUT/guest.log" >&2
		die "profile run did not complete (QEMU status $qrc)"
	fi
	[ "$qrc" -eq 0 ] || log "warning: QEMU status $qrc"
	rm -f "$BOUT"/profile-*.txt
	python3 "$HARNESS/profile.py" "$BUILD/out-$CFG/System.map" "$BOUT/results.txt" "$BOUT" ||
		die "harness/profile.py failed"
	log "profiles in $BOUT/profile-*.txt (raw: $BOUT/results.txt); $DOC not written"
	exit 0
fi

report=$BOUT/report.md
sed -n '/^<!-- BENCH-REPORT-BEGIN -->$/,/^<!-- BENCH-REPORT-END -->$/p' "$BOUT/results.txt" |
	sed '1d;$d' >"$report"
if ! grep -q '=== BENCH-END rc=0 ===' "$BOUT/guest.log" || [ ! -s "$report" ]; then
	echo "---- last lines of $BOUT/guest.log ----" >&2
	tail -n 40 "$BOUT/guest.log" >&2
	die "benchmark did not complete (QEMU status $qrc); nothing written to $DOC"
fi
[ "$qrc" -eq 0 ] || log "warning: QEMU status $qrc"

echo "----- async_bench report (guest log: $BOUT/guest.log) -----"
cat "$report"
echo "------------------------------------------------------------"

# docs/benchmarks.md: generated as a whole from this one boot.
series_head=$(git -C "$LINUX" rev-parse --short HEAD 2>/dev/null || echo unknown)
repo_head=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
mkdir -p "$(dirname "$DOC")"
{
	cat <<'EOF'
# async_submit(2) benchmarks

Generated by `make bench` (`harness/bench.sh`); do not edit by hand: the
whole file is rewritten from one boot. The program is `bench/async_bench.c`.

## What is measured

Each case does the same work up to five ways, all in one boot of the `bench`
kernel (QEMU TCG, 2 vCPUs):

- **(a) plain**: plain synchronous system calls in the calling thread.
- **(b) batch**: `async_submit(2)` with `ASYNC_SUBMIT_BATCH` (entries run in
  the caller before the call returns).
- **(c) async**: `async_submit(2)` asynchronous mode (chains run on the
  process's `async_syscall` worker threads); the caller waits on each
  entry's futex status word: it spins on it for up to 20 µs, then sets
  `ASYNC_SYSCALL_STATUS_WAITERS` in it (compare-and-swap) and
  `FUTEX_WAIT_PRIVATE`s while it is pending (the kernel wakes only words
  with that bit set; without the bit in the UAPI headers, it waits on
  `PENDING`).
  **(c')** in case 2 submits the batch as one linked chain instead of
  independent entries.
- **(d) io_uring**: raw `io_uring_setup`/`io_uring_enter` (no liburing);
  open/read/close as linked SQEs (`IOSQE_IO_LINK`) using a direct descriptor:
  `IORING_OP_OPENAT` into a registered fixed-file slot (`file_index`),
  `IORING_OP_READ` with `IOSQE_FIXED_FILE`, `IORING_OP_CLOSE` of the slot;
  waiting with `io_uring_enter(..., IORING_ENTER_GETEVENTS)`. io_uring has no
  getppid opcode (case 2 uses `IORING_OP_NOP` there) and no fstat
  (`IORING_OP_STATX` with `AT_EMPTY_PATH`, which io_uring runs on io-wq).
- **(e) pool**: a user-space thread pool with as many threads as the kernel's
  worker limit (`kernel.async_syscall_max_workers`, by default max(8, 4 ×
  possible CPUs)), a mutex-protected queue, and each job completed through
  a futex word (woken only when the submitter is waiting). As good user
  pools do, an idle worker looks for work for up to 20 µs before it sleeps
  on a futex, the submitter wakes only sleeping workers, and a waiter spins
  for up to 20 µs on a job before it sleeps, as the async waiter does.

The guest has a read-only virtio disk, `build/bench/files.ext4` (ext4, made
by `harness/bench.sh` with `mkfs.ext4 -d`), mounted on `/mnt/files`: a 4 KiB
data file and 4000 files of 4 KiB.

Cases:

1. open + read 4 KiB + close of a page-cached file on the ext4 disk (read
   once before), one chain at a time: latency p50 and p99 over 2000 chains
   after 200 warm-up chains. The extra row "file on tmpfs" is io_uring on
   the same file in tmpfs: tmpfs does not set `FMODE_NOWAIT`, so io_uring's
   inline attempt of the READ returns `-EAGAIN` and the read is punted to
   an `iou-wrk` thread, and its completion comes back as task work: two
   cross-thread wake-ups per chain. On ext4 (`FMODE_NOWAIT`), a page-cached
   read completes inline, within the submitting `io_uring_enter()`; that is
   why cases 1 and 3 use the disk in every mode.
2. batches of cheap calls (`getppid`; `fstat` on an open fd) of 1, 8, 64,
   512 and 4096 calls (8192 calls per repetition, after a warm-up): time per
   call.
3. 20,000 independent open/read/close chains (the file of case 1), from 1,
   2 and 4 submitting threads, 64 chains in flight per thread (batch: 64
   chains per call): throughput in thousands of entries (3 per chain) per
   second.
4. 64 one-byte reads on 64 pipes that a writer thread fills ~20 ms after the
   reads are submitted: time until all 64 results are collected, and how
   long after the writer's first write the last one is collected.
5. getppid, plain and in batches of 64 (batch mode), under a seccomp filter
   of the kind a container runtime installs (architecture check, then a
   chain of ~95 refused numbers; 100 instructions run for getppid): filter
   A allows getppid by number alone (the kernel's action cache answers
   without running it), filter B also compares getppid's `args[0]`, so it
   runs on every call. Each filter is measured in its own `fork()`ed child,
   in a thread that installed it against an unfiltered thread of the same
   child, repetitions alternating; 32768 calls per repetition. The target
   compares what the filter adds to a batch entry with what it adds to a
   direct call (ratio ≤ 1.2).
6. cold cache: before each mode and repetition, `sync()` and
   `echo 3 > /proc/sys/vm/drop_caches`; then open (`openat(dirfd, name)`),
   `fstat`, read 4 KiB and close each of the 4000 files of the disk, every
   read checked against the file's index-derived content: (a) one after the
   other; (c) one chain per file (openat, then fstat, read and close fed its
   fd); (d) `IORING_OP_OPENAT` into a fixed slot, `IORING_OP_STATX` (dirfd,
   name), `IORING_OP_READ` of the slot, `IORING_OP_CLOSE`, linked; (e) one
   pool job per file. (c), (d), (e) keep 64 files in flight, refilled as
   they complete. Only 3 repetitions (the case is slow under TCG). The disk
   is attached with `cache=none` where the host allows `O_DIRECT` on the
   image (a guest miss then reads the host's storage; see the QEMU command
   line), and the report gives the guest's 4 KiB `O_DIRECT` read latency
   on the disk as context.

A futex ping-pong between two threads gives the cost of the cross-thread
wake-ups the async paths pay. Every figure is repeated (5 times unless said
otherwise below): the table gives the median and the min–max spread of the
repetitions; speed-ups are ratios of medians against plain system calls and
against io_uring (>1 = faster). Absolute times are from an emulated (TCG)
machine and are context only; the ratios are the result.

After the table: diagnostic rows of the same boot (a system call that does
nothing, plain and as batch entries; `FUTEX_WAKE` without a waiter;
`async_syscall` worker wake-ups and new workers per chain, from
`/proc/self/task/*/status`; `iou-wrk` threads), then one line per target
of the performance work, `target <name>: met (<figures>)` or
`target <name>: NOT met (<figures>)`, computed from the medians of this
boot (`make bench` repeats them at the end of its output):
`batch_entry_64`, `batch_entry_512` (batch getppid per entry ≤ io_uring
per NOP, batches of 64 and 512), `batch_getppid_64_2x` (plain getppid ÷
batch-of-64 entry ≥ 2), `batch_of_one` (batch of one ≤ io_uring submission
of one NOP), `async_orc_p50` (case 1 async p50 ≤ 0.7 × io_uring and ≤ 0.7
× pool), `throughput_1`, `throughput_2` (case 3 async ≥ 1.5 × pool and ≥
1.5 × io_uring, 1 and 2 submitting threads), `one_wake_per_chain` (worker
wake-ups, i.e. the voluntary context switches of the `async_syscall`
threads, per chain of case 3's async runs ≤ 1), `no_clone_while_idle` (no
new worker over sequential single chains), `no_wake_without_waiter` (a
`FUTEX_WAIT` on a pending status word without the waiters bit is not
woken: it times out, and the word is exactly `DONE`), `worker_spin`
(`kernel.async_syscall_worker_spin_us` exists), `cold_files` (case 6 async
≥ 3 × faster than sequential, and not slower than the pool or io_uring).
Case 5's filter-cost line and the issue's other figures follow as
informative lines.

## Results
EOF
	echo
	echo "Run: $(date -u '+%Y-%m-%d %H:%M UTC'); repository $repo_head, series tree \`build/linux\` at $series_head${BENCH_ARGS:+; async_bench arguments: \`$BENCH_ARGS\`}."
	echo
	cat "$report"
	echo
	echo "## Set-up"
	echo
	echo "Kernel: \`bench\` config = \`tinyconfig\` + these fragments (\`harness/configs/\`):"
	for f in $(config_frags "$CFG"); do
		echo
		echo "\`${f##*/}\`:"
		echo
		echo '```'
		cat "$f"
		echo '```'
	done
	echo
	echo "Bench disk: \`build/bench/files.ext4\`, $FILES_SIZE of ext4 made by \`mkfs.ext4 ${FILES_MKFS[*]} -d\` ($mkfs_version), attached read-only with \`cache=$disk_cache\`."
	echo
	echo "QEMU command line (\`harness/qemu.sh\`):"
	echo
	echo '```'
	cat "$BOUT/qemu-cmdline.txt" 2>/dev/null || echo "(not recorded)"
	echo
	echo '```'
	echo
	echo "Host: $(nproc) CPUs, $(uname -sr); QEMU $("$real_qemu" --version | head -n1 | sed 's/.*version //')."
	echo "Built with \`gcc -static -O2\` ($(gcc --version | head -n1)) against the \`bench\` kernel's UAPI headers."
} >"$DOC"
log "wrote $DOC"
# The target lines, last.
echo "----- targets -----"
grep '^target ' "$report" || echo "(no target lines in the report)"
