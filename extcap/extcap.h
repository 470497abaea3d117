/* SPDX-License-Identifier: MIT */
/* extcap.h - Wireshark's extcap protocol (extcap.c) and control toolbar (toolbar.h): a small
 * library, as Wireshark's extcap-base is, that knows nothing of the verbs. */
#ifndef PKTMON_EXTCAP_H
#define PKTMON_EXTCAP_H

#include <stdbool.h>

/* Whether Wireshark is calling (--extcap-*, --capture). */
bool extcap_requested(int argc, char **argv);

/* Runs a capture: argv[0] is a placeholder, the rest are `pktmon start` options
 * (--fifo, --capture-filter, --control-in/out, --quiet and the dialog's options). */
typedef int (*extcap_capture_fn)(int argc, char **argv);

/* Answers Wireshark; a capture goes to `capture_fn`. Returns the exit code. */
int extcap_main(int argc, char **argv, extcap_capture_fn capture_fn);

#endif
