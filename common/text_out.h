/* SPDX-License-Identifier: MIT */
/* text_out.h - writing untrusted text safely (text_out.c). */
#ifndef PKTMON_TEXT_OUT_H
#define PKTMON_TEXT_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct pktmon_meta_str;

/* Printable UTF-8 as is, anything else escaped; return the columns written. */
size_t put_text(FILE *f, const char *s, size_t len);
/* The nftables rule of a NETFILTER_DROP as nft prints it, one line (rule and comment may be NULL):
 *	rule: inet filter input handle 4: ip saddr 198.18.0.1 drop comment "block ping" */
void put_nf_rule(FILE *f, const char *table, size_t table_len, const char *chain, size_t chain_len,
		 uint64_t handle, const char *rule, size_t rule_len, const char *comment, size_t comment_len);
size_t put_cstr(FILE *f, const char *s);
/* Spaces from column w to `width`. */
void pad_to(FILE *f, size_t w, size_t width);
size_t text_width(const char *s, size_t len);
/* A JSON string (quoted), or null for json_mstr of an absent string. */
void json_str(FILE *f, const char *s, size_t len);
void json_cstr(FILE *f, const char *s);
void json_mstr(FILE *f, const struct pktmon_meta_str *s);
/* UTC, "HH:MM:SS.nnnnnnnnn" or "YYYY-MM-DD HH:MM:SS.nnnnnnnnn" (sep ' ') / ISO 8601 (sep 'T', with Z). */
void fmt_time(char *buf, size_t len, uint64_t ns, bool date, char sep);

#endif
