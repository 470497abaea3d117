/* SPDX-License-Identifier: MIT */
/* observation.c - see observation.h. */
#include <stdio.h>

#include "observation.h"
#include "pcapng.h"
#include "tlv.h"

int pm_observation_encode(struct pm_buf *block, struct pm_buf *meta, uint32_t if_id, const struct pktmon_event *ev)
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
	char comment[256];
	if (dropped) {
		const char *sym = ev->drop_symbol ? ev->drop_symbol : "";
		tlv_put_str(meta, PKTMON_TLV_DROP_REASON, ev->drop_reason);
		tlv_put_u32(meta, PKTMON_TLV_DROP_REASON_CODE, ev->drop_reason_code);
		tlv_put_u64(meta, PKTMON_TLV_DROP_LOCATION, ev->drop_location);
		tlv_put_str(meta, PKTMON_TLV_DROP_SYMBOL, sym);
		/* the human fallback for readers without our plugin */
		snprintf(comment, sizeof(comment), "DROP %s at %s", ev->drop_reason, sym);
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
