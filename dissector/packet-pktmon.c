/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-pktmon.c - Wireshark postdissector for pktmon for Linux metadata.
 *
 * pktmon writes one pcapng custom option (code 2989, our PEN) per Enhanced
 * Packet Block and one Custom Block (type 0xBAD, our PEN) with the session
 * rundown at the end of a capture (docs/FORMAT.md). This postdissector runs
 * on every frame, finds that option in the record's block, decodes it with
 * the dependency-free pktmon_meta.c and adds the pktmon.* fields, expert
 * infos for drops and malformed metadata, the packet path across components
 * and a stats tree (tshark -z pktmon,tree).
 *
 * Built and tested against Wireshark 4.0, 4.4 and 4.6 (scripts/matrix/wireshark.sh);
 * the API differences are guarded with WIRESHARK_VERSION_* below, the behaviour
 * differences are described in dissector/README.md ("Wireshark versions").
 */

#define WS_BUILD_DLL
#include <wireshark.h>

#include <sys/mman.h>

#include <epan/epan.h>
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/proto.h>
#include <epan/stats_tree.h>
#include <epan/tap.h>
#include <wiretap/wtap.h>

#include "pktmon/pktmon_format.h"
#include "pktmon_flow.h"
#include "pktmon_meta.h"
#include "pktmon_tap.h"
#include "pktmon_ws.h"

#if PKTMON_WS_AT_LEAST(4, 4)
#include <epan/ftypes/ftypes.h> /* fvalue_set_string(), refresh_info_field() */
#endif
#if PKTMON_WS_AT_LEAST(4, 2)
#include <wsutil/plugins.h> /* plugin_describe() and WS_PLUGIN_DESC_DISSECTOR */
#endif

#ifndef PKTMON_PLUGIN_VERSION
#define PKTMON_PLUGIN_VERSION "0.0.0"
#endif

WS_DLL_PUBLIC_DEF const char plugin_version[] = PKTMON_PLUGIN_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);
#if PKTMON_WS_AT_LEAST(4, 2)
WS_DLL_PUBLIC uint32_t plugin_describe(void);
#endif

/* The foreach callback returned gboolean up to 4.x and bool later: take the
 * type from the typedef itself rather than guess the release it changed in. */
typedef __typeof__(((wtap_block_foreach_func)0)(NULL, 0, (wtap_opttype_e)0, NULL, NULL)) pktmon_foreach_ret;

static int proto_pktmon = -1;
static int pktmon_tap = -1;
static dissector_handle_t pktmon_handle;
/* TRUE where the frame dissector gives our custom blocks to us (4.4+), see dissect_rundown_block. */
static gboolean rundown_by_block_table;

/* Per-packet fields. */
static int hf_version = -1;
static int hf_component_id = -1;
static int hf_component_name = -1;
static int hf_host = -1;
static int hf_layer = -1;
static int hf_direction = -1;
static int hf_pkt_group_id = -1;
static int hf_appearance = -1;
static int hf_dropped = -1;
static int hf_drop_reason = -1;
static int hf_drop_reason_code = -1;
static int hf_drop_location = -1;
static int hf_drop_symbol = -1;
static int hf_ifindex = -1;
static int hf_netns = -1;
static int hf_cpu = -1;
static int hf_flags = -1;
static int hf_flag_dropped = -1;
static int hf_flag_l2_synthesized = -1;
static int hf_flag_paged_not_captured = -1;
static int hf_nf_family = -1;
static int hf_nf_table = -1;
static int hf_nf_chain = -1;
static int hf_nf_rule_handle = -1;
static int hf_nf_rule = -1;
static int hf_nf_rule_comment = -1;
static int hf_flag_delivered_copy = -1;
static int hf_delivered_copy = -1;
static int hf_why = -1;
static int hf_why_text = -1;
static int hf_icmp_type = -1;
static int hf_icmp_code = -1;
static int hf_tcp_state = -1;
static int hf_unknown_tlv = -1;
static int hf_prev_frame = -1;
static int hf_next_frame = -1;
static int hf_path = -1;

/* Rundown (Custom Block) fields. */
static int hf_rd_version = -1;
static int hf_rd_kind = -1;
static int hf_rd_records_len = -1;
static int hf_rd_record = -1;
static int hf_rd_record_len = -1;
static int hf_rd_component_id = -1;
static int hf_rd_layer = -1;
static int hf_rd_direction = -1;
static int hf_rd_ifindex = -1;
static int hf_rd_netns = -1;
static int hf_rd_nf_family = -1;
static int hf_rd_name = -1;
static int hf_rd_ifname = -1;
static int hf_rd_netns_name = -1;
static int hf_rd_interface_id = -1;
static int hf_rd_filter_index = -1;
static int hf_rd_filter_name = -1;
static int hf_rd_filter_text = -1;
static int hf_rd_capture_filter = -1;
static int hf_rd_rx_pkts = -1;
static int hf_rd_rx_bytes = -1;
static int hf_rd_tx_pkts = -1;
static int hf_rd_tx_bytes = -1;
static int hf_rd_drops = -1;
static int hf_rd_lost = -1;
static int hf_rd_drop_reason = -1;
static int hf_rd_drop_reason_code = -1;
static int hf_rd_count = -1;
static int hf_rd_session_name = -1;
static int hf_rd_start = -1;
static int hf_rd_stop = -1;
static int hf_rd_snaplen = -1;
static int hf_rd_capture_type = -1;
static int hf_rd_events_written = -1;
static int hf_rd_events_lost = -1;
static int hf_rd_events_missed = -1;
static int hf_rd_kernel = -1;
static int hf_rd_host = -1;

static gint ett_pktmon = -1;
static gint ett_flags = -1;
static gint ett_rundown = -1;
static gint ett_record = -1;

static expert_field ei_malformed = EI_INIT;
static expert_field ei_unknown_version = EI_INIT;
static expert_field ei_unknown_tlv = EI_INIT;
static expert_field ei_unknown_record = EI_INIT;
static expert_field ei_drop = EI_INIT;
static expert_field ei_drop_copy = EI_INIT;
static expert_field ei_why = EI_INIT;

static const value_string layer_vals[] = {
	{ PKTMON_LAYER_UNKNOWN, "unknown" },
	{ PKTMON_LAYER_DEV_RX, "dev rx" },
	{ PKTMON_LAYER_NF_PREROUTING, "PREROUTING" },
	{ PKTMON_LAYER_NF_INPUT, "INPUT" },
	{ PKTMON_LAYER_NF_FORWARD, "FORWARD" },
	{ PKTMON_LAYER_NF_OUTPUT, "OUTPUT" },
	{ PKTMON_LAYER_NF_POSTROUTING, "POSTROUTING" },
	{ PKTMON_LAYER_SOCK_RX, "socket rx" },
	{ PKTMON_LAYER_QDISC_ENQ, "qdisc enqueue" },
	{ PKTMON_LAYER_QDISC_DEQ, "qdisc dequeue" },
	{ PKTMON_LAYER_DEV_TX, "dev tx" },
	{ PKTMON_LAYER_STACK, "stack" },
	{ PKTMON_LAYER_NETFILTER, "netfilter" },
	{ PKTMON_LAYER_ICMP_SEND, "ICMP error sent" },
	{ PKTMON_LAYER_TCP_RESET, "TCP reset sent" },
	{ PKTMON_LAYER_TCP_RETRANS, "TCP retransmission" },
	{ PKTMON_LAYER_RCVQ_FULL, "receive queue full" },
	{ 0, NULL }
};

static const value_string why_vals[] = {
	{ PKTMON_WHY_ICMP_SENT, "ICMP error sent" },
	{ PKTMON_WHY_ICMPV6_SENT, "ICMPv6 error sent" },
	{ PKTMON_WHY_TCP_RESET, "TCP reset sent" },
	{ PKTMON_WHY_TCP_RETRANS, "TCP retransmission" },
	{ PKTMON_WHY_RCVQ_FULL, "receive queue full" },
	{ 0, NULL }
};

/* The kernel's TCP states (include/net/tcp_states.h). */
static const value_string tcp_state_vals[] = {
	{ 1, "ESTABLISHED" }, { 2, "SYN_SENT" }, { 3, "SYN_RECV" }, { 4, "FIN_WAIT1" }, { 5, "FIN_WAIT2" },
	{ 6, "TIME_WAIT" }, { 7, "CLOSE" }, { 8, "CLOSE_WAIT" }, { 9, "LAST_ACK" }, { 10, "LISTEN" },
	{ 11, "CLOSING" }, { 12, "NEW_SYN_RECV" }, { 0, NULL }
};

static const value_string direction_vals[] = {
	{ PKTMON_DIR_UNKNOWN, "unknown" },
	{ PKTMON_DIR_RX, "Rx" },
	{ PKTMON_DIR_TX, "Tx" },
	{ 0, NULL }
};

static const value_string nf_family_vals[] = {
	{ PKTMON_NF_IPV4, "IPv4" },
	{ PKTMON_NF_IPV6, "IPv6" },
	{ 0, NULL }
};

static const value_string capture_type_vals[] = {
	{ PKTMON_TYPE_ALL, "all" },
	{ PKTMON_TYPE_FLOW, "flow" },
	{ PKTMON_TYPE_DROP, "drop" },
	{ 0, NULL }
};

static const value_string record_vals[] = {
	{ PKTMON_REC_COMPONENT, "COMPONENT" },
	{ PKTMON_REC_FILTER, "FILTER" },
	{ PKTMON_REC_CAPTURE_FILTER, "CAPTURE_FILTER" },
	{ PKTMON_REC_COUNTERS, "COUNTERS" },
	{ PKTMON_REC_DROP_COUNT, "DROP_COUNT" },
	{ PKTMON_REC_SESSION, "SESSION" },
	{ 0, NULL }
};

/* TLV type -> field, for the EPB metadata and for rundown records. */
static int *meta_hf[PKTMON_META_TLV_SLOTS];
static int *rundown_hf[PKTMON_META_TLV_SLOTS];

/*
 * Packet path: pkt_group_id -> hops, built on the first pass, forgotten when the file is closed
 * (path_cleanup). On a single pass only the frames read so far are known, so the path is the
 * path so far. Every frame of a pktmon capture adds a hop, so the storage allocates nothing per
 * packet: all hops live in one pool, each group's hops are a list in path order through the pool,
 * and a group finds its list in an open-addressing index.
 */
