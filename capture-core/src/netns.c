/* SPDX-License-Identifier: MIT */
/* netns.c - enumerate network namespaces through /run/netns and /proc. */
#define _GNU_SOURCE /* setns */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "container_name.h"
#include "netns.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif
#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif
/* Newer kernels give the initial namespaces fixed inode numbers; dynamic ones
 * start at 0xF0000000, so this one can only be the initial network namespace. */
#define PROC_NET_INIT_INO 0xEFFFFFF9u

static uint32_t inode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (uint32_t)st.st_ino : 0;
}

/* A namespace file, not the empty file `ip netns add` bind-mounts it on. */
static bool is_nsfs(const char *path)
{
	struct statfs sf;
	return statfs(path, &sf) == 0 && (unsigned long)sf.f_type == NSFS_MAGIC;
}

uint32_t pm_netns_self(void)
{
	return inode_of("/proc/self/ns/net");
}

/* kthreadd (PID 2, parent 0) lives in the initial namespaces; PID 1 may be a
 * container's init, and either may be unreadable without CAP_SYS_PTRACE. */
static uint32_t kthreadd_netns(void)
{
	FILE *f = fopen("/proc/2/stat", "r");
	if (!f)
		return 0;
	char line[256] = "";
	char *ok = fgets(line, sizeof(line), f);
	fclose(f);
	const char *end = ok ? strrchr(line, ')') : NULL;
	int ppid = -1;
	char state;
	if (!end || !strstr(line, "(kthreadd)") || sscanf(end + 1, " %c %d", &state, &ppid) != 2 || ppid != 0)
		return 0;
	return inode_of("/proc/2/ns/net");
}

uint32_t pm_netns_host(void)
{
	static uint32_t host;
	if (host)
		return host;
	uint32_t h = kthreadd_netns();
	if (!h && pm_netns_self() == PROC_NET_INIT_INO)
		h = PROC_NET_INIT_INO;
	if (!h)
		h = inode_of("/proc/1/ns/net");
	host = h;
	return h;
}

int pm_netns_cookie(const char *path, uint64_t *cookie)
{
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0)
		return -errno;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc = 0;
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		rc = -errno;
		goto out;
	}
	int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t len = sizeof(*cookie);
	if (sock < 0 || getsockopt(sock, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len) < 0)
		rc = -errno;
	if (sock >= 0)
		close(sock);
	if (setns(home, CLONE_NEWNET) < 0 && !rc)
		rc = -errno;
out:
	if (fd >= 0)
		close(fd);
	close(home);
	return rc;
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
	struct pm_netns *e = &(*list)[*n];
	e->inum = inum;
	snprintf(e->path, sizeof(e->path), "%s", path);
	if (pm_netns_cookie(path, &e->cookie) < 0)
		e->cookie = 0;
	(*n)++;
	return 0;
}

const char *pm_netns_path_name(const struct pm_netns *ns)
{
	static const char dir[] = "/run/netns/";
	return strncmp(ns->path, dir, sizeof(dir) - 1) ? NULL : ns->path + sizeof(dir) - 1;
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
			if (!is_nsfs(path))
				continue; /* not mounted yet: the next scan will see it */
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

/* The start of a small file, NUL-terminated; false if unreadable or empty. */
static bool read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	size_t got = 0;
	ssize_t r;
	while (got + 1 < len && (r = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)r;
	close(fd);
	buf[got] = 0;
	return got > 0;
}

/* The runtime's own name for a container, from its state files (readable by root only). */
static void runtime_name(const struct pm_container *c, char *name, size_t len)
{
	static char json[1 << 16];
	char path[160];
	name[0] = 0;
	if (!strcmp(c->runtime, "docker")) {
		snprintf(path, sizeof(path), "/var/lib/docker/containers/%s/config.v2.json", c->id);
		if (read_small(path, json, sizeof(json)))
			pm_docker_config_name(json, name, len);
	} else if (!strcmp(c->runtime, "podman")) {
		if (read_small("/var/lib/containers/storage/overlay-containers/containers.json", json, sizeof(json)))
			pm_podman_containers_name(json, c->id, name, len);
	}
}

/* A namespace without an `ip netns` name is named after what runs in it: the container of its
 * first process (by cgroup), else that process ("sleep:1234"). Only as reliable as /proc. */
static bool name_from_processes(uint32_t inum, uint32_t cookie, char *buf, size_t len)
{
	DIR *d = opendir("/proc");
	if (!d)
		return false;
	long first = 0;
	char path[64];
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]) || strlen(e->d_name) > 20)
			continue;
		long pid = strtol(e->d_name, NULL, 10);
		if (first && pid >= first)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
		if (inode_of(path) != inum)
			continue;
		uint64_t c;
		if (cookie && pm_netns_cookie(path, &c) == 0 && (uint32_t)c != cookie)
			continue; /* a reused inode: another namespace */
		first = pid;
	}
	closedir(d);
	if (!first)
		return false;
	char text[4096], name[PM_CONTAINER_NAME_MAX + 1];
	struct pm_container ctr;
	snprintf(path, sizeof(path), "/proc/%ld/cgroup", first);
	if (read_small(path, text, sizeof(text)) && pm_container_from_cgroup(text, &ctr)) {
		runtime_name(&ctr, name, sizeof(name));
		pm_container_label(&ctr, name, buf, len);
		return true;
	}
	snprintf(path, sizeof(path), "/proc/%ld/comm", first);
	if (!read_small(path, text, sizeof(text)))
		text[0] = 0;
	pm_process_label(text, (int)first, buf, len);
	return true;
}

void pm_netns_name(uint32_t inum, uint32_t cookie, char *buf, size_t len)
{
	if (inum && (inum == PROC_NET_INIT_INO || inum == pm_netns_host())) {
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
			if (inode_of(path) != inum || !is_nsfs(path))
				continue;
			uint64_t c;
			/* the same inode may name a deleted namespace: the cookie decides */
			if (cookie && pm_netns_cookie(path, &c) == 0 && (uint32_t)c != cookie)
				continue;
			snprintf(buf, len, "%s", e->d_name);
			closedir(d);
			return;
		}
		closedir(d);
	}
	if (!name_from_processes(inum, cookie, buf, len))
		snprintf(buf, len, "%u", inum);
}

uint32_t pm_netns_find_by_label(const char *label)
{
	struct pm_netns *list;
	size_t n;
	uint32_t found = 0;
	if (pm_netns_scan(&list, &n) < 0)
		return 0;
	char name[64];
	for (size_t i = 0; i < n && !found; i++) {
		if (pm_netns_path_name(&list[i]))
			continue; /* an `ip netns` name: not a label */
		if (name_from_processes(list[i].inum, (uint32_t)list[i].cookie, name, sizeof(name)) &&
		    !strcmp(name, label))
			found = list[i].inum;
	}
	free(list);
	return found;
}
