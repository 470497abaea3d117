/* api_two_sessions.c - two sessions of one pktmon handle, at once, in one process,
 * each with its own capture constraint (one a struct, one text) and real-time stream:
 * each sees only its own packets. Prints "ready" when both run; the calling script makes the traffic. */
#include <linux/types.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "pkt_parse.h"
#include "pktmon/pktmon.h"

struct tally {
	unsigned long events, udp9, icmp, other;
};

static void on_data(void *user, const struct pktmon_event *ev)
{
	struct tally *t = user;
	__u8 frame[PKTMON_PARSE_MAX] = { 0 };
	memcpy(frame, ev->data, ev->cap_len < sizeof(frame) ? ev->cap_len : sizeof(frame));
	struct pktmon_pkt_view v;
	memset(&v, 0, sizeof(v));
	pktmon_parse_frame(frame, ev->cap_len, 0, &v);
	t->events++;
	if (v.outer.ip_proto == 17 && v.outer.has_ports && (v.outer.dst_port == 9 || v.outer.src_port == 9))
		t->udp9++;
	else if (v.outer.ip_proto == 1)
		t->icmp++;
	else
		t->other++;
}

/* filter NULL: the constraint as a struct, UDP port 9 (what "u -t UDP -p 9" says) */
static int start_session(pktmon_handle *h, const char *name, const char *filter, struct tally *t,
			 pktmon_session **out)
{
	char err[PKTMON_ERRLEN] = "";
	struct pktmon_protocol_constraint udp9 = {
		.name = "u", .fields = PKTMON_FF_PROTO | PKTMON_FF_PORT1, .ip_proto = 17, .port = { 9 }
	};
	if (pktmon_create_live_session(h, name, out) < 0 ||
	    (filter ? pktmon_add_capture_constraint(*out, filter, err, sizeof(err))
		    : pktmon_add_protocol_constraint(*out, &udp9, err, sizeof(err))) < 0) {
		fprintf(stderr, "%s: %s\n", name, err);
		return -1;
	}
	struct pktmon_stream_callbacks cb = { .on_data = on_data, .user = t };
	pktmon_output *o;
	if (pktmon_create_realtime_stream(h, &cb, &o) < 0 || pktmon_attach_output(*out, o) < 0)
		return -1;
	if (pktmon_set_session_active(*out, true, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", name, err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int seconds = argc > 1 ? atoi(argv[1]) : 4;
	char err[PKTMON_ERRLEN] = "";
	pktmon_handle *h;
	if (pktmon_initialize(&h, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	struct tally ta = { 0 }, tb = { 0 };
	pktmon_session *a = NULL, *b = NULL;
	if (start_session(h, "udp9", NULL, &ta, &a) < 0 || start_session(h, "icmp", "i -t ICMP", &tb, &b) < 0)
		return 1;
	printf("ready\n");
	fflush(stdout);
	sleep((unsigned)seconds);
	struct pktmon_totals t1, t2;
	pktmon_set_session_active(a, false, NULL, 0);
	pktmon_set_session_active(b, false, NULL, 0);
	pktmon_get_totals(a, &t1);
	pktmon_get_totals(b, &t2);
	printf("udp9 session: events %lu udp9 %lu icmp %lu other %lu lost %llu\n", ta.events, ta.udp9, ta.icmp,
	       ta.other, (unsigned long long)t1.events_lost);
	printf("icmp session: events %lu udp9 %lu icmp %lu other %lu lost %llu\n", tb.events, tb.udp9, tb.icmp,
	       tb.other, (unsigned long long)t2.events_lost);
	pktmon_close_session(a);
	pktmon_close_session(b);
	pktmon_uninitialize(h);
	return 0;
}
