/* SPDX-License-Identifier: MIT */
#include "tlv.h"

#include <string.h>

static int put_hdr_val(struct pm_buf *b, uint16_t type, const void *p, size_t len)
{
	if (len > TLV_MAX_VALUE)
		return -1;
	/* Reserve once so a failure cannot leave a header without its value. */
	if (!pm_buf_reserve(b, TLV_HDR_LEN + len))
		return -1;
	pm_buf_put_le16(b, type);
	pm_buf_put_le16(b, (uint16_t)len);
	pm_buf_append(b, p, len);
	return b->oom ? -1 : 0;
}

int tlv_put_u8(struct pm_buf *b, uint16_t type, uint8_t v)
{
	return put_hdr_val(b, type, &v, 1);
}

int tlv_put_u16(struct pm_buf *b, uint16_t type, uint16_t v)
{
	uint8_t t[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	return put_hdr_val(b, type, t, sizeof(t));
}

int tlv_put_u32(struct pm_buf *b, uint16_t type, uint32_t v)
{
	uint8_t t[4];
	for (int i = 0; i < 4; i++)
		t[i] = (uint8_t)(v >> (8 * i));
	return put_hdr_val(b, type, t, sizeof(t));
}

int tlv_put_u64(struct pm_buf *b, uint16_t type, uint64_t v)
{
	uint8_t t[8];
	for (int i = 0; i < 8; i++)
		t[i] = (uint8_t)(v >> (8 * i));
	return put_hdr_val(b, type, t, sizeof(t));
}

int tlv_put_str(struct pm_buf *b, uint16_t type, const char *s)
{
	return put_hdr_val(b, type, s, s ? strlen(s) : 0);
}

int tlv_put_bytes(struct pm_buf *b, uint16_t type, const void *p, size_t len)
{
	if (!p && len)
		return -1;
	return put_hdr_val(b, type, p, len);
}

size_t tlv_begin(struct pm_buf *b, uint16_t type)
{
	size_t off = b->len;
	pm_buf_put_le16(b, type);
	pm_buf_put_le16(b, 0);
	return off;
}

int tlv_end(struct pm_buf *b, size_t off)
{
	if (b->oom)
		return -1;
	if (off > b->len || b->len - off < TLV_HDR_LEN)
		return -1;
	size_t vlen = b->len - off - TLV_HDR_LEN;
	if (vlen > TLV_MAX_VALUE) {
		pm_buf_truncate(b, off);
		return -1;
	}
	pm_buf_patch_le16(b, off + 2, (uint16_t)vlen);
	return 0;
}

int tlv_next(struct tlv_iter *it, uint16_t *type, const uint8_t **val, uint16_t *len)
{
	if (it->left == 0)
		return 0;
	if (!it->p || it->left < TLV_HDR_LEN)
		return -1;
	uint16_t l = pm_get_le16(it->p + 2);
	if (l > it->left - TLV_HDR_LEN)
		return -1;
	*type = pm_get_le16(it->p);
	*len = l;
	*val = it->p + TLV_HDR_LEN;
	it->p += TLV_HDR_LEN + (size_t)l;
	it->left -= TLV_HDR_LEN + (size_t)l;
	return 1;
}

int tlv_get_u8(const uint8_t *val, uint16_t len, uint8_t *out)
{
	if (len != 1)
		return -1;
	*out = val[0];
	return 0;
}

int tlv_get_u16(const uint8_t *val, uint16_t len, uint16_t *out)
{
	if (len != 2)
		return -1;
	*out = pm_get_le16(val);
	return 0;
}

int tlv_get_u32(const uint8_t *val, uint16_t len, uint32_t *out)
{
	if (len != 4)
		return -1;
	*out = pm_get_le32(val);
	return 0;
}

int tlv_get_u64(const uint8_t *val, uint16_t len, uint64_t *out)
{
	if (len != 8)
		return -1;
	*out = pm_get_le64(val);
	return 0;
}
