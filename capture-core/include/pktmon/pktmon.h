/* SPDX-License-Identifier: MIT */
/*
 * pktmon.h - the capture-core public API, the Linux analogue of Windows'
 * Pktmonapi.dll (PacketMonitorInitialize, EnumDataSources, CreateLiveSession,
 * AddSingleDataSourceToSession, AddCaptureConstraint, CreateRealtimeStream,
 * AttachOutputToSession, SetSessionActive, Close..., Uninitialize).
 *
 * Several sessions may run at once; each has its own observation points,
 * filters, counters and outputs. Every function returns 0 on success or a
 * negative errno value, and fills `err` (when given) with a sentence a person
 * can act on. Installed as libpktmon.so (pkg-config pktmon); see libpktmon(3).
 */
#ifndef PKTMON_H
#define PKTMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pktmon/pktmon_filter.h"
#include "pktmon/pktmon_format.h"
#include "pktmon/pktmon_version.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PKTMON_ERRLEN 512 /* enough for any message in err (the privilege hint is the longest) */

/* The library's version, "MAJOR.MINOR.PATCH", and PKTMON_VERSION_NUMBER of that version: the
 * library loaded at run time, where the PKTMON_VERSION_* macros are the headers compiled with. */
const char *pktmon_version(void);
unsigned pktmon_version_number(void);

typedef struct pktmon_handle pktmon_handle;
typedef struct pktmon_session pktmon_session;
typedef struct pktmon_output pktmon_output;

/* PacketMonitorInitialize / Uninitialize. Reads the kernel's BTF (drop
 * reason names) and probes which observation points this kernel offers. Needs
 * no privilege; sessions do. */
int pktmon_initialize(pktmon_handle **out, char *err, size_t errlen);
void pktmon_uninitialize(pktmon_handle *h);

/* PacketMonitorEnumDataSources: the observation points (layers). */
struct pktmon_data_source {
	enum pktmon_layer layer;
	const char *name;        /* "dev-rx", "nf-input", ... (accepted by --comp) */
	const char *description; /* what observes it */
	bool available;          /* this kernel offers it */
	const char *why_not;     /* when not available */
	const char *mechanism;   /* "netfilter-link", "fentry", "kprobe", "tracepoint", "unavailable" */
};
int pktmon_enum_data_sources(pktmon_handle *h, const struct pktmon_data_source **list, size_t *n);

/* The components that exist now, as `pktmon list` shows them (Pktmonapi's data-source enumeration of
 * adapters and their filters): each interface of each network namespace the caller can read, its
 * observation points (parent: the interface), and each namespace's stack layers. Ids are the ones
 * captures write and pktmon_add_component takes; they stay the same while the component exists. */
enum pktmon_component_kind {
	PKTMON_COMPONENT_INTERFACE = 1, /* a network interface; its points have it as parent */
	PKTMON_COMPONENT_POINT = 2,     /* an interface's rx, qdisc enqueue/dequeue, tx or stack (drops) */
	PKTMON_COMPONENT_LAYER = 3,     /* a namespace's netfilter hook (per family), socket rx, stack */
};
struct pktmon_component_info {
	uint32_t id;
	uint32_t parent_id;             /* a point's interface; an interface's bridge or bond; else 0 */
	enum pktmon_component_kind kind;
	enum pktmon_layer layer;        /* PKTMON_LAYER_UNKNOWN for an interface */
	uint32_t netns_inode;
	uint32_t ifindex;               /* 0 for layers */
	const char *name;               /* as captures name it: "eth0 rx [netns web]"; an interface: "eth0" */
	const char *netns_name;         /* "host", "web", "docker:web", or the inode number */
	const char *if_kind;            /* interfaces: "veth", "bridge", "physical", "loopback" ...; else "" */
	const char *mac;                /* interfaces: "aa:bb:cc:dd:ee:ff" or ""; else "" */
	bool up;                        /* interfaces: administratively up */
};
/* Layers this kernel does not offer are left out unless `all`. Free the list with
 * pktmon_free_components. 0, or -errno when not even the caller's namespace could be read. */
int pktmon_enum_components(pktmon_handle *h, bool all, struct pktmon_component_info **list, size_t *n);
void pktmon_free_components(struct pktmon_component_info *list);
/* Parse a layer name as printed above; returns PKTMON_LAYER_UNKNOWN if none. */
enum pktmon_layer pktmon_layer_from_name(const char *name);
const char *pktmon_layer_name(enum pktmon_layer layer);      /* "dev-rx" */
const char *pktmon_layer_label(enum pktmon_layer layer);     /* "rx", "INPUT", "qdisc enqueue" */
enum pktmon_direction pktmon_layer_direction(enum pktmon_layer layer);
/* For each layer L, the layers P (bit P) a packet may come from when it is next
 * seen at L, given the layers observed (bit per layer in `observed`): a step
 * through layers nobody observes is allowed too. Drops may follow anything. */
