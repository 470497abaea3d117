/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of pm_buf, the TLV writer/reader and the pcapng block encoders.
 * Expected blocks are written out by hand from draft-ietf-opsawg-pcapng, field
 * by field, so an encoder change that alters the bytes fails here.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapng.h"
#include "pktmon/pktmon_format.h"
#include "pm_buf.h"
#include "tlv.h"

#include "check.h"

/* Compares a buffer with the expected bytes and shows the first difference. */
static void check_bytes(const char *what, const struct pm_buf *b, const uint8_t *exp, size_t n)
{
	if (b->oom) {
		fprintf(stderr, "%s: buffer out of memory\n", what);
		failures++;
		return;
	}
	if (b->len != n) {
		fprintf(stderr, "%s: length %zu, expected %zu\n", what, b->len, n);
		failures++;
	}
	size_t m = b->len < n ? b->len : n;
	for (size_t i = 0; i < m; i++) {
		if (b->data[i] != exp[i]) {
			fprintf(stderr, "%s: byte %zu is 0x%02x, expected 0x%02x\n", what, i, b->data[i], exp[i]);
			failures++;
			return;
		}
	}
}

/* ------------------------------------------------------------------------------------------- */

static void test_buf(void)
{
	struct pm_buf b;
	pm_buf_init(&b);
	pm_buf_put_u8(&b, 0xAA);
	pm_buf_put_le16(&b, 0x1234);
	pm_buf_put_le32(&b, 0x89ABCDEFu);
	pm_buf_put_le64(&b, 0x0102030405060708ull);
	pm_buf_pad4(&b);
	static const uint8_t exp[] = { 0xAA, 0x34, 0x12, 0xEF, 0xCD, 0xAB, 0x89, 0x08, 0x07, 0x06, 0x05,
				       0x04, 0x03, 0x02, 0x01, 0x00 };
	check_bytes("buf", &b, exp, sizeof(exp));
	pm_buf_pad4(&b); /* already aligned: nothing added */
	CHECK(b.len == 16);

	CHECK(pm_buf_patch_le32(&b, 12, 0xDEADBEEFu));
	CHECK(pm_get_le32(b.data + 12) == 0xDEADBEEFu);
	CHECK(!pm_buf_patch_le32(&b, 13, 0)); /* would run past the end */
	CHECK(!pm_buf_patch_le16(&b, 100, 0));
	CHECK(pm_get_le32(b.data + 12) == 0xDEADBEEFu);

	/* Growth across many appends keeps the content. */
	pm_buf_reset(&b);
	for (uint32_t i = 0; i < 10000; i++)
		pm_buf_put_le32(&b, i);
	CHECK(!b.oom && b.len == 40000);
	CHECK(pm_get_le32(b.data + 4 * 9999) == 9999);

	/* An impossible size sets oom; later appends do nothing; reset clears it. */
	pm_buf_append(&b, b.data, SIZE_MAX);
	CHECK(b.oom);
	size_t len = b.len;
	pm_buf_put_le32(&b, 1);
	CHECK(b.len == len);
	pm_buf_reset(&b);
	CHECK(!b.oom && b.len == 0);
	pm_buf_put_u8(&b, 1);
	CHECK(b.len == 1);
	pm_buf_free(&b);
	CHECK(b.data == NULL && b.len == 0);
	pm_buf_free(&b); /* twice is harmless */
}

/* ------------------------------------------------------------------------------------------- */

