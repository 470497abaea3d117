/* SPDX-License-Identifier: MIT */
/* Naming a namespace after its container: cgroup paths of each runtime and driver, the
 * runtimes' state files, and what must not be taken for a container. */
#include <string.h>

#include "check.h"
#include "container_name.h"

#define ID "3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708"

static void label_of(const char *cgroup, const char *name, const char *want)
{
	struct pm_container c;
	char buf[64] = "";
	if (!pm_container_from_cgroup(cgroup, &c)) {
		CHECK(!want);
		return;
	}
	CHECK(want != NULL);
	pm_container_label(&c, name, buf, sizeof(buf));
	if (want && strcmp(buf, want)) {
		fprintf(stderr, "label of [%s]: [%s], want [%s]\n", cgroup, buf, want);
		CHECK(0);
	}
}

int main(void)
{
	/* docker: systemd and cgroupfs drivers, v2 and v1 files */
	label_of("0::/system.slice/docker-" ID ".scope\n", NULL, "docker:3f2a1b4c5d6e");
	label_of("0::/docker/" ID "\n", "web", "docker:web");
	label_of("12:pids:/docker/" ID "\n11:cpu,cpuacct:/docker/" ID "\n0::/\n", NULL, "docker:3f2a1b4c5d6e");
	/* podman (rootful and rootless), containerd, CRI-O */
	label_of("0::/machine.slice/libpod-" ID ".scope/container\n", "db", "podman:db");
	label_of("0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope\n", NULL,
		 "podman:3f2a1b4c5d6e");
	label_of("0::/system.slice/containerd.service/kubepods-besteffort-pod0a1b2c3d_4e5f_6071_8293_a4b5c6d7e8f9.slice:"
		 "cri-containerd:" ID "\n", NULL, "containerd:pod-0a1b2c3d:3f2a1b4c5d6e");
	label_of("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0a1b2c3d_4e5f_6071_8293_a4b5c6d7e8f9"
		 ".slice/cri-containerd-" ID ".scope\n", NULL, "containerd:pod-0a1b2c3d:3f2a1b4c5d6e");
	label_of("0::/kubepods.slice/kubepods-pod0a1b2c3d_4e5f_6071_8293_a4b5c6d7e8f9.slice/crio-" ID ".scope\n", NULL,
		 "crio:pod-0a1b2c3d:3f2a1b4c5d6e");
	label_of("0::/kubepods/burstable/pod0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9/" ID "\n", NULL,
		 "k8s:pod-0a1b2c3d:3f2a1b4c5d6e");
	/* not containers: a user session, a service, conmon, a short or an upper-case id, nothing */
	label_of("0::/user.slice/user-0.slice/session-3.scope\n", NULL, NULL);
	label_of("0::/system.slice/ssh.service\n", NULL, NULL);
	label_of("0::/machine.slice/libpod-conmon-" ID ".scope\n", NULL, NULL);
	label_of("0::/machine.slice/crio-conmon-" ID ".scope\n", NULL, NULL);
	label_of("0::/docker/3f2a1b4c5d6e\n", NULL, NULL);
	label_of("0::/docker/3F2A1B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708\n", NULL, NULL);
	label_of("0::/docker/" ID "0\n", NULL, NULL); /* 65 digits: not an id */
	label_of("", NULL, NULL);
	label_of("garbage without colons\n", NULL, NULL);

	/* docker's config.v2.json: "Name" with its slash; bad names refused */
	char name[41];
	CHECK(pm_docker_config_name("{\"ID\":\"" ID "\",\"Name\":\"/web-1\",\"Driver\":\"overlay2\"}", name, sizeof(name)));
	CHECK(!strcmp(name, "web-1"));
	CHECK(pm_docker_config_name("{\"Name\" : \"/db\"}", name, sizeof(name)) && !strcmp(name, "db"));
	CHECK(!pm_docker_config_name("{\"Name\":\"/we b\"}", name, sizeof(name)));
	CHECK(!pm_docker_config_name("{\"Name\":\"/x\\\"y\"}", name, sizeof(name)));
	CHECK(!pm_docker_config_name("{\"Name\":\"/unterminated", name, sizeof(name)));
	CHECK(!pm_docker_config_name("{\"Image\":\"x\"}", name, sizeof(name)));
	CHECK(!pm_docker_config_name(NULL, name, sizeof(name)));
	char small[4];
	CHECK(!pm_docker_config_name("{\"Name\":\"/longer\"}", small, sizeof(small)));

	/* podman's containers.json: the names of the record with that id, not the next one's */
	const char *podman = "[{\"id\":\"" ID "\",\"names\":[\"db\"],\"image\":\"i\"},"
			     "{\"id\":\"aaaa\",\"names\":[\"other\"]}]";
	CHECK(pm_podman_containers_name(podman, ID, name, sizeof(name)) && !strcmp(name, "db"));
	const char *no_names = "[{\"id\":\"" ID "\",\"image\":\"i\"},{\"id\":\"aaaa\",\"names\":[\"other\"]}]";
	CHECK(!pm_podman_containers_name(no_names, ID, name, sizeof(name)));
	CHECK(!pm_podman_containers_name(podman, "3f2a", name, sizeof(name)));

	/* a namespace without a container: its first process */
	char buf[64];
	pm_process_label("sleep\n", 1234, buf, sizeof(buf));
	CHECK(!strcmp(buf, "sleep:1234"));
	pm_process_label("a b[c]", 7, buf, sizeof(buf));
	CHECK(!strcmp(buf, "a_b_c_:7"));
	pm_process_label("", 9, buf, sizeof(buf));
	CHECK(!strcmp(buf, "pid:9"));
	return check_summary();
}
