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
#include "event_line.h"
#include "frame_filter.h"
#include "packet_decode.h"
#include "packet_text.h"
#include "pcapng_reader.h"
#include "pkt_parse.h"
#include "pktmon/pktmon.h"
#include "pktmon/pktmon_format.h"
#include "pktmon_meta.h"

#include "format_rundown.h"
#include "text_out.h"

/* ---- the records ------------------------------------------------------------------------------- */

struct fmt_opts {
	bool brief, hex, json;
	bool stats_only, timestamp_only, metadata, no_ethernet; /* Windows' etl2txt options */
	unsigned verbose;                                        /* 1..3 */
	struct pmf_filter filter;
};

/* --stats-only: what the records would have shown, per component. */
struct comp_stat {
	uint32_t id;
	char name[128];
	uint64_t seen, drops;
};

struct fmt_state {
	FILE *out;
	const struct fmt_opts *o;
	uint64_t frames, shown, bad_meta;
	uint64_t drops, no_meta, first_ns, last_ns;
	struct comp_stat *comps;
	size_t ncomps;
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
		{ PKTMON_FLAG_DELIVERED_COPY, "DELIVERED_COPY" },
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

/* The capture's host: pktmon ends each IDB description with " host NAME" (docs/FORMAT.md); merged
 * files keep every IDB, so this tells the hosts of a mergecap'ed file apart. */
static const char *iface_host(const struct pcapng_packet *p)
{
	const char *host = NULL, *d = p->iface ? p->iface->description : NULL;
	for (const char *s = d ? strstr(d, " host ") : NULL; s; s = strstr(s + 1, " host "))
		host = s + 6;
	return host && *host && !strchr(host, ' ') ? host : NULL;
}

/* Untrusted text, escaped as put_text() writes it, into buf; false if it does not fit. */
static bool escaped(char *buf, size_t len, const char *s, size_t slen)
{
	FILE *mem = fmemopen(buf, len, "w");
	if (!mem)
		return false;
	put_text(mem, s, slen);
	bool fits = !ferror(mem) && ftell(mem) < (long)len - 1;
	fclose(mem);
	return fits;
}

/* A complete record's line comes from capture-core's event-line formatter, the one real-time
 * mode prints with; false when something is missing, for put_header() to say what. */
static bool put_event_head(FILE *f, const struct pcapng_packet *p, const struct pktmon_meta *m)
{
	const struct pktmon_tlvs *v = &m->tlv;
	bool drop = pmf_is_drop(m);
	if (!p->has_ts || !p->ts_ns_valid || m->status == PKTMON_META_UNKNOWN_VERSION ||
	    !pktmon_tlv_has(v, PKTMON_TLV_PKT_GROUP_ID) || !pktmon_tlv_has(v, PKTMON_TLV_APPEARANCE) ||
	    !pktmon_tlv_has(v, PKTMON_TLV_COMPONENT_ID) || (drop && !v->drop_reason.ptr))
		return false;
	char name[512], reason[256], symbol[512];
	const char *ifname = iface_name(p) ? iface_name(p) : "?";
	if (!escaped(name, sizeof(name), ifname, strlen(ifname)))
		return false;
	if (drop) {
		if (!escaped(reason, sizeof(reason), v->drop_reason.ptr, v->drop_reason.len))
			return false;
		if (v->drop_symbol.ptr) {
			if (!escaped(symbol, sizeof(symbol), v->drop_symbol.ptr, v->drop_symbol.len))
				return false;
		} else if (pktmon_tlv_has(v, PKTMON_TLV_DROP_LOCATION)) {
			snprintf(symbol, sizeof(symbol), "0x%llx", (unsigned long long)v->drop_location);
		} else {
			snprintf(symbol, sizeof(symbol), "?");
		}
	}
	struct pktmon_event ev = {
		.timestamp_ns = p->ts_ns,
		.pkt_group_id = v->pkt_group_id,
		.appearance = v->appearance,
		.direction = pktmon_tlv_has(v, PKTMON_TLV_DIRECTION) ? (enum pktmon_direction)v->direction
								      : PKTMON_DIR_UNKNOWN,
		.component_id = v->component_id,
		.component_name = name,
		.drop_reason = drop ? reason : NULL,
		.drop_symbol = drop ? symbol : NULL,
		.flags = pktmon_tlv_has(v, PKTMON_TLV_FLAGS) ? v->flags : 0,
		.why = pktmon_tlv_has(v, PKTMON_TLV_WHY) ? v->why : 0,
		.icmp_type = v->icmp_type,
		.icmp_code = v->icmp_code,
	};
	char line[2048];
	int n = pm_event_line_head(&ev, line, sizeof(line));
	if (n < 0 || (size_t)n >= sizeof(line))
		return false;
	fputs(line, f);
	return true;
}

/* The pktmon line: timestamp, ids, component, drop (no newline). */
static void put_header(FILE *f, const struct pcapng_packet *p, const struct pktmon_meta *m)
{
	if (m && put_event_head(f, p, m))
		return;
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

static void put_meta_nf_rule(FILE *f, const struct pktmon_tlvs *v)
{
	if (v->nf_table.ptr)
		put_nf_rule(f, v->nf_table.ptr, v->nf_table.len, v->nf_chain.ptr, v->nf_chain.len, v->nf_rule_handle,
			    v->nf_rule.ptr, v->nf_rule.len, v->nf_rule_comment.ptr, v->nf_rule_comment.len);
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
	if (iface_host(p)) {
		fputs(", Host ", f);
		put_cstr(f, iface_host(p));
	}
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
		if (pktmon_tlv_has(v, PKTMON_TLV_ICMP_TYPE))
			fprintf(f, ", ICMP type %u code %u", v->icmp_type, v->icmp_code);
		if (pktmon_tlv_has(v, PKTMON_TLV_TCP_STATE))
			fprintf(f, ", TCP state %u", v->tcp_state);
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
	if (m && m->status != PKTMON_META_UNKNOWN_VERSION)
		put_meta_nf_rule(f, &m->tlv);
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
		if (v->nf_table.ptr) {
			fputs(",\"nf_rule\":{\"table\":", f);
			json_mstr(f, &v->nf_table);
			fputs(",\"chain\":", f);
			json_mstr(f, &v->nf_chain);
			fprintf(f, ",\"handle\":%llu", (unsigned long long)v->nf_rule_handle);
			if (v->nf_rule.ptr) {
				fputs(",\"rule\":", f);
				json_mstr(f, &v->nf_rule);
			}
			if (v->nf_rule_comment.ptr) {
				fputs(",\"comment\":", f);
				json_mstr(f, &v->nf_rule_comment);
			}
			fputc('}', f);
		}
		if (HAS(FLAGS) && (v->flags & PKTMON_FLAG_DELIVERED_COPY)) /* freed, but a copy was delivered */
			fputs(",\"delivered_copy\":true", f);
		fputc('}', f);
	}
	if (HAS(WHY)) { /* what the kernel did next */
		char w[96];
		fprintf(f, ",\"why\":{\"kind\":\"%s\",\"text\":", pktmon_why_name(v->why));
		json_cstr(f, pktmon_why_text(v, w, sizeof(w)));
		if (HAS(ICMP_TYPE)) fprintf(f, ",\"icmp_type\":%u", v->icmp_type);
		if (HAS(ICMP_CODE)) fprintf(f, ",\"icmp_code\":%u", v->icmp_code);
		if (HAS(TCP_STATE)) fprintf(f, ",\"tcp_state\":%u", v->tcp_state);
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
	if (iface_host(p)) {
		fputs(",\"host\":", f);
		json_cstr(f, iface_host(p));
	}
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

static void count_stats(struct fmt_state *st, const struct pcapng_packet *p, const struct pktmon_meta *m)
{
	if (p->has_ts && p->ts_ns_valid) {
		if (!st->first_ns || p->ts_ns < st->first_ns)
			st->first_ns = p->ts_ns;
		if (p->ts_ns > st->last_ns)
			st->last_ns = p->ts_ns;
	}
	if (!m || !pktmon_tlv_has(&m->tlv, PKTMON_TLV_COMPONENT_ID)) {
		st->no_meta++;
		return;
	}
	bool drop = pmf_is_drop(m);
	st->drops += drop;
	size_t i = 0;
	while (i < st->ncomps && st->comps[i].id != m->tlv.component_id)
		i++;
	if (i == st->ncomps) {
		struct comp_stat *n = realloc(st->comps, (st->ncomps + 1) * sizeof(*n));
		if (!n)
			return;
		st->comps = n;
		memset(&n[i], 0, sizeof(n[i]));
		n[i].id = m->tlv.component_id;
		const char *name = iface_name(p);
		if (name)
			escaped(n[i].name, sizeof(n[i].name), name, strlen(name));
		st->ncomps++;
	}
	st->comps[i].seen++;
	st->comps[i].drops += drop;
}

static int cmp_stat(const void *a, const void *b)
{
	const struct comp_stat *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void put_stats(FILE *f, const struct fmt_state *st)
{
	fprintf(f, "Frames: %llu; observations shown by the filters: %llu; drops: %llu; without pktmon metadata: %llu\n",
		(unsigned long long)st->frames, (unsigned long long)st->shown, (unsigned long long)st->drops,
		(unsigned long long)st->no_meta);
	if (st->first_ns) {
		char a[64], b[64];
		fmt_time(a, sizeof(a), st->first_ns, true, ' ');
		fmt_time(b, sizeof(b), st->last_ns, true, ' ');
		fprintf(f, "First: %s UTC\nLast:  %s UTC\n", a, b);
	}
	if (st->ncomps) {
		qsort(st->comps, st->ncomps, sizeof(*st->comps), cmp_stat);
		fprintf(f, "Observations by component:\n  %-4s %-48s %12s %10s\n", "Id", "Name", "Observed", "Drops");
		for (size_t i = 0; i < st->ncomps; i++)
			fprintf(f, "  %-4u %-48s %12llu %10llu\n", st->comps[i].id, st->comps[i].name[0] ? st->comps[i].name : "?",
				(unsigned long long)st->comps[i].seen, (unsigned long long)st->comps[i].drops);
	}
	fputc('\n', f);
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
	if (st->o->stats_only) {
		count_stats(st, p, m);
		return;
	}
	if (st->o->timestamp_only) {
		put_header(st->out, p, m);
		fputc('\n', st->out);
		return;
	}
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
	if (st->o->brief && st->o->metadata)
		put_details(f, st->frames, p, m);
	if (st->o->verbose >= 2)
		packet_fields_text(f, &d, !st->o->no_ethernet);
	if (st->o->hex || st->o->verbose >= 3) {
		/* --no-ethernet: the dump starts at the network header, as Windows' -e does */
		uint32_t skip = st->o->no_ethernet && d.real_eth && p->caplen >= 14 ? 14 : 0;
		put_hex(f, p->data + skip, p->caplen - skip);
	}
}

struct rundown_copy {
	uint8_t *data;
	size_t len;
	uint64_t offset;
};

/* ---- the verb ---------------------------------------------------------------------------------- */

static void format_usage(FILE *f)
{
	fputs("Usage: pktmon format FILE.pcapng [-o OUT] [--brief] [--hex] [--drop-only]\n"
	      "                     [--component-id ID[,ID...]] [--json] [--stats-only]\n"
	      "                     [--timestamp-only] [--metadata] [-v 1|2|3] [--no-ethernet]\n"
	      "       pktmon etl2txt ...   (Windows' older name, the same verb)\n"
	      "\n"
	      "Prints a pcapng file, one record per observation (a packet seen at a component,\n"
	      "or dropped there), then the session rundown (filters, components, counters,\n"
	      "drops by reason) when the file has one. FILE may be '-' for standard input.\n"
	      "Times are UTC. A full record is three lines:\n"
	      "  HH:MM:SS.nnnnnnnnn PktGroupId G, Appearance A, Direction Rx|Tx, Component C (NAME)\n"
	      "                     [, Drop: Reason REASON, Location SYMBOL+0xOFF]\n"
	      "                     [, Next: what the kernel did, e.g. ICMP port unreachable sent]\n"
	      "  <tab>the packet, tcpdump-like: addresses, ports, protocol, TCP flags, length\n"
	      "  <tab>Frame N, date, interface, layer, netns, ifindex, CPU, flags, lengths\n"
	      "TCP flags are letters of FSRPAUEC. Frame N counts every packet of the file, as\n"
	      "Wireshark does, whatever the filters show.\n"
	      "Frames without pktmon metadata (e.g. written by tcpdump) are listed as\n"
	      "\"Interface N (NAME), no pktmon metadata\". The component NAME is the interface\n"
	      "name (if_name) of the frame's Interface Description Block.\n"
	      "\n"
	      "  -o, --out, --output OUT write to OUT (not the input) instead of standard output\n"
	      "  -b, --brief             one line per observation: the first line, '; ', the packet\n"
	      "  -x, --hex               add a hex dump of the captured bytes (JSON: \"data_hex\")\n"
	      "  -d, --drop-only         only drops\n"
	      "  -c, --component-id ID   only observations at these pktmon component ids (from the\n"
	      "                          metadata, as in the rundown); repeat or separate with commas\n"
	      "  -j, --json              one JSON object per line: {\"type\":\"packet\",...} per\n"
	      "                          observation, then session, filter, capture_filter,\n"
	      "                          component, counters and drop_count objects from the rundown\n"
	      "  -s, --stats-only        no records: the frame, drop and per-component counts of\n"
	      "                          what the filters select, first and last time, the rundown\n"
	      "  -t, --timestamp-only    only the first line of each record (time, ids, component,\n"
	      "                          drop)\n"
	      "  -m, --metadata          the metadata line (Frame, Layer, Netns, ...) also with\n"
	      "                          --brief; full records always have it\n"
	      "  -v, --verbose LEVEL     1 the default record; 2 adds the headers one per line\n"
	      "                          (MACs, EtherType, addresses, ports, TCP flags, ICMP);\n"
	      "                          3 adds the hex dump too\n"
	      "  -e, --no-ethernet       no Ethernet header: no MAC lines (-v 2), and hex dumps\n"
	      "                          start at the network header; the summary never shows it\n"
	      "  -h, --help              this text\n"
	      "\n"
	      "Windows' --tmfpath (WPP trace formats) has no Linux equivalent and is refused.\n"
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
		{ "out", required_argument, NULL, 'o' },
		{ "stats-only", no_argument, NULL, 's' },
		{ "timestamp-only", no_argument, NULL, 't' },
		{ "metadata", no_argument, NULL, 'm' },
		{ "verbose", required_argument, NULL, 'v' },
		{ "no-ethernet", no_argument, NULL, 'e' },
		{ "tmfpath", required_argument, NULL, 'p' },
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
	o.verbose = 1;
	while ((c = getopt_long(argc, argv, ":o:bxdc:jstmv:ep:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out_path = optarg; break;
		case 's': o.stats_only = true; break;
		case 't': o.timestamp_only = true; break;
		case 'm': o.metadata = true; break;
		case 'e': o.no_ethernet = true; break;
		case 'v':
			if (strlen(optarg) != 1 || optarg[0] < '1' || optarg[0] > '3')
				return cli_fail(EXIT_USAGE, "format: --verbose takes 1, 2 or 3, not '%s'", optarg);
			o.verbose = (unsigned)(optarg[0] - '0');
			break;
		case 'p':
			return cli_fail(EXIT_USAGE, "format: --tmfpath decodes Windows WPP traces, which a Linux capture "
						    "does not have");
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
	if (o.json && (o.stats_only || o.timestamp_only || o.verbose > 1 || o.metadata))
		return cli_fail(EXIT_USAGE, "format: --json has every field already; --stats-only, --timestamp-only, "
					    "--metadata and --verbose are for the text");
	if (o.stats_only + o.timestamp_only + o.brief > 1)
		return cli_fail(EXIT_USAGE, "format: --stats-only, --timestamp-only and --brief exclude each other");
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
	if (o.stats_only)
		put_stats(out, &st);
	free(st.comps);
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
