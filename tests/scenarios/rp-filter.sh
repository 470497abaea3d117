#!/bin/bash
# Scenario 7: reverse-path filter. The server has two LANs: 198.19.7.0/24 on eth0 (the
# client's) and 198.19.107.0/24 on eth1. The client sends from 198.19.107.5, an address of
# the other LAN (spoofed, or an asymmetric route). With strict rp_filter (1) the server's
# route back to 198.19.107.5 is not eth0, where the packet came in: the kernel drops it
# with IP_RPFILTER in the input route lookup (ip_rcv_finish_core: pktmon names "ipv4
# PREROUTING" of the server) and counts it in IPReversePathFilter. With loose mode (2) the
# same packet is accepted and the answer leaves by eth1, the route back.
# Usage: see lib.sh.
SC_NEEDS="ping"
. "$(dirname "$0")/lib.sh"

names() {
	CLI=rpf-client$1 SRV=rpf-server$1 LAN2=rpf-lan2$1
	NSLIST=("$CLI" "$SRV" "$LAN2")
}

rpf_count() { # the server's IPReversePathFilter counter
	ip netns exec "$SRV" awk '/^TcpExt:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "IPReversePathFilter") c = i; h = 1 } else print $c }' /proc/net/netstat
}

run() {
	mkns "$CLI" "$SRV" "$LAN2"
	veth "$CLI" eth0 02:00:00:07:00:01 "$SRV" eth0 02:00:00:07:00:02
	veth "$LAN2" eth0 02:00:00:07:01:05 "$SRV" eth1 02:00:00:07:01:02
	must ip -n "$CLI" addr add 198.19.7.1/24 dev eth0
	must ip -n "$SRV" addr add 198.19.7.2/24 dev eth0
	must ip -n "$SRV" addr add 198.19.107.2/24 dev eth1
	must ip -n "$LAN2" addr add 198.19.107.5/24 dev eth0
	# the client also uses 198.19.107.5 as a source address
	must ip -n "$CLI" addr add 198.19.107.5/32 dev lo
	# (the server would not answer ARP for a sender in the wrong place either: a static entry)
	must ip -n "$CLI" neigh replace 198.19.7.2 lladdr 02:00:00:07:00:02 dev eth0 nud permanent
	wait_ping "$SRV" 198.19.107.5 # the server knows LAN2's neighbour
	must ip netns exec "$SRV" sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.eth0.rp_filter=1

	start_capture "$1" --filter 'spoofed -t ICMP -i 198.19.107.5'
	local before after out2
	before=$(rpf_count)
	ip netns exec "$CLI" ping -c 1 -W 1 -I 198.19.107.5 198.19.7.2 >/dev/null 2>&1 && fail "strict rp_filter: the ping was answered"
	after=$(rpf_count)
	# loose mode, and the same ping with 100 bytes of data: accepted, the answer goes by eth1
	must ip netns exec "$SRV" sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.eth0.rp_filter=2
	out2=$(ip netns exec "$CLI" ping -c 1 -W 1 -s 100 -I 198.19.107.5 198.19.7.2 2>&1)
	stop_capture
	eq "IPReversePathFilter counted one drop" "1" "$((after - before))"
	case "$out2" in
	*" 0 received"*) pass "loose rp_filter: the answer does not come back to the client (it goes to LAN2)" ;;
	*) fail "loose rp_filter: $out2" ;;
	esac
}

check() {
	F=$1
	expect_drop "the spoofed ping" 'icmp.type == 8' "ipv4 PREROUTING [netns $SRV]" 2 IP_RPFILTER 'ip_rcv_finish_core|ip_rcv_finish'
	eq "one IP_RPFILTER drop" "1" "$(count 'pktmon.drop_reason == "IP_RPFILTER"')"
	expect_path "the spoofed ping" 'pktmon.dropped && icmp.type == 8' \
		"ipv4 OUTPUT [netns $CLI]" "ipv4 POSTROUTING [netns $CLI]" "eth0 qdisc enqueue [netns $CLI]" \
		"eth0 tx [netns $CLI]" "eth0 rx [netns $SRV]" "ipv4 PREROUTING [netns $SRV]" \
		"ipv4 PREROUTING [netns $SRV]"
	eq "its source is on the server's other LAN" "198.19.107.5" "$(tsp "$F" -Y 'pktmon.drop_reason == "IP_RPFILTER"' -T fields -e ip.src)"
	# loose mode: the 128-byte request (IP length) reaches INPUT, the reply leaves by eth1
	expect_path "loose mode: the request" 'icmp.type == 8 && ip.len == 128' \
		"ipv4 OUTPUT [netns $CLI]" "ipv4 POSTROUTING [netns $CLI]" "eth0 qdisc enqueue [netns $CLI]" \
		"eth0 tx [netns $CLI]" "eth0 rx [netns $SRV]" "ipv4 PREROUTING [netns $SRV]" "ipv4 INPUT [netns $SRV]"
	# ... and the reply goes out by eth1 to LAN2, the owner of 198.19.107.5, which has no
	# ping socket waiting for it: ping_rcv drops it with NO_SOCKET (6.1: icmp_rcv does)
	expect_path "loose mode: the reply" 'icmp.type == 0 && ip.len == 128' \
		"ipv4 OUTPUT [netns $SRV]" "ipv4 POSTROUTING [netns $SRV]" "eth1 qdisc enqueue [netns $SRV]" \
		"eth1 tx [netns $SRV]" "eth0 rx [netns $LAN2]" "ipv4 PREROUTING [netns $LAN2]" \
		"ipv4 INPUT [netns $LAN2]" "ipv4 INPUT [netns $LAN2]"
	expect_drop "loose mode: the reply" 'icmp.type == 0' "ipv4 INPUT [netns $LAN2]" 3 NO_SOCKET 'ping_rcv|icmp_rcv'
}

scenario_main
