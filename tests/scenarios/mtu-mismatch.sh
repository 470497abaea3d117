#!/bin/bash
# Scenario 4: MTU mismatch. A 1428-byte ping with don't-fragment set, from a client on a
# 1500-byte link, through a router whose link to the server has an MTU of 1280. The router
# cannot forward it: it drops it with PKT_TOO_BIG (in ip_forward, before the FORWARD hook,
# so pktmon names "ipv4 PREROUTING" of the router, where it last saw the packet) and sends
# back an ICMP "fragmentation needed, mtu 1280". The client's kernel learns the path MTU:
# its next ping of that size fails locally (EMSGSIZE) and never leaves.
# Usage: see lib.sh.
SC_NEEDS="ping"
. "$(dirname "$0")/lib.sh"

names() {
	CLI=mtu-client$1 RTR=mtu-router$1 SRV=mtu-server$1
	NSLIST=("$CLI" "$RTR" "$SRV")
}

run() {
	mkns "$CLI" "$RTR" "$SRV"
	veth "$CLI" eth0 02:00:00:04:00:01 "$RTR" to-client 02:00:00:04:00:fe
	veth "$SRV" eth0 02:00:00:04:01:01 "$RTR" to-server 02:00:00:04:01:fe
	must ip -n "$CLI" addr add 198.19.4.1/24 dev eth0
	must ip -n "$RTR" addr add 198.19.4.254/24 dev to-client
	must ip -n "$RTR" addr add 198.19.104.254/24 dev to-server
	must ip -n "$SRV" addr add 198.19.104.1/24 dev eth0
	# the smaller link
	must ip -n "$RTR" link set to-server mtu 1280
	must ip -n "$SRV" link set eth0 mtu 1280
	must ip -n "$CLI" route add default via 198.19.4.254
	must ip -n "$SRV" route add default via 198.19.104.254
	must ip netns exec "$RTR" sysctl -qw net.ipv4.ip_forward=1
	wait_ping "$CLI" 198.19.104.1 # small packets pass (and ARP is resolved on both links)

	start_capture "$1" --filter 'icmp -t ICMP -i 198.19.4.1'
	local out
	out=$(ip netns exec "$CLI" ping -c 2 -i 0.3 -W 1 -M do -s 1400 198.19.104.1 2>&1)
	stop_capture
	case "$out" in
	*"Frag needed and DF set (mtu = 1280)"*[Mm]"essage too long"*) pass "ping: frag needed (mtu 1280), then a local 'message too long'" ;;
	*) fail "ping output: $out" ;;
	esac
	case "$(ip -n "$CLI" route get 198.19.104.1)" in
	*"mtu 1280"*) pass "the client's route cache learned mtu 1280" ;;
	*) fail "no learned mtu in: $(ip -n "$CLI" route get 198.19.104.1)" ;;
	esac
}

check() {
	F=$1
	expect_drop "the big ping" 'icmp.type == 8' "ipv4 PREROUTING [netns $RTR]" 2 PKT_TOO_BIG ip_forward
	expect_path "the big ping" 'pktmon.dropped && icmp.type == 8' \
		"ipv4 OUTPUT [netns $CLI]" "ipv4 POSTROUTING [netns $CLI]" "eth0 qdisc enqueue [netns $CLI]" \
		"eth0 tx [netns $CLI]" "to-client rx [netns $RTR]" "ipv4 PREROUTING [netns $RTR]" \
		"ipv4 PREROUTING [netns $RTR]"
	eq "the dropped ping: 1428 bytes, don't fragment" "1428|1" \
		"$(tsp "$F" -Y 'pktmon.dropped && icmp.type == 8' -T fields -E separator='|' -e ip.len -e ip.flags.df |
			sed 's/|True$/|1/')" # tshark 4.4+ prints booleans as True/False
	# (an ICMP error quotes the echo request: its icmp.type fields are 3 and 8)
	eq "only the first ping left the client (the second failed locally)" "1" "$(groups 'icmp.type == 8 && !(icmp.type == 3)')"
	# the router's answer: ICMP destination unreachable (3), fragmentation needed (4), mtu 1280
	expect_path "the ICMP fragmentation needed" 'icmp.type == 3 && icmp.code == 4' \
		"ipv4 OUTPUT [netns $RTR]" "ipv4 POSTROUTING [netns $RTR]" "to-client qdisc enqueue [netns $RTR]" \
		"to-client tx [netns $RTR]" "eth0 rx [netns $CLI]" "ipv4 PREROUTING [netns $CLI]" "ipv4 INPUT [netns $CLI]"
	eq "it tells the MTU" "1280" "$(tsp "$F" -Y 'icmp.type == 3 && icmp.code == 4' -T fields -e icmp.mtu | head -1)"
	eq "nothing reached the server" "0" "$(count "pktmon.component_name contains \"[netns $SRV]\"")"
}

scenario_main
