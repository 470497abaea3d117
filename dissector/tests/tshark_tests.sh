#!/bin/sh
# SPDX-License-Identifier: MIT
#
# tshark checks of the pktmon plugin on the files make_samples.py writes.
#
#   tshark_tests.sh CASE TSHARK PLUGIN_ROOT SAMPLES_DIR WS_SERIES
#
# CASE: fields hosts filter path path2 why stats malformed rundown mutations resave colors
# COLORFILTERS (colors only): the colorfilters.pktmon snippet.
# PLUGIN_ROOT holds <WS_SERIES>/epan/pktmon.so (what WIRESHARK_PLUGIN_DIR points at).
#
# Wireshark ignores WIRESHARK_PLUGIN_DIR and personal plugin folders when it runs as root, so
# as root tshark runs as nobody (setpriv). The plugin and the samples are copied to a private
# directory nobody can read, so the build tree may be anywhere (even under /root).
set -eu

if [ $# -lt 5 ]; then
	echo "usage: $0 CASE TSHARK PLUGIN_ROOT SAMPLES_DIR WS_SERIES [COLORFILTERS]" >&2
	exit 2
fi
CASE=$1
TSHARK=$2
PLUGIN_ROOT=$3
SAMPLES=$4
SERIES=$5
COLORFILTERS=${6:-}

PLUGIN=$PLUGIN_ROOT/$SERIES/epan/pktmon.so
[ -f "$PLUGIN" ] || { echo "FAIL: $PLUGIN not built" >&2; exit 1; }
[ -f "$SAMPLES/normal.pcapng" ] || { echo "FAIL: no samples in $SAMPLES (run make_samples.py)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/pktmon-dissector-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM
mkdir -p "$WORK/plugins/$SERIES/epan" "$WORK/home" "$WORK/samples"
cp "$PLUGIN" "$WORK/plugins/$SERIES/epan/"
cp "$SAMPLES"/*.pcapng "$WORK/samples/"
chmod -R a+rX "$WORK"
chmod 1777 "$WORK/home"
S=$WORK/samples

FAILS=0
fail() {
	echo "FAIL: $*" >&2
	FAILS=$((FAILS + 1))
}

# Run tshark unprivileged with our plugin folder; stderr goes to $WORK/stderr.
ts() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
			env -i PATH=/usr/bin:/bin HOME="$WORK/home" WIRESHARK_PLUGIN_DIR="$WORK/plugins" \
			"$TSHARK" "$@" 2>"$WORK/stderr"
	else
		env HOME="$WORK/home" WIRESHARK_PLUGIN_DIR="$WORK/plugins" "$TSHARK" "$@" 2>"$WORK/stderr"
	fi
}

# Every run must be unprivileged and free of warnings about it.
check_stderr() {
	if grep -qi "running as user \"root\"" "$WORK/stderr"; then
		fail "tshark ran as root (privileges not dropped): the plugin folder is ignored"
	fi
	if grep -qiE "couldn't load|undefined symbol|not loaded" "$WORK/stderr"; then
		fail "plugin load problem: $(cat "$WORK/stderr")"
	fi
}

# expect NAME ACTUAL EXPECTED
expect() {
	if [ "$2" != "$3" ]; then
		fail "$1"
		printf '  expected: %s\n  actual:   %s\n' "$3" "$2" | sed 's/$/|/' >&2
	else
		echo "ok: $1"
	fi
}

# expect_contains NAME HAYSTACK NEEDLE
expect_contains() {
	case "$2" in
	*"$3"*) echo "ok: $1" ;;
	*) fail "$1"; printf '  missing: %s\n  in: %s\n' "$3" "$2" >&2 ;;
	esac
}

# frames FILE FILTER: frame numbers matching FILTER, space separated.
frames() {
	ts -r "$S/$1" -Y "$2" -T fields -e frame.number | tr '\n' ' ' | sed 's/ $//'
	check_stderr
}

# Columns are fields filters can use (_ws.col.info) from 4.4; 4.0 has them for -e only.
columns_filterable() {
	case $SERIES in
	4.0 | 4.2) echo "ok: (Wireshark $SERIES cannot filter on columns)"; return 1 ;;
	esac
}

# The plugin must be found at all, or every other check is meaningless.
ts -G plugins >"$WORK/plugins.txt"
check_stderr
if ! grep -q "pktmon.so" "$WORK/plugins.txt"; then
	fail "pktmon.so not loaded from $WORK/plugins ($(cat "$WORK/stderr"))"
	exit 1
fi

case $CASE in
fields)
	ts -G fields >"$WORK/fields.txt"
	check_stderr
	for f in pktmon pktmon.version pktmon.component_id pktmon.component_name pktmon.layer \
		pktmon.direction pktmon.pkt_group_id pktmon.appearance pktmon.dropped pktmon.drop_reason \
		pktmon.drop_reason_code pktmon.drop_location pktmon.drop_symbol pktmon.ifindex pktmon.netns \
		pktmon.cpu pktmon.flags pktmon.flags.dropped pktmon.l2_synthesized pktmon.paged_not_captured \
		pktmon.nf_family pktmon.unknown_tlv pktmon.prev_frame pktmon.next_frame pktmon.path \
		pktmon.rundown.version pktmon.rundown.kind pktmon.rundown.records_length pktmon.rundown.record \
		pktmon.rundown.record_length pktmon.rundown.component_id pktmon.rundown.layer \
		pktmon.rundown.direction pktmon.rundown.ifindex pktmon.rundown.netns pktmon.rundown.nf_family \
		pktmon.rundown.name pktmon.rundown.ifname pktmon.rundown.netns_name pktmon.rundown.interface_id \
		pktmon.rundown.filter_index pktmon.rundown.filter_name pktmon.rundown.filter_text \
		pktmon.rundown.capture_filter pktmon.rundown.rx_pkts pktmon.rundown.rx_bytes \
		pktmon.rundown.tx_pkts pktmon.rundown.tx_bytes pktmon.rundown.drops pktmon.rundown.lost \
		pktmon.rundown.drop_reason pktmon.rundown.drop_reason_code pktmon.rundown.count \
		pktmon.rundown.session_name pktmon.rundown.start pktmon.rundown.stop pktmon.rundown.snaplen \
		pktmon.rundown.capture_type pktmon.rundown.events_written pktmon.rundown.events_lost \
		pktmon.rundown.events_missed \
		pktmon.rundown.kernel pktmon.host pktmon.rundown.host; do
		if awk -F'\t' -v f="$f" '($1 == "F" || $1 == "P") && $3 == f { found = 1 } END { exit !found }' \
			"$WORK/fields.txt"; then
			echo "ok: field $f"
		else
			fail "field $f not listed by tshark -G fields"
		fi
	done
	# Expert infos are registered too (usable as filters).
	for e in pktmon.malformed pktmon.unknown_version pktmon.expert.drop pktmon.expert.unknown_tlv; do
		if grep -q "	$e	" "$WORK/fields.txt"; then echo "ok: expert $e"; else fail "expert $e not registered"; fi
	done
	# And a stock field name must still resolve (plugin did not break the registry).
	grep -q "	frame.interface_name	" "$WORK/fields.txt" || fail "frame.interface_name missing"
	;;

hosts)
	# mergecap keeps every IDB: each frame's host is its interface's (the end of its description)
	got=$(ts -r "$S/two_hosts.pcapng" -Y pktmon.pkt_group_id -T fields -e frame.number -e pktmon.host | paste -sd' ')
	check_stderr
	[ "$got" = "1	web1 2	db1 3	web1 4	" ] && echo "ok: pktmon.host per frame" || fail "pktmon.host per frame: [$got]"
	got=$(ts -r "$S/two_hosts.pcapng" -Y 'pktmon.host == "db1"' -T fields -e frame.number | paste -sd' ')
	[ "$got" = "2" ] && echo "ok: filter on pktmon.host" || fail "pktmon.host == db1: [$got]"
	got=$(ts -r "$S/two_hosts.pcapng" -Y pktmon.rundown.host -T fields -e pktmon.rundown.host | paste -sd' ')
	[ "$got" = "web1 db1" ] && echo "ok: the rundowns' hosts" || fail "pktmon.rundown.host: [$got]"
	got=$(ts -r "$S/normal.pcapng" -Y pktmon.host | wc -l)
	[ "$got" = 0 ] && echo "ok: no pktmon.host where the description names no host" || fail "normal.pcapng: $got"
	;;

filter)
	expect "drop_reason == NETFILTER_DROP selects exactly the drop" \
		"$(frames normal.pcapng 'pktmon.drop_reason == "NETFILTER_DROP"')" "6"
	expect "pktmon.dropped matches drops only" "$(frames normal.pcapng 'pktmon.dropped')" "6 7"
	expect "!pktmon.dropped" "$(frames normal.pcapng 'pktmon.component_id && !pktmon.dropped')" "1 2 3 4 5"
	expect "pkt_group_id == 1 is one packet's path" "$(frames normal.pcapng 'pktmon.pkt_group_id == 1')" "1 2 4 6"
	expect "layer == INPUT" "$(frames normal.pcapng 'pktmon.layer == 3')" "4 6"
	expect "direction Tx" "$(frames normal.pcapng 'pktmon.direction == 2')" "3 5"
	expect "l2_synthesized" "$(frames normal.pcapng 'pktmon.l2_synthesized == 1')" "3"
	expect "component_name contains" "$(frames normal.pcapng 'pktmon.component_name contains "eth0 tx"')" "5"
	expect "component_name ==" "$(frames normal.pcapng 'pktmon.component_name == "ipv4 INPUT [netns host]"')" "4 6"
	expect "component_id (not the interface id)" "$(frames normal.pcapng 'pktmon.component_id == 105')" "3"
	expect "nf_family IPv4" "$(frames normal.pcapng 'pktmon.nf_family == 2')" "2 3 4 6"
	expect "drop_location" "$(frames normal.pcapng 'pktmon.drop_location == 0xffffffffc0a1b46f')" "6"
	expect "frame without metadata has no pktmon fields" "$(frames normal.pcapng 'frame.number == 8 && pktmon')" ""
	info=$(ts -r "$S/normal.pcapng" -Y 'frame.number == 6' -T fields -e _ws.col.Info)
	check_stderr
	expect_contains "Info column prefixed on drops" "[$info" "[[DROP NETFILTER_DROP] "
	# What the packet list shows: the summary line, filled in after every dissector (all series).
	line=$(ts -r "$S/normal.pcapng" -Y 'frame.number == 6')
	expect_contains "summary line prefixed on drops" "$line" " [DROP NETFILTER_DROP] "
	# 4.4+ fill _ws.col.* before postdissectors run; the plugin updates the Info field, so column
	# filters and column-based colouring rules see the prefix too.
	if columns_filterable; then
		expect "filter on the Info column" "$(frames normal.pcapng '_ws.col.info contains "[DROP "')" "6 7"
	fi
	info=$(ts -r "$S/normal.pcapng" -Y 'frame.number == 1' -T fields -e _ws.col.Info)
	case $info in *DROP*) fail "Info of a non-drop mentions DROP: $info" ;; *) echo "ok: no DROP on non-drops" ;; esac
	msg=$(ts -r "$S/normal.pcapng" -Y 'frame.number == 6' -T fields -e _ws.expert.message)
	check_stderr
	expect_contains "drop expert info" "$msg" "Packet dropped: NETFILTER_DROP at nft_do_chain+0x46f"
	# Without a tree (tshark -r alone) the plugin builds nothing for plain observations, and still
	# reads the drop's strings (through the metadata's own tvb) for the summary line.
	line=$(ts -r "$S/normal.pcapng" | sed -n 6p)
	check_stderr
	expect_contains "summary line without a tree prefixed on drops" "$line" " [DROP NETFILTER_DROP] "
	# The metadata's bytes are a data source where our tree is shown (the GUI's tab, -V -x).
	hex=$(ts -r "$S/normal.pcapng" -Y 'frame.number == 1' -V -x)
	check_stderr
	expect_contains "metadata bytes with -V -x" "$hex" "pktmon metadata ("
	sev=$(ts -r "$S/normal.pcapng" -Y 'frame.number == 6' -V)
	expect_contains "drop expert is a warning in the sequence group" "$sev" \
		"[Expert Info (Warning/Sequence): Packet dropped: NETFILTER_DROP at nft_do_chain+0x46f]"
	expect "expert filter" "$(frames normal.pcapng 'pktmon.expert.drop')" "6 7"
	vals=$(ts -r "$S/normal.pcapng" -Y 'frame.number == 6' -T fields -E separator=';' \
		-e pktmon.component_id -e pktmon.layer -e pktmon.direction -e pktmon.pkt_group_id \
		-e pktmon.appearance -e pktmon.drop_reason_code -e pktmon.drop_symbol -e pktmon.ifindex \
		-e pktmon.netns -e pktmon.cpu -e pktmon.flags)
	expect "all values of the drop frame" "$vals" "103;3;1;1;4;6;nft_do_chain+0x46f;3;4026531840;1;0x00000001"
	# Booleans print as 1/0 up to 4.2 and True/False from 4.4 (-T fields); filters work alike.
	case $SERIES in 4.0 | 4.2) t=1 f=0 ;; *) t=True f=False ;; esac
	vals=$(ts -r "$S/normal.pcapng" -Y 'frame.number == 3' -T fields -E separator=';' \
		-e pktmon.dropped -e pktmon.flags.dropped -e pktmon.l2_synthesized)
	expect "booleans as this series prints them" "$vals" ";$f;$t"
	expect "boolean filters" "$(frames normal.pcapng 'pktmon.l2_synthesized == 1 && pktmon.flags.dropped == 0')" "3"
	;;

path)
	# One pass: only the frames read so far are known, so the path is the path so far and
	# there is no next frame yet.
	out=$(ts -r "$S/normal.pcapng" -Y 'pktmon.pkt_group_id == 1' -T fields -E separator=';' \
		-e frame.number -e pktmon.component_name -e pktmon.appearance -e pktmon.prev_frame \
		-e pktmon.next_frame -e pktmon.path)
	check_stderr
	want="1;veth0 rx [netns web];1;;;veth0 rx [netns web]
2;ipv4 PREROUTING [netns host];2;1;;veth0 rx [netns web] → ipv4 PREROUTING [netns host]
4;ipv4 INPUT [netns host];3;2;;veth0 rx [netns web] → ipv4 PREROUTING [netns host] → ipv4 INPUT [netns host]
6;ipv4 INPUT [netns host];4;4;;veth0 rx [netns web] → ipv4 PREROUTING [netns host] → ipv4 INPUT [netns host] ✖ NETFILTER_DROP"
	expect "single-pass path of packet 1" "$out" "$want"
	out=$(ts -r "$S/normal.pcapng" -Y 'pktmon.pkt_group_id == 2' -T fields -E separator=';' \
		-e frame.number -e pktmon.component_name -e pktmon.appearance -e pktmon.path)
	want="3;ipv4 OUTPUT [netns host];1;ipv4 OUTPUT [netns host]
5;eth0 tx [netns host];2;ipv4 OUTPUT [netns host] → eth0 tx [netns host]"
	expect "single-pass path of packet 2" "$out" "$want"
	out=$(ts -r "$S/normal.pcapng" -Y 'frame.number == 7' -T fields -e pktmon.path)
	expect "a packet first seen when dropped" "$out" "stack [netns host] ✖ NO_SOCKET"
	;;

why)
	# What the kernel did next: a why point in the packet's group, after its drop in the path; a
	# buffer freed after a copy reached a socket is no drop.
	out=$(ts -r "$S/why.pcapng" -Y 'frame.number == 4' -T fields -e pktmon.path)
	check_stderr
	expect "the path: the drop, then the why point" "$out" \
		"eth0 rx [netns host] → ipv4 INPUT [netns host] ✖ NO_SOCKET → ICMP port unreachable sent"
	expect "the why point's fields" "$(ts -r "$S/why.pcapng" -Y pktmon.why -T fields -E separator=';' \
		-e frame.number -e pktmon.why -e pktmon.why_text -e pktmon.icmp.type -e pktmon.icmp.code -e pktmon.tcp_state)" \
		"3;1;ICMP port unreachable sent;3;3;
7;3;TCP reset sent;;;1"
	expect_contains "the Info column" "$(ts -r "$S/why.pcapng" -Y 'frame.number == 3')" "[ICMP port unreachable sent]"
	expect "a delivered copy is no pktmon.dropped" "$(frames why.pcapng 'pktmon.dropped')" "4"
	expect "it is pktmon.delivered_copy" "$(frames why.pcapng 'pktmon.delivered_copy && pktmon.flags.delivered_copy')" "6"
	expect "its expert info is the Note, the drop's the Warning" \
		"$(frames why.pcapng 'pktmon.expert.delivered_copy && !pktmon.expert.drop');$(frames why.pcapng 'pktmon.expert.drop')" "6;4"
	expect_contains "the Note says why" "$(ts -r "$S/why.pcapng" -Y 'frame.number == 6' -T fields -E occurrence=a \
		-e _ws.expert.message)" "Freed as NO_SOCKET at ping_rcv+0xb3, but a copy reached a socket: not a loss"
	expect_contains "its Info column" "$(ts -r "$S/why.pcapng" -Y 'frame.number == 6')" "[FREED NO_SOCKET, a copy was delivered]"
	ts -q -r "$S/why.pcapng" -z pktmon,tree >"$WORK/stats.txt"
	expect "drops by reason count no delivered copy" \
		"$(awk '/^Drops by reason/ { on = 1; next } /^[^ ]/ { on = 0 } on && /NO_SOCKET/ { print $2 }' "$WORK/stats.txt")" "1"
	ts -q -r "$S/why.pcapng" -z 'flow,pktmon,network,pktmon.pkt_group_id == 1' >"$WORK/flow.txt"
	expect_contains "the Flow Graph's why arrow" "$(cat "$WORK/flow.txt")" "ICMP port unreachable sent"
	expect_contains "it ends at the why point" "$(head -2 "$WORK/flow.txt")" "ICMP error sent [netns host]"
	;;

path2)
	# Two passes: the whole path and the next frame are known everywhere.
	out=$(ts -2 -r "$S/normal.pcapng" -Y 'pktmon.pkt_group_id == 1' -T fields -E separator=';' \
		-e frame.number -e pktmon.prev_frame -e pktmon.next_frame -e pktmon.path)
	check_stderr
	full="veth0 rx [netns web] → ipv4 PREROUTING [netns host] → ipv4 INPUT [netns host] ✖ NETFILTER_DROP"
	want="1;;2;$full
2;1;4;$full
4;2;6;$full
6;4;;$full"
	expect "two-pass path of packet 1" "$out" "$want"
	expect "next_frame filter (two passes)" \
		"$(ts -2 -r "$S/normal.pcapng" -Y 'pktmon.next_frame' -T fields -e frame.number | tr '\n' ' ')" "1 2 3 4 "
	# Group ids k << 20 crowd one slot of the path index: each packet keeps its own two hops.
	out=$(ts -2 -r "$S/crowded_groups.pcapng" -T fields -E separator=';' -e frame.number -e pktmon.pkt_group_id \
		-e pktmon.prev_frame -e pktmon.next_frame -e pktmon.path)
	check_stderr
	want=$(awk 'BEGIN { p = "ipv4 OUTPUT [netns host] → eth0 tx [netns host]"
		for (k = 0; k < 200; k += 2) { f = 2 * k + 1
			printf "%d;%d;;%d;%s\n%d;%d;;%d;%s\n", f, (k + 1) * 2^20, f + 2, p, f + 1, (k + 2) * 2^20, f + 3, p
			printf "%d;%d;%d;;%s\n%d;%d;%d;;%s\n", f + 2, (k + 1) * 2^20, f, p, f + 3, (k + 2) * 2^20, f + 1, p } }')
	expect "two-pass paths of 200 crowded group ids" "$out" "$want"
	;;

flow)
	# Statistics -> Flow Graph: components are nodes, each observation an arrow from where the
	# packet was before (first: from its source address), a drop an arrow to "✖ dropped".
	ts -q -r "$S/normal.pcapng" -z 'flow,pktmon,network,pktmon.pkt_group_id == 1' >"$WORK/flow.txt"
	check_stderr
	cat "$WORK/flow.txt"
	nodes=$(head -2 "$WORK/flow.txt" | tr '|' '\n' | sed 's/^ *//; s/ *$//' | grep -v -e '^$' -e '^Time$' | sort | tr '\n' ';')
	expect "flow nodes" "$nodes" "10.0.0.2;ipv4 INPUT [netns host];ipv4 PREROUTING [netns host];veth0 rx [netns web];✖ dropped;"
	expect "flow arrows" "$(grep -c -- '------------------>' "$WORK/flow.txt")" "4"
	expect "flow steps" "$(grep -o 'packet 1 #[0-9] at [^:]*' "$WORK/flow.txt" | tr '\n' ';')" \
		"packet 1 #1 at veth0 rx [netns web];packet 1 #2 at ipv4 PREROUTING [netns host];packet 1 #3 at ipv4 INPUT [netns host];packet 1 #4 at ipv4 INPUT [netns host];"
	expect_contains "the drop's arrow is labelled with the reason" "$(cat "$WORK/flow.txt")" "✖ NETFILTER_DROP"
	;;

stats)
	ts -q -r "$S/normal.pcapng" -z pktmon,tree >"$WORK/stats.txt"
	check_stderr
	cat "$WORK/stats.txt"
	# count SECTION ITEM: the Count column of ITEM under top-level node SECTION.
	count() {
		awk -v sec="$1" -v item="$2" '
			/^[^ ]/ { cur = $0; sub(/  .*/, "", cur); next }
			{
				line = $0; sub(/^ +/, "", line)
				if (cur == sec && index(line, item "  ") == 1) {
					rest = substr(line, length(item) + 1); split(rest, a, " "); print a[1]; exit
				}
			}' "$WORK/stats.txt"
	}
	top() {
		awk -v sec="$1" 'index($0, sec "  ") == 1 { rest = substr($0, length(sec) + 1); split(rest, a, " "); print a[1]; exit }' \
			"$WORK/stats.txt"
	}
	expect "observations" "$(top 'Observations by component')" "7"
	expect "veth0 rx" "$(count 'Observations by component' 'veth0 rx [netns web]')" "1"
	expect "ipv4 PREROUTING" "$(count 'Observations by component' 'ipv4 PREROUTING [netns host]')" "1"
	expect "ipv4 OUTPUT" "$(count 'Observations by component' 'ipv4 OUTPUT [netns host]')" "1"
	expect "ipv4 INPUT" "$(count 'Observations by component' 'ipv4 INPUT [netns host]')" "2"
	expect "eth0 tx" "$(count 'Observations by component' 'eth0 tx [netns host]')" "1"
	expect "stack" "$(count 'Observations by component' 'stack [netns host]')" "1"
	expect "Rx" "$(count 'Observations by direction' 'Rx')" "4"
	expect "Tx" "$(count 'Observations by direction' 'Tx')" "2"
	expect "unknown direction" "$(count 'Observations by direction' 'unknown')" "1"
	expect "INPUT layer" "$(count 'Observations by layer' 'INPUT')" "2"
	expect "drops" "$(top 'Drops by reason')" "2"
	expect "NETFILTER_DROP" "$(count 'Drops by reason' 'NETFILTER_DROP')" "1"
	expect "NO_SOCKET" "$(count 'Drops by reason' 'NO_SOCKET')" "1"
	expect "drops at ipv4 INPUT" "$(count 'Drops by component' 'ipv4 INPUT [netns host]')" "1"
	;;

malformed)
	# Each file must be read to the end without a crash, with the expected expert info.
	for f in truncated_tlv length_past_end bad_fixed_length version2 wrong_pen unknown_tlv bad_rundown \
		empty_payload same_group; do
		if ts -r "$S/$f.pcapng" -V -2 >"$WORK/$f.txt"; then
			echo "ok: $f read"
		else
			fail "tshark failed on $f.pcapng"
		fi
		check_stderr
		if grep -qE "Dissector bug|Unhandled exception|Malformed Packet" "$WORK/$f.txt"; then
			fail "$f: dissector exception: $(grep -E 'Dissector bug|Unhandled|Malformed Packet' "$WORK/$f.txt")"
		fi
	done
	msg() { ts -r "$S/$1" -Y "$2" -T fields -e _ws.expert.message; check_stderr; }
	expect_contains "truncated TLV" "$(msg truncated_tlv.pcapng pktmon.malformed)" \
		"Malformed pktmon metadata: truncated at offset 10"
	expect "truncated TLV keeps what came before" \
		"$(ts -r "$S/truncated_tlv.pcapng" -T fields -e pktmon.component_id)" "1"
	expect_contains "length past end" "$(msg length_past_end.pcapng pktmon.malformed)" \
		"Malformed pktmon metadata: TLV LAYER (2) at offset 10 runs past the end"
	expect_contains "bad fixed length" "$(msg bad_fixed_length.pcapng pktmon.malformed)" \
		"Malformed pktmon metadata: TLV COMPONENT_ID (1) at offset 2 has a wrong length"
	expect "bad fixed length: the rest is decoded" \
		"$(ts -r "$S/bad_fixed_length.pcapng" -T fields -e pktmon.layer -e pktmon.component_id)" "3	"
	sev=$(ts -r "$S/length_past_end.pcapng" -V)
	expect_contains "malformed is an error in the malformed group" "$sev" "[Expert Info (Error/Malformed): Malformed pktmon metadata"
	expect_contains "unknown version" "$(msg version2.pcapng pktmon.unknown_version)" \
		"Unknown pktmon metadata version 2 (this plugin reads version 1): not decoded"
	expect "unknown version: nothing decoded" \
		"$(ts -r "$S/version2.pcapng" -T fields -e pktmon.version -e pktmon.component_id)" "2	"
	expect "wrong PEN: not ours" "$(frames wrong_pen.pcapng 'pktmon')" ""
	expect "wrong PEN: file read" "$(frames wrong_pen.pcapng 'frame')" "1"
	expect_contains "empty payload" "$(msg empty_payload.pcapng pktmon.malformed)" \
		"Malformed pktmon metadata: truncated at offset 0"
	p=$(ts -r "$S/same_group.pcapng" -Y 'frame.number == 300' -T fields -e pktmon.path -e pktmon.prev_frame)
	expect_contains "path capped for a reused group id" "$p" "(only the first 64 observations are kept)"
	expect "no neighbours past the cap" "$(ts -r "$S/same_group.pcapng" -Y 'frame.number == 300 && pktmon.prev_frame' -T fields -e frame.number)" ""
	expect "neighbours below the cap" "$(ts -r "$S/same_group.pcapng" -Y 'frame.number == 64' -T fields -e pktmon.prev_frame)" "63"
	expect "unknown TLVs listed" "$(ts -r "$S/unknown_tlv.pcapng" -T fields -e pktmon.unknown_tlv)" "30583,200,15"
	expect_contains "unknown TLV expert" "$(msg unknown_tlv.pcapng pktmon.expert.unknown_tlv)" \
		"Unknown pktmon TLV type 30583 (3 bytes) skipped"
	expect "unknown TLVs: known ones decoded" \
		"$(ts -r "$S/unknown_tlv.pcapng" -T fields -e pktmon.component_id -e pktmon.appearance)" "1	1"
	;;