/*
 * A hop is 16 bytes: one is stored for every frame of the file, so its size is most of the path's
 * cost (first touch of fresh memory). What it says about the component (name, drop, reason, why)
 * is a label, interned per file: a capture has few components and few drop reasons.
 */
typedef struct {
	guint32 frame;
	guint32 appearance;
	guint32 next;  /* pool index + 1 of the next hop of this group in path order; 0: last */
	guint32 label; /* index into hop_labels */
} pktmon_hop_t;

typedef struct {
	const char *component; /* interned (file scope) */
	const char *why;       /* interned: what the kernel did next (why layers), else NULL */
	const char *reason;    /* interned, NULL unless dropped */
	gboolean dropped;
} pktmon_label_t;

typedef struct {
	guint64 group;
	guint32 head;  /* pool index + 1 of the first hop; 0: free slot */
	guint32 count; /* hops in the list */
} pktmon_path_slot_t;

/* A packet crosses a handful of components. Cap the hops kept per group id so
 * that a file reusing one id for everything stays linear, not quadratic. */
#define PKTMON_PATH_MAX_HOPS 64



/* ------------------------------------------------------------------------ */
/* Finding the option in the record's block. */

typedef struct {
	gboolean found;
	const guint8 *data;
	gsize len;
} meta_find_t;

static pktmon_foreach_ret find_meta_option(wtap_block_t block _U_, guint option_id, wtap_opttype_e option_type,
					   wtap_optval_t *option, void *user_data)
{
	meta_find_t *f = (meta_find_t *)user_data;
	guint32 pen;
	const guint8 *data;
	gsize len;

	if (option_id != PKTMON_PCAPNG_OPT_CUSTOM_BIN_COPY)
		return TRUE;
#if PKTMON_WS_AT_LEAST(4, 6)
	/* 4.6 split custom options into string and binary types. */
	if (option_type != WTAP_OPTTYPE_CUSTOM_BINARY)
		return TRUE;
	pen = option->custom_binaryval.pen;
	data = (const guint8 *)option->custom_binaryval.data.custom_data;
	len = option->custom_binaryval.data.custom_data_len;
#else
	if (option_type != WTAP_OPTTYPE_CUSTOM)
		return TRUE;
	pen = option->custom_opt.pen;
	data = (const guint8 *)option->custom_opt.data.generic_data.custom_data;
	len = option->custom_opt.data.generic_data.custom_data_len;
#endif
	if (pen != PKTMON_PEN)
		return TRUE;
	f->found = TRUE;
	f->data = data;
	f->len = len;
	return FALSE; /* FORMAT.md: one per EPB; the first one wins */
}

static const char *frame_interface_name(packet_info *pinfo)
{
	if (!(pinfo->rec->presence_flags & WTAP_HAS_INTERFACE_ID))
		return NULL;
	guint32 id = pinfo->rec->rec_header.packet_header.interface_id;
#if PKTMON_WS_AT_LEAST(4, 2)
	/* Interface ids are per section from 4.2 on. */
	unsigned section = (pinfo->rec->presence_flags & WTAP_HAS_SECTION_NUMBER) ? pinfo->rec->section_number : 0;
	return epan_get_interface_name(pinfo->epan, id, section);
#else
	return epan_get_interface_name(pinfo->epan, id);
#endif
}

/* The host this frame's capture came from: pktmon ends every IDB description with " host NAME"
 * (docs/FORMAT.md), and merged files keep every IDB, so the host is the interface's. */
static const char *frame_interface_host(packet_info *pinfo)
{
	if (!(pinfo->rec->presence_flags & WTAP_HAS_INTERFACE_ID))
		return NULL;
	guint32 id = pinfo->rec->rec_header.packet_header.interface_id;
#if PKTMON_WS_AT_LEAST(4, 2)
	unsigned section = (pinfo->rec->presence_flags & WTAP_HAS_SECTION_NUMBER) ? pinfo->rec->section_number : 0;
	const char *desc = epan_get_interface_description(pinfo->epan, id, section);
#else
	const char *desc = epan_get_interface_description(pinfo->epan, id);
#endif
	const char *host = NULL;
	for (const char *p = desc ? strstr(desc, " host ") : NULL; p; p = strstr(p + 1, " host "))
		host = p + 6;
	return host && *host && !strchr(host, ' ') ? host : NULL;
}

/* ------------------------------------------------------------------------ */
/* Component names, one copy per file: a capture has few components and many frames. */
static wmem_map_t *name_map;

static const char *intern_name(const char *name)
{
	const char *known = (const char *)wmem_map_lookup(name_map, name);
	if (known)
		return known;
	char *copy = wmem_strdup(wmem_file_scope(), name);
	wmem_map_insert(name_map, copy, copy);
	return copy;
}

/* The interned name of the frame's component, remembered by (section, interface id): the
 * lookup and the hashing of the name run once per interface, not once per frame. */
#define PKTMON_NAME_CACHE 64
static struct {
	gboolean valid;
	guint32 section, id;
	const char *name;  /* file scope */
	const char *host;  /* the interface description's, file scope */
	guint32 label;     /* + 1: the label of a plain hop here (not dropped, no why); 0: not yet */
} name_cache[PKTMON_NAME_CACHE];

/* The name_cache slot of the frame's interface, filled on first use; NULL without an interface id. */
static __typeof__(&name_cache[0]) frame_interface(packet_info *pinfo)
{
	if (!(pinfo->rec->presence_flags & WTAP_HAS_INTERFACE_ID))
		return NULL;
	guint32 id = pinfo->rec->rec_header.packet_header.interface_id;
	guint32 section = (pinfo->rec->presence_flags & WTAP_HAS_SECTION_NUMBER) ? pinfo->rec->section_number : 0;
	guint slot = id % PKTMON_NAME_CACHE;
	if (name_cache[slot].valid && name_cache[slot].id == id && name_cache[slot].section == section)
		return &name_cache[slot];
	const char *name = frame_interface_name(pinfo);
	if (name)
		name = intern_name(name);
	name_cache[slot].valid = TRUE;
	name_cache[slot].id = id;
	name_cache[slot].section = section;
	name_cache[slot].name = name;
	name_cache[slot].host = frame_interface_host(pinfo);
	name_cache[slot].label = 0;
	return &name_cache[slot];
}

/* Packet path. */

/* Memory touched once a frame (a new hop, the groups' index) in 2 MiB blocks the kernel may back
 * with one huge page each: 4 KiB pages cost a fault each on first touch, ~6,000 for 1 M frames
 * (slow in VMs). Zero-filled; NULL if the kernel gives none. */
#define PKTMON_BIG_BLOCK (2u << 20)
static void *big_alloc(gsize size)
{
	gsize len = (size + PKTMON_BIG_BLOCK - 1) & ~(gsize)(PKTMON_BIG_BLOCK - 1);
	guint8 *p = (guint8 *)mmap(NULL, len + PKTMON_BIG_BLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				   -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* keep the aligned part only: a huge page needs a 2 MiB-aligned range */
	guint8 *a = (guint8 *)(((guintptr)p + PKTMON_BIG_BLOCK - 1) & ~(guintptr)(PKTMON_BIG_BLOCK - 1));
	if (a > p)
		munmap(p, (gsize)(a - p));
	munmap(a + len, (gsize)(p + PKTMON_BIG_BLOCK - a));
#ifdef MADV_HUGEPAGE
	madvise(a, len, MADV_HUGEPAGE); /* a hint: without it, 4 KiB pages */
#endif
	return a;
}

static void big_free(void *p, gsize size)
{
	if (p)
		munmap(p, (size + PKTMON_BIG_BLOCK - 1) & ~(gsize)(PKTMON_BIG_BLOCK - 1));
}

/* The pool grows by chunks that never move: growing it copies nothing. */
#define PKTMON_HOP_CHUNK_BITS 17 /* 131,072 hops, 2 MiB a chunk */
#define PKTMON_HOP_CHUNK (1u << PKTMON_HOP_CHUNK_BITS)
static pktmon_hop_t **hop_chunks;
static guint32 hop_count, hop_room, hop_chunk_count, hop_chunk_room;
static pktmon_path_slot_t *path_index;
static guint32 path_index_size, path_index_used; /* size: a power of two, or 0 */
static gboolean path_index_big;                   /* path_index from big_alloc(), else g_new0() */
static gboolean path_index_mixed;                 /* see group_hash */
/* A packet's observations are mostly consecutive frames: the last group looked up. */
static pktmon_path_slot_t *last_slot;

/* The hops' labels, and an open-addressing index of them (label + 1; 0: free). */
static pktmon_label_t *hop_labels;
static guint32 label_count, label_room;
static guint32 *label_index;
static guint32 label_index_size; /* a power of two, or 0 */

static void index_free(void)
{
	if (path_index_big)
		big_free(path_index, path_index_size * sizeof(pktmon_path_slot_t));
	else
		g_free(path_index);
}

/* Everything kept for the file being read, forgotten when it is closed. */
static void path_cleanup(void)
{
	memset(name_cache, 0, sizeof(name_cache)); /* the names and the labels are file scope */
	for (guint32 i = 0; i < hop_chunk_count; i++)
		big_free(hop_chunks[i], PKTMON_HOP_CHUNK * sizeof(pktmon_hop_t));
	g_free(hop_chunks);
	index_free();
	g_free(hop_labels);
	g_free(label_index);
	hop_chunks = NULL;
	hop_chunk_count = hop_chunk_room = 0;
	path_index = NULL;
	hop_labels = NULL;
	label_index = NULL;
	last_slot = NULL;
	hop_count = hop_room = path_index_size = path_index_used = 0;
	label_count = label_room = label_index_size = 0;
	path_index_mixed = FALSE;
	path_index_big = FALSE;
}

/* The strings are interned, so a label is its pointers. */
static guint32 label_hash(const pktmon_label_t *l)
{
	guint64 h = (guint64)(guintptr)l->component * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15);
	h ^= (guint64)(guintptr)l->why * G_GUINT64_CONSTANT(0xc2b2ae3d27d4eb4f);
	h ^= (guint64)(guintptr)l->reason * G_GUINT64_CONSTANT(0x165667b19e3779f9);
	h ^= (guint64)l->dropped;
	h ^= h >> 29;
	h *= G_GUINT64_CONSTANT(0xff51afd7ed558ccd);
	return (guint32)(h ^ (h >> 32));
}

