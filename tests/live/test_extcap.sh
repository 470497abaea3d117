#!/bin/bash
# The extcap as Wireshark uses it: tshark as an unprivileged user finds the "pktmon"
# interface through WIRESHARK_EXTCAP_DIR, parses its DLTs and its dialog, captures
# live with a capture filter, and refuses an invalid one. SIGTERM finishes the
# pcapng cleanly; after SIGKILL nothing of ours stays attached.
. "$(dirname "$0")/lib.sh"
need_live
need_cmd tshark; need_cmd setcap; need_cmd nft; need_cmd bpftool

# as installed: the extcap entry has no privilege, the capture helper (elsewhere) the capabilities
install_as_wireshark
# tshark makes its extcap fifo in TMPDIR and leaves it when killed: in our work folder, then
mkdir -m 1777 "$WORK/tmp"
ts_user() { setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$WORK" TMPDIR="$WORK/tmp" WIRESHARK_EXTCAP_DIR="$EXT" PKTMON_CAPTURE_HELPER="$HELPER" \
	${PKTMON_PLUGIN_DIR:+WIRESHARK_PLUGIN_DIR=$PKTMON_PLUGIN_DIR} tshark "$@"; }

# discovery, through Wireshark's own parser
ts_user -D 2>/dev/null | grep -q "pktmon (Packet Monitor" && pass "tshark -D lists pktmon" || fail "tshark -D does not list pktmon"
ts_user -i pktmon -L 2>/dev/null | grep -q "EN10MB" && pass "tshark -L: Ethernet" || fail "tshark -L does not show EN10MB"
prefs=$(ts_user -G currentprefs 2>/dev/null | grep -c '^#extcap\.pktmon\.')
# 6 of the 7 arguments: Components is not saved (save=false keeps its defaults checked)
eq "every saved dialog argument parsed by Wireshark" "6" "$prefs"
start_ms=$(date +%s%N); "$PKTMON" --extcap-interfaces >/dev/null; "$PKTMON" --extcap-config --extcap-interface pktmon >/dev/null
ms=$((($(date +%s%N) - start_ms) / 1000000))
[ "$ms" -lt $((1500 * SLOWDOWN)) ] && pass "discovery takes ${ms} ms" || fail "discovery is slow: ${ms} ms"
out=$("$PKTMON" --extcap-interface pktmon --extcap-capture-filter 'udp port 9')
eq "valid capture filter: no output" "" "$out"
out=$("$PKTMON" --extcap-interface pktmon --extcap-capture-filter 'udp prot 9')
case "$out" in "invalid capture filter"*) pass "invalid capture filter: $out";; *) fail "invalid capture filter said [$out]";; esac

# a live capture with a capture filter, with traffic and an nft drop in test namespaces
A=$(nsname a); B=$(nsname b)
ns_pair "$A" "$B" 198.18.6.1 198.18.6.2
ip netns exec "$B" nft add table inet pmtest
ip netns exec "$B" nft add chain inet pmtest input '{ type filter hook input priority 0; }'
ip netns exec "$B" nft add rule inet pmtest input udp dport 9 drop
base=$(pm_consume_ids)
# tshark's duration includes the capture's start (seconds under emulation)
ts_user -i pktmon -f 'udp port 9' -a duration:$((6 * SLOWDOWN)) -w "$OUT/live.pcapng" >"$WORK/live.log" 2>&1 &
tspid=$!
wait_attached "$base" "$tspid" && sleep 0.3
ip netns exec "$A" bash -c 'for i in 1 2 3; do echo x > /dev/udp/198.18.6.2/9; echo y > /dev/udp/198.18.6.2/10; done'
wait "$tspid" || { cat "$WORK/live.log"; fail "tshark -i pktmon failed"; }
grep -qi "error" "$WORK/live.log" && fail "tshark reported an error: $(cat "$WORK/live.log")"
F=$OUT/live.pcapng
eq "capture filter: only UDP port 9" "0" "$(tshark_stock -r "$F" -Y 'frame.packet_id && !(udp.port == 9)' -T fields -e frame.number | wc -l)"
eq "the three datagrams" "3" "$(tshark_stock -r "$F" -Y 'udp.port == 9' -T fields -e frame.packet_id | sort -u | wc -l)"
drop=$(tshark_stock -r "$F" -Y 'frame.comment contains "DROP"' -T fields -e frame.interface_name -e frame.comment | sort -u)
case "$drop" in "ipv4 INPUT [netns $B]	DROP NETFILTER_DROP at nft_do_chain+0x"*) pass "the drop arrived live, symbolized";;
*) fail "drop: [$drop]";; esac
if [ -n "${PKTMON_PLUGIN_DIR:-}" ] && [ -d "$PKTMON_PLUGIN_DIR" ]; then
	eq "decoded by the plugin" "NETFILTER_DROP" \
		"$(ts_user -r "$F" -Y 'pktmon.dropped' -T fields -e pktmon.drop_reason 2>/dev/null | sort -u)"
