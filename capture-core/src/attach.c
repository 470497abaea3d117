/* SPDX-License-Identifier: MIT */
/*
 * attach.c - the observation points of this kernel, and loading the BPF programs
 * for a session (tracepoints, the drop program, the netfilter fallbacks).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture_event.h"
#include "capture.skel.h"
#include "nf_fallback.h"
#include "nf_link.h"
#include "vmlinux_btf.h"
#include "session_internal.h"

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
	/* what the kernel did next (rare events; capture goes on without those this kernel lacks) */
	{ PKTMON_LAYER_ICMP_SEND, "icmp_send",
	  "ICMP errors sent (tracepoint icmp:icmp_send; ICMPv6: fentry on icmp6_send)" },
	{ PKTMON_LAYER_TCP_RESET, "tcp_send_reset", "TCP resets sent (tracepoint tcp:tcp_send_reset)" },
	{ PKTMON_LAYER_TCP_RETRANS, "tcp_retransmit_skb", "TCP retransmissions (tracepoint tcp:tcp_retransmit_skb)" },
	{ PKTMON_LAYER_RCVQ_FULL, "sock_rcvqueue_full",
	  "full socket receive queues (tracepoint sock:sock_rcvqueue_full; raw, ping and ICMP sockets)" },
};
#define NPOINTS (sizeof(points) / sizeof(points[0]))

static bool btf_has_tracepoint(const struct pm_kbtf *btf, const char *tp)
{
	char name[128];
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return btf && pm_kbtf_find(btf, name, BTF_KIND_TYPEDEF) >= 0;
}

/* Parameters of the tracepoint's BTF prototype, without the context pointer;
 * -1 when the kernel has no such tracepoint. */
static int btf_tracepoint_args(const struct pm_kbtf *btf, const char *tp)
{
	char name[128];
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	int32_t id = btf ? pm_kbtf_find(btf, name, BTF_KIND_TYPEDEF) : -1;
	if (id < 0)
		return -1;
	const struct btf_type *t = pm_kbtf_type(btf, (uint32_t)id);
	/* a bounded walk: a corrupt BTF's typedef cycle must not hang the start */
	for (int hops = 0; t && hops < 8 && (pm_btf_kind(t) == BTF_KIND_TYPEDEF || pm_btf_kind(t) == BTF_KIND_PTR); hops++)
		t = pm_kbtf_type(btf, t->type);
	return t && pm_btf_kind(t) == BTF_KIND_FUNC_PROTO ? (int)pm_btf_vlen(t) - 1 : -1;
}

/* The optional fentry why points: a program that cannot load would fail the whole capture. */
static bool fentry_works(const struct pm_kbtf *btf, const char *func)
{
	return pm_probe_fentry(btf, func) == 0;
}

/* ICMP errors: the tracepoint (6.9+, sent after the rate limits), else fentry on __icmp_send
 * (every error asked for); ICMPv6 errors: fentry on icmp6_send wherever it works. */
static void probe_icmp_point(pktmon_handle *h, struct pktmon_data_source *d)
{
	h->copy_fexit = fentry_works(h->vmlinux, "sock_queue_rcv_skb_reason"); /* same trampolines as fexit */
	h->why_icmp6_fentry = fentry_works(h->vmlinux, "icmp6_send");
	if (!d->available && fentry_works(h->vmlinux, "__icmp_send")) {
		d->available = true;
		h->why_icmp_fentry = true;
		d->mechanism = pm_mechanism_name(PM_MECH_FENTRY);
		d->description =
			"ICMP errors asked for (fentry on __icmp_send, before rate limits; ICMPv6: icmp6_send)";
		d->why_not = NULL;
	}
	if (d->available && !h->why_icmp6_fentry)
		d->description = h->why_icmp_fentry
					 ? "ICMP errors asked for (fentry on __icmp_send); ICMPv6 errors not observed"
					 : "ICMP errors sent (tracepoint icmp:icmp_send); ICMPv6 errors not observed "
					   "(fentry on icmp6_send refused)";
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

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap);

