/* SPDX-License-Identifier: MIT */
/* components.c - the component table: its id (comp_id.c) and a readable name per (layer, netns, interface). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "components.h"
#include "pktmon/pktmon.h"

void pm_components_init(struct pm_components *t)
{
	memset(t, 0, sizeof(*t));
}

void pm_components_free(struct pm_components *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->items[i]);
	free(t->items);
	free(t->slots);
	free(t->idslots);
	memset(t, 0, sizeof(*t));
}

bool pm_comp_key_eq(const struct pm_comp_key *a, const struct pm_comp_key *b)
{
	return a->netns == b->netns && a->netns_cookie == b->netns_cookie && a->ifindex == b->ifindex &&
	       a->layer == b->layer &&
	       a->nf_family == b->nf_family;
}

size_t pm_comp_key_hash(const struct pm_comp_key *k)
{
	uint64_t h = (k->netns ^ (uint64_t)k->netns_cookie << 32) * 0x9E3779B97F4A7C15ull;
	h ^= (k->ifindex + 0x7F4A7C15ull) * 0xBF58476D1CE4E5B9ull;
	h ^= ((uint64_t)k->layer << 8 | k->nf_family) * 0x94D049BB133111EBull;
	return (size_t)(h ^ (h >> 31));
}

struct pm_component *pm_components_find(const struct pm_components *t, const struct pm_comp_key *key)
{
	if (!t->nslots)
		return NULL;
	for (size_t i = pm_comp_key_hash(key) & (t->nslots - 1);; i = (i + 1) & (t->nslots - 1)) {
		uint32_t seq = t->slots[i];
		if (!seq)
			return NULL;
		if (pm_comp_key_eq(&t->items[seq - 1]->key, key))
			return t->items[seq - 1];
	}
}

static size_t id_hash(uint32_t id)
{
	return (size_t)((id * 0x9E3779B97F4A7C15ull) >> 17);
}

static void slot_put(uint32_t *slots, size_t nslots, size_t h, uint32_t seq)
{
	size_t i = h & (nslots - 1);
	while (slots[i])
		i = (i + 1) & (nslots - 1);
	slots[i] = seq;
}

static int rehash(struct pm_components *t, size_t nslots)
{
	uint32_t *slots = calloc(nslots, sizeof(*slots)), *idslots = calloc(nslots, sizeof(*idslots));
	if (!slots || !idslots) {
		free(slots);
		free(idslots);
		return -1;
	}
	for (size_t seq = 1; seq <= t->n; seq++) {
		slot_put(slots, nslots, pm_comp_key_hash(&t->items[seq - 1]->key), (uint32_t)seq);
		slot_put(idslots, nslots, id_hash(t->items[seq - 1]->id), (uint32_t)seq);
	}
	free(t->slots);
	free(t->idslots);
	t->slots = slots;
	t->idslots = idslots;
	t->nslots = nslots;
	return 0;
}

void pm_component_format_name(const struct pm_comp_key *key, const char *ifname,
			      const char *netns_name, char *buf, size_t len)
{
	enum pktmon_layer layer = (enum pktmon_layer)key->layer;
	const char *label = pktmon_layer_label(layer);
	char ifbuf[24];
	if (!ifname || !*ifname) {
		snprintf(ifbuf, sizeof(ifbuf), "if%u", key->ifindex);
		ifname = ifbuf;
	}
	switch (layer) {
	case PKTMON_LAYER_NF_PREROUTING:
	case PKTMON_LAYER_NF_INPUT:
	case PKTMON_LAYER_NF_FORWARD:
	case PKTMON_LAYER_NF_OUTPUT:
	case PKTMON_LAYER_NF_POSTROUTING:
	case PKTMON_LAYER_NETFILTER:
		snprintf(buf, len, "%s %s [netns %s]",
			 key->nf_family == PKTMON_NF_IPV6 ? "ipv6" : "ipv4", label, netns_name);
		break;
	case PKTMON_LAYER_SOCK_RX:
	case PKTMON_LAYER_ICMP_SEND: /* why points: per namespace */
	case PKTMON_LAYER_TCP_RESET:
	case PKTMON_LAYER_TCP_RETRANS:
	case PKTMON_LAYER_RCVQ_FULL:
		snprintf(buf, len, "%s [netns %s]", label, netns_name);
		break;
	case PKTMON_LAYER_STACK:
		if (key->ifindex)
			snprintf(buf, len, "%s %s [netns %s]", ifname, label, netns_name);
		else
			snprintf(buf, len, "%s [netns %s]", label, netns_name);
		break;
	default:
		snprintf(buf, len, "%s %s [netns %s]", ifname, label, netns_name);
		break;
	}
}

struct pm_component *pm_components_add(struct pm_components *t, const struct pm_comp_key *key,
				       const char *ifname, const char *netns_name, bool *created)
{
	*created = false;
	struct pm_component *c = pm_components_find(t, key);
	if (c)
		return c;
	if ((t->n + 1) * 2 > t->nslots && rehash(t, t->nslots ? t->nslots * 2 : 64) < 0)
		return NULL;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		struct pm_component **items = realloc(t->items, cap * sizeof(*items));
		if (!items)
			return NULL;
		t->items = items;
		t->cap = cap;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->seq = (uint32_t)t->n + 1;
	c->id = pm_comp_id(key);
	/* a namespace's inode reused within one session (another cookie), or two hashed ids alike */
	if (pm_components_by_id(t, c->id)) {
		uint32_t range = UINT32_MAX - PM_COMP_ID_HASHED_FIRST, k = (c->id * 2654435761u) % range;
		while (pm_components_by_id(t, PM_COMP_ID_HASHED_FIRST + k))
			k = (k + 1) % range;
		c->id = PM_COMP_ID_HASHED_FIRST + k;
	}
	c->excluded = t->sel && !pm_comp_selected(t->sel, key);
	c->key = *key;
	snprintf(c->ifname, sizeof(c->ifname), "%s", ifname ? ifname : "");
	snprintf(c->netns_name, sizeof(c->netns_name), "%s", netns_name ? netns_name : "?");
	pm_component_format_name(key, c->ifname, c->netns_name, c->name, sizeof(c->name));
	snprintf(c->description, sizeof(c->description),
		 "pktmon component %u: layer %s netns %u (%s) ifindex %u", c->id,
		 pktmon_layer_name((enum pktmon_layer)key->layer), key->netns, c->netns_name, key->ifindex);
	t->items[t->n++] = c;
	slot_put(t->slots, t->nslots, pm_comp_key_hash(key), c->seq);
	slot_put(t->idslots, t->nslots, id_hash(c->id), c->seq);
	*created = true;
	return c;
}

struct pm_component *pm_components_by_id(const struct pm_components *t, uint32_t id)
{
	if (!t->nslots)
		return NULL;
	for (size_t i = id_hash(id) & (t->nslots - 1);; i = (i + 1) & (t->nslots - 1)) {
		uint32_t seq = t->idslots[i];
		if (!seq)
			return NULL;
		if (t->items[seq - 1]->id == id)
			return t->items[seq - 1];
	}
}
