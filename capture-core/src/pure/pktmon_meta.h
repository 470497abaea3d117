/* SPDX-License-Identifier: MIT */
/*
 * pktmon_meta.h - decoder for the pktmon pcapng metadata (docs/FORMAT.md).
 *
 * Pure C: no glib, no Wireshark, no allocation. Shared by the Wireshark
 * plugin, its fuzz target and the `pktmon format` command. Every length in
 * the input is checked against what is left of the enclosing buffer; the
 * decoder never reads past the length it is given.
 *
 * Strings are returned as pointer + length into the caller's buffer (not
 * NUL-terminated, not validated as UTF-8): the buffer must outlive them.
 */
#ifndef PKTMON_META_H
#define PKTMON_META_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum pktmon_meta_status {
	PKTMON_META_OK = 0,
	PKTMON_META_UNKNOWN_VERSION,  /* version is not one we know: nothing decoded */
	PKTMON_META_UNKNOWN_KIND,     /* rundown kind we do not know: no records decoded */
	PKTMON_META_TRUNCATED,        /* a header or a TLV runs past the end of its buffer */
	PKTMON_META_BAD_LENGTH        /* a known fixed-size TLV has the wrong length */
};

/* Every TLV type of pktmon_format.h is below this; it sizes the per-type tables. */
#define PKTMON_META_TLV_SLOTS 0x80u
/* How many unknown TLVs are remembered individually (all are counted). */
#define PKTMON_META_MAX_UNKNOWN 16u

struct pktmon_meta_str {
	const char *ptr;  /* into the input buffer; NULL when absent */
	size_t len;
};

/*
 * The TLVs of one TLV sequence: the EPB metadata, or the value of one rundown
 * record. A TLV is "present" when it was seen with a valid length. When a
 * type occurs more than once the last occurrence wins.
 */
struct pktmon_tlvs {
	uint64_t present[2];                           /* bit per type < PKTMON_META_TLV_SLOTS */
	/* offset and length of the value in the input: only for present types (pktmon_tlv_has);
	 * pktmon_meta_decode leaves the others as they were */
	uint32_t value_off[PKTMON_META_TLV_SLOTS];
	uint16_t value_len[PKTMON_META_TLV_SLOTS];

	/* EPB metadata (types 1-14; some also appear in rundown records). */
	uint32_t component_id;
	uint8_t layer;
	uint8_t direction;
	uint64_t pkt_group_id;
	uint32_t appearance;
	struct pktmon_meta_str drop_reason;
	uint32_t drop_reason_code;
	uint64_t drop_location;
	struct pktmon_meta_str drop_symbol;
	uint32_t ifindex;
	uint32_t netns;
	uint32_t cpu;
	uint32_t flags;
	uint8_t nf_family;
	/* A NETFILTER_DROP's nftables rule (0x60-0x64). */
	struct pktmon_meta_str nf_table, nf_chain, nf_rule, nf_rule_comment;
	uint64_t nf_rule_handle;
	uint8_t why;                 /* 0x70-0x73: what the kernel did next (why layers) */
	uint8_t icmp_type, icmp_code;
	uint8_t tcp_state;

	/* Rundown records only. */
	struct pktmon_meta_str name, ifname, netns_name;
	uint32_t interface_id;
	uint32_t filter_index;
	struct pktmon_meta_str filter_name, filter_text, capture_filter;
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes, drops, lost, count;
	struct pktmon_meta_str session_name;
	uint64_t start_ns, stop_ns;
	uint32_t snaplen;
	uint8_t capture_type;
	uint64_t events_written, events_lost, events_missed;
	struct pktmon_meta_str kernel;
	struct pktmon_meta_str host;

	/* TLVs of a type we do not know (skipped, as FORMAT.md requires). */
	unsigned unknown_count;                        /* all of them */
	uint16_t unknown_type[PKTMON_META_MAX_UNKNOWN];/* the first PKTMON_META_MAX_UNKNOWN */
	uint32_t unknown_off[PKTMON_META_MAX_UNKNOWN]; /* offset of the TLV header */
	uint16_t unknown_len[PKTMON_META_MAX_UNKNOWN]; /* value length */

