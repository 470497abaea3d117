/* SPDX-License-Identifier: MIT */
/*
 * test_kernel_btf - our in-place BTF reader against libbpf's: BTFs libbpf writes (every kind,
 * split BTF), corrupted ones (each refused with a reason, never read past: run under ASan),
 * random mutations, and the running kernel's own BTF, mapped as the product maps it.
 */
#include "kernel_btf.h"
#include "vmlinux_btf.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "btf_view.h"
#include "btf_walk.h"
#include "check.h"

#define BTF_INFO_ENC(kind, kflag, vlen) ((!!(kflag) << 31) | ((unsigned)(kind) << 24) | ((vlen)&0xffff))

/* One type of every kind libbpf can write, names on most. */
static struct btf *every_kind(void)
{
	struct btf *b = btf__new_empty();
	int i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int ptr = btf__add_ptr(b, i32);
	btf__add_array(b, i32, i32, 8);
	int st = btf__add_struct(b, "pm_pair", 8);
	btf__add_field(b, "a", i32, 0, 0);
	btf__add_field(b, "b", i32, 32, 0);
	btf__add_union(b, "pm_either", 4);
	btf__add_field(b, "x", i32, 0, 0);
	btf__add_enum(b, "pm_colour", 4);
	btf__add_enum_value(b, "RED", 1);
	btf__add_enum_value(b, "GREEN", -2);
	btf__add_fwd(b, "pm_later", BTF_FWD_STRUCT);
	btf__add_typedef(b, "pm_int_t", i32);
	btf__add_volatile(b, i32);
	btf__add_const(b, i32);
	btf__add_restrict(b, ptr);
	int proto = btf__add_func_proto(b, i32);
	btf__add_func_param(b, "p", ptr);
	btf__add_func_param(b, "q", st);
	btf__add_func(b, "pm_func", BTF_FUNC_GLOBAL, proto);
	int var = btf__add_var(b, "pm_var", BTF_VAR_GLOBAL_ALLOCATED, i32);
	btf__add_datasec(b, ".data", 4);
	btf__add_datasec_var_info(b, var, 0, 4);
	btf__add_float(b, "double", 8);
	btf__add_decl_tag(b, "pm_tag", st, 1);
	btf__add_type_tag(b, "pm_ttag", ptr);
	btf__add_enum64(b, "pm_big", 8, false);
	btf__add_enum64_value(b, "HUGE", 0x123456789ull);
	btf__add_typedef(b, "pm_int_t", ptr); /* a second type of the same name and kind: find gives the first */
	return b;
}

/* Ours and libbpf's agree on every type: kind, name, vlen, the record's first words; and on
 * every named type's lookup. */
static void same_as_libbpf(const struct pm_kbtf *kb, const struct btf *b, const char *what, unsigned find_every)
{
	CHECK(pm_kbtf_end(kb) == btf__type_cnt(b), "%s: %u types, libbpf %u", what, pm_kbtf_end(kb), btf__type_cnt(b));
	unsigned bad = 0, finds = 0;
	for (__u32 id = 1; id < btf__type_cnt(b); id++) {
		const struct btf_type *lt = btf__type_by_id(b, id), *ot = pm_kbtf_type(kb, id);
		if (!ot || ot->info != lt->info || ot->size != lt->size || ot->name_off != lt->name_off) {
			if (bad++ < 5)
				CHECK(0, "%s: type %u differs", what, id);
			continue;
		}
		const char *ln = btf__name_by_offset(b, lt->name_off), *on = pm_kbtf_str(kb, ot->name_off);
		if (!on || !ln || strcmp(on, ln)) {
			if (bad++ < 5)
				CHECK(0, "%s: type %u named %s, libbpf %s", what, id, on ? on : "(null)", ln ? ln : "(null)");
			continue;
		}
		if (*ln && id % find_every == 0) {
			finds++;
			int32_t want = btf__find_by_name_kind(b, ln, btf_kind(lt)), got = pm_kbtf_find(kb, ln, btf_kind(lt));
			if (got != want && bad++ < 5)
				CHECK(0, "%s: find %s kind %u: %d, libbpf %d", what, ln, btf_kind(lt), got, want);
		}
	}
	CHECK(bad == 0, "%s: %u differences (%u lookups)", what, bad, finds);
	CHECK(pm_kbtf_type(kb, 0) == NULL && pm_kbtf_type(kb, pm_kbtf_end(kb)) == NULL, "%s: ids out of range", what);
	CHECK(pm_kbtf_str(kb, 0) && !*pm_kbtf_str(kb, 0), "%s: string 0 is empty", what);
}

