// SPDX-License-Identifier: MIT
/* test_ring_walk.c - pm_ring_walk() on a ring made of plain memory, laid out as the kernel lays
 * out a BPF ring buffer (the data area mapped twice: here every byte is written to both halves).
 * What the capture relies on: every committed record once, in order, with its bytes (also across
 * the end of the area); discarded ones skipped; a record still being written stops the walk; the
 * consumer position published in batches and in full when the walk stops; a header that cannot
 * be stops the walk without reading past it. Pure. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ring_walk.h"

#define RING 256u

struct fake {
	uint8_t data[2 * RING];
	unsigned long cons, prod;
	struct pm_ring ring;
};

static void fake_init(struct fake *f, uint64_t publish_every)
{
	memset(f, 0, sizeof(*f));
	f->ring = (struct pm_ring){ .data = f->data, .size = RING, .consumer_pos = &f->cons,
				    .producer_pos = &f->prod, .publish_every = publish_every };
}

static void put_byte(struct fake *f, uint64_t pos, uint8_t b)
{
	f->data[pos & (RING - 1)] = b;
	f->data[(pos & (RING - 1)) + RING] = b;
}

/* A record at the producer position: header (length with flags), then body_len bytes of `fill`
 * counting up; returns where it starts. */
static uint64_t put(struct fake *f, uint32_t flags, uint32_t body_len, uint8_t fill)
{
	uint64_t at = f->prod;
	uint32_t len = body_len | flags;
	for (int i = 0; i < 4; i++)
		put_byte(f, at + i, (uint8_t)(len >> (8 * i)));
	for (int i = 4; i < 8; i++)
		put_byte(f, at + i, 0);
	for (uint32_t i = 0; i < body_len; i++)
		put_byte(f, at + 8 + i, (uint8_t)(fill + i));
	f->prod += (body_len + 8 + 7) & ~7u;
	return at;
}

static void set_len(struct fake *f, uint64_t at, uint32_t len)
{
	for (int i = 0; i < 4; i++)
		put_byte(f, at + i, (uint8_t)(len >> (8 * i)));
}

struct seen {
	int n;
	size_t len[64];
	uint8_t first[64], last[64];
	int bad_bytes;
	unsigned long cons_at[64]; /* the published position during each call */
	const struct fake *f;
	int fail_at; /* return -5 at this call (1-based), 0: never */
};

static int record(void *ctx, void *data, size_t len)
{
	struct seen *s = ctx;
	const uint8_t *b = data;
	if (s->n < 64) {
		s->len[s->n] = len;
		s->first[s->n] = len ? b[0] : 0;
		s->last[s->n] = len ? b[len - 1] : 0;
		s->cons_at[s->n] = s->f ? s->f->cons : 0;
	}
	for (size_t i = 1; i < len; i++)
		if (b[i] != (uint8_t)(b[0] + i))
			s->bad_bytes++;
	s->n++;
	return s->fail_at && s->n == s->fail_at ? -5 : 0;
}

static void test_records_in_order(void)
{
	struct fake f;
	fake_init(&f, 64);
	put(&f, 0, 10, 1);
	put(&f, 0, 3, 50);
	put(&f, 0, 0, 0);
	struct seen s = { 0 };
	long n = pm_ring_walk(&f.ring, record, &s);
	CHECK(n == 3, "%ld records", n);
	CHECK(s.n == 3 && s.len[0] == 10 && s.len[1] == 3 && s.len[2] == 0);
	CHECK(s.first[0] == 1 && s.last[0] == 10 && s.first[1] == 50 && s.last[1] == 52);
	CHECK(s.bad_bytes == 0);
	CHECK(f.cons == f.prod && f.prod == 24 + 16 + 8, "consumer %lu producer %lu", f.cons, f.prod);
	CHECK(pm_ring_walk(&f.ring, record, &s) == 0, "nothing new: nothing read");
}

static void test_discarded_skipped(void)
{
	struct fake f;
	fake_init(&f, 64);
	put(&f, BPF_RINGBUF_DISCARD_BIT, 16, 9);
	put(&f, 0, 4, 30);
	struct seen s = { 0 };
	CHECK(pm_ring_walk(&f.ring, record, &s) == 2, "the discarded record counts as passed");
	CHECK(s.n == 1 && s.first[0] == 30, "only the committed one handed over (%d)", s.n);
	CHECK(f.cons == f.prod);
}

static void test_busy_stops(void)
{
	struct fake f;
	fake_init(&f, 64);
	put(&f, 0, 8, 1);
	uint64_t busy = put(&f, BPF_RINGBUF_BUSY_BIT, 8, 20);
	put(&f, 0, 8, 40); /* committed, but after one still being written */
	struct seen s = { 0 };
	CHECK(pm_ring_walk(&f.ring, record, &s) == 1);
	CHECK(f.cons == busy, "stopped before the busy record: %lu, expected %llu", f.cons, (unsigned long long)busy);
	set_len(&f, busy, 8); /* committed now */
	CHECK(pm_ring_walk(&f.ring, record, &s) == 2);
	CHECK(s.n == 3 && s.first[1] == 20 && s.first[2] == 40, "order kept");
	CHECK(f.cons == f.prod);
}

static void test_wraps(void)
{
	/* 1000 records of 20..60 bytes through a 256-byte area: many cross its end */
	struct fake f;
	fake_init(&f, 64);
	struct seen s = { 0 };
	int made = 0;
	for (int i = 0; i < 1000; i++) {
		uint32_t body = 20 + (uint32_t)(i * 7) % 41;
		if (f.prod - f.cons + ((body + 15) & ~7u) > RING) {
			pm_ring_walk(&f.ring, record, &s);
			CHECK(f.cons == f.prod);
		}
		put(&f, 0, body, (uint8_t)i);
		made++;
	}
	pm_ring_walk(&f.ring, record, &s);
	CHECK(s.n == made, "%d of %d records", s.n, made);
	CHECK(s.bad_bytes == 0, "%d bytes wrong across the end of the area", s.bad_bytes);
	CHECK(f.prod > 100 * RING, "the positions went round many times (%lu)", f.prod);
}

