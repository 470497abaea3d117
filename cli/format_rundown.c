/* SPDX-License-Identifier: MIT */
/* format_rundown.c - `pktmon format`: the session rundown (the Custom Block at the end of a
 * capture) as text or JSON, and the problems found in it. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format_rundown.h"
#include "pktmon/pktmon.h"
#include "pktmon/pktmon_format.h"
#include "pktmon_meta.h"
#include "text_out.h"

/* ---- the rundown ------------------------------------------------------------------------------- */

/* Component id -> name, from the rundown's COMPONENT records: built once, so a
 * rundown with many records costs n log n, not n squared. */
struct comp_name {
	uint32_t id;
	struct pktmon_meta_str name;
};
struct name_index {
	struct comp_name *v;
	size_t n;
};

static int comp_name_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct comp_name *)a)->id, y = ((const struct comp_name *)b)->id;
	return x < y ? -1 : x > y;
}

static void name_index_build(struct name_index *ix, const uint8_t *buf, size_t len)
{
	struct pktmon_rundown rd;
	struct pktmon_rundown_record rec;
	size_t cap = 0;
	ix->v = NULL;
	ix->n = 0;
	if (pktmon_rundown_open(buf, len, &rd) != PKTMON_META_OK && rd.status != PKTMON_META_TRUNCATED)
		return;
	while (pktmon_rundown_next(&rd, buf, len, &rec)) {
		if (rec.type != PKTMON_REC_COMPONENT || !pktmon_tlv_has(&rec.tlv, PKTMON_TLV_COMPONENT_ID) ||
		    !rec.tlv.name.ptr)
			continue;
		if (ix->n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct comp_name *nv = realloc(ix->v, ncap * sizeof(*nv));
			if (!nv)
				break; /* names are a nicety: print ids without them */
			ix->v = nv;
			cap = ncap;
		}
		ix->v[ix->n++] = (struct comp_name){ rec.tlv.component_id, rec.tlv.name };
	}
	if (ix->n)
		qsort(ix->v, ix->n, sizeof(*ix->v), comp_name_cmp);
}

static const struct pktmon_meta_str *name_of(const struct name_index *ix, uint32_t id)
{
	struct comp_name key = { .id = id };
	const struct comp_name *c = ix->n ? bsearch(&key, ix->v, ix->n, sizeof(*ix->v), comp_name_cmp) : NULL;
	return c ? &c->name : NULL;
}

static const char *capture_type_name(unsigned t)
{
	switch (t) {
	case PKTMON_TYPE_ALL: return "all";
	case PKTMON_TYPE_FLOW: return "flow";
	case PKTMON_TYPE_DROP: return "drop";
	default: return "unknown";
	}
}

static void put_mstr(FILE *f, const struct pktmon_meta_str *s)
{
	if (s->ptr)
		put_text(f, s->ptr, s->len);
	else
		fputc('-', f);
}

static size_t mstr_width(const struct pktmon_meta_str *s)
{
	return s->ptr ? text_width(s->ptr, s->len) : 1;
}

/* Iterates the records of one kind (none when the header is not one we can read). */
#define FOR_RECORDS(rd, buf, len, rec, kind)                                                      \
	for (int _ok = (pktmon_rundown_open(buf, len, &rd) == PKTMON_META_OK ||                       \
			rd.status == PKTMON_META_TRUNCATED);                                          \
	     _ok && pktmon_rundown_next(&rd, buf, len, &rec);)                                      \
		if (rec.type == (kind))

