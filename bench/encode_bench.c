/* SPDX-License-Identifier: MIT */
/*
 * encode_bench.c - how many events per second one consumer core turns into
 * pcapng, with the same pure encoders the session uses (capture-core/src/pure).
 *
 * A synthetic producer fills a ring-sized array with events shaped like the BPF
 * programs' (struct pm_event followed by a 128-byte frame), cycling over the
 * eight components a UDP datagram crosses between two namespaces. Each stage
 * then consumes N events, as consumer.c's pm_on_ring_event does for a pcapng output:
 *
 *   encode         metadata TLVs + EPB through the generic encoders (the reference)
 *   fast           pm_observation_encode, what the session runs: one size
 *                  computation, direct stores; checked identical before timing
 *   devnull        encode + pm_sink_write to /dev/null (the sink's 64 KiB
 *                  buffering, block validation and write(2) calls, no storage)
 *   consumer       devnull + what on_ring_event adds per event: the session
 *                  lock, the component lookup, ifname copy, timestamp conversion
 *   consumer_file  consumer, writing a real file (FILE, default on /dev/shm)
 *   fast_consumer  consumer with the session's encoder
 *   fast_file      fast_consumer writing a real file (FILE)
 *   inplace_consumer  fast_consumer encoding each block straight into the sink's buffer
 *                  (pm_sink_packet_room/commit_packet): what the session runs since 2026-12-01
 *   inplace_file   inplace_consumer writing a real file (FILE), as consumer_file
 *
 * Usage: pm_encode_bench [-n EVENTS] [-r ROUNDS] [-f FILE] [-o CAPTURE] [-s STAGES]
 *   -o CAPTURE  instead of timing, write a complete pcapng of EVENTS events
 *               (SHB, IDBs, EPBs) to CAPTURE and exit
 *   -s STAGES   comma-separated subset of the stage names above
 * Output: one line per stage and round, key=value:
 *   stage=encode round=1 events=5000000 wall_s=0.812 cpu_s=0.811 eps=6157635 bytes_per_event=236
 */
#define _GNU_SOURCE
#include <linux/types.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture_event.h"
#include "components.h"
#include "observation.h"
#include "pcapng.h"
#include "pktmon/pktmon_format.h"
#include "pm_buf.h"
#include "sink.h"
#include "tlv.h"

#define SNAP 128u
#define RING_BYTES (8u << 20) /* the default --ring-size */

struct slot {
	struct pm_event ev;
	uint8_t frame[SNAP];
};

/* The path of one UDP datagram from namespace A to namespace B. */
static const struct {
	uint8_t layer, family;
	uint32_t netns, ifindex;
} udp_path[] = {
	{ PKTMON_LAYER_NF_OUTPUT, PKTMON_NF_IPV4, 4026532001u, 0 },
	{ PKTMON_LAYER_NF_POSTROUTING, PKTMON_NF_IPV4, 4026532001u, 0 },
	{ PKTMON_LAYER_QDISC_ENQ, 0, 4026532001u, 2 },
	{ PKTMON_LAYER_DEV_TX, 0, 4026532001u, 2 },
	{ PKTMON_LAYER_DEV_RX, 0, 4026532002u, 2 },
	{ PKTMON_LAYER_NF_PREROUTING, PKTMON_NF_IPV4, 4026532002u, 0 },
	{ PKTMON_LAYER_NF_INPUT, PKTMON_NF_IPV4, 4026532002u, 0 },
	{ PKTMON_LAYER_SOCK_RX, 0, 4026532002u, 0 },
};
#define NPATH (sizeof(udp_path) / sizeof(udp_path[0]))

