/* SPDX-License-Identifier: MIT */
/*
 * test_bpf_verify - loads the product's own BPF object (capture.bpf.o, through
 * its skeleton) configured as the heaviest session can be: 32 filters, a VXLAN
 * port, namespaces, every layer. The kernel verifier must accept every program,
 * and each program's verified instruction count ("processed N insns") must stay
 * within a fixed budget, far below the verifier's 1M limit: a compiler that
 * makes the matcher costlier shows here as a failing test, not as a capture
 * that no longer starts. Nothing is attached or pinned.
 *   test_bpf_verify [--budget N]     (default PKTMON_VERIFY_BUDGET)
 *   PKTMON_VERIFY_LOG=FILE keeps the whole verifier log of a rejection.
 * Prints one line per program and configuration: "VERIFIED prog config insns".
 * Exit 77 (SKIP) when BPF cannot be loaded here (not root, no permission).
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture_event.h"
#include "nf_fallback.h"
#include "nf_link.h"
#include "vmlinux_btf.h"
#include "capture.skel.h"

/* Verified instructions one program may cost. The kernel stops at 1,000,000;
 * the heaviest program measured about 25k with clang 14 and clang 19 (see
 * docs/TOOLCHAINS.md), so this leaves room for both growth and compilers. */
#define PKTMON_VERIFY_BUDGET 150000L
#define MAX_PROGS 32
#define STATS_LOG (64 << 10)
#define FULL_LOG (64 << 20)

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

struct config {
	const char *name;
	unsigned nfilters;
	unsigned lean;  /* counters only, no filter: observe_lean() */
	unsigned floor; /* the benchmark's empty programs */
	unsigned any_netns; /* no namespace list: lean's fast path (lean_pass()) */
};

/* Without filters the verifier skips the matcher as dead code (cfg is
 * read-only data), so both shapes are measured: one filter (a usual start) and
 * the most. */
static const struct config configs[] = {
	{ "no-filter", 0, 0, 0, 0 },
	{ "1-filter", 1, 0, 0, 0 },
	{ "32-filters", 32, 0, 0, 0 },
	{ "lean", 0, 1, 0, 0 },
	{ "lean-any-netns", 0, 1, 0, 1 },
	{ "floor", 0, 0, 1, 0 },
};

static void configure(struct capture_bpf *k, const struct config *c)
{
	struct pm_bpf_config *cfg = (struct pm_bpf_config *)&k->rodata->cfg;

	memset(cfg, 0, sizeof(*cfg));
	cfg->nfilters = c->nfilters;
	cfg->lean = c->lean;
	cfg->floor = c->floor;
	cfg->vxlan_port = 4789;
	cfg->wakeup_bytes = 1 << 16;
	for (int l = 0; l < 16; l++)
		cfg->prev_ok[l] = ~0u;
	cfg->decap_window_ns = 2000000;
	cfg->nnetns = c->any_netns ? 0 : PM_MAX_NETNS;
	for (int i = 0; i < (int)cfg->nnetns; i++)
		cfg->netns[i] = 4026531840u + (unsigned)i;
}

/* Does this kernel have what the program attaches to? A program for a hook the
 * running kernel lacks is not loaded (as the session does). */
static int target_exists(const struct pm_kbtf *vmlinux, const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);
	const char *slash = strchr(sec, '/');
	char name[256];

	if (!vmlinux || !slash)
		return 1;
	if (!strncmp(sec, "tp_btf/", 7)) {
		snprintf(name, sizeof(name), "btf_trace_%s", slash + 1);
		return pm_kbtf_find(vmlinux, name, BTF_KIND_TYPEDEF) >= 0;
	}
	if (!strncmp(sec, "fentry/", 7) || !strncmp(sec, "fexit/", 6) || !strncmp(sec, "kprobe/", 7))
		return pm_kbtf_find(vmlinux, slash + 1, BTF_KIND_FUNC) >= 0;
	return 1;
}