/* A BPF object opened with libbpf's parse of the kernel's BTF done: libbpf parses it once per
 * object at the load (CO-RE, attach targets); done here, in a thread during initialisation. */
static struct capture_bpf *open_parsed_object(void)
{
	libbpf_set_print(libbpf_quiet);
	struct capture_bpf *k = capture_bpf__open();
	/* makes libbpf parse the vmlinux BTF now and keep it for the load; the program's own
	 * target, so nothing changes; failing (no such function) is harmless */
	if (k)
		bpf_program__set_attach_target(k->progs.pm_nf_fentry, 0, "nf_hook_slow");
	return k;
}

/* Whether the load is split over two objects verified side by side (load_objects). */
static bool load_split(void)
{
	const char *e = getenv("PKTMON_LOAD_SPLIT");
	return !(e && *e == '0') && sysconf(_SC_NPROCESSORS_ONLN) >= 2; /* one CPU: nothing to verify beside */
}

/* The first session's second object (see load_objects). */
static void *prepare_second_object(void *arg)
{
	pktmon_handle *h = arg;
	h->spare_skel2 = open_parsed_object();
	pm_timing("prepared-second-object");
	return NULL;
}

/* The first session's BPF object. */
static void *prepare_object(void *arg)
{
	pktmon_handle *h = arg;
	h->spare_skel = open_parsed_object();
	pm_timing("prepared-object");
	return NULL;
}

/* A prepared object, once: its thread joined, the object taken (NULL: none, or taken). */
static struct capture_bpf *take_prepared(pthread_t thread, bool *started, struct capture_bpf **slot)
{
	if (*started) {
		pthread_join(thread, NULL);
		*started = false;
	}
	struct capture_bpf *k = *slot;
	*slot = NULL;
	return k;
}

/* The first session takes the prepared object (NULL: it opens one) ... */
static struct capture_bpf *take_spare_object(pktmon_handle *h)
{
	return take_prepared(h->prep, &h->prep_started, &h->spare_skel);
}

/* ... and the second, for a split load (NULL: it opens one, or loads one object). */
static struct capture_bpf *take_spare_second(pktmon_handle *h)
{
	return take_prepared(h->prep2, &h->prep2_started, &h->spare_skel2);
}

static void drop_spare_object(pktmon_handle *h)
{
	capture_bpf__destroy(take_spare_second(h));
	capture_bpf__destroy(take_spare_object(h));
}

int pktmon_initialize(pktmon_handle **out, char *err, size_t errlen)
{
	pktmon_handle *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->prep_lock, NULL);
	pm_timing("initialize");
	/* only where a capture follows (the capture helper): pktmon list and the extcap's interface
	 * listing need no object */
	const char *prep = getenv("PKTMON_PREPARE_CAPTURE");
	if (prep && *prep == '1') {
		h->prep_started = pthread_create(&h->prep, NULL, prepare_object, h) == 0;
		/* the two libbpf parses side by side, while ours (kernel_btf.h) takes a few ms */
		if (h->prep_started && load_split())
			h->prep2_started = pthread_create(&h->prep2, NULL, prepare_second_object, h) == 0;
	}
	char why[160] = "";
	h->vmlinux_btf = calloc(1, sizeof(*h->vmlinux_btf));
	int rc = h->vmlinux_btf ? pm_vmlinux_btf_open(h->vmlinux_btf, "/sys/kernel/btf/vmlinux", why, sizeof(why))
				: -ENOMEM;
	if (rc < 0) {
		pm_seterr(err, errlen, "cannot use the kernel's BTF: %s; pktmon needs a kernel built with CONFIG_DEBUG_INFO_BTF",
			  why[0] ? why : strerror(-rc));
		drop_spare_object(h);
		free(h->vmlinux_btf);
		pthread_mutex_destroy(&h->lock);
		pthread_mutex_destroy(&h->prep_lock);
		free(h);
		return rc;
	}
	h->vmlinux = &h->vmlinux_btf->kb;
	pm_timing("btf-load");
	if (pm_drop_reasons_load(&h->reasons, h->vmlinux) < 0)
		fprintf(stderr, "pktmon: this kernel's BTF has no enum skb_drop_reason: drops will show numbers\n");
	pm_timing("drop-reasons");
	pm_nf_probe_kernel(h->vmlinux, &h->nf_probe);
	pm_timing("nf-probe");
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
		if (d->layer == PKTMON_LAYER_ICMP_SEND)
			probe_icmp_point(h, d);
	}
	h->nsources = NPOINTS;
	pm_timing("initialized");
	*out = h;
	return 0;
}

