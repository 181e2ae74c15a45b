// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for the gates that each async_submit(2) entry passes as the direct
 * system call it stands for would: the submitter's seccomp filters (every
 * action, the data they see, a filter installed later), ptrace and syscall
 * user dispatch (under which the call is refused), audit records and the
 * syscall tracepoints. Most tests run in batch mode and in asynchronous
 * mode (the "batch" and "async" variants).
 *
 * Filters are installed with no_new_privs in a forked child, which reports
 * through a shared mapping; the test checks the report and the child's wait
 * status. Every wait has a timeout.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <linux/audit.h>
#include <linux/elf.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/procfs.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/user.h>

#include "kselftest_harness.h"
#include "async_syscall_test.h"

#ifndef SYS_SECCOMP
#define SYS_SECCOMP		1
#endif
/*
 * The errno of a call with an invalid number, the result of an entry that
 * SECCOMP_RET_TRACE or SECCOMP_RET_TRAP stopped, as of such a direct call.
 * (Pasted, since checkpatch flags the name as a likely misuse.)
 */
#define ERRNO_NOSYS		E##NOSYS
/* The si_code of a SIGSYS for an entry that SECCOMP_RET_TRAP stopped. */
#ifndef SYS_SECCOMP_DEFERRED
#define SYS_SECCOMP_DEFERRED	3
#endif
#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH	59
#define PR_SYS_DISPATCH_OFF		0
#define PR_SYS_DISPATCH_ON		1
#define SYSCALL_DISPATCH_FILTER_ALLOW	0
#endif

/* How long an entry that can run may take to complete (slow guests). */
#define DONE_MS			10000
/* How long a child may take to end; a core dump under KASAN is slow. */
#define CHILD_MS		30000
/* How long a child that seccomp should kill waits for it to happen. */
#define DEATH_WAIT_US		3000000
/* getppid(GATES_MAGIC) traps directly: where a syscall() call is made. */
#define GATES_MAGIC		0x5a5a5a5aU
/* The mode that the audit and tracepoint tests give openat(). */
#define GATES_MODE		0x1a5
/* Flags of the openat() entry that the user_notif supervisor answers. */
#define NOTIF_OPEN_FLAGS	(O_RDONLY | O_NOCTTY | O_NOFOLLOW)
/* The filters make a call of another architecture fail with this. */
#define WRONG_ARCH_ERRNO	EXFULL
/* Exit code of a child that met a failure described in its report. */
#define CHILD_FAILED		10

#define TRACEFS			"/sys/kernel/tracing"
#define CORE_PATTERN		"/proc/sys/kernel/core_pattern"
#define AUDIT_KEY		"gates"
#define AUDIT_WATCH_KEY		"gates-w"

/*
 * What a child reports
 */

/* A SIGSYS as the handler saw it. */
struct sigsys_seen {
	int count;
	int code;
	int syscall;
	int errno_val;
	__u32 arch;
	pid_t tid;
	__u64 call_addr;
};

/* A seccomp user notification as the supervisor saw it. */
struct notif_seen {
	struct seccomp_data data;
	__u32 pid;
	/* The Tgid: line of /proc/<pid>/status. */
	int tgid;
	/* Whether the notification was still valid after /proc was read. */
	int valid;
	/* mkdirat(): the string at args[1], read through /proc/<pid>/mem. */
	char mem[64];
	/* openat(): what SECCOMP_IOCTL_NOTIF_ADDFD returned. */
	long addfd;
};

#define REPORT_ENTRIES	72
#define REPORT_NOTIFS	8
#define REPORT_TIDS	64

/* Shared (MAP_SHARED) between a test and its child; entries live here. */
struct report {
	struct async_syscall_entry e[REPORT_ENTRIES];
	/* What async_submit() returned, and its errno. */
	long ret;
	int err;
	/* Asynchronous mode: async_wait_all_done(), -1 when all completed. */
	int waited;
	/* Values of each test. */
	__s64 v[16];
	/* [0]: SIGSYS with SYS_SECCOMP; [1]: with any other si_code. */
	struct sigsys_seen sys[2];
	struct notif_seen notif[REPORT_NOTIFS];
	int nr_notifs;
	struct stat st;
	char devnull[16];
	/* The threads of the child, as it listed them. */
	pid_t tids[REPORT_TIDS];
	int nr_tids;
	/* The first failure the child met. */
	char msg[256];
};

static struct report *report_new(void)
{
	struct report *r;
	unsigned int i;

	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->ret = -2;
	r->waited = -2;
	for (i = 0; i < ARRAY_SIZE(r->v); i++)
		r->v[i] = -1;
	snprintf(r->devnull, sizeof(r->devnull), "/dev/null");
	return r;
}

static __printf(2, 3) void report_msg(struct report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->msg[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

/* In a child: record the failure and exit with CHILD_FAILED. */
static __printf(2, 3) __noreturn void child_fail(struct report *r,
						 const char *fmt, ...)
{
	va_list ap;

	if (!r->msg[0]) {
		va_start(ap, fmt);
		vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
		va_end(ap);
	}
	_exit(CHILD_FAILED);
}

/* The errno of a direct call that returned @ret, or 0 if it succeeded. */
static int direct_errno(long ret)
{
	return ret == -1 ? errno : 0;
}

/*
 * In a child: submit entries @first to @first + @n - 1 of the report in
 * batch or asynchronous mode and, in asynchronous mode, wait for them.
 */
static long child_submit(struct report *r, unsigned int first, unsigned int n,
			 bool batch)
{
	struct async_syscall_entry *e = &r->e[first];
	long ret;

	ret = sys_async_submit(e, n, ENTRY_SIZE, batch ? ASYNC_SUBMIT_BATCH : 0);
	r->err = ret < 0 ? errno : 0;
	r->ret = ret;
	if (!batch && ret == (long)n)
		r->waited = async_wait_all_done(e, n, DONE_MS);
	return ret;
}

/*
 * Seccomp filters
 */

/* Calls @nr (with the low 32 bits of args[@arg] equal to @val) get @action. */
struct rule {
	int nr;
	/* -1: whatever the arguments */
	int arg;
	__u32 val;
	__u32 action;
};

#define RULE(_nr, _action)	{ .nr = (_nr), .arg = -1, .action = (_action) }
#define RULE_ARG(_nr, _arg, _val, _action) \
	{ .nr = (_nr), .arg = (_arg), .val = (_val), .action = (_action) }

#define MAX_RULES	8
#define SD_NR		offsetof(struct seccomp_data, nr)
#define SD_ARCH		offsetof(struct seccomp_data, arch)
/* The low 32 bits of argument @i, on a little-endian machine. */
#define SD_ARG(i)	(offsetof(struct seccomp_data, args) + (i) * sizeof(__u64))

static struct sock_filter bpf_stmt(__u16 code, __u32 k)
{
	struct sock_filter insn = BPF_STMT(code, k);

	return insn;
}

static struct sock_filter bpf_jump(__u16 code, __u32 k, __u8 jt, __u8 jf)
{
	struct sock_filter insn = BPF_JUMP(code, k, jt, jf);

	return insn;
}

static long install_filter(struct sock_filter *insns, unsigned int len,
			   unsigned int flags)
{
	struct sock_fprog prog = { .len = len, .filter = insns };

	return syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

/*
 * A filter that gives each call the action of the first rule it matches,
 * and ALLOW otherwise; a call of another architecture fails with
 * WRONG_ARCH_ERRNO. Returns what seccomp() returned.
 */
static long install_rules(const struct rule *rules, unsigned int n,
			  unsigned int flags)
{
	struct sock_filter insns[3 + 5 * MAX_RULES + 1];
	unsigned int len = 0, i;

	if (n > MAX_RULES) {
		errno = E2BIG;
		return -1;
	}
	insns[len++] = bpf_stmt(BPF_LD | BPF_W | BPF_ABS, SD_ARCH);
	insns[len++] = bpf_jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	insns[len++] = bpf_stmt(BPF_RET | BPF_K,
				SECCOMP_RET_ERRNO | WRONG_ARCH_ERRNO);
	for (i = 0; i < n; i++) {
		const struct rule *rule = &rules[i];
		bool arg = rule->arg >= 0;

		insns[len++] = bpf_stmt(BPF_LD | BPF_W | BPF_ABS, SD_NR);
		insns[len++] = bpf_jump(BPF_JMP | BPF_JEQ | BPF_K, rule->nr, 0,
					arg ? 3 : 1);
		if (arg) {
			insns[len++] = bpf_stmt(BPF_LD | BPF_W | BPF_ABS,
						SD_ARG(rule->arg));
			insns[len++] = bpf_jump(BPF_JMP | BPF_JEQ | BPF_K,
						rule->val, 0, 1);
		}
		insns[len++] = bpf_stmt(BPF_RET | BPF_K, rule->action);
	}
	insns[len++] = bpf_stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	return install_filter(insns, len, flags);
}

/* In a child: no_new_privs, then the rules; what seccomp() returned. */
static int child_filter(struct report *r, const struct rule *rules,
			unsigned int n, unsigned int flags)
{
	long ret;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		child_fail(r, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	ret = install_rules(rules, n, flags);
	if (ret < 0)
		child_fail(r, "seccomp(SET_MODE_FILTER, %#x): %s", flags,
			   strerror(errno));
	return ret;
}

/*
 * SIGSYS
 */

static struct report *sig_report;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	struct sigsys_seen *seen;

	(void)sig;
	(void)uc;
	seen = &sig_report->sys[si->si_code == SYS_SECCOMP ? 0 : 1];
	if (__atomic_fetch_add(&seen->count, 1, __ATOMIC_SEQ_CST))
		return;
	seen->code = si->si_code;
	seen->syscall = si->si_syscall;
	seen->errno_val = si->si_errno;
	seen->arch = si->si_arch;
	seen->call_addr = (__u64)(uintptr_t)si->si_call_addr;
	seen->tid = gettid();
}

static void child_catch_sigsys(struct report *r)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };

	sig_report = r;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL))
		child_fail(r, "sigaction(SIGSYS): %s", strerror(errno));
}

/* Wait up to DONE_MS for the handler to have seen a SIGSYS of kind @k. */
static void wait_sigsys(struct report *r, int k)
{
	long long deadline = async_test_now_ms() + DONE_MS;

	while (!__atomic_load_n(&r->sys[k].count, __ATOMIC_SEQ_CST) &&
	       async_test_now_ms() < deadline)
		usleep(1000);
}

/*
 * In a child: the user address that seccomp reports for a call made through
 * syscall(), as si_call_addr of a direct SECCOMP_RET_TRAP (r->sys[0]). The
 * trap filter stays; SIGSYS is caught until @keep_handler is false.
 */
static __u64 child_site_ip(struct report *r, bool keep_handler)
{
	static const struct rule rules[] = {
		RULE_ARG(__NR_getppid, 0, GATES_MAGIC, SECCOMP_RET_TRAP | 0x66),
	};

	child_catch_sigsys(r);
	child_filter(r, rules, ARRAY_SIZE(rules), 0);
	syscall(__NR_getppid, GATES_MAGIC);
	if (r->sys[0].count != 1)
		child_fail(r, "a direct SECCOMP_RET_TRAP gave %d SIGSYS",
			   r->sys[0].count);
	if (!keep_handler)
		signal(SIGSYS, SIG_DFL);
	return r->sys[0].call_addr;
}

/*
 * Seccomp user notification supervisor, a thread of the child started
 * before the filter so that it is not filtered itself
 */

struct supervisor {
	struct report *r;
	/* The listener fd is passed to the thread through this pipe. */
	int pipe[2];
	int listener;
	/* How many notifications to answer before returning. */
	int expect;
	/* ADDFD source. */
	int srcfd;
	/* Fills @resp; false if it answered by itself. */
	bool (*answer)(struct supervisor *s, const struct seccomp_notif *req,
		       struct notif_seen *seen, struct seccomp_notif_resp *resp);
	pthread_t thread;
};

/* The Tgid: of /proc/@pid/status, or -1. */
static int proc_tgid(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	return async_status_tgid(path);
}

/* The string at @addr in the memory of thread @pid, through /proc. */
static void proc_mem_string(pid_t pid, __u64 addr, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = pread(fd, buf, size - 1, addr);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
}