static guint32 *label_probe(guint32 *index, guint32 size, const pktmon_label_t *l)
{
	guint32 mask = size - 1;
	for (guint32 i = label_hash(l) & mask;; i = (i + 1) & mask) {
		if (index[i] == 0)
			return &index[i];
		const pktmon_label_t *k = &hop_labels[index[i] - 1];
		if (k->component == l->component && k->why == l->why && k->reason == l->reason &&
		    k->dropped == l->dropped)
			return &index[i];
	}
}

/* The id of label l (whose strings are interned), added if new. */
static guint32 label_intern(const pktmon_label_t *l)
{
	if ((label_count + 1) * 2 > label_index_size) { /* load factor <= 1/2 */
		guint32 size = label_index_size ? label_index_size * 2 : 64;
		guint32 *index = g_new0(guint32, size);
		for (guint32 i = 0; i < label_index_size; i++) {
			if (label_index[i])
				*label_probe(index, size, &hop_labels[label_index[i] - 1]) = label_index[i];
		}
		g_free(label_index);
		label_index = index;
		label_index_size = size;
	}
	guint32 *slot = label_probe(label_index, label_index_size, l);
	if (*slot)
		return *slot - 1;
	if (label_count == label_room) {
		label_room = label_room ? label_room * 2 : 64;
		hop_labels = g_renew(pktmon_label_t, hop_labels, label_room);
	}
	hop_labels[label_count] = *l;
	*slot = ++label_count;
	return label_count - 1;
}

/*
 * pktmon numbers packet groups from one counter, so a file's ids mostly rise one by one: placed by
 * their low bits they fill neighbouring slots, and the first sighting of a group finds its slot in
 * cache. Ids that crowd a few slots (a crafted file, ids a power of two apart) would make the probes
 * long: after one long probe the index places ids by a mixing hash instead, for the rest of the file.
 */
#define PKTMON_PROBE_MAX 32

static guint32 group_hash(guint64 g)
{
	if (!path_index_mixed)
		return (guint32)(g ^ (g >> 32));
	g ^= g >> 33; /* murmur3's finalizer */
	g *= G_GUINT64_CONSTANT(0xff51afd7ed558ccd);
	g ^= g >> 33;
	return (guint32)g;
}

/* The slot of group, or the free slot where it would go; *steps: the slots looked at. */
static pktmon_path_slot_t *index_probe(pktmon_path_slot_t *index, guint32 size, guint64 group, guint32 *steps)
{
	guint32 mask = size - 1;
	*steps = 1;
	for (guint32 i = group_hash(group) & mask;; i = (i + 1) & mask, ++*steps) {
		if (index[i].head == 0 || index[i].group == group)
			return &index[i];
	}
}

/* A new index of size slots (a power of two) with the groups of the current one. */
static void index_rebuild(guint32 size)
{
	gsize bytes = size * sizeof(pktmon_path_slot_t);
	pktmon_path_slot_t *index = bytes >= PKTMON_BIG_BLOCK ? (pktmon_path_slot_t *)big_alloc(bytes) : NULL;
	gboolean big = index != NULL;
	if (!index)
		index = g_new0(pktmon_path_slot_t, size);
	guint32 steps;
	for (guint32 i = 0; i < path_index_size; i++) {
		if (path_index[i].head)
			*index_probe(index, size, path_index[i].group, &steps) = path_index[i];
	}
	index_free();
	path_index = index;
	path_index_size = size;
	path_index_big = big;
	last_slot = NULL;
}

static void index_grow(void)
{
	index_rebuild(path_index_size ? path_index_size * 2 : 1024);
}

/* The slot of group; with create, a new empty one if unknown; else NULL if unknown. */
static pktmon_path_slot_t *path_slot(guint64 group, gboolean create)
{
	if (last_slot && last_slot->group == group)
		return last_slot;
	if (create && (path_index_used + 1) * 2 > path_index_size)
		index_grow(); /* load factor <= 1/2 */
	if (!path_index_size)
		return NULL;
	guint32 steps;
	pktmon_path_slot_t *slot = index_probe(path_index, path_index_size, group, &steps);
	if (steps > PKTMON_PROBE_MAX && !path_index_mixed) {
		path_index_mixed = TRUE;
		index_rebuild(path_index_size);
		slot = index_probe(path_index, path_index_size, group, &steps);
	}
	if (slot->head == 0) {
		if (!create)
			return NULL;
		slot->group = group;
		slot->count = 0;
	}
	last_slot = slot;
	return slot;
}

/* Hop number ref (pool index + 1); ref != 0. */
static inline pktmon_hop_t *hop_ref(guint32 ref)
{
	return &hop_chunks[(ref - 1) >> PKTMON_HOP_CHUNK_BITS][(ref - 1) & (PKTMON_HOP_CHUNK - 1)];
}

static const pktmon_hop_t *hop_at(guint32 ref)
{
	return ref ? hop_ref(ref) : NULL;
}

static int hop_before(const pktmon_hop_t *a, const pktmon_hop_t *b)
{
	if (a->appearance != b->appearance)
		return a->appearance < b->appearance;
	return a->frame < b->frame;
}

/* Keep hops in path order (appearance, then frame): ring buffers of different
 * CPUs can deliver a packet's events out of order. */
static void path_add(guint64 group, const pktmon_hop_t *hop)
{
	pktmon_path_slot_t *slot = path_slot(group, TRUE);

	if (slot->count >= PKTMON_PATH_MAX_HOPS)
		return;
	guint32 prev = 0; /* the last hop that stays before the new one */
	for (guint32 ref = slot->head; ref; ref = hop_ref(ref)->next) {
		const pktmon_hop_t *h = hop_ref(ref);
		if (h->frame == hop->frame)
			return; /* already known */
		if (!hop_before(hop, h))
			prev = ref;
	}
	if (hop_count >= G_MAXUINT32 / 2)
		return; /* 2^31 observations: no more paths */
	if (hop_count == hop_room) {
		if (hop_chunk_count == hop_chunk_room) {
			hop_chunk_room = hop_chunk_room ? hop_chunk_room * 2 : 64;
			hop_chunks = g_renew(pktmon_hop_t *, hop_chunks, hop_chunk_room);
		}
		pktmon_hop_t *chunk = (pktmon_hop_t *)big_alloc(PKTMON_HOP_CHUNK * sizeof(pktmon_hop_t));
		if (!chunk)
			return; /* no memory: the paths stop here */
		hop_chunks[hop_chunk_count++] = chunk;
		hop_room += PKTMON_HOP_CHUNK;
	}
	pktmon_hop_t *n = hop_ref(++hop_count);
	*n = *hop;
	guint32 ref = hop_count;
	/* The list stays sorted: the new hop goes after every hop not after it (a stable insertion). */
	if (prev) {
		n->next = hop_ref(prev)->next;
		hop_ref(prev)->next = ref;
	} else {
		n->next = slot->head;
		if (slot->head == 0)
			path_index_used++; /* the slot was free until now */
		slot->head = ref;
	}
	slot->count++;
}

/* The component where the packet of `group` was observed just before `frame`; NULL if first. */
static const char *path_prev_component(guint64 group, guint32 frame)
{
	pktmon_path_slot_t *slot = path_slot(group, FALSE);
	const char *prev = NULL;
	for (const pktmon_hop_t *h = slot ? hop_at(slot->head) : NULL; h; h = hop_at(h->next)) {
		if (h->frame == frame)
			return prev;
		const pktmon_label_t *l = &hop_labels[h->label];
		if (!l->why) /* a why point is not where the packet was */
			prev = l->component;
	}
	return NULL;
}

static void add_path_items(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, guint64 group)
{
	/* Nothing asks for the path (tshark -r without -V/-Y/-T fields), or a filter that names none of
	 * these fields (the tree is not shown): skip the string building. */
	gboolean want_path = proto_field_is_referenced(tree, hf_path);
	if (!want_path && !proto_field_is_referenced(tree, hf_prev_frame) &&
	    !proto_field_is_referenced(tree, hf_next_frame))
		return;
	pktmon_path_slot_t *slot = path_slot(group, FALSE);
	if (!slot)
		return;
	guint n = slot->count;
	wmem_strbuf_t *s = want_path ? wmem_strbuf_new(pinfo->pool, "") : NULL;
	wmem_strbuf_t *whys = NULL;
	const char *last = NULL;
	guint32 prev_frame = 0, next_frame = 0;
	gboolean seen_self = FALSE;

	for (const pktmon_hop_t *h = hop_at(slot->head); h; h = hop_at(h->next)) {
		if (h->frame == pinfo->num) {
			seen_self = TRUE;
		} else if (!seen_self) {
			prev_frame = h->frame;
		} else if (next_frame == 0) {
			next_frame = h->frame;
		}
		if (!s)
			continue;
		const pktmon_label_t *l = &hop_labels[h->label];
		if (l->why) { /* what the kernel did next: after the path and its drop */
			if (!whys)
				whys = wmem_strbuf_new(pinfo->pool, "");
			wmem_strbuf_append_printf(whys, " \xe2\x86\x92 %s", l->why); /* → */
			continue;
		}
		/* A drop where the packet was last seen reads "X ✖ REASON", not "X → X ✖". */
		if (!(l->dropped && last && strcmp(last, l->component) == 0)) {
			if (last)
				wmem_strbuf_append(s, " \xe2\x86\x92 "); /* → */
			wmem_strbuf_append(s, l->component);
		}
		if (l->dropped)
			wmem_strbuf_append_printf(s, " \xe2\x9c\x96 %s", l->reason ? l->reason : "DROP"); /* ✖ */
		last = l->component;
	}
	if (s && whys)
		wmem_strbuf_append(s, last ? wmem_strbuf_get_str(whys) : wmem_strbuf_get_str(whys) + 5);
	if (s && n >= PKTMON_PATH_MAX_HOPS)
		wmem_strbuf_append_printf(s, " \xe2\x80\xa6 (only the first %u observations are kept)",
					  PKTMON_PATH_MAX_HOPS); /* … */
	proto_item *pi;
	if (!seen_self)
		prev_frame = next_frame = 0; /* this frame is past the cap: no neighbours to show */
	if (prev_frame) {
		pi = proto_tree_add_uint(tree, hf_prev_frame, tvb, 0, 0, prev_frame);
		proto_item_set_generated(pi);
	}
	if (next_frame) {
		pi = proto_tree_add_uint(tree, hf_next_frame, tvb, 0, 0, next_frame);
		proto_item_set_generated(pi);
	}
	if (s) {
		pi = proto_tree_add_string(tree, hf_path, tvb, 0, 0, wmem_strbuf_get_str(s));
		proto_item_set_generated(pi);
	}
}

