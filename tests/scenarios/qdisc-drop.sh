#!/bin/bash
# Scenario 11: traffic control drops.
# 1. A token bucket (tbf: 16 kbit/s, burst 1600 bytes, queue limit 1100 bytes) on the
#    client's eth0 and a burst of five 1000-byte datagrams: the first passes at once, the
#    second waits in the queue, the others find it full and tbf drops them: QDISC_DROP (in
#    __dev_queue_xmit), at "eth0 qdisc enqueue" of the client.
# 2. A tc filter (cls_bpf, direct action) dropping UDP to port 9001 on the client's egress:
#    TC_EGRESS. The clsact egress hook runs before the qdisc and pktmon has no component
#    for it: the drop is attributed to "ipv4 POSTROUTING", the last layer that saw the
#    packet (KNOWN LIMITATION, reported).
# 3. The same filter on the server's ingress: TC_INGRESS at "eth0 rx" of the server (the
#    ingress hook runs right after the device's receive tracepoint).
# Parts 2 and 3 need clang (to build tc-drop-udp9001.bpf.c); without it they are skipped.
# Usage: see lib.sh.
SC_NEEDS="tc python3"
. "$(dirname "$0")/lib.sh"

names() {
	CLI=tc-client$1 SRV=tc-server$1
	NSLIST=("$CLI" "$SRV")
	TC_BPF=1 # the committed sample has parts 2 and 3
}

run() {
	TC_BPF=0
	local obj=$WORK/tc-drop-udp9001.o
	if command -v clang >/dev/null &&
		clang -O2 -target bpf -I"/usr/include/$(uname -m)-linux-gnu" -c "$SC_DIR/tc-drop-udp9001.bpf.c" -o "$obj" 2>"$WORK/clang.log"; then
		TC_BPF=1
	else
		echo "note: cannot build the tc BPF program (clang): parts 2 and 3 skipped"
	fi
	mkns "$CLI" "$SRV"
	veth "$CLI" eth0 02:00:00:11:00:01 "$SRV" eth0 02:00:00:11:00:02
	must ip -n "$CLI" addr add 198.19.11.1/24 dev eth0
	must ip -n "$SRV" addr add 198.19.11.2/24 dev eth0
	wait_ping "$CLI" 198.19.11.2
	# the server listens on port 9000 (so that no other drop muddles the picture); it reads
	# only after the capture: pktmon does not see UDP reads (see README.md here), and a read
	# datagram's buffer is freed without a tracepoint, so the next buffer at that address
	# would join its packet group
	bg ip netns exec "$SRV" "$PY" -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("198.19.11.2", 9000))
open(sys.argv[1], "w").write("ready")
time.sleep(30)' "$WORK/ready"
	local i
	for i in $(seq 1 50); do [ -s "$WORK/ready" ] && break; sleep 0.1; done
	# no IPv6 on the client's eth0: its router solicitations and MLD reports would meet the full
	# queue too, and tbf's drop counter (compared below) would count them
	must ip netns exec "$CLI" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
	must ip netns exec "$CLI" tc qdisc add dev eth0 root tbf rate 16kbit burst 1600 limit 1100
	if [ "$TC_BPF" = 1 ]; then
		if ! ip netns exec "$CLI" tc qdisc add dev eth0 clsact 2>"$WORK/tc.log" ||
			! ip netns exec "$SRV" tc qdisc add dev eth0 clsact 2>>"$WORK/tc.log"; then
			echo "note: no clsact qdisc here: parts 2 and 3 skipped ($(cat "$WORK/tc.log"))"
			TC_BPF=0
		fi
	fi

	start_capture "$1" --filter 'udp -t UDP -i 198.19.11.2'
	ip netns exec "$CLI" "$PY" -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5): s.sendto(bytes([65 + i]) * 1000, ("198.19.11.2", 9000))'
	# 16 kbit/s: the queued datagram leaves ~0.25 s after the first, so a slow (emulated) sender
	# still finds the queue full for the third; then wait for it to leave
	sleep 0.6
	if [ "$TC_BPF" = 1 ]; then
		must ip netns exec "$CLI" tc filter add dev eth0 egress bpf direct-action obj "$obj" sec tc
		ip netns exec "$CLI" bash -c 'echo egress > /dev/udp/198.19.11.2/9001'
		must ip netns exec "$CLI" tc filter del dev eth0 egress
		must ip netns exec "$SRV" tc filter add dev eth0 ingress bpf direct-action obj "$obj" sec tc
		ip netns exec "$CLI" bash -c 'echo ingress > /dev/udp/198.19.11.2/9001'
	fi
	stop_capture
	local st
	st=$(ip netns exec "$CLI" tc -s qdisc show dev eth0 | sed -n 's/.*(dropped \([0-9]*\),.*/\1/p' | head -1)
	eq "tbf's drop counter = pktmon's QDISC_DROP" "$st" "$(F=$1 count 'pktmon.drop_reason == "QDISC_DROP"')"
}

