/* SPDX-License-Identifier: MIT */
/* nft_trace.c - see nft_trace.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#ifdef PKTMON_HAVE_LIBNFTABLES
#include <nftables/libnftables.h>
#include <pthread.h>

#include "lazy_lib.h"
#endif

#include "nft_owner_table.h"
#include "nft_trace.h"
#include "nft_trace_parse.h"

#define TRACE_RCVBUF (8 << 20) /* room for ~20 ms of traces (drained that often) of ~100k packets/s */
#define RULE_CACHE   8

struct rule_cache {
	bool used;
	uint8_t family;
	uint64_t handle;
	char table[PM_NFT_NAME_MAX], chain[PM_NFT_NAME_MAX];
	char rule[1024], comment[256];
};

struct pm_nft_ns {
	int sock;     /* owns the table; subscribed to the traces */
	int query;    /* asks for rules */
	int netns_fd; /* the namespace, for libnftables' context (made when first needed) */
	uint32_t seq;
#ifdef PKTMON_HAVE_LIBNFTABLES
	struct nft_ctx *nft; /* made in the namespace: its socket lives there */
	bool nft_failed;
#endif
	struct pm_nft_recent recent;
	struct rule_cache cache[RULE_CACHE];
	unsigned cache_next;
};

#ifdef PKTMON_HAVE_LIBNFTABLES
/* libnftables' functions we call, resolved when a rule is first named (lazy_lib.h: why not linked) */
static struct {
	struct nft_ctx *(*ctx_new)(uint32_t);
	void (*ctx_free)(struct nft_ctx *);
	void (*output_set_flags)(struct nft_ctx *, unsigned int);
	int (*buffer_output)(struct nft_ctx *);
	int (*buffer_error)(struct nft_ctx *);
	int (*run_cmd_from_buffer)(struct nft_ctx *, const char *);
	const char *(*get_output_buffer)(struct nft_ctx *);
	const char *(*get_error_buffer)(struct nft_ctx *);
} nft;
static pthread_once_t nft_once = PTHREAD_ONCE_INIT;
static int nft_rc = -1;

static void nft_load(void)
{
	static const char *const names[] = { "nft_ctx_new",
					     "nft_ctx_free",
					     "nft_ctx_output_set_flags",
					     "nft_ctx_buffer_output",
					     "nft_ctx_buffer_error",
					     "nft_run_cmd_from_buffer",
					     "nft_ctx_get_output_buffer",
					     "nft_ctx_get_error_buffer" };
	void *f[8];
	char why[256];
	nft_rc = pm_lazy_lib_open(PKTMON_LIBNFTABLES_SONAME, names, f, 8, why, sizeof(why));
	if (nft_rc < 0) { /* rules are still named by table, chain, handle and comment */
		fprintf(stderr, "pktmon: drops will not show their nftables rule's text: %s\n", why);
		return;
	}
	/* POSIX: a dlsym result converts to the function's pointer type */
	memcpy(&nft.ctx_new, &f[0], sizeof(f[0]));
	memcpy(&nft.ctx_free, &f[1], sizeof(f[1]));
	memcpy(&nft.output_set_flags, &f[2], sizeof(f[2]));
	memcpy(&nft.buffer_output, &f[3], sizeof(f[3]));
	memcpy(&nft.buffer_error, &f[4], sizeof(f[4]));
	memcpy(&nft.run_cmd_from_buffer, &f[5], sizeof(f[5]));
	memcpy(&nft.get_output_buffer, &f[6], sizeof(f[6]));
	memcpy(&nft.get_error_buffer, &f[7], sizeof(f[7]));
}
#endif

bool pm_nft_trace_has_text(void)
{
#ifdef PKTMON_HAVE_LIBNFTABLES
	pthread_once(&nft_once, nft_load);
	return nft_rc == 0;
#else
	return false;
#endif
}


struct pm_nft_ns *pm_nft_trace_open(const char *table, const struct pm_nft_trace_match *m, int nmatches, int netns_fd,
				    int *err)
{
	struct pm_nft_ns *n = calloc(1, sizeof(*n));
	if (!n) {
		if (netns_fd >= 0)
			close(netns_fd);
		*err = ENOMEM;
		return NULL;
	}
	n->sock = n->query = -1;
	n->netns_fd = netns_fd; /* libnftables' context is made there when a rule is first named */
	const struct pm_nft_owner_opts o = {
		.priority = INT32_MIN, .nftrace_rule = true, .matches = m, .nmatches = nmatches
	};
	int fd = pm_nft_owner_table_create_ex(table, &o);
	if (fd < 0)
		goto fail_fd;
	n->sock = fd;
	int group = NFNLGRP_NFTRACE, size = TRACE_RCVBUF;
	/* the buffer first: traces flow as soon as we join */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
		fd = -errno;
		goto fail_fd;
	}
	fd = pm_nfnl_socket();
	if (fd < 0)
		goto fail_fd;
	n->query = fd;
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 }; /* a rule query never holds the consumer long */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return n;
fail_fd:
	*err = -fd;
	pm_nft_trace_close(n);
	return NULL;
}

