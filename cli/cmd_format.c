/* SPDX-License-Identifier: MIT */
/*
 * cmd_format.c - `pktmon format`: a pcapng file as text (or JSON lines), one
 * record per observation, then the session rundown; like Windows
 * `pktmon format`.
 *
 * Everything printed that comes from the file (names, reasons, symbols) goes
 * through put_text() or json_str(), so a hostile file cannot put terminal
 * escapes into the text or break a JSON line.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "frame_filter.h"
#include "packet_decode.h"
#include "pcapng_reader.h"
#include "pkt_parse.h"
#include "pktmon/pktmon.h"
#include "pktmon/pktmon_format.h"
#include "pktmon_meta.h"

static size_t utf8_len(const unsigned char *p, size_t left)
{
	unsigned c = p[0];
	size_t n;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2, min = 0x80;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, min = 0x800;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, min = 0x10000;
	else
		return 0;
	if (n > left)
		return 0;
	unsigned cp = c & (0x3Fu >> (n - 1));
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3Fu);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

/* Text: control characters and bytes that are not UTF-8 become \xNN, and a backslash
 * becomes \\ so that the escapes stay unambiguous. Returns the width printed. */
static size_t put_text(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;
	if (!s)
		return 0;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_len(p + i, len - i);
		if (n == 0 || p[i] < 0x20 || p[i] == 0x7F) {
			fprintf(f, "\\x%02x", p[i]);
			w += 4;
			i++;
		} else if (p[i] == '\\') {
			fputs("\\\\", f);
			w += 2;
			i++;
		} else {
			fwrite(p + i, 1, n, f);
			w++;
			i += n;
		}
	}
	return w;
}

static size_t put_cstr(FILE *f, const char *s)
{
	return s ? put_text(f, s, strlen(s)) : 0;
}

static void pad_to(FILE *f, size_t w, size_t width)
{
	for (; w < width; w++)
		fputc(' ', f);
}

/* Width put_text would print. */
static size_t text_width(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;
	for (size_t i = 0; s && i < len;) {
		size_t n = utf8_len(p + i, len - i);
		if (n == 0 || p[i] < 0x20 || p[i] == 0x7F) {
			w += 4;
			i++;
		} else if (p[i] == '\\') {
			w += 2;
			i++;
		} else {
			w++;
			i += n;
		}
	}
	return w;
}

/* JSON string: invalid UTF-8 becomes U+FFFD, so every line is valid JSON. */
static void json_str(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	fputc('"', f);
	for (size_t i = 0; s && i < len;) {
		size_t n = utf8_len(p + i, len - i);
		if (n == 0) {
			fputs("\\ufffd", f);
			i++;
		} else if (p[i] == '"' || p[i] == '\\') {
			fputc('\\', f);
			fputc(p[i], f);
			i++;
		} else if (p[i] < 0x20 || p[i] == 0x7F) {
			fprintf(f, "\\u%04x", p[i]);
			i++;
		} else {
			fwrite(p + i, 1, n, f);
			i += n;
		}
	}
	fputc('"', f);
}

static void json_cstr(FILE *f, const char *s)
{
	if (s)
		json_str(f, s, strlen(s));
	else
		fputs("null", f);
}

/* An absent TLV is null, not "". */
static void json_mstr(FILE *f, const struct pktmon_meta_str *s)
{
	if (s->ptr)
		json_str(f, s->ptr, s->len);
	else
		fputs("null", f);
}

/* ---- time -------------------------------------------------------------------------------------- */

