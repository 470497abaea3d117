/* SPDX-License-Identifier: MIT */
/* start_options.c - `pktmon start` options: parsed and checked in one place. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fail.h"
#include "start_options.h"

void start_usage(FILE *f)
{
	fputs("Usage: pktmon start [options]\n"
	      "\n"
	      "Starts a capture session in the background, as Windows pktmon does, and returns:\n"
	      "`pktmon counters` shows its counters, `pktmon stop` ends it, finishes the file and\n"
	      "prints a summary. Filters added with `pktmon filter add` apply (unless --filter or\n"
	      "--filters is given). One background session at a time.\n"
	      "With --foreground (implied by --run-for, --log-mode real-time, -f - and --fifo) it\n"
	      "captures until Ctrl-C, SIGTERM or --run-for, then prints the summary itself.\n"
	      "\n"
	      "      --foreground           stay in the foreground\n"
	      "  -c, --capture              capture packets (the default)\n"
	      "  -o, --counters-only        count per component, write no packets\n"
	      "      --comp LIST            all (default), nics, or layer names separated by commas\n"
	      "                             (see `pktmon list`), e.g. dev-rx,nf-input\n"
	      "      --type all|flow|drop   all observations, only flow (no drops), only drops\n"
	      "      --pkt-size N           bytes per packet, 0 = whole packet (default 128)\n"
	      "  -f, --file-name FILE       pcapng output (default PktMon.pcapng); '-' for stdout\n"
	      "  -s, --file-size MB         size limit of the file, a hard cap\n"
	      "  -l, --log-mode MODE        circular, multi-file or real-time (a text line per event\n"
	      "                             on stdout, and no file unless --file-name is given)\n"
	      "      --filter 'WORDS'       a pktmon filter, as `pktmon filter add` takes it, e.g.\n"
	      "                             --filter 'web -t TCP SYN -p 80'; repeat for more (max 32);\n"
	      "                             a packet is reported if it matches any filter\n"
	      "      --filters 'F1; F2'     several pktmon filters in one argument, separated by ';'\n"
	      "      --fifo PATH            write the pcapng into this fifo (Wireshark's extcap does)\n"
	      "      --netns LIST           report only what happens in these network namespaces\n"
	      "                             (`ip netns` names, host, or inode numbers, comma-separated);\n"
	      "                             packets are still followed through all of them\n"
	      "      --capture-filter EXPR  a pcap-filter expression (tcpdump syntax), applied to the\n"
	      "                             packet at its first sighting\n"
	      "      --host-name NAME       the host name the capture carries (default: this host's,\n"
	      "                             as uname says); tells hosts apart in merged files\n"
	      "      --run-for SECONDS      stop by itself after this long\n"
	      "      --ring-size BYTES      BPF ring buffer size, a power of two (default 8388608)\n"
	      "      --show-counters        print the per-component counters at the end (always\n"
	      "                             with --counters-only)\n"
	      "  -q, --quiet                no summary\n"
	      "  -h, --help                 this text\n",
	      f);
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	if (!s || !*s || *s == '-')
		return -1;
	unsigned long v = strtoul(s, &end, 0);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static int add_filter(const char *text, struct pm_filter *filters, size_t *n)
{
	char err[PKTMON_ERRLEN] = "";
	if (*n == PKTMON_MAX_FILTERS)
		return cli_fail(-1, "start: at most %d filters", PKTMON_MAX_FILTERS);
	if (pm_filter_parse_line(text, &filters[*n], err, sizeof(err)) < 0)
		return cli_fail(-1, "start: filter '%s': %s", text, err);
	(*n)++;
	return 0;
}

/* "F1; F2; ..." - empty pieces are skipped (the extcap dialog's field may be blank). */
static int add_filters(const char *list, struct pm_filter *filters, size_t *n)
{
	char *copy = strdup(list), *save = NULL;
	if (!copy)
		return -1;
	int rc = 0;
	for (char *tok = strtok_r(copy, ";", &save); tok && rc == 0; tok = strtok_r(NULL, ";", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		char *end = tok + strlen(tok);
		while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = 0;
		if (*tok)
			rc = add_filter(tok, filters, n);
	}
	free(copy);
	return rc;
}

/* "web,db,host": `ip netns` names, host, or inode numbers; empty pieces are skipped. */
/* A host name as a DNS label sequence would have it: it lands in files and in the Info of other tools */
static bool host_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof(((struct pktmon_session_options *)0)->host_name))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-' && *s != '_')
			return false;
	return true;
}

