/* SPDX-License-Identifier: MIT */
/* test_lazy_lib - dlopen by SONAME: all symbols or none, reasons; the capture filter's libpcap. */
#include "lazy_lib.h"
#include "pcap_filter.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

int main(void)
{
	char why[256] = "";
	void *fns[2] = { NULL, NULL };
	static const char *const libc_names[] = { "strlen", "memchr" };
	CHECK(pm_lazy_lib_open("libc.so.6", libc_names, fns, 2, why, sizeof(why)) == 0 && fns[0] && fns[1],
	      "libc's strlen and memchr: %s", why);
	size_t (*len)(const char *);
	memcpy(&len, &fns[0], sizeof(fns[0]));
	CHECK(len && len("pktmon") == 6, "the resolved strlen works");

	void *untouched[2] = { (void *)1, (void *)2 };
	static const char *const one_missing[] = { "strlen", "pm_no_such_symbol" };
	CHECK(pm_lazy_lib_open("libc.so.6", one_missing, untouched, 2, why, sizeof(why)) < 0 &&
		      strstr(why, "pm_no_such_symbol") && untouched[0] == (void *)1,
	      "a missing symbol: none resolved (%s)", why);
	CHECK(pm_lazy_lib_open("libpm-no-such-library.so.9", libc_names, untouched, 2, why, sizeof(why)) < 0 &&
		      strstr(why, "libpm-no-such-library.so.9"),
	      "a missing library said (%s)", why);

	/* the SONAME this build found: a capture filter compiles and matches through it */
	struct pm_pcap_filter *f = pm_pcap_filter_compile("udp port 53", why, sizeof(why));
	CHECK(f != NULL, "udp port 53 compiles: %s", why);
	if (f) {
		uint8_t frame[42] = { [12] = 0x08, [13] = 0x00, [14] = 0x45, [23] = 17, [36] = 0, [37] = 53 };
		CHECK(pm_pcap_filter_match(f, frame, sizeof(frame), sizeof(frame)), "a DNS datagram matches");
		frame[37] = 54;
		CHECK(!pm_pcap_filter_match(f, frame, sizeof(frame), sizeof(frame)), "port 54 does not");
		pm_pcap_filter_free(f);
	}
	CHECK(pm_pcap_filter_compile("udp port", why, sizeof(why)) == NULL && strstr(why, "invalid capture filter"),
	      "a bad expression refused: %s", why);
	if (failures) {
		fprintf(stderr, "%d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("PASS: %d checks\n", checks);
	return 0;
}