/* Opens and configures the skeleton; every program logs at `level` into its own buffer. */
static struct capture_bpf *open_configured(const struct config *c, const struct pm_kbtf *vmlinux, int level,
					   char **logs, size_t log_size)
{
	struct capture_bpf *k = capture_bpf__open();
	struct bpf_program *prog;
	int n = 0;

	if (!k)
		return NULL;
	configure(k, c);
	bpf_program__set_type(k->progs.pm_nf, PM_BPF_PROG_TYPE_NETFILTER);
	bpf_program__set_expected_attach_type(k->progs.pm_nf, PM_BPF_NETFILTER);
	/* BPF netfilter programs came with 6.4, with their context type */
	if (!vmlinux || pm_kbtf_find(vmlinux, "bpf_nf_ctx", BTF_KIND_STRUCT) < 0) {
		printf("SKIP-PROG pm_nf: no BPF netfilter programs in this kernel\n");
		bpf_program__set_autoload(k->progs.pm_nf, false);
	}
	/* the fallbacks load where the session would load them: no netfilter links, and the
	 * kernel lets such a program attach (6.18 refuses fentry and kprobes, 6.1 allows them) */
	struct pm_nf_probe probe;
	pm_nf_probe_kernel(vmlinux, &probe);
	if (probe.has_nf_link || probe.fentry) {
		printf("SKIP-PROG pm_nf_fentry: %s\n", probe.has_nf_link ? "netfilter links serve the hooks here" : "fentry refused");
		bpf_program__set_autoload(k->progs.pm_nf_fentry, false);
	}
	if (probe.has_nf_link || probe.kprobe) {
		printf("SKIP-PROG pm_nf_kprobe: %s\n", probe.has_nf_link ? "netfilter links serve the hooks here" : "kprobe refused");
		bpf_program__set_autoload(k->progs.pm_nf_kprobe, false);
	}
	/* the why points' fentry/fexit programs, where the kernel lets them attach (as the session) */
	struct bpf_program *why_fentry[] = { k->progs.pm_why_icmp_fentry, k->progs.pm_why_icmp6,
					     k->progs.pm_copy_delivered };
	for (size_t i = 0; i < sizeof(why_fentry) / sizeof(why_fentry[0]); i++) {
		const char *sec = bpf_program__section_name(why_fentry[i]);
		const char *fn = strchr(sec, '/');
		if (fn && pm_probe_fentry(vmlinux, fn + 1) != 0) {
			printf("SKIP-PROG %s: fentry refused\n", bpf_program__name(why_fentry[i]));
			bpf_program__set_autoload(why_fentry[i], false);
		}
	}
	bpf_object__for_each_program(prog, k->obj) {
		if (!target_exists(vmlinux, prog)) {
			printf("SKIP-PROG %s: %s not in this kernel\n", bpf_program__name(prog),
			       bpf_program__section_name(prog));
			bpf_program__set_autoload(prog, false);
		}
		if (n < MAX_PROGS) {
			logs[n][0] = 0;
			bpf_program__set_log_level(prog, level);
			bpf_program__set_log_buf(prog, logs[n], log_size);
		}
		n++;
	}
	return k;
}

/* "processed N insns" from a statistics log, else the kernel's verified_insns. */
static long verified_insns(const struct bpf_program *prog, const char *log)
{
	const char *p = strstr(log, "processed ");
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	if (p)
		return strtol(p + 10, NULL, 10);
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0 && info.verified_insns)
		return (long)info.verified_insns;
	return -1;
}

/* Load again with the full log (level 1) and print its end: the reason. The load
 * stops at the first rejected program, so all programs can share one buffer. */
static void show_failure(const struct config *c, const struct pm_kbtf *vmlinux)
{
	char *full = calloc(1, FULL_LOG);
	char *logs[MAX_PROGS];
	struct capture_bpf *k;

	if (!full)
		return;
	for (int j = 0; j < MAX_PROGS; j++)
		logs[j] = full;
	k = open_configured(c, vmlinux, 1, logs, FULL_LOG);
	if (k) {
		capture_bpf__load(k);
		size_t n = strlen(full);
		const char *keep = getenv("PKTMON_VERIFY_LOG");
		FILE *f = keep ? fopen(keep, "w") : NULL;

		if (f) { /* the whole log, for a closer look */
			fputs(full, f);
			fclose(f);
		}
		fprintf(stderr, "--- verifier log (end) ---\n%s\n", full + (n > 8000 ? n - 8000 : 0));
		capture_bpf__destroy(k);
	}
	free(full);
}

