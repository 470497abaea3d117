/* SPDX-License-Identifier: MIT */
/* cmd_list.c - `pktmon list`: the observation points this kernel offers. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pktmon/pktmon.h"

int cmd_list(int argc, char **argv)
{
	int json = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			puts("Usage: pktmon list [--json]\n\n"
			     "Lists the observation points (layers) and whether this kernel offers them.\n"
			     "Components are made of a layer, a network namespace and, for device and qdisc\n"
			     "layers, an interface; a capture names each one as it first sees it.");
			return 0;
		} else {
			return cli_fail(EXIT_USAGE, "list: unknown option '%s'", argv[i]);
		}
	}
	char err[PKTMON_ERRLEN] = "";
	pktmon_handle *h;
	if (pktmon_initialize(&h, err, sizeof(err)) < 0)
		return cli_fail(1, "%s", err);
	const struct pktmon_data_source *src;
	size_t n;
	pktmon_enum_data_sources(h, &src, &n);
	if (json) {
		printf("{\"sources\":[");
		for (size_t i = 0; i < n; i++)
			printf("%s{\"layer\":%d,\"name\":\"%s\",\"available\":%s,\"mechanism\":\"%s\","
			       "\"description\":\"%s\"}",
			       i ? "," : "", (int)src[i].layer, src[i].name, src[i].available ? "true" : "false",
			       src[i].mechanism, src[i].description);
		printf("]}\n");
	} else {
		printf("%-5s %-15s %-9s %-15s %s\n", "Id", "Layer", "Available", "Mechanism", "Observed by");
		for (size_t i = 0; i < n; i++)
			printf("%-5d %-15s %-9s %-15s %s%s%s\n", (int)src[i].layer, src[i].name,
			       src[i].available ? "yes" : "no", src[i].mechanism, src[i].description,
			       src[i].why_not ? ": " : "", src[i].why_not ? src[i].why_not : "");
	}
	pktmon_uninitialize(h);
	return 0;
}
