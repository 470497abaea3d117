#!/bin/bash
# Scenario 5: no route to the destination. The client sends to its default gateway; the
# router has no route to 198.19.205.0/24: it drops the packet with IP_INNOROUTES (in
# ip_error, the input route's handler; pktmon names "ipv4 PREROUTING" of the router, where
# the routing decision is made) and answers ICMP "network unreachable".
# (Without a route on the sending host itself, connect()/sendto() fail with ENETUNREACH and
# no packet is ever built: there is nothing for pktmon to see; the scenario checks that too.)
# Usage: see lib.sh.
SC_NEEDS="ping"
. "$(dirname "$0")/lib.sh"

names() {
	CLI=noroute-client$1 RTR=noroute-router$1
	NSLIST=("$CLI" "$RTR")
}

run() {
	mkns "$CLI" "$RTR"
	veth "$CLI" eth0 02:00:00:05:00:01 "$RTR" to-client 02:00:00:05:00:fe
	must ip -n "$CLI" addr add 198.19.5.1/24 dev eth0
	must ip -n "$RTR" addr add 198.19.5.254/24 dev to-client
	must ip -n "$CLI" route add default via 198.19.5.254
	must ip netns exec "$RTR" sysctl -qw net.ipv4.ip_forward=1
	wait_ping "$CLI" 198.19.5.254

	start_capture "$1" --filter 'icmp -t ICMP -i 198.19.5.1' --filter 'dest -t ICMP -i 198.19.205.10'
	local out out2
	out=$(ip netns exec "$CLI" ping -c 1 -W 1 198.19.205.10 2>&1)
	# the router itself: no route, no packet
	out2=$(ip netns exec "$RTR" ping -c 1 -W 1 198.19.205.10 2>&1)
	stop_capture
	case "$out" in
	*"From 198.19.5.254 icmp_seq=1 Destination Net Unreachable"*) pass "ping: Destination Net Unreachable from the router" ;;
	*) fail "ping output: $out" ;;
	esac
	case "$out2" in
	*"Network is unreachable"*) pass "on the router itself: Network is unreachable, locally" ;;
	*) fail "ping on the router: $out2" ;;
	esac
	eq "no packet from the router's own ping" "0" "$(F=$1 count "ip.src == 198.19.5.254 && icmp.type == 8 && !(icmp.type == 3)")"
}

check() {
	F=$1
	expect_drop "the ping" 'icmp.type == 8 && !(icmp.type == 3)' "ipv4 PREROUTING [netns $RTR]" 2 IP_INNOROUTES ip_error
	expect_path "the ping" 'pktmon.dropped && icmp.type == 8' \
		"ipv4 OUTPUT [netns $CLI]" "ipv4 POSTROUTING [netns $CLI]" "eth0 qdisc enqueue [netns $CLI]" \
		"eth0 tx [netns $CLI]" "to-client rx [netns $RTR]" "ipv4 PREROUTING [netns $RTR]" \
		"ipv4 PREROUTING [netns $RTR]"
	# ICMP destination unreachable (3), network unreachable (0), from the router
	expect_path "the ICMP network unreachable" 'icmp.type == 3 && icmp.code == 0' \
		"ipv4 OUTPUT [netns $RTR]" "ipv4 POSTROUTING [netns $RTR]" "to-client qdisc enqueue [netns $RTR]" \
		"to-client tx [netns $RTR]" "eth0 rx [netns $CLI]" "ipv4 PREROUTING [netns $CLI]" "ipv4 INPUT [netns $CLI]"
	eq "sent by the router" "198.19.5.254" "$(tsp "$F" -Y 'icmp.type == 3 && icmp.code == 0' -T fields -e ip.src -E occurrence=f | head -1)"
}

scenario_main