void pktmon_continuation_table(uint32_t observed, uint32_t prev_ok[PKTMON_LAYER_MAX]);

/* Session options (Windows `pktmon start` options). */
struct pktmon_session_options {
	uint32_t snaplen;             /* bytes per packet; 0 = whole packet; default 128 */
	enum pktmon_capture_type type;/* all / flow / drop */
	bool counters_only;           /* count, write no packets */
	uint32_t ring_bytes;          /* BPF ring buffer size, power of two; 0 (the default): 32 MiB,
	                               * 1 MiB with counters only (they write no events) */
	char host_name[65];           /* the host the files name (SHB, IDBs, rundown); "" = uname nodename */
};
void pktmon_session_options_default(struct pktmon_session_options *o);

int pktmon_create_live_session(pktmon_handle *h, const char *name, pktmon_session **out);
int pktmon_session_set_options(pktmon_session *s, const struct pktmon_session_options *o);
/* AddSingleDataSourceToSession: watch this layer. A session to which no
 * source was added watches every available layer. */
int pktmon_add_data_source(pktmon_session *s, enum pktmon_layer layer);
/* Name the nftables rule of each NETFILTER_DROP: a table of the session's own, pktmon_trace_<pid>,
 * in each namespace, traces the packets (nftrace), which costs microseconds per traced packet. By
 * default on when drops are written and constraints or namespaces narrow the packets traced; true
 * traces every selected packet, false none. -EBUSY while the session runs. */
int pktmon_session_set_rule_trace(pktmon_session *s, bool on);
/* Watch one component by the id `pktmon list` shows: an interface id (all its components) or a
 * component's (docs/FORMAT.md, "Component ids"). Once an id is added, only the components of the
 * ids and of the layers added by pktmon_add_data_source are written. -EINVAL: no id has that form;
 * -EOPNOTSUPP: its layers are not available; -E2BIG: more than PKTMON_MAX_COMPONENT_IDS. */
#define PKTMON_MAX_COMPONENT_IDS 64
int pktmon_add_component(pktmon_session *s, uint32_t id);
/* AddCaptureConstraint: a pktmon filter, as `pktmon filter add` takes it (e.g.
 * "web -t TCP SYN -p 80", shorter than PKTMON_FILTER_TEXT_MAX); a packet is
 * reported if it matches all conditions of at least one filter (at most
 * PKTMON_MAX_FILTERS, text and struct together). -EINVAL with the reason in err
 * when the text is not a filter, -E2BIG when the session has them all. */
int pktmon_add_capture_constraint(pktmon_session *s, const char *filter, char *err, size_t errlen);
/* The same condition as a struct, as Windows' PACKETMONITOR_PROTOCOL_CONSTRAINT. A
 * packet matches when every condition named in `fields` holds. One MAC, IP or port
 * matches either end of the packet (source or destination); the second of a pair
 * (MAC2, IP2, PORT2, which need the first) makes it the packet between the two, in
 * either direction. Members not named in `fields` are ignored. */
struct pktmon_protocol_constraint {
	const char *name;     /* NULL, or printable ASCII without blanks, '"' or ':', < PKTMON_FILTER_NAME_MAX */
	uint32_t fields;      /* PKTMON_FF_*: which members below are conditions */
	uint8_t mac[2][6];    /* PKTMON_FF_MAC1, PKTMON_FF_MAC2 */
	uint16_t vlan;        /* PKTMON_FF_VLAN: VLAN id, 0-4095 */
	uint16_t ethertype;   /* PKTMON_FF_ETHERTYPE: host order, after any VLAN tag (0x0800 IPv4...) */
	uint8_t ip_proto;     /* PKTMON_FF_PROTO: IANA number, 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6... */
	uint8_t tcp_flags;    /* PKTMON_FF_TCPFLAGS: PKTMON_TCP_* that must all be set; ip_proto 6 */
	uint8_t ip_family[2]; /* PKTMON_FF_IP1, PKTMON_FF_IP2: 4 or 6, both the same */
	uint8_t ip_prefix[2]; /* prefix length, 0-32 or 0-128 (32/128: the address itself) */
	uint8_t ip[2][16];    /* network order; IPv4 in the first 4 bytes */
	uint16_t port[2];     /* PKTMON_FF_PORT1, PKTMON_FF_PORT2: host order (TCP, UDP, SCTP) */
	uint16_t encap_port;  /* PKTMON_FF_ENCAP (also match inside VXLAN, GRE, IP-in-IP): the
			       * VXLAN UDP port, 0 = PKTMON_VXLAN_PORT; one port per session */
};
/* -EINVAL with the reason in err when the struct is no filter; -E2BIG as above. */
int pktmon_add_protocol_constraint(pktmon_session *s, const struct pktmon_protocol_constraint *c, char *err,
				   size_t errlen);
