/* SPDX-License-Identifier: MIT */
/* netns.c - enumerate network namespaces through /run/netns and /proc. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "netns.h"

static uint32_t inode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (uint32_t)st.st_ino : 0;
}

uint32_t pm_netns_self(void)
{
	return inode_of("/proc/self/ns/net");
}

static int add_unique(struct pm_netns **list, size_t *n, size_t *cap, uint32_t inum, const char *path)
{
	if (!inum)
		return 0;
	for (size_t i = 0; i < *n; i++)
		if ((*list)[i].inum == inum)
			return 0;
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct pm_netns *l = realloc(*list, c * sizeof(*l));
		if (!l)
			return -1;
		*list = l;
		*cap = c;
	}
	(*list)[*n].inum = inum;
	snprintf((*list)[*n].path, sizeof((*list)[*n].path), "%s", path);
	(*n)++;
	return 0;
}

int pm_netns_scan(struct pm_netns **list, size_t *n)
{
	size_t cap = 0;
	char path[64];
	*list = NULL;
	*n = 0;

	/* our own first: without CAP_SYS_PTRACE (an unprivileged user with file
	 * capabilities) other processes' /proc/PID/ns/net cannot be opened */
	if (add_unique(list, n, &cap, inode_of("/proc/self/ns/net"), "/proc/self/ns/net") < 0)
		return -1;
	DIR *d = opendir("/run/netns");
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.' || strlen(e->d_name) > 40)
				continue;
			/* the precision repeats the length check above, for gcc -Os */
			snprintf(path, sizeof(path), "/run/netns/%.40s", e->d_name);
			if (add_unique(list, n, &cap, inode_of(path), path) < 0)
				goto oom;
		}
		closedir(d);
	}
	d = opendir("/proc");
	if (!d)
		return *n ? 0 : -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]) || strlen(e->d_name) > 20)
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/ns/net", e->d_name);
		if (add_unique(list, n, &cap, inode_of(path), path) < 0)
			goto oom;
	}
	closedir(d);
	return 0;
oom:
	closedir(d);
	free(*list);
	*list = NULL;
	*n = 0;
	return -1;
}

void pm_netns_name(uint32_t inum, char *buf, size_t len)
{
	if (inum && inum == inode_of("/proc/1/ns/net")) {
		snprintf(buf, len, "host");
		return;
	}
	DIR *d = opendir("/run/netns");
	if (d) {
		struct dirent *e;
		char path[300];
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/run/netns/%s", e->d_name);
			if (inode_of(path) == inum) {
				snprintf(buf, len, "%s", e->d_name);
				closedir(d);
				return;
			}
		}
		closedir(d);
	}
	snprintf(buf, len, "%u", inum);
}