static void test_tlv_write_read(void)
{
	struct pm_buf b;
	pm_buf_init(&b);
	CHECK(tlv_put_u8(&b, 2, 3) == 0);
	CHECK(tlv_put_u16(&b, 0x0102, 0xBEEF) == 0);
	CHECK(tlv_put_u32(&b, 1, 7) == 0);
	CHECK(tlv_put_u64(&b, 4, 0x1122334455667788ull) == 0);
	CHECK(tlv_put_str(&b, 6, "NETFILTER_DROP") == 0);
	CHECK(tlv_put_bytes(&b, 9, "\x01\x02", 2) == 0);
	CHECK(tlv_put_str(&b, 0x20, "") == 0);
	static const uint8_t exp[] = {
		0x02, 0x00, 0x01, 0x00, 0x03,
		0x02, 0x01, 0x02, 0x00, 0xEF, 0xBE,
		0x01, 0x00, 0x04, 0x00, 0x07, 0x00, 0x00, 0x00,
		0x04, 0x00, 0x08, 0x00, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
		0x06, 0x00, 0x0E, 0x00, 'N', 'E', 'T', 'F', 'I', 'L', 'T', 'E', 'R', '_', 'D', 'R', 'O', 'P',
		0x09, 0x00, 0x02, 0x00, 0x01, 0x02,
		0x20, 0x00, 0x00, 0x00,
	};
	check_bytes("tlv", &b, exp, sizeof(exp));

	struct tlv_iter it;
	uint16_t type, len;
	const uint8_t *val;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	tlv_iter_init(&it, b.data, b.len);
	CHECK(tlv_next(&it, &type, &val, &len) == 1 && type == 2 && tlv_get_u8(val, len, &u8) == 0 && u8 == 3);
	CHECK(tlv_next(&it, &type, &val, &len) == 1 && type == 0x0102 &&
	      tlv_get_u16(val, len, &u16) == 0 && u16 == 0xBEEF);
	CHECK(tlv_next(&it, &type, &val, &len) == 1 && type == 1 && tlv_get_u32(val, len, &u32) == 0 && u32 == 7);
	CHECK(tlv_get_u64(val, len, &u64) == -1); /* wrong size for a u64 */
	CHECK(tlv_next(&it, &type, &val, &len) == 1 && type == 4 && tlv_get_u64(val, len, &u64) == 0 &&
	      u64 == 0x1122334455667788ull);
	CHECK(tlv_next(&it, &type, &val, &len) == 1 && type == 6 && len == 14 &&
	      memcmp(val, "NETFILTER_DROP", 14) == 0);
	CHECK(tlv_next(&it, &type, &val, &len) == 1 && type == 9 && len == 2 && val[1] == 2);
	CHECK(tlv_next(&it, &type, &val, &len) == 1 && type == 0x20 && len == 0);
	CHECK(tlv_next(&it, &type, &val, &len) == 0);
	CHECK(tlv_next(&it, &type, &val, &len) == 0); /* stays at the end */

	/* Too long a value: refused, nothing appended. */
	size_t before = b.len;
	char *big = malloc(70000);
	CHECK(big != NULL);
	if (big) {
		memset(big, 'x', 70000);
		CHECK(tlv_put_bytes(&b, 1, big, 65536) == -1);
		CHECK(b.len == before);
		CHECK(tlv_put_bytes(&b, 1, big, 65535) == 0);
		CHECK(b.len == before + 4 + 65535);
		big[65536] = 0;
		pm_buf_truncate(&b, before);
		CHECK(tlv_put_str(&b, 1, big) == -1);
		CHECK(b.len == before);
		free(big);
	}
	CHECK(tlv_put_bytes(&b, 1, NULL, 3) == -1);
	CHECK(b.len == before);
	pm_buf_free(&b);
}

