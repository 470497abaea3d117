// SPDX-License-Identifier: MIT
/* test_ccache.c - the slot of a component in the per-CPU counters cache. The
 * counters-only fast path (lean_pass() in capture.bpf.c) finds a slot from the
 * namespace's cookie alone, the general path from the whole key: they must
 * agree, or every packet of the fast path would miss its slot. Pure. */
#include <linux/types.h>

#include "check.h"
#include "capture_event.h"
#include "pktmon/pktmon_format.h"

static void test_cookie_names_the_slot(void)
{
	/* what lean_pass() knows: cookie, device, layer, family; the inode comes later */
	for (__u32 cookie = 1; cookie < 400; cookie += 7)
		for (__u32 ifindex = 0; ifindex < 5; ifindex++)
			for (__u8 layer = 0; layer < 12; layer++) {
				__u8 fam = layer >= PKTMON_LAYER_NF_PREROUTING ? PKTMON_NF_IPV6 : 0;
				struct pm_comp_key k = { .netns = 4026531840u + cookie, .ifindex = ifindex,
							 .layer = layer, .nf_family = fam, .netns_cookie = cookie };
				__u32 fast = pm_ccache_index_of(cookie, ifindex, layer, fam);
				CHECK(pm_ccache_index(&k) == fast, "cookie %u ifindex %u layer %u: slot %u, fast path %u",
				      cookie, ifindex, layer, pm_ccache_index(&k), fast);
				k.netns += 1000; /* the inode does not choose the slot when the cookie is known */
				CHECK(pm_ccache_index(&k) == fast, "inode changed the slot");
			}
}

static void test_no_cookie(void)
{
	/* kernels before 5.12: no cookie, the inode tells namespaces apart */
	struct pm_comp_key a = { .netns = 4026531840u, .ifindex = 2, .layer = PKTMON_LAYER_DEV_RX };
	struct pm_comp_key b = a;
	b.netns = 4026532100u;
	CHECK(pm_ccache_index(&a) == pm_ccache_index_of(a.netns, 2, PKTMON_LAYER_DEV_RX, 0));
	CHECK(pm_ccache_index(&a) != pm_ccache_index(&b), "two namespaces' veth 2 share slot %u", pm_ccache_index(&a));
}

static void test_spread(void)
{
	/* a host's usual components (4 namespaces x 3 devices x 4 device layers + 5 hooks x 2 families)
	 * mostly get slots of their own: a shared slot sends the later one to the hash */
	int used[PM_CCACHE_SLOTS] = { 0 }, n = 0, shared = 0;
	for (__u32 cookie = 1; cookie <= 4; cookie++) {
		static const __u8 dev_layers[] = { PKTMON_LAYER_DEV_RX, PKTMON_LAYER_QDISC_ENQ, PKTMON_LAYER_QDISC_DEQ,
						    PKTMON_LAYER_DEV_TX };
		for (__u32 ifindex = 1; ifindex <= 3; ifindex++)
			for (int l = 0; l < 4; l++, n++)
				shared += used[pm_ccache_index_of(cookie, ifindex, dev_layers[l], 0)]++ > 0;
		for (__u8 hook = 0; hook < 5; hook++)
			for (int f = 0; f < 2; f++, n++)
				shared += used[pm_ccache_index_of(cookie, 0, PKTMON_LAYER_NF_PREROUTING + hook,
								  f ? PKTMON_NF_IPV6 : PKTMON_NF_IPV4)]++ > 0;
	}
	CHECK(shared * 5 < n, "%d of %d components share a slot", shared, n);
}

int main(void)
{
	test_cookie_names_the_slot();
	test_no_cookie();
	test_spread();
	return check_summary();
}
