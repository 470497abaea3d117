/* SPDX-License-Identifier: MIT */
/* session_internal.h - the state behind the opaque handles of pktmon.h. */
#ifndef PKTMON_SESSION_INTERNAL_H
#define PKTMON_SESSION_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <linux/types.h>

#include "capture_event.h"
#include "components.h"
#include "drop_reasons.h"
#include "filter.h"
#include "kallsyms.h"
#include "nf_mechanism.h"
#include "nft_trace_parse.h"
#include "pktmon/pktmon.h"
#include "pm_buf.h"

struct pm_vmlinux_btf;
struct pm_sink;
struct capture_bpf;
struct pm_ring_reader;
struct bpf_link;
struct pm_pcap_filter;
struct pm_buf;
struct pm_component;
struct pm_comp_key;
struct pm_event;
struct pm_netns;
struct bpf_program;
struct pm_nft_ns;

struct pktmon_handle {
	struct pm_vmlinux_btf *vmlinux_btf; /* the kernel's BTF, mapped */
	const struct pm_kbtf *vmlinux;      /* its lookups (kernel_btf.h) */
	struct pm_drop_reasons reasons;
	struct pktmon_data_source sources[PKTMON_LAYER_MAX];
	size_t nsources;
	pthread_mutex_t lock; /* guards ksyms, loaded by the first session */
	struct pm_ksyms ksyms;
	bool ksyms_loaded;
	const char *ksyms_why; /* why drop locations stay addresses, or NULL */
	/* the first session's BPF object, opened in a thread during initialize (PKTMON_PREPARE_CAPTURE) */
	pthread_mutex_t prep_lock; /* guards spare_skel's taking */
	pthread_t prep;
	bool prep_started;
	struct capture_bpf *spare_skel;
	/* the second object of a split load (attach.c, load_objects), opened in another thread */
	pthread_t prep2;
	bool prep2_started;
	struct capture_bpf *spare_skel2;
	struct pm_nf_probe nf_probe;
	enum pm_mechanism nf_mechanism; /* what observes the netfilter hooks */
	bool drop_has_reason;           /* kfree_skb has a reason argument (5.17+) */
	bool why_icmp_fentry;           /* ICMP errors by fentry on __icmp_send (no icmp_send tracepoint) */
	bool why_icmp6_fentry;          /* ICMPv6 errors by fentry on icmp6_send */
	bool copy_fexit;                /* fexit on sock_queue_rcv_skb_reason: copies that reached a socket */
	char nf_desc[5][128];
};

enum pm_output_kind { PM_OUT_REALTIME, PM_OUT_PCAPNG };

struct pktmon_output {
	enum pm_output_kind kind;
	struct pktmon_stream_callbacks cb;
	uint32_t buffer_bytes, truncation; /* struct pktmon_stream_options */
	struct pm_sink *sink;
	pktmon_session *session;
	struct pktmon_output *next;
	bool failed; /* given up: the reader went away, a write failed */
	bool full;   /* a single file reached its size limit */
	_Atomic uint64_t refused; /* events this output did not take (failed or full) */
	uint64_t writes_lost;     /* events it took but lost in a failed write (at stop) */
};

/* The netfilter links of one namespace (2 families x 5 hooks). */
struct nf_ns {
	uint32_t inum;
	uint64_t cookie; /* with inum, the namespace (inodes are reused) */
	int links[10];
	int nlinks;
	int nft_sock; /* owner of the capture's nftables table (fallbacks), when has_nft */
	bool has_nft;
	struct pm_nft_ns *trace; /* nftables tracing (nft_trace.h), or NULL */
	bool seen;
};

struct pktmon_session {
	pktmon_handle *h;
	char name[64];
	struct pktmon_session_options opt;
	char host[65];       /* the host name the files carry (pm_write_header) */
	uint32_t layer_mask; /* bit per enum pktmon_layer; 0 = all */
	/* --comp by id (comp_id.h): these ids and the layers named (sel.layer_mask) are written */
	uint32_t comp_ids[PKTMON_MAX_COMPONENT_IDS];
	struct pm_comp_selection comp_sel;
	uint32_t netns[16];  /* PM_MAX_NETNS: report only these; none = all */
	size_t nnetns;
	struct pm_filter filters[PKTMON_MAX_FILTERS];
	size_t nfilters;
	struct pm_pcap_filter *pcap; /* NULL: none */
	struct pktmon_output *outputs;
	bool has_pcapng;
	int rule_trace_req; /* pktmon_session_set_rule_trace: 1 on, 0 off, -1 (default) when filters or
			     * namespaces narrow what is traced (tracing costs per traced packet) */

