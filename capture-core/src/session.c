/* SPDX-License-Identifier: MIT */
/*
 * session.c - a live pktmon session: its configuration, and starting and
 * stopping it (load, attach in every namespace, the consumer thread, the
 * rundown). The jobs live in attach.c, netns_hooks.c, consumer.c, outputs.c,
 * counters.c and pure/rundown.c, sharing session_internal.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture_event.h"
#include "capture.skel.h"
#include "netns.h"
#include "nf_fallback.h"
#include "pcap_filter.h"
#include "ring_reader.h"
#include "rundown.h"
#include "session_internal.h"
#include "sink.h"

/* ---- session configuration ------------------------------------------------------------------ */

const char *pktmon_version(void)
{
	return PKTMON_VERSION_STRING;
}

unsigned pktmon_version_number(void)
{
	return PKTMON_VERSION_NUMBER;
}

void pktmon_session_options_default(struct pktmon_session_options *o)
{
	memset(o, 0, sizeof(*o));
	o->snaplen = 128;
	o->type = PKTMON_TYPE_ALL;
	o->ring_bytes = 0; /* chosen at start: pm_ring_bytes() */
}

/* The ring buffer when the caller leaves it to us. 32 MiB holds ~130,000 events of 128 bytes:
 * ~60 ms of a flat-out 64-byte flood recording 7 points a packet on 2 CPUs (bench/RESULTS.md
 * §1e), which covers the consumer's scheduling delays there; 8 MiB lost 1-2 % of such a flood. */
static uint32_t pm_ring_bytes(const struct pktmon_session_options *o)
{
	if (o->ring_bytes)
		return o->ring_bytes;
	return o->counters_only ? 1u << 20 : 32u << 20;
}

int pktmon_create_live_session(pktmon_handle *h, const char *name, pktmon_session **out)
{
	pktmon_session *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->h = h;
	s->rule_trace_req = -1; /* rule tracing where filters or namespaces narrow it */
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
	if (!memchr(o->host_name, 0, sizeof(o->host_name)))
		return -EINVAL;
	s->opt = *o;
	return 0;
}

int pktmon_session_set_rule_trace(pktmon_session *s, bool on)
{
	if (s->active)
		return -EBUSY;
	s->rule_trace_req = on;
	return 0;
}

int pktmon_add_data_source(pktmon_session *s, enum pktmon_layer layer)
{
	if (s->active)
		return -EBUSY;
	if (layer <= PKTMON_LAYER_UNKNOWN || layer >= PKTMON_LAYER_MAX)
		return -EINVAL;
	if (!pm_source_available(s->h, layer))
		return -EOPNOTSUPP; /* never a silent capture of nothing */
	s->layer_mask |= 1u << layer;
	s->comp_sel.layer_mask |= 1u << layer;
	return 0;
}

int pktmon_add_component(pktmon_session *s, uint32_t id)
{
	if (s->active)
		return -EBUSY;
	uint32_t layers = pm_comp_id_layers(id), available = 0;
	if (!layers)
		return -EINVAL;
	for (int l = 1; l < PKTMON_LAYER_MAX; l++)
		if ((layers & (1u << l)) && pm_source_available(s->h, (enum pktmon_layer)l))
			available |= 1u << l;
	if (!available)
		return -EOPNOTSUPP;
	for (size_t i = 0; i < s->comp_sel.nids; i++)
		if (s->comp_ids[i] == id)
			return 0;
	if (s->comp_sel.nids >= PKTMON_MAX_COMPONENT_IDS)
		return -E2BIG;
	s->comp_ids[s->comp_sel.nids++] = id;
	s->comp_sel.ids = s->comp_ids;
	s->comps.sel = &s->comp_sel;
	s->layer_mask |= available;
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
	else if (strchr(name, ':')) { /* a container's or process's label, as component names show it */
		*inode = pm_netns_find_by_label(name);
		if (*inode)
			return 0;
		goto unknown;
	}
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	if (stat(path, &st) < 0)
		goto unknown;
	*inode = (uint32_t)st.st_ino;
	return 0;
unknown:
	pm_seterr(err, errlen, "no network namespace '%s' (give an `ip netns` name, host, a container label such as docker:web, or an inode number)", name);
	return -ENOENT;
}

