/* SPDX-License-Identifier: MIT */
/*
 * text_out.c - text and JSON out of untrusted bytes for `pktmon format`: whatever comes from
 * a file (names, reasons, symbols) is written through these, so a hostile file cannot put
 * terminal escapes into the text or break a JSON line.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pktmon_meta.h"
#include "text_out.h"

static size_t utf8_len(const unsigned char *p, size_t left)
{
	unsigned c = p[0];
	size_t n;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2, min = 0x80;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, min = 0x800;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, min = 0x10000;
	else
		return 0;
	if (n > left)
		return 0;
	unsigned cp = c & (0x3Fu >> (n - 1));
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3Fu);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

/* Text: control characters and bytes that are not UTF-8 become \xNN, and a backslash
 * becomes \\ so that the escapes stay unambiguous. Returns the width printed. */
size_t put_text(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;
	if (!s)
		return 0;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_len(p + i, len - i);
		if (n == 0 || p[i] < 0x20 || p[i] == 0x7F) {
			fprintf(f, "\\x%02x", p[i]);
			w += 4;
			i++;
		} else if (p[i] == '\\') {
			fputs("\\\\", f);
			w += 2;
			i++;
		} else {
			fwrite(p + i, 1, n, f);
			w++;
			i += n;
		}
	}
	return w;
}

size_t put_cstr(FILE *f, const char *s)
{
	return s ? put_text(f, s, strlen(s)) : 0;
}

void pad_to(FILE *f, size_t w, size_t width)
{
	for (; w < width; w++)
		fputc(' ', f);
}

/* Width put_text would print. */
size_t text_width(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;
	for (size_t i = 0; s && i < len;) {
		size_t n = utf8_len(p + i, len - i);
		if (n == 0 || p[i] < 0x20 || p[i] == 0x7F) {
			w += 4;
			i++;
		} else if (p[i] == '\\') {
			w += 2;
			i++;
		} else {
			w++;
			i += n;
		}
	}
	return w;
}

/* JSON string: invalid UTF-8 becomes U+FFFD, so every line is valid JSON. */
void json_str(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	fputc('"', f);
	for (size_t i = 0; s && i < len;) {
		size_t n = utf8_len(p + i, len - i);
		if (n == 0) {
			fputs("\\ufffd", f);
			i++;
		} else if (p[i] == '"' || p[i] == '\\') {
			fputc('\\', f);
			fputc(p[i], f);
			i++;
		} else if (p[i] < 0x20 || p[i] == 0x7F) {
			fprintf(f, "\\u%04x", p[i]);
			i++;
		} else {
			fwrite(p + i, 1, n, f);
			i += n;
		}
	}
	fputc('"', f);
}

void json_cstr(FILE *f, const char *s)
{
	if (s)
		json_str(f, s, strlen(s));
	else
		fputs("null", f);
}

/* An absent TLV is null, not "". */
void json_mstr(FILE *f, const struct pktmon_meta_str *s)
{
	if (s->ptr)
		json_str(f, s->ptr, s->len);
	else
		fputs("null", f);
}

/* ---- time -------------------------------------------------------------------------------------- */

/* UTC, "HH:MM:SS.nnnnnnnnn" or "YYYY-MM-DD HH:MM:SS.nnnnnnnnn" (sep ' ') / ISO 8601 (sep 'T', with Z). */
void fmt_time(char *buf, size_t len, uint64_t ns, bool date, char sep)
{
	time_t sec = (time_t)(ns / 1000000000u);
	unsigned long frac = (unsigned long)(ns % 1000000000u);
	struct tm tm;
	if (!gmtime_r(&sec, &tm)) {
		snprintf(buf, len, "?");
		return;
	}
	if (date)
		snprintf(buf, len, "%04d-%02d-%02d%c%02d:%02d:%02d.%09lu%s", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, sep, tm.tm_hour, tm.tm_min, tm.tm_sec, frac, sep == 'T' ? "Z" : "");
	else
		snprintf(buf, len, "%02d:%02d:%02d.%09lu", tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

void put_nf_rule(FILE *f, const char *table, size_t table_len, const char *chain, size_t chain_len,
		 uint64_t handle, const char *rule, size_t rule_len, const char *comment, size_t comment_len)
{
	fputs("\trule: ", f);
	put_text(f, table, table_len);
	fputc(' ', f);
	if (chain)
		put_text(f, chain, chain_len);
	if (!handle) {
		fputs(" policy drop\n", f);
		return;
	}
	fprintf(f, " handle %llu", (unsigned long long)handle);
	if (rule) {
		fputs(": ", f);
		put_text(f, rule, rule_len);
	} else if (comment) {
		fputs(": comment \"", f);
		put_text(f, comment, comment_len);
		fputc('"', f);
	}
	fputc('\n', f);
}
