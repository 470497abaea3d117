#!/bin/bash
# Scenario 12b: scenario 3 in IPv6. A UDP datagram to a port nobody listens on: the
# server drops it with NO_SOCKET at "ipv6 INPUT" (in __udp6_lib_rcv) and answers with an
# ICMPv6 destination unreachable (1), port unreachable (4), which travels back to the
# client (whose connected socket reports ECONNREFUSED). Neighbour entries are static.
# Usage: see lib.sh.
SC_NEEDS="python3"
. "$(dirname "$0")/lib.sh"

names() {
	CLI=v6udp-client$1 SRV=v6udp-server$1
	NSLIST=("$CLI" "$SRV")
}

run() {
	mkns "$CLI" "$SRV"
	veth "$CLI" eth0 02:00:00:12:03:01 "$SRV" eth0 02:00:00:12:03:02
	must ip -n "$CLI" addr add 2001:db8:3::1/64 dev eth0 nodad
	must ip -n "$SRV" addr add 2001:db8:3::2/64 dev eth0 nodad
	must ip -n "$CLI" neigh replace 2001:db8:3::2 lladdr 02:00:00:12:03:02 dev eth0 nud permanent
	must ip -n "$SRV" neigh replace 2001:db8:3::1 lladdr 02:00:00:12:03:01 dev eth0 nud permanent
	wait_ping "$CLI" -6 2001:db8:3::2

	start_capture "$1" --filter 'app -t UDP -i 2001:db8:3::2 -p 4000' --filter 'icmp6 -t ICMPv6 -i 2001:db8:3::1'
	local out
	out=$(ip netns exec "$CLI" "$PY" -c 'import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.connect(("2001:db8:3::2", 4000)); s.settimeout(1)
s.send(b"hello")
try:
    s.recv(100); print("answered")
except Exception as e:
    print(type(e).__name__)' 2>&1)
	stop_capture
	eq "the client's next recv() fails" "ConnectionRefusedError" "$out"
}

check() {
	F=$1
	expect_drop "datagram to port 4000" 'udp.dstport == 4000 && !icmpv6' "ipv6 INPUT [netns $SRV]" 3 NO_SOCKET '__udp6_lib_rcv|udpv6_rcv'
	# before 6.3 icmpv6_rcv frees every error message it handled with kfree_skb (reason
	# NOT_SPECIFIED; 6.3's "ipv6: icmp6: add drop reason support to icmpv6_notify()" made it
	# SKB_CONSUMED): the kernel itself calls the delivered port unreachable a drop there
	local icmp_freed=()
	if kernel_at_least 6 3; then
		eq "one datagram, one drop" "1" "$(count 'pktmon.dropped')"
	else
		eq "one datagram, one drop (and the handled ICMPv6 error: kernel before 6.3)" "2" "$(count 'pktmon.dropped')"
		expect_drop "the handled ICMPv6 error (kernel before 6.3)" 'icmpv6.type == 1' \
			"ipv6 INPUT [netns $CLI]" 3 NOT_SPECIFIED 'icmpv6_rcv'
		icmp_freed=("ipv6 INPUT [netns $CLI]")
	fi
	expect_path "the datagram" 'pktmon.dropped && udp.dstport == 4000' \
		"ipv6 OUTPUT [netns $CLI]" "ipv6 POSTROUTING [netns $CLI]" "eth0 qdisc enqueue [netns $CLI]" \
		"eth0 tx [netns $CLI]" "eth0 rx [netns $SRV]" "ipv6 PREROUTING [netns $SRV]" \
		"ipv6 INPUT [netns $SRV]" "ipv6 INPUT [netns $SRV]"
	expect_path "the ICMPv6 port unreachable" 'icmpv6.type == 1 && icmpv6.code == 4' \
		"ipv6 OUTPUT [netns $SRV]" "ipv6 POSTROUTING [netns $SRV]" "eth0 qdisc enqueue [netns $SRV]" \
		"eth0 tx [netns $SRV]" "eth0 rx [netns $CLI]" "ipv6 PREROUTING [netns $CLI]" "ipv6 INPUT [netns $CLI]" \
		"${icmp_freed[@]}"
	eq "it quotes the dropped datagram" "1" \
		"$(groups 'icmpv6.type == 1 && icmpv6.code == 4 && ipv6.src == 2001:db8:3::2 && udp.dstport == 4000')"
}

scenario_main
