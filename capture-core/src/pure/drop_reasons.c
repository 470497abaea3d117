/* SPDX-License-Identifier: MIT */
/* drop_reasons.c - drop reason code -> name, from the running kernel's BTF. */
#include "drop_reasons.h"

#include "kernel_btf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REASON_PREFIX "SKB_DROP_REASON_"
#define SUBSYS_PREFIX "SKB_DROP_REASON_SUBSYS_"

/* Visit every enumerator of an enum or enum64 type as (name, 64-bit value). */
typedef int (*enum_cb)(void *ctx, const char *name, uint64_t val);

static int for_each_enumerator(const struct pm_kbtf *btf, const struct btf_type *t, enum_cb cb, void *ctx)
{
	unsigned n = pm_btf_vlen(t);
	bool is64 = pm_btf_kind(t) == BTF_KIND_ENUM64;
	int err;

	for (unsigned i = 0; i < n; i++) {
		const char *name;
		uint64_t val;

		if (!is64) {
			const struct btf_enum *e = (const struct btf_enum *)pm_btf_members(t) + i;

			name = pm_kbtf_str(btf, e->name_off);
			/* 32-bit enums keep the bits: 0xffff0000 may be stored as -65536. */
			val = (uint32_t)e->val;
		} else {
			const struct btf_enum64 *e = (const struct btf_enum64 *)pm_btf_members(t) + i;

			name = pm_kbtf_str(btf, e->name_off);
			val = (uint64_t)e->val_hi32 << 32 | e->val_lo32;
		}
		if (!name)
			continue;
		err = cb(ctx, name, val);
		if (err)
			return err;
	}
	return 0;
}

static const struct btf_type *find_enum(const struct pm_kbtf *btf, const char *name)
{
	int32_t id = pm_kbtf_find(btf, name, BTF_KIND_ENUM);

	if (id < 0)
		id = pm_kbtf_find(btf, name, BTF_KIND_ENUM64);
	return id < 0 ? NULL : pm_kbtf_type(btf, (uint32_t)id);
}

