#!/bin/bash
# Stopping under a flood, with rings far too small (4 KiB - 64 KiB): at every
# stop, SIGTERM or SIGINT, each generated event is written or counted as lost
# (generated = written + lost + not written), 20 times in a row (10 under emulation, where a
# start takes ~30 s: still every ring size, both signals, with and without netfilter links).
. "$(dirname "$0")/lib.sh"
need_live

need_flood
A=$(nsname a); B=$(nsname b)
ns_pair "$A" "$B" 198.18.18.1 198.18.18.2
ip netns exec "$B" "$FLOOD" recv 9000 $((300 * SLOWDOWN)) >/dev/null 2>&1 &
recv=$!
ip netns exec "$A" "$FLOOD" send 198.18.18.2 9000 $((300 * SLOWDOWN)) -s 64 >/dev/null 2>&1 &
send=$!
trap 'kill $send $recv 2>/dev/null; cleanup' EXIT

rings=(4096 8192 16384 32768 65536)
unbalanced=0
runs=20
[ "$SLOWDOWN" -gt 1 ] && runs=10
for run in $(seq 1 $runs); do
	ring=${rings[$((run % 5))]}
	sig=$([ $((run % 2)) = 0 ] && echo INT || echo TERM)
	F=$WORK/run$run.pcapng
	# every layer (netfilter links in every namespace) in half the runs
	comp=()
	[ $((run % 4)) -lt 2 ] && comp=(--comp dev-rx,dev-tx,nf-input,socket-rx,stack)
	start_capture "$F" --ring-size "$ring" "${comp[@]}"
	sleep 0.$((3 + run % 5))
	kill -"$sig" "$CAP_PID"
	rc=0; wait "$CAP_PID" || rc=$?
	[ "$rc" = 0 ] || { cat "$CAP_LOG"; fail "run $run: exit status $rc"; }
	line=$(grep 'pktmon: stopped' "$CAP_LOG")
	gen=$(sed -E 's/.* ([0-9]+) events generated.*/\1/' <<<"$line")
	written=$(sed -E 's/.* ([0-9]+) written.*/\1/' <<<"$line")
	lost=$(sed -E 's/.* ([0-9]+) lost .*/\1/' <<<"$line")
	notw=$(sed -nE 's/.* ([0-9]+) events were not written.*/\1/p' "$CAP_LOG")
	sum=$((written + lost + ${notw:-0}))
	if [ -n "$gen" ] && [ "$gen" = "$sum" ] && [ "$gen" -gt 0 ]; then
		echo "run $run (ring $ring, SIG$sig${comp:+, some layers}): $gen generated = $written written + $lost lost + ${notw:-0} not written"
	else
		unbalanced=$((unbalanced + 1))
		fail "run $run (ring $ring, SIG$sig): [$line] not written [${notw:-0}]: off by $((gen - sum))"
	fi
	rm -f "$F"
done
eq "stops where generated != written + lost + not written" "0" "$unbalanced"
finish
