/* SPDX-License-Identifier: MIT */
/* kernel_btf.c - index raw BTF in place and answer lookups by id and by name (kernel_btf.h). */
#include "kernel_btf.h"

#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BTF_MAGIC_NATIVE 0xeB9F
/* the header's first version: magic to str_len; later fields are optional */
#define BTF_HEADER_MIN (offsetof(struct btf_header, str_len) + sizeof(((struct btf_header *)0)->str_len))

static int refuse(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Bytes that follow a type's struct btf_type, by kind; -1 for a kind this reader does not know. */
static int64_t extra_bytes(const struct btf_type *t)
{
	uint64_t vlen = BTF_INFO_VLEN(t->info);
	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT: return 4;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG: return 0;
	case BTF_KIND_ARRAY: return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: return (int64_t)(vlen * sizeof(struct btf_member));
	case BTF_KIND_ENUM: return (int64_t)(vlen * sizeof(struct btf_enum));
	case BTF_KIND_FUNC_PROTO: return (int64_t)(vlen * sizeof(struct btf_param));
	case BTF_KIND_VAR: return sizeof(struct btf_var);
	case BTF_KIND_DATASEC: return (int64_t)(vlen * sizeof(struct btf_var_secinfo));
	case BTF_KIND_DECL_TAG: return sizeof(struct btf_decl_tag);
	case BTF_KIND_ENUM64: return (int64_t)(vlen * sizeof(struct btf_enum64));
	default: return -1;
	}
}

static int index_types(struct pm_kbtf *kb, uint32_t type_len, char *err, size_t errlen)
{
	size_t cap = type_len / 24 + 16, n = 0;
	uint32_t *offs = malloc(cap * sizeof(*offs));
	if (!offs)
		return -ENOMEM;
	for (uint64_t off = 0; off < type_len;) {
		if (type_len - off < sizeof(struct btf_type)) {
			free(offs);
			return refuse(err, errlen, "BTF type %zu is cut short (%llu of %zu bytes)", kb->first_id + n,
				      (unsigned long long)(type_len - off), sizeof(struct btf_type));
		}
		const struct btf_type *t = (const void *)(kb->types + off);
		int64_t extra = extra_bytes(t);
		if (extra < 0) {
			free(offs);
			return refuse(err, errlen, "BTF type %zu has a kind this reader does not know (%u)",
				      kb->first_id + n, BTF_INFO_KIND(t->info));
		}
		uint64_t size = sizeof(struct btf_type) + (uint64_t)extra;
		if (size > type_len - off) {
			free(offs);
			return refuse(err, errlen, "BTF type %zu runs past the type section (%llu bytes, %llu left)",
				      kb->first_id + n, (unsigned long long)size, (unsigned long long)(type_len - off));
		}
		if (n == cap) {
			uint32_t *more = realloc(offs, 2 * cap * sizeof(*offs));
			if (!more) {
				free(offs);
				return -ENOMEM;
			}
			offs = more;
			cap *= 2;
		}
		if ((uint64_t)kb->first_id + n >= INT32_MAX) { /* ids are returned as int32_t */
			free(offs);
			return refuse(err, errlen, "BTF has too many types");
		}
		offs[n++] = (uint32_t)off;
		off += size;
	}
	kb->offs = offs;
	kb->n = (uint32_t)n;
	return 0;
}

int pm_kbtf_index(struct pm_kbtf *kb, const void *data, size_t len, const struct pm_kbtf *base, char *err,
		  size_t errlen)
{
	memset(kb, 0, sizeof(*kb));
	if (!data || len < BTF_HEADER_MIN)
		return refuse(err, errlen, "BTF of %zu bytes: shorter than its header", len);
	if ((uintptr_t)data % 4)
		return refuse(err, errlen, "BTF data not 4-byte aligned");
	/* the header grows (7.0's headers add a layout section): read what both sides know, the
	 * rest zero, as the kernel does */
	struct btf_header h;
	memset(&h, 0, sizeof(h));
	memcpy(&h, data, BTF_HEADER_MIN);
	if (h.magic != BTF_MAGIC_NATIVE)
		return refuse(err, errlen, h.magic == 0x9FeB ? "BTF of the other byte order"
							    : "not BTF (magic 0x%04x)", h.magic);
	if (h.version != 1)
		return refuse(err, errlen, "BTF version %u (this reader knows 1)", h.version);
	if (h.hdr_len < BTF_HEADER_MIN || h.hdr_len > len || h.hdr_len % 4)
		return refuse(err, errlen, "BTF header length %u does not fit %zu bytes", h.hdr_len, len);
	uint64_t body = len - h.hdr_len;
	if ((uint64_t)h.type_off + h.type_len > body || (uint64_t)h.str_off + h.str_len > body)
		return refuse(err, errlen, "BTF sections (types %u+%u, strings %u+%u) run past its %llu bytes",
			      h.type_off, h.type_len, h.str_off, h.str_len, (unsigned long long)body);
	if (h.type_off % 4)
		return refuse(err, errlen, "BTF type section not 4-byte aligned (offset %u)", h.type_off);
	const char *strs = (const char *)data + h.hdr_len + h.str_off;
	if (!h.str_len || strs[h.str_len - 1])
		return refuse(err, errlen, "BTF string section empty or not NUL-terminated");
	if (!base && strs[0])
		return refuse(err, errlen, "BTF string section does not start with the empty string");
	kb->types = (const uint8_t *)data + h.hdr_len + h.type_off;
	kb->strs = strs;
	kb->str_len = h.str_len;
	kb->base = base;
	kb->first_id = base ? pm_kbtf_end(base) : 1;
	kb->str_first = base ? base->str_first + base->str_len : 0;
	int rc = index_types(kb, h.type_len, err, errlen);
	if (rc < 0)
		memset(kb, 0, sizeof(*kb));
	return rc;
}

void pm_kbtf_free(struct pm_kbtf *kb)
{
	if (!kb)
		return;
	free(kb->offs);
	memset(kb, 0, sizeof(*kb));
}

uint32_t pm_kbtf_end(const struct pm_kbtf *kb)
{
	return kb->first_id + kb->n;
}

const struct btf_type *pm_kbtf_type(const struct pm_kbtf *kb, uint32_t id)
{
	if (id < kb->first_id)
		return kb->base ? pm_kbtf_type(kb->base, id) : NULL;
	if (id - kb->first_id >= kb->n)
		return NULL;
	return (const void *)(kb->types + kb->offs[id - kb->first_id]);
}

const char *pm_kbtf_str(const struct pm_kbtf *kb, uint32_t off)
{
	if (off < kb->str_first)
		return kb->base ? pm_kbtf_str(kb->base, off) : NULL;
	if (off - kb->str_first >= kb->str_len)
		return NULL;
	return kb->strs + (off - kb->str_first); /* the section ends with a NUL */
}

int32_t pm_kbtf_find(const struct pm_kbtf *kb, const char *name, unsigned kind)
{
	if (kb->base) {
		int32_t id = pm_kbtf_find(kb->base, name, kind);
		if (id >= 0)
			return id;
	}
	for (uint32_t i = 0; i < kb->n; i++) {
		const struct btf_type *t = (const void *)(kb->types + kb->offs[i]);
		if (BTF_INFO_KIND(t->info) != kind)
			continue;
		const char *s = pm_kbtf_str(kb, t->name_off);
		if (s && !strcmp(s, name))
			return (int32_t)(kb->first_id + i);
	}
	return -ENOENT;
}
