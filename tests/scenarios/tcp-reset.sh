#!/bin/bash
# Scenario 13: a TCP connection to a port nobody listens on. The server's kernel drops the SYN
# with NO_SOCKET at "ipv4 INPUT" and answers with a reset (the why point "TCP reset sent" in
# the SYN's group), which travels back to the client (whose connect() is refused).
# Then a connection to port 5001, where a server-side rule drops the data: the client's kernel
# retransmits it (the why point "TCP retransmission" in each retransmitted copy's group).
# Usage: see lib.sh.
SC_NEEDS="python3 nft"
. "$(dirname "$0")/lib.sh"

names() {
	CLI=rst-client$1 SRV=rst-server$1
	NSLIST=("$CLI" "$SRV")
}

run() {
	mkns "$CLI" "$SRV"
	veth "$CLI" eth0 02:00:00:13:00:01 "$SRV" eth0 02:00:00:13:00:02
	must ip -n "$CLI" addr add 198.19.13.1/24 dev eth0
	must ip -n "$SRV" addr add 198.19.13.2/24 dev eth0
	wait_ping "$CLI" 198.19.13.2

	# the server listens on 5001 but its firewall drops every data segment (not the handshake)
	bg ip netns exec "$SRV" "$PY" -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.19.13.2", 5001)); s.listen(); c = s.accept(); time.sleep(30)'
	must ip netns exec "$SRV" nft add table inet fw
	must ip netns exec "$SRV" nft add chain inet fw input '{ type filter hook input priority 0; }'
	must ip netns exec "$SRV" nft add rule inet fw input tcp dport 5001 ip length gt 100 counter drop

	start_capture "$1" --filter 'rst -t TCP -i 198.19.13.2 -p 5000' --filter 'retrans -t TCP -i 198.19.13.2 -p 5001'
	local out
	out=$(ip netns exec "$CLI" "$PY" -c 'import socket
s = socket.socket(); s.settimeout(2)
try:
    s.connect(("198.19.13.2", 5000)); print("connected")
except Exception as e:
    print(type(e).__name__)' 2>&1)
	# 100 bytes nobody acknowledges: retransmitted ~0.2 s and ~0.6 s after (the next at ~1.2-1.4 s), then
	# an abort at 1 s, away from any retransmission: once, with the abort at 1.3 s, a retransmission's why
	# event was missing (README, known limits; cause not established)
	ip netns exec "$CLI" "$PY" -c 'import socket, struct, time
s = socket.socket(); s.connect(("198.19.13.2", 5001)); s.send(b"x" * 100); time.sleep(1.0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); s.close()' >/dev/null 2>&1
	stop_capture
	eq "the client's connect() is refused" "ConnectionRefusedError" "$out"
	RETRANS=$(ip netns exec "$CLI" awk '$1 == "Tcp:" && $13 ~ /^[0-9]+$/ { print $13 }' /proc/net/snmp)
	[ "${RETRANS:-0}" -ge 1 ] || fail "the client retransmitted nothing (RetransSegs ${RETRANS:-?})"
	eq "the client's retransmissions = pktmon's" "$RETRANS" \
		"$(F=$1 count "pktmon.why == $((4)) && pktmon.component_name == \"TCP retransmission [netns $CLI]\"")"
}

check() {
	F=$1
	expect_drop "SYN to port 5000" 'tcp.dstport == 5000' "ipv4 INPUT [netns $SRV]" 3 NO_SOCKET 'tcp_v4_rcv'
	eq "one SYN, one drop of it" "1" "$(count 'pktmon.dropped && tcp.dstport == 5000')"
	expect_path "the SYN" 'pktmon.dropped && tcp.flags.syn == 1 && tcp.dstport == 5000' \
		"ipv4 OUTPUT [netns $CLI]" "ipv4 POSTROUTING [netns $CLI]" "eth0 qdisc enqueue [netns $CLI]" \
		"eth0 tx [netns $CLI]" "eth0 rx [netns $SRV]" "ipv4 PREROUTING [netns $SRV]" \
		"ipv4 INPUT [netns $SRV]" "ipv4 INPUT [netns $SRV]"
	# what the kernel did next, in the SYN's group
	# before 6.10 tcp:tcp_send_reset fires only for resets of a socket, not for a closed port's
	if kernel_at_least 6 10; then
		expect_why "the SYN's reset" 'tcp.dstport == 5000' "TCP reset sent [netns $SRV]" "TCP reset sent"
	else
		echo "SKIP: the SYN's reset: kernel $(uname -r) traces no reset without a socket (6.10+)"
	fi
	# the reset itself: from the server's OUTPUT to the client's INPUT, answering the SYN
	expect_path "the reset" 'tcp.flags.reset == 1 && tcp.srcport == 5000 && pktmon.layer == 5' \
		"ipv4 OUTPUT [netns $SRV]" "ipv4 POSTROUTING [netns $SRV]" "eth0 qdisc enqueue [netns $SRV]" \
		"eth0 tx [netns $SRV]" "eth0 rx [netns $CLI]" "ipv4 PREROUTING [netns $CLI]" "ipv4 INPUT [netns $CLI]"
	# the retransmissions: each in the group of the copy it sent, which the server's rule drops
	local n g bad=0
	n=$(count 'pktmon.why == 4')
	[ "$n" -ge 1 ] && pass "$n retransmission(s) seen" || fail "no retransmission seen"
	for g in $(tsp "$F" -Y 'pktmon.why == 4' -T fields -e pktmon.pkt_group_id); do
		local rows
		rows=$(group_rows "$g")
		if [ "$(head -1 <<<"$rows" | cut -d'|' -f4)" != "ipv4 OUTPUT [netns $CLI]" ] ||
			[ "$(tail -1 <<<"$rows" | cut -d'|' -f6)" != NETFILTER_DROP ] ||
			[ "$(grep -c "|TCP retransmission \[netns $CLI\]|" <<<"$rows")" != 1 ]; then
			fail "retransmission group $g: expected client OUTPUT ... one TCP retransmission ... NETFILTER_DROP, got $(cut -d'|' -f4,6 <<<"$rows" | paste -sd' ')"
			bad=1
		fi
	done
	[ "$bad" = 1 ] || pass "every retransmission is in its copy's group: client OUTPUT → ... → server INPUT ✖ NETFILTER_DROP"
	eq "the retransmitted copies are what tshark calls retransmissions" "$n" \
		"$(count 'tcp.analysis.retransmission && tcp.dstport == 5001 && pktmon.layer == 5')"
}

scenario_main
