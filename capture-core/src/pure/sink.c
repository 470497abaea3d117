/* SPDX-License-Identifier: MIT */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sigtimedwait, O_CLOEXEC even under -std=c11 */
#endif
#include "sink.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pcapng.h"
#include "pm_buf.h"

#define FILE_MODE 0644

struct pm_sink {
	int fd;            /* current output, -1 when none */
	bool close_fd;     /* close fd at the end (always for files we opened) */
	bool guard_pipe;   /* fd is not a regular file: keep SIGPIPE away */
	bool is_file;      /* opened by pm_sink_open_file */
	enum pm_log_mode mode;
	uint64_t cap;      /* 0 = no limit */

	char *path;        /* the user's FILE (file 0) */
	char *cur_path;    /* file being written */
	char *prev_path;   /* circular: hidden older segment */
	char *join_path;   /* circular: hidden join output */
	unsigned file_index; /* multi-file: number of the current file */
	bool have_prev;

	struct pm_buf hdr; /* SHB followed by every IDB, in order */
	bool hdr_set;
	unsigned n_if;     /* IDBs added */
	unsigned if_in_file; /* IDBs in the current file (< n_if only when a single file is full) */
	bool finished;     /* pm_sink_finish was called */
	uint64_t reserve_base, reserve_per_if;

	uint8_t *wbuf;     /* PM_SINK_BUF_SIZE bytes */
	size_t wlen;
	/* Where whole writes end in wbuf (UNIT_COUNTED marks a pm_sink_write): a
	 * failed flush keeps only whole blocks in the file and counts the
	 * accepted writes it lost. Every write is at least 12 bytes. */
	uint32_t unit_end[PM_SINK_BUF_SIZE / 12 + 1];
	size_t nunits;

	uint64_t cur_size; /* bytes in the current file, buffered included */
	uint64_t cur_data; /* of which packet blocks (not SHB/IDB) */
	uint64_t prev_data; /* packet-block bytes in the .prev segment */
	uint64_t cur_blocks, prev_blocks; /* packet blocks in FILE and .prev */
	bool full;         /* single mode: limit reached */
	int err;           /* sticky I/O error: the output is broken, 0 if none */
	int fatal;         /* sticky refusal of new blocks; buffered data still goes out */
	struct pm_sink_stats st;
	char msg[512];
};

