/* SPDX-License-Identifier: MIT */
/* frame_filter.c - see frame_filter.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "frame_filter.h"
#include "pktmon/pktmon_format.h"

struct pmf_filter *pmf_filter_new(void)
{
	return calloc(1, sizeof(struct pmf_filter));
}

void pmf_filter_free(struct pmf_filter *f)
{
	free(f);
}

void pmf_filter_set_drop_only(struct pmf_filter *f)
{
	f->drop_only = true;
}

bool pmf_filter_active(const struct pmf_filter *f)
{
	return f->drop_only || f->n_ids > 0;
}

/* "7" or "1,7": 0, or EXIT_USAGE after saying what is wrong. */
int pmf_filter_add_ids(struct pmf_filter *f, const char *arg, const char *verb)
{
	const char *p = arg;
	if (!*p)
		return cli_fail(EXIT_USAGE, "%s: --component-id takes a number, not ''", verb);
	while (*p) {
		char *end;
		errno = 0;
		if (*p < '0' || *p > '9')
			goto bad;
		unsigned long v = strtoul(p, &end, 10);
		if (errno || end == p || v > UINT32_MAX || (*end && *end != ','))
			goto bad;
		if (f->n_ids == PMF_MAX_IDS)
			return cli_fail(EXIT_USAGE, "%s: at most %d component ids", verb, PMF_MAX_IDS);
		f->ids[f->n_ids++] = (uint32_t)v;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			goto bad; /* trailing comma */
	}
	return 0;
bad:
	return cli_fail(EXIT_USAGE, "%s: --component-id takes component ids (numbers, comma-separated), not '%s'",
			verb, arg);
}

bool pmf_is_drop(const struct pktmon_meta *m)
{
	return m && ((m->tlv.flags & PKTMON_FLAG_DROPPED) ||
		     pktmon_tlv_has(&m->tlv, PKTMON_TLV_DROP_REASON));
}

const struct pktmon_meta *pmf_decode(const struct pcapng_packet *p, struct pktmon_meta *m)
{
	const struct pcapng_custom_opt *c = pcapng_packet_custom(p, PKTMON_PCAPNG_OPT_CUSTOM_BIN_COPY, PKTMON_PEN);
	if (!c)
		return NULL;
	pktmon_meta_decode(c->data, c->len, m);
	return m;
}

bool pmf_filter_match(const struct pmf_filter *f, const struct pktmon_meta *m)
{
	if (!pmf_filter_active(f))
		return true;
	/* Frames without (understood) metadata have no component and no drop. */
	if (!m || m->status == PKTMON_META_UNKNOWN_VERSION)
		return false;
	if (f->drop_only && !pmf_is_drop(m))
		return false;
	if (f->n_ids) {
		if (!pktmon_tlv_has(&m->tlv, PKTMON_TLV_COMPONENT_ID))
			return false;
		for (size_t i = 0; i < f->n_ids; i++)
			if (f->ids[i] == m->tlv.component_id)
				return true;
		return false;
	}
	return true;
}

int pmf_same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* ---- safe output of strings from the file ------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if it is not one. */
