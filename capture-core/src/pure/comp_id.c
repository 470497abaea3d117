/* SPDX-License-Identifier: MIT */
/* comp_id.c - component ids from the component's identity (namespace, interface, layer, family). */
#include "comp_id.h"
#include "pktmon/pktmon_format.h"

#define NS_MAX ((PM_COMP_ID_HASHED_FIRST - 1) / PM_COMP_ID_NS_MULT) /* 4293 */
#define IFINDEX_MAX (PM_COMP_ID_NS_MULT / PM_COMP_ID_IF_MULT - 1)   /* 9999 */

/* NS of the id; UINT32_MAX when it does not fit. */
static uint32_t ns_part(uint32_t netns)
{
	if (netns < PM_NETNS_DYNAMIC_FIRST)
		return 0;
	uint32_t n = netns - PM_NETNS_DYNAMIC_FIRST + 1;
	return n <= NS_MAX ? n : UINT32_MAX;
}

static uint32_t sub_of(uint8_t layer, uint8_t nf_family)
{
	return layer + (nf_family == PKTMON_NF_IPV6 ? PM_COMP_ID_IPV6_SUB : 0);
}

static uint32_t compose(uint32_t netns, uint32_t ifindex, uint32_t sub)
{
	uint32_t ns = ns_part(netns);
	if (ns != UINT32_MAX && ifindex <= IFINDEX_MAX)
		return ns * PM_COMP_ID_NS_MULT + ifindex * PM_COMP_ID_IF_MULT + sub;
	/* out of range: a hash of (namespace, interface), SUB kept readable */
	uint64_t h = ((uint64_t)netns << 32 | ifindex) * 0x9E3779B97F4A7C15ull;
	uint32_t slots = (UINT32_MAX - PM_COMP_ID_HASHED_FIRST) / PM_COMP_ID_IF_MULT;
	return PM_COMP_ID_HASHED_FIRST + (uint32_t)((h >> 32) % slots) * PM_COMP_ID_IF_MULT + sub;
}

uint32_t pm_comp_interface_id(uint32_t netns, uint32_t ifindex)
{
	return compose(netns, ifindex, 0);
}

uint32_t pm_comp_stack_id(uint32_t netns, uint8_t layer, uint8_t nf_family)
{
	return compose(netns, 0, sub_of(layer, nf_family));
}

uint32_t pm_comp_id(const struct pm_comp_key *key)
{
	return compose(key->netns, key->ifindex, sub_of(key->layer, key->nf_family));
}

static bool is_nf_layer(uint32_t l)
{
	return (l >= PKTMON_LAYER_NF_PREROUTING && l <= PKTMON_LAYER_NF_POSTROUTING) || l == PKTMON_LAYER_NETFILTER;
}

#define BIT(l) (1u << (l))
#define DEVICE_LAYERS                                                                                     \
	(BIT(PKTMON_LAYER_DEV_RX) | BIT(PKTMON_LAYER_QDISC_ENQ) | BIT(PKTMON_LAYER_QDISC_DEQ) |           \
	 BIT(PKTMON_LAYER_DEV_TX) | BIT(PKTMON_LAYER_STACK))

uint32_t pm_comp_id_layers(uint32_t id)
{
	if (!id)
		return 0;
	uint32_t sub = id % PM_COMP_ID_IF_MULT;
	bool has_if = id >= PM_COMP_ID_HASHED_FIRST || (id % PM_COMP_ID_NS_MULT) / PM_COMP_ID_IF_MULT != 0;
	if (sub == 0)
		return has_if ? DEVICE_LAYERS : 0;
	bool v6 = sub >= PM_COMP_ID_IPV6_SUB;
	uint32_t layer = v6 ? sub - PM_COMP_ID_IPV6_SUB : sub;
	if (layer == PKTMON_LAYER_UNKNOWN || layer >= PKTMON_LAYER_MAX || (v6 && !is_nf_layer(layer)))
		return 0;
	if (has_if)
		return DEVICE_LAYERS & BIT(layer);
	/* without an interface: netfilter, socket, and drops not tied to a device */
	return (is_nf_layer(layer) || layer == PKTMON_LAYER_SOCK_RX || layer == PKTMON_LAYER_STACK ||
		PKTMON_LAYER_IS_WHY(layer))
		       ? BIT(layer)
		       : 0;
}

bool pm_comp_selected(const struct pm_comp_selection *sel, const struct pm_comp_key *key)
{
	if (!sel->nids)
		return true;
	if (key->layer < 32 && (sel->layer_mask & BIT(key->layer)))
		return true;
	uint32_t id = pm_comp_id(key), ifid = key->ifindex ? pm_comp_interface_id(key->netns, key->ifindex) : 0;
	for (size_t i = 0; i < sel->nids; i++)
		if (sel->ids[i] == id || (ifid && sel->ids[i] == ifid))
			return true;
	return false;
}
