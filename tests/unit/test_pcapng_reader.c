/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the pcapng reader (capture-core/src/pure/pcapng_reader.c):
 * round trip with the encoders of pcapng.h, big-endian and multi-section
 * files written by hand, every truncation of a valid file, corrupted lengths,
 * zero-length options, unknown blocks, timestamp resolutions, and the real
 * sample when its path is given as argv[1].
 *
 * Built a second time with -fsanitize=address,undefined (unit_pcapng_reader_asan):
 * inputs are exact-size heap copies, so any read past the end is caught.
 * With -DPCAPNG_READER_FUZZ the same file is the libFuzzer target instead.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcapng.h"
#include "pcapng_reader.h"
#include "pktmon/pktmon_format.h"
#include "pktmon_meta.h"
#include "pm_buf.h"
#include "tlv.h"

#ifdef PCAPNG_READER_FUZZ
/* ---- libFuzzer target: whatever the bytes, no crash, no over-read, no leak --------------------- */

static void walk(struct pcapng_reader *r)
{
	struct pcapng_block b;
	while (pcapng_reader_next(r, &b) == 1) {
		struct pcapng_opt_iter it;
		struct pcapng_opt o;
		volatile unsigned sink = 0;
		pcapng_opt_iter_init(&it, &b);
		while (pcapng_opt_next(&it, &o) == 1)
			sink += o.len ? o.val[o.len - 1] : 0;
		if (b.kind == PCAPNG_K_PACKET) {
			for (uint32_t i = 0; i < b.pkt.caplen; i += 61)
				sink += b.pkt.data[i];
			const struct pcapng_custom_opt *c =
				pcapng_packet_custom(&b.pkt, PKTMON_PCAPNG_OPT_CUSTOM_BIN_COPY, PKTMON_PEN);
			if (c) {
				struct pktmon_meta m;
				pktmon_meta_decode(c->data, c->len, &m);
			}
		} else if (b.kind == PCAPNG_K_CUSTOM) {
			struct pktmon_rundown rd;
			struct pktmon_rundown_record rec;
			pktmon_rundown_open(b.cb.payload, b.cb.len, &rd);
			while (pktmon_rundown_next(&rd, b.cb.payload, b.cb.len, &rec))
				;
		} else if (b.kind == PCAPNG_K_IDB && b.idb->name) {
			sink += (unsigned)strlen(b.idb->name);
		}
		(void)sink;
	}
	(void)pcapng_reader_strerror(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcapng_reader *r = pcapng_reader_from_mem(data, size);
	if (r) {
		pcapng_reader_set_max_block(r, 1u << 20);
		walk(r);
		pcapng_reader_free(r);
	}
	/* The stream path too (its own buffer management). */
	FILE *f = size ? fmemopen((void *)data, size, "rb") : NULL;
	if (f) {
		r = pcapng_reader_from_file(f);
		if (r) {
			pcapng_reader_set_max_block(r, 1u << 20);
			walk(r);
			pcapng_reader_free(r);
		}
		fclose(f);
	}
	return 0;
}

#else /* the unit test */

#include "check.h"

static bool str_is(const struct pcapng_str *s, const char *want)
{
	return s->ptr && s->len == strlen(want) && memcmp(s->ptr, want, s->len) == 0;
}

/* An exact-size heap copy, so the sanitizer build catches any read past the end. */
static uint8_t *dup_exact(const void *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);
	if (!q) {
		perror("malloc");
		exit(2);
	}
	memcpy(q, p, n);
	return q;
}

/* Reads every block of buf; returns the number of blocks, -1 on error (the reader kept). */
static long count_blocks(const uint8_t *buf, size_t len, enum pcapng_rd_error *err, uint64_t *err_off)
{
	uint8_t *copy = dup_exact(buf, len);
	struct pcapng_reader *r = pcapng_reader_from_mem(copy, len);
	struct pcapng_block b;
	long n = 0;
	int rc;
	while ((rc = pcapng_reader_next(r, &b)) == 1)
		n++;
	*err = pcapng_reader_error(r);
	*err_off = pcapng_reader_error_offset(r);
	if (rc < 0) {
		CHECK(pcapng_reader_next(r, &b) == -1); /* the error is sticky */
		CHECK(pcapng_reader_strerror(r)[0] != 0);
		n = -1;
	}
	pcapng_reader_free(r);
	free(copy);
	return n;
}

/* The error a file gives, with the message printed for the log. */
static enum pcapng_rd_error error_of(const char *what, const struct pm_buf *b)
{
	uint8_t *copy = dup_exact(b->data, b->len);
	struct pcapng_reader *r = pcapng_reader_from_mem(copy, b->len);
	struct pcapng_block blk;
	while (pcapng_reader_next(r, &blk) == 1)
		;
	enum pcapng_rd_error e = pcapng_reader_error(r);
	printf("  %-40s -> %s\n", what, e ? pcapng_reader_strerror(r) : "(no error)");
	pcapng_reader_free(r);
	free(copy);
	return e;
}

/* ---- building blocks by hand, in either byte order -------------------------------------------- */

static void put16(struct pm_buf *b, bool be, uint16_t v)
{
	if (be) {
		pm_buf_put_u8(b, (uint8_t)(v >> 8));
		pm_buf_put_u8(b, (uint8_t)v);
	} else {
		pm_buf_put_le16(b, v);
	}
}

static void put32(struct pm_buf *b, bool be, uint32_t v)
{
	if (be) {
		put16(b, true, (uint16_t)(v >> 16));
		put16(b, true, (uint16_t)v);
	} else {
		pm_buf_put_le32(b, v);
	}
}

static void put64(struct pm_buf *b, bool be, uint64_t v)
{
	if (be) {
		put32(b, true, (uint32_t)(v >> 32));
		put32(b, true, (uint32_t)v);
	} else {
		pm_buf_put_le64(b, v);
	}
}