fi

# an invalid capture filter is refused with a message
rc=0; timeout $((60 * SLOWDOWN)) setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$WORK" WIRESHARK_EXTCAP_DIR="$EXT" \
	PKTMON_CAPTURE_HELPER="$HELPER" tshark -i pktmon -f 'udp prot 9' -a duration:2 -w "$OUT/bad.pcapng" >"$WORK/bad.log" 2>&1 || rc=$?
case $rc in 0) fail "an invalid filter was accepted";; 124) fail "tshark with an invalid filter did not end within $((60 * SLOWDOWN)) s";; esac
grep -q 'invalid capture filter "udp prot 9"' "$WORK/bad.log" && pass "invalid filter message reaches tshark" ||
	fail "no message for an invalid filter: $(cat "$WORK/bad.log")"

# SIGTERM mid-capture: the pcapng reads to the end, with the end-of-capture blocks
mkfifo "$WORK/fifo"
cat "$WORK/fifo" >"$OUT/term.pcapng" &
reader=$!
base=$(pm_consume_ids)
"$PKTMON" --capture --extcap-interface pktmon --fifo "$WORK/fifo" --pkt-size 0 &
cap=$!; CAPTURES+=("$cap")
wait_attached "$base" "$cap"
ip netns exec "$A" ping -c 2 -i 0.2 198.18.6.2 >/dev/null 2>&1
kill -TERM "$cap"; rc=0; wait "$cap" || rc=$?
wait "$reader"
eq "extcap exit status after SIGTERM" "0" "$rc"
tshark_stock -r "$OUT/term.pcapng" >/dev/null && pass "the SIGTERM'd capture reads to the end" || fail "tshark cannot read the SIGTERM'd capture"
eq "ISBs at the end" "yes" "$(capinfos -I "$OUT/term.pcapng" 2>/dev/null | grep -q 'Number of stat entries = 1' && echo yes || echo no)"
[ "$(tshark_stock -r "$OUT/term.pcapng" -Y icmp -T fields -e frame.number | wc -l)" -gt 0 ] && pass "ICMP captured" || fail "no ICMP"

# SIGKILL: the kernel drops links and programs with the last fd. Other captures may
# run at the same time, so look only at what this one holds.
mkfifo "$WORK/fifo2"
cat "$WORK/fifo2" >/dev/null &
reader=$!
base2=$(pm_consume_ids)
"$PKTMON" --capture --extcap-interface pktmon --fifo "$WORK/fifo2" &
cap=$!
wait_attached "$base2" "$cap"
ours=$(tree_bpf "$cap" progs)
links=$(tree_bpf "$cap" links)
[ -n "$ours" ] && pass "programs loaded while capturing: $(echo $ours)" || fail "no programs while capturing"
[ -n "$links" ] && pass "links attached while capturing: $(echo "$links" | wc -l)" || fail "no links while capturing"
kill -KILL "$cap"; wait "$cap" 2>/dev/null; wait "$reader" 2>/dev/null
sleep 0.5
eq "no program of ours after SIGKILL" "" "$(for id in $ours; do bpftool prog show id "$id" >/dev/null 2>&1 && echo "$id"; done)"
left=$(for id in $links; do bpftool link show id "$id" >/dev/null 2>&1 && echo "$id"; done)
eq "no link of ours after SIGKILL" "" "$left"
finish
