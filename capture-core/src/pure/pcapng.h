/* SPDX-License-Identifier: MIT */
/*
 * pcapng.h - pcapng block encoders (draft-ietf-opsawg-pcapng), always
 * little-endian, appending whole blocks to a pm_buf.
 *
 * Every encoder returns 0, or -1 if an argument is invalid (a string or option
 * longer than 65535 bytes, a block longer than PCAPNG_MAX_BLOCK_LEN, caplen >
 * origlen, NULL data with a non-zero length) or memory ran out. On -1 the
 * buffer is left exactly as it was before the call (except that b->oom stays
 * set after an allocation failure), so a failed block never leaves half a
 * block behind.
 */
#ifndef PKTMON_PCAPNG_H
#define PKTMON_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pm_buf.h"

/* Block types. */
#define PCAPNG_BT_SHB 0x0A0D0D0Au
#define PCAPNG_BT_IDB 0x00000001u
#define PCAPNG_BT_ISB 0x00000005u
#define PCAPNG_BT_EPB 0x00000006u
#define PCAPNG_BT_CB_COPY 0x00000BADu
#define PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4Du

/* Option codes. */
#define PCAPNG_OPT_ENDOFOPT 0
#define PCAPNG_OPT_COMMENT 1
#define PCAPNG_OPT_CUSTOM_BIN_COPY 2989
#define PCAPNG_SHB_HARDWARE 2
#define PCAPNG_SHB_OS 3
#define PCAPNG_SHB_USERAPPL 4
#define PCAPNG_IF_NAME 2
#define PCAPNG_IF_DESCRIPTION 3
#define PCAPNG_IF_TSRESOL 9
#define PCAPNG_EPB_FLAGS 2
#define PCAPNG_EPB_DROPCOUNT 4
#define PCAPNG_EPB_PACKETID 5
#define PCAPNG_ISB_STARTTIME 2
#define PCAPNG_ISB_ENDTIME 3
#define PCAPNG_ISB_IFRECV 4
#define PCAPNG_ISB_IFDROP 5
#define PCAPNG_ISB_OSDROP 7

/* epb_flags direction bits (0-1). */
#define PCAPNG_EPB_FLAG_INBOUND 0x1u
#define PCAPNG_EPB_FLAG_OUTBOUND 0x2u

#define PCAPNG_LINKTYPE_ETHERNET 1

/* Largest block we write. Wireshark refuses blocks over 16 MiB
 * (MAX_BLOCK_SIZE in wiretap/pcapng.c); staying under it keeps files readable. */
#define PCAPNG_MAX_BLOCK_LEN (16u * 1024u * 1024u)

/* Size of the ISB written by pcapng_put_isb (it always has the same options),
 * for callers sizing the end-of-capture trailer. */
#define PCAPNG_ISB_LEN 88u

/* Section Header Block: version 1.0, section length -1 (unknown), options
 * shb_os (3) then shb_userappl (4); a NULL string is left out. */
int pcapng_put_shb(struct pm_buf *b, const char *userappl, const char *os);
/* The same with an opt_comment (1) first, if comment is non-NULL. */
int pcapng_put_shb_comment(struct pm_buf *b, const char *userappl, const char *os, const char *comment);

/* Interface Description Block: if_name (2), if_description (3) (NULL ones are
 * left out), then if_tsresol (9), which is always written (9 = nanoseconds). */
int pcapng_put_idb(struct pm_buf *b, uint16_t linktype, uint32_t snaplen, const char *if_name,
		   const char *if_description, uint8_t tsresol);

struct pcapng_epb_opts {
	bool has_flags;
	uint32_t flags;        /* epb_flags (2) */
	bool has_dropcount;
	uint64_t dropcount;    /* epb_dropcount (4) */
	bool has_packetid;
	uint64_t packetid;     /* epb_packetid (5) */
	const char *comment;   /* opt_comment (1) if non-NULL */
	const uint8_t *custom; /* option 2989 if non-NULL: PEN, then these bytes */
	size_t custom_len;     /* at most 65531 (the PEN takes 4 of the 65535) */
	uint32_t custom_pen;
};

/*
 * Enhanced Packet Block. ts is in units of the interface's if_tsresol (ns for
 * ours), split into high and low 32 bits as pcapng requires. caplen bytes of
 * data are copied and padded to 4; caplen must not exceed origlen. Options are
 * written in the order of struct pcapng_epb_opts, then opt_endofopt; with no
 * options (o NULL or nothing set) neither options nor opt_endofopt are written.
 */
int pcapng_put_epb(struct pm_buf *b, uint32_t if_id, uint64_t ts, const void *data, uint32_t caplen,
		   uint32_t origlen, const struct pcapng_epb_opts *o);

/* Custom Block (type 0x00000BAD, copyable): PEN, payload, zero padding to 4. */
int pcapng_put_custom_block(struct pm_buf *b, uint32_t pen, const void *payload, size_t len);

struct pcapng_isb_stats {
	uint64_t start_ns, end_ns; /* isb_starttime (2), isb_endtime (3) */
	uint64_t ifrecv;           /* isb_ifrecv (4) */
	uint64_t ifdrop;           /* isb_ifdrop (5) */
	uint64_t osdrop;           /* isb_osdrop (7) */
};

/* Interface Statistics Block with all five options above, always
 * PCAPNG_ISB_LEN bytes. Timestamps are split high/low like the EPB's. */
int pcapng_put_isb(struct pm_buf *b, uint32_t if_id, uint64_t ts, const struct pcapng_isb_stats *st);

/* pktmon payload helpers (docs/FORMAT.md). */

/* Starts an EPB metadata payload: u8 version (1), u8 reserved (0). Append the
 * metadata TLVs after it, then pass the buffer as pcapng_epb_opts.custom. */
void pktmon_meta_begin(struct pm_buf *b);

/* Starts a rundown Custom Block payload: u16 version (1), u16 kind (1,
 * session), u32 records length. Returns the payload's offset in b; append the
 * records (tlv_begin/tlv_end), then call pktmon_rundown_end, which patches the
 * records length (-1 if the offset is wrong or the buffer is out of memory). */
size_t pktmon_rundown_begin(struct pm_buf *b);
int pktmon_rundown_end(struct pm_buf *b, size_t off);

/* Reading helper for tests and tools: checks that [p, p+len) is a sequence of
 * whole blocks (each total length >= 12, a multiple of 4, inside the span and
 * repeated at the block's end). Returns the number of blocks, or -1. */
long pcapng_count_blocks(const void *p, size_t len);

#endif /* PKTMON_PCAPNG_H */
