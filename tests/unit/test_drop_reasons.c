/* SPDX-License-Identifier: MIT */
/*
 * test_drop_reasons - drop reason names from BTF: synthetic BTFs built in
 * memory (enum, enum64, subsystems, module enums) and the running kernel's.
 */
#include "drop_reasons.h"
#include "vmlinux_btf.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "btf_view.h"
#include "check.h"

static int name_is(const struct pm_drop_reasons *d, uint32_t code, const char *want)
{
	const char *n = pm_drop_reason_name(d, code);

	if (!want)
		return n == NULL;
	return n && !strcmp(n, want);
}

static const char *str(const struct pm_drop_reasons *d, uint32_t code)
{
	static char buf[64];

	return pm_drop_reason_str(d, code, buf, sizeof(buf));
}

/* Something unrelated first, so the enum is not type 1. */
static void add_noise(struct btf *btf)
{
	int id = btf__add_enum(btf, "sk_rst_reason", 4);

	btf__add_enum_value(btf, "SK_RST_REASON_NO_SOCKET", 1);
	(void)id;
	btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
}

static void test_enum32(void)
{
	struct btf *btf = btf__new_empty();
	struct pm_drop_reasons d;
	char buf[64];

	add_noise(btf);
	CHECK(btf__add_enum(btf, "skb_drop_reason", 4) > 0, "add enum");
	btf__add_enum_value(btf, "SKB_NOT_DROPPED_YET", 0);
	btf__add_enum_value(btf, "SKB_CONSUMED", 1);
	btf__add_enum_value(btf, "SKB_DROP_REASON_NOT_SPECIFIED", 2);
	btf__add_enum_value(btf, "SKB_DROP_REASON_NO_SOCKET", 3);
	/* deliberately not in code order, and not the mainline numbers */
	btf__add_enum_value(btf, "SKB_DROP_REASON_NETFILTER_DROP", 40);
	btf__add_enum_value(btf, "SKB_DROP_REASON_TCP_CSUM", 10);
	btf__add_enum_value(btf, "SKB_DROP_REASON_MAX", 41);
	btf__add_enum_value(btf, "SKB_DROP_REASON_SUBSYS_MASK", (int32_t)0xffff0000u);
	/* subsystems */
	btf__add_enum(btf, "skb_drop_reason_subsys", 4);
	btf__add_enum_value(btf, "SKB_DROP_REASON_SUBSYS_CORE", 0);
	btf__add_enum_value(btf, "SKB_DROP_REASON_SUBSYS_MAC80211_UNUSABLE", 1);
	btf__add_enum_value(btf, "SKB_DROP_REASON_SUBSYS_OPENVSWITCH", 2);
	btf__add_enum_value(btf, "SKB_DROP_REASON_SUBSYS_NUM", 3);

	struct pm_kbtf kb, kmod;
	CHECK(pm_drop_reasons_load(&d, btf_view(btf, &kb, NULL)) == 0, "load");
	CHECK(d.n == 6, "n=%zu (MAX and SUBSYS_MASK are not reasons)", d.n);
	CHECK(name_is(&d, 0, "NOT_DROPPED_YET"), "0");
	CHECK(name_is(&d, 1, "CONSUMED"), "1");
	CHECK(name_is(&d, 2, "NOT_SPECIFIED"), "2");
	CHECK(name_is(&d, 3, "NO_SOCKET"), "3");
	CHECK(name_is(&d, 10, "TCP_CSUM"), "10");
	CHECK(name_is(&d, 40, "NETFILTER_DROP"), "40");
	CHECK(name_is(&d, 41, NULL), "MAX is not a name");
	CHECK(name_is(&d, 12, NULL), "gap");
	CHECK(name_is(&d, 0xffff0000u, NULL), "mask is not a name");
	CHECK(d.subsys_mask == 0xffff0000u && d.subsys_shift == 16, "mask %x shift %u", d.subsys_mask, d.subsys_shift);
	CHECK(!strcmp(str(&d, 40), "NETFILTER_DROP"), "str name");
	CHECK(!strcmp(str(&d, 12), "UNKNOWN_12"), "str unknown: %s", str(&d, 12));
	CHECK(!strcmp(str(&d, (2u << 16) | 5), "SUBSYS_OPENVSWITCH:5"), "str subsys: %s", str(&d, (2u << 16) | 5));
	CHECK(!strcmp(str(&d, (1u << 16) | 1), "SUBSYS_MAC80211_UNUSABLE:1"), "str subsys 1");
	CHECK(!strcmp(str(&d, (9u << 16) | 1), "UNKNOWN_589825"), "unknown subsys: %s", str(&d, (9u << 16) | 1));
	CHECK(!strcmp(pm_drop_reason_unknown(77, buf, sizeof(buf)), "UNKNOWN_77"), "unknown helper");
	CHECK(pm_drop_reason_str(&d, 40, buf, 5) == buf && !strcmp(buf, "NETF"), "truncation");

	/* A module's BTF (split on top of this one) with the openvswitch reasons. */
	{
		struct btf *mod = btf__new_empty_split(btf);

		btf__add_enum(mod, "ovs_drop_reason", 4);
		btf__add_enum_value(mod, "OVS_DROP_LAST_ACTION", (2 << 16) | 0);
		btf__add_enum_value(mod, "OVS_DROP_ACTION_ERROR", (2 << 16) | 1);
		btf__add_enum_value(mod, "OVS_DROP_MAX", (2 << 16) | 2);
		/* a non-drop enum and an enum without subsystem bits are ignored */
		btf__add_enum(mod, "ovs_other", 4);
		btf__add_enum_value(mod, "OVS_X", (2 << 16) | 7);
		btf__add_enum(mod, "mac80211_drop_reason", 4);
		btf__add_enum_value(mod, "RX_CONTINUE", 1);
		btf__add_enum_value(mod, "RX_DROP_U_MIC_FAIL", (1 << 16) | 3);
		btf_view(mod, &kmod, &kb);
		CHECK(pm_drop_reasons_add_subsys_btf(&d, &kmod) == 4, "added 4");
		CHECK(name_is(&d, (2u << 16) | 1, "OVS_DROP_ACTION_ERROR"), "ovs");
		CHECK(name_is(&d, (1u << 16) | 3, "RX_DROP_U_MIC_FAIL"), "mac80211");
		CHECK(name_is(&d, 1, "CONSUMED"), "core value not renamed");
		CHECK(name_is(&d, (2u << 16) | 7, NULL), "non-drop enum ignored");
		CHECK(!strcmp(str(&d, (2u << 16) | 9), "SUBSYS_OPENVSWITCH:9"), "still subsys for the rest");
		for (size_t i = 1; i < d.n; i++)
			CHECK(d.v[i - 1].code < d.v[i].code, "sorted at %zu", i);
		/* adding the same BTF again adds no duplicates */
		pm_drop_reasons_add_subsys_btf(&d, &kmod);
		CHECK(d.n == 10, "no duplicates: n=%zu", d.n);
		pm_kbtf_free(&kmod);
		btf__free(mod);
	}
	pm_drop_reasons_free(&d);
	pm_drop_reasons_free(&d);
	CHECK(pm_drop_reason_name(&d, 1) == NULL, "after free");
	CHECK(!strcmp(str(NULL, 3), "UNKNOWN_3"), "NULL table");
	pm_kbtf_free(&kb);
	btf__free(btf);
}

