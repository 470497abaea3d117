/* SPDX-License-Identifier: MIT */
/* test_kallsyms - kallsyms loading and symbolization on fake files, plus a timing on the real one. */
#include "kallsyms.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static char tmpl_dir[256];

static const char *write_tmp(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpl_dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		exit(2);
	}
	return path;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void expect(const struct pm_ksyms *ks, uint64_t addr, const char *want)
{
	char buf[256];

	pm_ksym_resolve(ks, addr, buf, sizeof(buf));
	CHECK(!strcmp(buf, want), "0x%" PRIx64 " -> '%s', want '%s'", addr, buf, want);
}

static void test_fake(void)
{
	/* Out of order (modules, BPF), aliases at one address, data symbols, junk lines, no final newline. */
	const char *text =
		"ffffffff81000000 T _text\n"
		"ffffffff81000000 T __pi__text\n"
		"ffffffff81000000 t startup_64\n"
		"ffffffff81001000 T do_one_initcall\n"
		"ffffffff81002000 W arch_weak_thing\n"
		"ffffffff81003000 D some_data\n"
		"ffffffff81003000 T nft_like_fn\n"
		"ffffffff82000000 b bss_var\n"
		"ffffffffc0a00000 t nft_do_chain\t[nf_tables]\n"
		"ffffffffc0a00400 T nft_register_chain_type\t[nf_tables]\n"
		"ffffffff81fbd5d0 T nft_do_chain\n"
		"ffffffffc0100000 t bpf_prog_6deef7357e7b4530_pm_check\t[bpf]\n"
		"\n"
		"garbage line\n"
		"ffffffff81004000\n"
		"ffffffff81004000 T\n"
		"zzzz T notahex\n"
		"ffffffff81005000 t last_fn";
	struct pm_ksyms ks;
	const char *why = NULL;
	uint64_t off;
	const struct pm_ksym *s;

	CHECK(pm_ksyms_load(&ks, write_tmp("fake", text)) == 0, "load");
	CHECK(pm_ksyms_usable(&ks, &why) == 1, "usable");
	CHECK(ks.n == 9, "one per text address: n=%zu", ks.n);
	for (size_t i = 1; i < ks.n; i++)
		CHECK(ks.syms[i - 1].addr < ks.syms[i].addr, "sorted at %zu", i);

	expect(&ks, 0xffffffff81000000ull, "_text+0x0");
	expect(&ks, 0xffffffff81000123ull, "_text+0x123");
	expect(&ks, 0xffffffff81001000ull, "do_one_initcall+0x0");
	expect(&ks, 0xffffffff81002010ull, "arch_weak_thing+0x10");
	expect(&ks, 0xffffffff81003001ull, "nft_like_fn+0x1");
	expect(&ks, 0xffffffff81fbda3full, "nft_do_chain+0x46f");
	expect(&ks, 0xffffffffc0a0046full, "nft_register_chain_type+0x6f [nf_tables]");
	expect(&ks, 0xffffffffc0a00010ull, "nft_do_chain+0x10 [nf_tables]");
	expect(&ks, 0xffffffffc0100020ull, "bpf_prog_6deef7357e7b4530_pm_check+0x20 [bpf]");
	expect(&ks, 0xffffffff81005fffull, "last_fn+0xfff");
	/* before the first symbol, and too far past the last one */
	expect(&ks, 0xffffffff80ffffffull, "0xffffffff80ffffff");
	expect(&ks, 0x1234, "0x0000000000001234");
	expect(&ks, 0xffffffff81fbd5d0ull + PM_KSYM_MAX_OFFSET, "0xffffffff820bd5d0");
	expect(&ks, 0xffffffffffffffffull, "0xffffffffffffffff");

	s = pm_ksym_find(&ks, 0xffffffff81001004ull, &off);
	CHECK(s && !strcmp(pm_ksym_name(&ks, s), "do_one_initcall") && off == 4, "find");
	{
		char small[8];

		int n = pm_ksym_resolve(&ks, 0xffffffff81001004ull, small, sizeof(small));

		CHECK(n == (int)strlen("do_one_initcall+0x4") && !strcmp(small, "do_one_"), "truncation: '%s'", small);
	}
	pm_ksyms_free(&ks);
	pm_ksyms_free(&ks); /* twice is fine */
	expect(&ks, 0xffffffff81000000ull, "0xffffffff81000000");
}

