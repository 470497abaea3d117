/* SPDX-License-Identifier: MIT */
#include "pm_buf.h"

#include <stdlib.h>
#include <string.h>

void pm_buf_init(struct pm_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void pm_buf_free(struct pm_buf *b)
{
	free(b->data);
	pm_buf_init(b);
}

void pm_buf_reset(struct pm_buf *b)
{
	b->len = 0;
	b->oom = false;
}

void pm_buf_truncate(struct pm_buf *b, size_t len)
{
	if (len < b->len)
		b->len = len;
}

bool pm_buf_reserve(struct pm_buf *b, size_t extra)
{
	if (b->oom)
		return false;
	if (extra <= b->cap - b->len)
		return true;
	/* Overflow of len + extra is an allocation failure, not a wrap. */
	if (extra > SIZE_MAX - b->len) {
		b->oom = true;
		return false;
	}
	size_t need = b->len + extra;
	size_t ncap = b->cap ? b->cap : 256;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2) {
			ncap = need;
			break;
		}
		ncap *= 2;
	}
	uint8_t *nd = realloc(b->data, ncap);
	if (!nd) {
		b->oom = true;
		return false;
	}
	b->data = nd;
	b->cap = ncap;
	return true;
}

void pm_buf_append(struct pm_buf *b, const void *p, size_t n)
{
	if (n == 0 || !pm_buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void pm_buf_append_zero(struct pm_buf *b, size_t n)
{
	if (n == 0 || !pm_buf_reserve(b, n))
		return;
	memset(b->data + b->len, 0, n);
	b->len += n;
}

void pm_buf_put_u8(struct pm_buf *b, uint8_t v)
{
	pm_buf_append(b, &v, 1);
}

void pm_buf_put_le16(struct pm_buf *b, uint16_t v)
{
	uint8_t t[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	pm_buf_append(b, t, sizeof(t));
}

void pm_buf_put_le32(struct pm_buf *b, uint32_t v)
{
	uint8_t t[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	pm_buf_append(b, t, sizeof(t));
}

void pm_buf_put_le64(struct pm_buf *b, uint64_t v)
{
	pm_buf_put_le32(b, (uint32_t)v);
	pm_buf_put_le32(b, (uint32_t)(v >> 32));
}

void pm_buf_pad4(struct pm_buf *b)
{
	pm_buf_append_zero(b, (4 - (b->len & 3)) & 3);
}

bool pm_buf_patch_le16(struct pm_buf *b, size_t off, uint16_t v)
{
	if (off > b->len || b->len - off < 2)
		return false;
	b->data[off] = (uint8_t)v;
	b->data[off + 1] = (uint8_t)(v >> 8);
	return true;
}

bool pm_buf_patch_le32(struct pm_buf *b, size_t off, uint32_t v)
{
	if (off > b->len || b->len - off < 4)
		return false;
	for (int i = 0; i < 4; i++)
		b->data[off + i] = (uint8_t)(v >> (8 * i));
	return true;
}
