/* SPDX-License-Identifier: MIT */
/* control_protocol.c - the session control messages, written and parsed in one place. */
#include <stdlib.h>
#include <string.h>

#include "control_protocol.h"

static const char *const request_names[] = {
	[CTL_REQ_STATUS] = "status", [CTL_REQ_COUNTERS] = "counters",
	[CTL_REQ_RESET] = "reset",   [CTL_REQ_STOP] = "stop",
};

enum ctl_request ctl_request_parse(const char *line)
{
	for (size_t i = 0; i < sizeof(request_names) / sizeof(request_names[0]); i++)
		if (request_names[i] && !strcmp(line, request_names[i]))
			return (enum ctl_request)i;
	return CTL_REQ_UNKNOWN;
}

const char *ctl_request_name(enum ctl_request req)
{
	return req > CTL_REQ_UNKNOWN && req <= CTL_REQ_STOP ? request_names[req] : "unknown";
}

struct ctl_comp_row *ctl_status_add_comp(struct ctl_status *st)
{
	if (st->ncomps == st->comps_cap) {
		size_t cap = st->comps_cap ? st->comps_cap * 2 : 32;
		struct ctl_comp_row *r = realloc(st->comps, cap * sizeof(*r));
		if (!r)
			return NULL;
		st->comps = r;
		st->comps_cap = cap;
	}
	struct ctl_comp_row *row = &st->comps[st->ncomps++];
	memset(row, 0, sizeof(*row));
	return row;
}

struct ctl_drop_row *ctl_status_add_drop(struct ctl_status *st)
{
	if (st->ndrops == st->drops_cap) {
		size_t cap = st->drops_cap ? st->drops_cap * 2 : 16;
		struct ctl_drop_row *r = realloc(st->drops_by_reason, cap * sizeof(*r));
		if (!r)
			return NULL;
		st->drops_by_reason = r;
		st->drops_cap = cap;
	}
	struct ctl_drop_row *row = &st->drops_by_reason[st->ndrops++];
	memset(row, 0, sizeof(*row));
	return row;
}

void ctl_status_free(struct ctl_status *st)
{
	free(st->comps);
	free(st->drops_by_reason);
	st->comps = NULL;
	st->drops_by_reason = NULL;
	st->ncomps = st->ndrops = st->comps_cap = st->drops_cap = 0;
}

/* A field for a tab-separated line: control characters become '?', empty becomes `empty`. */
static void put_field(FILE *f, const char *s, const char *empty)
{
	if (!*s)
		s = empty;
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

void ctl_status_write(FILE *f, const struct ctl_status *st)
{
	fprintf(f, CTL_VERSION_LINE "\n");
	fprintf(f, "session\t%d\t%d\t%lld\t%llu\t%llu\t%llu\t%llu\t%llu\t", st->pid, st->running, st->started,
		st->generated, st->written, st->lost, st->drops, st->netns);
	put_field(f, st->file, "-");
	fputc('\n', f);
	/* a line of its own: readers that predate it skip lines they do not know */
	fprintf(f, "missed\t%llu\n", st->missed);
	for (size_t i = 0; i < st->ncomps; i++) {
		const struct ctl_comp_row *c = &st->comps[i];
		fprintf(f, "comp\t%u\t", c->id);
		put_field(f, c->layer, "-");
		fprintf(f, "\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t", c->rx_pkts, c->rx_bytes, c->tx_pkts, c->tx_bytes,
			c->drops, c->lost);
		put_field(f, c->reason, "-");
		fputc('\t', f);
		put_field(f, c->name, "-");
		fputc('\n', f);
	}
	for (size_t i = 0; i < st->ndrops; i++) {
		const struct ctl_drop_row *d = &st->drops_by_reason[i];
		fprintf(f, "drop\t%u\t", d->id);
		put_field(f, d->reason, "-");
		fprintf(f, "\t%llu\n", d->count);
	}
	fprintf(f, "end\n");
}

void ctl_result_write(FILE *f, const char *error)
{
	fprintf(f, CTL_VERSION_LINE "\n");
	if (error) {
		fputs("error ", f);
		put_field(f, error, "-");
		fputc('\n', f);
	} else {
		fputs("ok\n", f);
	}
	fprintf(f, "end\n");
}

bool ctl_answer_known(const char *text)
{
	return !strncmp(text, CTL_VERSION_LINE "\n", strlen(CTL_VERSION_LINE) + 1);
}

bool ctl_result_ok(const char *text)
{
	return ctl_answer_known(text) && strstr(text, "\nok\n") != NULL;
}

/* Splits a tab-separated line in place; returns the number of fields. */
static int split(char *line, char **f, int max)
{
	int n = 0;
	while (n < max) {
		f[n++] = line;
		char *tab = strchr(line, '\t');
		if (!tab)
			break;
		*tab = 0;
		line = tab + 1;
	}
	return n;
}

static unsigned long long num(const char *s)
{
	return strtoull(s, NULL, 10);
}

int ctl_status_parse(char *text, struct ctl_status *st)
{
	memset(st, 0, sizeof(*st));
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[12];
		int n = split(line, f, 12);
		if (!strcmp(f[0], "session") && n == 10) {
			st->pid = atoi(f[1]);
			st->running = atoi(f[2]);
			st->started = atoll(f[3]);
			st->generated = num(f[4]);
			st->written = num(f[5]);
			st->lost = num(f[6]);
			st->drops = num(f[7]);
			st->netns = num(f[8]);
			snprintf(st->file, sizeof(st->file), "%s", strcmp(f[9], "-") ? f[9] : "");
		} else if (!strcmp(f[0], "comp") && n == 11) {
			struct ctl_comp_row *r = ctl_status_add_comp(st);
			if (!r)
				return -1;
			r->id = (unsigned)num(f[1]);
			snprintf(r->layer, sizeof(r->layer), "%s", f[2]);
			r->rx_pkts = num(f[3]);
			r->rx_bytes = num(f[4]);
			r->tx_pkts = num(f[5]);
			r->tx_bytes = num(f[6]);
			r->drops = num(f[7]);
			r->lost = num(f[8]);
			snprintf(r->reason, sizeof(r->reason), "%s", strcmp(f[9], "-") ? f[9] : "");
			snprintf(r->name, sizeof(r->name), "%s", f[10]);
		} else if (!strcmp(f[0], "missed") && n == 2) {
			st->missed = num(f[1]);
		} else if (!strcmp(f[0], "drop") && n == 4) {
			struct ctl_drop_row *r = ctl_status_add_drop(st);
			if (!r)
				return -1;
			r->id = (unsigned)num(f[1]);
			snprintf(r->reason, sizeof(r->reason), "%s", f[2]);
			r->count = num(f[3]);
		}
	}
	return 0;
}
