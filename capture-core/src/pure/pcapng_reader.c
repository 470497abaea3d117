/* SPDX-License-Identifier: MIT */
/* pcapng_reader.c - strict streaming pcapng reader: see pcapng_reader.h. */
#define _POSIX_C_SOURCE 200809L /* read(), ssize_t under -std=c11 */
#include "pcapng_reader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum src_kind { SRC_FILE, SRC_FD, SRC_MEM };

struct pcapng_reader {
	enum src_kind src;
	FILE *f;
	int fd;
	const uint8_t *mem;
	size_t mem_len;

	/* Streams: the current block is read into buf; `have` bytes of it so far. */
	uint8_t *buf;
	size_t cap, have;
	bool src_eof;

	uint64_t off;        /* stream offset of the current block */
	uint32_t max_block;

	bool seen_shb;       /* a section is open */
	bool be;             /* its byte order */
	unsigned section;    /* index of the open section */
	struct pcapng_iface **ifaces; /* one allocation each: pointers stay valid as the table grows */
	uint32_t n_ifaces, cap_ifaces;

	enum pcapng_rd_error err;
	uint64_t err_off;
	char msg[320];
};

/* ---- small helpers ------------------------------------------------------------------------------ */

static uint16_t rd16(bool be, const uint8_t *p)
{
	return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(bool be, const uint8_t *p)
{
	if (be)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(bool be, const uint8_t *p)
{
	uint64_t a = rd32(be, p), b = rd32(be, p + 4);
	return be ? a << 32 | b : b << 32 | a;
}

/* pcapng timestamps are two u32 words, the high one first, each in section order. */
static uint64_t rdts(bool be, const uint8_t *p)
{
	return (uint64_t)rd32(be, p) << 32 | rd32(be, p + 4);
}

static uint64_t pad4(uint64_t n)
{
	return (n + 3) & ~(uint64_t)3;
}

static int fail(struct pcapng_reader *r, enum pcapng_rd_error e, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Records the first error (later calls keep it) and returns -1. */
static int fail(struct pcapng_reader *r, enum pcapng_rd_error e, uint64_t off, const char *fmt, ...)
{
	if (r->err == PCAPNG_RD_OK) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
		va_end(ap);
		r->err = e;
		r->err_off = off;
	}
	return -1;
}

const char *pcapng_block_type_name(uint32_t type)
{
	switch (type) {
	case PCAPNG_RD_BT_SHB: return "Section Header Block";
	case PCAPNG_RD_BT_IDB: return "Interface Description Block";
	case PCAPNG_RD_BT_PB: return "Packet Block";
	case PCAPNG_RD_BT_SPB: return "Simple Packet Block";
	case PCAPNG_RD_BT_NRB: return "Name Resolution Block";
	case PCAPNG_RD_BT_ISB: return "Interface Statistics Block";
	case PCAPNG_RD_BT_EPB: return "Enhanced Packet Block";
	case PCAPNG_RD_BT_DSB: return "Decryption Secrets Block";
	case PCAPNG_RD_BT_CB_COPY: return "Custom Block";
	case PCAPNG_RD_BT_CB_NOCOPY: return "Custom Block (not copyable)";
	default: return "block";
	}
}

/* ---- input -------------------------------------------------------------------------------------- */

static struct pcapng_reader *reader_new(enum src_kind k)
{
	struct pcapng_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->src = k;
	r->fd = -1;
	r->max_block = PCAPNG_RD_DEFAULT_MAX_BLOCK;
	return r;
}

struct pcapng_reader *pcapng_reader_from_file(FILE *f)
{
	struct pcapng_reader *r = reader_new(SRC_FILE);
	if (r)
		r->f = f;
	return r;
}

struct pcapng_reader *pcapng_reader_from_fd(int fd)
{
	struct pcapng_reader *r = reader_new(SRC_FD);
	if (r)
		r->fd = fd;
	return r;
}

struct pcapng_reader *pcapng_reader_from_mem(const void *buf, size_t len)
{
	struct pcapng_reader *r = reader_new(SRC_MEM);
	if (r) {
		r->mem = buf;
		r->mem_len = buf ? len : 0;
	}
	return r;
}

static void free_ifaces(struct pcapng_reader *r)
{
	for (uint32_t i = 0; i < r->n_ifaces; i++) {
		free(r->ifaces[i]->name);
		free(r->ifaces[i]->description);
		free(r->ifaces[i]);
	}
	r->n_ifaces = 0;
}

void pcapng_reader_free(struct pcapng_reader *r)
{
	if (!r)
		return;
	free_ifaces(r);
	free(r->ifaces);
	free(r->buf);
	free(r);
}

void pcapng_reader_set_max_block(struct pcapng_reader *r, uint32_t max_len)
{
	r->max_block = max_len < 12 ? 12 : max_len;
}

/*
 * Makes the first n bytes of the current block available at *p; returns how
 * many are (fewer than n only at the end of the input), or -1 after an I/O
 * error. n never exceeds max_block, so a hostile length cannot make us
 * allocate more than that.
 */
static long fetch(struct pcapng_reader *r, size_t n, const uint8_t **p)
{
	if (r->src == SRC_MEM) {
		/* off <= mem_len always: we only advance past whole blocks we checked. */
		size_t left = r->mem_len - (size_t)r->off;
		*p = r->mem + r->off;
		return (long)(n < left ? n : left);
	}
	if (n > r->cap) {
		size_t ncap = r->cap ? r->cap : 4096;
		while (ncap < n)
			ncap *= 2;
		uint8_t *nb = realloc(r->buf, ncap);
		if (!nb)
			return fail(r, PCAPNG_RD_E_NOMEM, r->off, "out of memory for a block of %zu bytes", n);
		r->buf = nb;
		r->cap = ncap;
	}
	while (r->have < n && !r->src_eof) {
		size_t want = n - r->have;
		if (r->src == SRC_FILE) {
			size_t got = fread(r->buf + r->have, 1, want, r->f);
			r->have += got;
			if (got < want) {
				if (ferror(r->f))
					return fail(r, PCAPNG_RD_E_IO, r->off + r->have, "read error at offset %llu: %s",
						    (unsigned long long)(r->off + r->have), strerror(errno));
				r->src_eof = true;
			}
		} else {
			ssize_t got = read(r->fd, r->buf + r->have, want);
			if (got < 0) {
				if (errno == EINTR)
					continue;
				return fail(r, PCAPNG_RD_E_IO, r->off + r->have, "read error at offset %llu: %s",
					    (unsigned long long)(r->off + r->have), strerror(errno));
			}
			if (got == 0)
				r->src_eof = true;
			r->have += (size_t)got;
		}
	}
	*p = r->buf;
	return (long)(r->have < n ? r->have : n);
}

/* ---- options ------------------------------------------------------------------------------------ */

void pcapng_opt_iter_init(struct pcapng_opt_iter *it, const struct pcapng_block *b)
{
	it->raw = b->raw;
	it->pos = b->opts_off;
	it->end = b->opts_off + b->opts_len;
	it->big_endian = b->big_endian;
	if (!b->raw || it->end < it->pos)
		it->pos = it->end = 0;
}

int pcapng_opt_next(struct pcapng_opt_iter *it, struct pcapng_opt *o)
{
	if (it->pos >= it->end)
		return 0;
	if (it->end - it->pos < 4)
		return -1;
	uint16_t code = rd16(it->big_endian, it->raw + it->pos);
	uint16_t len = rd16(it->big_endian, it->raw + it->pos + 2);
	if (code == 0) { /* opt_endofopt: whatever follows is not options */
		it->pos = it->end;
		return 0;
	}
	if (pad4(len) > (uint64_t)(it->end - it->pos - 4))
		return -1;
	o->code = code;
	o->len = len;
	o->val = it->raw + it->pos + 4;
	o->offset = it->pos;
	it->pos += 4 + (uint32_t)pad4(len);
	return 1;
}

static bool is_custom_opt(uint16_t code)
{
	return code == PCAPNG_RD_OPT_CUSTOM_STR || code == PCAPNG_RD_OPT_CUSTOM_BIN ||
	       code == PCAPNG_RD_OPT_CUSTOM_STR_NOCOPY || code == PCAPNG_RD_OPT_CUSTOM_BIN_NOCOPY;
}

/* A fixed-size option with another length is an error, not something to guess at. */
static int opt_len_is(struct pcapng_reader *r, const struct pcapng_block *b, const struct pcapng_opt *o,
		      uint16_t want, const char *name)
{
	if (o->len == want)
		return 0;
	return fail(r, PCAPNG_RD_E_BAD_OPTION, b->offset + o->offset,
		    "%s at offset %llu: option %s has length %u, not %u", pcapng_block_type_name(b->type),
		    (unsigned long long)b->offset, name, o->len, want);
}

static int set_tsresol(struct pcapng_reader *r, const struct pcapng_block *b, const struct pcapng_opt *o,
		       struct pcapng_iface *ifc)
{
	uint8_t v = o->val[0];
	unsigned k = v & 0x7fu;
	if (v & 0x80u) {
		if (k > 63)
			goto bad;
		ifc->units_per_sec = (uint64_t)1 << k;
	} else {
		if (k > 19) /* 10^20 does not fit in 64 bits */
			goto bad;
		uint64_t u = 1;
		for (unsigned i = 0; i < k; i++)
			u *= 10;
		ifc->units_per_sec = u;
	}
	ifc->tsresol = v;
	return 0;
bad:
	return fail(r, PCAPNG_RD_E_BAD_OPTION, b->offset + o->offset,
		    "Interface Description Block at offset %llu: if_tsresol 0x%02x is not a usable resolution",
		    (unsigned long long)b->offset, v);
}

/* NUL-terminated copy of a string option; trailing NULs some writers include are dropped. */
static char *dup_str(const uint8_t *p, size_t len)
{
	while (len > 0 && p[len - 1] == 0)
		len--;
	char *s = malloc(len + 1);
	if (s) {
		memcpy(s, p, len);
		s[len] = 0;
	}
	return s;
}

static void set_str(struct pcapng_str *s, const struct pcapng_opt *o)
{
	if (!s->ptr) { /* the first occurrence wins */
		s->ptr = (const char *)o->val;
		s->len = o->len;
	}
}

/*
 * Validates the options of b (raw[opts_off, opts_off + opts_len)) and decodes
 * those of its kind. ifc is the interface being described (IDB only).
 */
static int parse_options(struct pcapng_reader *r, struct pcapng_block *b, struct pcapng_iface *ifc)
{
	struct pcapng_opt_iter it;
	struct pcapng_opt o;
	int rc;
	pcapng_opt_iter_init(&it, b);
	while ((rc = pcapng_opt_next(&it, &o)) == 1) {
		if (is_custom_opt(o.code)) {
			if (o.len < 4)
				return fail(r, PCAPNG_RD_E_BAD_OPTION, b->offset + o.offset,
					    "%s at offset %llu: custom option %u of %u bytes has no room for its PEN",
					    pcapng_block_type_name(b->type), (unsigned long long)b->offset, o.code,
					    o.len);
			if (b->kind == PCAPNG_K_PACKET) {
				struct pcapng_packet *p = &b->pkt;
				if (p->n_custom < PCAPNG_RD_MAX_CUSTOM) {
					struct pcapng_custom_opt *c = &p->custom[p->n_custom];
					c->code = o.code;
					c->pen = rd32(b->big_endian, o.val);
					c->data = o.val + 4;
					c->len = (uint16_t)(o.len - 4);
				}
				p->n_custom++;
			}
			continue;
		}
		switch (b->kind) {
		case PCAPNG_K_SHB:
			switch (o.code) {
			case 1: set_str(&b->shb.comment, &o); break;
			case 2: set_str(&b->shb.hardware, &o); break;
			case 3: set_str(&b->shb.os, &o); break;
			case 4: set_str(&b->shb.userappl, &o); break;
			default: break;
			}
			break;
		case PCAPNG_K_IDB:
			switch (o.code) {
			case 2:
			case 3: {
				char **dst = o.code == 2 ? &ifc->name : &ifc->description;
				if (!*dst && !(*dst = dup_str(o.val, o.len)))
					return fail(r, PCAPNG_RD_E_NOMEM, b->offset, "out of memory");
				break;
			}
			case 9:
				if (opt_len_is(r, b, &o, 1, "if_tsresol") || set_tsresol(r, b, &o, ifc))
					return -1;
				break;
			case 14:
				if (opt_len_is(r, b, &o, 8, "if_tsoffset"))
					return -1;
				ifc->tsoffset = (int64_t)rd64(b->big_endian, o.val);
				break;
			default: break;
			}
			break;
		case PCAPNG_K_PACKET: {
			struct pcapng_packet *p = &b->pkt;
			switch (o.code) {
			case 1:
				set_str(&p->comment, &o);
				p->n_comments++;
				break;
			case 2:
				if (opt_len_is(r, b, &o, 4, "epb_flags"))
					return -1;
				p->has_flags = true;
				p->flags = rd32(b->big_endian, o.val);
				break;
			case 4:
				if (b->type != PCAPNG_RD_BT_EPB)
					break;
				if (opt_len_is(r, b, &o, 8, "epb_dropcount"))
					return -1;
				p->has_dropcount = true;
				p->dropcount = rd64(b->big_endian, o.val);
				break;
			case 5:
				if (b->type != PCAPNG_RD_BT_EPB)
					break;
				if (opt_len_is(r, b, &o, 8, "epb_packetid"))
					return -1;
				p->has_packetid = true;
				p->packetid = rd64(b->big_endian, o.val);
				break;
			default: break;
			}
			break;
		}
		case PCAPNG_K_ISB: {
			struct pcapng_isb *s = &b->isb;
			static const char *const names[] = { NULL, NULL, "isb_starttime", "isb_endtime",
							     "isb_ifrecv", "isb_ifdrop", "isb_filteraccept",
							     "isb_osdrop", "isb_usrdeliv" };
			if (o.code < 2 || o.code > 8)
				break;
			if (opt_len_is(r, b, &o, 8, names[o.code]))
				return -1;
			uint64_t v = rd64(b->big_endian, o.val);
			switch (o.code) {
			case 2: s->has_starttime = true; s->starttime = rdts(b->big_endian, o.val); break;
			case 3: s->has_endtime = true; s->endtime = rdts(b->big_endian, o.val); break;
			case 4: s->has_ifrecv = true; s->ifrecv = v; break;
			case 5: s->has_ifdrop = true; s->ifdrop = v; break;
			case 6: s->has_filteraccept = true; s->filteraccept = v; break;
			case 7: s->has_osdrop = true; s->osdrop = v; break;
			case 8: s->has_usrdeliv = true; s->usrdeliv = v; break;
			}
			break;
		}
		default:
			break;
		}
	}
	if (rc < 0)
		return fail(r, PCAPNG_RD_E_BAD_OPTION, b->offset + it.pos,
			    "%s at offset %llu: the option at offset %llu runs past the end of the block",
			    pcapng_block_type_name(b->type), (unsigned long long)b->offset,
			    (unsigned long long)(b->offset + it.pos));
	return 0;
}

/* ---- blocks ------------------------------------------------------------------------------------- */

/* ts in the interface's units -> ns since the epoch, if_tsoffset applied. */
static void set_ts_ns(struct pcapng_packet *p)
{
	const struct pcapng_iface *ifc = p->iface;
	__extension__ typedef __int128 i128;
	i128 ns = (i128)p->ts_raw * 1000000000 / (i128)ifc->units_per_sec + (i128)ifc->tsoffset * 1000000000;
	p->ts_ns_valid = ns >= 0 && ns <= (i128)UINT64_MAX;
	p->ts_ns = p->ts_ns_valid ? (uint64_t)ns : 0;
}

/* The fixed part each known block type must have (block header and trailer included). */
static uint32_t min_len(uint32_t type)
{
	switch (type) {
	case PCAPNG_RD_BT_SHB: return 28;
	case PCAPNG_RD_BT_IDB: return 20;
	case PCAPNG_RD_BT_PB:
	case PCAPNG_RD_BT_EPB: return 32;
	case PCAPNG_RD_BT_SPB: return 16;
	case PCAPNG_RD_BT_ISB: return 24;
	case PCAPNG_RD_BT_CB_COPY:
	case PCAPNG_RD_BT_CB_NOCOPY: return 16;
	default: return 12;
	}
}

static int parse_shb(struct pcapng_reader *r, struct pcapng_block *b)
{
	const uint8_t *q = b->raw;
	b->kind = PCAPNG_K_SHB;
	b->shb.major = rd16(b->big_endian, q + 12);
	b->shb.minor = rd16(b->big_endian, q + 14);
	b->shb.section_length = (int64_t)rd64(b->big_endian, q + 16);
	if (b->shb.major != 1)
		return fail(r, PCAPNG_RD_E_VERSION, b->offset,
			    "Section Header Block at offset %llu: pcapng version %u.%u (only 1.x is defined)",
			    (unsigned long long)b->offset, b->shb.major, b->shb.minor);
	b->opts_off = 24;
	b->opts_len = b->total_len - 28;
	if (parse_options(r, b, NULL) < 0)
		return -1;
	/* A new section: its interfaces start again from 0. */
	free_ifaces(r);
	if (r->seen_shb)
		r->section++;
	r->seen_shb = true;
	r->be = b->big_endian;
	b->section = r->section;
	return 0;
}

static int parse_idb(struct pcapng_reader *r, struct pcapng_block *b)
{
	const uint8_t *q = b->raw;
	b->kind = PCAPNG_K_IDB;
	if (r->n_ifaces >= PCAPNG_RD_MAX_IFACES)
		return fail(r, PCAPNG_RD_E_BAD_BLOCK, b->offset,
			    "Interface Description Block at offset %llu: more than %u interfaces in one section",
			    (unsigned long long)b->offset, PCAPNG_RD_MAX_IFACES);
	if (r->n_ifaces == r->cap_ifaces) {
		uint32_t ncap = r->cap_ifaces ? r->cap_ifaces * 2 : 16;
		struct pcapng_iface **n = realloc(r->ifaces, ncap * sizeof(*n));
		if (!n)
			return fail(r, PCAPNG_RD_E_NOMEM, b->offset, "out of memory");
		r->ifaces = n;
		r->cap_ifaces = ncap;
	}
	struct pcapng_iface *ifc = malloc(sizeof(*ifc));
	if (!ifc)
		return fail(r, PCAPNG_RD_E_NOMEM, b->offset, "out of memory");
	*ifc = (struct pcapng_iface){
		.id = r->n_ifaces,
		.linktype = rd16(b->big_endian, q + 8),
		.snaplen = rd32(b->big_endian, q + 12),
		.tsresol = 6, /* the default: microseconds */
		.units_per_sec = 1000000,
		.block_offset = b->offset,
	};
	b->opts_off = 16;
	b->opts_len = b->total_len - 20;
	if (parse_options(r, b, ifc) < 0) {
		free(ifc->name);
		free(ifc->description);
		free(ifc);
		return -1;
	}
	r->ifaces[r->n_ifaces++] = ifc;
	b->idb = ifc;
	return 0;
}

static int bad_iface(struct pcapng_reader *r, const struct pcapng_block *b, uint32_t id)
{
	return fail(r, PCAPNG_RD_E_BAD_IFACE, b->offset,
		    "%s at offset %llu: interface %u, but the section has described %u interface%s",
		    pcapng_block_type_name(b->type), (unsigned long long)b->offset, id, r->n_ifaces,
		    r->n_ifaces == 1 ? "" : "s");
}

static int parse_packet(struct pcapng_reader *r, struct pcapng_block *b)
{
	const uint8_t *q = b->raw;
	struct pcapng_packet *p = &b->pkt;
	b->kind = PCAPNG_K_PACKET;
	if (b->type == PCAPNG_RD_BT_SPB) {
		/* Simple Packet Block: interface 0, no timestamp; caplen is implied. */
		if (r->n_ifaces == 0)
			return bad_iface(r, b, 0);
		p->if_id = 0;
		p->iface = r->ifaces[0];
		p->origlen = rd32(b->big_endian, q + 8);
		uint32_t room = b->total_len - 16;
		uint32_t cap = p->origlen;
		if (p->iface->snaplen && cap > p->iface->snaplen)
			cap = p->iface->snaplen;
		if (cap > room)
			cap = room;
		p->caplen = cap;
		p->data = q + 12;
		return 0;
	}
	if (b->type == PCAPNG_RD_BT_PB) {
		p->if_id = rd16(b->big_endian, q + 8);
		p->has_dropcount = true;
		p->dropcount = rd16(b->big_endian, q + 10);
	} else {
		p->if_id = rd32(b->big_endian, q + 8);
	}
	p->has_ts = true;
	p->ts_raw = rdts(b->big_endian, q + 12);
	p->caplen = rd32(b->big_endian, q + 20);
	p->origlen = rd32(b->big_endian, q + 24);
	uint32_t room = b->total_len - 32;
	if (pad4(p->caplen) > room)
		return fail(r, PCAPNG_RD_E_BAD_BLOCK, b->offset,
			    "%s at offset %llu: captured length %u does not fit in a block of %u bytes",
			    pcapng_block_type_name(b->type), (unsigned long long)b->offset, p->caplen, b->total_len);
	if (p->if_id >= r->n_ifaces)
		return bad_iface(r, b, p->if_id);
	p->iface = r->ifaces[p->if_id];
	p->data = q + 28;
	set_ts_ns(p);
	b->opts_off = 28 + (uint32_t)pad4(p->caplen);
	b->opts_len = room - (uint32_t)pad4(p->caplen);
	return parse_options(r, b, NULL);
}

static int parse_isb(struct pcapng_reader *r, struct pcapng_block *b)
{
	const uint8_t *q = b->raw;
	b->kind = PCAPNG_K_ISB;
	b->isb.if_id = rd32(b->big_endian, q + 8);
	b->isb.iface = b->isb.if_id < r->n_ifaces ? r->ifaces[b->isb.if_id] : NULL;
	b->isb.ts_raw = rdts(b->big_endian, q + 12);
	b->opts_off = 20;
	b->opts_len = b->total_len - 24;
	return parse_options(r, b, NULL);
}

static void parse_cb(struct pcapng_block *b)
{
	b->kind = PCAPNG_K_CUSTOM;
	b->cb.copyable = b->type == PCAPNG_RD_BT_CB_COPY;
	b->cb.pen = rd32(b->big_endian, b->raw + 8);
	b->cb.payload = b->raw + 12;
	b->cb.len = b->total_len - 16;
}

static bool is_pcap_magic(uint32_t m)
{
	return m == 0xa1b2c3d4u || m == 0xd4c3b2a1u || m == 0xa1b23c4du || m == 0x4d3cb2a1u;
}

int pcapng_reader_next(struct pcapng_reader *r, struct pcapng_block *b)
{
	memset(b, 0, sizeof(*b));
	if (r->err != PCAPNG_RD_OK)
		return -1;
	r->have = 0;
	const uint8_t *q;
	long got = fetch(r, 8, &q);
	if (got < 0)
		return -1;
	if (got == 0) {
		if (!r->seen_shb)
			return fail(r, PCAPNG_RD_E_NOT_PCAPNG, r->off, "not a pcapng file: it is empty");
		return 0;
	}
	if (got >= 4 && !r->seen_shb && rd32(false, q) != PCAPNG_RD_BT_SHB) {
		if (is_pcap_magic(rd32(false, q)))
			return fail(r, PCAPNG_RD_E_NOT_PCAPNG, 0,
				    "not a pcapng file: it is a pcap file (the older format); "
				    "`editcap -F pcapng` converts it");
		return fail(r, PCAPNG_RD_E_NOT_PCAPNG, 0,
			    "not a pcapng file: it does not begin with a Section Header Block");
	}
	if (got < 8)
		return fail(r, PCAPNG_RD_E_TRUNCATED, r->off,
			    "truncated block header at offset %llu: the file ends %ld bytes into it",
			    (unsigned long long)r->off, got);

	b->offset = r->off;
	bool be = r->be;
	/* The SHB type reads the same in both byte orders; its magic says which one follows. */
	if (rd32(false, q) == PCAPNG_RD_BT_SHB) {
		got = fetch(r, 12, &q);
		if (got < 0)
			return -1;
		if (got < 12)
			return fail(r, PCAPNG_RD_E_TRUNCATED, r->off,
				    "truncated Section Header Block at offset %llu: the file ends %ld bytes into it",
				    (unsigned long long)r->off, got);
		uint32_t magic = rd32(false, q + 8);
		if (magic == 0x1A2B3C4Du)
			be = false;
		else if (magic == 0x4D3C2B1Au)
			be = true;
		else
			return fail(r, PCAPNG_RD_E_BAD_BLOCK, r->off,
				    "Section Header Block at offset %llu: byte-order magic 0x%08x is neither "
				    "0x1a2b3c4d nor its reverse", (unsigned long long)r->off, magic);
	}
	b->big_endian = be;
	b->type = rd32(be, q);
	b->total_len = rd32(be, q + 4);
	b->section = r->section;
	const char *name = pcapng_block_type_name(b->type);
	unsigned long long off = (unsigned long long)b->offset;

	if (b->total_len % 4 != 0 || b->total_len < min_len(b->type))
		return fail(r, PCAPNG_RD_E_BAD_BLOCK, b->offset,
			    "%s (type 0x%08x) at offset %llu: total length %u is %s", name, b->type, off, b->total_len,
			    b->total_len % 4 ? "not a multiple of 4" : "shorter than the block's fixed part");
	if (b->total_len > r->max_block)
		return fail(r, PCAPNG_RD_E_TOO_BIG, b->offset,
			    "%s (type 0x%08x) at offset %llu: total length %u is over the limit of %u bytes", name,
			    b->type, off, b->total_len, r->max_block);
	got = fetch(r, b->total_len, &q);
	if (got < 0)
		return -1;
	if ((uint32_t)got < b->total_len)
		return fail(r, PCAPNG_RD_E_TRUNCATED, b->offset,
			    "truncated %s at offset %llu: it is %u bytes long, the file ends %ld bytes into it", name,
			    off, b->total_len, got);
	b->raw = q;
	uint32_t trail = rd32(be, q + b->total_len - 4);
	if (trail != b->total_len)
		return fail(r, PCAPNG_RD_E_BAD_BLOCK, b->offset + b->total_len - 4,
			    "%s at offset %llu: total length %u at its start but %u at its end", name, off,
			    b->total_len, trail);

	int rc = 0;
	switch (b->type) {
	case PCAPNG_RD_BT_SHB: rc = parse_shb(r, b); break;
	case PCAPNG_RD_BT_IDB: rc = parse_idb(r, b); break;
	case PCAPNG_RD_BT_PB:
	case PCAPNG_RD_BT_SPB:
	case PCAPNG_RD_BT_EPB: rc = parse_packet(r, b); break;
	case PCAPNG_RD_BT_ISB: rc = parse_isb(r, b); break;
	case PCAPNG_RD_BT_CB_COPY:
	case PCAPNG_RD_BT_CB_NOCOPY: parse_cb(b); break;
	default: b->kind = PCAPNG_K_OTHER; break;
	}
	if (rc < 0)
		return -1;
	r->off += b->total_len;
	return 1;
}

enum pcapng_rd_error pcapng_reader_error(const struct pcapng_reader *r)
{
	return r->err;
}

uint64_t pcapng_reader_error_offset(const struct pcapng_reader *r)
{
	return r->err_off;
}

const char *pcapng_reader_strerror(const struct pcapng_reader *r)
{
	return r->err == PCAPNG_RD_OK ? "" : r->msg;
}

uint64_t pcapng_reader_offset(const struct pcapng_reader *r)
{
	return r->off;
}

uint32_t pcapng_reader_iface_count(const struct pcapng_reader *r)
{
	return r->n_ifaces;
}

const struct pcapng_iface *pcapng_reader_iface(const struct pcapng_reader *r, uint32_t id)
{
	return id < r->n_ifaces ? r->ifaces[id] : NULL;
}

const struct pcapng_custom_opt *pcapng_packet_custom(const struct pcapng_packet *p, uint16_t code, uint32_t pen)
{
	unsigned n = p->n_custom < PCAPNG_RD_MAX_CUSTOM ? p->n_custom : PCAPNG_RD_MAX_CUSTOM;
	for (unsigned i = 0; i < n; i++)
		if (p->custom[i].code == code && p->custom[i].pen == pen)
			return &p->custom[i];
	return NULL;
}
