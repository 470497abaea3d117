/* SPDX-License-Identifier: MIT */
/* event_line.c - one pktmon-style text line per observation (real-time mode, `pktmon format`). */
#include <linux/types.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "event_line.h"
#include "packet_decode.h"
#include "pktmon_meta.h"

int pm_event_line_head(const struct pktmon_event *ev, char *buf, size_t len)
{
	time_t sec = (time_t)(ev->timestamp_ns / 1000000000ull);
	struct tm tm;
	gmtime_r(&sec, &tm);
	const char *dir = ev->direction == PKTMON_DIR_RX ? "Rx" : ev->direction == PKTMON_DIR_TX ? "Tx" : "--";
	if (ev->drop_reason)
		return snprintf(buf, len,
				"%02d:%02d:%02d.%09llu PktGroupId %llu, Appearance %u, Direction %s, Component %u (%s), "
				"Drop: Reason %s, Location %s%s",
				tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned long long)(ev->timestamp_ns % 1000000000ull),
				(unsigned long long)ev->pkt_group_id, ev->appearance, dir, ev->component_id,
				ev->component_name, ev->drop_reason, ev->drop_symbol ? ev->drop_symbol : "?",
				ev->flags & PKTMON_FLAG_DELIVERED_COPY ? " (a copy reached a socket: not a loss)" : "");
	if (ev->why) { /* what the kernel did next */
		char why[96];
		pktmon_why_describe(ev->why, ev->icmp_type, ev->icmp_code, why, sizeof(why));
		return snprintf(buf, len,
				"%02d:%02d:%02d.%09llu PktGroupId %llu, Appearance %u, Direction %s, Component %u (%s), "
				"Next: %s",
				tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned long long)(ev->timestamp_ns % 1000000000ull),
				(unsigned long long)ev->pkt_group_id, ev->appearance, dir, ev->component_id,
				ev->component_name, why);
	}
	return snprintf(buf, len, "%02d:%02d:%02d.%09llu PktGroupId %llu, Appearance %u, Direction %s, Component %u (%s)",
			tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned long long)(ev->timestamp_ns % 1000000000ull),
			(unsigned long long)ev->pkt_group_id, ev->appearance, dir, ev->component_id,
			ev->component_name);
}

int pktmon_format_event(const struct pktmon_event *ev, char *buf, size_t len)
{
	struct pm_decoded d;
	pm_packet_decode(1 /* Ethernet: every layer's view starts with one */, ev->data, ev->cap_len, ev->orig_len, &d);
	int n = pm_event_line_head(ev, buf, len);
	if (n < 0 || (size_t)n >= len)
		return n;
	return n + snprintf(buf + n, len - (size_t)n, "; %s", d.summary);
}
