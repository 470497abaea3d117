/* test_nf_fallback.c - which mechanism serves the netfilter points, and where
 * a drop lands when netfilter dropped the packet. Pure: no root, no kernel. */
#include <errno.h>
#include <string.h>
#include <linux/types.h>

#include "check.h"
#include "capture_event.h"
#include "components.h"
#include "nf_mechanism.h"
#include "nf_place.h"
#include "pktmon/pktmon.h"

static struct pm_nf_probe kernel(bool link, int fentry, int kprobe)
{
	return (struct pm_nf_probe){ .has_nf_link = link, .fentry = fentry, .kprobe = kprobe };
}

static void test_choice(void)
{
	struct pm_nf_probe k618 = kernel(true, -EPERM, -ENOENT); /* the dev host */
	struct pm_nf_probe k61 = kernel(false, 0, 0);           /* Debian 12 */
	struct pm_nf_probe k612 = kernel(true, 0, 0);
	struct pm_nf_probe kprobe_only = kernel(false, -EPERM, 0);
	struct pm_nf_probe nothing = kernel(false, -EPERM, -ENOENT);

	CHECK(pm_nf_mechanism_choose(&k618, NULL) == PM_MECH_NF_LINK, "links first");
	CHECK(pm_nf_mechanism_choose(&k612, NULL) == PM_MECH_NF_LINK, "links before fentry");
	CHECK(pm_nf_mechanism_choose(&k61, NULL) == PM_MECH_FENTRY, "no links: fentry");
	CHECK(pm_nf_mechanism_choose(&kprobe_only, NULL) == PM_MECH_KPROBE, "fentry refused: kprobe");
	CHECK(pm_nf_mechanism_choose(&nothing, NULL) == PM_MECH_UNAVAILABLE, "nothing works");

	CHECK(pm_nf_mechanism_choose(&k612, "kprobe") == PM_MECH_KPROBE, "forced kprobe where it works");
	CHECK(pm_nf_mechanism_choose(&k612, "fentry") == PM_MECH_FENTRY, "forced fentry where it works");
	CHECK(pm_nf_mechanism_choose(&k618, "fentry") == PM_MECH_NF_LINK, "forcing what fails is ignored");
	CHECK(pm_nf_mechanism_choose(&k61, "link") == PM_MECH_FENTRY, "no links to force");
	CHECK(pm_nf_mechanism_choose(&k618, "none") == PM_MECH_UNAVAILABLE, "forced off");
	CHECK(pm_nf_mechanism_choose(&k618, "bogus") == PM_MECH_NF_LINK, "unknown name ignored");
	CHECK(pm_nf_mechanism_choose(&k618, "") == PM_MECH_NF_LINK, "empty ignored");

	CHECK(!strcmp(pm_mechanism_name(PM_MECH_NF_LINK), "netfilter-link"));
	CHECK(!strcmp(pm_mechanism_name(PM_MECH_FENTRY), "fentry"));
	CHECK(!strcmp(pm_mechanism_name(PM_MECH_KPROBE), "kprobe"));
	CHECK(!strcmp(pm_mechanism_name(PM_MECH_TRACEPOINT), "tracepoint"));
	CHECK(!strcmp(pm_mechanism_name(PM_MECH_UNAVAILABLE), "unavailable"));
	CHECK(pm_nf_unavailable_why(&nothing) && *pm_nf_unavailable_why(&nothing));
}

static struct pm_comp_key at(__u8 layer, __u32 ifindex)
{
	return (struct pm_comp_key){ .netns = 4026531840u, .ifindex = ifindex, .layer = layer };
}

static void test_placement(void)
{
	/* no netfilter mechanism: last seen at veth-b rx, NETFILTER_DROP */
	struct pm_comp_key k = at(PKTMON_LAYER_DEV_RX, 7);
	pm_place_netfilter_drop(&k, 1, PKTMON_NF_IPV4);
	CHECK(k.layer == PKTMON_LAYER_NETFILTER && k.ifindex == 0 && k.nf_family == PKTMON_NF_IPV4,
	      "netfilter drop after dev rx goes to netfilter, not the device");
	CHECK(k.netns == 4026531840u, "same namespace");

	/* OUTPUT drop first seen when dropped (stack) */
	k = at(PKTMON_LAYER_STACK, 0);
	pm_place_netfilter_drop(&k, 1, PKTMON_NF_IPV6);
	CHECK(k.layer == PKTMON_LAYER_NETFILTER && k.nf_family == PKTMON_NF_IPV6, "stack -> ipv6 netfilter");

	/* a fallback (or a link) saw the hook: the drop stays at that hook */
	k = at(PKTMON_LAYER_NF_INPUT, 0);
	k.nf_family = PKTMON_NF_IPV4;
	pm_place_netfilter_drop(&k, 1, PKTMON_NF_IPV4);
	CHECK(k.layer == PKTMON_LAYER_NF_INPUT, "known hook kept");

	/* not netfilter's: NO_SOCKET stays where the packet was */
	k = at(PKTMON_LAYER_DEV_RX, 7);
	pm_place_netfilter_drop(&k, 0, PKTMON_NF_IPV4);
	CHECK(k.layer == PKTMON_LAYER_DEV_RX && k.ifindex == 7, "other drops untouched");

	for (int l = PKTMON_LAYER_NF_PREROUTING; l <= PKTMON_LAYER_NF_POSTROUTING; l++)
		CHECK(pm_layer_is_netfilter((__u8)l), "layer %d", l);
	CHECK(pm_layer_is_netfilter(PKTMON_LAYER_NETFILTER));
	CHECK(!pm_layer_is_netfilter(PKTMON_LAYER_DEV_RX) && !pm_layer_is_netfilter(PKTMON_LAYER_STACK));
}

static void test_names(void)
{
	CHECK(!strcmp(pktmon_layer_name(PKTMON_LAYER_NETFILTER), "netfilter"));
	char name[128];
	struct pm_comp_key k = at(PKTMON_LAYER_NETFILTER, 0);
	k.nf_family = PKTMON_NF_IPV4;
	pm_component_format_name(&k, "", "pmb", name, sizeof(name));
	CHECK(!strcmp(name, "ipv4 netfilter [netns pmb]"), "got '%s'", name);
	bool listed = false;
	for (const char *const *f = pm_nf_drop_functions; *f; f++)
		listed |= !strcmp(*f, "nf_hook_slow");
	CHECK(listed, "nf_hook_slow is netfilter code");
}

int main(void)
{
	test_choice();
	test_placement();
	test_names();
	return check_summary();
}
