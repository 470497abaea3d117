/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the pure pktmon decoder (pktmon_meta.c).
 *
 * The first byte selects what the rest is: even = EPB metadata payload
 * (option 2989 after the PEN), odd = rundown Custom Block payload. Besides
 * the sanitizers' checks (libFuzzer hands us an exact-size buffer, so any
 * read past the end is an ASan report), every offset and string the decoder
 * returns is checked to lie inside the input.
 *
 *   fuzz_pktmon_meta -max_total_time=3600 CORPUS_DIR SEED_DIR
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pktmon_meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(struct pktmon_meta_str s, const uint8_t *buf, size_t len)
{
	if (s.ptr == NULL)
		return;
	const uint8_t *p = (const uint8_t *)s.ptr;
	if (p < buf || p > buf + len || s.len > (size_t)(buf + len - p))
		abort();
}

static void check_tlvs(const struct pktmon_tlvs *tv, const uint8_t *buf, size_t len)
{
	for (unsigned t = 0; t < PKTMON_META_TLV_SLOTS; t++) {
		if (pktmon_tlv_has(tv, (uint16_t)t) && (size_t)tv->value_off[t] + tv->value_len[t] > len)
			abort();
	}
	unsigned shown = tv->unknown_count < PKTMON_META_MAX_UNKNOWN ? tv->unknown_count : PKTMON_META_MAX_UNKNOWN;
	for (unsigned i = 0; i < shown; i++) {
		if ((size_t)tv->unknown_off[i] + 4 + tv->unknown_len[i] > len)
			abort();
	}
	check_str(tv->drop_reason, buf, len);
	check_str(tv->drop_symbol, buf, len);
	check_str(tv->name, buf, len);
	check_str(tv->ifname, buf, len);
	check_str(tv->netns_name, buf, len);
	check_str(tv->filter_name, buf, len);
	check_str(tv->filter_text, buf, len);
	check_str(tv->capture_filter, buf, len);
	check_str(tv->session_name, buf, len);
	check_str(tv->kernel, buf, len);
	/* Touch every string byte so ASan sees a bad pointer even if the bounds math were wrong. */
	volatile uint8_t sink = 0;
	for (size_t i = 0; i < tv->drop_reason.len; i++)
		sink ^= (uint8_t)tv->drop_reason.ptr[i];
	for (size_t i = 0; i < tv->name.len; i++)
		sink ^= (uint8_t)tv->name.ptr[i];
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const uint8_t *buf = data + 1;
	size_t len = size - 1;

	if ((data[0] & 1) == 0) {
		struct pktmon_meta m;
		enum pktmon_meta_status st = pktmon_meta_decode(buf, len, &m);
		if (st != m.status)
			abort();
		if (st != PKTMON_META_OK && st != PKTMON_META_UNKNOWN_VERSION && m.error_offset > len)
			abort();
		check_tlvs(&m.tlv, buf, len);
		return 0;
	}

	struct pktmon_rundown rd;
	struct pktmon_rundown_record rec;
	pktmon_rundown_open(buf, len, &rd);
	if (rd.records_end > len && len >= 8)
		abort();
	size_t last = 0;
	unsigned n = 0;
	while (pktmon_rundown_next(&rd, buf, len, &rec)) {
		/* Progress: each record starts after the previous one (no endless loop). */
		if (n++ && rec.offset <= last)
			abort();
		last = rec.offset;
		if (rec.offset >= len)
			abort();
		check_tlvs(&rec.tlv, buf, len);
	}
	return 0;
}
