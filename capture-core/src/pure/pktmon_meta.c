/* SPDX-License-Identifier: MIT */
/*
 * pktmon_meta.c - decoder for the pktmon pcapng metadata (docs/FORMAT.md).
 * Pure C (stdint/stddef/string.h, snprintf for texts): see pktmon_meta.h.
 */
#include "pktmon_meta.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "pktmon/pktmon_format.h"

/* All values are little-endian whatever the host (FORMAT.md). */
static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

enum vkind { V_NONE = 0, V_U8, V_U32, V_U64, V_STR };

/* Each known type: its value's kind and where it is stored (one table look-up a TLV: the plugin
 * decodes every frame). A type missing here is unknown (V_NONE). */
struct tlv_slot {
	uint8_t kind;
	uint16_t off; /* in struct pktmon_tlvs */
};
#define KIND_SIZE(k) ((k) == V_U8 ? 1u : (k) == V_U32 ? 4u : (k) == V_U64 ? 8u : sizeof(struct pktmon_meta_str))
/* the field's size must be its kind's: a mismatch does not compile (an array of size -1) */
#define SLOT(type, k, field)                                                                              \
	[type] = { (uint8_t)((k) + 0 * sizeof(char[sizeof(((struct pktmon_tlvs *)0)->field) == KIND_SIZE(k) ? 1 : -1])), \
		   (uint16_t)offsetof(struct pktmon_tlvs, field) }
_Static_assert(sizeof(struct pktmon_tlvs) <= UINT16_MAX, "tlv_slot.off is 16 bits");
static const struct tlv_slot tlv_slots[PKTMON_META_TLV_SLOTS] = {
	SLOT(PKTMON_TLV_LAYER, V_U8, layer),
	SLOT(PKTMON_TLV_DIRECTION, V_U8, direction),
	SLOT(PKTMON_TLV_NF_FAMILY, V_U8, nf_family),
	SLOT(PKTMON_TLV_CAPTURE_TYPE, V_U8, capture_type),
	SLOT(PKTMON_TLV_WHY, V_U8, why),
	SLOT(PKTMON_TLV_ICMP_TYPE, V_U8, icmp_type),
	SLOT(PKTMON_TLV_ICMP_CODE, V_U8, icmp_code),
	SLOT(PKTMON_TLV_TCP_STATE, V_U8, tcp_state),
	SLOT(PKTMON_TLV_COMPONENT_ID, V_U32, component_id),
	SLOT(PKTMON_TLV_APPEARANCE, V_U32, appearance),
	SLOT(PKTMON_TLV_DROP_REASON_CODE, V_U32, drop_reason_code),
	SLOT(PKTMON_TLV_IFINDEX, V_U32, ifindex),
	SLOT(PKTMON_TLV_NETNS, V_U32, netns),
	SLOT(PKTMON_TLV_CPU, V_U32, cpu),
	SLOT(PKTMON_TLV_FLAGS, V_U32, flags),
	SLOT(PKTMON_TLV_INTERFACE_ID, V_U32, interface_id),
	SLOT(PKTMON_TLV_FILTER_INDEX, V_U32, filter_index),
	SLOT(PKTMON_TLV_SNAPLEN, V_U32, snaplen),
	SLOT(PKTMON_TLV_PKT_GROUP_ID, V_U64, pkt_group_id),
	SLOT(PKTMON_TLV_DROP_LOCATION, V_U64, drop_location),
	SLOT(PKTMON_TLV_RX_PKTS, V_U64, rx_pkts),
	SLOT(PKTMON_TLV_RX_BYTES, V_U64, rx_bytes),
	SLOT(PKTMON_TLV_TX_PKTS, V_U64, tx_pkts),
	SLOT(PKTMON_TLV_TX_BYTES, V_U64, tx_bytes),
	SLOT(PKTMON_TLV_DROPS, V_U64, drops),
	SLOT(PKTMON_TLV_LOST, V_U64, lost),
	SLOT(PKTMON_TLV_COUNT, V_U64, count),
	SLOT(PKTMON_TLV_START_NS, V_U64, start_ns),
	SLOT(PKTMON_TLV_STOP_NS, V_U64, stop_ns),
	SLOT(PKTMON_TLV_EVENTS_WRITTEN, V_U64, events_written),
	SLOT(PKTMON_TLV_EVENTS_LOST, V_U64, events_lost),
	SLOT(PKTMON_TLV_EVENTS_MISSED, V_U64, events_missed),
	SLOT(PKTMON_TLV_NF_RULE_HANDLE, V_U64, nf_rule_handle),
	SLOT(PKTMON_TLV_DROP_REASON, V_STR, drop_reason),
	SLOT(PKTMON_TLV_DROP_SYMBOL, V_STR, drop_symbol),
	SLOT(PKTMON_TLV_NAME, V_STR, name),
	SLOT(PKTMON_TLV_IFNAME, V_STR, ifname),
	SLOT(PKTMON_TLV_NETNS_NAME, V_STR, netns_name),
	SLOT(PKTMON_TLV_FILTER_NAME, V_STR, filter_name),
	SLOT(PKTMON_TLV_FILTER_TEXT, V_STR, filter_text),
	SLOT(PKTMON_TLV_CAPTURE_FILTER, V_STR, capture_filter),
	SLOT(PKTMON_TLV_SESSION_NAME, V_STR, session_name),
	SLOT(PKTMON_TLV_KERNEL, V_STR, kernel),
	SLOT(PKTMON_TLV_HOST, V_STR, host),
	SLOT(PKTMON_TLV_NF_TABLE, V_STR, nf_table),
	SLOT(PKTMON_TLV_NF_CHAIN, V_STR, nf_chain),
	SLOT(PKTMON_TLV_NF_RULE, V_STR, nf_rule),
	SLOT(PKTMON_TLV_NF_RULE_COMMENT, V_STR, nf_rule_comment),
};
#undef SLOT
#undef KIND_SIZE