static void test_restricted(void)
{
	const char *text = "0000000000000000 T _text\n"
			   "0000000000000000 t startup_64\n"
			   "0000000000000000 D data\n"
			   "0000000000000000 t nft_do_chain\t[nf_tables]\n";
	struct pm_ksyms ks;
	const char *why = NULL;

	CHECK(pm_ksyms_load(&ks, write_tmp("restricted", text)) == 0, "load");
	CHECK(pm_ksyms_usable(&ks, &why) == 0 && why && strstr(why, "kptr_restrict"), "why: %s", why ? why : "(null)");
	CHECK(ks.zero_addrs == 3, "zero addrs %zu", ks.zero_addrs);
	expect(&ks, 0xffffffff81000000ull, "0xffffffff81000000");
	pm_ksyms_free(&ks);

	CHECK(pm_ksyms_load(&ks, write_tmp("empty", "")) == 0 && !pm_ksyms_usable(&ks, &why), "empty file");
	CHECK(why && strstr(why, "no kernel text"), "why: %s", why);
	pm_ksyms_free(&ks);

	CHECK(pm_ksyms_load(&ks, "/nonexistent/kallsyms") == -ENOENT, "missing file");
	CHECK(!pm_ksyms_usable(&ks, NULL), "missing file not usable");
}

/* The file is read in 64 KiB pieces: a line longer than a piece is skipped
 * whole, lines cut by a piece's end are read whole, and module names that come
 * back after another module's stay right. */
static void test_pieces(void)
{
	size_t cap = 300 << 10, len = 0;
	char *text = malloc(cap);
	struct pm_ksyms ks;

	len += (size_t)snprintf(text + len, cap - len, "ffffffff81000000 T before_long\n");
	len += (size_t)snprintf(text + len, cap - len, "ffffffff81000100 T ");
	memset(text + len, 'x', 100 << 10); /* a 100 KiB name */
	len += 100 << 10;
	len += (size_t)snprintf(text + len, cap - len, "\nffffffff81000200 T after_long\n");
	for (int i = 0; len + 100 < (200u << 10); i++) /* across two piece boundaries */
		len += (size_t)snprintf(text + len, cap - len, "ffffffffc0%06x t fn%d\t[%s]\n", 0x1000 + i * 16, i,
					i % 3 == 2 ? "mod_b" : "mod_a");
	CHECK(pm_ksyms_load(&ks, write_tmp("pieces", text)) == 0, "load");
	expect(&ks, 0xffffffff81000004ull, "before_long+0x4");
	expect(&ks, 0xffffffff81000204ull, "after_long+0x4");
	expect(&ks, 0xffffffff81000104ull, "before_long+0x104"); /* the long line is not a symbol */
	size_t want = 0;
	for (size_t i = 0; i < ks.n; i++)
		if (ks.syms[i].module) {
			char buf[64], exp[64];
			unsigned k = (unsigned)(ks.syms[i].addr - 0xffffffffc0001000ull) / 16;

			pm_ksym_resolve(&ks, ks.syms[i].addr, buf, sizeof(buf));
			snprintf(exp, sizeof(exp), "fn%u+0x0 [%s]", k, k % 3 == 2 ? "mod_b" : "mod_a");
			if (strcmp(buf, exp)) {
				CHECK(0, "module symbol %zu: '%s', want '%s'", i, buf, exp);
				break;
			}
			want++;
		}
	CHECK(want > 3000 && ks.n == want + 2, "%zu module symbols of %zu", want, ks.n);
	pm_ksyms_free(&ks);
	free(text);
}