void pm_nft_trace_close(struct pm_nft_ns *n)
{
	if (!n)
		return;
	if (n->sock >= 0)
		close(n->sock); /* the kernel deletes the owned table */
	if (n->query >= 0)
		close(n->query);
	if (n->netns_fd >= 0)
		close(n->netns_fd);
#ifdef PKTMON_HAVE_LIBNFTABLES
	if (n->nft)
		nft.ctx_free(n->nft); /* made: the library is loaded */
#endif
	pm_nft_recent_free(&n->recent);
	free(n);
}

uint64_t pm_nft_trace_drain(struct pm_nft_ns *n)
{
	/* each trace is a datagram of its own (~400 bytes): many per system call */
	enum { BATCH = 64, MSG = 4096 };
	static __thread uint8_t buf[BATCH][MSG];
	static __thread struct pm_nft_trace t;
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	uint64_t enobufs = 0;
	if (!n)
		return 0;
	for (int rounds = 0; rounds < 2048; rounds++) {
		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ buf[i], MSG };
			mm[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
		}
		int got = recvmmsg(n->sock, mm, BATCH, MSG_DONTWAIT, NULL);
		if (got < 0) {
			if (errno == ENOBUFS) {
				enobufs++;
				continue;
			}
			break; /* EAGAIN: all read */
		}
		for (int i = 0; i < got; i++) {
			size_t len = mm[i].msg_len;
			for (struct nlmsghdr *h = (struct nlmsghdr *)buf[i]; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
				if (pm_nft_trace_parse(h, h->nlmsg_len, &t) != 1)
					continue;
				pm_nft_recent_headers(&n->recent, &t);
				if (pm_nft_trace_is_drop(&t))
					pm_nft_recent_add(&n->recent, &t);
			}
		}
		if (got < BATCH)
			break;
	}
	return enobufs;
}

