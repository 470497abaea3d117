#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""pcapng_stats.py FILE [--first N] - a few facts about a pktmon pcapng file, as one JSON line.

  epbs                 Enhanced Packet Blocks read
  first_ts_ns          the earliest EPB timestamp (ns since the epoch; pktmon writes if_tsresol 9)
  distinct_packet_ids  distinct epb_packetid values (pktmon's packet group ids)
  max_appearance       the highest appearance number in the pktmon metadata (TLV 5)

With --first N only the first N EPBs are read (enough for first_ts_ns). Little-endian files only
(pktmon writes nothing else).
"""
import json
import struct
import sys

PEN = 32473


def main():
    path = sys.argv[1]
    first = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--first" else None
    d = open(path, "rb").read() if first is None else open(path, "rb").read(4 << 20)
    off, n, best, ids, max_app = 0, 0, None, set(), 0
    unpack = struct.unpack_from
    while off + 12 <= len(d):
        t, l = unpack("<II", d, off)
        if l < 12 or off + l > len(d):
            break
        if t == 6:
            hi, lo, cap = unpack("<III", d, off + 12)
            ts = (hi << 32) | lo
            best = ts if best is None or ts < best else best
            o = off + 28 + ((cap + 3) & ~3)
            end = off + l - 4
            while o + 4 <= end:
                code, ol = unpack("<HH", d, o)
                if code == 0:
                    break
                if code == 5 and ol == 8:
                    ids.add(unpack("<Q", d, o + 4)[0])
                elif code == 2989 and ol > 6 and unpack("<I", d, o + 4)[0] == PEN:
                    m, mend = o + 10, o + 4 + ol  # after the PEN and the version/reserved bytes
                    while m + 4 <= mend:
                        tt, tl = unpack("<HH", d, m)
                        if tt == 5 and tl == 4:
                            a = unpack("<I", d, m + 4)[0]
                            max_app = a if a > max_app else max_app
                            break
                        m += 4 + tl
                o += 4 + ((ol + 3) & ~3)
            n += 1
            if first is not None and n >= first:
                break
        off += l
    print(json.dumps({"epbs": n, "first_ts_ns": best or 0, "distinct_packet_ids": len(ids),
                      "max_appearance": max_app}))


main()
