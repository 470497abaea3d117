/* SPDX-License-Identifier: MIT */
/* capture_run.c - one capture in pktmon-capture: load, attach, stream until told to stop. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "capture_run.h"
#include "start_heap.h"
#include "comp_inventory.h"
#include "counters_table.h"
#include "ctl_server.h"
#include "extcap.h"
#include "fail.h"
#include "filter.h"
#include "privileges.h"
#include "text_out.h"
#include "toolbar.h"
#include "pktmon/pktmon.h"

static volatile sig_atomic_t got_signal;
static void on_signal(int sig) { got_signal = sig; }

/* A component id as `pktmon list` prints it: digits only. */
static bool parse_id(const char *tok, uint32_t *id)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(tok, &end, 10);
	if (!*tok || *end || errno || v == 0 || v > UINT32_MAX || tok[0] == '-' || tok[0] == '+')
		return false;
	*id = (uint32_t)v;
	return true;
}

#define HOW_TO_FIND_IDS "run `pktmon list` for the ids of the interfaces and layers that exist now"

/* --comp: "all", or a list of "nics", layer names and component ids, mixed. */
static int parse_comp(pktmon_session *s, const char *list, char *err, size_t errlen)
{
	if (!strcasecmp(list, "all"))
		return 0;
	char *copy = strdup(list), *save = NULL;
	if (!copy)
		return -1;
	int rc = 0;
	struct pm_inventory inv = { 0 };
	bool scanned = false;
	for (char *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		uint32_t id;
		if (!strcasecmp(tok, "nics")) {
			pktmon_add_data_source(s, PKTMON_LAYER_DEV_RX);
			pktmon_add_data_source(s, PKTMON_LAYER_DEV_TX);
		} else if (parse_id(tok, &id)) {
			if (!scanned)
				pm_inventory_scan(&inv); /* what cannot be read is not there for an id */
			scanned = true;
			int e = pm_inventory_has_id(&inv, id) ? pktmon_add_component(s, id) : -ENOENT;
			if (e == -EOPNOTSUPP)
				snprintf(err, errlen, "component %u: its layers are not available on this kernel (%s)",
					 id, HOW_TO_FIND_IDS);
			else if (e == -E2BIG)
				snprintf(err, errlen, "--comp: at most %d component ids", PKTMON_MAX_COMPONENT_IDS);
			else if (e < 0)
				snprintf(err, errlen, "unknown component id %u: no interface or layer has it now (%s)",
					 id, HOW_TO_FIND_IDS);
			rc = e < 0 ? -1 : 0;
		} else {
			enum pktmon_layer l = pktmon_layer_from_name(tok);
			if (l == PKTMON_LAYER_UNKNOWN) {
				snprintf(err, errlen, "unknown component '%s': give ids, layer names or nics (%s)", tok,
					 HOW_TO_FIND_IDS);
				rc = -1;
			} else if (pktmon_add_data_source(s, l) == -EOPNOTSUPP) {
				snprintf(err, errlen, "layer '%s' is not available on this kernel (see `pktmon list`)",
					 tok);
				rc = -1;
			}
		}
	}
	pm_inventory_free(&inv);
	free(copy);
	return rc;
}

/* The per-component table, as Windows `pktmon counters` prints it (common/counters_table.c). */
static void print_counters(pktmon_session *s)
{
	struct pktmon_counter *c;
	size_t n;
	if (pktmon_get_counters(s, &c, &n) < 0)
		return;
	counters_table_header(stdout, true);
	for (size_t i = 0; i < n; i++) {
		struct ctl_comp_row r = {
			.id = c[i].component_id,
			.rx_pkts = c[i].rx_pkts, .rx_bytes = c[i].rx_bytes,
			.tx_pkts = c[i].tx_pkts, .tx_bytes = c[i].tx_bytes,
			.drops = c[i].drops, .lost = c[i].lost,
		};
		snprintf(r.name, sizeof(r.name), "%s", c[i].name);
		snprintf(r.reason, sizeof(r.reason), "%s", c[i].last_drop_reason);
		counters_table_row(stdout, &r, true, true);
	}
	pktmon_free_counters(c);
}