static void *supervise(void *arg)
{
	struct supervisor *s = arg;
	struct report *r = s->r;
	struct pollfd pfd = { .fd = s->pipe[0], .events = POLLIN };

	if (poll(&pfd, 1, DONE_MS) != 1 ||
	    read(s->pipe[0], &s->listener, sizeof(s->listener)) !=
	    sizeof(s->listener)) {
		report_msg(r, "supervisor: no listener");
		return NULL;
	}
	pfd.fd = s->listener;
	while (r->nr_notifs < s->expect) {
		struct seccomp_notif_resp resp;
		struct seccomp_notif req;
		struct notif_seen *seen;

		if (poll(&pfd, 1, DONE_MS) != 1) {
			report_msg(r, "supervisor: no notification %d in %d ms",
				   r->nr_notifs, DONE_MS);
			break;
		}
		memset(&req, 0, sizeof(req));
		if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_RECV, &req)) {
			if (errno == EINTR)
				continue;
			report_msg(r, "supervisor: NOTIF_RECV: %s",
				   strerror(errno));
			break;
		}
		seen = &r->notif[r->nr_notifs++];
		seen->data = req.data;
		seen->pid = req.pid;
		seen->tgid = proc_tgid(req.pid);
		if (req.data.nr == __NR_mkdirat)
			proc_mem_string(req.pid, req.data.args[1], seen->mem,
					sizeof(seen->mem));
		seen->valid = !ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ID_VALID,
				     &req.id);
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		if (s->answer(s, &req, seen, &resp) &&
		    ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp))
			report_msg(r, "supervisor: NOTIF_SEND (nr %d): %s",
				   req.data.nr, strerror(errno));
	}
	return NULL;
}

static void supervisor_start(struct report *r, struct supervisor *s)
{
	s->r = r;
	if (pipe2(s->pipe, O_CLOEXEC))
		child_fail(r, "pipe2: %s", strerror(errno));
	if (pthread_create(&s->thread, NULL, supervise, s))
		child_fail(r, "pthread_create");
}

static void supervisor_listen(struct report *r, struct supervisor *s,
			      int listener)
{
	if (write(s->pipe[1], &listener, sizeof(listener)) != sizeof(listener))
		child_fail(r, "write to the supervisor: %s", strerror(errno));
}

/* Join @thread within @ms: 0 or an error number. */
static int join_within(pthread_t thread, long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return pthread_timedjoin_np(thread, NULL, &ts);
}

static void supervisor_join(struct report *r, struct supervisor *s)
{
	if (join_within(s->thread, 2 * DONE_MS))
		child_fail(r, "the supervisor did not end");
}

/* Each notification gets 1000 + its rank. */
static bool answer_rank(struct supervisor *s,
			const struct seccomp_notif *req __always_unused,
			struct notif_seen *seen __always_unused,
			struct seccomp_notif_resp *resp)
{
	resp->val = 1000 + s->r->nr_notifs - 1;
	return true;
}

static bool answer_user_notif(struct supervisor *s,
			      const struct seccomp_notif *req,
			      struct notif_seen *seen,
			      struct seccomp_notif_resp *resp)
{
	struct seccomp_notif_addfd addfd = {
		.id = req->id,
		.flags = SECCOMP_ADDFD_FLAG_SEND,
		.srcfd = s->srcfd,
		.newfd_flags = O_CLOEXEC,
	};

	switch (req->data.nr) {
	case __NR_getuid:
		resp->error = -EXDEV;
		return true;
	case __NR_getppid:
		resp->val = 4242;
		return true;
	case __NR_mkdirat:
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		return true;
	case __NR_openat:
		/* Installs the fd and makes it the call's result. */
		seen->addfd = ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ADDFD,
				    &addfd);
		if (seen->addfd < 0)
			seen->addfd = -errno;
		return false;
	}
	resp->error = -EPROTO;
	return true;
}

/*
 * The test process side
 */

/* Paths and the global state a test changes, restored by the teardown. */
struct gates_env {
	pid_t pid;
	/* A directory that entries try to create. */
	char dir[64];
	/* A scratch file. */
	char file[64];
	/* The file that audit_records watches. */
	char watch[64];
	/* A core file to remove. */
	char core[64];
	char core_pattern[256];
	bool core_pattern_saved;
	int audit_fd;
	bool audit_registered;
	__u32 audit_old_enabled;
	/* [0]: the openat rule; [1]: the watch. */
	bool audit_rule[2];
	bool tracefs_mounted;
	bool trace_events;
};

static void env_setup(struct gates_env *env)
{
	env->pid = getpid();
	snprintf(env->dir, sizeof(env->dir), "/tmp/gates-%d-dir", env->pid);
	snprintf(env->file, sizeof(env->file), "/tmp/gates-%d-file", env->pid);
	snprintf(env->watch, sizeof(env->watch), "/tmp/gates-%d-watch",
		 env->pid);
	env->audit_fd = -1;
}

static int audit_restore(struct gates_env *env);
static void trace_cleanup(struct gates_env *env);

static int write_file(const char *path, const char *s, int flags)
{
	size_t len = strlen(s);
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return -errno;
	if (len && write(fd, s, len) != (ssize_t)len)
		ret = -errno;
	close(fd);
	return ret;
}

static void env_teardown(struct gates_env *env)
{
	char buf[300];

	audit_restore(env);
	trace_cleanup(env);
	if (env->core_pattern_saved) {
		snprintf(buf, sizeof(buf), "%s\n", env->core_pattern);
		write_file(CORE_PATTERN, buf, 0);
		env->core_pattern_saved = false;
	}
	if (env->core[0])
		unlink(env->core);
	rmdir(env->dir);
	unlink(env->file);
	unlink(env->watch);
}

FIXTURE(gates) {
	struct gates_env env;
};

FIXTURE_VARIANT(gates) {
	bool batch;
};

FIXTURE_VARIANT_ADD(gates, batch) {
	.batch = true,
};

FIXTURE_VARIANT_ADD(gates, async) {
	.batch = false,
};

FIXTURE_SETUP(gates)
{
	env_setup(&self->env);
	if (!async_submit_supported())
		SKIP(return, "async_submit(2) not supported (CONFIG_ASYNC_SYSCALL=n?)");
}

FIXTURE_TEARDOWN(gates)
{
	env_teardown(&self->env);
}

/* For the tests of one mode only. */
FIXTURE(gates_one) {
	struct gates_env env;
};

FIXTURE_SETUP(gates_one)
{
	env_setup(&self->env);
	if (!async_submit_supported())
		SKIP(return, "async_submit(2) not supported (CONFIG_ASYNC_SYSCALL=n?)");
}

FIXTURE_TEARDOWN(gates_one)
{
	env_teardown(&self->env);
}

/* Wait for child @pid, at most CHILD_MS: its wait status, or -1. */
static int reap(pid_t pid)
{
	int status;

	if (async_wait_child(pid, &status, 0, CHILD_MS))
		return -1;
	return status;
}

/*
 * Fork a child that runs @fn and exits 0, and wait for it: its pid, the
 * wait status in *@status (-1 if it had to be killed).
 */
static pid_t spawn(struct report *r, const struct gates_env *env, bool batch,
		   void (*fn)(struct report *r, const struct gates_env *env,
			      bool batch),
		   int *status)
{
	pid_t pid = fork();

	if (pid == 0) {
		fn(r, env, batch);
		_exit(0);
	}
	*status = pid > 0 ? reap(pid) : -1;
	return pid;
}

/*
 * Fork a child that runs @fn, which makes itself a tracee and stops
 * (PTRACE_TRACEME, then SIGSTOP) before it submits; set @options and
 * PTRACE_O_EXITKILL, and resume it with @request. Whether that went well;
 * the child's pid in *@pidp.
 */
static bool trace_child(struct __test_metadata *_metadata, struct report *r,
			const struct gates_env *env, bool batch,
			void (*fn)(struct report *r,
				   const struct gates_env *env, bool batch),
			long options, enum __ptrace_request request,
			pid_t *pidp)
{
	int status;
	pid_t pid = fork();

	*pidp = pid;
	if (pid < 0)
		return false;
	if (pid == 0) {
		fn(r, env, batch);
		_exit(0);
	}
	if (async_wait_child(pid, &status, 0, CHILD_MS) ||
	    !WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP) {
		TH_LOG("the child did not stop for its tracer: %s", r->msg);
		return false;
	}
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
		   (void *)(options | PTRACE_O_EXITKILL)) ||
	    ptrace(request, pid, NULL, NULL)) {
		TH_LOG("ptrace: %s", strerror(errno));
		return false;
	}
	return true;
}

