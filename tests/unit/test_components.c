/* test_components.c - component ids and names, layer table, event lines. */
#include <linux/types.h>
#include <stdio.h>
#include <string.h>

#include "components.h"
#include "pktmon_meta.h"
#include "pktmon/pktmon.h"

#include "check.h"

static struct pm_comp_key key(__u8 layer, __u32 netns, __u32 ifindex, __u8 fam)
{
	struct pm_comp_key k;
	memset(&k, 0, sizeof(k));
	k.layer = layer;
	k.netns = netns;
	k.ifindex = ifindex;
	k.nf_family = fam;
	return k;
}

static void test_names(void)
{
	char buf[128];
	struct pm_comp_key k = key(PKTMON_LAYER_DEV_RX, 4026531840u, 3, 0);
	pm_component_format_name(&k, "veth0", "web", buf, sizeof(buf));
	CHECK(!strcmp(buf, "veth0 rx [netns web]"), "got %s", buf);
	k = key(PKTMON_LAYER_NF_INPUT, 1, 0, PKTMON_NF_IPV4);
	pm_component_format_name(&k, NULL, "host", buf, sizeof(buf));
	CHECK(!strcmp(buf, "ipv4 INPUT [netns host]"), "got %s", buf);
	k = key(PKTMON_LAYER_NF_POSTROUTING, 1, 0, PKTMON_NF_IPV6);
	pm_component_format_name(&k, NULL, "db", buf, sizeof(buf));
	CHECK(!strcmp(buf, "ipv6 POSTROUTING [netns db]"), "got %s", buf);
	k = key(PKTMON_LAYER_QDISC_ENQ, 1, 7, 0);
	pm_component_format_name(&k, "", "x", buf, sizeof(buf));
	CHECK(!strcmp(buf, "if7 qdisc enqueue [netns x]"), "no ifname: got %s", buf);
	k = key(PKTMON_LAYER_SOCK_RX, 1, 0, 0);
	pm_component_format_name(&k, NULL, "web", buf, sizeof(buf));
	CHECK(!strcmp(buf, "socket rx [netns web]"), "got %s", buf);
	k = key(PKTMON_LAYER_STACK, 1, 0, 0);
	pm_component_format_name(&k, NULL, "web", buf, sizeof(buf));
	CHECK(!strcmp(buf, "stack [netns web]"), "got %s", buf);
	/* a short buffer truncates, never overflows */
	char small[8];
	memset(small, 'X', sizeof(small));
	k = key(PKTMON_LAYER_DEV_TX, 1, 2, 0);
	pm_component_format_name(&k, "eth0", "web", small, sizeof(small));
	CHECK(strlen(small) == 7, "truncated name length %zu", strlen(small));
}

static void test_table(void)
{
	struct pm_components t;
	pm_components_init(&t);
	bool created;
	/* many components: ids computed from (namespace, interface, layer), seq 1..n, lookups find each */
	for (__u32 i = 0; i < 1000; i++) {
		struct pm_comp_key k = key((__u8)(1 + i % 10), 4026531840u + i / 10, i % 10, 0);
		struct pm_component *c = pm_components_add(&t, &k, "eth0", "ns", &created);
		__u32 want = (i / 10 + 1) * 1000000u + (i % 10) * 100u + 1 + i % 10;
		CHECK(c && created && c->id == want && c->seq == i + 1, "add %u: id %u", i, c ? c->id : 0);
	}
	for (__u32 i = 0; i < 1000; i++) {
		struct pm_comp_key k = key((__u8)(1 + i % 10), 4026531840u + i / 10, i % 10, 0);
		__u32 want = (i / 10 + 1) * 1000000u + (i % 10) * 100u + 1 + i % 10;
		struct pm_component *c = pm_components_find(&t, &k);
		CHECK(c && c->id == want, "find %u", i);
		c = pm_components_add(&t, &k, "other", "ns", &created);
		CHECK(c && !created && c->id == want && !strcmp(c->ifname, "eth0"), "re-add %u", i);
		CHECK(pm_components_by_id(&t, want) == c, "by id %u", i);
	}
	/* the family is part of the identity: ipv4 INPUT of the host is 3, ipv6 INPUT 53 */
	struct pm_comp_key v4 = key(PKTMON_LAYER_NF_INPUT, 5, 0, PKTMON_NF_IPV4);
	struct pm_comp_key v6 = key(PKTMON_LAYER_NF_INPUT, 5, 0, PKTMON_NF_IPV6);
	struct pm_component *a = pm_components_add(&t, &v4, NULL, "n", &created);
	struct pm_component *b = pm_components_add(&t, &v6, NULL, "n", &created);
	CHECK(a && b && a != b && a->id == 3 && b->id == 53, "families are distinct components");
	CHECK(strstr(a->description, "pktmon component 3: layer nf-input netns 5 (n)") != NULL, "desc %s",
	      a->description);
	/* a reused inode number with another net_cookie is another namespace, with another id */
	struct pm_comp_key old_ns = key(PKTMON_LAYER_DEV_RX, 4026532500u, 1, 0), new_ns = old_ns;
	old_ns.netns_cookie = 400;
	new_ns.netns_cookie = 401;
	struct pm_component *o = pm_components_add(&t, &old_ns, "lo", "gone", &created);
	struct pm_component *n = pm_components_add(&t, &new_ns, "lo", "fresh", &created);
	CHECK(o && n && o != n && created && !strcmp(n->name, "lo rx [netns fresh]"), "reused inode: %s",
	      n ? n->name : "NULL");
	CHECK(o && n && o->id == 661000101u && n->id != o->id && n->id >= PM_COMP_ID_HASHED_FIRST,
	      "reused inode ids %u %u", o ? o->id : 0, n ? n->id : 0);
	CHECK(pm_components_find(&t, &old_ns) == o && pm_components_find(&t, &new_ns) == n, "both found");
	CHECK(pm_components_by_id(&t, 0) == NULL && pm_components_by_id(&t, 1005) == NULL, "ids nobody has");
	pm_components_free(&t);
}

