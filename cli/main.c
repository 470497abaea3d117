/* SPDX-License-Identifier: MIT */
/* main.c - `pktmon VERB ...`: dispatch and the top-level help. This program holds no
 * privilege; captures run in pktmon-capture (docs/PRIVILEGES.md). */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "extcap.h"

static const struct verb {
	const char *name;
	int (*run)(int argc, char **argv);
} verbs[] = {
	{ "list", cmd_list },         { "start", cmd_start },   { "stop", cmd_stop },
	{ "status", cmd_status },     { "counters", cmd_counters }, { "reset", cmd_reset },
	{ "filter", cmd_filter },     { "format", cmd_format }, { "pcapng", cmd_pcapng },
};

static void usage(FILE *f)
{
	fputs("Usage: pktmon VERB [options]\n"
	      "\n"
	      "Packet Monitor for Linux: shows where in the networking stack a packet went,\n"
	      "and where and why it was dropped, in every network namespace.\n"
	      "\n"
	      "Verbs:\n"
	      "  list       the observation points (components) this kernel offers\n"
	      "  start      start a capture session (in the background; --foreground to stay)\n"
	      "  stop       end the background session, finish its file, print a summary\n"
	      "  status     whether a session runs, and what it has seen\n"
	      "  counters   per-component packet, byte and drop counters of the running session\n"
	      "  reset      zero the running session's counters\n"
	      "  filter     add, list or remove the filters the next start uses\n"
	      "  format     a pktmon pcapng file as text, one record per observation\n"
	      "  pcapng     a filtered copy of a pktmon pcapng file, metadata kept\n"
	      "\n"
	      "Run `pktmon VERB --help` for a verb's options.\n"
	      "Installed in Wireshark's extcap folder, the same binary is the \"pktmon\" capture\n"
	      "interface (Wireshark calls it with --extcap-interfaces, --extcap-config, --capture).\n"
	      "Captures run in the helper pktmon-capture, the only part with privileges.\n"
	      "Exit status: 0 success, 1 failure, 2 bad usage.\n",
	      f);
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "C"); /* output never depends on the locale */
	if (extcap_requested(argc, argv))
		return extcap_main(argc, argv, cmd_start_for_wireshark);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *verb = argv[1];
	if (!strcmp(verb, "--help") || !strcmp(verb, "-h") || !strcmp(verb, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(verb, "--version")) {
		printf("pktmon %s\n", PKTMON_VERSION_STRING);
		return 0;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(verb, verbs[i].name))
			return verbs[i].run(argc - 1, argv + 1);
	fprintf(stderr, "pktmon: unknown verb '%s'\n", verb);
	usage(stderr);
	return EXIT_USAGE;
}