void pktmon_uninitialize(pktmon_handle *h)
{
	if (!h)
		return;
	drop_spare_object(h);
	pm_ksyms_free(&h->ksyms);
	pm_drop_reasons_free(&h->reasons);
	pm_vmlinux_btf_close(h->vmlinux_btf);
	free(h->vmlinux_btf);
	pthread_mutex_destroy(&h->lock);
	pthread_mutex_destroy(&h->prep_lock);
	free(h);
}

int pktmon_enum_data_sources(pktmon_handle *h, const struct pktmon_data_source **list, size_t *n)
{
	*list = h->sources;
	*n = h->nsources;
	return 0;
}

bool pm_source_available(const pktmon_handle *h, enum pktmon_layer l)
{
	for (size_t i = 0; i < h->nsources; i++)
		if (h->sources[i].layer == l)
			return h->sources[i].available;
	return false;
}

bool pm_want_layer(const pktmon_session *s, enum pktmon_layer l)
{
	return (!s->layer_mask || (s->layer_mask & (1u << l))) && pm_source_available(s->h, l);
}

bool pm_want_any_nf(const pktmon_session *s)
{
	for (int l = PKTMON_LAYER_NF_PREROUTING; l <= PKTMON_LAYER_NF_POSTROUTING; l++)
		if (pm_want_layer(s, (enum pktmon_layer)l))
			return true;
	return false;
}