#define BIT(l) (1u << (l))
static void test_comp_id(void)
{
	const __u32 host = 0xEFFFFFF9u, ns336 = 0xF0000000u + 336;
	struct pm_comp_key k = key(PKTMON_LAYER_DEV_RX, host, 4, 0);
	CHECK(pm_comp_id(&k) == 401 && pm_comp_interface_id(host, 4) == 400, "host eth0 rx %u", pm_comp_id(&k));
	k = key(PKTMON_LAYER_DEV_TX, ns336, 2, 0);
	CHECK(pm_comp_id(&k) == 337000210u, "veth tx in a namespace: %u", pm_comp_id(&k));
	CHECK(pm_comp_stack_id(ns336, PKTMON_LAYER_NF_INPUT, PKTMON_NF_IPV6) == 337000053u, "ipv6 INPUT");
	CHECK(pm_comp_stack_id(host, PKTMON_LAYER_SOCK_RX, 0) == 7, "socket of the host");
	/* the layers an id can observe; ids of no component have none */
	const __u32 dev = BIT(PKTMON_LAYER_DEV_RX) | BIT(PKTMON_LAYER_QDISC_ENQ) | BIT(PKTMON_LAYER_QDISC_DEQ) |
			  BIT(PKTMON_LAYER_DEV_TX) | BIT(PKTMON_LAYER_STACK);
	CHECK(pm_comp_id_layers(400) == dev, "an interface: its device layers");
	CHECK(pm_comp_id_layers(401) == BIT(PKTMON_LAYER_DEV_RX), "one component");
	CHECK(pm_comp_id_layers(53) == BIT(PKTMON_LAYER_NF_INPUT), "ipv6 INPUT");
	CHECK(pm_comp_id_layers(11) == BIT(PKTMON_LAYER_STACK), "drops without a device");
	CHECK(pm_comp_id_layers(57) == 0, "socket has no ipv6 form");
	CHECK(pm_comp_id_layers(0) == 0 && pm_comp_id_layers(337000000u) == 0, "no interface, no layer");
	CHECK(pm_comp_id_layers(150) == 0 && pm_comp_id_layers(405) == 0 && pm_comp_id_layers(99) == 0,
	      "not a layer of an interface");
	CHECK(pm_comp_id_layers(PKTMON_LAYER_MAX) == 0, "layer beyond the table");
	CHECK(pm_comp_id_layers(13) == BIT(PKTMON_LAYER_ICMP_SEND), "a why point of the host");
	/* out of range: hashed, the SUB kept, the interface id still its SUB-0 form */
	k = key(PKTMON_LAYER_DEV_TX, ns336, 12345, 0);
	__u32 id = pm_comp_id(&k);
	CHECK(id >= PM_COMP_ID_HASHED_FIRST && id % 100 == PKTMON_LAYER_DEV_TX &&
		      id - PKTMON_LAYER_DEV_TX == pm_comp_interface_id(ns336, 12345),
	      "hashed %u", id);
	CHECK(pm_comp_id_layers(pm_comp_interface_id(ns336, 12345)) == dev, "hashed interface id");
	k = key(PKTMON_LAYER_DEV_RX, 0xF0000000u + 5000, 1, 0);
	CHECK(pm_comp_id(&k) >= PM_COMP_ID_HASHED_FIRST, "namespace beyond 4293 hashed");
	/* the selection: an interface id keeps its components only; named layers keep every component */
	__u32 ids[] = { 400, 337000053u };
	struct pm_comp_selection sel = { .ids = ids, .nids = 2 };
	struct pm_comp_key tx = key(PKTMON_LAYER_DEV_TX, host, 4, 0), lo = key(PKTMON_LAYER_DEV_TX, host, 1, 0);
	struct pm_comp_key in4 = key(PKTMON_LAYER_NF_INPUT, ns336, 0, PKTMON_NF_IPV4);
	struct pm_comp_key in6 = key(PKTMON_LAYER_NF_INPUT, ns336, 0, PKTMON_NF_IPV6);
	struct pm_comp_key drop = key(PKTMON_LAYER_STACK, host, 4, 0);
	CHECK(pm_comp_selected(&sel, &tx) && pm_comp_selected(&sel, &drop), "eth0's components");
	CHECK(!pm_comp_selected(&sel, &lo) && !pm_comp_selected(&sel, &in4), "others left out");
	CHECK(pm_comp_selected(&sel, &in6), "a stack component by id");
	sel.layer_mask = BIT(PKTMON_LAYER_NF_INPUT);
	CHECK(pm_comp_selected(&sel, &in4) && !pm_comp_selected(&sel, &lo), "ids and a layer name mixed");
	struct pm_comp_selection none = { 0 };
	CHECK(pm_comp_selected(&none, &lo), "no ids: everything");
	/* the table marks what the selection leaves out */
	struct pm_components t;
	pm_components_init(&t);
	t.sel = &sel;
	bool created;
	struct pm_component *c1 = pm_components_add(&t, &tx, "eth0", "host", &created);
	struct pm_component *c2 = pm_components_add(&t, &lo, "lo", "host", &created);
	CHECK(c1 && c2 && !c1->excluded && c2->excluded, "excluded flags");
	pm_components_free(&t);
}

