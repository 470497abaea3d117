/* SPDX-License-Identifier: MIT */
/*
 * comp_id.h - component ids computed from what a component is (docs/FORMAT.md, "Component ids"):
 * `pktmon list` and every capture compute the same id with no shared state.
 *
 *   id = NS * 1000000 + IFINDEX * 100 + SUB
 *   NS      0 for the initial namespace when the kernel gives it its fixed inode (< 0xF0000000),
 *           else netns inode - 0xF0000000 + 1 (the kernel hands these out smallest first)
 *   IFINDEX the interface, 0 for the stack layers (netfilter, socket, stack without a device)
 *   SUB     0: the interface itself (all its components); else the layer, + 50 for IPv6
 *
 * Ids that do not fit (NS > 4293, IFINDEX > 9999) are hashed into 4294000000..4294967295.
 */
#ifndef PKTMON_COMP_ID_H
#define PKTMON_COMP_ID_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture_event.h"

#define PM_COMP_ID_NS_MULT 1000000u
#define PM_COMP_ID_IF_MULT 100u
#define PM_COMP_ID_IPV6_SUB 50u
#define PM_COMP_ID_HASHED_FIRST 4294000000u
#define PM_NETNS_DYNAMIC_FIRST 0xF0000000u

/* The id of the component `key` names. */
uint32_t pm_comp_id(const struct pm_comp_key *key);
/* The id of an interface (SUB 0): selects all its components. */
uint32_t pm_comp_interface_id(uint32_t netns, uint32_t ifindex);
/* The id of the stack layer `layer` (family PKTMON_NF_IPV4/IPV6 or 0) of a namespace. */
uint32_t pm_comp_stack_id(uint32_t netns, uint8_t layer, uint8_t nf_family);

/* The layers (bit per enum pktmon_layer) a component id can observe; 0 if no id has that form. */
uint32_t pm_comp_id_layers(uint32_t id);

/* What `--comp ID,...` selected: components by id, interfaces by id, and whole layers. */
struct pm_comp_selection {
	const uint32_t *ids;
	size_t nids;
	uint32_t layer_mask; /* layers named by name (every component of them) */
};
/* Whether a capture with this selection keeps the observations of `key` (no ids: all). */
bool pm_comp_selected(const struct pm_comp_selection *sel, const struct pm_comp_key *key);

#endif