/* Whether the child exited with 0; why not, logged. */
static bool child_ok(struct __test_metadata *_metadata, const struct report *r,
		     int status)
{
	if (status == -1) {
		TH_LOG("the child did not end within %d ms: %s", CHILD_MS,
		       r->msg);
		return false;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	if (WIFEXITED(status))
		TH_LOG("the child exited with %d: %s", WEXITSTATUS(status),
		       r->msg);
	else
		TH_LOG("the child was killed by signal %d: %s",
		       WIFSIGNALED(status) ? WTERMSIG(status) : -1, r->msg);
	return false;
}

/* The child died of SIGSYS. */
static bool child_sigsys(struct __test_metadata *_metadata,
			 const struct report *r, int status)
{
	if (status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		return true;
	if (status != -1 && WIFEXITED(status))
		TH_LOG("the child exited with %d, not killed by SIGSYS: %s",
		       WEXITSTATUS(status), r->msg);
	else
		TH_LOG("wait status %#x, not killed by SIGSYS: %s", status,
		       r->msg);
	return false;
}

/* The submission of @n entries was taken and every entry completed. */
static void expect_all_done(struct __test_metadata *_metadata,
			    const struct report *r, unsigned int n, bool batch)
{
	unsigned int i;

	ASSERT_EQ((long)n, r->ret) TH_LOG("async_submit: %s", strerror(r->err));
	if (!batch) {
		ASSERT_EQ(-1, r->waited)
			TH_LOG("entry %d not complete after %d ms", r->waited,
			       DONE_MS);
	}
	for (i = 0; i < n; i++)
		EXPECT_EQ(STATUS_DONE, r->e[i].status) TH_LOG("entry %u", i);
}

/*
 * Entry @i did not complete and was not written. The child's
 * async_wait_all_done() (asynchronous mode) may have armed the waiters bit.
 */
static void expect_pending(struct __test_metadata *_metadata,
			   const struct report *r, unsigned int i)
{
	EXPECT_TRUE(async_status_pending(r->e[i].status))
		TH_LOG("entry %u: status %#x", i, r->e[i].status);
	EXPECT_EQ(RESULT_SENTINEL, r->e[i].result) TH_LOG("entry %u", i);
}

/* No entry created @path. */
static void expect_no_dir(struct __test_metadata *_metadata, const char *path)
{
	struct stat st;
	int ret, err;

	ret = stat(path, &st);
	err = errno;
	EXPECT_EQ(-1, ret) TH_LOG("%s exists: an entry ran that should not have",
				  path);
	EXPECT_EQ(ENOENT, err);
}

/* The notification of a call made in the child @pid came from the right thread. */
static void expect_notif_pid(struct __test_metadata *_metadata,
			     const struct notif_seen *seen, pid_t pid,
			     bool batch)
{
	if (batch) {
		/* The submitting thread, the child's main thread. */
		EXPECT_EQ((__u32)pid, seen->pid);
	} else {
		/* A worker: another thread of the child. */
		EXPECT_NE((__u32)pid, seen->pid);
		EXPECT_EQ(pid, seen->tgid) TH_LOG("notification pid %u",
						  seen->pid);
	}
}

/*
 * 1. SECCOMP_RET_ERRNO: the entry does not run and fails with the errno;
 * what it feeds is cancelled; a direct call fails the same way.
 */
static void child_errno_mkdirat(struct report *r, const struct gates_env *env,
				bool batch)
{
	static const struct rule rules[] = {
		RULE(__NR_mkdirat, SECCOMP_RET_ERRNO | ENOKEY),
	};
	struct async_syscall_entry *e = r->e;

	child_filter(r, rules, ARRAY_SIZE(rules), 0);
	e[0] = ENTRY(__NR_getpid);
	e[1] = ENTRY(__NR_mkdirat, AT_FDCWD, PTR(env->dir), 0700);
	e[1].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	/* Would stat what entry 1 returned. */
	e[2] = ENTRY(__NR_newfstatat, -1, PTR(""), PTR(&r->st), AT_EMPTY_PATH);
	set_feed(&e[2], 0, 1, 0);
	child_submit(r, 0, 3, batch);
	r->v[0] = direct_errno(syscall(__NR_mkdirat, AT_FDCWD, env->dir, 0700));
}

TEST_F(gates, errno_mkdirat)
{
	struct report *r = report_new();
	int status;
	pid_t pid;

	ASSERT_NE(NULL, r);
	pid = spawn(r, &self->env, variant->batch, child_errno_mkdirat, &status);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(child_ok(_metadata, r, status));
	expect_all_done(_metadata, r, 3, variant->batch);
	EXPECT_EQ(pid, r->e[0].result);
	EXPECT_EQ(-ENOKEY, r->e[1].result);
	EXPECT_EQ(-ECANCELED, r->e[2].result);
	EXPECT_EQ(ENOKEY, r->v[0]) TH_LOG("direct mkdirat()");
	expect_no_dir(_metadata, self->env.dir);
}

/*
 * 2. SECCOMP_RET_ERRNO with 0: a success with result 0 that is fed on, and
 * the call did not run.
 */
static void child_errno_zero(struct report *r, const struct gates_env *env,
			     bool batch)
{
	static const struct rule rules[] = {
		RULE(__NR_mkdirat, SECCOMP_RET_ERRNO | 0),
	};
	struct async_syscall_entry *e = r->e;

	child_filter(r, rules, ARRAY_SIZE(rules), 0);
	e[0] = ENTRY(__NR_mkdirat, AT_FDCWD, PTR(env->dir), 0700);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	/* getpgid(-1) fails with ESRCH; fed 0, it is getpgid(0). */
	e[1] = ENTRY(__NR_getpgid, -1);
	set_feed(&e[1], 0, 0, 0);
	child_submit(r, 0, 2, batch);
	r->v[0] = getpgid(0);
	r->v[1] = syscall(__NR_mkdirat, AT_FDCWD, env->dir, 0700);
}

TEST_F(gates, errno_zero)
{
	struct report *r = report_new();
	int status;
	pid_t pid;

	ASSERT_NE(NULL, r);
	pid = spawn(r, &self->env, variant->batch, child_errno_zero, &status);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(child_ok(_metadata, r, status));
	expect_all_done(_metadata, r, 2, variant->batch);
	EXPECT_EQ(0, r->e[0].result);
	ASSERT_GT(r->v[0], 0);
	EXPECT_EQ(r->v[0], r->e[1].result) TH_LOG("getpgid() not fed 0");
	EXPECT_EQ(0, r->v[1]) TH_LOG("direct mkdirat()");
	expect_no_dir(_metadata, self->env.dir);
}

/* 3. Filters see the arguments after the feeds. */
static void child_args_after_feeds(struct report *r,
				   const struct gates_env *env __always_unused,
				   bool batch)
{
	static const struct rule rules[] = {
		RULE_ARG(__NR_fstat, 0, 900, SECCOMP_RET_ERRNO | ENOKEY),
	};
	struct async_syscall_entry *e = r->e;
	struct stat st;
	int fd;

	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		child_fail(r, "open /dev/null: %s", strerror(errno));
	close(900);
	child_filter(r, rules, ARRAY_SIZE(rules), 0);
	e[0] = ENTRY(__NR_dup3, fd, 900, 0);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	/* fstat(-1) before the feed, fstat(900) after it. */
	e[1] = ENTRY(__NR_fstat, -1, PTR(&r->st));
	set_feed(&e[1], 0, 0, 0);
	e[2] = ENTRY(__NR_fstat, fd, PTR(&st));
	child_submit(r, 0, 3, batch);
	r->v[0] = direct_errno(syscall(__NR_fstat, 900, &st));
	r->v[1] = fcntl(900, F_GETFD);
}

TEST_F(gates, args_after_feeds)
{
	struct report *r = report_new();
	int status;
	pid_t pid;

	ASSERT_NE(NULL, r);
	pid = spawn(r, &self->env, variant->batch, child_args_after_feeds,
		    &status);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(child_ok(_metadata, r, status));
	expect_all_done(_metadata, r, 3, variant->batch);
	EXPECT_EQ(900, r->e[0].result);
	EXPECT_EQ(-ENOKEY, r->e[1].result);
	EXPECT_EQ(0, r->e[2].result);
	EXPECT_EQ(ENOKEY, r->v[0]) TH_LOG("direct fstat(900)");
	/* dup3() ran: fd 900 is open, without FD_CLOEXEC. */
	EXPECT_EQ(0, r->v[1]);
}

/*
 * 4. A supervisor sees the same seccomp_data for an entry as for the same
 * direct call made through syscall(): number, arch, arguments and
 * instruction pointer (that of the same instruction).
 */
static void child_seccomp_data_equal(struct report *r,
				     const struct gates_env *env __always_unused,
				     bool batch)
{
	static const struct rule rules[] = {
		RULE(__NR_getppid, SECCOMP_RET_USER_NOTIF),
	};
	struct supervisor s = { .expect = 2, .answer = answer_rank };
	int listener;

	supervisor_start(r, &s);
	listener = child_filter(r, rules, ARRAY_SIZE(rules),
				SECCOMP_FILTER_FLAG_NEW_LISTENER);
	supervisor_listen(r, &s, listener);
	r->v[0] = syscall(__NR_getppid, 1L, 2L, 3L, 4L, 5L, 6L);
	r->e[0] = ENTRY(__NR_getppid, 1, 2, 3, 4, 5, 6);
	child_submit(r, 0, 1, batch);
	supervisor_join(r, &s);
}

TEST_F(gates, seccomp_data_equal)
{
	struct report *r = report_new();
	unsigned int i, k;
	int status;
	pid_t pid;

	ASSERT_NE(NULL, r);
	pid = spawn(r, &self->env, variant->batch, child_seccomp_data_equal,
		    &status);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(child_ok(_metadata, r, status));
	expect_all_done(_metadata, r, 1, variant->batch);
	ASSERT_EQ(2, r->nr_notifs) TH_LOG("%s", r->msg);
	EXPECT_EQ(1000, r->v[0]) TH_LOG("direct getppid()");
	EXPECT_EQ(1001, r->e[0].result);
	for (k = 0; k < 2; k++) {
		const struct seccomp_data *d = &r->notif[k].data;

		EXPECT_EQ(__NR_getppid, d->nr) TH_LOG("notification %u", k);
		EXPECT_EQ(AUDIT_ARCH_X86_64, d->arch) TH_LOG("notification %u", k);
		for (i = 0; i < 6; i++)
			EXPECT_EQ(i + 1, d->args[i])
				TH_LOG("notification %u, args[%u]", k, i);
	}
	EXPECT_NE(0U, r->notif[0].data.instruction_pointer);
	EXPECT_EQ(r->notif[0].data.instruction_pointer,
		  r->notif[1].data.instruction_pointer);
	EXPECT_EQ((__u32)pid, r->notif[0].pid);
	expect_notif_pid(_metadata, &r->notif[1], pid, variant->batch);
}

/*
 * 5. A container-style allowlist: arch check, 150 allowed numbers, EPERM
 * for the rest. Allowed entries return what direct calls return.
 */
#define ALLOW_FILES	10
#define ALLOW_PIPE2	8
#define ALLOW_PIPES	8
#define ALLOW_GETPIDS	10
/* Index of the entry that the filter refuses. */
#define ALLOW_ACCT	(3 * ALLOW_FILES + ALLOW_PIPE2 + 2 * ALLOW_PIPES + ALLOW_GETPIDS)

static const char allow_data[] = "read through a container allowlist\n";
static const char allow_msg[] = "written through a container allowlist";

static long install_allowlist(void)
{
	static const int extra[] = {
		__NR_futex, __NR_clock_gettime, __NR_clock_nanosleep,
		__NR_exit_group, __NR_openat, __NR_newfstatat, __NR_pipe2,
		__NR_prlimit64, __NR_getrandom, __NR_async_submit,
	};
	/* 0 to 139, then the numbers above: 150 allowed. */
	struct sock_filter insns[5 + 2 * (140 + ARRAY_SIZE(extra))];
	unsigned int len = 0, i;

	insns[len++] = bpf_stmt(BPF_LD | BPF_W | BPF_ABS, SD_ARCH);
	insns[len++] = bpf_jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	insns[len++] = bpf_stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	insns[len++] = bpf_stmt(BPF_LD | BPF_W | BPF_ABS, SD_NR);
	for (i = 0; i < 140 + ARRAY_SIZE(extra); i++) {
		__u32 nr = i < 140 ? i : (__u32)extra[i - 140];

		insns[len++] = bpf_jump(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1);
		insns[len++] = bpf_stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	insns[len++] = bpf_stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
	return install_filter(insns, len, 0);
}

static void child_container_allowlist(struct report *r,
				      const struct gates_env *env, bool batch)
{
	char file_buf[ALLOW_FILES][64], pipe_buf[ALLOW_PIPES][64];
	int pre[ALLOW_PIPES][2], made[ALLOW_PIPE2][2];
	struct async_syscall_entry *e = r->e;
	unsigned int i, n = 0;
	int fd;

	fd = open(env->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, allow_data, strlen(allow_data)) !=
	    (ssize_t)strlen(allow_data))
		child_fail(r, "%s: %s", env->file, strerror(errno));
	close(fd);
	for (i = 0; i < ALLOW_PIPES; i++)
		if (pipe2(pre[i], O_CLOEXEC | O_NONBLOCK))
			child_fail(r, "pipe2: %s", strerror(errno));
	memset(made, 0xff, sizeof(made));
	memset(file_buf, 0, sizeof(file_buf));
	memset(pipe_buf, 0, sizeof(pipe_buf));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || install_allowlist())
		child_fail(r, "allowlist filter: %s", strerror(errno));

	for (i = 0; i < ALLOW_FILES; i++, n += 3) {
		e[n] = ENTRY(__NR_openat, AT_FDCWD, PTR(env->file),
			     O_RDONLY | O_CLOEXEC);
		e[n].flags |= ASYNC_SYSCALL_ENTRY_LINK;
		e[n + 1] = ENTRY(__NR_read, -1, PTR(file_buf[i]), 64);
		set_feed(&e[n + 1], 0, n, 0);
		e[n + 1].flags |= ASYNC_SYSCALL_ENTRY_LINK;
		e[n + 2] = ENTRY(__NR_close, -1);
		set_feed(&e[n + 2], 0, n, 0);
	}
	for (i = 0; i < ALLOW_PIPE2; i++)
		e[n++] = ENTRY(__NR_pipe2, PTR(made[i]), O_CLOEXEC);
	for (i = 0; i < ALLOW_PIPES; i++, n += 2) {
		e[n] = ENTRY(__NR_write, pre[i][1], PTR(allow_msg),
			     strlen(allow_msg));
		e[n].flags |= ASYNC_SYSCALL_ENTRY_LINK;
		e[n + 1] = ENTRY(__NR_read, pre[i][0], PTR(pipe_buf[i]), 64);
	}
	for (i = 0; i < ALLOW_GETPIDS; i++)
		e[n++] = ENTRY(__NR_getpid);
	/* acct(NULL) would succeed for root if it ran. */
	e[n++] = ENTRY(__NR_acct, 0);
	child_submit(r, 0, n, batch);

	r->v[0] = direct_errno(syscall(__NR_acct, 0));
	r->v[1] = 0;
	for (i = 0; i < ALLOW_PIPE2; i++)
		r->v[1] += fcntl(made[i][0], F_GETFD) == FD_CLOEXEC &&
			   fcntl(made[i][1], F_GETFD) == FD_CLOEXEC;
	r->v[2] = 0;
	for (i = 0; i < ALLOW_FILES; i++)
		r->v[2] += !strcmp(file_buf[i], allow_data);
	r->v[3] = 0;
	for (i = 0; i < ALLOW_PIPES; i++)
		r->v[3] += !strcmp(pipe_buf[i], allow_msg);
}

TEST_F(gates, container_allowlist)
{
	struct report *r = report_new();
	unsigned int i, n = 0;
	int status;
	pid_t pid;

	ASSERT_NE(NULL, r);
	pid = spawn(r, &self->env, variant->batch, child_container_allowlist,
		    &status);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(child_ok(_metadata, r, status));
	expect_all_done(_metadata, r, ALLOW_ACCT + 1, variant->batch);
	for (i = 0; i < ALLOW_FILES; i++, n += 3) {
		EXPECT_LE(0, r->e[n].result) TH_LOG("openat entry %u", n);
		EXPECT_EQ((__s64)strlen(allow_data), r->e[n + 1].result)
			TH_LOG("read entry %u", n + 1);
		EXPECT_EQ(0, r->e[n + 2].result) TH_LOG("close entry %u", n + 2);
	}
	for (i = 0; i < ALLOW_PIPE2; i++, n++)
		EXPECT_EQ(0, r->e[n].result) TH_LOG("pipe2 entry %u", n);
	for (i = 0; i < ALLOW_PIPES; i++, n += 2) {
		EXPECT_EQ((__s64)strlen(allow_msg), r->e[n].result)
			TH_LOG("write entry %u", n);
		EXPECT_EQ((__s64)strlen(allow_msg), r->e[n + 1].result)
			TH_LOG("read entry %u", n + 1);
	}
	for (i = 0; i < ALLOW_GETPIDS; i++, n++)
		EXPECT_EQ(pid, r->e[n].result) TH_LOG("getpid entry %u", n);
	ASSERT_EQ((unsigned int)ALLOW_ACCT, n);
	EXPECT_EQ(-EPERM, r->e[n].result) TH_LOG("acct entry");
	EXPECT_EQ(EPERM, r->v[0]) TH_LOG("direct acct()");
	EXPECT_EQ(ALLOW_PIPE2, r->v[1]) TH_LOG("pipe2() entries' fds");
	EXPECT_EQ(ALLOW_FILES, r->v[2]) TH_LOG("file contents read");
	EXPECT_EQ(ALLOW_PIPES, r->v[3]) TH_LOG("pipe contents read");
}

/*
 * 6. SECCOMP_RET_USER_NOTIF: the supervisor's error or value is the
 * result and is fed on; CONTINUE runs the entry; ADDFD with SEND makes the
 * fd the result. The notification comes from the submitting thread (batch)
 * or a worker of the same process, whose memory and status /proc shows.
 */
static void child_user_notif(struct report *r, const struct gates_env *env,
			     bool batch)
{
	static const struct rule rules[] = {
		RULE(__NR_getuid, SECCOMP_RET_USER_NOTIF),
		RULE(__NR_getppid, SECCOMP_RET_USER_NOTIF),
		RULE(__NR_mkdirat, SECCOMP_RET_USER_NOTIF),
		RULE_ARG(__NR_openat, 2, NOTIF_OPEN_FLAGS, SECCOMP_RET_USER_NOTIF),
	};
	struct supervisor s = { .expect = 4, .answer = answer_user_notif };
	struct async_syscall_entry *e = r->e;
	int listener, lfd;
	struct stat st;

	s.srcfd = open(env->file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	lfd = open(env->file, O_RDONLY | O_CLOEXEC);
	if (s.srcfd < 0 || lfd < 0 || fstat(s.srcfd, &st))
		child_fail(r, "%s: %s", env->file, strerror(errno));
	r->v[0] = st.st_ino;
	supervisor_start(r, &s);
	listener = child_filter(r, rules, ARRAY_SIZE(rules),
				SECCOMP_FILTER_FLAG_NEW_LISTENER);
	supervisor_listen(r, &s, listener);

	e[0] = ENTRY(__NR_getuid);
	e[1] = ENTRY(__NR_getppid);
	e[1].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	/* lseek(lfd, <getppid()>, SEEK_SET) returns the offset fed. */
	e[2] = ENTRY(__NR_lseek, lfd, -1, SEEK_SET);
	set_feed(&e[2], 0, 1, 1);
	e[3] = ENTRY(__NR_mkdirat, AT_FDCWD, PTR(env->dir), 0700);
	e[4] = ENTRY(__NR_openat, AT_FDCWD, PTR("/gates-never-opened"),
		     NOTIF_OPEN_FLAGS);
	e[4].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[5] = ENTRY(__NR_fstat, -1, PTR(&r->st));
	set_feed(&e[5], 0, 4, 0);
	child_submit(r, 0, 6, batch);
	supervisor_join(r, &s);
	r->v[1] = e[4].result >= 0 ? fcntl(e[4].result, F_GETFD) : -1;
}

TEST_F(gates, user_notif)
{
	struct report *r = report_new();
	const struct notif_seen *by_nr[4] = { NULL };
	static const int nrs[4] = {
		__NR_getuid, __NR_getppid, __NR_mkdirat, __NR_openat,
	};
	struct stat st;
	int status, i, k;
	pid_t pid;

	ASSERT_NE(NULL, r);
	pid = spawn(r, &self->env, variant->batch, child_user_notif, &status);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(child_ok(_metadata, r, status));
	expect_all_done(_metadata, r, 6, variant->batch);
	ASSERT_EQ(4, r->nr_notifs) TH_LOG("%s", r->msg);
	EXPECT_EQ(-EXDEV, r->e[0].result);
	EXPECT_EQ(4242, r->e[1].result);
	EXPECT_EQ(4242, r->e[2].result) TH_LOG("lseek() not fed 4242");
	EXPECT_EQ(0, r->e[3].result);
	ASSERT_EQ(0, stat(self->env.dir, &st)) TH_LOG("CONTINUE did not run mkdirat()");
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_LE(0, r->e[4].result);
	EXPECT_EQ(0, r->e[5].result) TH_LOG("fstat() of the added fd");
	EXPECT_EQ(r->v[0], (__s64)r->st.st_ino) TH_LOG("not the supervisor's file");
	EXPECT_EQ(FD_CLOEXEC, r->v[1]) TH_LOG("the added fd is not open");

	for (i = 0; i < r->nr_notifs; i++) {
		for (k = 0; k < 4; k++) {
			if (r->notif[i].data.nr != nrs[k])
				continue;
			EXPECT_EQ(NULL, by_nr[k]) TH_LOG("two notifications of %d",
							 nrs[k]);
			by_nr[k] = &r->notif[i];
		}
	}
	for (k = 0; k < 4; k++) {
		ASSERT_NE(NULL, by_nr[k]) TH_LOG("no notification of %d", nrs[k]);
		EXPECT_EQ(AUDIT_ARCH_X86_64, by_nr[k]->data.arch);
		EXPECT_EQ(1, by_nr[k]->valid) TH_LOG("nr %d", nrs[k]);
		expect_notif_pid(_metadata, by_nr[k], pid, variant->batch);
	}
	EXPECT_EQ(PTR(self->env.dir), by_nr[2]->data.args[1]);
	EXPECT_EQ(0700U, by_nr[2]->data.args[2]);
	EXPECT_STREQ(self->env.dir, by_nr[2]->mem);
	EXPECT_EQ((__u64)NOTIF_OPEN_FLAGS, by_nr[3]->data.args[2]);
	EXPECT_EQ(r->e[4].result, by_nr[3]->addfd);
}

/* 7. SECCOMP_RET_LOG runs the entry. */
static void child_log_runs(struct report *r,
			   const struct gates_env *env __always_unused,
			   bool batch)
{
	static const struct rule rules[] = {
		RULE(__NR_getpid, SECCOMP_RET_LOG),
	};

	child_filter(r, rules, ARRAY_SIZE(rules), 0);
	r->e[0] = ENTRY(__NR_getpid);
	r->e[1] = ENTRY(__NR_getppid);
	child_submit(r, 0, 2, batch);
	r->v[0] = syscall(__NR_getpid);
}

TEST_F(gates, log_runs)
{
	struct report *r = report_new();
	int status;
	pid_t pid;

	ASSERT_NE(NULL, r);
	pid = spawn(r, &self->env, variant->batch, child_log_runs, &status);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(child_ok(_metadata, r, status));
	expect_all_done(_metadata, r, 2, variant->batch);
	EXPECT_EQ(pid, r->e[0].result);
	EXPECT_EQ(getpid(), r->e[1].result);
	EXPECT_EQ(pid, r->v[0]);
}

/*
 * 7. SECCOMP_RET_TRACE: the entry does not run and fails with ERRNO_NOSYS,
 * as a direct call without a tracer does; with a PTRACE_O_TRACESECCOMP
 * tracer, the same and no seccomp stop, while a direct call stops.
 */
static void child_trace_enosys(struct report *r,
			       const struct gates_env *env __always_unused,
			       bool batch)
{
	static const struct rule rules[] = {
		RULE(__NR_getppid, SECCOMP_RET_TRACE | 0x77),
	};

	child_filter(r, rules, ARRAY_SIZE(rules), 0);
	r->v[0] = direct_errno(syscall(__NR_getppid));
	r->e[0] = ENTRY(__NR_getpid);
	r->e[1] = ENTRY(__NR_getppid);
	r->e[2] = ENTRY(__NR_getpid);
	child_submit(r, 0, 3, batch);
}

static void child_trace_enosys_traced(struct report *r,
				      const struct gates_env *env __always_unused,
				      bool batch)
{
	static const struct rule rules[] = {
		RULE(__NR_getppid, SECCOMP_RET_TRACE | 0x77),
	};

	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
		child_fail(r, "PTRACE_TRACEME: %s", strerror(errno));
	raise(SIGSTOP);
	child_filter(r, rules, ARRAY_SIZE(rules), 0);
	r->e[0] = ENTRY(__NR_getpid);
	r->e[1] = ENTRY(__NR_getppid);
	r->e[2] = ENTRY(__NR_getpid);
	child_submit(r, 0, 3, batch);
	/* The tracer's seccomp stop lets this one run. */
	r->v[1] = syscall(__NR_getppid);
}

TEST_F(gates, trace_enosys)
{
	struct user_regs_struct regs;
	unsigned long msg = 0;
	long long orig_rax = -1;
	struct report *r;
	int status, i, sig, stops = 0;
	pid_t pid;

	/* No tracer. */
	r = report_new();
	ASSERT_NE(NULL, r);
	pid = spawn(r, &self->env, variant->batch, child_trace_enosys, &status);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(child_ok(_metadata, r, status));
	expect_all_done(_metadata, r, 3, variant->batch);
	EXPECT_EQ(ERRNO_NOSYS, r->v[0]) TH_LOG("direct getppid()");
	EXPECT_EQ(pid, r->e[0].result);
	EXPECT_EQ(-ERRNO_NOSYS, r->e[1].result);
	EXPECT_EQ(pid, r->e[2].result);

	/* A tracer that asked for seccomp stops. */
	r = report_new();
	ASSERT_NE(NULL, r);
	ASSERT_TRUE(trace_child(_metadata, r, &self->env, variant->batch,
				child_trace_enosys_traced,
				PTRACE_O_TRACESECCOMP, PTRACE_CONT, &pid));
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, async_wait_child(pid, &status, 0, CHILD_MS));
		if (!WIFSTOPPED(status))
			break;
		sig = WSTOPSIG(status);
		if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8))) {
			stops++;
			ASSERT_EQ(0, ptrace(PTRACE_GETREGS, pid, NULL, &regs));
			orig_rax = regs.orig_rax;
			ASSERT_EQ(0, ptrace(PTRACE_GETEVENTMSG, pid, NULL, &msg));
			sig = 0;
		}
		ASSERT_EQ(0, ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig));
	}
	ASSERT_TRUE(child_ok(_metadata, r, status));
	expect_all_done(_metadata, r, 3, variant->batch);
	EXPECT_EQ(pid, r->e[0].result);
	EXPECT_EQ(-ERRNO_NOSYS, r->e[1].result);
	EXPECT_EQ(pid, r->e[2].result);
	/* Only the direct call stopped. */
	EXPECT_EQ(1, stops);
	EXPECT_EQ(__NR_getppid, orig_rax);
	EXPECT_EQ(0x77U, msg);
	EXPECT_EQ(getpid(), r->v[1]) TH_LOG("direct getppid() after the stop");
}

