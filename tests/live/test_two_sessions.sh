#!/bin/bash
# Two sessions at once, each with its own filter, each gets only its own packets.
. "$(dirname "$0")/lib.sh"
need_live
need_cmd tshark; need_cmd ping

A=$(nsname a); B=$(nsname b)
ns_pair "$A" "$B" 198.18.3.1 198.18.3.2
F1=$WORK/udp.pcapng; F2=$WORK/icmp.pcapng
start_capture "$F1" --netns "$A,$B" --filter 'u -t UDP -p 9'
P1=$CAP_PID; L1=$CAP_LOG
start_capture "$F2" --filter 'i -t ICMP -i 198.18.3.2'
P2=$CAP_PID
ip netns exec "$A" ping -c 2 -i 0.2 -W 1 198.18.3.2 >/dev/null || true
ip netns exec "$A" bash -c 'for i in 1 2 3; do echo x > /dev/udp/198.18.3.2/9; done'
stop_capture            # the ICMP session
CAP_PID=$P1; CAP_LOG=$L1
stop_capture            # the UDP session

n1=$(tshark_stock -r "$F1" -Y frame.packet_id -T fields -e frame.number | wc -l)
o1=$(tshark_stock -r "$F1" -Y 'frame.packet_id && !(udp.port == 9 && !icmp)' -T fields -e frame.number | wc -l)
n2=$(tshark_stock -r "$F2" -Y frame.packet_id -T fields -e frame.number | wc -l)
o2=$(tshark_stock -r "$F2" -Y 'frame.packet_id && !icmp' -T fields -e frame.number | wc -l)
[ "$n1" -gt 0 ] && pass "UDP session has $n1 frames" || fail "UDP session is empty"
eq "UDP session: nothing but UDP port 9" "0" "$o1"
eq "UDP session: 3 datagrams" "3" "$(tshark_stock -r "$F1" -Y 'udp.dstport == 9 && !icmp' -T fields -e frame.packet_id | sort -u | wc -l)"
[ "$n2" -gt 0 ] && pass "ICMP session has $n2 frames" || fail "ICMP session is empty"
eq "ICMP session: nothing but ICMP" "0" "$o2"
eq "ICMP session: 2 echo requests" "2" "$(tshark_stock -r "$F2" -Y 'icmp.type == 8' -T fields -e frame.packet_id | sort -u | wc -l)"
finish
