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
	      "  -c, --capture              capture packets (the default); --etw, Windows' older\n"
	      "                             form, is the same (with it, -p N is --pkt-size and\n"
	      "                             -c IDS is --comp, as in Windows 10 1809)\n"
	      "  -o, --counters-only        count per component, write no packets\n"
	      "      --comp LIST            all (default), nics, layer names or ids from `pktmon list`,\n"
	      "                             separated by commas, e.g. dev-rx,nf-input or 337000200\n"
	      "      --type all|flow|drop   all observations, only flow (no drops), only drops\n"
	      "      --pkt-size N           bytes per packet, 0 = whole packet (default 128)\n"
	      "  -f, --file-name FILE       pcapng output (default PktMon.pcapng); '-' for stdout\n"
	      "  -s, --file-size MB         the file's size in megabytes (default 512, as Windows)\n"
	      "  -m, -l, --log-mode MODE    circular (default: the newest packets within --file-size),\n"
	      "                             multi-file (a new file each --file-size: X.pcapng, X_1.pcapng...),\n"
	      "                             memory (the circular capture kept in memory, /dev/shm,\n"
	      "                             written to the file at `pktmon stop`), single (one file,\n"
	      "                             capped at --file-size if given), or real-time (a text\n"
	      "                             line per event on stdout, no file unless -f is given)\n"
	      "      --flags MASK           Windows' logging mask (hex): accepted, no effect; the\n"
	      "                             metadata and --pkt-size bytes are always written\n"
	      "      --filter 'WORDS'       a pktmon filter, as `pktmon filter add` takes it, e.g.\n"
	      "                             --filter 'web -t TCP SYN -p 80'; repeat for more (max 32);\n"
	      "                             a packet is reported if it matches any filter\n"
	      "      --filters 'F1; F2'     several pktmon filters in one argument, separated by ';'\n"
	      "      --fifo PATH            write the pcapng into this fifo (Wireshark's extcap does)\n"
	      "      --netns LIST           report only what happens in these network namespaces\n"
	      "                             (`ip netns` names, host, container labels such as docker:web,\n"
	      "                             or inode numbers, comma-separated);\n"
	      "                             packets are still followed through all of them\n"
	      "      --capture-filter EXPR  a pcap-filter expression (tcpdump syntax), applied to the\n"
	      "                             packet at its first sighting\n"
	      "      --rule-trace           name the nftables rule of every NETFILTER_DROP, even without\n"
	      "                             a filter or --netns (a table pktmon_trace_<pid> traces every\n"
	      "                             packet: microseconds each); by default only filtered packets\n"
	      "      --no-rule-trace        do not name the nftables rule of a NETFILTER_DROP\n"
	      "      --host-name NAME       the host name the capture carries (default: this host's,\n"
	      "                             as uname says); tells hosts apart in merged files\n"
	      "      --run-for SECONDS      stop by itself after this long\n"
	      "      --ring-size BYTES      BPF ring buffer size, a power of two (default 33554432;\n"
	      "                             1048576 with --counters-only)\n"
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