/* --log-mode memory: the circular capture lives in a private folder of /dev/shm (tmpfs: memory)
 * and is copied into the file when the session ends, as Windows writes its memory buffer at
 * `pktmon stop`. The file is created at start, so that a bad name fails at once. */
struct memory_log {
	char dir[64], path[96];
	int target_fd;
};

static int memory_log_open(struct memory_log *m, const char *target, char *err, size_t errlen)
{
	m->target_fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (m->target_fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", target, strerror(errno));
		return -1;
	}
	snprintf(m->dir, sizeof(m->dir), "/dev/shm/pktmon-memory-XXXXXX");
	if (!mkdtemp(m->dir)) {
		snprintf(err, errlen, "--log-mode memory: cannot create a folder in /dev/shm: %s", strerror(errno));
		close(m->target_fd);
		m->target_fd = -1;
		m->dir[0] = 0;
		return -1;
	}
	snprintf(m->path, sizeof(m->path), "%s/PktMon.pcapng", m->dir);
	return 0;
}

/* Copies the finished capture into the file (if copy); removes the folder in any case. */
static int memory_log_save(struct memory_log *m, const char *target, bool copy)
{
	int rc = 0;
	if (m->target_fd >= 0 && copy) {
		int in = open(m->path, O_RDONLY | O_CLOEXEC);
		char buf[1 << 16];
		ssize_t r = 0;
		while (in >= 0 && (r = read(in, buf, sizeof(buf))) > 0)
			for (ssize_t off = 0, w; off < r; off += w)
				if ((w = write(m->target_fd, buf + off, (size_t)(r - off))) < 0) {
					r = -1;
					break;
				}
		if (in < 0 || r < 0 || close(m->target_fd) < 0)
			rc = cli_fail(-1, "--log-mode memory: cannot write %s: %s", target, strerror(errno));
		else
			m->target_fd = -1;
		if (in >= 0)
			close(in);
	}
	if (m->target_fd >= 0)
		close(m->target_fd);
	m->target_fd = -1;
	DIR *d = m->dir[0] ? opendir(m->dir) : NULL;
	for (struct dirent *e; d && (e = readdir(d));)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	if (m->dir[0])
		rmdir(m->dir);
	m->dir[0] = 0;
	return rc;
}

struct rt_ctx {
	unsigned long long lines;
	bool quiet; /* warnings too: Wireshark shows an extcap's stderr as an error */
};

static void rt_data(void *user, const struct pktmon_event *ev)
{
	struct rt_ctx *c = user;
	char line[640];
	pktmon_format_event(ev, line, sizeof(line));
	puts(line);
	const struct pktmon_nf_rule *r = ev->nf_rule;
	if (r && r->table) /* as `pktmon format` shows it */
		put_nf_rule(stdout, r->table, strlen(r->table), r->chain, r->chain ? strlen(r->chain) : 0, r->handle,
			    r->rule, r->rule ? strlen(r->rule) : 0, r->comment, r->comment ? strlen(r->comment) : 0);
	c->lines++;
}

static void rt_event(void *user, enum pktmon_stream_event kind, const char *msg)
{
	const struct rt_ctx *c = user;
	if (kind == PKTMON_STREAM_ERROR || (kind == PKTMON_STREAM_WARNING && !c->quiet))
		fprintf(stderr, "pktmon: %s%s\n", kind == PKTMON_STREAM_ERROR ? "error: " : "", msg);
}

static void report_ready(int fd, const char *msg)
{
	if (fd < 0)
		return;
	char line[PKTMON_ERRLEN + 8];
	int n = snprintf(line, sizeof(line), msg ? "ERR %s\n" : "OK\n", msg ? msg : "");
	if (write(fd, line, (size_t)n) < 0) {
		/* the parent is gone; nothing to tell */
	}
}