/* ---- loading ------------------------------------------------------------------------------- */

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's warnings include whole verifier logs: only on request */
	if (level == LIBBPF_DEBUG || !getenv("PKTMON_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

const char *pm_privilege_hint(void)
{
	return "the capture needs CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN and CAP_SYS_ADMIN (and CAP_SYSLOG to name "
	       "drop locations): run it as root, or give the binary file capabilities "
	       "(setcap cap_bpf,cap_perfmon,cap_net_admin,cap_sys_admin,cap_syslog+ep BINARY)";
}

/* Loads the kernel's symbols once per handle (thread body, or called directly). */
void *pm_load_ksyms(void *arg)
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
		pm_timing("kallsyms");
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

void pm_tracepoint_programs(struct capture_bpf *k, struct pm_tp_prog out[PM_NTP_PROGS])
{
	out[0] = (struct pm_tp_prog){ k->progs.pm_dev_rx, PKTMON_LAYER_DEV_RX };
	out[1] = (struct pm_tp_prog){ k->progs.pm_qdisc_enq, PKTMON_LAYER_QDISC_ENQ };
	out[2] = (struct pm_tp_prog){ k->progs.pm_qdisc_deq, PKTMON_LAYER_QDISC_DEQ };
	out[3] = (struct pm_tp_prog){ k->progs.pm_dev_tx, PKTMON_LAYER_DEV_TX };
	out[4] = (struct pm_tp_prog){ k->progs.pm_sock_rx, PKTMON_LAYER_SOCK_RX };
	out[5] = (struct pm_tp_prog){ NULL, PKTMON_LAYER_STACK }; /* pm_drop_program() */
}

/* The program of the drop tracepoint that matches this kernel's prototype. */
struct bpf_program *pm_drop_program(const pktmon_session *s, struct capture_bpf *k)
{
	return s->h->drop_has_reason ? k->progs.pm_drop : k->progs.pm_drop_noreason;
}

/* fentry/kprobe on nf_hook_slow, when that is what serves the netfilter points. */
struct bpf_program *pm_nf_fallback_program(const pktmon_session *s, struct capture_bpf *k)
{
	switch (s->h->nf_mechanism) {
	case PM_MECH_FENTRY: return k->progs.pm_nf_fentry;
	case PM_MECH_KPROBE: return k->progs.pm_nf_kprobe;
	default: return NULL;
	}
}

/* The why points' programs and their layers (the ICMP one: tracepoint or fentry fallback). */
static size_t why_programs(const pktmon_session *s, struct capture_bpf *k, struct pm_tp_prog *out)
{
	size_t n = 0;
	out[n++] = (struct pm_tp_prog){ s->h->why_icmp_fentry ? k->progs.pm_why_icmp_fentry : k->progs.pm_why_icmp,
					PKTMON_LAYER_ICMP_SEND };
	out[n++] = (struct pm_tp_prog){ k->progs.pm_why_reset, PKTMON_LAYER_TCP_RESET };
	out[n++] = (struct pm_tp_prog){ k->progs.pm_why_retrans, PKTMON_LAYER_TCP_RETRANS };
	out[n++] = (struct pm_tp_prog){ k->progs.pm_why_rcvq, PKTMON_LAYER_RCVQ_FULL };
	return n;
}

static void why_autoload(pktmon_session *s, struct capture_bpf *k)
{
	struct pm_tp_prog w[4];
	bpf_program__set_autoload(k->progs.pm_why_icmp, false);
	bpf_program__set_autoload(k->progs.pm_why_icmp_fentry, false);
	for (size_t i = 0, n = why_programs(s, k, w); i < n; i++)
		bpf_program__set_autoload(w[i].prog, pm_want_layer(s, w[i].layer));
	bpf_program__set_autoload(k->progs.pm_why_icmp6,
				  s->h->why_icmp6_fentry && pm_want_layer(s, PKTMON_LAYER_ICMP_SEND));
	/* copies that reached a socket: not wanted when nothing is followed (lean counters) */
	bool copies = s->h->copy_fexit && !(s->opt.counters_only && !s->nfilters);
	bpf_program__set_autoload(k->progs.pm_copy_delivered, copies);
	((struct pm_bpf_config *)&k->rodata->cfg)->copy_watch = copies;
}

/* Attaches the why points that loaded. Optional: one that cannot attach is left out (with a
 * line on stderr), the capture goes on without it. */
void pm_attach_why(pktmon_session *s)
{
	struct capture_bpf *k = s->skel;
	struct pm_tp_prog w[6];
	size_t n = why_programs(s, k, w);
	w[n++] = (struct pm_tp_prog){ k->progs.pm_why_icmp6, PKTMON_LAYER_ICMP_SEND };
	w[n++] = (struct pm_tp_prog){ k->progs.pm_copy_delivered, PKTMON_LAYER_SOCK_RX };
	for (size_t i = 0; i < n; i++) {
		struct bpf_program *p = pm_loaded(s, w[i].prog);
		if (!p || s->ntp >= sizeof(s->tp_links) / sizeof(s->tp_links[0]))
			continue;
		struct bpf_link *l = bpf_program__attach(p);
		if (l)
			s->tp_links[s->ntp++] = l;
		else
			fprintf(stderr, "pktmon: %s not observed: cannot attach %s: %s\n",
				pktmon_layer_name(w[i].layer), bpf_program__name(p), strerror(errno));
	}
}

/* Drops inside these functions are netfilter's (read by the drop program). */
void pm_fill_nf_code(pktmon_session *s)
{
	struct pm_code_range r[PM_NF_CODE_RANGES];
	size_t n = s->h->ksyms_why ? 0 : pm_nf_code_ranges(&s->h->ksyms, r, PM_NF_CODE_RANGES);
	for (size_t i = 0; i < n; i++)
		s->skel->bss->nf_code[i] = r[i];
}

/* ---- verifying in two objects at once ------------------------------------------------------ */

/* The programs the second object loads where they are wanted, about half of the verifier's work
 * (its libbpf BTF parse is done during initialisation, beside the first object's). */
static const char *const second_object_programs[] = {
	"pm_qdisc_deq", "pm_sock_rx",     "pm_consume",  "pm_why_icmp",       "pm_why_icmp_fentry",
	"pm_why_icmp6", "pm_why_reset",   "pm_why_retrans", "pm_why_rcvq",    "pm_copy_delivered",
};

static bool in_second_object(const char *name)
{
	for (size_t i = 0; i < sizeof(second_object_programs) / sizeof(second_object_programs[0]); i++)
		if (strcmp(name, second_object_programs[i]) == 0)
			return true;
	return false;
}

/* The loaded copy of a program of the session's object (or the program itself), NULL where
 * neither object loaded it. */
struct bpf_program *pm_loaded(const pktmon_session *s, struct bpf_program *p)
{
	if (!p)
		return NULL;
	if (bpf_program__fd(p) >= 0)
		return p;
	if (!s->skel2)
		return NULL;
	struct bpf_program *q = bpf_object__find_program_by_name(s->skel2->obj, bpf_program__name(p));
	return q && bpf_program__fd(q) >= 0 ? q : NULL;
}

/* Every map but the read-only data (each object's own, the same bytes) made once and handed to
 * both objects. false: b must not be loaded (a's maps, made or not, serve a alone). */
static bool share_maps(struct capture_bpf *a, struct capture_bpf *b)
{
	struct bpf_map *ma, *mb = NULL;
	bpf_object__for_each_map(ma, a->obj) {
		mb = bpf_object__next_map(b->obj, mb); /* one ELF: the same maps in the same order */
		if (!mb || strcmp(bpf_map__name(ma), bpf_map__name(mb)) != 0)
			return false;
		if (bpf_map__is_internal(ma) && (bpf_map__map_flags(ma) & BPF_F_RDONLY_PROG))
			continue; /* .rodata, .kconfig */
		int fd = bpf_map__fd(ma);
		if (fd < 0) {
			LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = bpf_map__map_flags(ma),
				    .map_extra = bpf_map__map_extra(ma));
			int made = bpf_map_create(bpf_map__type(ma), bpf_map__name(ma), bpf_map__key_size(ma),
						  bpf_map__value_size(ma), bpf_map__max_entries(ma), &o);
			if (made < 0)
				return false;
			int rc = bpf_map__reuse_fd(ma, made);
			close(made); /* reuse_fd keeps its own descriptor */
			if (rc < 0)
				return false;
			fd = bpf_map__fd(ma);
		}
		if (bpf_map__reuse_fd(mb, fd) < 0)
			return false;
	}
	return true;
}

/* A second object holding some of the wanted programs (taken from k), its maps k's, its
 * configuration k's; NULL: k loads everything. PKTMON_LOAD_SPLIT=0 keeps one object.
 * spare: the object prepared during initialisation (taken), or NULL. */
static struct capture_bpf *second_object(struct capture_bpf *k, struct capture_bpf *spare)
{
	if (!load_split()) {
		capture_bpf__destroy(spare);
		return NULL;
	}
	struct capture_bpf *b = spare ? spare : capture_bpf__open();
	if (!b)
		return NULL;
	struct bpf_program *pa, *pb = NULL;
	size_t moved = 0;
	bpf_object__for_each_program(pa, k->obj) {
		pb = bpf_object__next_program(b->obj, pb);
		if (!pb || strcmp(bpf_program__name(pa), bpf_program__name(pb)) != 0) {
			capture_bpf__destroy(b);
			return NULL;
		}
		bool there = bpf_program__autoload(pa) && in_second_object(bpf_program__name(pa));
		bpf_program__set_autoload(pb, there);
		moved += there;
	}
	if (!moved || !share_maps(k, b)) {
		capture_bpf__destroy(b);
		return NULL;
	}
	memcpy(b->rodata, k->rodata, sizeof(*k->rodata));
	bpf_object__for_each_program(pa, k->obj)
		if (in_second_object(bpf_program__name(pa)))
			bpf_program__set_autoload(pa, false);
	return b;
}

struct second_load {
	struct capture_bpf *obj;
	int rc;
};

static void *load_second(void *arg)
{
	struct second_load *l = arg;
	l->rc = capture_bpf__load(l->obj);
	pm_timing("second-object-load");
	return NULL;
}

/* Loads k and, beside it on another CPU, the programs second_object() moved (the kernel verifies
 * the programs of one object one after another: ~15 ms each here). */
static int load_objects(pktmon_session *s, struct capture_bpf *k)
{
	pthread_mutex_lock(&s->h->prep_lock);
	struct capture_bpf *spare = take_spare_second(s->h);
	pthread_mutex_unlock(&s->h->prep_lock);
	struct second_load l = { second_object(k, spare), 0 };
	pthread_t t;
	bool threaded = l.obj && pthread_create(&t, NULL, load_second, &l) == 0;
	int rc = capture_bpf__load(k);
	pm_timing("first-object-load");
	if (threaded)
		pthread_join(t, NULL);
	else if (l.obj)
		l.rc = capture_bpf__load(l.obj);
	s->skel2 = l.obj; /* destroyed with the session, loaded or not */
	return rc ? rc : l.rc;
}

/* First half of start: open, configure and load the programs. */
int pm_load(pktmon_session *s, char *err, size_t errlen)
{
	libbpf_set_print(libbpf_quiet);

	pthread_mutex_lock(&s->h->prep_lock); /* two sessions of one handle may start at once */
	s->skel = take_spare_object(s->h);
	pthread_mutex_unlock(&s->h->prep_lock);
	if (!s->skel)
		s->skel = capture_bpf__open();
	if (!s->skel) {
		pm_seterr(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		return -errno;
	}
	pm_timing("object-open");
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
	/* room kept for packets on their way (ring_nearly_full()): thousands of events in the default
	 * ring's 2 MiB; a quarter of a small ring, which fills between two looks at its level */
	uint32_t room = s->opt.ring_bytes >= (1u << 20) ? s->opt.ring_bytes / 16 : s->opt.ring_bytes / 4;
	cfg->shed_bytes = s->opt.ring_bytes - room;
	uint32_t observed = 1u << PKTMON_LAYER_STACK, prev_ok[PKTMON_LAYER_MAX];
	for (int l = 1; l < PKTMON_LAYER_MAX; l++)
		if (pm_want_layer(s, (enum pktmon_layer)l))
			observed |= 1u << l;
	pktmon_continuation_table(observed, prev_ok);
	_Static_assert(PKTMON_LAYER_MAX <= sizeof(cfg->prev_ok) / sizeof(cfg->prev_ok[0]), "prev_ok too small");
	memcpy(cfg->prev_ok, prev_ok, sizeof(prev_ok));
	cfg->decap_window_ns = 2000000; /* 2 ms */
	/* nothing needs a packet's identity: no following (observe_lean()) */
	cfg->lean = s->opt.counters_only && !s->nfilters;
	/* the benchmark's floors: the same programs at the same points, returning at once (1),
	 * or writing a bare event at each device and netfilter point (write), or adding to an
	 * unchecked per-CPU slot there (count)
	 * (secure_getenv: a helper with file capabilities ignores it) */
	const char *floor = secure_getenv("PKTMON_BENCH_FLOOR");
	if (floor && !*floor)
		floor = NULL;
	cfg->floor = !floor ? 0
		     : !strcmp(floor, "1") ? PM_FLOOR_EMPTY
		     : !strcmp(floor, "write") ? PM_FLOOR_WRITE
		     : !strcmp(floor, "count") ? PM_FLOOR_COUNT
		     : 0;
	if (floor && !cfg->floor) { /* a misspelt floor must not measure a real session */
		pm_seterr(err, errlen, "PKTMON_BENCH_FLOOR=%s: not a benchmark floor (1, write or count)", floor);
		return -EINVAL;
	}
	if (cfg->floor == PM_FLOOR_EMPTY) /* never silently: a capture that records nothing must say why */
		fprintf(stderr, "pktmon: PKTMON_BENCH_FLOOR=1: benchmark floor, the programs observe nothing\n");
	else if (cfg->floor == PM_FLOOR_WRITE)
		fprintf(stderr, "pktmon: PKTMON_BENCH_FLOOR=write: benchmark floor, bare events at device and "
				"netfilter points, nothing followed or counted\n");
	else if (cfg->floor == PM_FLOOR_COUNT)
		fprintf(stderr, "pktmon: PKTMON_BENCH_FLOOR=count: benchmark floor, unchecked per-CPU adds at device "
				"and netfilter points, no counters reported\n");
	cfg->nnetns = (uint32_t)s->nnetns;
	for (size_t i = 0; i < s->nnetns; i++)
		cfg->netns[i] = s->netns[i];
	bpf_map__set_max_entries(k->maps.rb, s->opt.ring_bytes);

	struct pm_tp_prog tps[PM_NTP_PROGS];
	pm_tracepoint_programs(k, tps);
	tps[5].prog = pm_drop_program(s, k);
	bpf_program__set_autoload(k->progs.pm_drop, false);
	bpf_program__set_autoload(k->progs.pm_drop_noreason, false);
	for (size_t i = 0; i < PM_NTP_PROGS; i++) {
		/* drops are always watched: they end tracking and name the reason */
		bool want = tps[i].layer == PKTMON_LAYER_STACK ? pm_source_available(s->h, PKTMON_LAYER_STACK)
							       : pm_want_layer(s, tps[i].layer);
		bpf_program__set_autoload(tps[i].prog, want);
	}
	bpf_program__set_autoload(k->progs.pm_consume, btf_has_tracepoint(s->h->vmlinux, "consume_skb"));
	why_autoload(s, k);
	s->nf_wanted = pm_want_any_nf(s);
	bpf_program__set_type(k->progs.pm_nf, PM_BPF_PROG_TYPE_NETFILTER);
	bpf_program__set_expected_attach_type(k->progs.pm_nf, PM_BPF_NETFILTER);
	bool link = s->h->nf_mechanism == PM_MECH_NF_LINK;
	bpf_program__set_autoload(k->progs.pm_nf, s->nf_wanted && link);
	bpf_program__set_autoload(k->progs.pm_nf_fentry, s->nf_wanted && s->h->nf_mechanism == PM_MECH_FENTRY);
	bpf_program__set_autoload(k->progs.pm_nf_kprobe, s->nf_wanted && s->h->nf_mechanism == PM_MECH_KPROBE);
	for (int l = PKTMON_LAYER_NF_PREROUTING; l <= PKTMON_LAYER_NF_POSTROUTING; l++)
		if (pm_want_layer(s, (enum pktmon_layer)l))
			cfg->nf_layers |= 1u << l;

	pm_timing("configured");
	int rc = load_objects(s, k);
	pm_timing("object-load");
	if (rc) {
		rc = rc < 0 ? rc : -EINVAL;
		if (rc == -EPERM || (rc == -EACCES && geteuid() != 0))
			pm_seterr(err, errlen, "cannot load the BPF programs: %s; %s", strerror(-rc), pm_privilege_hint());
		else if (rc == -EACCES || rc == -E2BIG)
			pm_seterr(err, errlen,
				  "the kernel's verifier rejected the BPF programs (%s); "
				  "run with PKTMON_DEBUG=1 for its log and report it",
				  strerror(-rc));
		else
			pm_seterr(err, errlen,
				  "cannot load the BPF programs: %s (run with PKTMON_DEBUG=1 for the verifier log)",
				  strerror(-rc));
		return rc;
	}
	for (uint32_t i = 0; i < s->nfilters; i++) {
		if (bpf_map__update_elem(k->maps.filters, &i, sizeof(i), &s->filters[i].f,
					 sizeof(s->filters[i].f), BPF_ANY)) {
			int e = errno;
			pm_seterr(err, errlen, "cannot load filter %u: %s", i + 1, strerror(e));
			return -e;
		}
	}
	return 0;
}
