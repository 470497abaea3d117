/* SPDX-License-Identifier: MIT */
/*
 * session.c - a live pktmon session: load and attach the BPF programs in every
 * network namespace, consume the ring buffer on one thread, turn events into
 * pcapng blocks and real-time callbacks, and write the rundown at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "capture_event.h"
#include "capture.skel.h"
#include "components.h"
#include "drop_reasons.h"
#include "filter.h"
#include "kallsyms.h"
#include "netns.h"
#include "nf_fallback.h"
#include "nf_link.h"
#include "nft_owner_table.h"
#include "pcap_filter.h"
#include "observation.h"
#include "pcapng.h"
#include "pktmon/pktmon.h"
#include "session_internal.h"
#include "sink.h"
#include "tlv.h"

#define NF_HOOKS 5
#define NETNS_RESCAN_NS 500000000ull
#define FLUSH_NS 100000000ull
#define PCAP_WINDOW (1u << 20) /* pcap-filter verdicts remembered per group id */

static void seterr(char *err, size_t len, const char *fmt, ...)
{
	if (!err || !len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- observation points --------------------------------------------------------------------- */

struct point {
	enum pktmon_layer layer;
	const char *tracepoint; /* NULL for netfilter */
	const char *description;
};

static const struct point points[] = {
	{ PKTMON_LAYER_DEV_RX, "netif_receive_skb", "device receive (tracepoint net:netif_receive_skb)" },
	{ PKTMON_LAYER_NF_PREROUTING, NULL, "netfilter PREROUTING, IPv4 and IPv6 (BPF netfilter link per namespace)" },
	{ PKTMON_LAYER_NF_INPUT, NULL, "netfilter INPUT, IPv4 and IPv6 (BPF netfilter link per namespace)" },
	{ PKTMON_LAYER_NF_FORWARD, NULL, "netfilter FORWARD, IPv4 and IPv6 (BPF netfilter link per namespace)" },
	{ PKTMON_LAYER_NF_OUTPUT, NULL, "netfilter OUTPUT, IPv4 and IPv6 (BPF netfilter link per namespace)" },
	{ PKTMON_LAYER_NF_POSTROUTING, NULL, "netfilter POSTROUTING, IPv4 and IPv6 (BPF netfilter link per namespace)" },
	{ PKTMON_LAYER_SOCK_RX, "skb_copy_datagram_iovec", "socket delivery (tracepoint skb:skb_copy_datagram_iovec)" },
	{ PKTMON_LAYER_QDISC_ENQ, "net_dev_queue", "qdisc enqueue (tracepoint net:net_dev_queue)" },
	{ PKTMON_LAYER_QDISC_DEQ, "qdisc_dequeue", "qdisc dequeue (tracepoint qdisc:qdisc_dequeue)" },
	{ PKTMON_LAYER_DEV_TX, "net_dev_start_xmit", "device transmit (tracepoint net:net_dev_start_xmit)" },
	{ PKTMON_LAYER_STACK, "kfree_skb", "drops (tracepoint skb:kfree_skb, with the kernel's drop reason)" },
};
#define NPOINTS (sizeof(points) / sizeof(points[0]))

static bool btf_has_tracepoint(const struct btf *btf, const char *tp)
{
	char name[128];
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return btf && btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) >= 0;
}

/* Parameters of the tracepoint's BTF prototype, without the context pointer;
 * -1 when the kernel has no such tracepoint. */
static int btf_tracepoint_args(const struct btf *btf, const char *tp)
{
	char name[128];
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	int id = btf ? btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) : -1;
	if (id < 0)
		return -1;
	const struct btf_type *t = btf__type_by_id(btf, id);
	while (t && (btf_is_typedef(t) || btf_is_ptr(t)))
		t = btf__type_by_id(btf, t->type);
	return t && btf_is_func_proto(t) ? btf_vlen(t) - 1 : -1;
}

/* The netfilter points: which mechanism serves them, said in `pktmon list`. */
static void describe_nf_points(pktmon_handle *h)
{
	static const char *const hooks[5] = { "PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING" };
	const char *how = h->nf_mechanism == PM_MECH_NF_LINK ? "BPF netfilter link per namespace"
			  : h->nf_mechanism == PM_MECH_FENTRY ? "fentry on nf_hook_slow, own nftables table per namespace"
			  : h->nf_mechanism == PM_MECH_KPROBE ? "kprobe on nf_hook_slow, own nftables table per namespace"
							      : "nothing on this kernel";
	for (int i = 0; i < 5; i++)
		snprintf(h->nf_desc[i], sizeof(h->nf_desc[i]), "netfilter %s, IPv4 and IPv6 (%s)", hooks[i], how);
}

int pktmon_initialize(pktmon_handle **out, char *err, size_t errlen)
{
	pktmon_handle *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	h->vmlinux = btf__load_vmlinux_btf();
	if (!h->vmlinux) {
		int e = errno;
		seterr(err, errlen, "cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): %s; "
			       "pktmon needs a kernel built with CONFIG_DEBUG_INFO_BTF", strerror(e));
		free(h);
		return -(e ? e : ENOENT);
	}
	if (pm_drop_reasons_load(&h->reasons, h->vmlinux) < 0)
		fprintf(stderr, "pktmon: this kernel's BTF has no enum skb_drop_reason: drops will show numbers\n");
	pm_nf_probe_kernel(h->vmlinux, &h->nf_probe);
	h->nf_mechanism = pm_nf_mechanism_choose(&h->nf_probe, getenv("PKTMON_NF_MECHANISM"));
	h->drop_has_reason = btf_tracepoint_args(h->vmlinux, "kfree_skb") >= 3;
	describe_nf_points(h);
	bool nf = h->nf_mechanism != PM_MECH_UNAVAILABLE;
	for (size_t i = 0; i < NPOINTS; i++) {
		struct pktmon_data_source *d = &h->sources[i];
		d->layer = points[i].layer;
		d->name = pktmon_layer_name(points[i].layer);
		d->description = points[i].tracepoint ? points[i].description
						      : h->nf_desc[points[i].layer - PKTMON_LAYER_NF_PREROUTING];
		d->available = points[i].tracepoint ? btf_has_tracepoint(h->vmlinux, points[i].tracepoint) : nf;
		d->mechanism = !d->available ? pm_mechanism_name(PM_MECH_UNAVAILABLE)
			       : points[i].tracepoint ? pm_mechanism_name(PM_MECH_TRACEPOINT)
						      : pm_mechanism_name(h->nf_mechanism);
		d->why_not = d->available ? NULL
			     : points[i].tracepoint ? "this kernel has no such tracepoint"
						    : pm_nf_unavailable_why(&h->nf_probe);
	}
	h->nsources = NPOINTS;
	*out = h;
	return 0;
}

