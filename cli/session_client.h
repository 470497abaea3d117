/* SPDX-License-Identifier: MIT */
/* session_client.h - `pktmon` talks to its background session (common/control_protocol.h). */
#ifndef PKTMON_SESSION_CLIENT_H
#define PKTMON_SESSION_CLIENT_H

#include <stddef.h>
#include <sys/un.h>

/* The session's socket address in the run folder (created when `create`). */
int ctl_socket_address(struct sockaddr_un *a, int create, char *err, size_t errlen);

/* Sends `request`, returns the whole answer (malloc'ed) or NULL with errno ENOENT when no
 * session runs (and a message in err either way). */
char *ctl_request(const char *request, char *err, size_t errlen);

#endif
