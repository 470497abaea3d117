#!/bin/bash
# SPDX-License-Identifier: MIT
# The Windows pktmon tutorials, typed verbatim: filter add -p 80 / -t icmp / -t tcp -p 1433,
# start --etw -c, start --capture, -m real-time, stop, format PktMon.pcapng -o capture.txt,
# pcapng PktMon.pcapng -o capture.pcapng, etl2txt, etl2pcap; then --log-mode memory and unload
# (as a user of its own, so that it stops no one else's capture).
. "$(dirname "$0")/lib.sh"
need_live
need_cmd nft; need_cmd tshark

A=$(nsname a); B=$(nsname b)
ns_pair "$A" "$B" 198.18.21.1 198.18.21.2
# the server drops pings on INPUT; the client drops TCP to 1433 on OUTPUT (the seed scenario)
ip netns exec "$B" nft add table inet pmtest
ip netns exec "$B" nft add chain inet pmtest input '{ type filter hook input priority 0; }'
ip netns exec "$B" nft add rule inet pmtest input icmp type echo-request drop
ip netns exec "$A" nft add table inet pmtest
ip netns exec "$A" nft add chain inet pmtest output '{ type filter hook output priority 0; }'
ip netns exec "$A" nft add rule inet pmtest output tcp dport 1433 drop
reproduce() {
	ip netns exec "$A" ping -c 2 -i 0.2 -W 1 198.18.21.2 >/dev/null && fail "the pings should be dropped"
	timeout 2 ip netns exec "$A" bash -c 'exec 3<>/dev/tcp/198.18.21.2/1433' 2>/dev/null && fail "TCP 1433 should be dropped"
	sleep 0.5
}
P=$PKTMON
CWD=$WORK/cwd; mkdir -p "$CWD"; cd "$CWD" || exit 1

# --- the filters, as typed on Windows
"$P" filter remove >/dev/null
eq "filter add -p 80" "Filter added: -p 80" "$("$P" filter add -p 80)"
eq "filter add -t icmp" "Filter added: -t ICMP" "$("$P" filter add -t icmp)"
eq "filter add -t tcp -p 1433" "Filter added: -t TCP -p 1433" "$("$P" filter add -t tcp -p 1433)"

# --- pktmon start --etw -c: a background capture into ./PktMon.pcapng, circular 512 MB
out=$("$P" start --etw -c 2>&1); rc=$?
eq "start --etw -c: exit status" 0 "$rc"
case "$out" in "pktmon: started (pid "*"writing $CWD/PktMon.pcapng."*) pass "start --etw -c: $out";; *) fail "start --etw -c said [$out]";; esac
"$P" status | grep -qxF "File: $CWD/PktMon.pcapng" && pass "status shows the file" || fail "status: $("$P" status)"
reproduce
"$P" counters >counters.txt
eq "counters: Windows' columns" "Id Name Counter Direction Packets Bytes | Direction Packets Bytes" "$(head -1 counters.txt | tr -s ' ')"
row=$(grep -A1 "ipv4 INPUT \[netns $B\]" counters.txt)
eq "counters: 2 pings received at INPUT" "Packets Rx 2" "$(head -1 <<<"$row" | sed -E 's/^[0-9]+ +ipv4 INPUT \[netns [^]]+\] +//' | awk '{print $1, $2, $3}')"
eq "counters: their drops" "Drops - 2 - | Lost 0, last reason NETFILTER_DROP" "$(tail -1 <<<"$row" | tr -s ' ' | sed 's/^ //')"
out=$("$P" stop); rc=$?
eq "stop: exit status" 0 "$rc"
grep -qxF "File: $CWD/PktMon.pcapng" <<<"$out" && pass "stop names the file" || fail "stop said [$out]"
[ -s PktMon.pcapng ] && pass "PktMon.pcapng written" || fail "no PktMon.pcapng in the current folder"

# --- format and pcapng, as typed
out=$("$P" format PktMon.pcapng -o capture.txt); rc=$?
eq "format -o capture.txt: exit status" 0 "$rc"
eq "ICMP: the drop with its reason in capture.txt" 2 \
	"$(grep -cE "Component [0-9]+ \(ipv4 INPUT \[netns $B\]\), Drop: Reason NETFILTER_DROP, Location nft_do_chain" capture.txt)"
grep -A1 -E "ipv4 OUTPUT \[netns $A\]\), Drop: Reason NETFILTER_DROP" capture.txt | grep -q "198.18.21.1.[0-9]* > 198.18.21.2.1433: TCP" &&
	pass "TCP 1433: dropped at OUTPUT, in capture.txt" || fail "no TCP 1433 drop in capture.txt"
grep -q '^Rundown of session' capture.txt && pass "capture.txt has the rundown" || fail "no rundown in capture.txt"
out=$("$P" pcapng PktMon.pcapng -o capture.pcapng); rc=$?
eq "pcapng -o capture.pcapng: exit status" 0 "$rc"
cmp -s capture.pcapng PktMon.pcapng && pass "capture.pcapng: the whole capture" || fail "capture.pcapng differs"
eq "stock tshark: the drops in capture.pcapng" 2 \
	"$(tshark_stock -r "$CWD/capture.pcapng" -Y 'icmp && frame.comment contains "NETFILTER_DROP"' -T fields -e frame.number | wc -l)"
