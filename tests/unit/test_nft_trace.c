/* SPDX-License-Identifier: MIT */
/* test_nft_trace.c - nftables trace messages as the kernel sends them, parsed; a trace matched to
 * the captured frame of its drop (and not to another packet); a rule's comment from its userdata;
 * the rule's line picked out of `nft -a list chain`; names that may go into an nft command. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "filter.h"
#include "nft_trace_parse.h"

#include "check.h"

struct msg {
	uint8_t b[2048];
	size_t len;
	struct nlattr *nest;
};

static void begin(struct msg *m, int type, uint8_t family)
{
	memset(m, 0, sizeof(*m));
	struct nlmsghdr *h = (struct nlmsghdr *)m->b;
	h->nlmsg_type = (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | type);
	struct nfgenmsg *g = (struct nfgenmsg *)(m->b + NLMSG_HDRLEN);
	g->nfgen_family = family;
	m->len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*g));
}

static struct nlattr *put(struct msg *m, uint16_t type, const void *v, size_t n)
{
	struct nlattr *a = (struct nlattr *)(m->b + m->len);
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + n);
	if (n)
		memcpy(m->b + m->len + NLA_HDRLEN, v, n);
	m->len += NLA_ALIGN(a->nla_len);
	return a;
}

static void put_be32(struct msg *m, uint16_t type, uint32_t v)
{
	uint32_t be = htonl(v);
	put(m, type, &be, 4);
}

static void put_be64(struct msg *m, uint16_t type, uint64_t v)
{
	uint32_t be[2] = { htonl((uint32_t)(v >> 32)), htonl((uint32_t)v) };
	put(m, type, be, 8);
}

static void end(struct msg *m)
{
	((struct nlmsghdr *)m->b)->nlmsg_len = (uint32_t)m->len;
}

/* An Ethernet + IPv4 ICMP echo request 198.18.0.1 > 198.18.0.2. */
static uint8_t frame[14 + 20 + 8] = {
	2, 0,  0, 0,    0,    2,   2,  0, 0, 0,   0,  1, 0x08, 0x00, 0x45, 0,    0,    28, 0x12, 0x34, 0x40,
	0, 64, 1, 0xab, 0xcd, 198, 18, 0, 1, 198, 18, 0, 2,    8,    0,    0xf7, 0xff, 0,  1,    0,    0,
};

/* The trace of a rule's verdict for `frame`, as nf_tables_trace.c builds it. */
static void trace_msg(struct msg *m, uint32_t verdict, uint32_t iif, uint32_t oif)
{
	begin(m, NFT_MSG_TRACE, NFPROTO_INET);
	put(m, NFTA_TRACE_TABLE, "filter", 7);
	put(m, NFTA_TRACE_CHAIN, "input", 6);
	put_be32(m, NFTA_TRACE_ID, 0x1234);
	put_be32(m, NFTA_TRACE_TYPE, NFT_TRACETYPE_RULE);
	put_be64(m, NFTA_TRACE_RULE_HANDLE, 4);
	struct nlattr *v = put(m, NLA_F_NESTED | NFTA_TRACE_VERDICT, NULL, 0);
	put_be32(m, NFTA_VERDICT_CODE, verdict);
	v->nla_len = (uint16_t)(m->b + m->len - (uint8_t *)v);
	put_be32(m, NFTA_TRACE_NFPROTO, NFPROTO_IPV4);
	put(m, NFTA_TRACE_NETWORK_HEADER, frame + 14, 20);
	put(m, NFTA_TRACE_TRANSPORT_HEADER, frame + 34, 8);
	if (iif)
		put_be32(m, NFTA_TRACE_IIF, iif);
	if (oif)
		put_be32(m, NFTA_TRACE_OIF, oif);
	end(m);
}