int pktmon_add_capture_constraint(pktmon_session *s, const char *filter, char *err, size_t errlen)
{
	if (s->active)
		return -EBUSY;
	if (s->nfilters >= PKTMON_MAX_FILTERS) {
		pm_seterr(err, errlen, "at most %d filters", PKTMON_MAX_FILTERS);
		return -E2BIG;
	}
	char why[PKTMON_ERRLEN] = "";
	if (pm_filter_parse_line(filter, &s->filters[s->nfilters], why, sizeof(why)) < 0) {
		pm_seterr(err, errlen, "filter '%s': %s", filter, why);
		return -EINVAL;
	}
	s->nfilters++;
	return 0;
}

int pktmon_add_protocol_constraint(pktmon_session *s, const struct pktmon_protocol_constraint *c, char *err,
				   size_t errlen)
{
	if (s->active)
		return -EBUSY;
	if (s->nfilters >= PKTMON_MAX_FILTERS) {
		pm_seterr(err, errlen, "at most %d filters", PKTMON_MAX_FILTERS);
		return -E2BIG;
	}
	if (!c) {
		pm_seterr(err, errlen, "no constraint");
		return -EINVAL;
	}
	if (pm_filter_from_constraint(c, &s->filters[s->nfilters], err, errlen) < 0)
		return -EINVAL;
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

/* ---- start and stop ------------------------------------------------------------------------- */

/* The kernel's symbols in the background, at a lower priority: on a busy machine loading
 * and attaching the programs (the first packet) comes first. */
static void *ksyms_thread_body(void *h)
{
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 5) < 0) {
		/* the default priority, then */
	}
	return pm_load_ksyms(h);
}

/* The symbols are loaded when this returns (by the thread, or here without one). */
static void join_ksyms(pktmon_session *s)
{
	if (s->ksyms_async) {
		pthread_join(s->ksyms_thread, NULL);
		s->ksyms_async = false;
	}
	pm_load_ksyms(s->h); /* returns at once when loaded */
	pm_timing("kallsyms-joined");
}

