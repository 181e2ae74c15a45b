// SPDX-License-Identifier: GPL-2.0
/*
 * async_bench - the same work done up to five ways, in one process:
 *
 *   plain   plain synchronous system calls in the calling thread
 *   batch   async_submit(2) with ASYNC_SUBMIT_BATCH (entries run in the caller)
 *   async   async_submit(2) asynchronous mode (entries run on the process's
 *           async_syscall workers), waiting on the futex status words
 *   uring   io_uring: linked SQEs (open/read/close with a direct descriptor in
 *           a registered fixed-file slot), waiting with io_uring_enter()
 *   pool    a user-space thread pool of the same thread count as the kernel's
 *           worker limit (kernel.async_syscall_max_workers, by default
 *           max(8, 4 * possible CPUs)) running the plain calls,
 *           each job completed through a futex word
 *
 * Cases (see docs/benchmarks.md):
 *   1  open + read 4 KiB + close chain on a page-cached file (on ext4 when the
 *      bench disk is mounted on /mnt/files, else on tmpfs): latency p50/p99
 *   2  batches of cheap calls (getppid; fstat on an open fd), sizes 1..4096:
 *      cost per call
 *   3  throughput of 20,000 independent open/read/close chains from 1, 2 and
 *      4 submitting threads
 *   4  overlap: 64 reads on 64 pipes that a writer fills after ~20 ms
 *   5  getppid plain and in batches of 64 under a 100-instruction seccomp
 *      filter (cacheable and uncacheable variants), each in a fork()ed child
 *      against the same child's unfiltered figures: what the filter adds to an
 *      entry vs what it adds to a direct call
 *   6  cold cache: open/fstat/read 4 KiB/close of 4000 files on the ext4 disk
 *      after dropping the caches, 64 files in flight
 *   plus a futex ping-pong between two threads, a profile of the async path,
 *   diagnostic rows (entry/exit cost, worker wake-ups and clones) and one
 *   "target <name>: met|NOT met (<figures>)" line per target.
 *
 * Each figure is measured REPS times (default 5): the table gives the median
 * and the min-max spread of the repetitions, and speed-ups against plain and
 * io_uring computed from the medians.  The async_submit(2) modes report
 * "unavailable" when the kernel lacks the call (ENOSYS).
 *
 * Build: gcc -static -O2 -pthread -isystem <kernel>/usr/include async_bench.c
 * Usage: async_bench [-q] [-r reps] [-P name[,name...]]...
 *   -q: 10x fewer iterations.
 *   -P: kernel profile mode (boot with profile=2): run only the named
 *       microbenchmarks (batch1, batch64, batch512, async64, orc_async, plain,
 *       uring_nop64), each for PROF_SECONDS with /proc/profile reset before
 *       and dumped after (see profile_run()); nothing else runs.
 * Output: progress on stderr; the markdown report on stdout between
 * "<!-- BENCH-REPORT-BEGIN -->" and "<!-- BENCH-REPORT-END -->".
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/io_uring.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include <linux/async_syscall.h>

#ifndef __NR_async_submit
#define __NR_async_submit 473	/* x86_64 */
#endif
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#define __NR_io_uring_enter 426
#define __NR_io_uring_register 427
#endif
#ifndef STATX_BASIC_STATS
#define STATX_BASIC_STATS 0x7ffU
#endif

#define TMP_FILE	"/tmp/async_bench.dat"	/* on tmpfs */
#ifndef DISK_DIR
#define DISK_DIR	"/mnt/files"		/* the bench disk (ext4), if mounted */
#endif
#define DISK_FILE	DISK_DIR "/async_bench.dat"
#define COLD_DIR	DISK_DIR "/files"	/* case 6: f0000 .. f3999 */
#define FILE_SIZE	4096
#define MAX_REPS	15

/*
 * The data file of cases 1 to 3: DISK_FILE when the disk is mounted (ext4
 * sets FMODE_NOWAIT, so io_uring reads it inline), else TMP_FILE.
 */
static const char *file_path = TMP_FILE;
static int on_disk;

/* ---------------------------------------------------------------- basics */