/*
 * 8. SECCOMP_RET_TRAP: ERRNO_NOSYS, and a SIGSYS with SYS_SECCOMP_DEFERRED on
 * the submitting thread that names the entry and the async_submit() call;
 * a batch stops after the trapped entry for the signal.
 */
static void child_trap_handler(struct report *r, const struct gates_env *env,
			       bool batch)
{
	static const struct rule rules[] = {
		RULE(__NR_mkdirat, SECCOMP_RET_TRAP | 0x55),
	};
	struct async_syscall_entry *e = r->e;

	/* r->sys[0]: the direct trap of getppid(GATES_MAGIC). */
	child_site_ip(r, true);
	child_filter(r, rules, ARRAY_SIZE(rules), 0);
	e[0] = ENTRY(__NR_getpid);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_mkdirat, AT_FDCWD, PTR(env->dir), 0700);
	e[1].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[2] = ENTRY(__NR_getpid);
	child_submit(r, 0, 3, batch);
	if (!batch) {
		wait_sigsys(r, 1);
		/* Time for a second one, which must not come. */
		usleep(50 * 1000);
	}
}

TEST_F(gates, trap_handler)
{
	struct report *r = report_new();
	int status;
	pid_t pid;

	ASSERT_NE(NULL, r);
	pid = spawn(r, &self->env, variant->batch, child_trap_handler, &status);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(child_ok(_metadata, r, status));
	if (variant->batch) {
		/* The batch stopped for the signal after the trapped entry. */
		ASSERT_EQ(2, r->ret) TH_LOG("async_submit: %s", strerror(r->err));
		EXPECT_EQ(STATUS_DONE, r->e[0].status);
		EXPECT_EQ(STATUS_DONE, r->e[1].status);
		expect_pending(_metadata, r, 2);
	} else {
		expect_all_done(_metadata, r, 3, false);
		EXPECT_EQ(pid, r->e[2].result);
	}
	EXPECT_EQ(pid, r->e[0].result);
	EXPECT_EQ(-ERRNO_NOSYS, r->e[1].result);

	/* The direct trap, for comparison. */
	ASSERT_EQ(1, r->sys[0].count);
	EXPECT_EQ(__NR_getppid, r->sys[0].syscall);
	EXPECT_EQ(0x66, r->sys[0].errno_val);
	EXPECT_NE(0U, r->sys[0].call_addr);

	/* The entry's. */
	ASSERT_EQ(1, r->sys[1].count) TH_LOG("SIGSYS for the entry");
	EXPECT_EQ(SYS_SECCOMP_DEFERRED, r->sys[1].code);
	EXPECT_EQ(__NR_mkdirat, r->sys[1].syscall);
	EXPECT_EQ(0x55, r->sys[1].errno_val);
	EXPECT_EQ(AUDIT_ARCH_X86_64, r->sys[1].arch);
	EXPECT_EQ(r->sys[0].call_addr, r->sys[1].call_addr);
	/* The submitting thread, the child's main thread, took it. */
	EXPECT_EQ(pid, r->sys[1].tid);
	expect_no_dir(_metadata, self->env.dir);
}