static void test_parse(void)
{
	struct msg m;
	struct pm_nft_trace t;
	trace_msg(&m, NF_DROP, 2, 0);
	CHECK(pm_nft_trace_parse(m.b, m.len, &t) == 1, "a trace");
	CHECK(t.family == NFPROTO_INET && !strcmp(t.table, "filter") && !strcmp(t.chain, "input"), "names");
	CHECK(t.type == NFT_TRACETYPE_RULE && t.handle == 4 && t.has_verdict && t.verdict == NF_DROP, "rule verdict");
	CHECK(t.iif == 2 && t.oif == 0 && t.nfproto == NFPROTO_IPV4, "devices, family");
	CHECK(t.nh_len == 20 && t.th_len == 8 && !memcmp(t.nh, frame + 14, 20), "headers");
	CHECK(pm_nft_trace_is_drop(&t), "drop");

	trace_msg(&m, NF_ACCEPT, 2, 0);
	CHECK(pm_nft_trace_parse(m.b, m.len, &t) == 1 && !pm_nft_trace_is_drop(&t), "accept is no drop");
	trace_msg(&m, (uint32_t)NFT_JUMP, 2, 0);
	CHECK(pm_nft_trace_parse(m.b, m.len, &t) == 1 && !pm_nft_trace_is_drop(&t), "a jump is no drop");
	trace_msg(&m, NF_DROP | (113u << 16), 2, 0); /* NF_DROP_ERR(-EHOSTUNREACH)-style errno above the verdict */
	CHECK(pm_nft_trace_parse(m.b, m.len, &t) == 1 && pm_nft_trace_is_drop(&t), "drop with an errno");

	/* a chain's drop policy */
	begin(&m, NFT_MSG_TRACE, NFPROTO_IPV4);
	put(&m, NFTA_TRACE_TABLE, "filter", 7);
	put(&m, NFTA_TRACE_CHAIN, "INPUT", 6);
	put_be32(&m, NFTA_TRACE_TYPE, NFT_TRACETYPE_POLICY);
	put_be32(&m, NFTA_TRACE_POLICY, NF_DROP);
	end(&m);
	CHECK(pm_nft_trace_parse(m.b, m.len, &t) == 1 && pm_nft_trace_is_drop(&t) && t.handle == 0 &&
		      !strcmp(pm_nft_family_name(t.family), "ip"),
	      "policy drop");

	/* not a trace; malformed ones */
	begin(&m, NFT_MSG_NEWRULE, NFPROTO_INET);
	end(&m);
	CHECK(pm_nft_trace_parse(m.b, m.len, &t) == 0, "another message");
	trace_msg(&m, NF_DROP, 2, 0);
	CHECK(pm_nft_trace_parse(m.b, m.len - 4, &t) == -1, "shorter than its header says");
	((struct nlattr *)(m.b + NLMSG_HDRLEN + 4))->nla_len = 2000;
	CHECK(pm_nft_trace_parse(m.b, m.len, &t) == -1, "an attribute past the end");
	begin(&m, NFT_MSG_TRACE, NFPROTO_INET);
	put(&m, NFTA_TRACE_TABLE, "x", 2);
	end(&m);
	CHECK(pm_nft_trace_parse(m.b, m.len, &t) == -1, "no type");
	CHECK(pm_nft_trace_parse(m.b, 8, &t) == -1, "truncated header");
}

