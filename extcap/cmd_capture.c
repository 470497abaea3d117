/* SPDX-License-Identifier: MIT */
/* cmd_capture.c - `pktmon start`: a capture session in the foreground. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "capture_run.h"
#include "cli.h"
#include "daemon.h"
#include "rundir.h"
#include "toolbar.h"
#include "filter.h"
#include "pktmon/pktmon.h"

static void start_usage(FILE *f)
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
	      "      --run-for SECONDS      stop by itself after this long\n"
	      "      --ring-size BYTES      BPF ring buffer size, a power of two (default 8388608)\n"
	      "      --show-counters        print the per-component counters at the end (always\n"
	      "                             with --counters-only)\n"
	      "  -q, --quiet                no summary\n"
	      "  -h, --help                 this text\n",
	      f);
}

static volatile sig_atomic_t got_signal;
static void on_signal(int sig) { got_signal = sig; }

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

static int parse_comp(pktmon_session *s, const char *list, char *err, size_t errlen)
{
	if (!strcasecmp(list, "all"))
		return 0;
	if (!strcasecmp(list, "nics")) {
		pktmon_add_data_source(s, PKTMON_LAYER_DEV_RX);
		pktmon_add_data_source(s, PKTMON_LAYER_DEV_TX);
		return 0;
	}
	char *copy = strdup(list), *save = NULL;
	if (!copy)
		return -1;
	int rc = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		enum pktmon_layer l = pktmon_layer_from_name(tok);
		if (l == PKTMON_LAYER_UNKNOWN) {
			snprintf(err, errlen, "unknown component layer '%s' (see `pktmon list`)", tok);
			rc = -1;
			break;
		}
		if (pktmon_add_data_source(s, l) == -EOPNOTSUPP) {
			snprintf(err, errlen, "layer '%s' is not available on this kernel (see `pktmon list`)", tok);
			rc = -1;
			break;
		}
	}
	free(copy);
	return rc;
}

/* The per-component table, as Windows `pktmon counters` prints it. */
static void print_counters(pktmon_session *s)
{
	struct pktmon_counter *c;
	size_t n;
	if (pktmon_get_counters(s, &c, &n) < 0)
		return;
	printf("%-4s %-44s %10s %12s %10s %12s %8s  %s\n", "Id", "Component", "Rx pkts", "Rx bytes",
	       "Tx pkts", "Tx bytes", "Drops", "Last drop reason");
	for (size_t i = 0; i < n; i++)
		printf("%-4u %-44s %10llu %12llu %10llu %12llu %8llu  %s\n", c[i].component_id, c[i].name,
		       (unsigned long long)c[i].rx_pkts, (unsigned long long)c[i].rx_bytes,
		       (unsigned long long)c[i].tx_pkts, (unsigned long long)c[i].tx_bytes,
		       (unsigned long long)c[i].drops, c[i].last_drop_reason);
	pktmon_free_counters(c);
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

struct rt_ctx {
	unsigned long long lines;
	bool quiet; /* warnings too: Wireshark shows an extcap's stderr as an error */
};

static void rt_data(void *user, const struct pktmon_event *ev)
{
	struct rt_ctx *c = user;
	char line[640];
	pktmon_format_event(ev, line, sizeof(line));
	puts(line);
	c->lines++;
}

static void rt_event(void *user, enum pktmon_stream_event kind, const char *msg)
{
	const struct rt_ctx *c = user;
	if (kind == PKTMON_STREAM_ERROR || (kind == PKTMON_STREAM_WARNING && !c->quiet))
		fprintf(stderr, "pktmon: %s%s\n", kind == PKTMON_STREAM_ERROR ? "error: " : "", msg);
}

int start_parse(int argc, char **argv, struct start_opts *o)
{
	enum { OPT_COMP = 256, OPT_TYPE, OPT_PKTSIZE, OPT_FILTER, OPT_FILTERS, OPT_FIFO, OPT_PCAP, OPT_RUNFOR,
	       OPT_RING, OPT_COUNTERS, OPT_FOREGROUND, OPT_CONTROL_IN, OPT_CONTROL_OUT, OPT_NETNS };
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
		{ "control-in", required_argument, NULL, OPT_CONTROL_IN },   /* extcap.c passes these */
		{ "control-out", required_argument, NULL, OPT_CONTROL_OUT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof(*o));
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

static void report_ready(int fd, const char *msg)
{
	if (fd < 0)
		return;
	char line[PKTMON_ERRLEN + 8];
	int n = snprintf(line, sizeof(line), msg ? "ERR %s\n" : "OK\n", msg ? msg : "");
	if (write(fd, line, (size_t)n) < 0) {
		/* the parent is gone; nothing to tell */
	}
}

int capture_run(struct start_opts *o, struct ctl_server *ctl, int ready_fd)
{
	char err[PKTMON_ERRLEN] = "";
	pktmon_handle *h;
	if (pktmon_initialize(&h, err, sizeof(err)) < 0) {
		report_ready(ready_fd, err);
		return cli_fail(1, "%s", err);
	}
	pktmon_session *s;
	int rc = pktmon_create_live_session(h, "pktmon", &s);
	if (rc < 0) {
		report_ready(ready_fd, "cannot create a session");
		pktmon_uninitialize(h);
		return cli_fail(1, "cannot create a session: %s", strerror(-rc));
	}
	int exit_code = 1, fifo_fd = -1;
	struct rt_ctx rt = { .quiet = o->quiet };
	if (pktmon_session_set_options(s, &o->so) < 0) {
		snprintf(err, sizeof(err), "invalid options");
		goto fail;
	}
	if (parse_comp(s, o->comp, err, sizeof(err)) < 0) {
		exit_code = EXIT_USAGE;
		goto fail;
	}
	for (size_t i = 0; i < o->nfilters; i++)
		pktmon_add_capture_constraint(s, &o->filters[i], NULL, 0);
	for (size_t i = 0; i < o->nnetns; i++)
		pktmon_add_netns(s, o->netns[i]);
	if (o->pcap_expr && pktmon_set_pcap_filter(s, o->pcap_expr, err, sizeof(err)) < 0) {
		exit_code = EXIT_USAGE;
		goto fail;
	}
	struct pktmon_stream_callbacks cb = { .on_data = o->realtime ? rt_data : NULL, .on_event = rt_event, .user = &rt };
	pktmon_output *out;
	pktmon_create_realtime_stream(h, &cb, &out);
	pktmon_attach_output(s, out);
	if (o->fifo) {
		/* counters-only too: Wireshark waits for a pcapng header on the fifo */
		fifo_fd = open(o->fifo, O_WRONLY | O_CLOEXEC);
		if (fifo_fd < 0) {
			snprintf(err, sizeof(err), "cannot open the fifo %s: %s", o->fifo, strerror(errno));
			goto fail;
		}
		struct pktmon_pcapng_options po = { .fd = fifo_fd };
		if (pktmon_create_pcapng_output(h, &po, &out, err, sizeof(err)) < 0)
			goto fail;
		pktmon_attach_output(s, out);
	}
	if (o->file && !o->so.counters_only) {
		bool to_stdout = !strcmp(o->file, "-");
		struct pktmon_pcapng_options po = {
			.path = to_stdout ? NULL : o->file,
			.fd = to_stdout ? 1 : -1,
			.size_limit = (uint64_t)o->file_mb << 20,
			.mode = o->mode,
		};
		if (pktmon_create_pcapng_output(h, &po, &out, err, sizeof(err)) < 0)
			goto fail;
		pktmon_attach_output(s, out);
	}

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (pktmon_set_session_active(s, true, err, sizeof(err)) < 0)
		goto fail;
	report_ready(ready_fd, NULL);
	if (!o->quiet && ready_fd < 0)
		fprintf(stderr, "pktmon: capturing%s%s; Ctrl-C to stop\n", o->file ? " to " : "", o->file ? o->file : "");
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bool stop_requested = false;
	struct toolbar *tb = o->control_in || o->control_out ? toolbar_open(o->control_in, o->control_out) : NULL;
	while (!got_signal && !stop_requested) {
		if (ctl)
			ctl_poll(ctl, s, 100, &stop_requested);
		else if (tb)
			toolbar_poll(tb, s, 100);
		else {
			struct timespec nap = { 0, 100 * 1000 * 1000 };
			nanosleep(&nap, NULL);
		}
		if (pktmon_session_failed(s))
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (o->run_for && (unsigned long)(now.tv_sec - t0.tv_sec) >= o->run_for)
			break;
	}
	toolbar_close(tb);
	rc = pktmon_set_session_active(s, false, err, sizeof(err));
	struct pktmon_totals t;
	pktmon_get_totals(s, &t);
	if (ctl)
		ctl_finish(ctl, s, o->file);
	if (!o->quiet) {
		fprintf(stderr,
			"pktmon: stopped. %llu events generated, %llu written, %llu lost (ring buffer), %llu drops, "
			"%llu netns hooked%s%s\n",
			(unsigned long long)t.events_generated,
			(unsigned long long)(t.events_received - t.filtered_out), (unsigned long long)t.events_lost,
			(unsigned long long)t.drops, (unsigned long long)t.netns_attached, o->file ? "; file " : "",
			o->file ? o->file : "");
	}
	if (o->show_counters || o->so.counters_only)
		print_counters(s);
	if (t.events_lost)
		fprintf(stderr, "pktmon: warning: %llu events were lost: the ring buffer was full "
				"(try --ring-size, --pkt-size or a filter)\n", (unsigned long long)t.events_lost);
	exit_code = rc < 0 ? 1 : 0;
	goto out;
fail:
	report_ready(ready_fd, err);
	cli_fail(exit_code, "%s", err);
out:
	pktmon_close_session(s);
	pktmon_uninitialize(h);
	if (fifo_fd >= 0)
		close(fifo_fd);
	return exit_code;
}

int cmd_start(int argc, char **argv)
{
	struct start_opts o;
	int rc = start_parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	/* Windows semantics: filters added with `pktmon filter add` apply to the next start */
	if (!o.filters_given && !o.fifo) {
		char err[PKTMON_ERRLEN] = "";
		if (rundir_filters_load(o.filters, &o.nfilters, err, sizeof(err)) < 0)
			return cli_fail(1, "%s", err);
	}
	if (o.foreground)
		return capture_run(&o, NULL, -1);
	return daemon_start(&o);
}
