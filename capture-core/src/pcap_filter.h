/* SPDX-License-Identifier: MIT */
/* pcap_filter.h - pcap-filter expressions, kept apart: libpcap's struct bpf_insn
 * clashes with the kernel's in <linux/bpf.h>. */
#ifndef PKTMON_PCAP_FILTER_H
#define PKTMON_PCAP_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pm_pcap_filter;

/* Compiles `expr` for Ethernet frames; NULL with a message in err if invalid. */
struct pm_pcap_filter *pm_pcap_filter_compile(const char *expr, char *err, size_t errlen);
bool pm_pcap_filter_match(const struct pm_pcap_filter *f, const uint8_t *frame, uint32_t caplen, uint32_t len);
const char *pm_pcap_filter_expr(const struct pm_pcap_filter *f);
void pm_pcap_filter_free(struct pm_pcap_filter *f);

#endif