static int set_msg(struct pm_sink *s, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define UNIT_COUNTED 0x80000000u
enum unit_kind { UNIT_PIECE, UNIT_WHOLE, UNIT_PACKETS };

static int set_msg(struct pm_sink *s, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
	va_end(ap);
	return rc;
}

/* Records a sticky I/O error. */
static int fail(struct pm_sink *s, int rc, const char *what)
{
	if (rc == PM_SINK_ERR_PIPE)
		set_msg(s, rc, "%s: the reader closed the pipe", what);
	else
		set_msg(s, rc, "%s: %s", what, strerror(-rc));
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
static void lose_buffer(struct pm_sink *s, off_t base, uint64_t done)
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

static int out_flush(struct pm_sink *s)
{
	if (s->err)
		return s->err;
	if (s->wlen == 0)
		return 0;
	if (s->fd < 0)
		return fail(s, -EBADF, "write");
	off_t base = s->guard_pipe ? -1 : lseek(s->fd, 0, SEEK_CUR);
	uint64_t before = s->st.bytes_written;
	int rc = write_all(s->fd, s->wbuf, s->wlen, s->guard_pipe, &s->st.bytes_written);
	if (rc) {
		lose_buffer(s, base, s->st.bytes_written - before);
		return fail(s, rc, s->cur_path ? s->cur_path : "write");
	}
	s->wlen = 0;
	s->nunits = 0;
	return 0;
}

/* Buffered append to the current output; updates cur_size. `kind` says
 * whether the bytes end whole blocks (UNIT_PIECE: more of a block follows). */
static int out_write_kind(struct pm_sink *s, const void *p, size_t n, enum unit_kind kind)
{
	if (s->err)
		return s->err;
	if (n == 0)
		return 0;
	if (n > PM_SINK_BUF_SIZE - s->wlen) {
		int rc = out_flush(s);
		if (rc)
			return rc;
	}
	if (n >= PM_SINK_BUF_SIZE) {
		/* Large writes go straight through rather than via the buffer. */
		off_t base = s->guard_pipe ? -1 : lseek(s->fd, 0, SEEK_CUR);
		uint64_t before = s->st.bytes_written;
		int rc = write_all(s->fd, p, n, s->guard_pipe, &s->st.bytes_written);
		if (rc) {
			/* not accepted, so not counted as lost: the caller sees the error */
			if (kind != UNIT_PIECE && !s->guard_pipe && base >= 0 &&
			    s->st.bytes_written != before && ftruncate(s->fd, base) == 0)
				lseek(s->fd, base, SEEK_SET);
			return fail(s, rc, s->cur_path ? s->cur_path : "write");
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

static int out_write(struct pm_sink *s, const void *p, size_t n)
{
	return out_write_kind(s, p, n, UNIT_WHOLE);
}

/* --- block validation -------------------------------------------------------------------------- */

/* Counts the blocks in [p, p+n) after checking their framing. With `only`
 * non-zero every block must be of that type; with refuse_hdr no block may be an
 * SHB or IDB (those go through set_header/add_interface); EPBs and ISBs must use
 * an interface id below n_if. Returns the count or -1. */
static long check_blocks(const void *p, size_t n, uint32_t only, bool refuse_hdr, unsigned n_if)
{
	if (!p || n == 0)
		return -1;
	long cnt = pcapng_count_blocks(p, n);
	if (cnt <= 0)
		return -1;
	const uint8_t *q = p;
	for (size_t off = 0; off < n;) {
		uint32_t type = pm_get_le32(q + off);
		if (only && type != only)
			return -1;
		if (refuse_hdr && (type == PCAPNG_BT_SHB || type == PCAPNG_BT_IDB))
			return -1;
		/* An EPB or ISB must name an interface whose IDB was added. */
		if ((type == PCAPNG_BT_EPB || type == PCAPNG_BT_ISB) && pm_get_le32(q + off + 8) >= n_if)
			return -1;
		off += pm_get_le32(q + off + 4);
	}
	return cnt;
}

/* --- names --------------------------------------------------------------------------------------- */

int pm_sink_file_name(const char *path, unsigned n, char *out, size_t outlen)
{
	if (!path || !out || outlen == 0)
		return -1;
	int r;
	if (n == 0) {
		r = snprintf(out, outlen, "%s", path);
	} else {
		const char *slash = strrchr(path, '/');
		const char *base = slash ? slash + 1 : path;
		const char *dot = strrchr(base, '.');
		if (!dot || dot == base)
			dot = base + strlen(base); /* no extension */
		r = snprintf(out, outlen, "%.*s_%u%s", (int)(dot - path), path, n, dot);
	}
	return (r < 0 || (size_t)r >= outlen) ? -1 : 0;
}

/* DIR/.BASE<suffix> for FILE = DIR/BASE. */
static char *hidden_name(const char *path, const char *suffix)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	size_t len = strlen(path) + strlen(suffix) + 2;
	char *o = malloc(len);
	if (o)
		snprintf(o, len, "%.*s.%s%s", (int)dirlen, path, path + dirlen, suffix);
	return o;
}

/* --- opening ------------------------------------------------------------------------------------ */

static struct pm_sink *sink_new(void)
{
	struct pm_sink *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->wbuf = malloc(PM_SINK_BUF_SIZE);
	if (!s->wbuf) {
		free(s);
		return NULL;
	}
	s->fd = -1;
	s->reserve_base = PM_SINK_DEFAULT_RESERVE_BASE;
	s->reserve_per_if = PM_SINK_DEFAULT_RESERVE_PER_IF;
	pm_buf_init(&s->hdr);
	return s;
}

static void sink_free(struct pm_sink *s)
{
	pm_buf_free(&s->hdr);
	free(s->wbuf);
	free(s->path);
	free(s->cur_path);
	free(s->prev_path);
	free(s->join_path);
	free(s);
}

struct pm_sink *pm_sink_open_fd(int fd, bool close_on_free)
{
	if (fd < 0)
		return NULL;
	struct pm_sink *s = sink_new();
	if (!s)
		return NULL;
	struct stat sb;
	s->fd = fd;
	s->close_fd = close_on_free;
	/* Only pipes, fifos, sockets and ttys can raise SIGPIPE; skip the signal
	 * mask dance for regular files. When unsure, guard. */
	s->guard_pipe = !(fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode));
	s->mode = PM_LOG_SINGLE;
	return s;
}

static int open_out(const char *path)
{
	int fd;
	do
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, FILE_MODE);
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}

struct pm_sink *pm_sink_open_file(const char *path, uint64_t size_limit, enum pm_log_mode mode,
				  char *err, size_t errlen)
{
	char dummy[1];
	if (!err || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = 0;
	if (!path || !*path || path[strlen(path) - 1] == '/') {
		snprintf(err, errlen, "invalid output file name");
		return NULL;
	}
	if (mode != PM_LOG_SINGLE && mode != PM_LOG_CIRCULAR && mode != PM_LOG_MULTI_FILE) {
		snprintf(err, errlen, "invalid log mode %d", (int)mode);
		return NULL;
	}
	if (mode != PM_LOG_SINGLE && size_limit == 0) {
		snprintf(err, errlen, "%s mode needs a file size limit",
			 mode == PM_LOG_CIRCULAR ? "circular" : "multi-file");
		return NULL;
	}
	struct pm_sink *s = sink_new();
	if (!s)
		goto oom;
	s->is_file = true;
	s->close_fd = true;
	s->mode = size_limit ? mode : PM_LOG_SINGLE;
	s->cap = size_limit;
	s->path = strdup(path);
	s->cur_path = strdup(path);
	if (!s->path || !s->cur_path)
		goto oom;
	if (s->mode == PM_LOG_CIRCULAR) {
		s->prev_path = hidden_name(path, ".prev");
		s->join_path = hidden_name(path, ".join");
		if (!s->prev_path || !s->join_path)
			goto oom;
		/* Leftovers of an interrupted run would be joined into ours. */
		unlink(s->prev_path);
		unlink(s->join_path);
	}
	int fd = open_out(path);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(-fd));
		sink_free(s);
		return NULL;
	}
	s->fd = fd;
	s->st.files_opened = 1;
	return s;
oom:
	snprintf(err, errlen, "out of memory");
	if (s)
		sink_free(s);
	return NULL;
}

/* --- limits and rotation ----------------------------------------------------------------------- */

static uint64_t reserve(const struct pm_sink *s)
{
	uint64_t r = s->reserve_base;
	uint64_t per = s->reserve_per_if;
	/* Saturating: absurd reserves just mean "half the limit". */
	if (per && s->n_if > (UINT64_MAX - r) / per)
		r = UINT64_MAX;
	else
		r += per * s->n_if;
	return r > s->cap / 2 ? s->cap / 2 : r;
}

/* Most bytes a file may hold before the trailer. */
static uint64_t data_limit(const struct pm_sink *s)
{
	return s->cap - reserve(s);
}

/* Ends the current file and starts the next one with SHB + every IDB. */
static int rotate(struct pm_sink *s)
{
	int rc = out_flush(s);
	if (rc)
		return rc;
	if (close(s->fd) < 0 && errno != EINTR) {
		s->fd = -1;
		return fail(s, -errno, s->cur_path);
	}
	s->fd = -1;
	if (s->mode == PM_LOG_CIRCULAR) {
		if (rename(s->path, s->prev_path) < 0)
			return fail(s, -errno, s->prev_path);
		/* The older .prev was just replaced: its blocks are gone. */
		if (s->have_prev)
			s->st.blocks_dropped += s->prev_blocks;
		s->have_prev = true;
		s->prev_data = s->cur_data;
		s->prev_blocks = s->cur_blocks;
	} else {
		char name[PATH_MAX];
		if (s->file_index == UINT_MAX ||
		    pm_sink_file_name(s->path, s->file_index + 1, name, sizeof(name)) < 0)
			return fail(s, -ENAMETOOLONG, s->path);
		char *dup = strdup(name);
		if (!dup)
			return fail(s, -ENOMEM, "rotate");
		free(s->cur_path);
		s->cur_path = dup;
		s->file_index++;
	}
	int fd = open_out(s->cur_path);
	if (fd < 0)
		return fail(s, fd, s->cur_path);
	s->fd = fd;
	s->st.files_opened++;
	s->cur_size = 0;
	s->cur_data = 0;
	s->cur_blocks = 0;
	s->if_in_file = s->n_if;
	return out_write(s, s->hdr.data, s->hdr.len);
}

/* --- public writing API ------------------------------------------------------------------------ */

static int refused(const struct pm_sink *s)
{
	return s->err ? s->err : s->fatal;
}

int pm_sink_set_header(struct pm_sink *s, const void *shb, size_t len)
{
	if (!s)
		return -EINVAL;
	if (refused(s))
		return refused(s);
	if (s->hdr_set)
		return set_msg(s, -EINVAL, "the section header was already set");
	if (check_blocks(shb, len, PCAPNG_BT_SHB, false, 0) != 1)
		return set_msg(s, -EINVAL, "not a single Section Header Block");
	if (s->cap && len > data_limit(s))
		return set_msg(s, PM_SINK_ERR_TOO_BIG,
			       "section header of %zu bytes does not fit in the %llu-byte file size limit",
			       len, (unsigned long long)s->cap);
	pm_buf_append(&s->hdr, shb, len);
	if (s->hdr.oom) {
		pm_buf_reset(&s->hdr);
		return set_msg(s, -ENOMEM, "out of memory");
	}
	s->hdr_set = true;
	return out_write(s, shb, len);
}

void pm_sink_set_trailer_reserve(struct pm_sink *s, uint64_t base, uint64_t per_interface)
{
	if (!s)
		return;
	s->reserve_base = base;
	s->reserve_per_if = per_interface;
}

int pm_sink_add_interface(struct pm_sink *s, const void *idb, size_t len)
{
	if (!s)
		return -EINVAL;
	if (refused(s))
		return refused(s);
	if (!s->hdr_set)
		return set_msg(s, -EINVAL, "interface added before the section header");
	if (check_blocks(idb, len, PCAPNG_BT_IDB, false, 0) != 1)
		return set_msg(s, -EINVAL, "not a single Interface Description Block");
	/* Remembered first: interface ids are positions in this list, so it must
	 * match what the caller believes even if this file cannot take it. */
	pm_buf_append(&s->hdr, idb, len);
	if (s->hdr.oom)
		return fail(s, -ENOMEM, "remembering an interface");
	s->n_if++;
	if (s->cap) {
		uint64_t lim = data_limit(s);
		if (s->mode == PM_LOG_SINGLE) {
			if (s->full || s->cur_size + len > lim) {
				s->full = true;
				return set_msg(s, PM_SINK_ERR_FULL, "%s reached its size limit", s->cur_path);
			}
		} else {
			if (s->hdr.len > lim) {
				set_msg(s, PM_SINK_ERR_TOO_BIG,
					"the section header and %u interfaces (%zu bytes) no longer fit in the "
					"%llu-byte file size limit",
					s->n_if, s->hdr.len, (unsigned long long)s->cap);
				s->fatal = PM_SINK_ERR_TOO_BIG;
				return s->fatal;
			}
			if (s->cur_size + len > lim)
				return rotate(s); /* the new file starts with this IDB too */
		}
	}
	int rc = out_write(s, idb, len);
	if (!rc)
		s->if_in_file = s->n_if;
	return rc;
}

int pm_sink_write(struct pm_sink *s, const void *blocks, size_t len)
{
	if (!s)
		return -EINVAL;
	if (refused(s))
		return refused(s);
	if (!s->hdr_set)
		return set_msg(s, -EINVAL, "packet written before the section header");
	long nb = check_blocks(blocks, len, 0, true, s->n_if);
	if (nb < 0)
		return set_msg(s, -EINVAL,
			       "not a sequence of whole pcapng blocks, or an SHB/IDB, or an unknown interface");
	if (s->cap) {
		uint64_t lim = data_limit(s);
		if (s->full) {
			s->st.blocks_dropped += (uint64_t)nb;
			return PM_SINK_ERR_FULL;
		}
		if (s->cur_size + len > lim) {
			if (s->mode == PM_LOG_SINGLE) {
				s->full = true;
				s->st.blocks_dropped += (uint64_t)nb;
				return set_msg(s, PM_SINK_ERR_FULL, "%s reached its size limit", s->cur_path);
			}
			if (s->hdr.len + len > lim)
				return set_msg(s, PM_SINK_ERR_TOO_BIG,
					       "a block of %zu bytes cannot fit in the %llu-byte file size limit "
					       "(%zu bytes of headers, %llu reserved for the trailer)",
					       len, (unsigned long long)s->cap, s->hdr.len,
					       (unsigned long long)reserve(s));
			int rc = rotate(s);
			if (rc)
				return rc;
		}
	}
	int rc = out_write_kind(s, blocks, len, UNIT_PACKETS);
	if (rc)
		return rc;
	s->cur_data += len;
	s->cur_blocks += (uint64_t)nb;
	s->st.blocks_written += (uint64_t)nb;
	return 0;
}

int pm_sink_flush(struct pm_sink *s)
{
	if (!s)
		return -EINVAL;
	return out_flush(s);
}

bool pm_sink_reader_gone(struct pm_sink *s)
{
	if (!s || !s->guard_pipe || s->fd < 0)
		return false;
	if (s->err == PM_SINK_ERR_PIPE)
		return true;
	/* no events: only POLLERR (the fifo's readers are gone) and POLLHUP are reported */
	struct pollfd pfd = { .fd = s->fd, .events = 0 };
	if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & (POLLERR | POLLHUP)))
		return false;
	if (isatty(s->fd))
		return false; /* a hung-up terminal: the process gets SIGHUP anyway */
	lose_buffer(s, -1, 0);
	fail(s, PM_SINK_ERR_PIPE, "write");
	return true;
}