static void test_every_kind(void)
{
	struct btf *b = every_kind();
	struct pm_kbtf kb;
	btf_view(b, &kb, NULL);
	same_as_libbpf(&kb, b, "every kind", 1);
	CHECK(pm_kbtf_find(&kb, "pm_int_t", BTF_KIND_TYPEDEF) == btf__find_by_name_kind(b, "pm_int_t", BTF_KIND_TYPEDEF),
	      "first of two names");
	CHECK(pm_kbtf_find(&kb, "pm_pair", BTF_KIND_UNION) == -ENOENT, "kind must match");
	CHECK(pm_kbtf_find(&kb, "nothing", BTF_KIND_STRUCT) == -ENOENT, "absent");
	int32_t e = pm_kbtf_find(&kb, "pm_big", BTF_KIND_ENUM64);
	const struct btf_enum64 *v = pm_btf_members(pm_kbtf_type(&kb, (uint32_t)e));
	CHECK(e > 0 && ((uint64_t)v->val_hi32 << 32 | v->val_lo32) == 0x123456789ull &&
		      !strcmp(pm_kbtf_str(&kb, v->name_off), "HUGE"),
	      "enum64 value");
	CHECK(pm_kbtf_str(&kb, 1u << 30) == NULL, "string offset out of range");
	pm_kbtf_free(&kb);
	pm_kbtf_free(&kb);
	btf__free(b);
}

static void test_split(void)
{
	struct btf *base = every_kind();
	struct pm_kbtf kbase, ksplit;
	btf_view(base, &kbase, NULL);
	struct btf *mod = btf__new_empty_split(base);
	int i32 = btf__find_by_name_kind(base, "int", BTF_KIND_INT);
	btf__add_struct(mod, "pm_module_only", 4);
	btf__add_field(mod, "m", i32, 0, 0);
	btf__add_typedef(mod, "pm_int_t", i32); /* the base's comes first */
	btf_view(mod, &ksplit, &kbase);
	same_as_libbpf(&ksplit, mod, "split", 1);
	CHECK(ksplit.first_id == pm_kbtf_end(&kbase), "ids continue the base's");
	CHECK(pm_kbtf_find(&ksplit, "pm_int_t", BTF_KIND_TYPEDEF) == pm_kbtf_find(&kbase, "pm_int_t", BTF_KIND_TYPEDEF),
	      "the base searched first");
	CHECK(pm_kbtf_find(&ksplit, "pm_module_only", BTF_KIND_STRUCT) == (int32_t)ksplit.first_id, "own type");
	pm_kbtf_free(&ksplit);
	pm_kbtf_free(&kbase);
	btf__free(mod);
	btf__free(base);
}

/* A copy of b's raw bytes (4-byte aligned) to corrupt. */
static uint32_t *raw_copy(struct btf *b, size_t *len)
{
	__u32 size;
	const void *raw = btf__raw_data(b, &size);
	uint32_t *copy = calloc(1, size + 4);
	memcpy(copy, raw, size);
	*len = size;
	return copy;
}

static void refused(const void *data, size_t len, const char *what)
{
	struct pm_kbtf kb;
	char why[160] = "";
	memset(&kb, 0x5a, sizeof(kb));
	int rc = pm_kbtf_index(&kb, data, len, NULL, why, sizeof(why));
	CHECK(rc == -EINVAL && why[0] && kb.offs == NULL && kb.n == 0, "%s: refused (%d, \"%s\")", what, rc, why);
	pm_kbtf_free(&kb);
}

static void test_corrupt(void)
{
	struct btf *b = every_kind();
	size_t len;
	uint32_t *raw = raw_copy(b, &len);
	struct btf_header *h = (void *)raw;
	struct btf_header good = *h;
	uint8_t *bytes = (uint8_t *)raw;
	struct pm_kbtf kb;
	char why[160];

	CHECK(pm_kbtf_index(&kb, raw, len, NULL, why, sizeof(why)) == 0, "the copy indexes");
	pm_kbtf_free(&kb);
	for (size_t cut = 0; cut < len; cut++)
		refused(raw, cut, "cut short"); /* every prefix: the header or a section no longer fits */
	refused(NULL, 0, "no data");
	refused(bytes + 1, len - 1, "unaligned");
	h->magic = 0x9FeB;
	refused(raw, len, "other byte order");
	*h = good, h->magic = 0x1234;
	refused(raw, len, "magic");
	*h = good, h->version = 2;
	refused(raw, len, "version");
	*h = good, h->hdr_len = 20;
	refused(raw, len, "header too short");
	*h = good, h->hdr_len = 0xfffffff0u;
	refused(raw, len, "header too long");
	*h = good, h->type_len = 0xfffffff0u;
	refused(raw, len, "type section too long");
	*h = good, h->str_off = 0xfffffff0u;
	refused(raw, len, "string offset wraps");
	*h = good, h->str_len = 0;
	refused(raw, len, "no strings");
	*h = good, h->type_off = 2;
	refused(raw, len, "type section unaligned");
	*h = good;
	uint8_t last = bytes[good.hdr_len + good.str_off + good.str_len - 1];
	bytes[good.hdr_len + good.str_off + good.str_len - 1] = 'x';
	refused(raw, len, "strings not terminated");
	bytes[good.hdr_len + good.str_off + good.str_len - 1] = last;
	bytes[good.hdr_len + good.str_off] = 'x';
	refused(raw, len, "first string not empty");
	bytes[good.hdr_len + good.str_off] = 0;
	/* every shorter type section cuts a type or ends between two: only the second indexes */
	unsigned ok = 0;
	for (uint32_t tl = 0; tl < good.type_len; tl++) {
		h->type_len = tl;
		if (pm_kbtf_index(&kb, raw, len, NULL, why, sizeof(why)) == 0) {
			ok++;
			CHECK(pm_kbtf_end(&kb) < btf__type_cnt(b), "fewer types at %u", tl);
			pm_kbtf_free(&kb);
		}
	}
	CHECK(ok == btf__type_cnt(b) - 1, "%u shorter sections index (one per type boundary, %u)", ok, btf__type_cnt(b) - 1);
	*h = good;
	/* a longer header (7.0's adds a layout section's offset and length) is read as far as known */
	{
		uint32_t *longer = calloc(1, len + 8 + 4);
		struct btf_header *lh = (void *)longer;
		memcpy(longer, raw, good.hdr_len);
		memcpy((uint8_t *)longer + good.hdr_len + 8, bytes + good.hdr_len, len - good.hdr_len);
		lh->hdr_len = good.hdr_len + 8;
		CHECK(pm_kbtf_index(&kb, longer, len + 8, NULL, why, sizeof(why)) == 0 &&
			      pm_kbtf_end(&kb) == btf__type_cnt(b) && pm_kbtf_find(&kb, "pm_func", BTF_KIND_FUNC) > 0,
		      "a 32-byte header: %s", why);
		pm_kbtf_free(&kb);
		free(longer);
	}
	/* the first type's kind unknown, then its vlen too large for the section */
	struct btf_type *t = (void *)(bytes + good.hdr_len + good.type_off);
	uint32_t info = t->info;
	t->info = BTF_INFO_ENC(25, 0, 0);
	refused(raw, len, "unknown kind");
	t->info = BTF_INFO_ENC(BTF_KIND_STRUCT, 0, 0xffff);
	refused(raw, len, "members past the section");
	t->info = info;
	CHECK(pm_kbtf_index(&kb, raw, len, NULL, why, sizeof(why)) == 0, "restored");
	pm_kbtf_free(&kb);
	free(raw);
	btf__free(b);
}

