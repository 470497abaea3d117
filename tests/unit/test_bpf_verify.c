/* SPDX-License-Identifier: MIT */
/*
 * test_bpf_verify - loads pkt_parse_check.bpf.o with libbpf so the kernel
 * verifier judges pkt_parse.h, then unloads it. Nothing is attached or
 * pinned. Prints SKIP (exit 77) when BPF cannot be loaded here (not root).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char vlog[1 << 20];

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Load again with the full log (level 1) and print its end: the reason. */
static int show_failure(const char *path)
{
	static char full[16 << 20];
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *prog;
	size_t n;

	if (!obj)
		return 1;
	bpf_object__for_each_program(prog, obj) {
		bpf_program__set_log_level(prog, 1);
		bpf_program__set_log_buf(prog, full, sizeof(full));
	}
	bpf_object__load(obj);
	n = strlen(full);
	fprintf(stderr, "--- verifier log (end) ---\n%s\n", full + (n > 6000 ? n - 6000 : 0));
	bpf_object__close(obj);
	return 1;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	const char *stats;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: %s pkt_parse_check.bpf.o\n", argv[0]);
		return 2;
	}
	if (geteuid() != 0) {
		printf("SKIP: not root, cannot load BPF programs\n");
		return 77;
	}
	libbpf_set_print(quiet_print);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "FAIL: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		/* Level 4 = statistics only: "processed N insns ..." */
		bpf_program__set_log_level(prog, 4);
		bpf_program__set_log_buf(prog, vlog, sizeof(vlog));
	}
	err = bpf_object__load(obj);
	if (err) {
		if (err == -EPERM) {
			printf("SKIP: bpf load not permitted (%s)\n", strerror(-err));
			bpf_object__close(obj);
			return 77;
		}
		fprintf(stderr, "FAIL: the verifier rejected the program: %s\n", strerror(-err));
		bpf_object__close(obj);
		return show_failure(argv[1]);
	}
	stats = strstr(vlog, "processed");
	printf("PASS: verifier accepted pkt_parse.h: %s", stats ? stats : "(no stats)\n");
	bpf_object__close(obj);
	return 0;
}
