/* SPDX-License-Identifier: MIT */
/* ring_reader.h - the session's reader of its BPF ring buffer: the ring's pages mapped, a wait
 * for the kernel's wake-up, the records walked by ring_walk.c (the consumer position published
 * in batches, not after every record as libbpf's ring_buffer does). */
#ifndef PKTMON_RING_READER_H
#define PKTMON_RING_READER_H

#include "ring_walk.h"

struct pm_ring_reader;

/* NULL with errno set: not a ring buffer map, or it cannot be mapped. */
struct pm_ring_reader *pm_ring_reader_new(int map_fd, pm_ring_record_fn fn, void *ctx);
/* Waits up to timeout_ms for a wake-up, then reads what is there; as pm_ring_walk(). */
long pm_ring_reader_poll(struct pm_ring_reader *r, int timeout_ms);
/* Reads what is there without waiting; as pm_ring_walk(). */
long pm_ring_reader_consume(struct pm_ring_reader *r);
void pm_ring_reader_free(struct pm_ring_reader *r);

#endif
