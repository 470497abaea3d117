/* SPDX-License-Identifier: MIT */
/*
 * extcap.c - the Wireshark extcap protocol: interface discovery, the config
 * dialog, capture-filter validation; the capture itself is handed to the
 * caller's capture function with what Wireshark asked for.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "comp_inventory.h"
#include "extcap.h"
#include "fail.h"
#include "toolbar.h"
#include "pktmon/pktmon.h"

#define IFACE "pktmon"

bool extcap_requested(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], "--extcap-", 9) || !strcmp(argv[i], "--capture"))
			return true;
	return false;
}

void extcap_release_reader(const char *fifo, int max_wait_ms)
{
	if (!fifo)
		return;
	pid_t parent = getppid();
	const struct timespec tick = { 0, 20 * 1000 * 1000 };
	for (int waited = 0;; waited += 20) {
		struct stat st;
		if (lstat(fifo, &st) < 0 || !S_ISFIFO(st.st_mode))
			return; /* gone (Wireshark cleaned up) or not a fifo: nothing to open */
		int fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			close(fd); /* the reader's end of file */
			return;
		}
		if (errno != ENXIO || waited >= max_wait_ms || getppid() != parent)
			return; /* ENXIO: no reader yet */
		nanosleep(&tick, NULL);
	}
}

static void print_interfaces(void)
{
	printf("extcap {version=%s}{help=https://www.wireshark.org/docs/man-pages/extcap.html}\n",
	       PKTMON_VERSION_STRING);
	printf("interface {value=" IFACE "}{display=Packet Monitor: where packets go and why they drop}\n");
	toolbar_print_controls();
}

static void print_dlts(void)
{
	printf("dlt {number=1}{name=EN10MB}{display=Ethernet, one interface per pktmon component}\n");
}

/* The Components choice offers what `--comp` takes: the layers (checked: what a capture without
 * --comp watches), nics, and the interfaces `pktmon list` shows with their ids. */
static void print_components(int n)
{
	char err[PKTMON_ERRLEN];
	pktmon_handle *h = NULL;
	const struct pktmon_data_source *src = NULL;
	size_t nsrc = 0;
	if (pktmon_initialize(&h, err, sizeof(err)) == 0)
		pktmon_enum_data_sources(h, &src, &nsrc);
	char defaults[512] = "";
	size_t used = 0;
	for (int l = PKTMON_LAYER_DEV_RX; l < PKTMON_LAYER_MAX; l++) {
		if (l == PKTMON_LAYER_STACK || l == PKTMON_LAYER_NETFILTER)
			continue; /* drops are always captured; the why points are layers like the others */
		bool available = !src; /* without the kernel's description, offer every layer */
		for (size_t i = 0; i < nsrc; i++)
			if ((int)src[i].layer == l)
				available = src[i].available;
		if (available)
			used += (size_t)snprintf(defaults + used, sizeof(defaults) - used, "%s%s", used ? "," : "",
						 pktmon_layer_name((enum pktmon_layer)l));
	}
	/* save=false: Wireshark (4.0 to 4.6) registers a saved multicheck with an empty preference,
	 * which then unchecks every box; unsaved, the dialog checks the values marked default=true.
	 * Wireshark ignores an arg-level default for a multicheck: it is there for other readers. */
	printf("arg {number=%d}{call=--comp}{display=Components}{type=multicheck}{save=false}{default=%s}"
	       "{tooltip=Checked layers are watched in every network namespace (all of them: what pktmon "
	       "captures by default; drops are always captured). An interface (its id from `pktmon list`) "
	       "adds only its own rx, qdisc, tx and drops: uncheck the layers to capture just the checked "
	       "interfaces}{group=Capture}\n",
	       n, defaults);
	for (int l = PKTMON_LAYER_DEV_RX; l < PKTMON_LAYER_MAX; l++) {
		if (l == PKTMON_LAYER_STACK || l == PKTMON_LAYER_NETFILTER)
			continue;
		const char *name = pktmon_layer_name((enum pktmon_layer)l);
		char key[24];
		snprintf(key, sizeof(key), ",%s,", name);
		char padded[520];
		snprintf(padded, sizeof(padded), ",%s,", defaults);
		bool on = strstr(padded, key) != NULL;
		printf("value {arg=%d}{value=%s}{display=%s: %s%s}{default=%s}%s\n", n, name, name,
		       pktmon_layer_label((enum pktmon_layer)l), on ? "" : " (not available on this kernel)",
		       on ? "true" : "false", on ? "" : "{enabled=false}");
	}
	printf("value {arg=%d}{value=nics}{display=nics: device rx and tx only (Windows' --comp nics)}"
	       "{default=false}\n", n);
	/* the interfaces this user can see: own namespace, others with privilege */
	struct pm_inventory inv;
	pm_inventory_scan(&inv);
	int shown = 0;
	for (size_t i = 0; i < inv.nns && shown < 256; i++) {
		const struct pm_inv_netns *ns = &inv.ns[i];
		if (!ns->readable || !ns->nifaces)
			continue;
		printf("value {arg=%d}{value=netns:%u}{display=Interfaces of namespace %s}{enabled=false}\n", n,
		       ns->inum, ns->name);
		for (size_t j = 0; j < ns->nifaces && shown < 256; j++, shown++) {
			const struct pm_inv_iface *f = &ns->ifaces[j];
			printf("value {arg=%d}{value=%u}{display=%s (%s%s) id %u}{parent=netns:%u}{default=false}\n", n,
			       f->id, f->name, f->kind, f->up ? "" : ", down", f->id, ns->inum);
		}
	}
	pm_inventory_free(&inv);
	pktmon_uninitialize(h);
}

