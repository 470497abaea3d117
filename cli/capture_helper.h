/* SPDX-License-Identifier: MIT */
/* capture_helper.h - finding and running pktmon-capture, the one program with capabilities. */
#ifndef PKTMON_CAPTURE_HELPER_H
#define PKTMON_CAPTURE_HELPER_H

#include <stddef.h>

/* $PKTMON_CAPTURE_HELPER (tests), else pktmon-capture beside this program (the build
 * tree), else the installed path compiled in. */
const char *capture_helper_path(char *buf, size_t len);

/* Replaces this process with the helper (argv[0] is set to its name); returns only on
 * failure, with a message in err. */
int capture_helper_exec(char **argv, char *err, size_t errlen);

#endif