/* 8. SECCOMP_RET_TRAP without a handler kills the process with SIGSYS. */
static void child_trap_default(struct report *r, const struct gates_env *env,
			       bool batch)
{
	static const struct rule rules[] = {
		RULE(__NR_mkdirat, SECCOMP_RET_TRAP),
	};
	struct rlimit no_core = { 0, 0 };

	setrlimit(RLIMIT_CORE, &no_core);
	signal(SIGSYS, SIG_DFL);
	child_filter(r, rules, ARRAY_SIZE(rules), 0);
	r->e[0] = ENTRY(__NR_getpid);
	r->e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	r->e[1] = ENTRY(__NR_mkdirat, AT_FDCWD, PTR(env->dir), 0700);
	child_submit(r, 0, 2, batch);
	usleep(DEATH_WAIT_US);
	report_msg(r, "survived SECCOMP_RET_TRAP with SIGSYS at SIG_DFL");
}

TEST_F(gates, trap_default)
{
	struct report *r = report_new();
	int status;
	pid_t pid;

	ASSERT_NE(NULL, r);
	pid = spawn(r, &self->env, variant->batch, child_trap_default, &status);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(child_sigsys(_metadata, r, status));
	EXPECT_EQ(STATUS_DONE, r->e[0].status);
	EXPECT_EQ(pid, r->e[0].result);
	if (variant->batch) {
		/* Completed before the call returned to be killed. */
		EXPECT_EQ(STATUS_DONE, r->e[1].status);
		EXPECT_EQ(-ERRNO_NOSYS, r->e[1].result);
	}
	expect_no_dir(_metadata, self->env.dir);
}

/*
 * Core dumps
 */

/* Use a core_pattern of ours for the test's children; false without one. */
static bool core_pattern_use(struct __test_metadata *_metadata,
			     struct gates_env *env)
{
	char pattern[64];
	ssize_t n;
	int fd;

	fd = open(CORE_PATTERN, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, env->core_pattern, sizeof(env->core_pattern) - 1);
	close(fd);
	if (n < 0)
		return false;
	env->core_pattern[n] = '\0';
	env->core_pattern[strcspn(env->core_pattern, "\n")] = '\0';
	env->core_pattern_saved = true;
	snprintf(pattern, sizeof(pattern), "/tmp/gates-%d-core.%%p\n", env->pid);
	EXPECT_EQ(0, write_file(CORE_PATTERN, pattern, 0));
	return true;
}

static void child_core_limit(struct report *r)
{
	struct rlimit core = { RLIM_INFINITY, RLIM_INFINITY };

	if (setrlimit(RLIMIT_CORE, &core))
		child_fail(r, "RLIMIT_CORE: %s", strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		child_fail(r, "PR_SET_DUMPABLE: %s", strerror(errno));
}

struct core_notes {
	bool siginfo;
	siginfo_t si;
	int nr_prstatus;
	/* The first, the dumping thread's. */
	struct elf_prstatus prstatus;
	struct user_regs_struct regs;
};

#define NOTE_ALIGN(x)	(((x) + 3) & ~(size_t)3)

static void parse_notes(const char *buf, size_t size, struct core_notes *cn)
{
	size_t off = 0, name, desc, next;
	const struct elf64_note *n;
	bool core;

	while (off + sizeof(*n) <= size) {
		n = (const void *)(buf + off);
		name = off + sizeof(*n);
		desc = name + NOTE_ALIGN(n->n_namesz);
		next = desc + NOTE_ALIGN(n->n_descsz);
		if (next > size)
			break;
		core = n->n_namesz == 5 && !memcmp(buf + name, "CORE", 5);
		if (core && n->n_type == NT_PRSTATUS &&
		    n->n_descsz >= offsetof(struct elf_prstatus, pr_fpvalid)) {
			if (!cn->nr_prstatus) {
				memcpy(&cn->prstatus, buf + desc,
				       offsetof(struct elf_prstatus, pr_fpvalid));
				memcpy(&cn->regs, &cn->prstatus.pr_reg,
				       sizeof(cn->regs));
			}
			cn->nr_prstatus++;
		}
		if (core && n->n_type == NT_SIGINFO &&
		    n->n_descsz >= sizeof(cn->si)) {
			memcpy(&cn->si, buf + desc, sizeof(cn->si));
			cn->siginfo = true;
		}
		off = next;
	}
}

/* The notes of ELF core file @path: 0 or -errno. */
static int read_core_notes(const char *path, struct core_notes *cn)
{
	struct elf64_hdr eh;
	struct elf64_phdr ph;
	int fd, ret = 0;
	char *buf;
	size_t i;

	memset(cn, 0, sizeof(*cn));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_type != ET_CORE ||
	    eh.e_phentsize != sizeof(ph)) {
		ret = -EINVAL;
		goto out;
	}
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) !=
		    sizeof(ph)) {
			ret = -EIO;
			break;
		}
		if (ph.p_type != PT_NOTE)
			continue;
		if (ph.p_filesz > (1 << 24)) {
			ret = -E2BIG;
			break;
		}
		buf = malloc(ph.p_filesz);
		if (!buf) {
			ret = -ENOMEM;
			break;
		}
		if (pread(fd, buf, ph.p_filesz, ph.p_offset) == (ssize_t)ph.p_filesz)
			parse_notes(buf, ph.p_filesz, cn);
		else
			ret = -EIO;
		free(buf);
		if (ret)
			break;
	}
out:
	close(fd);
	return ret;
}

/*
 * In a child whose filter kills at mkdirat: submit getpid, mkdirat, getpid
 * as one chain and give the kill time to land.
 */
static void child_submit_doomed(struct report *r, const struct gates_env *env,
				bool batch)
{
	struct async_syscall_entry *e = r->e;

	e[0] = ENTRY(__NR_getpid);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_mkdirat, AT_FDCWD, PTR(env->dir), 0700);
	e[1].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[2] = ENTRY(__NR_getpid);
	child_submit(r, 0, 3, batch);
	usleep(DEATH_WAIT_US);
}

/*
 * 9. SECCOMP_RET_KILL_PROCESS kills the process with SIGSYS and a core
 * dump whose siginfo names the entry. The dumping thread is the submitter
 * in its async_submit() call (batch), or a worker whose registers show the
 * entry made from the async_submit() call (async).
 */
static void child_kill_process(struct report *r, const struct gates_env *env,
			       bool batch)
{
	static const struct rule rules[] = {
		RULE(__NR_mkdirat, SECCOMP_RET_KILL_PROCESS),
	};

	child_core_limit(r);
	r->v[0] = child_site_ip(r, false);
	child_filter(r, rules, ARRAY_SIZE(rules), 0);
	child_submit_doomed(r, env, batch);
	report_msg(r, "survived SECCOMP_RET_KILL_PROCESS");
}

TEST_F_TIMEOUT(gates, kill_process_dump, 90)
{
	struct gates_env *env = &self->env;
	struct report *r = report_new();
	struct core_notes cn;
	int status, ret;
	pid_t pid;

	ASSERT_NE(NULL, r);
	if (!core_pattern_use(_metadata, env))
		SKIP(return, "no %s", CORE_PATTERN);
	pid = spawn(r, env, variant->batch, child_kill_process, &status);
	ASSERT_GT(pid, 0);
	snprintf(env->core, sizeof(env->core), "/tmp/gates-%d-core.%d",
		 env->pid, pid);
	ASSERT_TRUE(child_sigsys(_metadata, r, status));
	EXPECT_TRUE(WCOREDUMP(status));
	EXPECT_EQ(STATUS_DONE, r->e[0].status);
	EXPECT_EQ(pid, r->e[0].result);
	expect_pending(_metadata, r, 1);
	expect_pending(_metadata, r, 2);
	expect_no_dir(_metadata, env->dir);
	ASSERT_NE(-1, r->v[0]) TH_LOG("no site ip");

	ret = read_core_notes(env->core, &cn);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", env->core, strerror(-ret));
	ASSERT_TRUE(cn.siginfo) TH_LOG("no NT_SIGINFO");
	EXPECT_EQ(SIGSYS, cn.si.si_signo);
	EXPECT_EQ(SYS_SECCOMP, cn.si.si_code);
	EXPECT_EQ(__NR_mkdirat, cn.si.si_syscall);
	EXPECT_EQ(AUDIT_ARCH_X86_64, cn.si.si_arch);
	EXPECT_EQ(r->v[0], (__s64)(uintptr_t)cn.si.si_call_addr);
	ASSERT_LE(1, cn.nr_prstatus) TH_LOG("no NT_PRSTATUS");
	if (variant->batch) {
		EXPECT_EQ(pid, cn.prstatus.pr_pid);
		EXPECT_EQ((unsigned long)__NR_async_submit, cn.regs.orig_rax);
	} else {
		EXPECT_NE(pid, cn.prstatus.pr_pid);
		EXPECT_EQ((unsigned long)__NR_mkdirat, cn.regs.orig_rax);
	}
	EXPECT_EQ(r->v[0], (__s64)cn.regs.rip);
}

/*
 * 10. SECCOMP_RET_KILL_THREAD: in a batch from a thread of a process with
 * other threads, that thread ends and the process goes on; alone, or on a
 * worker, the process dies with SIGSYS and a core dump.
 */
static void *kill_thread_batch(void *arg)
{
	struct report *r = arg;

	r->v[0] = gettid();
	r->ret = sys_async_submit(r->e, 3, ENTRY_SIZE, ASYNC_SUBMIT_BATCH);
	/* Never reached. */
	r->v[1] = 1;
	return NULL;
}

static void child_kill_thread_pthread(struct report *r,
				      const struct gates_env *env,
				      bool batch __always_unused)
{
	static const struct rule rules[] = {
		RULE(__NR_mkdirat, SECCOMP_RET_KILL_THREAD),
	};
	long long deadline;
	pthread_t thread;
	char path[64];

	child_filter(r, rules, ARRAY_SIZE(rules), 0);
	r->e[0] = ENTRY(__NR_getpid);
	r->e[1] = ENTRY(__NR_mkdirat, AT_FDCWD, PTR(env->dir), 0700);
	r->e[2] = ENTRY(__NR_getpid);
	if (pthread_create(&thread, NULL, kill_thread_batch, r))
		child_fail(r, "pthread_create");
	/* Returns once the kernel cleared the thread's tid. */
	r->v[2] = join_within(thread, DONE_MS);
	if (r->v[2])
		child_fail(r, "the thread did not end: %s", strerror(r->v[2]));
	snprintf(path, sizeof(path), "/proc/self/task/%d", (int)r->v[0]);
	deadline = async_test_now_ms() + DONE_MS;
	while (!access(path, F_OK) && async_test_now_ms() < deadline)
		usleep(1000);
	r->v[3] = access(path, F_OK) ? errno : 0;
	/* This thread lives on and can submit. */
	r->e[3] = ENTRY(__NR_getpid);
	r->v[4] = sys_async_submit(&r->e[3], 1, ENTRY_SIZE, ASYNC_SUBMIT_BATCH);
}

static void child_kill_thread_alone(struct report *r,
				    const struct gates_env *env, bool batch)
{
	static const struct rule rules[] = {
		RULE(__NR_mkdirat, SECCOMP_RET_KILL_THREAD),
	};

	child_core_limit(r);
	child_filter(r, rules, ARRAY_SIZE(rules), 0);
	child_submit_doomed(r, env, batch);
	report_msg(r, "survived SECCOMP_RET_KILL_THREAD");
}

TEST_F_TIMEOUT(gates, kill_thread, 90)
{
	struct gates_env *env = &self->env;
	struct report *r;
	int status;
	pid_t pid;

	if (!core_pattern_use(_metadata, env))
		SKIP(return, "no %s", CORE_PATTERN);
	if (variant->batch) {
		/* A batch from a second thread: only that thread ends. */
		r = report_new();
		ASSERT_NE(NULL, r);
		pid = spawn(r, env, true, child_kill_thread_pthread, &status);
		ASSERT_GT(pid, 0);
		ASSERT_TRUE(child_ok(_metadata, r, status));
		EXPECT_EQ(-1, r->v[1]) TH_LOG("async_submit returned %ld",
					      r->ret);
		EXPECT_EQ(STATUS_DONE, r->e[0].status);
		EXPECT_EQ(pid, r->e[0].result);
		expect_pending(_metadata, r, 1);
		expect_pending(_metadata, r, 2);
		EXPECT_EQ(ENOENT, r->v[3]) TH_LOG("the thread is still listed");
		EXPECT_EQ(1, r->v[4]);
		EXPECT_EQ(pid, r->e[3].result);
		expect_no_dir(_metadata, env->dir);
	}

	/* Alone (batch) or on a worker (async): the process dies. */
	r = report_new();
	ASSERT_NE(NULL, r);
	pid = spawn(r, env, variant->batch, child_kill_thread_alone, &status);
	ASSERT_GT(pid, 0);
	snprintf(env->core, sizeof(env->core), "/tmp/gates-%d-core.%d",
		 env->pid, pid);
	ASSERT_TRUE(child_sigsys(_metadata, r, status));
	EXPECT_TRUE(WCOREDUMP(status));
	EXPECT_EQ(STATUS_DONE, r->e[0].status);
	EXPECT_EQ(pid, r->e[0].result);
	expect_pending(_metadata, r, 1);
	expect_pending(_metadata, r, 2);
	expect_no_dir(_metadata, env->dir);
}

