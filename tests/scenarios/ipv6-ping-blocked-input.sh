#!/bin/bash
# Scenario 12a: scenario 1 in IPv6. Two pings (ICMPv6 echo requests) from 2001:db8:1::1,
# both dropped by an nft rule on the INPUT hook of the other namespace: NETFILTER_DROP at
# "ipv6 INPUT", after OUTPUT, POSTROUTING, the qdisc, the veth pair and PREROUTING.
# Neighbour entries are static (no neighbour discovery in the capture).
# Usage: see lib.sh.
SC_NEEDS="nft ping"
. "$(dirname "$0")/lib.sh"

names() {
	A=v6ping-a$1 B=v6ping-b$1
	NSLIST=("$A" "$B")
}

run() {
	mkns "$A" "$B"
	veth "$A" eth0 02:00:00:12:01:01 "$B" eth0 02:00:00:12:01:02
	must ip -n "$A" addr add 2001:db8:1::1/64 dev eth0 nodad
	must ip -n "$B" addr add 2001:db8:1::2/64 dev eth0 nodad
	must ip -n "$A" neigh replace 2001:db8:1::2 lladdr 02:00:00:12:01:02 dev eth0 nud permanent
	must ip -n "$B" neigh replace 2001:db8:1::1 lladdr 02:00:00:12:01:01 dev eth0 nud permanent
	wait_ping "$A" -6 2001:db8:1::2
	must ip netns exec "$B" nft add table inet fw
	must ip netns exec "$B" nft add chain inet fw input '{ type filter hook input priority 0; }'
	must ip netns exec "$B" nft add rule inet fw input icmpv6 type echo-request counter drop

	start_capture "$1" --filter 'icmp6 -t ICMPv6 -i 2001:db8:1::2'
	ip netns exec "$A" ping -6 -c 2 -i 0.3 -W 1 2001:db8:1::2 >/dev/null && fail "the pings should be dropped"
	stop_capture
	eq "nft counter of the rule = pktmon's drops" "$(nft_counter "$B" inet fw input)" "$(F=$1 count 'pktmon.dropped')"
}

check() {
	F=$1
	expect_drop "echo requests" 'icmpv6.type == 128' "ipv6 INPUT [netns $B]" 3 NETFILTER_DROP nft_do_chain
	eq "two pings, two drops" "2|2" "$(groups 'icmpv6.type == 128')|$(count 'pktmon.dropped')"
	eq "the drops are in the IPv6 family (10)" "10" "$(tsp "$F" -Y pktmon.dropped -T fields -e pktmon.nf_family | sort -u)"
	expect_path "the first ping" 'pktmon.dropped && icmpv6.type == 128' \
		"ipv6 OUTPUT [netns $A]" "ipv6 POSTROUTING [netns $A]" "eth0 qdisc enqueue [netns $A]" \
		"eth0 tx [netns $A]" "eth0 rx [netns $B]" "ipv6 PREROUTING [netns $B]" \
		"ipv6 INPUT [netns $B]" "ipv6 INPUT [netns $B]"
	eq "no echo reply" "0" "$(count 'icmpv6.type == 129')"
}

scenario_main
