/* SPDX-License-Identifier: MIT */
/* frame_filter.h - which observations of a file `pktmon format` and `pktmon pcapng`
 * keep: drops only, and/or some pktmon component ids. */
#ifndef PKTMON_FRAME_FILTER_H
#define PKTMON_FRAME_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcapng_reader.h"
#include "pktmon_meta.h"

#define PMF_MAX_IDS 64
struct pmf_filter {
	bool drop_only;
	size_t n_ids;
	uint32_t ids[PMF_MAX_IDS];
};
struct pmf_filter *pmf_filter_new(void);
void pmf_filter_free(struct pmf_filter *f);
void pmf_filter_set_drop_only(struct pmf_filter *f);
/* "ID[,ID...]" from --component-id; prints the problem and returns -1 when invalid. */
int pmf_filter_add_ids(struct pmf_filter *f, const char *arg, const char *verb);
bool pmf_filter_active(const struct pmf_filter *f);
bool pmf_is_drop(const struct pktmon_meta *m);
/* Our metadata of a packet, decoded into m; NULL when it has none. */
const struct pktmon_meta *pmf_decode(const struct pcapng_packet *p, struct pktmon_meta *m);
bool pmf_filter_match(const struct pmf_filter *f, const struct pktmon_meta *m);
/* 1 when both paths name the same file (links included), 0 when not, -1 on errors. */
int pmf_same_file(const char *a, const char *b);

#endif
