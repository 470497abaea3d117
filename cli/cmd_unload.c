/* SPDX-License-Identifier: MIT */
/*
 * cmd_unload.c - `pktmon unload`: stops every capture of the caller, as Windows `pktmon unload`
 * stops the driver. The background session is stopped through its socket (its file is finished);
 * any other pktmon-capture of the caller (a --foreground capture, Wireshark's) gets SIGTERM, then
 * SIGKILL if it does not end. The BPF programs, their links and the owned nftables tables belong
 * to those processes' descriptors: the kernel detaches them when the processes end, so nothing of
 * ours stays attached. Only the caller's own processes are touched (root: root's).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "control_protocol.h"
#include "pktmon/pktmon.h"
#include "session_client.h"

/* The real uid of a process, or -1. */
static long proc_uid(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	long uid = -1;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Uid:", 4)) {
			uid = strtol(line + 4, NULL, 10);
			break;
		}
	if (f)
		fclose(f);
	return uid;
}

/* A capture helper: its name (comm; /proc/PID/exe is closed to us, the helper has capabilities). */
static bool is_helper(pid_t pid)
{
	char path[64], comm[32] = "";
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool ok = fgets(comm, sizeof(comm), f) != NULL;
	fclose(f);
	comm[strcspn(comm, "\n")] = 0;
	return ok && !strcmp(comm, "pktmon-capture");
}

static bool gone_within(pid_t pid, int ms)
{
	for (int i = 0; i < ms / 20; i++) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return true;
		usleep(20000);
	}
	return kill(pid, 0) < 0 && errno == ESRCH;
}

int cmd_unload(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("Usage: pktmon unload\n\n"
		     "Stops every capture you run: the background session (its file is finished, as\n"
		     "`pktmon stop` does) and any other pktmon-capture of yours (a --foreground capture,\n"
		     "Wireshark's). The kernel detaches their BPF programs and removes their nftables\n"
		     "tables when they end, so nothing of pktmon stays attached. Says what it stopped.\n"
		     "Exit status: 0 (also when nothing ran), 1 when a capture could not be stopped.");
		return 0;
	}
	if (argc > 1)
		return cli_fail(EXIT_USAGE, "unload: unexpected argument '%s'", argv[1]);
	int stopped = 0, rc = 0;
	char err[PKTMON_ERRLEN] = "";
	char *raw = ctl_request("stop", err, sizeof(err));
	if (raw) {
		struct ctl_status a;
		if (ctl_status_parse(raw, &a) == 0) {
			printf("Stopped the background session (pid %d)%s%s.\n", a.pid, a.file[0] ? ", file " : "",
			       a.file);
			if (a.pid > 0 && !gone_within(a.pid, 5000)) {
				kill(a.pid, SIGKILL);
				gone_within(a.pid, 2000);
			}
			struct sockaddr_un sock;
			if (ctl_socket_address(&sock, 0, err, sizeof(err)) == 0)
				unlink(sock.sun_path); /* the helper never knew the path */
			ctl_status_free(&a);
			stopped++;
		}
		free(raw);
	}
	DIR *d = opendir("/proc");
	if (!d)
		return cli_fail(1, "unload: cannot read /proc: %s", strerror(errno));
	long me = (long)getuid();
	for (struct dirent *e; (e = readdir(d));) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid_t pid = (pid_t)strtol(e->d_name, NULL, 10);
		if (pid == getpid() || !is_helper(pid) || proc_uid(pid) != me)
			continue;
		if (kill(pid, SIGTERM) < 0) {
			if (errno != ESRCH)
				rc = cli_fail(1, "unload: cannot stop pid %d: %s", (int)pid, strerror(errno));
			continue;
		}
		bool forced = false;
		if (!gone_within(pid, 5000)) {
			kill(pid, SIGKILL);
			forced = true;
			if (!gone_within(pid, 2000)) {
				rc = cli_fail(1, "unload: pid %d does not end", (int)pid);
				continue;
			}
		}
		printf("Stopped the capture helper pid %d%s.\n", (int)pid,
		       forced ? " (killed: it ignored SIGTERM)" : "");
		stopped++;
	}
	closedir(d);
	if (stopped)
		printf("Unloaded: %d capture%s stopped; their BPF programs and hooks are detached.\n", stopped,
		       stopped == 1 ? "" : "s");
	else if (!rc)
		printf("Nothing to unload: no capture of yours is running.\n");
	return rc;
}