rundown)
	# Wireshark 4.0 delivers a Custom Block of a foreign PEN as a record with its payload.
	out=$(ts -r "$S/normal.pcapng" -Y 'pktmon.rundown.version' -T fields -e frame.number -e _ws.col.Protocol -e _ws.col.Info)
	check_stderr
	expect "rundown frame" "$out" "9	pktmon	pktmon session rundown: 6 components, 1 filters, 1 counters, 2 drop counts"
	line=$(ts -r "$S/normal.pcapng" -Y 'frame.number == 9')
	expect_contains "rundown summary line" "$line" " pktmon session rundown: 6 components, 1 filters, 1 counters, 2 drop counts"
	expect_contains "rundown protocol on the summary line" "$line" " pktmon "
	if columns_filterable; then
		expect "filter on the Protocol column" "$(frames normal.pcapng '_ws.col.protocol == "pktmon"')" "9"
	fi
	r() { ts -r "$S/normal.pcapng" -Y 'frame.number == 9' -T fields -e "$1"; }
	expect "component names" "$(r pktmon.rundown.name)" \
		"veth0 rx [netns web],ipv4 PREROUTING [netns host],ipv4 OUTPUT [netns host],ipv4 INPUT [netns host],eth0 tx [netns host],stack [netns host]"
	expect "component ids" "$(r pktmon.rundown.component_id)" "101,102,105,103,104,106,103,103,106"
	expect "interface ids" "$(r pktmon.rundown.interface_id)" "0,1,2,3,4,5"
	expect "filter" "$(r pktmon.rundown.filter_text)" "TCP port 80"
	expect "capture filter" "$(r pktmon.rundown.capture_filter)" "tcp or udp"
	expect "counters rx" "$(r pktmon.rundown.rx_pkts)" "2"
	expect "counters drops" "$(r pktmon.rundown.drops)" "1"
	expect "drop counts" "$(r pktmon.rundown.drop_reason)" "NETFILTER_DROP,NO_SOCKET"
	expect "drop count values" "$(r pktmon.rundown.count)" "1,1"
	expect "session" "$(r pktmon.rundown.session_name)" "test"
	expect "kernel" "$(r pktmon.rundown.kernel)" "6.18.0-test"
	expect "events written" "$(r pktmon.rundown.events_written)" "8"
	expect "capture type" "$(r pktmon.rundown.capture_type)" "0"
	expect "no expert on a good rundown" "$(r _ws.expert.message)" ""
	# Malformed rundowns.
	m=$(ts -r "$S/bad_rundown.pcapng" -Y 'frame.number == 2' -T fields -e _ws.expert.message)
	check_stderr
	expect_contains "records length past block" "$m" "Malformed pktmon rundown: records length 400 runs past the block"
	expect_contains "nested TLV past its record" "$m" \
		"Malformed pktmon rundown record: TLV NAME (32) at offset 20 runs past the end"
	m=$(ts -r "$S/bad_rundown.pcapng" -Y 'frame.number == 3' -T fields -e _ws.expert.message)
	expect_contains "unknown rundown version" "$m" "Unknown pktmon rundown version 7"
	expect "foreign PEN custom block untouched" "$(frames bad_rundown.pcapng 'frame.number == 4 && pktmon')" ""
	;;

