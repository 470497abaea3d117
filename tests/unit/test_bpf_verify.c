/* SPDX-License-Identifier: MIT */
/*
 * test_bpf_verify - loads BPF objects (pkt_parse_check.bpf.o builds) with
 * libbpf so the kernel verifier judges pkt_parse.h, prints the verifier's
 * statistics per program, then unloads. Nothing is attached or pinned.
 * Exit 77 (SKIP) when BPF cannot be loaded here (not root, no permission).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PROGS 16
#define STATS_LOG (64 << 10)
#define FULL_LOG (16 << 20)

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Load again with the full log (level 1) and print its end: the reason. */
static void show_failure(const char *path)
{
	char *full = calloc(1, FULL_LOG);
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *prog;
	size_t n;

	if (!obj || !full) {
		free(full);
		bpf_object__close(obj);
		return;
	}
	bpf_object__for_each_program(prog, obj) {
		bpf_program__set_log_level(prog, 1);
		bpf_program__set_log_buf(prog, full, FULL_LOG);
	}
	bpf_object__load(obj);
	n = strlen(full);
	fprintf(stderr, "--- verifier log (end) ---\n%s\n", full + (n > 8000 ? n - 8000 : 0));
	bpf_object__close(obj);
	free(full);
}

/* 0 accepted, 1 rejected, 77 not allowed to load here. */
static int verify(const char *path)
{
	static char logs[MAX_PROGS][STATS_LOG];
	const char *names[MAX_PROGS];
	struct bpf_object *obj;
	struct bpf_program *prog;
	int n = 0, err;

	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "FAIL: open %s: %s\n", path, strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		if (n == MAX_PROGS)
			break;
		logs[n][0] = 0;
		names[n] = bpf_program__name(prog);
		/* Level 4 = statistics only: "processed N insns ..." */
		bpf_program__set_log_level(prog, 4);
		bpf_program__set_log_buf(prog, logs[n], STATS_LOG);
		n++;
	}
	err = bpf_object__load(obj);
	if (err == -EPERM) {
		printf("SKIP: bpf load not permitted (%s)\n", strerror(-err));
		bpf_object__close(obj);
		return 77;
	}
	if (err) {
		fprintf(stderr, "FAIL: %s: the verifier rejected it: %s\n", path, strerror(-err));
		bpf_object__close(obj);
		show_failure(path);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		const char *stats = strstr(logs[i], "processed");

		printf("PASS: %s: %s: %s", path, names[i], stats ? stats : "(no stats)\n");
	}
	bpf_object__close(obj);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s OBJ.bpf.o...\n", argv[0]);
		return 2;
	}
	if (geteuid() != 0) {
		printf("SKIP: not root, cannot load BPF programs\n");
		return 77;
	}
	libbpf_set_print(quiet_print);
	for (int i = 1; i < argc; i++) {
		int r = verify(argv[i]);

		if (r == 77)
			return 77;
		if (r)
			rc = 1;
	}
	return rc;
}