/* Random bytes changed anywhere: indexed or refused, and whatever indexes can be read whole. */
static void test_mutations(void)
{
	struct btf *b = every_kind();
	size_t len;
	uint32_t *good = raw_copy(b, &len);
	uint32_t *raw = malloc(len + 4);
	unsigned indexed = 0, rounds = 20000;
	srand(7);
	for (unsigned r = 0; r < rounds; r++) {
		memcpy(raw, good, len);
		uint8_t *bytes = (uint8_t *)raw;
		for (int k = 1 + rand() % 4; k > 0; k--)
			bytes[(size_t)rand() % len] = (uint8_t)rand();
		struct pm_kbtf kb;
		char why[160];
		if (pm_kbtf_index(&kb, raw, len, NULL, why, sizeof(why)) < 0)
			continue;
		indexed++;
		if (btf_read_all(&kb) == (size_t)-1)
			abort(); /* keeps the reads */
		pm_kbtf_free(&kb);
	}
	CHECK(indexed > 0 && indexed < rounds, "%u of %u mutated BTFs indexed, the rest refused", indexed, rounds);
	free(raw);
	free(good);
	btf__free(b);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void test_running_kernel(void)
{
	const char *path = "/sys/kernel/btf/vmlinux";
	if (access(path, R_OK)) {
		printf("SKIP the running kernel's BTF: %s: %s\n", path, strerror(errno));
		return;
	}
	struct pm_vmlinux_btf v;
	char why[160] = "";
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = pm_vmlinux_btf_open(&v, path, why, sizeof(why));
	double ours = ms_since(&t0);
	CHECK(rc == 0, "open %s: %d %s", path, rc, why);
	if (rc)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct btf *b = btf__parse(path, NULL);
	double theirs = ms_since(&t0);
	CHECK(b != NULL, "libbpf parses it");
	if (b)
		same_as_libbpf(&v.kb, b, "the running kernel", 997);
	CHECK(pm_kbtf_find(&v.kb, "sk_buff", BTF_KIND_STRUCT) > 0, "struct sk_buff");
	printf("the running kernel's BTF: %u types, %s, indexed in %.1f ms (libbpf's parse %.1f ms)\n", pm_kbtf_end(&v.kb) - 1,
	       v.map ? "mapped" : "read (this kernel does not map it)", ours, theirs);
	btf__free(b);
	pm_vmlinux_btf_close(&v);
	pm_vmlinux_btf_close(&v);
	CHECK(pm_vmlinux_btf_open(&v, "/nonexistent/btf", why, sizeof(why)) == -ENOENT && strstr(why, "/nonexistent"),
	      "a missing file: %s", why);
	pm_vmlinux_btf_close(&v);
	CHECK(pm_vmlinux_btf_open(&v, "/proc/self/stat", why, sizeof(why)) < 0 && why[0], "not BTF: %s", why);
	pm_vmlinux_btf_close(&v);
}

int main(void)
{
	test_every_kind();
	test_split();
	test_corrupt();
	test_mutations();
	test_running_kernel();
	if (failures) {
		fprintf(stderr, "%d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("PASS: %d checks\n", checks);
	return 0;
}
