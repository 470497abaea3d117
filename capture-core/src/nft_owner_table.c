/* SPDX-License-Identifier: MIT */
/* nft_owner_table.c - one nftables batch over raw netlink: a table, five base chains (and their rules). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "nft_owner_table.h"

#define MSG_SPACE 4096 /* the table and its chains */
#define RULE_SPACE 768 /* one rule: names, three matches, nftrace, accept */

struct nl_builder {
	uint8_t *buf; /* sized for the batch by pm_nft_owner_table_create_ex */
	size_t len;
	uint32_t seq;
	struct nlmsghdr *msg; /* the message being built */
};

static void *put(struct nl_builder *b, size_t n)
{
	void *p = b->buf + b->len;
	memset(p, 0, NLMSG_ALIGN(n));
	b->len += NLMSG_ALIGN(n);
	return p;
}

static void begin_msg(struct nl_builder *b, uint16_t type, uint16_t flags, uint8_t family, uint16_t res_id)
{
	b->msg = put(b, sizeof(struct nlmsghdr));
	b->msg->nlmsg_type = type;
	b->msg->nlmsg_flags = NLM_F_REQUEST | flags;
	b->msg->nlmsg_seq = ++b->seq;
	struct nfgenmsg *g = put(b, sizeof(*g));
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = htons(res_id);
}

static void end_msg(struct nl_builder *b)
{
	b->msg->nlmsg_len = (uint32_t)(b->buf + b->len - (uint8_t *)b->msg);
}

static struct nlattr *attr(struct nl_builder *b, uint16_t type, const void *data, size_t n)
{
	struct nlattr *a = put(b, NLA_HDRLEN + n);
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + n);
	if (n)
		memcpy((uint8_t *)a + NLA_HDRLEN, data, n);
	return a;
}

static void attr_str(struct nl_builder *b, uint16_t type, const char *s)
{
	attr(b, type, s, strlen(s) + 1);
}

static void attr_be32(struct nl_builder *b, uint16_t type, uint32_t v)
{
	uint32_t be = htonl(v);
	attr(b, type, &be, sizeof(be));
}

static uint16_t nft_type(int msg)
{
	return (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | msg);
}

static void nest_end(struct nl_builder *b, struct nlattr *nest)
{
	nest->nla_len = (uint16_t)(b->buf + b->len - (uint8_t *)nest);
}

/* Two expressions: a load into register 1 (meta key, or payload of the network header), then
 * `cmp eq` of register 1 with the value. */
