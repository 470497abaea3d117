/* SPDX-License-Identifier: MIT */
/* rundown.h - encoding the end-of-capture trailer: the pktmon rundown Custom Block
 * and one ISB per announced interface. */
#ifndef PKTMON_RUNDOWN_H
#define PKTMON_RUNDOWN_H

#include <stddef.h>
#include <stdint.h>

#include "pm_buf.h"

struct pm_component;
struct pm_filter;

/* The kernel's drops of one (component, reason). */
struct pm_rundown_drop {
	uint32_t component_id;
	uint32_t reason_code;
	const char *reason;
	uint64_t count;
};

/* What the rundown says; the session gathers it at stop. */
struct pm_rundown_info {
	const char *session_name;
	uint64_t start_ns, stop_ns;
	uint32_t snaplen;
	uint8_t capture_type;
	uint64_t events_written;
	uint64_t events_missed; /* skipped by the kernel (pktmon_get_kernel_missed) */
	const char *kernel; /* release, as uname says */
	const char *host;   /* the host name the capture carries (SHB, IDBs) */
	const struct pm_filter *filters;
	size_t nfilters;
	const char *capture_filter; /* the pcap-filter expression, NULL: none */
	struct pm_component *const *comps;
	size_t ncomps;
	const struct pm_rundown_drop *drops;
	size_t ndrops;
};

/* Appends the rundown Custom Block and one ISB per announced component to out. */
void pm_rundown_encode(struct pm_buf *out, const struct pm_rundown_info *s);

#endif