/* UTC, "HH:MM:SS.nnnnnnnnn" or "YYYY-MM-DD HH:MM:SS.nnnnnnnnn" (sep ' ') / ISO 8601 (sep 'T', with Z). */
static void fmt_time(char *buf, size_t len, uint64_t ns, bool date, char sep)
{
	time_t sec = (time_t)(ns / 1000000000u);
	unsigned long frac = (unsigned long)(ns % 1000000000u);
	struct tm tm;
	if (!gmtime_r(&sec, &tm)) {
		snprintf(buf, len, "?");
		return;
	}
	if (date)
		snprintf(buf, len, "%04d-%02d-%02d%c%02d:%02d:%02d.%09lu%s", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, sep, tm.tm_hour, tm.tm_min, tm.tm_sec, frac, sep == 'T' ? "Z" : "");
	else
		snprintf(buf, len, "%02d:%02d:%02d.%09lu", tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}


/* ---- the records ------------------------------------------------------------------------------- */

struct fmt_opts {
	bool brief, hex, json;
	struct pmf_filter filter;
};

struct fmt_state {
	FILE *out;
	const struct fmt_opts *o;
	uint64_t frames, shown, bad_meta;
};

static const char *dir_text(const struct pktmon_meta *m)
{
	if (!pktmon_tlv_has(&m->tlv, PKTMON_TLV_DIRECTION))
		return "--";
	return m->tlv.direction == PKTMON_DIR_RX ? "Rx" : m->tlv.direction == PKTMON_DIR_TX ? "Tx" : "--";
}

static const char *epb_dir_text(const struct pcapng_packet *p)
{
	if (!p->has_flags)
		return NULL;
	switch (p->flags & 3u) {
	case 1: return "Rx";
	case 2: return "Tx";
	default: return NULL;
	}
}

static void flags_text(char *buf, size_t len, uint32_t flags)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ PKTMON_FLAG_DROPPED, "DROPPED" },
		{ PKTMON_FLAG_L2_SYNTHESIZED, "L2_SYNTHESIZED" },
		{ PKTMON_FLAG_PAGED_NOT_CAPTURED, "PAGED_NOT_CAPTURED" },
	};
	size_t k = 0;
	buf[0] = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (flags & names[i].bit) {
			k += (size_t)snprintf(buf + k, len - k, "%s%s", k ? "|" : "", names[i].name);
			flags &= ~names[i].bit;
		}
		if (k >= len)
			return;
	}
	if (flags)
		k += (size_t)snprintf(buf + k, len - k, "%s0x%x", k ? "|" : "", flags);
	if (k == 0)
		snprintf(buf, len, "none");
}

/* "u64 or ?" for TLVs a writer may have left out. */
static void put_u64_or_q(FILE *f, const struct pktmon_meta *m, uint16_t t, uint64_t v)
{
	if (pktmon_tlv_has(&m->tlv, t))
		fprintf(f, "%llu", (unsigned long long)v);
	else
		fputc('?', f);
}

static const char *iface_name(const struct pcapng_packet *p)
{
	return p->iface && p->iface->name ? p->iface->name : NULL;
}

/* The pktmon line: timestamp, ids, component, drop (no newline). */
static void put_header(FILE *f, const struct pcapng_packet *p, const struct pktmon_meta *m)
{
	char t[64] = "--:--:--.---------";
	if (p->has_ts && p->ts_ns_valid)
		fmt_time(t, sizeof(t), p->ts_ns, false, ' ');
	fprintf(f, "%s ", t);
	const char *name = iface_name(p);
	if (!m) {
		fprintf(f, "Interface %u", p->if_id);
		if (name) {
			fputs(" (", f);
			put_cstr(f, name);
			fputc(')', f);
		}
		if (epb_dir_text(p))
			fprintf(f, ", Direction %s", epb_dir_text(p));
		if (p->has_packetid)
			fprintf(f, ", PacketId %llu", (unsigned long long)p->packetid);
		fputs(", no pktmon metadata", f);
		return;
	}
	if (m->status == PKTMON_META_UNKNOWN_VERSION) {
		fprintf(f, "Interface %u", p->if_id);
		if (name) {
			fputs(" (", f);
			put_cstr(f, name);
			fputc(')', f);
		}
		fprintf(f, ", pktmon metadata version %u not understood", m->version);
		return;
	}
	fputs("PktGroupId ", f);
	put_u64_or_q(f, m, PKTMON_TLV_PKT_GROUP_ID, m->tlv.pkt_group_id);
	fputs(", Appearance ", f);
	put_u64_or_q(f, m, PKTMON_TLV_APPEARANCE, m->tlv.appearance);
	fprintf(f, ", Direction %s, Component ", dir_text(m));
	put_u64_or_q(f, m, PKTMON_TLV_COMPONENT_ID, m->tlv.component_id);
	fputs(" (", f);
	put_cstr(f, name ? name : "?");
	fputc(')', f);
	if (pmf_is_drop(m)) {
		fputs(", Drop: Reason ", f);
		if (m->tlv.drop_reason.ptr)
			put_text(f, m->tlv.drop_reason.ptr, m->tlv.drop_reason.len);
		else
			fputc('?', f);
		fputs(", Location ", f);
		if (m->tlv.drop_symbol.ptr)
			put_text(f, m->tlv.drop_symbol.ptr, m->tlv.drop_symbol.len);
		else if (pktmon_tlv_has(&m->tlv, PKTMON_TLV_DROP_LOCATION))
			fprintf(f, "0x%llx", (unsigned long long)m->tlv.drop_location);
		else
			fputc('?', f);
	}
}