static double clk(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum pktmon_direction dir_of(uint8_t layer)
{
	switch (layer) {
	case PKTMON_LAYER_DEV_RX:
	case PKTMON_LAYER_NF_PREROUTING:
	case PKTMON_LAYER_NF_INPUT:
	case PKTMON_LAYER_SOCK_RX:
		return PKTMON_DIR_RX;
	case PKTMON_LAYER_STACK:
		return PKTMON_DIR_UNKNOWN;
	default:
		return PKTMON_DIR_TX;
	}
}

static void fill_ring(struct slot *ring, size_t n)
{
	/* an Ethernet + IPv4 + UDP header, then payload */
	static const uint8_t hdr[42] = {
		0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,                   /* eth */
		0x45, 0, 0, 92, 0, 1, 0x40, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2, /* ip */
		0x9c, 0x40, 0x13, 0x88, 0, 72, 0, 0,                                    /* udp */
	};
	for (size_t i = 0; i < n; i++) {
		struct slot *s = &ring[i];
		memset(s, 0, sizeof(*s));
		unsigned p = (unsigned)(i % NPATH);
		s->ev.ts_ns = 1000000000ull + i * 250;
		s->ev.group_id = i / NPATH + 1;
		s->ev.comp.netns = udp_path[p].netns;
		s->ev.comp.ifindex = udp_path[p].ifindex;
		s->ev.comp.layer = udp_path[p].layer;
		s->ev.comp.nf_family = udp_path[p].family;
		s->ev.appearance = p + 1;
		s->ev.orig_len = 170;
		s->ev.cap_len = SNAP;
		s->ev.cpu = (uint32_t)(i & 1);
		s->ev.ifindex = 2;
		snprintf(s->ev.ifname, sizeof(s->ev.ifname), "pmbv%u", p < 4 ? 0u : 1u);
		memcpy(s->frame, hdr, sizeof(hdr));
		memset(s->frame + sizeof(hdr), 0x5a, SNAP - sizeof(hdr));
	}
}

struct ctx {
	struct pm_buf meta, block;
	struct pm_sink *sink;
	struct pm_components comps;
	pthread_mutex_t lock;
	uint32_t if_ids[NPATH];
	int64_t mono_to_real;
	uint64_t bytes;
};

/* The event as consumer.c's pm_on_ring_event hands it to the encoder. */
static inline struct pktmon_event as_event(const struct pm_event *ev, const uint8_t *frame, uint32_t comp_id,
					   uint64_t ts)
{
	return (struct pktmon_event){
		.component_id = comp_id,
		.layer = (enum pktmon_layer)ev->comp.layer,
		.direction = dir_of(ev->comp.layer),
		.nf_family = ev->comp.nf_family,
		.pkt_group_id = ev->group_id,
		.appearance = ev->appearance,
		.timestamp_ns = ts,
		.ifindex = ev->ifindex,
		.netns = ev->comp.netns,
		.cpu = ev->cpu,
		.flags = ev->flags,
		.data = frame,
		.cap_len = ev->cap_len,
		.orig_len = ev->orig_len,
		.missed_before = ev->lost_before,
	};
}

/* "encode": the generic block and TLV encoders (pm_observation_encode_generic), the reference. */
static inline int encode_one(struct ctx *c, const struct pm_event *ev, const uint8_t *frame, uint32_t comp_id,
			     uint32_t if_id, uint64_t ts)
{
	struct pktmon_event e = as_event(ev, frame, comp_id, ts);
	pm_buf_reset(&c->block);
	if (pm_observation_encode_generic(&c->block, &c->meta, if_id, &e) < 0)
		return -1;
	c->bytes += c->block.len;
	return 0;
}

/* "fast": what the session runs (pm_observation_encode: one reservation, direct stores). */
#define FAST_OK 1
static inline int encode_fast(struct ctx *c, const struct pm_event *ev, const uint8_t *frame, uint32_t comp_id,
			      uint32_t if_id, uint64_t ts)
{
	struct pktmon_event e = as_event(ev, frame, comp_id, ts);
	pm_buf_reset(&c->block);
	if (pm_observation_encode(&c->block, &c->meta, if_id, &e) < 0)
		return -1;
	c->bytes += c->block.len;
	return 0;
}

/* Stages: which encoder, whether on_ring_event's bookkeeping is done, where blocks go. */
enum sink_kind { SK_NONE, SK_DEVNULL, SK_FILE };
static const struct stage {
	const char *name;
	bool fast, consumer;
	enum sink_kind sink;
	bool in_place;
} stages_all[] = {
	{ "encode", false, false, SK_NONE, false },
	{ "fast", true, false, SK_NONE, false },
	{ "devnull", false, false, SK_DEVNULL, false },
	{ "consumer", false, true, SK_DEVNULL, false },
	{ "consumer_file", false, true, SK_FILE, false },
	{ "fast_consumer", true, true, SK_DEVNULL, false },
	{ "fast_file", true, true, SK_FILE, false },
	{ "inplace_consumer", true, true, SK_DEVNULL, true },
	{ "inplace_file", true, true, SK_FILE, true },
};
#define NSTAGES (sizeof(stages_all) / sizeof(stages_all[0]))

static struct pm_sink *open_sink(const char *path, struct ctx *c)
{
	char err[256] = "";
	struct pm_sink *s = pm_sink_open_file(path, 0, PM_LOG_SINGLE, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "pm_encode_bench: %s: %s\n", path, err);
		exit(1);
	}
	struct pm_buf b = { 0 };
	pcapng_put_shb(&b, "pktmon encode bench", "Linux");
	pm_sink_set_header(s, b.data, b.len);
	for (unsigned i = 0; i < NPATH; i++) {
		char name[64];
		pm_buf_reset(&b);
		snprintf(name, sizeof(name), "component %u", i + 1);
		pcapng_put_idb(&b, PCAPNG_LINKTYPE_ETHERNET, SNAP, name, NULL, 9);
		pm_sink_add_interface(s, b.data, b.len);
		c->if_ids[i] = i;
	}
	pm_buf_free(&b);
	return s;
}