static void put_opt(struct pm_buf *b, bool be, uint16_t code, const void *val, uint16_t len)
{
	put16(b, be, code);
	put16(b, be, len);
	pm_buf_append(b, val, len);
	pm_buf_pad4(b);
}

/* Starts a block; end_block() patches both lengths. */
static size_t begin_block(struct pm_buf *b, bool be, uint32_t type)
{
	size_t start = b->len;
	put32(b, be, type);
	put32(b, be, 0);
	return start;
}

static void end_block(struct pm_buf *b, bool be, size_t start)
{
	uint32_t total = (uint32_t)(b->len - start + 4);
	put32(b, be, total);
	uint8_t *p = b->data + start + 4;
	if (be) {
		p[0] = (uint8_t)(total >> 24), p[1] = (uint8_t)(total >> 16), p[2] = (uint8_t)(total >> 8), p[3] = (uint8_t)total;
	} else {
		p[0] = (uint8_t)total, p[1] = (uint8_t)(total >> 8), p[2] = (uint8_t)(total >> 16), p[3] = (uint8_t)(total >> 24);
	}
}

static void shb(struct pm_buf *b, bool be, const char *userappl)
{
	size_t s = begin_block(b, be, PCAPNG_BT_SHB);
	put32(b, be, PCAPNG_BYTE_ORDER_MAGIC);
	put16(b, be, 1);
	put16(b, be, 0);
	put64(b, be, UINT64_MAX);
	if (userappl) {
		put_opt(b, be, 4, userappl, (uint16_t)strlen(userappl));
		put_opt(b, be, 0, NULL, 0);
	}
	end_block(b, be, s);
}

static void idb(struct pm_buf *b, bool be, uint16_t linktype, uint32_t snaplen, const char *name, int tsresol)
{
	size_t s = begin_block(b, be, PCAPNG_BT_IDB);
	put16(b, be, linktype);
	put16(b, be, 0);
	put32(b, be, snaplen);
	if (name)
		put_opt(b, be, 2, name, (uint16_t)strlen(name));
	if (tsresol >= 0) {
		uint8_t v = (uint8_t)tsresol;
		put_opt(b, be, 9, &v, 1);
	}
	end_block(b, be, s);
}

/* EPB with the given caplen of pattern data and no options; more can be added before end_block. */
static size_t epb_begin(struct pm_buf *b, bool be, uint32_t if_id, uint64_t ts, uint32_t caplen, uint32_t origlen)
{
	size_t s = begin_block(b, be, PCAPNG_BT_EPB);
	put32(b, be, if_id);
	put32(b, be, (uint32_t)(ts >> 32));
	put32(b, be, (uint32_t)ts);
	put32(b, be, caplen);
	put32(b, be, origlen);
	for (uint32_t i = 0; i < caplen; i++)
		pm_buf_put_u8(b, (uint8_t)(i * 7 + 1));
	pm_buf_pad4(b);
	return s;
}

/* ---- round trip with the encoders ------------------------------------------------------------- */

static const uint8_t frame1[] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
				  0x08, 0x00, 0x45, 0x00, 0x00, 0x54, 0xaa, 0xa1, 0x40, 0x00, 0x40 };

/* The encoders' file: SHB, 2 IDBs, 3 EPBs (all options / none / empty data), Custom Block, ISB. */
static void build_file(struct pm_buf *b, struct pm_buf *meta, struct pm_buf *rundown)
{
	pm_buf_init(meta);
	pktmon_meta_begin(meta);
	tlv_put_u32(meta, PKTMON_TLV_COMPONENT_ID, 7);
	tlv_put_u8(meta, PKTMON_TLV_LAYER, PKTMON_LAYER_NF_INPUT);
	tlv_put_u8(meta, PKTMON_TLV_DIRECTION, PKTMON_DIR_RX);
	tlv_put_u64(meta, PKTMON_TLV_PKT_GROUP_ID, 1);
	tlv_put_u32(meta, PKTMON_TLV_APPEARANCE, 8);
	tlv_put_u32(meta, PKTMON_TLV_FLAGS, PKTMON_FLAG_DROPPED);
	tlv_put_str(meta, PKTMON_TLV_DROP_REASON, "NETFILTER_DROP");
	tlv_put_str(meta, PKTMON_TLV_DROP_SYMBOL, "nft_do_chain+0x46f");

	pm_buf_init(rundown);
	size_t off = pktmon_rundown_begin(rundown);
	size_t rec = tlv_begin(rundown, PKTMON_REC_COUNTERS);
	tlv_put_u32(rundown, PKTMON_TLV_COMPONENT_ID, 7);
	tlv_put_u64(rundown, PKTMON_TLV_DROPS, 2);
	tlv_end(rundown, rec);
	pktmon_rundown_end(rundown, off);

	pm_buf_init(b);
	CHECK(pcapng_put_shb(b, "pktmon test", "Linux test") == 0);
	CHECK(pcapng_put_idb(b, PCAPNG_LINKTYPE_ETHERNET, 262144, "ipv4 INPUT [netns b]",
			     "pktmon component 7: layer nf-input", 9) == 0);
	CHECK(pcapng_put_idb(b, PCAPNG_LINKTYPE_ETHERNET, 128, "veth0 rx [netns a]", NULL, 9) == 0);
	struct pcapng_epb_opts o = {
		.has_flags = true, .flags = PCAPNG_EPB_FLAG_INBOUND,
		.has_dropcount = true, .dropcount = 3,
		.has_packetid = true, .packetid = 0x1122334455667788ull,
		.comment = "DROP NETFILTER_DROP at nft_do_chain+0x46f",
		.custom = meta->data, .custom_len = meta->len, .custom_pen = PKTMON_PEN,
	};
	CHECK(pcapng_put_epb(b, 1, 1795339586605911991ull, frame1, sizeof(frame1), 98, &o) == 0);
	CHECK(pcapng_put_epb(b, 0, 5, frame1, 14, 14, NULL) == 0);
	CHECK(pcapng_put_epb(b, 0, 6, NULL, 0, 60, NULL) == 0);
	CHECK(pcapng_put_custom_block(b, PKTMON_PEN, rundown->data, rundown->len) == 0);
	struct pcapng_isb_stats st = { .start_ns = 100, .end_ns = 200, .ifrecv = 16, .ifdrop = 2, .osdrop = 1 };
	CHECK(pcapng_put_isb(b, 1, 300, &st) == 0);
	CHECK(!b->oom);
}

