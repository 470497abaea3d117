/* SPDX-License-Identifier: MIT */
/* main.c - `pktmon VERB ...`: dispatch and the top-level help. This program holds no
 * privilege; captures run in pktmon-capture (docs/PRIVILEGES.md). */
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "extcap.h"

static const struct verb {
	const char *name;
	int (*run)(int argc, char **argv);
} verbs[] = {
	{ "list", cmd_list },         { "start", cmd_start },       { "stop", cmd_stop },
	{ "status", cmd_status },     { "counters", cmd_counters }, { "reset", cmd_reset },
	{ "filter", cmd_filter },     { "format", cmd_format },     { "pcapng", cmd_pcapng },
	{ "hex2pkt", cmd_hex2pkt },   { "unload", cmd_unload },
	/* Windows' older names */
	{ "etl2txt", cmd_format },    { "etl2pcap", cmd_pcapng },
};

/* Windows verbs with another name here: a one-line hint instead of the usage. */
static const struct hint {
	const char *verb, *text;
} hints[] = {
	{ "comp", "`pktmon comp list` is `pktmon list`, `pktmon comp counters` is `pktmon counters`" },
	{ "components", "use `pktmon list`" },
	{ "latency",
	  "packet latency reports have no Linux equivalent yet; `pktmon format` shows each observation's time" },
	{ "trace",
	  "ETW event providers have no Linux equivalent; pktmon for Linux captures packets (`pktmon start -c`)" },
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
	      "  format     a pktmon pcapng file as text, one record per observation (etl2txt)\n"
	      "  pcapng     a filtered copy of a pktmon pcapng file, metadata kept (etl2pcap)\n"
	      "  hex2pkt    decode a packet given as a hex dump\n"
	      "  unload     stop every session of yours and detach what it attached\n"
	      "  help       this text; `pktmon help VERB` is VERB's help\n"
	      "\n"
	      "Run `pktmon VERB --help`, `pktmon VERB help` or `pktmon help VERB` for a verb's options;\n"
	      "`man pktmon` has the workflows. Windows' etl2txt and etl2pcap are format and pcapng.\n"
	      "Installed in Wireshark's extcap folder, the same binary is the \"pktmon\" capture\n"
	      "interface (Wireshark calls it with --extcap-interfaces, --extcap-config, --capture).\n"
	      "Captures run in the helper pktmon-capture, the only part with privileges.\n"
	      "Exit status: 0 success, 1 failure, 2 bad usage.\n",
	      f);
}

static const struct verb *find_verb(const char *name)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(name, verbs[i].name))
			return &verbs[i];
	return NULL;
}

static bool is_help(const char *s)
{
	return !strcmp(s, "--help") || !strcmp(s, "-h") || !strcmp(s, "help") || !strcmp(s, "-?");
}

/* A verb's help: the verb itself prints it, for `help VERB` and `VERB help` alike. */
static int verb_help(const struct verb *v)
{
	char *av[] = { (char *)v->name, "--help", NULL };
	return v->run(2, av);
}

static int unknown_verb(const char *verb)
{
	if (verb[0] == '-')
		return cli_fail(EXIT_USAGE, "'%s' is not a verb: options follow one, e.g. `pktmon start %s` "
					    "(`pktmon help` lists the verbs)", verb, verb);
	for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (!strcasecmp(verb, hints[i].verb))
			return cli_fail(EXIT_USAGE, "'%s' is a Windows pktmon verb: %s", verb, hints[i].text);
	return cli_fail(EXIT_USAGE, "unknown verb '%s' (`pktmon help` lists the verbs)", verb);
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "C"); /* output never depends on the locale */
	/* a verb first: `pktmon start --capture` is a capture, not Wireshark's --capture */
	const struct verb *v = argc > 1 ? find_verb(argv[1]) : NULL;
	bool wireshark = false; /* Wireshark always names the interface or asks for the list */
	for (int i = 1; i < argc; i++)
		wireshark |= !strncmp(argv[i], "--extcap-", 9);
	if (!v && wireshark && extcap_requested(argc, argv))
		return extcap_main(argc, argv, cmd_start_for_wireshark);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *verb = argv[1];
	if (is_help(verb)) {
		if (argc == 2) {
			usage(stdout);
			return 0;
		}
		const struct verb *hv = find_verb(argv[2]);
		if (!hv)
			return unknown_verb(argv[2]);
		return verb_help(hv);
	}
	if (!strcmp(verb, "--version")) {
		printf("pktmon %s\n", PKTMON_VERSION_STRING);
		return 0;
	}
	if (!v)
		return unknown_verb(verb);
	/* Windows' `pktmon start help` (filter has subcommands and handles it itself) */
	if (argc == 3 && !strcmp(argv[2], "help") && strcmp(verb, "filter"))
		return verb_help(v);
	return v->run(argc - 1, argv + 1);
}