mutations)
	# Thousands of randomly mutated metadata payloads and rundowns: no crash, no exception.
	for pass in "" "-2"; do
		# shellcheck disable=SC2086
		if ts $pass -r "$S/mutations.pcapng" -V >"$WORK/mut.txt"; then
			echo "ok: mutations read ($pass)"
		else
			fail "tshark $pass failed on mutations.pcapng: $(tail -3 "$WORK/stderr")"
		fi
		check_stderr
		n=$(grep -cE "Dissector bug|Unhandled exception|Malformed Packet" "$WORK/mut.txt" || true)
		expect "no dissector exceptions ($pass)" "$n" "0"
		n=$(grep -cE "^(Frame|PCAPNG Custom Block) [0-9]+:" "$WORK/mut.txt" || true)
		expect "all 3000 packets and 50 rundowns dissected ($pass)" "$n" "3050"
	done
	n=$(ts -r "$S/mutations.pcapng" -Y 'pktmon.malformed' -T fields -e frame.number | wc -l)
	if [ "$n" -gt 100 ]; then echo "ok: $n malformed frames flagged"; else fail "only $n malformed frames flagged"; fi
	;;

resave)
	# Option 2989 is copyable: editcap (Save As) and mergecap keep it, and mergecap renumbers the
	# interfaces, which must not matter (component names come from each frame's own IDB).
	bindir=$(dirname "$TSHARK")
	"$bindir/editcap" -F pcapng "$S/normal.pcapng" "$S/resaved.pcapng"
	"$bindir/mergecap" -w "$S/merged.pcapng" "$S/truncated_tlv.pcapng" "$S/normal.pcapng"
	chmod a+r "$S/resaved.pcapng" "$S/merged.pcapng"
	expect "drop survives Save As" "$(frames resaved.pcapng 'pktmon.drop_reason == "NETFILTER_DROP"')" "6"
	expect "rundown survives Save As" \
		"$(ts -r "$S/resaved.pcapng" -Y pktmon.rundown.kernel -T fields -e pktmon.rundown.kernel)" "6.18.0-test"
	out=$(ts -r "$S/merged.pcapng" -Y 'pktmon.pkt_group_id == 1' -T fields -E separator=';' \
		-e frame.number -e frame.interface_id -e pktmon.component_name)
	check_stderr
	want="2;1;veth0 rx [netns web]