"$P" etl2txt PktMon.pcapng >etl2txt.txt; eq "etl2txt: exit status" 0 "$?"
cmp -s etl2txt.txt capture.txt && pass "etl2txt = format" || fail "etl2txt differs from capture.txt"
out=$("$P" etl2pcap PktMon.pcapng --drop-only); rc=$?
eq "etl2pcap --drop-only (no -o): the drops of capture.txt" "pktmon: $(grep -c 'Drop: Reason' capture.txt) of" "$(cut -d' ' -f1-3 <<<"$out")"
[ -s PktMon-converted.pcapng ] && pass "PktMon-converted.pcapng" || fail "etl2pcap: $out"

# --- pktmon start --capture: not Wireshark's --capture
rm -f PktMon.pcapng
out=$("$P" start --capture 2>&1); rc=$?
eq "start --capture: exit status" 0 "$rc"
case "$out" in *extcap*) fail "start --capture went to the extcap: $out";; *) pass "start --capture: a capture";; esac
reproduce
"$P" stop >/dev/null
eq "start --capture: the drops in PktMon.pcapng" 2 "$("$P" format PktMon.pcapng --drop-only -t | grep -c "ipv4 INPUT \[netns $B\]), Drop: Reason NETFILTER_DROP")"

# --- pktmon start -m real-time: lines on the terminal until Ctrl-C
"$P" start -m real-time >rt.out 2>rt.err &
rt=$!; CAPTURES+=("$rt")
for _ in $(seq 1 600); do grep -q capturing rt.err && break; sleep 0.05; done
reproduce
kill -INT "$rt"; wait "$rt"; eq "-m real-time: exit status after Ctrl-C" 0 "$?"
grep -qE "Component [0-9]+ \(ipv4 INPUT \[netns $B\]\), Drop: Reason NETFILTER_DROP, .*; 198\.18\.21\.1 > 198\.18\.21\.2: ICMP" rt.out &&
	pass "-m real-time: the drop line" || fail "-m real-time: no drop line: $(head -c 600 rt.out)"

# --- --log-mode memory: nothing on disk until stop, then the file
shm_before=$(ls -d /dev/shm/pktmon-memory-* 2>/dev/null | wc -l)
out=$("$P" start -c -m memory -s 8 -f mem.pcapng 2>&1) || fail "start -m memory: $out"
case "$out" in *", in memory until stop, then to $CWD/mem.pcapng."*) pass "memory: start says so";; *) fail "start -m memory said [$out]";; esac
eq "memory: the file is empty while capturing" 0 "$(stat -c %s mem.pcapng 2>/dev/null)"
reproduce
"$P" stop >/dev/null
eq "memory: the drops written at stop" 2 "$("$P" format mem.pcapng --drop-only -t | grep -c "ipv4 INPUT \[netns $B\]), Drop: Reason NETFILTER_DROP")"
eq "memory: nothing left in /dev/shm" "$shm_before" "$(ls -d /dev/shm/pktmon-memory-* 2>/dev/null | wc -l)"
"$P" filter remove >/dev/null

# --- unload, as a user of its own (a uid no one else uses: it stops only that user's captures)
U=$((60000 + $$ % 5000))
install_as_wireshark
as_u() { setpriv --reuid=$U --regid=$U --clear-groups env HOME="$OUT" PKTMON_CAPTURE_HELPER="$HELPER" PKTMON_RUN_DIR="$OUT/run" "$@"; }
cd "$OUT" || exit 1
chown "$U:$U" "$OUT"
out=$(as_u "$P" start -c -f "$OUT/u1.pcapng" 2>&1) || fail "user: start: $out"
bg_pid=$(as_u "$P" status | sed -nE 's/^Packet Monitor is running \(pid ([0-9]+)\).*/\1/p')
# not through as_u: $! must be the capture itself (setpriv, env and pktmon exec it)
setpriv --reuid=$U --regid=$U --clear-groups env HOME="$OUT" PKTMON_CAPTURE_HELPER="$HELPER" PKTMON_RUN_DIR="$OUT/run" \
	"$P" start --foreground --comp dev-rx -f "$OUT/u2.pcapng" >"$WORK/fg.log" 2>&1 &
fg_pid=$!; CAPTURES+=("$fg_pid")
for _ in $(seq 1 600); do grep -q capturing "$WORK/fg.log" && break; sleep 0.05; done
links=$(cat /proc/"$bg_pid"/fdinfo/* /proc/"$fg_pid"/fdinfo/* 2>/dev/null | sed -n 's/^link_id:\s*//p' | sort -u)
[ -n "$links" ] && pass "the two captures hold $(wc -w <<<"$links") BPF links" || fail "no BPF link found in the captures' descriptors"
out=$(as_u "$P" unload); rc=$?
eq "unload: exit status" 0 "$rc"
grep -qF "Stopped the background session (pid $bg_pid), file $OUT/u1.pcapng." <<<"$out" && pass "unload: the background session" || fail "unload said [$out]"
grep -qF "Stopped the capture helper pid $fg_pid." <<<"$out" && pass "unload: the foreground capture" || fail "unload said [$out]"
grep -qF "Unloaded: 2 captures stopped" <<<"$out" && pass "unload: the count" || fail "unload said [$out]"
kill -0 "$bg_pid" 2>/dev/null && fail "the background helper still runs"
kill -0 "$fg_pid" 2>/dev/null && fail "the foreground helper still runs"
left=$(comm -12 <(bpftool link show 2>/dev/null | sed -nE 's/^([0-9]+):.*/\1/p' | sort) <(tr ' ' '\n' <<<"$links" | sort))
eq "bpftool link: none of their links left" "" "$left"
"$P" format "$OUT/u1.pcapng" >/dev/null && pass "unload finished the background session's file" || fail "u1.pcapng does not read"
out=$(as_u "$P" unload); rc=$?
eq "unload with nothing to unload" "0|Nothing to unload: no capture of yours is running." "$rc|$out"
finish