/* Report only what happens in this network namespace (inode number); may be
 * called up to PKTMON_MAX_NETNS times. Packets are still followed through every namespace. */
int pktmon_add_netns(pktmon_session *s, uint32_t netns_inode);
/* An `ip netns` name, "host" (the initial namespace: kthreadd's, or the fixed
 * initial inode of newer kernels, else PID 1's) or an inode number. */
int pktmon_netns_resolve(const char *name, uint32_t *inode, char *err, size_t errlen);
/* A pcap-filter expression applied to the Ethernet view of each packet at its
 * first sighting; the whole path of a matching packet is reported. */
int pktmon_set_pcap_filter(pktmon_session *s, const char *expr, char *err, size_t errlen);
/* Check a pcap-filter expression without a session (for the extcap). */
int pktmon_check_pcap_filter(const char *expr, char *err, size_t errlen);

/* One observation, as a real-time stream receives it (Windows'
 * PACKETMONITOR_STREAM_DATA_DESCRIPTOR: metadata, packet, missed counts).
 * Pointers are valid only during the callback. */
/* The nftables rule that dropped a packet (NETFILTER_DROP), learnt through nftables tracing. */
struct pktmon_nf_rule {
	const char *table;    /* family and name, e.g. "inet filter" */
	const char *chain;
	uint64_t handle;      /* the rule's handle; 0: the chain's policy dropped it */
	const char *rule;     /* the rule as `nft -a list` prints it (no "# handle"), or NULL */
	const char *comment;  /* its comment, or NULL */
};

struct pktmon_event {
	uint32_t component_id;
	const char *component_name;
	enum pktmon_layer layer;
	enum pktmon_direction direction;
	uint8_t nf_family;
	uint64_t pkt_group_id;
	uint32_t appearance;
	uint64_t timestamp_ns;   /* since the Unix epoch */
	uint32_t ifindex;
	uint32_t netns;
	uint32_t cpu;
	uint32_t flags;          /* PKTMON_FLAG_* */
	const char *drop_reason; /* NULL unless dropped */
	uint32_t drop_reason_code;
	uint64_t drop_location;
	const char *drop_symbol;
	const uint8_t *data;     /* frame, Ethernet first */
	uint32_t cap_len;        /* bytes at data: at most the snaplen and the stream's truncation */
	uint32_t orig_len;       /* bytes of the packet */
	uint64_t missed_before;  /* events of this component lost just before this one */
	/* Since the previous event this stream got (MissedPacketWriteCount/ReadCount): */
	uint64_t missed_write;   /* events the kernel could not write: the ring buffer was full
				  * (a larger buffer_bytes, a faster callback, or fewer events);
				  * learnt with the next event of the same component and CPU,
				  * pktmon_get_totals() counts them all */
	uint64_t missed_read;    /* events read from the ring buffer that were not delivered:
				  * the session's component table was full */
	/* Why layers (PKTMON_LAYER_IS_WHY): what the kernel did next, else 0 */
	uint8_t why;             /* enum pktmon_why */
	uint8_t icmp_type;       /* PKTMON_WHY_ICMP_SENT, PKTMON_WHY_ICMPV6_SENT: the error sent */
	uint8_t icmp_code;
	uint8_t tcp_state;       /* PKTMON_WHY_TCP_*: the socket's state (1 established ...), 0 unknown */
	const struct pktmon_nf_rule *nf_rule; /* NETFILTER_DROP by an nftables rule, else NULL */
};

enum pktmon_stream_event {
	PKTMON_STREAM_STARTED,
	PKTMON_STREAM_STOPPED,
	PKTMON_STREAM_ERROR,   /* message says what; the session stops */
	PKTMON_STREAM_WARNING  /* e.g. a namespace whose hooks could not attach */
};

struct pktmon_stream_callbacks {
	void (*on_data)(void *user, const struct pktmon_event *ev);
	void (*on_event)(void *user, enum pktmon_stream_event kind, const char *message);
	void *user;
};

/* One pktmon-style text line for an event (no newline); returns snprintf's count. */
int pktmon_format_event(const struct pktmon_event *ev, char *buf, size_t len);

/* CreateRealtimeStream: the callbacks run on the session's consumer thread, one
 * at a time, in the order the events were read; a callback that blocks holds
 * the reading back, and the kernel's events then wait in the ring buffer or,
 * when it is nearly full, are lost (missed_write) as whole packets: a packet
 * first seen then is delivered at none of its points (its drop still is). A
 * callback must not call pktmon_set_session_active or pktmon_close_session for
 * its own session. */
int pktmon_create_realtime_stream(pktmon_handle *h, const struct pktmon_stream_callbacks *cb,
				  pktmon_output **out);