void pktmon_uninitialize(pktmon_handle *h)
{
	if (!h)
		return;
	pm_ksyms_free(&h->ksyms);
	pm_drop_reasons_free(&h->reasons);
	btf__free(h->vmlinux);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

int pktmon_enum_data_sources(pktmon_handle *h, const struct pktmon_data_source **list, size_t *n)
{
	*list = h->sources;
	*n = h->nsources;
	return 0;
}

static bool source_available(const pktmon_handle *h, enum pktmon_layer l)
{
	for (size_t i = 0; i < h->nsources; i++)
		if (h->sources[i].layer == l)
			return h->sources[i].available;
	return false;
}

/* ---- session configuration ------------------------------------------------------------------ */

void pktmon_session_options_default(struct pktmon_session_options *o)
{
	memset(o, 0, sizeof(*o));
	o->snaplen = 128;
	o->type = PKTMON_TYPE_ALL;
	o->ring_bytes = 8u << 20;
}

int pktmon_create_live_session(pktmon_handle *h, const char *name, pktmon_session **out)
{
	pktmon_session *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->h = h;
	snprintf(s->name, sizeof(s->name), "%s", name ? name : "pktmon");
	pktmon_session_options_default(&s->opt);
	pthread_mutex_init(&s->lock, NULL);
	pm_components_init(&s->comps);
	s->self_netns_fd = -1;
	*out = s;
	return 0;
}

int pktmon_session_set_options(pktmon_session *s, const struct pktmon_session_options *o)
{
	if (s->active)
		return -EBUSY;
	if (o->type > PKTMON_TYPE_DROP)
		return -EINVAL;
	if (o->ring_bytes && (o->ring_bytes < 4096 || (o->ring_bytes & (o->ring_bytes - 1))))
		return -EINVAL;
	s->opt = *o;
	if (!s->opt.ring_bytes)
		s->opt.ring_bytes = 8u << 20;
	return 0;
}

int pktmon_add_data_source(pktmon_session *s, enum pktmon_layer layer)
{
	if (s->active)
		return -EBUSY;
	if (layer <= PKTMON_LAYER_UNKNOWN || layer >= PKTMON_LAYER_MAX)
		return -EINVAL;
	if (!source_available(s->h, layer))
		return -EOPNOTSUPP; /* never a silent capture of nothing */
	s->layer_mask |= 1u << layer;
	return 0;
}

int pktmon_add_netns(pktmon_session *s, uint32_t netns_inode)
{
	if (s->active)
		return -EBUSY;
	if (!netns_inode)
		return -EINVAL;
	for (size_t i = 0; i < s->nnetns; i++)
		if (s->netns[i] == netns_inode)
			return 0;
	if (s->nnetns >= PM_MAX_NETNS)
		return -E2BIG;
	s->netns[s->nnetns++] = netns_inode;
	return 0;
}

int pktmon_netns_resolve(const char *name, uint32_t *inode, char *err, size_t errlen)
{
	char path[300];
	struct stat st;
	char *end;
	unsigned long v = strtoul(name, &end, 10);
	if (*name && !*end && v > 0 && v <= UINT32_MAX) {
		*inode = (uint32_t)v;
		return 0;
	}
	if (!strcmp(name, "host")) {
		/* the initial namespace, even where /proc/1/ns/net is unreadable */
		*inode = pm_netns_host();
		if (*inode)
			return 0;
		goto unknown;
	} else if (!*name || strchr(name, '/') || strlen(name) > 200)
		goto unknown;
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	if (stat(path, &st) < 0)
		goto unknown;
	*inode = (uint32_t)st.st_ino;
	return 0;
unknown:
	seterr(err, errlen, "no network namespace '%s' (give an `ip netns` name, host, or an inode number)", name);
	return -ENOENT;
}

int pktmon_add_capture_constraint(pktmon_session *s, const char *filter, char *err, size_t errlen)
{
	if (s->active)
		return -EBUSY;
	if (s->nfilters >= PKTMON_MAX_FILTERS) {
		seterr(err, errlen, "at most %d filters", PKTMON_MAX_FILTERS);
		return -E2BIG;
	}
	char why[PKTMON_ERRLEN] = "";
	if (pm_filter_parse_line(filter, &s->filters[s->nfilters], why, sizeof(why)) < 0) {
		seterr(err, errlen, "filter '%s': %s", filter, why);
		return -EINVAL;
	}
	s->nfilters++;
	return 0;
}

int pktmon_check_pcap_filter(const char *expr, char *err, size_t errlen)
{
	struct pm_pcap_filter *f = pm_pcap_filter_compile(expr, err, errlen);
	if (!f)
		return -EINVAL;
	pm_pcap_filter_free(f);
	return 0;
}

int pktmon_set_pcap_filter(pktmon_session *s, const char *expr, char *err, size_t errlen)
{
	if (s->active)
		return -EBUSY;
	pm_pcap_filter_free(s->pcap);
	s->pcap = NULL;
	if (!expr || !*expr)
		return 0;
	s->pcap = pm_pcap_filter_compile(expr, err, errlen);
	return s->pcap ? 0 : -EINVAL;
}

/* ---- outputs -------------------------------------------------------------------------------- */

int pktmon_create_realtime_stream(pktmon_handle *h, const struct pktmon_stream_callbacks *cb,
				  pktmon_output **out)
{
	(void)h;
	pktmon_output *o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->kind = PM_OUT_REALTIME;
	o->cb = *cb;
	*out = o;
	return 0;
}

int pktmon_create_pcapng_output(pktmon_handle *h, const struct pktmon_pcapng_options *opt,
				pktmon_output **out, char *err, size_t errlen)
{
	(void)h;
	pktmon_output *o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->kind = PM_OUT_PCAPNG;
	if (opt->path)
		o->sink = pm_sink_open_file(opt->path, opt->size_limit, (enum pm_log_mode)opt->mode, err, errlen);
	else if (opt->fd >= 0)
		o->sink = pm_sink_open_fd(opt->fd, false);
	else
		seterr(err, errlen, "a pcapng output needs a path or an fd");
	if (!o->sink) {
		free(o);
		return -EINVAL;
	}
	*out = o;
	return 0;
}

int pktmon_attach_output(pktmon_session *s, pktmon_output *o)
{
	if (s->active || o->session)
		return -EBUSY;
	o->session = s;
	o->next = s->outputs;
	s->outputs = o;
	return 0;
}

void pktmon_close_output(pktmon_output *o)
{
	if (!o || o->session)
		return;
	if (o->sink)
		pm_sink_close(o->sink, NULL, 0);
	free(o);
}

static void notify(pktmon_session *s, enum pktmon_stream_event kind, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (pktmon_output *o = s->outputs; o; o = o->next)
		if (o->kind == PM_OUT_REALTIME && o->cb.on_event)
			o->cb.on_event(o->cb.user, kind, msg);
}

static void output_failed(pktmon_session *s, pktmon_output *o, int rc)
{
	o->failed = true;
	if (rc == PM_SINK_ERR_PIPE) {
		/* Wireshark closing its fifo is how an extcap capture normally ends */
		s->reader_gone = true;
		return;
	}
	s->output_error = rc;
	notify(s, PKTMON_STREAM_ERROR, "pcapng output: %s", pm_sink_last_error(o->sink));
}

/* Hands an encoded block to every pcapng output; an output that fails (the
 * reader closed the fifo, the disk is full) is reported once and dropped. */
static void write_block(pktmon_session *s, const struct pm_buf *b, bool interface)
{
	for (pktmon_output *o = s->outputs; o; o = o->next) {
		if (o->kind != PM_OUT_PCAPNG)
			continue;
		if (o->failed) {
			if (!interface)
				o->refused++;
			continue;
		}
		int rc = interface ? pm_sink_add_interface(o->sink, b->data, b->len)
				   : pm_sink_write(o->sink, b->data, b->len);
		if (rc < 0 && !interface)
			o->refused++;
		if (rc == PM_SINK_ERR_FULL) {
			/* single file at its size limit: keep counting, write the trailer at stop */
			if (!o->full)
				notify(s, PKTMON_STREAM_WARNING, "pcapng output full: %s", pm_sink_last_error(o->sink));
			o->full = true;
		} else if (rc < 0) {
			output_failed(s, o, rc);
		}
	}
}

/* ---- components ----------------------------------------------------------------------------- */

/* Caller holds s->lock, or is the only thread. */
static void netns_name_remember(pktmon_session *s, uint32_t inum, uint32_t cookie, const char *name)
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
	netns_name_remember(s, inum, cookie, buf);
}