static void test_tlv_malformed(void)
{
	struct tlv_iter it;
	uint16_t type, len;
	const uint8_t *val;

	/* Empty and NULL spans end cleanly. */
	tlv_iter_init(&it, NULL, 10);
	CHECK(tlv_next(&it, &type, &val, &len) == 0);
	static const uint8_t one[] = { 1, 0, 0, 0 };
	tlv_iter_init(&it, one, 0);
	CHECK(tlv_next(&it, &type, &val, &len) == 0);

	/* Zero-length TLV: one record with an empty value, then the end. */
	tlv_iter_init(&it, one, sizeof(one));
	CHECK(tlv_next(&it, &type, &val, &len) == 1 && type == 1 && len == 0 && val == one + 4);
	CHECK(tlv_next(&it, &type, &val, &len) == 0);

	/* Truncated header: 3 bytes left after a good TLV. */
	static const uint8_t trunc[] = { 1, 0, 1, 0, 0x55, 2, 0, 1 };
	tlv_iter_init(&it, trunc, sizeof(trunc));
	CHECK(tlv_next(&it, &type, &val, &len) == 1 && type == 1 && len == 1 && val[0] == 0x55);
	CHECK(tlv_next(&it, &type, &val, &len) == -1);
	CHECK(tlv_next(&it, &type, &val, &len) == -1); /* stays in error */

	/* Length running past the end by one byte. */
	static const uint8_t past[] = { 7, 0, 5, 0, 1, 2, 3, 4 };
	tlv_iter_init(&it, past, sizeof(past));
	type = 0xFFFF;
	CHECK(tlv_next(&it, &type, &val, &len) == -1);
	CHECK(type == 0xFFFF); /* outputs untouched on error */
	/* Exactly fitting is fine. */
	static const uint8_t fit[] = { 7, 0, 4, 0, 1, 2, 3, 4 };
	tlv_iter_init(&it, fit, sizeof(fit));
	CHECK(tlv_next(&it, &type, &val, &len) == 1 && len == 4 && val[3] == 4);
	CHECK(tlv_next(&it, &type, &val, &len) == 0);

	/* Huge length field (0xFFFF) in a tiny span. */
	static const uint8_t huge[] = { 7, 0, 0xFF, 0xFF, 0 };
	tlv_iter_init(&it, huge, sizeof(huge));
	CHECK(tlv_next(&it, &type, &val, &len) == -1);

	/* Random bytes: the iterator must stay inside the span and end in 0 or -1.
	 * (Run under ASan/valgrind this also proves no out-of-bounds reads.) */
	srand(12345);
	for (int round = 0; round < 20000; round++) {
		size_t n = (size_t)(rand() % 40);
		uint8_t *p = malloc(n ? n : 1);
		if (!p)
			break;
		for (size_t i = 0; i < n; i++)
			p[i] = (uint8_t)(rand() % 5 == 0 ? rand() : rand() % 12);
		tlv_iter_init(&it, p, n);
		int r, steps = 0;
		size_t used = 0;
		while ((r = tlv_next(&it, &type, &val, &len)) == 1) {
			CHECK(val >= p + 4 && val + len <= p + n);
			used += 4u + len;
			steps++;
		}
		CHECK(used <= n);
		CHECK(r == 0 ? used == n : used < n);
		CHECK(steps <= (int)n / 4);
		free(p);
	}
}

static void test_tlv_nested(void)
{
	struct pm_buf b;
	pm_buf_init(&b);
	size_t rec = tlv_begin(&b, PKTMON_REC_COMPONENT);
	tlv_put_u32(&b, PKTMON_TLV_COMPONENT_ID, 5);
	tlv_put_str(&b, PKTMON_TLV_NAME, "eth0 rx");
	CHECK(tlv_end(&b, rec) == 0);
	size_t rec2 = tlv_begin(&b, PKTMON_REC_CAPTURE_FILTER);
	CHECK(tlv_end(&b, rec2) == 0); /* an empty record */
	static const uint8_t exp[] = {
		0x01, 0x01, 0x13, 0x00,
		0x01, 0x00, 0x04, 0x00, 0x05, 0x00, 0x00, 0x00,
		0x20, 0x00, 0x07, 0x00, 'e', 't', 'h', '0', ' ', 'r', 'x',
		0x03, 0x01, 0x00, 0x00,
	};
	check_bytes("nested", &b, exp, sizeof(exp));

	struct tlv_iter outer, inner;
	uint16_t type, len;
	const uint8_t *val;
	tlv_iter_init(&outer, b.data, b.len);
	CHECK(tlv_next(&outer, &type, &val, &len) == 1 && type == PKTMON_REC_COMPONENT && len == 19);
	tlv_iter_init(&inner, val, len);
	uint32_t id = 0;
	CHECK(tlv_next(&inner, &type, &val, &len) == 1 && type == PKTMON_TLV_COMPONENT_ID &&
	      tlv_get_u32(val, len, &id) == 0 && id == 5);
	CHECK(tlv_next(&inner, &type, &val, &len) == 1 && type == PKTMON_TLV_NAME && len == 7);
	CHECK(tlv_next(&inner, &type, &val, &len) == 0);
	CHECK(tlv_next(&outer, &type, &val, &len) == 1 && type == PKTMON_REC_CAPTURE_FILTER && len == 0);
	CHECK(tlv_next(&outer, &type, &val, &len) == 0);

	/* A nested record whose inner TLV claims more than the record holds: the
	 * outer level is fine, the inner iterator reports the damage. */
	static const uint8_t bad[] = { 0x01, 0x01, 0x06, 0x00, 0x01, 0x00, 0x04, 0x00, 0x05, 0x00 };
	tlv_iter_init(&outer, bad, sizeof(bad));
	CHECK(tlv_next(&outer, &type, &val, &len) == 1 && len == 6);
	tlv_iter_init(&inner, val, len);
	CHECK(tlv_next(&inner, &type, &val, &len) == -1);

	/* A record that grows past 65535 bytes: tlv_end fails and removes it. */
	size_t before = b.len;
	size_t big = tlv_begin(&b, PKTMON_REC_FILTER);
	for (int i = 0; i < 70; i++) {
		static char chunk[1001];
		memset(chunk, 'a', 1000);
		tlv_put_str(&b, PKTMON_TLV_FILTER_TEXT, chunk);
	}
	CHECK(tlv_end(&b, big) == -1);
	CHECK(b.len == before);
	/* A bogus offset is refused. */
	CHECK(tlv_end(&b, b.len - 2) == -1);
	CHECK(tlv_end(&b, b.len + 10) == -1);
	pm_buf_free(&b);
}

