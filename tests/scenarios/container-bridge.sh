#!/bin/bash
# Scenario 9: the container path. Two "containers" (namespaces ctr-web and ctr-db) on a
# Linux bridge br0 in a third namespace (ctr-host, the container host), each by a veth
# pair. A ping from web to db is followed with ONE packet group id across the three
# namespaces: web's OUTPUT, POSTROUTING, qdisc, eth0 tx; the host's bridge port veth-web
# rx, the bridge-netfilter hooks (PREROUTING, FORWARD, POSTROUTING: br_netfilter calls the
# IPv4 hooks for bridged frames when bridge-nf-call-iptables is 1), port veth-db qdisc and
# tx; db's eth0 rx, PREROUTING, INPUT. The reply comes back the same way. Then web opens a
# TCP connection to db's PostgreSQL port, which db's own firewall drops at its INPUT hook.
# Usage: see lib.sh.
SC_NEEDS="nft timeout ping"
. "$(dirname "$0")/lib.sh"

names() {
	WEB=ctr-web$1 DB=ctr-db$1 HOST=ctr-host$1
	NSLIST=("$WEB" "$DB" "$HOST")
	BRNF=1 # the committed sample was made with bridge-nf-call-iptables = 1
}

run() {
	mkns "$WEB" "$DB" "$HOST"
	must ip -n "$HOST" link add br0 address 02:00:00:09:00:fe type bridge
	veth "$WEB" eth0 02:00:00:09:00:0b "$HOST" veth-web 02:00:00:09:01:0b
	veth "$DB" eth0 02:00:00:09:00:0c "$HOST" veth-db 02:00:00:09:01:0c
	must ip -n "$HOST" link set veth-web master br0
	must ip -n "$HOST" link set veth-db master br0
	must ip -n "$HOST" link set br0 up
	must ip -n "$WEB" addr add 198.19.9.11/24 dev eth0
	must ip -n "$DB" addr add 198.19.9.12/24 dev eth0
	BRNF=$(ip netns exec "$HOST" cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || echo 0)
	echo "bridge-nf-call-iptables in $HOST: $BRNF"
	wait_ping "$WEB" 198.19.9.12 # the bridge has learned both MACs, ARP is resolved
	# db's own firewall: nothing may reach PostgreSQL
	must ip netns exec "$DB" nft add table inet fw
	must ip netns exec "$DB" nft add chain inet fw input '{ type filter hook input priority 0; }'
	must ip netns exec "$DB" nft add rule inet fw input tcp dport 5432 counter drop

	start_capture "$1" --filter 'db -i 198.19.9.12'
	ip netns exec "$WEB" ping -c 1 -W 1 198.19.9.12 >/dev/null || fail "the ping across the bridge should be answered"
	ip netns exec "$WEB" timeout 0.5 bash -c 'exec 3<>/dev/tcp/198.19.9.12/5432' 2>/dev/null && fail "the connection to 5432 should hang"
	stop_capture
	eq "nft counter of db's rule = pktmon's drops" "$(nft_counter "$DB" inet fw input)" \
		"$(F=$1 count 'pktmon.dropped && tcp.dstport == 5432')"
}

# the host's part of a path from port $1 to port $2
host_hops() {
	echo "$1 rx [netns $HOST]"
	[ "$BRNF" = 1 ] && printf '%s\n' "ipv4 PREROUTING [netns $HOST]" "ipv4 FORWARD [netns $HOST]" "ipv4 POSTROUTING [netns $HOST]"
	printf '%s\n' "$2 qdisc enqueue [netns $HOST]" "$2 tx [netns $HOST]"
}

check() {
	F=$1
	local hops
	[ "$BRNF" = 1 ] || echo "note: bridge-nf-call-iptables is not 1: no netfilter hooks on the bridge"
	mapfile -t hops < <(host_hops veth-web veth-db)
	expect_path "echo request, web → bridge → db" 'icmp.type == 8' \
		"ipv4 OUTPUT [netns $WEB]" "ipv4 POSTROUTING [netns $WEB]" "eth0 qdisc enqueue [netns $WEB]" \
		"eth0 tx [netns $WEB]" "${hops[@]}" "eth0 rx [netns $DB]" "ipv4 PREROUTING [netns $DB]" "ipv4 INPUT [netns $DB]"
	eq "one group id, three namespaces" "3" \
		"$(tsp "$F" -Y "pktmon.pkt_group_id == $(group_of 'icmp.type == 8')" -T fields -e pktmon.netns | sort -u | grep -c .)"
	# the reply; ping reads it on a raw socket (a clone: "socket rx", another group) and
	# the kernel frees the original in ping_rcv with NO_SOCKET (no ICMP datagram socket)
	mapfile -t hops < <(host_hops veth-db veth-web)
	expect_path "echo reply, db → bridge → web" 'icmp.type == 0 && !(pktmon.layer == 7)' \
		"ipv4 OUTPUT [netns $DB]" "ipv4 POSTROUTING [netns $DB]" "eth0 qdisc enqueue [netns $DB]" \
		"eth0 tx [netns $DB]" "${hops[@]}" "eth0 rx [netns $WEB]" "ipv4 PREROUTING [netns $WEB]" \
		"ipv4 INPUT [netns $WEB]" "ipv4 INPUT [netns $WEB]"
	eq "the reply read by ping" "socket rx [netns $WEB]" "$(tsp "$F" -Y 'icmp.type == 0 && pktmon.layer == 7' -T fields -e pktmon.component_name)"
	# the connection to PostgreSQL, dropped by db's firewall
	expect_drop "SYN to 5432" 'tcp.dstport == 5432' "ipv4 INPUT [netns $DB]" 3 NETFILTER_DROP nft_do_chain
	mapfile -t hops < <(host_hops veth-web veth-db)
	expect_path "SYN to 5432" 'pktmon.dropped && tcp.dstport == 5432' \
		"ipv4 OUTPUT [netns $WEB]" "ipv4 POSTROUTING [netns $WEB]" "eth0 qdisc enqueue [netns $WEB]" \
		"eth0 tx [netns $WEB]" "${hops[@]}" "eth0 rx [netns $DB]" "ipv4 PREROUTING [netns $DB]" \
		"ipv4 INPUT [netns $DB]" "ipv4 INPUT [netns $DB]"
}

scenario_main