static enum vkind tlv_kind(unsigned t)
{
	return t < PKTMON_META_TLV_SLOTS ? (enum vkind)tlv_slots[t].kind : V_NONE;
}

int pktmon_tlv_has(const struct pktmon_tlvs *tlv, uint16_t t)
{
	if (t >= PKTMON_META_TLV_SLOTS)
		return 0;
	return (tlv->present[t / 64] >> (t % 64)) & 1;
}

/* Store one value whose length has been checked against its kind. */
static void store(struct pktmon_tlvs *tv, unsigned t, enum vkind k, const uint8_t *v, uint16_t vlen)
{
	uint8_t *to = (uint8_t *)tv + tlv_slots[t].off;
	if (k == V_U8) {
		*to = v[0];
	} else if (k == V_U32) {
		uint32_t x = get_le32(v);
		memcpy(to, &x, sizeof(x));
	} else if (k == V_U64) {
		uint64_t x = get_le64(v);
		memcpy(to, &x, sizeof(x));
	} else {
		struct pktmon_meta_str str = { (const char *)v, vlen };
		memcpy(to, &str, sizeof(str));
	}
}

struct tlv_result {
	enum pktmon_meta_status status;
	size_t error_offset;
	uint16_t error_type;
};

static void note_error(struct tlv_result *r, enum pktmon_meta_status s, size_t off, uint16_t type)
{
	/* Keep the first problem: later ones are often its consequence. */
	if (r->status == PKTMON_META_OK) {
		r->status = s;
		r->error_offset = off;
		r->error_type = type;
	}
}

/*
 * Decode the TLVs in buf[start, end). end <= the buffer's length is the
 * caller's promise; every TLV is checked against end.
 */
static struct tlv_result decode_tlvs(const uint8_t *buf, size_t start, size_t end, struct pktmon_tlvs *tv)
{
	struct tlv_result r = { PKTMON_META_OK, 0, 0 };
	size_t pos = start;