static void test_enum64_and_old(void)
{
	struct btf *btf = btf__new_empty();
	struct pm_drop_reasons d;
	struct pm_kbtf kb;

	/* enum64 (a kernel could grow it); no subsystem mask (Linux < 6.5) */
	CHECK(btf__add_enum64(btf, "skb_drop_reason", 8, false) > 0, "add enum64");
	btf__add_enum64_value(btf, "SKB_DROP_REASON_NOT_SPECIFIED", 2);
	btf__add_enum64_value(btf, "SKB_DROP_REASON_NO_SOCKET", 3);
	btf__add_enum64_value(btf, "SKB_DROP_REASON_NETFILTER_DROP", 12);
	btf__add_enum64_value(btf, "SKB_DROP_REASON_HUGE", 0x100000000ull); /* cannot be a u32 code */
	btf__add_enum64_value(btf, "SKB_DROP_REASON_MAX", 13);
	CHECK(pm_drop_reasons_load(&d, btf_view(btf, &kb, NULL)) == 0, "load");
	CHECK(d.n == 3 && name_is(&d, 12, "NETFILTER_DROP") && name_is(&d, 3, "NO_SOCKET"), "enum64 names");
	CHECK(d.subsys_mask == 0 && !strcmp(str(&d, (2u << 16) | 5), "UNKNOWN_131077"), "no subsystems: %s",
	      str(&d, (2u << 16) | 5));
	pm_drop_reasons_free(&d);
	pm_kbtf_free(&kb);
	btf__free(btf);

	/* kernel without the enum */
	btf = btf__new_empty();
	add_noise(btf);
	memset(&d, 0x5a, sizeof(d));
	CHECK(pm_drop_reasons_load(&d, btf_view(btf, &kb, NULL)) == -ENOENT, "no enum");
	CHECK(d.v == NULL && d.n == 0, "zeroed");
	pm_drop_reasons_free(&d);
	CHECK(pm_drop_reasons_load(&d, NULL) == -EINVAL, "NULL btf");
	pm_kbtf_free(&kb);
	btf__free(btf);
}

