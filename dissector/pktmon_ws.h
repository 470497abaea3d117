/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pktmon_ws.h - which Wireshark series the plugin is built against (4.0 … 4.6 differ in a few APIs). */
#ifndef PKTMON_WS_H
#define PKTMON_WS_H

#include <ws_version.h>

#define PKTMON_WS_AT_LEAST(maj, min) \
	(WIRESHARK_VERSION_MAJOR > (maj) || (WIRESHARK_VERSION_MAJOR == (maj) && WIRESHARK_VERSION_MINOR >= (min)))

#endif