static int reps = 5;
static int quick;
static int pool_threads;
static int have_async;		/* async_submit(2) present */
static int uring_ok;		/* io_uring usable */
static unsigned int uring_setup_flags;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "async_bench: FATAL: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "async_bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static long futex_wait(uint32_t *w, uint32_t val)
{
	return syscall(__NR_futex, w, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static long futex_wake(uint32_t *w, int n)
{
	return syscall(__NR_futex, w, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

static inline uint32_t load_acq(const uint32_t *w)
{
	return __atomic_load_n(w, __ATOMIC_ACQUIRE);
}

/*
 * How long a waiter (of the pool, of async_submit) and an idle pool worker
 * spin before they sleep: a few cross-thread wake-ups' worth.
 */
#define SPIN_NS 20000

/* Spin up to SPIN_NS while *@w is @v: whether it changed. */
static int spin_while(const uint32_t *w, uint32_t v)
{
	uint64_t end = now_ns() + SPIN_NS;

	do {
		if (load_acq(w) != v)
			return 1;
		__builtin_ia32_pause();
	} while (now_ns() < end);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(uint64_t *v, size_t n, double p)
{
	size_t i;

	qsort(v, n, sizeof(*v), cmp_u64);
	i = (size_t)(p * (n - 1) + 0.5);
	return (double)v[i];
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* --------------------------------------------------------- result table */

enum mode { M_PLAIN, M_BATCH, M_ASYNC, M_URING, M_POOL, M_ASYNC_LINKED, NMODES };
static const char *const mode_name[NMODES] = {
	"(a) plain", "(b) batch", "(c) async", "(d) io_uring", "(e) pool",
	"(c') async, one linked chain",
};

/* A metric of one case: the repetitions of each mode. */
struct metric {
	char name[128];		/* case and metric */
	char unit[16];
	int higher_better;
	int side;		/* printed beside the main table, not in it */
	unsigned int modes;	/* nonzero: print only these modes (1 << mode) */
	int no_speedup;		/* a ratio or difference: no speed-up columns */
	double v[NMODES][MAX_REPS];
	int n[NMODES];
	const char *na[NMODES];	/* not measured: why */
	char mode_note[NMODES][64];
};

static struct metric metrics[64];
static int nmetrics;

static struct metric *new_metric(const char *unit, int higher_better,
				 const char *fmt, ...)
{
	struct metric *m = &metrics[nmetrics++];
	va_list ap;

	if (nmetrics > (int)(sizeof(metrics) / sizeof(metrics[0])))
		die("too many metrics");
	memset(m, 0, sizeof(*m));
	va_start(ap, fmt);
	vsnprintf(m->name, sizeof(m->name), fmt, ap);
	va_end(ap);
	snprintf(m->unit, sizeof(m->unit), "%s", unit);
	m->higher_better = higher_better;
	return m;
}

static void add(struct metric *m, enum mode md, double v)
{
	if (m->n[md] < MAX_REPS)
		m->v[md][m->n[md]++] = v;
}

static int stat3(struct metric *m, enum mode md, double *med, double *lo,
		 double *hi)
{
	double s[MAX_REPS];
	int n = m->n[md];

	if (!n)
		return 0;
	memcpy(s, m->v[md], n * sizeof(double));
	qsort(s, n, sizeof(double), cmp_dbl);
	*lo = s[0];
	*hi = s[n - 1];
	*med = n & 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	return 1;
}

static double med_of(struct metric *m, enum mode md)
{
	double a, b, c;

	return stat3(m, md, &a, &b, &c) ? a : 0;
}

static const char *fmtv(double v, char *buf, size_t len)
{
	if (v >= 1e6)
		snprintf(buf, len, "%.0f", v);
	else if (v >= 100)
		snprintf(buf, len, "%.0f", v);
	else if (v >= 10)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.2f", v);
	return buf;
}

static void speedup(struct metric *m, enum mode md, enum mode ref, char *buf,
		    size_t len)
{
	double a = med_of(m, md), r = med_of(m, ref);

	if (!m->n[md] || !m->n[ref] || a <= 0 || r <= 0) {
		snprintf(buf, len, "–");
		return;
	}
	snprintf(buf, len, "%.2f×", m->higher_better ? a / r : r / a);
}

/* Where metric @i goes in the table: by case number, then as measured. */
static int report_key(int i)
{
	char c = metrics[i].name[0];

	return (c >= '0' && c <= '9' ? c - '0' : 10) * 1000 + i;
}

static int cmp_report(const void *a, const void *b)
{
	return report_key(*(const int *)a) - report_key(*(const int *)b);
}

static void print_report(void)
{
	int order[sizeof(metrics) / sizeof(metrics[0])];
	int k, md;

	printf("| case / metric | mode | median | min–max | speed-up vs plain | speed-up vs io_uring |\n");
	printf("|---|---|---:|---:|---:|---:|\n");
	for (k = 0; k < nmetrics; k++)
		order[k] = k;
	qsort(order, nmetrics, sizeof(order[0]), cmp_report);
	for (k = 0; k < nmetrics; k++) {
		struct metric *m = &metrics[order[k]];

		if (m->side)
			continue;
		for (md = 0; md < NMODES; md++) {
			char a[32], b[32], c[32], sp[32], su[32];
			double med, lo, hi;

			if (md == M_ASYNC_LINKED && !m->n[md] && !m->na[md])
				continue;
			if (m->modes && !(m->modes & 1u << md))
				continue;
			if (!stat3(m, md, &med, &lo, &hi)) {
				printf("| %s [%s] | %s%s%s | %s | | | |\n", m->name, m->unit,
				       mode_name[md], m->mode_note[md][0] ? " " : "",
				       m->mode_note[md], m->na[md] ? m->na[md] : "not measured");
				continue;
			}
			if (m->no_speedup) {
				sp[0] = su[0] = 0;
			} else {
				speedup(m, md, M_PLAIN, sp, sizeof(sp));
				speedup(m, md, M_URING, su, sizeof(su));
			}
			printf("| %s [%s] | %s%s%s | %s | %s–%s | %s | %s |\n", m->name,
			       m->unit, mode_name[md], m->mode_note[md][0] ? " " : "",
			       m->mode_note[md], fmtv(med, a, sizeof(a)),
			       fmtv(lo, b, sizeof(b)), fmtv(hi, c, sizeof(c)), sp, su);
		}
	}
}

/* ------------------------------------------------------ async_submit(2) */

typedef struct async_syscall_entry aent;

#ifndef BENCH_FAKE_ASYNC
static long async_submit(aent *e, unsigned int n, unsigned int flags)
{
	return syscall(__NR_async_submit, e, n, sizeof(*e), flags);
}
#else
/*
 * Host testing only (-DBENCH_FAKE_ASYNC): a user-space stand-in that runs the
 * entries inline, to exercise the benchmark's entry set-up and checks.
 */
static long async_submit(aent *e, unsigned int n, unsigned int flags)
{
	unsigned int i, k;

	(void)flags;
	if (!e || !n) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i++)
		e[i].status = ASYNC_SYSCALL_STATUS_PENDING;
	for (i = 0; i < n; i++) {
		__u64 a[6];
		int cancel = 0;

		memcpy(a, e[i].args, sizeof(a));
		for (k = 0; k < 2; k++) {
			if (!(e[i].flags & (k ? ASYNC_SYSCALL_ENTRY_FEED1 : ASYNC_SYSCALL_ENTRY_FEED0)))
				continue;
			if ((unsigned long)e[e[i].feed[k].src].result >= -4095UL)
				cancel = 1;
			a[e[i].feed[k].slot] = e[e[i].feed[k].src].result;
		}
		if (cancel) {
			e[i].result = -ECANCELED;
		} else {
			long r = syscall(e[i].nr, a[0], a[1], a[2], a[3], a[4], a[5]);

			e[i].result = r < 0 ? -errno : r;
		}
		__atomic_store_n(&e[i].status, ASYNC_SYSCALL_STATUS_DONE, __ATOMIC_RELEASE);
	}
	return n;
}
#endif

#ifdef ASYNC_SYSCALL_STATUS_WAITERS
/*
 * The waiters protocol: the kernel wakes a status word's futex waiters only
 * if ASYNC_SYSCALL_STATUS_WAITERS is set in it when the entry completes, and
 * leaves the word exactly DONE.  A waiter spins first (SPIN_NS), then sets
 * the bit with a compare-and-swap (retrying with the value it read) and waits
 * on the word with the bit set.
 */
static inline int status_pending(uint32_t s)
{
	return (s & ~ASYNC_SYSCALL_STATUS_WAITERS) == ASYNC_SYSCALL_STATUS_PENDING;
}

static void async_wait(aent *e)
{
	uint64_t end = now_ns() + SPIN_NS;
	uint32_t s;

	while (status_pending(s = load_acq(&e->status))) {
		if (now_ns() >= end)
			break;
		__builtin_ia32_pause();
	}
	while (status_pending(s)) {
		if (!(s & ASYNC_SYSCALL_STATUS_WAITERS) &&
		    !__atomic_compare_exchange_n(&e->status, &s,
						 s | ASYNC_SYSCALL_STATUS_WAITERS, 0,
						 __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE))
			continue;	/* s is the value read: retry with it */
		futex_wait(&e->status, s | ASYNC_SYSCALL_STATUS_WAITERS);
		s = load_acq(&e->status);
	}
}

static void async_spin(aent *e)
{
	while (status_pending(load_acq(&e->status)))
		__builtin_ia32_pause();
}
#else
static void async_wait(aent *e)
{
	if (spin_while(&e->status, ASYNC_SYSCALL_STATUS_PENDING))
		return;
	while (load_acq(&e->status) != ASYNC_SYSCALL_STATUS_DONE)
		futex_wait(&e->status, ASYNC_SYSCALL_STATUS_PENDING);
}

static void async_spin(aent *e)
{
	while (load_acq(&e->status) != ASYNC_SYSCALL_STATUS_DONE)
		__builtin_ia32_pause();
}
#endif

static void feed0(aent *e, unsigned int src, unsigned int slot)
{
	e->flags |= ASYNC_SYSCALL_ENTRY_FEED0;
	e->feed[0].src = src;
	e->feed[0].slot = slot;
}

/* openat/read/close chain at e[0..2]; e is at index @base of the array. */
static void fill_orc(aent *e, unsigned int base, char *buf)
{
	memset(e, 0, 3 * sizeof(*e));
	e[0].nr = __NR_openat;
	e[0].flags = ASYNC_SYSCALL_ENTRY_LINK;
	e[0].args[0] = (__u64)(long)AT_FDCWD;
	e[0].args[1] = (__u64)(uintptr_t)file_path;
	e[0].args[2] = O_RDONLY;
	e[1].nr = __NR_read;
	e[1].flags = ASYNC_SYSCALL_ENTRY_LINK;
	e[1].args[0] = (__u64)-1;
	e[1].args[1] = (__u64)(uintptr_t)buf;
	e[1].args[2] = FILE_SIZE;
	feed0(&e[1], base, 0);
	e[2].nr = __NR_close;
	e[2].args[0] = (__u64)-1;
	feed0(&e[2], base, 0);
}

static int check_orc(aent *e)
{
	return e[0].result >= 0 && e[1].result == FILE_SIZE && e[2].result == 0;
}

/* --------------------------------------------------------------- io_uring */

struct ring {
	int fd;
	unsigned int *sq_head, *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	unsigned int sq_entries, tail;
	void *sq_map, *cq_map;
	size_t sq_len, cq_len, sqe_len;
};

static int ring_init_flags(struct ring *r, unsigned int entries, unsigned int flags)
{
	struct io_uring_params p;
	int fd;

	memset(r, 0, sizeof(*r));
	memset(&p, 0, sizeof(p));
	p.flags = flags;
	fd = syscall(__NR_io_uring_setup, entries, &p);
	if (fd < 0)
		return -errno;
	r->fd = fd;
	r->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	r->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (r->cq_len > r->sq_len)
			r->sq_len = r->cq_len;
		r->cq_len = r->sq_len;
	}
	r->sq_map = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
	if (r->sq_map == MAP_FAILED)
		return -errno;
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		r->cq_map = r->sq_map;
	} else {
		r->cq_map = mmap(NULL, r->cq_len, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
		if (r->cq_map == MAP_FAILED)
			return -errno;
	}
	r->sqe_len = p.sq_entries * sizeof(struct io_uring_sqe);
	r->sqes = mmap(NULL, r->sqe_len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		return -errno;
	r->sq_head = (unsigned int *)((char *)r->sq_map + p.sq_off.head);
	r->sq_tail = (unsigned int *)((char *)r->sq_map + p.sq_off.tail);
	r->sq_mask = (unsigned int *)((char *)r->sq_map + p.sq_off.ring_mask);
	r->sq_array = (unsigned int *)((char *)r->sq_map + p.sq_off.array);
	r->cq_head = (unsigned int *)((char *)r->cq_map + p.cq_off.head);
	r->cq_tail = (unsigned int *)((char *)r->cq_map + p.cq_off.tail);
	r->cq_mask = (unsigned int *)((char *)r->cq_map + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)((char *)r->cq_map + p.cq_off.cqes);
	r->sq_entries = p.sq_entries;
	r->tail = *r->sq_tail;
	return 0;
}

/* A ring with @slots sparse registered file slots. */
static int ring_init(struct ring *r, unsigned int entries, unsigned int slots)
{
	int fds[1024];
	unsigned int i;
	int ret;

	ret = ring_init_flags(r, entries, uring_setup_flags);
	if (ret)
		return ret;
	if (slots) {
		for (i = 0; i < slots; i++)
			fds[i] = -1;
		if (syscall(__NR_io_uring_register, r->fd, IORING_REGISTER_FILES,
			    fds, slots) < 0)
			return -errno;
	}
	return 0;
}

static void ring_exit(struct ring *r)
{
	munmap(r->sqes, r->sqe_len);
	if (r->cq_map != r->sq_map)
		munmap(r->cq_map, r->cq_len);
	munmap(r->sq_map, r->sq_len);
	close(r->fd);
}

static struct io_uring_sqe *sqe_get(struct ring *r)
{
	unsigned int idx = r->tail & *r->sq_mask;
	struct io_uring_sqe *s = &r->sqes[idx];

	r->sq_array[idx] = idx;
	r->tail++;
	memset(s, 0, sizeof(*s));
	return s;
}

/*
 * Submit everything queued and reap @want completions; @cb sees each CQE.
 * Returns the number of CQEs with a negative res.
 */
static int ring_submit_wait(struct ring *r, unsigned int want,
			    void (*cb)(struct io_uring_cqe *, void *), void *arg)
{
	unsigned int to_submit, got = 0, head, tail;
	int bad = 0;
	long ret;

	to_submit = r->tail - *r->sq_tail;
	__atomic_store_n(r->sq_tail, r->tail, __ATOMIC_RELEASE);
	while (got < want) {
		head = *r->cq_head;
		tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
		if (head == tail || to_submit) {
			ret = syscall(__NR_io_uring_enter, r->fd, to_submit,
				      want - got, IORING_ENTER_GETEVENTS, NULL, 0);
			if (ret < 0) {
				if (errno == EINTR || errno == EAGAIN || errno == EBUSY)
					continue;
				die("io_uring_enter: %s", strerror(errno));
			}
			to_submit -= ret < (long)to_submit ? ret : to_submit;
			continue;
		}
		for (; head != tail && got < want; head++, got++) {
			struct io_uring_cqe *c = &r->cqes[head & *r->cq_mask];

			if (c->res < 0)
				bad++;
			if (cb)
				cb(c, arg);
		}
		__atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
	}
	return bad;
}

/* open/read/close through fixed-file slot @slot, linked. */
static void queue_orc(struct ring *r, unsigned int slot, char *buf, __u64 ud)
{
	struct io_uring_sqe *s;

	s = sqe_get(r);
	s->opcode = IORING_OP_OPENAT;
	s->fd = AT_FDCWD;
	s->addr = (uintptr_t)file_path;
	s->open_flags = O_RDONLY;
	s->file_index = slot + 1;
	s->flags = IOSQE_IO_LINK;
	s->user_data = ud;
	s = sqe_get(r);
	s->opcode = IORING_OP_READ;
	s->fd = slot;
	s->addr = (uintptr_t)buf;
	s->len = FILE_SIZE;
	s->off = 0;
	s->flags = IOSQE_IO_LINK | IOSQE_FIXED_FILE;
	s->user_data = ud | 1ull << 62;
	s = sqe_get(r);
	s->opcode = IORING_OP_CLOSE;
	s->fd = 0;
	s->file_index = slot + 1;
	s->user_data = ud | 2ull << 62;
}

static void orc_cqe_check(struct io_uring_cqe *c, void *arg)
{
	int *bad = arg;

	if ((c->user_data >> 62) == 1 && c->res != FILE_SIZE)
		(*bad)++;
}

/*
 * Submit everything queued, wait for at least one completion, and pass every
 * CQE there is to @cb (which may queue more SQEs).
 */
static void ring_reap(struct ring *r, void (*cb)(struct io_uring_cqe *, void *), void *arg)
{
	unsigned int head, tail, pending;
	long ret;

	__atomic_store_n(r->sq_tail, r->tail, __ATOMIC_RELEASE);
	for (;;) {
		head = *r->cq_head;
		tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
		pending = r->tail - __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE);
		if (head != tail && !pending)
			break;
		ret = syscall(__NR_io_uring_enter, r->fd, pending, head == tail ? 1 : 0,
			      IORING_ENTER_GETEVENTS, NULL, 0);
		if (ret < 0 && errno != EINTR && errno != EAGAIN && errno != EBUSY)
			die("io_uring_enter: %s", strerror(errno));
	}
	for (; head != tail; head++)
		cb(&r->cqes[head & *r->cq_mask], arg);
	__atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
}

/* ------------------------------------------------- case 6: the files */

#define COLD_N		4000	/* files f0000 .. f3999 in COLD_DIR */
#define COLD_WIN	64	/* files in flight */

static int cold_dirfd = -1;

static void cold_name(int i, char *name, size_t len)
{
	snprintf(name, len, "f%04d", i);
}

/*
 * File @i holds "f%06d\n" then bytes (i * 131 + j * 7) & 0xff at offsets j
 * = 8 .. 4095 (harness/bench.sh makes them the same way): a read of the
 * wrong file or of stale data does not match.
 */
static int cold_check(int i, const unsigned char *b)
{
	char head[16];
	int j;

	snprintf(head, sizeof(head), "f%06d\n", i);
	if (memcmp(b, head, 8))
		return 0;
	for (j = 8; j < FILE_SIZE; j++)
		if (b[j] != (unsigned char)(i * 131 + j * 7))
			return 0;
	return 1;
}

/* open, fstat, read 4 KiB, close of file @i: bytes read or -errno. */
static long cold_one(int i, char *buf)
{
	char name[16];
	struct stat st;
	long n;
	int fd;

	cold_name(i, name, sizeof(name));
	fd = openat(cold_dirfd, name, O_RDONLY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		n = -errno;
	else if (st.st_size != FILE_SIZE)
		n = -EFBIG;
	else if ((n = read(fd, buf, FILE_SIZE)) < 0)
		n = -errno;
	close(fd);
	return n;
}

/* ------------------------------------------------------------ thread pool */

enum job_kind { J_ORC, J_GETPPID, J_FSTAT, J_READ, J_COLD };

struct job {
	int kind;
	int fd;
	char *buf;
	long result;
	uint32_t status;	/* 0 pending, 1 done, 2 pending with a waiter */
};

#define POOL_QCAP 8192

static struct {
	pthread_mutex_t lock;
	struct job *q[POOL_QCAP];
	unsigned int head, tail;
	uint32_t seq;		/* futex: bumped on every push */
	uint32_t sleepers;	/* workers in (or on their way into) futex_wait */
	int nthreads;
	pthread_t tid[256];
	int stop;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

static long run_orc(char *buf)
{
	int fd = open(file_path, O_RDONLY);
	long n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, FILE_SIZE);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

static void job_run(struct job *j)
{
	struct stat st;
	long r = 0;

	switch (j->kind) {
	case J_ORC:
		r = run_orc(j->buf);
		break;
	case J_GETPPID:
		r = getppid();
		break;
	case J_FSTAT:
		r = fstat(j->fd, &st) ? -errno : 0;
		break;
	case J_READ:
		r = read(j->fd, j->buf, 1);
		if (r < 0)
			r = -errno;
		break;
	case J_COLD:
		r = cold_one(j->fd, j->buf);	/* fd: the file's index */
		break;
	}
	j->result = r;
	if (__atomic_exchange_n(&j->status, 1, __ATOMIC_ACQ_REL) == 2)
		futex_wake(&j->status, INT_MAX);
}

static void *pool_worker(void *arg)
{
	(void)arg;
	for (;;) {
		struct job *j = NULL;
		uint32_t seq;

		pthread_mutex_lock(&pool.lock);
		if (pool.head != pool.tail)
			j = pool.q[pool.head++ % POOL_QCAP];
		seq = pool.seq;
		pthread_mutex_unlock(&pool.lock);
		if (j) {
			job_run(j);
			continue;
		}
		if (__atomic_load_n(&pool.stop, __ATOMIC_ACQUIRE))
			return NULL;
		/* Look for work briefly before sleeping, as good pools do. */
		if (spin_while(&pool.seq, seq))
			continue;
		__atomic_add_fetch(&pool.sleepers, 1, __ATOMIC_SEQ_CST);
		futex_wait(&pool.seq, seq);
		__atomic_sub_fetch(&pool.sleepers, 1, __ATOMIC_SEQ_CST);
	}
}

static void pool_start(int n)
{
	int i;

	pool.nthreads = n;
	for (i = 0; i < n; i++)
		if (pthread_create(&pool.tid[i], NULL, pool_worker, NULL))
			die("pthread_create");
}

static void pool_submit(struct job *jobs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		jobs[i].status = 0;
	pthread_mutex_lock(&pool.lock);
	if (pool.tail - pool.head + n > POOL_QCAP)
		die("pool queue overflow");
	for (i = 0; i < n; i++)
		pool.q[pool.tail++ % POOL_QCAP] = &jobs[i];
	__atomic_add_fetch(&pool.seq, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&pool.lock);
	/*
	 * Wake only sleepers: a worker counts itself before it sleeps on the
	 * old sequence number, so either this sees it or its futex_wait()
	 * sees the new number.
	 */
	if (__atomic_load_n(&pool.sleepers, __ATOMIC_SEQ_CST))
		futex_wake(&pool.seq, n < (unsigned int)pool.nthreads ?
			   (int)n : pool.nthreads);
}

static void job_wait(struct job *j)
{
	uint32_t s;

	if (spin_while(&j->status, 0))
		return;
	while ((s = load_acq(&j->status)) != 1) {
		if (s == 0 && !__atomic_compare_exchange_n(&j->status, &s, 2, 0,
							   __ATOMIC_ACQ_REL,
							   __ATOMIC_ACQUIRE))
			continue;
		futex_wait(&j->status, 2);
	}
}

static void pool_stop(void)
{
	int i;

	__atomic_store_n(&pool.stop, 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&pool.seq, 1, __ATOMIC_RELEASE);
	futex_wake(&pool.seq, INT_MAX);
	for (i = 0; i < pool.nthreads; i++)
		pthread_join(pool.tid[i], NULL);
}

/* ------------------------------------------------ threads of this process */

#define MAX_TIDS 1024

/* Threads of one kind and their voluntary context switches. */
struct tsnap {
	int n;
	int tid[MAX_TIDS];
	unsigned long vcs[MAX_TIDS];
};

/*
 * The threads of this process whose comm starts with @prefix (the kernel's
 * workers are "async_syscall", io_uring's "iou-wrk-<pid>"): their number, and
 * with @ts their tids and voluntary_ctxt_switches (each one a sleep, so a
 * wake-up once the thread runs again).
 */
static int scan_threads(const char *prefix, struct tsnap *ts)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char p[300], line[128];
		unsigned long v = 0;
		int match = 0;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/proc/self/task/%s/status", de->d_name);
		f = fopen(p, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "Name:\t", 6))
				match = !strncmp(line + 6, prefix, strlen(prefix));
			else if (sscanf(line, "voluntary_ctxt_switches: %lu", &v) == 1)
				break;
		}
		fclose(f);
		if (!match)
			continue;
		if (ts && n < MAX_TIDS) {
			ts->tid[n] = atoi(de->d_name);
			ts->vcs[n] = v;
		}
		n++;
	}
	closedir(d);
	if (ts)
		ts->n = n < MAX_TIDS ? n : MAX_TIDS;
	return n;
}

/*
 * Between snapshots @a and @b: the sum of the threads' voluntary switches
 * (a thread new in @b counts from 0) and the number of new threads.
 */
static void tsnap_delta(const struct tsnap *a, const struct tsnap *b,
			unsigned long *wakes, int *created)
{
	int i, k;

	*wakes = 0;
	*created = 0;
	for (i = 0; i < b->n; i++) {
		for (k = 0; k < a->n && a->tid[k] != b->tid[i]; k++)
			;
		if (k < a->n) {
			*wakes += b->vcs[i] - a->vcs[k];
		} else {
			*wakes += b->vcs[i];
			++*created;
		}
	}
}

#define WORKER_COMM	"async_syscall"
#define IOWQ_COMM	"iou-wrk"

/* Diagnostic lines of the report (S0.3 of docs/design-perf.md). */
static char diag[32][256];
static int ndiag;

static void diag_add(const char *fmt, ...)
{
	va_list ap;

	if (ndiag >= (int)(sizeof(diag) / sizeof(diag[0])))
		return;
	va_start(ap, fmt);
	vsnprintf(diag[ndiag++], sizeof(diag[0]), fmt, ap);
	va_end(ap);
}

/* ------------------------------------------- case 1: open/read/close latency */

static char buf1[FILE_SIZE] __attribute__((aligned(4096)));

/* profile of the async path, case 1 */
static struct metric *prof_orc_submit, *prof_orc_done, *prof_orc_spin;

/* One chain, timed from before the first call to its last result. */
static uint64_t orc_once(enum mode md, struct ring *r, int *bad, uint64_t *t_sub,
			 int spin)
{
	aent e[3];
	struct job j;
	uint64_t t0, t1;
	int fd;
	long n;

	switch (md) {
	case M_PLAIN:
		t0 = now_ns();
		fd = open(file_path, O_RDONLY);
		n = read(fd, buf1, FILE_SIZE);
		close(fd);
		t1 = now_ns();
		*bad += n != FILE_SIZE;
		return t1 - t0;
	case M_BATCH:
		fill_orc(e, 0, buf1);
		t0 = now_ns();
		async_submit(e, 3, ASYNC_SUBMIT_BATCH);
		t1 = now_ns();
		*bad += !check_orc(e);
		return t1 - t0;
	case M_ASYNC:
		fill_orc(e, 0, buf1);
		t0 = now_ns();
		if (async_submit(e, 3, 0) != 3)
			die("async_submit: %s", strerror(errno));
		if (t_sub)
			*t_sub = now_ns() - t0;
		if (spin)
			async_spin(&e[2]);
		else
			async_wait(&e[2]);
		t1 = now_ns();
		*bad += !check_orc(e) || e[0].status != ASYNC_SYSCALL_STATUS_DONE ||
			e[1].status != ASYNC_SYSCALL_STATUS_DONE;
		return t1 - t0;
	case M_URING:
		t0 = now_ns();
		queue_orc(r, 0, buf1, 0);
		{
			int b = 0;

			*bad += ring_submit_wait(r, 3, orc_cqe_check, &b);
			*bad += b;
		}
		t1 = now_ns();
		return t1 - t0;
	case M_POOL:
		j.kind = J_ORC;
		j.buf = buf1;
		t0 = now_ns();
		pool_submit(&j, 1);
		job_wait(&j);
		t1 = now_ns();
		*bad += j.result != FILE_SIZE;
		return t1 - t0;
	default:
		return 0;
	}
}

static struct metric *c1_p50, *c1_tmpfs;

static void case1(struct ring *r)
{
	struct metric *p50, *p99;
	int iters = quick ? 200 : 2000, warm = quick ? 20 : 200;
	uint64_t *lat = calloc(iters, sizeof(*lat));
	uint64_t *sub = calloc(iters, sizeof(*sub));
	static struct tsnap before, after;
	int md, rep, i;

	c1_p50 = p50 = new_metric("µs", 0, "1. open+read 4 KiB+close chain, latency p50");
	p99 = new_metric("µs", 0, "1. open+read 4 KiB+close chain, latency p99");
	prof_orc_submit = new_metric("µs", 0, "P1. async chain: async_submit() call returns, p50");
	prof_orc_done = new_metric("µs", 0, "P1. async chain: last entry DONE seen (futex wait), p50");
	prof_orc_spin = new_metric("µs", 0, "P1. async chain: last entry DONE seen (spin wait), p50");
	prof_orc_submit->side = prof_orc_done->side = prof_orc_spin->side = 1;
	for (md = M_PLAIN; md <= M_POOL; md++) {
		int bad = 0;

		if ((md == M_BATCH || md == M_ASYNC) && !have_async) {
			p50->na[md] = p99->na[md] = "unavailable (ENOSYS)";
			continue;
		}
		if (md == M_URING && !uring_ok) {
			p50->na[md] = p99->na[md] = "unavailable";
			continue;
		}
		if (md == M_ASYNC)
			scan_threads(WORKER_COMM, &before);
		for (rep = 0; rep < reps; rep++) {
			for (i = 0; i < warm; i++)
				orc_once(md, r, &bad, NULL, 0);
			for (i = 0; i < iters; i++)
				lat[i] = orc_once(md, r, &bad, &sub[i], 0);
			add(p50, md, pct(lat, iters, 0.50) / 1e3);
			add(p99, md, pct(lat, iters, 0.99) / 1e3);
			if (md == M_ASYNC) {
				add(prof_orc_done, M_ASYNC, pct(lat, iters, 0.50) / 1e3);
				add(prof_orc_submit, M_ASYNC, pct(sub, iters, 0.50) / 1e3);
				for (i = 0; i < iters; i++)
					lat[i] = orc_once(md, r, &bad, NULL, 1);
				add(prof_orc_spin, M_ASYNC, pct(lat, iters, 0.50) / 1e3);
			}
		}
		if (bad)
			die("case 1 %s: %d wrong results", mode_name[md], bad);
		note("case 1 %s: p50 %.1f µs", mode_name[md], med_of(p50, md));
		if (md == M_ASYNC) {
			unsigned long w;
			int c;

			scan_threads(WORKER_COMM, &after);
			tsnap_delta(&before, &after, &w, &c);
			diag_add("case 1 (c) async: %.2f wake-ups of " WORKER_COMM " threads per "
				 "chain, %d new " WORKER_COMM " threads over %d chains (one at a time)",
				 (double)w / (reps * (warm + 2 * iters)), c, reps * (warm + 2 * iters));
		}
		if (md == M_URING)
			diag_add("case 1 (d) io_uring, file %s: %d iou-wrk threads alive after the run",
				 on_disk ? "on ext4" : "on tmpfs", scan_threads(IOWQ_COMM, NULL));
	}
	if (!have_async) {
		prof_orc_submit->na[M_ASYNC] = prof_orc_done->na[M_ASYNC] =
			prof_orc_spin->na[M_ASYNC] = "unavailable (ENOSYS)";
	}

	/*
	 * io_uring on the tmpfs copy of the file: tmpfs does not set
	 * FMODE_NOWAIT, so the inline READ attempt returns -EAGAIN and the read
	 * is punted to an io-wq worker (two cross-thread wake-ups per chain).
	 */
	c1_tmpfs = new_metric("µs", 0, "1. open+read 4 KiB+close chain, file on tmpfs, latency p50");
	c1_tmpfs->modes = 1u << M_URING;
	c1_tmpfs->no_speedup = 1;
	snprintf(c1_tmpfs->mode_note[M_URING], sizeof(c1_tmpfs->mode_note[M_URING]),
		 "[file on tmpfs: READ punted to io-wq]");
	if (!uring_ok) {
		c1_tmpfs->na[M_URING] = "unavailable";
	} else {
		const char *path = file_path;
		int bad = 0;

		file_path = TMP_FILE;
		for (rep = 0; rep < reps; rep++) {
			for (i = 0; i < warm; i++)
				orc_once(M_URING, r, &bad, NULL, 0);
			for (i = 0; i < iters; i++)
				lat[i] = orc_once(M_URING, r, &bad, NULL, 0);
			add(c1_tmpfs, M_URING, pct(lat, iters, 0.50) / 1e3);
		}
		file_path = path;
		if (bad)
			die("case 1 io_uring on tmpfs: %d wrong results", bad);
		diag_add("case 1 (d) io_uring, file on tmpfs: %d iou-wrk threads alive after the run",
			 scan_threads(IOWQ_COMM, NULL));
		note("case 1 io_uring, file on tmpfs: p50 %.1f µs", med_of(c1_tmpfs, M_URING));
	}
	free(lat);
	free(sub);
}

/* ------------------------------------------------- case 2: cheap call batches */

#define MAXB 4096	/* largest batch of case 2 (ASYNC_SUBMIT_MAX_ENTRIES) */
#define NSIZES 5
static const int c2_sizes[NSIZES] = { 1, 8, 64, 512, MAXB };
static aent abuf[MAXB] __attribute__((aligned(64)));
static struct job jbuf[MAXB];
static struct stat stbuf[MAXB];
static struct statx sxbuf[MAXB];

static int cheap_round(enum mode md, struct ring *r, int call, int fd, int n)
{
	int i, bad = 0;

	switch (md) {
	case M_PLAIN:
		for (i = 0; i < n; i++) {
			if (call == 0)
				bad += getppid() <= 0;
			else
				bad += fstat(fd, &stbuf[i]) != 0;
		}
		return bad;
	case M_BATCH:
	case M_ASYNC:
	case M_ASYNC_LINKED:
		memset(abuf, 0, n * sizeof(aent));
		for (i = 0; i < n; i++) {
			if (call == 0) {
				abuf[i].nr = __NR_getppid;
			} else {
				abuf[i].nr = __NR_fstat;
				abuf[i].args[0] = fd;
				abuf[i].args[1] = (uintptr_t)&stbuf[i];
			}
			if (md == M_ASYNC_LINKED && i < n - 1)
				abuf[i].flags = ASYNC_SYSCALL_ENTRY_LINK;
		}
		if (async_submit(abuf, n, md == M_BATCH ? ASYNC_SUBMIT_BATCH : 0) != n)
			die("async_submit(%d): %s", n, strerror(errno));
		if (md == M_ASYNC_LINKED) {
			async_wait(&abuf[n - 1]);
		} else if (md == M_ASYNC) {
			for (i = 0; i < n; i++)
				async_wait(&abuf[i]);
		}
		for (i = 0; i < n; i++)
			bad += call == 0 ? abuf[i].result <= 0 : abuf[i].result != 0;
		return bad;
	case M_URING:
		for (i = 0; i < n; i++) {
			struct io_uring_sqe *s = sqe_get(r);

			if (call == 0) {
				s->opcode = IORING_OP_NOP;
			} else {
				s->opcode = IORING_OP_STATX;
				s->fd = fd;
				s->addr = (uintptr_t)"";
				s->len = STATX_BASIC_STATS;
				s->statx_flags = AT_EMPTY_PATH;
				s->off = (uintptr_t)&sxbuf[i];
			}
		}
		return ring_submit_wait(r, n, NULL, NULL);
	case M_POOL:
		for (i = 0; i < n; i++) {
			jbuf[i].kind = call == 0 ? J_GETPPID : J_FSTAT;
			jbuf[i].fd = fd;
		}
		pool_submit(jbuf, n);
		for (i = 0; i < n; i++)
			job_wait(&jbuf[i]);
		for (i = 0; i < n; i++)
			bad += call == 0 ? jbuf[i].result <= 0 : jbuf[i].result != 0;
		return bad;
	default:
		return 0;
	}
}

static struct metric *c2[2][NSIZES];

static void case2(struct ring *r)
{
	static const char *const calls[2] = { "getppid", "fstat" };
	int total = quick ? 1024 : 8192;
	int fd = open(file_path, O_RDONLY);
	int call, si, md, rep, k;

	if (fd < 0)
		die("open %s: %s", file_path, strerror(errno));
	for (call = 0; call < 2; call++) {
		for (si = 0; si < NSIZES; si++) {
			int n = c2_sizes[si], rounds = total / n ? total / n : 1;
			struct metric *m;

			m = c2[call][si] = new_metric("ns/call", 0, "2. %s, batch of %d, per call",
						      calls[call], n);
			snprintf(m->mode_note[M_URING], sizeof(m->mode_note[M_URING]), "%s",
				 call == 0 ? "[IORING_OP_NOP: no getppid opcode]" :
					     "[IORING_OP_STATX, AT_EMPTY_PATH]");
			for (md = 0; md < NMODES; md++) {
				int bad = 0;

				if ((md == M_BATCH || md == M_ASYNC || md == M_ASYNC_LINKED) &&
				    !have_async) {
					m->na[md] = "unavailable (ENOSYS)";
					continue;
				}
				if (md == M_URING && !uring_ok) {
					m->na[md] = "unavailable";
					continue;
				}
				for (rep = 0; rep < reps; rep++) {
					uint64_t t0;

					for (k = 0; k < rounds / 8 + 1; k++)
						bad += cheap_round(md, r, call, fd, n);
					t0 = now_ns();
					for (k = 0; k < rounds; k++)
						bad += cheap_round(md, r, call, fd, n);
					add(m, md, (double)(now_ns() - t0) / ((double)rounds * n));
				}
				if (bad)
					die("case 2 %s %s x%d: %d wrong results", mode_name[md],
					    calls[call], n, bad);
			}
			note("case 2 %s x%d: plain %.0f batch %.0f async %.0f uring %.0f pool %.0f ns/call",
			     calls[call], n, med_of(m, M_PLAIN), med_of(m, M_BATCH),
			     med_of(m, M_ASYNC), med_of(m, M_URING), med_of(m, M_POOL));
		}
	}
	close(fd);
}

/* ------------------------------------------------ case 3: chain throughput */

#define WIN 64		/* chains in flight per submitting thread */

struct c3arg {
	enum mode md;
	int chains;
	pthread_barrier_t *bar;
	int bad;
	uint64_t t0, t1;
	int iowq;		/* io_uring: iou-wrk threads seen at the end */
};

static void *c3_thread(void *p)
{
	struct c3arg *a = p;
	static __thread char bufs[WIN][FILE_SIZE] __attribute__((aligned(4096)));
	aent *e = NULL;
	struct job *jobs = NULL;
	struct ring r;
	int done = 0, i, n;

	if (a->md == M_URING && ring_init(&r, 256, WIN))
		die("case 3: io_uring setup failed");
	if (a->md == M_BATCH || a->md == M_ASYNC)
		e = aligned_alloc(64, 3 * WIN * sizeof(aent));
	if (a->md == M_POOL)
		jobs = calloc(WIN, sizeof(*jobs));
	pthread_barrier_wait(a->bar);
	a->t0 = now_ns();
	while (done < a->chains) {
		n = a->chains - done < WIN ? a->chains - done : WIN;
		switch (a->md) {
		case M_PLAIN:
			for (i = 0; i < n; i++)
				a->bad += run_orc(bufs[i]) != FILE_SIZE;
			break;
		case M_BATCH:
		case M_ASYNC:
			for (i = 0; i < n; i++)
				fill_orc(&e[3 * i], 3 * i, bufs[i]);
			if (async_submit(e, 3 * n, a->md == M_BATCH ? ASYNC_SUBMIT_BATCH : 0) != 3 * n)
				die("async_submit: %s", strerror(errno));
			for (i = 0; i < n; i++) {
				if (a->md == M_ASYNC)
					async_wait(&e[3 * i + 2]);
				a->bad += !check_orc(&e[3 * i]);
			}
			break;
		case M_URING:
			for (i = 0; i < n; i++)
				queue_orc(&r, i, bufs[i], i);
			{
				int b = 0;

				a->bad += ring_submit_wait(&r, 3 * n, orc_cqe_check, &b);
				a->bad += b;
			}
			break;
		case M_POOL:
			for (i = 0; i < n; i++) {
				jobs[i].kind = J_ORC;
				jobs[i].buf = bufs[i];
			}
			pool_submit(jobs, n);
			for (i = 0; i < n; i++) {
				job_wait(&jobs[i]);
				a->bad += jobs[i].result != FILE_SIZE;
			}
			break;
		default:
			break;
		}
		done += n;
	}
	a->t1 = now_ns();
	if (a->md == M_URING) {
		a->iowq = scan_threads(IOWQ_COMM, NULL);
		ring_exit(&r);
	}
	free(e);
	free(jobs);
	return NULL;
}

#define C3_MAXTHR 4

static int c3_last_iowq;	/* iou-wrk threads seen by the last c3_run() */

static double c3_run(enum mode md, int nthr, int chains)
{
	pthread_barrier_t bar;
	pthread_t t[C3_MAXTHR];
	struct c3arg a[C3_MAXTHR];
	uint64_t t0, t1;
	int i, bad = 0;

	pthread_barrier_init(&bar, NULL, nthr + 1);
	for (i = 0; i < nthr; i++) {
		a[i] = (struct c3arg){ .md = md, .chains = chains / nthr, .bar = &bar };
		if (pthread_create(&t[i], NULL, c3_thread, &a[i]))
			die("pthread_create");
	}
	/* Each thread times itself: the run spans the first start to the last end. */
	pthread_barrier_wait(&bar);
	t0 = UINT64_MAX;
	t1 = 0;
	c3_last_iowq = 0;
	for (i = 0; i < nthr; i++) {
		pthread_join(t[i], NULL);
		bad += a[i].bad;
		if (a[i].iowq > c3_last_iowq)
			c3_last_iowq = a[i].iowq;
		if (a[i].t0 < t0)
			t0 = a[i].t0;
		if (a[i].t1 > t1)
			t1 = a[i].t1;
	}
	pthread_barrier_destroy(&bar);
	if (bad)
		die("case 3 %s: %d wrong results", mode_name[md], bad);
	return 3.0 * (chains / nthr) * nthr / ((t1 - t0) / 1e9);
}

static const int c3_threads[3] = { 1, 2, 4 };
static struct metric *c3[3];
/* async mode: worker wake-ups and new workers over the timed repetitions */
static unsigned long c3_wakes[3], c3_chains[3];
static int c3_created[3], c3_iowq[3];

static void case3(void)
{
	static struct tsnap before, after;
	int chains = quick ? 2000 : 20000;
	int ti, md, rep;

	for (ti = 0; ti < 3; ti++) {
		int nthr = c3_threads[ti];
		struct metric *m = c3[ti] = new_metric("kentries/s", 1,
			"3. %d independent open/read/close chains, %d submitting thread%s, throughput",
			chains, nthr, nthr > 1 ? "s" : "");

		for (md = M_PLAIN; md <= M_POOL; md++) {
			if ((md == M_BATCH || md == M_ASYNC) && !have_async) {
				m->na[md] = "unavailable (ENOSYS)";
				continue;
			}
			if (md == M_URING && !uring_ok) {
				m->na[md] = "unavailable";
				continue;
			}
			c3_run(md, nthr, chains / 10);	/* warm-up */
			for (rep = 0; rep < reps; rep++) {
				unsigned long w;
				int c;

				if (md == M_ASYNC)
					scan_threads(WORKER_COMM, &before);
				add(m, md, c3_run(md, nthr, chains) / 1e3);
				if (md == M_URING && c3_last_iowq > c3_iowq[ti])
					c3_iowq[ti] = c3_last_iowq;
				if (md == M_ASYNC) {
					scan_threads(WORKER_COMM, &after);
					tsnap_delta(&before, &after, &w, &c);
					c3_wakes[ti] += w;
					c3_created[ti] += c;
					c3_chains[ti] += chains / nthr * nthr;
				}
			}
		}
		note("case 3 x%d threads: plain %.0f batch %.0f async %.0f uring %.0f pool %.0f kentries/s",
		     nthr, med_of(m, M_PLAIN), med_of(m, M_BATCH), med_of(m, M_ASYNC),
		     med_of(m, M_URING), med_of(m, M_POOL));
	}
}

/* ------------------------------------------------------- case 4: overlap */

#define NPIPE 64
#define DELAY_MS 20

static int pfd[NPIPE][2];
static uint32_t w_go;
static uint64_t w_writing;

static void *c4_writer(void *p)
{
	struct timespec ts = { 0, DELAY_MS * 1000000L };
	int i;

	(void)p;
	while (load_acq(&w_go) == 0)
		futex_wait(&w_go, 0);
	nanosleep(&ts, NULL);
	w_writing = now_ns();
	for (i = 0; i < NPIPE; i++)
		if (write(pfd[i][1], "x", 1) != 1)
			die("pipe write");
	return NULL;
}

static void c4_once(enum mode md, struct ring *r, double *total_ms, double *after_us)
{
	static char rb[NPIPE];
	pthread_t wt;
	uint64_t t0, t1;
	int i, bad = 0;

	for (i = 0; i < NPIPE; i++)
		if (pipe(pfd[i]))
			die("pipe: %s", strerror(errno));
	w_go = 0;
	if (pthread_create(&wt, NULL, c4_writer, NULL))
		die("pthread_create");
	usleep(1000);
	t0 = now_ns();
	__atomic_store_n(&w_go, 1, __ATOMIC_RELEASE);
	futex_wake(&w_go, 1);
	switch (md) {
	case M_PLAIN:
		for (i = 0; i < NPIPE; i++)
			bad += read(pfd[i][0], &rb[i], 1) != 1;
		break;
	case M_BATCH:
	case M_ASYNC:
		memset(abuf, 0, NPIPE * sizeof(aent));
		for (i = 0; i < NPIPE; i++) {
			abuf[i].nr = __NR_read;
			abuf[i].args[0] = pfd[i][0];
			abuf[i].args[1] = (uintptr_t)&rb[i];
			abuf[i].args[2] = 1;
		}
		if (async_submit(abuf, NPIPE, md == M_BATCH ? ASYNC_SUBMIT_BATCH : 0) != NPIPE)
			die("async_submit: %s", strerror(errno));
		for (i = 0; i < NPIPE; i++) {
			if (md == M_ASYNC)
				async_wait(&abuf[i]);
			bad += abuf[i].result != 1;
		}
		break;
	case M_URING:
		for (i = 0; i < NPIPE; i++) {
			struct io_uring_sqe *s = sqe_get(r);

			s->opcode = IORING_OP_READ;
			s->fd = pfd[i][0];
			s->addr = (uintptr_t)&rb[i];
			s->len = 1;
			s->off = (__u64)-1;
		}
		bad += ring_submit_wait(r, NPIPE, NULL, NULL);
		break;
	case M_POOL:
		for (i = 0; i < NPIPE; i++) {
			jbuf[i].kind = J_READ;
			jbuf[i].fd = pfd[i][0];
			jbuf[i].buf = &rb[i];
		}
		pool_submit(jbuf, NPIPE);
		for (i = 0; i < NPIPE; i++) {
			job_wait(&jbuf[i]);
			bad += jbuf[i].result != 1;
		}
		break;
	default:
		break;
	}
	t1 = now_ns();
	pthread_join(wt, NULL);
	for (i = 0; i < NPIPE; i++) {
		close(pfd[i][0]);
		close(pfd[i][1]);
	}
	if (bad)
		die("case 4 %s: %d wrong results", mode_name[md], bad);
	*total_ms = (t1 - t0) / 1e6;
	*after_us = (t1 - w_writing) / 1e3;
}

static void case4(struct ring *r)
{
	struct metric *tot, *aft;
	int md, rep;
	double a, b;

	tot = new_metric("ms", 0, "4. 64 pipe reads, writer after %d ms: all 64 collected", DELAY_MS);
	aft = new_metric("µs", 0, "4. 64 pipe reads: last result collected after the writer's first write");
	for (md = M_PLAIN; md <= M_POOL; md++) {
		if ((md == M_BATCH || md == M_ASYNC) && !have_async) {
			tot->na[md] = aft->na[md] = "unavailable (ENOSYS)";
			continue;
		}
		if (md == M_URING && !uring_ok) {
			tot->na[md] = aft->na[md] = "unavailable";
			continue;
		}
		c4_once(md, r, &a, &b);		/* warm-up */
		for (rep = 0; rep < reps; rep++) {
			c4_once(md, r, &a, &b);
			add(tot, md, a);
			add(aft, md, b);
		}
		note("case 4 %s: %.2f ms, %.0f µs after the first write", mode_name[md],
		     med_of(tot, md), med_of(aft, md));
	}
}

/* ------------------------------------------------------ futex ping-pong */

static uint32_t turn;
static int pp_iters;

static void *pp_thread(void *p)
{
	int i;

	(void)p;
	for (i = 0; i < pp_iters; i++) {
		while (load_acq(&turn) != 1)
			futex_wait(&turn, 0);
		__atomic_store_n(&turn, 0, __ATOMIC_RELEASE);
		futex_wake(&turn, 1);
	}
	return NULL;
}

static struct metric *pingpong;

static void futex_pingpong(void)
{
	int rep, i;

	pingpong = new_metric("µs", 0, "futex ping-pong between two threads, round trip");
	pingpong->side = 1;
	pp_iters = quick ? 2000 : 20000;
	for (rep = 0; rep <= reps; rep++) {
		pthread_t t;
		uint64_t t0;

		turn = 0;
		if (pthread_create(&t, NULL, pp_thread, NULL))
			die("pthread_create");
		t0 = now_ns();
		for (i = 0; i < pp_iters; i++) {
			__atomic_store_n(&turn, 1, __ATOMIC_RELEASE);
			futex_wake(&turn, 1);
			while (load_acq(&turn) != 0)
				futex_wait(&turn, 1);
		}
		if (rep)	/* rep 0 is the warm-up */
			add(pingpong, M_PLAIN, (now_ns() - t0) / 1e3 / pp_iters);
		pthread_join(t, NULL);
	}
	note("futex ping-pong: %.2f µs per round trip", med_of(pingpong, M_PLAIN));
}

/* ------------------------------------------- profile: one getppid entry */

static struct metric *pg_batch, *pg_sub, *pg_wait, *pg_spin;

static void profile_getppid(void)
{
	int iters = quick ? 200 : 2000, rep, i;
	uint64_t *b = calloc(iters, 8), *s = calloc(iters, 8), *w = calloc(iters, 8);
	uint64_t *sp = calloc(iters, 8);
	aent e;

	pg_batch = new_metric("µs", 0, "P2. one getppid entry, batch: call, p50");
	pg_sub = new_metric("µs", 0, "P2. one getppid entry, async: submit call returns, p50");
	pg_wait = new_metric("µs", 0, "P2. one getppid entry, async: DONE seen (futex wait), p50");
	pg_spin = new_metric("µs", 0, "P2. one getppid entry, async: DONE seen (spin wait), p50");
	pg_batch->side = pg_sub->side = pg_wait->side = pg_spin->side = 1;
	if (!have_async) {
		pg_batch->na[M_BATCH] = pg_sub->na[M_ASYNC] = pg_wait->na[M_ASYNC] =
			pg_spin->na[M_ASYNC] = "unavailable (ENOSYS)";
		goto out;
	}
	for (rep = 0; rep < reps; rep++) {
		for (i = -iters / 10; i < iters; i++) {
			uint64_t t0, t1, t2;

			memset(&e, 0, sizeof(e));
			e.nr = __NR_getppid;
			t0 = now_ns();
			async_submit(&e, 1, ASYNC_SUBMIT_BATCH);
			t1 = now_ns();
			if (i >= 0)
				b[i] = t1 - t0;
			e.status = 0;
			t0 = now_ns();
			async_submit(&e, 1, 0);
			t1 = now_ns();
			async_wait(&e);
			t2 = now_ns();
			if (i >= 0) {
				s[i] = t1 - t0;
				w[i] = t2 - t0;
			}
			t0 = now_ns();
			async_submit(&e, 1, 0);
			async_spin(&e);
			t2 = now_ns();
			if (i >= 0)
				sp[i] = t2 - t0;
			if (e.result <= 0)
				die("getppid entry: %lld", (long long)e.result);
		}
		add(pg_batch, M_BATCH, pct(b, iters, 0.5) / 1e3);
		add(pg_sub, M_ASYNC, pct(s, iters, 0.5) / 1e3);
		add(pg_wait, M_ASYNC, pct(w, iters, 0.5) / 1e3);
		add(pg_spin, M_ASYNC, pct(sp, iters, 0.5) / 1e3);
	}
out:
	free(b);
	free(s);
	free(w);
	free(sp);
}

/* ------------------------------ case 5: getppid under a seccomp filter */

/*
 * The per-entry cost of the submitter's seccomp filter, against what the same
 * filter costs a direct call.  A filter cannot be removed, so each filter
 * variant is measured in its own fork()ed child: getppid plain and in batches
 * of C5_BATCH entries (ASYNC_SUBMIT_BATCH), in a thread without a filter and
 * in a thread that installed it (PR_SET_NO_NEW_PRIVS +
 * seccomp(SECCOMP_SET_MODE_FILTER), no TSYNC: that thread only), repetitions
 * alternating between the two, so filtered and unfiltered figures come from
 * one process at the same time.  The child writes its repetitions into a
 * MAP_SHARED mapping; the parent turns them into metrics.
 *
 * The filter is what a container runtime installs, in a denylist form: check
 * the architecture (else KILL_PROCESS), load the number, refuse x32 numbers,
 * then one JEQ per refused call (EPERM) and ALLOW at the end.  getppid and
 * async_submit (473) are not refused, so getppid walks the whole chain:
 *
 *   A  cacheable: getppid allowed by number alone.  The kernel's action cache
 *      (seccomp_cache_check_allow()) records "always allowed" per number, so
 *      neither a direct getppid nor an entry runs the BPF program: this is what
 *      real runtimes get, and what the design (docs/design-gates.md 3.1) expects
 *      to cost an entry what it costs a direct call.
 *   B  uncacheable: the same chain, shorter by three comparisons, and at its
 *      end a rule for getppid that loads args[0] and compares it (ALLOW either
 *      way).  A load of an argument makes the verdict argument-dependent for
 *      the cache, so the program runs on every getppid, direct or entry.
 *
 * Both run exactly C5_RUN (100) instructions for getppid when the program runs
 * (checked by c5_emulate()).  async_submit itself is allowed by number (cached)
 * in both.
 */
#define C5_BATCH	64
#define C5_CALLS	(quick ? 4096 : 32768)	/* getppid calls per repetition */
#define C5_RUN		100
#define C5_MAXLEN	128
#define C5_ARG_MAGIC	0x5eccu		/* getppid's args[0] compared to this */

/* Refused by both filters (B uses the first C5_NDENY - 3); x86_64 numbers. */
static const unsigned short c5_deny[] = {
	101 /* ptrace */, 103 /* syslog */, 134 /* uselib */, 135 /* personality */,
	136 /* ustat */, 139 /* sysfs */, 153 /* vhangup */, 154 /* modify_ldt */,
	155 /* pivot_root */, 156 /* _sysctl */, 159 /* adjtimex */, 161 /* chroot */,
	162 /* sync */, 163 /* acct */, 164 /* settimeofday */, 165 /* mount */,
	166 /* umount2 */, 167 /* swapon */, 168 /* swapoff */, 169 /* reboot */,
	170 /* sethostname */, 171 /* setdomainname */, 172 /* iopl */, 173 /* ioperm */,
	174 /* create_module */, 175 /* init_module */, 176 /* delete_module */,
	177 /* get_kernel_syms */, 178 /* query_module */, 179 /* quotactl */,
	180 /* nfsservctl */, 181 /* getpmsg */, 182 /* putpmsg */, 183 /* afs_syscall */,
	184 /* tuxcall */, 185 /* security */, 205 /* set_thread_area */,
	206 /* io_setup */, 207 /* io_destroy */, 208 /* io_getevents */,
	209 /* io_submit */, 210 /* io_cancel */, 211 /* get_thread_area */,
	212 /* lookup_dcookie */, 214 /* epoll_ctl_old */, 215 /* epoll_wait_old */,
	216 /* remap_file_pages */, 227 /* clock_settime */, 236 /* vserver */,
	237 /* mbind */, 238 /* set_mempolicy */, 239 /* get_mempolicy */,
	246 /* kexec_load */, 248 /* add_key */, 249 /* request_key */, 250 /* keyctl */,
	251 /* ioprio_set */, 256 /* migrate_pages */, 272 /* unshare */,
	279 /* move_pages */, 298 /* perf_event_open */, 300 /* fanotify_init */,
	301 /* fanotify_mark */, 303 /* name_to_handle_at */, 304 /* open_by_handle_at */,
	305 /* clock_adjtime */, 306 /* syncfs */, 308 /* setns */,
	310 /* process_vm_readv */, 311 /* process_vm_writev */, 312 /* kcmp */,
	313 /* finit_module */, 320 /* kexec_file_load */, 321 /* bpf */,
	323 /* userfaultfd */, 329 /* pkey_mprotect */, 330 /* pkey_alloc */,
	331 /* pkey_free */, 333 /* io_pgetevents */, 425 /* io_uring_setup */,
	426 /* io_uring_enter */, 427 /* io_uring_register */, 428 /* open_tree */,
	429 /* move_mount */, 430 /* fsopen */, 431 /* fsconfig */, 432 /* fsmount */,
	433 /* fspick */, 438 /* pidfd_getfd */, 440 /* process_madvise */,
	442 /* mount_setattr */, 443 /* quotactl_fd */, 447 /* memfd_secret */,
	448 /* process_mrelease */, 450 /* set_mempolicy_home_node */,
};
#define C5_NDENY ((int)(sizeof(c5_deny) / sizeof(c5_deny[0])))

/* Build filter @variant (0 = A, 1 = B) into @f; returns its length. */
static int c5_build(int variant, struct sock_filter *f)
{
	int ndeny = variant ? C5_NDENY - 3 : C5_NDENY;
	int extra = variant ? 4 : 0;	/* B: JEQ getppid, LD args[0], JEQ, RET */
	int allow = 5 + ndeny + extra;	/* index of the final RET ALLOW */
	int deny = allow + 1;		/* index of RET ERRNO(EPERM) */
	int n = 0, i;

	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					       offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					       offsetof(struct seccomp_data, nr));
	f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u,
					    deny - n - 1, 0);	/* x32 */
	n++;
	for (i = 0; i < ndeny; i++, n++)
		f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, c5_deny[i],
						    deny - n - 1, 0);
	if (variant) {
		f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid,
						    0, allow - n - 1);
		n++;
		f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						       offsetof(struct seccomp_data, args[0]));
		f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, C5_ARG_MAGIC,
						    allow - n - 1, 0);
		n++;
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
	if (n != deny + 1 || n > C5_MAXLEN)
		die("case 5: filter %c built wrong (%d instructions)", 'A' + variant, n);
	return n;
}