/* ------------------------------------------------------------------------ */
/* TLV display shared by the EPB metadata and the rundown records. */

/* pktmon_tlv_has() inlined: it runs several times a frame, and across the module it is a PLT call. */
static inline gboolean has_tlv(const struct pktmon_tlvs *tv, guint t)
{
	return t < PKTMON_META_TLV_SLOTS && ((tv->present[t / 64] >> (t % 64)) & 1);
}

static void add_tlv_fields(proto_tree *tree, tvbuff_t *tvb, const struct pktmon_tlvs *tv, int *const *hf_by_type,
			   guint skip_type)
{
	if (!tree)
		return;
	/* Only the present types: walk the set bits rather than every slot. */
	for (guint w = 0; w < G_N_ELEMENTS(tv->present); w++) {
		for (guint64 bits = tv->present[w]; bits; bits &= bits - 1) {
			guint t = w * 64 + (guint)__builtin_ctzll(bits);
			if (t >= PKTMON_META_TLV_SLOTS || t == skip_type || hf_by_type[t] == NULL)
				continue;
			int hf = *hf_by_type[t];
			if (!proto_field_is_referenced(tree, hf))
				continue; /* a tree nobody sees and no filter naming this field: it would be faked */
			enum ftenum ft = proto_registrar_get_ftype(hf);
			guint enc = (ft == FT_STRING) ? ENC_UTF_8 : ENC_LITTLE_ENDIAN;
			if (ft == FT_ABSOLUTE_TIME)
			enc = ENC_TIME_NSECS | ENC_LITTLE_ENDIAN;
			proto_tree_add_item(tree, hf, tvb, tv->value_off[t], tv->value_len[t], enc);
		}
	}
}

static void add_unknown_tlvs(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, proto_item *ti,
			     const struct pktmon_tlvs *tv)
{
	guint shown = tv->unknown_count < PKTMON_META_MAX_UNKNOWN ? tv->unknown_count : PKTMON_META_MAX_UNKNOWN;

	for (guint i = 0; i < shown; i++) {
		proto_item *pi = proto_tree_add_uint_format_value(tree, hf_unknown_tlv, tvb, tv->unknown_off[i],
								  4 + tv->unknown_len[i], tv->unknown_type[i],
								  "%u (%u bytes, skipped)", tv->unknown_type[i],
								  tv->unknown_len[i]);
		expert_add_info_format(pinfo, pi, &ei_unknown_tlv, "Unknown pktmon TLV type %u (%u bytes) skipped",
				       tv->unknown_type[i], tv->unknown_len[i]);
	}
	if (tv->unknown_count > shown)
		expert_add_info_format(pinfo, ti, &ei_unknown_tlv, "%u more unknown pktmon TLVs skipped",
				       tv->unknown_count - shown);
}

static void report_malformed(packet_info *pinfo, proto_item *ti, const char *what, enum pktmon_meta_status st,
			     size_t off, guint16 type, guint bad_lengths)
{
	if (st == PKTMON_META_TRUNCATED && type == 0)
		expert_add_info_format(pinfo, ti, &ei_malformed, "Malformed %s: truncated at offset %u",
				       what, (guint)off);
	else if (st == PKTMON_META_TRUNCATED)
		expert_add_info_format(pinfo, ti, &ei_malformed,
				       "Malformed %s: TLV %s (%u) at offset %u runs past the end", what,
				       pktmon_tlv_name(type), type, (guint)off);
	else if (st == PKTMON_META_BAD_LENGTH)
		expert_add_info_format(pinfo, ti, &ei_malformed,
				       "Malformed %s: TLV %s (%u) at offset %u has a wrong length (%u bad TLVs)",
				       what, pktmon_tlv_name(type), type, (guint)off, bad_lengths);
}

/* Dropped: the flag says so, or a reason is given. */
static gboolean meta_is_drop(const struct pktmon_tlvs *tv)
{
	return (has_tlv(tv, PKTMON_TLV_FLAGS) && (tv->flags & PKTMON_FLAG_DROPPED)) ||
	       has_tlv(tv, PKTMON_TLV_DROP_REASON);
}

static const char *tlv_string(packet_info *pinfo, tvbuff_t *tvb, const struct pktmon_tlvs *tv, guint16 t)
{
	if (!has_tlv(tv, t))
		return NULL;
	/* Through the tvb so invalid UTF-8 is made printable. */
	return (const char *)tvb_get_string_enc(pinfo->pool, tvb, tv->value_off[t], tv->value_len[t], ENC_UTF_8);
}

/* ------------------------------------------------------------------------ */
/* EPB metadata. */

/*
 * From Wireshark 4.4 the frame dissector copies the columns into the _ws.col.* fields before it
 * calls postdissectors, so the Info field would lack the drop prefix the packet list shows: bring
 * that copy up to date. (4.6 could call us earlier, from the pcapng_custom_binary_option table,
 * but then TCP's "[TCP Retransmission] " lands before our prefix; this keeps 4.0's order.) The
 * tree holds the field only where it is in use: a filter, -e, a column-based colouring rule.
 */
static void refresh_info_field(packet_info *pinfo _U_, proto_tree *tree _U_)
{
#if PKTMON_WS_AT_LEAST(4, 4)
	static int hf_col_info = -1;
	if (hf_col_info <= 0)
		hf_col_info = proto_registrar_get_id_byname("_ws.col.info");
	if (hf_col_info <= 0 || !pinfo->cinfo || !tree)
		return;
	GPtrArray *items = proto_get_finfo_ptr_array(tree, hf_col_info);
	const char *info = col_get_text(pinfo->cinfo, COL_INFO);
	for (guint i = 0; info && items && i < items->len; i++) {
		field_info *fi = (field_info *)g_ptr_array_index(items, i);
		fvalue_set_string(fi->value, info);
	}
#endif
}

/* Any of these fields in use where tree is: shown, filtered on, a column (proto_field_is_referenced). */
static gboolean any_referenced(proto_tree *tree, const int *const *hfs)
{
	for (; *hfs; hfs++)
		if (proto_field_is_referenced(tree, **hfs))
			return TRUE;
	return FALSE;
}

/*
 * Called for every frame: what nothing asks for is not built. Without a tree (tshark -r with no
 * -V/-Y/-T fields/custom column) no field, no text, no path string; with a tree that is not shown
 * (a display filter) only the fields the filter names; the tap's record only when a listener is
 * registered (-z pktmon,tree, the flow graph). The path map is fed on the first pass regardless: a
 * later dissection with a tree (the GUI) shows it.
 */
