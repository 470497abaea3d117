/* SPDX-License-Identifier: MIT */
/*
 * kallsyms.h - turn kernel text addresses into "symbol+0xoff" (drop locations).
 *
 * Loads the text symbols of /proc/kallsyms (or any file in its format): types
 * t/T and the weak w/W (weak functions show as W), including module symbols
 * ("addr t name\t[module]"). Sorted once, then binary search.
 */
#ifndef PKTMON_KALLSYMS_H
#define PKTMON_KALLSYMS_H

#include <stddef.h>
#include <stdint.h>

#define PM_KALLSYMS_PATH "/proc/kallsyms"
/* Past this distance from the nearest symbol an address is printed raw:
 * no kernel function is this long, so it is not really "inside" it. */
#define PM_KSYM_MAX_OFFSET (1u << 20)

struct pm_ksym {
	uint64_t addr;
	uint32_t name;   /* offset in pm_ksyms.strings */
	uint32_t module; /* offset in strings of the module name, 0 = vmlinux */
};

struct pm_ksyms {
	struct pm_ksym *syms; /* sorted by addr, one per address */
	size_t n;
	char *strings;        /* all names, NUL-terminated; offset 0 is "" */
	size_t strings_len;
	size_t lines;         /* text-symbol lines read */
	size_t zero_addrs;    /* of which had address 0 (kptr_restrict) */
};

/* Load path (NULL = /proc/kallsyms). Returns 0, or -errno (ks left empty). */
int pm_ksyms_load(struct pm_ksyms *ks, const char *path);
void pm_ksyms_free(struct pm_ksyms *ks);

/*
 * 1 when addresses can be symbolized. 0 when there are no symbols, or when the
 * kernel hid every address (all zero: kptr_restrict, or not CAP_SYSLOG); then
 * why (if not NULL) gets a sentence to show the user.
 */
int pm_ksyms_usable(const struct pm_ksyms *ks, const char **why);

/*
 * "nft_do_chain+0x46f", "nft_do_chain+0x46f [nf_tables]" for module symbols,
 * or "0xffffffffc0a1b2c3" when unknown. Returns what snprintf returns.
 */
int pm_ksym_resolve(const struct pm_ksyms *ks, uint64_t addr, char *buf, size_t len);

/* The symbol containing addr (NULL if none) and the offset in it. */
const struct pm_ksym *pm_ksym_find(const struct pm_ksyms *ks, uint64_t addr, uint64_t *off);

static inline const char *pm_ksym_name(const struct pm_ksyms *ks, const struct pm_ksym *s)
{
	return ks->strings + s->name;
}

#endif /* PKTMON_KALLSYMS_H */
