/* SPDX-License-Identifier: MIT */
/* netns.h - find every network namespace on the host and name it. */
#ifndef PKTMON_NETNS_H
#define PKTMON_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pm_netns {
	uint32_t inum;  /* inode number: the namespace's identity while it lives */
	char path[64];  /* a path that opens it: /run/netns/NAME or /proc/PID/ns/net */
	uint64_t cookie; /* its net_cookie: unlike the inode, never reused; 0 if unknown */
};

/* Every namespace reachable through /run/netns or a process. A /run/netns
 * entry whose namespace is not mounted yet (`ip netns add` creates the file
 * first) is left out, so the next scan finds it. *list is malloc'ed. */
int pm_netns_scan(struct pm_netns **list, size_t *n);

/* The name a pm_netns_scan entry gives: NAME for /run/netns/NAME, else NULL. */
const char *pm_netns_path_name(const struct pm_netns *ns);

/*
 * The name of the namespace (inum, cookie): "host" for the initial namespace,
 * the `ip netns` name, else the inode number. cookie is the low 32 bits of
 * its net_cookie as the BPF programs read it (0: unknown); with one, a
 * /run/netns entry counts only if its namespace has that cookie, so a reused
 * inode number never lends a deleted namespace's name to a new one.
 */
void pm_netns_name(uint32_t inum, uint32_t cookie, char *buf, size_t len);

/* Inode of the initial ("host") namespace, found without reading
 * /proc/1/ns/net if need be; 0 if unknown. */
uint32_t pm_netns_host(void);

/* The net_cookie of the namespace at `path` (SO_NETNS_COOKIE on a socket made
 * there; Linux 5.14+). Enters it from the calling thread and comes back.
 * Returns 0 or -errno. */
int pm_netns_cookie(const char *path, uint64_t *cookie);

/* The namespace pm_netns_name labels `label` ("docker:web", "sleep:1234"), 0 if none. */
uint32_t pm_netns_find_by_label(const char *label);

/* Inode of the caller's namespace (0 on error). */
uint32_t pm_netns_self(void);

#endif