/* 0 accepted within budget, 1 rejected or over budget, 77 not allowed to load here. */
static int verify(const struct config *c, const struct pm_kbtf *vmlinux, long budget)
{
	static char log_store[MAX_PROGS][STATS_LOG];
	char *logs[MAX_PROGS];
	struct capture_bpf *k;
	struct bpf_program *prog;
	int i = 0, rc = 0, err;

	for (int j = 0; j < MAX_PROGS; j++)
		logs[j] = log_store[j];
	/* Level 4 = statistics only: "processed N insns ..." */
	k = open_configured(c, vmlinux, 4, logs, STATS_LOG);
	if (!k) {
		fprintf(stderr, "FAIL: cannot open the capture skeleton: %s\n", strerror(errno));
		return 1;
	}
	err = capture_bpf__load(k);
	if (err == -EPERM) {
		printf("SKIP: bpf load not permitted (%s)\n", strerror(-err));
		capture_bpf__destroy(k);
		return 77;
	}
	if (err) {
		fprintf(stderr, "FAIL: %s: the verifier rejected capture.bpf.o: %s\n", c->name, strerror(-err));
		capture_bpf__destroy(k);
		show_failure(c, vmlinux);
		return 1;
	}
	bpf_object__for_each_program(prog, k->obj) {
		if (i >= MAX_PROGS || !bpf_program__autoload(prog)) {
			i++;
			continue;
		}
		long insns = verified_insns(prog, logs[i]);

		printf("VERIFIED %-14s %-11s %8ld insns (budget %ld)\n", bpf_program__name(prog), c->name, insns,
		       budget);
		if (insns < 0 || insns > budget) {
			fprintf(stderr, "FAIL: %s (%s): %ld verified instructions, budget %ld\n",
				bpf_program__name(prog), c->name, insns, budget);
			rc = 1;
		}
		i++;
	}
	capture_bpf__destroy(k);
	return rc;
}

/* ---- where the verifier's walks go (--walks PROGRAM) ---------------------------------------- */

/* The names of a loaded program's functions, in the order of the log's func#N (NULL: unknown). */
static char **function_names(int prog_fd, size_t *n)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	*n = 0;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) || !info.nr_func_info || !info.btf_id)
		return NULL;
	__u32 count = info.nr_func_info, rec = info.func_info_rec_size;
	struct bpf_func_info *fi = calloc(count, rec);
	struct btf *btf = btf__load_from_kernel_by_id(info.btf_id);
	char **names = calloc(count, sizeof(*names));
	if (fi && names && btf) {
		memset(&info, 0, sizeof(info));
		info.nr_func_info = count;
		info.func_info_rec_size = rec;
		info.func_info = (__u64)(uintptr_t)fi;
		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) == 0) {
			for (__u32 i = 0; i < count; i++) {
				const struct bpf_func_info *f = (const void *)((const char *)fi + (size_t)i * rec);
				const struct btf_type *t = btf__type_by_id(btf, f->type_id);
				names[i] = strdup(t ? btf__name_by_offset(btf, t->name_off) : "?");
			}
			*n = count;
		}
	}
	btf__free(btf);
	free(fi);
	if (!*n) {
		free(names);
		return NULL;
	}
	return names;
}

/* Counts the instructions walked in each function from a level-2 log: a global function's own
 * verification under its "Validating" header, a static one's walks inside its callers'. */