static void test_layers(void)
{
	for (int l = 1; l < PKTMON_LAYER_MAX; l++)
		CHECK((int)pktmon_layer_from_name(pktmon_layer_name((enum pktmon_layer)l)) == l, "round trip layer %d", l);
	CHECK(pktmon_layer_from_name("NF-INPUT") == PKTMON_LAYER_NF_INPUT, "case-insensitive");
	CHECK(pktmon_layer_from_name("bogus") == PKTMON_LAYER_UNKNOWN, "unknown name");
	CHECK(pktmon_layer_direction(PKTMON_LAYER_DEV_RX) == PKTMON_DIR_RX, "rx");
	CHECK(pktmon_layer_direction(PKTMON_LAYER_NF_OUTPUT) == PKTMON_DIR_TX, "tx");
	CHECK(!strcmp(pktmon_layer_name((enum pktmon_layer)99), "unknown"), "out of range layer");
	/* why points: named, without a direction, per namespace */
	CHECK(!strcmp(pktmon_layer_name(PKTMON_LAYER_ICMP_SEND), "icmp-error") &&
		      !strcmp(pktmon_layer_name(PKTMON_LAYER_TCP_RESET), "tcp-reset") &&
		      !strcmp(pktmon_layer_name(PKTMON_LAYER_TCP_RETRANS), "tcp-retransmit") &&
		      !strcmp(pktmon_layer_name(PKTMON_LAYER_RCVQ_FULL), "rcvqueue-full"),
	      "why layer names");
	for (int l = PKTMON_LAYER_ICMP_SEND; l <= PKTMON_LAYER_RCVQ_FULL; l++)
		CHECK(PKTMON_LAYER_IS_WHY(l) && pktmon_layer_direction((enum pktmon_layer)l) == PKTMON_DIR_UNKNOWN,
		      "why layer %d", l);
	CHECK(!PKTMON_LAYER_IS_WHY(PKTMON_LAYER_NETFILTER) && !PKTMON_LAYER_IS_WHY(PKTMON_LAYER_MAX), "not why layers");
	char buf[128];
	struct pm_comp_key k = { .netns = 4026532000u, .layer = PKTMON_LAYER_ICMP_SEND };
	pm_component_format_name(&k, NULL, "srv", buf, sizeof(buf));
	CHECK(!strcmp(buf, "ICMP error sent [netns srv]"), "got %s", buf);
	k.layer = PKTMON_LAYER_TCP_RETRANS;
	pm_component_format_name(&k, "", "cli", buf, sizeof(buf));
	CHECK(!strcmp(buf, "TCP retransmission [netns cli]"), "got %s", buf);
	uint32_t rst_id = pm_comp_stack_id(4026532000u, PKTMON_LAYER_TCP_RESET, 0);
	CHECK(pm_comp_id_layers(rst_id) == BIT(PKTMON_LAYER_TCP_RESET), "a why point's id names its layer");
	/* what they say */
	pktmon_why_describe(PKTMON_WHY_ICMP_SENT, 3, 4, buf, sizeof(buf));
	CHECK(!strcmp(buf, "ICMP fragmentation needed sent"), "got %s", buf);
	pktmon_why_describe(PKTMON_WHY_ICMPV6_SENT, 1, 4, buf, sizeof(buf));
	CHECK(!strcmp(buf, "ICMPv6 port unreachable sent"), "got %s", buf);
	CHECK(!strcmp(pktmon_why_describe(PKTMON_WHY_ICMPV6_SENT, 2, 0, buf, sizeof(buf)),
		      "ICMPv6 packet too big sent"),
	      "got %s", buf);
	CHECK(!strcmp(pktmon_why_describe(PKTMON_WHY_ICMP_SENT, 3, 99, buf, sizeof(buf)), "ICMP type 3 code 99 sent"),
	      "unknown code: got %s", buf);
	CHECK(!strcmp(pktmon_why_describe(PKTMON_WHY_TCP_RETRANS, 0, 0, buf, sizeof(buf)), "TCP retransmission") &&
		      !strcmp(pktmon_why_describe(PKTMON_WHY_RCVQ_FULL, 0, 0, buf, sizeof(buf)),
			      "receive queue full") &&
		      !strcmp(pktmon_why_describe(PKTMON_WHY_NONE, 0, 0, buf, sizeof(buf)), ""),
	      "texts");
	CHECK(!strcmp(pktmon_why_name(PKTMON_WHY_TCP_RESET), "tcp-reset") && !strcmp(pktmon_why_name(77), "unknown"),
	      "why names");
}

