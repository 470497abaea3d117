/* SPDX-License-Identifier: MIT */
/* pcap_filter.c - compile and run pcap-filter expressions with libpcap. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_filter.h"

struct pm_pcap_filter {
	struct bpf_program prog;
	char *expr;
};

struct pm_pcap_filter *pm_pcap_filter_compile(const char *expr, char *err, size_t errlen)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 262144);
	struct pm_pcap_filter *f = calloc(1, sizeof(*f));
	if (!p || !f) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (pcap_compile(p, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "invalid capture filter \"%s\": %s", expr, pcap_geterr(p));
		goto fail;
	}
	f->expr = strdup(expr);
	if (!f->expr) {
		pcap_freecode(&f->prog);
		goto fail;
	}
	pcap_close(p);
	return f;
fail:
	if (p)
		pcap_close(p);
	free(f);
	return NULL;
}

bool pm_pcap_filter_match(const struct pm_pcap_filter *f, const uint8_t *frame, uint32_t caplen, uint32_t len)
{
	struct pcap_pkthdr hdr = { .caplen = caplen, .len = len };
	return pcap_offline_filter(&f->prog, &hdr, frame) != 0;
}

const char *pm_pcap_filter_expr(const struct pm_pcap_filter *f)
{
	return f->expr;
}

void pm_pcap_filter_free(struct pm_pcap_filter *f)
{
	if (!f)
		return;
	pcap_freecode(&f->prog);
	free(f->expr);
	free(f);
}
