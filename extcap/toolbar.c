/* SPDX-License-Identifier: MIT */
/*
 * toolbar.c - the extcap control toolbar. Each message is 'T', a 3-byte
 * big-endian length (control + command + payload), the control number, the
 * command, and the payload; in both directions.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "toolbar.h"

enum { CMD_INITIALIZED = 0, CMD_SET = 1 };
#define TB_MAX_PAYLOAD 4096

struct toolbar {
	int in, out;
	char out_path[4096];
	uint8_t buf[6 + TB_MAX_PAYLOAD];
	size_t have;
	struct timespec last;
	uint64_t shown[3];
	uint64_t packets_base; /* "Clear counters" zeroes the written count too, for the display */
	bool primed;
};

void toolbar_print_controls(void)
{
	printf("control {number=%d}{type=string}{display=Packets}{tooltip=Observations written so far}\n", TB_PACKETS);
	printf("control {number=%d}{type=string}{display=Drops}{tooltip=Packets the kernel dropped, seen so far}\n", TB_DROPS);
	printf("control {number=%d}{type=string}{display=Lost}{tooltip=Events the ring buffer could not take}\n", TB_LOST);
	printf("control {number=%d}{type=button}{display=Clear counters}{tooltip=Zero the session's counters}\n", TB_CLEAR);
}

size_t toolbar_frame(uint8_t *buf, size_t cap, uint8_t control, uint8_t command, const void *payload, size_t len)
{
	if (len > TB_MAX_PAYLOAD || cap < 6 + len)
		return 0;
	size_t n = len + 2;
	buf[0] = 'T';
	buf[1] = (uint8_t)(n >> 16);
	buf[2] = (uint8_t)(n >> 8);
	buf[3] = (uint8_t)n;
	buf[4] = control;
	buf[5] = command;
	if (len)
		memcpy(buf + 6, payload, len);
	return 6 + len;
}

/* Wireshark's control channels are fifos: anything else named here is refused unread. */
static int open_fifo(const char *path, int flags)
{
	int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

struct toolbar *toolbar_open(const char *in_path, const char *out_path)
{
	struct toolbar *tb = calloc(1, sizeof(*tb));
	if (!tb)
		return NULL;
	tb->in = in_path ? open_fifo(in_path, O_RDONLY) : -1;
	tb->out = -1;
	snprintf(tb->out_path, sizeof(tb->out_path), "%s", out_path ? out_path : "");
	return tb;
}

/* True once Wireshark's end of control-out is open (ENXIO until it opens it). */
static bool out_ready(struct toolbar *tb)
{
	if (tb->out < 0 && tb->out_path[0])
		tb->out = open_fifo(tb->out_path, O_WRONLY);
	return tb->out >= 0;
}

static bool send_msg(struct toolbar *tb, uint8_t control, uint8_t command, const char *text)
{
	uint8_t msg[64 + 6];
	size_t n = toolbar_frame(msg, sizeof(msg), control, command, text, strlen(text));
	if (!n || !out_ready(tb))
		return false;
	if (write(tb->out, msg, n) == (ssize_t)n)
		return true;
	if (errno == EPIPE) {
		close(tb->out);
		tb->out = -1;
		tb->out_path[0] = 0; /* Wireshark is gone */
	}
	return false;
}

static void refresh(struct toolbar *tb, pktmon_session *s, bool force)
{
	if (!out_ready(tb))
		return; /* nothing counts as shown before Wireshark listens */
	struct pktmon_totals t;
	pktmon_get_totals(s, &t);
	uint64_t now[3] = { t.events_received - t.filtered_out - tb->packets_base, t.drops, t.events_lost };
	for (int i = 0; i < 3; i++) {
		if (!force && tb->primed && now[i] == tb->shown[i])
			continue;
		char text[32];
		snprintf(text, sizeof(text), "%llu", (unsigned long long)now[i]);
		if (send_msg(tb, (uint8_t)i, CMD_SET, text))
			tb->shown[i] = now[i];
		else
			return;
	}
	tb->primed = true;
}

/* Handles the complete messages in the buffer; keeps a partial one. */
static void handle_input(struct toolbar *tb, pktmon_session *s)
{
	size_t off = 0;
	while (tb->have - off >= 6) {
		const uint8_t *m = tb->buf + off;
		size_t n = (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];
		if (m[0] != 'T' || n < 2 || n - 2 > TB_MAX_PAYLOAD) {
			tb->have = 0; /* out of sync: drop what we have */
			return;
		}
		if (tb->have - off < 4 + n)
			break;
		if (m[4] == TB_CLEAR && m[5] == CMD_SET) {
			struct pktmon_totals t;
			pktmon_get_totals(s, &t);
			tb->packets_base = t.events_received - t.filtered_out;
			pktmon_reset_counters(s);
			refresh(tb, s, true);
		}
		off += 4 + n;
	}
	memmove(tb->buf, tb->buf + off, tb->have - off);
	tb->have -= off;
}

void toolbar_poll(struct toolbar *tb, pktmon_session *s, int timeout_ms)
{
	if (tb->in >= 0) {
		struct pollfd p = { .fd = tb->in, .events = POLLIN };
		if (poll(&p, 1, timeout_ms) > 0) {
			ssize_t r = read(tb->in, tb->buf + tb->have, sizeof(tb->buf) - tb->have);
			if (r > 0) {
				tb->have += (size_t)r;
				handle_input(tb, s);
			} else if (r == 0 && (p.revents & POLLHUP)) {
				/* no writer (yet or any more): do not spin on POLLHUP */
				struct timespec nap = { 0, (long)timeout_ms * 1000000L };
				nanosleep(&nap, NULL);
			}
		}
	} else {
		struct timespec nap = { 0, (long)timeout_ms * 1000000L };
		nanosleep(&nap, NULL);
	}
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec != tb->last.tv_sec) {
		refresh(tb, s, false);
		tb->last = now;
	}
}

void toolbar_close(struct toolbar *tb)
{
	if (!tb)
		return;
	if (tb->in >= 0)
		close(tb->in);
	if (tb->out >= 0)
		close(tb->out);
	free(tb);
}