3;2;ipv4 PREROUTING [netns host]
5;4;ipv4 INPUT [netns host]
7;4;ipv4 INPUT [netns host]"
	expect "merged file: names follow the renumbered interfaces" "$out" "$want"
	;;

colors)
	# The shipped colouring rules parse and colour the drops. tshark colours only a terminal,
	# so give it one with script(1). script runs its command with $SHELL; where it is unset (env -i)
	# sid's script takes the user's login shell, and nobody's is nologin.
	mkdir -p "$WORK/home/.config/wireshark"
	cp "$COLORFILTERS" "$WORK/home/.config/wireshark/colorfilters"
	chmod -R a+rwX "$WORK/home"
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
			env -i PATH=/usr/bin:/bin HOME="$WORK/home" WIRESHARK_PLUGIN_DIR="$WORK/plugins" \
			TERM=xterm-256color COLORTERM=truecolor SHELL=/bin/sh \
			script -qec "$TSHARK --color -r $S/normal.pcapng" /dev/null >"$WORK/color.txt" 2>&1
	else
		env HOME="$WORK/home" WIRESHARK_PLUGIN_DIR="$WORK/plugins" TERM=xterm-256color COLORTERM=truecolor \
			script -qec "$TSHARK --color -r $S/normal.pcapng" /dev/null >"$WORK/color.txt" 2>&1
	fi
	# background 42148,0,0 (16-bit) is 164,0,0 in 24-bit escapes
	expect "drop rows coloured" "$(grep -c '48;2;164;0;0m' "$WORK/color.txt")" "2"
	expect "rundown row coloured" "$(grep -c '48;2;196;196;196m' "$WORK/color.txt")" "1"
	;;

*)
	echo "unknown case $CASE" >&2
	exit 2
	;;
esac

if [ "$FAILS" -ne 0 ]; then
	echo "$CASE: $FAILS failure(s)" >&2
	exit 1
fi
echo "$CASE: all passed"
