/* SPDX-License-Identifier: MIT */
/* sink_files.c - the files of a pcapng sink: their names, the size limit and rotation to the
 * next file, and the join of the two circular segments at the end. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sigtimedwait, O_CLOEXEC even under -std=c11 */
#endif

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcapng.h"
#include "sink_internal.h"

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
char *pm_sink_hidden_name(const char *path, const char *suffix)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	size_t len = strlen(path) + strlen(suffix) + 2;
	char *o = malloc(len);
	if (o)
		snprintf(o, len, "%.*s.%s%s", (int)dirlen, path, path + dirlen, suffix);
	return o;
}

/* The longest name a file in the directory of `path` may have (NAME_MAX where unknown). */
static long name_max_beside(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	long m = pathconf(dir, _PC_NAME_MAX);
	return m > 0 ? m : NAME_MAX;
}

static size_t base_len(const char *path)
{
	const char *slash = strrchr(path, '/');
	return strlen(slash ? slash + 1 : path);
}

/*
 * Once FILE is open (a regular file): makes sure the names a circular or multi-file
 * capture rotates to can be made, so that a capture refused for its name is refused at
 * its start, not at its first rotation. Circular: resolves a symbolic link (rename()
 * would move the link, not its file), removes a previous run's leftovers and proves the
 * older segment's name by creating it. 0, or -errno with a message in err.
 */
int pm_sink_prepare_rotation(struct pm_sink *s, char *err, size_t errlen)
{
	if (s->mode == PM_LOG_MULTI_FILE) {
		char longest[PATH_MAX];
		if (pm_sink_file_name(s->path, UINT_MAX, longest, sizeof(longest)) < 0 ||
		    (long)base_len(longest) > name_max_beside(s->path)) {
			snprintf(err, errlen, "the name is too long for multi-file mode (its files add _N, up to 11 "
				 "characters, before the extension): %s", s->path);
			return -ENAMETOOLONG;
		}
		return 0;
	}
	struct stat lsb;
	char *real = lstat(s->path, &lsb) == 0 && S_ISLNK(lsb.st_mode) ? realpath(s->path, NULL) : NULL;
	char *real_too = real ? strdup(real) : NULL;
	if (real_too) {
		free(s->path);
		free(s->cur_path);
		s->path = real;
		s->cur_path = real_too;
	} else {
		free(real);
	}
	s->prev_path = pm_sink_hidden_name(s->path, ".prev");
	s->join_path = pm_sink_hidden_name(s->path, ".join");
	if (!s->prev_path || !s->join_path) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* Leftovers of an interrupted run would be joined into ours. */
	unlink(s->prev_path);
	unlink(s->join_path);
	int fd = open(s->prev_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "circular mode cannot create its older segment (%s; --log-mode single "
			 "needs no second file): %s", strerror(e), s->prev_path);
		return -e;
	}
	close(fd);
	unlink(s->prev_path);
	return 0;
}

/* --- limits and rotation ----------------------------------------------------------------------- */

uint64_t pm_sink_reserve(const struct pm_sink *s)
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
uint64_t pm_sink_data_limit(const struct pm_sink *s)
{
	return s->cap - pm_sink_reserve(s);
}

/* The last reference to a replaced circular segment goes away in a short-lived
 * thread of its own: freeing a segment's pages takes 10-20 ms for 256 MB on tmpfs,
 * and the caller is the thread that drains the ring buffer. */
static void *close_fd(void *arg)
{
	close((int)(intptr_t)arg);
	return NULL;
}

static void close_in_background(int fd)
{
	pthread_attr_t attr;
	pthread_t t;
	if (pthread_attr_init(&attr) == 0) {
		int rc = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (rc == 0)
			rc = pthread_create(&t, &attr, close_fd, (void *)(intptr_t)fd);
		pthread_attr_destroy(&attr);
		if (rc == 0)
			return;
	}
	close(fd); /* no thread: the caller frees it, as rename() would have */
}