/* Second half of start: the ring buffer, the links in every namespace, the consumer. */
static int attach(pktmon_session *s, char *err, size_t errlen)
{
	struct capture_bpf *k = s->skel;
	s->rb = pm_ring_reader_new(bpf_map__fd(k->maps.rb), pm_on_ring_event, s);
	if (!s->rb) {
		pm_seterr(err, errlen, "cannot open the ring buffer: %s", strerror(errno));
		return -errno;
	}
	pm_timing("ring-buffer");

	s->self_netns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (s->self_netns_fd < 0) {
		pm_seterr(err, errlen, "cannot open /proc/self/ns/net: %s", strerror(errno));
		return -errno;
	}
	s->has_pcapng = false;
	for (pktmon_output *o = s->outputs; o; o = o->next)
		if (o->kind == PM_OUT_PCAPNG)
			s->has_pcapng = true;
	if (s->pcap) {
		s->pcap_match = calloc(PM_PCAP_WINDOW / 8, 1);
		if (!s->pcap_match)
			return -ENOMEM;
	}
	s->mono_to_real_ns = (int64_t)(pm_clock_ns(CLOCK_REALTIME) - pm_clock_ns(CLOCK_MONOTONIC));
	s->start_ns = pm_clock_ns(CLOCK_REALTIME);
	pm_write_header(s);
	pm_timing("header");

	/* naming the rule of a NETFILTER_DROP: only when drops are written and, unless asked for, only
	 * when filters or namespaces narrow what is traced: tracing every packet of a busy host costs
	 * microseconds a packet (README, "Which rule dropped it") */
	bool narrowed = s->nfilters > 0 || s->nnetns > 0;
	s->rule_trace = (s->rule_trace_req == 1 || (s->rule_trace_req < 0 && narrowed)) && !s->opt.counters_only &&
			s->opt.type != PKTMON_TYPE_FLOW;
	/* trace only (a superset of) the packets the filters select: tracing costs per packet */
	s->trace_nmatches = pm_nft_trace_plan(s->filters, s->nfilters, s->trace_matches, PM_NFT_TRACE_MATCHES);
	if (s->trace_nmatches == 0)
		s->rule_trace = false; /* the filters select no IP packet */
	if (s->rule_trace) {
		static atomic_uint sessions; /* two sessions of one process need two tables */
		unsigned k = atomic_fetch_add(&sessions, 1);
		if (k)
			snprintf(s->trace_table, sizeof(s->trace_table), "pktmon_trace_%d_%u", (int)getpid(), k + 1);
		else
			snprintf(s->trace_table, sizeof(s->trace_table), "pktmon_trace_%d", (int)getpid());
	}
	struct pm_tp_prog tps[PM_NTP_PROGS];
	pm_tracepoint_programs(k, tps);
	tps[5].prog = pm_drop_program(s, k);
	for (size_t i = 0; i < PM_NTP_PROGS; i++) {
		struct bpf_program *p = pm_loaded(s, tps[i].prog);
		if (!p)
			continue;
		struct bpf_link *l = bpf_program__attach(p);
		if (!l) {
			int e = errno;
			pm_seterr(err, errlen, "cannot attach %s: %s", bpf_program__name(p), strerror(e));
			return -e;
		}
		s->tp_links[s->ntp++] = l;
		pm_timing("attach %s", bpf_program__name(p));
	}
	/* the tracepoints first (pm_dev_rx the first): one link each, live at once; then, with the
	 * symbols read meanwhile in the background, netfilter's code ranges for the drop program,
	 * then the netfilter links in every namespace */
	join_ksyms(s);
	pm_fill_nf_code(s);
	if (s->h->ksyms_why)
		pm_notify(s, PKTMON_STREAM_WARNING,
			  "drop locations will show as addresses: %s "
			  "(a non-root capture needs CAP_SYSLOG to read kernel addresses)",
			  s->h->ksyms_why);
	if (s->nf_wanted) {
		pm_rescan_netns(s);
		pm_timing("netns-links (%zu namespaces)", s->nns);
		if (s->nns == 0 && s->h->nf_mechanism == PM_MECH_NF_LINK) {
			pm_seterr(err, errlen, "cannot attach netfilter hooks in any network namespace; %s",
				  pm_privilege_hint());
			return -EPERM;
		}
	}
	struct bpf_program *nf_prog = s->nf_wanted ? pm_loaded(s, pm_nf_fallback_program(s, k)) : NULL;
	if (nf_prog) {
		struct bpf_link *l = bpf_program__attach(nf_prog);
		if (!l) {
			int e = errno;
			pm_seterr(err, errlen, "cannot attach %s to " PM_NF_CORE_FUNC ": %s",
				  bpf_program__name(nf_prog), strerror(e));
			return -e;
		}
		s->tp_links[s->ntp++] = l;
	}
	pm_attach_why(s);
	pm_timing("why-points");
	struct bpf_program *consume = pm_loaded(s, k->progs.pm_consume);
	if (consume) {
		struct bpf_link *l = bpf_program__attach(consume);
		if (l)
			s->tp_links[s->ntp++] = l;
	}

	atomic_store(&s->running, true);
	if (pthread_create(&s->thread, NULL, pm_consumer, s) != 0) {
		atomic_store(&s->running, false);
		pm_seterr(err, errlen, "cannot start the consumer thread");
		return -EAGAIN;
	}
	s->thread_started = true;
	pm_timing("consumer");
	return 0;
}

/* Gathers what the rundown says and encodes it (pure/rundown.c). Caller holds s->lock. */
static void encode_trailer(pktmon_session *s, struct pm_buf *out)
{
	struct utsname u;
	uname(&u);
	/* the components of the rundown are those known before the drops are named:
	 * a drop may add one (never announced, not listed) */
	size_t ncomps = s->comps.n;
	struct pm_drop_sum *d;
	size_t nd;
	if (pm_read_drop_counts(s, &d, &nd) < 0) {
		d = NULL;
		nd = 0;
	}
	struct pm_rundown_drop *drops = calloc(nd ? nd : 1, sizeof(*drops));
	char(*rbuf)[32] = calloc(nd ? nd : 1, sizeof(*rbuf));
	size_t ndrops = 0;
	for (size_t i = 0; drops && rbuf && i < nd; i++) {
		struct pm_component *c = pm_component_for(s, &d[i].key.comp, NULL);
		if (!c || c->excluded)
			continue;
		drops[ndrops++] = (struct pm_rundown_drop){
			.component_id = c->id,
			.reason_code = d[i].key.reason,
			.reason = pm_reason_name(s, d[i].key.reason, rbuf[i], sizeof(rbuf[i])),
			.count = d[i].count,
		};
	}
	struct pm_rundown_info info = {
		.session_name = s->name,
		.start_ns = s->start_ns,
		.stop_ns = s->stop_ns,
		.snaplen = s->opt.snaplen,
		.capture_type = (uint8_t)s->opt.type,
		.events_written = s->events_received - s->filtered_out - pm_events_not_written(s),
		.events_missed = pm_programs_missed(s),
		.kernel = u.release,
		.host = s->host,
		.filters = s->filters,
		.nfilters = s->nfilters,
		.capture_filter = s->pcap ? pm_pcap_filter_expr(s->pcap) : NULL,
		.comps = s->comps.items,
		.ncomps = ncomps,
		.drops = drops,
		.ndrops = ndrops,
	};
	pm_rundown_encode(out, &info);
	free(rbuf);
	free(drops);
	free(d);
}