static void meta_problem(char *buf, size_t len, const struct pktmon_meta *m)
{
	snprintf(buf, len, "%s at byte %zu%s%s", pktmon_meta_status_name(m->status), m->error_offset,
		 m->error_type ? " (TLV " : "", m->error_type ? pktmon_tlv_name(m->error_type) : "");
	if (m->error_type)
		strncat(buf, ")", len - strlen(buf) - 1);
}

/* The third line of a full record: where, when, and everything else we know. */
static void put_details(FILE *f, uint64_t frame, const struct pcapng_packet *p, const struct pktmon_meta *m)
{
	char t[64] = "no timestamp";
	if (p->has_ts && p->ts_ns_valid) {
		fmt_time(t, sizeof(t), p->ts_ns, true, ' ');
		strcat(t, " UTC");
	} else if (p->has_ts) {
		snprintf(t, sizeof(t), "timestamp out of range");
	}
	fprintf(f, "\tFrame %llu, %s, Interface %u", (unsigned long long)frame, t, p->if_id);
	if (m && m->status != PKTMON_META_UNKNOWN_VERSION) {
		const struct pktmon_tlvs *v = &m->tlv;
		if (pktmon_tlv_has(v, PKTMON_TLV_LAYER))
			fprintf(f, ", Layer %s", pktmon_meta_layer_name(v->layer));
		if (pktmon_tlv_has(v, PKTMON_TLV_NF_FAMILY))
			fprintf(f, ", %s", v->nf_family == PKTMON_NF_IPV4 ? "IPv4" :
					   v->nf_family == PKTMON_NF_IPV6 ? "IPv6" : "family ?");
		if (pktmon_tlv_has(v, PKTMON_TLV_NETNS))
			fprintf(f, ", Netns %u", v->netns);
		if (pktmon_tlv_has(v, PKTMON_TLV_IFINDEX))
			fprintf(f, ", Ifindex %u", v->ifindex);
		if (pktmon_tlv_has(v, PKTMON_TLV_CPU))
			fprintf(f, ", CPU %u", v->cpu);
		if (pktmon_tlv_has(v, PKTMON_TLV_FLAGS)) {
			char fl[96];
			flags_text(fl, sizeof(fl), v->flags);
			fprintf(f, ", Flags %s", fl);
		}
		if (pktmon_tlv_has(v, PKTMON_TLV_DROP_REASON_CODE))
			fprintf(f, ", Reason code %u", v->drop_reason_code);
		if (pktmon_tlv_has(v, PKTMON_TLV_DROP_LOCATION))
			fprintf(f, ", Address 0x%llx", (unsigned long long)v->drop_location);
		if (v->unknown_count)
			fprintf(f, ", %u unknown TLV%s", v->unknown_count, v->unknown_count == 1 ? "" : "s");
	} else if (p->iface) {
		fprintf(f, ", Link type %u", p->iface->linktype);
	}
	if (p->has_dropcount)
		fprintf(f, ", Lost before %llu", (unsigned long long)p->dropcount);
	fprintf(f, ", Captured %u of %u bytes", p->caplen, p->origlen);
	if (m && m->status != PKTMON_META_OK && m->status != PKTMON_META_UNKNOWN_VERSION) {
		char pr[96];
		meta_problem(pr, sizeof(pr), m);
		fprintf(f, ", Metadata %s", pr);
	}
	fputc('\n', f);
}

static void put_hex(FILE *f, const uint8_t *d, uint32_t n)
{
	for (uint32_t off = 0; off < n; off += 16) {
		uint32_t k = n - off < 16 ? n - off : 16;
		fprintf(f, "\t0x%04x:  ", off);
		for (uint32_t i = 0; i < 16; i++) {
			if (i < k)
				fprintf(f, "%02x", d[off + i]);
			else
				fputs("  ", f);
			if (i % 2 == 1)
				fputc(' ', f);
		}
		fputc(' ', f);
		for (uint32_t i = 0; i < k; i++)
			fputc(d[off + i] >= 0x20 && d[off + i] < 0x7f ? d[off + i] : '.', f);
		fputc('\n', f);
	}
}

