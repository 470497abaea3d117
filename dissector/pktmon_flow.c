/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pktmon_flow.c - Statistics → Flow Graph → "Packet Monitor paths" (`tshark -z flow,pktmon,…`):
 * each component is a node; each observation is an arrow from the component where the packet was
 * seen before (from its source address when first seen), a drop an arrow from where it died to
 * the "✖ dropped" node, labelled with the kernel's reason; what the kernel did next (an ICMP error
 * or a TCP reset sent, ...) an arrow from where the packet was to that component, labelled with it. */
#include <string.h>

#include <epan/address.h>
#include <epan/column-utils.h>
#include <epan/packet.h>
#include <epan/tap.h>

#include "pktmon_flow.h"
#include "pktmon_tap.h"
#include "pktmon_ws.h"

/* Wireshark installs no epan/sequence_analysis.h, though libwireshark exports its functions.
 * The leading members of its two structs, as every release from 4.0 to 4.6 lays them out (the
 * flags became bool in 4.4); the items themselves are allocated by libwireshark, at its size. */
#if PKTMON_WS_AT_LEAST(4, 4)
typedef bool ws_seq_flag;
#else
typedef gboolean ws_seq_flag;
#endif

struct ws_seq_item_head {
	guint32 frame_number;
	address src_addr;
	guint16 port_src;
	address dst_addr;
	guint16 port_dst;
	gchar *frame_label;
	gchar *time_str;
	gchar *comment;
	guint16 conv_num;
	unsigned fg_color;
	unsigned bg_color;
	ws_seq_flag has_color_filter;
	ws_seq_flag display;
	guint src_node;
	guint dst_node;
	guint16 line_style;
};

struct ws_seq_info_head {
	const char *name;
	ws_seq_flag any_addr;
	int nconv;
	GQueue *items;
};

WS_DLL_PUBLIC void register_seq_analysis(const char *name, const char *ui_name, const int proto_id,
					 const char *tap_listener, guint tap_flags, tap_packet_cb tap_func);
WS_DLL_PUBLIC struct ws_seq_item_head *sequence_analysis_create_sai_with_addresses(packet_info *pinfo,
										    struct ws_seq_info_head *sainfo);

static const char dropped_node[] = "\xe2\x9c\x96 dropped"; /* ✖ */

static void set_node(address *node, const char *name)
{
	address tmp;
	set_address(&tmp, AT_STRINGZ, (int)strlen(name) + 1, name);
	free_address(node);
	copy_address(node, &tmp);
}

static tap_packet_status pktmon_flow_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_,
					    const void *data, tap_flags_t flags _U_)
{
	struct ws_seq_info_head *sainfo = (struct ws_seq_info_head *)tapdata;
	const pktmon_tap_info_t *info = (const pktmon_tap_info_t *)data;

	/* allocated by libwireshark (its size, its free); NULL when the frame has no addresses */
	struct ws_seq_item_head *sai = sequence_analysis_create_sai_with_addresses(pinfo, sainfo);
	if (!sai)
		return TAP_PACKET_DONT_REDRAW;
	sai->frame_number = pinfo->num;
	if (info->dropped) {
		set_node(&sai->src_addr, info->component);
		set_node(&sai->dst_addr, dropped_node);
	} else {
		if (info->prev_component)
			set_node(&sai->src_addr, info->prev_component);
		else if (pinfo->net_src.type != AT_NONE) {
			free_address(&sai->src_addr);
			copy_address(&sai->src_addr, &pinfo->net_src); /* first seen: where it came from */
		}
		set_node(&sai->dst_addr, info->component);
	}
	sai->port_src = sai->port_dst = 0;

	const char *proto = pinfo->cinfo ? col_get_text(pinfo->cinfo, COL_PROTOCOL) : NULL;
	const char *what = pinfo->cinfo ? col_get_text(pinfo->cinfo, COL_INFO) : NULL;
	if (info->dropped && info->delivered_copy)
		sai->frame_label = g_strdup_printf("\xe2\x9c\x96 %s (a copy was delivered)",
						   info->reason ? info->reason : "DROP");
	else if (info->dropped)
		sai->frame_label = g_strdup_printf("\xe2\x9c\x96 %s", info->reason ? info->reason : "DROP");
	else if (info->why) /* the why arrow: from where the packet was to what the kernel did */
		sai->frame_label = g_strdup(info->why);
	else
		sai->frame_label = g_strdup(proto && *proto ? proto : "packet");
	sai->comment = g_strdup_printf("packet %" G_GUINT64_FORMAT " #%u at %s%s%s", info->group, info->appearance,
				       info->component, what && *what ? ": " : "", what ? what : "");
	sai->line_style = 1;
	sai->conv_num = (guint16)info->group; /* one colour per packet in the GUI */
	sai->display = TRUE;
	g_queue_push_tail(sainfo->items, sai);
	return TAP_PACKET_REDRAW;
}

void pktmon_flow_register(int proto_id)
{
	register_seq_analysis("pktmon", "Packet Monitor paths", proto_id, "pktmon", TL_REQUIRES_COLUMNS,
			      pktmon_flow_packet);
}
