/* SPDX-License-Identifier: MIT */
/* test_start_options.c - `pktmon start` options: Windows' forms and defaults. */
#include <string.h>

#include "check.h"
#include "fail.h"
#include "start_options.h"

/* Parses a NULL-terminated argument list; returns start_parse()'s result. */
#define PARSE(o, ...)                                                                                                  \
	({                                                                                                             \
		char *av_[] = { "start", __VA_ARGS__, NULL };                                                          \
		start_parse((int)(sizeof(av_) / sizeof(av_[0])) - 1, av_, (o));                                        \
	})

int main(void)
{
	struct start_opts o;
	char *none[] = { "start", NULL };

	/* Windows' default: a circular 512 MB PktMon file in the current folder */
	CHECK(start_parse(1, none, &o) == -1);
	CHECK(o.file && !strcmp(o.file, "PktMon.pcapng"), "file %s", o.file ? o.file : "(null)");
	CHECK(o.mode == PKTMON_LOG_CIRCULAR, "mode %d", (int)o.mode);
	CHECK(o.file_mb == 512, "file_mb %lu", o.file_mb);
	CHECK(!o.foreground && !o.realtime && !o.memory);
	CHECK(o.rule_trace == -1, "whether the rule of a drop is named: the library decides by default");
	CHECK(PARSE(&o, "--no-rule-trace") == -1 && o.rule_trace == 0, "--no-rule-trace");
	CHECK(PARSE(&o, "--rule-trace") == -1 && o.rule_trace == 1, "--rule-trace");

	/* the tutorials' forms */
	CHECK(PARSE(&o, "--etw", "-c") == -1 && o.mode == PKTMON_LOG_CIRCULAR && o.file_mb == 512);
	CHECK(PARSE(&o, "--capture") == -1 && o.file && !o.fifo);
	CHECK(PARSE(&o, "-c", "-s", "64") == -1 && o.file_mb == 64 && o.mode == PKTMON_LOG_CIRCULAR);
	CHECK(PARSE(&o, "-m", "real-time") == -1 && o.realtime && o.foreground && !o.file && o.file_mb == 0);
	CHECK(PARSE(&o, "--log-mode", "multi-file") == -1 && o.mode == PKTMON_LOG_MULTI_FILE && o.file_mb == 512);
	CHECK(PARSE(&o, "-l", "circular", "-s", "8") == -1 && o.mode == PKTMON_LOG_CIRCULAR && o.file_mb == 8);
	CHECK(PARSE(&o, "-m", "memory", "-s", "16") == -1 && o.memory && o.mode == PKTMON_LOG_CIRCULAR &&
	      o.file_mb == 16 && !strcmp(o.file, "PktMon.pcapng"));
	CHECK(PARSE(&o, "-m", "single") == -1 && o.mode == PKTMON_LOG_SINGLE && o.file_mb == 0);
	CHECK(PARSE(&o, "-m", "single", "-s", "3") == -1 && o.mode == PKTMON_LOG_SINGLE && o.file_mb == 3);
	/* a stream cannot wrap: no limit, no circular */
	CHECK(PARSE(&o, "-f", "-") == -1 && o.mode == PKTMON_LOG_SINGLE && o.file_mb == 0 && o.foreground);
	CHECK(PARSE(&o, "--flags", "0x012") == -1);
	/* Windows 10 1809: --etw -p SIZE -c IDS */
	CHECK(PARSE(&o, "--etw", "-p", "0") == -1 && o.so.snaplen == 0);
	CHECK(PARSE(&o, "-p", "64", "--etw", "-c", "13,14") == -1 && o.so.snaplen == 64 && !strcmp(o.comp, "13,14"));
	CHECK(PARSE(&o, "--etw", "-c") == -1 && !strcmp(o.comp, "all"));
	CHECK(PARSE(&o, "--etw", "-p", "big") == EXIT_USAGE);

	/* refused, with exit status 2 */
	CHECK(PARSE(&o, "-m", "bogus") == EXIT_USAGE);
	CHECK(PARSE(&o, "-m", "memory", "-f", "-") == EXIT_USAGE);
	CHECK(PARSE(&o, "-m", "circular", "-f", "-") == EXIT_USAGE);
	CHECK(PARSE(&o, "--trace") == EXIT_USAGE);
	CHECK(PARSE(&o, "-t") == EXIT_USAGE);
	CHECK(PARSE(&o, "-p", "Microsoft-Windows-TCPIP") == EXIT_USAGE);
	CHECK(PARSE(&o, "-k", "0xff") == EXIT_USAGE);
	CHECK(PARSE(&o, "--flags", "zz") == EXIT_USAGE);
	CHECK(PARSE(&o, "-s", "0") == EXIT_USAGE);

	return check_summary();
}
