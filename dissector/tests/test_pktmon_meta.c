/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the pure pktmon metadata decoder (pktmon_meta.c).
 *
 * Every input is built by hand from docs/FORMAT.md and decoded from an
 * exact-size heap copy, so that a read past the end shows up under ASan/
 * valgrind. Truncation is also checked at every possible length.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pktmon/pktmon_format.h"
#include "pktmon_meta.h"

static int failures;
static int checks;

#define CHECK(cond)                                                                 \
	do {                                                                        \
		checks++;                                                           \
		if (!(cond)) {                                                      \
			failures++;                                                 \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,      \
				__LINE__, #cond);                                   \
		}                                                                   \
	} while (0)

#define CHECK_EQ(a, b)                                                              \
	do {                                                                        \
		unsigned long long va_ = (unsigned long long)(a);                   \
		unsigned long long vb_ = (unsigned long long)(b);                   \
		checks++;                                                           \
		if (va_ != vb_) {                                                   \
			failures++;                                                 \
			fprintf(stderr, "%s:%d: %s == %llu, expected %s == %llu\n", \
				__FILE__, __LINE__, #a, va_, #b, vb_);              \
		}                                                                   \
	} while (0)

/* A small byte builder. */
struct buf {
	uint8_t d[4096];
	size_t n;
};

static void put8(struct buf *b, unsigned v)
{
	b->d[b->n++] = (uint8_t)v;
}

static void put16(struct buf *b, unsigned v)
{
	put8(b, v & 0xff);
	put8(b, (v >> 8) & 0xff);
}

static void put32(struct buf *b, uint32_t v)
{
	put16(b, v & 0xffff);
	put16(b, v >> 16);
}

static void put64(struct buf *b, uint64_t v)
{
	put32(b, (uint32_t)v);
	put32(b, (uint32_t)(v >> 32));
}

static void tlv_u8(struct buf *b, unsigned t, unsigned v)
{
	put16(b, t);
	put16(b, 1);
	put8(b, v);
}

static void tlv_u32(struct buf *b, unsigned t, uint32_t v)
{
	put16(b, t);
	put16(b, 4);
	put32(b, v);
}

static void tlv_u64(struct buf *b, unsigned t, uint64_t v)
{
	put16(b, t);
	put16(b, 8);
	put64(b, v);
}

static void tlv_str(struct buf *b, unsigned t, const char *s)
{
	size_t n = strlen(s);
	put16(b, t);
	put16(b, (unsigned)n);
	memcpy(b->d + b->n, s, n);
	b->n += n;
}

/* Append a TLV whose value is another buffer (a rundown record). */
static void tlv_buf(struct buf *b, unsigned t, const struct buf *v)
{
	put16(b, t);
	put16(b, (unsigned)v->n);
	memcpy(b->d + b->n, v->d, v->n);
	b->n += v->n;
}

static int str_eq(struct pktmon_meta_str s, const char *want)
{
	return s.ptr != NULL && s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

/* Decode from an exact-size heap copy so overreads are caught by sanitizers. */
static enum pktmon_meta_status decode_copy(const uint8_t *d, size_t n, struct pktmon_meta *m, uint8_t **keep)
{
	uint8_t *copy = calloc(n ? n : 1, 1); /* zeroed: gcc 12 -O3 warns of an uninitialized read when n is 0 */
	if (n)
		memcpy(copy, d, n);
	enum pktmon_meta_status st = pktmon_meta_decode(copy, n, m);
	*keep = copy; /* strings point into it */
	return st;
}

static void build_full_drop(struct buf *b)
{
	b->n = 0;
	put8(b, PKTMON_META_VERSION);
	put8(b, 0);
	tlv_u32(b, PKTMON_TLV_COMPONENT_ID, 103);
	tlv_u8(b, PKTMON_TLV_LAYER, PKTMON_LAYER_NF_INPUT);
	tlv_u8(b, PKTMON_TLV_DIRECTION, PKTMON_DIR_RX);
	tlv_u64(b, PKTMON_TLV_PKT_GROUP_ID, 0x0123456789abcdefull);
	tlv_u32(b, PKTMON_TLV_APPEARANCE, 4);
	tlv_str(b, PKTMON_TLV_DROP_REASON, "NETFILTER_DROP");
	tlv_u32(b, PKTMON_TLV_DROP_REASON_CODE, 6);
	tlv_u64(b, PKTMON_TLV_DROP_LOCATION, 0xffffffffc0a1b46full);
	tlv_str(b, PKTMON_TLV_DROP_SYMBOL, "nft_do_chain+0x46f");
	tlv_u32(b, PKTMON_TLV_IFINDEX, 3);
	tlv_u32(b, PKTMON_TLV_NETNS, 4026531840u);
	tlv_u32(b, PKTMON_TLV_CPU, 7);
	tlv_u32(b, PKTMON_TLV_FLAGS, PKTMON_FLAG_DROPPED | PKTMON_FLAG_L2_SYNTHESIZED);
	tlv_u8(b, PKTMON_TLV_NF_FAMILY, PKTMON_NF_IPV4);
}

static void test_good_payload(void)
{
	struct buf b;
	struct pktmon_meta m;
	uint8_t *keep;

	build_full_drop(&b);
	CHECK_EQ(decode_copy(b.d, b.n, &m, &keep), PKTMON_META_OK);
	CHECK_EQ(m.version, 1);
	CHECK_EQ(m.tlv.component_id, 103);
	CHECK_EQ(m.tlv.layer, PKTMON_LAYER_NF_INPUT);
	CHECK_EQ(m.tlv.direction, PKTMON_DIR_RX);
	CHECK_EQ(m.tlv.pkt_group_id, 0x0123456789abcdefull);
	CHECK_EQ(m.tlv.appearance, 4);
	CHECK(str_eq(m.tlv.drop_reason, "NETFILTER_DROP"));
	CHECK_EQ(m.tlv.drop_reason_code, 6);
	CHECK_EQ(m.tlv.drop_location, 0xffffffffc0a1b46full);
	CHECK(str_eq(m.tlv.drop_symbol, "nft_do_chain+0x46f"));
	CHECK_EQ(m.tlv.ifindex, 3);
	CHECK_EQ(m.tlv.netns, 4026531840u);
	CHECK_EQ(m.tlv.cpu, 7);
	CHECK_EQ(m.tlv.flags, PKTMON_FLAG_DROPPED | PKTMON_FLAG_L2_SYNTHESIZED);
	CHECK_EQ(m.tlv.nf_family, PKTMON_NF_IPV4);
	CHECK_EQ(m.tlv.unknown_count, 0);
	for (unsigned t = PKTMON_TLV_COMPONENT_ID; t <= PKTMON_TLV_NF_FAMILY; t++)
		CHECK(pktmon_tlv_has(&m.tlv, (uint16_t)t));
	CHECK(!pktmon_tlv_has(&m.tlv, PKTMON_TLV_NAME));
	CHECK(!pktmon_tlv_has(&m.tlv, 0xffff));
	/* Offsets point at the values: COMPONENT_ID's value starts after version, reserved, T, L. */
	CHECK_EQ(m.tlv.value_off[PKTMON_TLV_COMPONENT_ID], 6);
	CHECK_EQ(m.tlv.value_len[PKTMON_TLV_COMPONENT_ID], 4);
	CHECK(m.tlv.drop_reason.ptr == (const char *)keep + m.tlv.value_off[PKTMON_TLV_DROP_REASON]);
	free(keep);

	/* Only the header: valid and empty. */
	uint8_t hdr[2] = { PKTMON_META_VERSION, 0 };
	CHECK_EQ(decode_copy(hdr, 2, &m, &keep), PKTMON_META_OK);
	CHECK_EQ(m.tlv.present[0] | m.tlv.present[1], 0);
	free(keep);

	/* Empty string values are allowed. */
	b.n = 0;
	put8(&b, 1);
	put8(&b, 0);
	tlv_str(&b, PKTMON_TLV_DROP_REASON, "");
	CHECK_EQ(decode_copy(b.d, b.n, &m, &keep), PKTMON_META_OK);
	CHECK(pktmon_tlv_has(&m.tlv, PKTMON_TLV_DROP_REASON));
	CHECK_EQ(m.tlv.drop_reason.len, 0);
	free(keep);

	/* A repeated TLV: the last one wins. */
	b.n = 0;
	put8(&b, 1);
	put8(&b, 0);
	tlv_u32(&b, PKTMON_TLV_CPU, 1);
	tlv_u32(&b, PKTMON_TLV_CPU, 2);
	CHECK_EQ(decode_copy(b.d, b.n, &m, &keep), PKTMON_META_OK);
	CHECK_EQ(m.tlv.cpu, 2);
	free(keep);
}

static void test_truncated(void)
{
	struct buf b;
	struct pktmon_meta m;
	uint8_t *keep;

	/* Too short for the version header. */
	b.n = 0;
	put8(&b, 1);
	CHECK_EQ(decode_copy(b.d, 0, &m, &keep), PKTMON_META_TRUNCATED);
	free(keep);
	uint8_t one[1] = { 1 };
	CHECK_EQ(decode_copy(one, 1, &m, &keep), PKTMON_META_TRUNCATED);
	free(keep);
	CHECK_EQ(pktmon_meta_decode(NULL, 10, &m), PKTMON_META_TRUNCATED);

	/* A TLV header cut short after a whole TLV: offset of the cut header. */
	b.n = 0;
	put8(&b, 1);
	put8(&b, 0);
	tlv_u32(&b, PKTMON_TLV_COMPONENT_ID, 9);
	put8(&b, PKTMON_TLV_LAYER);
	put8(&b, 0);
	put8(&b, 1);
	CHECK_EQ(decode_copy(b.d, b.n, &m, &keep), PKTMON_META_TRUNCATED);
	CHECK_EQ(m.error_offset, 10);
	CHECK(pktmon_tlv_has(&m.tlv, PKTMON_TLV_COMPONENT_ID)); /* kept */
	CHECK_EQ(m.tlv.component_id, 9);
	free(keep);

	/* A length past the end: LAYER says 200 bytes, 1 is there. */
	b.n = 0;
	put8(&b, 1);
	put8(&b, 0);
	tlv_u32(&b, PKTMON_TLV_COMPONENT_ID, 9);
	put16(&b, PKTMON_TLV_LAYER);
	put16(&b, 200);
	put8(&b, 3);
	CHECK_EQ(decode_copy(b.d, b.n, &m, &keep), PKTMON_META_TRUNCATED);
	CHECK_EQ(m.error_offset, 10);
	CHECK_EQ(m.error_type, PKTMON_TLV_LAYER);
	CHECK(!pktmon_tlv_has(&m.tlv, PKTMON_TLV_LAYER));
	free(keep);

	/* A maximal length (0xffff) on a short buffer. */
	b.n = 0;
	put8(&b, 1);
	put8(&b, 0);
	put16(&b, PKTMON_TLV_DROP_REASON);
	put16(&b, 0xffff);
	put8(&b, 'x');
	CHECK_EQ(decode_copy(b.d, b.n, &m, &keep), PKTMON_META_TRUNCATED);
	CHECK_EQ(m.error_offset, 2);
	CHECK(m.tlv.drop_reason.ptr == NULL);
	free(keep);

	/* Every prefix of a good payload decodes without reading past its end. */
	build_full_drop(&b);
	for (size_t n = 0; n < b.n; n++) {
		enum pktmon_meta_status st = decode_copy(b.d, n, &m, &keep);
		CHECK(st == PKTMON_META_OK || st == PKTMON_META_TRUNCATED);
		if (st == PKTMON_META_TRUNCATED)
			CHECK(m.error_offset <= n);
		for (unsigned t = 0; t < PKTMON_META_TLV_SLOTS; t++) {
			if (pktmon_tlv_has(&m.tlv, (uint16_t)t))
				CHECK(m.tlv.value_off[t] + m.tlv.value_len[t] <= n);
		}
		free(keep);
	}
}

static void test_bad_length(void)
{
	struct buf b;
	struct pktmon_meta m;
	uint8_t *keep;

	/* COMPONENT_ID with 2 bytes, PKT_GROUP_ID with 4: reported, skipped, decoding goes on. */
	b.n = 0;
	put8(&b, 1);
	put8(&b, 0);
	put16(&b, PKTMON_TLV_COMPONENT_ID);
	put16(&b, 2);
	put16(&b, 1);
	put16(&b, PKTMON_TLV_PKT_GROUP_ID);
	put16(&b, 4);
	put32(&b, 1);
	tlv_u8(&b, PKTMON_TLV_LAYER, PKTMON_LAYER_DEV_TX);
	CHECK_EQ(decode_copy(b.d, b.n, &m, &keep), PKTMON_META_BAD_LENGTH);
	CHECK_EQ(m.error_offset, 2);
	CHECK_EQ(m.error_type, PKTMON_TLV_COMPONENT_ID);
	CHECK_EQ(m.tlv.bad_length_count, 2);
	CHECK(!pktmon_tlv_has(&m.tlv, PKTMON_TLV_COMPONENT_ID));
	CHECK(!pktmon_tlv_has(&m.tlv, PKTMON_TLV_PKT_GROUP_ID));
	CHECK(pktmon_tlv_has(&m.tlv, PKTMON_TLV_LAYER));
	CHECK_EQ(m.tlv.layer, PKTMON_LAYER_DEV_TX);
	free(keep);

	/* A u8 with length 0. */
	b.n = 0;
	put8(&b, 1);
	put8(&b, 0);
	put16(&b, PKTMON_TLV_DIRECTION);
	put16(&b, 0);
	CHECK_EQ(decode_copy(b.d, b.n, &m, &keep), PKTMON_META_BAD_LENGTH);
	CHECK(!pktmon_tlv_has(&m.tlv, PKTMON_TLV_DIRECTION));
	free(keep);
}

static void test_unknown_version(void)
{
	struct buf b;
	struct pktmon_meta m;
	uint8_t *keep;

	build_full_drop(&b);
	b.d[0] = 2;
	CHECK_EQ(decode_copy(b.d, b.n, &m, &keep), PKTMON_META_UNKNOWN_VERSION);
	CHECK_EQ(m.version, 2);
	CHECK_EQ(m.tlv.present[0] | m.tlv.present[1], 0); /* nothing decoded */
	free(keep);
	b.d[0] = 0;
	CHECK_EQ(decode_copy(b.d, b.n, &m, &keep), PKTMON_META_UNKNOWN_VERSION);
	free(keep);
}

static void test_unknown_tlvs(void)
{
	struct buf b;
	struct pktmon_meta m;
	uint8_t *keep;

	b.n = 0;
	put8(&b, 1);
	put8(&b, 0);
	tlv_str(&b, 0x7777, "abc");
	tlv_u32(&b, PKTMON_TLV_COMPONENT_ID, 5);
	put16(&b, 200);
	put16(&b, 0);
	tlv_u32(&b, 0x0f, 5);    /* next to the known ones, still unknown */
	tlv_u32(&b, 0x5f, 5);    /* inside the slot table, unknown */
	tlv_u8(&b, PKTMON_TLV_LAYER, PKTMON_LAYER_SOCK_RX);
	CHECK_EQ(decode_copy(b.d, b.n, &m, &keep), PKTMON_META_OK);
	CHECK_EQ(m.tlv.unknown_count, 4);
	CHECK_EQ(m.tlv.unknown_type[0], 0x7777);
	CHECK_EQ(m.tlv.unknown_off[0], 2);
	CHECK_EQ(m.tlv.unknown_len[0], 3);
	CHECK_EQ(m.tlv.unknown_type[1], 200);
	CHECK_EQ(m.tlv.unknown_len[1], 0);
	CHECK_EQ(m.tlv.unknown_type[2], 0x0f);
	CHECK_EQ(m.tlv.unknown_type[3], 0x5f);
	CHECK_EQ(m.tlv.component_id, 5);
	CHECK_EQ(m.tlv.layer, PKTMON_LAYER_SOCK_RX);
	free(keep);

	/* More unknown TLVs than are remembered: all counted, no overflow. */
	b.n = 0;
	put8(&b, 1);
	put8(&b, 0);
	for (unsigned i = 0; i < PKTMON_META_MAX_UNKNOWN + 10; i++) {
		put16(&b, 1000 + i);
		put16(&b, 0);
	}
	tlv_u32(&b, PKTMON_TLV_CPU, 3);
	CHECK_EQ(decode_copy(b.d, b.n, &m, &keep), PKTMON_META_OK);
	CHECK_EQ(m.tlv.unknown_count, PKTMON_META_MAX_UNKNOWN + 10);
	CHECK_EQ(m.tlv.unknown_type[PKTMON_META_MAX_UNKNOWN - 1], 1000 + PKTMON_META_MAX_UNKNOWN - 1);
	CHECK_EQ(m.tlv.cpu, 3);
	free(keep);
}

/* ---- rundown ---- */

static void rundown_header(struct buf *b, unsigned version, unsigned kind, uint32_t records_len)
{
	b->n = 0;
	put16(b, version);
	put16(b, kind);
	put32(b, records_len);
}

static void build_rundown(struct buf *out)
{
	struct buf recs = { .n = 0 }, v;

	v.n = 0;
	tlv_u32(&v, PKTMON_TLV_COMPONENT_ID, 101);
	tlv_u8(&v, PKTMON_TLV_LAYER, PKTMON_LAYER_DEV_RX);
	tlv_u8(&v, PKTMON_TLV_DIRECTION, PKTMON_DIR_RX);
	tlv_u32(&v, PKTMON_TLV_IFINDEX, 7);
	tlv_u32(&v, PKTMON_TLV_NETNS, 4026532500u);
	tlv_str(&v, PKTMON_TLV_NAME, "veth0 rx [netns web]");
	tlv_str(&v, PKTMON_TLV_IFNAME, "veth0");
	tlv_str(&v, PKTMON_TLV_NETNS_NAME, "web");
	tlv_u32(&v, PKTMON_TLV_INTERFACE_ID, 0);
	tlv_buf(&recs, PKTMON_REC_COMPONENT, &v);

	v.n = 0;
	tlv_u32(&v, PKTMON_TLV_FILTER_INDEX, 1);
	tlv_str(&v, PKTMON_TLV_FILTER_NAME, "web");
	tlv_str(&v, PKTMON_TLV_FILTER_TEXT, "TCP port 80");
	tlv_buf(&recs, PKTMON_REC_FILTER, &v);

	v.n = 0;
	tlv_str(&v, PKTMON_TLV_CAPTURE_FILTER, "tcp or udp");
	tlv_buf(&recs, PKTMON_REC_CAPTURE_FILTER, &v);

	v.n = 0;
	tlv_u32(&v, PKTMON_TLV_COMPONENT_ID, 101);
	tlv_u64(&v, PKTMON_TLV_RX_PKTS, 10);
	tlv_u64(&v, PKTMON_TLV_RX_BYTES, 1000);
	tlv_u64(&v, PKTMON_TLV_TX_PKTS, 0);
	tlv_u64(&v, PKTMON_TLV_TX_BYTES, 0);
	tlv_u64(&v, PKTMON_TLV_DROPS, 2);
	tlv_u64(&v, PKTMON_TLV_LOST, 1);
	tlv_buf(&recs, PKTMON_REC_COUNTERS, &v);

	v.n = 0;
	tlv_u32(&v, PKTMON_TLV_COMPONENT_ID, 101);
	tlv_str(&v, PKTMON_TLV_DROP_REASON, "NETFILTER_DROP");
	tlv_u32(&v, PKTMON_TLV_DROP_REASON_CODE, 6);
	tlv_u64(&v, PKTMON_TLV_COUNT, 2);
	tlv_buf(&recs, PKTMON_REC_DROP_COUNT, &v);

	/* An unknown record type between known ones: skipped. */
	v.n = 0;
	tlv_u32(&v, PKTMON_TLV_COMPONENT_ID, 1);
	tlv_buf(&recs, 0x01ff, &v);

	v.n = 0;
	tlv_str(&v, PKTMON_TLV_SESSION_NAME, "s1");
	tlv_u64(&v, PKTMON_TLV_START_NS, 1700000000000000000ull);
	tlv_u64(&v, PKTMON_TLV_STOP_NS, 1700000001000000000ull);
	tlv_u32(&v, PKTMON_TLV_SNAPLEN, 128);
	tlv_u8(&v, PKTMON_TLV_CAPTURE_TYPE, PKTMON_TYPE_DROP);
	tlv_u64(&v, PKTMON_TLV_EVENTS_WRITTEN, 12);
	tlv_u64(&v, PKTMON_TLV_EVENTS_LOST, 1);
	tlv_str(&v, PKTMON_TLV_KERNEL, "6.18.0");
	tlv_buf(&recs, PKTMON_REC_SESSION, &v);

	rundown_header(out, PKTMON_RUNDOWN_VERSION, PKTMON_RUNDOWN_KIND_SESSION, (uint32_t)recs.n);
	memcpy(out->d + out->n, recs.d, recs.n);
	out->n += recs.n;
	/* Padding to 4, as in the block: not part of the records. */
	while (out->n % 4)
		put8(out, 0);
}

static void test_rundown(void)
{
	struct buf b;
	struct pktmon_rundown rd;
	struct pktmon_rundown_record rec;

	build_rundown(&b);
	uint8_t *copy = malloc(b.n);
	memcpy(copy, b.d, b.n);
	CHECK_EQ(pktmon_rundown_open(copy, b.n, &rd), PKTMON_META_OK);
	CHECK_EQ(rd.version, 1);
	CHECK_EQ(rd.kind, 1);

	unsigned n = 0, unknown = 0;
	while (pktmon_rundown_next(&rd, copy, b.n, &rec)) {
		CHECK_EQ(rec.status, PKTMON_META_OK);
		n++;
		if (!rec.known) {
			unknown++;
			CHECK_EQ(rec.type, 0x01ff);
			continue;
		}
		switch (rec.type) {
		case PKTMON_REC_COMPONENT:
			CHECK_EQ(rec.tlv.component_id, 101);
			CHECK_EQ(rec.tlv.layer, PKTMON_LAYER_DEV_RX);
			CHECK_EQ(rec.tlv.ifindex, 7);
			CHECK_EQ(rec.tlv.netns, 4026532500u);
			CHECK(str_eq(rec.tlv.name, "veth0 rx [netns web]"));
			CHECK(str_eq(rec.tlv.ifname, "veth0"));
			CHECK(str_eq(rec.tlv.netns_name, "web"));
			CHECK(pktmon_tlv_has(&rec.tlv, PKTMON_TLV_INTERFACE_ID));
			CHECK_EQ(rec.tlv.interface_id, 0);
			CHECK_EQ(rec.offset, 8);
			break;
		case PKTMON_REC_FILTER:
			CHECK_EQ(rec.tlv.filter_index, 1);
			CHECK(str_eq(rec.tlv.filter_name, "web"));
			CHECK(str_eq(rec.tlv.filter_text, "TCP port 80"));
			break;
		case PKTMON_REC_CAPTURE_FILTER:
			CHECK(str_eq(rec.tlv.capture_filter, "tcp or udp"));
			break;
		case PKTMON_REC_COUNTERS:
			CHECK_EQ(rec.tlv.rx_pkts, 10);
			CHECK_EQ(rec.tlv.rx_bytes, 1000);
			CHECK_EQ(rec.tlv.drops, 2);
			CHECK_EQ(rec.tlv.lost, 1);
			break;
		case PKTMON_REC_DROP_COUNT:
			CHECK(str_eq(rec.tlv.drop_reason, "NETFILTER_DROP"));
			CHECK_EQ(rec.tlv.drop_reason_code, 6);
			CHECK_EQ(rec.tlv.count, 2);
			break;
		case PKTMON_REC_SESSION:
			CHECK(str_eq(rec.tlv.session_name, "s1"));
			CHECK_EQ(rec.tlv.start_ns, 1700000000000000000ull);
			CHECK_EQ(rec.tlv.stop_ns, 1700000001000000000ull);
			CHECK_EQ(rec.tlv.snaplen, 128);
			CHECK_EQ(rec.tlv.capture_type, PKTMON_TYPE_DROP);
			CHECK_EQ(rec.tlv.events_written, 12);
			CHECK_EQ(rec.tlv.events_lost, 1);
			CHECK(str_eq(rec.tlv.kernel, "6.18.0"));
			break;
		default:
			CHECK(0);
		}
	}
	CHECK_EQ(n, 7);
	CHECK_EQ(unknown, 1);
	CHECK_EQ(pktmon_rundown_next(&rd, copy, b.n, &rec), 0); /* stays at the end */
	free(copy);

	/* Every prefix: never past the end, iteration always terminates. */
	for (size_t len = 0; len < b.n; len++) {
		copy = malloc(len ? len : 1);
		memcpy(copy, b.d, len);
		enum pktmon_meta_status st = pktmon_rundown_open(copy, len, &rd);
		CHECK(len >= 8 ? (st == PKTMON_META_OK || st == PKTMON_META_TRUNCATED) : st == PKTMON_META_TRUNCATED);
		unsigned guard = 0;
		while (pktmon_rundown_next(&rd, copy, len, &rec) && guard < 100) {
			guard++;
			CHECK(rec.offset < len);
			for (unsigned t = 0; t < PKTMON_META_TLV_SLOTS; t++) {
				if (pktmon_tlv_has(&rec.tlv, (uint16_t)t))
					CHECK(rec.tlv.value_off[t] + rec.tlv.value_len[t] <= len);
			}
		}
		CHECK(guard < 100);
		free(copy);
	}
}

static void test_rundown_errors(void)
{
	struct buf b, v;
	struct pktmon_rundown rd;
	struct pktmon_rundown_record rec;

	/* Unknown version and kind: nothing to iterate. */
	rundown_header(&b, 2, PKTMON_RUNDOWN_KIND_SESSION, 0);
	CHECK_EQ(pktmon_rundown_open(b.d, b.n, &rd), PKTMON_META_UNKNOWN_VERSION);
	CHECK_EQ(pktmon_rundown_next(&rd, b.d, b.n, &rec), 0);
	rundown_header(&b, PKTMON_RUNDOWN_VERSION, 9, 0);
	CHECK_EQ(pktmon_rundown_open(b.d, b.n, &rd), PKTMON_META_UNKNOWN_KIND);
	CHECK_EQ(pktmon_rundown_next(&rd, b.d, b.n, &rec), 0);

	/* Records length past the block: the records present are still decoded. */
	v.n = 0;
	tlv_u32(&v, PKTMON_TLV_COMPONENT_ID, 4);
	rundown_header(&b, 1, 1, 400);
	tlv_buf(&b, PKTMON_REC_COUNTERS, &v);
	CHECK_EQ(pktmon_rundown_open(b.d, b.n, &rd), PKTMON_META_TRUNCATED);
	CHECK_EQ(pktmon_rundown_next(&rd, b.d, b.n, &rec), 1);
	CHECK_EQ(rec.status, PKTMON_META_OK);
	CHECK_EQ(rec.tlv.component_id, 4);
	CHECK_EQ(pktmon_rundown_next(&rd, b.d, b.n, &rec), 0);

	/* A nested TLV overrunning its record (but not the block). */
	v.n = 0;
	tlv_u32(&v, PKTMON_TLV_COMPONENT_ID, 1);
	put16(&v, PKTMON_TLV_NAME);
	put16(&v, 50);
	put8(&v, 'a');
	put8(&v, 'b');
	struct buf recs = { .n = 0 };
	tlv_buf(&recs, PKTMON_REC_COMPONENT, &v);
	tlv_buf(&recs, PKTMON_REC_COMPONENT, &v); /* the bytes after: must not be read as the name */
	rundown_header(&b, 1, 1, (uint32_t)recs.n);
	memcpy(b.d + b.n, recs.d, recs.n);
	b.n += recs.n;
	CHECK_EQ(pktmon_rundown_open(b.d, b.n, &rd), PKTMON_META_OK);
	CHECK_EQ(pktmon_rundown_next(&rd, b.d, b.n, &rec), 1);
	CHECK_EQ(rec.status, PKTMON_META_TRUNCATED);
	CHECK_EQ(rec.error_type, PKTMON_TLV_NAME);
	CHECK_EQ(rec.error_offset, 8 + 4 + 8);
	CHECK_EQ(rec.tlv.component_id, 1);
	CHECK(rec.tlv.name.ptr == NULL);
	CHECK_EQ(pktmon_rundown_next(&rd, b.d, b.n, &rec), 1); /* the second record is reached */
	CHECK_EQ(rec.offset, 8 + 4 + v.n);
	CHECK_EQ(pktmon_rundown_next(&rd, b.d, b.n, &rec), 0);

	/* A record whose length overruns the records: truncated, iteration ends. */
	rundown_header(&b, 1, 1, 10);
	put16(&b, PKTMON_REC_SESSION);
	put16(&b, 100);
	tlv_u8(&b, PKTMON_TLV_CAPTURE_TYPE, 1);
	put8(&b, 0);
	CHECK_EQ(pktmon_rundown_open(b.d, b.n, &rd), PKTMON_META_OK);
	CHECK_EQ(pktmon_rundown_next(&rd, b.d, b.n, &rec), 1);
	CHECK_EQ(rec.status, PKTMON_META_TRUNCATED);
	CHECK_EQ(rec.type, PKTMON_REC_SESSION);
	CHECK_EQ(pktmon_rundown_next(&rd, b.d, b.n, &rec), 0);

	/* A stale iterator with a shorter buffer is bounded by the buffer. */
	build_rundown(&b);
	CHECK_EQ(pktmon_rundown_open(b.d, b.n, &rd), PKTMON_META_OK);
	unsigned guard = 0;
	while (pktmon_rundown_next(&rd, b.d, 20, &rec) && guard++ < 10)
		CHECK(rec.offset < 20);
	CHECK(guard < 10);

	/* NULL buffer. */
	CHECK_EQ(pktmon_rundown_open(NULL, 100, &rd), PKTMON_META_TRUNCATED);
}

static void test_names(void)
{
	CHECK(strcmp(pktmon_meta_layer_name(PKTMON_LAYER_NF_PREROUTING), "PREROUTING") == 0);
	CHECK(strcmp(pktmon_meta_layer_name(PKTMON_LAYER_DEV_RX), "dev rx") == 0);
	CHECK(strcmp(pktmon_meta_layer_name(200), "unknown") == 0);
	CHECK(strcmp(pktmon_meta_direction_name(PKTMON_DIR_TX), "Tx") == 0);
	CHECK(strcmp(pktmon_tlv_name(PKTMON_TLV_KERNEL), "KERNEL") == 0);
	CHECK(strcmp(pktmon_tlv_name(PKTMON_TLV_HOST), "HOST") == 0);
	CHECK(strcmp(pktmon_record_name(PKTMON_REC_DROP_COUNT), "DROP_COUNT") == 0);
	CHECK(strcmp(pktmon_meta_status_name(PKTMON_META_TRUNCATED), "truncated") == 0);
	/* Every type the header names is known to the decoder and fits the slot table. */
	const unsigned types[] = {
		PKTMON_TLV_COMPONENT_ID, PKTMON_TLV_NF_FAMILY, PKTMON_TLV_NAME, PKTMON_TLV_INTERFACE_ID,
		PKTMON_TLV_FILTER_INDEX, PKTMON_TLV_CAPTURE_FILTER, PKTMON_TLV_RX_PKTS, PKTMON_TLV_COUNT,
		PKTMON_TLV_SESSION_NAME, PKTMON_TLV_KERNEL, PKTMON_TLV_HOST,
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		CHECK(types[i] < PKTMON_META_TLV_SLOTS);
		CHECK(strcmp(pktmon_tlv_name(types[i]), "unknown") != 0);
	}
}

int main(void)
{
	test_good_payload();
	test_truncated();
	test_bad_length();
	test_unknown_version();
	test_unknown_tlvs();
	test_rundown();
	test_rundown_errors();
	test_names();
	printf("test_pktmon_meta: %d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
