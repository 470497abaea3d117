/* SPDX-License-Identifier: MIT */
/*
 * netns_hooks.c - the netfilter hooks in every network namespace: BPF netfilter
 * links, or the owned nftables table the fallbacks need; rescanning for
 * namespaces that came and went.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "capture_event.h"
#include "capture.skel.h"
#include "netns.h"
#include "nf_link.h"
#include "nft_owner_table.h"
#include "nft_trace.h"
#include "session_internal.h"

#define NF_HOOKS 5

/* ---- namespaces and netfilter links --------------------------------------------------------- */

/* A reused inode with another cookie is another namespace: it gets its own
 * slot, and the old one, no longer seen, is detached. */
static struct nf_ns *nf_ns_find(pktmon_session *s, uint32_t inum, uint64_t cookie)
{
	for (size_t i = 0; i < s->nns; i++)
		if (s->ns[i].inum == inum && s->ns[i].cookie == cookie)
			return &s->ns[i];
	return NULL;
}

/* Fallbacks (fentry/kprobe on nf_hook_slow): make every hook point of the
 * caller's namespace run nf_hook_slow with a table of our own, then return to
 * the original namespace. The owning socket holds a reference to the
 * namespace: the rescan closes it when the namespace is no longer reachable. */
static int hook_points_netns(pktmon_session *s, struct nf_ns *slot)
{
	char table[64]; /* one per session: two sessions of a process may run at once */
	snprintf(table, sizeof(table), "pktmon_%d_%lx", (int)getpid(), (unsigned long)(uintptr_t)s);
	int sock = pm_nft_owner_table_create(table);
	if (setns(s->self_netns_fd, CLONE_NEWNET) < 0)
		pm_notify(s, PKTMON_STREAM_ERROR, "cannot return to the original network namespace: %s",
			  strerror(errno));
	if (sock < 0)
		return sock;
	slot->nft_sock = sock;
	slot->has_nft = true;
	return 1;
}

/* nftables tracing in the caller's namespace, to name the rule of a NETFILTER_DROP. Its failure
 * costs the rule's name only: said once per session, the capture goes on. */
static void trace_netns(pktmon_session *s, struct nf_ns *slot, int netns_fd)
{
	if (s->nnetns) { /* --netns: drops are reported only there */
		bool wanted = false;
		for (size_t i = 0; i < s->nnetns; i++)
			wanted |= s->netns[i] == slot->inum;
		if (!wanted)
			return;
	}
	if (pm_nft_trace_legacy_logs()) {
		pm_notify(s, PKTMON_STREAM_WARNING,
			  "netns %u: not naming nftables rules there: it has iptables-legacy tables and a kernel "
			  "logger, which would log a TRACE line for every traced packet",
			  slot->inum);
		return;
	}
	int err = 0;
	slot->trace = pm_nft_trace_open(s->trace_table, s->trace_matches, s->trace_nmatches,
					fcntl(netns_fd, F_DUPFD_CLOEXEC, 3), &err);
	if (!slot->trace && !s->rule_trace_warned) {
		s->rule_trace_warned = true;
		pm_notify(s, PKTMON_STREAM_WARNING,
			  "nftables tracing (naming the rule of a NETFILTER_DROP) is not available in netns %u: %s",
			  slot->inum, strerror(err));
	}
}

/* Attach the netfilter links in namespace `ns` from this thread, which enters
 * it and comes back. Returns the number of links made, or -errno. */
