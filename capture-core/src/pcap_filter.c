/* SPDX-License-Identifier: MIT */
/* pcap_filter.c - compile and run pcap-filter expressions with libpcap, opened when first needed. */
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lazy_lib.h"
#include "pcap_filter.h"

/* libpcap's functions we call, resolved once (lazy_lib.h: why not linked) */
static struct {
	pcap_t *(*open_dead)(int, int);
	int (*compile)(pcap_t *, struct bpf_program *, const char *, int, bpf_u_int32);
	char *(*geterr)(pcap_t *);
	void (*close)(pcap_t *);
	void (*freecode)(struct bpf_program *);
	int (*offline_filter)(const struct bpf_program *, const struct pcap_pkthdr *, const u_char *);
} pcap;
static pthread_once_t pcap_once = PTHREAD_ONCE_INIT;
static char pcap_why[256];
static int pcap_rc = -1;

static void pcap_load(void)
{
	static const char *const names[] = { "pcap_open_dead", "pcap_close",    "pcap_compile",
					     "pcap_geterr",    "pcap_freecode", "pcap_offline_filter" };
	void *f[6];
	pcap_rc = pm_lazy_lib_open(PKTMON_LIBPCAP_SONAME, names, f, 6, pcap_why, sizeof(pcap_why));
	if (pcap_rc < 0)
		return;
	/* POSIX: a dlsym result converts to the function's pointer type */
	memcpy(&pcap.open_dead, &f[0], sizeof(f[0]));
	memcpy(&pcap.close, &f[1], sizeof(f[1]));
	memcpy(&pcap.compile, &f[2], sizeof(f[2]));
	memcpy(&pcap.geterr, &f[3], sizeof(f[3]));
	memcpy(&pcap.freecode, &f[4], sizeof(f[4]));
	memcpy(&pcap.offline_filter, &f[5], sizeof(f[5]));
}

struct pm_pcap_filter {
	struct bpf_program prog;
	char *expr;
};

struct pm_pcap_filter *pm_pcap_filter_compile(const char *expr, char *err, size_t errlen)
{
	pthread_once(&pcap_once, pcap_load);
	if (pcap_rc < 0) {
		snprintf(err, errlen, "capture filters need libpcap: %s", pcap_why);
		return NULL;
	}
	pcap_t *p = pcap.open_dead(DLT_EN10MB, 262144);
	struct pm_pcap_filter *f = calloc(1, sizeof(*f));
	if (!p || !f) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (pcap.compile(p, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "invalid capture filter \"%s\": %s", expr, pcap.geterr(p));
		goto fail;
	}
	f->expr = strdup(expr);
	if (!f->expr) {
		pcap.freecode(&f->prog);
		goto fail;
	}
	pcap.close(p);
	return f;
fail:
	if (p)
		pcap.close(p);
	free(f);
	return NULL;
}

bool pm_pcap_filter_match(const struct pm_pcap_filter *f, const uint8_t *frame, uint32_t caplen, uint32_t len)
{
	struct pcap_pkthdr hdr = { .caplen = caplen, .len = len };
	return pcap.offline_filter(&f->prog, &hdr, frame) != 0; /* a filter exists: the library is loaded */
}

const char *pm_pcap_filter_expr(const struct pm_pcap_filter *f)
{
	return f->expr;
}

void pm_pcap_filter_free(struct pm_pcap_filter *f)
{
	if (!f)
		return;
	pcap.freecode(&f->prog);
	free(f->expr);
	free(f);
}
