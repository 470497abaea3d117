/* SPDX-License-Identifier: MIT */
/*
 * pcapng_reader.h - a strict, streaming pcapng block reader
 * (draft-ietf-opsawg-pcapng), the reading side of pcapng.h.
 *
 * Reads from a FILE *, a file descriptor or a memory buffer, one block per
 * call, any number of sections, either byte order. Every length in the file is
 * checked before it is used: the block total length (>= 12, a multiple of 4,
 * at most the reader's limit, equal to the trailing copy), each block type's
 * fixed part, every option (inside the block, padded to 4), caplen against the
 * block. A malformed or truncated file ends the reading with an error that
 * names the byte offset; the reader never reads past what the file holds.
 *
 * Each block is handed out with its raw bytes (exactly as in the file, in the
 * section's byte order, so they can be copied verbatim) and, for the types we
 * know, the decoded fields in host order. Block types we do not know are
 * handed out raw (kind PCAPNG_K_OTHER) for the caller to skip or copy.
 *
 * Pointers in a block (raw bytes, packet data, strings, custom payloads) stay
 * valid until the next call to pcapng_reader_next() or pcapng_reader_free();
 * interface descriptions stay valid until the next Section Header Block.
 * Strings are pointer + length, not NUL-terminated, not validated as UTF-8.
 */
#ifndef PKTMON_PCAPNG_READER_H
#define PKTMON_PCAPNG_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Block types beyond those of pcapng.h. */
#define PCAPNG_RD_BT_SHB 0x0A0D0D0Au
#define PCAPNG_RD_BT_IDB 0x00000001u
#define PCAPNG_RD_BT_PB 0x00000002u  /* obsolete Packet Block */
#define PCAPNG_RD_BT_SPB 0x00000003u /* Simple Packet Block */
#define PCAPNG_RD_BT_NRB 0x00000004u /* Name Resolution Block */
#define PCAPNG_RD_BT_ISB 0x00000005u
#define PCAPNG_RD_BT_EPB 0x00000006u
#define PCAPNG_RD_BT_DSB 0x0000000Au /* Decryption Secrets Block */
#define PCAPNG_RD_BT_CB_COPY 0x00000BADu
#define PCAPNG_RD_BT_CB_NOCOPY 0x40000BADu

/* Custom option codes: string/binary, copyable/not copyable. */
#define PCAPNG_RD_OPT_CUSTOM_STR 2988u
#define PCAPNG_RD_OPT_CUSTOM_BIN 2989u
#define PCAPNG_RD_OPT_CUSTOM_STR_NOCOPY 19372u
#define PCAPNG_RD_OPT_CUSTOM_BIN_NOCOPY 19373u

/* Default limit on a block's total length: Wireshark's (wiretap MAX_BLOCK_SIZE),
 * so whatever we accept Wireshark reads too. */
#define PCAPNG_RD_DEFAULT_MAX_BLOCK (16u * 1024u * 1024u)
/* More interfaces than this in one section is treated as a malformed file. */
#define PCAPNG_RD_MAX_IFACES 65536u
/* Custom options remembered per packet (all are counted). */
#define PCAPNG_RD_MAX_CUSTOM 8u

enum pcapng_rd_error {
	PCAPNG_RD_OK = 0,
	PCAPNG_RD_E_IO,          /* read() / fread() failed */
	PCAPNG_RD_E_NOMEM,
	PCAPNG_RD_E_NOT_PCAPNG,  /* first block is not a Section Header Block */
	PCAPNG_RD_E_TRUNCATED,   /* the file ends inside a block */
	PCAPNG_RD_E_BAD_BLOCK,   /* a block length or fixed field is invalid */
	PCAPNG_RD_E_BAD_OPTION,  /* an option runs past its block or has a wrong length */
	PCAPNG_RD_E_VERSION,     /* Section Header Block major version is not 1 */
	PCAPNG_RD_E_TOO_BIG,     /* block longer than the reader's limit */
	PCAPNG_RD_E_BAD_IFACE,   /* packet names an interface the section has not described */
};

enum pcapng_kind {
	PCAPNG_K_SHB,
	PCAPNG_K_IDB,
	PCAPNG_K_PACKET, /* EPB, SPB or obsolete PB: see pcapng_block.type */
	PCAPNG_K_ISB,
	PCAPNG_K_CUSTOM, /* Custom Block, copyable or not */
	PCAPNG_K_OTHER   /* any other type (NRB, DSB, unknown): raw bytes only */
};

struct pcapng_str {
	const char *ptr; /* NULL when absent */
	size_t len;
};

/* One interface of the current section (from its IDB). */
struct pcapng_iface {
	uint32_t id;                 /* index in the section, as packets name it */
	uint16_t linktype;
	uint32_t snaplen;
	char *name;                  /* if_name, NUL-terminated copy; NULL if absent */
	char *description;           /* if_description, likewise */
	uint8_t tsresol;             /* if_tsresol as written (6 when absent) */
	uint64_t units_per_sec;      /* what tsresol means: 10^n or 2^n */
	int64_t tsoffset;            /* if_tsoffset in seconds (0 when absent) */
	uint64_t block_offset;       /* where its IDB starts in the stream */
};

struct pcapng_custom_opt {
	uint16_t code;               /* 2988, 2989, 19372 or 19373 */
	uint32_t pen;
	const uint8_t *data;         /* after the PEN */
	uint16_t len;
};

