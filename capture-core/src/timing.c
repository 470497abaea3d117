/* SPDX-License-Identifier: MIT */
/* timing.c - PKTMON_TIMING=1: a stderr line as each start-up phase ends (bench/startup.sh reads them). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "session_internal.h"

void pm_timing(const char *fmt, ...)
{
	static int on = -1;
	if (on < 0) {
		const char *e = getenv("PKTMON_TIMING");
		on = e && *e == '1';
	}
	if (!on)
		return;
	char what[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	/* the process's CPU time so far: less sensitive to a busy machine than the wall clock */
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	unsigned long long cpu_us = (unsigned long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000ull +
				    (unsigned long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	/* CLOCK_REALTIME: comparable with the exec time and the sender's stamps */
	fprintf(stderr, "pktmon-timing: %llu %llu %s\n", (unsigned long long)pm_clock_ns(CLOCK_REALTIME), cpu_us,
		what);
}
