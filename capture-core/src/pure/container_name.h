/* SPDX-License-Identifier: MIT */
/* container_name.h - name a namespace after the container (or process) that runs in it. */
#ifndef PKTMON_CONTAINER_NAME_H
#define PKTMON_CONTAINER_NAME_H

#include <stdbool.h>
#include <stddef.h>

#define PM_CONTAINER_NAME_MAX 40

struct pm_container {
	char runtime[12]; /* docker, podman, containerd, crio, k8s (a kubepods cgroup of another runtime) */
	char id[65];      /* 64 hex digits */
	char pod[37];     /* Kubernetes pod uid, "" outside a pod */
};

/* From the text of /proc/PID/cgroup: true when a runtime's container cgroup is found. */
bool pm_container_from_cgroup(const char *text, struct pm_container *c);
/* "Name" of docker's containers/ID/config.v2.json ("/web" gives "web"). */
bool pm_docker_config_name(const char *json, char *name, size_t len);
/* The first of "names" of the record with this id in podman's containers.json. */
bool pm_podman_containers_name(const char *json, const char *id, char *name, size_t len);
/* "docker:web", "crio:3f2a1b4c5d6e", "k8s:pod-1a2b3c4d:3f2a1b4c5d6e". */
void pm_container_label(const struct pm_container *c, const char *name, char *buf, size_t len);
/* A namespace without a container: its first process, "sleep:1234". */
void pm_process_label(const char *comm, int pid, char *buf, size_t len);

#endif