/* The rule's comment from its NFTA_RULE_USERDATA (NFT_MSG_GETRULE by handle). */
static void query_comment(struct pm_nft_ns *n, const struct pm_nft_trace *t, char *out, size_t outlen)
{
	uint8_t req[1024] = { 0 };
	struct nlmsghdr *h = (struct nlmsghdr *)req;
	h->nlmsg_type = NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETRULE;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = ++n->seq;
	struct nfgenmsg *g = (struct nfgenmsg *)(req + NLMSG_HDRLEN);
	g->nfgen_family = t->family;
	g->version = NFNETLINK_V0;
	size_t len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*g));
	const struct {
		uint16_t type;
		const void *v;
		size_t n;
	} attrs[3] = {
		{ NFTA_RULE_TABLE, t->table, strlen(t->table) + 1 },
		{ NFTA_RULE_CHAIN, t->chain, strlen(t->chain) + 1 },
		{ NFTA_RULE_HANDLE, NULL, 8 },
	};
	uint64_t be = (uint64_t)htonl((uint32_t)t->handle) << 32 | htonl((uint32_t)(t->handle >> 32));
	for (int i = 0; i < 3; i++) {
		struct nlattr *a = (struct nlattr *)(req + len);
		a->nla_type = attrs[i].type;
		a->nla_len = (uint16_t)(NLA_HDRLEN + attrs[i].n);
		memcpy(req + len + NLA_HDRLEN, attrs[i].v ? attrs[i].v : (const void *)&be, attrs[i].n);
		len += NLA_ALIGN(a->nla_len);
	}
	h->nlmsg_len = (uint32_t)len;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	if (sendto(n->query, req, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return;
	static __thread uint8_t buf[65536];
	for (int tries = 0; tries < 8; tries++) {
		ssize_t got = recv(n->query, buf, sizeof(buf), 0);
		if (got < 0)
			return; /* timed out: no comment */
		for (struct nlmsghdr *r = (struct nlmsghdr *)buf; NLMSG_OK(r, (size_t)got); r = NLMSG_NEXT(r, got)) {
			if (r->nlmsg_seq != n->seq)
				continue; /* an answer to an earlier query that timed out */
			if (r->nlmsg_type == NLMSG_ERROR || r->nlmsg_type == NLMSG_DONE)
				return;
			pm_nft_rule_comment(r, r->nlmsg_len, out, outlen);
		}
	}
}

#ifdef PKTMON_HAVE_LIBNFTABLES
/* libnftables' context, made in the namespace (its netlink socket lives where it is made), once. */
static struct nft_ctx *nft_ctx_in(struct pm_nft_ns *n, int self_netns_fd)
{
	if (n->nft || n->nft_failed)
		return n->nft;
	n->nft_failed = true;
	if (!pm_nft_trace_has_text())
		return NULL;
	if (n->netns_fd < 0 || self_netns_fd < 0 || setns(n->netns_fd, CLONE_NEWNET) < 0)
		return NULL;
	n->nft = nft.ctx_new(NFT_CTX_DEFAULT);
	if (setns(self_netns_fd, CLONE_NEWNET) < 0)
		fprintf(stderr, "pktmon: cannot return to the original network namespace: %s\n", strerror(errno));
	if (!n->nft)
		return NULL;
	n->nft_failed = false;
	/* stateless: a counter's values at the time of the lookup would mislead */
	nft.output_set_flags(n->nft, NFT_CTX_OUTPUT_HANDLE | NFT_CTX_OUTPUT_STATELESS);
	nft.buffer_output(n->nft);
	nft.buffer_error(n->nft);
	return n->nft;
}
#endif

/* The rule's text: libnftables lists the chain (a command string, never a file) in the namespace. */
static void query_text(struct pm_nft_ns *n, int self_netns_fd, const struct pm_nft_trace *t, char *out, size_t outlen)
{
#ifdef PKTMON_HAVE_LIBNFTABLES
	const char *fam = pm_nft_family_name(t->family);
	if (!fam || !pm_nft_name_ok(t->table) || !pm_nft_name_ok(t->chain) || !nft_ctx_in(n, self_netns_fd))
		return;
	char cmd[16 + 2 * PM_NFT_NAME_MAX];
	snprintf(cmd, sizeof(cmd), "list chain %s %s %s", fam, t->table, t->chain);
	if (nft.run_cmd_from_buffer(n->nft, cmd) == 0)
		pm_nft_rule_line(nft.get_output_buffer(n->nft), t->handle, out, outlen);
	nft.get_error_buffer(n->nft); /* reset it */
#else
	(void)n, (void)self_netns_fd, (void)t, (void)out, (void)outlen;
#endif
}

static const struct rule_cache *rule_for(struct pm_nft_ns *n, int self_netns_fd, const struct pm_nft_trace *t)
{
	for (int i = 0; i < RULE_CACHE; i++) {
		const struct rule_cache *c = &n->cache[i];
		if (c->used && c->family == t->family && c->handle == t->handle && !strcmp(c->table, t->table) &&
		    !strcmp(c->chain, t->chain))
			return c;
	}
	struct rule_cache *c = &n->cache[n->cache_next++ % RULE_CACHE];
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->family = t->family;
	c->handle = t->handle;
	snprintf(c->table, sizeof(c->table), "%s", t->table);
	snprintf(c->chain, sizeof(c->chain), "%s", t->chain);
	if (t->type == NFT_TRACETYPE_POLICY) {
		snprintf(c->rule, sizeof(c->rule), "policy drop");
		return c;
	}
	query_comment(n, t, c->comment, sizeof(c->comment));
	query_text(n, self_netns_fd, t, c->rule, sizeof(c->rule));
	return c;
}

bool pm_nft_trace_find(struct pm_nft_ns *n, int self_netns_fd, int hook, const uint8_t *frame, size_t len,
		       struct pm_nft_rule_info *out)
{
	if (!n)
		return false;
	const struct pm_nft_trace *t = pm_nft_recent_take(&n->recent, hook, frame, len);
	if (!t)
		return false;
	const char *fam = pm_nft_family_name(t->family);
	snprintf(out->table, sizeof(out->table), "%s %s", fam ? fam : "?", t->table);
	snprintf(out->chain, sizeof(out->chain), "%s", t->chain);
	out->handle = t->type == NFT_TRACETYPE_POLICY ? 0 : t->handle;
	const struct rule_cache *c = rule_for(n, self_netns_fd, t);
	snprintf(out->rule, sizeof(out->rule), "%s", c->rule);
	snprintf(out->comment, sizeof(out->comment), "%s", c->comment);
	return true;
}

/* The first bytes of a /proc file of the calling thread's namespace ("" when absent). */
static void read_proc(const char *path, char *buf, size_t len)
{
	buf[0] = 0;
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = 0;
	fclose(f);
}

bool pm_nft_trace_legacy_logs(void)
{
	static const struct {
		const char *tables, *logger;
	} fam[2] = {
		{ "/proc/thread-self/net/ip_tables_names", "/proc/sys/net/netfilter/nf_log/2" },
		{ "/proc/thread-self/net/ip6_tables_names", "/proc/sys/net/netfilter/nf_log/10" },
	};
	char buf[64];
	for (int i = 0; i < 2; i++) {
		read_proc(fam[i].tables, buf, sizeof(buf));
		if (!buf[0])
			continue; /* no legacy table of this family here */
		read_proc(fam[i].logger, buf, sizeof(buf));
		if (buf[0] && strncmp(buf, "NONE", 4))
			return true;
	}
	return false;
}