static void print_walks(const char *log, char **names, size_t nnames, const char *prog, const char *config)
{
	enum { MAX_FUNCS = 64 };
	long start[MAX_FUNCS], walks[MAX_FUNCS] = { 0 }, all = 0;
	int own[MAX_FUNCS] = { 0 }; /* walked in its own verification: a global function */
	char global_name[MAX_FUNCS][64] = { { 0 } };
	size_t nf = 0;
	int section = 0; /* 0: the program's own walk, else 1 + the global function's func# */

	for (const char *p = log; *p;) {
		const char *eol = strchr(p, '\n');
		size_t l = eol ? (size_t)(eol - p) : strlen(p);
		long a, b;
		int f;
		if (sscanf(p, "func#%ld @%ld", &a, &b) == 2 && a == (long)nf && nf < MAX_FUNCS) {
			start[nf++] = b;
		} else if (!strncmp(p, "Validating ", 11)) {
			const char *at = strstr(p, "func#"), *paren = strchr(p, '(');
			if (at && paren && at < p + l && sscanf(at, "func#%d", &f) == 1 && f >= 0 && f < (int)nf) {
				section = 1 + f;
				own[f] = 1;
				snprintf(global_name[f], sizeof(global_name[f]), "%.*s", (int)(paren - p - 11), p + 11);
			}
		} else if (*p >= '0' && *p <= '9' && sscanf(p, "%ld: (", &a) == 1 && memchr(p, '(', l)) {
			/* a walked instruction (the live-register dump's lines are indented) */
			int in = 0;
			for (size_t i = 0; i < nf; i++)
				if (start[i] <= a)
					in = (int)i;
			/* in a global function's section, everything is that function's or its callees' */
			walks[section && !own[in] ? section - 1 : in]++;
			all++;
		}
		p = eol ? eol + 1 : p + l;
	}
	printf("WALKS %s %s: %ld instructions walked\n", prog, config, all);
	for (size_t i = 0; i < nf; i++) {
		if (!walks[i])
			continue;
		/* the loaded program's names follow the log's order unless the verifier dropped a dead one */
		char fallback[32];
		const char *name = global_name[i][0] ? global_name[i] : nnames == nf ? names[i] : NULL;
		if (!name) {
			snprintf(fallback, sizeof(fallback), "func#%zu", i);
			name = i ? fallback : prog;
		}
		printf("  %8ld  %s%s\n", walks[i], name,
		       own[i] ? " (global: once a program)" : i ? " (static: at each call)" : "");
	}
}

/* Loads only `prog` of each configuration with the verifier's full log and prints where its walks go. */
static int walks(const char *prog, const struct pm_kbtf *vmlinux)
{
	char *log = calloc(1, FULL_LOG);
	int rc = 1;

	if (!log)
		return 1;
	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		char *logs[MAX_PROGS];
		for (int j = 0; j < MAX_PROGS; j++)
			logs[j] = log;
		struct capture_bpf *k = open_configured(&configs[i], vmlinux, 2, logs, FULL_LOG);
		struct bpf_program *p, *want = k ? bpf_object__find_program_by_name(k->obj, prog) : NULL;
		if (!want || !bpf_program__autoload(want)) {
			fprintf(stderr, "%s: no program %s to load here\n", configs[i].name, prog);
			capture_bpf__destroy(k);
			continue;
		}
		bpf_object__for_each_program(p, k->obj)
			bpf_program__set_autoload(p, p == want);
		log[0] = 0;
		int err = capture_bpf__load(k);
		if (err) {
			fprintf(stderr, "%s: %s not loaded: %s\n", configs[i].name, prog, strerror(-err));
		} else {
			size_t nnames = 0;
			char **names = function_names(bpf_program__fd(want), &nnames);
			print_walks(log, names, nnames, prog, configs[i].name);
			for (size_t j = 0; j < nnames; j++)
				free(names[j]);
			free(names);
			rc = 0;
		}
		capture_bpf__destroy(k);
	}
	free(log);
	return rc;
}

int main(int argc, char **argv)
{
	long budget = PKTMON_VERIFY_BUDGET;
	struct pm_vmlinux_btf kernel_btf;
	const struct pm_kbtf *vmlinux;
	char why[160] = "";
	int rc = 0;

	const char *walks_of = NULL;

	if (argc == 3 && !strcmp(argv[1], "--budget")) {
		budget = strtol(argv[2], NULL, 10);
	} else if (argc == 3 && !strcmp(argv[1], "--walks")) {
		walks_of = argv[2];
	} else if (argc != 1) {
		fprintf(stderr, "usage: %s [--budget N | --walks PROGRAM]\n", argv[0]);
		return 2;
	}
	if (geteuid() != 0) {
		printf("SKIP: not root, cannot load BPF programs\n");
		return 77;
	}
	libbpf_set_print(quiet_print);
	vmlinux = pm_vmlinux_btf_open(&kernel_btf, "/sys/kernel/btf/vmlinux", why, sizeof(why)) == 0 ? &kernel_btf.kb : NULL;
	if (!vmlinux)
		printf("the kernel's BTF: %s\n", why);
	if (walks_of) {
		rc = walks(walks_of, vmlinux);
		pm_vmlinux_btf_close(&kernel_btf);
		return rc;
	}
	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		int r = verify(&configs[i], vmlinux, budget);

		if (r == 77) {
			pm_vmlinux_btf_close(&kernel_btf);
			return 77;
		}
		if (r)
			rc = 1;
	}
	pm_vmlinux_btf_close(&kernel_btf);
	return rc;
}
