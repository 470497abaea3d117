/* SPDX-License-Identifier: MIT */
/*
 * kallsyms.c - load and search kernel text symbols.
 *
 * Speed matters (~120k-200k lines, read at every session start), so: the
 * file read in chunks into one small buffer, a hand-written line parser, the
 * names copied once into one block (no per-symbol allocation), one sort that
 * the already-sorted vmlinux part usually lets us skip.
 */
#include "kallsyms.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* The load under way: the kept symbols and their names. */
struct ksyms_build {
	struct pm_ksym *syms;
	size_t n, cap;
	char *strings; /* per symbol: its type letter, a space, its name, a NUL */
	size_t len, strings_cap;
	uint32_t last_module; /* offset of the last module name kept, 0 = none */
	int sorted;
	struct pm_ksyms *ks;
};

/* Room for `more` bytes of names (large first sizes: memory is touched only as written). */
static int strings_room(struct ksyms_build *b, size_t more)
{
	if (b->len + more <= b->strings_cap)
		return 0;
	size_t cap = b->strings_cap * 2;
	while (cap < b->len + more)
		cap *= 2;
	if (cap > UINT32_MAX) /* offsets are 32-bit */
		return -EFBIG;
	char *ns = realloc(b->strings, cap);
	if (!ns)
		return -ENOMEM;
	b->strings = ns;
	b->strings_cap = cap;
	return 0;
}

static uint32_t keep_string(struct ksyms_build *b, const char *s, size_t n)
{
	uint32_t at = (uint32_t)b->len;
	memcpy(b->strings + b->len, s, n);
	b->strings[b->len + n] = 0;
	b->len += n + 1;
	return at;
}

/* One line, "ADDR T NAME[\t[MOD]]" (NUL-terminated at its end); anything else is skipped. */
static int take_line(struct ksyms_build *b, char *line, const char *eol)
{
	char *name, *mod = NULL, type;
	size_t name_len, mod_len = 0;
	uint64_t addr = 0;
	int digits = 0, h;

	while (line < eol && (h = hexval(*line)) >= 0 && digits < 16) {
		addr = addr << 4 | (uint64_t)h;
		line++;
		digits++;
	}
	if (!digits || line + 3 > eol || line[0] != ' ' || line[2] != ' ')
		return 0;
	type = line[1];
	if (type != 't' && type != 'T' && type != 'w' && type != 'W')
		return 0;
	name = line + 3;
	if (!*name)
		return 0;
	name_len = strcspn(name, "\t ");
	if (name[name_len] && name[name_len + 1] == '[') {
		char *close = strchr(name + name_len + 2, ']');

		if (close) {
			mod = name + name_len + 2;
			mod_len = (size_t)(close - mod);
		}
	}
	b->ks->lines++;
	if (addr == 0) { /* kptr_restrict: nothing to learn from it */
		b->ks->zero_addrs++;
		return 0;
	}
	if (b->n == b->cap) {
		struct pm_ksym *ns = realloc(b->syms, b->cap * 2 * sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		b->syms = ns;
		b->cap *= 2;
	}
	int err = strings_room(b, name_len + 3 + mod_len + 1);
	if (err)
		return err;
	struct pm_ksym *sym = &b->syms[b->n];
	b->strings[b->len++] = type; /* sym_type() finds it two bytes before the name */
	b->strings[b->len++] = ' ';
	sym->addr = addr;
	sym->name = keep_string(b, name, name_len);
	sym->module = 0;
	if (mod) { /* a module's symbols come together: its name kept once for them */
		const char *last = b->strings + b->last_module;
		if (!b->last_module || strlen(last) != mod_len || memcmp(last, mod, mod_len))
			b->last_module = keep_string(b, mod, mod_len);
		sym->module = b->last_module;
	}
	if (b->n && b->syms[b->n - 1].addr > addr)
		b->sorted = 0;
	b->n++;
	return 0;
}

/* Reads the file in chunks (/proc files report size 0) and keeps only each text symbol's
 * type letter, name and module: about half the file, written once, not copied as it grows. */
static int read_symbols(struct ksyms_build *b, int fd)
{
	enum { CHUNK = 64 << 10 };
	char *chunk = malloc(CHUNK + 1);
	size_t have = 0;
	int skipping = 0, err = 0, eof = 0;

	if (!chunk)
		return -ENOMEM;
	while (!eof && !err) {
		ssize_t got = read(fd, chunk + have, CHUNK - have);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		eof = got == 0;
		have += (size_t)got;
		char *p = chunk, *end = chunk + have;
		while (p < end && !err) {
			char *eol = memchr(p, '\n', (size_t)(end - p));
			if (!eol && !eof)
				break; /* the rest of the line comes with the next read */
			if (!eol)
				eol = end;
			*eol = 0;
			if (!skipping)
				err = take_line(b, p, eol);
			skipping = 0;
			p = eol + 1;
		}
		if (p > end)
			p = end;
		have = (size_t)(end - p);
		if (have == CHUNK) { /* no line is this long in kallsyms: skip it to its end */
			skipping = 1;
			have = 0;
		}
		memmove(chunk, p, have);
	}
	free(chunk);
	return err;
}

int pm_ksyms_load(struct pm_ksyms *ks, const char *path)
{
	struct ksyms_build b = { .cap = 1 << 18, .strings_cap = 8 << 20, .sorted = 1, .ks = ks };
	int fd, err;

	memset(ks, 0, sizeof(*ks));
	fd = open(path ? path : PM_KALLSYMS_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	b.syms = malloc(b.cap * sizeof(*b.syms));
	b.strings = malloc(b.strings_cap);
	err = b.syms && b.strings ? 0 : -ENOMEM;
	if (!err) {
		b.strings[0] = 0; /* offset 0 is the empty string */
		b.len = 1;
		err = read_symbols(&b, fd);
	}
	close(fd);
	if (err) {
		free(b.syms);
		free(b.strings);
		memset(ks, 0, sizeof(*ks));
		return err;
	}
	size_t n = b.n;
	struct pm_ksym *syms = b.syms;
	/* vmlinux symbols come sorted; modules and BPF programs usually not. */
	if (!b.sorted)
		qsort(syms, n, sizeof(*syms), cmp_sym);
	/* Keep one symbol per address, the preferred one. */
	if (n) {
		size_t w = 1;

		for (size_t r = 1; r < n; r++) {
			if (syms[r].addr != syms[w - 1].addr)
				syms[w++] = syms[r];
			else if (better(b.strings, &syms[r], &syms[w - 1]))
				syms[w - 1] = syms[r];
		}
		n = w;
	}
	ks->syms = syms;
	ks->n = n;
	ks->strings = b.strings;
	ks->strings_len = b.len;
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
