/* SPDX-License-Identifier: MIT */
/* container_name.c - name a network namespace after the container that runs in it, from what
 * the kernel and the runtimes leave on disk: no runtime daemon is asked. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "container_name.h"

#define ID_LEN 64 /* docker, podman, containerd and CRI-O ids: 64 hex digits */

static size_t hex_run(const char *s)
{
	size_t n = 0;
	while (isxdigit((unsigned char)s[n]) && !isupper((unsigned char)s[n]))
		n++;
	return n;
}

static bool ends_with(const char *start, const char *at, const char *suffix)
{
	size_t n = strlen(suffix);
	return (size_t)(at - start) >= n && !memcmp(at - n, suffix, n);
}

/* A pod uid after "pod": 36 characters, '-' (cgroupfs driver) or '_' (systemd driver). */
static bool pod_uid(const char *path, char *uid, size_t len)
{
	for (const char *p = strstr(path, "pod"); p; p = strstr(p + 1, "pod")) {
		const char *u = p + 3;
		size_t i = 0;
		char buf[37];
		for (; i < 36 && u[i]; i++) {
			char ch = u[i];
			bool dash = i == 8 || i == 13 || i == 18 || i == 23;
			if (dash ? (ch != '-' && ch != '_') : !(isxdigit((unsigned char)ch) && !isupper((unsigned char)ch)))
				break;
			buf[i] = dash ? '-' : ch;
		}
		if (i == 36) {
			buf[36] = 0;
			snprintf(uid, len, "%s", buf);
			return true;
		}
	}
	return false;
}

/* One cgroup path: the last 64-hex-digit run is the container; what precedes it, the runtime. */
static bool from_path(const char *path, struct pm_container *c)
{
	const char *id = NULL;
	for (const char *p = path; *p; p++) {
		size_t n = hex_run(p);
		if (n == ID_LEN && (p == path || !isxdigit((unsigned char)p[-1])))
			id = p;
		if (n)
			p += n - 1;
	}
	if (!id)
		return false;
	const char *rt = NULL;
	if (ends_with(path, id, "docker-") || ends_with(path, id, "/docker/"))
		rt = "docker";
	else if (ends_with(path, id, "libpod-") || ends_with(path, id, "/libpod/"))
		rt = "podman";
	else if (ends_with(path, id, "cri-containerd-") || ends_with(path, id, "cri-containerd:") ||
		 ends_with(path, id, "/containerd/"))
		rt = "containerd";
	else if (ends_with(path, id, "crio-") && !ends_with(path, id, "conmon-"))
		rt = "crio";
	else if (strstr(path, "kubepods"))
		rt = "k8s";
	else
		return false;
	snprintf(c->runtime, sizeof(c->runtime), "%s", rt);
	memcpy(c->id, id, ID_LEN);
	c->id[ID_LEN] = 0;
	if (!pod_uid(path, c->pod, sizeof(c->pod)))
		c->pod[0] = 0;
	return true;
}

bool pm_container_from_cgroup(const char *text, struct pm_container *c)
{
	memset(c, 0, sizeof(*c));
	char line[1024];
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = 0;
			/* "hierarchy:controllers:path": the path may itself hold ':' */
			char *colon = strchr(line, ':');
			char *path = colon ? strchr(colon + 1, ':') : NULL;
			if (path && from_path(path + 1, c))
				return true;
		}
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

static bool valid_name(const char *s, size_t n)
{
	if (!n || n > PM_CONTAINER_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

/* The string value after `"key":` (spaces allowed), into out; false if absent or not a name. */
static bool json_name_after(const char *at, const char *key, char *out, size_t len)
{
	const char *k = strstr(at, key);
	if (!k)
		return false;
	const char *v = k + strlen(key);
	while (*v == ' ' || *v == ':' || *v == '[')
		v++;
	if (*v++ != '"')
		return false;
	if (*v == '/')
		v++; /* docker keeps names as "/web" */
	const char *end = strchr(v, '"');
	if (!end || !valid_name(v, (size_t)(end - v)) || (size_t)(end - v) >= len)
		return false;
	memcpy(out, v, (size_t)(end - v));
	out[end - v] = 0;
	return true;
}

bool pm_docker_config_name(const char *json, char *name, size_t len)
{
	return json && json_name_after(json, "\"Name\"", name, len);
}

bool pm_podman_containers_name(const char *json, const char *id, char *name, size_t len)
{
	if (!json || strlen(id) != ID_LEN)
		return false;
	char key[ID_LEN + 3];
	snprintf(key, sizeof(key), "\"%s\"", id);
	const char *at = strstr(json, key);
	if (!at)
		return false;
	/* the "names" of this record, not of the next one */
	const char *next = strstr(at + 1, "\"id\"");
	const char *names = strstr(at, "\"names\"");
	return names && (!next || names < next) && json_name_after(names, "\"names\"", name, len);
}

void pm_container_label(const struct pm_container *c, const char *name, char *buf, size_t len)
{
	if (name && *name)
		snprintf(buf, len, "%s:%s", c->runtime, name);
	else if (c->pod[0])
		snprintf(buf, len, "%s:pod-%.8s:%.12s", c->runtime, c->pod, c->id);
	else
		snprintf(buf, len, "%s:%.12s", c->runtime, c->id);
}

void pm_process_label(const char *comm, int pid, char *buf, size_t len)
{
	char clean[17];
	size_t n = 0;
	for (const char *p = comm ? comm : ""; *p && *p != '\n' && n < sizeof(clean) - 1; p++)
		clean[n++] = isgraph((unsigned char)*p) && *p != '[' && *p != ']' ? *p : '_';
	clean[n] = 0;
	snprintf(buf, len, "%s:%d", n ? clean : "pid", pid);
}
