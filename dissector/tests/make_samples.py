#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write small pcapng files in the pktmon format (docs/FORMAT.md) for the dissector tests.

Stdlib only. The numbers are read from capture-core/include/pktmon/pktmon_format.h so this
script cannot drift from the contract; the layout is written by hand from FORMAT.md.

usage: make_samples.py --header PATH/pktmon_format.h OUTDIR [--seeds SEEDDIR]
"""

import argparse
import os
import random
import re
import struct
import sys

# ---------------------------------------------------------------------------
# Constants from the header (parsed, never copied).


def load_header(path):
    text = open(path, encoding="utf-8").read()
    consts = {}
    for m in re.finditer(r"#define\s+(PKTMON_\w+)\s+(0x[0-9A-Fa-f]+|\d+)u?\b", text):
        consts[m.group(1)] = int(m.group(2), 0)
    for m in re.finditer(r"\b(PKTMON_\w+)\s*=\s*(0x[0-9A-Fa-f]+|\d+)\s*,?", text):
        consts[m.group(1)] = int(m.group(2), 0)
    return consts


C = {}

# ---------------------------------------------------------------------------
# pcapng writing (little-endian sections only, as capture-core writes them).


def pad4(b):
    return b + b"\0" * ((4 - len(b) % 4) % 4)


def opt(code, value):
    return struct.pack("<HH", code, len(value)) + pad4(value)


def opts(*items):
    body = b"".join(items)
    return body + struct.pack("<HH", 0, 0) if body else b""


def block(btype, body):
    body = pad4(body)
    total = 12 + len(body)
    return struct.pack("<II", btype, total) + body + struct.pack("<I", total)


def shb():
    body = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
    body += opts(opt(4, b"pktmon 0.1.0 (make_samples.py)"), opt(3, b"Linux test"))
    return block(0x0A0D0D0A, body)


SNAPLEN = 262144


def idb(name, desc):
    body = struct.pack("<HHI", 1, 0, SNAPLEN)
    body += opts(opt(2, name.encode()), opt(3, desc.encode()), opt(9, bytes([9])))
    return block(1, body)


def epb(ifid, ts_ns, data, options=b""):
    body = struct.pack("<IIIII", ifid, ts_ns >> 32, ts_ns & 0xFFFFFFFF, len(data), len(data))
    body += pad4(data) + options
    return block(6, body)


def custom_block(pen, payload, btype=None):
    if btype is None:
        btype = C["PKTMON_PCAPNG_BT_CUSTOM_COPY"]
    return block(btype, struct.pack("<I", pen) + payload)


def isb(ifid, ts_ns, recv, drop, osdrop):
    body = struct.pack("<III", ifid, ts_ns >> 32, ts_ns & 0xFFFFFFFF)
    body += opts(opt(2, struct.pack("<II", ts_ns >> 32, ts_ns & 0xFFFFFFFF)),
                 opt(3, struct.pack("<II", ts_ns >> 32, ts_ns & 0xFFFFFFFF)),
                 opt(4, struct.pack("<Q", recv)), opt(5, struct.pack("<Q", drop)),
                 opt(7, struct.pack("<Q", osdrop)))
    return block(5, body)


# ---------------------------------------------------------------------------
# pktmon metadata


def tlv(t, value):
    return struct.pack("<HH", t, len(value)) + value


def t_u8(name, v):
    return tlv(C["PKTMON_TLV_" + name], struct.pack("<B", v))


def t_u32(name, v):
    return tlv(C["PKTMON_TLV_" + name], struct.pack("<I", v))


def t_u64(name, v):
    return tlv(C["PKTMON_TLV_" + name], struct.pack("<Q", v))


def t_str(name, s):
    return tlv(C["PKTMON_TLV_" + name], s.encode())


def meta_payload(comp, layer, direction, group, appearance, netns=4026531840, cpu=0, flags=0,
                 ifindex=None, nf_family=None, drop=None, extra=b"", version=None):
    if version is None:
        version = C["PKTMON_META_VERSION"]
    p = struct.pack("<BB", version, 0)
    p += t_u32("COMPONENT_ID", comp) + t_u8("LAYER", layer) + t_u8("DIRECTION", direction)
    p += t_u64("PKT_GROUP_ID", group) + t_u32("APPEARANCE", appearance)
    if drop:
        reason, code, loc, sym = drop
        flags |= C["PKTMON_FLAG_DROPPED"]
        p += t_str("DROP_REASON", reason) + t_u32("DROP_REASON_CODE", code)
        p += t_u64("DROP_LOCATION", loc) + t_str("DROP_SYMBOL", sym)
    if ifindex is not None:
        p += t_u32("IFINDEX", ifindex)
    p += t_u32("NETNS", netns) + t_u32("CPU", cpu) + t_u32("FLAGS", flags)
    if nf_family is not None:
        p += t_u8("NF_FAMILY", nf_family)
    return p + extra


def meta_option(payload, pen=None):
    if pen is None:
        pen = C["PKTMON_PEN"]
    return opt(C["PKTMON_PCAPNG_OPT_CUSTOM_BIN_COPY"], struct.pack("<I", pen) + payload)


def epb_options(direction, group, payload=None, comment=None, dropcount=None, pen=None, meta_first=True):
    # pktmon writes its option first (readers walking the options stop there); meta_first=False
    # gives the order of files written before that, which readers must still take
    items = [opt(2, struct.pack("<I", direction & 3))]
    if dropcount is not None:
        items.append(opt(4, struct.pack("<Q", dropcount)))
    items.append(opt(5, struct.pack("<Q", group)))
    if comment:
        items.append(opt(1, comment.encode()))
    if payload is not None:
        m = meta_option(payload, pen)
        items = [m] + items if meta_first else items + [m]
    return opts(*items)


# ---------------------------------------------------------------------------
# packets


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, ident=1):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0,
                      bytes(src), bytes(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def eth(dst, src, etype, payload):
    return bytes(dst) + bytes(src) + struct.pack("!H", etype) + payload


def tcp_syn(sport, dport, seq):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 0x50, 0x02, 64240, 0, 0)


def udp(sport, dport, data):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


MAC_A = [0x02, 0, 0, 0, 0, 0x0A]
MAC_B = [0x02, 0, 0, 0, 0, 0x0B]
ZERO = [0] * 6

SYN = eth(MAC_B, MAC_A, 0x0800, ipv4([10, 0, 0, 2], [10, 0, 0, 1], 6, tcp_syn(40000, 80, 1000)))
DNS = ipv4([10, 0, 0, 1], [10, 0, 0, 53], 17, udp(50000, 53, b"\x12\x34" + b"\0" * 10), ident=7)
DNS_SYNTH = eth(ZERO, ZERO, 0x0800, DNS)
DNS_L2 = eth(MAC_A, MAC_B, 0x0800, DNS)
RST_TO = eth(MAC_B, MAC_A, 0x0800, ipv4([10, 0, 0, 3], [10, 0, 0, 1], 6, tcp_syn(40001, 9, 5)))

NS_HOST = 4026531840
NS_WEB = 4026532500
T0 = 1700000000 * 1000000000

# ---------------------------------------------------------------------------
# samples


def component(cid, name, layer, direction, netns, ifindex=None, nf=None, ifid=None, ifname="",
              nsname="host"):
    p = t_u32("COMPONENT_ID", cid) + t_u8("LAYER", layer) + t_u8("DIRECTION", direction)
    if ifindex is not None:
        p += t_u32("IFINDEX", ifindex)
    p += t_u32("NETNS", netns)
    if nf is not None:
        p += t_u8("NF_FAMILY", nf)
    p += t_str("NAME", name)
    if ifname:
        p += t_str("IFNAME", ifname)
    p += t_str("NETNS_NAME", nsname)
    if ifid is not None:
        p += t_u32("INTERFACE_ID", ifid)
    return tlv(C["PKTMON_REC_COMPONENT"], p)


def rundown_payload(records, version=None, kind=None, records_len=None):
    version = C["PKTMON_RUNDOWN_VERSION"] if version is None else version
    kind = C["PKTMON_RUNDOWN_KIND_SESSION"] if kind is None else kind
    body = b"".join(records)
    n = len(body) if records_len is None else records_len
    return struct.pack("<HHI", version, kind, n) + body


def normal_rundown():
    L = C
    recs = [
        component(101, "veth0 rx [netns web]", L["PKTMON_LAYER_DEV_RX"], L["PKTMON_DIR_RX"], NS_WEB,
                  ifindex=7, ifid=0, ifname="veth0", nsname="web"),
        component(102, "ipv4 PREROUTING [netns host]", L["PKTMON_LAYER_NF_PREROUTING"],
                  L["PKTMON_DIR_RX"], NS_HOST, nf=L["PKTMON_NF_IPV4"], ifid=1),
        component(105, "ipv4 OUTPUT [netns host]", L["PKTMON_LAYER_NF_OUTPUT"], L["PKTMON_DIR_TX"],
                  NS_HOST, nf=L["PKTMON_NF_IPV4"], ifid=2),
        component(103, "ipv4 INPUT [netns host]", L["PKTMON_LAYER_NF_INPUT"], L["PKTMON_DIR_RX"],
                  NS_HOST, nf=L["PKTMON_NF_IPV4"], ifid=3),
        component(104, "eth0 tx [netns host]", L["PKTMON_LAYER_DEV_TX"], L["PKTMON_DIR_TX"],
                  NS_HOST, ifindex=2, ifid=4, ifname="eth0"),
        component(106, "stack [netns host]", L["PKTMON_LAYER_STACK"], L["PKTMON_DIR_UNKNOWN"],
                  NS_HOST, ifid=5),
        tlv(L["PKTMON_REC_FILTER"], t_u32("FILTER_INDEX", 1) + t_str("FILTER_NAME", "web") +
            t_str("FILTER_TEXT", "TCP port 80")),
        tlv(L["PKTMON_REC_CAPTURE_FILTER"], t_str("CAPTURE_FILTER", "tcp or udp")),
        tlv(L["PKTMON_REC_COUNTERS"], t_u32("COMPONENT_ID", 103) + t_u64("RX_PKTS", 2) +
            t_u64("RX_BYTES", 108) + t_u64("TX_PKTS", 0) + t_u64("TX_BYTES", 0) +
            t_u64("DROPS", 1) + t_u64("LOST", 0)),
        tlv(L["PKTMON_REC_DROP_COUNT"], t_u32("COMPONENT_ID", 103) + t_str("DROP_REASON", "NETFILTER_DROP") +
            t_u32("DROP_REASON_CODE", 6) + t_u64("COUNT", 1)),
        tlv(L["PKTMON_REC_DROP_COUNT"], t_u32("COMPONENT_ID", 106) + t_str("DROP_REASON", "NO_SOCKET") +
            t_u32("DROP_REASON_CODE", 3) + t_u64("COUNT", 1)),
        tlv(L["PKTMON_REC_SESSION"], t_str("SESSION_NAME", "test") + t_u64("START_NS", T0) +
            t_u64("STOP_NS", T0 + 10**9) + t_u32("SNAPLEN", 0) + t_u8("CAPTURE_TYPE", L["PKTMON_TYPE_ALL"]) +
            t_u64("EVENTS_WRITTEN", 8) + t_u64("EVENTS_LOST", 0) + t_str("KERNEL", "6.18.0-test")),
    ]
    return rundown_payload(recs)


def make_normal():
    """Two packets interleaved plus a stack drop and a frame without metadata.

    frame 1  g1 a1 veth0 rx [netns web]        (IDB 0, component 101)
    frame 2  g1 a2 ipv4 PREROUTING [netns host] (IDB 1, component 102)
    frame 3  g2 a1 ipv4 OUTPUT [netns host]     (IDB 2, component 105, L2 synthesized)
    frame 4  g1 a3 ipv4 INPUT [netns host]      (IDB 3, component 103)
    frame 5  g2 a2 eth0 tx [netns host]         (IDB 4, component 104)
    frame 6  g1 a4 ipv4 INPUT [netns host]      DROP NETFILTER_DROP
    frame 7  g3 a1 stack [netns host]           (IDB 5, component 106) DROP NO_SOCKET
    frame 8  no pktmon option                  (IDB 4)
    then the rundown Custom Block and one ISB per interface.
    Component ids differ from interface ids on purpose: readers must not rely on them being equal.
    """
    L = C
    RX, TX = L["PKTMON_DIR_RX"], L["PKTMON_DIR_TX"]
    v4 = L["PKTMON_NF_IPV4"]
    out = [shb()]
    out.append(idb("veth0 rx [netns web]", "pktmon component 101: layer dev rx netns %d (web) ifindex 7" % NS_WEB))
    out.append(epb(0, T0 + 1000, SYN, epb_options(1, 1, meta_payload(101, L["PKTMON_LAYER_DEV_RX"], RX, 1, 1,
                                                                      netns=NS_WEB, ifindex=7, cpu=1))))
    out.append(idb("ipv4 PREROUTING [netns host]", "pktmon component 102: layer PREROUTING netns %d (host) ifindex 0" % NS_HOST))
    out.append(epb(1, T0 + 2000, SYN, epb_options(1, 1, meta_payload(102, L["PKTMON_LAYER_NF_PREROUTING"], RX, 1, 2,
                                                                      ifindex=3, cpu=1, nf_family=v4),
                                                      meta_first=False)))  # the order of older files
    out.append(idb("ipv4 OUTPUT [netns host]", "pktmon component 105: layer OUTPUT netns %d (host) ifindex 0" % NS_HOST))
    out.append(epb(2, T0 + 2500, DNS_SYNTH, epb_options(2, 2, meta_payload(
        105, L["PKTMON_LAYER_NF_OUTPUT"], TX, 2, 1, cpu=0, nf_family=v4, flags=L["PKTMON_FLAG_L2_SYNTHESIZED"]))))
    out.append(idb("ipv4 INPUT [netns host]", "pktmon component 103: layer INPUT netns %d (host) ifindex 0" % NS_HOST))
    out.append(epb(3, T0 + 3000, SYN, epb_options(1, 1, meta_payload(103, L["PKTMON_LAYER_NF_INPUT"], RX, 1, 3,
                                                                      ifindex=3, cpu=1, nf_family=v4))))
    out.append(idb("eth0 tx [netns host]", "pktmon component 104: layer dev tx netns %d (host) ifindex 2" % NS_HOST))
    out.append(epb(4, T0 + 3500, DNS_L2, epb_options(2, 2, meta_payload(104, L["PKTMON_LAYER_DEV_TX"], TX, 2, 2,
                                                                         ifindex=2, cpu=0), dropcount=3)))
    drop = ("NETFILTER_DROP", 6, 0xFFFFFFFFC0A1B46F, "nft_do_chain+0x46f")
    out.append(epb(3, T0 + 4000, SYN, epb_options(1, 1, meta_payload(
        103, L["PKTMON_LAYER_NF_INPUT"], RX, 1, 4, ifindex=3, cpu=1, nf_family=v4, drop=drop),
        comment="DROP NETFILTER_DROP at nft_do_chain+0x46f")))
    out.append(idb("stack [netns host]", "pktmon component 106: layer stack netns %d (host) ifindex 0" % NS_HOST))
    drop2 = ("NO_SOCKET", 3, 0xFFFFFFFF81A2B3C4, "tcp_v4_rcv+0x1c4")
    out.append(epb(5, T0 + 5000, RST_TO, epb_options(1, 3, meta_payload(
        106, L["PKTMON_LAYER_STACK"], 0, 3, 1, cpu=2, drop=drop2),
        comment="DROP NO_SOCKET at tcp_v4_rcv+0x1c4")))
    out.append(epb(4, T0 + 6000, DNS_L2, opts(opt(2, struct.pack("<I", 2)))))
    out.append(custom_block(L["PKTMON_PEN"], normal_rundown()))
    for ifid, (recv, drp) in enumerate([(1, 0), (1, 0), (1, 0), (2, 1), (2, 0), (1, 1)]):
        out.append(isb(ifid, T0 + 10**9, recv, drp, 3 if ifid == 4 else 0))
    return b"".join(out)


def make_why():
    """What the kernel did next, and a delivered copy.

    frame 1  g1 a1 eth0 rx [netns host]           (IDB 0)
    frame 2  g1 a2 ipv4 INPUT [netns host]        (IDB 1)
    frame 3  g1 a3 ICMP error sent [netns host]   (IDB 2) why: ICMP type 3 code 3
    frame 4  g1 a4 ipv4 INPUT [netns host]        DROP NO_SOCKET
    frame 5  g2 a1 ipv4 INPUT [netns host]
    frame 6  g2 a2 ipv4 INPUT [netns host]        freed NO_SOCKET, DELIVERED_COPY
    frame 7  g3 a1 TCP reset sent [netns host]    (IDB 3) why: TCP reset, state ESTABLISHED
    """
    L = C
    RX = L["PKTMON_DIR_RX"]
    v4 = L["PKTMON_NF_IPV4"]
    out = [shb()]
    out.append(idb("eth0 rx [netns host]", "pktmon component 201: layer dev-rx netns %d (host) ifindex 2" % NS_HOST))
    out.append(epb(0, T0 + 1000, SYN, epb_options(1, 1, meta_payload(201, L["PKTMON_LAYER_DEV_RX"], RX, 1, 1,
                                                                      ifindex=2))))
    out.append(idb("ipv4 INPUT [netns host]", "pktmon component 3: layer nf-input netns %d (host) ifindex 0" % NS_HOST))
    out.append(epb(1, T0 + 2000, SYN, epb_options(1, 1, meta_payload(3, L["PKTMON_LAYER_NF_INPUT"], RX, 1, 2,
                                                                      ifindex=2, nf_family=v4))))
    out.append(idb("ICMP error sent [netns host]", "pktmon component 13: layer icmp-error netns %d (host) ifindex 0" % NS_HOST))
    why = t_u8("WHY", L["PKTMON_WHY_ICMP_SENT"]) + t_u8("ICMP_TYPE", 3) + t_u8("ICMP_CODE", 3)
    out.append(epb(2, T0 + 3000, SYN, opts(opt(5, struct.pack("<Q", 1)), meta_option(meta_payload(
        13, L["PKTMON_LAYER_ICMP_SEND"], 0, 1, 3, extra=why)))))
    drop = ("NO_SOCKET", 3, 0xFFFFFFFF81A2B3C4, "__udp4_lib_rcv+0x4bc")
    out.append(epb(1, T0 + 4000, SYN, epb_options(1, 1, meta_payload(
        3, L["PKTMON_LAYER_NF_INPUT"], RX, 1, 4, ifindex=2, nf_family=v4, drop=drop),
        comment="DROP NO_SOCKET at __udp4_lib_rcv+0x4bc")))
    out.append(epb(1, T0 + 5000, SYN, epb_options(1, 2, meta_payload(3, L["PKTMON_LAYER_NF_INPUT"], RX, 2, 1,
                                                                      ifindex=2, nf_family=v4))))
    copy = ("NO_SOCKET", 3, 0xFFFFFFFF81A2B3D5, "ping_rcv+0xb3")
    out.append(epb(1, T0 + 6000, SYN, epb_options(1, 2, meta_payload(
        3, L["PKTMON_LAYER_NF_INPUT"], RX, 2, 2, ifindex=2, nf_family=v4, drop=copy,
        flags=L["PKTMON_FLAG_DELIVERED_COPY"]),
        comment="DROP NO_SOCKET at ping_rcv+0xb3 (a copy reached a socket: not a loss)")))
    out.append(idb("TCP reset sent [netns host]", "pktmon component 14: layer tcp-reset netns %d (host) ifindex 0" % NS_HOST))
    rst = t_u8("WHY", L["PKTMON_WHY_TCP_RESET"]) + t_u8("TCP_STATE", 1)
    out.append(epb(3, T0 + 7000, SYN, opts(opt(5, struct.pack("<Q", 3)), meta_option(meta_payload(
        14, L["PKTMON_LAYER_TCP_RESET"], 0, 3, 1, extra=rst)))))
    return b"".join(out)


def one_frame_file(payload, pen=None, name="ipv4 INPUT [netns host]", extra_frames=()):
    """A file with one IDB and one EPB carrying the given option payload."""
    out = [shb(), idb(name, "pktmon component 1: layer INPUT netns %d (host) ifindex 0" % NS_HOST)]
    out.append(epb(0, T0, SYN, epb_options(1, 9, payload, pen=pen)))
    for p in extra_frames:
        out.append(epb(0, T0 + 1000, SYN, epb_options(1, 9, p)))
    return b"".join(out)


def good_minimal(group=9, appearance=1):
    return meta_payload(1, C["PKTMON_LAYER_NF_INPUT"], C["PKTMON_DIR_RX"], group, appearance)


def make_two_hosts():
    """Two hosts' captures as mergecap leaves them: one SHB, each host's IDB with the host last in its
    description, frames of both in time order (web1, db1, web1), then both rundowns.
    A third IDB of an older pktmon (no host) carries frame 4."""
    out = [shb()]
    for cid, host in ((1, "web1"), (1, "db1")):
        out.append(idb("eth0 rx [netns host]", "pktmon component %d: layer dev-rx netns %d (host) ifindex 2 host %s"
                       % (cid, NS_HOST, host)))
    out.append(idb("eth0 rx [netns host]", "pktmon component 1: layer dev-rx netns %d (host) ifindex 2" % NS_HOST))
    for i, ifid in enumerate((0, 1, 0, 2)):
        out.append(epb(ifid, T0 + i * 1000, SYN, epb_options(1, 9 + i, good_minimal(group=9 + i))))
    for host in ("web1", "db1"):
        out.append(custom_block(C["PKTMON_PEN"], rundown_payload([tlv(C["PKTMON_REC_SESSION"], t_str(
            "SESSION_NAME", "pktmon") + t_str("KERNEL", "6.18.0-test") + t_str("HOST", host))])))
    return b"".join(out)


def make_truncated_tlv():
    # A whole COMPONENT_ID, then 3 bytes: a TLV header cut short.
    p = struct.pack("<BB", C["PKTMON_META_VERSION"], 0) + t_u32("COMPONENT_ID", 1) + b"\x02\x00\x01"
    return one_frame_file(p)


def make_length_past_end():
    # LAYER claims 200 bytes of value; 1 is there.
    p = struct.pack("<BB", C["PKTMON_META_VERSION"], 0) + t_u32("COMPONENT_ID", 1)
    p += struct.pack("<HH", C["PKTMON_TLV_LAYER"], 200) + b"\x03"
    return one_frame_file(p)


def make_bad_fixed_length():
    # COMPONENT_ID with a 2-byte value: framing is intact, the value is not a u32.
    p = struct.pack("<BB", C["PKTMON_META_VERSION"], 0) + tlv(C["PKTMON_TLV_COMPONENT_ID"], b"\x01\x00")
    p += t_u8("LAYER", C["PKTMON_LAYER_NF_INPUT"])
    return one_frame_file(p)


def make_empty_payload():
    # The option holds the PEN and nothing else.
    return one_frame_file(b"")


def make_same_group(count=300):
    """Many frames sharing one packet group id: the path is capped, the file still reads."""
    out = [shb(), idb("ipv4 INPUT [netns host]", "pktmon component 1: same group")]
    for i in range(count):
        out.append(epb(0, T0 + i, SYN, epb_options(1, 7, good_minimal(group=7, appearance=i + 1))))
    return b"".join(out)


def make_crowded_groups(count=200):
    """Group ids a power of two apart (k << 20), which all fall in one slot of the plugin's path index
    until it switches to its mixing hash: every packet still gets its own path. Two interfaces, two
    hops a group, pairs of groups interleaved (a1 b1 a2 b2)."""
    out = [shb(), idb("ipv4 OUTPUT [netns host]", "pktmon component 1: crowded"),
           idb("eth0 tx [netns host]", "pktmon component 2: crowded")]
    n = 0
    for k in range(0, count, 2):
        for hop in (1, 2):
            for g in (k + 1, k + 2):
                payload = meta_payload(hop, C["PKTMON_LAYER_NF_OUTPUT"], C["PKTMON_DIR_TX"], g << 20, hop)
                out.append(epb(hop - 1, T0 + n, SYN, epb_options(2, g << 20, payload)))
                n += 1
    return b"".join(out)


def make_version2():
    return one_frame_file(meta_payload(1, 3, 1, 9, 1, version=2))


def make_wrong_pen():
    return one_frame_file(good_minimal(), pen=12345)


def make_unknown_tlv():
    extra = tlv(0x7777, b"abc") + tlv(200, b"") + tlv(0x0F, struct.pack("<I", 5))
    return one_frame_file(good_minimal() + extra)


def make_bad_rundown():
    # Records length past the block, a record whose nested TLV overruns the record,
    # and a Custom Block of our PEN with an unknown version.
    bad_nested = tlv(C["PKTMON_REC_COMPONENT"], t_u32("COMPONENT_ID", 1) + struct.pack("<HH", 0x20, 50) + b"ab")
    p1 = rundown_payload([bad_nested], records_len=400)
    p2 = rundown_payload([], version=7)
    out = [one_frame_file(good_minimal()), custom_block(C["PKTMON_PEN"], p1),
           custom_block(C["PKTMON_PEN"], p2), custom_block(4242, b"\x01\x02\x03\x04")]
    return b"".join(out)


def make_mutations(seed=1234, count=3000):
    """Many EPBs whose metadata is a random mutation of a good payload (robustness)."""
    rnd = random.Random(seed)
    L = C
    base = [
        good_minimal(),
        meta_payload(103, L["PKTMON_LAYER_NF_INPUT"], 1, 5, 2, nf_family=2, ifindex=3,
                     drop=("NETFILTER_DROP", 6, 0xFFFFFFFFC0A1B46F, "nft_do_chain+0x46f")),
    ]
    out = [shb(), idb("fuzz [netns host]", "pktmon component 1: fuzz")]
    for i in range(count):
        p = bytearray(rnd.choice(base))
        for _ in range(rnd.randint(1, 6)):
            op = rnd.randint(0, 4)
            if op == 0 and p:
                p[rnd.randrange(len(p))] = rnd.randrange(256)
            elif op == 1 and p:
                del p[rnd.randrange(len(p)):]
            elif op == 2:
                pos = rnd.randrange(len(p) + 1)
                p[pos:pos] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 8)))
            elif op == 3 and len(p) > 4:
                pos = rnd.randrange(2, len(p) - 1)
                p[pos:pos + 2] = struct.pack("<H", rnd.choice([0, 1, 0xFFFF, 0x7FFF, rnd.randrange(65536)]))
            elif op == 4 and len(p) > 2:
                p[0] = rnd.choice([0, 1, 1, 2, 255])
        out.append(epb(0, T0 + i, SYN, epb_options(1, rnd.randrange(8), bytes(p[:65000]))))
    # And random rundown blocks.
    for i in range(50):
        recs = normal_rundown()
        p = bytearray(recs)
        for _ in range(rnd.randint(1, 8)):
            p[rnd.randrange(len(p))] = rnd.randrange(256)
        if rnd.random() < 0.5:
            del p[rnd.randrange(len(p)):]
        out.append(custom_block(C["PKTMON_PEN"], bytes(p)))
    return b"".join(out)


def write_seeds(seeddir):
    """Seed corpus for the libFuzzer target: raw option payloads and rundown payloads.

    The fuzz target takes one selector byte (even: EPB metadata, odd: rundown), then the payload.
    """
    os.makedirs(seeddir, exist_ok=True)
    L = C
    seeds = {
        "meta_min": b"\0" + good_minimal(),
        "meta_drop": b"\0" + meta_payload(103, L["PKTMON_LAYER_NF_INPUT"], 1, 5, 4, nf_family=2, ifindex=3,
                                          drop=("NETFILTER_DROP", 6, 0xFFFFFFFFC0A1B46F, "nft_do_chain+0x46f")),
        "meta_unknown": b"\0" + good_minimal() + tlv(0x7777, b"abc"),
        "meta_v2": b"\0" + meta_payload(1, 3, 1, 9, 1, version=2),
        "rundown": b"\1" + normal_rundown(),
    }
    for name, data in seeds.items():
        with open(os.path.join(seeddir, name), "wb") as f:
            f.write(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--header", required=True)
    ap.add_argument("--seeds")
    ap.add_argument("outdir")
    args = ap.parse_args()
    C.update(load_header(args.header))
    need = ["PKTMON_PEN", "PKTMON_PCAPNG_OPT_CUSTOM_BIN_COPY", "PKTMON_TLV_DROP_SYMBOL", "PKTMON_REC_SESSION"]
    missing = [n for n in need if n not in C]
    if missing:
        sys.exit("make_samples.py: cannot read %s from %s" % (missing, args.header))
    os.makedirs(args.outdir, exist_ok=True)
    files = {
        "normal.pcapng": make_normal(),
        "two_hosts.pcapng": make_two_hosts(),
        "why.pcapng": make_why(),
        "truncated_tlv.pcapng": make_truncated_tlv(),
        "length_past_end.pcapng": make_length_past_end(),
        "bad_fixed_length.pcapng": make_bad_fixed_length(),
        "version2.pcapng": make_version2(),
        "empty_payload.pcapng": make_empty_payload(),
        "same_group.pcapng": make_same_group(),
        "crowded_groups.pcapng": make_crowded_groups(),
        "wrong_pen.pcapng": make_wrong_pen(),
        "unknown_tlv.pcapng": make_unknown_tlv(),
        "bad_rundown.pcapng": make_bad_rundown(),
        "mutations.pcapng": make_mutations(),
    }
    for name, data in files.items():
        with open(os.path.join(args.outdir, name), "wb") as f:
            f.write(data)
    if args.seeds:
        write_seeds(args.seeds)


if __name__ == "__main__":
    main()