static void test_event_line(void)
{
	/* Ethernet + IPv4 UDP 198.18.0.1:5353 -> 198.18.0.2:9 */
	static const __u8 frame[] = {
		0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00,
		0x45, 0, 0, 33, 0, 0, 0x40, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2,
		0x14, 0xe9, 0, 9, 0, 13, 0, 0, 'h', 'e', 'l', 'l', 'o',
	};
	struct pktmon_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.component_id = 7;
	ev.component_name = "ipv4 INPUT [netns b]";
	ev.direction = PKTMON_DIR_RX;
	ev.pkt_group_id = 42;
	ev.appearance = 3;
	ev.timestamp_ns = 3723000000123ull; /* 01:02:03.000000123 */
	ev.drop_reason = "NO_SOCKET";
	ev.drop_symbol = "__udp4_lib_rcv+0x4bc";
	ev.data = frame;
	ev.cap_len = sizeof(frame);
	ev.orig_len = sizeof(frame);
	char line[512];
	pktmon_format_event(&ev, line, sizeof(line));
	CHECK(!strcmp(line, "01:02:03.000000123 PktGroupId 42, Appearance 3, Direction Rx, Component 7 "
			    "(ipv4 INPUT [netns b]), Drop: Reason NO_SOCKET, Location __udp4_lib_rcv+0x4bc; "
			    "198.18.0.1.5353 > 198.18.0.2.9: UDP, length 47"),
	      "got %s", line);
	/* a truncated frame: no crash, still a line */
	ev.cap_len = 20;
	ev.drop_reason = NULL;
	pktmon_format_event(&ev, line, sizeof(line));
	CHECK(strstr(line, "PktGroupId 42, Appearance 3") != NULL && !strstr(line, "Drop"), "got %s", line);
	/* a why point says what the kernel did next */
	ev.cap_len = sizeof(frame);
	ev.component_name = "ICMP error sent [netns b]";
	ev.direction = PKTMON_DIR_UNKNOWN;
	ev.why = PKTMON_WHY_ICMP_SENT;
	ev.icmp_type = 3;
	ev.icmp_code = 3;
	pktmon_format_event(&ev, line, sizeof(line));
	CHECK(!strcmp(line, "01:02:03.000000123 PktGroupId 42, Appearance 3, Direction --, Component 7 "
			    "(ICMP error sent [netns b]), Next: ICMP port unreachable sent; "
			    "198.18.0.1.5353 > 198.18.0.2.9: UDP, length 47"),
	      "got %s", line);
	/* a buffer freed after a copy reached a socket */
	ev.why = 0;
	ev.component_name = "ipv4 INPUT [netns b]";
	ev.drop_reason = "NO_SOCKET";
	ev.drop_symbol = "ping_rcv+0xb3";
	ev.flags = PKTMON_FLAG_DROPPED | PKTMON_FLAG_DELIVERED_COPY;
	pktmon_format_event(&ev, line, sizeof(line));
	CHECK(strstr(line, "Drop: Reason NO_SOCKET, Location ping_rcv+0xb3 (a copy reached a socket: not a loss);") !=
		      NULL,
	      "got %s", line);
}