static void put_load_cmp(struct nl_builder *b, uint32_t meta_key, uint32_t nh_off, const void *v, size_t n)
{
	struct nlattr *elem = attr(b, NLA_F_NESTED | NFTA_LIST_ELEM, NULL, 0);
	attr_str(b, NFTA_EXPR_NAME, meta_key ? "meta" : "payload");
	struct nlattr *data = attr(b, NLA_F_NESTED | NFTA_EXPR_DATA, NULL, 0);
	if (meta_key) {
		attr_be32(b, NFTA_META_DREG, NFT_REG_1);
		attr_be32(b, NFTA_META_KEY, meta_key);
	} else {
		attr_be32(b, NFTA_PAYLOAD_DREG, NFT_REG_1);
		attr_be32(b, NFTA_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
		attr_be32(b, NFTA_PAYLOAD_OFFSET, nh_off);
		attr_be32(b, NFTA_PAYLOAD_LEN, (uint32_t)n);
	}
	nest_end(b, data);
	nest_end(b, elem);
	elem = attr(b, NLA_F_NESTED | NFTA_LIST_ELEM, NULL, 0);
	attr_str(b, NFTA_EXPR_NAME, "cmp");
	data = attr(b, NLA_F_NESTED | NFTA_EXPR_DATA, NULL, 0);
	attr_be32(b, NFTA_CMP_SREG, NFT_REG_1);
	attr_be32(b, NFTA_CMP_OP, NFT_CMP_EQ);
	struct nlattr *val = attr(b, NLA_F_NESTED | NFTA_CMP_DATA, NULL, 0);
	attr(b, NFTA_DATA_VALUE, v, n);
	nest_end(b, val);
	nest_end(b, data);
	nest_end(b, elem);
}

/* `[meta nfproto X] [meta l4proto P] [ip saddr A] meta nftrace set 1 accept`: the matches (m, or none),
 * then immediate 1 into register 1 and meta set nftrace from it. */
static void put_nftrace_rule(struct nl_builder *b, const char *table, const char *chain,
			     const struct pm_nft_trace_match *m)
{
	begin_msg(b, nft_type(NFT_MSG_NEWRULE), NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK, NFPROTO_INET, 0);
	attr_str(b, NFTA_RULE_TABLE, table);
	attr_str(b, NFTA_RULE_CHAIN, chain);
	struct nlattr *list = attr(b, NLA_F_NESTED | NFTA_RULE_EXPRESSIONS, NULL, 0);
	if (m && m->family) {
		uint8_t nfproto = m->family == 4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
		put_load_cmp(b, NFT_META_NFPROTO, 0, &nfproto, 1);
	}
	if (m && m->proto)
		put_load_cmp(b, NFT_META_L4PROTO, 0, &m->proto, 1);
	if (m && m->ip_at && m->ip_len)
		put_load_cmp(b, 0, m->ip_at, m->ip, m->ip_len);
	struct nlattr *elem = attr(b, NLA_F_NESTED | NFTA_LIST_ELEM, NULL, 0);
	attr_str(b, NFTA_EXPR_NAME, "immediate");
	struct nlattr *data = attr(b, NLA_F_NESTED | NFTA_EXPR_DATA, NULL, 0);
	attr_be32(b, NFTA_IMMEDIATE_DREG, NFT_REG_1);
	struct nlattr *imm = attr(b, NLA_F_NESTED | NFTA_IMMEDIATE_DATA, NULL, 0);
	uint8_t one = 1;
	attr(b, NFTA_DATA_VALUE, &one, 1);
	nest_end(b, imm);
	nest_end(b, data);
	nest_end(b, elem);
	elem = attr(b, NLA_F_NESTED | NFTA_LIST_ELEM, NULL, 0);
	attr_str(b, NFTA_EXPR_NAME, "meta");
	data = attr(b, NLA_F_NESTED | NFTA_EXPR_DATA, NULL, 0);
	attr_be32(b, NFTA_META_KEY, NFT_META_NFTRACE);
	attr_be32(b, NFTA_META_SREG, NFT_REG_1);
	nest_end(b, data);
	nest_end(b, elem);
	/* accept: this chain is done, the hook's next chains run as after our policy accept, and the
	 * kernel sends one trace message for our chain (the rule's verdict) instead of two (the rule's
	 * continue, then the policy) */
	elem = attr(b, NLA_F_NESTED | NFTA_LIST_ELEM, NULL, 0);
	attr_str(b, NFTA_EXPR_NAME, "immediate");
	data = attr(b, NLA_F_NESTED | NFTA_EXPR_DATA, NULL, 0);
	attr_be32(b, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
	struct nlattr *vdata = attr(b, NLA_F_NESTED | NFTA_IMMEDIATE_DATA, NULL, 0);
	struct nlattr *verdict = attr(b, NLA_F_NESTED | NFTA_DATA_VERDICT, NULL, 0);
	attr_be32(b, NFTA_VERDICT_CODE, NF_ACCEPT);
	nest_end(b, verdict);
	nest_end(b, vdata);
	nest_end(b, data);
	nest_end(b, elem);
	nest_end(b, list);
	end_msg(b);
}

/* Every packet enters a namespace's hooks at PREROUTING (received) or OUTPUT (sent), and skb->nf_trace
 * stays set along its way through the namespace: tracing chains there only halve the messages ours
 * add (each chain a packet crosses sends one per rule and one for its policy). */
static bool tracing_hook(int hook)
{
	return hook == NF_INET_PRE_ROUTING || hook == NF_INET_LOCAL_OUT;
}

static void build_batch(struct nl_builder *b, const char *table, const struct pm_nft_owner_opts *o)
{
	begin_msg(b, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	end_msg(b);
	begin_msg(b, nft_type(NFT_MSG_NEWTABLE), NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, NFPROTO_INET, 0);
	attr_str(b, NFTA_TABLE_NAME, table);
	attr_be32(b, NFTA_TABLE_FLAGS, NFT_TABLE_F_OWNER);
	end_msg(b);
	static const char *const names[NF_INET_NUMHOOKS] = { "prerouting", "input", "forward", "output",
							      "postrouting" };
	for (int hook = 0; hook < NF_INET_NUMHOOKS; hook++) {
		if (o->nftrace_rule && !tracing_hook(hook))
			continue;
		begin_msg(b, nft_type(NFT_MSG_NEWCHAIN), NLM_F_CREATE | NLM_F_ACK, NFPROTO_INET, 0);
		attr_str(b, NFTA_CHAIN_TABLE, table);
		attr_str(b, NFTA_CHAIN_NAME, names[hook]);
		struct nlattr *nest = attr(b, NLA_F_NESTED | NFTA_CHAIN_HOOK, NULL, 0);
		attr_be32(b, NFTA_HOOK_HOOKNUM, (uint32_t)hook);
		attr_be32(b, NFTA_HOOK_PRIORITY, (uint32_t)o->priority);
		nest_end(b, nest);
		attr_be32(b, NFTA_CHAIN_POLICY, NF_ACCEPT);
		attr_str(b, NFTA_CHAIN_TYPE, "filter");
		end_msg(b);
		if (o->nftrace_rule && o->nmatches < 0)
			put_nftrace_rule(b, table, names[hook], NULL);
		for (int i = 0; o->nftrace_rule && i < o->nmatches; i++)
			put_nftrace_rule(b, table, names[hook], &o->matches[i]);
	}
	begin_msg(b, NFNL_MSG_BATCH_END, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	end_msg(b);
}

/* Read the acknowledgements of the messages that asked for one (1 table, 5
 * chains, maybe 5 rules): 0 when all succeeded, else the first error. */
static int read_acks(int fd, int expected)
{
	uint8_t buf[8192];
	int first_err = 0;
	while (expected > 0) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			const struct nlmsgerr *e = NLMSG_DATA(h);
			if (e->error && !first_err)
				first_err = e->error;
			expected--;
		}
		if (first_err)
			return first_err; /* the batch is aborted: no more acks come */
	}
	return 0;
}

int pm_nft_owner_table_create(const char *table)
{
	const struct pm_nft_owner_opts o = { .priority = 0, .nmatches = -1 };
	return pm_nft_owner_table_create_ex(table, &o);
}

int pm_nfnl_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0)
		return -errno;
	struct sockaddr_nl self = { .nl_family = AF_NETLINK };
	if (bind(fd, (struct sockaddr *)&self, sizeof(self)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

int pm_nft_owner_table_create_ex(const char *table, const struct pm_nft_owner_opts *o)
{
	int fd = pm_nfnl_socket();
	if (fd < 0)
		return fd;
	int rules = !o->nftrace_rule ? 0 : o->nmatches < 0 ? 1 : o->nmatches;
	if (strlen(table) > 64 || rules > PM_NFT_TRACE_MATCHES) {
		close(fd);
		return -EINVAL;
	}
	struct nl_builder b = { 0 };
	b.buf = malloc(MSG_SPACE + (size_t)2 * (size_t)rules * RULE_SPACE);
	if (!b.buf) {
		close(fd);
		return -ENOMEM;
	}
	build_batch(&b, table, o);
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int rc = 0;
	if (sendto(fd, b.buf, b.len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		rc = -errno;
	else
		rc = read_acks(fd, 1 + (o->nftrace_rule ? 2 : NF_INET_NUMHOOKS) * (1 + rules));
	free(b.buf);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}