/* Windows' PACKETMONITOR_REALTIME_STREAM_CONFIGURATION: buffer and truncation. */
struct pktmon_stream_options {
	uint32_t buffer_bytes;    /* the ring buffer between kernel and stream: the session's ring_bytes
				   * becomes at least this (rounded up to a power of two); 0 = as is */
	uint32_t truncation_size; /* at most this many bytes of each packet in on_data; 0 = as captured */
};
int pktmon_create_realtime_stream_ex(pktmon_handle *h, const struct pktmon_stream_callbacks *cb,
				     const struct pktmon_stream_options *o, pktmon_output **out);

enum pktmon_log_mode {
	PKTMON_LOG_SINGLE = 0,    /* one file; stop writing packets at the size limit */
	PKTMON_LOG_CIRCULAR = 1,  /* keep the newest packets within the size limit */
	PKTMON_LOG_MULTI_FILE = 2 /* a new file each time the limit is reached */
};

struct pktmon_pcapng_options {
	const char *path;     /* a file, or NULL with fd >= 0; a device or fifo named
			       * here is written as a stream (no limit, no rotation) */
	int fd;               /* an open fd or fifo (extcap); -1 with a path */
	uint64_t size_limit;  /* bytes, 0 = none; a hard cap */
	enum pktmon_log_mode mode;
};
int pktmon_create_pcapng_output(pktmon_handle *h, const struct pktmon_pcapng_options *o,
				pktmon_output **out, char *err, size_t errlen);

/* AttachOutputToSession. An output belongs to one session. */
int pktmon_attach_output(pktmon_session *s, pktmon_output *o);

/* SetSessionActive: true loads and attaches the programs in every network
 * namespace and starts the consumer thread; false detaches everything,
 * drains the ring buffer, writes the end-of-capture blocks and closes the
 * outputs. */
int pktmon_set_session_active(pktmon_session *s, bool active, char *err, size_t errlen);

/* Counters, readable while the session runs. */
struct pktmon_counter {
	uint32_t component_id;   /* 0 for a component no event named yet */
	char name[128];
	enum pktmon_layer layer;
	uint32_t netns, ifindex;
	uint8_t nf_family;
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
	uint64_t drops;
	uint64_t lost;           /* events the ring buffer could not take */
	char last_drop_reason[48];
};
struct pktmon_totals {
	uint64_t events_received; /* by the consumer */
	uint64_t events_generated;/* by the BPF programs: received + lost */
	uint64_t events_lost;     /* by the ring buffer */
	uint64_t drops;
	uint64_t netns_attached;
	uint64_t filtered_out;    /* by the pcap filter, in user space */
	/* received = filtered_out + written + not_written, so
	 * generated = written + lost + not_written + filtered_out, at every stop */
	uint64_t events_written;     /* in the pcapng output (the one that holds fewest) */
	uint64_t events_not_written; /* received but not in that output: it failed (disk
				      * full, I/O error, reader gone) or a single file
				      * reached its size limit */
};
int pktmon_get_counters(pktmon_session *s, struct pktmon_counter **list, size_t *n);
void pktmon_free_counters(struct pktmon_counter *list);
int pktmon_get_totals(pktmon_session *s, struct pktmon_totals *t);
/* Observations the kernel skipped for this session: a tracepoint or traced
 * function fired again on a CPU where the session's program was still running
 * (an interrupt nested in it), so the program did not run. They are in none of
 * the totals above (the programs never saw them); the kernel counts them from
 * 5.12 (0 before). Readable while the session runs and after it stopped. */
int pktmon_get_kernel_missed(pktmon_session *s, uint64_t *missed);
/* Drops per component and reason, from the kernel's counters. */
struct pktmon_drop_count {
	uint32_t component_id;
	char reason[48];
	uint32_t reason_code;
	uint64_t count;
};
int pktmon_get_drop_counts(pktmon_session *s, struct pktmon_drop_count **list, size_t *n);
/* Zeroes the session's counters: per component, per drop reason, and the kernel's skipped count. */
int pktmon_reset_counters(pktmon_session *s);

/* Non-zero (-errno) once every pcapng output has failed: -EPIPE when the
 * reader of a pipe or fifo went away (Wireshark ended the capture; the
 * consumer notices within about 100 ms even when no packet comes, and it is no
 * error: stopping then returns 0), or the write error (-ENOSPC, -EIO...) that
 * was reported through PKTMON_STREAM_ERROR. */
int pktmon_session_failed(pktmon_session *s);

void pktmon_close_session(pktmon_session *s); /* stops it first if active */
void pktmon_close_output(pktmon_output *o);   /* only outputs never attached */

#ifdef __cplusplus
}
#endif
#endif /* PKTMON_H */