static int start(pktmon_session *s, char *err, size_t errlen)
{
	/* /proc/kallsyms is read while the programs load and the tracepoints attach, and waited
	 * for only after them (attach()) */
	s->ksyms_async = pthread_create(&s->ksyms_thread, NULL, ksyms_thread_body, s->h) == 0;
	int rc = pm_load(s, err, errlen);
	if (rc < 0)
		return rc;
	return attach(s, err, errlen);
}

static void stop(pktmon_session *s)
{
	/* The consumer first: it attaches namespaces it discovers (pm_rescan_netns),
	 * and a link it made while we detached would outlive the session, its
	 * events counted as generated but never drained. Then detach, so nothing
	 * new arrives, then drain what is queued (the ring may overflow meanwhile:
	 * those events are counted as lost). */
	if (s->thread_started) {
		atomic_store(&s->running, false);
		pthread_join(s->thread, NULL);
		s->thread_started = false;
	}
	if (s->ksyms_async) { /* start failed before the symbols were waited for */
		pthread_join(s->ksyms_thread, NULL);
		s->ksyms_async = false;
	}
	for (size_t i = 0; i < s->ntp; i++)
		bpf_link__destroy(s->tp_links[i]);
	s->ntp = 0;
	/* the trace sockets stay open for the drain: its NETFILTER_DROPs name their rules too */
	for (size_t i = 0; i < s->nns; i++)
		pm_detach_netns_hooks(&s->ns[i]);
	/* A program already running on another CPU when its link went away may
	 * still emit: BPF programs run under RCU, so after a grace period none is
	 * left, and the drain below sees every event (written + lost = generated). */
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) < 0)
		usleep(50000); /* no membarrier: a pause covers the common case */
	if (s->rb)
		pm_ring_reader_consume(s->rb);
	for (size_t i = 0; i < s->nns; i++)
		pm_detach_netns(&s->ns[i]);
	s->nns = 0;
	s->stop_ns = pm_clock_ns(CLOCK_REALTIME);

	pthread_mutex_lock(&s->lock);
	pm_collect_counters(s);
	struct pm_buf trailer = { 0 };
	if (s->has_pcapng && s->skel)
		encode_trailer(s, &trailer);
	pthread_mutex_unlock(&s->lock);

	for (pktmon_output *o = s->outputs; o; o = o->next) {
		if (o->kind != PM_OUT_PCAPNG)
			continue;
		if (!s->start_ns) {
			/* start failed before the header (pm_write_header() follows start_ns):
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
			pm_notify(s, PKTMON_STREAM_ERROR, "pcapng output: cannot finish the file (error %d)", rc);
		}
	}
	pm_buf_free(&trailer);
	pm_notify(s, PKTMON_STREAM_STOPPED, "session %s stopped", s->name);
	pm_ring_reader_free(s->rb);
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
		pm_seterr(err, errlen, "a session runs once; create a new one");
		return -EALREADY;
	}
	s->stopped_once = true;
	s->opt.ring_bytes = pm_ring_bytes(&s->opt);
	/* a stream's buffer_bytes: the ring buffer becomes at least that, a power of two */
	for (pktmon_output *o = s->outputs; o; o = o->next)
		while (o->kind == PM_OUT_REALTIME && s->opt.ring_bytes < o->buffer_bytes &&
		       s->opt.ring_bytes < (1u << 31))
			s->opt.ring_bytes <<= 1;
	int rc = start(s, err, errlen);
	if (rc < 0) {
		stop(s);
		return rc;
	}
	s->active = true;
	pm_notify(s, PKTMON_STREAM_STARTED, "session %s started", s->name);
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
	capture_bpf__destroy(s->skel2);
	capture_bpf__destroy(s->skel);
	for (size_t i = 0; i < s->nns; i++)
		pm_detach_netns(&s->ns[i]);
	free(s->ns);
	pm_pcap_filter_free(s->pcap);
	pm_components_free(&s->comps);
	pm_buf_free(&s->block);
	pm_buf_free(&s->meta);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
