/* SPDX-License-Identifier: MIT */
/* nft_trace_parse.c - see nft_trace_parse.h. */
#include "nft_trace_parse.h"

#include "filter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

/* nftables' userdata TLVs (libnftnl's udata.h): u8 type, u8 length, value. */
#define PM_NFTNL_UDATA_RULE_COMMENT 0

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static uint32_t get_u32ne(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* Iterates the attributes of [p, p+len): 1 with type/val/vlen, 0 at the end, -1 malformed. */
struct attr_it {
	const uint8_t *p;
	size_t left;
};

static int attr_next(struct attr_it *it, uint16_t *type, const uint8_t **val, size_t *vlen)
{
	if (it->left == 0)
		return 0;
	if (it->left < NLA_HDRLEN)
		return -1;
	uint16_t alen, atype;
	memcpy(&alen, it->p, 2);
	memcpy(&atype, it->p + 2, 2);
	if (alen < NLA_HDRLEN || alen > it->left)
		return -1;
	*type = atype & NLA_TYPE_MASK;
	*val = it->p + NLA_HDRLEN;
	*vlen = alen - NLA_HDRLEN;
	size_t step = NLA_ALIGN(alen);
	if (step > it->left)
		step = it->left;
	it->p += step;
	it->left -= step;
	return 1;
}

static void copy_str(char *dst, size_t cap, const uint8_t *v, size_t n)
{
	size_t l = strnlen((const char *)v, n);
	if (l >= cap)
		l = cap - 1;
	memcpy(dst, v, l);
	dst[l] = 0;
}

/* The message's nfgenmsg and attributes, for an nftables message of type `want`. */
static int nft_body(const void *msg, size_t len, int want, const struct nfgenmsg **g, struct attr_it *it)
{
	if (!msg || len < NLMSG_HDRLEN)
		return -1;
	struct nlmsghdr h;
	memcpy(&h, msg, sizeof(h));
	if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len)
		return -1;
	if (h.nlmsg_type != (NFNL_SUBSYS_NFTABLES << 8 | want))
		return 0;
	if (h.nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg)))
		return -1;
	*g = (const struct nfgenmsg *)((const uint8_t *)msg + NLMSG_HDRLEN);
	it->p = (const uint8_t *)msg + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));
	it->left = h.nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(sizeof(struct nfgenmsg));
	return 1;
}

int pm_nft_trace_parse(const void *msg, size_t len, struct pm_nft_trace *t)
{
	const struct nfgenmsg *g;
	struct attr_it it;
	int rc = nft_body(msg, len, NFT_MSG_TRACE, &g, &it);
	if (rc <= 0)
		return rc;
	memset(t, 0, sizeof(*t));
	t->family = g->nfgen_family;
	uint16_t type;
	const uint8_t *v;
	size_t n;
	bool has_type = false;
	while ((rc = attr_next(&it, &type, &v, &n)) == 1) {
		switch (type) {
		case NFTA_TRACE_TABLE: copy_str(t->table, sizeof(t->table), v, n); break;
		case NFTA_TRACE_CHAIN: copy_str(t->chain, sizeof(t->chain), v, n); break;
		case NFTA_TRACE_RULE_HANDLE:
			if (n != 8)
				return -1;
			t->handle = get_be64(v);
			break;
		case NFTA_TRACE_TYPE:
			if (n != 4)
				return -1;
			t->type = get_be32(v);
			has_type = true;
			break;
		case NFTA_TRACE_ID:
			if (n == 4)
				t->id = get_u32ne(v);
			break;
		case NFTA_TRACE_VERDICT: {
			struct attr_it in = { v, n };
			uint16_t it2;
			const uint8_t *v2;
			size_t n2;
			int r2;
			while ((r2 = attr_next(&in, &it2, &v2, &n2)) == 1)
				if (it2 == NFTA_VERDICT_CODE && n2 == 4) {
					t->verdict = get_be32(v2);
					t->has_verdict = true;
				}
			if (r2 < 0)
				return -1;
			break;
		}
		case NFTA_TRACE_POLICY:
			if (n != 4)
				return -1;
			t->policy = get_be32(v);
			t->has_policy = true;
			break;
		case NFTA_TRACE_NETWORK_HEADER:
			t->nh_len = (uint16_t)(n < PM_NFT_HDR_MAX ? n : PM_NFT_HDR_MAX);
			memcpy(t->nh, v, t->nh_len);
			break;
		case NFTA_TRACE_TRANSPORT_HEADER:
			t->th_len = (uint16_t)(n < PM_NFT_HDR_MAX ? n : PM_NFT_HDR_MAX);
			memcpy(t->th, v, t->th_len);
			break;
		case NFTA_TRACE_IIF:
			if (n == 4)
				t->iif = get_be32(v);
			break;
		case NFTA_TRACE_OIF:
			if (n == 4)
				t->oif = get_be32(v);
			break;
		case NFTA_TRACE_NFPROTO:
			if (n == 4)
				t->nfproto = get_be32(v);
			break;
		default: break;
		}
	}
	if (rc < 0 || !has_type)
		return -1;
	return 1;
}

