/* SPDX-License-Identifier: MIT */
/* toolbar.h - Wireshark's extcap control toolbar: live counters and a button that
 * clears them. Wireshark (not tshark) passes --extcap-control-in/out. */
#ifndef PKTMON_TOOLBAR_H
#define PKTMON_TOOLBAR_H

#include <stddef.h>
#include <stdint.h>

#include "pktmon/pktmon.h"

enum toolbar_control { TB_PACKETS = 0, TB_DROPS = 1, TB_LOST = 2, TB_CLEAR = 3 };

/* The `control` lines of --extcap-interfaces. */
void toolbar_print_controls(void);

struct toolbar;
/* Opens the two fifos without blocking (Wireshark opens its ends when it likes). */
struct toolbar *toolbar_open(const char *in_path, const char *out_path);
/* Waits up to timeout_ms for Wireshark's messages (a button press clears the
 * counters) and refreshes the counters once a second. */
void toolbar_poll(struct toolbar *tb, pktmon_session *s, int timeout_ms);
void toolbar_close(struct toolbar *tb);

/* Frames one control message into buf (6 + payload bytes); returns its size, 0 if it does not fit. */
size_t toolbar_frame(uint8_t *buf, size_t cap, uint8_t control, uint8_t command, const void *payload, size_t len);

#endif