static int parse_netns(const char *list, struct start_opts *o)
{
	char *copy = strdup(list), *save = NULL;
	if (!copy)
		return -1;
	int rc = 0;
	for (char *tok = strtok_r(copy, ", ", &save); tok && !rc; tok = strtok_r(NULL, ", ", &save)) {
		char err[PKTMON_ERRLEN];
		uint32_t inode;
		if (o->nnetns == sizeof(o->netns) / sizeof(o->netns[0]))
			rc = cli_fail(-1, "start: --netns takes at most %zu namespaces", sizeof(o->netns) / sizeof(o->netns[0]));
		else if (pktmon_netns_resolve(tok, &inode, err, sizeof(err)) < 0)
			rc = cli_fail(-1, "start: --netns: %s", err);
		else
			o->netns[o->nnetns++] = inode;
	}
	free(copy);
	return rc;
}

int start_parse(int argc, char **argv, struct start_opts *o)
{
	enum { OPT_COMP = 256, OPT_TYPE, OPT_PKTSIZE, OPT_FILTER, OPT_FILTERS, OPT_FIFO, OPT_PCAP, OPT_RUNFOR,
	       OPT_RING, OPT_COUNTERS, OPT_FOREGROUND, OPT_CONTROL_IN, OPT_CONTROL_OUT, OPT_NETNS,
	       OPT_CONTROL_FD, OPT_READY_FD, OPT_HOST_NAME };
	static const struct option opts[] = {
		{ "capture", no_argument, NULL, 'c' },
		{ "counters-only", no_argument, NULL, 'o' },
		{ "comp", required_argument, NULL, OPT_COMP },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "pkt-size", required_argument, NULL, OPT_PKTSIZE },
		{ "file-name", required_argument, NULL, 'f' },
		{ "file-size", required_argument, NULL, 's' },
		{ "log-mode", required_argument, NULL, 'l' },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "filters", required_argument, NULL, OPT_FILTERS },
		{ "fifo", required_argument, NULL, OPT_FIFO },
		{ "capture-filter", required_argument, NULL, OPT_PCAP },
		{ "run-for", required_argument, NULL, OPT_RUNFOR },
		{ "ring-size", required_argument, NULL, OPT_RING },
		{ "show-counters", no_argument, NULL, OPT_COUNTERS },
		{ "foreground", no_argument, NULL, OPT_FOREGROUND },
		{ "netns", required_argument, NULL, OPT_NETNS },
		{ "host-name", required_argument, NULL, OPT_HOST_NAME },
		{ "control-in", required_argument, NULL, OPT_CONTROL_IN },   /* extcap.c passes these */
		{ "control-out", required_argument, NULL, OPT_CONTROL_OUT },
		{ "control-fd", required_argument, NULL, OPT_CONTROL_FD },   /* `pktmon start` passes these */
		{ "ready-fd", required_argument, NULL, OPT_READY_FD },       /* to pktmon-capture */
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof(*o));
	o->control_fd = o->ready_fd = -1;
	pktmon_session_options_default(&o->so);
	o->comp = "all";
	o->mode = PKTMON_LOG_SINGLE;
	unsigned long v;
	char err[PKTMON_ERRLEN] = "";

	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":cof:s:l:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': break;
		case 'o': o->so.counters_only = true; break;
		case OPT_COMP: o->comp = optarg; break;
		case OPT_TYPE:
			if (!strcasecmp(optarg, "all")) o->so.type = PKTMON_TYPE_ALL;
			else if (!strcasecmp(optarg, "flow")) o->so.type = PKTMON_TYPE_FLOW;
			else if (!strcasecmp(optarg, "drop")) o->so.type = PKTMON_TYPE_DROP;
			else return cli_fail(EXIT_USAGE, "start: --type takes all, flow or drop, not '%s'", optarg);
			break;
		case OPT_PKTSIZE:
			if (parse_uint(optarg, 65535, &v) < 0)
				return cli_fail(EXIT_USAGE, "start: --pkt-size takes 0..65535, not '%s'", optarg);
			o->so.snaplen = (uint32_t)v;
			break;
		case 'f': o->file = optarg; break;
		case 's':
			if (parse_uint(optarg, 1u << 20, &o->file_mb) < 0 || o->file_mb == 0)
				return cli_fail(EXIT_USAGE, "start: --file-size takes megabytes 1..1048576, not '%s'", optarg);
			break;
		case 'l':
			if (!strcasecmp(optarg, "circular")) o->mode = PKTMON_LOG_CIRCULAR;
			else if (!strcasecmp(optarg, "multi-file")) o->mode = PKTMON_LOG_MULTI_FILE;
			else if (!strcasecmp(optarg, "real-time")) o->realtime = true;
			else return cli_fail(EXIT_USAGE, "start: --log-mode takes circular, multi-file or real-time, not '%s'", optarg);
			break;
		case OPT_FILTER:
			o->filters_given = true;
			if (add_filter(optarg, o->filters, &o->nfilters) < 0)
				return EXIT_USAGE;
			break;
		case OPT_FILTERS:
			o->filters_given = true;
			if (add_filters(optarg, o->filters, &o->nfilters) < 0)
				return EXIT_USAGE;
			break;
		case OPT_FIFO: o->fifo = optarg; break;
		case OPT_PCAP: o->pcap_expr = optarg; break;
		case OPT_HOST_NAME:
			if (!host_name_ok(optarg))
				return cli_fail(EXIT_USAGE, "start: --host-name takes 1..64 letters, digits, '.', '-' or '_', "
						"not '%s'", optarg);
			snprintf(o->so.host_name, sizeof(o->so.host_name), "%s", optarg);
			break;
		case OPT_RUNFOR:
			if (parse_uint(optarg, 86400 * 365, &o->run_for) < 0 || o->run_for == 0)
				return cli_fail(EXIT_USAGE, "start: --run-for takes whole seconds > 0, not '%s'", optarg);
			break;
		case OPT_RING:
			if (parse_uint(optarg, 1ul << 30, &v) < 0 || v < 4096 || (v & (v - 1)))
				return cli_fail(EXIT_USAGE, "start: --ring-size takes a power of two from 4096, not '%s'", optarg);
			o->so.ring_bytes = (uint32_t)v;
			break;
		case OPT_COUNTERS: o->show_counters = true; break;
		case OPT_FOREGROUND: o->foreground = true; break;
		case OPT_NETNS:
			if (parse_netns(optarg, o) < 0)
				return EXIT_USAGE;
			break;
		case OPT_CONTROL_IN: o->control_in = optarg; break;
		case OPT_CONTROL_OUT: o->control_out = optarg; break;
		case OPT_CONTROL_FD:
		case OPT_READY_FD:
			if (parse_uint(optarg, 1023, &v) < 0 || v < 3)
				return cli_fail(EXIT_USAGE, "start: --%s takes a descriptor 3..1023, not '%s'",
						c == OPT_CONTROL_FD ? "control-fd" : "ready-fd", optarg);
			*(c == OPT_CONTROL_FD ? &o->control_fd : &o->ready_fd) = (int)v;
			break;
		case 'q': o->quiet = true; break;
		case 'h': start_usage(stdout); return 0;
		case ':': return cli_fail(EXIT_USAGE, "start: option '%s' needs a value", argv[optind - 1]);
		default: return cli_fail(EXIT_USAGE, "start: unknown option '%s' (see pktmon start --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_fail(EXIT_USAGE, "start: unexpected argument '%s'", argv[optind]);
	if (o->fifo && o->file)
		return cli_fail(EXIT_USAGE, "start: --fifo and --file-name exclude each other");
	if (!o->file && !o->fifo && !o->realtime && !o->so.counters_only)
		o->file = "PktMon.pcapng";
	if (o->mode != PKTMON_LOG_SINGLE && !o->file_mb)
		return cli_fail(EXIT_USAGE, "start: circular and multi-file log modes need --file-size");
	if (o->pcap_expr && pktmon_check_pcap_filter(o->pcap_expr, err, sizeof(err)) < 0)
		return cli_fail(EXIT_USAGE, "start: %s", err);
	/* these modes belong to the terminal or to Wireshark */
	if (o->realtime || o->run_for || o->fifo || (o->file && !strcmp(o->file, "-")))
		o->foreground = true;
	return -1;
}

