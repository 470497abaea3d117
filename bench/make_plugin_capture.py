#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write a large pktmon capture for bench/plugin_cost.sh: N observations of UDP datagrams from
namespace pmdemo-a to pmdemo-b, seven components each (OUTPUT, POSTROUTING, qdisc enqueue, veth-a
tx, veth-b rx, PREROUTING, INPUT) as pktmon records them, one packet group id per datagram, and
about 1 % of the datagrams dropped at INPUT (an eighth observation with reason, code, location and
symbol), then the session rundown. The records come from dissector/tests/make_samples.py's
writer; each distinct record is built once and its group id and timestamp patched per datagram.

usage: make_plugin_capture.py --header PATH/pktmon_format.h [-n OBSERVATIONS] OUTFILE
"""

import argparse
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dissector", "tests"))
import make_samples as ms  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--header", required=True)
    ap.add_argument("-n", type=int, default=1000000, help="observations (default 1,000,000)")
    ap.add_argument("--drop-every", type=int, default=100, help="one datagram in this many is dropped")
    ap.add_argument("out")
    args = ap.parse_args()
    ms.C.update(ms.load_header(args.header))
    L = ms.C
    NS_A, NS_B = 4026532600, 4026532700
    RX, TX = L["PKTMON_DIR_RX"], L["PKTMON_DIR_TX"]
    v4 = L["PKTMON_NF_IPV4"]
    # name, layer, direction, netns, ifindex, nf family
    comps = [
        ("ipv4 OUTPUT [netns pmdemo-a]", L["PKTMON_LAYER_NF_OUTPUT"], TX, NS_A, None, v4),
        ("ipv4 POSTROUTING [netns pmdemo-a]", L["PKTMON_LAYER_NF_POSTROUTING"], TX, NS_A, None, v4),
        ("veth-a qdisc enqueue [netns pmdemo-a]", L["PKTMON_LAYER_QDISC_ENQ"], TX, NS_A, 2, None),
        ("veth-a tx [netns pmdemo-a]", L["PKTMON_LAYER_DEV_TX"], TX, NS_A, 2, None),
        ("veth-b rx [netns pmdemo-b]", L["PKTMON_LAYER_DEV_RX"], RX, NS_B, 3, None),
        ("ipv4 PREROUTING [netns pmdemo-b]", L["PKTMON_LAYER_NF_PREROUTING"], RX, NS_B, None, v4),
        ("ipv4 INPUT [netns pmdemo-b]", L["PKTMON_LAYER_NF_INPUT"], RX, NS_B, None, v4),
    ]
    mac_a, mac_b = [2, 0, 0, 0, 0, 0xA], [2, 0, 0, 0, 0, 0xB]
    ip = ms.ipv4([10, 99, 0, 1], [10, 99, 0, 2], 17, ms.udp(40000, 7, b"\0" * 18), ident=1)
    l2 = ms.eth(mac_b, mac_a, 0x0800, ip)
    synth = ms.eth([0] * 6, [0] * 6, 0x0800, ip)
    drop = ("NETFILTER_DROP", 6, 0xFFFFFFFF81C2B3D4, "nf_hook_slow+0x94")

    # One template EPB per (component, dropped); group id (meta TLV and packet-id option) and
    # timestamp are patched in place. Marker values locate the fields.
    GROUP_MARK = 0x0123456789ABCDEF
    templates = []
    for i, (name, layer, direction, netns, ifindex, nf) in enumerate(comps):
        for dropped in (False, True):
            if dropped and i != len(comps) - 1:
                templates.append(None)
                continue
            frame = l2 if ifindex is not None else synth
            flags = 0 if ifindex is not None else L["PKTMON_FLAG_L2_SYNTHESIZED"]
            payload = ms.meta_payload(i + 1, layer, direction, GROUP_MARK, i + 1 + dropped, netns=netns,
                                      cpu=1, flags=flags, ifindex=ifindex, nf_family=nf,
                                      drop=drop if dropped else None)
            rec = bytearray(ms.epb(i, 0, frame, ms.epb_options(1 if direction == RX else 2, GROUP_MARK, payload)))
            mark = struct.pack("<Q", GROUP_MARK)
            offs = []
            at = rec.find(mark)
            while at >= 0:
                offs.append(at)
                at = rec.find(mark, at + 1)
            assert len(offs) == 2, offs
            templates.append((rec, offs))

    T0 = 1700000000 * 1000000000
    written = 0
    drops = 0
    counts = [0] * len(comps)
    with open(args.out, "wb") as f:
        f.write(ms.shb())
        for i, (name, layer, _d, netns, ifindex, _nf) in enumerate(comps):
            f.write(ms.idb(name, "pktmon component %u: layer %u netns %u" % (i + 1, layer, netns)))
        group = 0
        ts = T0
        while written < args.n:
            group += 1
            dropped = group % args.drop_every == 0
            hops = [(c, False) for c in range(len(comps))] + ([(len(comps) - 1, True)] if dropped else [])
            for c, d in hops:
                if written >= args.n:
                    break
                rec, offs = templates[2 * c + d]
                for o in offs:
                    struct.pack_into("<Q", rec, o, group)
                struct.pack_into("<II", rec, 12, ts >> 32, ts & 0xFFFFFFFF)
                f.write(rec)
                ts += 1500
                written += 1
                counts[c] += 1
                drops += d
        recs = []
        for i, (name, layer, direction, netns, ifindex, nf) in enumerate(comps):
            recs.append(ms.component(i + 1, name, layer, direction, netns, ifindex=ifindex, nf=nf, ifid=i,
                                     ifname=name.split()[0] if ifindex else "",
                                     nsname=name.split("netns ")[1].rstrip("]")))
        recs.append(ms.tlv(L["PKTMON_REC_DROP_COUNT"], ms.t_u32("COMPONENT_ID", len(comps)) +
                           ms.t_str("DROP_REASON", drop[0]) + ms.t_u32("DROP_REASON_CODE", drop[1]) +
                           ms.t_u64("COUNT", drops)))
        recs.append(ms.tlv(L["PKTMON_REC_SESSION"], ms.t_str("SESSION_NAME", "plugin-cost") + ms.t_u64("START_NS", T0) +
                           ms.t_u64("STOP_NS", ts) + ms.t_u32("SNAPLEN", 0) +
                           ms.t_u8("CAPTURE_TYPE", L["PKTMON_TYPE_ALL"]) + ms.t_u64("EVENTS_WRITTEN", written) +
                           ms.t_u64("EVENTS_LOST", 0) + ms.t_str("KERNEL", "6.1.0-bench")))
        f.write(ms.custom_block(L["PKTMON_PEN"], ms.rundown_payload(recs)))
    print("%d observations, %d datagrams, %d drops" % (written, group, drops))


if __name__ == "__main__":
    main()
