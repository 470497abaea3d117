/* test_observation.c - an observation encoded as the session encodes it decodes, with
 * the dissector's decoder, to the same values; the EPB options stock tools read are right. */
#include <stdio.h>
#include <string.h>

#include "observation.h"
#include "pcapng.h"
#include "pktmon_meta.h"

#include "check.h"

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* The value of option `code` in the EPB at b (NULL if absent). */
static const uint8_t *epb_option(const uint8_t *b, size_t len, uint16_t code, uint16_t *olen)
{
	uint32_t total = le32(b + 4), caplen = le32(b + 20);
	size_t off = 28 + ((caplen + 3u) & ~3u);
	while (off + 4 <= total - 4 && off + 4 <= len) {
		uint16_t c = le16(b + off), l = le16(b + off + 2);
		if (c == 0)
			break;
		if (c == code) {
			*olen = l;
			return b + off + 4;
		}
		off += 4 + ((l + 3u) & ~3u);
	}
	return NULL;
}

int main(void)
{
	static const uint8_t frame[60] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00, 0x45 };
	struct pktmon_event ev = {
		.component_id = 7,
		.component_name = "ipv4 INPUT [netns b]",
		.layer = PKTMON_LAYER_NF_INPUT,
		.direction = PKTMON_DIR_RX,
		.nf_family = PKTMON_NF_IPV4,
		.pkt_group_id = 0x123456789aull,
		.appearance = 8,
		.timestamp_ns = 1763800000123456789ull,
		.ifindex = 3,
		.netns = 4026532245u,
		.cpu = 1,
		.flags = PKTMON_FLAG_DROPPED,
		.drop_reason = "NETFILTER_DROP",
		.drop_reason_code = 12,
		.drop_location = 0xffffffffc0a1b2c3ull,
		.drop_symbol = "nft_do_chain+0x46f",
		.data = frame,
		.cap_len = sizeof(frame),
		.orig_len = 84,
		.missed_before = 5,
	};
	struct pm_buf block = { 0 }, meta = { 0 };
	CHECK(pm_observation_encode(&block, &meta, 4, &ev) == 0, "encode");
	const uint8_t *b = block.data;
	CHECK(le32(b) == PCAPNG_BT_EPB && le32(b + 4) == block.len && le32(b + block.len - 4) == block.len, "EPB framing");
	CHECK(le32(b + 8) == 4, "interface id");
	uint64_t ts = (uint64_t)le32(b + 12) << 32 | le32(b + 16);
	CHECK(ts == ev.timestamp_ns, "timestamp");
	CHECK(le32(b + 20) == sizeof(frame) && le32(b + 24) == 84, "caplen/origlen");
	CHECK(!memcmp(b + 28, frame, sizeof(frame)), "data");
	uint16_t l;
	const uint8_t *v = epb_option(b, block.len, PCAPNG_EPB_FLAGS, &l);
	CHECK(v && l == 4 && le32(v) == PCAPNG_EPB_FLAG_INBOUND, "epb_flags inbound");
	v = epb_option(b, block.len, PCAPNG_EPB_PACKETID, &l);
	CHECK(v && l == 8 && le32(v) == 0x3456789a && le32(v + 4) == 0x12, "epb_packetid");
	v = epb_option(b, block.len, PCAPNG_EPB_DROPCOUNT, &l);
	CHECK(v && l == 8 && le32(v) == 5, "epb_dropcount");
	v = epb_option(b, block.len, PCAPNG_OPT_COMMENT, &l);
	CHECK(v && l == strlen("DROP NETFILTER_DROP at nft_do_chain+0x46f") &&
		      !memcmp(v, "DROP NETFILTER_DROP at nft_do_chain+0x46f", l), "comment");
	v = epb_option(b, block.len, PKTMON_PCAPNG_OPT_CUSTOM_BIN_COPY, &l);
	CHECK(v && l > 4 && le32(v) == PKTMON_PEN, "custom option with our PEN");
	if (v && l > 4) {
		struct pktmon_meta m;
		CHECK(pktmon_meta_decode(v + 4, l - 4u, &m) == PKTMON_META_OK, "decodes");
		const struct pktmon_tlvs *t = &m.tlv;
		CHECK(m.version == PKTMON_META_VERSION, "version");
		CHECK(t->component_id == 7 && t->layer == PKTMON_LAYER_NF_INPUT && t->direction == PKTMON_DIR_RX, "component");
		CHECK(t->pkt_group_id == ev.pkt_group_id && t->appearance == 8, "group/appearance");
		CHECK(t->nf_family == PKTMON_NF_IPV4 && t->ifindex == 3 && t->netns == ev.netns && t->cpu == 1, "where");
		CHECK(t->flags == PKTMON_FLAG_DROPPED, "flags");
		CHECK(t->drop_reason.len == 14 && !memcmp(t->drop_reason.ptr, "NETFILTER_DROP", 14), "reason");
		CHECK(t->drop_reason_code == 12 && t->drop_location == ev.drop_location, "reason code/location");
		CHECK(t->drop_symbol.len == 18 && !memcmp(t->drop_symbol.ptr, "nft_do_chain+0x46f", 18), "symbol");
		CHECK(t->unknown_count == 0 && t->bad_length_count == 0, "nothing unknown");
	}

	/* a NETFILTER_DROP that names its nftables rule: TLVs 0x60-0x64 and the comment say it */
	{
		const struct pktmon_nf_rule rule = { "inet filter", "input", 4,
						     "ip saddr 198.18.0.1 drop comment \"block ping\"", "block ping" };
		struct pktmon_event e = ev;
		e.nf_rule = &rule;
		struct pm_buf rb = { 0 }, rm = { 0 };
		CHECK(pm_observation_encode(&rb, &rm, 4, &e) == 0, "encode a drop with its rule");
		uint16_t rl;
		const uint8_t *rv = epb_option(rb.data, rb.len, PKTMON_PCAPNG_OPT_CUSTOM_BIN_COPY, &rl);
		struct pktmon_meta m;
		CHECK(rv && pktmon_meta_decode(rv + 4, rl - 4u, &m) == PKTMON_META_OK, "decodes");
		const struct pktmon_tlvs *t = &m.tlv;
		CHECK(t->nf_table.len == 11 && !memcmp(t->nf_table.ptr, "inet filter", 11), "table");
		CHECK(t->nf_chain.len == 5 && !memcmp(t->nf_chain.ptr, "input", 5), "chain");
		CHECK(pktmon_tlv_has(t, PKTMON_TLV_NF_RULE_HANDLE) && t->nf_rule_handle == 4, "handle");
		CHECK(t->nf_rule.len == strlen(rule.rule) && !memcmp(t->nf_rule.ptr, rule.rule, t->nf_rule.len), "rule");
		CHECK(t->nf_rule_comment.len == 10 && !memcmp(t->nf_rule_comment.ptr, "block ping", 10), "comment");
		CHECK(t->unknown_count == 0, "nothing unknown");
		const char *want = "DROP NETFILTER_DROP at nft_do_chain+0x46f by inet filter input handle 4 \"block ping\"";
		rv = epb_option(rb.data, rb.len, PCAPNG_OPT_COMMENT, &rl);
		CHECK(rv && rl == strlen(want) && !memcmp(rv, want, rl), "the EPB comment names the rule: %.*s",
		      rv ? (int)rl : 0, rv ? (const char *)rv : "");
		/* no rule text (built without libnftables), no comment: only what is known */
		const struct pktmon_nf_rule bare = { "ip filter", "INPUT", 7, NULL, NULL };
		e.nf_rule = &bare;
		pm_buf_reset(&rb);
		CHECK(pm_observation_encode(&rb, &rm, 4, &e) == 0, "encode a bare rule");
		rv = epb_option(rb.data, rb.len, PKTMON_PCAPNG_OPT_CUSTOM_BIN_COPY, &rl);
		CHECK(rv && pktmon_meta_decode(rv + 4, rl - 4u, &m) == PKTMON_META_OK && t->nf_rule_handle == 7 &&
			      !pktmon_tlv_has(t, PKTMON_TLV_NF_RULE) && !pktmon_tlv_has(t, PKTMON_TLV_NF_RULE_COMMENT),
		      "bare rule: table, chain, handle only");
		pm_buf_free(&rb);
		pm_buf_free(&rm);
	}

	/* a flow observation: no drop TLVs, no comment, no drop count, outbound */
	ev.drop_reason = NULL;
	ev.drop_symbol = NULL;
	ev.flags = PKTMON_FLAG_L2_SYNTHESIZED;
	ev.direction = PKTMON_DIR_TX;
	ev.missed_before = 0;
	pm_buf_reset(&block);
	CHECK(pm_observation_encode(&block, &meta, 0, &ev) == 0, "encode flow");
	b = block.data;
	CHECK(!epb_option(b, block.len, PCAPNG_OPT_COMMENT, &l), "no comment on flow");
	CHECK(!epb_option(b, block.len, PCAPNG_EPB_DROPCOUNT, &l), "no drop count when nothing was lost");
	v = epb_option(b, block.len, PCAPNG_EPB_FLAGS, &l);
	CHECK(v && le32(v) == PCAPNG_EPB_FLAG_OUTBOUND, "outbound");
	v = epb_option(b, block.len, PKTMON_PCAPNG_OPT_CUSTOM_BIN_COPY, &l);
	struct pktmon_meta m;
	CHECK(v && pktmon_meta_decode(v + 4, l - 4u, &m) == PKTMON_META_OK && !pktmon_tlv_has(&m.tlv, PKTMON_TLV_DROP_REASON) &&
		      m.tlv.flags == PKTMON_FLAG_L2_SYNTHESIZED, "flow metadata");

	/* the fast path gives the generic encoders' bytes, whatever the optional parts */
	{
		uint8_t big[64];
		for (size_t i = 0; i < sizeof(big); i++)
			big[i] = (uint8_t)(i * 7 + 1);
		struct pm_buf a = { 0 }, g = { 0 }, m2 = { 0 };
		int same = 0, cases = 0;
		for (uint32_t cap = 0; cap <= 9; cap++)
			for (int fam = 0; fam < 2; fam++)
				for (int ifx = 0; ifx < 2; ifx++)
					for (int miss = 0; miss < 2; miss++)
						for (int dir = 0; dir < 3; dir++) {
							struct pktmon_event e = ev;
							e.data = big;
							e.cap_len = cap;
							e.orig_len = 1500;
							e.nf_family = fam ? PKTMON_NF_IPV6 : 0;
							e.ifindex = ifx ? 0x01020304 : 0;
							e.missed_before = miss ? 0x1122334455667788ull : 0;
							e.direction = (enum pktmon_direction)dir;
							pm_buf_reset(&a);
							pm_buf_reset(&g);
							pm_buf_append(&a, "prefix!", 8); /* appends (after whole blocks), like the generic one */
							pm_buf_append(&g, "prefix!", 8);
							cases++;
							if (pm_observation_encode(&a, &m2, 9, &e) == 0 &&
							    pm_observation_encode_generic(&g, &m2, 9, &e) == 0 && a.len == g.len &&
							    !memcmp(a.data, g.data, a.len))
								same++;
							else if (same + 1 == cases)
								printf("first difference: cap %u fam %d ifx %d miss %d dir %d: len %zu vs %zu\n",
								       cap, fam, ifx, miss, dir, a.len, g.len);
						}
		CHECK(same == cases, "fast and generic encoders agree in %d of %d cases", same, cases);
		pm_buf_free(&a);
		pm_buf_free(&g);
		pm_buf_free(&m2);
	}

	/* why points: WHY, ICMP_TYPE/CODE or TCP_STATE, read back; no direction, no comment */
	{
		struct pktmon_event w = ev;
		w.layer = PKTMON_LAYER_ICMP_SEND;
		w.direction = PKTMON_DIR_UNKNOWN;
		w.nf_family = 0;
		w.orig_len = sizeof(frame);
		w.flags = 0;
		w.why = PKTMON_WHY_ICMP_SENT;
		w.icmp_type = 3;
		w.icmp_code = 3;
		struct pm_buf wb = { 0 }, wm = { 0 };
		CHECK(pm_observation_encode(&wb, &wm, 2, &w) == 0, "encode a why point");
		CHECK(!epb_option(wb.data, wb.len, PCAPNG_OPT_COMMENT, &l) &&
			      !epb_option(wb.data, wb.len, PCAPNG_EPB_FLAGS, &l),
		      "why point: no comment, no direction");
		v = epb_option(wb.data, wb.len, PKTMON_PCAPNG_OPT_CUSTOM_BIN_COPY, &l);
		struct pktmon_meta wmeta;
		char text[96];
		CHECK(v && pktmon_meta_decode(v + 4, l - 4u, &wmeta) == PKTMON_META_OK, "why point decodes");
		CHECK(pktmon_tlv_has(&wmeta.tlv, PKTMON_TLV_WHY) && wmeta.tlv.why == PKTMON_WHY_ICMP_SENT &&
			      wmeta.tlv.icmp_type == 3 && wmeta.tlv.icmp_code == 3 &&
			      !pktmon_tlv_has(&wmeta.tlv, PKTMON_TLV_TCP_STATE) &&
			      wmeta.tlv.layer == PKTMON_LAYER_ICMP_SEND,
		      "ICMP why TLVs");
		CHECK(!strcmp(pktmon_why_text(&wmeta.tlv, text, sizeof(text)), "ICMP port unreachable sent"), "text %s",
		      text);
		/* a reset: the socket's state, no ICMP TLVs */
		w.layer = PKTMON_LAYER_TCP_RESET;
		w.why = PKTMON_WHY_TCP_RESET;
		w.tcp_state = 1;
		pm_buf_reset(&wb);
		CHECK(pm_observation_encode(&wb, &wm, 2, &w) == 0, "encode a reset");
		v = epb_option(wb.data, wb.len, PKTMON_PCAPNG_OPT_CUSTOM_BIN_COPY, &l);
		CHECK(v && pktmon_meta_decode(v + 4, l - 4u, &wmeta) == PKTMON_META_OK &&
			      wmeta.tlv.why == PKTMON_WHY_TCP_RESET && wmeta.tlv.tcp_state == 1 &&
			      !pktmon_tlv_has(&wmeta.tlv, PKTMON_TLV_ICMP_TYPE),
		      "reset TLVs");
		CHECK(!strcmp(pktmon_why_text(&wmeta.tlv, text, sizeof(text)), "TCP reset sent"), "text %s", text);
		/* a delivered copy: a drop whose comment says it is no loss */
		struct pktmon_event d = ev;
		d.flags = PKTMON_FLAG_DROPPED | PKTMON_FLAG_DELIVERED_COPY;
		d.drop_reason = "NO_SOCKET";
		d.drop_symbol = "ping_rcv+0xb3";
		d.orig_len = sizeof(frame);
		pm_buf_reset(&wb);
		CHECK(pm_observation_encode(&wb, &wm, 2, &d) == 0, "encode a delivered copy");
		v = epb_option(wb.data, wb.len, PCAPNG_OPT_COMMENT, &l);
		static const char want[] = "DROP NO_SOCKET at ping_rcv+0xb3 (a copy reached a socket: not a loss)";
		CHECK(v && l == strlen(want) && !memcmp(v, want, l), "delivered copy comment");
		pm_buf_free(&wb);
		pm_buf_free(&wm);
	}

	/* caplen > origlen is refused, and the buffer is left as it was */
	size_t before = block.len;
	ev.orig_len = 10;
	CHECK(pm_observation_encode(&block, &meta, 0, &ev) < 0 && block.len == before, "refused, buffer unchanged");
	pm_buf_free(&block);
	pm_buf_free(&meta);
	return check_summary();
}