static void json_ip(FILE *f, const char *key, int family, const uint8_t *a)
{
	char s[INET6_ADDRSTRLEN] = "?";
	inet_ntop(family == 4 ? AF_INET : AF_INET6, a, s, sizeof(s));
	fprintf(f, ",\"%s\":\"%s\"", key, s);
}

static void json_level(FILE *f, const struct pktmon_hdrs *h, bool eth)
{
	fprintf(f, "{\"ethertype\":%u", h->ethertype);
	if (eth && h->has_eth) {
		fprintf(f, ",\"eth_src\":\"%02x:%02x:%02x:%02x:%02x:%02x\"", h->src_mac[0], h->src_mac[1],
			h->src_mac[2], h->src_mac[3], h->src_mac[4], h->src_mac[5]);
		fprintf(f, ",\"eth_dst\":\"%02x:%02x:%02x:%02x:%02x:%02x\"", h->dst_mac[0], h->dst_mac[1],
			h->dst_mac[2], h->dst_mac[3], h->dst_mac[4], h->dst_mac[5]);
	}
	if (h->has_vlan)
		fprintf(f, ",\"vlan\":%u", h->vlan);
	if (h->ip_family) {
		char pb[16];
		fprintf(f, ",\"ip_version\":%u", h->ip_family);
		json_ip(f, "src", h->ip_family, h->src_ip);
		json_ip(f, "dst", h->ip_family, h->dst_ip);
		fprintf(f, ",\"ip_proto\":%u,\"proto\":\"%s\"", h->ip_proto, pm_proto_name(h->ip_proto, pb, sizeof(pb)));
		if (h->has_ports) {
			fprintf(f, ",\"src_port\":%u,\"dst_port\":%u", h->src_port, h->dst_port);
			if (h->ip_proto == 6)
				fprintf(f, ",\"tcp_flags\":%u", h->tcp_flags);
		}
	}
}

static void json_packet_fields(FILE *f, const struct pm_decoded *d)
{
	fputs(",\"packet\":", f);
	if (!d->ok) {
		fputs("null", f);
		return;
	}
	json_level(f, &d->v.outer, d->real_eth);
	if (d->icmp_type >= 0)
		fprintf(f, ",\"icmp_type\":%d,\"icmp_code\":%d", d->icmp_type, d->icmp_code);
	if (d->echo_id >= 0)
		fprintf(f, ",\"echo_id\":%d,\"echo_seq\":%d", d->echo_id, d->echo_seq);
	if (d->v.has_inner) {
		fprintf(f, ",\"encap\":\"%s\",\"inner\":", pm_encap_name(d->v.encap));
		json_level(f, &d->v.inner, true);
		fputc('}', f);
	}
	fputc('}', f);
}

static void json_meta(FILE *f, const struct pktmon_meta *m)
{
	fputs(",\"pktmon\":", f);
	if (!m) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"version\":%u,\"status\":\"%s\"", m->version, pktmon_meta_status_name(m->status));
	if (m->status == PKTMON_META_UNKNOWN_VERSION) {
		fputc('}', f);
		return;
	}
	if (m->status != PKTMON_META_OK)
		fprintf(f, ",\"error_offset\":%zu", m->error_offset);
	const struct pktmon_tlvs *v = &m->tlv;