/* Checks the blocks of build_file(), read through r. */
static void check_round_trip(const char *how, struct pcapng_reader *r, const struct pm_buf *file,
			     const struct pm_buf *meta, const struct pm_buf *rundown)
{
	struct pcapng_block b;
	uint64_t off = 0;
	int k = 0;
	printf("  round trip via %s\n", how);
	while (pcapng_reader_next(r, &b) == 1) {
		/* Raw bytes: exactly the file's, at the right offset. */
		CHECK(b.offset == off);
		CHECK(b.offset + b.total_len <= file->len);
		CHECK(b.raw && memcmp(b.raw, file->data + off, b.total_len) == 0);
		CHECK(!b.big_endian);
		CHECK(b.section == 0);
		off += b.total_len;
		switch (k++) {
		case 0:
			CHECK(b.kind == PCAPNG_K_SHB && b.type == PCAPNG_BT_SHB);
			CHECK(b.shb.major == 1 && b.shb.minor == 0 && b.shb.section_length == -1);
			CHECK(str_is(&b.shb.userappl, "pktmon test"));
			CHECK(str_is(&b.shb.os, "Linux test"));
			CHECK(!b.shb.hardware.ptr && !b.shb.comment.ptr);
			break;
		case 1:
			CHECK(b.kind == PCAPNG_K_IDB && b.idb);
			CHECK(b.idb->id == 0 && b.idb->linktype == 1 && b.idb->snaplen == 262144);
			CHECK(b.idb->name && !strcmp(b.idb->name, "ipv4 INPUT [netns b]"));
			CHECK(b.idb->description && !strcmp(b.idb->description, "pktmon component 7: layer nf-input"));
			CHECK(b.idb->tsresol == 9 && b.idb->units_per_sec == 1000000000u && b.idb->tsoffset == 0);
			CHECK(pcapng_reader_iface_count(r) == 1);
			break;
		case 2:
			CHECK(b.kind == PCAPNG_K_IDB && b.idb->id == 1 && b.idb->snaplen == 128);
			CHECK(b.idb->name && !strcmp(b.idb->name, "veth0 rx [netns a]") && !b.idb->description);
			CHECK(pcapng_reader_iface(r, 1) == b.idb && pcapng_reader_iface(r, 2) == NULL);
			break;
		case 3: {
			const struct pcapng_packet *p = &b.pkt;
			CHECK(b.kind == PCAPNG_K_PACKET && b.type == PCAPNG_BT_EPB);
			CHECK(p->if_id == 1 && p->iface == pcapng_reader_iface(r, 1));
			CHECK(p->has_ts && p->ts_raw == 1795339586605911991ull);
			CHECK(p->ts_ns_valid && p->ts_ns == 1795339586605911991ull);
			CHECK(p->caplen == sizeof(frame1) && p->origlen == 98);
			CHECK(memcmp(p->data, frame1, sizeof(frame1)) == 0);
			CHECK(p->has_flags && p->flags == PCAPNG_EPB_FLAG_INBOUND);
			CHECK(p->has_dropcount && p->dropcount == 3);
			CHECK(p->has_packetid && p->packetid == 0x1122334455667788ull);
			CHECK(str_is(&p->comment, "DROP NETFILTER_DROP at nft_do_chain+0x46f") && p->n_comments == 1);
			CHECK(p->n_custom == 1);
			const struct pcapng_custom_opt *c = pcapng_packet_custom(p, 2989, PKTMON_PEN);
			CHECK(c && c->len == meta->len && memcmp(c->data, meta->data, meta->len) == 0);
			CHECK(pcapng_packet_custom(p, 2989, 1) == NULL && pcapng_packet_custom(p, 2988, PKTMON_PEN) == NULL);
			/* The metadata decodes with the existing decoder. */
			struct pktmon_meta m;
			CHECK(c && pktmon_meta_decode(c->data, c->len, &m) == PKTMON_META_OK);
			CHECK(m.tlv.component_id == 7 && m.tlv.appearance == 8 && m.tlv.flags == PKTMON_FLAG_DROPPED);
			/* The option iterator sees the options in the encoder's order (ours first). */
			struct pcapng_opt_iter it;
			struct pcapng_opt o;
			static const uint16_t codes[] = { 2989, 2, 4, 5, 1 };
			unsigned n = 0;
			pcapng_opt_iter_init(&it, &b);
			while (pcapng_opt_next(&it, &o) == 1) {
				CHECK(n < 5 && o.code == codes[n]);
				n++;
			}
			CHECK(n == 5);
			break;
		}
		case 4:
			CHECK(b.kind == PCAPNG_K_PACKET && b.pkt.if_id == 0 && b.pkt.ts_ns == 5);
			CHECK(b.pkt.caplen == 14 && b.pkt.origlen == 14 && memcmp(b.pkt.data, frame1, 14) == 0);
			CHECK(!b.pkt.has_flags && !b.pkt.has_packetid && !b.pkt.has_dropcount && !b.pkt.comment.ptr);
			CHECK(b.pkt.n_custom == 0 && b.opts_len == 0);
			break;
		case 5:
			CHECK(b.kind == PCAPNG_K_PACKET && b.pkt.caplen == 0 && b.pkt.origlen == 60 && b.total_len == 32);
			break;
		case 6:
			CHECK(b.kind == PCAPNG_K_CUSTOM && b.cb.copyable && b.cb.pen == PKTMON_PEN);
			CHECK(b.cb.len >= rundown->len && b.cb.len - rundown->len < 4);
			CHECK(memcmp(b.cb.payload, rundown->data, rundown->len) == 0);
			struct pktmon_rundown rd;
			struct pktmon_rundown_record rec;
			CHECK(pktmon_rundown_open(b.cb.payload, b.cb.len, &rd) == PKTMON_META_OK);
			CHECK(pktmon_rundown_next(&rd, b.cb.payload, b.cb.len, &rec) == 1);
			CHECK(rec.type == PKTMON_REC_COUNTERS && rec.tlv.drops == 2);
			break;
		case 7:
			CHECK(b.kind == PCAPNG_K_ISB && b.isb.if_id == 1 && b.isb.iface == pcapng_reader_iface(r, 1));
			CHECK(b.isb.ts_raw == 300);
			CHECK(b.isb.has_starttime && b.isb.starttime == 100 && b.isb.has_endtime && b.isb.endtime == 200);
			CHECK(b.isb.has_ifrecv && b.isb.ifrecv == 16 && b.isb.has_ifdrop && b.isb.ifdrop == 2);
			CHECK(b.isb.has_osdrop && b.isb.osdrop == 1);
			CHECK(!b.isb.has_filteraccept && !b.isb.has_usrdeliv);
			break;
		}
	}
	CHECK(k == 8);
	CHECK(pcapng_reader_error(r) == PCAPNG_RD_OK && pcapng_reader_strerror(r)[0] == 0);
	CHECK(pcapng_reader_offset(r) == file->len);
	CHECK(pcapng_reader_next(r, &b) == 0); /* EOF stays EOF */
}

