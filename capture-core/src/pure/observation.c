/* SPDX-License-Identifier: MIT */
/* observation.c - see observation.h. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "observation.h"
#include "pcapng.h"
#include "tlv.h"

int pm_observation_encode_generic(struct pm_buf *block, struct pm_buf *meta, uint32_t if_id,
				  const struct pktmon_event *ev)
{
	bool dropped = ev->drop_reason != NULL;
	pm_buf_reset(meta);
	pktmon_meta_begin(meta);
	tlv_put_u32(meta, PKTMON_TLV_COMPONENT_ID, ev->component_id);
	tlv_put_u8(meta, PKTMON_TLV_LAYER, (uint8_t)ev->layer);
	tlv_put_u8(meta, PKTMON_TLV_DIRECTION, (uint8_t)ev->direction);
	tlv_put_u64(meta, PKTMON_TLV_PKT_GROUP_ID, ev->pkt_group_id);
	tlv_put_u32(meta, PKTMON_TLV_APPEARANCE, ev->appearance);
	if (ev->nf_family)
		tlv_put_u8(meta, PKTMON_TLV_NF_FAMILY, ev->nf_family);
	if (ev->ifindex)
		tlv_put_u32(meta, PKTMON_TLV_IFINDEX, ev->ifindex);
	tlv_put_u32(meta, PKTMON_TLV_NETNS, ev->netns);
	tlv_put_u32(meta, PKTMON_TLV_CPU, ev->cpu);
	tlv_put_u32(meta, PKTMON_TLV_FLAGS, ev->flags);
	if (ev->why) {
		tlv_put_u8(meta, PKTMON_TLV_WHY, ev->why);
		if (ev->why == PKTMON_WHY_ICMP_SENT || ev->why == PKTMON_WHY_ICMPV6_SENT) {
			tlv_put_u8(meta, PKTMON_TLV_ICMP_TYPE, ev->icmp_type);
			tlv_put_u8(meta, PKTMON_TLV_ICMP_CODE, ev->icmp_code);
		} else if (ev->tcp_state) {
			tlv_put_u8(meta, PKTMON_TLV_TCP_STATE, ev->tcp_state);
		}
	}
	char comment[512];
	if (dropped) {
		const char *sym = ev->drop_symbol ? ev->drop_symbol : "";
		tlv_put_str(meta, PKTMON_TLV_DROP_REASON, ev->drop_reason);
		tlv_put_u32(meta, PKTMON_TLV_DROP_REASON_CODE, ev->drop_reason_code);
		tlv_put_u64(meta, PKTMON_TLV_DROP_LOCATION, ev->drop_location);
		tlv_put_str(meta, PKTMON_TLV_DROP_SYMBOL, sym);
		/* the human fallback for readers without our plugin */
		snprintf(comment, sizeof(comment), "DROP %s at %s%s", ev->drop_reason, sym,
			 ev->flags & PKTMON_FLAG_DELIVERED_COPY ? " (a copy reached a socket: not a loss)" : "");
	}
	const struct pktmon_nf_rule *r = dropped ? ev->nf_rule : NULL;
	if (r) {
		tlv_put_str(meta, PKTMON_TLV_NF_TABLE, r->table);
		tlv_put_str(meta, PKTMON_TLV_NF_CHAIN, r->chain);
		tlv_put_u64(meta, PKTMON_TLV_NF_RULE_HANDLE, r->handle);
		if (r->rule)
			tlv_put_str(meta, PKTMON_TLV_NF_RULE, r->rule);
		if (r->comment)
			tlv_put_str(meta, PKTMON_TLV_NF_RULE_COMMENT, r->comment);
		size_t l = strlen(comment);
		snprintf(comment + l, sizeof(comment) - l, " by %s %s handle %llu%s%s%s", r->table ? r->table : "",
			 r->chain ? r->chain : "", (unsigned long long)r->handle, r->comment ? " \"" : "",
			 r->comment ? r->comment : "", r->comment ? "\"" : "");
	}
	if (meta->oom)
		return -1;
	struct pcapng_epb_opts o = {
		.has_flags = ev->direction != PKTMON_DIR_UNKNOWN,
		.flags = ev->direction == PKTMON_DIR_RX ? PCAPNG_EPB_FLAG_INBOUND : PCAPNG_EPB_FLAG_OUTBOUND,
		.has_dropcount = ev->missed_before != 0,
		.dropcount = ev->missed_before,
		.has_packetid = true,
		.packetid = ev->pkt_group_id,
		.comment = dropped ? comment : NULL,
		.custom = meta->data,
		.custom_len = meta->len,
		.custom_pen = PKTMON_PEN,
	};
	return pcapng_put_epb(block, if_id, ev->timestamp_ns, ev->data, ev->cap_len, ev->orig_len, &o);
}

/* Little-endian stores that advance the cursor (the file is little-endian on every host). */
static inline uint8_t *st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	return p + 2;
}

static inline uint8_t *st32(uint8_t *p, uint32_t v)
{
	return st16(st16(p, (uint16_t)v), (uint16_t)(v >> 16));
}

static inline uint8_t *st64(uint8_t *p, uint64_t v)
{
	return st32(st32(p, (uint32_t)v), (uint32_t)(v >> 32));
}