/*
 * Run @f as the kernel would for native call @nr with args[0] = @arg0 (the
 * subset of classic BPF c5_build() uses); *@run = instructions executed.
 * Returns the filter's verdict, 0xffffffff if it is malformed.
 */
static uint32_t c5_emulate(const struct sock_filter *f, int len, uint32_t nr,
			   uint32_t arg0, int *run)
{
	uint32_t a = 0;
	int pc = 0;

	for (*run = 0; pc >= 0 && pc < len; pc++) {
		const struct sock_filter *in = &f[pc];

		++*run;
		switch (in->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (in->k == offsetof(struct seccomp_data, arch))
				a = AUDIT_ARCH_X86_64;
			else if (in->k == offsetof(struct seccomp_data, nr))
				a = nr;
			else if (in->k == offsetof(struct seccomp_data, args[0]))
				a = arg0;
			else
				return 0xffffffffu;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == in->k ? in->jt : in->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += a >= in->k ? in->jt : in->jf;
			break;
		case BPF_RET | BPF_K:
			return in->k;
		default:
			return 0xffffffffu;
		}
	}
	return 0xffffffffu;
}

/* Filled by a child, read by the parent after waitpid(). */
struct c5_shared {
	double v[2][2][MAX_REPS];	/* [0 unfiltered, 1 filtered][0 plain, 1 batch]: ns per call */
	int n[2][2];
	int err[2][2];			/* errno that stopped that measurement */
	int install_err;		/* errno of prctl()/seccomp(); 0 installed */
	int len, run;			/* filter length; instructions run for getppid */
};