bool pm_nft_trace_is_drop(const struct pm_nft_trace *t)
{
	/* NF_DROP_ERR() puts an errno above the verdict's low byte */
	if (t->type == NFT_TRACETYPE_RULE)
		return t->has_verdict && (t->verdict & NF_VERDICT_MASK) == NF_DROP && (int32_t)t->verdict >= 0;
	if (t->type == NFT_TRACETYPE_POLICY)
		return t->has_policy && (t->policy & NF_VERDICT_MASK) == NF_DROP;
	return false;
}

bool pm_nft_trace_matches_frame(const struct pm_nft_trace *t, const uint8_t *frame, size_t len)
{
	size_t off = 12;
	if (!frame || len < 14)
		return false;
	uint16_t proto = (uint16_t)(frame[off] << 8 | frame[off + 1]);
	while ((proto == 0x8100 || proto == 0x88a8) && off + 6 <= len) {
		off += 4;
		proto = (uint16_t)(frame[off] << 8 | frame[off + 1]);
	}
	off += 2;
	if (off > len)
		return false;
	const uint8_t *l3 = frame + off;
	size_t have = len - off;
	/* the trace holds the network header, then (when known) the transport header right after */
	size_t n = t->nh_len < have ? t->nh_len : have;
	if (n < 20 || memcmp(l3, t->nh, n))
		return false;
	if (n < t->nh_len || !t->th_len)
		return true;
	size_t m = t->th_len < have - n ? t->th_len : have - n;
	return memcmp(l3 + n, t->th, m) == 0;
}

bool pm_nft_trace_hook_ok(const struct pm_nft_trace *t, int hook)
{
	switch (hook) {
	case NF_INET_PRE_ROUTING:
	case NF_INET_LOCAL_IN: return t->iif && !t->oif;
	case NF_INET_FORWARD: return t->iif && t->oif;
	case NF_INET_LOCAL_OUT:
	case NF_INET_POST_ROUTING: return !t->iif && t->oif;
	default: return true;
	}
}

void pm_nft_recent_headers(struct pm_nft_recent *r, struct pm_nft_trace *t)
{
	if (t->nh_len) {
		struct pm_nft_hdrs *h = &r->hdrs[r->hdrs_next++ % PM_NFT_RECENT_HDRS];
		r->hdrs_next %= PM_NFT_RECENT_HDRS;
		h->id = t->id;
		h->iif = t->iif;
		h->oif = t->oif;
		h->nh_len = t->nh_len;
		h->th_len = t->th_len;
		memcpy(h->nh, t->nh, t->nh_len);
		memcpy(h->th, t->th, t->th_len);
		return;
	}
	for (unsigned k = 1; k <= PM_NFT_RECENT_HDRS; k++) {
		const struct pm_nft_hdrs *h = &r->hdrs[(r->hdrs_next + PM_NFT_RECENT_HDRS - k) % PM_NFT_RECENT_HDRS];
		if (!h->nh_len || h->id != t->id)
			continue;
		t->iif = h->iif;
		t->oif = h->oif;
		t->nh_len = h->nh_len;
		t->th_len = h->th_len;
		memcpy(t->nh, h->nh, h->nh_len);
		memcpy(t->th, h->th, h->th_len);
		return;
	}
}