static void test_match(void)
{
	struct msg m;
	struct pm_nft_trace t;
	trace_msg(&m, NF_DROP, 2, 0);
	pm_nft_trace_parse(m.b, m.len, &t);
	CHECK(pm_nft_trace_matches_frame(&t, frame, sizeof(frame)), "its frame");
	CHECK(pm_nft_trace_matches_frame(&t, frame, 14 + 20), "its frame cut after the IP header");
	CHECK(!pm_nft_trace_matches_frame(&t, frame, 14 + 19), "too little to tell");
	uint8_t other[sizeof(frame)];
	memcpy(other, frame, sizeof(frame));
	other[14 + 5] ^= 1; /* another IP id */
	CHECK(!pm_nft_trace_matches_frame(&t, other, sizeof(other)), "another packet");
	memcpy(other, frame, sizeof(frame));
	other[34 + 7] ^= 1; /* another ICMP sequence */
	CHECK(!pm_nft_trace_matches_frame(&t, other, sizeof(other)), "another transport header");
	uint8_t tagged[sizeof(frame) + 4];
	memcpy(tagged, frame, 12);
	memcpy(tagged + 12, "\x81\x00\x00\x05", 4);
	memcpy(tagged + 16, frame + 12, sizeof(frame) - 12);
	CHECK(pm_nft_trace_matches_frame(&t, tagged, sizeof(tagged)), "behind a VLAN tag");

	CHECK(pm_nft_trace_hook_ok(&t, NF_INET_LOCAL_IN) && pm_nft_trace_hook_ok(&t, NF_INET_PRE_ROUTING), "input dev");
	CHECK(!pm_nft_trace_hook_ok(&t, NF_INET_LOCAL_OUT) && !pm_nft_trace_hook_ok(&t, NF_INET_FORWARD),
	      "no output dev");
	CHECK(pm_nft_trace_hook_ok(&t, -1), "hook unknown");

	/* the queued drops: oldest first (the order the kernel sent them in), each taken once */
	struct pm_nft_recent r;
	memset(&r, 0, sizeof(r));
	CHECK(!pm_nft_recent_take(&r, -1, frame, sizeof(frame)), "empty");
	struct pm_nft_trace older = t, newer = t;
	older.handle = 3;
	newer.handle = 5;
	pm_nft_recent_add(&r, &older);
	for (int i = 0; i < 5; i++) { /* other packets' drops in between */
		struct pm_nft_trace x = t;
		x.nh[5] = (uint8_t)(0x80 + i);
		pm_nft_recent_add(&r, &x);
	}
	pm_nft_recent_add(&r, &newer);
	const struct pm_nft_trace *got = pm_nft_recent_take(&r, NF_INET_LOCAL_IN, frame, sizeof(frame));
	CHECK(got && got->handle == 3, "the oldest match first");
	got = pm_nft_recent_take(&r, NF_INET_LOCAL_IN, frame, sizeof(frame));
	CHECK(got && got->handle == 5, "then the newer");
	CHECK(!pm_nft_recent_take(&r, NF_INET_LOCAL_IN, frame, sizeof(frame)), "each trace once");
	pm_nft_recent_add(&r, &newer);
	CHECK(!pm_nft_recent_take(&r, NF_INET_LOCAL_OUT, frame, sizeof(frame)), "not at another hook");
	pm_nft_recent_free(&r);

	/* a burst: 1,000 drops of identical-looking packets queued before the first event is read
	 * (2,000 drops/s over a 20 ms drain is 40): every event gets its own, in order */
	for (unsigned i = 0; i < 1000; i++) {
		struct pm_nft_trace x = t;
		x.handle = 1000 + i;
		pm_nft_recent_add(&r, &x);
	}
	unsigned in_order = 0;
	for (unsigned i = 0; i < 1000; i++) {
		got = pm_nft_recent_take(&r, NF_INET_LOCAL_IN, frame, sizeof(frame));
		in_order += got && got->handle == 1000 + i;
	}
	CHECK(in_order == 1000, "%u of 1000 drops got their own trace", in_order);
	CHECK(r.n <= 1 && r.forgotten == 0, "queue drained (%u left, %llu forgotten)", r.n,
	      (unsigned long long)r.forgotten);
	/* a trace whose drop never comes (filtered out, lost) is passed over, then forgotten */
	struct pm_nft_trace orphan = t;
	orphan.nh[5] = 0x7f;
	pm_nft_recent_add(&r, &orphan);
	for (unsigned i = 0; i < PM_NFT_QUEUE_PASSES; i++) {
		pm_nft_recent_add(&r, &newer);
		CHECK(pm_nft_recent_take(&r, -1, frame, sizeof(frame)), "take %u", i);
	}
	CHECK(r.forgotten == 1 && r.n <= 2, "the orphan is forgotten (%llu, %u queued)",
	      (unsigned long long)r.forgotten, r.n);
	/* beyond PM_NFT_QUEUE_MAX the oldest go */
	for (unsigned i = 0; i < PM_NFT_QUEUE_MAX + 10; i++)
		pm_nft_recent_add(&r, &newer);
	CHECK(r.n == PM_NFT_QUEUE_MAX && r.cap == PM_NFT_QUEUE_MAX, "bounded: %u in %u", r.n, r.cap);
	pm_nft_recent_free(&r);

	/* a chain's policy drop after a rule that continued: the headers came with the first message */
	memset(&r, 0, sizeof(r));
	struct pm_nft_trace first = t, second = t, policy;
	first.id = 77;
	pm_nft_recent_headers(&r, &first);
	second.id = 78;
	second.nh[5] ^= 0xff;
	pm_nft_recent_headers(&r, &second);
	memset(&policy, 0, sizeof(policy));
	policy.id = 77;
	policy.type = NFT_TRACETYPE_POLICY;
	policy.has_policy = true;
	policy.policy = NF_DROP;
	pm_nft_recent_headers(&r, &policy);
	CHECK(policy.nh_len == 20 && policy.th_len == 8 && policy.iif == 2 && !memcmp(policy.nh, frame + 14, 20),
	      "the headers of the same trace id");
	pm_nft_recent_add(&r, &policy);
	got = pm_nft_recent_take(&r, NF_INET_LOCAL_IN, frame, sizeof(frame));
	CHECK(got && got->type == NFT_TRACETYPE_POLICY, "the policy drop matches its frame");
	struct pm_nft_trace lost = { .id = 99 };
	pm_nft_recent_headers(&r, &lost);
	CHECK(lost.nh_len == 0, "an id never seen with headers stays without");
	pm_nft_recent_free(&r);
}

