/* SPDX-License-Identifier: MIT */
/* cmd_session.c - `pktmon stop|status|counters|reset`: talk to the background session. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "pktmon/pktmon.h"
#include "control_protocol.h"
#include "counters_table.h"
#include "rundir.h"
#include "session_client.h"

/* Asks the session; prints why not and returns 1 when there is none. */
static int ask(const char *req, struct ctl_status *a, char **raw)
{
	char err[PKTMON_ERRLEN] = "";
	*raw = ctl_request(req, err, sizeof(err));
	if (!*raw)
		return cli_fail(1, "%s", err);
	if (ctl_status_parse(*raw, a) < 0)
		return cli_fail(1, "out of memory");
	return 0;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* ---- counters ------------------------------------------------------------------------------- */

struct counters_opts {
	enum pktmon_capture_type type;
	bool zero, drop_reason, json;
};

static bool row_is_zero(const struct ctl_comp_row *r)
{
	return !r->rx_pkts && !r->tx_pkts && !r->drops && !r->lost;
}

static void print_table(const struct ctl_status *a, const struct counters_opts *o)
{
	bool flow = o->type != PKTMON_TYPE_DROP, drop = o->type != PKTMON_TYPE_FLOW;
	counters_table_header(stdout, flow);
	size_t shown = 0;
	for (size_t i = 0; i < a->ncomps; i++) {
		const struct ctl_comp_row *r = &a->comps[i];
		if (!o->zero && row_is_zero(r))
			continue;
		if (!flow && !r->drops && !o->zero)
			continue;
		shown++;
		counters_table_row(stdout, r, flow, drop);
		if (o->drop_reason)
			for (size_t d = 0; d < a->ndrops; d++)
				if (a->drops_by_reason[d].id == r->id)
					printf("     Drop reason %-40s %llu\n", a->drops_by_reason[d].reason,
					       a->drops_by_reason[d].count);
	}
	if (!shown)
		printf("(no counters yet%s)\n", o->zero ? "" : "; --zero shows components with zero counts");
	printf("Events: %llu generated, %llu written, %llu lost by the ring buffer; %llu drops\n", a->generated,
	       a->written, a->lost, a->drops);
	if (a->missed)
		printf("Observations the kernel skipped (a BPF program already running on that CPU): %llu\n",
		       a->missed);
}

static void print_json(const struct ctl_status *a, const struct counters_opts *o)
{
	printf("{\"running\":%s,\"pid\":%d,\"started\":%lld,\"file\":", a->running ? "true" : "false", a->pid,
	       a->started);
	json_str(stdout, a->file);
	printf(",\"events_generated\":%llu,\"events_written\":%llu,\"events_lost\":%llu,\"events_missed\":%llu,"
	       "\"drops\":%llu,\"netns_hooked\":%llu,\"components\":[",
	       a->generated, a->written, a->lost, a->missed, a->drops, a->netns);
	bool first = true;
	for (size_t i = 0; i < a->ncomps; i++) {
		const struct ctl_comp_row *r = &a->comps[i];
		if (!o->zero && row_is_zero(r))
			continue;
		printf("%s{\"id\":%u,\"name\":", first ? "" : ",", r->id);
		json_str(stdout, r->name);
		printf(",\"layer\":\"%s\",\"rx_packets\":%llu,\"rx_bytes\":%llu,\"tx_packets\":%llu,\"tx_bytes\":%llu,"
		       "\"drops\":%llu,\"lost\":%llu,\"last_drop_reason\":",
		       r->layer, r->rx_pkts, r->rx_bytes, r->tx_pkts, r->tx_bytes, r->drops, r->lost);
		json_str(stdout, r->reason);
		printf(",\"drop_reasons\":{");
		bool f2 = true;
		for (size_t d = 0; d < a->ndrops; d++)
			if (a->drops_by_reason[d].id == r->id) {
				printf("%s", f2 ? "" : ",");
				json_str(stdout, a->drops_by_reason[d].reason);
				printf(":%llu", a->drops_by_reason[d].count);
				f2 = false;
			}
		printf("}}");
		first = false;
	}
	printf("]}\n");
}

static volatile sig_atomic_t interrupted;
static void on_int(int sig) { (void)sig; interrupted = 1; }

int cmd_counters(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "zero", no_argument, NULL, 'z' },
		{ "drop-reason", no_argument, NULL, 'r' },
		{ "live", no_argument, NULL, 'L' },
		{ "refresh-rate", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ "include-hidden", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct counters_opts o = { .type = PKTMON_TYPE_ALL };
	bool live = false;
	long refresh = 1;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":t:zrih", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (!strcasecmp(optarg, "all")) o.type = PKTMON_TYPE_ALL;
			else if (!strcasecmp(optarg, "flow")) o.type = PKTMON_TYPE_FLOW;
			else if (!strcasecmp(optarg, "drop")) o.type = PKTMON_TYPE_DROP;
			else return cli_fail(EXIT_USAGE, "counters: --type takes all, flow or drop, not '%s'", optarg);
			break;
		case 'z': o.zero = true; break;
		case 'i': break; /* Windows' hidden components: every component is shown here */
		case 'r': o.drop_reason = true; break;
		case 'L': live = true; break;
		case 'R': {
			char *end;
			refresh = strtol(optarg, &end, 10);
			if (*end || refresh < 1 || refresh > 3600)
				return cli_fail(EXIT_USAGE, "counters: --refresh-rate takes seconds 1..3600, not '%s'", optarg);
			break;
		}
		case 'j': o.json = true; break;
		case 'h':
			puts("Usage: pktmon counters [--type all|flow|drop] [--zero] [--drop-reason] [--live [--refresh-rate N]] [--json]\n\n"
			     "The running session's counters per component, laid out as Windows prints them:\n"
			     "Id, Name, Counter, then Direction, Packets, Bytes for Rx | for Tx; a component\n"
			     "with drops has a second row: Drops, the count, the events lost and the last reason.\n"
			     "  --type          flow: packet counts only; drop: drop counts only\n"
			     "  --zero          also components whose counts are all zero\n"
			     "  --drop-reason   the drops of each component by reason\n"
			     "  --live          refresh every --refresh-rate seconds (default 1) until Ctrl-C\n"
			     "  --json          one JSON object (with --live, one per refresh)\n"
			     "  -i, --include-hidden  accepted (Windows): no component is hidden here\n"
			     "Exit status: 0, or 1 when no session is running.");
			return 0;
		case ':': return cli_fail(EXIT_USAGE, "counters: option '%s' needs a value", argv[optind - 1]);
		default: return cli_fail(EXIT_USAGE, "counters: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_fail(EXIT_USAGE, "counters: unexpected argument '%s'", argv[optind]);
	if (live)
		signal(SIGINT, on_int);
	do {
		struct ctl_status a;
		char *raw;
		if (ask("counters", &a, &raw))
			return 1;
		if (live && !o.json)
			printf("\n%s", ctime(&(time_t){ time(NULL) }));
		if (o.json)
			print_json(&a, &o);
		else
			print_table(&a, &o);
		fflush(stdout);
		ctl_status_free(&a);
		free(raw);
		if (live)
			for (long i = 0; i < refresh * 10 && !interrupted; i++)
				usleep(100000);
	} while (live && !interrupted);
	return 0;
}

int cmd_status(int argc, char **argv)
{
	bool json = argc > 1 && !strcmp(argv[1], "--json");
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("Usage: pktmon status [--json]\n\nSays whether a background session runs, since when, into which file.\n"
		     "Exit status: 0 either way (the output says which), 1 on errors.");
		return 0;
	}
	if (argc > (json ? 2 : 1))
		return cli_fail(EXIT_USAGE, "status: unexpected argument '%s'", argv[json ? 2 : 1]);
	char err[PKTMON_ERRLEN] = "";
	char *raw = ctl_request("status", err, sizeof(err));
	if (!raw) {
		if (errno != ENOENT)
			return cli_fail(1, "%s", err);
		if (json)
			printf("{\"running\":false}\n");
		else
			printf("Packet Monitor is not running.\n");
		return 0;
	}
	struct ctl_status a;
	ctl_status_parse(raw, &a);
	if (json) {
		struct counters_opts o = { .type = PKTMON_TYPE_ALL };
		print_json(&a, &o);
	} else {
		time_t st = (time_t)a.started;
		char when[64];
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&st));
		printf("Packet Monitor is running (pid %d) since %s.\n", a.pid, when);
		printf("File: %s\n", a.file[0] && strcmp(a.file, "-") ? a.file : "(none)");
		printf("Events: %llu generated, %llu written, %llu lost; %llu drops; %zu components; %llu namespaces hooked.\n",
		       a.generated, a.written, a.lost, a.drops, a.ncomps, a.netns);
	}
	ctl_status_free(&a);
	free(raw);
	return 0;
}