static void dissect_meta(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const guint8 *data, gsize len)
{
	struct pktmon_meta m;
	pktmon_meta_decode(data, len, &m); /* the block lives while we dissect: no copy needed to decode */
	const struct pktmon_tlvs *tv = &m.tlv;

	/* A tree nobody sees where no field of ours is in use (a display filter or a colouring rule on
	 * other fields; a filter on one of ours references the protocol too): every item under ours
	 * would be faked, so none is added. Our own item, at the root, is never faked: it is added
	 * only where it is shown or where expert infos hang on it (drops, why points, malformed or
	 * unknown TLVs), not for the plain observations that make most of a capture; the same goes
	 * for the metadata's own tvb (strings are read through it). */
	gboolean shown = proto_field_is_referenced(tree, proto_pktmon); /* FALSE without a tree */
	gboolean dropped = meta_is_drop(tv);
	gboolean noted = m.status != PKTMON_META_OK || tv->unknown_count || dropped || has_tlv(tv, PKTMON_TLV_WHY);
	tvbuff_t *mtvb = NULL;
	if (shown || noted) {
		/* The block is released after dissection, the tvb may outlive it: our own copy. */
		guint8 *copy = (guint8 *)wmem_memdup(pinfo->pool, data, len);
		mtvb = tvb_new_child_real_data(tvb, copy, (guint)len, (gint)len);
		/* its bytes (a tab in the GUI, tshark -V -x) where our tree is shown or filtered on */
		if (shown)
			add_new_data_source(pinfo, mtvb, "pktmon metadata");
	}
	proto_item *ti = NULL;
	proto_tree *sub = NULL;
	if (tree && mtvb) {
		ti = proto_tree_add_item(tree, proto_pktmon, mtvb, 0, -1, ENC_NA);
		sub = proto_item_add_subtree(ti, ett_pktmon);
	}
	proto_tree *pt = shown ? sub : NULL;

	if (len >= 1 && pt)
		proto_tree_add_item(pt, hf_version, mtvb, 0, 1, ENC_NA);
	if (m.status == PKTMON_META_UNKNOWN_VERSION) {
		expert_add_info_format(pinfo, ti, &ei_unknown_version,
				       "Unknown pktmon metadata version %u (this plugin reads version %u): not decoded",
				       m.version, PKTMON_META_VERSION);
		return;
	}

	__typeof__(&name_cache[0]) iface = frame_interface(pinfo);
	const char *component = iface ? iface->name : NULL;
	if (component && pt) {
		proto_item *pi = proto_tree_add_string(pt, hf_component_name, mtvb, 0, 0, component);
		proto_item_set_generated(pi);
	}
	const char *host = iface ? iface->host : NULL;
	if (host)
		proto_item_set_generated(proto_tree_add_string(pt, hf_host, mtvb, 0, 0, host));
	add_tlv_fields(pt, mtvb, tv, meta_hf, PKTMON_TLV_FLAGS);
	static const int *const flag_hfs[] = {
		&hf_flags, &hf_flag_dropped, &hf_flag_l2_synthesized, &hf_flag_paged_not_captured,
		&hf_flag_delivered_copy, NULL
	};
	/* The bitmask formats its flags' text even where the items are not kept: only when in use. */
	if (pt && has_tlv(tv, PKTMON_TLV_FLAGS) && any_referenced(pt, flag_hfs)) {
		static int *const flag_fields[] = {
			&hf_flag_dropped, &hf_flag_l2_synthesized, &hf_flag_paged_not_captured,
			&hf_flag_delivered_copy, NULL
		};
		proto_tree_add_bitmask(pt, mtvb, tv->value_off[PKTMON_TLV_FLAGS], hf_flags, ett_flags, flag_fields,
				       ENC_LITTLE_ENDIAN);
	}
	if (tv->unknown_count)
		add_unknown_tlvs(sub, mtvb, pinfo, ti, tv);
	if (m.status != PKTMON_META_OK)
		report_malformed(pinfo, ti, "pktmon metadata", m.status, m.error_offset, m.error_type,
				 tv->bad_length_count);

	/* The strings serve drops only (the expert info, the Info prefix, the path, the tap). */
	const char *reason = dropped ? tlv_string(pinfo, mtvb, tv, PKTMON_TLV_DROP_REASON) : NULL;

	/* Freed with a drop reason after a copy reached a socket (a raw socket's clone): not a loss. */
	gboolean delivered = dropped && has_tlv(tv, PKTMON_TLV_FLAGS) && (tv->flags & PKTMON_FLAG_DELIVERED_COPY);
	const char *why = NULL;
	if (has_tlv(tv, PKTMON_TLV_WHY)) {
		char wbuf[96];
		why = wmem_strdup(pinfo->pool, pktmon_why_text(tv, wbuf, sizeof(wbuf)));
		proto_item_set_generated(proto_tree_add_string(pt, hf_why_text, mtvb, 0, 0, why));
		expert_add_info_format(pinfo, ti, &ei_why, "What the kernel did next: %s", why);
		col_prepend_fstr(pinfo->cinfo, COL_INFO, "[%s] ", why);
		refresh_info_field(pinfo, tree);
	}

	if (delivered) {
		const char *symbol = tlv_string(pinfo, mtvb, tv, PKTMON_TLV_DROP_SYMBOL);
		const char *r = (reason && *reason) ? reason : "unknown reason";
		/* not pktmon.dropped: that filter selects losses */
		proto_item_set_generated(proto_tree_add_boolean(pt, hf_delivered_copy, mtvb, 0, 0, TRUE));
		expert_add_info_format(pinfo, ti, &ei_drop_copy,
				       "Freed as %s at %s, but a copy reached a socket: not a loss", r,
				       symbol && *symbol ? symbol : "?");
		col_prepend_fstr(pinfo->cinfo, COL_INFO, "[FREED %s, a copy was delivered] ", r);
		refresh_info_field(pinfo, tree);
	} else if (dropped) {
		const char *symbol = tlv_string(pinfo, mtvb, tv, PKTMON_TLV_DROP_SYMBOL);
		/* Added only on drops, so that the filter "pktmon.dropped" selects drops. */
		proto_item *pi = proto_tree_add_boolean(pt, hf_dropped, mtvb, 0, 0, TRUE);
		proto_item_set_generated(pi);
		const char *r = (reason && *reason) ? reason : "unknown reason";
		if (symbol && *symbol)
			expert_add_info_format(pinfo, ti, &ei_drop, "Packet dropped: %s at %s", r, symbol);
		else if (has_tlv(tv, PKTMON_TLV_DROP_LOCATION))
			expert_add_info_format(pinfo, ti, &ei_drop, "Packet dropped: %s at 0x%" PRIx64, r,
					       tv->drop_location);
		else
			expert_add_info_format(pinfo, ti, &ei_drop, "Packet dropped: %s", r);
		/* the nftables rule that dropped it: [DROP NETFILTER_DROP inet filter input #4 "block ping"] */
		const char *nf_table = tlv_string(pinfo, mtvb, tv, PKTMON_TLV_NF_TABLE);
		if (nf_table) {
			const char *chain = tlv_string(pinfo, mtvb, tv, PKTMON_TLV_NF_CHAIN);
			const char *comment = tlv_string(pinfo, mtvb, tv, PKTMON_TLV_NF_RULE_COMMENT);
			char where[64] = "policy";
			if (tv->nf_rule_handle)
				snprintf(where, sizeof(where), "#%" PRIu64, tv->nf_rule_handle);
			col_prepend_fstr(pinfo->cinfo, COL_INFO, "[DROP %s %s %s %s%s%s%s] ", r, nf_table,
					 chain ? chain : "?", where, comment ? " \"" : "", comment ? comment : "",
					 comment ? "\"" : "");
			if (comment)
				expert_add_info_format(pinfo, ti, &ei_drop, "Dropped by nftables rule %s %s %s \"%s\"",
						       nf_table, chain ? chain : "?", where, comment);
			else
				expert_add_info_format(pinfo, ti, &ei_drop, "Dropped by nftables rule %s %s %s", nf_table,
						       chain ? chain : "?", where);
		} else {
			col_prepend_fstr(pinfo->cinfo, COL_INFO, "[DROP %s] ", r);
		}
		refresh_info_field(pinfo, tree);
	}

	if (ti && shown) {
		proto_item_append_text(ti, ": %s", component ? component : "?");
		if (has_tlv(tv, PKTMON_TLV_DIRECTION))
			proto_item_append_text(ti, " %s", val_to_str_const(tv->direction, direction_vals, "?"));
		if (has_tlv(tv, PKTMON_TLV_PKT_GROUP_ID))
			proto_item_append_text(ti, ", packet %" PRIu64, tv->pkt_group_id);
		if (has_tlv(tv, PKTMON_TLV_APPEARANCE))
			proto_item_append_text(ti, " #%u", tv->appearance);
		if (delivered)
			proto_item_append_text(ti, ", freed (%s), a copy was delivered", reason ? reason : "?");
		else if (dropped)
			proto_item_append_text(ti, ", DROPPED (%s)", reason ? reason : "?");
		if (why)
			proto_item_append_text(ti, ", %s", why);
	}

	if (has_tlv(tv, PKTMON_TLV_PKT_GROUP_ID)) {
		if (!PINFO_FD_VISITED(pinfo)) {
			pktmon_hop_t hop;
			hop.next = 0;
			hop.frame = pinfo->num;
			hop.appearance = has_tlv(tv, PKTMON_TLV_APPEARANCE) ? tv->appearance : 0;
			if (component && !dropped && !why && iface->label) {
				hop.label = iface->label - 1; /* most frames: the interface's plain label */
			} else {
				pktmon_label_t l;
				char cbuf[32];
				if (!component)
					snprintf(cbuf, sizeof(cbuf), "component %u", tv->component_id);
				l.component = component ? component : intern_name(cbuf);
				l.dropped = dropped;
				l.reason = (dropped && reason) ? intern_name(reason) : NULL;
				l.why = why ? intern_name(why) : NULL;
				hop.label = label_intern(&l);
				if (component && !dropped && !why)
					iface->label = hop.label + 1;
			}
			path_add(tv->pkt_group_id, &hop);
		}
		add_path_items(pt, mtvb, pinfo, tv->pkt_group_id);
	}

	if (!have_tap_listener(pktmon_tap))
		return;
	pktmon_tap_info_t *info = wmem_new0(pinfo->pool, pktmon_tap_info_t);
	info->component = component ? component : wmem_strdup_printf(pinfo->pool, "component %u", tv->component_id);
	info->layer = has_tlv(tv, PKTMON_TLV_LAYER) ? tv->layer : PKTMON_LAYER_UNKNOWN;
	info->direction = has_tlv(tv, PKTMON_TLV_DIRECTION) ? tv->direction : PKTMON_DIR_UNKNOWN;
	info->dropped = dropped;
	info->reason = (reason && *reason) ? reason : "unknown reason";
	info->why = why;
	info->delivered_copy = delivered;
	if (has_tlv(tv, PKTMON_TLV_PKT_GROUP_ID)) {
		info->group = tv->pkt_group_id;
		info->prev_component = path_prev_component(tv->pkt_group_id, pinfo->num);
	}
	info->appearance = has_tlv(tv, PKTMON_TLV_APPEARANCE) ? tv->appearance : 0;
	tap_queue_packet(pktmon_tap, pinfo, info);
}

/* ------------------------------------------------------------------------ */
/* Rundown Custom Block. */

