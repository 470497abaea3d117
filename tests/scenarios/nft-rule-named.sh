#!/bin/bash
# Scenario 14: which nftables rule dropped it. Two pings from 198.18.14.1, dropped by a rule with
# a comment on the INPUT hook of the other namespace (after a rule that matches and continues): each NETFILTER_DROP names the table, the
# chain, the rule's handle, its text and comment (nftables tracing, no kprobe). Live only: the
# user's ruleset reads back byte-identical after the capture stops, and after the capture helper
# is killed with SIGKILL (the kernel removes the tracing table with its socket).
# Usage: see lib.sh.
SC_NEEDS="nft ping"
. "$(dirname "$0")/lib.sh"

RULE='ip saddr 198.18.14.1 icmp type echo-request drop comment "block ping"'
# the rule's text needs libnftables (an optional build dependency); without it, the comment only
TEXT=$RULE
# (opened at run time by its SONAME, which a build with it carries: capture-core/src/lazy_lib.h)
if [ "$MODE" != sample ] && ! { grep -qa 'libnftables\.so\.' "$(dirname "$PKTMON")/pktmon-capture" &&
	ldconfig -p | grep -q 'libnftables\.so\.'; }; then
	TEXT='comment "block ping"'
	echo "note: pktmon-capture is built without libnftables: the rule's text is not expected"
fi

names() {
	A=nftrule-a$1 B=nftrule-b$1
	NSLIST=("$A" "$B")
}

# B's ruleset without the tracing tables of other captures (other tests may capture every namespace
# at the same time: each has its pktmon_trace_<pid>); ours, pktmon_trace_$OURS, is kept
ruleset() {
	ip netns exec "$B" nft list ruleset | awk -v ours="table inet pktmon_trace_${OURS:-none} " '
		/^table inet pktmon_trace_/ && index($0, ours) != 1 { skip = 1 }
		!skip { print }
		skip && /^}/ { skip = 0 }'
}
# wait_no_trace_table: until the kernel removed our capture's table from B (3 s at most)
wait_no_trace_table() {
	local i
	for i in $(seq 1 30); do
		ruleset | grep -q "table inet pktmon_trace_$OURS " || return 0
		sleep 0.1
	done
	return 1
}

