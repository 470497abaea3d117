/* SPDX-License-Identifier: MIT */
/*
 * daemon.c - `pktmon start` in the background, as Windows pktmon does: the
 * session runs in a child process, and `pktmon stop|status|counters|reset` talk
 * to it over a unix socket in the run directory. The protocol is line-based
 * text with tab-separated fields (see ctl_answer()), versioned by its first line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "daemon.h"
#include "rundir.h"

struct ctl_server {
	int lfd;
	int stop_client; /* the `stop` requester, answered after the session ends */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	time_t started;
	const char *file; /* the pcapng the session writes, NULL for none: `status` shows it */
};

static int sock_addr(struct sockaddr_un *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	return rundir_path(CTL_SOCKET, a->sun_path, sizeof(a->sun_path), 1, err, errlen);
}

/* Names and reasons go into tab-separated lines: no control characters. */
static void clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static void ctl_answer(int fd, pktmon_session *s, time_t started, bool running, const char *file)
{
	FILE *f = fdopen(dup(fd), "w");
	if (!f)
		return;
	struct pktmon_totals t;
	pktmon_get_totals(s, &t);
	char fname[PATH_MAX];
	snprintf(fname, sizeof(fname), "%s", file ? file : "-");
	clean(fname);
	fprintf(f, CTL_VERSION_LINE "\n");
	fprintf(f, "session\t%d\t%d\t%lld\t%llu\t%llu\t%llu\t%llu\t%llu\t%s\n", (int)getpid(), running ? 1 : 0,
		(long long)started, (unsigned long long)t.events_generated,
		(unsigned long long)t.events_written, (unsigned long long)t.events_lost,
		(unsigned long long)t.drops, (unsigned long long)t.netns_attached, fname);
	struct pktmon_counter *c;
	size_t n;
	if (pktmon_get_counters(s, &c, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			clean(c[i].name);
			clean(c[i].last_drop_reason);
			fprintf(f, "comp\t%u\t%s\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%s\t%s\n", c[i].component_id,
				pktmon_layer_name(c[i].layer), (unsigned long long)c[i].rx_pkts,
				(unsigned long long)c[i].rx_bytes, (unsigned long long)c[i].tx_pkts,
				(unsigned long long)c[i].tx_bytes, (unsigned long long)c[i].drops,
				(unsigned long long)c[i].lost, c[i].last_drop_reason[0] ? c[i].last_drop_reason : "-",
				c[i].name);
		}
		pktmon_free_counters(c);
	}
	struct pktmon_drop_count *d;
	if (pktmon_get_drop_counts(s, &d, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			clean(d[i].reason);
			fprintf(f, "drop\t%u\t%s\t%llu\n", d[i].component_id, d[i].reason, (unsigned long long)d[i].count);
		}
		free(d);
	}
	fprintf(f, "end\n");
	fclose(f);
}

/* One request line, read with a deadline: a client that says nothing is dropped. */
static int read_request(int fd, char *buf, size_t len)
{
	size_t got = 0;
	while (got + 1 < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 500) <= 0)
			return -1;
		ssize_t r = read(fd, buf + got, len - 1 - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
		buf[got] = 0;
		char *nl = strchr(buf, '\n');
		if (nl) {
			*nl = 0;
			return 0;
		}
	}
	return -1;
}

void ctl_poll(struct ctl_server *ctl, pktmon_session *s, int timeout_ms, bool *stop)
{
	struct pollfd p = { .fd = ctl->lfd, .events = POLLIN };
	if (poll(&p, 1, timeout_ms) <= 0)
		return;
	int fd = accept4(ctl->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	char req[64];
	if (read_request(fd, req, sizeof(req)) < 0) {
		close(fd);
		return;
	}
	if (!strcmp(req, "status") || !strcmp(req, "counters")) {
		ctl_answer(fd, s, ctl->started, true, ctl->file);
	} else if (!strcmp(req, "reset")) {
		int rc = pktmon_reset_counters(s);
		dprintf(fd, CTL_VERSION_LINE "\n%s\nend\n", rc < 0 ? "error cannot reset the counters" : "ok");
	} else if (!strcmp(req, "stop") && ctl->stop_client < 0) {
		ctl->stop_client = fd;
		*stop = true;
		return;
	} else {
		dprintf(fd, CTL_VERSION_LINE "\nerror unknown request\nend\n");
	}
	close(fd);
}

void ctl_finish(struct ctl_server *ctl, pktmon_session *s, const char *file)
{
	if (ctl->stop_client >= 0) {
		ctl_answer(ctl->stop_client, s, ctl->started, false, file);
		close(ctl->stop_client);
		ctl->stop_client = -1;
	}
}

static struct ctl_server *ctl_listen(const char *file, char *err, size_t errlen)
{
	struct ctl_server *ctl = calloc(1, sizeof(*ctl));
	struct sockaddr_un a;
	if (!ctl || sock_addr(&a, err, errlen) < 0)
		goto fail;
	ctl->stop_client = -1;
	ctl->started = time(NULL);
	ctl->file = file;
	snprintf(ctl->path, sizeof(ctl->path), "%s", a.sun_path);
	ctl->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ctl->lfd < 0)
		goto fail_errno;
	unlink(a.sun_path); /* checked stale by daemon_start */
	mode_t old = umask(0077); /* the session's owner only */
	int rc = bind(ctl->lfd, (struct sockaddr *)&a, sizeof(a));
	umask(old);
	if (rc < 0 || listen(ctl->lfd, 4) < 0)
		goto fail_errno;
	return ctl;
fail_errno:
	snprintf(err, errlen, "control socket %s: %s", a.sun_path, strerror(errno));
fail:
	if (ctl && ctl->lfd > 0)
		close(ctl->lfd);
	free(ctl);
	return NULL;
}