/* ------------------------------------------------------------------------------------------- */

static const uint8_t shb_exp[] = {
	0x0A, 0x0D, 0x0D, 0x0A,                         /* block type: SHB */
	0x40, 0x00, 0x00, 0x00,                         /* block total length 64 */
	0x4D, 0x3C, 0x2B, 0x1A,                         /* byte-order magic */
	0x01, 0x00, 0x00, 0x00,                         /* version 1.0 */
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* section length -1 */
	0x03, 0x00, 0x09, 0x00,                         /* shb_os, 9 bytes */
	'L', 'i', 'n', 'u', 'x', ' ', '6', '.', '1', 0x00, 0x00, 0x00,
	0x04, 0x00, 0x0A, 0x00,                         /* shb_userappl, 10 bytes */
	'p', 'k', 't', 'm', 'o', 'n', ' ', '0', '.', '1', 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,                         /* opt_endofopt */
	0x40, 0x00, 0x00, 0x00,                         /* block total length */
};

static const uint8_t idb_exp[] = {
	0x01, 0x00, 0x00, 0x00, /* block type: IDB */
	0x44, 0x00, 0x00, 0x00, /* 68 */
	0x01, 0x00,             /* LINKTYPE_ETHERNET */
	0x00, 0x00,             /* reserved */
	0x00, 0x00, 0x04, 0x00, /* snaplen 262144 */
	0x02, 0x00, 0x08, 0x00, 'v', 'e', 't', 'h', '0', ' ', 'r', 'x', /* if_name */
	0x03, 0x00, 0x12, 0x00, 'p', 'k', 't', 'm', 'o', 'n', ' ', 'c', 'o', 'm', 'p', 'o', 'n', 'e', 'n',
	't', ' ', '3', 0x00, 0x00, /* if_description, 18 bytes + 2 padding */
	0x09, 0x00, 0x01, 0x00, 0x09, 0x00, 0x00, 0x00, /* if_tsresol 9 + 3 padding */
	0x00, 0x00, 0x00, 0x00, /* opt_endofopt */
	0x44, 0x00, 0x00, 0x00,
};

static const uint8_t epb_exp[] = {
	0x06, 0x00, 0x00, 0x00, /* block type: EPB */
	0x70, 0x00, 0x00, 0x00, /* 112 */
	0x02, 0x00, 0x00, 0x00, /* interface id 2 */
	0x67, 0x45, 0x23, 0x01, /* timestamp high 0x01234567 */
	0xEF, 0xCD, 0xAB, 0x89, /* timestamp low 0x89ABCDEF */
	0x05, 0x00, 0x00, 0x00, /* captured length 5 */
	0x3C, 0x00, 0x00, 0x00, /* original length 60 */
	0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x00, 0x00, 0x00, /* data + 3 padding */
	0xAD, 0x0B, 0x13, 0x00, /* custom option 2989, 19 bytes: first, readers stop at it */
	0xD9, 0x7E, 0x00, 0x00, /* PEN 32473 */
	0x01, 0x00,             /* metadata version 1, reserved */
	0x01, 0x00, 0x04, 0x00, 0x07, 0x00, 0x00, 0x00, /* COMPONENT_ID 7 */
	0x02, 0x00, 0x01, 0x00, 0x03,                   /* LAYER 3 (INPUT) */
	0x00,                   /* padding */
	0x02, 0x00, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, /* epb_flags: inbound */
	0x04, 0x00, 0x08, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* epb_dropcount 7 */
	0x05, 0x00, 0x08, 0x00, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, /* epb_packetid */
	0x01, 0x00, 0x06, 0x00, 'D', 'R', 'O', 'P', ' ', 'X', 0x00, 0x00,       /* opt_comment */
	0x00, 0x00, 0x00, 0x00, /* opt_endofopt */
	0x70, 0x00, 0x00, 0x00,
};

