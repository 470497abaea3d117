#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""startup.py - the two halves of bench/startup.sh that need more than a shell.

  startup.py send ADDR PORT SECONDS
      a numbered UDP datagram every millisecond: b"PMSU" + seq (u32) + CLOCK_REALTIME ns (u64)
  startup.py first FILE
      the earliest send time (ns) of a datagram of ours in a pktmon pcapng file, or nothing
  startup.py summary CSV
      medians per variant and phase of the rows "variant,run,phase,ms_since_exec" (a Markdown table)
"""
import socket
import struct
import sys
import time

MAGIC = b"PMSU"


def send(addr, port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    seq, start = 0, time.monotonic()
    nxt = start
    while time.monotonic() - start < seconds:
        s.sendto(MAGIC + struct.pack("<IQ", seq, time.time_ns()) + bytes(20), (addr, port))
        seq += 1
        nxt += 0.001
        pause = nxt - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        else:
            nxt = time.monotonic()  # behind (a loaded machine): no burst to catch up


def first(path):
    d = open(path, "rb").read()
    off, best, epbs = 0, None, 0
    while off + 12 <= len(d):
        t, length = struct.unpack_from("<II", d, off)
        if length < 12 or off + length > len(d):
            break
        if t == 6:  # Enhanced Packet Block: the frame's bytes follow 28 bytes of header
            epbs += 1
            cap = struct.unpack_from("<I", d, off + 20)[0]
            frame = d[off + 28 : off + 28 + cap]
            i = frame.find(MAGIC)
            if i >= 0 and i + 16 <= len(frame):
                _, sent = struct.unpack_from("<IQ", frame, i + 4)
                best = sent if best is None else min(best, sent)
        off += length
    if best is not None:
        print(best)
    else:
        print(f"startup.py: none of the {epbs} packets in {path} is ours", file=sys.stderr)


def summary(path):
    import collections
    import statistics

    rows = collections.defaultdict(list)  # (phase, variant) -> ms
    order, variants = [], []
    for line in open(path):
        variant, _, phase, ms = line.rstrip("\n").split(",")
        if phase not in order:
            order.append(phase)
        if variant not in variants:
            variants.append(variant)
        rows[(phase, variant)].append(float(ms))
    # the phases in the order they end
    # (rows named ~...: CPU time and load, not times since the exec, last)
    order.sort(key=lambda p: (p.startswith("~"),
                              statistics.median(rows.get((p, variants[-1])) or rows.get((p, variants[0])) or [0])))
    print("| ms since the exec of pktmon (median, min-max) | " + " | ".join(variants) + " |")
    print("|---|" + "---:|" * len(variants))
    for p in order:
        cells = []
        for v in variants:
            x = rows.get((p, v))
            cells.append(f"{statistics.median(x):.1f} ({min(x):.0f}-{max(x):.0f}), n={len(x)}" if x else "-")
        print(f"| {p} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    elif sys.argv[1] == "first":
        first(sys.argv[2])
    elif sys.argv[1] == "summary":
        summary(sys.argv[2])
