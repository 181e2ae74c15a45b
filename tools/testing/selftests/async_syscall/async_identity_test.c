// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for the identity an asynchronous async_submit(2) entry runs with
 * and for what the workers must never lose or leak:
 *
 * - an entry runs with the submitting thread's identity as of the
 *   submission (fd table, fs, network namespace, credentials, thread
 *   keyring), even when idle workers of another identity exist or the pool
 *   is full;
 * - a worker spawn that meets a pending signal is restarted, never
 *   reported, and one thread's failure never cancels another's work;
 * - entries that would change per-thread state are refused at submission;
 * - a worker never takes a signal that has a handler, also while an entry
 *   runs with a signal mask, and its mask is restored afterwards;
 * - batch mode runs task work between entries, and an interrupted first
 *   entry restarts the call as a plain system call would be restarted;
 * - a blocked chain does not hold up others beyond the worker limit;
 * - the entries in flight are limited per process and charged to the
 *   memory cgroup.
 *
 * Every wait is bounded (FUTEX_WAIT with a timeout, or a poll with a
 * deadline); every test ends within 20 s, also on a kernel that fails it.
 * The tests run as root.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/keyctl.h>
#include <linux/magic.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "async_syscall_test.h"

#ifndef KEYCTL_GET_KEYRING_ID
#define KEYCTL_GET_KEYRING_ID	0
#endif
#ifndef KEY_SPEC_THREAD_KEYRING
#define KEY_SPEC_THREAD_KEYRING	-1
#endif
#ifndef SIOCGSKNS
#define SIOCGSKNS		0x894C
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC	0x63677270
#endif
#ifndef __NR_close_range
#define __NR_close_range	436
#endif

/* How long an entry that can run may take to complete (slow guests). */
#define DONE_TIMEOUT_MS		5000
/* How long a submission made with a new identity may take to complete. */
#define IDENTITY_TIMEOUT_MS	5000
/* How long a thread of a test may take to finish once it has been told. */
#define JOIN_TIMEOUT_MS		5000

#define MAX_WORKERS_SYSCTL	"/proc/sys/kernel/async_syscall_max_workers"
#define MAX_ENTRIES_SYSCTL	"/proc/sys/kernel/async_syscall_max_entries"

/* The size of a kernel sigset_t on x86-64. */
#define KERNEL_SIGSET_SIZE	8

/* Asynchronous submission: flags without ASYNC_SUBMIT_BATCH. */
static long sys_async(struct async_syscall_entry *entries,
		      unsigned int nr_entries)
{
	return sys_async_submit(entries, nr_entries, ENTRY_SIZE, 0);
}

static long sys_batch(struct async_syscall_entry *entries,
		      unsigned int nr_entries)
{
	return sys_async_submit(entries, nr_entries, ENTRY_SIZE,
				ASYNC_SUBMIT_BATCH);
}

static __u32 load_status(const struct async_syscall_entry *e)
{
	return __atomic_load_n(&e->status, __ATOMIC_ACQUIRE);
}

