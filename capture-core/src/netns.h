/* SPDX-License-Identifier: MIT */
/* netns.h - find every network namespace on the host and name it. */
#ifndef PKTMON_NETNS_H
#define PKTMON_NETNS_H

#include <stddef.h>
#include <stdint.h>

struct pm_netns {
	uint32_t inum;  /* inode number: the namespace's identity */
	char path[64];  /* a path that opens it: /run/netns/NAME or /proc/PID/ns/net */
};

/* Every namespace reachable through /run/netns or a process. *list is malloc'ed. */
int pm_netns_scan(struct pm_netns **list, size_t *n);

/* The `ip netns` name, "host" for the namespace of PID 1, else the inode number. */
void pm_netns_name(uint32_t inum, char *buf, size_t len);

/* Inode of the caller's namespace (0 on error). */
uint32_t pm_netns_self(void);

#endif
