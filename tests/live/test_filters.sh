#!/bin/bash
# pktmon filters are evaluated in the kernel at first sighting and then follow the
# packet's whole path; a pcap-filter selects what tcpdump would; an invalid one is
# refused before anything attaches. Only the test's two namespaces are reported (--netns):
# other tests may send ICMP and UDP in theirs at the same time.
. "$(dirname "$0")/lib.sh"
need_live
need_cmd tshark; need_cmd ping

A=$(nsname a); B=$(nsname b)
ns_pair "$A" "$B" 198.18.1.1 198.18.1.2
traffic() {
	ip netns exec "$A" ping -c 2 -i 0.2 -W 1 198.18.1.2 >/dev/null || true
	ip netns exec "$A" bash -c 'for p in 9 10 9; do echo x > /dev/udp/198.18.1.2/$p; done' || true
}
count() { tshark_stock -r "$1" -Y "$2" -T fields -e frame.number | wc -l; }

# 1. a pktmon filter on UDP port 9
F1=$WORK/port9.pcapng
start_capture "$F1" --netns "$A,$B" --filter 'p9 -t UDP -p 9'
traffic
stop_capture
total=$(count "$F1" 'frame.packet_id')
p9=$(count "$F1" 'udp.port == 9')
[ "$total" -gt 0 ] && [ "$total" = "$p9" ] && pass "pktmon filter: all $total frames are UDP port 9" ||
	fail "pktmon filter: $p9 of $total frames are UDP port 9"
# two datagrams to port 9, each seen at OUTPUT, POSTROUTING, qdisc, tx, rx, PREROUTING, INPUT + drop
eq "pktmon filter: UDP port 9 packets" "2" "$(tshark_stock -r "$F1" -Y 'udp.port == 9' -T fields -e frame.packet_id | sort -u | wc -l)"
eq "pktmon filter: NO_SOCKET drops of port 9" "2" "$(count "$F1" 'frame.comment contains "NO_SOCKET"')"

# 2. a pcap-filter, compared with the same filter applied by tshark to an unfiltered capture
F2=$WORK/pcap.pcapng
start_capture "$F2" --netns "$A,$B" --capture-filter 'icmp'
traffic
stop_capture
total=$(count "$F2" 'frame.packet_id')
icmp=$(count "$F2" 'icmp')
[ "$total" -gt 0 ] && [ "$total" = "$icmp" ] && pass "pcap filter: all $total frames are ICMP" ||
	fail "pcap filter: $icmp of $total frames are ICMP"
# 2 echo requests, 2 replies, 2 raw-socket clones of the replies read by ping, and
# 3 port unreachables answering the UDP datagrams (to closed ports 9, 10, 9)
eq "pcap filter: echo requests" "2" "$(tshark_stock -r "$F2" -Y 'icmp.type == 8' -T fields -e frame.packet_id | sort -u | wc -l)"
eq "pcap filter: port unreachables" "3" "$(tshark_stock -r "$F2" -Y 'icmp.type == 3' -T fields -e frame.packet_id | sort -u | wc -l)"
eq "pcap filter: ICMP packets" "9" "$(tshark_stock -r "$F2" -Y 'icmp' -T fields -e frame.packet_id | sort -u | wc -l)"

# 3. two filters: a packet is reported if it matches any of them
F3=$WORK/two.pcapng
start_capture "$F3" --netns "$A,$B" --filter 'a -t UDP -p 10' --filter 'b -t ICMP'
traffic
stop_capture
# the datagram to port 10, and the 9 ICMP packets counted above
eq "two filters: UDP port 10 + ICMP groups" "10" "$(tshark_stock -r "$F3" -Y 'udp.port == 10 || icmp' -T fields -e frame.packet_id | sort -u | wc -l)"
eq "two filters: nothing else" "0" "$(count "$F3" 'frame.packet_id && !(udp.port == 10 || icmp)')"

# 4. bad input is refused with exit status 2 and a message, before anything attaches
out=$("$PKTMON" start -f "$WORK/x.pcapng" --capture-filter 'udp prot 9' --run-for 1 2>&1); rc=$?
eq "invalid pcap filter exit status" "2" "$rc"
case "$out" in *"invalid capture filter"*) pass "invalid pcap filter message";; *) fail "invalid pcap filter message: $out";; esac
out=$("$PKTMON" start -f "$WORK/x.pcapng" --filter 'bad -i 198.18.1.300' --run-for 1 2>&1); rc=$?
eq "invalid pktmon filter exit status" "2" "$rc"
[ ! -e "$WORK/x.pcapng" ] && pass "no file for a refused start" || fail "a refused start wrote a file"
finish