static void test_real(void)
{
	const char *path = "/sys/kernel/btf/vmlinux";
	struct pm_drop_reasons d;
	struct pm_vmlinux_btf v;
	int nf = -1, ns = -1, err;
	struct timespec t0, t1;
	char why[160] = "";

	if (access(path, R_OK)) {
		printf("SKIP real BTF: %s: %s\n", path, strerror(errno));
		return;
	}
	CHECK(pm_vmlinux_btf_open(&v, path, why, sizeof(why)) == 0, "the kernel's BTF: %s", why);
	if (failures)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = pm_drop_reasons_load(&d, &v.kb);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err == -ENOENT) {
		printf("SKIP real BTF: this kernel has no enum skb_drop_reason\n");
		pm_vmlinux_btf_close(&v);
		return;
	}
	CHECK(err == 0, "load real: %d", err);
	for (size_t i = 0; i < d.n; i++) {
		if (!strcmp(d.v[i].name, "NETFILTER_DROP"))
			nf = (int)d.v[i].code;
		if (!strcmp(d.v[i].name, "NO_SOCKET"))
			ns = (int)d.v[i].code;
		/* SKB_CSUM (from SKB_DROP_REASON_SKB_CSUM) is a real name; the prefixes are not */
		CHECK(strncmp(d.v[i].name, "SKB_DROP_REASON_", 16) && strcmp(d.v[i].name, "SKB_CONSUMED"),
		      "prefix left in %s", d.v[i].name);
	}
	CHECK(nf >= 0 && ns >= 0, "NETFILTER_DROP=%d NO_SOCKET=%d", nf, ns);
	CHECK(name_is(&d, 1, "CONSUMED"), "CONSUMED");
	printf("real BTF: %zu reasons in %.2f ms, NETFILTER_DROP=%d NO_SOCKET=%d, subsystem mask 0x%x (%zu ids)\n", d.n,
	       (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6, nf, ns, d.subsys_mask, d.n_subsys);
	pm_drop_reasons_free(&d);
	pm_vmlinux_btf_close(&v);
}

int main(void)
{
	test_enum32();
	test_enum64_and_old();
	test_real();
	if (failures) {
		fprintf(stderr, "%d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("PASS: %d checks\n", checks);
	return 0;
}