/* 200k symbols in shuffled blocks: correctness against brute force, and speed. */
static void test_big(void)
{
	const size_t n = 200000;
	uint64_t *addrs = malloc(n * sizeof(*addrs));
	char path[512];
	FILE *f;
	struct pm_ksyms ks;
	double t0, t1;

	snprintf(path, sizeof(path), "%s/big", tmpl_dir);
	f = fopen(path, "w");
	if (!f || !addrs) {
		perror(path);
		exit(2);
	}
	srand(7);
	for (size_t i = 0; i < n; i++)
		addrs[i] = 0xffffffff81000000ull + (uint64_t)i * 0x100 + (uint64_t)(rand() % 0x80);
	/* vmlinux part in order, a "module" part written backwards */
	for (size_t i = 0; i < n; i++) {
		size_t k = i < n / 2 ? i : n - 1 - (i - n / 2);

		fprintf(f, "%016" PRIx64 " %c sym_%zu%s\n", addrs[k], k % 3 ? 't' : 'T', k, k >= n / 2 ? "\t[mod]" : "");
	}
	fclose(f);

	t0 = now_ms();
	CHECK(pm_ksyms_load(&ks, path) == 0 && ks.n == n, "big load n=%zu", ks.n);
	t1 = now_ms();
	printf("kallsyms: %zu synthetic symbols (half unsorted) loaded in %.1f ms\n", n, t1 - t0);

	for (int it = 0; it < 100000; it++) {
		size_t k = (size_t)rand() % n;
		uint64_t a = addrs[k] + (uint64_t)(rand() % 0x80);
		char buf[128], want[128];

		/* brute force: the symbol k holds since addrs grow by >= 0x80 */
		if (a >= (k + 1 < n ? addrs[k + 1] : UINT64_MAX))
			continue;
		snprintf(want, sizeof(want), "sym_%zu+0x%" PRIx64 "%s", k, a - addrs[k], k >= n / 2 ? " [mod]" : "");
		pm_ksym_resolve(&ks, a, buf, sizeof(buf));
		if (strcmp(buf, want)) {
			CHECK(0, "0x%" PRIx64 " -> %s, want %s", a, buf, want);
			break;
		}
	}
	t0 = now_ms();
	{
		volatile size_t sink = 0;

		for (int it = 0; it < 1000000; it++)
			sink += pm_ksym_find(&ks, addrs[(size_t)it % n] + 1, NULL) != NULL;
		(void)sink;
	}
	t1 = now_ms();
	printf("kallsyms: 1M lookups in %.1f ms\n", t1 - t0);
	pm_ksyms_free(&ks);
	unlink(path);
	free(addrs);
}

static void test_real(void)
{
	struct pm_ksyms ks;
	const char *why = NULL;
	double t0, t1;
	int err;

	t0 = now_ms();
	err = pm_ksyms_load(&ks, NULL);
	t1 = now_ms();
	if (err) {
		printf("SKIP real /proc/kallsyms: %s\n", strerror(-err));
		return;
	}
	printf("kallsyms: /proc/kallsyms: %zu text lines, %zu symbols, loaded in %.1f ms\n", ks.lines, ks.n, t1 - t0);
	if (!pm_ksyms_usable(&ks, &why)) {
		printf("SKIP real symbol check: %s\n", why);
	} else {
		/* the symbol we find for a known one's address is at that address */
		const struct pm_ksym *s = &ks.syms[ks.n / 2];
		uint64_t off = 1;
		const struct pm_ksym *r = pm_ksym_find(&ks, s->addr, &off);

		CHECK(r == s && off == 0, "real lookup");
	}
	pm_ksyms_free(&ks);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(tmpl_dir, sizeof(tmpl_dir), "%s/pm_kallsyms_XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl_dir)) {
		perror("mkdtemp");
		return 2;
	}
	test_fake();
	test_restricted();
	test_pieces();
	test_big();
	test_real();
	{
		char p[600];
		const char *names[] = {"fake", "restricted", "empty", "pieces"};

		for (size_t i = 0; i < 4; i++) {
			snprintf(p, sizeof(p), "%s/%s", tmpl_dir, names[i]);
			unlink(p);
		}
		rmdir(tmpl_dir);
	}
	if (failures) {
		fprintf(stderr, "%d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("PASS: %d checks\n", checks);
	return 0;
}
