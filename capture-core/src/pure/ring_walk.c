// SPDX-License-Identifier: MIT
/* ring_walk.c - see ring_walk.h. */
#include "ring_walk.h"

#include <errno.h>
#include <linux/bpf.h>

uint64_t pm_ring_publish_every(uint64_t size)
{
	uint64_t every = size / 8;
	if (every > 65536)
		every = 65536;
	return every ? every : 8;
}

static void publish(const struct pm_ring *r, unsigned long pos)
{
	/* release: the producer may reuse what we read only after we are done reading it */
	__atomic_store_n(r->consumer_pos, pos, __ATOMIC_RELEASE);
}

long pm_ring_walk(const struct pm_ring *r, pm_ring_record_fn fn, void *ctx)
{
	/* positions are the kernel's unsigned longs: differences stay right when they wrap */
	unsigned long cons = __atomic_load_n(r->consumer_pos, __ATOMIC_RELAXED); /* ours alone */
	unsigned long published = cons;
	long n = 0, rc = 0;
	for (;;) {
		unsigned long prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);
		if (prod == cons)
			break;
		while (prod - cons >= BPF_RINGBUF_HDR_SZ) {
			const uint32_t *hdr = (const uint32_t *)(r->data + (cons & (r->size - 1)));
			/* acquire: the record's bytes are visible once its busy bit is clear */
			uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
			if (len & BPF_RINGBUF_BUSY_BIT)
				goto out;
			unsigned long body = len & ~(uint32_t)(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
			unsigned long total = (body + BPF_RINGBUF_HDR_SZ + 7) & ~7ul;
			if (total > prod - cons || total > r->size) {
				rc = -EBADMSG;
				goto out;
			}
			/* the next record was written by another CPU: ask for its lines while this one is handled */
			const uint8_t *next = r->data + ((cons + total) & (r->size - 1));
			__builtin_prefetch(next);
			__builtin_prefetch(next + 64);
			__builtin_prefetch(next + 128);
			__builtin_prefetch(next + 192);
			int frc = 0;
			if (!(len & BPF_RINGBUF_DISCARD_BIT))
				frc = fn(ctx, (uint8_t *)hdr + BPF_RINGBUF_HDR_SZ, (size_t)body);
			cons += total;
			n++;
			if (frc < 0) {
				rc = frc;
				goto out;
			}
			if (cons - published >= r->publish_every) {
				publish(r, cons);
				published = cons;
			}
		}
		if (prod != cons) { /* a position not on a record: the walk cannot go on */
			rc = -EBADMSG;
			break;
		}
	}
out:
	if (cons != published)
		publish(r, cons);
	return rc < 0 ? rc : n;
}
