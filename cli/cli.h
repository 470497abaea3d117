/* SPDX-License-Identifier: MIT */
/* cli.h - the verbs of the pktmon command (main.c's dispatch table). Exit codes: 0 ok,
 * 1 failure, 2 bad usage (EXIT_USAGE, fail.h). */
#ifndef PKTMON_CLI_H
#define PKTMON_CLI_H

#include "fail.h"

int cmd_start(int argc, char **argv);    /* cmd_start.c: runs pktmon-capture */
struct extcap_capture;
int cmd_start_for_wireshark(const struct extcap_capture *c); /* the extcap's capture, the same way */
int cmd_list(int argc, char **argv);     /* cmd_list.c */
int cmd_stop(int argc, char **argv);     /* cmd_session.c: the background session */
int cmd_status(int argc, char **argv);
int cmd_counters(int argc, char **argv);
int cmd_reset(int argc, char **argv);
int cmd_filter(int argc, char **argv);   /* cmd_filter.c */
int cmd_format(int argc, char **argv);   /* cmd_format.c: pcapng -> pktmon-style text */
int cmd_pcapng(int argc, char **argv);   /* cmd_pcapng.c: filtered copy keeping our metadata */
int cmd_hex2pkt(int argc, char **argv);  /* cmd_hex2pkt.c: decode a hex dump */
int cmd_unload(int argc, char **argv);   /* cmd_unload.c: stop the caller's sessions, detach */

#endif