static int add_reason(struct pm_drop_reasons *drs, size_t *cap, uint32_t code, const char *name)
{
	char *dup;

	if (drs->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		struct pm_drop_reason *nv = realloc(drs->v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		drs->v = nv;
		*cap = nc;
	}
	dup = strdup(name);
	if (!dup)
		return -ENOMEM;
	drs->v[drs->n].code = code;
	drs->v[drs->n].name = dup;
	drs->n++;
	return 0;
}

/*
 * Sort by code, keeping the first-added name of any code given twice
 * (aliases). Insertion sort: stable, and linear on the already-ordered
 * enum, which is the usual case.
 */
static void sort_unique(struct pm_drop_reasons *drs)
{
	size_t w = 0;

	for (size_t i = 1; i < drs->n; i++) {
		struct pm_drop_reason cur = drs->v[i];
		size_t j = i;

		if (cur.code >= drs->v[i - 1].code)
			continue; /* common case: already in order */
		while (j > 0 && drs->v[j - 1].code > cur.code) {
			drs->v[j] = drs->v[j - 1];
			j--;
		}
		drs->v[j] = cur;
	}
	for (size_t r = 0; r < drs->n; r++) {
		if (w && drs->v[w - 1].code == drs->v[r].code) {
			free(drs->v[r].name);
			continue;
		}
		drs->v[w++] = drs->v[r];
	}
	drs->n = w;
}

struct load_ctx {
	struct pm_drop_reasons *drs;
	size_t cap;
	bool have_mask;
};

static int reason_cb(void *vctx, const char *name, uint64_t val)
{
	struct load_ctx *c = vctx;
	const char *shown;

	if (!strcmp(name, REASON_PREFIX "SUBSYS_MASK")) {
		c->drs->subsys_mask = (uint32_t)val;
		c->have_mask = true;
		return 0;
	}
	if (!strcmp(name, REASON_PREFIX "MAX") || val > UINT32_MAX)
		return 0;
	if (!strncmp(name, REASON_PREFIX, strlen(REASON_PREFIX)))
		shown = name + strlen(REASON_PREFIX);
	else if (!strncmp(name, "SKB_", 4)) /* SKB_CONSUMED, SKB_NOT_DROPPED_YET */
		shown = name + 4;
	else
		shown = name;
	return add_reason(c->drs, &c->cap, (uint32_t)val, shown);
}

static int subsys_cb(void *vctx, const char *name, uint64_t val)
{
	struct pm_drop_reasons *drs = vctx;
	char **ns;

	if (strncmp(name, SUBSYS_PREFIX, strlen(SUBSYS_PREFIX)) || !strcmp(name, SUBSYS_PREFIX "NUM"))
		return 0;
	if (val > 0xffff) /* an id must fit the 16 high bits */
		return 0;
	if (val >= drs->n_subsys) {
		ns = realloc(drs->subsys, (size_t)(val + 1) * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		memset(ns + drs->n_subsys, 0, (size_t)(val + 1 - drs->n_subsys) * sizeof(*ns));
		drs->subsys = ns;
		drs->n_subsys = (size_t)val + 1;
	}
	if (drs->subsys[val])
		return 0;
	drs->subsys[val] = strdup(name + strlen(SUBSYS_PREFIX));
	return drs->subsys[val] ? 0 : -ENOMEM;
}

int pm_drop_reasons_load(struct pm_drop_reasons *drs, const struct pm_kbtf *btf)
{
	struct load_ctx c = {drs, 0, false};
	const struct btf_type *t;
	int err;

	memset(drs, 0, sizeof(*drs));
	if (!btf)
		return -EINVAL;
	t = find_enum(btf, "skb_drop_reason");
	if (!t)
		return -ENOENT;
	err = for_each_enumerator(btf, t, reason_cb, &c);
	if (!err && c.have_mask && drs->subsys_mask) {
		t = find_enum(btf, "skb_drop_reason_subsys");
		if (t)
			err = for_each_enumerator(btf, t, subsys_cb, drs);
		drs->subsys_shift = (unsigned)__builtin_ctz(drs->subsys_mask);
	}
	if (err) {
		pm_drop_reasons_free(drs);
		return err;
	}
	sort_unique(drs);
	return 0;
}

static uint32_t subsys_of(const struct pm_drop_reasons *drs, uint32_t code)
{
	return drs->subsys_mask ? (code & drs->subsys_mask) >> drs->subsys_shift : 0;
}

struct subsys_ctx {
	struct pm_drop_reasons *drs;
	size_t cap;
	int added;
};

static int subsys_reason_cb(void *vctx, const char *name, uint64_t val)
{
	struct subsys_ctx *c = vctx;
	uint32_t id;
	int err;

	if (val > UINT32_MAX)
		return 0;
	id = subsys_of(c->drs, (uint32_t)val);
	/* Only values tagged with a subsystem we know; core values (id 0) are not ours to rename. */
	if (id == 0 || id >= c->drs->n_subsys || !c->drs->subsys[id])
		return 0; /* a code given twice is dropped by sort_unique() */
	err = add_reason(c->drs, &c->cap, (uint32_t)val, name);
	if (!err)
		c->added++;
	return err;
}

int pm_drop_reasons_add_subsys_btf(struct pm_drop_reasons *drs, const struct pm_kbtf *btf)
{
	static const char suffix[] = "drop_reason";
	struct subsys_ctx c = {drs, drs->n, 0};
	uint32_t end;
	int err = 0;

	if (!btf)
		return -EINVAL;
	if (!drs->subsys_mask || !drs->n_subsys)
		return 0;
	end = pm_kbtf_end(btf);
	for (uint32_t id = 1; id < end && !err; id++) {
		const struct btf_type *t = pm_kbtf_type(btf, id);
		const char *name;
		size_t nl;

		if (!t || (pm_btf_kind(t) != BTF_KIND_ENUM && pm_btf_kind(t) != BTF_KIND_ENUM64))
			continue;
		name = pm_kbtf_str(btf, t->name_off);
		if (!name)
			continue;
		nl = strlen(name);
		if (nl < sizeof(suffix) - 1 || strcmp(name + nl - (sizeof(suffix) - 1), suffix) ||
		    !strcmp(name, "skb_drop_reason"))
			continue;
		err = for_each_enumerator(btf, t, subsys_reason_cb, &c);
	}
	sort_unique(drs);
	return err ? err : c.added;
}

void pm_drop_reasons_free(struct pm_drop_reasons *drs)
{
	if (!drs)
		return;
	for (size_t i = 0; i < drs->n; i++)
		free(drs->v[i].name);
	for (size_t i = 0; i < drs->n_subsys; i++)
		free(drs->subsys[i]);
	free(drs->v);
	free(drs->subsys);
	memset(drs, 0, sizeof(*drs));
}

const char *pm_drop_reason_name(const struct pm_drop_reasons *drs, uint32_t code)
{
	size_t lo = 0, hi;

	if (!drs || !drs->v)
		return NULL;
	hi = drs->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (drs->v[mid].code == code)
			return drs->v[mid].name;
		if (drs->v[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *pm_drop_reason_unknown(uint32_t code, char *buf, size_t len)
{
	if (buf && len)
		snprintf(buf, len, "UNKNOWN_%u", code);
	return buf;
}

const char *pm_drop_reason_str(const struct pm_drop_reasons *drs, uint32_t code, char *buf, size_t len)
{
	const char *name = pm_drop_reason_name(drs, code);
	uint32_t id;

	if (!buf || !len)
		return buf;
	if (name) {
		snprintf(buf, len, "%s", name);
		return buf;
	}
	id = drs ? subsys_of(drs, code) : 0;
	if (id && id < drs->n_subsys && drs->subsys[id]) {
		snprintf(buf, len, "SUBSYS_%s:%u", drs->subsys[id], code & ~drs->subsys_mask);
		return buf;
	}
	return pm_drop_reason_unknown(code, buf, len);
}
