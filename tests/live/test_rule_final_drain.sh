#!/bin/bash
# Drops still queued in the ring buffer when a capture stops are read in its final drain:
# each NETFILTER_DROP among them names its nftables rule like every other one (the trace
# sockets stay open until that drain is done). A steady stream of drops runs across the stop.
. "$(dirname "$0")/lib.sh"
need_live
need_cmd nft; need_cmd python3

A=$(nsname a); B=$(nsname b)
ns_pair "$A" "$B" 198.18.11.1 198.18.11.2
ip netns exec "$B" nft -f - <<'NFT' || fail "cannot add the rule"
table inet fw {
	chain input {
		type filter hook input priority 0;
		udp dport 9 drop comment "final drain"
	}
}
NFT
F=$WORK/drain.pcapng
start_capture "$F" --filter 'discard -t UDP -p 9'
# about 2,000 datagrams a second for 3 s: the capture stops in the middle
ip netns exec "$A" python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.monotonic() + 3
while time.monotonic() < end:
    s.sendto(b"x" * 16, ("198.18.11.2", 9)); time.sleep(0.0005)
' &
sender=$!
sleep 1.5
kill -TERM "$CAP_PID"
wait "$CAP_PID"; rc=$?
wait "$sender"
eq "the capture ends with status 0" "0" "$rc"
text=$("$PKTMON" format "$F")
drops=$(grep -c 'Reason NETFILTER_DROP' <<<"$text")
[ "$drops" -ge 100 ] && pass "$drops drops captured" || fail "only $drops drops captured"
grep -q 'nftables traces were lost' "$CAP_LOG" && skip "the trace socket overflowed on this machine (see $CAP_LOG)"
eq "every NETFILTER_DROP names its rule, the last ones too" "$drops" \
	"$(grep -c $'^\trule: inet fw input handle [0-9]*: .*final drain' <<<"$text")"

# real-time text (-m real-time) shows the rule under the drop's line, as `pktmon format` does
rt=$(timeout 20 "$PKTMON" start --capture -m real-time --run-for 3 --filter 'discard -t UDP -p 9' 2>"$WORK/rt.err" &
	sleep 1.5
	ip netns exec "$A" python3 -c '
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"y", ("198.18.11.2", 9))'
	wait)
eq "real-time: the drop's line, then its rule (as pktmon format shows it)" \
	"$(grep -m1 $'^\trule: ' <<<"$text")" "$(grep -A1 'Reason NETFILTER_DROP' <<<"$rt" | grep -m1 $'^\trule: ')"
finish