/* Caller holds s->lock. */
static struct pm_component *component_for(pktmon_session *s, const struct pm_comp_key *key, const char *ifname)
{
	struct pm_component *c = pm_components_find(&s->comps, key);
	if (c)
		return c;
	char nsname[64];
	bool created;
	netns_name_cached(s, key->netns, key->netns_cookie, nsname, sizeof(nsname));
	return pm_components_add(&s->comps, key, ifname, nsname, &created);
}

static uint32_t idb_snaplen(const pktmon_session *s)
{
	return s->opt.snaplen ? s->opt.snaplen : 262144;
}

static void announce(pktmon_session *s, struct pm_component *c)
{
	pm_buf_reset(&s->block);
	pcapng_put_idb(&s->block, PCAPNG_LINKTYPE_ETHERNET, idb_snaplen(s), c->name, c->description, 9);
	c->if_id = s->next_if_id++;
	c->announced = true;
	write_block(s, &s->block, true);
}

/* ---- events --------------------------------------------------------------------------------- */

static bool pcap_verdict(pktmon_session *s, const struct pm_event *ev, const uint8_t *data)
{
	uint64_t id = ev->group_id;
	size_t bit = id & (PCAP_WINDOW - 1);
	uint8_t mask = (uint8_t)(1u << (bit & 7));
	if (ev->appearance == 1 || id + PCAP_WINDOW <= s->pcap_hi || id > s->pcap_hi) {
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

static const char *reason_name(pktmon_session *s, uint32_t code, char *buf, size_t len)
{
	return pm_drop_reason_str(&s->h->reasons, code, buf, len);
}

static int on_ring_event(void *ctx, void *data, size_t size)
{
	pktmon_session *s = ctx;
	if (size < sizeof(struct pm_event))
		return 0;
	const struct pm_event *ev = data;
	const uint8_t *frame = (const uint8_t *)data + sizeof(*ev);
	if (ev->cap_len > size - sizeof(*ev) || ev->comp.layer >= PKTMON_LAYER_MAX)
		return 0; /* never trust a length, even our own */
	s->events_received++;

	if (s->pcap && !pcap_verdict(s, ev, frame)) {
		s->filtered_out++;
		return 0;
	}

	pthread_mutex_lock(&s->lock);
	char ifname[PM_IFNAMSIZ + 1];
	memcpy(ifname, ev->ifname, PM_IFNAMSIZ);
	ifname[PM_IFNAMSIZ] = 0;
	/* netfilter and socket components are not tied to the device of the moment */
	bool dev_layer = ev->comp.ifindex != 0;
	struct pm_component *c = component_for(s, &ev->comp, dev_layer ? ifname : NULL);
	if (!c) {
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	if (!c->announced)
		announce(s, c);
	bool dropped = ev->flags & PKTMON_FLAG_DROPPED;
	char rbuf[32], sym[160] = "";
	const char *reason = NULL;
	uint64_t ts = ev->ts_ns + (uint64_t)s->mono_to_real_ns;
	if (dropped) {
		reason = reason_name(s, ev->drop_reason, rbuf, sizeof(rbuf));
		pm_ksym_resolve(&s->h->ksyms, ev->drop_location, sym, sizeof(sym));
		snprintf(c->last_drop_reason, sizeof(c->last_drop_reason), "%s", reason);
	}
	if (!c->first_ts_ns)
		c->first_ts_ns = ts;
	c->last_ts_ns = ts;
	c->events_written++;
	uint32_t comp_id = c->id, if_id = c->if_id;
	const char *comp_name = c->name;
	pthread_mutex_unlock(&s->lock);

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
	};
	if (s->has_pcapng) {
		pm_buf_reset(&s->block);
		if (pm_observation_encode(&s->block, &s->meta, if_id, &pe) < 0)
			s->encode_errors++; /* out of memory: counted, the outputs stay usable */
		else
			write_block(s, &s->block, false);
	}
	for (pktmon_output *o = s->outputs; o; o = o->next)
		if (o->kind == PM_OUT_REALTIME && o->cb.on_data)
			o->cb.on_data(o->cb.user, &pe);
	return 0;
}

/* ---- namespaces and netfilter links --------------------------------------------------------- */

static bool want_layer(const pktmon_session *s, enum pktmon_layer l)
{
	return (!s->layer_mask || (s->layer_mask & (1u << l))) && source_available(s->h, l);
}

static bool want_any_nf(const pktmon_session *s)
{
	for (int l = PKTMON_LAYER_NF_PREROUTING; l <= PKTMON_LAYER_NF_POSTROUTING; l++)
		if (want_layer(s, (enum pktmon_layer)l))
			return true;
	return false;
}

/* A reused inode with another cookie is another namespace: it gets its own
 * slot, and the old one, no longer seen, is detached. */
static struct nf_ns *nf_ns_find(pktmon_session *s, uint32_t inum, uint64_t cookie)
{
	for (size_t i = 0; i < s->nns; i++)
		if (s->ns[i].inum == inum && s->ns[i].cookie == cookie)
			return &s->ns[i];
	return NULL;
}

/* Fallbacks (fentry/kprobe on nf_hook_slow): make every hook point of the
 * caller's namespace run nf_hook_slow with a table of our own, then return to
 * the original namespace. The owning socket holds a reference to the
 * namespace: the rescan closes it when the namespace is no longer reachable. */
static int hook_points_netns(pktmon_session *s, struct nf_ns *slot)
{
	char table[64]; /* one per session: two sessions of a process may run at once */
	snprintf(table, sizeof(table), "pktmon_%d_%lx", (int)getpid(), (unsigned long)(uintptr_t)s);
	int sock = pm_nft_owner_table_create(table);
	if (setns(s->self_netns_fd, CLONE_NEWNET) < 0)
		notify(s, PKTMON_STREAM_ERROR, "cannot return to the original network namespace: %s",
		       strerror(errno));
	if (sock < 0)
		return sock;
	slot->nft_sock = sock;
	slot->has_nft = true;
	return 1;
}

/* Attach the netfilter links in namespace `ns` from this thread, which enters
 * it and comes back. Returns the number of links made, or -errno. */
static int attach_netns(pktmon_session *s, const struct pm_netns *ns, struct nf_ns *slot)
{
	int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	close(fd); /* the links do not need it: holding it would keep the namespace alive */
	if (s->h->nf_mechanism != PM_MECH_NF_LINK)
		return hook_points_netns(s, slot);
	int prog = bpf_program__fd(s->skel->progs.pm_nf);
	static const int families[2] = { PKTMON_NF_IPV4, PKTMON_NF_IPV6 };
	int made = 0, first_err = 0;
	for (int f = 0; f < 2; f++)
		for (int hook = 0; hook < NF_HOOKS; hook++) {
			if (!want_layer(s, (enum pktmon_layer)(PKTMON_LAYER_NF_PREROUTING + hook)))
				continue;
			/* BPF hooks need a priority of their own: another session (or
			 * tool) may hold the first, so take the next free one */
			int l = -EBUSY;
			for (int p = 0; p < PM_NF_PRIORITY_TRIES && l == -EBUSY; p++)
				l = pm_nf_link_create(prog, families[f], hook, PM_NF_PRIORITY_FIRST + p);
			if (l < 0) {
				if (!first_err)
					first_err = l;
				continue;
			}
			slot->links[slot->nlinks++] = l;
			made++;
		}
	if (setns(s->self_netns_fd, CLONE_NEWNET) < 0)
		notify(s, PKTMON_STREAM_ERROR, "cannot return to the original network namespace: %s",
		       strerror(errno));
	return made ? made : first_err;
}

static void detach_netns(struct nf_ns *n)
{
	for (int i = 0; i < n->nlinks; i++)
		close(n->links[i]);
	n->nlinks = 0;
	if (n->has_nft)
		close(n->nft_sock); /* the kernel deletes the owned table */
	n->has_nft = false;
}

/* Attach to namespaces not seen before; forget those that are gone. */
static void rescan_netns(pktmon_session *s)
{
	struct pm_netns *list;
	size_t n;
	if (pm_netns_scan(&list, &n) < 0)
		return;
	for (size_t i = 0; i < s->nns; i++)
		s->ns[i].seen = false;
	for (size_t i = 0; i < n; i++) {
		struct nf_ns *slot = nf_ns_find(s, list[i].inum, list[i].cookie);
		if (slot) {
			slot->seen = true;
			continue;
		}
		/* its name now, while it exists: its packets may be read after it is gone */
		const char *name = pm_netns_path_name(&list[i]);
		if (name && list[i].cookie) {
			pthread_mutex_lock(&s->lock);
			netns_name_remember(s, list[i].inum, (uint32_t)list[i].cookie, name);
			pthread_mutex_unlock(&s->lock);
		}
		if (s->nns == s->ns_cap) {
			size_t cap = s->ns_cap ? s->ns_cap * 2 : 16;
			struct nf_ns *ns = realloc(s->ns, cap * sizeof(*ns));
			if (!ns)
				break;
			s->ns = ns;
			s->ns_cap = cap;
		}
		slot = &s->ns[s->nns];
		memset(slot, 0, sizeof(*slot));
		slot->inum = list[i].inum;
		slot->cookie = list[i].cookie;
		slot->seen = true;
		int rc = attach_netns(s, &list[i], slot);
		if (rc < 0) {
			/* the namespace may have just gone away; say so once and try again later */
			notify(s, PKTMON_STREAM_WARNING, "netfilter hooks in netns %u (%s): %s", list[i].inum,
			       list[i].path, strerror(-rc));
			/* fallbacks still see hooks others registered there: keep it, do not retry */
			if (s->h->nf_mechanism == PM_MECH_NF_LINK)
				continue;
		}
		s->nns++;
	}
	if (s->nns > s->netns_hooked_max)
		s->netns_hooked_max = s->nns;
	/* namespaces that are gone: close their links */
	size_t w = 0;
	for (size_t i = 0; i < s->nns; i++) {
		if (!s->ns[i].seen) {
			detach_netns(&s->ns[i]);
			continue;
		}
		s->ns[w++] = s->ns[i];
	}
	s->nns = w;
	free(list);
}

/* ---- the consumer thread -------------------------------------------------------------------- */

static void flush_outputs(pktmon_session *s)
{
	for (pktmon_output *o = s->outputs; o; o = o->next)
		if (o->kind == PM_OUT_PCAPNG && !o->failed) {
			/* a reader that went away while no packet came would go unnoticed */
			int rc = pm_sink_reader_gone(o->sink) ? PM_SINK_ERR_PIPE : pm_sink_flush(o->sink);
			if (rc < 0 && rc != PM_SINK_ERR_FULL)
				output_failed(s, o, rc);
		}
}

static void *consumer(void *arg)
{
	pktmon_session *s = arg;
	uint64_t last_scan = clock_ns(CLOCK_MONOTONIC), last_flush = last_scan;
	while (atomic_load(&s->running)) {
		ring_buffer__poll(s->rb, 50);
		ring_buffer__consume(s->rb); /* events queued without a wake-up */
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		if (s->nf_wanted && now - last_scan >= NETNS_RESCAN_NS) {
			rescan_netns(s);
			last_scan = now;
		}
		if (now - last_flush >= FLUSH_NS) {
			flush_outputs(s);
			last_flush = now;
		}
	}
	return NULL;
}

/* ---- start and stop ------------------------------------------------------------------------- */

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's warnings include whole verifier logs: only on request */
	if (level == LIBBPF_DEBUG || !getenv("PKTMON_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void write_header(pktmon_session *s)
{
	struct utsname u;
	char os[160], appl[64];
	uname(&u);
	snprintf(os, sizeof(os), "Linux %s", u.release);
	snprintf(appl, sizeof(appl), "pktmon %s", PKTMON_VERSION_STRING);
	pm_buf_reset(&s->block);
	pcapng_put_shb(&s->block, appl, os);
	for (pktmon_output *o = s->outputs; o; o = o->next)
		if (o->kind == PM_OUT_PCAPNG)
			pm_sink_set_header(o->sink, s->block.data, s->block.len);
}

static const char *privilege_hint(void)
{
	return "the capture needs CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN and CAP_SYS_ADMIN (and CAP_SYSLOG to name "
	       "drop locations): run it as root, or give the binary file capabilities "
	       "(setcap cap_bpf,cap_perfmon,cap_net_admin,cap_sys_admin,cap_syslog+ep BINARY)";
}

/* Loads the kernel's symbols once per handle (thread body, or called directly). */
static void *load_ksyms(void *arg)
{
	pktmon_handle *h = arg;
	pthread_mutex_lock(&h->lock);
	if (!h->ksyms_loaded) {
		const char *why = NULL;
		if (pm_ksyms_load(&h->ksyms, "/proc/kallsyms") < 0)
			why = "cannot read /proc/kallsyms";
		else if (!pm_ksyms_usable(&h->ksyms, &why) && !why)
			why = "no kernel symbols";
		h->ksyms_why = why;
		h->ksyms_loaded = true;
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/* The tracepoint programs and the layer each observes (drops: PKTMON_LAYER_STACK). */
struct tp_prog {
	struct bpf_program *prog;
	enum pktmon_layer layer;
};
#define NTP_PROGS 6

static void tracepoint_programs(struct capture_bpf *k, struct tp_prog out[NTP_PROGS])
{
	out[0] = (struct tp_prog){ k->progs.pm_dev_rx, PKTMON_LAYER_DEV_RX };
	out[1] = (struct tp_prog){ k->progs.pm_qdisc_enq, PKTMON_LAYER_QDISC_ENQ };
	out[2] = (struct tp_prog){ k->progs.pm_qdisc_deq, PKTMON_LAYER_QDISC_DEQ };
	out[3] = (struct tp_prog){ k->progs.pm_dev_tx, PKTMON_LAYER_DEV_TX };
	out[4] = (struct tp_prog){ k->progs.pm_sock_rx, PKTMON_LAYER_SOCK_RX };
	out[5] = (struct tp_prog){ NULL, PKTMON_LAYER_STACK }; /* drop_program() */
}

/* The program of the drop tracepoint that matches this kernel's prototype. */
static struct bpf_program *drop_program(const pktmon_session *s, struct capture_bpf *k)
{
	return s->h->drop_has_reason ? k->progs.pm_drop : k->progs.pm_drop_noreason;
}

/* fentry/kprobe on nf_hook_slow, when that is what serves the netfilter points. */
static struct bpf_program *nf_fallback_program(const pktmon_session *s, struct capture_bpf *k)
{
	switch (s->h->nf_mechanism) {
	case PM_MECH_FENTRY: return k->progs.pm_nf_fentry;
	case PM_MECH_KPROBE: return k->progs.pm_nf_kprobe;
	default: return NULL;
	}
}

/* Drops inside these functions are netfilter's (read by the drop program). */
static void fill_nf_code(pktmon_session *s)
{
	struct pm_code_range r[PM_NF_CODE_RANGES];
	size_t n = s->h->ksyms_why ? 0 : pm_nf_code_ranges(&s->h->ksyms, r, PM_NF_CODE_RANGES);
	for (size_t i = 0; i < n; i++)
		s->skel->bss->nf_code[i] = r[i];
}

/* First half of start: open, configure and load the programs. */
static int load(pktmon_session *s, char *err, size_t errlen)
{
	libbpf_set_print(libbpf_quiet);

	s->skel = capture_bpf__open();
	if (!s->skel) {
		seterr(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		return -errno;
	}
	struct capture_bpf *k = s->skel;
	struct pm_bpf_config *cfg = (struct pm_bpf_config *)&k->rodata->cfg;
	cfg->snaplen = s->opt.snaplen;
	cfg->capture_type = s->opt.type;
	cfg->counters_only = s->opt.counters_only;
	cfg->nfilters = (uint32_t)s->nfilters;
	cfg->vxlan_port = 4789;
	for (size_t i = 0; i < s->nfilters; i++)
		if ((s->filters[i].f.fields & PKTMON_FF_ENCAP) && s->filters[i].f.encap_port)
			cfg->vxlan_port = s->filters[i].f.encap_port;
	cfg->wakeup_bytes = s->opt.ring_bytes / 16;
	uint32_t observed = 1u << PKTMON_LAYER_STACK, prev_ok[PKTMON_LAYER_MAX];
	for (int l = 1; l < PKTMON_LAYER_MAX; l++)
		if (want_layer(s, (enum pktmon_layer)l))
			observed |= 1u << l;
	pktmon_continuation_table(observed, prev_ok);
	_Static_assert(PKTMON_LAYER_MAX <= sizeof(cfg->prev_ok) / sizeof(cfg->prev_ok[0]), "prev_ok too small");
	memcpy(cfg->prev_ok, prev_ok, sizeof(prev_ok));
	cfg->decap_window_ns = 2000000; /* 2 ms */
	cfg->nnetns = (uint32_t)s->nnetns;
	for (size_t i = 0; i < s->nnetns; i++)
		cfg->netns[i] = s->netns[i];
	bpf_map__set_max_entries(k->maps.rb, s->opt.ring_bytes);

	struct tp_prog tps[NTP_PROGS];
	tracepoint_programs(k, tps);
	tps[5].prog = drop_program(s, k);
	bpf_program__set_autoload(k->progs.pm_drop, false);
	bpf_program__set_autoload(k->progs.pm_drop_noreason, false);
	for (size_t i = 0; i < NTP_PROGS; i++) {
		/* drops are always watched: they end tracking and name the reason */
		bool want = tps[i].layer == PKTMON_LAYER_STACK ? source_available(s->h, PKTMON_LAYER_STACK)
							       : want_layer(s, tps[i].layer);
		bpf_program__set_autoload(tps[i].prog, want);
	}
	bpf_program__set_autoload(k->progs.pm_consume, btf_has_tracepoint(s->h->vmlinux, "consume_skb"));
	s->nf_wanted = want_any_nf(s);
	bpf_program__set_type(k->progs.pm_nf, PM_BPF_PROG_TYPE_NETFILTER);
	bpf_program__set_expected_attach_type(k->progs.pm_nf, PM_BPF_NETFILTER);
	bool link = s->h->nf_mechanism == PM_MECH_NF_LINK;
	bpf_program__set_autoload(k->progs.pm_nf, s->nf_wanted && link);
	bpf_program__set_autoload(k->progs.pm_nf_fentry, s->nf_wanted && s->h->nf_mechanism == PM_MECH_FENTRY);
	bpf_program__set_autoload(k->progs.pm_nf_kprobe, s->nf_wanted && s->h->nf_mechanism == PM_MECH_KPROBE);
	for (int l = PKTMON_LAYER_NF_PREROUTING; l <= PKTMON_LAYER_NF_POSTROUTING; l++)
		if (want_layer(s, (enum pktmon_layer)l))
			cfg->nf_layers |= 1u << l;

	int rc = capture_bpf__load(k);
	if (rc) {
		rc = rc < 0 ? rc : -EINVAL;
		if (rc == -EPERM || (rc == -EACCES && geteuid() != 0))
			seterr(err, errlen, "cannot load the BPF programs: %s; %s", strerror(-rc), privilege_hint());
		else if (rc == -EACCES || rc == -E2BIG)
			seterr(err, errlen, "the kernel's verifier rejected the BPF programs (%s); "
				       "run with PKTMON_DEBUG=1 for its log and report it", strerror(-rc));
		else
			seterr(err, errlen, "cannot load the BPF programs: %s (run with PKTMON_DEBUG=1 for the verifier log)",
			       strerror(-rc));
		return rc;
	}
	for (uint32_t i = 0; i < s->nfilters; i++) {
		if (bpf_map__update_elem(k->maps.filters, &i, sizeof(i), &s->filters[i].f,
					 sizeof(s->filters[i].f), BPF_ANY)) {
			int e = errno;
			seterr(err, errlen, "cannot load filter %u: %s", i + 1, strerror(e));
			return -e;
		}
	}
	return 0;
}

/* Second half of start: the ring buffer, the links in every namespace, the consumer. */
static int attach(pktmon_session *s, char *err, size_t errlen)
{
	struct capture_bpf *k = s->skel;
	s->rb = ring_buffer__new(bpf_map__fd(k->maps.rb), on_ring_event, s, NULL);
	if (!s->rb) {
		seterr(err, errlen, "cannot open the ring buffer: %s", strerror(errno));
		return -errno;
	}

	s->self_netns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (s->self_netns_fd < 0) {
		seterr(err, errlen, "cannot open /proc/self/ns/net: %s", strerror(errno));
		return -errno;
	}
	s->has_pcapng = false;
	for (pktmon_output *o = s->outputs; o; o = o->next)
		if (o->kind == PM_OUT_PCAPNG)
			s->has_pcapng = true;
	if (s->pcap) {
		s->pcap_match = calloc(PCAP_WINDOW / 8, 1);
		if (!s->pcap_match)
			return -ENOMEM;
	}
	s->mono_to_real_ns = (int64_t)(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC));
	s->start_ns = clock_ns(CLOCK_REALTIME);
	write_header(s);

	fill_nf_code(s);
	/* netfilter links first, in every namespace, then the tracepoints */
	if (s->nf_wanted) {
		rescan_netns(s);
		if (s->nns == 0 && s->h->nf_mechanism == PM_MECH_NF_LINK) {
			seterr(err, errlen, "cannot attach netfilter hooks in any network namespace; %s",
			       privilege_hint());
			return -EPERM;
		}
	}
	struct bpf_program *nf_prog = s->nf_wanted ? nf_fallback_program(s, k) : NULL;
	if (nf_prog) {
		struct bpf_link *l = bpf_program__attach(nf_prog);
		if (!l) {
			int e = errno;
			seterr(err, errlen, "cannot attach %s to " PM_NF_CORE_FUNC ": %s", bpf_program__name(nf_prog),
			       strerror(e));
			return -e;
		}
		s->tp_links[s->ntp++] = l;
	}
	struct tp_prog tps[NTP_PROGS];
	tracepoint_programs(k, tps);
	tps[5].prog = drop_program(s, k);
	for (size_t i = 0; i < NTP_PROGS; i++) {
		if (!bpf_program__autoload(tps[i].prog))
			continue;
		struct bpf_link *l = bpf_program__attach(tps[i].prog);
		if (!l) {
			int e = errno;
			seterr(err, errlen, "cannot attach %s: %s", bpf_program__name(tps[i].prog), strerror(e));
			return -e;
		}
		s->tp_links[s->ntp++] = l;
	}
	if (bpf_program__autoload(k->progs.pm_consume)) {
		struct bpf_link *l = bpf_program__attach(k->progs.pm_consume);
		if (l)
			s->tp_links[s->ntp++] = l;
	}

	atomic_store(&s->running, true);
	if (pthread_create(&s->thread, NULL, consumer, s) != 0) {
		atomic_store(&s->running, false);
		seterr(err, errlen, "cannot start the consumer thread");
		return -EAGAIN;
	}
	s->thread_started = true;
	return 0;
}

/* The kernel's drops per (component, reason), summed over CPUs; *out is malloc'ed. */
struct drop_sum {
	struct pm_drop_key key;
	uint64_t count;
};

static int read_drop_counts(pktmon_session *s, struct drop_sum **out, size_t *n)
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
		uint64_t count = 0;
		for (int c = 0; c < ncpu; c++)
			count += vals[c];
		if (!count)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			struct drop_sum *l = realloc(*out, cap * sizeof(*l));
			if (!l) {
				rc = -ENOMEM;
				break;
			}
			*out = l;
		}
		(*out)[(*n)++] = (struct drop_sum){ .key = key, .count = count };
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
	struct drop_sum *d;
	size_t n;
	uint64_t *best = calloc(s->comps.n ? s->comps.n : 1, sizeof(*best));
	if (!best || read_drop_counts(s, &d, &n) < 0) {
		free(best);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct pm_component *c = pm_components_find(&s->comps, &d[i].key.comp);
		if (!c || c->events_written || d[i].count <= best[c->id - 1])
			continue;
		best[c->id - 1] = d[i].count;
		char buf[32];
		snprintf(c->last_drop_reason, sizeof(c->last_drop_reason), "%s",
			 reason_name(s, d[i].key.reason, buf, sizeof(buf)));
	}
	free(d);
	free(best);
}

/* Read the kernel's per-CPU counters into the component table. Caller holds s->lock. */
static void collect_counters(pktmon_session *s)
{
	if (!s->skel)
		return;
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return;
	struct pm_counters *vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return;
	/* the map is the truth: a key it no longer has (reset) counts zero */
	for (size_t i = 0; i < s->comps.n; i++) {
		struct pm_component *c = s->comps.items[i];
		c->rx_pkts = c->tx_pkts = c->rx_bytes = c->tx_bytes = c->drops = c->lost = c->emitted = 0;
	}
	int fd = bpf_map__fd(s->skel->maps.counters);
	struct pm_comp_key key, next;
	void *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals) != 0)
			continue;
		struct pm_counters sum = { 0 };
		for (int c = 0; c < ncpu; c++) {
			sum.pkts += vals[c].pkts;
			sum.bytes += vals[c].bytes;
			sum.drops += vals[c].drops;
			sum.lost += vals[c].lost;
			sum.emitted += vals[c].emitted;
		}
		struct pm_component *c = component_for(s, &key, NULL);
		if (!c)
			continue;
		enum pktmon_direction d = pktmon_layer_direction((enum pktmon_layer)key.layer);
		if (d == PKTMON_DIR_TX) {
			c->tx_pkts = sum.pkts;
			c->tx_bytes = sum.bytes;
		} else {
			c->rx_pkts = sum.pkts;
			c->rx_bytes = sum.bytes;
		}
		c->drops = sum.drops;
		c->lost = sum.lost;
		c->emitted = sum.emitted;
	}
	free(vals);
	name_drop_reasons(s);
}

static void put_component_tlvs(struct pm_buf *b, const struct pm_component *c)
{
	tlv_put_u32(b, PKTMON_TLV_COMPONENT_ID, c->id);
}

/* The rundown Custom Block and one ISB per announced component. Caller holds s->lock. */
static uint64_t events_not_written(const pktmon_session *s);

static void encode_trailer(pktmon_session *s, struct pm_buf *out)
{
	struct pm_buf p = { 0 };
	size_t top = pktmon_rundown_begin(&p);
	size_t r = tlv_begin(&p, PKTMON_REC_SESSION);
	struct utsname u;
	uname(&u);
	tlv_put_str(&p, PKTMON_TLV_SESSION_NAME, s->name);
	tlv_put_u64(&p, PKTMON_TLV_START_NS, s->start_ns);
	tlv_put_u64(&p, PKTMON_TLV_STOP_NS, s->stop_ns);
	tlv_put_u32(&p, PKTMON_TLV_SNAPLEN, s->opt.snaplen);
	tlv_put_u8(&p, PKTMON_TLV_CAPTURE_TYPE, (uint8_t)s->opt.type);
	tlv_put_u64(&p, PKTMON_TLV_EVENTS_WRITTEN, s->events_received - s->filtered_out - events_not_written(s));
	uint64_t lost = 0;
	for (size_t i = 0; i < s->comps.n; i++)
		lost += s->comps.items[i]->lost;
	tlv_put_u64(&p, PKTMON_TLV_EVENTS_LOST, lost);
	tlv_put_str(&p, PKTMON_TLV_KERNEL, u.release);
	tlv_end(&p, r);
	for (size_t i = 0; i < s->nfilters; i++) {
		char text[512];
		pm_filter_format(&s->filters[i], text, sizeof(text));
		r = tlv_begin(&p, PKTMON_REC_FILTER);
		tlv_put_u32(&p, PKTMON_TLV_FILTER_INDEX, (uint32_t)i + 1);
		tlv_put_str(&p, PKTMON_TLV_FILTER_NAME, s->filters[i].name);
		tlv_put_str(&p, PKTMON_TLV_FILTER_TEXT, text);
		tlv_end(&p, r);
	}
	if (s->pcap) {
		r = tlv_begin(&p, PKTMON_REC_CAPTURE_FILTER);
		tlv_put_str(&p, PKTMON_TLV_CAPTURE_FILTER, pm_pcap_filter_expr(s->pcap));
		tlv_end(&p, r);
	}
	for (size_t i = 0; i < s->comps.n; i++) {
		const struct pm_component *c = s->comps.items[i];
		r = tlv_begin(&p, PKTMON_REC_COMPONENT);
		put_component_tlvs(&p, c);
		tlv_put_u8(&p, PKTMON_TLV_LAYER, c->key.layer);
		tlv_put_u8(&p, PKTMON_TLV_DIRECTION, (uint8_t)pktmon_layer_direction((enum pktmon_layer)c->key.layer));
		tlv_put_u32(&p, PKTMON_TLV_IFINDEX, c->key.ifindex);
		tlv_put_u32(&p, PKTMON_TLV_NETNS, c->key.netns);
		if (c->key.nf_family)
			tlv_put_u8(&p, PKTMON_TLV_NF_FAMILY, c->key.nf_family);
		tlv_put_str(&p, PKTMON_TLV_NAME, c->name);
		if (c->ifname[0])
			tlv_put_str(&p, PKTMON_TLV_IFNAME, c->ifname);
		tlv_put_str(&p, PKTMON_TLV_NETNS_NAME, c->netns_name);
		if (c->announced)
			tlv_put_u32(&p, PKTMON_TLV_INTERFACE_ID, c->if_id);
		tlv_end(&p, r);

		r = tlv_begin(&p, PKTMON_REC_COUNTERS);
		put_component_tlvs(&p, c);
		tlv_put_u64(&p, PKTMON_TLV_RX_PKTS, c->rx_pkts);
		tlv_put_u64(&p, PKTMON_TLV_RX_BYTES, c->rx_bytes);
		tlv_put_u64(&p, PKTMON_TLV_TX_PKTS, c->tx_pkts);
		tlv_put_u64(&p, PKTMON_TLV_TX_BYTES, c->tx_bytes);
		tlv_put_u64(&p, PKTMON_TLV_DROPS, c->drops);
		tlv_put_u64(&p, PKTMON_TLV_LOST, c->lost);
		tlv_end(&p, r);
	}
	/* drops per component and reason */
	struct drop_sum *d;
	size_t nd;
	if (read_drop_counts(s, &d, &nd) == 0) {
		for (size_t i = 0; i < nd; i++) {
			struct pm_component *c = component_for(s, &d[i].key.comp, NULL);
			if (!c)
				continue;
			char rbuf[32];
			r = tlv_begin(&p, PKTMON_REC_DROP_COUNT);
			put_component_tlvs(&p, c);
			tlv_put_str(&p, PKTMON_TLV_DROP_REASON, reason_name(s, d[i].key.reason, rbuf, sizeof(rbuf)));
			tlv_put_u32(&p, PKTMON_TLV_DROP_REASON_CODE, d[i].key.reason);
			tlv_put_u64(&p, PKTMON_TLV_COUNT, d[i].count);
			tlv_end(&p, r);
		}
		free(d);
	}
	pktmon_rundown_end(&p, top);
	pcapng_put_custom_block(out, PKTMON_PEN, p.data, p.len);
	pm_buf_free(&p);

	for (size_t i = 0; i < s->comps.n; i++) {
		const struct pm_component *c = s->comps.items[i];
		if (!c->announced)
			continue;
		struct pcapng_isb_stats st = {
			.start_ns = s->start_ns,
			.end_ns = s->stop_ns,
			.ifrecv = c->rx_pkts + c->tx_pkts,
			.ifdrop = c->drops,
			.osdrop = c->lost,
		};
		pcapng_put_isb(out, c->if_id, s->stop_ns, &st);
	}
}

static int start(pktmon_session *s, char *err, size_t errlen)
{
	/* reading /proc/kallsyms takes about as long as loading the programs: both at once */
	pthread_t ksyms_thread;
	bool async = pthread_create(&ksyms_thread, NULL, load_ksyms, s->h) == 0;
	if (!async)
		load_ksyms(s->h);
	int rc = load(s, err, errlen);
	if (async)
		pthread_join(ksyms_thread, NULL);
	if (rc < 0)
		return rc;
	if (s->h->ksyms_why)
		notify(s, PKTMON_STREAM_WARNING, "drop locations will show as addresses: %s "
		       "(a non-root capture needs CAP_SYSLOG to read kernel addresses)", s->h->ksyms_why);
	return attach(s, err, errlen);
}

static void stop(pktmon_session *s)
{
	/* The consumer first: it attaches namespaces it discovers (rescan_netns),
	 * and a link it made while we detached would outlive the session, its
	 * events counted as generated but never drained. Then detach, so nothing
	 * new arrives, then drain what is queued (the ring may overflow meanwhile:
	 * those events are counted as lost). */
	if (s->thread_started) {
		atomic_store(&s->running, false);
		pthread_join(s->thread, NULL);
		s->thread_started = false;
	}
	for (size_t i = 0; i < s->ntp; i++)
		bpf_link__destroy(s->tp_links[i]);
	s->ntp = 0;
	for (size_t i = 0; i < s->nns; i++)
		detach_netns(&s->ns[i]);
	s->nns = 0;
	/* A program already running on another CPU when its link went away may
	 * still emit: BPF programs run under RCU, so after a grace period none is
	 * left, and the drain below sees every event (written + lost = generated). */
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) < 0)
		usleep(50000); /* no membarrier: a pause covers the common case */
	if (s->rb)
		ring_buffer__consume(s->rb);
	s->stop_ns = clock_ns(CLOCK_REALTIME);

	pthread_mutex_lock(&s->lock);
	collect_counters(s);
	struct pm_buf trailer = { 0 };
	if (s->has_pcapng && s->skel)
		encode_trailer(s, &trailer);
	pthread_mutex_unlock(&s->lock);

	for (pktmon_output *o = s->outputs; o; o = o->next) {
		if (o->kind != PM_OUT_PCAPNG)
			continue;
		if (!s->start_ns) {
			/* start failed before the header (write_header() follows start_ns):
			 * nothing was written, so nothing to finish or report; the sink
			 * removes its empty file */
			pm_sink_free(o->sink);
			o->sink = NULL;
			continue;
		}
		int rc = pm_sink_finish(o->sink, o->failed ? NULL : trailer.data, o->failed ? 0 : trailer.len);
		struct pm_sink_stats st;
		pm_sink_get_stats(o->sink, &st);
		o->writes_lost = st.writes_lost;
		pm_sink_free(o->sink);
		o->sink = NULL;
		if (rc == PM_SINK_ERR_PIPE)
			s->reader_gone = true;
		/* EPIPE here is the reader going first, as dumpcap does when an extcap
		 * capture stops: the normal end of a live capture, not an error */
		if (rc < 0 && rc != PM_SINK_ERR_FULL && rc != PM_SINK_ERR_PIPE && !o->failed) {
			s->output_error = rc;
			notify(s, PKTMON_STREAM_ERROR, "pcapng output: cannot finish the file (error %d)", rc);
		}
	}
	pm_buf_free(&trailer);
	notify(s, PKTMON_STREAM_STOPPED, "session %s stopped", s->name);
	ring_buffer__free(s->rb);
	s->rb = NULL;
	if (s->self_netns_fd >= 0)
		close(s->self_netns_fd);
	s->self_netns_fd = -1;
	free(s->pcap_match);
	s->pcap_match = NULL;
	/* the skeleton stays until close: counters remain readable after stop */
}

