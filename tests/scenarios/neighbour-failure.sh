#!/bin/bash
# Scenario 6: neighbour (ARP) resolution failure. The host's route to 198.19.206.0/24 goes
# via 198.19.6.99, a gateway that does not exist on the LAN. The ping waits in the
# neighbour's queue while ARP asks three times, unanswered; then the kernel drops it with
# NEIGH_FAILED (neigh_invalidate) and reports "host unreachable" to the sender itself.
# pktmon names "ipv4 POSTROUTING" of the host: the packet's last observation before the
# neighbour layer (which comes before the qdisc).
# Usage: see lib.sh.
SC_NEEDS="ping"
. "$(dirname "$0")/lib.sh"

names() {
	HOST=neigh-host$1 LAN=neigh-lan$1
	NSLIST=("$HOST" "$LAN")
}

run() {
	mkns "$HOST" "$LAN"
	veth "$HOST" eth0 02:00:00:06:00:01 "$LAN" eth0 02:00:00:06:00:02
	must ip -n "$HOST" addr add 198.19.6.1/24 dev eth0
	must ip -n "$LAN" addr add 198.19.6.2/24 dev eth0
	wait_ping "$HOST" 198.19.6.2
	must ip -n "$HOST" route add 198.19.206.0/24 via 198.19.6.99
	# ask every 200 ms instead of every second: the three probes take 0.6 s
	must ip netns exec "$HOST" sysctl -qw net.ipv4.neigh.eth0.retrans_time_ms=200

	start_capture "$1" --filter 'icmp -t ICMP -i 198.19.206.1' --filter 'icmp-err -t ICMP -i 198.19.6.1 198.19.6.1' \
		--filter 'arp -d ARP -m 02:00:00:06:00:01'
	local out
	out=$(ip netns exec "$HOST" ping -c 1 -W 3 198.19.206.1 2>&1)
	stop_capture
	case "$out" in
	*"From 198.19.6.1 icmp_seq=1 Destination Host Unreachable"*) pass "ping: Destination Host Unreachable, from the host itself" ;;
	*) fail "ping output: $out" ;;
	esac
	case "$(ip -n "$HOST" neigh show 198.19.6.99)" in
	*FAILED*) pass "neighbour 198.19.6.99: FAILED" ;;
	*) fail "neighbour 198.19.6.99: $(ip -n "$HOST" neigh show 198.19.6.99)" ;;
	esac
}

check() {
	F=$1
	expect_drop "the ping" 'icmp.type == 8 && !(icmp.type == 3)' "ipv4 POSTROUTING [netns $HOST]" 6 NEIGH_FAILED neigh_invalidate
	expect_path "the ping" 'pktmon.dropped && icmp.type == 8' \
		"ipv4 OUTPUT [netns $HOST]" "ipv4 POSTROUTING [netns $HOST]" "ipv4 POSTROUTING [netns $HOST]"
	# who-has 198.19.6.99, broadcast mcast_solicit (3) times, never answered
	eq "ARP requests for the gateway" "3" "$(groups 'arp.opcode == 1 && arp.dst.proto_ipv4 == 198.19.6.99')"
	eq "no ARP reply from the gateway" "0" "$(count 'arp.opcode == 2 && arp.src.proto_ipv4 == 198.19.6.99')"
	expect_path "the first ARP request" 'arp.opcode == 1 && arp.dst.proto_ipv4 == 198.19.6.99' \
		"eth0 qdisc enqueue [netns $HOST]" "eth0 tx [netns $HOST]" "eth0 rx [netns $LAN]"
	# ICMP destination unreachable (3), host unreachable (1), from the host to itself, on lo
	expect_path "the ICMP host unreachable" 'icmp.type == 3 && icmp.code == 1' \
		"ipv4 OUTPUT [netns $HOST]" "ipv4 POSTROUTING [netns $HOST]" "lo qdisc enqueue [netns $HOST]" \
		"lo tx [netns $HOST]" "lo rx [netns $HOST]" "ipv4 PREROUTING [netns $HOST]" "ipv4 INPUT [netns $HOST]"
}

scenario_main
