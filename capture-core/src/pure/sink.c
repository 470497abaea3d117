/* SPDX-License-Identifier: MIT */
/* sink.c - a pcapng sink (see sink.h): opening it, validating and accepting blocks, finishing
 * with the trailer. The fd writing is in sink_io.c, file names, rotation and the circular
 * join in sink_files.c. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sigtimedwait, O_CLOEXEC even under -std=c11 */
#endif
#include "sink.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcapng.h"
#include "sink_internal.h"

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

static void sink_free_closing(struct pm_sink *s)
{
	if (s->fd >= 0)
		close(s->fd);
	sink_free(s);
}

/* What the fd's kind asks of the writes; sb NULL when unknown (then guard). Only pipes,
 * fifos and sockets can raise SIGPIPE: files and devices (/dev/null) skip the signal
 * mask's three system calls a write. */
static void set_fd_kind(struct pm_sink *s, const struct stat *sb)
{
	s->guard_pipe = !(sb && S_ISREG(sb->st_mode));
	s->may_sigpipe = !sb || S_ISFIFO(sb->st_mode) || S_ISSOCK(sb->st_mode);
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
	set_fd_kind(s, fstat(fd, &sb) == 0 ? &sb : NULL);
	s->mode = PM_LOG_SINGLE;
	return s;
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
	struct stat pre;
	bool existed = lstat(path, &pre) == 0;
	int fd = pm_sink_open_out(path);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(-fd));
		sink_free(s);
		return NULL;
	}
	s->fd = fd;
	s->st.files_opened = 1;
	struct stat sb;
	if (fstat(fd, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		/* A device or a named pipe (/dev/null, a fifo) is written as a stream: it has no
		 * size to keep, and rotating would rename it and put a regular file in its place. */
		s->is_file = false;
		s->mode = PM_LOG_SINGLE;
		s->cap = 0;
		set_fd_kind(s, &sb);
	} else if (s->mode != PM_LOG_SINGLE) {
		int rc = pm_sink_prepare_rotation(s, err, errlen);
		if (rc) {
			/* refused before anything was written: leave no new empty file behind */
			if (!existed)
				unlink(path);
			sink_free_closing(s);
			return NULL;
		}
	}
	return s;
oom:
	snprintf(err, errlen, "out of memory");
	if (s)
		sink_free(s);
	return NULL;
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
		return pm_sink_set_msg(s, -EINVAL, "the section header was already set");
	if (check_blocks(shb, len, PCAPNG_BT_SHB, false, 0) != 1)
		return pm_sink_set_msg(s, -EINVAL, "not a single Section Header Block");
	if (s->cap && len > pm_sink_data_limit(s))
		return pm_sink_set_msg(s, PM_SINK_ERR_TOO_BIG,
				       "section header of %zu bytes does not fit in the %llu-byte file size limit", len,
				       (unsigned long long)s->cap);
	pm_buf_append(&s->hdr, shb, len);
	if (s->hdr.oom) {
		pm_buf_reset(&s->hdr);
		return pm_sink_set_msg(s, -ENOMEM, "out of memory");
	}
	s->hdr_set = true;
	return pm_sink_out_write(s, shb, len);
}

void pm_sink_set_trailer_reserve(struct pm_sink *s, uint64_t base, uint64_t per_interface)
{
	if (!s)
		return;
	s->reserve_base = base;
	s->reserve_per_if = per_interface;
}

/* 0 when s takes blocks after its section header, else the error to return (said once). */
static int ready_for(struct pm_sink *s, const char *what)
{
	if (!s)
		return -EINVAL;
	if (refused(s))
		return refused(s);
	if (!s->hdr_set)
		return pm_sink_set_msg(s, -EINVAL, what);
	return 0;
}