/* --- circular join ----------------------------------------------------------------------------- */

static int read_full(int fd, void *p, size_t n)
{
	uint8_t *q = p;
	while (n > 0) {
		ssize_t r = read(fd, q, n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EIO; /* unexpected end of file */
		q += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * Copies the packet blocks of segment `path` to the output, skipping its SHB
 * and IDBs (the output already starts with all of them) and dropping whole
 * oldest blocks while *drop bytes still have to go.
 */
static int copy_segment(struct pm_sink *s, const char *path, uint64_t *drop, uint8_t *chunk)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(s, -errno, path);
	int rc = 0;
	struct stat sb;
	if (fstat(fd, &sb) < 0) {
		rc = fail(s, -errno, path);
		goto out;
	}
	uint64_t off = 0, size = (uint64_t)sb.st_size;
	while (off < size) {
		uint8_t h[8];
		if (size - off < 12 || (rc = read_full(fd, h, 8)) != 0) {
			rc = fail(s, rc ? rc : -EIO, path);
			goto out;
		}
		uint32_t type = pm_get_le32(h), tl = pm_get_le32(h + 4);
		if (tl < 12 || tl % 4 || tl > size - off) {
			rc = fail(s, -EIO, path); /* we wrote it, so it is damaged */
			goto out;
		}
		off += tl;
		uint64_t body = tl - 8;
		bool keep = type != PCAPNG_BT_SHB && type != PCAPNG_BT_IDB;
		if (keep && *drop > 0) {
			*drop = *drop > tl ? *drop - tl : 0;
			s->st.blocks_dropped++;
			keep = false;
		}
		if (!keep) {
			if (lseek(fd, (off_t)off, SEEK_SET) < 0) {
				rc = fail(s, -errno, path);
				goto out;
			}
			continue;
		}
		if ((rc = out_write_kind(s, h, 8, UNIT_PIECE)) != 0)
			goto out;
		while (body > 0) {
			size_t n = body > PM_SINK_BUF_SIZE ? PM_SINK_BUF_SIZE : (size_t)body;
			if ((rc = read_full(fd, chunk, n)) != 0) {
				rc = fail(s, rc, path);
				goto out;
			}
			body -= n;
			if ((rc = out_write_kind(s, chunk, n, body ? UNIT_PIECE : UNIT_WHOLE)) != 0)
				goto out;
		}
	}
out:
	close(fd);
	return rc;
}

/* Joins .prev and FILE into FILE (see PM_LOG_CIRCULAR). FILE has been flushed. */
static int circ_join(struct pm_sink *s, const void *trailer, size_t tlen)
{
	if (s->hdr.len > s->cap || tlen > s->cap - s->hdr.len)
		return set_msg(s, PM_SINK_ERR_TOO_BIG, "the headers and trailer do not fit in the size limit");
	int rc = out_flush(s);
	if (rc)
		return rc;
	if (close(s->fd) < 0 && errno != EINTR) {
		s->fd = -1;
		return fail(s, -errno, s->path);
	}
	s->fd = -1;
	uint64_t budget = s->cap - s->hdr.len - tlen;
	uint64_t total = (s->have_prev ? s->prev_data : 0) + s->cur_data;
	uint64_t drop = total > budget ? total - budget : 0;
	uint8_t *chunk = malloc(PM_SINK_BUF_SIZE);
	if (!chunk)
		return fail(s, -ENOMEM, "joining the circular segments");
	int fd = open_out(s->join_path);
	if (fd < 0) {
		free(chunk);
		return fail(s, fd, s->join_path);
	}
	s->fd = fd;
	s->cur_size = 0;
	rc = out_write(s, s->hdr.data, s->hdr.len);
	if (!rc && s->have_prev)
		rc = copy_segment(s, s->prev_path, &drop, chunk);
	if (!rc)
		rc = copy_segment(s, s->path, &drop, chunk);
	free(chunk);
	if (!rc)
		rc = out_write(s, trailer, tlen);
	if (!rc)
		rc = out_flush(s);
	if (close(fd) < 0 && errno != EINTR && !rc)
		rc = fail(s, -errno, s->join_path);
	s->fd = -1;
	if (rc) {
		/* FILE and .prev are untouched and still valid; drop the half join. */
		s->wlen = 0;
		s->nunits = 0;
		unlink(s->join_path);
		return rc;
	}
	s->if_in_file = s->n_if;
	if (rename(s->join_path, s->path) < 0) {
		rc = fail(s, -errno, s->path);
		unlink(s->join_path);
		return rc;
	}
	if (s->have_prev)
		unlink(s->prev_path);
	s->have_prev = false;
	return 0;
}

/* --- closing ------------------------------------------------------------------------------------ */

/* Writes the trailer where it fits; see PM_SINK_DEFAULT_RESERVE_BASE. */
static int write_trailer(struct pm_sink *s, const void *t, size_t tlen)
{
	if (s->mode == PM_LOG_CIRCULAR && s->have_prev) {
		if (s->hdr.len + tlen > s->cap) {
			int rc = circ_join(s, NULL, 0);
			return rc ? rc : set_msg(s, PM_SINK_ERR_TOO_BIG, "the trailer (%zu bytes) cannot fit "
						 "in the file size limit; left out", tlen);
		}
		return circ_join(s, t, tlen);
	}
	if (!s->cap || s->cur_size + tlen <= s->cap)
		return out_write(s, t, tlen);
	if (s->mode == PM_LOG_SINGLE || s->hdr.len + tlen > s->cap)
		return set_msg(s, PM_SINK_ERR_TOO_BIG,
			       "the trailer (%zu bytes) does not fit in %s under the size limit; left out", tlen,
			       s->cur_path);
	if (s->mode == PM_LOG_CIRCULAR)
		return circ_join(s, t, tlen); /* drops old blocks of FILE itself */
	int rc = rotate(s);
	return rc ? rc : out_write(s, t, tlen);
}

/*
 * A single file that filled up may lack the IDBs of late interfaces; an ISB
 * naming one of them would make the file invalid, so such ISBs are left out.
 * Puts the filtered copy (possibly empty) in `out`.
 */
static int filter_trailer(const struct pm_sink *s, const uint8_t *t, size_t tlen, struct pm_buf *out)
{
	for (size_t off = 0; off < tlen;) {
		uint32_t type = pm_get_le32(t + off), bl = pm_get_le32(t + off + 4);
		if (type != PCAPNG_BT_ISB || pm_get_le32(t + off + 8) < s->if_in_file)
			pm_buf_append(out, t + off, bl);
		off += bl;
	}
	return out->oom ? -ENOMEM : 0;
}

int pm_sink_finish(struct pm_sink *s, const void *trailer, size_t len)
{
	if (!s)
		return -EINVAL;
	if (s->finished)
		return set_msg(s, -EINVAL, "the sink was already finished");
	s->finished = true;
	int rc = s->err;
	if (!rc && s->fatal) {
		/* No trailer, but still leave one valid FILE if we can. */
		rc = s->fatal;
		if (s->mode == PM_LOG_CIRCULAR && s->have_prev)
			circ_join(s, NULL, 0);
		len = 0;
	}
	if (!rc && !s->hdr_set) {
		rc = set_msg(s, -EINVAL, "closed before the section header was set");
		/* An empty file is not a pcapng file: do not leave one behind. */
		if (s->is_file && s->cur_size == 0)
			unlink(s->cur_path);
	}
	if (!rc && len && check_blocks(trailer, len, 0, true, s->n_if) < 0)
		rc = set_msg(s, -EINVAL, "the trailer is not a sequence of whole blocks of known interfaces");
	struct pm_buf filtered;
	pm_buf_init(&filtered);
	if (!rc && len && s->if_in_file < s->n_if) {
		rc = filter_trailer(s, trailer, len, &filtered);
		trailer = filtered.data;
		len = filtered.len;
	}
	if (!rc && len)
		rc = write_trailer(s, trailer, len);
	else if (!rc && s->mode == PM_LOG_CIRCULAR && s->have_prev)
		rc = circ_join(s, NULL, 0);
	pm_buf_free(&filtered);
	if (s->fd >= 0) {
		int frc = out_flush(s);
		if (!rc)
			rc = frc;
		if (s->close_fd && close(s->fd) < 0 && errno != EINTR && !rc)
			rc = -errno;
		s->fd = -1;
	}
	/* Later calls fail; the stats stay readable until pm_sink_free. */
	if (!s->fatal)
		s->fatal = -EINVAL;
	return rc;
}

void pm_sink_free(struct pm_sink *s)
{
	if (!s)
		return;
	if (!s->finished)
		pm_sink_finish(s, NULL, 0);
	sink_free(s);
}

int pm_sink_close(struct pm_sink *s, const void *trailer, size_t len)
{
	if (!s)
		return -EINVAL;
	int rc = pm_sink_finish(s, trailer, len);
	sink_free(s);
	return rc;
}

/* --- queries ------------------------------------------------------------------------------------ */

void pm_sink_get_stats(const struct pm_sink *s, struct pm_sink_stats *out)
{
	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	if (!s)
		return;
	*out = s->st;
	out->file_bytes = s->cur_size;
}

const char *pm_sink_last_error(const struct pm_sink *s)
{
	return s ? s->msg : "no sink";
}

const char *pm_sink_current_path(const struct pm_sink *s)
{
	return s ? s->cur_path : NULL;
}
