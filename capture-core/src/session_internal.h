/* SPDX-License-Identifier: MIT */
/* session_internal.h - the state behind the opaque handles of pktmon.h. */
#ifndef PKTMON_SESSION_INTERNAL_H
#define PKTMON_SESSION_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "components.h"
#include "drop_reasons.h"
#include "filter.h"
#include "kallsyms.h"
#include "nf_mechanism.h"
#include "pktmon/pktmon.h"
#include "pm_buf.h"

struct btf;
struct pm_sink;
struct capture_bpf;
struct ring_buffer;
struct bpf_link;
struct pm_pcap_filter;

struct pktmon_handle {
	struct btf *vmlinux;
	struct pm_drop_reasons reasons;
	struct pktmon_data_source sources[PKTMON_LAYER_MAX];
	size_t nsources;
	pthread_mutex_t lock; /* guards ksyms, loaded by the first session */
	struct pm_ksyms ksyms;
	bool ksyms_loaded;
	const char *ksyms_why; /* why drop locations stay addresses, or NULL */
	struct pm_nf_probe nf_probe;
	enum pm_mechanism nf_mechanism; /* what observes the netfilter hooks */
	bool drop_has_reason;           /* kfree_skb has a reason argument (5.17+) */
	char nf_desc[5][128];
};

enum pm_output_kind { PM_OUT_REALTIME, PM_OUT_PCAPNG };

struct pktmon_output {
	enum pm_output_kind kind;
	struct pktmon_stream_callbacks cb;
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
	bool seen;
};

struct pktmon_session {
	pktmon_handle *h;
	char name[64];
	struct pktmon_session_options opt;
	uint32_t layer_mask; /* bit per enum pktmon_layer; 0 = all */
	uint32_t netns[16];  /* PM_MAX_NETNS: report only these; none = all */
	size_t nnetns;
	struct pm_filter filters[PKTMON_MAX_FILTERS];
	size_t nfilters;
	struct pm_pcap_filter *pcap; /* NULL: none */
	struct pktmon_output *outputs;
	bool has_pcapng;

	/* running state */
	struct capture_bpf *skel;
	struct bpf_link *tp_links[10];
	size_t ntp;
	bool nf_wanted;
	struct nf_ns *ns;
	size_t nns, ns_cap;
	size_t netns_hooked_max; /* for the summary, after detaching */
	int self_netns_fd;
	struct ring_buffer *rb;
	pthread_t thread;
	bool thread_started;
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
	uint32_t next_if_id;
	struct {
		uint32_t inum, cookie;
		char name[64];
	} names[256];
	size_t nnames, names_next; /* when full, the oldest is replaced */

	pthread_mutex_t lock; /* guards comps */
	struct pm_components comps;
};

#endif
