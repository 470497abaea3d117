/* SPDX-License-Identifier: MIT */
/* cmd_filter.c - `pktmon filter add|list|remove`: filters for the next `pktmon start`,
 * kept in the run directory until removed or until reboot. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pktmon/pktmon.h"
#include "rundir.h"

static int filter_usage(FILE *f)
{
	fputs("Usage: pktmon filter add [NAME] [-m MAC [MAC2]] [-v VLAN] [-d ETHERTYPE] [-t PROTO [TCP flags...]]\n"
	      "                         [-i IP[/len] [IP2[/len]]] [-p PORT [PORT2]] [-e [PORT]]\n"
	      "       pktmon filter list [--json]\n"
	      "       pktmon filter remove [NAME]\n"
	      "\n"
	      "Filters apply to the next `pktmon start` (which uses them unless given --filter).\n"
	      "A packet is reported if it matches all conditions of at least one filter; at most 32.\n"
	      "With two MACs, IPs or ports, one must be the source and the other the destination.\n"
	      "-t TCP may be followed by flags (FIN SYN RST PSH ACK URG ECE CWR): all must be set.\n"
	      "-e also matches the inner headers of VXLAN (UDP port PORT, default 4789), GRE and\n"
	      "IP-in-IP packets. `remove` without a name removes every filter.\n",
	      f);
	return f == stdout ? 0 : EXIT_USAGE;
}

static int filter_add(int argc, char **argv)
{
	char err[PKTMON_ERRLEN] = "";
	struct pm_filter all[PKTMON_MAX_FILTERS + 1];
	size_t n;
	if (rundir_filters_load(all, &n, err, sizeof(err)) < 0)
		return cli_fail(1, "%s", err);
	if (n >= PKTMON_MAX_FILTERS)
		return cli_fail(EXIT_USAGE, "filter add: there are already %d filters, the most pktmon takes", PKTMON_MAX_FILTERS);
	if (pm_filter_parse_argv(argc, argv, &all[n], err, sizeof(err)) < 0)
		return cli_fail(EXIT_USAGE, "filter add: %s", err);
	for (size_t i = 0; i < n; i++)
		if (all[n].name[0] && !strcmp(all[i].name, all[n].name))
			return cli_fail(EXIT_USAGE, "filter add: a filter named '%s' exists already", all[n].name);
	if (rundir_filters_save(all, n + 1, err, sizeof(err)) < 0)
		return cli_fail(1, "%s", err);
	char line[PM_FILTER_LINE_MAX];
	pm_filter_format(&all[n], line, sizeof(line));
	printf("Filter added: %s\n", line);
	return 0;
}

static int filter_list(int argc, char **argv)
{
	bool json = argc > 0 && !strcmp(argv[0], "--json");
	if (argc > (json ? 1 : 0))
		return cli_fail(EXIT_USAGE, "filter list: unexpected argument '%s'", argv[json ? 1 : 0]);
	char err[PKTMON_ERRLEN] = "";
	struct pm_filter all[PKTMON_MAX_FILTERS];
	size_t n;
	if (rundir_filters_load(all, &n, err, sizeof(err)) < 0)
		return cli_fail(1, "%s", err);
	if (json) {
		printf("{\"filters\":[");
		for (size_t i = 0; i < n; i++) {
			char line[PM_FILTER_LINE_MAX];
			pm_filter_format(&all[i], line, sizeof(line));
			/* names and words are printable ASCII without quotes (filter.h) */
			printf("%s{\"index\":%zu,\"name\":\"%s\",\"filter\":\"%s\"}", i ? "," : "", i + 1, all[i].name, line);
		}
		printf("]}\n");
		return 0;
	}
	if (n == 0) {
		printf("No filters.\n");
		return 0;
	}
	char row[512];
	pm_filter_table_header(row, sizeof(row));
	printf("%s\n", row);
	for (size_t i = 0; i < n; i++) {
		pm_filter_table_row((int)i + 1, &all[i], row, sizeof(row));
		printf("%s\n", row);
	}
	return 0;
}

static int filter_remove(int argc, char **argv)
{
	char err[PKTMON_ERRLEN] = "";
	struct pm_filter all[PKTMON_MAX_FILTERS];
	size_t n;
	if (argc > 1)
		return cli_fail(EXIT_USAGE, "filter remove: unexpected argument '%s'", argv[1]);
	if (rundir_filters_load(all, &n, err, sizeof(err)) < 0 && argc == 1)
		return cli_fail(1, "%s", err);
	if (argc == 0) {
		if (rundir_filters_save(all, 0, err, sizeof(err)) < 0)
			return cli_fail(1, "%s", err);
		printf("All filters removed.\n");
		return 0;
	}
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].name, argv[0]))
			all[w++] = all[i];
	if (w == n)
		return cli_fail(1, "filter remove: no filter named '%s'", argv[0]);
	if (rundir_filters_save(all, w, err, sizeof(err)) < 0)
		return cli_fail(1, "%s", err);
	printf("Filter '%s' removed.\n", argv[0]);
	return 0;
}

int cmd_filter(int argc, char **argv)
{
	if (argc < 2)
		return filter_usage(stderr);
	const char *sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help"))
		return filter_usage(stdout);
	/* Windows' `pktmon filter add help` too (a filter cannot be named help) */
	if (argc == 3 && !strcmp(argv[2], "help"))
		return filter_usage(stdout);
	if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h")))
		return filter_usage(stdout);
	if (!strcmp(sub, "add"))
		return filter_add(argc - 2, argv + 2);
	if (!strcmp(sub, "list"))
		return filter_list(argc - 2, argv + 2);
	if (!strcmp(sub, "remove"))
		return filter_remove(argc - 2, argv + 2);
	return cli_fail(EXIT_USAGE, "filter: unknown action '%s' (add, list or remove)", sub);
}