#define TAKEN 0xff

/* Room for one more: the ring doubles (up to PM_NFT_QUEUE_MAX), else its oldest entry goes. */
static void queue_make_room(struct pm_nft_recent *r)
{
	if (r->n < r->cap)
		return;
	unsigned cap = r->cap ? r->cap * 2 : PM_NFT_QUEUE_MIN;
	struct pm_nft_trace *t = cap <= PM_NFT_QUEUE_MAX ? malloc(cap * sizeof(*t)) : NULL;
	uint8_t *p = t ? malloc(cap) : NULL;
	if (!p) {
		free(t);
		if (!r->cap)
			return;
		r->head = (r->head + 1) % r->cap; /* a full ring forgets its oldest */
		r->n--;
		r->forgotten++;
		return;
	}
	for (unsigned k = 0; k < r->n; k++) { /* oldest first, from 0 */
		t[k] = r->t[(r->head + k) % r->cap];
		p[k] = r->passes[(r->head + k) % r->cap];
	}
	free(r->t);
	free(r->passes);
	r->t = t;
	r->passes = p;
	r->cap = cap;
	r->head = 0;
}

void pm_nft_recent_add(struct pm_nft_recent *r, const struct pm_nft_trace *t)
{
	queue_make_room(r);
	if (r->n == r->cap)
		return; /* no memory for the first entry */
	unsigned i = (r->head + r->n++) % r->cap;
	r->t[i] = *t;
	r->passes[i] = 0;
}

void pm_nft_recent_free(struct pm_nft_recent *r)
{
	free(r->t);
	free(r->passes);
	r->t = NULL;
	r->passes = NULL;
	r->cap = r->head = r->n = 0;
}

const struct pm_nft_trace *pm_nft_recent_take(struct pm_nft_recent *r, int hook, const uint8_t *frame, size_t len)
{
	unsigned k;
	for (k = 0; k < r->n; k++) {
		unsigned i = (r->head + k) % r->cap;
		if (r->passes[i] != TAKEN && pm_nft_trace_hook_ok(&r->t[i], hook) &&
		    pm_nft_trace_matches_frame(&r->t[i], frame, len))
			break;
	}
	if (k == r->n)
		return NULL;
	unsigned hit = (r->head + k) % r->cap;
	r->passes[hit] = TAKEN;
	/* older ones passed over: their drops came earlier or never (filtered out, lost) */
	for (unsigned j = 0; j < k; j++) {
		uint8_t *p = &r->passes[(r->head + j) % r->cap];
		if (*p != TAKEN && ++*p >= PM_NFT_QUEUE_PASSES) {
			*p = TAKEN;
			r->forgotten++;
		}
	}
	/* the slot of the trace returned stays out of reach until the next add */
	while (r->n > 0 && r->passes[r->head] == TAKEN && r->head != hit) {
		r->head = (r->head + 1) % r->cap;
		r->n--;
	}
	return &r->t[hit];
}