int pm_sink_add_interface(struct pm_sink *s, const void *idb, size_t len)
{
	int ready = ready_for(s, "interface added before the section header");
	if (ready)
		return ready;
	if (check_blocks(idb, len, PCAPNG_BT_IDB, false, 0) != 1)
		return pm_sink_set_msg(s, -EINVAL, "not a single Interface Description Block");
	/* Remembered first: interface ids are positions in this list, so it must
	 * match what the caller believes even if this file cannot take it. */
	pm_buf_append(&s->hdr, idb, len);
	if (s->hdr.oom)
		return pm_sink_fail(s, -ENOMEM, "remembering an interface");
	s->n_if++;
	if (s->cap) {
		uint64_t lim = pm_sink_data_limit(s);
		if (s->mode == PM_LOG_SINGLE) {
			if (s->full || s->cur_size + len > lim) {
				s->full = true;
				return pm_sink_set_msg(s, PM_SINK_ERR_FULL, "%s reached its size limit", s->cur_path);
			}
		} else {
			if (s->hdr.len > lim) {
				pm_sink_set_msg(s, PM_SINK_ERR_TOO_BIG,
						"the section header and %u interfaces (%zu bytes) no longer fit in the "
						"%llu-byte file size limit",
						s->n_if, s->hdr.len, (unsigned long long)s->cap);
				s->fatal = PM_SINK_ERR_TOO_BIG;
				return s->fatal;
			}
			if (s->cur_size + len > lim)
				return pm_sink_rotate(s); /* the new file starts with this IDB too */
		}
	}
	int rc = pm_sink_out_write(s, idb, len);
	if (!rc)
		s->if_in_file = s->n_if;
	return rc;
}