	/* Known TLVs with a wrong length (counted, not decoded). */
	unsigned bad_length_count;
};

/* The decoded EPB option payload (option 2989, after the PEN). */
struct pktmon_meta {
	enum pktmon_meta_status status;
	size_t error_offset;   /* where the first problem starts (status != OK) */
	uint16_t error_type;   /* TLV type involved, when there is one */
	uint8_t version;
	uint8_t reserved;
	struct pktmon_tlvs tlv;
};

/*
 * Decode an EPB metadata payload. On TRUNCATED or BAD_LENGTH, what was decoded
 * before (and, for BAD_LENGTH, after) the problem is kept in m->tlv.
 * Returns m->status.
 */
enum pktmon_meta_status pktmon_meta_decode(const uint8_t *buf, size_t len, struct pktmon_meta *m);

/* True when TLV type t was decoded into tlv. */
int pktmon_tlv_has(const struct pktmon_tlvs *tlv, uint16_t t);

/* The rundown Custom Block payload (after the PEN). */
struct pktmon_rundown {
	enum pktmon_meta_status status;  /* of the header; records report their own */
	size_t error_offset;
	uint16_t version;
	uint16_t kind;
	uint32_t records_len;            /* as written */
	size_t records_off;              /* offset of the first record */
	size_t records_end;              /* end of the records actually present */
	size_t pos;                      /* iterator: offset of the next record */
};

struct pktmon_rundown_record {
	uint16_t type;                   /* PKTMON_REC_* (or unknown) */
	uint16_t length;                 /* value length */
	size_t offset;                   /* of the record's TLV header */
	int known;                       /* type is one of PKTMON_REC_* */
	enum pktmon_meta_status status;  /* of the nested TLVs */
	size_t error_offset;
	uint16_t error_type;
	struct pktmon_tlvs tlv;          /* nested TLVs; offsets relative to the payload */
};

/*
 * Decode the rundown header. Returns rd->status; the records can be iterated
 * only when it is OK or TRUNCATED (records_len longer than the block: the
 * records present are still decoded).
 */
enum pktmon_meta_status pktmon_rundown_open(const uint8_t *buf, size_t len, struct pktmon_rundown *rd);

/*
 * Decode the next record. Returns 1 and fills rec when there is one, 0 at the
 * end. A record whose header or value runs past records_end is returned once
 * with status TRUNCATED, and ends the iteration.
 */
int pktmon_rundown_next(struct pktmon_rundown *rd, const uint8_t *buf, size_t len,
			struct pktmon_rundown_record *rec);

/* Names for printing (never NULL). */
const char *pktmon_meta_layer_name(unsigned layer);
const char *pktmon_meta_direction_name(unsigned direction);
const char *pktmon_tlv_name(unsigned type);
const char *pktmon_record_name(unsigned type);
const char *pktmon_meta_status_name(enum pktmon_meta_status s);
/* What a why observation says, e.g. "ICMP port unreachable sent", "TCP reset sent"; "" when
 * tlv has no PKTMON_TLV_WHY. Returns buf. */
const char *pktmon_why_text(const struct pktmon_tlvs *tlv, char *buf, size_t len);
/* The same from the values: why, its ICMP type and code (ICMP kinds). Returns buf. */
const char *pktmon_why_describe(unsigned why, unsigned icmp_type, unsigned icmp_code, char *buf, size_t len);
/* The name of a why kind: "icmp-error", "icmpv6-error", "tcp-reset", "tcp-retransmit",
 * "rcvqueue-full", "unknown". */
const char *pktmon_why_name(unsigned why);
/* The name of an ICMP (v6: ICMPv6) error, e.g. "port unreachable"; NULL when unknown. */
const char *pktmon_icmp_error_name(int v6, unsigned type, unsigned code);

#ifdef __cplusplus
}
#endif

#endif /* PKTMON_META_H */