/*
 * 11b. Seccomp kills the submitting thread alone (SECCOMP_RET_KILL_THREAD on
 * a direct call) while its asynchronous chain waits: the chain's entries
 * that had not passed the gates are cancelled, and the process, which has
 * other threads, lives on, as it would have without async_submit().
 */
struct killed_submitter {
	struct report *r;
	const struct gates_env *env;
	int rfd;
};

static void *killed_submitter_thread(void *arg)
{
	static const struct rule rules[] = {
		RULE(__NR_mkdirat, SECCOMP_RET_KILL_THREAD),
	};
	struct killed_submitter *ks = arg;
	struct report *r = ks->r;
	struct async_syscall_entry *e = r->e;
	static char buf[8];

	child_filter(r, rules, ARRAY_SIZE(rules), 0);
	e[0] = ENTRY(__NR_read, ks->rfd, PTR(buf), 1);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_getppid);
	set_feed(&e[1], 0, 0, 0);
	r->ret = sys_async_submit(e, 2, ENTRY_SIZE, 0);
	r->err = errno;
	if (r->ret != 2)
		return NULL;
	/* Let a worker take the chain and block in read(). */
	usleep(100 * 1000);
	syscall(__NR_mkdirat, AT_FDCWD, ks->env->dir, 0700);
	/* Never reached. */
	r->v[0] = 1;
	return NULL;
}

static void child_killed_submitter(struct report *r,
				   const struct gates_env *env,
				   bool batch __always_unused)
{
	struct killed_submitter ks = { .r = r, .env = env };
	pthread_t thread;
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		child_fail(r, "pipe2: %s", strerror(errno));
	ks.rfd = p[0];
	if (pthread_create(&thread, NULL, killed_submitter_thread, &ks))
		child_fail(r, "pthread_create");
	r->v[1] = join_within(thread, DONE_MS);
	if (r->v[1])
		child_fail(r, "the submitting thread did not end: %s",
			   strerror(r->v[1]));
	if (r->ret != 2)
		child_fail(r, "async_submit: %s", strerror(r->err));
	if (write(p[1], "x", 1) != 1)
		child_fail(r, "write: %s", strerror(errno));
	r->waited = async_wait_all_done(r->e, 2, DONE_MS);
}

TEST_F(gates_one, killed_submitter)
{
	struct report *r = report_new();
	int status;
	pid_t pid;

	ASSERT_NE(NULL, r);
	pid = spawn(r, &self->env, false, child_killed_submitter, &status);
	ASSERT_GT(pid, 0);
	/* The process lives on: no SIGKILL for the whole process. */
	ASSERT_TRUE(child_ok(_metadata, r, status));
	EXPECT_EQ(-1, r->v[0]);
	expect_all_done(_metadata, r, 2, false);
	/* read() ran before the kill, or was cancelled with the chain. */
	if (r->e[0].result != -ECANCELED)
		EXPECT_EQ(1, r->e[0].result);
	EXPECT_EQ(-ECANCELED, r->e[1].result);
	expect_no_dir(_metadata, self->env.dir);
}

/*
 * 11. A filter that the submitting thread installs without TSYNC after an
 * asynchronous submission applies to its entries still queued.
 */
static void child_late_filter(struct report *r, const struct gates_env *env,
			      bool batch __always_unused)
{
	static const struct rule rules[] = {
		RULE(__NR_mkdirat, SECCOMP_RET_ERRNO | EL2HLT),
	};
	struct async_syscall_entry *e = r->e;
	char buf[8];
	int p[2];

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || pipe2(p, O_CLOEXEC))
		child_fail(r, "setup: %s", strerror(errno));
	e[0] = ENTRY(__NR_read, p[0], PTR(buf), 1);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_mkdirat, AT_FDCWD, PTR(env->dir), 0700);
	r->ret = sys_async_submit(e, 2, ENTRY_SIZE, 0);
	r->err = errno;
	if (r->ret != 2)
		return;
	child_filter(r, rules, ARRAY_SIZE(rules), 0);
	r->v[0] = direct_errno(syscall(__NR_mkdirat, AT_FDCWD, env->dir, 0700));
	if (write(p[1], "x", 1) != 1)
		child_fail(r, "write: %s", strerror(errno));
	r->waited = async_wait_all_done(e, 2, DONE_MS);
}

TEST_F(gates_one, late_filter)
{
	struct report *r = report_new();
	int status;
	pid_t pid;

	ASSERT_NE(NULL, r);
	pid = spawn(r, &self->env, false, child_late_filter, &status);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(child_ok(_metadata, r, status));
	expect_all_done(_metadata, r, 2, false);
	EXPECT_EQ(1, r->e[0].result);
	EXPECT_EQ(-EL2HLT, r->e[1].result);
	EXPECT_EQ(EL2HLT, r->v[0]) TH_LOG("direct mkdirat()");
	expect_no_dir(_metadata, self->env.dir);
}

/* Whether thread @tid of this process sleeps. */
static bool thread_sleeps(pid_t tid)
{
	char path[64], buf[512], *p;
	bool sleeping = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f)) {
		p = strrchr(buf, ')');
		sleeping = p && p[1] == ' ' && p[2] == 'S';
	}
	fclose(f);
	return sleeping;
}

static void *tsync_batch(void *arg)
{
	struct report *r = arg;

	r->v[0] = gettid();
	__atomic_store_n(&r->v[1], 1, __ATOMIC_SEQ_CST);
	r->ret = sys_async_submit(r->e, 2, ENTRY_SIZE, ASYNC_SUBMIT_BATCH);
	r->err = errno;
	return NULL;
}

/* 11. Another thread installs a filter with TSYNC while a batch blocks. */
static void child_tsync_mid_batch(struct report *r,
				  const struct gates_env *env,
				  bool batch __always_unused)
{
	static const struct rule rules[] = {
		RULE(__NR_mkdirat, SECCOMP_RET_ERRNO | EL2HLT),
	};
	long long deadline;
	pthread_t thread;
	char buf[8];
	int p[2];

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || pipe2(p, O_CLOEXEC))
		child_fail(r, "setup: %s", strerror(errno));
	r->e[0] = ENTRY(__NR_read, p[0], PTR(buf), 1);
	r->e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	r->e[1] = ENTRY(__NR_mkdirat, AT_FDCWD, PTR(env->dir), 0700);
	if (pthread_create(&thread, NULL, tsync_batch, r))
		child_fail(r, "pthread_create");
	deadline = async_test_now_ms() + DONE_MS;
	while (async_test_now_ms() < deadline) {
		if (__atomic_load_n(&r->v[1], __ATOMIC_SEQ_CST) == 1 &&
		    thread_sleeps(r->v[0])) {
			r->v[2] = 1;
			break;
		}
		usleep(1000);
	}
	r->v[3] = install_rules(rules, ARRAY_SIZE(rules),
				SECCOMP_FILTER_FLAG_TSYNC);
	if (write(p[1], "x", 1) != 1)
		child_fail(r, "write: %s", strerror(errno));
	r->v[4] = join_within(thread, DONE_MS);
}

TEST_F(gates_one, tsync_mid_batch)
{
	struct report *r = report_new();
	int status;
	pid_t pid;

	ASSERT_NE(NULL, r);
	pid = spawn(r, &self->env, true, child_tsync_mid_batch, &status);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(child_ok(_metadata, r, status));
	EXPECT_EQ(1, r->v[2]) TH_LOG("the batch never blocked");
	EXPECT_EQ(0, r->v[3]) TH_LOG("seccomp(TSYNC) failed");
	ASSERT_EQ(0, r->v[4]) TH_LOG("the batch did not return");
	expect_all_done(_metadata, r, 2, true);
	EXPECT_EQ(1, r->e[0].result);
	EXPECT_EQ(-EL2HLT, r->e[1].result);
	expect_no_dir(_metadata, self->env.dir);
}

/*
 * 12. Under PTRACE_SYSCALL, async_submit() fails with EPERM and runs
 * nothing; the tracer sees it enter and leave with -EPERM.
 */
static void child_intercepted_ptrace(struct report *r,
				     const struct gates_env *env, bool batch)
{
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
		child_fail(r, "PTRACE_TRACEME: %s", strerror(errno));
	raise(SIGSTOP);
	r->e[0] = ENTRY(__NR_mkdirat, AT_FDCWD, PTR(env->dir), 0700);
	child_submit(r, 0, 1, batch);
}

TEST_F(gates, intercepted_ptrace)
{
	struct report *r = report_new();
	unsigned long long exit_rax = 0;
	struct user_regs_struct regs;
	int status, i, sig, enters = 0, exits = 0;
	pid_t pid;

	ASSERT_NE(NULL, r);
	ASSERT_TRUE(trace_child(_metadata, r, &self->env, variant->batch,
				child_intercepted_ptrace,
				PTRACE_O_TRACESYSGOOD, PTRACE_SYSCALL, &pid));
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, async_wait_child(pid, &status, 0, CHILD_MS));
		if (!WIFSTOPPED(status))
			break;
		sig = WSTOPSIG(status);
		if (sig == (SIGTRAP | 0x80)) {
			ASSERT_EQ(0, ptrace(PTRACE_GETREGS, pid, NULL, &regs));
			if (regs.orig_rax == __NR_async_submit) {
				/* Syscall-enter stops show rax -ERRNO_NOSYS */
				if ((long long)regs.rax == -ERRNO_NOSYS) {
					enters++;
				} else {
					exits++;
					exit_rax = regs.rax;
				}
			}
			sig = 0;
		}
		ASSERT_EQ(0, ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig));
	}
	ASSERT_TRUE(child_ok(_metadata, r, status));
	EXPECT_EQ(-1, r->ret);
	EXPECT_EQ(EPERM, r->err);
	EXPECT_EQ(1, enters);
	EXPECT_EQ(1, exits);
	EXPECT_EQ(-EPERM, (long long)exit_rax);
	/* Refused before the array was read. */
	EXPECT_EQ(RESULT_SENTINEL, r->e[0].result);
	EXPECT_EQ(STATUS_SENTINEL, r->e[0].status);
	expect_no_dir(_metadata, self->env.dir);
}

/*
 * 12. With syscall user dispatch on (selector ALLOW), async_submit() fails
 * with EPERM and runs nothing; once it is off, submissions work.
 */
static char sud_selector = SYSCALL_DISPATCH_FILTER_ALLOW;

static void child_intercepted_sud(struct report *r,
				  const struct gates_env *env, bool batch)
{
	r->e[0] = ENTRY(__NR_mkdirat, AT_FDCWD, PTR(env->dir), 0700);
	if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, 0, 0,
		  &sud_selector)) {
		int err = errno;

		report_msg(r, "PR_SET_SYSCALL_USER_DISPATCH: %s", strerror(err));
		_exit(err == EINVAL ? KSFT_SKIP : CHILD_FAILED);
	}
	r->v[0] = sys_async_submit(r->e, 1, ENTRY_SIZE,
				   batch ? ASYNC_SUBMIT_BATCH : 0);
	r->v[1] = errno;
	r->v[2] = prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF, 0, 0, 0);
	r->e[1] = ENTRY(__NR_getpid);
	child_submit(r, 1, 1, batch);
}

TEST_F(gates, intercepted_sud)
{
	struct report *r = report_new();
	int status;
	pid_t pid;

	ASSERT_NE(NULL, r);
	pid = spawn(r, &self->env, variant->batch, child_intercepted_sud,
		    &status);
	ASSERT_GT(pid, 0);
	if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == KSFT_SKIP)
		SKIP(return, "%s (CONFIG_SYSCALL_USER_DISPATCH=n?)", r->msg);
	ASSERT_TRUE(child_ok(_metadata, r, status));
	EXPECT_EQ(-1, r->v[0]);
	EXPECT_EQ(EPERM, r->v[1]);
	EXPECT_EQ(RESULT_SENTINEL, r->e[0].result);
	EXPECT_EQ(STATUS_SENTINEL, r->e[0].status);
	expect_no_dir(_metadata, self->env.dir);
	EXPECT_EQ(0, r->v[2]) TH_LOG("PR_SYS_DISPATCH_OFF");
	ASSERT_EQ(1, r->ret) TH_LOG("async_submit after SUD off: %s",
				    strerror(r->err));
	ASSERT_TRUE(variant->batch || r->waited == -1);
	EXPECT_EQ(pid, r->e[1].result);
}