static const uint8_t epb_plain_exp[] = {
	0x06, 0x00, 0x00, 0x00, 0x24, 0x00, 0x00, 0x00, /* EPB, 36 bytes */
	0x00, 0x00, 0x00, 0x00,                         /* interface 0 */
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* timestamp 1 */
	0x04, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, /* lengths */
	0x01, 0x02, 0x03, 0x04,                         /* data, aligned: no padding */
	0x24, 0x00, 0x00, 0x00,                         /* no options, no opt_endofopt */
};

static const uint8_t cb_exp[] = {
	0xAD, 0x0B, 0x00, 0x00, /* block type: Custom Block, copyable */
	0x2C, 0x00, 0x00, 0x00, /* 44 */
	0xD9, 0x7E, 0x00, 0x00, /* PEN 32473 */
	0x01, 0x00,             /* rundown version 1 */
	0x01, 0x00,             /* kind 1: session */
	0x12, 0x00, 0x00, 0x00, /* records length 18 */
	0x01, 0x01, 0x0E, 0x00, /* COMPONENT record, 14 bytes */
	0x01, 0x00, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, /* COMPONENT_ID 1 */
	0x20, 0x00, 0x02, 0x00, 'l', 'o',               /* NAME "lo" */
	0x00, 0x00,             /* padding to 4 */
	0x2C, 0x00, 0x00, 0x00,
};

static const uint8_t isb_exp[] = {
	0x05, 0x00, 0x00, 0x00, /* block type: ISB */
	0x58, 0x00, 0x00, 0x00, /* 88 */
	0x01, 0x00, 0x00, 0x00, /* interface 1 */
	0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, /* timestamp high 3, low 4 */
	0x02, 0x00, 0x08, 0x00, 0x44, 0x33, 0x22, 0x11, 0x88, 0x77, 0x66, 0x55, /* isb_starttime */
	0x03, 0x00, 0x08, 0x00, 0xCC, 0xBB, 0xAA, 0x99, 0x00, 0xFF, 0xEE, 0xDD, /* isb_endtime */
	0x04, 0x00, 0x08, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* isb_ifrecv 100 */
	0x05, 0x00, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* isb_ifdrop 2 */
	0x07, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* isb_osdrop 3 */
	0x00, 0x00, 0x00, 0x00, /* opt_endofopt */
	0x58, 0x00, 0x00, 0x00,
};