int pktmon_set_session_active(pktmon_session *s, bool active, char *err, size_t errlen)
{
	if (active == s->active)
		return 0;
	if (!active) {
		stop(s);
		s->active = false;
		return s->output_error;
	}
	if (s->stopped_once) {
		seterr(err, errlen, "a session runs once; create a new one");
		return -EALREADY;
	}
	s->stopped_once = true;
	int rc = start(s, err, errlen);
	if (rc < 0) {
		stop(s);
		return rc;
	}
	s->active = true;
	notify(s, PKTMON_STREAM_STARTED, "session %s started", s->name);
	return 0;
}

int pktmon_session_failed(pktmon_session *s)
{
	/* a real-time stream does not keep a session whose files are gone going */
	bool any = false;
	for (pktmon_output *o = s->outputs; o; o = o->next) {
		if (o->kind != PM_OUT_PCAPNG)
			continue;
		if (!o->failed)
			return 0;
		any = true;
	}
	if (!any)
		return 0;
	return s->output_error ? s->output_error : s->reader_gone ? PM_SINK_ERR_PIPE : 0;
}

/* Events the worst pcapng output does not hold (see pktmon_totals). */
static uint64_t events_not_written(const pktmon_session *s)
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
	collect_counters(s);
	struct pktmon_counter *l = calloc(s->comps.n ? s->comps.n : 1, sizeof(*l));
	if (!l) {
		pthread_mutex_unlock(&s->lock);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->comps.n; i++) {
		const struct pm_component *c = s->comps.items[i];
		struct pktmon_counter *o = &l[i];
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
	*n = s->comps.n;
	*list = l;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int pktmon_get_drop_counts(pktmon_session *s, struct pktmon_drop_count **list, size_t *n)
{
	struct drop_sum *d;
	size_t nd;
	*list = NULL;
	*n = 0;
	pthread_mutex_lock(&s->lock);
	int rc = read_drop_counts(s, &d, &nd);
	if (rc == 0 && nd && !(*list = calloc(nd, sizeof(**list))))
		rc = -ENOMEM;
	for (size_t i = 0; rc == 0 && i < nd; i++) {
		struct pm_component *c = component_for(s, &d[i].key.comp, NULL);
		if (!c)
			continue;
		struct pktmon_drop_count *o = &(*list)[(*n)++];
		char buf[32];
		o->component_id = c->id;
		snprintf(o->reason, sizeof(o->reason), "%s", reason_name(s, d[i].key.reason, buf, sizeof(buf)));
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
	collect_counters(s);
	for (size_t i = 0; i < s->comps.n; i++) {
		t->events_lost += s->comps.items[i]->lost;
		t->drops += s->comps.items[i]->drops;
		t->events_generated += s->comps.items[i]->emitted + s->comps.items[i]->lost;
	}
	t->events_received = s->events_received;
	t->filtered_out = s->filtered_out;
	t->events_not_written = events_not_written(s);
	uint64_t passed = s->events_received - s->filtered_out;
	if (t->events_not_written > passed)
		t->events_not_written = passed;
	t->events_written = passed - t->events_not_written;
	t->netns_attached = s->netns_hooked_max;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int pktmon_reset_counters(pktmon_session *s)
{
	if (!s->skel)
		return 0;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->comps.n; i++)
		s->comps.items[i]->last_drop_reason[0] = 0;
	pthread_mutex_unlock(&s->lock);
	int fds[2] = { bpf_map__fd(s->skel->maps.counters), bpf_map__fd(s->skel->maps.drop_counts) };
	for (int m = 0; m < 2; m++) {
		char key[sizeof(struct pm_drop_key)];
		while (bpf_map_get_next_key(fds[m], NULL, key) == 0)
			if (bpf_map_delete_elem(fds[m], key) != 0)
				break;
	}
	return 0;
}

void pktmon_close_session(pktmon_session *s)
{
	if (!s)
		return;
	if (s->active)
		pktmon_set_session_active(s, false, NULL, 0);
	for (pktmon_output *o = s->outputs, *next; o; o = next) {
		next = o->next;
		if (o->sink)
			pm_sink_close(o->sink, NULL, 0);
		free(o);
	}
	capture_bpf__destroy(s->skel);
	for (size_t i = 0; i < s->nns; i++)
		detach_netns(&s->ns[i]);
	free(s->ns);
	pm_pcap_filter_free(s->pcap);
	pm_components_free(&s->comps);
	pm_buf_free(&s->block);
	pm_buf_free(&s->meta);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
