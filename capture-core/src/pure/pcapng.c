/* SPDX-License-Identifier: MIT */
#include "pcapng.h"

#include <string.h>

#include "pktmon/pktmon_format.h"

/* Opens a block: type and a placeholder total length. Returns its offset. */
static size_t block_begin(struct pm_buf *b, uint32_t type)
{
	size_t start = b->len;
	pm_buf_put_le32(b, type);
	pm_buf_put_le32(b, 0);
	return start;
}

/* Closes a block: appends the trailing total length and patches the leading
 * one. On any failure rolls the buffer back to `start`. */
static int block_end(struct pm_buf *b, size_t start)
{
	if (b->oom || b->len < start || (b->len - start) % 4 != 0)
		goto fail;
	size_t total = b->len - start + 4;
	if (total > PCAPNG_MAX_BLOCK_LEN)
		goto fail;
	pm_buf_put_le32(b, (uint32_t)total);
	if (b->oom)
		goto fail;
	pm_buf_patch_le32(b, start + 4, (uint32_t)total);
	return 0;
fail:
	pm_buf_truncate(b, start);
	return -1;
}

/* One option: code, length, value, padding to 4. The length was checked. */
static void put_opt(struct pm_buf *b, uint16_t code, const void *val, uint16_t len)
{
	pm_buf_put_le16(b, code);
	pm_buf_put_le16(b, len);
	pm_buf_append(b, val, len);
	pm_buf_pad4(b);
}

static bool str_ok(const char *s)
{
	return !s || strlen(s) <= 0xFFFFu;
}

static void put_str_opt(struct pm_buf *b, uint16_t code, const char *s)
{
	if (s)
		put_opt(b, code, s, (uint16_t)strlen(s));
}

static void put_u32_opt(struct pm_buf *b, uint16_t code, uint32_t v)
{
	pm_buf_put_le16(b, code);
	pm_buf_put_le16(b, 4);
	pm_buf_put_le32(b, v);
}

static void put_u64_opt(struct pm_buf *b, uint16_t code, uint64_t v)
{
	pm_buf_put_le16(b, code);
	pm_buf_put_le16(b, 8);
	pm_buf_put_le64(b, v);
}

/* pcapng timestamps (block fields and isb_starttime/endtime) are two u32s,
 * high word first, each in the section's byte order. */
static void put_ts(struct pm_buf *b, uint64_t ts)
{
	pm_buf_put_le32(b, (uint32_t)(ts >> 32));
	pm_buf_put_le32(b, (uint32_t)ts);
}

static void put_ts_opt(struct pm_buf *b, uint16_t code, uint64_t ts)
{
	pm_buf_put_le16(b, code);
	pm_buf_put_le16(b, 8);
	put_ts(b, ts);
}

static void put_endofopt(struct pm_buf *b)
{
	pm_buf_put_le32(b, 0);
}

int pcapng_put_shb(struct pm_buf *b, const char *userappl, const char *os)
{
	return pcapng_put_shb_comment(b, userappl, os, NULL);
}

int pcapng_put_shb_comment(struct pm_buf *b, const char *userappl, const char *os, const char *comment)
{
	if (!str_ok(userappl) || !str_ok(os) || !str_ok(comment))
		return -1;
	size_t start = block_begin(b, PCAPNG_BT_SHB);
	pm_buf_put_le32(b, PCAPNG_BYTE_ORDER_MAGIC);
	pm_buf_put_le16(b, 1); /* major */
	pm_buf_put_le16(b, 0); /* minor */
	pm_buf_put_le64(b, UINT64_MAX); /* section length: not known in advance */
	put_str_opt(b, PCAPNG_OPT_COMMENT, comment);
	put_str_opt(b, PCAPNG_SHB_OS, os);
	put_str_opt(b, PCAPNG_SHB_USERAPPL, userappl);
	if (os || userappl || comment)
		put_endofopt(b);
	return block_end(b, start);
}

int pcapng_put_idb(struct pm_buf *b, uint16_t linktype, uint32_t snaplen, const char *if_name,
		   const char *if_description, uint8_t tsresol)
{
	if (!str_ok(if_name) || !str_ok(if_description))
		return -1;
	size_t start = block_begin(b, PCAPNG_BT_IDB);
	pm_buf_put_le16(b, linktype);
	pm_buf_put_le16(b, 0); /* reserved */
	pm_buf_put_le32(b, snaplen);
	put_str_opt(b, PCAPNG_IF_NAME, if_name);
	put_str_opt(b, PCAPNG_IF_DESCRIPTION, if_description);
	put_opt(b, PCAPNG_IF_TSRESOL, &tsresol, 1);
	put_endofopt(b);
	return block_end(b, start);
}