static void dissect_rundown(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
	guint len = tvb_captured_length(tvb);
	const guint8 *buf = len ? tvb_get_ptr(tvb, 0, len) : NULL;
	struct pktmon_rundown rd;
	struct pktmon_rundown_record *rec = wmem_new(pinfo->pool, struct pktmon_rundown_record);
	guint counts[PKTMON_REC_SESSION - PKTMON_REC_COMPONENT + 1] = { 0 };

	col_set_str(pinfo->cinfo, COL_PROTOCOL, "pktmon");
	col_set_str(pinfo->cinfo, COL_INFO, "pktmon session rundown");

	proto_item *ti = proto_tree_add_item(tree, proto_pktmon, tvb, 0, -1, ENC_NA);
	proto_item_append_text(ti, ": session rundown");
	proto_tree *pt = proto_item_add_subtree(ti, ett_rundown);

	enum pktmon_meta_status st = pktmon_rundown_open(buf, len, &rd);
	if (len < 8) {
		expert_add_info_format(pinfo, ti, &ei_malformed,
				       "Malformed pktmon rundown: %u bytes, the header needs 8", len);
		return;
	}
	proto_tree_add_item(pt, hf_rd_version, tvb, 0, 2, ENC_LITTLE_ENDIAN);
	proto_tree_add_item(pt, hf_rd_kind, tvb, 2, 2, ENC_LITTLE_ENDIAN);
	proto_tree_add_item(pt, hf_rd_records_len, tvb, 4, 4, ENC_LITTLE_ENDIAN);
	if (st == PKTMON_META_UNKNOWN_VERSION) {
		expert_add_info_format(pinfo, ti, &ei_unknown_version,
				       "Unknown pktmon rundown version %u (this plugin reads version %u): not decoded",
				       rd.version, PKTMON_RUNDOWN_VERSION);
		return;
	}
	if (st == PKTMON_META_UNKNOWN_KIND) {
		expert_add_info_format(pinfo, ti, &ei_unknown_version,
				       "Unknown pktmon rundown kind %u: not decoded", rd.kind);
		return;
	}
	if (st == PKTMON_META_TRUNCATED)
		expert_add_info_format(pinfo, ti, &ei_malformed,
				       "Malformed pktmon rundown: records length %u runs past the block (%u bytes left)",
				       rd.records_len, len - 8);

	while (pktmon_rundown_next(&rd, buf, len, rec)) {
		guint avail = len - (guint)rec->offset;
		guint span = 4u + rec->length < avail ? 4u + rec->length : avail;
		proto_item *ri = proto_tree_add_uint(pt, hf_rd_record, tvb, (gint)rec->offset, (gint)span, rec->type);
		proto_tree *rt = proto_item_add_subtree(ri, ett_record);

		if (avail >= 4)
			proto_tree_add_item(rt, hf_rd_record_len, tvb, (gint)rec->offset + 2, 2, ENC_LITTLE_ENDIAN);
		if (!rec->known && rec->status == PKTMON_META_OK) {
			expert_add_info_format(pinfo, ri, &ei_unknown_record,
					       "Unknown pktmon rundown record type 0x%04x (%u bytes) skipped", rec->type,
					       rec->length);
			continue;
		}
		if (rec->known)
			counts[rec->type - PKTMON_REC_COMPONENT]++;
		add_tlv_fields(rt, tvb, &rec->tlv, rundown_hf, G_MAXUINT);
		add_unknown_tlvs(rt, tvb, pinfo, ri, &rec->tlv);
		if (rec->status != PKTMON_META_OK)
			report_malformed(pinfo, ri, "pktmon rundown record", rec->status, rec->error_offset,
					 rec->error_type, rec->tlv.bad_length_count);

		/* A one-line summary on the record, as the GUI shows it collapsed. */
		const struct pktmon_tlvs *tv = &rec->tlv;
		const char *name;
		switch (rec->type) {
		case PKTMON_REC_COMPONENT:
			name = tlv_string(pinfo, tvb, tv, PKTMON_TLV_NAME);
			proto_item_append_text(ri, ": %u %s", tv->component_id, name ? name : "");
			break;
		case PKTMON_REC_COUNTERS:
			proto_item_append_text(ri, ": component %u rx %" PRIu64 " tx %" PRIu64 " drops %" PRIu64
					       " lost %" PRIu64, tv->component_id, tv->rx_pkts, tv->tx_pkts,
					       tv->drops, tv->lost);
			break;
		case PKTMON_REC_DROP_COUNT:
			name = tlv_string(pinfo, tvb, tv, PKTMON_TLV_DROP_REASON);
			proto_item_append_text(ri, ": component %u %s x %" PRIu64, tv->component_id,
					       name ? name : "?", tv->count);
			break;
		case PKTMON_REC_FILTER:
			name = tlv_string(pinfo, tvb, tv, PKTMON_TLV_FILTER_TEXT);
			proto_item_append_text(ri, ": %u %s", tv->filter_index, name ? name : "");
			break;
		case PKTMON_REC_CAPTURE_FILTER:
			name = tlv_string(pinfo, tvb, tv, PKTMON_TLV_CAPTURE_FILTER);
			proto_item_append_text(ri, ": %s", name ? name : "");
			break;
		case PKTMON_REC_SESSION:
			name = tlv_string(pinfo, tvb, tv, PKTMON_TLV_SESSION_NAME);
			proto_item_append_text(ri, ": %s, %" PRIu64 " events written, %" PRIu64 " lost",
					       name ? name : "", tv->events_written, tv->events_lost);
			if (tv->events_missed)
				proto_item_append_text(ri, ", %" PRIu64 " missed by the kernel", tv->events_missed);
			break;
		default:
			break;
		}
	}
	col_add_fstr(pinfo->cinfo, COL_INFO,
		     "pktmon session rundown: %u components, %u filters, %u counters, %u drop counts",
		     counts[PKTMON_REC_COMPONENT - PKTMON_REC_COMPONENT], counts[PKTMON_REC_FILTER - PKTMON_REC_COMPONENT],
		     counts[PKTMON_REC_COUNTERS - PKTMON_REC_COMPONENT],
		     counts[PKTMON_REC_DROP_COUNT - PKTMON_REC_COMPONENT]);
}

/* ------------------------------------------------------------------------ */

/* The metadata option of this packet record, or FALSE. */
static gboolean find_meta(packet_info *pinfo, meta_find_t *f)
{
	if (!pinfo->rec || pinfo->rec->rec_type != REC_TYPE_PACKET || !pinfo->rec->block)
		return FALSE;
	f->found = FALSE;
	wtap_block_foreach_option(pinfo->rec->block, find_meta_option, f);
	/* pcapng option values are at most 65535 bytes; never trust more. */
	return f->found && f->len <= G_MAXUINT16 && (f->len == 0 || f->data != NULL);
}

static int dissect_pktmon(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
	if (!pinfo->rec)
		return 0;

	if (pinfo->rec->rec_type == REC_TYPE_CUSTOM_BLOCK) {
		/* Where the frame dissector hands custom blocks to us, it has done so already. */
		if (rundown_by_block_table || pinfo->rec->rec_header.custom_block_header.pen != PKTMON_PEN)
			return 0;
		dissect_rundown(tvb, pinfo, tree);
		return tvb_captured_length(tvb);
	}

	meta_find_t f = { FALSE, NULL, 0 };
	if (!find_meta(pinfo, &f))
		return 0;
	dissect_meta(tvb, pinfo, tree, f.data, f.len);
	return tvb_captured_length(tvb);
}

/*
 * From Wireshark 4.4 the frame dissector copies the columns into the _ws.col.* fields before it calls
 * postdissectors, so the rundown's Protocol and Info would be missing from `-e _ws.col.info`,
 * `-Y '_ws.col.info contains ...'` and column-based colouring rules. The same releases hand custom
 * blocks to a table keyed by PEN (pcapng_custom_block) before that copy: there the rundown is ours.
 */
static int dissect_rundown_block(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
	dissect_rundown(tvb, pinfo, tree);
	return tvb_captured_length(tvb);
}

/* ------------------------------------------------------------------------ */
/* Stats tree: tshark -z pktmon,tree */

static int st_node_components = -1;
static int st_node_directions = -1;
static int st_node_layers = -1;
static int st_node_reasons = -1;
static int st_node_drop_components = -1;

static const char st_components[] = "Observations by component";
static const char st_directions[] = "Observations by direction";
static const char st_layers[] = "Observations by layer";
static const char st_reasons[] = "Drops by reason";
static const char st_drop_components[] = "Drops by component";

static void pktmon_stats_init(stats_tree *st)
{
	st_node_components = stats_tree_create_node(st, st_components, 0, STAT_DT_INT, TRUE);
	st_node_directions = stats_tree_create_node(st, st_directions, 0, STAT_DT_INT, TRUE);
	st_node_layers = stats_tree_create_node(st, st_layers, 0, STAT_DT_INT, TRUE);
	st_node_reasons = stats_tree_create_node(st, st_reasons, 0, STAT_DT_INT, TRUE);
	st_node_drop_components = stats_tree_create_node(st, st_drop_components, 0, STAT_DT_INT, TRUE);
}

static tap_packet_status pktmon_stats_packet(stats_tree *st, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
					     const void *p, tap_flags_t flags _U_)
{
	const pktmon_tap_info_t *info = (const pktmon_tap_info_t *)p;

	tick_stat_node(st, st_components, 0, TRUE);
	tick_stat_node(st, info->component, st_node_components, FALSE);
	tick_stat_node(st, st_directions, 0, TRUE);
	tick_stat_node(st, val_to_str_const(info->direction, direction_vals, "unknown"), st_node_directions, FALSE);
	tick_stat_node(st, st_layers, 0, TRUE);
	tick_stat_node(st, val_to_str_const(info->layer, layer_vals, "unknown"), st_node_layers, FALSE);
	if (info->dropped && !info->delivered_copy) { /* a delivered copy is no loss */
		tick_stat_node(st, st_reasons, 0, TRUE);
		tick_stat_node(st, info->reason, st_node_reasons, FALSE);
		tick_stat_node(st, st_drop_components, 0, TRUE);
		tick_stat_node(st, info->component, st_node_drop_components, FALSE);
	}
	return TAP_PACKET_REDRAW;
}

/* ------------------------------------------------------------------------ */
/* Registration. */