#define HAS(t) pktmon_tlv_has(v, PKTMON_TLV_##t)
	if (HAS(COMPONENT_ID)) fprintf(f, ",\"component_id\":%u", v->component_id);
	if (HAS(LAYER))
		fprintf(f, ",\"layer\":%u,\"layer_name\":\"%s\"", v->layer, pktmon_layer_name((enum pktmon_layer)v->layer));
	if (HAS(DIRECTION)) fprintf(f, ",\"direction\":\"%s\"", dir_text(m));
	if (HAS(PKT_GROUP_ID)) fprintf(f, ",\"pkt_group_id\":%llu", (unsigned long long)v->pkt_group_id);
	if (HAS(APPEARANCE)) fprintf(f, ",\"appearance\":%u", v->appearance);
	if (HAS(IFINDEX)) fprintf(f, ",\"ifindex\":%u", v->ifindex);
	if (HAS(NETNS)) fprintf(f, ",\"netns\":%u", v->netns);
	if (HAS(CPU)) fprintf(f, ",\"cpu\":%u", v->cpu);
	if (HAS(FLAGS)) fprintf(f, ",\"flags\":%u", v->flags);
	if (HAS(NF_FAMILY)) fprintf(f, ",\"nf_family\":%u", v->nf_family);
	fprintf(f, ",\"dropped\":%s", pmf_is_drop(m) ? "true" : "false");
	if (pmf_is_drop(m)) {
		fputs(",\"drop\":{\"reason\":", f);
		json_mstr(f, &v->drop_reason);
		if (HAS(DROP_REASON_CODE)) fprintf(f, ",\"reason_code\":%u", v->drop_reason_code);
		if (HAS(DROP_LOCATION)) fprintf(f, ",\"location\":\"0x%llx\"", (unsigned long long)v->drop_location);
		fputs(",\"symbol\":", f);
		json_mstr(f, &v->drop_symbol);
		fputc('}', f);
	}
#undef HAS
	if (v->unknown_count)
		fprintf(f, ",\"unknown_tlvs\":%u", v->unknown_count);
	fputc('}', f);
}

static void json_record(FILE *f, uint64_t frame, const struct pcapng_block *b, const struct pktmon_meta *m,
			const struct pm_decoded *d, bool hex)
{
	const struct pcapng_packet *p = &b->pkt;
	fprintf(f, "{\"type\":\"packet\",\"frame\":%llu,\"offset\":%llu", (unsigned long long)frame,
		(unsigned long long)b->offset);
	if (p->has_ts && p->ts_ns_valid) {
		char t[64];
		fmt_time(t, sizeof(t), p->ts_ns, true, 'T');
		fprintf(f, ",\"time\":\"%s\",\"ts_ns\":%llu", t, (unsigned long long)p->ts_ns);
	} else {
		fputs(",\"time\":null,\"ts_ns\":null", f);
	}
	fprintf(f, ",\"interface_id\":%u,\"interface_name\":", p->if_id);
	json_cstr(f, iface_name(p));
	fprintf(f, ",\"linktype\":%u,\"caplen\":%u,\"origlen\":%u", p->iface ? p->iface->linktype : 0, p->caplen,
		p->origlen);
	if (p->has_flags)
		fprintf(f, ",\"epb_flags\":%u", p->flags);
	if (p->has_packetid)
		fprintf(f, ",\"packet_id\":%llu", (unsigned long long)p->packetid);
	if (p->has_dropcount)
		fprintf(f, ",\"lost_before\":%llu", (unsigned long long)p->dropcount);
	if (p->comment.ptr) {
		fputs(",\"comment\":", f);
		json_str(f, p->comment.ptr, p->comment.len);
	}
	json_meta(f, m);
	fputs(",\"summary\":", f);
	json_cstr(f, d->summary);
	json_packet_fields(f, d);
	if (hex) {
		fputs(",\"data_hex\":\"", f);
		for (uint32_t i = 0; i < p->caplen; i++)
			fprintf(f, "%02x", p->data[i]);
		fputc('"', f);
	}
	fputs("}\n", f);
}

static void do_packet(struct fmt_state *st, const struct pcapng_block *b)
{
	const struct pcapng_packet *p = &b->pkt;
	struct pktmon_meta mbuf;
	st->frames++;
	const struct pktmon_meta *m = pmf_decode(p, &mbuf);
	/* Said even when the frame is filtered out: the filter may have misjudged it. */
	if (m && (m->status == PKTMON_META_TRUNCATED || m->status == PKTMON_META_BAD_LENGTH)) {
		char pr[96];
		meta_problem(pr, sizeof(pr), m);
		fprintf(stderr, "pktmon: format: frame %llu (offset %llu): pktmon metadata %s\n",
			(unsigned long long)st->frames, (unsigned long long)b->offset, pr);
		st->bad_meta++;
	}
	if (!pmf_filter_match(&st->o->filter, m))
		return;
	st->shown++;
	struct pm_decoded d;
	pm_packet_decode(p->iface ? p->iface->linktype : 1, p->data, p->caplen, p->origlen, &d);
	FILE *f = st->out;
	if (st->o->json) {
		json_record(f, st->frames, b, m, &d, st->o->hex);
		return;
	}
	put_header(f, p, m);
	if (st->o->brief) {
		fputs("; ", f);
		fputs(d.summary, f);
		fputc('\n', f);
	} else {
		fputs("\n\t", f);
		fputs(d.summary, f);
		fputc('\n', f);
		put_details(f, st->frames, p, m);
	}
	if (st->o->hex)
		put_hex(f, p->data, p->caplen);
}