	/* running state */
	struct capture_bpf *skel;
	struct capture_bpf *skel2; /* the programs verified beside skel's (pm_load), its maps skel's; or NULL */
	struct bpf_link *tp_links[16];
	size_t ntp;
	bool nf_wanted;
	bool rule_trace;        /* naming the nftables rule of NETFILTER_DROPs (nft_trace.h) */
	bool rule_trace_warned; /* a namespace's tracing table failed: said once */
	char trace_table[48];   /* the owned table's name, pktmon_trace_<pid>[_n] */
	struct pm_nft_trace_match trace_matches[PM_NFT_TRACE_MATCHES]; /* the packets traced */
	int trace_nmatches;     /* < 0: every packet */
	uint64_t trace_enobufs; /* the trace sockets overflowed: traces lost */
	uint64_t rules_named;   /* drops that got their rule */
	struct nf_ns *ns;
	size_t nns, ns_cap;
	size_t netns_hooked_max; /* for the summary, after detaching */
	int self_netns_fd;
	struct pm_ring_reader *rb;
	pthread_t thread;
	bool thread_started;
	pthread_t ksyms_thread; /* reading /proc/kallsyms during start */
	bool ksyms_async;
	atomic_bool running;
	bool active, stopped_once;
	int output_error;
	bool reader_gone; /* a pipe/fifo output's reader went away: the normal end */
	int64_t mono_to_real_ns;
	uint64_t start_ns, stop_ns;

	/* consumer-thread state */
	struct pm_buf block, meta;
	uint8_t *pcap_match; /* verdict bit per group id, in a window */
	uint64_t pcap_hi;
	uint64_t events_received, filtered_out, encode_errors;
	bool ring_broken; /* a record whose length cannot be: reading stopped there (said once) */
	uint64_t missed_write, missed_read; /* since the last event the streams got */
	uint64_t kernel_missed_base; /* the programs' skipped count at the last pktmon_reset_counters */
	/* the consumer's components, found without the lock (consumer.c: cached_component) */
	struct pm_component *consumer_cache[256];
	uint32_t next_if_id;
	struct {
		uint32_t inum, cookie;
		char name[64];
	} names[256];
	size_t nnames, names_next; /* when full, the oldest is replaced */

	pthread_mutex_t lock; /* guards comps */
	struct pm_components comps;
};

#define PM_PCAP_WINDOW (1u << 20) /* pcap-filter verdicts remembered per group id */

static inline void pm_seterr(char *err, size_t len, const char *fmt, ...)
{
	if (!err || !len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

static inline uint64_t pm_clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- what the modules of the session share ------------------------------------------------- */

/* timing.c: PKTMON_TIMING=1 says when each start-up phase ends */
void pm_timing(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* attach.c: the observation points, and loading the programs */
bool pm_source_available(const pktmon_handle *h, enum pktmon_layer l);
bool pm_want_layer(const pktmon_session *s, enum pktmon_layer l);
bool pm_want_any_nf(const pktmon_session *s);
const char *pm_privilege_hint(void);
void *pm_load_ksyms(void *arg);
/* The tracepoint programs and the layer each observes (drops: PKTMON_LAYER_STACK). */
struct pm_tp_prog {
	struct bpf_program *prog;
	enum pktmon_layer layer;
};
#define PM_NTP_PROGS 6
uint64_t pm_programs_missed(const pktmon_session *s);
void pm_tracepoint_programs(struct capture_bpf *k, struct pm_tp_prog out[PM_NTP_PROGS]);
struct bpf_program *pm_drop_program(const pktmon_session *s, struct capture_bpf *k);
struct bpf_program *pm_nf_fallback_program(const pktmon_session *s, struct capture_bpf *k);
void pm_fill_nf_code(pktmon_session *s);
void pm_attach_why(pktmon_session *s);
int pm_load(pktmon_session *s, char *err, size_t errlen);
struct bpf_program *pm_loaded(const pktmon_session *s, struct bpf_program *p);

/* outputs.c */
void pm_notify(pktmon_session *s, enum pktmon_stream_event kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void pm_write_block(pktmon_session *s, const struct pm_buf *b, bool interface);
bool pm_write_observation_in_place(pktmon_session *s, uint32_t if_id, const struct pktmon_event *pe);
void pm_flush_outputs(pktmon_session *s);
void pm_write_header(pktmon_session *s);

/* counters.c: the component table and the kernel's counters */
void pm_netns_name_remember(pktmon_session *s, uint32_t inum, uint32_t cookie, const char *name);
struct pm_component *pm_component_for(pktmon_session *s, const struct pm_comp_key *key, const char *ifname);
const char *pm_reason_name(pktmon_session *s, uint32_t code, char *buf, size_t len);
/* The kernel's drops per (component, reason), summed over CPUs; *out is malloc'ed. */
struct pm_drop_sum {
	struct pm_drop_key key;
	uint64_t count;
};
int pm_read_drop_counts(pktmon_session *s, struct pm_drop_sum **out, size_t *n);
void pm_collect_counters(pktmon_session *s);
uint64_t pm_events_not_written(const pktmon_session *s);

/* netns_hooks.c */
void pm_rescan_netns(pktmon_session *s);
void pm_detach_netns_hooks(struct nf_ns *n); /* its netfilter links and owned table only */
void pm_detach_netns(struct nf_ns *n);        /* all, its trace socket too */

/* consumer.c */
int pm_on_ring_event(void *ctx, void *data, size_t size);
void pm_drain_traces(pktmon_session *s);
void *pm_consumer(void *arg);

#endif
