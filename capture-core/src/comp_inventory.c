/* SPDX-License-Identifier: MIT */
/* comp_inventory.c - list the interfaces of every network namespace with rtnetlink. */
#define _GNU_SOURCE /* setns */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "comp_id.h"
#include "comp_inventory.h"
#include "netns.h"
#include "pktmon/pktmon_format.h"

static void kind_default(struct pm_inv_iface *f, unsigned short type, unsigned flags)
{
	if (f->kind[0])
		return;
	if (flags & IFF_LOOPBACK)
		snprintf(f->kind, sizeof(f->kind), "loopback");
	else if (type == ARPHRD_ETHER)
		snprintf(f->kind, sizeof(f->kind), "physical");
	else
		snprintf(f->kind, sizeof(f->kind), "other");
}

static void parse_link(struct nlmsghdr *h, uint32_t netns, struct pm_inv_iface *f)
{
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	memset(f, 0, sizeof(*f));
	f->ifindex = (uint32_t)ifi->ifi_index;
	f->up = ifi->ifi_flags & IFF_UP;
	f->id = pm_comp_interface_id(netns, f->ifindex);
	int len = (int)IFLA_PAYLOAD(h);
	for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		switch (a->rta_type) {
		case IFLA_IFNAME:
			snprintf(f->name, sizeof(f->name), "%.*s", (int)RTA_PAYLOAD(a), (char *)RTA_DATA(a));
			break;
		case IFLA_MASTER:
			if (RTA_PAYLOAD(a) >= 4)
				memcpy(&f->master, RTA_DATA(a), 4);
			break;
		case IFLA_ADDRESS: {
			const unsigned char *m = RTA_DATA(a);
			if (RTA_PAYLOAD(a) == 6)
				snprintf(f->mac, sizeof(f->mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
					 m[3], m[4], m[5]);
			break;
		}
		case IFLA_LINKINFO: {
			int l2 = (int)RTA_PAYLOAD(a);
			for (struct rtattr *b = RTA_DATA(a); RTA_OK(b, l2); b = RTA_NEXT(b, l2))
				if (b->rta_type == IFLA_INFO_KIND)
					snprintf(f->kind, sizeof(f->kind), "%.*s", (int)RTA_PAYLOAD(b),
						 (char *)RTA_DATA(b));
			break;
		}
		}
	}
	kind_default(f, ifi->ifi_type, ifi->ifi_flags);
}

/* The links of the caller's current namespace. */
static int dump_links(uint32_t netns, struct pm_inv_iface **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req = { .h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		  .i = { .ifi_family = AF_UNSPEC } };
	if (send(fd, &req, sizeof(req), 0) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	static char buf[32768] __attribute__((aligned(4)));
	size_t cap = 0;
	int rc = 0;
	for (bool done = false; !done;) {
		ssize_t got = recv(fd, buf, sizeof(buf), 0);
		if (got < 0) {
			rc = -errno;
			break;
		}
		if (got == 0)
			break;
		size_t len = (size_t)got;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				rc = -EPROTO;
				done = true;
				break;
			}
			if (h->nlmsg_type != RTM_NEWLINK)
				continue;
			if (*n == cap) {
				cap = cap ? cap * 2 : 16;
				struct pm_inv_iface *l = realloc(*out, cap * sizeof(*l));
				if (!l) {
					rc = -ENOMEM;
					done = true;
					break;
				}
				*out = l;
			}
			parse_link(h, netns, &(*out)[(*n)++]);
		}
	}
	close(fd);
	return rc;
}

/* Enter the namespace at `path` from this thread, read its links, come back. */
static int links_of(const char *path, uint32_t netns, struct pm_inv_iface **out, size_t *n, bool own)
{
	if (own)
		return dump_links(netns, out, n);
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0)
		return -errno;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		rc = -errno;
	} else {
		rc = dump_links(netns, out, n);
		if (setns(home, CLONE_NEWNET) < 0)
			rc = -errno; /* cannot happen with the right to leave; never stay elsewhere silently */
	}
	if (fd >= 0)
		close(fd);
	close(home);
	return rc;
}

int pm_inventory_scan(struct pm_inventory *inv)
{
	memset(inv, 0, sizeof(*inv));
	struct pm_netns *list;
	size_t n;
	if (pm_netns_scan(&list, &n) < 0)
		return -ENOMEM;
	inv->ns = calloc(n ? n : 1, sizeof(*inv->ns));
	if (!inv->ns) {
		free(list);
		return -ENOMEM;
	}
	uint32_t self = pm_netns_self();
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct pm_inv_netns *ns = &inv->ns[inv->nns++];
		ns->inum = list[i].inum;
		pm_netns_name(list[i].inum, (uint32_t)list[i].cookie, ns->name, sizeof(ns->name));
		int e = links_of(list[i].path, ns->inum, &ns->ifaces, &ns->nifaces, ns->inum == self);
		ns->readable = e == 0;
		if (e < 0)
			snprintf(ns->why_not, sizeof(ns->why_not), "%s%s", strerror(-e),
				 e == -EPERM ? " (entering a namespace needs CAP_SYS_ADMIN: run as root)" : "");
		if (e < 0 && ns->inum == self)
			rc = e;
	}
	free(list);
	return rc;
}

void pm_inventory_free(struct pm_inventory *inv)
{
	for (size_t i = 0; i < inv->nns; i++)
		free(inv->ns[i].ifaces);
	free(inv->ns);
	memset(inv, 0, sizeof(*inv));
}

bool pm_inventory_has_id(const struct pm_inventory *inv, uint32_t id)
{
	uint32_t sub = id % PM_COMP_ID_IF_MULT;
	for (size_t i = 0; i < inv->nns; i++) {
		const struct pm_inv_netns *ns = &inv->ns[i];
		if (!ns->readable)
			continue;
		for (size_t j = 0; j < ns->nifaces; j++)
			if (ns->ifaces[j].id == id - sub)
				return pm_comp_id_layers(id) != 0;
		/* a stack layer: the id of this namespace with that layer and family */
		if (id - sub == pm_comp_stack_id(ns->inum, 0, 0))
			return pm_comp_id_layers(id) != 0;
	}
	return false;
}