run() {
	mkns "$A" "$B"
	veth "$A" eth0 02:00:00:14:01:01 "$B" eth0 02:00:00:14:01:02
	must ip -n "$A" addr add 198.18.14.1/24 dev eth0
	must ip -n "$B" addr add 198.18.14.2/24 dev eth0
	must ip -n "$A" neigh replace 198.18.14.2 lladdr 02:00:00:14:01:02 dev eth0 nud permanent
	must ip -n "$B" neigh replace 198.18.14.1 lladdr 02:00:00:14:01:01 dev eth0 nud permanent
	wait_ping "$A" 198.18.14.2
	must ip netns exec "$B" nft add table inet filter
	must ip netns exec "$B" nft add chain inet filter input '{ type filter hook input priority 0; policy accept; }'
	# a rule that matches and continues first: the kernel puts the packet's headers in its trace
	# message only, not in the drop's (pktmon carries them over by trace id)
	must ip netns exec "$B" nft add rule inet filter input ip saddr 198.18.14.1
	must ip netns exec "$B" nft add rule inet filter input "$RULE"
	local before user
	before=$(ruleset)
	user=$(ip netns exec "$B" nft list table inet filter)

	start_capture "$1" --filter 'icmp -t ICMP -i 198.18.14.2'
	OURS=$CAP_PID
	ruleset | grep -q "table inet pktmon_trace_$CAP_PID " &&
		pass "while capturing, B has the capture's table pktmon_trace_$CAP_PID" ||
		fail "no table pktmon_trace_$CAP_PID in $B while capturing: $(ruleset | grep ^table | paste -sd,)"
	eq "while capturing, the user's table is unchanged" "$user" "$(ip netns exec "$B" nft list table inet filter)"
	# (kernels without netfilter links also get the fallback's own empty table, pktmon_<pid>_<id>)
	eq "while capturing, B has no other table" "table inet filter|table inet pktmon_trace_$CAP_PID" \
		"$(ruleset | grep ^table | sed 's/ {.*$//' | grep -vE "^table inet pktmon_${CAP_PID}_[0-9a-f]+$" | sort | paste -sd'|')"
	ip netns exec "$A" ping -c 2 -i 0.3 -W 1 198.18.14.2 >/dev/null && fail "the pings should be dropped"
	stop_capture
	wait_no_trace_table || fail "the tracing table is still in $B after stop"
	eq "after stop, nft list ruleset is byte-identical" "$before" "$(ruleset)"

	# what pktmon format shows (text and JSON)
	local text
	text=$("$PKTMON" format "$1")
	eq "pktmon format: both drops name their rule" "2" \
		"$(grep -cxF "	rule: inet filter input handle 3: $TEXT" <<<"$text")"
	local json='"rule":"ip saddr 198.18.14.1 icmp type echo-request drop comment \"block ping\"",'
	[ "$TEXT" = "$RULE" ] || json=
	eq "pktmon format --json: the rule of the drops" \
		'{"table":"inet filter","chain":"input","handle":3,'"$json"'"comment":"block ping"}' \
		"$("$PKTMON" format --json "$1" | grep -o '"nf_rule":{[^}]*}' | sort -u | sed 's/^"nf_rule"://')"

	# --no-rule-trace: no table, no rule named
	start_capture "$WORK/off.pcapng" --no-rule-trace --filter 'icmp -t ICMP -i 198.18.14.2'
	OURS=$CAP_PID
	ruleset | grep -q "table inet pktmon_trace_$OURS " && fail "--no-rule-trace: a tracing table was made"
	ip netns exec "$A" ping -c 1 -W 1 198.18.14.2 >/dev/null
	stop_capture
	eq "--no-rule-trace: the drop is there, without its rule" "1|0" \
		"$("$PKTMON" format "$WORK/off.pcapng" | grep -c 'Reason NETFILTER_DROP')|$("$PKTMON" format "$WORK/off.pcapng" | grep -c '	rule: ')"

	# no filter and no --netns: nothing traced unless --rule-trace asks (tracing costs per packet)
	start_capture "$WORK/all.pcapng"
	OURS=$CAP_PID
	ruleset | grep -q "table inet pktmon_trace_$OURS " && fail "a capture of everything made a tracing table"
	ip netns exec "$A" ping -c 1 -W 1 198.18.14.2 >/dev/null
	stop_capture
	eq "no filter: the drop is there, without its rule" "1|0" \
		"$("$PKTMON" format "$WORK/all.pcapng" | grep 'Reason NETFILTER_DROP' | grep -c "netns $B]")|$("$PKTMON" format "$WORK/all.pcapng" | grep -c '	rule: ')"
	start_capture "$WORK/forced.pcapng" --rule-trace
	ip netns exec "$A" ping -c 1 -W 1 198.18.14.2 >/dev/null
	stop_capture
	eq "--rule-trace without a filter: the drop's rule named" "1|1" \
		"$("$PKTMON" format "$WORK/forced.pcapng" | grep 'Reason NETFILTER_DROP' | grep -c "netns $B]")|$("$PKTMON" format "$WORK/forced.pcapng" | grep -c '	rule: inet filter input handle')"

	# SIGKILL of the capture helper (pktmon start --foreground execs it): the kernel deletes the
	# owned table when its socket goes
	start_capture "$WORK/killed.pcapng" --filter 'icmp -t ICMP -i 198.18.14.2'
	OURS=$CAP_PID
	ruleset | grep -q "table inet pktmon_trace_$CAP_PID " || fail "no tracing table before the SIGKILL"
	[ "$(cat /proc/"$CAP_PID"/comm 2>/dev/null)" = pktmon-capture ] || fail "pid $CAP_PID is not the capture helper"
	kill -KILL "$CAP_PID"
	wait "$CAP_PID" 2>/dev/null
	wait_no_trace_table || fail "the tracing table is still in $B 3 s after the SIGKILL"
	eq "after kill -9 of the capture helper, nft list ruleset is byte-identical" "$before" "$(ruleset)"
}

check() {
	F=$1
	expect_drop "echo requests" 'icmp.type == 8' "ipv4 INPUT [netns $B]" 3 NETFILTER_DROP nft_do_chain
	eq "two pings, two drops" "2|2" "$(groups 'icmp.type == 8')|$(count 'pktmon.dropped')"
	eq "pktmon.nf.* of the drops" \
		"inet filter|input|3|$([ "$TEXT" = "$RULE" ] && echo "$RULE")|block ping" \
		"$(tsp "$F" -Y pktmon.dropped -T fields -E separator='|' -e pktmon.nf.table -e pktmon.nf.chain \
			-e pktmon.nf.rule_handle -e pktmon.nf.rule -e pktmon.nf.rule_comment | sort -u)"
	eq "filter pktmon.nf.rule_comment == \"block ping\"" "2" "$(count 'pktmon.nf.rule_comment == "block ping"')"
	eq "the Info column names the rule" "2" \
		"$(tsp "$F" -Y pktmon.dropped -T fields -e _ws.col.Info | grep -cF '[DROP NETFILTER_DROP inet filter input #3 "block ping"]')"
	eq "the EPB comment names it for readers without the plugin" "2" \
		"$(tsp "$F" -Y 'frame.comment contains "by inet filter input handle 3 \"block ping\""' -T fields -e frame.number | grep -c .)"
	eq "no echo reply" "0" "$(count 'icmp.type == 0')"
}

scenario_main