static void test_continuation(void)
{
	uint32_t all = 0, t[PKTMON_LAYER_MAX];
	for (int l = 1; l < PKTMON_LAYER_MAX; l++)
		all |= 1u << l;
	pktmon_continuation_table(all, t);
	/* everything observed: only direct steps */
	CHECK(t[PKTMON_LAYER_NF_INPUT] & (1u << PKTMON_LAYER_NF_PREROUTING), "PREROUTING -> INPUT");
	CHECK(!(t[PKTMON_LAYER_NF_OUTPUT] & (1u << PKTMON_LAYER_NF_INPUT)), "INPUT -> OUTPUT is a reused address");
	CHECK(!(t[PKTMON_LAYER_NF_OUTPUT] & (1u << PKTMON_LAYER_SOCK_RX)), "socket rx -> OUTPUT is a reused address");
	CHECK(!(t[PKTMON_LAYER_DEV_RX] & (1u << PKTMON_LAYER_SOCK_RX)), "socket rx -> rx is a reused address");
	CHECK(t[PKTMON_LAYER_NF_OUTPUT] & (1u << PKTMON_LAYER_DEV_TX), "tunnel encapsulation: tx -> OUTPUT");
	CHECK(t[PKTMON_LAYER_DEV_RX] & (1u << PKTMON_LAYER_NF_INPUT), "tunnel decapsulation: INPUT -> rx");
	CHECK(t[PKTMON_LAYER_DEV_RX] & (1u << PKTMON_LAYER_DEV_TX), "veth: tx -> peer rx");
	CHECK(!(t[PKTMON_LAYER_NF_INPUT] & (1u << PKTMON_LAYER_DEV_RX)), "rx -> INPUT skips PREROUTING, which is observed");
	CHECK(t[PKTMON_LAYER_STACK] == ~0u, "a drop follows anything");
	CHECK(t[PKTMON_LAYER_ICMP_SEND] == ~0u && t[PKTMON_LAYER_RCVQ_FULL] == ~0u, "so does a why point");
	/* --comp nics: rx -> tx (forwarding) and tx -> rx are direct now */
	uint32_t nics = 1u << PKTMON_LAYER_DEV_RX | 1u << PKTMON_LAYER_DEV_TX | 1u << PKTMON_LAYER_STACK;
	pktmon_continuation_table(nics, t);
	CHECK(t[PKTMON_LAYER_DEV_TX] & (1u << PKTMON_LAYER_DEV_RX), "nics only: forwarded rx -> tx");
	CHECK(t[PKTMON_LAYER_DEV_RX] & (1u << PKTMON_LAYER_DEV_TX), "nics only: tx -> rx");
	/* INPUT unobserved: PREROUTING -> socket rx is direct */
	pktmon_continuation_table(all & ~(1u << PKTMON_LAYER_NF_INPUT), t);
	CHECK(t[PKTMON_LAYER_SOCK_RX] & (1u << PKTMON_LAYER_NF_PREROUTING), "INPUT unobserved: PREROUTING -> socket rx");
	CHECK(!(t[PKTMON_LAYER_NF_OUTPUT] & (1u << PKTMON_LAYER_NF_PREROUTING)), "still no way to OUTPUT from the rx side");
}

int main(void)
{
	test_continuation();
	test_names();
	test_table();
	test_comp_id();
	test_layers();
	test_event_line();
	return check_summary();
}