static void test_blocks(void)
{
	struct pm_buf b, meta, rd;
	pm_buf_init(&b);
	pm_buf_init(&meta);
	pm_buf_init(&rd);

	CHECK(pcapng_put_shb(&b, "pktmon 0.1", "Linux 6.1") == 0);
	check_bytes("SHB", &b, shb_exp, sizeof(shb_exp));

	pm_buf_reset(&b);
	CHECK(pcapng_put_idb(&b, PCAPNG_LINKTYPE_ETHERNET, 262144, "veth0 rx", "pktmon component 3", 9) == 0);
	check_bytes("IDB", &b, idb_exp, sizeof(idb_exp));

	pktmon_meta_begin(&meta);
	tlv_put_u32(&meta, PKTMON_TLV_COMPONENT_ID, 7);
	tlv_put_u8(&meta, PKTMON_TLV_LAYER, PKTMON_LAYER_NF_INPUT);
	static const uint8_t data[] = { 0xDE, 0xAD, 0xBE, 0xEF, 0x01 };
	struct pcapng_epb_opts o = {
		.has_flags = true, .flags = PCAPNG_EPB_FLAG_INBOUND,
		.has_dropcount = true, .dropcount = 7,
		.has_packetid = true, .packetid = 0x1122334455667788ull,
		.comment = "DROP X",
		.custom = meta.data, .custom_len = meta.len, .custom_pen = PKTMON_PEN,
	};
	pm_buf_reset(&b);
	CHECK(pcapng_put_epb(&b, 2, 0x0123456789ABCDEFull, data, sizeof(data), 60, &o) == 0);
	check_bytes("EPB", &b, epb_exp, sizeof(epb_exp));

	static const uint8_t d4[] = { 1, 2, 3, 4 };
	pm_buf_reset(&b);
	CHECK(pcapng_put_epb(&b, 0, 1, d4, 4, 4, NULL) == 0);
	check_bytes("EPB without options", &b, epb_plain_exp, sizeof(epb_plain_exp));
	struct pcapng_epb_opts none = { 0 };
	pm_buf_reset(&b);
	CHECK(pcapng_put_epb(&b, 0, 1, d4, 4, 4, &none) == 0);
	check_bytes("EPB with empty options", &b, epb_plain_exp, sizeof(epb_plain_exp));

	size_t off = pktmon_rundown_begin(&rd);
	size_t rec = tlv_begin(&rd, PKTMON_REC_COMPONENT);
	tlv_put_u32(&rd, PKTMON_TLV_COMPONENT_ID, 1);
	tlv_put_str(&rd, PKTMON_TLV_NAME, "lo");
	CHECK(tlv_end(&rd, rec) == 0);
	CHECK(pktmon_rundown_end(&rd, off) == 0);
	pm_buf_reset(&b);
	CHECK(pcapng_put_custom_block(&b, PKTMON_PEN, rd.data, rd.len) == 0);
	check_bytes("Custom Block", &b, cb_exp, sizeof(cb_exp));

	struct pcapng_isb_stats st = {
		.start_ns = 0x1122334455667788ull, .end_ns = 0x99AABBCCDDEEFF00ull,
		.ifrecv = 100, .ifdrop = 2, .osdrop = 3,
	};
	pm_buf_reset(&b);
	CHECK(pcapng_put_isb(&b, 1, (3ull << 32) | 4, &st) == 0);
	check_bytes("ISB", &b, isb_exp, sizeof(isb_exp));
	CHECK(b.len == PCAPNG_ISB_LEN);

	/* An SHB without strings has no options at all. */
	pm_buf_reset(&b);
	CHECK(pcapng_put_shb(&b, NULL, NULL) == 0);
	CHECK(b.len == 28 && pm_get_le32(b.data + 4) == 28 && pm_get_le32(b.data + 24) == 28);

	/* The host's SHB: opt_comment first (mergecap keeps the first file's), then the others. */
	pm_buf_reset(&b);
	CHECK(pcapng_put_shb_comment(&b, NULL, NULL, "pktmon capture on host hosta") == 0);
	CHECK(b.len == 28 + 4 + 28 + 4 && pm_get_le32(b.data + 4) == b.len); /* + option, end of options */
	CHECK(pm_get_le16(b.data + 24) == PCAPNG_OPT_COMMENT && pm_get_le16(b.data + 26) == 28);
	CHECK(memcmp(b.data + 28, "pktmon capture on host hosta", 28) == 0);

	/* Whole file: blocks chain correctly. */
	pm_buf_reset(&b);
	pcapng_put_shb(&b, "pktmon 0.1", "Linux 6.1");
	pcapng_put_idb(&b, 1, 262144, "veth0 rx", "pktmon component 3", 9);
	pcapng_put_epb(&b, 2, 0x0123456789ABCDEFull, data, sizeof(data), 60, &o);
	pcapng_put_custom_block(&b, PKTMON_PEN, rd.data, rd.len);
	pcapng_put_isb(&b, 1, 5, &st);
	CHECK(pcapng_count_blocks(b.data, b.len) == 5);
	CHECK(pcapng_count_blocks(b.data, b.len - 4) == -1);  /* truncated */
	CHECK(pcapng_count_blocks(b.data, b.len + 0) == 5);
	b.data[b.len - 1] ^= 1;                              /* trailing length differs */
	CHECK(pcapng_count_blocks(b.data, b.len) == -1);
	CHECK(pcapng_count_blocks(NULL, 0) == 0);
	CHECK(pcapng_count_blocks(NULL, 4) == -1);

	pm_buf_free(&b);
	pm_buf_free(&meta);
	pm_buf_free(&rd);
}

