/* SPDX-License-Identifier: MIT */
/* session_client.c - the client side of the control socket. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control_protocol.h"
#include "rundir.h"
#include "session_client.h"

int ctl_socket_address(struct sockaddr_un *a, int create, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	return rundir_path(CTL_SOCKET, a->sun_path, sizeof(a->sun_path), create, err, errlen);
}

char *ctl_request(const char *request, char *err, size_t errlen)
{
	struct sockaddr_un a;
	if (ctl_socket_address(&a, 0, err, errlen) < 0)
		return NULL;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		if (e == ENOENT || e == ECONNREFUSED) {
			snprintf(err, errlen, "no pktmon session is running");
			errno = ENOENT;
		} else {
			snprintf(err, errlen, "cannot reach the session at %s: %s", a.sun_path, strerror(e));
			errno = e;
		}
		return NULL;
	}
	dprintf(fd, "%s\n", request);
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf)
			break;
		if (len + 1 >= cap) {
			char *b = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;
			if (!b) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = b;
			cap *= 2;
		}
		/* `stop` waits for the file to be finished: no deadline here */
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	buf[len] = 0;
	if (!ctl_answer_known(buf)) {
		snprintf(err, errlen, "the session answered in an unknown way (another pktmon version?)");
		free(buf);
		errno = EPROTO;
		return NULL;
	}
	return buf;
}