void rundown_text(FILE *f, const uint8_t *buf, size_t len)
{
	struct pktmon_rundown rd;
	struct pktmon_rundown_record rec;
	struct name_index ix;
	char t1[64], t2[64];

	bool had_session = false;
	fputs("\nRundown", f);
	FOR_RECORDS(rd, buf, len, rec, PKTMON_REC_SESSION) {
		const struct pktmon_tlvs *v = &rec.tlv;
		had_session = true;
		fputs(" of session ", f);
		put_mstr(f, &v->session_name);
		fputs("\n", f);
		if (v->kernel.ptr) {
			fputs("  Kernel: ", f);
			put_mstr(f, &v->kernel);
			fputc('\n', f);
		}
		if (v->host.ptr) {
			fputs("  Host: ", f);
			put_mstr(f, &v->host);
			fputc('\n', f);
		}
		if (pktmon_tlv_has(v, PKTMON_TLV_START_NS) && pktmon_tlv_has(v, PKTMON_TLV_STOP_NS)) {
			fmt_time(t1, sizeof(t1), v->start_ns, true, ' ');
			fmt_time(t2, sizeof(t2), v->stop_ns, true, ' ');
			fprintf(f, "  From %s to %s UTC\n", t1, t2);
		}
		if (pktmon_tlv_has(v, PKTMON_TLV_SNAPLEN)) {
			if (v->snaplen)
				fprintf(f, "  Packet size: %u bytes", v->snaplen);
			else
				fputs("  Packet size: whole packet", f);
		}
		if (pktmon_tlv_has(v, PKTMON_TLV_CAPTURE_TYPE))
			fprintf(f, ", capture type: %s", capture_type_name(v->capture_type));
		fputc('\n', f);
		if (pktmon_tlv_has(v, PKTMON_TLV_EVENTS_WRITTEN))
			fprintf(f, "  Events written: %llu, lost: %llu\n", (unsigned long long)v->events_written,
				(unsigned long long)v->events_lost);
		break;
	}
	if (rd.status != PKTMON_META_OK && rd.status != PKTMON_META_TRUNCATED) {
		fprintf(f, ":\n  %s (version %u, kind %u): not decoded\n", pktmon_meta_status_name(rd.status),
			rd.version, rd.kind);
		return;
	}
	if (!had_session)
		fputc('\n', f);
	name_index_build(&ix, buf, len);

	fputs("\nFilters:\n", f);
	int n = 0;
	FOR_RECORDS(rd, buf, len, rec, PKTMON_REC_FILTER) {
		fprintf(f, "  %u  ", rec.tlv.filter_index);
		put_mstr(f, rec.tlv.filter_text.ptr ? &rec.tlv.filter_text : &rec.tlv.filter_name);
		fputc('\n', f);
		n++;
	}
	if (!n)
		fputs("  none: every packet\n", f);
	FOR_RECORDS(rd, buf, len, rec, PKTMON_REC_CAPTURE_FILTER) {
		fputs("Capture filter: ", f);
		put_mstr(f, &rec.tlv.capture_filter);
		fputc('\n', f);
	}

	/* Column width: the longest component name. */
	size_t w = strlen("Component");
	FOR_RECORDS(rd, buf, len, rec, PKTMON_REC_COMPONENT) {
		if (mstr_width(&rec.tlv.name) > w)
			w = mstr_width(&rec.tlv.name);
	}
	fputs("\nComponents:\n", f);
	fprintf(f, "  %-4s ", "Id");
	pad_to(f, put_cstr(f, "Component"), w);
	fprintf(f, "  %-14s %-3s %-10s %-16s %7s\n", "Layer", "Dir", "Netns", "Netns name", "Ifindex");
	FOR_RECORDS(rd, buf, len, rec, PKTMON_REC_COMPONENT) {
		const struct pktmon_tlvs *v = &rec.tlv;
		fprintf(f, "  %-4u ", v->component_id);
		pad_to(f, v->name.ptr ? put_text(f, v->name.ptr, v->name.len) : put_cstr(f, "-"), w);
		fprintf(f, "  %-14s %-3s %-10u ", pktmon_meta_layer_name(v->layer),
			v->direction == PKTMON_DIR_RX ? "Rx" : v->direction == PKTMON_DIR_TX ? "Tx" : "--", v->netns);
		pad_to(f, v->netns_name.ptr ? put_text(f, v->netns_name.ptr, v->netns_name.len) : put_cstr(f, "-"), 16);
		fprintf(f, " %7u\n", v->ifindex);
	}

	fputs("\nCounters:\n", f);
	fprintf(f, "  %-4s ", "Id");
	pad_to(f, put_cstr(f, "Component"), w);
	fprintf(f, "  %10s %12s %10s %12s %8s %8s\n", "Rx pkts", "Rx bytes", "Tx pkts", "Tx bytes", "Drops", "Lost");
	FOR_RECORDS(rd, buf, len, rec, PKTMON_REC_COUNTERS) {
		const struct pktmon_tlvs *v = &rec.tlv;
		const struct pktmon_meta_str *name = name_of(&ix, v->component_id);
		fprintf(f, "  %-4u ", v->component_id);
		pad_to(f, name ? put_text(f, name->ptr, name->len) : put_cstr(f, "-"), w);
		fprintf(f, "  %10llu %12llu %10llu %12llu %8llu %8llu\n", (unsigned long long)v->rx_pkts,
			(unsigned long long)v->rx_bytes, (unsigned long long)v->tx_pkts,
			(unsigned long long)v->tx_bytes, (unsigned long long)v->drops, (unsigned long long)v->lost);
	}

	fputs("\nDrops by reason:\n", f);
	size_t rw = strlen("Reason");
	FOR_RECORDS(rd, buf, len, rec, PKTMON_REC_DROP_COUNT) {
		if (mstr_width(&rec.tlv.drop_reason) > rw)
			rw = mstr_width(&rec.tlv.drop_reason);
	}
	n = 0;
	FOR_RECORDS(rd, buf, len, rec, PKTMON_REC_DROP_COUNT) {
		const struct pktmon_tlvs *v = &rec.tlv;
		if (!n++) {
			fprintf(f, "  %-4s ", "Id");
			pad_to(f, put_cstr(f, "Component"), w);
			fputs("  ", f);
			pad_to(f, put_cstr(f, "Reason"), rw);
			fprintf(f, " %6s %10s\n", "Code", "Count");
		}
		const struct pktmon_meta_str *name = name_of(&ix, v->component_id);
		fprintf(f, "  %-4u ", v->component_id);
		pad_to(f, name ? put_text(f, name->ptr, name->len) : put_cstr(f, "-"), w);
		fputs("  ", f);
		pad_to(f, put_text(f, v->drop_reason.ptr, v->drop_reason.len), rw);
		fprintf(f, " %6u %10llu\n", v->drop_reason_code, (unsigned long long)v->count);
	}
	if (!n)
		fputs("  none\n", f);
	free(ix.v);
}

