/* SPDX-License-Identifier: MIT */
/* components_api.c - pktmon_enum_components: the inventory `pktmon list` prints, as a flat list
 * with parents, in one allocation the caller frees at once. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comp_id.h"
#include "comp_inventory.h"
#include "components.h"
#include "pktmon/pktmon.h"

/* An interface's points, in the order a packet meets them; a namespace's layers. */
static const enum pktmon_layer point_layers[] = { PKTMON_LAYER_DEV_RX, PKTMON_LAYER_QDISC_ENQ,
						  PKTMON_LAYER_QDISC_DEQ, PKTMON_LAYER_DEV_TX, PKTMON_LAYER_STACK };
static const enum pktmon_layer nf_layers[] = { PKTMON_LAYER_NF_PREROUTING, PKTMON_LAYER_NF_INPUT,
					       PKTMON_LAYER_NF_FORWARD, PKTMON_LAYER_NF_OUTPUT,
					       PKTMON_LAYER_NF_POSTROUTING };
#define N(a) (sizeof(a) / sizeof((a)[0]))
#define ROWS_PER_NS (2 * N(nf_layers) + 2)

/* The strings of one entry, stored after the array. */
struct strings {
	char name[160], netns_name[64], if_kind[16], mac[24];
};

struct builder {
	struct pktmon_component_info *list;
	struct strings *str;
	size_t n, cap;
	const struct pktmon_data_source *src;
	size_t nsrc;
	bool all;
};

static bool offered(const struct builder *b, enum pktmon_layer l)
{
	for (size_t i = 0; i < b->nsrc; i++)
		if (b->src[i].layer == l)
			return b->all || b->src[i].available;
	return b->all;
}

static struct pktmon_component_info *add(struct builder *b, const struct pm_inv_netns *ns)
{
	struct pktmon_component_info *c = &b->list[b->n];
	struct strings *s = &b->str[b->n++];
	memset(c, 0, sizeof(*c));
	memset(s, 0, sizeof(*s));
	snprintf(s->netns_name, sizeof(s->netns_name), "%s", ns->name);
	c->name = s->name;
	c->netns_name = s->netns_name;
	c->if_kind = s->if_kind;
	c->mac = s->mac;
	c->netns_inode = ns->inum;
	c->layer = PKTMON_LAYER_UNKNOWN;
	return c;
}

static void add_point(struct builder *b, const struct pm_inv_netns *ns, const struct pm_inv_iface *f,
		      uint32_t parent, enum pktmon_layer layer, uint8_t family)
{
	struct pktmon_component_info *c = add(b, ns);
	struct pm_comp_key key = { .netns = ns->inum, .ifindex = f ? f->ifindex : 0, .layer = (__u8)layer,
				   .nf_family = family };
	c->id = pm_comp_id(&key);
	c->parent_id = parent;
	c->kind = f ? PKTMON_COMPONENT_POINT : PKTMON_COMPONENT_LAYER;
	c->layer = layer;
	c->ifindex = key.ifindex;
	pm_component_format_name(&key, f ? f->name : NULL, ns->name, (char *)c->name, sizeof(((struct strings *)0)->name));
}

int pktmon_enum_components(pktmon_handle *h, bool all, struct pktmon_component_info **list, size_t *n)
{
	if (!h || !list || !n)
		return -EINVAL;
	*list = NULL;
	*n = 0;
	struct pm_inventory inv;
	int rc = pm_inventory_scan(&inv);
	if (rc < 0)
		return rc;
	struct builder b = { .all = all };
	pktmon_enum_data_sources(h, &b.src, &b.nsrc);
	for (size_t i = 0; i < inv.nns; i++)
		b.cap += ROWS_PER_NS + inv.ns[i].nifaces * (1 + N(point_layers));
	void *mem = calloc(b.cap ? b.cap : 1, sizeof(*b.list) + sizeof(*b.str));
	if (!mem) {
		pm_inventory_free(&inv);
		return -ENOMEM;
	}
	b.list = mem;
	b.str = (struct strings *)(b.list + (b.cap ? b.cap : 1));
	for (size_t i = 0; i < inv.nns; i++) {
		const struct pm_inv_netns *ns = &inv.ns[i];
		for (size_t j = 0; ns->readable && j < ns->nifaces; j++) {
			const struct pm_inv_iface *f = &ns->ifaces[j];
			struct pktmon_component_info *c = add(&b, ns);
			c->id = f->id;
			c->kind = PKTMON_COMPONENT_INTERFACE;
			c->ifindex = f->ifindex;
			c->up = f->up;
			c->parent_id = f->master ? pm_comp_interface_id(ns->inum, f->master) : 0;
			struct strings *s = &b.str[b.n - 1];
			snprintf(s->name, sizeof(s->name), "%s", f->name);
			snprintf(s->if_kind, sizeof(s->if_kind), "%s", f->kind);
			snprintf(s->mac, sizeof(s->mac), "%s", f->mac);
			for (size_t k = 0; k < N(point_layers); k++)
				if (offered(&b, point_layers[k]))
					add_point(&b, ns, f, f->id, point_layers[k], 0);
		}
		for (size_t fam = 0; fam < 2; fam++)
			for (size_t k = 0; k < N(nf_layers); k++)
				if (offered(&b, nf_layers[k]))
					add_point(&b, ns, NULL, 0, nf_layers[k], fam ? PKTMON_NF_IPV6 : PKTMON_NF_IPV4);
		if (offered(&b, PKTMON_LAYER_SOCK_RX))
			add_point(&b, ns, NULL, 0, PKTMON_LAYER_SOCK_RX, 0);
		if (offered(&b, PKTMON_LAYER_STACK))
			add_point(&b, ns, NULL, 0, PKTMON_LAYER_STACK, 0);
	}
	pm_inventory_free(&inv);
	*list = b.list;
	*n = b.n;
	return 0;
}

void pktmon_free_components(struct pktmon_component_info *list)
{
	free(list);
}
