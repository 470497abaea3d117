/* SPDX-License-Identifier: MIT */
/* daemon.h - a background capture session and its control socket. */
#ifndef PKTMON_DAEMON_H
#define PKTMON_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

#include "capture_run.h"

#define CTL_SOCKET "session.sock"
#define CTL_VERSION_LINE "pktmon-ctl 1"

/* Forks the session into the background; returns once it is capturing (0) or failed (1). */
int daemon_start(struct start_opts *o);

/* Serves requests for up to timeout_ms; sets *stop on a `stop` request. */
void ctl_poll(struct ctl_server *ctl, pktmon_session *s, int timeout_ms, bool *stop);
/* After the session stopped: answer the `stop` request with the final figures. */
void ctl_finish(struct ctl_server *ctl, pktmon_session *s, const char *file);

/* Client side: sends `request`, returns the whole answer (malloc'ed) or NULL with
 * errno ENOENT when no session runs. */
char *ctl_request(const char *request, char *err, size_t errlen);

#endif