/* ---- the rundown ------------------------------------------------------------------------------- */

struct rundown_copy {
	uint8_t *data;
	size_t len;
	uint64_t offset;
};

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

static void rundown_text(FILE *f, const uint8_t *buf, size_t len)
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

static void rundown_json(FILE *f, const uint8_t *buf, size_t len)
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
static unsigned rundown_problems(const uint8_t *buf, size_t len, uint64_t block_off)
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

/* ---- the verb ---------------------------------------------------------------------------------- */

static void format_usage(FILE *f)
{
	fputs("Usage: pktmon format FILE.pcapng [-o OUT] [--brief] [--hex] [--drop-only]\n"
	      "                     [--component-id ID[,ID...]] [--json]\n"
	      "\n"
	      "Prints a pcapng file, one record per observation (a packet seen at a component,\n"
	      "or dropped there), then the session rundown (filters, components, counters,\n"
	      "drops by reason) when the file has one. FILE may be '-' for standard input.\n"
	      "Times are UTC. A full record is three lines:\n"
	      "  HH:MM:SS.nnnnnnnnn PktGroupId G, Appearance A, Direction Rx|Tx, Component C (NAME)\n"
	      "                     [, Drop: Reason REASON, Location SYMBOL+0xOFF]\n"
	      "  <tab>the packet, tcpdump-like: addresses, ports, protocol, TCP flags, length\n"
	      "  <tab>Frame N, date, interface, layer, netns, ifindex, CPU, flags, lengths\n"
	      "TCP flags are letters of FSRPAUEC. Frame N counts every packet of the file, as\n"
	      "Wireshark does, whatever the filters show.\n"
	      "Frames without pktmon metadata (e.g. written by tcpdump) are listed as\n"
	      "\"Interface N (NAME), no pktmon metadata\". The component NAME is the interface\n"
	      "name (if_name) of the frame's Interface Description Block.\n"
	      "\n"
	      "  -o, --output OUT        write to OUT (not the input) instead of standard output\n"
	      "  -b, --brief             one line per observation: the first line, '; ', the packet\n"
	      "  -x, --hex               add a hex dump of the captured bytes (JSON: \"data_hex\")\n"
	      "  -d, --drop-only         only drops\n"
	      "  -c, --component-id ID   only observations at these pktmon component ids (from the\n"
	      "                          metadata, as in the rundown); repeat or separate with commas\n"
	      "  -j, --json              one JSON object per line: {\"type\":\"packet\",...} per\n"
	      "                          observation, then session, filter, capture_filter,\n"
	      "                          component, counters and drop_count objects from the rundown\n"
	      "  -h, --help              this text\n"
	      "\n"
	      "--drop-only and --component-id never select frames without pktmon metadata.\n"
	      "Exit status: 0 success; 1 the file could not be read or is malformed (the\n"
	      "records before the problem are printed, and a message says where it is), or\n"
	      "some pktmon metadata was malformed; 2 bad usage.\n",
	      f);
}

