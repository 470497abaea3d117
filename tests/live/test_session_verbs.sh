#!/bin/bash
# Windows pktmon's workflow with Linux names: filter remove -> filter add -> start
# (background) -> reproduce -> counters -> stop -> filter remove; plus the errors
# scripts rely on (exit status 2 for bad input, 1 for "no session").
. "$(dirname "$0")/lib.sh"
need_live
need_cmd nft; need_cmd python3; need_cmd tshark

A=$(nsname a); B=$(nsname b)
ns_pair "$A" "$B" 198.18.8.1 198.18.8.2
ip netns exec "$B" nft add table inet pmtest
ip netns exec "$B" nft add chain inet pmtest input '{ type filter hook input priority 0; }'
ip netns exec "$B" nft add rule inet pmtest input icmp type echo-request drop
# the client blocks TCP to 1433 on OUTPUT (the seed scenario)
ip netns exec "$A" nft add table inet pmtest
ip netns exec "$A" nft add chain inet pmtest output '{ type filter hook output priority 0; }'
ip netns exec "$A" nft add rule inet pmtest output tcp dport 1433 drop
P=$PKTMON
F=$WORK/seed.pcapng

# no session yet
out=$("$P" stop 2>&1); rc=$?
eq "stop without a session: exit status" "1" "$rc"
case "$out" in *"no pktmon session is running"*) pass "stop without a session says so";; *) fail "stop said [$out]";; esac
eq "status without a session" "Packet Monitor is not running." "$("$P" status)"
eq "status --json without a session" '{"running":false}' "$("$P" status --json)"

# filters
"$P" filter remove >/dev/null
"$P" filter add ping -t ICMP -i 198.18.8.2 >/dev/null || fail "filter add ping"
"$P" filter add sql -t TCP -p 1433 >/dev/null || fail "filter add sql"
eq "filter list" "2" "$("$P" filter list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["filters"]))')"
"$P" filter add bad -i 198.18.8.300 >/dev/null 2>&1; eq "a bad address: exit status" "2" "$?"
"$P" filter add sql -t UDP >/dev/null 2>&1; eq "a duplicate name: exit status" "2" "$?"
for i in $(seq 3 32); do "$P" filter add "f$i" -p "$((1000 + i))" >/dev/null || fail "filter $i"; done
out=$("$P" filter add f33 -p 2000 2>&1); rc=$?
eq "a 33rd filter: exit status" "2" "$rc"
case "$out" in *"already 32 filters"*) pass "a 33rd filter is refused";; *) fail "33rd filter said [$out]";; esac
for i in $(seq 3 32); do "$P" filter remove "f$i" >/dev/null || fail "remove f$i"; done
eq "filters left" "2" "$("$P" filter list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["filters"]))')"

# start in the background, reproduce, read the counters, stop
out=$("$P" start -f "$F"); rc=$?
eq "start returns" "0" "$rc"
case "$out" in "pktmon: started (pid "*) pass "start: $out";; *) fail "start said [$out]";; esac
"$P" start -f "$WORK/second.pcapng" >/dev/null 2>&1; eq "a second start: exit status" "1" "$?"
case "$("$P" status)" in "Packet Monitor is running (pid "*) pass "status: running";; *) fail "status: $("$P" status)";; esac
"$P" status | grep -qxF "File: $F" && pass "status shows the file it writes" || fail "status: $("$P" status | grep File)"
ip netns exec "$A" ping -c 2 -i 0.2 -W 1 198.18.8.2 >/dev/null && fail "the pings should be dropped"
# the kernel retries the dropped SYN for minutes: give up after 3 s
timeout 3 ip netns exec "$A" bash -c 'exec 3<>/dev/tcp/198.18.8.2/1433' 2>/dev/null && fail "TCP 1433 should be dropped"
ip netns exec "$A" bash -c 'echo x > /dev/udp/198.18.8.2/53' # matches no filter
sleep 0.5
J=$("$P" counters --json)
python3 - "$J" "$A" "$B" <<'PY' && pass "counters --json: drops at INPUT and OUTPUT" || fail "counters --json: $J"
import json, sys
j = json.loads(sys.argv[1]); a, b = sys.argv[2], sys.argv[3]
comps = {c["name"]: c for c in j["components"]}
inp = comps[f"ipv4 INPUT [netns {b}]"]
out = comps[f"ipv4 OUTPUT [netns {a}]"]
assert j["running"] is True
# observations the kernel skipped (a program already running on that CPU): a count, never absent
assert isinstance(j["events_missed"], int) and 0 <= j["events_missed"] <= j["events_generated"] + 1000, j
assert inp["rx_packets"] == 2 and inp["drops"] == 2 and inp["drop_reasons"] == {"NETFILTER_DROP": 2}, inp
# the SYN is dropped on OUTPUT, and retried: at least one drop, all NETFILTER_DROP
assert out["drops"] >= 1 and list(out["drop_reasons"]) == ["NETFILTER_DROP"], out
assert out["tx_packets"] >= out["drops"], out
# UDP to 53 matched no filter: nothing counted for it anywhere (no socket drop in B)
assert not any("NO_SOCKET" in c["drop_reasons"] for c in j["components"]), j
PY
"$P" counters --drop-reason | grep -q "Drop reason NETFILTER_DROP" && pass "counters --drop-reason" || fail "counters --drop-reason"
"$P" counters --type bogus >/dev/null 2>&1; eq "counters --type bogus: exit status" "2" "$?"
"$P" reset >/dev/null || fail "reset"
eq "counters after reset" "0" "$("$P" counters --json | python3 -c 'import json,sys; print(sum(c["drops"]+c["rx_packets"]+c["tx_packets"] for c in json.load(sys.stdin)["components"]))')"
eq "skipped observations after reset" "0" "$("$P" counters --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["events_missed"])')"
ip netns exec "$A" ping -c 1 -W 1 198.18.8.2 >/dev/null
sleep 0.3
out=$("$P" stop); rc=$?
eq "stop: exit status" "0" "$rc"
case "$out" in "Packet Monitor stopped. "*"File: $F"*) pass "stop prints a summary";; *) fail "stop said [$out]";; esac
"$P" status | grep -q "not running" && pass "status after stop" || fail "still running after stop"

# the file holds the whole story, read by stock tshark
tshark_stock -r "$F" >/dev/null || fail "stock tshark cannot read the file"
eq "ICMP drops in the file" "3" "$(tshark_stock -r "$F" -Y 'icmp && frame.comment contains "NETFILTER_DROP"' -T fields -e frame.number | wc -l)"
tcp=$(tshark_stock -r "$F" -Y 'tcp.dstport == 1433 && frame.comment contains "DROP"' -T fields -e frame.interface_name -e frame.comment | sort -u)
case "$tcp" in "ipv4 OUTPUT [netns $A]	DROP NETFILTER_DROP at nft_do_chain+0x"*) pass "TCP 1433 dropped at OUTPUT";; *) fail "TCP 1433: [$tcp]";; esac
# (the ICMP port unreachable that answers it, quoting UDP 53, does match the ICMP filter)
eq "no UDP 53 datagram in the file" "0" "$(tshark_stock -r "$F" -Y 'udp.port == 53 && !icmp' -T fields -e frame.number | wc -l)"
if "$P" format --help >/dev/null 2>&1; then
	"$P" format "$F" | grep -q "Drop: Reason NETFILTER_DROP" && pass "format finds the drop" || fail "format does not show the drop"
fi
"$P" filter remove >/dev/null
eq "filters removed" "No filters." "$("$P" filter list)"
finish
