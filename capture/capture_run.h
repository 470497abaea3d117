/* SPDX-License-Identifier: MIT */
/* capture_run.h - one capture, as `pktmon start` describes it, run in the
 * foreground, as a background session (daemon.c) or for Wireshark (extcap.c). */
#ifndef PKTMON_CAPTURE_RUN_H
#define PKTMON_CAPTURE_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "pktmon/pktmon.h"

struct start_opts {
	struct pktmon_session_options so;
	const char *file;        /* pcapng path, "-" for stdout, NULL for none */
	const char *fifo;        /* Wireshark's fifo (extcap) */
	const char *control_in;  /* Wireshark's control toolbar fifos (extcap, GUI only) */
	const char *control_out;
	const char *comp;        /* all, nics, or layer names */
	const char *pcap_expr;
	unsigned long file_mb, run_for;
	enum pktmon_log_mode mode;
	bool realtime, quiet, show_counters;
	bool foreground;         /* stay attached to the terminal */
	bool filters_given;      /* --filter/--filters: the stored filters are not used */
	struct pm_filter filters[PKTMON_MAX_FILTERS];
	size_t nfilters;
	uint32_t netns[16];      /* --netns, resolved to inodes; none = every namespace */
	size_t nnetns;
};

/* Parses `pktmon start` arguments; returns -1 when ready to run, else an exit code. */
int start_parse(int argc, char **argv, struct start_opts *o);

/* The control socket of a background session (daemon.c); NULL in the foreground. */
struct ctl_server;

/* Runs the capture until a signal, --run-for, a failed output or a `stop`
 * request. `ready_fd` >= 0 gets "OK\n" or "ERR <message>\n" once the session
 * is attached (or failed to). Returns the exit code. */
int capture_run(struct start_opts *o, struct ctl_server *ctl, int ready_fd);

#endif
