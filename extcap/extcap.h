/* SPDX-License-Identifier: MIT */
/* extcap.h - Wireshark's extcap protocol (extcap.c) and control toolbar (toolbar.h): a small
 * library, as Wireshark's extcap-base is, that knows nothing of the verbs. */
#ifndef PKTMON_EXTCAP_H
#define PKTMON_EXTCAP_H

#include <stdbool.h>

/* Whether Wireshark is calling (--extcap-*, --capture). */
bool extcap_requested(int argc, char **argv);

/* What Wireshark asks to capture. */
struct extcap_capture {
	const char *fifo;                     /* the pcapng goes here */
	const char *capture_filter;           /* a pcap-filter expression, NULL for none */
	const char *control_in, *control_out; /* the toolbar's fifos (Wireshark, not tshark), or NULL */
	char **dialog_args;                   /* the dialog's options as --extcap-config offered them */
	int ndialog_args;
};

/* Runs the capture; returns the exit code. */
typedef int (*extcap_capture_fn)(const struct extcap_capture *c);

/* A capture that fails before writing to its fifo: lets the reader (dumpcap) see an end of
 * file. Waits for it to open the fifo if it has not yet (it may start after we fail: it would
 * then wait for a writer for ever, and Wireshark 4.0 with it), at most `max_wait_ms` and only
 * while our parent lives and `fifo` is a fifo. */
void extcap_release_reader(const char *fifo, int max_wait_ms);
#define EXTCAP_READER_WAIT_MS 60000 /* dumpcap starts within this even under emulation */

/* Answers Wireshark; a capture goes to `capture_fn`. Returns the exit code. */
int extcap_main(int argc, char **argv, extcap_capture_fn capture_fn);

#endif