	while (pos < end) {
		if (end - pos < 4) {
			note_error(&r, PKTMON_META_TRUNCATED, pos, 0);
			break;
		}
		uint16_t t = get_le16(buf + pos);
		uint16_t vlen = get_le16(buf + pos + 2);
		if ((size_t)vlen > end - pos - 4) {
			note_error(&r, PKTMON_META_TRUNCATED, pos, t);
			break;
		}
		const uint8_t *v = buf + pos + 4;
		enum vkind k = tlv_kind(t);
		int ok;

		switch (k) {
		case V_U8: ok = vlen == 1; break;
		case V_U32: ok = vlen == 4; break;
		case V_U64: ok = vlen == 8; break;
		case V_STR: ok = 1; break;
		default: ok = 0; break;
		}
		if (k == V_NONE) {
			if (tv->unknown_count < PKTMON_META_MAX_UNKNOWN) {
				tv->unknown_type[tv->unknown_count] = t;
				tv->unknown_off[tv->unknown_count] = (uint32_t)pos;
				tv->unknown_len[tv->unknown_count] = vlen;
			}
			tv->unknown_count++;
		} else if (!ok) {
			/* The framing is intact, so we can go on after it. */
			tv->bad_length_count++;
			note_error(&r, PKTMON_META_BAD_LENGTH, pos, t);
		} else {
			store(tv, t, k, v, vlen);
			tv->present[t / 64] |= (uint64_t)1 << (t % 64);
			tv->value_off[t] = (uint32_t)(pos + 4);
			tv->value_len[t] = vlen;
		}
		pos += 4 + (size_t)vlen;
	}
	return r;
}

/* Offsets are stored as uint32_t: decode at most the first 4 GiB. */
static size_t clamp_len(size_t len)
{
	return len > UINT32_MAX ? (size_t)UINT32_MAX : len;
}

enum pktmon_meta_status pktmon_meta_decode(const uint8_t *buf, size_t len, struct pktmon_meta *m)
{
	/* All but the per-type offsets and lengths (768 bytes, read only where a type is present):
	 * the plugin decodes every frame and this clearing was a visible part of its time. */
	memset(m, 0, offsetof(struct pktmon_meta, tlv.value_off));
	memset(&m->tlv.component_id, 0, sizeof(*m) - offsetof(struct pktmon_meta, tlv.component_id));
	len = clamp_len(len);
	if (buf == NULL || len < 2) {
		m->status = PKTMON_META_TRUNCATED;
		m->error_offset = 0;
		return m->status;
	}
	m->version = buf[0];
	m->reserved = buf[1];
	if (m->version != PKTMON_META_VERSION) {
		m->status = PKTMON_META_UNKNOWN_VERSION;
		m->error_offset = 0;
		return m->status;
	}
	struct tlv_result r = decode_tlvs(buf, 2, len, &m->tlv);
	m->status = r.status;
	m->error_offset = r.error_offset;
	m->error_type = r.error_type;
	return m->status;
}

/* Rundown header: u16 version | u16 kind | u32 records length. */
#define RUNDOWN_HDR_LEN 8u

enum pktmon_meta_status pktmon_rundown_open(const uint8_t *buf, size_t len, struct pktmon_rundown *rd)
{
	memset(rd, 0, sizeof(*rd));
	len = clamp_len(len);
	if (buf == NULL || len < RUNDOWN_HDR_LEN) {
		rd->status = PKTMON_META_TRUNCATED;
		return rd->status;
	}
	rd->version = get_le16(buf);
	rd->kind = get_le16(buf + 2);
	rd->records_len = get_le32(buf + 4);
	rd->records_off = RUNDOWN_HDR_LEN;
	rd->pos = RUNDOWN_HDR_LEN;
	if (rd->version != PKTMON_RUNDOWN_VERSION) {
		rd->status = PKTMON_META_UNKNOWN_VERSION;
		rd->records_end = RUNDOWN_HDR_LEN; /* nothing to iterate */
		return rd->status;
	}
	if (rd->kind != PKTMON_RUNDOWN_KIND_SESSION) {
		rd->status = PKTMON_META_UNKNOWN_KIND;
		rd->error_offset = 2;
		rd->records_end = RUNDOWN_HDR_LEN;
		return rd->status;
	}
	if ((size_t)rd->records_len > len - RUNDOWN_HDR_LEN) {
		/* Decode the records that are there, and say the rest is missing. */
		rd->status = PKTMON_META_TRUNCATED;
		rd->error_offset = 4;
		rd->records_end = len;
	} else {
		rd->records_end = RUNDOWN_HDR_LEN + (size_t)rd->records_len;
	}
	return rd->status;
}

