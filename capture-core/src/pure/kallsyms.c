/* SPDX-License-Identifier: MIT */
/*
 * kallsyms.c - load and search kernel text symbols.
 *
 * Speed matters (~120k-200k lines, read at every session start), so: one
 * read of the whole file, a hand-written line parser, names kept in place in
 * that buffer (no per-symbol allocation), one sort that the already-sorted
 * vmlinux part usually lets us skip.
 */
#include "kallsyms.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Read a whole file; /proc files report size 0, so grow as we go. buf[0] is
 * a NUL so that string offset 0 is the empty string. */
static int read_all(const char *path, char **out, size_t *out_len)
{
	size_t cap = 1 << 22, len = 1;
	char *buf = malloc(cap + 1);
	int fd, err = 0;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(buf);
		return err;
	}
	buf[0] = 0;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap >= (size_t)UINT32_MAX / 2) { /* offsets are 32-bit */
				err = -EFBIG;
				break;
			}
			nb = realloc(buf, cap * 2 + 1);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = 0;
	*out = buf;
	*out_len = len;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The type letter sits two bytes before the name ("ffff... T name"). */
static char sym_type(const char *strings, const struct pm_ksym *s)
{
	return strings[s->name - 2];
}

/* Which of several symbols at one address to print: global over local,
 * then fewer leading underscores (_text vs __pi__text), then file order. */
static int preference(const char *strings, const struct pm_ksym *s)
{
	const char *n = strings + s->name;
	char t = sym_type(strings, s);
	int score = (t == 'T') ? 200 : (t == 't') ? 100 : 0;
	int u = 0;

	while (n[u] == '_' && u < 50)
		u++;
	return score - u;
}

/* By address, then file order (name offsets grow with the line). */
static int cmp_sym(const void *pa, const void *pb)
{
	const struct pm_ksym *a = pa, *b = pb;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return a->name < b->name ? -1 : a->name > b->name;
}

static int better(const char *strings, const struct pm_ksym *a, const struct pm_ksym *b)
{
	int pa = preference(strings, a), pb = preference(strings, b);

	return pa > pb || (pa == pb && a->name < b->name);
}

int pm_ksyms_load(struct pm_ksyms *ks, const char *path)
{
	char *buf = NULL, *p, *end;
	size_t len = 0, cap = 1 << 16, n = 0;
	struct pm_ksym *syms;
	int sorted = 1, err;

	memset(ks, 0, sizeof(*ks));
	err = read_all(path ? path : PM_KALLSYMS_PATH, &buf, &len);
	if (err)
		return err;
	syms = malloc(cap * sizeof(*syms));
	if (!syms) {
		free(buf);
		return -ENOMEM;
	}
	p = buf + 1;
	end = buf + len;
	while (p < end) {
		char *line = p, *eol = memchr(p, '\n', (size_t)(end - p));
		char *name, *mod = NULL, type;
		uint64_t addr = 0;
		int digits = 0, h;

		if (!eol)
			eol = end;
		p = eol + 1;
		*eol = 0;
		while (line < eol && (h = hexval(*line)) >= 0 && digits < 16) {
			addr = addr << 4 | (uint64_t)h;
			line++;
			digits++;
		}
		/* "ADDR T NAME[\t[MOD]]": anything else is skipped. */
		if (!digits || line + 3 > eol || line[0] != ' ' || line[2] != ' ')
			continue;
		type = line[1];
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		name = line + 3;
		if (!*name)
			continue;
		for (char *q = name; *q; q++) {
			if (*q == '\t' || *q == ' ') {
				*q = 0;
				if (q[1] == '[') {
					char *close = strchr(q + 2, ']');

					if (close) {
						*close = 0;
						mod = q + 2;
					}
				}
				break;
			}
		}
		ks->lines++;
		if (addr == 0) { /* kptr_restrict: nothing to learn from it */
			ks->zero_addrs++;
			continue;
		}
		if (n == cap) {
			struct pm_ksym *ns = realloc(syms, cap * 2 * sizeof(*syms));

			if (!ns) {
				free(syms);
				free(buf);
				memset(ks, 0, sizeof(*ks));
				return -ENOMEM;
			}
			syms = ns;
			cap *= 2;
		}
		syms[n].addr = addr;
		syms[n].name = (uint32_t)(name - buf);
		syms[n].module = mod ? (uint32_t)(mod - buf) : 0;
		if (n && syms[n - 1].addr > addr)
			sorted = 0;
		n++;
	}
	/* vmlinux symbols come sorted; modules and BPF programs usually not. */
	if (!sorted)
		qsort(syms, n, sizeof(*syms), cmp_sym);
	/* Keep one symbol per address, the preferred one. */
	if (n) {
		size_t w = 1;

		for (size_t r = 1; r < n; r++) {
			if (syms[r].addr != syms[w - 1].addr)
				syms[w++] = syms[r];
			else if (better(buf, &syms[r], &syms[w - 1]))
				syms[w - 1] = syms[r];
		}
		n = w;
	}
	ks->syms = syms;
	ks->n = n;
	ks->strings = buf;
	ks->strings_len = len;
	return 0;
}

void pm_ksyms_free(struct pm_ksyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->strings);
	memset(ks, 0, sizeof(*ks));
}

int pm_ksyms_usable(const struct pm_ksyms *ks, const char **why)
{
	if (ks && ks->n)
		return 1;
	if (why) {
		if (ks && ks->zero_addrs)
			*why = "the kernel hides symbol addresses (all are 0 in /proc/kallsyms): run as root, "
			       "or lower /proc/sys/kernel/kptr_restrict; drop locations stay raw addresses";
		else
			*why = "no kernel text symbols were loaded";
	}
	return 0;
}

const struct pm_ksym *pm_ksym_find(const struct pm_ksyms *ks, uint64_t addr, uint64_t *off)
{
	size_t lo = 0, hi;
	const struct pm_ksym *s;

	if (!ks || !ks->n || addr < ks->syms[0].addr)
		return NULL;
	/* Last symbol with sym.addr <= addr. */
	hi = ks->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	s = &ks->syms[lo];
	if (addr - s->addr >= PM_KSYM_MAX_OFFSET)
		return NULL;
	if (off)
		*off = addr - s->addr;
	return s;
}

int pm_ksym_resolve(const struct pm_ksyms *ks, uint64_t addr, char *buf, size_t len)
{
	uint64_t off = 0;
	const struct pm_ksym *s = pm_ksym_find(ks, addr, &off);

	if (!s)
		return snprintf(buf, len, "0x%016" PRIx64, addr);
	if (s->module)
		return snprintf(buf, len, "%s+0x%" PRIx64 " [%s]", ks->strings + s->name, off, ks->strings + s->module);
	return snprintf(buf, len, "%s+0x%" PRIx64, ks->strings + s->name, off);
}