/* "web,db,host": `ip netns` names, host, container labels or inode numbers; empty pieces are skipped. */
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
	       OPT_CONTROL_FD, OPT_READY_FD, OPT_FLAGS, OPT_TRACE, OPT_ETW, OPT_HOST_NAME,
	       OPT_NO_RULE_TRACE, OPT_RULE_TRACE };
	static const struct option opts[] = {
		{ "capture", no_argument, NULL, 'c' },
		{ "etw", no_argument, NULL, OPT_ETW },
		{ "flags", required_argument, NULL, OPT_FLAGS },
		{ "trace", no_argument, NULL, OPT_TRACE },
		{ "provider", required_argument, NULL, OPT_TRACE },
		{ "keywords", required_argument, NULL, OPT_TRACE },
		{ "level", required_argument, NULL, OPT_TRACE },
		{ "counters-only", no_argument, NULL, 'o' },
		{ "comp", required_argument, NULL, OPT_COMP },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "pkt-size", required_argument, NULL, OPT_PKTSIZE },
		{ "file-name", required_argument, NULL, 'f' },
		{ "file-size", required_argument, NULL, 's' },
		{ "log-mode", required_argument, NULL, 'm' },
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
		{ "no-rule-trace", no_argument, NULL, OPT_NO_RULE_TRACE },
		{ "rule-trace", no_argument, NULL, OPT_RULE_TRACE },
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
	o->rule_trace = -1; /* the library decides */
	pktmon_session_options_default(&o->so);
	o->comp = "all";
	o->mode = PKTMON_LOG_CIRCULAR; /* Windows' default: circular, 512 MB */
	bool mode_given = false;
	unsigned long v;
	char err[PKTMON_ERRLEN] = "";

	/* Windows 10 1809's form, `--etw -p 0 -c 13`: -p is the packet size, -c components */
	bool etw = false;
	for (int i = 1; i < argc; i++)
		etw |= !strcmp(argv[i], "--etw");

	optind = 1;
	opterr = 0;
	int c, longindex = -1;
	while ((c = getopt_long(argc, argv, ":cof:s:l:m:tp:k:qh", opts, &longindex)) != -1) {
		switch (c) {
		case 'c':
			if (etw && optind < argc && argv[optind][0] &&
			    strspn(argv[optind], "0123456789,") == strlen(argv[optind]))
				o->comp = argv[optind++];
			break;
		case OPT_ETW: break;
		case OPT_FLAGS:
			if (parse_uint(optarg, 0xffffffffu, &v) < 0)
				return cli_fail(EXIT_USAGE, "start: --flags takes a hex mask such as 0x012, not '%s'", optarg);
			break;
		case 'p':
			if (etw) {
				if (parse_uint(optarg, 65535, &v) < 0)
					return cli_fail(EXIT_USAGE, "start: --etw -p (the packet size) takes 0..65535, not '%s'",
							optarg);
				o->so.snaplen = (uint32_t)v;
				break;
			}
			__attribute__((fallthrough)); /* Windows' --provider */
		case OPT_TRACE:
		case 't':
		case 'k': {
			char name[32] = "--trace";
			if (c != OPT_TRACE)
				snprintf(name, sizeof(name), "-%c", c);
			else if (longindex >= 0)
				snprintf(name, sizeof(name), "--%s", opts[longindex].name);
			return cli_fail(EXIT_USAGE, "start: '%s' selects Windows ETW event providers, which Linux does not "
						    "have; pktmon for Linux captures packets only (-c)", name);
		}
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
		case 'm':
			mode_given = true;
			o->realtime = o->memory = false;
			if (!strcasecmp(optarg, "circular")) o->mode = PKTMON_LOG_CIRCULAR;
			else if (!strcasecmp(optarg, "multi-file")) o->mode = PKTMON_LOG_MULTI_FILE;
			else if (!strcasecmp(optarg, "single")) o->mode = PKTMON_LOG_SINGLE;
			else if (!strcasecmp(optarg, "memory")) o->mode = PKTMON_LOG_CIRCULAR, o->memory = true;
			else if (!strcasecmp(optarg, "real-time")) o->realtime = true;
			else return cli_fail(EXIT_USAGE, "start: --log-mode takes circular, multi-file, real-time, memory or "
							 "single, not '%s'", optarg);
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
		case OPT_NO_RULE_TRACE: o->rule_trace = 0; break;
		case OPT_RULE_TRACE: o->rule_trace = 1; break;
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
	bool to_stdout = o->file && !strcmp(o->file, "-");
	if (o->memory && (!o->file || to_stdout))
		return cli_fail(EXIT_USAGE, "start: --log-mode memory writes a file at stop: it needs a file, not %s",
				to_stdout ? "standard output" : "--fifo or --counters-only");
	if (to_stdout && mode_given && o->mode != PKTMON_LOG_SINGLE && !o->realtime)
		return cli_fail(EXIT_USAGE, "start: circular and multi-file log modes need a file, not standard output");
	if (o->realtime || to_stdout)
		o->mode = PKTMON_LOG_SINGLE; /* no size limit unless -s: a stream cannot wrap */
	if (!o->file_mb && o->mode != PKTMON_LOG_SINGLE)
		o->file_mb = 512;
	if (o->pcap_expr && pktmon_check_pcap_filter(o->pcap_expr, err, sizeof(err)) < 0)
		return cli_fail(EXIT_USAGE, "start: %s", err);
	/* these modes belong to the terminal or to Wireshark */
	if (o->realtime || o->run_for || o->fifo || to_stdout)
		o->foreground = true;
	return -1;
}

