/* SPDX-License-Identifier: MIT */
/* privileges.h - the capture helper's capabilities: what it keeps, and when it lets go. */
#ifndef PKTMON_PRIVILEGES_H
#define PKTMON_PRIVILEGES_H

#include <stdbool.h>
#include <stddef.h>

/* Whether file capabilities (not root) lifted this process: only then is anything dropped;
 * root stays root, as dumpcap does. */
bool privileges_elevated(void);

/* Before anything else: no ambient or inheritable capabilities for children, no new
 * privileges through exec. -1 with a message in err on failure. */
int privileges_lock(char *err, size_t errlen);

/* After the programs are loaded and attached: keep only what hooking namespaces created
 * later needs (CAP_SYS_ADMIN for setns, CAP_NET_ADMIN and CAP_BPF for the netfilter
 * links); CAP_PERFMON and CAP_SYSLOG go. Nothing happens for root. */
int privileges_drop_after_attach(char *err, size_t errlen);

#endif