static void proto_register_pktmon(void)
{
	static hf_register_info hf[] = {
		{ &hf_version, { "Version", "pktmon.version", FT_UINT8, BASE_DEC, NULL, 0x0,
				 "Metadata format version", HFILL } },
		{ &hf_component_id, { "Component ID", "pktmon.component_id", FT_UINT32, BASE_DEC, NULL, 0x0,
				      "pktmon component (observation point) id", HFILL } },
		{ &hf_component_name, { "Component", "pktmon.component_name", FT_STRING, BASE_NONE, NULL, 0x0,
					"Component name (the pcapng interface name of this frame)", HFILL } },
		{ &hf_host, { "Host", "pktmon.host", FT_STRING, BASE_NONE, NULL, 0x0,
			      "The host the capture came from (the end of this frame's interface description)", HFILL } },
		{ &hf_layer, { "Layer", "pktmon.layer", FT_UINT8, BASE_DEC, VALS(layer_vals), 0x0,
			       "Where in the stack the packet was observed", HFILL } },
		{ &hf_direction, { "Direction", "pktmon.direction", FT_UINT8, BASE_DEC, VALS(direction_vals), 0x0,
				   NULL, HFILL } },
		{ &hf_pkt_group_id, { "Packet group ID", "pktmon.pkt_group_id", FT_UINT64, BASE_DEC, NULL, 0x0,
				      "Same value at every component the packet crosses", HFILL } },
		{ &hf_appearance, { "Appearance", "pktmon.appearance", FT_UINT32, BASE_DEC, NULL, 0x0,
				    "1 at first sighting, then 2, 3, ... along the path", HFILL } },
		{ &hf_dropped, { "Dropped", "pktmon.dropped", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
				 "Present only on drops", HFILL } },
		{ &hf_drop_reason, { "Drop reason", "pktmon.drop_reason", FT_STRING, BASE_NONE, NULL, 0x0,
				     "Kernel enum skb_drop_reason name without SKB_DROP_REASON_", HFILL } },
		{ &hf_drop_reason_code, { "Drop reason code", "pktmon.drop_reason_code", FT_UINT32, BASE_DEC, NULL,
					  0x0, "Value on the capturing kernel (differs between kernels)", HFILL } },
		{ &hf_drop_location, { "Drop location", "pktmon.drop_location", FT_UINT64, BASE_HEX, NULL, 0x0,
				       "Kernel address that freed the packet", HFILL } },
		{ &hf_drop_symbol, { "Drop symbol", "pktmon.drop_symbol", FT_STRING, BASE_NONE, NULL, 0x0,
				     "symbol+0xoffset of the drop location", HFILL } },
		{ &hf_nf_table, { "nftables table", "pktmon.nf.table", FT_STRING, BASE_NONE, NULL, 0x0,
				  "Family and table of the rule that dropped the packet", HFILL } },
		{ &hf_nf_chain, { "nftables chain", "pktmon.nf.chain", FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
		{ &hf_nf_rule_handle, { "nftables rule handle", "pktmon.nf.rule_handle", FT_UINT64, BASE_DEC, NULL, 0x0,
					"0: the chain's policy dropped it", HFILL } },
		{ &hf_nf_rule, { "nftables rule", "pktmon.nf.rule", FT_STRING, BASE_NONE, NULL, 0x0,
				 "The rule as nft -a list prints it", HFILL } },
		{ &hf_nf_rule_comment, { "nftables rule comment", "pktmon.nf.rule_comment", FT_STRING, BASE_NONE, NULL,
					 0x0, NULL, HFILL } },
		{ &hf_ifindex, { "Interface index", "pktmon.ifindex", FT_UINT32, BASE_DEC, NULL, 0x0, NULL,
				 HFILL } },
		{ &hf_netns, { "Network namespace", "pktmon.netns", FT_UINT32, BASE_DEC, NULL, 0x0,
			       "Network namespace inode number", HFILL } },
		{ &hf_cpu, { "CPU", "pktmon.cpu", FT_UINT32, BASE_DEC, NULL, 0x0, NULL, HFILL } },
		{ &hf_flags, { "Flags", "pktmon.flags", FT_UINT32, BASE_HEX, NULL, 0x0, NULL, HFILL } },
		{ &hf_flag_dropped, { "Dropped", "pktmon.flags.dropped", FT_BOOLEAN, 32, NULL,
				      PKTMON_FLAG_DROPPED, NULL, HFILL } },
		{ &hf_flag_l2_synthesized, { "L2 header synthesized", "pktmon.l2_synthesized", FT_BOOLEAN, 32, NULL,
					     PKTMON_FLAG_L2_SYNTHESIZED,
					     "The Ethernet header was made up (zero MAC addresses)", HFILL } },
		{ &hf_flag_paged_not_captured, { "Paged data not captured", "pktmon.paged_not_captured", FT_BOOLEAN,
						 32, NULL, PKTMON_FLAG_PAGED_NOT_CAPTURED,
						 "The skb's paged data was not reachable", HFILL } },
		{ &hf_nf_family, { "Netfilter family", "pktmon.nf_family", FT_UINT8, BASE_DEC, VALS(nf_family_vals),
				   0x0, NULL, HFILL } },
		{ &hf_flag_delivered_copy, { "Delivered copy", "pktmon.flags.delivered_copy", FT_BOOLEAN, 32, NULL,
					     PKTMON_FLAG_DELIVERED_COPY,
					     "Freed with a drop reason, but a copy reached a socket", HFILL } },
		{ &hf_delivered_copy, { "A copy reached a socket (not a loss)", "pktmon.delivered_copy", FT_BOOLEAN,
					BASE_NONE, NULL, 0x0,
					"Freed with a drop reason after a copy of it reached a socket", HFILL } },
		{ &hf_why, { "What the kernel did next", "pktmon.why", FT_UINT8, BASE_DEC, VALS(why_vals), 0x0,
			     "The kind of why point: an ICMP error, a TCP reset or retransmission, a full queue",
			     HFILL } },
		{ &hf_why_text, { "What the kernel did next", "pktmon.why_text", FT_STRING, BASE_NONE, NULL, 0x0,
				  "e.g. ICMP port unreachable sent", HFILL } },
		{ &hf_icmp_type, { "ICMP type sent", "pktmon.icmp.type", FT_UINT8, BASE_DEC, NULL, 0x0,
				   "Type of the ICMP (ICMPv6) error the kernel sent about this packet", HFILL } },
		{ &hf_icmp_code, { "ICMP code sent", "pktmon.icmp.code", FT_UINT8, BASE_DEC, NULL, 0x0,
				   "Code of the ICMP (ICMPv6) error the kernel sent about this packet", HFILL } },
		{ &hf_tcp_state, { "TCP state", "pktmon.tcp_state", FT_UINT8, BASE_DEC, VALS(tcp_state_vals), 0x0,
				   "The socket's TCP state when it sent the reset or retransmitted", HFILL } },
		{ &hf_unknown_tlv, { "Unknown TLV", "pktmon.unknown_tlv", FT_UINT16, BASE_DEC, NULL, 0x0,
				     "TLV type this plugin does not know (skipped)", HFILL } },
		{ &hf_prev_frame, { "Previous observation", "pktmon.prev_frame", FT_FRAMENUM, BASE_NONE,
				    FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0x0,
				    "Frame of this packet at the previous component", HFILL } },
		{ &hf_next_frame, { "Next observation", "pktmon.next_frame", FT_FRAMENUM, BASE_NONE,
				    FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0x0,
				    "Frame of this packet at the next component (needs two passes)", HFILL } },
		{ &hf_path, { "Path", "pktmon.path", FT_STRING, BASE_NONE, NULL, 0x0,
			      "Components this packet crossed (so far, on a single pass)", HFILL } },

		{ &hf_rd_version, { "Rundown version", "pktmon.rundown.version", FT_UINT16, BASE_DEC, NULL, 0x0, NULL,
				    HFILL } },
		{ &hf_rd_kind, { "Rundown kind", "pktmon.rundown.kind", FT_UINT16, BASE_DEC, NULL, 0x0, NULL,
				 HFILL } },
		{ &hf_rd_records_len, { "Records length", "pktmon.rundown.records_length", FT_UINT32, BASE_DEC, NULL,
					0x0, NULL, HFILL } },
		{ &hf_rd_record, { "Record", "pktmon.rundown.record", FT_UINT16, BASE_HEX, VALS(record_vals), 0x0,
				   NULL, HFILL } },
		{ &hf_rd_record_len, { "Record length", "pktmon.rundown.record_length", FT_UINT16, BASE_DEC, NULL,
				       0x0, NULL, HFILL } },
		{ &hf_rd_component_id, { "Component ID", "pktmon.rundown.component_id", FT_UINT32, BASE_DEC, NULL,
					 0x0, NULL, HFILL } },
		{ &hf_rd_layer, { "Layer", "pktmon.rundown.layer", FT_UINT8, BASE_DEC, VALS(layer_vals), 0x0, NULL,
				  HFILL } },
		{ &hf_rd_direction, { "Direction", "pktmon.rundown.direction", FT_UINT8, BASE_DEC,
				      VALS(direction_vals), 0x0, NULL, HFILL } },
		{ &hf_rd_ifindex, { "Interface index", "pktmon.rundown.ifindex", FT_UINT32, BASE_DEC, NULL, 0x0,
				    NULL, HFILL } },
		{ &hf_rd_netns, { "Network namespace", "pktmon.rundown.netns", FT_UINT32, BASE_DEC, NULL, 0x0, NULL,
				  HFILL } },
		{ &hf_rd_nf_family, { "Netfilter family", "pktmon.rundown.nf_family", FT_UINT8, BASE_DEC,
				      VALS(nf_family_vals), 0x0, NULL, HFILL } },
		{ &hf_rd_name, { "Component name", "pktmon.rundown.name", FT_STRING, BASE_NONE, NULL, 0x0, NULL,
				 HFILL } },
		{ &hf_rd_ifname, { "Interface name", "pktmon.rundown.ifname", FT_STRING, BASE_NONE, NULL, 0x0, NULL,
				   HFILL } },
		{ &hf_rd_netns_name, { "Namespace name", "pktmon.rundown.netns_name", FT_STRING, BASE_NONE, NULL,
				       0x0, NULL, HFILL } },
		{ &hf_rd_interface_id, { "pcapng interface ID", "pktmon.rundown.interface_id", FT_UINT32, BASE_DEC,
					 NULL, 0x0, NULL, HFILL } },
		{ &hf_rd_filter_index, { "Filter index", "pktmon.rundown.filter_index", FT_UINT32, BASE_DEC, NULL,
					 0x0, NULL, HFILL } },
		{ &hf_rd_filter_name, { "Filter name", "pktmon.rundown.filter_name", FT_STRING, BASE_NONE, NULL, 0x0,
					NULL, HFILL } },
		{ &hf_rd_filter_text, { "Filter", "pktmon.rundown.filter_text", FT_STRING, BASE_NONE, NULL, 0x0,
					NULL, HFILL } },
		{ &hf_rd_capture_filter, { "Capture filter", "pktmon.rundown.capture_filter", FT_STRING, BASE_NONE,
					   NULL, 0x0, NULL, HFILL } },
		{ &hf_rd_rx_pkts, { "Rx packets", "pktmon.rundown.rx_pkts", FT_UINT64, BASE_DEC, NULL, 0x0, NULL,
				    HFILL } },
		{ &hf_rd_rx_bytes, { "Rx bytes", "pktmon.rundown.rx_bytes", FT_UINT64, BASE_DEC, NULL, 0x0, NULL,
				     HFILL } },
		{ &hf_rd_tx_pkts, { "Tx packets", "pktmon.rundown.tx_pkts", FT_UINT64, BASE_DEC, NULL, 0x0, NULL,
				    HFILL } },
		{ &hf_rd_tx_bytes, { "Tx bytes", "pktmon.rundown.tx_bytes", FT_UINT64, BASE_DEC, NULL, 0x0, NULL,
				     HFILL } },
		{ &hf_rd_drops, { "Drops", "pktmon.rundown.drops", FT_UINT64, BASE_DEC, NULL, 0x0, NULL, HFILL } },
		{ &hf_rd_lost, { "Lost events", "pktmon.rundown.lost", FT_UINT64, BASE_DEC, NULL, 0x0,
				 "Events the ring buffer could not take", HFILL } },
		{ &hf_rd_drop_reason, { "Drop reason", "pktmon.rundown.drop_reason", FT_STRING, BASE_NONE, NULL, 0x0,
					NULL, HFILL } },
		{ &hf_rd_drop_reason_code, { "Drop reason code", "pktmon.rundown.drop_reason_code", FT_UINT32,
					     BASE_DEC, NULL, 0x0, NULL, HFILL } },
		{ &hf_rd_count, { "Count", "pktmon.rundown.count", FT_UINT64, BASE_DEC, NULL, 0x0, NULL, HFILL } },
		{ &hf_rd_session_name, { "Session", "pktmon.rundown.session_name", FT_STRING, BASE_NONE, NULL, 0x0,
					 NULL, HFILL } },
		{ &hf_rd_start, { "Start", "pktmon.rundown.start", FT_ABSOLUTE_TIME, ABSOLUTE_TIME_UTC, NULL, 0x0,
				  NULL, HFILL } },
		{ &hf_rd_stop, { "Stop", "pktmon.rundown.stop", FT_ABSOLUTE_TIME, ABSOLUTE_TIME_UTC, NULL, 0x0, NULL,
				 HFILL } },
		{ &hf_rd_snaplen, { "Snapshot length", "pktmon.rundown.snaplen", FT_UINT32, BASE_DEC, NULL, 0x0,
				    "0 = whole packet", HFILL } },
		{ &hf_rd_capture_type, { "Capture type", "pktmon.rundown.capture_type", FT_UINT8, BASE_DEC,
					 VALS(capture_type_vals), 0x0, NULL, HFILL } },
		{ &hf_rd_events_written, { "Events written", "pktmon.rundown.events_written", FT_UINT64, BASE_DEC,
					   NULL, 0x0, NULL, HFILL } },
		{ &hf_rd_events_lost, { "Events lost", "pktmon.rundown.events_lost", FT_UINT64, BASE_DEC, NULL, 0x0,
					NULL, HFILL } },
		{ &hf_rd_events_missed, { "Events missed by the kernel", "pktmon.rundown.events_missed", FT_UINT64,
					  BASE_DEC, NULL, 0x0,
					  "Observations the kernel skipped: a pktmon program was already running on that CPU",
					  HFILL } },
		{ &hf_rd_kernel, { "Kernel", "pktmon.rundown.kernel", FT_STRING, BASE_NONE, NULL, 0x0, NULL,
				   HFILL } },
		{ &hf_rd_host, { "Host", "pktmon.rundown.host", FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
	};

	static gint *ett[] = { &ett_pktmon, &ett_flags, &ett_rundown, &ett_record };

	static ei_register_info ei[] = {
		{ &ei_malformed, { "pktmon.malformed", PI_MALFORMED, PI_ERROR, "Malformed pktmon metadata",
				   EXPFILL } },
		{ &ei_unknown_version, { "pktmon.unknown_version", PI_UNDECODED, PI_WARN,
					 "Unknown pktmon metadata version", EXPFILL } },
		{ &ei_unknown_tlv, { "pktmon.expert.unknown_tlv", PI_UNDECODED, PI_NOTE, "Unknown pktmon TLV",
				     EXPFILL } },
		{ &ei_unknown_record, { "pktmon.expert.unknown_record", PI_UNDECODED, PI_NOTE,
					"Unknown pktmon rundown record", EXPFILL } },
		{ &ei_drop, { "pktmon.expert.drop", PI_SEQUENCE, PI_WARN, "Packet dropped", EXPFILL } },
		{ &ei_drop_copy, { "pktmon.expert.delivered_copy", PI_SEQUENCE, PI_NOTE,
				   "Freed after a copy reached a socket", EXPFILL } },
		{ &ei_why, { "pktmon.expert.why", PI_SEQUENCE, PI_NOTE, "What the kernel did next", EXPFILL } },
	};

	proto_pktmon = proto_register_protocol("pktmon Packet Monitor metadata", "pktmon", "pktmon");
	proto_register_field_array(proto_pktmon, hf, array_length(hf));
	proto_register_subtree_array(ett, array_length(ett));
	expert_module_t *em = expert_register_protocol(proto_pktmon);
	expert_register_field_array(em, ei, array_length(ei));

	meta_hf[PKTMON_TLV_COMPONENT_ID] = &hf_component_id;
	meta_hf[PKTMON_TLV_LAYER] = &hf_layer;
	meta_hf[PKTMON_TLV_DIRECTION] = &hf_direction;
	meta_hf[PKTMON_TLV_PKT_GROUP_ID] = &hf_pkt_group_id;
	meta_hf[PKTMON_TLV_APPEARANCE] = &hf_appearance;
	meta_hf[PKTMON_TLV_DROP_REASON] = &hf_drop_reason;
	meta_hf[PKTMON_TLV_DROP_REASON_CODE] = &hf_drop_reason_code;
	meta_hf[PKTMON_TLV_DROP_LOCATION] = &hf_drop_location;
	meta_hf[PKTMON_TLV_DROP_SYMBOL] = &hf_drop_symbol;
	meta_hf[PKTMON_TLV_IFINDEX] = &hf_ifindex;
	meta_hf[PKTMON_TLV_NETNS] = &hf_netns;
	meta_hf[PKTMON_TLV_CPU] = &hf_cpu;
	meta_hf[PKTMON_TLV_FLAGS] = &hf_flags;
	meta_hf[PKTMON_TLV_NF_FAMILY] = &hf_nf_family;
	meta_hf[PKTMON_TLV_NF_TABLE] = &hf_nf_table;
	meta_hf[PKTMON_TLV_NF_CHAIN] = &hf_nf_chain;
	meta_hf[PKTMON_TLV_NF_RULE_HANDLE] = &hf_nf_rule_handle;
	meta_hf[PKTMON_TLV_NF_RULE] = &hf_nf_rule;
	meta_hf[PKTMON_TLV_NF_RULE_COMMENT] = &hf_nf_rule_comment;
	meta_hf[PKTMON_TLV_WHY] = &hf_why;
	meta_hf[PKTMON_TLV_ICMP_TYPE] = &hf_icmp_type;
	meta_hf[PKTMON_TLV_ICMP_CODE] = &hf_icmp_code;
	meta_hf[PKTMON_TLV_TCP_STATE] = &hf_tcp_state;

	rundown_hf[PKTMON_TLV_COMPONENT_ID] = &hf_rd_component_id;
	rundown_hf[PKTMON_TLV_LAYER] = &hf_rd_layer;
	rundown_hf[PKTMON_TLV_DIRECTION] = &hf_rd_direction;
	rundown_hf[PKTMON_TLV_IFINDEX] = &hf_rd_ifindex;
	rundown_hf[PKTMON_TLV_NETNS] = &hf_rd_netns;
	rundown_hf[PKTMON_TLV_NF_FAMILY] = &hf_rd_nf_family;
	rundown_hf[PKTMON_TLV_DROP_REASON] = &hf_rd_drop_reason;
	rundown_hf[PKTMON_TLV_DROP_REASON_CODE] = &hf_rd_drop_reason_code;
	rundown_hf[PKTMON_TLV_NAME] = &hf_rd_name;
	rundown_hf[PKTMON_TLV_IFNAME] = &hf_rd_ifname;
	rundown_hf[PKTMON_TLV_NETNS_NAME] = &hf_rd_netns_name;
	rundown_hf[PKTMON_TLV_INTERFACE_ID] = &hf_rd_interface_id;
	rundown_hf[PKTMON_TLV_FILTER_INDEX] = &hf_rd_filter_index;
	rundown_hf[PKTMON_TLV_FILTER_NAME] = &hf_rd_filter_name;
	rundown_hf[PKTMON_TLV_FILTER_TEXT] = &hf_rd_filter_text;
	rundown_hf[PKTMON_TLV_CAPTURE_FILTER] = &hf_rd_capture_filter;
	rundown_hf[PKTMON_TLV_RX_PKTS] = &hf_rd_rx_pkts;
	rundown_hf[PKTMON_TLV_RX_BYTES] = &hf_rd_rx_bytes;
	rundown_hf[PKTMON_TLV_TX_PKTS] = &hf_rd_tx_pkts;
	rundown_hf[PKTMON_TLV_TX_BYTES] = &hf_rd_tx_bytes;
	rundown_hf[PKTMON_TLV_DROPS] = &hf_rd_drops;
	rundown_hf[PKTMON_TLV_LOST] = &hf_rd_lost;
	rundown_hf[PKTMON_TLV_COUNT] = &hf_rd_count;
	rundown_hf[PKTMON_TLV_SESSION_NAME] = &hf_rd_session_name;
	rundown_hf[PKTMON_TLV_START_NS] = &hf_rd_start;
	rundown_hf[PKTMON_TLV_STOP_NS] = &hf_rd_stop;
	rundown_hf[PKTMON_TLV_SNAPLEN] = &hf_rd_snaplen;
	rundown_hf[PKTMON_TLV_CAPTURE_TYPE] = &hf_rd_capture_type;
	rundown_hf[PKTMON_TLV_EVENTS_WRITTEN] = &hf_rd_events_written;
	rundown_hf[PKTMON_TLV_EVENTS_LOST] = &hf_rd_events_lost;
	rundown_hf[PKTMON_TLV_EVENTS_MISSED] = &hf_rd_events_missed;
	rundown_hf[PKTMON_TLV_KERNEL] = &hf_rd_kernel;
	rundown_hf[PKTMON_TLV_HOST] = &hf_rd_host;

	name_map = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_str_hash, g_str_equal);

	pktmon_handle = create_dissector_handle(dissect_pktmon, proto_pktmon);
	register_postdissector(pktmon_handle);
	pktmon_tap = register_tap("pktmon");
	register_cleanup_routine(path_cleanup);
	pktmon_flow_register(proto_pktmon);
}

static void proto_reg_handoff_pktmon(void)
{
	/* Looked up at run time: the tables depend on the Wireshark release, not on our build. */
	if (find_dissector_table("pcapng_custom_block")) {
		dissector_add_uint("pcapng_custom_block", PKTMON_PEN,
				   create_dissector_handle(dissect_rundown_block, proto_pktmon));
		rundown_by_block_table = TRUE;
	}
	stats_tree_register_plugin("pktmon", "pktmon", "pktmon/Components and drops", 0, pktmon_stats_packet,
				   pktmon_stats_init, NULL);
}

void plugin_register(void)
{
	static proto_plugin plug;

	plug.register_protoinfo = proto_register_pktmon;
	plug.register_handoff = proto_reg_handoff_pktmon;
	proto_register_plugin(&plug);
}

#if PKTMON_WS_AT_LEAST(4, 2)
uint32_t plugin_describe(void)
{
	return WS_PLUGIN_DESC_DISSECTOR;
}
#endif
