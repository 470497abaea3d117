/* SPDX-License-Identifier: MIT */
/* nf_fallback.c - probes for fentry and kprobes on nf_hook_slow; netfilter code ranges. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <linux/types.h>

#include <bpf/bpf.h>

#include "capture_event.h"
#include "kernel_btf.h"
#include "nf_fallback.h"

/* r0 = 0; exit */
static const struct bpf_insn return_zero[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static int probe_fentry(const struct pm_kbtf *vmlinux)
{
	return pm_probe_fentry(vmlinux, PM_NF_CORE_FUNC);
}

int pm_probe_fentry(const struct pm_kbtf *vmlinux, const char *func)
{
	int32_t id = vmlinux ? pm_kbtf_find(vmlinux, func, BTF_KIND_FUNC) : -1;
	if (id < 0)
		return -ENOENT;
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = (__u32)id);
	int prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "pm_probe", "GPL", return_zero, 2, &opts);
	if (prog < 0)
		return -errno;
	int link = bpf_raw_tracepoint_open(NULL, prog); /* fentry attach, kernels 5.5+ */
	int rc = link < 0 ? -errno : 0;
	if (link >= 0)
		close(link);
	close(prog);
	return rc;
}

static int kprobe_pmu_type(void)
{
	FILE *f = fopen("/sys/bus/event_source/devices/kprobe/type", "r");
	int type = -1;
	if (!f)
		return -ENOENT;
	if (fscanf(f, "%d", &type) != 1)
		type = -EINVAL;
	fclose(f);
	return type;
}

static int probe_kprobe(void)
{
	int type = kprobe_pmu_type();
	if (type < 0)
		return type;
	int prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "pm_probe", "GPL", return_zero, 2, NULL);
	if (prog < 0)
		return -errno;
	struct perf_event_attr attr = { .size = sizeof(attr), .type = (__u32)type };
	attr.config1 = (__u64)(unsigned long)PM_NF_CORE_FUNC; /* kprobe_func */
	int rc = 0;
	int pfd = (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		rc = -errno;
	else if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog) < 0)
		rc = -errno;
	if (pfd >= 0)
		close(pfd);
	close(prog);
	return rc;
}

void pm_nf_probe_kernel(const struct pm_kbtf *vmlinux, struct pm_nf_probe *p)
{
	memset(p, 0, sizeof(*p));
	p->has_nf_link = vmlinux && pm_kbtf_find(vmlinux, "bpf_nf_ctx", BTF_KIND_STRUCT) >= 0;
	p->fentry = p->kprobe = -EAGAIN; /* not tried */
	const char *forced = getenv("PKTMON_NF_MECHANISM");
	if (p->has_nf_link && !(forced && *forced))
		return;
	p->fentry = probe_fentry(vmlinux);
	/* The kprobe only as the fallback (or when asked for): each probe re-patches the entry of
	 * nf_hook_slow, a hot path, and a kprobe beside a BPF trampoline there switches ftrace to
	 * its slow, shared caller and back (Debian's 6.1 oopsed in that area under a flood). */
	if (p->fentry != 0 || (forced && !strcmp(forced, "kprobe")))
		p->kprobe = probe_kprobe();
}

size_t pm_nf_code_ranges(const struct pm_ksyms *ks, struct pm_code_range *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i + 1 < ks->n && n < max; i++) {
		const char *name = pm_ksym_name(ks, &ks->syms[i]);
		for (const char *const *f = pm_nf_drop_functions; *f; f++)
			if (!strcmp(name, *f) && ks->syms[i].addr) {
				out[n].lo = ks->syms[i].addr;
				out[n].hi = ks->syms[i + 1].addr;
				n++;
				break;
			}
	}
	return n;
}
