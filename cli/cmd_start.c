/* SPDX-License-Identifier: MIT */
/*
 * cmd_start.c - `pktmon start`: checks the options, adds the stored filters, and runs the
 * capture helper pktmon-capture: in its place (foreground, and for Wireshark through
 * cmd_start_for_wireshark()), or as a background
 * session, as Windows pktmon does, which `pktmon stop|status|counters|reset` reach over a
 * unix socket in the run folder. This side prepares everything that touches the run
 * folder (the log, the socket) and hands the helper descriptors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture_helper.h"
#include "cli.h"
#include "extcap.h"
#include "rundir.h"
#include "session_client.h"
#include "start_options.h"

/* The descriptors a background helper finds its socket and ready pipe at. */
enum { HELPER_CONTROL_FD = 3, HELPER_READY_FD = 4 };

static int listen_control_socket(char *path, size_t pathlen, char *err, size_t errlen)
{
	struct sockaddr_un a;
	if (ctl_socket_address(&a, 1, err, errlen) < 0)
		return -1;
	snprintf(path, pathlen, "%s", a.sun_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	unlink(a.sun_path); /* stale: no session answered */
	mode_t old = umask(0077); /* the session's owner only */
	int rc = bind(fd, (struct sockaddr *)&a, sizeof(a));
	umask(old);
	if (rc < 0 || listen(fd, 4) < 0)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "control socket %s: %s", a.sun_path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* In the child: the helper's descriptors at fixed numbers, then exec. */
static void run_background_helper(char **hargv, int log_fd, int listen_fd, int ready_fd)
{
	setsid();
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	/* first out of the way of 0..4, then into place (dup2 clears O_CLOEXEC) */
	int l = fcntl(listen_fd, F_DUPFD_CLOEXEC, 10), r = fcntl(ready_fd, F_DUPFD_CLOEXEC, 10);
	if (null < 0 || l < 0 || r < 0 || dup2(null, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0 ||
	    dup2(l, HELPER_CONTROL_FD) < 0 || dup2(r, HELPER_READY_FD) < 0) {
		dprintf(ready_fd, "ERR cannot prepare the session's descriptors: %s\n", strerror(errno));
		_exit(1);
	}
	char err[PKTMON_ERRLEN];
	capture_helper_exec(hargv, err, sizeof(err));
	dprintf(HELPER_READY_FD, "ERR %s\n", err);
	_exit(1);
}

static int start_background(const struct start_opts *o, char **hargv, int n)
{
	char err[PKTMON_ERRLEN] = "", log[PATH_MAX], sock[PATH_MAX];
	char *probe = ctl_request("status", err, sizeof(err));
	if (probe) {
		free(probe);
		return cli_fail(1, "a session is already running: `pktmon stop` ends it");
	}
	if (rundir_path("session.log", log, sizeof(log), 1, err, sizeof(err)) < 0)
		return cli_fail(1, "%s", err);
	/* never through a planted symlink */
	int log_fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (log_fd < 0)
		return cli_fail(1, "cannot write %s: %s", log, strerror(errno));
	int listen_fd = listen_control_socket(sock, sizeof(sock), err, sizeof(err));
	int ready[2] = { -1, -1 };
	if (listen_fd < 0 || pipe2(ready, O_CLOEXEC) < 0) {
		close(log_fd);
		if (listen_fd >= 0)
			close(listen_fd);
		return cli_fail(1, "%s", listen_fd < 0 ? err : strerror(errno));
	}
	hargv[n++] = "--control-fd";
	hargv[n++] = "3";
	hargv[n++] = "--ready-fd";
	hargv[n++] = "4";
	hargv[n] = NULL;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(ready[0]);
		run_background_helper(hargv, log_fd, listen_fd, ready[1]);
	}
	close(ready[1]);
	close(log_fd);
	close(listen_fd);
	if (pid < 0) {
		close(ready[0]);
		return cli_fail(1, "fork: %s", strerror(errno));
	}
	char line[PKTMON_ERRLEN + 8] = "";
	size_t got = 0;
	ssize_t r;
	while (got + 1 < sizeof(line) && (r = read(ready[0], line + got, sizeof(line) - 1 - got)) > 0) {
		got += (size_t)r;
		line[got] = 0;
		if (strchr(line, '\n'))
			break;
	}
	close(ready[0]);
	line[strcspn(line, "\n")] = 0;
	if (!strcmp(line, "OK")) {
		char cwd[PATH_MAX] = "";
		bool relative = o->file && o->file[0] != '/' && getcwd(cwd, sizeof(cwd));
		printf("pktmon: started (pid %d)%s%s%s%s. `pktmon counters` shows the counters; `pktmon stop` ends it.\n",
		       (int)pid, !o->file ? "" : o->memory ? ", in memory until stop, then to " : ", writing ",
		       relative ? cwd : "", relative ? "/" : "", o->file ? o->file : "");
		return 0;
	}
	waitpid(pid, NULL, 0);
	unlink(sock);
	if (!strncmp(line, "ERR ", 4))
		return cli_fail(1, "%s", line + 4);
	return cli_fail(1, "the session ended before it started (see %s)", log);
}

int cmd_start_for_wireshark(const struct extcap_capture *c)
{
	/* the dialog's options are `pktmon start` options; the helper checks them all */
	char **hargv = calloc((size_t)c->ndialog_args + 12, sizeof(*hargv));
	if (!hargv)
		return cli_fail(1, "out of memory");
	int n = 0;
	hargv[n++] = "pktmon-capture";
	for (int i = 0; i < c->ndialog_args; i++)
		hargv[n++] = c->dialog_args[i];
	hargv[n++] = "--fifo";
	hargv[n++] = (char *)c->fifo;
	if (c->capture_filter) {
		hargv[n++] = "--capture-filter";
		hargv[n++] = (char *)c->capture_filter;
	}
	if (c->control_in) {
		hargv[n++] = "--control-in";
		hargv[n++] = (char *)c->control_in;
	}
	if (c->control_out) {
		hargv[n++] = "--control-out";
		hargv[n++] = (char *)c->control_out;
	}
	hargv[n++] = "--quiet"; /* Wireshark shows anything on stderr as an error */
	struct start_opts o;
	int rc = start_parse(n, hargv, &o);
	if (rc < 0 && (o.control_fd >= 0 || o.ready_fd >= 0))
		rc = cli_fail(EXIT_USAGE, "extcap: --control-fd and --ready-fd are pktmon-capture's own");
	if (rc < 0) {
		char err[PKTMON_ERRLEN];
		fflush(NULL);
		capture_helper_exec(hargv, err, sizeof(err));
		rc = cli_fail(1, "%s", err);
	}
	free(hargv);
	/* here only when it failed (the helper replaces us): the message is on stderr */
	extcap_release_reader(c->fifo, EXTCAP_READER_WAIT_MS);
	return rc;
}

int cmd_start(int argc, char **argv)
{
	struct start_opts o;
	int rc = start_parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (o.control_fd >= 0 || o.ready_fd >= 0)
		return cli_fail(EXIT_USAGE, "start: --control-fd and --ready-fd are pktmon-capture's own");
	/* the helper's arguments: ours, the stored filters, and for the background 4 more */
	char **hargv = calloc((size_t)argc + 2 * PKTMON_MAX_FILTERS + 8, sizeof(*hargv));
	char (*lines)[PM_FILTER_LINE_MAX] = calloc(PKTMON_MAX_FILTERS, sizeof(*lines));
	if (!hargv || !lines) {
		free(hargv);
		free(lines);
		return cli_fail(1, "out of memory");
	}
	int n = 0;
	hargv[n++] = "pktmon-capture";
	for (int i = 1; i < argc; i++)
		hargv[n++] = argv[i];
	/* Windows semantics: filters added with `pktmon filter add` apply to the next start.
	 * They are read here, by the caller: the helper never reads the run folder. */
	if (!o.filters_given && !o.fifo) {
		char err[PKTMON_ERRLEN] = "";
		if (rundir_filters_load(o.filters, &o.nfilters, err, sizeof(err)) < 0) {
			rc = cli_fail(1, "%s", err);
			goto out;
		}
		for (size_t i = 0; i < o.nfilters; i++) {
			pm_filter_format(&o.filters[i], lines[i], sizeof(lines[i]));
			hargv[n++] = "--filter";
			hargv[n++] = lines[i];
		}
	}
	if (o.foreground) {
		char err[PKTMON_ERRLEN];
		fflush(NULL);
		capture_helper_exec(hargv, err, sizeof(err));
		rc = cli_fail(1, "%s", err);
	} else {
		rc = start_background(&o, hargv, n);
	}
out:
	free(hargv);
	free(lines);
	return rc;
}
