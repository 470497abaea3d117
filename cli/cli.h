/* SPDX-License-Identifier: MIT */
/* cli.h - the verbs of the pktmon command. Exit codes: 0 ok, 1 failure, 2 bad usage. */
#ifndef PKTMON_CLI_H
#define PKTMON_CLI_H

#define EXIT_USAGE 2

int cmd_start(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_stop(int argc, char **argv);     /* cmd_session.c */
int cmd_status(int argc, char **argv);
int cmd_counters(int argc, char **argv);
int cmd_reset(int argc, char **argv);
int cmd_filter(int argc, char **argv);   /* cmd_filter.c */
int cmd_format(int argc, char **argv);  /* cmd_format.c: pcapng -> pktmon-style text */
int cmd_pcapng(int argc, char **argv);  /* cmd_pcapng.c: filtered copy keeping our metadata */

/* Wireshark's extcap protocol (extcap.c). */
#include <stdbool.h>
bool extcap_requested(int argc, char **argv);
int extcap_main(int argc, char **argv);

/* Prints "pktmon: <message>" to stderr and returns `code`. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
