/* SPDX-License-Identifier: MIT */
/*
 * rundown.c - the rundown written at the end of a pcapng file: the pktmon Custom
 * Block (session, filters, components, counters, drops) and one ISB per interface.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "capture_event.h"
#include "capture.skel.h"
#include "components.h"
#include "drop_reasons.h"
#include "filter.h"
#include "kallsyms.h"
#include "netns.h"
#include "nf_fallback.h"
#include "nf_link.h"
#include "nft_owner_table.h"
#include "pcap_filter.h"
#include "observation.h"
#include "pcapng.h"
#include "pktmon/pktmon.h"
#include "session_internal.h"
#include "sink.h"
#include "tlv.h"

static void put_component_tlvs(struct pm_buf *b, const struct pm_component *c)
{
	tlv_put_u32(b, PKTMON_TLV_COMPONENT_ID, c->id);
}

/* The rundown Custom Block and one ISB per announced component. Caller holds s->lock. */
void pm_encode_trailer(pktmon_session *s, struct pm_buf *out)
{
	struct pm_buf p = { 0 };
	size_t top = pktmon_rundown_begin(&p);
	size_t r = tlv_begin(&p, PKTMON_REC_SESSION);
	struct utsname u;
	uname(&u);
	tlv_put_str(&p, PKTMON_TLV_SESSION_NAME, s->name);
	tlv_put_u64(&p, PKTMON_TLV_START_NS, s->start_ns);
	tlv_put_u64(&p, PKTMON_TLV_STOP_NS, s->stop_ns);
	tlv_put_u32(&p, PKTMON_TLV_SNAPLEN, s->opt.snaplen);
	tlv_put_u8(&p, PKTMON_TLV_CAPTURE_TYPE, (uint8_t)s->opt.type);
	tlv_put_u64(&p, PKTMON_TLV_EVENTS_WRITTEN, s->events_received - s->filtered_out - pm_events_not_written(s));
	uint64_t lost = 0;
	for (size_t i = 0; i < s->comps.n; i++)
		lost += s->comps.items[i]->lost;
	tlv_put_u64(&p, PKTMON_TLV_EVENTS_LOST, lost);
	tlv_put_str(&p, PKTMON_TLV_KERNEL, u.release);
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
	if (s->pcap) {
		r = tlv_begin(&p, PKTMON_REC_CAPTURE_FILTER);
		tlv_put_str(&p, PKTMON_TLV_CAPTURE_FILTER, pm_pcap_filter_expr(s->pcap));
		tlv_end(&p, r);
	}
	for (size_t i = 0; i < s->comps.n; i++) {
		const struct pm_component *c = s->comps.items[i];
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
	struct pm_drop_sum *d;
	size_t nd;
	if (pm_read_drop_counts(s, &d, &nd) == 0) {
		for (size_t i = 0; i < nd; i++) {
			struct pm_component *c = pm_component_for(s, &d[i].key.comp, NULL);
			if (!c)
				continue;
			char rbuf[32];
			r = tlv_begin(&p, PKTMON_REC_DROP_COUNT);
			put_component_tlvs(&p, c);
			tlv_put_str(&p, PKTMON_TLV_DROP_REASON, pm_reason_name(s, d[i].key.reason, rbuf, sizeof(rbuf)));
			tlv_put_u32(&p, PKTMON_TLV_DROP_REASON_CODE, d[i].key.reason);
			tlv_put_u64(&p, PKTMON_TLV_COUNT, d[i].count);
			tlv_end(&p, r);
		}
		free(d);
	}
	pktmon_rundown_end(&p, top);
	pcapng_put_custom_block(out, PKTMON_PEN, p.data, p.len);
	pm_buf_free(&p);

	for (size_t i = 0; i < s->comps.n; i++) {
		const struct pm_component *c = s->comps.items[i];
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
