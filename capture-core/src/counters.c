/* SPDX-License-Identifier: MIT */
/*
 * counters.c - the session's component table and the kernel's per-CPU counters:
 * the counters and drop counts of the API, the totals, resetting them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture_event.h"
#include "capture.skel.h"
#include "netns.h"
#include "session_internal.h"

/* ---- components ----------------------------------------------------------------------------- */

/* Caller holds s->lock, or is the only thread. */
void pm_netns_name_remember(pktmon_session *s, uint32_t inum, uint32_t cookie, const char *name)
{
	const size_t cap = sizeof(s->names) / sizeof(s->names[0]);
	for (size_t i = 0; i < s->nnames; i++)
		if (s->names[i].inum == inum && s->names[i].cookie == cookie)
			return;
	size_t i = s->nnames < cap ? s->nnames++ : s->names_next++ % cap;
	s->names[i].inum = inum;
	s->names[i].cookie = cookie;
	snprintf(s->names[i].name, sizeof(s->names[0].name), "%s", name);
}

/* Names are read when a namespace is first seen: (inode, cookie) is one
 * namespace, a reused inode with another cookie a new one. */
static void netns_name_cached(pktmon_session *s, uint32_t inum, uint32_t cookie, char *buf, size_t len)
{
	for (size_t i = 0; i < s->nnames; i++)
		if (s->names[i].inum == inum && s->names[i].cookie == cookie) {
			snprintf(buf, len, "%s", s->names[i].name);
			return;
		}
	pm_netns_name(inum, cookie, buf, len);
	pm_netns_name_remember(s, inum, cookie, buf);
}

/* Caller holds s->lock. */
struct pm_component *pm_component_for(pktmon_session *s, const struct pm_comp_key *key, const char *ifname)
{
	struct pm_component *c = pm_components_find(&s->comps, key);
	if (c)
		return c;
	char nsname[64];
	bool created;
	netns_name_cached(s, key->netns, key->netns_cookie, nsname, sizeof(nsname));
	return pm_components_add(&s->comps, key, ifname, nsname, &created);
}

const char *pm_reason_name(pktmon_session *s, uint32_t code, char *buf, size_t len)
{
	return pm_drop_reason_str(&s->h->reasons, code, buf, len);
}

/* ---- counters ------------------------------------------------------------------------------ */

/* Sums the per-CPU copies of one map value, a run of u64 counters (ncpu values of
 * value_size bytes each, as bpf_map_lookup_elem returns them), into *sum. */
static void percpu_sum(const void *vals, int ncpu, size_t value_size, void *sum)
{
	_Static_assert(sizeof(struct pm_counters) % sizeof(uint64_t) == 0, "per-CPU values are u64 runs");
	const size_t words = value_size / sizeof(uint64_t);
	memset(sum, 0, value_size);
	for (int c = 0; c < ncpu; c++)
		for (size_t w = 0; w < words; w++) {
			uint64_t acc, v;
			memcpy(&acc, (char *)sum + w * sizeof(acc), sizeof(acc));
			memcpy(&v, (const char *)vals + (size_t)c * value_size + w * sizeof(v), sizeof(v));
			acc += v;
			memcpy((char *)sum + w * sizeof(acc), &acc, sizeof(acc));
		}
}

int pm_read_drop_counts(pktmon_session *s, struct pm_drop_sum **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	int ncpu = libbpf_num_possible_cpus();
	if (!s->skel || ncpu <= 0)
		return ncpu <= 0 ? -EINVAL : 0;
	uint64_t *vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	size_t cap = 0;
	int fd = bpf_map__fd(s->skel->maps.drop_counts), rc = 0;
	struct pm_drop_key key, next;
	void *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals) != 0)
			continue;
		uint64_t count;
		percpu_sum(vals, ncpu, sizeof(count), &count);
		if (!count)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			struct pm_drop_sum *l = realloc(*out, cap * sizeof(*l));
			if (!l) {
				rc = -ENOMEM;
				break;
			}
			*out = l;
		}
		(*out)[(*n)++] = (struct pm_drop_sum){ .key = key, .count = count };
	}
	free(vals);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

/* Components that no drop event named (counters-only, type flow): name their
 * most frequent drop reason from the kernel's drop counters. Caller holds s->lock. */