check() {
	F=$1
	# 1. tbf
	# 6.1 frees a qdisc's drops as a list (kfree_skb_list_reason)
	expect_drop "tbf: queue full" 'udp.dstport == 9000' "eth0 qdisc enqueue [netns $CLI]" 8 QDISC_DROP \
		'__dev_queue_xmit|__dev_xmit_skb|dev_qdisc_enqueue|kfree_skb_list_reason'
	eq "tbf: 5 datagrams, 3 dropped" "5|3" "$(groups 'udp.dstport == 9000')|$(count 'pktmon.dropped && udp.dstport == 9000')"
	expect_path "tbf: the third datagram" 'udp.dstport == 9000 && data.data contains 43:43:43' \
		"ipv4 OUTPUT [netns $CLI]" "ipv4 POSTROUTING [netns $CLI]" "eth0 qdisc enqueue [netns $CLI]" \
		"eth0 qdisc enqueue [netns $CLI]"
	expect_path "tbf: the second datagram, queued, then sent" 'udp.dstport == 9000 && data.data contains 42:42:42' \
		"ipv4 OUTPUT [netns $CLI]" "ipv4 POSTROUTING [netns $CLI]" "eth0 qdisc enqueue [netns $CLI]" \
		"eth0 qdisc dequeue [netns $CLI]" "eth0 tx [netns $CLI]" "eth0 rx [netns $SRV]" \
		"ipv4 PREROUTING [netns $SRV]" "ipv4 INPUT [netns $SRV]"
	[ "$TC_BPF" = 1 ] || return 0
	# 2. tc egress
	local c
	c=$(tsp "$F" -Y 'pktmon.drop_reason == "TC_EGRESS"' -T fields -e pktmon.component_name)
	expect_drop "tc egress filter" 'udp.dstport == 9001 && pktmon.drop_reason == "TC_EGRESS"' "$c" "$(tsp "$F" -Y 'pktmon.drop_reason == "TC_EGRESS"' -T fields -e pktmon.layer)" TC_EGRESS '__dev_queue_xmit|sch_handle_egress|tcx_run|tc_run'
	case "$c" in
	"ipv4 POSTROUTING [netns $CLI]")
		echo "KNOWN LIMITATION: TC_EGRESS is attributed to [$c]: the clsact egress hook runs before the qdisc, and pktmon has no tc component (reported)" ;;
	*"eth0"*"[netns $CLI]") pass "TC_EGRESS attributed to eth0 of the client: $c" ;;
	*) fail "TC_EGRESS attributed to [$c], not to the client" ;;
	esac
	local layers
	layers=$(tsp "$F" -Y 'udp.dstport == 9001 && data.data contains "egress"' -T fields -e pktmon.layer | paste -sd,)
	case ",$layers," in
	,5,6,*,8,* | ,5,6,*,9,* | ,5,6,*,10,*) fail "tc egress: the dropped datagram reached the qdisc or the device (layers $layers)" ;;
	,5,6,*) pass "tc egress: OUTPUT, POSTROUTING, then dropped; never at the qdisc or the device (layers $layers)" ;;
	*) fail "tc egress: expected OUTPUT (5), POSTROUTING (6), the drop; got layers $layers" ;;
	esac
	# 3. tc ingress
	expect_drop "tc ingress filter" 'udp.dstport == 9001 && data.data contains "ingress"' "eth0 rx [netns $SRV]" 1 TC_INGRESS '__netif_receive_skb_core|sch_handle_ingress|tcx_run|tc_run'
	expect_path "tc ingress filter" 'pktmon.dropped && data.data contains "ingress"' \
		"ipv4 OUTPUT [netns $CLI]" "ipv4 POSTROUTING [netns $CLI]" "eth0 qdisc enqueue [netns $CLI]" \
		"eth0 qdisc dequeue [netns $CLI]" "eth0 tx [netns $CLI]" "eth0 rx [netns $SRV]" "eth0 rx [netns $SRV]"
}

scenario_main