static void test_rule(void)
{
	struct msg m;
	char c[256] = "";
	begin(&m, NFT_MSG_NEWRULE, NFPROTO_INET);
	put(&m, NFTA_RULE_TABLE, "filter", 7);
	put_be64(&m, NFTA_RULE_HANDLE, 4);
	/* libnftnl's userdata: type 0 (comment), length, the string with its NUL */
	uint8_t ud[] = { 0, 11, 'b', 'l', 'o', 'c', 'k', ' ', 'p', 'i', 'n', 'g', 0 };
	put(&m, NFTA_RULE_USERDATA, ud, sizeof(ud));
	end(&m);
	CHECK(pm_nft_rule_comment(m.b, m.len, c, sizeof(c)) == 1 && !strcmp(c, "block ping"), "comment: %s", c);
	begin(&m, NFT_MSG_NEWRULE, NFPROTO_INET);
	put(&m, NFTA_RULE_TABLE, "filter", 7);
	end(&m);
	CHECK(pm_nft_rule_comment(m.b, m.len, c, sizeof(c)) == 0, "no comment");
	begin(&m, NFT_MSG_NEWRULE, NFPROTO_INET);
	ud[1] = 200; /* runs past the attribute */
	put(&m, NFTA_RULE_USERDATA, ud, sizeof(ud));
	end(&m);
	CHECK(pm_nft_rule_comment(m.b, m.len, c, sizeof(c)) == -1, "bad userdata");

	const char *listing = "table inet filter {\n"
			      "\tchain input { # handle 1\n"
			      "\t\ttype filter hook input priority filter; policy accept;\n"
			      "\t\tip saddr 198.18.0.1 icmp type echo-request drop comment \"block ping\" # handle 4\n"
			      "\t\tcounter packets 0 bytes 0 # handle 41\n"
			      "\t}\n"
			      "}\n";
	char line[256];
	CHECK(pm_nft_rule_line(listing, 4, line, sizeof(line)) == 1 &&
		      !strcmp(line, "ip saddr 198.18.0.1 icmp type echo-request drop comment \"block ping\""),
	      "rule 4: %s", line);
	CHECK(pm_nft_rule_line(listing, 41, line, sizeof(line)) == 1 && !strcmp(line, "counter packets 0 bytes 0"),
	      "rule 41 (not 4)");
	CHECK(pm_nft_rule_line(listing, 1, line, sizeof(line)) == 0, "the chain's handle is no rule");
	CHECK(pm_nft_rule_line(listing, 5, line, sizeof(line)) == 0, "no such rule");

	CHECK(pm_nft_name_ok("filter") && pm_nft_name_ok("INPUT") && pm_nft_name_ok("my-chain_2.x/y"), "plain names");
	CHECK(!pm_nft_name_ok("a b") && !pm_nft_name_ok("x;include \"/etc/shadow\"") && !pm_nft_name_ok("") &&
		      !pm_nft_name_ok("1abc") && !pm_nft_name_ok("$var") && !pm_nft_name_ok("a\"b"),
	      "names that could be read as more than a name");
}

static struct pm_filter filter(const char *line)
{
	struct pm_filter f;
	char err[128] = "";
	memset(&f, 0, sizeof(f));
	CHECK(pm_filter_parse_line(line, &f, err, sizeof(err)) == 0, "filter '%s': %s", line, err);
	return f;
}

