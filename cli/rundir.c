/* SPDX-License-Identifier: MIT */
/* rundir.c - the run directory and the stored filters. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rundir.h"

/* Whether `dir` may hold our session: a real directory (not a symlink) owned by us that
 * nobody else can write to. Anything else may be another local user's trap: a planted
 * `session.log` symlink, `filters` file or `session.sock`. */
static int rundir_trusted(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(dir, &st) < 0) {
		snprintf(err, errlen, "cannot use the run folder %s: %s", dir, strerror(errno));
		return -1;
	}
	const char *why = !S_ISDIR(st.st_mode)           ? "it is not a directory (a symlink?)"
			  : st.st_uid != geteuid()        ? "it belongs to another user"
			  : (st.st_mode & (S_IWGRP | S_IWOTH)) ? "others may write to it"
							  : NULL;
	if (why) {
		errno = EACCES;
		snprintf(err, errlen, "refusing the run folder %s: %s; remove it or set PKTMON_RUN_DIR", dir, why);
		return -1;
	}
	return 0;
}

const char *rundir(int create, char *err, size_t errlen)
{
	static char dir[256];
	const char *env = getenv("PKTMON_RUN_DIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (env && *env)
		snprintf(dir, sizeof(dir), "%s", env);
	else if (xdg && *xdg)
		snprintf(dir, sizeof(dir), "%s/pktmon", xdg);
	else if (geteuid() == 0)
		snprintf(dir, sizeof(dir), "/run/pktmon");
	else
		snprintf(dir, sizeof(dir), "/tmp/pktmon-%u", (unsigned)geteuid());
	if (create && mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return NULL;
	}
	/* a folder not there yet (create == 0) holds nothing: callers see ENOENT */
	struct stat st;
	if (!create && lstat(dir, &st) < 0 && errno == ENOENT)
		return dir;
	return rundir_trusted(dir, err, errlen) < 0 ? NULL : dir;
}

int rundir_path(const char *name, char *buf, size_t len, int create, char *err, size_t errlen)
{
	const char *d = rundir(create, err, errlen);
	if (!d)
		return -1;
	if ((size_t)snprintf(buf, len, "%s/%s", d, name) >= len) {
		snprintf(err, errlen, "path too long: %s/%s", d, name);
		return -1;
	}
	return 0;
}

int rundir_filters_load(struct pm_filter *out, size_t *n, char *err, size_t errlen)
{
	char path[300];
	*n = 0;
	if (rundir_path("filters", path, sizeof(path), 0, err, errlen) < 0)
		return -1;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return errno == ENOENT ? 0 : (snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno)), -1);
	}
	char line[PM_FILTER_LINE_MAX + 8];
	int lineno = 0, rc = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\n")] = 0;
		if (!*line)
			continue;
		char e[200];
		if (*n == PKTMON_MAX_FILTERS || pm_filter_parse_line(line, &out[*n], e, sizeof(e)) < 0) {
			snprintf(err, errlen, "%s:%d: %s (remove the filters with `pktmon filter remove`)", path, lineno,
				 *n == PKTMON_MAX_FILTERS ? "too many filters" : e);
			rc = -1;
			break;
		}
		(*n)++;
	}
	fclose(f);
	return rc;
}

int rundir_filters_save(const struct pm_filter *fl, size_t n, char *err, size_t errlen)
{
	char path[300], tmp[320];
	if (rundir_path("filters", path, sizeof(path), 1, err, errlen) < 0)
		return -1;
	if (n == 0) {
		if (unlink(path) < 0 && errno != ENOENT) {
			snprintf(err, errlen, "cannot remove %s: %s", path, strerror(errno));
			return -1;
		}
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char line[PM_FILTER_LINE_MAX];
		pm_filter_format(&fl[i], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