void rundown_json(FILE *f, const uint8_t *buf, size_t len)
{
	struct pktmon_rundown rd;
	struct pktmon_rundown_record rec;
	struct name_index ix;
	if (pktmon_rundown_open(buf, len, &rd) != PKTMON_META_OK && rd.status != PKTMON_META_TRUNCATED) {
		fprintf(f, "{\"type\":\"rundown\",\"status\":\"%s\",\"version\":%u,\"kind\":%u}\n",
			pktmon_meta_status_name(rd.status), rd.version, rd.kind);
		return;
	}
	name_index_build(&ix, buf, len);
	while (pktmon_rundown_next(&rd, buf, len, &rec)) {
		const struct pktmon_tlvs *v = &rec.tlv;
		const struct pktmon_meta_str *name;
		char t[64];
		switch (rec.type) {
		case PKTMON_REC_SESSION:
			fputs("{\"type\":\"session\",\"name\":", f);
			json_mstr(f, &v->session_name);
			fputs(",\"kernel\":", f);
			json_mstr(f, &v->kernel);
			if (v->host.ptr) {
				fputs(",\"host\":", f);
				json_mstr(f, &v->host);
			}
			/* Absent TLVs are left out rather than shown as zero. */
			if (pktmon_tlv_has(v, PKTMON_TLV_START_NS)) {
				fmt_time(t, sizeof(t), v->start_ns, true, 'T');
				fprintf(f, ",\"start_ns\":%llu,\"start\":\"%s\"", (unsigned long long)v->start_ns, t);
			}
			if (pktmon_tlv_has(v, PKTMON_TLV_STOP_NS)) {
				fmt_time(t, sizeof(t), v->stop_ns, true, 'T');
				fprintf(f, ",\"stop_ns\":%llu,\"stop\":\"%s\"", (unsigned long long)v->stop_ns, t);
			}
			if (pktmon_tlv_has(v, PKTMON_TLV_SNAPLEN))
				fprintf(f, ",\"snaplen\":%u", v->snaplen);
			if (pktmon_tlv_has(v, PKTMON_TLV_CAPTURE_TYPE))
				fprintf(f, ",\"capture_type\":\"%s\"", capture_type_name(v->capture_type));
			if (pktmon_tlv_has(v, PKTMON_TLV_EVENTS_WRITTEN))
				fprintf(f, ",\"events_written\":%llu", (unsigned long long)v->events_written);
			if (pktmon_tlv_has(v, PKTMON_TLV_EVENTS_LOST))
				fprintf(f, ",\"events_lost\":%llu", (unsigned long long)v->events_lost);
			break;
		case PKTMON_REC_FILTER:
			fprintf(f, "{\"type\":\"filter\",\"index\":%u,\"name\":", v->filter_index);
			json_mstr(f, &v->filter_name);
			fputs(",\"text\":", f);
			json_mstr(f, &v->filter_text);
			break;
		case PKTMON_REC_CAPTURE_FILTER:
			fputs("{\"type\":\"capture_filter\",\"expression\":", f);
			json_mstr(f, &v->capture_filter);
			break;
		case PKTMON_REC_COMPONENT:
			fprintf(f, "{\"type\":\"component\",\"component_id\":%u,\"name\":", v->component_id);
			json_mstr(f, &v->name);
			fprintf(f, ",\"layer\":%u,\"layer_name\":\"%s\",\"direction\":\"%s\",\"ifindex\":%u,\"netns\":%u",
				v->layer, pktmon_layer_name((enum pktmon_layer)v->layer),
				v->direction == PKTMON_DIR_RX ? "Rx" : v->direction == PKTMON_DIR_TX ? "Tx" : "--",
				v->ifindex, v->netns);
			fputs(",\"netns_name\":", f);
			json_mstr(f, &v->netns_name);
			fputs(",\"ifname\":", f);
			json_mstr(f, &v->ifname);
			if (pktmon_tlv_has(v, PKTMON_TLV_NF_FAMILY))
				fprintf(f, ",\"nf_family\":%u", v->nf_family);
			if (pktmon_tlv_has(v, PKTMON_TLV_INTERFACE_ID))
				fprintf(f, ",\"interface_id\":%u", v->interface_id);
			break;
		case PKTMON_REC_COUNTERS:
			fprintf(f, "{\"type\":\"counters\",\"component_id\":%u,\"name\":", v->component_id);
			name = name_of(&ix, v->component_id);
			if (name)
				json_mstr(f, name);
			else
				fputs("null", f);
			fprintf(f, ",\"rx_pkts\":%llu,\"rx_bytes\":%llu,\"tx_pkts\":%llu,\"tx_bytes\":%llu,\"drops\":%llu,"
				"\"lost\":%llu", (unsigned long long)v->rx_pkts, (unsigned long long)v->rx_bytes,
				(unsigned long long)v->tx_pkts, (unsigned long long)v->tx_bytes,
				(unsigned long long)v->drops, (unsigned long long)v->lost);
			break;
		case PKTMON_REC_DROP_COUNT:
			fprintf(f, "{\"type\":\"drop_count\",\"component_id\":%u,\"name\":", v->component_id);
			name = name_of(&ix, v->component_id);
			if (name)
				json_mstr(f, name);
			else
				fputs("null", f);
			fputs(",\"reason\":", f);
			json_mstr(f, &v->drop_reason);
			fprintf(f, ",\"reason_code\":%u,\"count\":%llu", v->drop_reason_code, (unsigned long long)v->count);
			break;
		default:
			fprintf(f, "{\"type\":\"rundown_record\",\"record_type\":%u,\"length\":%u", rec.type, rec.length);
			break;
		}
		if (rec.status != PKTMON_META_OK)
			fprintf(f, ",\"status\":\"%s\"", pktmon_meta_status_name(rec.status));
		fputs("}\n", f);
	}
	free(ix.v);
}

/* Problems inside the rundown payload (the pcapng framing was fine). */
unsigned rundown_problems(const uint8_t *buf, size_t len, uint64_t block_off)
{
	struct pktmon_rundown rd;
	struct pktmon_rundown_record rec;
	unsigned bad = 0;
	enum pktmon_meta_status s = pktmon_rundown_open(buf, len, &rd);
	if (s == PKTMON_META_TRUNCATED) {
		fprintf(stderr, "pktmon: format: rundown block at offset %llu: its records run past the block\n",
			(unsigned long long)block_off);
		bad++;
	}
	if (s != PKTMON_META_OK && s != PKTMON_META_TRUNCATED)
		return bad;
	while (pktmon_rundown_next(&rd, buf, len, &rec)) {
		if (rec.status == PKTMON_META_OK)
			continue;
		fprintf(stderr, "pktmon: format: rundown block at offset %llu: %s record at byte %zu: %s\n",
			(unsigned long long)block_off, pktmon_record_name(rec.type), rec.offset,
			pktmon_meta_status_name(rec.status));
		bad++;
	}
	return bad;
}