static int record_known(unsigned t)
{
	return t >= PKTMON_REC_COMPONENT && t <= PKTMON_REC_SESSION;
}

int pktmon_rundown_next(struct pktmon_rundown *rd, const uint8_t *buf, size_t len,
			struct pktmon_rundown_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	len = clamp_len(len);
	/* Never trust rd: the caller could pass a stale one with a shorter buffer. */
	size_t end = rd->records_end < len ? rd->records_end : len;

	if (buf == NULL || rd->pos >= end)
		return 0;
	rec->offset = rd->pos;
	if (end - rd->pos < 4) {
		rec->status = PKTMON_META_TRUNCATED;
		rec->error_offset = rd->pos;
		rd->pos = end;
		return 1;
	}
	rec->type = get_le16(buf + rd->pos);
	rec->length = get_le16(buf + rd->pos + 2);
	rec->known = record_known(rec->type);
	if ((size_t)rec->length > end - rd->pos - 4) {
		rec->status = PKTMON_META_TRUNCATED;
		rec->error_offset = rd->pos;
		rec->error_type = rec->type;
		/* Still decode the nested TLVs that are there, for display. */
		if (rec->known) {
			struct tlv_result r = decode_tlvs(buf, rd->pos + 4, end, &rec->tlv);
			(void)r;
		}
		rd->pos = end;
		return 1;
	}
	size_t vstart = rd->pos + 4;
	size_t vend = vstart + rec->length;
	if (rec->known) {
		struct tlv_result r = decode_tlvs(buf, vstart, vend, &rec->tlv);
		rec->status = r.status;
		rec->error_offset = r.error_offset;
		rec->error_type = r.error_type;
	}
	rd->pos = vend;
	return 1;
}

const char *pktmon_meta_layer_name(unsigned layer)
{
	switch (layer) {
	case PKTMON_LAYER_DEV_RX: return "dev rx";
	case PKTMON_LAYER_NF_PREROUTING: return "PREROUTING";
	case PKTMON_LAYER_NF_INPUT: return "INPUT";
	case PKTMON_LAYER_NF_FORWARD: return "FORWARD";
	case PKTMON_LAYER_NF_OUTPUT: return "OUTPUT";
	case PKTMON_LAYER_NF_POSTROUTING: return "POSTROUTING";
	case PKTMON_LAYER_SOCK_RX: return "socket rx";
	case PKTMON_LAYER_QDISC_ENQ: return "qdisc enqueue";
	case PKTMON_LAYER_QDISC_DEQ: return "qdisc dequeue";
	case PKTMON_LAYER_DEV_TX: return "dev tx";
	case PKTMON_LAYER_STACK: return "stack";
	case PKTMON_LAYER_NETFILTER: return "netfilter";
	case PKTMON_LAYER_ICMP_SEND: return "ICMP error sent";
	case PKTMON_LAYER_TCP_RESET: return "TCP reset sent";
	case PKTMON_LAYER_TCP_RETRANS: return "TCP retransmission";
	case PKTMON_LAYER_RCVQ_FULL: return "receive queue full";
	default: return "unknown";
	}
}

const char *pktmon_meta_direction_name(unsigned direction)
{
	switch (direction) {
	case PKTMON_DIR_RX: return "Rx";
	case PKTMON_DIR_TX: return "Tx";
	default: return "unknown";
	}
}

