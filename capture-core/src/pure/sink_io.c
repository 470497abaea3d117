/* SPDX-License-Identifier: MIT */
/* sink_io.c - the writing of a pcapng sink to its fd: buffered, without SIGPIPE, cut back to
 * whole blocks when a write fails; messages and sticky errors. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sigtimedwait, O_CLOEXEC even under -std=c11 */
#endif

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sink_internal.h"

int pm_sink_set_msg(struct pm_sink *s, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
	va_end(ap);
	return rc;
}

/* Records a sticky I/O error. */
int pm_sink_fail(struct pm_sink *s, int rc, const char *what)
{
	if (rc == PM_SINK_ERR_PIPE)
		pm_sink_set_msg(s, rc, "%s: the reader closed the pipe", what);
	else
		pm_sink_set_msg(s, rc, "%s: %s", what, strerror(-rc));
	if (!s->err)
		s->err = rc;
	return rc;
}

/* --- low-level writing ----------------------------------------------------------------------- */

/*
 * write() that cannot raise SIGPIPE: block it in this thread, and if the write
 * failed with EPIPE, consume the SIGPIPE it queued (unless one was already
 * pending before us, which belongs to someone else). This leaves the process's
 * signal dispositions alone, which a library must not change.
 */
static ssize_t write_nosigpipe(int fd, const void *p, size_t n)
{
	sigset_t pipeset, old, pending;
	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	if (pthread_sigmask(SIG_BLOCK, &pipeset, &old) != 0)
		return write(fd, p, n);
	bool was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
	ssize_t r = write(fd, p, n);
	int e = errno;
	if (r < 0 && e == EPIPE && !was_pending) {
		const struct timespec zero = { 0, 0 };
		while (sigtimedwait(&pipeset, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return r;
}

/* Writes all n bytes, retrying partial writes and EINTR, waiting out EAGAIN.
 * Returns 0 or -errno. */
static int write_all(int fd, const void *p, size_t n, bool guard, uint64_t *count)
{
	const uint8_t *q = p;
	while (n > 0) {
		size_t chunk = n > (size_t)SSIZE_MAX ? (size_t)SSIZE_MAX : n;
		ssize_t r = guard ? write_nosigpipe(fd, q, chunk) : write(fd, q, chunk);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct pollfd pfd = { .fd = fd, .events = POLLOUT };
				if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
					return -errno;
				continue;
			}
			return -errno;
		}
		if (r == 0)
			return -EIO; /* no progress and no error: do not spin */
		q += r;
		n -= (size_t)r;
		*count += (uint64_t)r;
	}
	return 0;
}

/*
 * A write failed after `done` of the `len` bytes starting at file offset
 * `base` reached the fd (ENOSPC, EIO...): cut a regular file back to the last
 * whole write so it stays a valid pcapng file, and count the accepted packet
 * writes that never made it. The buffer is dropped: the error is sticky.
 */
void pm_sink_lose_buffer(struct pm_sink *s, off_t base, uint64_t done)
{
	uint64_t keep = 0;
	for (size_t i = 0; i < s->nunits; i++) {
		uint32_t end = s->unit_end[i] & ~UNIT_COUNTED;
		if (end <= done)
			keep = end;
		else if (s->unit_end[i] & UNIT_COUNTED)
			s->st.writes_lost++;
	}
	if (!s->guard_pipe && base >= 0 && done > keep) {
		if (ftruncate(s->fd, base + (off_t)keep) == 0)
			lseek(s->fd, base + (off_t)keep, SEEK_SET);
	}
	s->wlen = 0;
	s->nunits = 0;
}

/* Where a write that failed after `done` bytes began: the file's position less
 * what reached it (asked only on failure: a seek before every write cost a system
 * call each 64 KiB); -1 for a pipe. */
static off_t write_base(const struct pm_sink *s, uint64_t done)
{
	off_t cur = s->guard_pipe ? -1 : lseek(s->fd, 0, SEEK_CUR);
	return cur < 0 || (uint64_t)cur < done ? -1 : cur - (off_t)done;
}

int pm_sink_out_flush(struct pm_sink *s)
{
	if (s->err)
		return s->err;
	if (s->wlen == 0)
		return 0;
	if (s->fd < 0)
		return pm_sink_fail(s, -EBADF, "write");
	uint64_t before = s->st.bytes_written;
	int rc = write_all(s->fd, s->wbuf, s->wlen, s->may_sigpipe, &s->st.bytes_written);
	if (rc) {
		uint64_t done = s->st.bytes_written - before;
		pm_sink_lose_buffer(s, write_base(s, done), done);
		return pm_sink_fail(s, rc, s->cur_path ? s->cur_path : "write");
	}
	s->wlen = 0;
	s->nunits = 0;
	return 0;
}

/* Buffered append to the current output; updates cur_size. `kind` says
 * whether the bytes end whole blocks (UNIT_PIECE: more of a block follows). */
int pm_sink_out_write_kind(struct pm_sink *s, const void *p, size_t n, enum unit_kind kind)
{
	if (s->err)
		return s->err;
	if (n == 0)
		return 0;
	if (n > PM_SINK_BUF_SIZE - s->wlen) {
		int rc = pm_sink_out_flush(s);
		if (rc)
			return rc;
	}
	if (n >= PM_SINK_BUF_SIZE) {
		/* Large writes go straight through rather than via the buffer. */
		uint64_t before = s->st.bytes_written;
		int rc = write_all(s->fd, p, n, s->may_sigpipe, &s->st.bytes_written);
		if (rc) {
			/* not accepted, so not counted as lost: the caller sees the error */
			off_t base = write_base(s, s->st.bytes_written - before);
			if (kind != UNIT_PIECE && !s->guard_pipe && base >= 0 &&
			    s->st.bytes_written != before && ftruncate(s->fd, base) == 0)
				lseek(s->fd, base, SEEK_SET);
			return pm_sink_fail(s, rc, s->cur_path ? s->cur_path : "write");
		}
	} else {
		memcpy(s->wbuf + s->wlen, p, n);
		s->wlen += n;
		if (kind != UNIT_PIECE && s->nunits < sizeof(s->unit_end) / sizeof(s->unit_end[0]))
			s->unit_end[s->nunits++] = (uint32_t)s->wlen | (kind == UNIT_PACKETS ? UNIT_COUNTED : 0);
	}
	s->cur_size += n;
	return 0;
}

int pm_sink_out_write(struct pm_sink *s, const void *p, size_t n)
{
	return pm_sink_out_write_kind(s, p, n, UNIT_WHOLE);
}

int pm_sink_open_out(const char *path)
{
	int fd;
	do
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, FILE_MODE);
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}
