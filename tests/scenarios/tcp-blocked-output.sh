#!/bin/bash
# Scenario 2: a TCP connection to port 1433 (SQL Server) never leaves the client: an nft
# rule on the client's OUTPUT hook drops every SYN. pktmon must show each SYN dropped with
# NETFILTER_DROP at "ipv4 OUTPUT" of the client, right after it was seen there, and nothing
# of it anywhere else. Usage: see lib.sh.
SC_NEEDS="nft timeout"
. "$(dirname "$0")/lib.sh"

names() {
	CLI=sql-client$1 SRV=sql-server$1
	NSLIST=("$CLI" "$SRV")
}

run() {
	mkns "$CLI" "$SRV"
	veth "$CLI" eth0 02:00:00:02:00:01 "$SRV" eth0 02:00:00:02:00:02
	must ip -n "$CLI" addr add 198.19.2.1/24 dev eth0
	must ip -n "$SRV" addr add 198.19.2.2/24 dev eth0
	wait_ping "$CLI" 198.19.2.2
	# the server listens: the problem is not there
	bg ip netns exec "$SRV" "$PY" -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.19.2.2", 1433)); s.listen(); time.sleep(30)'
	# the culprit: a client-side firewall rule on OUTPUT
	must ip netns exec "$CLI" nft add table inet fw
	must ip netns exec "$CLI" nft add chain inet fw output '{ type filter hook output priority 0; }'
	must ip netns exec "$CLI" nft add rule inet fw output tcp dport 1433 counter drop

	start_capture "$1" --filter 'sql -t TCP -i 198.19.2.2 -p 1433'
	local rc=0
	# connect() waits: the SYN sent at once, a retransmission after 1 s (the next one at 3 s),
	# then we give up at 2.5 s: room for a slow start under emulation, still two SYNs
	ip netns exec "$CLI" timeout 2.5 bash -c 'exec 3<>/dev/tcp/198.19.2.2/1433' 2>/dev/null || rc=$?
	stop_capture
	eq "the client's connect() hangs until the timeout" "124" "$rc"
	eq "nft counter of the rule = pktmon's drops" "$(nft_counter "$CLI" inet fw output)" \
		"$(F=$1 count 'pktmon.dropped && tcp.dstport == 1433')"
}

check() {
	F=$1
	expect_drop "SYN to 1433" 'tcp.dstport == 1433' "ipv4 OUTPUT [netns $CLI]" 5 NETFILTER_DROP nft_do_chain
	expect_path "first SYN" 'pktmon.dropped && tcp.flags.syn == 1 && tcp.dstport == 1433' \
		"ipv4 OUTPUT [netns $CLI]" "ipv4 OUTPUT [netns $CLI]"
	local syns
	syns=$(groups 'tcp.flags.syn == 1 && tcp.dstport == 1433')
	[ "$syns" -ge 2 ] && pass "$syns SYNs (the first and its retransmission)" || fail "expected at least 2 SYNs, got $syns"
	eq "every SYN was dropped" "$syns" "$(count 'pktmon.dropped && tcp.dstport == 1433')"
	eq "no SYN went past OUTPUT (POSTROUTING, qdisc, wire, server)" "0" "$(count 'tcp.dstport == 1433 && pktmon.layer != 5')"
	eq "nothing reached the server" "0" "$(count "pktmon.component_name contains \"[netns $SRV]\"")"
}

scenario_main