/* Ends the current file and starts the next one with SHB + every IDB. */
int pm_sink_rotate(struct pm_sink *s)
{
	int rc = pm_sink_out_flush(s);
	if (rc)
		return rc;
	if (close(s->fd) < 0 && errno != EINTR) {
		s->fd = -1;
		return pm_sink_fail(s, -errno, s->cur_path);
	}
	s->fd = -1;
	if (s->mode == PM_LOG_CIRCULAR) {
		/* held open, the older .prev is only unlinked by the rename: freed below */
		int older = s->have_prev ? open(s->prev_path, O_RDONLY | O_CLOEXEC) : -1;
		if (rename(s->path, s->prev_path) < 0) {
			int err = errno;
			if (older >= 0)
				close(older);
			return pm_sink_fail(s, -err, s->prev_path);
		}
		if (older >= 0)
			close_in_background(older);
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
			return pm_sink_fail(s, -ENAMETOOLONG, s->path);
		char *dup = strdup(name);
		if (!dup)
			return pm_sink_fail(s, -ENOMEM, "rotate");
		free(s->cur_path);
		s->cur_path = dup;
		s->file_index++;
	}
	int fd = pm_sink_open_out(s->cur_path);
	if (fd < 0)
		return pm_sink_fail(s, fd, s->cur_path);
	s->fd = fd;
	s->st.files_opened++;
	s->cur_size = 0;
	s->cur_data = 0;
	s->cur_blocks = 0;
	s->if_in_file = s->n_if;
	return pm_sink_out_write(s, s->hdr.data, s->hdr.len);
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
		return pm_sink_fail(s, -errno, path);
	int rc = 0;
	struct stat sb;
	if (fstat(fd, &sb) < 0) {
		rc = pm_sink_fail(s, -errno, path);
		goto out;
	}
	uint64_t off = 0, size = (uint64_t)sb.st_size;
	while (off < size) {
		uint8_t h[8];
		if (size - off < 12 || (rc = read_full(fd, h, 8)) != 0) {
			rc = pm_sink_fail(s, rc ? rc : -EIO, path);
			goto out;
		}
		uint32_t type = pm_get_le32(h), tl = pm_get_le32(h + 4);
		if (tl < 12 || tl % 4 || tl > size - off) {
			rc = pm_sink_fail(s, -EIO, path); /* we wrote it, so it is damaged */
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
				rc = pm_sink_fail(s, -errno, path);
				goto out;
			}
			continue;
		}
		if ((rc = pm_sink_out_write_kind(s, h, 8, UNIT_PIECE)) != 0)
			goto out;
		while (body > 0) {
			size_t n = body > PM_SINK_BUF_SIZE ? PM_SINK_BUF_SIZE : (size_t)body;
			if ((rc = read_full(fd, chunk, n)) != 0) {
				rc = pm_sink_fail(s, rc, path);
				goto out;
			}
			body -= n;
			if ((rc = pm_sink_out_write_kind(s, chunk, n, body ? UNIT_PIECE : UNIT_WHOLE)) != 0)
				goto out;
		}
	}
out:
	close(fd);
	return rc;
}

/* Joins .prev and FILE into FILE (see PM_LOG_CIRCULAR). FILE has been flushed. */
int pm_sink_circ_join(struct pm_sink *s, const void *trailer, size_t tlen)
{
	if (s->hdr.len > s->cap || tlen > s->cap - s->hdr.len)
		return pm_sink_set_msg(s, PM_SINK_ERR_TOO_BIG, "the headers and trailer do not fit in the size limit");
	int rc = pm_sink_out_flush(s);
	if (rc)
		return rc;
	if (close(s->fd) < 0 && errno != EINTR) {
		s->fd = -1;
		return pm_sink_fail(s, -errno, s->path);
	}
	s->fd = -1;
	uint64_t budget = s->cap - s->hdr.len - tlen;
	uint64_t total = (s->have_prev ? s->prev_data : 0) + s->cur_data;
	uint64_t drop = total > budget ? total - budget : 0;
	uint8_t *chunk = malloc(PM_SINK_BUF_SIZE);
	if (!chunk)
		return pm_sink_fail(s, -ENOMEM, "joining the circular segments");
	int fd = pm_sink_open_out(s->join_path);
	if (fd < 0) {
		free(chunk);
		return pm_sink_fail(s, fd, s->join_path);
	}
	s->fd = fd;
	s->cur_size = 0;
	rc = pm_sink_out_write(s, s->hdr.data, s->hdr.len);
	if (!rc && s->have_prev)
		rc = copy_segment(s, s->prev_path, &drop, chunk);
	if (!rc)
		rc = copy_segment(s, s->path, &drop, chunk);
	free(chunk);
	if (!rc)
		rc = pm_sink_out_write(s, trailer, tlen);
	if (!rc)
		rc = pm_sink_out_flush(s);
	if (close(fd) < 0 && errno != EINTR && !rc)
		rc = pm_sink_fail(s, -errno, s->join_path);
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
		rc = pm_sink_fail(s, -errno, s->path);
		unlink(s->join_path);
		return rc;
	}
	if (s->have_prev)
		unlink(s->prev_path);
	s->have_prev = false;
	return 0;
}