/* The dialog: what Windows `pktmon start` offers. Discovery must stay fast and
 * free of side effects, so this needs no privilege (it reads BTF, not BPF). */
static void print_config(void)
{
	int n = 0;
	print_components(n);
	n++;
	printf("arg {number=%d}{call=--type}{display=Type}{type=selector}"
	       "{tooltip=All observations, only the flow (no drops), or only drops}{group=Capture}\n", n);
	printf("value {arg=%d}{value=all}{display=all: flow and drops}{default=true}\n", n);
	printf("value {arg=%d}{value=flow}{display=flow only}\n", n);
	printf("value {arg=%d}{value=drop}{display=drops only}\n", n);
	n++;
	printf("arg {number=%d}{call=--pkt-size}{display=Packet size (bytes, 0 = whole packet)}{type=integer}"
	       "{range=0,65535}{default=128}{tooltip=Bytes of each packet to capture}{group=Capture}\n", n);
	n++;
	printf("arg {number=%d}{call=--filters}{display=pktmon filters}{type=string}"
	       "{tooltip=Windows pktmon filter syntax, several separated by ';'. A packet is shown if it "
	       "matches all conditions of one filter. Example: web -t TCP SYN -p 80; dns -t UDP -p 53}"
	       "{placeholder=-t UDP -p 53; -i 198.18.0.0/15}{group=Filters}\n", n);
	n++;
	printf("arg {number=%d}{call=--netns}{display=Network namespaces}{type=string}"
	       "{tooltip=Report only what happens in these namespaces: ip netns names, host, or inode numbers, "
	       "comma-separated. Empty: every namespace}{placeholder=host,web}{group=Capture}\n", n);
	n++;
	printf("arg {number=%d}{call=--counters-only}{display=Counters only (no packets)}{type=boolflag}"
	       "{default=false}{tooltip=Count per component; the counters arrive in the end-of-capture "
	       "block}{group=Capture}\n", n);
	n++;
	printf("arg {number=%d}{call=--ring-size}{display=Ring buffer (bytes, a power of two)}{type=integer}"
	       "{range=4096,1073741824}{default=33554432}{tooltip=Kernel-to-user buffer; events that do not fit "
	       "are counted as lost}{group=Advanced}\n", n);
}

/* Empty output means valid: Wireshark shows any line we print as the error. */
static int validate_filter(const char *expr)
{
	char err[PKTMON_ERRLEN];
	if (pktmon_check_pcap_filter(expr, err, sizeof(err)) < 0)
		printf("%s\n", err);
	return 0;
}

int extcap_main(int argc, char **argv, extcap_capture_fn capture_fn)
{
	const char *iface = NULL, *fifo = NULL, *filter = NULL, *ctl_in = NULL, *ctl_out = NULL;
	bool interfaces = false, dlts = false, config = false, capture = false;
	/* what is not Wireshark's own is the dialog's: options --extcap-config offered */
	char **dialog = calloc((size_t)argc, sizeof(*dialog));
	if (!dialog)
		return 1;
	int ndialog = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--extcap-interfaces")) interfaces = true;
		else if (!strncmp(a, "--extcap-version", 16)) { if (!strchr(a, '=') && val && val[0] != '-') i++; }
		else if (!strcmp(a, "--extcap-dlts")) dlts = true;
		else if (!strcmp(a, "--extcap-config")) config = true;
		else if (!strcmp(a, "--capture")) capture = true;
		else if (!strcmp(a, "--extcap-interface") && val) { iface = val; i++; }
		else if (!strcmp(a, "--fifo") && val) { fifo = val; i++; }
		else if (!strcmp(a, "--extcap-capture-filter") && val) { filter = val; i++; }
		else if (!strcmp(a, "--extcap-control-in") && val) { ctl_in = val; i++; }
		else if (!strcmp(a, "--extcap-control-out") && val) { ctl_out = val; i++; }
		else dialog[ndialog++] = argv[i];
	}
	int rc = 0;
	if (interfaces) {
		print_interfaces();
	} else if (iface && strcmp(iface, IFACE)) {
		rc = cli_fail(EXIT_USAGE, "extcap: unknown interface '%s' (this extcap offers '" IFACE "')", iface);
	} else if (dlts) {
		print_dlts();
	} else if (config) {
		print_config();
	} else if (capture) {
		if (!fifo) {
			rc = cli_fail(EXIT_USAGE, "extcap: --capture needs --fifo");
		} else {
			struct extcap_capture c = {
				.fifo = fifo,
				.capture_filter = filter && *filter ? filter : NULL,
				.control_in = ctl_in,
				.control_out = ctl_out,
				.dialog_args = dialog,
				.ndialog_args = ndialog,
			};
			rc = capture_fn(&c);
		}
	} else if (filter) {
		rc = validate_filter(filter);
	} else {
		rc = cli_fail(EXIT_USAGE, "extcap: nothing to do (Wireshark calls this with --extcap-interfaces, "
					  "--extcap-config or --capture)");
	}
	free(dialog);
	return rc;
}
