#!/bin/bash
# Scenario 3: a UDP datagram to a port nobody listens on. The server's kernel drops it
# with NO_SOCKET at "ipv4 INPUT" and answers with an ICMP port unreachable (the why point
# "ICMP error sent" in the datagram's group), which travels back to the client (whose
# connected socket then reports ECONNREFUSED).
# Usage: see lib.sh.
SC_NEEDS="python3"
. "$(dirname "$0")/lib.sh"

names() {
	CLI=udp-client$1 SRV=udp-server$1
	NSLIST=("$CLI" "$SRV")
}

run() {
	mkns "$CLI" "$SRV"
	veth "$CLI" eth0 02:00:00:03:00:01 "$SRV" eth0 02:00:00:03:00:02
	must ip -n "$CLI" addr add 198.19.3.1/24 dev eth0
	must ip -n "$SRV" addr add 198.19.3.2/24 dev eth0
	wait_ping "$CLI" 198.19.3.2

	# the datagram, and the ICMP error that comes back to the client
	start_capture "$1" --filter 'app -t UDP -i 198.19.3.2 -p 4000' --filter 'icmp -t ICMP -i 198.19.3.1'
	local out
	out=$(ip netns exec "$CLI" "$PY" -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect(("198.19.3.2", 4000)); s.settimeout(1)
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
	expect_drop "datagram to port 4000" 'udp.dstport == 4000 && !icmp' "ipv4 INPUT [netns $SRV]" 3 NO_SOCKET '__udp4_lib_rcv|udp_rcv'
	eq "one datagram, one drop" "1" "$(count 'pktmon.dropped')"
	expect_path "the datagram" 'pktmon.dropped && udp.dstport == 4000' \
		"ipv4 OUTPUT [netns $CLI]" "ipv4 POSTROUTING [netns $CLI]" "eth0 qdisc enqueue [netns $CLI]" \
		"eth0 tx [netns $CLI]" "eth0 rx [netns $SRV]" "ipv4 PREROUTING [netns $SRV]" \
		"ipv4 INPUT [netns $SRV]" "ipv4 INPUT [netns $SRV]"
	# what the kernel did next, in the datagram's group: ICMP destination (3) port (3) unreachable
	expect_why "the datagram's ICMP error" 'udp.dstport == 4000 && !icmp' "ICMP error sent [netns $SRV]" \
		"ICMP port unreachable sent" 3 3
	# the server's answer: ICMP destination (3) port (3) unreachable, quoting the datagram
	expect_path "the ICMP port unreachable" 'icmp.type == 3 && icmp.code == 3' \
		"ipv4 OUTPUT [netns $SRV]" "ipv4 POSTROUTING [netns $SRV]" "eth0 qdisc enqueue [netns $SRV]" \
		"eth0 tx [netns $SRV]" "eth0 rx [netns $CLI]" "ipv4 PREROUTING [netns $CLI]" "ipv4 INPUT [netns $CLI]"
	eq "it quotes the dropped datagram" "1" \
		"$(groups 'icmp.type == 3 && icmp.code == 3 && ip.src == 198.19.3.2 && udp.dstport == 4000')"
}

scenario_main
