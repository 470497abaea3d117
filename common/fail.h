/* SPDX-License-Identifier: MIT */
/* fail.h - the one way pktmon's programs report a failure; a leaf: it includes nothing of ours. */
#ifndef PKTMON_FAIL_H
#define PKTMON_FAIL_H

/* Exit codes of every verb and of the capture helper: 0 ok, 1 failure, 2 bad usage. */
#define EXIT_USAGE 2

/* Prints "pktmon: <message>" to stderr and returns `code`. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
