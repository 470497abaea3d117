/* SPDX-License-Identifier: MIT */
/* capture_helper.c - run pktmon-capture. `pktmon` itself has no privilege, so whatever it
 * runs here runs with the caller's rights, except the installed helper's file capabilities. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture_helper.h"

#define HELPER_NAME "pktmon-capture"

const char *capture_helper_path(char *buf, size_t len)
{
	const char *env = getenv("PKTMON_CAPTURE_HELPER");
	if (env && *env)
		return env;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = 0;
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			if ((size_t)snprintf(buf, len, "%s/" HELPER_NAME, self) < len && access(buf, F_OK) == 0)
				return buf;
		}
	}
	return PKTMON_CAPTURE_HELPER_PATH;
}

int capture_helper_exec(char **argv, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	const char *path = capture_helper_path(buf, sizeof(buf));
	argv[0] = HELPER_NAME;
	execv(path, argv);
	int e = errno;
	snprintf(err, errlen, "cannot run the capture helper %s: %s%s", path, strerror(e),
		 e == EACCES ? " (capturing is for root and the members of group " PKTMON_CAPTURE_GROUP ")" : "");
	return -1;
}
