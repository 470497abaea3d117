/* SPDX-License-Identifier: MIT */
/* comp_inventory.h - the components that exist now: every namespace's interfaces (rtnetlink) and
 * stack layers, with the ids a capture writes (pure/comp_id.h). Used by `pktmon list` and to check
 * `--comp ID`. */
#ifndef PKTMON_COMP_INVENTORY_H
#define PKTMON_COMP_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pm_inv_iface {
	uint32_t ifindex;
	uint32_t id;        /* the interface's id (all its components) */
	char name[16];
	char kind[16];      /* IFLA_INFO_KIND: veth, bridge, vxlan ...; physical, loopback, other */
	char mac[24];       /* "aa:bb:cc:dd:ee:ff", or "" */
	uint32_t master;    /* ifindex of its bridge/bond, 0 if none */
	bool up;
};

struct pm_inv_netns {
	uint32_t inum;
	char name[64];      /* "host", the `ip netns` name, or the inode number */
	bool readable;      /* its interfaces could be read */
	char why_not[96];   /* when not readable */
	struct pm_inv_iface *ifaces;
	size_t nifaces;
};

struct pm_inventory {
	struct pm_inv_netns *ns;
	size_t nns;
};

/* Every namespace pm_netns_scan finds (the caller's first), its interfaces read through rtnetlink
 * where it may enter the namespace. 0, or -errno when not even the caller's own could be read. */
int pm_inventory_scan(struct pm_inventory *inv);
void pm_inventory_free(struct pm_inventory *inv);

/* Whether `id` names a component of this inventory: an interface, one of an interface's
 * components, or a stack layer of a readable namespace. */
bool pm_inventory_has_id(const struct pm_inventory *inv, uint32_t id);

#endif