static int run_stage(const struct stage *st, const struct slot *ring, size_t nring, uint64_t n, const char *file,
		     double *wall, double *cpu, uint64_t *bytes)
{
	struct ctx c;
	memset(&c, 0, sizeof(c));
	pthread_mutex_init(&c.lock, NULL);
	pm_components_init(&c.comps);
	c.mono_to_real = 1700000000ll * 1000000000ll;
	for (unsigned i = 0; i < NPATH; i++) {
		struct pm_comp_key k = { .netns = udp_path[i].netns, .ifindex = udp_path[i].ifindex,
					 .layer = udp_path[i].layer, .nf_family = udp_path[i].family };
		bool created;
		pm_components_add(&c.comps, &k, udp_path[i].ifindex ? "pmbv0" : NULL, "bench", &created);
	}
	if (st->sink == SK_DEVNULL)
		c.sink = open_sink("/dev/null", &c);
	else if (st->sink == SK_FILE)
		c.sink = open_sink(file, &c);
	int errors = 0;
	double w0 = clk(CLOCK_MONOTONIC), c0 = clk(CLOCK_PROCESS_CPUTIME_ID), last_flush = w0;
	for (uint64_t i = 0; i < n; i++) {
		const struct slot *s = &ring[i % nring];
		const struct pm_event *ev = &s->ev;
		uint32_t comp_id, if_id;
		uint64_t ts = ev->ts_ns + (uint64_t)c.mono_to_real;
		unsigned p = (unsigned)((i % nring) % NPATH);
		if (st->consumer) {
			pthread_mutex_lock(&c.lock);
			char ifname[PM_IFNAMSIZ + 1];
			memcpy(ifname, ev->ifname, PM_IFNAMSIZ);
			ifname[PM_IFNAMSIZ] = 0;
			struct pm_component *comp = pm_components_find(&c.comps, &ev->comp);
			if (!comp) {
				pthread_mutex_unlock(&c.lock);
				errors++;
				continue;
			}
			if (!comp->first_ts_ns)
				comp->first_ts_ns = ts;
			comp->last_ts_ns = ts;
			comp->events_written++;
			comp_id = comp->id;
			if_id = comp->seq - 1; /* the interface index: ids are not indexes (comp_id.h) */
			pthread_mutex_unlock(&c.lock);
		} else {
			comp_id = p + 1;
			if_id = p;
		}
		if (st->in_place) { /* outputs.c's pm_write_observation_in_place */
			struct pktmon_event e = as_event(ev, s->frame, comp_id, ts);
			uint32_t len = pm_observation_fast_size(&e);
			int rc;
			uint8_t *room = len ? pm_sink_packet_room(c.sink, len, &rc) : NULL;
			if (!room) {
				errors++;
				continue;
			}
			pm_observation_fast_write(room, len, if_id, &e);
			if (pm_sink_commit_packet(c.sink, len) < 0)
				errors++;
			c.bytes += len;
		} else {
			int rc = st->fast ? encode_fast(&c, ev, s->frame, comp_id, if_id, ts)
					       : encode_one(&c, ev, s->frame, comp_id, if_id, ts);
			if (rc < 0) {
				errors++;
				continue;
			}
			if (c.sink && pm_sink_write(c.sink, c.block.data, c.block.len) < 0)
				errors++;
		}
		if (c.sink && (i & 4095) == 0) { /* the consumer flushes every 100 ms */
			double t = clk(CLOCK_MONOTONIC);
			if (t - last_flush >= 0.1) {
				pm_sink_flush(c.sink);
				last_flush = t;
			}
		}
	}
	if (c.sink && pm_sink_close(c.sink, NULL, 0) < 0)
		errors++;
	*wall = clk(CLOCK_MONOTONIC) - w0;
	*cpu = clk(CLOCK_PROCESS_CPUTIME_ID) - c0;
	*bytes = c.bytes;
	pm_buf_free(&c.meta);
	pm_buf_free(&c.block);
	pm_components_free(&c.comps);
	pthread_mutex_destroy(&c.lock);
	if (st->sink == SK_FILE)
		unlink(file);
	return errors;
}

