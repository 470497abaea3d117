/* SPDX-License-Identifier: MIT */
/* test_control_protocol.c - the session control messages round-trip; hostile text (tabs,
 * newlines, escapes from interface names or file names) cannot break the framing. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "control_protocol.h"

static char *write_to_string(const struct ctl_status *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ctl_status_write(f, st);
	fclose(f);
	return buf;
}

static void test_requests(void)
{
	CHECK(ctl_request_parse("status") == CTL_REQ_STATUS);
	CHECK(ctl_request_parse("counters") == CTL_REQ_COUNTERS);
	CHECK(ctl_request_parse("reset") == CTL_REQ_RESET);
	CHECK(ctl_request_parse("stop") == CTL_REQ_STOP);
	CHECK(ctl_request_parse("stop ") == CTL_REQ_UNKNOWN);
	CHECK(ctl_request_parse("") == CTL_REQ_UNKNOWN);
	CHECK(ctl_request_parse("unknown") == CTL_REQ_UNKNOWN);
	for (int r = CTL_REQ_STATUS; r <= CTL_REQ_STOP; r++)
		CHECK((int)ctl_request_parse(ctl_request_name((enum ctl_request)r)) == r, "request %d", r);
}

static void test_round_trip(void)
{
	struct ctl_status st = { .pid = 4242, .running = 1, .started = 1700000000, .generated = 10, .written = 9,
				 .lost = 1, .drops = 2, .netns = 3, .missed = 7 };
	snprintf(st.file, sizeof(st.file), "/tmp/a b\tc\nd.pcapng");
	for (unsigned i = 0; i < 40; i++) { /* more than one growth step */
		struct ctl_comp_row *c = ctl_status_add_comp(&st);
		CHECK(c != NULL);
		c->id = i;
		snprintf(c->layer, sizeof(c->layer), "dev-rx");
		c->rx_pkts = i;
		c->tx_bytes = 1000ull * i;
		c->drops = i % 3;
		snprintf(c->name, sizeof(c->name), "eth%u\t\x1b[31mred\nnext", i);
	}
	struct ctl_drop_row *d = ctl_status_add_drop(&st);
	d->id = 7;
	snprintf(d->reason, sizeof(d->reason), "NETFILTER_DROP");
	d->count = 5;

	char *text = write_to_string(&st);
	CHECK(ctl_answer_known(text));
	/* one line per row: version, session, missed, 40 comps, 1 drop, end */
	size_t lines = 0;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	CHECK(lines == 45, "%zu lines", lines);
	CHECK(strchr(text, 0x1b) == NULL, "an escape reached the socket");

	struct ctl_status back;
	CHECK(ctl_status_parse(text, &back) == 0);
	CHECK(back.pid == 4242 && back.running == 1 && back.started == 1700000000);
	CHECK(back.generated == 10 && back.written == 9 && back.lost == 1 && back.drops == 2 && back.netns == 3);
	CHECK(back.missed == 7); /* its own line */
	CHECK(!strcmp(back.file, "/tmp/a b?c?d.pcapng"), "file [%s]", back.file);
	CHECK(back.ncomps == 40, "%zu comps", back.ncomps);
	if (back.ncomps == 40) {
		CHECK(back.comps[39].id == 39 && back.comps[39].tx_bytes == 39000 && back.comps[39].drops == 0);
		CHECK(!strcmp(back.comps[5].name, "eth5??[31mred?next"), "name [%s]", back.comps[5].name);
		CHECK(back.comps[5].reason[0] == 0, "no reason: empty, not '-'");
		CHECK(!strcmp(back.comps[5].layer, "dev-rx"));
	}
	CHECK(back.ndrops == 1 && back.drops_by_reason[0].id == 7 && back.drops_by_reason[0].count == 5 &&
	      !strcmp(back.drops_by_reason[0].reason, "NETFILTER_DROP"));
	ctl_status_free(&back);
	ctl_status_free(&st);
	free(text);

	/* no file: written as '-', parsed back as empty */
	struct ctl_status none = { .pid = 1 };
	text = write_to_string(&none);
	CHECK(ctl_status_parse(text, &back) == 0 && back.file[0] == 0);
	ctl_status_free(&back);
	free(text);
}

static void test_results_and_junk(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ctl_result_write(f, NULL);
	fclose(f);
	CHECK(ctl_result_ok(buf));
	free(buf);
	f = open_memstream(&buf, &len);
	ctl_result_write(f, "cannot\nreset");
	fclose(f);
	CHECK(!ctl_result_ok(buf));
	CHECK(strstr(buf, "error cannot?reset\n") != NULL, "[%s]", buf);
	free(buf);

	CHECK(!ctl_answer_known("pktmon-ctl 2\nok\nend\n"));
	CHECK(!ctl_answer_known(""));
	/* short or overlong lines are skipped, not trusted */
	char junk[] = "pktmon-ctl 1\nsession\t1\t2\ncomp\t1\nsession\t1\t1\t1\t1\t1\t1\t1\t1\t/f\t/extra\ndrop\t1\tx\t2\nend\n";
	struct ctl_status st;
	CHECK(ctl_status_parse(junk, &st) == 0);
	CHECK(st.pid == 0 && st.ncomps == 0 && st.ndrops == 1);
	ctl_status_free(&st);
}

int main(void)
{
	test_requests();
	test_round_trip();
	test_results_and_junk();
	return check_summary();
}
