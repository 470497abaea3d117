/* SPDX-License-Identifier: MIT */
/* components.h - the table of components (observation points) one session has seen. */
#ifndef PKTMON_COMPONENTS_H
#define PKTMON_COMPONENTS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture_event.h"
#include "comp_id.h"

struct pm_component {
	uint32_t id;               /* pm_comp_id(): the id `pktmon list` shows (comp_id.h) */
	uint32_t seq;              /* 1, 2, 3 ... in order of first sighting: its index + 1 */
	struct pm_comp_key key;
	char ifname[PM_IFNAMSIZ];
	char netns_name[64];
	char name[128];            /* "veth0 rx [netns web]" */
	char description[256];
	bool announced;            /* its IDB has been written */
	bool excluded;             /* --comp did not select it: its observations are not written */
	uint32_t if_id;            /* its pcapng interface id, once announced */
	/* what the outputs wrote and the kernel counted (refreshed at stop) */
	uint64_t events_written;
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes, drops, lost, emitted;
	uint64_t first_ts_ns, last_ts_ns;
	char last_drop_reason[48];
};

struct pm_components {
	struct pm_component **items; /* by seq - 1 */
	size_t n, cap;
	uint32_t *slots;             /* open addressing on the key: seq, 0 = empty */
	uint32_t *idslots;           /* open addressing on the id: seq, 0 = empty (same size) */
	size_t nslots;
	const struct pm_comp_selection *sel; /* what --comp selected (NULL: everything) */
};

bool pm_comp_key_eq(const struct pm_comp_key *a, const struct pm_comp_key *b);
size_t pm_comp_key_hash(const struct pm_comp_key *k);

void pm_components_init(struct pm_components *t);
void pm_components_free(struct pm_components *t);
struct pm_component *pm_components_find(const struct pm_components *t, const struct pm_comp_key *key);
/* Adds the component if new (*created = true); NULL only when out of memory. */
struct pm_component *pm_components_add(struct pm_components *t, const struct pm_comp_key *key,
				       const char *ifname, const char *netns_name, bool *created);
struct pm_component *pm_components_by_id(const struct pm_components *t, uint32_t id);

/* "veth0 rx [netns web]", "ipv4 INPUT [netns host]", "socket rx [netns db]". */
void pm_component_format_name(const struct pm_comp_key *key, const char *ifname,
			      const char *netns_name, char *buf, size_t len);

#endif
