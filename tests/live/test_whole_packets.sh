#!/bin/bash
# A reader too slow for the traffic (a fifo read 4 KiB at a time, as dumpcap reads
# Wireshark's extcap fifo at ~55,000 events a second) during a flood: pktmon loses
# whole packets, not parts of their paths. Every datagram written has its whole path
# (all the points the undisturbed datagrams have); the drops of pings blocked during
# the flood are all written (the room kept in the ring serves them); the balance holds
# (generated = written + lost) and the file holds every event written.
. "$(dirname "$0")/lib.sh"
need_live
need_cmd tshark; need_cmd python3; need_cmd nft; need_cmd ping

need_flood
A=$(nsname a); B=$(nsname b)
ns_pair "$A" "$B" 198.18.19.1 198.18.19.2
ip netns exec "$B" nft add table inet pmtest
ip netns exec "$B" nft add chain inet pmtest input '{ type filter hook input priority 0; }'
ip netns exec "$B" nft add rule inet pmtest input icmp type echo-request drop
secs=$((3 * SLOWDOWN))
ip netns exec "$B" "$FLOOD" recv 9000 $((secs + 30)) >/dev/null 2>&1 &
recv=$!
trap 'kill $recv $reader 2>/dev/null; cleanup' EXIT

F=$WORK/whole.pcapng
mkfifo "$WORK/fifo"
# ~4 MB/s (~16,000 events a second) here, slower under emulation (SLOWDOWN)
python3 -c '
import sys, time
pause = 0.001 * int(sys.argv[1])
while True:
    b = sys.stdin.buffer.read1(4096)
    if not b:
        break
    sys.stdout.buffer.write(b)
    time.sleep(pause)
' "$SLOWDOWN" <"$WORK/fifo" >"$F" &
reader=$!
start_capture "$WORK/fifo" --ring-size 262144
# pings blocked on B's INPUT while the flood fills the ring
pings=10
(sleep 0.5; ip netns exec "$A" ping -c $pings -i 0.2 -W 1 198.18.19.2 >/dev/null 2>&1) &
pinger=$!
ip netns exec "$A" "$FLOOD" send 198.18.19.2 9000 "$secs" -s 64 >/dev/null 2>&1
wait $pinger
stop_capture
wait $reader || fail "the reader failed"

line=$(grep 'pktmon: stopped' "$CAP_LOG")
gen=$(sed -E 's/.* ([0-9]+) events generated.*/\1/' <<<"$line")
written=$(sed -E 's/.* ([0-9]+) written.*/\1/' <<<"$line")
lost=$(sed -E 's/.* ([0-9]+) lost .*/\1/' <<<"$line")
echo "$line"
[ "${lost:-0}" -gt 0 ] && pass "the slow reader lost $lost events" || fail "expected losses, got [$line]"
eq "generated = written + lost" "$gen" "$((written + lost))"
eq "frames in the file" "$written" "$(tshark_stock -r "$F" -Y frame.packet_id -T fields -e frame.number | wc -l)"
# each blocked ping's drop is in the file (most of their paths are not: new packets while the ring was full)
eq "drops of the blocked pings written" "$pings" \
	"$(tshark_stock -r "$F" -Y 'icmp.type == 8 && frame.comment contains "NETFILTER_DROP"' -T fields -e frame.number | wc -l)"

# points a written datagram was seen at, by packet group id
tshark_stock -r "$F" -Y 'udp.dstport == 9000' -T fields -e frame.packet_id |
	sort | uniq -c | awk '{print $1}' | sort -n | uniq -c >"$WORK/points"
cat "$WORK/points"
# a whole path: the number of points most datagrams have
full=$(sort -k1,1nr "$WORK/points" | awk 'NR == 1 {print $2 + 0}')
groups=$(awk '{s += $1} END {print s + 0}' "$WORK/points")
partial=$(awk -v f="$full" '$2 < f {s += $1} END {print s + 0}' "$WORK/points")
[ "$full" -ge 5 ] && pass "a whole path is $full points" || fail "a datagram's whole path should be 5 points or more, is $full"
[ "$groups" -ge 1000 ] && pass "$groups datagrams written" || fail "only $groups datagrams written"
# each event written or lost on its own (before whole packets) left 2.4 % of the datagrams with holes here
[ "$partial" -le $((groups / 1000 + 2)) ] && pass "$partial of $groups datagrams with part of their path" ||
	fail "$partial of $groups datagrams written with part of their path"
finish