int capture_run(struct start_opts *o, struct ctl_server *ctl, int ready_fd)
{
	char err[PKTMON_ERRLEN] = "";
	pktmon_handle *h;
	/* a session follows: the library opens its BPF object while it parses the kernel's BTF */
	setenv("PKTMON_PREPARE_CAPTURE", "1", 1);
	int init_rc = pktmon_initialize(&h, err, sizeof(err));
	unsetenv("PKTMON_PREPARE_CAPTURE");
	if (init_rc < 0) {
		report_ready(ready_fd, err);
		extcap_release_reader(o->fifo, EXTCAP_READER_WAIT_MS);
		return cli_fail(1, "%s", err);
	}
	pktmon_session *s;
	int rc = pktmon_create_live_session(h, "pktmon", &s);
	if (rc < 0) {
		report_ready(ready_fd, "cannot create a session");
		extcap_release_reader(o->fifo, EXTCAP_READER_WAIT_MS);
		pktmon_uninitialize(h);
		return cli_fail(1, "cannot create a session: %s", strerror(-rc));
	}
	int exit_code = 1, fifo_fd = -1;
	struct memory_log mem = { .target_fd = -1 };
	struct rt_ctx rt = { .quiet = o->quiet };
	if (pktmon_session_set_options(s, &o->so) < 0) {
		snprintf(err, sizeof(err), "invalid options");
		goto fail;
	}
	if (parse_comp(s, o->comp, err, sizeof(err)) < 0) {
		exit_code = EXIT_USAGE;
		goto fail;
	}
	for (size_t i = 0; i < o->nfilters; i++) {
		char line[PM_FILTER_LINE_MAX];
		pm_filter_format(&o->filters[i], line, sizeof(line));
		if (pktmon_add_capture_constraint(s, line, err, sizeof(err)) < 0) {
			exit_code = EXIT_USAGE;
			goto fail;
		}
	}
	if (o->rule_trace >= 0)
		pktmon_session_set_rule_trace(s, o->rule_trace);
	for (size_t i = 0; i < o->nnetns; i++)
		pktmon_add_netns(s, o->netns[i]);
	if (o->pcap_expr && pktmon_set_pcap_filter(s, o->pcap_expr, err, sizeof(err)) < 0) {
		exit_code = EXIT_USAGE;
		goto fail;
	}
	struct pktmon_stream_callbacks cb = { .on_data = o->realtime ? rt_data : NULL, .on_event = rt_event, .user = &rt };
	pktmon_output *out;
	pktmon_create_realtime_stream(h, &cb, &out);
	pktmon_attach_output(s, out);
	if (o->fifo) {
		/* counters-only too: Wireshark waits for a pcapng header on the fifo */
		fifo_fd = open(o->fifo, O_WRONLY | O_CLOEXEC);
		if (fifo_fd < 0) {
			snprintf(err, sizeof(err), "cannot open the fifo %s: %s", o->fifo, strerror(errno));
			goto fail;
		}
		struct pktmon_pcapng_options po = { .fd = fifo_fd };
		if (pktmon_create_pcapng_output(h, &po, &out, err, sizeof(err)) < 0)
			goto fail;
		pktmon_attach_output(s, out);
	}
	if (o->file && !o->so.counters_only) {
		bool to_stdout = !strcmp(o->file, "-");
		if (o->memory && memory_log_open(&mem, o->file, err, sizeof(err)) < 0)
			goto fail;
		struct pktmon_pcapng_options po = {
			.path = to_stdout ? NULL : o->memory ? mem.path : o->file,
			.fd = to_stdout ? 1 : -1,
			.size_limit = (uint64_t)o->file_mb << 20,
			.mode = o->mode,
		};
		if (pktmon_create_pcapng_output(h, &po, &out, err, sizeof(err)) < 0)
			goto fail;
		pktmon_attach_output(s, out);
	}

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (pktmon_set_session_active(s, true, err, sizeof(err)) < 0)
		goto fail;
	/* loaded and attached: what remains is reading the ring and hooking new namespaces */
	if (privileges_drop_after_attach(err, sizeof(err)) < 0)
		goto fail;
	start_heap_release();
	report_ready(ready_fd, NULL);
	if (!o->quiet && ready_fd < 0)
		fprintf(stderr, "pktmon: capturing%s%s; Ctrl-C to stop\n", o->file ? " to " : "", o->file ? o->file : "");
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bool stop_requested = false;
	struct toolbar *tb = o->control_in || o->control_out ? toolbar_open(o->control_in, o->control_out) : NULL;
	/* Wireshark or tshark starts us (dumpcap reads the fifo): when it dies
	 * (we are reparented), stop, even if no write ever fails */
	pid_t parent = o->fifo ? getppid() : 0;
	while (!got_signal && !stop_requested && !(parent && getppid() != parent)) {
		if (ctl)
			ctl_poll(ctl, s, 100, &stop_requested);
		else if (tb)
			toolbar_poll(tb, s, 100);
		else {
			struct timespec nap = { 0, 100 * 1000 * 1000 };
			nanosleep(&nap, NULL);
		}
		if (pktmon_session_failed(s))
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (o->run_for && (unsigned long)(now.tv_sec - t0.tv_sec) >= o->run_for)
			break;
	}
	toolbar_close(tb);
	/* an orphaned reader may hold the fifo open without reading: a write
	 * blocked on it must not keep the BPF programs attached */
	if (parent && getppid() != parent)
		alarm(2);
	rc = pktmon_set_session_active(s, false, err, sizeof(err));
	if (o->memory && memory_log_save(&mem, o->file, true) < 0)
		rc = -1;
	struct pktmon_totals t;
	uint64_t missed = 0;
	pktmon_get_totals(s, &t);
	pktmon_get_kernel_missed(s, &missed);
	if (ctl)
		ctl_finish(ctl, s, o->so.counters_only ? NULL : o->file);
	if (!o->quiet) {
		fprintf(stderr,
			"pktmon: stopped. %llu events generated, %llu written, %llu lost (ring buffer), %llu drops, "
			"%llu netns hooked%s%s\n",
			(unsigned long long)t.events_generated,
			(unsigned long long)t.events_written, (unsigned long long)t.events_lost,
			(unsigned long long)t.drops, (unsigned long long)t.netns_attached, o->file ? "; file " : "",
			o->file ? o->file : "");
	}
	if (o->show_counters || o->so.counters_only)
		print_counters(s);
	if (t.events_not_written && (rc < 0 || !o->quiet))
		fprintf(stderr, "pktmon: %s%llu events were not written to the output (%s)\n", rc < 0 ? "error: " : "",
			(unsigned long long)t.events_not_written, rc < 0 ? "it failed" : "it was full or its reader left");
	if (t.events_lost)
		fprintf(stderr, "pktmon: warning: %llu events were lost: the ring buffer was full "
				"(try --ring-size, --pkt-size or a filter)\n", (unsigned long long)t.events_lost);
	if (missed)
		fprintf(stderr, "pktmon: warning: the kernel skipped %llu observations: a pktmon program was "
				"already running on that CPU (an interrupt came inside it); they are in no count above\n",
			(unsigned long long)missed);
	exit_code = rc < 0 ? 1 : 0;
	goto out;
fail:
	report_ready(ready_fd, err);
	if (fifo_fd < 0)
		extcap_release_reader(o->fifo, EXTCAP_READER_WAIT_MS);
	cli_fail(exit_code, "%s", err);
out:
	pktmon_close_session(s);
	memory_log_save(&mem, o->file, false); /* a failed start: only the folder to remove */
	pktmon_uninitialize(h);
	if (fifo_fd >= 0)
		close(fifo_fd);
	return exit_code;
}
