/* SPDX-License-Identifier: MIT */
/* cmd_list.c - `pktmon list`: the components that exist now, grouped as Windows groups them: each
 * namespace's interfaces (with their components) and its stack layers, with the ids `--comp` takes
 * and a capture writes (docs/FORMAT.md, "Component ids"). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "comp_id.h"
#include "comp_inventory.h"
#include "pktmon/pktmon.h"

/* An interface's components, in the order a packet meets them. */
static const enum pktmon_layer if_layers[] = { PKTMON_LAYER_DEV_RX, PKTMON_LAYER_QDISC_ENQ, PKTMON_LAYER_QDISC_DEQ,
					       PKTMON_LAYER_DEV_TX, PKTMON_LAYER_STACK };
/* A namespace's stack layers: per family for netfilter, then socket and drops without a device. */
static const enum pktmon_layer nf_layers[] = { PKTMON_LAYER_NF_PREROUTING, PKTMON_LAYER_NF_INPUT,
					       PKTMON_LAYER_NF_FORWARD, PKTMON_LAYER_NF_OUTPUT,
					       PKTMON_LAYER_NF_POSTROUTING, PKTMON_LAYER_NETFILTER };
#define N(a) (sizeof(a) / sizeof((a)[0]))

struct list_opts {
	bool json, all, hidden;
	const struct pktmon_data_source *src;
	size_t nsrc;
};

static const struct pktmon_data_source *source(const struct list_opts *o, enum pktmon_layer l)
{
	for (size_t i = 0; i < o->nsrc; i++)
		if (o->src[i].layer == l)
			return &o->src[i];
	return NULL;
}

/* Hidden: layers this kernel does not offer, and the netfilter catch-all for drops at a hook
 * nobody observes (it has no observations of its own). */