int cmd_format(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "brief", no_argument, NULL, 'b' },
		{ "hex", no_argument, NULL, 'x' },
		{ "drop-only", no_argument, NULL, 'd' },
		{ "component-id", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fmt_opts o;
	memset(&o, 0, sizeof(o));
	const char *out_path = NULL;

	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":o:bxdc:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out_path = optarg; break;
		case 'b': o.brief = true; break;
		case 'x': o.hex = true; break;
		case 'd': o.filter.drop_only = true; break;
		case 'c':
			if (pmf_filter_add_ids(&o.filter, optarg, "format"))
				return EXIT_USAGE;
			break;
		case 'j': o.json = true; break;
		case 'h': format_usage(stdout); return 0;
		case ':': return cli_fail(EXIT_USAGE, "format: option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt)
				return cli_fail(EXIT_USAGE, "format: unknown option '-%c' (see pktmon format --help)", optopt);
			return cli_fail(EXIT_USAGE, "format: unknown option '%s' (see pktmon format --help)", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_fail(EXIT_USAGE, "format: which file? (pktmon format FILE.pcapng)");
	if (argc - optind > 1)
		return cli_fail(EXIT_USAGE, "format: unexpected argument '%s'", argv[optind + 1]);
	if (o.brief && o.json)
		return cli_fail(EXIT_USAGE, "format: --brief and --json exclude each other");
	const char *in_path = argv[optind];
	bool in_stdin = !strcmp(in_path, "-");
	bool out_stdout = !out_path || !strcmp(out_path, "-");
	if (!in_stdin && !out_stdout && pmf_same_file(in_path, out_path))
		return cli_fail(EXIT_USAGE, "format: the output %s is the input file; it would be overwritten", out_path);

	int fd = in_stdin ? 0 : open(in_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cli_fail(1, "format: cannot open %s: %s", in_path, strerror(errno));
	FILE *out = stdout;
	if (!out_stdout && !(out = fopen(out_path, "w"))) {
		int e = errno;
		if (!in_stdin)
			close(fd);
		return cli_fail(1, "format: cannot create %s: %s", out_path, strerror(e));
	}
	struct pcapng_reader *r = pcapng_reader_from_fd(fd);
	if (!r) {
		if (!in_stdin)
			close(fd);
		if (out != stdout)
			fclose(out);
		return cli_fail(1, "format: out of memory");
	}

	struct fmt_state st = { .out = out, .o = &o };
	struct rundown_copy *rds = NULL;
	size_t n_rds = 0;
	struct pcapng_block b;
	int rc, status = 0;
	while ((rc = pcapng_reader_next(r, &b)) == 1) {
		if (b.kind == PCAPNG_K_PACKET) {
			do_packet(&st, &b);
		} else if (b.kind == PCAPNG_K_CUSTOM && b.cb.pen == PKTMON_PEN) {
			/* Printed after the packets, as the last thing, like Windows pktmon's counters. */
			struct rundown_copy *n = realloc(rds, (n_rds + 1) * sizeof(*n));
			uint8_t *copy = malloc(b.cb.len ? b.cb.len : 1);
			if (!n || !copy) {
				free(copy);
				if (n)
					rds = n;
				status = cli_fail(1, "format: out of memory");
				break;
			}
			rds = n;
			memcpy(copy, b.cb.payload, b.cb.len);
			rds[n_rds++] = (struct rundown_copy){ copy, b.cb.len, b.offset };
		}
	}
	for (size_t i = 0; i < n_rds; i++) {
		if (rundown_problems(rds[i].data, rds[i].len, rds[i].offset))
			status = 1;
		if (o.json)
			rundown_json(out, rds[i].data, rds[i].len);
		else
			rundown_text(out, rds[i].data, rds[i].len);
		free(rds[i].data);
	}
	free(rds);
	if (st.bad_meta) {
		cli_fail(1, "format: %llu observation%s had malformed pktmon metadata", (unsigned long long)st.bad_meta,
			 st.bad_meta == 1 ? "" : "s");
		status = 1;
	}
	if (fflush(out) != 0 || ferror(out)) {
		status = cli_fail(1, "format: cannot write %s: %s", out_stdout ? "standard output" : out_path,
				  strerror(errno));
	}
	if (rc < 0) {
		/* After what was read, so the message is the last thing a reader sees. */
		const char *src = in_stdin ? "standard input" : in_path;
		if (st.frames)
			status = cli_fail(1, "format: %s: %s (after %llu frame%s)", src, pcapng_reader_strerror(r),
					  (unsigned long long)st.frames, st.frames == 1 ? "" : "s");
		else
			status = cli_fail(1, "format: %s: %s", src, pcapng_reader_strerror(r));
	}
	pcapng_reader_free(r);
	if (out != stdout && fclose(out) != 0 && status == 0)
		status = cli_fail(1, "format: cannot write %s: %s", out_path, strerror(errno));
	if (!in_stdin)
		close(fd);
	return status;
}
