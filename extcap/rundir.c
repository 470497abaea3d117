/* SPDX-License-Identifier: MIT */
/* rundir.c - the run directory and the stored filters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rundir.h"

const char *rundir(int create, char *err, size_t errlen)
{
	static char dir[256];
	const char *env = getenv("PKTMON_RUN_DIR");
	if (env && *env)
		snprintf(dir, sizeof(dir), "%s", env);
	else if (geteuid() == 0)
		snprintf(dir, sizeof(dir), "/run/pktmon");
	else if (getenv("XDG_RUNTIME_DIR") && *getenv("XDG_RUNTIME_DIR"))
		snprintf(dir, sizeof(dir), "%s/pktmon", getenv("XDG_RUNTIME_DIR"));
	else
		snprintf(dir, sizeof(dir), "/tmp/pktmon-%u", (unsigned)geteuid());
	if (create && mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return NULL;
	}
	return dir;
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
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : (snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno)), -1);
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
	FILE *f = fopen(tmp, "w");
	if (!f) {
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
