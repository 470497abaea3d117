/* SPDX-License-Identifier: MIT */
/*
 * consumer.c - the ring-buffer consumer thread: each event becomes a component
 * (announced once), a pcapng block and real-time callbacks; the periodic
 * namespace rescan and output flush.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "capture_event.h"
#include "nft_trace.h"
#include "pcap_filter.h"
#include "observation.h"
#include "pcapng.h"
#include "ring_reader.h"
#include "session_internal.h"

#define NETNS_RESCAN_NS 500000000ull
#define FLUSH_NS 100000000ull

static uint32_t idb_snaplen(const pktmon_session *s)
{
	return s->opt.snaplen ? s->opt.snaplen : 262144;
}

static void announce(pktmon_session *s, struct pm_component *c)
{
	/* the host last in the description: merged files keep every IDB, so each frame keeps its host */
	char desc[sizeof(c->description) + sizeof(s->host) + 8];
	snprintf(desc, sizeof(desc), "%s host %s", c->description, s->host);
	pm_buf_reset(&s->block);
	pcapng_put_idb(&s->block, PCAPNG_LINKTYPE_ETHERNET, idb_snaplen(s), c->name, desc, 9);
	c->if_id = s->next_if_id++;
	c->announced = true;
	pm_write_block(s, &s->block, true);
}

/* ---- events --------------------------------------------------------------------------------- */

/*
 * The consumer's cache of the components it writes events for: most events then take no lock (a
 * lock an event was a fifth of the consumer's time in a flat-out flood, bench/RESULTS.md §1e).
 * Sound because a component is never freed, moved or re-keyed while its session lives, its id,
 * interface id, name and selection do not change once it is announced, and only the consumer
 * (one thread at a time: the consumer thread, then stop's final drain) writes its events_written
 * and timestamps. Drops take the locked path: they write the component's last reason.
 */
static struct pm_component **consumer_slot(pktmon_session *s, const struct pm_comp_key *key)
{
	const size_t n = sizeof(s->consumer_cache) / sizeof(s->consumer_cache[0]);
	return &s->consumer_cache[pm_comp_key_hash(key) & (n - 1)];
}

static struct pm_component *cached_component(pktmon_session *s, const struct pm_comp_key *key)
{
	struct pm_component *c = *consumer_slot(s, key);
	return c && pm_comp_key_eq(&c->key, key) ? c : NULL;
}

/* Caller holds s->lock; c is announced, or not selected (its events are never written). */
static void remember_component(pktmon_session *s, struct pm_component *c)
{
	*consumer_slot(s, &c->key) = c;
}

static bool pcap_verdict(pktmon_session *s, const struct pm_event *ev, const uint8_t *data)
{
	uint64_t id = ev->group_id;
	size_t bit = id & (PM_PCAP_WINDOW - 1);
	uint8_t mask = (uint8_t)(1u << (bit & 7));
	if (ev->appearance == 1 || id + PM_PCAP_WINDOW <= s->pcap_hi || id > s->pcap_hi) {
		/* first sighting (or one we lost): decide now */
		bool match = pm_pcap_filter_match(s->pcap, data, ev->cap_len, ev->orig_len);
		if (id > s->pcap_hi)
			s->pcap_hi = id;
		if (match)
			s->pcap_match[bit >> 3] |= mask;
		else
			s->pcap_match[bit >> 3] &= (uint8_t)~mask;
		return match;
	}
	return (s->pcap_match[bit >> 3] & mask) != 0;
}

/* ---- the nftables rule of a NETFILTER_DROP ---------------------------------------------------- */

static struct nf_ns *trace_ns(pktmon_session *s, const struct pm_comp_key *k)
{
	for (size_t i = 0; i < s->nns; i++)
		if (s->ns[i].trace && s->ns[i].inum == k->netns &&
		    (!k->netns_cookie || (uint32_t)s->ns[i].cookie == k->netns_cookie))
			return &s->ns[i];
	return NULL;
}

static void trace_overflow(pktmon_session *s, uint64_t enobufs)
{
	if (!enobufs)
		return;
	if (!s->trace_enobufs)
		pm_notify(s, PKTMON_STREAM_WARNING,
			  "nftables traces were lost (the trace socket's buffer was full): some NETFILTER_DROP "
			  "events will not name their rule");
	s->trace_enobufs += enobufs;
}

