#!/bin/bash
# The kernel frees a delivered UDP datagram without a tracepoint, and the next skb
# allocated on that CPU often gets the same address. That new packet must start a
# group of its own and get its own filter verdict (not inherit the old one).
. "$(dirname "$0")/lib.sh"
need_live
need_cmd python3; need_cmd taskset; need_cmd tshark

A=$(nsname a); B=$(nsname b)
ns_pair "$A" "$B" 198.18.10.1 198.18.10.2
F=$WORK/reuse.pcapng
start_capture "$F" --filter 'echo -t ICMP -i 198.18.10.2'
ip netns exec "$A" taskset -c 0 python3 - <<'PY'
import socket, struct, time
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
for seq in range(1, 21):
    u.sendto(b"x" * 32, u.getsockname()); u.recv(100)      # delivered, then freed silently
    hdr = struct.pack("!BBHHH", 8, 0, 0, 0x4242, seq) + b"pktmon"
    icmp.sendto(struct.pack("!BBHHH", 8, 0, csum(hdr), 0x4242, seq) + b"pktmon", ("198.18.10.2", 0))
    time.sleep(0.01)
PY
sleep 0.5
stop_capture
eq "every echo request was captured" "20" \
	"$(tshark_stock -r "$F" -Y 'icmp.type == 8 && icmp.ident == 0x4242' -T fields -e icmp.seq | sort -un | wc -l)"
eq "each at OUTPUT first, in a group of its own" "20" \
	"$(tshark_stock -r "$F" -Y 'icmp.type == 8 && frame.interface_name contains "OUTPUT"' -T fields -e frame.packet_id | sort -u | wc -l)"
eq "no UDP in an ICMP-only capture" "0" "$(tshark_stock -r "$F" -Y 'udp && !icmp' -T fields -e frame.number | wc -l)"
finish