/* One round of C5_BATCH getppid calls, plain or as one batch; 0 or an errno. */
static int c5_round(int batch)
{
	int i;

	if (!batch) {
		for (i = 0; i < C5_BATCH; i++)
			if (getppid() <= 0)
				return errno ? errno : EINVAL;
		return 0;
	}
	memset(abuf, 0, C5_BATCH * sizeof(aent));
	for (i = 0; i < C5_BATCH; i++)
		abuf[i].nr = __NR_getppid;
	if (async_submit(abuf, C5_BATCH, ASYNC_SUBMIT_BATCH) != C5_BATCH)
		return errno ? errno : EIO;
	for (i = 0; i < C5_BATCH; i++)
		if (abuf[i].result <= 0)
			return abuf[i].result < 0 ? (int)-abuf[i].result : EIO;
	return 0;
}

/*
 * One repetition of thread @st (0 unfiltered, 1 filtered): plain, then batch,
 * each timed over `rounds` rounds after a warm-up of an eighth, as case 2;
 * recorded into s->v[st] unless it is the warm-up repetition.
 */
static void c5_rep(struct c5_shared *s, int st, int record)
{
	int rounds = C5_CALLS / C5_BATCH, kind, k, e = 0;

	for (kind = 0; kind < 2; kind++) {
		uint64_t t0;

		if ((kind && !have_async) || s->err[st][kind])
			continue;
		for (k = 0; k < rounds / 8 + 1 && !e; k++)
			e = c5_round(kind);
		t0 = now_ns();
		for (k = 0; k < rounds && !e; k++)
			e = c5_round(kind);
		if (e) {
			s->err[st][kind] = e;
			e = 0;
			continue;
		}
		if (record)
			s->v[st][kind][s->n[st][kind]++] =
				(double)(now_ns() - t0) / ((double)rounds * C5_BATCH);
	}
}