/* The tracing rules select a superset of what the filters select. */
static void test_plan(void)
{
	struct pm_nft_trace_match m[PM_NFT_TRACE_MATCHES];
	CHECK(pm_nft_trace_plan(NULL, 0, m, PM_NFT_TRACE_MATCHES) == -1, "no filter: every packet");
	struct pm_filter fs[3] = { filter("-t ICMP -i 198.18.0.0/15"), filter("-i 2001:db8::1"), filter("-d ARP") };
	CHECK(pm_nft_trace_plan(fs, 3, m, PM_NFT_TRACE_MATCHES) == 4, "2 rules per address, none for ARP");
	CHECK(m[0].family == 4 && m[0].proto == 1 && m[0].ip_at == 12 && m[0].ip_len == 1 && m[0].ip[0] == 198,
	      "ICMP, IPv4 source in 198.0.0.0/8 (a /15 compared on its whole bytes)");
	CHECK(m[1].ip_at == 16 && m[1].proto == 1, "then the destination");
	CHECK(m[2].family == 6 && m[2].proto == 0 && m[2].ip_at == 8 && m[2].ip_len == 16, "IPv6 source");
	CHECK(m[3].ip_at == 24, "IPv6 destination");
	CHECK(pm_nft_trace_plan(&fs[2], 1, m, PM_NFT_TRACE_MATCHES) == 0, "ARP only: nothing to trace");
	struct pm_filter port = filter("-p 80");
	CHECK(pm_nft_trace_plan(&port, 1, m, PM_NFT_TRACE_MATCHES) == 1 && !m[0].family && !m[0].proto && !m[0].ip_at,
	      "a port only: a rule without conditions (ports are not compared)");
	struct pm_filter encap = filter("-i 10.0.0.1 -e");
	CHECK(pm_nft_trace_plan(&encap, 1, m, PM_NFT_TRACE_MATCHES) == -1, "inner headers: every packet");
	CHECK(pm_nft_trace_plan(fs, 1, m, 1) == -1, "no room: every packet rather than miss one");
}

/* Mangled messages (the kernel's bytes are input too): truncated, bytes and lengths changed, each
 * in a heap copy of its exact size (the ASan build catches any read beyond), then through the
 * matcher and the queue. Nothing may crash; whatever parses is a well-formed trace. */
static void test_mutations(void)
{
	struct msg good, rule;
	trace_msg(&good, NF_DROP, 2, 0);
	begin(&rule, NFT_MSG_NEWRULE, NFPROTO_INET);
	uint8_t ud[] = { 0, 5, 'a', 'b', 'c', 'd', 0 };
	put(&rule, NFTA_RULE_USERDATA, ud, sizeof(ud));
	end(&rule);
	struct pm_nft_recent r;
	memset(&r, 0, sizeof(r));
	uint32_t seed = 12345;
	unsigned parsed = 0, bad = 0, insane = 0;
	for (unsigned i = 0; i < 200000; i++) {
		const struct msg *base = i & 1 ? &rule : &good;
		size_t len = base->len;
		seed = seed * 1103515245u + 12345u;
		if (seed >> 28 == 0)
			len = (seed >> 8) % (len + 1); /* truncated */
		uint8_t *b = malloc(len ? len : 1);
		memcpy(b, base->b, len);
		for (unsigned k = 0, flips = 1 + (seed >> 24) % 4; len && k < flips; k++) {
			seed = seed * 1103515245u + 12345u;
			b[(seed >> 8) % len] = (uint8_t)(seed >> 20);
		}
		struct pm_nft_trace t;
		int rc = pm_nft_trace_parse(b, len, &t);
		if (rc == 1) {
			parsed++;
			insane += t.nh_len > PM_NFT_HDR_MAX || t.th_len > PM_NFT_HDR_MAX || !memchr(t.table, 0, sizeof(t.table)) ||
				  !memchr(t.chain, 0, sizeof(t.chain));
			pm_nft_recent_headers(&r, &t);
			pm_nft_recent_add(&r, &t);
			(void)pm_nft_recent_take(&r, (int)(seed % 6) - 1, frame, sizeof(frame));
		} else {
			bad += rc < 0;
		}
		char c[64];
		(void)pm_nft_rule_comment(b, len, c, sizeof(c));
		free(b);
	}
	CHECK(parsed > 1000 && bad > 1000, "mangled traces: %u parsed, %u refused", parsed, bad);
	CHECK(insane == 0, "%u parsed traces out of bounds", insane);
	CHECK(r.n <= PM_NFT_QUEUE_MAX, "queue bounded (%u)", r.n);
	pm_nft_recent_free(&r);
}

int main(void)
{
	test_plan();
	test_parse();
	test_match();
	test_rule();
	test_mutations();
	return check_summary();
}
