// SPDX-License-Identifier: GPL-2.0
/*
 * async_chain_demo - one async_submit(2) call running a chain of three
 * system calls, each later one fed with the first one's result:
 *
 *   entry 0: fd = openat(AT_FDCWD, "/tmp/async_demo.txt", O_RDONLY)
 *   entry 1: read(fd, buf, sizeof(buf))    fd fed from entry 0's result
 *   entry 2: close(fd)                     fd fed from entry 0's result
 *
 * The file is first written, with plain system calls, with a known message;
 * the demo checks that the bytes read back are that message.
 *
 * Build: gcc -static -Wall -Wextra -I<tree>/include/uapi async_chain_demo.c
 * Exit:  0 on success, 1 if setup failed, 2 if async_submit(2) failed,
 *        3 if an entry's result or the data read is wrong.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/async_syscall.h>

#ifndef __NR_async_submit
#define __NR_async_submit 473	/* x86_64 */
#endif

#define DEMO_PATH	"/tmp/async_demo.txt"
#define DEMO_MSG	"hello from an async_submit(2) chain"

static const char *const entry_names[] = { "openat", "read", "close" };

static long async_submit(struct async_syscall_entry *entries,
			 unsigned int nr_entries, unsigned int flags)
{
	return syscall(__NR_async_submit, entries, nr_entries,
		       sizeof(*entries), flags);
}

/* Write DEMO_MSG (without a trailing NUL) to DEMO_PATH. */
static int write_demo_file(void)
{
	size_t len = strlen(DEMO_MSG);
	int fd;

	fd = open(DEMO_PATH, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror("async_chain_demo: open " DEMO_PATH);
		return -1;
	}
	if (write(fd, DEMO_MSG, len) != (ssize_t)len) {
		perror("async_chain_demo: write " DEMO_PATH);
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Take entries[@src].result as argument @slot of @e, through feed 0. */
static void feed0(struct async_syscall_entry *e, unsigned int src,
		  unsigned int slot)
{
	e->flags |= ASYNC_SYSCALL_ENTRY_FEED0;
	e->feed[0].src = src;
	e->feed[0].slot = slot;
}

int main(void)
{
	struct async_syscall_entry e[3];
	char buf[128];
	size_t len = strlen(DEMO_MSG);
	unsigned int i;
	long ret;
	int ok;

	if (write_demo_file())
		return 1;

	/* Unused fields (feeds, user_data, __reserved) must be zero. */
	memset(e, 0, sizeof(e));
	memset(buf, 0, sizeof(buf));

	/* Entry 0: open the file. LINK puts entry 1 in the same chain. */
	e[0].nr = __NR_openat;
	e[0].args[0] = (__u64)AT_FDCWD;
	e[0].args[1] = (__u64)(uintptr_t)DEMO_PATH;
	e[0].args[2] = O_RDONLY | O_CLOEXEC;
	e[0].flags = ASYNC_SYSCALL_ENTRY_LINK;

	/*
	 * Entry 1: read from the fd entry 0 returns. args[0] is a placeholder
	 * that the feed replaces; were entry 0 to fail, this entry would not
	 * run and would complete with -ECANCELED.
	 */
	e[1].nr = __NR_read;
	e[1].args[0] = (__u64)-1;
	e[1].args[1] = (__u64)(uintptr_t)buf;
	e[1].args[2] = sizeof(buf) - 1;
	e[1].flags = ASYNC_SYSCALL_ENTRY_LINK;
	feed0(&e[1], 0, 0);

	/* Entry 2: close that same fd; the last entry of the chain. */
	e[2].nr = __NR_close;
	e[2].args[0] = (__u64)-1;
	feed0(&e[2], 0, 0);

	/* Run the whole chain in this thread before the call returns. */
	ret = async_submit(e, 3, ASYNC_SUBMIT_BATCH);
	if (ret < 0) {
		fprintf(stderr, "async_chain_demo: async_submit: %s%s\n",
			strerror(errno),
			errno == ENOSYS ? " (kernel without CONFIG_ASYNC_SYSCALL?)" : "");
		return 2;
	}
	if (ret != 3) {
		fprintf(stderr, "async_chain_demo: async_submit returned %ld, not 3\n",
			ret);
		return 2;
	}

	for (i = 0; i < 3; i++) {
		printf("async_chain_demo: entry %u: nr=%u (%s) result=%lld status=%u (%s)\n",
		       i, e[i].nr, entry_names[i], (long long)e[i].result,
		       e[i].status,
		       e[i].status == ASYNC_SYSCALL_STATUS_DONE ? "done" : "NOT DONE");
		if (e[i].result < 0)
			printf("async_chain_demo:   entry %u failed: %s\n", i,
			       strerror((int)-e[i].result));
	}

	ok = e[0].result >= 0 &&
	     e[1].result == (__s64)len && memcmp(buf, DEMO_MSG, len) == 0 &&
	     e[2].result == 0;
	for (i = 0; i < 3; i++)
		ok = ok && e[i].status == ASYNC_SYSCALL_STATUS_DONE;

	if (e[1].result >= 0)
		printf("async_chain_demo: read %lld bytes: \"%s\"\n",
		       (long long)e[1].result, buf);

	if (!ok) {
		printf("async_chain_demo: FAIL (expected %zu bytes: \"%s\")\n",
		       len, DEMO_MSG);
		return 3;
	}
	printf("async_chain_demo: OK\n");
	return 0;
}
