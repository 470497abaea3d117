/* SPDX-License-Identifier: MIT */
/*
 * drop_watch.c - libpktmon's example: watch where packets drop, and why.
 *
 *   drop_watch [SECONDS [FILTER]]      e.g. drop_watch 10 "-t UDP -p 9"
 *   drop_watch --list                  the components that exist now (no privilege needed)
 *
 * Opens a session on every observation point this kernel offers, reports only
 * drops, and prints each one as the real-time stream delivers it: the
 * component, the kernel's reason and where in the kernel. Runs SECONDS (10),
 * then prints the totals. Needs root (or pktmon-capture's capabilities).
 * Build: cc drop_watch.c $(pkg-config --cflags --libs pktmon)
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep, in strict C11 too */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <pktmon/pktmon.h>

struct watch {
	unsigned long drops, missed;
};

/* Runs on the session's consumer thread, one event at a time. */
static void on_data(void *user, const struct pktmon_event *ev)
{
	struct watch *w = user;
	w->missed += ev->missed_write + ev->missed_read;
	if (!(ev->flags & PKTMON_FLAG_DROPPED))
		return;
	w->drops++;
	printf("drop: component %" PRIu32 " \"%s\" (%s) reason %s at %s, %" PRIu32 " bytes (%" PRIu32 " captured)\n",
	       ev->component_id, ev->component_name, pktmon_layer_name(ev->layer),
	       ev->drop_reason ? ev->drop_reason : "?", ev->drop_symbol && ev->drop_symbol[0] ? ev->drop_symbol : "?",
	       ev->orig_len, ev->cap_len);
	fflush(stdout);
}

static void on_event(void *user, enum pktmon_stream_event kind, const char *message)
{
	(void)user;
	if (kind == PKTMON_STREAM_ERROR || kind == PKTMON_STREAM_WARNING)
		fprintf(stderr, "drop_watch: %s\n", message);
}

static const char *kind_name(enum pktmon_component_kind k)
{
	return k == PKTMON_COMPONENT_INTERFACE ? "interface" : k == PKTMON_COMPONENT_POINT ? "point" : "layer";
}

/* Pktmonapi's data-source enumeration: interfaces, their points (parent: the interface), layers. */
static int list_components(pktmon_handle *h)
{
	struct pktmon_component_info *c;
	size_t n;
	int rc = pktmon_enum_components(h, false, &c, &n);
	if (rc < 0)
		return rc;
	printf("%-10s %-10s %-9s %-16s %s\n", "Id", "Parent", "Kind", "Namespace", "Name");
	for (size_t i = 0; i < n; i++)
		printf("%-10" PRIu32 " %-10" PRIu32 " %-9s %-16s %s%s%s%s\n", c[i].id, c[i].parent_id,
		       kind_name(c[i].kind), c[i].netns_name, c[i].name,
		       c[i].kind == PKTMON_COMPONENT_INTERFACE ? " (" : "", c[i].if_kind,
		       c[i].kind == PKTMON_COMPONENT_INTERFACE ? ")" : "");
	pktmon_free_components(c);
	return 0;
}

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	int listing = argc > 1 && argv[1][0] == '-' && argv[1][1] == '-' && argv[1][2] == 'l';
	int seconds = argc > 1 && !listing ? atoi(argv[1]) : 10;
	const char *filter = argc > 2 ? argv[2] : NULL;
	char err[PKTMON_ERRLEN] = "";
	pktmon_handle *h;
	pktmon_session *s = NULL;
	pktmon_output *out;
	struct watch w = { 0 };
	int rc;

	printf("libpktmon %s (headers %s)\n", pktmon_version(), PKTMON_VERSION_STRING);
	if ((rc = pktmon_initialize(&h, err, sizeof(err))) < 0) {
		fprintf(stderr, "drop_watch: %s\n", err);
		return 1;
	}
	if (listing) {
		rc = list_components(h);
		pktmon_uninitialize(h);
		if (rc < 0)
			fprintf(stderr, "drop_watch: cannot list the components (%d)\n", rc);
		return rc < 0;
	}
	if ((rc = pktmon_create_live_session(h, "drop_watch", &s)) < 0)
		goto fail;

	/* every observation point this kernel offers (the default, said explicitly) */
	const struct pktmon_data_source *src;
	size_t n;
	pktmon_enum_data_sources(h, &src, &n);
	for (size_t i = 0; i < n; i++)
		if (src[i].available && (rc = pktmon_add_data_source(s, src[i].layer)) < 0)
			goto fail;

	struct pktmon_session_options opt;
	pktmon_session_options_default(&opt);
	opt.type = PKTMON_TYPE_DROP;
	if ((rc = pktmon_session_set_options(s, &opt)) < 0)
		goto fail;
	if (filter && (rc = pktmon_add_capture_constraint(s, filter, err, sizeof(err))) < 0)
		goto fail;

	struct pktmon_stream_callbacks cb = { .on_data = on_data, .on_event = on_event, .user = &w };
	struct pktmon_stream_options so = { .truncation_size = 64 };
	if ((rc = pktmon_create_realtime_stream_ex(h, &cb, &so, &out)) < 0 || (rc = pktmon_attach_output(s, out)) < 0)
		goto fail;
	if ((rc = pktmon_set_session_active(s, true, err, sizeof(err))) < 0)
		goto fail;
	printf("watching drops for %d s\n", seconds);
	fflush(stdout);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	struct timespec tick = { 0, 100000000 };
	for (int i = 0; i < seconds * 10 && !stop; i++)
		nanosleep(&tick, NULL);

	pktmon_set_session_active(s, false, NULL, 0);
	struct pktmon_totals t;
	pktmon_get_totals(s, &t);
	printf("totals: %lu drops printed, %" PRIu64 " drops counted, %" PRIu64 " events, %" PRIu64
	       " lost, %lu missed\n",
	       w.drops, t.drops, t.events_received, t.events_lost, w.missed);
	pktmon_close_session(s);
	pktmon_uninitialize(h);
	return 0;

fail:
	fprintf(stderr, "drop_watch: %s (%d)\n", err[0] ? err : "failed", rc);
	pktmon_close_session(s);
	pktmon_uninitialize(h);
	return 1;
}