int pm_nft_rule_comment(const void *msg, size_t len, char *out, size_t outlen)
{
	const struct nfgenmsg *g;
	struct attr_it it;
	if (nft_body(msg, len, NFT_MSG_NEWRULE, &g, &it) <= 0)
		return -1;
	uint16_t type;
	const uint8_t *v;
	size_t n;
	int rc;
	while ((rc = attr_next(&it, &type, &v, &n)) == 1) {
		if (type != NFTA_RULE_USERDATA)
			continue;
		for (size_t i = 0; i + 2 <= n;) {
			uint8_t ut = v[i], ul = v[i + 1];
			if (i + 2 + ul > n)
				return -1;
			if (ut == PM_NFTNL_UDATA_RULE_COMMENT && ul > 0) {
				if (!outlen)
					return -1;
				copy_str(out, outlen, v + i + 2, ul);
				return 1;
			}
			i += 2u + ul;
		}
	}
	return rc < 0 ? -1 : 0;
}

int pm_nft_rule_line(const char *listing, uint64_t handle, char *out, size_t outlen)
{
	char tag[40];
	snprintf(tag, sizeof(tag), " # handle %llu", (unsigned long long)handle);
	size_t tl = strlen(tag);
	for (const char *line = listing; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t ll = end ? (size_t)(end - line) : strlen(line);
		/* "chain input { # handle 1" and "table ... { # handle 2" are no rules */
		if (ll > tl && !memcmp(line + ll - tl, tag, tl) && line[ll - tl - 1] != '{') {
			const char *b = line;
			while (b < line + ll - tl && (*b == '\t' || *b == ' '))
				b++;
			size_t n = (size_t)(line + ll - tl - b);
			if (n == 0 || !outlen)
				return 0;
			if (n >= outlen)
				n = outlen - 1;
			memcpy(out, b, n);
			out[n] = 0;
			return 1;
		}
		line = end ? end + 1 : NULL;
	}
	return 0;
}

bool pm_nft_name_ok(const char *s)
{
	if (!s || !*s || strlen(s) >= PM_NFT_NAME_MAX)
		return false;
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false; /* nft's identifiers start with a letter or '_' */
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      *s == '-' || *s == '.' || *s == '/'))
			return false;
	return true;
}

const char *pm_nft_family_name(uint8_t family)
{
	switch (family) {
	case NFPROTO_INET: return "inet";
	case NFPROTO_IPV4: return "ip";
	case NFPROTO_IPV6: return "ip6";
	case NFPROTO_ARP: return "arp";
	case NFPROTO_BRIDGE: return "bridge";
	case NFPROTO_NETDEV: return "netdev";
	default: return NULL;
	}
}

int pm_nft_trace_plan(const struct pm_filter *fs, size_t n, struct pm_nft_trace_match *out, size_t cap)
{
	size_t k = 0;
	if (!n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct pktmon_filter *f = &fs[i].f;
		if (f->fields & PKTMON_FF_ENCAP)
			return -1; /* the conditions are on inner headers */
		struct pm_nft_trace_match m = { 0 };
		if (f->fields & PKTMON_FF_ETHERTYPE) {
			if (f->ethertype == 0x0800)
				m.family = 4;
			else if (f->ethertype == 0x86dd)
				m.family = 6;
			else if (f->ethertype != 0x8100 && f->ethertype != 0x88a8)
				continue; /* ARP and the like: never in an IP hook */
		}
		if (f->fields & PKTMON_FF_PROTO)
			m.proto = f->ip_proto;
		int sides = 1;
		if (f->fields & PKTMON_FF_IP1) {
			uint8_t fam = f->ip_family[0];
			if (m.family && m.family != fam)
				continue; /* an IPv6 address in an IPv4 filter selects nothing */
			m.family = fam;
			m.ip_len = (uint8_t)(f->ip_prefix[0] / 8);
			memcpy(m.ip, f->ip[0], 16);
			if (m.ip_len)
				sides = 2; /* the address at either end */
		}
		for (int side = 0; side < sides; side++) {
			if (k == cap)
				return -1; /* too many: trace everything rather than miss */
			out[k] = m;
			if (m.ip_len)
				out[k].ip_at = (uint8_t)(m.family == 4 ? (side ? 16 : 12) : (side ? 24 : 8));
			k++;
		}
	}
	return (int)k;
}
