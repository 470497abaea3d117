#!/bin/bash
# --netns: only what happens in the chosen namespaces is reported, while packets
# are still followed through the others (their appearance numbers keep counting).
. "$(dirname "$0")/lib.sh"
need_live
need_cmd tshark; need_cmd ping

A=$(nsname a); B=$(nsname b)
ns_pair "$A" "$B" 198.18.12.1 198.18.12.2
F=$WORK/netns.pcapng
start_capture "$F" --netns "$B" --filter 'i -t ICMP -i 198.18.12.2'
ip netns exec "$A" ping -c 2 -i 0.2 -W 1 198.18.12.2 >/dev/null || fail "ping"
stop_capture
names=$(tshark_stock -r "$F" -Y frame.packet_id -T fields -e frame.interface_name | sort -u)
[ -n "$names" ] && pass "frames captured" || fail "nothing captured"
eq "only namespace $B is reported" "" "$(grep -v "\[netns $B\]" <<<"$names")"
# the echo request is first reported at B's rx: appearance 5 (after A's OUTPUT,
# POSTROUTING, qdisc and tx, which were followed but not reported)
if [ -n "${PKTMON_PLUGIN_DIR:-}" ] && [ -d "$PKTMON_PLUGIN_DIR" ]; then
	first=$(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$WORK" WIRESHARK_PLUGIN_DIR="$PKTMON_PLUGIN_DIR" \
		tshark -r "$F" -Y 'icmp.type == 8' -T fields -e pktmon.appearance -e pktmon.component_name 2>/dev/null | head -1)
	eq "first report of the echo request" "5	${B}v rx [netns $B]" "$first"
fi
out=$("$PKTMON" start --foreground --netns no-such-ns --run-for 1 2>&1); rc=$?
eq "an unknown namespace: exit status" "2" "$rc"
case "$out" in *"no network namespace 'no-such-ns'"*) pass "an unknown namespace is named";; *) fail "said [$out]";; esac
finish