/* The trace of the drop is queued already (sent from nft_do_chain before the verdict applied). */
static bool nf_rule_of(pktmon_session *s, const struct pm_event *ev, const uint8_t *frame,
		       struct pm_nft_rule_info *info, struct pktmon_nf_rule *r)
{
	struct nf_ns *n = trace_ns(s, &ev->comp);
	if (!n)
		return false;
	trace_overflow(s, pm_nft_trace_drain(n->trace));
	int hook = -1;
	if (ev->comp.layer >= PKTMON_LAYER_NF_PREROUTING && ev->comp.layer <= PKTMON_LAYER_NF_POSTROUTING)
		hook = ev->comp.layer - PKTMON_LAYER_NF_PREROUTING;
	if (!pm_nft_trace_find(n->trace, s->self_netns_fd, hook, frame, ev->cap_len, info))
		return false;
	s->rules_named++;
	*r = (struct pktmon_nf_rule){
		.table = info->table,
		.chain = info->chain,
		.handle = info->handle,
		.rule = info->rule[0] ? info->rule : NULL,
		.comment = info->comment[0] ? info->comment : NULL,
	};
	return true;
}

void pm_drain_traces(pktmon_session *s)
{
	for (size_t i = 0; i < s->nns; i++)
		if (s->ns[i].trace)
			trace_overflow(s, pm_nft_trace_drain(s->ns[i].trace));
}

int pm_on_ring_event(void *ctx, void *data, size_t size)
{
	pktmon_session *s = ctx;
	if (size < sizeof(struct pm_event))
		return 0;
	const struct pm_event *ev = data;
	const uint8_t *frame = (const uint8_t *)data + sizeof(*ev);
	if (ev->cap_len > size - sizeof(*ev) || ev->comp.layer >= PKTMON_LAYER_MAX)
		return 0; /* never trust a length, even our own */
	s->events_received++;
	s->missed_write += ev->lost_before;

	if (s->pcap && !pcap_verdict(s, ev, frame)) {
		s->filtered_out++;
		return 0;
	}

	bool dropped = ev->flags & PKTMON_FLAG_DROPPED;
	char rbuf[32], sym[160];
	sym[0] = 0; /* not `= ""`, which zeroes all 160 bytes for every event */
	const char *reason = NULL;
	uint64_t ts = ev->ts_ns + (uint64_t)s->mono_to_real_ns;
	struct pm_component *c = dropped ? NULL : cached_component(s, &ev->comp);
	if (!c) { /* a first sighting (of this cache slot) or a drop */
		pthread_mutex_lock(&s->lock);
		char ifname[PM_IFNAMSIZ + 1];
		memcpy(ifname, ev->ifname, PM_IFNAMSIZ);
		ifname[PM_IFNAMSIZ] = 0;
		/* netfilter and socket components are not tied to the device of the moment */
		bool dev_layer = ev->comp.ifindex != 0;
		c = pm_component_for(s, &ev->comp, dev_layer ? ifname : NULL);
		if (c && !c->excluded) {
			if (!c->announced)
				announce(s, c);
			if (dropped) {
				reason = pm_reason_name(s, ev->drop_reason, rbuf, sizeof(rbuf));
				pm_ksym_resolve(&s->h->ksyms, ev->drop_location, sym, sizeof(sym));
				snprintf(c->last_drop_reason, sizeof(c->last_drop_reason), "%s", reason);
			}
			if (!c->first_ts_ns)
				c->first_ts_ns = ts;
		}
		if (c)
			remember_component(s, c);
		pthread_mutex_unlock(&s->lock);
	}
	if (!c || c->excluded) { /* out of memory, or not selected by --comp */
		if (c)
			s->filtered_out++;
		s->missed_read++;
		return 0;
	}
	/* only this thread writes them; readers hold the lock and see whole words */
	__atomic_store_n(&c->last_ts_ns, ts, __ATOMIC_RELAXED);
	__atomic_store_n(&c->events_written, c->events_written + 1, __ATOMIC_RELAXED);
	uint32_t comp_id = c->id, if_id = c->if_id;
	const char *comp_name = c->name;

	enum pktmon_layer layer = (enum pktmon_layer)ev->comp.layer;
	enum pktmon_direction dir = pktmon_layer_direction(layer);
	struct pktmon_event pe = {
		.component_id = comp_id,
		.component_name = comp_name,
		.layer = layer,
		.direction = dir,
		.nf_family = ev->comp.nf_family,
		.pkt_group_id = ev->group_id,
		.appearance = ev->appearance,
		.timestamp_ns = ts,
		.ifindex = ev->ifindex,
		.netns = ev->comp.netns,
		.cpu = ev->cpu,
		.flags = ev->flags,
		.drop_reason = reason,
		.drop_reason_code = dropped ? ev->drop_reason : 0,
		.drop_location = dropped ? ev->drop_location : 0,
		.drop_symbol = dropped ? sym : NULL,
		.data = frame,
		.cap_len = ev->cap_len,
		.orig_len = ev->orig_len,
		.missed_before = ev->lost_before,
		.missed_write = s->missed_write,
		.missed_read = s->missed_read,
		.why = (uint8_t)PM_WHY_KIND(ev->why),
		/* every member named: nothing left for a block zeroing (a `rep stos` an event) */
		.icmp_type = 0,
		.icmp_code = 0,
		.tcp_state = 0,
		.nf_rule = NULL,
	};
	if (pe.why == PKTMON_WHY_ICMP_SENT || pe.why == PKTMON_WHY_ICMPV6_SENT) {
		pe.icmp_type = (uint8_t)PM_WHY_A(ev->why);
		pe.icmp_code = (uint8_t)PM_WHY_B(ev->why);
	} else if (pe.why) {
		pe.tcp_state = (uint8_t)PM_WHY_A(ev->why);
	}
	s->missed_write = s->missed_read = 0;
	static __thread struct pm_nft_rule_info info; /* 2 KiB: not on the stack of a callback */
	struct pktmon_nf_rule rule;
	if (dropped && s->rule_trace && !strcmp(reason, "NETFILTER_DROP") && nf_rule_of(s, ev, frame, &info, &rule))
		pe.nf_rule = &rule;
	if (s->has_pcapng && !pm_write_observation_in_place(s, if_id, &pe)) {
		pm_buf_reset(&s->block);
		if (pm_observation_encode(&s->block, &s->meta, if_id, &pe) < 0)
			s->encode_errors++; /* out of memory: counted, the outputs stay usable */
		else
			pm_write_block(s, &s->block, false);
	}
	for (pktmon_output *o = s->outputs; o; o = o->next) {
		if (o->kind != PM_OUT_REALTIME || !o->cb.on_data)
			continue;
		struct pktmon_event te = pe;
		if (o->truncation && te.cap_len > o->truncation)
			te.cap_len = o->truncation;
		o->cb.on_data(o->cb.user, &te);
	}
	return 0;
}

