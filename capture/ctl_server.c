/* SPDX-License-Identifier: MIT */
/*
 * ctl_server.c - a background session answers `pktmon stop|status|counters|reset`
 * (common/control_protocol.h) on the listening socket `pktmon start` handed over.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "control_protocol.h"
#include "ctl_server.h"

struct ctl_server {
	int lfd;
	int stop_client; /* the `stop` requester, answered after the session ends */
	time_t started;
	const char *file; /* the pcapng the session writes, NULL for none: `status` shows it */
};

struct ctl_server *ctl_server_adopt(int listen_fd, const char *file, char *err, size_t errlen)
{
	struct stat st;
	int domain = 0, listening = 0;
	socklen_t len = sizeof(int);
	if (fstat(listen_fd, &st) < 0 || !S_ISSOCK(st.st_mode) ||
	    getsockopt(listen_fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 || domain != AF_UNIX ||
	    getsockopt(listen_fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &(socklen_t){ sizeof(int) }) < 0 ||
	    !listening) {
		snprintf(err, errlen, "descriptor %d is not a listening unix socket", listen_fd);
		return NULL;
	}
	struct ctl_server *ctl = calloc(1, sizeof(*ctl));
	if (!ctl) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ctl->lfd = listen_fd;
	ctl->stop_client = -1;
	ctl->started = time(NULL);
	ctl->file = file;
	return ctl;
}

void ctl_server_close(struct ctl_server *ctl)
{
	if (!ctl)
		return;
	close(ctl->lfd);
	if (ctl->stop_client >= 0)
		close(ctl->stop_client);
	free(ctl);
}

static void fill_status(struct ctl_status *st, pktmon_session *s, time_t started, bool running, const char *file)
{
	memset(st, 0, sizeof(*st));
	struct pktmon_totals t;
	pktmon_get_totals(s, &t);
	st->pid = (int)getpid();
	st->running = running;
	st->started = (long long)started;
	st->generated = t.events_generated;
	st->written = t.events_written;
	st->lost = t.events_lost;
	st->drops = t.drops;
	st->netns = t.netns_attached;
	uint64_t missed = 0;
	if (pktmon_get_kernel_missed(s, &missed) == 0)
		st->missed = missed;
	snprintf(st->file, sizeof(st->file), "%s", file ? file : "");
	struct pktmon_counter *c;
	size_t n;
	if (pktmon_get_counters(s, &c, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			struct ctl_comp_row *r = ctl_status_add_comp(st);
			if (!r)
				break;
			r->id = c[i].component_id;
			snprintf(r->layer, sizeof(r->layer), "%s", pktmon_layer_name(c[i].layer));
			r->rx_pkts = c[i].rx_pkts;
			r->rx_bytes = c[i].rx_bytes;
			r->tx_pkts = c[i].tx_pkts;
			r->tx_bytes = c[i].tx_bytes;
			r->drops = c[i].drops;
			r->lost = c[i].lost;
			snprintf(r->reason, sizeof(r->reason), "%s", c[i].last_drop_reason);
			snprintf(r->name, sizeof(r->name), "%s", c[i].name);
		}
		pktmon_free_counters(c);
	}
	struct pktmon_drop_count *d;
	if (pktmon_get_drop_counts(s, &d, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			struct ctl_drop_row *r = ctl_status_add_drop(st);
			if (!r)
				break;
			r->id = d[i].component_id;
			snprintf(r->reason, sizeof(r->reason), "%s", d[i].reason);
			r->count = d[i].count;
		}
		free(d);
	}
}

static void answer_status(int fd, pktmon_session *s, time_t started, bool running, const char *file)
{
	FILE *f = fdopen(dup(fd), "w");
	if (!f)
		return;
	struct ctl_status st;
	fill_status(&st, s, started, running, file);
	ctl_status_write(f, &st);
	ctl_status_free(&st);
	fclose(f);
}

static void answer_result(int fd, const char *error)
{
	FILE *f = fdopen(dup(fd), "w");
	if (!f)
		return;
	ctl_result_write(f, error);
	fclose(f);
}

/* One request line, read with a deadline: a client that says nothing is dropped. Two seconds:
 * a loaded machine may not run the client at once. */
static int read_request(int fd, char *buf, size_t len)
{
	size_t got = 0;
	while (got + 1 < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 2000) <= 0)
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
	char req[CTL_REQUEST_MAX];
	if (read_request(fd, req, sizeof(req)) < 0) {
		close(fd);
		return;
	}
	switch (ctl_request_parse(req)) {
	case CTL_REQ_STATUS:
	case CTL_REQ_COUNTERS:
		answer_status(fd, s, ctl->started, true, ctl->file);
		break;
	case CTL_REQ_RESET:
		answer_result(fd, pktmon_reset_counters(s) < 0 ? "cannot reset the counters" : NULL);
		break;
	case CTL_REQ_STOP:
		if (ctl->stop_client < 0) {
			ctl->stop_client = fd;
			*stop = true;
			return;
		}
		answer_result(fd, "a stop is under way");
		break;
	default:
		answer_result(fd, "unknown request");
		break;
	}
	close(fd);
}

void ctl_finish(struct ctl_server *ctl, pktmon_session *s, const char *file)
{
	if (ctl->stop_client >= 0) {
		answer_status(ctl->stop_client, s, ctl->started, false, file);
		close(ctl->stop_client);
		ctl->stop_client = -1;
	}
}