/*
 * 13. Audit: each entry gets its own SYSCALL record, as a direct call does;
 * a watch sees the entry's path. The test process is the audit daemon.
 */
static __u32 audit_seq;

/*
 * Send audit request @type with @len bytes of @data and wait for its
 * answer: with @reply, the reply of the same type copied into it, else the
 * ack. 0 or -errno.
 */
static int audit_request(int fd, __u16 type, const void *data, size_t len,
			 void *reply, size_t reply_len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	long long deadline = async_test_now_ms() + 5000, left;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	static __u32 buf[4096];
	struct nlmsghdr *h, *m;
	int ret = -ETIMEDOUT;
	__u32 seq = ++audit_seq;
	ssize_t n;
	int size;

	h = calloc(1, NLMSG_SPACE(len));
	if (!h)
		return -ENOMEM;
	h->nlmsg_len = NLMSG_LENGTH(len);
	h->nlmsg_type = type;
	/* A reply comes from a kthread, possibly after the ack: no ack. */
	h->nlmsg_flags = NLM_F_REQUEST | (reply ? 0 : NLM_F_ACK);
	h->nlmsg_seq = seq;
	if (len)
		memcpy(NLMSG_DATA(h), data, len);
	if (sendto(fd, h, h->nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		left = deadline - async_test_now_ms();
		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			break;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			ret = -errno;
			break;
		}
		size = n;
		for (m = (void *)buf; NLMSG_OK(m, size); m = NLMSG_NEXT(m, size)) {
			if (m->nlmsg_seq != seq)
				continue;
			if (m->nlmsg_type == NLMSG_ERROR) {
				ret = ((struct nlmsgerr *)NLMSG_DATA(m))->error;
				goto out;
			}
			if (reply && m->nlmsg_type == type) {
				memcpy(reply, NLMSG_DATA(m),
				       NLMSG_PAYLOAD(m, 0) < reply_len ?
				       NLMSG_PAYLOAD(m, 0) : reply_len);
				ret = 0;
				goto out;
			}
		}
	}
out:
	free(h);
	return ret;
}

/*
 * Add or delete (@type) the rule "-a always,exit -F arch=b64 -S openat
 * -F key=gates", or with @watch "-w @watch -p w -k gates-w".
 */
static int audit_rule(int fd, __u16 type, const char *watch)
{
	const char *key = watch ? AUDIT_WATCH_KEY : AUDIT_KEY;
	size_t wlen = watch ? strlen(watch) : 0, klen = strlen(key);
	struct audit_rule_data *d;
	unsigned int i = 0;
	size_t size;
	int ret;

	size = sizeof(*d) + wlen + klen;
	d = calloc(1, size);
	if (!d)
		return -ENOMEM;
	d->flags = AUDIT_FILTER_EXIT;
	d->action = AUDIT_ALWAYS;
	if (watch) {
		/* Every system call, as auditctl -w does. */
		memset(d->mask, 0xff, sizeof(d->mask));
		d->fields[i] = AUDIT_WATCH;
		d->values[i] = wlen;
		d->fieldflags[i++] = AUDIT_EQUAL;
		memcpy(d->buf, watch, wlen);
		d->fields[i] = AUDIT_PERM;
		d->values[i] = AUDIT_PERM_WRITE;
		d->fieldflags[i++] = AUDIT_EQUAL;
	} else {
		d->mask[AUDIT_WORD(__NR_openat)] |= AUDIT_BIT(__NR_openat);
		d->fields[i] = AUDIT_ARCH;
		d->values[i] = AUDIT_ARCH_X86_64;
		d->fieldflags[i++] = AUDIT_EQUAL;
	}
	d->fields[i] = AUDIT_FILTERKEY;
	d->values[i] = klen;
	d->fieldflags[i++] = AUDIT_EQUAL;
	memcpy(d->buf + wlen, key, klen);
	d->field_count = i;
	d->buflen = wlen + klen;
	ret = audit_request(fd, type, d, size, NULL, 0);
	free(d);
	return ret;
}

/* Give audit back as it was; 0 or the first error. */
static int audit_restore(struct gates_env *env)
{
	struct audit_status set = { 0 };
	int ret = 0, err;

	if (env->audit_fd < 0)
		return 0;
	if (env->audit_rule[0]) {
		ret = audit_rule(env->audit_fd, AUDIT_DEL_RULE, NULL);
		env->audit_rule[0] = false;
	}
	if (env->audit_rule[1]) {
		err = audit_rule(env->audit_fd, AUDIT_DEL_RULE, env->watch);
		ret = ret ?: err;
		env->audit_rule[1] = false;
	}
	if (env->audit_registered) {
		set.mask = AUDIT_STATUS_ENABLED | AUDIT_STATUS_PID;
		set.enabled = env->audit_old_enabled;
		set.pid = 0;
		err = audit_request(env->audit_fd, AUDIT_SET, &set, sizeof(set),
				    NULL, 0);
		ret = ret ?: err;
		env->audit_registered = false;
	}
	close(env->audit_fd);
	env->audit_fd = -1;
	return ret;
}

#define AUDIT_MAX_RECS	64

struct audit_rec {
	unsigned int serial;
	int type;
	char text[1024];
};

/*
 * Read records until @want SYSCALL records of process @pid came and then
 * none for 500 ms, or 10 s passed: those SYSCALL records into @sys, the
 * PATH records of any process into @path. Their numbers in @nr_sys and
 * @nr_path.
 */
static void audit_read(int fd, pid_t pid, int want, struct audit_rec *sys,
		       int *nr_sys, struct audit_rec *path, int *nr_path)
{
	long long deadline = async_test_now_ms() + 10000;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	static __u32 buf[4096];
	char pid_field[32];
	struct nlmsghdr *m;
	struct audit_rec *rec;
	size_t len;
	ssize_t n;
	int size;

	snprintf(pid_field, sizeof(pid_field), " pid=%d ", pid);
	*nr_sys = 0;
	*nr_path = 0;
	while (async_test_now_ms() < deadline) {
		if (poll(&pfd, 1, 500) <= 0) {
			if (*nr_sys >= want)
				break;
			continue;
		}
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			continue;
		size = n;
		/* Audit sends one record a datagram (see nlmsg_len below). */
		for (m = (void *)buf; size >= NLMSG_HDRLEN; size = 0) {
			if (m->nlmsg_type != AUDIT_SYSCALL &&
			    m->nlmsg_type != AUDIT_PATH)
				continue;
			if (m->nlmsg_type == AUDIT_SYSCALL && *nr_sys < AUDIT_MAX_RECS)
				rec = &sys[*nr_sys];
			else if (m->nlmsg_type == AUDIT_PATH && *nr_path < AUDIT_MAX_RECS)
				rec = &path[*nr_path];
			else
				continue;
			/*
			 * Audit sets nlmsg_len to the length of the text
			 * alone, without the header (as auditd reads it), so
			 * NLMSG_PAYLOAD() would cut the last 16 bytes.
			 */
			len = m->nlmsg_len;
			if (len > (size_t)size - NLMSG_HDRLEN)
				len = size - NLMSG_HDRLEN;
			if (len >= sizeof(rec->text))
				len = sizeof(rec->text) - 1;
			memcpy(rec->text, NLMSG_DATA(m), len);
			rec->text[len] = '\0';
			rec->type = m->nlmsg_type;
			if (sscanf(rec->text, "audit(%*u.%*u:%u)", &rec->serial) != 1)
				continue;
			if (m->nlmsg_type == AUDIT_PATH)
				(*nr_path)++;
			else if (strstr(rec->text, pid_field))
				(*nr_sys)++;
		}
	}
}