static long long now_ms(void)
{
	return async_test_now_ms();
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Sleep @ms milliseconds, whatever signals the thread takes meanwhile. */
static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int load_int(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void store_int(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

/* Poll until *@p >= @v, at most @timeout_ms: whether it got there. */
static bool wait_int_ge(const int *p, int v, long timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	while (load_int(p) < v) {
		if (now_ms() >= deadline)
			return false;
		sleep_ms(2);
	}
	return true;
}

/* join @t within @timeout_ms: whether it ended. */
static bool join_thread(pthread_t t, long timeout_ms)
{
	struct timespec ts;

	if (timeout_ms < 0)
		timeout_ms = 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return pthread_timedjoin_np(t, NULL, &ts) == 0;
}

/* Read up to @size - 1 bytes of @path into @buf: the length, or -errno. */
static ssize_t read_text(const char *path, char *buf, size_t size)
{
	ssize_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = read(fd, buf, size - 1);
	if (len < 0)
		len = -errno;
	close(fd);
	buf[len > 0 ? len : 0] = '\0';
	return len;
}

/* Write @s to @path: 0 or -errno. */
static int write_text(const char *path, const char *s)
{
	ssize_t len = strlen(s);
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, s, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/* An unsigned sysctl: its value, or -errno when it cannot be read. */
static long sysctl_get(const char *path)
{
	char buf[32];
	ssize_t len = read_text(path, buf, sizeof(buf));

	if (len < 0)
		return len;
	if (len == 0)
		return -EIO;
	return strtol(buf, NULL, 10);
}

static int sysctl_set(const char *path, long value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld\n", value);
	return write_text(path, buf);
}

/* The comm of thread @tid of this process, with its newline, or "". */
static void thread_comm(pid_t tid, char *buf, size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
	if (read_text(path, buf, size) < 0)
		buf[0] = '\0';
}

/*
 * The value of the "@key:" line of /proc/self/task/@tid/status, without
 * the leading tab and the newline: whether it was found.
 */
static bool task_status_field(pid_t tid, const char *key, char *out,
			      size_t size)
{
	size_t n = strlen(key);
	char path[64], line[256];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, n) || line[n] != ':')
			continue;
		snprintf(out, size, "%s", line + n + 1 + strspn(line + n + 1,
								" \t"));
		out[strcspn(out, "\n")] = '\0';
		found = true;
		break;
	}
	fclose(f);
	return found;
}

/* Field 19 (nice) of /proc/self/task/@tid/stat: whether it was read. */
static bool task_nice(pid_t tid, long *nice)
{
	char path[64], buf[1024], *p;
	int field;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return false;
	/* comm may hold spaces: count from the ')' that ends it (field 2). */
	p = strrchr(buf, ')');
	if (!p)
		return false;
	for (field = 2; field < 19; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return false;
	}
	*nice = strtol(p + 1, NULL, 10);
	return true;
}

/* Create @dir/@name holding @data; its path in @path. */
static void make_file(struct __test_metadata *_metadata, const char *dir,
		      const char *name, const char *data, char *path,
		      size_t size)
{
	size_t len = strlen(data);
	int fd;

	snprintf(path, size, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ASSERT_GE(fd, 0) TH_LOG("create %s: %s", path, strerror(errno));
	ASSERT_EQ((ssize_t)len, write(fd, data, len));
	ASSERT_EQ(0, close(fd));
}

/* An asynchronous getpid() completes with the right result. */
static void expect_async_getpid(struct __test_metadata *_metadata)
{
	static struct async_syscall_entry e;

	e = ENTRY(__NR_getpid);
	ASSERT_EQ(1, sys_async(&e, 1)) TH_LOG("async_submit: %s",
					      strerror(errno));
	ASSERT_TRUE(async_wait_done(&e, DONE_TIMEOUT_MS))
		TH_LOG("getpid not complete after %d ms (status %#x)",
		       DONE_TIMEOUT_MS, load_status(&e));
	EXPECT_EQ(getpid(), e.result);
}

/*
 * Start a worker with the current (main) thread's identity and leave it
 * idle: an entry submitted later with another identity must not run on it.
 */
static void start_idle_worker(struct __test_metadata *_metadata)
{
	expect_async_getpid(_metadata);
	ASSERT_GE(async_count_workers(), 1) TH_LOG("no idle worker after getpid");
}

FIXTURE(identity) {
	/* Private scratch directory. */
	char dir[64];
	/* Sysctl values to restore, when the test changed them. */
	bool max_workers_set;
	long old_max_workers;
	bool max_entries_set;
	long old_max_entries;
	/* A cgroup2 mount point the test made, or "". */
	char cg_mount[64];
	/* A cgroup the test created, or "". */
	char cg_dir[192];
	/* The root whose subtree_control the test gave "+memory", or "". */
	char cg_memory_root[64];
};

FIXTURE_SETUP(identity)
{
	if (!async_submit_supported())
		SKIP(return, "async_submit(2) not supported (CONFIG_ASYNC_SYSCALL=n?)");

	snprintf(self->dir, sizeof(self->dir),
		 "/tmp/async_identity_test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
}

static int remove_one(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

/*
 * In the parent of the test process, after it ended in any way: restore
 * the sysctls, remove the cgroup and the scratch directory.
 */
FIXTURE_TEARDOWN_PARENT(identity)
{
	char path[128];
	long long deadline;

	if (self->max_workers_set)
		EXPECT_EQ(0, sysctl_set(MAX_WORKERS_SYSCTL,
					self->old_max_workers));
	if (self->max_entries_set)
		EXPECT_EQ(0, sysctl_set(MAX_ENTRIES_SYSCTL,
					self->old_max_entries));
	if (self->cg_dir[0]) {
		/* Its last task may take a moment to leave. */
		deadline = now_ms() + 3000;
		while (rmdir(self->cg_dir) && errno == EBUSY &&
		       now_ms() < deadline)
			sleep_ms(20);
	}
	if (self->cg_memory_root[0]) {
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control",
			 self->cg_memory_root);
		write_text(path, "-memory");
	}
	if (self->cg_mount[0]) {
		umount2(self->cg_mount, MNT_DETACH);
		rmdir(self->cg_mount);
	}
	if (self->dir[0])
		nftw(self->dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

/*
 * Set sysctl @path to @value for this test; the first time, save its old
 * value in @old for the teardown to restore. A sysctl that cannot be read
 * fails the test.
 */
static void set_sysctl(struct __test_metadata *_metadata, const char *path,
		       bool *saved, long *old, long value)
{
	if (!*saved) {
		*old = sysctl_get(path);
		ASSERT_GT(*old, 0) TH_LOG("cannot read %s: %s", path,
					  strerror((int)-*old));
		*saved = true;
	}
	ASSERT_EQ(0, sysctl_set(path, value));
	ASSERT_EQ(value, sysctl_get(path));
}

/*
 * Identity: fd table, fs, network namespace, credentials, keyring
 */

/*
 * What a submitting thread of the identity tests did and saw. Entries and
 * buffers live here, not on the thread's stack, so that a late completion
 * never writes into a stack that was freed.
 */
struct submitter {
	/* Input. */
	int fd;
	const char *path;
	/* The first step that failed, with its errno. */
	const char *failed;
	int err;
	/* The submission. */
	long ret;
	int submit_errno;
	bool done[2];
	struct async_syscall_entry e[2];
	char buf[16];
	/* Values the thread read itself. */
	long long v[4];
};

static void submitter_fail(struct submitter *s, const char *what)
{
	s->failed = what;
	s->err = errno;
}

/* Submit @nr entries of @s->e and wait up to @timeout_ms for them. */
static void submitter_run(struct submitter *s, unsigned int nr,
			  int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms, left;
	unsigned int i;

	s->ret = sys_async(s->e, nr);
	s->submit_errno = errno;
	if (s->ret != (long)nr)
		return;
	for (i = 0; i < nr; i++) {
		left = deadline - now_ms();
		s->done[i] = async_wait_done(&s->e[i], left > 0 ? left : 0);
	}
}

static void expect_submitted(struct __test_metadata *_metadata,
			     struct submitter *s, unsigned int nr)
{
	unsigned int i;

	ASSERT_EQ(NULL, s->failed) TH_LOG("%s: %s", s->failed,
					  strerror(s->err));
	ASSERT_EQ((long)nr, s->ret) TH_LOG("async_submit: %s",
					   strerror(s->submit_errno));
	for (i = 0; i < nr; i++)
		ASSERT_TRUE(s->done[i])
			TH_LOG("entry %u not complete in time (status %#x)", i,
			       load_status(&s->e[i]));
}

static void *files_thread(void *arg)
{
	struct submitter *s = arg;
	int fd;

	if (unshare(CLONE_FILES)) {
		submitter_fail(s, "unshare(CLONE_FILES)");
		return NULL;
	}
	fd = open(s->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		submitter_fail(s, "open B");
		return NULL;
	}
	if (dup2(fd, s->fd) != s->fd) {
		submitter_fail(s, "dup2");
		return NULL;
	}
	close(fd);
	s->e[0] = ENTRY(__NR_read, s->fd, PTR(s->buf), 1);
	submitter_run(s, 1, DONE_TIMEOUT_MS);
	close(s->fd);
	return NULL;
}

/*
 * A thread with its own fd table (unshare(CLONE_FILES)) whose fd N is file
 * B, while N is file A in the table of the main thread and of the idle
 * worker it started: the thread's read(N) reads B.
 */
TEST_F(identity, fd_table_of_the_submitting_thread)
{
	static struct submitter s;
	char path_a[128], path_b[128], c = 0;
	pthread_t thread;
	int fd;

	make_file(_metadata, self->dir, "a", "A", path_a, sizeof(path_a));
	make_file(_metadata, self->dir, "b", "B", path_b, sizeof(path_b));
	fd = open(path_a, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	start_idle_worker(_metadata);

	s.fd = fd;
	s.path = path_b;
	ASSERT_EQ(0, pthread_create(&thread, NULL, files_thread, &s));
	ASSERT_TRUE(join_thread(thread, DONE_TIMEOUT_MS + JOIN_TIMEOUT_MS));
	expect_submitted(_metadata, &s, 1);
	EXPECT_EQ(1, s.e[0].result) TH_LOG("read: %s",
					   strerror((int)-s.e[0].result));
	EXPECT_EQ('B', s.buf[0])
		TH_LOG("read fd %d of the main thread's table, not the submitter's",
		       fd);
	/* The main thread's N is still file A. */
	EXPECT_EQ(1, pread(fd, &c, 1, 0));
	EXPECT_EQ('A', c);
	close(fd);
}

static void *fs_thread(void *arg)
{
	struct submitter *s = arg;

	if (unshare(CLONE_FS)) {
		submitter_fail(s, "unshare(CLONE_FS)");
		return NULL;
	}
	if (chdir(s->path)) {
		submitter_fail(s, "chdir");
		return NULL;
	}
	s->e[0] = ENTRY(__NR_openat, AT_FDCWD, PTR("rel"),
			O_RDONLY | O_CLOEXEC);
	s->e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	s->e[1] = ENTRY(__NR_read, -1, PTR(s->buf), sizeof(s->buf) - 1);
	set_feed(&s->e[1], 0, 0, 0);
	submitter_run(s, 2, DONE_TIMEOUT_MS);
	if (s->done[0] && s->e[0].result >= 0)
		close((int)s->e[0].result);
	return NULL;
}

/*
 * A thread with its own fs context (unshare(CLONE_FS)) that changed into
 * another directory: its openat(AT_FDCWD, "rel") opens "rel" of its own
 * cwd, not that of the main thread and its idle worker.
 */
TEST_F(identity, cwd_of_the_submitting_thread)
{
	static struct submitter s;
	char path[128], sub[128], old_cwd[PATH_MAX];
	pthread_t thread;

	/* The main thread's cwd has a "rel" too, with other content. */
	make_file(_metadata, self->dir, "rel", "M", path, sizeof(path));
	snprintf(sub, sizeof(sub), "%s/sub", self->dir);
	ASSERT_EQ(0, mkdir(sub, 0700));
	make_file(_metadata, sub, "rel", "T", path, sizeof(path));
	ASSERT_NE(NULL, getcwd(old_cwd, sizeof(old_cwd)));
	ASSERT_EQ(0, chdir(self->dir));
	start_idle_worker(_metadata);

	s.path = sub;
	ASSERT_EQ(0, pthread_create(&thread, NULL, fs_thread, &s));
	ASSERT_TRUE(join_thread(thread, DONE_TIMEOUT_MS + JOIN_TIMEOUT_MS));
	EXPECT_EQ(0, chdir(old_cwd));
	expect_submitted(_metadata, &s, 2);
	ASSERT_GE(s.e[0].result, 0) TH_LOG("openat(\"rel\"): %s",
					   strerror((int)-s.e[0].result));
	EXPECT_EQ(1, s.e[1].result);
	EXPECT_EQ('T', s.buf[0])
		TH_LOG("opened \"rel\" of the main thread's cwd (read '%c')",
		       s.buf[0]);
}

static void *netns_thread(void *arg)
{
	struct submitter *s = arg;
	int family = AF_INET, fd, nsfd;
	struct stat st;

	if (unshare(CLONE_NEWNET)) {
		submitter_fail(s, "unshare(CLONE_NEWNET) (CONFIG_NET_NS?)");
		return NULL;
	}
	if (stat("/proc/thread-self/ns/net", &st)) {
		submitter_fail(s, "stat /proc/thread-self/ns/net");
		return NULL;
	}
	s->v[0] = st.st_dev;
	s->v[1] = st.st_ino;
	/* Any socket records its namespace: AF_UNIX without CONFIG_INET. */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 && errno == EAFNOSUPPORT)
		family = AF_UNIX;
	if (fd >= 0)
		close(fd);
	s->v[2] = family;

	s->e[0] = ENTRY(__NR_socket, family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	submitter_run(s, 1, DONE_TIMEOUT_MS);
	if (!s->done[0] || s->e[0].result < 0)
		return NULL;
	fd = (int)s->e[0].result;
	nsfd = ioctl(fd, SIOCGSKNS);
	if (nsfd < 0) {
		submitter_fail(s, "ioctl(SIOCGSKNS)");
	} else {
		if (fstat(nsfd, &st))
			submitter_fail(s, "fstat netns fd");
		s->v[3] = st.st_ino;
		if (st.st_dev != (dev_t)s->v[0])
			submitter_fail(s, "nsfs st_dev differs");
		close(nsfd);
	}
	close(fd);
	return NULL;
}

/*
 * A thread in a network namespace of its own (unshare(CLONE_NEWNET) as a
 * plain call): the socket its asynchronous socket() creates belongs to
 * that namespace.
 */
TEST_F(identity, netns_of_the_submitting_thread)
{
	static struct submitter s;
	pthread_t thread;
	struct stat st;

	ASSERT_EQ(0, stat("/proc/thread-self/ns/net", &st));
	start_idle_worker(_metadata);

	ASSERT_EQ(0, pthread_create(&thread, NULL, netns_thread, &s));
	ASSERT_TRUE(join_thread(thread, DONE_TIMEOUT_MS + JOIN_TIMEOUT_MS));
	ASSERT_EQ(1, s.ret) TH_LOG("async_submit: %s (%s: %s)",
				   strerror(s.submit_errno),
				   s.failed ? s.failed : "", strerror(s.err));
	ASSERT_TRUE(s.done[0]) TH_LOG("socket() not complete in time");
	ASSERT_GE(s.e[0].result, 0) TH_LOG("socket(%s): %s",
					   s.v[2] == AF_INET ? "AF_INET" : "AF_UNIX",
					   strerror((int)-s.e[0].result));
	ASSERT_EQ(NULL, s.failed) TH_LOG("%s: %s", s.failed, strerror(s.err));
	/* The thread really is in another namespace than the process. */
	EXPECT_NE((long long)st.st_ino, s.v[1]);
	EXPECT_EQ(s.v[1], s.v[3])
		TH_LOG("socket in netns %lld, submitter in %lld, process in %llu",
		       s.v[3], s.v[1], (unsigned long long)st.st_ino);
	if (s.v[2] != AF_INET)
		ksft_print_msg("no AF_INET (CONFIG_INET=n): checked an AF_UNIX socket\n");
}

static void *setresgid_thread(void *arg)
{
	struct submitter *s = arg;

	/* The raw call changes only this thread, unlike glibc's setresgid(). */
	if (syscall(SYS_setresgid, 1, 1, 1)) {
		submitter_fail(s, "setresgid");
		return NULL;
	}
	s->e[0] = ENTRY(__NR_getpid);
	s->e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	s->e[1] = ENTRY(__NR_getegid);
	submitter_run(s, 2, IDENTITY_TIMEOUT_MS);
	return NULL;
}

/*
 * The pool is full of idle workers with the main thread's credentials
 * (async_syscall_max_workers = 2); a thread that changed its own gid
 * submits: its entries still run, within 5 s, with its credentials.
 */
TEST_F(identity, new_credentials_with_a_full_pool)
{
	static struct async_syscall_entry e[8];
	static struct submitter s;
	pthread_t thread;
	unsigned int i;
	int n;

	set_sysctl(_metadata, MAX_WORKERS_SYSCTL, &self->max_workers_set,
		   &self->old_max_workers, 2);
	for (i = 0; i < 8; i++)
		e[i] = ENTRY(__NR_getpid);
	ASSERT_EQ(8, sys_async(e, 8)) TH_LOG("async_submit: %s",
					     strerror(errno));
	ASSERT_EQ(-1, async_wait_all_done(e, 8, DONE_TIMEOUT_MS));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(getpid(), e[i].result);
	n = async_count_workers();
	EXPECT_GE(n, 1);
	EXPECT_LE(n, 2);

	ASSERT_EQ(0, pthread_create(&thread, NULL, setresgid_thread, &s));
	ASSERT_TRUE(join_thread(thread, IDENTITY_TIMEOUT_MS + JOIN_TIMEOUT_MS));
	expect_submitted(_metadata, &s, 2);
	EXPECT_EQ(getpid(), s.e[0].result);
	EXPECT_EQ(1, s.e[1].result) TH_LOG("the entry ran with gid %lld",
					   (long long)s.e[1].result);
	/* Only the thread changed. */
	EXPECT_EQ(0U, getegid());
}

static void *keyring_thread(void *arg)
{
	struct submitter *s = arg;
	long id;

	id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID,
		     KEY_SPEC_THREAD_KEYRING, 1);
	if (id < 0) {
		submitter_fail(s, "keyctl(KEYCTL_GET_KEYRING_ID, thread, create)");
		return NULL;
	}
	s->v[0] = id;
	/* The first needs a worker for this identity, the second reuses it. */
	s->e[0] = ENTRY(__NR_getpid);
	submitter_run(s, 1, IDENTITY_TIMEOUT_MS);
	if (s->ret != 1 || !s->done[0])
		return NULL;
	s->v[1] = s->e[0].result;
	s->e[0] = ENTRY(__NR_getpid);
	s->done[0] = false;
	submitter_run(s, 1, IDENTITY_TIMEOUT_MS);
	return NULL;
}

/*
 * A thread with a thread keyring (whose clones get credentials of their
 * own): its asynchronous entries complete, twice.
 */
TEST_F(identity, thread_keyring)
{
	static struct submitter s;
	pthread_t thread;

	ASSERT_EQ(0, pthread_create(&thread, NULL, keyring_thread, &s));
	ASSERT_TRUE(join_thread(thread,
				2 * IDENTITY_TIMEOUT_MS + JOIN_TIMEOUT_MS));
	/* /proc/keys exists with CONFIG_KEYS; without it keyctl() fails. */
	if (s.failed && (s.err == EOPNOTSUPP || access("/proc/keys", F_OK)))
		SKIP(return, "no thread keyrings (CONFIG_KEYS=n): %s",
		     strerror(s.err));
	ASSERT_EQ(NULL, s.failed) TH_LOG("%s: %s", s.failed, strerror(s.err));
	ASSERT_GT(s.v[0], 0);
	EXPECT_EQ(getpid(), s.v[1])
		TH_LOG("first getpid not complete within %d ms",
		       IDENTITY_TIMEOUT_MS);
	expect_submitted(_metadata, &s, 1);
	EXPECT_EQ(getpid(), s.e[0].result);
}

/*
 * Nothing lost under a signal storm
 */

#define STORM_SUBMISSIONS	300
#define STORM_OTHER		100
/* The sender signals in bursts with gaps, see storm_sender(). */
#define STORM_BURST_US		2000
#define STORM_GAP_US		2000

static int usr1_count;

static void on_usr1(int sig)
{
	(void)sig;
	__atomic_add_fetch(&usr1_count, 1, __ATOMIC_SEQ_CST);
}

static void install_usr1(struct __test_metadata *_metadata)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	store_int(&usr1_count, 0);
}

struct storm {
	pthread_t target;
	int stop;
	/* 1 while a burst is being sent. */
	int burst;
	unsigned long sent;
};

/*
 * pthread_kill(target, SIGUSR1) in a tight loop, in bursts of 2 ms with
 * 2 ms gaps. An unbroken storm would keep a signal pending at every spawn,
 * and a spawn restarted for each could never complete (as fork() under
 * such a storm): the gaps bound the restarts, the bursts make a pending
 * signal at a spawn all but certain.
 */
static void *storm_sender(void *arg)
{
	struct storm *s = arg;
	long long end;

	while (!load_int(&s->stop)) {
		end = now_us() + STORM_BURST_US;
		store_int(&s->burst, 1);
		while (now_us() < end && !load_int(&s->stop)) {
			pthread_kill(s->target, SIGUSR1);
			s->sent++;
		}
		store_int(&s->burst, 0);
		usleep(STORM_GAP_US);
	}
	return NULL;
}

struct storm_other {
	int go;
	/* Stop submitting at this time (ms), stop waiting at @end_ms. */
	long long submit_until_ms;
	long long end_ms;
	/* Submissions made, and those not accepted with the first errno. */
	unsigned int submitted;
	int failed;
	int err;
	/* Accepted entries not complete by @end_ms. */
	int incomplete;
	/* Chains complete with a wrong result (-ECANCELED ...). */
	int wrong;
	long long first_wrong;
	bool ok[STORM_OTHER];
	struct async_syscall_entry e[2 * STORM_OTHER];
};

static const struct timespec one_ms = { .tv_nsec = 1000000 };

static void fill_nap_chain(struct async_syscall_entry *e)
{
	e[0] = ENTRY(__NR_nanosleep, PTR(&one_ms), 0);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_getpid);
}

/*
 * Wait for the accepted ones (@ok) of @n chains of @e until @end_ms: the
 * number of entries not complete.
 */
static int wait_chains(struct async_syscall_entry *e, const bool *ok,
		       unsigned int n, long long end_ms)
{
	unsigned int i, k;
	int incomplete = 0;
	long long left;

	for (i = 0; i < n; i++) {
		for (k = 0; ok[i] && k < 2; k++) {
			left = end_ms - now_ms();
			if (!async_wait_done(&e[2 * i + k], left > 0 ? left : 0))
				incomplete++;
		}
	}
	return incomplete;
}

/* A second submitter, not signalled, with the same identity. */
static void *storm_other_fn(void *arg)
{
	struct storm_other *o = arg;
	unsigned int i;

	while (!load_int(&o->go) && now_ms() < o->submit_until_ms)
		sleep_ms(1);
	for (i = 0; i < STORM_OTHER && now_ms() < o->submit_until_ms; i++) {
		fill_nap_chain(&o->e[2 * i]);
		o->ok[i] = sys_async(&o->e[2 * i], 2) == 2;
		if (!o->ok[i] && !o->failed++)
			o->err = errno;
		o->submitted = i + 1;
	}
	o->incomplete = wait_chains(o->e, o->ok, o->submitted, o->end_ms);
	for (i = 0; i < o->submitted; i++) {
		if (!o->ok[i])
			continue;
		if (o->e[2 * i].result != 0 ||
		    o->e[2 * i + 1].result != getpid()) {
			if (!o->wrong++)
				o->first_wrong = o->e[2 * i].result != 0 ?
						 o->e[2 * i].result :
						 o->e[2 * i + 1].result;
		}
	}
	return NULL;
}

/*
 * The submitting thread takes SIGUSR1 (handler, SA_RESTART) in a storm
 * while it makes 300 submissions of [nanosleep 1 ms, getpid] back to back,
 * so that workers are busy and new ones are spawned: every call returns 2
 * (a spawn that met the pending signal is restarted, never reported), and
 * every entry completes with its result; a second thread submitting at the
 * same time loses nothing either (no -ECANCELED).
 */
TEST_F_TIMEOUT(identity, signal_storm_loses_nothing, 60)
{
	static struct async_syscall_entry e[2 * STORM_SUBMISSIONS];
	static bool ok[STORM_SUBMISSIONS];
	static struct storm_other other;
	static struct storm storm;
	int failed = 0, first_errno = 0, first_failed = -1, wrong = 0;
	long long t0 = now_ms(), sync_until;
	unsigned int i, submitted = 0;
	pthread_t sender, second;
	int incomplete;

	/* Submissions end by 8 s, waits by 15 s. */
	other.submit_until_ms = t0 + 8000;
	other.end_ms = t0 + 15000;
	install_usr1(_metadata);
	storm.target = pthread_self();
	ASSERT_EQ(0, pthread_create(&second, NULL, storm_other_fn, &other));
	ASSERT_EQ(0, pthread_create(&sender, NULL, storm_sender, &storm));
	ASSERT_TRUE(wait_int_ge(&usr1_count, 20, 3000))
		TH_LOG("the storm did not start");
	/* Make the first spawn at the start of a burst. */
	sync_until = now_ms() + 500;
	while (load_int(&storm.burst) && now_ms() < sync_until)
		;
	while (!load_int(&storm.burst) && now_ms() < sync_until)
		;

	for (i = 0; i < STORM_SUBMISSIONS && now_ms() < other.submit_until_ms;
	     i++) {
		fill_nap_chain(&e[2 * i]);
		ok[i] = sys_async(&e[2 * i], 2) == 2;
		if (!ok[i] && !failed++) {
			first_errno = errno;
			first_failed = i;
		}
		submitted = i + 1;
		/* The second thread starts once the pool exists. */
		if (i == 0)
			store_int(&other.go, 1);
	}
	incomplete = wait_chains(e, ok, submitted, other.end_ms);
	store_int(&storm.stop, 1);
	ASSERT_TRUE(join_thread(sender, JOIN_TIMEOUT_MS));
	ASSERT_TRUE(join_thread(second, other.end_ms + 1000 - now_ms()));
	ksft_print_msg("storm: %lu signals sent, %d handled, %u + %u submissions in %lld ms\n",
		       storm.sent, load_int(&usr1_count), submitted,
		       other.submitted, now_ms() - t0);

	EXPECT_EQ(0, failed) TH_LOG("%d calls failed, the first (#%d): %s",
				    failed, first_failed,
				    strerror(first_errno));
	EXPECT_EQ(STORM_SUBMISSIONS, (int)submitted)
		TH_LOG("only %u submissions in 8 s", submitted);
	EXPECT_EQ(0, incomplete) TH_LOG("%d entries not complete", incomplete);
	for (i = 0; i < submitted; i++) {
		if (!ok[i])
			continue;
		if (e[2 * i].result != 0 || e[2 * i + 1].result != getpid()) {
			if (!wrong++)
				TH_LOG("chain %u: nanosleep %lld, getpid %lld",
				       i, (long long)e[2 * i].result,
				       (long long)e[2 * i + 1].result);
		}
	}
	EXPECT_EQ(0, wrong);
	EXPECT_GT(load_int(&usr1_count), 20);

	EXPECT_EQ(0, other.failed) TH_LOG("second thread: %d calls failed: %s",
					  other.failed, strerror(other.err));
	EXPECT_EQ(STORM_OTHER, (int)other.submitted);
	EXPECT_EQ(0, other.incomplete)
		TH_LOG("second thread: %d entries not complete",
		       other.incomplete);
	EXPECT_EQ(0, other.wrong)
		TH_LOG("second thread: %d chains with a wrong result, first %lld%s",
		       other.wrong, other.first_wrong,
		       other.first_wrong == -ECANCELED ? " (-ECANCELED)" : "");
}

/*
 * Per-thread state
 */

/* One refused entry of thread_state_entries_refused. */
struct state_call {
	const char *name;
	struct async_syscall_entry e;
};

/*
 * Entries that would change the state of the worker thread that runs them
 * are refused with EOPNOTSUPP and nothing runs; afterwards no thread of
 * the process has changed: seccomp, no_new_privs, comm, affinity, nice.
 */
TEST_F(identity, thread_state_entries_refused)
{
	static __u64 usr1_set = 1ULL << (SIGUSR1 - 1);
	static struct state_call calls[6];
	char cpus[256], val[256], comm[32];
	static cpu_set_t cpu0;
	long nice, main_nice;
	unsigned int i, threads = 0, workers = 0;
	struct dirent *d;
	pid_t tid;
	DIR *dir;
	long ret;

	ASSERT_TRUE(task_status_field(gettid(), "Cpus_allowed_list", cpus,
				      sizeof(cpus)));
	ASSERT_TRUE(task_nice(gettid(), &main_nice));
	/* A worker exists that a refused entry could have run on. */
	start_idle_worker(_metadata);

	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	calls[0] = (struct state_call){ "prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT)",
		ENTRY(__NR_prctl, PR_SET_SECCOMP, SECCOMP_MODE_STRICT) };
	calls[1] = (struct state_call){ "prctl(PR_SET_NAME, \"leak\")",
		ENTRY(__NR_prctl, PR_SET_NAME, PTR("leak")) };
	calls[2] = (struct state_call){ "prctl(PR_SET_NO_NEW_PRIVS, 1)",
		ENTRY(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1) };
	calls[3] = (struct state_call){ "sched_setaffinity(0, {0})",
		ENTRY(__NR_sched_setaffinity, 0, sizeof(cpu0), PTR(&cpu0)) };
	calls[4] = (struct state_call){ "setpriority(PRIO_PROCESS, 0, 10)",
		ENTRY(__NR_setpriority, PRIO_PROCESS, 0, 10) };
	calls[5] = (struct state_call){ "rt_sigprocmask(SIG_BLOCK, {SIGUSR1})",
		ENTRY(__NR_rt_sigprocmask, SIG_BLOCK, PTR(&usr1_set), 0,
		      KERNEL_SIGSET_SIZE) };

	for (i = 0; i < ARRAY_SIZE(calls); i++) {
		ret = sys_async(&calls[i].e, 1);
		EXPECT_EQ(-1, ret) TH_LOG("%s accepted", calls[i].name);
		if (ret == -1) {
			EXPECT_EQ(EOPNOTSUPP, errno) TH_LOG("%s: %s",
							    calls[i].name,
							    strerror(errno));
			EXPECT_EQ(RESULT_SENTINEL, calls[i].e.result)
				TH_LOG("%s ran", calls[i].name);
			EXPECT_NE(STATUS_DONE, load_status(&calls[i].e));
		} else if (ret == 1) {
			/* Let it take effect, for the checks below. */
			async_wait_done(&calls[i].e, 3000);
			TH_LOG("%s ran: %lld", calls[i].name,
			       (long long)calls[i].e.result);
		}
	}

	/* A normal entry still runs, on a worker the refusals left alone. */
	expect_async_getpid(_metadata);

	dir = opendir("/proc/self/task");
	ASSERT_NE(NULL, dir);
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		tid = atoi(d->d_name);
		thread_comm(tid, comm, sizeof(comm));
		if (!comm[0])
			continue;	/* gone meanwhile */
		threads++;
		if (!strcmp(comm, ASYNC_WORKER_COMM "\n"))
			workers++;
		EXPECT_STRNE("leak\n", comm) TH_LOG("thread %d renamed", tid);
		if (task_status_field(tid, "Seccomp", val, sizeof(val)))
			EXPECT_STREQ("0", val) TH_LOG("thread %d in seccomp", tid);
		if (task_status_field(tid, "NoNewPrivs", val, sizeof(val)))
			EXPECT_STREQ("0", val) TH_LOG("thread %d has no_new_privs",
						      tid);
		if (task_status_field(tid, "Cpus_allowed_list", val,
				      sizeof(val)))
			EXPECT_STREQ(cpus, val) TH_LOG("thread %d affinity", tid);
		if (task_nice(tid, &nice))
			EXPECT_EQ(main_nice, nice) TH_LOG("thread %d nice", tid);
	}
	closedir(dir);
	EXPECT_GE(threads, 2U);
	EXPECT_GE(workers, 1U) TH_LOG("no worker left to check");
}

/*
 * Signals with handlers never run on a worker
 */

static int usr2_count;
static pid_t usr2_tid;
static char usr2_comm[32];

/* Records where it ran: the thread and its comm. */
static void on_usr2(int sig)
{
	int saved = errno, fd;
	ssize_t n = -1;

	(void)sig;
	usr2_tid = gettid();
	fd = open("/proc/thread-self/comm", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, usr2_comm, sizeof(usr2_comm) - 1);
		close(fd);
	}
	usr2_comm[n > 0 ? n : 0] = '\0';
	__atomic_add_fetch(&usr2_count, 1, __ATOMIC_SEQ_CST);
	errno = saved;
}

/*
 * A normal thread that takes SIGUSR2 only while armed: then it waits in
 * ppoll() with SIGUSR2 unblocked; otherwise SIGUSR2 stays blocked in it.
 */
struct catcher {
	pid_t tid;
	int armed;
	int stop;
	/* Loop iterations, to know when a disarm took effect. */
	int iterations;
};

static void *catcher_fn(void *arg)
{
	struct timespec ts = { .tv_nsec = 50 * 1000000 };
	struct catcher *c = arg;
	sigset_t open_mask;

	pthread_sigmask(SIG_SETMASK, NULL, &open_mask);
	sigdelset(&open_mask, SIGUSR2);
	store_int(&c->tid, gettid());
	while (!load_int(&c->stop)) {
		if (load_int(&c->armed))
			ppoll(NULL, 0, &ts, &open_mask);
		else
			sleep_ms(5);
		__atomic_add_fetch(&c->iterations, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

/* Disarm @c: once this returns, it no longer waits with SIGUSR2 open. */
static bool catcher_disarm(struct catcher *c)
{
	int k;

	store_int(&c->armed, 0);
	k = load_int(&c->iterations);
	/* The iteration after the current one began after the store. */
	return wait_int_ge(&c->iterations, k + 2, 2000);
}

/* Whether @sig is pending for the whole process (ShdPnd). */
static bool shared_pending(int sig)
{
	char val[64];

	if (!task_status_field(gettid(), "ShdPnd", val, sizeof(val)))
		return false;
	return strtoull(val, NULL, 16) & (1ULL << (sig - 1));
}

/*
 * SIGUSR2 has a handler; every normal thread blocks it but a catcher
 * thread. (a) While a worker runs ppoll() with an empty signal mask, a
 * SIGUSR2 to the process is handled within 1 s by the catcher, not taken
 * by the worker, and the ppoll() completes (0 or -EINTR). (b) After a
 * completed ppoll() with an empty mask, the worker's mask is restored: a
 * SIGUSR2 sent while the catcher blocks it stays pending for the process
 * until the catcher takes it. (c) The worker that ran the ppoll() is
 * still there, and entries still run.
 */
TEST_F(identity, handler_signal_never_taken_by_worker)
{
	static struct async_syscall_entry a[2], b[2];
	static struct catcher catcher;
	static __u64 empty_mask;
	static struct timespec ts_a = { .tv_nsec = 500 * 1000000 };
	static struct timespec ts_b = { .tv_nsec = 200 * 1000000 };
	struct sigaction sa = { .sa_handler = on_usr2 };
	pthread_t thread;
	sigset_t set;
	pid_t worker;
	int before;

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR2, &sa, NULL));
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	ASSERT_EQ(0, pthread_sigmask(SIG_BLOCK, &set, NULL));
	/*
	 * The worker first, the catcher after it: a process signal is
	 * offered to the threads in that order, so a worker whose mask
	 * lets SIGUSR2 in is offered it before the catcher.
	 */
	start_idle_worker(_metadata);
	ASSERT_EQ(0, pthread_create(&thread, NULL, catcher_fn, &catcher));
	ASSERT_TRUE(wait_int_ge(&catcher.tid, 1, 2000));

	/* (a) */
	store_int(&catcher.armed, 1);
	a[0] = ENTRY(__NR_gettid);
	a[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	a[1] = ENTRY(__NR_ppoll, 0, 0, PTR(&ts_a), PTR(&empty_mask),
		     KERNEL_SIGSET_SIZE);
	ASSERT_EQ(2, sys_async(a, 2)) TH_LOG("async_submit: %s",
					     strerror(errno));
	ASSERT_TRUE(async_wait_done(&a[0], DONE_TIMEOUT_MS));
	worker = (pid_t)a[0].result;
	ASSERT_TRUE(async_thread_is_worker(worker));
	sleep_ms(50);
	if (load_status(&a[1]) != STATUS_PENDING)
		TH_LOG("ppoll already complete: the signal comes after it");
	ASSERT_EQ(0, kill(getpid(), SIGUSR2));
	ASSERT_TRUE(wait_int_ge(&usr2_count, 1, 1000))
		TH_LOG("SIGUSR2 not handled within 1 s (taken by worker %d?)",
		       worker);
	EXPECT_EQ(catcher.tid, usr2_tid);
	EXPECT_STRNE(ASYNC_WORKER_COMM "\n", usr2_comm)
		TH_LOG("the handler ran on a worker");
	ASSERT_TRUE(async_wait_done(&a[1], 3000))
		TH_LOG("ppoll not complete (status %#x)", load_status(&a[1]));
	EXPECT_TRUE(a[1].result == 0 || a[1].result == -EINTR)
		TH_LOG("ppoll: %lld", (long long)a[1].result);
	/* (c), first part: the worker survived the signal. */
	EXPECT_TRUE(async_thread_is_worker(worker))
		TH_LOG("worker %d is gone", worker);

	/* (b) */
	ASSERT_TRUE(catcher_disarm(&catcher));
	before = load_int(&usr2_count);
	b[0] = ENTRY(__NR_gettid);
	b[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	b[1] = ENTRY(__NR_ppoll, 0, 0, PTR(&ts_b), PTR(&empty_mask),
		     KERNEL_SIGSET_SIZE);
	ASSERT_EQ(2, sys_async(b, 2)) TH_LOG("async_submit: %s",
					     strerror(errno));
	ASSERT_EQ(-1, async_wait_all_done(b, 2, DONE_TIMEOUT_MS));
	EXPECT_EQ(0, b[1].result);
	EXPECT_TRUE(async_thread_is_worker((pid_t)b[0].result));
	ASSERT_EQ(0, kill(getpid(), SIGUSR2));
	sleep_ms(300);
	EXPECT_EQ(before, load_int(&usr2_count))
		TH_LOG("SIGUSR2 handled while every normal thread blocks it");
	EXPECT_TRUE(shared_pending(SIGUSR2))
		TH_LOG("SIGUSR2 consumed: a worker's mask let it in");
	store_int(&catcher.armed, 1);
	EXPECT_TRUE(wait_int_ge(&usr2_count, before + 1, 1000))
		TH_LOG("SIGUSR2 not handled within 1 s of unblocking it");
	EXPECT_EQ(catcher.tid, usr2_tid);

	/* (c) */
	EXPECT_TRUE(async_thread_is_worker(worker))
		TH_LOG("worker %d is gone", worker);
	expect_async_getpid(_metadata);

	store_int(&catcher.stop, 1);
	ASSERT_TRUE(join_thread(thread, JOIN_TIMEOUT_MS));
}

/*
 * Batch mode: task work, interruptions
 */

static int alarm_fired;

static void on_alarm(int sig)
{
	(void)sig;
	store_int(&alarm_fired, 1);
}

/* What the SIGPIPE handler saw: the thread it ran in. */
static pid_t sigpipe_tid;
static int sigpipe_on_worker;

static void on_sigpipe(int sig)
{
	(void)sig;
	__atomic_store_n(&sigpipe_on_worker, async_thread_is_worker(gettid()),
			 __ATOMIC_SEQ_CST);
	__atomic_store_n(&sigpipe_tid, gettid(), __ATOMIC_SEQ_CST);
}

/* An async write() to a pipe with no reader: -EPIPE, and SIGPIPE. */
static long write_to_broken_pipe(void)
{
	struct async_syscall_entry e;
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	close(p[0]);
	e = ENTRY(__NR_write, p[1], PTR("x"), 1);
	if (sys_async(&e, 1) != 1 || !async_wait_done(&e, DONE_TIMEOUT_MS)) {
		close(p[1]);
		return -ETIMEDOUT;
	}
	close(p[1]);
	return e.result;
}

/*
 * A signal an entry sends to the calling thread (SIGPIPE) reaches the
 * process as it would have reached the submitter: its handler runs in a
 * normal thread; ignored, nothing happens; by default, it kills the
 * process.
 */
TEST_F(identity, sigpipe_goes_to_the_process)
{
	struct sigaction sa = { .sa_handler = on_sigpipe };
	long long deadline;
	int status;
	pid_t pid;

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGPIPE, &sa, NULL));
	__atomic_store_n(&sigpipe_tid, 0, __ATOMIC_SEQ_CST);
	EXPECT_EQ(-EPIPE, write_to_broken_pipe());
	deadline = async_test_now_ms() + 2000;
	while (!__atomic_load_n(&sigpipe_tid, __ATOMIC_SEQ_CST) &&
	       async_test_now_ms() < deadline)
		usleep(1000);
	EXPECT_NE(0, __atomic_load_n(&sigpipe_tid, __ATOMIC_SEQ_CST))
		TH_LOG("the SIGPIPE handler never ran");
	EXPECT_EQ(0, __atomic_load_n(&sigpipe_on_worker, __ATOMIC_SEQ_CST))
		TH_LOG("the SIGPIPE handler ran on a worker");

	sa.sa_handler = SIG_IGN;
	ASSERT_EQ(0, sigaction(SIGPIPE, &sa, NULL));
	EXPECT_EQ(-EPIPE, write_to_broken_pipe());

	/* By default SIGPIPE ends the process, as a direct write() would. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		sa.sa_handler = SIG_DFL;
		sigaction(SIGPIPE, &sa, NULL);
		write_to_broken_pipe();
		usleep(2000 * 1000);
		_exit(0);
	}
	ASSERT_EQ(0, async_wait_child(pid, &status, 0, 10000));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE)
		TH_LOG("child status %#x", status);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
}

/*
 * Batch [close_range(w, w, 0), read(r, 1)] on a pipe: the final fput() of
 * the write end (task work) runs between the entries, so the read sees EOF
 * at once.
 */
TEST_F(identity, batch_close_range_then_read_eof)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct async_syscall_entry e[2];
	long long t0, ms;
	char buf[4];
	int p[2];
	long ret;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	/* A guard: no SA_RESTART, so a hung read returns -EINTR. */
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	store_int(&alarm_fired, 0);
	e[0] = ENTRY(__NR_close_range, p[1], p[1], 0);
	e[1] = ENTRY(__NR_read, p[0], PTR(buf), 1);

	alarm(5);
	t0 = now_ms();
	ret = sys_batch(e, 2);
	ms = now_ms() - t0;
	alarm(0);

	EXPECT_EQ(2, ret) TH_LOG("async_submit: %s", strerror(errno));
	EXPECT_EQ(0, load_int(&alarm_fired)) TH_LOG("the read blocked");
	EXPECT_LT(ms, 1000);
	EXPECT_EQ(0, e[0].result);
	EXPECT_EQ(0, e[1].result) TH_LOG("read: %lld, not EOF",
					 (long long)e[1].result);
	EXPECT_TRUE(fd_is_closed(p[1]));
	close(p[0]);
}

/*
 * A child blocked in a batch read() of a pipe is stopped (SIGSTOP) and
 * continued (SIGCONT), then gets its byte: the batch returns 1 and the
 * entry reads 1 byte, never -EINTR (the child exits 0 only then).
 */
TEST_F(identity, batch_read_survives_stop_and_continue)
{
	int data[2], sync[2], status;
	struct pollfd pfd;
	char c;
	pid_t pid;

	ASSERT_EQ(0, pipe2(data, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(sync, O_CLOEXEC));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct async_syscall_entry e;
		char got = 0;
		long ret;

		close(sync[0]);
		close(data[1]);
		/* Guard: a child that hangs ends (default action). */
		alarm(15);
		e = ENTRY(__NR_read, data[0], PTR(&got), 1);
		if (write(sync[1], "R", 1) != 1)
			_exit(9);
		ret = sys_batch(&e, 1);
		if (ret != 1)
			_exit(10);
		if (e.result == -EINTR)
			_exit(11);
		if (e.result != 1)
			_exit(12);
		_exit(got == 'x' ? 0 : 13);
	}
	close(sync[1]);
	close(data[0]);
	pfd = (struct pollfd){ .fd = sync[0], .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, DONE_TIMEOUT_MS));
	ASSERT_EQ(1, read(sync[0], &c, 1));
	close(sync[0]);

	/* Let the child block in the read. */
	sleep_ms(200);
	ASSERT_EQ(0, kill(pid, SIGSTOP));
	ASSERT_EQ(0, async_wait_child(pid, &status, WUNTRACED, 5000))
		TH_LOG("child not stopped");
	ASSERT_TRUE(WIFSTOPPED(status)) TH_LOG("status %#x", status);
	sleep_ms(100);
	ASSERT_EQ(0, kill(pid, SIGCONT));
	ASSERT_EQ(1, write(data[1], "x", 1));
	ASSERT_EQ(0, async_wait_child(pid, &status, 0, DONE_TIMEOUT_MS))
		TH_LOG("child did not finish");
	close(data[1]);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child status %#x", status);
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("%s", WEXITSTATUS(status) == 10 ? "batch did not return 1" :
		       WEXITSTATUS(status) == 11 ? "the read completed with -EINTR" :
		       WEXITSTATUS(status) == 12 ? "the read did not return 1" :
		       "wrong byte or no sync");
}

struct pi_locker {
	__u32 *word;
	pid_t tid;
	long ret;
	int err;
	__u32 word_after;
	struct async_syscall_entry e;
};

static void *pi_locker_fn(void *arg)
{
	struct pi_locker *l = arg;

	store_int(&l->tid, gettid());
	l->e = ENTRY(__NR_futex, PTR(l->word), FUTEX_LOCK_PI, 0, 0);
	l->ret = sys_batch(&l->e, 1);
	l->err = errno;
	l->word_after = __atomic_load_n(l->word, __ATOMIC_SEQ_CST);
	if ((l->word_after & FUTEX_TID_MASK) == (__u32)l->tid)
		syscall(__NR_futex, l->word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
	return NULL;
}

/*
 * FUTEX_LOCK_PI is refused in asynchronous mode (a worker would own the
 * lock). In batch mode, a thread blocked in it takes two SIGUSR1 (handler,
 * SA_RESTART): the lock is retried, not failed, and once the owner unlocks
 * it the batch returns 1 with result 0 and the thread owns the lock.
 */
TEST_F(identity, batch_futex_lock_pi_restarted)
{
	static __u32 word, async_word;
	static struct async_syscall_entry ae;
	static struct pi_locker locker;
	__u32 expected = 0;
	long long deadline;
	pthread_t thread;
	long ret;

	ae = ENTRY(__NR_futex, PTR(&async_word), FUTEX_LOCK_PI, 0, 0);
	ret = sys_async(&ae, 1);
	EXPECT_EQ(-1, ret) TH_LOG("asynchronous FUTEX_LOCK_PI accepted");
	if (ret == -1) {
		EXPECT_EQ(EOPNOTSUPP, errno) TH_LOG("%s", strerror(errno));
		EXPECT_EQ(RESULT_SENTINEL, ae.result);
	} else {
		async_wait_done(&ae, 3000);
	}

	install_usr1(_metadata);
	ASSERT_TRUE(__atomic_compare_exchange_n(&word, &expected, gettid(),
						false, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST));
	locker.word = &word;
	ASSERT_EQ(0, pthread_create(&thread, NULL, pi_locker_fn, &locker));
	/* Blocked in the kernel: it set FUTEX_WAITERS. */
	deadline = now_ms() + 5000;
	while (!(__atomic_load_n(&word, __ATOMIC_SEQ_CST) & FUTEX_WAITERS) &&
	       now_ms() < deadline)
		sleep_ms(5);
	ASSERT_NE(0U, __atomic_load_n(&word, __ATOMIC_SEQ_CST) & FUTEX_WAITERS)
		TH_LOG("the batch FUTEX_LOCK_PI did not block");
	sleep_ms(20);
	ASSERT_EQ(0, pthread_kill(thread, SIGUSR1));
	sleep_ms(50);
	pthread_kill(thread, SIGUSR1);
	sleep_ms(50);
	ASSERT_EQ(0, syscall(__NR_futex, &word, FUTEX_UNLOCK_PI, 0, NULL,
			     NULL, 0)) TH_LOG("FUTEX_UNLOCK_PI: %s",
					      strerror(errno));
	ASSERT_TRUE(join_thread(thread, JOIN_TIMEOUT_MS))
		TH_LOG("the locker did not get the lock");

	EXPECT_GE(load_int(&usr1_count), 1);
	EXPECT_EQ(1, locker.ret) TH_LOG("async_submit: %s",
					strerror(locker.err));
	EXPECT_EQ(STATUS_DONE, locker.e.status);
	EXPECT_EQ(0, locker.e.result) TH_LOG("FUTEX_LOCK_PI: %lld",
					     (long long)locker.e.result);
	EXPECT_EQ((__u32)locker.tid, locker.word_after & FUTEX_TID_MASK)
		TH_LOG("word %#x after the batch", locker.word_after);
}

/*
 * Limits: progress, entries in flight, memory
 */

/*
 * With async_syscall_max_workers = 2, three submissions each block reading
 * their own empty pipe; a fourth writes one byte to each pipe: all four
 * complete within a few seconds.
 */
TEST_F(identity, progress_beyond_worker_limit)
{
	static struct async_syscall_entry r[3], w[3];
	static char got[3];
	int p[3][2], k;
	unsigned int i;
	bool ok;

	set_sysctl(_metadata, MAX_WORKERS_SYSCTL, &self->max_workers_set,
		   &self->old_max_workers, 2);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, pipe2(p[i], O_CLOEXEC));
	for (i = 0; i < 3; i++) {
		r[i] = ENTRY(__NR_read, p[i][0], PTR(&got[i]), 1);
		ASSERT_EQ(1, sys_async(&r[i], 1)) TH_LOG("read %u: %s", i,
							 strerror(errno));
	}
	sleep_ms(300);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(STATUS_PENDING, load_status(&r[i]));
		w[i] = ENTRY(__NR_write, p[i][1], PTR("w"), 1);
		if (i < 2)
			w[i].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	}
	ASSERT_EQ(3, sys_async(w, 3)) TH_LOG("async_submit: %s",
					     strerror(errno));

	k = async_wait_all_done(w, 3, 5000);
	ok = k < 0;
	EXPECT_EQ(-1, k) TH_LOG("write %d not complete in 5 s", k);
	k = async_wait_all_done(r, 3, ok ? 5000 : 0);
	EXPECT_EQ(-1, k) TH_LOG("read %d not complete", k);
	for (i = 0; ok && i < 3; i++) {
		EXPECT_EQ(1, w[i].result);
		EXPECT_EQ(1, r[i].result);
		EXPECT_EQ('w', got[i]);
	}
	if (!ok) {
		/* Unblock the readers, so the process ends cleanly. */
		for (i = 0; i < 3; i++)
			EXPECT_EQ(1, write(p[i][1], "z", 1));
		async_wait_all_done(r, 3, 3000);
		async_wait_all_done(w, 3, 3000);
	}
	for (i = 0; i < 3; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
}

#define INFLIGHT_LIMIT	64

/*
 * With async_syscall_max_entries = 64 and 64 entries blocked on a pipe,
 * the next submission fails with EAGAIN and queues nothing; once the 64
 * complete, submissions succeed again. The sysctl must exist.
 */
TEST_F(identity, max_entries_in_flight)
{
	static struct async_syscall_entry e[INFLIGHT_LIMIT], extra;
	static unsigned char got[INFLIGHT_LIMIT], data[INFLIGHT_LIMIT];
	long long deadline;
	unsigned int i;
	int p[2], k;
	long ret;

	/* Without the sysctl the limit does not exist: a failure. */
	set_sysctl(_metadata, MAX_ENTRIES_SYSCTL, &self->max_entries_set,
		   &self->old_max_entries, INFLIGHT_LIMIT);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	for (i = 0; i < INFLIGHT_LIMIT; i++) {
		e[i] = ENTRY(__NR_read, p[0], PTR(&got[i]), 1);
		ret = sys_async(&e[i], 1);
		if (ret != 1)
			break;
	}
	EXPECT_EQ(INFLIGHT_LIMIT, (int)i) TH_LOG("submission %u failed: %s",
						 i, strerror(errno));

	extra = ENTRY(__NR_getpid);
	ret = sys_async(&extra, 1);
	EXPECT_EQ(-1, ret) TH_LOG("entry %d in flight accepted",
				  INFLIGHT_LIMIT + 1);
	if (ret == -1) {
		EXPECT_EQ(EAGAIN, errno) TH_LOG("%s", strerror(errno));
		sleep_ms(100);
		EXPECT_EQ(RESULT_SENTINEL, extra.result);
		EXPECT_NE(STATUS_DONE, load_status(&extra));
	}

	for (k = 0; k < INFLIGHT_LIMIT; k++)
		data[k] = k;
	ASSERT_EQ(INFLIGHT_LIMIT, write(p[1], data, INFLIGHT_LIMIT));
	k = async_wait_all_done(e, i, DONE_TIMEOUT_MS);
	EXPECT_EQ(-1, k) TH_LOG("entry %d not complete", k);
	if (ret == 1)
		async_wait_done(&extra, 1000);

	/* The count may drop just after the last completion is written. */
	deadline = now_ms() + 2000;
	do {
		extra = ENTRY(__NR_getpid);
		ret = sys_async(&extra, 1);
		if (ret == 1 || errno != EAGAIN)
			break;
		sleep_ms(10);
	} while (now_ms() < deadline);
	ASSERT_EQ(1, ret) TH_LOG("async_submit after the entries completed: %s",
				 strerror(errno));
	ASSERT_TRUE(async_wait_done(&extra, DONE_TIMEOUT_MS));
	EXPECT_EQ(getpid(), extra.result);
	close(p[0]);
	close(p[1]);
}

/* Entries per submission of the memory test, and most submissions. */
#define MEMCG_BATCH		4096
#define MEMCG_MAX_SUBMISSIONS	66
/* kernel.async_syscall_max_entries during the memory test. */
#define MEMCG_LIMIT_ENTRIES	(4 * MEMCG_BATCH)
/* Less than any kernel copy of an entry takes (its six arguments alone). */
#define MEMCG_MIN_BYTES_PER_ENTRY 32

/* What the confined child reports. */
struct memcg_report {
	int stage;
	int err;
	long submissions;
	long in_flight;
	int end_errno;
	long long before;
	long long peak;
};

static long long read_ll_at(int fd)
{
	char buf[64];
	ssize_t len;

	len = pread(fd, buf, sizeof(buf) - 1, 0);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	return strtoll(buf, NULL, 10);
}

/* The child moved into the group: submits blocked reads until refused. */
static void memcg_child(const char *cg_dir, struct memcg_report *r)
{
	struct async_syscall_entry *e;
	char path[256], pid[32];
	long long cur;
	unsigned int i;
	int fd, p[2];
	long ret;

	/* Guard: a child that hangs ends. */
	alarm(14);
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg_dir);
	snprintf(pid, sizeof(pid), "%d", getpid());
	r->stage = 1;
	r->err = -write_text(path, pid);
	if (r->err)
		_exit(1);
	snprintf(path, sizeof(path), "%s/memory.current", cg_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	r->stage = 2;
	if (fd < 0 || pipe2(p, O_CLOEXEC)) {
		r->err = errno;
		_exit(1);
	}
	/*
	 * One array for every submission, touched before the baseline: what
	 * the group gains afterwards is the kernel's.
	 */
	e = mmap(NULL, MEMCG_BATCH * ENTRY_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	r->stage = 3;
	if (e == MAP_FAILED) {
		r->err = errno;
		_exit(1);
	}
	/*
	 * One chain a submission, its head blocked on the pipe: one worker
	 * each, so that what the group is charged for is mostly entries.
	 */
	for (i = 0; i < MEMCG_BATCH; i++) {
		e[i] = ENTRY(__NR_read, p[0], PTR(&e[i].user_data), 1);
		if (i + 1 < MEMCG_BATCH)
			e[i].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	}
	r->stage = 4;
	r->before = read_ll_at(fd);
	r->peak = r->before;
	for (i = 0; i < MEMCG_MAX_SUBMISSIONS; i++) {
		ret = sys_async(e, MEMCG_BATCH);
		if (ret != MEMCG_BATCH) {
			r->end_errno = errno;
			break;
		}
		r->submissions++;
		r->in_flight += MEMCG_BATCH;
		cur = read_ll_at(fd);
		if (cur > r->peak)
			r->peak = cur;
	}
	r->stage = 5;
	_exit(0);
}

/*
 * In a memory cgroup with memory.max = 32M, with
 * async_syscall_max_entries = 16384, a child submits 4096-entry chains of
 * reads, blocked on a pipe: the loop ends with EAGAIN (the entries limit)
 * or ENOMEM, the child is not killed, and memory.current grew with the
 * entries in flight: they are charged to the group.
 */
TEST_F_TIMEOUT(identity, memcg_charges_entries_in_flight, 60)
{
	char root[64], path[256], buf[512];
	struct memcg_report *r;
	struct statfs sfs;
	int status;
	pid_t pid;

	if (!statfs("/sys/fs/cgroup", &sfs) &&
	    sfs.f_type == CGROUP2_SUPER_MAGIC) {
		snprintf(root, sizeof(root), "/sys/fs/cgroup");
	} else {
		snprintf(self->cg_mount, sizeof(self->cg_mount),
			 "/tmp/async_identity_cg.XXXXXX");
		ASSERT_NE(NULL, mkdtemp(self->cg_mount));
		ASSERT_EQ(0, mount("cgroup2", self->cg_mount, "cgroup2", 0,
				   NULL))
			TH_LOG("mount cgroup2: %s (CONFIG_CGROUPS?)",
			       strerror(errno));
		snprintf(root, sizeof(root), "%s", self->cg_mount);
	}
	snprintf(path, sizeof(path), "%s/cgroup.controllers", root);
	ASSERT_GE(read_text(path, buf, sizeof(buf)), 0);
	ASSERT_NE(NULL, strstr(buf, "memory"))
		TH_LOG("no memory controller (CONFIG_MEMCG?): %s", buf);
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", root);
	ASSERT_GE(read_text(path, buf, sizeof(buf)), 0);
	if (!strstr(buf, "memory")) {
		ASSERT_EQ(0, write_text(path, "+memory"));
		snprintf(self->cg_memory_root, sizeof(self->cg_memory_root),
			 "%s", root);
	}
	snprintf(self->cg_dir, sizeof(self->cg_dir),
		 "%s/async_identity_test.%d", root, getpid());
	ASSERT_EQ(0, mkdir(self->cg_dir, 0755)) TH_LOG("mkdir %s: %s",
						       self->cg_dir,
						       strerror(errno));
	/* Four submissions fit: the entries limit ends the loop. */
	set_sysctl(_metadata, MAX_ENTRIES_SYSCTL, &self->max_entries_set,
		   &self->old_max_entries, MEMCG_LIMIT_ENTRIES);
	snprintf(path, sizeof(path), "%s/memory.max", self->cg_dir);
	ASSERT_EQ(0, write_text(path, "32M"));
	snprintf(path, sizeof(path), "%s/memory.swap.max", self->cg_dir);
	write_text(path, "0");

	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	memset(r, 0, sizeof(*r));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		memcg_child(self->cg_dir, r);

	ASSERT_EQ(0, async_wait_child(pid, &status, 0, 15000))
		TH_LOG("child did not finish (stage %d, %ld submissions)",
		       r->stage, r->submissions);
	snprintf(path, sizeof(path), "%s/memory.events", self->cg_dir);
	if (read_text(path, buf, sizeof(buf)) > 0)
		ksft_print_msg("memory.events: %s",
			       strstr(buf, "oom_kill") ?: buf);
	ksft_print_msg("memcg: %ld submissions, %ld entries in flight\n",
		       r->submissions, r->in_flight);
	ksft_print_msg("memory.current %lld -> %lld, ended with %s\n",
		       r->before, r->peak,
		       r->end_errno ? strerror(r->end_errno) : "no error");

	ASSERT_TRUE(WIFEXITED(status))
		TH_LOG("child killed by signal %d (%s) at stage %d",
		       WTERMSIG(status),
		       WTERMSIG(status) == SIGKILL ? "OOM kill?" : "",
		       r->stage);
	ASSERT_EQ(0, WEXITSTATUS(status))
		TH_LOG("child setup failed at stage %d: %s", r->stage,
		       strerror(r->err));
	EXPECT_TRUE(r->end_errno == EAGAIN || r->end_errno == ENOMEM)
		TH_LOG("%ld submissions (%ld entries) accepted, then %s",
		       r->submissions, r->in_flight,
		       r->end_errno ? strerror(r->end_errno) : "no limit");
	EXPECT_GT(r->in_flight, 0);
	EXPECT_GE(r->peak - r->before,
		  (long long)r->in_flight * MEMCG_MIN_BYTES_PER_ENTRY)
		TH_LOG("memory.current grew %lld bytes for %ld entries",
		       r->peak - r->before, r->in_flight);
	munmap(r, sizeof(*r));
}

TEST_HARNESS_MAIN