char *ctl_request(const char *request, char *err, size_t errlen)
{
	struct sockaddr_un a;
	if (sock_addr(&a, err, errlen) < 0)
		return NULL;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		if (e == ENOENT || e == ECONNREFUSED) {
			snprintf(err, errlen, "no pktmon session is running");
			errno = ENOENT;
		} else {
			snprintf(err, errlen, "cannot reach the session at %s: %s", a.sun_path, strerror(e));
			errno = e;
		}
		return NULL;
	}
	dprintf(fd, "%s\n", request);
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf)
			break;
		if (len + 1 >= cap) {
			char *b = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;
			if (!b) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = b;
			cap *= 2;
		}
		/* `stop` waits for the file to be finished: no deadline here */
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	buf[len] = 0;
	if (strncmp(buf, CTL_VERSION_LINE "\n", strlen(CTL_VERSION_LINE) + 1) != 0) {
		snprintf(err, errlen, "the session answered in an unknown way (another pktmon version?)");
		free(buf);
		errno = EPROTO;
		return NULL;
	}
	return buf;
}

int daemon_start(struct start_opts *o)
{
	char err[PKTMON_ERRLEN] = "", abs[PATH_MAX];
	char *probe = ctl_request("status", err, sizeof(err));
	if (probe) {
		free(probe);
		return cli_fail(1, "a session is already running: `pktmon stop` ends it");
	}
	/* the child leaves the working directory: make the file name absolute */
	if (o->file && o->file[0] != '/') {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)) || (size_t)snprintf(abs, sizeof(abs), "%s/%s", cwd, o->file) >= sizeof(abs))
			return cli_fail(1, "start: file name too long");
		o->file = abs;
	}
	char log[300];
	if (rundir_path("session.log", log, sizeof(log), 1, err, sizeof(err)) < 0)
		return cli_fail(1, "%s", err);
	/* opened here, where a refusal can still be told: never through a planted symlink */
	int lfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lfd < 0)
		return cli_fail(1, "cannot write %s: %s", log, strerror(errno));
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return cli_fail(1, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return cli_fail(1, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(ready[0]);
		setsid();
		int null = open("/dev/null", O_RDWR);
		if (null >= 0)
			dup2(null, 0);
		dup2(lfd, 1);
		dup2(lfd, 2);
		if (chdir("/") < 0) {
			/* harmless: the file name is absolute */
		}
		struct ctl_server *ctl = ctl_listen(o->so.counters_only ? NULL : o->file, err, sizeof(err));
		if (!ctl) {
			dprintf(ready[1], "ERR %s\n", err);
			_exit(1);
		}
		o->quiet = false; /* the summary goes to session.log */
		int rc = capture_run(o, ctl, ready[1]);
		unlink(ctl->path);
		close(ctl->lfd);
		free(ctl);
		_exit(rc);
	}
	close(ready[1]);
	close(lfd);
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
		printf("pktmon: started (pid %d)%s%s. `pktmon counters` shows the counters; `pktmon stop` ends it.\n",
		       (int)pid, o->file ? ", writing " : "", o->file ? o->file : "");
		return 0;
	}
	int status = 0;
	waitpid(pid, &status, 0);
	if (!strncmp(line, "ERR ", 4))
		return cli_fail(1, "%s", line + 4);
	return cli_fail(1, "the session ended before it started (see %s)", log);
}