static void test_block_errors(void)
{
	struct pm_buf b;
	pm_buf_init(&b);
	pcapng_put_shb(&b, "x", NULL);
	size_t base = b.len;
	static const uint8_t d[] = { 1, 2, 3 };

	CHECK(pcapng_put_epb(&b, 0, 0, d, 3, 2, NULL) == -1); /* caplen > origlen */
	CHECK(pcapng_put_epb(&b, 0, 0, NULL, 3, 3, NULL) == -1);
	CHECK(pcapng_put_epb(&b, 0, 0, NULL, 0, 0, NULL) == 0); /* empty packet is fine */
	CHECK(b.len == base + 32);
	pm_buf_truncate(&b, base);

	uint8_t *big = calloc(1, 70000);
	CHECK(big != NULL);
	if (big) {
		struct pcapng_epb_opts o = { .custom = big, .custom_len = 65532, .custom_pen = PKTMON_PEN };
		CHECK(pcapng_put_epb(&b, 0, 0, d, 3, 3, &o) == -1); /* PEN + 65532 > 65535 */
		CHECK(b.len == base);
		o.custom_len = 65531;
		CHECK(pcapng_put_epb(&b, 0, 0, d, 3, 3, &o) == 0);
		CHECK(pm_get_le16(b.data + base + 32 + 2) == 65535);
		pm_buf_truncate(&b, base);

		memset(big, 'a', 65536);
		big[65536] = 0;
		CHECK(pcapng_put_idb(&b, 1, 0, (char *)big, NULL, 9) == -1);
		CHECK(pcapng_put_idb(&b, 1, 0, NULL, (char *)big, 9) == -1);
		CHECK(pcapng_put_shb(&b, (char *)big, NULL) == -1);
		struct pcapng_epb_opts oc = { .comment = (char *)big };
		CHECK(pcapng_put_epb(&b, 0, 0, d, 3, 3, &oc) == -1);
		CHECK(b.len == base);
		big[65535] = 0; /* exactly 65535 bytes is allowed */
		CHECK(pcapng_put_idb(&b, 1, 0, (char *)big, NULL, 9) == 0);
		pm_buf_truncate(&b, base);
		free(big);
	}

	/* A block over PCAPNG_MAX_BLOCK_LEN is refused and leaves nothing behind. */
	uint8_t *huge = calloc(1, PCAPNG_MAX_BLOCK_LEN);
	if (huge) {
		CHECK(pcapng_put_epb(&b, 0, 0, huge, PCAPNG_MAX_BLOCK_LEN - 16, PCAPNG_MAX_BLOCK_LEN, NULL) == -1);
		CHECK(b.len == base && !b.oom);
		CHECK(pcapng_put_custom_block(&b, 1, huge, PCAPNG_MAX_BLOCK_LEN) == -1);
		CHECK(b.len == base);
		CHECK(pcapng_put_epb(&b, 0, 0, huge, PCAPNG_MAX_BLOCK_LEN - 32, PCAPNG_MAX_BLOCK_LEN, NULL) == 0);
		CHECK(b.len == base + PCAPNG_MAX_BLOCK_LEN);
		pm_buf_truncate(&b, base);
		free(huge);
	}
	CHECK(pcapng_put_isb(&b, 0, 0, NULL) == -1);
	CHECK(pcapng_put_custom_block(&b, 1, NULL, 4) == -1);
	CHECK(b.len == base);

	/* After an allocation failure every encoder reports it. */
	pm_buf_append(&b, d, SIZE_MAX);
	CHECK(b.oom);
	struct pcapng_isb_stats st = { 0 };
	CHECK(pcapng_put_isb(&b, 0, 0, &st) == -1);
	CHECK(pcapng_put_epb(&b, 0, 0, d, 3, 3, NULL) == -1);
	CHECK(pcapng_put_shb(&b, "a", "b") == -1);
	CHECK(b.len == base);
	size_t off = pktmon_rundown_begin(&b);
	CHECK(pktmon_rundown_end(&b, off) == -1);
	pm_buf_free(&b);

	/* Rundown end with a bogus offset. */
	pm_buf_init(&b);
	CHECK(pktmon_rundown_end(&b, 0) == -1);
	off = pktmon_rundown_begin(&b);
	CHECK(pktmon_rundown_end(&b, off + 1) == -1);
	CHECK(pktmon_rundown_end(&b, off) == 0 && pm_get_le32(b.data + 4) == 0);
	pm_buf_free(&b);
}

int main(void)
{
	test_buf();
	test_tlv_write_read();
	test_tlv_malformed();
	test_tlv_nested();
	test_blocks();
	test_block_errors();
	if (failures) {
		fprintf(stderr, "test_pcapng: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_pcapng: all passed\n");
	return 0;
}
