/* SPDX-License-Identifier: MIT */
/*
 * pm_buf.h - a small growable byte buffer for building pcapng blocks.
 *
 * Allocation failure is sticky: the first failed append sets `oom`, and every
 * later append becomes a no-op, so a caller can build a whole block and check
 * `oom` once at the end. All multi-byte appends are little-endian.
 */
#ifndef PKTMON_PM_BUF_H
#define PKTMON_PM_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pm_buf {
	uint8_t *data;
	size_t len, cap;
	bool oom; /* an append failed; the contents are incomplete */
};

/* A zeroed struct is a valid empty buffer; init just does that. */
void pm_buf_init(struct pm_buf *b);
/* Releases the memory and leaves an empty buffer (safe to reuse or free again). */
void pm_buf_free(struct pm_buf *b);
/* Empties the buffer (keeping its memory) and clears `oom`. */
void pm_buf_reset(struct pm_buf *b);
/* Truncates to `len` bytes if that is shorter; used to roll back a failed block. */
void pm_buf_truncate(struct pm_buf *b, size_t len);
/* Makes room for `extra` more bytes. Returns false (and sets oom) on failure. */
bool pm_buf_reserve(struct pm_buf *b, size_t extra);

void pm_buf_append(struct pm_buf *b, const void *p, size_t n);
void pm_buf_append_zero(struct pm_buf *b, size_t n);
void pm_buf_put_u8(struct pm_buf *b, uint8_t v);
void pm_buf_put_le16(struct pm_buf *b, uint16_t v);
void pm_buf_put_le32(struct pm_buf *b, uint32_t v);
void pm_buf_put_le64(struct pm_buf *b, uint64_t v);
/* Appends zero bytes until len is a multiple of 4. */
void pm_buf_pad4(struct pm_buf *b);

/* Overwrite bytes already in the buffer (e.g. a length known only at the end).
 * Return false, changing nothing, if [off, off+width) is not inside the buffer. */
bool pm_buf_patch_le16(struct pm_buf *b, size_t off, uint16_t v);
bool pm_buf_patch_le32(struct pm_buf *b, size_t off, uint32_t v);

/* Little-endian loads for readers (no alignment needed). */
static inline uint16_t pm_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t pm_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}
static inline uint64_t pm_get_le64(const uint8_t *p)
{
	return (uint64_t)pm_get_le32(p) | ((uint64_t)pm_get_le32(p + 4) << 32);
}

#endif /* PKTMON_PM_BUF_H */