static int attach_netns(pktmon_session *s, const struct pm_netns *ns, struct nf_ns *slot)
{
	int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	/* the links do not need it: holding it would keep the namespace alive (the tracing sockets
	 * hold it anyway, as the fallbacks' table does: the rescan closes them when it is gone) */
	if (s->rule_trace)
		trace_netns(s, slot, fd);
	close(fd);
	if (s->h->nf_mechanism != PM_MECH_NF_LINK)
		return hook_points_netns(s, slot);
	int prog = bpf_program__fd(s->skel->progs.pm_nf);
	static const int families[2] = { PKTMON_NF_IPV4, PKTMON_NF_IPV6 };
	int made = 0, first_err = 0;
	for (int f = 0; f < 2; f++)
		for (int hook = 0; hook < NF_HOOKS; hook++) {
			if (!pm_want_layer(s, (enum pktmon_layer)(PKTMON_LAYER_NF_PREROUTING + hook)))
				continue;
			/* BPF hooks need a priority of their own: another session (or
			 * tool) may hold the first, so take the next free one */
			int l = -EBUSY;
			for (int p = 0; p < PM_NF_PRIORITY_TRIES && l == -EBUSY; p++)
				l = pm_nf_link_create(prog, families[f], hook, PM_NF_PRIORITY_FIRST + p);
			if (l < 0) {
				if (!first_err)
					first_err = l;
				continue;
			}
			slot->links[slot->nlinks++] = l;
			made++;
		}
	if (setns(s->self_netns_fd, CLONE_NEWNET) < 0)
		pm_notify(s, PKTMON_STREAM_ERROR, "cannot return to the original network namespace: %s",
			  strerror(errno));
	return made ? made : first_err;
}

void pm_detach_netns_hooks(struct nf_ns *n)
{
	for (int i = 0; i < n->nlinks; i++)
		close(n->links[i]);
	n->nlinks = 0;
	if (n->has_nft)
		close(n->nft_sock); /* the kernel deletes the owned table */
	n->has_nft = false;
}

void pm_detach_netns(struct nf_ns *n)
{
	pm_detach_netns_hooks(n);
	pm_nft_trace_close(n->trace); /* the kernel deletes the tracing table */
	n->trace = NULL;
}

/* Attach to namespaces not seen before; forget those that are gone. */
void pm_rescan_netns(pktmon_session *s)
{
	struct pm_netns *list;
	size_t n;
	if (pm_netns_scan(&list, &n) < 0)
		return;
	for (size_t i = 0; i < s->nns; i++)
		s->ns[i].seen = false;
	for (size_t i = 0; i < n; i++) {
		struct nf_ns *slot = nf_ns_find(s, list[i].inum, list[i].cookie);
		if (slot) {
			slot->seen = true;
			continue;
		}
		/* its name now, while it exists: its packets may be read after it is gone */
		const char *name = pm_netns_path_name(&list[i]);
		if (name && list[i].cookie) {
			pthread_mutex_lock(&s->lock);
			pm_netns_name_remember(s, list[i].inum, (uint32_t)list[i].cookie, name);
			pthread_mutex_unlock(&s->lock);
		}
		if (s->nns == s->ns_cap) {
			size_t cap = s->ns_cap ? s->ns_cap * 2 : 16;
			struct nf_ns *ns = realloc(s->ns, cap * sizeof(*ns));
			if (!ns)
				break;
			s->ns = ns;
			s->ns_cap = cap;
		}
		slot = &s->ns[s->nns];
		memset(slot, 0, sizeof(*slot));
		slot->inum = list[i].inum;
		slot->cookie = list[i].cookie;
		slot->seen = true;
		int rc = attach_netns(s, &list[i], slot);
		if (rc < 0) {
			/* the namespace may have just gone away; say so once and try again later */
			pm_notify(s, PKTMON_STREAM_WARNING, "netfilter hooks in netns %u (%s): %s", list[i].inum,
				  list[i].path, strerror(-rc));
			/* fallbacks still see hooks others registered there: keep it, do not retry */
			if (s->h->nf_mechanism == PM_MECH_NF_LINK) {
				pm_detach_netns(slot);
				continue;
			}
		}
		s->nns++;
	}
	if (s->nns > s->netns_hooked_max)
		s->netns_hooked_max = s->nns;
	/* namespaces that are gone: close their links */
	size_t w = 0;
	for (size_t i = 0; i < s->nns; i++) {
		if (!s->ns[i].seen) {
			pm_detach_netns(&s->ns[i]);
			continue;
		}
		s->ns[w++] = s->ns[i];
	}
	s->nns = w;
	free(list);
}
