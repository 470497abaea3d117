/* SPDX-License-Identifier: MIT */
/*
 * privileges.c - capability handling of pktmon-capture, with the raw capget/capset
 * system calls (no libcap at build time). docs/PRIVILEGES.md says which capability is
 * needed for what.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privileges.h"

static uint64_t bit(unsigned cap)
{
	return 1ull << cap;
}

static int caps_get(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	return (int)syscall(SYS_capget, &hdr, data);
}

/* Keeps `keep` in the permitted and effective sets, nothing inheritable. */
static int caps_limit(uint64_t keep, char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	if (caps_get(data) < 0)
		goto fail;
	for (int i = 0; i < 2; i++) {
		uint32_t k = (uint32_t)(keep >> (32 * i));
		data[i].effective &= k;
		data[i].permitted &= k;
		data[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cannot set capabilities: %s", strerror(errno));
	return -1;
}

bool privileges_elevated(void)
{
	return getuid() != 0;
}

int privileges_lock(char *err, size_t errlen)
{
	/* older kernels lack ambient capabilities: nothing to clear then */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
		snprintf(err, errlen, "cannot clear ambient capabilities: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
		return -1;
	}
	if (!privileges_elevated())
		return 0;
	/* whatever else an administrator granted, we use only these */
	return caps_limit(bit(CAP_BPF) | bit(CAP_PERFMON) | bit(CAP_NET_ADMIN) | bit(CAP_SYS_ADMIN) | bit(CAP_SYSLOG),
			  err, errlen);
}

int privileges_drop_after_attach(char *err, size_t errlen)
{
	if (!privileges_elevated())
		return 0;
	return caps_limit(bit(CAP_BPF) | bit(CAP_NET_ADMIN) | bit(CAP_SYS_ADMIN), err, errlen);
}