/* The value of field @name of record @text into @out: whether it has one. */
static bool audit_field(const char *text, const char *name, char *out,
			size_t size)
{
	char pattern[32];
	const char *p;
	size_t n;

	snprintf(pattern, sizeof(pattern), " %s=", name);
	p = strstr(text, pattern);
	if (!p)
		return false;
	p += strlen(pattern);
	n = strcspn(p, " ");
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* Check field @name of record @text against @expected. */
static void expect_field(struct __test_metadata *_metadata, const char *text,
			 const char *name, const char *expected)
{
	char val[256] = "";

	EXPECT_TRUE(audit_field(text, name, val, sizeof(val)))
		TH_LOG("no %s= in %s", name, text);
	EXPECT_STREQ(expected, val) TH_LOG("%s", text);
}

/* The SYSCALL record whose a2 is @a2, of @nr; NULL if not exactly one. */
static const struct audit_rec *audit_find(const struct audit_rec *sys, int nr,
					  unsigned long long a2)
{
	const struct audit_rec *found = NULL;
	char want[32], v[32];
	int i;

	snprintf(want, sizeof(want), "%llx", a2);
	for (i = 0; i < nr; i++) {
		if (!audit_field(sys[i].text, "a2", v, sizeof(v)) || strcmp(v, want))
			continue;
		if (found)
			return NULL;
		found = &sys[i];
	}
	return found;
}

static const unsigned int audit_open_flags[3] = {
	O_CLOEXEC, O_NONBLOCK, O_CLOEXEC | O_NONBLOCK,
};

#define AUDIT_WATCH_FLAGS	(O_WRONLY | O_CREAT | O_CLOEXEC)

static void child_audit_records(struct report *r, const struct gates_env *env,
				bool batch)
{
	unsigned int i;

	for (i = 0; i < 3; i++)
		r->e[i] = ENTRY(__NR_openat, AT_FDCWD, PTR(r->devnull),
				O_RDONLY | audit_open_flags[i], GATES_MODE);
	r->e[3] = ENTRY(__NR_openat, AT_FDCWD, PTR(env->watch),
			AUDIT_WATCH_FLAGS, GATES_MODE);
	child_submit(r, 0, 4, batch);
}

TEST_F_TIMEOUT(gates, audit_records, 60)
{
	static struct audit_rec sys[AUDIT_MAX_RECS], path[AUDIT_MAX_RECS];
	struct gates_env *env = &self->env;
	struct audit_status st = { 0 }, set = { 0 };
	const struct audit_rec *rec;
	int status, fd, nr_sys, nr_path, i, j, paths;
	char v[64], name[96];
	struct report *r;
	pid_t pid;

	env->audit_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
			       NETLINK_AUDIT);
	if (env->audit_fd < 0 && errno == EPROTONOSUPPORT)
		SKIP(return, "no NETLINK_AUDIT (CONFIG_AUDIT=n)");
	ASSERT_LE(0, env->audit_fd) TH_LOG("NETLINK_AUDIT: %s", strerror(errno));
	fd = env->audit_fd;
	ASSERT_EQ(0, audit_request(fd, AUDIT_GET, NULL, 0, &st, sizeof(st)));
	/* A daemon that is gone (a test killed by a timeout) is replaced. */
	if (st.pid && !(kill(st.pid, 0) && errno == ESRCH))
		SKIP(return, "an audit daemon runs (pid %u)", st.pid);
	env->audit_old_enabled = st.enabled;
	set.mask = AUDIT_STATUS_ENABLED | AUDIT_STATUS_PID;
	set.enabled = 1;
	set.pid = getpid();
	ASSERT_EQ(0, audit_request(fd, AUDIT_SET, &set, sizeof(set), NULL, 0));
	env->audit_registered = true;
	i = open(env->watch, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ASSERT_LE(0, i);
	close(i);
	ASSERT_EQ(0, audit_rule(fd, AUDIT_ADD_RULE, env->watch));
	env->audit_rule[1] = true;
	/* Left over if a test was killed by a timeout. */
	audit_rule(fd, AUDIT_DEL_RULE, NULL);
	ASSERT_EQ(0, audit_rule(fd, AUDIT_ADD_RULE, NULL));
	env->audit_rule[0] = true;

	/* Forked after audit was enabled, so it has an audit context. */
	r = report_new();
	ASSERT_NE(NULL, r);
	pid = spawn(r, env, variant->batch, child_audit_records, &status);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(child_ok(_metadata, r, status));
	expect_all_done(_metadata, r, 4, variant->batch);
	for (i = 0; i < 4; i++)
		EXPECT_LE(0, r->e[i].result) TH_LOG("openat entry %d", i);

	audit_read(fd, pid, 4, sys, &nr_sys, path, &nr_path);
	EXPECT_EQ(0, audit_restore(env));
	/* One record per entry, none for async_submit() itself. */
	ASSERT_EQ(4, nr_sys) TH_LOG("SYSCALL records of the child");
	for (i = 0; i < 4; i++) {
		unsigned long long a2 = i < 3 ? O_RDONLY | audit_open_flags[i] :
					AUDIT_WATCH_FLAGS;

		rec = audit_find(sys, nr_sys, a2);
		ASSERT_NE(NULL, rec) TH_LOG("entry %d: no single record with a2=%llx",
					    i, a2);
		expect_field(_metadata, rec->text, "arch", "c000003e");
		expect_field(_metadata, rec->text, "syscall", "257");
		expect_field(_metadata, rec->text, "success", "yes");
		snprintf(v, sizeof(v), "%lld", (long long)r->e[i].result);
		expect_field(_metadata, rec->text, "exit", v);
		snprintf(v, sizeof(v), "%llx", (unsigned long long)r->e[i].args[0]);
		expect_field(_metadata, rec->text, "a0", v);
		snprintf(v, sizeof(v), "%llx", (unsigned long long)r->e[i].args[1]);
		expect_field(_metadata, rec->text, "a1", v);
		expect_field(_metadata, rec->text, "a3", "1a5");
		/* On a worker, which is named so. */
		if (!variant->batch)
			expect_field(_metadata, rec->text, "comm",
				     "\"" ASYNC_WORKER_COMM "\"");
		expect_field(_metadata, rec->text, "key",
			     i < 3 ? "\"" AUDIT_KEY "\"" : "\"" AUDIT_WATCH_KEY "\"");
		if (i < 3)
			continue;
		/* The watched file's PATH record, in the same event. */
		snprintf(name, sizeof(name), " name=\"%s\" ", env->watch);
		paths = 0;
		for (j = 0; j < nr_path; j++)
			paths += path[j].serial == rec->serial &&
				 strstr(path[j].text, name);
		EXPECT_EQ(1, paths) TH_LOG("PATH records of event %u naming %s",
					   rec->serial, env->watch);
	}
}

/*
 * 14. Tracepoints: sys_enter/sys_exit of each entry fire on the thread that
 * runs it, with its arguments and result, as for a direct call; an entry
 * that seccomp stopped fires sys_exit only, as directly.
 */
static const char * const trace_events[] = {
	"syscalls/sys_enter_openat", "syscalls/sys_exit_openat",
	"syscalls/sys_enter_mkdirat", "syscalls/sys_exit_mkdirat",
};

static const unsigned int trace_open_flags[3] = {
	O_CLOEXEC, O_NONBLOCK, O_APPEND,
};

static const char * const trace_open_names[3] = {
	"O_CLOEXEC", "O_NONBLOCK", "O_APPEND",
};

static int trace_write(const char *file, const char *s)
{
	char path[256];

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	return write_file(path, s, 0);
}

static void trace_events_off(struct gates_env *env)
{
	char path[128];
	unsigned int i;

	if (!env->trace_events)
		return;
	for (i = 0; i < ARRAY_SIZE(trace_events); i++) {
		snprintf(path, sizeof(path), "events/%s/enable", trace_events[i]);
		trace_write(path, "0");
	}
	trace_write("events/syscalls/sys_enter_openat/filter", "0");
	env->trace_events = false;
}

static void trace_cleanup(struct gates_env *env)
{
	trace_events_off(env);
	if (env->tracefs_mounted) {
		umount(TRACEFS);
		env->tracefs_mounted = false;
	}
}

static void child_tracepoints(struct report *r, const struct gates_env *env,
			      bool batch, int ready, int go)
{
	static const struct rule rules[] = {
		RULE(__NR_mkdirat, SECCOMP_RET_ERRNO | ENOKEY),
	};
	struct pollfd pfd = { .fd = go, .events = POLLIN };
	struct async_syscall_entry *e = r->e;
	struct dirent *d;
	unsigned int i;
	DIR *tasks;
	char c;

	/* Listed later without openat(), which would show in the trace. */
	tasks = opendir("/proc/self/task");
	if (!tasks)
		child_fail(r, "/proc/self/task: %s", strerror(errno));
	child_filter(r, rules, ARRAY_SIZE(rules), 0);
	if (write(ready, "r", 1) != 1 || poll(&pfd, 1, DONE_MS) != 1 ||
	    read(go, &c, 1) != 1)
		child_fail(r, "no go");

	r->v[0] = syscall(__NR_openat, AT_FDCWD, r->devnull,
			  O_RDONLY | O_NOCTTY, GATES_MODE);
	for (i = 0; i < 3; i++) {
		e[i] = ENTRY(__NR_openat, AT_FDCWD, PTR(r->devnull),
			     O_RDONLY | trace_open_flags[i], GATES_MODE);
		e[i].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	}
	e[3] = ENTRY(__NR_mkdirat, AT_FDCWD, PTR(env->dir), 0700);
	child_submit(r, 0, 4, batch);
	r->v[1] = direct_errno(syscall(__NR_mkdirat, AT_FDCWD, env->dir, 0700));

	rewinddir(tasks);
	while ((d = readdir(tasks)) && r->nr_tids < REPORT_TIDS) {
		if (d->d_name[0] != '.')
			r->tids[r->nr_tids++] = atoi(d->d_name);
	}
	closedir(tasks);
}

enum trace_kind { OPEN_ENTER, OPEN_EXIT, MKDIR_ENTER, MKDIR_EXIT, NR_KINDS };

struct trace_line {
	pid_t tid;
	enum trace_kind kind;
	unsigned long long ret;
	char text[256];
};

#define TRACE_MAX_LINES	64

/* The thread id of a line of the trace file ("comm-tid [cpu] ..."). */
static bool trace_line_tid(const char *line, pid_t *tid)
{
	const char *p = strstr(line, " [");
	const char *end;

	if (!p)
		return false;
	while (p > line && p[-1] == ' ')
		p--;
	end = p;
	while (p > line && p[-1] >= '0' && p[-1] <= '9')
		p--;
	if (p == end || p == line || p[-1] != '-')
		return false;
	*tid = atoi(p);
	return true;
}

/* The lines of our four events by the threads @tids: how many, or -errno. */
static int trace_read(const pid_t *tids, int nr_tids, struct trace_line *lines)
{
	static const char * const marks[NR_KINDS] = {
		"sys_openat(", "sys_openat -> ", "sys_mkdirat(", "sys_mkdirat -> ",
	};
	char *line = NULL, *p;
	size_t cap = 0;
	int n = 0, i, k;
	FILE *f;
	pid_t tid;

	f = fopen(TRACEFS "/trace", "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		if (line[0] == '#' || !trace_line_tid(line, &tid))
			continue;
		for (i = 0; i < nr_tids && tids[i] != tid; i++)
			;
		if (i == nr_tids)
			continue;
		for (k = 0; k < NR_KINDS; k++) {
			p = strstr(line, marks[k]);
			if (p)
				break;
		}
		if (k == NR_KINDS || n == TRACE_MAX_LINES)
			continue;
		lines[n].tid = tid;
		lines[n].kind = k;
		lines[n].ret = k == OPEN_EXIT || k == MKDIR_EXIT ?
			       strtoull(p + strlen(marks[k]), NULL, 16) : 0;
		snprintf(lines[n].text, sizeof(lines[n].text), "%s", p);
		n++;
	}
	free(line);
	fclose(f);
	return n;
}

/* How many of @lines are of @kind, by @tid (0: any), containing @s. */
static int trace_count(const struct trace_line *lines, int n,
		       enum trace_kind kind, pid_t tid, const char *s)
{
	int i, count = 0;

	for (i = 0; i < n; i++)
		count += lines[i].kind == kind && (!tid || lines[i].tid == tid) &&
			 (!s || strstr(lines[i].text, s));
	return count;
}

/* How many exit lines of @kind by @tid returned @ret. */
static int trace_count_ret(const struct trace_line *lines, int n,
			   enum trace_kind kind, pid_t tid, __s64 ret)
{
	int i, count = 0;

	for (i = 0; i < n; i++)
		count += lines[i].kind == kind && lines[i].tid == tid &&
			 lines[i].ret == (unsigned long long)ret;
	return count;
}

TEST_F_TIMEOUT(gates, tracepoints, 60)
{
	static struct trace_line lines[TRACE_MAX_LINES];
	struct gates_env *env = &self->env;
	struct pollfd pfd = { .events = POLLIN };
	int ready[2], go[2], status, n, i, k;
	pid_t pid, runner = 0;
	struct report *r;
	char path[128], c;

	if (access(TRACEFS "/trace", F_OK)) {
		if (mount("tracefs", TRACEFS, "tracefs", 0, NULL))
			SKIP(return, "tracefs: %s", strerror(errno));
		env->tracefs_mounted = true;
	}
	if (access(TRACEFS "/events/syscalls/sys_enter_openat", F_OK))
		SKIP(return, "no syscall events (CONFIG_FTRACE_SYSCALLS=n)");
	r = report_new();
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		child_tracepoints(r, env, variant->batch, ready[1], go[0]);
		_exit(0);
	}
	pfd.fd = ready[0];
	if (poll(&pfd, 1, CHILD_MS) != 1 || read(ready[0], &c, 1) != 1) {
		kill(pid, SIGKILL);
		reap(pid);
		ASSERT_TRUE(0) TH_LOG("the child is not ready: %s", r->msg);
	}

	/* The openat() calls of this test, by mode; any exit. */
	env->trace_events = true;
	ASSERT_EQ(0, trace_write("events/syscalls/sys_enter_openat/filter",
				 "mode == 0x1a5"));
	for (i = 0; i < (int)ARRAY_SIZE(trace_events); i++) {
		snprintf(path, sizeof(path), "events/%s/enable", trace_events[i]);
		ASSERT_EQ(0, trace_write(path, "1")) TH_LOG("%s", path);
	}
	ASSERT_EQ(0, write_file(TRACEFS "/trace", "", O_TRUNC));
	ASSERT_EQ(1, write(go[1], "g", 1));
	status = reap(pid);
	trace_events_off(env);
	ASSERT_TRUE(child_ok(_metadata, r, status));
	expect_all_done(_metadata, r, 4, variant->batch);
	ASSERT_LE(0, r->v[0]) TH_LOG("direct openat()");
	for (k = 0; k < 3; k++)
		EXPECT_LE(0, r->e[k].result) TH_LOG("openat entry %d", k);
	EXPECT_EQ(-ENOKEY, r->e[3].result);
	EXPECT_EQ(ENOKEY, r->v[1]) TH_LOG("direct mkdirat()");
	ASSERT_LE(1, r->nr_tids);

	n = trace_read(r->tids, r->nr_tids, lines);
	write_file(TRACEFS "/trace", "", O_TRUNC);
	ASSERT_LE(0, n) TH_LOG("%s/trace: %s", TRACEFS, strerror(-n));

	/* The direct call, on the child's thread. */
	EXPECT_EQ(1, trace_count(lines, n, OPEN_ENTER, pid, "O_NOCTTY"));
	EXPECT_EQ(1, trace_count_ret(lines, n, OPEN_EXIT, pid, r->v[0]));

	/* The entries, each once, all on the thread that runs the chain. */
	for (i = 0; i < n && !runner; i++) {
		if (lines[i].kind == OPEN_ENTER &&
		    strstr(lines[i].text, trace_open_names[0]))
			runner = lines[i].tid;
	}
	ASSERT_NE(0, runner) TH_LOG("no sys_enter_openat line of entry 0");
	/* Batch: the submitting thread; async: a worker. */
	EXPECT_EQ(variant->batch, runner == pid)
		TH_LOG("entries on thread %d, the child is %d", runner, pid);
	EXPECT_EQ(4, trace_count(lines, n, OPEN_ENTER, 0, NULL));
	EXPECT_EQ(4, trace_count(lines, n, OPEN_EXIT, 0, NULL));
	for (k = 0; k < 3; k++) {
		EXPECT_EQ(1, trace_count(lines, n, OPEN_ENTER, 0,
					 trace_open_names[k]))
			TH_LOG("sys_enter_openat lines of entry %d", k);
		EXPECT_EQ(1, trace_count(lines, n, OPEN_ENTER, runner,
					 trace_open_names[k]))
			TH_LOG("entry %d not on thread %d", k, runner);
		EXPECT_EQ(1, trace_count_ret(lines, n, OPEN_EXIT, runner,
					     r->e[k].result))
			TH_LOG("sys_exit_openat lines of entry %d", k);
	}
	/* Each with the path, read from the process's memory. */
	EXPECT_EQ(4, trace_count(lines, n, OPEN_ENTER, 0, "\"/dev/null\""));

	/* Stopped by seccomp: sys_exit only, for the entry and the direct call. */
	EXPECT_EQ(0, trace_count(lines, n, MKDIR_ENTER, 0, NULL));
	EXPECT_EQ(2, trace_count(lines, n, MKDIR_EXIT, 0, NULL));
	EXPECT_EQ(variant->batch ? 2 : 1,
		  trace_count_ret(lines, n, MKDIR_EXIT, runner, -ENOKEY));
	EXPECT_EQ(variant->batch ? 2 : 1,
		  trace_count_ret(lines, n, MKDIR_EXIT, pid, -ENOKEY));
	if (_metadata->exit_code != KSFT_PASS) {
		TH_LOG("child %d, threads listed %d, trace lines:", pid,
		       r->nr_tids);
		for (i = 0; i < n; i++)
			TH_LOG("tid %d: %s", lines[i].tid, lines[i].text);
	}
}

TEST_HARNESS_MAIN