/* Whether nb packet blocks of len bytes may be written now (size limit, rotation): 0, or why not. */
static int admit_packets(struct pm_sink *s, size_t len, long nb)
{
	if (s->cap) {
		uint64_t lim = pm_sink_data_limit(s);
		if (s->full) {
			s->st.blocks_dropped += (uint64_t)nb;
			return PM_SINK_ERR_FULL;
		}
		if (s->cur_size + len > lim) {
			if (s->mode == PM_LOG_SINGLE) {
				s->full = true;
				s->st.blocks_dropped += (uint64_t)nb;
				return pm_sink_set_msg(s, PM_SINK_ERR_FULL, "%s reached its size limit", s->cur_path);
			}
			if (s->hdr.len + len > lim)
				return pm_sink_set_msg(
					s, PM_SINK_ERR_TOO_BIG,
					"a block of %zu bytes cannot fit in the %llu-byte file size limit "
					"(%zu bytes of headers, %llu reserved for the trailer)",
					len, (unsigned long long)s->cap, s->hdr.len,
					(unsigned long long)pm_sink_reserve(s));
			int rc = pm_sink_rotate(s);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static void count_packets(struct pm_sink *s, size_t len, long nb)
{
	s->cur_data += len;
	s->cur_blocks += (uint64_t)nb;
	s->st.blocks_written += (uint64_t)nb;
}

int pm_sink_write(struct pm_sink *s, const void *blocks, size_t len)
{
	int ready = ready_for(s, "packet written before the section header");
	if (ready)
		return ready;
	long nb = check_blocks(blocks, len, 0, true, s->n_if);
	if (nb < 0)
		return pm_sink_set_msg(s, -EINVAL,
				       "not a sequence of whole pcapng blocks, or an SHB/IDB, or an unknown interface");
	int rc = admit_packets(s, len, nb);
	if (!rc)
		rc = pm_sink_out_write_kind(s, blocks, len, UNIT_PACKETS);
	if (rc)
		return rc;
	count_packets(s, len, nb);
	return 0;
}

uint8_t *pm_sink_packet_room(struct pm_sink *s, size_t len, int *rc)
{
	*rc = 0;
	if (!s || len < 12 || len % 4 || len >= PM_SINK_BUF_SIZE)
		return NULL; /* not a block the buffer takes: pm_sink_write says what is wrong */
	if (refused(s) || !s->hdr_set)
		return NULL;
	*rc = admit_packets(s, len, 1);
	if (!*rc && len > PM_SINK_BUF_SIZE - s->wlen)
		*rc = pm_sink_out_flush(s);
	return *rc ? NULL : s->wbuf + s->wlen;
}

int pm_sink_commit_packet(struct pm_sink *s, size_t len)
{
	/* the block was encoded into the buffer by the caller: checked as pm_sink_write checks its
	 * blocks, without the walk (one block, its length known) */
	static const char bad[] = "not a whole pcapng packet block, or an unknown interface";
	if (!s || len < 12 || len > PM_SINK_BUF_SIZE - s->wlen)
		return s ? pm_sink_set_msg(s, -EINVAL, "%s", bad) : -EINVAL; /* not the room it was given */
	const uint8_t *b = s->wbuf + s->wlen;
	uint32_t type = pm_get_le32(b);
	if (pm_get_le32(b + 4) != len || pm_get_le32(b + len - 4) != len || type == PCAPNG_BT_SHB ||
	    type == PCAPNG_BT_IDB || ((type == PCAPNG_BT_EPB || type == PCAPNG_BT_ISB) && pm_get_le32(b + 8) >= s->n_if))
		return pm_sink_set_msg(s, -EINVAL, "%s", bad);
	s->wlen += len;
	if (s->nunits < sizeof(s->unit_end) / sizeof(s->unit_end[0]))
		s->unit_end[s->nunits++] = (uint32_t)s->wlen | UNIT_COUNTED;
	s->cur_size += len;
	count_packets(s, len, 1);
	return 0;
}

int pm_sink_flush(struct pm_sink *s)
{
	if (!s)
		return -EINVAL;
	return pm_sink_out_flush(s);
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
	pm_sink_lose_buffer(s, -1, 0);
	pm_sink_fail(s, PM_SINK_ERR_PIPE, "write");
	return true;
}

/* --- closing ------------------------------------------------------------------------------------ */

/* Writes the trailer where it fits; see PM_SINK_DEFAULT_RESERVE_BASE. */
static int write_trailer(struct pm_sink *s, const void *t, size_t tlen)
{
	if (s->mode == PM_LOG_CIRCULAR && s->have_prev) {
		if (s->hdr.len + tlen > s->cap) {
			int rc = pm_sink_circ_join(s, NULL, 0);
			return rc ? rc
				  : pm_sink_set_msg(s, PM_SINK_ERR_TOO_BIG,
						    "the trailer (%zu bytes) cannot fit "
						    "in the file size limit; left out",
						    tlen);
		}
		return pm_sink_circ_join(s, t, tlen);
	}
	if (!s->cap || s->cur_size + tlen <= s->cap)
		return pm_sink_out_write(s, t, tlen);
	if (s->mode == PM_LOG_SINGLE || s->hdr.len + tlen > s->cap)
		return pm_sink_set_msg(s, PM_SINK_ERR_TOO_BIG,
				       "the trailer (%zu bytes) does not fit in %s under the size limit; left out",
				       tlen, s->cur_path);
	if (s->mode == PM_LOG_CIRCULAR)
		return pm_sink_circ_join(s, t, tlen); /* drops old blocks of FILE itself */
	int rc = pm_sink_rotate(s);
	return rc ? rc : pm_sink_out_write(s, t, tlen);
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
		return pm_sink_set_msg(s, -EINVAL, "the sink was already finished");
	s->finished = true;
	int rc = s->err;
	if (!rc && s->fatal) {
		/* No trailer, but still leave one valid FILE if we can. */
		rc = s->fatal;
		if (s->mode == PM_LOG_CIRCULAR && s->have_prev)
			pm_sink_circ_join(s, NULL, 0);
		len = 0;
	}
	if (!rc && !s->hdr_set) {
		rc = pm_sink_set_msg(s, -EINVAL, "closed before the section header was set");
		/* An empty file is not a pcapng file: do not leave one behind. */
		if (s->is_file && s->cur_size == 0)
			unlink(s->cur_path);
	}
	if (!rc && len && check_blocks(trailer, len, 0, true, s->n_if) < 0)
		rc = pm_sink_set_msg(s, -EINVAL, "the trailer is not a sequence of whole blocks of known interfaces");
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
		rc = pm_sink_circ_join(s, NULL, 0);
	pm_buf_free(&filtered);
	if (s->fd >= 0) {
		int frc = pm_sink_out_flush(s);
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