static void test_positions_wrap(void)
{
	/* the positions are unsigned longs that go on counting: reading across their wrap */
	struct fake f;
	fake_init(&f, 64);
	f.cons = f.prod = (unsigned long)-16;
	for (int i = 0; i < 5; i++)
		put(&f, 0, 8, (uint8_t)(10 * i));
	CHECK(f.prod < f.cons, "the producer position wrapped (%lu)", f.prod);
	struct seen s = { 0 };
	CHECK(pm_ring_walk(&f.ring, record, &s) == 5);
	CHECK(s.n == 5 && s.first[4] == 40 && s.bad_bytes == 0);
	CHECK(f.cons == f.prod);
}

static void test_published_in_batches(void)
{
	/* 16 records of 32 bytes (24 + header), published every 64 bytes: the position visible
	 * to producers during the walk lags by less than 64 + a record, and moves every 2nd record */
	struct fake f;
	fake_init(&f, 64);
	for (int i = 0; i < 7; i++)
		put(&f, 0, 24, (uint8_t)i);
	struct seen s = { .f = &f };
	CHECK(pm_ring_walk(&f.ring, record, &s) == 7);
	int moves = 0;
	for (int i = 0; i < 7; i++) {
		uint64_t at = (uint64_t)i * 32; /* where record i starts */
		CHECK(s.cons_at[i] <= at && at - s.cons_at[i] < 64, "record %d at %llu, published %lu", i,
		      (unsigned long long)at, s.cons_at[i]);
		moves += i && s.cons_at[i] != s.cons_at[i - 1];
	}
	CHECK(moves == 3, "published %d times during the walk, expected every other record (3)", moves);
	CHECK(f.cons == f.prod, "all of it published when the walk stops");
	CHECK(pm_ring_publish_every(4096) == 512 && pm_ring_publish_every(32u << 20) == 65536);
	CHECK(pm_ring_publish_every(8) == 1 && pm_ring_publish_every(0) == 8);
}

static void test_bad_length(void)
{
	struct fake f;
	fake_init(&f, 64);
	put(&f, 0, 8, 1);
	uint64_t bad = put(&f, 0, 8, 2);
	set_len(&f, bad, 200); /* longer than what the producer reserved */
	struct seen s = { 0 };
	CHECK(pm_ring_walk(&f.ring, record, &s) == -EBADMSG);
	CHECK(s.n == 1 && f.cons == bad, "the record before it read, the position before it (%lu)", f.cons);

	fake_init(&f, 64);
	f.prod = 4; /* a producer position that is not on a record */
	CHECK(pm_ring_walk(&f.ring, record, &s) == -EBADMSG && f.cons == 0);
}

static void test_callback_error(void)
{
	struct fake f;
	fake_init(&f, 1024);
	for (int i = 0; i < 4; i++)
		put(&f, 0, 8, (uint8_t)i);
	struct seen s = { .fail_at = 2 };
	CHECK(pm_ring_walk(&f.ring, record, &s) == -5);
	CHECK(s.n == 2 && f.cons == 32, "stopped after the record that failed, position %lu", f.cons);
	s.fail_at = 0;
	CHECK(pm_ring_walk(&f.ring, record, &s) == 2 && f.cons == f.prod);
}

struct bounds {
	const uint8_t *lo, *hi;
	int outside;
};

static int in_bounds(void *ctx, void *data, size_t len)
{
	struct bounds *b = ctx;
	const uint8_t *p = data;
	if (p < b->lo || p + len > b->hi)
		b->outside++;
	return 0;
}

static void test_random_rings(void)
{
	/* whatever the area holds, the walk reads only inside it and never passes the producer */
	struct fake f;
	srand(13);
	int odd = 0;
	for (int round = 0; round < 20000; round++) {
		fake_init(&f, 1 + (uint64_t)(rand() % 128));
		for (size_t i = 0; i < RING; i++)
			put_byte(&f, i, (uint8_t)rand());
		if (rand() % 2) /* plausible lengths, so that walks get somewhere */
			for (uint64_t at = 0; at < RING; at += 8 * (1 + rand() % 6))
				set_len(&f, at, (uint32_t)(rand() % 48) | (rand() % 8 == 0 ? BPF_RINGBUF_DISCARD_BIT : 0));
		f.cons = (unsigned long)(8 * (rand() % 16));
		f.prod = f.cons + (unsigned long)(rand() % (RING + 1));
		unsigned long start = f.cons;
		struct bounds b = { f.data, f.data + sizeof(f.data), 0 };
		long rc = pm_ring_walk(&f.ring, in_bounds, &b);
		odd += rc != -EBADMSG && rc < 0;
		CHECK(b.outside == 0, "round %d: a record outside the area", round);
		CHECK(f.cons >= start && f.cons <= f.prod && f.cons % 8 == 0, "round %d: position %lu (start %lu, producer %lu)",
		      round, f.cons, start, f.prod);
	}
	CHECK(odd == 0, "%d walks returned something other than a count or -EBADMSG", odd);
}

int main(void)
{
	test_records_in_order();
	test_discarded_skipped();
	test_busy_stops();
	test_wraps();
	test_positions_wrap();
	test_published_in_batches();
	test_bad_length();
	test_callback_error();
	test_random_rings();
	return check_summary();
}
