#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes small capture files, byte for byte, for the CLI tests: the same five
packets without pktmon metadata, as a tcpdump-like little-endian pcapng, a
big-endian pcapng, and a legacy pcap. Deterministic: no clock, no network.

Also files with pktmon metadata (docs/FORMAT.md) that a reader must survive:
hostile.pcapng (control characters, quotes and invalid UTF-8 in the names) and
meta-bad.pcapng (a good payload, a truncated one, one of a future version).

usage: make_files.py DIR   (writes nometa.pcapng, nometa-be.pcapng, nometa.pcap,
                            hostile.pcapng, meta-bad.pcapng)
"""
import os
import struct
import sys

T0 = 1700000000  # 2023-11-14 22:13:20 UTC


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0x4000, 64, proto, 0,
                      bytes(src), bytes(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def eth(payload, ethertype=0x0800):
    return bytes(6) + bytes(6) + struct.pack("!H", ethertype) + payload


LO = [127, 0, 0, 1]
UDP = ipv4(LO, LO, 17, struct.pack("!HHHH", 40000, 9999, 8 + 4, 0) + b"abcd")
TCP_SYN = ipv4(LO, LO, 6, struct.pack("!HHIIBBHHH", 40001, 80, 1, 0, 5 << 4, 0x02, 65535, 0, 0))
ICMP = ipv4(LO, LO, 1, struct.pack("!BBHHH", 8, 0, 0, 0x1234, 7) + b"ping")
IPV6_UDP = (struct.pack("!IHBB", 6 << 28, 8 + 2, 17, 64) + bytes(15) + b"\1" + bytes(15) + b"\1"
            + struct.pack("!HHHH", 5353, 5353, 10, 0) + b"hi")
ARP = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, bytes(6), bytes([10, 0, 0, 1]), bytes(6),
                  bytes([10, 0, 0, 2]))

# (interface, seconds after T0, frame); interface 0 is Ethernet "lo", 1 is Linux cooked v2 "any".
def sll2(proto, payload):
    return struct.pack("!HHIHBB8s", proto, 0, 1, 772, 0, 6, bytes(8)) + payload

PACKETS = [
    (0, 1, eth(UDP)),
    (0, 2, eth(TCP_SYN)),
    (0, 3, eth(ICMP)),
    (1, 4, sll2(0x86DD, IPV6_UDP)),
    (0, 5, eth(ARP, 0x0806)),
]


def opt(e, code, val):
    pad = (-len(val)) % 4
    return struct.pack(e + "HH", code, len(val)) + val + bytes(pad)


def block(e, btype, body):
    total = 12 + len(body)
    return struct.pack(e + "II", btype, total) + body + struct.pack(e + "I", total)


def pcapng(e):
    out = block(e, 0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1)
                + opt(e, 4, b"test writer (tcpdump-like)") + opt(e, 0, b""))
    # Interface 0: microseconds (no if_tsresol), as tcpdump writes; interface 1: 2^-20 s.
    out += block(e, 1, struct.pack(e + "HHI", 1, 0, 262144) + opt(e, 2, b"lo") + opt(e, 0, b""))
    out += block(e, 1, struct.pack(e + "HHI", 276, 0, 262144) + opt(e, 2, b"any")
                 + opt(e, 9, bytes([0x80 | 20])) + opt(e, 0, b""))
    for ifc, sec, frame in PACKETS:
        ts = (T0 + sec) * (10**6 if ifc == 0 else 1 << 20)
        body = struct.pack(e + "IIIII", ifc, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame))
        body += frame + bytes((-len(frame)) % 4)
        out += block(e, 6, body)
    return out


def pcap():
    # Legacy pcap holds one link type: the Ethernet frames only.
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
    for ifc, sec, frame in PACKETS:
        if ifc == 0:
            out += struct.pack("<IIII", T0 + sec, 0, len(frame), len(frame)) + frame
    return out


PEN = 32473


def tlv(t, v):
    return struct.pack("<HH", t, len(v)) + v


def meta(*tlvs, version=1):
    return bytes([version, 0]) + b"".join(tlvs)


def pktmon_file(ifname, payloads):
    """One interface, one EPB per metadata payload (option 2989 with our PEN)."""
    e = "<"
    out = block(e, 0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(e, 1, struct.pack(e + "HHI", 1, 0, 262144) + opt(e, 2, ifname)
                 + opt(e, 9, bytes([9])) + opt(e, 0, b""))
    frame = eth(ICMP)
    for i, m in enumerate(payloads):
        ts = (T0 + i) * 10**9
        body = struct.pack(e + "IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame))
        body += frame + bytes((-len(frame)) % 4)
        body += opt(e, 2989, struct.pack(e + "I", PEN) + m) + opt(e, 0, b"")
        out += block(e, 6, body)
    return out


def hostile():
    m = meta(tlv(1, struct.pack("<I", 3)), tlv(3, b"\x01"), tlv(4, struct.pack("<Q", 9)),
             tlv(5, struct.pack("<I", 1)), tlv(13, struct.pack("<I", 1)),
             tlv(6, b'BAD"REASON\n\x1b[31m'), tlv(9, b"sym\\x\xc3\xa9\xff"))
    return pktmon_file(b'evil\x1b[2J"name"\xff', [m])


def meta_bad():
    good = meta(tlv(1, struct.pack("<I", 1)), tlv(4, struct.pack("<Q", 1)), tlv(5, struct.pack("<I", 1)))
    # APPEARANCE says 4 bytes, 1 follows
    truncated = meta(tlv(4, struct.pack("<Q", 2))) + struct.pack("<HH", 5, 4) + b"\1"
    future = meta(tlv(1, struct.pack("<I", 1)), version=2)
    return pktmon_file(b"comp", [good, truncated, future])


def two_hosts():
    """What mergecap makes of two hosts' captures: one SHB, each host's IDBs (the host last in
    if_description), their EPBs in time order, both rundowns (SESSION record with HOST)."""
    e = "<"
    out = block(e, 0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1)
                + opt(e, 1, b"pktmon capture on host web1") + opt(e, 0, b""))
    for i, host in enumerate((b"web1", b"db1")):
        desc = b"pktmon component %d: layer dev-tx netns 4026531840 (host) ifindex 2 host " % (i + 1) + host
        out += block(e, 1, struct.pack(e + "HHI", 1, 0, 262144) + opt(e, 2, b"eth0 tx [netns host]")
                     + opt(e, 3, desc) + opt(e, 9, bytes([9])) + opt(e, 0, b""))
    frame = eth(ICMP)
    for i, ifc in enumerate((0, 1, 1)):
        m = meta(tlv(1, struct.pack("<I", ifc + 1)), tlv(4, struct.pack("<Q", i + 1)), tlv(5, struct.pack("<I", 1)))
        ts = (T0 + i) * 10**9
        body = struct.pack(e + "IIIII", ifc, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame))
        body += frame + bytes((-len(frame)) % 4)
        body += opt(e, 2989, struct.pack(e + "I", PEN) + m) + opt(e, 0, b"")
        out += block(e, 6, body)
    for host in (b"web1", b"db1"):
        rec = tlv(0x0106, tlv(0x50, b"pktmon") + tlv(0x57, b"6.1.0") + tlv(0x58, host))
        payload = struct.pack(e + "HHI", 1, 1, len(rec)) + rec
        out += block(e, 0xBAD, struct.pack(e + "I", PEN) + payload + bytes((-len(payload)) % 4))
    return out


def main():
    d = sys.argv[1]
    with open(os.path.join(d, "two-hosts.pcapng"), "wb") as f:
        f.write(two_hosts())
    with open(os.path.join(d, "nometa.pcapng"), "wb") as f:
        f.write(pcapng("<"))
    with open(os.path.join(d, "nometa-be.pcapng"), "wb") as f:
        f.write(pcapng(">"))
    with open(os.path.join(d, "nometa.pcap"), "wb") as f:
        f.write(pcap())
    with open(os.path.join(d, "hostile.pcapng"), "wb") as f:
        f.write(hostile())
    with open(os.path.join(d, "meta-bad.pcapng"), "wb") as f:
        f.write(meta_bad())


if __name__ == "__main__":
    main()