/* The prototype must write exactly what the pure encoders write. */
static int check_fast(const struct slot *ring, size_t nring)
{
	struct ctx a, b;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	int bad = 0;
	for (size_t i = 0; i < nring && !bad; i++) {
		struct pm_event ev = ring[i].ev;
		if (i % 5 == 0)
			ev.lost_before = i;
		if (i % 7 == 0)
			ev.comp.layer = PKTMON_LAYER_STACK;
		if (i % 3 == 0)
			ev.cap_len = (uint32_t)(i % SNAP);
		ev.flags = (uint32_t)i;
		if (encode_one(&a, &ev, ring[i].frame, 3, 2, ev.ts_ns) < 0 || encode_fast(&b, &ev, ring[i].frame, 3, 2, ev.ts_ns) < 0 ||
		    a.block.len != b.block.len || memcmp(a.block.data, b.block.data, a.block.len) != 0)
			bad = 1;
	}
	pm_buf_free(&a.meta);
	pm_buf_free(&a.block);
	pm_buf_free(&b.block);
	return bad;
}

static int write_capture(const char *out, const struct slot *ring, size_t nring, uint64_t n)
{
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.sink = open_sink(out, &c);
	for (uint64_t i = 0; i < n; i++) {
		const struct slot *s = &ring[i % nring];
		unsigned p = (unsigned)((i % nring) % NPATH);
		struct pm_event ev = s->ev;
		ev.group_id = i / NPATH + 1;
		ev.ts_ns = 1000000000ull + i * 250;
		if (encode_one(&c, &ev, s->frame, p + 1, p, ev.ts_ns + 1700000000ull * 1000000000ull) < 0 ||
		    pm_sink_write(c.sink, c.block.data, c.block.len) < 0) {
			fprintf(stderr, "pm_encode_bench: cannot write %s\n", out);
			return 1;
		}
	}
	int rc = pm_sink_close(c.sink, NULL, 0);
	pm_buf_free(&c.meta);
	pm_buf_free(&c.block);
	printf("capture=%s events=%llu rc=%d\n", out, (unsigned long long)n, rc);
	return rc < 0;
}

int main(int argc, char **argv)
{
	uint64_t n = 5000000;
	int rounds = 3;
	const char *file = "/dev/shm/pm_encode_bench.pcapng", *out = NULL, *stages = "encode,fast,devnull,consumer,consumer_file,fast_consumer,fast_file,inplace_consumer,inplace_file";
	int opt;
	while ((opt = getopt(argc, argv, "n:r:f:o:s:h")) != -1) {
		switch (opt) {
		case 'n': n = strtoull(optarg, NULL, 0); break;
		case 'r': rounds = atoi(optarg); break;
		case 'f': file = optarg; break;
		case 'o': out = optarg; break;
		case 's': stages = optarg; break;
		default:
			fprintf(stderr, "usage: pm_encode_bench [-n EVENTS] [-r ROUNDS] [-f FILE] [-o CAPTURE] [-s STAGES]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	size_t nring = RING_BYTES / (sizeof(struct slot) + 8); /* 8: the ring's record header */
	nring -= nring % NPATH;
	struct slot *ring = aligned_alloc(64, nring * sizeof(struct slot));
	if (!ring)
		return 1;
	fill_ring(ring, nring);
	if (out)
		return write_capture(out, ring, nring, n);

	int failed = 0;
	char stage_list[256];
	snprintf(stage_list, sizeof(stage_list), ",%s,", stages);
	if (strstr(stage_list, ",fast")) {
		int bad = !FAST_OK || check_fast(ring, nring);
		printf("fast_identical=%d\n", !bad);
		failed |= bad;
	}
	for (int r = 1; r <= rounds; r++)
		for (size_t i = 0; i < NSTAGES; i++) {
			const struct stage *st = &stages_all[i];
			char want[64];
			snprintf(want, sizeof(want), ",%s,", st->name);
			if (!strstr(stage_list, want))
				continue;
			double wall, cpu;
			uint64_t bytes;
			int errors = run_stage(st, ring, nring, n, file, &wall, &cpu, &bytes);
			printf("stage=%s round=%d events=%llu wall_s=%.3f cpu_s=%.3f eps=%.0f eps_per_cpu_s=%.0f "
			       "bytes_per_event=%.1f MBps=%.1f errors=%d\n",
			       st->name, r, (unsigned long long)n, wall, cpu, (double)n / wall, (double)n / cpu,
			       (double)bytes / (double)n, (double)bytes / wall / 1e6, errors);
			failed |= errors != 0;
		}
	free(ring);
	return failed;
}
