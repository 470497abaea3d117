/* SPDX-License-Identifier: MIT */
/*
 * main.c - pktmon-capture, the capture helper: the only pktmon program that holds
 * capabilities (docs/PRIVILEGES.md). It loads and attaches the BPF programs and streams
 * what they see into the outputs it is given; everything that reads files or talks to
 * the user is the unprivileged `pktmon`, which runs this helper for `pktmon start` and
 * for Wireshark's extcap.
 *
 * It takes `pktmon start`'s options and checks them all again. It reads no file named by
 * the user: filters arrive as --filter arguments, never from the run folder; outputs are
 * opened with the caller's own rights (the file capabilities grant no CAP_DAC_OVERRIDE);
 * a background session gets its control socket and ready pipe as descriptors.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture_run.h"
#include "ctl_server.h"
#include "fail.h"
#include "start_heap.h"
#include "privileges.h"
#include "start_options.h"

static void say_ready_error(int ready_fd, const char *msg)
{
	if (ready_fd >= 0)
		dprintf(ready_fd, "ERR %s\n", msg);
}

int main(int argc, char **argv)
{
	start_heap_on_huge_pages(); /* first: before any thread or large allocation */
	setlocale(LC_ALL, "C");
	char err[PKTMON_ERRLEN] = "", abs[PATH_MAX];
	if (privileges_lock(err, sizeof(err)) < 0)
		return cli_fail(1, "%s", err);
	struct start_opts o;
	int rc = start_parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	struct stat st;
	if (o.ready_fd >= 0 && (fstat(o.ready_fd, &st) < 0 || !S_ISFIFO(st.st_mode)))
		return cli_fail(EXIT_USAGE, "--ready-fd %d is not a pipe", o.ready_fd);
	struct ctl_server *ctl = NULL;
	if (o.control_fd >= 0) {
		/* a background session: it leaves the caller's working directory */
		if (o.file && o.file[0] != '/' && strcmp(o.file, "-")) {
			char cwd[PATH_MAX];
			if (!getcwd(cwd, sizeof(cwd)) || (size_t)snprintf(abs, sizeof(abs), "%s/%s", cwd, o.file) >= sizeof(abs)) {
				say_ready_error(o.ready_fd, "file name too long");
				return cli_fail(1, "file name too long");
			}
			o.file = abs;
		}
		if (chdir("/") < 0) {
			/* harmless: the file name is absolute */
		}
		ctl = ctl_server_adopt(o.control_fd, o.so.counters_only ? NULL : o.file, err, sizeof(err));
		if (!ctl) {
			say_ready_error(o.ready_fd, err);
			return cli_fail(1, "%s", err);
		}
		o.quiet = false; /* the summary goes to session.log */
	}
	rc = capture_run(&o, ctl, o.ready_fd);
	ctl_server_close(ctl);
	return rc;
}
