/* SPDX-License-Identifier: MIT */
/*
 * ring_walk.h - the consumer's walk over a BPF ring buffer (BPF_MAP_TYPE_RINGBUF, the kernel's
 * UAPI layout: 8-byte record headers, a busy and a discard bit, records 8-byte aligned), without
 * the kernel, so unit tests and the fuzzer drive it on plain memory.
 *
 * Why not libbpf's ring_buffer__poll: it publishes the consumer position after every record, and
 * every producer reads that position on every reserve, so at a flood each event moved a cache line
 * from the consumer's CPU to the producers'. This walk publishes it every `publish_every` bytes and
 * when it stops (a consumer that sleeps has published everything it read, which is what the
 * kernel's own wake-up test compares against).
 */
#ifndef PKTMON_RING_WALK_H
#define PKTMON_RING_WALK_H

#include <stddef.h>
#include <stdint.h>

struct pm_ring {
	const uint8_t *data;               /* the data area, mapped twice back to back: a record that wraps is contiguous */
	uint64_t size;                     /* of the data area: a power of two */
	unsigned long *consumer_pos;       /* the consumer page's position: only the walk writes it */
	const unsigned long *producer_pos; /* the producer page's position */
	uint64_t publish_every;            /* bytes read between two publications of the consumer position */
};

/* One record: `data` is read-only (the ring's pages), `len` its length. Negative stops the walk. */
typedef int (*pm_ring_record_fn)(void *ctx, void *data, size_t len);

/* Hands fn every committed record from the consumer position up to the producer position,
 * discarded ones skipped, until it meets one still being written or none is left. Returns the
 * records passed (discarded ones included), fn's negative return (the position is then after
 * that record, as libbpf does), or -EBADMSG for a header whose length cannot be (the position
 * stays before it: nothing after it can be trusted). */
long pm_ring_walk(const struct pm_ring *r, pm_ring_record_fn fn, void *ctx);

/* How often a ring of `size` bytes publishes its consumer position: an eighth of the ring, at
 * most 64 KiB (a small ring must not fill while its consumer holds back what it read). */
uint64_t pm_ring_publish_every(uint64_t size);

#endif