/* In the child: the filtered thread's turn (1), its end (2), the main thread's (0). */
static uint32_t c5_turn;
static int c5_record;
static struct c5_shared *c5_sh;
static struct sock_fprog c5_prog;

/*
 * The filtered thread: a filter installed without SECCOMP_FILTER_FLAG_TSYNC
 * applies to the installing thread only (and threads it creates later), so
 * the child's main thread stays unfiltered and both are measured alternately.
 */
static void *c5_filtered(void *arg)
{
	int installed = 0;
	uint32_t t;

	(void)arg;
	for (;;) {
		while ((t = load_acq(&c5_turn)) == 0)
			futex_wait(&c5_turn, 0);
		if (t == 2)
			return NULL;
		if (!installed && !c5_sh->install_err) {
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
			    syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &c5_prog))
				c5_sh->install_err = errno;
			else if (syscall(__NR_sysfs, 3) != -1 || errno != EPERM)
				c5_sh->install_err = ENOTRECOVERABLE;	/* not in force */
			else
				installed = 1;
		}
		if (installed)
			c5_rep(c5_sh, 1, c5_record);
		__atomic_store_n(&c5_turn, 0, __ATOMIC_RELEASE);
		futex_wake(&c5_turn, 1);
	}
}

static void c5_turn_to(uint32_t t)
{
	__atomic_store_n(&c5_turn, t, __ATOMIC_RELEASE);
	futex_wake(&c5_turn, 1);
	while (t == 1 && load_acq(&c5_turn) != 0)
		futex_wait(&c5_turn, 1);
}

/*
 * The child: an unrecorded warm-up repetition of both threads, then `reps`
 * repetitions alternating between the unfiltered main thread and the filtered
 * thread in ABBA order, so that a drift in the machine's speed falls on both
 * alike.  Runs after the parent's pool threads are gone: the parent is then
 * single-threaded for the C library, and the child may create a thread.
 */
static void __attribute__((noreturn)) c5_child(struct c5_shared *s, int variant)
{
	static struct sock_filter f[C5_MAXLEN];
	cpu_set_t cpus;
	pthread_t t;
	int run, run2, rep;

	c5_sh = s;
	c5_prog.len = (unsigned short)c5_build(variant, f);
	c5_prog.filter = f;
	s->len = c5_prog.len;
	/* getppid and async_submit allowed; the refused calls are refused. */
	if (c5_emulate(f, c5_prog.len, __NR_getppid, 0, &run) != SECCOMP_RET_ALLOW ||
	    c5_emulate(f, c5_prog.len, __NR_getppid, C5_ARG_MAGIC, &run2) != SECCOMP_RET_ALLOW ||
	    run != C5_RUN || run2 != C5_RUN ||
	    c5_emulate(f, c5_prog.len, __NR_async_submit, 0, &run2) != SECCOMP_RET_ALLOW ||
	    c5_emulate(f, c5_prog.len, __NR_exit_group, 0, &run2) != SECCOMP_RET_ALLOW ||
	    c5_emulate(f, c5_prog.len, c5_deny[0], 0, &run2) != (SECCOMP_RET_ERRNO | EPERM) ||
	    c5_emulate(f, c5_prog.len, 0x40000000u, 0, &run2) != (SECCOMP_RET_ERRNO | EPERM)) {
		note("case 5: filter %c: wrong verdicts (getppid runs %d instructions)",
		     'A' + variant, run);
		_exit(3);
	}
	s->run = run;
	/* Both threads on this CPU: they never run at once, and vCPUs may differ. */
	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);	/* best effort */
	if (pthread_create(&t, NULL, c5_filtered, NULL)) {
		note("case 5: pthread_create failed");
		_exit(4);
	}
	for (rep = -1; rep < reps; rep++) {
		c5_record = rep >= 0;
		if (rep & 1) {		/* rep -1 installs the filter first */
			c5_turn_to(1);
			c5_rep(s, 0, c5_record);
		} else {
			c5_rep(s, 0, c5_record);
			c5_turn_to(1);
		}
	}
	c5_turn_to(2);
	pthread_join(t, NULL);
	_exit(0);
}

static const char *const c5_label[2] = {
	"cacheable: getppid allowed by number",
	"uncacheable: getppid's args[0] inspected",
};
static struct metric *c5_m[2][4];	/* [variant][unfiltered, filtered, ratio, cost] */
static int c5_len[2], c5_ran[2];
static char c5_why[2][4][80];		/* storage for the metrics' na strings */

static void c5_na(int variant, int which, enum mode md, const char *fmt, ...)
{
	char *b = c5_why[variant][which + (md == M_BATCH ? 2 : 0)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(c5_why[0][0]), fmt, ap);
	va_end(ap);
	c5_m[variant][which]->na[md] = b;
}

static void case5(void)
{
	static const char *const what[4] = {
		"unfiltered thread, per call", "filtered thread, per call",
		"filtered ÷ unfiltered median", "filter cost: filtered − unfiltered median",
	};
	static const char *const unit[4] = { "ns/call", "ns/call", "×", "ns/call" };
	struct c5_shared *sh;
	int v, w, kind, i;

	sh = mmap(NULL, 2 * sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	memset(sh, 0, 2 * sizeof(*sh));
	for (v = 0; v < 2; v++) {
		struct c5_shared *s = &sh[v];
		char died[64] = "";
		pid_t pid;
		int st;

		for (w = 0; w < 4; w++) {
			struct metric *m;

			m = c5_m[v][w] = new_metric(unit[w], 0, "5%c. getppid, %d-insn seccomp filter, %s: %s",
						    'A' + v, C5_RUN, v ? "uncacheable" : "cacheable",
						    what[w]);
			m->modes = 1u << M_PLAIN | 1u << M_BATCH;
			m->no_speedup = w >= 2;
			snprintf(m->mode_note[M_BATCH], sizeof(m->mode_note[M_BATCH]),
				 "[%d entries per call, per entry]", C5_BATCH);
		}
		fflush(NULL);
		pid = fork();
		if (pid == 0)
			c5_child(s, v);
		if (pid < 0) {
			snprintf(died, sizeof(died), "fork: %s", strerror(errno));
		} else {
			while (waitpid(pid, &st, 0) < 0)
				if (errno != EINTR)
					die("waitpid: %s", strerror(errno));
			if (WIFSIGNALED(st))
				snprintf(died, sizeof(died), "child killed by signal %d", WTERMSIG(st));
			else if (WEXITSTATUS(st))
				snprintf(died, sizeof(died), "child exited with %d", WEXITSTATUS(st));
		}
		c5_len[v] = s->len;
		c5_ran[v] = s->run;
		for (kind = 0; kind < 2; kind++) {
			enum mode md = kind ? M_BATCH : M_PLAIN;
			double base;

			if (kind && !have_async) {
				for (w = 0; w < 4; w++)
					c5_m[v][w]->na[md] = "unavailable (ENOSYS)";
				continue;
			}
			for (w = 0; w < 2; w++) {
				for (i = 0; i < s->n[w][kind]; i++)
					add(c5_m[v][w], md, s->v[w][kind][i]);
				if (s->n[w][kind] < reps) {
					if (died[0])
						c5_na(v, w, md, "not measured: %s", died);
					else if (w && s->install_err == ENOTRECOVERABLE)
						c5_na(v, w, md, "filter installed but a refused "
						      "call was not refused");
					else if (w && s->install_err)
						c5_na(v, w, md, "filter not installed: %s",
						      strerror(s->install_err));
					else
						c5_na(v, w, md, "%s: %s", w ? "failed under the filter" : "failed",
						      strerror(s->err[w][kind]));
				}
			}
			if (c5_m[v][0]->na[md] || c5_m[v][1]->na[md]) {
				c5_m[v][2]->na[md] = c5_m[v][3]->na[md] = "not measured (see above)";
				continue;
			}
			/*
			 * Each filtered repetition against the unfiltered median:
			 * the medians of these are the ratio and the difference of
			 * the medians, the spread is the filtered one's.
			 */
			base = med_of(c5_m[v][0], md);
			for (i = 0; i < s->n[1][kind]; i++) {
				add(c5_m[v][2], md, s->v[1][kind][i] / base);
				add(c5_m[v][3], md, s->v[1][kind][i] - base);
			}
		}
		note("case 5%c (%s): plain %.0f -> %.0f ns, batch x%d %.0f -> %.0f ns per entry "
		     "(0: not measured)%s%s", 'A' + v, c5_label[v], med_of(c5_m[v][0], M_PLAIN),
		     med_of(c5_m[v][1], M_PLAIN), C5_BATCH, med_of(c5_m[v][0], M_BATCH),
		     med_of(c5_m[v][1], M_BATCH), died[0] ? "; " : "", died);
	}
	munmap(sh, 2 * sizeof(*sh));
}

/* "on", "off", or why it is not known, for the report. */
static const char *bpf_jit_state(void)
{
	FILE *f = fopen("/proc/sys/net/core/bpf_jit_enable", "r");
	int on = -1;

	if (!f)
		return "absent (no CONFIG_BPF_JIT: the filters run in the BPF interpreter)";
	if (fscanf(f, "%d", &on) != 1)
		on = -1;
	fclose(f);
	return on > 0 ? "on" : on == 0 ? "off (the filters run in the BPF interpreter)" : "unknown";
}

/* ------------------------------------------------------ case 6: cold cache */

static struct metric *c6;
static int c6_reps, c6_files;
static unsigned long c6_wakes;
static int c6_created, c6_iowq;
static double c6_odirect_p50, c6_odirect_p99;
static int c6_odirect_n;

static char c6_buf[COLD_WIN][FILE_SIZE] __attribute__((aligned(4096)));

/* Write back dirty data, then drop the page cache, dentries and inodes. */
static void drop_caches(void)
{
#ifndef BENCH_FAKE_ASYNC	/* host testing: leave the host's caches alone */
	int fd;

	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd < 0 || write(fd, "3", 1) != 1)
		die("writing 3 to /proc/sys/vm/drop_caches: %s", strerror(errno));
	close(fd);
#endif
}

static void c6_check(enum mode md, int i, long n, const char *buf)
{
	if (n != FILE_SIZE)
		die("case 6 %s: file %d: result %ld", mode_name[md], i, n);
	if (!cold_check(i, (const unsigned char *)buf))
		die("case 6 %s: file %d: wrong content", mode_name[md], i);
}

/* (a): one file after the other. */
static void c6_plain(void)
{
	int i;

	for (i = 0; i < c6_files; i++)
		c6_check(M_PLAIN, i, cold_one(i, c6_buf[0]), c6_buf[0]);
}

/*
 * (e): one pool job per file, COLD_WIN in flight.  Slot k holds files k,
 * k + COLD_WIN, ...: the oldest file in flight is always in slot done % WIN.
 */
static void c6_pool(void)
{
	static struct job jobs[COLD_WIN];
	int next = 0, done, k;

	for (k = 0; k < COLD_WIN && next < c6_files; k++) {
		jobs[k].kind = J_COLD;
		jobs[k].fd = next++;
		jobs[k].buf = c6_buf[k];
		pool_submit(&jobs[k], 1);
	}
	for (done = 0; done < c6_files; done++) {
		k = done % COLD_WIN;
		job_wait(&jobs[k]);
		c6_check(M_POOL, jobs[k].fd, jobs[k].result, jobs[k].buf);
		if (next < c6_files) {
			jobs[k].fd = next++;
			pool_submit(&jobs[k], 1);
		}
	}
}

/* (c): one chain per file: openat -> fstat, read, close, each fed the fd. */
struct c6_chain {
	aent e[4];
	struct stat st;
	char name[16];
	int file;
};

static void c6_submit(struct c6_chain *c, int i, char *buf)
{
	memset(c->e, 0, sizeof(c->e));
	c->file = i;
	cold_name(i, c->name, sizeof(c->name));
	c->e[0].nr = __NR_openat;
	c->e[0].flags = ASYNC_SYSCALL_ENTRY_LINK;
	c->e[0].args[0] = (__u64)(long)cold_dirfd;
	c->e[0].args[1] = (__u64)(uintptr_t)c->name;
	c->e[0].args[2] = O_RDONLY;
	c->e[1].nr = __NR_fstat;
	c->e[1].flags = ASYNC_SYSCALL_ENTRY_LINK;
	c->e[1].args[0] = (__u64)-1;
	c->e[1].args[1] = (__u64)(uintptr_t)&c->st;
	feed0(&c->e[1], 0, 0);
	c->e[2].nr = __NR_read;
	c->e[2].flags = ASYNC_SYSCALL_ENTRY_LINK;
	c->e[2].args[0] = (__u64)-1;
	c->e[2].args[1] = (__u64)(uintptr_t)buf;
	c->e[2].args[2] = FILE_SIZE;
	feed0(&c->e[2], 0, 0);
	c->e[3].nr = __NR_close;
	c->e[3].args[0] = (__u64)-1;
	feed0(&c->e[3], 0, 0);
	if (async_submit(c->e, 4, 0) != 4)
		die("case 6: async_submit: %s", strerror(errno));
}

static void c6_async(void)
{
	static struct c6_chain ch[COLD_WIN];
	int next = 0, done, k;

	for (k = 0; k < COLD_WIN && next < c6_files; k++)
		c6_submit(&ch[k], next++, c6_buf[k]);
	for (done = 0; done < c6_files; done++) {
		struct c6_chain *c = &ch[done % COLD_WIN];

		async_wait(&c->e[3]);
		if (c->e[0].result < 0 || c->e[1].result || c->st.st_size != FILE_SIZE ||
		    c->e[3].result)
			die("case 6 (c) async: file %d: results %lld %lld %lld %lld, size %lld",
			    c->file, (long long)c->e[0].result, (long long)c->e[1].result,
			    (long long)c->e[2].result, (long long)c->e[3].result,
			    (long long)c->st.st_size);
		c6_check(M_ASYNC, c->file, c->e[2].result, c6_buf[done % COLD_WIN]);
		if (next < c6_files)
			c6_submit(c, next++, c6_buf[done % COLD_WIN]);
	}
}

/*
 * (d): OPENAT into fixed slot k -> STATX(dirfd, name) (statx takes no fixed
 * file) -> READ of the slot -> CLOSE of the slot, linked; a slot is refilled
 * once its four CQEs are in, in whatever order the chains complete.
 */
struct c6_slot {
	struct statx sx;
	char name[16];
	int file, got;
	int res[4];
};

struct c6_uring {
	struct ring *r;
	struct c6_slot sl[COLD_WIN];
	int next, done;
};