/* A packet: EPB, SPB or obsolete PB. */
struct pcapng_packet {
	uint32_t if_id;
	const struct pcapng_iface *iface;
	bool has_ts;                 /* false for SPB */
	uint64_t ts_raw;             /* in the interface's units */
	bool ts_ns_valid;            /* false if the time does not fit 0..2^64-1 ns */
	uint64_t ts_ns;              /* ns since the Unix epoch, if_tsoffset applied */
	uint32_t caplen, origlen;
	const uint8_t *data;         /* caplen bytes */
	bool has_flags;
	uint32_t flags;              /* epb_flags (2) */
	bool has_dropcount;
	uint64_t dropcount;          /* epb_dropcount (4); PB: its drops_count field */
	bool has_packetid;
	uint64_t packetid;           /* epb_packetid (5) */
	struct pcapng_str comment;   /* the first opt_comment (1) */
	unsigned n_comments;
	unsigned n_custom;           /* all custom options */
	struct pcapng_custom_opt custom[PCAPNG_RD_MAX_CUSTOM]; /* the first ones */
};

struct pcapng_shb {
	uint16_t major, minor;
	int64_t section_length;      /* -1 = not given */
	struct pcapng_str hardware, os, userappl;
	struct pcapng_str comment;
};

struct pcapng_isb {
	uint32_t if_id;
	const struct pcapng_iface *iface; /* NULL if the section has no such interface */
	uint64_t ts_raw;
	bool has_starttime, has_endtime, has_ifrecv, has_ifdrop, has_filteraccept, has_osdrop,
		has_usrdeliv;
	uint64_t starttime, endtime; /* raw, in the interface's units */
	uint64_t ifrecv, ifdrop, filteraccept, osdrop, usrdeliv;
};

struct pcapng_cb {
	bool copyable;               /* 0x00000BAD (true) or 0x40000BAD */
	uint32_t pen;
	const uint8_t *payload;      /* everything after the PEN, padding included: */
	size_t len;                  /* pcapng cannot tell custom data from options */
};

struct pcapng_block {
	enum pcapng_kind kind;
	uint32_t type;               /* host order */
	uint32_t total_len;
	uint64_t offset;             /* of the block in the stream */
	unsigned section;            /* 0 for the first section */
	bool big_endian;             /* the section's byte order */
	const uint8_t *raw;          /* total_len bytes as in the file */
	uint32_t opts_off, opts_len; /* options within raw (0, 0 when none / not parsed) */
	/* Decoded according to kind (the others are zero): */
	struct pcapng_shb shb;
	const struct pcapng_iface *idb;
	struct pcapng_packet pkt;
	struct pcapng_isb isb;
	struct pcapng_cb cb;
};

struct pcapng_reader;

/* Readers over a stream (not closed by the reader) or a buffer (not copied:
 * it must outlive the reader). NULL when memory runs out. */
struct pcapng_reader *pcapng_reader_from_file(FILE *f);
struct pcapng_reader *pcapng_reader_from_fd(int fd);
struct pcapng_reader *pcapng_reader_from_mem(const void *buf, size_t len);
void pcapng_reader_free(struct pcapng_reader *r);

/* Blocks longer than this are an error (default PCAPNG_RD_DEFAULT_MAX_BLOCK). */
void pcapng_reader_set_max_block(struct pcapng_reader *r, uint32_t max_len);

/*
 * Reads the next block into *b. Returns 1 for a block, 0 at the clean end of
 * the input (between blocks, after at least one SHB), -1 on an error; the
 * error is sticky (later calls return -1 again).
 */
int pcapng_reader_next(struct pcapng_reader *r, struct pcapng_block *b);

enum pcapng_rd_error pcapng_reader_error(const struct pcapng_reader *r);
/* Where the problem is, in bytes from the start of the stream. */
uint64_t pcapng_reader_error_offset(const struct pcapng_reader *r);
/* A sentence for people, with the offset, e.g. "truncated block at offset
 * 7000: Enhanced Packet Block of 244 bytes, the file ends after 12"; "" if none. */
const char *pcapng_reader_strerror(const struct pcapng_reader *r);
/* Bytes consumed: the offset of the next block. */
uint64_t pcapng_reader_offset(const struct pcapng_reader *r);

/* Interfaces of the current section. */
uint32_t pcapng_reader_iface_count(const struct pcapng_reader *r);
const struct pcapng_iface *pcapng_reader_iface(const struct pcapng_reader *r, uint32_t id);

/* Options of a block from pcapng_reader_next (already validated there). */
struct pcapng_opt {
	uint16_t code, len;
	const uint8_t *val;
	uint32_t offset;             /* of the option header within the block */
};
struct pcapng_opt_iter {
	const uint8_t *raw;
	uint32_t pos, end;
	bool big_endian;
};
void pcapng_opt_iter_init(struct pcapng_opt_iter *it, const struct pcapng_block *b);
/* 1 and *o for the next option, 0 at opt_endofopt or the end of the options,
 * -1 if what is left is malformed (never for a block the reader returned). */
int pcapng_opt_next(struct pcapng_opt_iter *it, struct pcapng_opt *o);

/* First custom option of a packet with this code and PEN, or NULL. */
const struct pcapng_custom_opt *pcapng_packet_custom(const struct pcapng_packet *p, uint16_t code,
						     uint32_t pen);

/* "Enhanced Packet Block", "Section Header Block", ..., "block type 0x..." */
const char *pcapng_block_type_name(uint32_t type);

#ifdef __cplusplus
}
#endif

#endif /* PKTMON_PCAPNG_READER_H */