static void name_drop_reasons(pktmon_session *s)
{
	struct pm_drop_sum *d;
	size_t n;
	uint64_t *best = calloc(s->comps.n ? s->comps.n : 1, sizeof(*best));
	if (!best || pm_read_drop_counts(s, &d, &n) < 0) {
		free(best);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct pm_component *c = pm_components_find(&s->comps, &d[i].key.comp);
		if (!c || c->events_written || d[i].count <= best[c->seq - 1])
			continue;
		best[c->seq - 1] = d[i].count;
		char buf[32];
		snprintf(c->last_drop_reason, sizeof(c->last_drop_reason), "%s",
			 pm_reason_name(s, d[i].key.reason, buf, sizeof(buf)));
	}
	free(d);
	free(best);
}

static void add_counters(pktmon_session *s, const struct pm_comp_key *key, const struct pm_counters *sum)
{
	struct pm_component *c = pm_component_for(s, key, NULL);
	if (!c)
		return;
	enum pktmon_direction d = pktmon_layer_direction((enum pktmon_layer)key->layer);
	if (d == PKTMON_DIR_TX) {
		c->tx_pkts += sum->pkts;
		c->tx_bytes += sum->bytes;
	} else {
		c->rx_pkts += sum->pkts;
		c->rx_bytes += sum->bytes;
	}
	c->drops += sum->drops;
	c->lost += sum->lost;
	c->emitted += sum->emitted;
}

/* Read the kernel's per-CPU counters (the ccache slots and the hash) into the
 * component table. Caller holds s->lock. */
void pm_collect_counters(pktmon_session *s)
{
	if (!s->skel)
		return;
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return;
	struct pm_counters *vals = calloc((size_t)ncpu, sizeof(*vals));
	struct pm_ccache *cc = calloc((size_t)ncpu, sizeof(*cc));
	if (!vals || !cc)
		goto out;
	/* the maps are the truth: a key they no longer have (reset) counts zero */
	for (size_t i = 0; i < s->comps.n; i++) {
		struct pm_component *c = s->comps.items[i];
		c->rx_pkts = c->tx_pkts = c->rx_bytes = c->tx_bytes = c->drops = c->lost = c->emitted = 0;
	}
	uint32_t zero = 0;
	if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.ccache), &zero, cc) == 0)
		for (int cpu = 0; cpu < ncpu; cpu++)
			for (int i = 0; i < PM_CCACHE_SLOTS; i++)
				if (cc[cpu].slot[i].used)
					add_counters(s, &cc[cpu].slot[i].key, &cc[cpu].slot[i].c);
	int fd = bpf_map__fd(s->skel->maps.counters);
	struct pm_comp_key key, next;
	void *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals) != 0)
			continue;
		struct pm_counters sum;
		percpu_sum(vals, ncpu, sizeof(sum), &sum);
		add_counters(s, &key, &sum);
	}
	name_drop_reasons(s);
out:
	free(vals);
	free(cc);
}

/* Events the worst pcapng output does not hold (see pktmon_totals). */
uint64_t pm_events_not_written(const pktmon_session *s)
{
	uint64_t worst = 0;
	bool any = false;
	for (const pktmon_output *o = s->outputs; o; o = o->next) {
		if (o->kind != PM_OUT_PCAPNG)
			continue;
		uint64_t n = atomic_load_explicit(&o->refused, memory_order_relaxed) + o->writes_lost;
		if (n > worst)
			worst = n;
		any = true;
	}
	return any ? worst + s->encode_errors : 0;
}

