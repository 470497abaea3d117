/* SPDX-License-Identifier: MIT */
/* ctl_server.h - the server side of a background session's control socket. `pktmon start`
 * binds the socket in the caller's run folder and hands pktmon-capture the listening
 * descriptor: the helper never looks at the run folder. */
#ifndef PKTMON_CTL_SERVER_H
#define PKTMON_CTL_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "pktmon/pktmon.h"

struct ctl_server;

/* Takes over `listen_fd`, checked to be a listening unix stream socket; `file` is the
 * pcapng the session writes (NULL for none), shown by `status`. NULL with err on failure. */
struct ctl_server *ctl_server_adopt(int listen_fd, const char *file, char *err, size_t errlen);
void ctl_server_close(struct ctl_server *ctl);

/* Serves requests for up to timeout_ms; sets *stop on a `stop` request. */
void ctl_poll(struct ctl_server *ctl, pktmon_session *s, int timeout_ms, bool *stop);
/* After the session stopped: answer the `stop` request with the final figures. */
void ctl_finish(struct ctl_server *ctl, pktmon_session *s, const char *file);

#endif