/* ---- the consumer thread -------------------------------------------------------------------- */

/* What the ring holds, read (after a wait of up to timeout_ms, or none with -1). A record that
 * cannot be (never seen: the kernel writes the headers) stops the reading for good: said once,
 * and what the programs cannot write any more is counted lost by them. */
static void read_ring(pktmon_session *s, int timeout_ms)
{
	long rc = timeout_ms < 0 ? pm_ring_reader_consume(s->rb) : pm_ring_reader_poll(s->rb, timeout_ms);
	if (rc == -EBADMSG && !s->ring_broken) {
		s->ring_broken = true;
		pm_notify(s, PKTMON_STREAM_ERROR, "the ring buffer holds a record whose length cannot be: "
						  "no event after it is read");
	}
}

void *pm_consumer(void *arg)
{
	pktmon_session *s = arg;
	uint64_t last_scan = pm_clock_ns(CLOCK_MONOTONIC), last_flush = last_scan;
	/* traces queued while the programs attached: their drops are read now, but a socket that
	 * overflowed meanwhile lost only traces of packets before the capture began */
	for (size_t i = 0; i < s->nns; i++)
		if (s->ns[i].trace)
			pm_nft_trace_drain(s->ns[i].trace);
	while (atomic_load(&s->running)) {
		/* with tracing, the trace sockets are drained at least every 20 ms: they fill between drops */
		read_ring(s, s->rule_trace ? 20 : 50);
		read_ring(s, -1); /* events queued without a wake-up */
		if (s->rule_trace)
			pm_drain_traces(s); /* keep the trace sockets from filling between drops */
		uint64_t now = pm_clock_ns(CLOCK_MONOTONIC);
		if (s->nf_wanted && now - last_scan >= NETNS_RESCAN_NS) {
			pm_rescan_netns(s);
			last_scan = now;
		}
		if (now - last_flush >= FLUSH_NS) {
			pm_flush_outputs(s);
			last_flush = now;
		}
	}
	return NULL;
}
