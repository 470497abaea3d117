/* SPDX-License-Identifier: MIT */
/* fuzz_pkt_parse - libFuzzer on the packet parser and the filter matcher (pkt_parse.h), which the
 * BPF programs and user space share: any frame and any filter are parsed and matched without reading
 * past the frame's length, and bytes past that length never change the result. */
#include "pkt_parse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The frame's len bytes, then `fill` up to PKTMON_PARSE_MAX: what the programs' buffer holds. */
static void parse_padded(const uint8_t *frame, size_t len, uint8_t fill, uint16_t port,
			 struct pktmon_pkt_view *v)
{
	uint8_t buf[PKTMON_PARSE_MAX];
	memset(buf, fill, sizeof(buf));
	memcpy(buf, frame, len);
	pktmon_parse_frame(buf, (__u32)len, port, v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pktmon_filter f;
	if (size < 2 + sizeof(f))
		return 0;
	/* two bytes: the VXLAN port (0 none); then a filter as the map holds it; then the frame */
	uint16_t port = (uint16_t)(data[0] << 8 | data[1]);
	memcpy(&f, data + 2, sizeof(f));
	const uint8_t *frame = data + 2 + sizeof(f);
	size_t len = size - 2 - sizeof(f);
	if (len > PKTMON_PARSE_MAX)
		len = PKTMON_PARSE_MAX;

	/* exactly len bytes: AddressSanitizer stops a read past them */
	uint8_t *exact = malloc(len ? len : 1);
	if (!exact)
		return 0;
	memcpy(exact, frame, len);
	struct pktmon_pkt_view v, zeros, ones;
	pktmon_parse_frame(exact, (__u32)len, port, &v);
	parse_padded(frame, len, 0x00, port, &zeros);
	parse_padded(frame, len, 0xff, port, &ones);
	if (memcmp(&v, &zeros, sizeof(v)) || memcmp(&v, &ones, sizeof(v)))
		abort(); /* bytes past the length changed what was parsed */
	int m = pktmon_filter_match(&f, &v);
	if (m != pktmon_filter_match(&f, &zeros) || (m != 0 && m != 1))
		abort();
	free(exact);
	return 0;
}
