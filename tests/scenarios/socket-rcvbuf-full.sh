#!/bin/bash
# Scenario 8: a UDP receiver that does not read. Its socket has the smallest receive
# buffer (SO_RCVBUF 1: the kernel makes it 2304 bytes); the first datagram fills it, the
# next ones are dropped with SOCKET_RCVBUFF at "ipv4 INPUT" of the server (in
# udp_queue_rcv_one_skb), and the socket's drop counter (/proc/net/udp) counts them.
# No "receive queue full" why point here: UDP checks its queue in __udp_enqueue_schedule_skb,
# without the sock:sock_rcvqueue_full tracepoint (raw, ping and ICMP sockets have it); the drop
# reason SOCKET_RCVBUFF says the same.
# Usage: see lib.sh.
SC_NEEDS="python3"
. "$(dirname "$0")/lib.sh"

names() {
	CLI=rcvbuf-client$1 SRV=rcvbuf-server$1
	NSLIST=("$CLI" "$SRV")
}

sock_drops() { # the drops counter of the UDP socket bound to port 4242 (0x1092)
	ip netns exec "$SRV" awk '$2 ~ /:1092$/ { print $NF }' /proc/net/udp
}

run() {
	mkns "$CLI" "$SRV"
	veth "$CLI" eth0 02:00:00:08:00:01 "$SRV" eth0 02:00:00:08:00:02
	must ip -n "$CLI" addr add 198.19.8.1/24 dev eth0
	must ip -n "$SRV" addr add 198.19.8.2/24 dev eth0
	wait_ping "$CLI" 198.19.8.2
	# the receiver: binds, says how big its buffer is, never reads
	bg ip netns exec "$SRV" "$PY" -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
s.bind(("198.19.8.2", 4242))
open(sys.argv[1], "w").write(str(s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)))
time.sleep(30)' "$WORK/rcvbuf"
	local i
	for i in $(seq 1 50); do [ -s "$WORK/rcvbuf" ] && break; sleep 0.1; done
	[ -s "$WORK/rcvbuf" ] || { fail "the receiver did not start"; finish; }
	echo "receiver's SO_RCVBUF: $(cat "$WORK/rcvbuf") bytes"

	start_capture "$1" --filter 'app -t UDP -i 198.19.8.2 -p 4242'
	ip netns exec "$CLI" "$PY" -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(4):
    s.sendto(bytes([65 + i]) * 200, ("198.19.8.2", 4242))'
	stop_capture
	eq "the socket's drop counter = pktmon's SOCKET_RCVBUFF drops" "$(sock_drops)" \
		"$(F=$1 count 'pktmon.drop_reason == "SOCKET_RCVBUFF"')"
}

check() {
	F=$1
	expect_drop "datagrams to the full socket" 'udp.dstport == 4242' "ipv4 INPUT [netns $SRV]" 3 SOCKET_RCVBUFF 'udp_queue_rcv_one_skb|__udp_queue_rcv_skb|udp_queue_rcv_skb'
	expect_path "the first dropped datagram" 'pktmon.dropped && udp.dstport == 4242' \
		"ipv4 OUTPUT [netns $CLI]" "ipv4 POSTROUTING [netns $CLI]" "eth0 qdisc enqueue [netns $CLI]" \
		"eth0 tx [netns $CLI]" "eth0 rx [netns $SRV]" "ipv4 PREROUTING [netns $SRV]" \
		"ipv4 INPUT [netns $SRV]" "ipv4 INPUT [netns $SRV]"
	local sent dropped
	sent=$(groups 'udp.dstport == 4242')
	dropped=$(count 'pktmon.dropped')
	eq "four datagrams sent" "4" "$sent"
	# the first one is queued in the socket (the buffer is then full): not dropped, never read
	expect_path "the first datagram, queued" 'udp.dstport == 4242 && data.data contains 41:41:41' \
		"ipv4 OUTPUT [netns $CLI]" "ipv4 POSTROUTING [netns $CLI]" "eth0 qdisc enqueue [netns $CLI]" \
		"eth0 tx [netns $CLI]" "eth0 rx [netns $SRV]" "ipv4 PREROUTING [netns $SRV]" "ipv4 INPUT [netns $SRV]"
	# how many fit depends on the buffers' truesize (how the veth's receive built them): 6.18
	# queues one, 6.1 two, 6.12 under emulation three; the live run checks the drops against the
	# socket's own counter, which is the count that matters
	[ "$dropped" -ge 1 ] && [ "$dropped" -le 3 ] && pass "$dropped of the other three dropped" ||
		fail "the others dropped: expected 1 to 3 (the buffer holds one to three), got $dropped"
	eq "all four reached the server's INPUT (queued there or dropped there)" "$sent" \
		"$(groups "udp.dstport == 4242 && pktmon.component_name == \"ipv4 INPUT [netns $SRV]\"")"
	eq "no datagram read by the application (socket rx)" "0" "$(count 'pktmon.layer == 7')"
}

scenario_main