int cmd_stop(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("Usage: pktmon stop\n\nEnds the background session, finishes its file and prints a summary.\n"
		     "Exit status: 0, or 1 when no session is running.");
		return 0;
	}
	if (argc > 1)
		return cli_fail(EXIT_USAGE, "stop: unexpected argument '%s'", argv[1]);
	struct ctl_status a;
	char *raw;
	if (ask("stop", &a, &raw))
		return 1;
	printf("Packet Monitor stopped. %llu events generated, %llu written, %llu lost by the ring buffer; %llu drops.\n",
	       a.generated, a.written, a.lost, a.drops);
	if (a.file[0] && strcmp(a.file, "-"))
		printf("File: %s\n", a.file);
	if (a.lost)
		printf("Warning: %llu events were lost (try a larger --ring-size, a smaller --pkt-size or a filter).\n", a.lost);
	/* wait until the process is gone, so that a new start can follow at once */
	for (int i = 0; i < 100 && a.pid > 0 && kill(a.pid, 0) == 0; i++)
		usleep(20000);
	struct sockaddr_un sock;
	char err[PKTMON_ERRLEN];
	if (a.pid > 0 && kill(a.pid, 0) < 0 && ctl_socket_address(&sock, 0, err, sizeof(err)) == 0)
		unlink(sock.sun_path); /* the helper cannot: it never knew the path */
	ctl_status_free(&a);
	free(raw);
	return 0;
}

int cmd_reset(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("Usage: pktmon reset\n\nZeroes the running session's counters.");
		return 0;
	}
	if (argc > 1)
		return cli_fail(EXIT_USAGE, "reset: unexpected argument '%s'", argv[1]);
	char err[PKTMON_ERRLEN] = "";
	char *raw = ctl_request("reset", err, sizeof(err));
	if (!raw)
		return cli_fail(1, "%s", err);
	int ok = ctl_result_ok(raw);
	free(raw);
	if (!ok)
		return cli_fail(1, "the session could not reset its counters");
	printf("All counters reset.\n");
	return 0;
}
