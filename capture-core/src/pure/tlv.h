/* SPDX-License-Identifier: MIT */
/*
 * tlv.h - the TLVs of docs/FORMAT.md: u16 type | u16 length | value, little-endian,
 * no padding between TLVs. Writers append to a pm_buf; the reader is a bounded
 * iterator that never reads past the span it was given.
 */
#ifndef PKTMON_TLV_H
#define PKTMON_TLV_H

#include <stddef.h>
#include <stdint.h>

#include "pm_buf.h"

#define TLV_HDR_LEN 4u
#define TLV_MAX_VALUE 65535u

/* Writers return 0, or -1 if the value is too long for a u16 length (nothing
 * is appended then) or the buffer is out of memory (b->oom is set). */
int tlv_put_u8(struct pm_buf *b, uint16_t type, uint8_t v);
int tlv_put_u16(struct pm_buf *b, uint16_t type, uint16_t v);
int tlv_put_u32(struct pm_buf *b, uint16_t type, uint32_t v);
int tlv_put_u64(struct pm_buf *b, uint16_t type, uint64_t v);
/* UTF-8 string without its NUL. A NULL string is written as zero-length. */
int tlv_put_str(struct pm_buf *b, uint16_t type, const char *s);
int tlv_put_bytes(struct pm_buf *b, uint16_t type, const void *p, size_t len);

/*
 * Nested records: tlv_begin appends a header with length 0 and returns its
 * offset; append the nested TLVs; tlv_end patches the length. tlv_end returns
 * -1 if the value grew past 65535 bytes, if `off` is not a header that
 * tlv_begin wrote, or on out-of-memory; on a too-long value it also removes the
 * whole record (the buffer is truncated back to `off`) so the output stays
 * well-formed.
 */
size_t tlv_begin(struct pm_buf *b, uint16_t type);
int tlv_end(struct pm_buf *b, size_t off);

/* Reader. */
struct tlv_iter {
	const uint8_t *p;
	size_t left;
};

static inline void tlv_iter_init(struct tlv_iter *it, const void *p, size_t len)
{
	it->p = (const uint8_t *)p;
	it->left = p ? len : 0;
}

/*
 * Returns 1 and fills type/val/len for the next TLV; 0 at the clean end of the
 * span; -1 if what is left is a truncated header or a length running past the
 * end. After -1 the iterator does not move, so further calls return -1 again.
 * val points into the span (never past it); for a zero-length TLV it points at
 * where the value would be and must not be dereferenced.
 */
int tlv_next(struct tlv_iter *it, uint16_t *type, const uint8_t **val, uint16_t *len);

/* Fixed-size value helpers: 0 on success, -1 if len is not exactly the size. */
int tlv_get_u8(const uint8_t *val, uint16_t len, uint8_t *out);
int tlv_get_u16(const uint8_t *val, uint16_t len, uint16_t *out);
int tlv_get_u32(const uint8_t *val, uint16_t len, uint32_t *out);
int tlv_get_u64(const uint8_t *val, uint16_t len, uint64_t *out);

#endif /* PKTMON_TLV_H */