static bool layer_shown(const struct list_opts *o, enum pktmon_layer l)
{
	const struct pktmon_data_source *d = source(o, l);
	if (o->hidden)
		return true;
	return d && d->available && l != PKTMON_LAYER_NETFILTER;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

struct stack_row {
	uint32_t id;
	enum pktmon_layer layer;
	uint8_t family;
};

static size_t stack_rows(const struct list_opts *o, uint32_t netns, struct stack_row *r)
{
	size_t n = 0;
	for (int f = 0; f < 2; f++)
		for (size_t i = 0; i < N(nf_layers); i++)
			if (layer_shown(o, nf_layers[i])) {
				uint8_t fam = f ? PKTMON_NF_IPV6 : PKTMON_NF_IPV4;
				r[n++] = (struct stack_row){ pm_comp_stack_id(netns, nf_layers[i], fam), nf_layers[i],
							     fam };
			}
	enum pktmon_layer other[] = { PKTMON_LAYER_SOCK_RX,   PKTMON_LAYER_STACK,       PKTMON_LAYER_ICMP_SEND,
				      PKTMON_LAYER_TCP_RESET, PKTMON_LAYER_TCP_RETRANS, PKTMON_LAYER_RCVQ_FULL };
	for (size_t i = 0; i < N(other); i++)
		if (layer_shown(o, other[i]))
			r[n++] = (struct stack_row){ pm_comp_stack_id(netns, other[i], 0), other[i], 0 };
	return n;
}

static void print_text(const struct list_opts *o, const struct pm_inventory *inv)
{
	size_t unreadable = 0;
	for (size_t i = 0; i < inv->nns; i++) {
		const struct pm_inv_netns *ns = &inv->ns[i];
		printf("%sNamespace %s (netns inode %u)\n", i ? "\n" : "", ns->name, ns->inum);
		if (!ns->readable) {
			printf("  interfaces not readable: %s\n", ns->why_not);
			unreadable++;
		} else {
			printf("  Network interfaces:\n");
			printf("    %-10s %-16s %-7s %-17s %-9s %-5s %s\n", "Id", "Name", "Ifindex", "MAC Address",
			       "Kind", "State", "Components (id layer)");
			for (size_t j = 0; j < ns->nifaces; j++) {
				const struct pm_inv_iface *f = &ns->ifaces[j];
				if (!f->up && !o->all)
					continue;
				printf("    %-10u %-16s %-7u %-17s %-9s %-5s", f->id, f->name, f->ifindex,
				       f->mac[0] ? f->mac : "-", f->kind, f->up ? "up" : "down");
				for (size_t k = 0; k < N(if_layers); k++)
					if (layer_shown(o, if_layers[k]))
						printf(" %u %s", f->id + if_layers[k], pktmon_layer_name(if_layers[k]));
				putchar('\n');
			}
		}
		struct stack_row rows[2 * N(nf_layers) + 6];
		size_t nr = stack_rows(o, ns->inum, rows);
		printf("  Stack layers:\n");
		printf("    %-10s %-15s %-6s %-15s %s\n", "Id", "Layer", "Family", "Mechanism", "Observed by");
		for (size_t j = 0; j < nr; j++) {
			const struct pktmon_data_source *d = source(o, rows[j].layer);
			printf("    %-10u %-15s %-6s %-15s %s%s%s\n", rows[j].id, pktmon_layer_name(rows[j].layer),
			       rows[j].family == PKTMON_NF_IPV6 ? "ipv6" : rows[j].family ? "ipv4" : "-",
			       d ? d->mechanism : "-", d ? d->description : "",
			       d && d->why_not ? ": " : "", d && d->why_not ? d->why_not : "");
		}
	}
	if (unreadable)
		printf("\n%zu namespace(s) could not be read: their ids are not listed (run as root to see them).\n",
		       unreadable);
	if (!o->all)
		printf("\nInterfaces that are down are not shown: -a shows them.%s\n",
		       o->hidden ? "" : " Layers this kernel lacks: -i.");
}

static void print_json(const struct list_opts *o, const struct pm_inventory *inv)
{
	printf("{\"namespaces\":[");
	for (size_t i = 0; i < inv->nns; i++) {
		const struct pm_inv_netns *ns = &inv->ns[i];
		printf("%s{\"name\":", i ? "," : "");
		json_str(ns->name);
		printf(",\"inode\":%u,\"readable\":%s", ns->inum, ns->readable ? "true" : "false");
		if (!ns->readable) {
			printf(",\"error\":");
			json_str(ns->why_not);
		}
		printf(",\"interfaces\":[");
		bool first = true;
		for (size_t j = 0; j < ns->nifaces; j++) {
			const struct pm_inv_iface *f = &ns->ifaces[j];
			if (!f->up && !o->all)
				continue;
			printf("%s{\"id\":%u,\"name\":", first ? "" : ",", f->id);
			first = false;
			json_str(f->name);
			printf(",\"ifindex\":%u,\"mac\":\"%s\",\"kind\":", f->ifindex, f->mac);
			json_str(f->kind);
			printf(",\"up\":%s,\"master\":%u,\"components\":[", f->up ? "true" : "false", f->master);
			bool fc = true;
			for (size_t k = 0; k < N(if_layers); k++)
				if (layer_shown(o, if_layers[k])) {
					printf("%s{\"id\":%u,\"layer\":\"%s\"}", fc ? "" : ",", f->id + if_layers[k],
					       pktmon_layer_name(if_layers[k]));
					fc = false;
				}
			printf("]}");
		}
		printf("],\"layers\":[");
		struct stack_row rows[2 * N(nf_layers) + 6];
		size_t nr = stack_rows(o, ns->inum, rows);
		for (size_t j = 0; j < nr; j++) {
			const struct pktmon_data_source *d = source(o, rows[j].layer);
			printf("%s{\"id\":%u,\"layer\":\"%s\",\"family\":\"%s\",\"available\":%s,\"mechanism\":\"%s\"}",
			       j ? "," : "", rows[j].id, pktmon_layer_name(rows[j].layer),
			       rows[j].family == PKTMON_NF_IPV6 ? "ipv6" : rows[j].family ? "ipv4" : "",
			       d && d->available ? "true" : "false", d ? d->mechanism : "");
		}
		printf("]}");
	}
	/* the observation points of this kernel, as before components were listed */
	printf("],\"sources\":[");
	for (size_t i = 0; i < o->nsrc; i++) {
		const struct pktmon_data_source *s = &o->src[i];
		printf("%s{\"layer\":%d,\"name\":\"%s\",\"available\":%s,\"mechanism\":\"%s\",\"description\":",
		       i ? "," : "", (int)s->layer, s->name, s->available ? "true" : "false", s->mechanism);
		json_str(s->description);
		printf("}");
	}
	printf("]}\n");
}

int cmd_list(int argc, char **argv)
{
	struct list_opts o = { 0 };
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			o.json = true;
		} else if (!strcmp(argv[i], "-a") || !strcmp(argv[i], "--all")) {
			o.all = true;
		} else if (!strcmp(argv[i], "-i") || !strcmp(argv[i], "--include-hidden")) {
			o.hidden = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") || !strcmp(argv[i], "help")) {
			puts("Usage: pktmon list [-a|--all] [-i|--include-hidden] [--json]\n\n"
			     "Lists the components that exist now, per network namespace: each network interface\n"
			     "(its id, name, ifindex, MAC address, kind) with its components (rx, qdisc, tx, and\n"
			     "stack: drops at that device), and the stack layers (netfilter hooks per family,\n"
			     "socket, drops without a device).\n"
			     "`pktmon start --comp ID,...` takes these ids (an interface id captures all its\n"
			     "components); captures write the same ids. Namespaces other than yours need root.\n\n"
			     "  -a, --all              also interfaces that are down\n"
			     "  -i, --include-hidden   also layers this kernel lacks and the netfilter catch-all\n"
			     "      --json             machine-readable");
			return 0;
		} else {
			return cli_fail(EXIT_USAGE, "list: unknown option '%s' (see `pktmon list --help`)", argv[i]);
		}
	}
	char err[PKTMON_ERRLEN] = "";
	pktmon_handle *h;
	if (pktmon_initialize(&h, err, sizeof(err)) < 0)
		return cli_fail(1, "%s", err);
	pktmon_enum_data_sources(h, &o.src, &o.nsrc);
	struct pm_inventory inv;
	int rc = pm_inventory_scan(&inv);
	if (rc < 0) {
		pm_inventory_free(&inv);
		pktmon_uninitialize(h);
		return cli_fail(1, "list: cannot read the interfaces of this namespace: %s", strerror(-rc));
	}
	if (o.json)
		print_json(&o, &inv);
	else
		print_text(&o, &inv);
	size_t unreadable = 0;
	for (size_t i = 0; i < inv.nns; i++)
		unreadable += !inv.ns[i].readable;
	if (unreadable && o.json)
		fprintf(stderr, "pktmon: list: %zu namespace(s) could not be read (run as root to see them)\n",
			unreadable);
	pm_inventory_free(&inv);
	pktmon_uninitialize(h);
	return 0;
}
