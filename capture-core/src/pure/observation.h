/* SPDX-License-Identifier: MIT */
/* observation.h - one observation as an Enhanced Packet Block with the pktmon
 * metadata option (docs/FORMAT.md); the session's hot path, and pure. */
#ifndef PKTMON_OBSERVATION_H
#define PKTMON_OBSERVATION_H

#include <stdint.h>

#include "pktmon/pktmon.h"
#include "pm_buf.h"

/* Appends the EPB of `ev` for pcapng interface `if_id` to `block`, using `meta`
 * as scratch for the option payload. 0, or -1 (out of memory, or a value the
 * format cannot hold) with `block` as it was. */
int pm_observation_encode(struct pm_buf *block, struct pm_buf *meta, uint32_t if_id, const struct pktmon_event *ev);
/* The same block written in place: pm_observation_fast_size() is its length, 0 for a drop or a
 * why point (the generic encoder's) or a length the format cannot hold; then
 * pm_observation_fast_write() fills exactly that many bytes at p. */
uint32_t pm_observation_fast_size(const struct pktmon_event *ev);
void pm_observation_fast_write(uint8_t *p, uint32_t total, uint32_t if_id, const struct pktmon_event *ev);
/* The same through the generic block and TLV encoders: drops use it, and it is
 * the reference the fast path is tested against. */
int pm_observation_encode_generic(struct pm_buf *block, struct pm_buf *meta, uint32_t if_id,
				  const struct pktmon_event *ev);

#endif