const char *pktmon_tlv_name(unsigned type)
{
	switch (type) {
	case PKTMON_TLV_COMPONENT_ID: return "COMPONENT_ID";
	case PKTMON_TLV_LAYER: return "LAYER";
	case PKTMON_TLV_DIRECTION: return "DIRECTION";
	case PKTMON_TLV_PKT_GROUP_ID: return "PKT_GROUP_ID";
	case PKTMON_TLV_APPEARANCE: return "APPEARANCE";
	case PKTMON_TLV_DROP_REASON: return "DROP_REASON";
	case PKTMON_TLV_DROP_REASON_CODE: return "DROP_REASON_CODE";
	case PKTMON_TLV_DROP_LOCATION: return "DROP_LOCATION";
	case PKTMON_TLV_DROP_SYMBOL: return "DROP_SYMBOL";
	case PKTMON_TLV_IFINDEX: return "IFINDEX";
	case PKTMON_TLV_NETNS: return "NETNS";
	case PKTMON_TLV_CPU: return "CPU";
	case PKTMON_TLV_FLAGS: return "FLAGS";
	case PKTMON_TLV_NF_FAMILY: return "NF_FAMILY";
	case PKTMON_TLV_WHY: return "WHY";
	case PKTMON_TLV_ICMP_TYPE: return "ICMP_TYPE";
	case PKTMON_TLV_ICMP_CODE: return "ICMP_CODE";
	case PKTMON_TLV_TCP_STATE: return "TCP_STATE";
	case PKTMON_TLV_NAME: return "NAME";
	case PKTMON_TLV_IFNAME: return "IFNAME";
	case PKTMON_TLV_NETNS_NAME: return "NETNS_NAME";
	case PKTMON_TLV_INTERFACE_ID: return "INTERFACE_ID";
	case PKTMON_TLV_FILTER_INDEX: return "FILTER_INDEX";
	case PKTMON_TLV_FILTER_NAME: return "FILTER_NAME";
	case PKTMON_TLV_FILTER_TEXT: return "FILTER_TEXT";
	case PKTMON_TLV_CAPTURE_FILTER: return "CAPTURE_FILTER";
	case PKTMON_TLV_RX_PKTS: return "RX_PKTS";
	case PKTMON_TLV_RX_BYTES: return "RX_BYTES";
	case PKTMON_TLV_TX_PKTS: return "TX_PKTS";
	case PKTMON_TLV_TX_BYTES: return "TX_BYTES";
	case PKTMON_TLV_DROPS: return "DROPS";
	case PKTMON_TLV_LOST: return "LOST";
	case PKTMON_TLV_COUNT: return "COUNT";
	case PKTMON_TLV_NF_TABLE: return "NF_TABLE";
	case PKTMON_TLV_NF_CHAIN: return "NF_CHAIN";
	case PKTMON_TLV_NF_RULE_HANDLE: return "NF_RULE_HANDLE";
	case PKTMON_TLV_NF_RULE: return "NF_RULE";
	case PKTMON_TLV_NF_RULE_COMMENT: return "NF_RULE_COMMENT";
	case PKTMON_TLV_SESSION_NAME: return "SESSION_NAME";
	case PKTMON_TLV_START_NS: return "START_NS";
	case PKTMON_TLV_STOP_NS: return "STOP_NS";
	case PKTMON_TLV_SNAPLEN: return "SNAPLEN";
	case PKTMON_TLV_CAPTURE_TYPE: return "CAPTURE_TYPE";
	case PKTMON_TLV_EVENTS_WRITTEN: return "EVENTS_WRITTEN";
	case PKTMON_TLV_EVENTS_LOST: return "EVENTS_LOST";
	case PKTMON_TLV_EVENTS_MISSED: return "EVENTS_MISSED";
	case PKTMON_TLV_KERNEL: return "KERNEL";
	case PKTMON_TLV_HOST: return "HOST";
	default: return "unknown";
	}
}

const char *pktmon_record_name(unsigned type)
{
	switch (type) {
	case PKTMON_REC_COMPONENT: return "COMPONENT";
	case PKTMON_REC_FILTER: return "FILTER";
	case PKTMON_REC_CAPTURE_FILTER: return "CAPTURE_FILTER";
	case PKTMON_REC_COUNTERS: return "COUNTERS";
	case PKTMON_REC_DROP_COUNT: return "DROP_COUNT";
	case PKTMON_REC_SESSION: return "SESSION";
	default: return "unknown";
	}
}

