/* test_rundown.c - the end-of-capture rundown encoder against the dissector-side decoder. */
#include <linux/types.h>
#include <stdio.h>
#include <string.h>

#include "components.h"
#include "filter.h"
#include "pcapng.h"
#include "pktmon/pktmon.h"
#include "pktmon/pktmon_format.h"
#include "pktmon_meta.h"
#include "pm_buf.h"
#include "rundown.h"

#include "check.h"

static int str_is(struct pktmon_meta_str s, const char *want)
{
	return s.ptr && s.len == strlen(want) && !memcmp(s.ptr, want, s.len);
}

static struct pm_component *add(struct pm_components *t, __u8 layer, __u32 ifindex, const char *ifname)
{
	struct pm_comp_key k;
	memset(&k, 0, sizeof(k));
	k.layer = layer;
	k.netns = 4026531840u;
	k.ifindex = ifindex;
	bool created;
	return pm_components_add(t, &k, ifname, "host", &created);
}

static void test_rundown(void)
{
	struct pm_components comps;
	pm_components_init(&comps);
	struct pm_component *rx = add(&comps, PKTMON_LAYER_DEV_RX, 2, "eth0");
	struct pm_component *st = add(&comps, PKTMON_LAYER_STACK, 0, NULL);
	CHECK(rx && st);
	if (!rx || !st)
		return;
	rx->announced = true;
	rx->if_id = 0;
	rx->rx_pkts = 10;
	rx->rx_bytes = 1000;
	rx->lost = 3;
	st->drops = 4;
	struct pm_filter f[1];
	char why[128] = "";
	CHECK(pm_filter_parse_line("web: -t TCP -p 80", &f[0], why, sizeof(why)) == 0, "%s", why);
	struct pm_rundown_drop drops[1] = {
		{ .component_id = st->id, .reason_code = 2, .reason = "NOT_SPECIFIED", .count = 4 }
	};
	struct pm_rundown_info info = {
		.session_name = "test",
		.start_ns = 1000,
		.stop_ns = 2000,
		.snaplen = 128,
		.capture_type = 0,
		.events_written = 7,
		.events_missed = 2,
		.kernel = "6.8.0",
		.host = "hosta",
		.filters = f,
		.nfilters = 1,
		.capture_filter = "tcp",
		.comps = comps.items,
		.ncomps = comps.n,
		.drops = drops,
		.ndrops = 1,
	};
	struct pm_buf out = { 0 };
	pm_rundown_encode(&out, &info);
	CHECK(!out.oom && out.len > 12);

	/* the Custom Block, then one ISB for the one announced component */
	const uint8_t *b = out.data;
	CHECK(pm_get_le32(b) == PCAPNG_BT_CB_COPY);
	uint32_t cb_len = pm_get_le32(b + 4);
	CHECK(pm_get_le32(b + 8) == PKTMON_PEN);
	CHECK(cb_len < out.len);
	size_t isbs = 0;
	for (size_t off = cb_len; off + 12 <= out.len; off += pm_get_le32(out.data + off + 4)) {
		CHECK(pm_get_le32(out.data + off) == PCAPNG_BT_ISB);
		CHECK(pm_get_le32(out.data + off + 8) == rx->if_id);
		isbs++;
	}
	CHECK(isbs == 1, "%zu ISBs", isbs);

	const uint8_t *payload = b + 12;
	size_t plen = cb_len - 16; /* without header, PEN and trailing length (payload is padded) */
	struct pktmon_rundown rd;
	CHECK(pktmon_rundown_open(payload, plen, &rd) == PKTMON_META_OK);
	struct pktmon_rundown_record rec;
	unsigned seen[8] = { 0 };
	while (pktmon_rundown_next(&rd, payload, plen, &rec) == 1) {
		CHECK(rec.status == PKTMON_META_OK, "record %#x", rec.type);
		seen[rec.type & 7]++;
		const struct pktmon_tlvs *t = &rec.tlv;
		switch (rec.type) {
		case PKTMON_REC_SESSION:
			CHECK(str_is(t->session_name, "test"));
			CHECK(t->start_ns == 1000 && t->stop_ns == 2000 && t->snaplen == 128);
			CHECK(t->events_written == 7 && t->events_lost == 3);
			CHECK(pktmon_tlv_has(t, PKTMON_TLV_EVENTS_MISSED) && t->events_missed == 2);
			CHECK(str_is(t->kernel, "6.8.0"));
			CHECK(str_is(t->host, "hosta"));
			break;
		case PKTMON_REC_FILTER: CHECK(t->filter_index == 1 && str_is(t->filter_name, "web")); break;
		case PKTMON_REC_CAPTURE_FILTER: CHECK(str_is(t->capture_filter, "tcp")); break;
		case PKTMON_REC_COMPONENT:
			if (t->component_id == rx->id) {
				CHECK(str_is(t->ifname, "eth0") && t->ifindex == 2);
				CHECK(pktmon_tlv_has(t, PKTMON_TLV_INTERFACE_ID) && t->interface_id == 0);
			} else {
				CHECK(t->component_id == st->id && !pktmon_tlv_has(t, PKTMON_TLV_INTERFACE_ID));
			}
			CHECK(str_is(t->netns_name, "host"));
			break;
		case PKTMON_REC_COUNTERS:
			if (t->component_id == rx->id)
				CHECK(t->rx_pkts == 10 && t->rx_bytes == 1000 && t->lost == 3);
			else
				CHECK(t->drops == 4);
			break;
		case PKTMON_REC_DROP_COUNT:
			CHECK(t->component_id == st->id && t->drop_reason_code == 2 && t->count == 4);
			CHECK(str_is(t->drop_reason, "NOT_SPECIFIED"));
			break;
		default: CHECK(0, "unexpected record %#x", rec.type);
		}
	}
	CHECK(seen[PKTMON_REC_SESSION & 7] == 1 && seen[PKTMON_REC_FILTER & 7] == 1);
	CHECK(seen[PKTMON_REC_CAPTURE_FILTER & 7] == 1 && seen[PKTMON_REC_DROP_COUNT & 7] == 1);
	CHECK(seen[PKTMON_REC_COMPONENT & 7] == 2 && seen[PKTMON_REC_COUNTERS & 7] == 2);
	pm_buf_free(&out);
	pm_components_free(&comps);
}

int main(void)
{
	test_rundown();
	return check_summary();
}