static void test_round_trip(void)
{
	struct pm_buf file, meta, rundown;
	build_file(&file, &meta, &rundown);
	CHECK(pcapng_count_blocks(file.data, file.len) == 8);

	uint8_t *copy = dup_exact(file.data, file.len);
	struct pcapng_reader *r = pcapng_reader_from_mem(copy, file.len);
	check_round_trip("memory", r, &file, &meta, &rundown);
	pcapng_reader_free(r);
	free(copy);

	FILE *f = tmpfile();
	CHECK(f && fwrite(file.data, 1, file.len, f) == file.len && fflush(f) == 0);
	if (f) {
		rewind(f);
		r = pcapng_reader_from_file(f);
		check_round_trip("FILE *", r, &file, &meta, &rundown);
		pcapng_reader_free(r);
		/* The fd path, from the start of the same file. */
		int fd = fileno(f);
		CHECK(lseek(fd, 0, SEEK_SET) == 0);
		r = pcapng_reader_from_fd(fd);
		check_round_trip("fd", r, &file, &meta, &rundown);
		pcapng_reader_free(r);
		fclose(f);
	}
	/* A pipe delivers the bytes in pieces; the reader must assemble them. */
	int pfd[2];
	CHECK(pipe(pfd) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		for (size_t i = 0; i < file.len; i += 5)
			if (write(pfd[1], file.data + i, file.len - i < 5 ? file.len - i : 5) < 0)
				_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	r = pcapng_reader_from_fd(pfd[0]);
	check_round_trip("pipe", r, &file, &meta, &rundown);
	pcapng_reader_free(r);
	close(pfd[0]);

	pm_buf_free(&file);
	pm_buf_free(&meta);
	pm_buf_free(&rundown);
}

/* ---- big-endian and multi-section files -------------------------------------------------------- */

static void test_big_endian_sections(void)
{
	struct pm_buf b;
	pm_buf_init(&b);
	/* Section 0, big-endian: IDB with 2^-20 s resolution, EPB with options and our custom option. */
	shb(&b, true, "be writer");
	idb(&b, true, 1, 65535, "eth-be", 0x80 | 20);
	size_t s = epb_begin(&b, true, 0, (uint64_t)3 << 20 | 1 << 19, 5, 60); /* 3.5 s */
	uint8_t flags_be[4] = { 0, 0, 0, 2 };
	put_opt(&b, true, 2, flags_be, 4);
	uint8_t cust[4 + 3] = { 0, 0, 0x7e, 0xd9, 1, 0, 0 }; /* PEN 32473 big-endian, then payload */
	put_opt(&b, true, 2989, cust, sizeof(cust));
	uint8_t pid[8] = { 0, 0, 0, 0, 0, 0, 0x01, 0x02 };
	put_opt(&b, true, 5, pid, 8);
	put_opt(&b, true, 0, NULL, 0);
	end_block(&b, true, s);
	/* ISB in BE: timestamps are two BE words. */
	s = begin_block(&b, true, PCAPNG_BT_ISB);
	put32(&b, true, 0);
	put32(&b, true, 0);
	put32(&b, true, 9);
	uint8_t st[8] = { 0, 0, 0, 1, 0, 0, 0, 2 };
	put_opt(&b, true, 2, st, 8);
	end_block(&b, true, s);
	/* Section 1, little-endian: interfaces start again. */
	shb(&b, false, NULL);
	idb(&b, false, 101, 0, "raw-le", -1); /* no if_tsresol: microseconds */
	s = epb_begin(&b, false, 0, 2000001, 4, 4);
	end_block(&b, false, s);

	uint8_t *copy = dup_exact(b.data, b.len);
	struct pcapng_reader *r = pcapng_reader_from_mem(copy, b.len);
	struct pcapng_block blk;
	int k = 0;
	while (pcapng_reader_next(r, &blk) == 1) {
		switch (k++) {
		case 0:
			CHECK(blk.kind == PCAPNG_K_SHB && blk.big_endian && blk.section == 0);
			CHECK(blk.type == PCAPNG_BT_SHB && blk.shb.major == 1 && str_is(&blk.shb.userappl, "be writer"));
			break;
		case 1:
			CHECK(blk.kind == PCAPNG_K_IDB && blk.big_endian && blk.idb->linktype == 1);
			CHECK(blk.idb->snaplen == 65535 && !strcmp(blk.idb->name, "eth-be"));
			CHECK(blk.idb->tsresol == (0x80 | 20) && blk.idb->units_per_sec == 1u << 20);
			break;
		case 2:
			CHECK(blk.kind == PCAPNG_K_PACKET && blk.type == PCAPNG_BT_EPB && blk.big_endian);
			CHECK(blk.pkt.ts_raw == ((uint64_t)3 << 20 | 1 << 19));
			CHECK(blk.pkt.ts_ns_valid && blk.pkt.ts_ns == 3500000000ull);
			CHECK(blk.pkt.caplen == 5 && blk.pkt.origlen == 60 && blk.pkt.data[4] == 29);
			CHECK(blk.pkt.has_flags && blk.pkt.flags == 2);
			CHECK(blk.pkt.has_packetid && blk.pkt.packetid == 0x0102);
			CHECK(blk.pkt.n_custom == 1 && blk.pkt.custom[0].pen == PKTMON_PEN);
			CHECK(blk.pkt.custom[0].len == 3 && blk.pkt.custom[0].data[0] == 1);
			break;
		case 3:
			CHECK(blk.kind == PCAPNG_K_ISB && blk.isb.ts_raw == 9 && blk.isb.has_starttime);
			CHECK(blk.isb.starttime == ((uint64_t)1 << 32 | 2));
			break;
		case 4:
			CHECK(blk.kind == PCAPNG_K_SHB && !blk.big_endian && blk.section == 1);
			CHECK(pcapng_reader_iface_count(r) == 0);
			break;
		case 5:
			CHECK(blk.kind == PCAPNG_K_IDB && blk.section == 1 && blk.idb->id == 0 && blk.idb->linktype == 101);
			CHECK(blk.idb->tsresol == 6 && blk.idb->units_per_sec == 1000000);
			break;
		case 6:
			CHECK(blk.kind == PCAPNG_K_PACKET && blk.section == 1 && !strcmp(blk.pkt.iface->name, "raw-le"));
			CHECK(blk.pkt.ts_ns == 2000001000ull);
			break;
		}
	}
	CHECK(k == 7 && pcapng_reader_error(r) == PCAPNG_RD_OK);
	pcapng_reader_free(r);
	free(copy);

	/* An EPB of section 1 naming interface 1, which only section 0 had: an error. */
	pm_buf_reset(&b);
	shb(&b, false, NULL);
	idb(&b, false, 1, 0, "a", 9);
	idb(&b, false, 1, 0, "b", 9);
	shb(&b, true, NULL);
	idb(&b, true, 1, 0, "c", 9);
	s = epb_begin(&b, true, 1, 0, 0, 0);
	end_block(&b, true, s);
	CHECK(error_of("EPB names an interface of another section", &b) == PCAPNG_RD_E_BAD_IFACE);
	pm_buf_free(&b);
}

/* ---- truncations --------------------------------------------------------------------------------- */

static void test_every_truncation(const uint8_t *file, size_t len, const char *what)
{
	/* Block boundaries: a cut there is a clean end. */
	size_t bounds[4096];
	size_t nb = 0, off = 0;
	while (off < len && nb < 4096) {
		bounds[nb++] = off;
		off += pm_get_le32(file + off + 4);
	}
	CHECK(off == len);
	printf("  every truncation of %s (%zu bytes, %zu blocks)\n", what, len, nb);
	unsigned bad = 0;
	for (size_t cut = 0; cut < len; cut++) {
		enum pcapng_rd_error e;
		uint64_t eoff;
		long n = count_blocks(file, cut, &e, &eoff);
		size_t whole = 0; /* blocks entirely before the cut */
		bool at_bound = false;
		for (size_t i = 0; i < nb; i++) {
			if (bounds[i] == cut)
				at_bound = true;
			if (bounds[i] < cut && (i + 1 == nb ? len : bounds[i + 1]) <= cut)
				whole++;
		}
		bool ok;
		if (cut == 0)
			ok = n == -1 && e == PCAPNG_RD_E_NOT_PCAPNG;
		else if (at_bound)
			ok = n == (long)whole && e == PCAPNG_RD_OK;
		else
			ok = n == -1 && e == PCAPNG_RD_E_TRUNCATED && eoff == bounds[whole];
		if (!ok && bad++ < 5)
			fprintf(stderr, "cut at %zu: got %ld blocks, error %d at %llu\n", cut, n, (int)e,
				(unsigned long long)eoff);
		/* The stream path must agree (it reads the bytes in pieces). */
		if (cut % 7 == 0 || !at_bound) {
			FILE *f = cut ? fmemopen((void *)file, cut, "rb") : NULL;
			if (f) {
				struct pcapng_reader *r = pcapng_reader_from_file(f);
				struct pcapng_block b;
				long m = 0;
				int rc;
				while ((rc = pcapng_reader_next(r, &b)) == 1)
					m++;
				if ((rc < 0 ? -1 : m) != n || pcapng_reader_error(r) != e)
					bad++;
				pcapng_reader_free(r);
				fclose(f);
			}
		}
	}
	CHECK(bad == 0);
}

/* ---- corrupted files ---------------------------------------------------------------------------- */

static void set32(struct pm_buf *b, size_t off, uint32_t v)
{
	pm_buf_patch_le32(b, off, v);
}

static void test_corruptions(void)
{
	struct pm_buf good, meta, rundown, b;
	build_file(&good, &meta, &rundown);
	pm_buf_init(&b);
	/* Offsets in build_file(): SHB, IDB0, IDB1, then the first EPB. */
	size_t shb_len = pm_get_le32(good.data + 4);
	size_t idb0 = shb_len, idb1 = idb0 + pm_get_le32(good.data + idb0 + 4);
	size_t epb = idb1 + pm_get_le32(good.data + idb1 + 4);
	size_t epb_len = pm_get_le32(good.data + epb + 4);
	printf("  corrupted files:\n");

#define MUTATE(what, expect, stmt)                                      \
	do {                                                            \
		pm_buf_reset(&b);                                       \
		pm_buf_append(&b, good.data, good.len);                 \
		stmt;                                                   \
		CHECK(error_of(what, &b) == (expect));                  \
	} while (0)

	MUTATE("total length not a multiple of 4", PCAPNG_RD_E_BAD_BLOCK, set32(&b, epb + 4, (uint32_t)epb_len + 2));
	MUTATE("total length below the fixed part", PCAPNG_RD_E_BAD_BLOCK, set32(&b, epb + 4, 28));
	MUTATE("total length 0", PCAPNG_RD_E_BAD_BLOCK, set32(&b, epb + 4, 0));
	MUTATE("total length 8 (below 12)", PCAPNG_RD_E_BAD_BLOCK, set32(&b, idb0 + 4, 8));
	MUTATE("total length 0xfffffffc", PCAPNG_RD_E_TOO_BIG, set32(&b, epb + 4, 0xfffffffcu));
	MUTATE("total length past the end of the file", PCAPNG_RD_E_TRUNCATED,
	       set32(&b, epb + 4, (uint32_t)(good.len - epb + 4)));
	MUTATE("trailing length differs", PCAPNG_RD_E_BAD_BLOCK, set32(&b, epb + epb_len - 4, (uint32_t)epb_len + 4));
	MUTATE("longer block, trailer not at its end", PCAPNG_RD_E_BAD_BLOCK, set32(&b, epb + 4, (uint32_t)epb_len + 4));
	MUTATE("caplen larger than the block", PCAPNG_RD_E_BAD_BLOCK, set32(&b, epb + 20, (uint32_t)epb_len));
	MUTATE("caplen 0xffffffff", PCAPNG_RD_E_BAD_BLOCK, set32(&b, epb + 20, 0xffffffffu));
	MUTATE("caplen 1 past the block's room", PCAPNG_RD_E_BAD_BLOCK, set32(&b, epb + 20, (uint32_t)epb_len - 32 + 1));
	MUTATE("EPB names interface 2 of 2", PCAPNG_RD_E_BAD_IFACE, set32(&b, epb + 8, 2));
	MUTATE("EPB names interface 0xffffffff", PCAPNG_RD_E_BAD_IFACE, set32(&b, epb + 8, 0xffffffffu));
	MUTATE("bad byte-order magic", PCAPNG_RD_E_BAD_BLOCK, set32(&b, 8, 0x12345678u));
	MUTATE("pcapng version 2.0", PCAPNG_RD_E_VERSION, pm_buf_patch_le16(&b, 12, 2));
	MUTATE("first block is an IDB", PCAPNG_RD_E_NOT_PCAPNG, set32(&b, 0, 1));
	MUTATE("a pcap file", PCAPNG_RD_E_NOT_PCAPNG, set32(&b, 0, 0xa1b2c3d4u));
	MUTATE("a pcap file, nanosecond, swapped", PCAPNG_RD_E_NOT_PCAPNG, set32(&b, 0, 0x4d3cb2a1u));
	/* The first EPB option (the custom one) is at epb + 28 + pad4(caplen), epb_flags right after it. */
	size_t cust = epb + 28 + ((sizeof(frame1) + 3) & ~3u);
	size_t opt = cust + 4 + ((4 + meta.len + 3) & ~(size_t)3);
	MUTATE("epb_flags of length 8", PCAPNG_RD_E_BAD_OPTION, pm_buf_patch_le16(&b, opt + 2, 8));
	MUTATE("option length past the block", PCAPNG_RD_E_BAD_OPTION, pm_buf_patch_le16(&b, opt + 2, 0xfff0));
	MUTATE("if_tsresol 10^-20", PCAPNG_RD_E_BAD_OPTION, {
		/* IDB1 options: if_name (2 + 18 -> 24 bytes), then if_tsresol at idb1 + 16 + 24 */
		b.data[idb1 + 16 + 24 + 4] = 20;
	});
	MUTATE("if_tsresol 2^-64", PCAPNG_RD_E_BAD_OPTION, b.data[idb1 + 16 + 24 + 4] = 0x80 | 64);
	MUTATE("if_tsresol of length 2", PCAPNG_RD_E_BAD_OPTION, pm_buf_patch_le16(&b, idb1 + 16 + 24 + 2, 2));
	MUTATE("custom option too short for its PEN", PCAPNG_RD_E_BAD_OPTION, pm_buf_patch_le16(&b, cust + 2, 3));
	MUTATE("SHB total length 24", PCAPNG_RD_E_BAD_BLOCK, set32(&b, 4, 24));

	/* The limit on block size is the caller's to choose. */
	{
		uint8_t *copy = dup_exact(good.data, good.len);
		struct pcapng_reader *r = pcapng_reader_from_mem(copy, good.len);
		struct pcapng_block blk;
		pcapng_reader_set_max_block(r, 64);
		int rc;
		while ((rc = pcapng_reader_next(r, &blk)) == 1)
			;
		CHECK(rc == -1 && pcapng_reader_error(r) == PCAPNG_RD_E_TOO_BIG);
		pcapng_reader_free(r);
		free(copy);
	}
	/* Garbage after the last block is a truncated block, not silence. */
	pm_buf_reset(&b);
	pm_buf_append(&b, good.data, good.len);
	pm_buf_put_le16(&b, 0);
	CHECK(error_of("2 bytes after the last block", &b) == PCAPNG_RD_E_TRUNCATED);
	/* An empty input is not a pcapng file. */
	pm_buf_reset(&b);
	CHECK(error_of("empty input", &b) == PCAPNG_RD_E_NOT_PCAPNG);
#undef MUTATE
	pm_buf_free(&b);
	pm_buf_free(&good);
	pm_buf_free(&meta);
	pm_buf_free(&rundown);
}

/* ---- options, unknown and legacy blocks ---------------------------------------------------------- */

static void test_options_and_other_blocks(void)
{
	struct pm_buf b;
	pm_buf_init(&b);
	shb(&b, false, NULL);
	/* IDB: zero-length if_name, unknown option of length 0, an if_name with a trailing NUL
	 * (ignored: the first wins), tsresol 3, if_tsoffset 10 s, no opt_endofopt. */
	size_t s = begin_block(&b, false, PCAPNG_BT_IDB);
	put16(&b, false, 1);
	put16(&b, false, 0);
	put32(&b, false, 0);
	put_opt(&b, false, 2, "", 0);
	put_opt(&b, false, 200, NULL, 0);
	put_opt(&b, false, 2, "x\0", 2);
	uint8_t res = 3;
	put_opt(&b, false, 9, &res, 1);
	uint8_t tsoff[8] = { 10, 0, 0, 0, 0, 0, 0, 0 };
	put_opt(&b, false, 14, tsoff, 8);
	end_block(&b, false, s);
	/* IDB 1: a name with a trailing NUL, as some writers put it; no if_tsresol (microseconds). */
	s = begin_block(&b, false, PCAPNG_BT_IDB);
	put16(&b, false, 1);
	put16(&b, false, 0);
	put32(&b, false, 0);
	put_opt(&b, false, 2, "nul\0", 4);
	end_block(&b, false, s);
	/* Unknown block type, then an NRB, a not-copyable Custom Block, and a DSB. */
	s = begin_block(&b, false, 0x12345678u);
	put32(&b, false, 0xdeadbeef);
	end_block(&b, false, s);
	size_t unknown_at = s;
	s = begin_block(&b, false, PCAPNG_RD_BT_NRB);
	put32(&b, false, 0); /* nrb_record_end */
	end_block(&b, false, s);
	s = begin_block(&b, false, PCAPNG_RD_BT_CB_NOCOPY);
	put32(&b, false, 99);
	put32(&b, false, 0x01020304);
	end_block(&b, false, s);
	/* EPB: zero-length comment, zero-length custom string after its PEN, a second comment,
	 * an unknown option, opt_endofopt followed by bytes that are not options. */
	s = epb_begin(&b, false, 0, 1000, 3, 3);
	put_opt(&b, false, 1, "", 0);
	uint8_t pen_only[4] = { 1, 0, 0, 0 };
	put_opt(&b, false, 2988, pen_only, 4);
	put_opt(&b, false, 1, "second", 6);
	put_opt(&b, false, 19373, pen_only, 4);
	put_opt(&b, false, 77, "abc", 3);
	put_opt(&b, false, 0, NULL, 0);
	put32(&b, false, 0xffffffffu); /* after opt_endofopt: ignored */
	end_block(&b, false, s);
	/* SPB: interface 0, snaplen 0, origlen 6 of which 6 are in the block. */
	s = begin_block(&b, false, PCAPNG_RD_BT_SPB);
	put32(&b, false, 6);
	pm_buf_append(&b, "abcdef", 6);
	pm_buf_pad4(&b);
	end_block(&b, false, s);
	/* SPB with origlen larger than its data: caplen is what the block holds. */
	s = begin_block(&b, false, PCAPNG_RD_BT_SPB);
	put32(&b, false, 1500);
	pm_buf_append(&b, "abcd", 4);
	end_block(&b, false, s);
	/* Obsolete Packet Block: u16 interface, u16 drops. */
	s = begin_block(&b, false, PCAPNG_RD_BT_PB);
	put16(&b, false, 1);
	put16(&b, false, 4);
	put32(&b, false, 0);
	put32(&b, false, 2000000); /* interface 1 counts microseconds: 2 s */
	put32(&b, false, 2);
	put32(&b, false, 2);
	pm_buf_append(&b, "zz", 2);
	pm_buf_pad4(&b);
	uint8_t fl[4] = { 1, 0, 0, 0 };
	put_opt(&b, false, 2, fl, 4);
	end_block(&b, false, s);
	CHECK(!b.oom);

	uint8_t *copy = dup_exact(b.data, b.len);
	struct pcapng_reader *r = pcapng_reader_from_mem(copy, b.len);
	struct pcapng_block blk;
	int k = 0, rc;
	while ((rc = pcapng_reader_next(r, &blk)) == 1) {
		switch (k++) {
		case 1:
			CHECK(blk.kind == PCAPNG_K_IDB && blk.idb->name && !strcmp(blk.idb->name, ""));
			CHECK(blk.idb->tsresol == 3 && blk.idb->units_per_sec == 1000 && blk.idb->tsoffset == 10);
			break;
		case 2:
			CHECK(blk.kind == PCAPNG_K_IDB && blk.idb->name && !strcmp(blk.idb->name, "nul"));
			break;
		case 3:
			CHECK(blk.kind == PCAPNG_K_OTHER && blk.type == 0x12345678u && blk.total_len == 16);
			CHECK(blk.offset == unknown_at && pm_get_le32(blk.raw + 8) == 0xdeadbeefu);
			CHECK(blk.opts_len == 0);
			break;
		case 4:
			CHECK(blk.kind == PCAPNG_K_OTHER && blk.type == PCAPNG_RD_BT_NRB);
			break;
		case 5:
			CHECK(blk.kind == PCAPNG_K_CUSTOM && !blk.cb.copyable && blk.cb.pen == 99 && blk.cb.len == 4);
			break;
		case 6: {
			const struct pcapng_packet *p = &blk.pkt;
			CHECK(blk.kind == PCAPNG_K_PACKET && p->caplen == 3);
			/* 1000 ms + the interface's 10 s offset */
			CHECK(p->ts_ns_valid && p->ts_ns == 11000000000ull);
			CHECK(p->comment.ptr && p->comment.len == 0 && p->n_comments == 2);
			CHECK(p->n_custom == 2 && p->custom[0].code == 2988 && p->custom[0].len == 0 &&
			      p->custom[0].pen == 1);
			CHECK(p->custom[1].code == 19373);
			break;
		}
		case 7:
			CHECK(blk.kind == PCAPNG_K_PACKET && blk.type == PCAPNG_RD_BT_SPB && !blk.pkt.has_ts);
			CHECK(blk.pkt.if_id == 0 && blk.pkt.caplen == 6 && blk.pkt.origlen == 6);
			CHECK(memcmp(blk.pkt.data, "abcdef", 6) == 0);
			break;
		case 8:
			CHECK(blk.kind == PCAPNG_K_PACKET && blk.pkt.caplen == 4 && blk.pkt.origlen == 1500);
			break;
		case 9:
			CHECK(blk.kind == PCAPNG_K_PACKET && blk.type == PCAPNG_RD_BT_PB && blk.pkt.if_id == 1);
			CHECK(blk.pkt.has_dropcount && blk.pkt.dropcount == 4 && blk.pkt.caplen == 2);
			CHECK(blk.pkt.ts_ns == 2000000000ull && blk.pkt.has_flags && blk.pkt.flags == 1);
			break;
		}
	}
	CHECK(rc == 0 && k == 10);
	if (rc)
		fprintf(stderr, "  %s\n", pcapng_reader_strerror(r));
	pcapng_reader_free(r);
	free(copy);

	/* A time beyond 2^64 ns is reported, not wrapped. */
	pm_buf_reset(&b);
	shb(&b, false, NULL);
	idb(&b, false, 1, 0, "s", 0); /* 10^0: seconds */
	s = epb_begin(&b, false, 0, (uint64_t)1 << 40, 0, 0);
	end_block(&b, false, s);
	copy = dup_exact(b.data, b.len);
	r = pcapng_reader_from_mem(copy, b.len);
	k = 0;
	while (pcapng_reader_next(r, &blk) == 1)
		if (blk.kind == PCAPNG_K_PACKET)
			k = 1 + (blk.pkt.ts_ns_valid ? 1 : 0);
	CHECK(k == 1);
	pcapng_reader_free(r);
	free(copy);

	/* An SPB before any IDB has no interface to belong to. */
	pm_buf_reset(&b);
	shb(&b, false, NULL);
	s = begin_block(&b, false, PCAPNG_RD_BT_SPB);
	put32(&b, false, 0);
	end_block(&b, false, s);
	CHECK(error_of("SPB without an IDB", &b) == PCAPNG_RD_E_BAD_IFACE);
	pm_buf_free(&b);
}

/* ---- the real sample ---------------------------------------------------------------------------- */

static void test_sample(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		failures++;
		return;
	}
	uint8_t *data = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			data = realloc(data, cap);
			if (!data)
				exit(2);
		}
		size_t n = fread(data + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	rewind(f);
	struct pcapng_reader *r = pcapng_reader_from_file(f);
	struct pcapng_block b;
	unsigned idbs = 0, pkts = 0, cbs = 0, isbs = 0, drops = 0;
	while (pcapng_reader_next(r, &b) == 1) {
		idbs += b.kind == PCAPNG_K_IDB;
		isbs += b.kind == PCAPNG_K_ISB;
		cbs += b.kind == PCAPNG_K_CUSTOM && b.cb.pen == PKTMON_PEN;
		if (b.kind == PCAPNG_K_PACKET) {
			pkts++;
			const struct pcapng_custom_opt *c = pcapng_packet_custom(&b.pkt, 2989, PKTMON_PEN);
			struct pktmon_meta m;
			CHECK(c && pktmon_meta_decode(c->data, c->len, &m) == PKTMON_META_OK);
			if (c && (m.tlv.flags & PKTMON_FLAG_DROPPED)) {
				drops++;
				CHECK(!strcmp(b.pkt.iface->name, "ipv4 INPUT [netns pmdemo-b]"));
			}
		}
	}
	printf("  sample: %u IDBs, %u packets (%u drops), %u rundown, %u ISBs\n", idbs, pkts, drops, cbs, isbs);
	CHECK(pcapng_reader_error(r) == PCAPNG_RD_OK);
	CHECK(idbs == 7 && pkts == 16 && drops == 2 && cbs == 1 && isbs == 7);
	pcapng_reader_free(r);
	fclose(f);
	test_every_truncation(data, len, "the sample");
	free(data);
}

int main(int argc, char **argv)
{
	printf("pcapng reader tests\n");
	test_round_trip();
	test_big_endian_sections();
	{
		struct pm_buf file, meta, rundown;
		build_file(&file, &meta, &rundown);
		test_every_truncation(file.data, file.len, "the encoders' file");
		pm_buf_free(&file);
		pm_buf_free(&meta);
		pm_buf_free(&rundown);
	}
	test_corruptions();
	test_options_and_other_blocks();
	if (argc > 1)
		test_sample(argv[1]);
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("all pcapng reader tests passed\n");
	return 0;
}

#endif /* PCAPNG_READER_FUZZ */
