/* SPDX-License-Identifier: MIT */
/* start_options.h - the options of `pktmon start`, parsed by `pktmon` (to choose foreground or
 * background, and to fail early) and again by pktmon-capture, which trusts nothing it is given. */
#ifndef PKTMON_START_OPTIONS_H
#define PKTMON_START_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
	bool memory;             /* --log-mode memory: circular in /dev/shm, written to file at the end */
	bool foreground;         /* stay attached to the terminal */
	int rule_trace;          /* --rule-trace 1, --no-rule-trace 0, -1: the library decides */
	bool filters_given;      /* --filter/--filters: the stored filters are not used */
	struct pm_filter filters[PKTMON_MAX_FILTERS];
	size_t nfilters;
	uint32_t netns[16];      /* --netns, resolved to inodes; none = every namespace */
	size_t nnetns;
	int control_fd;          /* pktmon-capture: the background session's listening socket, else -1 */
	int ready_fd;            /* pktmon-capture: where to say "OK" or "ERR ...", else -1 */
};

/* Parses `pktmon start` arguments; returns -1 when ready to run, else an exit code. */
int start_parse(int argc, char **argv, struct start_opts *o);
void start_usage(FILE *f);

#endif