const char *pktmon_meta_status_name(enum pktmon_meta_status s)
{
	switch (s) {
	case PKTMON_META_OK: return "OK";
	case PKTMON_META_UNKNOWN_VERSION: return "unknown version";
	case PKTMON_META_UNKNOWN_KIND: return "unknown kind";
	case PKTMON_META_TRUNCATED: return "truncated";
	case PKTMON_META_BAD_LENGTH: return "bad length";
	default: return "invalid status";
	}
}

const char *pktmon_why_name(unsigned why)
{
	switch (why) {
	case PKTMON_WHY_ICMP_SENT: return "icmp-error";
	case PKTMON_WHY_ICMPV6_SENT: return "icmpv6-error";
	case PKTMON_WHY_TCP_RESET: return "tcp-reset";
	case PKTMON_WHY_TCP_RETRANS: return "tcp-retransmit";
	case PKTMON_WHY_RCVQ_FULL: return "rcvqueue-full";
	default: return "unknown";
	}
}

const char *pktmon_icmp_error_name(int v6, unsigned type, unsigned code)
{
	static const char *const unreach4[16] = {
		"net unreachable", "host unreachable", "protocol unreachable", "port unreachable",
		"fragmentation needed", "source route failed", "net unknown", "host unknown", NULL,
		"net prohibited", "host prohibited", "net unreachable for TOS", "host unreachable for TOS",
		"administratively prohibited", "host precedence violation", "precedence cutoff",
	};
	static const char *const unreach6[8] = {
		"no route", "administratively prohibited", "beyond scope of source address", "address unreachable",
		"port unreachable", "source address failed policy", "reject route", "error in source routing header",
	};
	if (!v6) {
		switch (type) {
		case 3: return code < 16 ? unreach4[code] : NULL;
		case 4: return "source quench";
		case 5: return "redirect";
		case 11: return code == 1 ? "fragment reassembly time exceeded" : "time exceeded";
		case 12: return "parameter problem";
		default: return NULL;
		}
	}
	switch (type) {
	case 1: return code < 8 ? unreach6[code] : NULL;
	case 2: return "packet too big";
	case 3: return code == 1 ? "fragment reassembly time exceeded" : "hop limit exceeded";
	case 4: return "parameter problem";
	default: return NULL;
	}
}

const char *pktmon_why_text(const struct pktmon_tlvs *tlv, char *buf, size_t len)
{
	if (len && !pktmon_tlv_has(tlv, PKTMON_TLV_WHY)) {
		buf[0] = 0;
		return buf;
	}
	return pktmon_why_describe(tlv->why, tlv->icmp_type, tlv->icmp_code, buf, len);
}

const char *pktmon_why_describe(unsigned why, unsigned icmp_type, unsigned icmp_code, char *buf, size_t len)
{
	if (!len)
		return buf;
	buf[0] = 0;
	int v6 = why == PKTMON_WHY_ICMPV6_SENT;
	switch (why) {
	case PKTMON_WHY_NONE: break;
	case PKTMON_WHY_ICMP_SENT:
	case PKTMON_WHY_ICMPV6_SENT: {
		const char *n = pktmon_icmp_error_name(v6, icmp_type, icmp_code);
		if (n)
			snprintf(buf, len, "%s %s sent", v6 ? "ICMPv6" : "ICMP", n);
		else
			snprintf(buf, len, "%s type %u code %u sent", v6 ? "ICMPv6" : "ICMP", icmp_type, icmp_code);
		break;
	}
	case PKTMON_WHY_TCP_RESET: snprintf(buf, len, "TCP reset sent"); break;
	case PKTMON_WHY_TCP_RETRANS: snprintf(buf, len, "TCP retransmission"); break;
	case PKTMON_WHY_RCVQ_FULL: snprintf(buf, len, "receive queue full"); break;
	default: snprintf(buf, len, "what the kernel did next: kind %u", why); break;
	}
	return buf;
}