int pktmon_get_counters(pktmon_session *s, struct pktmon_counter **list, size_t *n)
{
	pthread_mutex_lock(&s->lock);
	pm_collect_counters(s);
	struct pktmon_counter *l = calloc(s->comps.n ? s->comps.n : 1, sizeof(*l));
	if (!l) {
		pthread_mutex_unlock(&s->lock);
		return -ENOMEM;
	}
	size_t nl = 0;
	for (size_t i = 0; i < s->comps.n; i++) {
		const struct pm_component *c = s->comps.items[i];
		if (c->excluded)
			continue; /* --comp did not select it */
		struct pktmon_counter *o = &l[nl++];
		o->component_id = c->id;
		snprintf(o->name, sizeof(o->name), "%s", c->name);
		o->layer = (enum pktmon_layer)c->key.layer;
		o->netns = c->key.netns;
		o->ifindex = c->key.ifindex;
		o->nf_family = c->key.nf_family;
		o->rx_pkts = c->rx_pkts;
		o->rx_bytes = c->rx_bytes;
		o->tx_pkts = c->tx_pkts;
		o->tx_bytes = c->tx_bytes;
		o->drops = c->drops;
		o->lost = c->lost;
		snprintf(o->last_drop_reason, sizeof(o->last_drop_reason), "%s", c->last_drop_reason);
	}
	*n = nl;
	*list = l;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int pktmon_get_drop_counts(pktmon_session *s, struct pktmon_drop_count **list, size_t *n)
{
	struct pm_drop_sum *d;
	size_t nd;
	*list = NULL;
	*n = 0;
	pthread_mutex_lock(&s->lock);
	int rc = pm_read_drop_counts(s, &d, &nd);
	if (rc == 0 && nd && !(*list = calloc(nd, sizeof(**list))))
		rc = -ENOMEM;
	for (size_t i = 0; rc == 0 && i < nd; i++) {
		struct pm_component *c = pm_component_for(s, &d[i].key.comp, NULL);
		if (!c || c->excluded)
			continue;
		struct pktmon_drop_count *o = &(*list)[(*n)++];
		char buf[32];
		o->component_id = c->id;
		snprintf(o->reason, sizeof(o->reason), "%s", pm_reason_name(s, d[i].key.reason, buf, sizeof(buf)));
		o->reason_code = d[i].key.reason;
		o->count = d[i].count;
	}
	pthread_mutex_unlock(&s->lock);
	free(d);
	return rc;
}

void pktmon_free_counters(struct pktmon_counter *list)
{
	free(list);
}

int pktmon_get_totals(pktmon_session *s, struct pktmon_totals *t)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_lock(&s->lock);
	pm_collect_counters(s);
	for (size_t i = 0; i < s->comps.n; i++) {
		t->events_lost += s->comps.items[i]->lost;
		t->drops += s->comps.items[i]->drops;
		t->events_generated += s->comps.items[i]->emitted + s->comps.items[i]->lost;
	}
	t->events_received = s->events_received;
	t->filtered_out = s->filtered_out;
	t->events_not_written = pm_events_not_written(s);
	uint64_t passed = s->events_received - s->filtered_out;
	if (t->events_not_written > passed)
		t->events_not_written = passed;
	t->events_written = passed - t->events_not_written;
	t->netns_attached = s->netns_hooked_max;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* What the kernel counted as skipped runs of our programs (recursion_misses, 5.12+):
 * a tracepoint or traced function hit again on a CPU where the program was still
 * running (an interrupt nested in it) does not run it a second time. */
static uint64_t programs_missed_raw(const pktmon_session *s)
{
	uint64_t n = 0;
	struct bpf_program *p;
	struct capture_bpf *objs[2] = { s->skel, s->skel2 };
	for (int i = 0; i < 2; i++) {
		if (!objs[i])
			continue;
		bpf_object__for_each_program(p, objs[i]->obj) {
			int fd = bpf_program__fd(p);
			struct bpf_prog_info info;
			__u32 len = sizeof(info);
			memset(&info, 0, sizeof(info));
			if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
				n += info.recursion_misses;
		}
	}
	return n;
}

/* Since the session started, or since its counters were last reset. */
uint64_t pm_programs_missed(const pktmon_session *s)
{
	uint64_t n = programs_missed_raw(s);
	uint64_t base = __atomic_load_n(&s->kernel_missed_base, __ATOMIC_RELAXED); /* reset may run beside us */
	return n > base ? n - base : 0;
}

int pktmon_get_kernel_missed(pktmon_session *s, uint64_t *missed)
{
	if (!s || !missed)
		return -EINVAL;
	*missed = pm_programs_missed(s);
	return 0;
}

int pktmon_reset_counters(pktmon_session *s)
{
	if (!s->skel)
		return 0;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->comps.n; i++)
		s->comps.items[i]->last_drop_reason[0] = 0;
	/* the kernel's count cannot be zeroed */
	__atomic_store_n(&s->kernel_missed_base, programs_missed_raw(s), __ATOMIC_RELAXED);
	pthread_mutex_unlock(&s->lock);
	int ncpu = libbpf_num_possible_cpus();
	struct pm_ccache *cc = ncpu > 0 ? calloc((size_t)ncpu, sizeof(*cc)) : NULL;
	uint32_t zero = 0;
	if (cc) /* zeros: every slot free again */
		bpf_map_update_elem(bpf_map__fd(s->skel->maps.ccache), &zero, cc, BPF_ANY);
	free(cc);
	int fds[2] = { bpf_map__fd(s->skel->maps.counters), bpf_map__fd(s->skel->maps.drop_counts) };
	for (int m = 0; m < 2; m++) {
		char key[sizeof(struct pm_drop_key)];
		while (bpf_map_get_next_key(fds[m], NULL, key) == 0)
			if (bpf_map_delete_elem(fds[m], key) != 0)
				break;
	}
	return 0;
}
