// SPDX-License-Identifier: GPL-2.0

#include <linux/seccomp.h>

__rust_helper int rust_helper_seccomp_mode(struct seccomp *s)
{
	return seccomp_mode(s);
}
