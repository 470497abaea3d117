/* SPDX-License-Identifier: MIT */
/*
 * rundown.c - the rundown written at the end of a pcapng file: the pktmon Custom
 * Block (session, filters, components, counters, drops) and one ISB per announced
 * interface. Pure: the session gathers what it says (session.c), this encodes it.
 */
#include "rundown.h"

#include "components.h"
#include "filter.h"
#include "pcapng.h"
#include "pktmon/pktmon.h"
#include "pktmon/pktmon_format.h"
#include "tlv.h"

static void put_component_tlvs(struct pm_buf *b, const struct pm_component *c)
{
	tlv_put_u32(b, PKTMON_TLV_COMPONENT_ID, c->id);
}

void pm_rundown_encode(struct pm_buf *out, const struct pm_rundown_info *s)
{
	struct pm_buf p = { 0 };
	size_t top = pktmon_rundown_begin(&p);
	size_t r = tlv_begin(&p, PKTMON_REC_SESSION);
	tlv_put_str(&p, PKTMON_TLV_SESSION_NAME, s->session_name);
	tlv_put_u64(&p, PKTMON_TLV_START_NS, s->start_ns);
	tlv_put_u64(&p, PKTMON_TLV_STOP_NS, s->stop_ns);
	tlv_put_u32(&p, PKTMON_TLV_SNAPLEN, s->snaplen);
	tlv_put_u8(&p, PKTMON_TLV_CAPTURE_TYPE, s->capture_type);
	tlv_put_u64(&p, PKTMON_TLV_EVENTS_WRITTEN, s->events_written);
	uint64_t lost = 0;
	for (size_t i = 0; i < s->ncomps; i++)
		lost += s->comps[i]->lost;
	tlv_put_u64(&p, PKTMON_TLV_EVENTS_LOST, lost);
	if (s->events_missed)
		tlv_put_u64(&p, PKTMON_TLV_EVENTS_MISSED, s->events_missed);
	tlv_put_str(&p, PKTMON_TLV_KERNEL, s->kernel);
	if (s->host)
		tlv_put_str(&p, PKTMON_TLV_HOST, s->host);
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
	if (s->capture_filter) {
		r = tlv_begin(&p, PKTMON_REC_CAPTURE_FILTER);
		tlv_put_str(&p, PKTMON_TLV_CAPTURE_FILTER, s->capture_filter);
		tlv_end(&p, r);
	}
	for (size_t i = 0; i < s->ncomps; i++) {
		const struct pm_component *c = s->comps[i];
		if (c->excluded)
			continue; /* --comp did not select it */
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
	for (size_t i = 0; i < s->ndrops; i++) {
		const struct pm_rundown_drop *d = &s->drops[i];
		r = tlv_begin(&p, PKTMON_REC_DROP_COUNT);
		tlv_put_u32(&p, PKTMON_TLV_COMPONENT_ID, d->component_id);
		tlv_put_str(&p, PKTMON_TLV_DROP_REASON, d->reason);
		tlv_put_u32(&p, PKTMON_TLV_DROP_REASON_CODE, d->reason_code);
		tlv_put_u64(&p, PKTMON_TLV_COUNT, d->count);
		tlv_end(&p, r);
	}
	pktmon_rundown_end(&p, top);
	pcapng_put_custom_block(out, PKTMON_PEN, p.data, p.len);
	pm_buf_free(&p);

	for (size_t i = 0; i < s->ncomps; i++) {
		const struct pm_component *c = s->comps[i];
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