int pcapng_put_epb(struct pm_buf *b, uint32_t if_id, uint64_t ts, const void *data, uint32_t caplen,
		   uint32_t origlen, const struct pcapng_epb_opts *o)
{
	if ((caplen && !data) || caplen > origlen || caplen > PCAPNG_MAX_BLOCK_LEN)
		return -1;
	bool any = false;
	if (o) {
		if (!str_ok(o->comment))
			return -1;
		if (o->custom && o->custom_len > 0xFFFFu - 4)
			return -1;
		any = o->has_flags || o->has_dropcount || o->has_packetid || o->comment || o->custom;
	}
	size_t start = block_begin(b, PCAPNG_BT_EPB);
	pm_buf_put_le32(b, if_id);
	put_ts(b, ts);
	pm_buf_put_le32(b, caplen);
	pm_buf_put_le32(b, origlen);
	pm_buf_append(b, data, caplen);
	pm_buf_pad4(b);
	if (any) {
		/* the custom option first: readers that walk the options to find it stop there */
		if (o->custom) {
			pm_buf_put_le16(b, PCAPNG_OPT_CUSTOM_BIN_COPY);
			pm_buf_put_le16(b, (uint16_t)(4 + o->custom_len));
			pm_buf_put_le32(b, o->custom_pen);
			pm_buf_append(b, o->custom, o->custom_len);
			pm_buf_pad4(b);
		}
		if (o->has_flags)
			put_u32_opt(b, PCAPNG_EPB_FLAGS, o->flags);
		if (o->has_dropcount)
			put_u64_opt(b, PCAPNG_EPB_DROPCOUNT, o->dropcount);
		if (o->has_packetid)
			put_u64_opt(b, PCAPNG_EPB_PACKETID, o->packetid);
		put_str_opt(b, PCAPNG_OPT_COMMENT, o->comment);
		put_endofopt(b);
	}
	return block_end(b, start);
}

int pcapng_put_custom_block(struct pm_buf *b, uint32_t pen, const void *payload, size_t len)
{
	if ((len && !payload) || len > PCAPNG_MAX_BLOCK_LEN)
		return -1;
	size_t start = block_begin(b, PCAPNG_BT_CB_COPY);
	pm_buf_put_le32(b, pen);
	pm_buf_append(b, payload, len);
	pm_buf_pad4(b);
	return block_end(b, start);
}

int pcapng_put_isb(struct pm_buf *b, uint32_t if_id, uint64_t ts, const struct pcapng_isb_stats *st)
{
	if (!st)
		return -1;
	size_t start = block_begin(b, PCAPNG_BT_ISB);
	pm_buf_put_le32(b, if_id);
	put_ts(b, ts);
	put_ts_opt(b, PCAPNG_ISB_STARTTIME, st->start_ns);
	put_ts_opt(b, PCAPNG_ISB_ENDTIME, st->end_ns);
	put_u64_opt(b, PCAPNG_ISB_IFRECV, st->ifrecv);
	put_u64_opt(b, PCAPNG_ISB_IFDROP, st->ifdrop);
	put_u64_opt(b, PCAPNG_ISB_OSDROP, st->osdrop);
	put_endofopt(b);
	return block_end(b, start);
}

void pktmon_meta_begin(struct pm_buf *b)
{
	pm_buf_put_u8(b, PKTMON_META_VERSION);
	pm_buf_put_u8(b, 0);
}

size_t pktmon_rundown_begin(struct pm_buf *b)
{
	size_t off = b->len;
	pm_buf_put_le16(b, PKTMON_RUNDOWN_VERSION);
	pm_buf_put_le16(b, PKTMON_RUNDOWN_KIND_SESSION);
	pm_buf_put_le32(b, 0);
	return off;
}

int pktmon_rundown_end(struct pm_buf *b, size_t off)
{
	if (b->oom || off > b->len || b->len - off < 8)
		return -1;
	size_t rec = b->len - off - 8;
	if (rec > UINT32_MAX)
		return -1;
	pm_buf_patch_le32(b, off + 4, (uint32_t)rec);
	return 0;
}

long pcapng_count_blocks(const void *p, size_t len)
{
	const uint8_t *q = p;
	long n = 0;
	if (!q && len)
		return -1;
	while (len > 0) {
		if (len < 12)
			return -1;
		uint32_t tl = pm_get_le32(q + 4);
		if (tl < 12 || tl % 4 != 0 || tl > len || pm_get_le32(q + tl - 4) != tl)
			return -1;
		q += tl;
		len -= tl;
		n++;
	}
	return n;
}