static inline uint8_t *tlv32(uint8_t *p, uint16_t type, uint32_t v)
{
	return st32(st16(st16(p, type), 4), v);
}

/*
 * The hot path: a flow observation, the bulk of a capture, laid out in one
 * go (sizes known up front, one reservation, direct stores), instead of one
 * checked append per field. Drops, rare and with strings, take the generic
 * path. test_observation.c checks both give the same bytes.
 */
uint32_t pm_observation_fast_size(const struct pktmon_event *ev)
{
	if (ev->drop_reason || ev->why) /* rare: drops and why points */
		return 0;
	if (ev->cap_len > ev->orig_len || ev->cap_len > PCAPNG_MAX_BLOCK_LEN || (ev->cap_len && !ev->data))
		return 0;
	bool has_flags = ev->direction != PKTMON_DIR_UNKNOWN;
	uint32_t capp = (ev->cap_len + 3u) & ~3u;
	uint32_t mlen = 2 + 8 + 5 + 5 + 12 + 8 + (ev->nf_family ? 5 : 0) + (ev->ifindex ? 8 : 0) + 8 + 8 + 8;
	uint32_t total = 28 + capp + (has_flags ? 8 : 0) + (ev->missed_before ? 12 : 0) + 12 +
			 4 + ((4 + mlen + 3u) & ~3u) + 4 + 4;
	return total > PCAPNG_MAX_BLOCK_LEN ? 0 : total;
}

int pm_observation_encode(struct pm_buf *block, struct pm_buf *meta, uint32_t if_id, const struct pktmon_event *ev)
{
	if (ev->drop_reason || ev->why) /* rare: drops and why points */
		return pm_observation_encode_generic(block, meta, if_id, ev);
	uint32_t total = pm_observation_fast_size(ev);
	if (!total || !pm_buf_reserve(block, total))
		return -1;
	pm_observation_fast_write(block->data + block->len, total, if_id, ev);
	block->len += total;
	return 0;
}

void pm_observation_fast_write(uint8_t *p, uint32_t total, uint32_t if_id, const struct pktmon_event *ev)
{
	bool has_flags = ev->direction != PKTMON_DIR_UNKNOWN;
	uint32_t capp = (ev->cap_len + 3u) & ~3u;
	uint32_t mlen = 2 + 8 + 5 + 5 + 12 + 8 + (ev->nf_family ? 5 : 0) + (ev->ifindex ? 8 : 0) + 8 + 8 + 8;
	p = st32(p, PCAPNG_BT_EPB);
	p = st32(p, total);
	p = st32(p, if_id);
	p = st32(p, (uint32_t)(ev->timestamp_ns >> 32));
	p = st32(p, (uint32_t)ev->timestamp_ns);
	p = st32(p, ev->cap_len);
	p = st32(p, ev->orig_len);
	if (ev->cap_len)
		memcpy(p, ev->data, ev->cap_len);
	memset(p + ev->cap_len, 0, capp - ev->cap_len);
	p += capp;
	/* our option first: readers that walk the options (Wireshark's plugin) stop at it */
	p = st16(st16(p, PCAPNG_OPT_CUSTOM_BIN_COPY), (uint16_t)(4 + mlen));
	p = st32(p, PKTMON_PEN);
	uint8_t *m = p;
	*p++ = PKTMON_META_VERSION;
	*p++ = 0;
	p = tlv32(p, PKTMON_TLV_COMPONENT_ID, ev->component_id);
	p = st16(st16(p, PKTMON_TLV_LAYER), 1);
	*p++ = (uint8_t)ev->layer;
	p = st16(st16(p, PKTMON_TLV_DIRECTION), 1);
	*p++ = (uint8_t)ev->direction;
	p = st64(st16(st16(p, PKTMON_TLV_PKT_GROUP_ID), 8), ev->pkt_group_id);
	p = tlv32(p, PKTMON_TLV_APPEARANCE, ev->appearance);
	if (ev->nf_family) {
		p = st16(st16(p, PKTMON_TLV_NF_FAMILY), 1);
		*p++ = ev->nf_family;
	}
	if (ev->ifindex)
		p = tlv32(p, PKTMON_TLV_IFINDEX, ev->ifindex);
	p = tlv32(p, PKTMON_TLV_NETNS, ev->netns);
	p = tlv32(p, PKTMON_TLV_CPU, ev->cpu);
	p = tlv32(p, PKTMON_TLV_FLAGS, ev->flags);
	while ((p - m - 4) & 3) /* the option's value (PEN included) padded to 4 */
		*p++ = 0;
	if (has_flags)
		p = st32(st16(st16(p, PCAPNG_EPB_FLAGS), 4),
			 ev->direction == PKTMON_DIR_RX ? PCAPNG_EPB_FLAG_INBOUND : PCAPNG_EPB_FLAG_OUTBOUND);
	if (ev->missed_before)
		p = st64(st16(st16(p, PCAPNG_EPB_DROPCOUNT), 8), ev->missed_before);
	p = st64(st16(st16(p, PCAPNG_EPB_PACKETID), 8), ev->pkt_group_id);
	p = st32(p, 0); /* opt_endofopt */
	st32(p, total);
}
