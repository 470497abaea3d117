/* SPDX-License-Identifier: MIT */
/* capture_run.h - one capture, as `pktmon start` describes it, run by pktmon-capture in the
 * foreground, as a background session (with a control socket) or for Wireshark (extcap). */
#ifndef PKTMON_CAPTURE_RUN_H
#define PKTMON_CAPTURE_RUN_H

#include "start_options.h"

/* The control socket of a background session (ctl_server.c); NULL in the foreground. */
struct ctl_server;

/* Runs the capture until a signal, --run-for, a failed output or a `stop`
 * request. `ready_fd` >= 0 gets "OK\n" or "ERR <message>\n" once the session
 * is attached (or failed to). Returns the exit code. */
int capture_run(struct start_opts *o, struct ctl_server *ctl, int ready_fd);

#endif
