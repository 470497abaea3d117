/* SPDX-License-Identifier: MIT */
/* nf_mechanism.c - choosing how the netfilter hooks are observed. */
#include <stddef.h>
#include <string.h>

#include "nf_mechanism.h"

static bool works(const struct pm_nf_probe *p, enum pm_mechanism m)
{
	switch (m) {
	case PM_MECH_NF_LINK: return p->has_nf_link;
	case PM_MECH_FENTRY: return p->fentry == 0;
	case PM_MECH_KPROBE: return p->kprobe == 0;
	default: return false;
	}
}

enum pm_mechanism pm_nf_mechanism_choose(const struct pm_nf_probe *p, const char *forced)
{
	if (forced && *forced) {
		enum pm_mechanism want = !strcmp(forced, "link") || !strcmp(forced, "netfilter-link") ? PM_MECH_NF_LINK
				       : !strcmp(forced, "fentry") ? PM_MECH_FENTRY
				       : !strcmp(forced, "kprobe") ? PM_MECH_KPROBE
				       : !strcmp(forced, "none") ? PM_MECH_UNAVAILABLE
								 : PM_MECH_TRACEPOINT; /* not a choice */
		if (want == PM_MECH_UNAVAILABLE || works(p, want))
			return want;
	}
	static const enum pm_mechanism order[] = { PM_MECH_NF_LINK, PM_MECH_FENTRY, PM_MECH_KPROBE };
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (works(p, order[i]))
			return order[i];
	return PM_MECH_UNAVAILABLE;
}

const char *pm_mechanism_name(enum pm_mechanism m)
{
	switch (m) {
	case PM_MECH_NF_LINK: return "netfilter-link";
	case PM_MECH_FENTRY: return "fentry";
	case PM_MECH_KPROBE: return "kprobe";
	case PM_MECH_TRACEPOINT: return "tracepoint";
	default: return "unavailable";
	}
}

const char *pm_nf_unavailable_why(const struct pm_nf_probe *p)
{
	(void)p;
	return "this kernel has no BPF netfilter links (Linux 6.4+) and refuses fentry and kprobes on "
	       "nf_hook_slow; netfilter drops are reported at a generic netfilter component";
}

const char *const pm_nf_drop_functions[] = {
	"nf_hook_slow", "nf_hook_slow_list", "nft_do_chain", "ipt_do_table", "ip6t_do_table",
	"nf_conntrack_in", "nf_nat_inet_fn", NULL,
};