static void c6_queue(struct c6_uring *u, unsigned int k)
{
	struct c6_slot *sl = &u->sl[k];
	struct io_uring_sqe *s;

	sl->file = u->next++;
	sl->got = 0;
	cold_name(sl->file, sl->name, sizeof(sl->name));
	s = sqe_get(u->r);
	s->opcode = IORING_OP_OPENAT;
	s->fd = cold_dirfd;
	s->addr = (uintptr_t)sl->name;
	s->open_flags = O_RDONLY;
	s->file_index = k + 1;
	s->flags = IOSQE_IO_LINK;
	s->user_data = k;
	s = sqe_get(u->r);
	s->opcode = IORING_OP_STATX;
	s->fd = cold_dirfd;
	s->addr = (uintptr_t)sl->name;
	s->len = STATX_BASIC_STATS;
	s->off = (uintptr_t)&sl->sx;
	s->flags = IOSQE_IO_LINK;
	s->user_data = k | 1ull << 62;
	s = sqe_get(u->r);
	s->opcode = IORING_OP_READ;
	s->fd = k;
	s->addr = (uintptr_t)c6_buf[k];
	s->len = FILE_SIZE;
	s->off = 0;
	s->flags = IOSQE_IO_LINK | IOSQE_FIXED_FILE;
	s->user_data = k | 2ull << 62;
	s = sqe_get(u->r);
	s->opcode = IORING_OP_CLOSE;
	s->fd = 0;
	s->file_index = k + 1;
	s->user_data = k | 3ull << 62;
}

static void c6_cqe(struct io_uring_cqe *c, void *arg)
{
	struct c6_uring *u = arg;
	unsigned int k = c->user_data & 0xffff;
	struct c6_slot *sl = &u->sl[k];

	sl->res[c->user_data >> 62] = c->res;
	if (++sl->got < 4)
		return;
	if (sl->res[0] || sl->res[1] || sl->sx.stx_size != FILE_SIZE || sl->res[3])
		die("case 6 (d) io_uring: file %d: results %d %d %d %d, size %llu", sl->file,
		    sl->res[0], sl->res[1], sl->res[2], sl->res[3],
		    (unsigned long long)sl->sx.stx_size);
	c6_check(M_URING, sl->file, sl->res[2], c6_buf[k]);
	u->done++;
	if (u->next < c6_files)
		c6_queue(u, k);
}

static struct ring c6_ring;

static void c6_uring(void)
{
	static struct c6_uring u;
	unsigned int k;

	memset(&u, 0, sizeof(u));
	u.r = &c6_ring;
	for (k = 0; k < COLD_WIN && u.next < c6_files; k++)
		c6_queue(&u, k);
	while (u.done < c6_files)
		ring_reap(u.r, c6_cqe, &u);
}

/* Context: 4 KiB O_DIRECT reads of the disk itself, spread over it. */
static void c6_odirect(void)
{
	int n = quick ? 50 : 200, i, fd;
	uint64_t *lat;
	off_t blocks;
	void *b;

#ifdef BENCH_FAKE_ASYNC
	return;		/* host testing: not the host's disk */
#endif
	fd = open("/dev/vda", O_RDONLY | O_DIRECT);
	if (fd < 0) {
		note("case 6: /dev/vda: %s", strerror(errno));
		return;
	}
	blocks = lseek(fd, 0, SEEK_END) / 4096;
	lat = calloc(n, sizeof(*lat));
	if (blocks <= 0 || !lat || posix_memalign(&b, 4096, 4096))
		die("case 6: O_DIRECT set-up");
	for (i = 0; i < n; i++) {
		off_t off = (off_t)((i * 7919ull + 13) % blocks) * 4096;
		uint64_t t0 = now_ns();

		if (pread(fd, b, 4096, off) != 4096)
			die("case 6: O_DIRECT read of /dev/vda: %s", strerror(errno));
		lat[i] = now_ns() - t0;
	}
	c6_odirect_p50 = pct(lat, n, 0.50) / 1e3;
	c6_odirect_p99 = pct(lat, n, 0.99) / 1e3;
	c6_odirect_n = n;
	free(lat);
	free(b);
	close(fd);
}

static void case6(void)
{
	static const enum mode order[4] = { M_PLAIN, M_ASYNC, M_URING, M_POOL };
	static struct tsnap before, after;
	static char why[128];
	int rep, k, md;

	c6_files = quick ? 1000 : COLD_N;
	c6_reps = reps < 3 ? reps : 3;
	c6 = new_metric("ms", 0, "6. cold cache: open+fstat+read 4 KiB+close of %d files on ext4, "
			"%d in flight, time", c6_files, COLD_WIN);
	c6->modes = 1u << M_PLAIN | 1u << M_ASYNC | 1u << M_URING | 1u << M_POOL;
	snprintf(c6->mode_note[M_PLAIN], sizeof(c6->mode_note[M_PLAIN]), "[sequential]");
	snprintf(c6->mode_note[M_ASYNC], sizeof(c6->mode_note[M_ASYNC]),
		 "[one chain per file]");
	snprintf(c6->mode_note[M_URING], sizeof(c6->mode_note[M_URING]),
		 "[OPENAT→STATX→READ→CLOSE, linked]");
	snprintf(c6->mode_note[M_POOL], sizeof(c6->mode_note[M_POOL]), "[one job per file]");
	if (!on_disk || cold_dirfd < 0) {
		snprintf(why, sizeof(why), "not measured (no bench disk: %s not mounted)",
			 COLD_DIR);
		for (k = 0; k < 4; k++)
			c6->na[order[k]] = why;
		return;
	}
	if (!have_async)
		c6->na[M_ASYNC] = "unavailable (ENOSYS)";
	if (!uring_ok || ring_init(&c6_ring, 512, COLD_WIN)) {
		c6->na[M_URING] = "unavailable";
	}
	c6_odirect();
	/* Rotate the order of the modes across repetitions: drift falls on all. */
	for (rep = 0; rep < c6_reps; rep++) {
		for (k = 0; k < 4; k++) {
			uint64_t t0;

			md = order[(k + rep) % 4];
			if (c6->na[md])
				continue;
			drop_caches();
			if (md == M_ASYNC)
				scan_threads(WORKER_COMM, &before);
			t0 = now_ns();
			switch (md) {
			case M_PLAIN:
				c6_plain();
				break;
			case M_ASYNC:
				c6_async();
				break;
			case M_URING:
				c6_uring();
				break;
			default:
				c6_pool();
				break;
			}
			add(c6, md, (now_ns() - t0) / 1e6);
			if (md == M_ASYNC) {
				unsigned long w;
				int c;

				scan_threads(WORKER_COMM, &after);
				tsnap_delta(&before, &after, &w, &c);
				c6_wakes += w;
				c6_created += c;
			}
			if (md == M_URING) {
				int n = scan_threads(IOWQ_COMM, NULL);

				if (n > c6_iowq)
					c6_iowq = n;
			}
		}
		note("case 6 repetition %d: plain %.0f async %.0f uring %.0f pool %.0f ms", rep,
		     rep < c6->n[M_PLAIN] ? c6->v[M_PLAIN][rep] : 0,
		     rep < c6->n[M_ASYNC] ? c6->v[M_ASYNC][rep] : 0,
		     rep < c6->n[M_URING] ? c6->v[M_URING][rep] : 0,
		     rep < c6->n[M_POOL] ? c6->v[M_POOL][rep] : 0);
	}
	if (!c6->na[M_URING])
		ring_exit(&c6_ring);
	if (c6->n[M_ASYNC])
		diag_add("case 6 (c) async: %.2f wake-ups of " WORKER_COMM " threads per file, "
			 "%d new " WORKER_COMM " threads over %d repetition%s",
			 (double)c6_wakes / (c6_reps * c6_files), c6_created, c6_reps,
			 c6_reps > 1 ? "s" : "");
	if (c6->n[M_URING])
		diag_add("case 6 (d) io_uring: up to %d iou-wrk threads alive after a repetition",
			 c6_iowq);
}

/* ------------------------------------ worker behaviour and entry costs */

/*
 * no_clone_while_idle: N single chains, one after the other, each submitted
 * once the previous one is DONE, so that a worker is idle (or about to be)
 * at every submission: the set of worker threads must not grow.
 */
static int idle_n, idle_new, idle_before, idle_after;
static double idle_wakes;	/* worker wake-ups per chain */

static void idle_clone_check(void)
{
	static struct tsnap before, after;
	static char b[FILE_SIZE];
	unsigned long w;
	int warm = 20, i;
	aent e[3];

	if (!have_async)
		return;
	idle_n = quick ? 50 : 500;
	for (i = -warm; i < idle_n; i++) {
		if (!i)
			scan_threads(WORKER_COMM, &before);
		fill_orc(e, 0, b);
		if (async_submit(e, 3, 0) != 3)
			die("async_submit: %s", strerror(errno));
		async_wait(&e[2]);
		if (!check_orc(e))
			die("no_clone_while_idle: wrong results");
	}
	scan_threads(WORKER_COMM, &after);
	tsnap_delta(&before, &after, &w, &idle_new);
	idle_before = before.n;
	idle_after = after.n;
	idle_wakes = (double)w / idle_n;
	diag_add("sequential single chains (no_clone_while_idle): %.2f wake-ups of "
		 WORKER_COMM " threads per chain; %d threads before, %d after, %d new over "
		 "%d chains", idle_wakes, idle_before, idle_after, idle_new, idle_n);
}

/*
 * no_wake_without_waiter: a thread sleeps in FUTEX_WAIT_PRIVATE on the status
 * word of a pending entry (a read of an empty pipe, asynchronous mode) WITHOUT
 * setting ASYNC_SYSCALL_STATUS_WAITERS, with a 200 ms timeout; the pipe is
 * then written.  The kernel must not wake it: the wait times out, and the
 * word is exactly DONE.
 */
static int nowake_ok;
static char nowake_fig[256];

#if defined(ASYNC_SYSCALL_STATUS_WAITERS) && !defined(BENCH_FAKE_ASYNC)
struct nw_arg {
	uint32_t *word;
	int tid;
	long ret;
	int err;
	uint64_t t0, t1;
};

static void *nw_waiter(void *p)
{
	struct nw_arg *a = p;
	struct timespec ts = { 0, 200 * 1000000L };

	__atomic_store_n(&a->tid, (int)syscall(__NR_gettid), __ATOMIC_RELEASE);
	a->t0 = now_ns();
	a->ret = syscall(__NR_futex, a->word, FUTEX_WAIT_PRIVATE,
			 ASYNC_SYSCALL_STATUS_PENDING, &ts, NULL, 0);
	a->err = a->ret ? errno : 0;
	a->t1 = now_ns();
	return NULL;
}

/* Whether thread @tid of this process is asleep (state S). */
static int thread_sleeping(int tid)
{
	char p[64], buf[512], *c;
	int ok = 0;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/self/task/%d/stat", tid);
	f = fopen(p, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (c = strrchr(buf, ')')) && c[1] == ' ' && c[2] == 'S')
		ok = 1;
	fclose(f);
	return ok;
}
#endif

static void no_wake_check(void)
{
#if defined(BENCH_FAKE_ASYNC)
	/* The host stand-in runs the pipe read inline: it would block. */
	snprintf(nowake_fig, sizeof(nowake_fig), "not measurable with BENCH_FAKE_ASYNC");
#elif defined(ASYNC_SYSCALL_STATUS_WAITERS)
	int attempt;

	if (!have_async) {
		snprintf(nowake_fig, sizeof(nowake_fig), "async_submit(2) unavailable");
		return;
	}
	for (attempt = 0; attempt < 3; attempt++) {
		struct nw_arg a;
		uint64_t tw, tdone;
		uint32_t st;
		pthread_t t;
		int p[2], i, tid;
		char c;
		aent e;

		if (pipe(p))
			die("pipe: %s", strerror(errno));
		memset(&e, 0, sizeof(e));
		memset(&a, 0, sizeof(a));
		e.nr = __NR_read;
		e.args[0] = p[0];
		e.args[1] = (uintptr_t)&c;
		e.args[2] = 1;
		if (async_submit(&e, 1, 0) != 1)
			die("async_submit: %s", strerror(errno));
		a.word = &e.status;
		if (pthread_create(&t, NULL, nw_waiter, &a))
			die("pthread_create");
		/* Until the waiter sleeps (at most 100 ms), then 10 ms more. */
		for (i = 0; i < 100; i++) {
			tid = __atomic_load_n(&a.tid, __ATOMIC_ACQUIRE);
			if (tid && thread_sleeping(tid))
				break;
			usleep(1000);
		}
		usleep(10000);
		tw = now_ns();
		if (write(p[1], "x", 1) != 1)
			die("pipe write: %s", strerror(errno));
		/* The entry completes at once; poll the word, no futex. */
		while (status_pending(load_acq(&e.status)) && now_ns() - tw < 1000000000ull)
			usleep(100);
		tdone = now_ns();
		pthread_join(t, NULL);
		st = load_acq(&e.status);
		if (status_pending(st))	/* e and c are on this stack: never leave them */
			die("no_wake_without_waiter: the pipe read did not complete in 1 s");
		close(p[0]);
		close(p[1]);
		if (a.ret && a.err == EAGAIN)
			continue;	/* the word changed before the waiter slept: again */
		if (!a.ret) {
			snprintf(nowake_fig, sizeof(nowake_fig), "a FUTEX_WAIT without the waiters "
				 "bit was woken %.1f ms after the pipe write; status word 0x%x",
				 (a.t1 - tw) / 1e6, st);
			return;
		}
		if (a.err != ETIMEDOUT) {
			snprintf(nowake_fig, sizeof(nowake_fig), "FUTEX_WAIT failed: %s",
				 strerror(a.err));
			return;
		}
		if (tdone >= a.t1)
			continue;	/* done only after the timeout: proves nothing */
		nowake_ok = st == ASYNC_SYSCALL_STATUS_DONE && e.result == 1;
		snprintf(nowake_fig, sizeof(nowake_fig), "FUTEX_WAIT without the waiters bit timed "
			 "out (ETIMEDOUT) after %.0f ms; the entry was DONE %.2f ms after the pipe "
			 "write, %.0f ms before the timeout; status word 0x%x afterwards, result %lld",
			 (a.t1 - a.t0) / 1e6, (tdone - tw) / 1e6, (a.t1 - tdone) / 1e6, st,
			 (long long)e.result);
		return;
	}
	snprintf(nowake_fig, sizeof(nowake_fig), "not measurable: in 3 attempts the waiter "
		 "never slept before the entry completed");
#else
	snprintf(nowake_fig, sizeof(nowake_fig), "no waiters bit in the UAPI");
#endif
}

/*
 * Entry and exit of a system call that does nothing (400: no x86-64 call;
 * sys_ni_syscall() returns -ENOSYS, for an entry too), plain and as batch
 * entries: E, and the per-entry floor of batch mode.  FUTEX_WAKE_PRIVATE on
 * a word nobody waits on: what a completion's wake costs when nobody waits.
 */
#define NR_NONE 400
static struct metric *d_none, *d_wake;

static void diag_entry_cost(void)
{
	int total = quick ? 1024 : 8192, rounds = total / 64, rep, k, i, bad = 0;
	static uint32_t word;

	d_none = new_metric("ns/call", 0, "D1. syscall %d (no such call: entry and exit only), "
			    "per call", NR_NONE);
	d_none->modes = 1u << M_PLAIN | 1u << M_BATCH;
	d_none->side = 1;
	d_wake = new_metric("ns/call", 0, "D2. FUTEX_WAKE_PRIVATE on a word nobody waits on, "
			    "per call");
	d_wake->modes = 1u << M_PLAIN;
	d_wake->side = 1;
	if (!have_async)
		d_none->na[M_BATCH] = "unavailable (ENOSYS)";
	for (rep = 0; rep < reps; rep++) {
		uint64_t t0 = 0;

		for (k = -total / 8; k < total; k++) {
			if (!k)
				t0 = now_ns();
			bad += syscall(NR_NONE) != -1 || errno != ENOSYS;
		}
		add(d_none, M_PLAIN, (double)(now_ns() - t0) / total);
		for (k = -total / 8; k < total; k++) {
			if (!k)
				t0 = now_ns();
			bad += futex_wake(&word, 1) != 0;
		}
		add(d_wake, M_PLAIN, (double)(now_ns() - t0) / total);
		if (!have_async)
			continue;
		for (k = -rounds / 8 - 1; k < rounds; k++) {
			if (!k)
				t0 = now_ns();
			memset(abuf, 0, 64 * sizeof(aent));
			for (i = 0; i < 64; i++)
				abuf[i].nr = NR_NONE;
			if (async_submit(abuf, 64, ASYNC_SUBMIT_BATCH) != 64)
				die("async_submit: %s", strerror(errno));
			for (i = 0; i < 64; i++)
				bad += abuf[i].result != -ENOSYS;
		}
		add(d_none, M_BATCH, (double)(now_ns() - t0) / (rounds * 64.0));
	}
	if (bad)
		die("entry cost rows: %d unexpected results", bad);
}

