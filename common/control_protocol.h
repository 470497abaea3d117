/* SPDX-License-Identifier: MIT */
/*
 * control_protocol.h - what `pktmon stop|status|counters|reset` (the client, cli/) and a
 * background session (the capture helper, capture/) say to each other over the unix
 * socket in the run folder. Line-based text with tab-separated fields, versioned by its
 * first line:
 *
 *   request:  status | counters | reset | stop            (one line)
 *   answer:   pktmon-ctl 1
 *             session PID RUNNING STARTED GENERATED WRITTEN LOST DROPS NETNS FILE
 *             comp ID LAYER RXPKTS RXBYTES TXPKTS TXBYTES DROPS LOST REASON|- NAME   (any number)
 *             drop ID REASON COUNT                                                  (any number)
 *             end
 *   or:       pktmon-ctl 1 / ok | error MESSAGE / end
 */
#ifndef PKTMON_CONTROL_PROTOCOL_H
#define PKTMON_CONTROL_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CTL_SOCKET "session.sock"
#define CTL_VERSION_LINE "pktmon-ctl 1"
#define CTL_REQUEST_MAX 64

enum ctl_request { CTL_REQ_UNKNOWN, CTL_REQ_STATUS, CTL_REQ_COUNTERS, CTL_REQ_RESET, CTL_REQ_STOP };

/* The request a line names (without its newline). */
enum ctl_request ctl_request_parse(const char *line);
const char *ctl_request_name(enum ctl_request req);

struct ctl_comp_row {
	unsigned id;
	char layer[32];
	unsigned long long rx_pkts, rx_bytes, tx_pkts, tx_bytes, drops, lost;
	char reason[64]; /* "" when none */
	char name[160];
};

struct ctl_drop_row {
	unsigned id;
	char reason[64];
	unsigned long long count;
};

/* A session's state: the answer to status, counters and stop. */
struct ctl_status {
	int pid, running;
	long long started;
	unsigned long long generated, written, lost, drops, netns;
	unsigned long long missed; /* observations the kernel skipped (pktmon_get_kernel_missed) */
	char file[4096]; /* "" when the session writes no file */
	struct ctl_comp_row *comps;
	size_t ncomps;
	struct ctl_drop_row *drops_by_reason;
	size_t ndrops;
	size_t comps_cap, drops_cap;
};

/* Adds one zeroed row (growing the arrays); NULL when out of memory. */
struct ctl_comp_row *ctl_status_add_comp(struct ctl_status *st);
struct ctl_drop_row *ctl_status_add_drop(struct ctl_status *st);
void ctl_status_free(struct ctl_status *st);

/* Server side. Text from the kernel or the user (names, reasons, the file name) loses
 * its control characters, so it cannot break the line framing. */
void ctl_status_write(FILE *f, const struct ctl_status *st);
void ctl_result_write(FILE *f, const char *error); /* "ok", or "error MESSAGE" when error */

/* Client side: whether an answer starts with our version line. */
bool ctl_answer_known(const char *text);
/* Parses a status answer (in place); lines it does not know are skipped. -1: out of memory. */
int ctl_status_parse(char *text, struct ctl_status *st);
/* Whether a reset/ok answer says ok. */
bool ctl_result_ok(const char *text);

#endif