/* ------------------------------------------------- kernel profile mode */

/*
 * -P: with the kernel booted with profile=2 (CONFIG_PROFILING), run one
 * microbenchmark for PROF_SECONDS between a reset and a dump of /proc/profile
 * (kernel/profile.c): a binary array of unsigned int, element 0 the bucket
 * size 1 << shift (sample_step, not the shift), element 1 + i the timer
 * ticks that found a kernel PC in [_stext + (i << shift), + (1 << shift));
 * PCs outside _stext.._etext are not counted.  harness/profile.py maps the
 * buckets to functions with System.map.
 */
#define PROF_SECONDS 8
#ifndef PROC_PROFILE
#define PROC_PROFILE "/proc/profile"
#endif

static const char *const prof_names[] = {
	"batch1", "batch64", "batch512", "async64", "orc_async", "plain", "uring_nop64",
};
#define NPROF ((int)(sizeof(prof_names) / sizeof(prof_names[0])))

static int prof_sel[64];	/* indices into prof_names, in the order asked */
static int nprof_sel;

/* -P name[,name...] */
static void prof_parse(char *arg)
{
	char *tok, *save = NULL;
	int i;

	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NPROF && strcmp(tok, prof_names[i]); i++)
			;
		if (i == NPROF) {
			fprintf(stderr, "async_bench: -P: unknown name '%s'; names:", tok);
			for (i = 0; i < NPROF; i++)
				fprintf(stderr, " %s", prof_names[i]);
			fprintf(stderr, "\n");
			exit(2);
		}
		if (nprof_sel >= (int)(sizeof(prof_sel) / sizeof(prof_sel[0])))
			die("-P: too many names");
		prof_sel[nprof_sel++] = i;
	}
}

/* One iteration of microbenchmark @which: the number of calls (entries) it made. */
static int prof_iter(int which, struct ring *r)
{
	int bad = 0, n;

	switch (which) {
	case 0:		/* batch1 */
	case 1:		/* batch64 */
	case 2:		/* batch512 */
		n = which == 0 ? 1 : which == 1 ? 64 : 512;
		bad = cheap_round(M_BATCH, r, 0, -1, n);
		break;
	case 3:		/* async64 */
		n = 64;
		bad = cheap_round(M_ASYNC, r, 0, -1, n);
		break;
	case 4:		/* orc_async */
		n = 3;
		orc_once(M_ASYNC, r, &bad, NULL, 0);
		break;
	case 5:		/* plain */
		n = 64;
		bad = cheap_round(M_PLAIN, r, 0, -1, n);
		break;
	default:	/* uring_nop64 */
		n = 64;
		bad = cheap_round(M_URING, r, 0, -1, n);
		break;
	}
	if (bad)
		die("-P %s: %d wrong results", prof_names[which], bad);
	return n;
}

static void prof_reset(void)
{
#ifndef BENCH_FAKE_ASYNC	/* host testing: PROC_PROFILE is a made-up file */
	int fd = open(PROC_PROFILE, O_WRONLY);

	/*
	 * Any write clears the counters, except one of exactly sizeof(int)
	 * bytes on SMP: that is a profiling timer multiplier, refused with
	 * EINVAL where the architecture has none (x86), and then nothing is
	 * cleared.  One byte, as readprofile -r writes.
	 */
	if (fd < 0 || write(fd, "0", 1) != 1)
		die("resetting %s: %s (boot with profile=2 and CONFIG_PROFILING=y)",
		    PROC_PROFILE, strerror(errno));
	close(fd);
#endif
}

static void prof_dump(const char *name, uint64_t iters, uint64_t calls, uint64_t ns)
{
	size_t cap = 1 << 20, len = 0, n, i;
	unsigned int *v, step, shift;
	char *buf = malloc(cap);
	ssize_t got;
	int fd;

	fd = open(PROC_PROFILE, O_RDONLY);
	if (fd < 0 || !buf)
		die("reading %s: %s", PROC_PROFILE, strerror(errno));
	while ((got = read(fd, buf + len, cap - len)) > 0) {
		len += got;
		if (len == cap && !(buf = realloc(buf, cap *= 2)))
			die("out of memory");
	}
	if (got < 0)
		die("reading %s: %s", PROC_PROFILE, strerror(errno));
	close(fd);
	n = len / sizeof(unsigned int);
	v = (unsigned int *)buf;
	if (n < 2 || !v[0] || (v[0] & (v[0] - 1)))
		die("%s: %zu bytes, step %u: not a profile", PROC_PROFILE, len, n ? v[0] : 0);
	step = v[0];
	for (shift = 0; (1u << shift) < step; shift++)
		;
	printf("<!-- PROF-BEGIN -->\n");
	printf("PROF-NAME %s\n", name);
	printf("PROF-INFO %llu iterations, %llu calls in %.2f s: %.0f ns per call\n",
	       (unsigned long long)iters, (unsigned long long)calls, ns / 1e9,
	       calls ? (double)ns / calls : 0);
	printf("PROF-LEN %zu\n", n - 1);
	for (i = 1; i < n; i++)
		if (v[i])
			printf("PROF %zu %u\n", i - 1, v[i]);
	printf("PROF-SHIFT %u\n", shift);
	printf("<!-- PROF-END -->\n");
	free(buf);
}

static void profile_run(struct ring *r)
{
	int k;

	for (k = 0; k < nprof_sel; k++) {
		int which = prof_sel[k];
		const char *name = prof_names[which];
		uint64_t t0, end, ns, iters = 0, calls = 0;

		if ((which <= 4 && !have_async) || (which == 6 && !uring_ok)) {
			note("-P %s: skipped (%s unavailable)", name,
			     which == 6 ? "io_uring" : "async_submit(2)");
			continue;
		}
		for (t0 = now_ns(); now_ns() - t0 < 100000000ull;)	/* warm-up: 0.1 s */
			prof_iter(which, r);
		prof_reset();
		t0 = now_ns();
		end = t0 + PROF_SECONDS * 1000000000ull;
		do {
			calls += prof_iter(which, r);
			iters++;
		} while (now_ns() < end);
		ns = now_ns() - t0;
		prof_dump(name, iters, calls, ns);
		note("-P %s: %llu calls, %.0f ns per call", name, (unsigned long long)calls,
		     (double)ns / calls);
	}
}

/* ---------------------------------------------------------------- targets */

static const char *verdict(int ok)
{
	return ok ? "**met**" : "**not met**";
}

/* Largest over smallest of the medians of @md at batch sizes 8, 64, 512. */
static double flatness(int call, enum mode md)
{
	double lo = 1e300, hi = 0, v;
	int i;

	for (i = 1; i < 4; i++) {
		v = med_of(c2[call][i], md);
		if (v < lo)
			lo = v;
		if (v > hi)
			hi = v;
	}
	return lo > 0 ? hi / lo : 0;
}

/*
 * The target line.  The issue asks that the filter cost an entry no more than
 * it costs a direct call: X = (batch entry filtered - unfiltered) / (direct
 * call filtered - unfiltered), from medians, in ns, target X <= 1.2.  A ratio
 * of the filtered/unfiltered ratios would be easier to meet than it should
 * be: a batch entry's fixed cost is several times a direct call's, which
 * dilutes the same added cost; so the ratios are printed for context only.
 */
static void c5_target(int v)
{
	struct metric *u = c5_m[v][0], *f = c5_m[v][1];
	double pu = med_of(u, M_PLAIN), pf = med_of(f, M_PLAIN);
	double bu = med_of(u, M_BATCH), bf = med_of(f, M_BATCH);
	double dp = pf - pu, db = bf - bu, med, lo = 0, hi;

	printf("- seccomp filter %c (%s; %d instructions run per getppid%s): filter cost per "
	       "entry vs direct call: ", 'A' + v, c5_label[v], c5_ran[v],
	       v ? "" : " when not cached");
	if (!u->n[M_PLAIN] || !f->n[M_PLAIN] || !u->n[M_BATCH] || !f->n[M_BATCH]) {
		printf("not measured (%s)\n", f->na[M_BATCH] ? f->na[M_BATCH] :
		       f->na[M_PLAIN] ? f->na[M_PLAIN] : u->na[M_BATCH] ? u->na[M_BATCH] :
		       u->na[M_PLAIN] ? u->na[M_PLAIN] : "see the table");
		return;
	}
	if (dp <= 0) {
		printf("ratio undefined (target ≤ 1.2): **not evaluable**: the filter adds %.0f ns "
		       "to a direct call (%.0f → %.0f ns), nothing measurable; %+.0f ns to a batch "
		       "entry (%.0f → %.0f ns)\n", dp, pu, pf, db, bu, bf);
		return;
	}
	/* lo: the smallest of the direct call's per-repetition differences */
	stat3(c5_m[v][3], M_PLAIN, &med, &lo, &hi);
	printf("ratio %.2f (target ≤ 1.2): %s — X = (batch entry filtered − unfiltered) ÷ "
	       "(direct call filtered − unfiltered), medians: %+.0f ns (%.0f → %.0f) ÷ %+.0f ns "
	       "(%.0f → %.0f)%s; for context, filtered/unfiltered: batch entry %.2f×, direct "
	       "call %.2f×\n", db / dp, verdict(db / dp <= 1.2), db, bu, bf, dp, pu, pf,
	       lo <= 0 ? " (X is noisy: in some repetitions the filter added nothing "
			 "measurable to a direct call)" : "", bf / bu, pf / pu);
}

/*
 * One line per target of the performance issue (docs/design-perf.md S0.5),
 * from the medians of this boot: "target <name>: met (<figures>)" or
 * "target <name>: NOT met (<figures>)".  harness/bench.sh repeats them last.
 */
static void target(const char *name, int ok, const char *fmt, ...)
{
	va_list ap;

	printf("target %s: %s (", name, ok ? "met" : "NOT met");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(")\n");
}

/* Why a median is missing, or NULL if @m has one for @md. */
static const char *missing(struct metric *m, enum mode md)
{
	if (!m)
		return "not run";
	if (m->n[md] && med_of(m, md) > 0)
		return NULL;
	return m->na[md] ? m->na[md] : "not measured";
}

/* The first reason of up to three (metric, mode) pairs, NULL if none. */
static const char *missing3(struct metric *a, enum mode ma, struct metric *b, enum mode mb,
			    struct metric *c, enum mode mc)
{
	const char *w = missing(a, ma);

	if (!w && b)
		w = missing(b, mb);
	if (!w && c)
		w = missing(c, mc);
	return w;
}

/* batch getppid per entry at batch size index @si <= io_uring per NOP */
static void target_batch_entry(const char *name, int si)
{
	struct metric *m = c2[0][si];
	const char *w = missing3(m, M_BATCH, m, M_URING, NULL, 0);
	double b = med_of(m, M_BATCH), u = med_of(m, M_URING);

	if (w)
		target(name, 0, "batch of %d: %s", c2_sizes[si], w);
	else
		target(name, b <= u, "batch of %d: getppid entry %.0f ns vs io_uring NOP %.0f ns "
		       "per entry, ratio %.2f, target <= 1", c2_sizes[si], b, u, b / u);
}

static void target_throughput(const char *name, struct metric *m, int nthr)
{
	const char *w = missing3(m, M_ASYNC, m, M_POOL, m, M_URING);
	double a = med_of(m, M_ASYNC), p = med_of(m, M_POOL), u = med_of(m, M_URING);

	if (w)
		target(name, 0, "%d submitting thread%s: %s", nthr, nthr > 1 ? "s" : "", w);
	else
		target(name, a >= 1.5 * p && a >= 1.5 * u, "%d submitting thread%s: async %.0f "
		       "vs pool %.0f (%.2fx) and io_uring %.0f (%.2fx) kentries/s, target >= 1.5x "
		       "both; batch mode %.0f", nthr, nthr > 1 ? "s" : "", a, p, a / p, u, a / u,
		       med_of(m, M_BATCH));
}

static void print_targets(void)
{
	struct metric *m;
	const char *w;
	double a, b, p, u;
	int i;

	printf("\n**Targets** (one line each, from the medians of this boot; "
	       "`harness/bench.sh` repeats them at the end of its output)\n\n```text\n");

	target_batch_entry("batch_entry_64", 2);
	target_batch_entry("batch_entry_512", 3);

	m = c2[0][2];
	w = missing3(m, M_PLAIN, m, M_BATCH, NULL, 0);
	p = med_of(m, M_PLAIN);
	b = med_of(m, M_BATCH);
	if (w)
		target("batch_getppid_64_2x", 0, "%s", w);
	else
		target("batch_getppid_64_2x", p / b >= 2, "plain getppid %.0f ns / batch-of-64 "
		       "entry %.0f ns = %.2f, target >= 2", p, b, p / b);

	m = c2[0][0];
	w = missing3(m, M_BATCH, m, M_URING, NULL, 0);
	b = med_of(m, M_BATCH);
	u = med_of(m, M_URING);
	if (w)
		target("batch_of_one", 0, "%s", w);
	else
		target("batch_of_one", b <= u, "batch of one getppid %.0f ns per call vs io_uring "
		       "submission of one NOP %.0f ns, ratio %.2f, target <= 1", b, u, b / u);

	m = c1_p50;
	w = missing3(m, M_ASYNC, m, M_URING, m, M_POOL);
	a = med_of(m, M_ASYNC);
	u = med_of(m, M_URING);
	p = med_of(m, M_POOL);
	if (w)
		target("async_orc_p50", 0, "%s", w);
	else
		target("async_orc_p50", a <= 0.7 * u && a <= 0.7 * p, "open/read/close p50: async "
		       "%.1f µs vs io_uring %.1f µs (%.2fx) and pool %.1f µs (%.2fx), target <= "
		       "0.7x both", a, u, a / u, p, a / p);

	target_throughput("throughput_1", c3[0], 1);
	target_throughput("throughput_2", c3[1], 2);

	{
		unsigned long wk = 0, ch = 0;

		for (i = 0; i < 3; i++) {
			wk += c3_wakes[i];
			ch += c3_chains[i];
		}
		if (!ch)
			target("one_wake_per_chain", 0, "case 3 async not measured%s",
			       have_async ? "" : ": async_submit(2) unavailable");
		else
			target("one_wake_per_chain", (double)wk / ch <= 1.0, "case 3 async: %.3f "
			       WORKER_COMM " worker wake-ups per chain (%lu voluntary switches over "
			       "%lu chains; 1, 2, 4 submitting threads: %.3f, %.3f, %.3f), "
			       "target <= 1.0", (double)wk / ch, wk, ch,
			       c3_chains[0] ? (double)c3_wakes[0] / c3_chains[0] : 0,
			       c3_chains[1] ? (double)c3_wakes[1] / c3_chains[1] : 0,
			       c3_chains[2] ? (double)c3_wakes[2] / c3_chains[2] : 0);
	}

	if (!idle_n)
		target("no_clone_while_idle", 0, "not measured%s",
		       have_async ? "" : ": async_submit(2) unavailable");
	else
		target("no_clone_while_idle", !idle_new && idle_before, "%d sequential single "
		       "chains after a warm-up: %d new " WORKER_COMM " threads (%d before, %d "
		       "after), target 0%s", idle_n, idle_new, idle_before, idle_after,
		       idle_before ? "" : "; no worker before the run: not evaluable");

	target("no_wake_without_waiter", nowake_ok, "%s", nowake_fig);

	{
		FILE *f = fopen("/proc/sys/kernel/async_syscall_worker_spin_us", "r");
		int us = -1, exists = f != NULL;

		if (f) {
			if (fscanf(f, "%d", &us) != 1)
				us = -1;
			fclose(f);
		}
		if (us >= 0)
			target("worker_spin", 1, "kernel.async_syscall_worker_spin_us = %d", us);
		else
			target("worker_spin", 0, "%s", exists ?
			       "kernel.async_syscall_worker_spin_us unreadable" :
			       "no kernel.async_syscall_worker_spin_us");
	}

	m = c6;
	w = missing3(m, M_PLAIN, m, M_ASYNC, m, M_POOL);
	if (!w)
		w = missing(m, M_URING);
	a = med_of(m, M_ASYNC);
	b = med_of(m, M_PLAIN);
	p = med_of(m, M_POOL);
	u = med_of(m, M_URING);
	if (w)
		target("cold_files", 0, "%s", w);
	else
		target("cold_files", b / a >= 3 && a <= p && a <= u, "%d cold files: async %.0f ms "
		       "vs sequential %.0f ms (%.2fx faster, target >= 3), pool %.0f ms, io_uring "
		       "%.0f ms (target: async <= both)", c6_files, a, b, b / a, p, u);
	printf("```\n");
}

/* Figures the issue also names, and case 5's target: informative lines. */
static void print_other(void)
{
	int call;

	printf("\n**Other comparisons** (informative, not targets)\n\n");
	if (!have_async) {
		printf("async_submit(2) unavailable (ENOSYS).\n");
		return;
	}
	for (call = 0; call < 2; call++) {
		double p = med_of(c2[call][2], M_PLAIN), b = med_of(c2[call][2], M_BATCH);

		printf("- batch mode, %s × 64: %.0f ns per call vs plain %.0f: plain/batch = %.2f\n",
		       call ? "fstat" : "getppid", b, p, b > 0 ? p / b : 0);
	}
	for (call = 0; call < 2; call++) {
		double fb = flatness(call, M_BATCH), fa = flatness(call, M_ASYNC);

		printf("- cost per entry from batch 8 to 512, %s: batch mode max/min = %.2f, "
		       "async mode max/min = %.2f (the issue asks ≤ 1.20)\n",
		       call ? "fstat" : "getppid", fb, fa);
	}
	for (call = 0; call < 2; call++)
		c5_target(call);
}

/* ------------------------------------------------------------------ main */

static int possible_cpus(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
	int a, b, n = 0;
	char c;

	if (!f)
		return (int)sysconf(_SC_NPROCESSORS_CONF);
	while (fscanf(f, "%d", &a) == 1) {
		b = a;
		if (fscanf(f, "%c", &c) == 1 && c == '-') {
			if (fscanf(f, "%d", &b) != 1)
				b = a;
			if (fscanf(f, "%c", &c) != 1)
				c = '\n';
		}
		n += b - a + 1;
		if (c != ',')
			break;
	}
	fclose(f);
	return n > 0 ? n : 1;
}

/*
 * The data file of cases 1 to 3: TMP_FILE is made here; DISK_FILE, the same
 * bytes, is on the bench disk (harness/bench.sh) when it is mounted.  Each is
 * read once, so it is in the page cache.
 */
static void setup_files(void)
{
	char data[FILE_SIZE];
	int fd, i;

	for (i = 0; i < FILE_SIZE; i++)
		data[i] = 'a' + i % 26;
	fd = open(TMP_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, FILE_SIZE) != FILE_SIZE || close(fd))
		die("creating %s: %s", TMP_FILE, strerror(errno));
	file_path = TMP_FILE;
	if (run_orc(buf1) != FILE_SIZE)	/* into the page cache */
		die("reading %s", TMP_FILE);
	fd = open(DISK_FILE, O_RDONLY);
	if (fd >= 0) {
		if (read(fd, buf1, FILE_SIZE) != FILE_SIZE || memcmp(buf1, data, FILE_SIZE))
			die("%s: not the expected %d bytes", DISK_FILE, FILE_SIZE);
		close(fd);
		file_path = DISK_FILE;
		on_disk = 1;
		if (run_orc(buf1) != FILE_SIZE)
			die("reading %s", DISK_FILE);
	}
	cold_dirfd = open(COLD_DIR, O_RDONLY | O_DIRECTORY);
	note("data file of cases 1-3: %s; case 6 directory %s: %s", file_path, COLD_DIR,
	     cold_dirfd >= 0 ? "present" : "absent");
}

/* A side metric as a table row: what, mode, median, min–max. */
static void side_row(const char *what, struct metric *m, enum mode md)
{
	char a[32], b[32], c[32];
	double med, lo, hi;

	if (stat3(m, md, &med, &lo, &hi))
		printf("| %s | %s | %s–%s |\n", what, fmtv(med, a, sizeof(a)),
		       fmtv(lo, b, sizeof(b)), fmtv(hi, c, sizeof(c)));
	else
		printf("| %s | %s | |\n", what, m->na[md] ? m->na[md] : "not measured");
}

static void print_diagnostics(void)
{
	double e = med_of(d_none, M_PLAIN), be = med_of(d_none, M_BATCH);
	double fw = med_of(d_wake, M_PLAIN);
	int i;

	printf("\n**Diagnostics** (same boot; docs/design-perf.md S0.3)\n\n");
	printf("| row | median ns | min–max |\n|---|---:|---:|\n");
	side_row("syscall 400 (no such call), plain: entry and exit (E)", d_none, M_PLAIN);
	side_row("syscall 400, batch of 64 entries, per entry: the per-entry floor", d_none,
		 M_BATCH);
	side_row("FUTEX_WAKE_PRIVATE on a word nobody waits on, plain", d_wake, M_PLAIN);
	printf("\n");
	if (e > 0 && fw > 0)
		printf("- FUTEX_WAKE without a waiter − syscall 400: %.0f ns (the wake a completion "
		       "pays when nobody waits: what the waiters bit removes).\n", fw - e);
	if (e > 0 && be > 0)
		printf("- batch entry of syscall 400 − plain syscall 400: %.0f ns (bookkeeping of an "
		       "entry beyond a call's entry and exit).\n", be - e);
	for (i = 0; i < 3; i++)
		if (c3_chains[i])
			printf("- case 3 (c) async, %d submitting thread%s: %.3f wake-ups of "
			       WORKER_COMM " threads per chain, %d new " WORKER_COMM " threads "
			       "over the timed repetitions.\n", c3_threads[i],
			       c3_threads[i] > 1 ? "s" : "", (double)c3_wakes[i] / c3_chains[i],
			       c3_created[i]);
	for (i = 0; i < 3; i++)
		if (c3[i] && c3[i]->n[M_URING])
			printf("- case 3 (d) io_uring, %d submitting thread%s: up to %d iou-wrk "
			       "threads at the end of a repetition.\n", c3_threads[i],
			       c3_threads[i] > 1 ? "s" : "", c3_iowq[i]);
	for (i = 0; i < ndiag; i++)
		printf("- %s.\n", diag[i]);
}

int main(int argc, char **argv)
{
	struct ring ring;
	struct utsname u;
	int opt, i, workers = -1, ncpu;
	long ret;

	while ((opt = getopt(argc, argv, "qr:P:")) != -1) {
		switch (opt) {
		case 'q':
			quick = 1;
			break;
		case 'r':
			reps = atoi(optarg);
			if (reps < 1 || reps > MAX_REPS)
				die("-r 1..%d", MAX_REPS);
			break;
		case 'P':
			prof_parse(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-q] [-r reps] [-P name[,name...]]...\n",
				argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	setup_files();

	ret = async_submit(NULL, 0, ASYNC_SUBMIT_BATCH);
	have_async = !(ret == -1 && errno == ENOSYS);
	note("async_submit(2): %s", have_async ? "present" : "unavailable (ENOSYS)");

	uring_setup_flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	if (ring_init(&ring, MAXB, 64)) {
		uring_setup_flags = 0;
		if (ring_init(&ring, MAXB, 64) == 0)
			uring_ok = 1;
	} else {
		uring_ok = 1;
	}
	note("io_uring: %s (setup flags 0x%x)", uring_ok ? "ok" : "unavailable",
	     uring_setup_flags);
	if (nprof_sel) {
		profile_run(&ring);
		unlink(TMP_FILE);
		return 0;
	}

	ncpu = possible_cpus();
	pool_threads = ncpu * 4 > 8 ? ncpu * 4 : 8;
	{
		/* The kernel's worker limit, where the kernel has the sysctl. */
		FILE *f = fopen("/proc/sys/kernel/async_syscall_max_workers", "r");
		int mw;

		if (f) {
			if (fscanf(f, "%d", &mw) == 1 && mw > 0)
				pool_threads = mw;
			fclose(f);
		}
	}
	if (pool_threads > 256)
		pool_threads = 256;
	pool_start(pool_threads);
	note("%d possible CPUs, %d online; thread pool of %d threads; %d repetitions%s",
	     ncpu, (int)sysconf(_SC_NPROCESSORS_ONLN), pool_threads, reps,
	     quick ? " (quick)" : "");

	futex_pingpong();
	case1(&ring);
	idle_clone_check();
	case2(&ring);
	case3();
	case4(&ring);
	profile_getppid();
	diag_entry_cost();
	no_wake_check();
	case6();	/* last of the cases that use the page cache: it drops it */
	if (have_async)
		workers = scan_threads(WORKER_COMM, NULL);
	pool_stop();
	if (uring_ok)
		ring_exit(&ring);
	case5();	/* fork()s: after the pool's threads are gone */

	uname(&u);
	printf("<!-- BENCH-REPORT-BEGIN -->\n");
	printf("Kernel `%s %s`, %d possible / %ld online CPUs. %d repetitions per figure%s; "
	       "median and min–max of the repetitions; speed-ups are ratios of medians "
	       "(>1 = faster than the reference: for times reference/this, for "
	       "throughput this/reference).\n\n",
	       u.release, u.version, ncpu, sysconf(_SC_NPROCESSORS_ONLN), reps,
	       quick ? " (quick mode: 10x fewer iterations)" : "");
	printf("Thread pool (e): %d threads (the kernel's worker limit: "
	       "kernel.async_syscall_max_workers, by default max(8, 4 × possible CPUs)). ",
	       pool_threads);
	if (workers >= 0)
		printf("async_syscall workers alive at the end of the run: %d. ", workers);
	printf("io_uring setup flags: 0x%x%s.\n\n", uring_setup_flags,
	       uring_setup_flags ? " (SINGLE_ISSUER | DEFER_TASKRUN)" : "");
	if (on_disk)
		printf("Data file of cases 1–3: `%s` on ext4 (the bench disk), read once before "
		       "(page-cached); the row \"file on tmpfs\" reads `%s`.", DISK_FILE, TMP_FILE);
	else
		printf("Data file of cases 1–3: `%s` on tmpfs: **no bench disk** (%s not "
		       "mounted), so io_uring's reads go through io-wq.", TMP_FILE, DISK_DIR);
#ifdef ASYNC_SYSCALL_STATUS_WAITERS
	printf(" Async waiters use the waiters bit (ASYNC_SYSCALL_STATUS_WAITERS).\n\n");
#else
	printf(" Async waiters sleep on PENDING (no waiters bit in the UAPI).\n\n");
#endif
	print_report();
	printf("\n**Futex ping-pong** (two threads, FUTEX_WAIT/WAKE_PRIVATE, one round trip = two "
	       "cross-thread wake-ups): ");
	{
		double med, lo, hi;
		char a[32], b[32], c[32];

		if (stat3(pingpong, M_PLAIN, &med, &lo, &hi))
			printf("%s µs (%s–%s)\n", fmtv(med, a, sizeof(a)), fmtv(lo, b, sizeof(b)),
			       fmtv(hi, c, sizeof(c)));
	}
	printf("\n**Seccomp filter (case 5)**: each filter is measured in its own fork()ed "
	       "child, in two threads: one installs it on itself (PR_SET_NO_NEW_PRIVS + "
	       "SECCOMP_SET_MODE_FILTER, no TSYNC), the other stays unfiltered; repetitions "
	       "alternate between them (ABBA order, after a warm-up repetition of each); "
	       "%d getppid calls per repetition, plain and in batches of %d. Filter A (%d instructions) checks the architecture, refuses "
	       "x32 numbers and %d calls by number (EPERM) and allows the rest, getppid and "
	       "async_submit among them, by number alone: the kernel's action cache answers "
	       "for those without running it. Filter B (%d instructions) is the same chain, "
	       "three refused calls shorter, with getppid's args[0] compared at its end "
	       "(allowed either way), so it runs, "
	       "%d instructions, on every getppid, direct call or entry. BPF JIT: %s. "
	       "Target: X = (batch entry filtered − unfiltered) ÷ (direct call filtered − "
	       "unfiltered), from the medians: what the filter adds to an entry over what it "
	       "adds to a direct call.\n", C5_CALLS, C5_BATCH, c5_len[0],
	       C5_NDENY, c5_len[1], c5_ran[1], bpf_jit_state());
	printf("\n**Where the time goes (async path, measured from user space)**\n\n");
	if (!have_async) {
		printf("async_submit(2) unavailable (ENOSYS): nothing measured.\n");
	} else {
		struct { const char *what; struct metric *m; enum mode md; } pr[] = {
			{ "open/read/close chain: async_submit() returns after", prof_orc_submit, M_ASYNC },
			{ "open/read/close chain: last entry DONE seen, futex wait", prof_orc_done, M_ASYNC },
			{ "open/read/close chain: last entry DONE seen, spinning on the status word", prof_orc_spin, M_ASYNC },
			{ "one getppid entry, batch mode: whole call", pg_batch, M_BATCH },
			{ "one getppid entry, async: async_submit() returns after", pg_sub, M_ASYNC },
			{ "one getppid entry, async: DONE seen, futex wait", pg_wait, M_ASYNC },
			{ "one getppid entry, async: DONE seen, spinning", pg_spin, M_ASYNC },
		};
		double pp = med_of(pingpong, M_PLAIN);

		printf("| step | median µs | min–max |\n|---|---:|---:|\n");
		for (i = 0; i < (int)(sizeof(pr) / sizeof(pr[0])); i++) {
			double med, lo, hi;
			char a[32], b[32], c[32];

			if (stat3(pr[i].m, pr[i].md, &med, &lo, &hi))
				printf("| %s | %s | %s–%s |\n", pr[i].what, fmtv(med, a, sizeof(a)),
				       fmtv(lo, b, sizeof(b)), fmtv(hi, c, sizeof(c)));
		}
		printf("| futex ping-pong round trip (for comparison) | %.2f | |\n\n", pp);
		printf("Derived from the medians above and in the main table:\n\n");
		printf("- open/read/close chain, async: the submit call takes %.1f µs of the %.1f µs "
		       "to completion; the chain on the plain path takes %.1f µs, so hand-off and "
		       "wake-up add %.1f µs (futex ping-pong round trip: %.1f µs).\n",
		       med_of(prof_orc_submit, M_ASYNC), med_of(prof_orc_done, M_ASYNC),
		       med_of(c1_p50, M_PLAIN),
		       med_of(prof_orc_done, M_ASYNC) - med_of(c1_p50, M_PLAIN), pp);
		printf("- spinning instead of futex-waiting on the status word changes the chain's "
		       "completion time from %.1f to %.1f µs.\n",
		       med_of(prof_orc_done, M_ASYNC), med_of(prof_orc_spin, M_ASYNC));
		printf("- one getppid entry: async completion (futex wait) %.1f µs vs batch %.1f µs: "
		       "%.1f µs more.\n", med_of(pg_wait, M_ASYNC), med_of(pg_batch, M_BATCH),
		       med_of(pg_wait, M_ASYNC) - med_of(pg_batch, M_BATCH));
		for (i = 1; i < NSIZES; i++) {
			printf("- getppid batch of %d: async − batch = %.0f ns per entry; "
			       "fstat: %.0f ns per entry.\n", c2_sizes[i],
			       med_of(c2[0][i], M_ASYNC) - med_of(c2[0][i], M_BATCH),
			       med_of(c2[1][i], M_ASYNC) - med_of(c2[1][i], M_BATCH));
		}
	}
	if (c6 && c6->n[M_PLAIN]) {
		printf("\n**Cold-cache case (6)**: before each mode and repetition, `sync()` and "
		       "`3` into `/proc/sys/vm/drop_caches`; then `openat(dirfd, name)`, `fstat`, "
		       "`read` 4 KiB and `close` of %d files of 4 KiB on the read-only ext4 disk, "
		       "every read checked against the file's index-derived content; at most 3 "
		       "repetitions (%d here: the case is slow under TCG), modes in rotating "
		       "order. ", c6_files, c6_reps);
		if (c6_odirect_n)
			printf("Context: 4 KiB O_DIRECT reads of `/dev/vda` take %.0f µs p50, "
			       "%.0f µs p99 (%d reads spread over the disk: the host's storage "
			       "behind QEMU's cache mode, see the QEMU command line).\n",
			       c6_odirect_p50, c6_odirect_p99, c6_odirect_n);
		else
			printf("O_DIRECT reads of `/dev/vda`: not measured.\n");
	}
	print_diagnostics();
	print_targets();
	print_other();
	printf("<!-- BENCH-REPORT-END -->\n");
	unlink(TMP_FILE);
	return 0;
}
